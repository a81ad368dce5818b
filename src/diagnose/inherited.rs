//! `InvalidOperationOnGroupInheritedLicenseException`: a direct removal of a license the user
//! inherits from a group, refused at once (licensing.md §6.1: `User license is inherited from a
//! group membership`). Nothing is in error on the user, who keeps the license: the finding names
//! the product the refused change removes and the group(s) the snapshot shows giving it, and says
//! that it is taken away through the group (the user leaves it, or the group stops assigning the
//! product), never by retrying the direct change.

use super::context::{Ctx, SkuKey, UKey};
use super::observe::Bucket;
use super::status::{actor_label, UserState};
use super::text::{fmt_time, list, plural};
use crate::model::finding::{AssignmentSource, CauseDetails, InheritedLicense, Resolution, Status};
use crate::model::{Activity, Outcome, SkuId};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// The product a refused change is about: the one its license lists (or its `Update user`'s)
/// remove, that the user inherits when the snapshot says so; else the only product the snapshot
/// shows the user inheriting from a group; else unknown (the refusal's text names none).
pub(crate) fn refused_product(ctx: &Ctx<'_>, event: usize, user: &UKey) -> SkuKey {
    let key = |l: &crate::model::AssignedLicense| match (&l.sku_id, &l.sku_name) {
        (Some(id), _) => SkuKey::Id(id.clone()),
        (None, Some(n)) => ctx.resolve_sku_text(n),
        _ => SkuKey::Unknown,
    };
    let inherited: BTreeSet<&SkuId> = ctx
        .user(user)
        .map(|u| {
            u.license_states
                .iter()
                .filter(|s| s.assigned_by_group.is_some())
                .map(|s| &s.sku_id)
                .collect()
        })
        .unwrap_or_default();
    let removed: Vec<SkuKey> = ctx
        .license_change_of(event)
        .map(|(c, cut)| {
            c.known(cut)
                .removed
                .iter()
                .map(|l| key(l))
                .filter(|k| !matches!(k, SkuKey::Unknown))
                .collect()
        })
        .unwrap_or_default();
    let removed_inherited: Vec<&SkuKey> = removed
        .iter()
        .filter(|k| k.id().is_some_and(|id| inherited.contains(id)))
        .collect();
    match (removed.as_slice(), removed_inherited.as_slice()) {
        (_, [one]) => (*one).clone(),
        ([one], _) => one.clone(),
        ([], _) => match inherited.iter().collect::<Vec<_>>().as_slice() {
            [one] => SkuKey::Id((**one).clone()),
            _ => SkuKey::Unknown,
        },
        _ => SkuKey::Unknown,
    }
}

/// The status of one user of the refusal: the user still holds the license (pending) unless a
/// later successful `Change user license` takes the product away (the user left the group, or
/// the group stopped assigning it). A license applied later is no resolution here, as it is for
/// the errors of a license the user does not get.
pub(crate) fn outcome(
    ctx: &Ctx<'_>,
    b: &Bucket,
    u: &UKey,
    t: Option<DateTime<Utc>>,
) -> (Status, Option<Resolution>) {
    let Some(t) = t else {
        return (Status::Pending, None);
    };
    for &i in ctx.user_events(u) {
        let Some(e) = ctx.events.get(i) else { continue };
        if e.time <= t
            || e.time > ctx.as_of
            || e.activity != Activity::ChangeUserLicense
            || e.result != Outcome::Success
        {
            continue;
        }
        let removes = ctx
            .license_change_of(i)
            .and_then(|c| ctx.change_adds_or_keeps(c, &b.sku))
            == Some(false);
        if removes {
            return (
                Status::Resolved,
                Some(Resolution {
                    when: e.time,
                    how: format!(
                        "a later `Change user license` at {} (by {}) took {} from the user",
                        fmt_time(e.time),
                        actor_label(&e.actor),
                        ctx.sku_label(&b.sku)
                    ),
                }),
            );
        }
    }
    (Status::Pending, None)
}

/// The groups the snapshot shows giving the user the product (every product the user inherits
/// when the product is unknown): the user's license states from a group, and the user's groups
/// that assign it.
fn inherited_from(ctx: &Ctx<'_>, b: &Bucket, user: &UKey) -> Option<Vec<AssignmentSource>> {
    let u = ctx.user(user)?;
    let wanted = |s: &SkuId| b.sku.id().is_none_or(|id| id == s);
    let mut from: BTreeSet<(crate::model::ObjectId, SkuId)> = u
        .license_states
        .iter()
        .filter(|s| wanted(&s.sku_id))
        .filter_map(|s| Some((s.assigned_by_group.clone()?, s.sku_id.clone())))
        .collect();
    if let Some(id) = b.sku.id() {
        for g in ctx.groups_of_user(&u.id) {
            if ctx
                .group(g)
                .is_some_and(|gr| gr.assigned_licenses.iter().any(|l| &l.sku_id == id))
            {
                from.insert((g.clone(), id.clone()));
            }
        }
    }
    Some(
        from.into_iter()
            .map(|(g, s)| {
                let p = ctx.product_ref(&s);
                AssignmentSource::Group {
                    group: ctx.group_name(&g),
                    group_id: Some(g),
                    sku: p.sku,
                    sku_id: p.sku_id,
                }
            })
            .collect(),
    )
}

