//! Graph `user` objects (licensing.md §1): raw Graph camelCase or Graph PowerShell PascalCase, with the
//! per-source truth in `licenseAssignmentStates[]` (§1.1), the merged `assignedLicenses[]`, and the
//! address / location properties the cause rules need. Nested objects the analyzer does not use
//! (`memberOf`, `licenseDetails`, `manager`, ...) are ignored. `assignedPlans[]` is checked (a
//! PowerShell export cut by `ConvertTo-Json`'s depth shows there first) but not kept: no cause rule
//! or table reads it, and it is most of a user's bytes (42 rows of a licensed user, 6.9 KB of 7.7 in
//! a generated tenant), so keeping it held about 6 KB per user in memory.

use super::fields::{
    self, bool_field, id_text, object_list, string_list, text_field, time_field, Entry, MISSING_ID,
    MISSING_SKU_ID,
};
use super::SnapshotIssue;
use crate::model::cause::Cause;
use crate::model::event::SourceRef;
use crate::model::ids::{ObjectId, PlanId, SkuId};
use crate::model::snapshot::{
    AssignedSku, AssignmentState, LicenseAssignmentState, PlanList, User,
};
use crate::model::RareText;
use serde_json::Value;
use std::fmt;

pub(super) fn parse_user(v: &Value, source: SourceRef) -> Result<User, SnapshotIssue> {
    let upn = text_field(v, "userPrincipalName");
    let id = id_text(v, &["id", "objectId"], &"user")?
        .and_then(|s| ObjectId::parse(&s))
        .ok_or_else(|| SnapshotIssue {
            reason: MISSING_ID,
            detail: format!(
                "user {} has no `id`; export users with `$select=id,userPrincipalName,\
                 licenseAssignmentStates,...` (Get-MgUser -Property Id,...)",
                upn.as_deref().unwrap_or("(no userPrincipalName)")
            ),
        })?;
    let owner = format!("user {}", upn.as_deref().unwrap_or(id.as_str()));

    // built at its exact size, then boxed without a copy: collected through `Result`, the vector
    // grew from room for four, and mimalloc shrinks a block in place when at least half of it is
    // kept, so a user's two states held room for four (about 18 MB of a 100k-user tenant's users,
    // benches/README.md, thirty-ninth run)
    let states = object_list(v, "licenseAssignmentStates", &owner)?;
    let mut license_states = Vec::with_capacity(states.len());
    for (i, st) in states.iter().enumerate() {
        let mut st = license_state(st, i, &owner)?;
        // the user's own id where a group's belongs: a direct assignment ([`own_id_as_group`])
        if st.assigned_by_group.as_ref() == Some(&id) {
            st.assigned_by_group = None;
        }
        license_states.push(st);
    }
    let assigned_licenses = fields::sku_list(assigned_skus(v, &owner)?);
    for (i, p) in object_list(v, "assignedPlans", &owner)?.iter().enumerate() {
        check_assigned_plan(p, i, &owner)?;
    }
    // a new vector of the exact size too: collected in place, the strings' vector would be shrunk
    // from 24 bytes an address to 16, in place
    let proxy_addresses: crate::model::snapshot::AddressList =
        string_list(v, "proxyAddresses", &owner)?
            .into_iter()
            .collect();
    // the mail is most users' UPN: one block for both
    let upn = upn.map(|u| crate::model::ThinStr::new(&u));
    let mail = text_field(v, "mail").map(|m| match &upn {
        Some(u) if u.as_str() == m => u.clone(),
        _ => crate::model::ThinStr::new(&m),
    });

    Ok(User {
        id,
        upn,
        display_name: text_field(v, "displayName").map(String::into_boxed_str),
        account_enabled: bool_field(v, "accountEnabled"),
        usage_location: text_field(v, "usageLocation").map(|l| crate::model::ids::country(&l)),
        mail,
        proxy_addresses,
        on_premises_sync_enabled: bool_field(v, "onPremisesSyncEnabled"),
        assigned_licenses,
        license_states: license_states.into_boxed_slice(),
        source,
    })
}

