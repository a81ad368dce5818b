//! A snapshot record that names one of its own properties twice (`{"id":"a", ..., "id":"b"}`: a
//! file edited or joined by hand). A JSON reader keeps one of the values without a word
//! (serde_json the last; a key spelled twice in different cases, `id` and `Id`, both, of which
//! licdiag's case-insensitive lookup reads the first): the user would be read as another user,
//! or as one with no id. Such a record is skipped as malformed ([`DUPLICATE_KEY`]), naming the key
//! and both values; a key given twice with the same value is harmless and read.
//!
//! The record's own (top-level) keys are found in its text, which has already parsed: nested
//! values are stepped over whole ([`crate::ingest::jsonscan::object_end`]), so the check costs
//! little beside the parse, and only snapshot records pay it.

use super::{SnapshotIssue, SnapshotRecord};
use crate::ingest::jsonscan::object_end;
use serde_json::Value;
use std::ops::Range;

/// Issue reason: a record gives one of its keys twice, with different values.
pub const DUPLICATE_KEY: &str = "duplicate key";

/// The issue of a record (`bytes`, a JSON object read as `recs`, which are empty for a record the
/// parse refused) that gives one of its top-level keys twice with different values, if it does.
pub fn duplicate_key(bytes: &[u8], recs: &[SnapshotRecord]) -> Option<SnapshotIssue> {
    let (key, first, second) = repeated_key(bytes)?;
    let owner = match recs.first() {
        Some(SnapshotRecord::User(u)) => format!(
            "user {}",
            u.upn
                .as_deref()
                .map_or_else(|| u.id.to_string(), str::to_string)
        ),
        Some(SnapshotRecord::Group(g)) => format!(
            "group {}",
            g.display_name.clone().unwrap_or_else(|| g.id.to_string())
        ),
        Some(SnapshotRecord::Sku(s)) => format!(
            "subscribedSku {}",
            s.part_number
                .clone()
                .unwrap_or_else(|| s.sku_id.to_string())
        ),
        // a record the parse refused (a missing id: the one it kept was `null`)
        _ => String::new(),
    };
    let owner = if owner.is_empty() {
        owner
    } else {
        owner + ": "
    };
    Some(SnapshotIssue {
        reason: DUPLICATE_KEY,
        detail: format!(
            "{owner}the key `{key}` is given twice in the record, as {} and as {}: which one \
             holds cannot be told (a JSON reader keeps one without a word); export it again, or \
             remove the wrong one (a file edited or joined by hand?)",
            shown(first),
            shown(second)
        ),
    })
}

/// A value as the message shows it: its JSON text, cut at 60 characters.
fn shown(text: &[u8]) -> String {
    let t = String::from_utf8_lossy(text);
    if t.chars().count() > 60 {
        let mut out: String = t.chars().take(57).collect();
        out.push_str("...");
        out
    } else {
        t.into_owned()
    }
}

