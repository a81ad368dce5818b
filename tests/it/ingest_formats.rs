//! Ingestion through the library: every audit export format and variant in fixtures/ is read with the
//! counts its manifest states, and the same logical events written in each format normalize to the
//! same events.

use crate::common::fixture;
use licdiag::ingest::{read_inputs, Ingested, ReadOptions};
use licdiag::model::{Activity, AuditEvent, TargetKind};
use std::collections::BTreeMap;

fn read_all(rel: &str) -> Ingested {
    let opts = ReadOptions {
        keep_all: true,
        ..Default::default()
    };
    read_inputs(&[fixture(rel)], &opts).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_variant_reads_with_its_manifest_counts() {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("expected/audit-manifest.json")).unwrap())
            .unwrap();
    for m in manifest.as_array().unwrap() {
        let file = m["file"].as_str().unwrap();
        let data = read_all(file);
        assert_eq!(data.inputs.len(), 1, "{file}");
        let r = &data.inputs[0];
        let records = m["records"].as_u64().unwrap();
        let out_of_scope = m["outOfScope"].as_u64().unwrap();
        assert_eq!(r.records, records, "{file}: records");
        assert_eq!(
            r.records,
            r.events + r.snapshot_records + r.skipped_total(),
            "{file}: counts add up"
        );
        let scope_skips: u64 = r
            .skipped
            .iter()
            .filter(|(k, _)| k.starts_with("out of scope"))
            .map(|(_, n)| *n)
            .sum();
        assert_eq!(scope_skips, out_of_scope, "{file}: out of scope");
        let merged = r.skipped.get("merged sequence chunk").copied().unwrap_or(0);
        assert_eq!(
            r.skipped_total(),
            out_of_scope + merged,
            "{file}: no malformed records: {:?}",
            r.skipped
        );
        // licensing activities (by name) + Update user carrying AssignedLicense, as the manifest counts them
        let by_name = data
            .events
            .iter()
            .filter(|e| e.activity.is_licensing())
            .count() as u64;
        let update_with_lic = data
            .events
            .iter()
            .filter(|e| e.activity.name() == "Update user" && e.licenses.is_some())
            .count() as u64;
        assert_eq!(
            by_name + merged,
            m["licensing"].as_u64().unwrap(),
            "{file}: licensing activities"
        );
        assert_eq!(
            update_with_lic,
            m["licenseUpdateUser"].as_u64().unwrap(),
            "{file}: Update user with AssignedLicense"
        );
    }
}

#[test]
fn formats_are_detected_from_content() {
    let cases = [
        ("audit/graph-page-nextlink-tips.json", "graph-json"),
        (
            "audit/azure-monitor-gzip-without-suffix.json",
            "azure-monitor",
        ),
        ("audit/eventhub-capture.jsonl", "azure-monitor"),
        ("audit/portal-es.csv", "portal-csv"),
        (
            "audit/log-analytics-missing-columns.csv",
            "log-analytics-csv",
        ),
        (
            "audit/log-analytics-extra-columns.json",
            "log-analytics-json",
        ),
        ("audit/purview-classic-export-csv.csv", "purview-csv"),
        ("audit/ual-mixed-workloads.jsonl", "purview-json"),
        ("audit/utf16le-bom.json", "graph-json"),
        ("audit/utf16be-bom.jsonl", "graph-json"),
        ("formats/purview-new.csv", "purview-csv"),
        ("formats/portal.csv", "portal-csv"),
    ];
    for (file, format) in cases {
        let data = read_all(file);
        assert_eq!(data.inputs[0].format, format, "{file}");
    }
    let gz = read_all("audit/graph-objects-array.json.gz");
    assert!(gz.inputs[0].gzip);
    assert_eq!(
        read_all("audit/utf16le-bom.json").inputs[0].encoding,
        "utf-16le"
    );
}

#[test]
fn storage_container_folder_is_walked() {
    let data = read_all("audit/insights-logs-auditlogs");
    assert_eq!(data.inputs.len(), 1);
    assert!(data.inputs[0].path.ends_with("PT1H.json"));
    assert_eq!(data.inputs[0].records, 9);
}

/// An empty blob in a storage container's folder (an hour without events) is passed over; named
/// on the command line, an empty file is refused.
#[test]
fn an_empty_file_in_a_folder_is_passed_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hour = |h: &str| {
        let d = dir.path().join(format!("y=2026/m=10/d=05/h={h}/m=00"));
        std::fs::create_dir_all(&d).expect("mkdir");
        d.join("PT1H.json")
    };
    std::fs::copy(
        fixture("audit/insights-logs-auditlogs/tenantId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f/y=2026/m=10/d=05/h=07/m=00/PT1H.json"),
        hour("07"),
    )
    .expect("copy");
    let empty = hour("08");
    std::fs::write(&empty, "").expect("write");
    let data = read_inputs(&[dir.path().to_path_buf()], &ReadOptions::default()).expect("read");
    assert_eq!(data.inputs.len(), 1);
    assert_eq!(data.inputs[0].records, 9);
    assert!(read_inputs(&[empty], &ReadOptions::default()).is_err());
}

/// What every format can carry of an event (second precision: the unified audit log has no fraction).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Projection {
    time: i64,
    activity: String,
    result: String,
    user: Option<String>,
    new_skus: Vec<String>,
    old_skus: Vec<String>,
    causes: Vec<String>,
    summary: Option<(u64, u64)>,
    gbl: bool,
    /// The group a membership change names (its id), and the user target's display name.
    group: Option<String>,
    user_name: Option<String>,
    /// The failure's reason (UAL: its `MethodExecutionResult.`).
    reason: Option<String>,
}

fn project(e: &AuditEvent) -> Projection {
    let user = e.target(TargetKind::User).and_then(|t| {
        t.id.as_ref()
            .map(|i| i.to_string())
            .or(t.upn.clone().map(|u| u.to_lowercase()))
    });
    let skus = |v: &[licdiag::model::AssignedLicense]| {
        let mut s: Vec<String> = v
            .iter()
            .filter_map(|l| l.sku_id.as_ref().map(|i| i.to_string()))
            .collect();
        s.sort();
        s
    };
    let mut causes: Vec<String> = e
        .extra
        .errors
        .iter()
        .map(|x| x.cause.code().to_string())
        .collect();
    causes.sort();
    Projection {
        time: e.time.timestamp(),
        activity: e.activity.name().to_string(),
        result: e.result.as_str().to_string(),
        user,
        new_skus: e
            .licenses
            .as_ref()
            .map(|l| skus(&l.new))
            .unwrap_or_default(),
        old_skus: e
            .licenses
            .as_ref()
            .map(|l| skus(&l.old))
            .unwrap_or_default(),
        causes,
        summary: e.extra.summary.as_ref().map(|s| (s.succeeded, s.failed)),
        gbl: matches!(e.actor, licdiag::model::Actor::GroupBasedLicensing),
        group: e
            .target(TargetKind::Group)
            .and_then(|t| t.id.as_ref().map(|i| i.to_string())),
        user_name: e
            .target(TargetKind::User)
            .and_then(|t| t.display_name.as_ref().map(|n| n.to_string())),
        reason: e.extra.result_reason.as_deref().map(str::to_string),
    }
}

