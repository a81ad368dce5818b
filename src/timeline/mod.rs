//! The postmortem timeline (`licdiag timeline`): the ordered story of group-based licensing for a
//! tenant, a group or a user: group license set (who, when) -> processing started -> per-user
//! failures by cause -> processing finished (counts) -> the fix -> reprocess -> resolved, with the
//! time to resolve per cause and what is still open.
//!
//! `directory` resolves who is who, `build` turns the kept audit events into typed entries and
//! failure episodes (annotated by the diagnosis), `filter` narrows them, `stats` summarizes time to
//! resolve, `render` prints them. "Now" is the latest time found in the inputs, never the clock, so
//! two runs on the same inputs print the same thing.

pub mod build;
pub mod directory;
pub mod filter;
pub mod model;
pub mod render;
pub mod stats;

#[cfg(test)]
mod tests;

use crate::cli::TimelineArgs;
use crate::diagnose::{self, DiagnoseOptions};
use crate::error::UsageError;
use crate::ingest::{Ingested, ReadOptions, Reading};
use crate::knowledge::Knowledge;
use crate::model::finding::{Diagnosis, Severity, Status};
use crate::model::{Cause, ObjectId};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use directory::Directory;
use filter::Filters;
use model::{OpenItem, Subject, TimelineDoc, TimelineEvidence};
use std::collections::HashMap;
use std::io::Write;

/// What to narrow the story to, as given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Object id or UPN.
    pub user: Option<String>,
    /// Object id or display name.
    pub group: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD` (start of the day).
    pub since: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD` (end of the day).
    pub until: Option<String>,
    /// With `--redact`: the pseudonym of `user` (tried when `user` itself matches nothing).
    pub user_pseudonym: Option<String>,
    /// With `--redact`: the pseudonym of `group`.
    pub group_pseudonym: Option<String>,
}

/// The latest time the inputs record: audit records (every one read, kept or not: the inputs'
/// `last`), snapshot `lastUpdatedDateTime`s, reported error times. An input whose dates other
/// inputs' copies of its records contradicted (misread: `InputReport::misread_dates`) counts only
/// the events kept from it: the copies dropped for being misread, and its records not kept, whose
/// dates are as doubtful, do not move "now".
pub fn latest_time(data: &Ingested) -> Option<DateTime<Utc>> {
    // every event read, kept or not, is in its input's `last`
    let misread: Vec<&str> = data
        .inputs
        .iter()
        .filter(|i| i.misread_dates)
        .map(|i| i.path.as_str())
        .collect();
    let sure = data
        .inputs
        .iter()
        .filter(|i| !i.misread_dates)
        .filter_map(|i| i.last);
    let kept_from_misread = data
        .events
        .iter()
        .filter(|e| !misread.is_empty() && misread.contains(&&*e.source.file))
        .map(|e| e.time);
    let events = sure.chain(kept_from_misread);
    let states = data
        .snapshot
        .users
        .iter()
        .flat_map(|u| u.license_states.iter().filter_map(|s| s.last_updated));
    let reported = data
        .snapshot
        .reported_errors
        .iter()
        .filter_map(|r| r.occurred);
    events.chain(states).chain(reported).max()
}

/// Builds the timeline document from read inputs. `as_of` is "now" for the diagnosis and for how
/// long open errors have been open.
pub fn timeline(
    data: &Ingested,
    kb: &Knowledge,
    query: &Query,
    as_of: DateTime<Utc>,
) -> Result<TimelineDoc, UsageError> {
    Ok(timeline_and_diagnosis(data, kb, query, Some(as_of))?.0)
}

