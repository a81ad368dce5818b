//! Graph and Azure Monitor records mapped to [`RawAudit`] straight from the light parse
//! ([`lightjson`]), without building a `serde_json::Value` tree: the path of records that hold a
//! licensing needle (membership changes, license changes), which the fast path cannot just count.
//! Admin-center CSV rows with a needle are mapped from their cells the same way
//! ([`map_portal_row`]), and Log Analytics rows through one JSON object written from their cells
//! ([`map_la_row`]).
//!
//! It gives exactly what [`audit::map`] gives on the parsed record, or gives up (`None`) and the
//! caller takes the full parse. It gives up on whatever it does not render the same way for sure:
//! numbers where text is read (`text` renders them), non-string property values, dynamic columns
//! sent as JSON text (Log Analytics), unified audit log records, and any record whose bytes hold
//! an error needle ([`audit::may_hold_error_bytes`]; error records are few and the full path
//! collects their texts). The light parse itself refuses `\u` escapes and escaped keys.

use super::audit::{self, Family};
use super::csvrows::Cells;
use super::lightjson::{self, Doc};
use super::prefilter::LightMap;
use super::raw::{RawActor, RawAudit, RawProp, RawTarget};
use super::value;
use crate::model::AuditFormat;
use std::borrow::Cow;

/// The light mapping is not sure: use the full path.
struct Unsure;

type Sure<T> = Result<T, Unsure>;

/// A record mapped without a `Value` tree, with the format its keys say; `None` = use the full
/// path.
pub(super) fn map_record(bytes: &[u8]) -> Option<(RawAudit, AuditFormat)> {
    if audit::may_hold_error_bytes(bytes) {
        return None;
    }
    let doc = Doc::parse(bytes)?;
    let m = LightMap::new(doc.root());
    if m.is_envelope() {
        return None;
    }
    match audit::classify_keys(&m)? {
        Family::Graph(f) => map_graph(&doc, &m).ok().map(|r| (r, f)),
        Family::AzureMonitor => map_azure_monitor(&doc, &m)
            .ok()
            .map(|r| (r, AuditFormat::AzureMonitor)),
        Family::Ual => None,
    }
}

/// `ingest::value::text` of a raw value: strings trimmed, `true`/`false` rendered, empty and
/// `<null>` absent, containers absent; numbers are not sure.
fn text(raw: &str) -> Sure<Option<String>> {
    match raw.as_bytes().first() {
        Some(b'"') => {
            let s = lightjson::unescape_cow(raw).ok_or(Unsure)?;
            Ok(value::present(&s).map(str::to_string))
        }
        Some(b't') => Ok(Some("true".into())),
        Some(b'f') => Ok(Some("false".into())),
        Some(b'n' | b'{' | b'[') => Ok(None),
        _ => Err(Unsure),
    }
}

/// `ingest::value::str_of`.
fn str_of(m: &LightMap<'_>, key: &str) -> Sure<Option<String>> {
    match m.get(key) {
        Some(v) => text(v),
        None => Ok(None),
    }
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
    let t = s.trim();
    if t.starts_with('{') || t.starts_with('[') {
        Err(Unsure)
    } else {
        Ok(())
    }
}

/// The object `ingest::value::structured` makes of a raw value; `None` when there are no keys to
/// read (absent, an array, a scalar, a plain string).
fn structured<'a>(doc: &Doc<'a>, raw: Option<&str>) -> Sure<Option<LightMap<'a>>> {
    match raw {
        Some(r) if r.starts_with('"') => plain_text(r).map(|()| None),
        Some(r) => object(doc, r),
        None => Ok(None),
    }
}

/// `ingest::value::array_of`: the raw elements (one object becomes a one-item list).
fn array_of<'a>(doc: &Doc<'a>, m: &LightMap<'a>, key: &str) -> Sure<Vec<&'a str>> {
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
fn object<'a>(doc: &Doc<'a>, raw: &str) -> Sure<Option<LightMap<'a>>> {
    if raw.starts_with('{') {
        doc.members(raw)
            .map(|m| Some(LightMap::new(m)))
            .ok_or(Unsure)
    } else {
        Ok(None)
    }
}

