//! Audit-record mapping: one JSON record of any supported export -> [`RawAudit`], and the CSV exports
//! (admin-center portal CSV, Log Analytics CSV, Purview CSV) -> the same JSON shapes first, so every
//! format shares one mapping per record family. Field names: formats.md §1-§5.

use super::raw::{RawActor, RawAudit, RawProp, RawTarget};
use super::value::{array_of, for_each_string, get, get_any, str_any, str_of, structured, text};
use crate::model::AuditFormat;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Which family a JSON record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Graph `directoryAudit` object (camelCase or PascalCase) or a Log Analytics row.
    Graph(AuditFormat),
    /// Azure Monitor diagnostic record with `properties`.
    AzureMonitor,
    /// Unified audit log `AuditData` (or a Graph audit-log-query record wrapping it).
    Ual,
}

/// Top-level key access that classification needs, so the same rules run over a parsed `Value` and
/// over the prefilter's lightly parsed records (see `prefilter`).
pub trait Keyed {
    /// Calls `f` with every top-level key as written (duplicates and all) and whether its value
    /// is a JSON string.
    fn each_key(&self, f: impl FnMut(&str, bool));
    /// The value is a JSON string (any case of the key; null counts as absent).
    fn is_string(&self, key: &str) -> bool;
    /// The string value of a key (any case), when it is a string.
    fn string(&self, key: &str) -> Option<String>;
}

impl Keyed for Value {
    fn each_key(&self, mut f: impl FnMut(&str, bool)) {
        if let Some(o) = self.as_object() {
            o.iter().for_each(|(k, v)| f(k, v.is_string()));
        }
    }
    fn is_string(&self, key: &str) -> bool {
        matches!(get(self, key), Some(Value::String(_)))
    }
    fn string(&self, key: &str) -> Option<String> {
        match get(self, key) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    }
}

/// Classifies one JSON record by its keys. `None` = not an audit record.
pub fn classify(v: &Value) -> Option<Family> {
    v.as_object()?;
    classify_keys(v)
}

/// The keys [`classify_keys`] asks about, one bit each ([`ClassKey::of`]).
#[derive(Clone, Copy)]
#[repr(u32)]
enum ClassKey {
    Properties,
    OperationName,
    ResourceId,
    Time,
    Workload,
    Operation,
    CreationTime,
    RecordType,
    AuditLogRecordType,
    AuditData,
    CreationDate,
    ActivityDisplayName,
    ActivityDateTime,
    TimeGenerated,
    SourceSystem,
    AadOperationType,
    AadTenantId,
    /// Asked of string values only (a Log Analytics row's `Type` and its text-valued columns).
    Type,
    InitiatedBy,
    TargetResources,
    AdditionalDetails,
}

impl ClassKey {
    const fn bit(self) -> u32 {
        1 << self as u32
    }

