//! What `analyze` says of stories a postmortem review and a reading of licensing.md found told
//! wrongly (fixtures/diagnose/review54): a user deleted while in error, a repeat failure days after
//! the first, a renamed user, an address many objects share, conflicts only the pre-July-2025 list
//! has, and the "errors over time" of the md and html reports.

use crate::common::{json_of, licdiag};
use serde_json::Value;

fn analyze(dir: &str, as_of: &str) -> Value {
    let path = format!("fixtures/diagnose/review54/{dir}");
    json_of(&["analyze", &path, "--as-of", as_of]).0
}

fn finding<'a>(v: &'a Value, cause: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["cause"] == cause)
        .collect()
}

fn user<'a>(f: &'a Value, upn: &str) -> &'a Value {
    f["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["upn"] == upn)
        .unwrap_or_else(|| panic!("{upn} in {f}"))
}

#[test]
fn a_user_deleted_while_in_error_is_closed_not_resolved() {
    let v = analyze("deleted-in-error", "2025-03-16T09:00:00Z");
    let f = finding(&v, "ProhibitedInUsageLocationViolation");
    let f = f.first().expect("the finding");
    let zed = user(f, "zed.gone@contoso.example");
    assert_eq!(zed["status"], "closed", "{zed}");
    assert!(zed["resolved"]["how"]
        .as_str()
        .is_some_and(|h| h.contains("deleted")));
    assert_eq!(user(f, "pia.loc@contoso.example")["status"], "resolved");
    assert_eq!(user(f, "quinn.open@contoso.example")["status"], "pending");
    // the table and md say it too, and never call zed resolved
    let out = licdiag()
        .args([
            "analyze",
            "fixtures/diagnose/review54/deleted-in-error",
            "--as-of",
            "2025-03-16T09:00:00Z",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("zed.gone@contoso.example (closed, not resolved)"),
        "{text}"
    );
    assert!(
        !text.contains("zed.gone@contoso.example (resolved)"),
        "{text}"
    );
}

#[test]
fn a_repeat_failure_days_later_keeps_the_group_the_timeline_gives_it() {
    // amy fails in LIC-Ops, is licensed, and fails again a day later with no processing run in
    // the log: the last licensing group amy joined is LIC-Ops, as the timeline says
    let v = analyze("repeat-failure", "2025-06-02T10:00:00Z");
    let counts = finding(&v, "CountViolation");
    assert_eq!(counts.len(), 1, "one finding, not a group-less second: {v}");
    let f = counts[0];
    assert_eq!(f["group"], "LIC-Ops");
    let amy = user(f, "amy@contoso.example");
    assert_eq!(amy["status"], "resolved");
    assert_eq!(amy["resolved"]["when"], "2025-06-02T10:00:00Z", "{amy}");
}

#[test]
fn a_renamed_user_is_named_by_the_upn_it_has_now() {
    let v = analyze("renamed-user", "2026-01-01T00:00:00Z");
    let s = v.to_string();
    let users: Vec<&Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| f["users"].as_array().expect("users"))
        .collect();
    assert!(!users.is_empty(), "{s}");
    for u in users {
        assert_ne!(u["upn"], "sam.old@contoso.example", "{u}");
    }
}

#[test]
fn an_address_many_objects_share_names_ten_holders_and_counts_the_rest() {
    let v = analyze("shared-address", "2026-10-09T12:00:00Z");
    let f = finding(&v, "UniquenessViolation");
    let colliding: Vec<&Value> = f
        .iter()
        .flat_map(|f| f["details"]["colliding"].as_array().expect("colliding"))
        .filter(|c| c["address"] == "helpdesk@fabrikam.example")
        .collect();
    assert_eq!(colliding.len(), 12, "the twelve users in error");
    for c in colliding {
        assert_eq!(c["holders"].as_array().expect("holders").len(), 10, "{c}");
        assert_eq!(c["holders_total"], 23, "{c}");
    }
    let f = f
        .iter()
        .find(|f| {
            f["explanation"]
                .as_str()
                .unwrap_or("")
                .contains("helpdesk@")
        })
        .expect("the finding of the shared address");
    let e = f["explanation"].as_str().unwrap_or("");
    assert_eq!(
        e.matches("would get helpdesk@fabrikam.example").count(),
        1,
        "one sentence for the address: {e}"
    );
    assert!(
        !e.contains(": helpdesk@fabrikam.example ("),
        "not one sentence per user: {e}"
    );
    assert!(e.contains("and 20 more"), "{e}");
}

#[test]
fn pairs_only_the_old_list_has_are_named_and_not_said_to_stack_unless_documented() {
    for (dir, pair) in [
        ("legacy-dynamics", "CRMPLAN2"),
        ("legacy-kiosk", "EXCHANGE_S_DESKLESS"),
    ] {
        let v = analyze(dir, "2025-09-15T00:00:00Z");
        let f = finding(&v, "MutuallyExclusiveViolation");
        let f = f.first().unwrap_or_else(|| panic!("{dir}: {v}"));
        let d = &f["details"];
        let pairs = d["legacy_pairs"].as_array().expect("legacy_pairs");
        assert!(!pairs.is_empty(), "{dir}: {d}");
        assert!(pairs.iter().all(|p| p["duplication_documented"] == false));
        let text = f.to_string();
        assert!(text.contains(pair), "{dir}: the pair is named: {text}");
        assert!(
            !text.contains("Exchange Online Plan 1 and Plan 2 now allow duplication"),
            "{dir}: {text}"
        );
        assert!(!text.contains("nothing to disable"), "{dir}: {text}");
    }
}