fn projections(rel: &str) -> Vec<Projection> {
    let data = read_all(rel);
    let mut p: Vec<Projection> = data
        .events
        .iter()
        .filter(|e| {
            e.is_licensing()
                || matches!(
                    e.activity,
                    Activity::AddMemberToGroup | Activity::RemoveMemberFromGroup
                )
        })
        .map(project)
        .collect();
    p.sort();
    p
}

#[test]
fn same_events_in_every_format() {
    let reference = projections("formats/graph-page.json");
    assert!(reference.len() > 30, "{}", reference.len());
    let mut diffs = BTreeMap::new();
    for f in [
        "formats/portal.json",
        "formats/portal.csv",
        "formats/azure-monitor.json",
        "formats/log-analytics.csv",
        "formats/log-analytics.json",
        "formats/purview-new.csv",
        "formats/purview-classic.csv",
        "formats/ual-auditdata.jsonl",
    ] {
        let got = projections(f);
        if got != reference {
            let missing: Vec<_> = reference.iter().filter(|r| !got.contains(r)).collect();
            let extra: Vec<_> = got.iter().filter(|g| !reference.contains(g)).collect();
            diffs.insert(f, format!("missing {missing:#?}\nextra {extra:#?}"));
        }
    }
    assert!(diffs.is_empty(), "{diffs:#?}");
}

#[test]
fn sample_tenant_counts_match_ground_truth() {
    let x = crate::common::expected();
    let data = read_all("sample-tenant");
    let audit: u64 = data
        .inputs
        .iter()
        .filter(|i| i.format == "graph-json")
        .map(|i| i.records)
        .sum();
    assert_eq!(audit, x["audit"]["records"].as_u64().unwrap());
    assert_eq!(data.snapshot.users.len(), 38);
    assert_eq!(data.snapshot.groups.len(), 10);
    assert_eq!(data.snapshot.skus.len(), 7);
    let chunked = data
        .events
        .iter()
        .filter(|e| {
            e.correlation_id.as_ref().map(|c| c.to_string()).as_deref()
                == x["audit"]["chunkedRecord"]["correlationId"].as_str()
        })
        .count();
    assert_eq!(chunked, 1, "the two sequence chunks merge into one event");
}

type Read = Result<Ingested, licdiag::error::InputError>;

/// `f` read from `base` twice: with the fast path (prefilter + light parse) and with the full
/// parse.
fn read_both_ways(f: &std::path::Path, base: &ReadOptions) -> (Read, Read) {
    let read = |full_parse| {
        let opts = ReadOptions {
            full_parse,
            ..base.clone()
        };
        read_inputs(&[f.to_path_buf()], &opts)
    };
    (read(false), read(true))
}

/// Both reads of `f` ([`read_both_ways`]), when both succeeded; `None` when both failed with the
/// same error. One failing alone fails the test (only which one is shown: a large file's events
/// would fill the terminal).
fn both_read(f: &std::path::Path, base: &ReadOptions) -> Option<(Ingested, Ingested)> {
    match read_both_ways(f, base) {
        (Ok(a), Ok(b)) => Some((a, b)),
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{}", f.display());
            None
        }
        (a, b) => panic!(
            "{}: fast {:?} vs full {:?}",
            f.display(),
            a.map(|_| ()),
            b.map(|_| ())
        ),
    }
}

/// What the fast path and the full parse must agree on: the per-input counts, time ranges and
/// formats, the kept events and the snapshot (identities included).
fn assert_agree(f: &std::path::Path, fast: &Ingested, full: &Ingested) {
    assert_eq!(
        serde_json::to_value(&fast.inputs).unwrap(),
        serde_json::to_value(&full.inputs).unwrap(),
        "{}: inputs",
        f.display()
    );
    // not `assert_eq!`: a large file's events would fill the terminal
    assert!(fast.events == full.events, "{}: events", f.display());
    assert_eq!(
        format!("{:?}", fast.snapshot),
        format!("{:?}", full.snapshot),
        "{}: snapshot",
        f.display()
    );
}

/// The fast path and the full parse give identical results on every fixture ([`assert_agree`]),
/// or the same error.
#[test]
fn fast_path_and_full_parse_agree() {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in [
        "audit",
        "formats",
        "sample-tenant",
        "malformed",
        "snapshot",
        "agree",
        "dates",
        "delimiters",
        "reference-review",
        "ps-review",
        "robust/csv-cut-cell",
        "robust/json-line-records",
        "ingest-review",
    ] {
        for e in walk(&fixture(dir)) {
            files.push(e);
        }
    }
    assert!(files.len() > 40);
    // as `inspect` reads them, and as `analyze` does (compacted, membership changes of other
    // groups held and dropped)
    let analyze = ReadOptions {
        compact: true,
        licensing_memberships_only: true,
        ..Default::default()
    };
    for f in files {
        for opts in [&ReadOptions::default(), &analyze] {
            if let Some((a, b)) = both_read(&f, opts) {
                assert_agree(&f, &a, &b);
            }
        }
    }
}

/// An `Update user` split in two chunks whose second names no product (its license set is cut
/// inside a `SkuId`): the chunk is held for the merge whatever its activity, and the merged event
/// holds both products (the chunk was counted away before the merge, and the second product lost).
#[test]
fn a_split_update_user_is_merged_whole() {
    let analyze = ReadOptions {
        compact: true,
        licensing_memberships_only: true,
        ..Default::default()
    };
    for opts in [ReadOptions::default(), analyze] {
        let data = read_inputs(&[fixture("agree/split-update-user.jsonl")], &opts).unwrap();
        let r = &data.inputs[0];
        assert_eq!((r.records, r.events), (2, 1));
        assert_eq!(r.skipped.get("merged sequence chunk"), Some(&1));
        assert_eq!(data.events.len(), 1);
        let added: Vec<String> = data.events[0]
            .licenses
            .as_ref()
            .expect("the merged license set")
            .new
            .iter()
            .map(|l| l.sku_name.as_deref().unwrap_or_default().to_string())
            .collect();
        assert_eq!(added, ["ENTERPRISEPACK", "EMS"]);
    }
}