/// The first top-level key of the object `b` given again (case-insensitively) with another value:
/// (the key as first written, the first value's text, the other's). `None` for text that is no
/// object (the parse has told it already).
fn repeated_key(b: &[u8]) -> Option<(String, &[u8], &[u8])> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    // (key text without its quotes, whether it holds an escape, value range): a record has a few
    // dozen keys, each compared with those before it (so whether it holds an escape is found once)
    let mut seen: Vec<(&[u8], bool, Range<usize>)> = Vec::with_capacity(32);
    loop {
        i = skip_ws(b, i);
        match b.get(i)? {
            b'}' => return None,
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let end = string_end(b, i)?;
        let key = b.get(i + 1..end - 1)?;
        i = skip_ws(b, end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let start = i;
        i = match b.get(i)? {
            b'"' => string_end(b, i)?,
            b'{' | b'[' => object_end(b, i)?.0,
            _ => b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n'))
                .map_or(b.len(), |n| i + n),
        };
        let value = b.get(start..i)?;
        let escaped = key.contains(&b'\\');
        for (k, k_escaped, r) in &seen {
            if same_key((k, *k_escaped), (key, escaped)) {
                let first = b.get(r.clone())?;
                if differ(first, value) {
                    return Some((key_text(k), first, value));
                }
            }
        }
        seen.push((key, escaped, start..i));
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string whose opening quote is `b[i]`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut at = i + 1;
    loop {
        at += memchr::memchr2(b'"', b'\\', b.get(at..)?)?;
        if b[at] == b'\\' {
            at += 2;
        } else {
            return Some(at + 1);
        }
    }
}

/// A key's text (escapes read).
fn key_text(k: &[u8]) -> String {
    if k.contains(&b'\\') {
        let mut quoted = Vec::with_capacity(k.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(k);
        quoted.push(b'"');
        if let Ok(s) = serde_json::from_slice::<String>(&quoted) {
            return s;
        }
    }
    String::from_utf8_lossy(k).into_owned()
}

/// Whether two keys (each with whether it holds an escape) name one property (as licdiag's
/// lookup does: ASCII case aside).
fn same_key((a, a_escaped): (&[u8], bool), (b, b_escaped): (&[u8], bool)) -> bool {
    if !a_escaped && !b_escaped {
        return a.len() == b.len() && a.eq_ignore_ascii_case(b);
    }
    key_text(a).eq_ignore_ascii_case(&key_text(b))
}

/// Whether two values' texts are different JSON values (two spacings of one object are one).
fn differ(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return false;
    }
    match (
        serde_json::from_slice::<Value>(a),
        serde_json::from_slice::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => x != y,
        _ => true,
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Map;

    /// Objects whose keys differ in more than case (nested values anything, their keys repeated
    /// or not: only the record's own keys count).
    fn record() -> impl Strategy<Value = Map<String, Value>> {
        proptest::collection::btree_map(
            "[a-z][a-zA-Z]{0,9}",
            super::super::proptests::json_value(),
            0..10,
        )
        .prop_map(|m| {
            let mut seen = std::collections::HashSet::new();
            m.into_iter()
                .filter(|(k, _)| seen.insert(k.to_ascii_lowercase()))
                .collect()
        })
    }

    proptest! {
        /// A record as serde_json writes it, compact or pretty, names no key twice.
        #[test]
        fn a_record_as_written_has_no_repeated_key(m in record()) {
            let v = Value::Object(m);
            for text in [v.to_string(), serde_json::to_string_pretty(&v).unwrap_or_default()] {
                prop_assert!(repeated_key(text.as_bytes()).is_none(), "{}", text);
            }
        }

        /// One of its keys given again (in upper case) with another value is found, whatever
        /// precedes it.
        #[test]
        fn a_key_given_again_with_another_value_is_found(
            m in record().prop_filter("a key", |m| !m.is_empty()),
            pick in any::<prop::sample::Index>(),
        ) {
            let (key, value) = m.iter().nth(pick.index(m.len())).expect("a key");
            let other = if value == &Value::from("other") { Value::from("else") } else { Value::from("other") };
            let text = Value::Object(m.clone()).to_string();
            let extended = format!(
                "{},{}:{}}}",
                text.strip_suffix('}').unwrap_or(&text),
                Value::from(key.to_ascii_uppercase()),
                other
            );
            let found = repeated_key(extended.as_bytes());
            prop_assert!(found.is_some(), "{}", extended);
            let (k, _, second) = found.expect("found");
            prop_assert!(k.eq_ignore_ascii_case(key));
            let other_text = other.to_string();
            prop_assert_eq!(second, other_text.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(s: &str) -> Option<(String, String, String)> {
        repeated_key(s.as_bytes()).map(|(k, a, b)| {
            (
                k,
                String::from_utf8_lossy(a).into_owned(),
                String::from_utf8_lossy(b).into_owned(),
            )
        })
    }

    #[test]
    fn a_key_given_twice_with_another_value_is_found() {
        let want = |k: &str, a: &str, b: &str| Some((k.to_string(), a.to_string(), b.to_string()));
        assert_eq!(
            rep(r#"{"id":"a","id":"b"}"#),
            want("id", r#""a""#, r#""b""#)
        );
        // any case, any place, after nested values with quotes, braces and escapes in them
        assert_eq!(
            rep(
                r#"{ "id" : "a", "x": {"id": "c", "s": "}\"{["}, "l": [1, {"a": "]"}], "n": -1.5e3, "t": true, "ID": null }"#
            ),
            want("id", r#""a""#, "null")
        );
        assert_eq!(
            rep("{\n  \"userPrincipalName\": \"a@b\",\n  \"UserPrincipalName\": \"c@d\"\n}"),
            want("userPrincipalName", r#""a@b""#, r#""c@d""#)
        );
        assert_eq!(
            rep(r#"{"assignedLicenses":[],"assignedLicenses":[{"skuId":"s"}]}"#),
            want("assignedLicenses", "[]", r#"[{"skuId":"s"}]"#)
        );
        assert_eq!(
            rep(r#"{"\u0069d":"a","id":"b"}"#),
            want("id", r#""a""#, r#""b""#)
        );
        assert_eq!(rep(r#"{"n":1,"n":2}"#), want("n", "1", "2"));
        // the same value twice is harmless; nested repeats are the nested object's
        for s in [
            r#"{"id":"a","id":"a"}"#,
            r#"{"o":{"a":1,"b":2},"o":{ "a" : 1 , "b" : 2 }}"#,
            r#"{"id":"a","x":{"id":"b","id":"c"}}"#,
            r#"{"id":"a","idx":"b"}"#,
            r#"{}"#,
            r#"[{"id":"a","id":"b"}]"#,
            r#"{"id":"a","#,
        ] {
            assert_eq!(rep(s), None, "{s}");
        }
    }
}
