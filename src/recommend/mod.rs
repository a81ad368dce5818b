//! Recommendations: the documented fix for each finding (the playbook), made concrete with the
//! finding's own data: names, numbers, and generated commands for the admin to review (one
//! `Invoke-MgLicenseUser` line per affected user, `Get-Recipient` for colliding addresses, ...).
//! Pure functions, no I/O.

pub mod playbook;
pub mod powershell;
pub mod tenant;

pub use crate::model::finding::Recommendation;
pub use playbook::{all_entries, lookup, playbook, FollowUp, FollowUpKind, PlaybookEntry};
pub use tenant::{Membership, Origin, Tenant};

use crate::knowledge::Knowledge;
use crate::model::finding::{
    AffectedUser, AssignmentSource, CauseDetails, Finding, ReclaimReason, SkuCapacity, Status,
    UserRef,
};
use crate::model::{Cause, ObjectId, PlanId, SkuId};

use powershell::{comment, quote as ps};
use std::collections::BTreeMap;

fn reprocess_line(u: &AffectedUser) -> Option<String> {
    let key = u.user.key()?;
    let label = u.user.upn.as_deref().or(u.user.display_name.as_deref());
    Some(match label {
        Some(l) if l != key => {
            format!(
                "Invoke-MgLicenseUser -UserId {}  # {}",
                ps(&key),
                comment(l)
            )
        }
        _ => format!("Invoke-MgLicenseUser -UserId {}", ps(&key)),
    })
}

/// The retry of a failed direct assignment: `Set-MgUserLicense` reports its error at once, so
/// once the cause is fixed the assignment is made again (nothing to reprocess).
fn retry_line(u: &AffectedUser, sku_id: Option<&SkuId>) -> Option<String> {
    let key = u.user.key()?;
    let sku = sku_id
        .map(|s| powershell::guid_or(s.as_str(), "product id"))
        .unwrap_or_else(|| "<product id>".into());
    Some(format!(
        "Set-MgUserLicense -UserId {} -AddLicenses @(@{{SkuId={sku}}}) -RemoveLicenses @()  # retry the direct assignment of {}",
        ps(&key),
        comment(&u.user.label())
    ))
}

/// `@('a','b')`: the plans the assignment already disables plus `add` (the list replaces the
/// assignment's, so it repeats the plans that stay disabled); a placeholder first when the
/// snapshot does not say which plans are disabled now, so the line is not run as it stands.
fn disabled_plans_list(existing: Option<Vec<PlanId>>, add: &[PlanId]) -> String {
    let mut items: Vec<String> = Vec::new();
    match existing {
        Some(v) => items.extend(
            v.iter()
                .filter(|p| !add.contains(p))
                .map(|p| powershell::guid_or(p.as_str(), "plan id")),
        ),
        None => items.push("<ids of the plans disabled now>".into()),
    }
    items.extend(
        add.iter()
            .map(|p| powershell::guid_or(p.as_str(), "plan id")),
    );
    format!("@({})", items.join(","))
}

/// The plans of `sku` that disabling `off` (besides `existing`) leaves without any plan they need
/// in the product, to disable with them: an assignment whose enabled plans lack a prerequisite
/// the license held is refused (licensing.md §7.2; `licdiag plan change` blocks the same change),
/// e.g. SHAREPOINTWAC once the product's only SharePoint plan is disabled. Rows of the dependency
/// table sure enough to block a save only (blogs alone are not).
fn needing(kb: &Knowledge, sku: &SkuId, existing: &[PlanId], off: &[PlanId]) -> Vec<PlanId> {
    use crate::knowledge::dependencies::Confidence;
    let all = kb.plans_of(sku);
    let mut disabled: Vec<PlanId> = existing.iter().chain(off).cloned().collect();
    let mut out: Vec<PlanId> = Vec::new();
    loop {
        let on = |p: &PlanId, d: &[PlanId]| all.contains(p) && !d.contains(p);
        let next = all.iter().find(|p| {
            on(p, &disabled)
                && kb.dependencies().requirements_of(p).any(|d| {
                    d.confidence != Confidence::Unverified
                        // met in the product before the change, unmet after it
                        && d.requires_any.iter().any(|r| all.contains(r) && !existing.contains(r))
                        && !d.requires_any.iter().any(|r| on(r, &disabled))
                })
        });
        match next {
            Some(p) => {
                disabled.push(p.clone());
                out.push(p.clone());
            }
            None => break,
        }
    }
    out
}

/// `off` and the plans [`needing`] them, named: `SHAREPOINTENTERPRISE and SHAREPOINTWAC (which
/// needs it)`; the ids, `off` first.
fn with_needing(
    kb: &Knowledge,
    sku: Option<&SkuId>,
    existing: &[PlanId],
    off: &[PlanId],
) -> (String, Vec<PlanId>) {
    let name = |p: &PlanId| {
        kb.plan_name(p)
            .map_or_else(|| p.to_string(), str::to_string)
    };
    let names: Vec<String> = off.iter().map(name).collect();
    let extra = sku
        .map(|s| needing(kb, s, existing, off))
        .unwrap_or_default();
    let mut ids = off.to_vec();
    ids.extend(extra.iter().cloned());
    if extra.is_empty() {
        return (names.join(", "), ids);
    }
    let extra_names: Vec<String> = extra.iter().map(name).collect();
    (
        format!(
            "{} and {} (which {} it)",
            names.join(", "),
            extra_names.join(", "),
            if extra.len() == 1 { "needs" } else { "need" }
        ),
        ids,
    )
}

/// How to take a user out of a group, as the group's membership is managed (guide, "Change
/// license assignments": synced groups change on-premises, dynamic ones by the user's
/// attributes): the step's words and, for a group assigned in the cloud, the command.
fn leave_group(
    t: &Tenant,
    gid: Option<&ObjectId>,
    glabel: &str,
    user: &UserRef,
    note: &str,
) -> (String, Option<String>) {
    let ul = user.label();
    match t.membership(gid) {
        Membership::Synced => (
            format!(
                "remove {ul} from {glabel} in on-premises AD ({glabel} is synced by Microsoft Entra Connect: its members change there, and group licensing picks the change up after the next sync)"
            ),
            None,
        ),
        Membership::Dynamic(rule) => (
            format!(
                "change {ul}'s attributes so that {glabel}'s membership rule{} no longer matches, or change the rule ({glabel} is a dynamic group: members are not removed by hand)",
                rule.map(|r| format!(" {r}")).unwrap_or_default()
            ),
            None,
        ),
        m @ (Membership::Assigned | Membership::Unknown) => (
            format!("remove {ul} from {glabel}{}", unknown_membership(&m, glabel, false)),
            match (gid, user.key()) {
                (Some(g), Some(uid)) => Some(format!(
                    "Remove-MgGroupMemberByRef -GroupId {} -DirectoryObjectId {}  # {}",
                    ps(g.as_str()),
                    ps(&uid),
                    comment(note)
                )),
                _ => None,
            },
        ),
    }
}

