//! Shared field access for the snapshot parsers: Graph PowerShell's `AdditionalProperties` bag as a
//! fallback, detection of values that `ConvertTo-Json` cut off at its default depth, and accessors that
//! tell "absent" from "present but the wrong shape" (so a bad value becomes a [`SnapshotIssue`], never a
//! silently empty list).

use super::SnapshotIssue;
use crate::ingest::value::{self, get};
use crate::model::ids::{PlanId, ThinList};
use crate::model::snapshot::{AssignedSku, PlanList};
use crate::normalize::time::parse_timestamp;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// Issue reason: a nested value rendered as a type name or `@{...}` text by `ConvertTo-Json`.
pub const TRUNCATED: &str = "truncated by ConvertTo-Json depth";
/// Issue reason: no object id (user, group, member, membership row).
pub const MISSING_ID: &str = "missing id";
/// Issue reason: a license entry (or SKU, or CSV row) without a SKU id.
pub const MISSING_SKU_ID: &str = "missing skuId";
/// Issue reason: a value of the wrong JSON type or text that cannot be read.
pub const MALFORMED: &str = "malformed value";
/// Issue reason: a subscribedSku without `prepaidUnits`: its seat counts are unknown.
pub const MISSING_UNITS: &str = "missing prepaidUnits";
/// Issue reason: an assignment error without an error code.
pub const MISSING_CODE: &str = "missing error code";
/// Issue reason: the record is not a JSON object.
pub const NOT_OBJECT: &str = "not a JSON object";
/// Issue reason: the record looks like another snapshot kind than the one it was parsed as.
pub const WRONG_KIND: &str = "record of another kind";
/// Issue reason: a CSV header lacks a column the kind needs.
pub const MISSING_COLUMN: &str = "missing column";

const DEPTH_FIX: &str = "re-export with `ConvertTo-Json -Depth 10`";

thread_local! {
    /// Disabled-plan lists read by this thread ([`plan_list`]).
    static PLAN_LISTS: std::cell::RefCell<crate::model::hash::HashSet<PlanList>> = Default::default();
    /// Users' license lists read by this thread ([`sku_list`]).
    static SKU_LISTS: std::cell::RefCell<crate::model::hash::HashSet<ThinList<AssignedSku>>> = Default::default();
}

/// Empties this thread's sets of license and plan lists (for when every input is read).
pub(crate) fn forget_shared() {
    crate::model::ids::forget(&PLAN_LISTS);
    crate::model::ids::forget(&SKU_LISTS);
}

/// A `disabledPlans` list, shared with this thread's earlier equal lists: a tenant's licenses
/// disable the same few sets of plans.
pub fn plan_list(plans: Vec<PlanId>) -> PlanList {
    crate::model::ids::shared_list(&PLAN_LISTS, &plans)
}

/// A user's `assignedLicenses`, shared with this thread's earlier equal lists: a tenant's users
/// hold the few sets their groups assign.
pub fn sku_list(skus: Vec<AssignedSku>) -> ThinList<AssignedSku> {
    crate::model::ids::shared_list(&SKU_LISTS, &skus)
}

/// The `AdditionalProperties` bag of a Graph PowerShell object, when it is an object.
fn bag(v: &Value) -> Option<&Value> {
    get(v, "AdditionalProperties").filter(|b| b.is_object())
}

/// A property looked up case-insensitively, then inside `AdditionalProperties`. `null` is absent.
pub fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    get(v, key).or_else(|| bag(v).and_then(|b| get(b, key)))
}

/// The first of several property names that is present (see [`field`]).
pub fn field_any<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| field(v, k))
}

/// A scalar property as trimmed text (see [`value::text`]); objects and arrays count as absent.
pub fn text_field(v: &Value, key: &str) -> Option<String> {
    field(v, key).and_then(value::text)
}

/// A boolean property, top level first, then `AdditionalProperties`.
pub fn bool_field(v: &Value, key: &str) -> Option<bool> {
    value::bool_of(v, key).or_else(|| bag(v).and_then(|b| value::bool_of(b, key)))
}

