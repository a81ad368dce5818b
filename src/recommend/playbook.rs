//! The playbook: every cause, fix and procedure of the group-based-licensing guide
//! (shared/reference/group-licensing-guide.md, licensing.md §6 and §8), in plain words, with the
//! documented follow-up and the Microsoft Learn page. `licdiag explain` prints these.

use crate::model::Cause;
use serde::Serialize;

/// Microsoft Learn pages (2025 revision of the resolve-problems page unless noted).
pub const RESOLVE: &str =
    "https://learn.microsoft.com/entra/fundamentals/licensing-groups-resolve-problems";
/// The 2023 revision, which still has the "force group license processing" section.
pub const RESOLVE_2023: &str =
    "https://learn.microsoft.com/entra/identity/users/licensing-groups-resolve-problems";
pub const REPROCESS_API: &str =
    "https://learn.microsoft.com/graph/api/user-reprocesslicenseassignment";
pub const MIGRATE: &str =
    "https://learn.microsoft.com/entra/identity/users/licensing-groups-migrate-users";
pub const CHANGE: &str =
    "https://learn.microsoft.com/entra/identity/users/licensing-groups-change-licenses";
pub const CONFLICT_LIST: &str = "https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference#service-plans-that-cannot-be-assigned-at-the-same-time";
/// The "group-based licensing additional scenarios" page.
pub const ADVANCED_BASE: &str =
    "https://learn.microsoft.com/entra/identity/users/licensing-group-advanced";
pub const ADVANCED: &str = "https://learn.microsoft.com/entra/identity/users/licensing-group-advanced#use-audit-logs-to-monitor-group-based-licensing-activity";
pub const PROXY_KB: &str = "https://support.microsoft.com/help/3190357";
pub const PROXY_IN_USE_KB: &str = "https://support.microsoft.com/help/3042584";

/// What to do after the fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    /// Reprocess each affected user.
    ReprocessUser,
    /// Reprocess the group (portal only).
    ReprocessGroup,
    /// Either works; the guide mentions both.
    ReprocessUserOrGroup,
    /// Nothing (transient, informational, or a group-level configuration fix).
    None,
}

/// The follow-up of a playbook entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub kind: FollowUpKind,
    pub steps: Vec<String>,
}

/// One entry of the playbook: a cause, or a procedure / topic of the guide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlaybookEntry {
    /// Stable slug (`count-violation`, `force-user-reprocess`), what `licdiag explain` accepts.
    pub key: String,
    /// The cause this entry explains; `None` for procedures and topics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    pub title: String,
    pub problem: String,
    /// How it shows in snapshots and audit logs.
    pub how_it_shows: String,
    /// The documented options, in plain words (or the procedure's steps).
    pub fix: Vec<String>,
    pub follow_up: FollowUp,
    pub doc_url: String,
    /// Other names `licdiag explain` accepts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Reprocessing a user, as documented.
pub fn reprocess_user_steps() -> Vec<String> {
    s(&[
        "Graph PowerShell: Invoke-MgLicenseUser -UserId <user id> (module Microsoft.Graph.Users.Actions).",
        "Graph API: POST https://graph.microsoft.com/v1.0/users/{id}/reprocessLicenseAssignment (no body).",
        "Portal: Microsoft 365 admin center > Billing > Licenses > the product > the group where the user shows in error > select the user(s) > Reprocess.",
        "Needs License Administrator, User Administrator or Directory Writers (or microsoft.directory/users/reprocessLicenseAssignment).",
    ])
}

/// Reprocessing a group, as documented (portal only; no Graph group-reprocess API).
pub fn reprocess_group_steps() -> Vec<String> {
    s(&[
        "Microsoft 365 admin center (the license-assignment UI since September 2024): Billing > Licenses > the product > the group > select the users > Reprocess.",
        "Entra admin center, where it is still offered: open the group > Licenses > Reprocess (toolbar).",
        "No Graph API reprocesses a group; to script it, reprocess its affected users one by one (Invoke-MgLicenseUser).",
    ])
}

fn user_follow_up() -> FollowUp {
    FollowUp {
        kind: FollowUpKind::ReprocessUser,
        steps: reprocess_user_steps(),
    }
}

fn group_follow_up(first: &str) -> FollowUp {
    let mut steps = vec![first.to_string()];
    steps.extend(reprocess_group_steps());
    steps.extend(reprocess_user_steps().into_iter().take(2));
    FollowUp {
        kind: FollowUpKind::ReprocessUserOrGroup,
        steps,
    }
}

fn none(why: &str) -> FollowUp {
    FollowUp {
        kind: FollowUpKind::None,
        steps: vec![why.to_string()],
    }
}

#[allow(clippy::too_many_arguments)]
fn entry(
    key: &str,
    cause: Option<Cause>,
    title: &str,
    problem: &str,
    how: &str,
    fix: &[&str],
    follow_up: FollowUp,
    doc: &str,
    aliases: &[&str],
) -> PlaybookEntry {
    PlaybookEntry {
        key: key.to_string(),
        cause,
        title: title.to_string(),
        problem: problem.to_string(),
        how_it_shows: how.to_string(),
        fix: s(fix),
        follow_up,
        doc_url: doc.to_string(),
        aliases: s(aliases),
    }
}

