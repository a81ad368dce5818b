//! Sequence chunks: Entra splits a large `Change user license` into several records of one operation
//! (same correlation id, `sequence` 1..n in the additional details, only the concatenation of their
//! values parses). They are merged into one event here; the absorbed chunks are reported by the caller.

use super::derive_payload;
use crate::model::{AuditEvent, SourceRef};
use std::collections::BTreeMap;

/// Merges chunked events in place. Returns the sources of the chunks absorbed into another event,
/// each with the source of the event it went into.
pub fn merge_sequences(events: &mut Vec<AuditEvent>) -> Vec<(SourceRef, SourceRef)> {
    let mut groups: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if e.extra.sequence.is_none() {
            continue;
        }
        let Some(c) = &e.correlation_id else { continue };
        let target = e
            .targets
            .first()
            .and_then(|t| {
                t.id.as_ref()
                    .map(|i| i.to_string())
                    .or(t.upn.as_deref().map(String::from))
            })
            .unwrap_or_default();
        groups
            .entry((c.to_string(), e.activity.name().to_string(), target))
            .or_default()
            .push(i);
    }
    let mut absorbed = Vec::new();
    let mut remove = Vec::new();
    for (_, mut idx) in groups {
        idx.sort_by_key(|&i| (events[i].extra.sequence, events[i].source.record));
        // a chunk missing from the input (another export, a filter) cuts the lists anywhere, in
        // the old value or the new: both are read as cut (quirk 7)
        let missing = chunk_missing(idx.iter().filter_map(|&i| events[i].extra.sequence));
        if idx.len() < 2 {
            if missing {
                mark_cut(&mut events[idx[0]]);
            }
            continue;
        }
        let base = idx[0];
        // the errors of every chunk, as plain values until the merged event takes them
        let mut held: Vec<_> = events[base]
            .extra
            .errors
            .iter()
            .map(|e| (**e).clone())
            .collect();
        for &i in &idx[1..] {
            let chunk = events[i].clone();
            let b = &mut events[base];
            for (ti, t) in chunk.targets.iter().enumerate() {
                if ti >= b.targets.len() {
                    // a chunk's extra target: rare, so the slice is built again
                    let mut ts = std::mem::take(&mut b.targets).into_vec();
                    ts.push(t.clone());
                    b.targets = ts.into_boxed_slice();
                }
                let props = chunk.extra.modified_of(ti);
                if props.is_empty() {
                    continue;
                }
                let n = b.targets.len();
                let bm = b.extra.modified_of_mut(ti, n);
                for p in props {
                    match bm.iter_mut().find(|q| q.name == p.name) {
                        Some(q) => {
                            q.new = concat(q.new.take(), p.new.clone());
                            q.old = concat(q.old.take(), p.old.clone());
                        }
                        None => bm.push(p.clone()),
                    }
                }
            }
            for (k, v) in &chunk.extra.additional_details {
                if k.eq_ignore_ascii_case("sequence") || k.eq_ignore_ascii_case("maximumlength") {
                    continue;
                }
                match b
                    .extra
                    .additional_details
                    .iter_mut()
                    .find(|(bk, _)| bk == k)
                {
                    Some((_, bv)) => bv.push_str(v),
                    None => b.extra.additional_details.push((k.clone(), v.clone())),
                }
            }
            let more = chunk.extra.errors.iter().map(|e| (**e).clone()).collect();
            super::errors::merge_into(&mut held, more);
            if chunk.result == crate::model::Outcome::Failure {
                b.result = chunk.result;
            }
            absorbed.push((chunk.source.clone(), b.source.clone()));
            remove.push(i);
        }
        let b = &mut events[base];
        b.licenses = None;
        b.extra.summary = None;
        derive_payload(b, held);
        if missing {
            mark_cut(b);
        }
        if b.extra.sequence.is_some() {
            b.extra.sequence = None;
            b.extra.tidy();
        }
    }
    remove.sort_unstable();
    for i in remove.into_iter().rev() {
        events.remove(i);
    }
    absorbed
}

/// Whether the chunks' sequence numbers (in order) leave one out: they start at 1 and go up by one.
/// The last chunks missing leave no gap, and are told by the lists they cut
/// ([`super::licenses::is_whole`]).
fn chunk_missing(sequence: impl Iterator<Item = u32>) -> bool {
    let mut next = 1;
    for s in sequence {
        if s > next {
            return true;
        }
        // a chunk read twice (overlapping exports) is no gap
        next = next.max(s.saturating_add(1));
    }
    false
}

