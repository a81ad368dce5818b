//! CountViolation (not enough licenses): the product's seats, how many users are blocked, the
//! shortfall, and which seats could be freed ("buy 3, or free 3: ...").

use super::capacity::shortfall;
use super::context::{Ctx, GroupKey, SkuKey};
use super::observe::Bucket;
use super::status::UserState;
use super::text::{fmt_time, list, plural};
use crate::model::finding::{
    AssignmentSource, CauseDetails, CountDetails, ReclaimReason, ReclaimableSeat, SkuCapacity,
    Status,
};

fn seat_label(ctx: &Ctx<'_>, r: &ReclaimableSeat) -> String {
    let how: Vec<String> = r
        .held_via
        .iter()
        .map(|v| match v {
            AssignmentSource::Direct { .. } => "direct".to_string(),
            AssignmentSource::Group {
                group, group_id, ..
            } => format!(
                "via {}",
                group
                    .clone()
                    .or_else(|| group_id.as_ref().map(|g| ctx.group_label(g)))
                    .unwrap_or_else(|| "a group".into())
            ),
            AssignmentSource::Unknown { .. } => "source unknown".to_string(),
        })
        .collect();
    let why = match r.reason {
        ReclaimReason::DisabledAccount => "disabled account",
        ReclaimReason::DirectOnly => "direct only, outside licensing groups",
    };
    let label = if how.is_empty() || r.reason == ReclaimReason::DirectOnly {
        format!("{} ({why}", r.user.label())
    } else {
        format!("{} ({why}, {}", r.user.label(), how.join(" and "))
    };
    if r.needed_by.is_empty() {
        format!("{label})")
    } else {
        // removing the product alone is refused (licensing.md §7.2): both go in one change
        let deps: Vec<String> = r.needed_by.iter().map(|p| p.label()).collect();
        format!(
            "{label}; {} depend{} on it: remove {} with it)",
            list(&deps, 5),
            if deps.len() == 1 { "s" } else { "" },
            if deps.len() == 1 { "it" } else { "them" }
        )
    }
}

