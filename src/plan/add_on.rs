//! `licdiag plan add-on`: assigning an add-on product to a group (group-licensing-guide.md, "Manage
//! licenses for products with prerequisites"; licensing.md §6 row 8, §7.2). Group-based licensing
//! wants the add-on's prerequisite plan in the same group (Workplace Analytics needs Exchange Online
//! Plan 1 or 2 there); a member holding it from elsewhere does not count. When the group lacks it, the
//! plan lays out the two documented layouts for each product the tenant owns that has the
//! prerequisite (add the base product to the group; a dedicated group with the base product limited
//! to the prerequisite plan plus the add-on) and what each costs in seats.

use super::caveats;
use super::change::{seat_need, SeatNeed};
use super::doc::{
    count, join_and, join_or, BlockerKind, Findings, PlanKind, Planned, Section, WarningKind,
};
use super::proxy;
use super::rules::{self, Labeled};
use super::view::{Members, PlanSet, Tenant};
use crate::knowledge::{Confidence, Dependency};
use crate::model::finding::{PlanRef, ProductRef};
use crate::model::snapshot::Group;
use crate::model::{PlanId, SkuId};
use crate::recommend::powershell as ps;
use serde::Serialize;
use std::collections::BTreeSet;

/// How many base products the options list at most.
const MAX_BASES: usize = 6;

/// One prerequisite row of an add-on plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Prerequisite {
    /// The add-on's plan.
    pub plan: PlanRef,
    /// Any one of these, in the same group.
    pub requires_any: Vec<PlanRef>,
    /// Whether the group (with the add-on) holds one of them.
    pub in_group: bool,
    pub confidence: Confidence,
    pub source: String,
}

/// The two documented layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// The group already holds the base product with the prerequisite plan disabled: enable that plan
    /// in the existing assignment (its other disabled plans stay disabled), then add the add-on.
    #[serde(rename = "enable_in_group")]
    EnablePrerequisite,
    /// Add the full base product to the group, then the add-on.
    AddBaseToGroup,
    /// A new group with the base product limited to the prerequisite plan, plus the add-on.
    DedicatedGroup,
}

impl Layout {
    pub fn as_str(&self) -> &'static str {
        match self {
            Layout::EnablePrerequisite => "enable_in_group",
            Layout::AddBaseToGroup => "add_base_to_group",
            Layout::DedicatedGroup => "dedicated_group",
        }
    }
}

/// One way to give the add-on its prerequisite, with its cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayoutOption {
    pub layout: Layout,
    pub base: ProductRef,
    /// Whether the tenant subscribes to the base product.
    pub subscribed: bool,
    /// The base product's plans the layout enables (all of them for `add_base_to_group`; the plans
    /// to turn on for `enable_in_group`).
    pub enabled_plans: Vec<PlanRef>,
    /// How many of the base product's plans the layout disables (for `enable_in_group`: the plans
    /// the group's assignment keeps disabled).
    pub disabled_plans: usize,
    /// `enable_in_group`: the plans the existing assignment keeps disabled (its `DisabledPlans`
    /// minus the prerequisite).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keep_disabled: Vec<PlanRef>,
    /// Members who do not hold the base product yet: each consumes a new base seat.
    pub base_new_seats: usize,
    /// `enabled - consumed` of the base product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_available: Option<i64>,
    /// Members whose other licenses conflict with what the layout assigns.
    pub conflicting_users: usize,
}

/// The `add-on` plan's own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddOnDetails {
    pub add_on: ProductRef,
    pub prerequisites: Vec<Prerequisite>,
    /// Every prerequisite row is met inside the group.
    pub prerequisites_met: bool,
    /// Members who hold a missing prerequisite from another assignment (does not count for GBL).
    pub members_with_prerequisite_elsewhere: usize,
    pub add_on_seats: SeatNeed,
    /// The documented layouts, cheapest first (only when a prerequisite is missing).
    pub options: Vec<LayoutOption>,
}