/// One `licenseAssignmentStates[i]` entry.
fn license_state(
    st: &Value,
    i: usize,
    owner: &str,
) -> Result<LicenseAssignmentState, SnapshotIssue> {
    // the entry's path is written out for an issue only (as `fields::object_list` does)
    let path = Entry("licenseAssignmentStates", i);
    let sku_id = required_sku(st, owner, &path)?;
    let disabled_plans = plan_ids(st, owner, &format_args!("{path}.disabledPlans"))?;
    Ok(LicenseAssignmentState {
        sku_id,
        assigned_by_group: assigned_by_group(st),
        disabled_plans,
        state: text_field(st, "state")
            .map(|s| AssignmentState::parse(&s))
            .unwrap_or_else(|| AssignmentState::Unknown("".into())),
        error: error_code(st, owner, &path)?,
        error_subcode: text_field(st, "errorSubcode")
            .filter(|s| !s.eq_ignore_ascii_case("none"))
            .map(RareText::from),
        last_updated: time_field(st, "lastUpdatedDateTime"),
    })
}

/// `assignedByGroup`: `null` / `""` = direct; a group id string; tolerated as `{ "id": ... }`.
fn assigned_by_group(st: &Value) -> Option<ObjectId> {
    match fields::field(st, "assignedByGroup")? {
        o @ Value::Object(_) => text_field(o, "id").and_then(|s| ObjectId::parse(&s)),
        x => crate::ingest::value::text(x).and_then(|s| ObjectId::parse(&s)),
    }
}

/// The note on a user whose license states name the user's own id as `assignedByGroup`, read as
/// direct assignments ([`parse_user`]): licensing.md §1.1 (an old doc example shows a user id
/// there) and §11 (MSOnline's `GroupsAssigningLicense` holds the user's own id for a direct
/// license). Looked for only in a user with a direct state (`flaws`).
pub(super) fn own_id_as_group(v: &Value, u: &User) -> Option<SnapshotIssue> {
    let list = fields::field(v, "licenseAssignmentStates")?.as_array()?;
    let entries: Vec<String> = list
        .iter()
        .enumerate()
        .filter(|(_, st)| assigned_by_group(st).as_ref() == Some(&u.id))
        .map(|(i, _)| format!("`{}.assignedByGroup`", Entry("licenseAssignmentStates", i)))
        .collect();
    if entries.is_empty() {
        return None;
    }
    let owner = u.upn.as_deref().unwrap_or(u.id.as_str());
    Some(SnapshotIssue {
        reason: super::OWN_ID_AS_GROUP,
        detail: format!(
            "user {owner}: {} {} the user's own id {}",
            entries.join(", "),
            if entries.len() == 1 { "is" } else { "are" },
            u.id
        ),
    })
}

/// `error`: `null`, `""`, `"None"` = no error ([`Cause::from_code`]); unknown codes kept verbatim.
fn error_code(
    st: &Value,
    owner: &str,
    path: &dyn fmt::Display,
) -> Result<Option<Cause>, SnapshotIssue> {
    match fields::field(st, "error") {
        None => Ok(None),
        Some(o @ Value::Object(_)) => Ok(text_field(o, "code").and_then(|c| Cause::from_code(&c))),
        Some(x @ Value::Array(_)) => Err(fields::malformed(format!(
            "{owner}: `{path}.error` is {} where an error code string is expected",
            fields::type_name(x)
        ))),
        Some(x) => Ok(crate::ingest::value::text(x).and_then(|c| Cause::from_code(&c))),
    }
}

/// The `skuId` of a license entry; absent is an issue naming the entry (`path`, written out only
/// then).
pub(super) fn required_sku(
    e: &Value,
    owner: &str,
    path: &dyn fmt::Display,
) -> Result<SkuId, SnapshotIssue> {
    id_text(e, &["skuId"], &format_args!("{owner}: `{path}`"))?
        .and_then(|s| SkuId::parse(&s))
        .ok_or_else(|| SnapshotIssue {
            reason: MISSING_SKU_ID,
            detail: format!(
                "{owner}: `{path}` has no `skuId`; every license entry needs its SKU GUID"
            ),
        })
}

