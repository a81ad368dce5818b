//! Findings: what `diagnose` concludes and what every report format prints. This module IS the
//! documented `--format json` schema for findings (all field names snake_case, enums lowercase /
//! snake_case strings, optional fields omitted when empty).

use super::cause::Cause;
use super::event::SourceRef;
use super::ids::{ObjectId, PlanId, SkuId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// How urgent a finding is. Ordered so that `Error > Warning > Info` (for `--fail-on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Resolved, self-resolved or purely informational.
    Info,
    /// Transient or of unknown state; watch it.
    Warning,
    /// An active error that blocks a license.
    Error,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    /// `error`, `warning`/`warn`, `info` (case-insensitive).
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" | "errors" => Some(Severity::Error),
            "warning" | "warnings" | "warn" => Some(Severity::Warning),
            "info" | "infos" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which inputs a finding rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// License-state snapshot (users, groups, subscribedSkus, reported error lists) only.
    Snapshot,
    /// Audit log only.
    Audit,
    /// Both agree.
    Both,
}

impl Evidence {
    pub fn as_str(&self) -> &'static str {
        match self {
            Evidence::Snapshot => "snapshot",
            Evidence::Audit => "audit",
            Evidence::Both => "both",
        }
    }
}

/// At most this many concrete input references are kept per finding.
pub const MAX_REFERENCES: usize = 20;

/// The evidence of a finding: kind plus the concrete input records (capped at [`MAX_REFERENCES`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvidenceInfo {
    pub source: Evidence,
    /// Input records (file + record number), sorted, at most [`MAX_REFERENCES`].
    pub references: Vec<SourceRef>,
    /// How many references there were before capping.
    pub references_total: usize,
}

/// A user named by a finding. Ordered by label (UPN, display name, id; case-insensitive), then id,
/// so lists read alphabetically and sort the same way every run.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct UserRef {
    /// Object id; absent when an input only named the user by UPN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<ObjectId>,
    /// Shared with the snapshot's user where it comes from one: a large tenant's findings name
    /// tens of thousands of users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<crate::model::ThinStr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Box<str>>,
}

impl Ord for UserRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.label_str()
            .to_lowercase()
            .cmp(&other.label_str().to_lowercase())
            .then_with(|| self.id.cmp(&other.id))
            .then_with(|| self.upn.cmp(&other.upn))
            .then_with(|| self.display_name.cmp(&other.display_name))
    }
}

impl PartialOrd for UserRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl UserRef {
    /// UPN, else display name, else id.
    pub fn label(&self) -> String {
        self.label_str().into_owned()
    }
    /// [`UserRef::label`], borrowed where the text is held.
    pub fn label_str(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match (&self.upn, &self.display_name, &self.id) {
            (Some(u), _, _) => Cow::Borrowed(u.as_str()),
            (None, Some(d), _) => Cow::Borrowed(d),
            (None, None, Some(i)) => Cow::Owned(i.to_string()),
            (None, None, None) => Cow::Borrowed("unknown user"),
        }
    }
    /// What `Invoke-MgLicenseUser -UserId` / `/users/{id}` accept: the object id, else the UPN.
    pub fn key(&self) -> Option<String> {
        self.id
            .as_ref()
            .map(|i| i.to_string())
            .or_else(|| self.upn.as_ref().map(|u| u.to_string()))
    }
}

/// Per-user status inside a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The error is (as far as the data shows) still there.
    Pending,
    /// A later event or the snapshot shows the license applied after the error.
    Resolved,
    /// A transient error that Entra retried successfully on its own.
    SelfResolved,
    /// The user was deleted while the error was open: nothing is pending, and nothing was licensed
    /// either (not resolved).
    Closed,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::SelfResolved => "self_resolved",
            Status::Closed => "closed",
        }
    }
}

