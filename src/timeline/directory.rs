//! Who is who in the timeline: users and groups indexed from the snapshot and the audit targets, so
//! an event naming a user by UPN and another by object id land on the same person, `--user` and
//! `--group` resolve to one object, and membership events are kept only for licensing groups.

use super::model::{GroupRef, UserKey};
use crate::model::finding::UserRef;
use crate::model::snapshot::{in_reading_order, Seen, Snapshot};
use crate::model::{Activity, AuditEvent, ObjectId, Target, TargetKind, ThinStr};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Default)]
struct UserInfo {
    id: Option<ObjectId>,
    /// The user's latest UPN ([`Directory::learn_user`]).
    upn: Option<String>,
    /// When the audit log gave `upn`: `None` when the snapshot gave it.
    upn_at: Option<DateTime<Utc>>,
    /// The other UPNs the inputs gave the user (from before a rename), in the order first seen.
    former: Vec<String>,
    display_name: Option<String>,
}

/// The users and groups the inputs name.
#[derive(Default)]
pub struct Directory {
    users: BTreeMap<UserKey, UserInfo>,
    /// lower-cased UPN -> object id.
    upn_to_id: HashMap<String, ObjectId>,
    groups: BTreeMap<ObjectId, Option<String>>,
    /// Every display name an input gave a group (lower-cased), with the groups it named: a name from
    /// before a rename still finds the group the snapshot names by its new one.
    group_names: BTreeMap<String, BTreeSet<ObjectId>>,
    licensing_groups: BTreeSet<ObjectId>,
    /// The snapshot's latest license-state update: its export time is not in it, and this stands
    /// for it (`None`: no time, and the snapshot is taken as the newest input).
    snapshot_time: Option<DateTime<Utc>>,
}

/// Why `--user` / `--group` did not resolve to one object.
pub enum Lookup<T> {
    Found(T),
    NotFound { suggestions: Vec<String> },
    Ambiguous { candidates: Vec<String> },
}

impl Directory {
    pub fn new(events: &[AuditEvent], snap: &Snapshot) -> Directory {
        let mut d = Directory {
            snapshot_time: snap
                .users
                .iter()
                .flat_map(|u| u.license_states.iter())
                .filter_map(|st| st.last_updated)
                .max(),
            ..Directory::default()
        };
        for u in &snap.users {
            if let Some(upn) = &u.upn {
                d.upn_to_id
                    .entry(upn.trim().to_lowercase())
                    .or_insert_with(|| u.id.clone());
            }
        }
        // names and aliases: the first seen wins, in reading order, counting the identities of
        // membership changes that were not kept as if they had been (a user's UPN: the latest,
        // [`Directory::learn_user`])
        let order = in_reading_order(events, &snap.identities, None);
        let targets_of = |s: Seen| match s {
            Seen::Event(i) => &events[i as usize].targets[..],
            Seen::Identity(j) => std::slice::from_ref(&snap.identities[j as usize].target),
        };
        let time_of = |s: Seen| match s {
            Seen::Event(i) => events[i as usize].time,
            Seen::Identity(j) => snap.identities[j as usize].time,
        };
        for t in order.iter().flat_map(|&s| targets_of(s)) {
            if t.kind == TargetKind::User {
                if let (Some(id), Some(upn)) = (&t.id, &t.upn) {
                    d.upn_to_id
                        .entry(upn.trim().to_lowercase())
                        .or_insert_with(|| id.clone());
                }
            }
        }
        for u in &snap.users {
            d.learn_user(
                Some(&u.id),
                u.upn.as_deref(),
                u.display_name.as_deref(),
                None,
            );
        }
        for g in &snap.groups {
            d.groups
                .entry(g.id.clone())
                .or_insert_with(|| g.display_name.clone());
            d.name_group(&g.id, g.display_name.as_deref());
            if !g.assigned_licenses.is_empty() {
                d.licensing_groups.insert(g.id.clone());
            }
        }
        for u in &snap.users {
            for st in &u.license_states {
                if let Some(g) = &st.assigned_by_group {
                    d.licensing_groups.insert(g.clone());
                }
            }
        }
        for &s in &order {
            for t in targets_of(s) {
                d.learn_target(t, time_of(s));
            }
        }
        for e in events {
            let group_licensing = matches!(
                e.activity,
                Activity::SetGroupLicense
                    | Activity::StartApplyingGroupLicense
                    | Activity::FinishApplyingGroupLicense
                    | Activity::TriggerGroupLicenseRecalculation
            );
            if group_licensing {
                if let Some(id) = e.target(TargetKind::Group).and_then(|t| t.id.clone()) {
                    d.licensing_groups.insert(id);
                }
            }
        }
        d
    }