/// A required id-like scalar: `Ok(None)` when absent, an issue when it is an object or array.
/// A string is borrowed, and `what` (which names the owner in the issue) is only written out for
/// an issue: ids are read for every row of an export (a user's licenses, a group's members).
pub fn id_text<'v>(
    v: &'v Value,
    keys: &[&str],
    what: &dyn fmt::Display,
) -> Result<Option<Cow<'v, str>>, SnapshotIssue> {
    match field_any(v, keys) {
        None => Ok(None),
        Some(x @ (Value::Object(_) | Value::Array(_))) => Err(malformed(format!(
            "{what}: `{}` is {} where a GUID string is expected",
            keys.first().copied().unwrap_or("id"),
            type_name(x)
        ))),
        Some(Value::String(s)) => Ok(value::present(s).map(Cow::Borrowed)),
        Some(x) => Ok(value::text(x).map(Cow::Owned)),
    }
}

/// Entry `.1` of the list `.0`, as messages name it (`licenseAssignmentStates[1]`): written out
/// only when an issue is.
pub struct Entry<'a>(pub &'a str, pub usize);

impl fmt::Display for Entry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// Whether a string is what `ConvertTo-Json` writes for a nested value beyond `-Depth`: a .NET type
/// name (`System.Object[]`, `System.Collections.Hashtable`, `Microsoft.Graph.PowerShell.Models.*`)
/// or a PowerShell object rendering (`@{SkuId=...; DisabledPlans=...}`).
pub fn is_truncation_marker(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("System.")
        || t.starts_with("Microsoft.Graph.")
        || t.starts_with("Microsoft.Online.Administration.")
        || (t.starts_with("@{") && t.ends_with('}'))
}

/// JSON type name for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn shorten(s: &str) -> String {
    let t = s.trim();
    if t.chars().count() > 80 {
        let mut out: String = t.chars().take(77).collect();
        out.push_str("...");
        out
    } else {
        t.to_string()
    }
}

pub fn malformed(detail: String) -> SnapshotIssue {
    SnapshotIssue {
        reason: MALFORMED,
        detail,
    }
}

/// The issue for a property whose nested value was cut off by `ConvertTo-Json`.
pub fn truncated(owner: &str, path: &str, found: &str) -> SnapshotIssue {
    SnapshotIssue {
        reason: TRUNCATED,
        detail: format!(
            "{owner}: `{path}` holds the text \"{}\" instead of its nested value (PowerShell's \
             ConvertTo-Json stops at depth 2 by default); {DEPTH_FIX}",
            shorten(found)
        ),
    }
}

fn wrong_type(owner: &str, path: &str, expected: &str, found: &Value) -> SnapshotIssue {
    let shown = match found {
        Value::String(s) => format!(" (\"{}\")", shorten(s)),
        _ => String::new(),
    };
    malformed(format!(
        "{owner}: `{path}` is {}{shown} where {expected} is expected; export the objects with \
         `ConvertTo-Json -Depth 10` or from Graph as JSON",
        type_name(found)
    ))
}

/// Decodes JSON text (`"[...]"` / `"{...}"`), as Log Analytics style exports write nested values.
fn json_text(s: &str) -> Option<Value> {
    let t = s.trim();
    // text too large to hold as a tree is not decoded ([`crate::ingest::record::too_large`])
    if (t.starts_with('[') || t.starts_with('{'))
        && crate::ingest::record::too_large(t.as_bytes()).is_none()
    {
        serde_json::from_str(t).ok()
    } else {
        None
    }
}

/// A property that should be an array of objects (`licenseAssignmentStates`, `assignedLicenses`,
/// `servicePlans`, ...). Absent or `""` is an empty list; a single object is a one-item list; JSON text
/// is decoded; type-name text is a truncation issue; anything else is a malformed-value issue.
pub fn object_list<'a>(
    v: &'a Value,
    key: &str,
    owner: &str,
) -> Result<Vec<Cow<'a, Value>>, SnapshotIssue> {
    match field(v, key) {
        None => Ok(Vec::new()),
        Some(x) => objects_of(Cow::Borrowed(x), key, owner),
    }
}

