//! Shared by the benches: generate a synthetic tenant with the `licdiag-gen` binary Cargo built for
//! this bench run (once per size; reused while `truth.json` says it has the same parameters).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `licdiag-gen` as built alongside the bench; falls back to `target/release/licdiag-gen`.
pub fn generator() -> PathBuf {
    option_env!("CARGO_BIN_EXE_licdiag-gen")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/licdiag-gen"))
}

/// An environment override, else the default.
pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Generates (or reuses) a tenant with every audit format under `target/bench-tenants/`.
pub fn tenant(users: u64, events: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-tenants")
        .join(format!("u{users}-e{events}"));
    let truth = dir.join("truth.json");
    let fresh = std::fs::read(&truth)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|t| {
            t["generator"]["users"] == users
                && t["generator"]["events"] == events
                && t["generator"]["seed"] == 1
        });
    if !fresh {
        let status = Command::new(generator())
            .args(["--out"])
            .arg(&dir)
            .args([
                "--users",
                &users.to_string(),
                "--events",
                &events.to_string(),
                "--seed",
                "1",
                "--quiet",
            ])
            .status()
            .expect("run licdiag-gen (build it with `cargo build --release --bin licdiag-gen`)");
        assert!(status.success(), "licdiag-gen failed");
    }
    dir
}

/// The six audit files of a tenant: (format name, path, bytes).
pub fn audit_files(dir: &Path) -> Vec<(String, PathBuf, u64)> {
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth.json"))
            .expect("truth json");
    let mut out = Vec::new();
    for (rel, f) in truth["files"].as_object().expect("files") {
        if let Some(fmt) = f["format"].as_str() {
            let p = dir.join(rel);
            let bytes = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            out.push((fmt.to_string(), p, bytes));
        }
    }
    out.sort();
    out
}

/// The snapshot time of a tenant (the `--as-of` that makes a diagnosis reproducible).
pub fn as_of(dir: &Path) -> chrono::DateTime<chrono::Utc> {
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth.json"))
            .expect("truth json");
    truth["snapshot_time"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .expect("snapshot_time")
}
