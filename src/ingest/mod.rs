//! Ingestion: open inputs (files, folders, `.gz`, stdin), decode, detect each input's format from its
//! content, split it into records, and turn every record into an event, a snapshot record, or a counted
//! skip with a reason. A reader thread reads blocks; JSON Lines ([`lines`]) and CSV ([`csvblocks`]) are
//! cut into slices of whole records that are split and parsed on all cores (rayon); other JSON goes
//! through the streaming splitter ([`jsonscan`]) and its records are parsed in parallel batches.
//! CSV rows are split by [`csvrows`] where it is sure of them, by the `csv` crate from the first row
//! it is not. Records without licensing needles take the fast path ([`prefilter`]): validated and
//! timed, not kept. Memory grows with the events kept (licensing, membership, deletions), not with
//! the file; with `licensing_memberships_only` the membership changes of other groups are held
//! compactly ([`defer`]) and dropped once every input is read.

pub mod allocator;
pub mod audit;
mod blocks;
mod crossformat;
mod csvblocks;
mod csvrows;
mod defer;
mod gzmembers;
pub mod jsonscan;
mod lightaudit;
pub mod lightjson;
mod lines;
#[cfg(target_os = "linux")]
mod mapped;
pub mod nested;
pub mod prefilter;
pub mod raw;
pub(crate) mod record;
mod repeats;
pub mod siblings;
pub mod snapshot;
pub mod source;
pub mod untargeted;
pub mod value;

use crate::error::{InputError, EXPECTED_INPUT};
use crate::model::hash::HashMap;
use crate::model::snapshot::Snapshot;
use crate::model::{AuditEvent, AuditFormat, FileName, SourceRef};
use crate::normalize;
use crate::normalize::time::{DateEvidence, DateOrder};
use audit::{CsvKind, Family};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use snapshot::{SnapshotKind, SnapshotRecord};
use source::{InputPath, Opened, Reader};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// What an input was detected as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum InputKind {
    Audit(AuditFormat),
    Snapshot(SnapshotKind),
}

impl InputKind {
    pub fn label(&self) -> &'static str {
        match self {
            InputKind::Audit(f) => f.label(),
            InputKind::Snapshot(s) => s.label(),
        }
    }
}

/// A record licdiag could not use, with where it is and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordIssue {
    pub record: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub reason: String,
    pub detail: String,
}

impl RecordIssue {
    /// Where the record is, as every message says it: `record 4 (line 7)`, or `record 4`.
    pub fn at(&self) -> String {
        match self.line {
            Some(l) => format!("record {} (line {l})", self.record),
            None => format!("record {}", self.record),
        }
    }
}

/// The skip reason of a JSON record whose text ends before it is closed.
pub const TRUNCATED_RECORD: &str = "truncated record";

/// The skip reason of the part of a record a `.gz` stream ends inside ([`source::Cut`]).
pub const GZIP_CUT_RECORD: &str = "record cut by the end of the gzip stream";

/// How many malformed-record details are kept per input (all are counted).
pub const MAX_ISSUES: usize = 20;

/// What reading one input found: the `inspect` numbers.
#[derive(Clone, Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub format: String,
    #[serde(skip)]
    pub kind: Option<InputKind>,
    pub encoding: String,
    pub gzip: bool,
    pub bytes: u64,
    /// SHA-256 of the input as given (before decompression), when `ReadOptions::hash_inputs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Records found in the input.
    pub records: u64,
    /// Records that became audit events.
    pub events: u64,
    /// Records that became snapshot objects (users, groups, SKUs, errors, memberships).
    pub snapshot_records: u64,
    /// Records not used, by reason. `records == events + snapshot_records + sum(skipped)`.
    pub skipped: BTreeMap<String, u64>,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    /// Licensing events by activity.
    pub licensing: BTreeMap<String, u64>,
    /// The first malformed records, with line and reason.
    pub issues: Vec<RecordIssue>,
    /// How many records were skipped as malformed (all of them; `issues` keeps the first).
    #[serde(skip)]
    pub malformed: u64,
    /// How its locale-formatted `N/N/YYYY` dates were read, when it has any whose order matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dates: Option<DatesRead>,
    /// Where its gzip stream ended early, if it did: the records before were read, what followed
    /// is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gzip_cut: Option<source::Cut>,
    /// What a reader of any report must know about this input beyond its counts (licensed users
    /// without license states, say): said by every report and on standard error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The places in [`Self::notes`] of the notes about a folder rather than this input (what a
    /// folder passed over, said on the first input read from it, else the first input): they name
    /// their folder themselves and are said as they are ([`Self::remarks`]).
    #[serde(skip)]
    pub folder_notes: Vec<usize>,
    /// What the folder it was found in held that is not read and loses nothing (notes about the
    /// export, hidden entries, files of no bytes), said by `inspect` only; what may hold data
    /// (a FIFO, a link to nothing, a PowerShell export of nothing) is in [`Self::notes`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passed_over: Vec<String>,
    /// What the input shows of the tenant's set-up that every report should say, though nothing
    /// went wrong reading it (a licensing group with groups among its members): said by the
    /// reports, not on standard error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_notes: Vec<String>,
    /// A users export none of whose users has `licenseAssignmentStates` nor `assignedLicenses`
    /// (absent or `null`: not selected, licensing.md §0.1): how many users, and the first of them (where, and who).
    /// Refused, or beside an error list noted, once every input is read
    /// ([`license_states_exported`]).
    #[serde(skip)]
    pub without_states: Option<(u64, String)>,
    /// Other inputs' copies of its records contradicted its dates (read in the wrong order of day
    /// and month), and those copies were dropped: the times of its records do not count for
    /// "now" ([`crate::timeline::latest_time`]), but those of the events kept from it.
    #[serde(skip)]
    pub misread_dates: bool,
}

impl InputReport {
    /// What a reader of any report must know when the input's gzip stream ended early: the
    /// results miss whatever followed the cut.
    pub fn gzip_note(&self) -> Option<String> {
        let c = self.gzip_cut.as_ref()?;
        Some(format!(
            "the gzip stream ends early ({}) after {} bytes of text: the records before the cut were read (a record cut in two, if any, is counted as malformed, not read), whatever followed is missing from every result; download or copy the .gz file again",
            c.error, c.after_bytes
        ))
    }
}

/// How an input's `N/N/YYYY` dates were read (`--date-order`, [`read_one`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DatesRead {
    pub order: DateOrder,
    pub basis: DateBasis,
    #[serde(flatten)]
    pub evidence: DateEvidence,
}

/// Why an input's dates were read in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateBasis {
    /// `--date-order` named it.
    Given,
    /// The file's dates showed it: some only this order reads, none only the other.
    Detected,
    /// No date showed it (every one is `N/N` with both fields 12 or below): month-first, what a
    /// US-locale export writes, was assumed.
    Assumed,
    /// Dates only month-first reads and dates only day-first reads are both in the file:
    /// month-first was kept and the others were skipped as bad timestamps.
    Mixed,
    /// The dates showed day-first, but the input (standard input, a pipe) cannot be read again:
    /// it was read month-first, its day-first dates skipped.
    NotReadAgain,
}

impl DatesRead {
    /// What a reader of the report should know about the dates, if anything: they were read
    /// day-first, or no date could tell the order, or some contradict the order they were read in.
    pub fn caveat(&self) -> Option<String> {
        let e = &self.evidence;
        let other = self.order.other();
        let against = e.only(other);
        Some(match (self.basis, self.order) {
            (DateBasis::Detected, DateOrder::MonthFirst) => return None,
            (DateBasis::Detected, DateOrder::DayFirst) => format!(
                "dates read day-first (D/M/YYYY): the file has dates only day-first reads, such as {}, and none only month-first reads",
                e.day_first_only?
            ),
            (DateBasis::Assumed, _) => {
                let d = e.either?;
                format!(
                    "no date in the file has a field above 12, so dates such as {d} could be M/D/YYYY or D/M/YYYY: they were read month-first ({d} as {}), as US-locale exports write them; if the file was exported in a day-first locale (en-GB, fr-FR, ...), run again with --date-order day-first ({d} as {})",
                    d.reading(DateOrder::MonthFirst)?,
                    d.reading(DateOrder::DayFirst)?
                )
            }
            (DateBasis::Mixed, _) => format!(
                "the file has dates in both orders ({} only month-first reads, {} only day-first reads): it was read month-first, the dates only day-first reads were skipped as bad timestamps, and day-first dates with both fields 12 or below, if any, were misread (exports from two locales joined? --date-order chooses one order)",
                e.month_first_only?, e.day_first_only?
            ),
            (DateBasis::NotReadAgain, _) => format!(
                "the file's dates are day-first (such as {}, and none only month-first reads), but standard input or a pipe cannot be read twice: it was read month-first, the dates only day-first reads skipped as bad timestamps; run again with --date-order day-first",
                e.day_first_only?
            ),
            (DateBasis::Given, order) => format!(
                "--date-order {} was given, but the file has dates only {} reads ({}), such as {}: they were skipped as bad timestamps",
                order.flag(),
                other.flag(),
                other.pattern(),
                against?
            ),
        })
    }
}

impl InputReport {
    /// An empty report for an input not read yet (format `unknown`, no counts).
    pub fn new(path: String) -> Self {
        InputReport {
            path,
            format: "unknown".into(),
            kind: None,
            encoding: "utf-8".into(),
            gzip: false,
            bytes: 0,
            sha256: None,
            records: 0,
            events: 0,
            snapshot_records: 0,
            skipped: BTreeMap::new(),
            first: None,
            last: None,
            licensing: BTreeMap::new(),
            issues: Vec::new(),
            malformed: 0,
            dates: None,
            gzip_cut: None,
            notes: Vec::new(),
            folder_notes: Vec::new(),
            passed_over: Vec::new(),
            group_notes: Vec::new(),
            without_states: None,
            misread_dates: false,
        }
    }
    /// Each of [`Self::notes`] as every report says it: `path: note`, but a note about a folder
    /// ([`Self::folder_notes`]), which names its folder itself, as it is.
    pub fn remarks(&self) -> impl Iterator<Item = String> + '_ {
        self.notes.iter().enumerate().map(move |(k, n)| {
            if self.folder_notes.contains(&k) {
                n.clone()
            } else {
                format!("{}: {n}", self.path)
            }
        })
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Records skipped as copies of a record kept from another copy: by record id
    /// ([`REPEATED_RECORD`]) or, where no id can be compared, by correlation id, activity, target
    /// and second ([`REPEATED_EVENT`]).
    pub fn repeated(&self) -> u64 {
        [REPEATED_RECORD, REPEATED_EVENT]
            .iter()
            .filter_map(|r| self.skipped.get(*r))
            .sum()
    }
    /// An event counted as read and then dropped (a repeated record, a merged chunk): counted as
    /// skipped for `reason` instead.
    fn unkeep(&mut self, reason: &str) {
        self.events = self.events.saturating_sub(1);
        *self.skipped.entry(reason.into()).or_default() += 1;
    }
}

/// Inputs below this many bytes in all start [`ReadOptions::prepare`] with the read: about what a
/// 2-core machine reads in the 20 ms the built-in catalog's CSV took to parse when this was set.
/// The catalog is now a table, and the prepared work takes about 5 ms, so either side of the
/// line costs a run a few milliseconds at most.
pub const PREPARE_EARLY_BELOW: u64 = 16 << 20;

/// The global flags about reading inputs (`--no-progress`, `--no-mmap`), which every command
/// passes on to its [`ReadOptions`].
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    pub progress: bool,
    /// Plain files may be read through a memory map (`mapped.rs`, Linux).
    pub map: bool,
    /// `--date-order`: `None` = each input's dates tell it.
    pub date_order: Option<DateOrder>,
}

/// Options for reading inputs.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// A malformed record is fatal.
    pub strict: bool,
    /// Show a progress bar on stderr when it is a terminal.
    pub progress: bool,
    /// Keep every event, not only licensing ones (timelines of everything, exports).
    pub keep_all: bool,
    /// Compute each input's SHA-256 (report provenance). Costs a pass of hashing over the bytes.
    pub hash_inputs: bool,
    /// Parse every record fully, never through the fast path (`prefilter`); for tests and comparison.
    pub full_parse: bool,
    /// Read plain files with `read`, never through a memory map (`--no-mmap`; `mapped.rs`).
    pub no_map: bool,
    /// The order of `N/N/YYYY` dates (`--date-order`); `None`: each input's own dates tell it
    /// ([`read_one`]), month-first when they do not.
    pub date_order: Option<DateOrder>,
    /// Keep events without what only normalization reads ([`AuditEvent::compact`]): every command
    /// sets it; the library default keeps whole events.
    pub compact: bool,
    /// Drop each kept event's record id (`id`, `Id`, `RecordId`): a string of its own in every
    /// kept event (64 bytes of heap for a Graph id), which only `export`'s tables show. `analyze`
    /// sets it (its report names records by file and number). Dropped in [`settle`], which every
    /// event passes before the sink keeps or holds it: held membership changes have none either.
    pub drop_record_ids: bool,
    /// Keep only the membership changes of groups that assign licenses and of users with an error
    /// ([`defer`]): the others are held compactly while reading and dropped once every input is
    /// read, their targets kept as identities (`Snapshot::identities`). For the commands whose
    /// outputs use no other membership change (analyze, timeline); export, inspect, plan and diff
    /// keep them all.
    pub licensing_memberships_only: bool,
    /// What the caller needs after the read and can prepare on a thread of its own (the built-in
    /// catalog, for `analyze`): started once every input is read, beside the work that follows
    /// on one core (the held membership changes, the sort), or at once when the inputs are small
    /// (below [`PREPARE_EARLY_BELOW`] bytes), whose read is shorter than the preparing.
    pub prepare: Option<fn()>,
}

impl ReadOptions {
    /// Records without a licensing needle are counted by the fast path ([`prefilter`]).
    fn fast(&self) -> bool {
        !self.keep_all && !self.full_parse
    }
    /// The fast path's light mappings may leave out what compaction drops
    /// ([`lightaudit::map_record`]).
    fn lean(&self) -> bool {
        self.fast() && self.compact
    }
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Ingested {
    pub inputs: Vec<InputReport>,
    /// Kept events, sorted by time then source.
    pub events: Vec<AuditEvent>,
    pub snapshot: Snapshot,
}

/// The result of one record.
#[derive(Debug)]
enum Outcome {
    Event(Box<AuditEvent>, InputKind),
    /// Audit events read by the fast path (one record, or consecutive records of a slice): counted
    /// and timed, never kept.
    Counted {
        n: u64,
        first: DateTime<Utc>,
        last: DateTime<Utc>,
        kind: InputKind,
    },
    Snap(Vec<SnapshotRecord>, InputKind),
    Skip {
        reason: String,
        detail: String,
        malformed: bool,
        record: u64,
        line: Option<u64>,
        /// A CSV row joined to the lines after it ([`CsvJoin`]): its detail names them once the
        /// line is absolute ([`Sink::take`]).
        join: Option<CsvJoin>,
    },
}

/// A CSV record that runs on past its line: a cell cut or a quote left open joined the row to
/// the next ones. Lines are counted from the record's first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CsvJoin {
    /// The line the joined record ends on.
    last: u64,
    /// The line the record is cut on: it is skipped up to there, and reading goes on after it.
    cut: u64,
}

impl CsvJoin {
    /// The skip's detail, `what` it found wrong, once the record's line `l` is absolute.
    fn detail(self, what: &str, l: u64) -> String {
        let skipped = if self.cut == 0 {
            format!("line {l} is skipped")
        } else {
            format!("lines {l}-{} are skipped", l + self.cut)
        };
        format!(
            "{what}: lines {l}-{} are read as one row (a cell cut or a quote left open joins a \
             row to the next); {skipped}, and reading goes on at line {}; export the file again",
            l + self.last,
            l + self.cut + 1
        )
    }
}

fn skip(
    src: &SourceRef,
    reason: impl Into<String>,
    detail: impl Into<String>,
    malformed: bool,
) -> Outcome {
    Outcome::Skip {
        reason: reason.into(),
        detail: detail.into(),
        malformed,
        record: src.record,
        line: src.line(),
        join: None,
    }
}

/// A `serde_json` error placed within its record. The parser read the record alone, so its line 1
/// is the record's first line; the skip itself names the file's record and line, and a position
/// in the file's terms here would contradict it.
fn json_detail(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let place = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&place).unwrap_or(&full);
    match (e.line(), e.column()) {
        (0, _) => what.to_string(),
        (1, c) => format!("{what}, at column {c} of the record"),
        (l, c) => format!("{what}, at line {l} column {c} of the record"),
    }
}

fn keys_of(v: &Value) -> String {
    match v.as_object() {
        Some(o) => {
            let ks: Vec<&str> = o.keys().take(8).map(|k| k.as_str()).collect();
            format!("an object with keys [{}]", ks.join(", "))
        }
        None => "a JSON value that is not an object".into(),
    }
}

/// The skip reason of a record too large to read ([`record::too_large`]).
pub(crate) const RECORD_TOO_LARGE: &str = "record too large";

/// Records larger than this go the full way at once, fast path or not: an audit record is a few
/// kilobytes, and only a snapshot object is this large (a group listing tens of thousands of
/// members: the light parse of a 12 MB group, to find it was no audit record, and its folded
/// copy for the needles held 23 MB for a moment, and the folded copy's buffer stayed with its
/// thread). Both paths give the same outcome.
const LIGHT_MAX: usize = 1 << 20;

/// Whether a record is small enough for the fast path ([`LIGHT_MAX`]).
fn light_sized(bytes: &[u8]) -> bool {
    bytes.len() <= LIGHT_MAX
}

/// A record that holds a licensing needle, mapped from the light parse when
/// [`lightaudit::map_record`] is sure (the outcome [`process_value`] would give, once compacted
/// when `lean`), else `None`.
fn process_light(bytes: &[u8], src: &SourceRef, lean: bool) -> Option<Outcome> {
    let (raw, format) = lightaudit::map_record(bytes, lean)?;
    Some(event_outcome(raw, src, format))
}

/// A mapped record normalized: its event, or why it is skipped.
fn event_outcome(raw: raw::RawAudit, src: &SourceRef, format: AuditFormat) -> Outcome {
    match normalize::to_event(raw, src.clone()) {
        Ok(e) => Outcome::Event(Box::new(e), InputKind::Audit(format)),
        Err(e) => skip(src, e.reason(), e.detail(), true),
    }
}

/// Turns one JSON record into an outcome.
/// `checked`: the record may be kept ([`prefilter::may_be_kept_text`]), so its nested members and
/// scalar types are checked ([`nested`]); the fast path counts a record without needles unchecked,
/// and the full parse must read it as the fast path does.
fn process_value(
    v: Value,
    src: SourceRef,
    csv_format: Option<AuditFormat>,
    checked: bool,
) -> Outcome {
    if let Some(family) = audit::classify(&v) {
        let format = csv_format.unwrap_or(match family {
            Family::Graph(f) => f,
            Family::AzureMonitor => AuditFormat::AzureMonitor,
            Family::Ual => AuditFormat::PurviewJson,
        });
        if family == Family::Ual {
            // the wrapped record is decoded once, for the scope check and the mapping
            let inner = audit::ual_inner(&v);
            if let Err(w) = audit::ual_in_scope(&v, inner.as_deref()) {
                return skip(&src, format!("out of scope: {w}"), "", false);
            }
            let raw = audit::map_ual_record(&v, inner.as_deref());
            return event_outcome(raw, &src, format);
        }
        // a nested member left as a type name or cut JSON text would lose the record's targets
        // or actor, and its error with them ([`nested`])
        let (fault, scalar) = match family {
            _ if !checked => (None, None),
            Family::AzureMonitor => nested::azure_monitor_faults(&v),
            _ => (nested::nested_fault(&v), nested::scalar_fault(&v)),
        };
        if let Some(detail) = scalar {
            return skip(&src, nested::WRONG_TYPE, detail, true);
        }
        if let Some(f) = fault {
            let csv = csv_format.is_some();
            return skip(&src, f.reason(csv), f.detail(csv), true);
        }
        return event_outcome(audit::map(family, &v), &src, format);
    }
    if let Some(items) = page_items(&v).or_else(|| scuba_skus(&v)) {
        return page_outcome(items, &src);
    }
    if let Some(kind) = snapshot::classify_json(&v) {
        return match snapshot::parse_json(kind, &v, src.clone()) {
            Ok(r) => {
                let flaws = snapshot::flaws(kind, &v, &r);
                let mut recs = vec![r];
                recs.extend(flaws.into_iter().map(SnapshotRecord::Flaw));
                Outcome::Snap(recs, InputKind::Snapshot(kind))
            }
            Err(i) => skip(&src, i.reason, i.detail, true),
        };
    }
    let detail = format!(
        "{} is neither an audit record nor a snapshot object",
        keys_of(&v)
    );
    skip(&src, "unrecognized record", detail, true)
}

/// The items of a Graph page met as a record (an array of pages: `[{"@odata.nextLink": ...,
/// "value": [...]}, {"value": [...]}]`, pages collected by a script and saved together): its
/// `value`, when every other key is an OData annotation.
fn page_items(v: &Value) -> Option<&Vec<Value>> {
    let o = v.as_object()?;
    let mut items = None;
    for (k, x) in o {
        if k.eq_ignore_ascii_case("value") {
            items = Some(x.as_array()?);
        } else if !k.starts_with("@odata.") {
            return None;
        }
    }
    items
}

/// The products of a CISA ScubaGear `ProviderSettingsExport.json` (licensing.md §4): its
/// `license_information` is `Get-MgBetaSubscribedSku | Select Sku*,ConsumedUnits,PrepaidUnits`,
/// read as a subscribedSkus export; the rest of the file (policies, settings) is no licensing
/// data.
fn scuba_skus(v: &Value) -> Option<&Vec<Value>> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("license_information"))?
        .1
        .as_array()
}

/// A page's snapshot objects, read as one record: each item is parsed as a record of its own
/// would be; an item that is not a snapshot object (an audit record) makes the page a skip that
/// says to give each page as a file of its own, and an item that cannot be used is a flaw named
/// in a note (the rest are read).
fn page_outcome(items: &[Value], src: &SourceRef) -> Outcome {
    let mut recs = Vec::with_capacity(items.len());
    let mut kind = None;
    for (i, item) in items.iter().enumerate() {
        let Some(k) = snapshot::classify_json(item) else {
            let what = if audit::classify(item).is_some() {
                "an audit record"
            } else {
                "no snapshot object"
            };
            let detail = format!(
                "a Graph page inside an array (pages saved together): its item {} is {what}; \
                 give each page as a file of its own, or its records as one array",
                i + 1
            );
            return skip(src, "page in an array", detail, true);
        };
        kind.get_or_insert(k);
        match snapshot::parse_json(k, item, src.clone()) {
            Ok(r) => {
                let flaws = snapshot::flaws(k, item, &r);
                recs.push(r);
                recs.extend(flaws.into_iter().map(SnapshotRecord::Flaw));
            }
            Err(e) => recs.push(SnapshotRecord::Flaw(snapshot::SnapshotIssue {
                reason: snapshot::MALFORMED,
                detail: format!(
                    "item {} of the page is not read: {}: {}",
                    i + 1,
                    e.reason,
                    e.detail
                ),
            })),
        }
    }
    match kind {
        Some(k) => Outcome::Snap(recs, InputKind::Snapshot(k)),
        None => skip(src, EMPTY_PAGE_IN_ARRAY, "", false),
    }
}

/// The skip reason of an empty page in an array of pages: it holds nothing.
const EMPTY_PAGE_IN_ARRAY: &str = "empty page (an array of pages)";

/// `fast`: through the fast path ([`prefilter`]); `lean`: the events will be compacted, so the
/// light mappings may leave out what compaction drops ([`lightaudit::map_record`]).
fn process_json_item(item: jsonscan::JsonItem, file: &FileName, fast: bool, lean: bool) -> Outcome {
    let src = SourceRef {
        file: file.clone(),
        record: item.record,
        line: crate::model::event::Line::at(item.line),
    };
    match item.problem {
        Some(jsonscan::ItemProblem::Truncated) => {
            // the lines read as its part: where no later line could be told from the record's
            // own ([`jsonscan`]), the rest of the input is, and the detail says so
            let text = item.bytes.trim_ascii_end();
            let last = item.line + memchr::memchr_iter(b'\n', text).count() as u64;
            let lines = if last > item.line {
                format!("; lines {}-{last} are read as its part", item.line)
            } else {
                String::new()
            };
            let detail = format!("the JSON object ends before it is closed (cut export, or a record broken across lines){lines}");
            return skip(&src, TRUNCATED_RECORD, detail, true);
        }
        Some(jsonscan::ItemProblem::NotAnObject) => return not_an_object(&src, &item.bytes),
        Some(jsonscan::ItemProblem::TooLarge(len)) => {
            return skip(&src, RECORD_TOO_LARGE, record::oversized_detail(len), true);
        }
        None => {}
    }
    if fast && light_sized(&item.bytes) {
        if !prefilter::may_be_kept(&item.bytes) {
            if let prefilter::Light::Event { time, format } = prefilter::light(&item.bytes) {
                return Outcome::Counted {
                    n: 1,
                    first: time,
                    last: time,
                    kind: InputKind::Audit(format),
                };
            }
        } else if let Some(o) = process_light(&item.bytes, &src, lean) {
            return o;
        }
    }
    if let Some(detail) = record::too_large(&item.bytes) {
        return skip(&src, RECORD_TOO_LARGE, detail, true);
    }
    match record::parse(&item.bytes) {
        Ok(v) => {
            // checked as the fast path checks: a record it would count unread is not
            let checked = !light_sized(&item.bytes) || prefilter::may_be_kept_text(&item.bytes);
            keys_once(
                process_value(v, src.clone(), None, checked),
                &item.bytes,
                &src,
            )
        }
        Err(e) => skip(
            &src,
            "malformed JSON",
            not_utf8_detail(&e, &item.bytes, file),
            true,
        ),
    }
}

/// The detail of a JSON record that does not parse ([`json_detail`]); when its text is not UTF-8
/// (the file's start, which [`sniff`] checks for encodings, was), also the likely cause and the fix:
/// Windows PowerShell 5.1's `Set-Content` and `Out-File` write the system's ANSI code page
/// (Windows-1252 in western Europe), so a name with an accent is a byte JSON cannot hold.
fn not_utf8_detail(e: &serde_json::Error, bytes: &[u8], file: &str) -> String {
    let detail = json_detail(e);
    let Err(bad) = std::str::from_utf8(bytes) else {
        return detail;
    };
    let at = bad.valid_up_to();
    let byte = bytes
        .get(at)
        .map_or(String::new(), |b| format!(" (byte 0x{b:02X})"));
    let name = Path::new(file)
        .file_name()
        .map_or_else(|| file.to_string(), |n| n.to_string_lossy().into_owned());
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    // UTF-8 beside the bad byte (a multi-byte character before it, or after it once it is
    // passed): the record mixes encodings, and converting the whole file from Windows-1252
    // would garble the text that is UTF-8
    let after = bytes
        .get(at + bad.error_len().unwrap_or(1)..)
        .unwrap_or_default();
    let utf8_beside = !bytes[..at].is_ascii()
        || String::from_utf8_lossy(after)
            .chars()
            .any(|c| !c.is_ascii() && c != char::REPLACEMENT_CHARACTER);
    if utf8_beside {
        return format!(
            "{detail}: the record's text is UTF-8 except at byte {at}{byte}, which another \
             encoding wrote (Windows-1252, say: a tool joined or edited the file); fix that \
             character in an editor that reads the file as UTF-8, or re-export the file; \
             converting the whole file from Windows-1252 would garble its UTF-8 text"
        );
    }
    format!(
        "{detail}: the record's text is not UTF-8{byte}, likely Windows-1252 as `Set-Content` or \
         `Out-File` write it in Windows PowerShell 5.1; if the whole file is (its other accented \
         names are not read either), convert it with `Get-Content {name} | Set-Content -Encoding \
         utf8 {stem}-utf8.json`, or re-export it with `-Encoding utf8`; if its other records read \
         well, they are UTF-8, which that conversion would garble: fix this record's character \
         in an editor instead"
    )
}

/// A snapshot record's outcome, unless the record (`bytes`) gives one of its keys twice with
/// different values: then the skip that says so ([`snapshot::duplicate_key`]). A JSON reader keeps
/// one of the two without a word, so a user named `"id":"a", ..., "id":"b"` was read as user b.
/// A snapshot record refused for a missing id may be one whose last id was `null`: the duplicate
/// is what is said then.
fn keys_once(o: Outcome, bytes: &[u8], src: &SourceRef) -> Outcome {
    let issue = match &o {
        Outcome::Snap(recs, _) => snapshot::duplicate_key(bytes, recs),
        Outcome::Skip { reason, .. }
            if reason == snapshot::MISSING_ID || reason == snapshot::MISSING_SKU_ID =>
        {
            snapshot::duplicate_key(bytes, &[])
        }
        _ => None,
    };
    match issue {
        Some(i) => skip(src, i.reason, i.detail, true),
        None => o,
    }
}

