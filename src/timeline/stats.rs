//! Time to resolve per cause (episodes, resolved, still open, median, max) and how durations are
//! written for people (`2d 4h 59m 31s`).

use super::model::{CauseStats, ClosedBy, Episode, OpenItem};
use crate::model::Cause;
use std::collections::BTreeMap;

/// Per cause: the durations of the resolved episodes, the open ones, those closed by deletion and
/// by the product's removal from the group, and by the user's removal from the group.
type Tally = (Vec<i64>, usize, usize, usize, usize);

/// Per-cause summary of the shown episodes plus the open errors only the snapshot knows. Sorted by
/// cause (causes first in playbook order, "not recorded" last).
pub fn per_cause(episodes: &[&Episode], snapshot_only: &[&OpenItem]) -> Vec<CauseStats> {
    // key: (None sorts last) -> (durations of resolved, open count, closed by deletion, closed by
    // the product's removal)
    let mut m: BTreeMap<(bool, Option<Cause>), Tally> = BTreeMap::new();
    for e in episodes {
        let slot = m.entry((e.cause.is_none(), e.cause.clone())).or_default();
        match (e.resolved, e.closed) {
            // the subject is gone, or no longer assigned the product: nothing was resolved, and
            // nothing is pending
            (Some(_), Some(ClosedBy::UserDeleted)) => slot.2 += 1,
            (Some(_), Some(ClosedBy::ProductRemoved)) => slot.3 += 1,
            (Some(_), Some(ClosedBy::MemberRemoved)) => slot.4 += 1,
            (Some(r), None) => slot.0.push((r - e.first).num_seconds().max(0)),
            (None, _) => slot.1 += 1,
        }
    }
    for o in snapshot_only {
        m.entry((o.cause.is_none(), o.cause.clone())).or_default().1 += 1;
    }
    m.into_iter()
        .map(|((_, cause), (mut d, open, deleted, removed, left))| {
            d.sort_unstable();
            CauseStats {
                cause,
                episodes: d.len() + open + deleted + removed + left,
                resolved: d.len(),
                still_open: open,
                closed_by_deletion: deleted,
                closed_by_product_removal: removed,
                closed_by_member_removal: left,
                median_seconds: median(&d),
                max_seconds: d.last().copied(),
            }
        })
        .collect()
}

/// Median of sorted values (mean of the two middle ones for an even count).
fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let hi = sorted.get(n / 2).copied()?;
    if n % 2 == 1 {
        return Some(hi);
    }
    let lo = sorted.get(n / 2 - 1).copied()?;
    Some(lo + (hi - lo) / 2)
}

/// `2d 4h 59m 31s`, `18m 23s`, `0s`; leading zero units are left out.
pub fn human(seconds: i64) -> String {
    let neg = seconds < 0;
    let mut s = seconds.unsigned_abs();
    let d = s / 86_400;
    s %= 86_400;
    let h = s / 3_600;
    s %= 3_600;
    let m = s / 60;
    s %= 60;
    let mut parts: Vec<String> = Vec::new();
    if d > 0 {
        parts.push(format!("{d}d"));
    }
    if d > 0 || h > 0 {
        parts.push(format!("{h}h"));
    }
    if d > 0 || h > 0 || m > 0 {
        parts.push(format!("{m}m"));
    }
    parts.push(format!("{s}s"));
    let out = parts.join(" ");
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::model::{EpisodeSubject, UserKey};
    use chrono::{Duration, TimeZone, Utc};

    fn ep(cause: Option<Cause>, secs: Option<i64>) -> Episode {
        let first = Utc
            .with_ymd_and_hms(2026, 10, 6, 8, 0, 0)
            .single()
            .expect("time");
        Episode {
            subject: EpisodeSubject::User(UserKey::Upn("u@x".into())),
            cause,
            sku: None,
            group: None,
            first,
            last: first,
            resolved: secs.map(|s| first + Duration::seconds(s)),
            closed: None,
        }
    }

    #[test]
    fn median_max_and_open_per_cause() {
        let eps = [
            ep(Some(Cause::CountViolation), Some(100)),
            ep(Some(Cause::CountViolation), Some(300)),
            ep(Some(Cause::CountViolation), None),
            ep(None, Some(5)),
            ep(Some(Cause::MutuallyExclusiveViolation), Some(7)),
        ];
        let refs: Vec<&Episode> = eps.iter().collect();
        let s = per_cause(&refs, &[]);
        assert_eq!(s.len(), 3);
        let count = &s[0];
        assert_eq!(count.cause, Some(Cause::CountViolation));
        assert_eq!(
            (count.episodes, count.resolved, count.still_open),
            (3, 2, 1)
        );
        assert_eq!(
            (count.median_seconds, count.max_seconds),
            (Some(200), Some(300))
        );
        assert_eq!(s[1].cause, Some(Cause::MutuallyExclusiveViolation));
        assert_eq!(s[2].cause, None);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(59), "59s");
        assert_eq!(human(61), "1m 1s");
        assert_eq!(human(3600), "1h 0m 0s");
        assert_eq!(human(190_172), "2d 4h 49m 32s");
    }
}
