//! Error types. An `InputError` makes an input unusable (exit code 2) and names the file, what was
//! found and what was expected; record-level problems are not errors but counted skips
//! (see [`crate::ingest::Skip`]).

use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum InputError {
    #[error("{path}: cannot read")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: no such file or directory")]
    Missing(PathBuf),
    #[error("{path}: {found}; expected {expected}")]
    Unusable {
        path: String,
        found: String,
        expected: String,
    },
    #[error("{path}: {detail} (--strict makes malformed records fatal)")]
    Strict { path: String, detail: String },
}

impl InputError {
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

/// `message` as one line a terminal shows as text: every control character (a line feed in a file
/// name, an escape sequence in a record's text), bidirectional-formatting character and line
/// separator ([`crate::report::escape::is_hidden`]) is written as its escape (`\n`, `\u{1b}`,
/// `\u{202e}`), so an error stays one line, reads in the order it is written, and export text
/// cannot drive the terminal.
pub fn one_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if crate::report::escape::is_hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod one_line_tests {
    use super::one_line;

    #[test]
    fn control_characters_are_escaped_and_text_is_kept() {
        assert_eq!(
            one_line("a\nb.json: \u{1b}[31mred\r\tx é"),
            "a\\nb.json: \\u{1b}[31mred\\r\\tx é"
        );
        assert_eq!(one_line("plain: text"), "plain: text");
        assert_eq!(
            one_line("a\u{202E}b\u{2066}c\u{2028}d"),
            "a\\u{202e}b\\u{2066}c\\u{2028}d"
        );
    }
}