/// The skip for text where a record object was expected (a stray value, separators), naming its
/// first 40 characters.
fn not_an_object(src: &SourceRef, bytes: &[u8]) -> Outcome {
    let t: String = String::from_utf8_lossy(bytes).chars().take(40).collect();
    let detail = format!("found {t:?} where a record object was expected");
    skip(src, "not a JSON object", detail, true)
}

/// The shape of a CSV input, from its header row.
#[derive(Clone, Debug)]
pub(crate) enum CsvShape {
    Audit(CsvKind),
    Snapshot(SnapshotKind),
}

/// Whether a row is the header line again (two exports joined with `cat`, each with its own
/// header): its cells are the header's names, in any ASCII case, whatever byte-order mark, quotes
/// or white space surround them. `is(i, name)`: whether cell `i` is that name ([`same_name`]).
/// Most rows differ in their first cell.
fn repeats_header(width: usize, is: impl Fn(usize, &str) -> bool, headers: &[String]) -> bool {
    width == headers.len()
        && !headers.is_empty()
        && headers.iter().enumerate().all(|(i, h)| is(i, h))
}

/// Whether a cell is a header's name ([`repeats_header`]).
fn same_name(cell: &str, name: &str) -> bool {
    fn bare(c: &str) -> &str {
        c.trim_matches(|ch: char| ch.is_whitespace() || ch == '\u{feff}' || ch == '"')
    }
    bare(cell).eq_ignore_ascii_case(bare(name))
}

/// What a CSV row of `width` fields is, for a header of `expected`.
fn width_detail(shape: &CsvShape, expected: usize, width: usize) -> String {
    let what = match shape {
        CsvShape::Audit(CsvKind::Portal) => " (admin-center audit download)".to_string(),
        CsvShape::Audit(_) => String::new(),
        CsvShape::Snapshot(kind) => format!(" ({})", kind.label()),
    };
    format!("expected {expected} fields like the header{what}, found {width}")
}

/// The columns of a CSV export whose cells never hold a line break: ids and GUIDs, times and
/// dates, the activity and its result. Such a cell that does is one cut, or one whose quote was
/// left open, run on into the next rows ([`CsvRows::joined`]). The admin-center download's are by
/// position (its header is localized): the date, correlation id, service, category, activity,
/// result, actor type and ids, and each target's type and id ([`audit::portal_row_to_value`]).
fn single_line_columns(shape: &CsvShape, headers: &[String]) -> Vec<usize> {
    if let CsvShape::Audit(CsvKind::Portal) = shape {
        let mut v = vec![0, 1, 2, 3, 4, 5, 8, 10, 15];
        for t in 0..3 {
            let base = 17 + 19 * t;
            v.extend([base, base + 2]);
        }
        v.retain(|&i| i < headers.len());
        return v;
    }
    headers
        .iter()
        .enumerate()
        .filter(|(_, h)| single_line_name(h))
        .map(|(i, _)| i)
        .collect()
}

/// Whether a named column's cells never hold a line break ([`single_line_columns`]).
fn single_line_name(header: &str) -> bool {
    let name: String = header
        .chars()
        .take_while(|&c| c != '[')
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    name.ends_with("id")
        || name.ends_with("ids")
        || name.contains("time")
        || name.contains("date")
        || matches!(
            name.as_str(),
            "operationname"
                | "operations"
                | "operation"
                | "operationtype"
                | "aadoperationtype"
                | "activity"
                | "activitydisplayname"
                | "category"
                | "result"
                | "resulttype"
                | "recordtype"
                | "resultindex"
                | "resultcount"
                | "identity"
                | "objectstate"
                | "loggedbyservice"
                | "userprincipalname"
                | "upn"
                | "skupartnumber"
                | "assignedbygroup"
        )
}

fn process_csv_row(
    shape: &CsvShape,
    headers: &[String],
    keys: &[String],
    row: Vec<String>,
    src: SourceRef,
) -> Outcome {
    // every row as wide as its header: a row cut inside a quoted cell runs on into the next
    // line, and reading the cells it then has by position would give one row's values to another's
    // columns (a blank row of a snapshot table holds nothing and is passed over there)
    let blank = || row.iter().all(|c| c.trim().is_empty());
    if row.len() != headers.len() && !(matches!(shape, CsvShape::Snapshot(_)) && blank()) {
        // a row that runs on into the next line is caught before ([`CsvRows::joined`]): this one
        // is on its line alone
        let detail = format!(
            "{}; a cell cut or a quote left open leaves a row short or joins it to the next, a \
             stray delimiter makes it long: export the file again",
            width_detail(shape, headers.len(), row.len())
        );
        return skip(&src, "malformed CSV row", detail, true);
    }
    if repeats_header(
        row.len(),
        |i, h| row.get(i).is_some_and(|c| same_name(c, h)),
        headers,
    ) {
        return skip(&src, REPEATED_HEADER, "", false);
    }
    match shape {
        CsvShape::Audit(CsvKind::Portal) => {
            event_outcome(audit::map_portal(&row), &src, AuditFormat::PortalCsv)
        }
        CsvShape::Audit(kind) => {
            let v = audit::named_row_to_value(keys, &row);
            match kind {
                CsvKind::Purview => {
                    // decoded once, for this check, the scope and the mapping
                    let inner = audit::ual_inner(&v);
                    if inner.is_none() {
                        return skip(&src, "malformed AuditData JSON", "the AuditData cell is not a JSON object; export again without editing the file in a spreadsheet", true);
                    }
                    if let Err(w) = audit::ual_in_scope(&v, inner.as_deref()) {
                        return skip(&src, format!("out of scope: {w}"), "", false);
                    }
                    let raw = audit::map_ual_record(&v, inner.as_deref());
                    event_outcome(raw, &src, AuditFormat::PurviewCsv)
                }
                _ => {
                    // checked as the fast path checks: a row it counts unread is not
                    let checked = row
                        .iter()
                        .any(|c| prefilter::may_be_kept_text(c.as_bytes()));
                    if let Some(f) = nested::nested_fault(&v).filter(|_| checked) {
                        return skip(&src, f.reason(true), f.detail(true), true);
                    }
                    let raw = audit::map(Family::Graph(AuditFormat::LogAnalyticsCsv), &v);
                    event_outcome(raw, &src, AuditFormat::LogAnalyticsCsv)
                }
            }
        }
        CsvShape::Snapshot(kind) => match snapshot::parse_csv(*kind, headers, &row, src.clone()) {
            Ok(recs) => Outcome::Snap(recs, InputKind::Snapshot(*kind)),
            Err(i) => skip(&src, i.reason, i.detail, true),
        },
    }
}

/// Events a sink's vector holds before it is set aside for a new one, rather than doubled: a
/// vector doubled by copying held the events read so far twice at once, the peak of a read whose
/// kept events are many (36 MB more for a 100k-user tenant's 137,854, thirtieth run in
/// benches/README.md). 8,192 events are about 2 MB.
const CHUNK_EVENTS: usize = 8192;

/// Users a sink's vector holds before it is set aside for a new one, for the same reason: the
/// users are then gathered into one vector of exactly their number ([`read_inputs`]). Grown by
/// doubling, a 100k-user tenant's vector had room for 131,072 users, and held 29 MB where its
/// users take 18 (benches/README.md, thirty-ninth run). 4,096 users are about 700 KB.
const CHUNK_USERS: usize = 4096;

/// Per-input accumulator.
struct Sink<'a> {
    report: InputReport,
    /// The events kept, in reading order: full vectors of [`CHUNK_EVENTS`], then `events`.
    full: Vec<Vec<AuditEvent>>,
    events: Vec<AuditEvent>,
    /// The snapshot objects read; its users are the last vector of them, after `users`.
    snapshot: Snapshot,
    /// Full vectors of [`CHUNK_USERS`] users, in reading order.
    users: Vec<Vec<crate::model::snapshot::User>>,
    opts: &'a ReadOptions,
    /// The order this read takes `N/N/YYYY` dates in, and what they showed.
    dates: &'a DateTally,
    /// Membership changes of groups not yet known to assign licenses
    /// (`licensing_memberships_only`).
    deferred: defer::Deferred,
    /// Groups this input's licensing events have named so far.
    licensing: crate::model::hash::HashSet<crate::model::ObjectId>,
    /// The first event kept with each record key ([`crate::model::RecordKey`]) in this input, by
    /// its place among the kept events ([`Sink::keep_once`]).
    first_kept: HashMap<crate::model::RecordKey, u32>,
    /// Events kept so far (`full` and `events` together).
    kept: usize,
    /// Records used with a flaw ([`SnapshotRecord::Flaw`]), and the first of them: said in a note.
    /// Records used with a flaw ([`SnapshotRecord::Flaw`]) by whether it is malformed, how
    /// many and the first: said in a note.
    /// Keyed by whether it is malformed, and for a note ([`snapshot::is_note`]) its reason.
    flaws: BTreeMap<(bool, &'static str), (u64, String)>,
}

impl Outcome {
    /// The source references the outcome carries (events, snapshot objects, skips).
    fn sources_mut(&mut self, mut f: impl FnMut(&mut u64, &mut crate::model::event::Line)) {
        match self {
            Outcome::Event(e, _) => f(&mut e.source.record, &mut e.source.line),
            Outcome::Snap(recs, _) => {
                for r in recs {
                    let s = match r {
                        SnapshotRecord::User(u) => &mut u.source,
                        SnapshotRecord::Group(g) => &mut g.source,
                        SnapshotRecord::Sku(k) => &mut k.source,
                        SnapshotRecord::Reported(e) => &mut e.source,
                        SnapshotRecord::Listed(l) => &mut l.source,
                        SnapshotRecord::Membership(_) | SnapshotRecord::Flaw(_) => continue,
                    };
                    f(&mut s.record, &mut s.line);
                }
            }
            Outcome::Skip { record, line, .. } => {
                let mut l = crate::model::event::Line::from(*line);
                f(record, &mut l);
                *line = l.get();
            }
            Outcome::Counted { .. } => {}
        }
    }
}

impl Sink<'_> {
    /// Keeps an event: a full vector of [`CHUNK_EVENTS`] is set aside, not grown.
    fn keep(&mut self, e: AuditEvent) {
        if self.events.len() == self.events.capacity() && self.events.len() >= CHUNK_EVENTS {
            let full = std::mem::replace(&mut self.events, Vec::with_capacity(CHUNK_EVENTS));
            self.full.push(full);
        }
        self.events.push(e);
        self.kept += 1;
    }

    /// The `i`th event kept ([`Sink::keep`]), to change.
    fn kept_at_mut(&mut self, mut i: usize) -> Option<&mut AuditEvent> {
        for v in &mut self.full {
            if i < v.len() {
                return v.get_mut(i);
            }
            i -= v.len();
        }
        self.events.get_mut(i)
    }

    /// Keeps an event unless it is a copy of one this input kept before: the same record key,
    /// activity, time and file ([`repeats::drop_repeated_records`] drops it after the read anyway,
    /// and keeps the same one: the copy worth most, the earlier among equals; a later copy worth
    /// more takes the earlier one's place). A file that holds its records more than once (exports
    /// concatenated, a download repeated in one file) held every copy until the read ended: the
    /// 1M-record log given ten times in one file held ten times its events. A copy with another
    /// time or activity, or from another file, is left to [`repeats::drop_repeated_records`],
    /// which sees every input.
    fn keep_once(&mut self, e: AuditEvent) {
        if let (Some(k), Ok(at)) = (e.record_key, u32::try_from(self.kept)) {
            match self.first_kept.get(&k) {
                Some(&i) => {
                    if let Some(f) = self.kept_at_mut(i as usize).filter(|f| {
                        repeats::same(f, &e) && f.time == e.time && f.source.file == e.source.file
                    }) {
                        if e.copy_worth() > f.copy_worth() {
                            *f = e;
                        }
                        self.report.unkeep(REPEATED_RECORD);
                        return;
                    }
                }
                None => {
                    self.first_kept.insert(k, at);
                }
            }
        }
        self.keep(e);
    }

    /// Counts `n` audit events of `kind` between `first` and `last`.
    fn count_events(&mut self, n: u64, first: DateTime<Utc>, last: DateTime<Utc>, kind: InputKind) {
        self.report.kind.get_or_insert(kind);
        self.report.events += n;
        self.report.first = Some(self.report.first.map_or(first, |f| f.min(first)));
        self.report.last = Some(self.report.last.map_or(last, |l| l.max(last)));
    }

    fn take(&mut self, mut o: Outcome) -> Result<(), InputError> {
        if let Outcome::Counted {
            n,
            first,
            last,
            kind,
        } = o
        {
            self.report.records += n;
            self.count_events(n, first, last, kind);
            return Ok(());
        }
        self.report.records += 1;
        // Records are numbered here, in input order (parallel readers cannot know the number).
        let n = self.report.records;
        o.sources_mut(|record, _| *record = n);
        match o {
            Outcome::Event(e, kind) => {
                // events arrive settled by the parsing workers ([`settle`]): kept (or `keep_all`)
                // and compacted
                self.count_events(1, e.time, e.time, kind);
                if self.opts.licensing_memberships_only {
                    if e.is_licensing() {
                        defer::note_groups(&e, &mut self.licensing);
                    }
                    if let Err(e) = self.deferred.offer(e, &self.licensing) {
                        self.keep_once(*e);
                    }
                } else {
                    self.keep_once(*e);
                }
            }
            Outcome::Counted { .. } => {}
            Outcome::Snap(recs, kind) => {
                self.report.kind.get_or_insert(kind);
                self.report.snapshot_records += 1;
                let line = recs.iter().find_map(|r| match r {
                    SnapshotRecord::User(u) => u.source.line(),
                    SnapshotRecord::Group(g) => g.source.line(),
                    _ => None,
                });
                for r in recs {
                    match r {
                        SnapshotRecord::User(u) => {
                            if self.snapshot.users.len() == CHUNK_USERS {
                                let full = std::mem::replace(
                                    &mut self.snapshot.users,
                                    Vec::with_capacity(CHUNK_USERS),
                                );
                                self.users.push(full);
                            }
                            self.snapshot.users.push(u)
                        }
                        SnapshotRecord::Group(g) => self.snapshot.groups.push(g),
                        SnapshotRecord::Sku(s) => self.snapshot.skus.push(s),
                        SnapshotRecord::Reported(e) => self.snapshot.reported_errors.push(e),
                        SnapshotRecord::Listed(l) => self.snapshot.listed.push(l),
                        SnapshotRecord::Membership(m) => self.snapshot.memberships.push(m),
                        SnapshotRecord::Flaw(f) => {
                            let at = match line {
                                Some(l) => format!("record {n} (line {l})"),
                                None => format!("record {n}"),
                            };
                            let malformed = !snapshot::is_note(f.reason);
                            if malformed && self.opts.strict {
                                return Err(InputError::Strict {
                                    path: self.report.path.clone(),
                                    detail: format!("{at}: {}: {}", f.reason, f.detail),
                                });
                            }
                            let key = (malformed, if malformed { "" } else { f.reason });
                            let e = self.flaws.entry(key).or_insert_with(|| {
                                let first = if malformed {
                                    format!("{at}: {}: {}", f.reason, f.detail)
                                } else {
                                    format!("{at}: {}", f.detail)
                                };
                                (0, first)
                            });
                            e.0 += 1;
                        }
                    }
                }
            }
            Outcome::Skip {
                reason,
                detail,
                malformed,
                record,
                line,
                join,
            } => {
                let detail = match (join, line) {
                    (Some(j), Some(l)) => j.detail(&detail, l),
                    _ => detail,
                };
                if malformed && self.opts.strict {
                    let at = match line {
                        Some(l) => format!("record {record} (line {l})"),
                        None => format!("record {record}"),
                    };
                    return Err(InputError::Strict {
                        path: self.report.path.clone(),
                        detail: format!("{at}: {reason}: {detail}"),
                    });
                }
                self.report.malformed += u64::from(malformed);
                if malformed && self.report.issues.len() < MAX_ISSUES {
                    self.report.issues.push(RecordIssue {
                        record,
                        line,
                        reason: reason.clone(),
                        detail,
                    });
                }
                *self.report.skipped.entry(reason).or_default() += 1;
            }
        }
        Ok(())
    }
}

const BATCH_BYTES: usize = 4 << 20;
const BATCH_ITEMS: usize = 4096;
/// The bytes of a mapped page or envelope that the scanner keeps mapped behind where it reads: the
/// batches in flight (two in the channel, one parsed, one filled) and a margin.
const PAGE_BYTES_IN_FLIGHT: usize = 6 * BATCH_BYTES;

/// Reads inputs in parallel batches: `produce` runs on a reader thread and sends batches; each batch
/// is processed with rayon and fed to the sink in order, while the next batch is processed.
///
/// `parsed` is called with each batch once it is processed (before its outcomes are taken), to
/// give back the input's pages it was read from.
fn pipeline<T: Send, P>(
    sink: &mut Sink<'_>,
    produce: P,
    work: &(dyn Fn(T) -> Outcome + Sync),
    parsed: &dyn Fn(&[T]) -> Option<Spent>,
) -> Result<(), InputError>
where
    P: FnOnce(&std::sync::mpsc::SyncSender<Vec<T>>) -> Result<(), InputError> + Send,
{
    let take_all = |sink: &mut Sink<'_>, outs: Vec<Outcome>| -> Result<(), InputError> {
        outs.into_iter().try_for_each(|o| sink.take(o))
    };
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<T>>(2);
        let reader = s.spawn(move || produce(&tx));
        let mut result = Ok(());
        let mut pending: Vec<Outcome> = Vec::new();
        for batch in rx.iter() {
            if result.is_err() {
                continue; // drain so the reader can finish
            }
            // the sink (one thread) takes the previous batch's outcomes while this one is
            // processed on the pool, as `read_slices` does
            let earlier = std::mem::take(&mut pending);
            let (opts, dates) = (sink.opts, sink.dates);
            let spent = parsed(&batch);
            let (taken, outs) = rayon::join(
                || take_all(sink, earlier),
                || {
                    batch
                        .into_par_iter()
                        .map(|item| settle(dates.run(|| work(item)), opts))
                        .collect::<Vec<_>>()
                },
            );
            result = taken;
            pending = outs;
            if let Some(spent) = spent {
                spent.give_back();
            }
        }
        if result.is_ok() {
            result = take_all(sink, pending);
        }
        let produced = reader.join().unwrap_or_else(|_| {
            Err(InputError::Unusable {
                path: sink.report.path.clone(),
                found: "an internal error while reading".into(),
                expected: "a readable export".into(),
            })
        });
        result.and(produced)
    })
}

/// The bytes of a mapped input that a parsed batch was read from, to give back
/// ([`mapped::Mapping::give_back`]).
struct Spent {
    #[cfg(target_os = "linux")]
    map: Arc<mapped::Mapping>,
    range: std::ops::Range<usize>,
}

impl Spent {
    fn give_back(self) {
        #[cfg(target_os = "linux")]
        self.map.give_back(self.range);
        #[cfg(not(target_os = "linux"))]
        let _ = self.range;
    }
}

/// What the first bytes of a decoded input look like.
enum Sniff {
    Json,
    Csv,
}

fn sniff(path: &str, reader: &mut impl BufRead) -> Result<Sniff, InputError> {
    let head = reader.fill_buf().map_err(|e| InputError::Io {
        path: path.into(),
        source: e,
    })?;
    let window = &head[..head.len().min(8192)];
    let trimmed: Vec<u8> = skip_blank(window).to_vec();
    if trimmed.is_empty() {
        return Err(InputError::Unusable {
            path: path.into(),
            found: if head.is_empty() {
                NO_TEXT.into()
            } else {
                ONLY_WHITE_SPACE.into()
            },
            expected: EXPECTED_INPUT.into(),
        });
    }
    // gzip inside gzip (`gzip` run twice, a `.gz` of a `.gz`): the outer layer is taken off by
    // its own magic ([`source::is_gzip`]), so these bytes are the inner one's
    if source::is_gzip(window) {
        return Err(InputError::Unusable {
            path: path.into(),
            found: "gzip data inside gzip data (compressed twice)".into(),
            expected: format!(
                "{EXPECTED_INPUT}; gunzip it once (`gunzip FILE.gz`) and give the result (gzip \
                 data still, which licdiag reads)"
            ),
        });
    }
    // UTF-16 text without a byte-order mark (Windows PowerShell 5.1's `Out-File` and `>` write
    // UTF-16 LE; some tools leave the mark off): told by its NUL in every other byte, which
    // ASCII-heavy JSON and CSV give unambiguously; refused with how to convert it rather than read
    // (a guess at an encoding is not made on evidence)
    if let Some(order) = utf16_without_bom(window) {
        let (name, ps) = match order {
            Utf16::Le => ("UTF-16LE", "Unicode"),
            Utf16::Be => ("UTF-16BE", "BigEndianUnicode"),
        };
        return Err(InputError::Unusable {
            path: path.into(),
            found: format!("{name} text without a byte-order mark (every other byte is NUL)"),
            expected: format!(
                "UTF-8 text, or UTF-16 with its byte-order mark; re-save it as UTF-8: \
                 `Get-Content -Encoding {ps} FILE | Set-Content -Encoding utf8 FILE.utf8` in \
                 PowerShell, or `iconv -f {name} -t UTF-8 FILE > FILE.utf8`"
            ),
        });
    }
    // NUL bytes: many (UTF-16 without a byte-order mark, half its bytes; a binary format) are not
    // text; one or a few in text are damage, read as such: the record holding one is skipped with
    // its line and column, as one past the window always was
    let nuls = memchr::memchr_iter(0, window).count();
    let nul = nuls > 0 && !(nuls <= (window.len() / 64).max(1) && mostly_text(window));
    // a sequence cut by the window's end is not an error
    let invalid = std::str::from_utf8(window)
        .err()
        .filter(|e| e.error_len().is_some());
    // text in another encoding (Windows-1252 from a spreadsheet, say): say where and how to
    // convert it, not "binary data"
    if let Some(e) = invalid.filter(|_| !nul && mostly_text(window)) {
        let at = e.valid_up_to();
        let before = &window[..at];
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let column = at - memchr::memrchr(b'\n', before).map_or(0, |p| p + 1) + 1;
        return Err(InputError::Unusable {
            path: path.into(),
            found: format!(
                "text that is not UTF-8 (byte 0x{:02X} at line {line}, column {column})",
                window[at]
            ),
            expected: "UTF-8 or UTF-16 text; re-export it as UTF-8 (Excel: Save As \"CSV \
                       UTF-8\"), or convert it, e.g. `iconv -f WINDOWS-1252 -t UTF-8 FILE > \
                       FILE.utf8`"
                .into(),
        });
    }
    // a tar archive (`.tar`, or a `.tar.gz` whose gzip layer is already taken off): its first
    // member's header says `ustar` at byte 257
    if window.get(257..262) == Some(b"ustar") {
        return Err(InputError::Unusable {
            path: path.into(),
            found: "a tar archive (.tar or .tar.gz), not text".into(),
            expected: format!(
                "{EXPECTED_INPUT}; unpack it (`tar xzf FILE.tar.gz`, or `tar xf FILE.tar`) and \
                 give the files (or their folder)"
            ),
        });
    }
    // a ZIP archive: an Excel workbook (its parts are under `xl/`) or a downloaded archive
    if window.starts_with(b"PK\x03\x04") {
        let excel = memchr::memmem::find(window, b"xl/").is_some();
        return Err(InputError::Unusable {
            path: path.into(),
            found: if excel {
                "an Excel workbook (.xlsx), not text".into()
            } else {
                "a ZIP archive, not text".into()
            },
            expected: if excel {
                format!(
                    "{EXPECTED_INPUT}; save the sheet as CSV in Excel (File > Save As > \"CSV \
                     UTF-8\"), or give the export it was made from"
                )
            } else {
                format!("{EXPECTED_INPUT}; unzip it and give the files (or their folder)")
            },
        });
    }
    // a Parquet file: a table (`licdiag export --format parquet` writes them), not an export
    // (review 88a: it was "binary data ... if this is a .zip, unzip it first")
    if window.starts_with(b"PAR1") {
        return Err(InputError::Unusable {
            path: path.into(),
            found: "a Parquet table (as `licdiag export --format parquet` writes), not an export"
                .into(),
            expected: format!(
                "{EXPECTED_INPUT}; move the table out of the input folder, or query it with \
                 `licdiag sql` over the exports it was made from"
            ),
        });
    }
    if nul || invalid.is_some() {
        return Err(InputError::Unusable {
            path: path.into(),
            found: "binary data (not UTF-8 or UTF-16 text)".into(),
            expected: format!("{EXPECTED_INPUT}; if this is a .zip, unzip it first"),
        });
    }
    // licdiag's own output (a report written into the input folder, a table `licdiag export`
    // wrote), told by its first line or columns: refused before any reader takes it for an export
    // (an export's users table would read as a license-error list, its `license_errors` count as
    // error codes)
    if let Some(what) = crate::error::own_output(&trimmed) {
        return Err(InputError::Unusable {
            path: path.into(),
            found: format!("licdiag's own output ({what}), not an export"),
            expected: format!(
                "{EXPECTED_INPUT}; move it out of the input folder or name the export files"
            ),
        });
    }
    match trimmed[0] {
        b'{' | b'[' => Ok(Sniff::Json),
        _ => {
            let first_line = trimmed.split(|b| *b == b'\n').next().unwrap_or(&[]);
            // commas, or the semicolons or tabs of `Export-Csv -UseCulture` ([`sniff_delimiter`])
            if first_line.iter().any(|c| matches!(c, b',' | b';' | b'\t'))
                || first_line.starts_with(b"#TYPE")
                || excel_sep(first_line).is_some()
            {
                Ok(Sniff::Csv)
            } else {
                let t: String =
                    String::from_utf8_lossy(&first_line[..first_line.len().min(60)]).into_owned();
                let clixml = is_clixml(&trimmed);
                Err(InputError::Unusable {
                    path: path.into(),
                    found: format!("text that is neither JSON nor CSV (starts with {t:?})"),
                    expected: if clixml {
                        format!(
                            "{EXPECTED_INPUT}; this is PowerShell's Export-Clixml: export with \
                             `ConvertTo-Json -Depth 10 | Out-File FILE.json -Encoding utf8` instead"
                        )
                    } else {
                        EXPECTED_INPUT.into()
                    },
                })
            }
        }
    }
}

/// Whether a text (after its leading white space and byte-order marks) starts as PowerShell's
/// `Export-Clixml` writes: `<Objs ...>`, after an XML declaration if any. Only the start tells: a
/// text that mentions `<Objs` further on (a README about it) is not one.
fn is_clixml(text: &[u8]) -> bool {
    let mut rest = text;
    if rest.starts_with(b"<?xml") {
        match memchr::memmem::find(rest, b"?>") {
            Some(end) => rest = skip_blank(&rest[end + 2..]),
            None => return false,
        }
    }
    rest.strip_prefix(b"<Objs")
        .is_some_and(|after| matches!(after.first(), Some(b' ' | b'\t' | b'\r' | b'\n' | b'>')))
}

/// `b` after its leading white space and byte-order marks: the first is stripped when the input is
/// opened, and one after blank lines (files joined with `cat`, the first holding only a line end)
/// is white space as well, as between JSON values ([`jsonscan`], [`lines`]).
fn skip_blank(mut b: &[u8]) -> &[u8] {
    loop {
        let rest = b.trim_ascii_start();
        match rest.strip_prefix(b"\xef\xbb\xbf") {
            Some(after) => b = after,
            None => return rest,
        }
    }
}

/// Whether bytes read as text: at least 90% of them printable ASCII or white space (random or
/// compressed data has about 40%; text in a legacy encoding has a few accented letters).
/// The byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Utf16 {
    Le,
    Be,
}

/// Whether `window` is UTF-16 text without a byte-order mark: at least 16 code units, nine in ten
/// of them an ASCII text character (printable, tab, line feed, carriage return) with its NUL
/// byte on the same side (after it for LE, before it for BE). JSON and CSV exports are ASCII
/// in their syntax and their ids, so either order is plain; a binary format does not keep its NULs
/// to one side so evenly.
fn utf16_without_bom(window: &[u8]) -> Option<Utf16> {
    let units = window.len() / 2;
    if units < 16 {
        return None;
    }
    let text = |b: u8| matches!(b, b' '..=b'~' | b'\t' | b'\n' | b'\r');
    let (mut le, mut be) = (0, 0);
    for pair in window.chunks_exact(2) {
        le += usize::from(pair[1] == 0 && text(pair[0]));
        be += usize::from(pair[0] == 0 && text(pair[1]));
    }
    if le * 10 >= units * 9 {
        Some(Utf16::Le)
    } else if be * 10 >= units * 9 {
        Some(Utf16::Be)
    } else {
        None
    }
}

