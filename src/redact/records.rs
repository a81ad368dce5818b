//! Field-by-field redaction of what ingestion produced: audit events (actors, targets, modified
//! properties, additional details, error texts), the snapshot (users, groups, reported errors) and
//! the per-input reports (issue details). Structured fields get their pseudonym directly; free text
//! goes through the [`Scrubber`]. Ids (GUIDs), SKUs, plans and times are kept.

use super::text::{is_address, Scrubber};
use crate::ingest::InputReport;
use crate::model::event::{Actor, AppActor, AuditEvent, ModifiedProperty, Target, UserActor};
use crate::model::hash::HashMap;
use crate::model::snapshot::{AssignedBy, Group, ReportedError, Snapshot, User};
use crate::model::ThinStr;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Whether a modified property or additional detail carries a display name (its value is a name,
/// not free text): `DisplayName`, `Group.DisplayName`, `TargetId.DisplayName`, `GivenName`, ...
pub fn is_name_key(key: &str) -> bool {
    let k = key.trim().to_ascii_lowercase();
    let last = k.rsplit('.').next().unwrap_or(&k);
    last.ends_with("displayname")
        || matches!(
            last,
            "givenname" | "surname" | "mailnickname" | "groupname" | "username" | "name"
        )
}

/// Values that mean "nothing" and are kept as written.
fn is_empty_value(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "" | "null" | "none" | "[]" | "\"\"" | "<null>"
    )
}

