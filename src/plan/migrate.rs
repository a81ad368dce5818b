//! `licdiag plan migrate`: replacing direct assignments with the group's licenses
//! (group-licensing-guide.md, "How to migrate users with individual licenses to group licenses";
//! licensing.md §11). For every product of the group it sorts users into direct only, inherited
//! only, or both, and finds who would lose service when the direct license is removed: plans the direct
//! assignment enables but the group's disables, direct holders outside the group, members in error for
//! the group's license, members the group's license has not reached yet. The rest is the
//! safe-to-remove list; the guide's verification checklist closes the plan.

use super::caveats;
use super::change::{seat_need, SeatNeed};
use super::doc::{
    count, join_and, join_or, BlockerKind, Findings, PlanKind, Planned, Section, WarningKind,
};
use super::proxy;
use super::reprocess;
use super::rules::{self, Labeled};
use super::view::{error_text, plans_where, Holding, Members, PlanSet, Source, Tenant};
use crate::model::finding::{PlanRef, ProductRef, UserRef};
use crate::model::snapshot::Group;
use crate::model::SkuId;
use crate::recommend::powershell as ps;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How a member holds one of the group's products.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldingKind {
    DirectOnly,
    InheritedOnly,
    Both,
    Neither,
}

impl HoldingKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            HoldingKind::DirectOnly => "direct only",
            HoldingKind::InheritedOnly => "inherited only",
            HoldingKind::Both => "both",
            HoldingKind::Neither => "neither",
        }
    }
}

/// Members per holding kind for one product.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HoldingCounts {
    pub direct_only: usize,
    pub inherited_only: usize,
    pub both: usize,
    pub neither: usize,
}

/// One product of the group and how its members hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProductHoldings {
    #[serde(flatten)]
    pub product: ProductRef,
    pub members: HoldingCounts,
    /// Users outside the group who hold the product directly.
    pub direct_outside_group: usize,
}

/// One member's holding of one product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemberHolding {
    pub user: UserRef,
    #[serde(flatten)]
    pub product: ProductRef,
    pub holding: HoldingKind,
}

/// A user whose direct assignments can go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SafeUser {
    pub user: UserRef,
    /// The products whose direct assignment can be removed.
    pub skus: Vec<ProductRef>,
}

/// Why removing a user's direct assignment is risky.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub kind: BlockerKind,
    pub detail: String,
}

/// A user whose direct assignment must stay for now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskyUser {
    pub user: UserRef,
    pub reasons: Vec<Reason>,
}

/// The `migrate` plan's own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MigrateDetails {
    pub products: Vec<ProductHoldings>,
    pub holdings: Vec<MemberHolding>,
    pub safe_to_remove_direct: Vec<SafeUser>,
    pub risky: Vec<RiskyUser>,
    /// Seats for the members who hold a product of the group from no source yet: each consumes a new
    /// seat when the group's license reaches them (only products with such members).
    pub seats: Vec<SeatNeed>,
    /// The guide's verification checklist, with this snapshot's facts.
    pub checklist: Vec<String>,
}

