//! ProhibitedInUsageLocationViolation: each affected user's usage location (an unset one inherits
//! the tenant's country for group licensing), grouped by country in the explanation; and the
//! `invalidUsageLocation` answer (a user without a valid usage location, refused at once), which
//! names the same facts.

use super::context::Ctx;
use super::observe::Bucket;
use super::status::UserState;
use super::text::{list, plural};
use crate::model::finding::{CauseDetails, Status, UserUsageLocation};
use std::collections::BTreeMap;

pub(crate) const UNSET: &str = "unset: inherits the tenant's country";

/// The users' usage locations (`unset` the note of a user without one), the pending users by
/// location, and how many of them are synced from on-premises AD.
fn locations(
    ctx: &Ctx<'_>,
    users: &[UserState],
    unset: &str,
) -> (Vec<UserUsageLocation>, BTreeMap<String, Vec<String>>, usize) {
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
                let note = loc.clone().unwrap_or_else(|| unset.to_string());
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
    (locs, by_country, synced)
}

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let (locs, by_country, synced) = locations(ctx, users, UNSET);
    let sku = ctx.bucket_sku_label(&b.sku, &b.group);
    let from = ctx
        .group_key_label(&b.group)
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    let pending: usize = by_country.values().map(|v| v.len()).sum();
    let parts =
        vec![format!(
        "{} cannot get {sku}{from} because a service in it is not offered in their usage location.",
        plural(if pending == 0 { users.len() } else { pending }, "user", "users")
    )];
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
    let fix = format!(
        "{take_out}, or correct usageLocation where it is wrong (group licensing never sets it), then {}.",
        if matches!(b.group, super::context::GroupKey::Direct) {
            "retry the direct assignment"
        } else {
            "reprocess"
        }
    );
    finish(parts, &by_country, fix, (synced, "change"), locs)
}

/// The explanation's end, the same for both causes: the pending users by location, the fix, what
/// synced users need (`verb` usageLocation at the source), and the details.
fn finish(
    mut parts: Vec<String>,
    by_country: &BTreeMap<String, Vec<String>>,
    fix: String,
    (synced, verb): (usize, &str),
    usage_locations: Vec<UserUsageLocation>,
) -> (CauseDetails, String) {
    let per: Vec<String> = by_country
        .iter()
        .map(|(c, us)| format!("{c}: {}", list(us, 5)))
        .collect();
    if !per.is_empty() {
        parts.push(format!("Usage locations: {}.", per.join("; ")));
    }
    parts.push(fix);
    if synced > 0 {
        parts.push(format!(
            "{} synced from on-premises AD: {verb} usageLocation at the source (or in the Entra Connect flow).",
            plural(synced, "user is", "users are")
        ));
    }
    (
        CauseDetails::UsageLocation { usage_locations },
        parts.join(" "),
    )
}

/// `invalidUsageLocation`: the assignment was refused at once because the user has no valid usage
/// location (guide: "before you can assign a license to a user, you must specify the Usage
/// location"); group licensing does not fail so for an unset one (its users inherit the
/// directory's country), an assignment made directly does. The fix is the location, not the group.
pub(crate) fn enrich_invalid(
    ctx: &Ctx<'_>,
    b: &Bucket,
    users: &[UserState],
) -> (CauseDetails, String) {
    let (locs, by_country, synced) = locations(ctx, users, "unset");
    let pending: usize = by_country.values().map(|v| v.len()).sum();
    let from = ctx
        .group_key_label(&b.group)
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    let parts = vec![format!(
        "{} could not get {}{from}: the assignment was refused because {} no valid usage location (`License assignment cannot be done for user with invalid usage location.`), and a license cannot be assigned to a user without one.",
        plural(if pending == 0 { users.len() } else { pending }, "user", "users"),
        ctx.bucket_sku_label(&b.sku, &b.group),
        if pending == 1 || (pending == 0 && users.len() == 1) { "the user has" } else { "they have" }
    )];
    let fix = format!(
        "Set each user's usage location to the country where they use the services (a two-letter code), then {}.",
        if matches!(b.group, super::context::GroupKey::Direct) {
            "assign the license again"
        } else {
            "reprocess"
        }
    );
    finish(parts, &by_country, fix, (synced, "set"), locs)
}
