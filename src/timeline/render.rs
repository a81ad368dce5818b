//! Printing the timeline: every entry becomes one line (stage, subject, detail) of plain words, then
//! each format writes those words its own way: aligned text with control characters stripped,
//! Markdown with escaping, or one self-contained HTML file with escaping. JSON comes from serde.

use super::model::{
    CauseStats, ClosedBy, Entry, FixKind, LicenseEdit, Membership, OpenItem, PlanEdit, ResolvedBy,
    SlowProcessing, Stage, TimelineDoc, Truncated,
};
use super::stats::human;
use crate::model::finding::CauseFoundIn;
use crate::model::{Cause, Outcome};
use crate::report::escape;
use crate::report::table::{clean, ts};
use crate::report::Document;
use chrono::{DateTime, Timelike, Utc};
use std::io::{self, Write};

/// One entry in words.
pub struct Line {
    pub stage: String,
    pub subject: String,
    pub detail: String,
}

fn causes_text(c: &[Cause]) -> String {
    if c.is_empty() {
        "cause not recorded".into()
    } else {
        c.iter().map(|c| c.code()).collect::<Vec<_>>().join(", ")
    }
}

fn cause_text(c: &Option<Cause>) -> String {
    c.as_ref()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| "cause not recorded".into())
}

fn product(sku: &Option<String>) -> String {
    sku.as_ref().map(|s| format!(" on {s}")).unwrap_or_default()
}

fn list(label: &str, v: &[String]) -> Option<String> {
    (!v.is_empty()).then(|| format!("{label} {}", v.join(", ")))
}

/// Plans a change disabled or enabled, per product: `disabled plan SHAREPOINTENTERPRISE in
/// ENTERPRISEPACK`, `enabled plans A, B in X`.
fn plans_text(verb: &str, edits: &[PlanEdit]) -> Vec<String> {
    edits
        .iter()
        .map(|p| {
            let noun = if p.plans.len() == 1 { "plan" } else { "plans" };
            format!("{verb} {noun} {} in {}", p.plans.join(", "), p.sku)
        })
        .collect()
}

/// What a license change did, in words: `added X`, `removed Y`, `disabled plan P in X`, `enabled
/// plan P in X`.
fn edit_parts(e: &LicenseEdit) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(list("added", &e.added));
    parts.extend(list("removed", &e.removed));
    parts.extend(plans_text("disabled", &e.plans_disabled));
    parts.extend(plans_text("enabled", &e.plans_enabled));
    parts
}

/// What Entra's truncation of a change's license lists leaves unsure: `new license list truncated
/// by Entra (MCOMEETADV kept or removed)`.
fn truncated_text(t: &Truncated) -> String {
    let lists = match (t.lists.old, t.lists.new) {
        (true, true) => "old and new license lists",
        (true, false) => "old license list",
        _ => "new license list",
    };
    let unsure: Vec<String> = [
        (&t.added_or_kept, "added or kept"),
        (&t.kept_or_removed, "kept or removed"),
    ]
    .into_iter()
    .filter(|(v, _)| !v.is_empty())
    .map(|(v, what)| format!("{} {what}", v.join(", ")))
    .collect();
    if unsure.is_empty() {
        format!("{lists} truncated by Entra")
    } else {
        format!("{lists} truncated by Entra ({})", unsure.join("; "))
    }
}