/// [`fast_path_and_full_parse_agree`] on large files, read as `analyze` reads them (compacted,
/// membership changes of other groups held and dropped), or the same error. Not run by
/// `cargo test`: it reads the files listed in `LICDIAG_AGREE_FILES` (a path list, `:`-separated),
/// such as `benches/compare.sh`'s generated exports (benches/README.md, twenty-second run) or
/// damaged copies of them and of the fixtures (`benches/mutants.py`, twenty-sixth run):
/// `LICDIAG_AGREE_FILES=a.jsonl:b.csv cargo test --release --test it -- --ignored agree_on_files`.
#[test]
#[ignore = "reads the large files named in LICDIAG_AGREE_FILES"]
fn fast_path_and_full_parse_agree_on_files() {
    let list = std::env::var_os("LICDIAG_AGREE_FILES").expect("set LICDIAG_AGREE_FILES");
    let analyze = ReadOptions {
        compact: true,
        licensing_memberships_only: true,
        ..Default::default()
    };
    for f in std::env::split_paths(&list) {
        let Some((fast, full)) = both_read(&f, &analyze) else {
            eprintln!("{}: the same error", f.display());
            continue;
        };
        assert_agree(&f, &fast, &full);
        eprintln!(
            "{}: the same {} records, {} events",
            f.display(),
            fast.inputs[0].records,
            fast.events.len()
        );
    }
}