/// Marks both license lists of an event cut, when it has any.
fn mark_cut(e: &mut AuditEvent) {
    if e.licenses.is_some() {
        e.extra.licenses_cut = crate::model::LicenseTruncation {
            old: true,
            new: true,
        };
    }
}

fn concat(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            a.push_str(&b);
            Some(a)
        }
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::audit::{classify, map};
    use crate::normalize::to_event;
    use serde_json::json;

    /// Chunk `seq` of a split license change (record `n`): `part` of the new value, `old` whole.
    fn chunk(activity: &str, old: &str, part: &str, seq: u32, max: &str, n: u64) -> AuditEvent {
        let v = json!({"activityDisplayName":activity,"activityDateTime":"2026-10-05T08:15:02Z","result":"success",
          "correlationId":"c1d2e3f4-0a1b-4c2d-8e3f-9a0b1c2d3e4f",
          "targetResources":[{"id":"7e1d2c3b-4a59-4687-b8c9-0a1b2c3d4e5f","type":"User","modifiedProperties":[{"displayName":"AssignedLicense","oldValue":old,"newValue":part}]}],
          "additionalDetails":[{"key":"sequence","value":seq.to_string()},{"key":"maximumlength","value":max}]});
        to_event(
            map(classify(&v).unwrap(), &v),
            SourceRef {
                file: "f".into(),
                record: n,
                line: crate::model::event::Line::NONE,
            },
        )
        .unwrap()
    }

    #[test]
    fn chunks_merge_into_one_parsable_event() {
        let full = "[\"[SkuName=ENTERPRISEPACK, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900, DisabledPlans=[]]\"]";
        let (a, b) = full.split_at(40);
        let rec =
            |seq: u32, part: &str, n: u64| chunk("Change user license", "[]", part, seq, "40", n);
        let mut events = vec![rec(2, b, 2), rec(1, a, 1)];
        assert!(events
            .iter()
            .all(|e| e.licenses.as_deref().is_none_or(|l| l.new.is_empty())));
        let absorbed = merge_sequences(&mut events);
        assert_eq!(events.len(), 1);
        assert_eq!(absorbed.len(), 1);
        assert_eq!(absorbed[0].0.record, 2);
        assert_eq!(events[0].licenses.as_deref().unwrap().new.len(), 1);
        assert_eq!(
            events[0].extra.licenses_cut,
            crate::model::LicenseTruncation::NONE
        );
    }

    /// A chunk missing from the input cuts the value anywhere: the lists are read as cut, whatever
    /// the chunks left concatenate to (the review's chunk 1 alone: its new value cut).
    #[test]
    fn a_missing_chunk_cuts_the_lists() {
        let whole = "[\"[SkuName=ENTERPRISEPACK, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900, DisabledPlans=[]]\", \"[SkuName=EMS, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=efccb6f7-5641-4e0e-bd10-b4976e1bf68e, DisabledPlans=[]]\"]";
        let old = "[\"[SkuName=ENTERPRISEPACK, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900, DisabledPlans=[]]\"]";
        let (a, rest) = whole.split_at(60);
        let (b, c) = rest.split_at(rest.len() - 40);
        let rec = |seq: u32, part: &str, n: u64| chunk("Update user", old, part, seq, "60", n);
        let cut = |events: &[AuditEvent]| -> Vec<_> {
            events
                .iter()
                .map(|e| (e.licenses.is_some(), e.extra.licenses_cut.label()))
                .collect()
        };
        // all three: whole; the first alone: its new value cut (the old one is whole)
        let mut all = vec![rec(3, c, 3), rec(1, a, 1), rec(2, b, 2)];
        merge_sequences(&mut all);
        assert_eq!(cut(&all), [(true, None)]);
        let mut first = vec![rec(1, a, 1)];
        merge_sequences(&mut first);
        assert_eq!(cut(&first), [(true, Some("new"))]);
        // the middle one missing, or the first: both lists cut, though the brackets may close
        for mut left in [
            vec![rec(1, a, 1), rec(3, c, 3)],
            vec![rec(2, b, 2), rec(3, c, 3)],
            vec![rec(3, c, 3)],
        ] {
            merge_sequences(&mut left);
            assert_eq!(cut(&left), [(true, Some("old and new"))]);
        }
        // a chunk read twice is no gap
        assert!(!chunk_missing([1, 1, 2, 3].into_iter()));
        assert!(chunk_missing([2, 3].into_iter()));
    }
}
