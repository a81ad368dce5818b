//! Inputs and surroundings a mutation fuzzer found the binary failing on (session 38: 76k runs of
//! every command over damaged fixtures): each case exits with the contract's code and a message,
//! never a panic (exit code 101).

use crate::common::licdiag;
use predicates::prelude::*;

const SKU_E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
const SKU_E5: &str = "18181a46-0d4e-45cd-891e-60aabd171b4e";

/// A cell past 65,535 characters: the table formats padded each column to its widest cell with a
/// format width, which is out of the formatter's range there. The column is capped now; the long
/// text is still written whole.
#[test]
fn a_name_past_65535_characters_is_written_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let group = |sku: &str, name: &str| {
        format!(
            r#"[{{"id":"20000000-0000-4000-8000-000000000003","displayName":"{name}","securityEnabled":true,"groupTypes":[],"assignedLicenses":[{{"skuId":"{sku}","disabledPlans":[]}}]}}]"#
        )
    };
    let long = "A".repeat(70_000);
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&old, group(SKU_E3, "LIC-E3")).unwrap();
    std::fs::write(&new, group(SKU_E5, &long)).unwrap();
    let mut diff = licdiag();
    diff.args(["--no-progress", "diff"]).arg(&old).arg(&new);
    writes_whole(diff, &long);

    // an unknown error code is reported as written, in the timeline's time-to-resolve table
    let users = dir.path().join("users.json");
    let code = "Q".repeat(70_000);
    std::fs::write(
        &users,
        format!(
            r#"[{{"id":"5c7d2a6e-3d95-5f8f-a735-a230d514403d","userPrincipalName":"kai@x.example","assignedLicenses":[],"licenseAssignmentStates":[{{"skuId":"{SKU_E3}","disabledPlans":[],"assignedByGroup":"c3ef798d-70e7-5535-9156-8a8f67e593c1","state":"Error","error":"{code}","lastUpdatedDateTime":"2026-10-06T08:01:52Z"}}]}}]"#
        ),
    )
    .unwrap();
    for cmd in ["timeline", "analyze"] {
        let mut run = licdiag();
        run.args(["--no-progress", cmd]).arg(&users);
        writes_whole(run, &code);
    }
}

/// Runs `cmd`: a clean exit (0, or 1 for findings) whose report holds `text` whole.
fn writes_whole(mut cmd: assert_cmd::Command, text: &str) {
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(text));
}

/// An error that cannot be written (stderr on a full disk) still ends the run with exit code 2:
/// `eprintln!` panicked there.
#[cfg(target_os = "linux")]
#[test]
fn an_error_on_a_full_stderr_still_exits_2() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full in this sandbox
    };
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_licdiag"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--no-progress", "analyze", "fixtures/malformed/binary.bin"])
        .stdout(std::process::Stdio::null())
        .stderr(full)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

/// `-` named twice: standard input can be read once, so this is an error that says so, not an
/// "empty file" or a misread second input.
#[test]
fn standard_input_named_twice_is_an_error_that_says_so() {
    licdiag()
        .args(["--no-progress", "analyze", "-", "-"])
        .write_stdin("{}\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "standard input can be read only once",
        ));
}

