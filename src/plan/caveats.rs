//! Caveats every planner reports the same way: what kind of group it is (synced from on-premises AD,
//! dynamic membership), whether its member list is complete (exported, inferred, members missing from
//! the users export), and whether its license processing has finished. Also the matching step texts,
//! so a synced or dynamic group gets the same advice in every plan.

use super::doc::{count, join_and, Findings, MembershipSource, PlanKind, WarningKind};
use super::view::{Members, Tenant};
use crate::knowledge::{GblRights, GBL_QUALIFYING, GBL_REQUIREMENT};
use crate::model::finding::UserRef;
use crate::model::snapshot::Group;
use crate::model::{Cause, SkuId};

/// How many users the group-based licensing requirement warning names.
const GBL_NAMED: usize = 5;

/// The size from which licensing a group "could affect performance" (licensing.md §2: ~100K).
const LARGE_GROUP: usize = 100_000;

/// Membership and processing caveats. Returns how many members have no user object.
pub fn membership(t: &Tenant<'_>, g: &Group, members: &Members, f: &mut Findings) -> usize {
    let label = g.label();
    if members.source == MembershipSource::InferredFromLicenseStates {
        f.warn(
            None,
            WarningKind::MembershipInferred,
            format!(
                "the input has no member list for {label}: members were inferred from license states that name it, so \
                 members the group never licensed are missing; export groups with `-ExpandProperty members` (or \
                 `$expand=members`) or add a GroupId,UserId membership CSV"
            ),
        );
    }
    if members.ids.is_empty() {
        f.warn(
            None,
            WarningKind::EmptyGroup,
            format!("{label} has no user members in the input (nested groups are not licensed)"),
        );
    }
    if !members.nested.is_empty() {
        let names: Vec<String> = members.nested.iter().map(|id| t.group_label(id)).collect();
        f.warn(
            None,
            WarningKind::NestedGroup,
            format!(
                "{label} has {} among its members ({}): group-based licensing applies to direct user members only, \
                 so this plan does not reach their members; add those users to {label} themselves if they need its \
                 licenses",
                count(names.len(), "group", "groups"),
                join_and(&names)
            ),
        );
    }
    if members.ids.len() >= LARGE_GROUP {
        f.warn(
            None,
            WarningKind::LargeGroup,
            format!(
                "{label} has {} members: Microsoft notes that licensing a very large group (about 100,000 \
                 members) could affect the performance of directory synchronization and takes long to process; \
                 consider smaller groups, and plan the change outside sync-heavy hours",
                members.ids.len()
            ),
        );
    }
    let missing = members.ids.iter().filter(|id| t.user(id).is_none()).count();
    if missing > 0 {
        let skipped = t.unread().users;
        let why = if skipped > 0 {
            // a skipped record may be the member's: the export may hold them (review 95, item 3)
            format!(
                "; {} of the input {} skipped as malformed (see the input notes) and may be {}: fix the export \
                 (`licdiag inspect` lists the records) and plan again",
                count(skipped as usize, "user record", "user records"),
                if skipped == 1 { "was" } else { "were" },
                if missing == 1 { "theirs" } else { "among theirs" }
            )
        } else {
            "; export every user (`Get-MgUser -All`)".to_string()
        };
        f.warn(
            None,
            WarningKind::MemberNotInSnapshot,
            format!(
                "{} of {label} {} no user object the plan could read, so their licenses were not checked{why}",
                count(missing, "member", "members"),
                if missing == 1 { "has" } else { "have" }
            ),
        );
    }
    if t.licenses_from_states(&g.id) {
        let products: Vec<String> = g
            .assigned_licenses
            .iter()
            .map(|l| t.sku_label(&l.sku_id))
            .collect();
        let holders = t.holders_from(&g.id).len();
        f.warn(
            None,
            WarningKind::LicensesFromStates,
            format!(
                "the groups export lists no licenses for {label}, yet {} products assigned by it: this plan takes \
                 {label}'s products ({}) from those license states. The export probably lacks `assignedLicenses` \
                 (Graph returns it only when selected: export groups with \
                 `$select=id,displayName,assignedLicenses,licenseProcessingState,...`); if the group's licenses were \
                 removed instead, the removal has not reached {} yet",
                count(holders, "user holds", "users hold"),
                join_and(&products),
                if holders == 1 { "that user" } else { "those users" }
            ),
        );
    }
    if let Some(state) = g.processing_state.as_deref() {
        if !state.trim().eq_ignore_ascii_case("ProcessingComplete") {
            f.warn(
                None,
                WarningKind::ProcessingNotComplete,
                format!(
                    "{label}'s license processing state is {state:?}, not ProcessingComplete: the snapshot may not \
                     show every member's final license state; take a new snapshot when processing has finished"
                ),
            );
        }
    }
    missing
}

