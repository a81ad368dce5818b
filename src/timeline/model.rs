//! The typed timeline: what `licdiag timeline` prints. One entry per step of the story (group license
//! set, processing started, a user's failure, processing finished, the fix, the reprocess, the
//! resolution), plus what is still open and the time to resolve per cause. This module IS the
//! `--format json` schema of the timeline (snake_case fields, `stage` tag on every entry).

use crate::model::finding::{CauseFoundIn, UserRef};
use crate::model::{Cause, LicenseTruncation, ObjectId, Outcome, SourceRef};
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// A user as the timeline keys them: by object id when any input gives one, else by UPN
/// (lower-cased).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UserKey {
    Id(ObjectId),
    Upn(String),
}

/// A group named by an entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GroupRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<ObjectId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl GroupRef {
    /// Display name, else id.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.id.as_ref().map(|i| i.to_string()))
            .unwrap_or_else(|| "unknown group".into())
    }
}

/// Whom an entry is about: a user or a whole group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    User(UserRef),
    Group(GroupRef),
}

impl Subject {
    pub fn label(&self) -> String {
        match self {
            Subject::User(u) => u.label(),
            Subject::Group(g) => g.label(),
        }
    }
}

/// What an admin (or the data) did that can end a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixKind {
    /// Seats were bought or freed. Never audited (subscribedSkus changes are not in the audit log):
    /// inferred when a CountViolation clears after an admin's reprocess or license/membership change.
    SeatsAdded,
    /// A seat of the failing product was freed: an administrator's audited change removed the
    /// product from another user after the failure and before it cleared.
    SeatsFreed,
    /// A license was removed from the failing user (e.g. the conflicting direct assignment).
    LicenseRemoved,
    /// A license was added to the failing user directly (e.g. the product a plan depends on).
    LicenseAdded,
    /// The group's licenses changed while its members had failures.
    GroupLicenseChanged,
    /// The failing user was removed from a licensing group.
    MemberRemoved,
    /// The failing user was added to a licensing group.
    MemberAdded,
    /// An administrator's `Update user` set the usage location of a user failing with
    /// ProhibitedInUsageLocationViolation.
    UsageLocationSet,
    /// An administrator's `Update user` changed the proxy addresses of a user failing with
    /// UniquenessViolation (the guide: resolve the proxy address problem, then reprocess).
    ProxyAddressChanged,
    /// An administrator's `Update user` took out of another user's `ProxyAddresses` an address
    /// of a user failing with UniquenessViolation (the guide: the duplicate is fixed on the
    /// object that holds the address).
    AddressFreed,
    /// The failing user was deleted.
    UserDeleted,
    /// The group whose licenses failed was deleted.
    GroupDeleted,
}

impl FixKind {
    pub fn label(&self) -> &'static str {
        match self {
            FixKind::SeatsAdded => "seats added",
            FixKind::SeatsFreed => "seat freed",
            FixKind::LicenseRemoved => "license removed",
            FixKind::LicenseAdded => "license added",
            FixKind::GroupLicenseChanged => "group license changed",
            FixKind::MemberRemoved => "member removed",
            FixKind::MemberAdded => "member added",
            FixKind::UsageLocationSet => "usage location set",
            FixKind::ProxyAddressChanged => "proxy address changed",
            FixKind::AddressFreed => "address freed",
            FixKind::UserDeleted => "user deleted",
            FixKind::GroupDeleted => "group deleted",
        }
    }
}

/// Membership direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    Added,
    Removed,
}

/// What shows an episode resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolvedBy {
    /// A later successful `Change user license` for the user.
    AuditSuccess,
    /// A later successful `Set group license` on the group (group-level failures).
    GroupLicenseSet,
    /// The diagnosis (snapshot and audit log together) shows the license applied after the error.
    Diagnosis,
}

/// The license lists of a change that Entra truncated (formats.md quirk 7), and the products they
/// leave unsure: those an entry shows as added or removed are shown only when the other list is
/// whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Truncated {
    /// Which lists (`old`, `new`: true when truncated).
    #[serde(flatten)]
    pub lists: LicenseTruncation,
    /// In the new list, not in what is left of the truncated old list: added, or kept.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_or_kept: Vec<String>,
    /// In the old list, not in what is left of the truncated new list: kept, or removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept_or_removed: Vec<String>,
}

/// Service plans a license change disabled (or enabled) in one product the group (or user) kept.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PlanEdit {
    /// The product (part number, else SKU id).
    pub sku: String,
    /// The plans (names, else as the record writes them), sorted.
    pub plans: Vec<String>,
}

