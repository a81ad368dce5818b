//! Terminal output: plain aligned text meant for a person at a terminal.

use super::analysis::AnalysisDoc;
use super::inspect::InspectDoc;
use crate::model::finding::{Severity, Status};
use crate::recommend::playbook::PlaybookEntry;
use chrono::{DateTime, SecondsFormat, Utc};
use std::io::{self, Write};

pub fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Strips control characters from export text before it reaches a terminal (escape sequences in a
/// display name must not drive the terminal), and bidirectional-formatting characters and line
/// separators, which would reorder or break the line ([`super::escape::is_hidden`]); shows an
/// invisible character (a zero-width space, a soft hyphen) as its escape, `\u{200b}`
/// ([`super::escape::is_invisible`]).
pub fn clean(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if super::escape::is_hidden(c) {
            o.push(' ');
        } else if super::escape::is_invisible(c) {
            super::escape::visible(c, &mut o);
        } else {
            o.push(c);
        }
    }
    o
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
        if let (Some(f), Some(l)) = (&i.first, &i.last) {
            writeln!(w, "  time range  {} .. {}", ts(f), ts(l))?;
        }
        if let Some(d) = &i.dates {
            let basis = match d.basis {
                crate::ingest::DateBasis::Given => "as --date-order says",
                crate::ingest::DateBasis::Detected => "as the file's dates show",
                crate::ingest::DateBasis::Assumed => "assumed: no date shows the order",
                crate::ingest::DateBasis::Mixed => "the file's dates show both orders",
                crate::ingest::DateBasis::NotReadAgain => {
                    "its dates show day-first, but it cannot be read again"
                }
            };
            writeln!(
                w,
                "  dates       {} ({}), {basis}",
                d.order.pattern(),
                d.order.flag()
            )?;
            if let Some(c) = d.caveat() {
                writeln!(w, "  note        {}", clean(&c))?;
            }
        }
        if let Some(c) = i.gzip_note() {
            writeln!(w, "  cut short   {}", clean(&c))?;
        }
        for n in &i.notes {
            writeln!(w, "  note        {}", clean(n))?;
        }
        for n in &i.passed_over {
            writeln!(w, "  passed over {}", clean(n))?;
        }
        for (a, n) in &i.licensing {
            writeln!(w, "  licensing   {n:>6}  {}", clean(a))?;
        }
        for is in &i.issues {
            let at = is.at();
            writeln!(
                w,
                "  problem     {at}: {}: {}",
                clean(&is.reason),
                clean(&is.detail)
            )?;
        }
        // the malformed records past those listed: not every record skipped is malformed (a
        // repeated user, a header line met again, a record out of scope are counted, not listed)
        let not_shown = i.malformed.saturating_sub(i.issues.len() as u64);
        if not_shown > 0 {
            writeln!(
                w,
                "  problem     ... and {not_shown} more malformed records"
            )?;
        }
        writeln!(w)?;
    }
    let t = &doc.totals;
    // "1 input", not "1 inputs" (review 88, item 8)
    let n = |count: u64, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    writeln!(
        w,
        "total: {}, {} = {} + {} + {} skipped; {}",
        n(t.inputs as u64, "input", "inputs"),
        n(t.records, "record", "records"),
        n(t.events, "event", "events"),
        n(t.snapshot_records, "snapshot object", "snapshot objects"),
        t.skipped,
        n(t.licensing_events, "licensing event", "licensing events"),
    )?;
    if !t.licensing_by_result.is_empty() {
        writeln!(w, "licensing events by activity and result:")?;
        for c in &t.licensing_by_result {
            writeln!(
                w,
                "  {:>6}  {:<8} {}",
                c.count,
                c.result,
                clean(&c.activity)
            )?;
        }
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn analysis(doc: &AnalysisDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
    let d = doc.diagnosis;
    let s = &d.summary;
    let e = &doc.evidence_available;
    writeln!(
        w,
        "licdiag analyze: {} ({}, {}, {} info) affecting {}",
        plural(d.findings.len(), "finding", "findings"),
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        s.infos,
        plural(s.users_affected, "user", "users")
    )?;
    writeln!(
        w,
        "evidence: {} audit events{}; snapshot: {} users, {} groups, {} SKUs, {} reported errors; as of {}",
        e.audit_events,
        crate::report::analysis::repeats_note(e.repeated_records),
        e.snapshot_users,
        e.snapshot_groups,
        e.snapshot_skus,
        e.reported_errors,
        ts(&d.as_of)
    )?;
    if let Some(r) = &doc.audit_retention {
        writeln!(w, "audit retention: {}", clean(&r.note))?;
    }
    for c in crate::report::view::date_caveats(doc.inputs) {
        writeln!(w, "dates: {}", clean(&c))?;
    }
    for c in crate::report::view::input_notes(doc.inputs) {
        writeln!(w, "input cut short: {}", clean(&c))?;
    }
    for c in crate::report::view::input_remarks(doc.inputs) {
        writeln!(w, "input: {}", clean(&c))?;
    }
    if d.findings.is_empty() {
        writeln!(w, "\nNo group-based licensing errors found.")?;
    }
    for (n, f) in d.findings.iter().enumerate() {
        writeln!(w)?;
        let product = f
            .sku
            .clone()
            .or_else(|| f.sku_id.as_ref().map(|x| x.to_string()));
        let mut scope = String::new();
        if let Some(p) = &product {
            scope.push_str(&format!(" on {}", clean(p)));
        }
        if let Some(g) = &f.group {
            scope.push_str(&format!(" from group {}", clean(g)));
        }
        let sev = match f.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
            Severity::Info => "INFO",
        };
        let status = match f.status {
            Status::Pending => "",
            Status::Resolved => " (resolved)",
            Status::SelfResolved => " (self-resolved)",
            Status::Closed => " (closed, not resolved)",
        };
        let pending = f.pending_users();
        let who = if f.users.is_empty() {
            "group-level".to_string()
        } else if pending == f.users.len() {
            plural(pending, "user", "users")
        } else {
            format!(
                "{} ({} no longer affected)",
                plural(pending, "user", "users"),
                f.users.len() - pending
            )
        };
        writeln!(
            w,
            "{}. [{sev}] {} - {}{scope}: {who}{status}",
            n + 1,
            clean(f.cause.code()),
            f.cause.title(),
        )?;
        writeln!(w, "   {}", clean(&f.explanation))?;
        if !f.users.is_empty() {
            let names: Vec<String> = f
                .users
                .iter()
                .take(10)
                .map(|u| {
                    let mut l = clean(&u.user.label());
                    if u.status != Status::Pending {
                        l.push_str(&format!(" ({})", super::view::status_label(u.status)));
                    }
                    l
                })
                .collect();
            let more = f.users.len().saturating_sub(10);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            writeln!(w, "   users: {}{tail}", names.join(", "))?;
        }
        if !f.not_assigned_products.is_empty() {
            let p: Vec<String> = f
                .not_assigned_products
                .iter()
                .map(|p| clean(&p.label()))
                .collect();
            writeln!(
                w,
                "   also not assigned (same group, all-or-nothing): {}",
                p.join(", ")
            )?;
        }
        let r = &f.recommendation;
        writeln!(w, "   fix: {}", clean(&r.summary))?;
        for step in &r.steps {
            writeln!(w, "     - {}", clean(step))?;
        }
        if !r.commands.is_empty() {
            writeln!(w, "   commands to review (licdiag never runs them):")?;
            for c in r.commands.iter().take(12) {
                writeln!(w, "     {}", clean(c))?;
            }
            if r.commands.len() > 12 {
                writeln!(
                    w,
                    "     ... {} more in --format json",
                    r.commands.len() - 12
                )?;
            }
        }
        let a = &f.audit;
        let mut ev = format!("   evidence: {}", f.evidence.source.as_str());
        if let (Some(first), Some(last)) = (&a.first_seen, &a.last_seen) {
            ev.push_str(&format!(
                "; first seen {}, last seen {}",
                ts(first),
                ts(last)
            ));
        }
        writeln!(w, "{ev}")?;
        if let Some(sb) = &a.started_by {
            writeln!(
                w,
                "   started by: {} by {} at {}",
                clean(&sb.activity),
                clean(&sb.who),
                ts(&sb.when)
            )?;
        }
        if let Some(p) = &a.processing_summary {
            writeln!(
                w,
                "   processing: {} succeeded, {} failed (finished {})",
                p.succeeded,
                p.failed,
                ts(&p.when)
            )?;
        }
        if let Some(res) = &a.resolved {
            writeln!(w, "   resolved: {} at {}", clean(&res.how), ts(&res.when))?;
        }
        writeln!(w, "   docs: {}", r.doc_url)?;
    }
    if !d.capacity.is_empty() {
        writeln!(w)?;
        writeln!(w, "capacity per SKU:")?;
        writeln!(
            w,
            "  {:<28} {:>8} {:>8} {:>9} {:>9} {:>10} {:>8} {:>12}",
            "sku",
            "enabled",
            "warning",
            "suspended",
            "consumed",
            "available",
            "blocked",
            "reclaimable"
        )?;
        for c in &d.capacity {
            let name = c.sku.clone().unwrap_or_else(|| c.sku_id.to_string());
            let flag = if c.over_assigned {
                "  over-assigned"
            } else if c.no_seats {
                "  no seats"
            } else {
                ""
            };
            writeln!(
                w,
                "  {:<28} {:>8} {:>8} {:>9} {:>9} {:>10} {:>8} {:>12}{flag}",
                clean(&name),
                c.enabled,
                c.warning,
                c.suspended,
                c.consumed,
                c.available,
                c.blocked_users,
                c.reclaimable.len()
            )?;
        }
    }
    Ok(())
}

pub fn playbook(entries: &[PlaybookEntry], w: &mut dyn Write) -> io::Result<()> {
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        match &e.cause {
            Some(c) => writeln!(w, "{} ({})", e.title, c.code())?,
            None => writeln!(w, "{} [{}]", e.title, e.key)?,
        }
        writeln!(w, "  problem: {}", e.problem)?;
        writeln!(w, "  how it shows: {}", e.how_it_shows)?;
        writeln!(w, "  fix:")?;
        for f in &e.fix {
            writeln!(w, "    - {f}")?;
        }
        if !e.follow_up.steps.is_empty() {
            writeln!(w, "  then:")?;
            for f in &e.follow_up.steps {
                writeln!(w, "    - {f}")?;
            }
        }
        writeln!(w, "  docs: {}", e.doc_url)?;
    }
    Ok(())
}
