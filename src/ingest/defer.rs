//! Membership changes held back while an input is read.
//!
//! Most `Add member to group` / `Remove member from group` records of a real export are about groups
//! that assign no license (teams, distribution lists, security groups); at 1M generated records they
//! are 87% of the events kept. Whether a group assigns licenses is only known once every input is
//! read (a `Set group license` can come late in the log, or from a snapshot). So the sink holds such
//! a change here, in a compact form: the actor, targets and category are stored once per distinct
//! value (bounded by the tenant, not by the log) and each change is a small fixed record. After the
//! last input, the changes of licensing groups become events again, exactly as they were read
//! ([`Deferred::resolve`]); the others are counted and dropped, and their targets are kept as
//! identities (object id, UPN, display name), so a UPN seen only in them still resolves.

use crate::model::snapshot::{AssignedBy, Snapshot};
use crate::model::{Activity, Actor, AuditEvent, CorrelationId, ObjectId, Outcome, SourceRef};
use crate::model::{Target, TargetKind};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Arc;

/// Values stored once, referred to by index.
struct Table<T> {
    items: Vec<T>,
    index: HashMap<T, u32>,
}

impl<T: Clone + Eq + Hash> Table<T> {
    fn new() -> Self {
        Table {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The index of `v`, stored if new; `None` past `u32::MAX` values.
    fn put(&mut self, v: T) -> Option<u32> {
        if let Some(&i) = self.index.get(&v) {
            return Some(i);
        }
        let i = u32::try_from(self.items.len()).ok()?;
        self.items.push(v.clone());
        self.index.insert(v, i);
        Some(i)
    }
}

/// One held-back change: everything of its event that is not in a table.
struct Change {
    time: DateTime<Utc>,
    record: u64,
    line: Option<u64>,
    file: Arc<str>,
    correlation_id: Option<CorrelationId>,
    record_id: Option<Box<str>>,
    result_reason: Option<Box<str>>,
    category: Option<u32>,
    actor: u32,
    /// Indexes into the target table, in the event's order (one or two).
    targets: [u32; 2],
    n_targets: u8,
    /// Index of the group id in the group table.
    group: u32,
    added: bool,
    result: Outcome,
}

/// The membership changes of one input whose group was not known to assign licenses when they were
/// read.
pub(crate) struct Deferred {
    categories: Table<Box<str>>,
    actors: Table<Actor>,
    targets: Table<Target>,
    groups: Table<ObjectId>,
    changes: Vec<Change>,
}

impl Default for Deferred {
    fn default() -> Self {
        Deferred {
            categories: Table::new(),
            actors: Table::new(),
            targets: Table::new(),
            groups: Table::new(),
            changes: Vec::new(),
        }
    }
}

/// Adds the groups a licensing event names (its group targets) to `set`.
pub(crate) fn note_groups(e: &AuditEvent, set: &mut HashSet<ObjectId>) {
    for t in &e.targets {
        if t.kind == TargetKind::Group {
            if let Some(id) = &t.id {
                if !set.contains(id) {
                    set.insert(id.clone());
                }
            }
        }
    }
}

/// The groups that assign licenses, from everything read: snapshot groups with licenses, the groups
/// users' license states and reported errors come from, and the groups licensing events name.
pub(crate) fn licensing_groups(events: &[AuditEvent], snap: &Snapshot) -> HashSet<ObjectId> {
    let mut set = HashSet::new();
    for g in snap
        .groups
        .iter()
        .filter(|g| !g.assigned_licenses.is_empty())
    {
        set.insert(g.id.clone());
    }
    for u in &snap.users {
        set.extend(
            u.license_states
                .iter()
                .filter_map(|s| s.assigned_by_group.clone()),
        );
    }
    for r in &snap.reported_errors {
        if let AssignedBy::GroupId(g) = &r.assigned_by {
            set.insert(g.clone());
        }
    }
    for e in events.iter().filter(|e| e.is_licensing()) {
        note_groups(e, &mut set);
    }
    set
}

/// The users with a license error or a failed licensing operation, by object id and lower-cased
/// UPN: their membership changes explain errors (the group joined shortly before an error, the
/// group a user left), whatever the group.
#[derive(Default)]
pub(crate) struct ErrorUsers {
    ids: HashSet<ObjectId>,
    upns: HashSet<String>,
}

impl ErrorUsers {
    fn add(&mut self, id: Option<&ObjectId>, upn: Option<&str>) {
        if let Some(id) = id {
            self.ids.insert(id.clone());
        }
        if let Some(u) = upn
            .map(|u| u.trim().to_lowercase())
            .filter(|u| !u.is_empty())
        {
            self.upns.insert(u);
        }
    }

    pub fn collect(events: &[AuditEvent], snap: &Snapshot) -> Self {
        let mut s = ErrorUsers::default();
        for e in events
            .iter()
            .filter(|e| !e.errors.is_empty() || (e.is_licensing() && e.result != Outcome::Success))
        {
            for t in e.targets.iter().filter(|t| t.kind == TargetKind::User) {
                s.add(t.id.as_ref(), t.upn.as_deref());
            }
        }
        for u in &snap.users {
            if u.license_states.iter().any(|st| st.error.is_some()) {
                s.add(Some(&u.id), u.upn.as_deref());
            }
        }
        for r in &snap.reported_errors {
            s.add(r.user_id.as_ref(), r.upn.as_deref());
        }
        s
    }

    fn names(&self, t: &Target) -> bool {
        t.kind == TargetKind::User
            && (t.id.as_ref().is_some_and(|i| self.ids.contains(i))
                || t.upn
                    .as_deref()
                    .is_some_and(|u| self.upns.contains(&u.trim().to_lowercase())))
    }
}

/// What [`Deferred::resolve`] hands back.
pub(crate) struct Resolved {
    /// The changes of licensing groups, rebuilt.
    pub events: Vec<AuditEvent>,
    /// The distinct targets of the dropped changes, and their actors' names (as `Other` targets).
    pub identities: Vec<Target>,
}

impl Deferred {
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Holds `e` back if it is a membership change this store can rebuild exactly and its group is
    /// not in `licensing`; otherwise hands it back.
    pub fn offer(
        &mut self,
        e: Box<AuditEvent>,
        licensing: &HashSet<ObjectId>,
    ) -> Result<(), Box<AuditEvent>> {
        let added = match e.activity {
            Activity::AddMemberToGroup => true,
            Activity::RemoveMemberFromGroup => false,
            _ => return Err(e),
        };
        let group = match e.target(TargetKind::Group).and_then(|t| t.id.as_ref()) {
            Some(g) if !licensing.contains(g) => g.clone(),
            _ => return Err(e),
        };
        // only what `Change` holds: anything else (a license set, an error, a split chunk, whole
        // properties of an uncompacted read, more than two targets) keeps the event as it is
        if e.is_licensing()
            || e.sequence.is_some()
            || !e.additional_details.is_empty()
            || e.targets.is_empty()
            || e.targets.len() > 2
            || e.targets.iter().any(|t| !t.modified.is_empty())
        {
            return Err(e);
        }
        let mut targets = [0u32; 2];
        for (slot, t) in targets.iter_mut().zip(&e.targets) {
            match self.targets.put(t.clone()) {
                Some(i) => *slot = i,
                None => return Err(e),
            }
        }
        let (Some(group), Some(actor)) = (self.groups.put(group), self.actors.put(e.actor.clone()))
        else {
            return Err(e);
        };
        let category = match &e.category {
            Some(c) => match self.categories.put(c.as_str().into()) {
                Some(i) => Some(i),
                None => return Err(e),
            },
            None => None,
        };
        let n_targets = e.targets.len() as u8;
        let AuditEvent {
            time,
            result,
            result_reason,
            correlation_id,
            record_id,
            source,
            ..
        } = *e;
        self.changes.push(Change {
            time,
            record: source.record,
            line: source.line,
            file: source.file,
            correlation_id,
            record_id: record_id.map(String::into_boxed_str),
            result_reason: result_reason.map(String::into_boxed_str),
            category,
            actor,
            targets,
            n_targets,
            group,
            added,
            result,
        });
        Ok(())
    }

    /// Rebuilds the changes whose group is in `licensing` or that name one of `users`, and drops
    /// the others.
    pub fn resolve(self, licensing: &HashSet<ObjectId>, users: &ErrorUsers) -> Resolved {
        let group_kept: Vec<bool> = self
            .groups
            .items
            .iter()
            .map(|g| licensing.contains(g))
            .collect();
        let user_kept: Vec<bool> = self.targets.items.iter().map(|t| users.names(t)).collect();
        let mut events = Vec::new();
        let mut seen = vec![false; self.targets.items.len()];
        let mut seen_actors = vec![false; self.actors.items.len()];
        for c in self.changes {
            let ts = &c.targets[..c.n_targets as usize];
            if !group_kept[c.group as usize] && !ts.iter().any(|&t| user_kept[t as usize]) {
                seen_actors[c.actor as usize] = true;
                for &t in ts {
                    seen[t as usize] = true;
                }
                continue;
            }
            events.push(AuditEvent {
                time: c.time,
                activity: if c.added {
                    Activity::AddMemberToGroup
                } else {
                    Activity::RemoveMemberFromGroup
                },
                category: c
                    .category
                    .map(|i| self.categories.items[i as usize].to_string()),
                result: c.result,
                result_reason: c.result_reason.map(String::from),
                correlation_id: c.correlation_id,
                record_id: c.record_id.map(String::from),
                actor: self.actors.items[c.actor as usize].clone(),
                targets: ts
                    .iter()
                    .map(|&t| self.targets.items[t as usize].clone())
                    .collect(),
                additional_details: Vec::new(),
                licenses: None,
                summary: None,
                errors: Vec::new(),
                sequence: None,
                source: SourceRef {
                    file: c.file,
                    record: c.record,
                    line: c.line,
                },
            });
        }
        let mut identities: Vec<Target> = self
            .targets
            .items
            .into_iter()
            .zip(seen)
            .filter_map(|(t, s)| s.then_some(t))
            .collect();
        // the actors' names, for redaction to find in free text (kind `Other`: no user or group)
        for (a, _) in self
            .actors
            .items
            .iter()
            .zip(seen_actors)
            .filter(|(_, s)| *s)
        {
            let name = match a {
                Actor::User { display_name, .. } => display_name,
                Actor::App { name, .. } => name,
                _ => &None,
            };
            if let Some(n) = name {
                identities.push(Target {
                    kind: TargetKind::Other,
                    id: None,
                    upn: None,
                    display_name: Some(n.clone()),
                    modified: Vec::new(),
                });
            }
        }
        Resolved { events, identities }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit::{
        add_member, admin, gbl_fail, gid, lerr, remove_member, set_group_license, uid,
    };
    use crate::model::Cause;

    fn detailed(mut e: AuditEvent, record: u64) -> AuditEvent {
        e.category = Some("GroupManagement".into());
        e.correlation_id = CorrelationId::parse("5d0c1f8e-0000-4000-8000-00000000000a");
        e.record_id = Some(format!("Directory_x_{record}"));
        e.result_reason = Some("because".into());
        e.source.record = record;
        e.source.line = Some(record + 1);
        e
    }

    #[test]
    fn held_changes_come_back_exactly() {
        let a = detailed(
            add_member("ana", "team-a", "2026-10-05T07:00:00Z", admin("zoe")),
            1,
        );
        let mut b = remove_member("ben", "team-b", "2026-10-05T08:00:00Z", Actor::Unknown);
        b.result = Outcome::Failure;
        let mut d = Deferred::default();
        assert!(d.offer(Box::new(a.clone()), &HashSet::new()).is_ok());
        assert!(d.offer(Box::new(b.clone()), &HashSet::new()).is_ok());
        assert_eq!(d.len(), 2);
        let both: HashSet<ObjectId> = [gid("team-a"), gid("team-b")].into();
        let r = d.resolve(&both, &ErrorUsers::default());
        assert_eq!(r.events, vec![a, b]);
        assert!(r.identities.is_empty());
    }

    #[test]
    fn a_known_licensing_group_is_not_held() {
        let e = add_member("ana", "lic-e3", "2026-10-05T07:00:00Z", admin("zoe"));
        let mut d = Deferred::default();
        let known: HashSet<ObjectId> = [gid("lic-e3")].into();
        assert_eq!(d.offer(Box::new(e.clone()), &known), Err(Box::new(e)));
    }

    #[test]
    fn what_it_cannot_rebuild_is_handed_back() {
        let base = add_member("ana", "team-a", "2026-10-05T07:00:00Z", admin("zoe"));
        let mut split = base.clone();
        split.sequence = Some(1);
        let mut details = base.clone();
        details.additional_details = vec![("k".into(), "v".into())];
        let mut three = base.clone();
        three.targets.push(three.targets[0].clone());
        let mut erring = base.clone();
        erring.errors = vec![lerr(Cause::CountViolation, "x")];
        let mut other = base.clone();
        other.activity = Activity::DeleteGroup;
        let mut d = Deferred::default();
        for e in [split, details, three, erring, other] {
            assert_eq!(
                d.offer(Box::new(e.clone()), &HashSet::new()),
                Err(Box::new(e))
            );
        }
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn users_with_errors_keep_their_changes_and_the_rest_become_identities() {
        let mut d = Deferred::default();
        let joined = add_member("ana", "team-a", "2026-10-05T07:00:00Z", admin("zoe"));
        let mut named = add_member("ben", "team-b", "2026-10-05T07:10:00Z", admin("zoe"));
        named.targets[1].display_name = Some("Team B".into());
        for e in [joined.clone(), named] {
            assert!(d.offer(Box::new(e), &HashSet::new()).is_ok());
        }
        let events = vec![
            gbl_fail(
                "ana",
                "2026-10-05T07:05:00Z",
                lerr(Cause::CountViolation, "x"),
            ),
            set_group_license("lic-e3", "2026-10-05T06:00:00Z", "zoe", Outcome::Success),
        ];
        let users = ErrorUsers::collect(&events, &Snapshot::default());
        let licensing = licensing_groups(&events, &Snapshot::default());
        assert!(licensing.contains(&gid("lic-e3")));
        let r = d.resolve(&licensing, &users);
        assert_eq!(r.events, vec![joined], "ana has an error");
        let ids: Vec<_> = r.identities.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids, vec![Some(uid("ben")), Some(gid("team-b"))]);
    }
}
