//! The `inspect` document: per-input ingestion numbers and totals.

use crate::ingest::InputReport;
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
}

impl<'a> InspectDoc<'a> {
    pub fn new(inputs: &'a [InputReport]) -> Self {
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
        InspectDoc { inputs, totals: t }
    }
}
