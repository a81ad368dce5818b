//! Graph and Azure Monitor records mapped to [`RawAudit`] straight from the light parse
//! ([`lightjson`]), without building a `serde_json::Value` tree: the path of records that hold a
//! licensing needle (membership changes, license changes), which the fast path cannot just count.
//! Admin-center CSV rows with a needle are mapped from their cells the same way
//! ([`map_portal_row`]), Log Analytics rows from their text cells and one JSON object written from
//! their JSON cells ([`map_la_row`]), and Purview rows from their `AuditData` JSON and their other cells
//! ([`map_purview_row`]).
//!
//! It gives exactly what [`audit::map`] gives on the parsed record, or gives up (`None`) and the
//! caller takes the full parse. It gives up on whatever it does not render the same way for sure:
//! numbers other than plain integers where text is read (`text` renders them), non-string
//! property values, dynamic columns sent as JSON text (Log Analytics), unified audit log records
//! in JSON exports, out-of-scope Purview rows (the full path says why they are skipped), and any
//! record whose bytes hold an error needle ([`audit::may_hold_error_bytes`], in any ASCII case
//! when the mapping may be lean, [`prefilter::may_hold`]; error records are few and the full path
//! collects their texts). The light parse itself refuses `\u` escapes and escaped keys.

use super::audit::{self, Family};
use super::csvrows::Cells;
use super::lightjson::{self, Doc};
use super::prefilter::{self, LightMap};
use super::raw::{RawActor, RawAudit, RawProp, RawTarget};
use super::value;
use crate::model::AuditFormat;
use std::borrow::Cow;

/// The levels of a record a lean mapping reads (the root is 0): an Azure Monitor record's
/// `properties` (1), their `targetResources` and `initiatedBy` (2), a target and the `user` /
/// `app` (3); a Graph record's are one level up. A container deeper than that is not kept, and
/// reading one would make the mapping unsure (the full path then reads the record), not wrong.
const LEAN_LEVELS: usize = 4;

/// The light mapping is not sure: use the full path.
struct Unsure;

type Sure<T> = Result<T, Unsure>;

/// How a record with these bytes is mapped: `(lean, errors)`. `errors`: the bytes may hold an
/// error text (a JSON record then goes to the full path; a CSV row is mapped whole and its texts
/// collected). `lean`, only when asked (the event will be compacted): no error text and no payload
/// either. Both from one search when `lean` is asked ([`prefilter::may_hold`]).
fn reading(bytes: &[u8], lean: bool) -> (bool, bool) {
    if lean {
        let h = prefilter::may_hold(bytes);
        (!h.error && !h.payload, h.error)
    } else {
        (false, audit::may_hold_error_bytes(bytes))
    }
}

/// A record mapped without a `Value` tree, with the format its keys say; `None` = use the full
/// path. `lean`: the event will be compacted ([`AuditEvent::compact`]), so when the record cannot
/// carry a payload in them ([`reading`]) its modified properties and
/// additional details, which compaction drops, are not read: most membership changes.
///
/// [`AuditEvent::compact`]: crate::model::AuditEvent::compact
pub(super) fn map_record(bytes: &[u8], lean: bool) -> Option<(RawAudit, AuditFormat)> {
    let (lean, errors) = reading(bytes, lean);
    if errors {
        return None;
    }
    // a lean mapping reads four levels at most (an Azure Monitor record's `properties`, its
    // `targetResources`, a target, the target's keys): the modified properties' own keys need not
    // be kept
    let doc = Doc::parse_depth(bytes, if lean { LEAN_LEVELS } else { usize::MAX })?;
    let m = LightMap::borrowed(doc.root_items());
    if m.is_envelope() {
        return None;
    }
    match audit::classify_keys(&m)? {
        Family::Graph(f) => map_graph(&doc, &m, &m, lean).ok().map(|r| (r, f)),
        Family::AzureMonitor => map_azure_monitor(&doc, &m, lean)
            .ok()
            .map(|r| (r, AuditFormat::AzureMonitor)),
        Family::Ual => None,
    }
}

/// `ingest::value::text` of a raw value: strings trimmed, `true`/`false` rendered, empty and
/// `<null>` absent, containers absent; numbers are not sure.
fn text(raw: &str) -> Sure<Option<String>> {
    text_cow(raw).map(|t| t.map(Cow::into_owned))
}

/// [`text`] borrowed from the record where it holds no escape.
fn text_cow(raw: &str) -> Sure<Option<Cow<'_, str>>> {
    match raw.as_bytes().first() {
        Some(b'"') => Ok(match lightjson::unescape_cow(raw).ok_or(Unsure)? {
            Cow::Borrowed(s) => value::present(s).map(Cow::Borrowed),
            Cow::Owned(s) => value::present(&s).map(|t| Cow::Owned(t.to_string())),
        }),
        Some(b't') => Ok(Some("true".into())),
        Some(b'f') => Ok(Some("false".into())),
        Some(b'n' | b'{' | b'[') => Ok(None),
        // an integer serde_json renders as written (a UAL `RecordType`); other numbers are not
        // sure (`1e3` is rendered `1000.0`, `-0` as `-0.0`)
        Some(b'0'..=b'9') if raw.len() <= 18 && raw.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Some(raw.into()))
        }
        _ => Err(Unsure),
    }
}

/// `ingest::value::str_of`.
fn str_of(m: &LightMap<'_>, key: &str) -> Sure<Option<String>> {
    str_of_cow(m, key).map(|t| t.map(Cow::into_owned))
}

/// [`str_of`] borrowed from the record where it holds no escape.
fn str_of_cow<'a>(m: &LightMap<'a>, key: &str) -> Sure<Option<Cow<'a, str>>> {
    m.get(key).map(text_cow).transpose().map(Option::flatten)
}

/// `ingest::value::str_any`: the first key whose text is present.
fn str_any(m: &LightMap<'_>, keys: &[&str]) -> Sure<Option<String>> {
    for k in keys {
        if let Some(s) = str_of(m, k)? {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// A string value: `ingest::value::structured` decodes JSON text (a dynamic column) a second
/// time, which is not sure here; any other string has no keys to read.
fn plain_text(raw: &str) -> Sure<()> {
    let s = lightjson::unescape_str(raw).ok_or(Unsure)?;
    let t = crate::model::trim(&s);
    // a type name where the object belongs (`ConvertTo-Json` at its default depth, `Export-Csv`)
    // is a fault the full path names ([`super::nested`])
    if t.starts_with('{') || t.starts_with('[') || super::snapshot::is_truncation_marker(t) {
        Err(Unsure)
    } else {
        Ok(())
    }
}

/// The object `ingest::value::structured` makes of a raw value; `None` when there are no keys to
/// read (absent, an array, a scalar, a plain string).
fn structured<'a>(doc: &'a Doc<'a>, raw: Option<&str>) -> Sure<Option<LightMap<'a>>> {
    match raw {
        Some(r) if r.starts_with('"') => plain_text(r).map(|()| None),
        Some(r) => object(doc, r),
        None => Ok(None),
    }
}

/// `ingest::value::array_of`: the raw elements (one object becomes a one-item list).
fn array_of<'a>(doc: &'a Doc<'a>, m: &LightMap<'a>, key: &str) -> Sure<Vec<&'a str>> {
    let Some(raw) = m.get(key) else {
        return Ok(Vec::new());
    };
    match raw.as_bytes().first() {
        Some(b'[') => doc.elements(raw).ok_or(Unsure),
        Some(b'{') => Ok(vec![raw]),
        Some(b'"') => plain_text(raw).map(|()| Vec::new()),
        _ => Ok(Vec::new()),
    }
}

/// An element as an object; `None` when it is not one (the full path then reads no keys of it).
fn object<'a>(doc: &'a Doc<'a>, raw: &str) -> Sure<Option<LightMap<'a>>> {
    if raw.starts_with('{') {
        doc.member_items(raw)
            .map(|m| Some(LightMap::borrowed(m)))
            .ok_or(Unsure)
    } else if raw.starts_with('"') {
        plain_text(raw).map(|()| None)
    } else {
        Ok(None)
    }
}

/// A non-empty object member (`initiatedBy.user` / `.app`).
fn filled<'a>(doc: &'a Doc<'a>, m: &LightMap<'a>, key: &str) -> Sure<Option<LightMap<'a>>> {
    match m.get(key) {
        Some(v) => Ok(object(doc, v)?.filter(|o| !o.is_empty())),
        None => Ok(None),
    }
}

/// `audit::prop_value`: strings as they are (untrimmed), null absent; other values are rendered
/// by serde_json in the full path, so not sure here.
fn prop_value(m: &LightMap<'_>, keys: &[&str]) -> Sure<Option<String>> {
    let Some(v) = keys.iter().find_map(|k| m.get(k)) else {
        return Ok(None);
    };
    if v.starts_with('"') {
        lightjson::unescape_str(v).map(Some).ok_or(Unsure)
    } else {
        Err(Unsure)
    }
}

fn map_props<'a>(doc: &'a Doc<'a>, t: &LightMap<'a>) -> Sure<Vec<RawProp>> {
    array_of(doc, t, "modifiedProperties")?
        .into_iter()
        .map(|raw| {
            Ok(match object(doc, raw)? {
                Some(p) => RawProp {
                    name: str_any(&p, &["displayName", "Name"])?.unwrap_or_default(),
                    old: prop_value(&p, &["oldValue", "OldValue"])?,
                    new: prop_value(&p, &["newValue", "NewValue"])?,
                },
                None => RawProp::default(),
            })
        })
        .collect()
}

