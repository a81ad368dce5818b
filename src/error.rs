//! Error types. An `InputError` makes an input unusable (exit code 2) and names the file, what was
//! found and what was expected; record-level problems are not errors but counted skips
//! (see [`crate::ingest::Skip`]).

use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum InputError {
    #[error("{path}: cannot read{}", io_hint(source))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: no such file or directory; check the path (a relative path is read from the current folder)")]
    Missing(PathBuf),
    #[error("{path}: {found}; expected {expected}")]
    Unusable {
        path: String,
        found: String,
        expected: String,
    },
    #[error("{path}: {detail} (--strict makes malformed records fatal)")]
    Strict { path: String, detail: String },
    /// The first input that cannot be read, with the others named (a folder of evidence is fixed
    /// in one go, not one file per run).
    #[error("{}; {more}", with_sources(first))]
    Several {
        first: Box<InputError>,
        more: String,
    },
}

/// What to do about an input the system refuses to let licdiag read (said before the system's
/// own words, which follow as the error's source): nothing for other errors.
fn io_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            " (check its permissions, e.g. with `ls -l`, or copy it somewhere this user can read)"
        }
        _ => "",
    }
}

/// An error and its sources, `: ` between them (as `{:#}` prints an anyhow chain).
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut at = e.source();
    while let Some(s) = at {
        out.push_str(": ");
        out.push_str(&s.to_string());
        at = s.source();
    }
    out
}

impl InputError {
    /// The input the error is about, as given.
    pub fn path(&self) -> String {
        match self {
            InputError::Io { path, .. }
            | InputError::Unusable { path, .. }
            | InputError::Strict { path, .. } => path.clone(),
            InputError::Missing(p) => p.display().to_string(),
            InputError::Several { first, .. } => first.path(),
        }
    }

    /// The first of several inputs that cannot be read, naming the others (at most five, then
    /// how many more).
    pub fn several(mut errors: Vec<InputError>) -> Option<InputError> {
        if errors.len() < 2 {
            return errors.pop();
        }
        let first = errors.remove(0);
        let mut names: Vec<String> = errors.iter().take(5).map(InputError::path).collect();
        if errors.len() > 5 {
            names.push(format!("{} more", errors.len() - 5));
        }
        Some(InputError::Several {
            first: Box::new(first),
            more: format!(
                "{} more input{} cannot be read either: {}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
        })
    }

    /// An input found by walking `folder` that is no known export: the fix said (move it out of
    /// the folder, or name the export files), as an unrelated text file in an evidence folder
    /// stopped the run with no word of what to do (review 88, item 8).
    pub fn found_in_folder(self, folder: &std::path::Path) -> Self {
        match self {
            InputError::Unusable {
                path,
                found,
                expected,
            } if expected.starts_with(EXPECTED_INPUT) && !expected.contains("move it out") => {
                InputError::Unusable {
                    path,
                    found,
                    expected: format!(
                        "{expected}; it was found in the input folder {}: if it is no export, move \
                         it out of the folder or name the export files instead of the folder",
                        folder.display()
                    ),
                }
            }
            e => e,
        }
    }

    /// The error with a note after what was found (why the input was read as it was).
    pub fn with_note(self, note: &str) -> Self {
        match self {
            InputError::Unusable {
                path,
                found,
                expected,
            } => InputError::Unusable {
                path,
                found: format!("{found} ({note})"),
                expected,
            },
            InputError::Strict { path, detail } => InputError::Strict {
                path,
                detail: format!("{detail} ({note})"),
            },
            e => e,
        }
    }
}

/// What licdiag expects an input to be, for error messages.
pub const EXPECTED_INPUT: &str = "an Entra audit-log export (Graph directoryAudits JSON, admin-center CSV/JSON, \
Azure Monitor diagnostic records, Log Analytics AuditLogs export, Purview unified audit log) or a license snapshot \
(Graph users / groups / subscribedSkus JSON, assignmentErrors, license-error or membership CSV)";

/// A `csv` crate error as a message's detail, without the crate's own position: the audit reader
/// that raises it read one slice of the file, so its record and line numbers are the slice's, and
/// every caller names the file's line itself. A field that is not UTF-8 says how to fix it.
pub fn csv_detail(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "field {} is not valid UTF-8 (after its first {} bytes): the file may be in another \
             encoding; re-export it as UTF-8",
            err.field() + 1,
            err.valid_up_to()
        ),
        _ => e.to_string(),
    }
}