/// A `\u` escape behind an escaped backslash is plain text to the light scan, but the normalizer
/// decodes JSON-in-a-string property values a second time, where it spells an error token: the
/// record must not be merely counted.
#[test]
fn escapes_decoded_twice_still_take_the_full_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("hidden.jsonl");
    let record = r#"{"activityDisplayName":"Update user","activityDateTime":"2026-10-05T07:00:00Z","targetResources":[{"type":"User","userPrincipalName":"a@x.example","modifiedProperties":[{"displayName":"X","newValue":"\"CountViol\\u0061tion\""}]}]}"#;
    std::fs::write(&f, format!("{record}\n{record}\n")).expect("write");
    let (fast, full) = read_both_ways(&f, &ReadOptions::default());
    let (fast, full) = (fast.expect("fast"), full.expect("full"));
    assert_eq!(full.events.len(), 2, "the full path keeps both (an error)");
    assert_agree(&f, &fast, &full);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_none_or(|x| x != "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The diagnosis of what was read, as JSON.
fn diagnosis_json(
    d: &Ingested,
    kb: &licdiag::knowledge::Knowledge,
    as_of: chrono::DateTime<chrono::Utc>,
) -> serde_json::Value {
    let x = licdiag::diagnose::diagnose(
        &d.events,
        &d.snapshot,
        kb,
        &licdiag::diagnose::DiagnoseOptions::new(as_of),
    );
    serde_json::to_value(&x).expect("json")
}

/// The whole timeline of what was read, as JSON.
fn timeline_json(
    d: &Ingested,
    kb: &licdiag::knowledge::Knowledge,
    as_of: chrono::DateTime<chrono::Utc>,
) -> serde_json::Value {
    let doc = licdiag::timeline::timeline(d, kb, &Default::default(), as_of).expect("timeline");
    serde_json::to_value(&doc).expect("json")
}

#[test]
fn compact_events_give_the_same_diagnosis_and_timeline() {
    // every command reads with `compact` (modified properties and additional details dropped once
    // the payload is derived); nothing it prints may change
    use chrono::TimeZone;
    let as_of = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let kb = licdiag::knowledge::Knowledge::builtin();
    for dir in ["sample-tenant", "audit", "formats"] {
        let read = |compact: bool| {
            read_inputs(
                &[fixture(dir)],
                &ReadOptions {
                    compact,
                    ..Default::default()
                },
            )
            .expect("read")
        };
        let (whole, compact) = (read(false), read(true));
        assert_eq!(whole.events.len(), compact.events.len(), "{dir}");
        let kbs = kb.clone().with_subscribed_skus(&whole.snapshot.skus);
        assert_eq!(
            diagnosis_json(&whole, &kbs, as_of),
            diagnosis_json(&compact, &kbs, as_of),
            "{dir}: diagnosis"
        );
        assert_eq!(
            timeline_json(&whole, &kbs, as_of),
            timeline_json(&compact, &kbs, as_of),
            "{dir}: timeline"
        );
        for e in &compact.events {
            assert!(
                e.extra.additional_details.is_empty() && e.extra.modified.is_empty(),
                "{dir}: {} (sequence {:?}) kept its properties",
                e.source,
                e.extra.sequence
            );
        }
    }
}

/// The input reports as JSON, each one's repeated records (by id, or by correlation id, activity,
/// target and second) counted as events again (and not as
/// skipped), and those counts.
fn without_repeats(inputs: &[licdiag::ingest::InputReport]) -> (serde_json::Value, Vec<u64>) {
    let mut v = serde_json::to_value(inputs).unwrap();
    let mut repeats = Vec::new();
    for i in v.as_array_mut().unwrap() {
        let skipped = i["skipped"].as_object_mut().unwrap();
        let n = [
            licdiag::ingest::REPEATED_RECORD,
            licdiag::ingest::REPEATED_EVENT,
        ]
        .iter()
        .filter_map(|r| skipped.remove(*r))
        .map(|n| n.as_u64().unwrap())
        .sum::<u64>();
        i["events"] = (i["events"].as_u64().unwrap() + n).into();
        repeats.push(n);
    }
    (v, repeats)
}

/// `analyze` and `timeline` read with `licensing_memberships_only`: membership changes of groups
/// that assign no license, by users without errors, are held back and dropped. Nothing either
/// command prints may change but the count of audit events kept.
/// `paths` read compacted, keeping every membership change, then only the licensing ones.
fn read_with_and_without_memberships_only(paths: &[std::path::PathBuf]) -> (Ingested, Ingested) {
    let read = |only: bool| {
        read_inputs(
            paths,
            &ReadOptions {
                compact: true,
                licensing_memberships_only: only,
                ..Default::default()
            },
        )
        .expect("read")
    };
    (read(false), read(true))
}

#[test]
fn licensing_memberships_only_gives_the_same_diagnosis_and_timeline() {
    use chrono::TimeZone;
    let as_of = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let kb = licdiag::knowledge::Knowledge::builtin();
    let mut dropped_somewhere = false;
    for dir in ["sample-tenant", "audit", "formats"] {
        let (all, only) = read_with_and_without_memberships_only(&[fixture(dir)]);
        assert!(only.events.len() <= all.events.len(), "{dir}");
        dropped_somewhere |= only.events.len() < all.events.len();
        // every event kept is one the full read kept, unchanged
        for e in &only.events {
            assert!(all.events.contains(e), "{dir}: {} changed", e.source);
        }
        // repeated records are recognized among the events kept: the held membership changes
        // that are dropped are not looked at, so a read that drops them may count fewer
        let (all_inputs, all_repeats) = without_repeats(&all.inputs);
        let (only_inputs, only_repeats) = without_repeats(&only.inputs);
        assert_eq!(all_inputs, only_inputs, "{dir}: input reports");
        for (a, o) in all_repeats.iter().zip(&only_repeats) {
            assert!(o <= a, "{dir}: repeats {only_repeats:?} > {all_repeats:?}");
        }
        let kbs = kb.clone().with_subscribed_skus(&all.snapshot.skus);
        assert_eq!(
            diagnosis_json(&all, &kbs, as_of),
            diagnosis_json(&only, &kbs, as_of),
            "{dir}: diagnosis"
        );
        let timeline = |d: &Ingested| {
            let mut v = timeline_json(d, &kbs, as_of);
            // the counts of events kept, and of repeats among them (see the input reports)
            v["evidence"]["audit_events"] = serde_json::Value::Null;
            v["evidence"]["repeated_records"] = serde_json::Value::Null;
            v
        };
        assert_eq!(timeline(&all), timeline(&only), "{dir}: timeline");
    }
    assert!(
        dropped_somewhere,
        "no fixture has a membership change to drop"
    );
}

/// `analyze` reads with `drop_record_ids`: no kept event holds its record id (a string in every
/// kept event that only `export`'s tables show), held membership changes that come back included,
/// and the diagnosis and timeline are the same as with the ids.
#[test]
fn dropped_record_ids_change_no_diagnosis_or_timeline() {
    use chrono::TimeZone;
    let as_of = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let kb = licdiag::knowledge::Knowledge::builtin();
    for dir in ["sample-tenant", "audit", "formats"] {
        let read = |drop: bool| {
            read_inputs(
                &[fixture(dir)],
                &ReadOptions {
                    compact: true,
                    licensing_memberships_only: true,
                    drop_record_ids: drop,
                    ..Default::default()
                },
            )
            .expect("read")
        };
        let (with, without) = (read(false), read(true));
        assert!(
            with.events.iter().any(|e| e.record_id.is_some()),
            "{dir}: no record id to drop"
        );
        assert!(
            without.events.iter().all(|e| e.record_id.is_none()),
            "{dir}: a record id was kept"
        );
        assert_eq!(with.events.len(), without.events.len(), "{dir}");
        for (a, b) in with.events.iter().zip(&without.events) {
            let mut a = a.clone();
            a.record_id = None;
            assert_eq!(&a, b, "{dir}: {} differs beyond its record id", a.source);
        }
        let kbs = kb.clone().with_subscribed_skus(&with.snapshot.skus);
        assert_eq!(
            diagnosis_json(&with, &kbs, as_of),
            diagnosis_json(&without, &kbs, as_of),
            "{dir}: diagnosis"
        );
        assert_eq!(
            timeline_json(&with, &kbs, as_of),
            timeline_json(&without, &kbs, as_of),
            "{dir}: timeline"
        );
    }
}

/// More kept events than one of a sink's vectors holds (8,192; they are set aside, not grown by
/// copying): every event comes back once, in reading order, with its record number, whether the
/// file is read alone or beside another input.
#[test]
fn many_kept_events_come_back_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("audit.jsonl");
    let n = 20_000u32;
    let mut text = String::new();
    for i in 0..n {
        let (s, ms) = (i / 1000, i % 1000);
        text.push_str(&format!(
            r#"{{"id":"Directory_r{i}","category":"UserManagement","correlationId":"c{i}","result":"success","activityDisplayName":"Change user license","activityDateTime":"2026-10-05T{:02}:{:02}:{:02}.{ms:03}Z","initiatedBy":{{"user":{{"id":"aaaaaaaa-0000-4000-8000-000000000000"}}}},"targetResources":[{{"id":"00000000-0000-4000-8000-{i:012}","type":"User"}}]}}"#,
            s / 3600,
            s / 60 % 60,
            s % 60
        ));
        text.push('\n');
    }
    std::fs::write(&f, &text).expect("write");
    let small = dir.path().join("small.jsonl");
    std::fs::write(
        &small,
        text.lines()
            .next()
            .expect("a line")
            .replace("T00:00:00.000Z", "T23:00:00.000Z")
            // another record (the same id and activity would be the same record read twice)
            .replace("Directory_r0", "Directory_small"),
    )
    .expect("write");
    let opts = ReadOptions {
        compact: true,
        licensing_memberships_only: true,
        ..Default::default()
    };
    for paths in [vec![f.clone()], vec![f.clone(), small.clone()]] {
        let d = read_inputs(&paths, &opts).expect("read");
        let from_big: Vec<u64> = d
            .events
            .iter()
            .filter(|e| e.source.file.ends_with("audit.jsonl"))
            .map(|e| e.source.record)
            .collect();
        assert_eq!(from_big, (1..=u64::from(n)).collect::<Vec<_>>());
        assert_eq!(d.events.len(), from_big.len() + paths.len() - 1);
        assert!(d
            .events
            .windows(2)
            .all(|w| w[0].reading_key() <= w[1].reading_key()));
    }
}

