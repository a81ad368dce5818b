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
        if idx.len() < 2 {
            continue;
        }
        idx.sort_by_key(|&i| (events[i].extra.sequence, events[i].source.record));
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

    #[test]
    fn chunks_merge_into_one_parsable_event() {
        let full = "[\"[SkuName=ENTERPRISEPACK, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900, DisabledPlans=[]]\"]";
        let (a, b) = full.split_at(40);
        let rec = |seq: u32, part: &str, n: u64| {
            let v = json!({"activityDisplayName":"Change user license","activityDateTime":"2026-10-05T08:15:02Z","result":"success",
              "correlationId":"c1d2e3f4-0a1b-4c2d-8e3f-9a0b1c2d3e4f",
              "targetResources":[{"id":"7e1d2c3b-4a59-4687-b8c9-0a1b2c3d4e5f","type":"User","modifiedProperties":[{"displayName":"AssignedLicense","oldValue":"[]","newValue":part}]}],
              "additionalDetails":[{"key":"sequence","value":seq.to_string()},{"key":"maximumlength","value":"40"}]});
            to_event(
                map(classify(&v).unwrap(), &v),
                SourceRef {
                    file: "f".into(),
                    record: n,
                    line: crate::model::event::Line::NONE,
                },
            )
            .unwrap()
        };
        let mut events = vec![rec(2, b, 2), rec(1, a, 1)];
        assert!(events
            .iter()
            .all(|e| e.licenses.as_deref().is_none_or(|l| l.new.is_empty())));
        let absorbed = merge_sequences(&mut events);
        assert_eq!(events.len(), 1);
        assert_eq!(absorbed.len(), 1);
        assert_eq!(absorbed[0].0.record, 2);
        assert_eq!(events[0].licenses.as_deref().unwrap().new.len(), 1);
    }
}
