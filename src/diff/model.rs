//! The typed drift between two snapshots: what `licdiag diff` prints. This module IS the
//! `--format json` schema of the diff (snake_case fields, lowercase enum values).

use crate::model::finding::{PlanRef, ProductRef, UserRef};
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

/// An error present in both with a different cause.
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

/// Seat numbers of one product (`subscribedSkus`) that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeatChange {
    pub product: ProductRef,
    pub presence: Presence,
    pub enabled: Count,
    pub warning: Count,
    pub suspended: Count,
    pub locked_out: Count,
    pub consumed: Count,
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
    pub changed_errors: usize,
    pub seat_changes: usize,
    pub group_license_changes: usize,
    pub users_added: usize,
    pub users_removed: usize,
    pub converted_to_direct: usize,
    pub addresses_changed: usize,
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
    /// What could not be compared because one side lacks it (e.g. no subscribedSkus in NEW).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_compared: Vec<String>,
    /// What a reader should know before trusting the changes (e.g. the snapshots seem to come from
    /// different tenants); the diff is made anyway.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl DiffDoc {
    /// NEW has errors OLD did not have (new, or with another cause).
    pub fn has_new_errors(&self) -> bool {
        !self.new_errors.is_empty() || !self.changed_errors.is_empty()
    }
}