fn cause_entry(c: &Cause) -> PlaybookEntry {
    match c {
        Cause::CountViolation => entry(
            "count-violation",
            Some(Cause::CountViolation),
            "Not enough licenses",
            "There aren't enough available licenses for one of the products in the group. Group licensing assigns all of a group's products or none, so the user gets none of them.",
            "Snapshot: a licenseAssignmentStates entry {assignedByGroup: <group>, state: Error, error: CountViolation}; the product is absent from assignedLicenses; subscribedSkus shows consumed >= enabled (+warning), often after units moved to warning, suspended or lockedOut. Audit: a failed `Change user license` by the group-licensing service: \"Not enough licenses are available to complete this operation. ... for SKU [..]. Licenses being added: [..]\".",
            &[
                "Purchase more licenses for the product.",
                "Or free unused licenses from other users or groups: disabled accounts most likely still hold and consume their licenses (an inference: no documentation says disabling an account frees its seats); users holding the product only by direct assignment (outside any licensing group) free a seat when the direct assignment is removed.",
                "A user who holds the same product both directly and through a group consumes only one seat, so removing the direct copy frees nothing.",
                "See the counts in the Microsoft 365 admin center under Billing > Licenses; select a product to see its users and groups (the Entra admin center's Billing > Licenses > All products, where it is still offered, shows them as Licensed users and Licensed groups).",
            ],
            group_follow_up("After freeing or buying seats, reprocess the groups that previously failed to license all members (or reprocess the affected users)."),
            &format!("{RESOLVE}#not-enough-licenses"),
            &["not-enough-licenses", "noAvailableLicenses", "not_enough_seats", "waiting_for_seats"],
        ),
        Cause::MutuallyExclusiveViolation => entry(
            "mutually-exclusive-violation",
            Some(Cause::MutuallyExclusiveViolation),
            "Service plans that conflict",
            "A product in the group contains a service plan that can't be assigned together with a plan the user already has from another product (direct or another group). Example from the docs: Office 365 E1 assigned directly and the user added to a group with Office 365 E3: SharePoint Online (Plan 2) conflicts with SharePoint Online (Plan 1), and (before July 2025) Exchange Online (Plan 2) with Exchange Online (Plan 1).",
            "Snapshot: an entry with error MutuallyExclusiveViolation; the user already holds a conflicting plan (Microsoft's list of plans that cannot be assigned at the same time). Audit: \"License assignment failed because service plans [A], [B] are mutually exclusive.\"",
            &[
                "Disable the conflicting plan(s) in the license assigned directly to the user (or in the other group's license).",
                "Or edit the group's license assignment and disable the conflicting plan(s) in it (this affects every member).",
                "Or remove the other license from the user if it is redundant next to the new one (e.g. E1 next to E3).",
                "The decision always belongs to the administrator; Entra ID doesn't resolve license conflicts automatically.",
                "For a planned move (e.g. E1 to E3 through groups) the conflict is expected: keep the users in the target group and remove them from the source group; the error clears and the new license applies in the same step.",
                "Exchange Online Plan 1 and Plan 2 now allow duplication (2025): if they are the only conflict, try reprocessing.",
            ],
            user_follow_up(),
            &format!("{RESOLVE}#conflicting-service-plans"),
            &["conflicting-service-plans", "mutuallyExclusiveServicePlans", "conflict", "conflicting_plans"],
        ),
        Cause::DependencyViolation => entry(
            "dependency-violation",
            Some(Cause::DependencyViolation),
            "Other products depend on this license",
            "A product in the group contains a service plan that another plan, in another product, needs to function (e.g. Audio Conferencing needs Skype for Business Online (Plan 2)). The error occurs when Entra tries to remove the underlying plan, for example when the user leaves the group or the license is removed from the group.",
            "Snapshot: an entry with error DependencyViolation; the old license usually stays applied (ActiveWithError). Audit: \"License assignment failed because service plan [X] depends on the service plan(s) [Y], [Z].\" Beta API: code MissingDependency.",
            &[
                "Make sure the required plan is still assigned to the user through some other method (another group or a direct assignment).",
                "Or disable (or remove) the dependent service for those users.",
                "Then the group license can be removed properly.",
            ],
            user_follow_up(),
            &format!("{RESOLVE}#missing-dependent-service-plans"),
            &["other-products-depend-on-this-license", "missing-dependency", "MissingDependency", "dependency"],
        ),
        Cause::ProhibitedInUsageLocationViolation => entry(
            "prohibited-in-usage-location",
            Some(Cause::ProhibitedInUsageLocationViolation),
            "Usage location isn't allowed",
            "Some Microsoft services aren't available in all locations because of local laws and regulations. Group licensing failed for users whose usage location doesn't allow a service of the product.",
            "Snapshot: an entry with error ProhibitedInUsageLocationViolation; the user's usageLocation is a country where a plan of the product is not offered. No audit text is documented, and usage-location changes may leave no audit trail. An unset usageLocation is not this error for group licensing: the tenant's country is inherited.",
            &[
                "Remove users in unsupported locations from the licensed group (a group synced from on-premises: remove them on-premises and wait for the sync; a dynamic group: change their attributes or the rule).",
                "Or, if the usage location doesn't represent the user's actual location, correct it (User > Properties / Profile > Edit > Usage location) so the license is assigned next time, if the new location is supported.",
                "A user synced from on-premises AD (onPremisesSyncEnabled true): correct the usage location at the on-premises source and let it sync, not in the cloud.",
                "Set the usage location in the user-creation flow (e.g. Entra Connect for synced users): group licensing never sets it, and users without one inherit the directory's country.",
            ],
            user_follow_up(),
            &format!("{RESOLVE}#usage-location-isnt-allowed"),
            &["usage-location", "usage_location_not_allowed"],
        ),
        Cause::UniquenessViolation => entry(
            "uniqueness-violation",
            Some(Cause::UniquenessViolation),
            "Duplicate proxy addresses",
            "With Exchange Online, assigning a license triggers proxy-address calculation (it adds alias@<tenant>.onmicrosoft.com and an SMTP address matching the UPN). If another object already has one of those addresses, the assignment fails with \"Proxy address is already being used\".",
            "Snapshot: an entry with error UniquenessViolation; another user or group holds one of the user's candidate addresses in proxyAddresses or mail. Portal text: \"Proxy address is already being used\".",
            &[
                "Find the other recipient in Exchange Online: Get-Recipient -Filter \"EmailAddresses -eq 'smtp:user@contoso.onmicrosoft.com'\" | fl DisplayName, RecipientType, EmailAddresses.",
                "Fix the misconfigured address on the object that should not have it.",
                "If the object whose address changes (the holder of the stray address) is synced from on-premises AD, fix it at the source of authority (on-premises AD), then let it sync.",
            ],
            group_follow_up("After resolving the proxy address problems, force license processing on the group (or reprocess the affected users) so the licenses can now be applied."),
            &format!("{RESOLVE}#duplicate-proxy-addresses"),
            &["duplicate-proxy-addresses", "proxyAddressConflict", "proxy-address", "proxy_conflict"],
        ),
        Cause::Other => entry(
            "other",
            Some(Cause::Other),
            "Other (blocked by another product of the same group)",
            "Other errors are generally indicative of an error for another license assigned by the same group: group licensing assigns all of a group's products or none.",
            "Snapshot: an entry with error Other (Others in the beta doc) next to a sibling entry from the same group with the real cause. Audit: the user's failed `Change user license` events by the group-licensing service (type Application, display name Microsoft Azure AD Group-Based Licensing / Microsoft Entra group-Based Licensing), within the audit retention (30 days, sometimes 7).",
            &[
                "Check the user's other licenses from the same group (Microsoft 365 admin center > Users > Active users > the user > Licenses and apps; or the Entra admin center's Users > the user > Licenses where it is still offered) and fix the sibling's cause.",
                "If there is no sibling error, review the user's audit log for failed `Change user license` events.",
            ],
            user_follow_up(),
            &format!("{RESOLVE}#other"),
            &["others"],
        ),
        Cause::ConcurrencyException => entry(
            "concurrency-exception",
            Some(Cause::ConcurrencyException),
            "LicenseAssignmentAttributeConcurrencyException in audit logs",
            "Group licensing processed concurrent assignments of the same license to a user, usually because the user is a member of more than one group with the same license.",
            "Audit log only: a failed license event for the user carrying LicenseAssignmentAttributeConcurrencyException.",
            &["No action is required: Entra ID retries processing the user's license until it succeeds.", "While the group's license processing is not complete (licenseProcessingState ProcessingInProgress or QueuedForProcessing), wait for it: Entra is still retrying."],
            none("None: transient. Reprocess the user only if a later run, after the group's processing completed, still shows no success."),
            &format!("{RESOLVE}#licenseassignmentattributeconcurrencyexception-in-audit-logs"),
            &["licenseassignmentattributeconcurrencyexception", "concurrency"],
        ),
        Cause::MissingPrerequisite => entry(
            "add-on-prerequisites",
            Some(Cause::MissingPrerequisite),
            "Manage licenses for products with prerequisites (add-on without its prerequisite)",
            "Some products are add-ons that need a prerequisite service plan. With group licensing the prerequisite and the add-on must be in the same group, so that every member gets a working product. Example: Microsoft Workplace Analytics needs Exchange Online (Plan 1) or (Plan 2).",
            "Assigning the add-on alone to a group is refused: \"License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. The service Microsoft Workplace Analytics requires Exchange Online (Plan 2) to be enabled as well.\" No per-user entry exists; look for a failed `Set group license`.",
            &[
                "Add the add-on to a group that already contains the prerequisite product (e.g. a group with the full Office 365 E3).",
                "Or create a dedicated group with the base product limited to the prerequisite plan plus the add-on (e.g. Office 365 E3 with only Exchange Online (Plan 2) enabled + Microsoft Workplace Analytics). Its members consume one base seat, and still only one if another group gives them the full base product.",
                "If users have different base products (e.g. E1 and E3), create one such group per base product so no extra licenses are consumed.",
            ],
            none("None: the group assignment itself is corrected; members are processed when it is saved."),
            &format!("{RESOLVE}#manage-licenses-for-products-with-prerequisites"),
            &["missing-prerequisite", "prerequisites", "add-on"],
        ),
        Cause::Unknown(code) if code.as_str() == crate::model::cause::INVALID_USAGE_LOCATION => entry(
            "invalid-usage-location",
            Some(c.clone()),
            "No valid usage location",
            "Before you can assign a license to a user, you must specify the Usage location property for the user (guide, \"Usage location isn't allowed\"). An assignment to a user without a valid one is refused at once: \"License assignment cannot be done for user with invalid usage location.\" This is not ProhibitedInUsageLocationViolation (a valid location where a service is not offered): the fix is the location, not the group. Group licensing does not fail so for an unset location (its users inherit the directory's country); a direct assignment, or one through the cloud-licensing (allotment) model, does.",
            "Audit: a failed `Change user license` whose reason is \"License assignment cannot be done for user with invalid usage location.\" Beta cloudLicensing assignmentErrors: code invalidUsageLocation. Snapshot: the user's usageLocation is unset or not a two-letter country code.",
            &[
                "Set the user's usage location to the country where they use the services: Entra admin center > Users > the user > Properties > Edit > Usage location, or Graph PowerShell Update-MgUser -UserId <user id> -UsageLocation <two-letter country code>.",
                "A user synced from on-premises AD: set it at the source (the usageLocation attribute, or the Entra Connect flow), then let it sync.",
                "Set the usage location in the user-creation flow, so new users are not refused.",
                "Then assign the license again (a direct assignment reports its error at once and is not retried), or reprocess the user.",
            ],
            user_follow_up(),
            &format!("{RESOLVE}#usage-location-isnt-allowed"),
            &["invalidUsageLocation", "no-usage-location", "usage-location-missing"],
        ),
        c if c.is_refused_removal() => entry(
            "inherited-license",
            Some(c.clone()),
            c.title(),
            "A license a user inherits from a group cannot be removed from the user directly (licensing.md §6.1): `Set-MgUserLicense -RemoveLicenses`, `assignLicense` and the admin center refuse it at once with \"User license is inherited from a group membership\" (the retired MSOnline cmdlet `Set-MsolUserLicense` refused it as InvalidOperationOnGroupInheritedLicenseException, and a direct change of the inherited license's plans the same way). No group-licensing error: nothing is in error on the user, who keeps the license as long as a group gives it.",
            "Audit: a failed `Change user license` (an administrator's, with its `Update user`) whose reason or ErrorMessage holds \"User license is inherited from a group membership\" or names InvalidOperationOnGroupInheritedLicenseException. Snapshot: the user's licenseAssignmentStates entry for the product has assignedByGroup set to the group it comes from.",
            &[
                "Do not retry the direct removal: it is refused as long as a group gives the license.",
                "If the user should no longer have it: remove the user from the licensing group (from each group that gives it), Graph PowerShell Remove-MgGroupMemberByRef -GroupId <group id> -DirectoryObjectId <user id>; a synced group changes in on-premises AD, a dynamic one by the user's attributes or the rule. Leaving the group also takes the other products it gives.",
                "If no member of the group should have the product: remove it from the group's licenses (Set-MgGroupLicense -GroupId <group id> -AddLicenses @() -RemoveLicenses @('<product id>'), or the Microsoft 365 admin center's Billing > Licenses > the product > the group; the Entra admin center's group > Licenses where it is still offered).",
                "If the user should keep it from the group: nothing is to be done.",
                "Group licensing removes the license from the user when the user leaves the group or the group stops assigning the product; nothing is reprocessed.",
            ],
            none("None: nothing is in error on the user, so nothing is retried or reprocessed; group licensing takes the license away once the user leaves the group or the group stops assigning it."),
            CHANGE,
            &["InvalidOperationOnGroupInheritedLicenseException", "inherited", "inherited-license-removal", "User license is inherited from a group membership"],
        ),
        Cause::Unknown(code) if code.as_str() == crate::model::cause::UNSPECIFIED_FAILURE => PlaybookEntry {
            key: "unspecified-failure".into(),
            cause: Some(c.clone()),
            title: "A licensing failure whose reason names no error code".into(),
            problem: format!(
                "A licensing operation failed and the audit record's reason names none of the group-licensing error codes (a free-text reason such as \"The operation timed out\", or none at all). licdiag files it under its own code `{code}` and keeps the reason as the message."
            ),
            how_it_shows: "A failed `Change user license`, `Set group license` or group-processing record whose reason holds no error code.".into(),
            fix: s(&[
                "Read the message that came with it and the user's audit log around that time for the underlying problem.",
                "Check the user's other licenses and the product's seats, plans and usage location.",
                "If it persists after the fix, reprocess the user.",
            ]),
            follow_up: user_follow_up(),
            doc_url: format!("{RESOLVE}#find-license-assignment-errors"),
            aliases: Vec::new(),
        },
        Cause::Unknown(code) => PlaybookEntry {
            key: "unknown-code".into(),
            cause: Some(c.clone()),
            title: format!("Error code not known to licdiag: {code}"),
            problem: format!(
                "`{code}` is not one of the documented group-licensing error codes (CountViolation, MutuallyExclusiveViolation, DependencyViolation, ProhibitedInUsageLocationViolation, UniquenessViolation, Other). Microsoft does not enumerate all codes, so licdiag keeps it verbatim."
            ),
            how_it_shows: "An error value in licenseAssignmentStates, a reported error list, or an audit record that licdiag cannot map.".into(),
            fix: s(&[
                "Read the message that came with it and the user's audit log for the underlying problem.",
                "Check the user's other licenses and the product's seats, plans and usage location.",
                "If it persists after the fix, reprocess the user.",
            ]),
            follow_up: user_follow_up(),
            doc_url: format!("{RESOLVE}#find-license-assignment-errors"),
            aliases: Vec::new(),
        },
    }
}

