//! `--fail-on` on `timeline`, `diff` and `plan` through the binary: the default keeps each
//! command's own rule (timeline: an open failure; diff: an error NEW has and OLD did not; plan: a
//! blocker), `never` always exits 0, and the other levels change the outcome where the severities
//! say so (docs/timeline.md "Formats and exit codes" and the diff's "Exit code", docs/plan.md
//! "Exit codes"); a closed pipe keeps the code `--fail-on` decides.

use crate::common::{fixture, licdiag};
use serde_json::{json, Value};

const TENANT: &str = "fixtures/sample-tenant";
const OLD: &str = "fixtures/sample-tenant/snapshot";
const NEW: &str = "fixtures/snapshot-after";
/// Her only failure is a LicenseAssignmentAttributeConcurrencyException still open: a warning.
const PRIYA: &str = "priya.raman@fabrikam.example";
/// Her only failure (CountViolation) was resolved: information.
const ROSA: &str = "rosa.delgado@fabrikam.example";

/// The exit code of `licdiag ARGS`, with `--fail-on LEVEL` when given.
fn code(args: &[&str], fail_on: Option<&str>) -> i32 {
    let mut c = licdiag();
    c.arg("--no-progress").args(args);
    if let Some(level) = fail_on {
        c.args(["--fail-on", level]);
    }
    let out = c.output().expect("run");
    assert!(
        !out.stdout.is_empty(),
        "{args:?} --fail-on {fail_on:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.code().unwrap_or(-1)
}

/// Asserts the exit code of `args` by default and under each `--fail-on` level given.
fn assert_codes(args: &[&str], default: i32, levels: &[(&str, i32)]) {
    assert_eq!(code(args, None), default, "{args:?} by default");
    for (level, expected) in levels {
        assert_eq!(
            code(args, Some(level)),
            *expected,
            "{args:?} --fail-on {level}"
        );
    }
}

// ----------------------------------------------------------------------------------- timeline

#[test]
fn timeline_default_fails_on_any_open_failure_and_never_does_not() {
    // open CountViolation, MutuallyExclusiveViolation, ... failures: errors
    assert_codes(
        &["timeline", TENANT],
        1,
        &[("error", 1), ("warning", 1), ("info", 1), ("never", 0)],
    );
}

#[test]
fn timeline_error_leaves_out_an_open_transient_failure() {
    // by default (warning) an open ConcurrencyException fails, as it always did; `error` does
    // not count it, as `analyze --fail-on error` does not
    assert_codes(
        &["timeline", TENANT, "--user", PRIYA],
        1,
        &[("warning", 1), ("error", 0), ("info", 1), ("never", 0)],
    );
}

#[test]
fn timeline_info_counts_a_resolved_failure() {
    assert_codes(
        &["timeline", TENANT, "--user", ROSA],
        0,
        &[("error", 0), ("warning", 0), ("info", 1), ("never", 0)],
    );
}

/// An open Other is rated as `analyze` rates its finding: a warning when the error it stands for
/// is unknown (the default still fails on it, `error` does not), an error when the finding names
/// one (here dev's CountViolation on E3 from the same group; cara's Other is in that finding).
#[test]
fn timeline_rates_an_open_other_as_its_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cara = [state(E3, "None"), state(EMS, "Other")];
    let alone = snapshot(dir.path(), "alone", &cara, None);
    assert_codes(
        &["timeline", &alone],
        1,
        &[("warning", 1), ("error", 0), ("never", 0)],
    );
    let dev = [state(E3, "CountViolation"), state(EMS, "Other")];
    let explained = tenant(
        dir.path(),
        "explained",
        &[
            (USER, "cara@contoso.example", &cara),
            (
                "10000000-0000-4000-8000-000000000004",
                "dev@contoso.example",
                &dev,
            ),
        ],
        None,
    );
    assert_codes(
        &["timeline", &explained, "--user", "cara@contoso.example"],
        1,
        &[("error", 1), ("never", 0)],
    );
}

