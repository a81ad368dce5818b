//! Seats per product (licensing.md §3): enabled / warning / suspended / locked-out / consumed from
//! `subscribedSkus`, both free-seat readings, over-assignment, and the seats that could be given back:
//! disabled accounts still holding the product, and direct-only holders (outside any licensing
//! group). A user holding a product both directly and through a group consumes one seat, so
//! removing the direct copy frees nothing; those users are listed separately.

use super::context::{Ctx, UKey};
use crate::model::finding::{
    AssignmentSource, ProductRef, ReclaimReason, ReclaimableSeat, SkuCapacity,
};
use crate::model::snapshot::User;
use crate::model::{ObjectId, PlanId, SkuId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// How one user holds one product.
#[derive(Clone, Debug, Default)]
struct Holding {
    direct: bool,
    /// Sorted, each once (nearly always one).
    groups: Vec<ObjectId>,
    /// Held per `assignedLicenses` but no `licenseAssignmentStates` say how.
    unknown: bool,
}

impl Holding {
    /// How `u` holds `sku`, from its license states and licenses. Worked out per product while
    /// the product's seats are listed, not kept for every user and product (a map of every
    /// holding was 19 MB of a 100k-user tenant's peak).
    fn of(u: &User, sku: &SkuId) -> Holding {
        let mut h = Holding::default();
        let mut stated = false;
        for st in u.license_states.iter().filter(|st| st.sku_id == *sku) {
            stated = true;
            if !Ctx::holds(st) {
                continue;
            }
            match &st.assigned_by_group {
                None => h.direct = true,
                Some(g) => {
                    if let Err(at) = h.groups.binary_search(g) {
                        h.groups.insert(at, g.clone());
                    }
                }
            }
        }
        h.unknown = !stated && u.assigned_licenses.iter().any(|al| al.sku_id == *sku);
        h
    }
}

/// Computes the capacity of every subscribed product. `blocked` = users with a pending
/// CountViolation per product.
pub(crate) fn all(
    ctx: &Ctx<'_>,
    blocked: &BTreeMap<SkuId, BTreeSet<UKey>>,
) -> Vec<Arc<SkuCapacity>> {
    // one pass over users: product -> the users holding it (held by a state, or listed in
    // `assignedLicenses` with no state), by index, in user order, each once
    let mut holders: BTreeMap<&SkuId, Vec<usize>> = BTreeMap::new();
    for (ui, u) in ctx.snap.users.iter().enumerate() {
        let held = u
            .license_states
            .iter()
            .filter(|st| Ctx::holds(st))
            .map(|st| &st.sku_id);
        let unstated = u
            .assigned_licenses
            .iter()
            .map(|al| &al.sku_id)
            .filter(|sku| !u.license_states.iter().any(|s| s.sku_id == **sku));
        for sku in held.chain(unstated) {
            let list = holders.entry(sku).or_default();
            if list.last() != Some(&ui) {
                list.push(ui);
            }
        }
    }

    let mut out: Vec<SkuCapacity> = ctx
        .snap
        .skus
        .iter()
        .map(|s| {
            let mut reclaimable = Vec::new();
            let mut still_needed = Vec::new();
            let mut both = Vec::new();
            if let Some(hs) = holders.get(&s.sku_id) {
                for ui in hs {
                    let Some(u) = ctx.user_by_index(*ui) else {
                        continue;
                    };
                    let h = Holding::of(u, &s.sku_id);
                    // what the user is to this product first: a user's reference and sources are
                    // built only for the few listed (every holder's were built and dropped: 170k
                    // in a 100k-user tenant, for 13k listed)
                    let reason = if u.account_enabled == Some(false) {
                        Some(ReclaimReason::DisabledAccount)
                    } else if h.direct && h.groups.is_empty() && !h.unknown {
                        Some(ReclaimReason::DirectOnly)
                    } else {
                        None
                    };
                    let uref = || ctx.user_ref(&UKey::Id(u.id.clone()));
                    match reason {
                        Some(reason) => {
                            let needed_by: Vec<ProductRef> = needed_by(ctx, u, &s.sku_id)
                                .iter()
                                .map(|d| ctx.product_ref(d))
                                .collect();
                            let seat = ReclaimableSeat {
                                user: uref(),
                                reason,
                                held_via: held_via(ctx, &h, &s.sku_id),
                                needed_by,
                            };
                            // an active user keeps the products that need it: the seat stays
                            // theirs (licensing.md §7.2); a disabled account gives both back
                            if reason == ReclaimReason::DirectOnly && !seat.needed_by.is_empty() {
                                still_needed.push(seat);
                            } else {
                                reclaimable.push(seat);
                            }
                        }
                        None if h.direct && !h.groups.is_empty() => both.push(uref()),
                        None => {}
                    }
                }
            }
            reclaimable.sort();
            still_needed.sort();
            both.sort();
            let enabled = s.enabled as i128;
            let consumed = s.consumed as i128;
            let warning = s.warning as i128;
            let clamp = |v: i128| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
            SkuCapacity {
                sku: ctx.sku_part(&super::context::SkuKey::Id(s.sku_id.clone())),
                sku_id: s.sku_id.clone(),
                display_name: ctx.kb.sku_display_name(&s.sku_id).map(str::to_string),
                capability_status: s.capability_status.clone(),
                enabled: s.enabled,
                warning: s.warning,
                suspended: s.suspended,
                locked_out: s.locked_out,
                consumed: s.consumed,
                available: clamp(enabled - consumed),
                available_with_warning: clamp(enabled + warning - consumed),
                blocked_users: blocked.get(&s.sku_id).map(|b| b.len()).unwrap_or(0),
                reclaimable,
                direct_and_group: both,
                still_needed,
                over_assigned: consumed > enabled,
                no_seats: consumed >= enabled + warning,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.sku
            .as_deref()
            .unwrap_or("")
            .cmp(b.sku.as_deref().unwrap_or(""))
            .then_with(|| a.sku_id.cmp(&b.sku_id))
    });
    out.dedup_by(|a, b| a.sku_id == b.sku_id);
    // shared with the count finding of the product (its reclaimable seats were copied there)
    out.into_iter().map(Arc::new).collect()
}

/// The other products `u` holds with a service plan that depends (licensing.md §7.2) on a plan
/// that, among the user's applied assignments, only `sku` gives them enabled: removing `sku` alone
/// would be refused as a DependencyViolation. Sorted, each once.
pub(crate) fn needed_by(ctx: &Ctx<'_>, u: &User, sku: &SkuId) -> Vec<SkuId> {
    let held: Vec<(&SkuId, Vec<PlanId>)> = u
        .license_states
        .iter()
        .filter(|st| Ctx::holds(st))
        .map(|st| {
            (
                &st.sku_id,
                super::conflict::enabled_plans(ctx, &st.sku_id, &st.disabled_plans),
            )
        })
        .collect();
    let from_sku: BTreeSet<&PlanId> = held
        .iter()
        .filter(|(s, _)| *s == sku)
        .flat_map(|(_, p)| p.iter())
        .collect();
    if from_sku.is_empty() {
        return Vec::new();
    }
    let elsewhere: BTreeSet<&PlanId> = held
        .iter()
        .filter(|(s, _)| *s != sku)
        .flat_map(|(_, p)| p.iter())
        .collect();
    let mut out: Vec<SkuId> = Vec::new();
    for (other, plans) in held.iter().filter(|(s, _)| *s != sku) {
        let needs = plans.iter().any(|p| {
            ctx.kb.dependencies().requirements_of(p).any(|d| {
                d.requires_any.iter().any(|r| from_sku.contains(r))
                    && !d.requires_any.iter().any(|r| elsewhere.contains(r))
            })
        });
        if needs && !out.contains(*other) {
            out.push((*other).clone());
        }
    }
    out.sort();
    out
}

/// How a user holds a product ([`Holding`]) as a reclaimable seat lists it: direct, then each
/// group, then unknown.
fn held_via(ctx: &Ctx<'_>, h: &Holding, sku: &SkuId) -> Vec<AssignmentSource> {
    let p = ctx.product_ref(sku);
    let mut via: Vec<AssignmentSource> = Vec::new();
    if h.direct {
        via.push(AssignmentSource::Direct {
            sku: p.sku.clone(),
            sku_id: p.sku_id.clone(),
        });
    }
    for g in &h.groups {
        via.push(AssignmentSource::Group {
            group_id: Some(g.clone()),
            group: ctx.group_name(g),
            sku: p.sku.clone(),
            sku_id: p.sku_id.clone(),
        });
    }
    if h.unknown {
        via.push(AssignmentSource::Unknown {
            sku: p.sku.clone(),
            sku_id: p.sku_id.clone(),
        });
    }
    via
}

/// `max(0, blocked - (enabled + warning - consumed))`: the units to buy so that every blocked user
/// gets a seat, counting the units in their grace period as assignable (as Entra does while they
/// last). An over-assignment beyond every unit (consumed above enabled + warning) needs its seats
/// back first, so it adds to the blocked users rather than being ignored.
pub(crate) fn shortfall(c: &SkuCapacity) -> u64 {
    (c.blocked_users as i128 - c.available_with_warning as i128).clamp(0, u64::MAX as i128) as u64
}
