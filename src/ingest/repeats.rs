//! Records read more than once (overlapping exports, one file given twice, a Graph export beside a
//! Log Analytics copy of the same days): one copy of each is kept ([`drop_repeated_records`]).
//!
//! The copy kept is the one worth most ([`AuditEvent::copy_worth`]: what it holds, then how finely
//! its time is written), the first in reading order among equals.

use crate::model::{AuditEvent, FileName};
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Whether two events are copies of one record: the same record id and activity (a record id
/// reused with another activity is another record).
fn same(a: &AuditEvent, b: &AuditEvent) -> bool {
    a.record_key == b.record_key && a.activity == b.activity
}

/// How an event's copies in [`drop_repeated_records`]'s tables are named: its index in the
/// events, which are more than `u32` can number only past what memory can hold.
type Index = u32;

/// Drops every copy of a record but one: the same record id ([`crate::model::RecordKey`]) and the
/// same activity, so that two overlapping exports, or one file given twice, count each record
/// once. `events` is in reading order; the order of what is kept does not change. Events without
/// a record id (the admin center's CSV has no id column) are all kept; a record id seen again
/// with another activity is another record and kept too. Gives the file of each copy dropped.
///
/// The copy kept is the one worth most ([`AuditEvent::copy_worth`]: one with the error text
/// beats a copy from an export that projected it away; a time to the ten-millionth beats one cut
/// to milliseconds), the first in reading order among equals: what is kept depends on the copies,
/// not on the order the inputs were named in or the threads that read them.
///
/// The table holds indices (4 bytes an entry; the set of keys and activities it replaced held 16)
/// and each event's copies are compared only when a copy is met.
pub(super) fn drop_repeated_records(events: &mut Vec<AuditEvent>) -> Vec<FileName> {
    let keyed = events.iter().filter(|e| e.record_key.is_some()).count();
    if keyed == 0 {
        return Vec::new();
    }
    let mut repeat = vec![false; events.len()];
    let mut any = false;
    {
        let all: &[AuditEvent] = events;
        let state = foldhash::fast::RandomState::default();
        let hash = |e: &AuditEvent| state.hash_one((e.record_key, &e.activity));
        let at = |i: Index| &all[i as usize];
        // the copy kept so far of each record
        let mut kept: HashTable<Index> = HashTable::with_capacity(keyed);
        for (i, e) in all.iter().enumerate() {
            if e.record_key.is_none() {
                continue;
            }
            let Ok(i) = Index::try_from(i) else { break };
            match kept.entry(hash(e), |&j| same(at(j), e), |&j| hash(at(j))) {
                Entry::Vacant(v) => {
                    v.insert(i);
                }
                Entry::Occupied(mut o) => {
                    any = true;
                    let held = o.get_mut();
                    if e.copy_worth() > at(*held).copy_worth() {
                        repeat[*held as usize] = true;
                        *held = i;
                    } else {
                        repeat[i as usize] = true;
                    }
                }
            }
        }
    }
    if !any {
        return Vec::new();
    }
    let mut files = Vec::new();
    let mut flags = repeat.iter();
    events.retain(|e| {
        let r = flags.next().copied().unwrap_or(false);
        if r {
            files.push(e.source.file.clone());
        }
        !r
    });
    files
}
