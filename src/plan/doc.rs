//! The plan document every planner returns: the group, the blockers (per user, or for the group as a
//! whole), the warnings, the documented order of steps, and the planner's own details. This module IS
//! the `licdiag plan --format json` schema: field names are snake_case, kinds are snake_case strings.
//! It also holds the format-neutral [`Section`] the planners describe their details with, so that
//! `report.rs` alone decides how each format looks.

use crate::knowledge::ConflictTableVersion;
use crate::model::finding::{PlanRef, ProductRef, UserRef};
use crate::model::ObjectId;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Which planner produced the document (`"plan"` in JSON; the subcommand's name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanKind {
    Change,
    Migrate,
    DeleteGroup,
    AddOn,
}

impl PlanKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            PlanKind::Change => "change",
            PlanKind::Migrate => "migrate",
            PlanKind::DeleteGroup => "delete-group",
            PlanKind::AddOn => "add-on",
        }
    }
    /// What the plan is about, for headings.
    pub fn title(&self) -> &'static str {
        match self {
            PlanKind::Change => "change the group's products",
            PlanKind::Migrate => "migrate direct assignments to the group",
            PlanKind::DeleteGroup => "delete the licensed group",
            PlanKind::AddOn => "assign an add-on to the group",
        }
    }
}

/// Why the plan is not safe yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockerKind {
    /// Not enough available seats for the users who will newly consume one.
    NotEnoughSeats,
    /// The user holds the product being removed directly: the group change will not touch it.
    DirectAssignment,
    /// A plan the change brings conflicts with a plan the user holds from another assignment.
    ConflictingPlans,
    /// A plan the user keeps needs a plan the change (or deletion) takes away.
    Dependency,
    /// The group would hold a plan without its prerequisite plan in the same group.
    MissingPrerequisite,
    /// Removing the direct assignment takes away plans the group's assignment disables.
    PlansLost,
    /// The user holds the product directly but is not a member of the group.
    NotInGroup,
    /// The user is in an error state for the group's license.
    LicenseError,
    /// The group's license has not reached the user yet (no assignment state from the group).
    GroupLicenseNotApplied,
    /// The group holds no products to migrate to.
    GroupNotLicensed,
    /// A duplicate proxy address that can block the license removal.
    ProxyConflict,
}

impl BlockerKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            BlockerKind::NotEnoughSeats => "not_enough_seats",
            BlockerKind::DirectAssignment => "direct_assignment",
            BlockerKind::ConflictingPlans => "conflicting_plans",
            BlockerKind::Dependency => "dependency",
            BlockerKind::MissingPrerequisite => "missing_prerequisite",
            BlockerKind::PlansLost => "plans_lost",
            BlockerKind::NotInGroup => "not_in_group",
            BlockerKind::LicenseError => "license_error",
            BlockerKind::GroupLicenseNotApplied => "group_license_not_applied",
            BlockerKind::GroupNotLicensed => "group_not_licensed",
            BlockerKind::ProxyConflict => "proxy_conflict",
        }
    }
}

/// Something to know that does not block the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// Synced from on-premises AD: membership changes flow through Entra Connect.
    SyncedGroup,
    /// Dynamic membership: users are added and removed by their attributes.
    DynamicGroup,
    /// The export has no member list for the group; members were inferred.
    MembershipInferred,
    /// The group has no user members.
    EmptyGroup,
    /// Groups among the group's members: their members get nothing from it.
    NestedGroup,
    /// Members listed by the group that have no user object in the snapshot.
    MemberNotInSnapshot,
    /// The groups export lists no licenses for the group, yet users hold products assigned by it:
    /// its products were taken from their license states.
    LicensesFromStates,
    /// A product held per `assignedLicenses` with no `licenseAssignmentStates` to say how.
    AssignmentSourceUnknown,
    /// Neither the catalog nor the tenant lists the product's plans: plan checks were skipped.
    PlansUnknown,
    /// No `subscribedSkus` entry for a product: seats were not checked.
    SeatsUnknown,
    /// The user is already in an error state for the group's licenses.
    AlreadyInError,
    /// The user keeps the product being removed through another group.
    KeepsOldProduct,
    /// A dependency licdiag only knows from unverified sources.
    UnverifiedDependency,
    /// licdiag knows no prerequisite for the add-on's plans.
    PrerequisiteUnknown,
    /// The product is already assigned to the group.
    AlreadyAssigned,
    /// The user also inherits the product from another group.
    CoveredByOtherGroup,
    /// The user is no longer a member but still holds a license from the group.
    RemovalPending,
    /// The group's license processing has not finished.
    ProcessingNotComplete,
    /// A member of another group in CountViolation for a product whose seats the plan gives back.
    WaitingForSeats,
    /// A member with no assignment of one of the group's products from the group (migrate).
    NoAssignmentFromGroup,
    /// A member who will receive a product has no usage location (the directory's country applies).
    NoUsageLocation,
    /// A member already refused a license for their usage location, who will receive a new product.
    UsageLocationNotAllowed,
    /// A group of about 100,000 members or more: licensing it can affect directory sync
    /// performance (licensing.md §2).
    LargeGroup,
    /// Members who would benefit from group-based licensing hold no product with its licensing
    /// rights (Entra ID P1 or P2, or Office 365 E3/A3/G3/E5/A5/G5; licensing.md §2), counting what
    /// the plan gives them.
    GblRequirement,
    /// No product of the tenant's `subscribedSkus` carries group-based licensing rights.
    NoGblSubscription,
}

