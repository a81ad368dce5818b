//! `licdiag plan delete-group`: deleting a licensed group (group-licensing-guide.md, "When a licensed
//! group is deleted"; licensing.md §6 row 9). A group with licenses cannot be deleted: its licenses are
//! removed from every user first, and that removal fails for a user who holds another license that
//! needs a plan only this group supplies (Audio Conferencing needs Skype for Business from E3). The
//! two doc versions disagree on what happens then (older: the license is converted to a direct
//! assignment; 2025: the group's licenses go into an error state until the dependency is fixed), so
//! the plan states both. Duplicate proxy addresses can block the removal too.

use super::caveats;
use super::doc::{count, join_and, BlockerKind, Findings, PlanKind, Planned, Section, WarningKind};
use super::proxy;
use super::reprocess;
use super::rules;
use super::view::{error_text, plans_where, Holding, Members, Tenant};
use crate::model::finding::{ProductRef, UserRef};
use crate::model::snapshot::Group;
use crate::model::{Cause, ObjectId, SkuId};
use crate::recommend::powershell as ps;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The two documented outcomes for a user whose license from the group is needed by another license.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DependencyBehaviour {
    /// Older docs (azure-docs / 2023 entra-docs).
    pub older: String,
    /// The 2025 entra-docs version.
    pub current: String,
}

/// A user who loses products with the group (no other source).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LosingUser {
    pub user: UserRef,
    pub skus: Vec<ProductRef>,
}

/// Seats the deletion gives back per product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Freed {
    #[serde(flatten)]
    pub product: ProductRef,
    pub users: usize,
}

/// The `delete-group` plan's own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeleteDetails {
    /// Members plus users still holding a license from the group.
    pub affected_users: usize,
    pub dependency_behaviour: DependencyBehaviour,
    pub users_losing_licenses: Vec<LosingUser>,
    /// Users who keep products from the group because another license they hold needs them (the
    /// `dependency` blockers): converted to direct (older docs) or left in error (2025 docs), the
    /// product and its seat stay with them either way until the dependency is fixed.
    pub users_keeping_licenses: Vec<LosingUser>,
    /// Seats given back by the users who lose products (not counting `users_keeping_licenses`).
    pub freed_seats: Vec<Freed>,
}

