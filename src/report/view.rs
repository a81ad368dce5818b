//! What the human reports (Markdown and HTML) show beyond the diagnosis itself: the headline
//! numbers, causes ranked by affected users, errors per day, a compact timeline, the affected-user
//! and group tables, and whether the audit window looks cut by retention. Computed once from the
//! document so both formats say the same thing. Strings stay raw here (they come from exports) and
//! are escaped by each format when written.

use super::analysis::AnalysisDoc;
use crate::ingest::{InputKind, InputReport};
use crate::model::finding::{
    CauseDetails, Finding, ProcessingRun, Resolution, Severity, Status, UserRef,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// `licdiag X.Y.Z`, as the reports name the tool.
pub const TOOL: &str = concat!("licdiag ", env!("CARGO_PKG_VERSION"));

/// At most this many timeline entries are shown.
pub const MAX_TIMELINE: usize = 500;

/// At most this many consecutive days are drawn with empty days filled in; longer spans show only
/// the days that have errors.
pub const MAX_FILLED_DAYS: i64 = 92;

/// One headline number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub note: String,
}

/// The headline numbers of an analysis.
pub fn headline(doc: &AnalysisDoc<'_>) -> Vec<Fact> {
    let d = doc.diagnosis;
    let s = &d.summary;
    let e = &doc.evidence_available;
    let causes: BTreeSet<&str> = d.findings.iter().map(|f| f.cause.code()).collect();
    let no_seats: Vec<&crate::model::finding::SkuCapacity> = d
        .capacity
        .iter()
        .map(|c| &**c)
        .filter(|c| c.no_seats)
        .collect();
    let over = no_seats.iter().filter(|c| c.over_assigned).count();
    let reclaimable: usize = d.capacity.iter().map(|c| c.reclaimable.len()).sum();
    // the seats that would help: those of the products out of seats (a product with free seats
    // needs none reclaimed), the whole number beside them
    let reclaimable_short: usize = no_seats.iter().map(|c| c.reclaimable.len()).sum();
    let (reclaimable_value, reclaimable_note) = if no_seats.is_empty() {
        (
            reclaimable,
            "disabled accounts and direct-only holders (no product is out of seats)".to_string(),
        )
    } else {
        (
            reclaimable_short,
            format!(
                "in the products out of seats ({reclaimable} in all products): disabled accounts and direct-only holders"
            ),
        )
    };
    vec![
        Fact {
            label: "Users affected",
            value: s.users_affected.to_string(),
            note: "still failing (pending)".into(),
        },
        Fact {
            label: "Findings",
            value: d.findings.len().to_string(),
            note: format!(
                "{}, {}, {} info",
                plural(s.errors, "error", "errors"),
                plural(s.warnings, "warning", "warnings"),
                s.infos
            ),
        },
        Fact {
            label: "Causes",
            value: causes.len().to_string(),
            note: format!("{} users named, resolved included", s.users_named),
        },
        Fact {
            label: "Products out of seats",
            value: no_seats.len().to_string(),
            note: format!("of {} subscribed, {over} over-assigned", d.capacity.len()),
        },
        Fact {
            label: "Reclaimable seats",
            value: reclaimable_value.to_string(),
            note: reclaimable_note,
        },
        Fact {
            label: "Evidence",
            value: e.audit_events.to_string(),
            note: format!(
                "audit events{}; snapshot: {} users, {} groups, {} SKUs, {} reported errors",
                super::analysis::repeats_note(e.repeated_records),
                e.snapshot_users,
                e.snapshot_groups,
                e.snapshot_skus,
                e.reported_errors
            ),
        },
    ]
}

/// A stable identity for a user across findings: object id, else UPN, else label.
pub fn user_key(u: &UserRef) -> String {
    match (&u.id, &u.upn) {
        (Some(id), _) => id.to_string(),
        (None, Some(upn)) => upn.to_lowercase(),
        (None, None) => u.label().to_lowercase(),
    }
}

