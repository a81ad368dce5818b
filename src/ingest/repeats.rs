//! Records read more than once (overlapping exports, one file given twice, a Graph export beside a
//! Log Analytics copy of the same days): one copy of each is kept ([`drop_repeated_records`]).
//!
//! The copy kept is the one worth most ([`AuditEvent::copy_worth`]: what it holds, then how finely
//! its time is written), the first in reading order among equals. Before that, a copy whose time
//! comes from a locale date no date of its file could place (`05/12/2025`, read month-first by the
//! auto rule: [`DateBasis`]) loses to a copy of the same record from another input when their
//! times disagree, and its input is told how many and with what times ([`Contradicted`]).

use super::DateBasis;
use crate::model::{AuditEvent, FileName};
use crate::normalize::time::DateOrder;
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// An input whose `N/N/YYYY` dates were read in an order nothing in it proved: no date only one
/// order reads ([`DateBasis::Assumed`]), dates of both orders ([`DateBasis::Mixed`]), or standard
/// input that could not be read again ([`DateBasis::NotReadAgain`]), and at least one date both
/// orders read as different days. `--date-order` (given) and dates that showed their order are
/// trusted.
#[derive(Clone, Debug)]
pub(super) struct UnsureDates {
    pub file: FileName,
    /// The order its dates were read in.
    pub order: DateOrder,
}

impl UnsureDates {
    /// The input's dates as read, if its order is unsure.
    pub fn of(report: &super::InputReport) -> Option<UnsureDates> {
        let d = report.dates?;
        let unsure = matches!(
            d.basis,
            DateBasis::Assumed | DateBasis::Mixed | DateBasis::NotReadAgain
        ) && d.evidence.either.is_some();
        unsure.then(|| UnsureDates {
            file: FileName::from(report.path.as_str()),
            order: d.order,
        })
    }
}

/// What [`drop_repeated_records`] dropped.
#[derive(Debug, Default)]
pub(super) struct Repeats {
    /// The file of each copy dropped.
    pub files: Vec<FileName>,
    /// The inputs of unsure dates ([`UnsureDates`]) whose copies another input contradicted.
    pub contradicted: Vec<Contradicted>,
}

/// The copies of one input of unsure dates that disagree in time with another input's copy of the
/// same record, and were dropped for it.
#[derive(Debug)]
pub(super) struct Contradicted {
    pub file: FileName,
    /// The order the input's dates were read in.
    pub order: DateOrder,
    /// How many of its copies.
    pub n: u64,
    /// How many of them read the other way would be (within a day: a clock written in local
    /// time) the other copy's time.
    pub explained: u64,
    /// The first in reading order: how it is named (its record id, or its place when ids were
    /// dropped), its time, the other copy's time and file.
    pub example: (String, DateTime<Utc>, DateTime<Utc>, FileName),
}