/// A catalog downloaded gzip-compressed is read as the inputs are; a cut one is an error naming
/// the file and the fix.
#[test]
fn a_gzip_catalog_is_read_and_a_cut_one_is_named() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/license-catalog.csv");
    let plain = std::fs::read(&catalog).unwrap();
    let gz = dir.path().join("catalog.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&plain).unwrap();
    let bytes = enc.finish().unwrap();
    std::fs::write(&gz, &bytes).unwrap();
    let run = |catalog: &std::path::Path| {
        licdiag()
            .args([
                "--no-progress",
                "analyze",
                "fixtures/sample-tenant",
                "--as-of",
                "2026-10-09T12:00:00Z",
                "--format",
                "md",
                "--catalog",
            ])
            .arg(catalog)
            .output()
            .unwrap()
    };
    let (zipped, unzipped) = (run(&gz), run(&catalog));
    assert_eq!(zipped.status.code(), Some(1));
    // the same report but for the catalog's name
    let text = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.contains("catalog"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(text(&zipped), text(&unzipped));
    let cut = dir.path().join("cut.csv.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    licdiag()
        .args([
            "--no-progress",
            "analyze",
            "fixtures/sample-tenant",
            "--catalog",
        ])
        .arg(&cut)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cut.csv.gz").and(predicate::str::contains("gzip")));
}

/// An error naming a file whose name holds a line feed and an escape sequence is still one line,
/// the control characters written as escapes: nothing from a name reaches the terminal as control.
#[cfg(unix)]
#[test]
fn an_error_is_one_line_whatever_the_file_name_holds() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("a\nb\u{1b}[31m.json");
    std::fs::write(&bad, b"\x00\x01 not an export").unwrap();
    let out = licdiag()
        .args(["--no-progress", "analyze"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("a\\nb\\u{1b}[31m.json"), "{err}");
    assert!(!err.trim_end().contains(['\u{1b}', '\r']), "{err}");
}

/// Ids and addresses holding the quote characters PowerShell reads besides the ASCII ones (‘ ’ ‚ ‛
/// end a single-quoted string as `'` does, “ ” „ a double-quoted one as `"` does): in every
/// generated command each is doubled inside its string, or the line is not generated, so nothing
/// of the text can run as a command of its own.
#[test]
fn smart_quotes_in_ids_and_addresses_cannot_end_a_command_string() {
    let dir = tempfile::tempdir().unwrap();
    let group = "c3ef798d-70e7-5535-9156-8a8f67e593c1";
    let state = |code: &str| {
        format!(
            r#"[{{"skuId":"{SKU_E3}","disabledPlans":[],"assignedByGroup":"{group}","state":"Error","error":"{code}","lastUpdatedDateTime":"2026-10-06T08:01:52Z"}}]"#
        )
    };
    let address = "jamie\u{201D};calc;\u{201C}@x.example";
    let users = format!(
        r#"[
{{"id":"5c7d2a6e\u2019; remove-mguser -userid victim8; \u2018","userPrincipalName":"kai@x.example","accountEnabled":true,"assignedLicenses":[],"licenseAssignmentStates":{}}},
{{"id":"e40bfd65-5cf2-5686-a734-8c0710d84983","userPrincipalName":"{address}","accountEnabled":true,"proxyAddresses":["SMTP:{address}"],"assignedLicenses":[],"licenseAssignmentStates":{}}},
{{"id":"6fb0aff4-a491-558e-9e54-f45acf9083b2","userPrincipalName":"other@x.example","accountEnabled":true,"proxyAddresses":["SMTP:other@x.example","smtp:{address}"],"assignedLicenses":[],"licenseAssignmentStates":[]}}
]"#,
        state("CountViolation"),
        state("UniquenessViolation")
    );
    std::fs::write(dir.path().join("users.json"), users).unwrap();
    for format in ["table", "md", "json"] {
        let out = licdiag()
            .args(["--no-progress", "analyze"])
            .arg(dir.path())
            .args(["--as-of", "2026-10-09T12:00:00Z", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(
                "Invoke-MgLicenseUser -UserId '5c7d2a6e\u{2019}\u{2019}; remove-mguser -userid victim8; \u{2018}\u{2018}'"
            ),
            "{format}: {text}"
        );
        assert!(!text.contains("victim8; \u{2018}'"), "{format}: {text}");
        // the colliding address is named in the steps, but no Get-Recipient line is built from it
        assert!(text.contains("calc"), "{format}: {text}");
        assert!(
            !text
                .lines()
                .any(|l| l.contains("-Filter") && l.contains("calc")),
            "{format}: {text}"
        );
    }
}

/// A reader that goes away (`licdiag ... | head -c 10`) is not an error (README, "Exit codes"): every
/// command, in every output format, ends with the exit code its findings decide, as it does when its
/// output is read whole. Standard output is closed before the command writes anything, so every
/// write meets the closed pipe; each command runs a few times (the failure this guards against
/// depended on which write met the pipe first).
#[cfg(unix)]
#[test]
fn a_closed_pipe_keeps_the_exit_code_the_findings_decide() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().to_str().unwrap();
    let tenant = "fixtures/sample-tenant";
    let snapshot = "fixtures/sample-tenant/snapshot";
    let as_of = ["--as-of", "2026-10-09T12:00:00Z"];
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for format in ["table", "json", "md", "html"] {
        runs.push([&["analyze", tenant, "--format", format][..], &as_of].concat());
        runs.push(vec!["inspect", tenant, "--format", format]);
        runs.push(vec!["explain", "--format", format]);
    }
    for format in ["table", "json"] {
        runs.push(vec!["timeline", tenant, "--format", format]);
        runs.push(vec![
            "diff",
            snapshot,
            "fixtures/snapshot-after",
            "--format",
            format,
        ]);
    }
    for format in ["table", "json", "md", "html"] {
        runs.push(vec![
            "plan",
            "migrate",
            snapshot,
            "--group",
            "LIC-O365-E3",
            "--as-of",
            "2026-10-09",
            "--format",
            format,
        ]);
    }
    for format in ["table", "csv", "json"] {
        runs.push(vec![
            "sql",
            tenant,
            "-q",
            "SELECT * FROM events",
            "--format",
            format,
        ]);
    }
    runs.push(vec!["export", tenant, "--format", "csv", "--out", out]);
    let mut codes = std::collections::BTreeSet::new();
    for args in &runs {
        let whole = licdiag().arg("--no-progress").args(args).output().unwrap();
        let expected = whole.status.code();
        assert!(
            matches!(expected, Some(0 | 1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&whole.stderr)
        );
        assert!(!whole.stdout.is_empty(), "{args:?}");
        codes.insert(expected);
        for _ in 0..3 {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_licdiag"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .arg("--no-progress")
                .args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            drop(child.stdout.take()); // the reader goes away before anything is written
            let done = child.wait_with_output().unwrap();
            assert_eq!(
                done.status.code(),
                expected,
                "{args:?} with a closed pipe: {}",
                String::from_utf8_lossy(&done.stderr)
            );
            assert!(
                done.stderr.is_empty(),
                "{args:?}: {}",
                String::from_utf8_lossy(&done.stderr)
            );
        }
    }
    // both codes are covered: a closed pipe must neither lose findings nor invent them
    assert!(
        codes.contains(&Some(0)) && codes.contains(&Some(1)),
        "{codes:?}"
    );
}

/// Bidirectional-formatting characters (U+202E RIGHT-TO-LEFT OVERRIDE, the isolates, the marks) and
/// line separators in names and ids reach no output meant for a person as they are: in a terminal,
/// Markdown or HTML report (and the generated commands and their comments in each) they would
/// reorder or break what is shown around them (a command could read otherwise than it runs).
#[test]
fn bidi_controls_and_line_separators_reach_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let group = "c3ef798d-70e7-5535-9156-8a8f67e593c1";
    let hidden = [
        '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
        '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
    ];
    let all: String = hidden.iter().collect();
    let users = format!(
        r#"[{{"id":"5c7d2a6e{all}x","userPrincipalName":"kai{all}@x.example","displayName":"Kai {all} Nakamura","accountEnabled":true,"assignedLicenses":[],"licenseAssignmentStates":[{{"skuId":"{SKU_E3}","disabledPlans":[],"assignedByGroup":"{group}","state":"Error","error":"CountViolation","lastUpdatedDateTime":"2026-10-06T08:01:52Z"}}]}}]"#
    );
    let groups = format!(
        r#"[{{"id":"{group}","displayName":"LIC{all}E3","securityEnabled":true,"groupTypes":[],"assignedLicenses":[{{"skuId":"{SKU_E3}","disabledPlans":[]}}],"members":[{{"id":"5c7d2a6e{all}x"}}]}}]"#
    );
    std::fs::write(dir.path().join("users.json"), users).unwrap();
    std::fs::write(dir.path().join("groups.json"), groups).unwrap();
    let as_of = "2026-10-09T12:00:00Z";
    for format in ["table", "md", "html"] {
        for args in [
            vec!["analyze", "--as-of", as_of],
            vec!["plan", "delete-group", "--group", group, "--as-of", as_of],
        ] {
            let out = licdiag()
                .arg("--no-progress")
                .args(&args[..args.len() - 2])
                .arg(dir.path())
                .args(&args[args.len() - 2..])
                .args(["--format", format])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{args:?} {format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(text.contains("LIC"), "{args:?} {format}: {text}");
            assert!(
                !text.contains(&hidden[..]),
                "{args:?} {format}: {:?}",
                text.lines()
                    .filter(|l| l.contains(&hidden[..]))
                    .collect::<Vec<_>>()
            );
        }
    }
}

/// A name cannot add formatting or links to a Markdown report: `~~text~~` (GitHub's strikethrough)
/// has its tildes escaped, and a bare `http://…` or `www.…` (which GitHub links by itself) has its
/// `:` or `.` escaped, so both show as written. Fenced code blocks (generated commands) are shown
/// verbatim by every renderer and are left out of the check.
#[test]
fn names_cannot_strike_through_or_link_in_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let group = "c3ef798d-70e7-5535-9156-8a8f67e593c1";
    let name = "~~s~~ http://evil.example www.evil.example";
    let users = format!(
        r#"[{{"id":"5c7d2a6e-3d95-5f8f-a735-a230d514403d","userPrincipalName":"kai@x.example","displayName":"{name}","accountEnabled":true,"assignedLicenses":[],"licenseAssignmentStates":[{{"skuId":"{SKU_E3}","disabledPlans":[],"assignedByGroup":"{group}","state":"Error","error":"CountViolation","lastUpdatedDateTime":"2026-10-06T08:01:52Z"}}]}}]"#
    );
    let groups = format!(
        r#"[{{"id":"{group}","displayName":"{name}","securityEnabled":true,"groupTypes":[],"assignedLicenses":[{{"skuId":"{SKU_E3}","disabledPlans":[]}}],"members":[{{"id":"5c7d2a6e-3d95-5f8f-a735-a230d514403d"}}]}}]"#
    );
    std::fs::write(dir.path().join("users.json"), users).unwrap();
    std::fs::write(dir.path().join("groups.json"), groups).unwrap();
    for sub in [
        &["analyze"][..],
        &["plan", "delete-group", "--group", group],
    ] {
        let out = licdiag()
            .arg("--no-progress")
            .arg(sub[0])
            .args(&sub[1..sub.len().min(2)])
            .arg(dir.path())
            .args(sub.get(2..).unwrap_or_default())
            .args(["--as-of", "2026-10-09T12:00:00Z", "--format", "md"])
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{sub:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let md = String::from_utf8_lossy(&out.stdout);
        let mut fenced = false;
        let prose: Vec<&str> = md
            .lines()
            .filter(|l| {
                if l.starts_with("```") {
                    fenced = !fenced;
                    return false;
                }
                !fenced
            })
            .collect();
        let prose = prose.join("\n");
        assert!(
            prose.contains("\\~\\~s\\~\\~ http\\://evil.example www\\.evil.example"),
            "{sub:?}: {prose}"
        );
        for raw in ["~~s", "http://evil", "www.evil"] {
            assert!(!prose.contains(raw), "{sub:?}: {raw} in {prose}");
        }
    }
}

/// One blob of a storage container cut short (an hourly `.gz` download that stopped): the records
/// it holds before the cut are read with the other blobs, the cut record is counted as malformed,
/// and every output says the file ends early and what to do; `--strict` makes it fatal. It was an
/// error that stopped the whole folder.
#[test]
fn a_cut_gzip_blob_in_a_folder_is_read_to_its_cut_and_said() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let blobs = dir.path().join("blobs");
    std::fs::create_dir(&blobs).unwrap();
    let gz = |bytes: &[u8]| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    };
    let audit = std::path::Path::new("fixtures/sample-tenant/audit");
    let whole = gz(&std::fs::read(audit.join("directoryAudits-page1.json")).unwrap());
    std::fs::write(blobs.join("h00.json.gz"), whole).unwrap();
    let second = gz(&std::fs::read(audit.join("directoryAudits-page2.json")).unwrap());
    std::fs::write(blobs.join("h01.json.gz"), &second[..second.len() * 2 / 3]).unwrap();
    let run = |extra: &[&str]| {
        licdiag()
            .args([
                "--no-progress",
                "analyze",
                "fixtures/sample-tenant/snapshot",
            ])
            .arg(&blobs)
            .args(["--as-of", "2026-10-09T12:00:00Z", "--fail-on", "never"])
            .args(extra)
            .output()
            .unwrap()
    };
    let json = run(&["--format", "json"]);
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let err = String::from_utf8_lossy(&json.stderr);
    assert!(
        err.contains("warning:") && err.contains("h01.json.gz: the gzip stream ends early"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let inputs = v["inputs"].as_array().unwrap();
    let cut = inputs
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("h01.json.gz"))
        .unwrap();
    assert!(
        cut["gzip_cut"]["after_bytes"].as_u64().unwrap() > 0,
        "{cut}"
    );
    assert!(cut["events"].as_u64().unwrap() > 0, "{cut}");
    assert_eq!(cut["skipped"]["truncated record"], 1, "{cut}");
    let whole = inputs
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("h00.json.gz"))
        .unwrap();
    assert!(whole.get("gzip_cut").is_none(), "{whole}");
    for (format, label) in [
        ("md", "**Input cut short.**"),
        ("html", "<strong>Input cut short.</strong>"),
        ("table", "input cut short: "),
    ] {
        let out = run(&["--format", format]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(label) && text.contains("h01.json.gz"),
            "{format}: {text}"
        );
    }
    let strict = run(&["--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    // (the cut record is met first here; a cut between two records is said as the stream's end)
    assert!(String::from_utf8_lossy(&strict.stderr).contains("h01.json.gz"));
    // the timeline, a postmortem's document, says it too
    let tl = licdiag()
        .args([
            "--no-progress",
            "timeline",
            "fixtures/sample-tenant/snapshot",
        ])
        .arg(&blobs)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&tl.stdout).unwrap();
    assert!(
        v["input_notes"][0]
            .as_str()
            .unwrap()
            .contains("h01.json.gz"),
        "{v}"
    );
}

/// What the hostile tenant's strings hold: a terminal title (OSC), a clear-screen (CSI), a bell, a
/// carriage return, a C1 CSI (U+009B), a right-to-left override, a line feed followed by a marker
/// that must never start a line of a report, and a zero-width space.
const HOSTILE: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\r\u{9b}31m\u{202e}\nINJECTED\u{200b}";

/// The sample tenant with every kind of human-readable string the reports show made hostile
/// ([`HOSTILE`]): a group's name, a user's display name, a UPN, an administrator's UPN (the actor
/// of audit records) and IP address, an error code licdiag does not know (from
/// `licenseAssignmentStates[].error`), an audit message, a product part number, a membership rule
/// and a usage location.
fn hostile_tenant(dir: &std::path::Path) {
    let src = crate::common::fixture("sample-tenant");
    let h = serde_json::to_string(HOSTILE).unwrap();
    let h = &h[1..h.len() - 1];
    for sub in ["audit", "snapshot"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap();
            let text = text
                .replace("LIC-O365-E3", &format!("LIC{h}-E3"))
                .replace("Lena Vogel", &format!("Lena{h}Vogel"))
                .replace("kai.nakamura@", &format!("kai{h}@"))
                .replace("LicenseServiceUnavailableViolation", &format!("zz{h}Code"))
                .replace(
                    "Proxy address is already being used",
                    &format!("Proxy address is already being used{h}"),
                )
                .replace("ana.admin@", &format!("ana{h}@"))
                .replace("CONTOSO_CUSTOM_ADDON", &format!("CONTOSO{h}ADDON"))
                .replace("203.0.113.10", &format!("203.0.113.10{h}"))
                .replace("user.department -eq", &format!("user.department{h} -eq"))
                .replace(
                    "\"usageLocation\": \"BR\"",
                    &format!("\"usageLocation\": \"B{h}R\""),
                );
            std::fs::write(dir.join(sub).join(e.file_name()), text).unwrap();
        }
    }
}