    /// A user's or a group's id and names, from an event target or an identity (recorded `at`).
    fn learn_target(&mut self, t: &Target, at: DateTime<Utc>) {
        match t.kind {
            TargetKind::User => self.learn_user(
                t.id.as_ref(),
                t.upn.as_deref(),
                t.display_name.as_deref(),
                Some(at),
            ),
            TargetKind::Group => {
                if let Some(id) = &t.id {
                    let name = self.groups.entry(id.clone()).or_default();
                    if name.is_none() {
                        *name = t.display_name.as_deref().map(String::from);
                    }
                    self.name_group(id, t.display_name.as_deref());
                }
            }
            _ => {}
        }
    }

    fn name_group(&mut self, id: &ObjectId, name: Option<&str>) {
        if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
            self.group_names
                .entry(n.to_lowercase())
                .or_default()
                .insert(id.clone());
        }
    }

    /// A user's id and names, from the snapshot (`at`: `None`) or an audit record written `at`.
    /// The first display name wins; the UPN is the latest the inputs give the user's object id: a
    /// later audit record's over an earlier one's (a rename), the snapshot's unless an audit
    /// record after the snapshot's latest update names another. The others are kept as the
    /// user's former UPNs.
    fn learn_user(
        &mut self,
        id: Option<&ObjectId>,
        upn: Option<&str>,
        name: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) {
        let Some(k) = self.key(id, upn) else { return };
        let snapshot_time = self.snapshot_time;
        let info = self.users.entry(k).or_default();
        if info.id.is_none() {
            info.id = id.cloned();
        }
        let nonempty =
            |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        if let Some(new) = nonempty(upn) {
            let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
            match info.upn.take() {
                None => {
                    info.upn = Some(new);
                    info.upn_at = at;
                }
                Some(cur) if same(&cur, &new) => {
                    // the audit log names the UPN again: it is current at least until then
                    if info.upn_at.is_some() {
                        info.upn_at = info.upn_at.max(at);
                    }
                    info.upn = Some(cur);
                }
                Some(cur) => {
                    let newer = match (at, info.upn_at) {
                        (Some(t), Some(c)) => t >= c,
                        // over the snapshot's: only an audit record after it
                        (Some(t), None) => snapshot_time.is_some_and(|s| t > s),
                        (None, _) => false,
                    };
                    let (current, other) = if newer { (new, cur) } else { (cur, new) };
                    if newer {
                        info.upn_at = at;
                    }
                    // a UPN that is current again is no longer a former one
                    info.former.retain(|f| !same(f, &current));
                    if !info.former.iter().any(|f| same(f, &other)) {
                        info.former.push(other);
                    }
                    info.upn = Some(current);
                }
            }
        }
        if info.display_name.is_none() {
            info.display_name = nonempty(name);
        }
    }

    /// The key of a user named by id and/or UPN.
    pub fn key(&self, id: Option<&ObjectId>, upn: Option<&str>) -> Option<UserKey> {
        if let Some(id) = id {
            return Some(UserKey::Id(id.clone()));
        }
        let upn = upn
            .map(|u| u.trim().to_lowercase())
            .filter(|u| !u.is_empty())?;
        Some(match self.upn_to_id.get(&upn) {
            Some(id) => UserKey::Id(id.clone()),
            None => UserKey::Upn(upn),
        })
    }

    pub fn user_ref(&self, k: &UserKey) -> UserRef {
        match self.users.get(k) {
            Some(i) => UserRef {
                id: i.id.clone(),
                upn: i.upn.as_deref().map(ThinStr::from),
                display_name: i.display_name.as_deref().map(Box::from),
            },
            None => match k {
                UserKey::Id(id) => UserRef {
                    id: Some(id.clone()),
                    upn: None,
                    display_name: None,
                },
                UserKey::Upn(u) => UserRef {
                    id: None,
                    upn: Some(ThinStr::from(u.as_str())),
                    display_name: None,
                },
            },
        }
    }

    /// The UPNs the inputs gave the user before their latest one (a rename), in the order first
    /// seen.
    pub fn former_upns(&self, k: &UserKey) -> Vec<String> {
        self.users
            .get(k)
            .map(|i| i.former.clone())
            .unwrap_or_default()
    }

    /// The key of a user as a finding names them.
    pub fn key_of_ref(&self, u: &UserRef) -> Option<UserKey> {
        self.key(u.id.as_ref(), u.upn.as_deref())
    }

    pub fn group_ref(&self, id: &ObjectId) -> GroupRef {
        GroupRef {
            id: Some(id.clone()),
            name: self.groups.get(id).cloned().flatten(),
        }
    }

    /// Whether the group assigns licenses (snapshot) or has licensing activity (audit log).
    pub fn is_licensing_group(&self, id: &ObjectId) -> bool {
        self.licensing_groups.contains(id)
    }

    /// `--user ID|UPN`: an object id or a UPN (case-insensitive) the inputs name.
    pub fn find_user(&self, text: &str) -> Lookup<UserKey> {
        let t = text.trim();
        let lower = t.to_lowercase();
        if let Some(id) = ObjectId::parse(t) {
            let k = UserKey::Id(id);
            if self.users.contains_key(&k) {
                return Lookup::Found(k);
            }
        }
        let hits: Vec<&UserKey> = self
            .users
            .iter()
            .filter(|(_, i)| i.upn.as_deref().is_some_and(|u| u.to_lowercase() == lower))
            .map(|(k, _)| k)
            .collect();
        // a UPN the user had before a rename: an audit target names it beside the user's id
        let renamed = self
            .upn_to_id
            .get(&lower)
            .map(|id| UserKey::Id(id.clone()))
            .filter(|k| hits.is_empty() && self.users.contains_key(k));
        if let Some(k) = renamed {
            return Lookup::Found(k);
        }
        match hits.as_slice() {
            [one] => Lookup::Found((*one).clone()),
            // every UPN the inputs know, former ones included (each still finds its user)
            [] => Lookup::NotFound {
                suggestions: near_misses(
                    &lower,
                    self.users
                        .values()
                        .flat_map(|i| i.upn.iter().chain(i.former.iter()).cloned()),
                ),
            },
            many => Lookup::Ambiguous {
                candidates: many.iter().map(|k| self.user_ref(k).label()).collect(),
            },
        }
    }

    /// `--group ID|NAME`: an object id or a display name (case-insensitive) the inputs name.
    pub fn find_group(&self, text: &str) -> Lookup<ObjectId> {
        let t = text.trim();
        if let Some(id) = ObjectId::parse(t) {
            if self.groups.contains_key(&id) {
                return Lookup::Found(id);
            }
        }
        let lower = t.to_lowercase();
        let hits: Vec<&ObjectId> = self
            .groups
            .iter()
            .filter(|(_, n)| {
                n.as_deref()
                    .is_some_and(|n| n.trim().to_lowercase() == lower)
            })
            .map(|(id, _)| id)
            .collect();
        // a name the group had before a rename: an audit target names it beside the group's id
        let former: Vec<&ObjectId> = match hits.is_empty() {
            true => self.group_names.get(&lower).into_iter().flatten().collect(),
            false => Vec::new(),
        };
        let hits = if hits.is_empty() { former } else { hits };
        match hits.as_slice() {
            [one] => Lookup::Found((*one).clone()),
            [] => Lookup::NotFound {
                suggestions: near_misses(&lower, self.groups.values().filter_map(|n| n.clone())),
            },
            many => Lookup::Ambiguous {
                candidates: many.iter().map(|id| id.to_string()).collect(),
            },
        }
    }
}

