//! `licdiag plan change`: moving a group from one product to another (group-licensing-guide.md,
//! "Change license assignments for a user or group"). The guide lists the assumptions that must hold
//! for every member, else some lose service: the old product is inherited, not direct; there are
//! enough seats of the new product; no plan from another assignment conflicts with the new product;
//! no dependent service needs a plan only the old product supplies. Each false assumption becomes a
//! blocker, per user where it is about a user; synced and dynamic groups get their caveats.

use super::caveats;
use super::doc::{count, join_and, BlockerKind, Findings, PlanKind, Planned, Section, WarningKind};
use super::proxy;
use super::reprocess;
use super::rules::{self, Labeled};
use super::view::{error_text, plans_where, Members, PlanSet, Source, Tenant};
use crate::model::finding::{PlanRef, ProductRef};
use crate::model::snapshot::Group;
use crate::model::{PlanId, SkuId};
use crate::recommend::powershell as ps;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What the admin asked for, resolved to ids.
#[derive(Clone, Debug, Default)]
pub struct ChangeRequest {
    pub remove: Vec<SkuId>,
    /// Products to add, each with the plans to disable in it.
    pub add: Vec<(SkuId, Vec<PlanId>)>,
}

/// A product the change adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddedProduct {
    #[serde(flatten)]
    pub product: ProductRef,
    pub disabled_plans: Vec<PlanRef>,
}

/// Seats of an added product against the members who will newly consume one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeatNeed {
    #[serde(flatten)]
    pub product: ProductRef,
    /// Members who do not hold the product yet (from any source).
    pub new_consumers: usize,
    /// `subscribedSkus` numbers; absent when the product is not in the inventory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed: Option<u64>,
    /// `enabled - consumed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    /// Seats missing (0 when enough).
    pub short: u64,
}

/// Seats the removal gives back: members who hold the removed product only through this group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FreedSeats {
    #[serde(flatten)]
    pub product: ProductRef,
    pub users: usize,
}

/// The `change` plan's own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeDetails {
    pub remove: Vec<ProductRef>,
    pub add: Vec<AddedProduct>,
    pub seats: Vec<SeatNeed>,
    pub freed_seats: Vec<FreedSeats>,
}

impl super::doc::Details for ChangeDetails {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        let mut change = Section {
            title: "Change".into(),
            columns: vec!["action", "product", "disabled plans"],
            ..Section::default()
        };
        for r in &self.remove {
            change
                .rows
                .push(vec!["remove".into(), r.label(), String::new()]);
        }
        for a in &self.add {
            let disabled: Vec<String> = a.disabled_plans.iter().map(|p| p.label()).collect();
            change
                .rows
                .push(vec!["add".into(), a.product.label(), disabled.join(", ")]);
        }
        out.push(change);
        if !self.seats.is_empty() {
            let mut s = Section {
                title: "Seats for the added products".into(),
                columns: vec![
                    "product",
                    "new consumers",
                    "enabled",
                    "warning",
                    "consumed",
                    "available",
                    "short",
                ],
                ..Section::default()
            };
            let opt = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
            for n in &self.seats {
                s.rows.push(vec![
                    n.product.label(),
                    n.new_consumers.to_string(),
                    opt(n.enabled),
                    opt(n.warning),
                    opt(n.consumed),
                    n.available
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "-".into()),
                    n.short.to_string(),
                ]);
            }
            s.notes.push(
                "A member who already holds a product from any source consumes no new seat; available = enabled - consumed."
                    .into(),
            );
            out.push(s);
        }
        if !self.freed_seats.is_empty() {
            let mut s = Section {
                title: "Seats given back by the removal".into(),
                columns: vec!["product", "users"],
                ..Section::default()
            };
            for fr in &self.freed_seats {
                s.rows.push(vec![fr.product.label(), fr.users.to_string()]);
            }
            out.push(s);
        }
        out
    }
}

