//! Inputs a black-box review of the readers found read silently wrong (fixtures/ingest-review, its
//! README): Graph PowerShell audit exports at the default depth or through Export-Csv, failed
//! licensing records that name no one, cut Log Analytics dynamic columns, snapshots of one object
//! at the default depth, users sharing an id, a cut Azure Monitor envelope, values of the wrong
//! JSON type, one snapshot given twice.

use crate::common::{json_of, licdiag};

const DIR: &str = "fixtures/ingest-review";

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

fn at(file: &str) -> String {
    format!("{DIR}/{file}")
}

#[test]
fn audit_exports_at_the_default_depth_are_refused_with_the_fix() {
    for (file, path) in [
        ("mg_default_depth_real.json", "InitiatedBy.User"),
        ("mg_default_depth_single.json", "ModifiedProperties"),
        ("mg_depth_default.json", "ModifiedProperties"),
    ] {
        for strict in [false, true] {
            let mut args = vec!["analyze"];
            if strict {
                args.push("--strict");
            }
            let f = at(file);
            args.push(&f);
            let (code, out, err) = run(&args);
            assert_eq!(code, 2, "{file}: {out}{err}");
            assert!(out.is_empty(), "{file}: {out}");
            assert_eq!(err.lines().count(), 1, "{file}: one line: {err}");
            assert!(err.contains(&f), "{file}: {err}");
            assert!(err.contains("record "), "{file}: {err}");
            assert!(err.contains(path), "{file}: {err}");
            assert!(err.contains("ConvertTo-Json -Depth 10"), "{file}: {err}");
        }
    }
}

#[test]
fn export_csv_of_audit_objects_is_refused_naming_the_cells() {
    for file in ["mg_exportcsv.csv", "mg_exportcsv_type.csv"] {
        let f = at(file);
        let (code, out, err) = run(&["analyze", &f]);
        assert_eq!(code, 2, "{file}: {out}{err}");
        assert!(err.contains(&f), "{file}: {err}");
        assert!(err.contains("IMicrosoftGraph"), "{file}: {err}");
        assert!(err.contains("Export-Csv"), "{file}: {err}");
        assert!(err.contains("ConvertTo-Json -Depth 10"), "{file}: {err}");
    }
}

#[test]
fn failed_records_naming_no_one_are_said_and_fatal_with_strict() {
    for (file, la) in [("la_no_targets.csv", true), ("g_notarget.jsonl", false)] {
        let f = at(file);
        let (v, code) = json_of(&["analyze", &f]);
        assert_eq!(code, 0, "{file}: {v:#}");
        let notes = v.to_string();
        assert!(
            notes.contains("failed licensing record") && notes.contains("no user or group"),
            "{file}: {v:#}"
        );
        assert_eq!(
            notes.contains("project TargetResources"),
            la,
            "{file}: {v:#}"
        );
        let (code, out, err) = run(&["analyze", "--strict", &f]);
        assert_eq!(code, 2, "{file}: {out}{err}");
        assert!(err.contains("no user or group"), "{file}: {err}");
        // the text report says it too
        let (_, out, _) = run(&["analyze", &f]);
        assert!(out.contains("no user or group"), "{file}: {out}");
    }
}

#[test]
fn cut_dynamic_columns_are_malformed_records_naming_the_column() {
    for (file, column) in [
        ("la_badcell.csv", "TargetResources"),
        ("la_badcell.json", "TargetResources"),
        ("la_badinit.json", "InitiatedBy"),
    ] {
        let f = at(file);
        let (code, out, err) = run(&["inspect", &f]);
        assert_eq!(code, 0, "{file}: {out}{err}");
        assert!(out.contains("malformed dynamic column"), "{file}: {out}");
        assert!(out.contains(&format!("`{column}`")), "{file}: {out}");
        let (code, _, err) = run(&["analyze", "--strict", &f]);
        assert_eq!(code, 2, "{file}: {err}");
        assert!(err.contains(column), "{file}: {err}");
    }
    let f = at("la_excel_cut.csv");
    let (_, out, _) = run(&["inspect", &f]);
    assert!(
        out.contains("32767 characters long, Excel's limit"),
        "{out}"
    );
    assert!(out.contains("malformed dynamic column"), "{out}");
}

#[test]
fn a_single_snapshot_object_at_the_default_depth_is_refused() {
    let (code, out, err) = run(&["analyze", &at("snap_depth2_single2")]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("ConvertTo-Json -Depth 10"), "{err}");
    assert!(
        err.contains("AdditionalProperties") || err.contains("disabledPlans"),
        "{err}"
    );
}

#[test]
fn users_sharing_an_id_are_named_by_id_and_both_upns() {
    let (code, _, err) = run(&["inspect", &at("sameid")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("user id "), "{err}");
    assert!(
        err.contains("ana.ruiz@fabrikam.example") && err.contains("bob.li@fabrikam.example"),
        "{err}"
    );
    assert!(err.contains("different UPNs"), "{err}");
}

#[test]
fn a_cut_azure_monitor_envelope_is_named_as_one() {
    let (code, out, err) = run(&["inspect", &at("am_cut.json")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Azure Monitor envelope"), "{out}");
    assert!(out.contains("`records`"), "{out}");
    assert!(out.contains("download the blob again"), "{out}");
    assert!(!out.contains("Graph page"), "{out}");
}

#[test]
fn activity_and_result_of_the_wrong_type_are_malformed() {
    let (code, out, err) = run(&["inspect", &at("wrong-types.jsonl")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("records     5  = events 1"), "{out}");
    assert!(
        out.contains("activity or result of the wrong type"),
        "{out}"
    );
}

#[test]
fn one_snapshot_given_twice_counts_the_copies() {
    let (code, out, err) = run(&["inspect", &at("snapdup")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("repeated user (read from another input too; one copy used)"),
        "{out}"
    );
    assert!(out.contains("skipped 5"), "{out}");
}
