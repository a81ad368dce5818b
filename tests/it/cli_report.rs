//! The human reports through the binary: `analyze --format md|html`, `inspect` and `explain` in both.
//! The Markdown of the sample tenant and of the playbook is pinned with insta snapshots
//! (tests/it/snapshots); the HTML is checked for being self-contained, escaped and complete. The headless
//! browser check of the HTML lives in tests/it/browser.rs.

use crate::common::{fixture, licdiag};
use sha2::{Digest, Sha256};

const AS_OF: &str = "2026-10-09T12:00:00Z";
const XSS: &str = "<img src=x onerror=alert(1)>";

/// Runs licdiag and returns (stdout, exit code), with the version number replaced so snapshots do
/// not churn on a release.
fn run(args: &[&str]) -> (String, i32) {
    let out = licdiag().args(args).output().expect("run licdiag");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 output");
    assert!(
        out.stderr.is_empty() || out.status.success() || out.status.code() == Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = concat!("licdiag ", env!("CARGO_PKG_VERSION"));
    (
        stdout.replace(v, "licdiag [version]"),
        out.status.code().unwrap_or(-1),
    )
}

fn analyze(format: &str, extra: &[&str]) -> (String, i32) {
    let mut args = vec![
        "analyze",
        "fixtures/sample-tenant",
        "--as-of",
        AS_OF,
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn sha256_hex(rel: &str) -> String {
    let bytes = std::fs::read(fixture(rel)).expect("fixture");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn analyze_markdown_snapshot() {
    let (md, code) = analyze("md", &[]);
    assert_eq!(code, 1, "the sample tenant has errors");
    insta::assert_snapshot!("analyze_sample_tenant_md", md);
}

#[test]
fn explain_markdown_snapshot() {
    let (md, code) = run(&["explain", "--format", "md"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("explain_md", md);
}

#[test]
fn explain_one_cause_markdown_and_html() {
    let (md, code) = run(&["explain", "CountViolation", "--format", "md"]);
    assert_eq!(code, 0);
    assert!(md.starts_with("# "), "{md}");
    assert!(md.contains("Cause code: `CountViolation`"), "{md}");
    let (html, code) = run(&["explain", "CountViolation", "--format", "html"]);
    assert_eq!(code, 0);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<code>CountViolation</code>"));
}

/// Every report command writes to `-o FILE` what it prints.
#[test]
fn inspect_and_explain_write_to_an_output_file() {
    let dir = std::env::temp_dir().join(format!("licdiag-o-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for args in [
        &["explain", "CountViolation", "--format", "md"][..],
        &["inspect", "fixtures/sample-tenant", "--format", "md"],
    ] {
        let (printed, code) = run(args);
        assert_eq!(code, 0);
        let file = dir.join("out.md");
        let mut with_o = args.to_vec();
        with_o.extend(["-o", file.to_str().unwrap()]);
        let (stdout, code) = run(&with_o);
        assert_eq!((stdout.as_str(), code), ("", 0), "{args:?}");
        let v = concat!("licdiag ", env!("CARGO_PKG_VERSION"));
        let written = std::fs::read_to_string(&file).unwrap();
        assert_eq!(written.replace(v, "licdiag [version]"), printed, "{args:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn markdown_is_deterministic_and_has_every_section() {
    let (a, _) = analyze("md", &[]);
    let (b, _) = analyze("md", &[]);
    assert_eq!(a, b);
    for h in [
        "# licdiag analyze report",
        "## Summary",
        "## Causes ranked by affected users",
        "## Findings",
        "## Capacity per SKU",
        "## Errors over time",
        "## Timeline",
        "## Affected users",
        "## Groups",
        "## Inputs",
    ] {
        assert!(
            a.contains(&format!("\n{h}\n")) || a.starts_with(h),
            "missing {h}"
        );
    }
}

#[test]
fn markdown_escapes_export_strings() {
    let (md, _) = analyze("md", &[]);
    assert!(!md.contains(XSS), "raw markup from a display name");
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // every table row keeps its column count: no unescaped pipe from the data
    for line in md.lines().filter(|l| l.starts_with("| ")) {
        assert!(line.ends_with(" |") || line.ends_with('|'), "{line}");
    }
}

#[test]
fn markdown_names_inputs_with_their_digest() {
    let (md, _) = analyze("md", &[]);
    let rel = "sample-tenant/snapshot/users.json";
    assert!(
        md.contains(&format!("`{}`", sha256_hex(rel))),
        "users.json digest"
    );
    assert!(md.contains("graph-users"));
    assert!(md.contains("licdiag [version]"));
}

#[test]
fn retention_caveat_when_the_window_looks_cut_or_errors_predate_it() {
    // The sample's audit log covers 4 days: not cut; but one snapshot error is older than it.
    let (md, _) = analyze("md", &[]);
    assert!(md.contains("**Audit retention.** 1 error recorded in the snapshot predates"));
    assert!(!md.contains("window looks cut"), "4-day window, not cut");
    // Without the snapshot nothing is older than the log: no caveat.
    let (md, _) = run(&[
        "analyze",
        "fixtures/sample-tenant/audit",
        "--as-of",
        AS_OF,
        "--format",
        "md",
    ]);
    assert!(!md.contains("**Audit retention.**"), "{md}");
    // The same audit log analyzed 2 days after its last event: it now reaches back ~6 days from
    // as-of, as a 7-day retention would leave it.
    let (md, _) = run(&[
        "analyze",
        "fixtures/sample-tenant/audit",
        "--as-of",
        "2026-10-11T08:00:00Z",
        "--format",
        "md",
    ]);
    assert!(md.contains("so the window looks cut"), "{md}");
    assert!(md.contains("7 on free tenants, 30 with Entra ID P1/P2"));
}

/// Review 61 finding 2: the reports hold nothing the JSON does not; the retention caveat is in the
/// JSON (`audit_retention`) and on the table's `audit retention:` line, the same sentence as md's.
#[test]
fn the_retention_caveat_is_in_every_format() {
    let (md, _) = analyze("md", &[]);
    let (json, _) = analyze("json", &[]);
    let (table, _) = analyze("table", &[]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let r = &v["audit_retention"];
    assert_eq!(r["errors_predating"], 1, "{r:#}");
    assert_eq!(r["earliest_error"], "2026-10-04T17:12:40Z", "{r:#}");
    assert!(r.get("cut_at_days").is_none(), "{r:#}");
    let note = r["note"].as_str().expect("note");
    assert!(note.starts_with("1 error recorded in the snapshot predates"));
    assert!(md.contains(&format!("**Audit retention.** {note}")), "{md}");
    let line = table
        .lines()
        .find(|l| l.starts_with("audit retention: "))
        .expect("the table's line");
    assert_eq!(line, format!("audit retention: {note}"));
    // a run with nothing to say has no key and no line
    let (json, _) = run(&[
        "analyze",
        "fixtures/sample-tenant/audit",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert!(!json.contains("audit_retention"), "{json}");
    // a window cut at 7 days says so in the JSON too
    let (json, _) = run(&[
        "analyze",
        "fixtures/sample-tenant/audit",
        "--as-of",
        "2026-10-11T08:00:00Z",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["audit_retention"]["cut_at_days"], 7, "{json}");
}

#[test]
fn html_is_self_contained_and_escaped() {
    let (html, code) = analyze("html", &[]);
    assert_eq!(code, 1);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    // nothing loaded from anywhere
    let lower = html.to_lowercase();
    for bad in [
        "<script src",
        "<link rel=\"stylesheet\"",
        "@import",
        "url(",
        "src=\"http",
        "src='http",
        "<iframe",
        "<object",
        "<embed",
        "@font-face",
    ] {
        assert!(!lower.contains(bad), "{bad}");
    }
    // no element loads anything: no src attribute at all, the only <link> is the empty data: icon,
    // and external addresses appear only as documentation links (<a href>) or as text
    assert!(!lower.contains(" src=\""), "a src attribute");
    assert_eq!(lower.matches("<link").count(), 1);
    assert!(lower.contains("<link rel=\"icon\" href=\"data:,\">"));
    for (i, _) in lower.match_indices("=\"http") {
        let tag_start = lower[..i].rfind('<').unwrap_or(0);
        assert!(
            lower[tag_start..].starts_with("<a href"),
            "external URL outside a link: {}",
            &lower[tag_start..i]
        );
    }
    assert!(html.contains("http-equiv=\"Content-Security-Policy\""));
    assert!(html.contains("default-src &#39;none&#39;"));
    assert!(!html.contains("unsafe-inline"));
    // the hostile display name is text
    assert!(!html.contains(XSS));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("innerHTML"));
    // charts and interactive tables
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 2);
    assert!(html.contains("<table class=\"sortable\" id=\"users-table\">"));
    assert!(html.contains("data-filter=\"users-table\""));
    assert!(html.contains("data-filter=\"groups-table\""));
    assert!(html.contains("@media print"));
    // provenance
    assert!(html.contains(&sha256_hex(
        "sample-tenant/audit/directoryAudits-page1.json"
    )));
    assert!(html.contains("licdiag [version]"));
}

#[test]
fn html_covers_every_finding_and_user() {
    let (html, _) = analyze("html", &[]);
    let (v, _) = crate::common::json_of(&["analyze", "fixtures/sample-tenant", "--as-of", AS_OF]);
    let findings = v["findings"].as_array().expect("findings");
    for n in 1..=findings.len() {
        assert!(html.contains(&format!("id=\"finding-{n}\"")), "finding {n}");
    }
    for f in findings {
        for u in f["users"].as_array().expect("users") {
            if let Some(upn) = u["upn"].as_str() {
                assert!(html.contains(upn), "{upn}");
            }
        }
    }
}

#[test]
fn output_flag_writes_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.html");
    let o = licdiag()
        .args([
            "analyze",
            "fixtures/sample-tenant",
            "--as-of",
            AS_OF,
            "--format",
            "html",
        ])
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let html = std::fs::read_to_string(&out).expect("report written");
    assert!(html.starts_with("<!DOCTYPE html>"));
}

#[test]
fn inspect_in_markdown_and_html() {
    let (md, code) = run(&["inspect", "fixtures/sample-tenant", "--format", "md"]);
    assert_eq!(code, 0);
    assert!(md.starts_with("# licdiag inspect report"));
    assert!(md.contains("| file | format |"));
    assert!(md.contains("directoryAudits-page1.json"));
    let (html, code) = run(&[
        "inspect",
        "fixtures/malformed/broken-line.jsonl",
        "--format",
        "html",
    ]);
    assert_eq!(code, 0);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Malformed records"));
}

#[test]
fn snapshot_only_input_still_renders() {
    let (md, _) = run(&[
        "analyze",
        "fixtures/sample-tenant/snapshot",
        "--as-of",
        AS_OF,
        "--format",
        "md",
    ]);
    assert!(md.contains("No audit log among the inputs"));
    let (html, _) = run(&[
        "analyze",
        "fixtures/sample-tenant/snapshot",
        "--as-of",
        AS_OF,
        "--format",
        "html",
    ]);
    assert!(html.contains("No audit log among the inputs"));
}