impl super::doc::Details for AddOnDetails {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        let mut p = Section {
            title: format!("Prerequisites of {}", self.add_on.label()),
            columns: vec![
                "add-on plan",
                "needs one of (same group)",
                "in the group",
                "confidence",
            ],
            ..Section::default()
        };
        for r in &self.prerequisites {
            let req: Vec<String> = r.requires_any.iter().map(|x| x.label()).collect();
            p.rows.push(vec![
                r.plan.label(),
                join_or(&req),
                if r.in_group { "yes" } else { "no" }.into(),
                r.confidence.as_str().into(),
            ]);
        }
        if self.prerequisites.is_empty() {
            p.notes
                .push("licdiag knows no prerequisite for this product's plans (the published list is incomplete).".into());
        }
        out.push(p);
        let s = &self.add_on_seats;
        out.push(Section {
            title: "Add-on seats".into(),
            columns: vec!["product", "new consumers", "available", "short"],
            rows: vec![vec![
                s.product.label(),
                s.new_consumers.to_string(),
                s.available
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "-".into()),
                s.short.to_string(),
            ]],
            notes: Vec::new(),
        });
        if !self.options.is_empty() {
            let mut o = Section {
                title: "Layouts that give the add-on its prerequisite".into(),
                columns: vec![
                    "layout",
                    "base product",
                    "enabled plans",
                    "new base seats",
                    "base seats available",
                    "members with conflicts",
                ],
                ..Section::default()
            };
            for x in &self.options {
                let names: Vec<String> = x.enabled_plans.iter().map(|p| p.label()).collect();
                let enabled = match x.layout {
                    Layout::AddBaseToGroup => "all".to_string(),
                    Layout::EnablePrerequisite => {
                        format!("+ {} (others unchanged)", names.join(", "))
                    }
                    Layout::DedicatedGroup => names.join(", "),
                };
                o.rows.push(vec![
                    x.layout.as_str().into(),
                    if x.subscribed {
                        x.base.label()
                    } else {
                        format!("{} (not subscribed)", x.base.label())
                    },
                    enabled,
                    x.base_new_seats.to_string(),
                    x.base_available
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "-".into()),
                    x.conflicting_users.to_string(),
                ]);
            }
            o.notes.push(
                "A member who already holds the base product from another group consumes no new seat for it; every \
                 member needs one add-on seat."
                    .into(),
            );
            out.push(o);
        }
        out
    }
}

