//! Failed licensing records that name no user or group: their error cannot be placed on anyone,
//! so no finding can come of it. A Log Analytics query that projects its columns without
//! `TargetResources`, or a Graph record whose `targetResources` is empty, gives them; the reader
//! is told on the input that holds them (and `--strict` refuses it), instead of the failure
//! vanishing from the findings.

use super::{InputKind, InputReport};
use crate::model::hash::HashMap;
use crate::model::{AuditEvent, AuditFormat, Outcome};

/// Whether `e` is a failed licensing record without a target that names someone (an id, a UPN
/// or a display name).
pub fn is_untargeted_failure(e: &AuditEvent) -> bool {
    e.result == Outcome::Failure
        && e.activity.is_licensing()
        && !e
            .targets
            .iter()
            .any(|t| t.id.is_some() || t.upn.is_some() || t.display_name.is_some())
}

/// The note said on an input holding `n` such records, the first `first` (`record 3 (line 4)`).
pub fn note(n: u64, first: &str, kind: Option<InputKind>) -> String {
    let fix = match kind {
        Some(InputKind::Audit(AuditFormat::LogAnalyticsCsv | AuditFormat::LogAnalyticsJson)) => {
            "the Log Analytics query leaves the column out: project TargetResources (and \
             InitiatedBy) too, or export the AuditLogs rows whole"
        }
        _ => "export the records whole (their `targetResources` name the user or group)",
    };
    format!(
        "{n} failed licensing record{s} name{v} no user or group (first: {first}): {its} error \
         cannot be placed on anyone, so it is in no finding; {fix}",
        s = if n == 1 { "" } else { "s" },
        v = if n == 1 { "s" } else { "" },
        its = if n == 1 { "its" } else { "their" },
    )
}

/// Adds [`note`] to each input holding untargeted failures; with `strict`, the first such input
/// is returned (its path and the note) to be refused. `by_path` finds an event's input.
pub(super) fn note_untargeted(
    events: &[AuditEvent],
    inputs: &mut [InputReport],
    by_path: impl Fn(&str) -> Option<usize>,
    strict: bool,
) -> Option<(String, String)> {
    // per input: how many, and the first by its place in the file (events are in time order)
    let mut per_input: HashMap<usize, (u64, u64, String)> = HashMap::default();
    for e in events.iter().filter(|e| is_untargeted_failure(e)) {
        if let Some(i) = by_path(&e.source.file) {
            let at = format!("{}, `{}`", e.source.place(), e.activity);
            let slot = per_input
                .entry(i)
                .or_insert_with(|| (0, e.source.record, at.clone()));
            slot.0 += 1;
            if e.source.record < slot.1 {
                slot.1 = e.source.record;
                slot.2 = at;
            }
        }
    }
    let mut order: Vec<_> = per_input.into_iter().collect();
    order.sort_by_key(|(i, _)| *i);
    for (i, (n, _, first)) in order {
        if let Some(r) = inputs.get_mut(i) {
            let text = note(n, &first, r.kind);
            if strict {
                return Some((r.path.clone(), text));
            }
            r.notes.push(text);
        }
    }
    None
}
