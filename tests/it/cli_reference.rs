//! `licdiag analyze` on the inputs a review against `licensing.md` found misread
//! (fixtures/reference-review/, its README): the `assignLicense` answers of §6.1 (the Graph 400
//! conflict, an invalid usage location, the admin center's prerequisite message), a user's own id
//! as the assigning group (§1.1, §11) and a legacy MSOnline users export (§4, §9).

use crate::common::json_of;
use serde_json::Value;

const DIR: &str = "fixtures/reference-review";

fn analyze(paths: &[&str]) -> (Value, i32) {
    let mut args = vec!["analyze".to_string()];
    args.extend(paths.iter().map(|p| format!("{DIR}/{p}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json_of(&args)
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().expect("findings")
}

fn causes(v: &Value) -> Vec<String> {
    findings(v)
        .iter()
        .map(|f| f["cause"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The ids of a finding's users, sorted.
fn user_ids(f: &Value) -> Vec<String> {
    let mut ids: Vec<String> = f["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

fn users(from: u32, n: u32) -> Vec<String> {
    (from..from + n)
        .map(|i| format!("10000000-0000-4000-8000-0000000000{i:02}"))
        .collect()
}

/// The input notes of every input, joined.
fn notes(v: &Value) -> String {
    v["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .flat_map(|i| {
            ["notes", "group_notes"]
                .iter()
                .flat_map(|k| i[*k].as_array().cloned().unwrap_or_default())
        })
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Graph 400 conflict names its plans bare (`service plans A,B are mutually exclusive`, no
/// brackets, maybe no period, by name or GUID): a MutuallyExclusiveViolation with the plan pair,
/// wherever the record holds the text (it was an UnspecifiedFailure, or the exception's name).
#[test]
fn the_graph_400_conflict_is_a_conflict_with_its_plans() {
    let (v, code) = analyze(&["graph400-conflict.json"]);
    assert_eq!(code, 1);
    assert_eq!(causes(&v), ["MutuallyExclusiveViolation"], "{v:#}");
    let f = &findings(&v)[0];
    assert_eq!(user_ids(f), users(1, 6));
    let pairs = f["details"]["conflicting_plans"]
        .as_array()
        .expect("conflicting plans");
    assert_eq!(pairs.len(), 6, "{pairs:#?}");
    for p in pairs {
        let mut pair = [
            p["plan"]["name"].as_str().unwrap_or_default(),
            p["other_plan"]["name"].as_str().unwrap_or_default(),
        ];
        pair.sort();
        assert_eq!(
            pair,
            ["EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD"],
            "{p}"
        );
    }
}

/// `License assignment cannot be done for user with invalid usage location.` is a user without a
/// valid usage location, refused at once: kept under its own code (`invalidUsageLocation`, as the
/// cloud-licensing API names it) with its message, neither an UnspecifiedFailure nor a
/// ProhibitedInUsageLocationViolation (licensing.md §6 #4), whose fix would be wrong for it.
#[test]
fn an_invalid_usage_location_is_kept_as_its_own_code() {
    let (v, code) = analyze(&["invalid-usage-location.json"]);
    assert_eq!(code, 1);
    assert_eq!(causes(&v), ["invalidUsageLocation"], "{v:#}");
    let f = &findings(&v)[0];
    assert_eq!(user_ids(f), users(11, 3));
    assert!(
        f["explanation"]
            .as_str()
            .unwrap_or_default()
            .contains("License assignment cannot be done for user with invalid usage location"),
        "{}",
        f["explanation"]
    );
    // a direct assignment's steps end with its retry, never also "or reprocess the user"
    let (v, _) = analyze(&["invalid-usage-location-direct.jsonl"]);
    assert_eq!(causes(&v), ["invalidUsageLocation"], "{v:#}");
    let steps = findings(&v)[0]["recommendation"]["steps"].to_string();
    assert!(
        steps.contains("retry the direct assignment") && !steps.contains("or reprocess the user"),
        "{steps}"
    );

    // the beta cloud-licensing code with that message, or alone (in another case), for a user
    // without a usage location: the location is the fix, said with the user's (unset) one
    for input in ["mcl-invalid-location", "mcl-invalid-code-only"] {
        let (v, code) = analyze(&[input]);
        assert_eq!(code, 1, "{input}");
        assert_eq!(causes(&v), ["invalidUsageLocation"], "{input}: {v:#}");
        let f = &findings(&v)[0];
        assert_eq!(user_ids(f), users(1, 1), "{input}");
        assert!(
            f["explanation"]
                .as_str()
                .unwrap_or_default()
                .contains("no valid usage location"),
            "{input}: {f:#}"
        );
        assert_eq!(f["details"]["kind"], "usage_location", "{input}: {f:#}");
        assert_eq!(
            f["details"]["usage_locations"][0]["note"], "unset",
            "{input}: {f:#}"
        );
        let rec = &f["recommendation"];
        assert_eq!(
            rec["summary"], "Set a valid usage location on 1 user(s), then reprocess the user(s).",
            "{input}: {rec:#}"
        );
        assert!(
            rec["commands"][0]
                .as_str()
                .unwrap_or_default()
                .starts_with("Update-MgUser -UserId '10000000-0000-4000-8000-000000000001' -UsageLocation '<country code>'  # now unset"),
            "{input}: {rec:#}"
        );
    }
    // `explain` knows the code: its own entry, not the prohibited location's
    let out = crate::common::licdiag()
        .args(["explain", "invalidUsageLocation"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("No valid usage location (invalidUsageLocation)"),
        "{text}"
    );
}

/// The admin center's prerequisite message on a user's assignment: a DependencyViolation whose
/// plan (Office for the web) needs one of the SharePoint plans the message lists.
#[test]
fn the_portal_prerequisite_message_is_a_dependency() {
    let (v, code) = analyze(&["prerequisite-portal.json"]);
    assert_eq!(code, 1);
    assert_eq!(causes(&v), ["DependencyViolation"], "{v:#}");
    let f = &findings(&v)[0];
    assert_eq!(user_ids(f), users(21, 3));
    let deps = f["details"]["dependencies"]
        .as_array()
        .expect("dependencies");
    assert!(!deps.is_empty(), "{f:#}");
    let text = serde_json::to_string(deps).unwrap();
    assert!(text.contains("SHAREPOINTWAC"), "{text}");
    for plan in [
        "SHAREPOINTENTERPRISE",
        "SHAREPOINTDESKLESS",
        "SHAREPOINTSTANDARD",
    ] {
        assert!(text.contains(plan), "{plan} in {text}");
    }
}

/// A license state whose `assignedByGroup` is the user's own id is a direct assignment: no
/// finding names the user as a group, and an input note says how it was read.
#[test]
fn the_users_own_id_as_group_is_read_as_direct() {
    let (v, code) = analyze(&["own-id-as-group"]);
    assert_eq!(code, 1);
    let user = "10000000-0000-4000-8000-000000000001";
    assert_eq!(causes(&v), ["CountViolation"], "{v:#}");
    let f = &findings(&v)[0];
    assert_ne!(f["group_id"].as_str(), Some(user), "{f:#}");
    assert!(f["group_id"].is_null(), "{f:#}");
    assert_eq!(user_ids(f), [user]);
    let n = notes(&v);
    assert!(
        n.contains("`assignedByGroup` is the user's own id, read as a direct assignment"),
        "{n}"
    );
}

/// A legacy MSOnline `Get-MsolUser | ConvertTo-Json` export is read: the group license that failed
/// (`IndirectLicenseErrors`, its group from `ReferencedObjectId`) is a finding, and a note names
/// the export (it was read as Graph users without licenses: no errors, exit 0).
#[test]
fn a_legacy_msonline_users_export_is_read() {
    let (v, code) = analyze(&["msol/users.json"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(causes(&v), ["CountViolation"], "{v:#}");
    let f = &findings(&v)[0];
    assert_eq!(f["sku"], "POWER_BI_PRO", "{f:#}");
    assert_eq!(f["group_id"], "20000000-0000-4000-8000-000000000002");
    assert_eq!(user_ids(f), users(1, 1));
    let n = notes(&v);
    assert!(n.contains("legacy MSOnline `Get-MsolUser` export"), "{n}");
}