/// The display names a name-valued property holds: a JSON array of strings, a JSON string, or text.
pub fn names_in_value(v: &str) -> Vec<String> {
    if is_empty_value(v) {
        return Vec::new();
    }
    match serde_json::from_str::<serde_json::Value>(v.trim()) {
        Ok(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .filter(|s| !is_empty_value(s))
            .map(str::to_string)
            .collect(),
        Ok(serde_json::Value::String(s)) if !is_empty_value(&s) => vec![s],
        Ok(_) => Vec::new(),
        Err(_) => vec![v.trim().to_string()],
    }
}

/// A name-valued property value with each name replaced (addresses get the address pseudonym).
fn name_value(s: &Scrubber, v: &str) -> String {
    if is_empty_value(v) {
        return v.to_string();
    }
    let one = |x: &str| {
        if is_address(x) {
            s.pseudonyms().proxy(x)
        } else {
            s.pseudonyms().name(x)
        }
    };
    match serde_json::from_str::<serde_json::Value>(v.trim()) {
        Ok(serde_json::Value::Array(a)) => {
            let mapped: Vec<serde_json::Value> = a
                .into_iter()
                .map(|x| match x {
                    serde_json::Value::String(t) if !is_empty_value(&t) => {
                        serde_json::Value::String(one(&t))
                    }
                    other => other,
                })
                .collect();
            serde_json::to_string(&mapped).unwrap_or_else(|_| s.text(v))
        }
        Ok(serde_json::Value::String(t)) => {
            serde_json::to_string(&one(&t)).unwrap_or_else(|_| s.text(v))
        }
        Ok(_) => s.text(v),
        Err(_) => one(v),
    }
}

fn opt_text<T: std::ops::Deref<Target = str> + From<String>>(s: &Scrubber, v: &mut Option<T>) {
    if let Some(t) = v {
        *t = s.text(t).into();
    }
}

fn opt_with<T: std::ops::Deref<Target = str> + From<String>>(
    v: &mut Option<T>,
    f: impl Fn(&str) -> String,
) {
    if let Some(t) = v {
        if !t.trim().is_empty() {
            *t = f(t).into();
        }
    }
}

fn property(s: &Scrubber, p: &mut ModifiedProperty) {
    let by_name = is_name_key(&p.name);
    for t in [&mut p.old, &mut p.new].into_iter().flatten() {
        *t = if by_name { name_value(s, t) } else { s.text(t) };
    }
}

/// The redacted actors and target labels of a run's events, each made once and shared by every
/// event that names it, as ingestion shares the originals (`Actor::user`, `ids::label`): made per
/// event, the copies of a 100k-user tenant's 133k kept events were about 18 MB more at the peak.
#[derive(Default)]
pub struct Shared {
    users: HashMap<Arc<UserActor>, Arc<UserActor>>,
    apps: HashMap<Arc<AppActor>, Arc<AppActor>>,
    addresses: HashMap<ThinStr, ThinStr>,
    names: HashMap<ThinStr, ThinStr>,
}

impl Shared {
    /// Every distinct actor and target label of `events` and of the snapshot's identities,
    /// redacted.
    pub fn new(s: &Scrubber, events: &[AuditEvent], snap: &Snapshot) -> Shared {
        let mut sh = Shared::default();
        for i in &snap.identities {
            sh.labels(s, &i.target);
        }
        for e in events {
            match &e.actor {
                Actor::User(u) if !sh.users.contains_key(u) => {
                    let mut r = Actor::User(u.clone());
                    actor(s, &mut r);
                    if let Actor::User(r) = r {
                        sh.users.insert(u.clone(), r);
                    }
                }
                Actor::App(a) if !sh.apps.contains_key(a) => {
                    let mut r = Actor::App(a.clone());
                    actor(s, &mut r);
                    if let Actor::App(r) = r {
                        sh.apps.insert(a.clone(), r);
                    }
                }
                _ => {}
            }
            for t in e.targets.iter() {
                sh.labels(s, t);
            }
        }
        sh
    }

    fn labels(&mut self, s: &Scrubber, t: &Target) {
        let p = s.pseudonyms();
        if let Some(u) = t.upn.as_ref().filter(|u| !u.trim().is_empty()) {
            if !self.addresses.contains_key(u) {
                self.addresses
                    .insert(u.clone(), ThinStr::from(p.address(u)));
            }
        }
        if let Some(n) = t.display_name.as_ref().filter(|n| !n.trim().is_empty()) {
            if !self.names.contains_key(n) {
                self.names.insert(n.clone(), ThinStr::from(p.name(n)));
            }
        }
    }
}

fn target(s: &Scrubber, sh: &Shared, t: &mut Target) {
    let p = s.pseudonyms();
    match t.upn.as_ref().and_then(|u| sh.addresses.get(u)) {
        Some(r) => t.upn = Some(r.clone()),
        None => opt_with(&mut t.upn, |x| p.address(x)),
    }
    match t.display_name.as_ref().and_then(|n| sh.names.get(n)) {
        Some(r) => t.display_name = Some(r.clone()),
        None => opt_with(&mut t.display_name, |x| p.name(x)),
    }
}

/// An event's actor: the shared redacted one when [`Shared`] has it.
fn shared_actor(s: &Scrubber, sh: &Shared, a: &mut Actor) {
    match a {
        Actor::User(u) => {
            if let Some(r) = sh.users.get(u) {
                *u = r.clone();
                return;
            }
        }
        Actor::App(x) => {
            if let Some(r) = sh.apps.get(x) {
                *x = r.clone();
                return;
            }
        }
        Actor::GroupBasedLicensing | Actor::Unknown => return,
    }
    actor(s, a);
}

fn actor(s: &Scrubber, a: &mut Actor) {
    let p = s.pseudonyms();
    // an actor is shared by the events it ran (`Actor::user`): [`Shared`] makes each redacted
    // actor once; here a shared one is copied
    match a {
        Actor::User(u) => {
            let u = std::sync::Arc::make_mut(u);
            opt_with(&mut u.upn, |x| p.address(x));
            opt_with(&mut u.display_name, |x| p.name(x));
            opt_with(&mut u.ip, |x| p.ip(x));
        }
        Actor::App(a) => opt_with(&mut std::sync::Arc::make_mut(a).name, |x| p.name(x)),
        Actor::GroupBasedLicensing | Actor::Unknown => {}
    }
}

/// Redacts one audit event in place; `sh`: the run's shared actors and labels
/// ([`Shared::new`] of the same events).
pub fn event(s: &Scrubber, sh: &Shared, e: &mut AuditEvent) {
    shared_actor(s, sh, &mut e.actor);
    for t in &mut e.targets {
        target(s, sh, t);
    }
    opt_text(s, &mut e.extra.result_reason);
    for m in e.extra.modified.iter_mut().flatten() {
        property(s, m);
    }
    for (k, v) in &mut e.extra.additional_details {
        *v = if is_name_key(k) {
            name_value(s, v)
        } else {
            s.text(v)
        };
    }
    if let Some(rule) = e.extra.group_change.as_mut().and_then(|c| c.rule.as_mut()) {
        // a rule can name people (`user.userPrincipalName -eq "ana@contoso.com"`)
        opt_text(s, &mut rule.old);
        opt_text(s, &mut rule.new);
    }
    for err in &mut e.extra.errors {
        let err = Arc::make_mut(err);
        err.text = s.error_text(&err.text).into();
        opt_with(&mut err.address, |x| s.pseudonyms().proxy(x));
    }
    // changed through the event, extras it had none of were boxed empty
    e.extra.tidy();
}

fn user(s: &Scrubber, u: &mut User) {
    let p = s.pseudonyms();
    opt_with(&mut u.upn, |x| p.address(x));
    opt_with(&mut u.display_name, |x| p.name(x));
    opt_with(&mut u.mail, |x| p.address(x));
    u.proxy_addresses = u.proxy_addresses.iter().map(|a| p.proxy(a)).collect();
}

fn group(s: &Scrubber, g: &mut Group) {
    let p = s.pseudonyms();
    opt_with(&mut g.display_name, |x| p.name(x));
    opt_with(&mut g.mail, |x| p.address(x));
    for a in &mut g.proxy_addresses {
        *a = p.proxy(a);
    }
    opt_text(s, &mut g.membership_rule);
}

fn reported(s: &Scrubber, r: &mut ReportedError) {
    let p = s.pseudonyms();
    opt_with(&mut r.upn, |x| p.address(x));
    opt_with(&mut r.display_name, |x| p.name(x));
    if let AssignedBy::GroupName(n) = &mut r.assigned_by {
        *n = p.name(n);
    }
    opt_text(s, &mut r.message);
}

/// Redacts the snapshot in place.
pub fn snapshot(s: &Scrubber, sh: &Shared, snap: &mut Snapshot) {
    for u in &mut snap.users {
        user(s, u);
    }
    for g in &mut snap.groups {
        group(s, g);
    }
    for r in &mut snap.reported_errors {
        reported(s, r);
    }
    for i in &mut snap.identities {
        target(s, sh, &mut i.target);
    }
}

/// Redacts what an input report quotes from the records (issue details, skip reasons).
pub fn input(s: &Scrubber, i: &mut InputReport) {
    for is in &mut i.issues {
        is.reason = s.text(&is.reason);
        is.detail = s.text(&is.detail);
    }
    // what reading it noticed names users and groups too
    for n in i
        .notes
        .iter_mut()
        .chain(&mut i.group_notes)
        .chain(&mut i.passed_over)
    {
        *n = s.text(n);
    }
    let skipped = std::mem::take(&mut i.skipped);
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for (reason, n) in skipped {
        *out.entry(s.text(&reason)).or_default() += n;
    }
    i.skipped = out;
}

/// The inputs' paths, scrubbed once each as free text ([`Scrubber::text`]): the same new path in an
/// input's report and in the sources of its records.
pub struct Paths(std::collections::HashMap<String, crate::model::FileName>);

impl Paths {
    pub fn new<'a>(s: &Scrubber, paths: impl Iterator<Item = &'a str>) -> Paths {
        Paths(
            paths
                .map(|p| (p.to_string(), crate::model::FileName::from(s.text(p))))
                .collect(),
        )
    }

    /// The scrubbed path of an input (a path no input has is returned as it is: there is none).
    pub fn get<'a>(&'a self, p: &'a str) -> &'a str {
        self.0.get(p).map_or(p, |f| f)
    }

    pub fn fix(&self, f: &mut crate::model::FileName) {
        if let Some(new) = self.0.get(&**f) {
            *f = new.clone();
        }
    }

    pub fn snapshot(&self, snap: &mut Snapshot) {
        for u in &mut snap.users {
            self.fix(&mut u.source.file);
        }
        for g in &mut snap.groups {
            self.fix(&mut g.source.file);
        }
        for k in &mut snap.skus {
            self.fix(&mut k.source.file);
        }
        for r in &mut snap.reported_errors {
            self.fix(&mut r.source.file);
        }
        for i in &mut snap.identities {
            self.fix(&mut i.file);
        }
    }
}

