//! The typed drift between two snapshots: what `licdiag diff` prints. This module IS the
//! `--format json` schema of the diff (snake_case fields, lowercase enum values).

use crate::model::finding::{PlanRef, ProductRef, UserRef};
use crate::model::snapshot::AssignmentState;
use crate::model::{Cause, ObjectId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A group named by the diff.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GroupRef {
    pub id: ObjectId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl GroupRef {
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.id.to_string())
    }
}

/// Where a license comes from: `licenseAssignmentStates[].assignedByGroup`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Via {
    Direct,
    Group(GroupRef),
}

impl Via {
    pub fn label(&self) -> String {
        match self {
            Via::Direct => "direct".into(),
            Via::Group(g) => format!("group {}", g.label()),
        }
    }
}

/// One error entry (`licenseAssignmentStates[]` with an error) on one side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorEntry {
    pub user: UserRef,
    pub product: ProductRef,
    pub via: Via,
    pub cause: Cause,
    /// `Error`, `ActiveWithError`, ...
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<DateTime<Utc>>,
}

/// What became of a cleared error in NEW.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClearedAs {
    /// The same assignment is there without an error, in this state.
    State { state: String },
    /// The user no longer has that assignment (license or group license removed).
    AssignmentRemoved,
    /// The user is gone.
    UserRemoved,
}

impl ClearedAs {
    pub fn label(&self) -> String {
        match self {
            ClearedAs::State { state } => format!("now {state}"),
            ClearedAs::AssignmentRemoved => "assignment removed".into(),
            ClearedAs::UserRemoved => "user removed".into(),
        }
    }
}

/// An error of OLD that NEW no longer has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClearedError {
    /// The error as OLD had it.
    #[serde(flatten)]
    pub was: ErrorEntry,
    pub now: ClearedAs,
}

/// An error present in both with a different cause, or with the same cause in another state
/// (`Error` -> `ActiveWithError`: the user now holds the product and uses a seat, the error is
/// still to fix; or the reverse: the user no longer holds it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangedError {
    pub user: UserRef,
    pub product: ProductRef,
    pub via: Via,
    pub old_cause: Cause,
    pub new_cause: Cause,
    pub old_state: String,
    pub new_state: String,
}

impl ChangedError {
    /// The cause differs (else only the state does).
    pub fn cause_changed(&self) -> bool {
        self.old_cause != self.new_cause
    }

    /// The user held the product with this error in OLD (`Active` / `ActiveWithError`).
    pub fn held_before(&self) -> bool {
        AssignmentState::parse(&self.old_state).is_active()
    }

    /// The user holds the product with this error in NEW.
    pub fn held_now(&self) -> bool {
        AssignmentState::parse(&self.new_state).is_active()
    }

    /// What the change means, in words: the cause's change, then the state's.
    pub fn meaning(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if self.cause_changed() {
            parts.push("another cause: the fix is the new cause's");
        }
        if !self.old_state.eq_ignore_ascii_case(&self.new_state) {
            parts.push(match (self.held_before(), self.held_now()) {
                (false, true) => {
                    "now active with error: the user has the license and uses a seat, the error still needs fixing"
                }
                (true, false) => {
                    "now in error: the user no longer has the license, the error still needs fixing"
                }
                _ => "state changed, the error still needs fixing",
            });
        }
        parts.join("; ")
    }
}

/// One number of a product's seats on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Count {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<u64>,
    /// `new - old` (a missing side counts as 0).
    pub delta: i64,
}

impl Count {
    pub fn of(old: Option<u64>, new: Option<u64>) -> Count {
        let d = i128::from(new.unwrap_or(0)) - i128::from(old.unwrap_or(0));
        Count {
            old,
            new,
            delta: i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX }),
        }
    }
}

/// Whether a product / group is on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Added,
    Removed,
    Changed,
}

impl Presence {
    pub fn as_str(&self) -> &'static str {
        match self {
            Presence::Added => "added",
            Presence::Removed => "removed",
            Presence::Changed => "changed",
        }
    }
}

/// A product's `capabilityStatus` on both sides (licensing.md §3: `Enabled`, `Warning`,
/// `Suspended`, `Deleted`, `LockedOut`, in their order of decay; any other value kept as written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Both sides have one and they differ (compared trimmed, in any case): a side without one (an
    /// export that left it out) is no change.
    pub changed: bool,
}

impl StatusChange {
    pub fn of(old: Option<&str>, new: Option<&str>) -> StatusChange {
        let f = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let (old, new) = (f(old), f(new));
        let changed = match (&old, &new) {
            (Some(a), Some(b)) => !a.eq_ignore_ascii_case(b),
            _ => false,
        };
        StatusChange { old, new, changed }
    }

    /// How far a status is along the decay: Enabled 0, Warning 1, Suspended 2, Deleted and
    /// LockedOut 3; `None` for a value licensing.md does not list.
    fn rank(s: &str) -> Option<u8> {
        match s.to_ascii_lowercase().as_str() {
            "enabled" => Some(0),
            "warning" => Some(1),
            "suspended" => Some(2),
            "deleted" | "lockedout" => Some(3),
            _ => None,
        }
    }