/// More membership changes than the held-back store keeps in memory (16,384): the spilled ones
/// come back in order, those of a group that a later `Set group license` names and those of a
/// user with an error are kept, the rest are dropped.
#[test]
fn many_membership_changes_spill_and_the_relevant_ones_come_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("audit.jsonl");
    let user = |i: u32| format!("00000000-0000-4000-8000-{i:012}");
    let team = "11111111-0000-4000-8000-000000000001";
    let lic = "22222222-0000-4000-8000-000000000002";
    let mut text = String::new();
    let mut n = 0u32;
    let mut record = |text: &mut String, activity: &str, result: &str, targets: String| {
        n += 1;
        let (s, ms) = (n / 1000, n % 1000);
        text.push_str(&format!(
            r#"{{"id":"Directory_r{n}","category":"GroupManagement","correlationId":"c{n}","result":"{result}","resultReason":"","activityDisplayName":"{activity}","activityDateTime":"2026-10-05T07:{:02}:{:02}.{ms:03}Z","initiatedBy":{{"user":{{"id":"aaaaaaaa-0000-4000-8000-000000000000","userPrincipalName":"admin@contoso.example"}}}},"targetResources":[{targets}],"additionalDetails":[]}}"#,
            s / 60,
            s % 60
        ));
        text.push('\n');
    };
    let member = |u: &str, g: &str, name: &str| {
        format!(
            r#"{{"id":"{u}","type":"User","userPrincipalName":"{u}@contoso.example","modifiedProperties":[]}},{{"id":"{g}","type":"Group","displayName":"{name}","modifiedProperties":[]}}"#
        )
    };
    for i in 0..20_000 {
        let (g, name) = if i % 200 == 0 {
            (lic, "LIC-E3")
        } else {
            (team, "Team")
        };
        record(
            &mut text,
            "Add member to group",
            "success",
            member(&user(i), g, name),
        );
    }
    // user 7 (a team member only) has an error; the licensing group is named last
    record(
        &mut text,
        "Change user license",
        "failure",
        format!(
            r#"{{"id":"{}","type":"User","userPrincipalName":"{}@contoso.example","modifiedProperties":[]}}"#,
            user(7),
            user(7)
        ),
    );
    record(
        &mut text,
        "Set group license",
        "success",
        format!(
            r#"{{"id":"{lic}","type":"Group","displayName":"LIC-E3","modifiedProperties":[]}}"#
        ),
    );
    std::fs::write(&f, text).expect("write");
    let (all, only) = read_with_and_without_memberships_only(std::slice::from_ref(&f));
    assert_eq!(all.events.len(), 20_002);
    let expected: Vec<_> = all
        .events
        .iter()
        .filter(|e| {
            e.is_licensing()
                || e.targets.iter().any(|t| {
                    t.id.as_ref().map(|i| i.as_str()) == Some(lic)
                        || t.id.as_ref().map(|i| i.as_str()) == Some(user(7).as_str())
                })
        })
        .cloned()
        .collect();
    assert_eq!(
        expected.len(),
        100 + 1 + 2,
        "100 to LIC-E3, user 7's, two licensing"
    );
    assert_eq!(only.events, expected);
    // the dropped changes' users and groups are kept as identities
    assert!(only
        .snapshot
        .identities
        .iter()
        .any(|i| i.target.display_name.as_deref() == Some("Team")));
}

/// Two CSV exports joined with `cat`: the second header line is a repeated header, not a
/// malformed record (`--strict` reads the file), on the fast path and the full parse alike.
#[test]
fn a_header_line_of_joined_csv_exports_is_a_repeated_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [
        "portal.csv",
        "log-analytics.csv",
        "purview-new.csv",
        "purview-classic.csv",
    ] {
        let one = std::fs::read(fixture(&format!("formats/{name}"))).expect("read");
        let joined = dir.path().join(name);
        std::fs::write(&joined, [one.as_slice(), one.as_slice()].concat()).expect("write");
        let strict = ReadOptions {
            strict: true,
            ..Default::default()
        };
        let (fast, full) = both_read(&joined, &strict).expect("read both ways");
        assert_agree(&joined, &fast, &full);
        assert_eq!(
            fast.inputs[0]
                .skipped
                .get(licdiag::ingest::REPEATED_HEADER)
                .copied(),
            Some(1),
            "{name}: {:?}",
            fast.inputs[0].skipped
        );
    }
}

// --- snapshot review (r52): inputs written inline --------------------------------------------------

const R_SKU: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
const R_GROUP: &str = "20000000-0000-4000-8000-000000000001";

/// A users JSON record: `states` is the `licenseAssignmentStates` property as written (or `None`
/// for no such key).
fn r_user(n: u32, states: Option<&str>) -> String {
    let las = states
        .map(|s| format!(r#","licenseAssignmentStates":{s}"#))
        .unwrap_or_default();
    format!(
        r#"{{"id":"10000000-0000-4000-8000-{n:012}","userPrincipalName":"u{n}@contoso.example","usageLocation":"US","assignedLicenses":[{{"skuId":"{R_SKU}","disabledPlans":[]}}]{las}}}"#
    )
}

fn r_state(error: &str, time: &str) -> String {
    format!(
        r#"[{{"skuId":"{R_SKU}","assignedByGroup":"{R_GROUP}","disabledPlans":[],"state":"Error","error":"{error}","lastUpdatedDateTime":"{time}"}}]"#
    )
}

fn r_write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn r_read(paths: &[std::path::PathBuf], strict: bool) -> Result<Ingested, String> {
    let opts = ReadOptions {
        strict,
        ..Default::default()
    };
    read_inputs(paths, &opts).map_err(|e| e.to_string())
}

/// Users exported without `licenseAssignmentStates` (Get-MgUser without -Property: the key null,
/// absent or empty) hide every license error: refused with the export that has them when no
/// licensed user has a state and no error list is given; said in a note when only some lack them
/// or an error list gives the errors.
#[test]
fn licensed_users_without_license_states_are_refused_or_noted() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, states) in [
        ("null", Some("null")),
        ("absent", None),
        ("empty", Some("[]")),
    ] {
        let users = format!("[{},{}]", r_user(1, states), r_user(2, states));
        let p = r_write(dir.path(), &format!("users-{name}.json"), &users);
        let e = r_read(&[p], false).expect_err(name);
        assert!(
            e.contains("users exported without their license states: 2 users")
                && e.contains("Get-MgUser -All -Property id,")
                && e.contains("licenseAssignmentStates | ConvertTo-Json -Depth 10"),
            "{name}: {e}"
        );
    }
    let some = format!(
        "[{},{}]",
        r_user(1, Some(&r_state("CountViolation", "2025-03-02T08:00:00Z"))),
        r_user(2, None)
    );
    let p = r_write(dir.path(), "users-some.json", &some);
    let data = r_read(&[p], false).expect("some users have states");
    let notes = &data.inputs[0].notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("1 of 2 licensed users have no `licenseAssignmentStates`")),
        "{notes:?}"
    );
    // beside an error list (the license-errors CSV), the users are read for what else they hold,
    // and the note says where the errors come from
    let none = format!("[{},{}]", r_user(1, None), r_user(2, None));
    let p = r_write(dir.path(), "users-none.json", &none);
    let list = std::path::PathBuf::from("fixtures/snapshot/users-with-license-errors.csv");
    let data = r_read(&[p, list], false).expect("users beside an error list");
    assert!(!data.snapshot.reported_errors.is_empty());
    let notes = &data.inputs[0].notes;
    assert!(
        notes.iter().any(
            |n| n.contains("2 of 2 licensed users have no `licenseAssignmentStates`")
                && n.contains("their license errors are those the error list names")
        ),
        "{notes:?}"
    );
    // an unlicensed user without states is no sign of anything
    let unlicensed = r#"[{"id":"10000000-0000-4000-8000-000000000009","userPrincipalName":"x@contoso.example","assignedLicenses":[]}]"#;
    let p = r_write(dir.path(), "users-unlicensed.json", unlicensed);
    assert!(r_read(&[p], false).expect("unlicensed").inputs[0]
        .notes
        .is_empty());
}