fn objects_of<'a>(
    x: Cow<'a, Value>,
    path: &str,
    owner: &str,
) -> Result<Vec<Cow<'a, Value>>, SnapshotIssue> {
    match x {
        Cow::Borrowed(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter(|(_, it)| !it.is_null())
            .map(|(i, it)| object_item(Cow::Borrowed(it), path, i, owner))
            .collect(),
        Cow::Owned(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter(|(_, it)| !it.is_null())
            .map(|(i, it)| object_item(Cow::Owned(it), path, i, owner))
            .collect(),
        Cow::Borrowed(o @ Value::Object(_)) => Ok(vec![Cow::Borrowed(o)]),
        Cow::Owned(o @ Value::Object(_)) => Ok(vec![Cow::Owned(o)]),
        other => match other.as_ref() {
            Value::Null => Ok(Vec::new()),
            Value::String(s) if s.trim().is_empty() => Ok(Vec::new()),
            Value::String(s) if is_truncation_marker(s) => Err(truncated(owner, path, s)),
            Value::String(s) => match json_text(s) {
                Some(decoded) => objects_of(Cow::Owned(decoded), path, owner),
                None => Err(wrong_type(
                    owner,
                    path,
                    "an array of objects",
                    other.as_ref(),
                )),
            },
            found => Err(wrong_type(owner, path, "an array of objects", found)),
        },
    }
}

/// Item `i` of the array at `path`, which must be an object. The item's path (`path[i]`) is only
/// written out for an issue: built for every item, it was an eighth of the instructions a Graph
/// users export took to read (42 `assignedPlans` rows a licensed user).
fn object_item<'a>(
    it: Cow<'a, Value>,
    path: &str,
    i: usize,
    owner: &str,
) -> Result<Cow<'a, Value>, SnapshotIssue> {
    let at = || Entry(path, i).to_string();
    match it.as_ref() {
        Value::Object(_) => Ok(it),
        Value::String(s) if is_truncation_marker(s) => Err(truncated(owner, &at(), s)),
        Value::String(s) => match json_text(s) {
            Some(decoded @ Value::Object(_)) => Ok(Cow::Owned(decoded)),
            _ => Err(wrong_type(owner, &at(), "an object", it.as_ref())),
        },
        found => Err(wrong_type(owner, &at(), "an object", found)),
    }
}

/// A property that should be one object (`prepaidUnits`, `assignedTo`). Arrays are an issue.
pub fn object_field<'a>(
    v: &'a Value,
    key: &str,
    owner: &str,
) -> Result<Option<Cow<'a, Value>>, SnapshotIssue> {
    match field(v, key) {
        None => Ok(None),
        Some(o @ Value::Object(_)) => Ok(Some(Cow::Borrowed(o))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if is_truncation_marker(s) => Err(truncated(owner, key, s)),
        Some(x @ Value::String(s)) => match json_text(s) {
            Some(decoded @ Value::Object(_)) => Ok(Some(Cow::Owned(decoded))),
            _ => Err(wrong_type(owner, key, "an object", x)),
        },
        Some(found) => Err(wrong_type(owner, key, "an object", found)),
    }
}

/// A property that should be an array of strings (`disabledPlans`, `proxyAddresses`, `groupTypes`).
/// A lone string is a one-item list; numbers are rendered; type-name text is a truncation issue.
pub fn string_list(v: &Value, key: &str, owner: &str) -> Result<Vec<String>, SnapshotIssue> {
    match field(v, key) {
        None => Ok(Vec::new()),
        Some(x) => strings_of(x, &key, owner),
    }
}

