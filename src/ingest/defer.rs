//! Membership changes held back while an input is read.
//!
//! Most `Add member to group` / `Remove member from group` records of a real export are about groups
//! that assign no license (teams, distribution lists, security groups); at 1M generated records they
//! are 87% of the events kept. Whether a group assigns licenses is only known once every input is
//! read (a `Set group license` can come late in the log, or from a snapshot). So the sink holds such
//! a change here, in a compact form: the actor, targets and category are stored once per distinct
//! value (bounded by the tenant, not by the log) and each change is a small fixed record. After the
//! last input, the changes of licensing groups and of users with an error become events again,
//! exactly as they were read ([`Deferred::resolve`]); the others are dropped (the input's `events`
//! count still counts them), and their targets are kept as identities (object id, UPN, display
//! name, where first seen), so names and UPN aliases resolve as if they had been kept. Past
//! [`SPILL_AT`] changes, they wait in an anonymous temporary file.

use crate::model::hash::HashSet;
use crate::model::snapshot::{AssignedBy, Identity, Snapshot};
use crate::model::{prefetch_targets_ahead, FileName, Target, TargetKind};
use crate::model::{
    Activity, Actor, AuditEvent, CorrelationId, ObjectId, Outcome, RecordKey, SourceRef,
};
use chrono::{DateTime, Utc};
use std::hash::{BuildHasher, Hash};
use std::io::{Seek, Write};

/// Values stored once, referred to by index. The hash table holds the indexes only: a value is
/// not stored twice (a held target's strings were cloned into a map's keys, then freed one by one
/// after the read, on one core).
struct Table<T> {
    items: Vec<T>,
    index: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            index: hashbrown::HashTable::new(),
            hasher: Default::default(),
        }
    }
}

impl<T: Eq + Hash> Table<T> {
    /// The index of the value equal to `v` (`T: Borrow<Q>`), or where `make` stores it if none
    /// is; `None` past `u32::MAX` values.
    fn put_with<Q: Hash + Eq + ?Sized>(&mut self, v: &Q, make: impl FnOnce() -> T) -> Option<u32>
    where
        T: std::borrow::Borrow<Q>,
    {
        let hash = self.hasher.hash_one(v);
        match self.find(hash, v) {
            Some(i) => Some(i),
            None => self.insert(hash, make()),
        }
    }

    /// The index of the value equal to `v`, or where `v` is moved to if none is; `None` past
    /// `u32::MAX` values.
    fn put_owned(&mut self, v: T) -> Option<u32> {
        let hash = self.hasher.hash_one(&v);
        match self.find(hash, &v) {
            Some(i) => Some(i),
            None => self.insert(hash, v),
        }
    }

    /// The index of the value equal to `v`, whose hash is `hash`.
    fn find<Q: Eq + ?Sized>(&self, hash: u64, v: &Q) -> Option<u32>
    where
        T: std::borrow::Borrow<Q>,
    {
        let items = &self.items;
        let at = |i: &u32| items.get(*i as usize).map(|x| x.borrow());
        self.index.find(hash, |i| at(i) == Some(v)).copied()
    }

    /// Stores `v`, not stored yet, whose hash is `hash`.
    fn insert(&mut self, hash: u64, v: T) -> Option<u32> {
        let Table {
            items,
            index,
            hasher,
        } = self;
        // u32::MAX is the file's mark for "no category"
        let i = u32::try_from(items.len()).ok().filter(|&i| i != u32::MAX)?;
        items.push(v);
        index.insert_unique(hash, i, |i| {
            items.get(*i as usize).map_or(0, |x| hasher.hash_one(x))
        });
        Some(i)
    }
}

impl<T: Clone + Eq + Hash> Table<T> {
    /// The index of `v`, stored (cloned) if new; `None` past `u32::MAX` values.
    fn put(&mut self, v: &T) -> Option<u32> {
        self.put_with(v, || v.clone())
    }
}

impl Table<Box<str>> {
    /// [`Table::put`] for text, without building a `Box<str>` to look it up.
    fn put_str(&mut self, v: &str) -> Option<u32> {
        self.put_with(v, || Box::from(v))
    }
}