/// Where [`map_graph`] reads a record's top-level texts: the record's own members (a JSON record),
/// or a Log Analytics row's cells, found by the columns its header gives each key ([`LaTop`]).
trait TopTexts {
    /// `ingest::value::str_any` of the record: the first key whose text is present.
    fn text_any(&self, keys: &[&str]) -> Sure<Option<String>>;
}

impl TopTexts for LightMap<'_> {
    fn text_any(&self, keys: &[&str]) -> Sure<Option<String>> {
        // an activity that is not text, a result that is a boolean: a malformed record the full
        // path names ([`super::nested::scalar_fault`])
        let strict = keys.iter().any(|k| {
            super::nested::ACTIVITY_KEYS.contains(k) || super::nested::RESULT_KEYS.contains(k)
        });
        if strict
            && keys.iter().any(|k| {
                self.get(k).is_some_and(|raw| {
                    !raw.starts_with('"')
                        && !raw.starts_with('n')
                        && !raw.starts_with('{')
                        && !raw.starts_with('[')
                })
            })
        {
            return Err(Unsure);
        }
        str_any(self, keys)
    }
}

/// `audit::map_graph` without its error texts (there are none: [`map_record`] checked); without
/// the modified properties and additional details when `lean`. `v` holds the members read as
/// structures (`initiatedBy`, `targetResources`, `additionalDetails`), `top` gives the texts.
fn map_graph<'a>(
    doc: &'a Doc<'a>,
    v: &LightMap<'a>,
    top: &impl TopTexts,
    lean: bool,
) -> Sure<RawAudit> {
    let mut raw = RawAudit {
        time: top.text_any(&["activityDateTime"])?,
        time_fallback: top.text_any(&["TimeGenerated", "TimeGenerated [UTC]", "time"])?,
        activity: top.text_any(&["activityDisplayName", "OperationName", "operationName"])?,
        category: top.text_any(&["category"])?,
        result: top.text_any(&["result", "ResultType", "resultType"])?,
        result_reason: top.text_any(&["resultReason", "ResultDescription", "resultDescription"])?,
        correlation_id: top.text_any(&["correlationId"])?,
        record_id: top.text_any(&["id"])?,
        ..Default::default()
    };
    if let Some(ib) = structured(doc, v.get("initiatedBy"))? {
        if let Some(u) = filled(doc, &ib, "user")? {
            raw.actor.user_id = str_of(&u, "id")?;
            raw.actor.upn = str_of(&u, "userPrincipalName")?;
            raw.actor.user_display_name = str_of(&u, "displayName")?;
            raw.actor.ip = str_of(&u, "ipAddress")?;
        }
        if let Some(a) = filled(doc, &ib, "app")? {
            raw.actor.app_name = str_of(&a, "displayName")?;
            raw.actor.app_id = str_of(&a, "appId")?;
            raw.actor.service_principal_id = str_of(&a, "servicePrincipalId")?;
            raw.actor.service_principal_name = str_of(&a, "servicePrincipalName")?;
        }
    }
    if raw.actor == RawActor::default() {
        raw.actor.app_name = top.text_any(&["Identity", "InitiatingUserOrApp"])?;
    }
    raw.targets = array_of(doc, v, "targetResources")?
        .into_iter()
        .map(|el| {
            Ok(match object(doc, el)? {
                Some(t) => RawTarget {
                    kind: str_any(&t, &["type", "Type"])?,
                    id: str_of(&t, "id")?,
                    upn: str_of(&t, "userPrincipalName")?,
                    display_name: str_of(&t, "displayName")?,
                    modified: if lean {
                        Vec::new()
                    } else {
                        map_props(doc, &t)?
                    },
                },
                None => RawTarget::default(),
            })
        })
        .collect::<Sure<_>>()?;
    let mut additional = Vec::new();
    let details = if lean {
        Vec::new()
    } else {
        array_of(doc, v, "additionalDetails")?
    };
    for el in details {
        if let Some(d) = object(doc, el)? {
            if let Some(k) = str_of(&d, "key")? {
                additional.push((k, str_of(&d, "value")?.unwrap_or_default()));
            }
        }
    }
    raw.additional = additional;
    Ok(raw)
}

/// `audit::map_azure_monitor`.
fn map_azure_monitor<'a>(doc: &'a Doc<'a>, v: &LightMap<'a>, lean: bool) -> Sure<RawAudit> {
    let props = structured(doc, v.get("properties"))?.unwrap_or(LightMap::new(Vec::new()));
    let mut raw = map_graph(doc, &props, &props, lean)?;
    raw.time_fallback = str_of(v, "time")?;
    if raw.time.is_none() {
        raw.time = raw.time_fallback.take();
    }
    if raw.activity.is_none() {
        raw.activity = str_of(v, "operationName")?;
    }
    if raw.correlation_id.is_none() {
        raw.correlation_id = str_of(v, "correlationId")?;
    }
    if raw.result.is_none() {
        raw.result = str_any(v, &["resultType", "resultSignature"])?;
    }
    if raw.result_reason.is_none() {
        raw.result_reason = str_of(v, "resultDescription")?;
    }
    if raw.actor == RawActor::default() {
        raw.actor.app_name = str_of(v, "identity")?;
    }
    if raw.actor.ip.is_none() && raw.actor.upn.is_some() {
        raw.actor.ip = str_of(v, "callerIpAddress")?;
    }
    Ok(raw)
}

/// An admin-center CSV row mapped to what [`audit::map`] gives for
/// [`audit::portal_row_to_value`] of it, without building that object (86 owned cells and a
/// `Value` tree per row); `None` when a cell may hold an error text (the full path collects those,
/// in its own order) or the row is not as wide as the header (a malformed row, reported there).
///
/// `lean` as for [`map_record`]: the properties and the additional columns are left out when the
/// row cannot carry a payload in them.
pub(super) fn map_portal_row(row: &impl Cells, width: usize, lean: bool) -> Option<RawAudit> {
    if row.width() != width {
        return None;
    }
    // a row that may hold an error text is mapped whole, and its texts collected as the full path
    // collects them
    let (lean, errors) = reading(row.haystack(), lean);
    // `audit::cell`: a cell that is not empty once trimmed
    let cell = |i: usize| row.cell(i).filter(|c| !crate::model::trim(c).is_empty());
    let trimmed = |c: Cow<'_, str>| crate::model::trim(&c).to_string();
    // `value::text` of a cell: trimmed, the null markers absent
    let txt = |c: &str| value::present(c).map(str::to_string);
    let t = |i: usize| cell(i).and_then(|c| txt(&c));
    let mut raw = RawAudit {
        time: t(0),
        correlation_id: t(1),
        category: t(3),
        activity: t(4),
        result: t(5),
        result_reason: t(6),
        ..Default::default()
    };
    // the actor is a user when its type starts with "user" in any ASCII case (compared in place:
    // the lower-cased copy was an allocation a row), or when no type is given and a UPN is
    let user = match cell(8) {
        Some(c) => crate::model::trim(&c)
            .as_bytes()
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"user")),
        None => cell(11).is_some(),
    };
    if errors {
        raw.error_texts = portal_error_texts(row, user);
    }
    // the key of the whole row, as [`audit::map_portal`] makes it
    raw.content_key = Some(row.content_key());
    if user {
        raw.actor.user_display_name = t(9);
        raw.actor.user_id = t(10);
        raw.actor.upn = t(11);
        raw.actor.ip = t(12);
    } else {
        raw.actor.app_name = t(9);
        raw.actor.service_principal_id = t(15);
        raw.actor.service_principal_name = t(16);
    }
    for k in 0..3 {
        let (base, names) = audit::portal_target_columns(k);
        if !audit::portal_target_present(|i| cell(i).is_some(), base, &names) {
            continue;
        }
        // a property is there when its name cell is
        let modified: Vec<RawProp> = if lean {
            Vec::new()
        } else {
            names
                .iter()
                .filter_map(|&pb| {
                    let name = cell(pb)?;
                    Some(RawProp {
                        name: txt(&name).unwrap_or_default(),
                        old: cell(pb + 1).map(trimmed),
                        new: cell(pb + 2).map(trimmed),
                    })
                })
                .collect()
        };
        raw.targets.push(RawTarget {
            kind: t(base),
            display_name: t(base + 1),
            id: t(base + 2),
            upn: t(base + 3),
            modified,
        });
    }
    if lean {
        return Some(raw);
    }
    if cell(7).is_some() {
        raw.additional
            .push(("User-Agent".into(), t(7).unwrap_or_default()));
    }
    let pairs = row.width().saturating_sub(audit::PORTAL_FIXED_COLUMNS) / 2;
    for k in 0..pairs {
        let b = audit::PORTAL_FIXED_COLUMNS + k * 2;
        if let Some(key) = t(b) {
            raw.additional.push((key, t(b + 1).unwrap_or_default()));
        }
    }
    Some(raw)
}

