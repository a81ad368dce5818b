//! Audit events -> the story. Walks the kept events in time order and turns each into a typed entry:
//! `Set group license`, membership changes of licensing groups, processing start / finish, per-user
//! failures (attributed to the group being processed), the fixes made while failures were open,
//! reprocesses, and the resolutions that close each failure episode (with its time to resolve).
//! The diagnosis (snapshot + audit log) decides what is still pending: the snapshot wins over a
//! later success in the log, and errors only the snapshot knows are listed as still open too.

use super::directory::Directory;
use super::model::{
    ClosedBy, Entry, Episode, EpisodeSubject, FixKind, GroupRef, LicenseEdit, Membership, OpenItem,
    PlanEdit, ResolvedBy, RuleProcessing, SlowProcessing, Stage, Subject, Truncated, UserKey,
    PROCESSING_LIMIT_HOURS,
};
use crate::knowledge::Knowledge;
use crate::model::finding::{Diagnosis, Resolution, Status, TextlessFailure};
use crate::model::hash::{HashMap, HashSet};
use crate::model::snapshot::Snapshot;
use crate::model::{
    Activity, Actor, AssignedLicense, AuditEvent, Cause, CorrelationId, LicenseChange,
    LicenseTruncation, ObjectId, Outcome, SourceRef, Target, TargetKind, SIBLING_WINDOW,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// A `Start applying` without its `Finish applying` stops counting as "being processed" after
/// this many hours (a processing run takes minutes; the log may have lost the finish record).
const WINDOW_HOURS: i64 = 24;

/// A license change and the lists of it Entra truncated.
type Change<'a> = (&'a LicenseChange, LicenseTruncation);

/// An event's own license change.
fn change_of(e: &AuditEvent) -> Option<Change<'_>> {
    e.licenses.as_deref().map(|c| (c, e.extra.licenses_cut))
}

/// The built story, before filters.
pub struct Story {
    /// Sorted by time (ties: inferred fixes first, then input order).
    pub entries: Vec<Entry>,
    pub episodes: Vec<Episode>,
    /// Sorted by cause (not recorded last), subject label, product.
    pub open: Vec<OpenItem>,
    /// Processing runs over [`PROCESSING_LIMIT_HOURS`], by start.
    pub slow: Vec<SlowProcessing>,
}

/// What the diagnosis says about one user and one cause.
#[derive(Default)]
struct DiagUser {
    pending: bool,
    resolved: Option<Resolution>,
    groups: BTreeSet<ObjectId>,
    sku: Option<String>,
}

/// Something an admin did that can make Entra process a user again.
struct Trigger {
    time: DateTime<Utc>,
    seq: usize,
    group: Option<ObjectId>,
    user: Option<UserKey>,
}

/// A product an administrator removed from a user ([`Builder::freed`]).
struct Freed {
    time: DateTime<Utc>,
    user: UserKey,
    skus: Vec<String>,
    /// The products whose freed seat a cleared failure already took (one seat each).
    taken: Vec<String>,
    /// The entry that shows the removal.
    entry: Option<usize>,
}

struct Builder<'a> {
    dir: &'a Directory,
    kb: &'a Knowledge,
    snap: &'a Snapshot,
    diag: HashMap<(UserKey, Cause), DiagUser>,
    entries: Vec<Entry>,
    episodes: Vec<Episode>,
    open: BTreeMap<(EpisodeSubject, Option<Cause>), usize>,
    /// Group processing windows currently open (group -> start).
    windows: BTreeMap<ObjectId, DateTime<Utc>>,
    /// Processing runs over the limit, finished so far ([`SlowProcessing`]).
    slow: Vec<SlowProcessing>,
    /// Licensing-group membership changes seen so far, per user.
    memberships: HashMap<UserKey, Vec<(DateTime<Utc>, ObjectId)>>,
    /// The latest successful membership change of a user in a licensing group seen so far
    /// (`true`: added).
    member_now: HashMap<(UserKey, ObjectId), bool>,
    /// The products (lower-cased) the audit log's successful `Set group license` records gave
    /// each group so far (their new lists): what a failure naming a product can be attributed by.
    group_products: HashMap<ObjectId, BTreeSet<String>>,
    triggers: Vec<Trigger>,
    /// (trigger seq, product) -> index of the inferred seats fix.
    inferred: HashMap<(usize, String), usize>,
    /// Products an administrator's audited change removed from a user for sure: the seats it
    /// freed, in reading order.
    freed: Vec<Freed>,
    /// License diffs of `Update user` siblings (with the lists Entra truncated), by correlation
    /// id and user.
    siblings: HashMap<(CorrelationId, UserKey), Change<'a>>,
    /// The same `Update user` records by user, for a `Change user license` no record shares a
    /// correlation id with (the unified audit log's): paired by time and actor
    /// ([`AuditEvent::sibling_distance_ms`]).
    updates_by_user: HashMap<UserKey, Vec<&'a AuditEvent>>,
    /// Users the audit log deletes, with the latest deletion.
    deleted: HashMap<UserKey, DateTime<Utc>>,
    /// Open episodes a later success in the log would have resolved but the snapshot still shows
    /// failing (episode -> the first such success).
    overruled: BTreeMap<usize, DateTime<Utc>>,
    /// Times of the service's successful `Change user license` records, per user: one at the
    /// same instant as a user's last failure leaves the order of the two unknown.
    successes: HashMap<UserKey, Vec<DateTime<Utc>>>,
    /// Products a successful `Set group license` removed from a group for sure (group, product
    /// lower-cased -> the latest removal), until one adds it back.
    removed_from_groups: HashMap<(ObjectId, String), DateTime<Utc>>,
    /// Groups the diagnosis attributes users' failures to: licensing groups for the story, even
    /// when no license record names them ([`Builder::is_licensing`]).
    attributed: BTreeSet<ObjectId>,
    /// Failed records that name no error code which the diagnosis took as occurrences of a real
    /// error (the snapshot's, or another record's, for the same user and group), by record.
    textless: HashMap<SourceRef, TextlessFailure>,
}

/// Builds the whole story.
pub fn build(
    events: &[AuditEvent],
    snap: &Snapshot,
    dir: &Directory,
    diagnosis: &Diagnosis,
    kb: &Knowledge,
    as_of: DateTime<Utc>,
) -> Story {
    let mut b = Builder {
        dir,
        kb,
        snap,
        diag: diag_index(diagnosis, dir),
        entries: Vec::new(),
        episodes: Vec::new(),
        open: BTreeMap::new(),
        windows: BTreeMap::new(),
        slow: Vec::new(),
        memberships: HashMap::default(),
        member_now: HashMap::default(),
        group_products: HashMap::default(),
        triggers: Vec::new(),
        inferred: HashMap::default(),
        freed: Vec::new(),
        siblings: HashMap::default(),
        updates_by_user: HashMap::default(),
        deleted: HashMap::default(),
        overruled: BTreeMap::new(),
        successes: HashMap::default(),
        removed_from_groups: HashMap::default(),
        attributed: attributed_groups(diagnosis),
        textless: diagnosis
            .textless
            .iter()
            .map(|t| (t.source.clone(), t.clone()))
            .collect(),
    };
    let is_update = |e: &AuditEvent| e.activity == Activity::UpdateUser && e.licenses.is_some();
    for e in events.iter().filter(|e| is_update(e)) {
        let (Some(k), Some(c), Some(l)) = (b.user_of(e), &e.correlation_id, &e.licenses) else {
            continue;
        };
        b.siblings
            .entry((c.clone(), k))
            .or_insert((l, e.extra.licenses_cut));
    }
    // the users with a successful `Change user license` no record shares a correlation id with
    // (the unified audit log's): only their updates are held for the pairing by time (in an
    // Entra export, none)
    let mut unpaired: HashSet<UserKey> = HashSet::default();
    for e in events {
        if e.activity != Activity::ChangeUserLicense
            || matches!(e.result, Outcome::Failure | Outcome::Timeout)
            || e.licenses.is_some()
        {
            continue;
        }
        let Some(k) = b.user_of(e) else { continue };
        let paired = e
            .correlation_id
            .as_ref()
            .is_some_and(|c| b.siblings.contains_key(&(c.clone(), k.clone())));
        if !paired {
            unpaired.insert(k);
        }
    }
    if !unpaired.is_empty() {
        for e in events.iter().filter(|e| is_update(e)) {
            if let Some(k) = b.user_of(e).filter(|k| unpaired.contains(k)) {
                b.updates_by_user.entry(k).or_default().push(e);
            }
        }
    }
    for updates in b.updates_by_user.values_mut() {
        updates.sort_by_key(|o| o.time);
    }
    let mut order: Vec<&AuditEvent> = events.iter().collect();
    order.sort_by(|a, b| a.reading_key().cmp(&b.reading_key()));
    for (seq, e) in order.into_iter().enumerate() {
        b.event(seq, e);
    }
    b.resolve_from_diagnosis();
    let open = b.open_items(diagnosis, as_of);
    let mut slow = std::mem::take(&mut b.slow);
    // runs unfinished at the end of the inputs, over the limit by as_of
    for (id, start) in &b.windows {
        let seconds = (as_of - *start).num_seconds();
        if seconds > PROCESSING_LIMIT_HOURS * 3600 {
            slow.push(SlowProcessing {
                group: b.dir.group_ref(id),
                started: *start,
                finished: None,
                seconds,
                group_id: Some(id.clone()),
            });
        }
    }
    slow.sort_by(|x, y| {
        x.started
            .cmp(&y.started)
            .then_with(|| x.group.cmp(&y.group))
    });
    let mut entries = b.entries;
    entries.sort_by(|x, y| x.time.cmp(&y.time).then_with(|| x.order.cmp(&y.order)));
    count_after_rule_changes(&mut entries);
    Story {
        entries,
        episodes: b.episodes,
        open,
        slow,
    }
}

