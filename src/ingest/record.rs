//! One JSON record parsed into a `serde_json::Value` for the full path, without the tree of what
//! no reader looks at: a Graph user's `assignedPlans` rows. Licdiag checks that each row names its
//! plan and keeps nothing else of them (`snapshot::users`), yet they are most of a licensed user's
//! bytes (42 rows of four members, 6.9 KB of 7.7 in a generated tenant), and building them as maps
//! of owned strings was a large part of the time a users export took to read.
//!
//! [`parse`] gives what `serde_json::from_slice::<Value>` gives, the same errors included, except
//! that each object row of a top-level `assignedPlans` member (any case) keeps only its
//! `servicePlanId` and `AdditionalProperties` members (any case): every member the row check reads
//! ([`super::snapshot::fields::field`] looks a key up case-insensitively, then in the
//! `AdditionalProperties` bag). The other members are still parsed, so a record is accepted or
//! refused exactly as before (the same grammar, depth and number checks: they pass through
//! serde_json's `deserialize_any`), only not built. A test compares both parses on the fixtures'
//! users and on generated damaged records. The one other difference: a lone UTF-16 surrogate
//! escape, which serde_json refuses, is read as U+FFFD ([`parse`]).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The member whose rows are trimmed.
const PLANS: &str = "assignedPlans";
/// The member whose rows are compacted ([`compact_members`]).
const MEMBERS: &str = "members";
/// The one key of a compacted `members` value. A record whose text holds it is parsed by
/// serde_json itself (as one holding [`RAW_VALUE_TOKEN`] is), so no key read from an export can
/// be it.
pub const MEMBERS_TOKEN: &str = "$licdiag::compact-members";
/// A row's members that are kept.
const ROW_KEPT: [&str; 2] = ["servicePlanId", "AdditionalProperties"];
/// With serde_json's `raw_value` feature, an object whose first key is this token is read as the
/// JSON text of its value, wherever it is: a record that holds it, or any `\u` escape (which
/// could spell it), is parsed by serde_json itself.
const RAW_VALUE_TOKEN: &[u8] = b"$serde_json::private::RawValue";

/// `serde_json::from_slice::<Value>(bytes)`, with `assignedPlans` rows trimmed (module docs).
///
/// The record's UTF-8 is checked once, whole (`simdutf8`), and the text then read as a `str`:
/// serde_json's slice reader checks every string on its own with the standard library's check,
/// which was an eighth of the instructions a Graph users export took to read. Text that is not
/// UTF-8 is read from the bytes as before, so serde_json reports it exactly as it did.
///
/// A string holding a lone UTF-16 surrogate escape (`"\ud800"` with no low surrogate after it,
/// or a low one alone) is valid JSON grammar (RFC 8259 §8.2) that no UTF-8 text can hold:
/// serde_json refuses the record, so such an escape is read as U+FFFD (the replacement
/// character), as most JSON readers do, and the record is read.
pub fn parse(bytes: &[u8]) -> serde_json::Result<Value> {
    match parse_exact(bytes) {
        Err(e) if e.is_syntax() => match lone_surrogates_replaced(bytes) {
            // still refused: the error of the damage that is left (at the same column)
            Some(fixed) => parse_exact(&fixed),
            None => Err(e),
        },
        r => r,
    }
}

/// `bytes` with every lone surrogate escape (`\uD800`-`\uDFFF` not in a high-low pair) made
/// `\ufffd` (the same length: columns in errors stay), or `None` when it holds none.
fn lone_surrogates_replaced(b: &[u8]) -> Option<Vec<u8>> {
    fn unit(s: Option<&[u8]>) -> Option<u16> {
        let s = s?.get(..4)?;
        if !s.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok()
    }
    let (high, low) = (0xD800..0xDC00, 0xDC00..0xE000);
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while let Some(p) = b.get(i..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let at = i + p;
        if b.get(at + 1) != Some(&b'u') {
            i = at + 2; // another escape, `\\` among them
            continue;
        }
        let Some(c) = unit(b.get(at + 2..)) else {
            i = at + 2;
            continue;
        };
        if high.contains(&c) {
            let pair = b.get(at + 6..at + 8) == Some(b"\\u")
                && unit(b.get(at + 8..)).is_some_and(|d| low.contains(&d));
            if pair {
                i = at + 12;
                continue;
            }
        }
        if high.contains(&c) || low.contains(&c) {
            out.get_or_insert_with(|| b.to_vec())[at + 2..at + 6].copy_from_slice(b"fffd");
        }
        i = at + 6;
    }
    out
}