/// The words of an entry (not escaped: each format escapes them).
pub fn describe(e: &Entry) -> Line {
    let (stage, subject, detail) = match &e.stage {
        Stage::GroupLicenseSet {
            group,
            who,
            added,
            removed,
            plans_disabled,
            plans_enabled,
            truncated,
            result,
            causes,
        } => {
            let mut parts = vec![format!("by {who}")];
            parts.extend(list("added", added));
            parts.extend(list("removed", removed));
            parts.extend(plans_text("disabled", plans_disabled));
            parts.extend(plans_text("enabled", plans_enabled));
            parts.extend(truncated.as_ref().map(truncated_text));
            let stage = match result {
                Outcome::Success => "group license set",
                // no result column in the export, and no error text: not said to have failed
                Outcome::Unknown if causes.is_empty() => {
                    parts.push("result not recorded".into());
                    "group license set"
                }
                _ => {
                    parts.push(causes_text(causes));
                    "group license set failed"
                }
            };
            (stage.to_string(), group.label(), parts.join("; "))
        }
        Stage::MembershipChanged {
            user,
            group,
            change,
            who,
        } => match change {
            Membership::Added => (
                "member added".into(),
                user.label(),
                format!("to {} by {who}", group.label()),
            ),
            Membership::Removed => (
                "member removed".into(),
                user.label(),
                format!("from {} by {who}", group.label()),
            ),
        },
        Stage::ProcessingStarted { group } => {
            ("processing started".into(), group.label(), String::new())
        }
        Stage::Failure {
            user,
            causes,
            sku,
            group,
            cause_from,
        } => {
            let mut d = format!("{}{}", causes_text(causes), product(sku));
            if let Some(g) = group {
                d.push_str(&format!(" (group {})", g.label()));
            }
            match cause_from {
                Some(CauseFoundIn::Snapshot) => {
                    d.push_str("; the record has no error code: the cause is the snapshot's")
                }
                Some(CauseFoundIn::Audit) => d.push_str(
                    "; the record has no error code: the cause is another audit record's",
                ),
                None => {}
            }
            ("failure".into(), user.label(), d)
        }
        Stage::ProcessingFinished {
            group,
            succeeded,
            failed,
        } => {
            let d = match (succeeded, failed) {
                (Some(s), Some(f)) => format!("{s} succeeded, {f} failed"),
                _ => "counts not recorded".into(),
            };
            ("processing finished".into(), group.label(), d)
        }
        Stage::LicenseChanged {
            user,
            who,
            added,
            removed,
            truncated,
        } => {
            let mut parts = vec![format!("by {who}")];
            parts.extend(list("added", added));
            parts.extend(list("removed", removed));
            parts.extend(truncated.as_ref().map(truncated_text));
            ("license changed".into(), user.label(), parts.join("; "))
        }
        Stage::Fix {
            fix,
            who,
            user,
            group,
            skus,
            truncated,
            inferred,
            users_resolved,
            change,
            addresses,
            for_users,
        } => {
            let subject = user
                .as_ref()
                .map(|u| u.label())
                .or_else(|| group.as_ref().map(|g| g.label()))
                .unwrap_or_else(|| "-".into());
            // what was done, when the step says (a group license change), else the products
            let mut parts: Vec<String> = edit_parts(change);
            if parts.is_empty() && !skus.is_empty() {
                parts.push(skus.join(", "));
            }
            if !addresses.is_empty() {
                parts.push(format!("removed {}", addresses.join(", ")));
            }
            if !for_users.is_empty() {
                let who: Vec<String> = for_users.iter().map(|u| u.label()).collect();
                parts.push(format!("for {}", who.join(", ")));
            }
            if let (Some(_), Some(g)) = (user, group) {
                parts.push(format!("group {}", g.label()));
            }
            if let Some(w) = who {
                parts.push(format!("by {w}"));
            }
            parts.extend(truncated.as_ref().map(truncated_text));
            if *fix == FixKind::SeatsFreed {
                let n = users_resolved.unwrap_or(0);
                parts.push(format!(
                    "{n} {} licensed after the next step",
                    if n == 1 { "user" } else { "users" }
                ));
            } else if *inferred {
                let n = users_resolved.unwrap_or(0);
                let what = if *fix == FixKind::SeatsAdded {
                    "inferred: seat purchases are not audited"
                } else {
                    "inferred"
                };
                parts.push(format!(
                    "{what}; {n} {} licensed after the next step",
                    if n == 1 { "user" } else { "users" }
                ));
            }
            (format!("fix: {}", fix.label()), subject, parts.join("; "))
        }
        Stage::Reprocess { subject, who } => {
            ("reprocess".into(), subject.label(), format!("by {who}"))
        }
        Stage::Resolved {
            subject,
            cause,
            sku,
            group,
            first_failed,
            time_to_resolve_seconds,
            by,
            self_resolved,
            how,
        } => {
            let mut d = format!(
                "{}{} after {} (first failed {})",
                cause_text(cause),
                product(sku),
                human(*time_to_resolve_seconds),
                ts(first_failed)
            );
            if let (Some(g), false) = (group, matches!(subject, super::model::Subject::Group(_))) {
                d.push_str(&format!(" in group {}", g.label()));
            }
            d.push_str(": ");
            d.push_str(how);
            if *by == ResolvedBy::Diagnosis {
                d.push_str(" (from the diagnosis)");
            }
            let stage = if *self_resolved {
                "self-resolved"
            } else {
                "resolved"
            };
            (stage.into(), subject.label(), d)
        }
        Stage::Closed {
            subject,
            cause,
            sku,
            group,
            first_failed,
            open_seconds,
            by,
            who,
        } => {
            let mut d = format!(
                "{}{} after {} (first failed {})",
                cause_text(cause),
                product(sku),
                human(*open_seconds),
                ts(first_failed)
            );
            if let (Some(g), false) = (group, matches!(subject, super::model::Subject::Group(_))) {
                d.push_str(&format!(" in group {}", g.label()));
            }
            d.push_str(&match by {
                ClosedBy::UserDeleted => format!(
                    ": closed by deletion, not resolved (the user was deleted by {who}; nothing \
                     is pending for a deleted user)"
                ),
                ClosedBy::ProductRemoved => format!(
                    ": product removed from the group, not resolved (removed by {who}; the group \
                     no longer assigns it: nothing was licensed, and nothing of it is pending)"
                ),
                ClosedBy::MemberRemoved => format!(
                    ": removed from the group, not resolved (removed by {who}; the group no \
                     longer assigns the product to the user: nothing was licensed, and nothing of \
                     it is pending)"
                ),
            });
            ("closed".into(), subject.label(), d)
        }
        Stage::Deleted { subject, who } => {
            let stage = match subject {
                super::model::Subject::User(_) => "user deleted",
                super::model::Subject::Group(_) => "group deleted",
            };
            (stage.into(), subject.label(), format!("by {who}"))
        }
        Stage::AddressesRecalculated { user, who } => (
            "addresses recalculated".into(),
            user.label(),
            format!(
                "proxy addresses changed by {who}: the proxy-address calculation a license update \
                 triggers (it can change mail too), not an administrator"
            ),
        ),
        Stage::MembershipRuleChanged {
            group,
            who,
            old_rule,
            new_rule,
            dynamic,
            processing,
            members_removed_after,
            members_added_after,
        } => (
            "membership rule changed".into(),
            group.label(),
            rule_change_detail(
                who,
                old_rule.as_deref(),
                new_rule.as_deref(),
                *dynamic,
                *processing,
                (*members_removed_after, *members_added_after),
            ),
        ),
    };
    Line {
        stage,
        subject,
        detail,
    }
}