/// Plans the change of `g`.
pub fn plan(
    t: &Tenant<'_>,
    g: &Group,
    members: &Members,
    req: &ChangeRequest,
) -> Planned<ChangeDetails> {
    let mut f = Findings::default();
    let gl = g.label();
    let missing = caveats::membership(t, g, members, &mut f);
    caveats::group_kind(g, PlanKind::Change, &mut f);

    let removed: BTreeSet<&SkuId> = req.remove.iter().collect();
    let added: BTreeSet<&SkuId> = req.add.iter().map(|(s, _)| s).collect();
    for s in removed.iter().chain(added.iter()) {
        if !t.knows_plans(s) {
            f.warn(
                None,
                WarningKind::PlansUnknown,
                format!(
                    "neither the catalog nor the tenant's subscribedSkus list the plans of {}: conflict and \
                     dependency checks for it were skipped; pass a newer catalog with --catalog",
                    t.sku_label(s)
                ),
            );
        }
    }
    for (s, _) in &req.add {
        if g.assigned_licenses.iter().any(|l| &l.sku_id == s) && !removed.contains(s) {
            f.warn(
                None,
                WarningKind::AlreadyAssigned,
                format!(
                    "{} is already assigned to {gl}: the change replaces that assignment's disabled plans",
                    t.sku_label(s)
                ),
            );
        }
    }

    caveats::usage_location(
        t,
        g,
        members,
        &added.iter().copied().collect::<Vec<_>>(),
        &mut f,
    );
    // what the group gives its members once the change is made
    let after: Vec<&SkuId> = g
        .assigned_licenses
        .iter()
        .map(|l| &l.sku_id)
        .filter(|s| !removed.contains(s) && !added.contains(s))
        .chain(added.iter().copied())
        .collect();
    let taken: Vec<&SkuId> = removed.iter().copied().collect();
    caveats::gbl_requirement(t, g, members, &after, &taken, &mut f);

    // the group's license set after the change
    let new_sets: Vec<Labeled> = req
        .add
        .iter()
        .map(|(s, disabled)| Labeled {
            label: format!("{} from {gl}", t.sku_label(s)),
            plans: t.enabled(s, disabled),
        })
        .collect();
    let kept_sets: Vec<Labeled> = g
        .assigned_licenses
        .iter()
        .filter(|l| !removed.contains(&l.sku_id) && !added.contains(&l.sku_id))
        .map(|l| Labeled {
            label: format!("{} from {gl}", t.sku_label(&l.sku_id)),
            plans: t.enabled(&l.sku_id, &l.disabled_plans),
        })
        .collect();
    group_level_checks(t, g, &new_sets, &kept_sets, &mut f);
    let new_plans: PlanSet = new_sets
        .iter()
        .flat_map(|l| l.plans.iter().cloned())
        .collect();

    // a product with an Exchange Online plan triggers the proxy-address calculation on every member
    // it reaches (guide: "Duplicate proxy addresses")
    let mut exchange_skus: Vec<String> = Vec::new();
    let mut exchange_plans: Vec<String> = Vec::new();
    for (l, (s, _)) in new_sets.iter().zip(&req.add) {
        let plans = proxy::exchange_plans(t, &l.plans);
        if !plans.is_empty() {
            exchange_skus.push(t.sku_label(s));
            exchange_plans.extend(plans.iter().map(|p| t.plan_label(p)));
        }
    }
    let addresses = (!exchange_skus.is_empty()).then(|| proxy::AddressIndex::new(t, None));
    let proxy_cause = format!(
        "assigning {} from {gl}, with an Exchange Online plan ({}),",
        join_and(&exchange_skus),
        exchange_plans.join(", ")
    );

    // per member
    let mut need: BTreeMap<&SkuId, usize> = BTreeMap::new();
    let mut freed: BTreeMap<&SkuId, usize> = BTreeMap::new();
    for id in &members.ids {
        let Some(u) = t.user(id) else {
            continue;
        };
        let uref = t.user_ref(id);
        let hs = t.holdings(u);
        // removed products the member holds directly but with no working copy from the group: the
        // direct assignment is their only copy (reported as `plan migrate` does, never removed)
        let mut direct_only: BTreeSet<&SkuId> = BTreeSet::new();
        for h in &hs {
            if !(h.source == Source::Direct && h.active && removed.contains(&h.sku)) {
                continue;
            }
            let from_g: Vec<&super::view::Holding<'_>> = hs
                .iter()
                .filter(|x| x.sku == h.sku && x.is_from(&g.id))
                .collect();
            if from_g.iter().any(|x| x.active && !x.in_error()) {
                continue;
            }
            direct_only.insert(&h.sku);
            let label = t.sku_label(&h.sku);
            match from_g.iter().find(|x| x.in_error()) {
                Some(bad) => f.block_with(
                    Some(uref.clone()),
                    BlockerKind::LicenseError,
                    format!(
                        "holds {label} directly; its copy from {gl} is in error: {}; the direct assignment is the \
                         user's only working copy and the change does not touch it (removing it would leave the \
                         user without {label}); fix the error and reprocess the user, then plan again, or accept \
                         that the user keeps the direct assignment",
                        error_text(bad)
                    ),
                    Some(t.product(&h.sku)),
                    Vec::new(),
                ),
                None => f.block_with(
                    Some(uref.clone()),
                    BlockerKind::GroupLicenseNotApplied,
                    format!(
                        "holds {label} directly but has no assignment of it from {gl} yet: the group's license has \
                         not reached the user (processing not finished, or the snapshot predates the membership), so \
                         the direct assignment is the user's only copy and the change does not touch it (removing it \
                         would leave the user without {label}); reprocess the user, then plan again, or accept that \
                         the user keeps the direct assignment"
                    ),
                    Some(t.product(&h.sku)),
                    Vec::new(),
                ),
            }
        }
        for h in &hs {
            let is_removed = removed.contains(&h.sku);
            match &h.source {
                Source::Direct if is_removed && h.active && !direct_only.contains(&h.sku) => f
                    .block_with(
                        Some(uref.clone()),
                        BlockerKind::DirectAssignment,
                        format!(
                            "holds {} directly as well: the change removes only the copy inherited from {gl}, so \
                             the direct assignment stays (with its seat); remove it first or accept that the user \
                             keeps it",
                            t.sku_label(&h.sku)
                        ),
                        Some(t.product(&h.sku)),
                        Vec::new(),
                    ),
                Source::Unknown if is_removed => {
                    // from this group, it is replaced in the same save; from elsewhere, it stays and
                    // may conflict: not known, so said here rather than as a blocker
                    let hits = rules::conflicts(
                        t,
                        &new_sets,
                        &[Labeled {
                            label: t.holding_label(h),
                            plans: h.plans.clone(),
                        }],
                    );
                    let conflict = if hits.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; if it is not from {gl}, {}, and the new assignment fails with \
                             MutuallyExclusiveViolation",
                            rules::conflict_text(t, &hits)
                        )
                    };
                    f.warn(
                        Some(uref.clone()),
                        WarningKind::AssignmentSourceUnknown,
                        format!(
                            "{}{conflict}",
                            caveats::source_unknown(t, u, &h.sku)
                        ),
                    )
                }
                Source::Group(other) if is_removed && h.active && other != &g.id => f.warn(
                    Some(uref.clone()),
                    WarningKind::KeepsOldProduct,
                    format!(
                        "keeps {} from {} after the change",
                        t.sku_label(&h.sku),
                        t.group_label(other)
                    ),
                ),
                // the license_error blocker above already says it
                Source::Group(own)
                    if own == &g.id && h.in_error() && !direct_only.contains(&h.sku) =>
                {
                    f.warn(
                    Some(uref.clone()),
                    WarningKind::AlreadyInError,
                    format!(
                        "already in error for {} from {gl}: {}; the change re-evaluates the group's assignment for \
                         this user",
                        t.sku_label(&h.sku),
                        error_text(h)
                    ),
                    )
                }
                _ => {}
            }
        }

        if let Some(index) = &addresses {
            proxy::report(t, index, u, &uref, &proxy_cause, &mut f);
        }

        // conflicts between the new products and the user's other assignments
        // a removed product of unknown source is said by assignment_source_unknown above
        let theirs: Vec<Labeled> = hs
            .iter()
            .filter(|h| h.active && !h.is_from(&g.id))
            .filter(|h| !(h.source == Source::Unknown && removed.contains(&h.sku)))
            .map(|h| t.labeled(h))
            .collect();
        let hits = rules::conflicts(t, &new_sets, &theirs);
        if !hits.is_empty() {
            let plans = rules::conflict_plans(t, &hits);
            f.block_with(
                Some(uref.clone()),
                BlockerKind::ConflictingPlans,
                format!(
                    "{}: the new assignment fails with MutuallyExclusiveViolation and the user keeps neither the old \
                     nor the new product from {gl}; disable one of the plans or remove the other license (Entra ID \
                     does not resolve conflicts)",
                    rules::conflict_text(t, &hits)
                ),
                None,
                plans,
            );
        }

        // dependent services that need a plan only the removed product supplies
        let before = plans_where(&hs, |h| h.active);
        let replaced = |h: &super::view::Holding<'_>| {
            h.is_from(&g.id) && (removed.contains(&h.sku) || added.contains(&h.sku))
        };
        let mut after = plans_where(&hs, |h| h.active && !replaced(h));
        after.extend(new_plans.iter().cloned());
        // removed products the user keeps (in error) while a dependency stands: no seat comes back
        let mut kept: BTreeSet<SkuId> = BTreeSet::new();
        for d in rules::broken_dependencies(t, &before, &after) {
            // a dependent plan only the group's own license set holds is the group-level
            // missing_prerequisite blocker: the save is refused and nothing is removed
            if !hs
                .iter()
                .any(|h| h.active && !h.is_from(&g.id) && h.plans.contains(&d.dependent))
            {
                continue;
            }
            let holders: Vec<String> = hs
                .iter()
                .filter(|h| h.active && !replaced(h) && h.plans.contains(&d.dependent))
                .map(|h| t.holding_label(h))
                .chain(
                    new_sets
                        .iter()
                        .filter(|l| l.plans.contains(&d.dependent))
                        .map(|l| l.label.clone()),
                )
                .collect();
            let supplying: Vec<&super::view::Holding<'_>> = hs
                .iter()
                .filter(|h| {
                    h.active && replaced(h) && d.requires_any.iter().any(|r| h.plans.contains(r))
                })
                .collect();
            if rules::is_blocking(d) {
                kept.extend(supplying.iter().map(|h| h.sku.clone()));
            }
            let suppliers: Vec<String> = supplying.iter().map(|h| t.holding_label(h)).collect();
            let detail = format!(
                "{}, held through {}, needs {}, which only {} supplies; after the change nothing does, so the removal fails with \
                 DependencyViolation and the old license stays in an error state until the dependency is fixed \
                 [{}]",
                t.plan_long(&d.dependent),
                holders.join(", "),
                rules::requires_text(t, d),
                suppliers.join(", "),
                rules::provenance(d)
            );
            rules::report_dependency(&mut f, t, &uref, d, detail, None);
        }

        // seats
        for s in &added {
            if !t.holds_sku(u, s) {
                *need.entry(*s).or_default() += 1;
            }
        }
        for s in &removed {
            let via_group = hs
                .iter()
                .any(|h| h.active && &&h.sku == s && h.is_from(&g.id));
            let elsewhere = hs
                .iter()
                .any(|h| h.active && &&h.sku == s && !h.is_from(&g.id));
            if via_group && !elsewhere && !added.contains(s) && !kept.contains(*s) {
                *freed.entry(*s).or_default() += 1;
            }
        }
    }

    let mut seats = Vec::new();
    for s in &added {
        // members without a user object are counted as needing a seat (the worst case)
        let n = need.get(s).copied().unwrap_or(0) + missing;
        seats.push(seat_need(t, s, n, &mut f));
    }
    let freed_seats = freed
        .iter()
        .map(|(s, n)| FreedSeats {
            product: t.product(s),
            users: *n,
        })
        .collect();
    let waiting = reprocess::waiting(
        t,
        &g.id,
        freed.iter().map(|(s, n)| ((*s).clone(), *n)),
        &mut f,
    );

    let steps = steps(t, g, req, &f, &waiting);
    let disabled_of = |s: &SkuId, dis: &[PlanId]| -> AddedProduct {
        let mut d: Vec<PlanRef> = dis.iter().map(|p| t.plan(p)).collect();
        d.sort();
        AddedProduct {
            product: t.product(s),
            disabled_plans: d,
        }
    };
    let details = ChangeDetails {
        remove: req.remove.iter().map(|s| t.product(s)).collect(),
        add: req.add.iter().map(|(s, d)| disabled_of(s, d)).collect(),
        seats,
        freed_seats,
    };
    Planned {
        findings: f,
        steps,
        details,
    }
}

