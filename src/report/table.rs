//! Terminal output: plain aligned text meant for a person at a terminal.

use super::inspect::InspectDoc;
use chrono::{DateTime, SecondsFormat, Utc};
use std::io::{self, Write};

pub fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Strips control characters from export text before it reaches a terminal (escape sequences in a
/// display name must not drive the terminal).
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub fn inspect(doc: &InspectDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
    for i in doc.inputs {
        writeln!(w, "{}", clean(&i.path))?;
        let mut enc = i.encoding.clone();
        if i.gzip {
            enc.push_str(", gzip");
        }
        writeln!(w, "  format      {} ({enc})", i.format)?;
        writeln!(
            w,
            "  records     {}  = events {} + snapshot objects {} + skipped {}",
            i.records,
            i.events,
            i.snapshot_records,
            i.skipped_total()
        )?;
        for (reason, n) in &i.skipped {
            writeln!(w, "  skipped     {n:>6}  {}", clean(reason))?;
        }
        match (&i.first, &i.last) {
            (Some(f), Some(l)) => writeln!(w, "  time range  {} .. {}", ts(f), ts(l))?,
            _ => {}
        }
        for (a, n) in &i.licensing {
            writeln!(w, "  licensing   {n:>6}  {}", clean(a))?;
        }
        for is in &i.issues {
            let at = match is.line {
                Some(l) => format!("record {} (line {l})", is.record),
                None => format!("record {}", is.record),
            };
            writeln!(w, "  problem     {at}: {}: {}", clean(&is.reason), clean(&is.detail))?;
        }
        let not_shown = i
            .skipped
            .iter()
            .filter(|(r, _)| !r.starts_with("out of scope") && r.as_str() != "merged sequence chunk")
            .map(|(_, n)| *n)
            .sum::<u64>()
            .saturating_sub(i.issues.len() as u64);
        if not_shown > 0 {
            writeln!(w, "  problem     ... and {not_shown} more malformed records")?;
        }
        writeln!(w)?;
    }
    let t = &doc.totals;
    writeln!(
        w,
        "total: {} inputs, {} records = {} events + {} snapshot objects + {} skipped; {} licensing events",
        t.inputs, t.records, t.events, t.snapshot_records, t.skipped, t.licensing_events
    )?;
    if !t.licensing_by_result.is_empty() {
        writeln!(w, "licensing events by activity and result:")?;
        for c in &t.licensing_by_result {
            writeln!(w, "  {:>6}  {:<8} {}", c.count, c.result, clean(&c.activity))?;
        }
    }
    Ok(())
}