/// The other option of a DependencyViolation, "disable or remove the dependent plan", as
/// commands (guide, "Missing dependent service plans": "disable (or remove) the dependent service
/// for those users"), written like the keep-it options: where the snapshot's license states show
/// the user holding the dependent plan, a direct product is removed (`Set-MgUserLicense
/// -RemoveLicenses`) or, when it has other plans, the plan is disabled in it; a group's product has
/// the plan disabled in the group's license (every member). Returns the words saying where, for
/// the step; nothing when the snapshot does not say how the user holds it.
fn dependent_plan_commands(
    kb: &Knowledge,
    t: &Tenant,
    f: &Finding,
    d: &crate::model::finding::DependencyItem,
    commands: &mut Vec<String>,
) -> Vec<String> {
    let (Some(uid), Some(plan)) = (d.user.id.as_ref(), d.dependent_plan.id.as_ref()) else {
        return Vec::new();
    };
    let Some(states) = t.user(uid).and_then(|u| u.states.as_ref()) else {
        return Vec::new();
    };
    let ul = d.user.label();
    let pl = d.dependent_plan.label();
    let product = |s: &SkuId| {
        kb.sku_part_number(s)
            .map_or_else(|| s.to_string(), str::to_string)
    };
    let mut seen: Vec<(Option<&ObjectId>, &SkuId)> = Vec::new();
    let mut out = Vec::new();
    for st in states {
        let plans = kb.plans_of(&st.sku);
        if !plans.contains(plan) || st.disabled.contains(plan) {
            continue;
        }
        if seen.contains(&(st.group.as_ref(), &st.sku)) {
            continue;
        }
        seen.push((st.group.as_ref(), &st.sku));
        let sl = product(&st.sku);
        match &st.group {
            None => {
                out.push(format!("the direct {sl}"));
                commands.push(format!(
                    "# option: Set-MgUserLicense -UserId {} -AddLicenses @() -RemoveLicenses @({})  # remove the direct {} (which gives {}) from {}",
                    ps(uid.as_str()),
                    ps(st.sku.as_str()),
                    comment(&sl),
                    comment(&pl),
                    comment(&ul)
                ));
                if plans.len() > 1 {
                    let (names, ids) =
                        with_needing(kb, Some(&st.sku), &st.disabled, std::slice::from_ref(plan));
                    commands.push(format!(
                        "# option: Set-MgUserLicense -UserId {} -AddLicenses @(@{{SkuId={}; DisabledPlans={}}}) -RemoveLicenses @()  # disable {} in the direct {} of {}",
                        ps(uid.as_str()),
                        powershell::guid_or(st.sku.as_str(), "product id"),
                        disabled_plans_list(Some(st.disabled.clone()), &ids),
                        comment(&names),
                        comment(&sl),
                        comment(&ul)
                    ));
                }
            }
            Some(g) => {
                let gl = if f.group_id.as_ref() == Some(g) {
                    group_label(f)
                } else {
                    t.group(g)
                        .and_then(|x| x.name.clone())
                        .unwrap_or_else(|| g.to_string())
                };
                out.push(format!("{sl} from group {gl}"));
                let existing = t.group_disabled(g, &st.sku);
                let (names, ids) = with_needing(
                    kb,
                    Some(&st.sku),
                    existing.as_deref().unwrap_or_default(),
                    std::slice::from_ref(plan),
                );
                commands.push(format!(
                    "# option: Set-MgGroupLicense -GroupId {} -AddLicenses @(@{{SkuId={}; DisabledPlans={}}}) -RemoveLicenses @()  # disable {} in {} on {} (every member)",
                    powershell::guid_or(g.as_str(), "group id"),
                    powershell::guid_or(st.sku.as_str(), "product id"),
                    disabled_plans_list(existing, &ids),
                    comment(&names),
                    comment(&sl),
                    comment(&gl)
                ));
            }
        }
    }
    out
}

/// What to do first when the product's subscription is not active (licensing.md §3:
/// `capabilityStatus` decays Enabled -> Warning -> Suspended -> Deleted / LockedOut; suspended
/// units are cancelled but reactivatable, locked-out ones cancelled), or when none of its units
/// is enabled but some are suspended. `None` for an active subscription.
pub fn inactive_subscription(cap: &SkuCapacity, sku: &str) -> Option<String> {
    let status = cap.capability_status.as_deref().unwrap_or("");
    match status.to_ascii_lowercase().as_str() {
        "suspended" => Some(format!(
            "Reactivate the {sku} subscription first: it is Suspended (cancelled, {} unit(s) not assignable until it is reactivated)",
            cap.suspended
        )),
        "lockedout" => Some(format!(
            "Renew the {sku} subscription first: it is LockedOut (cancelled; {} unit(s) cannot be assigned)",
            cap.locked_out
        )),
        "deleted" => Some(format!(
            "Renew the {sku} subscription first, or buy a new one: it is Deleted ({})",
            if cap.locked_out > 0 {
                format!("cancelled; {} unit(s) locked out", cap.locked_out)
            } else {
                "cancelled; its units are gone".to_string()
            }
        )),
        "warning" => Some(format!(
            "Renew the {sku} subscription: it is in Warning (expired, {} unit(s) in their grace period; when it lapses they are suspended)",
            cap.warning
        )),
        _ if cap.enabled == 0 && cap.suspended > 0 => Some(format!(
            "Reactivate the {sku} subscription first: none of its units is enabled and {} are suspended (cancelled, reactivatable)",
            cap.suspended
        )),
        _ => None,
    }
}

/// How to add a user to a group, as the group's membership is managed: words for the step
/// (empty for a group assigned in the cloud) and, for such a group, the command.
fn join_group(
    t: &Tenant,
    gid: Option<&ObjectId>,
    glabel: &str,
    user: &UserRef,
) -> (String, Option<String>) {
    match t.membership(gid) {
        Membership::Synced => (
            format!(", added in on-premises AD: {glabel} is synced"),
            None,
        ),
        Membership::Dynamic(rule) => (
            format!(
                ", by the user's attributes: {glabel} is dynamic{}",
                rule.map(|r| format!(" ({r})")).unwrap_or_default()
            ),
            None,
        ),
        m @ (Membership::Assigned | Membership::Unknown) => (
            unknown_membership(&m, glabel, false),
            match (gid, user.key()) {
                (Some(g), Some(uid)) => Some(format!(
                    "New-MgGroupMember -GroupId {} -DirectoryObjectId {}  # add {} to {}",
                    ps(g.as_str()),
                    ps(&uid),
                    comment(&user.label()),
                    comment(glabel)
                )),
                _ => None,
            },
        ),
    }
}

/// For a group the inputs hold no groups export of ([`Membership::Unknown`]), what the commands
/// assume: a synced or dynamic group's members are not changed by `Remove-MgGroupMemberByRef` /
/// `New-MgGroupMember` (the guide's "Change license assignments"). `whole`: the full words (a
/// finding's summary, said once), else a short reminder (each user's step).
fn unknown_membership(m: &Membership, glabel: &str, whole: bool) -> String {
    match (m, whole) {
        (Membership::Unknown, true) => format!(
            " (the inputs do not say how {glabel}'s members are managed: the commands are for a group assigned in the cloud; a synced group changes in on-premises AD, a dynamic one by the users' attributes)"
        ),
        (Membership::Unknown, false) => {
            " (if its members are assigned in the cloud: the inputs do not say)".to_string()
        }
        _ => String::new(),
    }
}

fn pending(f: &Finding) -> Vec<&AffectedUser> {
    f.users
        .iter()
        .filter(|u| u.status == Status::Pending)
        .collect()
}

fn group_label(f: &Finding) -> String {
    f.group
        .clone()
        .unwrap_or_else(|| "the licensing group".into())
}

fn sku_label(f: &Finding) -> String {
    f.sku
        .clone()
        .or_else(|| f.sku_id.as_ref().map(|s| s.to_string()))
        .unwrap_or_else(|| "the product".into())
}

