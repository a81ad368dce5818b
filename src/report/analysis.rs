//! The `analyze` document: the diagnosis plus the inputs it rests on.

use crate::ingest::InputReport;
use crate::model::finding::Diagnosis;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct AnalysisDoc<'a> {
    #[serde(flatten)]
    pub diagnosis: &'a Diagnosis,
    pub inputs: &'a [InputReport],
    /// Which kinds of evidence the run had.
    pub evidence_available: EvidenceAvailable,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct EvidenceAvailable {
    pub audit_events: usize,
    pub snapshot_users: usize,
    pub snapshot_groups: usize,
    pub snapshot_skus: usize,
    pub reported_errors: usize,
    /// Records read more than once (overlapping exports), counted once: the inputs' repeats.
    #[serde(skip_serializing_if = "crate::report::analysis::is_zero")]
    pub repeated_records: u64,
}

pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// ` (N repeated records counted once)` after an events count, when the inputs overlapped.
pub(crate) fn repeats_note(n: u64) -> String {
    match n {
        0 => String::new(),
        1 => " (1 repeated record counted once)".into(),
        n => format!(" ({n} repeated records counted once)"),
    }
}
