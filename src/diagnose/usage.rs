//! ProhibitedInUsageLocationViolation: each affected user's usage location (an unset one inherits
//! the tenant's country for group licensing), grouped by country in the explanation.

use super::context::Ctx;
use super::observe::Bucket;
use super::status::UserState;
use super::text::{list, plural};
use crate::model::finding::{CauseDetails, Status, UserUsageLocation};
use std::collections::BTreeMap;

pub(crate) const UNSET: &str = "unset: inherits the tenant's country";

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let mut locs: Vec<UserUsageLocation> = Vec::new();
    let mut by_country: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut synced = 0;
    for us in users {
        let uref = ctx.user_ref(&us.user);
        let (loc, note, is_synced) = match ctx.user(&us.user) {
            Some(u) => {
                let loc = u
                    .usage_location
                    .as_deref()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_ascii_uppercase);
                let note = loc.clone().unwrap_or_else(|| UNSET.to_string());
                (loc, note, u.is_synced())
            }
            None => (None, "not in the snapshot".to_string(), false),
        };
        if us.status == Status::Pending {
            by_country
                .entry(note.clone())
                .or_default()
                .push(uref.label());
            if is_synced {
                synced += 1;
            }
        }
        locs.push(UserUsageLocation {
            user: uref,
            usage_location: loc,
            note,
            synced: is_synced,
        });
    }
    locs.sort();
    let sku = ctx.sku_label(&b.sku);
    let from = ctx
        .group_key_label(&b.group)
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    let pending: usize = by_country.values().map(|v| v.len()).sum();
    let mut parts =
        vec![format!(
        "{} cannot get {sku}{from} because a service in it is not offered in their usage location.",
        plural(if pending == 0 { users.len() } else { pending }, "user", "users")
    )];
    let per: Vec<String> = by_country
        .iter()
        .map(|(c, us)| format!("{c}: {}", list(us, 5)))
        .collect();
    if !per.is_empty() {
        parts.push(format!("Usage locations: {}.", per.join("; ")));
    }
    let gl = ctx
        .group_key_label(&b.group)
        .unwrap_or_else(|| "the licensing group".into());
    // a synced group's members change on-premises, a dynamic group's by the users' attributes
    // (guide, "Change license assignments")
    let take_out = match b.group.id().and_then(|g| ctx.group(g)) {
        _ if matches!(b.group, super::context::GroupKey::Direct) => {
            "Remove the direct assignment from users in unsupported locations".to_string()
        }
        Some(g) if g.is_synced() => format!(
            "Remove users in unsupported locations from {gl} in on-premises AD ({gl} is synced)"
        ),
        Some(g) if g.is_dynamic() => format!(
            "Take users in unsupported locations out of {gl} by changing their attributes or the group's rule ({gl} is dynamic)"
        ),
        _ => format!("Remove users in unsupported locations from {gl}"),
    };
    parts.push(format!(
        "{take_out}, or correct usageLocation where it is wrong (group licensing never sets it), then {}.",
        if matches!(b.group, super::context::GroupKey::Direct) {
            "retry the direct assignment"
        } else {
            "reprocess"
        }
    ));
    if synced > 0 {
        parts.push(format!(
            "{} synced from on-premises AD: change usageLocation at the source (or in the Entra Connect flow).",
            plural(synced, "user is", "users are")
        ));
    }
    (
        CauseDetails::UsageLocation {
            usage_locations: locs,
        },
        parts.join(" "),
    )
}