/// At most this many "did you mean" suggestions.
const MAX_SUGGESTIONS: usize = 3;

/// The names a `--user` / `--group` text that matched nothing may have meant (`lower`: the text,
/// lower-cased): those within a few typos of it (edit distance at most 2, or 20% of the text's
/// length for a long one, and never half of it), only the closest of them, then those that
/// contain it (a bare name for a UPN); at most [`MAX_SUGGESTIONS`], each once.
fn near_misses(lower: &str, names: impl Iterator<Item = String>) -> Vec<String> {
    let len = lower.chars().count();
    if len == 0 {
        return Vec::new();
    }
    let allowed = (len / 5).max(2).min(len / 2);
    // (rank: distance, or past every distance for a containing name; name)
    let mut hits: Vec<(usize, String)> = names
        .filter_map(|n| {
            let l = n.trim().to_lowercase();
            // the distance is at least the difference of the lengths: skip the far ones cheaply
            if l.chars().count().abs_diff(len) <= allowed {
                let d = strsim::levenshtein(lower, &l);
                if d <= allowed {
                    return Some((d, n));
                }
            }
            l.contains(lower).then_some((usize::MAX, n))
        })
        .collect();
    hits.sort();
    // only the closest typos: one letter off beats five
    let best = hits.first().map_or(usize::MAX, |h| h.0);
    hits.retain(|h| h.0 == best || h.0 == usize::MAX);
    let mut out: Vec<String> = Vec::new();
    for (_, n) in hits {
        if !out.contains(&n) {
            out.push(n);
        }
        if out.len() == MAX_SUGGESTIONS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::User;
    use crate::model::SourceRef;

    fn user(id: &str, upn: &str) -> User {
        User {
            id: ObjectId::parse(id).expect("id"),
            upn: Some(upn.into()),
            display_name: None,
            account_enabled: None,
            usage_location: None,
            mail: None,
            proxy_addresses: Default::default(),
            on_premises_sync_enabled: None,
            assigned_licenses: Vec::new().into(),
            license_states: vec![].into(),
            source: SourceRef {
                file: "users.json".into(),
                record: 1,
                line: crate::model::event::Line::NONE,
            },
        }
    }

    #[test]
    fn upn_and_id_are_the_same_user() {
        let snap = Snapshot {
            users: vec![
                user("AAAA-1", "Rosa@Example.com"),
                user("bbbb-2", "rosalind@example.com"),
            ],
            ..Default::default()
        };
        let d = Directory::new(&[], &snap);
        let id = UserKey::Id(ObjectId::parse("aaaa-1").expect("id"));
        assert_eq!(d.key(None, Some("ROSA@example.com")), Some(id.clone()));
        assert!(matches!(d.find_user("rosa@EXAMPLE.com"), Lookup::Found(k) if k == id));
        assert!(matches!(d.find_user("AAAA-1"), Lookup::Found(k) if k == id));
        match d.find_user("rosa") {
            Lookup::NotFound { suggestions } => assert_eq!(suggestions.len(), 2),
            _ => panic!("a bare name is not a UPN"),
        }
    }

    /// A UPN the log names from before a rename finds the user the snapshot names by its new one.
    #[test]
    fn a_upn_before_a_rename_is_the_same_user() {
        use crate::diagnose::testkit::{event, uid, user_target, DOMAIN};
        use crate::model::{Activity, Actor, Outcome};
        let mut renamed = user("aaaa-1", "kai.tanaka@x.example");
        renamed.id = uid("kai");
        let snap = Snapshot {
            users: vec![renamed],
            ..Default::default()
        };
        let e = event(
            Activity::ChangeUserLicense,
            "2026-10-06T08:00:00Z",
            Outcome::Failure,
            Actor::GroupBasedLicensing,
            vec![user_target("kai")],
        );
        let d = Directory::new(&[e], &snap);
        let old = format!("KAI@{DOMAIN}");
        assert!(matches!(d.find_user(&old), Lookup::Found(k) if k == UserKey::Id(uid("kai"))));
        assert!(matches!(
            d.find_user("kai.tanaka@x.example"),
            Lookup::Found(_)
        ));
    }

    /// Review C finding 1: a user renamed in the audit log is named by the latest UPN the log
    /// gives their object id (the older one is a former UPN, which still finds them); the
    /// snapshot's UPN wins unless the log names another after the snapshot's latest update; "did
    /// you mean" weighs every UPN, former ones included, and picks the closest.
    #[test]
    fn the_latest_upn_names_a_renamed_user() {
        use crate::diagnose::testkit::{event, uid};
        use crate::model::{Activity, Actor, Outcome};
        let named = |at: &str, upn: &str| {
            let mut t = crate::diagnose::testkit::user_target("sam");
            t.upn = Some(upn.into());
            event(
                Activity::ChangeUserLicense,
                at,
                Outcome::Success,
                Actor::GroupBasedLicensing,
                vec![t],
            )
        };
        let sam = UserKey::Id(uid("sam"));
        let upn = |d: &Directory| d.user_ref(&sam).upn.map(|u| u.to_string());
        let events = [
            named("2026-10-06T08:00:00Z", "sam.old@x.example"),
            named("2026-10-06T09:00:00Z", "sam.new@x.example"),
            named("2026-10-06T10:00:00Z", "sam.new@x.example"),
        ];
        let d = Directory::new(&events, &Snapshot::default());
        assert_eq!(upn(&d).as_deref(), Some("sam.new@x.example"));
        assert_eq!(d.former_upns(&sam), ["sam.old@x.example"]);
        for asked in ["sam.old@x.example", "Sam.New@x.example"] {
            assert!(
                matches!(d.find_user(asked), Lookup::Found(k) if k == sam),
                "{asked}"
            );
        }
        let sugg = |d: &Directory, t: &str| match d.find_user(t) {
            Lookup::NotFound { suggestions } => suggestions,
            _ => panic!("{t} is no UPN"),
        };
        assert_eq!(sugg(&d, "sam.nwe@x.example"), ["sam.new@x.example"]);
        assert_eq!(sugg(&d, "sam.olf@x.example"), ["sam.old@x.example"]);
        // read in another order, the latest record still wins
        let reversed: Vec<_> = events.iter().rev().cloned().collect();
        let d = Directory::new(&reversed, &Snapshot::default());
        assert_eq!(upn(&d).as_deref(), Some("sam.new@x.example"));

        // the snapshot (latest update 09:30) names sam.snap: a record before it does not win
        let mut u = user("aaaa-1", "sam.snap@x.example");
        u.id = uid("sam");
        let mut state = crate::diagnose::testkit::ok(
            crate::diagnose::testkit::E3,
            None,
            "2026-10-06T09:30:00Z",
        );
        state.assigned_by_group = None;
        u.license_states = vec![state].into();
        let snap = Snapshot {
            users: vec![u],
            ..Default::default()
        };
        let d = Directory::new(&events[..2], &snap);
        assert_eq!(upn(&d).as_deref(), Some("sam.snap@x.example"));
        assert_eq!(
            d.former_upns(&sam),
            ["sam.old@x.example", "sam.new@x.example"]
        );
        // a record after it does
        let d = Directory::new(&events, &snap);
        assert_eq!(upn(&d).as_deref(), Some("sam.new@x.example"));
        assert_eq!(
            d.former_upns(&sam),
            ["sam.old@x.example", "sam.snap@x.example"]
        );
    }

    /// A group name the log gives from before a rename finds the group the snapshot names by its
    /// new one; the current name still wins over another group's former name.
    #[test]
    fn a_group_name_before_a_rename_is_the_same_group() {
        use crate::diagnose::testkit::{event, gid, group, group_target};
        use crate::model::{Activity, Actor, Outcome};
        let mut renamed = group("LIC-E3", &[]);
        renamed.display_name = Some("LIC-O365-E3".into());
        let other = group("LIC-Old", &[]);
        let snap = Snapshot {
            groups: vec![renamed, other],
            ..Default::default()
        };
        let start = |name: &str| {
            event(
                Activity::StartApplyingGroupLicense,
                "2026-10-06T08:00:00Z",
                Outcome::Success,
                Actor::GroupBasedLicensing,
                vec![group_target(name)],
            )
        };
        // LIC-Old's record names it "LIC-O365-E3" too (a name it had): the current name wins
        let mut old_name = start("LIC-Old");
        old_name.targets[0].display_name = Some("LIC-O365-E3".into());
        let d = Directory::new(&[start("LIC-E3"), old_name], &snap);
        assert!(matches!(d.find_group("lic-e3"), Lookup::Found(g) if g == gid("LIC-E3")));
        assert!(matches!(d.find_group("LIC-O365-E3"), Lookup::Found(g) if g == gid("LIC-E3")));
        assert!(matches!(d.find_group("LIC-Old"), Lookup::Found(g) if g == gid("LIC-Old")));
    }

    /// Review finding 6: a typo gets "did you mean", not only a part of a UPN or name.
    #[test]
    fn near_misses_are_typos_or_parts() {
        let snap = Snapshot {
            users: vec![
                user("aaaa-1", "rosa.delgado@fabrikam.example"),
                user("bbbb-2", "rosalind@fabrikam.example"),
                user("cccc-3", "mateo.rossi@fabrikam.example"),
            ],
            ..Default::default()
        };
        let d = Directory::new(&[], &snap);
        let sugg = |t: &str| match d.find_user(t) {
            Lookup::NotFound { suggestions } => suggestions,
            _ => panic!("{t} is no UPN"),
        };
        // a letter left out, two letters swapped, a letter wrong and the case
        for typo in [
            "rosa.delgad@fabrikam.example",
            "rosa.delgado@fabrikam.exmaple",
            "Rosa.Delgadi@Fabrikam.example",
        ] {
            assert_eq!(sugg(typo), ["rosa.delgado@fabrikam.example"], "{typo}");
        }
        // far from every UPN: nothing
        assert!(sugg("someone.else@contoso.example").is_empty());
        // a part: both that contain it, at most three
        assert_eq!(sugg("rosa").len(), 2);
        assert_eq!(sugg("fabrikam").len(), 3);
        // group names: a dash left out; short texts allow fewer typos
        let groups = || ["LIC-O365-E3", "LIC-O365-E5", "LIC-PowerBI"].map(String::from);
        assert_eq!(
            near_misses("lic-o365e3", groups().into_iter()),
            ["LIC-O365-E3"]
        );
        assert!(near_misses("ab", ["cd".to_string()].into_iter()).is_empty());
    }
}
