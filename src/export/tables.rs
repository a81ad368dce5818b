//! The normalized tables licdiag exports and queries (events, license_states, users, groups, skus,
//! findings, inputs), built from the ingested data and the diagnosis as plain Rust columns. The documented
//! schema of every column is docs/tables.md; a test keeps the two in step.

use crate::ingest::Ingested;
use crate::knowledge::Knowledge;
use crate::model::event::{Actor, AuditEvent, TargetKind};
use crate::model::finding::{AffectedUser, Diagnosis, Finding};
use crate::model::snapshot::{
    AssignedBy, AssignmentState, LicenseAssignmentState, ReportedError, Snapshot, User,
};
use crate::model::{ObjectId, SkuId};
use crate::normalize::frame::{ColumnData, Values};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The table names, in the order they are written and documented.
pub const TABLE_NAMES: [&str; 7] = [
    "events",
    "license_states",
    "users",
    "groups",
    "skus",
    "findings",
    "inputs",
];

/// One table: its name and its columns (all of the same length).
#[derive(Clone, Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<ColumnData>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map(|c| c.values.len()).unwrap_or(0)
    }
}

fn s<I: Iterator<Item = Option<String>>>(name: &str, it: I) -> ColumnData {
    ColumnData::new(name, Values::Str(it.collect()))
}
fn b<I: Iterator<Item = Option<bool>>>(name: &str, it: I) -> ColumnData {
    ColumnData::new(name, Values::Bool(it.collect()))
}
fn i<I: Iterator<Item = Option<i64>>>(name: &str, it: I) -> ColumnData {
    ColumnData::new(name, Values::Int(it.collect()))
}
fn u<I: Iterator<Item = Option<u64>>>(name: &str, it: I) -> ColumnData {
    ColumnData::new(name, Values::UInt(it.collect()))
}
fn t<I: Iterator<Item = Option<DateTime<Utc>>>>(name: &str, it: I) -> ColumnData {
    ColumnData::new(name, Values::Time(it.collect()))
}
fn l<I: Iterator<Item = Vec<String>>>(name: &str, it: I) -> ColumnData {
    ColumnData::new(name, Values::StrList(it.collect()))
}

fn id(x: Option<&ObjectId>) -> Option<String> {
    x.map(|i| i.to_string())
}

/// What the tables need besides the rows: product names and group names.
struct Lookup<'a> {
    kb: &'a Knowledge,
    group_names: HashMap<&'a ObjectId, &'a str>,
}

impl Lookup<'_> {
    fn part(&self, sku: &SkuId) -> Option<String> {
        self.kb.sku_part_number(sku).map(str::to_string)
    }
    /// Part number, else the SKU id.
    fn sku_label(&self, sku: &SkuId) -> String {
        self.part(sku).unwrap_or_else(|| sku.to_string())
    }
    fn group_name(&self, g: Option<&ObjectId>) -> Option<String> {
        g.and_then(|g| self.group_names.get(g))
            .map(|n| n.to_string())
    }
}

/// Builds the seven tables.
pub fn build(data: &Ingested, diagnosis: &Diagnosis, kb: &Knowledge) -> Vec<Table> {
    let lk = Lookup {
        kb,
        group_names: data
            .snapshot
            .groups
            .iter()
            .filter_map(|g| g.display_name.as_deref().map(|n| (&g.id, n)))
            .collect(),
    };
    vec![
        events(&data.events, &lk),
        license_states(&data.snapshot, &lk),
        users(&data.snapshot, &lk),
        groups(data, &lk),
        skus(data, diagnosis, &lk),
        findings(diagnosis),
        inputs(&data.inputs),
    ]
}