/// One held-back change: everything of its event that is not in a table.
struct Change {
    time: DateTime<Utc>,
    record: u64,
    line: crate::model::event::Line,
    /// Index into the file table.
    file: u32,
    correlation_id: Option<CorrelationId>,
    record_id: Option<Box<Box<str>>>,
    record_key: Option<RecordKey>,
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

/// The membership changes whose group was not known to assign licenses when they were read: one
/// input's while it is read, then every input's, each folded in as it ends ([`Deferred::absorb`]).
#[derive(Default)]
pub(crate) struct Deferred {
    files: Table<FileName>,
    categories: Table<Box<str>>,
    actors: Table<Actor>,
    targets: Table<Target>,
    groups: Table<ObjectId>,
    /// The latest changes, in input order, after those in `spill`.
    changes: Vec<Change>,
    /// Earlier changes, written to an anonymous temporary file once `changes` reaches
    /// [`SPILL_AT`], so that memory stays bounded by the tenant (the tables), not by the log.
    spill: Option<Spill>,
    /// No temporary file could be made or written: the changes stay in memory.
    in_memory_only: bool,
    /// Holds the changes of more than one input ([`Deferred::absorb`]), folded in the order the
    /// inputs ended: the tables' order is not the inputs' order.
    folded: bool,
}

/// Changes held in memory before they are written to the temporary file (about 3 MB of them).
const SPILL_AT: usize = if cfg!(test) { 4 } else { 16_384 };

struct Spill {
    file: std::fs::File,
    /// Records written whole: a batch counts only once all of it is written.
    n: usize,
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
/// users' license states and reported errors come from, and the groups licensing events name
/// (`events`: each input's events).
pub(crate) fn licensing_groups(events: &[Vec<AuditEvent>], snap: &Snapshot) -> HashSet<ObjectId> {
    let mut set = HashSet::default();
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
    for e in events.iter().flatten().filter(|e| e.is_licensing()) {
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
        if let Some(u) = upn.map(crate::model::folded).filter(|u| !u.is_empty()) {
            if !self.upns.contains(&*u) {
                self.upns.insert(u.into_owned());
            }
        }
    }

    /// The error users of `events` and `snap`, each under every id and UPN the inputs pair it with
    /// (snapshot users, event targets, the held changes' targets), so that a change naming the
    /// user only by id matches an error naming it only by UPN, as diagnosis resolves them
    /// (`events`: each input's events).
    pub fn collect(events: &[Vec<AuditEvent>], snap: &Snapshot, held: &Deferred) -> Self {
        let mut s = ErrorUsers::default();
        for e in events.iter().flatten().filter(|e| {
            !e.extra.errors.is_empty() || (e.is_licensing() && e.result != Outcome::Success)
        }) {
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
        // an id written in the UPN field (some exports) is an id
        let ids_as_upns: Vec<ObjectId> = s.upns.iter().filter_map(|u| id_in_upn(u)).collect();
        s.ids.extend(ids_as_upns);
        // every (id, UPN) pair the inputs hold, read where they are each round (a UPN is copied
        // only when it is not written in lower case): a pair with one side known adds the other.
        // Most runs need one round, which then costs one pass over the targets and no list.
        let pairs = || {
            let users = snap.users.iter().map(|u| (Some(&u.id), u.upn.as_deref()));
            // the targets and their strings asked of memory a few items ahead
            // (`prefetch_targets_ahead`)
            let targets = events
                .iter()
                .flat_map(|events| {
                    events.iter().enumerate().flat_map(|(n, e)| {
                        prefetch_targets_ahead(n, events.len(), |k| {
                            events.get(k).map(|e| &e.targets[..])
                        });
                        &e.targets
                    })
                })
                .chain(targets_ahead(&held.targets.items))
                .filter(|t| t.kind == TargetKind::User)
                .map(|t| (t.id.as_ref(), t.upn.as_deref()));
            users.chain(targets).filter_map(|(i, u)| match (i, u) {
                (Some(i), Some(u)) => {
                    Some((i, crate::model::folded(u))).filter(|(_, u)| !u.is_empty())
                }
                _ => None,
            })
        };
        // rounds until nothing is added reach users renamed more than once (bounded, for a
        // pathological chain of renames)
        for _ in 0..16 {
            let before = s.ids.len() + s.upns.len();
            for (i, u) in pairs() {
                let (has_id, has_upn) = (s.ids.contains(i), s.upns.contains(&*u));
                if has_id != has_upn {
                    if !has_id {
                        s.ids.insert(i.clone());
                    }
                    if !has_upn {
                        s.upns.insert(u.into_owned());
                    }
                }
            }
            if s.ids.len() + s.upns.len() == before {
                break;
            }
        }
        s
    }

    fn names(&self, t: &Target) -> bool {
        let by_upn = |u: &str| {
            let u = crate::model::folded(u);
            self.upns.contains(&*u) || id_in_upn(&u).is_some_and(|i| self.ids.contains(&i))
        };
        t.kind == TargetKind::User
            && (t.id.as_ref().is_some_and(|i| self.ids.contains(i))
                || t.upn.as_deref().is_some_and(by_upn))
    }
}

/// The targets of a table, each one's strings asked of memory a few targets ahead.
fn targets_ahead(items: &[Target]) -> impl Iterator<Item = &Target> {
    items.iter().enumerate().map(move |(n, t)| {
        prefetch_targets_ahead(n, items.len(), |k| items.get(k).map(std::slice::from_ref));
        t
    })
}

/// An object id written in a UPN field (some exports), as diagnosis reads it.
fn id_in_upn(upn: &str) -> Option<ObjectId> {
    // the shape first: parsing interns the id, which a UPN (almost every call) need not pay for
    if !crate::model::ids::is_guid(upn.trim()) {
        return None;
    }
    ObjectId::parse(upn)
}

/// The error of a held change whose index is past its table's end (a damaged temporary file).
fn out_of_range() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "temporary membership store: index out of range",
    )
}

/// Stores `from`'s values in `into` (each once), and gives for each index of `from` its index in
/// `into`.
fn remap<T: Eq + Hash>(from: Table<T>, into: &mut Table<T>) -> std::io::Result<Vec<u32>> {
    from.items
        .into_iter()
        .map(|v| {
            into.put_owned(v).ok_or_else(|| {
                std::io::Error::other("temporary membership store: more than 2^32 values")
            })
        })
        .collect()
}

/// What [`Deferred::resolve`] hands back.
pub(crate) struct Resolved {
    /// The changes of licensing groups, rebuilt.
    pub events: Vec<AuditEvent>,
    /// The distinct targets of the dropped changes, and their actors' names (as `Other` targets),
    /// each where it was first seen.
    pub identities: Vec<Identity>,
}

impl Deferred {
    /// Changes held, in memory and spilled.
    pub fn len(&self) -> usize {
        self.changes.len() + self.spill.as_ref().map_or(0, |s| s.n)
    }