/// What a license change did, for sure: the products it added and removed, and the service plans
/// it disabled and enabled in the products both its lists hold (a `group_license_changed` fix).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LicenseEdit {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plans_disabled: Vec<PlanEdit>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plans_enabled: Vec<PlanEdit>,
}

impl LicenseEdit {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.plans_disabled.is_empty()
            && self.plans_enabled.is_empty()
    }

    /// The products concerned: added, removed, then those whose plans changed, each once.
    pub fn skus(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let plans = self.plans_disabled.iter().chain(&self.plans_enabled);
        for s in self
            .added
            .iter()
            .chain(&self.removed)
            .chain(plans.map(|p| &p.sku))
        {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }
}

/// One step of the story, tagged `stage` in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// `Set group license`: products added to / removed from a group (or the attempt failed).
    GroupLicenseSet {
        group: GroupRef,
        who: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        added: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        removed: Vec<String>,
        /// Service plans disabled in a product the group kept.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        plans_disabled: Vec<PlanEdit>,
        /// Service plans enabled (no longer disabled) in a product the group kept.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        plans_enabled: Vec<PlanEdit>,
        /// Set when Entra truncated the record's license lists: `added` / `removed` then hold
        /// only what the lists show for sure.
        #[serde(skip_serializing_if = "Option::is_none")]
        truncated: Option<Truncated>,
        result: Outcome,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        causes: Vec<Cause>,
    },
    /// A user added to / removed from a licensing group (what makes Entra process the user).
    MembershipChanged {
        user: UserRef,
        group: GroupRef,
        change: Membership,
        who: String,
    },
    /// `Start applying group based license to users`.
    ProcessingStarted { group: GroupRef },
    /// A failed license change for a user, with the cause(s) its texts name.
    Failure {
        user: UserRef,
        /// Empty when the record names no cause.
        causes: Vec<Cause>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sku: Option<String>,
        /// The group whose processing failed, when the data tells.
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<GroupRef>,
        /// Present when the record names no error code (it would be an UnspecifiedFailure) and
        /// the failure is an occurrence of the user's real error from the same group, which
        /// `causes` names: where that error was found, `snapshot` (or a reported error list) or
        /// `audit` (another audit record of the user and group).
        #[serde(skip_serializing_if = "Option::is_none")]
        cause_from: Option<CauseFoundIn>,
    },
    /// `Finish applying group based license to users` with its counts.
    ProcessingFinished {
        group: GroupRef,
        /// Absent when the record carries no counts.
        #[serde(skip_serializing_if = "Option::is_none")]
        succeeded: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        failed: Option<u64>,
    },
    /// A direct license change by an admin for a user with no open failure (context).
    LicenseChanged {
        user: UserRef,
        who: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        added: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        removed: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        truncated: Option<Truncated>,
    },
    /// What was done about open failures.
    Fix {
        fix: FixKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        who: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        user: Option<UserRef>,
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<GroupRef>,
        /// Products concerned (added / removed / seats of / whose plans changed).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        skus: Vec<String>,
        /// What a `group_license_changed` fix did: products added / removed, plans disabled /
        /// enabled (empty for the other fixes, which their kind says).
        #[serde(flatten)]
        change: LicenseEdit,
        /// What an `address freed` fix took out of its object's proxy addresses: the addresses
        /// (lower-cased, without `smtp:`) a failing user's UniquenessViolation wanted.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        addresses: Vec<String>,
        /// The failing users whose address an `address freed` fix freed, or whose conflict a
        /// `group license changed` fix on another of their groups removed.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        for_users: Vec<UserRef>,
        /// A license fix read from a record whose license lists Entra truncated.
        #[serde(skip_serializing_if = "Option::is_none")]
        truncated: Option<Truncated>,
        /// Not in the audit log: deduced from what followed.
        inferred: bool,
        /// Users whose failure cleared after it (inferred fixes).
        #[serde(skip_serializing_if = "Option::is_none")]
        users_resolved: Option<usize>,
    },
    /// `Trigger group license recalculation` (group) or a user reprocess.
    Reprocess { subject: Subject, who: String },
    /// A failure episode ended.
    Resolved {
        subject: Subject,
        #[serde(serialize_with = "opt_cause")]
        cause: Option<Cause>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sku: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<GroupRef>,
        first_failed: DateTime<Utc>,
        time_to_resolve_seconds: i64,
        by: ResolvedBy,
        /// A transient error Entra retried successfully on its own.
        self_resolved: bool,
        how: String,
    },
    /// A failure episode ended without being resolved: its subject is gone (the user was deleted),
    /// so nothing is pending any more, and nothing was licensed either.
    Closed {
        subject: Subject,
        #[serde(serialize_with = "opt_cause")]
        cause: Option<Cause>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sku: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<GroupRef>,
        first_failed: DateTime<Utc>,
        /// Closing time - first failure (not a time to resolve: nothing was resolved).
        open_seconds: i64,
        by: ClosedBy,
        who: String,
    },
    /// A user or a licensing group deleted while nothing of theirs was failing (context).
    Deleted { subject: Subject, who: String },
    /// The group-based-licensing service's `Update user` changing the user's proxy addresses (and
    /// mail): the proxy-address calculation a license update triggers (the guide's "Microsoft Entra
    /// Mail and ProxyAddresses attribute change"). Context: it explains an address that changed
    /// with no administrator behind it.
    AddressesRecalculated { user: UserRef, who: String },
    /// An `Update group` that changed how a licensing group chooses its members: its membership
    /// rule, its type (static / dynamic) or its rule processing (licensing.md: Entra removes the
    /// members a new rule does not match, and the licenses the group gave them; a static group made
    /// dynamic loses every member until the rule is evaluated). Context that explains the
    /// membership changes (and license removals) that follow it.
    MembershipRuleChanged {
        group: GroupRef,
        who: String,
        /// The rule before, when the record changes the rule (absent: none).
        #[serde(skip_serializing_if = "Option::is_none")]
        old_rule: Option<String>,
        /// The rule after, when the record changes the rule (absent: none).
        #[serde(skip_serializing_if = "Option::is_none")]
        new_rule: Option<String>,
        /// `true`: the group became dynamic; `false`: it became static (assigned).
        #[serde(skip_serializing_if = "Option::is_none")]
        dynamic: Option<bool>,
        /// `on` / `paused`: rule processing turned on or paused.
        #[serde(skip_serializing_if = "Option::is_none")]
        processing: Option<RuleProcessing>,
        /// Members the story shows removed from the group after the change (up to the group's next
        /// rule change).
        #[serde(skip_serializing_if = "is_zero")]
        members_removed_after: usize,
        /// Members the story shows added to the group after the change (likewise).
        #[serde(skip_serializing_if = "is_zero")]
        members_added_after: usize,
    },
}