/// Conflicts inside the group's new license set and add-on prerequisites it would leave unmet.
fn group_level_checks(
    t: &Tenant<'_>,
    g: &Group,
    new_sets: &[Labeled],
    kept_sets: &[Labeled],
    f: &mut Findings,
) {
    let gl = g.label();
    let mut hits = Vec::new();
    for (i, a) in new_sets.iter().enumerate() {
        let later: Vec<Labeled> = new_sets.iter().skip(i + 1).cloned().collect();
        hits.extend(rules::conflicts(t, std::slice::from_ref(a), &later));
    }
    hits.extend(rules::conflicts(t, new_sets, kept_sets));
    if !hits.is_empty() {
        f.block(
            None,
            BlockerKind::ConflictingPlans,
            format!(
                "the group's new license set conflicts with itself: {}; every member would fail with \
                 MutuallyExclusiveViolation; disable one plan of each pair with --disable-plan",
                rules::conflict_text(t, &hits)
            ),
        );
    }
    let all: Vec<&Labeled> = new_sets.iter().chain(kept_sets.iter()).collect();
    let set: PlanSet = all.iter().flat_map(|l| l.plans.iter().cloned()).collect();
    for d in rules::unmet(t, &set) {
        let from: Vec<String> = all
            .iter()
            .filter(|l| l.plans.contains(&d.dependent))
            .map(|l| l.label.clone())
            .collect();
        let detail = format!(
            "after the change {gl} would hold {} ({}) without {} in the same group; group-based licensing refuses \
             the save (\"Make sure that the group has necessary services before adding or removing a dependent \
             service\") [{}]",
            t.plan_long(&d.dependent),
            from.join(", "),
            rules::requires_text(t, d),
            rules::provenance(d)
        );
        if rules::is_blocking(d) {
            let mut plans = vec![t.plan(&d.dependent)];
            plans.extend(d.requires_any.iter().map(|p| t.plan(p)));
            f.block_with(None, BlockerKind::MissingPrerequisite, detail, None, plans);
        } else {
            f.warn(None, WarningKind::UnverifiedDependency, detail);
        }
    }
}