/// One row per input file: what was read from it, what was skipped and why, and the notes every
/// report says about it (a snapshot older than the log's license changes, a gzip stream cut
/// short, ...), so that a shared table carries them as the reports do.
fn inputs(r: &[crate::ingest::InputReport]) -> Table {
    Table {
        name: "inputs",
        columns: vec![
            s("path", r.iter().map(|i| Some(i.path.clone()))),
            s("format", r.iter().map(|i| Some(i.format.clone()))),
            s("encoding", r.iter().map(|i| Some(i.encoding.clone()))),
            b("gzip", r.iter().map(|i| Some(i.gzip))),
            u("bytes", r.iter().map(|i| Some(i.bytes))),
            s("sha256", r.iter().map(|i| i.sha256.clone())),
            u("records", r.iter().map(|i| Some(i.records))),
            u("events", r.iter().map(|i| Some(i.events))),
            u(
                "snapshot_records",
                r.iter().map(|i| Some(i.snapshot_records)),
            ),
            u("skipped", r.iter().map(|i| Some(i.skipped_total()))),
            l(
                "skipped_reasons",
                r.iter().map(|i| {
                    i.skipped
                        .iter()
                        .map(|(why, n)| format!("{why}: {n}"))
                        .collect()
                }),
            ),
            t("first", r.iter().map(|i| i.first)),
            t("last", r.iter().map(|i| i.last)),
            l(
                "notes",
                r.iter().map(|i| {
                    i.gzip_note()
                        .into_iter()
                        .chain(i.notes.iter().cloned())
                        .chain(i.group_notes.iter().cloned())
                        .collect()
                }),
            ),
            l(
                "issues",
                r.iter().map(|i| {
                    i.issues
                        .iter()
                        .map(|x| format!("{}: {}: {}", x.at(), x.reason, x.detail))
                        .collect()
                }),
            ),
        ],
    }
}

fn actor_kind(a: &Actor) -> &'static str {
    match a {
        Actor::User(_) => "user",
        Actor::App(_) => "app",
        Actor::GroupBasedLicensing => "group_based_licensing",
        Actor::Unknown => "unknown",
    }
}

fn actor_id(a: &Actor) -> Option<String> {
    match a {
        Actor::User(u) => u.id.as_ref().map(|i| i.to_string()),
        Actor::App(a) => a
            .service_principal_id
            .as_ref()
            .map(|i| i.to_string())
            .or_else(|| a.app_id.clone()),
        _ => None,
    }
}

/// The products an event's license change adds or removes for sure: none removed when Entra cut
/// the new list, none added when it cut the old one (`licenses_truncated` says which).
fn license_labels(e: &AuditEvent, added: bool, lk: &Lookup<'_>) -> Vec<String> {
    let Some(c) = e.licenses.as_deref() else {
        return Vec::new();
    };
    let known = c.known(e.extra.licenses_cut);
    let list = if added { known.added } else { known.removed };
    list.into_iter()
        .filter_map(|a| {
            a.sku_name
                .as_deref()
                .filter(|n| !n.trim().is_empty())
                .map(String::from)
                .or_else(|| a.sku_id.as_ref().map(|s| lk.sku_label(s)))
        })
        .collect()
}