/// [`string_list`] on a value already looked up; `path` names it in messages (written out only
/// for an issue).
pub fn strings_of(
    x: &Value,
    path: &dyn fmt::Display,
    owner: &str,
) -> Result<Vec<String>, SnapshotIssue> {
    match x {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                match it {
                    Value::Null => {}
                    Value::String(s) if is_truncation_marker(s) => {
                        return Err(truncated(owner, &format!("{path}[{i}]"), s))
                    }
                    Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                        out.extend(value::text(it))
                    }
                    found => {
                        return Err(wrong_type(
                            owner,
                            &format!("{path}[{i}]"),
                            "a string",
                            found,
                        ))
                    }
                }
            }
            Ok(out)
        }
        Value::String(s) if is_truncation_marker(s) => Err(truncated(owner, &path.to_string(), s)),
        Value::String(s) => match json_text(s) {
            Some(decoded) => strings_of(&decoded, path, owner),
            None => Ok(value::text(x).into_iter().collect()),
        },
        Value::Number(_) | Value::Bool(_) => Ok(value::text(x).into_iter().collect()),
        found @ Value::Object(_) => Err(wrong_type(
            owner,
            &path.to_string(),
            "an array of strings",
            found,
        )),
    }
}

/// The largest seat count a subscribedSku can hold: Graph types `consumedUnits` and the
/// `prepaidUnits` counts (and beta `allottedUnits`) as `Int32`, so a larger one was not written by
/// Graph (an edited file, or a number of another column). Bounded, the sums of a product's entries
/// and of its enabled and warning seats cannot overflow.
pub const MAX_COUNT: u64 = i32::MAX as u64;

/// A count (`consumedUnits`, `prepaidUnits.enabled`): absent is `Ok(None)`; numeric strings are read;
/// negative, fractional, non-numeric values and counts above [`MAX_COUNT`] are an issue, never
/// clamped.
pub fn count_field(v: &Value, key: &str, owner: &str) -> Result<Option<u64>, SnapshotIssue> {
    let Some(x) = field(v, key) else {
        return Ok(None);
    };
    // the number as read (a JSON number, or text PowerShell wrote for one)
    let (text, exact) = match x {
        Value::Number(n) => (n.to_string(), n.as_u64()),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => (s.trim().to_string(), s.trim().parse::<u64>().ok()),
        _ => return Err(wrong_type(owner, key, "a non-negative whole number", x)),
    };
    // `3.0` and `1e3` are whole numbers; `f as u64` saturated `1e30` to u64::MAX: a silent clamp
    let f = match exact {
        Some(n) => n as f64,
        None => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => f,
            _ => return Err(wrong_type(owner, key, "a non-negative whole number", x)),
        },
    };
    let why = if f < 0.0 {
        "a negative number"
    } else if f.fract() != 0.0 {
        "not a whole number"
    } else if exact.is_some_and(|n| n <= MAX_COUNT) || (exact.is_none() && f <= MAX_COUNT as f64) {
        return Ok(Some(exact.unwrap_or(f as u64)));
    } else {
        "more than Graph's counts can hold (they are 32-bit: at most 2147483647)"
    };
    Err(malformed(format!(
        "{owner}: `{key}` is {text}, {why}, where a seat count is expected; export the \
         subscribedSkus again (`Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10`, or `GET \
         /subscribedSkus`) and do not edit the file"
    )))
}

/// A timestamp property. Accepts every format [`parse_timestamp`] reads, Windows PowerShell 5.1's
/// `/Date(1700000000000)/`, and its `{ "value": ..., "DateTime": ... }` object form. Unreadable values
/// are `None` (timestamps are informational in snapshots).
pub fn time_field(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    time_value(field(v, key)?)
}

fn time_value(x: &Value) -> Option<DateTime<Utc>> {
    match x {
        // `/Date(ms)/` too: read by `parse_timestamp`, as an audit record's time is
        Value::String(s) => parse_timestamp(s),
        Value::Object(_) => get(x, "value").and_then(time_value),
        _ => None,
    }
}