    /// Every key's name in lowercase (`operationName` and `OperationName` are one key in any case).
    const NAMES: [(&'static str, ClassKey); 21] = {
        use ClassKey::*;
        [
            ("time", Time),
            ("type", Type),
            ("workload", Workload),
            ("operation", Operation),
            ("auditdata", AuditData),
            ("properties", Properties),
            ("resourceid", ResourceId),
            ("recordtype", RecordType),
            ("aadtenantid", AadTenantId),
            ("initiatedby", InitiatedBy),
            ("creationtime", CreationTime),
            ("creationdate", CreationDate),
            ("sourcesystem", SourceSystem),
            ("operationname", OperationName),
            ("timegenerated", TimeGenerated),
            ("targetresources", TargetResources),
            ("activitydatetime", ActivityDateTime),
            ("aadoperationtype", AadOperationType),
            ("additionaldetails", AdditionalDetails),
            ("auditlogrecordtype", AuditLogRecordType),
            ("activitydisplayname", ActivityDisplayName),
        ]
    };

    /// A key's slot in [`ClassKey::TABLE`]: its length and its first and last two bytes with the
    /// 0x20 bit set (so any case of a name has the name's slot), multiplied into the top six bits.
    /// The constant is one under which no two names share a slot (`TABLE` fails to build if two
    /// did).
    const fn slot(b: &[u8]) -> Option<usize> {
        let n = b.len();
        if n < 2 {
            return None;
        }
        let x = n as u64
            | ((b[0] | 0x20) as u64) << 8
            | ((b[n - 2] | 0x20) as u64) << 16
            | ((b[n - 1] | 0x20) as u64) << 24;
        Some((x.wrapping_mul(0xafbd_67f9_6196_99cf) >> 58) as usize)
    }

    /// [`ClassKey::NAMES`] by [`ClassKey::slot`].
    const TABLE: [Option<(&'static str, ClassKey)>; 64] = {
        let mut table = [None; 64];
        let mut i = 0;
        while i < Self::NAMES.len() {
            let name = Self::NAMES[i].0.as_bytes();
            let mut j = 0;
            while j < name.len() {
                assert!(
                    name[j].is_ascii_lowercase(),
                    "a name not in lowercase letters"
                );
                j += 1;
            }
            let Some(s) = Self::slot(name) else {
                panic!("a name too short to hash");
            };
            assert!(table[s].is_none(), "two names share a slot");
            table[s] = Some(Self::NAMES[i]);
            i += 1;
        }
        table
    };

    /// The bit of the key that is `k` in some ASCII case, if any: the one name in `k`'s slot is
    /// compared, the others cannot be `k`.
    #[inline]
    fn of(k: &str) -> u32 {
        let b = k.as_bytes();
        match Self::slot(b).and_then(|s| Self::TABLE.get(s).copied().flatten()) {
            Some((name, key)) if folded_eq(name.as_bytes(), b) => key.bit(),
            _ => 0,
        }
    }
}

/// Whether `b` is `name` (lowercase ASCII letters, as long as `b`) in some ASCII case: a byte is a
/// name's letter in some case exactly when it is that letter with the 0x20 bit set (no other byte
/// becomes a letter so). Eight bytes at a time, the last eight overlapping the others.
fn folded_eq(name: &[u8], b: &[u8]) -> bool {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    let word = |s: &[u8], i: usize| {
        s.get(i..i + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(u64::from_le_bytes)
    };
    if name.len() != b.len() {
        return false;
    }
    if b.len() < 8 {
        return name.iter().zip(b).all(|(&n, &c)| c | 0x20 == n);
    }
    let mut i = 0;
    while i + 8 < b.len() {
        if word(b, i).map(|w| w | FOLD) != word(name, i) {
            return false;
        }
        i += 8;
    }
    let last = b.len() - 8;
    word(b, last).map(|w| w | FOLD) == word(name, last)
}

/// [`classify`] over any keyed record. The keys are read once, into one bit per [`ClassKey`] that
/// some spelling has (and one per key that some spelling has with a string value); asking the
/// record about each key in turn walked its keys up to 17 times.
pub fn classify_keys(v: &impl Keyed) -> Option<Family> {
    let (mut present, mut strings) = (0u32, 0u32);
    v.each_key(|k, string| {
        let bit = ClassKey::of(k);
        present |= bit;
        if string {
            strings |= bit;
        }
    });
    let has = |k: ClassKey| present & k.bit() != 0;
    use ClassKey::*;
    if has(Properties) && (has(OperationName) || has(ResourceId) || has(Time)) {
        return Some(Family::AzureMonitor);
    }
    if (has(Workload) && (has(Operation) || has(CreationTime)))
        || (has(RecordType) && has(CreationTime) && has(Operation))
        || has(AuditLogRecordType)
        || (has(AuditData) && has(CreationDate))
    {
        return Some(Family::Ual);
    }
    if has(ActivityDisplayName) || has(ActivityDateTime) || has(OperationName) && has(TimeGenerated)
    {
        // a key the record reads as a string (its exact spelling first, else the first in byte
        // order) is one that some spelling holds a string for: the bit rules out the others
        let string = |k: ClassKey| strings & k.bit() != 0;
        let la = has(TimeGenerated)
            || has(SourceSystem)
            || has(AadOperationType)
            || has(AadTenantId)
            || string(Type) && v.string("Type").as_deref() == Some("AuditLogs")
            || [
                (InitiatedBy, "InitiatedBy"),
                (TargetResources, "TargetResources"),
                (AdditionalDetails, "AdditionalDetails"),
            ]
            .iter()
            .any(|&(bit, k)| string(bit) && v.is_string(k));
        return Some(Family::Graph(if la {
            AuditFormat::LogAnalyticsJson
        } else {
            AuditFormat::GraphJson
        }));
    }
    None
}

/// Cheap test for text that may hold a license error (tokens, documented sentences, exception
/// names): false only where [`crate::normalize::errors::extract`] finds none.
pub fn may_hold_error(s: &str) -> bool {
    may_hold_error_bytes(s.as_bytes())
}

/// The texts [`may_hold_error_bytes`] looks for, in any ASCII case: a word of every pattern of
/// [`crate::normalize::errors`], so that a text without one holds no error the patterns find
/// (their `WORDS`, in the sentences' own spelling where the pattern folds ASCII only). Where a
/// pattern folds Unicode (`Conflicting ...`, `Proxy address ...`), the word holds no `s` and no
/// `k`, which Unicode folding also takes from `ſ` and the Kelvin sign. None holds a quote or a
/// comma, so one in a CSV cell is also in the row's bytes as written (the light CSV mappings
/// search those).
pub(super) const ERROR_NEEDLES: [&str; 14] = [
    "violation",
    "exception",
    "licenses are available",
    "mutually exclusive",
    "onflicting",
    "depends on the service plan",
    "cannot be assigned without service plan",
    "to be enabled as well",
    "proxy addre",
    "already exi",
    "error:",
    "must also assign",
    "invalid usage location",
    "license is inherited from", // (the exception's name: `exception`)
];

/// [`may_hold_error`] over bytes (a whole raw record: no string of it can hold an error unless its
/// bytes do, when it has no `\u` escape). The needles are matched in any ASCII case: the error
/// patterns match `NOT ENOUGH LICENSES ARE AVAILABLE` and `Non-unique proxy address` as they match
/// the documented spelling (an exact search once sent such texts, in property values and
/// additional details, past the patterns).
pub fn may_hold_error_bytes(s: &[u8]) -> bool {
    super::prefilter::may_hold_error_bytes(s)
}

/// The strings of `v` that may hold an error text. A string that is itself JSON (a Log Analytics
/// `TargetResources` cell, a Purview `AuditData`) is read as its strings: whole, it would be one
/// text holding every address of the record, and an error's text is the string that says it.
fn collect_error_texts(v: &Value, raw: &mut RawAudit) {
    for_each_string(v, &mut |s| push_error_text(s, &mut raw.error_texts));
}

/// Adds `s` to `out` when it may hold an error text; a JSON text, as its strings that may
/// ([`collect_error_texts`]). The light mappings of CSV rows collect their cells with it too.
pub(super) fn push_error_text(s: &str, out: &mut Vec<String>) {
    if !may_hold_error(s) {
        return;
    }
    match json_text(s) {
        Some(inner) => for_each_string(&inner, &mut |x| push_error_text(x, out)),
        None => out.push(s.to_string()),
    }
}

/// A string that holds a JSON object or array, parsed.
fn json_text(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(t)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

/// Maps a record of the given family.
pub fn map(family: Family, v: &Value) -> RawAudit {
    let mut raw = match family {
        Family::Graph(_) => map_graph(v),
        Family::AzureMonitor => map_azure_monitor(v),
        Family::Ual => return map_ual_record(v, ual_inner(v).as_deref()),
    };
    collect_error_texts(v, &mut raw);
    raw
}

fn prop_value(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn map_props(t: &Value) -> Vec<RawProp> {
    array_of(t, "modifiedProperties")
        .iter()
        .map(|p| RawProp {
            name: str_any(p, &["displayName", "Name"]).unwrap_or_default(),
            old: prop_value(get_any(p, &["oldValue", "OldValue"])),
            new: prop_value(get_any(p, &["newValue", "NewValue"])),
        })
        .collect()
}

/// Graph `directoryAudit` (camel or Pascal), Log Analytics rows (dynamic columns possibly JSON text).
pub fn map_graph(v: &Value) -> RawAudit {
    let mut raw = RawAudit {
        time: str_any(v, &["activityDateTime"]),
        time_fallback: str_any(v, &["TimeGenerated", "TimeGenerated [UTC]", "time"]),
        activity: str_any(
            v,
            &["activityDisplayName", "OperationName", "operationName"],
        ),
        category: str_of(v, "category"),
        result: str_any(v, &["result", "ResultType", "resultType"]),
        result_reason: str_any(
            v,
            &["resultReason", "ResultDescription", "resultDescription"],
        ),
        correlation_id: str_of(v, "correlationId"),
        record_id: str_of(v, "id"),
        ..Default::default()
    };
    if let Some(ib) = get(v, "initiatedBy").and_then(structured) {
        if let Some(u) = get(&ib, "user").filter(|u| u.as_object().is_some_and(|o| !o.is_empty())) {
            raw.actor.user_id = str_of(u, "id");
            raw.actor.upn = str_of(u, "userPrincipalName");
            raw.actor.user_display_name = str_of(u, "displayName");
            raw.actor.ip = str_of(u, "ipAddress");
        }
        if let Some(a) = get(&ib, "app").filter(|a| a.as_object().is_some_and(|o| !o.is_empty())) {
            raw.actor.app_name = str_of(a, "displayName");
            raw.actor.app_id = str_of(a, "appId");
            raw.actor.service_principal_id = str_of(a, "servicePrincipalId");
            raw.actor.service_principal_name = str_of(a, "servicePrincipalName");
        }
    }
    if raw.actor == RawActor::default() {
        // Log Analytics `Identity` / Azure Monitor `identity`: the actor's display name.
        raw.actor.app_name = str_any(v, &["Identity", "InitiatingUserOrApp"]);
    }
    raw.targets = array_of(v, "targetResources")
        .iter()
        .map(|t| RawTarget {
            kind: str_any(t, &["type", "Type"]),
            id: str_of(t, "id"),
            upn: str_of(t, "userPrincipalName"),
            display_name: str_of(t, "displayName"),
            modified: map_props(t),
        })
        .collect();
    raw.additional = array_of(v, "additionalDetails")
        .iter()
        .filter_map(|d| Some((str_of(d, "key")?, str_of(d, "value").unwrap_or_default())))
        .collect();
    raw
}

/// Azure Monitor diagnostic record: the Graph object sits in `properties`; top-level fields fill gaps.
pub fn map_azure_monitor(v: &Value) -> RawAudit {
    let props = get(v, "properties")
        .and_then(structured)
        .unwrap_or(Cow::Owned(Value::Null));
    let mut raw = map_graph(&props);
    raw.time_fallback = str_of(v, "time");
    if raw.time.is_none() {
        raw.time = raw.time_fallback.take();
    }
    raw.activity = raw.activity.or_else(|| str_of(v, "operationName"));
    raw.correlation_id = raw.correlation_id.or_else(|| str_of(v, "correlationId"));
    raw.result = raw
        .result
        .or_else(|| str_any(v, &["resultType", "resultSignature"]));
    raw.result_reason = raw.result_reason.or_else(|| str_of(v, "resultDescription"));
    if raw.actor == RawActor::default() {
        raw.actor.app_name = str_of(v, "identity");
    }
    if raw.actor.ip.is_none() && raw.actor.upn.is_some() {
        raw.actor.ip = str_of(v, "callerIpAddress");
    }
    raw
}

/// An `Actor[]` / `Target[]` element as [`ual_identity`] reads it: its `ID` as text and its
/// `Type` as a number (a numeric string counts). The light mapping borrows the `ID` from the
/// record: most entries are dropped, and [`ual_identity`] copies only those it keeps.
pub(super) type UalEntry<'a> = (Option<Cow<'a, str>>, Option<i64>);

fn ual_entry(e: &Value) -> UalEntry<'static> {
    let ty = get(e, "Type").and_then(|x| x.as_i64().or_else(|| identity_type(x.as_str()?)));
    (str_of(e, "ID").map(Cow::Owned), ty)
}

/// An `Actor[]` / `Target[]` element's `Type` written as text: a number, or the IdentityType's
/// name (`Search-UnifiedAuditLog -Formatted` writes enum names for numbers), in any ASCII case.
pub(super) fn identity_type(s: &str) -> Option<i64> {
    const NAMES: [&str; 6] = ["Claim", "Name", "Other", "PUID", "SPN", "UPN"];
    s.parse().ok().or_else(|| {
        let s = crate::model::trim(s);
        (0i64..)
            .zip(NAMES)
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(i, _)| i)
    })
}

/// The object classes an `Other` (type 2) entry names, alone or as `<class>_<guid>`.
const UAL_KINDS: [&str; 5] = ["User", "Group", "ServicePrincipal", "Application", "Device"];

/// Splits an IdentityType-tagged `Actor[]` / `Target[]` list (Office 365 Management Activity schema:
/// 1 Name, 2 Other (object id, `User_<guid>`, class), 3 PUID, 4 SPN, 5 UPN) into the objects it
/// names, in order. A list names each object by a run of entries (a membership change's targets:
/// the user's UPN, PUID, `User_<guid>`, id and class, then the group's `Group_<guid>`, id, class
/// and name); an entry the current object already has a different value for starts the next.
fn ual_objects(list: Vec<UalEntry<'_>>) -> Vec<RawTarget> {
    /// The field of an object an entry fills.
    type Slot = fn(&mut RawTarget) -> &mut Option<String>;
    let mut objects = vec![RawTarget::default()];
    // an id is copied (or moved) only where it is kept: a record lists five or so, and two or
    // three of them are used
    fn differs(slot: &Option<String>, value: &str) -> bool {
        slot.as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case(value))
    }
    for (id, ty) in list {
        let Some(id) = id else { continue };
        let (slot, kind, value): (Slot, Option<&str>, &str) = match ty {
            Some(5) => (|t| &mut t.upn, None, &id),
            Some(1) => (|t| &mut t.display_name, None, &id),
            Some(2) => match id.split_once('_') {
                Some((kind, guid)) if UAL_KINDS.contains(&kind) => {
                    (|t| &mut t.id, Some(kind), guid)
                }
                _ if UAL_KINDS.contains(&&*id) => (|t| &mut t.kind, None, &id),
                _ if id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4 => {
                    (|t| &mut t.id, None, &id)
                }
                _ => continue,
            },
            _ => continue,
        };
        let t = objects.last_mut().expect("never empty");
        let next = differs(slot(t), value) || kind.is_some_and(|k| differs(&t.kind, k));
        if next {
            objects.push(RawTarget::default());
        }
        let t = objects.last_mut().expect("never empty");
        if let Some(k) = kind {
            t.kind.get_or_insert_with(|| k.to_string());
        }
        slot(t).get_or_insert_with(|| value.to_string());
    }
    objects
}

/// An `Actor[]` list read as one identity: the first value of each kind over all its entries (an
/// actor's list may name the application it acted through, `Microsoft Office 365 Portal` and its
/// app id, before the user's own `User_<guid>`).
fn ual_identity(list: Vec<UalEntry<'_>>) -> RawTarget {
    let mut objects = ual_objects(list).into_iter();
    let mut t = objects.next().unwrap_or_default();
    for o in objects {
        t.upn = t.upn.or(o.upn);
        t.display_name = t.display_name.or(o.display_name);
        t.kind = t.kind.or(o.kind);
        t.id = t.id.or(o.id);
    }
    t
}

/// The record a unified-audit-log wrapper holds: its `auditData` / `AuditData` (decoded when it is
/// JSON text), `None` when it has none. Purview CSV rows are turned into
/// `{"CreationDate":..,"AuditData":"{..}"}`; the Graph audit query API wraps it as `auditData`.
/// Decoded once per record and handed to [`ual_in_scope`] and [`map_ual`].
pub fn ual_inner(v: &Value) -> Option<Cow<'_, Value>> {
    get(v, "auditData")
        .or_else(|| get(v, "AuditData"))
        .and_then(structured)
}

