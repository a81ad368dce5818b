//! Inputs a black-box review of PowerShell and legacy exports found misread (fixtures/ps-review,
//! its README): each read as licensing.md says it is, or refused with the export to give instead.

use crate::common::{json_of, licdiag};

const DIR: &str = "fixtures/ps-review";

/// `licdiag ARGS`: (exit code, standard output, standard error).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = licdiag()
        .arg("--no-progress")
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn users_without_license_states_are_refused_not_called_clean() {
    // `Get-MgUser -All` without `-Property` (every unselected property null), a group's members
    // page, a default `GET /users` page: no user has `licenseAssignmentStates` (licensing.md §0.1)
    for (dir, file, n) in [
        ("noprop-ps7", "users.json", "2 users"),
        ("members-page", "LIC-E3-members.json", "2 users"),
        ("default-page", "users.json", "1 user"),
    ] {
        let (code, out, err) = run(&["analyze", &format!("{DIR}/{dir}")]);
        assert_eq!(code, 2, "{dir}: {out}{err}");
        assert!(out.is_empty(), "{dir}: {out}");
        assert!(err.contains(&format!("{dir}/{file}")), "{dir}: {err}");
        assert!(
            err.contains(&format!(
                "{n}, none with `licenseAssignmentStates` or `assignedLicenses`"
            )),
            "{dir}: {err}"
        );
        assert!(
            err.contains("Get-MgUser -All -Property id,")
                && err.contains("licenseAssignmentStates |"),
            "{dir}: the export to give: {err}"
        );
        assert!(err.contains("without `$select`"), "{dir}: {err}");
    }
}