/// Synced / dynamic group caveats, worded for the plan.
pub fn group_kind(g: &Group, plan: PlanKind, f: &mut Findings) {
    let label = g.label();
    if g.is_synced() {
        let detail = match plan {
            PlanKind::DeleteGroup => format!(
                "{label} is synced from on-premises AD: deleting a licensed group through Entra Connect fails, so \
                 remove its licenses in the cloud first, then delete it on-premises and let Entra Connect sync"
            ),
            _ => format!(
                "{label} is synced from on-premises AD: members are added and removed on-premises and the changes \
                 reach group licensing only after an Entra Connect sync cycle"
            ),
        };
        f.warn(None, WarningKind::SyncedGroup, detail);
    }
    if g.is_dynamic() {
        let rule = g
            .membership_rule
            .as_deref()
            .map(|r| format!(" (rule: {r})"))
            .unwrap_or_default();
        let detail = match plan {
            PlanKind::Migrate => format!(
                "{label} is dynamic{rule}: users whose attributes stop matching the rule leave the group and lose its \
                 licenses once their direct licenses are gone; check the rule covers every user first"
            ),
            _ => format!(
                "{label} is dynamic{rule}: members are added and removed by their attributes; the license update \
                 itself works the same way"
            ),
        };
        f.warn(None, WarningKind::DynamicGroup, detail);
    }
}

/// The step for a synced or dynamic group (membership is managed elsewhere), if any.
pub fn membership_step(g: &Group) -> Option<String> {
    let label = g.label();
    if g.is_synced() {
        Some(format!(
            "{label} is synced from on-premises AD: make membership changes in on-premises AD and allow an Entra \
             Connect sync cycle before group licensing picks them up."
        ))
    } else if g.is_dynamic() {
        Some(format!(
            "{label} has dynamic membership: add or remove users by changing their attributes (the rule decides \
             membership); the license steps stay the same."
        ))
    } else {
        None
    }
}

/// The closing verification step shared by the plans that change a group's licenses.
pub fn verify_step(g: &Group) -> String {
    format!(
        "Wait until {}'s license processing has finished (processing state ProcessingComplete; the Microsoft 365 \
         admin center's Billing → Licenses → the product shows the group as \"All licenses Assigned\", the Entra \
         admin center's group → Licenses, where it is still offered, \"Latest license changes have been applied \
         to all users\"), then check the group for users in an error \
         state (`licdiag analyze` on a new snapshot) and reprocess every user whose error you fix: \
         `Invoke-MgLicenseUser -UserId <user id>`.",
        g.label()
    )
}

/// Usage-location caveats for the members who will receive one of `products` they do not hold yet
/// (group-licensing-guide.md, "Usage location isn't allowed"): a member without a usage location gets
/// the directory's country when group-based licensing assigns it; a member already refused a license
/// for their location may be refused the new product the same way.
pub fn usage_location(
    t: &Tenant<'_>,
    g: &Group,
    members: &Members,
    products: &[&SkuId],
    f: &mut Findings,
) {
    let gl = g.label();
    for id in &members.ids {
        let Some(u) = t.user(id) else {
            continue;
        };
        let new: Vec<String> = products
            .iter()
            .filter(|s| !t.holds_sku(u, s))
            .map(|s| t.sku_label(s))
            .collect();
        if new.is_empty() {
            continue;
        }
        let new = join_and(&new);
        let location = u
            .usage_location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        match location {
            None => f.warn(
                Some(t.user_ref(id)),
                WarningKind::NoUsageLocation,
                format!(
                    "has no usage location: when {gl} assigns {new}, the user gets the directory's country, which may \
                     not be where they are; set the usage location first (guide: \"Usage location isn't allowed\")"
                ),
            ),
            Some(loc) => {
                let refused: Vec<String> = t
                    .holdings(u)
                    .iter()
                    .filter(|h| h.error() == Some(&Cause::ProhibitedInUsageLocationViolation))
                    .map(|h| t.holding_label(h))
                    .collect();
                if !refused.is_empty() {
                    f.warn(
                        Some(t.user_ref(id)),
                        WarningKind::UsageLocationNotAllowed,
                        format!(
                            "in ProhibitedInUsageLocationViolation for {} (usage location {loc}): {new} may be refused \
                             for {loc} the same way; correct the usage location if it is wrong, or remove the user from \
                             {gl} (guide: \"Usage location isn't allowed\")",
                            join_and(&refused)
                        ),
                    );
                }
            }
        }
    }
}