    /// Writes the changes in memory to the temporary file; on failure they stay in memory, and so
    /// do all later ones.
    fn spill_out(&mut self) {
        if self.in_memory_only {
            return;
        }
        let spill = match self.spill.as_mut() {
            Some(s) => s,
            None => match tempfile::tempfile() {
                Ok(file) => self.spill.insert(Spill { file, n: 0 }),
                Err(_) => {
                    self.in_memory_only = true;
                    return;
                }
            },
        };
        // chunks are written whole or not counted: after a failed write (disk full) the file's
        // first `n` records are still whole, and the changes not written stay in memory, with
        // all later ones
        let mut buf = Vec::with_capacity(1024 * 160);
        let mut written = 0;
        for chunk in self.changes.chunks(1024) {
            buf.clear();
            let ok = chunk
                .iter()
                .try_for_each(|c| codec::write(c, &mut buf))
                .is_ok()
                && spill.file.write_all(&buf).is_ok();
            if !ok {
                self.in_memory_only = true;
                break;
            }
            written += chunk.len();
        }
        spill.n += written;
        self.changes.drain(..written);
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
            Some(g) if !licensing.contains(g) => g,
            _ => return Err(e),
        };
        // only what `Change` holds: anything else (a license set, an error, a split chunk, whole
        // properties of an uncompacted read, more than two targets) keeps the event as it is
        if e.is_licensing()
            || e.extra.sequence.is_some()
            || !e.extra.additional_details.is_empty()
            || e.targets.is_empty()
            || e.targets.len() > 2
            || !e.extra.modified.is_empty()
        {
            return Err(e);
        }
        let mut targets = [0u32; 2];
        for (slot, t) in targets.iter_mut().zip(&e.targets) {
            match self.targets.put(t) {
                Some(i) => *slot = i,
                None => return Err(e),
            }
        }
        let (Some(group), Some(actor)) = (self.groups.put(group), self.actors.put(&e.actor)) else {
            return Err(e);
        };
        let category = match &e.category {
            Some(c) => match self.categories.put_str(c) {
                Some(i) => Some(i),
                None => return Err(e),
            },
            None => None,
        };
        let Some(file) = self.files.put(&e.source.file) else {
            return Err(e);
        };
        let n_targets = e.targets.len() as u8;
        let AuditEvent {
            time,
            result,
            extra,
            correlation_id,
            record_id,
            record_key,
            source,
            ..
        } = *e;
        let result_reason = extra.into_inner().result_reason;
        self.push(Change {
            time,
            record: source.record,
            line: source.line,
            file,
            correlation_id,
            record_id,
            record_key,
            result_reason,
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

    /// Holds `c`, whose indexes are this store's, after the others.
    fn push(&mut self, c: Change) {
        self.changes.push(c);
        if self.changes.len() >= SPILL_AT {
            self.spill_out();
        }
    }

    /// Takes in the changes another input's store holds, after those held here. Inputs are read in
    /// parallel, each into a store of its own, and each store is folded into one as its input
    /// ends. Kept apart, the stores of many small inputs (a storage container's hourly blobs) each
    /// stayed under [`SPILL_AT`], so every change stayed in memory, and each held its own copy of
    /// the targets they share: memory grew with the log, not with the tenant.
    ///
    /// `other`'s values are stored here once each; its changes (the spilled ones read back first,
    /// in order) are rewritten to the indexes here.
    pub fn absorb(&mut self, other: Deferred) -> std::io::Result<()> {
        if other.len() == 0 {
            return Ok(());
        }
        if self.len() == 0 {
            // the first input with changes (and the only one, for a single file): moved as it is
            *self = other;
            return Ok(());
        }
        self.folded = true;
        let Deferred {
            files,
            categories,
            actors,
            targets,
            groups,
            changes,
            spill,
            ..
        } = other;
        let files = remap(files, &mut self.files)?;
        let categories = remap(categories, &mut self.categories)?;
        let actors = remap(actors, &mut self.actors)?;
        let targets = remap(targets, &mut self.targets)?;
        let groups = remap(groups, &mut self.groups)?;
        let at = |map: &[u32], i: u32| map.get(i as usize).copied().ok_or_else(out_of_range);
        let rewrite = |mut c: Change| -> std::io::Result<Change> {
            c.file = at(&files, c.file)?;
            c.category = c.category.map(|i| at(&categories, i)).transpose()?;
            c.actor = at(&actors, c.actor)?;
            for t in c.targets.iter_mut().take(c.n_targets as usize) {
                *t = at(&targets, *t)?;
            }
            c.group = at(&groups, c.group)?;
            Ok(c)
        };
        if let Some(Spill { file: mut f, n }) = spill {
            f.seek(std::io::SeekFrom::Start(0))?;
            let mut r = std::io::BufReader::with_capacity(1 << 16, f);
            for _ in 0..n {
                let mut c = codec::read_head(&mut r)?;
                codec::read_strings(&mut r, &mut c, true)?;
                self.push(rewrite(c)?);
            }
        }
        for c in changes {
            self.push(rewrite(c)?);
        }
        Ok(())
    }

    /// Rebuilds the changes whose group is in `licensing` or that name one of `users`, and drops
    /// the others.
    pub fn resolve(
        mut self,
        licensing: &HashSet<ObjectId>,
        users: &ErrorUsers,
    ) -> std::io::Result<Resolved> {
        let group_kept: Vec<bool> = self
            .groups
            .items
            .iter()
            .map(|g| licensing.contains(g))
            .collect();
        let user_kept: Vec<bool> = targets_ahead(&self.targets.items)
            .map(|t| users.names(t))
            .collect();
        let mut events = Vec::new();
        // where each target and actor of a dropped change was first seen (time, file, record)
        type First = Option<(DateTime<Utc>, u32, u64)>;
        let mut seen: Vec<First> = vec![None; self.targets.items.len()];
        let mut seen_actors: Vec<First> = vec![None; self.actors.items.len()];
        let earlier = |slot: &mut First, k: (DateTime<Utc>, u32, u64), files: &[FileName]| {
            let before = match *slot {
                None => true,
                Some((t, f, r)) => (k.0, &files[k.1 as usize], k.2) < (t, &files[f as usize], r),
            };
            if before {
                *slot = Some(k);
            }
        };
        let spilled = match self.spill.take() {
            Some(Spill { file: mut f, n }) => {
                f.seek(std::io::SeekFrom::Start(0))?;
                Some((std::io::BufReader::with_capacity(1 << 16, f), n))
            }
            None => None,
        };
        let in_memory = std::mem::take(&mut self.changes);
        // whether a change is kept (its group assigns licenses, or a target has an error)
        let kept = |c: &Change| {
            let ts = &c.targets[..c.n_targets as usize];
            // what comes back from the file indexes the tables it was written with; a damaged
            // file is an error, not a panic
            let fits = (c.group as usize) < group_kept.len()
                && (c.actor as usize) < self.actors.items.len()
                && (c.file as usize) < self.files.items.len()
                && c.category
                    .is_none_or(|i| (i as usize) < self.categories.items.len())
                && ts.iter().all(|&t| (t as usize) < user_kept.len());
            if !fits {
                return Err(out_of_range());
            }
            Ok(group_kept[c.group as usize] || ts.iter().any(|&t| user_kept[t as usize]))
        };
        let mut take = |c: Change, kept: bool| {
            let ts = &c.targets[..c.n_targets as usize];
            if !kept {
                let k = (c.time, c.file, c.record);
                earlier(&mut seen_actors[c.actor as usize], k, &self.files.items);
                for &t in ts {
                    earlier(&mut seen[t as usize], k, &self.files.items);
                }
                return;
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
                    .map(|i| crate::model::ids::category(&self.categories.items[i as usize])),
                result: c.result,
                correlation_id: c.correlation_id,
                record_id: c.record_id,
                record_key: c.record_key,
                actor: self.actors.items[c.actor as usize].clone(),
                targets: ts
                    .iter()
                    .map(|&t| self.targets.items[t as usize].clone())
                    .collect(),
                licenses: None,
                extra: crate::model::event::EventExtra {
                    result_reason: c.result_reason,
                    ..Default::default()
                }
                .into(),
                source: SourceRef {
                    file: self.files.items[c.file as usize].clone(),
                    record: c.record,
                    line: c.line,
                },
            });
        };
        // the spilled changes first (they are older), their strings read only when kept
        if let Some((mut r, n)) = spilled {
            for _ in 0..n {
                let mut c = codec::read_head(&mut r)?;
                let keep = kept(&c)?;
                codec::read_strings(&mut r, &mut c, keep)?;
                take(c, keep);
            }
        }
        for c in in_memory {
            let keep = kept(&c)?;
            take(c, keep);
        }
        let files = &self.files.items;
        let identity = |target: Target, (time, f, record): (DateTime<Utc>, u32, u64)| Identity {
            target,
            time,
            file: files[f as usize].clone(),
            record,
        };
        // sized once: grown push by push, the vector was copied and faulted in again at every
        // doubling (tens of thousands of identities after a large read)
        let n = seen
            .iter()
            .chain(&seen_actors)
            .filter(|f| f.is_some())
            .count();
        let mut identities: Vec<Identity> = Vec::with_capacity(n);
        for (t, first) in self.targets.items.into_iter().zip(seen) {
            if let Some(k) = first {
                identities.push(identity(t, k));
            }
        }
        // the actors' names, for redaction to find in free text (kind `Other`: no user or group)
        for (a, first) in self.actors.items.iter().zip(seen_actors) {
            let name = match a {
                Actor::User(u) => &u.display_name,
                Actor::App(a) => &a.name,
                _ => &None,
            };
            if let (Some(n), Some(k)) = (name, first) {
                let t = Target {
                    kind: TargetKind::Other,
                    id: None,
                    upn: None,
                    display_name: Some(n.as_str().into()),
                };
                identities.push(identity(t, k));
            }
        }
        if self.folded {
            // the tables hold several inputs' values in the order the inputs ended: ordered here
            // by where each was first seen, then by the target itself, the same at every run
            fn target(i: &Identity) -> (u8, Option<&ObjectId>, Option<&str>, Option<&str>) {
                let t = &i.target;
                let upn = t.upn.as_deref();
                (t.kind as u8, t.id.as_ref(), upn, t.display_name.as_deref())
            }
            identities.sort_unstable_by(|a, b| {
                a.reading_key()
                    .cmp(&b.reading_key())
                    .then_with(|| target(a).cmp(&target(b)))
            });
        }
        Ok(Resolved { events, identities })
    }
}

/// The temporary file's record of one [`Change`]: fixed-width little-endian fields, then the three
/// optional strings as a length (`u32::MAX`: absent) and UTF-8 bytes.
mod codec {
    use super::Change;
    use crate::model::{CorrelationId, Outcome, RecordKey};
    use chrono::DateTime;
    use std::io::{BufRead, Error, ErrorKind, Read, Result, Write};