fn mostly_text(b: &[u8]) -> bool {
    let texty = b
        .iter()
        .filter(|&&c| matches!(c, b' '..=b'~' | b'\t' | b'\n' | b'\r'))
        .count();
    texty * 10 >= b.len() * 9
}

/// Parses one slice of whole records: its outcomes (lines relative to the slice) and its newlines.
type SliceWork<'a> = dyn Fn(&[u8]) -> (Vec<Outcome>, u64) + Sync + 'a;

/// The parallel readers' consumer: blocks of whole records come from a reader thread ([`blocks`]),
/// their slices are parsed on all cores by `work`, and the outcomes are taken in input order with
/// line numbers made absolute (`work` gives them relative to its slice, with the slice's newline
/// count); the sink numbers the records.
fn read_slices(
    sink: &mut Sink<'_>,
    reader: Reader,
    first_line: u64,
    framing: &dyn blocks::Framing,
    work: &SliceWork<'_>,
) -> Result<(), InputError> {
    let path = sink.report.path.clone();
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<blocks::Block>(2);
        // spent blocks go back to the reader, which refills them instead of faulting in fresh pages
        // (or gives a mapped block's pages back)
        let (spent_tx, spent_rx) = std::sync::mpsc::channel::<blocks::Bytes>();
        let producer = s.spawn(move || match reader {
            Reader::Stream(mut r) => blocks::produce(r.as_mut(), framing, &tx, &spent_rx),
            #[cfg(target_os = "linux")]
            Reader::Mapped(mut m) => {
                blocks::produce_mapped(&mut m, framing, &tx, &spent_rx, blocks::BLOCK);
                Ok(())
            }
        });
        let mut result = Ok(());
        let mut base = first_line; // line number of the next outcomes' first line
        let mut pending: Vec<(Vec<Outcome>, u64)> = Vec::new();
        for (block, slices) in rx.iter() {
            if result.is_err() {
                continue; // drain so the reader can finish
            }
            // this block is parsed on the pool while this thread hands the previous block's
            // outcomes to the sink
            // (rayon::join, not a thread: files are read on pool workers, and a worker that blocks
            // outside rayon while its slices wait in the pool can leave no worker to parse them)
            let earlier = std::mem::take(&mut pending);
            let (opts, dates) = (sink.opts, sink.dates);
            let (taken, parts) = rayon::join(
                || take_parts(sink, earlier, &mut base),
                || {
                    slices
                        .into_par_iter()
                        .map(|(a, b)| {
                            let (outs, newlines) = dates.run(|| work(&block[a..b]));
                            (
                                outs.into_iter().map(|o| settle(o, opts)).collect(),
                                newlines,
                            )
                        })
                        .collect::<Vec<_>>()
                },
            );
            result = taken;
            pending = parts;
            // a mapped block's pages go back now, not when the reader next takes the spent
            // blocks back: it waits on the full queue meanwhile, and the pages of two or three
            // parsed blocks were resident beside the one being parsed (a third of a 1M-record
            // JSON Lines run's peak)
            #[cfg(target_os = "linux")]
            if let blocks::Bytes::Mapped(m, r) = &block {
                m.give_back(r.clone());
            }
            let _ = spent_tx.send(block);
        }
        if result.is_ok() {
            result = take_parts(sink, pending, &mut base);
        }
        let produced = match producer.join() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(read_failure(&path, base, e)),
            Err(_) => Err(InputError::Unusable {
                path: path.clone(),
                found: "an internal error while reading".into(),
                expected: "a readable export".into(),
            }),
        };
        result.and(produced)
    })
}

/// Every outcome passes here on the parsing workers before the sink (one thread) takes it: an
/// event that is not kept becomes a count, a kept one is compacted (chunks of a split operation
/// keep their properties for the merge) and loses its record id when the command shows none.
/// A chunk of a split operation is held whatever its activity: a later chunk may carry no license
/// set of its own (a set cut after `SkuId=`), and it is the merge that makes the event whole
/// ([`read_inputs`] counts the merged events that are still not kept, as here).
fn settle(o: Outcome, opts: &ReadOptions) -> Outcome {
    match o {
        Outcome::Event(e, kind) if !opts.keep_all && !e.is_kept() && e.extra.sequence.is_none() => {
            Outcome::Counted {
                n: 1,
                first: e.time,
                last: e.time,
                kind,
            }
        }
        Outcome::Event(mut e, kind) => {
            if opts.compact && e.extra.sequence.is_none() {
                e.compact();
            }
            if opts.drop_record_ids {
                e.record_id = None;
            }
            Outcome::Event(e, kind)
        }
        other => other,
    }
}

/// Hands the outcomes of parsed slices to the sink in order, making their line numbers absolute
/// (`base` is the line number of the first slice's first line; it moves past every slice).
fn take_parts(
    sink: &mut Sink<'_>,
    parts: Vec<(Vec<Outcome>, u64)>,
    base: &mut u64,
) -> Result<(), InputError> {
    for (outs, newlines) in parts {
        for mut o in outs {
            let at = *base;
            o.sources_mut(|_, line| line.shift(at));
            sink.take(o)?;
        }
        *base += newlines;
    }
    Ok(())
}

fn read_json(sink: &mut Sink<'_>, mut reader: Reader, file: FileName) -> Result<(), InputError> {
    let path = sink.report.path.clone();
    let head = reader.fill_buf().map_err(|e| read_failure(&path, 1, e))?;
    if lines::is_json_lines(head) {
        let (fast, lean) = (sink.opts.fast(), sink.opts.lean());
        // as for a page (below): once a slice held a snapshot object, the file's later slices skip
        // the fast path, whose needles every user matches
        let snapshot_seen = std::sync::atomic::AtomicBool::new(false);
        return read_slices(sink, reader, 1, &lines::Lines, &|slice| {
            let light = fast && !snapshot_seen.load(std::sync::atomic::Ordering::Relaxed);
            let (outs, n) = lines::work(slice, &file, light, lean);
            if light && outs.iter().any(|o| matches!(o, Outcome::Snap(..))) {
                snapshot_seen.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            (outs, n)
        });
    }
    // a mapped file: the records that lie whole in a chunk are handed out as ranges of the map, so
    // the batches in flight keep their pages (a page given back too early is faulted in again)
    #[cfg(target_os = "linux")]
    let (shared, map) = match &mut reader {
        Reader::Mapped(m) => {
            m.keep_behind(PAGE_BYTES_IN_FLIGHT);
            (
                Some((jsonscan::Shared::new(m.mapping().clone()), m.position())),
                Some(m.mapping().clone()),
            )
        }
        Reader::Stream(_) => (None, None),
    };
    #[cfg(not(target_os = "linux"))]
    let shared: Option<(jsonscan::Shared, usize)> = None;
    // a parsed batch's pages go back at once: the reader gives back only what lies further
    // behind it than the batches in flight, so that two or three parsed batches' pages were
    // resident beside those being read and parsed (a quarter of a 1M-record page's peak)
    #[cfg(target_os = "linux")]
    let parsed = move |batch: &[jsonscan::JsonItem]| {
        let map = map.as_ref()?;
        let mut ranges = batch.iter().filter_map(|i| match &i.bytes {
            jsonscan::ItemBytes::Shared(_, r) => Some(r),
            jsonscan::ItemBytes::Owned(_) => None,
        });
        let first = ranges.next()?;
        let end = ranges.next_back().map_or(first.end, |r| r.end);
        Some(Spent {
            map: map.clone(),
            range: first.start..end,
        })
    };
    #[cfg(not(target_os = "linux"))]
    let parsed = |_: &[jsonscan::JsonItem]| None;
    // the last page's context (empty when a page had none), and whether an Azure Monitor envelope
    // was seen: what an input with no records held; and whether the input ended with its array
    // or page open ([`Unclosed`])
    let context = std::sync::Mutex::new((None::<String>, false, None::<(Unclosed, bool)>));
    let ctx_ref = &context;
    let path_ref = &path;
    let produce = move |tx: &std::sync::mpsc::SyncSender<Vec<jsonscan::JsonItem>>| {
        let mut sc = jsonscan::Scanner::new(reader);
        if let Some((input, at)) = shared {
            sc.share(input, at);
        }
        let mut batch = Vec::new();
        let mut bytes = 0usize;
        loop {
            match sc.next_item() {
                Ok(Some(item)) => {
                    bytes += item.bytes.len();
                    batch.push(item);
                    if bytes >= BATCH_BYTES || batch.len() >= BATCH_ITEMS {
                        let _ = tx.send(std::mem::take(&mut batch));
                        bytes = 0;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.send(std::mem::take(&mut batch));
                    return Err(read_failure(path_ref, sc.line(), e));
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        if let Ok(mut c) = ctx_ref.lock() {
            *c = (
                sc.odata_context
                    .clone()
                    .or(sc.saw_envelope.then(String::new)),
                sc.saw_records,
                // the container ends early, after whole records or inside the last (cut) one
                (sc.ended_unclosed() || sc.ended_inside_record()).then_some((
                    if sc.saw_records {
                        Unclosed::Records
                    } else if sc.saw_envelope {
                        Unclosed::Page
                    } else {
                        Unclosed::Array
                    },
                    sc.ended_inside_record(),
                )),
            );
        }
        Ok(())
    };
    let file2 = file.clone();
    let (fast, lean) = (sink.opts.fast(), sink.opts.lean());
    // once a record of the file turned out to be a snapshot object (a users page: every user names
    // its licenses, so the fast path's needles match and its light parse ran for nothing before the
    // full one), the file's other records go the full way at once: both paths give the same
    // outcome, so this only saves the light parse (a sixth of a users export's read)
    let snapshot_seen = std::sync::atomic::AtomicBool::new(false);
    pipeline(
        sink,
        produce,
        &move |item| {
            let light = fast && !snapshot_seen.load(std::sync::atomic::Ordering::Relaxed);
            let o = process_json_item(item, &file2, light, lean);
            if light && matches!(o, Outcome::Snap(..)) {
                snapshot_seen.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            o
        },
        &parsed,
    )?;
    let (ctx, records, unclosed) = context.lock().map(|c| c.clone()).unwrap_or_default();
    // a container cut inside its first record, with no whole record before it, is refused as a
    // file of that one malformed record is
    let unclosed = unclosed.filter(|&(_, cut)| !cut || sink.report.records > 1);
    if let Some((u, cut)) = unclosed {
        // a cut export: `[` alone read as an empty users list made a tenant look clean
        let n = sink.report.records;
        if n == 0 {
            return Err(InputError::Unusable {
                path,
                found: u.found(),
                expected: match u {
                    Unclosed::Records => {
                        format!("the whole blob, its `records` array closed: {}", u.again())
                    }
                    _ => UNCLOSED_FIX.into(),
                },
            });
        }
        let note = if cut { u.cut_note(n) } else { u.note(n) };
        if sink.opts.strict {
            return Err(InputError::Strict { path, detail: note });
        }
        sink.report.notes.push(note);
    }
    if sink.report.records == 0 {
        // an Azure Monitor envelope says what it holds by its key, as a Graph page does by its
        // context: an Event Hub message or a blob with no records is an audit log of none (a page
        // or JSON that says nothing of what it would hold is still refused)
        let kind = ctx
            .as_deref()
            .and_then(kind_from_context)
            .or(records.then_some(InputKind::Audit(AuditFormat::AzureMonitor)));
        match kind {
            Some(k) => sink.report.kind = Some(k),
            None => {
                return Err(InputError::Unusable {
                    path,
                    found: if ctx.is_some() {
                        EMPTY_PAGE.into()
                    } else {
                        NO_RECORDS.into()
                    },
                    expected: EXPECTED_INPUT.into(),
                })
            }
        }
    }
    Ok(())
}

/// A JSON input that ends with its top-level array (or a page's `value` array, or the page) still
/// open, after whole records ([`jsonscan::Scanner::ended_unclosed`]) or inside the last one
/// ([`jsonscan::Scanner::ended_inside_record`], that record a truncated one): an export cut short,
/// or a file read while it was written. Whatever followed the end is missing, and nothing tells how
/// much: with no record it is an error (not an export of nothing, `[]`), else a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unclosed {
    Array,
    Page,
    /// An Azure Monitor envelope (`{"records": [...]}`, formats.md §3): a blob or Event Hub
    /// message, downloaded again rather than exported.
    Records,
}

/// How to get an input whose array is closed ([`Unclosed`]).
const UNCLOSED_FIX: &str = "the whole export, its array closed by `]`: export it again and let it \
finish (`Get-MgUser -All ... | ConvertTo-Json -Depth 10 > users.json`, the same for groups and \
subscribedSkus; from Graph, every page)";

impl Unclosed {
    fn what(self) -> &'static str {
        match self {
            Unclosed::Array => "a JSON array that is not closed (`[` without its `]`)",
            Unclosed::Page => {
                "a Graph page that is not closed (its `value` array's `]` or the page's `}` missing)"
            }
            Unclosed::Records => {
                "an Azure Monitor envelope that is not closed (its `records` array's `]` or the \
                 envelope's `}` missing)"
            }
        }
    }

    /// How to get the whole input again: an export is run again; a storage blob or Event Hub
    /// message is downloaded again (it was written whole).
    fn again(self) -> &'static str {
        match self {
            Unclosed::Records => {
                "download the blob again (storage account: insights-logs-auditlogs container), \
                 or capture the Event Hub message again"
            }
            _ => "export it again and let it finish (`... | ConvertTo-Json -Depth 10`)",
        }
    }

    /// The error's `found` of an input with no record.
    fn found(self) -> String {
        format!(
            "{}: the file ends before any record (an export cut short, or a file still being \
             written), which is not an export of nothing (`[]`)",
            self.what()
        )
    }

    /// The note of an input whose `n` records were read before its end.
    fn note(self, n: u64) -> String {
        format!(
            "{}: the file ends after record {n} (an export cut short, or a file still being \
             written): {}, and whatever followed is missing; {}",
            self.what(),
            Self::read_before(n, "the end"),
            self.again()
        )
    }

    /// The note of an input whose end cuts its record `n` (a truncated record), after `n - 1`
    /// whole ones: the same cut export as [`Unclosed::note`]'s, ending inside a record.
    fn cut_note(self, n: u64) -> String {
        let whole = n.saturating_sub(1);
        format!(
            "{}: the file ends inside record {n}, after record {whole} (an export cut short, or \
             a file still being written): {}, record {n} is cut (a truncated record), and \
             whatever followed is missing; {}",
            self.what(),
            Self::read_before(whole, "it"),
            self.again()
        )
    }

    /// "the `n` records before `end` were read".
    fn read_before(n: u64, end: &str) -> String {
        if n == 1 {
            format!("the record before {end} was read")
        } else {
            format!("the {n} records before {end} were read")
        }
    }
}

fn kind_from_context(ctx: &str) -> Option<InputKind> {
    let c = ctx.to_ascii_lowercase();
    if c.contains("directoryaudits") {
        Some(InputKind::Audit(AuditFormat::GraphJson))
    } else if c.contains("subscribedskus") {
        Some(InputKind::Snapshot(SnapshotKind::SubscribedSkus))
    } else if c.contains("assignmenterrors") {
        Some(InputKind::Snapshot(SnapshotKind::AssignmentErrors))
    } else if c.contains("#users") {
        Some(InputKind::Snapshot(SnapshotKind::Users))
    } else if c.contains("#groups") {
        Some(InputKind::Snapshot(SnapshotKind::Groups))
    } else {
        None
    }
}

fn read_failure(path: &str, line: u64, e: std::io::Error) -> InputError {
    InputError::Unusable {
        path: path.into(),
        found: format!("a read error near line {line} ({e}); the file may be truncated (an incomplete .gz download) or not text"),
        expected: "a complete export; download or copy it again".into(),
    }
}

/// Records every byte read through it, so the bytes a csv reader buffered past the header can be
/// handed back.
struct Tee<R> {
    inner: R,
    seen: Vec<u8>,
}

impl<R: std::io::Read> std::io::Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// Reads the header record with the csv crate's own rules (quoted line breaks, CR-only endings, blank
/// lines, a PowerShell `#TYPE` line first); returns its cells, the reader positioned just after it,
/// and the line number the rest starts on.
#[allow(clippy::type_complexity)]
fn csv_header(reader: Reader) -> Result<(Option<Vec<String>>, Reader, u64, u8), csv::Error> {
    let mut reader = match reader {
        Reader::Stream(r) => r,
        #[cfg(target_os = "linux")]
        Reader::Mapped(mut m) => {
            let map = m.mapping().clone();
            let rest = &map[m.position()..];
            let delimiter = sniff_delimiter(rest);
            let (header, used, _) = header_record(rest, delimiter)?;
            let used = used.min(rest.len());
            m.consume(used);
            return Ok((
                header,
                Reader::Mapped(m),
                line_after(&rest[..used]),
                delimiter,
            ));
        }
    };
    let delimiter = match reader.fill_buf() {
        Ok(head) => sniff_delimiter(head),
        Err(_) => b',', // the header read below reports it
    };
    let (header, used, tee) = header_record(
        Tee {
            inner: reader,
            seen: Vec::new(),
        },
        delimiter,
    )?;
    let used = used.min(tee.seen.len());
    let line = line_after(&tee.seen[..used]);
    let rest = tee.seen[used..].to_vec();
    let reader: Box<dyn BufRead + Send> = Box::new(std::io::BufReader::with_capacity(
        1 << 20,
        std::io::Read::chain(std::io::Cursor::new(rest), tee.inner),
    ));
    Ok((header, Reader::Stream(reader), line, delimiter))
}

/// The delimiter of a CSV file, from its header line (`head`, the file's first bytes; blank lines
/// and Windows PowerShell 5.1's `#TYPE <class>` line before it are passed over): what Excel's
/// `sep=X` first line names, else a comma, as every export writes, unless the header has more
/// semicolons or tabs outside quotes than commas (`Export-Csv -UseCulture` in a locale whose list
/// separator is `;`, de-DE or fr-FR; a spreadsheet saved again with such regional settings;
/// `-Delimiter "`t"`).
fn sniff_delimiter(head: &[u8]) -> u8 {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let mut lines = head
        .split(|&c| c == b'\n' || c == b'\r')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    let mut line = lines.next().unwrap_or_default();
    if let Some(sep) = excel_sep(line) {
        return sep;
    }
    if line.starts_with(b"#TYPE") {
        line = lines.next().unwrap_or_default();
    }
    let mut quoted = false;
    let mut counts = [0usize; 3];
    for &c in line {
        match c {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    match counts {
        [c, s, t] if s > c && s >= t => b';',
        [c, _, t] if t > c => b'\t',
        _ => b',',
    }
}

/// The delimiter an Excel `sep=X` line names (Excel writes it, and reads it, to fix a CSV file's
/// separator whatever the reader's regional settings), if `line` is one.
fn excel_sep(line: &[u8]) -> Option<u8> {
    let line = line.trim_ascii();
    let rest = line
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case(b"sep="))
        .map(|_| &line[4..])?;
    match rest {
        [c @ (b',' | b';' | b'\t' | b'|')] => Some(*c),
        _ => None,
    }
}

/// The line number after `header`, the bytes the header took from the start of the input.
fn line_after(header: &[u8]) -> u64 {
    1 + memchr::memchr_iter(b'\n', header).count() as u64
}

/// The header record's cells as [`csv_header`] reads them, the bytes up to its end, and the
/// reader (which may have read past it).
#[allow(clippy::type_complexity)]
fn header_record<R: std::io::Read>(
    reader: R,
    delimiter: u8,
) -> Result<(Option<Vec<String>>, usize, R), csv::Error> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(64 << 10)
        .from_reader(reader);
    let mut header = csv::StringRecord::new();
    let mut found = rdr.read_record(&mut header)?;
    // Windows PowerShell 5.1 `Export-Csv` without -NoTypeInformation writes `#TYPE <class>` first.
    // Excel's `sep=X` line names the delimiter ([`sniff_delimiter`]); it is not the header.
    if found
        && header.len() <= 2
        && header
            .get(0)
            .is_some_and(|h| h.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("sep=")))
        && header.get(1).is_none_or(str::is_empty)
    {
        found = rdr.read_record(&mut header)?;
    }
    if found && header.len() == 1 && header.get(0).is_some_and(|h| h.starts_with("#TYPE")) {
        found = rdr.read_record(&mut header)?;
    }
    let used = usize::try_from(rdr.position().byte()).unwrap_or(usize::MAX);
    let header = found.then(|| header.iter().map(str::to_string).collect());
    Ok((header, used, rdr.into_inner()))
}

fn read_csv(sink: &mut Sink<'_>, reader: Reader, file: FileName) -> Result<(), InputError> {
    let path = sink.report.path.clone();
    let (header, reader, first_line, delimiter) = match csv_header(reader) {
        Ok((Some(h), r, l, d)) => (h, r, l, d),
        Ok((None, _, _, _)) => {
            return Err(InputError::Unusable {
                path,
                found: "a CSV file with no header".into(),
                expected: EXPECTED_INPUT.into(),
            })
        }
        Err(e) => {
            return Err(InputError::Unusable {
                path,
                found: format!("a CSV header that cannot be read ({e})"),
                expected: EXPECTED_INPUT.into(),
            })
        }
    };
    let headers: Vec<String> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let Some(shape) = csv_shape(&headers) else {
        let mut shown: Vec<&str> = headers.iter().take(8).map(|s| s.as_str()).collect();
        if headers.len() > shown.len() {
            shown.push("…");
        }
        let shown = shown.join(", ");
        // `Export-Csv` of Graph PowerShell objects: a nested property's cells hold its type
        // name (`Microsoft.Graph.PowerShell.Models.MicrosoftGraphLicenseAssignmentState[]`)
        let nested = headers.iter().find(|h| {
            let h = h.trim();
            [
                "LicenseAssignmentStates",
                "AssignedLicenses",
                "PrepaidUnits",
                "ServicePlans",
                "Members",
            ]
            .iter()
            .any(|n| h.eq_ignore_ascii_case(n))
        });
        if let Some((what, instead)) = other_report(&headers) {
            return Err(InputError::Unusable {
                path,
                found: format!("{what} (header [{shown}])"),
                expected: instead.into(),
            });
        }
        if let Some(column) = nested {
            return Err(InputError::Unusable {
                path,
                found: format!(
                    "an Export-Csv of Graph PowerShell objects (header [{shown}]): its nested \
                     values, such as `{}`, became type names (`Microsoft.Graph.PowerShell.Models...[]`), \
                     so what they held is not in the file",
                    column.trim()
                ),
                expected: "the objects as JSON: `... | ConvertTo-Json -Depth 10 | Out-File FILE.json \
                           -Encoding utf8` instead of Export-Csv (README, \"Producing the inputs\")"
                    .into(),
            });
        }
        return Err(InputError::Unusable {
            path,
            found: format!("a CSV whose header [{shown}] is no known export"),
            expected: EXPECTED_INPUT.into(),
        });
    };
    sink.report.kind = Some(match &shape {
        CsvShape::Audit(CsvKind::Portal) => InputKind::Audit(AuditFormat::PortalCsv),
        CsvShape::Audit(CsvKind::LogAnalytics) => InputKind::Audit(AuditFormat::LogAnalyticsCsv),
        CsvShape::Audit(CsvKind::Purview) => InputKind::Audit(AuditFormat::PurviewCsv),
        CsvShape::Snapshot(k) => InputKind::Snapshot(*k),
    });
    if let (CsvShape::Audit(_), Some(column)) = (&shape, audit::zoned_time_column(&headers)) {
        return Err(InputError::Unusable {
            path,
            found: format!(
                "an audit CSV whose times are not in UTC (column `{column}`): read as UTC they would be \
                 hours off"
            ),
            expected: "times in UTC: set Log Analytics' display time zone to UTC and export again".into(),
        });
    }
    let keys = audit::header_keys(&headers);
    let input = CsvInput {
        fast: sink
            .opts
            .fast()
            .then(|| prefilter::CsvFast::new(&shape, &keys))
            .flatten(),
        row_columns: match &shape {
            CsvShape::Audit(kind) => lightaudit::RowColumns::new(kind, &keys),
            CsvShape::Snapshot(_) => None,
        },
        keys,
        // the row scanner splits at commas only: another delimiter's rows are read by the `csv` crate
        scan: !sink.opts.full_parse && delimiter == b',',
        delimiter,
        lean: sink.opts.lean(),
        single_line: single_line_columns(&shape, &headers),
        shape,
        headers,
        file,
    };
    let work = |slice: &[u8]| csv_slice(slice, &input);
    read_slices(sink, reader, first_line, &csvblocks::Csv, &work)
}

/// What a CSV header says the file is.
/// What to export for seats, instead of a list of names.
const EXPORT_SKUS: &str = "the subscribedSkus export for seats: `Get-MgSubscribedSku -All | \
                           ConvertTo-Json -Depth 10 > subscribedSkus.json` (licdiag has Microsoft's \
                           product catalog built in; a newer one: --catalog FILE)";
/// What to export for users' assignments and errors, instead of a summary.
const EXPORT_USERS: &str = "the users export with their license states: `Get-MgUser -All -Property \
                            id,userPrincipalName,displayName,assignedLicenses,licenseAssignmentStates,\
                            usageLocation,proxyAddresses,mail,onPremisesSyncEnabled,accountEnabled | \
                            ConvertTo-Json -Depth 10 > users.json`";

/// CSV reports licensing scripts write that licdiag cannot diagnose from (licensing.md §4): what
/// each is and lacks, and the export to give instead ([`other_report`]).
const OTHER_REPORTS: [(&str, &str); 6] = [
    (
        "the table of groups with license errors (Get-MgGroupMemberWithLicenseError counts): \
         which groups have members in error, not who they are nor why",
        EXPORT_USERS,
    ),
    (
        "a list of service plan names (office365itpros ServicePlanDataComplete.csv): names only, \
         no seats, assignments or errors",
        EXPORT_SKUS,
    ),
    (
        "a list of product names (office365itpros SkuDataComplete.csv): names (and prices) only, \
         no seats, assignments or errors",
        EXPORT_SKUS,
    ),
    (
        "a per-user license report (office365itpros ReportUserAssignedLicenses-MgGraph.PS1's \
         detail): the products users hold, directly or by a group, without the groups' ids, the \
         assignments' states or their errors",
        EXPORT_USERS,
    ),
    (
        "the Entra sign-in log (the admin center's Sign-in logs download): sign-ins, not the \
         directory changes licensing leaves in the audit log",
        "the audit log: Entra admin center > Monitoring & health > Audit logs > Download (CSV or \
         JSON), or `Get-MgAuditLogDirectoryAudit -All | ConvertTo-Json -Depth 10 > audit.json`",
    ),
    (
        "Microsoft's product and service-plan catalog (Product names and service plan identifiers \
         for licensing): product and plan names, not a tenant's export",
        "the tenant's exports as inputs; to use a newer catalog, pass it with `--catalog FILE` \
         (analyze, diff, export, plan), not as an input",
    ),
];

/// Which of [`OTHER_REPORTS`] a CSV header is, matched on its columns.
fn other_report(headers: &[String]) -> Option<(&'static str, &'static str)> {
    let has = |names: &[&str]| {
        names
            .iter()
            .all(|n| headers.iter().any(|h| h.trim().eq_ignore_ascii_case(n)))
    };
    let at = if has(&["TotalUserCount", "LicenseErrorCount", "GroupId"]) {
        0
    } else if has(&["ServicePlanId", "ServicePlanName", "ServicePlanDisplayName"])
        && headers.len() <= 5
    {
        1
    } else if has(&["SkuId", "SkuPartNumber", "DisplayName"])
        && !has(&["ConsumedUnits"])
        && !has(&["UserId"])
        && headers.len() <= 6
    {
        2
    } else if has(&["User", "Sku", "SkuName", "Method"]) {
        3
    } else if has(&["Request ID", "Username", "User agent"]) && !has(&["Activity"]) {
        4
    } else if has(&[
        "Product_Display_Name",
        "String_Id",
        "GUID",
        "Service_Plan_Id",
    ]) {
        // the catalog `--catalog` takes, passed as an input (review 88, item 8)
        5
    } else {
        return None;
    };
    OTHER_REPORTS.get(at).copied()
}

fn csv_shape(headers: &[String]) -> Option<CsvShape> {
    audit::classify_csv(headers)
        .map(CsvShape::Audit)
        .or_else(|| snapshot::classify_csv(headers).map(CsvShape::Snapshot))
}

/// What every slice of one CSV input is read with.
struct CsvInput {
    shape: CsvShape,
    /// The header as read, and as column keys ([`audit::header_keys`], normalized once per file).
    headers: Vec<String>,
    keys: Vec<String>,
    fast: Option<prefilter::CsvFast>,
    /// A Log Analytics or Purview header prepared for the light mapping of kept rows.
    row_columns: Option<lightaudit::RowColumns>,
    /// Split rows with [`csvrows`] where it is sure (off for `full_parse`: the `csv` crate reads
    /// every row, so the fixture-wide fast/full equality tests cover the scan too).
    scan: bool,
    /// The events will be compacted: the light mappings may leave out what compaction drops.
    lean: bool,
    /// `,`, or `;` or a tab ([`sniff_delimiter`]).
    delimiter: u8,
    /// The columns whose cells never hold a line break ([`single_line_columns`]).
    single_line: Vec<usize>,
    file: FileName,
}

/// Parses the records of one CSV slice (whole records). Lines in the outcomes are relative to the
/// slice (0 = its first line), record numbers placeholders (the sink makes both absolute). Returns
/// the outcomes and the number of newlines in the slice. Rows are split by [`csvrows`] up to the
/// first one it is not sure of (none when the slice is not UTF-8, which the `csv` crate reports
/// per row); the `csv` crate reads the rest.
fn csv_slice(slice: &[u8], input: &CsvInput) -> (Vec<Outcome>, u64) {
    let mut rows = CsvRows {
        input,
        outs: Vec::new(),
        counted: lines::Counted::default(),
    };
    let mut pos = 0;
    // the newlines before `seen`, counted as far as needed
    let (mut seen, mut line) = (0, 0u64);
    let mut lines_to = |to: usize| {
        line += memchr::memchr_iter(b'\n', slice.get(seen..to).unwrap_or_default()).count() as u64;
        seen = to;
        line
    };
    let text = input
        .scan
        .then(|| simdutf8::basic::from_utf8(slice).ok())
        .flatten();
    if let Some(text) = text {
        let mut fields = Vec::new();
        // the needles searched once over the whole slice, not row by row
        let mut hits = input
            .fast
            .is_some()
            .then(|| prefilter::TextHits::new(slice));
        loop {
            match csvrows::scan_record(slice, pos, &mut fields) {
                csvrows::Scan::Record { start, end } => {
                    pos = end;
                    let row = csvrows::RawRow::new(text, start, end, &fields);
                    let bytes = slice.get(start..end).unwrap_or_default();
                    if memchr::memchr(b'\n', bytes).is_some() {
                        if let Some(join) = rows.joined(&row) {
                            let line = lines_to(start);
                            pos = start + resume_after(bytes, join.cut);
                            rows.skip_joined(&row, join, line);
                            continue;
                        }
                    }
                    let needle = hits.as_mut().map(|h| h.any_in(start, end));
                    if rows.counted_light(&row, needle) {
                        continue;
                    }
                    let line = lines_to(start);
                    if rows.keep_light(&row, line) {
                        continue;
                    }
                    rows.keep_full(row.to_cells(), line);
                }
                csvrows::Scan::End => {
                    pos = slice.len();
                    break;
                }
                csvrows::Scan::Unsure { start } => {
                    pos = start;
                    break;
                }
            }
        }
    }
    let rest = slice.get(pos..).unwrap_or_default();
    if !rest.is_empty() {
        rows.read_with_csv(rest, lines_to(pos));
    }
    rows.counted.flush(&mut rows.outs);
    (rows.outs, lines_to(slice.len()))
}

/// The rows of one CSV slice being read: their outcomes, and the light rows counted since the last.
struct CsvRows<'a> {
    input: &'a CsvInput,
    outs: Vec<Outcome>,
    counted: lines::Counted,
}

impl CsvRows<'_> {
    /// Where a row that holds a line break ran on past its line: a single-line cell
    /// ([`single_line_columns`]) that holds one was cut, or had its quote left open, and is cut
    /// on its first line break; a row not as wide as the header is cut on its first. `None` for
    /// a row whose line breaks are in cells that may hold them, as wide as the header.
    fn joined(&self, row: &impl csvrows::Cells) -> Option<CsvJoin> {
        let mut breaks = Vec::with_capacity(row.width());
        for i in 0..row.width() {
            // a quote left open to the end of the input holds its last line end
            let last_cell = i + 1 == row.width();
            let n = row
                .with_cell(i, |c| {
                    let c = if last_cell {
                        c.trim_end_matches(['\r', '\n'])
                    } else {
                        c
                    };
                    memchr::memchr_iter(b'\n', c.as_bytes()).count()
                })
                .unwrap_or(0) as u64;
            breaks.push(n);
        }
        let last: u64 = breaks.iter().sum();
        if last == 0 {
            return None;
        }
        let cut_cell = self
            .input
            .single_line
            .iter()
            .copied()
            .find(|&i| breaks.get(i).is_some_and(|&n| n > 0));
        // the line breaks before the cut one, in the cells before
        let cut = match cut_cell {
            Some(i) => breaks.iter().take(i).sum(),
            None if row.width() != self.input.headers.len() => 0,
            None => return None,
        };
        Some(CsvJoin { last, cut })
    }

    /// The skip of a row that runs on past its line ([`CsvRows::joined`]), starting on `line` of
    /// the slice.
    fn skip_joined(&mut self, row: &impl csvrows::Cells, join: CsvJoin, line: u64) {
        self.counted.flush(&mut self.outs);
        let CsvInput {
            shape,
            headers,
            single_line,
            ..
        } = self.input;
        let broken = single_line
            .iter()
            .copied()
            .find(|&i| row.with_cell(i, |c| c.contains('\n')).unwrap_or(false));
        let what = match broken {
            Some(i) => format!(
                "the cell of column {} ({}) holds a line break, which it never does",
                i + 1,
                headers.get(i).map_or("", |h| h.trim())
            ),
            None => width_detail(shape, headers.len(), row.width()),
        };
        let Outcome::Skip {
            reason,
            detail,
            malformed,
            record,
            line,
            ..
        } = skip(&self.src(line), "malformed CSV row", what, true)
        else {
            return;
        };
        self.outs.push(Outcome::Skip {
            reason,
            detail,
            malformed,
            record,
            line,
            join: Some(join),
        });
    }

    /// Whether the row is blank (not a record) or was counted by the fast path; `needle`: whether
    /// its bytes hold a needle, when the caller searched them already.
    fn counted_light(&mut self, row: &impl csvrows::Cells, needle: Option<bool>) -> bool {
        if row.width() == 1 && row.cell(0).is_some_and(|c| c.trim().is_empty()) {
            return true; // a blank line is not a record
        }
        let light = self.input.fast.as_ref().and_then(|f| match needle {
            Some(n) => f.light_searched(row, n),
            None => f.light(row),
        });
        if let Some((time, format)) = light {
            self.counted.add(time, InputKind::Audit(format));
            return true;
        }
        false
    }

    /// A kept admin-center, Log Analytics or Purview row, starting on `line` of the slice, mapped from its
    /// cells (no owned row, no tree); false when the light mapping does not answer.
    fn keep_light(&mut self, row: &impl csvrows::Cells, line: u64) -> bool {
        let same = |i: usize, h: &str| row.with_cell(i, |c| same_name(c, h)).unwrap_or(false);
        if repeats_header(row.width(), same, &self.input.headers) {
            self.counted.flush(&mut self.outs);
            let src = self.src(line);
            self.outs.push(skip(&src, REPEATED_HEADER, "", false));
            return true;
        }
        let CsvInput {
            shape,
            headers,
            fast,
            row_columns,
            lean,
            ..
        } = self.input;
        let light = match (fast, shape, row_columns) {
            (Some(_), CsvShape::Audit(CsvKind::Portal), _) => {
                lightaudit::map_portal_row(row, headers.len(), *lean)
                    .map(|raw| (raw, AuditFormat::PortalCsv))
            }
            (Some(_), _, Some(cols)) => cols.map(row, *lean),
            _ => None,
        };
        let Some((raw, format)) = light else {
            return false;
        };
        self.counted.flush(&mut self.outs);
        self.outs.push(event_outcome(raw, &self.src(line), format));
        true
    }

    /// A row neither counted nor mapped light, starting on `line` of the slice: the full path.
    fn keep_full(&mut self, row: Vec<String>, line: u64) {
        self.counted.flush(&mut self.outs);
        let CsvInput {
            shape,
            headers,
            keys,
            ..
        } = self.input;
        let src = self.src(line);
        self.outs
            .push(process_csv_row(shape, headers, keys, row, src));
    }

    fn src(&self, line: u64) -> SourceRef {
        SourceRef {
            file: self.input.file.clone(),
            record: 0,
            line: crate::model::event::Line::at(line),
        }
    }

    /// Reads `part` (whole records, the end of the slice) with the `csv` crate; `base` = the
    /// newlines of the slice before it.
    fn read_with_csv(&mut self, mut part: &[u8], mut base: u64) {
        while let Some((at, line)) = self.read_csv_part(part, base) {
            part = part.get(at..).unwrap_or_default();
            base = line;
            if part.is_empty() {
                break;
            }
        }
    }

    /// [`CsvRows::read_with_csv`] up to the first row that ran on past its line: where the rest
    /// starts in `part` after it, and its line in the slice.
    fn read_csv_part(&mut self, part: &[u8], base: u64) -> Option<(usize, u64)> {
        // A byte-order mark belongs to the file's start, whose header row is read apart. The `csv`
        // crate drops one at the start of whatever it reads, so a row starting with one (two
        // downloads joined with `cat`) lost it, and its first cell's quotes were read as quotes,
        // only when the row began a slice or followed a row the scan was unsure of: read after a
        // line end, which the reader skips as a blank line and the counts below take off, the mark
        // is the row's text wherever the row falls.
        let lead: &[u8] = if part.starts_with(b"\xef\xbb\xbf") {
            b"\n"
        } else {
            b""
        };
        let shift = lead.len() as u64;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.input.delimiter)
            .from_reader(std::io::Read::chain(lead, part));
        let mut rec = csv::StringRecord::new();
        // a row that ran on past its line is skipped up to its cut line, and the rest read again
        // from the line after ([`CsvRows::joined`])
        let mut resume = None;
        loop {
            // The record starts after any line ends the reader has not consumed yet (the `\n` of a
            // CRLF, blank lines): count them, so the line is the record's own.
            let at =
                usize::try_from(rdr.position().byte().saturating_sub(shift)).unwrap_or(usize::MAX);
            let pending = part
                .get(at..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| matches!(c, b'\r' | b'\n'))
                .filter(|c| **c == b'\n')
                .count() as u64;
            let line = base + rdr.position().line().saturating_sub(1 + shift) + pending;
            match rdr.read_record(&mut rec) {
                Ok(true) => {
                    if memchr::memchr(b'\n', rec.as_slice().as_bytes()).is_some() {
                        if let Some(join) = self.joined(&rec) {
                            let start = part
                                .get(at..)
                                .unwrap_or_default()
                                .iter()
                                .take_while(|c| matches!(c, b'\r' | b'\n'))
                                .count()
                                + at;
                            let from = part.get(start..).unwrap_or_default();
                            self.skip_joined(&rec, join, line);
                            resume =
                                Some((start + resume_after(from, join.cut), line + join.cut + 1));
                            break;
                        }
                    }
                    if !self.counted_light(&rec, None) && !self.keep_light(&rec, line) {
                        self.keep_full(rec.iter().map(str::to_string).collect(), line);
                    }
                }
                Ok(false) => break,
                Err(e) => {
                    self.counted.flush(&mut self.outs);
                    let src = self.src(line);
                    self.outs.push(skip(
                        &src,
                        "malformed CSV row",
                        crate::error::csv_detail(&e),
                        true,
                    ));
                }
            }
        }
        resume
    }
}