/// [`parse`] without the surrogate repair.
fn parse_exact(bytes: &[u8]) -> serde_json::Result<Value> {
    // both tokens begin with `$`, which most records do not hold at all
    let plain = memchr::memmem::find(bytes, b"\\u").is_none()
        && (memchr::memchr(b'$', bytes).is_none()
            || memchr::memmem::find(bytes, RAW_VALUE_TOKEN).is_none()
                && memchr::memmem::find(bytes, MEMBERS_TOKEN.as_bytes()).is_none());
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) if plain => build(&mut serde_json::Deserializer::from_str(text)),
        Ok(text) => serde_json::from_str(text),
        Err(_) if plain => build(&mut serde_json::Deserializer::from_slice(bytes)),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Bytes a record may have: 64 MiB. An audit record is a few kilobytes and the largest snapshot
/// object a few tens of megabytes (a group listing a few hundred thousand members); a record over
/// this is not held or parsed ([`too_large`]).
pub const MAX_RECORD_BYTES: usize = 64 << 20;
/// JSON values a record over a mebibyte may hold (counted as its commas outside strings, which
/// is the count less one per container): 4,000,000. A group of a million members in Graph's shape holds about 3,000,000. Built as
/// `Value`s, four million values are at most about 200 MB for a moment, where a 40 MB record of
/// twenty million tiny values was 1.24 GB: this bounds what one hostile record costs.
pub const MAX_RECORD_VALUES: u64 = 4_000_000;
/// Records up to this size are not counted: they cannot hold enough values to matter.
const COUNTED_FROM: usize = 1 << 20;

/// Why a record is too large to parse, when it is: more than [`MAX_RECORD_BYTES`] bytes, or more
/// than [`MAX_RECORD_VALUES`] values. The text is the skip's detail.
pub fn too_large(bytes: &[u8]) -> Option<String> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Some(oversized_detail(bytes.len() as u64));
    }
    if bytes.len() <= COUNTED_FROM {
        return None;
    }
    let n = value_count(bytes);
    (n > MAX_RECORD_VALUES).then(|| {
        format!(
            "the record ({:.1} MB) holds about {n} JSON values, more than the {MAX_RECORD_VALUES} \
             licdiag holds for one record; no audit record or snapshot object is near that \
             size, so it is not read (a damaged or hand-made file; if it is a real export, \
             export it again)",
            bytes.len() as f64 / 1e6
        )
    })
}

/// The detail of a record over [`MAX_RECORD_BYTES`] bytes.
pub fn oversized_detail(len: u64) -> String {
    format!(
        "the record is {:.1} MB, more than the {} MB licdiag reads for one record; no audit record \
         or snapshot object is near that size, so it is not read (a damaged or hand-made file, or \
         lines joined by a tool; if it is a real export, export it again)",
        len as f64 / 1e6,
        MAX_RECORD_BYTES >> 20
    )
}

/// About how many values a JSON text holds: its commas outside strings (each value after the first
/// in an array or object follows one; containers of one value nest at most 128 deep).
fn value_count(bytes: &[u8]) -> u64 {
    let mut n = 0u64;
    let mut i = 0;
    while let Some(p) = memchr::memchr2(b'"', b',', &bytes[i..]) {
        let at = i + p;
        if bytes[at] == b'"' {
            // to the string's closing quote, past escapes
            let mut j = at + 1;
            loop {
                match memchr::memchr2(b'"', b'\\', &bytes[j..]) {
                    Some(q) if bytes[j + q] == b'\\' => j += q + 2,
                    Some(q) => {
                        j += q + 1;
                        break;
                    }
                    None => return n,
                }
                if j >= bytes.len() {
                    return n;
                }
            }
            i = j;
        } else {
            n += 1;
            i = at + 1;
        }
    }
    n
}

/// The record read by `de`, trimmed ([`Build`]), with nothing after it.
fn build<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
) -> serde_json::Result<Value> {
    let v = Build { trim: Trim::Record }.deserialize(&mut *de)?;
    de.end()?;
    Ok(v)
}

/// What a [`Build`] trims below the value it builds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trim {
    /// The record: its `assignedPlans` member is [`Trim::Plans`].
    Record,
    /// `assignedPlans`: its rows are [`Trim::Row`] (one object given for a list is built whole).
    Plans,
    /// A row: only the [`ROW_KEPT`] members are built.
    Row,
    /// A top-level `members`: compacted when it can be ([`compact_members`]).
    Members,
    /// Nothing: a `Value` as serde_json builds it.
    Nothing,
}