/// [`timeline`], with the diagnosis the story was annotated with ([`severities`] rates the open
/// failures by it). `as_of` is `None` when the inputs record no time at all: the story then has
/// no "now" and no durations (the diagnosis judges by today's rules, read from the clock here,
/// which nothing shown depends on: no input has a time to compare it with).
pub fn timeline_and_diagnosis(
    data: &Ingested,
    kb: &Knowledge,
    query: &Query,
    known_as_of: Option<DateTime<Utc>>,
) -> Result<(TimelineDoc, Diagnosis), UsageError> {
    let as_of = known_as_of.unwrap_or_else(Utc::now);
    let dir = Directory::new(&data.events, &data.snapshot);
    let filters = Filters::resolve(query, &dir)?;
    let diagnosis = diagnose::diagnose(
        &data.events,
        &data.snapshot,
        kb,
        &DiagnoseOptions::new(as_of),
    );
    let story = build::build(&data.events, &data.snapshot, &dir, &diagnosis, kb, as_of);
    let episodes = filters.episodes(&story.episodes);
    let mut still_open = filters.open(story.open);
    if known_as_of.is_none() {
        // no time in the inputs: nothing to measure how long against
        for o in &mut still_open {
            o.open_for_seconds = None;
        }
    }
    let snapshot_only: Vec<&OpenItem> = still_open.iter().filter(|o| !o.seen_in_audit).collect();
    let time_to_resolve = stats::per_cause(&episodes, &snapshot_only);
    let snap = &data.snapshot;
    let entries = filters.entries(story.entries);
    let doc = TimelineDoc {
        as_of: known_as_of,
        filters: filters.applied(&dir),
        evidence: TimelineEvidence {
            audit_events: data.events.len(),
            snapshot_users: snap.users.len(),
            snapshot_groups: snap.groups.len(),
            snapshot_skus: snap.skus.len(),
            repeated_records: data.inputs.iter().map(|i| i.repeated()).sum(),
        },
        slow_processing: filters.slow(story.slow, &entries),
        entries,
        time_to_resolve,
        still_open,
        date_notes: crate::report::view::date_caveats(&data.inputs),
        // a cut .gz, then what else reading the inputs noticed and the tenant's set-up notes
        input_notes: crate::report::view::input_notes(&data.inputs)
            .into_iter()
            .chain(crate::report::view::input_remarks(&data.inputs))
            .collect(),
    };
    Ok((doc, diagnosis))
}

/// What `--fail-on` weighs in the story shown, each at its severity:
/// - each open failure at the severity `analyze` gives a pending error of its cause
///   ([`diagnose::severity`]): a warning for a ConcurrencyException and for a refused direct
///   removal of an inherited license, an error for the other known
///   causes and a code licdiag does not know, and an error for a failure whose record names no
///   cause. An Other takes the severity of the diagnosis' pending Other finding that names its
///   subject (an error when that finding knows the error blocking it), a warning when none does.
///   So every open failure is at least a warning (`--fail-on warning`, the default: 1 while
///   anything is open);
/// - each failure episode of the story that ended (resolved, self-resolved, closed by the user's
///   deletion, the product's removal from the group or the user's removal from it): information, as `analyze` rates a resolved
///   error;
/// - each group processing run over [`model::PROCESSING_LIMIT_HOURS`]: information.
pub fn severities(doc: &TimelineDoc, diagnosis: &Diagnosis) -> Vec<Severity> {
    let blocked = OtherSeverities::new(doc, diagnosis);
    let open = doc.still_open.iter().map(|o| match &o.cause {
        None => Severity::Error,
        Some(Cause::Other) => blocked.of(o),
        Some(c) => diagnose::severity(c, Status::Pending, true),
    });
    let ended: usize = doc
        .time_to_resolve
        .iter()
        .map(|s| {
            s.resolved
                + s.closed_by_deletion
                + s.closed_by_product_removal
                + s.closed_by_member_removal
        })
        .sum();
    let info = std::iter::repeat_n(Severity::Info, ended + doc.slow_processing.len());
    open.chain(info).collect()
}

/// Keeps the highest severity given for `key`.
fn raise<K: std::hash::Hash + Eq>(m: &mut HashMap<K, Severity>, key: K, s: Severity) {
    let e = m.entry(key).or_insert(s);
    *e = (*e).max(s);
}