impl WarningKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            WarningKind::SyncedGroup => "synced_group",
            WarningKind::DynamicGroup => "dynamic_group",
            WarningKind::MembershipInferred => "membership_inferred",
            WarningKind::EmptyGroup => "empty_group",
            WarningKind::NestedGroup => "nested_group",
            WarningKind::MemberNotInSnapshot => "member_not_in_snapshot",
            WarningKind::LicensesFromStates => "licenses_from_states",
            WarningKind::AssignmentSourceUnknown => "assignment_source_unknown",
            WarningKind::PlansUnknown => "plans_unknown",
            WarningKind::SeatsUnknown => "seats_unknown",
            WarningKind::AlreadyInError => "already_in_error",
            WarningKind::KeepsOldProduct => "keeps_old_product",
            WarningKind::UnverifiedDependency => "unverified_dependency",
            WarningKind::PrerequisiteUnknown => "prerequisite_unknown",
            WarningKind::AlreadyAssigned => "already_assigned",
            WarningKind::CoveredByOtherGroup => "covered_by_other_group",
            WarningKind::RemovalPending => "removal_pending",
            WarningKind::ProcessingNotComplete => "processing_not_complete",
            WarningKind::WaitingForSeats => "waiting_for_seats",
            WarningKind::NoAssignmentFromGroup => "no_assignment_from_group",
            WarningKind::NoUsageLocation => "no_usage_location",
            WarningKind::UsageLocationNotAllowed => "usage_location_not_allowed",
            WarningKind::LargeGroup => "large_group",
            WarningKind::GblRequirement => "gbl_requirement",
            WarningKind::NoGblSubscription => "no_gbl_subscription",
        }
    }
}

/// One blocker: for a user, or for the group as a whole (`user: null`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub user: Option<UserRef>,
    pub kind: BlockerKind,
    pub detail: String,
    /// The product the blocker is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<ProductRef>,
    /// The service plans involved (conflicting, dependent and required, lost).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<PlanRef>,
}

/// One warning: for a user, or for the group as a whole (`user: null`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub user: Option<UserRef>,
    pub kind: WarningKind,
    pub detail: String,
}

/// A product assigned to the group, with the plans the assignment disables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupLicense {
    #[serde(flatten)]
    pub product: ProductRef,
    pub disabled_plans: Vec<PlanRef>,
}

/// Where the member list came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipSource {
    /// The group's `members` expansion.
    Members,
    /// `GroupId,UserId` membership rows.
    MembershipRows,
    /// Both of the above (unioned).
    MembersAndRows,
    /// Neither: users whose license states name the group.
    InferredFromLicenseStates,
}

impl MembershipSource {
    pub fn describe(&self) -> &'static str {
        match self {
            MembershipSource::Members => "from the group's members expansion",
            MembershipSource::MembershipRows => "from membership rows",
            MembershipSource::MembersAndRows => "from the members expansion and membership rows",
            MembershipSource::InferredFromLicenseStates => {
                "inferred from license states (no member list exported)"
            }
        }
    }
}

/// The group the plan is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    pub id: ObjectId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Synced from on-premises AD (`onPremisesSyncEnabled`).
    pub synced: bool,
    /// Dynamic membership (`membershipRule` / `DynamicMembership`).
    pub dynamic: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership_rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_state: Option<String>,
    /// First-level user members.
    pub members: usize,
    pub membership_source: MembershipSource,
    pub licenses: Vec<GroupLicense>,
}

impl GroupSummary {
    pub fn label(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| self.id.to_string())
    }
}

/// A format-neutral table the planners describe their details with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Paragraphs printed under the table.
    pub notes: Vec<String>,
}

/// What each planner adds to the common document.
pub trait Details {
    /// The planner's own sections, in reading order.
    fn sections(&self) -> Vec<Section>;
}