/// A user affected by a finding, with their own status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AffectedUser {
    #[serde(flatten)]
    pub user: UserRef,
    pub status: Status,
    /// When the error was first recorded for this user (the earliest of the finding's audit
    /// events and snapshot entries for them; a postmortem's "since").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error_at: Option<DateTime<Utc>>,
    /// When the error was last recorded for this user (audit event or `lastUpdatedDateTime`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_at: Option<DateTime<Utc>>,
    /// When and how it was resolved, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Resolution>,
}

/// A product (SKU).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ProductRef {
    /// Part number (`ENTERPRISEPACK`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<SkuId>,
}

impl ProductRef {
    pub fn label(&self) -> String {
        self.sku
            .clone()
            .or_else(|| self.sku_id.as_ref().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown product".into())
    }
}

/// A service plan.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PlanRef {
    /// Plan name (`SHAREPOINTENTERPRISE`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<PlanId>,
    /// Friendly name from the catalog (`SharePoint Online (Plan 2)`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl PlanRef {
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.id.as_ref().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown plan".into())
    }
}

/// Where a license assignment comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssignmentSource {
    /// Assigned directly to the user.
    Direct {
        #[serde(skip_serializing_if = "Option::is_none")]
        sku: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sku_id: Option<SkuId>,
    },
    /// Inherited from a licensing group.
    Group {
        #[serde(skip_serializing_if = "Option::is_none")]
        group_id: Option<ObjectId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sku: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sku_id: Option<SkuId>,
    },
    /// The data does not say (e.g. audit log only, or `assignedLicenses` without states).
    Unknown {
        #[serde(skip_serializing_if = "Option::is_none")]
        sku: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sku_id: Option<SkuId>,
    },
}

impl AssignmentSource {
    /// "direct assignment of STANDARDPACK", "group LIC-E1 (STANDARDPACK)".
    pub fn describe(&self) -> String {
        fn p(sku: &Option<String>, id: &Option<SkuId>) -> String {
            sku.clone()
                .or_else(|| id.as_ref().map(|i| i.to_string()))
                .unwrap_or_else(|| "a product".into())
        }
        match self {
            AssignmentSource::Direct { sku, sku_id } => {
                format!("the direct assignment of {}", p(sku, sku_id))
            }
            AssignmentSource::Group {
                group,
                group_id,
                sku,
                sku_id,
            } => format!(
                "group {} ({})",
                group
                    .clone()
                    .or_else(|| group_id.as_ref().map(|g| g.to_string()))
                    .unwrap_or_else(|| "unknown group".into()),
                p(sku, sku_id)
            ),
            AssignmentSource::Unknown { sku, sku_id } => {
                if sku.is_none() && sku_id.is_none() {
                    "another license of the user".into()
                } else {
                    format!("{} (source unknown)", p(sku, sku_id))
                }
            }
        }
    }
}

/// MutuallyExclusiveViolation: one conflicting plan pair on one user.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ConflictingPlan {
    pub user: UserRef,
    /// The plan in the failing product.
    pub plan: PlanRef,
    /// The plan it conflicts with, already on the user.
    pub other_plan: PlanRef,
    /// Which other assignment holds `other_plan`.
    pub other_source: AssignmentSource,
    /// `catalog` (computed from plans and the conflict table) or `audit` (named by the audit text).
    pub determined_from: String,
}

/// Two plans of one user that only Microsoft's pre-July-2025 list of plans that cannot be
/// assigned together has (licensing.md §7.1, rows marked †).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LegacyPair {
    pub user: UserRef,
    pub plan: PlanRef,
    pub other_plan: PlanRef,
    /// Whether the docs say the two may now be combined: only Exchange Online Plan 1 and Plan 2
    /// ("now allow duplication"); for the other removed rows the current list is silent.
    pub duplication_documented: bool,
    /// `catalog` (the user's plans) or `audit` (the pair an audit text named).
    pub determined_from: String,
}

impl LegacyPair {
    /// `A (display) and B (display)`.
    pub fn describe(&self) -> String {
        let one = |p: &PlanRef| match &p.display_name {
            Some(d) => format!("{} ({d})", p.label()),
            None => p.label(),
        };
        format!("{} and {}", one(&self.plan), one(&self.other_plan))
    }
}

