//! The nested members of a Graph-family audit record (`initiatedBy`, `targetResources` and their
//! `modifiedProperties`, `additionalDetails`) checked for what an export left of them in place of
//! the value: a .NET type name (`ConvertTo-Json` at its default depth, `Export-Csv` of Graph
//! PowerShell objects), or JSON text that does not parse (a Log Analytics dynamic column cut, by
//! hand or by Excel's cell limit). Read as they are, such a record loses its targets or actor and
//! its error vanishes; the caller skips it with the reason, and a file of them is refused
//! (`ingest::read_input`). Run on the records that are kept only (licensing needles), never on
//! the fast path.

use super::snapshot::is_truncation_marker;
use super::value::get;
use serde_json::Value;

/// Skip reason of a record whose nested member is a type name where its object belongs, in a
/// CSV (`Export-Csv` of Graph PowerShell objects): the file is refused with the fix.
pub const EXPORT_CSV_TYPE_NAME: &str = "nested value written as a type name by Export-Csv";
/// Skip reason of a Log Analytics dynamic column (`TargetResources`, ...) that is not JSON.
pub const BAD_DYNAMIC_COLUMN: &str = "malformed dynamic column";
/// Excel's limit on the characters of one cell: a longer cell is cut there when a CSV is opened
/// and saved in Excel.
pub const EXCEL_CELL_LIMIT: usize = 32_767;

/// What is wrong with a nested member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NestedFault {
    /// A type name or `@{...}` text (`found`) at `path` where an object or array belongs.
    TypeName { path: String, found: String },
    /// JSON text at `path` that does not parse (`error`), `chars` long.
    BadJson {
        path: String,
        chars: usize,
        error: String,
    },
}

/// The first nested member of a Graph `directoryAudit` record (JSON, or a Log Analytics row whose
/// dynamic columns are JSON text) that is not what it should be; paths as the export names them
/// (the record's own key spelling).
pub fn nested_fault(v: &Value) -> Option<NestedFault> {
    let o = v.as_object()?;
    for (key, x) in o {
        let slot = if key.eq_ignore_ascii_case("initiatedBy") {
            Slot::Initiator
        } else if key.eq_ignore_ascii_case("targetResources") {
            Slot::Targets
        } else if key.eq_ignore_ascii_case("additionalDetails") {
            Slot::Details
        } else {
            continue;
        };
        if let Some(f) = check(slot, key, x) {
            return Some(f);
        }
    }
    None
}

#[derive(Clone, Copy)]
enum Slot {
    Initiator,
    Targets,
    Details,
    /// `modifiedProperties` of a target.
    Props,
}

/// A member that is a string where an object or array belongs: a type name, or JSON text (a
/// dynamic column) that does not parse, or whose members are at fault as a JSON record's would
/// be. The text is parsed once, for both checks.
fn check(slot: Slot, path: &str, x: &Value) -> Option<NestedFault> {
    let Value::String(s) = x else {
        return inner_fault(slot, path, x);
    };
    let t = s.trim();
    if is_truncation_marker(t) {
        return Some(NestedFault::TypeName {
            path: path.to_string(),
            found: t.to_string(),
        });
    }
    if !(t.starts_with('{') || t.starts_with('['))
        || super::record::too_large(t.as_bytes()).is_some()
    {
        return None;
    }
    match serde_json::from_str::<Value>(t) {
        Ok(inner) => inner_fault(slot, path, &inner),
        Err(e) => Some(NestedFault::BadJson {
            path: path.to_string(),
            chars: s.chars().count(),
            error: e.to_string(),
        }),
    }
}

/// A type name standing for a member's object (`initiatedBy.user`, a target, a modified property).
fn element_fault(path: String, x: &Value) -> Option<NestedFault> {
    match x {
        Value::String(s) if is_truncation_marker(s) => Some(NestedFault::TypeName {
            path,
            found: s.trim().to_string(),
        }),
        _ => None,
    }
}