/// The licensing requirement of group-based licensing (licensing.md §2: "Entra ID P1 (or M365
/// Business Premium / O365 E3/A3/G3 and higher) for every user who benefits from GBL"), for a plan
/// after which the group gives its members `given` (the group's products once the plan is done) and
/// no longer gives them `taken`. One warning naming the members who would then hold no product with
/// those rights ([`crate::knowledge::Knowledge::gbl_rights`]), counting `given`; a member holding
/// only products licdiag cannot judge is not counted. And once, when no product the tenant
/// subscribes to carries the rights at all. Nothing when the group gives nothing, or when the
/// snapshot has neither subscribedSkus nor any user's licenses to judge from.
pub fn gbl_requirement(
    t: &Tenant<'_>,
    g: &Group,
    members: &Members,
    given: &[&SkuId],
    taken: &[&SkuId],
    f: &mut Findings,
) {
    if given.is_empty() {
        return;
    }
    let licenses_known = t
        .users()
        .iter()
        .any(|u| !u.license_states.is_empty() || !u.assigned_licenses.is_empty());
    if !t.has_inventory() && !licenses_known {
        return;
    }
    let gl = g.label();
    let kb = t.kb;
    let inventory: Vec<GblRights> = t
        .snap
        .skus
        .iter()
        .map(|s| kb.gbl_rights(&s.sku_id))
        .collect();
    // a skipped subscribedSku record may be a product with the rights: unless every one is named
    // and none has them, nothing is said
    let (unread, all_named) = t.unread_sku_ids();
    let unread_no_rights = all_named
        && unread.iter().all(|s| {
            s.as_ref()
                .is_some_and(|s| kb.gbl_rights(s) == GblRights::No)
        });
    if !inventory.is_empty() && unread_no_rights && inventory.iter().all(|r| *r == GblRights::No) {
        f.warn(
            None,
            WarningKind::NoGblSubscription,
            format!(
                "none of the {} the tenant subscribes to (subscribedSkus) carries group-based licensing rights: \
                 {GBL_REQUIREMENT}; {GBL_QUALIFYING}. Subscribe to one (Entra ID P1, AAD_PREMIUM, is the \
                 smallest) for the users {gl} licenses",
                count(inventory.len(), "product", "products"),
            ),
        );
    }
    if !licenses_known {
        return;
    }
    let mut lacking: Vec<UserRef> = Vec::new();
    let mut unknown = 0usize;
    // each product judged once (a group may have 100,000 members)
    let mut judged: std::collections::HashMap<SkuId, GblRights> = std::collections::HashMap::new();
    for id in &members.ids {
        let Some(u) = t.user(id) else {
            continue;
        };
        let held = t
            .holdings(u)
            .into_iter()
            .filter(|h| h.active && !(h.is_from(&g.id) && taken.contains(&&h.sku)))
            .map(|h| h.sku);
        let rights: Vec<GblRights> = held
            .chain(given.iter().map(|s| (*s).clone()))
            .map(|s| *judged.entry(s).or_insert_with_key(|s| kb.gbl_rights(s)))
            .collect();
        if rights.contains(&GblRights::Yes) {
            continue;
        }
        if rights.contains(&GblRights::Unknown) {
            unknown += 1;
        } else {
            lacking.push(t.user_ref(id));
        }
    }
    if lacking.is_empty() {
        return;
    }
    lacking.sort();
    let n = lacking.len();
    let mut names: Vec<String> = lacking.iter().take(GBL_NAMED).map(|u| u.label()).collect();
    if n > GBL_NAMED {
        names.push(format!("{} more", n - GBL_NAMED));
    }
    let unjudged =
        if unknown == 0 {
            String::new()
        } else {
            format!(
            "; {} only products neither the catalog nor subscribedSkus describe, so {} not judged",
            count(unknown, "other member holds", "other members hold"),
            if unknown == 1 { "that one was" } else { "those were" }
        )
        };
    f.warn(
        None,
        WarningKind::GblRequirement,
        format!(
            "{} of {gl} would benefit from group-based licensing while holding no product that carries its rights, \
             counting the products this plan gives them ({}): {GBL_REQUIREMENT}; {GBL_QUALIFYING}. Give {} such \
             a product (Entra ID P1, AAD_PREMIUM, is the smallest), directly or through a group{unjudged}",
            count(n, "member", "members"),
            join_and(&names),
            if n == 1 { "that user" } else { "those users" },
        ),
    );
}

/// The `assignment_source_unknown` text: the user holds `sku` (`assignedLicenses`) and no license
/// state of the input names it. When the user has license states, one of them may have been dropped
/// for an unreadable skuId (the input notes say so): the export is not said to lack them (review 95,
/// item 3).
pub fn source_unknown(t: &Tenant<'_>, u: &crate::model::snapshot::User, sku: &SkuId) -> String {
    let label = t.sku_label(sku);
    if u.license_states.is_empty() {
        format!(
            "holds {label} but the input has no license states for the user saying whether directly or inherited; \
             export users with licenseAssignmentStates"
        )
    } else {
        format!(
            "holds {label} (assignedLicenses), but none of the user's license states names it (one whose skuId \
             could not be read is dropped: see the input notes), so whether directly or inherited is unknown; \
             export users with licenseAssignmentStates again"
        )
    }
}