/// `ENTERPRISEPACK`, the SKU id, or empty.
pub fn sku_label(f: &Finding) -> String {
    f.sku
        .clone()
        .or_else(|| f.sku_id.as_ref().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The group display name, its id, or empty.
pub fn group_label(f: &Finding) -> String {
    f.group
        .clone()
        .or_else(|| f.group_id.as_ref().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// "on ENTERPRISEPACK from group LIC-O365-E3" (either part may be missing).
pub fn scope(f: &Finding) -> String {
    let mut s = String::new();
    let sku = sku_label(f);
    if !sku.is_empty() {
        s.push_str("on ");
        s.push_str(&sku);
    }
    let g = group_label(f);
    if !g.is_empty() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str("from group ");
        s.push_str(&g);
    }
    s
}

pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Pending => "pending",
        Status::Resolved => "resolved",
        Status::SelfResolved => "self-resolved",
        Status::Closed => "closed, not resolved",
    }
}

/// One cause, with its findings and users added up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CauseRank {
    pub code: String,
    pub title: String,
    pub severity: Severity,
    /// 1-based numbers of its findings, in report order.
    pub findings: Vec<usize>,
    /// Distinct users still failing.
    pub users_affected: usize,
    /// Distinct users named, resolved included.
    pub users_named: usize,
    /// Every finding of the cause is an `Other` fully explained by a sibling product's error: a
    /// consequence, ranked after the root causes (as `diagnose` ranks findings).
    pub consequence: bool,
}

impl CauseRank {
    /// The cause's title, noting when it is only a consequence of the causes above it.
    pub fn meaning(&self) -> String {
        if self.consequence {
            format!("{}; a consequence of the causes above", self.title)
        } else {
            self.title.clone()
        }
    }
}

/// An `Other` finding whose users are all explained by a sibling product's error.
pub fn is_consequence(f: &Finding) -> bool {
    f.cause == crate::model::Cause::Other
        && matches!(&f.details, CauseDetails::Blocked { unexplained, .. } if unexplained.is_empty())
}

/// Causes ranked root causes first, then by distinct affected (pending) users, severity (an error
/// before a warning affecting as many), users named and code.
pub fn causes(findings: &[Finding]) -> Vec<CauseRank> {
    struct Acc {
        title: String,
        severity: Severity,
        findings: Vec<usize>,
        pending: BTreeSet<String>,
        named: BTreeSet<String>,
        consequence: bool,
    }
    let mut by: BTreeMap<String, Acc> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        let a = by.entry(f.cause.code().to_string()).or_insert_with(|| Acc {
            title: f.cause.title().to_string(),
            severity: f.severity,
            findings: Vec::new(),
            pending: BTreeSet::new(),
            named: BTreeSet::new(),
            consequence: true,
        });
        a.severity = a.severity.max(f.severity);
        a.consequence &= is_consequence(f);
        a.findings.push(i + 1);
        for u in &f.users {
            let k = user_key(&u.user);
            if u.status == Status::Pending && f.cause.leaves_users_unlicensed() {
                a.pending.insert(k.clone());
            }
            a.named.insert(k);
        }
    }
    let mut out: Vec<CauseRank> = by
        .into_iter()
        .map(|(code, a)| CauseRank {
            code,
            title: a.title,
            severity: a.severity,
            findings: a.findings,
            users_affected: a.pending.len(),
            users_named: a.named.len(),
            consequence: a.consequence,
        })
        .collect();
    out.sort_by(|a, b| {
        a.consequence
            .cmp(&b.consequence)
            .then(b.users_affected.cmp(&a.users_affected))
            .then(b.severity.cmp(&a.severity))
            .then(b.users_named.cmp(&a.users_named))
            .then_with(|| a.code.cmp(&b.code))
    });
    out
}

/// Errors of one day, per cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayCount {
    pub day: NaiveDate,
    /// Aligned with [`ErrorsOverTime::causes`].
    pub by_cause: Vec<usize>,
    /// Errors that day: one per affected user of each finding (the sum of `by_cause`).
    pub total: usize,
    /// Distinct users with an error that day (a user with errors of two causes, such as an
    /// `Other` beside its blocking error, counts once).
    pub users: usize,
}

/// Errors (one per affected user of each finding) bucketed by the UTC day they happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorsOverTime {
    /// Cause codes present, in ranking order.
    pub causes: Vec<String>,
    pub days: Vec<DayCount>,
    /// Errors (affected users of a finding) with no time in the data.
    pub undated: usize,
    /// Whether days without errors are included (false for spans over [`MAX_FILLED_DAYS`]).
    pub filled: bool,
}