/// The texts of an admin-center row that may hold a license error, in the order the full path
/// collects them: every string of [`audit::portal_row_to_value`]'s object, its members in key order
/// (a `serde_json` map is sorted), arrays in order. `user`: the actor is a user (its columns are
/// the object's `initiatedBy.user`, else `initiatedBy.app`).
fn portal_error_texts(row: &impl Cells, user: bool) -> Vec<String> {
    let cell = |i: usize| row.cell(i).filter(|c| !crate::model::trim(c).is_empty());
    let mut out = Vec::new();
    let mut visit = |i: usize| {
        if let Some(c) = cell(i) {
            audit::push_error_text(crate::model::trim(&c), &mut out);
        }
    };
    // activityDateTime, activityDisplayName
    visit(0);
    visit(4);
    // additionalDetails: {key, value} objects, the User-Agent one first (its key holds no error)
    visit(7);
    let pairs = row.width().saturating_sub(audit::PORTAL_FIXED_COLUMNS) / 2;
    for k in 0..pairs {
        let b = audit::PORTAL_FIXED_COLUMNS + k * 2;
        if cell(b).is_some() {
            visit(b);
            visit(b + 1);
        }
    }
    // category, correlationId, initiatedBy
    visit(3);
    visit(1);
    let actor: &[usize] = if user { &[9, 10, 12, 11] } else { &[9, 15, 16] };
    actor.iter().for_each(|&i| visit(i));
    // loggedByService, result, resultReason
    visit(2);
    visit(5);
    visit(6);
    // targetResources: displayName, id, modifiedProperties (displayName, newValue, oldValue),
    // type, userPrincipalName
    for t in 0..3 {
        let (base, names) = audit::portal_target_columns(t);
        if !audit::portal_target_present(|i| cell(i).is_some(), base, &names) {
            continue;
        }
        visit(base + 1);
        visit(base + 2);
        for pb in names.into_iter().filter(|&pb| cell(pb).is_some()) {
            visit(pb);
            visit(pb + 2);
            visit(pb + 1);
        }
        visit(base);
        visit(base + 3);
    }
    out
}

/// The columns of a Log Analytics row that hold JSON text the full path decodes (`structured`);
/// every other column is read as text.
const DYNAMIC: [&str; 3] = ["initiatedBy", "targetResources", "additionalDetails"];

/// Every top-level key [`map_graph`] reads, in any ASCII case: a Log Analytics column whose key is
/// none of these (`TenantId`, `ResourceId`, `DurationMs`, ...) is not written for the light parse of
/// a row, since no lookup could find it. A test runs `map_graph` on an empty record, where every
/// lookup happens, and checks it asks for no other key.
const GRAPH_KEYS: [&str; 21] = [
    "activityDateTime",
    "TimeGenerated",
    "TimeGenerated [UTC]",
    "time",
    "activityDisplayName",
    "OperationName",
    "operationName",
    "category",
    "result",
    "ResultType",
    "resultType",
    "resultReason",
    "ResultDescription",
    "resultDescription",
    "correlationId",
    "id",
    "initiatedBy",
    "Identity",
    "InitiatingUserOrApp",
    "targetResources",
    "additionalDetails",
];

/// The key of the one column a lean mapping does not read ([`map_graph`] leaves out the additional
/// details when `lean`).
const DETAILS: &str = "additionalDetails";

/// The columns of a Log Analytics header, prepared once per file for [`map_la_row`]: the columns
/// of each top-level key [`map_graph`] reads, in the order its lookup would prefer them, and each
/// column the full path decodes as JSON (`initiatedBy`, `targetResources`, `additionalDetails`)
/// written as a JSON member name (`"key":`; in the spelling `map_graph` asks for first when no
/// other column spells the key).
pub(super) struct LaColumns {
    /// The names of the columns whose JSON text is read, for the object a row's structures are
    /// read from; `None` for every other column (its text is read from the cell, by `tops`).
    names: Vec<Option<String>>,
    /// `names` without the additional details, for a lean mapping.
    lean_names: Vec<Option<String>>,
    /// For each key of [`GRAPH_KEYS`], its columns as its lookup in the row's object prefers
    /// them: a key's value is the first of them whose cell is not empty once trimmed.
    tops: Vec<Vec<usize>>,
    /// The columns of each non-empty key, the keys in order: the members of
    /// [`audit::named_row_to_value`]'s object as a `serde_json` map sorts them (a key's value is
    /// its last non-empty column), for the error texts in the full path's order.
    by_key: Vec<Vec<usize>>,
}

impl LaColumns {
    /// From the column keys ([`audit::header_keys`]).
    pub(super) fn new(keys: &[String]) -> LaColumns {
        let spelled = la_spellings(keys);
        // only the columns the full path decodes as JSON are written
        let names: Vec<Option<String>> = spelled
            .iter()
            .zip(keys)
            .map(|(s, k)| {
                s.filter(|_| DYNAMIC.iter().any(|d| k.eq_ignore_ascii_case(d)))
                    .and_then(member_name)
            })
            .collect();
        let lean_names = names
            .iter()
            .zip(keys)
            .map(|(n, k)| n.clone().filter(|_| !k.eq_ignore_ascii_case(DETAILS)))
            .collect();
        let tops = GRAPH_KEYS
            .iter()
            .map(|g| key_columns(&spelled, g))
            .collect();
        let mut by_key: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (i, k) in keys.iter().enumerate().filter(|(_, k)| !k.is_empty()) {
            by_key.entry(k).or_default().push(i);
        }
        LaColumns {
            names,
            lean_names,
            tops,
            by_key: by_key.into_values().collect(),
        }
    }
}

/// The spelling each Log Analytics column is read under when `map_graph` looks a key up (`None`:
/// no key it reads): the spelling it asks for first when no other column spells the key in any
/// case (Log Analytics' PascalCase columns were found case-insensitively, key by key, on every
/// kept row; the answers are the same, each of its spellings finds that member and no other), else
/// the column's own key.
fn la_spellings(keys: &[String]) -> Vec<Option<&str>> {
    let asked = |k: &String| GRAPH_KEYS.iter().find(|g| k.eq_ignore_ascii_case(g));
    let alone = |k: &String| keys.iter().filter(|o| o.eq_ignore_ascii_case(k)).count() == 1;
    keys.iter()
        .map(|k| match asked(k) {
            Some(g) if alone(k) => Some(*g),
            Some(_) => Some(k.as_str()),
            None => None,
        })
        .collect()
}

/// The columns of key `g` as `LightMap::get` on the object of a row's non-empty cells, each under
/// its spelling ([`la_spellings`]), prefers them: the last member spelled as asked, else the least
/// other spelling in byte order, its last member. A key's value is the first of them whose cell is
/// not empty once trimmed.
fn key_columns(spelled: &[Option<&str>], g: &str) -> Vec<usize> {
    let mut c: Vec<(bool, &str, usize)> = spelled
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.filter(|s| s.eq_ignore_ascii_case(g))
                .map(|s| (s != g, s, i))
        })
        .collect();
    c.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(y.2.cmp(&x.2)));
    c.into_iter().map(|(_, _, i)| i).collect()
}

/// For each of `asked` (keys [`map_graph`] reads), its columns in a Log Analytics header with the
/// column keys `keys` ([`audit::header_keys`]), as [`LaColumns`] orders them: for the fast path's
/// count of a row, which must read the time and the activity from the cells the mapping reads.
pub(super) fn la_key_columns(keys: &[String], asked: &[&str]) -> Vec<Vec<usize>> {
    let spelled = la_spellings(keys);
    asked.iter().map(|g| key_columns(&spelled, g)).collect()
}

/// A Log Analytics row's top-level texts for [`map_graph`]: each key's text from the first of its
/// columns ([`LaColumns::tops`]) whose cell is not empty, as `ingest::value::text` reads a string.
struct LaTop<'r, C> {
    row: &'r C,
    cols: &'r LaColumns,
}