impl super::doc::Details for MigrateDetails {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        let mut p = Section {
            title: "Members per product".into(),
            columns: vec![
                "product",
                "both",
                "direct only",
                "inherited only",
                "neither",
                "direct, outside the group",
            ],
            ..Section::default()
        };
        for x in &self.products {
            p.rows.push(vec![
                x.product.label(),
                x.members.both.to_string(),
                x.members.direct_only.to_string(),
                x.members.inherited_only.to_string(),
                x.members.neither.to_string(),
                x.direct_outside_group.to_string(),
            ]);
        }
        out.push(p);
        let mut m = Section {
            title: "Members".into(),
            columns: vec!["user", "product", "holding"],
            ..Section::default()
        };
        for h in &self.holdings {
            m.rows.push(vec![
                h.user.label(),
                h.product.label(),
                h.holding.as_str().into(),
            ]);
        }
        out.push(m);
        let mut s = Section {
            title: format!(
                "Safe to remove the direct assignment ({})",
                self.safe_to_remove_direct.len()
            ),
            columns: vec!["user", "products"],
            ..Section::default()
        };
        for u in &self.safe_to_remove_direct {
            let skus: Vec<String> = u.skus.iter().map(|p| p.label()).collect();
            s.rows.push(vec![u.user.label(), skus.join(", ")]);
        }
        if self.safe_to_remove_direct.is_empty() {
            s.notes.push(
                "No user holds a product both directly and from the group without a risk.".into(),
            );
        }
        if !self.risky.is_empty() {
            s.notes.push(format!(
                "{} not safe yet: see the blockers (JSON: `risky`).",
                count(self.risky.len(), "user is", "users are")
            ));
        }
        out.push(s);
        if !self.seats.is_empty() {
            let mut n = Section {
                title: "Seats for members not licensed yet".into(),
                columns: vec!["product", "new consumers", "available", "short"],
                ..Section::default()
            };
            for x in &self.seats {
                n.rows.push(vec![
                    x.product.label(),
                    x.new_consumers.to_string(),
                    x.available
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "-".into()),
                    x.short.to_string(),
                ]);
            }
            n.notes.push(
                "Members who hold the product from no source yet consume a new seat when the group's license reaches \
                 them; removing direct assignments costs none."
                    .into(),
            );
            out.push(n);
        }
        let mut c = Section {
            title: "Verification checklist".into(),
            columns: vec!["check"],
            ..Section::default()
        };
        for item in &self.checklist {
            c.rows.push(vec![item.clone()]);
        }
        out.push(c);
        out
    }
}