/// The severities of the diagnosis' pending Other findings, by the users (object id, and UPN) and
/// groups they name pending: the only cause whose severity depends on more than its status.
#[derive(Default)]
struct OtherSeverities {
    by_id: HashMap<ObjectId, Severity>,
    by_upn: HashMap<String, Severity>,
    by_group: HashMap<ObjectId, Severity>,
}

impl OtherSeverities {
    fn new(doc: &TimelineDoc, diagnosis: &Diagnosis) -> OtherSeverities {
        let mut out = OtherSeverities::default();
        if !doc.still_open.iter().any(|o| o.cause == Some(Cause::Other)) {
            return out;
        }
        let pending = diagnosis
            .findings
            .iter()
            .filter(|f| f.cause == Cause::Other && f.status == Status::Pending);
        for f in pending {
            if f.users.is_empty() {
                if let Some(g) = &f.group_id {
                    raise(&mut out.by_group, g.clone(), f.severity);
                }
            }
            for u in f.users.iter().filter(|u| u.status == Status::Pending) {
                if let Some(id) = &u.user.id {
                    raise(&mut out.by_id, id.clone(), f.severity);
                }
                if let Some(upn) = &u.user.upn {
                    raise(&mut out.by_upn, upn.to_lowercase(), f.severity);
                }
            }
        }
        out
    }

    /// An open Other: its finding's severity, else a warning (no blocking error known).
    fn of(&self, o: &OpenItem) -> Severity {
        let found = match &o.subject {
            Subject::User(u) => {
                let by_id = u.id.as_ref().and_then(|id| self.by_id.get(id));
                let by_upn = || {
                    u.upn
                        .as_ref()
                        .and_then(|upn| self.by_upn.get(&upn.to_lowercase()))
                };
                by_id.or_else(by_upn)
            }
            Subject::Group(g) => g.id.as_ref().and_then(|id| self.by_group.get(id)),
        };
        found
            .copied()
            .unwrap_or_else(|| diagnose::severity(&Cause::Other, Status::Pending, false))
    }
}

/// `licdiag timeline`: exit code 1 when the story shown holds something at `--fail-on` or above
/// ([`severities`]; by default any open failure), 0 otherwise.
pub fn run(a: TimelineArgs, reading: Reading) -> Result<u8> {
    let opts = ReadOptions {
        strict: a.input.strict,
        progress: reading.progress,
        no_map: !reading.map,
        date_order: reading.date_order,
        keep_all: false,
        compact: true,
        licensing_memberships_only: true,
        ..Default::default()
    };
    // with --redact, one key for the data and for the pseudonyms of --user / --group
    let redact = crate::redact::with_run_key(&a.redact);
    let mut data = crate::commands::load(&a.input.paths, &opts, &redact)?;
    let redactor = crate::redact::Redactor::from_args(&redact);
    let kb = crate::commands::knowledge(None, &data)?;
    // "now" is the latest time the inputs record, never the clock: inputs without any time have
    // no "now" (the story says so, and measures nothing)
    let as_of = latest_time(&data);
    if let Some(as_of) = as_of {
        crate::commands::note_log_after_snapshot(&mut data, as_of);
    }
    let query = Query {
        user: a.user.clone(),
        group: a.group.clone(),
        since: a.since.clone(),
        until: a.until.clone(),
        user_pseudonym: redactor
            .as_ref()
            .zip(a.user.as_deref())
            .map(|(r, u)| r.address(u)),
        group_pseudonym: redactor
            .as_ref()
            .zip(a.group.as_deref())
            .map(|(r, g)| r.name(g)),
    };
    let (doc, diagnosis) = timeline_and_diagnosis(&data, &kb, &query, as_of)?;
    let mut w = crate::commands::sink(a.output.as_deref())?;
    crate::report::render(&doc, a.format, &mut w).context("writing the timeline")?;
    w.flush().context("writing the timeline")?;
    let code = crate::commands::fail_on_code(severities(&doc, &diagnosis), a.fail_on);
    drop(doc);
    crate::commands::release_at_exit(diagnosis);
    crate::commands::release_at_exit(data);
    Ok(code)
}