/// [`map`] of a unified-audit-log record whose [`ual_inner`] is already decoded.
pub fn map_ual_record(v: &Value, inner: Option<&Value>) -> RawAudit {
    let mut raw = map_ual(v, inner);
    match (inner, v) {
        // the record's texts as decoded, then the wrapper's other members: the `AuditData` JSON
        // text read whole would be one text holding every address of the record, and an error's
        // text is the string that says it
        (Some(i), Value::Object(outer)) => {
            collect_error_texts(i, &mut raw);
            for (k, x) in outer {
                if !k.eq_ignore_ascii_case("auditData") {
                    collect_error_texts(x, &mut raw);
                }
            }
        }
        _ => collect_error_texts(v, &mut raw),
    }
    raw
}

/// What a unified-audit-log record says, read from its `Value` here or from its light parse
/// (`lightaudit`); [`UalRead::assemble`] puts it together the same way for both.
pub(super) struct UalRead<'a> {
    /// Time, fallback time, activity, result, correlation and record id.
    pub head: RawAudit,
    pub actors: Vec<UalEntry<'a>>,
    pub targets: Vec<UalEntry<'a>>,
    /// `UserId`, `ActorIpAddress` / `ClientIP`, `ObjectId` as text.
    pub user_id: Option<String>,
    pub ip: Option<String>,
    pub object_id: Option<String>,
    pub modified: Vec<RawProp>,
    /// `ExtendedProperties`, the `additionalDetails` JSON object already split into its pairs.
    pub additional: Vec<(String, String)>,
}

