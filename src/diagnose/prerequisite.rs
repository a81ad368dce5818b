//! Add-on prerequisite missing (group level): a failed `Set group license` whose text says
//! "The service X requires Y to be enabled as well". Group-based licensing needs the prerequisite
//! and the add-on in the same group.

use super::conflict::plan_ref;
use super::context::{Ctx, GroupKey};
use super::dependency::tenant_products_with;
use super::observe::Bucket;
use super::text::fmt_time;
use crate::knowledge::dependencies::dependency_of_error;
use crate::model::finding::{CauseDetails, PlanRef, PrerequisiteDetails};
use crate::model::PlanId;

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket) -> (CauseDetails, String) {
    let audit = b.audit_errors(ctx);
    let named = audit.iter().find_map(|(_, e)| dependency_of_error(e));
    let (add_on, prereq) = match &named {
        Some(t) => (
            t.dependent.clone(),
            t.requires.first().cloned().unwrap_or_default(),
        ),
        None => (ctx.sku_label(&b.sku), String::new()),
    };
    // prerequisite plans: the one named, plus what the dependency table says the add-on's plans need
    let mut plans: Vec<PlanId> = Vec::new();
    if let Some(p) = ctx.kb.resolve_plan(&prereq) {
        plans.push(p);
    }
    let add_on_plans: Vec<PlanId> = match b.sku.id() {
        Some(s) => ctx.kb.plans_of(s).to_vec(),
        None => ctx.kb.resolve_plan(&add_on).into_iter().collect(),
    };
    for p in &add_on_plans {
        for d in ctx.kb.dependencies().requirements_of(p) {
            for r in &d.requires_any {
                if !plans.contains(r) {
                    plans.push(r.clone());
                }
            }
        }
    }
    let mut prereq_refs: Vec<PlanRef> = plans.iter().map(|p| plan_ref(ctx, p)).collect();
    if prereq_refs.is_empty() && !prereq.is_empty() {
        prereq_refs.push(PlanRef {
            name: Some(prereq.clone()),
            id: None,
            display_name: None,
        });
    }
    let base = tenant_products_with(ctx, &plans);
    let base: Vec<_> = base
        .into_iter()
        .filter(|p| p.sku_id.as_ref() != b.sku.id())
        .collect();

    let group = ctx
        .group_key_label(&b.group)
        .unwrap_or_else(|| "the group".into());
    let first = audit
        .iter()
        .filter_map(|(o, _)| match o.origin {
            super::observe::Origin::Audit { event, .. } => ctx.events.get(event).copied(),
            _ => None,
        })
        .min_by_key(|e| e.time);
    // the guide's prerequisites (any of the table's plans) where the message names one of them
    let requires = crate::model::finding::requires_text(&prereq, &prereq_refs);
    let requires = if !prereq.is_empty() && requires != prereq {
        format!("{requires} (the message names {prereq})")
    } else if requires.is_empty() {
        "its prerequisite".to_string()
    } else {
        requires
    };
    let mut parts = vec![match first {
        Some(e) => format!(
            "Assigning {} to {group} failed ({} by {} at {}): the add-on {add_on} requires {} in the same group.",
            ctx.sku_label(&b.sku),
            e.activity.name(),
            e.actor.label(),
            fmt_time(e.time),
            requires
        ),
        None => format!("{group}: the add-on {add_on} requires {requires} in the same group."),
    }];
    if let GroupKey::Group(g) = &b.group {
        if let Some(n) = ctx.member_count(g) {
            parts.push(format!(
                "The group has {n} member(s), none of whom get the add-on."
            ));
        }
    }
    let base_names: Vec<String> = base.iter().map(|p| p.label()).collect();
    let plan_names: Vec<String> = prereq_refs.iter().map(|p| p.label()).collect();
    // the dedicated-group example: the first prerequisite plan and a product that contains it
    let example = plans.iter().find_map(|pl| {
        base.iter()
            .find(|b| {
                b.sku_id
                    .as_ref()
                    .is_some_and(|s| ctx.kb.plans_of(s).contains(pl))
            })
            .map(|b| (b.label(), plan_ref(ctx, pl).label()))
    });
    if base_names.is_empty() {
        parts.push(format!(
            "Add a product containing {} to {group}, or use a dedicated group with that base product limited to the prerequisite plan plus the add-on.",
            if plan_names.is_empty() { "the prerequisite".to_string() } else { plan_names.join(" or ") }
        ));
    } else {
        let (eb, ep) = example.unwrap_or_else(|| {
            (
                base_names.first().cloned().unwrap_or_default(),
                plan_names.first().cloned().unwrap_or_default(),
            )
        });
        parts.push(format!(
            "Add {} to {group} (the group must contain {}), or create a dedicated group with {eb} limited to {ep} plus {}; one such group per base product if users have different ones.",
            base_names.join(" or "),
            plan_names.join(" or "),
            ctx.sku_label(&b.sku)
        ));
    }
    let add_on_product = b.sku.id().map(|s| ctx.product_ref(s));
    (
        CauseDetails::Prerequisite(PrerequisiteDetails {
            add_on,
            prerequisite: prereq,
            add_on_product,
            prerequisite_plans: prereq_refs,
            base_products: base,
        }),
        parts.join(" "),
    )
}