/// The groups the diagnosis attributes users' failures to (e.g. the group a user joined just
/// before failing, which no license record names).
fn attributed_groups(d: &Diagnosis) -> BTreeSet<ObjectId> {
    d.findings
        .iter()
        .filter(|f| !f.users.is_empty())
        .filter_map(|f| f.group_id.clone())
        .collect()
}

fn diag_index(d: &Diagnosis, dir: &Directory) -> HashMap<(UserKey, Cause), DiagUser> {
    let mut m: HashMap<(UserKey, Cause), DiagUser> = HashMap::default();
    for f in &d.findings {
        for u in &f.users {
            let Some(k) = dir.key_of_ref(&u.user) else {
                continue;
            };
            let e = m.entry((k, f.cause.clone())).or_default();
            e.pending |= u.status == Status::Pending;
            // a closure (deleted, removed from the group, product removed) resolves nothing:
            // the story closes those episodes itself, at the step that closed them
            if let Some(r) = u.resolved.as_ref().filter(|_| u.status != Status::Closed) {
                if e.resolved.as_ref().is_none_or(|x| r.when > x.when) {
                    e.resolved = Some(r.clone());
                }
            }
            if let Some(g) = &f.group_id {
                e.groups.insert(g.clone());
            }
            if e.sku.is_none() {
                e.sku.clone_from(&f.sku);
            }
        }
    }
    m
}

/// Fills each membership-rule change's counts of the members the story shows added to and removed
/// from its group after it, up to the group's next rule change (entries in time order): members,
/// not entries (a member removed, added back and removed again is one removed, one added).
fn count_after_rule_changes(entries: &mut [Entry]) {
    // the latest rule change so far per group, and the members removed / added after each
    let mut latest: HashMap<ObjectId, usize> = HashMap::default();
    let mut members: BTreeMap<usize, (BTreeSet<UserKey>, BTreeSet<UserKey>)> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let membership = match &e.stage {
            Stage::MembershipRuleChanged { .. } => {
                if let Some(g) = e.groups.first() {
                    latest.insert(g.clone(), i);
                }
                continue;
            }
            Stage::MembershipChanged { change, group, .. } => Some((*change, group)),
            Stage::Fix {
                fix: FixKind::MemberAdded,
                group: Some(group),
                ..
            } => Some((Membership::Added, group)),
            Stage::Fix {
                fix: FixKind::MemberRemoved,
                group: Some(group),
                ..
            } => Some((Membership::Removed, group)),
            _ => None,
        };
        let (Some((change, group)), Some(user)) = (membership, e.users.first()) else {
            continue;
        };
        let Some(&at) = group.id.as_ref().and_then(|g| latest.get(g)) else {
            continue;
        };
        let (removed, added) = members.entry(at).or_default();
        match change {
            Membership::Removed => removed.insert(user.clone()),
            Membership::Added => added.insert(user.clone()),
        };
    }
    for (at, (removed, added)) in members {
        if let Some(Stage::MembershipRuleChanged {
            members_removed_after,
            members_added_after,
            ..
        }) = entries.get_mut(at).map(|e| &mut e.stage)
        {
            *members_removed_after = removed.len();
            *members_added_after = added.len();
        }
    }
}

/// Whether two entries of a license list are the same product: by SKU id, else by part number (as
/// [`LicenseChange`] tells them apart).
fn same_sku(a: &AssignedLicense, b: &AssignedLicense) -> bool {
    match (&a.sku_id, &b.sku_id) {
        (Some(x), Some(y)) => x == y,
        _ => a.sku_name.is_some() && a.sku_name == b.sku_name,
    }
}

fn is_admin(a: &Actor) -> bool {
    !matches!(a, Actor::GroupBasedLicensing)
}

/// Causes named by an event, in order, without repeats.
fn causes_of(e: &AuditEvent) -> Vec<Cause> {
    let mut out: Vec<Cause> = Vec::new();
    for x in &e.extra.errors {
        if !out.contains(&x.cause) {
            out.push(x.cause.clone());
        }
    }
    out
}

impl<'a> Builder<'a> {
    /// Whether the group is a licensing group for the story: it assigns licenses (snapshot), has
    /// licensing activity (audit log), or failures are attributed to it (the diagnosis). Its
    /// membership changes, rule changes and deletion are steps.
    fn is_licensing(&self, g: &ObjectId) -> bool {
        self.dir.is_licensing_group(g) || self.attributed.contains(g)
    }

    fn user_of(&self, e: &AuditEvent) -> Option<UserKey> {
        let t = e.target(TargetKind::User)?;
        self.dir.key(t.id.as_ref(), t.upn.as_deref())
    }

    fn group_of(&self, e: &AuditEvent) -> Option<(Option<ObjectId>, GroupRef)> {
        let t: &Target = e.target(TargetKind::Group)?;
        match &t.id {
            Some(id) => {
                let mut g = self.dir.group_ref(id);
                if g.name.is_none() {
                    g.name = t.display_name.as_deref().map(String::from);
                }
                Some((Some(id.clone()), g))
            }
            None => t.display_name.as_ref().map(|n| {
                (
                    None,
                    GroupRef {
                        id: None,
                        name: Some(n.to_string()),
                    },
                )
            }),
        }
    }

