//! The guide's follow-up when a plan gives seats back (group-licensing-guide.md, "Force the group
//! license process to resolve errors"; licensing.md §6 row 1): groups that failed to license some
//! members for lack of a product's seats do not retry on their own when seats are freed elsewhere;
//! they have to be reprocessed. Used by the plans that free seats (`delete-group`, `change` removing a
//! product): the members of other groups in CountViolation for a freed product are named (warning),
//! and one step says which groups to reprocess and how.

use super::doc::{count, join_and, Findings, WarningKind};
use super::view::Tenant;
use crate::model::finding::UserRef;
use crate::model::{Cause, ObjectId, SkuId};
use crate::recommend::powershell as ps;
use std::collections::BTreeMap;

/// How many users a step names (and gives a reprocess command for) at most.
pub const MAX_NAMED: usize = 10;

/// One command per user, for the first [`MAX_NAMED`] users with a GUID (`cmd` gets the quoted id):
/// `` `cmd a`; `cmd b` (and N more users)``; `None` when no user has one, and the caller keeps its
/// placeholder. A step names the users it is about, so their commands are written out rather than
/// left as `-UserId <user id>` to fill in (the ids are in the snapshot).
pub fn per_user<'a>(
    users: impl IntoIterator<Item = &'a UserRef>,
    cmd: impl Fn(&str) -> String,
) -> Option<String> {
    let mut seen = std::collections::BTreeSet::new();
    let cmds: Vec<String> = users
        .into_iter()
        .filter_map(|u| ps::guid(u.id.as_ref()?.as_str()))
        .filter(|id| seen.insert(id.clone()))
        .map(|id| cmd(&id))
        .collect();
    (!cmds.is_empty()).then(|| listed(&cmds))
}

/// The first [`MAX_NAMED`] commands, each in backticks, joined by `; `, and how many more there are.
fn listed(cmds: &[String]) -> String {
    let named: Vec<String> = cmds
        .iter()
        .take(MAX_NAMED)
        .map(|c| format!("`{c}`"))
        .collect();
    let more = cmds.len().saturating_sub(MAX_NAMED);
    format!(
        "{}{}",
        named.join("; "),
        if more > 0 {
            format!(" (and {more} more users)")
        } else {
            String::new()
        }
    )
}

/// The users of `f`'s blockers of `kind`, in the order found.
pub fn blocked(f: &Findings, kind: super::doc::BlockerKind) -> impl Iterator<Item = &UserRef> {
    f.blockers()
        .iter()
        .filter(move |b| b.kind == kind)
        .filter_map(|b| b.user.as_ref())
}

/// Users of other groups waiting for seats of the freed products: (product, group) → users.
pub struct Waiting {
    by_group: BTreeMap<(SkuId, ObjectId), Vec<UserRef>>,
    /// Freed products nobody in the snapshot is waiting for, but whose seats are exhausted, with the
    /// other groups that assign them.
    short: Vec<(SkuId, i64, Vec<ObjectId>)>,
    freed: BTreeMap<SkuId, usize>,
}

/// Finds the members of groups other than `changed` in CountViolation for a product in `freed` (with
/// the number of seats given back), warns about each, and returns them for [`step`].
pub fn waiting(
    t: &Tenant<'_>,
    changed: &ObjectId,
    freed: impl IntoIterator<Item = (SkuId, usize)>,
    f: &mut Findings,
) -> Waiting {
    let freed: BTreeMap<SkuId, usize> = freed.into_iter().filter(|(_, n)| *n > 0).collect();
    let mut by_group: BTreeMap<(SkuId, ObjectId), Vec<UserRef>> = BTreeMap::new();
    for u in t.users() {
        for s in u.license_states.iter() {
            let Some(g) = s.assigned_by_group.as_ref() else {
                continue;
            };
            if g == changed
                || !freed.contains_key(&s.sku_id)
                || s.error.as_ref() != Some(&Cause::CountViolation)
            {
                continue;
            }
            let users = by_group.entry((s.sku_id.clone(), g.clone())).or_default();
            let r = t.user_ref(&u.id);
            if !users.contains(&r) {
                users.push(r);
            }
        }
    }
    // each warning says what the freed seats can do, as the step counts them
    let mut waiting_per_sku: BTreeMap<&SkuId, usize> = BTreeMap::new();
    for ((s, _), users) in &by_group {
        *waiting_per_sku.entry(s).or_default() += users.len();
    }
    for ((s, g), users) in &by_group {
        let n = freed.get(s).copied().unwrap_or(0);
        let free_after = free_after(t, s, n);
        let waiting = waiting_per_sku.get(s).copied().unwrap_or(0);
        let gl = t.group_label(g);
        let what = if free_after <= 0 {
            format!(
                "the {} this plan gives back {} the over-assigned product's excess first ({free_after} free after \
                 it), so none is left for the user: buy or free more seats, then reprocess {gl}",
                count(n, "seat", "seats"),
                if n == 1 { "covers" } else { "cover" }
            )
        } else if (free_after as usize) < waiting {
            format!(
                "the plan leaves {free_after} free for {waiting} users waiting: the user may get one only after \
                 {gl} is reprocessed, and some of them still need seats"
            )
        } else {
            format!(
                "a seat this plan gives back can license the user only after {gl} is reprocessed"
            )
        };
        for r in users {
            f.warn(
                Some(r.clone()),
                WarningKind::WaitingForSeats,
                format!("in CountViolation for {} from {gl}: {what}", t.sku_label(s)),
            );
        }
    }
    let mut short = Vec::new();
    for s in freed.keys() {
        if by_group.keys().any(|(x, _)| x == s) {
            continue;
        }
        let Some(available) = t.seats(s).map(|x| x.available()) else {
            continue;
        };
        if available > 0 {
            continue;
        }
        let groups: Vec<ObjectId> = t
            .snap
            .groups
            .iter()
            .filter(|g| &g.id != changed && g.assigned_licenses.iter().any(|l| &l.sku_id == s))
            .map(|g| g.id.clone())
            .collect();
        if !groups.is_empty() {
            short.push((s.clone(), available, groups));
        }
    }
    for users in by_group.values_mut() {
        users.sort();
    }
    Waiting {
        by_group,
        short,
        freed,
    }
}

