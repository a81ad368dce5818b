//! Markdown (GitHub flavoured) output of `analyze`, `inspect` and `explain`, for tickets, wikis and
//! postmortems. Deterministic: the same inputs and `--as-of` give the same bytes (no clock, sorted
//! data). Every export string is escaped with [`escape::markdown`]; generated commands sit in fenced
//! code blocks (shown verbatim by every renderer) whose fence is longer than any backtick run inside.

use super::analysis::AnalysisDoc;
use super::escape::markdown as e;
use super::inspect::InspectDoc;
use super::table::ts;
use super::view::{self, TOOL};
use crate::model::finding::{Finding, SkuCapacity, Status};
use crate::recommend::playbook::{FollowUpKind, PlaybookEntry};
use std::fmt::Write as _;
use std::io::{self, Write};

/// At most this many users are named in a finding's section (all are in the users table).
const USERS_PER_FINDING: usize = 20;
/// At most this many generated commands are shown per finding (all are in `--format json`).
const COMMANDS_PER_FINDING: usize = 50;

/// Text without control characters, for code blocks (which are not escaped); an invisible
/// character shows as its escape, as in the table format.
use super::table::clean;

/// A fenced code block that no backtick run in `lines` can close.
fn code_block(lang: &str, lines: &[String]) -> String {
    let mut longest = 0;
    for l in lines {
        let mut run = 0;
        for c in l.chars() {
            if c == '`' {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let mut s = format!("{fence}{lang}\n");
    for l in lines {
        s.push_str(&clean(l));
        s.push('\n');
    }
    s.push_str(&fence);
    s.push('\n');
    s
}

/// `[text](url)` for a plain https address, else the escaped address.
fn link(text: &str, url: &str) -> String {
    let plain = url.starts_with("https://")
        && !url.chars().any(|c| {
            c.is_whitespace() || super::escape::is_hidden(c) || "()<>[]\"'`\\".contains(c)
        });
    if plain {
        format!("[{}]({url})", e(text))
    } else {
        e(url)
    }
}

/// `` `hex` `` for a digest (only hex digits are put in a code span), else escaped text.
fn digest(s: Option<&str>) -> String {
    match s {
        Some(h) if !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()) => format!("`{h}`"),
        Some(h) => e(h),
        None => "not computed".into(),
    }
}

/// A bar of `width` cells for `v` out of `max` (eighth blocks for the last cell).
fn bar(v: u64, max: u64, width: usize) -> String {
    if v == 0 || max == 0 {
        return String::new();
    }
    let eighths = ((v as f64 / max as f64) * (width * 8) as f64).round() as usize;
    let eighths = eighths.max(1);
    let mut s = "█".repeat(eighths / 8);
    let part = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    if let Some(p) = part.get(eighths % 8) {
        s.push_str(p);
    }
    s
}

fn numbers(ns: &[usize]) -> String {
    ns.iter()
        .map(|n| format!("#{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn opt_ts(t: Option<&chrono::DateTime<chrono::Utc>>) -> String {
    t.map(ts).unwrap_or_default()
}

/// The `analyze` report.
pub fn analysis(doc: &AnalysisDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    let d = doc.diagnosis;
    let _ = writeln!(s, "# licdiag analyze report\n");
    let _ = writeln!(
        s,
        "As of **{}** · {TOOL} · catalog: {} · conflict table: {}\n",
        ts(&d.as_of),
        e(&d.catalog),
        e(&d.conflict_table)
    );
    let ranked = view::causes(&d.findings);
    let retention = view::retention(doc.inputs, &d.findings, d.as_of);

    let _ = writeln!(s, "## Summary\n");
    let _ = writeln!(s, "| | | |\n|---|---:|---|");
    for f in view::headline(doc) {
        let _ = writeln!(s, "| {} | **{}** | {} |", f.label, f.value, e(&f.note));
    }
    s.push('\n');
    if let Some(c) = retention.caveat() {
        let _ = writeln!(s, "> **Audit retention.** {}\n", e(&c));
    }
    date_caveats(&mut s, doc.inputs);

    let _ = writeln!(s, "## Causes ranked by affected users\n");
    if ranked.is_empty() {
        let _ = writeln!(s, "No group-based licensing errors found.\n");
    } else {
        let _ = writeln!(
            s,
            "| rank | cause | what it means | severity | users affected | users named | findings |\n\
             |---:|---|---|---|---:|---:|---|"
        );
        for (i, c) in ranked.iter().enumerate() {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                e(&c.code),
                e(&c.meaning()),
                c.severity,
                c.users_affected,
                c.users_named,
                numbers(&c.findings)
            );
        }
        s.push('\n');
    }

    if !d.findings.is_empty() {
        let _ = writeln!(s, "## Findings\n");
        for (i, f) in d.findings.iter().enumerate() {
            finding(&mut s, i + 1, f);
        }
    }

    capacity(&mut s, &d.capacity);

    let eot = view::errors_over_time(&d.findings, &ranked);
    let _ = writeln!(s, "## Errors over time\n");
    if eot.days.is_empty() {
        let _ = writeln!(s, "No affected user has an error time in the data.\n");
    } else {
        let _ = writeln!(
            s,
            "Errors by the UTC day they happened{}: one per affected user of each finding (a user with errors of two causes, such as an `Other` beside its blocking error, counts under each); `users` counts each user once a day.\n",
            if eot.filled {
                ""
            } else {
                " (only days with errors)"
            }
        );
        let _ = writeln!(
            s,
            "| day (UTC) | errors | users | | by cause |\n|---|---:|---:|---|---|"
        );
        let max = eot.max_total() as u64;
        for day in &eot.days {
            let by: Vec<String> = eot
                .causes
                .iter()
                .zip(&day.by_cause)
                .filter(|(_, n)| **n > 0)
                .map(|(c, n)| format!("{} {n}", e(c)))
                .collect();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                day.day.format("%Y-%m-%d"),
                day.total,
                day.users,
                bar(day.total as u64, max, 20),
                by.join(", ")
            );
        }
        s.push('\n');
        if eot.undated > 0 {
            let _ = writeln!(
                s,
                "{} no time in the data.\n",
                plural(eot.undated, "error has", "errors have")
            );
        }
    }

    let tl = view::timeline(&d.findings);
    let _ = writeln!(s, "## Timeline\n");
    if tl.entries.is_empty() {
        let _ = writeln!(s, "The audit log does not tell the story of any finding.\n");
    } else {
        let _ = writeln!(s, "| time (UTC) | | what | findings |\n|---|---|---|---|");
        for t in &tl.entries {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                ts(&t.when),
                t.moment.label(),
                e(&t.text),
                numbers(&t.findings)
            );
        }
        s.push('\n');
        if tl.left_out > 0 {
            let _ = writeln!(
                s,
                "... {} more entries; `licdiag timeline` tells the whole story.\n",
                tl.left_out
            );
        }
    }

    let rows = view::user_rows(&d.findings);
    let _ = writeln!(s, "## Affected users\n");
    if rows.is_empty() {
        let _ = writeln!(s, "None.\n");
    } else {
        let _ = writeln!(
            s,
            "| finding | user | display name | object id | cause | SKU | group | status | first error | last error | resolved |\n\
             |---:|---|---|---|---|---|---|---|---|---|---|"
        );
        for r in &rows {
            let resolved = r
                .resolved
                .map(|x| format!("{}: {}", ts(&x.when), e(&x.how)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| #{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.finding,
                e(&r.user.label_str()),
                e(r.user.display_name.as_deref().unwrap_or("")),
                e(&r.user
                    .id
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default()),
                e(r.cause),
                e(&r.sku),
                e(&r.group),
                view::status_label(r.status),
                opt_ts(r.first_error_at.as_ref()),
                opt_ts(r.error_at.as_ref()),
                resolved
            );
        }
        s.push('\n');
    }

    let groups = view::group_rows(&d.findings);
    let _ = writeln!(s, "## Groups\n");
    if groups.is_empty() {
        let _ = writeln!(s, "No finding names a group.\n");
    } else {
        let _ = writeln!(
            s,
            "| group | object id | users affected | users named | causes | SKUs | findings | last processing |\n\
             |---|---|---:|---:|---|---|---|---|"
        );
        for g in &groups {
            let causes: Vec<String> = g.causes.iter().map(|c| e(c)).collect();
            let skus: Vec<String> = g.skus.iter().map(|c| e(c)).collect();
            let processing = g
                .processing
                .as_ref()
                .map(|p| {
                    format!(
                        "{}: {} succeeded, {} failed",
                        ts(&p.when),
                        p.succeeded,
                        p.failed
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                e(&g.name),
                e(&g.id),
                g.users_affected,
                g.users_named,
                causes.join(", "),
                skus.join(", "),
                numbers(&g.findings),
                processing
            );
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## Inputs\n");
    let _ = writeln!(
        s,
        "| file | format | SHA-256 | records | events | snapshot objects | skipped | time window (UTC) |\n\
         |---|---|---|---:|---:|---:|---:|---|"
    );
    for i in doc.inputs {
        let window = match (&i.first, &i.last) {
            (Some(a), Some(b)) => format!("{} .. {}", ts(a), ts(b)),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            e(&i.path),
            e(&i.format),
            digest(i.sha256.as_deref()),
            i.records,
            i.events,
            i.snapshot_records,
            i.skipped_total(),
            window
        );
    }
    s.push('\n');
    match retention.window {
        Some(w) => {
            let _ = writeln!(
                s,
                "Audit window: {} .. {} (UTC). Audit logs are kept 7 days on free tenants and 30 days with Entra ID P1/P2{}.\n",
                ts(&w.first),
                ts(&w.last),
                if retention.caveat().is_some() {
                    ": see the retention note above"
                } else {
                    ""
                }
            );
        }
        None => {
            let _ = writeln!(
                s,
                "No audit log among the inputs: findings rest on the snapshot only.\n"
            );
        }
    }
    let _ = writeln!(
        s,
        "Generated by {TOOL} for --as-of {}; catalog: {}; conflict table: {}.",
        ts(&d.as_of),
        e(&d.catalog),
        e(&d.conflict_table)
    );
    w.write_all(s.as_bytes())
}

fn finding(s: &mut String, n: usize, f: &Finding) {
    let scope = view::scope(f);
    let _ = writeln!(
        s,
        "### {n}. {}: {}{}\n",
        e(f.cause.code()),
        e(f.cause.title()),
        if scope.is_empty() {
            String::new()
        } else {
            format!(" — {}", e(&scope))
        }
    );
    let pending = f.pending_users();
    let _ = writeln!(
        s,
        "**{}** · {} · {} ({} pending) · evidence: {} ({})\n",
        f.severity,
        view::status_label(f.status),
        plural(f.users.len(), "user", "users"),
        pending,
        f.evidence.source.as_str(),
        plural(f.evidence.references_total, "input record", "input records")
    );
    let _ = writeln!(s, "{}\n", e(&f.explanation));
    if !f.users.is_empty() {
        let names: Vec<String> = f
            .users
            .iter()
            .take(USERS_PER_FINDING)
            .map(|u| {
                let mut l = e(&u.user.label());
                if u.status != Status::Pending {
                    l.push_str(&format!(" ({})", view::status_label(u.status)));
                }
                l
            })
            .collect();
        let more = f.users.len().saturating_sub(USERS_PER_FINDING);
        let _ = writeln!(
            s,
            "Users: {}{}\n",
            names.join(", "),
            if more > 0 {
                format!(" and {more} more (see Affected users)")
            } else {
                String::new()
            }
        );
    }
    if !f.not_assigned_products.is_empty() {
        let p: Vec<String> = f
            .not_assigned_products
            .iter()
            .map(|p| e(&p.label()))
            .collect();
        let _ = writeln!(
            s,
            "Also not assigned (same group, all-or-nothing): {}\n",
            p.join(", ")
        );
    }
    let r = &f.recommendation;
    let _ = writeln!(s, "**Fix:** {}\n", e(&r.summary));
    for (i, step) in r.steps.iter().enumerate() {
        let _ = writeln!(s, "{}. {}", i + 1, e(step));
    }
    if !r.steps.is_empty() {
        s.push('\n');
    }
    if !r.commands.is_empty() {
        let _ = writeln!(s, "Commands to review (licdiag never runs them):\n");
        let shown: Vec<String> = r
            .commands
            .iter()
            .take(COMMANDS_PER_FINDING)
            .cloned()
            .collect();
        let _ = writeln!(s, "{}", code_block("powershell", &shown));
        if r.commands.len() > COMMANDS_PER_FINDING {
            let _ = writeln!(
                s,
                "... {} more in `--format json`.\n",
                r.commands.len() - COMMANDS_PER_FINDING
            );
        }
    }
    let a = &f.audit;
    let mut audit = Vec::new();
    if let Some(first) = &a.first_seen {
        let mut t = format!("first seen {}", ts(first));
        if let Some(last) = &a.last_seen {
            t.push_str(&format!(", last seen {}", ts(last)));
        }
        audit.push(t);
    }
    if a.failed_events > 0 {
        audit.push(plural(a.failed_events, "failed event", "failed events"));
    }
    if let Some(sb) = &a.started_by {
        audit.push(format!(
            "started by {} ({}) at {}",
            e(&sb.who),
            e(&sb.activity),
            ts(&sb.when)
        ));
    }
    if let Some(p) = &a.processing_summary {
        audit.push(format!(
            "processing finished {}: {} succeeded, {} failed",
            ts(&p.when),
            p.succeeded,
            p.failed
        ));
    }
    if let Some(res) = &a.resolved {
        audit.push(format!("resolved {}: {}", ts(&res.when), e(&res.how)));
    }
    if !audit.is_empty() {
        let _ = writeln!(s, "Audit log: {}.\n", audit.join("; "));
    }
    if !a.messages.is_empty() {
        let _ = writeln!(s, "Error texts read:\n");
        for m in &a.messages {
            let _ = writeln!(s, "- {}", e(m));
        }
        s.push('\n');
    }
    if !r.doc_url.is_empty() {
        let _ = writeln!(s, "Documentation: {}\n", link(&r.doc_url, &r.doc_url));
    }
}

fn capacity(s: &mut String, caps: &[std::sync::Arc<SkuCapacity>]) {
    let _ = writeln!(s, "## Capacity per SKU\n");
    if caps.is_empty() {
        let _ = writeln!(
            s,
            "No subscribedSkus export among the inputs: seat numbers are unknown.\n"
        );
        return;
    }
    // A text chart, each product scaled to its own largest number.
    let mut lines = Vec::new();
    let width = caps
        .iter()
        .map(|c| c.sku.as_deref().map_or(36, |x| x.chars().count()))
        .max()
        .unwrap_or(0)
        .min(40);
    for c in caps {
        let name = c.sku.clone().unwrap_or_else(|| c.sku_id.to_string());
        let vals = [
            ("enabled", c.enabled),
            ("consumed", c.consumed),
            ("blocked", c.blocked_users as u64),
            ("reclaimable", c.reclaimable.len() as u64),
        ];
        let max = vals.iter().map(|(_, v)| *v).max().unwrap_or(0);
        for (j, (label, v)) in vals.iter().enumerate() {
            let head: String = if j == 0 {
                name.chars().take(width).collect()
            } else {
                String::new()
            };
            lines.push(
                format!("{head:<width$}  {label:<11} {v:>7} {}", bar(*v, max, 30))
                    .trim_end()
                    .to_string(),
            );
        }
    }
    let _ = writeln!(s, "{}", code_block("text", &lines));
    let _ = writeln!(
        s,
        "| SKU | product | enabled | warning | consumed | available | blocked | reclaimable | note |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---|"
    );
    for c in caps {
        let flag = if c.over_assigned {
            "over-assigned"
        } else if c.no_seats {
            "no seats left"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {flag} |",
            e(&c.sku.clone().unwrap_or_else(|| c.sku_id.to_string())),
            e(c.display_name.as_deref().unwrap_or("")),
            c.enabled,
            c.warning,
            c.consumed,
            c.available,
            c.blocked_users,
            c.reclaimable.len()
        );
    }
    s.push('\n');
    let reclaim: Vec<&SkuCapacity> = caps
        .iter()
        .map(|c| &**c)
        .filter(|c| !c.reclaimable.is_empty())
        .collect();
    if !reclaim.is_empty() {
        let _ = writeln!(s, "Reclaimable seats:\n");
        for c in reclaim {
            let name = c.sku.clone().unwrap_or_else(|| c.sku_id.to_string());
            for r in &c.reclaimable {
                let via: Vec<String> = r.held_via.iter().map(|h| e(&h.describe())).collect();
                let why = match r.reason {
                    crate::model::finding::ReclaimReason::DisabledAccount => "disabled account",
                    crate::model::finding::ReclaimReason::DirectOnly => "direct assignment only",
                };
                let _ = writeln!(
                    s,
                    "- {}: {} ({why}; via {})",
                    e(&name),
                    e(&r.user.label()),
                    via.join(", ")
                );
            }
        }
        s.push('\n');
    }
}

/// The `inspect` report.
pub fn inspect(doc: &InspectDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    let t = &doc.totals;
    let _ = writeln!(s, "# licdiag inspect report\n");
    let _ = writeln!(
        s,
        "{} · {} inputs, {} records = {} events + {} snapshot objects + {} skipped; {} licensing events\n",
        TOOL, t.inputs, t.records, t.events, t.snapshot_records, t.skipped, t.licensing_events
    );
    let _ = writeln!(s, "## Inputs\n");
    let _ = writeln!(
        s,
        "| file | format | encoding | bytes | SHA-256 | records | events | snapshot objects | skipped | time range (UTC) |\n\
         |---|---|---|---:|---|---:|---:|---:|---:|---|"
    );
    for i in doc.inputs {
        let mut enc = e(&i.encoding);
        if i.gzip {
            enc.push_str(", gzip");
        }
        let range = match (&i.first, &i.last) {
            (Some(a), Some(b)) => format!("{} .. {}", ts(a), ts(b)),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {enc} | {} | {} | {} | {} | {} | {} | {range} |",
            e(&i.path),
            e(&i.format),
            i.bytes,
            digest(i.sha256.as_deref()),
            i.records,
            i.events,
            i.snapshot_records,
            i.skipped_total()
        );
    }
    s.push('\n');
    date_caveats(&mut s, doc.inputs);
    let skipped: Vec<(&str, &str, u64)> = doc
        .inputs
        .iter()
        .flat_map(|i| {
            i.skipped
                .iter()
                .map(move |(r, n)| (i.path.as_str(), r.as_str(), *n))
        })
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(s, "## Skipped records\n");
        let _ = writeln!(s, "| file | reason | records |\n|---|---|---:|");
        for (p, r, n) in skipped {
            let _ = writeln!(s, "| {} | {} | {n} |", e(p), e(r));
        }
        s.push('\n');
    }
    let issues: Vec<_> = doc
        .inputs
        .iter()
        .flat_map(|i| i.issues.iter().map(move |x| (i.path.as_str(), x)))
        .collect();
    if !issues.is_empty() {
        let _ = writeln!(s, "## Malformed records\n");
        let _ = writeln!(
            s,
            "| file | record | line | reason | detail |\n|---|---:|---:|---|---|"
        );
        for (p, x) in issues {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                e(p),
                x.record,
                x.line.map(|l| l.to_string()).unwrap_or_default(),
                e(&x.reason),
                e(&x.detail)
            );
        }
        s.push('\n');
    }
    let licensing: Vec<_> = doc
        .inputs
        .iter()
        .flat_map(|i| {
            i.licensing
                .iter()
                .map(move |(a, n)| (i.path.as_str(), a.as_str(), *n))
        })
        .collect();
    if !licensing.is_empty() {
        let _ = writeln!(s, "## Licensing events by input\n");
        let _ = writeln!(s, "| file | activity | events |\n|---|---|---:|");
        for (p, a, n) in licensing {
            let _ = writeln!(s, "| {} | {} | {n} |", e(p), e(a));
        }
        s.push('\n');
    }
    if !t.licensing_by_result.is_empty() {
        let _ = writeln!(s, "## Licensing events by activity and result\n");
        let _ = writeln!(s, "| activity | result | events |\n|---|---|---:|");
        for c in &t.licensing_by_result {
            let _ = writeln!(s, "| {} | {} | {} |", e(&c.activity), e(&c.result), c.count);
        }
        s.push('\n');
    }
    w.write_all(s.as_bytes())
}

fn follow_up_label(k: FollowUpKind) -> &'static str {
    match k {
        FollowUpKind::ReprocessUser => "reprocess each affected user",
        FollowUpKind::ReprocessGroup => "reprocess the group",
        FollowUpKind::ReprocessUserOrGroup => "reprocess the users or the group",
        FollowUpKind::None => "nothing more",
    }
}

/// The playbook (`explain`).
pub fn playbook(entries: &[PlaybookEntry], w: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    match entries {
        [one] => {
            let _ = writeln!(s, "# {}\n", e(&one.title));
            entry(&mut s, one, false);
        }
        _ => {
            let _ = writeln!(s, "# licdiag playbook\n");
            let _ = writeln!(
                s,
                "Every cause of group-based licensing errors licdiag knows, and the procedures its fixes use ({TOOL}).\n"
            );
            for en in entries {
                let _ = writeln!(s, "## {}\n", e(&en.title));
                entry(&mut s, en, true);
            }
        }
    }
    w.write_all(s.as_bytes())
}

fn entry(s: &mut String, en: &PlaybookEntry, nested: bool) {
    let h = if nested { "###" } else { "##" };
    match &en.cause {
        Some(c) => {
            let _ = writeln!(
                s,
                "Cause code: `{}` · key: `{}`\n",
                clean(c.code()),
                clean(&en.key)
            );
        }
        None => {
            let _ = writeln!(s, "Procedure · key: `{}`\n", clean(&en.key));
        }
    }
    let _ = writeln!(s, "**Problem.** {}\n", e(&en.problem));
    let _ = writeln!(s, "**How it shows.** {}\n", e(&en.how_it_shows));
    let _ = writeln!(s, "{h} Fix\n");
    for (i, f) in en.fix.iter().enumerate() {
        let _ = writeln!(s, "{}. {}", i + 1, e(f));
    }
    s.push('\n');
    let _ = writeln!(s, "{h} Then: {}\n", follow_up_label(en.follow_up.kind));
    for f in &en.follow_up.steps {
        let _ = writeln!(s, "- {}", e(f));
    }
    if !en.follow_up.steps.is_empty() {
        s.push('\n');
    }
    if !en.doc_url.is_empty() {
        let _ = writeln!(s, "Documentation: {}\n", link(&en.doc_url, &en.doc_url));
    }
    if !en.aliases.is_empty() {
        let a: Vec<String> = en.aliases.iter().map(|x| e(x)).collect();
        let _ = writeln!(s, "Also accepted by `licdiag explain`: {}\n", a.join(", "));
    }
}

/// How the inputs' dates were read, when a reader should know ([`view::date_caveats`]).
fn date_caveats(s: &mut String, inputs: &[crate::ingest::InputReport]) {
    for c in view::date_caveats(inputs) {
        let _ = writeln!(s, "> **Dates.** {}\n", e(&c));
    }
    for c in view::input_notes(inputs) {
        let _ = writeln!(s, "> **Input cut short.** {}\n", e(&c));
    }
    for c in view::input_remarks(inputs) {
        let _ = writeln!(s, "> **Input.** {}\n", e(&c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_outlasts_backticks() {
        let b = code_block("text", &["a ```` b".to_string()]);
        assert!(b.starts_with("`````text\n"));
        assert!(b.ends_with("\n`````\n"));
    }

    #[test]
    fn links_only_plain_https() {
        assert_eq!(link("d", "https://x.example/a"), "[d](https://x.example/a)");
        assert_eq!(link("d", "javascript:alert(1)"), "javascript:alert(1)");
        assert!(!link("d", "https://x)<img>").contains("<img"));
    }

    #[test]
    fn bars() {
        assert_eq!(bar(0, 10, 10), "");
        assert_eq!(bar(10, 10, 10), "█".repeat(10));
        assert_eq!(bar(1, 1000, 10), "▏");
    }
}