impl<C: Cells> TopTexts for LaTop<'_, C> {
    fn text_any(&self, keys: &[&str]) -> Sure<Option<String>> {
        for k in keys {
            // every key `map_graph` asks for is one (a test checks)
            let at = GRAPH_KEYS.iter().position(|g| g == k).ok_or(Unsure)?;
            let found = self.cols.tops[at].iter().find_map(|&i| {
                self.row.with_cell(i, |c| {
                    let t = crate::model::trim(c);
                    (!t.is_empty()).then(|| value::present(t).map(str::to_string))
                })?
            });
            if let Some(Some(t)) = found {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }
}

/// A Log Analytics CSV row mapped to what [`audit::map`] gives for [`audit::named_row_to_value`]
/// of it, without the owned cells and `Value` trees: the texts are read from their cells
/// ([`LaTop`]), and the columns holding JSON text are written as one JSON object (each such cell's
/// JSON text as it is, or a JSON string) read with [`Doc`] like a Graph record's structures; a row
/// that may hold an error text is mapped whole, its texts collected in the full path's order
/// ([`la_error_texts`]). `None` when the row is not as wide as the header, or the light parse
/// refuses the object (escapes, invalid JSON text in a dynamic column, which the full path reads
/// as absent).
pub(super) fn map_la_row(row: &impl Cells, cols: &LaColumns, lean: bool) -> Option<RawAudit> {
    if row.width() != cols.names.len() {
        return None;
    }
    let (lean, errors) = reading(row.haystack(), lean);
    let mut text = String::with_capacity(row.haystack().len() + 64);
    // where each dynamic column's text went: it must come back as exactly one value
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    let names = if lean { &cols.lean_names } else { &cols.names };
    let members = row_object(row, names, true, &mut text, &mut spans)?;
    // lean: only the levels a lean mapping reads are kept, deeper ones validated (the object is
    // Graph-shaped: one level fewer than `LEAN_LEVELS`, which allows for Azure Monitor's
    // `properties`)
    let levels = if lean { LEAN_LEVELS - 1 } else { usize::MAX };
    let doc = Doc::parse_depth_str(&text, levels)?;
    let root = doc.root_items();
    // a dynamic column whose text is not one whole JSON value (`{"a":1},"result":"x"`) is absent
    // in the full path: it must not add members here
    if root.len() != members
        || spans.iter().any(|&(i, at, len)| {
            root[i].1.len() != len || root[i].1.as_ptr() != text.as_bytes()[at..].as_ptr()
        })
    {
        return None;
    }
    let top = LaTop { row, cols };
    let mut raw = map_graph(&doc, &LightMap::borrowed(root), &top, lean).ok()?;
    if errors {
        raw.error_texts = la_error_texts(row, cols);
    }
    Some(raw)
}

/// The texts of a Log Analytics row that may hold a license error, as the full path collects them
/// from [`audit::named_row_to_value`]'s object: each key's value (its last non-empty cell, as it
/// is), the keys in order.
fn la_error_texts(row: &impl Cells, cols: &LaColumns) -> Vec<String> {
    let mut out = Vec::new();
    for v in cols.by_key.iter().filter_map(|group| {
        group
            .iter()
            .rev()
            .find_map(|&i| row.cell(i).filter(|c| !crate::model::trim(c).is_empty()))
    }) {
        audit::push_error_text(&v, &mut out);
    }
    out
}

/// Writes what [`audit::named_row_to_value`] makes of a row as one JSON object: each non-empty
/// cell of a named column as a JSON string, or, when `json` (the columns hold JSON text), its
/// trimmed JSON text as it is (recorded in `spans` as member, offset, length). Returns the number
/// of members.
fn row_object(
    row: &impl Cells,
    names: &[Option<String>],
    json: bool,
    text: &mut String,
    spans: &mut Vec<(usize, usize, usize)>,
) -> Option<usize> {
    text.push('{');
    let mut members = 0;
    for (i, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        // the cell as the full path reads it, without an owned copy of a quoted one
        let wrote = row.with_cell(i, |cell| {
            let t = crate::model::trim(cell);
            if t.is_empty() {
                return Some(false);
            }
            if members > 0 {
                text.push(',');
            }
            text.push_str(name);
            if json && (t.starts_with('{') || t.starts_with('[')) {
                spans.push((members, text.len(), t.len()));
                text.push_str(t);
            } else {
                json_string(text, cell)?;
            }
            Some(true)
        });
        match wrote {
            Some(Some(true)) => members += 1,
            Some(Some(false)) | None => {}
            Some(None) => return None,
        }
    }
    text.push('}');
    Some(members)
}

/// Writes `s` as a JSON string, as `serde_json` does: most cells hold nothing it escapes (a quote,
/// a backslash or a control character), and those are copied between quotes without its
/// byte-by-byte escape loop.
fn json_string(text: &mut String, s: &str) -> Option<()> {
    let b = s.as_bytes();
    // no early exit, so the check runs over whole vectors
    let plain = !b.iter().fold(false, |any, &c| {
        any | (c < 0x20) | (c == b'"') | (c == b'\\')
    });
    if plain {
        text.reserve(b.len() + 2);
        text.push('"');
        text.push_str(s);
        text.push('"');
    } else {
        text.push_str(&serde_json::to_string(s).ok()?);
    }
    Some(())
}

/// A column key written as a JSON member name (`"key":`); `None` for an empty key (the full path
/// drops the column).
fn member_name(key: &str) -> Option<String> {
    (!key.is_empty()).then(|| {
        let mut n = serde_json::to_string(key).unwrap_or_default();
        n.push(':');
        n
    })
}

/// A Log Analytics or Purview header prepared once per file for the light mapping of its kept
/// rows.
pub(super) enum RowColumns {
    La(LaColumns),
    Ual(UalColumns),
}

impl RowColumns {
    /// For a CSV export of this kind with these column keys ([`audit::header_keys`]).
    pub(super) fn new(kind: &audit::CsvKind, keys: &[String]) -> Option<RowColumns> {
        match kind {
            audit::CsvKind::LogAnalytics => Some(RowColumns::La(LaColumns::new(keys))),
            audit::CsvKind::Purview => UalColumns::new(keys).map(RowColumns::Ual),
            audit::CsvKind::Portal => None,
        }
    }

    /// A kept row mapped without the full path, with its format; `None` = use the full path.
    /// `lean` as for [`map_record`] (Log Analytics rows; a Purview row's properties name the
    /// group of a membership change, so they are always read).
    pub(super) fn map(&self, row: &impl Cells, lean: bool) -> Option<(RawAudit, AuditFormat)> {
        match self {
            RowColumns::La(cols) => {
                map_la_row(row, cols, lean).map(|r| (r, AuditFormat::LogAnalyticsCsv))
            }
            RowColumns::Ual(cols) => {
                map_purview_row(row, cols).map(|r| (r, AuditFormat::PurviewCsv))
            }
        }
    }
}

/// The columns of a Purview header, prepared once per file for [`map_purview_row`].
pub(super) struct UalColumns {
    /// The one column whose key is `AuditData` in some case (what [`audit::ual_inner`] reads).
    audit_data: usize,
    /// Every other column's key as a JSON member name (`None`: an empty key, or `AuditData`).
    names: Vec<Option<String>>,
}

impl UalColumns {
    /// From the column keys ([`audit::header_keys`]); `None` unless exactly one is `AuditData`.
    pub(super) fn new(keys: &[String]) -> Option<UalColumns> {
        let mut data = (0..keys.len()).filter(|&i| keys[i].eq_ignore_ascii_case("auditData"));
        let audit_data = data.next()?;
        if data.next().is_some() {
            return None;
        }
        Some(UalColumns {
            audit_data,
            names: keys
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    if i == audit_data {
                        None
                    } else {
                        member_name(k)
                    }
                })
                .collect(),
        })
    }
}

/// A Purview CSV row mapped to what the full path gives for it ([`audit::ual_inner`],
/// [`audit::ual_in_scope`], [`audit::map_ual_record`] of [`audit::named_row_to_value`]), without
/// the owned cells and `Value` trees: the other cells are read as one JSON object (like
/// [`map_la_row`]) and the `AuditData` JSON with [`Doc`]. `None` when a cell may hold an error
/// text, the row is not as wide as the header, the `AuditData` is not an object the light parse
/// reads (the full path reports it), or the record is out of scope (the full path says why).
pub(super) fn map_purview_row(row: &impl Cells, cols: &UalColumns) -> Option<RawAudit> {
    if row.width() != cols.names.len() || audit::may_hold_error_bytes(row.haystack()) {
        return None;
    }
    let mut text = String::with_capacity(256);
    row_object(row, &cols.names, false, &mut text, &mut Vec::new())?;
    let outer_doc = Doc::parse_str(&text)?;
    let outer = LightMap::borrowed(outer_doc.root_items());
    row.with_cell(cols.audit_data, |data| {
        let data = crate::model::trim(data);
        if !data.starts_with('{') {
            return None;
        }
        let doc = Doc::parse_str(data)?;
        map_ual(&doc, &LightMap::borrowed(doc.root_items()), &outer).ok()
    })
    .flatten()
}

/// `Type` of an `Actor[]` / `Target[]` element as `audit::ual_entry` reads it: `as_i64`, else a
/// string read as [`audit::identity_type`] reads it.
fn ual_type(raw: Option<&str>) -> Sure<Option<i64>> {
    Ok(
        match raw.and_then(|r| r.as_bytes().first().map(|b| (r, b))) {
            None => None,
            Some((r, b'"')) => audit::identity_type(&lightjson::unescape_cow(r).ok_or(Unsure)?),
            // serde_json reads `-0` as a float
            Some((r, b'-' | b'0'..=b'9')) => (r != "-0").then(|| r.parse().ok()).flatten(),
            Some(_) => None,
        },
    )
}

