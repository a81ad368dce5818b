//! A tenant written by `licdiag-gen` (200 users, 5,000 audit records in each of the six export
//! formats) goes through the binary: `licdiag inspect` reads every record of every file and skips
//! none, and `licdiag analyze` on the snapshot plus any one audit file recovers `truth.json` exactly:
//! the same (cause, user, product, group, status) entries for every cause, nothing more.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const GEN: &str = env!("CARGO_BIN_EXE_licdiag-gen");
const LICDIAG: &str = env!("CARGO_BIN_EXE_licdiag");

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().expect("run binary")
}

/// `licdiag GLOBAL... COMMAND INPUT... MORE...`.
fn licdiag(global: &[&str], command: &str, inputs: &[&Path], more: &[&str]) -> Output {
    let mut args = global.to_vec();
    args.push(command);
    args.extend(inputs.iter().map(|p| p.to_str().expect("utf-8 path")));
    args.extend_from_slice(more);
    run(LICDIAG, &args)
}

/// `licdiag GLOBAL... analyze INPUT... --format json --as-of AS_OF MORE...`.
fn analyze_json(global: &[&str], inputs: &[&Path], as_of: &str, more: &[&str]) -> Output {
    let mut args = vec!["--format", "json", "--as-of", as_of];
    args.extend_from_slice(more);
    licdiag(global, "analyze", inputs, &args)
}

fn gen(dir: &Path, extra: &[&str]) -> Output {
    let d = dir.to_str().expect("utf-8 path");
    let mut args = vec!["--out", d, "--quiet"];
    args.extend_from_slice(extra);
    run(GEN, &args)
}

/// The shared tenant, generated once per test run.
fn tenant() -> &'static (PathBuf, Value) {
    static T: OnceLock<(PathBuf, Value)> = OnceLock::new();
    T.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generated-tenant");
        let _ = std::fs::remove_dir_all(&dir);
        let out = gen(
            &dir,
            &["--users", "200", "--events", "5000", "--seed", "11"],
        );
        assert!(
            out.status.success(),
            "licdiag-gen failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let truth: Value =
            serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth.json"))
                .expect("truth json");
        (dir, truth)
    })
}

/// The sum of a JSON object's counts (`skipped`, `licensing`).
fn total(counts: &Value) -> u64 {
    let counts = counts.as_object().expect("an object of counts");
    counts.values().map(|n| n.as_u64().expect("a count")).sum()
}

