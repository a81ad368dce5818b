//! Indexes over one run's inputs: users and groups by id / UPN / name, memberships, the audit events
//! (only those at or before `--as-of`, sorted) by user and by group, processing windows and the
//! address index for duplicate-proxy detection. Every cause module reads the data through here.

use super::lookup::UserLookup;
use super::memberships::Memberships;
use crate::knowledge::{ConflictTableVersion, Knowledge};
use crate::model::finding::{AssignmentSource, ProductRef, UserRef};
use crate::model::hash::HashMap;
use crate::model::snapshot::{
    in_reading_order, Group, LicenseAssignmentState, Seen, Snapshot, User,
};
use crate::model::{
    Activity, AuditEvent, LicenseChange, LicenseTruncation, ObjectId, SkuId, TargetKind, ThinStr,
    SIBLING_WINDOW,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// A user as the inputs identify them: by object id when any input gives one, else by UPN.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum UKey {
    Id(ObjectId),
    /// Boxed, not a `String`: one word less in each of the audit index's entries.
    Upn(Box<str>),
}

// by hand, not derived: [`UKeyRef`] hashes as the key it names
impl std::hash::Hash for UKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            UKey::Id(id) => UKeyRef::Id(id).hash(state),
            UKey::Upn(u) => UKeyRef::Upn(u).hash(state),
        }
    }
}

/// A [`UKey`] borrowed, to look one up without cloning its text.
#[derive(Clone, Copy, Debug)]
enum UKeyRef<'k> {
    Id(&'k ObjectId),
    Upn(&'k str),
}

impl std::hash::Hash for UKeyRef<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            UKeyRef::Id(id) => {
                state.write_u8(0);
                id.hash(state);
            }
            UKeyRef::Upn(u) => {
                state.write_u8(1);
                u.hash(state);
            }
        }
    }
}

impl UKeyRef<'_> {
    fn of(k: &UKey) -> UKeyRef<'_> {
        match k {
            UKey::Id(id) => UKeyRef::Id(id),
            UKey::Upn(u) => UKeyRef::Upn(u),
        }
    }
}

impl UKey {
    fn of(k: UKeyRef<'_>) -> UKey {
        match k {
            UKeyRef::Id(id) => UKey::Id(id.clone()),
            UKeyRef::Upn(u) => UKey::Upn(u.into()),
        }
    }
}

impl hashbrown::Equivalent<UKey> for UKeyRef<'_> {
    fn equivalent(&self, k: &UKey) -> bool {
        match (self, k) {
            (UKeyRef::Id(a), UKey::Id(b)) => *a == b,
            (UKeyRef::Upn(a), UKey::Upn(b)) => *a == &**b,
            _ => false,
        }
    }
}

/// The users the audit log names ([`Ctx::index_users`]): a `hashbrown` map, looked up by
/// [`UKeyRef`] as well as by [`UKey`].
type UserMap<'a> = hashbrown::HashMap<UKey, AuditUser<'a>, foldhash::fast::RandomState>;

/// The product of a finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SkuKey {
    Id(SkuId),
    /// Only a part number is known and the catalog could not resolve it (upper-cased).
    Name(String),
    Unknown,
}

impl SkuKey {
    pub fn id(&self) -> Option<&SkuId> {
        match self {
            SkuKey::Id(s) => Some(s),
            _ => None,
        }
    }
}

/// The assignment source of a finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum GroupKey {
    Group(ObjectId),
    /// Only a display name is known and it matched no snapshot group (or several).
    Name(String),
    Direct,
    Unknown,
}

impl GroupKey {
    pub fn id(&self) -> Option<&ObjectId> {
        match self {
            GroupKey::Group(g) => Some(g),
            _ => None,
        }
    }
}

/// Address holder entry of the address index ([`AddressIndex`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AddrEntry<'a> {
    /// The address as the snapshot holds it (trimmed).
    pub value: &'a str,
    /// Into the snapshot's users (`is_user`) or groups.
    pub index: u32,
    /// Its place in the object's `proxyAddresses` (0 for `mail`): the index's order, so that an
    /// object's first spelling of an address is the one kept.
    pos: u32,
    /// `true` = user, `false` = group.
    pub is_user: bool,
    /// `true` = the object's `mail`, `false` = one of its `proxyAddresses`.
    on_mail: bool,
}

impl AddrEntry<'_> {
    pub fn index(&self) -> usize {
        self.index as usize
    }
    /// The property the address was found in: `mail` or `proxy_addresses`.
    pub fn matched_on(&self) -> &'static str {
        if self.on_mail {
            "mail"
        } else {
            "proxy_addresses"
        }
    }
}

/// Every address of the snapshot's users and groups (`proxyAddresses` and `mail`), found by its
/// normalized form ([`normalize_address`]). One flat list of `(hash of the normalized address,
/// holder)` sorted by hash, the holder borrowing the snapshot's text: 40 bytes an address.
/// A map from each normalized address (an owned string) to a list of entries owning a copy of the
/// address held about 290 bytes an address, 73 MB for a 100k-user tenant's 250k addresses, most of
/// a run's peak, for the few users a proxy-address error names; the diagnosis now builds it for
/// those users' addresses only ([`Ctx::address_index_for`]).
pub(crate) struct AddressIndex<'a> {
    entries: Vec<(u64, AddrEntry<'a>)>,
    hasher: foldhash::fast::RandomState,
}