#[test]
fn an_exchange_plan_1_and_2_conflict_reported_in_2025_is_reprocessed_first() {
    let v = analyze("audit-exchange-2025", "2025-09-15T00:00:00Z");
    let f = finding(&v, "MutuallyExclusiveViolation");
    let f = f.first().expect("the finding");
    let pairs = f["details"]["legacy_pairs"].as_array().expect("pairs");
    assert_eq!(pairs.len(), 1, "{f}");
    assert_eq!(pairs[0]["determined_from"], "audit");
    assert_eq!(pairs[0]["duplication_documented"], true);
    let steps = f["recommendation"]["steps"].to_string();
    assert!(steps.contains("first"), "{steps}");
}

#[test]
fn errors_over_time_counts_errors_and_users_apart() {
    // the sample tenant: users whose Other sits beside their blocking error count once a day
    let out = licdiag()
        .args([
            "analyze",
            "fixtures/sample-tenant",
            "--as-of",
            "2026-10-09T12:00:00Z",
            "--format",
            "md",
        ])
        .output()
        .expect("run");
    let md = String::from_utf8_lossy(&out.stdout);
    let section = md
        .split("## Errors over time")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the section");
    assert!(
        section.contains("| day (UTC) | errors | users |"),
        "{section}"
    );
    let mut more_errors_than_users = false;
    for row in section.lines().filter(|l| l.starts_with("| 2")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let errors: usize = cells[2].parse().expect("errors");
        let users: usize = cells[3].parse().expect("users");
        assert!(users <= errors, "{row}");
        more_errors_than_users |= users < errors;
    }
    assert!(
        more_errors_than_users,
        "an Other beside its error: {section}"
    );
}

#[test]
fn plan_names_three_holders_of_a_shared_address_and_counts_the_rest() {
    // every holder for every user was quadratic: 5,000 users on one address, 721 MB of plan
    let out = licdiag()
        .args([
            "plan",
            "delete-group",
            "fixtures/diagnose/review54/shared-address",
            "--group",
            "LIC-O365-E3",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains("address helpdesk@fabrikam.example (one of the user's proxy addresses) is also held by")
        })
        .collect();
    assert!(!lines.is_empty(), "{text}");
    for l in lines {
        assert!(l.contains(" and 20 more"), "{l}");
        // the address, three holders and the address in the Get-Recipient lookup
        assert!(l.matches("@fabrikam.example").count() <= 6, "{l}");
    }
}

/// The sample tenant's snapshot with ENTERPRISEPACK's units changed, in a new folder.
fn seats(enabled: u64, warning: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in std::fs::read_dir("fixtures/sample-tenant/snapshot").expect("snapshot") {
        let f = f.expect("entry").path();
        let to = dir.path().join(f.file_name().expect("name"));
        std::fs::copy(&f, &to).expect("copy");
    }
    let p = dir.path().join("subscribedSkus.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("json");
    for s in v["value"].as_array_mut().expect("skus") {
        if s["skuPartNumber"] == "ENTERPRISEPACK" {
            s["prepaidUnits"]["enabled"] = enabled.into();
            s["prepaidUnits"]["warning"] = warning.into();
            s["prepaidUnits"]["suspended"] = 0.into();
        }
    }
    std::fs::write(&p, v.to_string()).expect("write");
    dir
}

/// Review 61 finding 1: seats bought after the users failed. The CountViolation says the users
/// failed when no seats were left (not that none are), proposes no license removal (nothing needs
/// freeing), and gives one number for what the units in their grace period hide.
#[test]
fn seats_free_now_are_no_shortage_and_free_nothing() {
    let dir = seats(30, 0);
    let path = dir.path().to_str().expect("utf-8 path");
    let (v, _) = json_of(&["analyze", path]);
    let f = finding(&v, "CountViolation");
    let f = f.first().expect("the finding");
    let text = f["explanation"].as_str().expect("explanation");
    assert!(
        text.contains("because no seats were left when Entra processed them"),
        "{text}"
    );
    assert!(!text.contains("no seats are left"), "{text}");
    assert!(text.contains("8 seats are free now"), "{text}");
    assert_eq!(f["details"]["shortfall"], 0, "{f:#}");
    let commands = f["recommendation"]["commands"]
        .as_array()
        .expect("commands");
    assert!(!commands.is_empty());
    for c in commands {
        let c = c.as_str().unwrap_or_default();
        assert!(
            c.starts_with("Invoke-MgLicenseUser"),
            "only reprocessing: {c}"
        );
    }

    // free only counting units in their grace period: one number for after they lapse
    let dir = seats(20, 5);
    let path = dir.path().to_str().expect("utf-8 path");
    let (v, _) = json_of(&["analyze", path]);
    let f = finding(&v, "CountViolation");
    let text = f
        .first()
        .and_then(|f| f["explanation"].as_str())
        .expect("explanation");
    assert!(
        text.contains("3 seats are free now counting units in their grace period"),
        "{text}"
    );
    assert!(text.contains("then 5 more seats are needed"), "{text}");
    assert!(!text.contains("when those lapse"), "{text}");

    // still short: the present tense, and the removals proposed
    let dir = seats(20, 0);
    let path = dir.path().to_str().expect("utf-8 path");
    let (v, _) = json_of(&["analyze", path]);
    let f = finding(&v, "CountViolation");
    let f = f.first().expect("the finding");
    assert!(f["explanation"]
        .as_str()
        .is_some_and(|t| t.contains("because no seats are left")));
    assert!(f["recommendation"]["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .any(|c| c
            .as_str()
            .is_some_and(|c| c.starts_with("Set-MgUserLicense"))));
}
