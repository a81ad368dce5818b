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
}