/// The bytes of a record's text `from` its first byte up to and with its line break after `cut`
/// others: where reading goes on after a row cut on that line ([`CsvJoin`]).
fn resume_after(from: &[u8], cut: u64) -> usize {
    memchr::memchr_iter(b'\n', from)
        .nth(usize::try_from(cut).unwrap_or(usize::MAX))
        .map_or(from.len(), |p| p + 1)
}

/// One input, read: its report, kept events, snapshot objects and held changes.
struct InputRead {
    report: InputReport,
    /// The kept events in reading order, in vectors of at most [`CHUNK_EVENTS`] (the last may be
    /// shorter, and a short input's one vector empty).
    events: Vec<Vec<AuditEvent>>,
    /// The snapshot objects read but the users (its `users` is empty).
    snapshot: Snapshot,
    /// The users read, in reading order, in vectors of at most [`CHUNK_USERS`].
    users: Vec<Vec<crate::model::snapshot::User>>,
    /// Held membership changes ([`defer`]).
    deferred: defer::Deferred,
}

/// The order one read of an input takes its `N/N/YYYY` dates in, and what the dates its workers
/// read showed ([`normalize::time::with_date_order`]).
struct DateTally {
    order: DateOrder,
    seen: std::sync::Mutex<DateEvidence>,
}