/// DependencyViolation: one unmet dependency on one user.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DependencyItem {
    pub user: UserRef,
    pub dependent_plan: PlanRef,
    /// Any one of these satisfies the dependency.
    pub requires: Vec<PlanRef>,
    /// Where a required plan could come from: the user's other assignments (possibly with the plan
    /// disabled) and the tenant's products that include it.
    pub would_come_from: Vec<SupplyOption>,
    /// `documented`, `community`, `unverified`, `observed` (learned from this run's audit texts).
    pub confidence: String,
    /// `removal` (a source of the required plan is being removed), `assignment` (the product being
    /// assigned contains a plan that needs another one), or `unknown` (audit text only, product
    /// not known).
    pub direction: String,
}

/// A way to supply a required plan.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SupplyOption {
    pub product: ProductRef,
    /// `user_assignment_disabled_plan` (the user has the product but the plan is disabled there),
    /// `group` (a licensing group assigns the product with the plan enabled),
    /// `direct_same_product` (a direct assignment of a product the user already holds: no extra
    /// seat), `tenant_product` (the tenant owns the product).
    pub how: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<ObjectId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Seats left (`enabled - consumed`), when the tenant inventory is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
}

/// ProhibitedInUsageLocationViolation: the usage location of one user.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UserUsageLocation {
    pub user: UserRef,
    /// ISO-3166 alpha-2 code; absent when unset or unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    /// Human reading: "IR", "unset: inherits the tenant's country", "not in the snapshot".
    pub note: String,
    /// Whether the user is synced from on-premises AD (fix at the source of authority).
    pub synced: bool,
}

/// A refused direct removal of a license the user inherits from a group
/// (`InvalidOperationOnGroupInheritedLicenseException`): one user, and where the snapshot shows
/// the license coming from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InheritedLicense {
    pub user: UserRef,
    /// The groups the snapshot shows giving the user the product (every product the user
    /// inherits when the data does not name the product); empty when no snapshot says.
    pub inherited_from: Vec<AssignmentSource>,
    /// Whether a users export holds the user (false: no snapshot says where the license comes
    /// from).
    pub in_snapshot: bool,
}

/// Another object holding an address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AddressHolder {
    pub id: ObjectId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `user` or `group`.
    pub kind: String,
    /// `proxy_addresses` or `mail`.
    pub matched_on: String,
    /// The value as the holder has it (with its prefix).
    pub value: String,
}

/// UniquenessViolation: one colliding address of one user.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Collision {
    pub user: UserRef,
    /// The address (lower-cased, without `smtp:`).
    pub address: String,
    /// Why it is a candidate address of the failing user: `upn`, `mail`, `proxy_address`,
    /// `onmicrosoft_alias`, `audit_text`.
    pub candidate_from: String,
    /// The first [`MAX_HOLDERS`] holders, sorted (an address many objects share would otherwise
    /// name every one of them for every user: quadratic).
    pub holders: Vec<AddressHolder>,
    /// How many objects hold the address besides the user (`holders` may list fewer).
    pub holders_total: usize,
    /// The failing user is synced from on-premises AD: fix at the source of authority.
    pub synced: bool,
}

/// The most holders a [`Collision`] lists.
pub const MAX_HOLDERS: usize = 10;

/// Other: the error that actually blocks a product for one user.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BlockedBy {
    pub user: UserRef,
    pub cause: Cause,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<SkuId>,
    /// `snapshot` (a sibling entry from the same group) or `audit` (a failed event for the user).
    pub found_in: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}

/// LicenseAssignmentAttributeConcurrencyException for one user.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ConcurrencyItem {
    pub user: UserRef,
    pub failed_at: DateTime<Utc>,
    /// The later successful processing, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retried_ok_at: Option<DateTime<Utc>>,
    /// Licensing groups of the user that assign the same product (the documented trigger).
    pub groups_with_same_product: Vec<String>,
}