/// Plans the migration of direct assignments to `g`'s licenses.
pub fn plan(t: &Tenant<'_>, g: &Group, members: &Members) -> Planned<MigrateDetails> {
    let mut f = Findings::default();
    let gl = g.label();
    caveats::membership(t, g, members, &mut f);
    caveats::group_kind(g, PlanKind::Migrate, &mut f);
    if g.assigned_licenses.is_empty() {
        f.block(
            None,
            BlockerKind::GroupNotLicensed,
            format!(
                "{gl} holds no licenses: assign it the products the direct assignments give (same products, same \
                 enabled plans) before any direct assignment is removed"
            ),
        );
    }
    let skus: Vec<&SkuId> = g.assigned_licenses.iter().map(|l| &l.sku_id).collect();
    let sku_set: BTreeSet<&SkuId> = skus.iter().copied().collect();
    caveats::usage_location(t, g, members, &skus, &mut f);
    caveats::gbl_requirement(t, g, members, &skus, &[], &mut f);
    for s in &skus {
        if !t.knows_plans(s) {
            f.warn(
                None,
                WarningKind::PlansUnknown,
                format!(
                    "neither the catalog nor the tenant's subscribedSkus list the plans of {}: lost plans were not \
                     checked for it; pass a newer catalog with --catalog",
                    t.sku_label(s)
                ),
            );
        }
    }

    let mut counts: BTreeMap<&SkuId, HoldingCounts> = BTreeMap::new();
    let mut outside: BTreeMap<&SkuId, usize> = BTreeMap::new();
    let mut holdings = Vec::new();
    let mut safe_skus: BTreeMap<UserRef, Vec<ProductRef>> = BTreeMap::new();
    // members with no assignment from the group for a product, and members who hold a product from no
    // source (each needs a new seat when the group's license applies)
    let mut unassigned: BTreeSet<UserRef> = BTreeSet::new();
    let mut need: BTreeMap<&SkuId, usize> = BTreeMap::new();
    let mut unlicensed: BTreeSet<UserRef> = BTreeSet::new();

    // what the group's license brings a member it has not reached yet (guide's example, step 2: "Do
    // some users have conflicting license plans that prevent them from inheriting group licenses?"):
    // each product with the plans the group enables, and whether it triggers the proxy calculation
    let group_sets: Vec<(&SkuId, Labeled)> = g
        .assigned_licenses
        .iter()
        .map(|l| {
            (
                &l.sku_id,
                Labeled {
                    label: format!("{} from {gl}", t.sku_label(&l.sku_id)),
                    plans: t.enabled(&l.sku_id, &l.disabled_plans),
                },
            )
        })
        .collect();
    let exchange: Vec<(&SkuId, Vec<String>)> = group_sets
        .iter()
        .filter_map(|(s, l)| {
            let plans = proxy::exchange_plans(t, &l.plans);
            (!plans.is_empty()).then(|| (*s, plans.iter().map(|p| t.plan_label(p)).collect()))
        })
        .collect();
    let addresses = (!exchange.is_empty()).then(|| proxy::AddressIndex::new(t, None));

    for id in &members.ids {
        let Some(u) = t.user(id) else {
            continue;
        };
        let uref = t.user_ref(id);
        let hs = t.holdings(u);
        let blockers_before = f.blockers().len();
        // products of the group with no state from it yet: the group's license still has to be
        // assigned to this member, and can fail on them as it would in `plan change`
        let pending: Vec<&SkuId> = skus
            .iter()
            .copied()
            .filter(|s| !hs.iter().any(|h| &h.sku == *s && h.is_from(&g.id)))
            .collect();
        let fails = !pending.is_empty()
            && will_fail(
                t,
                g,
                u,
                &uref,
                &hs,
                &pending,
                &group_sets,
                &exchange,
                addresses.as_ref(),
                &mut f,
            );
        let mut both_skus = Vec::new();
        for s in &skus {
            let direct = hs
                .iter()
                .any(|h| h.active && &&h.sku == s && h.source == Source::Direct);
            let from_g: Vec<&Holding<'_>> = hs
                .iter()
                .filter(|h| &&h.sku == s && h.is_from(&g.id))
                .collect();
            let inherited = from_g.iter().any(|h| h.active && !h.in_error());
            let kind = match (direct, inherited) {
                (true, true) => HoldingKind::Both,
                (true, false) => HoldingKind::DirectOnly,
                (false, true) => HoldingKind::InheritedOnly,
                (false, false) => HoldingKind::Neither,
            };
            let c = counts.entry(s).or_default();
            match kind {
                HoldingKind::Both => c.both += 1,
                HoldingKind::DirectOnly => c.direct_only += 1,
                HoldingKind::InheritedOnly => c.inherited_only += 1,
                HoldingKind::Neither => c.neither += 1,
            }
            holdings.push(MemberHolding {
                user: uref.clone(),
                product: t.product(s),
                holding: kind,
            });
            let holds = t.holds_sku(u, s);
            // a member on whom the group's assignment will fail consumes no seat (a group's products
            // are assigned all or nothing: licensing.md §6 #10)
            if !holds && !fails {
                *need.entry(*s).or_default() += 1;
                unlicensed.insert(uref.clone());
            }
            if from_g.is_empty() {
                unassigned.insert(uref.clone());
                if !direct {
                    f.warn(
                        Some(uref.clone()),
                        WarningKind::NoAssignmentFromGroup,
                        format!(
                            "a member of {gl} with no assignment of {} from it{}: the group's license has not reached \
                             the user (processing not finished, or the snapshot predates the membership){}",
                            t.sku_label(s),
                            if holds { "" } else { " and no other one" },
                            if fails {
                                "; it will fail on them when it does (see the blockers), so it consumes no seat until \
                                 they are cleared"
                                    .to_string()
                            } else if holds {
                                String::new()
                            } else {
                                format!("; it will consume a new {} seat when it does", t.sku_label(s))
                            }
                        ),
                    );
                }
            }
            if let Some(bad) = from_g.iter().find(|h| h.in_error()) {
                f.block_with(
                    Some(uref.clone()),
                    BlockerKind::LicenseError,
                    format!(
                        "in error for {} from {gl}: {}; {}",
                        t.sku_label(s),
                        error_text(bad),
                        if direct {
                            "removing the direct license would leave the user without the product; fix the error and \
                             reprocess first"
                        } else {
                            "the group's license does not apply to this user; fix the error and reprocess"
                        }
                    ),
                    Some(t.product(s)),
                    Vec::new(),
                );
            } else if direct && from_g.is_empty() {
                f.block_with(
                    Some(uref.clone()),
                    BlockerKind::GroupLicenseNotApplied,
                    format!(
                        "holds {} directly but has no assignment from {gl} yet: the group's license has not reached \
                         the user (processing not finished, or the snapshot predates the membership); wait for \
                         processing or reprocess the user, then check again",
                        t.sku_label(s)
                    ),
                    Some(t.product(s)),
                    Vec::new(),
                );
            }
            if hs
                .iter()
                .any(|h| &&h.sku == s && h.source == Source::Unknown)
            {
                f.warn(
                    Some(uref.clone()),
                    WarningKind::AssignmentSourceUnknown,
                    caveats::source_unknown(t, u, s),
                );
            }
            if kind == HoldingKind::Both {
                both_skus.push(*s);
            }
        }

        // what removing every direct assignment of the group's products takes away
        if !both_skus.is_empty() {
            let is_removed =
                |h: &Holding<'_>| h.source == Source::Direct && sku_set.contains(&h.sku);
            let before = plans_where(&hs, |h| h.active);
            let after = plans_where(&hs, |h| h.active && !is_removed(h));
            for s in &both_skus {
                let direct_plans: PlanSet = plans_where(&hs, |h| {
                    h.active && &&h.sku == s && h.source == Source::Direct
                });
                let lost: Vec<_> = direct_plans.difference(&after).cloned().collect();
                if lost.is_empty() {
                    continue;
                }
                let names: Vec<String> = lost.iter().map(|p| t.plan_long(p)).collect();
                f.block_with(
                    Some(uref.clone()),
                    BlockerKind::PlansLost,
                    format!(
                        "the direct {} enables {} that {gl}'s assignment disables and no other assignment supplies: \
                         removing the direct license removes {}; enable {} in the group's assignment first, or keep \
                         the direct license",
                        t.sku_label(s),
                        names.join(", "),
                        if lost.len() == 1 { "that service" } else { "those services" },
                        if lost.len() == 1 { "it" } else { "them" },
                    ),
                    Some(t.product(s)),
                    lost.iter().map(|p| t.plan(p)).collect::<Vec<PlanRef>>(),
                );
            }
            for d in rules::broken_dependencies(t, &before, &after) {
                let detail = format!(
                    "{} stays but needs {}, which only the direct assignments supply: removing them breaks it \
                     (DependencyViolation) [{}]",
                    t.plan_long(&d.dependent),
                    rules::requires_text(t, d),
                    rules::provenance(d)
                );
                rules::report_dependency(&mut f, t, &uref, d, detail, None);
            }
        }
        let user_blocked = f
            .blockers()
            .iter()
            .skip(blockers_before)
            .any(|b| b.user.as_ref() == Some(&uref));
        if !user_blocked && !both_skus.is_empty() {
            safe_skus
                .entry(uref.clone())
                .or_default()
                .extend(both_skus.iter().map(|s| t.product(s)));
        }
    }

    // direct holders outside the group
    for u in t.users() {
        if members.ids.contains(&u.id) {
            continue;
        }
        let hs = t.holdings(u);
        for s in &skus {
            let direct = hs
                .iter()
                .any(|h| h.active && &&h.sku == s && h.source == Source::Direct);
            if !direct {
                continue;
            }
            *outside.entry(s).or_default() += 1;
            let others: Vec<String> = hs
                .iter()
                .filter(|h| h.active && &&h.sku == s && matches!(h.source, Source::Group(_)))
                .filter_map(|h| match &h.source {
                    Source::Group(o) => Some(t.group_label(o)),
                    _ => None,
                })
                .collect();
            let uref = t.user_ref(&u.id);
            if others.is_empty() {
                f.block_with(
                    Some(uref),
                    BlockerKind::NotInGroup,
                    format!(
                        "holds {} directly but is not a member of {gl}: removing the direct license would take {} \
                         away; add the user to {gl} first (or leave the direct license alone)",
                        t.sku_label(s),
                        t.sku_label(s)
                    ),
                    Some(t.product(s)),
                    Vec::new(),
                );
            } else {
                f.warn(
                    Some(uref),
                    WarningKind::CoveredByOtherGroup,
                    format!(
                        "not a member of {gl}, holds {} directly and also inherits it from {}: migrate them with that \
                         group",
                        t.sku_label(s),
                        others.join(", ")
                    ),
                );
            }
        }
    }

    // risky users: every user-level blocker, grouped
    let mut risky_map: BTreeMap<UserRef, Vec<Reason>> = BTreeMap::new();
    for b in f.blockers() {
        if let Some(u) = &b.user {
            risky_map.entry(u.clone()).or_default().push(Reason {
                kind: b.kind,
                detail: b.detail.clone(),
            });
        }
    }
    let risky: Vec<RiskyUser> = risky_map
        .into_iter()
        .map(|(user, mut reasons)| {
            reasons.sort_by(|a, b| (a.kind, &a.detail).cmp(&(b.kind, &b.detail)));
            reasons.dedup();
            RiskyUser { user, reasons }
        })
        .collect();
    let safe: Vec<SafeUser> = safe_skus
        .into_iter()
        .map(|(user, mut skus)| {
            skus.sort();
            skus.dedup();
            SafeUser { user, skus }
        })
        .collect();

    let products: Vec<ProductHoldings> = skus
        .iter()
        .map(|s| ProductHoldings {
            product: t.product(s),
            members: counts.get(s).cloned().unwrap_or_default(),
            direct_outside_group: outside.get(s).copied().unwrap_or(0),
        })
        .collect();
    holdings.sort_by(|a, b| (&a.user, &a.product).cmp(&(&b.user, &b.product)));
    let seats: Vec<SeatNeed> = skus
        .iter()
        .filter_map(|s| {
            let n = need.get(s).copied().unwrap_or(0);
            (n > 0).then(|| seat_need(t, s, n, &mut f))
        })
        .collect();
    let checklist = checklist(t, g, &products, &seats, unassigned.len(), &f);
    let direct_holders: usize = products
        .iter()
        .map(|p| p.members.both + p.members.direct_only + p.direct_outside_group)
        .sum();
    let steps = steps(
        t,
        g,
        &safe,
        risky.is_empty(),
        direct_holders,
        &unlicensed,
        &f,
    );
    Planned {
        findings: f,
        steps,
        details: MigrateDetails {
            products,
            holdings,
            safe_to_remove_direct: safe,
            risky,
            seats,
            checklist,
        },
    }
}