/// Errors of the command line itself (bad flag values), named after the flag.
#[derive(Debug, Error)]
pub enum UsageError {
    #[error("{flag}: {message}")]
    Invalid { flag: &'static str, message: String },
}

/// The first columns of the CSV tables `licdiag export` writes (docs/tables.md), to tell such a
/// file in an input folder from an unknown export.
const EXPORT_HEADERS: [&[&str]; 7] = [
    &["time", "activity", "category", "result", "result_reason"],
    &["user_id", "upn", "sku_id", "sku", "assigned_by_group_id"],
    &["id", "upn", "display_name", "mail", "account_enabled"],
    &["id", "display_name", "mail", "security_enabled", "dynamic"],
    &[
        "sku_id",
        "sku",
        "display_name",
        "applies_to",
        "capability_status",
    ],
    &["finding", "finding_key", "cause", "severity", "status"],
    &["path", "format", "encoding", "gzip", "bytes"],
];

/// What licdiag output a file is, from its first bytes (`head`), when it is one: a report in the
/// table format (`licdiag analyze: ...`, `licdiag timeline: ...`, a plan, a diff, `inspect`'s
/// per-input `format` and `records` lines), Markdown
/// (`# licdiag ...`), HTML (its `generator` or title names licdiag), a JSON document (its `tool`
/// is licdiag), or a table `licdiag export` wrote as CSV or NDJSON (its columns).
pub fn own_output(head: &[u8]) -> Option<&'static str> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let first = text.lines().next().unwrap_or("").trim_end();
    if first.starts_with("licdiag ") {
        return Some("a report in the table format");
    }
    // `inspect`'s table report: each input's path, then its `format` and `records` lines
    let mut next = text.lines().skip(1);
    if next.next().is_some_and(|l| l.starts_with("  format      "))
        && next.next().is_some_and(|l| l.starts_with("  records     "))
    {
        return Some("an inspect report in the table format");
    }
    // `explain`'s table output: an entry's title, then its `problem` and `how it shows` lines
    // (review 88, item 7)
    let mut next = text.lines().skip(1);
    if !first.is_empty()
        && next.next().is_some_and(|l| l.starts_with("  problem: "))
        && next
            .next()
            .is_some_and(|l| l.starts_with("  how it shows: "))
    {
        return Some("an explain playbook in the table format");
    }
    if first.starts_with("# licdiag ") {
        return Some("a Markdown report");
    }
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("<!doctype html")
        && (lower.contains("<meta name=\"generator\" content=\"licdiag")
            || lower.contains("<title>licdiag"))
    {
        return Some("an HTML report");
    }
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if squeezed.starts_with("{\"schema_version\":") && squeezed.contains("\"tool\":\"licdiag") {
        return Some("a JSON report");
    }
    for cols in EXPORT_HEADERS {
        if first.split(',').take(cols.len()).eq(cols.iter().copied()) {
            return Some("a table licdiag export wrote as CSV");
        }
        let keys: Vec<String> = cols.iter().map(|c| format!("\"{c}\":")).collect();
        if first.starts_with('{') && first[1..].starts_with(&keys[0]) {
            let mut at = 0;
            if keys.iter().all(|k| match first[at..].find(k.as_str()) {
                Some(i) => {
                    at += i + k.len();
                    true
                }
                None => false,
            }) {
                return Some("a table licdiag export wrote as NDJSON");
            }
        }
    }
    None
}

/// The error for an input that is licdiag's own output ([`own_output`]).
pub fn own_output_message(path: &str, what: &str) -> String {
    format!(
        "{path}: this is licdiag's own output ({what}), not an export; move it out of the input \
         folder or name the export files"
    )
}

