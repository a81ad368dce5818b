//! A read-only view of the snapshot shaped for the planners: who is in a group (members expansion,
//! membership rows, or inferred from license states), how each user holds each product (directly or
//! from which group, with which plans enabled: catalog plans minus the assignment's disabled plans),
//! seats per product, and the names used in messages. Every planner asks the same questions, so they
//! are answered once here.

use super::doc::{GroupLicense, GroupSummary, MembershipSource};
use crate::knowledge::{ConflictTableVersion, Knowledge};
use crate::model::finding::{PlanRef, ProductRef, UserRef};
use crate::model::snapshot::{
    AssignedSku, AssignmentState, Group, LicenseAssignmentState, Snapshot, SubscribedSku, User,
};
use crate::model::{Cause, ObjectId, PlanId, SkuId};
use std::collections::{BTreeSet, HashMap};

/// A set of service plans (sorted, so output built from it is deterministic).
pub type PlanSet = BTreeSet<PlanId>;

/// Where one assignment of a product comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Direct,
    Group(ObjectId),
    /// Held per `assignedLicenses`, but no `licenseAssignmentStates` say how.
    Unknown,
}

/// One assignment of one product to one user.
#[derive(Clone, Debug)]
pub struct Holding<'a> {
    pub sku: SkuId,
    pub source: Source,
    /// The plans this assignment enables.
    pub plans: PlanSet,
    /// Whether the user has the product from this assignment now (`Active` / `ActiveWithError`).
    pub active: bool,
    pub state: Option<&'a LicenseAssignmentState>,
}

impl Holding<'_> {
    pub fn is_from(&self, group: &ObjectId) -> bool {
        matches!(&self.source, Source::Group(g) if g == group)
    }
    /// The error recorded on the assignment, if any.
    pub fn error(&self) -> Option<&Cause> {
        self.state.and_then(|s| s.error.as_ref())
    }
    /// In error: an error code, or a state that is not applied.
    pub fn in_error(&self) -> bool {
        self.error().is_some() || !self.active
    }
}

/// The members of a group and where the list came from.
#[derive(Clone, Debug)]
pub struct Members {
    /// The first-level members that are not groups (users, or ids the snapshot does not know).
    pub ids: BTreeSet<ObjectId>,
    /// The groups among the first-level members: typed `#microsoft.graph.group` in the members
    /// expansion, or an id (untyped member, membership row) that is a group of the snapshot. Group-based
    /// licensing applies to direct user members only: they consume nothing.
    pub nested: BTreeSet<ObjectId>,
    pub source: MembershipSource,
}

/// Seats of one product, read from `subscribedSkus`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seats {
    pub enabled: u64,
    pub warning: u64,
    pub consumed: u64,
    /// Units of a cancelled subscription that can be reactivated (licensing.md §3: "suspended =
    /// cancelled, not assignable, reactivatable").
    pub suspended: u64,
    /// `capabilityStatus` as the export gives it (`Enabled`, `Warning`, `Suspended`, ...).
    pub status: Option<String>,
}

impl Seats {
    /// `enabled - consumed` (may be negative when over-assigned).
    pub fn available(&self) -> i64 {
        clamp(i128::from(self.enabled) - i128::from(self.consumed))
    }
    /// `enabled + warning - consumed`: counting units in the grace period.
    pub fn available_with_warning(&self) -> i64 {
        clamp(i128::from(self.enabled) + i128::from(self.warning) - i128::from(self.consumed))
    }
}

fn clamp(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// The snapshot, the knowledge tables and the conflict-table revision the plan is judged with.
pub struct Tenant<'a> {
    pub snap: &'a Snapshot,
    pub kb: &'a Knowledge,
    pub version: ConflictTableVersion,
    users: HashMap<&'a ObjectId, &'a User>,
    groups: HashMap<&'a ObjectId, &'a Group>,
    /// Groups whose products were taken from the users' license states
    /// ([`licenses_from_states`]).
    licenses_from_states: BTreeSet<ObjectId>,
    /// Snapshot records skipped as malformed, by what they were ([`Unread::from_inputs`]).
    unread: Unread,
}