/// One product subscribed under two billing accounts is two subscribedSkus entries with one
/// skuId: their seats are summed into one product (with a note), none dropped, and each account
/// is kept; the same entry twice is counted as a repeat.
#[test]
fn a_product_under_two_accounts_has_their_seats_summed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let entry = |account: &str, enabled: u64, warning: u64, consumed: u64| {
        format!(
            r#"{{"id":"{account}_{R_SKU}","accountId":"{account}","skuId":"{R_SKU}","skuPartNumber":"ENTERPRISEPACK","consumedUnits":{consumed},"prepaidUnits":{{"enabled":{enabled},"suspended":0,"warning":{warning},"lockedOut":0}},"servicePlans":[]}}"#
        )
    };
    let (a, b) = (
        "4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "9d9d9d9d-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    );
    let text = format!(
        r#"{{"value":[{},{},{}]}}"#,
        entry(a, 10, 2, 12),
        entry(b, 10, 0, 10),
        entry(b, 10, 0, 10)
    );
    let p = r_write(dir.path(), "subscribedSkus.json", &text);
    let data = r_read(&[p], false).expect("read");
    assert_eq!(data.snapshot.skus.len(), 1);
    let s = &data.snapshot.skus[0];
    assert_eq!((s.enabled, s.warning, s.consumed), (20, 2, 22));
    assert_eq!(s.account_ids, [a, b]);
    let r = &data.inputs[0];
    assert_eq!((r.records, r.snapshot_records), (3, 2));
    assert_eq!(r.skipped.get(licdiag::ingest::REPEATED_PRODUCT), Some(&1));
    assert!(
        r.notes.iter().any(|n| n.contains("2 billing accounts")
            && n.contains("20 enabled, 2 in warning, 0 suspended, 22 consumed")),
        "{:?}",
        r.notes
    );
}

/// The same user twice in one users file: with the same license errors counted as a repeat;
/// with different ones refused naming both records, whichever comes first.
#[test]
fn a_user_twice_in_one_file_is_a_repeat_or_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let failing = r_user(1, Some(&r_state("CountViolation", "2025-03-02T08:00:00Z")));
    let healthy = r_user(1, Some("[]"));
    let other = r_user(2, Some(&r_state("CountViolation", "2025-03-02T08:00:00Z")));
    let p = r_write(
        dir.path(),
        "twice.json",
        &format!("[{failing},{other},{failing}]"),
    );
    let data = r_read(&[p], false).expect("same copy twice");
    let r = &data.inputs[0];
    assert_eq!(data.snapshot.users.len(), 2);
    assert_eq!((r.records, r.snapshot_records), (3, 2));
    assert_eq!(r.skipped.get(licdiag::ingest::REPEATED_USER), Some(&1));
    for (name, order) in [
        ("error-first.json", [&failing, &healthy]),
        ("healthy-first.json", [&healthy, &failing]),
    ] {
        let p = r_write(
            dir.path(),
            name,
            &format!("[{},{other},{}]", order[0], order[1]),
        );
        let e = r_read(&[p], false).expect_err(name);
        assert!(
            e.contains("twice with different license errors: record 1 (u1@contoso.example) has")
                && e.contains("record 3 (u1@contoso.example) has")
                && e.contains("licdiag diff OLD NEW"),
            "{name}: {e}"
        );
    }
}

/// A license state's `lastUpdatedDateTime` that is no time: the user is read without that time,
/// and a note counts it (with the record); `--strict` refuses it.
#[test]
fn an_unreadable_last_updated_time_is_said_and_strict_refuses_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "[\n{},\n{}\n]",
        r_user(1, Some(&r_state("CountViolation", "2025-03-02T08:00:00Z"))),
        r_user(2, Some(&r_state("CountViolation", "yesterday")))
    );
    let p = r_write(dir.path(), "users.json", &text);
    let data = r_read(std::slice::from_ref(&p), false).expect("read");
    assert_eq!(data.snapshot.users.len(), 2);
    assert!(data.snapshot.users[1].license_states[0]
        .last_updated
        .is_none());
    let notes = &data.inputs[0].notes;
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("1 record read despite a malformed value")
                && n.contains("record 2 (line 3): bad timestamp")
                && n.contains("\"yesterday\"")),
        "{notes:?}"
    );
    let e = r_read(&[p], true).expect_err("strict");
    assert!(e.contains("record 2 (line 3): bad timestamp"), "{e}");
}

/// A product's name where a license entry's `skuId` GUID belongs: the record is read (its
/// product matches nothing) and counted as malformed in a note naming it; `--strict` refuses it.
#[test]
fn a_sku_id_that_is_no_guid_is_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = r_user(2, Some(&r_state("CountViolation", "2025-03-02T08:00:00Z")))
        .replace(R_SKU, "ENTERPRISEPACK");
    let text = format!(
        "[{},{bad}]",
        r_user(1, Some(&r_state("CountViolation", "2025-03-02T08:00:00Z")))
    );
    let p = r_write(dir.path(), "users.json", &text);
    let data = r_read(std::slice::from_ref(&p), false).expect("read");
    let notes = &data.inputs[0].notes;
    assert!(
        notes.iter().any(|n| n
            .contains("record 2 (line 1): malformed value: user u2@contoso.example")
            && n.contains("is \"ENTERPRISEPACK\": not a GUID")),
        "{notes:?}"
    );
    let e = r_read(&[p], true).expect_err("strict");
    assert!(e.contains("record 2 (line 1): malformed value"), "{e}");
}