    fn license_label(&self, l: &AssignedLicense) -> String {
        l.sku_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(String::from)
            .or_else(|| {
                l.sku_id
                    .as_ref()
                    .and_then(|s| self.kb.sku_part_number(s).map(String::from))
            })
            .or_else(|| l.sku_id.as_ref().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown product".into())
    }

    /// The products a license change adds and removes for sure, and, when Entra truncated its
    /// lists, the products they leave unsure (a truncated list adds or removes nothing for sure).
    fn added_removed(
        &self,
        c: Option<Change<'_>>,
    ) -> (Vec<String>, Vec<String>, Option<Truncated>) {
        let Some((c, cut)) = c else {
            return (Vec::new(), Vec::new(), None);
        };
        let f = |v: Vec<&AssignedLicense>| -> Vec<String> {
            let mut o: Vec<String> = v.into_iter().map(|l| self.license_label(l)).collect();
            o.sort();
            o.dedup();
            o
        };
        let known = c.known(cut);
        let truncated = cut.any().then(|| Truncated {
            lists: cut,
            added_or_kept: f(known.added_or_kept),
            kept_or_removed: f(known.kept_or_removed),
        });
        (f(known.added), f(known.removed), truncated)
    }

    /// The service plans a license change disabled and enabled in each product both its lists
    /// hold (entries of a truncated list are whole: a product in both compares exactly), by
    /// product. A plan written as a GUID is named when the catalog knows it.
    fn plan_edits(&self, c: Option<Change<'_>>) -> (Vec<PlanEdit>, Vec<PlanEdit>) {
        let Some((c, _)) = c else {
            return (Vec::new(), Vec::new());
        };
        // a plan compared by id when the catalog resolves it, else by its text
        let key = |p: &str| match self.kb.resolve_plan(p) {
            Some(id) => id.to_string(),
            None => p.trim().to_lowercase(),
        };
        let label = |p: &str| {
            let t = p.trim();
            match crate::model::PlanId::parse(t).and_then(|id| self.kb.plan_name(&id)) {
                Some(name) if crate::model::ids::is_guid(t) => name.to_string(),
                _ => t.to_string(),
            }
        };
        let (mut disabled, mut enabled) = (Vec::new(), Vec::new());
        for n in c.new.iter() {
            let Some(o) = c.old.iter().find(|o| same_sku(o, n)) else {
                continue;
            };
            let keys = |l: &AssignedLicense| -> BTreeSet<String> {
                l.disabled_plans.iter().map(|p| key(p)).collect()
            };
            let (old_keys, new_keys) = (keys(o), keys(n));
            let only = |l: &AssignedLicense, other: &BTreeSet<String>| -> Vec<String> {
                let mut v: Vec<String> = l
                    .disabled_plans
                    .iter()
                    .filter(|p| !p.trim().is_empty() && !other.contains(&key(p)))
                    .map(|p| label(p))
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            let sku = self.license_label(n);
            for (plans, out) in [
                (only(n, &old_keys), &mut disabled),
                (only(o, &new_keys), &mut enabled),
            ] {
                if !plans.is_empty() {
                    out.push(PlanEdit {
                        sku: sku.clone(),
                        plans,
                    });
                }
            }
        }
        disabled.sort();
        enabled.sort();
        (disabled, enabled)
    }

    /// Whether a license change keeps the product: `None` when the change does not say (no
    /// lists, or a truncated new list that leaves it out: it may be in the lost part).
    fn keeps(&self, c: Option<Change<'_>>, sku: Option<&str>) -> Option<bool> {
        let ((c, cut), sku) = (c?, sku?);
        c.keeps(cut, |l| {
            self.license_label(l).eq_ignore_ascii_case(sku.trim())
        })
    }

    fn push(
        &mut self,
        time: DateTime<Utc>,
        seq: usize,
        e: Option<&AuditEvent>,
        stage: Stage,
    ) -> usize {
        self.push_rel(time, (0, seq), e, stage, Vec::new(), Vec::new())
    }

    fn push_rel(
        &mut self,
        time: DateTime<Utc>,
        order: (i8, usize),
        e: Option<&AuditEvent>,
        stage: Stage,
        users: Vec<UserKey>,
        groups: Vec<ObjectId>,
    ) -> usize {
        self.entries.push(Entry {
            time,
            stage,
            source: e.map(|e| e.source.clone()),
            users,
            groups,
            order,
        });
        self.entries.len() - 1
    }

    /// Open episodes of one subject (keys sort by subject first, `None` cause first).
    fn open_of(&self, s: &EpisodeSubject) -> Vec<usize> {
        self.open
            .range((s.clone(), None)..)
            .take_while(|((subj, _), _)| subj == s)
            .map(|(_, &i)| i)
            .collect()
    }

    /// Groups of a user's open episodes.
    fn open_groups(&self, k: &UserKey) -> Vec<ObjectId> {
        let mut g: Vec<ObjectId> = self
            .open_of(&EpisodeSubject::User(k.clone()))
            .into_iter()
            .filter_map(|i| self.episodes.get(i).and_then(|e| e.group.clone()))
            .collect();
        g.sort();
        g.dedup();
        g
    }

    fn event(&mut self, seq: usize, e: &'a AuditEvent) {
        match e.activity {
            Activity::SetGroupLicense => self.group_license_set(seq, e),
            Activity::StartApplyingGroupLicense => {
                if let Some((id, g)) = self.group_of(e) {
                    if let Some(id) = &id {
                        self.windows.insert(id.clone(), e.time);
                    }
                    let groups = id.into_iter().collect();
                    self.push_rel(
                        e.time,
                        (0, seq),
                        Some(e),
                        Stage::ProcessingStarted { group: g },
                        Vec::new(),
                        groups,
                    );
                }
            }
            Activity::FinishApplyingGroupLicense => {
                if let Some((id, g)) = self.group_of(e) {
                    if let Some(id) = &id {
                        if let Some(start) = self.windows.remove(id) {
                            let seconds = (e.time - start).num_seconds();
                            if seconds > PROCESSING_LIMIT_HOURS * 3600 {
                                self.slow.push(SlowProcessing {
                                    group: g.clone(),
                                    started: start,
                                    finished: Some(e.time),
                                    seconds,
                                    group_id: Some(id.clone()),
                                });
                            }
                        }
                    }
                    let groups = id.into_iter().collect();
                    self.push_rel(
                        e.time,
                        (0, seq),
                        Some(e),
                        Stage::ProcessingFinished {
                            group: g,
                            succeeded: e.extra.summary.as_ref().map(|s| s.succeeded),
                            failed: e.extra.summary.as_ref().map(|s| s.failed),
                        },
                        Vec::new(),
                        groups,
                    );
                }
            }
            Activity::TriggerGroupLicenseRecalculation => {
                if let Some((id, g)) = self.group_of(e) {
                    let groups: Vec<ObjectId> = id.iter().cloned().collect();
                    self.push_rel(
                        e.time,
                        (0, seq),
                        Some(e),
                        Stage::Reprocess {
                            subject: Subject::Group(g),
                            who: e.actor.label(),
                        },
                        Vec::new(),
                        groups,
                    );
                    self.triggers.push(Trigger {
                        time: e.time,
                        seq,
                        group: id,
                        user: None,
                    });
                }
            }
            Activity::ChangeUserLicense => self.user_license(seq, e),
            Activity::AddMemberToGroup | Activity::RemoveMemberFromGroup => self.membership(seq, e),
            Activity::DeleteUser | Activity::DeleteGroup => self.deletion(seq, e),
            Activity::UpdateUser => self.user_update(seq, e),
            Activity::UpdateGroup => self.group_update(seq, e),
            _ => {}
        }
    }

    fn group_license_set(&mut self, seq: usize, e: &'a AuditEvent) {
        let Some((id, g)) = self.group_of(e) else {
            return;
        };
        let (added, removed, truncated) = self.added_removed(change_of(e));
        let (plans_disabled, plans_enabled) = self.plan_edits(change_of(e));
        let edit = LicenseEdit {
            added,
            removed,
            plans_disabled,
            plans_enabled,
        };
        let groups: Vec<ObjectId> = id.iter().cloned().collect();
        let failed =
            matches!(e.result, Outcome::Failure | Outcome::Timeout) || !e.extra.errors.is_empty();
        if failed {
            let causes = causes_of(e);
            let first_added = edit.added.first().cloned();
            self.push_rel(
                e.time,
                (0, seq),
                Some(e),
                Stage::GroupLicenseSet {
                    group: g,
                    who: e.actor.label(),
                    added: edit.added,
                    removed: edit.removed,
                    plans_disabled: edit.plans_disabled,
                    plans_enabled: edit.plans_enabled,
                    truncated,
                    result: e.result,
                    causes: causes.clone(),
                },
                Vec::new(),
                groups,
            );
            if let Some(gid) = id {
                let sku = e
                    .extra
                    .errors
                    .iter()
                    .find_map(|x| x.sku.clone())
                    .or(first_added);
                let list: Vec<Option<Cause>> = if causes.is_empty() {
                    vec![None]
                } else {
                    causes.into_iter().map(Some).collect()
                };
                for c in list {
                    self.fail(
                        EpisodeSubject::Group(gid.clone()),
                        c,
                        sku.clone(),
                        Some(gid.clone()),
                        e.time,
                    );
                }
            }
            return;
        }
        if let (Some(gid), Outcome::Success, Some((c, _))) = (&id, e.result, change_of(e)) {
            let products: BTreeSet<String> = c
                .new
                .iter()
                .map(|l| self.license_label(l).to_lowercase())
                .collect();
            self.group_products
                .entry(gid.clone())
                .or_default()
                .extend(products);
        }
        if let (Some(gid), Outcome::Success) = (&id, e.result) {
            // what the group assigns from now on: a product removed for sure, until it is added
            // back
            for r in &edit.removed {
                self.removed_from_groups
                    .insert((gid.clone(), r.to_lowercase()), e.time);
            }
            for a in &edit.added {
                self.removed_from_groups
                    .remove(&(gid.clone(), a.to_lowercase()));
            }
        }
        let group_eps = id
            .as_ref()
            .map(|gid| self.open_of(&EpisodeSubject::Group(gid.clone())))
            .unwrap_or_default();
        let user_eps_in_group = id.as_ref().is_some_and(|gid| {
            self.open.iter().any(|((s, _), &i)| {
                matches!(s, EpisodeSubject::User(_))
                    && self.episodes.get(i).and_then(|x| x.group.as_ref()) == Some(gid)
            })
        });
        // the guide's fix of a conflict made in the other product's group: a plan disabled (or
        // the product removed) in a group of a user failing with MutuallyExclusiveViolation from
        // another group
        let conflicts = match &id {
            Some(gid) if e.result == Outcome::Success => self.conflicts_eased(gid, &edit),
            _ => Vec::new(),
        };
        if e.result == Outcome::Success
            && (!group_eps.is_empty() || user_eps_in_group || !conflicts.is_empty())
        {
            let mut groups = groups.clone();
            for k in &conflicts {
                groups.extend(self.open_groups(k));
            }
            groups.sort();
            groups.dedup();
            let for_users = conflicts.iter().map(|k| self.dir.user_ref(k)).collect();
            self.push_rel(
                e.time,
                (0, seq),
                Some(e),
                Stage::Fix {
                    fix: FixKind::GroupLicenseChanged,
                    who: Some(e.actor.label()),
                    user: None,
                    group: Some(g.clone()),
                    skus: edit.skus(),
                    truncated,
                    inferred: false,
                    users_resolved: None,
                    change: edit.clone(),
                    addresses: Vec::new(),
                    for_users,
                },
                conflicts,
                groups,
            );
            for i in group_eps {
                self.resolve(
                    i,
                    e.time,
                    (0, seq),
                    Some(e),
                    ResolvedBy::GroupLicenseSet,
                    format!("`Set group license` succeeded (by {})", e.actor.label()),
                );
            }
            // the failing product removed from the group: the group no longer assigns it, so
            // its members' failures of it end here, closed (nothing was licensed)
            if let Some(gid) = &id {
                let removed_here = |ep: &Episode| {
                    ep.group.as_ref() == Some(gid)
                        && ep.sku.as_deref().is_some_and(|sku| {
                            edit.removed
                                .iter()
                                .any(|r| r.eq_ignore_ascii_case(sku.trim()))
                        })
                };
                let closing: Vec<usize> = self
                    .open
                    .iter()
                    .filter(|((s, _), _)| matches!(s, EpisodeSubject::User(_)))
                    .map(|(_, &i)| i)
                    .filter(|&i| self.episodes.get(i).is_some_and(removed_here))
                    .collect();
                for i in closing {
                    self.close(i, e, seq, ClosedBy::ProductRemoved);
                }
            }
        } else {
            self.push_rel(
                e.time,
                (0, seq),
                Some(e),
                Stage::GroupLicenseSet {
                    group: g,
                    who: e.actor.label(),
                    added: edit.added,
                    removed: edit.removed,
                    plans_disabled: edit.plans_disabled,
                    plans_enabled: edit.plans_enabled,
                    truncated,
                    result: e.result,
                    causes: Vec::new(),
                },
                Vec::new(),
                groups,
            );
        }
        if is_admin(&e.actor) {
            self.triggers.push(Trigger {
                time: e.time,
                seq,
                group: id,
                user: None,
            });
        }
    }

    /// The users failing with MutuallyExclusiveViolation from a group other than `gid` whom a
    /// `Set group license` of `gid` may have freed of the conflict: it newly disables a plan or
    /// removes a product, and the user is a member of `gid` (the audit log's latest membership
    /// change, else the snapshot's members or license states), or nothing says whether they are.
    fn conflicts_eased(&self, gid: &ObjectId, edit: &LicenseEdit) -> Vec<UserKey> {
        if edit.plans_disabled.is_empty() && edit.removed.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<UserKey> = Vec::new();
        for ((s, c), &i) in &self.open {
            let EpisodeSubject::User(k) = s else { continue };
            if c.as_ref() != Some(&Cause::MutuallyExclusiveViolation)
                || self.episodes.get(i).and_then(|x| x.group.as_ref()) == Some(gid)
                || out.contains(k)
            {
                continue;
            }
            if self.is_member(k, gid) != Some(false) {
                out.push(k.clone());
            }
        }
        out
    }

    /// Whether the group assigns the product, as the audit log's `Set group license` records
    /// (their new lists) or the snapshot's group licenses show it.
    fn assigns(&self, gid: &ObjectId, sku: &str) -> bool {
        let sku = sku.trim();
        if self
            .group_products
            .get(gid)
            .is_some_and(|p| p.contains(&sku.to_lowercase()))
        {
            return true;
        }
        self.snap
            .groups
            .iter()
            .filter(|g| &g.id == gid)
            .flat_map(|g| g.assigned_licenses.iter())
            .any(|l| {
                self.kb
                    .sku_part_number(&l.sku_id)
                    .is_some_and(|p| p.eq_ignore_ascii_case(sku))
            })
    }

    /// Whether the user is a member of the group as the inputs say: the latest membership change
    /// the audit log showed so far, else the snapshot (the group's members, or a license state the
    /// group assigns the user); `None` when neither says.
    fn is_member(&self, k: &UserKey, gid: &ObjectId) -> Option<bool> {
        if let Some(&m) = self.member_now.get(&(k.clone(), gid.clone())) {
            return Some(m);
        }
        let UserKey::Id(uid) = k else { return None };
        let by_state = self.snap.users.iter().any(|u| {
            &u.id == uid
                && u.license_states
                    .iter()
                    .any(|st| st.assigned_by_group.as_ref() == Some(gid))
        });
        if by_state {
            return Some(true);
        }
        self.snap
            .groups
            .iter()
            .find(|g| &g.id == gid)
            .and_then(|g| g.members.as_ref())
            .map(|m| m.contains(uid))
    }

    /// Opens (or extends) a failure episode.
    fn fail(
        &mut self,
        subject: EpisodeSubject,
        cause: Option<Cause>,
        sku: Option<String>,
        group: Option<ObjectId>,
        t: DateTime<Utc>,
    ) {
        let key = (subject.clone(), cause.clone());
        if let Some(&i) = self.open.get(&key) {
            if let Some(ep) = self.episodes.get_mut(i) {
                ep.last = t;
                if ep.sku.is_none() {
                    ep.sku = sku;
                }
                if ep.group.is_none() {
                    ep.group = group;
                }
            }
            return;
        }
        self.episodes.push(Episode {
            subject,
            cause,
            sku,
            group,
            first: t,
            last: t,
            resolved: None,
            closed: None,
        });
        self.open.insert(key, self.episodes.len() - 1);
    }

    /// The group a user's failure at `t` belongs to: the only group being processed at that time,
    /// else the licensing group the user joined or left within the day before, else the only group
    /// the diagnosis or the snapshot attributes the error to, else the latest licensing group the
    /// user joined or left before it.
    fn attribute(
        &self,
        k: &UserKey,
        t: DateTime<Utc>,
        causes: &[Cause],
        sku: Option<&str>,
    ) -> Option<ObjectId> {
        let running: Vec<&ObjectId> = self
            .windows
            .iter()
            .filter(|(_, start)| {
                **start <= t && t - **start <= chrono::Duration::hours(WINDOW_HOURS)
            })
            .map(|(g, _)| g)
            .collect();
        if let [one] = running.as_slice() {
            return Some((*one).clone());
        }
        // overlapping runs: the only one whose group assigns the product the failure names
        if let (true, Some(sku)) = (running.len() > 1, sku) {
            let assigning: Vec<&&ObjectId> =
                running.iter().filter(|g| self.assigns(g, sku)).collect();
            if let [one] = assigning.as_slice() {
                return Some((**one).clone());
            }
        }
        let joined_or_left = self
            .memberships
            .get(k)
            .and_then(|v| v.iter().rev().find(|(when, _)| *when <= t))
            .map(|(when, g)| (*when, g.clone()));
        if let Some((when, g)) = &joined_or_left {
            if t - *when <= chrono::Duration::hours(WINDOW_HOURS) {
                return Some(g.clone());
            }
        }
        let mut from_diag: BTreeSet<&ObjectId> = BTreeSet::new();
        for c in causes {
            if let Some(d) = self.diag.get(&(k.clone(), c.clone())) {
                from_diag.extend(d.groups.iter());
            }
        }
        if from_diag.len() == 1 {
            return from_diag.into_iter().next().cloned();
        }
        if let UserKey::Id(id) = k {
            let mut from_snap: BTreeSet<&ObjectId> = BTreeSet::new();
            for u in self.snap.users.iter().filter(|u| &u.id == id) {
                for st in u.license_states.iter().filter(|s| s.error.is_some()) {
                    let sku_ok = sku.is_none_or(|s| {
                        self.kb
                            .sku_part_number(&st.sku_id)
                            .is_some_and(|p| p.eq_ignore_ascii_case(s.trim()))
                    });
                    if let (true, Some(g)) = (sku_ok, &st.assigned_by_group) {
                        from_snap.insert(g);
                    }
                }
            }
            if from_snap.len() == 1 {
                return from_snap.into_iter().next().cloned();
            }
        }
        joined_or_left.map(|(_, g)| g)
    }

    fn user_license(&mut self, seq: usize, e: &'a AuditEvent) {
        let Some(k) = self.user_of(e) else { return };
        let user = self.dir.user_ref(&k);
        let failed =
            matches!(e.result, Outcome::Failure | Outcome::Timeout) || !e.extra.errors.is_empty();
        if failed {
            let mut causes = causes_of(e);
            let mut sku = e.extra.errors.iter().find_map(|x| x.sku.clone());
            // a record that names no error code, which the diagnosis found to be an occurrence
            // of the user's real error from the same group: that error's failure, in its episode
            let textless = self.textless.get(&e.source).cloned();
            if let Some(t) = &textless {
                for c in causes.iter_mut().filter(|c| c.is_unspecified()) {
                    *c = t.cause.clone();
                }
                let mut seen: Vec<Cause> = Vec::new();
                causes.retain(|c| {
                    let first = !seen.contains(c);
                    seen.push(c.clone());
                    first
                });
                if sku.is_none() {
                    sku.clone_from(&t.sku);
                }
            }
            if sku.is_none() {
                sku = causes.iter().find_map(|c| {
                    self.diag
                        .get(&(k.clone(), c.clone()))
                        .and_then(|d| d.sku.clone())
                });
            }
            let group = match textless.as_ref().and_then(|t| t.group_id.clone()) {
                Some(g) => Some(g),
                None => self.attribute(&k, e.time, &causes, sku.as_deref()),
            };
            let list: Vec<Option<Cause>> = if causes.is_empty() {
                vec![None]
            } else {
                causes.iter().cloned().map(Some).collect()
            };
            for c in list {
                self.fail(
                    EpisodeSubject::User(k.clone()),
                    c,
                    sku.clone(),
                    group.clone(),
                    e.time,
                );
            }
            let gref = group.as_ref().map(|g| self.dir.group_ref(g));
            self.push_rel(
                e.time,
                (0, seq),
                Some(e),
                Stage::Failure {
                    user,
                    causes,
                    sku,
                    group: gref,
                    cause_from: textless.map(|t| t.found_in),
                },
                vec![k],
                group.into_iter().collect(),
            );
            return;
        }
        let change = change_of(e)
            .or_else(|| {
                e.correlation_id
                    .as_ref()
                    .and_then(|c| self.siblings.get(&(c.clone(), k.clone())).copied())
            })
            .or_else(|| self.sibling_by_time(e, &k));
        let eps = self.open_of(&EpisodeSubject::User(k.clone()));
        if !is_admin(&e.actor) {
            // an export that projected no result column (Log Analytics without `Result`) leaves
            // it unknown: the license lists of its `Update user` say the change was made
            let applied =
                e.result == Outcome::Success || (e.result == Outcome::Unknown && change.is_some());
            if !applied {
                return;
            }
            self.successes.entry(k.clone()).or_default().push(e.time);
            for i in eps {
                let Some(ep) = self.episodes.get(i) else {
                    continue;
                };
                let pending = ep
                    .cause
                    .as_ref()
                    .and_then(|c| self.diag.get(&(k.clone(), c.clone())))
                    .is_some_and(|d| d.pending);
                let keeps = self.keeps(change, ep.sku.as_deref());
                if pending
                    && keeps != Some(false)
                    && ep
                        .cause
                        .as_ref()
                        .is_some_and(|c| self.snapshot_shows(&k, c))
                {
                    // a success the snapshot overrules: still open, and said so (only when a
                    // snapshot does show the error: the diagnosis also keeps pending a failure
                    // whose success is recorded at the same instant)
                    self.overruled.entry(i).or_insert(e.time);
                }
                if pending || keeps == Some(false) {
                    continue;
                }
                if ep.cause == Some(Cause::CountViolation) {
                    self.infer_seats(i, &k, e.time);
                }
                self.resolve(
                    i,
                    e.time,
                    (0, seq),
                    Some(e),
                    ResolvedBy::AuditSuccess,
                    format!(
                        "`Change user license` {} (by {})",
                        if e.result == Outcome::Unknown {
                            "was applied (its `Update user` shows the licenses; the export holds no result)"
                        } else {
                            "succeeded"
                        },
                        e.actor.label()
                    ),
                );
            }
            return;
        }
        let (added, removed, truncated) = self.added_removed(change);
        let groups = self.open_groups(&k);
        let entries_before = self.entries.len();
        let freed_skus = if e.result == Outcome::Success {
            removed.clone()
        } else {
            Vec::new()
        };
        // a truncated list changed something, if nothing for sure: not a reprocess
        if added.is_empty() && removed.is_empty() && truncated.is_none() {
            self.push_rel(
                e.time,
                (0, seq),
                Some(e),
                Stage::Reprocess {
                    subject: Subject::User(user),
                    who: e.actor.label(),
                },
                vec![k.clone()],
                groups,
            );
        } else if eps.is_empty() || (added.is_empty() && removed.is_empty()) {
            // context: no open failure of the user, or nothing fixed for sure (the change is
            // shown as it stands, with what the truncated lists leave unsure)
            self.push_rel(
                e.time,
                (0, seq),
                Some(e),
                Stage::LicenseChanged {
                    user,
                    who: e.actor.label(),
                    added,
                    removed,
                    truncated,
                },
                vec![k.clone()],
                groups,
            );
        } else {
            for (fix, skus) in [
                (FixKind::LicenseRemoved, removed),
                (FixKind::LicenseAdded, added),
            ] {
                if skus.is_empty() {
                    continue;
                }
                self.push_rel(
                    e.time,
                    (0, seq),
                    Some(e),
                    Stage::Fix {
                        fix,
                        who: Some(e.actor.label()),
                        user: Some(user.clone()),
                        group: None,
                        skus,
                        truncated: truncated.clone(),
                        inferred: false,
                        users_resolved: None,
                        change: LicenseEdit::default(),
                        addresses: Vec::new(),
                        for_users: Vec::new(),
                    },
                    vec![k.clone()],
                    groups.clone(),
                );
            }
        }
        if !freed_skus.is_empty() {
            // the entry written above that names the removal (the context line, or the fix on
            // this user's own failure)
            let entry = (entries_before..self.entries.len()).find(|&i| {
                matches!(
                    self.entries.get(i).map(|x| &x.stage),
                    Some(Stage::LicenseChanged { .. })
                        | Some(Stage::Fix {
                            fix: FixKind::LicenseRemoved,
                            ..
                        })
                )
            });
            self.freed.push(Freed {
                time: e.time,
                user: k.clone(),
                skus: freed_skus,
                taken: Vec::new(),
                entry,
            });
        }
        self.triggers.push(Trigger {
            time: e.time,
            seq,
            group: None,
            user: Some(k),
        });
    }

    fn membership(&mut self, seq: usize, e: &'a AuditEvent) {
        let (Some(k), Some((Some(gid), g))) = (self.user_of(e), self.group_of(e)) else {
            return;
        };
        if !self.is_licensing(&gid) || e.result == Outcome::Failure {
            return;
        }
        let change = if e.activity == Activity::AddMemberToGroup {
            Membership::Added
        } else {
            Membership::Removed
        };
        self.memberships
            .entry(k.clone())
            .or_default()
            .push((e.time, gid.clone()));
        self.member_now
            .insert((k.clone(), gid.clone()), change == Membership::Added);
        let user = self.dir.user_ref(&k);
        let mut groups = self.open_groups(&k);
        if !groups.contains(&gid) {
            groups.push(gid.clone());
        }
        let has_open = !self.open_of(&EpisodeSubject::User(k.clone())).is_empty();
        let stage = if has_open {
            Stage::Fix {
                fix: match change {
                    Membership::Added => FixKind::MemberAdded,
                    Membership::Removed => FixKind::MemberRemoved,
                },
                who: Some(e.actor.label()),
                user: Some(user),
                group: Some(g),
                skus: Vec::new(),
                truncated: None,
                inferred: false,
                users_resolved: None,
                change: LicenseEdit::default(),
                addresses: Vec::new(),
                for_users: Vec::new(),
            }
        } else {
            Stage::MembershipChanged {
                user,
                group: g,
                change,
                who: e.actor.label(),
            }
        };
        self.push_rel(e.time, (0, seq), Some(e), stage, vec![k.clone()], groups);
        // the failing user taken out of the failure's group: the group no longer assigns them
        // its products, so their failures from it end here, closed (nothing was licensed)
        if change == Membership::Removed && has_open {
            let closing: Vec<usize> = self
                .open_of(&EpisodeSubject::User(k.clone()))
                .into_iter()
                .filter(|&i| {
                    self.episodes
                        .get(i)
                        .is_some_and(|ep| ep.group.as_ref() == Some(&gid))
                })
                .collect();
            for i in closing {
                self.close(i, e, seq, ClosedBy::MemberRemoved);
            }
        }
        if is_admin(&e.actor) {
            self.triggers.push(Trigger {
                time: e.time,
                seq,
                group: Some(gid),
                user: Some(k),
            });
        }
    }

    /// The license diff of the `Update user` nearest a `Change user license` no record shares a
    /// correlation id with: the unified audit log pairs the two by time and object.
    fn sibling_by_time(&self, e: &AuditEvent, k: &UserKey) -> Option<Change<'a>> {
        let updates = self.updates_by_user.get(k)?;
        let lo = updates.partition_point(|o| o.time < e.time - SIBLING_WINDOW);
        e.nearest_sibling(updates.get(lo..)?.iter().copied())
            .and_then(change_of)
    }

    /// An administrator's `Update user` that fixes the user's open failure the way the guide
    /// says: the usage location set (ProhibitedInUsageLocationViolation), the proxy addresses
    /// changed (UniquenessViolation), as normalization read them from the record's modified
    /// properties ([`crate::model::event::UserFixes`]); other updates (and the license diffs of
    /// `Change user license` siblings) are not steps.
    fn user_update(&mut self, seq: usize, e: &'a AuditEvent) {
        if e.result != Outcome::Success {
            return;
        }
        let Some(k) = self.user_of(e) else { return };
        if !is_admin(&e.actor) {
            // the licensing service's own update: the proxy-address calculation a license update
            // triggers (context, whatever is failing)
            if e.extra.user_fixes.addresses_changed {
                let groups = self.open_groups(&k);
                self.push_rel(
                    e.time,
                    (0, seq),
                    Some(e),
                    Stage::AddressesRecalculated {
                        user: self.dir.user_ref(&k),
                        who: e.actor.label(),
                    },
                    vec![k],
                    groups,
                );
            }
            return;
        }
        self.address_freed(seq, e, &k);
        let changed = &e.extra.user_fixes;
        let causes: Vec<Cause> = self
            .open_of(&EpisodeSubject::User(k.clone()))
            .into_iter()
            .filter_map(|i| self.episodes.get(i).and_then(|x| x.cause.clone()))
            .collect();
        let mut fixes: Vec<FixKind> = Vec::new();
        if causes.contains(&Cause::ProhibitedInUsageLocationViolation) && changed.usage_location_set
        {
            fixes.push(FixKind::UsageLocationSet);
        }
        if causes.contains(&Cause::UniquenessViolation) && changed.addresses_changed {
            fixes.push(FixKind::ProxyAddressChanged);
        }
        let groups = self.open_groups(&k);
        let user = self.dir.user_ref(&k);
        for fix in fixes {
            self.push_rel(
                e.time,
                (0, seq),
                Some(e),
                Stage::Fix {
                    fix,
                    who: Some(e.actor.label()),
                    user: Some(user.clone()),
                    group: None,
                    skus: Vec::new(),
                    truncated: None,
                    inferred: false,
                    users_resolved: None,
                    change: LicenseEdit::default(),
                    addresses: Vec::new(),
                    for_users: Vec::new(),
                },
                vec![k.clone()],
                groups.clone(),
            );
        }
    }

    /// An administrator's `Update user` that took out of its user's proxy addresses an address
    /// another user failing with UniquenessViolation has (UPN, mail or a proxy address): the
    /// guide's fix of a duplicate proxy address, made on the object that holds it. A step of the
    /// failing users' episodes (`address freed`), named by the object changed.
    fn address_freed(&mut self, seq: usize, e: &'a AuditEvent, k: &UserKey) {
        let removed = &e.extra.user_fixes.addresses_removed;
        if removed.is_empty() {
            return;
        }
        let failing: Vec<UserKey> = self
            .open
            .iter()
            .filter(|((_, c), _)| c.as_ref() == Some(&Cause::UniquenessViolation))
            .filter_map(|((s, _), _)| match s {
                EpisodeSubject::User(u) if u != k => Some(u.clone()),
                _ => None,
            })
            .collect();
        let (mut users, mut addresses, mut groups) = (Vec::new(), Vec::new(), Vec::new());
        for u in failing {
            let theirs = self.addresses_of(&u);
            let hit: Vec<String> = removed
                .iter()
                .filter(|a| theirs.iter().any(|t| t == &***a))
                .map(|a| a.to_string())
                .collect();
            if hit.is_empty() || users.contains(&u) {
                continue;
            }
            addresses.extend(hit);
            groups.extend(self.open_groups(&u));
            users.push(u);
        }
        if users.is_empty() {
            return;
        }
        addresses.sort();
        addresses.dedup();
        groups.sort();
        groups.dedup();
        let for_users = users.iter().map(|u| self.dir.user_ref(u)).collect();
        let mut keys = vec![k.clone()];
        keys.extend(users);
        self.push_rel(
            e.time,
            (0, seq),
            Some(e),
            Stage::Fix {
                fix: FixKind::AddressFreed,
                who: Some(e.actor.label()),
                user: Some(self.dir.user_ref(k)),
                group: None,
                skus: Vec::new(),
                truncated: None,
                inferred: false,
                users_resolved: None,
                change: LicenseEdit::default(),
                addresses,
                for_users,
            },
            keys,
            groups,
        );
    }

    /// A user's addresses as uniqueness compares them ([`crate::model::normalize_address`]):
    /// their UPNs (latest and former), and the snapshot's mail and proxy addresses.
    fn addresses_of(&self, k: &UserKey) -> Vec<String> {
        let bare = crate::model::normalize_address;
        let mut out: Vec<String> = Vec::new();
        let r = self.dir.user_ref(k);
        out.extend(r.upn.as_deref().and_then(bare));
        if let UserKey::Upn(u) = k {
            out.extend(bare(u));
        }
        out.extend(self.dir.former_upns(k).iter().filter_map(|u| bare(u)));
        let snap_user = self.snap.users.iter().find(|s| match k {
            UserKey::Id(id) => &s.id == id,
            UserKey::Upn(u) => s.upn.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(u)),
        });
        if let Some(s) = snap_user {
            out.extend(s.upn.as_deref().and_then(bare));
            out.extend(s.mail.as_deref().and_then(bare));
            out.extend(s.proxy_addresses.iter().filter_map(bare));
        }
        out.sort();
        out.dedup();
        out
    }

