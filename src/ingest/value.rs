//! Helpers for reading `serde_json::Value` records leniently: keys are matched case-insensitively
//! (raw Graph is camelCase, Graph PowerShell is PascalCase), nulls and empty strings count as absent,
//! and "dynamic" columns that arrive as JSON text (Log Analytics exports) are decoded a second time.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// Looks a key up case-insensitively; a `null` value counts as absent.
pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = v.as_object()?;
    get_in(obj, key)
}

/// [`get`] on a map.
pub fn get_in<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if let Some(x) = obj.get(key) {
        return (!x.is_null()).then_some(x);
    }
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, x)| x)
        .filter(|x| !x.is_null())
}

/// The first of several keys that is present.
pub fn get_any<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| get(v, k))
}

/// A scalar as text: strings trimmed, numbers and booleans rendered; empty and `<null>` are `None`.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => present(s).map(str::to_string),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string as [`text`] reads it: trimmed, `None` when empty or a null marker (`<null>`, `null`
/// in any case). The light paths (`prefilter`, `lightaudit`) read strings through it too, so every
/// path agrees on what is absent.
pub fn present(s: &str) -> Option<&str> {
    let t = crate::model::trim(s);
    (!t.is_empty() && t != "<null>" && !t.eq_ignore_ascii_case("null")).then_some(t)
}

/// `get` then `text`.
pub fn str_of(v: &Value, key: &str) -> Option<String> {
    get(v, key).and_then(text)
}

/// The first present key rendered as text.
pub fn str_any(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| str_of(v, k))
}

/// A boolean that may be written as `true`, `"True"`, `1`.
pub fn bool_of(v: &Value, key: &str) -> Option<bool> {
    match get(v, key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// An unsigned count that may be written as a number or a numeric string.
pub fn u64_of(v: &Value, key: &str) -> Option<u64> {
    match get(v, key)? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value that should be an object or array but may arrive as JSON text (dynamic columns of Log
/// Analytics exports). Returns the decoded value, or the value itself when it is already structured.
pub fn structured(v: &Value) -> Option<Cow<'_, Value>> {
    match v {
        Value::String(s) => {
            let t = crate::model::trim(s);
            // text too large to hold as a tree is not decoded ([`super::record::too_large`])
            if (t.starts_with('{') || t.starts_with('['))
                && super::record::too_large(t.as_bytes()).is_none()
            {
                serde_json::from_str(t).ok().map(Cow::Owned)
            } else {
                None
            }
        }
        Value::Null => None,
        other => Some(Cow::Borrowed(other)),
    }
}

/// `get` then [`structured`], as an array (a single object becomes a one-item array). Borrowed when
/// the value already is structured (no copy of the subtree).
pub fn array_of<'a>(v: &'a Value, key: &str) -> Cow<'a, [Value]> {
    match get(v, key).and_then(structured) {
        Some(Cow::Borrowed(Value::Array(a))) => Cow::Borrowed(a.as_slice()),
        Some(Cow::Owned(Value::Array(a))) => Cow::Owned(a),
        Some(o) if o.is_object() => Cow::Owned(vec![o.into_owned()]),
        _ => Cow::Borrowed(&[]),
    }
}

/// Strings of a JSON array (non-strings rendered as text), e.g. `proxyAddresses`.
pub fn strings_of(v: &Value, key: &str) -> Vec<String> {
    array_of(v, key).iter().filter_map(text).collect()
}

/// Calls `f` on every string leaf of a value (object keys excluded).
pub fn for_each_string<'a>(v: &'a Value, f: &mut impl FnMut(&'a str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| for_each_string(x, f)),
        Value::Object(o) => o.values().for_each(|x| for_each_string(x, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn case_insensitive_and_null_absent() {
        let v = json!({"SkuId": "A", "error": null, "Count": "7"});
        assert_eq!(str_of(&v, "skuId").as_deref(), Some("A"));
        assert_eq!(get(&v, "error"), None);
        assert_eq!(u64_of(&v, "count"), Some(7));
    }

    #[test]
    fn dynamic_column_decoded() {
        let v = json!({"TargetResources": "[{\"id\":\"x\"}]"});
        assert_eq!(array_of(&v, "targetResources").len(), 1);
    }
}
