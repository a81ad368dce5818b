//! Drift between two snapshots (`licdiag diff OLD NEW`): new license errors, cleared errors, errors
//! whose cause or state changed, seat and subscription status changes per product, group license
//! changes, users added, removed and renamed, groups renamed, licenses turned from a group's into
//! direct ones, changed addresses, products users lost or gained with no error (with the reason the
//! two snapshots show) and service plans turned off or on.
//!
//! Each side is read on its own (files or a folder; audit logs in them are ignored); `compare` does
//! the work, `render` prints it. Exit code 1 when the diff holds something at `--fail-on` or above
//! ([`severities`]; by default: NEW has errors OLD did not have, new or with another cause), 0
//! otherwise.

pub mod compare;
pub mod model;
pub mod render;

use crate::cli::DiffArgs;
use crate::ingest::{Ingested, ReadOptions, Reading};
use crate::model::finding::{ProductRef, Severity, Status, UserRef};
use crate::model::snapshot::{Snapshot, User};
use crate::model::{Cause, ObjectId};
use anyhow::{Context, Result};
use model::{DiffDoc, Via};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

fn read_side(
    flag: &str,
    path: &Path,
    opts: &ReadOptions,
    redact: &crate::cli::RedactArgs,
) -> Result<Ingested> {
    let data = crate::commands::load(&[path.to_path_buf()], opts, redact)
        .with_context(|| format!("reading {flag} {}", path.display()))?;
    crate::commands::note_dates(&data.inputs);
    if data.snapshot.users.is_empty()
        && data.snapshot.groups.is_empty()
        && data.snapshot.skus.is_empty()
    {
        anyhow::bail!(
            "{flag} {}: no license snapshot found (Graph users, groups or subscribedSkus export); \
             diff compares two snapshots, audit logs are not used",
            path.display()
        );
    }
    Ok(data)
}

/// Compares two read snapshots; `kb` names products and plans.
pub fn diff(
    old: &Ingested,
    new: &Ingested,
    old_path: &str,
    new_path: &str,
    kb: &crate::knowledge::Knowledge,
) -> DiffDoc {
    compare::compare(&old.snapshot, &new.snapshot, old_path, new_path, kb)
}

/// The tenant ids a side's subscribedSkus exports name (`accountId`, `AccountId`, else the
/// `<account>_<skuId>` of an entry's `id`), lower-cased, as the read kept them
/// ([`crate::model::snapshot::SubscribedSku::account_ids`]).
pub fn tenant_ids(data: &Ingested) -> BTreeSet<String> {
    data.snapshot
        .skus
        .iter()
        .flat_map(|s| s.account_ids.iter().cloned())
        .collect()
}

/// The warning when the two sides' SKU exports name tenant ids and no id is on both sides: the
/// snapshots seem to come from different tenants, and every error and user of OLD would read as
/// cleared or removed. `show_ids`: name them (not under `--redact`).
pub fn tenant_warning(
    old: &BTreeSet<String>,
    new: &BTreeSet<String>,
    show_ids: bool,
) -> Option<String> {
    if old.is_empty() || new.is_empty() || !old.is_disjoint(new) {
        return None;
    }
    let ids = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
    let named = if show_ids {
        format!(": OLD {}, NEW {}", ids(old), ids(new))
    } else {
        String::new()
    };
    Some(format!(
        "the snapshots seem to come from different tenants (their subscribedSkus accountId differ{named}); \
         the changes below compare two tenants, not one tenant over time"
    ))
}

/// The different-tenants warning: from the SKU exports' `accountId` when both sides name one
/// ([`tenant_warning`]), else from the objects the sides share (`shared`, [`nothing_shared`]).
pub fn tenants_warning(
    old: &BTreeSet<String>,
    new: &BTreeSet<String>,
    show_ids: bool,
    shared: impl FnOnce() -> Option<String>,
) -> Option<String> {
    if old.is_empty() || new.is_empty() {
        shared()
    } else {
        tenant_warning(old, new, show_ids)
    }
}

/// When the SKU exports do not tell the tenants apart (no `accountId` on a side): the warning when
/// both sides hold users and no user, and no group either when both hold groups, has its object id
/// on both sides. One tenant keeps most of its objects between two snapshots; two tenants share
/// none (object ids are unique across Entra).
pub fn nothing_shared(
    old: &crate::model::snapshot::Snapshot,
    new: &crate::model::snapshot::Snapshot,
) -> Option<String> {
    if old.users.is_empty() || new.users.is_empty() {
        return None;
    }
    let users: BTreeSet<&crate::model::ObjectId> = old.users.iter().map(|u| &u.id).collect();
    if new.users.iter().any(|u| users.contains(&u.id)) {
        return None;
    }
    let groups: BTreeSet<&crate::model::ObjectId> = old.groups.iter().map(|g| &g.id).collect();
    if new.groups.iter().any(|g| groups.contains(&g.id)) {
        return None;
    }
    Some(
        "the snapshots seem to come from different tenants (no user or group object id is in both); \
         the changes below compare two tenants, not one tenant over time"
            .into(),
    )
}

