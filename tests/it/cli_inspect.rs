//! `licdiag inspect` through the binary: the JSON document, stdin, malformed inputs (skipped with a
//! reason and a line, or exit 2 naming the file), `--strict`.

use crate::common::{fixture, json_of, licdiag};
use predicates::prelude::*;

#[test]
fn json_document_has_the_documented_shape() {
    let (v, code) = json_of(&["inspect", "fixtures/sample-tenant"]);
    assert_eq!(code, 0);
    let inputs = v["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 5);
    for i in inputs {
        for k in [
            "path",
            "format",
            "records",
            "events",
            "skipped",
            "first",
            "last",
            "licensing",
        ] {
            assert!(i.get(k).is_some(), "missing {k} in {i}");
        }
        let skipped: u64 = i["skipped"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(
            i["records"].as_u64().unwrap(),
            i["events"].as_u64().unwrap() + i["snapshot_records"].as_u64().unwrap() + skipped
        );
    }
    assert_eq!(v["schema_version"], "1");
    assert!(
        v["totals"]["licensing"]["Change user license"]
            .as_u64()
            .unwrap()
            > 10
    );
}

#[test]
fn table_output_names_formats_and_ranges() {
    licdiag()
        .args(["inspect", "fixtures/audit/eventhub-capture.jsonl"])
        .assert()
        .success()
        .stdout(predicate::str::contains("azure-monitor"))
        .stdout(predicate::str::contains("time range  2026-10-"));
}

#[test]
fn reads_standard_input() {
    let data = std::fs::read(fixture("audit/graph-objects.jsonl")).unwrap();
    let (v, code) = {
        let out = licdiag()
            .args(["inspect", "-", "--format", "json"])
            .write_stdin(data)
            .output()
            .unwrap();
        (
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
            out.status.code(),
        )
    };
    assert_eq!(code, Some(0));
    assert_eq!(v["inputs"][0]["path"], "<stdin>");
    assert_eq!(v["inputs"][0]["records"], 13);
}

#[test]
fn malformed_inputs_behave_as_documented() {
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("expected/malformed-manifest.json")).unwrap(),
    )
    .unwrap();
    for m in manifest.as_array().unwrap() {
        let file = format!("fixtures/{}", m["file"].as_str().unwrap());
        let out = licdiag()
            .args(["inspect", &file, "--format", "json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if m["records"].is_null() {
            assert_eq!(out.status.code(), Some(2), "{file}: exit 2 expected");
            assert!(
                stderr.contains(&file),
                "{file}: message names the file: {stderr}"
            );
            assert_eq!(
                stderr.trim().lines().count(),
                1,
                "{file}: one line: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{file}");
        } else {
            assert_eq!(out.status.code(), Some(0), "{file}: {stderr}");
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let i = &v["inputs"][0];
            assert_eq!(i["events"], m["records"], "{file}: kept");
            // a cut gzip stream is never a clean read
            if file.ends_with(".gz") {
                assert!(
                    i["gzip_cut"]["after_bytes"].as_u64().is_some(),
                    "{file}: {i}"
                );
            }
            let skipped: u64 = i["skipped"]
                .as_object()
                .unwrap()
                .values()
                .map(|n| n.as_u64().unwrap())
                .sum();
            assert_eq!(Some(skipped), m["skipped"].as_u64(), "{file}: skipped");
            if skipped == 0 {
                continue; // an input read whole (an empty envelope)
            }
            let issue = &i["issues"][0];
            assert!(
                issue["record"].as_u64().unwrap() >= 1,
                "{file}: record number"
            );
            assert!(issue["line"].as_u64().unwrap() >= 1, "{file}: line number");
            assert!(!issue["reason"].as_str().unwrap().is_empty());
        }
    }
}

#[test]
fn malformed_record_is_reported_with_its_line() {
    licdiag()
        .args(["inspect", "fixtures/malformed/bad-timestamp.json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("record 2 (line"))
        .stdout(predicate::str::contains("bad timestamp"))
        .stdout(predicate::str::contains("2026-13-45T99:00:00Z"));
}

/// Every command but `inspect` (whose report lists them) says on standard error how many
/// records it skipped as malformed: its report has no place for them.
#[test]
fn other_commands_note_malformed_records_on_stderr() {
    let note =
        "bad-timestamp.json: 1 malformed record skipped (first: record 2 (line 55): bad timestamp)";
    let out = std::env::temp_dir().join(format!("licdiag-note-{}", std::process::id()));
    let out = out.to_str().unwrap();
    for args in [
        &[
            "analyze",
            "fixtures/malformed/bad-timestamp.json",
            "--fail-on",
            "never",
        ][..],
        &["timeline", "fixtures/malformed/bad-timestamp.json"],
        &[
            "export",
            "fixtures/malformed/bad-timestamp.json",
            "--format",
            "csv",
            "--out",
            out,
        ],
        &[
            "sql",
            "fixtures/malformed/bad-timestamp.json",
            "-q",
            "SELECT count(*) AS n FROM events",
        ],
    ] {
        licdiag()
            .args(args)
            .assert()
            .success()
            .stderr(predicate::str::contains(note));
    }
    let _ = std::fs::remove_dir_all(out);
    licdiag()
        .args(["inspect", "fixtures/malformed/bad-timestamp.json"])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn strict_makes_a_malformed_record_fatal() {
    licdiag()
        .args([
            "inspect",
            "--strict",
            "fixtures/malformed/truncated-array.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("truncated-array.json: record 4"));
    licdiag()
        .args([
            "inspect",
            "--strict",
            "fixtures/audit/ual-mixed-workloads.jsonl",
        ])
        .assert()
        .success(); // out-of-scope records are not malformed
}

#[test]
fn missing_file_and_depth_truncated_export() {
    licdiag()
        .args(["inspect", "fixtures/nope.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fixtures/nope.json: no such file"));
    licdiag()
        .args(["inspect", "fixtures/snapshot/users-ps-depth-truncated.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ConvertTo-Json -Depth 10"));
}

#[test]
fn broken_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("licdiag");
    let mut child = Command::new(bin)
        .args([
            "inspect",
            "fixtures/formats",
            "fixtures/audit",
            "fixtures/sample-tenant",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // stdout closed here
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        status.code() == Some(0) || status.code().is_none(),
        "{status:?} {err}"
    );
}

/// Snapshot CSVs hold rows as wide as their header, as the audit exports do: a license-errors row
/// cut inside a quoted cell (the quote left open joins it to the next line, which is read again on
/// its own) and a membership row
/// with extra cells are skipped with their line, not read by position into the wrong columns.
#[test]
fn snapshot_csv_rows_not_as_wide_as_the_header_are_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(fixture("snapshot/users-with-license-errors.csv"))
        .expect("fixture");
    let rows: Vec<&str> = text.lines().collect();
    // line 28: cut after its fourth cell's first 14 characters, the quote left open
    let cut_at = rows[27].match_indices(',').nth(2).expect("cells").0 + 15;
    let mut cut: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    cut[27].truncate(cut_at);
    let errors = dir.path().join("errors-cut.csv");
    std::fs::write(&errors, cut.join("\n") + "\n").expect("write");
    let (v, code) = json_of(&["inspect", errors.to_str().expect("path")]);
    assert_eq!(code, 0);
    let i = &v["inputs"][0];
    assert_eq!(i["format"], "license-errors-csv");
    assert_eq!(i["skipped"]["malformed CSV row"], 1, "{i}");
    // the cut line is skipped and the next one read again on its own: every row counted
    assert_eq!(
        i["records"].as_u64(),
        Some(rows.len() as u64 - 1),
        "every row read or counted: {i}"
    );
    assert_eq!(i["snapshot_records"].as_u64(), Some(rows.len() as u64 - 2));
    let detail = i["issues"][0]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("lines 28-29 are read as one row"),
        "{detail}"
    );
    let members = dir.path().join("membership.csv");
    std::fs::write(
        &members,
        "GroupId,UserId\nc3ef798d-70e7-5535-9156-8a8f67e593c1,a86f75a9-12f6-5acf-99d5-8e22e7da112e\nc3ef798d-70e7-5535-9156-8a8f67e593c1,d3ae09d2-e70a-56e1-b8df-781cf423b289,x\n",
    )
    .expect("write");
    licdiag()
        .args(["inspect", members.to_str().expect("path")])
        .assert()
        .success()
        .stdout(predicate::str::contains("record 2 (line 3)"))
        .stdout(predicate::str::contains(
            "expected 2 fields like the header (membership-csv), found 3",
        ));
}

/// Files joined with `cat`, each written with a byte-order mark (a mark in mid-file where a record
/// or an array starts), and a cut export with a complete one joined after it: every record is
/// read or counted, and alike on every path (mapped, `--no-mmap`, standard input, one thread).
#[test]
fn joined_files_read_alike_on_every_path() {
    // (file, events, skipped)
    for (file, events, skipped) in [
        ("audit/graph-objects-bom-each.json", 10, 0),
        ("audit/graph-objects-bom-every-line.jsonl", 13, 0),
        ("audit/extractor-suite-bom-every-array.json", 12, 0),
        ("malformed/truncated-then-array.json", 9, 1),
        ("malformed/stray-lines.jsonl", 6, 4),
        ("malformed/nul-early.jsonl", 5, 1),
        ("malformed/portal-nul-early.csv", 4, 0),
    ] {
        let path = format!("fixtures/{file}");
        let inspect = |global: &[&str], stdin: bool| {
            let mut cmd = licdiag();
            cmd.args(global).args(["inspect", "--format", "json"]);
            if stdin {
                cmd.arg("-")
                    .write_stdin(std::fs::read(fixture(file)).unwrap());
            } else {
                cmd.arg(&path);
            }
            let out = cmd.output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{file} {global:?}");
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let i = &v["inputs"][0];
            (
                i["records"].clone(),
                i["events"].clone(),
                i["skipped"].clone(),
                i["issues"].clone(),
            )
        };
        let mapped = inspect(&[], false);
        assert_eq!(mapped.1, events, "{file}: events");
        assert_eq!(mapped.0, events + skipped, "{file}: records");
        for (global, stdin) in [
            (&["--no-mmap"][..], false),
            (&[][..], true),
            (&["--threads", "1"][..], false),
        ] {
            assert_eq!(
                inspect(global, stdin),
                mapped,
                "{file} {global:?} stdin {stdin}"
            );
        }
    }
}

/// JSON Lines: a line that holds no record (`,,,`) or leaves an array open (`[[[`, `[` then a
/// whole record) is counted on its own line; the record on an open array's line is still read, and
/// a whole empty array (`[]`) holds nothing to count.
#[test]
fn stray_json_lines_are_counted_on_their_lines() {
    let (v, code) = json_of(&["inspect", "fixtures/malformed/stray-lines.jsonl"]);
    assert_eq!(code, 0);
    let i = &v["inputs"][0];
    assert_eq!(i["skipped"]["not a JSON object"], 1, "{i}");
    assert_eq!(i["skipped"]["malformed JSON"], 3, "{i}");
    let lines: Vec<u64> = i["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 4, 6, 7], "{i}");
    let open = &i["issues"][2];
    assert!(
        open["detail"]
            .as_str()
            .unwrap()
            .contains("not closed on it (the records whole in it are read)"),
        "{open}"
    );
}

/// The cut record is counted with the lines read as its part, and the records after the damage
/// are read: the second array's first record starts on the line after the cut.
#[test]
fn a_cut_record_names_its_lines_and_the_next_array_is_read() {
    let (v, code) = json_of(&["inspect", "fixtures/malformed/truncated-then-array.json"]);
    assert_eq!(code, 0);
    let i = &v["inputs"][0];
    assert_eq!(i["skipped"]["truncated record"], 1);
    let issue = &i["issues"][0];
    assert_eq!(issue["record"], 4);
    assert!(
        issue["detail"]
            .as_str()
            .unwrap()
            .ends_with(&format!("lines {}-188 are read as its part", issue["line"])),
        "{issue}"
    );
}

/// An Event Hub message or blob with no records is an Azure Monitor audit log of none, as an empty
/// Graph page is a Graph one; a page that says nothing of what it would hold is still refused.
#[test]
fn an_empty_envelope_is_an_empty_audit_log() {
    let (v, code) = json_of(&["inspect", "fixtures/malformed/empty-eventhub-message.json"]);
    assert_eq!(code, 0);
    let i = &v["inputs"][0];
    assert_eq!(i["format"], "azure-monitor");
    assert_eq!(
        (i["records"].as_u64(), i["events"].as_u64()),
        (Some(0), Some(0))
    );
    licdiag()
        .args(["inspect", "fixtures/malformed/empty-page-no-context.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a page with no records"));
}

/// The Export-Clixml hint is for a file that starts as one: a text that only mentions `<Objs`
/// (the fixtures' own README) is not told to be Clixml, and a Clixml export still is.
#[test]
fn only_a_file_that_starts_as_clixml_is_called_clixml() {
    let out = licdiag()
        .args(["analyze", "fixtures/malformed/README.md"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("neither JSON nor CSV"), "{stderr}");
    assert!(!stderr.contains("Clixml"), "{stderr}");
    let out = licdiag()
        .args(["analyze", "fixtures/malformed/users-clixml.xml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("this is PowerShell's Export-Clixml"),
        "{stderr}"
    );
}