impl UalRead<'_> {
    pub(super) fn assemble(self) -> RawAudit {
        let UalRead {
            head: mut raw,
            actors,
            targets,
            user_id,
            ip,
            object_id,
            modified,
            additional,
        } = self;
        let gbl = actors
            .iter()
            .filter_map(|(id, _)| id.as_deref())
            .find(|n| crate::model::event::is_gbl_actor_name(n))
            .map(str::to_string);
        let a = ual_identity(actors);
        if let Some(name) = gbl {
            raw.actor.app_name = Some(name);
        } else if a.kind.as_deref() == Some("ServicePrincipal")
            || (a.upn.is_none() && a.display_name.is_some())
        {
            raw.actor.app_name = a.display_name.clone();
            raw.actor.service_principal_id = a.id.clone();
        } else {
            raw.actor.upn = a.upn.or_else(|| user_id.filter(|u| u.contains('@')));
            raw.actor.user_id = a.id;
            raw.actor.user_display_name = a.display_name;
            raw.actor.ip = ip;
        }
        let mut objects = ual_objects(targets).into_iter();
        let mut target = objects.next().unwrap_or_default();
        let listed_group = objects.find(|o| o.kind.as_deref() == Some("Group"));
        if target.upn.is_none() && target.kind.as_deref() != Some("Group") {
            target.upn = object_id.filter(|o| o.contains('@'));
        }
        if target.kind.is_none() && target.upn.is_some() {
            target.kind = Some("User".into());
        }
        target.modified = modified;
        // Membership changes name the group only in `Group.ObjectID` / `Group.DisplayName`
        // properties; Graph exports carry it as a second target, so the UAL mapping adds one too.
        let prop = |name: &str| {
            target
                .modified
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(name))
                .and_then(|p| {
                    // a removal has the group in `OldValue`, its `NewValue` empty
                    [&p.new, &p.old]
                        .into_iter()
                        .flatten()
                        .map(|s| s.trim().trim_matches('"').trim())
                        .find(|s| !s.is_empty())
                })
                .map(str::to_string)
        };
        let mut group = (prop("Group.ObjectID"), prop("Group.DisplayName"));
        if let Some(g) = listed_group {
            group.0 = group.0.or(g.id);
            group.1 = group.1.or(g.display_name);
        }
        raw.targets = vec![target];
        if group.0.is_some() || group.1.is_some() {
            raw.targets.push(RawTarget {
                kind: Some("Group".into()),
                id: group.0,
                display_name: group.1,
                ..Default::default()
            });
        }
        // a failure's text, as Graph's `resultReason` holds it (formats.md: UAL failures may carry
        // an `ExtendedProperties` entry `MethodExecutionResult.`)
        if raw.result_reason.is_none() {
            raw.result_reason = additional
                .iter()
                .find(|(k, _)| {
                    k.trim()
                        .trim_end_matches('.')
                        .eq_ignore_ascii_case("MethodExecutionResult")
                })
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty());
        }
        raw.additional = additional;
        raw
    }
}