fn inner_fault(slot: Slot, path: &str, x: &Value) -> Option<NestedFault> {
    match slot {
        Slot::Initiator => {
            let o = x.as_object()?;
            o.iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("user") || k.eq_ignore_ascii_case("app"))
                .find_map(|(k, m)| element_fault(format!("{path}.{k}"), m))
        }
        Slot::Targets | Slot::Details | Slot::Props => {
            let items: &[Value] = match x {
                Value::Array(a) => a,
                Value::Object(_) => std::slice::from_ref(x),
                _ => return None,
            };
            items.iter().enumerate().find_map(|(i, item)| {
                let here = format!("{path}[{i}]");
                element_fault(here.clone(), item).or_else(|| match slot {
                    Slot::Targets => {
                        let o = item.as_object()?;
                        o.iter()
                            .filter(|(k, _)| k.eq_ignore_ascii_case("modifiedProperties"))
                            .find_map(|(k, p)| check(Slot::Props, &format!("{here}.{k}"), p))
                    }
                    _ => None,
                })
            })
        }
    }
}

/// Keys of an activity name: text only.
pub const ACTIVITY_KEYS: [&str; 3] = ["activityDisplayName", "OperationName", "operationName"];
/// Keys of a result: text, or a number (Azure Monitor's 2018 records write `0`); never a boolean.
pub const RESULT_KEYS: [&str; 3] = ["result", "ResultType", "resultType"];

/// A record whose activity is a number or boolean, or whose result is a boolean: neither is what
/// any export writes, and read as text (`0`, `true`) the activity would be an unknown one and the
/// result unknown rather than a failure. The detail names the key and the value.
pub fn scalar_fault(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    o.iter().find_map(|(k, x)| {
        let activity = ACTIVITY_KEYS.iter().any(|a| k.eq_ignore_ascii_case(a));
        let result = RESULT_KEYS.iter().any(|a| k.eq_ignore_ascii_case(a));
        let bad = match x {
            Value::Number(_) => activity,
            Value::Bool(_) => activity || result,
            _ => false,
        };
        bad.then(|| {
            let kind = if x.is_number() {
                "a number"
            } else {
                "a boolean"
            };
            format!("`{k}` is {kind} ({x}) where text is expected; export the records again")
        })
    })
}

/// An Azure Monitor record's faults: its `properties` checked as a Graph record (the nested
/// members, then the activity and result), and its own keys' activity and result. `properties`
/// written as JSON text is parsed once for both.
pub fn azure_monitor_faults(v: &Value) -> (Option<NestedFault>, Option<String>) {
    let parsed;
    let p = match get(v, "properties") {
        Some(Value::String(s)) => {
            parsed = serde_json::from_str::<Value>(s.trim()).ok();
            parsed.as_ref()
        }
        p => p,
    };
    (
        p.and_then(nested_fault),
        p.and_then(scalar_fault).or_else(|| scalar_fault(v)),
    )
}

/// Skip reason of a record whose activity or result is of the wrong JSON type ([`scalar_fault`]).
pub const WRONG_TYPE: &str = "activity or result of the wrong type";

