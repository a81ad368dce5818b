//! `licdiag analyze` on the inputs a review against `licensing.md` found misread
//! (fixtures/reference-review/, its README): the `assignLicense` answers of §6.1 (the Graph 400
//! conflict, an invalid usage location, the admin center's prerequisite message, a refused
//! direct removal of an inherited license), a user's own id
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

/// The one finding of `cause` in `v`.
fn finding_of<'v>(v: &'v Value, cause: &str) -> &'v Value {
    findings(v)
        .iter()
        .find(|f| f["cause"] == cause)
        .unwrap_or_else(|| panic!("no {cause} finding: {v:#}"))
}

/// The commands of a finding's recommendation.
fn commands(f: &Value) -> Vec<String> {
    f["recommendation"]["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| c.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Neither a retry of the direct change (`-AddLicenses @(@{...})`) nor a reprocess: the refused
/// removal leaves nothing in error on the user.
fn assert_no_retry(f: &Value) {
    for c in commands(f) {
        assert!(
            !c.contains("-AddLicenses @(@{")
                && !c.contains("retry")
                && !c.contains("Invoke-MgLicenseUser"),
            "{c}"
        );
    }
    for s in f["recommendation"]["steps"].as_array().expect("steps") {
        let s = s.as_str().unwrap_or_default();
        assert!(!s.contains("Then retry the direct assignment"), "{s}");
    }
}

const INHERITED: &str = "InvalidOperationOnGroupInheritedLicenseException";

/// A direct removal of a license the user inherits from a group, refused (licensing.md §6.1:
/// `User license is inherited from a group membership`, MSOnline's
/// `InvalidOperationOnGroupInheritedLicenseException`): one finding under that code (it was an
/// UnspecifiedFailure, or an error code not known to licdiag, whose fix retried the direct
/// assignment), a warning that names the user, the product and the group(s) it comes from, and
/// whose fix is the group: the user leaves it, or the group stops assigning the product; no
/// retry, no reprocess. Its users keep their license: named, not affected.
#[test]
fn a_refused_removal_of_an_inherited_license_is_its_own_cause() {
    // the sentence in an ErrorMessage detail, no snapshot (beside an invalid usage location)
    let (v, code) = analyze(&["inherited-removal-message"]);
    assert_eq!(code, 1, "the invalid usage location is an error");
    let mut c = causes(&v);
    c.sort();
    assert_eq!(c, [INHERITED, "invalidUsageLocation"], "{v:#}");
    let f = finding_of(&v, INHERITED);
    assert_eq!(user_ids(f), users(1, 1));
    assert_eq!(f["severity"], "warning", "{f:#}");
    assert_eq!(f["status"], "pending", "{f:#}");
    let e = f["explanation"].as_str().unwrap_or_default();
    for part in [
        "Removing a license directly from ana@contoso.example was refused",
        "The audit record does not name the product.",
        "No snapshot says which group gives it to ana@contoso.example",
        "Nothing is in error on the user, so nothing is to be retried or reprocessed.",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    assert_eq!(f["details"]["kind"], "inherited", "{f:#}");
    assert_eq!(f["details"]["inherited"][0]["in_snapshot"], false, "{f:#}");
    let cmds = commands(f);
    assert!(
        cmds[0].starts_with("Get-MgUser -UserId '10000000-0000-4000-8000-000000000001' -Property licenseAssignmentStates"),
        "{cmds:#?}"
    );
    assert!(
        cmds[1].starts_with("Remove-MgGroupMemberByRef -GroupId <group id> -DirectoryObjectId '10000000-0000-4000-8000-000000000001'"),
        "{cmds:#?}"
    );
    assert_no_retry(f);
    // ben, refused for his usage location, is affected; ana keeps her license
    assert_eq!(v["summary"]["users_affected"], 1, "{:#}", v["summary"]);
    assert_eq!(v["summary"]["users_named"], 2, "{:#}", v["summary"]);

    // the exception's name in `resultReason`, with a snapshot where ENTERPRISEPACK comes from
    // LIC-E3 alone; the refused record's `Update user` names the product it removes
    let (v, code) = analyze(&["inherited-removal-exception"]);
    assert_eq!(code, 0, "a warning only: {v:#}");
    assert_eq!(causes(&v), [INHERITED], "{v:#}");
    let f = finding_of(&v, INHERITED);
    assert_eq!(f["sku"], "ENTERPRISEPACK", "{f:#}");
    assert_eq!(f["severity"], "warning", "{f:#}");
    assert!(
        f.get("group").is_none(),
        "the refused change is a direct one: {f:#}"
    );
    let e = f["explanation"].as_str().unwrap_or_default();
    for part in [
        "Removing ENTERPRISEPACK directly from ana@contoso.example was refused (Change user license by admin@contoso.example at 2026-10-01 08:01:00 UTC)",
        "The snapshot shows ana@contoso.example inheriting it from LIC-E3.",
        "remove the user from the licensing group, or remove the product from the group's licenses if no member should have it; if the user should keep it from the group, nothing is to be done.",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    let from = &f["details"]["inherited"][0]["inherited_from"][0];
    assert_eq!(from["group"], "LIC-E3", "{f:#}");
    assert_eq!(
        from["group_id"], "20000000-0000-4000-8000-000000000001",
        "{f:#}"
    );
    assert_eq!(
        commands(f),
        [
            "Remove-MgGroupMemberByRef -GroupId '20000000-0000-4000-8000-000000000001' -DirectoryObjectId '10000000-0000-4000-8000-000000000001'  # ana@contoso.example leaves LIC-E3, which gives ENTERPRISEPACK",
            "# option: Set-MgGroupLicense -GroupId '20000000-0000-4000-8000-000000000001' -AddLicenses @() -RemoveLicenses @('6fd2c87f-b296-42f0-b197-1e91e994b900')  # takes ENTERPRISEPACK from every member of LIC-E3: only if none should have it",
        ]
    );
    assert!(
        f["recommendation"]["summary"]
            .as_str()
            .unwrap_or_default()
            .starts_with(
            "Nothing to retry or reprocess: ENTERPRISEPACK is inherited from a group by 1 user(s)"
        ),
        "{f:#}"
    );
    assert_no_retry(f);
    assert_eq!(v["summary"]["users_affected"], 0, "{:#}", v["summary"]);
    assert_eq!(v["summary"]["users_named"], 1, "{:#}", v["summary"]);

    // every place a record holds it, in any case (fixtures/agree, read both ways by the agreement
    // test): five refusals, and a note that a license is inherited is none
    let (v, _) = json_of(&["analyze", "fixtures/agree/inherited-license-refusal.jsonl"]);
    assert_eq!(causes(&v), [INHERITED], "{v:#}");
    let ids: Vec<String> = (201..=205)
        .map(|i| format!("10000000-0000-4000-8000-000000000{i}"))
        .collect();
    assert_eq!(user_ids(finding_of(&v, INHERITED)), ids);

    // `explain` knows the code, in any case, and lists it
    for name in [
        INHERITED,
        "invalidoperationongroupinheritedlicenseexception",
        "inherited-license",
    ] {
        let out = crate::common::licdiag()
            .args(["explain", name])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!(
                "License inherited from a group: cannot be removed directly ({INHERITED})"
            )),
            "{name}: {text}"
        );
        assert!(text.contains("Remove-MgGroupMemberByRef"), "{name}: {text}");
    }
    let out = crate::common::licdiag()
        .arg("explain")
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("({INHERITED})")),
        "the listing names it"
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

/// The admin center's refusal of a direct assignment with conflicting plans (licensing.md §6.1:
/// `You can't assign licenses that contain these conflicting services: ...`): a
/// MutuallyExclusiveViolation whose pair is the two plans the text names, display names with their
/// parentheses, not "no conflicting pair was found".
#[test]
fn the_portal_conflict_message_names_its_pair() {
    let (v, code) = analyze(&["portal-conflict.json"]);
    assert_eq!(code, 1);
    assert_eq!(causes(&v), ["MutuallyExclusiveViolation"], "{v:#}");
    let f = &findings(&v)[0];
    assert_eq!(user_ids(f), users(1, 1));
    let pairs = f["details"]["conflicting_plans"]
        .as_array()
        .expect("conflicting plans");
    assert_eq!(pairs.len(), 1, "{f:#}");
    let p = &pairs[0];
    assert_eq!(p["determined_from"], "audit");
    let named = |x: &Value| {
        x["display_name"]
            .as_str()
            .or(x["name"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut both = [named(&p["plan"]), named(&p["other_plan"])];
    both.sort();
    assert_eq!(
        both,
        ["SharePoint (Plan 1)", "SharePoint (Plan 2)"],
        "{p:#}"
    );
    let text = f["explanation"].as_str().unwrap_or_default();
    assert!(!text.contains("no conflicting pair was found"), "{text}");
}
