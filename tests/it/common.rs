//! Shared test helpers: fixture paths, running the binary, reading JSON output.

use std::path::PathBuf;

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn licdiag() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("licdiag").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs `licdiag ARGS --format json` and parses stdout.
pub fn json_of(args: &[&str]) -> (serde_json::Value, i32) {
    let out = licdiag()
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

pub fn expected() -> serde_json::Value {
    let p = fixture("expected/sample-tenant.json");
    serde_json::from_slice(&std::fs::read(p).expect("expected file")).expect("expected json")
}