/// A dynamic group's rule processing as an `Update group` set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleProcessing {
    On,
    Paused,
}

/// What closed an episode that was not resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedBy {
    /// `Delete user` of the failing user.
    UserDeleted,
    /// A `Set group license` removed the failing product from the group the failure is
    /// attributed to: the group no longer assigns it, so nothing of it is pending (and nothing was
    /// licensed).
    ProductRemoved,
    /// A `Remove member from group` took the failing user out of the group the failure is
    /// attributed to: the group no longer assigns them the product, so nothing of it is pending
    /// (and nothing was licensed).
    MemberRemoved,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn opt_cause<S: Serializer>(c: &Option<Cause>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_str(c.code()),
        None => s.serialize_none(),
    }
}

/// One line of the story.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub time: DateTime<Utc>,
    #[serde(flatten)]
    pub stage: Stage,
    /// The audit record it comes from (absent for inferred entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
    /// Users the entry is about (for `--user`).
    #[serde(skip)]
    pub users: Vec<UserKey>,
    /// Groups the entry is about (for `--group` and the group context of `--user`).
    #[serde(skip)]
    pub groups: Vec<ObjectId>,
    /// Tie-break at equal times: inferred fixes go first, then the input order.
    #[serde(skip)]
    pub order: (i8, usize),
}

/// An episode of failure: one subject failing with one cause, from the first failure to the
/// resolution (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Episode {
    pub subject: EpisodeSubject,
    pub cause: Option<Cause>,
    pub sku: Option<String>,
    pub group: Option<ObjectId>,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// When the episode ended (resolved, or closed: see `closed`).
    pub resolved: Option<DateTime<Utc>>,
    /// The episode ended without a resolution (the user was deleted, the product removed from
    /// the group): counted neither resolved nor open, and no time to resolve.
    pub closed: Option<ClosedBy>,
}

/// The subject of an episode, as keyed internally.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EpisodeSubject {
    User(UserKey),
    Group(ObjectId),
}