/// What a membership-rule change did, in words: the type and rule changes, the processing state,
/// the membership changes that followed, and what Entra does with the licenses.
fn rule_change_detail(
    who: &str,
    old: Option<&str>,
    new: Option<&str>,
    dynamic: Option<bool>,
    processing: Option<super::model::RuleProcessing>,
    (removed, added): (usize, usize),
) -> String {
    use super::model::RuleProcessing;
    let mut parts: Vec<String> = Vec::new();
    match dynamic {
        Some(true) => parts
            .push("made dynamic (Entra removes every member until the rule is evaluated)".into()),
        Some(false) => parts.push("made static (assigned membership)".into()),
        None => {}
    }
    match (old, new) {
        (Some(o), Some(n)) => parts.push(format!("rule was: {o}; now: {n}")),
        (None, Some(n)) => parts.push(format!("rule now: {n}")),
        (Some(o), None) => parts.push(format!("rule removed (was: {o})")),
        (None, None) => {}
    }
    match processing {
        Some(RuleProcessing::On) => parts.push("rule processing turned on".into()),
        Some(RuleProcessing::Paused) => parts.push("rule processing paused".into()),
        None => {}
    }
    let mut d = format!("by {who}: {}", parts.join("; "));
    if removed + added > 0 {
        d.push_str(&format!(
            "; then {removed} member(s) removed and {added} added in the inputs"
        ));
    }
    // what Entra does next: a group made static (or whose rule is removed) keeps its members; a
    // paused rule freezes them; a rule that applies (new, changed, processed again) removes the
    // members it no longer matches
    if dynamic == Some(false) || (old.is_some() && new.is_none()) {
        d.push_str(". Its members stay as they are and change by hand from now on");
    } else if processing == Some(RuleProcessing::Paused) {
        d.push_str(
            ". While paused, the members no longer follow the rule: users it would add or remove \
             keep their licenses as they are until processing is on again",
        );
    } else if new.is_some() || dynamic == Some(true) || processing == Some(RuleProcessing::On) {
        d.push_str(
            ". Members the rule no longer matches lose the licenses the group gives them (test a \
             rule change before making it)",
        );
    }
    d
}

