//! LicenseAssignmentAttributeConcurrencyException: audit-log only, transient ("no action required";
//! Entra retries). Self-resolved when a later success or an applied license shows up; pending
//! (warning) otherwise. The documented trigger is a user in more than one group assigning the same
//! product, so those groups are named.

use super::context::{Ctx, UKey};
use super::observe::Bucket;
use super::status::UserState;
use super::text::{fmt_time, list, plural};
use crate::model::finding::{CauseDetails, ConcurrencyItem, Status};
use crate::model::ObjectId;
use std::collections::BTreeSet;

fn groups_with_same_product(ctx: &Ctx<'_>, b: &Bucket, user: &UKey) -> Vec<String> {
    let Some(sku) = b.sku.id() else {
        return Vec::new();
    };
    let Some(u) = ctx.user(user) else {
        return Vec::new();
    };
    let mut gs: BTreeSet<ObjectId> = u
        .license_states
        .iter()
        .filter(|s| &s.sku_id == sku)
        .filter_map(|s| s.assigned_by_group.clone())
        .collect();
    for g in ctx.groups_of_user(&u.id) {
        if ctx
            .group(g)
            .is_some_and(|gr| gr.assigned_licenses.iter().any(|l| &l.sku_id == sku))
        {
            gs.insert(g.clone());
        }
    }
    let mut names: Vec<String> = gs.iter().map(|g| ctx.group_label(g)).collect();
    names.sort();
    names
}

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let mut occ: Vec<ConcurrencyItem> = Vec::new();
    for us in users {
        occ.push(ConcurrencyItem {
            user: ctx.user_ref(&us.user),
            failed_at: us.error_at.unwrap_or(ctx.as_of),
            retried_ok_at: us.resolved.as_ref().map(|r| r.when),
            groups_with_same_product: groups_with_same_product(ctx, b, &us.user),
        });
    }
    occ.sort();
    let ok: Vec<String> = users
        .iter()
        .filter(|u| u.status != Status::Pending)
        .map(|u| {
            format!(
                "{}{}",
                ctx.user_label(&u.user),
                u.resolved
                    .as_ref()
                    .map(|r| format!(" (retried successfully at {})", fmt_time(r.when)))
                    .unwrap_or_default()
            )
        })
        .collect();
    let pending: Vec<String> = users
        .iter()
        .filter(|u| u.status == Status::Pending)
        .map(|u| {
            let age = u
                .error_at
                .map(|t| {
                    let h = (ctx.as_of - t).num_hours();
                    format!(
                        " (failed {}, {} ago)",
                        fmt_time(t),
                        if h >= 48 {
                            format!("{} days", h / 24)
                        } else {
                            format!("{h} h")
                        }
                    )
                })
                .unwrap_or_default();
            format!("{}{age}", ctx.user_label(&u.user))
        })
        .collect();
    let sku = ctx.bucket_sku_label(&b.sku, &b.group);
    let multi: Vec<String> = occ
        .iter()
        .filter(|o| o.groups_with_same_product.len() > 1)
        .map(|o| {
            format!(
                "{} ({})",
                o.user.label(),
                o.groups_with_same_product.join(", ")
            )
        })
        .collect();
    // the guide: concurrent assignment of the same license, "typically" a user in more than one
    // group with it; said as a fact only where the data shows the groups
    let why = if multi.is_empty() {
        "the same license was being assigned to the user concurrently (typically from two groups with the same product; the data shows no second group here)"
    } else {
        "the same license was being assigned to the user concurrently"
    };
    let mut parts = vec![format!(
        "Group-based licensing hit a concurrency exception for {} while processing {sku}{}: {why}. Entra retries on its own; no action is required.",
        plural(users.len(), "user", "users"),
        ctx.group_key_label(&b.group).map(|g| format!(" from {g}")).unwrap_or_default()
    )];
    if !multi.is_empty() {
        parts.push(format!(
            "In more than one group with {sku}: {}.",
            list(&multi, 4)
        ));
    }
    if !ok.is_empty() {
        parts.push(format!("Self-resolved: {}.", list(&ok, 5)));
    }
    // while the group's processing is not complete, Entra is still retrying: nothing to do yet
    let processing = b
        .group
        .id()
        .and_then(|g| ctx.group(g))
        .and_then(|g| g.processing_state.as_deref())
        .filter(|p| !p.is_empty() && !p.eq_ignore_ascii_case("ProcessingComplete"));
    if !pending.is_empty() {
        match processing {
            Some(p) => parts.push(format!(
                "No later success yet for {}, and {} is still being processed ({p}): wait for its processing to complete; Entra retries the user meanwhile.",
                list(&pending, 5),
                ctx.group_key_label(&b.group).unwrap_or_default()
            )),
            None => parts.push(format!(
                "No later success yet for {}; if it persists, reprocess the user.",
                list(&pending, 5)
            )),
        }
    }
    (
        CauseDetails::Concurrency { occurrences: occ },
        parts.join(" "),
    )
}
