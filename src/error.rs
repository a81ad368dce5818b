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

/// What licdiag expects an input to be, for error messages.
pub const EXPECTED_INPUT: &str = "an Entra audit-log export (Graph directoryAudits JSON, admin-center CSV/JSON, \
Azure Monitor diagnostic records, Log Analytics AuditLogs export, Purview unified audit log) or a license snapshot \
(Graph users / groups / subscribedSkus JSON, assignmentErrors, license-error or membership CSV)";

/// Errors of the command line itself (bad flag values), named after the flag.
#[derive(Debug, Error)]
pub enum UsageError {
    #[error("{flag}: {message}")]
    Invalid { flag: &'static str, message: String },
}