    /// The subscription went `Suspended`, `LockedOut` or `Deleted` from a status before it in the
    /// decay (or one licensing.md does not list): its units can no longer be assigned, as a
    /// product whose seats ran out.
    pub fn lapsed(&self) -> bool {
        let (Some(old), Some(new)) = (&self.old, &self.new) else {
            return false;
        };
        let Some(to) = Self::rank(new) else {
            return false;
        };
        self.changed && to >= 2 && Self::rank(old).is_none_or(|from| to > from)
    }
}

/// Seat numbers or subscription status of one product (`subscribedSkus`) that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeatChange {
    pub product: ProductRef,
    pub presence: Presence,
    /// `capabilityStatus`.
    pub capability_status: StatusChange,
    pub enabled: Count,
    pub warning: Count,
    pub suspended: Count,
    pub locked_out: Count,
    pub consumed: Count,
}

impl SeatChange {
    /// The product was added or removed, or one of its seat numbers changed (not only its status).
    pub fn seats_moved(&self) -> bool {
        self.presence != Presence::Changed
            || [
                self.enabled,
                self.warning,
                self.suspended,
                self.locked_out,
                self.consumed,
            ]
            .iter()
            .any(|c| c.delta != 0)
    }
}

/// Service plans newly disabled / re-enabled in one product a group assigns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DisabledPlansChange {
    pub product: ProductRef,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub now_disabled: Vec<PlanRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub now_enabled: Vec<PlanRef>,
}

/// The licenses of one group that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupLicenseChange {
    pub group: GroupRef,
    pub presence: Presence,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub products_added: Vec<ProductRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub products_removed: Vec<ProductRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disabled_plans: Vec<DisabledPlansChange>,
    /// `licenseProcessingState` old and new, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_state: Option<(Option<String>, Option<String>)>,
}

/// What one side holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Side {
    pub path: String,
    pub users: usize,
    pub groups: usize,
    pub skus: usize,
    /// License errors in `licenseAssignmentStates`.
    pub errors: usize,
}

/// How many changes of each kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    pub new_errors: usize,
    pub cleared_errors: usize,
    /// Errors with another cause, or the same cause in another state.
    pub changed_errors: usize,
    /// Products in `seats`: added, removed, or whose seat numbers or status changed.
    pub seat_changes: usize,
    /// Products of both sides whose `capabilityStatus` changed (also in `seat_changes`).
    pub status_changes: usize,
    pub group_license_changes: usize,
    pub users_added: usize,
    pub users_removed: usize,
    pub converted_to_direct: usize,
    pub addresses_changed: usize,
    /// Users of both snapshots whose UPN or display name changed.
    pub users_renamed: usize,
    /// Groups of both groups exports whose display name changed.
    pub groups_renamed: usize,
    /// Products users of both snapshots held in OLD and have no license state of in NEW, counted
    /// once per (user, product): a user who held it from two groups is under each in
    /// `products_lost` but counted once here. Users removed are not counted (see `users_removed`).
    pub products_lost: usize,
    /// The same the other way: held in NEW, no license state of it in OLD (users added not counted).
    pub products_gained: usize,
    /// (user, product, plan): a plan of a product held on both sides that every assignment of it
    /// disables in NEW and some assignment enabled in OLD.
    pub plans_turned_off: usize,
    /// (user, product, plan): disabled by every assignment in OLD, enabled by some in NEW.
    pub plans_turned_on: usize,
}

/// A product a user held only through groups in OLD and holds directly in NEW: what group-based
/// licensing does (older behaviour) when a group's license is removed or the group deleted while a
/// dependent license needs it (licensing.md §11; guide, "When a licensed group is deleted").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conversion {
    pub user: UserRef,
    pub product: ProductRef,
    /// The groups OLD had it from.
    pub from: Vec<GroupRef>,
}

/// A user's mail or proxy addresses that differ between the snapshots (the guide's "Mail and
/// ProxyAddresses attribute change": a license update triggers the proxy-address calculation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddressChange {
    pub user: UserRef,
    /// `mail` old and new, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<(Option<String>, Option<String>)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proxy_added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proxy_removed: Vec<String>,
}

/// A user of both snapshots (matched by object id) whose UPN or display name changed. The other
/// sections name a user as NEW does; this links that name to OLD's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserRename {
    /// The user as NEW names them.
    pub user: UserRef,
    /// `userPrincipalName` old and new, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<(String, String)>,
    /// `displayName` old and new, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<(String, String)>,
}

/// A group of both groups exports (matched by object id) whose display name changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupRename {
    /// The group as NEW names it.
    pub group: GroupRef,
    /// `displayName` old and new.
    pub display_name: (String, String),
}