fn events(ev: &[AuditEvent], lk: &Lookup<'_>) -> Table {
    fn user(e: &AuditEvent) -> Option<&crate::model::Target> {
        e.target(TargetKind::User)
    }
    fn group(e: &AuditEvent) -> Option<&crate::model::Target> {
        e.target(TargetKind::Group)
    }
    Table {
        name: "events",
        columns: vec![
            t("time", ev.iter().map(|e| Some(e.time))),
            s(
                "activity",
                ev.iter().map(|e| Some(e.activity.name().to_string())),
            ),
            s(
                "category",
                ev.iter().map(|e| e.category.as_deref().map(String::from)),
            ),
            s(
                "result",
                ev.iter().map(|e| Some(e.result.as_str().to_string())),
            ),
            s(
                "result_reason",
                ev.iter()
                    .map(|e| e.extra.result_reason.as_deref().map(String::from)),
            ),
            s(
                "correlation_id",
                ev.iter()
                    .map(|e| e.correlation_id.as_ref().map(|c| c.to_string())),
            ),
            s(
                "record_id",
                ev.iter()
                    .map(|e| e.record_id.as_deref().map(|id| id.to_string())),
            ),
            s(
                "actor_kind",
                ev.iter().map(|e| Some(actor_kind(&e.actor).to_string())),
            ),
            s("actor", ev.iter().map(|e| Some(e.actor.label()))),
            s("actor_id", ev.iter().map(|e| actor_id(&e.actor))),
            s(
                "actor_ip",
                ev.iter().map(|e| match &e.actor {
                    Actor::User(u) => u.ip.clone(),
                    _ => None,
                }),
            ),
            s(
                "target_user_id",
                ev.iter().map(|e| id(user(e).and_then(|x| x.id.as_ref()))),
            ),
            s(
                "target_upn",
                ev.iter()
                    .map(|e| user(e).and_then(|x| x.upn.as_deref().map(String::from))),
            ),
            s(
                "target_group_id",
                ev.iter().map(|e| id(group(e).and_then(|x| x.id.as_ref()))),
            ),
            s(
                "target_group",
                ev.iter()
                    .map(|e| group(e).and_then(|x| x.display_name.as_deref().map(String::from))),
            ),
            l(
                "causes",
                ev.iter().map(|e| {
                    let mut v: Vec<String> = Vec::new();
                    for c in e.extra.errors.iter().map(|x| x.cause.code().to_string()) {
                        if !v.contains(&c) {
                            v.push(c);
                        }
                    }
                    v
                }),
            ),
            s(
                "error",
                ev.iter()
                    .map(|e| e.extra.errors.first().map(|x| x.text.to_string())),
            ),
            l("skus_added", ev.iter().map(|e| license_labels(e, true, lk))),
            l(
                "skus_removed",
                ev.iter().map(|e| license_labels(e, false, lk)),
            ),
            s(
                "licenses_truncated",
                ev.iter()
                    .map(|e| e.extra.licenses_cut.label().map(String::from)),
            ),
            u(
                "succeeded",
                ev.iter()
                    .map(|e| e.extra.summary.as_ref().map(|x| x.succeeded)),
            ),
            u(
                "failed",
                ev.iter()
                    .map(|e| e.extra.summary.as_ref().map(|x| x.failed)),
            ),
            s(
                "source_file",
                ev.iter().map(|e| Some(e.source.file.to_string())),
            ),
            u("source_record", ev.iter().map(|e| Some(e.source.record))),
            u("source_line", ev.iter().map(|e| e.source.line())),
        ],
    }
}

fn state_name(s: &AssignmentState) -> String {
    match s {
        AssignmentState::Active => "Active".into(),
        AssignmentState::ActiveWithError => "ActiveWithError".into(),
        AssignmentState::Disabled => "Disabled".into(),
        AssignmentState::Error => "Error".into(),
        AssignmentState::Unknown(x) => x.to_string(),
    }
}

/// A row of `license_states`: a license state of a snapshot's user, or an error an error list
/// (the license-errors CSV, `cloudLicensing/assignmentErrors`) reports that no state shows.
enum StateRow<'a> {
    State(&'a User, &'a LicenseAssignmentState),
    Reported {
        error: &'a ReportedError,
        /// the snapshot's user the row names (by id, else by UPN)
        user: Option<&'a User>,
        /// the group it names by id, else by a name one snapshot group has
        group: Option<&'a ObjectId>,
    },
}

impl StateRow<'_> {
    fn user_id(&self) -> Option<String> {
        match self {
            StateRow::State(u, _) => Some(u.id.to_string()),
            StateRow::Reported { error, user, .. } => user
                .map(|u| u.id.to_string())
                .or_else(|| id(error.user_id.as_ref())),
        }
    }
    fn upn(&self) -> Option<String> {
        match self {
            StateRow::State(u, _) => u.upn.as_deref().map(String::from),
            StateRow::Reported { error, user, .. } => user
                .and_then(|u| u.upn.as_deref())
                .or(error.upn.as_deref())
                .map(String::from),
        }
    }
    fn sku_id(&self) -> Option<&SkuId> {
        match self {
            StateRow::State(_, x) => Some(&x.sku_id),
            StateRow::Reported { error, .. } => error.sku_id.as_ref(),
        }
    }
    fn group_id(&self) -> Option<&ObjectId> {
        match self {
            StateRow::State(_, x) => x.assigned_by_group.as_ref(),
            StateRow::Reported { group, .. } => *group,
        }
    }
    /// The key rows are sorted by: user, product, group (as the snapshot's states always were).
    fn key(
        &self,
    ) -> (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        (
            self.user_id(),
            self.upn().map(|u| u.to_lowercase()),
            self.sku_id().map(|x| x.to_string()),
            self.group_id().map(|g| g.to_string()),
        )
    }
}