/// Snapshot records the reading skipped as malformed, by what they were: a plan must not read a
/// skipped record as a missing object ("the tenant has no subscription", "the export lacks the
/// user").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unread {
    /// User records skipped.
    pub users: u64,
    /// Group records skipped.
    pub groups: u64,
    /// subscribedSku records skipped (all of them; `skus` has those the input's issue list keeps).
    pub sku_count: u64,
    pub skus: Vec<UnreadSku>,
    /// Other snapshot records skipped (membership rows, error rows, group-license rows).
    pub other: u64,
}

/// A subscribedSku record skipped as malformed: where it is, the product as the record names it
/// (part number, else skuId) when it could be read, and why it was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadSku {
    pub at: String,
    pub name: Option<String>,
    pub reason: String,
}

impl Unread {
    /// From what reading the inputs found. A skipped subscribedSku's product is the one its issue
    /// names: the reader writes `subscribedSku <part number or skuId>` first in every issue of
    /// a product whose id was read (`ingest::snapshot::skus`).
    pub fn from_inputs(inputs: &[crate::ingest::InputReport]) -> Unread {
        use crate::ingest::snapshot::SnapshotKind as K;
        use crate::ingest::InputKind;
        let mut u = Unread::default();
        for i in inputs {
            let Some(InputKind::Snapshot(kind)) = i.kind else {
                continue;
            };
            match kind {
                K::Users => u.users += i.malformed,
                K::Groups => u.groups += i.malformed,
                K::SubscribedSkus => {
                    u.sku_count += i.malformed;
                    u.skus.extend(i.issues.iter().map(|x| {
                        UnreadSku {
                            at: format!("{} {}", i.path, x.at()),
                            name: x
                                .detail
                                .strip_prefix("subscribedSku ")
                                .and_then(|r| r.split([':', ' ']).next())
                                .filter(|n| !n.is_empty() && !n.starts_with('('))
                                .map(str::to_string),
                            reason: x.reason.clone(),
                        }
                    }));
                }
                _ => u.other += i.malformed,
            }
        }
        u
    }
}

impl<'a> Tenant<'a> {
    pub fn new(snap: &'a Snapshot, kb: &'a Knowledge, version: ConflictTableVersion) -> Self {
        Tenant {
            snap,
            kb,
            version,
            users: snap.users.iter().map(|u| (&u.id, u)).collect(),
            groups: snap.groups.iter().map(|g| (&g.id, g)).collect(),
            licenses_from_states: BTreeSet::new(),
            unread: Unread::default(),
        }
    }

    /// The snapshot records skipped as malformed ([`Unread`]).
    pub fn with_unread(mut self, unread: Unread) -> Self {
        self.unread = unread;
        self
    }

    pub fn unread(&self) -> &Unread {
        &self.unread
    }

    /// The skipped subscribedSku record of `sku`, when a skipped record names it.
    pub fn unread_sku(&self, sku: &SkuId) -> Option<&UnreadSku> {
        let part = self.kb.sku_part_number(sku);
        self.unread.skus.iter().find(|r| {
            r.name.as_deref().is_some_and(|n| {
                n.eq_ignore_ascii_case(sku.as_str())
                    || part.is_some_and(|p| n.eq_ignore_ascii_case(p))
            })
        })
    }

    /// Whether some skipped subscribedSku record may be `sku`'s: one names it, or one (or one the
    /// issue list did not keep) could not be named.
    pub fn sku_maybe_unread(&self, sku: &SkuId) -> bool {
        self.unread_sku(sku).is_some()
            || self.unread.sku_count > self.unread.skus.len() as u64
            || self.unread.skus.iter().any(|r| r.name.is_none())
    }