/// The recommendation for a finding.
pub fn recommend(f: &Finding, kb: &Knowledge, t: &Tenant, origin: Origin) -> Recommendation {
    let entry = playbook(&f.cause);
    let pend = pending(f);
    let is_pending: crate::model::hash::HashSet<&crate::model::finding::UserRef> =
        pend.iter().map(|u| &u.user).collect();
    let mut applies_to: Vec<String> = pend.iter().map(|u| u.user.label()).collect();
    if let Some(g) = &f.group {
        applies_to.push(format!("group {g}"));
    }
    if f.status != Status::Pending {
        let how = f
            .audit
            .resolved
            .as_ref()
            .map(|r| r.how.clone())
            .unwrap_or_else(|| "no pending user left".into());
        let summary = if f.status == Status::SelfResolved {
            format!("No action needed: Entra retried and succeeded ({how}).")
        } else if f.status == Status::Closed {
            format!("No action needed: closed, not resolved ({how}).")
        } else {
            format!("No action needed: resolved ({how}).")
        };
        return Recommendation {
            summary,
            steps: vec!["Nothing to do; check that later runs stay clean.".into()],
            commands: Vec::new(),
            doc_url: entry.doc_url,
            applies_to,
        };
    }
    let direct = origin == Origin::Direct;
    // a group's assignment is reprocessed; a direct one reported its error at once and is
    // simply made again (guide: `Set-MgUserLicense` reports the problem back immediately)
    let reprocess: Vec<String> = if direct {
        pend.iter()
            .filter_map(|u| retry_line(u, f.sku_id.as_ref()))
            .collect()
    } else {
        pend.iter().filter_map(|u| reprocess_line(u)).collect()
    };
    let sku = sku_label(f);
    let group = group_label(f);
    let then_group = if direct {
        format!("retry the direct assignment of {sku}")
    } else {
        format!("reprocess {group}")
    };
    let then_users = if direct {
        "retry the direct assignment"
    } else {
        "reprocess the user(s)"
    };
    const DIRECT_RETRY: &str = "Then retry the direct assignment (Set-MgUserLicense, below): a direct assignment reports its error at once, so there is no group or user to reprocess.";
    let mut steps: Vec<String> = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    let mut summary;

    match (&f.cause, &f.details) {
        (Cause::CountViolation, CauseDetails::Count(c)) => {
            let n = c.shortfall.unwrap_or(c.blocked_users as u64);
            // without seat numbers, the users waiting are what is known to be missing: a floor
            let at_least = if c.shortfall.is_none() {
                "at least "
            } else {
                ""
            };
            // "3 more ENTERPRISEPACK license(s)", or "3 more license(s) of the product" when the
            // data does not name it
            let licenses = if f.sku.is_some() || f.sku_id.is_some() {
                format!("{sku} license(s)")
            } else {
                format!("license(s) of {sku}")
            };
            let lapsed = c
                .capacity
                .as_deref()
                .and_then(|cap| inactive_subscription(cap, &sku));
            summary = match (&lapsed, n > 0) {
                (Some(l), true) => format!(
                    "{l}; otherwise buy {at_least}{n} more {licenses} or free {n} seat(s). Then {then_group}."
                ),
                (Some(l), false) => format!("{l}. Then {then_group}."),
                (None, true) => format!(
                    "Buy {at_least}{n} more {licenses} or free {n} seat(s), then {then_group}."
                ),
                (None, false) => format!("Seats of {sku} are available now: {then_group}."),
            };
            if let Some(l) = &lapsed {
                steps.push(format!(
                    "{l}. In the Microsoft 365 admin center > Billing > Your products; units of a subscription that is not active cannot be assigned."
                ));
            } else if let Some(cap) = c.capacity.as_deref().filter(|cap| cap.suspended > 0) {
                steps.push(format!(
                    "{} unit(s) of {sku} are suspended (cancelled, reactivatable): reactivating them (Microsoft 365 admin center > Billing > Your products) gives back seats without buying new ones.",
                    cap.suspended
                ));
            }
            if let Some(cap) = &c.capacity {
                steps.push(format!(
                    "Check the seats in the Microsoft 365 admin center > Billing > Licenses > {sku}: {} enabled, {} in warning, {} consumed.",
                    cap.enabled, cap.warning, cap.consumed
                ));
                if n > 0 {
                    steps.push(format!("Buy {n} more {licenses}, or free {n} seat(s):"));
                }
                let sku_id = cap.sku_id.to_string();
                // seats free now: nothing needs freeing, so no removal is proposed
                let reclaim: &[_] = if n > 0 { &cap.reclaimable } else { &[] };
                for r in reclaim {
                    let Some(uid) = r.user.key() else { continue };
                    match r.reason {
                        ReclaimReason::DisabledAccount => {
                            // products the account keeps that depend on this one: removing it
                            // alone is refused (licensing.md §7.2), so they go in the same change
                            let deps: Vec<String> = r.needed_by.iter().map(|p| p.label()).collect();
                            let direct_deps: Vec<String> = r
                                .needed_by
                                .iter()
                                .filter_map(|p| p.sku_id.as_ref())
                                .filter(|d| {
                                    r.user
                                        .id
                                        .as_ref()
                                        .and_then(|id| t.user(id))
                                        .is_some_and(|uf| {
                                            uf.states.as_ref().is_some_and(|sts| {
                                                sts.iter().any(|st| {
                                                    st.group.is_none() && st.held && &st.sku == *d
                                                })
                                            })
                                        })
                                })
                                .map(|d| ps(d.as_str()))
                                .collect();
                            if deps.is_empty() {
                                steps.push(format!(
                                    "{} is a disabled account that still holds {sku}: remove it.",
                                    r.user.label()
                                ));
                            } else {
                                steps.push(format!(
                                    "{} is a disabled account that still holds {sku}: remove it together with {} (which depend{} on it: removing {sku} alone is refused as a DependencyViolation).",
                                    r.user.label(),
                                    deps.join(", "),
                                    if deps.len() == 1 { "s" } else { "" }
                                ));
                                if direct_deps.len() < deps.len() {
                                    steps.push(format!(
                                        "For {}: not every one of {} is assigned directly; remove it where it is assigned before {sku}.",
                                        r.user.label(),
                                        deps.join(", ")
                                    ));
                                }
                            }
                            let removed: Vec<String> = std::iter::once(ps(&sku_id))
                                .chain(direct_deps.iter().cloned())
                                .collect();
                            for v in &r.held_via {
                                match v {
                                    AssignmentSource::Direct { .. } | AssignmentSource::Unknown { .. } => commands.push(format!(
                                        "Set-MgUserLicense -UserId {} -AddLicenses @() -RemoveLicenses @({})  # disabled account {}",
                                        ps(&uid),
                                        removed.join(","),
                                        comment(&r.user.label())
                                    )),
                                    AssignmentSource::Group { group_id: Some(g), group, .. } => {
                                        let gl = group.clone().unwrap_or_else(|| g.to_string());
                                        let (how, cmd) = leave_group(
                                            t,
                                            Some(g),
                                            &gl,
                                            &r.user,
                                            &format!("disabled account {} in {gl}", r.user.label()),
                                        );
                                        match cmd {
                                            Some(c) => commands.push(c),
                                            None => steps.push(format!("For {}: {how}.", r.user.label())),
                                        }
                                    }
                                    AssignmentSource::Group { .. } => {}
                                }
                            }
                        }
                        ReclaimReason::DirectOnly => {
                            steps.push(format!(
                                "{} holds {sku} only by direct assignment, outside any licensing group: if they no longer need it, remove it (if they do, nothing is freed).",
                                r.user.label()
                            ));
                            commands.push(format!(
                                "# review first: Set-MgUserLicense -UserId {} -AddLicenses @() -RemoveLicenses @({})  # direct-only holder {}",
                                ps(&uid),
                                ps(&sku_id),
                                comment(&r.user.label())
                            ));
                        }
                    }
                }
                if n > 0 {
                    for r in &cap.still_needed {
                        let deps: Vec<String> = r.needed_by.iter().map(|p| p.label()).collect();
                        steps.push(format!(
                            "{} holds {sku} directly but still needs it: {} (which they keep) depend{} on it, so it is not reclaimable.",
                            r.user.label(),
                            deps.join(", "),
                            if deps.len() == 1 { "s" } else { "" }
                        ));
                    }
                }
                if !cap.direct_and_group.is_empty() {
                    steps.push(format!(
                        "Don't count on users holding {sku} both directly and through a group ({}): removing the direct copy frees no seat.",
                        cap.direct_and_group.iter().map(|u| u.label()).collect::<Vec<_>>().join(", ")
                    ));
                }
            } else {
                steps.push(format!(
                    "Check the seats of {sku} in the Microsoft 365 admin center > Billing > Licenses; buy more or free unused licenses from other users or groups."
                ));
            }
            steps.push(if direct {
                DIRECT_RETRY.to_string()
            } else {
                format!(
                    "Then reprocess {group} (Microsoft 365 admin center > Billing > Licenses > {sku} > {group} > select the users > Reprocess; the Entra admin center's group > Licenses > Reprocess where it is still offered), or the affected users."
                )
            });
        }
        (
            Cause::MutuallyExclusiveViolation,
            CauseDetails::Conflict {
                conflicting_plans,
                legacy_only,
                legacy_pairs,
                ..
            },
        ) => {
            // the users a conflict explains, and those whose plans conflict only under the
            // pre-July-2025 table (nothing to disable; the diagnosis found them), looked up once
            // each (a finding can name tens of thousands: a scan per user was quadratic)
            let with_conflict: std::collections::HashSet<&UserRef> =
                conflicting_plans.iter().map(|c| &c.user).collect();
            let legacy_only: std::collections::HashSet<&UserRef> = legacy_only.iter().collect();
            let legacy: Vec<&AffectedUser> = pend
                .iter()
                .copied()
                .filter(|u| !with_conflict.contains(&u.user) && legacy_only.contains(&u.user))
                .collect();
            let explained = pend
                .iter()
                .filter(|u| with_conflict.contains(&u.user))
                .count();
            // a legacy user's pairs all ones the docs say may now be combined (Exchange Online
            // Plan 1 and Plan 2), or some the current list is only silent on
            let legacy_pairs_of = |u: &UserRef| -> Vec<_> {
                legacy_pairs
                    .iter()
                    .filter(|p| &p.user == u && p.determined_from != "audit")
                    .collect()
            };
            let documented =
                |u: &UserRef| legacy_pairs_of(u).iter().all(|p| p.duplication_documented);
            summary = if explained == 0 && !legacy.is_empty() {
                if legacy.iter().all(|u| documented(&u.user)) {
                    format!(
                        "The plans of {} user(s) only conflict under Microsoft's pre-July-2025 list (Exchange Online Plan 1 and Plan 2 now allow duplication): {then_users}; nothing to disable.",
                        legacy.len()
                    )
                } else {
                    format!(
                        "The plans of {} user(s) only conflict under Microsoft's pre-July-2025 list, which the current list no longer names: {then_users}; if the error stays, disable one of the two plans.",
                        legacy.len()
                    )
                }
            } else {
                format!(
                    "Resolve the conflicting service plans for {} user(s): disable a plan in one assignment or remove the other license, then {then_users}.",
                    explained.max(pend.len() - legacy.len())
                )
            };
            // plans to disable, gathered per assignment: one command each (its DisabledPlans
            // list replaces the assignment's, so two separate lines would undo each other)
            let mut fail_plans: Vec<PlanId> = Vec::new();
            let mut other_groups: BTreeMap<(ObjectId, SkuId), (String, String, Vec<PlanId>)> =
                BTreeMap::new();
            let mut other_direct: BTreeMap<(String, SkuId), (String, String, Vec<PlanId>)> =
                BTreeMap::new();
            let disable_failing = if direct {
                format!("or assign {sku} again with {{plan}} disabled")
            } else {
                format!("or disable {{plan}} in {sku} on {group} (affects every member)")
            };
            for cp in conflicting_plans {
                if !is_pending.contains(&cp.user) {
                    continue;
                }
                let uid = cp.user.key().unwrap_or_else(|| cp.user.label());
                // a plan disabled with the plans that need it in its product (SHAREPOINTWAC
                // with the only SharePoint plan), as the command disables them
                let named = |p: &crate::model::finding::PlanRef,
                             sku: Option<&SkuId>,
                             existing: Option<Vec<PlanId>>| {
                    match &p.id {
                        Some(id) => {
                            with_needing(
                                kb,
                                sku,
                                &existing.unwrap_or_default(),
                                std::slice::from_ref(id),
                            )
                            .0
                        }
                        None => p.label(),
                    }
                };
                let plan = named(
                    &cp.plan,
                    f.sku_id.as_ref(),
                    match (&f.group_id, direct) {
                        (Some(g), false) => f.sku_id.as_ref().and_then(|s| t.group_disabled(g, s)),
                        _ => None,
                    },
                );
                let fail_opt = disable_failing.replace("{plan}", &plan);
                if let Some(p) = &cp.plan.id {
                    if !fail_plans.contains(p) {
                        fail_plans.push(p.clone());
                    }
                }
                match &cp.other_source {
                    AssignmentSource::Direct { sku: osku, sku_id } => {
                        let osku_l = osku.clone().unwrap_or_else(|| "the other product".into());
                        let other = named(
                            &cp.other_plan,
                            sku_id.as_ref(),
                            match (cp.user.id.as_ref(), sku_id.as_ref()) {
                                (Some(u), Some(s)) => t.direct_disabled(u, s),
                                _ => None,
                            },
                        );
                        steps.push(format!(
                            "{}: disable {other} in the direct {osku_l}, or remove the direct {osku_l} if it is redundant, {fail_opt}.",
                            cp.user.label()
                        ));
                        if let (Some(sid), Some(op)) = (sku_id, &cp.other_plan.id) {
                            let e = other_direct
                                .entry((uid.clone(), sid.clone()))
                                .or_insert_with(|| (cp.user.label(), osku_l.clone(), Vec::new()));
                            if !e.2.contains(op) {
                                e.2.push(op.clone());
                            }
                        }
                        if let Some(sid) = sku_id {
                            commands.push(format!(
                                "# option: Set-MgUserLicense -UserId {} -AddLicenses @() -RemoveLicenses @({})  # remove the direct {} from {}",
                                ps(&uid),
                                ps(sid.as_str()),
                                comment(&osku_l),
                                comment(&cp.user.label())
                            ));
                        }
                    }
                    AssignmentSource::Group { group_id, group: og, sku: osku, sku_id } => {
                        let og_l = og.clone().or_else(|| group_id.as_ref().map(|g| g.to_string())).unwrap_or_else(|| "the other group".into());
                        let osku_l = osku.clone().unwrap_or_else(|| "the other product".into());
                        let other = named(
                            &cp.other_plan,
                            sku_id.as_ref(),
                            match (group_id.as_ref(), sku_id.as_ref()) {
                                (Some(g), Some(s)) => t.group_disabled(g, s),
                                _ => None,
                            },
                        );
                        let (leave, cmd) = leave_group(
                            t,
                            group_id.as_ref(),
                            &og_l,
                            &cp.user,
                            &format!("remove {} from {og_l}", cp.user.label()),
                        );
                        // leaving the group takes every product it assigns, not just this one
                        let also: Vec<String> = match (group_id.as_ref().and_then(|g| t.group(g)), sku_id.as_ref()) {
                            (Some(gf), Some(sid)) => gf
                                .licenses
                                .iter()
                                .filter(|(s, _)| s != sid)
                                .map(|(s, _)| kb.sku_part_number(s).map(str::to_string).unwrap_or_else(|| s.to_string()))
                                .collect(),
                            _ => Vec::new(),
                        };
                        let also_txt = if also.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (leaving {og_l} also removes {} from {}: only if they need none of it)",
                                also.join(", "),
                                cp.user.label()
                            )
                        };
                        steps.push(format!(
                            "{}: disable {other} in {osku_l} on group {og_l} (affects every member of {og_l}), or, if {} is redundant, {leave}{also_txt}, {fail_opt}.",
                            cp.user.label(),
                            osku.clone().unwrap_or_else(|| "it".into())
                        ));
                        if let (Some(g), Some(sid), Some(op)) = (group_id, sku_id, &cp.other_plan.id) {
                            let e = other_groups
                                .entry((g.clone(), sid.clone()))
                                .or_insert_with(|| (og_l.clone(), osku_l.clone(), Vec::new()));
                            if !e.2.contains(op) {
                                e.2.push(op.clone());
                            }
                        }
                        if let Some(c) = cmd {
                            if also.is_empty() {
                                commands.push(format!("# option: {c}"));
                            } else {
                                commands.push(format!(
                                    "# option (also removes {}): {c}",
                                    comment(&also.join(", "))
                                ));
                            }
                        }
                    }
                    AssignmentSource::Unknown { .. } => steps.push(format!(
                        "{}: {} conflicts with {other}; find which of the user's licenses holds {other}, then disable it there or remove that license.",
                        cp.user.label(),
                        cp.plan.label(),
                        other = cp.other_plan.label()
                    )),
                }
            }
            // the finding's users by key, once (a search per conflict was quadratic)
            let by_key: std::collections::HashMap<String, &AffectedUser> = f
                .users
                .iter()
                .filter_map(|u| Some((u.user.key()?, u)))
                .collect();
            for ((uid, sid), (ul, osku_l, plans)) in &other_direct {
                let existing = by_key
                    .get(uid.as_str())
                    .and_then(|u| u.user.id.as_ref())
                    .and_then(|id| t.direct_disabled(id, sid));
                let (names, ids) = with_needing(
                    kb,
                    Some(sid),
                    existing.as_deref().unwrap_or_default(),
                    plans,
                );
                commands.push(format!(
                    "# option: Set-MgUserLicense -UserId {} -AddLicenses @(@{{SkuId={}; DisabledPlans={}}}) -RemoveLicenses @()  # disable {} in the direct {} of {}",
                    ps(uid),
                    powershell::guid_or(sid.as_str(), "product id"),
                    disabled_plans_list(existing, &ids),
                    comment(&names),
                    comment(osku_l),
                    comment(ul)
                ));
            }
            for ((g, sid), (og_l, osku_l, plans)) in &other_groups {
                let existing = t.group_disabled(g, sid);
                let (names, ids) = with_needing(
                    kb,
                    Some(sid),
                    existing.as_deref().unwrap_or_default(),
                    plans,
                );
                commands.push(format!(
                    "# option: Set-MgGroupLicense -GroupId {} -AddLicenses @(@{{SkuId={}; DisabledPlans={}}}) -RemoveLicenses @()  # disable {} in {} on {} (every member)",
                    powershell::guid_or(g.as_str(), "group id"),
                    powershell::guid_or(sid.as_str(), "product id"),
                    disabled_plans_list(existing, &ids),
                    comment(&names),
                    comment(osku_l),
                    comment(og_l)
                ));
            }
            if !fail_plans.is_empty() {
                let sid = f
                    .sku_id
                    .as_ref()
                    .map(|s| powershell::guid_or(s.as_str(), "product id"))
                    .unwrap_or_else(|| "<product id>".into());
                match (&f.group_id, direct) {
                    (_, true) => {
                        let (names, ids) = with_needing(kb, f.sku_id.as_ref(), &[], &fail_plans);
                        for u in &pend {
                            let Some(uid) = u.user.key() else { continue };
                            commands.push(format!(
                                "# option: Set-MgUserLicense -UserId {} -AddLicenses @(@{{SkuId={sid}; DisabledPlans={}}}) -RemoveLicenses @()  # assign {} to {} without {}",
                                ps(&uid),
                                disabled_plans_list(Some(Vec::new()), &ids),
                                comment(&sku),
                                comment(&u.user.label()),
                                comment(&names)
                            ));
                        }
                    }
                    (Some(g), false) => {
                        let existing = f.sku_id.as_ref().and_then(|s| t.group_disabled(g, s));
                        let (names, ids) = with_needing(
                            kb,
                            f.sku_id.as_ref(),
                            existing.as_deref().unwrap_or_default(),
                            &fail_plans,
                        );
                        commands.push(format!(
                            "# option: Set-MgGroupLicense -GroupId {} -AddLicenses @(@{{SkuId={sid}; DisabledPlans={}}}) -RemoveLicenses @()  # disable {} in {} on {} (every member)",
                            powershell::guid_or(g.as_str(), "group id"),
                            disabled_plans_list(existing, &ids),
                            comment(&names),
                            comment(&sku),
                            comment(&group)
                        ))
                    }
                    (None, false) => {}
                }
            }
            for u in &legacy {
                let pairs: Vec<String> = legacy_pairs_of(&u.user)
                    .iter()
                    .map(|p| p.describe())
                    .collect();
                let pairs = if pairs.is_empty() {
                    "the plans".to_string()
                } else {
                    pairs.join("; ")
                };
                steps.push(if documented(&u.user) {
                    format!(
                        "{}: {pairs} only conflict under Microsoft's pre-July-2025 list (Exchange Online Plan 1 and Plan 2 now allow duplication): nothing to disable; {then_users}.",
                        u.user.label()
                    )
                } else {
                    format!(
                        "{}: {pairs} only conflict under Microsoft's pre-July-2025 list, which the current list no longer names (without saying they may now be combined): {then_users}; if the error stays, disable one of the two.",
                        u.user.label()
                    )
                });
            }
            // pairs the service still reported that only the old list has: reprocess first
            let mut audit_legacy: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for p in legacy_pairs
                .iter()
                .filter(|p| p.determined_from == "audit" && is_pending.contains(&p.user))
            {
                audit_legacy
                    .entry(p.describe())
                    .or_default()
                    .push(p.user.label());
            }
            for (pair, users) in &audit_legacy {
                steps.push(format!(
                    "{}: the audit text names {pair}, which only Microsoft's pre-July-2025 list has (2025 docs: try reprocessing): {then_users} first; if the error comes back, change an assignment as below.",
                    users.join(", ")
                ));
            }
            if steps.is_empty() {
                steps.push("Find the conflicting plans (Microsoft's list of service plans that cannot be assigned at the same time) and disable one of them or remove the other license.".into());
            }
            if explained > 0 || legacy.len() < pend.len() {
                steps.push(if direct {
                    format!("The decision belongs to the administrator; Entra doesn't resolve conflicts. {DIRECT_RETRY}")
                } else {
                    "The decision belongs to the administrator; Entra doesn't resolve conflicts. Then reprocess the user(s).".into()
                });
            }
        }
        (Cause::DependencyViolation, CauseDetails::Dependency { dependencies }) => {
            summary = format!(
                "Keep the required plan through another source (or remove the dependent plan) for {} user(s), then reprocess them.",
                pend.len()
            );
            for d in dependencies {
                if !is_pending.contains(&d.user) {
                    continue;
                }
                let req: Vec<String> = d.requires.iter().map(|p| p.label()).collect();
                let uid = d.user.key();
                let seats = |o: &crate::model::finding::SupplyOption| match o.available {
                    Some(a) if a <= 0 => "; no free seats",
                    _ => "",
                };
                let mut opts: Vec<String> = Vec::new();
                for o in &d.would_come_from {
                    let p = o.product.label();
                    match (o.how.as_str(), &o.group) {
                        ("group", Some(g)) => {
                            let (join, cmd) = join_group(t, o.group_id.as_ref(), g, &d.user);
                            opts.push(format!("membership of {g} ({p}{}{join})", seats(o)));
                            if let Some(c) = cmd {
                                commands.push(format!("# option: {c}"));
                            }
                        }
                        ("user_assignment_disabled_plan", _) => {
                            opts.push(format!("enable it in the user's {p}"))
                        }
                        (how, _) => {
                            opts.push(if how == "direct_same_product" {
                                format!("a direct {p} assignment (no extra seat)")
                            } else {
                                format!(
                                    "a direct {p} assignment{}",
                                    match o.available {
                                        Some(a) if a <= 0 => " (no free seats)",
                                        _ => "",
                                    }
                                )
                            });
                            if let (Some(u), Some(sid)) = (&uid, &o.product.sku_id) {
                                commands.push(format!(
                                    "# option: Set-MgUserLicense -UserId {} -AddLicenses @(@{{SkuId={}}}) -RemoveLicenses @()  # keep {} for {}: assign {} directly",
                                    ps(u),
                                    powershell::guid_or(sid.as_str(), "product id"),
                                    comment(&req.join(" or ")),
                                    comment(&d.user.label()),
                                    comment(&p)
                                ));
                            }
                        }
                    }
                }
                let held_in = dependent_plan_commands(kb, t, f, d, &mut commands);
                steps.push(format!(
                    "{}: {} needs {}; {}or disable/remove {}{}.",
                    d.user.label(),
                    d.dependent_plan.label(),
                    req.join(" or "),
                    if opts.is_empty() {
                        "assign it through another product ".to_string()
                    } else {
                        format!("keep it via {} ", opts.join(", "))
                    },
                    d.dependent_plan.label(),
                    if held_in.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", held_in.join("; "))
                    }
                ));
            }
            if steps.is_empty() {
                steps.push("Make sure the required plan is still assigned through another method, or disable the dependent service.".into());
            }
            let license = if f.sku.is_some() || f.sku_id.is_some() {
                format!("the {sku} license")
            } else {
                "the license".to_string()
            };
            steps.push(format!(
                "Then {license} can be assigned or removed properly; reprocess the user(s)."
            ));
        }
        (
            Cause::ProhibitedInUsageLocationViolation,
            CauseDetails::UsageLocation { usage_locations },
        ) => {
            let take_out = match t.membership(f.group_id.as_ref()) {
                Membership::Synced => format!("Remove {} user(s) in unsupported locations from {group} in on-premises AD ({group} is synced)", pend.len()),
                Membership::Dynamic(_) => format!("Take {} user(s) in unsupported locations out of dynamic group {group} (change their attributes or the rule)", pend.len()),
                m @ (Membership::Assigned | Membership::Unknown) => format!("Remove {} user(s) in unsupported locations from {group}{}", pend.len(), unknown_membership(&m, &group, true)),
            };
            summary = format!("{take_out}, or correct their usageLocation, then {then_users}.");
            for l in usage_locations {
                if !is_pending.contains(&l.user) {
                    continue;
                }
                let uid = l.user.key().unwrap_or_else(|| l.user.label());
                let (leave, cmd) = if direct {
                    (format!("remove the direct {sku} from the user"), None)
                } else {
                    leave_group(
                        t,
                        f.group_id.as_ref(),
                        &group,
                        &l.user,
                        &format!("remove {} from {group}", l.user.label()),
                    )
                };
                steps.push(format!(
                    "{} (usage location {}): if wrong, correct it{}; otherwise {leave}.",
                    l.user.label(),
                    l.note,
                    if l.synced {
                        " at the on-premises source (synced user)"
                    } else {
                        ""
                    }
                ));
                // a synced user's usageLocation is changed at the source (licensing.md §1:
                // onPremisesSyncEnabled true, usageLocation fixes on-premises): no cloud command
                // that the step just said not to use
                commands.push(if l.synced {
                    format!(
                        "# if the location is wrong: {} is synced from on-premises AD: correct usageLocation at the source and let it sync (no cloud command)  # now {}",
                        comment(&l.user.label()),
                        comment(&l.note)
                    )
                } else {
                    format!(
                        "# if the location is wrong: Update-MgUser -UserId {} -UsageLocation '<country code>'  # now {}",
                        ps(&uid),
                        comment(&l.note)
                    )
                });
                if let Some(c) = cmd {
                    commands.push(format!("# if it is right: {c}"));
                }
            }
        }
        (
            Cause::UniquenessViolation,
            CauseDetails::Uniqueness {
                colliding,
                unexplained,
            },
        ) => {
            summary = format!(
                "Fix the duplicate proxy address(es) of {} user(s), then {}.",
                pend.len(),
                if direct {
                    "retry the direct assignment"
                } else {
                    "force license processing"
                }
            );
            let mut addrs: Vec<&str> = Vec::new();
            for c in colliding {
                if !is_pending.contains(&c.user) {
                    continue;
                }
                // three holders by name (an address many objects share is named once per
                // user, not with every holder: that was quadratic), then how many more
                const NAMED: usize = 3;
                let holders: Vec<String> = c
                    .holders
                    .iter()
                    .take(NAMED)
                    .map(|h| {
                        format!(
                            "{} {}",
                            h.kind,
                            h.upn
                                .clone()
                                .or_else(|| h.display_name.clone())
                                .unwrap_or_else(|| h.id.to_string())
                        )
                    })
                    .collect();
                let more = c.holders_total.max(c.holders.len()) - holders.len();
                let held_by = if more > 0 {
                    format!("{} and {more} more", holders.join(", "))
                } else {
                    holders.join(", ")
                };
                // where the holder is mastered says where its proxyAddresses change
                let mastered: Vec<String> = c
                    .holders
                    .iter()
                    .take(NAMED)
                    .filter_map(|h| {
                        let synced = if h.kind == "user" {
                            t.user(&h.id).map(|u| u.synced)
                        } else {
                            t.group(&h.id).map(|g| g.synced)
                        }?;
                        let who = h
                            .upn
                            .clone()
                            .or_else(|| h.display_name.clone())
                            .unwrap_or_else(|| h.id.to_string());
                        Some(if synced {
                            format!("{who} is synced: change it in on-premises AD")
                        } else {
                            format!("{who} is cloud-only: change it in Exchange Online")
                        })
                    })
                    .collect();
                steps.push(format!(
                    "{}: {} is already held by {}; remove it from the object that should not have it{}.",
                    c.user.label(),
                    c.address,
                    held_by,
                    if mastered.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", mastered.join("; "))
                    }
                ));
                if !addrs.contains(&c.address.as_str()) {
                    addrs.push(&c.address);
                }
            }
            for u in unexplained {
                steps.push(format!(
                    "{}: find the colliding address in Exchange Online (Get-Recipient).",
                    u.label()
                ));
            }
            for a in addrs {
                // only plain addresses go into a generated PowerShell line: no quote of any
                // kind (PowerShell reads “ ” „ as `"` and ‘ ’ ‚ ‛ as `'`), no `$`, no backtick
                if !powershell::plain_address(a) {
                    continue;
                }
                // a pseudonym (`--redact`) finds nothing in Exchange: the line says to put the
                // real address in
                let redacted = if crate::redact::pseudonym::is_pseudonym(a) {
                    "  # a --redact pseudonym: put the real address in"
                } else {
                    ""
                };
                commands.push(format!(
                    "Get-Recipient -Filter \"EmailAddresses -eq 'smtp:{a}'\" | fl DisplayName, RecipientType, EmailAddresses{redacted}"
                ));
            }
            steps.push(if direct {
                DIRECT_RETRY.to_string()
            } else {
                format!("Then force license processing on {group} (Microsoft 365 admin center > Billing > Licenses > {sku} > {group} > select the users > Reprocess; the Entra admin center's group > Licenses > Reprocess where it is still offered) or reprocess the user(s).")
            });
        }
        (
            Cause::Other,
            CauseDetails::Blocked {
                blocked_by,
                unexplained,
            },
        ) => {
            summary = "Fix the error that blocks the group's other product; these users get this product with it.".into();
            for b in blocked_by {
                if !is_pending.contains(&b.user) {
                    continue;
                }
                steps.push(format!(
                    "{}: blocked by {} on {} (see that finding).",
                    b.user.label(),
                    b.cause.code(),
                    b.sku.clone().unwrap_or_else(|| "another product".into())
                ));
            }
            for u in unexplained {
                steps.push(format!(
                    "{}: check the user's other licenses from {group} and the user's audit log for failed `Change user license` events.",
                    u.label()
                ));
            }
            steps.push("Then reprocess the user(s).".into());
        }
        (Cause::ConcurrencyException, _) => {
            summary = "No action required: Entra retries until the assignment succeeds.".into();
            // guide: "Microsoft Entra ID will retry ... There is no action required": while the
            // group is still being processed, a reprocess would only queue behind the retry
            if let Some(p) = t.processing_incomplete(f.group_id.as_ref()) {
                steps.push(format!(
                    "Wait for {group}'s license processing to complete (licenseProcessingState {p}); Entra retries the user meanwhile. Check a later export before anything else."
                ));
                return Recommendation {
                    summary,
                    steps,
                    commands: Vec::new(),
                    doc_url: entry.doc_url,
                    applies_to,
                };
            }
            steps.push(
                "Wait for the retry; if a later export still shows no success, reprocess the user."
                    .into(),
            );
            return Recommendation {
                summary,
                steps,
                commands: reprocess
                    .iter()
                    .map(|l| format!("# only if it persists: {l}"))
                    .collect(),
                doc_url: entry.doc_url,
                applies_to,
            };
        }
        (Cause::MissingPrerequisite, CauseDetails::Prerequisite(p)) => {
            let base: Vec<String> = p.base_products.iter().map(|b| b.label()).collect();
            let prereq = p.requires_text();
            let plans: Vec<String> = p.prerequisite_plans.iter().map(|b| b.label()).collect();
            summary = format!(
                "Put {} and its prerequisite ({prereq}) in the same group.",
                p.add_on
            );
            let base_any = if base.is_empty() {
                "the prerequisite product".to_string()
            } else {
                base.join(" or ")
            };
            steps.push(format!(
                "Add the add-on to a group that already assigns {base_any} with {prereq} enabled, or add {base_any} to {group}."
            ));
            // the explanation names the example pair; the steps stay generic but concrete
            steps.push(format!(
                "Or create a dedicated group with {} limited to the prerequisite plan it contains{} plus {sku}: members consume one seat of each, and still one base seat if another group gives them the full product.",
                base.first().cloned().unwrap_or_else(|| "the base product".into()),
                // the plans are the add-on's alternatives; a base product holds one of them
                match plans.as_slice() {
                    [] => String::new(),
                    [p] => format!(" ({p})"),
                    more => format!(" (one of {})", more.join(", ")),
                }
            ));
            steps.push("If users have different base products (e.g. E1 and E3), make one such group per base product.".into());
            // the commands of the first layout, per base product; `plan add-on` checks them
            // (seats, conflicts of the members) and writes the dedicated group's
            let add_on_id = p.add_on_product.as_ref().and_then(|a| a.sku_id.as_ref());
            let add_on_label = p
                .add_on_product
                .as_ref()
                .map(|a| a.label())
                .unwrap_or_else(|| sku.clone());
            if let (Some(g), Some(a)) = (&f.group_id, add_on_id) {
                for b in &p.base_products {
                    let Some(bid) = &b.sku_id else { continue };
                    commands.push(format!(
                        "# option: Set-MgGroupLicense -GroupId {} -AddLicenses @(@{{SkuId={}}}, @{{SkuId={}}}) -RemoveLicenses @()  # {} with its prerequisite in {} on {}",
                        powershell::guid_or(g.as_str(), "group id"),
                        powershell::guid_or(bid.as_str(), "product id"),
                        powershell::guid_or(a.as_str(), "product id"),
                        comment(&add_on_label),
                        comment(&b.label()),
                        comment(&group)
                    ));
                }
            }
            // the group by its id where known: a name may be a pseudonym (`--redact`) that no
            // input holds, or hold what a shell reads otherwise than PowerShell (`O'Brien`)
            let shell_safe = |t: &str| {
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            };
            let group_arg = match &f.group_id {
                Some(g) if shell_safe(g.as_str()) => g.to_string(),
                _ => ps(&group),
            };
            let sku_arg = if shell_safe(&add_on_label) {
                add_on_label.clone()
            } else {
                ps(&add_on_label)
            };
            commands.push(format!(
                "# check first, with this run's inputs: licdiag plan add-on <inputs> --group {group_arg} --sku {sku_arg}  # {}",
                comment(&group)
            ));
        }
        (Cause::Unknown(code), CauseDetails::UsageLocation { usage_locations })
            if code.as_str() == crate::model::cause::INVALID_USAGE_LOCATION =>
        {
            summary = format!(
                "Set a valid usage location on {} user(s), then {then_users}.",
                pend.len()
            );
            // a direct assignment ends with its own retry step (no user to reprocess): the
            // playbook's "assign again, or reprocess" would contradict it
            steps.extend(
                entry
                    .fix
                    .iter()
                    .filter(|s| !(direct && s.starts_with("Then assign the license again")))
                    .cloned(),
            );
            for l in usage_locations {
                if !is_pending.contains(&l.user) {
                    continue;
                }
                let uid = l.user.key().unwrap_or_else(|| l.user.label());
                // a synced user: at the source, not in the cloud (licensing.md §1)
                commands.push(if l.synced {
                    format!(
                        "# {} is synced from on-premises AD: set usageLocation at the source and let it sync (no cloud command)  # now {}",
                        comment(&l.user.label()),
                        comment(&l.note)
                    )
                } else {
                    format!(
                        "Update-MgUser -UserId {} -UsageLocation '<country code>'  # now {}",
                        ps(&uid),
                        comment(&l.note)
                    )
                });
            }
            if direct {
                steps.push(DIRECT_RETRY.into());
            }
        }
        (c, CauseDetails::Inherited { inherited }) if c.is_refused_removal() => {
            summary = format!(
                "Nothing to retry or reprocess: {} inherited from a group by {} user(s), and it cannot be removed from them directly. To take it away, remove them from the licensing group, or the product from the group's licenses if no member should have it; if they should keep it, nothing is to be done.",
                if f.sku.is_some() || f.sku_id.is_some() {
                    format!("{sku} is")
                } else {
                    "the license is".to_string()
                },
                pend.len()
            );
            steps.extend(entry.fix.iter().cloned());
            // each group's license, once, for the option of taking the product off the group
            let mut group_licenses: BTreeMap<(ObjectId, SkuId), (String, String)> = BTreeMap::new();
            for item in inherited {
                if !is_pending.contains(&item.user) {
                    continue;
                }
                let ul = item.user.label();
                let Some(uid) = item.user.key() else { continue };
                let sources: Vec<(Option<&ObjectId>, String, Option<&SkuId>, String)> = item
                    .inherited_from
                    .iter()
                    .filter_map(|src| match src {
                        AssignmentSource::Group {
                            group_id,
                            group,
                            sku: psku,
                            sku_id,
                        } => Some((
                            group_id.as_ref(),
                            group
                                .clone()
                                .or_else(|| group_id.as_ref().map(|g| g.to_string()))
                                .unwrap_or_else(|| "the licensing group".into()),
                            sku_id.as_ref(),
                            psku.clone()
                                .or_else(|| sku_id.as_ref().map(|s| s.to_string()))
                                .unwrap_or_else(|| sku.clone()),
                        )),
                        _ => None,
                    })
                    .collect();
                if sources.is_empty() {
                    // no snapshot says which group: the user's license states name it
                    steps.push(format!(
                        "{ul}: the inputs do not say which group gives {sku}; the user's licenseAssignmentStates do (AssignedByGroup, first command below). Remove the user from that group."
                    ));
                    commands.push(format!(
                        "Get-MgUser -UserId {} -Property licenseAssignmentStates | Select-Object -ExpandProperty LicenseAssignmentStates  # {}: AssignedByGroup is the group that gives {}",
                        ps(&uid),
                        comment(&ul),
                        comment(&sku)
                    ));
                    commands.push(format!(
                        "Remove-MgGroupMemberByRef -GroupId <group id> -DirectoryObjectId {}  # {} leaves that group (a synced group: in on-premises AD; a dynamic one: by the user's attributes)",
                        ps(&uid),
                        comment(&ul)
                    ));
                    continue;
                }
                if sources.len() > 1 {
                    let gs: Vec<String> = sources.iter().map(|s| s.1.clone()).collect();
                    steps.push(format!(
                        "{ul} keeps {sku} while any group gives it: {} all give it, so the user leaves each of them.",
                        gs.join(", ")
                    ));
                }
                for (gid, gl, sid, pl) in &sources {
                    let (how, cmd) = leave_group(
                        t,
                        *gid,
                        gl,
                        &item.user,
                        &format!("{ul} leaves {gl}, which gives {pl}"),
                    );
                    match cmd {
                        Some(c) => commands.push(c),
                        None => steps.push(format!("For {ul}: {how}.")),
                    }
                    // leaving the group takes every product it gives
                    if let Some(facts) = gid.and_then(|g| t.group(g)) {
                        let others: Vec<String> = facts
                            .licenses
                            .iter()
                            .filter(|(s, _)| Some(s) != *sid)
                            .map(|(s, _)| {
                                kb.sku_part_number(s)
                                    .map(str::to_string)
                                    .unwrap_or_else(|| s.to_string())
                            })
                            .collect();
                        if !others.is_empty() {
                            steps.push(format!(
                                "Leaving {gl} also takes what else it gives from {ul}: {}.",
                                others.join(", ")
                            ));
                        }
                    }
                    if let (Some(g), Some(s)) = (gid, sid) {
                        group_licenses
                            .entry(((*g).clone(), (*s).clone()))
                            .or_insert_with(|| (gl.clone(), pl.clone()));
                    }
                }
            }
            for (gl, _) in group_licenses.values() {
                let g = format!("group {gl}");
                if !applies_to.contains(&g) {
                    applies_to.push(g);
                }
            }
            for ((g, s), (gl, pl)) in &group_licenses {
                commands.push(format!(
                    "# option: Set-MgGroupLicense -GroupId {} -AddLicenses @() -RemoveLicenses @({})  # takes {} from every member of {}: only if none should have it",
                    powershell::guid_or(g.as_str(), "group id"),
                    powershell::guid_or(s.as_str(), "product id"),
                    comment(pl),
                    comment(gl)
                ));
            }
        }
        (Cause::Unknown(code), _) => {
            summary = format!("Investigate error code {code}, fix the underlying problem, then reprocess the user(s).");
            steps.extend(entry.fix.iter().cloned());
        }
        _ => {
            summary = entry.title.clone();
            steps.extend(entry.fix.iter().cloned());
        }
    }
    // a group-level fix processes the members itself; a refused removal leaves nothing in error
    // to reprocess, and its direct change is not to be made again
    if !matches!(f.cause, Cause::MissingPrerequisite) && !f.cause.is_refused_removal() {
        commands.extend(reprocess);
    }
    // a line two pairs call for (one direct license holding two conflicting plans) is given once
    let mut seen = std::collections::HashSet::new();
    commands.retain(|c| seen.insert(c.clone()));
    steps.dedup();
    // a conflict or address fix lets the assignment through to the seat count: with no seat
    // free, the next error is a CountViolation (licensing.md §6 row 1)
    if matches!(
        f.cause,
        Cause::MutuallyExclusiveViolation | Cause::UniquenessViolation
    ) && !pend.is_empty()
    {
        if let Some(free) = f.sku_id.as_ref().and_then(|s| t.free_seats(s)) {
            if free < pend.len() as i64 {
                let n = pend.len() as i64;
                let has = if free <= 0 {
                    format!(
                        "no seat for them ({free} available counting units in their grace period)"
                    )
                } else {
                    format!("only {free} free seat(s) for these {n} user(s)")
                };
                steps.push(format!(
                    "After this, {sku} has {has}: their assignment then fails with CountViolation (see the CountViolation finding on {sku}, if there is one); buy or free {} more seat(s) for them.",
                    n - free.max(0)
                ));
            }
        }
    }
    // a group the audit shows deleted (guide, "When a licensed group is deleted"; licensing.md
    // §6 row 9): its licenses are being removed from the members, so nothing is changed on it and
    // it is not reprocessed; what remains is the users' side
    if let Some((gid, deleted)) = f
        .group_id
        .as_ref()
        .filter(|_| !direct)
        .and_then(|g| Some((g, t.deleted(g)?)))
    {
        let on_group = format!("-GroupId {}", ps(gid.as_str()));
        commands.retain(|c| !c.contains(&on_group));
        let about = format!(
            "{deleted}: its licenses are being removed from its members, so nothing can be changed on {group} and it is not reprocessed (see `licdiag explain licensed-group-deleted`)"
        );
        if f.cause == Cause::DependencyViolation {
            steps.insert(0, format!("{about}."));
        } else {
            let n = pend.len();
            summary = format!(
                "{about}. The {n} user(s) will not get {sku} from {group}: reprocess them to clear the stale error; give {sku} another way only to those who still need it."
            );
            steps = vec![
                format!("{about}."),
                format!(
                    "A user who still needs {sku} gets it through another group or directly; the cause ({}) has to be resolved for that assignment.",
                    f.cause.code()
                ),
                "Reprocess the user(s) with Graph PowerShell (below) so the error of the deleted group's assignment clears; if it stays, resolve the dependency or conflict that keeps it, then reprocess again.".to_string(),
            ];
            commands.retain(|c| c.starts_with("Invoke-MgLicenseUser"));
        }
    }
    // a group's all-or-nothing failure (licensing.md §6 row 10): the documented workaround, once
    let blocks_siblings = !f.not_assigned_products.is_empty()
        || matches!(&f.details, CauseDetails::Blocked { blocked_by, .. }
            if blocked_by.iter().any(|b| is_pending.contains(&b.user)));
    let group_deleted = f.group_id.as_ref().is_some_and(|g| t.deleted(g).is_some());
    if !direct && !group_deleted && !pend.is_empty() && blocks_siblings {
        steps.push(ALL_OR_NOTHING_WORKAROUND.into());
    }
    Recommendation {
        summary,
        steps,
        commands,
        doc_url: entry.doc_url,
        applies_to,
    }
}