impl ErrorsOverTime {
    pub fn max_total(&self) -> usize {
        self.days.iter().map(|d| d.total).max().unwrap_or(0)
    }
    pub fn dated(&self) -> usize {
        self.days.iter().map(|d| d.total).sum()
    }
}

/// When a user's error happened: their own error time, else the finding's first audit sighting.
pub fn error_time(f: &Finding, u: &crate::model::finding::AffectedUser) -> Option<DateTime<Utc>> {
    u.error_at.or(f.audit.first_seen)
}

/// Buckets every affected user of every finding by the day of the error.
pub fn errors_over_time(findings: &[Finding], ranked: &[CauseRank]) -> ErrorsOverTime {
    let mut per_day: BTreeMap<NaiveDate, BTreeMap<String, usize>> = BTreeMap::new();
    let mut users_per_day: BTreeMap<NaiveDate, BTreeSet<String>> = BTreeMap::new();
    let mut undated = 0;
    let mut present: BTreeSet<String> = BTreeSet::new();
    for f in findings {
        for u in &f.users {
            match error_time(f, u) {
                Some(t) => {
                    let code = f.cause.code().to_string();
                    present.insert(code.clone());
                    users_per_day
                        .entry(t.date_naive())
                        .or_default()
                        .insert(u.user.key().unwrap_or_else(|| u.user.label()));
                    *per_day
                        .entry(t.date_naive())
                        .or_default()
                        .entry(code)
                        .or_default() += 1;
                }
                None => undated += 1,
            }
        }
    }
    let causes: Vec<String> = ranked
        .iter()
        .map(|c| c.code.clone())
        .filter(|c| present.contains(c))
        .collect();
    let count = |m: Option<&BTreeMap<String, usize>>, day: NaiveDate| {
        let by_cause: Vec<usize> = causes
            .iter()
            .map(|c| m.and_then(|m| m.get(c)).copied().unwrap_or(0))
            .collect();
        DayCount {
            day,
            total: by_cause.iter().sum(),
            users: users_per_day.get(&day).map_or(0, BTreeSet::len),
            by_cause,
        }
    };
    let first = per_day.keys().next().copied();
    let last = per_day.keys().next_back().copied();
    let mut days = Vec::new();
    let mut filled = false;
    if let (Some(a), Some(b)) = (first, last) {
        if (b - a).num_days() <= MAX_FILLED_DAYS {
            filled = true;
            let mut d = a;
            while d <= b {
                days.push(count(per_day.get(&d), d));
                match d.succ_opt() {
                    Some(n) => d = n,
                    None => break,
                }
            }
        } else {
            days = per_day.iter().map(|(d, m)| count(Some(m), *d)).collect();
        }
    }
    ErrorsOverTime {
        causes,
        days,
        undated,
        filled,
    }
}

/// What happened at a moment of the timeline; also its order among entries of the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Moment {
    Started,
    Failed,
    Processed,
    Resolved,
}

impl Moment {
    pub fn label(&self) -> &'static str {
        match self {
            Moment::Started => "started",
            Moment::Failed => "failed",
            Moment::Processed => "processed",
            Moment::Resolved => "resolved",
        }
    }
}

/// One line of the timeline. `text` is composed from export strings: escape it when writing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    pub when: DateTime<Utc>,
    pub moment: Moment,
    pub text: String,
    /// 1-based numbers of the findings the entry belongs to.
    pub findings: Vec<usize>,
}

/// The timeline and how many entries were left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
    pub left_out: usize,
}

