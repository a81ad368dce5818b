//! Reports licensing scripts write that are not Entra exports (licensing.md §4,
//! fixtures/other-reports): ScubaGear's provider export is read for its products' seats; the
//! name lists and counts that cannot be diagnosed from are refused with what they lack and the
//! export to give instead.

use crate::common::{json_of, licdiag};

const DIR: &str = "fixtures/other-reports";

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
fn scubagear_license_information_is_read_as_subscribed_skus() {
    let file = format!("{DIR}/ProviderSettingsExport.json");
    let (code, out, err) = run(&["inspect", &file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("format      graph-subscribed-skus"), "{out}");
    // beside the sample tenant's users and groups, its seats are the ones the diagnosis uses
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["users.json", "groups.json"] {
        std::fs::copy(
            format!("fixtures/sample-tenant/snapshot/{f}"),
            dir.path().join(f),
        )
        .expect("copy");
    }
    std::fs::copy(&file, dir.path().join("ProviderSettingsExport.json")).expect("copy");
    let path = dir.path().to_str().expect("utf-8 path");
    let (v, code) = json_of(&["analyze", path]);
    assert_eq!(code, 1);
    assert_eq!(v["evidence_available"]["snapshot_skus"], 3, "{v:#}");
    let count = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["cause"] == "CountViolation")
        .expect("the seats finding");
    let cap = &count["details"]["capacity"];
    assert_eq!(
        (&cap["enabled"], &cap["consumed"]),
        (&20.into(), &22.into()),
        "{cap:#}"
    );
}

#[test]
fn reports_without_what_a_diagnosis_needs_are_refused_with_what_to_export() {
    for (file, what, instead) in [
        (
            "SkuDataComplete.csv",
            "a list of product names (office365itpros SkuDataComplete.csv)",
            "Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10",
        ),
        (
            "ServicePlanDataComplete.csv",
            "a list of service plan names (office365itpros ServicePlanDataComplete.csv)",
            "Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10",
        ),
        (
            "groups-with-license-errors.csv",
            "the table of groups with license errors",
            "Get-MgUser -All -Property id,userPrincipalName",
        ),
        (
            "license-report-detail.csv",
            "a per-user license report (office365itpros ReportUserAssignedLicenses-MgGraph.PS1's detail)",
            "Get-MgUser -All -Property id,userPrincipalName",
        ),
        (
            "SignInLogs_2026-10-06.csv",
            "the Entra sign-in log",
            "Get-MgAuditLogDirectoryAudit -All",
        ),
        // review 88, item 8: the catalog `--catalog` takes, passed as an input, says so
        (
            "product-catalog.csv",
            "Microsoft's product and service-plan catalog",
            "pass it with `--catalog FILE`",
        ),
    ] {
        let path = format!("{DIR}/{file}");
        let (code, _, err) = run(&["analyze", &path]);
        assert_eq!(code, 2, "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(
            err.starts_with(&format!("licdiag: error: {path}: {what}")),
            "{file}: {err}"
        );
        assert!(err.contains(instead), "{file}: {err}");
    }
    // in a folder beside a snapshot, such a file is passed over with its reason; the rest is read
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        "fixtures/sample-tenant/snapshot/users.json",
        dir.path().join("users.json"),
    )
    .expect("copy");
    std::fs::copy(
        format!("{DIR}/SkuDataComplete.csv"),
        dir.path().join("SkuDataComplete.csv"),
    )
    .expect("copy");
    // and so are the files an evidence folder gathers that no export is written as
    std::fs::write(dir.path().join("Thumbs.db"), [0u8, 0xff, 0xfe, 1]).expect("write");
    std::fs::write(
        dir.path().join("licenses-blade.png"),
        [0x89u8, b'P', b'N', b'G', 0],
    )
    .expect("write");
    std::fs::write(dir.path().join("ticket-4711.eml"), "From: helpdesk\r\n").expect("write");
    let path = dir.path().to_str().expect("utf-8 path");
    let (code, _, err) = run(&["analyze", path]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("SkuDataComplete.csv"), "{err}");
    assert!(err.contains("a list of product names"), "{err}");
    assert!(
        err.contains("not an export (images, documents, mail")
            && err.contains("Thumbs.db")
            && err.contains("licenses-blade.png")
            && err.contains("ticket-4711.eml"),
        "{err}"
    );
    // named on the command line, such a file is still refused (exit 2)
    let png = dir.path().join("licenses-blade.png");
    let (code, _, err) = run(&["analyze", png.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{err}");
}

/// Several inputs that cannot be read are named in the one error, not one per run.
#[test]
fn every_input_that_cannot_be_read_is_named_at_once() {
    let (code, _, err) = run(&[
        "analyze",
        &format!("{DIR}/SkuDataComplete.csv"),
        &format!("{DIR}/ServicePlanDataComplete.csv"),
        &format!("{DIR}/SignInLogs_2026-10-06.csv"),
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("licdiag: error: {DIR}/SkuDataComplete.csv: "))
            && err.contains(&format!(
                "2 more inputs cannot be read either: {DIR}/ServicePlanDataComplete.csv, {DIR}/SignInLogs_2026-10-06.csv"
            )),
        "{err}"
    );
}