/// Builds a `Value` as serde_json's own visitor does, trimming as `trim` says.
struct Build {
    trim: Trim,
}

impl<'de> DeserializeSeed<'de> for Build {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.trim == Trim::Members {
            return members(seq);
        }
        // the rows of `assignedPlans` are trimmed; any other array is built whole
        let inner = if self.trim == Trim::Plans {
            Trim::Row
        } else {
            Trim::Nothing
        };
        let mut items = Vec::new();
        while let Some(x) = seq.next_element_seed(Build { trim: inner })? {
            items.push(x);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let trim = match self.trim {
                Trim::Record if k.eq_ignore_ascii_case(PLANS) => Trim::Plans,
                Trim::Record if k.eq_ignore_ascii_case(MEMBERS) => Trim::Members,
                // one object where a list is expected is read as a list of one row
                Trim::Plans => Trim::Nothing,
                Trim::Row if !ROW_KEPT.iter().any(|r| k.eq_ignore_ascii_case(r)) => {
                    map.next_value::<Skip>()?;
                    continue;
                }
                _ => Trim::Nothing,
            };
            let v = map.next_value_seed(Build { trim })?;
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }
}

/// How a row of `members` is held while the list is compact.
enum Row {
    /// The id of a row that is exactly `{"@odata.type": "#microsoft.graph.user", "id": ID}` (the
    /// shape Graph writes), which [`expand`] gives back as it was.
    User(String),
    /// Any other row that reads without an issue: a user (or untyped) row naming an id, or a row
    /// of another type (dropped by the groups reader).
    Other(Value),
}

const USER_TYPE: &str = "#microsoft.graph.user";

/// The row's compact form, or `None` when the groups reader would find an issue in it (or it is
/// not an object): the list is then built whole, so that the issue is found as before.
fn compact_row(v: Value) -> Result<Row, Value> {
    use super::snapshot::fields;
    let Value::Object(m) = &v else {
        return Err(v);
    };
    if m.len() == 2 && m.get("@odata.type").and_then(Value::as_str) == Some(USER_TYPE) {
        if let Some(Value::String(id)) = m.get("id") {
            if crate::model::ObjectId::parse(id).is_some() {
                let Value::Object(mut m) = v else {
                    unreachable!("matched above")
                };
                let Some(Value::String(id)) = m.remove("id") else {
                    unreachable!("matched above")
                };
                return Ok(Row::User(id));
            }
        }
    }
    if !fields::is_user_or_untyped(&v) {
        return Ok(Row::Other(v));
    }
    match fields::id_text(&v, &["id"], &"") {
        Ok(Some(id)) if crate::model::ObjectId::parse(&id).is_some() => Ok(Row::Other(v)),
        _ => Err(v),
    }
}

/// A row given back as it was read.
fn expand(r: Row) -> Value {
    match r {
        Row::User(id) => {
            let mut m = Map::new();
            m.insert("@odata.type".into(), Value::String(USER_TYPE.into()));
            m.insert("id".into(), Value::String(id));
            Value::Object(m)
        }
        Row::Other(v) => v,
    }
}

/// A top-level `members` list. A group's rows are nearly all `{"@odata.type":
/// "#microsoft.graph.user", "id": ...}`, and built as maps they cost about 750 bytes each (a
/// 66k-member group was 50 MB for a moment). When every row reads without an issue, the list is
/// `{MEMBERS_TOKEN: [rows]}` with each Graph-shaped user row as its id string (about 80 bytes),
/// which [`compact_members`] reads; otherwise (an empty list, a row that is not an object or that
/// the groups reader would report) it is the list as serde_json builds it.
fn members<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Value, A::Error> {
    let mut rows: Vec<Row> = Vec::new();
    let mut whole: Option<Vec<Value>> = None;
    while let Some(x) = seq.next_element_seed(Build {
        trim: Trim::Nothing,
    })? {
        match &mut whole {
            Some(items) => items.push(x),
            None => match compact_row(x) {
                Ok(r) => rows.push(r),
                Err(x) => {
                    let mut items: Vec<Value> =
                        std::mem::take(&mut rows).into_iter().map(expand).collect();
                    items.push(x);
                    whole = Some(items);
                }
            },
        }
    }
    Ok(match whole {
        Some(items) => Value::Array(items),
        None if rows.is_empty() => Value::Array(Vec::new()),
        None => {
            let rows = rows
                .into_iter()
                .map(|r| match r {
                    Row::User(id) => Value::String(id),
                    Row::Other(v) => v,
                })
                .collect();
            let mut m = Map::new();
            m.insert(MEMBERS_TOKEN.into(), Value::Array(rows));
            Value::Object(m)
        }
    })
}