fn finding_name(f: &Finding) -> String {
    let s = scope(f);
    if s.is_empty() {
        f.cause.code().to_string()
    } else {
        format!("{} {s}", f.cause.code())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A compact chronological story built from the findings' audit correlation: who started the
/// processing, the first failure, the processing summary, the resolution. Identical entries shared
/// by several findings (one `Set group license` behind three causes) are merged.
pub fn timeline(findings: &[Finding]) -> Timeline {
    let mut merged: BTreeMap<(DateTime<Utc>, Moment, String), BTreeSet<usize>> = BTreeMap::new();
    let mut add = |when: DateTime<Utc>, m: Moment, text: String, n: usize| {
        merged.entry((when, m, text)).or_default().insert(n);
    };
    for (i, f) in findings.iter().enumerate() {
        let n = i + 1;
        let a = &f.audit;
        let group = group_label(f);
        if let Some(sb) = &a.started_by {
            let on = if group.is_empty() {
                String::new()
            } else {
                format!(" (group {group})")
            };
            add(
                sb.when,
                Moment::Started,
                format!("{} by {}{on}", sb.activity, sb.who),
                n,
            );
        }
        let name = finding_name(f);
        match a.first_seen {
            Some(first) => {
                let mut t = if a.failed_events > 0 {
                    format!(
                        "{name}: first failure, {}",
                        plural(a.failed_events, "failed event", "failed events")
                    )
                } else {
                    format!("{name}: error first recorded")
                };
                let last = a.last_seen.map(|l| super::table::ts(&l));
                if let Some(last) = last.filter(|l| *l != super::table::ts(&first)) {
                    t.push_str(&format!(" (last {last})"));
                }
                add(first, Moment::Failed, t, n);
            }
            None => {
                // No audit sighting: the earliest error the snapshot records.
                let dated: Vec<DateTime<Utc>> = f.users.iter().filter_map(|u| u.error_at).collect();
                if let Some(first) = dated.iter().min() {
                    add(
                        *first,
                        Moment::Failed,
                        format!(
                            "{name}: error recorded for {}",
                            plural(f.users.len(), "user", "users")
                        ),
                        n,
                    );
                }
            }
        }
        if let Some(p) = &a.processing_summary {
            let of = if group.is_empty() {
                String::new()
            } else {
                format!(" of group {group}")
            };
            add(
                p.when,
                Moment::Processed,
                format!(
                    "processing{of} finished: {} succeeded, {} failed",
                    p.succeeded, p.failed
                ),
                n,
            );
        }
        match &a.resolved {
            Some(r) => add(r.when, Moment::Resolved, format!("{name}: {}", r.how), n),
            None => {
                for u in &f.users {
                    if let Some(r) = &u.resolved {
                        add(
                            r.when,
                            Moment::Resolved,
                            format!("{} ({name}): {}", u.user.label(), r.how),
                            n,
                        );
                    }
                }
            }
        }
    }
    let total = merged.len();
    let entries: Vec<TimelineEntry> = merged
        .into_iter()
        .take(MAX_TIMELINE)
        .map(|((when, moment, text), ns)| TimelineEntry {
            when,
            moment,
            text,
            findings: ns.into_iter().collect(),
        })
        .collect();
    Timeline {
        left_out: total.saturating_sub(entries.len()),
        entries,
    }
}

/// One affected user of one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow<'a> {
    pub finding: usize,
    pub user: &'a UserRef,
    pub cause: &'a str,
    pub sku: String,
    pub group: String,
    pub status: Status,
    /// When the user's error was first and last recorded.
    pub first_error_at: Option<DateTime<Utc>>,
    pub error_at: Option<DateTime<Utc>>,
    pub resolved: Option<&'a Resolution>,
}

/// Every affected user of every finding, in report order.
pub fn user_rows(findings: &[Finding]) -> Vec<UserRow<'_>> {
    let mut out = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        for u in &f.users {
            out.push(UserRow {
                finding: i + 1,
                user: &u.user,
                cause: f.cause.code(),
                sku: sku_label(f),
                group: group_label(f),
                status: u.status,
                first_error_at: u.first_error_at.or_else(|| error_time(f, u)),
                error_at: error_time(f, u),
                resolved: u.resolved.as_ref(),
            });
        }
    }
    out
}

/// A licensing group named by findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRow {
    pub name: String,
    pub id: String,
    pub findings: Vec<usize>,
    pub causes: BTreeSet<String>,
    pub skus: BTreeSet<String>,
    pub users_affected: usize,
    pub users_named: usize,
    /// The latest processing summary any of its findings carries.
    pub processing: Option<ProcessingRun>,
}