    /// An `Update group` that changed a licensing group's membership rule, type or rule
    /// processing ([`crate::model::event::GroupRuleChange`], read by normalization): context for
    /// the membership changes that follow it, counted once the story is built
    /// ([`count_after_rule_changes`]).
    fn group_update(&mut self, seq: usize, e: &'a AuditEvent) {
        let Some(c) = e.extra.group_change.as_deref() else {
            return;
        };
        let Some((Some(gid), g)) = self.group_of(e) else {
            return;
        };
        if !self.is_licensing(&gid) || e.result == Outcome::Failure {
            return;
        }
        let text = |t: &Option<Box<str>>| t.as_deref().map(String::from);
        let stage = Stage::MembershipRuleChanged {
            group: g,
            who: e.actor.label(),
            old_rule: c.rule.as_ref().and_then(|r| text(&r.old)),
            new_rule: c.rule.as_ref().and_then(|r| text(&r.new)),
            dynamic: c.dynamic,
            processing: c.processing_on.map(|on| {
                if on {
                    RuleProcessing::On
                } else {
                    RuleProcessing::Paused
                }
            }),
            members_removed_after: 0,
            members_added_after: 0,
        };
        self.push_rel(e.time, (0, seq), Some(e), stage, Vec::new(), vec![gid]);
    }

