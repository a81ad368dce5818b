//! Inputs a review found the binary failing on (run 54): a long SQL expression overflowed the
//! stack (SIGABRT), a symbolic link loop between two files of a folder stopped the run, a note
//! about a folder's entries was prefixed by another file, and `inspect` claimed malformed records
//! an input did not have. Each case exits with the contract's code and says what it is about.

use crate::common::{fixture, licdiag};
use std::path::{Path, PathBuf};

/// `licdiag ARGS`: (exit code, standard output, standard error).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = licdiag().args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A run ended by a signal (a stack overflow aborts) has no exit code: -1 here.
fn no_signal(code: i32, stderr: &str) {
    assert!(code >= 0, "ended by a signal: {stderr}");
    assert!(!stderr.contains("overflowed its stack"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn snapshot() -> String {
    fixture("robust/snapshot").display().to_string()
}

/// `select 1+1+...+1`, `n` terms.
fn sum_of(n: usize) -> String {
    format!("select {} as s", vec!["1"; n].join("+"))
}

/// `select upn from users where upn = 'a0' or ...`, `n` terms, the last the fixture's user.
fn or_of(n: usize) -> String {
    let mut terms: Vec<String> = (0..n - 1).map(|i| format!("upn = 'a{i}'")).collect();
    terms.push("upn = 'ana@contoso.example'".into());
    format!("select upn from users where {}", terms.join(" or "))
}

/// The reviewer's queries, 200 terms, overflowed the 8 MB main stack of the release binary
/// (polars and sqlparser are built without optimization there): they give their result now.
#[test]
fn sql_with_200_terms_gives_its_result() {
    let s = snapshot();
    let (code, out, err) = run(&["sql", &s, "-q", &sum_of(200), "--format", "csv"]);
    no_signal(code, &err);
    assert_eq!((code, out.trim()), (0, "s\n200"), "{err}");
    let (code, out, err) = run(&["sql", &s, "-q", &or_of(200), "--format", "csv"]);
    no_signal(code, &err);
    assert_eq!((code, out.trim()), (0, "upn\nana@contoso.example"), "{err}");
}

/// Review 88, item 1: `select 'a'||'a'||...` of 200 terms aborted the process ("thread 'polars-0'
/// has overflowed its stack", exit 134): the query thread had a large stack, but polars evaluated
/// the chain on its own pool's threads, whose stack is the system's default. polars' work runs on
/// the query thread now: 200 and 999 terms (the reviewer's queries), in the select list and in
/// WHERE, over a column too, give their result.
#[test]
fn concatenation_chains_run_on_the_query_thread() {
    let s = snapshot();
    for n in [200, 999] {
        let q = format!("SELECT {} AS s", vec!["'a'"; n].join("||"));
        let (code, out, err) = run(&["sql", &s, "-q", &q, "--format", "csv"]);
        no_signal(code, &err);
        assert_eq!(
            (code, out.trim().to_string()),
            (0, format!("s\n{}", "a".repeat(n))),
            "{n} terms: {err}"
        );
    }
    let chain = vec!["upn"; 300].join(" || ");
    let q = format!(
        "SELECT count(*) AS n FROM users WHERE {chain} = {}",
        vec!["'ana@contoso.example'"; 300].join(" || ")
    );
    let (code, out, err) = run(&["sql", &s, "-q", &q, "--format", "csv"]);
    no_signal(code, &err);
    assert_eq!((code, out.trim()), (0, "n\n1"), "{err}");
}

/// The query does not run on the main thread, whose stack the system sizes (8 MB as a rule; the
/// test binary's polars, built with optimization, needs less of it than the release binary's, so
/// the main stack is cut to 1 MB here, where 400 terms overflowed it): chains up to the limit run
/// on the query thread's own stack.
#[test]
fn sql_does_not_depend_on_the_main_stack() {
    let bin = assert_cmd::cargo::cargo_bin("licdiag");
    let s = snapshot();
    for (q, want) in [
        (sum_of(900), "s\n900"),
        (or_of(450), "upn\nana@contoso.example"),
    ] {
        let out = std::process::Command::new("sh")
            .args(["-c", "ulimit -s 1024 && exec \"$0\" \"$@\""])
            .arg(&bin)
            .args(["sql", &s, "-q", &q, "--format", "csv"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap_or(-1);
        no_signal(code, &err);
        assert_eq!(
            (code, String::from_utf8_lossy(&out.stdout).trim()),
            (0, want),
            "{err}"
        );
    }
}

/// A chain longer than the query thread's stack is sure to hold is refused before polars sees
/// it, as one `licdiag: error:` line that says what to write instead; one just under the limit is
/// run.
#[test]
fn sql_past_the_depth_limit_is_one_error_line() {
    let s = snapshot();
    for q in [sum_of(5_000), or_of(5_000), sum_of(50_000)] {
        let (code, out, err) = run(&["sql", &s, "-q", &q]);
        no_signal(code, &err);
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("licdiag: error: SQL: ") && err.contains("IN ("),
            "{err}"
        );
    }
    // refused before the inputs are read: a missing input is not reached
    let (code, _, err) = run(&["sql", "no-such-folder", "-q", &sum_of(5_000)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("1000 licdiag hands to polars"), "{err}");
    // nesting is sqlparser's to limit: its own error, one line
    let q = format!("select {}1{}", "(".repeat(5_000), ")".repeat(5_000));
    let (code, _, err) = run(&["sql", &s, "-q", &q]);
    no_signal(code, &err);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("recursion limit exceeded"), "{err}");
    // deep, but within the limit: run on the query thread's large stack
    let (code, out, err) = run(&["sql", &s, "-q", &sum_of(900), "--format", "csv"]);
    no_signal(code, &err);
    assert_eq!((code, out.trim()), (0, "s\n900"), "{err}");
    // operators inside strings, comments and quoted names are no operators
    let q = format!(
        "select '{}' as \"{}\" -- {}\n from users /* {} */",
        "+".repeat(5_000),
        "-".repeat(3_000),
        "or ".repeat(5_000),
        "and ".repeat(5_000)
    );
    let (code, _, err) = run(&["sql", &s, "-q", &q, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    // a long IN list and many columns are wide, not deep
    let list: Vec<String> = (0..5_000).map(|i| format!("'a{i}'")).collect();
    let q = format!("select upn from users where upn in ({})", list.join(", "));
    let (code, _, err) = run(&["sql", &s, "-q", &q, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let cols: Vec<String> = (0..2_000).map(|i| format!("{i} + 1 as c{i}")).collect();
    let q = format!("select {}", cols.join(", "));
    let (code, _, err) = run(&["sql", &s, "-q", &q, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
}

/// A folder holding the fixture snapshot and whatever `extra` adds to it, in a temporary folder.
fn folder_with(extra: impl FnOnce(&Path)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("export");
    std::fs::create_dir(&d).expect("mkdir");
    for f in ["users.json", "groups.json"] {
        std::fs::copy(fixture("robust/snapshot").join(f), d.join(f)).expect("copy");
    }
    extra(&d);
    (dir, d)
}

/// Two files of a folder linked to each other (`x -> y`, `y -> x`) are passed over and listed, as a
/// link to a folder above is, by every command; a folder of nothing else says so.
#[test]
fn a_link_loop_between_two_files_is_passed_over() {
    let (_dir, d) = folder_with(|d| {
        std::os::unix::fs::symlink("y", d.join("x")).expect("link");
        std::os::unix::fs::symlink("x", d.join("y")).expect("link");
    });
    let p = d.display().to_string();
    let note = format!("{p}: entries passed over: a symbolic link loop");
    let (code, out, err) = run(&["--no-progress", "analyze", &p]);
    no_signal(code, &err);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(&format!("input: {note}")), "{out}");
    assert!(out.contains("(2): x, y"), "{out}");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");
    let (code, out, err) = run(&["--no-progress", "inspect", &p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&note), "{out}");
    let (code, _, err) = run(&["--no-progress", "diff", &p, &snapshot()]);
    assert!(matches!(code, 0 | 1), "{err}");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");
    let (code, _, err) = run(&["--no-progress", "timeline", &p]);
    assert!(matches!(code, 0 | 1), "{err}");
    // named on the command line, such a link is refused, saying what it is
    let x = d.join("x").display().to_string();
    let (code, _, err) = run(&["--no-progress", "analyze", &x]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        format!("licdiag: error: {x}: a symbolic link loop (links leading to each other, to no file); expected a file or a folder: point the link at the export")
    );

    // a link to itself, and a folder of nothing but a loop
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("a", dir.path().join("a")).expect("link");
    let (code, _, err) = run(&[
        "--no-progress",
        "analyze",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("no files; 1 entry passed over in") && err.contains("to no file) (1): a"),
        "{err}"
    );
}

/// A note about what a folder passed over is said of that folder, not of a file read from it or
/// from another input: `FOLDER: 1 entry passed over: ...`.
#[test]
fn a_folder_note_is_prefixed_by_its_folder() {
    // a PowerShell export of nothing beside a file that is read
    let f = "fixtures/robust/empty-users";
    let want = format!("{f}: 1 entry passed over: holds no record");
    let (code, out, err) = run(&["--no-progress", "analyze", f]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("\ninput: {want}")), "{out}");
    assert!(err.contains(&format!("licdiag: note: {want}")), "{err}");
    assert!(!out.contains("groups.json: 1 entry"), "{out}");
    assert!(!err.contains("groups.json: 1 entry"), "{err}");
    for format in ["md", "html"] {
        let (_, out, _) = run(&["--no-progress", "analyze", f, "--format", format]);
        assert!(out.contains(&want), "{format}: {out}");
        assert!(!out.contains("groups.json: 1 entry"), "{format}: {out}");
    }
    let (_, out, _) = run(&["--no-progress", "timeline", f]);
    assert!(out.contains(&want), "{out}");
    // JSON: the note names its folder itself
    let (_, out, _) = run(&["--no-progress", "analyze", f, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let notes: Vec<&str> = v["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .flat_map(|i| i["notes"].as_array().into_iter().flatten())
        .filter_map(|n| n.as_str())
        .collect();
    assert!(notes.iter().any(|n| n.starts_with(&want)), "{notes:?}");

    // a link to nothing beside the snapshot
    let (_dir, d) = folder_with(|d| {
        std::os::unix::fs::symlink("/nonexistent-licdiag", d.join("gone")).expect("link");
    });
    let p = d.display().to_string();
    let want = format!("{p}: 1 entry passed over: a symbolic link to nothing (1): gone");
    let (code, out, err) = run(&["--no-progress", "analyze", &p]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(&format!("\ninput: {want}")), "{out}");
    assert!(err.contains(&format!("licdiag: note: {want}")), "{err}");

    // a folder holding only a FIFO, beside another input: not said of the other input's file
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo_dir = dir.path().join("fifo");
    std::fs::create_dir(&fifo_dir).expect("mkdir");
    let made = std::process::Command::new("mkfifo")
        .arg(fifo_dir.join("users.json"))
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let p = fifo_dir.display().to_string();
        let s = snapshot();
        let (code, _, err) = run(&[
            "--no-progress",
            "plan",
            "migrate",
            &p,
            &s,
            "--group",
            "LIC-E3",
        ]);
        no_signal(code, &err);
        let want = format!(
            "licdiag: note: {p}: 1 entry passed over: not a regular file (a FIFO, device or socket) (1): users.json"
        );
        assert!(err.contains(&want), "{err}");
        assert!(!err.contains("groups.json: 1 entry"), "{err}");
    }
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

/// A storage blob cut inside its first record (`robust/cut-gzip/PT1H.json.gz`: the first 700
/// bytes of a 1,887-byte gzip blob whose one line is its record): the part line the stream ends in
/// is dropped as a cut record, and nothing was left before it. It was "an empty file" named on the
/// command line, and in a folder passed over as holding no record (its cut record never said).
/// Now it is refused as a plain file cut inside its first record is, with the cut and the fix,
/// wherever it was found.
#[test]
fn a_gzip_blob_cut_inside_its_first_record_is_refused_with_the_cut_not_called_empty() {
    let blob = fixture("robust/cut-gzip/PT1H.json.gz")
        .display()
        .to_string();
    let folder = fixture("robust/cut-gzip").display().to_string();
    let snap = snapshot();
    for args in [
        vec!["inspect", blob.as_str()],
        vec!["analyze", snap.as_str(), folder.as_str()],
        vec!["timeline", folder.as_str()],
    ] {
        let (code, _, err) = run(&args);
        no_signal(code, &err);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("PT1H.json.gz: a gzip stream that ends early")
                && err.contains("inside its first record")
                && err.contains("download or copy the .gz file again"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("an empty file"), "{args:?}: {err}");
        assert!(!err.contains("holds no record"), "{args:?}: {err}");
    }
}

/// A gzip stream followed by NUL padding, or by bytes that are no gzip data, was read whole and
/// yet reported cut short ("whatever followed is missing"), and `--strict` exited 2. `gzip -t`
/// accepts the padding silently and says "trailing garbage ignored" of the rest: the padding is
/// nothing here, the rest a note; neither is a cut. Members written one after another
/// (`cat a.gz b.gz`) are all read.
#[test]
fn bytes_after_a_whole_gzip_stream_are_no_cut() {
    let dir = fixture("robust/gzip-trailing");
    for (file, note) in [("trailnul.jsonl.gz", false), ("trail.jsonl.gz", true)] {
        let f = dir.join(file).display().to_string();
        let (code, out, err) = run(&["inspect", &f, "--format", "json"]);
        assert_eq!(code, 0, "{file}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let i = &v["inputs"][0];
        assert_eq!(
            (i["records"].as_u64(), i["events"].as_u64()),
            (Some(13), Some(13)),
            "{file}: {i}"
        );
        assert!(i.get("gzip_cut").is_none_or(|c| c.is_null()), "{file}: {i}");
        let notes = i["notes"].to_string();
        assert_eq!(
            notes.contains("8 bytes after the end of the gzip stream were ignored"),
            note,
            "{file}: {notes}"
        );
        // the stream is whole: --strict runs (exit 1: the records hold license errors)
        let (code, _, err) = run(&["analyze", "--strict", &f]);
        assert_eq!(code, 1, "{file}: {err}");
    }
    // two members one after another, then NUL padding: both members read
    let bytes = std::fs::read(dir.join("trailnul.jsonl.gz")).expect("fixture");
    let member = &bytes[..bytes.len() - 8];
    let tmp = tempfile::tempdir().expect("temp dir");
    let twice = tmp.path().join("twice.jsonl.gz");
    std::fs::write(&twice, [member, member, &[0u8; 8][..]].concat()).expect("write");
    let (code, out, err) = run(&["inspect", twice.to_str().expect("path"), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["inputs"][0]["records"].as_u64(), Some(26), "{out}");
}

/// Records that share an id but name other users (a hand-made or damaged file) are not copies of
/// one record: every failure is kept, and no "repeated record" is counted. Copies that agree (the
/// same file given twice) are still counted once.
#[test]
fn records_sharing_an_id_with_other_targets_are_not_copies() {
    let page: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("formats/graph-page.json")).expect("fixture"),
    )
    .expect("json");
    let mut same_id = page.clone();
    let mut renamed = 0;
    for r in same_id["value"].as_array_mut().expect("value") {
        if r["activityDisplayName"] == "Change user license" && r["result"] == "failure" {
            r["id"] = "Directory_shared-id".into();
            renamed += 1;
        }
    }
    assert!(renamed >= 2, "the fixture has {renamed} failures");
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&a, page.to_string()).expect("write");
    std::fs::write(&b, same_id.to_string()).expect("write");
    let summary = |paths: &[&Path]| {
        let mut args = vec!["analyze"];
        args.extend(paths.iter().map(|p| p.to_str().expect("utf-8")));
        args.extend(["--as-of", "2026-10-09T12:00:00Z"]);
        let (v, _) = crate::common::json_of(&args);
        let events = v["evidence_available"]["audit_events"].clone();
        let mut summary = v["summary"].clone();
        summary["audit_events"] = events;
        let repeated: u64 = v["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .flat_map(|i| i["skipped"].as_object().cloned().unwrap_or_default())
            .filter(|(why, _)| why.starts_with("repeated record"))
            .filter_map(|(_, n)| n.as_u64())
            .sum();
        (summary, repeated)
    };
    let (whole, none) = summary(&[&a]);
    assert_eq!(none, 0);
    let (shared, repeated) = summary(&[&b]);
    assert_eq!(repeated, 0, "no copy dropped");
    assert_eq!(shared, whole);
    // the same file twice: every record of the second counted as a copy
    let b2 = dir.path().join("b2.json");
    std::fs::copy(&b, &b2).expect("copy");
    let (twice, copies) = summary(&[&b, &b2]);
    assert_eq!(twice, whole);
    // (every event of the second file; a sequence chunk merged after counts as one event)
    assert!(
        copies >= whole["audit_events"].as_u64().expect("events"),
        "{copies}"
    );
    // the same id and the same second, in one file (where copies are dropped as it is read)
    let mut same_time = same_id.clone();
    for r in same_time["value"].as_array_mut().expect("value") {
        if r["id"] == "Directory_shared-id" {
            r["activityDateTime"] = "2026-10-07T11:00:00Z".into();
        }
    }
    let c = dir.path().join("c.json");
    std::fs::write(&c, same_time.to_string()).expect("write");
    let (at_once, repeated) = summary(&[&c]);
    assert_eq!(repeated, 0, "no copy dropped");
    // (the times moved change some findings, not what is read)
    assert_eq!(at_once["audit_events"], whole["audit_events"]);
}