/// Plans assigning `addon` to `g`.
pub fn plan(t: &Tenant<'_>, g: &Group, members: &Members, addon: &SkuId) -> Planned<AddOnDetails> {
    let mut f = Findings::default();
    let gl = g.label();
    let missing = caveats::membership(t, g, members, &mut f);
    caveats::group_kind(g, PlanKind::AddOn, &mut f);
    let al = t.sku_label(addon);
    if g.assigned_licenses.iter().any(|l| &l.sku_id == addon) {
        f.warn(
            None,
            WarningKind::AlreadyAssigned,
            format!("{al} is already assigned to {gl}; the plan checks that assignment"),
        );
    }
    caveats::usage_location(t, g, members, &[addon], &mut f);
    let given: Vec<&SkuId> = g
        .assigned_licenses
        .iter()
        .map(|l| &l.sku_id)
        .filter(|s| *s != addon)
        .chain([addon])
        .collect();
    caveats::gbl_requirement(t, g, members, &given, &[], &mut f);
    let addon_plans = t.enabled(addon, &[]);
    if addon_plans.is_empty() {
        f.warn(
            None,
            WarningKind::PlansUnknown,
            format!(
                "neither the catalog nor the tenant's subscribedSkus list the plans of {al}: its prerequisites are \
                 unknown; pass a newer catalog with --catalog"
            ),
        );
    }
    let group_plans: PlanSet = g
        .assigned_licenses
        .iter()
        .filter(|l| &l.sku_id != addon)
        .flat_map(|l| t.enabled(&l.sku_id, &l.disabled_plans))
        .collect();
    let mut with_addon = group_plans.clone();
    with_addon.extend(addon_plans.iter().cloned());

    let rows = prerequisite_rows(t, &addon_plans);
    if rows.is_empty() && !addon_plans.is_empty() {
        f.warn(
            None,
            WarningKind::PrerequisiteUnknown,
            format!(
                "licdiag knows no prerequisite for {al}'s plans; Microsoft publishes no complete list, so the admin \
                 center may still refuse the assignment"
            ),
        );
    }
    let prerequisites: Vec<Prerequisite> = rows
        .iter()
        .map(|d| Prerequisite {
            plan: t.plan(&d.dependent),
            requires_any: d.requires_any.iter().map(|p| t.plan(p)).collect(),
            in_group: d.requires_any.iter().any(|r| with_addon.contains(r)),
            confidence: d.confidence,
            source: d.source.clone(),
        })
        .collect();
    let unmet: Vec<&Dependency> = rows
        .iter()
        .copied()
        .filter(|d| !d.requires_any.iter().any(|r| with_addon.contains(r)))
        .collect();
    let missing_plans: BTreeSet<&PlanId> =
        unmet.iter().flat_map(|d| d.requires_any.iter()).collect();

    // an add-on with an Exchange Online plan triggers the proxy-address calculation on every member
    // it reaches (guide: "Duplicate proxy addresses"); an add-on already assigned is not assigned again
    let exchange: Vec<String> = proxy::exchange_plans(t, &addon_plans)
        .iter()
        .map(|p| t.plan_label(p))
        .collect();
    let addresses = (!exchange.is_empty()
        && !g.assigned_licenses.iter().any(|l| &l.sku_id == addon))
    .then(|| proxy::AddressIndex::new(t, None));
    let proxy_cause = format!(
        "assigning {al} from {gl}, with an Exchange Online plan ({}),",
        exchange.join(", ")
    );

    // members: add-on seats, conflicts, prerequisite held elsewhere
    let mut need = missing;
    let mut elsewhere = 0usize;
    let addon_set = [Labeled {
        label: format!("{al} from {gl}"),
        plans: addon_plans.clone(),
    }];
    // a conflict with the group's own products fails for every member: one group-level blocker, as
    // `plan change` reports a new license set that conflicts with itself
    let own: Vec<Labeled> = g
        .assigned_licenses
        .iter()
        .filter(|l| &l.sku_id != addon)
        .map(|l| Labeled {
            label: format!("{} from {gl}", t.sku_label(&l.sku_id)),
            plans: t.enabled(&l.sku_id, &l.disabled_plans),
        })
        .collect();
    let own_hits = rules::conflicts(t, &addon_set, &own);
    if !own_hits.is_empty() {
        f.block_with(
            None,
            BlockerKind::ConflictingPlans,
            format!(
                "{al} conflicts with {gl}'s own products: {}; every member would fail with \
                 MutuallyExclusiveViolation; disable one plan of each pair in one of the group's assignments, or \
                 assign {al} through another group",
                rules::conflict_text(t, &own_hits)
            ),
            None,
            rules::conflict_plans(t, &own_hits),
        );
    }
    for id in &members.ids {
        let Some(u) = t.user(id) else {
            continue;
        };
        if !t.holds_sku(u, addon) {
            need += 1;
        }
        if let Some(index) = &addresses {
            proxy::report(t, index, u, &t.user_ref(id), &proxy_cause, &mut f);
        }
        let hs = t.holdings(u);
        if hs.iter().any(|h| {
            h.active && !h.is_from(&g.id) && h.plans.iter().any(|p| missing_plans.contains(p))
        }) {
            elsewhere += 1;
        }
        let theirs: Vec<Labeled> = hs
            .iter()
            // the group's own products: the group-level check above
            .filter(|h| h.active && !h.is_from(&g.id))
            .map(|h| t.labeled(h))
            .collect();
        let hits = rules::conflicts(t, &addon_set, &theirs);
        if !hits.is_empty() {
            let plans = rules::conflict_plans(t, &hits);
            f.block_with(
                Some(t.user_ref(id)),
                BlockerKind::ConflictingPlans,
                format!(
                    "{}: the add-on's assignment fails with MutuallyExclusiveViolation; disable one of the plans or \
                     remove the other license",
                    rules::conflict_text(t, &hits)
                ),
                None,
                plans,
            );
        }
    }
    let add_on_seats = seat_need(t, addon, need, &mut f);

    for d in &unmet {
        // a product of the group that has a required plan, disabled in the group's assignment
        let disabled_here: Vec<String> = g
            .assigned_licenses
            .iter()
            .filter(|l| &l.sku_id != addon)
            .filter_map(|l| {
                let p = d.requires_any.iter().find(|r| {
                    l.disabled_plans.contains(r) && t.kb.plans_of(&l.sku_id).contains(r)
                })?;
                Some(format!(
                    "{} with {} disabled",
                    t.sku_label(&l.sku_id),
                    t.plan_label(p)
                ))
            })
            .collect();
        let why = if disabled_here.is_empty() {
            format!(
                "{gl} holds no product with {}",
                if d.requires_any.len() == 1 {
                    "it"
                } else {
                    "any of them"
                }
            )
        } else {
            format!(
                "{gl} holds {} (the group's assignment disables the prerequisite)",
                join_and(&disabled_here)
            )
        };
        let held = if elsewhere > 0 {
            format!(
                "; {} already {} one from another assignment, which does not count: group-based licensing needs the \
                 prerequisite and the add-on in the same group",
                count(elsewhere, "member", "members"),
                if elsewhere == 1 { "holds" } else { "hold" }
            )
        } else {
            String::new()
        };
        let detail = format!(
            "{al}: its plan {} needs {} in the same group, and {why}: the admin center refuses the assignment \
             (\"License operation failed. Make sure that the group has necessary services before adding or removing \
             a dependent service.\"){held} [{}]",
            t.plan_long(&d.dependent),
            rules::requires_text(t, d),
            rules::provenance(d)
        );
        if rules::is_blocking(d) {
            let mut plans = vec![t.plan(&d.dependent)];
            plans.extend(d.requires_any.iter().map(|p| t.plan(p)));
            f.block_with(
                None,
                BlockerKind::MissingPrerequisite,
                detail,
                Some(t.product(addon)),
                plans,
            );
        } else {
            f.warn(None, WarningKind::UnverifiedDependency, detail);
        }
    }
    let blocking: Vec<&Dependency> = unmet
        .iter()
        .copied()
        .filter(|d| rules::is_blocking(d))
        .collect();
    let options = if blocking.is_empty() {
        Vec::new()
    } else {
        layouts(t, g, members, missing, addon, &blocking)
    };
    let prereq = if rows.is_empty() {
        Prereq::NoneKnown
    } else if unmet.is_empty() {
        Prereq::InGroup
    } else {
        Prereq::UnverifiedMissing
    };
    let steps = steps(t, g, addon, &blocking, prereq, &options, &f);
    Planned {
        findings: f,
        steps,
        details: AddOnDetails {
            add_on: t.product(addon),
            prerequisites_met: unmet.is_empty(),
            prerequisites,
            members_with_prerequisite_elsewhere: elsewhere,
            add_on_seats,
            options,
        },
    }
}