/// `message` as one line a terminal shows as text: every control character (a line feed in a file
/// name, an escape sequence in a record's text), bidirectional-formatting character and line
/// separator ([`crate::report::escape::is_hidden`]), and every invisible character
/// ([`crate::report::escape::is_invisible`]), is written as its escape (`\n`, `\u{1b}`,
/// `\u{202e}`, `\u{200b}`), so an error stays one line, names a file as it is, reads in the order it is written, and export text
/// cannot drive the terminal.
pub fn one_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if crate::report::escape::is_hidden(c) || crate::report::escape::is_invisible(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod one_line_tests {
    use super::{one_line, own_output};

    /// A file the system will not let licdiag read is named, with what to do, then the system's
    /// words; another read error only names the file and the system's words.
    #[test]
    fn a_permission_denied_says_what_to_do() {
        let e = anyhow::Error::new(super::InputError::Io {
            path: "ev/locked.jsonl".into(),
            source: std::io::Error::from_raw_os_error(13),
        });
        let msg = format!("{e:#}");
        assert!(
            msg.starts_with("ev/locked.jsonl: cannot read (check its permissions")
                && msg.contains("copy it somewhere this user can read")
                && msg.ends_with("Permission denied (os error 13)"),
            "{msg}"
        );
        let e = anyhow::Error::new(super::InputError::Io {
            path: "ev/a.jsonl".into(),
            source: std::io::Error::from_raw_os_error(5),
        });
        assert!(
            format!("{e:#}").starts_with("ev/a.jsonl: cannot read: "),
            "{e:#}"
        );
    }

    #[test]
    fn own_outputs_are_recognized_and_exports_are_not() {
        assert!(own_output(b"licdiag analyze: 10 findings (9 errors)\n").is_some());
        assert!(own_output(b"# licdiag analyze report\n").is_some());
        assert!(own_output(
            b"st/groups.json\n  format      graph-groups (utf-8)\n  records     10  = events 0\n"
        )
        .is_some());
        assert!(own_output(b"st/groups.json\n  format      x\n").is_none());
        // `explain CountViolation > in/explain.txt` (review 88, item 7)
        assert!(own_output(
            b"Not enough licenses (CountViolation)\n  problem: There aren't enough.\n  how it shows: Snapshot: x\n  fix:\n"
        )
        .is_some());
        assert!(own_output(b"Title\n  problem: x\n  other: y\n").is_none());
        assert!(own_output(
            b"<!DOCTYPE html>\n<html><head><meta name=\"generator\" content=\"licdiag 0.1\">"
        )
        .is_some());
        assert!(
            own_output(b"{\n  \"schema_version\": \"1\",\n  \"tool\": \"licdiag 0.1.0\",")
                .is_some()
        );
        assert!(
            own_output(b"time,activity,category,result,result_reason,correlation_id\n").is_some()
        );
        assert!(own_output(
            b"{\"finding\":1,\"finding_key\":\"x\",\"cause\":\"C\",\"severity\":\"error\",\"status\":\"p\"}"
        )
        .is_some());
        assert!(
            own_output(b"{\"id\":\"a\",\"activityDisplayName\":\"Change user license\"}").is_none()
        );
        assert!(own_output(b"Id,UserId,SkuPartNumber\n").is_none());
        assert!(own_output(b"<!DOCTYPE html><title>Audit</title>").is_none());
    }

    #[test]
    fn control_characters_are_escaped_and_text_is_kept() {
        assert_eq!(
            one_line("a\nb.json: \u{1b}[31mred\r\tx é"),
            "a\\nb.json: \\u{1b}[31mred\\r\\tx é"
        );
        assert_eq!(one_line("plain: text"), "plain: text");
        assert_eq!(one_line("LIC-\u{200b}E3.json"), "LIC-\\u{200b}E3.json");
        assert_eq!(
            one_line("a\u{202E}b\u{2066}c\u{2028}d"),
            "a\\u{202e}b\\u{2066}c\\u{2028}d"
        );
    }
}