fn open_line(o: &OpenItem) -> (String, String) {
    let mut what = format!("{}{}", cause_text(&o.cause), product(&o.sku));
    if let Some(g) = &o.group {
        what.push_str(&format!(" (group {})", g.label()));
    }
    let mut when = match (&o.since, o.open_for_seconds) {
        (Some(s), Some(f)) => format!("since {}, open {}", ts(s), human(f)),
        (Some(s), None) => format!("since {}", ts(s)),
        _ => "since: not recorded".into(),
    };
    match (o.seen_in_audit, o.confirmed_pending, &o.later_success) {
        _ if o.same_instant_success.is_some() => when.push_str(&format!(
            "; a success of the user is recorded at the same instant ({}): the log cannot tell which came last, so it is not confirmed pending (check the user's license state)",
            o.same_instant_success.as_ref().map(ts).unwrap_or_default()
        )),
        (true, true, Some(t)) => when.push_str(&format!(
            "; the audit log shows a later success ({}), but the snapshot still has the error",
            ts(t)
        )),
        (true, true, None) => when.push_str("; audit log and diagnosis agree it is pending"),
        (true, false, _) => when.push_str("; no later success in the audit log"),
        (false, _, _) => when.push_str("; only the snapshot shows it"),
    }
    (what, when)
}

/// A slow processing run's group and what it did: `(group, started ..., finished/unfinished ...)`.
fn slow_line(r: &SlowProcessing) -> (String, String) {
    let what = match &r.finished {
        Some(f) => format!(
            "started {}, finished {} after {}",
            ts(&r.started),
            ts(f),
            human(r.seconds)
        ),
        None => format!(
            "started {}, not finished after {} (no `Finish applying group based license to users` in the inputs)",
            ts(&r.started),
            human(r.seconds)
        ),
    };
    (r.group.label(), what)
}

/// What the slow-processing section says to do (licensing.md §2).
const SLOW_ADVICE: &str = "license processing that takes more than 24 hours for a group of up to \
60,000 members is not expected: check the group's processing state (Microsoft 365 admin center → \
Billing → Licenses, or `licenseProcessingState` in a new groups export) and open a support ticket if it \
is still not complete";

fn stat_cells(s: &CauseStats) -> [String; 6] {
    [
        cause_text(&s.cause),
        s.episodes.to_string(),
        s.resolved.to_string(),
        s.still_open.to_string(),
        s.median_seconds.map(human).unwrap_or_else(|| "-".into()),
        s.max_seconds.map(human).unwrap_or_else(|| "-".into()),
    ]
}