    fn deletion(&mut self, seq: usize, e: &'a AuditEvent) {
        if e.result == Outcome::Failure {
            return;
        }
        if e.activity == Activity::DeleteUser {
            let Some(k) = self.user_of(e) else { return };
            let at = self.deleted.entry(k.clone()).or_insert(e.time);
            *at = (*at).max(e.time);
            let user = self.dir.user_ref(&k);
            let groups = self.open_groups(&k);
            let eps = self.open_of(&EpisodeSubject::User(k.clone()));
            if !eps.is_empty() {
                let stage = Stage::Fix {
                    fix: FixKind::UserDeleted,
                    who: Some(e.actor.label()),
                    user: Some(user),
                    group: None,
                    skus: Vec::new(),
                    truncated: None,
                    inferred: false,
                    users_resolved: None,
                    change: LicenseEdit::default(),
                    addresses: Vec::new(),
                    for_users: Vec::new(),
                };
                self.push_rel(e.time, (0, seq), Some(e), stage, vec![k], groups);
                // a deleted user has no license assignment left to process: their failures end
                // here, closed (not resolved: nothing was licensed), and are not pending whatever
                // the diagnosis says (a snapshot that still lists them predates the deletion)
                for i in eps {
                    self.close(i, e, seq, ClosedBy::UserDeleted);
                }
            } else if self.memberships.contains_key(&k) {
                let stage = Stage::Deleted {
                    subject: Subject::User(user),
                    who: e.actor.label(),
                };
                self.push_rel(e.time, (0, seq), Some(e), stage, vec![k], groups);
            }
            return;
        }
        let Some((Some(gid), g)) = self.group_of(e) else {
            return;
        };
        if !self.is_licensing(&gid) {
            return;
        }
        let failing = self.open.iter().any(|((s, _), &i)| {
            *s == EpisodeSubject::Group(gid.clone())
                || self.episodes.get(i).and_then(|x| x.group.as_ref()) == Some(&gid)
        });
        let stage = if failing {
            Stage::Fix {
                fix: FixKind::GroupDeleted,
                who: Some(e.actor.label()),
                user: None,
                group: Some(g),
                skus: Vec::new(),
                truncated: None,
                inferred: false,
                users_resolved: None,
                change: LicenseEdit::default(),
                addresses: Vec::new(),
                for_users: Vec::new(),
            }
        } else {
            Stage::Deleted {
                subject: Subject::Group(g),
                who: e.actor.label(),
            }
        };
        self.push(e.time, seq, Some(e), stage);
        if let Some(last) = self.entries.last_mut() {
            last.groups = vec![gid];
        }
    }