/// Whether `c` must not reach a terminal or a report raw.
fn raw_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202e}' | '\u{200b}')
}

/// Every human-readable output of every command, fed the hostile tenant: no terminal control,
/// carriage return, C1 control, bidirectional override or invisible character is written raw
/// (the table and Markdown formats show the zero-width space as `\u{200b}`), no string from the
/// export starts a line of its own, JSON escapes C1, bidirectional and invisible characters, and
/// standard error is as clean.
#[test]
fn hostile_strings_reach_no_output_raw() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = dir.path().join("tenant");
    hostile_tenant(&tenant);
    let t = tenant.to_str().unwrap();
    let snap = tenant.join("snapshot");
    let s = snap.to_str().unwrap();
    let old = crate::common::fixture("sample-tenant/snapshot");
    let old = old.to_str().unwrap();
    let group = "c3ef798d-70e7-5535-9156-8a8f67e593c1";
    let plan = |kind: &'static [&'static str]| {
        let mut v = vec!["plan"];
        v.extend_from_slice(kind);
        v.extend_from_slice(&[t, "--group", group]);
        v
    };
    let mut runs: Vec<(Vec<&str>, &str)> = Vec::new();
    for format in ["table", "md", "html", "json"] {
        for args in [
            vec!["analyze", t],
            vec!["inspect", t],
            vec!["timeline", t],
            vec!["diff", old, s],
            plan(&["change", "--remove", "ENTERPRISEPACK", "--add", "SPE_E5"]),
            plan(&["migrate"]),
            plan(&["delete-group"]),
            plan(&["add-on", "--sku", "POWER_BI_PRO"]),
        ] {
            runs.push((args, format));
        }
    }
    for format in ["table", "csv", "json"] {
        for table in ["users", "groups", "events", "findings", "license_states"] {
            runs.push((vec!["sql", t, "-q", table], format));
        }
    }
    for (args, format) in runs {
        let mut cmd = licdiag();
        cmd.arg("--no-progress").args(&args);
        let query;
        if args[0] == "sql" {
            query = format!("SELECT * FROM {}", args[3]);
            cmd = licdiag();
            cmd.args(["--no-progress", "sql", t, "-q", &query]);
        }
        let out = cmd.args(["--format", format]).output().unwrap();
        let what = format!("{args:?} --format {format}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            !stderr.chars().any(raw_control),
            "{what}: stderr {stderr:?}"
        );
        if format == "csv" {
            // a line feed in a quoted cell is the cell's, a zero-width space its text; the rest
            // is escaped
            let raw = |c: char| raw_control(c) && c != '\u{200b}';
            assert!(!stdout.chars().any(raw), "{what}");
            continue;
        }
        let bad: Vec<&str> = stdout
            .lines()
            .filter(|l| {
                l.chars().any(raw_control)
                    // a line feed is white space in HTML text, not a line of its own
                    || (format != "html" && l.trim_start().starts_with("INJECTED"))
            })
            .collect();
        assert!(bad.is_empty(), "{what}: {bad:?}");
        if format == "json" {
            assert!(!stdout.contains('\u{9b}') && !stdout.contains('\u{202e}'));
            let v: serde_json::Value = serde_json::from_str(&stdout).expect(&what);
            assert!(
                v.to_string().contains("PWNED") || args[0] != "analyze",
                "{what}"
            );
        }
        if args[0] == "analyze" {
            assert!(
                stdout.contains("PWNED"),
                "{what}: the hostile strings are shown"
            );
            if format == "table" || format == "md" {
                assert!(stdout.contains("\\u{200b}"), "{what}: invisible shown");
            }
        }
    }
}