fn json_stdout(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn inspect_reads_every_generated_record() {
    let (dir, truth) = tenant();
    let snap = dir.join("snapshot");
    let audit = dir.join("audit");
    let out = run(
        LICDIAG,
        &[
            "inspect",
            snap.to_str().unwrap(),
            audit.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_stdout(&out);
    let files = truth["files"].as_object().unwrap();
    let inputs = v["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), files.len(), "one input per generated file");
    for (rel, want) in files {
        let input = inputs
            .iter()
            .find(|i| {
                i["path"]
                    .as_str()
                    .unwrap()
                    .replace('\\', "/")
                    .ends_with(rel.as_str())
            })
            .unwrap_or_else(|| panic!("inspect did not report {rel}"));
        assert_eq!(input["records"], want["records"], "{rel}: records");
        // every format holds the same records: read together, the copies of a record with the
        // same id are repeats, and so are the admin center's CSV rows (no id) of records another
        // format holds, by correlation id, activity, target and second (the Purview exports' ids
        // are the unified audit log's, another set of ids, and they are not matched otherwise);
        // nothing else is skipped
        let repeated: u64 = [
            licdiag::ingest::REPEATED_RECORD,
            licdiag::ingest::REPEATED_EVENT,
        ]
        .iter()
        .filter_map(|r| input["skipped"][*r].as_u64())
        .sum();
        let skipped = total(&input["skipped"]);
        assert_eq!(skipped, repeated, "{rel}: skipped {}", input["skipped"]);
        assert!(
            input["issues"].as_array().unwrap().is_empty(),
            "{rel}: {}",
            input["issues"]
        );
        if let Some(lic) = want.get("licensing_records") {
            assert_eq!(
                input["events"].as_u64().map(|n| n + repeated),
                want["records"].as_u64(),
                "{rel}: every audit record is an event or a repeat"
            );
            // read alone, every licensing record is counted (read together, only the first copy)
            let alone = run(
                LICDIAG,
                &[
                    "inspect",
                    dir.join(rel).to_str().unwrap(),
                    "--format",
                    "json",
                ],
            );
            let alone = &json_stdout(&alone)["inputs"][0];
            assert_eq!(
                Some(total(&alone["licensing"])),
                lic.as_u64(),
                "{rel}: licensing records"
            );
            assert_eq!(
                alone["events"], want["records"],
                "{rel}: alone, every audit record is an event"
            );
        } else {
            assert_eq!(
                input["snapshot_records"], want["records"],
                "{rel}: snapshot records"
            );
        }
    }
}

type Entry = (String, Option<String>, String, String, String);

fn truth_entries(truth: &Value) -> BTreeSet<Entry> {
    let mut out = BTreeSet::new();
    for (cause, entries) in truth["causes"].as_object().unwrap() {
        for e in entries.as_array().unwrap() {
            out.insert((
                cause.clone(),
                e["user_id"].as_str().map(str::to_string),
                e["sku_part_number"].as_str().unwrap().to_string(),
                e["group_id"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// (cause, user id, sku, group id, status) per affected user; group-level findings (no users)
/// give one entry without a user.
fn finding_entries(v: &Value) -> BTreeSet<Entry> {
    let mut out = BTreeSet::new();
    for f in v["findings"].as_array().expect("findings") {
        let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
        let users = f["users"].as_array().unwrap();
        if users.is_empty() {
            out.insert((s("cause"), None, s("sku"), s("group_id"), s("status")));
        }
        for u in users {
            out.insert((
                s("cause"),
                u["id"].as_str().map(str::to_string),
                s("sku"),
                s("group_id"),
                u["status"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    out
}

#[test]
fn analyze_recovers_the_truth_from_every_format() {
    let (dir, truth) = tenant();
    let want = truth_entries(truth);
    let causes: BTreeSet<&str> = want.iter().map(|e| e.0.as_str()).collect();
    for c in [
        "CountViolation",
        "MutuallyExclusiveViolation",
        "DependencyViolation",
        "ProhibitedInUsageLocationViolation",
        "UniquenessViolation",
        "Other",
        "LicenseAssignmentAttributeConcurrencyException",
        "MissingPrerequisite",
        "LicenseServiceUnavailableViolation",
    ] {
        assert!(causes.contains(c), "truth.json has no {c} entry");
    }
    let as_of = truth["snapshot_time"].as_str().unwrap();
    let snap = dir.join("snapshot");
    for (rel, f) in truth["files"].as_object().unwrap() {
        if f.get("format").is_none() {
            continue;
        }
        let out = analyze_json(&[], &[&snap, &dir.join(rel)], as_of, &[]);
        // exit 1: findings at error severity (the default --fail-on)
        assert_eq!(
            out.status.code(),
            Some(1),
            "{rel}: stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = finding_entries(&json_stdout(&out));
        let missing: Vec<_> = want.difference(&got).collect();
        let extra: Vec<_> = got.difference(&want).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{rel}: missing {missing:#?}\nextra {extra:#?}"
        );
    }
}

#[test]
fn same_seed_same_bytes_and_bad_arguments_exit_2() {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generated-determinism");
    let _ = std::fs::remove_dir_all(&base);
    let args = [
        "--users",
        "60",
        "--events",
        "800",
        "--formats",
        "graph-jsonl,purview-csv",
    ];
    let read = |d: &str| {
        let dir = base.join(d);
        let mut a = args.to_vec();
        let seed = if d == "c" { "2" } else { "1" };
        a.extend_from_slice(&["--seed", seed]);
        let out = gen(&dir, &a);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            std::fs::read(dir.join("audit/audit-graph.jsonl")).unwrap(),
            std::fs::read(dir.join("snapshot/users.json")).unwrap(),
        )
    };
    let (a, b, c) = (read("a"), read("b"), read("c"));
    assert!(a == b, "the same seed must write the same bytes");
    assert!(
        a.0 != c.0 && a.1 != c.1,
        "another seed must write another tenant"
    );
    assert!(
        !base.join("a/audit/audit-portal.csv").exists(),
        "only the requested formats are written"
    );
    // generated again into "c" with one format: the earlier run's Purview file (another seed's
    // tenant) is removed, not left for a reader of the folder to mix in
    let out = gen(
        &base.join("c"),
        &[
            "--users",
            "60",
            "--events",
            "800",
            "--formats",
            "graph-jsonl",
            "--seed",
            "1",
        ],
    );
    assert!(out.status.success());
    assert!(!base.join("c/audit/audit-purview.csv").exists());
    assert!(base.join("c/audit/audit-graph.jsonl").exists());

    let dir = base.join("bad");
    for bad in [
        vec!["--users", "10", "--events", "1000"],
        vec!["--users", "200", "--events", "10"],
        vec!["--users", "x", "--events", "1000"],
        vec![
            "--users",
            "200",
            "--events",
            "1000",
            "--formats",
            "graph-jsonl,nope",
        ],
    ] {
        let out = gen(&dir, &bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("licdiag-gen: error: "), "{bad:?}: {err}");
        assert!(
            err.matches("possible values").count() <= 1,
            "{bad:?}: the values once: {err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{bad:?}: one line: {err}"
        );
    }
    let out = run(GEN, &["--users", "100", "--events", "1000"]);
    assert_eq!(out.status.code(), Some(2), "--out is required");
    // the message names the missing argument (it stopped at "not provided:")
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not provided: --out <DIR>"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// `--threads 1` parses and diagnoses on one worker: the same report, byte for byte, as one
/// worker per core, on the snapshot and all six formats at once; `--threads 0` is refused (exit 2).
#[test]
fn one_worker_thread_gives_the_same_report() {
    let (dir, truth) = tenant();
    let snap = dir.join("snapshot");
    let audit = dir.join("audit");
    let as_of = truth["snapshot_time"].as_str().unwrap();
    let analyze =
        |global: &[&str]| analyze_json(global, &[&snap, &audit], as_of, &["--fail-on", "never"]);
    let (one, all) = (analyze(&["--threads", "1"]), analyze(&[]));
    for out in [&one, &all] {
        assert_eq!(
            out.status.code(),
            Some(0),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(!json_stdout(&all)["findings"].as_array().unwrap().is_empty());
    assert!(one.stdout == all.stdout, "--threads 1 changed the report");
    let zero = analyze(&["--threads", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--threads"));
}

#[test]
fn one_worker_thread_gives_the_same_query_and_export() {
    let (dir, truth) = tenant();
    let (snap, audit) = (dir.join("snapshot"), dir.join("audit"));
    let inputs = [snap.as_path(), audit.as_path()];
    let as_of = truth["snapshot_time"].as_str().unwrap();
    let ok = |out: Output| {
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "stderr: {err}");
        out.stdout
    };
    let query = "SELECT activity, result, count(*) AS n FROM events \
                 GROUP BY activity, result ORDER BY activity, result";
    let sql = |global: &[&str]| {
        let more = ["--as-of", as_of, "--format", "csv", "-q", query];
        ok(licdiag(global, "sql", &inputs, &more))
    };
    let (one, all) = (sql(&["--threads", "1"]), sql(&[]));
    assert!(String::from_utf8_lossy(&all).lines().count() > 3);
    assert!(one == all, "--threads 1 changed the query's result");

    let tables = |global: &[&str], out: &Path| {
        let more = ["--as-of", as_of, "--format", "ndjson", "--out"];
        let more: Vec<&str> = more.into_iter().chain(out.to_str()).collect();
        ok(licdiag(global, "export", &inputs, &more));
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("one"), tmp.path().join("all"));
    let (one, all) = (tables(&["--threads", "1"], &a), tables(&[], &b));
    assert_eq!(
        one.len(),
        7,
        "{:?}",
        one.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(one == all, "--threads 1 changed an exported table");
}

/// `v` without its `references` (the file and line of each record cited), recursively.
fn without_references(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| k.as_str() != "references")
                .map(|(k, v)| (k.clone(), without_references(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_references).collect()),
        other => other.clone(),
    }
}

/// A storage container's layout: the generated JSON Lines cut into hourly blobs,
/// `y=2026/m=10/d=DD/h=HH/m=00/PT1H.json`. `analyze` on the container finds what it finds in the
/// one file (each blob's held membership changes are folded into one store as the blob ends),
/// counts every record once, tallies each blob's licensing events under that blob, and writes the
/// same bytes at every run and with one worker.
#[test]
fn a_storage_container_of_hourly_blobs_reads_as_the_one_file() {
    let (dir, truth) = tenant();
    let snap = dir.join("snapshot");
    let file = dir.join("audit/audit-graph.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let container = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generated-container");
    let _ = std::fs::remove_dir_all(&container);
    let mut blobs = Vec::new();
    for (h, chunk) in lines.chunks(200).enumerate() {
        let d = container.join(format!(
            "y=2026/m=10/d={:02}/h={:02}/m=00",
            1 + h / 24,
            h % 24
        ));
        std::fs::create_dir_all(&d).unwrap();
        let blob = d.join("PT1H.json");
        std::fs::write(&blob, chunk.join("\n") + "\n").unwrap();
        blobs.push(blob);
    }
    assert!(blobs.len() > 20, "{} blobs", blobs.len());
    let as_of = truth["snapshot_time"].as_str().unwrap();
    let never = ["--fail-on", "never"];
    let ok = |out: Output| {
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "stderr: {err}");
        out
    };
    let whole = json_stdout(&ok(analyze_json(&[], &[&snap, &file], as_of, &never)));
    let read = || ok(analyze_json(&[], &[&snap, &container], as_of, &never));
    let (first, again) = (read(), read());
    let one = ok(analyze_json(
        &["--threads", "1"],
        &[&snap, &container],
        as_of,
        &never,
    ));
    assert!(first.stdout == again.stdout, "two runs differ");
    assert!(first.stdout == one.stdout, "--threads 1 changed the report");
    let split = json_stdout(&first);
    assert!(!whole["findings"].as_array().unwrap().is_empty());
    assert_eq!(
        without_references(&split["findings"]),
        without_references(&whole["findings"])
    );
    assert_eq!(split["summary"], whole["summary"]);

    // every record counted once, and each blob's licensing events tallied under that blob
    let audit_inputs = |v: &Value| -> Vec<Value> {
        v["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["snapshot_records"] == 0)
            .cloned()
            .collect()
    };
    let parts = audit_inputs(&split);
    assert_eq!(parts.len(), blobs.len());
    let sum = |k: &str| parts.iter().map(|i| i[k].as_u64().unwrap()).sum::<u64>();
    let single = &audit_inputs(&whole)[0];
    assert_eq!(sum("records"), lines.len() as u64);
    assert_eq!(sum("records"), single["records"].as_u64().unwrap());
    assert_eq!(sum("events"), single["events"].as_u64().unwrap());
    for blob in [&blobs[0], &blobs[blobs.len() / 2], &blobs[blobs.len() - 1]] {
        let alone = json_stdout(&ok(analyze_json(&[], &[blob], as_of, &never)));
        let path = blob.to_str().unwrap();
        let part = parts
            .iter()
            .find(|i| i["path"] == path)
            .unwrap_or_else(|| panic!("no input {path}"));
        assert_eq!(part["licensing"], alone["inputs"][0]["licensing"], "{path}");
    }
    let tallies: u64 = parts.iter().map(|i| total(&i["licensing"])).sum();
    assert_eq!(tallies, total(&single["licensing"]));
}