/// A group source as the explanation names it: `LIC-E3`, or `LIC-E3 (ENTERPRISEPACK)` when the
/// product is not the finding's.
fn group_words(src: &AssignmentSource, with_product: bool) -> String {
    match src {
        AssignmentSource::Group {
            group_id,
            group,
            sku,
            sku_id,
        } => {
            let g = group
                .clone()
                .or_else(|| group_id.as_ref().map(|g| g.to_string()))
                .unwrap_or_else(|| "a group".into());
            match (
                with_product,
                sku.clone()
                    .or_else(|| sku_id.as_ref().map(|s| s.to_string())),
            ) {
                (true, Some(p)) => format!("{g} ({p})"),
                _ => g,
            }
        }
        other => other.describe(),
    }
}

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let known_product = !matches!(b.sku, SkuKey::Unknown);
    let sku = if known_product {
        ctx.sku_label(&b.sku)
    } else {
        "a license".to_string()
    };
    // whether a refused record's license lists show the product removed, or its text says
    // removed (else the data says a direct change of it was refused: MSOnline refused a change
    // of an inherited license's plans the same way)
    let events = b.audit_event_indexes();
    let removal = events.iter().any(|&i| {
        ctx.license_change_of(i)
            .and_then(|c| ctx.change_adds_or_keeps(c, &b.sku))
            == Some(false)
    }) || b
        .audit_errors(ctx)
        .iter()
        .any(|(_, e)| e.text.to_ascii_lowercase().contains("removed"));
    let first = events
        .iter()
        .filter_map(|&i| ctx.events.get(i).copied())
        .min_by_key(|e| e.time);

    let mut items: Vec<InheritedLicense> = Vec::new();
    let mut by_groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut no_group: Vec<String> = Vec::new();
    for us in users {
        let label = ctx.user_label(&us.user);
        let from = inherited_from(ctx, b, &us.user);
        let pending = us.status == Status::Pending;
        match &from {
            // a user whose refusal is resolved needs no word on where the license came from
            None if pending => unknown.push(label),
            Some(v) if v.is_empty() && pending => no_group.push(label),
            None => {}
            Some(v) if v.is_empty() => {}
            Some(v) => {
                let names: Vec<String> = v.iter().map(|s| group_words(s, !known_product)).collect();
                by_groups.entry(list(&names, 5)).or_default().push(label);
            }
        }
        items.push(InheritedLicense {
            user: ctx.user_ref(&us.user),
            in_snapshot: from.is_some(),
            inherited_from: from.unwrap_or_default(),
        });
    }
    items.sort();

    let names: Vec<String> = users.iter().map(|u| ctx.user_label(&u.user)).collect();
    let what = if removal {
        format!("Removing {sku} directly from {}", list(&names, 5))
    } else {
        format!(
            "A direct change of {sku} for {} (its removal, or a change of its plans)",
            list(&names, 5)
        )
    };
    let mut parts = vec![format!(
        "{what} was refused{}: the license is inherited from a group (`User license is inherited from a group membership`), and a license a user inherits cannot be removed from the user directly.",
        first
            .map(|e| format!(" ({} by {} at {})", e.activity.name(), e.actor.label(), fmt_time(e.time)))
            .unwrap_or_default()
    )];
    if !known_product {
        parts.push("The audit record does not name the product.".into());
    }
    for (groups, us) in &by_groups {
        parts.push(format!(
            "The snapshot shows {} inheriting it from {groups}.",
            list(us, 5)
        ));
    }
    if !no_group.is_empty() {
        parts.push(format!(
            "The snapshot shows no group giving {sku} to {} (it may have been taken at another time).",
            list(&no_group, 5)
        ));
    }
    if !unknown.is_empty() {
        parts.push(format!(
            "No snapshot says which group gives it to {}: their licenseAssignmentStates (assignedByGroup) name it.",
            list(&unknown, 5)
        ));
    }
    parts.push(format!(
        "Nothing is in error on {}, so nothing is to be retried or reprocessed. To take the license away, remove the user from the licensing group, or remove the product from the group's licenses if no member should have it; if the user should keep it from the group, nothing is to be done.",
        if users.len() == 1 { "the user".to_string() } else { plural(users.len(), "user", "users") }
    ));
    (
        CauseDetails::Inherited { inherited: items },
        parts.join(" "),
    )
}
