//! The HTML report in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run)
//! loads `licdiag analyze --format html` of the sample tenant from a file, offline. The page must log
//! nothing to the console (no script error, no Content-Security-Policy violation, no blocked load),
//! its script must have run (sortable headers became buttons), the hostile display name must be text
//! and not an element, and the screenshot must not be blank.
//!
//! Without /usr/bin/chromium the test prints a notice and passes, unless `CI` is set: then it fails.

use crate::common::licdiag;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const AS_OF: &str = "2026-10-09T12:00:00Z";

/// The browser, or `None` (with a notice) when it may be skipped.
fn chromium() -> Option<PathBuf> {
    let p = PathBuf::from(CHROMIUM);
    if p.exists() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{CHROMIUM} is missing and CI is set: install Debian's chromium package (.ci/run does)"
        );
    }
    eprintln!(
        "notice: skipping the browser test: {CHROMIUM} is not installed (apt-get install chromium)"
    );
    None
}

/// Runs the browser with the flags every run uses, killing it after `limit`.
fn browse(exe: &Path, profile: &Path, extra: &[String], page: &Path, limit: Duration) -> Output {
    let mut cmd = Command::new(exe);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,2000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start chromium");
    // Read the pipes on threads so a chatty browser cannot block on a full pipe.
    let mut so = child.stdout.take().expect("stdout pipe");
    let mut se = child.stderr.take().expect("stderr pipe");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut so, &mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut se, &mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for chromium") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

/// Console lines the page produced (Chromium logs every console message, errors and CSP
/// violations included, as `...:CONSOLE...] "text", source: URL`).
fn console_lines(stderr: &str, page: &Path) -> Vec<String> {
    // Match the file name, not the whole URL: the browser may percent-encode parts of the path.
    let name = page
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    stderr
        .lines()
        .filter(|l| l.contains("Uncaught") || (l.contains(":CONSOLE") && l.contains(&name)))
        .map(str::to_string)
        .collect()
}

/// A rough "not blank" check without decoding: a PNG, over 10 KB, whose compressed bytes are varied.
fn assert_not_blank(png: &[u8]) {
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    assert!(
        png.len() > 10 * 1024,
        "the screenshot is {} bytes: a blank page compresses to a few KB",
        png.len()
    );
    let mut seen = [false; 256];
    for b in png {
        if let Some(s) = seen.get_mut(usize::from(*b)) {
            *s = true;
        }
    }
    let distinct = seen.iter().filter(|s| **s).count();
    assert!(distinct > 200, "only {distinct} distinct byte values");
    let chunk = png.get(..64).unwrap_or(png);
    let repeated = png.chunks(64).filter(|c| *c == chunk).count();
    assert!(repeated < png.len() / 64 / 2, "a repeated byte pattern");
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(exe) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("report.html");
    let out = licdiag()
        .args([
            "analyze",
            "fixtures/sample-tenant",
            "--as-of",
            AS_OF,
            "--format",
            "html",
        ])
        .arg("--output")
        .arg(&page)
        .output()
        .expect("run licdiag");
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The screenshot, and what the page logged while loading.
    let png = dir.path().join("report.png");
    let shot = browse(
        &exe,
        &dir.path().join("profile-shot"),
        &[format!("--screenshot={}", png.display())],
        &page,
        Duration::from_secs(120),
    );
    let stderr = String::from_utf8_lossy(&shot.stderr);
    assert!(shot.status.success(), "chromium failed: {stderr}");
    let console = console_lines(&stderr, &page);
    assert!(
        console.is_empty(),
        "console output from the page:\n{}",
        console.join("\n")
    );
    assert_not_blank(&std::fs::read(&png).expect("screenshot written"));

    // The DOM after the script ran.
    let dump = browse(
        &exe,
        &dir.path().join("profile-dom"),
        &["--dump-dom".to_string()],
        &page,
        Duration::from_secs(120),
    );
    let stderr = String::from_utf8_lossy(&dump.stderr);
    assert!(dump.status.success(), "chromium failed: {stderr}");
    let console = console_lines(&stderr, &page);
    assert!(
        console.is_empty(),
        "console output from the page:\n{}",
        console.join("\n")
    );
    let dom = String::from_utf8_lossy(&dump.stdout);
    assert!(
        dom.contains("Causes ranked by affected users"),
        "page not parsed: {dom}"
    );
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the hostile display name is not shown as text"
    );
    assert!(
        !dom.contains("<img src=\"x\""),
        "the display name became an element"
    );
    assert!(
        !dom.contains("<img src=x"),
        "the display name became an element"
    );
    assert!(
        dom.contains("<th class=\"num\"><button type=\"button\">"),
        "the table script did not run"
    );
    assert!(
        dom.contains("<div class=\"filter\">"),
        "the filter boxes were not shown by the script"
    );
    assert_eq!(dom.matches("<svg class=\"chart\"").count(), 2, "charts");
}