pub(crate) fn enrich(
    ctx: &Ctx<'_>,
    b: &Bucket,
    users: &[UserState],
    caps: &[std::sync::Arc<SkuCapacity>],
    waiting: usize,
) -> (CauseDetails, String) {
    let pending: Vec<&UserState> = users
        .iter()
        .filter(|u| u.status == Status::Pending)
        .collect();
    let resolved: Vec<&UserState> = users
        .iter()
        .filter(|u| !matches!(u.status, Status::Pending | Status::Closed))
        .collect();
    let closed: Vec<&UserState> = users
        .iter()
        .filter(|u| u.status == Status::Closed)
        .collect();
    let cap = b
        .sku
        .id()
        .and_then(|id| caps.iter().find(|c| &c.sku_id == id));
    let sku = ctx.bucket_sku_label(&b.sku, &b.group);
    let product = match b.sku.id().and_then(|id| ctx.kb.sku_display_name(id)) {
        Some(d) => format!("{sku} ({d})"),
        None => sku.clone(),
    };
    let from = match &b.group {
        GroupKey::Group(_) | GroupKey::Name(_) => {
            format!(
                " from {}",
                ctx.group_key_label(&b.group).unwrap_or_default()
            )
        }
        GroupKey::Direct => " by direct assignment".to_string(),
        GroupKey::Unknown => String::new(),
    };
    let names =
        |v: &[&UserState]| -> Vec<String> { v.iter().map(|u| ctx.user_label(&u.user)).collect() };

    // seats are free now (counting those in their grace period): the users failed when there
    // were none, which the snapshot's numbers no longer show
    let free_now = cap.is_some_and(|c| shortfall(c) == 0);
    let mut parts: Vec<String> = Vec::new();
    if pending.is_empty() {
        parts.push(format!(
            "{} could not get {product}{from} because no seats were left.",
            plural(users.len(), "user", "users")
        ));
    } else {
        parts.push(format!(
            "{} could not get {product}{from} because no seats {}: {}.",
            plural(pending.len(), "user", "users"),
            if free_now {
                "were left when Entra processed them"
            } else {
                "are left"
            },
            list(&names(&pending), 8)
        ));
    }

    let mut short = None;
    let mut short_lapse = None;
    let mut advice = String::new();
    let mut reclaimable_seats = 0;
    match cap {
        Some(c) => {
            let mut seats = format!(
                "{} has {} enabled",
                c.sku.clone().unwrap_or(sku.clone()),
                c.enabled
            );
            if c.warning > 0 {
                seats.push_str(&format!(", {} in warning (grace period)", c.warning));
            }
            if c.suspended > 0 {
                seats.push_str(&format!(", {} suspended", c.suspended));
            }
            if c.locked_out > 0 {
                seats.push_str(&format!(", {} locked out", c.locked_out));
            }
            seats.push_str(&format!(
                " and {} consumed: {} available ({} counting warning units)",
                c.consumed, c.available, c.available_with_warning
            ));
            if c.over_assigned {
                seats.push_str(&format!(
                    "; over-assigned by {} (consumed exceeds enabled)",
                    c.consumed.saturating_sub(c.enabled)
                ));
            } else if c.no_seats {
                seats.push_str("; no seats left");
            }
            seats.push('.');
            parts.push(seats);
            // a subscription that is not active: its units come back by reactivating or
            // renewing it (licensing.md §3), which comes before buying more
            if let Some(l) = crate::recommend::inactive_subscription(c, &sku) {
                parts.push(format!("{l}."));
            }

            let s = shortfall(c);
            short = Some(s);
            short_lapse = Some(
                (c.blocked_users as i128 + c.consumed as i128 - c.enabled as i128)
                    .clamp(0, u64::MAX as i128) as u64,
            );
            reclaimable_seats = c.reclaimable.len();
            let others = c.blocked_users.saturating_sub(pending.len());
            if others > 0 {
                parts.push(format!(
                    "{} blocked on {} in all (this finding has {}; the rest come from other groups).",
                    plural(c.blocked_users, "user is", "users are"),
                    c.sku.clone().unwrap_or(sku.clone()),
                    pending.len()
                ));
            }
            if s > 0 {
                advice = format!("buy {s} or free {s}");
                let cands: Vec<String> = c.reclaimable.iter().map(|r| seat_label(ctx, r)).collect();
                if cands.is_empty() {
                    parts.push(format!(
                        "Buy {s}, or free {s} seat{} held by users who no longer need {sku} (none of the holders is a disabled account or a direct-only holder).",
                        if s == 1 { "" } else { "s" }
                    ));
                } else {
                    parts.push(format!(
                        "Buy {s}, or free {s}: {} {} reclaimable: {}.",
                        plural(cands.len(), "seat", "seats"),
                        if cands.len() == 1 { "is" } else { "are" },
                        list(&cands, 10)
                    ));
                    if (cands.len() as u64) < s {
                        parts.push(format!(
                            "Freeing all of them still leaves {} short: buy at least {}.",
                            s - cands.len() as u64,
                            s - cands.len() as u64
                        ));
                    }
                }
            } else if !pending.is_empty() {
                advice = "seats are available now: reprocess".into();
                // free counting the units in their grace period (the shortfall counts them)
                let free = c.available_with_warning.max(0);
                parts.push(format!(
                    "{free} seat{} free now{}: reprocess the group (or the users) to retry.",
                    if free == 1 { " is" } else { "s are" },
                    if c.available < free {
                        " counting units in their grace period"
                    } else {
                        ""
                    }
                ));
                let lapse = short_lapse.unwrap_or(0);
                if lapse > 0 {
                    parts.push(format!(
                        "Those units lapse at the end of their grace period; then {} needed for the users holding {sku} now and those licensed next.",
                        plural(lapse as usize, "more seat is", "more seats are"),
                    ));
                }
            }
            if s > 0 {
                // an active user's direct seat a product they keep depends on: not reclaimable
                for r in &c.still_needed {
                    let deps: Vec<String> = r.needed_by.iter().map(|p| p.label()).collect();
                    parts.push(format!(
                        "Not reclaimable: {} holds {sku} directly, but {} (which they keep) depend{} on it: removing {sku} alone is refused as a DependencyViolation.",
                        r.user.label(),
                        list(&deps, 5),
                        if deps.len() == 1 { "s" } else { "" }
                    ));
                }
            }
            if waiting > 0 {
                // users behind a conflict or an address: the seats they will need once fixed
                let all = (c.blocked_users as i128 + waiting as i128
                    - c.available_with_warning as i128)
                    .clamp(0, u64::MAX as i128) as u64;
                if all > s {
                    parts.push(format!(
                        "{waiting} more {} for {sku} behind another error (conflicting service plans or a duplicate proxy address: see those findings) and will need a seat once it is fixed: buy or free {all} to cover them too.",
                        if waiting == 1 { "user waits" } else { "users wait" }
                    ));
                }
            }
            if c.over_assigned {
                // consumed beyond the enabled units: the units in their grace period cover part
                // of it (at most their number), the rest is beyond every unit
                let x = c.consumed.saturating_sub(c.enabled);
                let grace = x.min(c.warning);
                let beyond = x - grace;
                // (with seats free now, the lapse sentence above has said it, the blocked users
                // included)
                if grace > 0 && s > 0 {
                    parts.push(format!(
                        "{} covered only by units in their grace period; when those lapse, {grace} more seat{} needed.",
                        plural(grace as usize, "seat is", "seats are"),
                        if grace == 1 { " is" } else { "s are" }
                    ));
                }
                if beyond > 0 {
                    parts.push(format!(
                        "{} consumed beyond {} (expired units do not unassign users); {} counted in the {s} above.",
                        plural(beyond as usize, "seat is", "seats are"),
                        if c.warning > 0 {
                            "every unit, enabled or in its grace period"
                        } else {
                            "the enabled units"
                        },
                        if beyond == 1 { "it is" } else { "they are" }
                    ));
                }
            }

            if !c.direct_and_group.is_empty() {
                let both: Vec<String> = c.direct_and_group.iter().map(|u| u.label()).collect();
                parts.push(format!(
                    "{} {} {sku} both directly and through a group; that consumes one seat, so removing the direct copy frees nothing.",
                    list(&both, 5),
                    if both.len() == 1 { "holds" } else { "hold" }
                ));
            }
        }
        None => {
            advice = format!(
                "buy {} or free {} (seat numbers unknown)",
                pending.len(),
                pending.len()
            );
            parts.push(if ctx.snap.skus.is_empty() {
                "No subscribedSkus export was given, so seat numbers and reclaimable seats are unknown."
                    .into()
            } else {
                // the export was given and lists other products: this one is not subscribed
                format!(
                    "{sku} is not in the subscribedSkus export (subscription gone or expired?): seat numbers and reclaimable seats are unknown; check Billing > Your products in the Microsoft 365 admin center."
                )
            });
        }
    }
    // "2 users were resolved since: amy (time) and ben (time)."
    let said = |us: &[&UserState], what: &str| {
        let r: Vec<String> = us
            .iter()
            .map(|u| match &u.resolved {
                Some(res) => format!("{} ({})", ctx.user_label(&u.user), fmt_time(res.when)),
                None => ctx.user_label(&u.user),
            })
            .collect();
        format!(
            "{} {what}: {}.",
            plural(us.len(), "user was", "users were"),
            list(&r, 5)
        )
    };
    if !resolved.is_empty() {
        parts.push(said(&resolved, "resolved since"));
    }
    if !closed.is_empty() {
        parts.push(said(
            &closed,
            "closed while in error (deleted, removed from the group, or the product removed \
             from it: not resolved)",
        ));
    }
    if matches!(b.sku, SkuKey::Unknown) {
        parts.push(if b.obs.iter().all(|o| o.is_audit()) {
            "The audit text did not name the product.".into()
        } else if b.obs.iter().any(|o| o.is_audit()) {
            "Neither the audit text nor the error list named the product.".into()
        } else {
            "The error list did not name the product.".into()
        });
    }
    let details = CauseDetails::Count(CountDetails {
        capacity: cap.cloned(),
        blocked_users: pending.len(),
        shortfall: short,
        shortfall_if_warning_lapses: short_lapse,
        reclaimable_seats,
        advice,
    });
    (details, parts.join(" "))
}