/// The workaround for a group whose products fail together (guide, "More than one product license
/// assigned to a group"; licensing.md §6 row 10), in a finding whose failure holds back the
/// group's other products or is held back by one of them.
pub const ALL_OR_NOTHING_WORKAROUND: &str = "So that one product's failure no longer holds back the group's others (all-or-nothing): split the products into separate groups, or chain dynamic groups (one assigns e.g. Exchange Online, a second with the same rule plus an assigned-plan condition assigns the dependent products); see `licdiag explain multiple-products-in-group`.";

#[cfg(test)]
mod tests {
    use super::*;

    /// The variants of an enum, in a list that stops compiling when a variant is added and not
    /// listed (the match is exhaustive).
    macro_rules! every {
        ($t:ident: $($v:ident),* $(,)?) => {{
            fn _exhaustive(k: $t) {
                match k {
                    $($t::$v)|* => {}
                }
            }
            vec![$($t::$v),*]
        }};
    }

    /// `licdiag explain <kind>` answers every kind licdiag emits: `plan`'s blocker and warning
    /// kinds, `timeline`'s slow_processing, and `analyze`'s causes and set-up notes (nested
    /// groups, groups still processing, users without usage location).
    #[test]
    fn every_kind_licdiag_emits_has_an_explain_entry() {
        use crate::plan::doc::{BlockerKind, WarningKind};
        let blockers = every!(BlockerKind: NotEnoughSeats, DirectAssignment, ConflictingPlans,
            Dependency, MissingPrerequisite, PlansLost, NotInGroup, LicenseError,
            GroupLicenseNotApplied, GroupNotLicensed, ProxyConflict);
        let warnings = every!(WarningKind: SyncedGroup, DynamicGroup, MembershipInferred,
            EmptyGroup, NestedGroup, MemberNotInSnapshot, LicensesFromStates,
            AssignmentSourceUnknown, PlansUnknown, SeatsUnknown, AlreadyInError, KeepsOldProduct,
            UnverifiedDependency, PrerequisiteUnknown, AlreadyAssigned, CoveredByOtherGroup,
            RemovalPending, ProcessingNotComplete, WaitingForSeats, NoAssignmentFromGroup,
            NoUsageLocation, UsageLocationNotAllowed, LargeGroup, GblRequirement,
            NoGblSubscription);
        let mut kinds: Vec<String> = blockers.iter().map(|k| k.as_str().to_string()).collect();
        kinds.extend(warnings.iter().map(|k| k.as_str().to_string()));
        kinds.extend(Cause::KNOWN.iter().map(|c| c.code().to_string()));
        kinds.extend(
            [
                "slow_processing",
                "processing",
                crate::model::cause::UNSPECIFIED_FAILURE,
                crate::model::cause::INHERITED_LICENSE,
                crate::model::cause::INVALID_USAGE_LOCATION,
            ]
            .map(String::from),
        );
        for k in &kinds {
            assert!(lookup(k).is_some(), "`licdiag explain {k}` finds no entry");
        }
        // the kinds reach the entry about them, not a neighbour by chance
        for (k, key) in [
            ("slow_processing", "group-license-processing"),
            ("processing_not_complete", "group-license-processing"),
            ("large_group", "group-license-processing"),
            ("synced_group", "synced-groups"),
            ("dynamic_group", "dynamic-groups"),
            ("not_enough_seats", "count-violation"),
            ("proxy_conflict", "uniqueness-violation"),
            ("plans_unknown", "plan-checks-skipped"),
            ("covered_by_other_group", "multiple-license-sources"),
        ] {
            assert_eq!(lookup(k).map(|e| e.key), Some(key.to_string()), "{k}");
        }
        // no alias is claimed by two entries
        let all = all_entries();
        let norm = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(|c| c.to_lowercase())
                .collect()
        };
        let mut names = std::collections::HashMap::new();
        for e in &all {
            for n in e.aliases.iter().chain(std::iter::once(&e.key)) {
                if let Some(other) = names.insert(norm(n), e.key.clone()) {
                    assert_eq!(other, e.key, "{n} names two entries");
                }
            }
        }
    }

    #[test]
    fn every_known_cause_and_procedure_has_an_entry() {
        let all = all_entries();
        for c in Cause::KNOWN {
            let e = playbook(&c);
            assert_eq!(e.cause.as_ref(), Some(&c));
            assert!(e.doc_url.starts_with("https://"), "{}", e.key);
            assert!(!e.fix.is_empty());
            assert!(all.iter().any(|x| x.key == e.key));
        }
        for key in [
            "force-group-reprocess",
            "force-user-reprocess",
            "migrate-direct-to-group",
            "change-group-license",
            "licensed-group-deleted",
            "add-on-prerequisites",
            "mail-proxyaddresses-change",
            "multiple-products-in-group",
            "find-errors",
            "cascading-dynamic-groups",
            // licdiag's own codes, which `explain` looks up, are listed with the rest
            "unspecified-failure",
        ] {
            assert!(all.iter().any(|e| e.key == key), "{key}");
        }
        for code in [
            crate::model::cause::UNSPECIFIED_FAILURE,
            crate::model::cause::INHERITED_LICENSE,
            crate::model::cause::INVALID_USAGE_LOCATION,
        ] {
            let e = lookup(code).expect(code);
            assert!(all.iter().any(|x| x.key == e.key), "{code}");
        }
        let keys: std::collections::BTreeSet<_> = all.iter().map(|e| e.key.clone()).collect();
        assert_eq!(keys.len(), all.len(), "keys are unique");
    }

    /// Since September 2024 the license-assignment UI lives in the Microsoft 365 admin center
    /// (licensing.md §8): every entry's Entra admin center license path is said to be legacy,
    /// after the Microsoft 365 admin center's where an entry gives both; MSOnline is retired
    /// (§9); that disabled accounts consume licenses is an inference (§1).
    #[test]
    fn entries_give_the_microsoft_365_admin_center_first() {
        for e in all_entries() {
            let texts = [&e.problem, &e.how_it_shows]
                .into_iter()
                .chain(&e.fix)
                .chain(&e.follow_up.steps);
            for t in texts {
                if let Some(entra) = t.find("Entra admin center") {
                    if !t.contains("Usage location") {
                        assert!(t.contains("where it is still offered"), "{}: {t}", e.key);
                    }
                    if let Some(m365) = t.find("Microsoft 365 admin center") {
                        assert!(m365 < entra, "{}: {t}", e.key);
                    }
                }
            }
            let all: Vec<&String> = e.fix.iter().chain(&e.follow_up.steps).collect();
            if [
                "change-group-license",
                "licensed-group-deleted",
                "force-group-reprocess",
            ]
            .contains(&e.key.as_str())
            {
                assert!(
                    all.iter().any(|t| t.contains("Microsoft 365 admin center")),
                    "{}",
                    e.key
                );
            }
            if e.problem.contains("Set-MsolUserLicense") {
                assert!(e.problem.contains("retired MSOnline"), "{}", e.key);
            }
            if let Some(t) = all.iter().find(|t| t.contains("disabled accounts")) {
                assert!(t.contains("inference"), "{}: {t}", e.key);
            }
        }
    }

    #[test]
    fn follow_ups_match_the_guide() {
        let u = playbook(&Cause::DependencyViolation).follow_up;
        assert_eq!(u.kind, FollowUpKind::ReprocessUser);
        assert!(u
            .steps
            .iter()
            .any(|s| s.contains("Invoke-MgLicenseUser -UserId")));
        assert!(u
            .steps
            .iter()
            .any(|s| s.contains("/reprocessLicenseAssignment")));
        assert_eq!(
            playbook(&Cause::ConcurrencyException).follow_up.kind,
            FollowUpKind::None
        );
        let g = playbook(&Cause::CountViolation).follow_up;
        assert!(g.steps.iter().any(|s| s.contains("Reprocess")));
        let unknown = playbook(&Cause::Unknown("FancyViolation".into()));
        assert!(unknown.title.contains("FancyViolation"));
    }

    #[test]
    fn lookup_by_key_alias_code() {
        assert_eq!(
            lookup("CountViolation").map(|e| e.key),
            Some("count-violation".into())
        );
        assert_eq!(
            lookup("count_violation").map(|e| e.key),
            Some("count-violation".into())
        );
        assert_eq!(
            lookup("LicenseAssignmentAttributeConcurrencyException").map(|e| e.key),
            Some("concurrency-exception".into())
        );
        assert_eq!(lookup("Others").map(|e| e.key), Some("other".into()));
        assert_eq!(
            lookup("reprocess-group").map(|e| e.key),
            Some("force-group-reprocess".into())
        );
        assert_eq!(lookup("nonsense"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn powershell_quoting() {
        assert_eq!(ps("o'brien"), "'o''brien'");
        assert_eq!(ps("a\nb"), "'ab'");
        assert_eq!(
            ps("x\u{2019};calc;\u{2018}"),
            "'x\u{2019}\u{2019};calc;\u{2018}\u{2018}'"
        );
    }
}