impl DateTally {
    fn new(order: DateOrder) -> Self {
        DateTally {
            order,
            seen: Default::default(),
        }
    }
    /// Runs one piece of parsing work (a slice, a record) with dates read in this order.
    fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        let (r, seen) = normalize::time::with_date_order(self.order, f);
        if !seen.is_empty() {
            self.seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .add(seen);
        }
        r
    }
    fn seen(&self) -> DateEvidence {
        *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reads one input completely. Its `N/N/YYYY` dates are read month-first unless `--date-order`
/// says otherwise; when they show the other order (a date only day-first reads, none only
/// month-first reads: an en-GB export), the input is read again day-first, so that no date is
/// misread or skipped for the order (the second read is the only cost, and only such files pay it).
/// Standard input and pipes cannot be read twice: their report says so, with the flag.
fn read_one(
    input: &InputPath,
    opts: &ReadOptions,
    counter: Arc<AtomicU64>,
) -> Result<InputRead, InputError> {
    let order = opts.date_order.unwrap_or_default();
    let tally = DateTally::new(order);
    let first = read_in_order(input, opts, counter, &tally);
    let seen = tally.seen();
    let (read, order, seen, basis) = match (opts.date_order, seen.shows()) {
        (Some(order), _) => (first, order, seen, DateBasis::Given),
        (None, Some(DateOrder::DayFirst)) if input.can_read_again() => {
            // the first read is dropped before the second holds its own; only its error is kept
            // (`--strict`: the first date it could not read), which is all it can be needed for
            let first = first.err();
            let tally = DateTally::new(DateOrder::DayFirst);
            // the bytes read again are not progress
            let again = read_in_order(input, opts, Arc::default(), &tally);
            let mut both = seen;
            both.add(tally.seen());
            match (first, again) {
                // `--strict` stopped the first read at a day-first date, and the second at a
                // month-first one the first never reached: dates of both orders, month-first
                // kept as without `--strict`
                (Some(e), Err(_)) if both.month_first_only.is_some() => {
                    (Err(e), DateOrder::MonthFirst, both, DateBasis::Mixed)
                }
                (_, again) => (
                    again,
                    DateOrder::DayFirst,
                    tally.seen(),
                    DateBasis::Detected,
                ),
            }
        }
        (None, Some(DateOrder::DayFirst)) => (first, order, seen, DateBasis::NotReadAgain),
        (None, Some(order)) => (first, order, seen, DateBasis::Detected),
        (None, None) if seen.day_first_only.is_some() => (first, order, seen, DateBasis::Mixed),
        (None, None) => (first, order, seen, DateBasis::Assumed),
    };
    let dates = (!seen.is_empty()).then_some(DatesRead {
        order,
        basis,
        evidence: seen,
    });
    let mut read = match read {
        Ok(r) => r,
        // an input refused for dates in the wrong order says which order would read it
        Err(e) => {
            return Err(match dates.and_then(|d| d.caveat()) {
                Some(c) => e.with_note(&format!("dates: {c}")),
                None => e,
            })
        }
    };
    read.report.dates = dates;
    Ok(read)
}

/// Reads one input completely with its `N/N/YYYY` dates in `dates`' order.
fn read_in_order(
    input: &InputPath,
    opts: &ReadOptions,
    counter: Arc<AtomicU64>,
    dates: &DateTally,
) -> Result<InputRead, InputError> {
    let path = input.display();
    let file = FileName::from(path.as_str());
    let hasher = opts.hash_inputs.then(source::SharedHash::default);
    let Opened {
        mut reader,
        gzip,
        encoding,
        cut,
    } = source::open(input, counter, hasher.clone(), !opts.no_map)?;
    let mut sink = Sink {
        report: InputReport::new(path.clone()),
        full: Vec::new(),
        events: Vec::new(),
        snapshot: Snapshot::default(),
        users: Vec::new(),
        opts,
        dates,
        deferred: defer::Deferred::default(),
        licensing: Default::default(),
        first_kept: HashMap::default(),
        kept: 0,
        flaws: BTreeMap::new(),
    };
    sink.report.gzip = gzip;
    sink.report.encoding = encoding.label().into();
    sink.report.bytes = input.size();
    let sniffed = sniff(&path, &mut reader).map_err(|e| match (&e, cut.get()) {
        // the stream ended inside its first line: that part line was dropped (a record cut in
        // two), and what is left is no text at all, which is not an empty file
        (InputError::Unusable { found, .. }, Some(c))
            if found == NO_TEXT || found == ONLY_WHITE_SPACE =>
        {
            cut_before_any_record(&path, &c)
        }
        _ => e,
    })?;
    match sniffed {
        Sniff::Json => read_json(&mut sink, reader, file)?,
        Sniff::Csv => read_csv(&mut sink, reader, file)?,
    }
    if let Some(c) = cut.get() {
        if opts.strict {
            return Err(InputError::Strict {
                path,
                detail: format!(
                    "the gzip stream ends early after {} bytes of text ({}); download or copy the .gz file again",
                    c.after_bytes, c.error
                ),
            });
        }
        // the part line the stream ended in was dropped before any reader saw it: a record cut in
        // two, counted as such (unless the reader already counted the record it belongs to, a
        // multi-line JSON record it found cut)
        let counted = sink
            .report
            .issues
            .last()
            .is_some_and(|i| i.reason == TRUNCATED_RECORD);
        if c.dropped_bytes > 0 && !counted {
            let record = sink.report.records + 1;
            sink.report.records = record;
            sink.report.malformed += 1;
            if sink.report.issues.len() < MAX_ISSUES {
                sink.report.issues.push(RecordIssue {
                    record,
                    line: Some(c.line),
                    reason: GZIP_CUT_RECORD.into(),
                    detail: format!(
                        "the last {} bytes of text, a record the gzip stream ends inside, were not read",
                        c.dropped_bytes
                    ),
                });
            }
            *sink
                .report
                .skipped
                .entry(GZIP_CUT_RECORD.into())
                .or_default() += 1;
        }
        sink.report.gzip_cut = Some(c);
    }
    // bytes after a complete stream that are not NUL padding nor another member: ignored, as
    // `gzip -t` ignores them, and said; the stream itself was read whole
    let trailing = cut.trailing();
    if trailing > 0 {
        sink.report.notes.push(format!(
            "{trailing} bytes after the end of the gzip stream were ignored (not gzip data; \
             `gzip -t` calls them trailing garbage): every record of the stream was read"
        ));
    }
    // A depth-truncated PowerShell export hides license states: using the rest would report
    // licensed users as unlicensed, so the file is refused with the fix.
    if sink.report.skipped.contains_key(snapshot::TRUNCATED) {
        let first = sink
            .report
            .issues
            .iter()
            .find(|i| i.reason == snapshot::TRUNCATED)
            .map(|i| format!(" (record {}: {})", i.record, i.detail))
            .unwrap_or_default();
        return Err(InputError::Unusable {
            path,
            // (not how many: the fast path looks only at an audit log's licensing records)
            found: format!(
                "a PowerShell export truncated by ConvertTo-Json's default depth{first}"
            ),
            expected: "the full objects: re-export with `ConvertTo-Json -Depth 10`".into(),
        });
    }
    // `Export-Csv` of Graph PowerShell audit objects: every nested value is a type name, so the
    // rows' targets, actors and details are not in the file ([`nested`])
    if let Some(n) = sink.report.skipped.get(nested::EXPORT_CSV_TYPE_NAME) {
        let first = sink
            .report
            .issues
            .iter()
            .find(|i| i.reason == nested::EXPORT_CSV_TYPE_NAME)
            .map(|i| format!(" (record {}: {})", i.record, i.detail))
            .unwrap_or_default();
        return Err(InputError::Unusable {
            path,
            found: format!(
                "an Export-Csv of Graph PowerShell audit objects: nested values written as type \
                 names in {n} of {} records{first}",
                sink.report.records
            ),
            expected: "the objects as JSON: `Get-MgAuditLogDirectoryAudit -All | ConvertTo-Json \
                       -Depth 10 | Out-File audit.json -Encoding utf8` instead of Export-Csv"
                .into(),
        });
    }
    if sink.report.kind.is_none() {
        let first = sink
            .report
            .issues
            .first()
            .map(|i| format!(" (record {}: {})", i.record, i.detail))
            .unwrap_or_default();
        let found = match sink.report.records {
            1 => format!("1 record, not usable{first}"),
            n => format!("{n} records, none of them usable{first}"),
        };
        // a gzip stream cut inside its first record (a JSON page whose record spans lines): the
        // cut is what the file is to be fixed for
        return Err(match &sink.report.gzip_cut {
            Some(c) => InputError::Unusable {
                path,
                found: format!(
                    "{found}, and the gzip stream ends early ({}) after {} bytes of text",
                    c.error,
                    c.after_bytes + c.dropped_bytes
                ),
                expected: "the whole file: download or copy the .gz file again".into(),
            },
            None => InputError::Unusable {
                path,
                found,
                expected: EXPECTED_INPUT.into(),
            },
        });
    }
    // users none of whom has license states: said (or refused) once every input is read, a user
    // or two without them is not (their licensed ones are, by `license_states_exported`)
    if let Some((n, first)) = sink.flaws.remove(&(false, snapshot::NO_LICENSE_STATES)) {
        let users = sink.users.iter().map(Vec::len).sum::<usize>() + sink.snapshot.users.len();
        if n == users as u64 {
            sink.report.without_states = Some((n, first));
        }
    }
    for ((malformed, reason), (n, first)) in std::mem::take(&mut sink.flaws) {
        let s = if n == 1 { "" } else { "s" };
        sink.report.notes.push(if malformed {
            format!(
                "{n} record{s} read despite a malformed value (a time or a product id that \
                 cannot be read; first: {first}); `--strict` makes it fatal"
            )
        } else {
            snapshot::note(reason, n, &first)
        });
    }
    sum_accounts(&mut sink.snapshot.skus, &mut sink.report);
    // `GroupLicenses.csv` lists a group once per product: its rows are one group's, merged later
    if !matches!(sink.report.kind, Some(InputKind::Snapshot(k)) if k.is_csv()) {
        snapshot::drop_repeated_groups(&mut sink.snapshot.groups, &mut sink.report);
    }
    if let Some(h) = &hasher {
        sink.report.sha256 = source::hex_digest(h);
    }
    sink.report.format = sink
        .report
        .kind
        .map(|k| k.label().to_string())
        .unwrap_or_default();
    let mut events = sink.full;
    events.push(sink.events);
    let mut users = sink.users;
    users.push(std::mem::take(&mut sink.snapshot.users));
    Ok(InputRead {
        report: sink.report,
        events,
        snapshot: sink.snapshot,
        users,
        deferred: sink.deferred,
    })
}

/// The refusal of a gzip file whose stream ends inside its first record: nothing before the cut
/// can be read, as a plain file cut inside its first record is refused (`1 record, not usable`).
/// Not "an empty file" (which a folder passes over): the file holds a record, cut, and the fix is
/// to download it again.
fn cut_before_any_record(path: &str, c: &source::Cut) -> InputError {
    InputError::Unusable {
        path: path.into(),
        found: format!(
            "a gzip stream that ends early ({}) inside its first record, after {} bytes of text: \
             no whole record before the cut, nothing to read (a download cut short, or a file \
             still being written)",
            c.error,
            c.after_bytes + c.dropped_bytes
        ),
        expected: "the whole file: download or copy the .gz file again".into(),
    }
}

/// Reads every input. An unusable input is an error naming it; malformed records are counted.
pub fn read_inputs(paths: &[PathBuf], opts: &ReadOptions) -> Result<Ingested, InputError> {
    let source::Expanded {
        inputs,
        mut passed_over,
        walked,
    } = source::expand(paths)?;
    let no_files = |passed_over: &[(PathBuf, PathBuf, &'static str)]| {
        let mut found = "no files".to_string();
        for (folder, entries) in by_folder(passed_over) {
            found.push_str(&format!(
                "; {}",
                source::passed_over_note(&folder, &entries)
            ));
        }
        InputError::Unusable {
            path: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            found,
            expected: EXPECTED_INPUT.into(),
        }
    };
    if inputs.is_empty() {
        return Err(no_files(&passed_over));
    }
    let total: u64 = inputs.iter().map(|i| i.size()).sum();
    // not joined: what it prepares is shared (a `OnceLock`), and a caller that needs it before it
    // is done waits for it there
    let prepare = |early: bool| {
        if let Some(f) = opts
            .prepare
            .filter(|_| early == (total < PREPARE_EARLY_BELOW))
        {
            std::thread::spawn(f);
        }
    };
    prepare(true);
    let counter = Arc::new(AtomicU64::new(0));
    let progress = crate::report::progress::Progress::start(opts.progress, total, counter.clone());
    // each input's held membership changes are folded into one store as the input ends
    // (`Deferred::absorb`), not kept apart until every input is read
    let held = std::sync::Mutex::new(defer::Deferred::default());
    allocator::purge_freed_memory(allocator::PurgeDelay::WhileReading);
    let results: Vec<Result<_, InputError>> = inputs
        .par_iter()
        .map(|i| {
            let r = match read_one(i, opts, counter.clone()) {
                Ok(r) => r,
                // a file found in a folder that holds no record (PowerShell's export of nothing:
                // a byte-order mark, `[]`, an empty page) is passed over, as an empty one is;
                // named on the command line, it is refused
                Err(e) => {
                    let folder = match i {
                        InputPath::File(p) => walked.get(p),
                        InputPath::Stdin => None,
                    };
                    return match (folder, passed_over_why(&e)) {
                        (Some(f), Some(why)) => {
                            Ok(Err((f.clone(), PathBuf::from(i.display()), why)))
                        }
                        (Some(f), None) => Err(e.found_in_folder(f)),
                        _ => Err(e),
                    };
                }
            };
            held.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .absorb(r.deferred)
                .map_err(held_store_error)?;
            Ok(Ok((r.report, r.events, r.snapshot, r.users)))
        })
        .collect();
    progress.finish();
    allocator::purge_freed_memory(allocator::PurgeDelay::AfterReading);
    prepare(false);
    let held = held
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = Ingested::default();
    let mut parts = Vec::with_capacity(results.len());
    // every user in one vector of exactly their number, each input's vectors given back as they
    // are copied ([`CHUNK_USERS`])
    let users: usize = results
        .iter()
        .flatten()
        .flatten()
        .map(|(_, _, _, u)| u.iter().map(Vec::len).sum::<usize>())
        .sum();
    out.snapshot.users.reserve_exact(users);
    // every input that cannot be read is named in the one error, not one per run
    if results.iter().filter(|r| r.is_err()).count() > 1 {
        let errors: Vec<InputError> = results.into_iter().filter_map(Result::err).collect();
        if let Some(e) = InputError::several(errors) {
            return Err(e);
        }
        return Err(no_files(&passed_over));
    }
    for r in results {
        let (report, events, snap, users) = match r? {
            Ok(read) => read,
            Err(passed) => {
                passed_over.push(passed);
                continue;
            }
        };
        out.inputs.push(report);
        parts.extend(events);
        for u in users {
            out.snapshot.users.extend(u);
        }
        gather(&mut out.snapshot.groups, snap.groups);
        gather(&mut out.snapshot.skus, snap.skus);
        gather(&mut out.snapshot.memberships, snap.memberships);
        gather(&mut out.snapshot.reported_errors, snap.reported_errors);
        gather(&mut out.snapshot.listed, snap.listed);
    }
    if out.inputs.is_empty() {
        return Err(no_files(&passed_over));
    }
    // what a folder held that is not read is said on the first input read from it (else the
    // first input), in every report and on standard error, as a note that names the folder
    // (not after the input's path: the input is not what it is about)
    for (folder, entries) in by_folder(&passed_over) {
        let at = out
            .inputs
            .iter()
            .position(|r| Path::new(&r.path).starts_with(&folder))
            .unwrap_or(0);
        let Some(r) = out.inputs.get_mut(at) else {
            continue;
        };
        let (quiet, loud): (Vec<_>, Vec<_>) = entries
            .into_iter()
            .partition(|(_, why)| source::LOSES_NOTHING.contains(why));
        if !quiet.is_empty() {
            r.passed_over.push(source::folder_note(&folder, &quiet));
        }
        if !loud.is_empty() {
            r.folder_notes.push(r.notes.len());
            r.notes.push(source::folder_note(&folder, &loud));
        }
    }
    one_snapshot(&out.snapshot)?;
    snapshot::resolve_part_numbers(&mut out.snapshot);
    list_agrees(&out.snapshot)?;
    // each file's repeated users: how many, and the first (said in a note, as a repeated group is)
    let mut repeats: Vec<(usize, bool, u64, RepeatedUser)> = Vec::new();
    for u in consolidate(&mut out.snapshot)? {
        if let Some(i) = out.inputs.iter().position(|r| *r.path == *u.file) {
            let r = &mut out.inputs[i];
            let across = u.across.is_some();
            r.snapshot_records = r.snapshot_records.saturating_sub(1);
            let reason = if across {
                REPEATED_USER_ACROSS
            } else {
                REPEATED_USER
            };
            *r.skipped.entry(reason.into()).or_default() += 1;
            match repeats
                .iter_mut()
                .find(|(at, a, _, _)| *at == i && *a == across)
            {
                Some((_, _, n, _)) => *n += 1,
                None => repeats.push((i, across, 1, u)),
            }
        }
    }
    for (i, _, n, u) in repeats {
        let s = if n == 1 { "" } else { "s" };
        let note = match &u.across {
            Some(other) => format!(
                "{n} user{s} also read from {other} (the same ids and license errors: one \
                 snapshot given twice, or in two formats) skipped here, the copy with the most \
                 license states used (first: {}: user {}, read from {other}'s record {})",
                u.at, u.who, u.first
            ),
            None => format!(
                "{n} user{s} listed again in the file (an id read before, with the same license \
                 errors) skipped, the copy with the most license states read (first: {}: user {}, \
                 first read in record {})",
                u.at, u.who, u.first
            ),
        };
        out.inputs[i].notes.push(note);
    }
    hold_listed(&mut out)?;
    license_states_exported(&mut out)?;
    note_skipped_snapshot_records(&mut out);
    name_reported_users(&mut out);
    snapshot::nesting::nest_group_members(&mut out.snapshot);
    // every input is read: the workers' buffers of folded text (held to the end, they were 5.6 MB
    // a thread at a 100k-user tenant's peak) and their sets of shared values go
    rayon::broadcast(|_| release_thread_caches());
    release_thread_caches();
    // the events read, before the held changes that come back are appended
    let read: usize = parts.iter().map(Vec::len).sum();
    let mut back = Vec::new();
    if held.len() > 0 {
        // every input is read: the licensing groups are known, their membership changes are events
        let licensing = defer::licensing_groups(&parts, &out.snapshot);
        let users = defer::ErrorUsers::collect(&parts, &out.snapshot, &held);
        let r = held.resolve(&licensing, &users).map_err(held_store_error)?;
        back = r.events;
        out.snapshot.identities = r.identities;
        // the store's tables are freed: their pages go back before the events are gathered
        allocator::release_freed_memory();
    }
    // every event in one vector, sized once: the changes that came back are counted before it is
    // (appended to a full vector, they grew it by doubling, and the copy held two vectors of every
    // event at once: the run's peak for many inputs). The first vector is moved, not copied (a
    // small input's only one); the others, an input's vectors of `CHUNK_EVENTS` and other
    // inputs', are copied one by one, each given back to the OS once copied, so that the events
    // are held about once, not twice, while they are gathered.
    let mut parts = parts.into_iter().filter(|p| !p.is_empty());
    let large =
        |p: &Vec<AuditEvent>| p.capacity() * std::mem::size_of::<AuditEvent>() >= RELEASE_FROM;
    out.events = parts.next().unwrap_or_default();
    let first_large = large(&out.events);
    out.events
        .reserve_exact(read + back.len() - out.events.len());
    if first_large {
        // the first input's vector, if the reserve moved it
        allocator::release_freed_memory();
    }
    for p in parts {
        let freed_large = large(&p);
        out.events.extend(p);
        if freed_large {
            // the input's vector is freed: its pages go back now, before the next is copied
            allocator::release_freed_memory();
        }
    }
    out.events.extend(back);
    sort_events(&mut out.events, read);
    // a record read twice (overlapping exports, the same file given twice) is kept once, before the
    // chunks of split operations are merged (a repeated chunk is not merged twice)
    let unsure: Vec<_> = out
        .inputs
        .iter()
        .filter_map(repeats::UnsureDates::of)
        .collect();
    let repeated = repeats::drop_repeated_records(&mut out.events, &unsure);
    // then the copies that no record id can tell: an admin-center CSV (no id column) beside a
    // Graph export of the same days
    let copied = crossformat::drop_cross_format_copies(&mut out.events, &out.inputs);
    let absorbed = normalize::merge::merge_sequences(&mut out.events);
    if !opts.keep_all {
        // the chunks held for the merge ([`settle`]) whose operation is still not kept once
        // whole: counted, as the read counts an event that is not kept (its records and events
        // are already in its input's numbers)
        out.events.retain(AuditEvent::is_kept);
    }
    if opts.compact {
        // the chunks of split operations are merged (a merged event's sequence is cleared): they
        // need their properties no longer
        for e in out.events.iter_mut() {
            e.compact();
        }
    }
    // each input by its path (the first, if two have the same): a search through the inputs for
    // every event cost (events x inputs) string comparisons, for thousands of blobs
    let mut by_path: HashMap<String, usize> = HashMap::default();
    for (i, r) in out.inputs.iter().enumerate() {
        by_path.entry(r.path.clone()).or_insert(i);
    }
    let by_path = |file: &str| by_path.get(file).copied();
    for file in repeated.files {
        if let Some(r) = by_path(&file).and_then(|i| out.inputs.get_mut(i)) {
            r.unkeep(REPEATED_RECORD);
        }
    }
    for file in copied {
        if let Some(r) = by_path(&file).and_then(|i| out.inputs.get_mut(i)) {
            r.unkeep(REPEATED_EVENT);
        }
    }
    for c in repeated.contradicted {
        if let Some(r) = by_path(&c.file).and_then(|i| out.inputs.get_mut(i)) {
            r.notes.push(c.note());
            r.misread_dates = true;
        }
    }
    for (chunk, _into) in absorbed {
        if let Some(r) = by_path(&chunk.file).and_then(|i| out.inputs.get_mut(i)) {
            r.unkeep("merged sequence chunk");
        }
    }
    for e in &out.events {
        if !e.is_licensing() {
            continue;
        }
        if let Some(r) = by_path(&e.source.file).and_then(|i| out.inputs.get_mut(i)) {
            *r.licensing
                .entry(e.activity.name().to_string())
                .or_default() += 1;
        }
    }
    siblings::note_missing_updates(&out.events, &mut out.inputs, by_path);
    if let Some((path, detail)) =
        untargeted::note_untargeted(&out.events, &mut out.inputs, by_path, opts.strict)
    {
        return Err(InputError::Strict { path, detail });
    }
    Ok(out)
}

/// Why an input found in a folder that could not be read is passed over, if it is: a file
/// PowerShell wrote for an export of nothing (a byte-order mark alone, `[]`, `{"value":[]}`), or
/// a licensing script's report of names or counts ([`OTHER_REPORTS`], named as what it is).
fn passed_over_why(e: &InputError) -> Option<&'static str> {
    match e {
        InputError::Unusable { found, .. } => [NO_TEXT, ONLY_WHITE_SPACE, NO_RECORDS, EMPTY_PAGE]
            .into_iter()
            .find(|w| found == w)
            .map(|_| {
                "holds no record (a byte-order mark or white space alone, `[]`, an empty page)"
            })
            .or_else(|| {
                OTHER_REPORTS
                    .iter()
                    .map(|(what, _)| *what)
                    .find(|what| found.starts_with(what))
            }),
        _ => None,
    }
}

const NO_TEXT: &str = "an empty file";
const ONLY_WHITE_SPACE: &str = "only white space";
const NO_RECORDS: &str = "JSON with no records";
const EMPTY_PAGE: &str = "a page with no records";

/// The passed-over entries by the folder they were found in, in the order first met.
fn by_folder(
    passed_over: &[(PathBuf, PathBuf, &'static str)],
) -> Vec<(PathBuf, Vec<(PathBuf, &'static str)>)> {
    let mut out: Vec<(PathBuf, Vec<(PathBuf, &'static str)>)> = Vec::new();
    for (folder, entry, why) in passed_over {
        match out.iter_mut().find(|(f, _)| f == folder) {
            Some((_, v)) => v.push((entry.clone(), why)),
            None => out.push((folder.clone(), vec![(entry.clone(), why)])),
        }
    }
    out
}

/// The skip reason of a CSV header line met again in the file (exports joined with `cat`).
pub const REPEATED_HEADER: &str = "repeated header line (exports joined)";

/// The skip reason of an event whose record is kept from another copy
/// ([`repeats::drop_repeated_records`]): not always a later one, as the copy worth most is kept.
pub const REPEATED_RECORD: &str = "repeated record (same record id and activity as the copy kept)";

/// The skip reason of an event whose copy from an export without record ids (or beside one) is
/// kept ([`crossformat::drop_cross_format_copies`]): the same correlation id, activity, first
/// target and time to the second, counted as a multiset.
pub const REPEATED_EVENT: &str = "repeated record (same correlation id, activity, first target and second as a copy kept; no record id to compare)";

/// An error of the temporary file that holds membership changes back.
fn held_store_error(source: std::io::Error) -> InputError {
    InputError::Io {
        path: "(temporary file of held-back membership changes)".into(),
        source,
    }
}

/// The size of a freed vector of events worth giving back to the OS at once (1 MiB: about 4,000
/// events; a storage container's hourly blobs hold fewer, and are not worth a collection each).
const RELEASE_FROM: usize = 1 << 20;

/// Gives back what this thread kept for reading: its buffer of folded text and its sets of shared
/// ids, names, license sets, plan lists and error texts. Each set holds every distinct value its
/// thread read (the ids of a 100k-user tenant: about 100k entries a thread) for the read's sake
/// only; the values stay where the events and the snapshot hold them, and a later read builds the
/// sets again.
fn release_thread_caches() {
    prefilter::release_buffers();
    crate::model::ids::forget_shared();
    crate::normalize::licenses::forget_shared();
    crate::model::license::forget_shared_errors();
    crate::model::event::forget_shared_actors();
    crate::normalize::errors::forget_memo();
    snapshot::fields::forget_shared();
}

/// Sorts events by time, then file and record, given that `events[..read]` were read and the
/// rest came back from the held changes. In place: a stable sort's buffer holds half the events
/// again (37 MB at 1M records); the key is unique per record (a file's records are numbered), so
/// the order is the one a stable sort gives.
///
/// Each part is sorted on its own (a part read in order is one run, which the sort only checks),
/// then the few events that came back are merged in from the end. Sorting the whole vector at
/// once moved every event (384 bytes then) about log n times: the held changes that come back
/// break the read events' single run.
fn sort_events(events: &mut Vec<AuditEvent>, read: usize) {
    let by_key = |a: &AuditEvent, b: &AuditEvent| a.reading_key().cmp(&b.reading_key());
    let read = read.min(events.len());
    events[..read].sort_unstable_by(by_key);
    events[read..].sort_unstable_by(by_key);
    let in_order = match (read.checked_sub(1).map(|i| &events[i]), events.get(read)) {
        (Some(last), Some(next)) => by_key(last, next).is_le(),
        _ => true,
    };
    if in_order {
        return;
    }
    let mut back = events.split_off(read);
    // the slots the merge fills from the end hold placeholders until then: `[i, k)` is always
    // placeholders, a read event moves up by a swap, one that came back by an assignment
    // (which drops the placeholder)
    let Some(placeholder) = back.first().map(|e| AuditEvent {
        time: e.time,
        activity: crate::model::Activity::Other("".into()),
        category: None,
        result: crate::model::Outcome::Unknown,
        correlation_id: None,
        record_id: None,
        record_key: None,
        actor: crate::model::Actor::GroupBasedLicensing,
        targets: Box::default(),
        licenses: None,
        extra: Default::default(),
        source: e.source.clone(),
    }) else {
        return;
    };
    let len = read + back.len();
    events.resize(len, placeholder);
    let (mut i, mut k) = (read, len);
    while let Some(b) = back.last() {
        if i > 0 && by_key(&events[i - 1], b).is_gt() {
            events.swap(i - 1, k - 1);
            i -= 1;
        } else if let Some(b) = back.pop() {
            events[k - 1] = b;
        }
        k -= 1;
    }
}

/// One object per id across inputs: the same user or group can come from several files (a users page
/// and a JSON Lines copy, groups from JSON and from `GroupLicenses.csv`). Users keep the copy with the
/// most license states; groups are unioned (licenses by SKU, members, first known value of each field).
/// Appends `more` to `all`, moving it when `all` is empty (the one snapshot input of a run): a
/// copy held a 100k-user snapshot's users twice for a moment, 22 MB.
fn gather<T>(all: &mut Vec<T>, more: Vec<T>) {
    if all.is_empty() {
        *all = more;
    } else {
        all.extend(more);
    }
}

/// Users read more than once (the same id in two inputs, or twice in one): the first place is
/// kept, holding the copy with the most license states (the first of those). Done in place: a new
/// vector of every user held them twice for a moment (22 MB at 100k users), for repeats that are
/// usually none. Two copies in one file with different license errors are refused, as two files'
/// are ([`one_snapshot`]): which one holds would depend on the records' order. Gives the file of
/// each copy dropped from its own file (a copy of a user read in the same file before), counted
/// there as skipped ([`REPEATED_USER`]); a copy in another file is the same snapshot read again.
fn dedup_users(
    users: &mut Vec<crate::model::snapshot::User>,
) -> Result<Vec<RepeatedUser>, InputError> {
    use crate::model::hash::HashMap;
    use std::collections::hash_map::Entry;
    // id -> (first place, place of the copy kept)
    let mut first: HashMap<&crate::model::ObjectId, (usize, usize)> = HashMap::default();
    let mut repeats = Vec::new();
    let mut same_file = Vec::new();
    for (i, u) in users.iter().enumerate() {
        match first.entry(&u.id) {
            Entry::Occupied(mut o) => {
                // another file's copy with other errors: another snapshot ([`one_snapshot`]); a
                // copy without license states (a users page read without them) tells nothing
                let f = &users[o.get().0];
                // each copy by its own UPN: two users may share an id (two tenants' exports
                // joined, or an edited file), and naming one for both misleads
                let upn_of = |x: &crate::model::snapshot::User| {
                    x.upn
                        .as_deref()
                        .map_or_else(String::new, |upn| format!(" ({upn})"))
                };
                if f.source.file == u.source.file {
                    let (ef, eu) = (user_errors(f), user_errors(u));
                    if ef != eu {
                        let show = |e: &[(String, String)]| {
                            if e.is_empty() {
                                "no license error".to_string()
                            } else {
                                e.iter()
                                    .map(|(s, c)| format!("{c} on {s}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        };
                        return Err(InputError::Unusable {
                            path: u.source.file.to_string(),
                            found: format!(
                                "user id {} twice with different license errors: record {}{} \
                                 has {}, record {}{} has {}",
                                u.id,
                                f.source.record,
                                upn_of(f),
                                show(&ef),
                                u.source.record,
                                upn_of(u),
                                show(&eu)
                            ),
                            expected: if f.upn != u.upn {
                                "one user per id: two objects with one id and different UPNs are \
                                 not copies of one user (a file edited or generated by hand, or \
                                 exports of two tenants joined); export the users again"
                            } else {
                                "each user once (one export; two exports joined into one file are \
                                 two snapshots: give each its own file and compare them with \
                                 `licdiag diff OLD NEW`)"
                            }
                            .into(),
                        });
                    }
                    same_file.push(RepeatedUser::of(u, f, None));
                }
                if f.source.file != u.source.file
                    && !f.license_states.is_empty()
                    && !u.license_states.is_empty()
                    && user_errors(f) != user_errors(u)
                {
                    return Err(second_snapshot(
                        &u.source.file,
                        &f.source.file,
                        format!(
                            "the license errors of user id {} differ (record {}{} of one, record \
                             {}{} of the other)",
                            u.id,
                            f.source.record,
                            upn_of(f),
                            u.source.record,
                            upn_of(u)
                        ),
                    ));
                }
                if f.source.file != u.source.file {
                    // the same user in another input: one copy is used, this one is counted there
                    same_file.push(RepeatedUser::of(u, f, Some(f.source.file.clone())));
                }
                let kept = &mut o.get_mut().1;
                if u.license_states.len() > users[*kept].license_states.len() {
                    *kept = i;
                }
                repeats.push(i);
            }
            Entry::Vacant(v) => {
                v.insert((i, i));
            }
        }
    }
    if repeats.is_empty() {
        return Ok(same_file);
    }
    let moves: Vec<(usize, usize)> = first.into_values().filter(|(f, k)| f != k).collect();
    for (f, k) in moves {
        users.swap(f, k);
    }
    // `repeats` is ascending: drop those places
    let mut next = repeats.iter().peekable();
    let mut i = 0;
    users.retain(|_| {
        let repeat = next.next_if_eq(&&i).is_some();
        i += 1;
        !repeat
    });
    Ok(same_file)
}

/// A copy of a user dropped from its own file ([`dedup_users`]): where it was, who, and the record
/// the user was first read from, for the note that says so.
#[derive(Debug)]
struct RepeatedUser {
    file: FileName,
    at: String,
    who: String,
    first: u64,
    /// The other input the user was first read from, for a copy in another input.
    across: Option<FileName>,
}

impl RepeatedUser {
    /// `u`, a copy of the user `f` read first (`across`: `f`'s input, when it is another).
    fn of(
        u: &crate::model::snapshot::User,
        f: &crate::model::snapshot::User,
        across: Option<FileName>,
    ) -> RepeatedUser {
        RepeatedUser {
            file: u.source.file.clone(),
            at: u.source.place(),
            who: match u.upn.as_deref() {
                Some(upn) => format!("{upn} ({})", u.id),
                None => u.id.to_string(),
            },
            first: f.source.record,
            across,
        }
    }
}

/// The skip reason of a user read again in another input (the same snapshot given twice, or in
/// two formats): one copy is used ([`dedup_users`]).
pub const REPEATED_USER_ACROSS: &str = "repeated user (read from another input too; one copy used)";

/// The skip reason of a user read again in the same file with the same license errors
/// ([`dedup_users`]).
pub const REPEATED_USER: &str =
    "repeated user (same id and license errors as one read before in the file)";

/// Refuses two different snapshots given together (two days' exports, say): merged, the older
/// one's seats and errors would stand beside the newer one's, in an order the arguments decide.
/// Told by a product whose seat counts differ between two files, or a user whose errors do
/// ([`dedup_users`], which meets the users read twice anyway); the same snapshot given twice, or
/// in two formats, is one.
fn one_snapshot(snap: &Snapshot) -> Result<(), InputError> {
    use crate::model::hash::HashMap;
    let mut skus: HashMap<&crate::model::SkuId, &crate::model::snapshot::SubscribedSku> =
        HashMap::default();
    for s in &snap.skus {
        let Some(first) = skus.get(&s.sku_id).copied() else {
            skus.insert(&s.sku_id, s);
            continue;
        };
        let counts = |k: &crate::model::snapshot::SubscribedSku| {
            (k.enabled, k.warning, k.suspended, k.consumed)
        };
        if first.source.file != s.source.file && counts(first) != counts(s) {
            let name = s
                .part_number
                .clone()
                .unwrap_or_else(|| s.sku_id.to_string());
            return Err(second_snapshot(
                &s.source.file,
                &first.source.file,
                format!(
                    "{name} has {} enabled and {} consumed here, {} and {} there",
                    s.enabled, s.consumed, first.enabled, first.consumed
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses an error list that contradicts the users export beside it: a row naming a user, a
/// product and a group (by id, or by a name one group has) whose error is not the error the user's
/// license state of that product from that group shows (another error, or none). The list was
/// written at another time than the users (Microsoft's script reads the same
/// `licenseAssignmentStates`, so one run's list repeats them): read together, both errors would be
/// findings, in an order nothing decides, as two snapshots of different days would
/// ([`one_snapshot`]). A row whose user, product or group is not in the users export, or whose
/// user has no license state at all, is not compared.
fn list_agrees(snap: &Snapshot) -> Result<(), InputError> {
    use crate::model::snapshot::AssignedBy;
    if snap.reported_errors.is_empty() {
        return Ok(());
    }
    let users: HashMap<&crate::model::ObjectId, &crate::model::snapshot::User> = snap
        .users
        .iter()
        .filter(|u| !u.license_states.is_empty())
        .map(|u| (&u.id, u))
        .collect();
    for r in &snap.reported_errors {
        let (Some(uid), Some(sku)) = (&r.user_id, &r.sku_id) else {
            continue;
        };
        let Some(u) = users.get(uid) else { continue };
        let group = match &r.assigned_by {
            AssignedBy::Direct => None,
            AssignedBy::GroupId(g) => Some(g),
            AssignedBy::GroupName(n) => match snap.group_named_uniquely(n) {
                Some(g) => Some(g),
                None => continue,
            },
            AssignedBy::Unknown => continue,
        };
        let Some(st) = u
            .license_states
            .iter()
            .find(|s| &s.sku_id == sku && s.assigned_by_group.as_ref() == group)
        else {
            continue;
        };
        if st.error.as_ref() == Some(&r.cause) {
            continue;
        }
        let who = u.upn.as_deref().unwrap_or(u.id.as_str());
        let product = r.sku_part_number.clone().unwrap_or_else(|| sku.to_string());
        let from = match (&r.assigned_by, group) {
            (AssignedBy::GroupName(n), _) => format!("group {n}"),
            (_, Some(g)) => format!("group {g}"),
            _ => "a direct assignment".into(),
        };
        let there = match &st.error {
            Some(c) => c.code().to_string(),
            None => "no error".to_string(),
        };
        return Err(second_snapshot(
            &r.source.file,
            &u.source.file,
            format!(
                "an error list whose errors are not the users': {who} has {} on {product} from \
                 {from} here (record {}), {there} there (record {})",
                r.cause.code(),
                r.source.record,
                u.source.record
            ),
        ));
    }
    Ok(())
}

/// The skip reason of a subscribed product listed twice in one file for the same account, with the
/// same seats ([`sum_accounts`]).
pub const REPEATED_PRODUCT: &str =
    "repeated product (same skuId, account and seats as one read before)";

/// One product per `skuId` in one input's subscribedSkus: a tenant with several billing accounts
/// lists a product once per account (`id` `<account>_<skuId>`), and Entra assigns from all of
/// them, so their seats (enabled, warning, suspended, locked out) and consumed units are summed
/// into the first entry, which names every account; a note says so. An entry for the same
/// account (or none) with the same seats is the same entry again, counted as skipped
/// ([`REPEATED_PRODUCT`]); with other seats it is summed too.
fn sum_accounts(skus: &mut Vec<crate::model::snapshot::SubscribedSku>, report: &mut InputReport) {
    use crate::model::hash::HashMap;
    let mut first: HashMap<crate::model::SkuId, usize> = HashMap::default();
    // each entry as read (product, accounts, seats): the same again is a repeat, not a sum
    let mut seen = crate::model::hash::HashSet::default();
    let mut keep = vec![true; skus.len()];
    let mut summed: Vec<usize> = Vec::new();
    // the entries skipped as repeats: how many, and the first
    let mut repeated: Option<(u64, String)> = None;
    for i in 0..skus.len() {
        let k = &skus[i];
        let entry = (
            k.sku_id.clone(),
            k.account_ids.clone(),
            (k.enabled, k.warning, k.suspended, k.locked_out, k.consumed),
        );
        let new = seen.insert(entry);
        let Some(&f) = first.get(&skus[i].sku_id) else {
            first.insert(skus[i].sku_id.clone(), i);
            continue;
        };
        keep[i] = false;
        let s = skus[i].clone();
        let t = &mut skus[f];
        if !new {
            report.snapshot_records = report.snapshot_records.saturating_sub(1);
            *report.skipped.entry(REPEATED_PRODUCT.into()).or_default() += 1;
            let (k, at) = (&skus[i], &skus[f]);
            let name = match &k.part_number {
                Some(p) => format!("{p} ({})", k.sku_id),
                None => k.sku_id.to_string(),
            };
            let line = k
                .source
                .line()
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            let first = format!(
                "record {}{line}: {name}, first read in record {}",
                k.source.record, at.source.record
            );
            repeated.get_or_insert((0, first)).0 += 1;
            continue;
        }
        t.enabled += s.enabled;
        t.warning += s.warning;
        t.suspended += s.suspended;
        t.locked_out += s.locked_out;
        t.consumed += s.consumed;
        for a in s.account_ids {
            if !t.account_ids.contains(&a) {
                t.account_ids.push(a);
            }
        }
        for p in s.service_plans {
            if !t.service_plans.iter().any(|x| x.plan_id == p.plan_id) {
                t.service_plans.push(p);
            }
        }
        if !summed.contains(&f) {
            summed.push(f);
        }
    }
    for f in summed {
        let s = &skus[f];
        let name = s
            .part_number
            .clone()
            .unwrap_or_else(|| s.sku_id.to_string());
        let accounts = if s.account_ids.len() > 1 {
            format!("{} billing accounts", s.account_ids.len())
        } else {
            "more than one entry".into()
        };
        report.notes.push(format!(
            "{name} ({}) is listed under {accounts}: their seats are summed ({} enabled, {} in \
             warning, {} suspended, {} consumed), as Entra assigns from all of them",
            s.sku_id, s.enabled, s.warning, s.suspended, s.consumed
        ));
    }
    if let Some((n, first)) = repeated {
        report.notes.push(format!(
            "{n} product entr{} listed again in the file (the same skuId, account and seats) \
             skipped (first: {first})",
            if n == 1 { "y" } else { "ies" }
        ));
    }
    let mut k = keep.iter();
    skus.retain(|_| k.next().copied().unwrap_or(true));
}

/// Reads the licenses a license list says users hold ([`crate::model::snapshot::ListedLicense`],
/// Microsoft's `UserLicenseAssignments` CSV, licensing.md §4) as their license states: one
/// `Active` state without an error per product and source (`User` = direct, a group by its name
/// or id as the groups export has it, with that group's disabled plans; §11), the product in the
/// user's `assignedLicenses`. A user the users export beside it holds is not read again (no
/// product counted twice): each listed license must be one of that user's states, without an
/// error, else the list was written at another time and is refused as a second snapshot
/// ([`list_agrees`] does so for its errors). A source whose group no groups export names is
/// held without a state (its group is unknown), said in a note on the list.
fn hold_listed(out: &mut Ingested) -> Result<(), InputError> {
    use crate::model::snapshot::{
        AssignedBy, AssignedSku, AssignmentState, LicenseAssignmentState, User,
    };
    use crate::model::ObjectId;
    let listed = std::mem::take(&mut out.snapshot.listed);
    if listed.is_empty() {
        return Ok(());
    }
    let snap = &mut out.snapshot;
    // a source's group: by id, or by the display name one group has
    // the groups by id and by display name (None: a name several groups have), once: a search
    // through the groups for every listed license was rows x groups
    let by_id: HashMap<&ObjectId, &crate::model::snapshot::Group> =
        snap.groups.iter().map(|g| (&g.id, g)).collect();
    let mut by_name: HashMap<&str, Option<&crate::model::snapshot::Group>> = HashMap::default();
    for g in &snap.groups {
        if let Some(d) = g.display_name.as_deref() {
            by_name
                .entry(d.trim())
                .and_modify(|x| *x = None)
                .or_insert(Some(g));
        }
    }
    let group_of = |by: &AssignedBy| -> Option<Option<&crate::model::snapshot::Group>> {
        match by {
            AssignedBy::Direct => Some(None),
            AssignedBy::GroupId(id) => by_id.get(id).copied().map(Some),
            AssignedBy::GroupName(n) => {
                if let Some(g) = ObjectId::parse(n).and_then(|id| by_id.get(&id).copied()) {
                    return Some(Some(g));
                }
                by_name.get(n.trim()).copied().flatten().map(Some)
            }
            AssignedBy::Unknown => None,
        }
    };
    let shown = |by: &AssignedBy| match by {
        AssignedBy::Direct => "a direct assignment".to_string(),
        AssignedBy::GroupId(g) => format!("group {g}"),
        AssignedBy::GroupName(n) => format!("group {n}"),
        AssignedBy::Unknown => "an unnamed group".to_string(),
    };
    let exported: HashMap<ObjectId, usize> = snap
        .users
        .iter()
        .enumerate()
        .filter(|(_, u)| !u.license_states.is_empty())
        .map(|(i, u)| (u.id.clone(), i))
        .collect();
    // user id -> (its place among the new users)
    let mut new_users: Vec<User> = Vec::new();
    let mut at: HashMap<ObjectId, usize> = HashMap::default();
    // file -> (sources held without a state, the first)
    let mut unnamed: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for l in &listed {
        if let Some(&i) = exported.get(&l.user_id) {
            let u = &snap.users[i];
            for by in &l.held_by {
                let Some(g) = group_of(by) else { continue };
                let gid = g.map(|g| &g.id);
                let st = u
                    .license_states
                    .iter()
                    .find(|s| s.sku_id == l.sku_id && s.assigned_by_group.as_ref() == gid);
                let there = match st {
                    // a list without errors says the state is there, not that it holds no error
                    Some(_) if !l.errors_listed => continue,
                    Some(s) => match &s.error {
                        None => continue,
                        Some(c) => format!("{} there", c.code()),
                    },
                    None => "no such license state there".to_string(),
                };
                let who = u
                    .upn
                    .as_deref()
                    .map_or_else(|| u.id.to_string(), str::to_string);
                let here = if l.errors_listed {
                    "holds {} from {} without an error here"
                } else {
                    "holds {} from {} here"
                };
                let product = l.sku_part_number.as_deref().unwrap_or(l.sku_id.as_str());
                let here = here
                    .replacen("{}", product, 1)
                    .replacen("{}", &shown(by), 1);
                return Err(second_snapshot(
                    &l.source.file,
                    &u.source.file,
                    format!(
                        "a license list whose licenses are not the users': {who} {here} (record \
                         {}), {there} (record {})",
                        l.source.record, u.source.record
                    ),
                ));
            }
            continue;
        }
        let i = *at.entry(l.user_id.clone()).or_insert_with(|| {
            new_users.push(User {
                id: l.user_id.clone(),
                upn: l.upn.as_deref().map(Into::into),
                display_name: l.display_name.as_deref().map(Into::into),
                account_enabled: None,
                usage_location: None,
                mail: None,
                proxy_addresses: Default::default(),
                on_premises_sync_enabled: None,
                assigned_licenses: Vec::new().into(),
                license_states: Vec::new().into(),
                source: l.source.clone(),
            });
            new_users.len() - 1
        });
        let u = &mut new_users[i];
        let mut states = u.license_states.to_vec();
        for by in &l.held_by {
            match group_of(by) {
                Some(g) => {
                    let gid = g.map(|g| g.id.clone());
                    if states
                        .iter()
                        .any(|s| s.sku_id == l.sku_id && s.assigned_by_group == gid)
                    {
                        continue;
                    }
                    let disabled = g
                        .and_then(|g| g.assigned_licenses.iter().find(|a| a.sku_id == l.sku_id))
                        .map(|a| a.disabled_plans.clone())
                        .unwrap_or_else(|| Vec::new().into());
                    states.push(LicenseAssignmentState {
                        sku_id: l.sku_id.clone(),
                        assigned_by_group: gid,
                        disabled_plans: disabled,
                        state: AssignmentState::Active,
                        error: None,
                        error_subcode: None,
                        last_updated: None,
                    });
                }
                None => {
                    let e = unnamed.entry(l.source.file.to_string()).or_insert_with(|| {
                        (
                            0,
                            format!(
                                "record {}: {} from {}",
                                l.source.record,
                                l.sku_id,
                                shown(by)
                            ),
                        )
                    });
                    e.0 += 1;
                }
            }
        }
        u.license_states = states.into();
        if !u.assigned_licenses.iter().any(|a| a.sku_id == l.sku_id) {
            let mut held = u.assigned_licenses.to_vec();
            // the product's plans as applied: those every source disables
            let mut srcs = u.license_states.iter().filter(|s| s.sku_id == l.sku_id);
            let disabled = match srcs.next() {
                Some(first) => first
                    .disabled_plans
                    .iter()
                    .filter(|p| srcs.clone().all(|s| s.disabled_plans.contains(p)))
                    .cloned()
                    .collect(),
                None => Vec::new().into(),
            };
            held.push(AssignedSku {
                sku_id: l.sku_id.clone(),
                disabled_plans: disabled,
            });
            u.assigned_licenses = held.into();
        }
    }
    // lists without a `LicenseErrors` column whose users no users export holds
    let unlisted_errors: crate::model::hash::HashSet<&ObjectId> = listed
        .iter()
        .filter(|l| !l.errors_listed)
        .map(|l| &l.user_id)
        .collect();
    let mut unchecked: BTreeMap<String, u64> = BTreeMap::new();
    for u in &new_users {
        if unlisted_errors.contains(&u.id) {
            *unchecked.entry(u.source.file.to_string()).or_default() += 1;
        }
    }
    snap.users.extend(new_users);
    for (file, n) in unchecked {
        if let Some(r) = out.inputs.iter_mut().find(|r| r.path == file) {
            r.notes.push(format!(
                "{n} user{} read from a license list without a `LicenseErrors` column: {} \
                 licenses are read as held without an error, and an error the list cannot show \
                 is not seen; export users with `{USERS_EXPORT}`, or run Microsoft's script that \
                 lists license errors",
                if n == 1 { "" } else { "s" },
                if n == 1 { "the user's" } else { "their" }
            ));
        }
    }
    for (file, (n, first)) in unnamed {
        if let Some(r) = out.inputs.iter_mut().find(|r| r.path == file) {
            r.notes.push(format!(
                "{n} license{} the list says {} held from a group no groups export names: read \
                 as held, from no known group (first: {first}); give the groups export \
                 (`Get-MgGroup -All -Property id,displayName,assignedLicenses`) beside it",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "are" },
            ));
        }
    }
    Ok(())
}

/// A note on each snapshot input with records skipped as malformed, naming the first and why:
/// a user skipped is in no finding (a DependencyViolation it holds is not in the report), so every
/// report says it in its notes, not standard error alone ([`InputReport::notes`]).
fn note_skipped_snapshot_records(out: &mut Ingested) {
    for r in out.inputs.iter_mut() {
        let Some(InputKind::Snapshot(kind)) = r.kind else {
            continue;
        };
        if r.malformed == 0 {
            continue;
        }
        // what a reader misses, said for the kind of export skipped from
        let missed = match kind {
            SnapshotKind::Users
            | SnapshotKind::LicenseErrorsCsv
            | SnapshotKind::AssignmentErrors => "a skipped user's license errors are not seen",
            SnapshotKind::Groups | SnapshotKind::GroupLicensesCsv => {
                "a skipped group's licenses and members are not seen"
            }
            SnapshotKind::SubscribedSkus => "a skipped product's seats are not judged",
            SnapshotKind::MembershipCsv => "a skipped row's membership is not seen",
        };
        let n = r.malformed;
        let first = r
            .issues
            .first()
            .map(|x| format!(" (first: {}: {}: {})", x.at(), x.reason, x.detail))
            .unwrap_or_default();
        r.notes.push(format!(
            "{n} record{} skipped as malformed{first}: {} in no finding of this report \
             ({missed}); `licdiag inspect` lists them, `--strict` makes them fatal",
            if n == 1 { "" } else { "s" },
            if n == 1 {
                "what it holds is"
            } else {
                "what they hold is"
            },
        ));
    }
}

/// The error of a second snapshot found in `file` beside `other` ([`one_snapshot`]).
fn second_snapshot(file: &str, other: &str, what: String) -> InputError {
    InputError::Unusable {
        path: file.to_string(),
        found: format!("a second snapshot beside {other}: {what}"),
        expected: "one snapshot per run (give `analyze` the files of one export, or compare two \
                   snapshots with `licdiag diff OLD NEW`)"
            .into(),
    }
}

/// A user's license errors, as (product, code) pairs in order: two copies of one user from one
/// snapshot have the same.
fn user_errors(u: &crate::model::snapshot::User) -> Vec<(String, String)> {
    let mut e: Vec<(String, String)> = u
        .license_states
        .iter()
        .filter_map(|st| {
            st.error
                .as_ref()
                .map(|c| (st.sku_id.to_string(), c.code().to_string()))
        })
        .collect();
    e.sort();
    e
}

/// The `Get-MgUser` line that exports users with what licdiag reads (README, "Producing the
/// inputs").
pub const USERS_EXPORT: &str = "Get-MgUser -All -Property id,displayName,userPrincipalName,\
accountEnabled,usageLocation,mail,proxyAddresses,onPremisesSyncEnabled,assignedLicenses,\
licenseAssignmentStates | ConvertTo-Json -Depth 10";

/// Licensed users (a product in `assignedLicenses`) without a single license state: Graph
/// returns `licenseAssignmentStates` only when it is selected (licensing.md §0.1), and a licensed
/// user always has one state per source of each product. Without them every license error is
/// unseen, and a run would call the tenant clean: when no licensed user has one, the users'
/// file is refused with the export that has them; when only some lack them, each file says how
/// many (a note in every report and on standard error).
fn license_states_exported(out: &mut Ingested) -> Result<(), InputError> {
    // beside an error list (the license-errors CSV, `assignmentErrors`), the users still give
    // usage locations, addresses and sync: read them, and say the errors come from the list
    let listed = !out.snapshot.reported_errors.is_empty();
    without_states(out, listed)?;
    let mut licensed = 0u64;
    // file -> (licensed users, of them without states, the first of those)
    let mut by_file: BTreeMap<&str, (u64, u64, Option<&crate::model::snapshot::User>)> =
        BTreeMap::new();
    for u in &out.snapshot.users {
        if u.assigned_licenses.is_empty() {
            continue;
        }
        licensed += 1;
        let f = by_file.entry(&u.source.file).or_default();
        f.0 += 1;
        if u.license_states.is_empty() {
            f.1 += 1;
            f.2.get_or_insert(u);
        }
    }
    let missing: u64 = by_file.values().map(|f| f.1).sum();
    if missing == 0 {
        return Ok(());
    }
    let name = |u: &crate::model::snapshot::User| {
        u.upn
            .as_deref()
            .map_or_else(|| u.id.to_string(), str::to_string)
    };
    if missing == licensed && !listed {
        let (file, (n, _, first)) = by_file
            .iter()
            .next()
            .map(|(f, v)| (*f, *v))
            .unwrap_or_default();
        let at = first
            .map(|u| format!(" (the first, {}, at record {})", name(u), u.source.record))
            .unwrap_or_default();
        return Err(InputError::Unusable {
            path: file.to_string(),
            found: format!(
                "users exported without their license states: {n} user{} with products in \
                 `assignedLicenses` and none with `licenseAssignmentStates`{at}, so no license \
                 error can be seen (Graph returns it only when selected)",
                if n == 1 { "" } else { "s" }
            ),
            expected: format!(
                "users with `licenseAssignmentStates`: export them with `{USERS_EXPORT}` (or \
                 `GET /users?$select=...,assignedLicenses,licenseAssignmentStates`)"
            ),
        });
    }
    let notes: Vec<(String, String)> = by_file
        .iter()
        .filter(|(_, v)| v.1 > 0)
        .map(|(f, (n, m, first))| {
            let eg = first
                .map(|u| format!(" (such as {}, record {})", name(u), u.source.record))
                .unwrap_or_default();
            let seen = if listed {
                "their license errors are those the error list names (one it does not list is not \
                 seen)"
            } else {
                "their license errors, if any, are not seen"
            };
            (
                f.to_string(),
                format!(
                    "{m} of {n} licensed users have no `licenseAssignmentStates`{eg}: {seen}; \
                     export users with `{USERS_EXPORT}`"
                ),
            )
        })
        .collect();
    for (file, note) in notes {
        if let Some(r) = out.inputs.iter_mut().find(|r| r.path == file) {
            r.notes.push(note);
        }
    }
    Ok(())
}

/// Users files none of whose users has `licenseAssignmentStates` nor `assignedLicenses`
/// ([`InputReport::without_states`]):
/// `Get-MgUser -All` without `-Property` (every property it did not select written `null`), a
/// default `GET /users` page, a group's `GET /groups/{id}/members` page. Read alone, they would
/// show a tenant without a single license error, whatever it holds, so the first is
/// refused with the export that has them, unless another users export has them (its users' states
/// are read; this file's users lack theirs) or an error list is given (the errors come from the
/// list): then each such file says so in a note.
fn without_states(out: &mut Ingested, listed: bool) -> Result<(), InputError> {
    let users = |r: &&InputReport| r.kind == Some(InputKind::Snapshot(SnapshotKind::Users));
    let stated = out
        .inputs
        .iter()
        .filter(users)
        .any(|r| r.without_states.is_none());
    let mut bare = out
        .inputs
        .iter_mut()
        .filter(|r| r.without_states.is_some())
        .peekable();
    let Some(first) = bare.peek() else {
        return Ok(());
    };
    if !stated && !listed {
        let (n, at) = first.without_states.clone().unwrap_or_default();
        return Err(InputError::Unusable {
            path: first.path.clone(),
            found: format!(
                "users exported without their licenses: {n} user{}, none with \
                 `licenseAssignmentStates` or `assignedLicenses` (absent or null; the first: \
                 {at}), so neither a product \
                 nor a license error can be seen, and a run would call the tenant clean: Graph \
                 returns `licenseAssignmentStates` and `assignedLicenses` only when selected \
                 (`Get-MgUser` without `-Property`, `GET /users` without `$select`, a group's \
                 `GET /groups/{{id}}/members` page)",
                if n == 1 { "" } else { "s" }
            ),
            expected: format!(
                "users with `licenseAssignmentStates`: export them with `{USERS_EXPORT}` (or \
                 `GET /users?$select=id,userPrincipalName,usageLocation,assignedLicenses,\
                 licenseAssignmentStates`)"
            ),
        });
    }
    let whence = if listed {
        "their license errors are those the error list names"
    } else {
        "a user no other users export holds shows no product and no license error"
    };
    for r in bare {
        let (n, at) = r.without_states.clone().unwrap_or_default();
        r.notes.push(format!(
            "{n} user{}, none with `licenseAssignmentStates` or `assignedLicenses` (first: \
             {at}): {whence}; \
             export users with `{USERS_EXPORT}`",
            if n == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

/// Merges what several inputs (or one) hold of one object; gives the files of the users dropped
/// as copies read before in their own file ([`dedup_users`]).
/// What the snapshot shows of the tenant's set-up that every report should say
/// ([`InputReport::group_notes`]): licensing groups with groups among their members, licensing groups
/// still processing, users licensed by groups with no usage location.
///
/// A licensing group (one with products) with groups among its first-level members: group-based
/// licensing applies to direct user members only (licensing.md §2, "only the immediate first-level
/// user members"), so the nested groups' members get none of its products. Said on the groups
/// file's input, as a reader of any report should know it (a user "in" the group without a license).
/// Called by the commands that report on the tenant (not `inspect`, which reports on the files).
pub fn note_setup(out: &mut Ingested) {
    // the groups' names by id, once (a search per nested group was quadratic in groups)
    let names: HashMap<&crate::model::ObjectId, &str> = out
        .snapshot
        .groups
        .iter()
        .filter_map(|g| Some((&g.id, g.display_name.as_deref()?)))
        .collect();
    let name_of = |id: &crate::model::ObjectId| {
        names
            .get(id)
            .map(|n| n.to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let notes: Vec<(String, String)> = out
        .snapshot
        .groups
        .iter()
        .filter(|g| !g.assigned_licenses.is_empty() && !g.nested_groups.is_empty())
        .map(|g| {
            let nested: Vec<String> = g.nested_groups.iter().map(name_of).collect();
            let n = nested.len();
            (
                g.source.file.to_string(),
                format!(
                    "licensing group {g} ({}) has {n} group{} among its members ({list}): \
                     group-based licensing applies to direct user members only, so the members of \
                     {list} get none of {g}'s products; add those users to {g} themselves, or \
                     license the nested group{}",
                    g.id,
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "" } else { "s" },
                    g = g.label(),
                    list = nested.join(", "),
                ),
            )
        })
        .collect();
    // a licensing group whose processing has not finished: its members' states may not be final
    let processing: Vec<(String, String)> = out
        .snapshot
        .groups
        .iter()
        .filter(|g| !g.assigned_licenses.is_empty())
        .filter_map(|g| {
            let state = g.processing_state.as_deref()?.trim();
            (!state.is_empty() && !state.eq_ignore_ascii_case("ProcessingComplete")).then(|| {
                (
                    g.source.file.to_string(),
                    format!(
                        "licensing group {} ({}) is in processing state {state:?}, not \
                         ProcessingComplete: its members' license states in this snapshot may not be \
                         final (errors still to come or to clear); take a new snapshot once it has \
                         finished (`licdiag timeline` shows runs over 24 hours, when a support ticket \
                         is due)",
                        g.label(),
                        g.id
                    ),
                )
            })
        })
        .collect();
    for (file, note) in notes
        .into_iter()
        .chain(processing)
        .chain(usage_location_notes(out))
    {
        if let Some(r) = out.inputs.iter_mut().find(|r| r.path == file) {
            r.group_notes.push(note);
        }
    }
    for (file, note) in duplicate_upn_notes(out) {
        if let Some(r) = out.inputs.iter_mut().find(|r| r.path == file) {
            r.notes.push(note);
        }
    }
}

/// The words every duplicate-UPN note holds ([`duplicate_upn_notes`]), by which `diff` finds them
/// among a side's input notes.
pub const DUPLICATE_UPN: &str = "held by more than one user object";

/// UPNs held by two or more user objects (distinct ids; compared trimmed, in any case), as an input
/// note ([`InputReport::notes`]) on the users file of each such UPN's first object. Entra keeps a UPN
/// unique among a tenant's users, so such an export mixes objects of different times (a user deleted
/// and re-created) or of different tenants. licdiag keeps users apart by object id (findings count
/// each object, their JSON and commands give its id, `diff` matches users by id), so the note says
/// that a text naming users by UPN names those objects alike. Copies of one id are
/// [`dedup_users`]'s, not this.
fn duplicate_upn_notes(out: &Ingested) -> Vec<(String, String)> {
    /// A UPN's objects: (the UPN as the first writes it, the first's file, their ids).
    type Holders<'a> = (&'a str, &'a str, Vec<&'a crate::model::ObjectId>);
    // UPN (trimmed, lower case) -> the objects holding it
    let mut by_upn: HashMap<String, Holders> = HashMap::default();
    for u in &out.snapshot.users {
        let Some(upn) = u.upn.as_deref().map(str::trim).filter(|x| !x.is_empty()) else {
            continue;
        };
        let e = by_upn
            .entry(upn.to_lowercase())
            .or_insert_with(|| (upn, &u.source.file, Vec::new()));
        if !e.2.contains(&&u.id) {
            e.2.push(&u.id);
        }
    }
    // per file: the UPNs held twice or more, in order
    let mut by_file: BTreeMap<&str, Vec<(String, Holders)>> = BTreeMap::new();
    for (key, (upn, file, ids)) in by_upn {
        if ids.len() > 1 {
            by_file
                .entry(file)
                .or_default()
                .push((key, (upn, file, ids)));
        }
    }
    by_file
        .into_iter()
        .map(|(file, mut dups)| {
            dups.sort_by(|a, b| a.0.cmp(&b.0));
            let n = dups.len();
            let (_, (upn, _, ids)) = &dups[0];
            let mut ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
            ids.sort();
            let ids = match ids.as_slice() {
                [init @ .., last] => format!("{} and {last}", init.join(", ")),
                [] => String::new(),
            };
            (
                file.to_string(),
                format!(
                    "{n} UPN{} {DUPLICATE_UPN} (such as {upn}: ids {ids}): a UPN is unique among a \
                     tenant's users, so the export mixes objects of different times (a user deleted \
                     and re-created?) or of different tenants; licdiag keeps users apart by object \
                     id (each object is its own user in the findings, whose JSON and commands give \
                     its id, and `licdiag diff` matches users by id), so a text that names users by \
                     UPN names those objects alike",
                    if n == 1 { " is" } else { "s are" },
                ),
            )
        })
        .collect()
}

/// How many users the group-based licensing requirement note names.
const GBL_NAMED: usize = 3;

/// The licensing requirement of group-based licensing (licensing.md §2: "Entra ID P1 (or M365
/// Business Premium / O365 E3/A3/G3 and higher) for every user who benefits from GBL"), as a set-up
/// note ([`InputReport::group_notes`]) on each users file: the users with a license state assigned by
/// a group (`assignedByGroup`) none of whose products (their license states' and
/// `assignedLicenses`') carries those rights ([`crate::knowledge::Knowledge::gbl_rights`]). A user
/// holding a product nothing describes is not judged (and counted in the note when it is said). A
/// note, not a finding: it is no license error and leaves the exit code alone. Called by `analyze`
/// once the knowledge tables are built (after `--redact`: the names are already the pseudonyms).
pub fn note_gbl_requirement(out: &mut Ingested, kb: &crate::knowledge::Knowledge) {
    use crate::knowledge::{GblRights, GBL_QUALIFYING, GBL_REQUIREMENT};
    // per users file: the users lacking the rights (labels), and those not judged
    let mut by_file: BTreeMap<String, (Vec<String>, usize)> = BTreeMap::new();
    // each product judged once: a tenant has a few dozen products and may have 100k users
    let mut judged: HashMap<&crate::model::SkuId, GblRights> = HashMap::default();
    for u in &out.snapshot.users {
        if !u
            .license_states
            .iter()
            .any(|s| s.assigned_by_group.is_some())
        {
            continue;
        }
        let rights: Vec<GblRights> = u
            .license_states
            .iter()
            .map(|s| &s.sku_id)
            .chain(u.assigned_licenses.iter().map(|a| &a.sku_id))
            .map(|s| *judged.entry(s).or_insert_with(|| kb.gbl_rights(s)))
            .collect();
        if rights.contains(&GblRights::Yes) {
            continue;
        }
        let e = by_file.entry(u.source.file.to_string()).or_default();
        if rights.contains(&GblRights::Unknown) {
            e.1 += 1;
        } else {
            e.0.push(
                u.upn
                    .as_deref()
                    .map(String::from)
                    .unwrap_or_else(|| u.id.to_string()),
            );
        }
    }
    for (file, (mut users, unknown)) in by_file {
        if users.is_empty() {
            continue;
        }
        users.sort();
        let n = users.len();
        let mut named: Vec<String> = users.into_iter().take(GBL_NAMED).collect();
        if n > GBL_NAMED {
            named.push(format!("{} more", n - GBL_NAMED));
        }
        let named = match named.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => String::new(),
        };
        let unjudged = match unknown {
            0 => String::new(),
            1 => "; 1 other user licensed by groups holds only products neither the catalog nor \
                  subscribedSkus describe, so was not judged"
                .to_string(),
            k => format!(
                "; {k} other users licensed by groups hold only products neither the catalog nor \
                 subscribedSkus describe, so were not judged"
            ),
        };
        let note = format!(
            "{n} user{} licensed by groups {} no product that carries group-based licensing rights ({named}): \
             {GBL_REQUIREMENT}; {GBL_QUALIFYING}. Give {} such a product (Entra ID P1, AAD_PREMIUM, is the \
             smallest), directly or through a group{unjudged}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "holds" } else { "hold" },
            if n == 1 { "that user" } else { "those users" },
        );
        if let Some(r) = out.inputs.iter_mut().find(|r| r.path == file) {
            r.group_notes.push(note);
        }
    }
}

/// Users who hold a product from a licensing group and have no usage location, per users file:
/// Entra gives them the directory's country, and the guide recommends setting the right usage
/// location before group-based licensing ("to comply with local laws and regulations").
fn usage_location_notes(out: &Ingested) -> Vec<(String, String)> {
    let mut by_file: BTreeMap<String, (usize, Option<String>)> = BTreeMap::new();
    // a license list's users ([`hold_listed`]): it has no usage-location column
    let lists: Vec<&str> = out
        .inputs
        .iter()
        .filter(|r| r.kind == Some(InputKind::Snapshot(SnapshotKind::LicenseErrorsCsv)))
        .map(|r| r.path.as_str())
        .collect();
    for u in &out.snapshot.users {
        if lists.contains(&&*u.source.file) {
            continue;
        }
        let from_group = u
            .license_states
            .iter()
            .any(|s| s.assigned_by_group.is_some());
        let blank = u
            .usage_location
            .as_deref()
            .is_none_or(|l| l.trim().is_empty());
        if from_group && blank {
            let e = by_file.entry(u.source.file.to_string()).or_default();
            e.0 += 1;
            if e.1.is_none() {
                e.1 = u
                    .upn
                    .as_deref()
                    .map(String::from)
                    .or(Some(u.id.to_string()));
            }
        }
    }
    by_file
        .into_iter()
        .map(|(file, (n, first))| {
            (
                file,
                format!(
                    "{n} user{} licensed by groups {} no usage location (such as {}): {} the \
                     directory's country, and a service that country does not allow fails with \
                     ProhibitedInUsageLocationViolation; the guide recommends setting the right usage \
                     location before group-based licensing (`Update-MgUser -UserId <user id> \
                     -UsageLocation <country code>`; for a user synced from on-premises AD, at \
                     the source)",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "has" } else { "have" },
                    first.unwrap_or_default(),
                    if n == 1 { "it gets" } else { "they get" },
                ),
            )
        })
        .collect()
}

/// Reported errors that name their user by display name only (office365itpros'
/// `DisplayName,AssignedByGroup,State,Error,SkuId`): joined to the snapshot's user of that
/// display name when exactly one has it, else keyed by the name itself (as a UPN would be), so
/// that each is counted as a user, not as a group-level error of nobody. A note on the list's
/// input says so (two users of one name are one).
fn name_reported_users(out: &mut Ingested) {
    use crate::model::hash::HashMap;
    if !out
        .snapshot
        .reported_errors
        .iter()
        .any(|r| r.user_id.is_none() && r.upn.is_none() && r.display_name.is_some())
    {
        return;
    }
    // display name (trimmed, any case) -> the one user of it (None: several)
    let mut by_name: HashMap<String, Option<crate::model::ObjectId>> = HashMap::default();
    for u in &out.snapshot.users {
        if let Some(n) = u.display_name.as_deref() {
            by_name
                .entry(n.trim().to_lowercase())
                .and_modify(|x| *x = None)
                .or_insert_with(|| Some(u.id.clone()));
        }
    }
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in &mut out.snapshot.reported_errors {
        if r.user_id.is_some() || r.upn.is_some() {
            continue;
        }
        let Some(name) = r.display_name.clone() else {
            continue;
        };
        let c = counts.entry(r.source.file.to_string()).or_default();
        match by_name.get(&name.trim().to_lowercase()).cloned().flatten() {
            Some(id) => {
                r.user_id = Some(id);
                c.0 += 1;
            }
            None => {
                r.upn = Some(name);
                c.1 += 1;
            }
        }
    }
    for (file, (joined, by_name_only)) in counts {
        if let Some(r) = out.inputs.iter_mut().find(|r| r.path == file) {
            r.notes.push(format!(
                "{} error row{} name{} the user by display name only: {joined} joined to the \
                 users export's user of that name, {by_name_only} counted by the name itself \
                 (two users of one name would be one; an export with `UserId` or \
                 `UserPrincipalName` tells them apart)",
                joined + by_name_only,
                if joined + by_name_only == 1 { "" } else { "s" },
                if joined + by_name_only == 1 { "s" } else { "" },
            ));
        }
    }
}

fn consolidate(snap: &mut Snapshot) -> Result<Vec<RepeatedUser>, InputError> {
    use crate::model::hash::HashMap;
    let repeated_users = dedup_users(&mut snap.users)?;
    let mut gseen: HashMap<crate::model::ObjectId, usize> = HashMap::default();
    let mut groups: Vec<crate::model::snapshot::Group> = Vec::with_capacity(snap.groups.len());
    for g in std::mem::take(&mut snap.groups) {
        let Some(&i) = gseen.get(&g.id) else {
            gseen.insert(g.id.clone(), groups.len());
            groups.push(g);
            continue;
        };
        let t = &mut groups[i];
        for l in g.assigned_licenses {
            if !t.assigned_licenses.iter().any(|x| x.sku_id == l.sku_id) {
                t.assigned_licenses.push(l);
            }
        }
        match (&mut t.members, g.members) {
            (Some(a), Some(b)) => {
                for m in b {
                    if !a.contains(&m) {
                        a.push(m);
                    }
                }
            }
            (a @ None, b) => *a = b,
            _ => {}
        }
        t.display_name = t.display_name.take().or(g.display_name);
        t.processing_state = t.processing_state.take().or(g.processing_state);
        t.security_enabled = t.security_enabled.or(g.security_enabled);
        t.membership_rule = t.membership_rule.take().or(g.membership_rule);
        t.on_premises_sync_enabled = t.on_premises_sync_enabled.or(g.on_premises_sync_enabled);
        t.mail = t.mail.take().or(g.mail);
        if t.group_types.is_empty() {
            t.group_types = g.group_types;
        }
        for p in g.proxy_addresses {
            if !t.proxy_addresses.contains(&p) {
                t.proxy_addresses.push(p);
            }
        }
    }
    snap.groups = groups;
    let mut kseen = crate::model::hash::HashSet::default();
    snap.skus.retain(|s| kseen.insert(s.sku_id.clone()));
    let mut mseen = crate::model::hash::HashSet::default();
    snap.memberships
        .retain(|m| mseen.insert((m.group_id.clone(), m.user_id.clone())));
    Ok(repeated_users)
}

#[cfg(test)]
mod delimiter_tests {
    use super::sniff_delimiter;

    #[test]
    fn the_separator_is_the_header_lines_most_common_outside_quotes() {
        for (head, want) in [
            (&b"a,b,c\n1;2;3;4"[..], b','),
            (b"a;b;c\n1,2", b';'),
            (b"\"a,b\";\"c,d\";e\n", b';'),
            (b"a\tb\tc\r\n", b'\t'),
            (b"#TYPE Selected.Foo\r\n\"a\";\"b\"\r\n", b';'),
            (b"\xef\xbb\xbf#TYPE X\na\tb\n", b'\t'),
            (b"single", b','),
            (b"", b','),
            (b"a;b,c,d", b','),
            (b"\r\n\n  \na;b;c\n", b';'),
            (b"\n#TYPE X\n\na\tb\n", b'\t'),
            (b"a;b;c\rd,e\r", b';'),
            (b"sep=;\na,b,c,d\n", b';'),
            (b"\xef\xbb\xbfSEP=,\r\na;b;c\r\n", b','),
            (b"sep=x\na;b\n", b','),
        ] {
            assert_eq!(
                sniff_delimiter(head),
                want,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }
}

#[cfg(test)]
mod consolidate_tests {
    use super::{dedup_users, read_inputs, ReadOptions, CHUNK_USERS};
    use crate::diagnose::testkit::{sku, user, E3};
    use crate::model::snapshot::{AssignmentState, LicenseAssignmentState, User};

    /// User `name` with `states` license states, labelled by its display name.
    fn copy(name: &str, label: &str, states: usize) -> User {
        let mut u = user(name);
        u.display_name = Some(label.to_string().into());
        u.license_states = (0..states)
            .map(|_| LicenseAssignmentState {
                sku_id: sku(E3),
                assigned_by_group: None,
                disabled_plans: Vec::new().into(),
                state: AssignmentState::Active,
                error: None,
                error_subcode: None,
                last_updated: None,
            })
            .collect();
        u
    }

    fn labels(users: &[User]) -> Vec<&str> {
        users
            .iter()
            .map(|u| u.display_name.as_deref().unwrap_or(""))
            .collect()
    }

    #[test]
    fn repeated_users_keep_the_first_place_and_the_copy_with_most_states() {
        let mut users = vec![
            copy("a", "a1", 1),
            copy("b", "b1", 2),
            copy("a", "a2", 3),
            copy("c", "c1", 0),
            copy("a", "a3", 3),
            copy("b", "b2", 2),
            copy("c", "c2", 1),
        ];
        dedup_users(&mut users).expect("one snapshot");
        // a: the second copy (3 states; the third has no more); b: the first (equal); c: the later
        assert_eq!(labels(&users), ["a2", "b1", "c2"]);
        let mut once = vec![copy("x", "x", 0), copy("y", "y", 1)];
        dedup_users(&mut once).expect("one snapshot");
        assert_eq!(labels(&once), ["x", "y"]);
        let mut none: Vec<User> = Vec::new();
        dedup_users(&mut none).expect("one snapshot");
        assert!(none.is_empty());
        // the same user in two files with other errors: two snapshots
        let in_file = |label: &str, file: &str, error: bool| {
            let mut u = copy("a", label, 1);
            u.source.file = file.into();
            if error {
                let mut states = u.license_states.to_vec();
                states[0].error = Some(crate::model::Cause::CountViolation);
                u.license_states = states.into();
            }
            u
        };
        let mut two = vec![
            in_file("a1", "old.json", true),
            in_file("a2", "new.json", false),
        ];
        let e = dedup_users(&mut two)
            .expect_err("two snapshots")
            .to_string();
        assert!(
            e.starts_with("new.json: a second snapshot beside old.json"),
            "{e}"
        );
        // the same errors in two files (one snapshot in two formats): not counted as a repeat of
        // the file
        let mut same = vec![
            in_file("a1", "old.json", true),
            in_file("a2", "new.json", true),
        ];
        let across = dedup_users(&mut same).expect("one snapshot");
        assert_eq!(
            across
                .iter()
                .map(|f| (f.file.as_str(), f.across.as_ref().map(|x| x.as_str())))
                .collect::<Vec<_>>(),
            [("new.json", Some("old.json"))]
        );
        // two copies in one file: the same errors are one user read twice, counted in its file;
        // other errors are refused, whichever comes first (the order must not decide)
        let mut one = vec![
            in_file("a1", "old.json", true),
            in_file("a2", "old.json", true),
        ];
        let files = dedup_users(&mut one).expect("one file");
        assert_eq!(
            files.iter().map(|f| f.file.as_str()).collect::<Vec<_>>(),
            ["old.json"]
        );
        for (first, second) in [(true, false), (false, true)] {
            let mut differ = vec![
                in_file("a1", "old.json", first),
                in_file("a2", "old.json", second),
            ];
            let e = dedup_users(&mut differ)
                .expect_err("differing copies in one file")
                .to_string();
            assert!(
                e.starts_with("old.json: user id u-a")
                    && e.contains("twice with different license errors")
                    && e.contains("record 1 (a@fabrikam.example) has")
                    && e.contains("licdiag diff"),
                "{e}"
            );
        }
    }

    /// Users past one sink vector ([`CHUNK_USERS`]), in two inputs: every user is gathered, in
    /// reading order (the first input's, then the second's), into one vector of exactly their
    /// number.
    #[test]
    fn users_read_in_many_vectors_are_gathered_in_order_into_one_of_their_number() {
        let page = |from: usize, n: usize| {
            let users: Vec<String> = (from..from + n)
                .map(|i| {
                    format!(
                        r#"{{"id":"00000000-0000-4000-8000-{i:012}","userPrincipalName":"u{i}@x.example","displayName":"u{i}","licenseAssignmentStates":[],"assignedLicenses":[]}}"#
                    )
                })
                .collect();
            format!(r#"{{"value":[{}]}}"#, users.join(",\n"))
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        let first = 2 * CHUNK_USERS + 5;
        std::fs::write(&a, page(0, first)).expect("write");
        std::fs::write(&b, page(first, 7)).expect("write");
        let got = read_inputs(&[a, b], &ReadOptions::default()).expect("read");
        let users = &got.snapshot.users;
        assert_eq!(users.len(), first + 7);
        assert_eq!(users.capacity(), users.len());
        let want: Vec<String> = (0..first + 7).map(|i| format!("u{i}")).collect();
        assert_eq!(labels(users), want);
        assert_eq!(got.inputs[0].snapshot_records, first as u64);
    }
}

#[cfg(test)]
mod parallel_tests {
    //! The parallel readers (JSON Lines and CSV slices) number records and lines as a sequential
    //! read would, across slice and block boundaries.
    use super::*;

    fn read(name: &str, text: &str, full_parse: bool) -> InputReport {
        read_bytes(name, text.as_bytes(), full_parse).expect("read")
    }

    fn read_bytes(name: &str, text: &[u8], full_parse: bool) -> Result<InputReport, InputError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        let opts = ReadOptions {
            full_parse,
            ..Default::default()
        };
        let mut got = read_inputs(&[p], &opts)?;
        Ok(got.inputs.remove(0))
    }

    fn graph(i: usize, activity: &str) -> String {
        format!(
            r#"{{"id":"Directory_{i}","category":"UserManagement","correlationId":"6043f0d7-2a8d-413d-8698-f2a61f579113","result":"success","resultReason":"","activityDisplayName":"{activity}","activityDateTime":"2026-10-01T00:{:02}:{:02}.5227865Z","loggedByService":"Core Directory","operationType":"Update","initiatedBy":{{"user":{{"id":"41c78aab-fd9b-48da-9c9e-47effec0d6ac","userPrincipalName":"a\"b@x.example"}}}},"targetResources":[{{"id":"b6e7e714-26b7-44a1-b8e3-730c8c8ddf28","type":"User","modifiedProperties":[{{"displayName":"LastDirSyncTime","oldValue":"[\"2026-09-30T03:02:01Z\"]","newValue":"[\"x\"]"}}]}}],"additionalDetails":[]}}"#,
            (i / 60) % 60,
            i % 60
        )
    }

    /// A CSV text's outcomes read with the scan ([`csvrows`]) and with the `csv` crate alone, both
    /// with the fast path.
    fn scanned_and_crate_read(text: &[u8]) -> Option<(String, String)> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut header = csv::StringRecord::new();
        r.read_record(&mut header).ok()?;
        let body = text.get(usize::try_from(r.position().byte()).ok()?..)?;
        let headers: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let shape = csv_shape(&headers)?;
        let keys = audit::header_keys(&headers);
        let read = |scan: bool| {
            let input = CsvInput {
                lean: false,
                fast: prefilter::CsvFast::new(&shape, &keys),
                row_columns: match &shape {
                    CsvShape::Audit(kind) => lightaudit::RowColumns::new(kind, &keys),
                    CsvShape::Snapshot(_) => None,
                },
                keys: keys.clone(),
                scan,
                delimiter: b',',
                single_line: single_line_columns(&shape, &headers),
                shape: shape.clone(),
                headers: headers.clone(),
                file: "t.csv".into(),
            };
            format!("{:?}", csv_slice(body, &input))
        };
        Some((read(true), read(false)))
    }

    const CSV_FIXTURES: [&str; 6] = [
        "fixtures/formats/log-analytics.csv",
        "fixtures/formats/portal.csv",
        "fixtures/formats/purview-classic.csv",
        "fixtures/formats/purview-new.csv",
        "fixtures/audit/log-analytics-missing-columns.csv",
        "fixtures/audit/portal-es.csv",
    ];

    #[test]
    fn scanned_rows_read_like_the_csv_crate() {
        for f in CSV_FIXTURES
            .into_iter()
            .chain(["fixtures/malformed/portal-wrong-field-count.csv"])
        {
            let text = std::fs::read(f).expect("fixture");
            let (scanned, by_crate) = scanned_and_crate_read(&text).expect(f);
            assert_eq!(scanned, by_crate, "{f}");
            // CR-only and CRLF line ends, blank lines
            let text = String::from_utf8_lossy(&text).replace('\n', "\r\n\r\n");
            let (scanned, by_crate) = scanned_and_crate_read(text.as_bytes()).expect(f);
            assert_eq!(scanned, by_crate, "{f} (CRLF)");
            let (scanned, by_crate) =
                scanned_and_crate_read(text.replace("\r\n", "\r").as_bytes()).expect(f);
            assert_eq!(scanned, by_crate, "{f} (CR)");
        }
    }

    proptest::proptest! {
        /// `sort_events` (each part sorted, the returned events merged in from the end) orders
        /// like a full sort by time, file and record, wherever the parts' events fall.
        #[test]
        fn events_sort_like_a_full_sort(
            keys in proptest::collection::vec((0i64..40, 0usize..2, proptest::bool::ANY), 0..70),
            split in 0usize..71,
        ) {
            use crate::diagnose::testkit::{add_member, admin};
            let files: [FileName; 2] = [FileName::from("b.json"), FileName::from("a.json")];
            let start = add_member("ana", "team", "2026-10-01T00:00:00Z", admin("zoe"));
            let mut events: Vec<AuditEvent> = keys
                .iter()
                .enumerate()
                .map(|(n, &(t, f, group))| {
                    let mut e = start.clone();
                    e.time += chrono::Duration::seconds(t);
                    e.source = SourceRef { file: files[f].clone(), record: n as u64, line: crate::model::event::Line::NONE };
                    if group {
                        e.targets = e.targets[..1].into(); // events that differ besides their keys
                    }
                    e
                })
                .collect();
            let mut want = events.clone();
            want.sort_by(|a, b| {
                (a.time, &a.source.file, a.source.record)
                    .cmp(&(b.time, &b.source.file, b.source.record))
            });
            sort_events(&mut events, split);
            proptest::prop_assert_eq!(events, want);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(600))]
        /// Export rows with bytes put in anywhere after the header (stray quotes, delimiters, line
        /// ends, invalid UTF-8) give the same outcomes, lines included, scanned or read by the crate.
        #[test]
        fn damaged_rows_read_like_the_csv_crate(
            file in 0..CSV_FIXTURES.len(),
            edits in proptest::collection::vec(
                (0.0..1.0f64, proptest::prop_oneof![
                    proptest::strategy::Just(&b"\""[..]), proptest::strategy::Just(&b","[..]),
                    proptest::strategy::Just(&b"\n"[..]), proptest::strategy::Just(&b"\r"[..]),
                    proptest::strategy::Just(&b"\"\""[..]), proptest::strategy::Just(&b"\xff"[..]),
                    proptest::strategy::Just(&b""[..]),
                ]),
                0..4,
            )
        ) {
            let mut text = std::fs::read(CSV_FIXTURES[file]).expect("fixture");
            let body = text.iter().position(|&c| c == b'\n').unwrap_or(0) + 1;
            for (at, bytes) in edits {
                let at = body + ((text.len() - body) as f64 * at) as usize;
                let at = at.min(text.len());
                if bytes.is_empty() {
                    text.remove(at.min(text.len() - 1)); // a byte dropped
                } else {
                    text.splice(at..at, bytes.iter().copied());
                }
            }
            let (scanned, by_crate) = scanned_and_crate_read(&text).expect("header");
            proptest::prop_assert_eq!(scanned, by_crate);
        }
    }

    #[test]
    fn prepare_runs_with_a_small_read_and_after_a_large_one() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static SMALL: AtomicUsize = AtomicUsize::new(0);
        static LARGE: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::tempdir().expect("tempdir");
        let small = dir.path().join("small.jsonl");
        std::fs::write(&small, graph(1, "Update user") + "\n").expect("write");
        // blank lines past the threshold: read quickly, and not a record among them
        let large = dir.path().join("large.jsonl");
        let mut text = graph(1, "Update user") + "\n";
        text.push_str(&"\n".repeat(PREPARE_EARLY_BELOW as usize));
        std::fs::write(&large, text).expect("write");
        for (path, count, f) in [
            (
                &small,
                &SMALL,
                (|| {
                    SMALL.fetch_add(1, Ordering::SeqCst);
                }) as fn(),
            ),
            (&large, &LARGE, || {
                LARGE.fetch_add(1, Ordering::SeqCst);
            }),
        ] {
            let opts = ReadOptions {
                prepare: Some(f),
                ..Default::default()
            };
            let read = read_inputs(std::slice::from_ref(path), &opts).expect("read");
            assert_eq!(read.inputs[0].records, 1);
            // on a thread of its own: waited for here, once
            let start = std::time::Instant::now();
            while count.load(Ordering::SeqCst) == 0 && start.elapsed().as_secs() < 60 {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            // and only once (not both before and after the read)
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert_eq!(count.load(Ordering::SeqCst), 1, "{}", path.display());
        }
    }

    /// Every fixture read through a memory map and with `read` (`--no-mmap`): the same records,
    /// reports (with the SHA-256 the provenance shows) and errors.
    #[test]
    fn mapped_and_streamed_reads_agree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        assert!(files.len() > 50, "{} fixtures", files.len());
        for f in files {
            let both: Vec<String> = [false, true]
                .into_iter()
                .map(|no_map| {
                    let opts = ReadOptions {
                        no_map,
                        hash_inputs: true,
                        ..Default::default()
                    };
                    match read_inputs(std::slice::from_ref(&f), &opts) {
                        Ok(got) => format!("{got:?}"),
                        Err(e) => format!("error: {e}"),
                    }
                })
                .collect();
            assert_eq!(both[0], both[1], "{}", f.display());
        }
    }

    #[test]
    fn several_large_files_read_at_once_finish() {
        // files are read on pool workers and each parses its slices on the same pool: the readers
        // must never block a worker outside rayon (this once deadlocked), so a hang is a failure
        let dir = tempfile::tempdir().expect("tempdir");
        let mut paths = Vec::new();
        for f in 0..4 {
            let text: String = (1..=12_000)
                .map(|i| {
                    graph(
                        i,
                        if i % 5 == 0 {
                            "Add member to group"
                        } else {
                            "Update user"
                        },
                    ) + "\n"
                })
                .collect();
            let p = dir.path().join(format!("{f}.jsonl"));
            std::fs::write(&p, text).expect("write");
            paths.push(p);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let got = read_inputs(&paths, &ReadOptions::default()).map(|d| d.inputs);
            let _ = tx.send(got.map(|i| i.iter().map(|r| r.records).collect::<Vec<_>>()));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("reading four files in parallel finishes")
            .expect("read");
        assert_eq!(got, vec![12_000; 4]);
    }

    #[test]
    fn json_lines_numbering_across_slices() {
        // ~4 MB: many slices; a broken record at line 3001 and a blank line at 1000
        let mut text = String::new();
        for i in 1..=5000 {
            match i {
                1000 => text.push_str("   \n"),
                3001 => text.push_str("{\"activityDisplayName\":\"Update user\",\"x\":\n"),
                _ if i % 7 == 0 => text.push_str(&(graph(i, "Change user license") + "\n")),
                _ => text.push_str(&(graph(i, "Update user") + "\n")),
            }
        }
        for full in [false, true] {
            let r = read("a.jsonl", &text, full);
            assert_eq!(r.records, 4999, "blank line is no record");
            assert_eq!(r.events, 4998);
            assert_eq!(r.issues.len(), 1);
            assert_eq!(r.issues[0].line, Some(3001));
            assert_eq!(
                r.issues[0].record, 3000,
                "record numbers skip the blank line"
            );
        }
    }

    #[test]
    fn records_past_the_light_size_read_as_with_the_full_parse() {
        // an audit record over `LIGHT_MAX` skips the fast path: it reads as the full parse reads
        // it, kept (a license change) or counted (an update), in a page and in JSON Lines
        let big = |i: usize, activity: &str| {
            graph(i, activity).replace(
                r#""additionalDetails":[]"#,
                &format!(
                    r#""additionalDetails":[{{"key":"note","value":"{}"}}]"#,
                    "x".repeat(LIGHT_MAX + 10)
                ),
            )
        };
        let recs = [
            graph(1, "Update user"),
            big(2, "Change user license"),
            big(3, "Update user"),
            graph(4, "Change user license"),
        ];
        assert!(!light_sized(recs[1].as_bytes()) && light_sized(recs[0].as_bytes()));
        let dir = tempfile::tempdir().expect("tempdir");
        let page = dir.path().join("page.json");
        std::fs::write(&page, format!("{{\"value\":[{}]}}", recs.join(",\n"))).expect("write");
        let lines = dir.path().join("lines.jsonl");
        std::fs::write(&lines, recs.join("\n")).expect("write");
        for p in [page, lines] {
            let read = |full_parse: bool| {
                let opts = ReadOptions {
                    full_parse,
                    compact: true,
                    ..Default::default()
                };
                let got = read_inputs(std::slice::from_ref(&p), &opts).expect("read");
                let r = &got.inputs[0];
                let counts = (r.records, r.events, r.skipped.clone(), r.licensing.clone());
                (got.events, counts)
            };
            let (fast, full) = (read(false), read(true));
            assert_eq!(fast.1, full.1, "{}", p.display());
            assert_eq!(fast.0, full.0, "{}", p.display());
            assert_eq!(fast.0.len(), 2, "{}: the two license changes", p.display());
            assert_eq!(fast.1 .0, 4);
        }
    }

    #[test]
    fn page_numbering_across_batches() {
        // 10,000 records, one a line: three batches of the page reader, the sink taking one batch
        // while the next is parsed; a scalar where record 9,001 belongs
        let mut text = String::from("{\"@odata.context\":\"x\",\"value\":[\n");
        for i in 1..=10_000 {
            let rec = match i {
                9001 => "42".to_string(),
                _ if i % 7 == 0 => graph(i, "Change user license"),
                _ => graph(i, "Update user"),
            };
            text.push_str(&rec);
            text.push_str(if i < 10_000 { ",\n" } else { "\n" });
        }
        text.push_str("]}\n");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("page.json");
        std::fs::write(&p, &text).expect("write");
        // mapped (records as ranges of the map) and read as a stream, fast path and full parse
        for (full_parse, no_map) in [(false, false), (true, false), (false, true), (true, true)] {
            let opts = ReadOptions {
                full_parse,
                no_map,
                ..Default::default()
            };
            let mut got = read_inputs(std::slice::from_ref(&p), &opts).expect("read");
            let r = got.inputs.remove(0);
            assert_eq!(r.records, 10_000);
            assert_eq!(r.events, 9_999);
            assert_eq!(r.issues.len(), 1);
            assert_eq!((r.issues[0].record, r.issues[0].line), (9001, Some(9002)));
        }
        let opts = ReadOptions {
            strict: true,
            ..Default::default()
        };
        match read_inputs(&[p], &opts) {
            Err(InputError::Strict { detail, .. }) => {
                assert!(detail.starts_with("record 9001 (line 9002)"), "{detail}")
            }
            other => panic!("expected the strict error, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn csv_numbering_across_slices_with_quoted_newlines() {
        let mut text = String::from("\u{feff}TenantId,SourceSystem,TimeGenerated [UTC],OperationName,Category,Result,ResultDescription,CorrelationId,Identity,TargetResources,ActivityDisplayName,ActivityDateTime [UTC]\n");
        let mut line = 2u64;
        let mut broken_line = 0;
        for i in 1..=6000u64 {
            if i == 4000 {
                // a row with fewer fields than the header
                broken_line = line;
                text.push_str("x,y\n");
                line += 1;
                continue;
            }
            let note = if i % 11 == 0 {
                "\"two\nlines, \"\"quoted\"\"\""
            } else {
                "plain"
            };
            text.push_str(&format!(
                "t,Azure AD,2026-10-05T07:{:02}:{:02}Z,Update user,UserManagement,success,{note},c{i},sync,[],Update user,2026-10-05T07:{:02}:{:02}Z\n",
                (i / 60) % 60, i % 60, (i / 60) % 60, i % 60
            ));
            line += if i % 11 == 0 { 2 } else { 1 };
        }
        for full in [false, true] {
            let r = read("la.csv", &text, full);
            assert_eq!(r.records, 6000);
            assert_eq!(r.events, 5999);
            assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
            assert_eq!(r.issues[0].record, 4000);
            assert_eq!(r.issues[0].line, Some(broken_line));
        }
    }

    const LA_HEADER: &str = "TenantId,SourceSystem,TimeGenerated [UTC],OperationName,Category,Result,ResultDescription,CorrelationId,Identity,TargetResources,ActivityDisplayName,ActivityDateTime [UTC]";

    fn la_row(i: u64) -> String {
        format!("t,Azure AD,2026-10-05T07:00:{:02}Z,Update user,UserManagement,success,plain,c{i},sync,[],Update user,2026-10-05T07:00:{:02}Z", i % 60, i % 60)
    }

    #[test]
    fn csv_headers_the_way_exports_write_them() {
        let rows: Vec<String> = (1..=3).map(la_row).collect();
        // CRLF, with a broken row: its line number is its own
        let crlf = format!(
            "{LA_HEADER}\r\n{}\r\n{}\r\nx,y\r\n{}\r\n",
            rows[0], rows[1], rows[2]
        );
        let r = read("crlf.csv", &crlf, false);
        assert_eq!((r.records, r.events), (4, 3));
        assert_eq!(r.issues[0].line, Some(4));
        // CR-only line ends (old Mac), a leading blank line, a PowerShell #TYPE line
        let cr = format!("{LA_HEADER}\r{}\r{}\r", rows[0], rows[1]);
        assert_eq!(read("cr.csv", &cr, false).events, 2);
        let blank = format!("\n{LA_HEADER}\n{}\n", rows[0]);
        assert_eq!(read("blank.csv", &blank, false).events, 1);
        let typed = format!(
            "#TYPE System.Management.Automation.PSCustomObject\n{LA_HEADER}\n{}\n{}",
            rows[0], rows[1]
        );
        let r = read("typed.csv", &typed, false);
        assert_eq!(r.events, 2, "the last row has no final newline");
    }

    #[test]
    fn csv_stray_quote_does_not_swallow_the_file() {
        // `5"` in an unquoted cell is a character to the csv crate; the parity cut must neither hang
        // nor lose the rows after it
        let mut text = format!("{LA_HEADER}\n");
        text.push_str("t,Azure AD,2026-10-05T07:00:00Z,Update user,UserManagement,success,5\" screen,c0,sync,[],Update user,2026-10-05T07:00:00Z\n");
        for i in 1..=20_000 {
            text.push_str(&la_row(i));
            text.push('\n');
        }
        let r = read("stray.csv", &text, false);
        assert_eq!(r.records, 20_001);
        assert_eq!(r.events + r.skipped_total(), 20_001);
        assert!(r.events >= 19_990, "{r:?}");
    }

    /// A cell that is not UTF-8 deep in a large CSV: the row is skipped as the file's record and
    /// line, and the detail names the field, not the position inside the slice the `csv` crate
    /// read (which contradicted the line), the same with the fast path and the full parse.
    #[test]
    fn a_csv_row_that_is_not_utf8_is_named_by_its_own_line() {
        let mut text = format!("{LA_HEADER}\n").into_bytes();
        for i in 1..=20_000 {
            let row = la_row(i);
            if i == 15_000 {
                // "plain" -> "pl\xE9in" in Windows-1252: the seventh field
                text.extend_from_slice(row.replace("plain", "pl#in").as_bytes());
                let at = text.len() - row.len() + row.find("plain").expect("cell") + 2;
                text[at] = 0xE9;
            } else {
                text.extend_from_slice(row.as_bytes());
            }
            text.push(b'\n');
        }
        for full_parse in [false, true] {
            let r = read_bytes("latin.csv", &text, full_parse).expect("read");
            assert_eq!(
                (r.records, r.events, r.skipped_total()),
                (20_000, 19_999, 1)
            );
            let issue = &r.issues[0];
            assert_eq!(
                (issue.record, issue.line),
                (15_000, Some(15_001)),
                "{issue:?}"
            );
            assert_eq!(
                issue.detail,
                "field 7 is not valid UTF-8 (after its first 2 bytes): the file may be in another \
                 encoding; re-export it as UTF-8"
            );
        }
    }

    /// A JSON record whose text is not UTF-8 names the likely encoding and the fix; one that is
    /// UTF-8 keeps the parser's complaint alone.
    #[test]
    fn a_json_record_that_is_not_utf8_names_the_encoding_and_the_fix() {
        let bytes = b"{\"displayName\": \"Tom\xE1s\"}";
        let e = serde_json::from_slice::<Value>(bytes).expect_err("not UTF-8");
        let d = not_utf8_detail(&e, bytes, "in/users.json");
        assert!(d.starts_with(&json_detail(&e)), "{d}");
        assert!(
            d.contains("not UTF-8 (byte 0xE1), likely Windows-1252"),
            "{d}"
        );
        assert!(
            d.contains("`Get-Content users.json | Set-Content -Encoding utf8 users-utf8.json`"),
            "{d}"
        );
        // UTF-8 beside the bad byte: converting the whole file would garble it, so that is not
        // the advice
        for bytes in [
            &b"{\"displayName\": \"Tom\xC3\xA1s Mat\xE9o\"}"[..],
            &b"{\"displayName\": \"Mat\xE9o Fern\xC3\xA1ndez\"}"[..],
        ] {
            let e = serde_json::from_slice::<Value>(bytes).expect_err("not UTF-8");
            let d = not_utf8_detail(&e, bytes, "in/users.json");
            assert!(d.contains("UTF-8 except at byte"), "{d}");
            assert!(d.contains("would garble its UTF-8 text"), "{d}");
            assert!(!d.contains("Set-Content"), "{d}");
        }
        let e = serde_json::from_slice::<Value>(b"{\"a\":tru}").expect_err("invalid");
        assert_eq!(
            not_utf8_detail(&e, b"{\"a\":tru}", "x.json"),
            json_detail(&e)
        );
    }

    /// A record's JSON error is placed within the record, not given as the parser's "line 1",
    /// which read as the file's first line.
    #[test]
    fn a_json_record_error_is_placed_within_the_record() {
        let e = serde_json::from_str::<Value>(r#"{"a":tru}"#).expect_err("invalid");
        assert_eq!((e.line(), e.column()), (1, 9));
        assert_eq!(json_detail(&e), "expected ident, at column 9 of the record");
        let e = serde_json::from_str::<Value>("{\n\"a\":\n  x}").expect_err("invalid");
        assert_eq!((e.line(), e.column()), (3, 3));
        assert_eq!(
            json_detail(&e),
            "expected value, at line 3 column 3 of the record"
        );
        let mut lines = String::new();
        for i in 1..=3 {
            lines.push_str(&graph(i, "Update user"));
            lines.push('\n');
        }
        lines.push_str("{\"activityDisplayName\":x}\n");
        let r = read("broken.jsonl", &lines, false);
        assert_eq!(r.issues[0].line, Some(4));
        assert_eq!(
            r.issues[0].detail,
            "expected value, at column 24 of the record"
        );
    }

    /// PowerShell's Export-Clixml is named, with the export that works.
    #[test]
    fn clixml_names_convert_to_json() {
        let xml =
            b"<?xml version=\"1.0\"?>\r\n<Objs Version=\"1.1.0.1\" xmlns=\"x\">\r\n</Objs>\r\n";
        let mut r = std::io::BufReader::new(&xml[..]);
        let e = sniff("F", &mut r)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("Export-Clixml") && e.contains("ConvertTo-Json -Depth 10"),
            "{e}"
        );
        assert!(is_clixml(b"<Objs Version=\"1.1.0.1\">"));
        assert!(is_clixml(b"<?xml version=\"1.0\"?><Objs>"));
        // only the start tells: a text about Clixml, or another XML, is not one
        assert!(!is_clixml(
            b"# Notes\nExport-Clixml writes `<Objs Version=...>`\n"
        ));
        assert!(!is_clixml(
            b"<?xml version=\"1.0\"?>\n<Root><Objs Version=\"1\"/></Root>"
        ));
        assert!(!is_clixml(b"<Objsx>"));
        assert!(!is_clixml(b"<?xml version=\"1.0\""));
    }

    /// A ZIP archive and an Excel workbook are named as such, with what to do.
    #[test]
    fn zip_archives_and_workbooks_are_named() {
        let sniffed = |bytes: &[u8]| {
            let mut r = std::io::BufReader::new(bytes);
            match sniff("F", &mut r) {
                Err(e) => e.to_string(),
                Ok(_) => String::new(),
            }
        };
        let mut xlsx = b"PK\x03\x04\x14\x00\x06\x00".to_vec();
        xlsx.extend_from_slice(b"\x00\x00[Content_Types].xml\x00\x01PK\x03\x04xl/workbook.xml");
        let e = sniffed(&xlsx);
        assert!(
            e.contains("an Excel workbook") && e.contains("CSV UTF-8"),
            "{e}"
        );
        let e = sniffed(b"PK\x03\x04\x14\x00\x00\x00audit.csv\x00\x00a,b");
        assert!(e.contains("a ZIP archive") && e.contains("unzip it"), "{e}");
    }

    /// A Parquet table (what `export --format parquet` writes) is named as one, not binary data.
    #[test]
    fn a_parquet_table_is_named_as_one() {
        let mut bytes = b"PAR1\x15\x04\x15\x00\x00\x00".to_vec();
        bytes.extend_from_slice(&[0u8; 64]);
        let e = read_bytes("findings.parquet", &bytes, false).expect_err("parquet");
        let msg = e.to_string();
        assert!(
            msg.contains("a Parquet table") && msg.contains("move the table out"),
            "{msg}"
        );
    }

    /// A gzip file whose content is gzip again is said to be compressed twice, not binary data.
    #[test]
    fn gzip_compressed_twice_says_so() {
        use std::io::Write;
        let gz = |b: &[u8]| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(b).unwrap();
            enc.finish().unwrap()
        };
        let twice = gz(&gz(graph(0, "Add member to group").as_bytes()));
        let e = read_bytes("twice.jsonl.gz", &twice, false).expect_err("twice");
        let msg = e.to_string();
        assert!(
            msg.contains("compressed twice") && msg.contains("gunzip it once"),
            "{msg}"
        );
    }

    /// UTF-16 without a byte-order mark is told by its NULs kept to one side; binary data with
    /// NULs, or text with a few, is not taken for it.
    #[test]
    fn utf16_without_a_mark_is_told_by_its_nuls() {
        let le: Vec<u8> = "{\"id\":\"x\"}\n"
            .repeat(4)
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(utf16_without_bom(&le), Some(Utf16::Le));
        assert_eq!(utf16_without_bom(&le[1..]), Some(Utf16::Be));
        assert_eq!(utf16_without_bom(&le[..20]), None, "too short to tell");
        assert_eq!(utf16_without_bom(&[0u8; 64]), None);
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| {
                if i % 3 == 0 {
                    0
                } else {
                    (i.wrapping_mul(2_654_435_761) >> 13) as u8
                }
            })
            .collect();
        assert_eq!(utf16_without_bom(&noise), None);
        let mut text = "{\"a\":\"b\"}\n".repeat(8).into_bytes();
        text[5] = 0;
        assert_eq!(utf16_without_bom(&text), None);
    }

    /// Text in another encoding is told apart from binary data: where its first foreign byte is,
    /// and how to convert it.
    #[test]
    fn text_that_is_not_utf8_says_where_and_how_to_convert_it() {
        let mut text = format!("{LA_HEADER}\n{}\n", la_row(1)).into_bytes();
        let at = text.len() - 10;
        text[at] = 0xE9;
        let e = read_bytes("latin.csv", &text, false).expect_err("not UTF-8");
        let msg = e.to_string();
        assert!(
            msg.contains("text that is not UTF-8 (byte 0xE9 at line 2, column "),
            "{msg}"
        );
        assert!(msg.contains("iconv -f WINDOWS-1252 -t UTF-8"), "{msg}");
        // random bytes stay binary data
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let e = read_bytes("noise.csv", &noise, false).expect_err("binary");
        assert!(e.to_string().contains("binary data"), "{e}");
    }

    /// A NUL byte or two early in text is damage, read as such (the record is skipped with its
    /// line, on the fast path and the full parse); text with NULs in half its bytes (UTF-16 with
    /// no byte-order mark) or bytes that are mostly NUL stay binary data.
    #[test]
    fn a_nul_early_in_text_is_a_damaged_record_not_binary_data() {
        let lines: Vec<String> = (0..6).map(|i| graph(i, "Add member to group")).collect();
        let mut text = lines.join("\n").into_bytes();
        // in a string of line 3 (one between tokens breaks the line's structure: the general
        // splitter then reports its pieces, as it would anywhere in the file)
        let at = lines[0].len() + lines[1].len() + 2 + lines[2].find("member").expect("activity");
        text[at] = 0;
        for full_parse in [false, true] {
            let r = read_bytes("nul.jsonl", &text, full_parse).expect("read as text");
            assert_eq!(
                (r.records, r.events),
                (6, 5),
                "full {full_parse}: {:?}",
                r.issues
            );
            assert_eq!(r.issues[0].line, Some(3), "{:?}", r.issues);
        }
        let utf16: Vec<u8> = lines
            .join("\n")
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let e = read_bytes("utf16.jsonl", &utf16, false).expect_err("UTF-16");
        assert!(
            e.to_string()
                .contains("UTF-16LE text without a byte-order mark"),
            "{e}"
        );
        let be: Vec<u8> = lines
            .join("\n")
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        let e = read_bytes("utf16.jsonl", &be, false).expect_err("UTF-16");
        let msg = e.to_string();
        assert!(
            msg.contains("UTF-16BE text without a byte-order mark")
                && msg.contains("iconv -f UTF-16BE -t UTF-8")
                && msg.contains("Set-Content -Encoding utf8"),
            "{msg}"
        );
        let mut nuls = b"{\"a\":1}\n".to_vec();
        nuls.extend(std::iter::repeat_n(0u8, 100));
        let e = read_bytes("nuls.json", &nuls, false).expect_err("binary");
        assert!(e.to_string().contains("binary data"), "{e}");
    }
}

#[cfg(test)]
pub(crate) mod repeat_tests {
    //! A record read twice (overlapping exports, a file given twice) is kept once.
    use super::*;

    const GROUP: &str = "0a1b2c3d-0000-4000-8000-000000000001";

    fn record(id: &str, activity: &str, second: u32, targets: &str) -> String {
        format!(
            r#"{{"id":"{id}","category":"GroupManagement","correlationId":"6043f0d7-2a8d-413d-8698-f2a61f579113","result":"success","activityDisplayName":"{activity}","activityDateTime":"2026-10-01T00:00:{second:02}.5Z","initiatedBy":{{"user":{{"id":"41c78aab-fd9b-48da-9c9e-47effec0d6ac","userPrincipalName":"admin@x.example"}}}},"targetResources":[{targets}]}}"#
        )
    }

    fn user(n: u32) -> String {
        format!(
            r#"{{"id":"b6e7e714-26b7-44a1-b8e3-{n:012}","type":"User","userPrincipalName":"u{n}@x.example"}}"#
        )
    }

    fn group() -> String {
        format!(r#"{{"id":"{GROUP}","type":"Group","displayName":"LIC-E3"}}"#)
    }

    /// A licensing group's license set, a member added to it, a member added to another group (held
    /// back and dropped by `licensing_memberships_only`), and a license change.
    fn log() -> String {
        let other =
            r#"{"id":"0a1b2c3d-0000-4000-8000-000000000002","type":"Group","displayName":"Team"}"#;
        [
            record("Directory_a_1", "Set group license", 1, &group()),
            record(
                "Directory_a_2",
                "Add member to group",
                2,
                &format!("{},{}", user(1), group()),
            ),
            record(
                "Directory_a_3",
                "Add member to group",
                3,
                &format!("{},{other}", user(2)),
            ),
            record("Directory_a_4", "Change user license", 4, &user(1)),
        ]
        .join("\n")
    }

    /// The files written to a temporary folder under their names, then read.
    pub(crate) fn read(files: &[(&str, String)], opts: &ReadOptions) -> Ingested {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths: Vec<PathBuf> = files
            .iter()
            .map(|(name, text)| {
                let p = dir.path().join(name);
                std::fs::write(&p, text).expect("write");
                p
            })
            .collect();
        read_inputs(&paths, opts).expect("read")
    }

    fn modes() -> Vec<ReadOptions> {
        let analyze = ReadOptions {
            compact: true,
            drop_record_ids: true,
            licensing_memberships_only: true,
            ..Default::default()
        };
        let full = ReadOptions {
            full_parse: true,
            ..analyze.clone()
        };
        let all = ReadOptions {
            keep_all: true,
            ..Default::default()
        };
        vec![analyze, full, all]
    }

    fn activities(d: &Ingested) -> Vec<(String, u64)> {
        d.events
            .iter()
            .map(|e| (e.activity.name().to_string(), e.source.record))
            .collect()
    }

    #[test]
    fn a_file_given_twice_counts_each_record_once() {
        for opts in modes() {
            let once = read(&[("a.jsonl", log())], &opts);
            let twice = read(&[("a.jsonl", log()), ("b.jsonl", log())], &opts);
            assert_eq!(activities(&twice), activities(&once), "{opts:?}");
            assert!(twice
                .events
                .iter()
                .all(|e| e.source.file.ends_with("a.jsonl")));
            let (a, b) = (&twice.inputs[0], &twice.inputs[1]);
            assert_eq!(a.skipped.get(REPEATED_RECORD), None, "{opts:?}");
            let kept = once.events.len() as u64;
            assert_eq!(b.skipped.get(REPEATED_RECORD), Some(&kept), "{opts:?}");
            assert_eq!(b.events + kept, a.events, "{opts:?}");
            for r in &twice.inputs {
                let skipped: u64 = r.skipped.values().sum();
                assert_eq!(r.records, r.events + r.snapshot_records + skipped);
            }
        }
    }

    #[test]
    fn the_earliest_copy_is_kept_and_a_reused_id_with_another_activity_is_another_record() {
        let opts = &modes()[0];
        // the copy in `b` is the earlier in reading order (by time): it is kept
        let later = log().replace("00:00:04.5Z", "00:00:04.6Z");
        let d = read(&[("a.jsonl", later), ("b.jsonl", log())], opts);
        let change = d
            .events
            .iter()
            .find(|e| e.activity == crate::model::Activity::ChangeUserLicense)
            .unwrap();
        assert!(change.source.file.ends_with("b.jsonl"));
        assert_eq!(
            d.events.len(),
            read(&[("a.jsonl", log())], opts).events.len()
        );
        // the same id on a record of another activity: both kept
        let other = record("DIRECTORY_A_4", "Delete user", 5, &user(1));
        let d = read(&[("a.jsonl", format!("{}\n{other}", log()))], opts);
        assert_eq!(d.inputs[0].skipped.get(REPEATED_RECORD), None);
        assert!(d
            .events
            .iter()
            .any(|e| e.activity == crate::model::Activity::DeleteUser));
        // ids differing only in case and blanks are the same record
        let copy = record(" DIRECTORY_A_4 ", "Change user license", 4, &user(1));
        let d = read(&[("a.jsonl", format!("{}\n{copy}", log()))], opts);
        assert_eq!(d.inputs[0].skipped.get(REPEATED_RECORD), Some(&1));
    }

    #[test]
    fn an_id_reused_by_records_of_two_activities_keeps_each_once() {
        let opts = &modes()[0];
        let both = format!(
            "{}\n{}",
            log(),
            record("Directory_a_4", "Delete user", 5, &user(1))
        );
        let once = read(&[("a.jsonl", both.clone())], opts);
        let twice = read(&[("a.jsonl", both.clone()), ("b.jsonl", both)], opts);
        assert_eq!(activities(&twice), activities(&once));
        assert_eq!(
            twice.inputs[1].repeated(),
            once.events.len() as u64,
            "both records of the reused id are repeats in b"
        );
    }

    #[test]
    fn a_file_holding_its_log_twice_keeps_each_record_once_as_it_reads() {
        for opts in modes() {
            let once = read(&[("a.jsonl", log())], &opts);
            let twice = read(&[("a.jsonl", format!("{}\n{}", log(), log()))], &opts);
            // the first copy of each record is kept: the same records, numbered as in `once`
            assert_eq!(activities(&twice), activities(&once), "{opts:?}");
            let kept = once.events.len() as u64;
            let r = &twice.inputs[0];
            assert_eq!(r.repeated(), kept, "{opts:?}");
            assert_eq!(
                r.events,
                once.inputs[0].events + once.inputs[0].events - kept
            );
            let skipped: u64 = r.skipped.values().sum();
            assert_eq!(
                r.records,
                r.events + r.snapshot_records + skipped,
                "{opts:?}"
            );
        }
    }

    /// What one file's own read holds, before the repeats of every input are dropped: its report
    /// and the record numbers of the events it kept.
    fn own_read(text: &str, opts: &ReadOptions) -> (InputReport, Vec<u64>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, text).expect("write");
        let input = source::expand_paths(std::slice::from_ref(&p)).expect("input");
        let InputRead { report, events, .. } =
            read_one(&input[0], opts, Arc::default()).expect("read");
        let held = events.iter().flatten().map(|e| e.source.record).collect();
        (report, held)
    }

    #[test]
    fn copies_in_one_file_are_not_held_while_it_is_read() {
        let text = [log(), log(), log()].join("\n");
        for opts in modes() {
            let (report, held) = own_read(&text, &opts);
            let once = read(&[("a.jsonl", log())], &opts);
            let first: Vec<u64> = once.events.iter().map(|e| e.source.record).collect();
            assert_eq!(held, first, "{opts:?}");
            assert_eq!(report.repeated(), 2 * first.len() as u64, "{opts:?}");
        }
    }

    #[test]
    fn copies_across_the_slices_of_a_large_file_are_dropped_in_order() {
        // 600 distinct license changes (about 300 KB) four times over: the copies are in other
        // slices (256 KB) than their first, parsed in parallel and handed to the sink in order
        let n = 600u32;
        let one: Vec<String> = (0..n)
            .map(|i| {
                record(
                    &format!("Directory_x_{i}"),
                    "Change user license",
                    i % 60,
                    &user(i),
                )
            })
            .collect();
        let text = [
            one.join("\n"),
            one.join("\n"),
            one.join("\n"),
            one.join("\n"),
        ]
        .join("\n");
        assert!(text.len() > 4 * (256 << 10));
        for opts in modes() {
            let d = read(&[("a.jsonl", text.clone())], &opts);
            let mut kept: Vec<u64> = d.events.iter().map(|e| e.source.record).collect();
            kept.sort_unstable();
            assert_eq!(kept, (1..=u64::from(n)).collect::<Vec<_>>(), "{opts:?}");
            assert_eq!(d.inputs[0].repeated(), 3 * u64::from(n), "{opts:?}");
            assert_eq!(d.inputs[0].events, u64::from(n), "{opts:?}");
        }
        // and the copies were dropped by the input's own read, not after it
        for opts in modes() {
            let (report, held) = own_read(&text, &opts);
            assert_eq!(held.len(), n as usize);
            assert_eq!(report.repeated(), 3 * u64::from(n), "{opts:?}");
        }
    }

    #[test]
    fn a_later_line_with_an_earlier_time_is_the_copy_kept() {
        // the second copy of the license change is a tenth of a second earlier: in reading order
        // (time first) it comes first, and it is kept, whatever the file's order
        let opts = &modes()[0];
        let earlier = record("Directory_a_4", "Change user license", 4, &user(1))
            .replace("00:00:04.5Z", "00:00:04.4Z");
        let d = read(&[("a.jsonl", format!("{}\n{earlier}", log()))], opts);
        let changes: Vec<u64> = d
            .events
            .iter()
            .filter(|e| e.activity == crate::model::Activity::ChangeUserLicense)
            .map(|e| e.source.record)
            .collect();
        assert_eq!(changes, vec![5]);
        assert_eq!(d.inputs[0].repeated(), 1);
    }

    #[test]
    fn records_without_an_id_are_all_kept() {
        let opts = &modes()[0];
        let no_ids = log().replace(r#""id":"Directory_a_"#, r#""x":""#);
        let d = read(&[("a.jsonl", no_ids.clone()), ("b.jsonl", no_ids)], opts);
        assert!(d.inputs.iter().all(|r| r.skipped.is_empty()));
        assert_eq!(
            d.events.len(),
            2 * read(&[("a.jsonl", log())], opts).events.len()
        );
    }

    /// A failed license change by the licensing service at `time`, with the error text or, as a
    /// Log Analytics query that projected `ResultReason` away gives it, without.
    fn failure(id: &str, time: &str, reason: bool) -> String {
        let reason = if reason {
            "Not enough licenses are available to complete this operation. Purchase more \
             licenses or remove unneeded licenses from users and groups for SKU [ENTERPRISEPACK]."
        } else {
            ""
        };
        format!(
            r#"{{"id":"{id}","category":"UserManagement","correlationId":"6043f0d7-2a8d-413d-8698-f2a61f579114","result":"failure","resultReason":"{reason}","activityDisplayName":"Change user license","activityDateTime":"{time}","initiatedBy":{{"app":{{"displayName":"Microsoft Azure AD Group-Based Licensing"}}}},"targetResources":[{}]}}"#,
            user(1)
        )
    }

    /// The cause of the one failed license change kept, and its file.
    fn kept_failure(d: &Ingested) -> (String, String) {
        let failed: Vec<&AuditEvent> = d
            .events
            .iter()
            .filter(|e| e.activity == crate::model::Activity::ChangeUserLicense)
            .collect();
        assert_eq!(failed.len(), 1, "{failed:?}");
        let e = failed[0];
        let cause = e.extra.errors.first().map(|x| x.cause.to_string());
        let file = e
            .source
            .file
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        (cause.unwrap_or_default(), file)
    }

    #[test]
    fn the_copy_with_the_error_text_is_kept_though_a_poorer_copy_sorts_first() {
        // Graph writes seven digits, the Log Analytics copy (no `ResultReason`) milliseconds: its
        // time is the earlier, and it was kept, every failure an `UnspecifiedFailure`
        let graph = failure("Directory_f_1", "2026-10-01T00:00:04.5808110Z", true);
        let la = failure("Directory_f_1", "2026-10-01T00:00:04.580Z", false);
        for opts in modes() {
            for files in [
                [("a.jsonl", graph.clone()), ("b.jsonl", la.clone())],
                [("a.jsonl", la.clone()), ("b.jsonl", graph.clone())],
            ] {
                let d = read(&files, &opts);
                let graph_file = if files[0].1 == graph {
                    "a.jsonl"
                } else {
                    "b.jsonl"
                };
                assert_eq!(
                    kept_failure(&d),
                    ("CountViolation".to_string(), graph_file.to_string()),
                    "{opts:?}"
                );
                let poor = d
                    .inputs
                    .iter()
                    .find(|r| !r.path.ends_with(graph_file))
                    .unwrap();
                assert_eq!(poor.repeated(), 1, "{opts:?}");
            }
        }
    }

    #[test]
    fn of_copies_holding_the_same_the_finer_time_is_kept_else_the_first() {
        let opts = &modes()[0];
        let fine = failure("Directory_f_1", "2026-10-01T00:00:04.5808110Z", true);
        let cut = failure("Directory_f_1", "2026-10-01T00:00:04.580Z", true);
        for files in [
            [("a.jsonl", fine.clone()), ("b.jsonl", cut.clone())],
            [("a.jsonl", cut.clone()), ("b.jsonl", fine.clone())],
        ] {
            let d = read(&files, opts);
            let fine_file = if files[0].1 == fine {
                "a.jsonl"
            } else {
                "b.jsonl"
            };
            assert_eq!(kept_failure(&d).1, fine_file);
        }
        // the same in both: the first in reading order (the file named first sorts first here)
        let d = read(&[("b.jsonl", fine.clone()), ("a.jsonl", fine)], opts);
        assert_eq!(kept_failure(&d).1, "a.jsonl");
    }

    #[test]
    fn a_later_copy_in_one_file_worth_more_takes_the_earlier_ones_place() {
        for opts in modes() {
            let time = "2026-10-01T00:00:04.5Z";
            let text = format!(
                "{}\n{}",
                failure("Directory_f_1", time, false),
                failure("Directory_f_1", time, true)
            );
            let (report, held) = own_read(&text, &opts);
            assert_eq!(held, vec![2], "{opts:?}");
            assert_eq!(report.repeated(), 1, "{opts:?}");
            let d = read(&[("a.jsonl", text)], &opts);
            assert_eq!(kept_failure(&d).0, "CountViolation", "{opts:?}");
        }
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Copies of one failed license change, each with or without its error text and with its
        /// time to the ten-millionth or cut to milliseconds, in two files named in either order:
        /// the copy kept is one with the text, then with the finer time, then the first of those
        /// in reading order (time, file, record), whatever the order the files are named in.
        #[test]
        fn the_copy_worth_most_is_kept_then_the_first_in_reading_order(
            copies in proptest::collection::vec((any::<bool>(), any::<bool>(), any::<bool>()), 1..8),
            b_first in any::<bool>(),
        ) {
            let mut files = [Vec::new(), Vec::new()];
            // (worth: text, fine time; reading key: cut times sort first, then file, record)
            type Ranked = ((bool, bool), (bool, usize, u64));
            let mut best: Option<Ranked> = None;
            for &(reason, fine, in_b) in &copies {
                let f = usize::from(in_b);
                let time = if fine {
                    "2026-10-01T00:00:04.5808110Z"
                } else {
                    "2026-10-01T00:00:04.580Z"
                };
                files[f].push(failure("Directory_f_1", time, reason));
                let this = ((reason, fine), (fine, f, files[f].len() as u64));
                best = Some(match best {
                    Some(b) if b.0 > this.0 || (b.0 == this.0 && b.1 < this.1) => b,
                    _ => this,
                });
            }
            let Some(((reason, _), (_, file, record))) = best else { unreachable!() };
            let mut given: Vec<(&str, String)> = ["a.jsonl", "b.jsonl"]
                .iter()
                .zip(&files)
                .filter(|(_, lines)| !lines.is_empty())
                .map(|(n, lines)| (*n, lines.join("\n")))
                .collect();
            if b_first {
                given.reverse();
            }
            for opts in modes() {
                let d = read(&given, &opts);
                let kept: Vec<(usize, u64)> = d
                    .events
                    .iter()
                    .map(|e| (usize::from(e.source.file.ends_with("b.jsonl")), e.source.record))
                    .collect();
                prop_assert_eq!(&kept, &vec![(file, record)], "{:?}", opts);
                let cause = if reason { "CountViolation" } else { "UnspecifiedFailure" };
                prop_assert_eq!(kept_failure(&d).0, cause);
                let repeated: u64 = d.inputs.iter().map(InputReport::repeated).sum();
                prop_assert_eq!(repeated, copies.len() as u64 - 1);
            }
        }

        /// Records drawn from a few ids, two activities and a few seconds, written in any order
        /// into two files, ids in any case: whether a copy is dropped as its file is read or after
        /// every file is, the records kept are, for each id and activity, the first in reading
        /// order (time, file, record), and each other copy is counted as repeated in its own file.
        #[test]
        fn the_first_copy_in_reading_order_is_kept_however_copies_are_placed(
            recs in proptest::collection::vec((0u8..3, any::<bool>(), 0u32..3, any::<bool>(), any::<bool>()), 1..24),
        ) {
            let mut files = [Vec::new(), Vec::new()];
            // (id, activity) -> (second, file, record)
            let mut first: HashMap<(u8, bool), (u32, usize, u64)> = HashMap::default();
            let mut placed = Vec::new();
            for &(id, group_license, second, upper, in_b) in &recs {
                let f = usize::from(in_b);
                let text = if upper { format!("DIRECTORY_A_{id}") } else { format!("Directory_a_{id}") };
                let line = if group_license {
                    record(&text, "Set group license", second, &group())
                } else {
                    record(&text, "Change user license", second, &user(1))
                };
                files[f].push(line);
                let at = (second, f, files[f].len() as u64);
                placed.push(at);
                let e = first.entry((id, group_license)).or_insert(at);
                *e = (*e).min(at);
            }
            let names = ["a.jsonl", "b.jsonl"];
            let given: Vec<(&str, String)> = names
                .iter()
                .zip(&files)
                .filter(|(_, lines)| !lines.is_empty())
                .map(|(n, lines)| (*n, lines.join("\n")))
                .collect();
            let mut want: Vec<(usize, u64)> = first.values().map(|&(_, f, r)| (f, r)).collect();
            want.sort_unstable();
            for opts in modes() {
                let d = read(&given, &opts);
                let mut kept: Vec<(usize, u64)> = d
                    .events
                    .iter()
                    .map(|e| (usize::from(e.source.file.ends_with("b.jsonl")), e.source.record))
                    .collect();
                kept.sort_unstable();
                prop_assert_eq!(&kept, &want, "{:?}", opts);
                for r in &d.inputs {
                    let f = usize::from(r.path.ends_with("b.jsonl"));
                    let copies = placed.iter().filter(|p| p.1 == f).count() as u64;
                    let survivors = want.iter().filter(|w| w.0 == f).count() as u64;
                    prop_assert_eq!(r.repeated(), copies - survivors, "{:?}", opts);
                    prop_assert_eq!(r.events, survivors, "{:?}", opts);
                }
            }
        }
    }
}

#[cfg(test)]
mod repeated_rows_tests {
    //! Every format's file given twice: the second copy's records are all repeats, recognized by
    //! their record id (Graph, Azure Monitor, Log Analytics, Purview) or, in the admin center's
    //! CSV, which has no id, by their cells; the fast path and the full parse alike.
    use super::*;

    #[test]
    fn every_format_given_twice_is_counted_once() {
        let mut formats: Vec<PathBuf> = std::fs::read_dir("fixtures/formats")
            .expect("fixtures")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x != "md"))
            .collect();
        formats.sort();
        assert_eq!(formats.len(), 9, "{formats:?}");
        for f in formats {
            let text = std::fs::read(&f).expect("fixture");
            let dir = tempfile::tempdir().expect("tempdir");
            let name = f.file_name().expect("name");
            let (a, b) = (
                dir.path().join("a").join(name),
                dir.path().join("b").join(name),
            );
            for p in [&a, &b] {
                std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
                std::fs::write(p, &text).expect("write");
            }
            for full_parse in [false, true] {
                let opts = ReadOptions {
                    full_parse,
                    compact: true,
                    drop_record_ids: true,
                    licensing_memberships_only: true,
                    ..Default::default()
                };
                let once = read_inputs(std::slice::from_ref(&a), &opts).expect("read");
                let twice = read_inputs(&[a.clone(), b.clone()], &opts).expect("read");
                let at = format!("{}, full parse: {full_parse}", f.display());
                assert!(!once.events.is_empty(), "{at}");
                assert_eq!(twice.events, once.events, "{at}");
                let merged = once.inputs[0]
                    .skipped
                    .get("merged sequence chunk")
                    .copied()
                    .unwrap_or(0);
                assert_eq!(
                    twice.inputs[1].repeated(),
                    once.events.len() as u64 + merged,
                    "{at}"
                );
            }
        }
    }
}