    const NONE: u32 = u32::MAX;
    /// The bytes of a record before its strings.
    const HEAD: usize = 8 + 4 + 8 + 1 + 8 + 6 * 4 + 3 + 8;
    /// Longer than any id or result reason: only a damaged file says more.
    const MAX_STR: u32 = 16 << 20;

    fn outcome_code(o: Outcome) -> u8 {
        match o {
            Outcome::Success => 0,
            Outcome::Failure => 1,
            Outcome::Timeout => 2,
            Outcome::Unknown => 3,
        }
    }

    fn put_str(out: &mut impl Write, s: Option<&str>) -> Result<()> {
        match s {
            Some(s) => {
                let n = u32::try_from(s.len())
                    .ok()
                    .filter(|&n| n != NONE)
                    .ok_or_else(|| Error::new(ErrorKind::InvalidInput, "string too long"))?;
                out.write_all(&n.to_le_bytes())?;
                out.write_all(s.as_bytes())
            }
            None => out.write_all(&NONE.to_le_bytes()),
        }
    }

    pub fn write(c: &Change, out: &mut impl Write) -> Result<()> {
        out.write_all(&c.time.timestamp().to_le_bytes())?;
        out.write_all(&c.time.timestamp_subsec_nanos().to_le_bytes())?;
        out.write_all(&c.record.to_le_bytes())?;
        out.write_all(&[u8::from(!c.line.is_none())])?;
        out.write_all(&c.line.get().unwrap_or(0).to_le_bytes())?;
        for n in [
            c.file,
            c.category.unwrap_or(NONE),
            c.actor,
            c.targets[0],
            c.targets[1],
            c.group,
        ] {
            out.write_all(&n.to_le_bytes())?;
        }
        out.write_all(&[c.n_targets, u8::from(c.added), outcome_code(c.result)])?;
        out.write_all(&c.record_key.map_or(0u64, RecordKey::get).to_le_bytes())?;
        let mut buf = [0; 36];
        put_str(out, c.correlation_id.as_ref().map(|c| c.text(&mut buf)))?;
        put_str(out, c.record_id.as_deref().map(|id| &**id))?;
        put_str(out, c.result_reason.as_deref())
    }