/// The episodes of the table closed unresolved (counted in `episodes`, in neither `resolved` nor
/// `still open`), one note per way: `closed by deletion, neither resolved nor still open:
/// DependencyViolation 1`, `closed by the product's removal from the group, …`.
fn closed_notes(d: &TimelineDoc) -> Vec<String> {
    let note = |what: &str, n: fn(&CauseStats) -> usize| {
        let parts: Vec<String> = d
            .time_to_resolve
            .iter()
            .filter(|s| n(s) > 0)
            .map(|s| format!("{} {}", cause_text(&s.cause), n(s)))
            .collect();
        (!parts.is_empty()).then(|| {
            format!(
                "{what}, neither resolved nor still open: {}",
                parts.join(", ")
            )
        })
    };
    note("closed by deletion", |s| s.closed_by_deletion)
        .into_iter()
        .chain(note(
            "closed by the product's removal from the group",
            |s| s.closed_by_product_removal,
        ))
        .chain(note("closed by the user's removal from the group", |s| {
            s.closed_by_member_removal
        }))
        .collect()
}

const STAT_HEADERS: [&str; 6] = [
    "cause",
    "episodes",
    "resolved",
    "still open",
    "median",
    "max",
];

/// " <now>", or ": no time in the inputs" when they record none (no durations then).
fn as_of_text(d: &TimelineDoc) -> String {
    match &d.as_of {
        Some(t) => format!(" {}", ts(t)),
        None => ": no time in the inputs".into(),
    }
}

fn headline(d: &TimelineDoc) -> String {
    let n = d.entries.len();
    let mut s = format!("{n} {}", if n == 1 { "entry" } else { "entries" });
    if let (Some(f), Some(l)) = (d.entries.first(), d.entries.last()) {
        s.push_str(&format!(" from {} to {}", ts(&f.time), ts(&l.time)));
    }
    s.push_str(&format!("; as of{}", as_of_text(d)));
    s
}

fn evidence_line(d: &TimelineDoc) -> String {
    let e = &d.evidence;
    format!(
        "{} audit events{}; snapshot: {} users, {} groups, {} SKUs",
        e.audit_events,
        crate::report::analysis::repeats_note(e.repeated_records),
        e.snapshot_users,
        e.snapshot_groups,
        e.snapshot_skus
    )
}