/// A file PowerShell wrote for an export of nothing (a byte-order mark alone, UTF-16's, with a
/// line end, `[]`, an empty page) found in a folder is passed over with a note; named on the
/// command line it is still refused. A folder with nothing to read says what it passed over.
#[test]
fn an_empty_powershell_export_in_a_folder_is_passed_over_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let users = format!(
        "[{}]",
        r_user(1, Some(&r_state("CountViolation", "2025-03-02T08:00:00Z")))
    );
    r_write(dir.path(), "users.json", &users);
    let empties: [(&str, &[u8]); 5] = [
        ("bom.json", b"\xef\xbb\xbf"),
        ("utf16.json", b"\xff\xfe"),
        ("bomcrlf.json", b"\xef\xbb\xbf\r\n"),
        ("array.json", b"[]"),
        ("page.json", br#"{"value":[]}"#),
    ];
    for (name, bytes) in empties {
        std::fs::write(dir.path().join(name), bytes).expect("write");
    }
    r_write(dir.path(), "readme.txt", "how this was exported");
    let data = r_read(&[dir.path().to_path_buf()], false).expect("folder");
    assert_eq!(data.inputs.len(), 1);
    let notes = &data.inputs[0].notes;
    assert!(
        notes.iter().any(|n| n.contains("holds no record")
            && n.contains("array.json, bom.json, bomcrlf.json, and 2 more")),
        "{notes:?}"
    );
    // notes about the export lose nothing: `inspect` alone lists them
    let quiet = &data.inputs[0].passed_over;
    assert!(
        quiet
            .iter()
            .any(|n| n.contains("notes about the export (README, *.md) (1): readme.txt")),
        "{quiet:?}"
    );
    for (name, _) in empties {
        let e = r_read(&[dir.path().join(name)], false).expect_err(name);
        assert!(
            e.contains("no records") || e.contains("empty file") || e.contains("white space"),
            "{name}: {e}"
        );
    }
    let docs = tempfile::tempdir().expect("tempdir");
    r_write(docs.path(), "readme.txt", "notes");
    let e = r_read(&[docs.path().to_path_buf()], false).expect_err("nothing to read");
    assert!(
        e.contains("no files; 1 entry passed over in") && e.contains("readme.txt"),
        "{e}"
    );
}

/// Graph pages saved together as one array (`[{"@odata.nextLink": ..., "value": [...]}, {"value":
/// [...]}]`): each page's objects are read.
#[test]
fn an_array_of_graph_pages_is_read_page_by_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = r_state("CountViolation", "2025-03-02T08:00:00Z");
    let text = format!(
        r#"[{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=X","value":[{},{}]}},
{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{}]}}]"#,
        r_user(1, Some(&st)),
        r_user(2, Some(&st)),
        r_user(3, Some(&st))
    );
    let p = r_write(dir.path(), "users.json", &text);
    let data = r_read(&[p], false).expect("pages");
    assert_eq!(data.snapshot.users.len(), 3);
    assert_eq!(data.inputs[0].skipped_total(), 0);
}

/// `Export-Csv` of Graph PowerShell objects writes nested values as their type names: refused
/// saying so, with the JSON export; a header cut in the message is marked as cut.
#[test]
fn an_export_csv_of_graph_objects_says_nested_values_became_type_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\r\n\"AccountEnabled\",\"AssignedLicenses\",\"DisplayName\",\"Id\",\"LicenseAssignmentStates\",\"Mail\",\"ProxyAddresses\",\"UsageLocation\",\"UserPrincipalName\"\r\n\"True\",\"Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense[]\",\"Ana\",\"a86f75a9-12f6-5acf-99d5-8e22e7da112e\",\"Microsoft.Graph.PowerShell.Models.MicrosoftGraphLicenseAssignmentState[]\",\"ana@x.example\",\"System.String[]\",\"US\",\"ana@x.example\"\r\n";
    let p = r_write(dir.path(), "users.csv", text);
    let e = r_read(&[p], false).expect_err("type names");
    assert!(
        e.contains("an Export-Csv of Graph PowerShell objects")
            && e.contains("UsageLocation, …]")
            && e.contains("became type names")
            && e.contains("ConvertTo-Json -Depth 10"),
        "{e}"
    );
    let p = r_write(
        dir.path(),
        "other.csv",
        "a,b,c,d,e,f,g,h,i\n1,2,3,4,5,6,7,8,9\n",
    );
    let e = r_read(&[p], false).expect_err("unknown");
    assert!(
        e.contains("[a, b, c, d, e, f, g, h, …] is no known export"),
        "{e}"
    );
}

/// `Get-MgGroupMember | ConvertTo-Json` (directory objects without their group) is not read as
/// users: its records are named as a member list without its group, with the exports that work.
#[test]
fn a_get_mggroupmember_list_is_not_read_as_users() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = r##"[{"Id":"a86f75a9-12f6-5acf-99d5-8e22e7da112e","DeletedDateTime":null,"AdditionalProperties":{"@odata.type":"#microsoft.graph.user","userPrincipalName":"x"}}]"##;
    let p = r_write(dir.path(), "members.json", text);
    let e = r_read(&[p], false).expect_err("member list");
    assert!(
        e.contains("Get-MgGroupMember")
            && e.contains("does not name its group")
            && e.contains("`GroupId,UserId`"),
        "{e}"
    );
}

/// A group exported with `transitiveMembers` and no `members`: said in a note (not used: group
/// licensing applies to direct members only).
#[test]
fn transitive_members_are_said_not_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        r##"[{{"id":"{R_GROUP}","displayName":"LIC-E3","securityEnabled":true,"assignedLicenses":[{{"skuId":"{R_SKU}","disabledPlans":[]}}],"transitiveMembers":[{{"@odata.type":"#microsoft.graph.user","id":"10000000-0000-4000-8000-000000000001"}}]}}]"##
    );
    let p = r_write(dir.path(), "groups.json", &text);
    let data = r_read(&[p], true).expect("not malformed: --strict reads it");
    assert_eq!(data.snapshot.groups[0].members, None);
    assert!(
        data.inputs[0].notes.iter().any(|n| n
            .contains("1 group with `transitiveMembers` and no `members`")
            && n.contains("direct members only")),
        "{:?}",
        data.inputs[0].notes
    );
}

/// A tar archive (here a .tar.gz: the gzip layer is taken off by content) is named as one, with
/// the command that unpacks it.
#[test]
fn a_tar_archive_is_named_with_the_command_that_unpacks_it() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tar = vec![0u8; 1536];
    tar[..10].copy_from_slice(b"users.json");
    tar[100..107].copy_from_slice(b"0000644");
    tar[257..263].copy_from_slice(b"ustar\0");
    tar[512..514].copy_from_slice(b"[]");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).expect("gzip");
    let p = dir.path().join("snapshot.tar.gz");
    std::fs::write(&p, gz.finish().expect("gzip")).expect("write");
    let e = r_read(&[p], false).expect_err("tar");
    assert!(e.contains("a tar archive") && e.contains("tar xzf"), "{e}");
}