impl SeatNeed {
    /// A product whose seat numbers are not known (no subscription row, or one skipped):
    /// `short` seats are said to be missing.
    fn without_numbers(product: ProductRef, n: usize, short: u64) -> SeatNeed {
        SeatNeed {
            product,
            new_consumers: n,
            enabled: None,
            warning: None,
            consumed: None,
            available: None,
            short,
        }
    }
}

/// Seats of one added product against `n` new consumers; a shortage is a group-level blocker.
pub fn seat_need(t: &Tenant<'_>, sku: &SkuId, n: usize, f: &mut Findings) -> SeatNeed {
    let label = t.sku_label(sku);
    let product = t.product(sku);
    let Some(seats) = t.seats(sku) else {
        // a product whose subscribedSku record was skipped as malformed is not a product the tenant
        // does not subscribe to: its seats are unknown (review 95, item 3)
        if t.sku_maybe_unread(sku) {
            let unread = t.unread();
            let which = match t.unread_sku(sku) {
                Some(r) => format!(
                    "the tenant's subscribedSkus record of {label} ({}) was skipped as malformed ({})",
                    r.at, r.reason
                ),
                None => format!(
                    "{label} is not among the subscribedSkus records that could be read, and {} skipped as \
                     malformed (first: {}) may be its",
                    count(unread.sku_count as usize, "record was", "records were"),
                    unread
                        .skus
                        .first()
                        .map_or_else(|| "see the input notes".to_string(), |r| r.at.clone())
                ),
            };
            f.warn(
                None,
                WarningKind::SeatsUnknown,
                format!(
                    "{which}, so {label} seats were not checked ({} would newly consume one); export the \
                     subscribedSkus again (`Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10`)",
                    count(n, "member", "members")
                ),
            );
            return SeatNeed::without_numbers(product, n, 0);
        }
        if t.has_inventory() {
            if n > 0 {
                f.block_with(
                    None,
                    BlockerKind::NotEnoughSeats,
                    format!(
                        "{label}: {} would newly consume a seat, but the tenant's subscribedSkus has no {label} \
                         subscription",
                        count(n, "member", "members")
                    ),
                    Some(product.clone()),
                    Vec::new(),
                );
            }
        } else {
            f.warn(
                None,
                WarningKind::SeatsUnknown,
                format!(
                    "the input has no subscribedSkus, so {label} seats were not checked ({} would newly consume \
                     one); add `Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10`",
                    count(n, "member", "members")
                ),
            );
        }
        return SeatNeed::without_numbers(product, n, if t.has_inventory() { n as u64 } else { 0 });
    };
    let available = seats.available();
    // over-assigned products (consumed > enabled) first need the difference back
    let short = u64::try_from((i64::try_from(n).unwrap_or(i64::MAX)).saturating_sub(available))
        .unwrap_or(0);
    if short > 0 {
        let grace = if seats.warning > 0 {
            format!(
                "; counting the {} {} in the warning (grace-period) state, which expire, {} would be available",
                seats.warning,
                if seats.warning == 1 { "unit" } else { "units" },
                seats.available_with_warning()
            )
        } else {
            String::new()
        };
        // suspended units come back when the subscription is reactivated (licensing.md §3)
        let (suspended, reactivate) = if seats.suspended > 0 {
            (
                format!(
                    "; {} {} suspended{}: the subscription was cancelled or not renewed and can be reactivated \
                     (Microsoft 365 admin center → Billing → Your products), which makes {} assignable again{}",
                    seats.suspended,
                    if seats.suspended == 1 { "unit is" } else { "units are" },
                    seats
                        .status
                        .as_deref()
                        .map(|s| format!(" (capabilityStatus {s})"))
                        .unwrap_or_default(),
                    if seats.suspended == 1 { "it" } else { "them" },
                    if seats.suspended >= short {
                        " (enough for this change)".to_string()
                    } else {
                        format!(" ({} still short)", short - seats.suspended)
                    }
                ),
                "reactivate the subscription, ",
            )
        } else {
            (String::new(), "")
        };
        f.block_with(
            None,
            BlockerKind::NotEnoughSeats,
            format!(
                "{label}: {} would newly consume a seat but {available} {} available (enabled {} - consumed {}{}){grace}{suspended}; \
                 {reactivate}buy {short} more or free seats (direct-only assignments outside licensing groups, disabled accounts) \
                 first, or the users beyond the free seats fail with CountViolation",
                count(n, "member", "members"),
                if available == 1 || available == -1 { "is" } else { "are" },
                seats.enabled,
                seats.consumed,
                if available < 0 { ": over-assigned" } else { "" },
            ),
            Some(product.clone()),
            Vec::new(),
        );
    }
    SeatNeed {
        product,
        new_consumers: n,
        enabled: Some(seats.enabled),
        warning: Some(seats.warning),
        consumed: Some(seats.consumed),
        available: Some(available),
        short,
    }
}