    /// The products the skipped subscribedSku records name, resolved by skuId or part number (one
    /// the catalog does not know is `None`), and whether every skipped record was named.
    pub fn unread_sku_ids(&self) -> (Vec<Option<SkuId>>, bool) {
        let ids = self
            .unread
            .skus
            .iter()
            .filter_map(|r| r.name.as_deref())
            .map(|n| SkuId::parse(n).or_else(|| self.kb.sku_by_part_number(n).cloned()))
            .collect();
        let all_named = self.unread.sku_count == self.unread.skus.len() as u64
            && self.unread.skus.iter().all(|r| r.name.is_some());
        (ids, all_named)
    }

    /// The groups whose products [`licenses_from_states`] filled in.
    pub fn with_licenses_from_states(mut self, groups: BTreeSet<ObjectId>) -> Self {
        self.licenses_from_states = groups;
        self
    }

    /// Whether the group's products come from the users' license states, not from the groups
    /// export.
    pub fn licenses_from_states(&self, group: &ObjectId) -> bool {
        self.licenses_from_states.contains(group)
    }

    pub fn user(&self, id: &ObjectId) -> Option<&'a User> {
        self.users.get(id).copied()
    }

    /// Users in snapshot order.
    pub fn users(&self) -> &'a [User] {
        &self.snap.users
    }

    pub fn group_label(&self, id: &ObjectId) -> String {
        self.groups
            .get(id)
            .map(|g| g.label())
            .unwrap_or_else(|| id.to_string())
    }

    /// The group's first-level user members: the members expansion and membership rows (unioned);
    /// when the export has neither, the users whose license states name the group. A member id that
    /// is a group of the snapshot (a membership row, or a member without `@odata.type`) is a nested
    /// group, not a member who consumes a license.
    pub fn members(&self, g: &Group) -> Members {
        let rows: BTreeSet<ObjectId> = self
            .snap
            .memberships
            .iter()
            .filter(|m| m.group_id == g.id)
            .map(|m| m.user_id.clone())
            .collect();
        let (ids, source) = match (&g.members, rows.is_empty()) {
            (Some(list), true) => (list.iter().cloned().collect(), MembershipSource::Members),
            (Some(list), false) => {
                let mut ids = rows;
                ids.extend(list.iter().cloned());
                (ids, MembershipSource::MembersAndRows)
            }
            (None, false) => (rows, MembershipSource::MembershipRows),
            (None, true) => (
                self.holders_from(&g.id),
                MembershipSource::InferredFromLicenseStates,
            ),
        };
        let mut nested: BTreeSet<ObjectId> = g.nested_groups.iter().cloned().collect();
        let (groups, ids): (BTreeSet<ObjectId>, BTreeSet<ObjectId>) = ids
            .into_iter()
            .partition(|id| self.groups.contains_key(id) && !self.users.contains_key(id));
        nested.extend(groups);
        Members {
            ids,
            nested,
            source,
        }
    }

    /// Users with at least one license state assigned by the group (members or not).
    pub fn holders_from(&self, group: &ObjectId) -> BTreeSet<ObjectId> {
        self.snap
            .users
            .iter()
            .filter(|u| {
                u.license_states
                    .iter()
                    .any(|s| s.assigned_by_group.as_ref() == Some(group))
            })
            .map(|u| u.id.clone())
            .collect()
    }

    /// The plans an assignment of `sku` enables: the product's plans minus `disabled`.
    pub fn enabled(&self, sku: &SkuId, disabled: &[PlanId]) -> PlanSet {
        self.kb
            .plans_of(sku)
            .iter()
            .filter(|p| !disabled.contains(p))
            .cloned()
            .collect()
    }

    /// Whether the catalog or the tenant lists the product's plans.
    pub fn knows_plans(&self, sku: &SkuId) -> bool {
        !self.kb.plans_of(sku).is_empty()
    }

    /// Every assignment the user has: one per license state, plus products in `assignedLicenses`
    /// that no state explains (source unknown, assumed active).
    pub fn holdings(&self, u: &'a User) -> Vec<Holding<'a>> {
        let mut out: Vec<Holding<'a>> = u
            .license_states
            .iter()
            .map(|s| Holding {
                sku: s.sku_id.clone(),
                source: match &s.assigned_by_group {
                    None => Source::Direct,
                    Some(g) => Source::Group(g.clone()),
                },
                plans: self.enabled(&s.sku_id, &s.disabled_plans),
                active: holds(s),
                state: Some(s),
            })
            .collect();
        for al in u.assigned_licenses.iter() {
            if !u.license_states.iter().any(|s| s.sku_id == al.sku_id) {
                out.push(Holding {
                    sku: al.sku_id.clone(),
                    source: Source::Unknown,
                    plans: self.enabled(&al.sku_id, &al.disabled_plans),
                    active: true,
                    state: None,
                });
            }
        }
        out
    }

    /// Whether the user has the product now, from any source (then a new assignment costs no seat).
    pub fn holds_sku(&self, u: &User, sku: &SkuId) -> bool {
        let stated = u.license_states.iter().any(|s| &s.sku_id == sku);
        u.license_states
            .iter()
            .any(|s| &s.sku_id == sku && holds(s))
            || (!stated && u.assigned_licenses.iter().any(|a| &a.sku_id == sku))
    }

    pub fn subscribed(&self, sku: &SkuId) -> Option<&'a SubscribedSku> {
        self.snap.skus.iter().find(|s| &s.sku_id == sku)
    }

    /// Seats of a product; `None` when `subscribedSkus` has no entry for it.
    pub fn seats(&self, sku: &SkuId) -> Option<Seats> {
        self.subscribed(sku).map(|s| Seats {
            enabled: s.enabled,
            warning: s.warning,
            consumed: s.consumed,
            suspended: s.suspended,
            status: s.capability_status.as_deref().map(str::to_string),
        })
    }

    /// Whether the input had any `subscribedSkus` at all.
    pub fn has_inventory(&self) -> bool {
        !self.snap.skus.is_empty()
    }

    // ------------------------------------------------------------------ names

    pub fn product(&self, sku: &SkuId) -> ProductRef {
        ProductRef {
            sku: self.kb.sku_part_number(sku).map(str::to_string),
            sku_id: Some(sku.clone()),
        }
    }

    /// Part number, else the GUID.
    pub fn sku_label(&self, sku: &SkuId) -> String {
        self.kb.sku_label(sku)
    }

    pub fn plan(&self, plan: &PlanId) -> PlanRef {
        PlanRef {
            name: self.kb.plan_name(plan).map(str::to_string),
            id: Some(plan.clone()),
            display_name: self.kb.plan_display_name(plan).map(str::to_string),
        }
    }

    /// Plan name, else the GUID.
    pub fn plan_label(&self, plan: &PlanId) -> String {
        self.kb.plan_label(plan)
    }

    /// `MCOSTANDARD (Skype for Business Online (Plan 2))`.
    pub fn plan_long(&self, plan: &PlanId) -> String {
        match self.kb.plan_display_name(plan) {
            Some(d) => format!("{} ({d})", self.plan_label(plan)),
            None => self.plan_label(plan),
        }
    }

    /// `ENTERPRISEPACK (direct)` / `ENTERPRISEPACK from LIC-E3` / `ENTERPRISEPACK (source unknown)`.
    pub fn holding_label(&self, h: &Holding<'_>) -> String {
        self.source_label(&h.source, &h.sku)
    }

    /// A holding's plans with its label, as the conflict check takes them ([`super::rules::conflicts`]).
    pub fn labeled(&self, h: &Holding<'_>) -> super::rules::Labeled {
        super::rules::Labeled {
            label: self.holding_label(h),
            plans: h.plans.clone(),
        }
    }

    pub fn source_label(&self, source: &Source, sku: &SkuId) -> String {
        match source {
            Source::Direct => format!("{} (direct)", self.sku_label(sku)),
            Source::Group(g) => format!("{} from {}", self.sku_label(sku), self.group_label(g)),
            Source::Unknown => format!("{} (source unknown)", self.sku_label(sku)),
        }
    }

    pub fn user_ref(&self, id: &ObjectId) -> UserRef {
        let u = self.user(id);
        UserRef {
            id: Some(id.clone()),
            upn: u.and_then(|u| u.upn.clone()),
            display_name: u.and_then(|u| u.display_name.clone()),
        }
    }

    /// The group as the document shows it.
    pub fn summary(&self, g: &Group, members: &Members) -> GroupSummary {
        let mut licenses: Vec<GroupLicense> = g
            .assigned_licenses
            .iter()
            .map(|l| {
                let mut disabled: Vec<PlanRef> =
                    l.disabled_plans.iter().map(|p| self.plan(p)).collect();
                disabled.sort();
                GroupLicense {
                    product: self.product(&l.sku_id),
                    disabled_plans: disabled,
                }
            })
            .collect();
        licenses.sort_by(|a, b| a.product.cmp(&b.product));
        GroupSummary {
            id: g.id.clone(),
            display_name: g.display_name.clone(),
            synced: g.is_synced(),
            dynamic: g.is_dynamic(),
            membership_rule: g.membership_rule.clone(),
            processing_state: g.processing_state.clone(),
            members: members.ids.len(),
            membership_source: members.source,
            licenses,
        }
    }
}