/// A failure still open at the end of the inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenItem {
    pub subject: Subject,
    #[serde(serialize_with = "opt_cause")]
    pub cause: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupRef>,
    /// First failure in the audit log, else when the snapshot last updated the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// `as_of - since`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_for_seconds: Option<i64>,
    /// The audit log records the failure (otherwise only the snapshot does).
    pub seen_in_audit: bool,
    /// The diagnosis (snapshot and audit log) reports it pending.
    pub confirmed_pending: bool,
    /// A later successful `Change user license` in the audit log that would have resolved it, while
    /// the snapshot still shows the error (the snapshot wins): the first such success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub later_success: Option<DateTime<Utc>>,
    /// A successful `Change user license` of the user recorded at the same instant as the
    /// episode's last failure (the same second for the formats that write whole seconds: UAL,
    /// Purview), with no snapshot showing the error: which of the two came last is unknown, so
    /// the failure is not confirmed pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_instant_success: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub user_key: Option<UserKey>,
    #[serde(skip)]
    pub group_id: Option<ObjectId>,
}

/// Time to resolve, per cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CauseStats {
    #[serde(serialize_with = "opt_cause")]
    pub cause: Option<Cause>,
    /// Failure episodes (resolved + still open + closed by deletion, product removal or member
    /// removal).
    pub episodes: usize,
    pub resolved: usize,
    pub still_open: usize,
    /// Episodes closed because the failing user was deleted (neither resolved nor open).
    #[serde(skip_serializing_if = "is_zero")]
    pub closed_by_deletion: usize,
    /// Episodes closed because the failing product was removed from the group (neither resolved
    /// nor open).
    #[serde(skip_serializing_if = "is_zero")]
    pub closed_by_product_removal: usize,
    /// Episodes closed because the failing user was removed from the group (neither resolved
    /// nor open).
    #[serde(skip_serializing_if = "is_zero")]
    pub closed_by_member_removal: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_seconds: Option<i64>,
}

/// The user `--user` resolved to, named by their latest UPN, with the UPNs the inputs gave them
/// before it (a rename).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FilterUser {
    #[serde(flatten)]
    pub user: UserRef,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub former_upns: Vec<String>,
}

/// The filters the story was narrowed with, as resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AppliedFilters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<FilterUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// What the story was built from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TimelineEvidence {
    pub audit_events: usize,
    pub snapshot_users: usize,
    pub snapshot_groups: usize,
    pub snapshot_skus: usize,
    /// Records read more than once (overlapping exports), counted once.
    #[serde(skip_serializing_if = "crate::report::analysis::is_zero")]
    pub repeated_records: u64,
}

/// A group's license processing run that took, or has been running, more than
/// [`PROCESSING_LIMIT_HOURS`]: from `Start applying group based license to users` to its `Finish`,
/// or unfinished at `as_of`. licensing.md §2: processing that takes more than 24 hours for a group
/// of up to 60,000 members calls for a support ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlowProcessing {
    pub group: GroupRef,
    pub started: DateTime<Utc>,
    /// Absent while the run is unfinished in the inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<DateTime<Utc>>,
    /// `finished - started`, or `as_of - started` for an unfinished run.
    pub seconds: i64,
    #[serde(skip)]
    pub group_id: Option<ObjectId>,
}

/// Hours past which a group's processing run is reported ([`SlowProcessing`]).
pub const PROCESSING_LIMIT_HOURS: i64 = 24;

/// The whole timeline document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimelineDoc {
    /// The latest time in the inputs: what "still open" and "open for" are measured against;
    /// `None` (JSON `null`) when the inputs record no time at all (never the clock).
    pub as_of: Option<DateTime<Utc>>,
    pub filters: AppliedFilters,
    pub evidence: TimelineEvidence,
    pub entries: Vec<Entry>,
    pub time_to_resolve: Vec<CauseStats>,
    pub still_open: Vec<OpenItem>,
    /// Group processing runs over [`PROCESSING_LIMIT_HOURS`], finished or not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slow_processing: Vec<SlowProcessing>,
    /// How the inputs' locale-formatted dates were read, when a reader should know
    /// (`path: note`, [`crate::report::view::date_caveats`]): every time in the story rests on it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub date_notes: Vec<String>,
    /// What a reader should know of the inputs (`path: note`): a gzip stream that ended early
    /// ([`crate::report::view::input_notes`]: the story misses whatever followed the cut), then the
    /// inputs' notes and set-up notes ([`crate::report::view::input_remarks`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_notes: Vec<String>,
}
