//! Graph `group` objects (licensing.md §2): licenses on the group, its processing state, the
//! properties that make it dynamic or synced, its addresses, and its first-level user members when
//! the export expanded `members` (nested groups are not licensed, so only user members are kept).

use super::fields::{
    self, bool_field, id_text, is_truncation_marker, object_list, string_list, text_field,
    MISSING_ID,
};
use super::users::assigned_skus;
use super::SnapshotIssue;
use crate::model::event::SourceRef;
use crate::model::ids::ObjectId;
use crate::model::snapshot::Group;
use serde_json::Value;

pub(super) fn parse_group(v: &Value, source: SourceRef) -> Result<Group, SnapshotIssue> {
    let display_name = text_field(v, "displayName");
    let id = id_text(v, &["id", "objectId"], &"group")?
        .and_then(|s| ObjectId::parse(&s))
        .ok_or_else(|| SnapshotIssue {
            reason: MISSING_ID,
            detail: format!(
                "group {} has no `id`; export groups with `$select=id,displayName,assignedLicenses,...`",
                display_name.as_deref().unwrap_or("(no displayName)")
            ),
        })?;
    let owner = format!("group {}", display_name.as_deref().unwrap_or(id.as_str()));

    Ok(Group {
        assigned_licenses: assigned_skus(v, &owner)?,
        processing_state: processing_state(v, &owner)?,
        security_enabled: bool_field(v, "securityEnabled"),
        group_types: string_list(v, "groupTypes", &owner)?,
        membership_rule: text_field(v, "membershipRule"),
        on_premises_sync_enabled: bool_field(v, "onPremisesSyncEnabled"),
        mail: text_field(v, "mail"),
        proxy_addresses: string_list(v, "proxyAddresses", &owner)?,
        members: members(v, &owner)?,
        nested_groups: nested_groups(v),
        id,
        display_name,
        source,
    })
}

/// `licenseProcessingState`: `{ "state": ... }`, a plain string (older docs), or the
/// `@{State=ProcessingComplete}` text PowerShell writes for it past `-Depth` (the value is recoverable).
fn processing_state(v: &Value, owner: &str) -> Result<Option<String>, SnapshotIssue> {
    match fields::field(v, "licenseProcessingState") {
        None => Ok(None),
        Some(o @ Value::Object(_)) => Ok(text_field(o, "state")),
        Some(Value::String(s)) => {
            let t = s.trim();
            if let Some(inner) = t.strip_prefix("@{").and_then(|r| r.strip_suffix('}')) {
                Ok(inner.split(';').find_map(|kv| {
                    let (k, val) = kv.split_once('=')?;
                    let val = val.trim();
                    (k.trim().eq_ignore_ascii_case("state") && !val.is_empty())
                        .then(|| val.to_string())
                }))
            } else if is_truncation_marker(t) {
                Err(fields::truncated(owner, "licenseProcessingState", t))
            } else {
                Ok(Some(t.to_string()).filter(|s| !s.is_empty()))
            }
        }
        Some(x) => Err(fields::malformed(format!(
            "{owner}: `licenseProcessingState` is {} where an object with `state` is expected",
            fields::type_name(x)
        ))),
    }
}

