//! Copies of one event read from exports that cannot be compared by record id: the admin
//! center's CSV download has no id column, and a Log Analytics query can project `Id` away. Beside
//! a Graph export of the same days, each of its records was counted twice
//! ([`drop_cross_format_copies`]).
//!
//! Such copies are recognised by what both formats write of an event: its correlation id, its
//! activity, its first target's object id and its time to the second (formats.md §1, §2). The
//! correlation id is shared by the records of one operation (quirk 11), so one key can name
//! several genuine records (two `Update user` records of one operation on one user in one
//! second): the copies of a key are counted as a multiset. Each export (a side: every input with
//! record ids, or the id-less inputs of one format) holds some number of them; the key has as
//! many records as the side holding most, and all the copies of that side are kept. Within one
//! side the key is never used: records there were already compared exactly (by id, or by all of
//! an admin-center row's cells), so two records one Graph input holds are never one.

use super::{InputKind, InputReport};
use crate::model::{Activity, AuditEvent, AuditFormat, FileName};
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use std::hash::{BuildHasher, Hasher};

/// An input's side ([`Side`]) when its events are not matched at all.
const NONE: u8 = u8::MAX;
/// The side of every input whose events carry record ids.
const IDS: u8 = 0;

/// Which export a copy belongs to, for counting a key's copies: [`IDS`] for the inputs with record
/// ids (their copies of one record were already dropped, so every one left is a distinct record),
/// `1 +` the format for the inputs without ids (admin-center rows already compared by their
/// cells; other id-less inputs of one format are not compared with each other).
type Side = u8;

fn side_of_format(f: AuditFormat, has_ids: bool) -> Side {
    match f {
        // the unified audit log's `Id` is not the Entra `id`, nothing documented in its
        // `AuditData` is the Entra correlation id, and its targets are named by UPN (formats.md
        // §5c, quirk 11): its records are not matched
        AuditFormat::PurviewCsv | AuditFormat::PurviewJson => NONE,
        AuditFormat::PortalCsv => 1,
        _ if has_ids => IDS,
        AuditFormat::GraphJson => 2,
        AuditFormat::AzureMonitor => 3,
        AuditFormat::LogAnalyticsJson => 4,
        AuditFormat::LogAnalyticsCsv => 5,
    }
}

/// Whether two events are copies of one event by what every format writes of it: the same
/// correlation id, activity (an activity licdiag does not know by name compared in any ASCII
/// case), first target's object id and time to the second. Correlation and object ids are held
/// trimmed and lower-cased.
fn same_event(a: &AuditEvent, b: &AuditEvent) -> bool {
    a.correlation_id == b.correlation_id
        && same_activity(&a.activity, &b.activity)
        && first_target(a) == first_target(b)
        && a.time.timestamp() == b.time.timestamp()
}