    fn bytes<const N: usize>(r: &mut impl Read) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        r.read_exact(&mut b)?;
        Ok(b)
    }

    fn u32_of(r: &mut impl Read) -> Result<u32> {
        Ok(u32::from_le_bytes(bytes(r)?))
    }

    fn bad(what: &str) -> Error {
        Error::new(
            ErrorKind::InvalidData,
            format!("temporary membership store: {what}"),
        )
    }

    fn get_str(r: &mut impl Read) -> Result<Option<String>> {
        let n = u32_of(r)?;
        if n == NONE {
            return Ok(None);
        }
        if n > MAX_STR {
            return Err(bad("string length"));
        }
        let mut b = vec![0u8; n as usize];
        r.read_exact(&mut b)?;
        String::from_utf8(b).map(Some).map_err(|_| bad("not UTF-8"))
    }

    /// Skips a string [`get_str`] would read (in the reader's buffer: no copy).
    fn skip_str(r: &mut impl BufRead) -> Result<()> {
        let n = u32_of(r)?;
        if n == NONE {
            return Ok(());
        }
        if n > MAX_STR {
            return Err(bad("string length"));
        }
        let mut left = n as usize;
        while left > 0 {
            let k = r.fill_buf()?.len().min(left);
            if k == 0 {
                return Err(Error::from(ErrorKind::UnexpectedEof));
            }
            r.consume(k);
            left -= k;
        }
        Ok(())
    }

    /// A whole record.
    #[cfg(test)]
    pub fn read(r: &mut impl BufRead) -> Result<Change> {
        let mut c = read_head(r)?;
        read_strings(r, &mut c, true)?;
        Ok(c)
    }

    /// `N` bytes of `head` from `at` (the fields' offsets are constants within `HEAD`).
    fn at<const N: usize>(head: &[u8; HEAD], at: usize) -> [u8; N] {
        let mut b = [0u8; N];
        b.copy_from_slice(&head[at..at + N]);
        b
    }

    /// A record's fixed-width fields, without its strings: [`read_strings`] reads (or skips)
    /// them next.
    pub fn read_head(r: &mut impl Read) -> Result<Change> {
        // one read for the fixed-width part, then its fields where `write` wrote them, decoded in
        // place (each read through `Read` was most of a held change's cost coming back)
        let head: [u8; HEAD] = bytes(r)?;
        let u32_at = |i: usize| u32::from_le_bytes(at(&head, i));
        let secs = i64::from_le_bytes(at(&head, 0));
        let time = DateTime::from_timestamp(secs, u32_at(8)).ok_or_else(|| bad("time"))?;
        let record = u64::from_le_bytes(at(&head, 12));
        let [has_line] = at(&head, 20);
        let line = u64::from_le_bytes(at(&head, 21));
        let [file, category, actor, t0, t1, group] = [0, 1, 2, 3, 4, 5].map(|k| u32_at(29 + 4 * k));
        let [n_targets, added, result] = at(&head, 53);
        let record_key = RecordKey::from_number(u64::from_le_bytes(at(&head, 56)));
        if !(1..=2).contains(&n_targets) {
            return Err(bad("target count"));
        }
        let result = match result {
            0 => Outcome::Success,
            1 => Outcome::Failure,
            2 => Outcome::Timeout,
            3 => Outcome::Unknown,
            _ => return Err(bad("result")),
        };
        Ok(Change {
            time,
            record,
            line: (has_line == 1).then_some(line).into(),
            file,
            correlation_id: None,
            record_id: None,
            record_key,
            result_reason: None,
            category: Some(category).filter(|&c| c != NONE),
            actor,
            targets: [t0, t1],
            n_targets,
            group,
            added: added == 1,
            result,
        })
    }