/// Why users no longer hold a product from one source (a group, or directly), as far as the two
/// snapshots tell; the first that applies, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossReason {
    /// The product is not in NEW's subscribedSkus, or is `Deleted` there (both sides exported
    /// subscribedSkus).
    SubscriptionGone,
    /// The group is in OLD's groups export and not in NEW's (deleted, or not exported).
    GroupRemoved,
    /// The group is in NEW's groups export and no longer assigns the product.
    GroupLicenseRemoved,
    /// NEW's members of the group (expansion or membership rows) do not include the user: removed
    /// from the group, or dropped by a dynamic rule.
    LeftGroup,
    /// A direct license removed from the user.
    DirectRemoved,
    /// The user is not in NEW: counted here, listed in `users_removed`.
    UserRemoved,
    /// The exports do not tell (no groups or members export; or the group still assigns it and
    /// NEW still lists the user as a member).
    Unknown,
}

impl LossReason {
    pub fn label(&self) -> &'static str {
        match self {
            LossReason::SubscriptionGone => "subscription gone from NEW",
            LossReason::GroupRemoved => "group not in NEW",
            LossReason::GroupLicenseRemoved => "group no longer assigns it",
            LossReason::LeftGroup => "no longer a member",
            LossReason::DirectRemoved => "direct license removed",
            LossReason::UserRemoved => "user removed",
            LossReason::Unknown => "unknown",
        }
    }
}

/// Why users hold a product from one source that they held no license state of in OLD: the
/// mirror of [`LossReason`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GainReason {
    /// The product is not in OLD's subscribedSkus, or was `Deleted` there.
    SubscriptionAdded,
    /// The group is in NEW's groups export and not in OLD's.
    GroupAdded,
    /// The group is in OLD's groups export and did not assign the product then.
    GroupLicenseAdded,
    /// OLD's members of the group did not include the user.
    JoinedGroup,
    /// A direct license assigned to the user.
    DirectAssigned,
    /// The user is not in OLD: counted here, listed in `users_added`.
    UserAdded,
    Unknown,
}

impl GainReason {
    pub fn label(&self) -> &'static str {
        match self {
            GainReason::SubscriptionAdded => "subscription new in NEW",
            GainReason::GroupAdded => "group new in NEW",
            GainReason::GroupLicenseAdded => "group now assigns it",
            GainReason::JoinedGroup => "new member",
            GainReason::DirectAssigned => "direct license assigned",
            GainReason::UserAdded => "user added",
            GainReason::Unknown => "unknown",
        }
    }
}

/// Users who lost (or gained) one product from one source for one reason. A product is lost
/// when OLD holds it (`Active` or `ActiveWithError` from some source) and NEW has no license state
/// of it at all; a product in `Error` in NEW is a new error instead (a changed one when OLD had the
/// error with the product held: `ActiveWithError` -> `Error`), one in `Error` in OLD was
/// never held (its absence is a cleared error), and one that moved from a group to a direct
/// license is in `converted_to_direct`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProductChange<R> {
    pub product: ProductRef,
    /// The source it was held from (lost) or is held from (gained).
    pub via: Via,
    pub reason: R,
    /// How many users.
    pub count: usize,
    /// All of them, sorted; empty for `user_removed` / `user_added` (listed in `users_removed` /
    /// `users_added`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserRef>,
}

/// Users of both snapshots who lost a product, grouped by product, source and reason; and users
/// removed, counted by the products they held.
pub type ProductLoss = ProductChange<LossReason>;
/// Users of both snapshots who gained a product; and users added, counted.
pub type ProductGain = ProductChange<GainReason>;

/// A service plan of a product held on both sides turned off (or on) for users: their effective
/// disabled plans (those every assignment of the product disables) differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanChange {
    pub product: ProductRef,
    pub plan: PlanRef,
    pub count: usize,
    /// All of them, sorted.
    pub users: Vec<UserRef>,
}

/// The whole diff document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffDoc {
    pub old: Side,
    pub new: Side,
    pub summary: DiffSummary,
    pub new_errors: Vec<ErrorEntry>,
    pub cleared_errors: Vec<ClearedError>,
    pub changed_errors: Vec<ChangedError>,
    pub seats: Vec<SeatChange>,
    pub group_licenses: Vec<GroupLicenseChange>,
    pub users_added: Vec<UserRef>,
    pub users_removed: Vec<UserRef>,
    pub converted_to_direct: Vec<Conversion>,
    pub addresses_changed: Vec<AddressChange>,
    pub users_renamed: Vec<UserRename>,
    pub groups_renamed: Vec<GroupRename>,
    pub products_lost: Vec<ProductLoss>,
    pub products_gained: Vec<ProductGain>,
    pub plans_turned_off: Vec<PlanChange>,
    pub plans_turned_on: Vec<PlanChange>,
    /// What could not be compared because one side lacks it (e.g. no subscribedSkus in NEW).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_compared: Vec<String>,
    /// What a reader should know before trusting the changes (e.g. the snapshots seem to come from
    /// different tenants); the diff is made anyway.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What each side's reading left out (records skipped as malformed, audit logs, which diff
    /// does not use, entries of a folder passed over, ...), `OLD`/`NEW` first: said in every
    /// format, as `analyze` says its inputs' notes (README, "Nothing lost, nothing silent").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl DiffDoc {
    /// NEW has errors OLD did not have (new, or with another cause).
    pub fn has_new_errors(&self) -> bool {
        !self.new_errors.is_empty() || self.changed_errors.iter().any(|e| e.cause_changed())
    }
}