/// Every address the inputs' fields hold, as its field is pseudonymized (a proxy address without
/// its prefix): what [`Scrubber`] looks for whole inside free text before any shape. UPNs and
/// mail of users, groups, targets, actors and reported errors, proxy addresses of users and groups,
/// the addresses of license errors.
pub fn known_addresses(events: &[AuditEvent], snap: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    fn plain<T: std::ops::Deref<Target = str>>(out: &mut Vec<String>, v: &Option<T>) {
        if let Some(a) = v {
            let a = a.trim();
            if a.contains('@') {
                out.push(a.to_string());
            }
        }
    }
    fn proxy(out: &mut Vec<String>, v: &str) {
        let bare = proxy_bare(v);
        if !bare.is_empty() {
            out.push(bare.to_string());
        }
    }
    for u in &snap.users {
        plain(&mut out, &u.upn);
        plain(&mut out, &u.mail);
        for a in u.proxy_addresses.iter() {
            proxy(&mut out, a);
        }
    }
    for g in &snap.groups {
        plain(&mut out, &g.mail);
        for a in &g.proxy_addresses {
            proxy(&mut out, a);
        }
    }
    for r in &snap.reported_errors {
        plain(&mut out, &r.upn);
    }
    for i in &snap.identities {
        plain(&mut out, &i.target.upn);
    }
    for e in events {
        if let Actor::User(u) = &e.actor {
            plain(&mut out, &u.upn);
        }
        for t in &e.targets {
            plain(&mut out, &t.upn);
        }
        for err in &e.extra.errors {
            if let Some(a) = &err.address {
                proxy(&mut out, a);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A proxy address without its prefix (`X500:/o=…` -> `/o=…`), as
/// [`super::pseudonym::Pseudonyms::proxy`] splits it.
fn proxy_bare(v: &str) -> &str {
    let t = v.trim();
    super::pseudonym::proxy_prefix(t).map_or(t, |(_, rest)| rest)
}

/// Every display name in the inputs: what [`Scrubber`] looks for inside free text.
pub fn display_names(events: &[AuditEvent], snap: &Snapshot) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    fn push<T: std::ops::Deref<Target = str>>(names: &mut Vec<String>, v: &Option<T>) {
        if let Some(n) = v {
            names.push(n.to_string());
        }
    }
    for u in &snap.users {
        push(&mut names, &u.display_name);
    }
    for g in &snap.groups {
        push(&mut names, &g.display_name);
    }
    for r in &snap.reported_errors {
        push(&mut names, &r.display_name);
        if let AssignedBy::GroupName(n) = &r.assigned_by {
            names.push(n.clone());
        }
    }
    for i in &snap.identities {
        push(&mut names, &i.target.display_name);
    }
    for e in events {
        match &e.actor {
            Actor::User(u) => push(&mut names, &u.display_name),
            Actor::App(a) => push(&mut names, &a.name),
            _ => {}
        }
        for t in &e.targets {
            push(&mut names, &t.display_name);
        }
        for m in e.extra.modified.iter().flatten() {
            if is_name_key(&m.name) {
                for v in [&m.old, &m.new].into_iter().flatten() {
                    names.extend(names_in_value(v));
                }
            }
        }
        for (k, v) in &e.extra.additional_details {
            if is_name_key(k) {
                names.extend(names_in_value(v));
            }
        }
    }
    names.retain(|n| !is_address(n));
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::pseudonym::Pseudonyms;

    #[test]
    fn name_keys() {
        assert!(is_name_key("Group.DisplayName"));
        assert!(is_name_key("DisplayName"));
        assert!(is_name_key("TargetId.UserName"));
        assert!(!is_name_key("AssignedLicense"));
        assert!(!is_name_key("Group.ObjectID"));
    }

    #[test]
    fn name_values_keep_their_shape() {
        let s = Scrubber::new(Pseudonyms::new(b"k".to_vec()), Vec::new(), Vec::new());
        let n = s.pseudonyms().name("svc-scanner");
        assert_eq!(name_value(&s, "[\"svc-scanner\"]"), format!("[\"{n}\"]"));
        assert_eq!(name_value(&s, "svc-scanner"), n);
        assert_eq!(name_value(&s, "None"), "None");
        let a = s.pseudonyms().address("a@b.example");
        assert_eq!(name_value(&s, "[\"a@b.example\"]"), format!("[\"{a}\"]"));
        assert_eq!(names_in_value("\"LIC-E3\""), vec!["LIC-E3".to_string()]);
    }
}
