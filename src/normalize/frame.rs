//! The one place polars lives (its API changes between releases): normalized events as a DataFrame
//! and the aggregations licdiag computes over it. Everything outside this module sees plain Rust types.

use crate::model::AuditEvent;
use polars::prelude::*;
use serde::Serialize;

/// One row of a licensing-activity breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActivityCount {
    pub activity: String,
    pub result: String,
    pub count: u64,
}

/// The events as a DataFrame: one row per event with time (ms since epoch, UTC), activity, result,
/// category, first error cause and first target id.
pub fn events_frame(events: &[&AuditEvent]) -> PolarsResult<DataFrame> {
    let time: Vec<i64> = events.iter().map(|e| e.time.timestamp_millis()).collect();
    let activity: Vec<&str> = events.iter().map(|e| e.activity.name()).collect();
    let result: Vec<&str> = events.iter().map(|e| e.result.as_str()).collect();
    let category: Vec<Option<&str>> = events.iter().map(|e| e.category.as_deref()).collect();
    let cause: Vec<Option<&str>> = events
        .iter()
        .map(|e| e.errors.first().map(|x| x.cause.code()))
        .collect();
    let target: Vec<Option<String>> = events
        .iter()
        .map(|e| {
            e.targets
                .first()
                .and_then(|t| t.id.as_ref().map(|i| i.to_string()))
        })
        .collect();
    df!(
        "time_ms" => time,
        "activity" => activity,
        "result" => result,
        "category" => category,
        "cause" => cause,
        "target_id" => target,
    )
}

/// Licensing events counted by activity and result, sorted by activity then result.
pub fn licensing_by_activity_result(events: &[AuditEvent]) -> PolarsResult<Vec<ActivityCount>> {
    let licensing: Vec<&AuditEvent> = events.iter().filter(|e| e.is_licensing()).collect();
    let df = events_frame(&licensing)?
        .lazy()
        .group_by([col("activity"), col("result")])
        .agg([len().alias("count")])
        .sort(["activity", "result"], SortMultipleOptions::default())
        .collect()?;
    let a = df.column("activity")?.str()?.clone();
    let r = df.column("result")?.str()?.clone();
    let c = df.column("count")?.cast(&DataType::UInt64)?;
    let c = c.u64()?;
    Ok((0..df.height())
        .map(|i| ActivityCount {
            activity: a.get(i).unwrap_or_default().to_string(),
            result: r.get(i).unwrap_or_default().to_string(),
            count: c.get(i).unwrap_or(0),
        })
        .collect())
}