/// Groups named by findings, sorted by affected users desc, then name and id.
pub fn group_rows(findings: &[Finding]) -> Vec<GroupRow> {
    struct Acc {
        name: String,
        id: String,
        findings: Vec<usize>,
        causes: BTreeSet<String>,
        skus: BTreeSet<String>,
        pending: BTreeSet<String>,
        named: BTreeSet<String>,
        processing: Option<ProcessingRun>,
    }
    let mut by: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.group.is_none() && f.group_id.is_none() {
            continue;
        }
        let id = f
            .group_id
            .as_ref()
            .map(|g| g.to_string())
            .unwrap_or_default();
        let name = f.group.clone().unwrap_or_else(|| id.clone());
        let a = by
            .entry((name.to_lowercase(), id.clone()))
            .or_insert_with(|| Acc {
                name,
                id,
                findings: Vec::new(),
                causes: BTreeSet::new(),
                skus: BTreeSet::new(),
                pending: BTreeSet::new(),
                named: BTreeSet::new(),
                processing: None,
            });
        a.findings.push(i + 1);
        a.causes.insert(f.cause.code().to_string());
        let sku = sku_label(f);
        if !sku.is_empty() {
            a.skus.insert(sku);
        }
        for u in &f.users {
            let k = user_key(&u.user);
            if u.status == Status::Pending && f.cause.leaves_users_unlicensed() {
                a.pending.insert(k.clone());
            }
            a.named.insert(k);
        }
        if let Some(p) = &f.audit.processing_summary {
            let newer = a.processing.as_ref().is_none_or(|q| p.when > q.when);
            if newer {
                a.processing = Some(p.clone());
            }
        }
    }
    let mut out: Vec<GroupRow> = by
        .into_values()
        .map(|a| GroupRow {
            name: a.name,
            id: a.id,
            findings: a.findings,
            causes: a.causes,
            skus: a.skus,
            users_affected: a.pending.len(),
            users_named: a.named.len(),
            processing: a.processing,
        })
        .collect();
    out.sort_by(|a, b| {
        b.users_affected
            .cmp(&a.users_affected)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// The time range the audit inputs cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditWindow {
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// The audit window of the inputs: min first .. max last over the audit inputs.
pub fn audit_window(inputs: &[InputReport]) -> Option<AuditWindow> {
    let audit = inputs
        .iter()
        .filter(|i| matches!(i.kind, Some(InputKind::Audit(_))));
    let first = audit.clone().filter_map(|i| i.first).min()?;
    let last = audit.filter_map(|i| i.last).max()?;
    Some(AuditWindow { first, last })
}

/// Whether the audit window looks cut by the tenant's audit retention.
#[derive(Clone, Debug, Default)]
pub struct Retention {
    pub window: Option<AuditWindow>,
    /// 7 or 30 when the window ends near `as_of` (or at the export) and starts about that many days
    /// before it.
    pub cut_at_days: Option<u32>,
    /// How many days the window spans back from its end (or `as_of`).
    pub span_days: f64,
    /// Affected users whose snapshot error predates the audit window.
    pub predating: usize,
    pub earliest_error: Option<DateTime<Utc>>,
}

/// What a reader should know about how each input's locale-formatted dates were read
/// ([`crate::ingest::DatesRead::caveat`]), as `path: note`.
pub fn date_caveats(inputs: &[InputReport]) -> Vec<String> {
    inputs
        .iter()
        .filter_map(|i| Some(format!("{}: {}", i.path, i.dates?.caveat()?)))
        .collect()
}

/// The inputs whose gzip stream ended early ([`InputReport::gzip_note`]), as `path: note`: every
/// report says it, as its results miss what followed the cut.
pub fn input_notes(inputs: &[InputReport]) -> Vec<String> {
    inputs
        .iter()
        .filter_map(|i| Some(format!("{}: {}", i.path, i.gzip_note()?)))
        .collect()
}

/// What else every report says of its inputs ([`InputReport::notes`]: licensed users without
/// license states, entries of a folder passed over, products summed over accounts, ...), as
/// `path: note`.
pub fn input_remarks(inputs: &[InputReport]) -> Vec<String> {
    inputs
        .iter()
        .flat_map(|i| {
            i.remarks().chain(
                i.group_notes
                    .iter()
                    .map(move |n| format!("{}: {n}", i.path)),
            )
        })
        .collect()
}

/// [`input_remarks`] but the set-up notes ([`InputReport::group_notes`]): what standard error says.
pub fn read_remarks(inputs: &[InputReport]) -> Vec<String> {
    inputs.iter().flat_map(|i| i.remarks()).collect()
}

/// Checks the audit window against the 7-day (free) and 30-day (P1/P2) retention.
pub fn retention(inputs: &[InputReport], findings: &[Finding], as_of: DateTime<Utc>) -> Retention {
    let Some(w) = audit_window(inputs) else {
        return Retention::default();
    };
    // The window is measured back from as_of when the export ends near it, else from its own end
    // (an old export analyzed later).
    let near = as_of >= w.last && as_of - w.last <= Duration::days(2);
    let end = if near { as_of } else { w.last };
    let span_h = (end - w.first).num_hours();
    let span_days = span_h as f64 / 24.0;
    let cut_at_days = if (6 * 24..=7 * 24 + 12).contains(&span_h) {
        Some(7)
    } else if (28 * 24..=30 * 24 + 12).contains(&span_h) {
        Some(30)
    } else {
        None
    };
    let mut predating = 0;
    let mut earliest: Option<DateTime<Utc>> = None;
    for f in findings {
        if f.evidence.source == crate::model::finding::Evidence::Audit {
            continue;
        }
        for u in &f.users {
            if let Some(t) = u.error_at.filter(|t| *t < w.first) {
                predating += 1;
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
        }
    }
    Retention {
        window: Some(w),
        cut_at_days,
        span_days,
        predating,
        earliest_error: earliest,
    }
}

impl Retention {
    /// The caveat to print, when the window looks cut or errors predate it.
    pub fn caveat(&self) -> Option<String> {
        let w = self.window?;
        let mut parts = Vec::new();
        if let Some(days) = self.cut_at_days {
            parts.push(format!(
                "The audit log starts {}, about {:.0} days before its end: that is the audit retention \
                 ({days} days; 7 on free tenants, 30 with Entra ID P1/P2), so the window looks cut and \
                 earlier events (the start of older errors, who changed what) are not in these inputs.",
                super::table::ts(&w.first),
                self.span_days.round()
            ));
        }
        if self.predating > 0 {
            let earliest = self
                .earliest_error
                .map(|t| format!(" (earliest {})", super::table::ts(&t)))
                .unwrap_or_default();
            parts.push(format!(
                "{} recorded in the snapshot {} the audit window{earliest}, which starts {}: \
                 that history is older than the audit log (kept 7 days on free tenants, 30 with \
                 Entra ID P1/P2).",
                plural(self.predating, "error", "errors"),
                if self.predating == 1 {
                    "predates"
                } else {
                    "predate"
                },
                super::table::ts(&w.first)
            ));
        }
        if parts.is_empty() {
            return None;
        }
        parts.push(
            "To keep longer history, route AuditLogs to a storage account or Log Analytics \
             (Entra diagnostic settings) and analyze those exports."
                .into(),
        );
        Some(parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, d, h, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn audit_input(first: DateTime<Utc>, last: DateTime<Utc>) -> InputReport {
        let mut i = blank_input();
        i.kind = Some(InputKind::Audit(crate::model::AuditFormat::GraphJson));
        i.first = Some(first);
        i.last = Some(last);
        i
    }

    fn blank_input() -> InputReport {
        let mut r = InputReport::new("audit.json".into());
        r.format = "graph-json".into();
        r
    }

    #[test]
    fn seven_day_window_ending_at_as_of_is_cut() {
        let inputs = [audit_input(t(2, 13), t(9, 10))];
        let r = retention(&inputs, &[], t(9, 12));
        assert_eq!(r.cut_at_days, Some(7));
        assert!(r.caveat().is_some_and(|c| c.contains("7 on free tenants")));
    }

    #[test]
    fn thirty_day_window_is_cut_and_short_window_is_not() {
        let start = t(1, 12) - Duration::days(29);
        let r = retention(&[audit_input(start, t(1, 11))], &[], t(1, 12));
        assert_eq!(r.cut_at_days, Some(30));
        let r = retention(&[audit_input(t(5, 7), t(9, 10))], &[], t(9, 12));
        assert_eq!(r.cut_at_days, None);
        assert_eq!(r.caveat(), None);
    }

    #[test]
    fn no_audit_input_no_caveat() {
        let mut i = blank_input();
        i.kind = None;
        assert_eq!(retention(&[i], &[], t(9, 12)).caveat(), None);
    }
}