/// The export's text files keep no control character but tab and line feed, and JSON escapes C1,
/// bidirectional and invisible characters.
#[test]
fn exported_tables_hold_no_raw_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = dir.path().join("tenant");
    hostile_tenant(&tenant);
    for format in ["csv", "ndjson"] {
        let out = dir.path().join(format);
        licdiag()
            .args(["--no-progress", "export"])
            .arg(&tenant)
            .args(["--format", format, "--out"])
            .arg(&out)
            .assert()
            .success();
        let mut seen = false;
        for e in std::fs::read_dir(&out).unwrap() {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap();
            seen |= text.contains("PWNED");
            // CSV keeps a zero-width space as it is (the cell's text); JSON escapes it
            let raw = |c: char| raw_control(c) && (format == "ndjson" || c != '\u{200b}');
            assert!(!text.chars().any(raw), "{}", p.display());
            if format == "ndjson" {
                for l in text.lines() {
                    serde_json::from_str::<serde_json::Value>(l).unwrap();
                }
            }
        }
        assert!(seen, "{format}");
    }
}

/// A copy of the sample tenant in `dir`.
fn sample_tenant_copy(dir: &std::path::Path) -> std::path::PathBuf {
    let src = crate::common::fixture("sample-tenant");
    let dst = dir.join("tenant");
    for sub in ["audit", "snapshot"] {
        std::fs::create_dir_all(dst.join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dst.join(sub).join(e.file_name())).unwrap();
        }
    }
    dst
}

/// Runs `args` and checks it ends with exit code 2 and one line on standard error holding every
/// one of `says`.
fn fails_saying(mut cmd: assert_cmd::Command, says: &[&str]) {
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for s in says {
        assert!(err.contains(s), "{s:?} not in {err}");
    }
}

/// `-o` naming one of the inputs (a file of an input folder, a file named, through a symbolic or a
/// hard link), and `export --out` into a folder whose table files are inputs, are refused before
/// anything is written: the evidence stays as it was.
#[test]
fn an_output_that_would_replace_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = sample_tenant_copy(dir.path());
    let page = tenant.join("audit/directoryAudits-page1.json");
    let before = std::fs::read(&page).unwrap();
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "analyze"])
        .arg(&tenant)
        .arg("-o")
        .arg(&page);
    fails_saying(cmd, &["-o ", "would replace it", "input folder"]);
    assert_eq!(std::fs::read(&page).unwrap(), before);

    let users = tenant.join("snapshot/users.json");
    #[cfg(unix)]
    {
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&users, &link).unwrap();
        let mut cmd = licdiag();
        cmd.args(["--no-progress", "timeline"])
            .arg(&users)
            .arg("-o")
            .arg(&link);
        fails_saying(cmd, &["would replace it"]);
        let hard = dir.path().join("hard.json");
        std::fs::hard_link(&users, &hard).unwrap();
        let mut cmd = licdiag();
        cmd.args(["--no-progress", "inspect"])
            .arg(&users)
            .arg("--output")
            .arg(&hard);
        fails_saying(cmd, &["would replace it"]);
    }

    // `export --out` into the folder of an input named `users.csv`
    let csv_dir = dir.path().join("csvs");
    std::fs::create_dir(&csv_dir).unwrap();
    let users_csv = csv_dir.join("users.csv");
    std::fs::copy(
        crate::common::fixture("snapshot/users-with-license-errors.csv"),
        &users_csv,
    )
    .unwrap();
    let before = std::fs::read(&users_csv).unwrap();
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "export"])
        .arg(&users_csv)
        .args(["--format", "csv", "--out"])
        .arg(&csv_dir);
    fails_saying(cmd, &["--out ", "users.csv", "would replace it"]);
    assert_eq!(std::fs::read(&users_csv).unwrap(), before);

    // a new file in an input folder replaces nothing
    licdiag()
        .args(["--no-progress", "analyze"])
        .arg(&tenant)
        .arg("-o")
        .arg(dir.path().join("report.txt"))
        .assert()
        .code(1);
}