/// Dependency rows whose dependent is one of the add-on's plans.
fn prerequisite_rows<'k>(t: &Tenant<'k>, addon_plans: &PlanSet) -> Vec<&'k Dependency> {
    let mut rows: Vec<&Dependency> =
        t.kb.dependencies()
            .rows()
            .iter()
            .filter(|d| addon_plans.contains(&d.dependent))
            // a row the add-on satisfies by itself is not a prerequisite
            .filter(|d| !d.requires_any.iter().any(|r| addon_plans.contains(r)))
            .collect();
    rows.sort_by(|a, b| (&a.dependent, &a.requires_any).cmp(&(&b.dependent, &b.requires_any)));
    rows.dedup_by(|a, b| a.dependent == b.dependent && a.requires_any == b.requires_any);
    rows
}

/// Base products that meet every unmet row: the tenant's first, catalog products when the tenant has
/// none. Each gives both layouts.
fn layouts(
    t: &Tenant<'_>,
    g: &Group,
    members: &Members,
    missing: usize,
    addon: &SkuId,
    unmet: &[&Dependency],
) -> Vec<LayoutOption> {
    let meets = |s: &SkuId| {
        let plans = t.kb.plans_of(s);
        unmet
            .iter()
            .all(|d| d.requires_any.iter().any(|r| plans.contains(r)))
    };
    let mut bases: Vec<(SkuId, bool)> = t
        .snap
        .skus
        .iter()
        .filter(|s| &s.sku_id != addon)
        .filter(|s| {
            s.applies_to
                .as_deref()
                .map(|a| a.trim().eq_ignore_ascii_case("user"))
                .unwrap_or(true)
        })
        .map(|s| s.sku_id.clone())
        .filter(|s| meets(s))
        .map(|s| (s, true))
        .collect();
    if bases.is_empty() {
        let mut cat: BTreeSet<SkuId> = BTreeSet::new();
        for d in unmet {
            for r in &d.requires_any {
                cat.extend(
                    t.kb.skus_with_plan(r)
                        .into_iter()
                        .filter(|s| meets(s) && s != addon),
                );
            }
        }
        // products the tenant does not own: only a few, as pointers
        bases = cat
            .into_iter()
            .take(MAX_BASES)
            .map(|s| (s, false))
            .collect();
    }
    // a base the group already holds (with the prerequisite disabled) is fixed in place
    for l in &g.assigned_licenses {
        if &l.sku_id != addon && meets(&l.sku_id) && !bases.iter().any(|(b, _)| b == &l.sku_id) {
            bases.insert(0, (l.sku_id.clone(), t.subscribed(&l.sku_id).is_some()));
        }
    }
    let mut out = Vec::new();
    for (base, subscribed) in bases {
        let all = t.enabled(&base, &[]);
        let prereq: PlanSet = all
            .iter()
            .filter(|p| unmet.iter().any(|d| d.requires_any.contains(p)))
            .cloned()
            .collect();
        let in_group = g.assigned_licenses.iter().find(|l| l.sku_id == base);
        let mut new_seats = missing;
        let mut conflicts_full = 0;
        let mut conflicts_limited = 0;
        // in the group: only the plans turned on are new to the members
        let to_enable: PlanSet = match in_group {
            Some(l) => prereq
                .iter()
                .filter(|p| l.disabled_plans.contains(p))
                .cloned()
                .collect(),
            None => PlanSet::new(),
        };
        let full = [Labeled {
            label: t.sku_label(&base),
            plans: if in_group.is_some() {
                to_enable.clone()
            } else {
                all.clone()
            },
        }];
        let limited = [Labeled {
            label: t.sku_label(&base),
            plans: prereq.clone(),
        }];
        for id in &members.ids {
            let Some(u) = t.user(id) else {
                continue;
            };
            if !t.holds_sku(u, &base) {
                new_seats += 1;
            }
            let theirs: Vec<Labeled> = t
                .holdings(u)
                .iter()
                .filter(|h| h.active && h.sku != base)
                .map(|h| t.labeled(h))
                .collect();
            if !rules::conflicts(t, &full, &theirs).is_empty() {
                conflicts_full += 1;
            }
            if !rules::conflicts(t, &limited, &theirs).is_empty() {
                conflicts_limited += 1;
            }
        }
        let available = t.seats(&base).map(|s| s.available());
        let mut enabled: Vec<PlanRef> = prereq.iter().map(|p| t.plan(p)).collect();
        enabled.sort();
        match in_group {
            Some(l) => {
                let mut keep: Vec<PlanRef> = l
                    .disabled_plans
                    .iter()
                    .filter(|p| !to_enable.contains(*p))
                    .map(|p| t.plan(p))
                    .collect();
                keep.sort();
                out.push(LayoutOption {
                    layout: Layout::EnablePrerequisite,
                    base: t.product(&base),
                    subscribed,
                    enabled_plans: to_enable.iter().map(|p| t.plan(p)).collect(),
                    disabled_plans: keep.len(),
                    keep_disabled: keep,
                    base_new_seats: new_seats,
                    base_available: available,
                    conflicting_users: conflicts_full,
                });
            }
            None => out.push(LayoutOption {
                layout: Layout::AddBaseToGroup,
                base: t.product(&base),
                subscribed,
                enabled_plans: all.iter().map(|p| t.plan(p)).collect(),
                disabled_plans: 0,
                keep_disabled: Vec::new(),
                base_new_seats: new_seats,
                base_available: available,
                conflicting_users: conflicts_full,
            }),
        }
        out.push(LayoutOption {
            layout: Layout::DedicatedGroup,
            base: t.product(&base),
            subscribed,
            enabled_plans: enabled,
            disabled_plans: all.len().saturating_sub(prereq.len()),
            keep_disabled: Vec::new(),
            base_new_seats: new_seats,
            base_available: available,
            conflicting_users: conflicts_limited,
        });
    }
    // cheapest first: a product the tenant subscribes to, then the fewest base units to buy (the
    // new seats beyond those available), then the fewest new seats, then the fewest conflicts
    let to_buy = |o: &LayoutOption| {
        let free = o.base_available.unwrap_or(0).max(0) as u64;
        (o.base_new_seats as u64).saturating_sub(free)
    };
    // fixing the group's own assignment comes first: no new product, no new group
    out.sort_by(|a, b| {
        (
            a.layout != Layout::EnablePrerequisite,
            !a.subscribed,
            to_buy(a),
            a.base_new_seats,
            a.conflicting_users,
            a.base.label(),
            a.layout,
        )
            .cmp(&(
                b.layout != Layout::EnablePrerequisite,
                !b.subscribed,
                to_buy(b),
                b.base_new_seats,
                b.conflicting_users,
                b.base.label(),
                b.layout,
            ))
    });
    out.truncate(MAX_BASES * 2);
    out
}