/// `audit::map_ual` of an in-scope record (`v`, its `AuditData`) inside `outer` (the row's other
/// cells); out of scope is not sure (the full path reports it).
fn map_ual<'a>(doc: &'a Doc<'a>, v: &LightMap<'a>, outer: &LightMap<'_>) -> Sure<RawAudit> {
    let or_outer = |first: Option<String>, keys: &[&str]| match first {
        Some(s) => Ok(Some(s)),
        None => str_any(outer, keys),
    };
    let workload = or_outer(str_of(v, "Workload")?, &["Workload", "service"])?;
    let rt = or_outer(
        str_of(v, "RecordType")?,
        &["RecordType", "auditLogRecordType"],
    )?;
    audit::ual_scope(workload, rt).map_err(|_| Unsure)?;
    let entries = |key: &str| -> Sure<Vec<audit::UalEntry>> {
        array_of(doc, v, key)?
            .into_iter()
            .map(|el| {
                Ok(match object(doc, el)? {
                    Some(e) => (str_of_cow(&e, "ID")?, ual_type(e.get("Type"))?),
                    None => (None, None),
                })
            })
            .collect()
    };
    let modified = array_of(doc, v, "ModifiedProperties")?
        .into_iter()
        .map(|el| {
            Ok(match object(doc, el)? {
                Some(p) => RawProp {
                    name: str_of(&p, "Name")?.unwrap_or_default(),
                    old: prop_value(&p, &["OldValue"])?,
                    new: prop_value(&p, &["NewValue"])?,
                },
                None => RawProp::default(),
            })
        })
        .collect::<Sure<_>>()?;
    let mut additional = Vec::new();
    for el in array_of(doc, v, "ExtendedProperties")? {
        let Some(d) = object(doc, el)? else { continue };
        let Some(name) = str_of(&d, "Name")? else {
            continue;
        };
        let value = str_of(&d, "Value")?.unwrap_or_default();
        if !(name.eq_ignore_ascii_case("additionalDetails") && value.starts_with('{')) {
            additional.push((name, value));
            continue;
        }
        // the pairs of the object serde_json reads: keys in byte order, the last of duplicates
        let details = Doc::parse_str(&value).ok_or(Unsure)?;
        let mut pairs = details.root();
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        for (i, &(k, x)) in pairs.iter().enumerate() {
            if pairs.get(i + 1).is_some_and(|next| next.0 == k) {
                continue;
            }
            additional.push((k.to_string(), text(x)?.unwrap_or_default()));
        }
    }
    Ok(audit::UalRead {
        head: RawAudit {
            time: str_of(v, "CreationTime")?,
            time_fallback: str_any(outer, &["createdDateTime", "CreationDate"])?,
            activity: or_outer(str_of(v, "Operation")?, &["operation", "Operations"])?,
            result: str_of(v, "ResultStatus")?,
            correlation_id: str_of(v, "InterSystemsId")?,
            record_id: or_outer(str_of(v, "Id")?, &["id", "RecordId"])?,
            ..Default::default()
        },
        actors: entries("Actor")?,
        targets: entries("Target")?,
        user_id: str_of(v, "UserId")?,
        ip: str_any(v, &["ActorIpAddress", "ClientIP"])?,
        object_id: str_of(v, "ObjectId")?,
        modified,
        additional,
    }
    .assemble())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// What the full path maps the record to (`None` when it is not a Graph / Azure Monitor record).
    fn full(text: &str) -> Option<(RawAudit, AuditFormat)> {
        let v: Value = serde_json::from_str(text).ok()?;
        let format = match audit::classify(&v)? {
            Family::Graph(f) => f,
            Family::AzureMonitor => AuditFormat::AzureMonitor,
            Family::Ual => return None,
        };
        Some((audit::map(audit::classify(&v)?, &v), format))
    }

    const GRAPH: &str = r#"{"id":"Directory_1","category":"UserManagement","correlationId":"c1","result":"success","resultReason":"","activityDisplayName":"Add member to group","activityDateTime":"2026-10-01T00:00:00.5Z","loggedByService":"Core Directory","initiatedBy":{"user":{"id":"u1","displayName":null,"userPrincipalName":"a@x.example","ipAddress":"198.51.100.25"},"app":null},"targetResources":[{"id":"t1","displayName":null,"type":"User","userPrincipalName":"b@x.example","modifiedProperties":[{"displayName":"Group.ObjectID","oldValue":null,"newValue":"\"g1\""}]},{"id":"g1","displayName":"LIC-E3","type":"Group","modifiedProperties":[]}],"additionalDetails":[{"key":"User-Agent","value":"x"}]}"#;

    #[test]
    fn graph_and_azure_monitor_records_map_like_the_full_path() {
        let envelope = format!(
            r#"{{"time":"2026-10-01T00:00:01Z","operationName":"Add member to group","category":"AuditLogs","properties":{GRAPH}}}"#
        );
        for text in [GRAPH.to_string(), envelope] {
            let light = map_record(text.as_bytes(), false).expect("light mapping");
            assert_eq!(Some(light), full(&text), "{text}");
        }
    }

    #[test]
    fn gives_up_where_it_is_not_sure() {
        let with = |from: &str, to: &str| GRAPH.replacen(from, to, 1);
        for text in [
            with(r#""result":"success""#, r#""result":1e3"#), // a number serde_json renders
            with(r#""result":"success""#, r#""result":-0"#),
            with(r#""oldValue":null"#, r#""oldValue":["a"]"#), // a non-string property
            with(r#""resultReason":"""#, r#""resultReason":"CountViolation""#), // an error
            with(
                r#""initiatedBy":{"user""#,
                r#""initiatedBy":"{}","x":{"user""#,
            ), // JSON text
            with("Add member", r"Add \u006dember"),
            r#"{"CreationTime":"2026-10-01T00:00:00","Operation":"Add member to group.","Workload":"AzureActiveDirectory"}"#.into(),
            r#"{"value":[]}"#.into(),
        ] {
            assert!(map_record(text.as_bytes(), false).is_none(), "{text}");
        }
    }

    fn case_of(name: &str, mask: u32) -> String {
        name.chars()
            .enumerate()
            .map(|(i, c)| {
                if i < 32 && mask & (1 << i) != 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            2 => Just(Value::Null),
            1 => any::<bool>().prop_map(Value::Bool),
            1 => (-3i64..3).prop_map(|n| json!(n)),
            6 => r#"[ a-zA-Z0-9:."\\/<>-]{0,10}"#.prop_map(Value::String),
            1 => prop::sample::select(vec!["  padded ", "<null>", "NULL", "", "{\"user\":{}}", "[1]"])
                .prop_map(|s| json!(s)),
            1 => prop::sample::select(PAYLOADS.to_vec()).prop_map(|s| json!(s)),
        ]
    }

    /// Texts normalization derives a payload from (license sets, summaries, sequence numbers),
    /// as property names, values and detail keys: the lean mappings must not leave them out.
    const PAYLOADS: [&str; 10] = [
        "AssignedLicense",
        "[SkuName=ENTERPRISEPACK, SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900, DisabledPlans=[]]",
        "\"[Users successfully assigned licenses: 2, Users for whom license assignment failed: 1.];\"",
        "[Users successfully assigned licen\u{17f}es: 2, Users for whom license assignment failed: 1.];",
        "sequence",
        "SEQUENCE",
        "2",
        "LicenseAssignment",
        "\"[\\u0053kuName=EMS, \\u0053kuId=efccb6f7-5641-4e0e-bd10-b4976e1bf68e, DisabledPlans=[]]\"",
        "\"[Users \\u0073uccessfully assigned li\\u0063en\\u0073es: 2, Users for whom li\\u0063ense assignment failed: 1.];\"",
    ];

    /// What the sink keeps of a mapped record: its event, compacted as the commands compact it.
    fn settled(raw: RawAudit) -> Result<crate::model::AuditEvent, String> {
        let src = crate::model::SourceRef {
            file: "t".into(),
            record: 1,
            line: crate::model::event::Line::at(1),
        };
        let mut e = crate::normalize::to_event(raw, src).map_err(|e| e.reason())?;
        if e.extra.sequence.is_none() {
            e.compact();
        }
        Ok(e)
    }

    /// An object's text from members that may repeat a key (in any case) and hold any value.
    fn object(
        names: &'static [&'static str],
        value: BoxedStrategy<Value>,
    ) -> BoxedStrategy<String> {
        let member = (
            prop::sample::select(names),
            prop_oneof![6 => Just(0u32), 1 => any::<u32>()],
            value,
        )
            .prop_map(|(n, mask, v)| format!("{}:{v}", json!(case_of(n, mask))));
        prop::collection::vec(member, 0..6)
            .prop_map(|m| format!("{{{}}}", m.join(",")))
            .boxed()
    }

    /// The top-level keys of generated records: every key `map_graph` reads, and some it does not.
    static TOP_KEYS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        GRAPH_KEYS
            .iter()
            .copied()
            .chain(["identity", "callerIpAddress", "resultSignature"])
            .collect()
    });

    fn raw(text: String) -> Value {
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn record() -> impl Strategy<Value = String> {
        let prop = object(
            &[
                "displayName",
                "Name",
                "oldValue",
                "OldValue",
                "newValue",
                "NewValue",
            ],
            leaf().boxed(),
        );
        let props = prop_oneof![
            3 => prop::collection::vec(prop.clone(), 0..3).prop_map(|v| raw(format!("[{}]", v.join(",")))),
            1 => prop.prop_map(raw),
            1 => leaf(),
        ];
        let target = object(
            &[
                "type",
                "Type",
                "id",
                "userPrincipalName",
                "displayName",
                "modifiedProperties",
            ],
            prop_oneof![3 => leaf(), 2 => props].boxed(),
        );
        let targets = prop_oneof![
            3 => prop::collection::vec(prop_oneof![4 => target.clone().prop_map(raw), 1 => leaf()], 0..3)
                .prop_map(Value::Array),
            1 => target.prop_map(raw),
            1 => leaf(),
        ];
        let who = object(
            &[
                "id",
                "userPrincipalName",
                "displayName",
                "ipAddress",
                "appId",
                "servicePrincipalId",
                "servicePrincipalName",
            ],
            leaf().boxed(),
        );
        let initiated = object(
            &["user", "app"],
            prop_oneof![3 => who.prop_map(raw), 1 => leaf()].boxed(),
        );
        let detail = object(&["key", "value"], leaf().boxed());
        let details = prop_oneof![
            3 => prop::collection::vec(detail.prop_map(raw), 0..3).prop_map(Value::Array),
            1 => leaf(),
        ];
        let top = object(
            &TOP_KEYS[..],
            prop_oneof![
                4 => leaf(),
                2 => initiated.prop_map(raw),
                2 => targets,
                1 => details,
            ]
            .boxed(),
        );
        // a Graph record, or an Azure Monitor envelope around one
        (top.clone(), top, any::<bool>()).prop_map(|(inner, outer, wrap)| {
            let graph = inner.replacen('{', r#"{"activityDisplayName":"Add member to group","#, 1);
            let graph = graph.replace(",}", "}");
            if wrap {
                outer
                    .replacen('{', &format!(r#"{{"properties":{graph},"#), 1)
                    .replace(",}", "}")
            } else {
                graph
            }
        })
    }

    #[test]
    fn generated_records_often_take_the_light_path() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = record();
        let (mut light, mut graph) = (0, 0);
        for _ in 0..2000 {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            light += usize::from(map_record(text.as_bytes(), false).is_some());
            graph += usize::from(full(&text).is_some());
        }
        eprintln!("light {light} of {graph} mapped records");
        assert!(light * 5 > graph, "light {light} of {graph}");
    }

    /// Admin-center rows of any cells (null markers, padding, actor types, error texts, extra
    /// detail pairs).
    fn portal_row() -> impl Strategy<Value = Vec<String>> {
        let cell = prop_oneof![
            4 => Just(String::new()),
            1 => prop::sample::select(vec![
                " ", "null", "NULL", "<null>", "User", " user ", "Application", "ServicePrincipal",
                "x", " padded ", "[\"a\"]", "{\"user\":{}}", "Error: CountViolation", "a,b",
                " MutuallyExclusiveViolation ", "Not enough licenses are available",
                "Proxy address smtp:a@b.example is already being used", "xCountViolation",
            ])
            .prop_map(str::to_string),
            1 => prop::sample::select(PAYLOADS.to_vec()).prop_map(str::to_string),
            2 => "[ a-zA-Z0-9:.\"<>-]{0,8}",
        ];
        let extra = prop_oneof![Just(0usize), Just(1), Just(12)];
        (
            proptest::collection::vec(cell, audit::PORTAL_FIXED_COLUMNS),
            extra,
        )
            .prop_flat_map(|(row, extra)| {
                proptest::collection::vec("[ a-z<>]{0,4}", extra).prop_map(move |more| {
                    let mut row = row.clone();
                    row.extend(more);
                    row
                })
            })
    }

    /// A Log Analytics row made of a generated Graph record: its top-level members become columns
    /// (strings as they are, objects and arrays as JSON text, padded or not), plus a column that
    /// may try to inject members (`{"a":1},"result":"x"`) or hold an error text.
    fn la_row() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
        let column = prop::sample::select(vec![
            ("InitiatedBy", r#"{"user":{"id":"u9"}},"result":"injected""#),
            ("targetResources", r#"[{"id":"t9"}],"category":"x""#),
            ("AdditionalDetails", r#"[{"key":"k","value":"v"}] "#),
            ("additionalDetails", "[broken"),
            ("ResultDescription", "Error: CountViolation"),
            ("ResultDescription", ""),
            ("InitiatedBy", r#"{"user":{"id":"a\u0041"}}"#),
            ("Result", "line\nbreak \"quoted\""),
            // error texts where the full path's key order puts them apart
            ("AAA", " MutuallyExclusiveViolation "),
            (
                "zzz",
                "Proxy address smtp:a@b.example is already being used",
            ),
            ("resultReason", "Not enough licenses are available"),
            ("", "CountViolation"),
        ]);
        let extra = prop_oneof![
            2 => Just(Vec::new()),
            1 => proptest::collection::vec(column, 1..4),
        ];
        (record(), any::<bool>(), extra).prop_map(|(text, pad, extra)| {
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let mut keys = Vec::new();
            let mut row = Vec::new();
            if let Value::Object(m) = v {
                for (k, x) in m {
                    let cell = match x {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other if pad => format!(" {other} "),
                        other => other.to_string(),
                    };
                    keys.push(k);
                    row.push(cell);
                }
            }
            for (k, c) in extra {
                keys.push(k.to_string());
                row.push(c.to_string());
            }
            (keys, row)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// The light Log Analytics mapping gives what the full path gives whenever it answers, and
        /// answers for plain rows.
        #[test]
        fn la_rows_map_like_the_full_path((keys, row) in la_row()) {
            let rec = csv::StringRecord::from(row.clone());
            let full = audit::map(
                Family::Graph(AuditFormat::LogAnalyticsCsv),
                &audit::named_row_to_value(&keys, &row),
            );
            if let Some(light) = map_la_row(&rec, &LaColumns::new(&keys), false) {
                prop_assert_eq!(light, full, "{:?}", row);
            }
            if !keys.is_empty() {
                prop_assert!(map_la_row(&rec, &LaColumns::new(&keys[1..]), false).is_none());
            }
        }
    }

    #[test]
    fn la_rows_take_the_light_path() {
        let keys: Vec<String> = [
            "TimeGenerated",
            "OperationName",
            "Result",
            "InitiatedBy",
            "TargetResources",
            "AdditionalDetails",
            "Id",
        ]
        .map(String::from)
        .to_vec();
        let row = |initiated: &str| {
            csv::StringRecord::from(vec![
                "10/1/2026, 12:00:01.709 AM",
                "Add member to group",
                "success",
                initiated,
                r#"[{"id":"t1","type":"User","modifiedProperties":[{"displayName":"Group.ObjectID","oldValue":null,"newValue":"\"g1\""}]}]"#,
                "[]",
                "Directory_1",
            ])
        };
        let full = |r: &csv::StringRecord| {
            let cells: Vec<String> = r.iter().map(String::from).collect();
            audit::map(
                Family::Graph(AuditFormat::LogAnalyticsCsv),
                &audit::named_row_to_value(&keys, &cells),
            )
        };
        let plain = row(r#"{"user":{"id":"u1","userPrincipalName":"a@x.example"}}"#);
        assert_eq!(
            map_la_row(&plain, &LaColumns::new(&keys), false),
            Some(full(&plain))
        );
        // injected members: the full path reads the column as absent, the light path gives up
        let injected = row(r#"{"user":{"id":"u1"}},"Result":"failure""#);
        assert_eq!(full(&injected).actor, RawActor::default());
        assert_eq!(map_la_row(&injected, &LaColumns::new(&keys), false), None);
    }

    /// What the full path gives for a Purview row: its mapped record, `None` when it reports the
    /// row (no AuditData object, out of scope).
    fn full_purview(keys: &[String], row: &[String]) -> Option<RawAudit> {
        let v = audit::named_row_to_value(keys, row);
        let inner = audit::ual_inner(&v)?;
        audit::ual_in_scope(&v, Some(&inner)).ok()?;
        Some(audit::map_ual_record(&v, Some(&inner)))
    }

    /// A unified-audit-log `AuditData` record of any members (repeated keys in any case, numbers
    /// and strings where the mapping reads text or a `Type`, `additionalDetails` JSON text).
    fn ual_record() -> impl Strategy<Value = String> {
        let id = prop_oneof![
            4 => prop::sample::select(vec![
                "a@x.example", "User", "Group", "ServicePrincipal", "User_11111111-2222-3333-4444-555555555555",
                "11111111-2222-3333-4444-555555555555", "Microsoft Azure AD Group-Based Licensing",
                "Sync_x@y.example", "AB12", " padded ",
            ])
            .prop_map(|s| json!(s)),
            1 => leaf(),
        ];
        let ty = prop_oneof![
            4 => (0i64..7).prop_map(|n| json!(n)),
            1 => prop::sample::select(vec!["5", " 2", "-0", "2.0", "x"]).prop_map(|s| json!(s)),
            1 => prop::sample::select(vec!["-0", "2.0", "1e0", "-3", "99999999999999999999"])
                .prop_map(|s| serde_json::from_str::<Value>(s).unwrap_or(Value::Null)),
            1 => leaf(),
        ];
        let entry = (
            prop::sample::select(&["ID", "id", "Type", "type"][..]),
            prop::sample::select(&["ID", "Type", "TYPE"][..]),
            id,
            ty,
        )
            .prop_map(|(k1, k2, a, b)| raw(format!("{{{}:{a},{}:{b}}}", json!(k1), json!(k2))));
        let entries = prop_oneof![
            4 => prop::collection::vec(prop_oneof![5 => entry.clone(), 1 => leaf()], 0..5)
                .prop_map(Value::Array),
            1 => entry,
            1 => leaf(),
        ];
        let prop_ = object(&["Name", "name", "OldValue", "NewValue"], leaf().boxed());
        let props = prop_oneof![
            3 => prop::collection::vec(prop_.prop_map(raw), 0..4).prop_map(Value::Array),
            1 => leaf(),
        ];
        let detail_value = prop::sample::select(vec![
            "{}",
            r#"{"b":"x","a":1,"b":"y"}"#,
            r#"{"k":[1],"n":null,"t":true,"f":2.5}"#,
            r#" {"k":"v"} "#,
            "{broken",
            "not json",
            "[1]",
            "",
            "<null>",
        ])
        .prop_map(|s| json!(s));
        let detail = object(
            &["Name", "Value", "name"],
            prop_oneof![
                2 => prop::sample::select(vec!["additionalDetails", "AdditionalDetails", "extendedAuditEventCategory"])
                    .prop_map(|s| json!(s)),
                3 => detail_value,
                1 => leaf(),
            ]
            .boxed(),
        );
        let details = prop_oneof![
            3 => prop::collection::vec(detail.prop_map(raw), 0..3).prop_map(Value::Array),
            1 => leaf(),
        ];
        let scalar = prop_oneof![
            3 => prop::sample::select(vec![
                "AzureActiveDirectory", "Exchange", "2026-10-01T00:00:00", "Success", "8", "9", "15",
                "AccountLogon", "a@x.example", "",
            ])
            .prop_map(|s| json!(s)),
            1 => prop::sample::select(vec!["8", "15", "-0", "1e1", "0", "99999999999999999999"])
                .prop_map(|s| serde_json::from_str::<Value>(s).unwrap_or(Value::Null)),
            2 => leaf(),
        ];
        object(
            &[
                "CreationTime", "Id", "Operation", "RecordType", "ResultStatus", "Workload", "ObjectId",
                "UserId", "ClientIP", "ActorIpAddress", "InterSystemsId", "Actor", "Target",
                "ModifiedProperties", "ExtendedProperties", "UserType", "Version",
            ],
            prop_oneof![4 => scalar, 2 => entries, 1 => props, 1 => details].boxed(),
        )
        .prop_map(|o| {
            // mostly an in-scope licensing record, as the fast path sees them
            o.replacen(
                '{',
                r#"{"Workload":"AzureActiveDirectory","RecordType":8,"Operation":"Add member to group.","#,
                1,
            )
            .replace(",}", "}")
        })
    }

    /// A Purview row: its header keys and cells, the `AuditData` among other columns that the
    /// full path may fall back on (or that name the workload or record type).
    fn purview_row() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
        let column = (
            prop::sample::select(vec![
                "RecordId",
                "CreationDate",
                "RecordType",
                "Operation",
                "Operations",
                "UserId",
                "Workload",
                "service",
                "id",
                "",
                "AssociatedAdminUnits",
            ]),
            prop::sample::select(vec![
                "",
                " ",
                "x",
                "8",
                "9",
                "AzureActiveDirectory",
                "Exchange",
                "2026-10-01T00:00:00Z",
                "null",
                "Add member to group.",
                "line\nbreak \"q\"",
                "\u{1}",
            ]),
        );
        let data = prop_oneof![
            8 => ual_record(),
            1 => ual_record().prop_map(|r| format!("  {r}\n")),
            1 => prop::sample::select(vec!["", "[1]", "{broken", "{\"Operation\":\"a\\u0041\"}", "not json"])
                .prop_map(str::to_string),
        ];
        let key = prop::sample::select(vec!["AuditData", "auditdata", "AuditData", "AuditData"]);
        (
            prop::collection::vec(column, 0..6),
            data,
            key,
            any::<prop::sample::Index>(),
        )
            .prop_map(|(cols, data, key, at)| {
                let (mut keys, mut row): (Vec<String>, Vec<String>) = cols
                    .into_iter()
                    .map(|(k, c)| (k.to_string(), c.to_string()))
                    .unzip();
                let at = at.index(keys.len() + 1);
                keys.insert(at, key.to_string());
                row.insert(at, data);
                (keys, row)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The light Purview mapping gives what the full path gives whenever it answers.
        #[test]
        fn purview_rows_map_like_the_full_path((keys, row) in purview_row()) {
            let rec = csv::StringRecord::from(row.clone());
            let Some(cols) = UalColumns::new(&keys) else {
                return Err(TestCaseError::fail("one AuditData column"));
            };
            if let Some(light) = map_purview_row(&rec, &cols) {
                prop_assert_eq!(Some(light), full_purview(&keys, &row), "{:?} {:?}", keys, row);
            }
            let mut narrow = row.clone();
            narrow.push(String::new());
            prop_assert!(map_purview_row(&csv::StringRecord::from(narrow), &cols).is_none());
        }
    }

    #[test]
    fn generated_purview_rows_often_take_the_light_path() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = purview_row();
        let (mut light, mut full) = (0, 0);
        for _ in 0..2000 {
            let (keys, row) = strategy.new_tree(&mut runner).unwrap().current();
            let cols = UalColumns::new(&keys).expect("one AuditData column");
            light += usize::from(
                map_purview_row(&csv::StringRecord::from(row.clone()), &cols).is_some(),
            );
            full += usize::from(full_purview(&keys, &row).is_some());
        }
        eprintln!("light {light} of {full} mapped rows");
        assert!(light * 4 > full, "light {light} of {full}");
    }

    #[test]
    fn purview_rows_take_the_light_path() {
        let keys: Vec<String> = [
            "RecordId",
            "CreationDate",
            "RecordType",
            "Operation",
            "UserId",
            "AuditData",
        ]
        .map(String::from)
        .to_vec();
        let data = r#"{"CreationTime":"2026-10-01T00:00:02","Id":"r1","Operation":"Add member to group.","RecordType":8,"ResultStatus":"Success","Workload":"AzureActiveDirectory","ObjectId":"b@x.example","UserId":"a@x.example","ExtendedProperties":[{"Name":"additionalDetails","Value":"{\"b\":\"2\",\"a\":1,\"b\":\"3\"}"},{"Name":"extendedAuditEventCategory","Value":"User"}],"ModifiedProperties":[{"Name":"Group.ObjectID","NewValue":"g1","OldValue":""},{"Name":"Group.DisplayName","NewValue":"LIC-E3","OldValue":""}],"Actor":[{"ID":"a@x.example","Type":5},{"ID":"User_11111111-2222-3333-4444-555555555555","Type":2}],"InterSystemsId":"c1","Target":[{"ID":"b@x.example","Type":5},{"ID":"User","Type":2}]}"#;
        let row = |data: &str| {
            vec![
                "r1",
                "10/1/2026 12:00:02 AM",
                "8",
                "Add member to group.",
                "a@x.example",
                data,
            ]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
        };
        let cols = UalColumns::new(&keys).expect("AuditData");
        let plain = row(data);
        let light = map_purview_row(&csv::StringRecord::from(plain.clone()), &cols);
        assert_eq!(light, full_purview(&keys, &plain));
        let light = light.expect("light mapping");
        assert_eq!(light.targets.len(), 2, "the member and the group");
        assert_eq!(
            light.additional,
            [
                ("a".into(), "1".into()),
                ("b".into(), "3".into()),
                ("extendedAuditEventCategory".into(), "User".into())
            ]
        );
        // an integer is read as text as serde_json renders it
        let numbered = row(&data.replace(r#""Id":"r1""#, r#""Id":12"#));
        let light = map_purview_row(&csv::StringRecord::from(numbered.clone()), &cols);
        assert_eq!(
            light.as_ref().and_then(|r| r.record_id.as_deref()),
            Some("12")
        );
        assert_eq!(light, full_purview(&keys, &numbered));
        // out of scope, an error text, a number serde_json renders otherwise (`1e20`): the full
        // path reports, collects or renders it
        for data in [
            data.replace(r#""Id":"r1""#, r#""Id":99999999999999999999"#),
            data.replace("AzureActiveDirectory", "Exchange"),
            data.replace("Success", "Failed: Error: CountViolation"),
        ] {
            assert_eq!(
                map_purview_row(&csv::StringRecord::from(row(&data)), &cols),
                None
            );
        }
        // two AuditData columns: the light mapping does not choose
        let mut twice = keys.clone();
        twice[0] = "auditData".into();
        assert!(UalColumns::new(&twice).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// The light admin-center mapping gives what the full path gives, error texts included
        /// (in the full path's order), and gives up only on a row of another width.
        #[test]
        fn portal_rows_map_like_the_full_path(row in portal_row()) {
            let rec = csv::StringRecord::from(row.clone());
            let full = audit::map_portal(&row);
            prop_assert_eq!(map_portal_row(&rec, row.len(), false), Some(full));
            prop_assert!(map_portal_row(&rec, row.len() + 1, false).is_none());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// A cell written as a JSON string is what serde_json writes, after any earlier text.
        #[test]
        fn json_string_is_serde_jsons(
            s in r#"[a-z "\\\x00-\x1f\x7fé€😀/<]{0,40}"#,
            before in "[a-z{,:]{0,3}",
        ) {
            let mut text = before.clone();
            json_string(&mut text, &s).unwrap();
            let mut want = before.into_bytes();
            want.extend(serde_json::to_vec(&s).unwrap());
            prop_assert_eq!(text.into_bytes(), want);
        }
    }

    #[test]
    fn lean_mapping_leaves_out_what_compaction_drops() {
        // a membership change: no payload in its properties or details, which are not read
        let (lean, _) = map_record(GRAPH.as_bytes(), true).expect("light mapping");
        assert!(lean.targets.iter().all(|t| t.modified.is_empty()));
        assert!(lean.additional.is_empty());
        let (whole, _) = map_record(GRAPH.as_bytes(), false).expect("light mapping");
        assert!(!whole.targets[0].modified.is_empty());
        assert_eq!(settled(lean), settled(whole));
        // the same record in an Azure Monitor envelope, one level deeper: still within the
        // levels a lean scan keeps (`LEAN_LEVELS`), so still mapped light
        let azure = format!(
            r#"{{"time":"2026-10-01T00:00:01Z","operationName":"Add member to group","category":"AuditLogs","properties":{GRAPH}}}"#
        );
        let (lean, _) = map_record(azure.as_bytes(), true).expect("light mapping, lean");
        assert_eq!(lean.targets.len(), 2);
        assert_eq!(lean.actor.upn.as_deref(), Some("a@x.example"));
        let (whole, _) = map_record(azure.as_bytes(), false).expect("light mapping");
        assert_eq!(settled(lean), settled(whole));
        // a sequence number, a license set, a summary: read as before
        for (from, to) in [
            (r#""key":"User-Agent""#, r#""key":"Sequence""#),
            ("Group.ObjectID", "AssignedLicense"),
            (
                r#""newValue":"\"g1\"""#,
                r#""newValue":"[SkuName=EMS, SkuId=efccb6f7-5641-4e0e-bd10-b4976e1bf68e]""#,
            ),
        ] {
            let text = GRAPH.replacen(from, to, 1);
            assert_ne!(text, GRAPH);
            let (lean, _) = map_record(text.as_bytes(), true).expect("light mapping");
            assert_eq!(
                Some(lean.clone()),
                map_record(text.as_bytes(), false).map(|r| r.0)
            );
            assert_eq!(
                settled(lean),
                settled(full(&text).expect("full").0),
                "{text}"
            );
        }
    }

    #[test]
    fn map_graph_reads_only_graph_keys() {
        // on an empty record every lookup happens (no `str_any` stops early, the actor is
        // empty, so `Identity` is read too), lean or not
        for lean in [false, true] {
            let doc = Doc::parse_str("{}").expect("doc");
            let root = LightMap::borrowed(doc.root_items());
            let at = doc.root_items().as_ptr() as usize;
            prefilter::LOOKUPS.with(|l| *l.borrow_mut() = Some(Vec::new()));
            assert!(map_graph(&doc, &root, &root, lean).is_ok());
            let seen = prefilter::LOOKUPS.with(|l| l.borrow_mut().take().unwrap_or_default());
            let keys: Vec<String> = seen
                .into_iter()
                .filter(|(p, _)| *p == at)
                .map(|(_, k)| k)
                .collect();
            assert!(keys.len() >= 20, "{keys:?}");
            for k in &keys {
                assert!(GRAPH_KEYS.contains(&k.as_str()), "{k} is not in GRAPH_KEYS");
            }
        }
    }

    #[test]
    fn la_columns_map_graph_never_reads_are_left_out() {
        let keys: Vec<String> = [
            "TenantId",
            "TimeGenerated [UTC]",
            "OperationName",
            "Result",
            "InitiatedBy",
            "TargetResources",
            "AdditionalDetails",
            "DurationMs",
        ]
        .map(String::from)
        .to_vec();
        let cols = LaColumns::new(&keys);
        let written = |names: &[Option<String>]| names.iter().filter(|n| n.is_some()).count();
        // only the columns holding JSON text are written, each under the spelling `map_graph`
        // asks for first
        assert_eq!(written(&cols.names), 3);
        assert_eq!(written(&cols.lean_names), 2);
        assert_eq!(cols.names[3], None);
        assert_eq!(cols.names[4].as_deref(), Some(r#""initiatedBy":"#));
        // the others are read from their cells: each key its columns, whatever their case
        let tops = |cols: &LaColumns, key: &str| {
            let at = GRAPH_KEYS
                .iter()
                .position(|g| *g == key)
                .expect("a graph key");
            cols.tops[at].clone()
        };
        assert_eq!(tops(&cols, "result"), [3]);
        assert_eq!(tops(&cols, "OperationName"), [2]);
        assert_eq!(tops(&cols, "operationName"), [2]);
        assert_eq!(tops(&cols, "TimeGenerated [UTC]"), [1]);
        assert_eq!(tops(&cols, "category"), Vec::<usize>::new());
        // when columns spell the same key, the lookup rules tell them apart: the spelling asked
        // for, the last first, then the others in byte order (`RESULT` before `Result`)
        let keys2: Vec<String> = ["result", "Result", "RESULT", "result", "Result"]
            .map(String::from)
            .to_vec();
        let two = LaColumns::new(&keys2);
        assert_eq!(tops(&two, "result"), [3, 0, 2, 4, 1]);
        let three = LaColumns::new(&["ResultType", "resultType", "RESULTTYPE"].map(String::from));
        assert_eq!(tops(&three, "ResultType"), [0, 2, 1]);
        assert_eq!(tops(&three, "resultType"), [1, 2, 0]);
        let row: Vec<String> = [
            "t1",
            "10/1/2026, 12:00:01.709 AM",
            "Add member to group",
            "success",
            r#"{"user":{"id":"u1","userPrincipalName":"a@x.example"}}"#,
            r#"[{"id":"u2","type":"User"},{"id":"g1","type":"Group","displayName":"G"}]"#,
            "[broken",
            "12",
        ]
        .map(String::from)
        .to_vec();
        let rec = csv::StringRecord::from(row.clone());
        let whole = audit::map(
            Family::Graph(AuditFormat::LogAnalyticsCsv),
            &audit::named_row_to_value(&keys, &row),
        );
        // the broken details are not valid JSON: absent in the full path, unsure to a mapping
        // that reads them, not read at all by a lean one
        assert_eq!(map_la_row(&rec, &cols, false), None);
        let lean = map_la_row(&rec, &cols, true).expect("lean mapping");
        assert_eq!(lean.actor.upn.as_deref(), Some("a@x.example"));
        assert_eq!(lean.targets.len(), 2);
        assert_eq!(settled(lean), settled(whole));
    }

    #[test]
    fn lean_mappings_read_escaped_payloads() {
        // a summary spelled with a long s: no summary to either path (the pattern's words are
        // ASCII case-insensitive, like the needles)
        let text = GRAPH.replacen(
            r#""newValue":"\"g1\"""#,
            "\"newValue\":\"[Users successfully assigned licen\u{17f}es: 2, Users for whom licen\u{17f}e a\u{17f}\u{17f}ignment failed: 1.];\"",
            1,
        );
        let (lean, _) = map_record(text.as_bytes(), true).expect("light mapping");
        let event = settled(lean).expect("event");
        assert!(event.extra.summary.is_none(), "{text}");
        assert_eq!(Ok(event), settled(full(&text).expect("full").0));
        // an admin-center property value that is JSON text with `\u` escapes: decoded, it is a
        // processing summary
        let mut row = vec![String::new(); audit::PORTAL_FIXED_COLUMNS];
        row[0] = "2026-10-01T00:00:00Z".into();
        row[4] = "Add member to group".into();
        row[17] = "User".into();
        row[19] = "u1".into();
        row[21] = "Group.DisplayName".into();
        row[23] = r#""[Users \u0073uccessfully assigned li\u0063enses: 2, Users for whom li\u0063ense assignment failed: 1.];""#.into();
        let rec = csv::StringRecord::from(row.clone());
        let lean = map_portal_row(&rec, row.len(), true).expect("light mapping");
        let event = settled(lean).expect("event");
        assert!(event.extra.summary.is_some(), "{row:?}");
        let whole = audit::map_portal(&row);
        assert_eq!(Ok(event), settled(whole));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Whenever the lean mapping answers, the full path's record settles (normalized and
        /// compacted) into the same event.
        #[test]
        fn lean_mapping_settles_like_the_full_path(text in record()) {
            if let Some((lean, format)) = map_record(text.as_bytes(), true) {
                let (whole, f) = full(&text).expect("a record the light mapping reads");
                prop_assert_eq!(format, f);
                prop_assert_eq!(settled(lean), settled(whole), "{}", text);
            }
        }

        /// The same for admin-center rows.
        #[test]
        fn lean_portal_rows_settle_like_the_full_path(row in portal_row()) {
            let rec = csv::StringRecord::from(row.clone());
            if let Some(lean) = map_portal_row(&rec, row.len(), true) {
                let whole = audit::map_portal(&row);
                prop_assert_eq!(settled(lean), settled(whole), "{:?}", row);
            }
        }

        /// The same for Log Analytics rows.
        #[test]
        fn lean_la_rows_settle_like_the_full_path((keys, row) in la_row()) {
            let rec = csv::StringRecord::from(row.clone());
            if let Some(lean) = map_la_row(&rec, &LaColumns::new(&keys), true) {
                let whole = audit::map(
                    Family::Graph(AuditFormat::LogAnalyticsCsv),
                    &audit::named_row_to_value(&keys, &row),
                );
                prop_assert_eq!(settled(lean), settled(whole), "{:?}", row);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Whenever the light mapping answers, the full path gives the same record.
        #[test]
        fn light_mapping_agrees_with_the_full_path(text in record()) {
            if let Some(light) = map_record(text.as_bytes(), false) {
                prop_assert_eq!(Some(light), full(&text), "{}", text);
            }
        }
    }
}
