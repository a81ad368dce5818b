//! Parsing throughput per export format: `licdiag::ingest::read_inputs` on one audit file of a
//! generated tenant (detect, split, parse, normalize; licensing events kept), and on its snapshot's
//! users page (`graph-users`: Graph user objects with their licenses, license states and assigned
//! plans). Bytes per second of the input file. Size: `LICDIAG_BENCH_EVENTS` (default 20,000 records per format) and
//! `LICDIAG_BENCH_USERS` (default 2,000).
//!
//! `floor`: what any reader that validates every record pays, on one core, over the Graph JSON
//! Lines file: the needle search alone, serde_json validating each line without building anything
//! (`IgnoredAny`), and licdiag's own validating scan (`lightjson::Doc`: keeping the top two levels'
//! members as the fast path does, and every level's). benches/README.md uses it
//! to bound what the JSON Lines targets ask for. `LICDIAG_FLOOR_FILE` points it at any JSON Lines
//! file instead (the 1M-record file of `benches/compare.sh`, for example).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use licdiag::ingest::{lightjson, prefilter, read_inputs, ReadOptions};
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
    let users_page = dir.join("snapshot").join("users.json");
    let bytes = std::fs::metadata(&users_page).expect("users.json").len();
    g.throughput(Throughput::Bytes(bytes));
    let paths = vec![users_page];
    g.bench_with_input(
        BenchmarkId::new("read_inputs", "graph-users"),
        &paths,
        |b, paths| {
            b.iter(|| {
                let data = read_inputs(paths, &ReadOptions::default()).expect("read");
                assert_eq!(data.snapshot.users.len() as u64, users);
                data
            })
        },
    );
    g.finish();
}

fn floor(c: &mut Criterion) {
    let users = common::env_u64("LICDIAG_BENCH_USERS", 2_000);
    let events = common::env_u64("LICDIAG_BENCH_EVENTS", 20_000);
    let path = match std::env::var_os("LICDIAG_FLOOR_FILE") {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let dir = common::tenant(users, events);
            let Some((_, path, _)) = common::audit_files(&dir)
                .into_iter()
                .find(|(f, _, _)| f == "graph-jsonl")
            else {
                panic!("the generated tenant has no graph-jsonl file");
            };
            path
        }
    };
    let data = std::fs::read(&path).expect("read the JSON Lines file");
    let bytes = data.len() as u64;
    let lines: Vec<&[u8]> = data
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut g = c.benchmark_group("floor");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .throughput(Throughput::Bytes(bytes));
    g.bench_function("needle_search", |b| {
        b.iter(|| {
            data.chunks(4 << 20)
                .map(|c| prefilter::needle_positions(c).len())
                .sum::<usize>()
        })
    });
    g.bench_function("serde_json_validate", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok())
                .count()
        })
    });
    // the shallow scan is what a record without a needle costs the fast path
    type Scan = fn(&[u8]) -> bool;
    let scans: [(&str, Scan); 2] = [
        ("lightjson_shallow", |l| {
            lightjson::Doc::parse_shallow(l).is_some()
        }),
        ("lightjson_doc", |l| lightjson::Doc::parse(l).is_some()),
    ];
    for (name, scan) in scans {
        g.bench_function(name, |b| {
            b.iter(|| lines.iter().filter(|l| scan(l)).count())
        });
    }
    g.finish();
}

criterion_group!(benches, parse, floor);
criterion_main!(benches);