/// The snapshot's user an error list's row names: by object id, else by UPN (any case).
fn reported_user<'a>(snap: &'a Snapshot, r: &ReportedError) -> Option<&'a User> {
    if let Some(uid) = &r.user_id {
        if let Some(u) = snap.users.iter().find(|u| &u.id == uid) {
            return Some(u);
        }
    }
    let upn = r.upn.as_deref().map(|x| x.trim().to_lowercase())?;
    snap.users.iter().find(|u| {
        u.upn
            .as_deref()
            .is_some_and(|x| x.trim().to_lowercase() == upn)
    })
}

/// The snapshot's group an error list's row names: by id, else by a display name exactly one
/// group has.
fn reported_group<'a>(snap: &'a Snapshot, r: &'a ReportedError) -> Option<&'a ObjectId> {
    match &r.assigned_by {
        AssignedBy::GroupId(g) => Some(g),
        AssignedBy::GroupName(n) => snap.group_named_uniquely(n),
        AssignedBy::Direct | AssignedBy::Unknown => None,
    }
}

/// Every row of `license_states`: the snapshot users' states, then each error an error list
/// reports that the user's state of that product from that source does not already show (a list
/// beside a users export repeats their errors: ingest refused one that contradicts them), sorted
/// by user, product and group.
fn state_rows(snap: &Snapshot) -> Vec<StateRow<'_>> {
    let mut rows: Vec<StateRow<'_>> = snap
        .users
        .iter()
        .flat_map(|u| u.license_states.iter().map(move |x| StateRow::State(u, x)))
        .collect();
    for r in &snap.reported_errors {
        let user = reported_user(snap, r);
        let group = reported_group(snap, r);
        let shown = user.is_some_and(|u| {
            u.license_states.iter().any(|x| {
                // a row without a product, or without a source, stands for the state it matches
                let sku = r.sku_id.as_ref().is_none_or(|k| k == &x.sku_id);
                let source = match (&r.assigned_by, group) {
                    (AssignedBy::Unknown, _) => true,
                    (AssignedBy::GroupName(_), None) => x.assigned_by_group.is_some(),
                    _ => x.assigned_by_group.as_ref() == group,
                };
                sku && source && x.error.as_ref() == Some(&r.cause)
            })
        });
        if !shown {
            rows.push(StateRow::Reported {
                error: r,
                user,
                group,
            });
        }
    }
    rows.sort_by_cached_key(StateRow::key);
    rows
}

fn license_states(snap: &Snapshot, lk: &Lookup<'_>) -> Table {
    let rows = state_rows(snap);
    let r = &rows;
    Table {
        name: "license_states",
        columns: vec![
            s("user_id", r.iter().map(StateRow::user_id)),
            s("upn", r.iter().map(StateRow::upn)),
            s(
                "sku_id",
                r.iter().map(|x| x.sku_id().map(|x| x.to_string())),
            ),
            s(
                "sku",
                r.iter().map(|x| match x {
                    StateRow::State(_, st) => lk.part(&st.sku_id),
                    StateRow::Reported { error, .. } => error
                        .sku_id
                        .as_ref()
                        .and_then(|k| lk.part(k))
                        .or_else(|| error.sku_part_number.clone()),
                }),
            ),
            s("assigned_by_group_id", r.iter().map(|x| id(x.group_id()))),
            s(
                "assigned_by_group",
                r.iter().map(|x| match x {
                    StateRow::State(_, st) => lk.group_name(st.assigned_by_group.as_ref()),
                    StateRow::Reported { error, group, .. } => {
                        lk.group_name(*group).or_else(|| match &error.assigned_by {
                            AssignedBy::GroupName(n) => Some(n.clone()),
                            _ => error.group_name.clone(),
                        })
                    }
                }),
            ),
            b(
                "direct",
                r.iter().map(|x| match x {
                    StateRow::State(_, st) => Some(st.assigned_by_group.is_none()),
                    StateRow::Reported { error, .. } => match error.assigned_by {
                        AssignedBy::Direct => Some(true),
                        AssignedBy::GroupId(_) | AssignedBy::GroupName(_) => Some(false),
                        AssignedBy::Unknown => None,
                    },
                }),
            ),
            s(
                "state",
                r.iter().map(|x| match x {
                    StateRow::State(_, st) => Some(state_name(&st.state)),
                    StateRow::Reported { .. } => Some(state_name(&AssignmentState::Error)),
                }),
            ),
            s(
                "error",
                r.iter().map(|x| match x {
                    StateRow::State(_, st) => st.error.as_ref().map(|c| c.code().to_string()),
                    StateRow::Reported { error, .. } => Some(error.cause.code().to_string()),
                }),
            ),
            s(
                "error_subcode",
                r.iter().map(|x| match x {
                    StateRow::State(_, st) => st.error_subcode.as_deref().map(String::from),
                    StateRow::Reported { error, .. } => error.subcode.clone(),
                }),
            ),
            l(
                "disabled_plans",
                r.iter().map(|x| match x {
                    StateRow::State(_, st) => st
                        .disabled_plans
                        .iter()
                        .map(|p| lk.kb.plan_label(p))
                        .collect(),
                    StateRow::Reported { .. } => Vec::new(),
                }),
            ),
            t(
                "last_updated",
                r.iter().map(|x| match x {
                    StateRow::State(_, st) => st.last_updated,
                    StateRow::Reported { error, .. } => error.occurred,
                }),
            ),
        ],
    }
}

