//! DependencyViolation ("other products depend on this license" / "missing dependent service
//! plans"): which plan depends on which, in which direction (a source of the required plan being
//! removed, or a product being assigned without what its plan needs), and where the required plan
//! could come from instead: the user's other assignments (plan disabled there), licensing groups
//! that assign a product containing it, and the tenant's products with free seats.

use super::conflict::{
    enabled_plans, failing_disabled, is_failing, other_assignments, plan_ref, plan_ref_text,
};
use super::context::{Ctx, GroupKey, SkuKey, UKey};
use super::observe::Bucket;
use super::status::UserState;
use super::text::{fmt_time, list, list_or, plural};
use crate::knowledge::conflicts::conflicting_pairs;
use crate::knowledge::dependencies::dependency_of_error;
use crate::model::finding::{CauseDetails, DependencyItem, PlanRef, ProductRef, SupplyOption};
use crate::model::{Activity, Cause, PlanId, SkuId, TargetKind};
use std::collections::BTreeSet;

/// Where any of `required` could come from for this user, excluding the failing assignment.
pub(crate) fn supply_options(
    ctx: &Ctx<'_>,
    user: Option<&UKey>,
    required: &[PlanId],
    exclude_group: Option<&crate::model::ObjectId>,
    exclude_sku: Option<&SkuId>,
) -> Vec<SupplyOption> {
    let mut out: Vec<SupplyOption> = Vec::new();
    let avail = |s: &SkuId| -> Option<i64> {
        ctx.snap
            .skus
            .iter()
            .find(|t| &t.sku_id == s)
            .map(|t| (t.enabled as i64).saturating_sub(t.consumed as i64))
    };
    // the user's own assignments where the plan is disabled
    if let Some(u) = user.and_then(|k| ctx.user(k)) {
        for st in &u.license_states {
            if !Ctx::holds(st) {
                continue;
            }
            let has = ctx.kb.plans_of(&st.sku_id);
            if required
                .iter()
                .any(|r| has.contains(r) && st.disabled_plans.contains(r))
            {
                let (group_id, group) = match &st.assigned_by_group {
                    Some(g) => (Some(g.clone()), ctx.group_name(g)),
                    None => (None, None),
                };
                out.push(SupplyOption {
                    product: ctx.product_ref(&st.sku_id),
                    how: "user_assignment_disabled_plan".into(),
                    group_id,
                    group,
                    available: None,
                });
            }
        }
    }
    // the products the user holds, and their enabled plans: a source whose plans conflict
    // with them would fail with MutuallyExclusiveViolation, so it is no way to keep the plan
    let holding: Vec<(&SkuId, Vec<PlanId>)> = user
        .and_then(|k| ctx.user(k))
        .map(|u| {
            u.license_states
                .iter()
                .filter(|st| Ctx::holds(st))
                .map(|st| {
                    (
                        &st.sku_id,
                        enabled_plans(ctx, &st.sku_id, &st.disabled_plans),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let clashes = |sku: &SkuId, plans: &[PlanId]| {
        !holding.iter().any(|(s, _)| *s == sku)
            && holding
                .iter()
                .any(|(_, en)| !conflicting_pairs(plans, en, ctx.version).is_empty())
    };
    // licensing groups assigning a product with the plan enabled
    for g in &ctx.snap.groups {
        if exclude_group == Some(&g.id) {
            continue;
        }
        for l in &g.assigned_licenses {
            let en = enabled_plans(ctx, &l.sku_id, &l.disabled_plans);
            if required.iter().any(|r| en.contains(r)) && !clashes(&l.sku_id, &en) {
                out.push(SupplyOption {
                    product: ctx.product_ref(&l.sku_id),
                    how: "group".into(),
                    group_id: Some(g.id.clone()),
                    group: g.display_name.clone(),
                    // a product the user holds costs no new seat
                    available: if holding.iter().any(|(s, _)| *s == &l.sku_id) {
                        None
                    } else {
                        avail(&l.sku_id)
                    },
                });
            }
        }
    }
    // the tenant's products containing it (a product the user already holds costs no extra seat)
    let held: Vec<&SkuId> = user
        .and_then(|k| ctx.user(k))
        .map(|u| {
            u.license_states
                .iter()
                .filter(|st| Ctx::holds(st))
                .map(|st| &st.sku_id)
                .collect()
        })
        .unwrap_or_default();
    for s in &ctx.snap.skus {
        if exclude_sku == Some(&s.sku_id) && exclude_group.is_none() {
            continue;
        }
        let plans = ctx.kb.plans_of(&s.sku_id);
        if required.iter().any(|r| plans.contains(r)) && !clashes(&s.sku_id, plans) {
            let already = held.contains(&&s.sku_id);
            out.push(SupplyOption {
                product: ctx.product_ref(&s.sku_id),
                how: if already {
                    "direct_same_product".into()
                } else {
                    "tenant_product".into()
                },
                group_id: None,
                group: None,
                available: if already {
                    None
                } else {
                    Some((s.enabled as i64).saturating_sub(s.consumed as i64))
                },
            });
        }
    }
    out.sort();
    out.dedup();
    out.truncate(12);
    out
}

fn option_text(o: &SupplyOption) -> String {
    let p = o.product.label();
    match o.how.as_str() {
        "user_assignment_disabled_plan" => match &o.group {
            Some(g) => format!("enable it in {p} from group {g}"),
            None => format!("enable it in the direct {p}"),
        },
        "group" => format!(
            "add the user to {} ({p}{})",
            o.group
                .clone()
                .unwrap_or_else(|| "a licensing group".into()),
            match o.available {
                Some(a) if a <= 0 => "; no free seats".to_string(),
                Some(a) => format!("; {a} free"),
                None => String::new(),
            }
        ),
        "direct_same_product" => {
            format!("assign {p} directly (the user already consumes a seat of it)")
        }
        _ => match o.available {
            Some(a) if a > 0 => format!("assign {p} ({a} free)"),
            Some(_) => format!("assign {p} (no free seats)"),
            None => format!("assign {p}"),
        },
    }
}

fn label(p: &PlanRef) -> String {
    match &p.display_name {
        Some(d) => format!("{} ({d})", p.label()),
        None => p.label(),
    }
}

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let deps = ctx.kb.dependencies();
    let audit = b.audit_errors_by_user(ctx);
    let mut items: Vec<DependencyItem> = Vec::new();
    let mut unexplained: Vec<String> = Vec::new();
    // users whose only dependencies licdiag knows are met by another of their licenses: the
    // error is likely stale (licensing.md §6 #3: reprocess), or a dependency not in the table
    let mut met_elsewhere: Vec<String> = Vec::new();
    let mut removals: Vec<String> = Vec::new();

    for us in users {
        let uref = ctx.user_ref(&us.user);
        let mut mine: Vec<DependencyItem> = Vec::new();
        let failing: Vec<PlanId> = match &b.sku {
            SkuKey::Id(s) => enabled_plans(ctx, s, &failing_disabled(ctx, b, &us.user)),
            _ => Vec::new(),
        };
        let others = other_assignments(ctx, &us.user, |st| {
            is_failing(st, &b.sku, &b.group) || (st.error.is_some() && !st.state.is_active())
        });
        let supplied_elsewhere = |plans: &[PlanId]| {
            others
                .iter()
                .any(|(_, _, en)| plans.iter().any(|p| en.contains(p)))
        };
        // known dependencies of the failing product met by another of the user's licenses:
        // "MCOMEETADV needs MCOSTANDARD, which the direct assignment of MCOSTANDARD supplies"
        let mut met: Vec<String> = Vec::new();
        let mut note_met = |dependent: &PlanId, requires: &[PlanId]| {
            if let Some((src, _, _)) = others
                .iter()
                .find(|(_, _, en)| requires.iter().any(|r| en.contains(r)))
            {
                let req: Vec<String> = requires.iter().map(|r| label(&plan_ref(ctx, r))).collect();
                let s = format!(
                    "{} needs {}, which {} supplies",
                    label(&plan_ref(ctx, dependent)),
                    req.join(" or "),
                    src.describe()
                );
                if !met.contains(&s) {
                    met.push(s);
                }
            }
        };
        let group_id = b.group.id();
        // removal context: removed from the group (audit) / no longer a member (snapshot)
        let mut leaving = false;
        if let GroupKey::Group(g) = &b.group {
            let removed = ctx
                .user_events(&us.user)
                .iter()
                .rev()
                .filter_map(|&i| ctx.events.get(i).copied())
                .find(|e| {
                    e.activity == Activity::RemoveMemberFromGroup
                        && e.target(TargetKind::Group).and_then(|t| t.id.as_ref()) == Some(g)
                });
            if let Some(e) = removed {
                leaving = true;
                removals.push(format!(
                    "{} was removed from {} at {} by {}",
                    uref.label(),
                    ctx.group_label(g),
                    fmt_time(e.time),
                    e.actor.label()
                ));
            } else if let UKey::Id(uid) = &us.user {
                if ctx.knows_members_of(g) && !ctx.is_member(g, uid) {
                    leaving = true;
                    removals.push(format!(
                        "{} is no longer a member of {}",
                        uref.label(),
                        ctx.group_label(g)
                    ));
                }
            }
        }
        // removal: a plan of another assignment needs a plan only the failing one supplies
        for (_, _, en) in &others {
            for p in en {
                for d in deps.requirements_of(p) {
                    if d.requires_any.iter().any(|r| failing.contains(r))
                        && supplied_elsewhere(&d.requires_any)
                    {
                        note_met(p, &d.requires_any);
                    } else if d.requires_any.iter().any(|r| failing.contains(r)) {
                        mine.push(DependencyItem {
                            user: uref.clone(),
                            dependent_plan: plan_ref(ctx, p),
                            requires: d.requires_any.iter().map(|r| plan_ref(ctx, r)).collect(),
                            would_come_from: supply_options(
                                ctx,
                                Some(&us.user),
                                &d.requires_any,
                                group_id,
                                b.sku.id(),
                            ),
                            confidence: d.confidence.as_str().into(),
                            direction: "removal".into(),
                        });
                    }
                }
            }
        }
        // assignment: a plan of the failing product needs a plan the user has nowhere
        for p in &failing {
            for d in deps.requirements_of(p) {
                if d.requires_any.iter().any(|r| failing.contains(r)) {
                    continue;
                }
                if supplied_elsewhere(&d.requires_any) {
                    note_met(p, &d.requires_any);
                } else {
                    mine.push(DependencyItem {
                        user: uref.clone(),
                        dependent_plan: plan_ref(ctx, p),
                        requires: d.requires_any.iter().map(|r| plan_ref(ctx, r)).collect(),
                        would_come_from: supply_options(
                            ctx,
                            Some(&us.user),
                            &d.requires_any,
                            None,
                            None,
                        ),
                        confidence: d.confidence.as_str().into(),
                        direction: "assignment".into(),
                    });
                }
            }
        }
        // what the audit text says
        for e in audit.get(&us.user).map(|v| v.as_slice()).unwrap_or(&[]) {
            if e.cause != Cause::DependencyViolation {
                continue;
            }
            let Some(t) = dependency_of_error(e) else {
                continue;
            };
            let dep_id = ctx.kb.resolve_plan(&t.dependent);
            let req_ids: Vec<PlanId> = t
                .requires
                .iter()
                .filter_map(|r| ctx.kb.resolve_plan(r))
                .collect();
            if mine
                .iter()
                .any(|m| m.dependent_plan.id.is_some() && m.dependent_plan.id == dep_id)
            {
                continue;
            }
            let direction =
                if req_ids.iter().any(|r| failing.contains(r)) || (failing.is_empty() && leaving) {
                    "removal"
                } else if failing.is_empty() {
                    "unknown"
                } else {
                    "assignment"
                };
            mine.push(DependencyItem {
                user: uref.clone(),
                dependent_plan: match &dep_id {
                    Some(id) => plan_ref(ctx, id),
                    None => plan_ref_text(ctx, &t.dependent),
                },
                requires: t.requires.iter().map(|r| plan_ref_text(ctx, r)).collect(),
                would_come_from: supply_options(
                    ctx,
                    Some(&us.user),
                    &req_ids,
                    if direction == "removal" {
                        group_id
                    } else {
                        None
                    },
                    if direction == "removal" {
                        b.sku.id()
                    } else {
                        None
                    },
                ),
                confidence: match (&dep_id, req_ids.first()) {
                    (Some(d), Some(r)) => deps
                        .confidence(d, r)
                        .map(|c| c.as_str())
                        .unwrap_or("observed")
                        .into(),
                    _ => "observed".into(),
                },
                direction: direction.into(),
            });
        }
        if mine.is_empty() {
            if met.is_empty() {
                unexplained.push(uref.label());
            } else {
                met_elsewhere.push(format!("{} ({})", uref.label(), list(&met, 3)));
            }
        }
        items.extend(mine);
    }
    items.sort();
    items.dedup();

    let sku = ctx.bucket_sku_label(&b.sku, &b.group);
    let product = if matches!(b.sku, SkuKey::Id(_) | SkuKey::Name(_)) {
        sku.clone()
    } else {
        "license".to_string()
    };
    let supplier = if matches!(b.sku, SkuKey::Id(_) | SkuKey::Name(_)) {
        sku.clone()
    } else {
        "the license being removed".to_string()
    };
    let from = ctx
        .group_key_label(&b.group)
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    let mut parts = vec![format!(
        "{} {product}{from} cannot be changed because a service plan depends on another.",
        plural(users.len(), "user's", "users'")
    )];
    // the group deleted (its licenses removed first): the guide's "When a licensed group is
    // deleted", where a dependent license keeps the product as a direct assignment or in error
    if let GroupKey::Group(g) = &b.group {
        let deleted = ctx
            .group_events(g)
            .iter()
            .filter_map(|&i| ctx.events.get(i).copied())
            .find(|e| {
                e.activity == Activity::DeleteGroup && e.result == crate::model::Outcome::Success
            });
        if let Some(e) = deleted {
            parts.push(format!(
                "{} was deleted at {} by {}: when a licensed group is deleted, a license another one depends on is converted to a direct assignment (older docs) or stays in an error state until the dependency is resolved (2025 docs); see `licdiag explain licensed-group-deleted`.",
                ctx.group_label(g),
                fmt_time(e.time),
                e.actor.label()
            ));
        }
    }
    if !removals.is_empty() {
        parts.push(format!("{}.", list(&removals, 4)));
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for it in &items {
        let req: Vec<String> = it.requires.iter().map(label).collect();
        let opts: Vec<String> = it.would_come_from.iter().map(option_text).collect();
        let tail = if opts.is_empty() {
            String::new()
        } else {
            format!(
                "; keep it through another source ({}) or remove the dependent plan",
                list_or(&opts, 4)
            )
        };
        let s = match it.direction.as_str() {
            "removal" => {
                // "only" of the user's licenses: the products that have the plan are named
                // (the tenant's, else the catalog's), not implied to be this one alone
                let ids: Vec<PlanId> = it.requires.iter().filter_map(|r| r.id.clone()).collect();
                let mut having: Vec<String> = tenant_products_with(ctx, &ids)
                    .iter()
                    .map(|p| p.label())
                    .collect();
                let whose = if having.is_empty() {
                    let mut skus: Vec<SkuId> =
                        ids.iter().flat_map(|p| ctx.kb.skus_with_plan(p)).collect();
                    skus.sort();
                    skus.dedup();
                    having = skus.iter().map(|s| ctx.kb.sku_label(s)).collect();
                    "products with it in licdiag's catalog"
                } else {
                    "the tenant's products with it"
                };
                having.sort();
                having.dedup();
                let also = if having.len() > 1 {
                    format!(" ({whose}: {})", list(&having, 6))
                } else {
                    String::new()
                };
                format!(
                    "{}: {} needs {}, which of the user's licenses only {supplier} gives them{also}{tail}",
                    it.user.label(),
                    label(&it.dependent_plan),
                    req.join(" or ")
                )
            }
            "assignment" => format!(
                "{}: {} in {sku} needs {}, which the user has nowhere{}",
                it.user.label(),
                label(&it.dependent_plan),
                req.join(" or "),
                if opts.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", list_or(&opts, 4))
                }
            ),
            _ => format!(
                "{}: {} depends on {}{tail}",
                it.user.label(),
                label(&it.dependent_plan),
                req.join(" or ")
            ),
        };
        if seen.insert(s.clone()) {
            parts.push(format!("{s}."));
        }
    }
    if !met_elsewhere.is_empty() {
        parts.push(format!(
            "For {} every dependency licdiag knows is met by another of the user's licenses: the error is likely stale, and reprocessing the user clears it; if it comes back, the dependency is one licdiag's table does not hold (Microsoft publishes no complete list).",
            list(&met_elsewhere, 5)
        ));
    }
    if !unexplained.is_empty() {
        parts.push(format!(
            "For {} the dependency is not in licdiag's table (Microsoft publishes no complete list) and no audit text names it.",
            list(&unexplained, 5)
        ));
    }
    parts.push("After fixing, reprocess the user(s).".into());
    (
        CauseDetails::Dependency {
            dependencies: items,
        },
        parts.join(" "),
    )
}

/// Products the tenant owns that contain any of the plans.
pub(crate) fn tenant_products_with(ctx: &Ctx<'_>, plans: &[PlanId]) -> Vec<ProductRef> {
    let mut v: Vec<ProductRef> = ctx
        .snap
        .skus
        .iter()
        .filter(|s| ctx.kb.plans_of(&s.sku_id).iter().any(|p| plans.contains(p)))
        .map(|s| ctx.product_ref(&s.sku_id))
        .collect();
    v.sort();
    v.dedup();
    v
}
