//! Inputs a review found the binary failing on (run 54): a long SQL expression overflowed the
//! stack (SIGABRT), a symbolic link loop between two files of a folder stopped the run, a note
//! about a folder's entries was prefixed by another file, and `inspect` claimed malformed records
//! an input did not have. Each case exits with the contract's code and says what it is about.

use crate::common::licdiag;

/// `licdiag ARGS`: (exit code, standard output, standard error).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = licdiag().args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A user repeated in a file (same id, same license errors) is skipped as a repeat, not as a
/// malformed record: `inspect` lists no malformed record, as its JSON says none.
#[test]
fn inspect_counts_only_malformed_records_as_malformed() {
    let f = "fixtures/robust/repeated-user";
    let (code, out, err) = run(&["--no-progress", "inspect", f]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1  repeated user"), "{out}");
    assert!(!out.contains("malformed"), "{out}");
    assert!(!out.contains("problem"), "{out}");
    // a malformed record is still listed, and one past the listed ones counted
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lines: Vec<String> = Vec::new();
    for i in 0..25 {
        lines.push(format!("{{\"id\": \"broken {i}\""));
    }
    let p = dir.path().join("audit.jsonl");
    let good = r#"{"id":"x1","category":"UserManagement","activityDisplayName":"Add member to group","activityDateTime":"2026-10-06T08:00:00Z","result":"success","targetResources":[]}"#;
    std::fs::write(&p, format!("{good}\n{}\n", lines.join("\n"))).expect("write");
    let (code, out, err) = run(&["--no-progress", "inspect", &p.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("problem     ... and 5 more malformed records"),
        "{out}"
    );
}