/// Seats of one product and who could give one back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkuCapacity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub sku_id: SkuId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability_status: Option<String>,
    pub enabled: u64,
    pub warning: u64,
    pub suspended: u64,
    pub locked_out: u64,
    pub consumed: u64,
    /// `enabled - consumed` (negative when over-assigned).
    pub available: i64,
    /// `enabled + warning - consumed`.
    pub available_with_warning: i64,
    /// Users currently failing with CountViolation on this product.
    pub blocked_users: usize,
    /// Seats that could be given back.
    pub reclaimable: Vec<ReclaimableSeat>,
    /// Users holding the product both directly and through a group: they consume one seat, so
    /// removing the direct copy frees nothing.
    pub direct_and_group: Vec<UserRef>,
    /// Active direct-only holders whose seat a product they keep still needs (a plan of it depends
    /// on a plan only this product gives them, licensing.md §7.2): removing it alone is refused as
    /// a DependencyViolation, so these seats are not counted as reclaimable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub still_needed: Vec<ReclaimableSeat>,
    /// `consumed > enabled`.
    pub over_assigned: bool,
    /// `consumed >= enabled + warning`.
    pub no_seats: bool,
}

/// Why a seat is reclaimable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReclaimReason {
    /// The account is disabled but still holds (and consumes) the product.
    DisabledAccount,
    /// Holds the product only by direct assignment, outside any licensing group.
    DirectOnly,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReclaimableSeat {
    pub user: UserRef,
    pub reason: ReclaimReason,
    /// How the user holds it (direct, and/or the groups).
    pub held_via: Vec<AssignmentSource>,
    /// Products the user keeps that depend on a service plan only this product gives them: the
    /// product cannot be removed alone (a DependencyViolation); a disabled account's seat is freed
    /// by removing them together.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needed_by: Vec<ProductRef>,
}

/// CountViolation numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CountDetails {
    /// The product's seats; absent without a `subscribedSkus` export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<std::sync::Arc<SkuCapacity>>,
    /// Users of this finding still blocked.
    pub blocked_users: usize,
    /// `max(0, blocked users - (enabled + warning - consumed))`: units to buy, counting the units
    /// in their grace period; absent without seat numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<u64>,
    /// `max(0, blocked users + consumed - enabled)`: the shortfall if units in warning (grace
    /// period) are not assignable or lapse; equals `shortfall` unless over-assigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall_if_warning_lapses: Option<u64>,
    /// Seats the listed reclaimable users would free.
    pub reclaimable_seats: usize,
    /// "buy 3 or free 3".
    pub advice: String,
}

/// MissingPrerequisite (add-on assigned to a group without its prerequisite).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrerequisiteDetails {
    /// The add-on as the text names it.
    pub add_on: String,
    /// The prerequisite as the text names it.
    pub prerequisite: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_on_product: Option<ProductRef>,
    /// Prerequisite plans (any of).
    pub prerequisite_plans: Vec<PlanRef>,
    /// Products the tenant owns that contain a prerequisite plan (candidates for the same group).
    pub base_products: Vec<ProductRef>,
}

impl PrerequisiteDetails {
    /// What the add-on needs: the prerequisite plans by their names when there are several
    /// (`Exchange Online (Plan 1) or Exchange Online (Plan 2)`: the guide's list, where the
    /// portal's message names one), else the prerequisite as the text names it.
    pub fn requires_text(&self) -> String {
        requires_text(&self.prerequisite, &self.prerequisite_plans)
    }
}

/// [`PrerequisiteDetails::requires_text`] of a prerequisite as the text names it and the plans.
pub fn requires_text(prerequisite: &str, plans: &[PlanRef]) -> String {
    if plans.len() > 1 || prerequisite.is_empty() {
        let names: Vec<String> = plans
            .iter()
            .map(|p| p.display_name.clone().unwrap_or_else(|| p.label()))
            .collect();
        if !names.is_empty() {
            return names.join(" or ");
        }
    }
    prerequisite.to_string()
}

