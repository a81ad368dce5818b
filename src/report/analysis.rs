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
    /// What every report says under "Audit retention", when the audit window looks cut by the
    /// tenant's retention or snapshot errors predate it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_retention: Option<RetentionNote>,
}

/// The audit-retention caveat ([`crate::report::view::Retention`]) as the JSON gives it.
#[derive(Clone, Debug, Serialize)]
pub struct RetentionNote {
    /// The audit inputs' first and last event.
    pub audit_first: chrono::DateTime<chrono::Utc>,
    pub audit_last: chrono::DateTime<chrono::Utc>,
    /// 7 or 30 when the window spans about that many days back from its end: cut by retention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut_at_days: Option<u32>,
    /// Affected users whose snapshot error is older than the audit window, and the earliest.
    pub errors_predating: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_error: Option<chrono::DateTime<chrono::Utc>>,
    /// The sentence the reports print.
    pub note: String,
}

impl RetentionNote {
    /// The note of a run, when it has one to say.
    pub fn of(r: &crate::report::view::Retention) -> Option<RetentionNote> {
        let note = r.caveat()?;
        let w = r.window?;
        Some(RetentionNote {
            audit_first: w.first,
            audit_last: w.last,
            cut_at_days: r.cut_at_days,
            errors_predating: r.predating,
            earliest_error: r.earliest_error,
            note,
        })
    }
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