impl super::doc::Details for DeleteDetails {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        let mut b = Section {
            title: "When a license from the group is needed by another license".into(),
            columns: vec!["docs", "what happens"],
            ..Section::default()
        };
        b.rows.push(vec![
            "older".into(),
            self.dependency_behaviour.older.clone(),
        ]);
        b.rows.push(vec![
            "current (2025)".into(),
            self.dependency_behaviour.current.clone(),
        ]);
        out.push(b);
        let mut l = Section {
            title: format!(
                "Users who lose products with the group ({} of {} affected)",
                self.users_losing_licenses.len(),
                self.affected_users
            ),
            columns: vec!["user", "products"],
            ..Section::default()
        };
        for u in &self.users_losing_licenses {
            let skus: Vec<String> = u.skus.iter().map(|p| p.label()).collect();
            l.rows.push(vec![u.user.label(), skus.join(", ")]);
        }
        l.notes
            .push("Intended by the deletion; listed so nobody is surprised.".into());
        out.push(l);
        if !self.users_keeping_licenses.is_empty() {
            let mut k = Section {
                title: "Users who keep products because another license needs them".into(),
                columns: vec!["user", "products"],
                ..Section::default()
            };
            for u in &self.users_keeping_licenses {
                let skus: Vec<String> = u.skus.iter().map(|p| p.label()).collect();
                k.rows.push(vec![u.user.label(), skus.join(", ")]);
            }
            k.notes.push(
                "See the dependency blockers: under both documented behaviours (converted to a direct assignment, or \
                 an error state) the user keeps the product and its seat until the dependency is fixed; their seats \
                 are not counted as given back."
                    .into(),
            );
            out.push(k);
        }
        if !self.freed_seats.is_empty() {
            let mut s = Section {
                title: "Seats given back".into(),
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

/// Plans the deletion of `g`.
pub fn plan(t: &Tenant<'_>, g: &Group, members: &Members) -> Planned<DeleteDetails> {
    let mut f = Findings::default();
    let gl = g.label();
    caveats::membership(t, g, members, &mut f);
    caveats::group_kind(g, PlanKind::DeleteGroup, &mut f);

    let mut affected: BTreeSet<ObjectId> = members.ids.clone();
    affected.extend(t.holders_from(&g.id));
    let addresses = proxy::AddressIndex::new(t, Some(&g.id));
    let mut losing = Vec::new();
    let mut keeping = Vec::new();
    let mut freed: BTreeMap<SkuId, usize> = BTreeMap::new();

    for id in &affected {
        let Some(u) = t.user(id) else {
            continue;
        };
        let uref = t.user_ref(id);
        let hs = t.holdings(u);
        let from_g: Vec<&Holding<'_>> = hs.iter().filter(|h| h.is_from(&g.id)).collect();
        if !members.ids.contains(id) {
            if let Some(h) = from_g.first() {
                f.warn(
                    Some(uref.clone()),
                    WarningKind::RemovalPending,
                    format!(
                        "no longer a member of {gl} but still holds {} from it ({}): the removal has not gone through",
                        t.sku_label(&h.sku),
                        error_text(h)
                    ),
                );
            }
        }

        // licenses from the group that another license needs
        let before = plans_where(&hs, |h| h.active);
        let after = plans_where(&hs, |h| h.active && !h.is_from(&g.id));
        // products the removal cannot take away while the dependency stands
        let mut kept: BTreeSet<SkuId> = BTreeSet::new();
        for d in rules::broken_dependencies(t, &before, &after) {
            let holders: Vec<String> = hs
                .iter()
                .filter(|h| h.active && !h.is_from(&g.id) && h.plans.contains(&d.dependent))
                .map(|h| t.holding_label(h))
                .collect();
            let suppliers: Vec<&Holding<'_>> = from_g
                .iter()
                .copied()
                .filter(|h| h.active && d.requires_any.iter().any(|r| h.plans.contains(r)))
                .collect();
            let supplier_names: Vec<String> =
                suppliers.iter().map(|h| t.holding_label(h)).collect();
            let products: Vec<String> = suppliers.iter().map(|h| t.sku_label(&h.sku)).collect();
            let pending = suppliers
                .iter()
                .find(|h| h.error() == Some(&Cause::DependencyViolation))
                .map(|h| {
                    format!(
                        " The user is already in DependencyViolation for {}: a removal is already stuck.",
                        t.holding_label(h)
                    )
                })
                .unwrap_or_default();
            let detail = format!(
                "{}, held through {}, needs {}, which only {} supplies. When {gl}'s licenses are removed: older behaviour: {} is \
                 converted from inherited to a direct assignment; current behaviour (2025 docs): the licenses from \
                 {gl} go into an error state until the dependency is fixed.{pending} [{}]",
                t.plan_long(&d.dependent),
                holders.join(", "),
                rules::requires_text(t, d),
                join_and(&supplier_names),
                join_and(&products),
                rules::provenance(d)
            );
            let sku = suppliers.first().map(|h| t.product(&h.sku));
            if rules::is_blocking(d) {
                kept.extend(suppliers.iter().map(|h| h.sku.clone()));
            }
            rules::report_dependency(&mut f, t, &uref, d, detail, sku);
        }

        // proxy-address conflicts
        proxy::report(t, &addresses, u, &uref, "removing licenses", &mut f);

        // products lost with the group
        let mut lost: Vec<ProductRef> = Vec::new();
        let mut keeps: Vec<ProductRef> = Vec::new();
        let skus: BTreeSet<&SkuId> = from_g.iter().filter(|h| h.active).map(|h| &h.sku).collect();
        for s in skus {
            let elsewhere = hs
                .iter()
                .any(|h| h.active && &h.sku == s && !h.is_from(&g.id));
            if elsewhere {
                continue;
            }
            if kept.contains(s) {
                keeps.push(t.product(s));
            } else {
                lost.push(t.product(s));
                *freed.entry(s.clone()).or_default() += 1;
            }
        }
        if !lost.is_empty() {
            lost.sort();
            losing.push(LosingUser {
                user: uref.clone(),
                skus: lost,
            });
        }
        if !keeps.is_empty() {
            keeps.sort();
            keeping.push(LosingUser {
                user: uref.clone(),
                skus: keeps,
            });
        }
    }
    losing.sort_by(|a, b| a.user.cmp(&b.user));
    keeping.sort_by(|a, b| a.user.cmp(&b.user));
    let waiting = reprocess::waiting(t, &g.id, freed.iter().map(|(s, n)| (s.clone(), *n)), &mut f);
    let steps = steps(t, g, &f, &waiting, &keeping);
    Planned {
        findings: f,
        steps,
        details: DeleteDetails {
            affected_users: affected.len(),
            dependency_behaviour: DependencyBehaviour {
                older: "the license the dependent license needs is converted from inherited to a direct assignment \
                        (the user keeps it and still consumes its seat)"
                    .into(),
                current: "every license from the deleted group goes into an error state on the user until the \
                          dependency is resolved"
                    .into(),
            },
            users_losing_licenses: losing,
            users_keeping_licenses: keeping,
            freed_seats: freed
                .into_iter()
                .map(|(s, n)| Freed {
                    product: t.product(&s),
                    users: n,
                })
                .collect(),
        },
    }
}

fn steps(
    t: &Tenant<'_>,
    g: &Group,
    f: &Findings,
    waiting: &reprocess::Waiting,
    keeping: &[LosingUser],
) -> Vec<String> {
    let gl = g.label();
    let mut out = Vec::new();
    if f.has_blocker(BlockerKind::Dependency) {
        out.push(format!(
            "For each user listed under dependency, before the removal either remove the dependent license (or \
             disable the dependent plan), or keep the required plan through another assignment (for example assign \
             the product directly, with only that plan enabled: that assignment is meant to stay after the \
             deletion); otherwise removing {gl}'s licenses converts them to direct assignments (older behaviour) or \
             leaves them in an error state (current behaviour)."
        ));
    }
    out.extend(proxy::step(f));
    if g.assigned_licenses.is_empty() {
        // products held from the group were filled in from the users' states (`view`): none here
        if t.snap.groups.iter().all(|x| x.assigned_licenses.is_empty()) {
            out.push(format!(
                "No group of the groups export lists licenses (Graph returns `assignedLicenses` only when \
                 selected) and no user holds a license from {gl}: check {gl}'s licenses in the portal before the \
                 deletion and remove any (a group with licenses cannot be deleted)."
            ));
        } else {
            out.push(format!(
                "{gl} holds no licenses and no user holds a license from it, so nothing has to be removed before \
                 the deletion."
            ));
        }
    } else {
        let names: Vec<String> = g
            .assigned_licenses
            .iter()
            .map(|l| t.sku_label(&l.sku_id))
            .collect();
        let ids: Vec<String> = g
            .assigned_licenses
            .iter()
            .map(|l| ps::guid_or(l.sku_id.as_str(), "product id"))
            .collect();
        out.push(format!(
            "Remove every license from {gl} first (a group with licenses cannot be deleted): Microsoft 365 admin \
             center (the license-assignment UI since September 2024) → Billing → Licenses → each product → {gl} → \
             remove the group's license (the Entra admin center's Groups → {gl} → Licenses → select {} → Remove \
             license where it is still offered); PowerShell: `Set-MgGroupLicense -GroupId \
             {} -AddLicenses @() -RemoveLicenses @({})`.",
            names.join(", "),
            ps::guid_or(g.id.as_str(), "group id"),
            ids.join(",")
        ));
        out.push(format!(
            "Wait until the removal has reached every user ({}; it can take time), check the members for \
             DependencyViolation or other errors, fix them and reprocess each user: {}.",
            count(
                t.holders_from(&g.id).len(),
                "user holds a license from the group",
                "users hold a license from the group"
            ),
            // the users this plan already expects in error are named; others found then are not
            // known yet
            match reprocess::per_user(reprocess::blocked(f, BlockerKind::Dependency), |id| {
                format!("Invoke-MgLicenseUser -UserId {id}")
            }) {
                Some(cmds) => format!(
                    "for the users listed under dependency, {cmds}; for any other, `Invoke-MgLicenseUser -UserId \
                     <user id>`"
                ),
                None => "`Invoke-MgLicenseUser -UserId <user id>`".into(),
            }
        ));
        // the guide's "When a licensed group is deleted": what a dependent license kept is
        // converted to a direct assignment (older behaviour), which nothing removes later. The
        // users with a dependency blocker are those expected; the product ids are the group's.
        let remove_cmd = |id: &str, skus: &[String]| {
            format!(
                "`Set-MgUserLicense -UserId {id} -AddLicenses @() -RemoveLicenses @({})`",
                skus.join(",")
            )
        };
        let mut cmds: Vec<String> = keeping
            .iter()
            .filter_map(|k| {
                let id = ps::guid(k.user.id.as_ref()?.as_str())?;
                let skus: Vec<String> = k
                    .skus
                    .iter()
                    .filter_map(|p| ps::guid(p.sku_id.as_ref()?.as_str()))
                    .collect();
                (!skus.is_empty()).then(|| remove_cmd(&id, &skus))
            })
            .collect();
        let more = cmds.len().saturating_sub(reprocess::MAX_NAMED);
        cmds.truncate(reprocess::MAX_NAMED);
        let generic = match ids.as_slice() {
            [one] => remove_cmd("<user id>", std::slice::from_ref(one)),
            _ => {
                let map: Vec<String> = g
                    .assigned_licenses
                    .iter()
                    .zip(&ids)
                    .map(|(l, id)| format!("{} = {id}", t.sku_label(&l.sku_id)))
                    .collect();
                format!(
                    "{} (product ids: {})",
                    remove_cmd("<user id>", &["<product id>".to_string()]),
                    map.join(", ")
                )
            }
        };
        let written = if cmds.is_empty() {
            generic
        } else {
            format!(
                "for the users listed under dependency, their direct license (assigned in step 1 or converted) \
                 supplies the plan their dependent license needs: keep it while they keep that license, and remove it \
                 only after the dependent license has been removed, {}{}; for any other, {generic}",
                cmds.join("; "),
                if more > 0 {
                    format!(" (and {more} more users)")
                } else {
                    String::new()
                }
            )
        };
        out.push(format!(
            "Then review the users whose licenses were converted to direct assignments: a license state with no \
             assigning group for a product they held only from {gl} (`licdiag diff` of a snapshot taken before and \
             one taken after lists them as converted to direct); remove those no longer needed: {written}."
        ));
        out.extend(reprocess::step(
            t,
            waiting,
            "Once the removal has reached every user",
        ));
    }
    if g.is_synced() {
        out.push(format!(
            "Then delete {gl} in on-premises AD and let Entra Connect sync the deletion (deleting a synced group that \
             still has licenses fails)."
        ));
    } else {
        out.push(format!(
            "Then delete the group: `Remove-MgGroup -GroupId {}`.",
            ps::guid_or(g.id.as_str(), "group id")
        ));
    }
    out
}
