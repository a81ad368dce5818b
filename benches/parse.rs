//! Parsing throughput per export format: `licdiag::ingest::read_inputs` on one audit file of a
//! generated tenant (detect, split, parse, normalize; licensing events kept). Bytes per second of the
//! input file. Size: `LICDIAG_BENCH_EVENTS` (default 20,000 records per format) and
//! `LICDIAG_BENCH_USERS` (default 2,000).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use licdiag::ingest::{read_inputs, ReadOptions};
use std::time::Duration;

fn parse(c: &mut Criterion) {
    let users = common::env_u64("LICDIAG_BENCH_USERS", 2_000);
    let events = common::env_u64("LICDIAG_BENCH_EVENTS", 20_000);
    let dir = common::tenant(users, events);
    let mut g = c.benchmark_group("parse");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    for (format, path, bytes) in common::audit_files(&dir) {
        g.throughput(Throughput::Bytes(bytes));
        let paths = vec![path];
        g.bench_with_input(
            BenchmarkId::new("read_inputs", &format),
            &paths,
            |b, paths| {
                b.iter(|| {
                    let data = read_inputs(paths, &ReadOptions::default()).expect("read");
                    assert_eq!(data.inputs[0].records, events);
                    data
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