impl<'a> AddressIndex<'a> {
    /// The index of every address, or of the `wanted` ones (normalized).
    fn build(
        snap: &'a Snapshot,
        wanted: Option<&crate::model::hash::HashSet<String>>,
    ) -> AddressIndex<'a> {
        use std::hash::BuildHasher;
        let hasher = foldhash::fast::RandomState::default();
        // every address: sized once, counted first (growing it by doubling held twice its size for
        // a moment); the wanted ones are few
        let count: usize = match wanted {
            Some(_) => 0,
            None => snap
                .users
                .iter()
                .map(|u| u.proxy_addresses.len() + usize::from(u.mail.is_some()))
                .chain(
                    snap.groups
                        .iter()
                        .map(|g| g.proxy_addresses.len() + usize::from(g.mail.is_some())),
                )
                .sum(),
        };
        let mut entries = Vec::with_capacity(count);
        let mut add = |addr: &'a str, is_user: bool, index: usize, pos: usize, on_mail: bool| {
            let (Some(n), Ok(index), Ok(pos)) = (
                normalize_address(addr),
                u32::try_from(index),
                u32::try_from(pos),
            ) else {
                return;
            };
            if wanted.is_some_and(|w| !w.contains(&n)) {
                return;
            }
            let e = AddrEntry {
                value: addr.trim(),
                index,
                pos,
                is_user,
                on_mail,
            };
            entries.push((hasher.hash_one(n.as_str()), e));
        };
        for (i, u) in snap.users.iter().enumerate() {
            for (k, p) in u.proxy_addresses.iter().enumerate() {
                add(p, true, i, k, false);
            }
            if let Some(mail) = &u.mail {
                add(mail, true, i, 0, true);
            }
        }
        for (i, g) in snap.groups.iter().enumerate() {
            for (k, p) in g.proxy_addresses.iter().enumerate() {
                add(p, false, i, k, false);
            }
            if let Some(mail) = &g.mail {
                add(mail, false, i, 0, true);
            }
        }
        // by address, then holder, then place: an object's first spelling of an address comes
        // first and is the one kept (an object is listed once per address and property, as it was
        // read). Not a stable sort: its buffer would hold half the entries again.
        let key = |(h, e): &(u64, AddrEntry<'_>)| (*h, e.is_user, e.index, e.on_mail);
        entries.sort_unstable_by_key(|x| (key(x), x.1.pos));
        // repeats removed in place: `kept` entries stay at the front
        let mut kept = 0;
        let mut run = 0; // where the kept entries of the last key begin
        for i in 0..entries.len() {
            let x = entries[i];
            if kept > 0 && key(&entries[kept - 1]) == key(&x) {
                // the same holder and property: a repeat unless the hashes collided
                let n = normalize_address(x.1.value);
                if entries[run..kept]
                    .iter()
                    .any(|k| normalize_address(k.1.value) == n)
                {
                    continue;
                }
            } else {
                run = kept;
            }
            entries[kept] = x;
            kept += 1;
        }
        // (not shrunk: a copy would hold both for a moment; repeats are few)
        entries.truncate(kept);
        AddressIndex { entries, hasher }
    }

    /// The holders of `addr`, a normalized address ([`normalize_address`]): each object once per
    /// property it holds the address in, users before groups, each kind in snapshot order.
    pub fn holders<'s>(&'s self, addr: &'s str) -> impl Iterator<Item = &'s AddrEntry<'a>> + 's {
        use std::hash::BuildHasher;
        let h = self.hasher.hash_one(addr);
        let from = self.entries.partition_point(|(x, _)| *x < h);
        let to = from + self.entries[from..].partition_point(|(x, _)| *x == h);
        // groups sort before users by `is_user`: put users first, as they were read
        let run = &self.entries[from..to];
        let users = run.iter().filter(|(_, e)| e.is_user);
        let groups = run.iter().filter(|(_, e)| !e.is_user);
        users
            .chain(groups)
            .map(|(_, e)| e)
            .filter(move |e| normalize_address(e.value).as_deref() == Some(addr))
    }
}

/// A group's processing window: `Start applying` .. `Finish applying` (or `as_of` if unfinished).
pub(crate) type Window = (ObjectId, DateTime<Utc>, DateTime<Utc>);

/// The names reported errors give a user ([`Ctx::reported_names`]).
#[derive(Clone, Copy, Debug, Default)]
struct ReportedNames<'a> {
    upn: Option<&'a str>,
    display_name: Option<&'a str>,
}

pub(crate) struct Ctx<'a> {
    pub kb: &'a Knowledge,
    pub snap: &'a Snapshot,
    pub as_of: DateTime<Utc>,
    pub version: ConflictTableVersion,
    /// Events at or before `as_of`, sorted by time then source.
    pub events: Vec<&'a AuditEvent>,
    /// The snapshot's users by id and by folded UPN ([`crate::model::folded`]).
    users: UserLookup<'a>,
    groups_by_id: HashMap<&'a ObjectId, usize>,
    groups_by_name: HashMap<String, Vec<usize>>,
    /// First-level memberships (rows and `members` expansions), both ways.
    memberships: Memberships<'a>,
    /// The events and the held changes' identities in reading order ([`in_reading_order`]).
    order: Vec<Seen>,
    /// UPN (lower) -> object id, learned from audit targets that carry both ([`Ctx::upn_alias`]).
    upn_alias: OnceLock<HashMap<String, ObjectId>>,
    /// Object id -> the UPN and display name reported errors give the user ([`Ctx::reported_names`]).
    reported_names: OnceLock<HashMap<&'a ObjectId, ReportedNames<'a>>>,
    /// Per user the audit log names: its events and the labels first seen for it.
    audit_users: UserIndex<'a>,
    /// Per group the audit log names: its events and the name first seen for it.
    audit_groups: HashMap<ObjectId, AuditGroup<'a>>,
    addresses: OnceLock<AddressIndex<'a>>,
    /// [`Ctx::moera_domain`], found once.
    moera: OnceLock<Option<String>>,
    windows: OnceLock<Vec<Window>>,
}

/// What the audit log says of one user: the events that target it (indices into `events`, in
/// time order, kept for all users in one list: [`UserIndex::events_of`]) and the first UPN and
/// display name seen for it (labels for users not in the snapshot). One map for both: each target
/// is hashed and looked up once. The labels are the targets that first carried them (a word each,
/// not a string's two: one entry per user named).
#[derive(Default)]
struct AuditUser<'a> {
    /// Its events: `UserIndex::events[from..from + len]`. While the index is built, `from` is the
    /// user's number and `len` one more than its last event so far (0: none).
    from: u32,
    len: u32,
    upn: Option<&'a crate::model::Target>,
    display_name: Option<&'a crate::model::Target>,
}

/// The users the audit log names ([`AuditUser`]) and all their events, user after user. A vector
/// of events a user was 32 bytes or more apart from the map for most users (one or two events
/// each), 3.2 MB of a 100k-user tenant's diagnosis; in one list, 8 bytes an event.
///
/// A snapshot user's entry is found by its place among the snapshot's users (`snap`, one per
/// user, [`UNMET`] until the log names it), not in the map: keyed by the id, each entry took a key
/// and the table's spare room beside it, 6.3 MB of a 100k-user tenant's diagnosis against 2.4 MB
/// here. The map holds the users the snapshot does not have. Which of the two holds a key is a
/// function of the key ([`UserIndex::slot`]), so it finds what one map found.
#[derive(Default)]
struct UserIndex<'a> {
    snap: Vec<AuditUser<'a>>,
    users: UserMap<'a>,
    events: Vec<usize>,
}

/// `AuditUser::from` of a snapshot user the log does not name.
const UNMET: u32 = u32::MAX;

/// Where [`UserIndex`] holds a key: the snapshot user's place, or the map.
enum Slot<'k> {
    Snap(usize),
    Other(UKeyRef<'k>),
}

impl<'a> UserIndex<'a> {
    /// Where the index holds `k`: a user id of the snapshot at that user's place, every other key
    /// in the map.
    fn slot<'k>(lookup: &UserLookup<'_>, k: UKeyRef<'k>) -> Slot<'k> {
        match k {
            UKeyRef::Id(id) => lookup.by_id(id).map_or(Slot::Other(k), Slot::Snap),
            UKeyRef::Upn(_) => Slot::Other(k),
        }
    }

    fn get(&self, lookup: &UserLookup<'_>, k: &UKey) -> Option<&AuditUser<'a>> {
        match Self::slot(lookup, UKeyRef::of(k)) {
            Slot::Snap(i) => self.snap.get(i).filter(|u| u.from != UNMET),
            Slot::Other(r) => self.users.get(&r),
        }
    }

    /// The events of a user of the index, in time order.
    fn events_of(&self, u: &AuditUser<'_>) -> &[usize] {
        let from = u.from as usize;
        self.events
            .get(from..from.saturating_add(u.len as usize))
            .unwrap_or(&[])
    }
}

impl<'a> AuditUser<'a> {
    fn upn(&self) -> Option<&'a str> {
        self.upn.and_then(|t| t.upn.as_deref())
    }
    fn display_name(&self) -> Option<&'a str> {
        self.display_name.and_then(|t| t.display_name.as_deref())
    }
}