/// Seats of `sku` free once `n` are given back: an over-assigned product first takes them back.
fn free_after(t: &Tenant<'_>, sku: &SkuId, n: usize) -> i64 {
    match t.seats(sku) {
        Some(x) => x.available().saturating_add(n as i64),
        None => n as i64,
    }
}

impl Waiting {
    pub fn is_empty(&self) -> bool {
        self.by_group.is_empty() && self.short.is_empty()
    }
}

/// The follow-up step: reprocess the groups that failed for lack of the freed products' seats, once
/// the seats are free (`after` says when, e.g. "Once the removal has reached every user").
pub fn step(t: &Tenant<'_>, w: &Waiting, after: &str) -> Option<String> {
    if w.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    let mut groups: Vec<ObjectId> = Vec::new();
    let mut users: Vec<&UserRef> = Vec::new();
    let mut per_sku: BTreeMap<&SkuId, usize> = BTreeMap::new();
    for ((s, g), us) in &w.by_group {
        let names: Vec<String> = us.iter().take(MAX_NAMED).map(|u| u.label()).collect();
        let more = us.len().saturating_sub(MAX_NAMED);
        let names = if more > 0 {
            format!("{} and {more} more", names.join(", "))
        } else {
            join_and(&names)
        };
        parts.push(format!(
            "{} ({names} in CountViolation for {})",
            t.group_label(g),
            t.sku_label(s)
        ));
        if !groups.contains(g) {
            groups.push(g.clone());
        }
        *per_sku.entry(s).or_default() += us.len();
        for u in us {
            if !users.contains(&u) {
                users.push(u);
            }
        }
    }
    let mut text = String::new();
    if !parts.is_empty() {
        let seats: Vec<String> = per_sku
            .iter()
            .map(|(s, waiting)| {
                let n = w.freed.get(*s).copied().unwrap_or(0);
                let free_after = free_after(t, s, n);
                let note = if free_after < *waiting as i64 {
                    format!(
                        ", {} free after it for {waiting} users waiting: some still need seats",
                        free_after.max(0)
                    )
                } else {
                    String::new()
                };
                format!(
                    "{n} {} {}{note}",
                    t.sku_label(s),
                    if n == 1 { "seat" } else { "seats" }
                )
            })
            .collect();
        text.push_str(&format!(
            "{after}, reprocess the groups that failed to license members for lack of the seats this plan gives back \
             ({}); they do not retry on their own (guide: \"Force the group license process to resolve errors\"): \
             {}.",
            seats.join("; "),
            join_and(&parts)
        ));
    }
    for (s, available, gs) in &w.short {
        let names: Vec<String> = gs.iter().map(|g| t.group_label(g)).collect();
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&format!(
            "{} has {available} free {} now: {after}, if {} failed to license every member for lack of {} seats, \
             reprocess {}.",
            t.sku_label(s),
            if *available == 1 || *available == -1 { "seat" } else { "seats" },
            join_and(&names),
            t.sku_label(s),
            if names.len() == 1 { "it" } else { "them" }
        ));
        for g in gs {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
    }
    let first = groups.first().map(|g| t.group_label(g)).unwrap_or_default();
    text.push_str(&format!(
        " To reprocess a group: Microsoft 365 admin center (the license-assignment UI since September 2024) → \
         Billing → Licenses → the product → the group (e.g. {first}) → select the users → Reprocess (the Entra \
         admin center's group → Licenses → Reprocess where it is still offered); no Graph API reprocesses a \
         group, so to script it reprocess its users in error"
    ));
    if users.is_empty() {
        text.push_str(": `Invoke-MgLicenseUser -UserId <user id>`.");
    } else {
        let cmds: Vec<String> = users
            .iter()
            .map(|u| {
                let id = u.id.as_ref().map(|i| i.as_str()).unwrap_or_default();
                format!(
                    "Invoke-MgLicenseUser -UserId {}",
                    ps::guid_or(id, "user id")
                )
            })
            .collect();
        text.push_str(&format!(": {}.", listed(&cmds)));
    }
    Some(text)
}