/// What is wrong in a user or group record that is still read
/// ([`crate::ingest::snapshot::SnapshotRecord::Flaw`]): a license state's `lastUpdatedDateTime`
/// that is no time (`"yesterday"`: the state is read without its time), and a license entry's
/// `skuId` that is no GUID (`"ENTERPRISEPACK"`: a product's name where its id belongs, which
/// matches no subscribed product; commands show it as a placeholder). Names each such entry's
/// path and text, up to three.
pub(super) fn flaws(v: &Value, owner: &str) -> Option<SnapshotIssue> {
    let mut times = Vec::new();
    let mut skus = Vec::new();
    let mut plans = Vec::new();
    for key in ["licenseAssignmentStates", "assignedLicenses"] {
        let Some(list) = fields::field(v, key).and_then(Value::as_array) else {
            continue;
        };
        for (i, e) in list.iter().enumerate() {
            if let Some(s) = fields::field(e, "skuId").and_then(crate::ingest::value::text) {
                let s = s.trim();
                if !s.is_empty() && !crate::model::ids::is_guid(&s.to_ascii_lowercase()) {
                    skus.push(format!("`{}.skuId` is {s:?}", Entry(key, i)));
                }
            }
            // a disabled plan that is no GUID is not seen as disabled ([`plan_ids`] reads GUIDs)
            match fields::field(e, "disabledPlans") {
                Some(Value::Array(items)) => {
                    for (j, p) in items.iter().enumerate() {
                        if let Some(s) = crate::ingest::value::text(p) {
                            if PlanId::parse(&s).is_none() {
                                plans.push(format!(
                                    "`{}.disabledPlans[{j}]` is {s:?}",
                                    Entry(key, i)
                                ));
                            }
                        }
                    }
                }
                Some(p @ Value::String(_)) => {
                    if let Some(s) = crate::ingest::value::text(p) {
                        if PlanId::parse(&s).is_none() && !s.starts_with('[') {
                            plans.push(format!("`{}.disabledPlans` is {s:?}", Entry(key, i)));
                        }
                    }
                }
                _ => {}
            }
            let Some(t) = fields::field(e, "lastUpdatedDateTime") else {
                continue;
            };
            let blank = match t {
                Value::Null => true,
                Value::String(s) => s.trim().is_empty(),
                _ => false,
            };
            if !blank && time_field(e, "lastUpdatedDateTime").is_none() {
                let placeholder = match t {
                    Value::String(s) => crate::normalize::time::is_no_date(s),
                    _ => false,
                };
                times.push(format!(
                    "`{}.lastUpdatedDateTime` is {t}{}",
                    Entry(key, i),
                    if placeholder {
                        " (the placeholder for no date, .NET DateTime.MinValue)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    let list = |v: Vec<String>| {
        let n = v.len();
        let mut s = v.into_iter().take(3).collect::<Vec<_>>().join(", ");
        if n > 3 {
            s.push_str(", ...");
        }
        s
    };
    let mut parts = Vec::new();
    if !times.is_empty() {
        parts.push(format!(
            "{}: not a time (ISO 8601, e.g. 2025-03-02T08:00:00Z), the state is read without it",
            list(times)
        ));
    }
    let bad_sku = !skus.is_empty();
    if bad_sku {
        parts.push(format!(
            "{}: not a GUID (a product's name where its id belongs?), so it matches no \
             subscribed product; export again with `ConvertTo-Json -Depth 10`",
            list(skus)
        ));
    }
    let bad_plan = !plans.is_empty();
    if bad_plan {
        parts.push(format!(
            "{}: not a GUID (a plan's name where its id belongs?), so that plan is not seen as \
             disabled; export again with `ConvertTo-Json -Depth 10`",
            list(plans)
        ));
    }
    (!parts.is_empty()).then(|| SnapshotIssue {
        reason: if bad_sku || bad_plan {
            fields::MALFORMED
        } else {
            BAD_TIMESTAMP
        },
        detail: format!("{owner}: {}", parts.join("; ")),
    })
}

/// The reason of an unreadable time in a snapshot record ([`flaws`]), as audit records name
/// theirs.
pub const BAD_TIMESTAMP: &str = "bad timestamp";

/// `disabledPlans` as plan ids (`path` names the property in messages, written out only for an
/// issue), shared with equal lists.
fn plan_ids(e: &Value, owner: &str, path: &dyn fmt::Display) -> Result<PlanList, SnapshotIssue> {
    let plans = match fields::field(e, "disabledPlans") {
        Some(x @ Value::Array(_)) => fields::strings_of(x, path, owner)?,
        // not an array: checked for what `ConvertTo-Json` leaves one level below its depth (a
        // single user or group at the root is one level less deep than a list's items, so its
        // license entries are where the cut falls); an array, as every whole export writes it,
        // is not
        other => {
            depth_cut(e, owner, path)?;
            match other {
                None => Vec::new(),
                Some(x) => fields::strings_of(x, path, owner)?,
            }
        }
    };
    Ok(fields::plan_list(
        plans.iter().filter_map(|p| PlanId::parse(p)).collect(),
    ))
}

/// A license entry cut by `ConvertTo-Json`'s default depth: its `AdditionalProperties` bag as a
/// type name (``System.Collections.Generic.Dictionary`2[...]``), or its `disabledPlans` as the
/// plans' GUIDs joined by spaces (an array rendered as text).
fn depth_cut(e: &Value, owner: &str, path: &dyn fmt::Display) -> Result<(), SnapshotIssue> {
    if let Some(Value::String(s)) = crate::ingest::value::get(e, "AdditionalProperties") {
        if fields::is_truncation_marker(s) {
            let at = path.to_string();
            let at = at.strip_suffix(".disabledPlans").unwrap_or(&at);
            return Err(fields::truncated(
                owner,
                &format!("{at}.AdditionalProperties"),
                s,
            ));
        }
    }
    if let Some(Value::String(s)) = fields::field(e, "disabledPlans") {
        let mut parts = s.split_whitespace().peekable();
        let joined = parts.clone().nth(1).is_some() && parts.all(|p| PlanId::parse(p).is_some());
        if joined {
            return Err(fields::truncated(owner, &path.to_string(), s));
        }
    }
    Ok(())
}

/// `assignedLicenses[]` of a user or group.
pub(super) fn assigned_skus(v: &Value, owner: &str) -> Result<Vec<AssignedSku>, SnapshotIssue> {
    object_list(v, "assignedLicenses", owner)?
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let path = Entry("assignedLicenses", i);
            Ok(AssignedSku {
                sku_id: required_sku(l, owner, &path)?,
                disabled_plans: plan_ids(l, owner, &format_args!("{path}.disabledPlans"))?,
            })
        })
        .collect()
}

/// One `assignedPlans[i]` row: it must name its plan (`servicePlanId`), as it always has; the row
/// is not kept (module docs).
fn check_assigned_plan(p: &Value, i: usize, owner: &str) -> Result<(), SnapshotIssue> {
    // the rows of a whole export are checked: the row's path is written out for an issue only
    let path = Entry("assignedPlans", i);
    id_text(p, &["servicePlanId"], &format_args!("{owner}: `{path}`"))?
        .and_then(|s| PlanId::parse(&s))
        .map(drop)
        .ok_or_else(|| fields::malformed(format!("{owner}: `{path}` has no `servicePlanId`")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::snapshot::{fields::MALFORMED, fields::TRUNCATED, test_src};
    use serde_json::json;

    const SKU_A: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const SKU_B: &str = "18181a46-0d4e-45cd-891e-60aabd171b4e";
    const G1: &str = "11111111-2222-3333-4444-555555555555";
    const PLAN: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";

    fn parse(v: Value) -> Result<User, SnapshotIssue> {
        parse_user(&v, test_src())
    }

    #[test]
    fn graph_camel_case() {
        let u = parse(json!({
            "id": "0B9E0000-0000-0000-0000-000000000001", "userPrincipalName": "ada@contoso.example",
            "displayName": "Ada", "accountEnabled": true, "usageLocation": "DE", "mail": "ada@contoso.example",
            "proxyAddresses": ["SMTP:ada@contoso.example", "smtp:ada@contoso.onmicrosoft.com"],
            "onPremisesSyncEnabled": null,
            "assignedLicenses": [{"skuId": SKU_A, "disabledPlans": [PLAN]}],
            "assignedPlans": [{"assignedDateTime": "2025-03-02T08:00:00Z", "capabilityStatus": "Deleted",
                               "service": "exchange", "servicePlanId": PLAN}],
            "licenseAssignmentStates": [
                {"skuId": SKU_A, "assignedByGroup": null, "disabledPlans": [], "state": "Active",
                 "error": "None", "lastUpdatedDateTime": "2025-03-02T08:00:00Z"},
                {"skuId": SKU_B, "assignedByGroup": G1, "disabledPlans": [PLAN], "state": "Error",
                 "error": "CountViolation", "lastUpdatedDateTime": "2025-03-03T10:00:00Z"}
            ]
        }))
        .unwrap();
        assert_eq!(u.id.as_str(), "0b9e0000-0000-0000-0000-000000000001");
        assert_eq!(u.usage_location.as_deref(), Some("DE"));
        assert_eq!(u.account_enabled, Some(true));
        assert_eq!(u.on_premises_sync_enabled, None);
        assert_eq!(u.proxy_addresses.len(), 2);
        assert_eq!(
            u.assigned_licenses[0].disabled_plans,
            [PlanId::parse(PLAN).unwrap()].into()
        );
        let [a, b] = &u.license_states[..] else {
            panic!("two states")
        };
        assert_eq!(
            (a.assigned_by_group.as_ref(), &a.error, &a.state),
            (None, &None, &AssignmentState::Active)
        );
        assert_eq!(b.assigned_by_group, ObjectId::parse(G1));
        assert_eq!(b.error, Some(Cause::CountViolation));
        assert_eq!(b.state, AssignmentState::Error);
        assert_eq!(b.disabled_plans.len(), 1);
    }

    #[test]
    fn powershell_pascal_case_and_additional_properties() {
        let u = parse(json!({
            "Id": "u-1", "UserPrincipalName": "bo@contoso.example", "UsageLocation": null,
            "LicenseAssignmentStates": [
                {"AssignedByGroup": G1, "DisabledPlans": [], "Error": "MutuallyExclusiveViolation",
                 "ErrorSubcode": "42", "LastUpdatedDateTime": "/Date(1740902400000)/", "SkuId": SKU_A,
                 "State": "Error", "AdditionalProperties": {}}
            ],
            "AdditionalProperties": {"usageLocation": "JP", "onPremisesSyncEnabled": true}
        }))
        .unwrap();
        assert_eq!(u.usage_location.as_deref(), Some("JP"));
        assert!(u.is_synced());
        let st = &u.license_states[0];
        assert_eq!(st.error, Some(Cause::MutuallyExclusiveViolation));
        assert_eq!(st.error_subcode.as_deref(), Some("42"));
        assert!(st.last_updated.is_some());
    }

    #[test]
    fn three_no_error_spellings_and_direct() {
        for err in [Value::Null, json!(""), json!("None"), json!(" none ")] {
            let u = parse(json!({"id": "u", "licenseAssignmentStates": [
                {"skuId": SKU_A, "assignedByGroup": "", "state": "Active", "error": err.clone()}]}))
            .unwrap();
            assert_eq!(u.license_states[0].error, None, "{err}");
            assert_eq!(u.license_states[0].assigned_by_group, None);
        }
        // missing `error` key too
        let u = parse(json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A}]})).unwrap();
        assert_eq!(u.license_states[0].error, None);
        assert_eq!(
            u.license_states[0].state,
            AssignmentState::Unknown("".into())
        );
    }

    #[test]
    fn unknown_and_beta_spellings_of_codes() {
        let u = parse(json!({"id": "u", "licenseAssignmentStates": [
            {"skuId": SKU_A, "error": "Others"}, {"skuId": SKU_B, "error": "BrandNewViolation"},
            {"skuId": SKU_B, "error": {"code": "CountViolation"}}]}))
        .unwrap();
        assert_eq!(u.license_states[0].error, Some(Cause::Other));
        assert_eq!(
            u.license_states[1].error,
            Some(Cause::Unknown("BrandNewViolation".into()))
        );
        assert_eq!(u.license_states[2].error, Some(Cause::CountViolation));
    }

    #[test]
    fn user_without_licensing_properties_is_still_a_user() {
        let u =
            parse(json!({"id": "u", "userPrincipalName": "c@x.example", "accountEnabled": false}))
                .unwrap();
        assert!(u.license_states.is_empty() && u.assigned_licenses.is_empty());
        assert_eq!(u.account_enabled, Some(false));
    }

    #[test]
    fn nested_groups_are_ignored() {
        let u = parse(json!({"id": "u", "userPrincipalName": "c@x.example",
            "memberOf": [{"@odata.type": "#microsoft.graph.group", "id": "g", "securityEnabled": true,
                          "assignedLicenses": "System.Object[]"}]}))
        .unwrap();
        assert!(u.assigned_licenses.is_empty());
    }

    #[test]
    fn truncated_depth_is_reported_with_property_and_fix() {
        let cases = [
            (
                json!({"Id": "u", "LicenseAssignmentStates": "System.Object[]"}),
                "`licenseAssignmentStates`",
            ),
            (
                json!({"Id": "u", "LicenseAssignmentStates": ["Microsoft.Graph.PowerShell.Models.MicrosoftGraphLicenseAssignmentState"]}),
                "`licenseAssignmentStates[0]`",
            ),
            (
                json!({"Id": "u", "LicenseAssignmentStates": [{"SkuId": SKU_A, "DisabledPlans": "System.String[]"}]}),
                "`licenseAssignmentStates[0].disabledPlans`",
            ),
            (
                json!({"Id": "u", "AssignedLicenses": ["@{SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900; DisabledPlans=System.String[]}"]}),
                "`assignedLicenses[0]`",
            ),
            (
                json!({"Id": "u", "AssignedLicenses": "System.Collections.Hashtable"}),
                "`assignedLicenses`",
            ),
            (
                json!({"Id": "u", "ProxyAddresses": "System.Collections.Generic.List`1[System.String]"}),
                "`proxyAddresses`",
            ),
        ];
        for (v, path) in cases {
            let e = parse(v.clone()).unwrap_err();
            assert_eq!(e.reason, TRUNCATED, "{v}");
            assert!(e.detail.contains(path), "{path} not in {}", e.detail);
            assert!(
                e.detail.contains("ConvertTo-Json -Depth 10"),
                "{}",
                e.detail
            );
        }
    }

    #[test]
    fn malformed_values_are_issues() {
        let cases = [
            (json!({"userPrincipalName": "x@y.example"}), MISSING_ID),
            (json!({"id": {"x": 1}}), MALFORMED),
            (
                json!({"id": "u", "licenseAssignmentStates": [{"state": "Active"}]}),
                MISSING_SKU_ID,
            ),
            (
                json!({"id": "u", "licenseAssignmentStates": [{"skuId": [SKU_A]}]}),
                MALFORMED,
            ),
            (
                json!({"id": "u", "licenseAssignmentStates": [42]}),
                MALFORMED,
            ),
            (json!({"id": "u", "licenseAssignmentStates": 42}), MALFORMED),
            (
                json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A, "error": ["CountViolation"]}]}),
                MALFORMED,
            ),
            (
                json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A, "disabledPlans": {"a": 1}}]}),
                MALFORMED,
            ),
            (
                json!({"id": "u", "assignedPlans": [{"service": "exchange"}]}),
                MALFORMED,
            ),
            (json!({"id": "u", "proxyAddresses": {"a": 1}}), MALFORMED),
        ];
        for (v, reason) in cases {
            assert_eq!(
                parse(v.clone()).map(|_| ()).unwrap_err().reason,
                reason,
                "{v}"
            );
        }
    }

    /// The entries' paths are only written out for an issue now (not for every entry): the issues
    /// still name the entry and the property, and the shapes off the common one (a number in a
    /// plan list, a SKU id that is not a string) read as before.
    #[test]
    fn issues_name_the_entry_however_the_path_is_built() {
        let cases = [
            (
                json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A, "disabledPlans": [PLAN, null]},
                    {"skuId": SKU_B, "disabledPlans": [PLAN, "System.String[]"]}]}),
                TRUNCATED,
                "`licenseAssignmentStates[1].disabledPlans[1]`",
            ),
            (
                json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A}, {"skuId": " null "}]}),
                MISSING_SKU_ID,
                "`licenseAssignmentStates[1]` has no `skuId`",
            ),
            (
                json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A}, {"skuId": SKU_B, "error": [1]}]}),
                MALFORMED,
                "`licenseAssignmentStates[1].error`",
            ),
            (
                json!({"id": "u", "assignedLicenses": [{"skuId": SKU_A}, {"skuId": SKU_B, "disabledPlans": [{"a": 1}]}]}),
                MALFORMED,
                "`assignedLicenses[1].disabledPlans[0]`",
            ),
            (
                json!({"id": "u", "assignedLicenses": [{"skuId": SKU_A}, {"skuId": {"id": SKU_B}}]}),
                MALFORMED,
                "`assignedLicenses[1]`",
            ),
        ];
        // flaws: read, and said
        let v = json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A, "lastUpdatedDateTime": "yesterday"},
            {"skuId": SKU_B, "lastUpdatedDateTime": null}, {"skuId": "ENTERPRISEPACK", "lastUpdatedDateTime": "2025-03-02T08:00:00Z"}]});
        let f = flaws(&v, "user u").expect("flawed");
        assert_eq!(f.reason, MALFORMED);
        assert!(
            f.detail.contains(
                "`licenseAssignmentStates[0].lastUpdatedDateTime` is \"yesterday\": not a time"
            ),
            "{}",
            f.detail
        );
        assert!(
            f.detail
                .contains("`licenseAssignmentStates[2].skuId` is \"ENTERPRISEPACK\": not a GUID"),
            "{}",
            f.detail
        );
        assert!(!f.detail.contains("[1]"), "{}", f.detail);
        assert!(parse(v).is_ok());
        // review 88, item 2: .NET's no-date placeholder is a state without a time, said as such
        let v = json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A, "error": "CountViolation", "lastUpdatedDateTime": "0001-01-01T00:00:00Z"},
            {"skuId": SKU_B, "lastUpdatedDateTime": "/Date(-62135596800000)/"}]});
        let f = flaws(&v, "user u").expect("flawed");
        assert!(
            f.detail
                .contains("(the placeholder for no date, .NET DateTime.MinValue)"),
            "{}",
            f.detail
        );
        let u = parse(v).expect("read");
        assert!(u.license_states.iter().all(|s| s.last_updated.is_none()));
        let f = flaws(&json!({"id": "u", "licenseAssignmentStates": [{"skuId": SKU_A, "lastUpdatedDateTime": "x"}]}), "user u").expect("flawed");
        assert_eq!(f.reason, BAD_TIMESTAMP);
        assert_eq!(
            flaws(
                &json!({"id": "u", "assignedLicenses": [{"skuId": SKU_A.to_uppercase()}]}),
                "user u"
            ),
            None
        );
        for (v, reason, path) in cases {
            let e = parse(v.clone()).unwrap_err();
            assert_eq!(e.reason, reason, "{v}");
            assert!(e.detail.contains(path), "{path} not in {}", e.detail);
        }
        let u = parse(json!({"id": "u",
            "assignedLicenses": [{"skuId": 42, "disabledPlans": [7, null, true, " ", PLAN]}],
            "licenseAssignmentStates": [{"skuId": format!(" {} ", SKU_A.to_uppercase()), "disabledPlans": "System"}]}))
        .unwrap();
        assert_eq!(u.assigned_licenses[0].sku_id.as_str(), "42");
        let plans: Vec<&str> = u.assigned_licenses[0]
            .disabled_plans
            .iter()
            .map(|p| p.as_str())
            .collect();
        assert_eq!(plans, ["7", "true", PLAN]);
        assert_eq!(u.license_states[0].sku_id.as_str(), SKU_A);
        let plans: Vec<&str> = u.license_states[0]
            .disabled_plans
            .iter()
            .map(|p| p.as_str())
            .collect();
        assert_eq!(plans, ["system"]);
    }

    /// Users with equal license lists hold one list, and equal disabled-plan lists are one list
    /// whoever holds them (a license or a state).
    #[test]
    fn equal_lists_are_shared() {
        let user = |id: &str| {
            parse(json!({"id": id,
                "assignedLicenses": [{"skuId": SKU_A, "disabledPlans": [PLAN]}, {"skuId": SKU_B}],
                "licenseAssignmentStates": [{"skuId": SKU_A, "disabledPlans": [PLAN], "state": "Active"}]}))
            .unwrap()
        };
        let (a, b) = (user("a"), user("b"));
        assert!(crate::model::ids::ThinList::ptr_eq(
            &a.assigned_licenses,
            &b.assigned_licenses
        ));
        assert!(crate::model::ids::ThinList::ptr_eq(
            &a.assigned_licenses[0].disabled_plans,
            &b.license_states[0].disabled_plans
        ));
        let other = parse(json!({"id": "c", "assignedLicenses": [{"skuId": SKU_A}]})).unwrap();
        assert!(!crate::model::ids::ThinList::ptr_eq(
            &a.assigned_licenses,
            &other.assigned_licenses
        ));
        assert_eq!(other.assigned_licenses[0].disabled_plans.len(), 0);
    }

    /// A state whose `assignedByGroup` is the user's own id (an old doc example; MSOnline's
    /// direct marker) is read as direct, and said; a group's id is read as the group's.
    #[test]
    fn the_users_own_id_as_group_is_a_direct_assignment() {
        const ME: &str = "10000000-0000-4000-8000-000000000001";
        let v = json!({"id": ME, "userPrincipalName": "u1@contoso.example", "licenseAssignmentStates": [
            {"skuId": SKU_A, "assignedByGroup": G1, "state": "Active", "error": "None"},
            {"skuId": SKU_B, "assignedByGroup": ME.to_uppercase(), "state": "Error", "error": "CountViolation"}]});
        let u = parse(v.clone()).unwrap();
        assert_eq!(u.license_states[0].assigned_by_group, ObjectId::parse(G1));
        assert_eq!(u.license_states[1].assigned_by_group, None);
        assert_eq!(u.license_states[1].error, Some(Cause::CountViolation));
        let note = own_id_as_group(&v, &u).expect("said");
        assert_eq!(note.reason, crate::ingest::snapshot::OWN_ID_AS_GROUP);
        assert!(
            note.detail
                .contains("`licenseAssignmentStates[1].assignedByGroup` is the user's own id"),
            "{}",
            note.detail
        );
        let rec = crate::ingest::snapshot::SnapshotRecord::User(u);
        let flaws =
            crate::ingest::snapshot::flaws(crate::ingest::snapshot::SnapshotKind::Users, &v, &rec);
        assert_eq!(flaws, [note]);
        // a user whose direct states are direct says nothing
        let v = json!({"id": ME, "licenseAssignmentStates": [{"skuId": SKU_A, "assignedByGroup": null}]});
        let u = parse(v.clone()).unwrap();
        assert_eq!(own_id_as_group(&v, &u), None);
    }

    #[test]
    fn lenient_scalars() {
        // numbers as strings, booleans as strings, a single object where an array is expected,
        // JSON text in a string (Log Analytics style), assignedByGroup as an object
        let u = parse(json!({"id": 12345, "accountEnabled": "False",
            "assignedLicenses": {"skuId": SKU_A},
            "licenseAssignmentStates": format!("[{{\"skuId\":\"{SKU_A}\",\"assignedByGroup\":{{\"id\":\"{G1}\"}}}}]"),
            "proxyAddresses": "SMTP:solo@x.example"}))
        .unwrap();
        assert_eq!(u.id.as_str(), "12345");
        assert_eq!(u.account_enabled, Some(false));
        assert_eq!(u.assigned_licenses.len(), 1);
        assert_eq!(u.license_states[0].assigned_by_group, ObjectId::parse(G1));
        assert_eq!(
            u.proxy_addresses.iter().collect::<Vec<_>>(),
            ["SMTP:solo@x.example"]
        );
    }
}
