//! MutuallyExclusiveViolation (conflicting service plans): the exact plan pair(s), computed from the
//! catalog (plans of the failing product minus its disabled plans, against the enabled plans of the
//! user's other assignments) and the versioned conflict table, or read from the audit text; and
//! which other assignment holds the conflicting plan (direct, or group + product).

use super::context::{Ctx, GroupKey, SkuKey, UKey};
use super::observe::Bucket;
use super::status::UserState;
use super::text::{list, plural};
use crate::knowledge::conflicts::{conflicting_pairs, ConflictTableVersion};
use crate::knowledge::dependencies::split_plan_list;
use crate::model::finding::{
    AssignmentSource, CauseDetails, ConflictingPlan, LegacyPair, PlanRef, UserRef,
};
use crate::model::snapshot::LicenseAssignmentState;
use crate::model::{Cause, PlanId, SkuId};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub(crate) fn plan_ref(ctx: &Ctx<'_>, id: &PlanId) -> PlanRef {
    PlanRef {
        name: ctx.kb.plan_name(id).map(str::to_string),
        id: Some(id.clone()),
        display_name: ctx.kb.plan_display_name(id).map(str::to_string),
    }
}

/// A plan as a text names it: resolved when the catalog knows it, else the name only.
pub(crate) fn plan_ref_text(ctx: &Ctx<'_>, text: &str) -> PlanRef {
    match ctx.kb.resolve_plan(text) {
        Some(id) => plan_ref(ctx, &id),
        None => PlanRef {
            name: Some(text.trim().to_string()),
            id: None,
            display_name: None,
        },
    }
}

/// Enabled plans of an assignment: the product's plans minus its disabled plans.
pub(crate) fn enabled_plans(ctx: &Ctx<'_>, sku: &SkuId, disabled: &[PlanId]) -> Vec<PlanId> {
    ctx.kb
        .plans_of(sku)
        .iter()
        .filter(|p| !disabled.contains(p))
        .cloned()
        .collect()
}

/// The user's other assignments that are applied: (source, enabled plans).
pub(crate) fn other_assignments(
    ctx: &Ctx<'_>,
    user: &UKey,
    exclude: impl Fn(&LicenseAssignmentState) -> bool,
) -> Vec<(AssignmentSource, SkuId, Vec<PlanId>)> {
    let Some(u) = ctx.user(user) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for st in &u.license_states {
        if exclude(st) || !Ctx::holds(st) {
            continue;
        }
        out.push((
            ctx.source_of(st),
            st.sku_id.clone(),
            enabled_plans(ctx, &st.sku_id, &st.disabled_plans),
        ));
    }
    if u.license_states.is_empty() {
        for al in u.assigned_licenses.iter() {
            let p = ctx.product_ref(&al.sku_id);
            out.push((
                AssignmentSource::Unknown {
                    sku: p.sku,
                    sku_id: p.sku_id,
                },
                al.sku_id.clone(),
                enabled_plans(ctx, &al.sku_id, &al.disabled_plans),
            ));
        }
    }
    out
}

/// Whether a state is the failing assignment of the bucket.
pub(crate) fn is_failing(st: &LicenseAssignmentState, sku: &SkuKey, group: &GroupKey) -> bool {
    let sku_ok = match sku {
        SkuKey::Id(id) => &st.sku_id == id,
        _ => false,
    };
    let group_ok = match group {
        GroupKey::Group(g) => st.assigned_by_group.as_ref() == Some(g),
        GroupKey::Direct => st.assigned_by_group.is_none(),
        _ => st.error.is_some(),
    };
    sku_ok && group_ok
}

/// Disabled plans of the failing assignment: the user's entry, else the group's license.
pub(crate) fn failing_disabled(ctx: &Ctx<'_>, b: &Bucket, user: &UKey) -> Vec<PlanId> {
    if let Some(st) = ctx.user(user).and_then(|u| {
        u.license_states
            .iter()
            .find(|st| is_failing(st, &b.sku, &b.group))
    }) {
        return st.disabled_plans.to_vec();
    }
    if let (GroupKey::Group(g), SkuKey::Id(s)) = (&b.group, &b.sku) {
        if let Some(l) = ctx
            .group(g)
            .and_then(|gr| gr.assigned_licenses.iter().find(|l| &l.sku_id == s))
        {
            return l.disabled_plans.to_vec();
        }
    }
    Vec::new()
}

