//! Property tests: arbitrary JSON values (biased towards the property names and value shapes the
//! parsers look at) and arbitrary CSV rows go through classify and parse for every kind; nothing may
//! panic, and every failure must carry a known reason and a non-empty message.

use super::*;
use proptest::prelude::*;
use serde_json::{Map, Value};

const KEYS: &[&str] = &[
    "id",
    "Id",
    "objectId",
    "userPrincipalName",
    "UserPrincipalName",
    "displayName",
    "accountEnabled",
    "usageLocation",
    "mail",
    "proxyAddresses",
    "onPremisesSyncEnabled",
    "assignedLicenses",
    "AssignedLicenses",
    "assignedPlans",
    "licenseAssignmentStates",
    "LicenseAssignmentStates",
    "skuId",
    "SkuId",
    "disabledPlans",
    "DisabledPlans",
    "assignedByGroup",
    "state",
    "error",
    "Error",
    "errorSubcode",
    "lastUpdatedDateTime",
    "servicePlanId",
    "service",
    "capabilityStatus",
    "assignedDateTime",
    "groupTypes",
    "securityEnabled",
    "mailEnabled",
    "licenseProcessingState",
    "membershipRule",
    "members",
    "Members",
    "@odata.type",
    "skuPartNumber",
    "prepaidUnits",
    "PrepaidUnits",
    "consumedUnits",
    "allottedUnits",
    "enabled",
    "warning",
    "suspended",
    "lockedOut",
    "servicePlans",
    "services",
    "planId",
    "code",
    "message",
    "occurrenceDateTime",
    "assignedTo",
    "AdditionalProperties",
    "value",
    // a legacy MSOnline user
    "ObjectId",
    "Licenses",
    "IndirectLicenseErrors",
    "AccountSkuId",
    "AccountSku",
    "SkuPartNumber",
    "GroupsAssigningLicense",
    "ReferencedObjectId",
    "ServiceStatus",
    "ServicePlan",
    "ServicePlanId",
    "ProvisioningStatus",
    "BlockCredential",
];

const STRINGS: &[&str] = &[
    "",
    "None",
    "null",
    "<null>",
    "System.Object[]",
    "System.Collections.Hashtable",
    "Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense",
    "@{SkuId=x; DisabledPlans=System.String[]}",
    "@{State=ProcessingComplete}",
    "@{",
    "#microsoft.graph.user",
    "#microsoft.graph.group",
    "#microsoft.graph.subscribedSku",
    "#microsoft.graph.cloudLicensing.assignmentError",
    "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "CountViolation",
    "Other",
    "/Date(1740902400000)/",
    "/Date(-99999999999999999999)/",
    "/Date(",
    "2025-03-02T08:00:00Z",
    "[",
    "{",
    "[{\"skuId\":\"s\"}]",
    "{\"state\":\"x\"}",
    "-1",
    "12",
    "1e400",
    "é",
    "\u{feff}",
    "True",
    "contoso:ENTERPRISEPACK",
    "contoso:",
    ":",
    "Microsoft.Online.Administration.UserLicense",
    "Disabled",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        proptest::sample::select(STRINGS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
}

pub(super) fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(KEYS).prop_map(str::to_string),
                        "[a-zA-Z@.]{1,8}"
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const HEADERS: &[&str] = &[
    "UserId",
    "UserDisplayName",
    "UserPrincipalName",
    "SkuId",
    "SkuPartNumber",
    "AssignedBy",
    "LicenseErrors",
    "GroupId",
    "GroupObjectId",
    "GroupName",
    "MemberId",
    "UserObjectId",
    "DisabledPlans",
    "Error",
    "ErrorSubcode",
    "LicenseError",
    "UserName",
    "\u{feff}UserId",
    "ï»¿\"GroupId\"",
    "",
];

const CELLS: &[&str] = &[
    "",
    "No Errors",
    "User",
    "Unknown SKU",
    "Unknown Group",
    "User: Error: None",
    "G: Error: CountViolation Subcode: 5; User: Error: Other",
    "Error:",
    "Subcode:",
    ": Error: ; ;",
    "A; B: Error: X; ",
    "NAME (6fd2c87f-b296-42f0-b197-1e91e994b900), None",
    "None",
    "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "é; é: error: é subcode: é",
    ";;;",
    "CountViolation, Other",
];

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(CELLS).prop_map(str::to_string),
        ".{0,40}",
        // fragments of the error-cell grammar glued together
        proptest::collection::vec(
            prop_oneof![
                Just(": Error: "),
                Just(" Subcode: "),
                Just("; "),
                Just("é"),
                Just("G"),
                Just("(")
            ],
            0..8
        )
        .prop_map(|v| v.concat()),
    ]
}

fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(HEADERS).prop_map(str::to_string),
        ".{0,10}"
    ]
}

fn known_reason(r: &str) -> bool {
    [
        MALFORMED,
        super::MEMBER_WITHOUT_GROUP,
        MISSING_CODE,
        MISSING_COLUMN,
        MISSING_ID,
        MISSING_SKU_ID,
        MISSING_UNITS,
        NOT_OBJECT,
        TRUNCATED,
        WRONG_KIND,
    ]
    .contains(&r)
        || super::skus::SEAT_REASONS.contains(&r)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn json_never_panics(v in json_value()) {
        let classified = classify_json(&v);
        for kind in SnapshotKind::ALL {
            if let Err(e) = parse_json(kind, &v, test_src()) {
                prop_assert!(known_reason(e.reason), "{}", e.reason);
                prop_assert!(!e.detail.is_empty());
            }
        }
        // a record accepted for its own kind round-trips to that kind's record variant
        if let Some(kind) = classified {
            if let Ok(rec) = parse_json(kind, &v, test_src()) {
                let ok = matches!(
                    (kind, &rec),
                    (SnapshotKind::Users, SnapshotRecord::User(_))
                        | (SnapshotKind::Groups, SnapshotRecord::Group(_))
                        | (SnapshotKind::SubscribedSkus, SnapshotRecord::Sku(_))
                        | (SnapshotKind::AssignmentErrors, SnapshotRecord::Reported(_))
                );
                prop_assert!(ok);
            }
        }
    }

    #[test]
    fn json_in_known_wrappers_never_panics(inner in json_value(), key in proptest::sample::select(KEYS)) {
        // put arbitrary values under the keys the parsers read, inside each record shape
        for base in [
            serde_json::json!({"id": "u", "userPrincipalName": "a@b", "licenseAssignmentStates": [{"skuId": "s"}]}),
            serde_json::json!({"id": "g", "securityEnabled": true, "members": [{"id": "m"}]}),
            serde_json::json!({"skuId": "s", "skuPartNumber": "P", "prepaidUnits": {"enabled": 1}}),
            serde_json::json!({"code": "CountViolation", "occurrenceDateTime": "2025-01-01T00:00:00Z"}),
            serde_json::json!({"ObjectId": "u", "UserPrincipalName": "a@b", "Licenses": [{"AccountSkuId": "t:P", "GroupsAssigningLicense": ["g"]}],
                "IndirectLicenseErrors": [{"AccountSkuId": "t:P", "Error": "CountViolation", "ReferencedObjectId": "g"}]}),
        ] {
            let mut top = base.clone();
            if let Some(o) = top.as_object_mut() {
                o.insert(key.to_string(), inner.clone());
            }
            let mut nested = base;
            if let Some(Value::Object(o)) = nested
                .as_object_mut()
                .and_then(|o| o.values_mut().find(|x| x.is_array()))
                .and_then(|a| a.as_array_mut())
                .and_then(|a| a.first_mut())
            {
                o.insert(key.to_string(), inner.clone());
            }
            for v in [top, nested] {
                let _ = classify_json(&v);
                for kind in SnapshotKind::ALL {
                    if let Err(e) = parse_json(kind, &v, test_src()) {
                        prop_assert!(known_reason(e.reason), "{}", e.reason);
                    }
                }
            }
        }
    }

    #[test]
    fn csv_never_panics(
        headers in proptest::collection::vec(header(), 0..9),
        row in proptest::collection::vec(cell(), 0..11),
    ) {
        let _ = classify_csv(&headers);
        for kind in SnapshotKind::ALL {
            match parse_csv(kind, &headers, &row, test_src()) {
                Ok(recs) => prop_assert!(kind.is_csv() || recs.is_empty()),
                Err(e) => {
                    prop_assert!(known_reason(e.reason), "{}", e.reason);
                    prop_assert!(!e.detail.is_empty());
                }
            }
        }
    }

    #[test]
    fn license_error_cells_never_panic(c in cell(), c2 in ".{0,60}") {
        let headers: Vec<String> = ["UserId", "UserPrincipalName", "SkuId", "SkuPartNumber", "AssignedBy", "LicenseErrors"]
            .iter().map(|s| s.to_string()).collect();
        for text in [&c, &c2] {
            let row = vec!["u".to_string(), "a@b".into(), "s".into(), "P".into(), text.clone(), text.clone()];
            let recs = parse_csv(SnapshotKind::LicenseErrorsCsv, &headers, &row, test_src());
            prop_assert!(recs.is_ok());
        }
    }
}
