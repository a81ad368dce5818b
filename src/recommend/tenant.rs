//! What a recommendation needs of the snapshot beyond its finding: how each group's membership is
//! managed (synced from on-premises, dynamic, assigned in the cloud) and whether its license
//! processing is complete, which products and disabled plans a group assigns, and, for the few
//! users the findings name in a conflict, a collision or a dependency, their licenses and whether
//! they are synced. Built once per run from the snapshot, small (groups are few; only the users
//! the findings name are kept), so the recommendations are still written after the diagnosis
//! context is freed.

use crate::model::finding::{CauseDetails, Finding};
use crate::model::hash::{HashMap, HashSet};
use crate::model::snapshot::Snapshot;
use crate::model::{ObjectId, PlanId, SkuId};

/// Where a finding's failing assignment comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A licensing group (or a group the audit log names).
    Group,
    /// A direct (admin) assignment: `Set-MgUserLicense` reports the error back at once; there is
    /// no group processing to redo, the assignment is retried.
    Direct,
    /// The data does not say.
    Unknown,
}

/// How a group's members are managed (guide, "Change license assignments": synced groups are
/// changed on-premises, dynamic groups by the members' attributes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Membership {
    /// Assigned in the cloud: `Remove-MgGroupMemberByRef` removes a member.
    Assigned,
    /// Synced from on-premises AD by Microsoft Entra Connect.
    Synced,
    /// Dynamic: the rule, when the export has it.
    Dynamic(Option<String>),
    /// Not in the snapshot.
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub struct GroupFacts {
    /// `displayName`, when the export has it.
    pub name: Option<String>,
    pub synced: bool,
    pub dynamic: bool,
    pub rule: Option<String>,
    /// `licenseProcessingState`.
    pub processing: Option<String>,
    /// The products the group assigns, with their disabled plans.
    pub licenses: Vec<(SkuId, Vec<PlanId>)>,
}

/// One license of a user: the assigning group (`None`: direct), the product, its disabled plans.
#[derive(Clone, Debug)]
pub struct UserLicense {
    pub group: Option<ObjectId>,
    pub sku: SkuId,
    pub disabled: Vec<PlanId>,
    /// Applied (not in error, not being removed).
    pub held: bool,
}

#[derive(Clone, Debug, Default)]
pub struct UserFacts {
    pub synced: bool,
    /// From `licenseAssignmentStates`; `None` when the export has only `assignedLicenses`.
    pub states: Option<Vec<UserLicense>>,
    /// `assignedLicenses`: product and disabled plans.
    pub assigned: Vec<(SkuId, Vec<PlanId>)>,
}

/// The snapshot facts of [`crate::recommend::recommend`].
#[derive(Clone, Debug, Default)]
pub struct Tenant {
    groups: HashMap<ObjectId, GroupFacts>,
    users: HashMap<ObjectId, UserFacts>,
    /// Groups the audit shows deleted: "G was deleted at <time> by <actor>".
    deleted: HashMap<ObjectId, String>,
    /// Seats free per product, counting units in their grace period (enabled + warning -
    /// consumed; negative when over-assigned).
    free: HashMap<SkuId, i64>,
}