/// Fills in the products of every group the groups export lists without licenses while users'
/// license states name it as the assigning group (`assignedByGroup`): `assignedLicenses` is returned
/// only when selected (licensing.md §2), and a group its users hold products from is not a group
/// without licenses. Each product gets the plans every such state disables. Returns the groups
/// filled in.
pub fn licenses_from_states(snap: &mut Snapshot) -> BTreeSet<ObjectId> {
    let mut by_group: HashMap<ObjectId, Vec<&LicenseAssignmentState>> = HashMap::new();
    for u in &snap.users {
        for s in u.license_states.iter() {
            if let Some(g) = &s.assigned_by_group {
                by_group.entry(g.clone()).or_default().push(s);
            }
        }
    }
    let mut filled: Vec<(usize, Vec<AssignedSku>)> = Vec::new();
    for (i, g) in snap.groups.iter().enumerate() {
        if !g.assigned_licenses.is_empty() {
            continue;
        }
        let Some(states) = by_group.get(&g.id) else {
            continue;
        };
        let mut skus: Vec<&SkuId> = states.iter().map(|s| &s.sku_id).collect();
        skus.sort();
        skus.dedup();
        let licenses = skus
            .into_iter()
            .map(|sku| {
                let lists: Vec<&LicenseAssignmentState> = states
                    .iter()
                    .copied()
                    .filter(|s| &s.sku_id == sku)
                    .collect();
                let first = lists[0];
                let disabled = if lists
                    .iter()
                    .all(|s| s.disabled_plans == first.disabled_plans)
                {
                    first.disabled_plans.clone()
                } else {
                    let mut common: Vec<PlanId> = first
                        .disabled_plans
                        .iter()
                        .filter(|p| lists.iter().all(|s| s.disabled_plans.contains(p)))
                        .cloned()
                        .collect();
                    common.sort();
                    common.into()
                };
                AssignedSku {
                    sku_id: sku.clone(),
                    disabled_plans: disabled,
                }
            })
            .collect();
        filled.push((i, licenses));
    }
    let mut out = BTreeSet::new();
    for (i, licenses) in filled {
        snap.groups[i].assigned_licenses = licenses;
        out.insert(snap.groups[i].id.clone());
    }
    out
}