/// Review 88, item 1: `-o` naming a file that an input folder reaches through a link (a symbolic
/// link to a file outside the folder, a linked subfolder, a hard link elsewhere), for every
/// command that writes, and `export --out` into a folder whose table file is such a link, are
/// refused before anything is read or written: the evidence stays as it was.
#[cfg(unix)]
#[test]
fn an_output_an_input_folder_reaches_through_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = sample_tenant_copy(dir.path());
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let users = real.join("users.json");
    std::fs::rename(tenant.join("snapshot/users.json"), &users).unwrap();
    let before = std::fs::read(&users).unwrap();
    // in/snapshot/users.json -> ../../real/users.json
    std::os::unix::fs::symlink(&users, tenant.join("snapshot/users.json")).unwrap();
    let snapshot = tenant.join("snapshot");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let group = "LIC-O365-E3";
    let runs: Vec<Vec<String>> = vec![
        vec!["analyze".into(), s(&tenant)],
        vec!["inspect".into(), s(&tenant)],
        vec!["timeline".into(), s(&tenant)],
        vec!["diff".into(), s(&snapshot), s(&snapshot)],
        vec![
            "plan".into(),
            "migrate".into(),
            s(&snapshot),
            "--group".into(),
            group.into(),
        ],
    ];
    for args in &runs {
        let mut cmd = licdiag();
        cmd.arg("--no-progress").args(args).arg("-o").arg(&users);
        fails_saying(cmd, &["-o ", "would replace it", "users.json"]);
        assert_eq!(std::fs::read(&users).unwrap(), before, "{args:?}");
    }

    // a linked subfolder: in2/sub -> real
    let in2 = dir.path().join("in2");
    std::fs::create_dir(&in2).unwrap();
    std::os::unix::fs::symlink(&real, in2.join("sub")).unwrap();
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "analyze"])
        .arg(&in2)
        .arg("-o")
        .arg(&users);
    fails_saying(cmd, &["would replace it", "input folder"]);
    assert_eq!(std::fs::read(&users).unwrap(), before);

    // a hard link of an input folder's file, in another folder
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let hard = out.join("report.txt");
    std::fs::hard_link(&users, &hard).unwrap();
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "analyze"])
        .arg(&in2)
        .arg("-o")
        .arg(&hard);
    fails_saying(cmd, &["would replace it"]);
    assert_eq!(std::fs::read(&users).unwrap(), before);

    // `export --out` into a folder whose users.csv an input folder reaches through a link
    let csvs = dir.path().join("csvs");
    std::fs::create_dir(&csvs).unwrap();
    let users_csv = csvs.join("users.csv");
    std::fs::copy(
        crate::common::fixture("snapshot/users-with-license-errors.csv"),
        &users_csv,
    )
    .unwrap();
    let csv_before = std::fs::read(&users_csv).unwrap();
    let linked = dir.path().join("linked");
    std::fs::create_dir(&linked).unwrap();
    std::os::unix::fs::symlink(&users_csv, linked.join("errors.csv")).unwrap();
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "export"])
        .arg(&linked)
        .args(["--format", "csv", "--out"])
        .arg(&csvs);
    fails_saying(cmd, &["--out ", "users.csv", "would replace it"]);
    assert_eq!(std::fs::read(&users_csv).unwrap(), csv_before);
}

/// Review 88, item 5: `-o` into a folder that does not exist is refused before anything is read,
/// naming the folder and the fix (reports are not written into folders licdiag creates).
#[test]
fn an_output_in_a_missing_folder_names_the_folder_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nodir").join("sub");
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "analyze", "fixtures/sample-tenant", "-o"])
        .arg(missing.join("r.txt"));
    fails_saying(
        cmd,
        &[
            &format!("the folder {} does not exist", missing.display()),
            "mkdir -p",
        ],
    );
    assert!(!dir.path().join("nodir").exists());
}

/// Review 88, item 2: several inputs that cannot be read, folders and files alike, are named in
/// one error, the first in walking order, then the others. Root reads every folder, so the run is
/// made as `nobody` (65534) when the tests run as root and `setpriv` is there, else skipped.
#[cfg(unix)]
#[test]
fn unreadable_folders_and_files_are_all_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let unr = dir.path().join("unr");
    for sub in ["s1", "s2"] {
        std::fs::create_dir_all(unr.join(sub)).unwrap();
    }
    let snapshot = crate::common::fixture("sample-tenant/snapshot");
    std::fs::copy(snapshot.join("users.json"), unr.join("a.json")).unwrap();
    std::fs::copy(snapshot.join("groups.json"), unr.join("b.json")).unwrap();
    std::fs::set_permissions(unr.join("a.json"), std::fs::Permissions::from_mode(0o000)).unwrap();
    for sub in ["s1", "s2"] {
        std::fs::set_permissions(unr.join(sub), std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let exe = assert_cmd::cargo::cargo_bin("licdiag");
    // SAFETY: geteuid has no preconditions
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(setpriv) = setpriv else {
            return; // no way to read as another user here
        };
        let mut c = std::process::Command::new(setpriv);
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe);
        c
    } else {
        std::process::Command::new(&exe)
    };
    let out = cmd
        .current_dir(dir.path())
        .args(["--no-progress", "inspect", "unr"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if root
        && err.contains("Permission denied")
        && err.contains("licdiag")
        && out.status.code() == Some(126)
    {
        return; // the binary itself cannot be run as nobody here
    }
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("licdiag: error: unr/a.json: cannot read"),
        "{err}"
    );
    assert!(
        err.contains("2 more inputs cannot be read either: unr/s1, unr/s2"),
        "{err}"
    );
}

/// `-o -` is standard output (it wrote a file named `-`), for every report command.
#[test]
fn dash_output_is_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = crate::common::fixture("sample-tenant");
    for args in [
        vec!["analyze"],
        vec!["inspect"],
        vec!["timeline"],
        vec!["plan", "delete-group", "--group", "LIC-O365-E3"],
    ] {
        let out = licdiag()
            .current_dir(dir.path())
            .arg("--no-progress")
            .args(&args)
            .arg(&tenant)
            .args(["-o", "-", "--format", "json"])
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON on stdout");
        assert!(
            !dir.path().join("-").exists(),
            "{args:?} wrote a file named -"
        );
    }
}

