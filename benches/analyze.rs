//! End-to-end `licdiag analyze` as a library call (`licdiag::commands::analyze_paths`: read the
//! snapshot and one audit file, normalize, diagnose, recommend), per audit format, plus the
//! diagnosis alone on already-ingested data. Size: `LICDIAG_BENCH_EVENTS` (default 20,000) and
//! `LICDIAG_BENCH_USERS` (default 2,000). Also the built-in catalog, from its table and from its
//! CSV (`catalog`): a fixed cost of every run.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use licdiag::commands::{analyze_paths, knowledge};
use licdiag::diagnose::{diagnose, DiagnoseOptions};
use licdiag::ingest::{read_inputs, ReadOptions};
use licdiag::knowledge::Catalog;
use std::time::Duration;

fn analyze(c: &mut Criterion) {
    let users = common::env_u64("LICDIAG_BENCH_USERS", 2_000);
    let events = common::env_u64("LICDIAG_BENCH_EVENTS", 20_000);
    let dir = common::tenant(users, events);
    let as_of = common::as_of(&dir);
    let snapshot = dir.join("snapshot");
    let snap_bytes: u64 = std::fs::read_dir(&snapshot)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);

    let mut g = c.benchmark_group("analyze");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1));
    for (format, path, bytes) in common::audit_files(&dir) {
        g.throughput(Throughput::Bytes(bytes + snap_bytes));
        let paths = vec![snapshot.clone(), path];
        g.bench_with_input(
            BenchmarkId::new("analyze_paths", &format),
            &paths,
            |b, paths| {
                b.iter(|| {
                    let run = analyze_paths(
                        paths,
                        &ReadOptions::default(),
                        Some(as_of),
                        None,
                        &Default::default(),
                    )
                    .expect("analyze");
                    assert!(!run.diagnosis.findings.is_empty());
                    run
                })
            },
        );
    }
    g.finish();

    // the diagnosis alone: inputs read once
    let graph = dir.join("audit").join("audit-graph.jsonl");
    let data = read_inputs(&[snapshot, graph], &ReadOptions::default()).expect("read");
    let kb = knowledge(None, &data).expect("knowledge");
    let opts = DiagnoseOptions::new(as_of);
    let mut g = c.benchmark_group("diagnose");
    g.sample_size(20);
    g.throughput(Throughput::Elements(data.events.len() as u64));
    g.bench_function("graph-jsonl", |b| {
        b.iter(|| diagnose(&data.events, &data.snapshot, &kb, &opts))
    });
    g.finish();
}

/// The built-in catalog as every run builds it (`Catalog::builtin`, from the table parsed ahead of
/// time) and as it was built until the twenty-seventh session (`Catalog::parse` of the CSV).
fn catalog(c: &mut Criterion) {
    const CSV: &[u8] = include_bytes!("../data/license-catalog.csv");
    let mut g = c.benchmark_group("catalog");
    g.bench_function("builtin_table", |b| b.iter(Catalog::builtin));
    g.bench_function("parse_csv", |b| {
        b.iter(|| Catalog::parse(CSV, "license-catalog.csv").expect("the catalog parses"))
    });
    g.finish();
}

criterion_group!(benches, analyze, catalog);
criterion_main!(benches);