/// A row of `users`: a snapshot's user, or a user only an error list names (by the first of its
/// rows), with the number of its `license_states` rows and of those in error.
struct UserRow<'a> {
    user: Result<&'a User, &'a ReportedError>,
    states: u64,
    errors: u64,
}

impl UserRow<'_> {
    fn id(&self) -> Option<String> {
        match self.user {
            Ok(u) => Some(u.id.to_string()),
            Err(r) => id(r.user_id.as_ref()),
        }
    }
    fn upn(&self) -> Option<String> {
        match self.user {
            Ok(u) => u.upn.as_deref().map(String::from),
            Err(r) => r.upn.clone(),
        }
    }
}

/// The snapshot's users and the users only an error list names, sorted by object id (stable with
/// and without redaction; a user a list names by UPN only, without an id, after them by UPN).
fn user_rows(snap: &Snapshot) -> Vec<UserRow<'_>> {
    // user id (else UPN, lower-cased) -> (license_states rows, of them in error)
    let mut counts: HashMap<(Option<String>, Option<String>), (u64, u64)> = HashMap::new();
    let user_key = |id: Option<String>, upn: Option<String>| match id {
        Some(i) => (Some(i), None),
        None => (None, upn.map(|u| u.to_lowercase())),
    };
    let states = state_rows(snap);
    for x in &states {
        let in_error = match x {
            StateRow::State(_, st) => st.error.is_some(),
            StateRow::Reported { .. } => true,
        };
        let c = counts.entry(user_key(x.user_id(), x.upn())).or_default();
        c.0 += 1;
        c.1 += u64::from(in_error);
    }
    let mut rows: Vec<UserRow<'_>> = snap
        .users
        .iter()
        .map(|u| UserRow {
            user: Ok(u),
            states: 0,
            errors: 0,
        })
        .collect();
    let mut seen: BTreeSet<(Option<String>, Option<String>)> =
        rows.iter().map(|r| user_key(r.id(), r.upn())).collect();
    for x in &states {
        if let StateRow::Reported {
            error, user: None, ..
        } = x
        {
            if error.user_id.is_none() && error.upn.is_none() {
                continue;
            }
            if seen.insert(user_key(x.user_id(), x.upn())) {
                rows.push(UserRow {
                    user: Err(error),
                    states: 0,
                    errors: 0,
                });
            }
        }
    }
    for r in &mut rows {
        if let Some((n, e)) = counts.get(&user_key(r.id(), r.upn())) {
            r.states = *n;
            r.errors = *e;
        }
    }
    rows.sort_by_cached_key(|r| (r.id().is_none(), r.id(), r.upn().map(|u| u.to_lowercase())));
    rows
}

