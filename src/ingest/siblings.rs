//! Whether the inputs can say what a successful `Change user license` changed: its license lists
//! are in its `Update user` sibling (formats.md §8, quirk 6), and an export filtered to the
//! `Change user license` activity leaves every sibling out. The reader is told, on the inputs
//! holding such records, instead of finding an administrator's license change read as a reprocess.

use super::InputReport;
use crate::model::hash::HashMap;
use crate::model::{Activity, AuditEvent, Outcome};

/// The note said on an input holding `n` successful `Change user license` records when no input
/// holds an `Update user` record with license lists.
pub fn note(n: u64) -> String {
    format!(
        "{n} successful `Change user license` record{} and no `Update user` record with license lists in any input: what a license change added or removed is in its `Update user` record (the two are paired), so an administrator's license change reads as a reprocess in the timeline and a direct assignment is not seen to go through; export the `Update user` records too (an activity filter of `Change user license` alone leaves them out)",
        if n == 1 { "" } else { "s" }
    )
}

/// Adds [`note`] to each input holding successful `Change user license` records without license
/// lists of their own, when no event is an `Update user` with license lists. `by_path` finds an
/// event's input.
pub(super) fn note_missing_updates(
    events: &[AuditEvent],
    inputs: &mut [InputReport],
    by_path: impl Fn(&str) -> Option<usize>,
) {
    if events
        .iter()
        .any(|e| e.activity == Activity::UpdateUser && e.licenses.is_some())
    {
        return;
    }
    let mut per_input: HashMap<usize, u64> = HashMap::default();
    for e in events {
        if e.activity == Activity::ChangeUserLicense
            && e.result == Outcome::Success
            && e.licenses.is_none()
        {
            if let Some(i) = by_path(&e.source.file) {
                *per_input.entry(i).or_default() += 1;
            }
        }
    }
    for (i, n) in per_input {
        if let Some(r) = inputs.get_mut(i) {
            r.notes.push(note(n));
        }
    }
}