    /// A CountViolation cleared: seats were bought or freed before the latest admin trigger since
    /// the user's last failure (subscribedSkus changes are not audited). One inferred fix per
    /// trigger and product, counting the users it licensed. A step the user failed again after
    /// (the CountViolation came back once it was processed) did not license them: only a step
    /// after their last failure counts, and with none, no seat step is shown for them (the seats
    /// came at a time the audit log does not tell, with no admin step to anchor them).
    fn infer_seats(&mut self, ep_index: usize, k: &UserKey, resolved_at: DateTime<Utc>) {
        let Some(ep) = self.episodes.get(ep_index) else {
            return;
        };
        // `last`: the failure's latest record before this success
        let (first, group, sku) = (ep.last, ep.group.clone(), ep.sku.clone());
        // an audited removal of the product from another user after the failure freed a seat:
        // that is the fix, not a purchase (the guide's own example: free seats by removing direct
        // assignments, then reprocess)
        if let Some(sku_label) = sku.as_deref() {
            if self.seat_freed(k, first, resolved_at, sku_label) {
                return;
            }
        }
        let Some(tr) = self.triggers.iter().rev().find(|t| {
            t.time >= first
                && t.time <= resolved_at
                && ((group.is_some() && t.group == group) || t.user.as_ref() == Some(k))
        }) else {
            return;
        };
        let (time, tseq) = (tr.time, tr.seq);
        let sku_label = sku.clone().unwrap_or_default();
        if let Some(&i) = self.inferred.get(&(tseq, sku_label.clone())) {
            if let Some(Entry {
                stage: Stage::Fix { users_resolved, .. },
                users,
                ..
            }) = self.entries.get_mut(i)
            {
                *users_resolved = Some(users_resolved.unwrap_or(0) + 1);
                if !users.contains(k) {
                    users.push(k.clone());
                }
            }
            return;
        }
        let gref = group.as_ref().map(|g| self.dir.group_ref(g));
        let i = self.push_rel(
            time,
            (-1, tseq),
            None,
            Stage::Fix {
                fix: FixKind::SeatsAdded,
                who: None,
                user: None,
                group: gref,
                skus: sku.into_iter().collect(),
                truncated: None,
                inferred: true,
                users_resolved: Some(1),
                change: LicenseEdit::default(),
                addresses: Vec::new(),
                for_users: Vec::new(),
            },
            vec![k.clone()],
            group.into_iter().collect(),
        );
        self.inferred.insert((tseq, sku_label), i);
    }