fn users(snap: &Snapshot, lk: &Lookup<'_>) -> Table {
    let rows = user_rows(snap);
    let r = &rows;
    let of = |f: fn(&User) -> Option<String>| {
        r.iter()
            .map(move |x| x.user.ok().and_then(f))
            .collect::<Vec<_>>()
            .into_iter()
    };
    Table {
        name: "users",
        columns: vec![
            s("id", r.iter().map(UserRow::id)),
            s("upn", r.iter().map(UserRow::upn)),
            s(
                "display_name",
                r.iter().map(|x| match x.user {
                    Ok(u) => u.display_name.as_deref().map(String::from),
                    Err(e) => e.display_name.clone(),
                }),
            ),
            s("mail", of(|x| x.mail.as_deref().map(String::from))),
            b(
                "account_enabled",
                r.iter()
                    .map(|x| x.user.ok().and_then(|u| u.account_enabled)),
            ),
            s(
                "usage_location",
                of(|x| x.usage_location.as_deref().map(String::from)),
            ),
            b(
                "on_premises_sync_enabled",
                r.iter()
                    .map(|x| x.user.ok().and_then(|u| u.on_premises_sync_enabled)),
            ),
            l(
                "proxy_addresses",
                r.iter().map(|x| match x.user {
                    Ok(u) => u.proxy_addresses.iter().map(|a| a.to_string()).collect(),
                    Err(_) => Vec::new(),
                }),
            ),
            l(
                "skus",
                r.iter().map(|x| match x.user {
                    Ok(u) => u
                        .assigned_licenses
                        .iter()
                        .map(|a| lk.sku_label(&a.sku_id))
                        .collect(),
                    Err(_) => Vec::new(),
                }),
            ),
            u("license_states", r.iter().map(|x| Some(x.states))),
            u("license_errors", r.iter().map(|x| Some(x.errors))),
            s(
                "source_file",
                r.iter().map(|x| match x.user {
                    Ok(u) => Some(u.source.file.to_string()),
                    Err(e) => Some(e.source.file.to_string()),
                }),
            ),
        ],
    }
}

fn groups(data: &Ingested, lk: &Lookup<'_>) -> Table {
    let snap = &data.snapshot;
    let mut members: BTreeMap<&ObjectId, BTreeSet<&ObjectId>> = BTreeMap::new();
    for g in &snap.groups {
        if let Some(m) = &g.members {
            members.entry(&g.id).or_default().extend(m.iter());
        }
    }
    for m in &snap.memberships {
        members.entry(&m.group_id).or_default().insert(&m.user_id);
    }
    let mut r: Vec<_> = snap.groups.iter().collect();
    r.sort_by(|a, b| a.id.cmp(&b.id));
    Table {
        name: "groups",
        columns: vec![
            s("id", r.iter().map(|g| Some(g.id.to_string()))),
            s("display_name", r.iter().map(|g| g.display_name.clone())),
            s("mail", r.iter().map(|g| g.mail.clone())),
            b("security_enabled", r.iter().map(|g| g.security_enabled)),
            b("dynamic", r.iter().map(|g| Some(g.is_dynamic()))),
            s(
                "membership_rule",
                r.iter().map(|g| g.membership_rule.clone()),
            ),
            b(
                "on_premises_sync_enabled",
                r.iter().map(|g| g.on_premises_sync_enabled),
            ),
            s(
                "processing_state",
                r.iter().map(|g| g.processing_state.clone()),
            ),
            u(
                "member_count",
                r.iter().map(|g| members.get(&g.id).map(|m| m.len() as u64)),
            ),
            l(
                "license_skus",
                r.iter().map(|g| {
                    g.assigned_licenses
                        .iter()
                        .map(|a| lk.sku_label(&a.sku_id))
                        .collect()
                }),
            ),
            s(
                "source_file",
                r.iter().map(|g| Some(g.source.file.to_string())),
            ),
        ],
    }
}