/// Cause-specific facts of a finding. Serialized as an object with a `kind` tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CauseDetails {
    Count(CountDetails),
    Conflict {
        conflicting_plans: Vec<ConflictingPlan>,
        /// `current` or `pre2025` (licensing.md §7.1).
        conflict_table: String,
        /// Users whose plans conflict only under the pre-July-2025 table, read with the current
        /// one (Exchange Online Plan 1 and Plan 2 now stack): nothing to disable, reprocess.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        legacy_only: Vec<UserRef>,
        /// The pairs behind `legacy_only`, and pairs an audit text named that only the
        /// pre-July-2025 table has (the service still reported them): reprocess first.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        legacy_pairs: Vec<LegacyPair>,
    },
    Dependency {
        dependencies: Vec<DependencyItem>,
    },
    UsageLocation {
        usage_locations: Vec<UserUsageLocation>,
    },
    Uniqueness {
        colliding: Vec<Collision>,
        /// Users whose colliding address could not be found in the data.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        unexplained: Vec<UserRef>,
    },
    Blocked {
        blocked_by: Vec<BlockedBy>,
        /// Users for whom no sibling error was found.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        unexplained: Vec<UserRef>,
    },
    Concurrency {
        occurrences: Vec<ConcurrencyItem>,
    },
    Prerequisite(PrerequisiteDetails),
    /// `InvalidOperationOnGroupInheritedLicenseException`: the users whose direct removal of an
    /// inherited license was refused, and the groups it comes from.
    Inherited {
        inherited: Vec<InheritedLicense>,
    },
    Unknown {
        code: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        messages: Vec<String>,
    },
    None,
}

/// How an error was resolved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Resolution {
    pub when: DateTime<Utc>,
    pub how: String,
}

/// Who started the processing that produced the error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StartedBy {
    pub who: String,
    pub when: DateTime<Utc>,
    /// The audit activity: `Set group license` (preferred), else `Trigger group license
    /// recalculation`, else an affected user's `Add member to group` / `Remove member from group`.
    pub activity: String,
}

/// A `Finish applying group based license to users` summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProcessingRun {
    pub succeeded: u64,
    pub failed: u64,
    pub when: DateTime<Utc>,
}

/// What the audit log adds to a finding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuditCorrelation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_by: Option<StartedBy>,
    /// The latest `Finish applying ...` summary of the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_summary: Option<ProcessingRun>,
    /// Set when every affected user (or the group) was resolved after the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Resolution>,
    /// Failed audit events counted into this finding.
    pub failed_events: usize,
    /// Distinct error texts read from those events (at most 5).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
}

/// The documented fix for a finding, with generated commands for the admin to review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub summary: String,
    pub steps: Vec<String>,
    /// Generated text for the admin to review before running (PowerShell / Graph).
    pub commands: Vec<String>,
    pub doc_url: String,
    /// The objects the steps apply to (user UPNs / ids, group names).
    pub applies_to: Vec<String>,
}

/// One diagnosed problem: a cause on one product from one group (or direct / unknown source).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub cause: Cause,
    pub severity: Severity,
    pub status: Status,
    /// Part number of the product, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<SkuId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<ObjectId>,
    /// Group display name (or id when the name is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Affected users, sorted.
    pub users: Vec<AffectedUser>,
    pub evidence: EvidenceInfo,
    /// Computed from the data: who, what, why, with numbers.
    pub explanation: String,
    pub details: CauseDetails,
    /// Products of the same group not assigned either because this one failed (all-or-nothing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_assigned_products: Vec<ProductRef>,
    pub audit: AuditCorrelation,
    pub recommendation: Recommendation,
}