    /// Whether an administrator's audited change freed a seat of `sku` (removed it from a user
    /// other than `k`) after `first` (the user's last failure: a seat freed before the failure came
    /// back was not theirs) and before `resolved_at` that no other cleared failure took;
    /// the latest such change's context line becomes a `seat freed` fix.
    fn seat_freed(
        &mut self,
        k: &UserKey,
        first: DateTime<Utc>,
        resolved_at: DateTime<Utc>,
        sku: &str,
    ) -> bool {
        // one removal frees one seat of each product it removed: a seat already taken by an
        // earlier cleared failure does not explain another (those seats were bought)
        let Some(f) = self.freed.iter_mut().rev().find(|f| {
            f.time >= first
                && f.time <= resolved_at
                && &f.user != k
                && f.skus.iter().any(|s| s.eq_ignore_ascii_case(sku))
                && !f.taken.iter().any(|s| s.eq_ignore_ascii_case(sku))
        }) else {
            return false;
        };
        f.taken.push(sku.to_string());
        let Some(i) = f.entry else {
            return true;
        };
        let Some(x) = self.entries.get_mut(i) else {
            return true;
        };
        match &mut x.stage {
            Stage::LicenseChanged {
                user,
                who,
                removed,
                truncated,
                ..
            } => {
                x.stage = Stage::Fix {
                    fix: FixKind::SeatsFreed,
                    who: Some(who.clone()),
                    user: Some(user.clone()),
                    group: None,
                    skus: removed.clone(),
                    truncated: truncated.clone(),
                    inferred: false,
                    users_resolved: Some(1),
                    change: LicenseEdit::default(),
                    addresses: Vec::new(),
                    for_users: Vec::new(),
                };
            }
            Stage::Fix {
                fix: FixKind::SeatsFreed,
                users_resolved,
                ..
            } => {
                *users_resolved = Some(users_resolved.unwrap_or(0) + 1);
            }
            // the removal fixed the removed user's own failure; it is shown as that
            _ => {}
        }
        if !x.users.contains(k) {
            x.users.push(k.clone());
        }
        true
    }

    /// Ends an episode at `at` (`closed`: what ended it unresolved, e.g. its subject is gone): no
    /// longer open; its subject and the users its entry names.
    fn end(
        &mut self,
        ep_index: usize,
        at: DateTime<Utc>,
        closed: Option<ClosedBy>,
    ) -> Option<(Episode, Subject, Vec<UserKey>)> {
        let ep = self.episodes.get_mut(ep_index)?;
        ep.resolved = Some(at);
        ep.closed = closed;
        let ep = ep.clone();
        self.open.remove(&(ep.subject.clone(), ep.cause.clone()));
        let (subject, users) = match &ep.subject {
            EpisodeSubject::User(k) => (Subject::User(self.dir.user_ref(k)), vec![k.clone()]),
            EpisodeSubject::Group(g) => (Subject::Group(self.dir.group_ref(g)), Vec::new()),
        };
        Some((ep, subject, users))
    }

    /// Closes an episode and writes its `Resolved` entry.
    fn resolve(
        &mut self,
        ep_index: usize,
        at: DateTime<Utc>,
        order: (i8, usize),
        e: Option<&AuditEvent>,
        by: ResolvedBy,
        how: String,
    ) {
        let Some((ep, subject, users)) = self.end(ep_index, at, None) else {
            return;
        };
        let stage = Stage::Resolved {
            subject,
            cause: ep.cause.clone(),
            sku: ep.sku.clone(),
            group: ep.group.as_ref().map(|g| self.dir.group_ref(g)),
            first_failed: ep.first,
            time_to_resolve_seconds: (at - ep.first).num_seconds(),
            by,
            self_resolved: ep.cause == Some(Cause::ConcurrencyException)
                && by == ResolvedBy::AuditSuccess,
            how,
        };
        self.push_rel(at, order, e, stage, users, ep.group.into_iter().collect());
    }

    /// Closes an episode that ends unresolved (its subject is gone, its product no longer
    /// assigned) and writes its `Closed` entry.
    fn close(&mut self, ep_index: usize, e: &AuditEvent, seq: usize, by: ClosedBy) {
        let Some((ep, subject, users)) = self.end(ep_index, e.time, Some(by)) else {
            return;
        };
        let stage = Stage::Closed {
            subject,
            cause: ep.cause.clone(),
            sku: ep.sku.clone(),
            group: ep.group.as_ref().map(|g| self.dir.group_ref(g)),
            first_failed: ep.first,
            open_seconds: (e.time - ep.first).num_seconds(),
            by,
            who: e.actor.label(),
        };
        self.push_rel(
            e.time,
            (0, seq),
            Some(e),
            stage,
            users,
            ep.group.into_iter().collect(),
        );
    }