fn same_activity(a: &Activity, b: &Activity) -> bool {
    match (a, b) {
        (Activity::Other(x), Activity::Other(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

fn first_target(e: &AuditEvent) -> Option<&str> {
    e.targets
        .first()
        .and_then(|t| t.id.as_ref())
        .map(|id| id.as_str())
}

/// The hash of [`same_event`]'s key but the second (the copies compared are all of one second).
fn key_hash(state: &foldhash::fast::RandomState, e: &AuditEvent) -> u64 {
    let mut h = state.build_hasher();
    std::hash::Hash::hash(&e.correlation_id, &mut h);
    std::hash::Hash::hash(&std::mem::discriminant(&e.activity), &mut h);
    if let Activity::Other(name) = &e.activity {
        for b in name.bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
    }
    match first_target(e) {
        Some(id) => h.write(id.as_bytes()),
        None => h.write_u8(0xff),
    }
    h.finish()
}

/// Drops the copies of events read from exports that cannot be compared by record id (see the
/// module), after the copies that can ([`super::repeats::drop_repeated_records`]). `events` is in
/// reading order (time first), and what is kept keeps its order. Returns the file of each copy
/// dropped.
///
/// For each key that copies from two or more sides hold, the side holding most copies keeps all
/// of its own and the others' are dropped; between sides holding as many, the one whose copies are
/// worth more ([`AuditEvent::copy_worth`], compared best first), then the one whose first copy
/// comes first in reading order. A key one side alone holds changes nothing. What is kept depends
/// on the copies only, not on the order the inputs were named in.
///
/// Linear in the events: inputs of one side alone are passed over without looking at an event
/// but for its record key; otherwise each second's events are grouped by key in a table that is
/// emptied for the next second.
pub(super) fn drop_cross_format_copies(
    events: &mut Vec<AuditEvent>,
    inputs: &[InputReport],
) -> Vec<FileName> {
    let mut dropped_files = Vec::new();
    let format = |r: &InputReport| match r.kind {
        Some(InputKind::Audit(f)) => Some(f),
        _ => None,
    };
    // nothing to match unless an input may be without ids: an admin-center CSV, or an event
    // without a record id
    let portal = inputs
        .iter()
        .any(|r| format(r) == Some(AuditFormat::PortalCsv));
    if !portal && events.iter().all(|e| e.record_key.is_some()) {
        return dropped_files;
    }
    // each event's input (its file looked up once per run of events from one file)
    let mut by_path: hashbrown::HashMap<&str, u32> = hashbrown::HashMap::new();
    for (i, r) in inputs.iter().enumerate() {
        by_path.entry(r.path.as_str()).or_insert(i as u32);
    }
    let mut input_of: Vec<u32> = Vec::with_capacity(events.len());
    let mut has_ids = vec![false; inputs.len()];
    let mut last: Option<(&str, u32)> = None;
    for e in events.iter() {
        let file: &str = &e.source.file;
        let at = match last {
            Some((f, at)) if f == file => at,
            _ => {
                let at = by_path.get(file).copied().unwrap_or(u32::MAX);
                last = Some((file, at));
                at
            }
        };
        input_of.push(at);
        if let Some(h) = has_ids.get_mut(at as usize) {
            *h |= e.record_key.is_some();
        }
    }
    let input_side: Vec<Side> = inputs
        .iter()
        .zip(&has_ids)
        .map(|(r, &ids)| match format(r) {
            Some(f) => side_of_format(f, ids && f != AuditFormat::PortalCsv),
            None => NONE,
        })
        .collect();
    let side = |i: usize| -> Side {
        let e = &events[i];
        let s = input_side
            .get(input_of[i] as usize)
            .copied()
            .unwrap_or(NONE);
        // a record without an id in an input with ids, or without a correlation id, is not
        // matched
        if (s == IDS && e.record_key.is_none()) || e.correlation_id.is_none() {
            NONE
        } else {
            s
        }
    };
    let mut sides_read = 0u64;
    for i in 0..events.len() {
        let s = side(i);
        if s != NONE {
            sides_read |= 1 << s;
        }
    }
    if sides_read.count_ones() < 2 {
        return dropped_files;
    }
    let state = foldhash::fast::RandomState::default();
    let mut drop: Vec<u32> = Vec::new();
    let mut window = Window::default();
    let mut start = 0;
    while start < events.len() {
        let second = events[start].time.timestamp();
        let mut end = start + 1;
        while end < events.len() && events[end].time.timestamp() == second {
            end += 1;
        }
        debug_assert!(end == events.len() || events[end].time > events[start].time);
        window.settle(events, start..end, &side, &state, &mut drop);
        start = end;
    }
    if drop.is_empty() {
        return dropped_files;
    }
    drop.sort_unstable();
    let mut next = drop.iter().peekable();
    let mut i = 0u32;
    events.retain(|e| {
        let gone = next.next_if(|&&d| d == i).is_some();
        i += 1;
        if gone {
            dropped_files.push(e.source.file.clone());
        }
        !gone
    });
    dropped_files
}

/// The tables of one second's events, kept from one second to the next (emptied, not freed).
#[derive(Default)]
struct Window {
    /// The key's number, by the key's hash.
    table: HashTable<u32>,
    /// Each key's first copy (its index in the events), which the key is compared with.
    first: Vec<u32>,
    /// The sides that hold each key's copies.
    sides: Vec<u64>,
    /// Every copy: its key's number, its side, its index in the events.
    copies: Vec<(u32, Side, u32)>,
}

impl Window {
    /// Marks in `drop` the copies of the events in `range` (one second's) that another side holds
    /// in greater number, or as many worth more.
    fn settle(
        &mut self,
        events: &[AuditEvent],
        range: std::ops::Range<usize>,
        side: &impl Fn(usize) -> Side,
        state: &foldhash::fast::RandomState,
        drop: &mut Vec<u32>,
    ) {
        if range.len() < 2 {
            return;
        }
        // a second whose events are all of one side (or none) holds no key of two sides
        let mut one: Option<Side> = None;
        let mut two = false;
        for i in range.clone() {
            let s = side(i);
            if s == NONE {
                continue;
            }
            match one {
                None => one = Some(s),
                Some(o) if o != s => {
                    two = true;
                    break;
                }
                Some(_) => {}
            }
        }
        if !two {
            return;
        }
        self.table.clear();
        self.first.clear();
        self.sides.clear();
        self.copies.clear();
        let at = |i: u32| &events[i as usize];
        let mut mixed = false;
        for i in range {
            let s = side(i);
            if s == NONE {
                continue;
            }
            let e = &events[i];
            let i = i as u32;
            let first = &self.first;
            let key = match self.table.entry(
                key_hash(state, e),
                |&k| same_event(at(first[k as usize]), e),
                |&k| key_hash(state, at(first[k as usize])),
            ) {
                Entry::Occupied(o) => *o.get(),
                Entry::Vacant(v) => {
                    let k = self.first.len() as u32;
                    v.insert(k);
                    self.first.push(i);
                    self.sides.push(0);
                    k
                }
            };
            let sides = &mut self.sides[key as usize];
            *sides |= 1 << s;
            mixed |= sides.count_ones() > 1;
            self.copies.push((key, s, i));
        }
        if !mixed {
            return;
        }
        // by key, then side, then reading order
        self.copies.sort_unstable();
        for copies in self.copies.chunk_by(|a, b| a.0 == b.0) {
            if self.sides[copies[0].0 as usize].count_ones() < 2 {
                continue;
            }
            let kept = kept_side(copies, |i| at(i).copy_worth());
            drop.extend(
                copies
                    .iter()
                    .filter(|&&(_, s, _)| s != kept)
                    .map(|&(_, _, i)| i),
            );
        }
    }
}

/// Of one key's copies (sorted by side, then reading order), the side whose copies are kept: the
/// one holding most, then the one whose copies are worth more (`worth`, compared best first), then
/// the one whose first copy comes first in reading order.
fn kept_side(copies: &[(u32, Side, u32)], worth: impl Fn(u32) -> (u8, u8)) -> Side {
    // how many, their worths best first, the first's index, the side
    type Held = (usize, Vec<(u8, u8)>, u32, Side);
    let mut best: Option<Held> = None;
    for of_side in copies.chunk_by(|a, b| a.1 == b.1) {
        let n = of_side.len();
        let mut w: Vec<(u8, u8)> = of_side.iter().map(|&(_, _, i)| worth(i)).collect();
        w.sort_unstable_by(|a, b| b.cmp(a));
        let first = of_side[0].2;
        let better = match &best {
            None => true,
            Some((bn, bw, bfirst, _)) => n
                .cmp(bn)
                .then_with(|| w.cmp(bw))
                .then_with(|| bfirst.cmp(&first))
                .is_gt(),
        };
        if better {
            best = Some((n, w, first, of_side[0].1));
        }
    }
    best.map_or(NONE, |(_, _, _, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Copies as `(side, index, worth)`, sorted as [`Window::settle`] gives them.
    fn copies(of: &[(Side, u32)]) -> Vec<(u32, Side, u32)> {
        let mut v: Vec<_> = of.iter().map(|&(s, i)| (0, s, i)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn a_key_has_as_many_records_as_the_side_holding_most_of_its_copies() {
        let flat = |_: u32| (0u8, 7u8);
        // two genuine records in the Graph export (side 0), the same two in the CSV (side 1):
        // two, not four, and the side whose first copy is read first keeps them
        assert_eq!(
            kept_side(&copies(&[(0, 1), (0, 3), (1, 0), (1, 2)]), flat),
            1
        );
        assert_eq!(
            kept_side(&copies(&[(0, 0), (0, 2), (1, 1), (1, 3)]), flat),
            0
        );
        // the CSV holds one of the two: the Graph export's two are kept, the row dropped
        assert_eq!(kept_side(&copies(&[(0, 1), (0, 2), (1, 0)]), flat), 0);
        // and the other way round
        assert_eq!(kept_side(&copies(&[(0, 0), (1, 1), (1, 2)]), flat), 1);
        // as many on each side: the copies worth more, best first, whatever the reading order
        let worth = |i: u32| if i == 3 { (4u8, 7u8) } else { (0, 7) };
        assert_eq!(
            kept_side(&copies(&[(0, 1), (0, 3), (1, 0), (1, 2)]), worth),
            0
        );
        // three sides: the one holding most
        assert_eq!(
            kept_side(&copies(&[(0, 0), (1, 1), (2, 2), (2, 3)]), flat),
            2
        );
    }

    use crate::ingest::{Ingested, ReadOptions, REPEATED_EVENT, REPEATED_RECORD};
    use serde_json::json;

    const FELIX: &str = "be54d36f-ff9e-52fd-ba88-1488e137fa38";
    const ISLA: &str = "68287db3-0171-5dfe-a1f0-762a01be9318";
    const OP: &str = "b8d475f8-85ce-46fd-bc29-b4d5b9df8c61";
    const MUTEX: &str = "License assignment failed because service plans [SHAREPOINTSTANDARD], \
                         [SHAREPOINTENTERPRISE] are mutually exclusive.";

    /// `AssignedLicense`'s new value (formats.md §6).
    const LICENSE: &str =
        "[\"[SkuName=ENTERPRISEPACK, AccountId=6f0c8e2a-3b1d-4c5e-9a7f-2d4b6c8e0a13, \
                           SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900, DisabledPlans=[]]\"]";

    /// One record: `(record id, time, correlation id, activity, target id, modified property)`.
    type Rec<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, Option<&'a str>);

    /// A Graph directoryAudit record, as JSON Lines write it.
    fn graph((id, time, corr, activity, target, prop): Rec) -> String {
        let failure = activity == "Change user license";
        let props: Vec<_> = prop
            .map(|p| json!({"displayName": p, "oldValue": "[]", "newValue": LICENSE}))
            .into_iter()
            .collect();
        let mut v = json!({
            "category": "UserManagement", "correlationId": corr,
            "result": if failure { "failure" } else { "success" },
            "resultReason": if failure { MUTEX } else { "" },
            "activityDisplayName": activity, "activityDateTime": time,
            "loggedByService": "Core Directory",
            "initiatedBy": {"app": {"displayName": "Microsoft Azure AD Group-Based Licensing",
                                    "servicePrincipalId": "f243c314-616e-5634-9beb-aa8316b22f53"}},
            "targetResources": [{"id": target, "type": "User",
                                 "userPrincipalName": "u@northwind.example",
                                 "modifiedProperties": props}],
            "additionalDetails": []
        });
        if !id.is_empty() {
            v["id"] = json!(id);
        }
        v.to_string()
    }

    /// The admin center's CSV download of `recs` (formats.md §2's header, every cell quoted).
    fn portal(recs: &[Rec]) -> String {
        let mut header: Vec<String> = "Date (UTC),CorrelationId,Service,Category,Activity,Result,\
            ResultReason,User Agent,ActorType,ActorDisplayName,ActorObjectId,\
            ActorUserPrincipalName,IPAddress,ActorHomeTenantId,ActorHomeTenantName,\
            ActorServicePrincipalId,ActorServicePrincipalName"
            .split(',')
            .map(String::from)
            .collect();
        for n in 1..=3 {
            for c in ["Type", "DisplayName", "ObjectId", "UserPrincipalName"] {
                header.push(format!("Target{n}{c}"));
            }
            for m in 1..=5 {
                for c in ["Name", "OldValue", "NewValue"] {
                    header.push(format!("Target{n}ModifiedProperty{m}{c}"));
                }
            }
        }
        for k in 1..=6 {
            header.push(format!("AdditionalDetail{k}Key"));
            header.push(format!("AdditionalDetail{k}Value"));
        }
        assert_eq!(header.len(), 86);
        let line = |cells: Vec<String>| {
            let quoted: Vec<String> = cells
                .iter()
                .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                .collect();
            quoted.join(",") + "\r\n"
        };
        let mut out = String::from("\u{feff}") + &line(header);
        for &(_, time, corr, activity, target, prop) in recs {
            let failure = activity == "Change user license";
            let mut row: Vec<String> = vec![
                time,
                corr,
                "Core Directory",
                "UserManagement",
                activity,
                if failure { "failure" } else { "success" },
                if failure { MUTEX } else { "" },
                "",
                "Application",
                "Microsoft Azure AD Group-Based Licensing",
                "",
                "",
                "",
                "",
                "",
                "f243c314-616e-5634-9beb-aa8316b22f53",
                "",
                "User",
                "",
                target,
                "u@northwind.example",
            ]
            .into_iter()
            .map(String::from)
            .collect();
            if let Some(p) = prop {
                row.extend([p.to_string(), "[]".into(), LICENSE.into()]);
            }
            row.resize(86, String::new());
            out += &line(row);
        }
        out
    }

    fn modes() -> [ReadOptions; 2] {
        let analyze = ReadOptions {
            compact: true,
            drop_record_ids: true,
            licensing_memberships_only: true,
            ..Default::default()
        };
        let all = ReadOptions {
            keep_all: true,
            ..Default::default()
        };
        [analyze, all]
    }

    fn read(files: &[(&str, String)], opts: &ReadOptions) -> Ingested {
        let d = crate::ingest::repeat_tests::read(files, opts);
        for r in &d.inputs {
            assert_eq!(
                r.records,
                r.events + r.snapshot_records + r.skipped_total(),
                "{r:?}"
            );
        }
        d
    }

    /// The events kept: file name and time.
    fn kept(d: &Ingested) -> Vec<(String, String)> {
        d.events
            .iter()
            .map(|e| {
                let file = e.source.file.rsplit('/').next().unwrap_or("").to_string();
                (file, e.time.format("%H:%M:%S%.f").to_string())
            })
            .collect()
    }

    fn dropped(d: &Ingested, file: &str) -> u64 {
        d.inputs
            .iter()
            .find(|r| r.path.ends_with(file))
            .and_then(|r| r.skipped.get(REPEATED_EVENT).copied())
            .unwrap_or(0)
    }

    const FAILURE: Rec = (
        "Directory_da72eb91_79Y0O_1",
        "2025-05-12T09:01:20.2808110Z",
        "da72eb91-ee0a-4c8f-9764-9ea429bdc216",
        "Change user license",
        FELIX,
        None,
    );

    #[test]
    fn a_csv_row_and_the_graph_record_of_one_event_are_one_whatever_the_time_is_cut_to() {
        // the CSV's precision is not documented: seven digits, milliseconds, whole seconds
        for (time, kept_from) in [
            ("2025-05-12T09:01:20.2808110Z", "a-admin-center.csv"),
            ("2025-05-12T09:01:20.280Z", "z-graph.jsonl"),
            ("2025-05-12T09:01:20Z", "z-graph.jsonl"),
            ("2025-05-12 09:01:20", "z-graph.jsonl"),
        ] {
            let mut row = FAILURE;
            row.1 = time;
            for opts in modes() {
                let d = read(
                    &[
                        ("a-admin-center.csv", portal(&[row])),
                        ("z-graph.jsonl", graph(FAILURE)),
                    ],
                    &opts,
                );
                // the copy worth most: as worth as each other, the first in reading order (the
                // CSV's path sorts first); else the one whose time is written finest
                assert_eq!(d.events.len(), 1, "{time} {opts:?}");
                assert_eq!(kept(&d)[0].0, kept_from, "{time}");
                let other = if kept_from == "z-graph.jsonl" {
                    "a-admin-center.csv"
                } else {
                    "z-graph.jsonl"
                };
                assert_eq!(dropped(&d, other), 1);
                assert_eq!(dropped(&d, kept_from), 0);
                let repeated: u64 = d.inputs.iter().map(|r| r.repeated()).sum();
                assert_eq!(repeated, 1);
            }
        }
    }

    #[test]
    fn ids_and_correlation_ids_in_other_cases_and_blanks_are_the_same() {
        let (corr, target) = (
            " DA72EB91-EE0A-4C8F-9764-9EA429BDC216 ".to_string(),
            FELIX.to_uppercase(),
        );
        let mut row = FAILURE;
        row.2 = &corr;
        row.4 = &target;
        let d = read(
            &[("a.csv", portal(&[row])), ("g.jsonl", graph(FAILURE))],
            &modes()[0],
        );
        assert_eq!(d.events.len(), 1);
        // another correlation id, target, activity or second: another event
        for (i, other) in [
            "9f0e1d2c-3b4a-4596-8877-665544332211",
            ISLA,
            "Update user",
            "2025-05-12T09:01:21.2808110Z",
        ]
        .into_iter()
        .enumerate()
        {
            let mut row = FAILURE;
            match i {
                0 => row.2 = other,
                1 => row.4 = other,
                2 => row.3 = other,
                _ => row.1 = other,
            }
            let d = read(
                &[("a.csv", portal(&[row])), ("g.jsonl", graph(FAILURE))],
                &modes()[1],
            );
            assert_eq!(d.events.len(), 2, "{other}");
        }
    }

    /// Two `Update user` records of one operation on one user in one second, and the failure.
    fn operation() -> [Rec<'static>; 3] {
        [
            FAILURE,
            (
                "Directory_b8d475f8_9GMMN_1",
                "2025-05-12T09:01:45.4113370Z",
                OP,
                "Update user",
                ISLA,
                Some("AssignedLicense"),
            ),
            (
                "Directory_b8d475f8_9GMMN_2",
                "2025-05-12T09:01:45.7702150Z",
                OP,
                "Update user",
                ISLA,
                Some("AssignedLicense"),
            ),
        ]
    }

    fn lines(recs: &[Rec]) -> String {
        recs.iter().map(|&r| graph(r) + "\n").collect()
    }

    #[test]
    fn two_records_of_one_operation_are_two_not_four_nor_one() {
        let [f, a, b] = operation();
        for opts in modes() {
            // both exports hold both: two
            let d = read(
                &[
                    ("a.csv", portal(&[f, a, b])),
                    ("g.jsonl", lines(&[f, a, b])),
                ],
                &opts,
            );
            assert_eq!(d.events.len(), 3, "{opts:?}");
            assert_eq!(dropped(&d, "g.jsonl"), 3);
            // the CSV holds one of the two: the Graph export's two
            let d = read(
                &[("a.csv", portal(&[f, b])), ("g.jsonl", lines(&[f, a, b]))],
                &opts,
            );
            assert_eq!(
                kept(&d),
                [
                    ("a.csv".to_string(), "09:01:20.280811".to_string()),
                    ("g.jsonl".into(), "09:01:45.411337".into()),
                    ("g.jsonl".into(), "09:01:45.770215".into()),
                ]
            );
            assert_eq!((dropped(&d, "a.csv"), dropped(&d, "g.jsonl")), (1, 1));
            // the Graph export holds one: the CSV's two
            let d = read(
                &[("a.csv", portal(&[f, a, b])), ("g.jsonl", lines(&[f, a]))],
                &opts,
            );
            assert_eq!(d.events.len(), 3);
            assert_eq!((dropped(&d, "a.csv"), dropped(&d, "g.jsonl")), (0, 2));
        }
    }

    #[test]
    fn records_of_inputs_with_ids_are_never_one_by_this_key() {
        let [_, a, b] = operation();
        // one key, three records with three ids in two Graph inputs, one without an id: four
        let mut c = b;
        c.0 = "Directory_b8d475f8_9GMMN_3";
        let mut no_id = b;
        no_id.0 = "";
        for opts in modes() {
            let d = read(
                &[
                    ("g1.jsonl", lines(&[a, b, no_id])),
                    ("g2.jsonl", lines(&[c])),
                ],
                &opts,
            );
            assert_eq!(d.events.len(), 4, "{opts:?}");
            assert!(d.inputs.iter().all(|r| r.repeated() == 0));
            // beside a CSV of the two: the Graph inputs hold three with ids, kept, and the one
            // without is not compared
            let d = read(
                &[
                    ("a.csv", portal(&[a, b])),
                    ("g1.jsonl", lines(&[a, b, no_id])),
                    ("g2.jsonl", lines(&[c])),
                ],
                &opts,
            );
            assert_eq!(d.events.len(), 4, "{opts:?}");
            assert_eq!(dropped(&d, "a.csv"), 2);
        }
    }

    #[test]
    fn a_graph_export_without_ids_beside_one_with_them_is_compared_too() {
        let recs = operation();
        let without: Vec<Rec> = recs
            .iter()
            .map(|&(_, t, c, a, g, p)| ("", t, c, a, g, p))
            .collect();
        let d = read(
            &[("a.jsonl", lines(&without)), ("b.jsonl", lines(&recs))],
            &modes()[1],
        );
        assert_eq!(d.events.len(), 3);
        assert_eq!(dropped(&d, "b.jsonl"), 3);
        // the repeats by record id are counted as before
        let d = read(
            &[("a.jsonl", lines(&recs)), ("b.jsonl", lines(&recs))],
            &modes()[1],
        );
        assert_eq!(d.events.len(), 3);
        assert_eq!(d.inputs[1].skipped.get(REPEATED_RECORD), Some(&3));
        assert_eq!(dropped(&d, "b.jsonl"), 0);
    }

    #[test]
    fn the_order_the_inputs_are_named_in_changes_nothing() {
        let [f, a, b] = operation();
        let files = [("x.csv", portal(&[f, b])), ("g.jsonl", lines(&[f, a, b]))];
        for opts in modes() {
            let one = read(&files, &opts);
            let other = read(&[files[1].clone(), files[0].clone()], &opts);
            assert_eq!(kept(&one), kept(&other));
            let records =
                |d: &Ingested| -> Vec<u64> { d.events.iter().map(|e| e.source.record).collect() };
            assert_eq!(records(&one), records(&other));
        }
    }
}