/// Output errors name the file and say what to do: a full disk names the `-o` file, `--out` naming
/// a regular file says it is a file and not a folder, and a `--catalog` that is not text says so
/// in one line (not the CSV parser's byte positions).
#[test]
fn output_and_catalog_errors_name_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    if std::path::Path::new("/dev/full").exists() {
        let mut cmd = licdiag();
        cmd.args([
            "--no-progress",
            "analyze",
            "fixtures/sample-tenant",
            "-o",
            "/dev/full",
        ]);
        fails_saying(cmd, &["-o /dev/full", "No space left"]);
    }
    let file = dir.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    let mut cmd = licdiag();
    cmd.args([
        "--no-progress",
        "export",
        "fixtures/sample-tenant",
        "--format",
        "csv",
        "--out",
    ])
    .arg(&file);
    fails_saying(cmd, &["is a file, not a folder"]);
    // `-o -` is standard output for a report; export writes a folder: refused, no folder `-`
    let mut cmd = licdiag();
    cmd.current_dir(dir.path()).args([
        "--no-progress",
        "export",
        std::fs::canonicalize("fixtures/sample-tenant")
            .unwrap()
            .to_str()
            .unwrap(),
        "--format",
        "csv",
        "-o",
        "-",
    ]);
    fails_saying(cmd, &["--out -", "not to standard output"]);
    assert!(!dir.path().join("-").exists());
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00binary").unwrap();
    let mut cmd = licdiag();
    cmd.args([
        "--no-progress",
        "analyze",
        "fixtures/sample-tenant",
        "--catalog",
    ])
    .arg(&garbage);
    fails_saying(
        cmd,
        &[
            "--catalog ",
            "garbage.bin",
            "not a UTF-8 text CSV",
            "Product names and service plan",
        ],
    );
    // `export -o` is `--out`
    let out = dir.path().join("tables");
    licdiag()
        .args([
            "--no-progress",
            "export",
            "fixtures/sample-tenant",
            "--format",
            "csv",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("users.csv").exists());
}

/// A backtick in a group's name is text in the Markdown and HTML plans, not the start of a code span
/// (the name turned into `<code>` and its Markdown unescaped); the commands stay code spans; the
/// HTML plan has its Content-Security-Policy.
#[test]
fn backticks_in_names_are_text_in_plan_reports() {
    let dir = tempfile::tempdir().unwrap();
    let group = "c3ef798d-70e7-5535-9156-8a8f67e593c1";
    let name = "LIC-`<img src=x>`-**b**";
    let users = format!(
        r#"[{{"id":"5c7d2a6e-3d95-5f8f-a735-a230d514403d","userPrincipalName":"kai@x.example","displayName":"`kai` K","accountEnabled":true,"assignedLicenses":[],"licenseAssignmentStates":[{{"skuId":"{SKU_E3}","disabledPlans":[],"assignedByGroup":"{group}","state":"Error","error":"CountViolation","lastUpdatedDateTime":"2026-10-06T08:01:52Z"}}]}}]"#
    );
    let groups = format!(
        r#"[{{"id":"{group}","displayName":"{name}","securityEnabled":true,"groupTypes":[],"assignedLicenses":[{{"skuId":"{SKU_E3}","disabledPlans":[]}}],"members":[{{"id":"5c7d2a6e-3d95-5f8f-a735-a230d514403d"}}]}}]"#
    );
    std::fs::write(dir.path().join("users.json"), users).unwrap();
    std::fs::write(dir.path().join("groups.json"), groups).unwrap();
    let run = |format: &str| {
        let out = licdiag()
            .args(["--no-progress", "plan", "delete-group"])
            .arg(dir.path())
            .args(["--group", group, "--format", format])
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)));
        String::from_utf8(out.stdout).unwrap()
    };
    let md = run("md");
    assert!(md.contains(r"LIC-\`&lt;img src=x&gt;\`-\*\*b\*\*"), "{md}");
    assert!(md.contains("`Remove-MgGroup -GroupId"), "{md}");
    let html = run("html");
    assert!(!html.contains("<code>&lt;img"), "{html}");
    assert!(html.contains("LIC-`&lt;img src=x&gt;`-**b**"), "{html}");
    assert!(html.contains("<code>Remove-MgGroup -GroupId"), "{html}");
    assert!(
        html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;"
        ),
        "{html}"
    );
}

/// A report written into the input folder (`analyze st -o st/report.txt`) and read back by the
/// next run, or an export's tables given as input, are said to be licdiag's own output, with the
/// fix, not "no known export".
#[test]
fn licdiags_own_output_as_input_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = sample_tenant_copy(dir.path());
    for format in ["table", "md", "html", "json"] {
        let report = tenant.join(format!("report.{format}"));
        licdiag()
            .args(["--no-progress", "analyze"])
            .arg(&tenant)
            .args(["--format", format, "-o"])
            .arg(&report)
            .assert()
            .code(1);
        // a folder's `.md` files are passed over (READMEs): that one is named
        let mut cmd = licdiag();
        cmd.args(["--no-progress", "analyze"])
            .arg(if format == "md" { &report } else { &tenant });
        fails_saying(
            cmd,
            &[
                &format!("report.{format}"),
                "licdiag's own output",
                "move it out",
            ],
        );
        std::fs::remove_file(&report).unwrap();
    }
    // an inspect report in the table format, as the other reports
    let report = tenant.join("inspect.txt");
    licdiag()
        .args(["--no-progress", "inspect"])
        .arg(&tenant)
        .arg("-o")
        .arg(&report)
        .assert()
        .success();
    for command in ["inspect", "analyze"] {
        let mut cmd = licdiag();
        cmd.args(["--no-progress", command]).arg(&tenant);
        fails_saying(
            cmd,
            &[
                "inspect.txt",
                "licdiag's own output",
                "inspect report",
                "move it out",
            ],
        );
    }
    std::fs::remove_file(&report).unwrap();
    for format in ["csv", "ndjson"] {
        let out = dir.path().join(format);
        licdiag()
            .args(["--no-progress", "export"])
            .arg(&tenant)
            .args(["--format", format, "--out"])
            .arg(&out)
            .assert()
            .success();
        // every one of the seven tables is refused, the first five after the first named too
        let mut cmd = licdiag();
        cmd.args(["--no-progress", "analyze"]).arg(&out);
        let mut says = vec!["licdiag's own output", "export wrote", "6 more inputs"];
        let names: Vec<String> = ["findings", "groups", "inputs", "license_states", "skus"]
            .iter()
            .map(|t| format!("{t}.{format}"))
            .collect();
        says.extend(names.iter().map(String::as_str));
        fails_saying(cmd, &says);
        // the users table (its `license_errors` count column) and the license states (their
        // `error` column) are not read as a license-error list when named alone
        for table in ["users", "license_states"] {
            let mut cmd = licdiag();
            cmd.args(["--no-progress", "analyze"])
                .arg(out.join(format!("{table}.{format}")));
            fails_saying(
                cmd,
                &[
                    &format!("{table}.{format}: this is licdiag's own output"),
                    "export wrote",
                ],
            );
        }
    }
}