/// Unified audit log `AuditData` (or a Graph audit-log-query record with `auditData`); `inner` is
/// its [`ual_inner`].
fn map_ual(v: &Value, inner: Option<&Value>) -> RawAudit {
    let outer = v;
    let v = inner.unwrap_or(v);
    let entries = |key: &str| array_of(v, key).iter().map(ual_entry).collect();
    let mut additional = Vec::new();
    for d in array_of(v, "ExtendedProperties").iter() {
        let Some(name) = str_of(d, "Name") else {
            continue;
        };
        let value = str_of(d, "Value").unwrap_or_default();
        // `additionalDetails` holds a JSON object as text: its pairs are the Graph additionalDetails.
        match serde_json::from_str::<Value>(&value) {
            Ok(Value::Object(m)) if name.eq_ignore_ascii_case("additionalDetails") => {
                for (k, x) in m {
                    additional.push((k, text(&x).unwrap_or_default()));
                }
            }
            _ => additional.push((name, value)),
        }
    }
    UalRead {
        head: RawAudit {
            time: str_of(v, "CreationTime"),
            time_fallback: str_any(outer, &["createdDateTime", "CreationDate"]),
            activity: str_of(v, "Operation")
                .or_else(|| str_any(outer, &["operation", "Operations"])),
            category: None,
            result: str_of(v, "ResultStatus"),
            result_reason: None,
            correlation_id: str_of(v, "InterSystemsId"),
            record_id: str_of(v, "Id").or_else(|| str_any(outer, &["id", "RecordId"])),
            ..Default::default()
        },
        actors: entries("Actor"),
        targets: entries("Target"),
        user_id: str_of(v, "UserId"),
        ip: str_any(v, &["ActorIpAddress", "ClientIP"]),
        object_id: str_of(v, "ObjectId"),
        modified: array_of(v, "ModifiedProperties")
            .iter()
            .map(|p| RawProp {
                name: str_of(p, "Name").unwrap_or_default(),
                old: prop_value(get(p, "OldValue")),
                new: prop_value(get(p, "NewValue")),
            })
            .collect(),
        additional,
    }
    .assemble()
}

/// Whether a UAL record is an Entra directory event (workload `AzureActiveDirectory`, record type 8).
/// Other workloads and the sign-in record types (9 account logon, 15 STS logon) are out of scope; the
/// error names what the record is.
/// `inner` is its [`ual_inner`].
pub fn ual_in_scope(v: &Value, inner: Option<&Value>) -> Result<(), String> {
    let workload = inner
        .and_then(|i| str_of(i, "Workload"))
        .or_else(|| str_any(v, &["Workload", "service"]));
    let rt = inner
        .and_then(|i| get(i, "RecordType").and_then(text))
        .or_else(|| str_any(v, &["RecordType", "auditLogRecordType"]));
    ual_scope(workload, rt)
}