/// The document `licdiag plan` prints.
#[derive(Clone, Debug, Serialize)]
pub struct PlanDoc<D: Serialize> {
    pub plan: PlanKind,
    /// "Now": picks the conflict-table revision.
    pub as_of: DateTime<Utc>,
    pub conflict_table: ConflictTableVersion,
    pub group: GroupSummary,
    /// No blockers.
    pub safe: bool,
    pub blockers: Vec<Blocker>,
    pub warnings: Vec<Warning>,
    /// The documented order of steps, completed with this plan's facts.
    pub steps: Vec<String>,
    /// What reading the inputs left out (records skipped as malformed, a file cut short, ...),
    /// as every report says it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_notes: Vec<String>,
    #[serde(flatten)]
    pub details: D,
}

/// What a planner returns: its blockers and warnings, the steps, and its own details.
#[derive(Clone, Debug)]
pub struct Planned<D> {
    pub findings: Findings,
    pub steps: Vec<String>,
    pub details: D,
}

/// Collects blockers and warnings while a planner runs; [`Findings::finish`] sorts them
/// (group-level first, then by user, kind and detail) and drops repeats.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    blockers: Vec<Blocker>,
    warnings: Vec<Warning>,
}

impl Findings {
    pub fn block(&mut self, user: Option<UserRef>, kind: BlockerKind, detail: impl Into<String>) {
        self.blockers.push(Blocker {
            user,
            kind,
            detail: detail.into(),
            sku: None,
            plans: Vec::new(),
        });
    }

    /// A blocker naming its product and plans.
    pub fn block_with(
        &mut self,
        user: Option<UserRef>,
        kind: BlockerKind,
        detail: impl Into<String>,
        sku: Option<ProductRef>,
        plans: Vec<PlanRef>,
    ) {
        self.blockers.push(Blocker {
            user,
            kind,
            detail: detail.into(),
            sku,
            plans,
        });
    }

    pub fn warn(&mut self, user: Option<UserRef>, kind: WarningKind, detail: impl Into<String>) {
        self.warnings.push(Warning {
            user,
            kind,
            detail: detail.into(),
        });
    }

    pub fn has_blocker(&self, kind: BlockerKind) -> bool {
        self.blockers.iter().any(|b| b.kind == kind)
    }

    /// Blockers so far (unsorted).
    pub fn blockers(&self) -> &[Blocker] {
        &self.blockers
    }

    /// Sorted, deduplicated blockers and warnings.
    pub fn finish(self) -> (Vec<Blocker>, Vec<Warning>) {
        let mut b = self.blockers;
        b.sort_by(|x, y| {
            order_user(&x.user, &y.user)
                .then_with(|| x.kind.cmp(&y.kind))
                .then_with(|| x.detail.cmp(&y.detail))
        });
        b.dedup_by(|x, y| x.user == y.user && x.kind == y.kind && x.detail == y.detail);
        let mut w = self.warnings;
        w.sort_by(|x, y| {
            order_user(&x.user, &y.user)
                .then_with(|| x.kind.cmp(&y.kind))
                .then_with(|| x.detail.cmp(&y.detail))
        });
        w.dedup();
        (b, w)
    }
}

/// Group-level (`None`) first, then users alphabetically.
fn order_user(a: &Option<UserRef>, b: &Option<UserRef>) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    }
}

/// `"a, b or c"` for readable lists.
pub fn join_or(items: &[String]) -> String {
    join_with(items, "or")
}

/// `"a, b and c"` for readable lists.
pub fn join_and(items: &[String]) -> String {
    join_with(items, "and")
}

fn join_with(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

/// `"1 user"`, `"2 users"`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(upn: &str) -> Option<UserRef> {
        Some(UserRef {
            id: ObjectId::parse(upn),
            upn: Some(upn.into()),
            display_name: None,
        })
    }

    #[test]
    fn findings_sort_group_first_then_users_and_dedup() {
        let mut f = Findings::default();
        f.block(user("b@x"), BlockerKind::ConflictingPlans, "c");
        f.block(user("a@x"), BlockerKind::PlansLost, "p");
        f.block(None, BlockerKind::NotEnoughSeats, "s");
        f.block(user("a@x"), BlockerKind::PlansLost, "p");
        let (b, _) = f.finish();
        let got: Vec<(Option<String>, &str)> = b
            .iter()
            .map(|b| (b.user.as_ref().map(|u| u.label()), b.kind.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (None, "not_enough_seats"),
                (Some("a@x".into()), "plans_lost"),
                (Some("b@x".into()), "conflicting_plans"),
            ]
        );
    }

    #[test]
    fn joins_read_naturally() {
        assert_eq!(join_or(&[]), "");
        assert_eq!(join_or(&["a".into()]), "a");
        assert_eq!(join_or(&["a".into(), "b".into(), "c".into()]), "a, b or c");
        assert_eq!(join_and(&["a".into(), "b".into()]), "a and b");
        assert_eq!(count(1, "user", "users"), "1 user");
        assert_eq!(count(3, "user", "users"), "3 users");
    }
}