/// Review 88, item 7: `explain` saved in the table format into an input folder is named as
/// licdiag's own output, as the other reports are.
#[test]
fn a_saved_explain_table_in_an_input_folder_is_named_as_own_output() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = sample_tenant_copy(dir.path());
    let saved = tenant.join("snapshot/explain.txt");
    licdiag()
        .args(["explain", "CountViolation", "-o"])
        .arg(&saved)
        .assert()
        .success();
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "analyze"]).arg(&tenant);
    fails_saying(
        cmd,
        &[
            "explain.txt",
            "licdiag's own output",
            "explain playbook",
            "move it out",
        ],
    );
}

/// Review 88, item 8: the fix is said for a path that does not exist and for a file in an input
/// folder that is no export; `-o rep.html` in the table format says so on standard error;
/// `inspect` of one input says "1 input".
#[test]
fn errors_and_notes_say_the_fix() {
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "analyze", "fixtures/no-such-folder"]);
    fails_saying(cmd, &["no such file or directory", "check the path"]);

    let dir = tempfile::tempdir().unwrap();
    let tenant = sample_tenant_copy(dir.path());
    std::fs::write(
        tenant.join("snapshot/notes.txt"),
        "call Ana about the E3 seats\nthen check\n",
    )
    .unwrap();
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "analyze"]).arg(&tenant);
    fails_saying(
        cmd,
        &[
            "notes.txt",
            "found in the input folder",
            "move it out of the folder",
        ],
    );

    let out_dir = tempfile::tempdir().unwrap();
    let out = licdiag()
        .args(["--no-progress", "analyze", "fixtures/sample-tenant", "-o"])
        .arg(out_dir.path().join("rep.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("writing the table format") && err.contains("--format html"),
        "{err}"
    );
    let written = std::fs::read_to_string(out_dir.path().join("rep.html")).unwrap();
    assert!(written.starts_with("licdiag analyze"), "{written}");
    let out = licdiag()
        .args([
            "--no-progress",
            "analyze",
            "fixtures/sample-tenant",
            "--format",
            "html",
            "-o",
        ])
        .arg(out_dir.path().join("rep2.html"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("writing the table format"));

    licdiag()
        .args([
            "--no-progress",
            "inspect",
            "fixtures/sample-tenant/snapshot/users.json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("total: 1 input, "));
}

/// Review 88, item 8: a thread variable that is no number of threads (`0`, which polars refused
/// as "Worker threads cannot be set to 0" and `sql` blamed the query, or a word) is ignored with a
/// note, and the run is the one without it.
#[test]
fn a_thread_variable_that_is_no_number_of_threads_is_ignored_with_a_note() {
    let args = [
        "--no-progress",
        "sql",
        "fixtures/sample-tenant",
        "-q",
        "select count(*) as n from events",
    ];
    let plain = licdiag()
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("POLARS_MAX_THREADS")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(0));
    for (var, value) in [
        ("POLARS_MAX_THREADS", "0"),
        ("RAYON_NUM_THREADS", "0"),
        ("POLARS_MAX_THREADS", "four"),
    ] {
        let out = licdiag()
            .env_remove("RAYON_NUM_THREADS")
            .env_remove("POLARS_MAX_THREADS")
            .env(var, value)
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{var}={value}: {err}");
        assert!(
            err.contains(&format!("{var}={value} is not a number of worker threads")),
            "{var}={value}: {err}"
        );
        assert!(!err.contains("simplify it"), "{err}");
        assert_eq!(out.stdout, plain.stdout, "{var}={value}");
    }
}

/// `diff - -` says `-` is named twice (the second read found standard input empty), and `-` with
/// standard input closed or `/dev/null` says so, not "an empty file".
#[test]
fn standard_input_twice_to_diff_or_closed_is_said_so() {
    let users = crate::common::fixture("sample-tenant/snapshot/users.json");
    let mut cmd = licdiag();
    cmd.args(["--no-progress", "diff", "-", "-"])
        .pipe_stdin(&users)
        .unwrap();
    fails_saying(cmd, &["both OLD_SNAPSHOT and NEW_SNAPSHOT", "only once"]);
    if cfg!(target_os = "linux") {
        // redirected from /dev/null, and closed
        for script in ["exec </dev/null", "exec <&-"] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "{script}; exec '{}' --no-progress analyze -",
                    env!("CARGO_BIN_EXE_licdiag")
                ))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{script}: {err}");
            assert!(err.contains("standard input is closed"), "{script}: {err}");
        }
    }
    // a pipe still reads
    licdiag()
        .args(["--no-progress", "analyze", "-"])
        .pipe_stdin(&users)
        .unwrap()
        .assert()
        .code(1);
}

/// `--threads` far past the cores (65535 was accepted; 2,000 on 2 cores took 38 s) is lowered to 4
/// per core, with a note; the report is the same.
#[test]
fn threads_past_four_per_core_are_capped_with_a_note() {
    let out = licdiag()
        .args([
            "--no-progress",
            "--threads",
            "65535",
            "analyze",
            "fixtures/sample-tenant",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--threads 65535 is more than 4 per CPU core"),
        "{err}"
    );
    let plain = licdiag()
        .args(["--no-progress", "analyze", "fixtures/sample-tenant"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, plain.stdout);
}

/// `RAYON_NUM_THREADS` and `POLARS_MAX_THREADS` far past the cores (100,000 ran over a minute on a
/// 15 KB file; polars made 3,585 threads) are held to the same cap as `--threads`, with the same
/// note; the output is the same as without them.
#[test]
fn thread_variables_past_four_per_core_are_capped_with_a_note() {
    let runs: [(&str, &[&str]); 2] = [
        ("RAYON_NUM_THREADS", &["analyze", "fixtures/sample-tenant"]),
        (
            "POLARS_MAX_THREADS",
            &[
                "sql",
                "fixtures/sample-tenant",
                "-q",
                "select count(*) as n from events",
            ],
        ),
    ];
    for (var, args) in runs {
        let out = licdiag()
            .env(var, "100000")
            .arg("--no-progress")
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{var}=100000 is more than 4 per CPU core")),
            "{var}: {err}"
        );
        let plain = licdiag()
            .env_remove("RAYON_NUM_THREADS")
            .env_remove("POLARS_MAX_THREADS")
            .arg("--no-progress")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), plain.status.code(), "{var}");
        assert_eq!(out.stdout, plain.stdout, "{var}");
    }
}