/// A non-empty object member (`initiatedBy.user` / `.app`).
fn filled<'a>(doc: &Doc<'a>, m: &LightMap<'a>, key: &str) -> Sure<Option<LightMap<'a>>> {
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

fn map_props<'a>(doc: &Doc<'a>, t: &LightMap<'a>) -> Sure<Vec<RawProp>> {
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

/// `audit::map_graph` without its error texts (there are none: [`map_record`] checked).
fn map_graph<'a>(doc: &Doc<'a>, v: &LightMap<'a>) -> Sure<RawAudit> {
    let mut raw = RawAudit {
        time: str_any(v, &["activityDateTime"])?,
        time_fallback: str_any(v, &["TimeGenerated", "TimeGenerated [UTC]", "time"])?,
        activity: str_any(
            v,
            &["activityDisplayName", "OperationName", "operationName"],
        )?,
        category: str_of(v, "category")?,
        result: str_any(v, &["result", "ResultType", "resultType"])?,
        result_reason: str_any(
            v,
            &["resultReason", "ResultDescription", "resultDescription"],
        )?,
        correlation_id: str_of(v, "correlationId")?,
        record_id: str_of(v, "id")?,
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
        raw.actor.app_name = str_any(v, &["Identity", "InitiatingUserOrApp"])?;
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
                    modified: map_props(doc, &t)?,
                },
                None => RawTarget::default(),
            })
        })
        .collect::<Sure<_>>()?;
    let mut additional = Vec::new();
    for el in array_of(doc, v, "additionalDetails")? {
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
fn map_azure_monitor<'a>(doc: &Doc<'a>, v: &LightMap<'a>) -> Sure<RawAudit> {
    let props = structured(doc, v.get("properties"))?.unwrap_or(LightMap::new(Vec::new()));
    let mut raw = map_graph(doc, &props)?;
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
pub(super) fn map_portal_row(row: &impl Cells, width: usize) -> Option<RawAudit> {
    if row.width() != width || audit::may_hold_error_bytes(row.haystack()) {
        return None;
    }
    // `audit::cell`: a cell that is not empty once trimmed
    let cell = |i: usize| row.cell(i).filter(|c| !c.trim().is_empty());
    let trimmed = |c: Cow<'_, str>| c.trim().to_string();
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
    let actor_type = cell(8).map_or_else(String::new, |c| c.trim().to_ascii_lowercase());
    if actor_type.starts_with("user") || (actor_type.is_empty() && cell(11).is_some()) {
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
        let base = 17 + k * 19;
        let modified: Vec<RawProp> = (0..5)
            .map(|m| base + 4 + m * 3)
            .filter_map(|pb| {
                let name = cell(pb)?;
                Some(RawProp {
                    name: txt(&name).unwrap_or_default(),
                    old: cell(pb + 1).map(trimmed),
                    new: cell(pb + 2).map(trimmed),
                })
            })
            .collect();
        if cell(base).is_none()
            && cell(base + 1).is_none()
            && cell(base + 2).is_none()
            && modified.is_empty()
        {
            continue;
        }
        raw.targets.push(RawTarget {
            kind: t(base),
            display_name: t(base + 1),
            id: t(base + 2),
            upn: t(base + 3),
            modified,
        });
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

/// The columns of a Log Analytics row that hold JSON text the full path decodes (`structured`);
/// every other column is read as text.
const DYNAMIC: [&str; 3] = ["initiatedBy", "targetResources", "additionalDetails"];

/// The columns of a Log Analytics header, prepared once per file for [`map_la_row`]: each key
/// written as a JSON member name (`"key":`), and whether the full path decodes the column's JSON.
pub(super) struct LaColumns {
    /// `None` for an empty key (the full path drops the column).
    names: Vec<Option<Vec<u8>>>,
    dynamic: Vec<bool>,
}

impl LaColumns {
    /// From the column keys ([`audit::header_keys`]).
    pub(super) fn new(keys: &[String]) -> LaColumns {
        LaColumns {
            names: keys
                .iter()
                .map(|k| {
                    (!k.is_empty()).then(|| {
                        let mut n = serde_json::to_vec(k).unwrap_or_default();
                        n.push(b':');
                        n
                    })
                })
                .collect(),
            dynamic: keys
                .iter()
                .map(|k| DYNAMIC.iter().any(|d| k.eq_ignore_ascii_case(d)))
                .collect(),
        }
    }
}

/// A Log Analytics CSV row mapped to what [`audit::map`] gives for [`audit::named_row_to_value`]
/// of it, without the owned cells and `Value` trees: the row is written as one JSON object (each
/// cell a JSON string, the dynamic columns' JSON text as it is) and read with [`Doc`] like a Graph
/// record. `None` when a cell may hold an error text, the row is not as wide as the header, or the
/// light parse refuses the object (escapes, invalid JSON text in a dynamic column, which the full
/// path reads as absent).
pub(super) fn map_la_row(row: &impl Cells, cols: &LaColumns) -> Option<RawAudit> {
    if row.width() != cols.names.len() || audit::may_hold_error_bytes(row.haystack()) {
        return None;
    }
    let mut text: Vec<u8> = Vec::with_capacity(row.haystack().len() + 24 * row.width());
    text.push(b'{');
    // where each dynamic column's text went: it must come back as exactly one value
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    let mut members = 0;
    for (i, (name, &dynamic)) in cols.names.iter().zip(&cols.dynamic).enumerate() {
        let Some(name) = name else { continue };
        let Some(cell) = row.cell(i) else { continue };
        if cell.trim().is_empty() {
            continue;
        }
        if members > 0 {
            text.push(b',');
        }
        text.extend_from_slice(name);
        let t = cell.trim();
        if dynamic && (t.starts_with('{') || t.starts_with('[')) {
            spans.push((members, text.len(), t.len()));
            text.extend_from_slice(t.as_bytes());
        } else {
            serde_json::to_writer(&mut text, &*cell).ok()?;
        }
        members += 1;
    }
    text.push(b'}');
    let doc = Doc::parse(&text)?;
    let root = doc.root();
    // a dynamic column whose text is not one whole JSON value (`{"a":1},"result":"x"`) is absent
    // in the full path: it must not add members here
    if root.len() != members
        || spans.iter().any(|&(i, at, len)| {
            root[i].1.len() != len || root[i].1.as_ptr() != text[at..].as_ptr()
        })
    {
        return None;
    }
    map_graph(&doc, &LightMap::new(root)).ok()
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
            let light = map_record(text.as_bytes()).expect("light mapping");
            assert_eq!(Some(light), full(&text), "{text}");
        }
    }

    #[test]
    fn gives_up_where_it_is_not_sure() {
        let with = |from: &str, to: &str| GRAPH.replacen(from, to, 1);
        for text in [
            with(r#""result":"success""#, r#""result":0"#), // a number read as text
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
            assert!(map_record(text.as_bytes()).is_none(), "{text}");
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
        ]
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
            &[
                "activityDisplayName",
                "activityDateTime",
                "TimeGenerated",
                "time",
                "OperationName",
                "operationName",
                "category",
                "result",
                "ResultType",
                "resultType",
                "resultReason",
                "resultDescription",
                "correlationId",
                "id",
                "Identity",
                "InitiatingUserOrApp",
                "initiatedBy",
                "targetResources",
                "additionalDetails",
                "identity",
                "callerIpAddress",
                "resultSignature",
            ],
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
            light += usize::from(map_record(text.as_bytes()).is_some());
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
            ])
            .prop_map(str::to_string),
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
        let extra = prop_oneof![
            2 => Just(None),
            1 => prop::sample::select(vec![
                ("InitiatedBy", r#"{"user":{"id":"u9"}},"result":"injected""#),
                ("targetResources", r#"[{"id":"t9"}],"category":"x""#),
                ("AdditionalDetails", r#"[{"key":"k","value":"v"}] "#),
                ("additionalDetails", "[broken"),
                ("ResultDescription", "Error: CountViolation"),
                ("InitiatedBy", r#"{"user":{"id":"a\u0041"}}"#),
                ("Result", "line\nbreak \"quoted\""),
            ])
            .prop_map(Some),
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
            if let Some((k, c)) = extra {
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
            if let Some(light) = map_la_row(&rec, &LaColumns::new(&keys)) {
                prop_assert_eq!(light, full, "{:?}", row);
            }
            if !keys.is_empty() {
                prop_assert!(map_la_row(&rec, &LaColumns::new(&keys[1..])).is_none());
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
            map_la_row(&plain, &LaColumns::new(&keys)),
            Some(full(&plain))
        );
        // injected members: the full path reads the column as absent, the light path gives up
        let injected = row(r#"{"user":{"id":"u1"}},"Result":"failure""#);
        assert_eq!(full(&injected).actor, RawActor::default());
        assert_eq!(map_la_row(&injected, &LaColumns::new(&keys)), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// The light admin-center mapping gives what the full path gives, or gives up only where
        /// a cell may hold an error text.
        #[test]
        fn portal_rows_map_like_the_full_path(row in portal_row()) {
            let rec = csv::StringRecord::from(row.clone());
            let full = audit::map(
                Family::Graph(AuditFormat::PortalCsv),
                &audit::portal_row_to_value(&row),
            );
            match map_portal_row(&rec, row.len()) {
                Some(light) => prop_assert_eq!(light, full),
                None => prop_assert!(audit::may_hold_error_bytes(rec.as_slice().as_bytes())),
            }
            prop_assert!(map_portal_row(&rec, row.len() + 1).is_none());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Whenever the light mapping answers, the full path gives the same record.
        #[test]
        fn light_mapping_agrees_with_the_full_path(text in record()) {
            if let Some(light) = map_record(text.as_bytes()) {
                prop_assert_eq!(Some(light), full(&text), "{}", text);
            }
        }
    }
}