impl Contradicted {
    /// The note said on the input, in every report and on standard error.
    pub fn note(&self) -> String {
        let (what, here, there, other) = &self.example;
        let other_order = self.order.other();
        let records = if self.n == 1 {
            "1 of its records is in them at another time".to_string()
        } else {
            format!("{} of its records are in them at other times", self.n)
        };
        let fix = if self.explained == self.n {
            format!(
                "each is this file's date read {} ({}): run again with --date-order {} (until \
                 then its records that no other input holds are read {})",
                other_order.flag(),
                other_order.pattern(),
                other_order.flag(),
                self.order.flag(),
            )
        } else if self.explained > 0 {
            format!(
                "{} of them are this file's date read {} ({}), the other {} not: check the \
                 file's dates, and run again with --date-order {} if they are written so",
                self.explained,
                other_order.flag(),
                other_order.pattern(),
                self.n - self.explained,
                other_order.flag(),
            )
        } else {
            format!(
                "reading its dates {} explains none of them: its times are not those of the \
                 other inputs (another clock or time zone?)",
                other_order.flag()
            )
        };
        format!(
            "its dates contradict other inputs' copies of the same records, whose times are \
             not in doubt: {records} (such as {what}: {} here, {} in {other}), and those \
             copies were kept; {fix}",
            stamp(*here),
            stamp(*there),
        )
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How far apart two copies' times may be and still agree: one export cuts a time another
/// writes to the ten-millionth of a second (Log Analytics to milliseconds, some to whole
/// seconds).
const AGREE: TimeDelta = TimeDelta::seconds(1);

/// Whether `t`, a time whose date was read in `order`, read the other way is `other` (within a
/// day: its clock may be local time).
fn read_the_other_way_is(t: DateTime<Utc>, other: DateTime<Utc>) -> bool {
    let d = t.date_naive();
    let Some(swapped) = chrono::NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()) else {
        return false;
    };
    let swapped = swapped.and_time(t.time()).and_utc();
    (swapped - other).abs() < TimeDelta::days(1)
}

/// Whether two events are copies of one record: the same record id and activity (a record id
/// reused with another activity is another record), and nothing that tells them apart where both
/// copies hold it: no other correlation id, and a target in common when both name targets. (Nine
/// failures of nine users under one id, in a hand-made or damaged file, were eight dropped as
/// copies, with their users' findings.)
pub(super) fn same(a: &AuditEvent, b: &AuditEvent) -> bool {
    a.record_key == b.record_key
        && a.activity == b.activity
        && match (&a.correlation_id, &b.correlation_id) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
        && {
            // (no allocation: a file holding its log ten times compares every copy)
            let (mut xs, mut ys) = (target_ids(a), target_ids(b));
            xs.next().is_none()
                || ys.next().is_none()
                || target_ids(a).any(|x| target_ids(b).any(|y| x == y))
        }
}

/// The object ids an event's targets name.
fn target_ids(e: &AuditEvent) -> impl Iterator<Item = &crate::model::ObjectId> {
    e.targets.iter().filter_map(|t| t.id.as_ref())
}

/// How an event's copies in [`drop_repeated_records`]'s tables are named: its index in the
/// events, which are more than `u32` can number only past what memory can hold.
type Index = u32;

/// Drops every copy of a record but one: the same record id ([`crate::model::RecordKey`]) and the
/// same activity, so that two overlapping exports, or one file given twice, count each record
/// once. `events` is in reading order; the order of what is kept does not change. Events without
/// a record id (the admin center's CSV has no id column) are all kept; a record id seen again
/// with another activity is another record and kept too.
///
/// The copy kept is the one worth most ([`AuditEvent::copy_worth`]: one with the error text
/// beats a copy from an export that projected it away; a time to the ten-millionth beats one cut
/// to milliseconds), the first in reading order among equals: what is kept depends on the copies,
/// not on the order the inputs were named in or the threads that read them. Before that, a copy
/// from an input of unsure dates (`unsure`) whose time disagrees with another input's copy is
/// dropped for it (see [`Contradicted`]).
///
/// The tables hold indices (4 bytes an entry; the set of keys and activities it replaced held 16)
/// and each event's copies are compared only when a copy is met.
pub(super) fn drop_repeated_records(
    events: &mut Vec<AuditEvent>,
    unsure: &[UnsureDates],
) -> Repeats {
    let mut out = Repeats::default();
    let keyed = events.iter().filter(|e| e.record_key.is_some()).count();
    if keyed == 0 {
        return out;
    }
    let mut repeat = vec![false; events.len()];
    let mut any = false;
    {
        let all: &[AuditEvent] = events;
        let state = foldhash::fast::RandomState::default();
        let hash = |e: &AuditEvent| state.hash_one((e.record_key, &e.activity));
        let at = |i: Index| &all[i as usize];
        if !unsure.is_empty() {
            any |= drop_contradicted(all, unsure, &mut repeat, &mut out.contradicted);
        }
        // the copy kept so far of each record
        let mut kept: HashTable<Index> = HashTable::with_capacity(keyed);
        for (i, e) in all.iter().enumerate() {
            if e.record_key.is_none() || repeat[i] {
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
        return out;
    }
    let mut flags = repeat.iter();
    events.retain(|e| {
        let r = flags.next().copied().unwrap_or(false);
        if r {
            out.files.push(e.source.file.clone());
        }
        !r
    });
    out
}

/// Marks in `repeat` each copy from an input of unsure dates whose time disagrees with the first
/// copy of the same record read from an input of sure dates, and counts them by input. Whether any
/// was marked.
fn drop_contradicted(
    all: &[AuditEvent],
    unsure: &[UnsureDates],
    repeat: &mut [bool],
    out: &mut Vec<Contradicted>,
) -> bool {
    let state = foldhash::fast::RandomState::default();
    let hash = |e: &AuditEvent| state.hash_one((e.record_key, &e.activity));
    let at = |i: Index| &all[i as usize];
    let unsure_of = |e: &AuditEvent| unsure.iter().position(|u| u.file == e.source.file);
    // the first copy of each record from an input of sure dates
    let mut sure: HashTable<Index> = HashTable::new();
    for (i, e) in all.iter().enumerate() {
        if e.record_key.is_none() || unsure_of(e).is_some() {
            continue;
        }
        let Ok(i) = Index::try_from(i) else { break };
        if let Entry::Vacant(v) = sure.entry(hash(e), |&j| same(at(j), e), |&j| hash(at(j))) {
            v.insert(i);
        }
    }
    if sure.is_empty() {
        return false;
    }
    let mut any = false;
    for (i, e) in all.iter().enumerate() {
        if e.record_key.is_none() {
            continue;
        }
        let Some(u) = unsure_of(e) else { continue };
        let Some(&j) = sure.find(hash(e), |&j| same(at(j), e)) else {
            continue;
        };
        let s = at(j);
        if (e.time - s.time).abs() < AGREE {
            continue;
        }
        repeat[i] = true;
        any = true;
        let explained = u64::from(read_the_other_way_is(e.time, s.time));
        match out.iter_mut().find(|c| c.file == unsure[u].file) {
            Some(c) => {
                c.n += 1;
                c.explained += explained;
            }
            None => out.push(Contradicted {
                file: unsure[u].file.clone(),
                order: unsure[u].order,
                n: 1,
                explained,
                example: (named(e), e.time, s.time, s.source.file.clone()),
            }),
        }
    }
    any
}

/// How a copy is named in a note said on its input: by its record id, or (`analyze` drops the
/// ids) by its place in the input.
fn named(e: &AuditEvent) -> String {
    match &e.record_id {
        Some(id) => format!("record {id}"),
        None => e.source.place(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{read_inputs, Ingested, ReadOptions, REPEATED_RECORD};
    use std::path::PathBuf;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a time")
    }

    #[test]
    fn a_date_read_the_other_way_is_the_day_and_month_swapped() {
        let here = at("2025-05-12T13:46:10Z");
        assert!(read_the_other_way_is(
            here,
            at("2025-12-05T13:46:10.1008650Z")
        ));
        // a clock in local time: the same date, hours apart
        assert!(read_the_other_way_is(here, at("2025-12-05T03:46:10Z")));
        assert!(!read_the_other_way_is(here, at("2025-05-13T13:46:10Z")));
        // no 13th month: nothing read the other way
        assert!(!read_the_other_way_is(
            at("2025-05-13T00:00:00Z"),
            at("2025-05-13T00:00:00Z")
        ));
    }

    fn contradicted(n: u64, explained: u64) -> Contradicted {
        Contradicted {
            file: FileName::from("la.csv"),
            order: DateOrder::MonthFirst,
            n,
            explained,
            example: (
                "record Directory_1".into(),
                at("2025-05-12T13:46:10.100Z"),
                at("2025-12-05T13:46:10.1008650Z"),
                FileName::from("graph.jsonl"),
            ),
        }
    }

    #[test]
    fn the_note_says_how_many_an_example_with_both_times_and_the_order_they_show() {
        let all = contradicted(14, 14).note();
        assert!(
            all.contains("14 of its records are in them at other times (such as record Directory_1: 2025-05-12T13:46:10Z here, 2025-12-05T13:46:10Z in graph.jsonl)"),
            "{all}"
        );
        assert!(
            all.contains("each is this file's date read day-first (D/M/YYYY): run again with --date-order day-first"),
            "{all}"
        );
        let one = contradicted(1, 1).note();
        assert!(
            one.contains("1 of its records is in them at another time"),
            "{one}"
        );
        let some = contradicted(3, 2).note();
        assert!(
            some.contains(
                "2 of them are this file's date read day-first (D/M/YYYY), the other 1 not"
            ),
            "{some}"
        );
        let none = contradicted(3, 0).note();
        assert!(none.contains("explains none of them"), "{none}");
        assert!(!none.contains("--date-order"), "{none}");
    }

    fn read(paths: &[&str], order: Option<DateOrder>) -> Ingested {
        let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        let opts = ReadOptions {
            compact: true,
            date_order: order,
            ..Default::default()
        };
        read_inputs(&paths, &opts).expect("read")
    }

    const GRAPH: &str = "fixtures/overlap/locale-dates/graph.jsonl";
    const EN_GB: &str = "fixtures/overlap/locale-dates/la-en-gb.csv";

    /// The times of the failed license changes kept, by file.
    fn kept(d: &Ingested) -> Vec<(String, String)> {
        d.events
            .iter()
            .map(|e| {
                (
                    stamp(e.time),
                    e.source.file.rsplit('/').next().unwrap().into(),
                )
            })
            .collect()
    }

    #[test]
    fn a_copy_whose_locale_date_no_date_placed_loses_to_a_sure_copy_it_contradicts() {
        // `05/12/2025` (en-GB: 5 December) read month-first, as no date in the file tells
        let want = vec![
            (
                "2025-06-12T08:11:00Z".to_string(),
                "la-en-gb.csv".to_string(),
            ),
            ("2025-12-05T13:46:10Z".into(), "graph.jsonl".into()),
            ("2025-12-05T13:46:15Z".into(), "graph.jsonl".into()),
        ];
        for paths in [[GRAPH, EN_GB], [EN_GB, GRAPH]] {
            let d = read(&paths, None);
            assert_eq!(kept(&d), want);
            let la = d.inputs.iter().find(|r| r.path == EN_GB).unwrap();
            assert_eq!(la.skipped.get(REPEATED_RECORD), Some(&2));
            let note = la
                .notes
                .iter()
                .find(|n| n.contains("contradict"))
                .expect("a note");
            assert!(
                note.contains("2 of its records are in them at other times (such as record Directory_dfe47d74-07eb-4fde-98b7-ad54e1ba1f53_8YZHU_113776158: 2025-05-12T13:46:10Z here, 2025-12-05T13:46:10Z in fixtures/overlap/locale-dates/graph.jsonl)"),
                "{note}"
            );
            assert!(note.contains("--date-order day-first"), "{note}");
            let graph = d.inputs.iter().find(|r| r.path == GRAPH).unwrap();
            assert_eq!(graph.skipped.get(REPEATED_RECORD), None);
            assert!(graph.notes.is_empty(), "{:?}", graph.notes);
        }
        // read day-first, the copies agree: no note, and the time only the file holds is right
        let d = read(&[GRAPH, EN_GB], Some(DateOrder::DayFirst));
        assert_eq!(
            kept(&d)[2],
            ("2025-12-06T08:11:00Z".into(), "la-en-gb.csv".into())
        );
        assert!(d.inputs.iter().all(|r| r.notes.is_empty()));
    }
}