fn skus(data: &Ingested, d: &Diagnosis, lk: &Lookup<'_>) -> Table {
    let snap: HashMap<&SkuId, _> = data.snapshot.skus.iter().map(|x| (&x.sku_id, x)).collect();
    let r = &d.capacity;
    Table {
        name: "skus",
        columns: vec![
            s("sku_id", r.iter().map(|c| Some(c.sku_id.to_string()))),
            s(
                "sku",
                r.iter()
                    .map(|c| c.sku.clone().or_else(|| lk.part(&c.sku_id))),
            ),
            s("display_name", r.iter().map(|c| c.display_name.clone())),
            s(
                "applies_to",
                r.iter()
                    .map(|c| snap.get(&c.sku_id).and_then(|x| x.applies_to.clone())),
            ),
            s(
                "capability_status",
                r.iter().map(|c| c.capability_status.clone()),
            ),
            u("enabled", r.iter().map(|c| Some(c.enabled))),
            u("warning", r.iter().map(|c| Some(c.warning))),
            u("suspended", r.iter().map(|c| Some(c.suspended))),
            u("locked_out", r.iter().map(|c| Some(c.locked_out))),
            u("consumed", r.iter().map(|c| Some(c.consumed))),
            i("available", r.iter().map(|c| Some(c.available))),
            i(
                "available_with_warning",
                r.iter().map(|c| Some(c.available_with_warning)),
            ),
            u(
                "blocked_users",
                r.iter().map(|c| Some(c.blocked_users as u64)),
            ),
            u(
                "reclaimable",
                r.iter().map(|c| Some(c.reclaimable.len() as u64)),
            ),
            b("over_assigned", r.iter().map(|c| Some(c.over_assigned))),
            b("no_seats", r.iter().map(|c| Some(c.no_seats))),
            l(
                "service_plans",
                r.iter().map(|c| {
                    snap.get(&c.sku_id)
                        .map(|x| {
                            x.service_plans
                                .iter()
                                .map(|p| {
                                    p.name
                                        .clone()
                                        .unwrap_or_else(|| lk.kb.plan_label(&p.plan_id))
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                }),
            ),
        ],
    }
}

fn findings(d: &Diagnosis) -> Table {
    // one row per (finding, affected user); a finding without users still gets one row
    let rows: Vec<(u64, &Finding, Option<&AffectedUser>)> = d
        .findings
        .iter()
        .enumerate()
        .flat_map(|(n, f)| {
            let rank = n as u64 + 1;
            if f.users.is_empty() {
                vec![(rank, f, None)]
            } else {
                f.users.iter().map(|a| (rank, f, Some(a))).collect()
            }
        })
        .collect();
    let r = &rows;
    Table {
        name: "findings",
        columns: vec![
            u("finding", r.iter().map(|(n, _, _)| Some(*n))),
            s("finding_key", r.iter().map(|(_, f, _)| Some(f.key()))),
            s(
                "cause",
                r.iter().map(|(_, f, _)| Some(f.cause.code().to_string())),
            ),
            s(
                "severity",
                r.iter()
                    .map(|(_, f, _)| Some(f.severity.as_str().to_string())),
            ),
            s(
                "status",
                r.iter()
                    .map(|(_, f, _)| Some(f.status.as_str().to_string())),
            ),
            s(
                "evidence",
                r.iter()
                    .map(|(_, f, _)| Some(f.evidence.source.as_str().to_string())),
            ),
            s("sku", r.iter().map(|(_, f, _)| f.sku.clone())),
            s(
                "sku_id",
                r.iter()
                    .map(|(_, f, _)| f.sku_id.as_ref().map(|x| x.to_string())),
            ),
            s(
                "group_id",
                r.iter().map(|(_, f, _)| id(f.group_id.as_ref())),
            ),
            s("group", r.iter().map(|(_, f, _)| f.group.clone())),
            s(
                "user_id",
                r.iter()
                    .map(|(_, _, a)| a.and_then(|a| id(a.user.id.as_ref()))),
            ),
            s(
                "upn",
                r.iter()
                    .map(|(_, _, a)| a.and_then(|a| a.user.upn.as_ref().map(|u| u.to_string()))),
            ),
            s(
                "display_name",
                r.iter().map(|(_, _, a)| {
                    a.and_then(|a| a.user.display_name.as_deref().map(String::from))
                }),
            ),
            s(
                "user_status",
                r.iter()
                    .map(|(_, _, a)| a.map(|a| a.status.as_str().to_string())),
            ),
            t(
                "first_error_at",
                r.iter().map(|(_, _, a)| a.and_then(|a| a.first_error_at)),
            ),
            t(
                "error_at",
                r.iter().map(|(_, _, a)| a.and_then(|a| a.error_at)),
            ),
            t(
                "resolved_at",
                r.iter()
                    .map(|(_, _, a)| a.and_then(|a| a.resolved.as_ref().map(|x| x.when))),
            ),
            s(
                "explanation",
                r.iter().map(|(_, f, _)| Some(f.explanation.clone())),
            ),
            s(
                "fix",
                r.iter()
                    .map(|(_, f, _)| Some(f.recommendation.summary.clone())),
            ),
            t("first_seen", r.iter().map(|(_, f, _)| f.audit.first_seen)),
            t("last_seen", r.iter().map(|(_, f, _)| f.audit.last_seen)),
        ],
    }
}