/// Whether a state means the user has the product now. An unknown state without an error counts.
pub fn holds(s: &LicenseAssignmentState) -> bool {
    s.state.is_active() || (matches!(s.state, AssignmentState::Unknown(_)) && s.error.is_none())
}

/// Union of the plans of the holdings that pass `keep`.
pub fn plans_where<'h, 'a: 'h>(
    hs: impl IntoIterator<Item = &'h Holding<'a>>,
    keep: impl Fn(&Holding<'a>) -> bool,
) -> PlanSet {
    hs.into_iter()
        .filter(|h| keep(h))
        .flat_map(|h| h.plans.iter().cloned())
        .collect()
}

/// `licenseAssignmentState.state` as exports spell it.
pub fn state_text(s: &AssignmentState) -> &str {
    match s {
        AssignmentState::Active => "Active",
        AssignmentState::ActiveWithError => "ActiveWithError",
        AssignmentState::Disabled => "Disabled",
        AssignmentState::Error => "Error",
        AssignmentState::Unknown(t) => t,
    }
}

/// `"CountViolation, state Error"`, else the state alone (`"state Disabled"`).
pub fn error_text(h: &Holding<'_>) -> String {
    match (h.error(), h.state) {
        (Some(c), Some(s)) => format!("{}, state {}", c.code(), state_text(&s.state)),
        (Some(c), None) => c.code().to_string(),
        (None, Some(s)) => format!("state {}", state_text(&s.state)),
        (None, None) => "not applied".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{AssignedSku, Membership};
    use crate::model::SourceRef;

    fn oid(s: &str) -> ObjectId {
        ObjectId::parse(s).expect("id")
    }
    fn src() -> SourceRef {
        SourceRef {
            file: "t.json".into(),
            record: 1,
            line: crate::model::event::Line::NONE,
        }
    }
    fn group(id: &str, members: Option<Vec<&str>>) -> Group {
        Group {
            id: oid(id),
            display_name: Some(id.to_uppercase()),
            assigned_licenses: vec![],
            processing_state: None,
            security_enabled: Some(true),
            group_types: vec![],
            membership_rule: None,
            on_premises_sync_enabled: None,
            mail: None,
            proxy_addresses: vec![],
            members: members.map(|m| m.into_iter().map(oid).collect()),
            nested_groups: Vec::new(),
            source: src(),
        }
    }
    fn user(id: &str, states: Vec<LicenseAssignmentState>, assigned: Vec<&str>) -> User {
        User {
            id: oid(id),
            upn: Some(format!("{id}@x").into()),
            display_name: None,
            account_enabled: Some(true),
            usage_location: None,
            mail: None,
            proxy_addresses: Default::default(),
            on_premises_sync_enabled: None,
            assigned_licenses: assigned
                .into_iter()
                .map(|s| AssignedSku {
                    sku_id: SkuId::parse(s).expect("sku"),
                    disabled_plans: Vec::new().into(),
                })
                .collect(),
            license_states: states.into(),
            source: src(),
        }
    }
    fn state(sku: &str, group: Option<&str>, st: AssignmentState) -> LicenseAssignmentState {
        LicenseAssignmentState {
            sku_id: SkuId::parse(sku).expect("sku"),
            assigned_by_group: group.map(oid),
            disabled_plans: Vec::new().into(),
            state: st,
            error: None,
            error_subcode: None,
            last_updated: None,
        }
    }

    const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";

    #[test]
    fn membership_sources() {
        let kb = Knowledge::builtin();
        let mut snap = Snapshot {
            users: vec![user(
                "u1",
                vec![state(E3, Some("g"), AssignmentState::Active)],
                vec![],
            )],
            groups: vec![group("g", None), group("h", Some(vec!["u2"]))],
            ..Snapshot::default()
        };
        snap.memberships.push(Membership {
            group_id: oid("h"),
            user_id: oid("u3"),
        });
        let t = Tenant::new(&snap, &kb, ConflictTableVersion::Current);
        let g = t.members(&snap.groups[0]);
        assert_eq!(g.source, MembershipSource::InferredFromLicenseStates);
        assert_eq!(g.ids.len(), 1);
        let h = t.members(&snap.groups[1]);
        assert_eq!(h.source, MembershipSource::MembersAndRows);
        assert_eq!(h.ids.len(), 2);
    }

    /// A member id that is a group of the snapshot (a membership row, an untyped member) is a
    /// nested group, not a user member.
    #[test]
    fn groups_among_member_ids_are_nested_groups() {
        let kb = Knowledge::builtin();
        let mut snap = Snapshot {
            users: vec![user("u1", vec![], vec![])],
            groups: vec![
                group("g", Some(vec!["u1", "sub", "x"])),
                group("h", None),
                group("sub", Some(vec![])),
            ],
            ..Snapshot::default()
        };
        snap.groups[0].nested_groups = vec![oid("typed")];
        for m in ["u1", "sub"] {
            snap.memberships.push(Membership {
                group_id: oid("h"),
                user_id: oid(m),
            });
        }
        let t = Tenant::new(&snap, &kb, ConflictTableVersion::Current);
        let g = t.members(&snap.groups[0]);
        let ids: Vec<&str> = g.ids.iter().map(|i| i.as_str()).collect();
        assert_eq!(ids, ["u1", "x"], "an unknown id stays a member");
        let nested: Vec<&str> = g.nested.iter().map(|i| i.as_str()).collect();
        assert_eq!(nested, ["sub", "typed"]);
        let h = t.members(&snap.groups[1]);
        assert_eq!(h.ids.len(), 1);
        assert_eq!(h.nested.len(), 1);
    }

    /// A group listed without licenses whose users hold products from it gets those products, with
    /// the plans every state disables; a group nobody holds anything from stays without.
    #[test]
    fn licenses_come_from_the_states_when_the_group_lists_none() {
        let yammer = PlanId::parse("7547a3fe-08ee-4ccb-b430-5077c5041653").expect("plan");
        let sway = PlanId::parse("a23b959c-7ce8-4e57-9140-b90eb88a9e97").expect("plan");
        let mut a = state(E3, Some("g"), AssignmentState::Active);
        a.disabled_plans = vec![yammer.clone(), sway.clone()].into();
        let mut b = state(E3, Some("g"), AssignmentState::Error);
        b.disabled_plans = vec![yammer.clone()].into();
        let mut snap = Snapshot {
            users: vec![user("u1", vec![a], vec![]), user("u2", vec![b], vec![])],
            groups: vec![group("g", None), group("h", None)],
            ..Snapshot::default()
        };
        let filled = licenses_from_states(&mut snap);
        assert_eq!(filled.into_iter().collect::<Vec<_>>(), [oid("g")]);
        let l = &snap.groups[0].assigned_licenses;
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].sku_id.as_str(), E3);
        assert_eq!(l[0].disabled_plans.to_vec(), [yammer]);
        assert!(snap.groups[1].assigned_licenses.is_empty());
        // a group that lists licenses keeps its own
        assert!(licenses_from_states(&mut snap).is_empty());
    }

    #[test]
    fn holdings_cover_states_and_unexplained_licenses() {
        let kb = Knowledge::builtin();
        let snap = Snapshot {
            users: vec![user(
                "u1",
                vec![state(E3, Some("g"), AssignmentState::Error)],
                vec!["18181a46-0d4e-45cd-891e-60aabd171b4e"],
            )],
            ..Snapshot::default()
        };
        let t = Tenant::new(&snap, &kb, ConflictTableVersion::Current);
        let hs = t.holdings(&snap.users[0]);
        assert_eq!(hs.len(), 2);
        assert!(!hs[0].active && hs[0].in_error());
        assert_eq!(hs[1].source, Source::Unknown);
        assert!(!t.holds_sku(&snap.users[0], &SkuId::parse(E3).expect("sku")));
        assert!(hs[0].plans.len() > 20, "E3 plans come from the catalog");
    }

    #[test]
    fn seats_readings() {
        let s = Seats {
            enabled: 20,
            warning: 2,
            consumed: 22,
            suspended: 0,
            status: None,
        };
        assert_eq!(s.available(), -2);
        assert_eq!(s.available_with_warning(), 0);
    }
}
