//! The `inspect` document: per-input ingestion numbers and totals.

use crate::ingest::InputReport;
use crate::model::AuditEvent;
use crate::normalize::frame::{self, ActivityCount};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct InspectDoc<'a> {
    pub inputs: &'a [InputReport],
    pub totals: Totals,
}

#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub inputs: usize,
    pub records: u64,
    pub events: u64,
    pub snapshot_records: u64,
    pub skipped: u64,
    pub licensing_events: u64,
    pub licensing: BTreeMap<String, u64>,
    /// Licensing events by activity and result (success / failure / ...).
    pub licensing_by_result: Vec<ActivityCount>,
}

impl<'a> InspectDoc<'a> {
    pub fn new(inputs: &'a [InputReport], events: &[AuditEvent]) -> Self {
        let mut t = Totals {
            inputs: inputs.len(),
            ..Default::default()
        };
        for i in inputs {
            t.records += i.records;
            t.events += i.events;
            t.snapshot_records += i.snapshot_records;
            t.skipped += i.skipped_total();
            for (a, n) in &i.licensing {
                *t.licensing.entry(a.clone()).or_default() += n;
                t.licensing_events += n;
            }
        }
        // An aggregation failure only loses this breakdown; the per-input counts above stand.
        t.licensing_by_result = frame::licensing_by_activity_result(events).unwrap_or_default();
        InspectDoc { inputs, totals: t }
    }
}