/// The two plans an audit / portal text names as mutually exclusive.
pub(crate) fn named_pair(text: &str) -> Option<(String, String)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:service plans\s+(.+?)\s+are mutually exclusive|conflicting service plans:\s*(.+?)\s*$|conflicting services:\s*(.+?)\s*$)",
        )
        .expect("static regex is valid")
    });
    let c = re.captures(text)?;
    let body = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3))?.as_str();
    let names = split_plan_list(body);
    match names.as_slice() {
        [a, b, ..] => Some((a.clone(), b.clone())),
        _ => None,
    }
}

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let mut items: Vec<ConflictingPlan> = Vec::new();
    let mut legacy_only: Vec<UserRef> = Vec::new();
    let mut legacy_pairs: Vec<LegacyPair> = Vec::new();
    let mut unexplained: Vec<String> = Vec::new();
    let audit = b.audit_errors_by_user(ctx);

    for us in users {
        let uref: UserRef = ctx.user_ref(&us.user);
        let mut mine: Vec<ConflictingPlan> = Vec::new();
        let others = other_assignments(ctx, &us.user, |st| {
            is_failing(st, &b.sku, &b.group) || st.error.is_some()
        });
        let failing: Vec<PlanId> = match &b.sku {
            SkuKey::Id(s) => enabled_plans(ctx, s, &failing_disabled(ctx, b, &us.user)),
            _ => Vec::new(),
        };
        for (src, _sku, plans) in &others {
            for (a, o) in conflicting_pairs(&failing, plans, ctx.version) {
                mine.push(ConflictingPlan {
                    user: uref.clone(),
                    plan: plan_ref(ctx, &a),
                    other_plan: plan_ref(ctx, &o),
                    other_source: src.clone(),
                    determined_from: "catalog".into(),
                });
            }
        }
        // the audit text's pair
        for e in audit.get(&us.user).map(|v| v.as_slice()).unwrap_or(&[]) {
            if e.cause != Cause::MutuallyExclusiveViolation {
                continue;
            }
            let pair = match e.plans.as_slice() {
                [a, b2, ..] => Some((a.clone(), b2.clone())),
                _ => named_pair(&e.text),
            };
            let Some((x, y)) = pair else { continue };
            let (px, py) = (ctx.kb.resolve_plan(&x), ctx.kb.resolve_plan(&y));
            // orient: `plan` is the one in the failing product
            let (plan_t, other_t, plan_id, other_id) = match (&px, &py) {
                (Some(a), _) if failing.contains(a) => {
                    (x.clone(), y.clone(), px.clone(), py.clone())
                }
                (_, Some(b2)) if failing.contains(b2) => {
                    (y.clone(), x.clone(), py.clone(), px.clone())
                }
                _ => (x.clone(), y.clone(), px.clone(), py.clone()),
            };
            let already = mine.iter_mut().find(|m| {
                m.plan.id.is_some()
                    && m.plan.id == plan_id
                    && m.other_plan.id.is_some()
                    && m.other_plan.id == other_id
            });
            if let Some(m) = already {
                m.determined_from = "catalog and audit".into();
                continue;
            }
            let holder = other_id.as_ref().and_then(|oid| {
                others
                    .iter()
                    .find(|(_, _, plans)| plans.contains(oid))
                    .map(|(s, _, _)| s.clone())
            });
            mine.push(ConflictingPlan {
                user: uref.clone(),
                plan: match &plan_id {
                    Some(id) => plan_ref(ctx, id),
                    None => plan_ref_text(ctx, &plan_t),
                },
                other_plan: match &other_id {
                    Some(id) => plan_ref(ctx, id),
                    None => plan_ref_text(ctx, &other_t),
                },
                other_source: holder.unwrap_or(AssignmentSource::Unknown {
                    sku: None,
                    sku_id: None,
                }),
                determined_from: "audit".into(),
            });
        }
        let legacy = |a: &PlanId, o: &PlanId, from: &str| LegacyPair {
            user: uref.clone(),
            plan: plan_ref(ctx, a),
            other_plan: plan_ref(ctx, o),
            duplication_documented: crate::knowledge::conflicts::duplication_documented(a, o),
            determined_from: from.into(),
        };
        if ctx.version == ConflictTableVersion::Current {
            // a pair an audit text named that the current table no longer has: the service
            // still reported it, so the pair stays, but reprocessing comes first (guide, 2025 tip)
            for m in mine.iter().filter(|m| m.determined_from.contains("audit")) {
                if let (Some(a), Some(o)) = (&m.plan.id, &m.other_plan.id) {
                    if !crate::knowledge::conflicts::conflicts(a, o, ctx.version)
                        && crate::knowledge::conflicts::conflicts(
                            a,
                            o,
                            ConflictTableVersion::Pre2025,
                        )
                    {
                        legacy_pairs.push(legacy(a, o, "audit"));
                    }
                }
            }
        }
        if mine.is_empty() {
            // would the old (pre-July-2025) table have flagged it?
            let old: Vec<(PlanId, PlanId)> = others
                .iter()
                .flat_map(|(_, _, plans)| {
                    conflicting_pairs(&failing, plans, ConflictTableVersion::Pre2025)
                })
                .collect();
            if ctx.version == ConflictTableVersion::Current && !old.is_empty() {
                legacy_only.push(uref.clone());
                legacy_pairs.extend(old.iter().map(|(a, o)| legacy(a, o, "catalog")));
            } else {
                unexplained.push(uref.label());
            }
        }
        items.extend(mine);
    }
    items.sort();
    items.dedup();

    // one sentence per (pair, source)
    let mut by_pair: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for it in &items {
        let plan = match &it.plan.display_name {
            Some(d) => format!("{} ({d})", it.plan.label()),
            None => it.plan.label(),
        };
        let other = match &it.other_plan.display_name {
            Some(d) => format!("{} ({d})", it.other_plan.label()),
            None => it.other_plan.label(),
        };
        let key = format!(
            "{plan} conflicts with {other} from {}",
            it.other_source.describe()
        );
        by_pair.entry(key).or_default().insert(it.user.label());
    }
    let sku = ctx.bucket_sku_label(&b.sku, &b.group);
    let from = ctx
        .group_key_label(&b.group)
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    let mut parts = vec![format!(
        "{} could not get {sku}{from}: it contains a service plan that cannot be combined with one the user already has.",
        plural(users.len(), "user", "users")
    )];
    for (k, us) in &by_pair {
        let us: Vec<String> = us.iter().cloned().collect();
        parts.push(format!("{k}: {}.", list(&us, 6)));
    }
    legacy_pairs.sort();
    legacy_pairs.dedup();
    // one sentence per pair: whether the docs say they may now be combined
    let mut by_legacy: BTreeMap<(String, bool, bool), std::collections::BTreeSet<String>> =
        BTreeMap::new();
    for p in &legacy_pairs {
        by_legacy
            .entry((
                p.describe(),
                p.duplication_documented,
                p.determined_from == "audit",
            ))
            .or_default()
            .insert(p.user.label());
    }
    for ((pair, documented, audit), us) in &by_legacy {
        let us: Vec<String> = us.iter().cloned().collect();
        let who = list(&us, 5);
        let why = if *documented {
            "Exchange Online Plan 1 and Plan 2 now allow duplication"
        } else {
            "Microsoft's current list no longer names them, without saying they may now be combined"
        };
        parts.push(if *audit {
            format!(
                "For {who} the audit text names {pair}, a pair only Microsoft's pre-July-2025 list of plans that cannot be assigned together has ({why}): try reprocessing before changing any assignment."
            )
        } else if *documented {
            format!(
                "For {who} the plans {pair} only conflict under Microsoft's pre-July-2025 list ({why}): try reprocessing; nothing to disable."
            )
        } else {
            format!(
                "For {who} the plans {pair} only conflict under Microsoft's pre-July-2025 list ({why}): try reprocessing; if the error stays, disable one of the two."
            )
        });
    }
    if !unexplained.is_empty() {
        parts.push(format!(
            "For {} no conflicting pair was found in Microsoft's conflict list (which is not complete) or the audit text.",
            list(&unexplained, 5)
        ));
    }
    if !items.is_empty() {
        parts.push(
            "Options: disable the conflicting plan in one of the two assignments, or remove the other license if it is redundant; Entra never resolves conflicts on its own."
                .into(),
        );
    }
    (
        CauseDetails::Conflict {
            conflicting_plans: items,
            conflict_table: ctx.version.as_str().into(),
            legacy_only,
            legacy_pairs,
        },
        parts.join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_pairs() {
        assert_eq!(
            named_pair("License assignment failed because service plans [SHAREPOINTSTANDARD], [SHAREPOINTENTERPRISE] are mutually exclusive."),
            Some(("SHAREPOINTSTANDARD".into(), "SHAREPOINTENTERPRISE".into()))
        );
        assert_eq!(
            named_pair(
                "License assignment failed because service plans a1,b2 are mutually exclusive"
            ),
            Some(("a1".into(), "b2".into()))
        );
        assert_eq!(
            named_pair("Conflicting Service Plans: EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE"),
            Some(("EXCHANGE_S_STANDARD".into(), "EXCHANGE_S_ENTERPRISE".into()))
        );
        assert_eq!(named_pair("Proxy address is already being used"), None);
    }
}