/// `licdiag diff OLD NEW`.
pub fn run(a: DiffArgs, reading: Reading) -> Result<u8> {
    let opts = ReadOptions {
        strict: a.strict,
        progress: reading.progress,
        no_map: !reading.map,
        date_order: reading.date_order,
        compact: true,
        ..Default::default()
    };
    // one key for both sides: with --redact and no --redact-key, the same person must get the
    // same pseudonym in OLD and NEW
    let redact = crate::redact::with_run_key(&a.redact);
    let old = read_side("OLD_SNAPSHOT", &a.old, &opts, &redact)?;
    let new = read_side("NEW_SNAPSHOT", &a.new, &opts, &redact)?;
    let kb = crate::commands::knowledge(a.catalog.as_deref(), &new)?
        .with_subscribed_skus(&old.snapshot.skus);
    let mut doc = diff(&old, &new, &display(&a.old), &display(&a.new), &kb);
    doc.warnings.extend(tenants_warning(
        &tenant_ids(&old),
        &tenant_ids(&new),
        !a.redact.redact,
        || nothing_shared(&old.snapshot, &new.snapshot),
    ));
    doc.warnings.extend(duplicate_upn_warnings("OLD", &old));
    doc.warnings.extend(duplicate_upn_warnings("NEW", &new));
    doc.notes.extend(side_notes("OLD", &a.old, &old));
    doc.notes.extend(side_notes("NEW", &a.new, &new));
    let mut w = crate::commands::sink(a.output.as_deref())?;
    crate::report::render(&doc, a.format, &mut w).context("writing the diff")?;
    w.flush().context("writing the diff")?;
    Ok(crate::commands::fail_on_code(
        severities(&doc, &new.snapshot),
        a.fail_on,
    ))
}

/// What `--fail-on` weighs in a diff, each at its severity:
/// - each error NEW has and OLD did not (`new_errors`, and `changed_errors` with another cause, at
///   their new cause): the severity `analyze` gives a pending error of its cause
///   ([`crate::diagnose::severity`]), an Other counting its blocking error as known when NEW shows
///   it ([`blocker_shown`]). So each is at least a warning (`--fail-on warning`, the default: 1 when
///   NEW has errors OLD did not have);
/// - each error with the same cause that the user held in OLD (`ActiveWithError`) and no longer
///   holds in NEW (`Error`): information, as a product lost. The same error now held
///   (`Error` -> `ActiveWithError`), or in another state that holds nothing, is no new error and
///   does not count;
/// - each product whose seats changed and that has none left in NEW (its consumed units at or
///   above its enabled and warning ones, as `analyze`'s capacity table counts a product without
///   seats), or whose subscription went `Suspended`, `LockedOut` or `Deleted`
///   ([`model::StatusChange::lapsed`]: its units can no longer be assigned either), once per
///   product: information;
/// - each license turned from a group's into a direct one (`converted_to_direct`): information;
/// - each product a user lost with no error (`products_lost`, each user and product once, users
///   removed left out as their own section lists them): information.
///
/// Cleared errors are good news, and the rest (users added, removed or renamed, groups renamed,
/// addresses, group licenses) is context.
pub fn severities(doc: &DiffDoc, new: &Snapshot) -> Vec<Severity> {
    // NEW's users by id, for the Other errors only (most diffs have none)
    let any_other = doc.new_errors.iter().any(|e| e.cause == Cause::Other)
        || doc
            .changed_errors
            .iter()
            .any(|e| e.new_cause == Cause::Other);
    let users: HashMap<&ObjectId, &User> = if any_other {
        new.users.iter().map(|u| (&u.id, u)).collect()
    } else {
        HashMap::new()
    };
    let rate = |cause: &Cause, user: &UserRef, product: &ProductRef, via: &Via| {
        let holder = user.id.as_ref().and_then(|id| users.get(id));
        let known =
            *cause == Cause::Other && holder.is_some_and(|u| blocker_shown(u, product, via));
        crate::diagnose::severity(cause, Status::Pending, known)
    };
    let new_errors = doc
        .new_errors
        .iter()
        .map(|e| rate(&e.cause, &e.user, &e.product, &e.via));
    let changed = doc.changed_errors.iter().filter_map(|e| {
        if e.cause_changed() {
            Some(rate(&e.new_cause, &e.user, &e.product, &e.via))
        } else if e.held_before() && !e.held_now() {
            // the same error, and the user no longer holds the product: a product lost
            Some(Severity::Info)
        } else {
            // the same error, now held (or in another state that holds nothing): no new error
            None
        }
    });
    let no_seats = doc.seats.iter().filter(|s| {
        let n = |c: model::Count| u128::from(c.new.unwrap_or(0));
        let none_left = s.seats_moved()
            && s.presence != model::Presence::Removed
            && n(s.consumed) >= n(s.enabled) + n(s.warning);
        none_left || s.capability_status.lapsed()
    });
    let info = no_seats.count() + doc.converted_to_direct.len() + doc.summary.products_lost;
    new_errors
        .chain(changed)
        .chain(std::iter::repeat_n(Severity::Info, info))
        .collect()
}