/// `-AddLicenses @(@{SkuId='...'; DisabledPlans=@('...')})`.
fn add_licenses_arg(req: &ChangeRequest) -> String {
    let items: Vec<String> = req
        .add
        .iter()
        .map(|(s, d)| {
            let plans: Vec<String> = d
                .iter()
                .map(|p| ps::guid_or(p.as_str(), "plan id"))
                .collect();
            let s = ps::guid_or(s.as_str(), "product id");
            if plans.is_empty() {
                format!("@{{SkuId={s}}}")
            } else {
                format!("@{{SkuId={s}; DisabledPlans=@({})}}", plans.join(","))
            }
        })
        .collect();
    format!("@({})", items.join(", "))
}

fn steps(
    t: &Tenant<'_>,
    g: &Group,
    req: &ChangeRequest,
    f: &Findings,
    waiting: &reprocess::Waiting,
) -> Vec<String> {
    let gl = g.label();
    let old: Vec<String> = req.remove.iter().map(|s| t.sku_label(s)).collect();
    let new: Vec<String> = req.add.iter().map(|(s, _)| t.sku_label(s)).collect();
    let old_text = if old.is_empty() {
        "nothing".to_string()
    } else {
        old.join(", ")
    };
    let new_text = if new.is_empty() {
        "nothing".to_string()
    } else {
        new.join(", ")
    };
    // products already assigned to the group whose license options the change replaces
    let reassigned: Vec<&SkuId> = req
        .add
        .iter()
        .map(|(s, _)| s)
        .filter(|s| g.assigned_licenses.iter().any(|l| &l.sku_id == *s))
        .collect();
    let mut checks: Vec<String> = Vec::new();
    if !old.is_empty() {
        checks.push(format!(
            "{old_text} is inherited from the group, not assigned directly"
        ));
    }
    if !new.is_empty() {
        let unread: Vec<String> = req
            .add
            .iter()
            .filter(|(s, _)| t.seats(s).is_none() && t.sku_maybe_unread(s))
            .map(|(s, _)| t.sku_label(s))
            .collect();
        checks.push(if !unread.is_empty() {
            format!(
                "there are enough seats of {new_text} (not checked for {}: a subscribedSkus record was skipped as \
                 malformed, see seats_unknown)",
                join_and(&unread)
            )
        } else if t.has_inventory() {
            format!("there are enough seats of {new_text}")
        } else {
            format!(
                "there are enough seats of {new_text} (not checked: the input has no subscribedSkus, see seats_unknown)"
            )
        });
        checks.push(format!(
            "no plan from another assignment conflicts with {new_text}"
        ));
    }
    if !old.is_empty() {
        checks.push(format!(
            "no dependent service needs a plan that only {old_text} supplies"
        ));
    } else if !reassigned.is_empty() {
        checks.push(
            "no dependent service needs a plan that the new license options disable".to_string(),
        );
    }
    let mut out = vec![format!(
        "Check the guide's assumptions for every member of {gl} (this plan does): {}.",
        checks.join("; ")
    )];
    if f.has_blocker(BlockerKind::DirectAssignment) {
        let ids: Vec<String> = req
            .remove
            .iter()
            .map(|s| ps::guid_or(s.as_str(), "product id"))
            .collect();
        let remove = ids.join(",");
        let cmds = reprocess::per_user(
            reprocess::blocked(f, BlockerKind::DirectAssignment),
            |id| format!("Set-MgUserLicense -UserId {id} -AddLicenses @() -RemoveLicenses @({remove})"),
        )
        .unwrap_or_else(|| {
            format!("`Set-MgUserLicense -UserId <user id> -AddLicenses @() -RemoveLicenses @({remove})`")
        });
        out.push(format!(
            "Remove the direct {old_text} assignment of each user listed under direct_assignment (they still \
             inherit it from {gl} meanwhile): {cmds}; or accept that they keep it."
        ));
    }
    if f.has_blocker(BlockerKind::LicenseError)
        || f.has_blocker(BlockerKind::GroupLicenseNotApplied)
    {
        let users = reprocess::blocked(f, BlockerKind::LicenseError)
            .chain(reprocess::blocked(f, BlockerKind::GroupLicenseNotApplied));
        let cmds = reprocess::per_user(users, |id| format!("Invoke-MgLicenseUser -UserId {id}"))
            .unwrap_or_else(|| "`Invoke-MgLicenseUser -UserId <user id>`".into());
        out.push(format!(
            "Keep the direct {old_text} assignment of each user listed under license_error or \
             group_license_not_applied: it is their only working copy, and removing it takes {old_text} away. Fix the \
             errors listed and reprocess those users ({cmds}) so that {gl}'s license reaches them, take a new snapshot \
             and plan again; or accept that they keep the direct assignment after the change."
        ));
    }
    if f.has_blocker(BlockerKind::NotEnoughSeats) {
        let suspended = req
            .add
            .iter()
            .any(|(s, _)| t.seats(s).is_some_and(|x| x.suspended > 0));
        out.push(format!(
            "{} enough {new_text} seats before the change: remove direct-only assignments of users outside \
             licensing groups and licenses of disabled accounts (`licdiag analyze` lists reclaimable seats).",
            if suspended {
                "Reactivate the suspended subscription (see not_enough_seats), buy or free"
            } else {
                "Buy or free"
            }
        ));
    }
    if f.has_blocker(BlockerKind::ConflictingPlans) {
        out.push(
            "For each conflict listed under conflicting_plans, remove the other license or disable one of the two \
             plans in one of the assignments; Entra ID never resolves conflicts on its own."
                .into(),
        );
    }
    out.extend(proxy::step(f));
    if f.has_blocker(BlockerKind::Dependency) {
        let cmds = reprocess::per_user(reprocess::blocked(f, BlockerKind::Dependency), |id| {
            format!("Invoke-MgLicenseUser -UserId {id}")
        })
        .unwrap_or_else(|| "`Invoke-MgLicenseUser -UserId <user id>`".into());
        out.push(format!(
            "For each user listed under dependency, keep the required plan through another assignment (for example a \
             direct license with that plan enabled) or disable or remove the dependent service first; if the change \
             is made before that, the old license stays in an error state on them: reprocess them once the \
             dependency is fixed ({cmds})."
        ));
    }
    if f.has_blocker(BlockerKind::MissingPrerequisite) {
        out.push(format!(
            "Keep each add-on's prerequisite plan in {gl}'s new license set, or move the add-on to a group that has it."
        ));
    }
    if let Some(s) = caveats::membership_step(g) {
        out.push(s);
    }
    let select: Vec<String> = req
        .add
        .iter()
        .map(|(s, d)| {
            let names: Vec<String> = d.iter().map(|p| t.plan_label(p)).collect();
            match (reassigned.contains(&s), d.is_empty()) {
                (true, true) => {
                    format!("in {}'s license options turn every plan on", t.sku_label(s))
                }
                (true, false) => format!(
                    "in {}'s license options clear {} and turn every other plan on",
                    t.sku_label(s),
                    names.join(", ")
                ),
                (false, true) => format!("select {}", t.sku_label(s)),
                (false, false) => {
                    format!(
                        "select {} with {} cleared",
                        t.sku_label(s),
                        names.join(", ")
                    )
                }
            }
        })
        .collect();
    let removes: Vec<String> = req
        .remove
        .iter()
        .map(|s| ps::guid_or(s.as_str(), "product id"))
        .collect();
    let what = match (old.is_empty(), new.is_empty()) {
        (false, false) => format!(
            "Change {gl}'s licenses in one save, so the removals and additions are applied at the same time and no \
             member loses service"
        ),
        (true, _) => format!("Update {gl}'s licenses in one save"),
        (false, true) => format!("Remove {old_text} from {gl}"),
    };
    let mut actions = select;
    if !old.is_empty() {
        actions.push(format!("clear {old_text}"));
    }
    actions.push("Save".into());
    out.push(format!(
        "{what}: Microsoft 365 admin center (the license-assignment UI since September 2024) → Billing → \
         Licenses (the Entra admin center's Groups → {gl} → Licenses → + Assignments where it is still offered): \
         {}. PowerShell: `Set-MgGroupLicense -GroupId {} -AddLicenses {} -RemoveLicenses \
         @({})`.",
        actions.join(", "),
        ps::guid_or(g.id.as_str(), "group id"),
        add_licenses_arg(req),
        removes.join(",")
    ));
    out.push(caveats::verify_step(g));
    out.extend(reprocess::step(
        t,
        waiting,
        "Once the removal has reached every member",
    ));
    out
}