#[test]
fn users_holding_no_license_are_read_as_a_tenant_without_licenses() {
    // the properties selected, as empty arrays: users with no license, not an export without them
    let (v, code) = json_of(&["analyze", &format!("{DIR}/unlicensed")]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["evidence_available"]["snapshot_users"], 2, "{v:#}");
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{v:#}");
}

#[test]
fn windows_powershell_audit_dates_are_read() {
    // `Get-MgAuditLogDirectoryAudit -All | ConvertTo-Json -Depth 10` in Windows PowerShell 5.1:
    // UTF-16 LE, PascalCase, `"ActivityDateTime": "\/Date(1791540313000)\/"` (one written with
    // its `+0000` offset), as the snapshot's states are read
    let (code, out, err) = run(&["inspect", &format!("{DIR}/audit-ps51/audit.json")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("bad timestamp"), "{out}");
    let (v, code) = json_of(&["inspect", &format!("{DIR}/audit-ps51/audit.json")]);
    assert_eq!(code, 0, "{v:#}");
    let input = &v["inputs"][0];
    assert_eq!(input["events"], 3, "{v:#}");
    // 1791363738000 ms: 2026-10-07T09:02:18Z; 1791537327000 ms: 2026-10-09T09:15:27Z
    assert_eq!(input["first"], "2026-10-07T09:02:18Z", "{v:#}");
    assert_eq!(input["last"], "2026-10-09T09:15:27Z", "{v:#}");
}

#[test]
fn a_list_without_products_joins_the_states_it_repeats() {
    // Microsoft's `GroupName,GroupId,UserName,UserId,Error,ErrorSubcode` table and MSOnline's
    // `UserName,UserId,GroupId,LicenseError` beside the users they were written from: each row is
    // the user's state in error from that group, not a second finding without a product
    let alone = |dir: &str| {
        let (v, code) = json_of(&[
            "analyze",
            &format!("{DIR}/list-no-product/{dir}/users.json"),
        ]);
        assert_eq!(code, 1, "{v:#}");
        v
    };
    for dir in ["grouperr", "msoltab"] {
        let want = alone(dir);
        let (v, code) = json_of(&["analyze", &format!("{DIR}/list-no-product/{dir}")]);
        assert_eq!(code, 1, "{dir}: {v:#}");
        let keys = |v: &serde_json::Value| -> Vec<(String, String)> {
            v["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| (f["cause"].to_string(), f["sku"].to_string()))
                .collect()
        };
        assert_eq!(keys(&v), keys(&want), "{dir}: {v:#}");
        assert_eq!(keys(&v).len(), 2, "{dir}: {v:#}");
    }
}

#[test]
fn an_error_list_that_contradicts_the_users_is_a_second_snapshot() {
    // the README's promise: two snapshots that differ are refused, naming both files
    let dir = format!("{DIR}/list-contradicts");
    let (code, out, err) = run(&["analyze", &dir]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!(
            "{dir}/users-with-license-errors.csv: a second snapshot beside {dir}/users.json: "
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "u1@contoso.example has ProhibitedInUsageLocationViolation on POWER_BI_PRO from group \
             LIC-PowerBI here (record 1), CountViolation there (record 1)"
        ),
        "{err}"
    );
    // each alone is read
    for f in ["users.json", "users-with-license-errors.csv"] {
        let (code, out, err) = run(&[
            "analyze",
            &format!("{dir}/{f}"),
            &format!("{dir}/groups.json"),
        ]);
        assert_eq!(code, 1, "{f}: {out}{err}");
    }
}

#[test]
fn an_msonline_error_on_a_held_license_is_active_with_error() {
    // u1 holds ENTERPRISEPACK from LIC-E3 (`Licenses`) with a MutuallyExclusiveViolation for it
    // (`IndirectLicenseErrors`): applied, so ActiveWithError as Graph says (licensing.md §1.1,
    // §11); u2's CountViolation, not held, is Error. diff against the Graph export of the same
    // tenant: no error changed
    let dir = format!("{DIR}/msol-vs-graph");
    let (code, out, err) = run(&["diff", &format!("{dir}/graph"), &format!("{dir}/msol")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("errors: 0 new, 0 cleared, 0 changed;"),
        "{out}"
    );
}

#[test]
fn an_msonline_part_number_the_catalog_lacks_is_found_in_subscribed_skus() {
    // CONTOSO_CUSTOM_ADDON is no product of the built-in catalog: the subscribedSkus beside the
    // export names it (licensing.md §5), so it is that product, not another in lower case
    let dir = format!("{DIR}/msol-vs-graph");
    let (code, out, err) = run(&["diff", &format!("{dir}/graph"), &format!("{dir}/msol")]);
    assert_eq!(code, 0, "{out}{err}");
    let out = without_notes(&out);
    assert!(!out.contains("products held by users"), "{out}");
    assert!(!out.contains("contoso_custom_addon"), "{out}");
    let (code, out, err) = run(&[
        "sql",
        &format!("{dir}/msol"),
        "-q",
        "SELECT sku_id, sku FROM license_states WHERE assigned_by_group = 'LIC-Addon'",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("b7e1c9a4-3f2d-4e8a-9c61-5d0f2a7b8e93,CONTOSO_CUSTOM_ADDON"),
        "{out}"
    );
}

#[test]
fn a_license_list_holds_the_licenses_it_lists_without_errors() {
    // Microsoft's `UserLicenseAssignments` list (licensing.md §4): a row without an error is a
    // license held, `AssignedBy` = User direct, else groups (§11); the conflict and the dependency
    // are then found on what the users hold (§7.1, §7.2)
    let dir = format!("{DIR}/license-list/errors");
    let (code, out, err) = run(&["analyze", &dir]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("snapshot: 3 users"), "{out}");
    assert!(
        out.contains(
            "SHAREPOINTENTERPRISE (SharePoint (Plan 2)) conflicts with SHAREPOINTSTANDARD \
             (SharePoint (Plan 1)) from the direct assignment of STANDARDPACK: grace@contoso.example"
        ),
        "{out}"
    );
    assert!(
        out.contains("tomas@contoso.example: MCOMEETADV (Microsoft 365 Audio Conferencing) needs MCOSTANDARD"),
        "{out}"
    );
    assert!(!out.contains("no conflicting pair was found"), "{out}");
    assert!(!out.contains("not in licdiag's table"), "{out}");
    // the license states table holds the held licenses: grace's STANDARDPACK, tomas's MCOMEETADV,
    // hana's ENTERPRISEPACK from the group and directly; and the list's two errors as Error rows
    // (review 88, item 5: they were left out, while analyze reported them)
    let (code, out, err) = run(&[
        "sql",
        &dir,
        "--query",
        "SELECT state, COUNT(*) AS n FROM license_states GROUP BY state",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "state,n\nActive,4\nError,2\n", "{err}");
}

#[test]
fn the_direct_or_inherited_list_without_errors_is_read_beside_the_users() {
    // the same script's list without `LicenseErrors`: read (was: the folder refused as "no known
    // export"); a user the users export holds is not counted twice, one it does not is read from
    // the list, said in a note
    let dir = format!("{DIR}/license-list/direct-or-inherited");
    let (code, out, err) = run(&["analyze", &dir]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("snapshot: 3 users"), "{out}");
    assert!(
        out.contains("1 user read from a license list without a `LicenseErrors` column"),
        "{out}"
    );
    assert!(out.contains("could not get ENTERPRISEPACK"), "{out}");
}

#[test]
fn a_license_list_that_contradicts_the_users_is_a_second_snapshot() {
    // `Error: None` for a license the users export shows in CountViolation
    let dir = format!("{DIR}/license-list/disagrees");
    let (code, out, err) = run(&["analyze", &dir]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!(
            "{dir}/users-with-license-errors.csv: a second snapshot beside {dir}/users.json: "
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "kai@contoso.example holds ENTERPRISEPACK from group LIC-O365-E3 without an error \
             here (record 1), CountViolation there (record 2)"
        ),
        "{err}"
    );
}

#[test]
fn a_windows_1252_users_export_names_its_encoding_in_every_report() {
    // Windows PowerShell 5.1's `Set-Content` writes ANSI (Windows-1252): tomas's "á" is the first
    // byte that is not UTF-8, past the start the encoding check reads; his record is skipped with
    // the cause and the fix, and every report format says so, not standard error alone
    let dir = format!("{DIR}/ansi-users");
    for format in ["table", "md", "html", "json"] {
        let (code, out, err) = run(&["analyze", "--format", format, &dir]);
        assert_eq!(code, 0, "{format}: {out}{err}");
        for want in [
            "1 record skipped as malformed (first: record 25 (line 530)",
            // (and the apostrophes in HTML)
            "text is not UTF-8 (byte 0xE1), likely Windows-1252",
            "Windows PowerShell 5.1",
            // (the pipe and backquotes are escaped in Markdown)
            "Get-Content users.json ",
            "Set-Content -Encoding utf8 users-utf8.json",
            "-Encoding utf8",
            "license errors are not seen",
        ] {
            assert!(out.contains(want), "{format}: {want}: {out}");
        }
        // said once on standard error
        assert_eq!(
            err.matches("skipped as malformed").count(),
            1,
            "{format}: {err}"
        );
    }
}

#[test]
fn diff_does_not_compare_a_field_one_side_cannot_carry() {
    // MSOnline's `Get-MsolUser` has no Mail property: against a Graph export with mail, every
    // user read as "mail -> none"; the field is said once as not compared, and the proxy
    // addresses both sides carry are still compared
    let dir = format!("{DIR}/msol-mail");
    for format in ["table", "json"] {
        let (code, out, err) = run(&[
            "diff",
            "--format",
            format,
            &format!("{dir}/graph"),
            &format!("{dir}/msol"),
        ]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            !without_notes(&out).contains("u1@contoso.example"),
            "{format}: {out}"
        );
        assert_eq!(
            out.matches("mail: NEW's users export has none for any user")
                .count(),
            1,
            "{format}: {out}"
        );
        assert!(out.contains("Get-MsolUser"), "{format}: {out}");
        assert!(
            out.contains("smtp:u2.alias@contoso.example"),
            "{format}: {out}"
        );
    }
    let (_, out, _) = run(&[
        "diff",
        "--format",
        "json",
        &format!("{dir}/graph"),
        &format!("{dir}/msol"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["summary"]["addresses_changed"], 1, "{v:#}");
    assert!(v["addresses_changed"][0]["mail"].is_null(), "{v:#}");
}

/// A diff report without its input notes (they repeat what each side's reader said of its
/// records, naming the first one): the table's `note:` lines, or the JSON's `notes`.
fn without_notes(out: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(out) {
        Ok(mut v) => {
            if let Some(o) = v.as_object_mut() {
                o.remove("notes");
            }
            v.to_string()
        }
        Err(_) => out
            .lines()
            .filter(|l| !l.starts_with("note: "))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