impl Finding {
    /// Users still affected (status pending).
    pub fn pending_users(&self) -> usize {
        self.users
            .iter()
            .filter(|u| u.status == Status::Pending)
            .count()
    }
    /// Users the finding leaves without a license (status pending): its pending users, none for
    /// a refused removal of an inherited license ([`Cause::leaves_users_unlicensed`]), whose
    /// users keep theirs. What the headline counts.
    pub fn users_affected(&self) -> usize {
        if self.cause.leaves_users_unlicensed() {
            self.pending_users()
        } else {
            0
        }
    }
    /// `CAUSE/SKU/GROUP`: a stable key for baselines. The group by its object id where the data
    /// gives one (display names are not unique in Entra: two groups of one name would share a
    /// key, and a rename would change it), else by its name as the audit text gives it.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.cause.code(),
            self.sku
                .clone()
                .or_else(|| self.sku_id.as_ref().map(|s| s.to_string()))
                .unwrap_or_else(|| "-".into()),
            self.group_id
                .as_ref()
                .map(|s| s.to_string())
                .or_else(|| self.group.clone())
                .unwrap_or_else(|| "-".into())
        )
    }
}

/// Totals for the run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Distinct users with at least one pending finding.
    pub users_affected: usize,
    /// Distinct users named by any finding (pending or resolved).
    pub users_named: usize,
    /// Number of findings per cause code.
    pub findings_by_cause: BTreeMap<String, usize>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// Where the cause of a failure recorded without an error code was found ([`TextlessFailure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CauseFoundIn {
    /// The snapshot's `licenseAssignmentStates` (or a reported error list).
    Snapshot,
    /// Another audit record of the same user and group, which names the error.
    Audit,
}

impl CauseFoundIn {
    pub fn as_str(&self) -> &'static str {
        match self {
            CauseFoundIn::Snapshot => "snapshot",
            CauseFoundIn::Audit => "audit",
        }
    }
}

/// A failed audit record that names no error code (`UnspecifiedFailure`: e.g. a Log Analytics
/// export that projected no `ResultReason`) which the diagnosis took as an occurrence of the same
/// user's real error from the same group: the snapshot (or another audit record) names the error.
/// The timeline tells the record's failure and episode by it, so both commands agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextlessFailure {
    /// The failed record.
    pub source: SourceRef,
    /// The real cause it is an occurrence of.
    pub cause: Cause,
    /// Part number of the product, when known.
    pub sku: Option<String>,
    pub group_id: Option<ObjectId>,
    pub found_in: CauseFoundIn,
}

/// The result of `diagnose`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Ranked: pending users desc, then severity desc, then cause / sku / group.
    pub findings: Vec<Finding>,
    /// Every subscribed product, sorted by part number.
    pub capacity: Vec<std::sync::Arc<SkuCapacity>>,
    pub summary: Summary,
    /// The `--as-of` instant the diagnosis was made for.
    pub as_of: DateTime<Utc>,
    /// `current` or `pre2025`.
    pub conflict_table: String,
    /// Which catalog was used.
    pub catalog: String,
    /// The failed audit records without an error code that are occurrences of a real error
    /// (not in the JSON: each finding's explanation says it).
    #[serde(skip)]
    pub textless: Vec<TextlessFailure>,
}

impl Diagnosis {
    /// The highest severity of any finding.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_and_names() {
        assert!(Severity::Error > Severity::Warning);
        assert!(Severity::Warning > Severity::Info);
        assert_eq!(
            serde_json::to_string(&Severity::Error).expect("serialize"),
            "\"error\""
        );
        assert_eq!(Severity::parse("WARN"), Some(Severity::Warning));
        assert_eq!(
            serde_json::to_string(&Status::SelfResolved).expect("serialize"),
            "\"self_resolved\""
        );
    }

    #[test]
    fn assignment_source_json() {
        let s = AssignmentSource::Group {
            group_id: ObjectId::parse("g1"),
            group: Some("LIC-E1".into()),
            sku: Some("STANDARDPACK".into()),
            sku_id: None,
        };
        let v = serde_json::to_value(&s).expect("serialize");
        assert_eq!(v["kind"], "group");
        assert_eq!(v["group"], "LIC-E1");
        assert_eq!(s.describe(), "group LIC-E1 (STANDARDPACK)");
    }
}