impl Tenant {
    /// The facts of every group and of the users the findings name where a step needs them.
    pub fn new(snapshot: &Snapshot, findings: &[Finding]) -> Tenant {
        let mut groups: HashMap<ObjectId, GroupFacts> = HashMap::default();
        for g in &snapshot.groups {
            groups.insert(
                g.id.clone(),
                GroupFacts {
                    name: g.display_name.clone(),
                    synced: g.is_synced(),
                    dynamic: g.is_dynamic(),
                    rule: g.membership_rule.clone(),
                    processing: g.processing_state.clone(),
                    licenses: g
                        .assigned_licenses
                        .iter()
                        .map(|l| (l.sku_id.clone(), l.disabled_plans.to_vec()))
                        .collect(),
                },
            );
        }
        let mut wanted: HashSet<&ObjectId> = HashSet::default();
        for f in findings {
            match &f.details {
                CauseDetails::Conflict {
                    conflicting_plans, ..
                } => wanted.extend(conflicting_plans.iter().filter_map(|c| c.user.id.as_ref())),
                // a disabled account giving back a product with those that depend on it: how
                // it holds them
                CauseDetails::Count(c) => wanted.extend(
                    c.capacity
                        .iter()
                        .flat_map(|cap| cap.reclaimable.iter())
                        .filter(|r| !r.needed_by.is_empty())
                        .filter_map(|r| r.user.id.as_ref()),
                ),
                // where the user holds the dependent plan: the "disable or remove it" option
                CauseDetails::Dependency { dependencies } => {
                    wanted.extend(dependencies.iter().filter_map(|d| d.user.id.as_ref()))
                }
                CauseDetails::Uniqueness { colliding, .. } => {
                    for c in colliding {
                        wanted.extend(c.user.id.as_ref());
                        wanted.extend(c.holders.iter().map(|h| &h.id));
                    }
                }
                _ => {}
            }
        }
        let mut users: HashMap<ObjectId, UserFacts> = HashMap::default();
        if !wanted.is_empty() {
            for u in snapshot.users.iter().filter(|u| wanted.contains(&u.id)) {
                users.insert(
                    u.id.clone(),
                    UserFacts {
                        synced: u.is_synced(),
                        states: (!u.license_states.is_empty()).then(|| {
                            u.license_states
                                .iter()
                                .map(|st| UserLicense {
                                    group: st.assigned_by_group.clone(),
                                    sku: st.sku_id.clone(),
                                    disabled: st.disabled_plans.to_vec(),
                                    held: st.error.is_none()
                                        && (st.state.is_active()
                                            || matches!(
                                                st.state,
                                                crate::model::snapshot::AssignmentState::Unknown(_)
                                            )),
                                })
                                .collect()
                        }),
                        assigned: u
                            .assigned_licenses
                            .iter()
                            .map(|l| (l.sku_id.clone(), l.disabled_plans.to_vec()))
                            .collect(),
                    },
                );
            }
        }
        let mut free: HashMap<SkuId, i64> = HashMap::default();
        for s in &snapshot.skus {
            let v = (s.enabled as i128 + s.warning as i128 - s.consumed as i128)
                .clamp(i64::MIN as i128, i64::MAX as i128) as i64;
            let e = free.entry(s.sku_id.clone()).or_insert(0);
            *e = e.saturating_add(v);
        }
        Tenant {
            groups,
            users,
            deleted: HashMap::default(),
            free,
        }
    }

    /// Seats of `sku` free now, counting units in their grace period; `None` without a
    /// subscribedSkus row for it.
    pub fn free_seats(&self, sku: &SkuId) -> Option<i64> {
        self.free.get(sku).copied()
    }

    /// The groups the audit shows deleted, each with the words saying when and by whom.
    pub fn with_deleted_groups(mut self, deleted: Vec<(ObjectId, String)>) -> Tenant {
        self.deleted.extend(deleted);
        self
    }

    /// "G was deleted at <time> by <actor>", for a group the audit shows deleted.
    pub fn deleted(&self, id: &ObjectId) -> Option<&str> {
        self.deleted.get(id).map(String::as_str)
    }

    pub fn group(&self, id: &ObjectId) -> Option<&GroupFacts> {
        self.groups.get(id)
    }

    pub fn user(&self, id: &ObjectId) -> Option<&UserFacts> {
        self.users.get(id)
    }

    /// How the group's members are managed.
    pub fn membership(&self, id: Option<&ObjectId>) -> Membership {
        match id.and_then(|g| self.groups.get(g)) {
            None => Membership::Unknown,
            Some(g) if g.synced => Membership::Synced,
            Some(g) if g.dynamic => Membership::Dynamic(g.rule.clone()),
            Some(_) => Membership::Assigned,
        }
    }

    /// The group's license processing state when it is known and not complete
    /// (`ProcessingInProgress`, `QueuedForProcessing`).
    pub fn processing_incomplete(&self, id: Option<&ObjectId>) -> Option<&str> {
        let p = id.and_then(|g| self.groups.get(g))?.processing.as_deref()?;
        (!p.eq_ignore_ascii_case("ProcessingComplete") && !p.is_empty()).then_some(p)
    }

    /// The disabled plans of the user's direct `sku`, when the snapshot has them.
    pub fn direct_disabled(&self, user: &ObjectId, sku: &SkuId) -> Option<Vec<PlanId>> {
        let u = self.users.get(user)?;
        match &u.states {
            Some(st) => st
                .iter()
                .find(|l| l.group.is_none() && &l.sku == sku)
                .map(|l| l.disabled.clone()),
            None => u
                .assigned
                .iter()
                .find(|(s, _)| s == sku)
                .map(|(_, d)| d.clone()),
        }
    }

    /// The disabled plans of `sku` in the group's license, when the snapshot has it.
    pub fn group_disabled(&self, group: &ObjectId, sku: &SkuId) -> Option<Vec<PlanId>> {
        self.groups
            .get(group)?
            .licenses
            .iter()
            .find(|(s, _)| s == sku)
            .map(|(_, d)| d.clone())
    }
}