fn filter_line(d: &TimelineDoc) -> Option<String> {
    let f = &d.filters;
    let mut parts: Vec<String> = Vec::new();
    if let Some(u) = &f.user {
        let mut p = format!("user {}", u.user.label());
        if !u.former_upns.is_empty() {
            p.push_str(&format!(" (formerly {})", u.former_upns.join(", ")));
        }
        parts.push(p);
    }
    if let Some(g) = &f.group {
        parts.push(format!("group {}", g.label()));
    }
    if let Some(s) = &f.since {
        let mut p = format!("since {}", bound(s));
        if let Some(now) = d.as_of.filter(|now| s > now) {
            p.push_str(&format!(
                " (after the latest time in the inputs, {}: the window starts after every input time)",
                ts(&now)
            ));
        }
        parts.push(p);
    }
    if let Some(u) = &f.until {
        parts.push(format!("until {}", until_text(u)));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A `--since` / `--until` bound as it is used: to the second, or with its fraction when it has
/// one (a bound cut to the second would read as another instant).
fn bound(t: &DateTime<Utc>) -> String {
    if t.timestamp_subsec_nanos() == 0 {
        ts(t)
    } else {
        t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
}

/// `--until`: a date given alone is its day's last instant (23:59:59.999999999), said as "end of
/// YYYY-MM-DD" (23:59:59Z would leave out an event at 23:59:59.5 the filter keeps).
fn until_text(t: &DateTime<Utc>) -> String {
    let end_of_day = t.hour() == 23
        && t.minute() == 59
        && t.second() == 59
        && t.timestamp_subsec_nanos() == 999_999_999;
    if end_of_day {
        format!("end of {}", t.format("%Y-%m-%d"))
    } else {
        bound(t)
    }
}

/// The widest cell of a column, in display columns (a wide character takes two), up to `cap`.
fn width(rows: &[[String; 3]], col: usize, cap: usize) -> usize {
    rows.iter()
        .filter_map(|r| r.get(col))
        .map(|s| crate::report::escape::width(s))
        .max()
        .unwrap_or(0)
        .min(cap)
}

fn table(d: &TimelineDoc, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "licdiag timeline: {}", headline(d))?;
    writeln!(w, "evidence: {}", evidence_line(d))?;
    for n in &d.date_notes {
        writeln!(w, "dates: {}", clean(n))?;
    }
    for n in &d.input_notes {
        writeln!(w, "input: {}", clean(n))?;
    }
    if let Some(f) = filter_line(d) {
        writeln!(w, "filter: {}", clean(&f))?;
    }
    writeln!(w)?;
    if d.entries.is_empty() {
        writeln!(w, "No licensing events match.")?;
    } else {
        let rows: Vec<[String; 3]> = d
            .entries
            .iter()
            .map(|e| {
                let l = describe(e);
                [clean(&l.stage), clean(&l.subject), clean(&l.detail)]
            })
            .collect();
        let (ws, wu) = (width(&rows, 0, 30).max(5), width(&rows, 1, 40).max(7));
        writeln!(
            w,
            "{:<20}  {:<ws$}  {:<wu$}  DETAIL",
            "TIME", "STAGE", "SUBJECT"
        )?;
        for (e, [stage, subject, detail]) in d.entries.iter().zip(&rows) {
            // padded by display width: `{:<w$}` counts characters, and a CJK UPN shifted the
            // detail column
            let pad = |s: &str, w: usize| {
                let n = w.saturating_sub(crate::report::escape::width(s));
                format!("{s}{}", " ".repeat(n))
            };
            let line = format!(
                "{:<20}  {}  {}  {detail}",
                ts(&e.time),
                pad(stage, ws),
                pad(subject, wu)
            );
            writeln!(w, "{}", line.trim_end())?;
        }
    }
    if !d.time_to_resolve.is_empty() {
        writeln!(w)?;
        writeln!(w, "time to resolve per cause:")?;
        let rows: Vec<[String; 6]> = d.time_to_resolve.iter().map(stat_cells).collect();
        // capped: an unknown cause code is an export's text, of any length, and a width past
        // 65,535 is out of the formatter's range (256: above any real code, the longest known
        // is LicenseAssignmentAttributeConcurrencyException's 46)
        let wc = rows
            .iter()
            .map(|r| r[0].chars().count())
            .max()
            .unwrap_or(0)
            .clamp(5, 256);
        writeln!(
            w,
            "  {:<wc$}  {:>8}  {:>8}  {:>10}  {:>14}  {:>14}",
            "CAUSE", "EPISODES", "RESOLVED", "STILL OPEN", "MEDIAN", "MAX"
        )?;
        for [c, n, r, o, med, max] in &rows {
            writeln!(
                w,
                "  {:<wc$}  {n:>8}  {r:>8}  {o:>10}  {med:>14}  {max:>14}",
                clean(c)
            )?;
        }
        for n in closed_notes(d) {
            writeln!(w, "  {}", clean(&n))?;
        }
    }
    if !d.slow_processing.is_empty() {
        writeln!(w)?;
        writeln!(w, "group processing over 24 hours ({SLOW_ADVICE}):")?;
        for r in &d.slow_processing {
            let (g, what) = slow_line(r);
            writeln!(w, "  {}: {}", clean(&g), clean(&what))?;
        }
    }
    if !d.still_open.is_empty() {
        writeln!(w)?;
        writeln!(w, "still open as of{}:", as_of_text(d))?;
        for o in &d.still_open {
            let (what, when) = open_line(o);
            writeln!(
                w,
                "  {}: {}; {}",
                clean(&o.subject.label()),
                clean(&what),
                clean(&when)
            )?;
        }
    }
    Ok(())
}

fn markdown(d: &TimelineDoc, w: &mut dyn Write) -> io::Result<()> {
    let m = escape::markdown;
    writeln!(w, "# licdiag timeline")?;
    writeln!(w)?;
    writeln!(w, "{}.", m(&headline(d)))?;
    writeln!(w)?;
    writeln!(w, "Evidence: {}.", m(&evidence_line(d)))?;
    for n in &d.date_notes {
        writeln!(w)?;
        writeln!(w, "> **Dates.** {}", m(n))?;
    }
    for n in &d.input_notes {
        writeln!(w)?;
        writeln!(w, "> **Input.** {}", m(n))?;
    }
    if let Some(f) = filter_line(d) {
        writeln!(w)?;
        writeln!(w, "Filter: {}.", m(&f))?;
    }
    writeln!(w)?;
    writeln!(w, "## Story")?;
    writeln!(w)?;
    if d.entries.is_empty() {
        writeln!(w, "No licensing events match.")?;
    } else {
        writeln!(w, "| time (UTC) | stage | subject | detail |")?;
        writeln!(w, "|---|---|---|---|")?;
        for e in &d.entries {
            let l = describe(e);
            writeln!(
                w,
                "| {} | {} | {} | {} |",
                ts(&e.time),
                m(&l.stage),
                m(&l.subject),
                m(&l.detail)
            )?;
        }
    }
    if !d.time_to_resolve.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Time to resolve per cause")?;
        writeln!(w)?;
        writeln!(w, "| {} |", STAT_HEADERS.join(" | "))?;
        writeln!(w, "|---|---:|---:|---:|---:|---:|")?;
        for s in &d.time_to_resolve {
            let c = stat_cells(s).map(|x| m(&x));
            writeln!(w, "| {} |", c.join(" | "))?;
        }
        for n in closed_notes(d) {
            writeln!(w)?;
            writeln!(w, "{}.", m(&n))?;
        }
    }
    if !d.slow_processing.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Group processing over 24 hours")?;
        writeln!(w)?;
        writeln!(
            w,
            "{}{}.",
            SLOW_ADVICE[..1].to_uppercase(),
            &SLOW_ADVICE[1..]
        )?;
        writeln!(w)?;
        writeln!(w, "| group | run |")?;
        writeln!(w, "|---|---|")?;
        for r in &d.slow_processing {
            let (g, what) = slow_line(r);
            writeln!(w, "| {} | {} |", m(&g), m(&what))?;
        }
    }
    if !d.still_open.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Still open as of{}", as_of_text(d))?;
        writeln!(w)?;
        writeln!(w, "| subject | error | since |")?;
        writeln!(w, "|---|---|---|")?;
        for o in &d.still_open {
            let (what, when) = open_line(o);
            writeln!(
                w,
                "| {} | {} | {} |",
                m(&o.subject.label()),
                m(&what),
                m(&when)
            )?;
        }
    }
    Ok(())
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;\
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}\
tr.failure td,tr.group-license-set-failed td{background:#fff1f0}tr.resolved td,\
tr.self-resolved td{background:#f0fff3}tr.fix td{background:#fffbe6}tr.closed td{background:#f3f3f3}";

fn html(d: &TimelineDoc, w: &mut dyn Write) -> io::Result<()> {
    let h = escape::html;
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    // nothing loads from anywhere and no script runs; only the inline style applies
    writeln!(
        w,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
    )?;
    writeln!(
        w,
        "<title>licdiag timeline</title><style>{CSS}</style></head><body>"
    )?;
    writeln!(w, "<h1>licdiag timeline</h1>")?;
    writeln!(w, "<p>{}.</p>", h(&headline(d)))?;
    writeln!(w, "<p>Evidence: {}.</p>", h(&evidence_line(d)))?;
    for n in &d.date_notes {
        writeln!(w, "<p><strong>Dates.</strong> {}</p>", h(n))?;
    }
    for n in &d.input_notes {
        writeln!(w, "<p><strong>Input.</strong> {}</p>", h(n))?;
    }
    if let Some(f) = filter_line(d) {
        writeln!(w, "<p>Filter: {}.</p>", h(&f))?;
    }
    writeln!(w, "<h2>Story</h2>")?;
    if d.entries.is_empty() {
        writeln!(w, "<p>No licensing events match.</p>")?;
    } else {
        writeln!(
            w,
            "<table><thead><tr><th>time (UTC)</th><th>stage</th><th>subject</th><th>detail</th></tr></thead><tbody>"
        )?;
        for e in &d.entries {
            let l = describe(e);
            let class: String = l.stage.split(':').next().unwrap_or("").replace(' ', "-");
            writeln!(
                w,
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                h(&class),
                h(&ts(&e.time)),
                h(&l.stage),
                h(&l.subject),
                h(&l.detail)
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    if !d.time_to_resolve.is_empty() {
        writeln!(w, "<h2>Time to resolve per cause</h2>")?;
        let head: String = STAT_HEADERS
            .iter()
            .map(|x| format!("<th>{x}</th>"))
            .collect();
        writeln!(w, "<table><thead><tr>{head}</tr></thead><tbody>")?;
        for s in &d.time_to_resolve {
            let [c, rest @ ..] = stat_cells(s);
            let cells: String = rest
                .iter()
                .map(|x| format!("<td class=\"n\">{}</td>", h(x)))
                .collect();
            writeln!(w, "<tr><td>{}</td>{cells}</tr>", h(&c))?;
        }
        writeln!(w, "</tbody></table>")?;
        for n in closed_notes(d) {
            writeln!(w, "<p>{}.</p>", h(&n))?;
        }
    }
    if !d.slow_processing.is_empty() {
        writeln!(w, "<h2>Group processing over 24 hours</h2>")?;
        writeln!(
            w,
            "<p>{}{}.</p>",
            SLOW_ADVICE[..1].to_uppercase(),
            h(&SLOW_ADVICE[1..])
        )?;
        writeln!(
            w,
            "<table><thead><tr><th>group</th><th>run</th></tr></thead><tbody>"
        )?;
        for r in &d.slow_processing {
            let (g, what) = slow_line(r);
            writeln!(w, "<tr><td>{}</td><td>{}</td></tr>", h(&g), h(&what))?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    if !d.still_open.is_empty() {
        writeln!(w, "<h2>Still open as of{}</h2>", h(&as_of_text(d)))?;
        writeln!(
            w,
            "<table><thead><tr><th>subject</th><th>error</th><th>since</th></tr></thead><tbody>"
        )?;
        for o in &d.still_open {
            let (what, when) = open_line(o);
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                h(&o.subject.label()),
                h(&what),
                h(&when)
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    writeln!(w, "</body></html>")
}

impl Document for TimelineDoc {
    fn name(&self) -> &'static str {
        "timeline"
    }
    fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        table(self, w)
    }
    fn markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        markdown(self, w)
    }
    fn html(&self, w: &mut dyn Write) -> io::Result<()> {
        html(self, w)
    }
}

#[cfg(test)]
mod tests {
    use super::rule_change_detail;
    use crate::timeline::model::RuleProcessing;

    /// What follows a rule change is said only where it applies: a rule set or changed, a group
    /// made dynamic or processed again removes the members the rule no longer matches; a pause
    /// freezes them; a group made static keeps them.
    #[test]
    fn rule_change_words_follow_what_changed() {
        const LOSE: &str = "Members the rule no longer matches lose";
        let d = |old, new, dynamic, processing| {
            rule_change_detail("ana", old, new, dynamic, processing, (0, 0))
        };
        assert!(d(Some("a"), Some("b"), None, None).contains(LOSE));
        assert!(d(None, Some("b"), Some(true), None).contains("made dynamic"));
        assert!(d(None, None, None, Some(RuleProcessing::On)).contains(LOSE));
        let paused = d(None, None, None, Some(RuleProcessing::Paused));
        assert!(
            !paused.contains(LOSE) && paused.contains("While paused"),
            "{paused}"
        );
        let made_static = d(Some("a"), None, Some(false), None);
        assert!(
            !made_static.contains(LOSE) && made_static.contains("stay as they are"),
            "{made_static}"
        );
        let removed = d(Some("a"), None, None, None);
        assert!(removed.contains("rule removed (was: a)") && !removed.contains(LOSE));
        assert!(
            rule_change_detail("ana", None, Some("b"), None, None, (3, 1))
                .contains("then 3 member(s) removed and 1 added")
        );
    }
}