fn topics() -> Vec<PlaybookEntry> {
    vec![
        entry(
            "find-errors",
            None,
            "Find license assignment errors",
            "With group licensing the errors happen in the background, so they can't be reported immediately; they are recorded on the user object and shown in the portals. The intent to license the user is never lost.",
            "Group status in the Microsoft 365 admin center: All licenses Assigned / In progress / Errors and issues.",
            &[
                "Microsoft 365 admin center (the license-assignment UI since September 2024): Billing > Licenses > the product > groups; each group's status is All licenses Assigned, In progress or Errors and issues; select a group name to review its users' errors (Filter for large groups).",
                "Entra admin center, where it is still offered: users in error in a group: open the group > Licenses; a notification appears if users are in an error state; select it to list them.",
                "Entra admin center, where it is still offered: groups with errors: Billing > Licenses > Overview shows an information box; select it for the list of groups with errors.",
                "Graph PowerShell: Get-MgGroupMemberWithLicenseError -GroupId <id>, or users' licenseAssignmentStates where error is not None.",
                "Every group with at least one member in error: Get-MgGroup -All -Filter \"hasMembersWithLicenseErrors eq true\" (Graph API: GET https://graph.microsoft.com/v1.0/groups?$filter=hasMembersWithLicenseErrors eq true; the property is never returned on a plain GET).",
                "Every user's errors, for licdiag: Get-MgUser -All -Property id,userPrincipalName,displayName,assignedLicenses,licenseAssignmentStates,usageLocation,proxyAddresses,mail,onPremisesSyncEnabled,accountEnabled | ConvertTo-Json -Depth 10 > users.json.",
            ],
            none("Then follow the entry for the cause."),
            &format!("{RESOLVE}#find-license-assignment-errors"),
            &["find-license-assignment-errors", "license_error", "already_in_error"],
        ),
        entry(
            "force-group-reprocess",
            None,
            "Force group license processing to resolve errors",
            "Depending on the fix, the group may have to be processed again to update its users' state; for example after freeing licenses by removing direct assignments, reprocess the groups that previously failed to license all members.",
            "Users stay in error after the cause was fixed.",
            &[
                "Microsoft 365 admin center (the license-assignment UI since September 2024): Billing > Licenses > the product > the group > select the users > Reprocess.",
                "Entra admin center, where it is still offered: open the group > Licenses > Reprocess (toolbar).",
                "No Graph API reprocesses a group; reprocess its users instead.",
            ],
            none("None."),
            &format!("{RESOLVE_2023}#force-group-license-processing-to-resolve-errors"),
            &["reprocess-group", "group-reprocess"],
        ),
        entry(
            "force-user-reprocess",
            None,
            "Force user license processing to resolve errors",
            "Depending on the fix, a user may have to be processed again, for example after resolving a duplicate proxy address or a dependency violation for the user.",
            "The user stays in error after the cause was fixed.",
            &[
                "Microsoft 365 admin center: Billing > Licenses > the product > the group where the user shows in error > select the user(s) > Reprocess; or the Entra admin center's user > Licenses > Reprocess where it is still offered.",
                "Graph PowerShell: Invoke-MgLicenseUser -UserId <id>.",
                "Graph API: POST https://graph.microsoft.com/v1.0/users/{id}/reprocessLicenseAssignment.",
            ],
            none("None."),
            REPROCESS_API,
            &["reprocess-user", "user-reprocess", "reprocess"],
        ),
        entry(
            "multiple-products-in-group",
            None,
            "More than one product license assigned to a group",
            "A group can assign several products (e.g. Office 365 E3 and EMS). Entra tries to assign all of them to each member; if one can't be assigned (not enough licenses, conflicting plans), none of the others is assigned either.",
            "One product fails with the real cause; the group's other products show Other for the same users.",
            &[
                "Check which users failed and which products are affected, and fix the failing product's cause.",
                "Workaround: split the products into separate groups, or chain dynamic groups (one group assigns e.g. Exchange Online; a second dynamic group with the same rule plus an assigned-plan condition assigns the dependent products).",
            ],
            user_follow_up(),
            &format!("{RESOLVE}#more-than-one-product-license-assigned-to-a-group"),
            &["more-than-one-product", "all-or-nothing"],
        ),
        entry(
            "licensed-group-deleted",
            None,
            "When a licensed group is deleted",
            "A group with licenses can't be deleted: remove its licenses first (Entra Connect deletions of synced licensed groups fail too). Removing the licenses from all members takes time and can fail when a user has a dependent license (e.g. Audio Conferencing assigned directly needs Skype for Business from the group's E3/E5) or a proxy-address conflict.",
            "Older docs: licenses a dependent license needs are converted from inherited to direct (a new direct entry for the same product, e.g. E3 kept for users with direct Audio Conferencing). 2025 doc: all licenses from the deleted group stay in an error state on the user until the dependency is resolved.",
            &[
                "Remove all licenses from the group before deleting it.",
                "Resolve the dependency (keep the required plan through another source or remove the dependent license) or the proxy conflict, then remove.",
                "Remove the group's licenses: Set-MgGroupLicense -GroupId <group id> -AddLicenses @() -RemoveLicenses @(<product ids>) (Microsoft 365 admin center: Billing > Licenses > each product > the group > remove it; or the Entra admin center's group > Licenses > select them > Remove license where it is still offered).",
                "Review users whose licenses were converted to direct assignments afterwards: a licenseAssignmentStates entry with assignedByGroup null for a product they held only from the group (licdiag diff of a snapshot before and after shows them); remove those no longer needed with Set-MgUserLicense -UserId <user id> -AddLicenses @() -RemoveLicenses @(<product id>).",
            ],
            FollowUp {
                kind: FollowUpKind::ReprocessUser,
                steps: {
                    let mut v = vec!["Once the dependency is resolved, reprocess the user's licensing with Graph PowerShell.".to_string()];
                    v.extend(reprocess_user_steps());
                    v
                },
            },
            &format!("{RESOLVE}#when-a-licensed-group-is-deleted"),
            &["group-deleted", "delete-group"],
        ),
        entry(
            "mail-proxyaddresses-change",
            None,
            "Mail and ProxyAddresses attribute change (not an error)",
            "Updating license assignment on a user or a group can change some users' mail and proxyAddresses: a license update triggers proxy-address calculation.",
            "After a license change the user's mail / proxyAddresses differ from the previous snapshot; `Change user license` followed by user updates in the audit log.",
            &["Expected behaviour. To understand a specific change, see \"How the proxyAddresses attribute is populated in Microsoft Entra ID\" (support.microsoft.com/help/3190357)."],
            none("None."),
            PROXY_KB,
            &["proxyaddresses-change", "mail-change"],
        ),
        entry(
            "migrate-direct-to-group",
            None,
            "Migrate users with individual (direct) licenses to group licensing",
            "Replace scripts that assign licenses directly with group-based licensing without users temporarily losing licenses or data.",
            "During migration users hold the same product both directly and inherited from a group; that consumes one seat, so no extra licenses are needed.",
            &[
                "Leave the existing automation (e.g. PowerShell) assigning and removing licenses running as is.",
                "Create a licensing group (or pick existing groups) and make sure all required users are members.",
                "Assign the same licenses (and disabled plans) the automation applies to those groups.",
                "Verify the licenses were applied to all members: the Microsoft 365 admin center's Billing > Licenses > the product > groups shows the group as All licenses Assigned (the Entra admin center's group > Licenses, where it is still offered, shows \"Latest license changes have been applied to all users\"); check the audit logs; spot-check users (same product both direct and inherited), or verify by script how licenses are assigned.",
                "Verify no assignment failed: check each group for users in an error state (not enough licenses? conflicting plans?).",
                "Then remove the direct assignments gradually, on a subset of users first; users left with direct assignments keep them when they leave their licensed groups: Set-MgUserLicense -UserId <user id> -AddLicenses @() -RemoveLicenses @(<product id>) per user (licdiag plan migrate writes these lines for the users safe to migrate).",
                "How a user holds each product (verify by script): (Get-MgUser -UserId <user id> -Property licenseAssignmentStates).LicenseAssignmentStates | Select-Object SkuId, AssignedByGroup, State, Error; AssignedByGroup empty = direct, a group id = inherited, both = held both ways.",
            ],
            none("None."),
            MIGRATE,
            &["migrate", "migration", "not_in_group", "plans_lost", "group_license_not_applied", "group_not_licensed", "no_assignment_from_group"],
        ),
        entry(
            "change-group-license",
            None,
            "Change license assignments for a user or group (e.g. Office 365 E1 to E3)",
            "Move users or groups between products without loss of service or data: removals and new assignments are made simultaneously, so users don't lose access or see conflicts.",
            "Failures when the assumptions below don't hold for some users: they may not get the new product or may lose services.",
            &[
                "Check that users hold the current product through the group, not directly.",
                "Check there are enough available licenses of the new product.",
                "Check users have no other licenses that conflict with the new product or that depend on the current one (e.g. Workplace Analytics, Project Online).",
                "Synced groups: add/remove members on-premises; allow time for sync before group licensing picks it up. Dynamic groups: change the user attributes; the license update process is the same.",
                "Microsoft 365 admin center (the license-assignment UI since September 2024): Billing > Licenses: assign the new product to the group with its license options and remove the old one from it. To be sure the removal and the new assignment are made together, use the Graph PowerShell call below, or, where it is still offered, the Entra admin center's Groups > the group > Licenses > + Assignments: select the new license, clear the old one and adjust license options; Save; review the change on the group's Licenses page.",
                "Graph PowerShell, in one call so the removal and the new assignment are made together: Set-MgGroupLicense -GroupId <group id> -AddLicenses @(@{SkuId='<new product id>'; DisabledPlans=@()}) -RemoveLicenses @('<old product id>') (licdiag plan change checks it first and writes it with this tenant's ids).",
            ],
            none("None."),
            CHANGE,
            &["change-license", "e1-to-e3", "direct_assignment"],
        ),
        entry(
            "cascading-dynamic-groups",
            None,
            "License removal of dynamic groups with license-based rules fed by a static group",
            "When dynamic membership rules depend on licenses that an initial static group assigns, users are added to and removed from other dynamic groups in cascade; many groups can be affected.",
            "Membership flapping and mass license add/remove in the audit log.",
            &[
                "Test new membership rules before using them for licensing.",
                "Avoid converting a licensing group from static to dynamic: all members are removed first, then the rule adds the new ones.",
                "Use the audit logs to monitor group-based licensing activity.",
            ],
            FollowUp {
                kind: FollowUpKind::ReprocessUser,
                steps: s(&["Expect extensive reprocessing of affected users to restore access."]),
            },
            &format!("{RESOLVE}#license-removal-of-dynamic-membership-groups-with-rules-based-on-licenses-with-an-initial-static-group"),
            &["cascading"],
        ),
        entry(
            "group-license-processing",
            None,
            "Group license processing not complete, or slow",
            "Group licensing works in the background: after a group's licenses or members change, Entra processes its members (licenseProcessingState QueuedForProcessing, then ProcessingInProgress, then ProcessingComplete). Until it completes, some members may not have the group's licenses yet, and users who left may still hold them. Processing that takes more than 24 hours for a group of up to 60,000 members is not expected. Licensing a very large group (about 100,000 members) could affect the performance of directory sync.",
            "Snapshot: the group's licenseProcessingState is QueuedForProcessing or ProcessingInProgress (licdiag notes it on the groups file in every report; `licdiag plan` warns: processing_not_complete; removal_pending for a user no longer a member who still holds the group's license; large_group for a group of about 100,000 members or more). Audit: a `Start applying group based license to users` with no `Finish applying group based license to users` yet; `licdiag timeline` lists the runs over 24 hours (slow_processing). Microsoft 365 admin center group status: In progress.",
            &[
                "Wait for the processing to complete before judging the members' licenses or changing the group again: Entra is still working through them (a LicenseAssignmentAttributeConcurrencyException meanwhile needs no action).",
                "Check the state: Microsoft 365 admin center > Billing > Licenses > the product > the group's status (All licenses Assigned, In progress, Errors and issues); Graph PowerShell (Get-MgGroup -GroupId <group id> -Property licenseProcessingState).LicenseProcessingState.State; the Entra admin center's group > Licenses, where it is still offered, says \"Latest license changes have been applied to all users\" when done.",
                "If the processing of a group of up to 60,000 members takes more than 24 hours, open a support ticket with Microsoft.",
                "Licensing a group of about 100,000 members or more could affect directory sync performance: expect it, and watch the sync after the change.",
            ],
            none("None while it runs; once it completes, follow the entry for any error left on the members."),
            ADVANCED_BASE,
            &["processing", "slow_processing", "processing_not_complete", "removal_pending", "large_group", "licenseProcessingState", "QueuedForProcessing", "ProcessingInProgress", "group-processing"],
        ),
        entry(
            "synced-groups",
            None,
            "Licensing groups synced from on-premises AD",
            "A group synced by Microsoft Entra Connect (onPremisesSyncEnabled true) can assign licenses, but its members are managed on-premises: users are added and removed in on-premises AD, and it can take some time for the change to sync to Entra ID before group licensing picks it up. Entra Connect's deletion of a synced group that still has licenses fails.",
            "Snapshot: the group's onPremisesSyncEnabled is true; licdiag's steps change its members on-premises and give no cloud membership command for it; `licdiag plan` warns (synced_group).",
            &[
                "Add or remove members in on-premises AD, then let it sync: group licensing processes them once the change reaches Entra ID.",
                "The group's licenses are still assigned in the cloud (Microsoft 365 admin center > Billing > Licenses, or Set-MgGroupLicense).",
                "Before deleting the group on-premises, remove its licenses in the cloud (see licensed-group-deleted).",
                "Users synced from on-premises AD (onPremisesSyncEnabled true) have their mail, proxy addresses and usage location corrected at the source too, then synced.",
            ],
            none("None: the membership change is processed like any other once it has synced."),
            CHANGE,
            &["synced_group", "synced-group", "on-premises-group"],
        ),
        entry(
            "dynamic-groups",
            None,
            "Dynamic groups as licensing groups",
            "A dynamic group's members are added and removed by its membership rule, not by hand: a user gets or loses the group's licenses when their attributes change. Changing the rule removes the members it no longer matches, and the licenses the group gave them (the docs warn of service and data loss); converting a static group to dynamic removes all its members first, then the rule adds the new ones. With rule processing paused (membershipRuleProcessingState Paused) the members stay as they are.",
            "Snapshot: the group's groupTypes contains DynamicMembership, with a membershipRule; licdiag's steps change the user's attributes or the rule and give no membership command for it; `licdiag plan` warns (dynamic_group). Audit: an `Update group` of its MembershipRule; `licdiag timeline` shows the members removed and added after it.",
            &[
                "To give or take the group's licenses from a user, change the user's attributes so that the rule matches, or no longer matches; the license update is the same as for any membership change.",
                "Test a new or changed rule before using it for licensing, and avoid converting a licensing group from static to dynamic.",
                "Rules based on the licenses another group assigns can cascade: see cascading-dynamic-groups.",
            ],
            none("None: the members the rule adds or removes are processed like any membership change."),
            CHANGE,
            &["dynamic_group", "dynamic-group", "membership-rule"],
        ),
        entry(
            "multiple-license-sources",
            None,
            "A product held from more than one source",
            "A user can hold the same product directly and from one or more groups. It consumes one seat however many sources give it, and its enabled plans are the union of all its assignments. Removing one source (leaving a group, or a group that stops assigning it) leaves the product in place while another source gives it.",
            "Snapshot: several licenseAssignmentStates entries for the same skuId (assignedByGroup null for the direct one, a group id for each group). `licdiag plan` warns: keeps_old_product (the user keeps the product being removed through another group), covered_by_other_group (the user already inherits the product from another group), already_assigned (the group already assigns the product).",
            &[
                "To take the product from a user, remove every source: the direct assignment and each group that gives it.",
                "A plan disabled in one assignment stays enabled while another assignment of the product enables it: disable it in every assignment.",
                "A product the user already holds from another source consumes no extra seat when another group (or a direct assignment) adds it.",
                "A product already assigned to the group is not assigned again: to change which of its plans are disabled, update the group's assignment of it (Set-MgGroupLicense with the same SkuId and the new DisabledPlans).",
            ],
            none("None."),
            MIGRATE,
            &["keeps_old_product", "covered_by_other_group", "already_assigned", "multiple-sources", "direct-and-group"],
        ),
        entry(
            "plan-checks-skipped",
            None,
            "What `licdiag plan` could not check from the inputs",
            "`licdiag plan` checks a change against the exported snapshot. Where the export lacks something, a check is skipped or rests on an assumption, and the plan says so in a warning: the plan is only as complete as the export.",
            "`licdiag plan` warnings: membership_inferred (no member list for the group: members inferred from license states), empty_group (no user members), member_not_in_snapshot (a member with no user object in the users export), licenses_from_states (the groups export lists no licenses for the group: taken from its members' license states), assignment_source_unknown (assignedLicenses without licenseAssignmentStates: direct or group is unknown), plans_unknown (neither the catalog nor subscribedSkus lists the product's plans: conflict and dependency checks skipped), seats_unknown (no subscribedSkus row: seats not checked), prerequisite_unknown (no known prerequisite for the add-on's plans), unverified_dependency (a dependency known only from unverified sources).",
            &[
                "Export again with what is missing: groups with their direct members (`$expand=members`) and assignedLicenses; users with licenseAssignmentStates and assignedLicenses (see find-errors for the command); subscribedSkus for the seats and plans.",
                "Otherwise check by hand what the warning names before making the change.",
                "Microsoft publishes no complete list of plan dependencies: for an unverified or unknown prerequisite, check the product's requirements with Microsoft, or try the change on a small test group first.",
            ],
            none("None."),
            "https://learn.microsoft.com/graph/api/resources/licenseassignmentstate",
            &["membership_inferred", "empty_group", "member_not_in_snapshot", "licenses_from_states", "assignment_source_unknown", "plans_unknown", "seats_unknown", "prerequisite_unknown", "unverified_dependency", "plan-warnings"],
        ),
        entry(
            "nested-groups",
            None,
            "Nested groups get no licenses from their parent group",
            "Group-based licensing doesn't support groups that contain other groups: only the immediate first-level user members of a licensed group have its licenses applied; the members of a group nested in it get none of them.",
            "Snapshot: a licensing group's expanded members include a #microsoft.graph.group; licdiag notes it on the groups file in every report, and `licdiag plan` warns (nested_group). The nested group's members hold no assignment from the parent.",
            &[
                "Add the users who need the licenses to the licensing group itself (or to another licensing group they belong to directly).",
                "Or assign the licenses to the nested group as well (it is then a licensing group of its own, with its own seats and errors).",
                "For a large or changing population, a dynamic group whose rule selects those users can replace the nesting.",
                "Export groups with their direct members (`$expand=members`), not `transitiveMembers`: group licensing follows the direct ones.",
            ],
            none("None: members added directly are processed like any new member."),
            &format!("{ADVANCED_BASE}#limitations-and-known-issues"),
            &["nested-group", "nested"],
        ),
        entry(
            "gbl-requirement",
            None,
            "Every user who benefits from group-based licensing needs Entra ID P1 rights",
            "Microsoft requires Entra ID P1 (or Microsoft 365 Business Premium / Office 365 E3/A3/G3 and higher) for every user who benefits from group-based licensing. No documented license error reports a user without it: it is a licensing requirement, read from the products the users hold.",
            "Snapshot: a user with a license state assigned by a group (assignedByGroup) none of whose products carries the rights. licdiag counts as qualifying a product whose service plans include AAD_PREMIUM (Entra ID P1) or AAD_PREMIUM_P2 (Entra ID P2), by plan id or name (Microsoft 365 E3/E5, Microsoft 365 Business Premium, Enterprise Mobility + Security), or an Office 365 E3/A3/G3/E5/A5/G5 product by its catalog name; a product neither the catalog nor subscribedSkus describes is not judged. `licdiag analyze` notes such users on the users file in every report (a note, not a finding); `licdiag plan` warns (gbl_requirement for the members a plan licenses, counting what it gives them; no_gbl_subscription when no product the tenant subscribes to carries the rights).",
            &[
                "Give each such user a qualifying product, directly or through a licensing group: Entra ID P1 (AAD_PREMIUM) is the smallest; Microsoft 365 E3/E5, Business Premium and EMS include it.",
                "Or license them with Office 365 E3/A3/G3 or higher instead of Office 365 E1/F3 or a single-service product.",
                "A tenant that subscribes to no such product needs one before it relies on group-based licensing.",
            ],
            none("None: nothing to reprocess; the next snapshot's report no longer names the users."),
            "https://learn.microsoft.com/entra/fundamentals/concept-group-based-licensing",
            &["gbl-licensing-requirement", "no-gbl-subscription", "licensing-requirement", "entra-id-p1"],
        ),
    ]
}