#[test]
fn an_unknown_level_is_a_usage_error() {
    for args in [
        &["timeline", TENANT][..],
        &["diff", OLD, NEW],
        &["plan", "migrate", OLD, "--group", "LIC-O365-E3"],
    ] {
        let out = licdiag()
            .args(args)
            .args(["--fail-on", "sometimes"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--fail-on"), "{args:?}: {err}");
    }
}

// --------------------------------------------------------------------------------------- diff

#[test]
fn diff_default_fails_on_new_errors_and_never_does_not() {
    // a new CountViolation and an Other turned CountViolation: errors
    assert_codes(
        &["diff", OLD, NEW],
        1,
        &[("error", 1), ("warning", 1), ("info", 1), ("never", 0)],
    );
    // nothing changed: nothing counts, whatever the level
    assert_codes(
        &["diff", OLD, OLD],
        0,
        &[("error", 0), ("warning", 0), ("info", 0), ("never", 0)],
    );
}

const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
const EMS: &str = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e";
const GROUP: &str = "20000000-0000-4000-8000-000000000003";
const USER: &str = "10000000-0000-4000-8000-000000000003";

/// A `licenseAssignmentStates` entry from [`GROUP`] (`error` "None" when it has none).
fn state(sku: &str, error: &str) -> Value {
    let state = if error == "None" { "Active" } else { "Error" };
    json!({"skuId": sku, "assignedByGroup": GROUP, "disabledPlans": [], "state": state,
        "error": error, "lastUpdatedDateTime": "2026-10-01T08:00:00Z"})
}

/// A snapshot folder under `root`: one user (cara, in [`GROUP`], which assigns E3 and EMS) with
/// these license states, and `skus` as subscribedSkus when given.
fn snapshot(root: &std::path::Path, name: &str, states: &[Value], skus: Option<Value>) -> String {
    tenant(root, name, &[(USER, "cara@contoso.example", states)], skus)
}

/// A snapshot folder under `root`: these users (id, UPN, license states), all members of
/// [`GROUP`], which assigns E3 and EMS; `skus` as subscribedSkus when given.
fn tenant(
    root: &std::path::Path,
    name: &str,
    users: &[(&str, &str, &[Value])],
    skus: Option<Value>,
) -> String {
    let dir = root.join(name);
    std::fs::create_dir(&dir).expect("mkdir");
    let licenses = json!([{"skuId": E3, "disabledPlans": []}, {"skuId": EMS, "disabledPlans": []}]);
    let members: Vec<Value> = users
        .iter()
        .map(|(id, _, _)| json!({"id": id, "@odata.type": "#microsoft.graph.user"}))
        .collect();
    let users: Vec<Value> = users
        .iter()
        .map(|(id, upn, states)| {
            json!({"id": id, "userPrincipalName": upn, "assignedLicenses": licenses,
                "licenseAssignmentStates": states})
        })
        .collect();
    let groups = json!([{"id": GROUP, "displayName": "LIC-E3", "securityEnabled": true,
        "groupTypes": [], "members": members, "assignedLicenses": licenses}]);
    std::fs::write(dir.join("users.json"), Value::from(users).to_string()).expect("write");
    std::fs::write(dir.join("groups.json"), groups.to_string()).expect("write");
    if let Some(skus) = skus {
        std::fs::write(dir.join("subscribedSkus.json"), skus.to_string()).expect("write");
    }
    dir.to_str().expect("utf-8 path").to_string()
}

/// The new errors of a diff, as (product id, cause).
fn new_errors(old: &str, new: &str) -> Vec<(String, String)> {
    let out = licdiag()
        .args(["diff", old, new, "--format", "json"])
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["new_errors"]
        .as_array()
        .expect("new_errors")
        .iter()
        .map(|e| {
            (
                e["product"]["sku_id"].as_str().unwrap_or("?").to_string(),
                e["cause"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

/// A new Other with no other error of the user's from the group in NEW is what `analyze` rates a
/// warning (the error it stands for is unknown): the default still fails on it, `error` does not.
/// With the error it stands for in NEW (a CountViolation on E3, already in OLD), it is an error.
#[test]
fn diff_rates_a_new_other_by_whether_new_shows_its_blocker() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = snapshot(
        dir.path(),
        "old",
        &[state(E3, "None"), state(EMS, "None")],
        None,
    );
    let alone = snapshot(
        dir.path(),
        "alone",
        &[state(E3, "None"), state(EMS, "Other")],
        None,
    );
    assert_eq!(new_errors(&old, &alone), [(EMS.into(), "Other".into())]);
    assert_codes(
        &["diff", &old, &alone],
        1,
        &[("warning", 1), ("error", 0), ("info", 1), ("never", 0)],
    );

    let old_count = snapshot(
        dir.path(),
        "old-count",
        &[state(E3, "CountViolation"), state(EMS, "None")],
        None,
    );
    let behind_count = snapshot(
        dir.path(),
        "behind-count",
        &[state(E3, "CountViolation"), state(EMS, "Other")],
        None,
    );
    assert_eq!(
        new_errors(&old_count, &behind_count),
        [(EMS.into(), "Other".into())]
    );
    assert_codes(
        &["diff", &old_count, &behind_count],
        1,
        &[("error", 1), ("never", 0)],
    );
}

/// A product whose seats changed and that NEW holds with none left, and a license turned from the
/// group's into a direct one, count only under `--fail-on info`.
#[test]
fn diff_info_counts_products_out_of_seats_and_conversions_to_direct() {
    let dir = tempfile::tempdir().expect("tempdir");
    let skus = |consumed: u64| {
        json!([{"skuId": E3, "skuPartNumber": "ENTERPRISEPACK", "consumedUnits": consumed,
            "prepaidUnits": {"enabled": 10, "suspended": 0, "warning": 0, "lockedOut": 0}}])
    };
    let active = [state(E3, "None"), state(EMS, "None")];
    let old = snapshot(dir.path(), "old", &active, Some(skus(6)));
    let some_left = snapshot(dir.path(), "some-left", &active, Some(skus(9)));
    let none_left = snapshot(dir.path(), "none-left", &active, Some(skus(10)));
    for level in ["info", "warning"] {
        assert_eq!(code(&["diff", &old, &some_left], Some(level)), 0, "{level}");
    }
    assert_codes(
        &["diff", &old, &none_left],
        0,
        &[("error", 0), ("warning", 0), ("info", 1), ("never", 0)],
    );

    // E3 now direct (no assignedByGroup): converted from the group's license
    let mut direct = state(E3, "None");
    direct["assignedByGroup"] = Value::Null;
    let converted = snapshot(dir.path(), "converted", &[direct, state(EMS, "None")], None);
    let old = snapshot(dir.path(), "old-no-skus", &active, None);
    assert_codes(
        &["diff", &old, &converted],
        0,
        &[("warning", 0), ("info", 1), ("never", 0)],
    );
}

/// Products users lost with no error (fixtures/diff/lost-products: seven users each lose one, one
/// error is cleared, nothing new fails) count only under `--fail-on info`.
#[test]
fn diff_info_counts_products_lost_without_an_error() {
    assert_codes(
        &[
            "diff",
            "fixtures/diff/lost-products/old",
            "fixtures/diff/lost-products/new",
        ],
        0,
        &[("error", 0), ("warning", 0), ("info", 1), ("never", 0)],
    );
}

/// An error whose state alone changed (the same cause, review finding): lost to it
/// (`ActiveWithError` -> `Error`) counts only under `--fail-on info`, as a product lost; now held
/// (`Error` -> `ActiveWithError`) never counts: no error is new.
#[test]
fn diff_counts_an_error_state_change_only_when_the_product_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e3_in = |st: &str| {
        let mut s = state(E3, "CountViolation");
        s["state"] = json!(st);
        [s, state(EMS, "None")]
    };
    let failed = snapshot(dir.path(), "failed", &e3_in("Error"), None);
    let held = snapshot(dir.path(), "held", &e3_in("ActiveWithError"), None);
    assert_codes(
        &["diff", &failed, &held],
        0,
        &[("error", 0), ("warning", 0), ("info", 0), ("never", 0)],
    );
    assert_codes(
        &["diff", &held, &failed],
        0,
        &[("error", 0), ("warning", 0), ("info", 1), ("never", 0)],
    );
}

/// A subscription gone Suspended, LockedOut or Deleted with its units as they were (review
/// finding: the status was not compared) counts under `--fail-on info`, as a product with no seat
/// left; one in its grace period (Warning) does not count.
#[test]
fn diff_info_counts_a_lapsed_subscription() {
    let dir = tempfile::tempdir().expect("tempdir");
    let skus = |status: &str| {
        json!([{"skuId": E3, "skuPartNumber": "ENTERPRISEPACK", "consumedUnits": 6,
            "capabilityStatus": status,
            "prepaidUnits": {"enabled": 10, "suspended": 0, "warning": 0, "lockedOut": 0}}])
    };
    let active = [state(E3, "None"), state(EMS, "None")];
    let old = snapshot(dir.path(), "old", &active, Some(skus("Enabled")));
    let grace = snapshot(dir.path(), "warning", &active, Some(skus("Warning")));
    assert_codes(
        &["diff", &old, &grace],
        0,
        &[("error", 0), ("warning", 0), ("info", 0)],
    );
    for status in ["Suspended", "LockedOut", "Deleted"] {
        let lapsed = snapshot(dir.path(), status, &active, Some(skus(status)));
        assert_codes(
            &["diff", &old, &lapsed],
            0,
            &[("error", 0), ("warning", 0), ("info", 1), ("never", 0)],
        );
    }
}

// --------------------------------------------------------------------------------------- plan

use crate::cli_plan::E1_TO_E3;

/// `plan SUB fixtures/plan/SCENARIO ARGS --as-of 2026-10-09`.
fn plan_args(sub: &str, scenario: &str, args: &[&str]) -> Vec<String> {
    let path = fixture(&format!("plan/{scenario}"));
    let mut all: Vec<String> = vec!["plan".into(), sub.into()];
    all.push(path.to_str().expect("utf-8 path").into());
    all.extend(args.iter().map(|a| a.to_string()));
    all.extend(["--as-of".into(), "2026-10-09".into()]);
    all
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn plan_warning_fails_on_a_safe_plan_with_warnings() {
    // no blocker, but members without a usage location / refused for theirs: warnings
    let args = plan_args("change", "change-usage-location", &E1_TO_E3);
    assert_codes(
        &refs(&args),
        0,
        &[("error", 0), ("warning", 1), ("info", 1), ("never", 0)],
    );
    // safe and nothing to warn about: 0 at every level
    let args = plan_args("change", "change-safe", &E1_TO_E3);
    assert_codes(
        &refs(&args),
        0,
        &[("error", 0), ("warning", 0), ("info", 0), ("never", 0)],
    );
}

#[test]
fn plan_never_passes_blockers_in_every_planner() {
    let add_on = [
        "--group",
        "LIC-E3",
        "--sku",
        "3d957427-ecdc-4df2-aacd-01cc9d519da8",
    ];
    for args in [
        plan_args("change", "change-seats", &E1_TO_E3),
        plan_args("migrate", "migrate-not-in-group", &["--group", "LIC-E3"]),
        plan_args(
            "delete-group",
            "delete-group-dependency",
            &["--group", "LIC-E3"],
        ),
        plan_args("add-on", "add-on-seats", &add_on),
    ] {
        assert_codes(
            &refs(&args),
            1,
            &[("error", 1), ("warning", 1), ("info", 1), ("never", 0)],
        );
    }
}

// -------------------------------------------------------------------------------- closed pipe

/// A reader that goes away before anything is written does not change the code `--fail-on`
/// decides (README, "Exit codes"), where that code differs from the default's.
#[cfg(unix)]
#[test]
fn a_closed_pipe_keeps_the_code_fail_on_decides() {
    let usage = plan_args("change", "change-usage-location", &E1_TO_E3);
    let seats = plan_args("change", "change-seats", &E1_TO_E3);
    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["timeline", TENANT, "--fail-on", "never"], 0),
        (
            vec!["timeline", TENANT, "--user", PRIYA, "--fail-on", "error"],
            0,
        ),
        (
            vec!["timeline", TENANT, "--user", ROSA, "--fail-on", "info"],
            1,
        ),
        (vec!["diff", OLD, NEW, "--fail-on", "never"], 0),
        ([&refs(&usage)[..], &["--fail-on", "warning"]].concat(), 1),
        ([&refs(&seats)[..], &["--fail-on", "never"]].concat(), 0),
    ];
    for (args, expected) in runs {
        for format in ["table", "json"] {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_licdiag"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .arg("--no-progress")
                .args(&args)
                .args(["--format", format])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn");
            drop(child.stdout.take()); // the reader goes away before anything is written
            let done = child.wait_with_output().expect("wait");
            assert_eq!(
                done.status.code(),
                Some(expected),
                "{args:?} {format} with a closed pipe: {}",
                String::from_utf8_lossy(&done.stderr)
            );
        }
    }
}

/// The `--help` of a command, its white space collapsed (clap wraps the text).
fn help(args: &[&str]) -> String {
    let out = licdiag().args(args).arg("--help").output().expect("run");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The help texts say what the commands do: a refused direct removal of an inherited license is a
/// warning, as a ConcurrencyException is (README "Error texts", docs/timeline.md "Formats and exit
/// codes"; the levels above show it on the fixtures); `timeline`'s `info` counts a failure closed by
/// the product's removal too; a plan without `--as-of` is checked against the current conflict
/// table (docs/plan.md).
#[test]
fn help_texts_say_what_the_levels_count() {
    for command in ["analyze", "timeline", "diff"] {
        let h = help(&[command]);
        assert!(
            h.contains("ConcurrencyException and InvalidOperationOnGroupInheritedLicenseException"),
            "{command}: {h}"
        );
    }
    for (level, rc) in [("error", 0), ("warning", 1)] {
        assert_eq!(
            code(
                &[
                    "timeline",
                    "fixtures/reference-review/inherited-removal-exception"
                ],
                Some(level)
            ),
            rc
        );
        assert_eq!(
            code(
                &[
                    "analyze",
                    "fixtures/reference-review/inherited-removal-exception"
                ],
                Some(level)
            ),
            rc
        );
    }
    assert!(help(&["timeline"])
        .contains("closed by deleting the user or by removing the product from the group"));
    for sub in ["change", "migrate", "delete-group", "add-on"] {
        let h = help(&["plan", sub]);
        assert!(
            h.contains(
                "without it the plan, for a change made now, is checked against the current table"
            ),
            "{sub}: {h}"
        );
    }
}
