//! A group listed twice in one groups export (the same `id`: two exports joined into one file, a
//! page saved twice). Across files a group's copies are merged (its licenses from
//! `GroupLicenses.csv`, its members from an expanded export); within one JSON export they were
//! merged too, without a word: the licenses and members of two snapshots of the group unioned.
//! Now the first copy is read and each later one is skipped, counted as [`REPEATED_GROUP`] and said
//! in a note that names the record, the group and the record of the copy read.

use crate::ingest::InputReport;
use crate::model::hash::{HashMap, HashSet};
use crate::model::snapshot::Group;
use crate::model::ObjectId;

/// The skip reason of a group read again in the same file ([`drop_repeated_groups`]).
pub const REPEATED_GROUP: &str = "repeated group (same id as one read before in the file)";

/// Keeps the first copy of each group of one JSON input (`groups`, in reading order); the later
/// copies are dropped. A record whose groups are all dropped is counted in `report` as skipped
/// ([`REPEATED_GROUP`]); one that still holds another group (a page in an array of pages) is
/// used, its repeat only said. One note says how many, and the first.
pub fn drop_repeated_groups(groups: &mut Vec<Group>, report: &mut InputReport) {
    let mut first: HashMap<&ObjectId, usize> = HashMap::default();
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        match first.get(&g.id) {
            Some(&f) => repeats.push((i, f)),
            None => {
                first.insert(&g.id, i);
            }
        }
    }
    drop(first);
    let Some(&(i, f)) = repeats.first() else {
        return;
    };
    let (g, kept) = (&groups[i], &groups[f]);
    let at = g.source.place();
    let name = match &g.display_name {
        Some(n) => format!("{n} ({})", g.id),
        None => g.id.to_string(),
    };
    let same = {
        let mut copy = g.clone();
        copy.source = kept.source.clone();
        copy == *kept
    };
    let how = if same {
        "the same group again"
    } else {
        "with other licenses, members or properties than that copy, which are not used: two \
         exports joined into one file? give each its own file"
    };
    let n = repeats.len();
    let s = if n == 1 { "" } else { "s" };
    report.notes.push(format!(
        "{n} group{s} listed again in the file (an `id` read before) skipped, the first copy \
         read (first: {at}: group {name}, first read in record {}, {how})",
        kept.source.record
    ));
    let mut dropped = vec![false; groups.len()];
    for &(i, _) in &repeats {
        dropped[i] = true;
    }
    let records: Vec<u64> = repeats
        .iter()
        .map(|&(i, _)| groups[i].source.record)
        .collect();
    let mut flags = dropped.iter();
    groups.retain(|_| !flags.next().copied().unwrap_or(false));
    // a record is skipped when no group of it is left (each record counted once)
    let mut held: HashSet<u64> = groups.iter().map(|g| g.source.record).collect();
    for r in records {
        if held.insert(r) {
            report.snapshot_records = report.snapshot_records.saturating_sub(1);
            *report.skipped.entry(REPEATED_GROUP.into()).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::{Line, SourceRef};
    use serde_json::json;

    /// Group `id` named `name` holding `sku`, read from `record` of groups.json.
    fn group(id: &str, name: &str, sku: &str, record: u64) -> Group {
        let src = SourceRef {
            file: "groups.json".into(),
            record,
            line: Line::NONE,
        };
        super::super::groups::parse_group(
            &json!({"id": id, "displayName": name, "assignedLicenses": [{"skuId": sku}]}),
            src,
        )
        .expect("a group")
    }

    const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const EMS: &str = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e";

    fn report(records: u64) -> InputReport {
        let mut r = InputReport::new("groups.json".into());
        r.records = records;
        r.snapshot_records = records;
        r
    }

    #[test]
    fn the_first_copy_is_read_and_each_repeat_counted_once_by_its_record() {
        let mut groups = vec![
            group("g1", "LIC-E3", E3, 1),
            group("g2", "LIC-EMS", EMS, 2),
            group("g1", "LIC-E3", EMS, 3),
            group("g1", "LIC-E3", E3, 4),
        ];
        let mut r = report(4);
        drop_repeated_groups(&mut groups, &mut r);
        let kept: Vec<(&str, u64)> = groups
            .iter()
            .map(|g| (g.id.as_str(), g.source.record))
            .collect();
        assert_eq!(kept, [("g1", 1), ("g2", 2)]);
        assert_eq!(groups[0].assigned_licenses.len(), 1, "not merged");
        assert_eq!(r.snapshot_records, 2);
        assert_eq!(r.skipped.get(REPEATED_GROUP), Some(&2));
        assert_eq!(
            r.notes,
            [
                "2 groups listed again in the file (an `id` read before) skipped, the first copy \
              read (first: record 3: group LIC-E3 (g1), first read in record 1, with other \
              licenses, members or properties than that copy, which are not used: two exports \
              joined into one file? give each its own file)"
            ]
        );
        // the same group again says so
        let mut groups = vec![group("g1", "LIC-E3", E3, 1), group("g1", "LIC-E3", E3, 2)];
        let mut r = report(2);
        drop_repeated_groups(&mut groups, &mut r);
        assert_eq!(groups.len(), 1);
        assert!(
            r.notes[0].ends_with("first read in record 1, the same group again)"),
            "{:?}",
            r.notes
        );
        // none repeated: nothing said
        let mut groups = vec![group("g1", "LIC-E3", E3, 1), group("g2", "LIC-EMS", EMS, 2)];
        let mut r = report(2);
        drop_repeated_groups(&mut groups, &mut r);
        assert_eq!((groups.len(), r.notes.len(), r.skipped.len()), (2, 0, 0));
    }

    /// Groups of one page in an array of pages share its record: a repeat whose record still
    /// holds another group is said, and the record is not skipped (it is used).
    #[test]
    fn a_record_that_still_holds_a_group_is_not_skipped() {
        let mut groups = vec![
            group("g1", "LIC-E3", E3, 1),
            group("g2", "LIC-EMS", EMS, 2),
            group("g1", "LIC-E3", E3, 2),
            group("g1", "LIC-E3", E3, 3),
            group("g2", "LIC-EMS", EMS, 3),
        ];
        let mut r = report(3);
        drop_repeated_groups(&mut groups, &mut r);
        assert_eq!(groups.len(), 2);
        // record 2 still holds g2; record 3 held repeats only
        assert_eq!(r.snapshot_records, 2);
        assert_eq!(r.skipped.get(REPEATED_GROUP), Some(&1));
        assert!(
            r.notes[0].starts_with("3 groups listed again"),
            "{:?}",
            r.notes
        );
    }
}