/// The entry for a cause.
pub fn playbook(cause: &Cause) -> PlaybookEntry {
    cause_entry(cause)
}

/// Every entry: the causes in `Cause::KNOWN` order, then the procedures and topics.
pub fn all_entries() -> Vec<PlaybookEntry> {
    let mut v: Vec<PlaybookEntry> = Cause::KNOWN.iter().map(cause_entry).collect();
    // the answer licdiag keeps under its own code: no documented group-licensing error, but a
    // refusal with a fix of its own
    v.push(cause_entry(&Cause::Unknown(
        crate::model::cause::INVALID_USAGE_LOCATION.into(),
    )));
    v.push(cause_entry(&Cause::Unknown(
        crate::model::cause::INHERITED_LICENSE.into(),
    )));
    // licdiag's own code for a failure whose reason names none: no documented cause, but a
    // report names it, so `explain` lists it with the others
    v.push(cause_entry(&Cause::Unknown(
        crate::model::cause::UNSPECIFIED_FAILURE.into(),
    )));
    v.extend(topics());
    v
}

/// Looks an entry up by key, alias, cause code or title (case-insensitive; `-`, `_` and spaces
/// ignored). An unrecognized error code is not looked up here (it would match nothing).
pub fn lookup(name: &str) -> Option<PlaybookEntry> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(|c| c.to_lowercase())
            .collect()
    };
    let n = norm(name);
    if n.is_empty() {
        return None;
    }
    all_entries().into_iter().find(|e| {
        norm(&e.key) == n
            || norm(&e.title) == n
            || e.aliases.iter().any(|a| norm(a) == n)
            || e.cause.as_ref().is_some_and(|c| norm(c.code()) == n)
    })
}