/// An `@odata.type` (top level or in `AdditionalProperties`), without `#`, lower-cased.
pub fn odata_type(v: &Value) -> Option<String> {
    text_field(v, "@odata.type").map(|t| t.trim_start_matches('#').to_ascii_lowercase())
}

/// Whether `@odata.type` is absent or names a user (members and `assignedTo` filtering).
pub fn is_user_or_untyped(v: &Value) -> bool {
    odata_type(v).is_none_or(|t| t == "microsoft.graph.user")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn additional_properties_fallback() {
        let v = json!({"Id": "x", "UsageLocation": null,
                       "AdditionalProperties": {"usageLocation": "DE", "accountEnabled": "True"}});
        assert_eq!(text_field(&v, "usageLocation").as_deref(), Some("DE"));
        assert_eq!(bool_field(&v, "accountEnabled"), Some(true));
        // a truncated bag is ignored, not an error
        let v = json!({"Id": "x", "AdditionalProperties": "System.Collections.Generic.Dictionary`2[System.String,System.Object]"});
        assert_eq!(text_field(&v, "usageLocation"), None);
    }

    #[test]
    fn truncation_markers() {
        for s in [
            "System.Collections.Hashtable",
            "System.Object[]",
            " System.String[] ",
            "Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense",
            "Microsoft.Graph.Beta.PowerShell.Models.MicrosoftGraphLicenseUnitsDetail",
            "@{SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900; DisabledPlans=System.String[]}",
        ] {
            assert!(is_truncation_marker(s), "{s}");
        }
        for s in [
            "SMTP:a@b.example",
            "6fd2c87f-b296-42f0-b197-1e91e994b900",
            "@{",
            "Systems",
        ] {
            assert!(!is_truncation_marker(s), "{s}");
        }
    }

    #[test]
    fn object_list_shapes() {
        let v = json!({"a": [{"x": 1}, null, {"x": 2}], "b": {"x": 1}, "c": "[{\"x\":3}]", "d": "",
                       "e": "System.Object[]", "f": ["Microsoft.Graph.PowerShell.Models.X"], "g": 5,
                       "h": [[1]], "i": "nope"});
        assert_eq!(object_list(&v, "a", "o").map(|l| l.len()), Ok(2));
        assert_eq!(object_list(&v, "B", "o").map(|l| l.len()), Ok(1));
        assert_eq!(object_list(&v, "c", "o").map(|l| l.len()), Ok(1));
        assert_eq!(object_list(&v, "d", "o").map(|l| l.len()), Ok(0));
        assert_eq!(object_list(&v, "missing", "o").map(|l| l.len()), Ok(0));
        assert_eq!(
            object_list(&v, "e", "o").map(|_| ()).unwrap_err().reason,
            TRUNCATED
        );
        let f = object_list(&v, "f", "o").map(|_| ()).unwrap_err();
        assert_eq!(f.reason, TRUNCATED);
        assert!(
            f.detail.contains("`f[0]`") && f.detail.contains("-Depth 10"),
            "{}",
            f.detail
        );
        for k in ["g", "h", "i"] {
            assert_eq!(
                object_list(&v, k, "o").map(|_| ()).unwrap_err().reason,
                MALFORMED,
                "{k}"
            );
        }
    }

    #[test]
    fn string_list_shapes() {
        let v = json!({"a": ["x", null, 7], "b": "solo", "c": "System.String[]", "d": {"x": 1},
                       "e": ["ok", {"x": 1}], "f": "[\"p\",\"q\"]"});
        assert_eq!(
            string_list(&v, "a", "o"),
            Ok(vec!["x".to_string(), "7".to_string()])
        );
        assert_eq!(string_list(&v, "b", "o"), Ok(vec!["solo".to_string()]));
        assert_eq!(
            string_list(&v, "f", "o"),
            Ok(vec!["p".to_string(), "q".to_string()])
        );
        assert_eq!(string_list(&v, "c", "o").unwrap_err().reason, TRUNCATED);
        assert_eq!(string_list(&v, "d", "o").unwrap_err().reason, MALFORMED);
        assert_eq!(string_list(&v, "e", "o").unwrap_err().reason, MALFORMED);
    }

    #[test]
    fn counts_and_objects() {
        let v = json!({"n": "12", "m": 3.0, "neg": -1, "s": "many", "arr": [1], "o": {"k": 1},
                       "oa": [{"k": 1}], "ot": "@{Enabled=25; Warning=0}"});
        assert_eq!(count_field(&v, "n", "o"), Ok(Some(12)));
        assert_eq!(count_field(&v, "m", "o"), Ok(Some(3)));
        assert_eq!(count_field(&v, "absent", "o"), Ok(None));
        for k in ["neg", "s", "arr"] {
            assert_eq!(
                count_field(&v, k, "o").unwrap_err().reason,
                MALFORMED,
                "{k}"
            );
        }
        // never clamped: a count Graph's 32 bits cannot hold, a negative or fractional one is an
        // issue that shows the value as written
        assert!(matches!(object_field(&v, "o", "x"), Ok(Some(_))));
        assert_eq!(
            object_field(&v, "oa", "x").map(|_| ()).unwrap_err().reason,
            MALFORMED
        );
        assert_eq!(
            object_field(&v, "ot", "x").map(|_| ()).unwrap_err().reason,
            TRUNCATED
        );
        let w = json!({"huge": 1e30, "past_u64": 18446744073709551616_f64, "u64max": u64::MAX,
                       "past_i32": 2147483648_u64, "max": 2147483647, "max_f": 2147483647.0,
                       "text_huge": "99999999999999999999", "text_past_i32": "2147483648",
                       "frac": 2.5, "neg": -3, "text_neg": "-3", "text_exp": "1e3"});
        assert_eq!(count_field(&w, "max", "o"), Ok(Some(MAX_COUNT)));
        assert_eq!(count_field(&w, "max_f", "o"), Ok(Some(MAX_COUNT)));
        let detail = |k: &str| {
            let e = count_field(&w, k, "subscribedSku X").unwrap_err();
            assert_eq!(e.reason, MALFORMED, "{k}");
            e.detail
        };
        assert_eq!(
            detail("huge"),
            "subscribedSku X: `huge` is 1e+30, more than Graph's counts can hold (they are 32-bit: \
             at most 2147483647), where a seat count is expected; export the subscribedSkus again \
             (`Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10`, or `GET /subscribedSkus`) and \
             do not edit the file"
        );
        for k in [
            "past_u64",
            "u64max",
            "past_i32",
            "text_huge",
            "text_past_i32",
        ] {
            assert!(
                detail(k).contains("more than Graph's counts can hold"),
                "{k}"
            );
        }
        assert!(detail("frac").contains("`frac` is 2.5, not a whole number"));
        assert!(detail("neg").contains("`neg` is -3, a negative number"));
        assert!(detail("text_neg").contains("`text_neg` is -3, a negative number"));
        assert_eq!(count_field(&w, "text_exp", "o"), Ok(Some(1000)));
        for k in ["nan", "inf"] {
            let v = json!({"c": k});
            assert!(
                count_field(&v, "c", "o")
                    .unwrap_err()
                    .detail
                    .contains("is a string"),
                "{k}"
            );
        }
    }

    #[test]
    fn timestamps_including_windows_powershell() {
        let v = json!({"a": "2025-03-02T08:00:00Z", "b": "/Date(1740902400000)/",
                       "c": {"value": "\\/Date(1740902400000+0100)\\/", "DateTime": "Sunday, March 2, 2025"},
                       "d": "/Date(x)/", "e": 5});
        let want = parse_timestamp("2025-03-02T08:00:00Z");
        assert_eq!(time_field(&v, "a"), want);
        assert_eq!(time_field(&v, "b"), want);
        assert_eq!(time_field(&v, "c"), want);
        assert_eq!(time_field(&v, "d"), None);
        assert_eq!(time_field(&v, "e"), None);
    }
}