    /// The strings of the record whose head was just read: into `c` when `keep`, else skipped (a
    /// dropped change needs none of them, and most changes are dropped).
    pub fn read_strings(r: &mut impl BufRead, c: &mut Change, keep: bool) -> Result<()> {
        if !keep {
            return (0..3).try_for_each(|_| skip_str(r));
        }
        c.correlation_id = get_str(r)?.map(|s| CorrelationId::from_normalized(&s));
        c.record_id = get_str(r)?.map(|id| Box::new(id.into_boxed_str()));
        c.result_reason = get_str(r)?.map(String::into_boxed_str);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit::{
        add_member, admin, gbl_fail, gid, lerr, remove_member, set_group_license, uid,
    };
    use crate::model::Cause;
    use proptest::strategy::{Just, Strategy};

    fn detailed(mut e: AuditEvent, record: u64) -> AuditEvent {
        e.category = Some("GroupManagement".into());
        e.correlation_id = CorrelationId::parse("5d0c1f8e-0000-4000-8000-00000000000a");
        e.record_id = Some(Box::new(format!("Directory_x_{record}").into()));
        e.record_key = crate::model::RecordKey::of(&format!("Directory_x_{record}"));
        e.extra.result_reason = Some("because".into());
        e.source.record = record;
        e.source.line = crate::model::event::Line::at(record + 1);
        e
    }

    proptest::proptest! {
        /// A table numbers values in the order first put, gives an equal value its number
        /// again, and keeps each once, whether put as text or as a box.
        #[test]
        fn tables_number_values_in_first_seen_order(
            values in proptest::collection::vec("[a-c]{0,3}", 0..60),
            boxed in proptest::collection::vec(proptest::bool::ANY, 60),
        ) {
            let mut t: Table<Box<str>> = Table::default();
            let mut first: Vec<String> = Vec::new();
            for (v, b) in values.iter().zip(&boxed) {
                let i = if *b { t.put(&Box::from(v.as_str())) } else { t.put_str(v) };
                let want = match first.iter().position(|f| f == v) {
                    Some(p) => p,
                    None => {
                        first.push(v.clone());
                        first.len() - 1
                    }
                };
                proptest::prop_assert_eq!(i, Some(want as u32));
            }
            let items: Vec<&str> = t.items.iter().map(|b| &**b).collect();
            proptest::prop_assert_eq!(items, first.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }

    /// A change of input `file`: user `u` added to (or removed from) group `g` by admin `a`,
    /// `minutes` after 07:00, as the `record`th record of its input.
    fn change_of(
        file: &str,
        record: u64,
        (u, g, added, a, minutes): (u8, u8, bool, u8, i64),
    ) -> AuditEvent {
        let (user, group, by) = (format!("u{u}"), format!("g{g}"), admin(&format!("a{a}")));
        let mut e = if added {
            add_member(&user, &group, "2026-10-05T07:00:00Z", by)
        } else {
            remove_member(&user, &group, "2026-10-05T07:00:00Z", by)
        };
        e = detailed(e, record);
        e.time += chrono::Duration::minutes(minutes);
        e.source.file = file.into();
        e
    }

    /// Events and identities in one order whatever the stores' order.
    fn canonical(mut r: Resolved) -> (Vec<AuditEvent>, Vec<Identity>) {
        r.events
            .sort_by(|a, b| a.reading_key().cmp(&b.reading_key()));
        r.identities.sort_by(|a, b| {
            let t = |i: &Identity| format!("{:?}", i.target);
            a.reading_key()
                .cmp(&b.reading_key())
                .then_with(|| t(a).cmp(&t(b)))
        });
        (r.events, r.identities)
    }

    proptest::proptest! {
        /// Each input's store folded into one as the inputs end, in any order, gives back what
        /// one store fed every input in turn gives: the same events, and the same identities,
        /// each once, where it was first seen. Inputs of more than `SPILL_AT` changes spill, and
        /// so does the store they are folded into.
        #[test]
        fn stores_folded_in_any_order_give_what_one_store_gives(
            inputs in proptest::collection::vec(
                proptest::collection::vec((0u8..6, 0u8..4, proptest::bool::ANY, 0u8..3, 0i64..500), 0..12),
                1..5,
            ),
            order in Just((0..5usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let licensing: HashSet<ObjectId> = [gid("g0")].into_iter().collect();
            let offer = |d: &mut Deferred, e: AuditEvent| {
                assert!(d.offer(Box::new(e), &HashSet::default()).is_ok());
            };
            let mut one = Deferred::default();
            let mut stores: Vec<Deferred> = Vec::new();
            for (k, changes) in inputs.iter().enumerate() {
                let file = format!("in-{k}.jsonl");
                let mut d = Deferred::default();
                for (n, c) in changes.iter().enumerate() {
                    let e = change_of(&file, n as u64 + 1, *c);
                    offer(&mut one, e.clone());
                    offer(&mut d, e);
                }
                stores.push(d);
            }
            let mut stores: Vec<Option<Deferred>> = stores.into_iter().map(Some).collect();
            let mut folded = Deferred::default();
            let n = stores.len();
            for k in order.into_iter().filter(|&k| k < n) {
                folded.absorb(stores[k].take().expect("each once")).expect("absorb");
            }
            proptest::prop_assert_eq!(folded.len(), one.len());
            // what is held in memory stays under the spill mark, however many inputs fold in
            proptest::prop_assert!(folded.changes.len() < SPILL_AT || folded.in_memory_only);
            let users = ErrorUsers::default();
            let want = canonical(one.resolve(&licensing, &users).expect("resolve"));
            let got = canonical(folded.resolve(&licensing, &users).expect("resolve"));
            proptest::prop_assert_eq!(got, want);
        }
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
        assert!(d.offer(Box::new(a.clone()), &HashSet::default()).is_ok());
        assert!(d.offer(Box::new(b.clone()), &HashSet::default()).is_ok());
        assert_eq!(d.len(), 2);
        let both: HashSet<ObjectId> = [gid("team-a"), gid("team-b")].into_iter().collect();
        let r = d.resolve(&both, &ErrorUsers::default()).expect("resolve");
        assert_eq!(r.events, vec![a, b]);
        assert!(r.identities.is_empty());
    }

    #[test]
    fn spilled_changes_come_back_exactly_and_in_order() {
        let mut d = Deferred::default();
        let mut all = Vec::new();
        for i in 0..(3 * SPILL_AT as u64 + 1) {
            let mut e = detailed(
                add_member(
                    &format!("u{i}"),
                    "team-a",
                    "2026-10-05T07:00:00Z",
                    admin("zoe"),
                ),
                i + 1,
            );
            e.time += chrono::Duration::nanoseconds(i as i64 * 1_000_000_007);
            if i % 3 == 0 {
                e.correlation_id = None;
                e.source.line = crate::model::event::Line::NONE;
                e.result = Outcome::Timeout;
                e.extra.result_reason = Some("é \u{1F600} \"quoted\"".into());
            }
            all.push(e.clone());
            assert!(d.offer(Box::new(e), &HashSet::default()).is_ok());
        }
        assert!(d.spill.as_ref().is_some_and(|s| s.n >= 3 * SPILL_AT));
        assert_eq!(d.len(), all.len());
        let r = d
            .resolve(
                &[gid("team-a")].into_iter().collect(),
                &ErrorUsers::default(),
            )
            .expect("resolve");
        assert_eq!(r.events, all);
    }

    /// A reported count violation naming its user by UPN only.
    fn error_known_by_upn(upn: Option<String>) -> crate::model::snapshot::ReportedError {
        crate::model::snapshot::ReportedError {
            user_id: None,
            upn,
            display_name: None,
            sku_id: None,
            sku_part_number: None,
            assigned_by: AssignedBy::Unknown,
            group_name: None,
            cause: Cause::CountViolation,
            subcode: None,
            message: None,
            occurred: None,
            source: crate::diagnose::testkit::src("errors.csv", 1),
        }
    }

    #[test]
    fn an_error_known_by_upn_keeps_a_change_that_names_the_user_by_id() {
        use crate::diagnose::testkit::user;
        let kim = user("kim");
        let mut snap = Snapshot::default();
        let upn = kim.upn.as_ref().map(|u| u.to_uppercase());
        snap.reported_errors.push(error_known_by_upn(upn));
        snap.users.push(kim);
        let mut joined = add_member("kim", "team-a", "2026-10-05T07:00:00Z", admin("zoe"));
        joined.targets[0].upn = None; // the change names kim by id only
        let mut d = Deferred::default();
        assert!(d
            .offer(Box::new(joined.clone()), &HashSet::default())
            .is_ok());
        let users = ErrorUsers::collect(&[], &snap, &d);
        let r = d.resolve(&HashSet::default(), &users).expect("resolve");
        assert_eq!(r.events, vec![joined]);
    }

    #[test]
    fn a_user_renamed_twice_is_followed_to_every_id_and_upn() {
        let mut snap = Snapshot::default();
        snap.reported_errors
            .push(error_known_by_upn(Some("a@contoso.com".into())));
        // in reading order the chain runs backwards, so each round follows one more link:
        // id-2 = b, id-1 = b, id-1 = a (the error)
        let named = |id: &str, upn: &str| {
            let mut e = add_member("kim", "team-a", "2026-10-05T07:00:00Z", admin("zoe"));
            e.targets[0].id = ObjectId::parse(id);
            e.targets[0].upn = Some(upn.into());
            e
        };
        let events = [
            named("id-2", "b@contoso.com"),
            named("id-1", "B@Contoso.com"),
            named("id-1", "a@contoso.com"),
        ];
        let users = ErrorUsers::collect(&[events.to_vec()], &snap, &Deferred::default());
        let by_id = |id: &str| Target {
            kind: TargetKind::User,
            id: ObjectId::parse(id),
            upn: None,
            display_name: None,
        };
        assert!(users.names(&by_id("id-1")));
        assert!(users.names(&by_id("id-2")));
        assert!(!users.names(&by_id("id-3")));
    }

    #[test]
    fn an_id_written_as_a_upn_matches_an_error_known_by_id() {
        let guid = "8c9a2f1e-0b7d-4c55-9e3a-1f2b3c4d5e6f";
        let mut failed = gbl_fail(
            "kim",
            "2026-10-05T07:05:00Z",
            lerr(Cause::CountViolation, "x"),
        );
        failed.targets[0].id = ObjectId::parse(guid);
        failed.targets[0].upn = None;
        let mut joined = add_member("kim", "team-a", "2026-10-05T07:00:00Z", admin("zoe"));
        joined.targets[0].id = None;
        joined.targets[0].upn = Some(guid.to_uppercase().into());
        let mut d = Deferred::default();
        assert!(d
            .offer(Box::new(joined.clone()), &HashSet::default())
            .is_ok());
        let users = ErrorUsers::collect(&[vec![failed]], &Snapshot::default(), &d);
        let r = d.resolve(&HashSet::default(), &users).expect("resolve");
        assert_eq!(r.events, vec![joined]);
    }

    /// Dropped changes in the file are skipped (their strings unread) and the kept ones after
    /// them still come back whole.
    #[test]
    fn spilled_dropped_changes_are_skipped_whole() {
        let mut d = Deferred::default();
        let mut kept = Vec::new();
        for i in 0..(3 * SPILL_AT as u64 + 1) {
            let group = if i % 2 == 0 { "team-a" } else { "team-b" };
            let mut e = detailed(
                add_member(
                    &format!("u{i}"),
                    group,
                    "2026-10-05T07:00:00Z",
                    admin("zoe"),
                ),
                i + 1,
            );
            e.time += chrono::Duration::nanoseconds(i as i64 * 1_000_000_007);
            e.extra.result_reason = Some(format!("reason {}", "x".repeat(i as usize % 7)).into());
            if i % 2 == 0 {
                kept.push(e.clone());
            }
            assert!(d.offer(Box::new(e), &HashSet::default()).is_ok());
        }
        assert!(d.spill.as_ref().is_some_and(|s| s.n >= 3 * SPILL_AT));
        let r = d
            .resolve(
                &[gid("team-a")].into_iter().collect(),
                &ErrorUsers::default(),
            )
            .expect("resolve");
        let dropped = 3 * SPILL_AT + 1 - kept.len();
        assert_eq!(r.events, kept);
        assert_eq!(
            r.identities.len(),
            dropped + 1,
            "their users and their group"
        );
    }

    /// A damaged temporary file is an error, never a panic or a huge allocation.
    #[test]
    fn damaged_records_are_errors() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..2_000usize {
            let bytes: Vec<u8> = (0..len % 97)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let mut r = bytes.as_slice();
            while codec::read(&mut r).is_ok() {}
            // and with the strings skipped, as for a dropped change
            let mut r = bytes.as_slice();
            while codec::read_head(&mut r)
                .and_then(|mut c| codec::read_strings(&mut r, &mut c, false))
                .is_ok()
            {}
        }
        // a whole record with a bad target count
        let e = add_member("ana", "team-a", "2026-10-05T07:00:00Z", admin("zoe"));
        let mut d = Deferred::default();
        assert!(d.offer(Box::new(e), &HashSet::default()).is_ok());
        let mut buf = Vec::new();
        codec::write(&d.changes[0], &mut buf).expect("write");
        let at = 8 + 4 + 8 + 1 + 8 + 6 * 4; // time, record, line, six indexes
        buf[at] = 3;
        assert!(codec::read(&mut buf.as_slice()).is_err());
    }

    #[test]
    fn identities_keep_where_they_were_first_seen() {
        let mut d = Deferred::default();
        let mut late = add_member("ana", "team-a", "2026-10-05T09:00:00Z", admin("zoe"));
        late.source.record = 9;
        let mut early = add_member("ana", "team-a", "2026-10-05T07:00:00Z", admin("zoe"));
        early.source.record = 2;
        for e in [late, early] {
            assert!(d.offer(Box::new(e), &HashSet::default()).is_ok());
        }
        let r = d
            .resolve(&HashSet::default(), &ErrorUsers::default())
            .expect("resolve");
        assert!(r.events.is_empty());
        assert_eq!(r.identities.len(), 2, "ana and team-a");
        for i in &r.identities {
            assert_eq!(
                (i.time, i.record),
                (crate::diagnose::testkit::t("2026-10-05T07:00:00Z"), 2)
            );
        }
    }

    #[test]
    fn a_known_licensing_group_is_not_held() {
        let e = add_member("ana", "lic-e3", "2026-10-05T07:00:00Z", admin("zoe"));
        let mut d = Deferred::default();
        let known: HashSet<ObjectId> = [gid("lic-e3")].into_iter().collect();
        assert_eq!(d.offer(Box::new(e.clone()), &known), Err(Box::new(e)));
    }

    #[test]
    fn what_it_cannot_rebuild_is_handed_back() {
        let base = add_member("ana", "team-a", "2026-10-05T07:00:00Z", admin("zoe"));
        let mut split = base.clone();
        split.extra.sequence = Some(1);
        let mut details = base.clone();
        details.extra.additional_details = vec![("k".into(), "v".into())];
        let mut three = base.clone();
        three.targets = three
            .targets
            .iter()
            .chain(&three.targets[..1])
            .cloned()
            .collect();
        let mut erring = base.clone();
        erring.extra.errors =
            crate::model::LicenseError::share_all(vec![lerr(Cause::CountViolation, "x")]);
        let mut other = base.clone();
        other.activity = Activity::DeleteGroup;
        let mut d = Deferred::default();
        for e in [split, details, three, erring, other] {
            assert_eq!(
                d.offer(Box::new(e.clone()), &HashSet::default()),
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
            assert!(d.offer(Box::new(e), &HashSet::default()).is_ok());
        }
        // one input's events
        let events = [vec![
            gbl_fail(
                "ana",
                "2026-10-05T07:05:00Z",
                lerr(Cause::CountViolation, "x"),
            ),
            set_group_license("lic-e3", "2026-10-05T06:00:00Z", "zoe", Outcome::Success),
        ]];
        let users = ErrorUsers::collect(&events, &Snapshot::default(), &Deferred::default());
        let licensing = licensing_groups(&events, &Snapshot::default());
        assert!(licensing.contains(&gid("lic-e3")));
        let r = d.resolve(&licensing, &users).expect("resolve");
        assert_eq!(r.events, vec![joined], "ana has an error");
        let ids: Vec<_> = r.identities.iter().map(|i| i.target.id.clone()).collect();
        assert_eq!(ids, vec![Some(uid("ben")), Some(gid("team-b"))]);
    }
}