/// The ids of the groups among the first-level members (rows typed `#microsoft.graph.group`, in
/// the list as read or as the record parse compacted it).
fn nested_groups(v: &Value) -> Vec<ObjectId> {
    let Some(raw) = fields::field(v, "members") else {
        return Vec::new();
    };
    let rows = match raw {
        Value::Array(rows) => rows,
        Value::Object(m) => match m.get(crate::ingest::record::MEMBERS_TOKEN) {
            Some(Value::Array(rows)) => rows,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    rows.iter()
        .filter(|r| fields::odata_type(r).is_some_and(|t| t == "microsoft.graph.group"))
        .filter_map(|r| fields::id_text(r, &["id"], &"").ok().flatten())
        .filter_map(|id| ObjectId::parse(&id))
        .collect()
}

/// First-level members from `$expand=members`: `None` when the export has no member list. Members
/// whose `@odata.type` names something other than a user (nested groups, devices, contacts) are
/// dropped; members without a type are kept. Plain id strings are accepted.
fn members(v: &Value, owner: &str) -> Result<Option<Vec<ObjectId>>, SnapshotIssue> {
    let Some(raw) = fields::field(v, "members") else {
        return Ok(None);
    };
    // a list the record parse compacted (every row read without an issue)
    if let Some(ids) = crate::ingest::record::compact_members(raw) {
        return Ok(Some(ids));
    }
    // Graph PowerShell objects always carry `Members`, as `[]` when it was not expanded: that is
    // "not exported", not "no members".
    let is_powershell_object = v
        .as_object()
        .is_some_and(|o| o.keys().any(|k| k == "AdditionalProperties"));
    if is_powershell_object && raw.as_array().is_some_and(|a| a.is_empty()) {
        return Ok(None);
    }
    // plain id strings: `["id1", "id2"]`
    if let Some(items) = raw.as_array() {
        if !items.is_empty()
            && items.iter().all(|m| {
                m.as_str()
                    .is_some_and(|s| !is_truncation_marker(s) && !s.trim_start().starts_with('{'))
            })
        {
            return Ok(Some(
                items
                    .iter()
                    .filter_map(|m| m.as_str().and_then(ObjectId::parse))
                    .collect(),
            ));
        }
    }
    let mut out = Vec::new();
    for (i, m) in object_list(v, "members", owner)?.iter().enumerate() {
        if !fields::is_user_or_untyped(m) {
            continue;
        }
        let id = id_text(m, &["id"], &format_args!("{owner}: `members[{i}]`"))?
            .and_then(|s| ObjectId::parse(&s))
            .ok_or_else(|| SnapshotIssue {
                reason: MISSING_ID,
                detail: format!("{owner}: `members[{i}]` has no `id`; expand members with `$expand=members($select=id)`"),
            })?;
        out.push(id);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::snapshot::{
        fields::MALFORMED, fields::MISSING_SKU_ID, fields::TRUNCATED, test_src,
    };
    use serde_json::json;

    const SKU_A: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";

    fn parse(v: Value) -> Result<Group, SnapshotIssue> {
        parse_group(&v, test_src())
    }

    #[test]
    fn graph_camel_case() {
        let g = parse(json!({
            "id": "G-1", "displayName": "LIC-O365-E3", "securityEnabled": true, "mailEnabled": false,
            "groupTypes": ["DynamicMembership"], "membershipRule": "user.department -eq \"Sales\"",
            "onPremisesSyncEnabled": true, "mail": null, "proxyAddresses": [],
            "assignedLicenses": [{"skuId": SKU_A, "disabledPlans": []}],
            "licenseProcessingState": {"state": "ProcessingComplete"}
        }))
        .unwrap();
        assert_eq!(g.id.as_str(), "g-1");
        assert_eq!(g.processing_state.as_deref(), Some("ProcessingComplete"));
        assert!(g.is_dynamic() && g.is_synced());
        assert_eq!(g.assigned_licenses.len(), 1);
        assert_eq!(g.members, None);
    }

    #[test]
    fn powershell_pascal_case() {
        let g = parse(json!({
            "Id": "g-2", "DisplayName": "Voice", "SecurityEnabled": "True", "GroupTypes": [],
            "AssignedLicenses": [{"SkuId": SKU_A, "DisabledPlans": ["efb87545-963c-4e0d-99df-69c6916d9eb0"]}],
            "LicenseProcessingState": "@{State=QueuedForProcessing; AdditionalProperties=System.Collections.Generic.Dictionary`2[System.String,System.Object]}",
            "Members": [], "AdditionalProperties": {}
        }))
        .unwrap();
        assert_eq!(g.security_enabled, Some(true));
        assert_eq!(g.processing_state.as_deref(), Some("QueuedForProcessing"));
        assert_eq!(g.assigned_licenses[0].disabled_plans.len(), 1);
        assert_eq!(
            g.members, None,
            "PowerShell's unexpanded Members [] is not an empty group"
        );
    }

    #[test]
    fn processing_state_as_plain_string() {
        let g =
            parse(json!({"id": "g", "licenseProcessingState": "ProcessingInProgress"})).unwrap();
        assert_eq!(g.processing_state.as_deref(), Some("ProcessingInProgress"));
        let e = parse(json!({"id": "g", "LicenseProcessingState": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphLicenseProcessingState"})).unwrap_err();
        assert_eq!(e.reason, TRUNCATED);
        assert_eq!(
            parse(json!({"id": "g", "licenseProcessingState": 3}))
                .unwrap_err()
                .reason,
            MALFORMED
        );
    }

    #[test]
    fn members_keep_users_drop_nested_groups() {
        let g = parse(json!({"id": "g", "members": [
            {"@odata.type": "#microsoft.graph.user", "id": "U1"},
            {"@odata.type": "#microsoft.graph.group", "id": "nested"},
            {"@odata.type": "#microsoft.graph.device", "id": "dev"},
            {"id": "u2"},
            {"Id": "u3", "AdditionalProperties": {"@odata.type": "#microsoft.graph.user"}},
            {"Id": "g4", "AdditionalProperties": {"@odata.type": "#microsoft.graph.group"}},
            null
        ]}))
        .unwrap();
        let ids: Vec<&str> = g
            .members
            .as_ref()
            .unwrap()
            .iter()
            .map(|m| m.as_str())
            .collect();
        assert_eq!(ids, ["u1", "u2", "u3"]);
        // the nested groups are kept apart: their members get nothing from this group
        let nested: Vec<&str> = g.nested_groups.iter().map(|m| m.as_str()).collect();
        assert_eq!(nested, ["nested", "g4"]);
        // raw Graph expansion with no members is an empty group
        let g = parse(json!({"id": "g", "members": []})).unwrap();
        assert_eq!(g.members, Some(vec![]));
        // plain id strings
        let g = parse(json!({"id": "g", "members": ["a", "b"]})).unwrap();
        assert_eq!(g.members.map(|m| m.len()), Some(2));
    }

    #[test]
    fn member_issues() {
        let e = parse(json!({"id": "g", "Members": ["Microsoft.Graph.PowerShell.Models.MicrosoftGraphDirectoryObject"]})).unwrap_err();
        assert_eq!(e.reason, TRUNCATED);
        assert!(e.detail.contains("`members[0]`"));
        let e = parse(json!({"id": "g", "members": [{"@odata.type": "#microsoft.graph.user"}]}))
            .unwrap_err();
        assert_eq!(e.reason, MISSING_ID);
        assert_eq!(
            parse(json!({"id": "g", "members": 7})).unwrap_err().reason,
            MALFORMED
        );
        assert_eq!(
            parse(json!({"id": "g", "members": [[1]]}))
                .unwrap_err()
                .reason,
            MALFORMED
        );
    }

    #[test]
    fn license_issues() {
        assert_eq!(
            parse(json!({"displayName": "x"})).unwrap_err().reason,
            MISSING_ID
        );
        assert_eq!(
            parse(json!({"id": "g", "assignedLicenses": [{"disabledPlans": []}]}))
                .unwrap_err()
                .reason,
            MISSING_SKU_ID
        );
        let e = parse(json!({"Id": "g", "AssignedLicenses": [{"SkuId": SKU_A, "DisabledPlans": "System.String[]"}]})).unwrap_err();
        assert_eq!(e.reason, TRUNCATED);
        assert!(
            e.detail.contains("assignedLicenses[0].disabledPlans"),
            "{}",
            e.detail
        );
        assert_eq!(
            parse(json!({"id": "g", "groupTypes": {"a": 1}}))
                .unwrap_err()
                .reason,
            MALFORMED
        );
    }

    /// The record parse compacts a `members` list of rows that read without an issue; the group
    /// read from it is the group read from serde_json's own tree, issue for issue.
    fn same_as_full_parse(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let src = SourceRef {
            file: "groups.json".into(),
            record: 1,
            line: crate::model::event::Line::NONE,
        };
        let full: Value = serde_json::from_slice(text.as_bytes()).unwrap();
        let compact = crate::ingest::record::parse(text.as_bytes()).unwrap();
        let want = parse_group(&full, src.clone()).map_err(|e| (e.reason, e.detail));
        let got = parse_group(&compact, src).map_err(|e| (e.reason, e.detail));
        proptest::prop_assert_eq!(got, want, "{}", text);
        Ok(())
    }

    #[test]
    fn compacted_members_read_as_the_list() {
        let u1 = "642cbb89-c575-4ed1-8425-d0143e9fe074";
        let u2 = "3beb7daa-6001-4950-82de-8576338da318";
        let graph =
            |id: &str| format!(r##"{{"@odata.type":"#microsoft.graph.user","id":"{id}"}}"##);
        let text = format!(
            r##"{{"id":"g","members":[{},{{"@odata.type":"#microsoft.graph.group","id":"nested"}},{{"id":"{u2}"}},{}]}}"##,
            graph(u1),
            graph(u1)
        );
        // compacted: Graph's user rows as ids, the other rows as they were
        let v = crate::ingest::record::parse(text.as_bytes()).unwrap();
        assert!(v["members"].is_object(), "{v}");
        let g = parse(serde_json::from_str(&text).unwrap()).unwrap();
        let ids: Vec<&str> = g.members.iter().flatten().map(|m| m.as_str()).collect();
        assert_eq!(ids, [u1, u2, u1]);
        same_as_full_parse(&text).unwrap();
        // the nested group, from the compacted list too
        let src = SourceRef {
            file: "groups.json".into(),
            record: 1,
            line: crate::model::event::Line::NONE,
        };
        let nested = parse_group(&v, src).unwrap().nested_groups;
        assert_eq!(nested, [ObjectId::parse("nested").unwrap()]);
        // a row the reader reports (no id) keeps the list whole: the same issue, the same index
        let text = format!(
            r##"{{"id":"g","members":[{},{{"@odata.type":"#microsoft.graph.user"}}]}}"##,
            graph(u1)
        );
        let v = crate::ingest::record::parse(text.as_bytes()).unwrap();
        assert!(v["members"].is_array(), "{v}");
        assert_eq!(
            v["members"][0],
            serde_json::from_str::<Value>(&graph(u1)).unwrap()
        );
        same_as_full_parse(&text).unwrap();
        for text in [
            r##"{"id":"g","members":[]}"##,
            r##"{"Id":"g","Members":[],"AdditionalProperties":{}}"##,
            r##"{"id":"g","MEMBERS":[{"@odata.type":"#microsoft.graph.user","id":"u"}]}"##,
            r##"{"id":"g","members":{"@odata.type":"#microsoft.graph.user","id":"u"}}"##,
            r##"{"id":"g","members":[{"@odata.type":"#microsoft.graph.user","id":"u"},null]}"##,
            r##"{"id":"g","members":[{"@odata.type":"#microsoft.graph.user","id":"u"},"v"]}"##,
        ] {
            same_as_full_parse(text).unwrap();
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        #[test]
        fn members_read_the_same_after_the_record_parse(
            rows in proptest::collection::vec(proptest::prop_oneof![
                4 => proptest::prelude::Just(r##"{"@odata.type":"#microsoft.graph.user","id":"U1"}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"#Microsoft.Graph.User","id":"u2"}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"id":"u3"}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"Id":"u4","AdditionalProperties":{"@odata.type":"#microsoft.graph.user"}}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"#microsoft.graph.group","id":"g9"}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"#microsoft.graph.device"}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"#microsoft.graph.user","id":"u5","displayName":"x"}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"#microsoft.graph.user","id":" "}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"#microsoft.graph.user","id":7}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"#microsoft.graph.user","id":{"a":1}}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"","id":"u6"}"##.to_string()),
                1 => proptest::prelude::Just(r##"{"@odata.type":"#microsoft.graph.user"}"##.to_string()),
                1 => proptest::prelude::Just("null".to_string()),
                1 => proptest::prelude::Just(r##""u7""##.to_string()),
                1 => proptest::prelude::Just(r##""System.Object[]""##.to_string()),
                1 => proptest::prelude::Just(r##""{\"id\":\"u8\"}""##.to_string()),
                1 => proptest::prelude::Just("[1]".to_string()),
            ], 0..8),
            key in proptest::prop_oneof![
                proptest::prelude::Just("members"),
                proptest::prelude::Just("Members"),
            ],
            powershell in proptest::prelude::any::<bool>(),
        ) {
            let bag = if powershell { r##","AdditionalProperties":{}"## } else { "" };
            let text = format!(r##"{{"id":"g","{key}":[{}]{bag}}}"##, rows.join(","));
            same_as_full_parse(&text)?;
        }
    }
}