/// The checks `plan change` makes for a product it adds, made for the products of the group that
/// have not reached member `u` yet (`pending`): a plan of theirs that conflicts with a plan the user
/// holds from another assignment (MutuallyExclusiveViolation), and, for a product with an Exchange
/// Online plan, a duplicate of one of the user's addresses, held or candidate (UniquenessViolation).
/// Each is a blocker; returns whether the group's assignment will fail on the user. (Assigning the
/// group's license removes nothing, so no dependency breaks; the usage location is checked for every
/// member by [`caveats::usage_location`].)
#[allow(clippy::too_many_arguments)]
fn will_fail(
    t: &Tenant<'_>,
    g: &Group,
    u: &crate::model::snapshot::User,
    uref: &UserRef,
    hs: &[Holding<'_>],
    pending: &[&SkuId],
    group_sets: &[(&SkuId, Labeled)],
    exchange: &[(&SkuId, Vec<String>)],
    addresses: Option<&proxy::AddressIndex>,
    f: &mut Findings,
) -> bool {
    let gl = g.label();
    let before = f.blockers().len();
    let ours: Vec<Labeled> = group_sets
        .iter()
        .filter(|(s, _)| pending.contains(s))
        .map(|(_, l)| l.clone())
        .collect();
    let theirs: Vec<Labeled> = hs
        .iter()
        .filter(|h| h.active && !h.is_from(&g.id))
        .map(|h| t.labeled(h))
        .collect();
    let hits = rules::conflicts(t, &ours, &theirs);
    if !hits.is_empty() {
        f.block_with(
            Some(uref.clone()),
            BlockerKind::ConflictingPlans,
            format!(
                "{gl}'s license has not reached the user yet, and when it does {}: the assignment fails with \
                 MutuallyExclusiveViolation and the user gets none of {gl}'s products (they are assigned all or \
                 nothing); disable one of the plans or remove the other license first (Entra ID does not resolve \
                 conflicts)",
                rules::conflict_text(t, &hits)
            ),
            None,
            rules::conflict_plans(t, &hits),
        );
    }
    let mail: Vec<&(&SkuId, Vec<String>)> = exchange
        .iter()
        .filter(|(s, _)| pending.contains(s))
        .collect();
    if let (Some(index), false) = (addresses, mail.is_empty()) {
        let names: Vec<String> = mail.iter().map(|(s, _)| t.sku_label(s)).collect();
        let plans: Vec<String> = mail.iter().flat_map(|(_, p)| p.iter().cloned()).collect();
        let cause = format!(
            "assigning {} from {gl} (not applied to the user yet), with an Exchange Online plan ({}),",
            join_and(&names),
            plans.join(", ")
        );
        proxy::report(t, index, u, uref, &cause, f);
    }
    f.blockers().len() > before
}

fn checklist(
    t: &Tenant<'_>,
    g: &Group,
    products: &[ProductHoldings],
    seats: &[SeatNeed],
    not_applied: usize,
    f: &Findings,
) -> Vec<String> {
    let gl = g.label();
    let state = g
        .processing_state
        .clone()
        .unwrap_or_else(|| "not in the export".into());
    let errors = f
        .blockers()
        .iter()
        .filter(|b| b.kind == BlockerKind::LicenseError)
        .filter_map(|b| b.user.as_ref())
        .collect::<BTreeSet<_>>()
        .len();
    let both: usize = products.iter().map(|p| p.members.both).sum();
    let seat_text = if seats.is_empty() {
        "A user holding a product both directly and from a group consumes one seat: the migration needs no extra \
         seats."
            .to_string()
    } else {
        let parts: Vec<String> = seats
            .iter()
            .map(|x| {
                let avail = match x.available {
                    Some(a) if x.short > 0 => format!("{a} available, {} short", x.short),
                    Some(a) => format!("{a} available"),
                    None => "seats not checked".into(),
                };
                format!(
                    "{}: {} it from no source yet ({avail})",
                    x.product.label(),
                    count(x.new_consumers, "member holds", "members hold")
                )
            })
            .collect();
        format!(
            "A user holding a product both directly and from a group consumes one seat, so removing direct \
             assignments needs no extra seats; but a member who holds a product from no source consumes a new seat \
             when {gl}'s license reaches them. {}.",
            parts.join("; ")
        )
    };
    let names: Vec<String> = g
        .assigned_licenses
        .iter()
        .map(|l| t.sku_label(&l.sku_id))
        .collect();
    vec![
        format!(
            "{gl}'s license processing has finished: its status in the Microsoft 365 admin center (the \
             license-assignment UI since September 2024) → Billing → Licenses → the product is \"All licenses \
             Assigned\" (the Entra admin center's group → Licenses page, where it is still offered, says \"Latest \
             license changes have been applied to all users\"; processing state in this snapshot: {state})."
        ),
        format!(
            "Licenses have been applied to every member: check the processing state and the audit log \
             (\"Finish applying group based license to users\"); {} still {} no assignment from {gl}.",
            count(not_applied, "member", "members"),
            if not_applied == 1 { "has" } else { "have" }
        ),
        format!(
            "No member is in an error state for {gl}'s licenses ({} in error in this snapshot).",
            count(errors, "member", "members")
        ),
        format!(
            "Spot-check a few users (Microsoft 365 admin center → Users → Active users → the user → Licenses and \
             apps; the Entra admin center's user → Licenses page where it is still offered): {} with both a \
             \"Direct\" and an \"Inherited\" assignment path ({} held both ways in this snapshot).",
            if names.is_empty() { "the product".to_string() } else { names.join(", ") },
            count(both, "product assignment", "product assignments")
        ),
        seat_text,
        "Remove direct assignments gradually: a subset of users first, confirm their license state is unchanged \
         (only the Direct path is gone), then the rest in bulk."
            .into(),
    ]
}

fn steps(
    t: &Tenant<'_>,
    g: &Group,
    safe: &[SafeUser],
    no_risky: bool,
    direct_holders: usize,
    unlicensed: &BTreeSet<UserRef>,
    f: &Findings,
) -> Vec<String> {
    let gl = g.label();
    if direct_holders == 0 && !g.assigned_licenses.is_empty() {
        return nothing_to_migrate(t, g, unlicensed, f);
    }
    let mut out = vec![
        "Leave the existing automation that assigns direct licenses running as it is until the migration is done."
            .to_string(),
        format!(
            "Make sure every user who needs the licenses is a member of {gl}{}.",
            if f.has_blocker(BlockerKind::NotInGroup) {
                " (the users listed under not_in_group are not)"
            } else {
                ""
            }
        ),
    ];
    if let Some(s) = caveats::membership_step(g) {
        out.push(s);
    }
    out.push(format!(
        "Give {gl} the licenses that reproduce what the direct assignments give: the same products with the same \
         plans enabled{}.",
        if f.has_blocker(BlockerKind::PlansLost) {
            " (the users listed under plans_lost have plans enabled directly that the group disables)"
        } else if f.has_blocker(BlockerKind::GroupNotLicensed) {
            " (the group has none yet)"
        } else {
            ""
        }
    ));
    if f.has_blocker(BlockerKind::ConflictingPlans) {
        out.push(conflict_step(f, &gl));
    }
    out.extend(proxy::step(f));
    out.push(format!(
        "Verify the licenses have been applied to every member of {gl} and that no assignment failed (see the \
         checklist){}.",
        if f.has_blocker(BlockerKind::LicenseError) || f.has_blocker(BlockerKind::GroupLicenseNotApplied) {
            let users = reprocess::blocked(f, BlockerKind::LicenseError)
                .chain(reprocess::blocked(f, BlockerKind::GroupLicenseNotApplied));
            let cmds = reprocess::per_user(users, |id| format!("Invoke-MgLicenseUser -UserId {id}"))
                .unwrap_or_else(|| "`Invoke-MgLicenseUser -UserId <user id>`".into());
            format!("; fix the errors listed and reprocess those users ({cmds})")
        } else {
            String::new()
        }
    ));
    if f.has_blocker(BlockerKind::NotEnoughSeats) {
        out.push(seat_step(t, g, unlicensed, &gl));
    }
    if safe.is_empty() && no_risky {
        out.push(format!(
            "No member of {gl} holds its products directly: no direct assignment to remove with {gl} (the users \
             outside it who hold them directly are listed under covered_by_other_group: migrate them with that group)."
        ));
    } else if safe.is_empty() {
        out.push(
            "No user is safe to migrate yet: clear the blockers, take a new snapshot and run this plan again."
                .into(),
        );
    } else {
        let map: Vec<String> = g
            .assigned_licenses
            .iter()
            .map(|l| {
                format!(
                    "{} = {}",
                    t.sku_label(&l.sku_id),
                    ps::guid_or(l.sku_id.as_str(), "product id")
                )
            })
            .collect();
        // each safe user's own products, as the safe list gives them
        let mut cmds: Vec<String> = safe
            .iter()
            .filter_map(|u| {
                let id = ps::guid(u.user.id.as_ref()?.as_str())?;
                let skus: Vec<String> = u
                    .skus
                    .iter()
                    .filter_map(|p| ps::guid(p.sku_id.as_ref()?.as_str()))
                    .collect();
                (!skus.is_empty()).then(|| {
                    format!(
                        "`Set-MgUserLicense -UserId {id} -AddLicenses @() -RemoveLicenses @({})`",
                        skus.join(",")
                    )
                })
            })
            .collect();
        let more = cmds.len().saturating_sub(reprocess::MAX_NAMED);
        cmds.truncate(reprocess::MAX_NAMED);
        let written = if cmds.is_empty() {
            "`Set-MgUserLicense -UserId <user id> -AddLicenses @() -RemoveLicenses @(<product ids>)`".to_string()
        } else if more > 0 {
            format!(
                "{} (and {more} more users: the same command with each one's id and products)",
                cmds.join("; ")
            )
        } else {
            cmds.join("; ")
        };
        out.push(format!(
            "Remove the direct assignments of the {} in the safe list (only the products listed for each), a few \
             first, then the rest: {written} ({}).",
            count(safe.len(), "user", "users"),
            map.join(", ")
        ));
    }
    if !no_risky {
        out.push(
            "Keep the direct assignments of the risky users until each reason is cleared, then run this plan again. \
             Direct assignments left in place stay with users who later leave the group."
                .into(),
        );
    }
    out
}

/// The steps when nobody holds a product of the group directly: nothing to remove; only the
/// group's own errors and seats, if any, are left to fix.
fn nothing_to_migrate(
    t: &Tenant<'_>,
    g: &Group,
    unlicensed: &BTreeSet<UserRef>,
    f: &Findings,
) -> Vec<String> {
    let gl = g.label();
    let names: Vec<String> = g
        .assigned_licenses
        .iter()
        .map(|l| t.sku_label(&l.sku_id))
        .collect();
    let mut out = vec![format!(
        "No user holds {} directly (no member of {gl}, nobody outside it): there are no direct assignments to \
         migrate and nothing to remove.",
        join_or(&names)
    )];
    if f.has_blocker(BlockerKind::LicenseError) {
        let cmds = reprocess::per_user(reprocess::blocked(f, BlockerKind::LicenseError), |id| {
            format!("Invoke-MgLicenseUser -UserId {id}")
        })
        .unwrap_or_else(|| "`Invoke-MgLicenseUser -UserId <user id>`".into());
        out.push(format!(
            "Fix the errors listed under license_error and reprocess those users ({cmds}) so that {gl}'s licenses \
             reach them."
        ));
    }
    if f.has_blocker(BlockerKind::ConflictingPlans) {
        out.push(conflict_step(f, &gl));
    }
    out.extend(proxy::step(f));
    if f.has_blocker(BlockerKind::NotEnoughSeats) {
        out.push(seat_step(t, g, unlicensed, &gl));
    }
    out
}

/// The step for the members on whom the group's license will fail with MutuallyExclusiveViolation.
fn conflict_step(f: &Findings, gl: &str) -> String {
    let cmds = reprocess::per_user(reprocess::blocked(f, BlockerKind::ConflictingPlans), |id| {
        format!("Invoke-MgLicenseUser -UserId {id}")
    })
    .unwrap_or_else(|| "`Invoke-MgLicenseUser -UserId <user id>`".into());
    format!(
        "For each user listed under conflicting_plans, remove the other license or disable one of the two plans in \
         one of the assignments, then reprocess them ({cmds}) so that {gl}'s license reaches them; Entra ID never \
         resolves conflicts on its own."
    )
}

/// The step for the group's seat blocker: it is about the members holding a product from no source,
/// reprocessed once seats are bought or freed.
fn seat_step(t: &Tenant<'_>, g: &Group, unlicensed: &BTreeSet<UserRef>, gl: &str) -> String {
    let suspended = g
        .assigned_licenses
        .iter()
        .any(|l| t.seats(&l.sku_id).is_some_and(|x| x.suspended > 0));
    let cmds = reprocess::per_user(unlicensed, |id| {
        format!("Invoke-MgLicenseUser -UserId {id}")
    })
    .unwrap_or_else(|| "`Invoke-MgLicenseUser -UserId <user id>`".into());
    format!(
        "{} enough seats (see not_enough_seats) for the members of {gl} who hold a product from no \
         source yet, then reprocess them ({cmds}); otherwise they fail with CountViolation.",
        if suspended {
            "Reactivate the suspended subscription, buy or free"
        } else {
            "Buy or free"
        }
    )
}