/// Error lists without a product column or without user ids (licensing.md §4): an `Other` is
/// tied to the same user's real error from the same group (all or nothing, §0.4), the group is
/// named by the list's `GroupName`, and users named by display name only are counted as users.
#[test]
fn error_lists_tie_other_to_the_sibling_and_count_users_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kai = "5c7d2a6e-3d95-5f8f-a735-a230d514403d";
    let group = "c3ef798d-70e7-5535-9156-8a8f67e593c1";
    let by_group = format!(
        "\"GroupName\",\"GroupId\",\"UserName\",\"UserId\",\"Error\",\"ErrorSubcode\"\r\n\
         \"LIC-O365-E3\",\"{group}\",\"Kai\",\"{kai}\",\"CountViolation\",\"\"\r\n\
         \"LIC-O365-E3\",\"{group}\",\"Kai\",\"{kai}\",\"Other\",\"\"\r\n"
    );
    let p = r_write(dir.path(), "errors.csv", &by_group);
    let (v, code) = crate::common::json_of(&["analyze", p.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{v}");
    let findings = v["findings"].as_array().expect("findings");
    let other = findings
        .iter()
        .find(|f| f["cause"] == "Other")
        .expect("an Other finding");
    assert_eq!(other["group"], "LIC-O365-E3", "{other}");
    let blocked = &other["details"]["blocked_by"];
    assert_eq!(blocked[0]["cause"], "CountViolation", "{other}");

    let by_name = format!(
        "\"DisplayName\",\"AssignedByGroup\",\"State\",\"Error\",\"SkuId\"\r\n\
         \"Lena Vogel\",\"{group}\",\"Error\",\"CountViolation\",\"{R_SKU}\"\r\n\
         \"Mateo Rossi\",\"{group}\",\"Error\",\"CountViolation\",\"{R_SKU}\"\r\n"
    );
    let p = r_write(dir.path(), "itpros.csv", &by_name);
    let data = r_read(std::slice::from_ref(&p), false).expect("read");
    assert!(
        data.inputs[0]
            .notes
            .iter()
            .any(|n| n.contains("2 error rows name the user by display name only")),
        "{:?}",
        data.inputs[0].notes
    );
    let (v, _) = crate::common::json_of(&["analyze", p.to_str().expect("utf-8")]);
    let count = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["cause"] == "CountViolation")
        .expect("a CountViolation finding");
    assert_eq!(count["users"].as_array().map(Vec::len), Some(2), "{count}");
}

/// A CSV cell cut, or its quote left open, ran its row on into the next lines: the row was read
/// with the next one's cells (an id holding a line break and a quote was accepted, the next row
/// lost without a count), or as a row too wide, two rows counted as one skip with no hint (but
/// in a snapshot CSV). The row is skipped up to its cut line, naming the lines it joined, and
/// the rows after are read again from the next line; `--strict` refuses it. A reviewer's inputs (fixtures/README.md, `robust/`).
#[test]
fn a_csv_row_cut_in_a_cell_is_skipped_and_the_next_rows_read() {
    // (file, data rows, events, snapshot objects, the skip's line, the lines it joined)
    let cases: [(&str, u64, u64, u64, u64, &str); 8] = [
        ("users-errors-cut-cell.csv", 65, 0, 64, 38, "lines 38-39"),
        ("membership-min.csv", 4, 0, 3, 3, "lines 3-5"),
        ("membership-unclosed-quote.csv", 51, 0, 50, 3, "lines 3-52"),
        ("purview-classic-cut-cell.csv", 8, 7, 0, 3, "lines 3-4"),
        // cut in a cell that may hold line breaks: the joined row is too wide
        ("la-cut-cell.csv", 15, 14, 0, 14, "lines 14-15"),
        ("portal-cut-cell.csv", 10, 9, 0, 3, "lines 3-4"),
        ("purview-auditdata-cut.csv", 8, 7, 0, 5, "lines 5-6"),
        (
            "users-errors-cut-error-cell.csv",
            65,
            0,
            64,
            10,
            "lines 10-11",
        ),
    ];
    for (file, rows, events, snap, line, joined) in cases {
        let rel = format!("robust/csv-cut-cell/{file}");
        for full_parse in [false, true] {
            let opts = ReadOptions {
                keep_all: true,
                full_parse,
                ..Default::default()
            };
            let data =
                read_inputs(&[fixture(&rel)], &opts).unwrap_or_else(|e| panic!("{rel}: {e}"));
            let r = &data.inputs[0];
            assert_eq!(
                (r.records, r.events, r.snapshot_records, r.skipped_total()),
                (rows, events, snap, 1),
                "{rel}: every row read or counted"
            );
            assert_eq!(r.records, r.events + r.snapshot_records + r.skipped_total());
            let issue = &r.issues[0];
            assert_eq!(issue.line, Some(line), "{rel}");
            let next = format!("reading goes on at line {}", line + 1);
            for said in [joined, "a cell cut or a quote left open", next.as_str()] {
                assert!(
                    issue.detail.contains(said),
                    "{rel}: {said:?} in {}",
                    issue.detail
                );
            }
        }
        let strict = ReadOptions {
            strict: true,
            ..Default::default()
        };
        let err = read_inputs(&[fixture(&rel)], &strict).expect_err("--strict refuses a cut row");
        assert!(err.to_string().contains(joined), "{rel}: {err}");
    }
    // no user id holds a line break or a quote
    let data = read_all("robust/csv-cut-cell/users-errors-cut-cell.csv");
    for u in &data.snapshot.users {
        assert!(!u.id.as_str().contains(['\n', '"']), "{:?}", u.id.as_str());
    }
}

/// A JSON Lines record given an empty `"value":[]` or `"records":[]` key was taken for an empty
/// page or envelope and vanished without a count; a stray `]` in a line made its rest 24 records
/// skipped of their own. Every line is one record, read or skipped once (fixtures/README.md,
/// `robust/`).
#[test]
fn a_json_line_is_one_record_whatever_it_holds() {
    // (file, records, events, skipped)
    let cases = [
        ("graph-record-with-empty-value.jsonl", 13, 13, 0),
        ("azure-monitor-record-with-empty-records.jsonl", 10, 10, 0),
        ("ual-record-with-empty-records.jsonl", 13, 10, 3),
        ("graph-stray-bracket.jsonl", 13, 12, 1),
    ];
    for (file, records, events, skipped) in cases {
        let rel = format!("robust/json-line-records/{file}");
        for full_parse in [false, true] {
            let opts = ReadOptions {
                keep_all: true,
                full_parse,
                ..Default::default()
            };
            let data =
                read_inputs(&[fixture(&rel)], &opts).unwrap_or_else(|e| panic!("{rel}: {e}"));
            let r = &data.inputs[0];
            assert_eq!(
                (r.records, r.events, r.skipped_total()),
                (records, events, skipped),
                "{rel}"
            );
            assert_eq!(r.records, r.events + r.snapshot_records + r.skipped_total());
        }
    }
    let data = read_all("robust/json-line-records/graph-stray-bracket.jsonl");
    let r = &data.inputs[0];
    assert_eq!(r.skipped.get("malformed JSON"), Some(&1));
    assert_eq!(r.issues.len(), 1);
    assert_eq!(r.issues[0].line, Some(5));
}