    /// Episodes the audit log leaves open but the diagnosis shows resolved (e.g. the snapshot has
    /// the license active after the error).
    fn resolve_from_diagnosis(&mut self) {
        let open: Vec<((EpisodeSubject, Option<Cause>), usize)> =
            self.open.iter().map(|(k, &i)| (k.clone(), i)).collect();
        for ((subject, cause), i) in open {
            let (EpisodeSubject::User(k), Some(c)) = (&subject, &cause) else {
                continue;
            };
            let Some(d) = self.diag.get(&(k.clone(), c.clone())) else {
                continue;
            };
            let first = self.episodes.get(i).map(|e| e.first);
            if let (false, Some(r), Some(first)) = (d.pending, d.resolved.clone(), first) {
                if r.when >= first {
                    self.resolve(
                        i,
                        r.when,
                        (1, usize::MAX),
                        None,
                        ResolvedBy::Diagnosis,
                        r.how,
                    );
                }
            }
        }
    }

    /// What is still open: open episodes, then errors only the diagnosis knows.
    /// Whether the snapshot (a user's license state, or a reported error list) shows the user
    /// with the error: only then does "the snapshot wins" over a success in the log.
    fn snapshot_shows(&self, k: &UserKey, cause: &Cause) -> bool {
        let states = self.snap.users.iter().any(|u| {
            self.dir.key(Some(&u.id), None).as_ref() == Some(k)
                && u.license_states
                    .iter()
                    .any(|st| st.error.as_ref() == Some(cause))
        });
        states
            || self.snap.reported_errors.iter().any(|r| {
                &r.cause == cause
                    && self.dir.key(r.user_id.as_ref(), r.upn.as_deref()).as_ref() == Some(k)
            })
    }

    /// A service success of the user at the same instant as `last` (the episode's last failure),
    /// with no snapshot showing the error: the order of the two is unknown.
    fn same_instant_success(
        &self,
        k: &UserKey,
        cause: Option<&Cause>,
        last: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if cause.is_some_and(|c| self.snapshot_shows(k, c)) {
            return None;
        }
        self.successes
            .get(k)?
            .iter()
            .copied()
            .find(|s| crate::normalize::time::same_instant(*s, last))
    }

    fn open_items(&self, diagnosis: &Diagnosis, as_of: DateTime<Utc>) -> Vec<OpenItem> {
        let mut out: Vec<OpenItem> = Vec::new();
        let mut open_users: BTreeSet<UserKey> = BTreeSet::new();
        for ((subject, cause), &i) in &self.open {
            let Some(ep) = self.episodes.get(i) else {
                continue;
            };
            let mut group_sku = None;
            let mut tie = None;
            let (subj, user_key, confirmed) = match subject {
                EpisodeSubject::User(k) => {
                    open_users.insert(k.clone());
                    tie = self.same_instant_success(k, cause.as_ref(), ep.last);
                    let confirmed = tie.is_none()
                        && cause
                            .as_ref()
                            .and_then(|c| self.diag.get(&(k.clone(), c.clone())))
                            .is_some_and(|d| d.pending);
                    (
                        Subject::User(self.dir.user_ref(k)),
                        Some(k.clone()),
                        confirmed,
                    )
                }
                EpisodeSubject::Group(g) => {
                    let finding = diagnosis.findings.iter().find(|f| {
                        f.users.is_empty()
                            && f.status == Status::Pending
                            && f.group_id.as_ref() == Some(g)
                            && Some(&f.cause) == cause.as_ref()
                    });
                    // the product the diagnosis read from the error text (an add-on named in a
                    // MissingPrerequisite), when the record's own change names none
                    group_sku = finding.and_then(|f| f.sku.clone());
                    (
                        Subject::Group(self.dir.group_ref(g)),
                        None,
                        finding.is_some(),
                    )
                }
            };
            out.push(OpenItem {
                subject: subj,
                cause: cause.clone(),
                sku: ep.sku.clone().or(group_sku),
                group: ep.group.as_ref().map(|g| self.dir.group_ref(g)),
                since: Some(ep.first),
                open_for_seconds: Some((as_of - ep.first).num_seconds().max(0)),
                seen_in_audit: true,
                confirmed_pending: confirmed,
                later_success: self.overruled.get(&i).copied(),
                same_instant_success: tie,
                user_key,
                group_id: ep.group.clone(),
            });
        }
        // users with a pending finding other than `Other` (an `Other` beside it is its shadow)
        let mut pending_real: BTreeSet<UserKey> = open_users.clone();
        for f in diagnosis
            .findings
            .iter()
            .filter(|f| f.cause != Cause::Other)
        {
            for u in f.users.iter().filter(|u| u.status == Status::Pending) {
                if let Some(k) = self.dir.key_of_ref(&u.user) {
                    pending_real.insert(k);
                }
            }
        }
        let known: BTreeSet<(EpisodeSubject, Option<Cause>)> = self
            .episodes
            .iter()
            .map(|e| (e.subject.clone(), e.cause.clone()))
            .collect();
        let mut seen: BTreeSet<(EpisodeSubject, Cause, Option<String>, Option<ObjectId>)> =
            BTreeSet::new();
        for f in &diagnosis.findings {
            if f.users.is_empty() {
                let Some(g) = &f.group_id else { continue };
                let subject = EpisodeSubject::Group(g.clone());
                if f.status != Status::Pending
                    || known.contains(&(subject.clone(), Some(f.cause.clone())))
                {
                    continue;
                }
                if !seen.insert((subject, f.cause.clone(), f.sku.clone(), f.group_id.clone())) {
                    continue;
                }
                out.push(OpenItem {
                    subject: Subject::Group(self.dir.group_ref(g)),
                    cause: Some(f.cause.clone()),
                    sku: f.sku.clone(),
                    group: Some(self.dir.group_ref(g)),
                    since: f.audit.first_seen,
                    open_for_seconds: f.audit.first_seen.map(|s| (as_of - s).num_seconds().max(0)),
                    seen_in_audit: false,
                    confirmed_pending: true,
                    later_success: None,
                    same_instant_success: None,
                    user_key: None,
                    group_id: Some(g.clone()),
                });
                continue;
            }
            for u in f.users.iter().filter(|u| u.status == Status::Pending) {
                let Some(k) = self.dir.key_of_ref(&u.user) else {
                    continue;
                };
                let subject = EpisodeSubject::User(k.clone());
                // an error only the snapshot shows, of a user the audit log deletes after it: the
                // snapshot predates the deletion, and a deleted user has nothing pending
                let deleted_since = self
                    .deleted
                    .get(&k)
                    .is_some_and(|d| u.error_at.is_none_or(|at| *d >= at));
                // likewise an error of a product the group no longer assigns: removed from it
                // after the error (and not added back)
                let removed_since = f
                    .group_id
                    .clone()
                    .zip(f.sku.as_deref().map(str::to_lowercase))
                    .and_then(|key| self.removed_from_groups.get(&key))
                    .is_some_and(|r| u.error_at.is_none_or(|at| *r >= at));
                if known.contains(&(subject.clone(), Some(f.cause.clone())))
                    || known.contains(&(subject.clone(), None))
                    || (f.cause == Cause::Other && pending_real.contains(&k))
                    || deleted_since
                    || removed_since
                {
                    continue;
                }
                if !seen.insert((subject, f.cause.clone(), f.sku.clone(), f.group_id.clone())) {
                    continue;
                }
                out.push(OpenItem {
                    subject: Subject::User(self.dir.user_ref(&k)),
                    cause: Some(f.cause.clone()),
                    sku: f.sku.clone(),
                    group: f.group_id.as_ref().map(|g| self.dir.group_ref(g)),
                    since: u.error_at,
                    open_for_seconds: u.error_at.map(|s| (as_of - s).num_seconds().max(0)),
                    seen_in_audit: false,
                    confirmed_pending: true,
                    later_success: None,
                    same_instant_success: None,
                    user_key: Some(k),
                    group_id: f.group_id.clone(),
                });
            }
        }
        out.sort_by(|a, b| {
            (a.cause.is_none(), &a.cause)
                .cmp(&(b.cause.is_none(), &b.cause))
                .then_with(|| {
                    a.subject
                        .label()
                        .to_lowercase()
                        .cmp(&b.subject.label().to_lowercase())
                })
                .then_with(|| a.sku.cmp(&b.sku))
                .then_with(|| a.group.cmp(&b.group))
        });
        out
    }
}