/// [`ual_in_scope`] of a record's workload and record type as text.
pub(super) fn ual_scope(workload: Option<String>, rt: Option<String>) -> Result<(), String> {
    match workload {
        Some(w) if !w.eq_ignore_ascii_case("AzureActiveDirectory") => {
            return Err(format!("{w} workload"))
        }
        _ => {}
    }
    match rt.as_deref() {
        None | Some("8") => Ok(()),
        Some(t)
            if t.eq_ignore_ascii_case("AzureActiveDirectory")
                || t.eq_ignore_ascii_case("azureActiveDirectory") =>
        {
            Ok(())
        }
        Some("9") | Some("15") => Err(format!(
            "sign-in record (RecordType {})",
            rt.unwrap_or_default()
        )),
        Some(t) if t.to_ascii_lowercase().contains("logon") => Err(format!("sign-in record ({t})")),
        Some(t) if t.chars().all(|c| c.is_ascii_digit()) => Err(format!("RecordType {t}")),
        Some(_) => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// CSV exports

/// Which CSV export a header row is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsvKind {
    Portal,
    LogAnalytics,
    Purview,
}

/// Columns of the admin-center download before the additional-detail pairs: 17 fixed columns and
/// 3 targets x (4 + 5 modified properties x 3).
pub const PORTAL_FIXED_COLUMNS: usize = 17 + 3 * 19;
/// Columns of the admin-center download as formats.md lists them (6 additional-detail pairs); the
/// reference's own total says 96, so longer headers are accepted and mapped by the same order.
pub const PORTAL_COLUMNS: usize = PORTAL_FIXED_COLUMNS + 6 * 2;

/// Where target `t` (0-2) of an admin-center row sits: its first column (type, then display name,
/// id and UPN) and the name columns of its five modified properties (each followed by the old and
/// the new value).
pub(super) fn portal_target_columns(t: usize) -> (usize, [usize; 5]) {
    let base = 17 + t * 19;
    (base, std::array::from_fn(|m| base + 4 + m * 3))
}

/// Whether the target at `base` is one: its type, display name or id, or a property's name, is
/// filled (`filled(i)`: column `i` is not blank). A target with only properties is one. Every
/// reading of an admin-center row (the full path, the light mapping, its error texts) asks this.
pub(super) fn portal_target_present(
    filled: impl Fn(usize) -> bool,
    base: usize,
    names: &[usize; 5],
) -> bool {
    filled(base) || filled(base + 1) || filled(base + 2) || names.iter().any(|&pb| filled(pb))
}

/// A header cell's text without white space, a byte-order mark or quotes around it.
fn header_text(h: &str) -> &str {
    h.trim()
        .trim_start_matches('\u{feff}')
        .trim_matches('"')
        .trim()
}

fn norm_header(h: &str) -> String {
    let h = header_text(h);
    let h = h.strip_suffix("[UTC]").unwrap_or(h).trim();
    h.to_string()
}

/// The first time column of an audit CSV header written in another zone than UTC
/// (`TimeGenerated [Local Time]`, `ActivityDateTime [UTC+02:00]`: Log Analytics' export when its
/// display time zone is not UTC), when no time column is in UTC: such a file's times cannot be read
/// as instants (the zone they were shown in is not in the file), and read as UTC they would be
/// hours off.
pub fn zoned_time_column(headers: &[String]) -> Option<&str> {
    const TIMES: [&str; 3] = ["timegenerated", "activitydatetime", "creationdate"];
    let mut zoned = None;
    for h in headers {
        let t = header_text(h);
        let (name, zone) = match t.split_once('[') {
            Some((n, z)) => (n.trim(), Some(z.trim_end_matches(']').trim())),
            None => (t, None),
        };
        if !TIMES.iter().any(|k| name.eq_ignore_ascii_case(k)) {
            continue;
        }
        match zone {
            None => return None,
            Some(z) if z.eq_ignore_ascii_case("UTC") => return None,
            Some(_) => {
                zoned.get_or_insert(h.as_str());
            }
        }
    }
    zoned
}

/// Detects an audit CSV export from its header row.
pub fn classify_csv(headers: &[String]) -> Option<CsvKind> {
    let hs: Vec<String> = headers
        .iter()
        .map(|h| norm_header(h).to_ascii_lowercase())
        .collect();
    let has = |k: &str| hs.iter().any(|h| h == &k.to_ascii_lowercase());
    if has("AuditData") {
        return Some(CsvKind::Purview);
    }
    let positional = hs.get(1).is_some_and(|h| h == "correlationid")
        || hs.first().is_some_and(|h| h.contains("(utc)"));
    if hs.len() >= PORTAL_COLUMNS && (positional || has("ActorType")) {
        return Some(CsvKind::Portal);
    }
    if hs.first().is_some_and(|h| h == "date (utc)") && has("activity") {
        return Some(CsvKind::Portal);
    }
    if has("OperationName")
        || has("ActivityDisplayName")
        || (has("TimeGenerated") && has("TargetResources"))
    {
        return Some(CsvKind::LogAnalytics);
    }
    None
}

fn cell(row: &[String], i: usize) -> Option<&str> {
    row.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn jstr(s: Option<&str>) -> Value {
    s.map(|x| Value::String(x.to_string()))
        .unwrap_or(Value::Null)
}

/// Admin-center CSV row -> Graph-shaped object. Columns are mapped by position (the order is fixed;
/// headers may be localized): 17 fixed columns, 3 targets x (4 + 5 x 3), 6 additional-detail pairs.
/// An admin-center row mapped as a Graph object ([`portal_row_to_value`]), with the key of its
/// whole row: the download has no record id ([`RawAudit::content_key`]).
pub fn map_portal(row: &[String]) -> RawAudit {
    let mut raw = map(
        Family::Graph(AuditFormat::PortalCsv),
        &portal_row_to_value(row),
    );
    raw.content_key = Some(crate::model::RecordKey::of_cells(row));
    raw
}

pub fn portal_row_to_value(row: &[String]) -> Value {
    // objects are built by moving their values in: `json!` would serialize (deep-copy) every
    // nested value it is given
    fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
    let c = |i| cell(row, i);
    let actor_type = c(8).unwrap_or("").to_ascii_lowercase();
    let initiated = if actor_type.starts_with("user") || (actor_type.is_empty() && c(11).is_some())
    {
        let user = object([
            ("displayName", jstr(c(9))),
            ("id", jstr(c(10))),
            ("userPrincipalName", jstr(c(11))),
            ("ipAddress", jstr(c(12))),
        ]);
        object([("user", user)])
    } else {
        let app = object([
            ("displayName", jstr(c(9))),
            ("servicePrincipalId", jstr(c(15))),
            ("servicePrincipalName", jstr(c(16))),
        ]);
        object([("app", app)])
    };
    let mut targets = Vec::new();
    for t in 0..3 {
        let (base, names) = portal_target_columns(t);
        if !portal_target_present(|i| c(i).is_some(), base, &names) {
            continue;
        }
        let mut props = Vec::new();
        for pb in names {
            if let Some(name) = c(pb) {
                props.push(object([
                    ("displayName", jstr(Some(name))),
                    ("oldValue", jstr(c(pb + 1))),
                    ("newValue", jstr(c(pb + 2))),
                ]));
            }
        }
        targets.push(object([
            ("type", jstr(c(base))),
            ("displayName", jstr(c(base + 1))),
            ("id", jstr(c(base + 2))),
            ("userPrincipalName", jstr(c(base + 3))),
            ("modifiedProperties", Value::Array(props)),
        ]));
    }
    let mut details = Vec::new();
    let detail = |key: &str, value: Value| object([("key", jstr(Some(key))), ("value", value)]);
    if let Some(ua) = c(7) {
        details.push(detail("User-Agent", jstr(Some(ua))));
    }
    let pairs = row.len().saturating_sub(PORTAL_FIXED_COLUMNS) / 2;
    for k in 0..pairs {
        let b = PORTAL_FIXED_COLUMNS + k * 2;
        if let Some(key) = c(b) {
            details.push(detail(key, jstr(c(b + 1))));
        }
    }
    object([
        ("activityDateTime", jstr(c(0))),
        ("correlationId", jstr(c(1))),
        ("loggedByService", jstr(c(2))),
        ("category", jstr(c(3))),
        ("activityDisplayName", jstr(c(4))),
        ("result", jstr(c(5))),
        ("resultReason", jstr(c(6))),
        ("initiatedBy", initiated),
        ("targetResources", Value::Array(targets)),
        ("additionalDetails", Value::Array(details)),
    ])
}

/// The keys of a Log Analytics / Purview CSV's columns: its header names normalized (white space,
/// quotes, a BOM and a `[UTC]` suffix removed), computed once per file for [`named_row_to_value`].
pub fn header_keys(headers: &[String]) -> Vec<String> {
    headers.iter().map(|h| norm_header(h)).collect()
}

/// Log Analytics / Purview CSV row -> object keyed by the column keys ([`header_keys`]).
pub fn named_row_to_value(keys: &[String], row: &[String]) -> Value {
    let mut m = Map::new();
    for (key, v) in keys.iter().zip(row) {
        if key.is_empty() || v.trim().is_empty() {
            continue;
        }
        m.insert(key.clone(), Value::String(v.clone()));
    }
    Value::Object(m)
}

/// Text of a JSON string value, for `text` callers outside this module.
pub fn as_text(v: &Value) -> Option<String> {
    text(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A time column in another zone is found only when no time column is in UTC.
    #[test]
    fn zoned_time_columns() {
        let cols = |hs: &[&str]| hs.iter().map(|h| h.to_string()).collect::<Vec<_>>();
        let local = cols(&[
            "TenantId",
            "TimeGenerated [Local Time]",
            "ActivityDateTime [Local Time]",
        ]);
        assert_eq!(
            zoned_time_column(&local),
            Some("TimeGenerated [Local Time]")
        );
        let offset = cols(&["\u{feff}\"TimeGenerated [UTC+02:00]\"", "OperationName"]);
        assert_eq!(
            zoned_time_column(&offset),
            Some("\u{feff}\"TimeGenerated [UTC+02:00]\"")
        );
        for ok in [
            cols(&["TimeGenerated [UTC]", "ActivityDateTime [UTC]"]),
            cols(&["TimeGenerated", "OperationName"]),
            cols(&["TimeGenerated [UTC]", "ActivityDateTime [Local Time]"]),
            cols(&["Date (UTC)", "Activity", "Other [thing]"]),
        ] {
            assert_eq!(zoned_time_column(&ok), None, "{ok:?}");
        }
    }

    /// What [`ClassKey::of`] answers, by comparing `k` with every name in turn.
    fn class_bit_by_scan(k: &str) -> u32 {
        ClassKey::NAMES
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(k))
            .fold(0, |bits, &(_, key)| bits | key.bit())
    }

    proptest! {
        /// Any case of a name, a name with a byte changed, cut or lengthened, or any other text
        /// gets the bit a scan of the names gives.
        #[test]
        fn class_key_bits_are_those_of_a_scan(
            i in 0..ClassKey::NAMES.len(),
            upper in proptest::collection::vec(any::<bool>(), 19),
            edit in 0..4u8,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            other in "\\PC{0,24}",
        ) {
            let name = ClassKey::NAMES[i].0;
            let mut k: Vec<u8> = name
                .bytes()
                .zip(&upper)
                .map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c })
                .collect();
            let at = at.index(k.len());
            match edit {
                0 => {}
                1 => k[at] = byte,
                2 => k.truncate(at),
                _ => k.insert(at, byte),
            }
            for key in [String::from_utf8_lossy(&k).into_owned(), other] {
                prop_assert_eq!(ClassKey::of(&key), class_bit_by_scan(&key), "{:?}", key);
            }
        }
    }

    #[test]
    fn every_class_key_has_its_own_bit() {
        let bits = ClassKey::NAMES.iter().map(|&(_, k)| k.bit());
        assert_eq!(
            bits.clone().fold(0, |a, b| a | b).count_ones() as usize,
            ClassKey::NAMES.len()
        );
        for (name, key) in ClassKey::NAMES {
            assert_eq!(
                ClassKey::of(&name.to_ascii_uppercase()),
                key.bit(),
                "{name}"
            );
        }
    }

    #[test]
    fn error_needles_hold_no_csv_syntax() {
        for n in ERROR_NEEDLES {
            assert!(!n.contains(['"', ',', '\r', '\n']), "{n}");
        }
    }
    use serde_json::json;

    fn entries(v: serde_json::Value) -> Vec<UalEntry<'static>> {
        v.as_array().unwrap().iter().map(ual_entry).collect()
    }

    /// A membership change's targets name the user, then the group: the group's name is not the
    /// user's; an actor's list that names the application it acted through is one identity.
    #[test]
    fn ual_lists_are_split_into_the_objects_they_name() {
        let targets = entries(json!([
            {"ID":"kai@x.example","Type":5},{"ID":"B575224B681A3039","Type":3},
            {"ID":"User_33d200b0-a163-5316-9144-adf328e4e972","Type":2},
            {"ID":"33d200b0-a163-5316-9144-adf328e4e972","Type":2},{"ID":"User","Type":2},
            {"ID":"Group_c6658d71-2aab-54f0-bd87-9cbfd99c66c7","Type":2},
            {"ID":"c6658d71-2aab-54f0-bd87-9cbfd99c66c7","Type":2},{"ID":"Group","Type":2},
            {"ID":"LIC-PowerBI","Type":1}]));
        let o = ual_objects(targets);
        assert_eq!(o.len(), 2);
        assert_eq!(
            (
                o[0].upn.as_deref(),
                o[0].display_name.as_deref(),
                o[0].kind.as_deref()
            ),
            (Some("kai@x.example"), None, Some("User"))
        );
        assert_eq!(
            (
                o[1].id.as_deref(),
                o[1].display_name.as_deref(),
                o[1].kind.as_deref()
            ),
            (
                Some("c6658d71-2aab-54f0-bd87-9cbfd99c66c7"),
                Some("LIC-PowerBI"),
                Some("Group")
            )
        );
        // from a real export (shared/samples): the portal application, then the user
        let actor = ual_identity(entries(json!([
            {"ID":"root@x.example","Type":5},{"ID":"1003200112EB07E6","Type":3},
            {"ID":"Microsoft Office 365 Portal","Type":1},
            {"ID":"00000006-0000-0ff1-ce00-000000000000","Type":2},
            {"ID":"User_21119711-1517-43d4-8138-b537dafad016","Type":2},
            {"ID":"21119711-1517-43d4-8138-b537dafad016","Type":2},{"ID":"User","Type":2}])));
        assert_eq!(
            (actor.upn.as_deref(), actor.kind.as_deref()),
            (Some("root@x.example"), Some("User"))
        );
        assert_eq!(ual_objects(Vec::new()).len(), 1);
    }

    #[test]
    fn classifies_each_family() {
        let graph = json!({"activityDisplayName":"Change user license","activityDateTime":"2025-03-04T08:15:02Z"});
        assert_eq!(
            classify(&graph),
            Some(Family::Graph(AuditFormat::GraphJson))
        );
        let pascal = json!({"ActivityDisplayName":"x","ActivityDateTime":"2025-03-04T08:15:02Z","InitiatedBy":{}});
        assert_eq!(
            classify(&pascal),
            Some(Family::Graph(AuditFormat::GraphJson))
        );
        let la = json!({"TimeGenerated":"2025","OperationName":"x","InitiatedBy":"{}"});
        assert_eq!(
            classify(&la),
            Some(Family::Graph(AuditFormat::LogAnalyticsJson))
        );
        let am = json!({"time":"2025","operationName":"x","properties":{}});
        assert_eq!(classify(&am), Some(Family::AzureMonitor));
        let ual = json!({"CreationTime":"2021-02-04T16:33:14","Operation":"Update user.","Workload":"AzureActiveDirectory"});
        assert_eq!(classify(&ual), Some(Family::Ual));
        assert_eq!(classify(&json!({"foo":[1]})), None);
    }

    #[test]
    fn la_dynamic_columns_are_decoded() {
        let v = json!({"TimeGenerated":"2025-03-04T07:59:40.441Z","OperationName":"Finish applying group based license to users",
            "InitiatedBy":"{\"app\":{\"displayName\":\"Microsoft Azure AD Group-Based Licensing\"}}",
            "TargetResources":"[{\"id\":\"g1\",\"type\":\"Group\",\"modifiedProperties\":[{\"displayName\":\"Result\",\"oldValue\":\"[]\",\"newValue\":\"[Users successfully assigned licenses: 1, Users for whom license assignment failed: 0.];\"}]}]"});
        let r = map(classify(&v).unwrap(), &v);
        assert_eq!(
            r.actor.app_name.as_deref(),
            Some("Microsoft Azure AD Group-Based Licensing")
        );
        assert_eq!(r.targets[0].modified[0].name, "Result");
        assert_eq!(r.time_fallback.as_deref(), Some("2025-03-04T07:59:40.441Z"));
    }

    #[test]
    fn ual_identities() {
        let v = json!({"CreationTime":"2021-02-04T16:33:14","Operation":"Change user license.","Workload":"AzureActiveDirectory",
          "ResultStatus":"Success","UserId":"root@x.example","ObjectId":"eve@x.example",
          "Actor":[{"ID":"root@x.example","Type":5},{"ID":"User_2111","Type":2},{"ID":"User","Type":2}],
          "Target":[{"ID":"User_43399311-1c28-4cce-a8bc-7e6e791473f2","Type":2},{"ID":"User","Type":2},{"ID":"eve@x.example","Type":5}]});
        let r = map(Family::Ual, &v);
        assert_eq!(r.actor.upn.as_deref(), Some("root@x.example"));
        assert_eq!(
            r.targets[0].id.as_deref(),
            Some("43399311-1c28-4cce-a8bc-7e6e791473f2")
        );
        assert_eq!(r.targets[0].upn.as_deref(), Some("eve@x.example"));
        assert_eq!(r.targets[0].kind.as_deref(), Some("User"));
        assert!(ual_in_scope(&json!({"Workload":"Exchange"}), None).is_err());
    }

    #[test]
    fn portal_row_by_position() {
        let mut row = vec![String::new(); PORTAL_COLUMNS];
        row[0] = "2025-03-04T07:59:40.4410012Z".into();
        row[4] = "Finish applying group based license to users".into();
        row[8] = "Application".into();
        row[9] = "Microsoft Azure AD Group-Based Licensing".into();
        row[17] = "Group".into();
        row[18] = "LIC-M365-E3".into();
        row[21] = "Result".into();
        row[23] = "[Users successfully assigned licenses: 118, Users for whom license assignment failed: 4.];".into();
        let v = portal_row_to_value(&row);
        let r = map_graph(&v);
        assert_eq!(
            r.actor.app_name.as_deref(),
            Some("Microsoft Azure AD Group-Based Licensing")
        );
        assert_eq!(r.targets.len(), 1);
        assert_eq!(r.targets[0].modified[0].name, "Result");
        let hs: Vec<String> = std::iter::once("Fecha (UTC)".to_string())
            .chain((1..PORTAL_COLUMNS).map(|i| format!("c{i}")))
            .collect();
        assert_eq!(classify_csv(&hs), Some(CsvKind::Portal));
    }

    /// The one rule every reading of an admin-center row shares (`portal_target_present`): a
    /// target is there when its type, display name or id, or one of its properties' names, is
    /// filled; its UPN alone, a property's values alone, or blanks make none.
    #[test]
    fn portal_targets_by_their_filled_columns() {
        let targets = |cells: &[(usize, &str)]| {
            let mut row = vec![String::new(); PORTAL_COLUMNS];
            row[0] = "2026-10-01T00:00:01Z".into();
            row[4] = "Update group".into();
            for &(i, v) in cells {
                row[i] = v.into();
            }
            match &portal_row_to_value(&row)["targetResources"] {
                Value::Array(a) => a.len(),
                other => panic!("{other}"),
            }
        };
        let (base, names) = portal_target_columns(1);
        assert_eq!((base, names[0], names[4]), (36, 40, 52));
        assert_eq!(targets(&[]), 0);
        for filled in [base, base + 1, base + 2, names[0], names[4]] {
            assert_eq!(targets(&[(filled, "x")]), 1, "column {filled}");
        }
        for not_enough in [base + 3, names[0] + 1, names[2] + 2] {
            assert_eq!(targets(&[(not_enough, "x")]), 0, "column {not_enough}");
        }
        assert_eq!(targets(&[(base, "  "), (names[1], "p")]), 1);
        assert_eq!(targets(&[(base, "  "), (names[1], "\t")]), 0);
        assert_eq!(targets(&[(17, "User"), (55 + 4, "p")]), 2);
    }

    #[test]
    fn portal_row_as_a_whole_object() {
        let mut row = vec![String::new(); PORTAL_COLUMNS];
        for (i, v) in [
            (0, "2026-10-01T00:00:01Z"),
            (1, " c1 "),
            (4, "Add member to group"),
            (5, "success"),
            (7, "UA"),
            (8, ""),
            (10, "u1"),
            (11, "a@x.example"),
            (17 + 19, "Group"),
            (17 + 19 + 2, "g1"),
            (17 + 19 + 4, "Group.DisplayName"),
            (17 + 19 + 6, "\"LIC\""),
            (PORTAL_FIXED_COLUMNS, "k"),
            (PORTAL_FIXED_COLUMNS + 1, "v"),
        ] {
            row[i] = v.into();
        }
        assert_eq!(
            portal_row_to_value(&row),
            json!({
                "activityDateTime": "2026-10-01T00:00:01Z", "correlationId": "c1",
                "loggedByService": null, "category": null, "activityDisplayName": "Add member to group",
                "result": "success", "resultReason": null,
                "initiatedBy": {"user": {"displayName": null, "id": "u1",
                    "userPrincipalName": "a@x.example", "ipAddress": null}},
                "targetResources": [{"type": "Group", "displayName": null, "id": "g1",
                    "userPrincipalName": null, "modifiedProperties": [
                        {"displayName": "Group.DisplayName", "oldValue": null, "newValue": "\"LIC\""}]}],
                "additionalDetails": [{"key": "User-Agent", "value": "UA"}, {"key": "k", "value": "v"}],
            })
        );
    }
}