/// The user ids of a compacted `members` value ([`members`]), in order, or `None` when `v` is not
/// one. They are what the groups reader gets from the list as read: the user (and untyped)
/// rows' ids; rows of other types dropped.
pub fn compact_members(v: &Value) -> Option<Vec<crate::model::ObjectId>> {
    use super::snapshot::fields;
    let Value::Object(m) = v else {
        return None;
    };
    let Some(Value::Array(rows)) = m.get(MEMBERS_TOKEN) else {
        return None;
    };
    if m.len() != 1 {
        return None;
    }
    Some(
        rows.iter()
            .filter_map(|r| match r {
                Value::String(id) => crate::model::ObjectId::parse(id),
                other if fields::is_user_or_untyped(other) => fields::id_text(other, &["id"], &"")
                    .ok()
                    .flatten()
                    .and_then(|id| crate::model::ObjectId::parse(&id)),
                _ => None,
            })
            .collect(),
    )
}

/// A value parsed and checked as serde_json checks it, and not built.
struct Skip;

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(Skip)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lone_surrogate_escapes_are_read_as_the_replacement_character() {
        let v = parse(br#"{"displayName":"Lena \ud800 Vogel \udfff","b":"\ud83d\ude00 \\ud800"}"#)
            .expect("read");
        assert_eq!(v["displayName"], "Lena \u{fffd} Vogel \u{fffd}");
        // a pair is one character; an escaped backslash before `ud800` is text
        assert_eq!(v["b"], "\u{1f600} \\ud800");
        // a high surrogate at the string's end, and one before another escape
        let v = parse(br#"{"a":"x\udbff","b":"\ud800\n"}"#).expect("read");
        assert_eq!(v["a"], "x\u{fffd}");
        assert_eq!(v["b"], "\u{fffd}\n");
        // other damage is refused as before, with serde_json's error
        let e = parse(br#"{"a":"\ud800","b":tru}"#).expect_err("damaged");
        assert!(e.to_string().contains("expected ident"), "{e}");
        assert!(lone_surrogates_replaced(br#"{"a":"\u00e9\ud83d\ude00"}"#).is_none());
    }

    #[test]
    fn a_record_of_too_many_values_or_bytes_is_too_large() {
        // twenty million tiny values in 40 MB took 1.24 GB as a tree (review 76)
        let zeros = format!("{{\"a\":[{}0]}}", "0,".repeat(4_100_000));
        let detail = too_large(zeros.as_bytes()).expect("too many values");
        assert!(detail.contains("4100000 JSON values"), "{detail}");
        // commas in strings (escaped quotes included) are no values
        let text = format!(
            "{{\"a\":\"{}\\\"{}\",\"b\":1}}",
            ",".repeat(3_000_000),
            ",".repeat(2_000_000)
        );
        assert_eq!(value_count(text.as_bytes()), 1);
        assert!(too_large(text.as_bytes()).is_none());
        // a small record is never counted, and a group of 700,000 Graph-shaped members is read
        assert!(too_large(b"[0,0,0]").is_none());
        let row = r##"{"@odata.type":"#microsoft.graph.user","id":"5c7d2a6e-3d95-5f8f-a735-a230d514403d"},"##;
        let group = format!("{{\"members\":[{}{{}}]}}", row.repeat(700_000));
        assert!(group.len() < MAX_RECORD_BYTES, "{}", group.len());
        assert!(too_large(group.as_bytes()).is_none());
        let long = vec![b' '; MAX_RECORD_BYTES + 1];
        assert!(too_large(&long).unwrap().contains("more than the 64 MB"));
    }

    /// `from_slice::<Value>` with the rows trimmed as [`parse`] trims them, for comparison.
    fn expected(bytes: &[u8]) -> Result<Value, String> {
        let mut v: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if let Value::Object(m) = &mut v {
            for (k, plans) in m.iter_mut() {
                if !k.eq_ignore_ascii_case(PLANS) {
                    continue;
                }
                let trim = |row: &mut Value| {
                    if let Value::Object(r) = row {
                        r.retain(|k, _| ROW_KEPT.iter().any(|x| k.eq_ignore_ascii_case(x)));
                    }
                };
                // a lone object: its members are values, not rows (built whole)
                if let Value::Array(rows) = plans {
                    rows.iter_mut().for_each(trim);
                }
            }
        }
        Ok(v)
    }

    fn same(text: &str) -> Result<(), TestCaseError> {
        let got = parse(text.as_bytes()).map_err(|e| e.to_string());
        prop_assert_eq!(got, expected(text.as_bytes()), "{}", text);
        Ok(())
    }

    #[test]
    fn rows_keep_what_the_check_reads() {
        let text = r#"{"id":"u1","AssignedPlans":[{"assignedDateTime":"2026-10-02T15:53:23Z",
            "capabilityStatus":"Enabled","service":"exchange","servicePlanId":"P1"},
            {"SERVICEPLANID":"P2","AdditionalProperties":{"x":1},"other":[1,{"a":null}]},
            "System.Object[]", 7],"assignedLicenses":[{"skuId":"S","disabledPlans":[]}]}"#;
        let v = parse(text.as_bytes()).unwrap();
        assert_eq!(
            v["AssignedPlans"],
            serde_json::json!([{"servicePlanId":"P1"},
                {"SERVICEPLANID":"P2","AdditionalProperties":{"x":1}}, "System.Object[]", 7])
        );
        // everything else as serde_json builds it
        assert_eq!(
            v["assignedLicenses"],
            serde_json::json!([{"skuId":"S","disabledPlans":[]}])
        );
        same(text).unwrap();
    }

    #[test]
    fn refuses_what_serde_json_refuses_with_the_same_error() {
        for text in [
            r#"{"assignedPlans":[{"service":1e400,"servicePlanId":"p"}]}"#,
            r#"{"assignedPlans":[{"service":"a\x"}]}"#,
            r#"{"assignedPlans":[{"service":"a"},]}"#,
            r#"{"assignedPlans":[{"service":"a"}]} x"#,
            r#"{"assignedPlans":[{"service":"a"}"#,
            "{\"assignedPlans\":[{\"service\":\"a\u{1}\"}]}",
        ] {
            let ours = parse(text.as_bytes()).map_err(|e| e.to_string());
            let theirs =
                serde_json::from_slice::<Value>(text.as_bytes()).map_err(|e| e.to_string());
            assert!(ours.is_err(), "{text}");
            assert_eq!(ours.err(), theirs.err(), "{text}");
        }
        // nesting past serde_json's limit inside a skipped member
        let deep = format!(
            r#"{{"assignedPlans":[{{"service":{}1{}}}]}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert_eq!(
            parse(deep.as_bytes()).map_err(|e| e.to_string()).err(),
            serde_json::from_slice::<Value>(deep.as_bytes())
                .map_err(|e| e.to_string())
                .err()
        );
    }

    /// Text that is not UTF-8 is read from its bytes, as serde_json reads it: the same error at
    /// the same place. A `$` that begins neither token changes nothing.
    #[test]
    fn bytes_that_are_not_utf8_get_serde_jsons_own_error() {
        for bytes in [
            &b"{\"id\":\"a\xffb\"}"[..],
            b"{\"assignedPlans\":[{\"service\":\"\xc3\",\"servicePlanId\":\"p\"}]}",
            b"{\"a\":\"\\u0041\xfe\"}",
            b"{\"$a\":\"\xed\xa0\x80\"}",
            b"{\"a\":1}\xff",
        ] {
            let ours = parse(bytes).map_err(|e| e.to_string());
            let theirs = serde_json::from_slice::<Value>(bytes).map_err(|e| e.to_string());
            assert!(theirs.is_err(), "{bytes:?}");
            assert_eq!(ours, theirs, "{bytes:?}");
        }
        same(r#"{"price":"$5","assignedPlans":[{"service":"x","servicePlanId":"p"}]}"#).unwrap();
    }

    #[test]
    fn the_raw_value_token_is_left_to_serde_json() {
        let text = r#"{"$serde_json::private::RawValue":"[1,2]"}"#;
        assert_eq!(
            parse(text.as_bytes()).map_err(|e| e.to_string()),
            serde_json::from_slice::<Value>(text.as_bytes()).map_err(|e| e.to_string())
        );
        for nested in [
            r#"{"assignedPlans":[{"service":{"$serde_json::private::RawValue":"x"}}]}"#,
            r#"{"assignedPlans":[{"service":{"$serde_json::private::Raw\u0056alue":"x"}}]}"#,
        ] {
            assert_eq!(
                parse(nested.as_bytes()).map_err(|e| e.to_string()),
                serde_json::from_slice::<Value>(nested.as_bytes()).map_err(|e| e.to_string())
            );
        }
    }

    /// Every user of the fixtures' users exports (Graph, Graph PowerShell, cut by `ConvertTo-Json`'s
    /// depth, JSON Lines, a bare array) parses as serde_json parses it, rows trimmed.
    #[test]
    fn fixture_users_parse_as_serde_json() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut records = 0;
        for rel in [
            "sample-tenant/snapshot/users.json",
            "snapshot/users-array.json",
            "snapshot/users-mg-pascalcase.json",
            "snapshot/users-ps-depth-truncated.json",
            "snapshot/users.jsonl",
        ] {
            let text = std::fs::read_to_string(dir.join(rel)).expect(rel);
            let items: Vec<Value> = if rel.ends_with(".jsonl") {
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| serde_json::from_str(l).expect(rel))
                    .collect()
            } else {
                match serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')).expect(rel)
                {
                    Value::Array(a) => a,
                    Value::Object(mut m) => match m.remove("value") {
                        Some(Value::Array(a)) => a,
                        other => vec![other.unwrap_or(Value::Object(m))],
                    },
                    other => vec![other],
                }
            };
            for item in items {
                // the record as an export writes it: compact and pretty
                for text in [
                    item.to_string(),
                    serde_json::to_string_pretty(&item).unwrap(),
                ] {
                    same(&text).unwrap();
                    records += 1;
                }
            }
        }
        assert!(records > 20, "{records}");
    }

    /// JSON-ish text around an `assignedPlans` member: valid and damaged records alike.
    fn record() -> impl Strategy<Value = String> {
        let scalar = prop_oneof![
            Just("1".to_string()),
            Just("-2.5e3".to_string()),
            Just("1e400".to_string()),
            Just("true".to_string()),
            Just("null".to_string()),
            "\"[a-zA-Z \\\\\"\\\\u0041]{0,6}\"".prop_map(|s| s),
        ];
        let key = prop_oneof![
            Just("servicePlanId"),
            Just("ServicePlanId"),
            Just("SERVICEPLANID"),
            Just("AdditionalProperties"),
            Just("service"),
            Just("capabilityStatus"),
            Just("assignedPlans"),
        ];
        let member = (key, scalar.clone()).prop_map(|(k, v)| format!("\"{k}\":{v}"));
        let row = prop_oneof![
            proptest::collection::vec(member.clone(), 0..5)
                .prop_map(|ms| format!("{{{}}}", ms.join(","))),
            scalar.clone(),
            proptest::collection::vec(member, 0..3)
                .prop_map(|ms| format!("{{\"AdditionalProperties\":{{{}}}}}", ms.join(","))),
        ];
        let plans = prop_oneof![
            proptest::collection::vec(row.clone(), 0..4).prop_map(|r| format!("[{}]", r.join(","))),
            row,
            scalar,
        ];
        let top_key = prop_oneof![
            Just("assignedPlans"),
            Just("AssignedPlans"),
            Just("id"),
            Just("assignedLicenses"),
        ];
        (
            proptest::collection::vec((top_key, plans), 0..4),
            proptest::collection::vec(any::<(u8, u8)>(), 0..3),
        )
            .prop_map(|(members, damage)| {
                let mut s = format!(
                    "{{{}}}",
                    members
                        .iter()
                        .map(|(k, v)| format!("\"{k}\":{v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                );
                // damage: a byte replaced by JSON syntax at a place of the text
                for (at, c) in damage {
                    let at = usize::from(at) % (s.len() + 1);
                    let c = [b'{', b'}', b'[', b']', b',', b':', b'"', b'\\', b' ', b'x']
                        [usize::from(c) % 10];
                    let mut b = s.clone().into_bytes();
                    if at < b.len() {
                        b[at] = c;
                    }
                    s = String::from_utf8(b).unwrap_or(s);
                }
                s
            })
    }

    proptest! {
        #[test]
        fn parses_as_serde_json_with_rows_trimmed(text in record()) {
            same(&text)?;
        }
    }
}