/// What the audit log says of one group: the events that target it and the first non-blank name
/// seen for it.
#[derive(Default)]
struct AuditGroup<'a> {
    events: Vec<usize>,
    name: Option<&'a str>,
}

/// The tenant's `*.onmicrosoft.com` domain, inferred from the addresses the snapshot holds (most
/// frequent; `mail.onmicrosoft.com` routing domains excluded): [`Ctx::moera_domain`], and `licdiag plan`.
pub(crate) fn moera_domain_of(snap: &Snapshot) -> Option<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut note = |a: &str| {
        if let Some(n) = normalize_address(a) {
            if let Some((_, d)) = n.rsplit_once('@') {
                if d.ends_with(".onmicrosoft.com") && !d.ends_with(".mail.onmicrosoft.com") {
                    *counts.entry(d.to_string()).or_default() += 1;
                }
            }
        }
    };
    for u in &snap.users {
        u.proxy_addresses.iter().for_each(&mut note);
        if let Some(m) = &u.mail {
            note(m);
        }
        if let Some(upn) = &u.upn {
            if !upn.contains("#EXT#") && !upn.contains("#ext#") {
                note(upn);
            }
        }
    }
    for g in &snap.groups {
        g.proxy_addresses.iter().for_each(|p| note(p));
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(d, _)| d)
}

pub(crate) use crate::model::normalize_address;

impl<'a> Ctx<'a> {
    pub fn new(
        events: &'a [AuditEvent],
        snap: &'a Snapshot,
        kb: &'a Knowledge,
        as_of: DateTime<Utc>,
    ) -> Ctx<'a> {
        // sized once (every event is usually before `as_of`); ingestion gives events in reading
        // order, so the sort (whose buffer holds half the references again) is only for callers
        // that do not
        let mut evs: Vec<&AuditEvent> = Vec::with_capacity(events.len());
        evs.extend(events.iter().filter(|e| e.time <= as_of));
        if !evs.is_sorted_by(|a, b| a.reading_key() <= b.reading_key()) {
            evs.sort_by(|a, b| a.reading_key().cmp(&b.reading_key()));
        }