/// What licdiag knows of the add-on's prerequisites, for the step texts (when no blocking row is unmet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prereq {
    /// No dependency row names the product's plans (not an add-on, or one licdiag does not know).
    NoneKnown,
    /// Every known prerequisite is in the group.
    InGroup,
    /// A prerequisite known only from unverified sources is missing (a warning).
    UnverifiedMissing,
}

fn steps(
    t: &Tenant<'_>,
    g: &Group,
    addon: &SkuId,
    unmet: &[&Dependency],
    prereq: Prereq,
    options: &[LayoutOption],
    f: &Findings,
) -> Vec<String> {
    let gl = g.label();
    let al = t.sku_label(addon);
    let mut out = Vec::new();
    if f.has_blocker(BlockerKind::NotEnoughSeats) {
        out.push(format!(
            "Buy or free enough {al} seats for the members who do not hold it yet."
        ));
    }
    let conflicts = f
        .blockers()
        .iter()
        .filter(|b| b.kind == BlockerKind::ConflictingPlans);
    if conflicts.clone().any(|b| b.user.is_none()) {
        out.push(format!(
            "{al} conflicts with {gl}'s own products (the conflicting_plans blocker for the group): disable one plan \
             of each pair in one of {gl}'s assignments (`licdiag plan change --group {} --add <product> \
             --disable-plan <plan>` plans a change of license options), or assign {al} through another group.",
            ps::guid_or(g.id.as_str(), "group id"),
        ));
    }
    if conflicts.clone().any(|b| b.user.is_some()) {
        out.push(
            "For each user listed under conflicting_plans, remove the other license or disable one of the two \
             plans; Entra ID never resolves conflicts on its own."
                .into(),
        );
    }
    out.extend(proxy::step(f));
    let assigned = g.assigned_licenses.iter().find(|l| &l.sku_id == addon);
    if let (true, Some(l)) = (unmet.is_empty(), assigned) {
        let disabled: Vec<String> = l.disabled_plans.iter().map(|p| t.plan_label(p)).collect();
        out.push(format!(
            "{al} is already assigned to {gl}{}: nothing to add. Do not assign it again with `Set-MgGroupLicense` \
             without its DisabledPlans: that replaces the assignment's license options{}. To change them, plan it with \
             `licdiag plan change --group {} --add {al} --disable-plan <plan>`.",
            if disabled.is_empty() {
                String::new()
            } else {
                format!(" (disabled plans: {})", disabled.join(", "))
            },
            if disabled.is_empty() {
                String::new()
            } else {
                " and re-enables those plans".to_string()
            },
            ps::guid_or(g.id.as_str(), "group id"),
        ));
    } else if unmet.is_empty() {
        let why = match prereq {
            Prereq::InGroup => "its prerequisite plans are in the same group".to_string(),
            Prereq::NoneKnown => format!(
                "licdiag knows no prerequisite for {al}: if the admin center refuses the assignment with \"Make sure \
                 that the group has necessary services\", the message names the plan {gl} needs"
            ),
            Prereq::UnverifiedMissing => {
                "a prerequisite known only from unverified sources is missing (see the warnings): the admin center \
                 may refuse the assignment"
                    .to_string()
            }
        };
        out.push(format!(
            "Add {al} to {gl} ({why}): Microsoft 365 admin center (the license-assignment UI since September \
             2024) → Billing → Licenses → {al} → assign it to {gl} (the Entra admin center's Groups → {gl} → \
             Licenses → + Assignments → select {al} → Save where it is still offered); PowerShell: \
             `Set-MgGroupLicense -GroupId {} -AddLicenses @(@{{SkuId={}}}) -RemoveLicenses @()`.",
            ps::guid_or(g.id.as_str(), "group id"),
            ps::guid_or(addon.as_str(), "product id")
        ));
    } else {
        let needs: Vec<String> = unmet.iter().map(|d| rules::requires_text(t, d)).collect();
        let enable = options
            .iter()
            .find(|o| o.layout == Layout::EnablePrerequisite);
        out.push(match enable {
            Some(o) => format!(
                "Group-based licensing needs {al} and its prerequisite ({}) in the same group; {gl} already holds {} \
                 with the prerequisite disabled, so the fix is to enable it there (or use a dedicated group, layout 2).",
                needs.join("; "),
                o.base.label()
            ),
            None => format!(
                "Group-based licensing needs {al} and its prerequisite ({}) in the same group; choose one of the two \
                 documented layouts below (the options table shows the seats each costs).",
                needs.join("; ")
            ),
        });
        let best_full = options.iter().find(|o| o.layout == Layout::AddBaseToGroup);
        let best_dedicated = options.iter().find(|o| o.layout == Layout::DedicatedGroup);
        if let Some(o) = enable {
            let turn_on: Vec<String> = o.enabled_plans.iter().map(|p| p.label()).collect();
            let keep: Vec<String> = o.keep_disabled.iter().map(|p| p.label()).collect();
            let keep_ids: Vec<String> = o
                .keep_disabled
                .iter()
                .map(|p| {
                    ps::guid_or(
                        p.id.as_ref().map(|i| i.as_str()).unwrap_or_default(),
                        "plan id",
                    )
                })
                .collect();
            let base_id = ps::guid_or(
                o.base
                    .sku_id
                    .as_ref()
                    .map(|s| s.as_str())
                    .unwrap_or_default(),
                "product id",
            );
            let base_arg = if keep_ids.is_empty() {
                format!("@{{SkuId={base_id}}}")
            } else {
                format!(
                    "@{{SkuId={base_id}; DisabledPlans=@({})}}",
                    keep_ids.join(",")
                )
            };
            out.push(format!(
                "Layout 1: in {gl}'s {} assignment, enable {} {} (guide, \"Change group license assignment\": add \
                 or remove license options; every member of {gl} gets {}{}), then add {al} in \
                 the same save: Microsoft 365 admin center (the license-assignment UI since September 2024) → \
                 Billing → Licenses (the Entra admin center's Groups → {gl} → Licenses → + Assignments where it is \
                 still offered): {} with {} turned on, select {al}, Save. PowerShell (the DisabledPlans \
                 list replaces the assignment's, so it repeats the plans that stay disabled): `Set-MgGroupLicense \
                 -GroupId {} -AddLicenses @({base_arg}, @{{SkuId={}}}) -RemoveLicenses @()`.",
                o.base.label(),
                join_and(&turn_on),
                if keep.is_empty() {
                    "(no other plan of it is disabled)".to_string()
                } else {
                    format!("and keep {} disabled", join_and(&keep))
                },
                join_and(&turn_on),
                if o.conflicting_users > 0 {
                    format!(
                        "; {} other licenses that conflict with it",
                        count(o.conflicting_users, "member has", "members have")
                    )
                } else {
                    String::new()
                },
                o.base.label(),
                join_and(&turn_on),
                ps::guid_or(g.id.as_str(), "group id"),
                ps::guid_or(addon.as_str(), "product id")
            ));
        }
        match best_full {
            _ if enable.is_some() => {}
            Some(o) => out.push(format!(
                "Layout 1: add {} to {gl} (all its plans; {} new {} {}), then add {al} to {gl}: `Set-MgGroupLicense \
                 -GroupId {} -AddLicenses @(@{{SkuId={}}}, @{{SkuId={}}}) -RemoveLicenses @()`.",
                o.base.label(),
                o.base_new_seats,
                o.base.label(),
                if o.base_new_seats == 1 { "seat" } else { "seats" },
                ps::guid_or(g.id.as_str(), "group id"),
                ps::guid_or(
                    o.base.sku_id.as_ref().map(|s| s.as_str()).unwrap_or_default(),
                    "product id"
                ),
                ps::guid_or(addon.as_str(), "product id")
            )),
            None => out.push(format!(
                "Layout 1: add a product that contains the prerequisite to {gl}, then add {al}."
            )),
        }
        match best_dedicated {
            Some(o) => {
                let base_id = o.base.sku_id.clone();
                let disabled: Vec<String> = base_id
                    .as_ref()
                    .map(|b| {
                        let keep: BTreeSet<Option<&PlanId>> =
                            o.enabled_plans.iter().map(|p| p.id.as_ref()).collect();
                        t.kb.plans_of(b)
                            .iter()
                            .filter(|p| !keep.contains(&Some(*p)))
                            .map(|p| ps::guid_or(p.as_str(), "plan id"))
                            .collect()
                    })
                    .unwrap_or_default();
                let enabled: Vec<String> = o.enabled_plans.iter().map(|p| p.label()).collect();
                out.push(format!(
                    "Layout 2: create a dedicated group for the users who need {al}, assign it {} with only {} \
                     enabled plus {al}, and add those users: each consumes one {} seat (none extra if another \
                     group already gives them {}) and one {al} seat. PowerShell, on the new group: \
                     `Set-MgGroupLicense -GroupId <new group id> -AddLicenses @(@{{SkuId={}; DisabledPlans=@({})}}, \
                     @{{SkuId={}}}) -RemoveLicenses @()`.",
                    o.base.label(),
                    enabled.join(", "),
                    o.base.label(),
                    o.base.label(),
                    ps::guid_or(
                        base_id.as_ref().map(|s| s.as_str()).unwrap_or_default(),
                        "product id"
                    ),
                    disabled.join(","),
                    ps::guid_or(addon.as_str(), "product id")
                ));
            }
            None => out.push(format!(
                "Layout 2: a dedicated group with a base product limited to the prerequisite plan, plus {al}."
            )),
        }
        out.push(
            "Tip: one dedicated group per base product (for example one E1-based and one E3-based) gives the add-on \
             to the users of each without consuming additional base licenses."
                .into(),
        );
    }
    if let Some(s) = caveats::membership_step(g) {
        out.push(s);
    }
    out.push(caveats::verify_step(g));
    out
}