/// A fuzzing review's display names, `A<c>B` for 33 invisible and hidden characters (the joiners,
/// Khmer vowels, deprecated format characters, variation selectors, tag and musical format
/// characters passed raw): no output for a reader, report or `sql`, holds one of them as it is.
#[test]
fn every_default_ignorable_character_is_escaped_in_every_output() {
    let invisible = |c: char| {
        matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{61c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff0}'..='\u{fffb}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0000}'..='\u{e0fff}'
        ) || (c.is_control() && c != '\n' && c != '\t')
    };
    let dir = "fixtures/fuzz-review/invisible";
    let query = "select display_name from users";
    let runs: Vec<Vec<&str>> = ["table", "md", "html", "json"]
        .into_iter()
        .map(|f| vec!["analyze", dir, "--format", f])
        .chain(
            ["table", "json"]
                .into_iter()
                .map(|f| vec!["sql", dir, "-q", query, "--format", f]),
        )
        .collect();
    for args in runs {
        let out = licdiag().arg("--no-progress").args(&args).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let raw: Vec<char> = text.chars().filter(|&c| invisible(c)).collect();
        assert!(raw.is_empty(), "{args:?}: {raw:?}");
        // the joiner and the variation selector are there, escaped (the analyze table names
        // no user)
        if args[..4] == ["analyze", dir, "--format", "table"] {
            continue;
        }
        let shown = ["200d", "fe0f"]
            .iter()
            .all(|h| text.contains(&format!("\\u{{{h}}}")) || text.contains(&format!("\\u{h}")));
        assert!(shown, "{args:?}");
    }
}

/// UTF-16 LE text without a byte-order mark and a gzip file compressed twice (a fuzzing review's
/// inputs) were "binary data ... if this is a .zip, unzip it first": each is said for what it is,
/// with how to fix it.
#[test]
fn utf16_without_a_mark_and_gzip_twice_are_said_for_what_they_are() {
    for (file, says) in [
        (
            "fixtures/fuzz-review/graph-utf16le-nobom.jsonl",
            &[
                "UTF-16LE text without a byte-order mark",
                "iconv -f UTF-16LE -t UTF-8",
                "Set-Content -Encoding utf8",
            ][..],
        ),
        (
            "fixtures/fuzz-review/graph-double.jsonl.gz",
            &["compressed twice", "gunzip it once"][..],
        ),
    ] {
        let out = licdiag()
            .args(["--no-progress", "analyze", file])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("binary data"), "{err}");
        for s in says {
            assert!(err.contains(s), "{file}: {s}: {err}");
        }
    }
}

/// Free-text result reasons (a fuzzing review's): `Error.` and `evil.txt.exe` were read as the
/// unknown codes `Error` and `exe`; only a .NET exception's class name stays a code.
#[test]
fn free_text_reasons_are_not_error_codes() {
    let out = licdiag()
        .args([
            "--no-progress",
            "analyze",
            "fixtures/fuzz-review/reasons.jsonl",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut causes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["cause"].as_str())
        .collect();
    causes.sort_unstable();
    assert_eq!(causes, ["SpnValidationException", "UnspecifiedFailure"]);
}

/// A `.gz` cut inside a CSV row: the part row (a user id cut in two still makes two cells) is not
/// read as a membership but counted as the record the stream ends inside (a review found it used).
#[test]
fn a_csv_cut_inside_a_row_by_the_gzip_stream_is_not_a_record() {
    use std::io::Write;
    let csv = std::fs::read_to_string("fixtures/snapshot/membership.csv").unwrap();
    let rows = csv.lines().count() - 1;
    let cut_at = csv.trim_end().len() - 10; // inside the last row's user id
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(csv.as_bytes()).unwrap();
    let whole = enc.finish().unwrap();
    // a stream that ends right after the cut point: compress the prefix, drop the trailer
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&csv.as_bytes()[..cut_at]).unwrap();
    enc.flush().unwrap();
    let prefix = enc.get_ref().clone();
    assert!(prefix.len() < whole.len());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("membership.csv.gz");
    std::fs::write(&file, &prefix).unwrap();
    let out = licdiag()
        .args(["--no-progress", "inspect"])
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let i = &v["inputs"][0];
    assert_eq!(i["snapshot_records"], rows as u64 - 1, "{i}");
    assert_eq!(
        i["skipped"]["record cut by the end of the gzip stream"], 1,
        "{i}"
    );
    assert!(i["gzip_cut"]["dropped_bytes"].as_u64().unwrap() > 0, "{i}");
}

/// A record too large to hold (review 76: a 40 MB record of twenty million values took 1.24 GB,
/// a 500 MB line in a 2 MB gzip 1.1 GB): a line of more than 4,000,000 values in a file, and a line
/// of more than 64 MB in a gzip stream (passed over without being held), are each one record
/// skipped as too large, and the records around them are read.
#[test]
fn records_too_large_to_hold_are_skipped_and_said() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("fixtures/formats/ual-auditdata.jsonl").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (first, rest) = (lines[0], lines[1..].join("\n"));
    let values = format!("{{\"Workload\":[{}0]}}", "0,".repeat(4_100_000));
    std::fs::write(
        dir.path().join("values.jsonl"),
        format!("{first}\n{values}\n{rest}\n"),
    )
    .unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    writeln!(enc, "{first}").unwrap();
    enc.write_all(b"{\"a\":\"").unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..65 {
        enc.write_all(&chunk).unwrap();
    }
    writeln!(enc, "\"}}\n{rest}").unwrap();
    std::fs::write(dir.path().join("bytes.jsonl.gz"), enc.finish().unwrap()).unwrap();
    // the same record first (the file is then not known as JSON Lines and the splitter reads
    // it), and as an element of a Graph page: passed over by the splitter, not held
    let huge = |enc: &mut flate2::write::GzEncoder<Vec<u8>>| {
        enc.write_all(b"{\"a\":\"").unwrap();
        for _ in 0..65 {
            enc.write_all(&chunk).unwrap();
        }
        enc.write_all(b"\"}").unwrap();
    };
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    huge(&mut enc);
    writeln!(enc, "\n{first}\n{rest}").unwrap();
    std::fs::write(dir.path().join("first.jsonl.gz"), enc.finish().unwrap()).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    write!(enc, "{{\"value\":[{first},").unwrap();
    huge(&mut enc);
    write!(enc, ",{}]}}", lines[1..].join(",")).unwrap();
    std::fs::write(dir.path().join("page.json.gz"), enc.finish().unwrap()).unwrap();
    let whole = licdiag()
        .args([
            "--no-progress",
            "inspect",
            "fixtures/formats/ual-auditdata.jsonl",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let whole: serde_json::Value = serde_json::from_slice(&whole.stdout).unwrap();
    let records = whole["inputs"][0]["records"].as_u64().unwrap();
    for (name, detail) in [
        ("values.jsonl", "4100000 JSON values"),
        ("bytes.jsonl.gz", "68.2 MB, more than the 64 MB"),
        ("first.jsonl.gz", "68.2 MB, more than the 64 MB"),
        ("page.json.gz", "68.2 MB, more than the 64 MB"),
    ] {
        let out = licdiag()
            .args(["--no-progress", "inspect", "--format", "json"])
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let input = &v["inputs"][0];
        assert_eq!(
            input["records"].as_u64(),
            Some(records + 1),
            "{name}: {input}"
        );
        assert_eq!(input["skipped"]["record too large"], 1, "{name}: {input}");
        let all = v.to_string();
        assert!(all.contains(detail), "{name}: {all}");
    }
}