impl NestedFault {
    /// The skip reason: a type name in a JSON export is the depth truncation a file is refused
    /// for ([`super::snapshot::TRUNCATED`]); in a CSV, an `Export-Csv`.
    pub fn reason(&self, csv: bool) -> &'static str {
        match self {
            NestedFault::TypeName { .. } if csv => EXPORT_CSV_TYPE_NAME,
            NestedFault::TypeName { .. } => super::snapshot::TRUNCATED,
            NestedFault::BadJson { .. } => BAD_DYNAMIC_COLUMN,
        }
    }

    /// The one-line detail of the skip, with the fix.
    pub fn detail(&self, csv: bool) -> String {
        match self {
            NestedFault::TypeName { path, found } if csv => format!(
                "the `{path}` cell holds the type name \"{}\" instead of its value: an Export-Csv of \
                 Graph PowerShell objects (`Get-MgAuditLogDirectoryAudit | Export-Csv`) writes nested \
                 values as type names, so the record's targets, actor or details are not in the \
                 file; export the objects as JSON instead: `Get-MgAuditLogDirectoryAudit -All | \
                 ConvertTo-Json -Depth 10 | Out-File audit.json -Encoding utf8`",
                shorten(found)
            ),
            NestedFault::TypeName { path, found } => format!(
                "`{path}` holds the text \"{}\" instead of its nested value (PowerShell's \
                 ConvertTo-Json stops at depth 2 by default), so the record's targets, actor or \
                 details are not in the file; re-export with `ConvertTo-Json -Depth 10`",
                shorten(found)
            ),
            NestedFault::BadJson { path, chars, error } if *chars == EXCEL_CELL_LIMIT => format!(
                "the `{path}` cell is not valid JSON ({error}): it is {EXCEL_CELL_LIMIT} characters \
                 long, Excel's limit for a cell, so the file was opened and saved in Excel, which \
                 cut it; export again as JSON, or as CSV without opening it in Excel"
            ),
            NestedFault::BadJson { path, chars, error } => format!(
                "the `{path}` cell is not valid JSON ({error}; {chars} characters): it was cut or \
                 edited, and read as it is the record would lose its targets or actor; export \
                 again without editing the file"
            ),
        }
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 100 {
        let mut out: String = s.chars().take(97).collect();
        out.push_str("...");
        out
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_names_where_objects_belong() {
        let v = json!({"TargetResources": ["Microsoft.Graph.PowerShell.Models.MicrosoftGraphTargetResource"]});
        assert!(
            matches!(nested_fault(&v), Some(NestedFault::TypeName { path, .. }) if path == "TargetResources[0]")
        );
        let v = json!({"InitiatedBy": {"User": null, "App": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphAppIdentity"}});
        assert!(
            matches!(nested_fault(&v), Some(NestedFault::TypeName { path, .. }) if path == "InitiatedBy.App")
        );
        let v = json!({"TargetResources": [{"Id": "x", "ModifiedProperties": "System.Collections.Hashtable"}]});
        assert!(
            matches!(nested_fault(&v), Some(NestedFault::TypeName { path, .. }) if path == "TargetResources[0].ModifiedProperties")
        );
        let v =
            json!({"targetResources": [{"id": "x", "modifiedProperties": ["@{DisplayName=x}"]}]});
        assert!(nested_fault(&v).is_some());
        // Export-Csv cells
        let v = json!({"TargetResources": "Microsoft.Graph.PowerShell.Models.IMicrosoftGraphTargetResource[]"});
        assert!(matches!(
            nested_fault(&v),
            Some(NestedFault::TypeName { .. })
        ));
    }

    #[test]
    fn cut_json_text_is_a_fault_and_whole_records_are_not() {
        let v = json!({"TargetResources": "[{\"id\":\"x\",\"userPrincipalName\":\"ana@"});
        assert!(
            matches!(nested_fault(&v), Some(NestedFault::BadJson { path, .. }) if path == "TargetResources")
        );
        let whole = json!({
            "initiatedBy": {"user": null, "app": {"displayName": "x"}},
            "targetResources": [{"id": "x", "modifiedProperties": [{"displayName": "a", "newValue": "System.Object[]"}]}],
            "additionalDetails": [{"key": "k", "value": "v"}],
            "TargetResources2": "System.Object[]"
        });
        assert_eq!(nested_fault(&whole), None);
        assert_eq!(
            nested_fault(&json!({"TargetResources": "[]", "InitiatedBy": ""})),
            None
        );
    }

    #[test]
    fn activity_and_result_must_be_text() {
        assert!(scalar_fault(&json!({"activityDisplayName": 0})).is_some());
        assert!(scalar_fault(&json!({"activityDisplayName": 1e308})).is_some());
        assert!(scalar_fault(&json!({"activityDisplayName": "x", "result": true})).is_some());
        assert_eq!(
            scalar_fault(&json!({"activityDisplayName": "x", "result": 0})),
            None
        );
        assert_eq!(
            scalar_fault(&json!({"activityDisplayName": null, "result": "failure"})),
            None
        );
    }

    #[test]
    fn excel_limit_named() {
        let f = NestedFault::BadJson {
            path: "TargetResources".into(),
            chars: EXCEL_CELL_LIMIT,
            error: "EOF".into(),
        };
        assert!(f.detail(true).contains("Excel"));
    }
}