/// Whether NEW's `user` shows the error their Other on `product` (assigned `via`) stands for: as
/// `analyze` finds it in a snapshot, another product's error from the same group (for a direct
/// assignment, another product's error), with a cause other than Other.
fn blocker_shown(user: &User, product: &ProductRef, via: &Via) -> bool {
    user.license_states.iter().any(|st| {
        let same_group = match via {
            Via::Group(g) => st.assigned_by_group.as_ref() == Some(&g.id),
            Via::Direct => true,
        };
        let other_product = product.sku_id.as_ref().is_none_or(|s| st.sku_id != *s);
        same_group && other_product && st.error.as_ref().is_some_and(|c| *c != Cause::Other)
    })
}

/// A side's notes of UPNs held by more than one user object ([`crate::ingest::DUPLICATE_UPN`]), as
/// warnings of the diff (`side` is `OLD` or `NEW`): users added, removed or with new errors are
/// matched by object id, and a reader should know the side mixes objects. Taken from the side's
/// input notes, so that they read as standard error says them (after `--redact`).
pub fn duplicate_upn_warnings<'a>(
    side: &'a str,
    data: &'a Ingested,
) -> impl Iterator<Item = String> + 'a {
    data.inputs.iter().flat_map(move |i| {
        i.notes
            .iter()
            .filter(|n| n.contains(crate::ingest::DUPLICATE_UPN))
            .map(move |n| format!("{side} {}: {n}", i.path))
    })
}