        let mut groups_by_id = HashMap::default();
        let mut groups_by_name: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, g) in snap.groups.iter().enumerate() {
            groups_by_id.entry(&g.id).or_insert(i);
            if let Some(n) = &g.display_name {
                groups_by_name
                    .entry(n.trim().to_lowercase())
                    .or_default()
                    .push(i);
            }
        }
        let mut ctx = Ctx {
            kb,
            snap,
            as_of,
            version: ConflictTableVersion::for_date(as_of),
            events: evs,
            users: UserLookup::new(&snap.users),
            groups_by_id,
            groups_by_name,
            memberships: Memberships::new(snap),
            order: Vec::new(),
            upn_alias: OnceLock::new(),
            reported_names: OnceLock::new(),
            audit_users: UserIndex::default(),
            audit_groups: HashMap::default(),
            addresses: OnceLock::new(),
            moera: OnceLock::new(),
            windows: OnceLock::new(),
        };
        // names and aliases in reading order (a group's first name wins, a user's latest), counting
        // the identities of membership changes that were not kept as if they had been
        ctx.order = in_reading_order(ctx.events.iter().copied(), &snap.identities, Some(as_of));
        // the two indexes share nothing: built side by side (this runs after the read, when the
        // second core has nothing else to do)
        let (users, groups) = rayon::join(|| ctx.index_users(), || ctx.index_groups());
        ctx.audit_users = users;
        ctx.audit_groups = groups;
        ctx
    }

    /// The targets of one item of the reading order.
    fn targets_of(&self, s: Seen) -> &'a [crate::model::Target] {
        match s {
            Seen::Event(i) => &self.events[i as usize].targets[..],
            Seen::Identity(j) => std::slice::from_ref(&self.snap.identities[j as usize].target),
        }
    }

    /// Asks memory for the targets of the items a few ahead of `n` in the reading order, then
    /// their strings: the passes over it wait on little else (the reading threads wrote them).
    fn prefetch_ahead(&self, n: usize) {
        crate::model::prefetch_targets_ahead(n, self.order.len(), |k| {
            self.order.get(k).map(|&s| self.targets_of(s))
        });
    }

    /// Every target of the reading order, with the index of its event (`None` for an identity's),
    /// the items a few ahead asked of memory as it goes.
    fn targets_in_order(
        &self,
    ) -> impl Iterator<Item = (Option<usize>, &'a crate::model::Target)> + '_ {
        self.order.iter().enumerate().flat_map(move |(n, &s)| {
            self.prefetch_ahead(n);
            let event = s.event();
            self.targets_of(s).iter().map(move |t| (event, t))
        })
    }

    /// Folded UPN -> object id, from the audit targets that carry both, the first seen winning.
    /// Built on first use: only a user named by UPN alone needs it, and most logs name every user
    /// by id (the pass over every target was about 40% of this context's cost).
    fn upn_alias(&self) -> &HashMap<String, ObjectId> {
        self.upn_alias.get_or_init(|| {
            let mut alias = HashMap::default();
            for (_, t) in self.targets_in_order() {
                if let (TargetKind::User, Some(id), Some(upn)) = (t.kind, &t.id, &t.upn) {
                    let k = crate::model::folded(upn);
                    if !alias.contains_key(&*k) {
                        alias.insert(k.into_owned(), id.clone());
                    }
                }
            }
            alias
        })
    }

    /// Object id -> the first UPN and display name the reported errors give the user (the
    /// "users with license errors" CSV names each user by id, UPN and display name): labels for
    /// users neither the snapshot's users nor the audit log name. Built on first use.
    fn reported_names(&self) -> &HashMap<&'a ObjectId, ReportedNames<'a>> {
        self.reported_names.get_or_init(|| {
            let mut names: HashMap<&'a ObjectId, ReportedNames<'a>> = HashMap::default();
            for r in &self.snap.reported_errors {
                let Some(id) = &r.user_id else { continue };
                let n = names.entry(id).or_default();
                n.upn = n.upn.or(r.upn.as_deref().filter(|u| !u.trim().is_empty()));
                n.display_name = n
                    .display_name
                    .or(r.display_name.as_deref().filter(|d| !d.trim().is_empty()));
            }
            names
        })
    }

    /// The users the audit log names: their events and latest labels. The labels borrow the
    /// inputs' strings (no copies to free with the context); a key is cloned only for a user seen
    /// for the first time.
    fn index_users(&self) -> UserIndex<'a> {
        // A map sized ahead for one user per item read was 23 MB for a 100k-user tenant's 1M
        // records (twenty-ninth run), and sized for the snapshot's users 6.3 MB (forty-ninth):
        // the snapshot's users have their places in a vector, the others grow the map as they
        // are met (rehashes cost 11M instructions of 21.8G for that tenant without a snapshot).
        let mut snap: Vec<AuditUser<'a>> = Vec::new();
        snap.resize_with(self.snap.users.len(), || AuditUser {
            from: UNMET,
            ..Default::default()
        });
        let mut users = UserMap::default();
        // (user number, event) in reading order, then sorted by user below; a user's number is
        // the count of users met before it
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(self.events.len());
        let mut met = 0u32;
        let mut new_user = || {
            let n = met;
            met = met.saturating_add(1);
            AuditUser {
                from: n,
                ..Default::default()
            }
        };
        // with no snapshot user that has a UPN, a target with an id is that id's user
        // ([`Ctx::resolve_user`]): looked up by reference, no key built
        let by_id = self.users.no_upns();
        // identities name users; only events are indexed
        for (event, t) in self.targets_in_order() {
            if t.kind != TargetKind::User {
                continue;
            }
            let resolved;
            let key = match &t.id {
                Some(id) if by_id => UKeyRef::Id(id),
                _ => {
                    let Some(k) = self.resolve_user(t.id.as_ref(), t.upn.as_deref()) else {
                        continue;
                    };
                    resolved = k;
                    UKeyRef::of(&resolved)
                }
            };
            let u = match UserIndex::slot(&self.users, key) {
                Slot::Snap(i) => {
                    let Some(u) = snap.get_mut(i) else { continue };
                    if u.from == UNMET {
                        *u = new_user();
                    }
                    u
                }
                Slot::Other(r) => match users.get_mut(&r) {
                    Some(u) => u,
                    None => users.entry(UKey::of(r)).or_insert_with(&mut new_user),
                },
            };
            // the latest names win (targets come in time order): a user renamed in the log is
            // shown by the UPN it has now, as the timeline shows it
            if t.upn.as_deref().is_some_and(|x| !x.trim().is_empty()) {
                u.upn = Some(t);
            }
            if t.display_name
                .as_deref()
                .is_some_and(|x| !x.trim().is_empty())
            {
                u.display_name = Some(t);
            }
            // once per event, however many of its targets name the user (an event's targets are
            // read together, so a repeat is the user's last event so far)
            if let Some(i) = event.and_then(|i| u32::try_from(i).ok()) {
                if u.len != i.wrapping_add(1) {
                    u.len = i.wrapping_add(1);
                    pairs.push((u.from, i));
                }
            }
        }
        // each user's events together, in reading order (a counting sort by user number)
        let mut starts = vec![0u32; met as usize + 1];
        for &(n, _) in &pairs {
            if let Some(c) = starts.get_mut(n as usize + 1) {
                *c += 1;
            }
        }
        for k in 1..starts.len() {
            starts[k] += starts[k - 1];
        }
        let mut events = vec![0usize; pairs.len()];
        let mut next = starts.clone();
        for (n, i) in pairs {
            if let Some(at) = next.get_mut(n as usize) {
                if let Some(e) = events.get_mut(*at as usize) {
                    *e = i as usize;
                }
                *at += 1;
            }
        }
        for u in users
            .values_mut()
            .chain(snap.iter_mut().filter(|u| u.from != UNMET))
        {
            let n = u.from as usize;
            let (from, to) = (starts[n], starts[n + 1]);
            u.from = from;
            u.len = to - from;
        }
        UserIndex {
            snap,
            users,
            events,
        }
    }

    /// The groups the audit log names: their events and first non-blank names.
    fn index_groups(&self) -> HashMap<ObjectId, AuditGroup<'a>> {
        let mut groups: HashMap<ObjectId, AuditGroup<'a>> = HashMap::default();
        // identities name groups; only events are indexed
        for (event, t) in self.targets_in_order() {
            let (TargetKind::Group, Some(g)) = (t.kind, &t.id) else {
                continue;
            };
            let name = t.display_name.as_deref().filter(|n| !n.trim().is_empty());
            if event.is_none() && name.is_none() {
                continue;
            }
            let e = match groups.get_mut(g) {
                Some(e) => e,
                None => groups.entry(g.clone()).or_default(),
            };
            if let Some(i) = event.filter(|i| e.events.last() != Some(i)) {
                e.events.push(i);
            }
            if e.name.is_none() {
                e.name = name;
            }
        }
        groups
    }

    // ---------------------------------------------------------------- users

    /// The canonical key of a user named by id and/or UPN.
    pub fn resolve_user(&self, id: Option<&ObjectId>, upn: Option<&str>) -> Option<UKey> {
        if let Some(id) = id {
            if let Some(i) = self.users.by_id(id) {
                return self.snap.users.get(i).map(|u| UKey::Id(u.id.clone()));
            }
        }
        // a user named by id is only looked up by UPN among the snapshot's users (no fold
        // otherwise: most audit targets carry an id, and most runs have no snapshot users)
        if id.is_some() && self.users.no_upns() {
            return id.map(|i| UKey::Id(i.clone()));
        }
        if let Some(upn) = upn.map(crate::model::folded).filter(|u| !u.is_empty()) {
            if let Some(i) = self.users.by_upn(&upn) {
                return self.snap.users.get(i).map(|u| UKey::Id(u.id.clone()));
            }
            if id.is_none() {
                if let Some(alias) = self.upn_alias().get(&*upn) {
                    return Some(UKey::Id(alias.clone()));
                }
                // An id may arrive as the "upn" in some exports.
                if let Some(oid) =
                    ObjectId::parse(&upn).filter(|_| crate::model::ids::is_guid(&upn))
                {
                    return Some(UKey::Id(oid));
                }
                return Some(UKey::Upn(upn.into_owned().into_boxed_str()));
            }
        }
        id.map(|i| UKey::Id(i.clone()))
    }

    pub fn user(&self, k: &UKey) -> Option<&'a User> {
        match k {
            UKey::Id(id) => self.users.by_id(id).and_then(|i| self.snap.users.get(i)),
            UKey::Upn(u) => self.users.by_upn(u).and_then(|i| self.snap.users.get(i)),
        }
    }

    /// Index of the user in `snapshot.users`.
    pub fn user_index(&self, k: &UKey) -> Option<usize> {
        match k {
            UKey::Id(id) => self.users.by_id(id),
            UKey::Upn(u) => self.users.by_upn(u),
        }
    }

    pub fn user_by_index(&self, i: usize) -> Option<&'a User> {
        self.snap.users.get(i)
    }

    pub fn user_ref(&self, k: &UKey) -> UserRef {
        if let Some(u) = self.user(k) {
            return UserRef {
                id: Some(u.id.clone()),
                upn: u.upn.clone(),
                display_name: u.display_name.clone(),
            };
        }
        let (upn, dn) = self
            .audit_users
            .get(&self.users, k)
            .map(|u| (u.upn().map(ThinStr::from), u.display_name().map(Box::from)))
            .unwrap_or_default();
        match k {
            UKey::Id(id) => {
                let reported = || self.reported_names().get(id).copied().unwrap_or_default();
                UserRef {
                    id: Some(id.clone()),
                    upn: upn.or_else(|| reported().upn.map(ThinStr::from)),
                    display_name: dn.or_else(|| reported().display_name.map(Box::from)),
                }
            }
            UKey::Upn(u) => UserRef {
                id: None,
                upn: upn.or_else(|| Some(ThinStr::from(&**u))),
                display_name: dn,
            },
        }
    }

    pub fn user_label(&self, k: &UKey) -> String {
        self.user_ref(k).label()
    }

    /// Indices (into `events`) of events targeting the user, in time order.
    pub fn user_events(&self, k: &UKey) -> &[usize] {
        self.audit_users
            .get(&self.users, k)
            .map_or(&[], |u| self.audit_users.events_of(u))
    }

    /// Groups the user is a first-level member of (memberships / `members`), sorted, each once.
    pub fn groups_of_user(&self, user: &ObjectId) -> impl Iterator<Item = &'a ObjectId> + '_ {
        self.memberships.groups_of(user)
    }

    /// Whether membership data covers this group.
    pub fn knows_members_of(&self, group: &ObjectId) -> bool {
        self.memberships.knows(group)
    }

    pub fn is_member(&self, group: &ObjectId, user: &ObjectId) -> bool {
        self.memberships.is_member(group, user)
    }

    /// The snapshot lists `group`'s members and `user` is not one of them: facts of the group's
    /// runs (all-or-nothing, what started them, their counts) are not about this user.
    pub fn no_longer_member(&self, group: &ObjectId, user: &UKey) -> bool {
        match user {
            UKey::Id(uid) => self.knows_members_of(group) && !self.is_member(group, uid),
            _ => false,
        }
    }

    pub fn member_count(&self, group: &ObjectId) -> Option<usize> {
        self.memberships.count(group)
    }

    // ---------------------------------------------------------------- groups

    pub fn group(&self, id: &ObjectId) -> Option<&'a Group> {
        self.groups_by_id
            .get(id)
            .and_then(|&i| self.snap.groups.get(i))
    }

    /// A snapshot group id for a display name, when exactly one group has it.
    pub fn group_by_name(&self, name: &str) -> Option<&'a Group> {
        match self.groups_by_name.get(&name.trim().to_lowercase()) {
            Some(v) if v.len() == 1 => v.first().and_then(|&i| self.snap.groups.get(i)),
            _ => None,
        }
    }

    pub fn group_name(&self, id: &ObjectId) -> Option<String> {
        self.group(id)
            .and_then(|g| g.display_name.clone())
            .or_else(|| self.audit_groups.get(id)?.name.map(String::from))
            // a reported error list that names the group beside its id
            .or_else(|| {
                self.snap
                    .reported_errors
                    .iter()
                    .find_map(|r| match &r.assigned_by {
                        crate::model::snapshot::AssignedBy::GroupId(g) if g == id => {
                            r.group_name.clone()
                        }
                        _ => None,
                    })
            })
    }

    pub fn group_label(&self, id: &ObjectId) -> String {
        self.group_name(id).unwrap_or_else(|| id.to_string())
    }

    pub fn group_key_label(&self, g: &GroupKey) -> Option<String> {
        match g {
            GroupKey::Group(id) => Some(self.group_label(id)),
            GroupKey::Name(n) => Some(n.clone()),
            GroupKey::Direct | GroupKey::Unknown => None,
        }
    }

    /// The products a group assigns: the snapshot's `assignedLicenses`, else the new license set of
    /// the latest successful `Set group license` in the audit log.
    pub fn group_products(&self, g: &ObjectId) -> Vec<SkuId> {
        if let Some(gr) = self.group(g) {
            let mut v: Vec<SkuId> = gr
                .assigned_licenses
                .iter()
                .map(|l| l.sku_id.clone())
                .collect();
            v.sort();
            v.dedup();
            return v;
        }
        let latest = self
            .group_events(g)
            .iter()
            .rev()
            .filter_map(|&i| self.events.get(i).copied())
            .find(|e| {
                e.activity == Activity::SetGroupLicense
                    && e.result == crate::model::Outcome::Success
                    && e.licenses.is_some()
            });
        // a new list Entra truncated does not tell the group's products (its lost part may hold
        // more): none are claimed
        let mut v: Vec<SkuId> = latest
            .filter(|e| !e.extra.licenses_cut.new)
            .and_then(|e| e.licenses.as_deref())
            .map(|c| {
                c.new
                    .iter()
                    .filter_map(|l| match (&l.sku_id, &l.sku_name) {
                        (Some(id), _) => Some(id.clone()),
                        (None, Some(n)) => self.resolve_sku_text(n).id().cloned(),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v.dedup();
        v
    }

    pub fn group_events(&self, g: &ObjectId) -> &[usize] {
        self.audit_groups
            .get(g)
            .map(|e| e.events.as_slice())
            .unwrap_or(&[])
    }

    // ---------------------------------------------------------------- products

    pub fn sku_part(&self, sku: &SkuKey) -> Option<String> {
        match sku {
            SkuKey::Id(id) => self.kb.sku_part_number(id).map(str::to_string).or_else(|| {
                self.snap
                    .skus
                    .iter()
                    .find(|s| &s.sku_id == id)
                    .and_then(|s| s.part_number.clone())
            }),
            SkuKey::Name(n) => Some(n.clone()),
            SkuKey::Unknown => None,
        }
    }

    pub fn sku_label(&self, sku: &SkuKey) -> String {
        match sku {
            SkuKey::Id(id) => self.sku_part(sku).unwrap_or_else(|| id.to_string()),
            SkuKey::Name(n) => n.clone(),
            SkuKey::Unknown => "an unknown product".into(),
        }
    }

    /// A bucket's product for its text: one the records do not name is said as the group's
    /// products where the data gives them (`ENTERPRISEPACK or EMS (the records name no product)`),
    /// not as "an unknown product".
    pub fn bucket_sku_label(&self, sku: &SkuKey, group: &GroupKey) -> String {
        if let (SkuKey::Unknown, GroupKey::Group(g)) = (sku, group) {
            let products = self.group_products(g);
            if (1..=4).contains(&products.len()) {
                let names: Vec<String> = products.iter().map(|s| self.sku_label_id(s)).collect();
                return match names.as_slice() {
                    [one] => format!("{one} (the group's only product; the records name none)"),
                    _ => format!(
                        "{} (the records name no product)",
                        super::text::list_or(&names, 4)
                    ),
                };
            }
        }
        self.sku_label(sku)
    }

    pub fn sku_label_id(&self, sku: &SkuId) -> String {
        self.sku_label(&SkuKey::Id(sku.clone()))
    }

    pub fn product_ref(&self, sku: &SkuId) -> ProductRef {
        ProductRef {
            sku: self.sku_part(&SkuKey::Id(sku.clone())),
            sku_id: Some(sku.clone()),
        }
    }

    /// A product named in an export (`SkuName=`, `for SKU [..]`, `Licenses being added`).
    pub fn resolve_sku_text(&self, text: &str) -> SkuKey {
        let t = text.trim().trim_matches(|c| c == '[' || c == ']').trim();
        if t.is_empty() {
            return SkuKey::Unknown;
        }
        if let Some(s) = self.snap.skus.iter().find(|s| {
            s.part_number
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(t))
        }) {
            return SkuKey::Id(s.sku_id.clone());
        }
        match self.kb.resolve_sku(t) {
            Some(id) => SkuKey::Id(id),
            None => SkuKey::Name(t.to_ascii_uppercase()),
        }
    }

    /// Whether a license change's new set contains the product: `Some(true/false)`, `None` when
    /// the change does not say (no lists, or a new list Entra truncated that leaves the product
    /// out: it may be in the lost part).
    pub fn change_adds_or_keeps(
        &self,
        (change, cut): (&LicenseChange, LicenseTruncation),
        sku: &SkuKey,
    ) -> Option<bool> {
        if matches!(sku, SkuKey::Unknown) {
            return None;
        }
        let part = self.sku_part(sku);
        change.keeps(cut, |l| {
            (sku.id().is_some() && l.sku_id.as_ref() == sku.id())
                || (part.is_some()
                    && l.sku_name
                        .as_deref()
                        .zip(part.as_deref())
                        .is_some_and(|(a, b)| a.trim().eq_ignore_ascii_case(b)))
        })
    }

    /// The license diff of an event, or of its `Update user` sibling (same correlation id, or,
    /// when no record shares it, the nearest by time:
    /// [`AuditEvent::sibling_distance_ms`]), with the lists of it Entra truncated.
    pub fn license_change_of(
        &self,
        ev_index: usize,
    ) -> Option<(&'a LicenseChange, LicenseTruncation)> {
        let e = self.events.get(ev_index)?;
        if let Some(l) = &e.licenses {
            return Some((l, e.extra.licenses_cut));
        }
        let k = e
            .target(TargetKind::User)
            .and_then(|t| self.resolve_user(t.id.as_ref(), t.upn.as_deref()))?;
        let updates = || {
            self.user_events(&k)
                .iter()
                .filter_map(|&i| self.events.get(i).copied())
                .filter(|o| o.activity == Activity::UpdateUser && o.licenses.is_some())
        };
        let by_correlation = e
            .correlation_id
            .as_ref()
            .and_then(|c| updates().find(|o| o.correlation_id.as_ref() == Some(c)));
        by_correlation
            .or_else(|| {
                // the user's events are in time order: only those a second around
                let evs = self.user_events(&k);
                let from = e.time - SIBLING_WINDOW;
                let lo =
                    evs.partition_point(|&i| self.events.get(i).is_some_and(|o| o.time < from));
                e.nearest_sibling(
                    evs.get(lo..)?
                        .iter()
                        .filter_map(|&i| self.events.get(i).copied()),
                )
            })
            .and_then(|o| Some((o.licenses.as_deref()?, o.extra.licenses_cut)))
    }

    // ---------------------------------------------------------------- assignments

    /// How a state is assigned, as a finding names it.
    pub fn source_of(&self, st: &LicenseAssignmentState) -> AssignmentSource {
        let p = self.product_ref(&st.sku_id);
        match &st.assigned_by_group {
            None => AssignmentSource::Direct {
                sku: p.sku,
                sku_id: p.sku_id,
            },
            Some(g) => AssignmentSource::Group {
                group_id: Some(g.clone()),
                group: self.group_name(g),
                sku: p.sku,
                sku_id: p.sku_id,
            },
        }
    }

    /// Whether a state means the user holds the product now.
    pub fn holds(st: &LicenseAssignmentState) -> bool {
        st.state.is_active()
            || (matches!(
                st.state,
                crate::model::snapshot::AssignmentState::Unknown(_)
            ) && st.error.is_none())
    }

    // ---------------------------------------------------------------- audit helpers

    /// Group processing windows `Start applying` .. `Finish applying`.
    pub fn processing_windows(&self) -> &[Window] {
        self.windows.get_or_init(|| {
            let mut out = Vec::new();
            let mut open: BTreeMap<ObjectId, DateTime<Utc>> = BTreeMap::new();
            for e in &self.events {
                let Some(g) = e.target(TargetKind::Group).and_then(|t| t.id.clone()) else {
                    continue;
                };
                match e.activity {
                    Activity::StartApplyingGroupLicense => {
                        open.insert(g, e.time);
                    }
                    Activity::FinishApplyingGroupLicense => {
                        if let Some(s) = open.remove(&g) {
                            out.push((g, s, e.time));
                        }
                    }
                    _ => {}
                }
            }
            for (g, s) in open {
                out.push((g, s, self.as_of));
            }
            out
        })
    }

    /// The only group whose processing window contains `t`.
    pub fn group_processing_at(&self, t: DateTime<Utc>) -> Option<ObjectId> {
        let hits = self.groups_processing_at(t);
        if hits.len() == 1 {
            hits.into_iter().next()
        } else {
            None
        }
    }

    /// Every group whose processing window contains `t`, sorted, each once.
    pub fn groups_processing_at(&self, t: DateTime<Utc>) -> BTreeSet<ObjectId> {
        self.processing_windows()
            .iter()
            .filter(|(_, s, f)| *s <= t && t <= *f)
            .map(|(g, _, _)| g.clone())
            .collect()
    }

    /// Whether the inputs show group `g` assigning product `sku` at some point: the snapshot's
    /// group lists it, or a successful `Set group license` of the group has it in its old or new
    /// list (the entries read whole).
    pub fn group_ever_assigns(&self, g: &ObjectId, sku: &SkuId) -> bool {
        if self
            .group(g)
            .is_some_and(|gr| gr.assigned_licenses.iter().any(|l| &l.sku_id == sku))
        {
            return true;
        }
        self.group_events(g)
            .iter()
            .filter_map(|&i| self.events.get(i).copied())
            .filter(|e| {
                e.activity == Activity::SetGroupLicense
                    && e.result == crate::model::Outcome::Success
            })
            .filter_map(|e| e.licenses.as_deref())
            .any(|c| {
                c.old
                    .iter()
                    .chain(c.new.iter())
                    .any(|l| match (&l.sku_id, &l.sku_name) {
                        (Some(id), _) => id == sku,
                        (None, Some(n)) => self.resolve_sku_text(n).id() == Some(sku),
                        _ => false,
                    })
            })
    }

    // ---------------------------------------------------------------- addresses

    /// Normalized address -> holders (users and groups; proxyAddresses and mail), built once: of
    /// every address, unless [`Ctx::address_index_for`] built it first.
    pub fn address_index(&self) -> &AddressIndex<'a> {
        self.addresses
            .get_or_init(|| AddressIndex::build(self.snap, None))
    }

    /// [`Ctx::address_index`] holding only the holders of the `wanted` addresses (normalized): the
    /// ones a run's uniqueness findings look up. Every address of the snapshot is still read, but
    /// a 100k-user tenant's index held 270k entries (11 MB) for a few hundred lookups.
    pub fn address_index_for(&self, wanted: &crate::model::hash::HashSet<String>) {
        self.addresses
            .get_or_init(|| AddressIndex::build(self.snap, Some(wanted)));
    }

    /// The tenant's `*.onmicrosoft.com` domain, inferred from the addresses it holds (most frequent;
    /// `mail.onmicrosoft.com` routing domains excluded).
    pub fn moera_domain(&self) -> Option<&str> {
        self.moera
            .get_or_init(|| self.find_moera_domain())
            .as_deref()
    }

    /// [`Ctx::moera_domain`], found: a scan of every address (once a run, not once per
    /// uniqueness finding and once more for the address index's wanted addresses).
    fn find_moera_domain(&self) -> Option<String> {
        moera_domain_of(self.snap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit::{add_member, admin, gid, group, t, user, user_target};
    use crate::model::snapshot::Identity;

    /// The holders of an address: found by its normalized form whatever the spelling, each object
    /// once per property with its first spelling, users before groups, each kind in snapshot
    /// order; another address (even one whose hash would collide) is never a holder.
    #[test]
    fn address_index_lists_each_holder_once_per_property() {
        let mut ana = user("ana");
        ana.proxy_addresses = vec![
            "SMTP:Shared@Contoso.example",
            "smtp:shared@contoso.example",
            " x500:/o=ExchangeLabs/cn=ana ",
        ]
        .into();
        ana.mail = Some("shared@contoso.example".into());
        let mut bo = user("bo");
        bo.proxy_addresses = vec!["smtp:bo@contoso.example"].into();
        let mut cy = user("cy");
        cy.mail = Some("  SHARED@contoso.example ".into());
        let mut team = group("team", &[]);
        team.proxy_addresses = vec!["SMTP:shared@contoso.example".into()];
        let snap = Snapshot {
            // a user without addresses first: indexes count from it
            users: vec![user("zed"), ana, bo, cy],
            groups: vec![team],
            ..Default::default()
        };
        let index = AddressIndex::build(&snap, None);
        let holders: Vec<(bool, usize, &str, &str)> = index
            .holders("shared@contoso.example")
            .map(|e| (e.is_user, e.index(), e.matched_on(), e.value))
            .collect();
        assert_eq!(
            holders,
            vec![
                (true, 1, "proxy_addresses", "SMTP:Shared@Contoso.example"),
                (true, 1, "mail", "shared@contoso.example"),
                (true, 3, "mail", "SHARED@contoso.example"),
                (false, 0, "proxy_addresses", "SMTP:shared@contoso.example"),
            ]
        );
        // other prefixes match only their own kind; unknown addresses have no holder
        assert_eq!(
            index
                .holders("x500:/o=exchangelabs/cn=ana")
                .map(|e| e.value)
                .collect::<Vec<_>>(),
            vec!["x500:/o=ExchangeLabs/cn=ana"]
        );
        assert_eq!(index.holders("nobody@contoso.example").count(), 0);
        assert_eq!(index.holders("").count(), 0);

        // built for some addresses only: the same holders of those, none of the others
        let wanted: crate::model::hash::HashSet<String> =
            ["shared@contoso.example".to_string()].into_iter().collect();
        let some = AddressIndex::build(&snap, Some(&wanted));
        let of = |i: &AddressIndex<'_>, a: &str| -> Vec<(bool, usize, &'static str, String)> {
            i.holders(a)
                .map(|e| (e.is_user, e.index(), e.matched_on(), e.value.to_string()))
                .collect()
        };
        assert_eq!(
            of(&some, "shared@contoso.example"),
            of(&index, "shared@contoso.example")
        );
        assert_eq!(some.holders("bo@contoso.example").count(), 0);
        assert_eq!(some.entries.len(), 4);
    }

    /// `index_users` looks a user up by a borrowed key: it must hash and compare as the owned key
    /// the user was stored under, and never match the other kind of key with the same text.
    #[test]
    fn a_borrowed_user_key_finds_what_its_owned_key_stored() {
        use std::hash::BuildHasher;
        let s = foldhash::fast::RandomState::default();
        let id = ObjectId::parse("5A6E810C-3936-4885-A73F-F4CA3A81E478").expect("an id");
        assert_eq!(
            s.hash_one(UKey::Id(id.clone())),
            s.hash_one(UKeyRef::Id(&id))
        );
        let upn = "ana@contoso.example";
        assert_eq!(
            s.hash_one(UKey::Upn(upn.into())),
            s.hash_one(UKeyRef::Upn(upn))
        );
        let mut users = UserIndex {
            events: vec![3, 7],
            ..Default::default()
        };
        users
            .users
            .insert(UKey::Id(id.clone()), AuditUser::default());
        let by_upn = AuditUser {
            from: 1,
            len: 1,
            ..Default::default()
        };
        users.users.insert(UKey::Upn(id.as_str().into()), by_upn);
        let lookup = UserLookup::new(&[]);
        let events = |k: &UKey| users.get(&lookup, k).map(|u| users.events_of(u).to_vec());
        assert_eq!(events(&UKey::Id(id.clone())), Some(vec![]));
        assert_eq!(events(&UKey::Upn(id.as_str().into())), Some(vec![7]));
        assert!(users.get(&lookup, &UKey::Upn(upn.into())).is_none());
    }

    /// A snapshot user's entry is at its place among the snapshot's users, found by its id; one the
    /// log does not name is not there; a user the snapshot does not have is in the map.
    #[test]
    fn snapshot_users_are_indexed_by_their_place() {
        let ana = user("ana");
        let bo = user("bo");
        let snap_users = vec![ana.clone(), bo.clone()];
        let lookup = UserLookup::new(&snap_users);
        let other = ObjectId::parse("5A6E810C-3936-4885-A73F-F4CA3A81E478").expect("an id");
        let mut users = UserIndex {
            events: vec![3, 7, 9],
            ..Default::default()
        };
        users.snap = vec![
            AuditUser {
                from: UNMET,
                ..Default::default()
            },
            AuditUser {
                from: 0,
                len: 2,
                ..Default::default()
            },
        ];
        users.users.insert(
            UKey::Id(other.clone()),
            AuditUser {
                from: 2,
                len: 1,
                ..Default::default()
            },
        );
        let events = |k: &UKey| users.get(&lookup, k).map(|u| users.events_of(u).to_vec());
        assert_eq!(events(&UKey::Id(bo.id.clone())), Some(vec![3, 7]));
        assert_eq!(events(&UKey::Id(ana.id.clone())), None);
        assert_eq!(events(&UKey::Id(other)), Some(vec![9]));
    }

    /// A group renamed during the window: the name of a membership change that was not kept, seen
    /// first, wins over a later kept event's, as it would have had the change been kept; after
    /// `as_of` it does not count.
    #[test]
    fn identities_count_in_reading_order_up_to_as_of() {
        let mut kept = add_member("ana", "team", "2026-10-05T09:00:00Z", admin("zoe"));
        kept.targets[1].display_name = Some("New".into());
        let mut old = kept.targets[1].clone();
        old.display_name = Some("Old".into());
        let identity = |at: &str| Identity {
            target: old.clone(),
            time: t(at),
            file: kept.source.file.clone(),
            record: 0,
        };
        let kb = Knowledge::builtin();
        let label = |ids: Vec<Identity>| {
            let snap = Snapshot {
                identities: ids,
                ..Default::default()
            };
            let events = [kept.clone()];
            let ctx = Ctx::new(&events, &snap, &kb, t("2026-10-06T00:00:00Z"));
            ctx.group_label(&gid("team"))
        };
        assert_eq!(label(vec![]), "New");
        assert_eq!(label(vec![identity("2026-10-05T08:00:00Z")]), "Old");
        assert_eq!(label(vec![identity("2026-10-05T10:00:00Z")]), "New");
        assert_eq!(label(vec![identity("2026-10-07T00:00:00Z")]), "New");
    }

    /// The audit index (`AuditUser`, `AuditGroup`): an event is listed once per user and group
    /// however many of its targets name them; a user's labels are the latest seen (a UPN-only
    /// target of a user named by id before counts for that user; a renamed user is shown by its
    /// name now), a group's the first; a blank name is no name; identities give labels, never
    /// events.
    #[test]
    fn audit_index_lists_each_event_once_and_keeps_the_latest_user_labels() {
        let kb = Knowledge::builtin();
        let mut first = add_member("ana", "team", "2026-10-05T09:00:00Z", admin("zoe"));
        first.targets[0].display_name = Some("Ana".into());
        first.targets[1].display_name = Some("  ".into());
        // the same user twice (by id, then by UPN only), the same group twice
        let mut by_upn = first.targets[0].clone();
        by_upn.id = None;
        by_upn.display_name = Some("Ana Later".into());
        let mut named = first.targets[1].clone();
        named.display_name = Some("Team".into());
        first.targets = first
            .targets
            .iter()
            .cloned()
            .chain([by_upn, named])
            .collect();
        let mut second = add_member("ana", "team", "2026-10-05T10:00:00Z", admin("zoe"));
        second.targets[1].display_name = Some("Team Renamed".into());
        second.source.record = 1;
        let only_named = Identity {
            target: user_target("bo"),
            time: t("2026-10-05T08:00:00Z"),
            file: first.source.file.clone(),
            record: 7,
        };
        let snap = Snapshot {
            identities: vec![only_named],
            ..Default::default()
        };
        let events = [first, second];
        let ctx = Ctx::new(&events, &snap, &kb, t("2026-10-06T00:00:00Z"));
        let ana = UKey::Id(crate::diagnose::testkit::uid("ana"));
        assert_eq!(ctx.user_events(&ana), &[0, 1]);
        assert_eq!(ctx.group_events(&gid("team")), &[0, 1]);
        let r = ctx.user_ref(&ana);
        assert_eq!(r.display_name.as_deref(), Some("Ana Later"));
        assert!(r.upn.as_deref().is_some_and(|u| u.starts_with("ana@")));
        assert_eq!(ctx.group_name(&gid("team")).as_deref(), Some("Team"));
        let bo = UKey::Id(crate::diagnose::testkit::uid("bo"));
        assert!(ctx.user_events(&bo).is_empty());
        assert!(ctx
            .user_ref(&bo)
            .upn
            .as_deref()
            .is_some_and(|u| u.starts_with("bo@")));
        assert_eq!(ctx.group_name(&gid("nobody")), None);
    }

    /// Each user's events are its own, in reading order, however the users' events interleave
    /// (the index keeps them for all users in one list, user after user).
    #[test]
    fn audit_index_keeps_each_users_events_in_order_when_they_interleave() {
        let kb = Knowledge::builtin();
        let names = ["ana", "bo", "ana", "cy", "bo", "ana"];
        let events: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut e = add_member(n, "team", &format!("2026-10-05T09:0{i}:00Z"), admin("zoe"));
                e.source.record = i as u64;
                e
            })
            .collect();
        let snap = Snapshot::default();
        let ctx = Ctx::new(&events, &snap, &kb, t("2026-10-06T00:00:00Z"));
        let of = |n: &str| {
            ctx.user_events(&UKey::Id(crate::diagnose::testkit::uid(n)))
                .to_vec()
        };
        assert_eq!(of("ana"), vec![0, 2, 5]);
        assert_eq!(of("bo"), vec![1, 4]);
        assert_eq!(of("cy"), vec![3]);
        assert!(of("dee").is_empty());
        assert_eq!(ctx.group_events(&gid("team")), &[0, 1, 2, 3, 4, 5]);
    }

    /// A user named by UPN alone resolves to the id any target pairs with that UPN, also one
    /// read later (the alias table is built on first use, from the whole reading order); a UPN
    /// no target pairs with stays a UPN key.
    #[test]
    fn upn_only_targets_resolve_through_aliases_seen_later() {
        let kb = Knowledge::builtin();
        let mut early = add_member("ana", "team", "2026-10-05T09:00:00Z", admin("zoe"));
        early.targets[0].id = None;
        early.targets[0].upn = early.targets[0]
            .upn
            .as_deref()
            .map(|u| u.to_uppercase().into());
        let mut later = add_member("ana", "team", "2026-10-05T10:00:00Z", admin("zoe"));
        later.source.record = 1;
        let mut stranger = add_member("cy", "team", "2026-10-05T11:00:00Z", admin("zoe"));
        stranger.targets[0].id = None;
        stranger.source.record = 2;
        let cy_upn = stranger.targets[0].upn.clone().expect("the stranger's UPN");
        let events = [early, later, stranger];
        let snap = Snapshot::default();
        let ctx = Ctx::new(&events, &snap, &kb, t("2026-10-06T00:00:00Z"));
        let ana = UKey::Id(crate::diagnose::testkit::uid("ana"));
        assert_eq!(ctx.user_events(&ana), &[0, 1]);
        assert_eq!(
            ctx.user_events(&UKey::Upn(cy_upn.to_lowercase().into())),
            &[2]
        );
        assert_eq!(ctx.group_events(&gid("team")), &[0, 1, 2]);
    }

    /// `index_users` with snapshot users: a snapshot user named by id or by UPN alone has its
    /// events (the first of two users with one id holds them), one the log does not name has
    /// none, a user the snapshot does not have has its events and its audit label, and one named
    /// only by an identity has its label and no events.
    #[test]
    fn audit_index_with_snapshot_users() {
        use crate::diagnose::testkit::uid;
        let kb = Knowledge::builtin();
        let ana = user("ana");
        let mut twin = user("ana");
        twin.upn = Some("twin@fabrikam.example".into());
        let snap_users = vec![ana, user("bo"), user("dee"), twin];
        let mut by_upn = add_member("bo", "team", "2026-10-05T09:01:00Z", admin("zoe"));
        by_upn.targets[0].id = None;
        let mut events = vec![
            add_member("ana", "team", "2026-10-05T09:00:00Z", admin("zoe")),
            by_upn,
            add_member("cy", "team", "2026-10-05T09:02:00Z", admin("zoe")),
            add_member("ana", "team", "2026-10-05T09:03:00Z", admin("zoe")),
        ];
        for (i, e) in events.iter_mut().enumerate() {
            e.source.record = i as u64;
        }
        let snap = Snapshot {
            users: snap_users,
            identities: vec![Identity {
                target: user_target("fay"),
                time: t("2026-10-05T08:00:00Z"),
                file: events[0].source.file.clone(),
                record: 9,
            }],
            ..Default::default()
        };
        let ctx = Ctx::new(&events, &snap, &kb, t("2026-10-06T00:00:00Z"));
        let of = |n: &str| ctx.user_events(&UKey::Id(uid(n))).to_vec();
        assert_eq!(of("ana"), vec![0, 3]);
        assert_eq!(of("bo"), vec![1]);
        assert_eq!(of("cy"), vec![2]);
        assert!(of("dee").is_empty());
        assert!(of("fay").is_empty());
        let label = |n: &str| ctx.user_ref(&UKey::Id(uid(n))).upn.map(|u| u.to_string());
        assert_eq!(label("cy").as_deref(), Some("cy@fabrikam.example"));
        assert_eq!(label("fay").as_deref(), Some("fay@fabrikam.example"));
    }
}