/// What a side's reading left out, for the diff's notes (`side` is `OLD` or `NEW`; review 88,
/// items 3 and 4): each input's notes as every report says them (records skipped as malformed, a
/// file cut short, entries of a folder passed over, ...; the UPNs held twice are warnings
/// already, [`duplicate_upn_warnings`]); what a skipped snapshot record does to the comparison (a
/// user whose record could not be read is missing from that side: added or removed, their errors
/// new or cleared); and the audit records the side held, which diff does not use.
pub fn side_notes(side: &str, path: &Path, data: &Ingested) -> Vec<String> {
    use crate::ingest::InputKind;
    let mut notes: Vec<String> = crate::report::view::read_remarks(&data.inputs)
        .into_iter()
        .filter(|n| !n.contains(crate::ingest::DUPLICATE_UPN))
        .map(|n| format!("{side} {n}"))
        .collect();
    let snapshot_skipped: u64 = data
        .inputs
        .iter()
        .filter(|i| matches!(i.kind, Some(InputKind::Snapshot(_))))
        .map(|i| i.malformed)
        .sum();
    if snapshot_skipped > 0 {
        let (shown, errors) = if side == "OLD" {
            ("added", "new")
        } else {
            ("removed", "cleared")
        };
        notes.push(format!(
            "{side} {}: {snapshot_skipped} snapshot record{} could not be read and {} left out \
             of the comparison: a user among them shows as {shown} (their errors as {errors}) \
             although the record is only unreadable; `licdiag inspect {}` lists them, \
             `--strict` refuses them",
            path.display(),
            if snapshot_skipped == 1 { "" } else { "s" },
            if snapshot_skipped == 1 { "is" } else { "are" },
            path.display()
        ));
    }
    let audit: Vec<&crate::ingest::InputReport> = data
        .inputs
        .iter()
        .filter(|i| matches!(i.kind, Some(InputKind::Audit(_))))
        .collect();
    if !audit.is_empty() {
        let records: u64 = audit.iter().map(|i| i.records).sum();
        notes.push(format!(
            "{side} {}: {} audit input{} ({records} record{}) not used: diff compares license \
             snapshots; `licdiag analyze` and `licdiag timeline` read audit logs",
            path.display(),
            audit.len(),
            if audit.len() == 1 { "" } else { "s" },
            if records == 1 { "" } else { "s" },
        ));
    }
    notes
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    /// An error whose state alone changed: lost to it (`ActiveWithError` -> `Error`) is
    /// information, as a product lost; now held (`Error` -> `ActiveWithError`) does not count; with
    /// another cause it counts at its new cause, as before.
    #[test]
    fn a_state_only_change_counts_only_when_the_product_is_lost() {
        use crate::diagnose::testkit::{active_with_error, bad, user, E3};
        const AT: &str = "2026-10-01T08:00:00Z";
        let with = |n: &str, st: crate::model::snapshot::LicenseAssignmentState| {
            let mut u = user(n);
            u.license_states = vec![st].into();
            u
        };
        let old = Snapshot {
            users: vec![
                with("ana", bad(E3, Some("G"), "CountViolation", AT)),
                with("bo", active_with_error(E3, Some("G"), "CountViolation", AT)),
            ],
            ..Default::default()
        };
        let new = Snapshot {
            users: vec![
                with(
                    "ana",
                    active_with_error(E3, Some("G"), "CountViolation", AT),
                ),
                with("bo", bad(E3, Some("G"), "CountViolation", AT)),
            ],
            ..Default::default()
        };
        let kb = crate::knowledge::Knowledge::builtin();
        let d = compare::compare(&old, &new, "old", "new", &kb);
        assert_eq!(d.changed_errors.len(), 2);
        assert_eq!(severities(&d, &new), [Severity::Info]);
        // the reverse: ana loses it, bo now holds it
        let d = compare::compare(&new, &old, "new", "old", &kb);
        assert_eq!(severities(&d, &old), [Severity::Info]);
        // with another cause too: rated at the new cause
        let mut other = new.clone();
        other.users[0] = with(
            "ana",
            active_with_error(E3, Some("G"), "MutuallyExclusiveViolation", AT),
        );
        let d = compare::compare(&old, &other, "old", "new", &kb);
        assert_eq!(severities(&d, &other), [Severity::Error, Severity::Info]);
    }

    /// A subscription gone Suspended, LockedOut or Deleted is information, as a product with no
    /// seat left, and counted once when it is both; Warning does not count; a status change alone
    /// does not make a product without seats count (its seats did not change).
    #[test]
    fn a_lapsed_subscription_is_information_once() {
        use crate::diagnose::testkit::{subscribed, E1, E3, EMS, MEET};
        let at = |id: &str, st: &str, consumed: u64| {
            let mut s = subscribed(id, 10, 0, consumed);
            s.capability_status = Some(st.into());
            s
        };
        let old = Snapshot {
            skus: vec![
                at(MEET, "Enabled", 2),
                at(EMS, "Enabled", 2),
                at(E3, "Enabled", 2),
                at(E1, "Enabled", 10),
            ],
            ..Default::default()
        };
        let new = Snapshot {
            skus: vec![
                at(MEET, "Suspended", 2),
                at(EMS, "Warning", 2),
                at(E3, "LockedOut", 10),
                at(E1, "Warning", 10),
            ],
            ..Default::default()
        };
        let kb = crate::knowledge::Knowledge::builtin();
        let d = compare::compare(&old, &new, "old", "new", &kb);
        assert_eq!(d.seats.len(), 4);
        // MCOMEETADV suspended; E3 locked out and out of seats: once
        assert_eq!(severities(&d, &new), [Severity::Info, Severity::Info]);
    }

    #[test]
    fn warned_only_when_no_tenant_is_shared() {
        let (a, b) = (set(&["a"]), set(&["b"]));
        let w = tenant_warning(&a, &b, true).expect("different tenants");
        assert!(w.contains("different tenants"), "{w}");
        assert!(w.contains("OLD a, NEW b"), "{w}");
        assert!(!tenant_warning(&a, &b, false)
            .expect("warned")
            .contains("OLD a"));
        assert_eq!(tenant_warning(&a, &set(&["a", "b"]), true), None);
        assert_eq!(tenant_warning(&a, &a, true), None);
        assert_eq!(tenant_warning(&a, &set(&[]), true), None);
        // the same accountId on both sides: one tenant, however few objects the two share
        let none_shared = || Some("nothing shared".to_string());
        assert_eq!(tenants_warning(&a, &a, true, none_shared), None);
        assert!(tenants_warning(&a, &b, true, none_shared).is_some_and(|w| w.contains("accountId")));
        assert_eq!(
            tenants_warning(&a, &set(&[]), true, none_shared).as_deref(),
            Some("nothing shared")
        );
    }
}
