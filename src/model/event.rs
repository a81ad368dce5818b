//! The normalized audit event: what every export format becomes past the parsing edge.

use super::ids::{CorrelationId, ObjectId, ThinStr};
use super::license::{LicenseChange, LicenseError, LicenseTruncation, ProcessingSummary};
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

/// Audit activities licdiag reasons about; anything else is kept by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Activity {
    SetGroupLicense,
    StartApplyingGroupLicense,
    FinishApplyingGroupLicense,
    TriggerGroupLicenseRecalculation,
    ChangeUserLicense,
    UpdateUser,
    /// `Update group`: kept when it changes how a dynamic group chooses its members
    /// ([`GroupRuleChange`]).
    UpdateGroup,
    SetLicenseProperties,
    AddMemberToGroup,
    RemoveMemberFromGroup,
    DeleteGroup,
    DeleteUser,
    /// Shared when equal, one word ([`ThinStr`]): a kept event's activity is 16 bytes, not a
    /// `String`'s 24.
    Other(ThinStr),
}

impl Activity {
    /// Normalizes an activity name: trims, drops a trailing period (`Change user license.` from the
    /// unified audit log and 2018 diagnostic records), and recognizes both spellings of
    /// `Finish applying group based license to user(s)`.
    pub fn from_name(name: &str) -> Activity {
        // `name.trim().trim_end_matches('.').trim()`, with the trims that change nothing skipped
        let n = super::trim(name);
        let n = if n.ends_with('.') {
            n.trim_end_matches('.').trim()
        } else {
            n
        };
        let mut buf = [0u8; 48];
        match super::ascii_lower(n, &mut buf).unwrap_or("") {
            "set group license" => Activity::SetGroupLicense,
            "start applying group based license to users"
            | "start applying group based license to user" => Activity::StartApplyingGroupLicense,
            "finish applying group based license to users"
            | "finish applying group based license to user" => Activity::FinishApplyingGroupLicense,
            "trigger group license recalculation" => Activity::TriggerGroupLicenseRecalculation,
            "change user license" => Activity::ChangeUserLicense,
            "update user" => Activity::UpdateUser,
            "update group" => Activity::UpdateGroup,
            "set license properties" => Activity::SetLicenseProperties,
            "add member to group" => Activity::AddMemberToGroup,
            "remove member from group" => Activity::RemoveMemberFromGroup,
            "delete group" => Activity::DeleteGroup,
            "delete user" => Activity::DeleteUser,
            _ => Activity::Other(super::ids::activity(n)),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Activity::SetGroupLicense => "Set group license",
            Activity::StartApplyingGroupLicense => "Start applying group based license to users",
            Activity::FinishApplyingGroupLicense => "Finish applying group based license to users",
            Activity::TriggerGroupLicenseRecalculation => "Trigger group license recalculation",
            Activity::ChangeUserLicense => "Change user license",
            Activity::UpdateUser => "Update user",
            Activity::UpdateGroup => "Update group",
            Activity::SetLicenseProperties => "Set license properties",
            Activity::AddMemberToGroup => "Add member to group",
            Activity::RemoveMemberFromGroup => "Remove member from group",
            Activity::DeleteGroup => "Delete group",
            Activity::DeleteUser => "Delete user",
            Activity::Other(s) => s,
        }
    }

    /// Activities that belong to group-based licensing by name alone.
    pub fn is_licensing(&self) -> bool {
        matches!(
            self,
            Activity::SetGroupLicense
                | Activity::StartApplyingGroupLicense
                | Activity::FinishApplyingGroupLicense
                | Activity::TriggerGroupLicenseRecalculation
                | Activity::ChangeUserLicense
                | Activity::SetLicenseProperties
        )
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Activity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The outcome of the audited operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    Timeout,
    Unknown,
}

impl Outcome {
    /// `success`/`Success`/`0` (2018 diagnostic records), `failure`/`Failure`, `timeout`, anything else unknown.
    pub fn parse(s: &str) -> Outcome {
        let mut buf = [0u8; 16];
        match super::ascii_lower(super::trim(s), &mut buf).unwrap_or("") {
            "success" | "succeeded" | "0" | "true" => Outcome::Success,
            "failure" | "failed" | "fail" | "false" => Outcome::Failure,
            "timeout" => Outcome::Timeout,
            _ => Outcome::Unknown,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Timeout => "timeout",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Who performed the operation. A user's or an application's details are behind a pointer: most
/// kept events are the group-based-licensing service's, and an actor held inline (88 bytes) was a
/// quarter of every kept event. The pointer is shared ([`Actor::user`], [`Actor::app`]): a log's
/// operations are run by a few administrators and applications, and each event holding its own
/// copy was about 170 bytes of most kept membership changes (4 actors in 160k changes of the
/// 100k-user bench tenant).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    User(Arc<UserActor>),
    App(Arc<AppActor>),
    /// The group-based-licensing service, whichever name the export gave it.
    GroupBasedLicensing,
    Unknown,
}

/// A user who performed an operation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct UserActor {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<ObjectId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// An application (service principal) that performed an operation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct AppActor {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_principal_id: Option<ObjectId>,
}

/// The display names under which the group-based-licensing service appears.
pub const GBL_ACTOR_NAMES: [&str; 2] = [
    "microsoft azure ad group-based licensing",
    "microsoft entra group-based licensing",
];

pub fn is_gbl_actor_name(name: &str) -> bool {
    let n = name.trim();
    GBL_ACTOR_NAMES.iter().any(|g| g.eq_ignore_ascii_case(n))
}

thread_local! {
    /// Actors built by this thread ([`Actor::user`], [`Actor::app`]).
    static USERS: super::ids::SharedSet<UserActor> = std::cell::RefCell::new(Default::default());
    static APPS: super::ids::SharedSet<AppActor> = std::cell::RefCell::new(Default::default());
}

/// Empties this thread's sets of actors (the actors stay where events hold them): for when every
/// input is read.
pub fn forget_shared_actors() {
    super::ids::forget(&USERS);
    super::ids::forget(&APPS);
}

impl Actor {
    /// A user actor, shared with this thread's earlier equal ones.
    pub fn user(u: UserActor) -> Actor {
        Actor::User(super::ids::shared(&USERS, &u, |u: &UserActor| {
            Arc::new(u.clone())
        }))
    }

    /// An application actor, shared with this thread's earlier equal ones.
    pub fn app(a: AppActor) -> Actor {
        Actor::App(super::ids::shared(&APPS, &a, |a: &AppActor| {
            Arc::new(a.clone())
        }))
    }

    pub fn label(&self) -> String {
        match self {
            Actor::User(u) => u
                .upn
                .clone()
                .or_else(|| u.display_name.clone())
                .or_else(|| u.id.as_ref().map(|i| i.to_string()))
                .unwrap_or_else(|| "unknown user".into()),
            Actor::App(a) => a
                .name
                .clone()
                .or_else(|| a.app_id.clone())
                .or_else(|| a.service_principal_id.as_ref().map(|i| i.to_string()))
                .unwrap_or_else(|| "unknown application".into()),
            Actor::GroupBasedLicensing => "Group-based licensing service".into(),
            Actor::Unknown => "unknown".into(),
        }
    }
}

/// Kind of a target resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    User,
    Group,
    ServicePrincipal,
    Application,
    Device,
    Directory,
    Policy,
    Other,
}

impl TargetKind {
    pub fn parse(s: &str) -> TargetKind {
        let mut buf = [0u8; 24];
        match super::ascii_lower(super::trim(s), &mut buf).unwrap_or("") {
            "user" => TargetKind::User,
            "group" => TargetKind::Group,
            "serviceprincipal" | "service principal" => TargetKind::ServicePrincipal,
            "application" => TargetKind::Application,
            "device" => TargetKind::Device,
            "directory" => TargetKind::Directory,
            "policy" => TargetKind::Policy,
            _ => TargetKind::Other,
        }
    }
}

/// A modified property with its values decoded from their JSON-in-a-string form.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ModifiedProperty {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Target {
    pub kind: TargetKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<ObjectId>,
    /// Shared with this thread's earlier equal labels ([`super::ids::label`]): a target is in
    /// every kept event and every identity, and a user's events name it again and again (boxed
    /// apart, the UPNs were 8.7 MB of 274k kept events naming 20k users).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<ThinStr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<ThinStr>,
}

/// The export format an input was detected as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditFormat {
    /// Microsoft Graph `directoryAudits` objects (page, array, lines); also the admin-center JSON download.
    GraphJson,
    /// Entra admin center CSV download (96 fixed columns).
    PortalCsv,
    /// Azure Monitor diagnostic-settings records (Event Hub / storage).
    AzureMonitor,
    /// Log Analytics / Sentinel `AuditLogs` query export, JSON.
    LogAnalyticsJson,
    /// Log Analytics / Sentinel `AuditLogs` query export, CSV.
    LogAnalyticsCsv,
    /// Purview unified audit log CSV (classic or new search export).
    PurviewCsv,
    /// Unified audit log `AuditData` JSON (Management Activity API, Graph audit query API).
    PurviewJson,
}

impl AuditFormat {
    pub fn label(&self) -> &'static str {
        match self {
            AuditFormat::GraphJson => "graph-json",
            AuditFormat::PortalCsv => "portal-csv",
            AuditFormat::AzureMonitor => "azure-monitor",
            AuditFormat::LogAnalyticsJson => "log-analytics-json",
            AuditFormat::LogAnalyticsCsv => "log-analytics-csv",
            AuditFormat::PurviewCsv => "purview-csv",
            AuditFormat::PurviewJson => "purview-json",
        }
    }
}

/// An input's name as its records cite it ([`SourceRef::file`]), shared by every record of the
/// input: a thin pointer ([`ThinStr`]), 8 bytes of every kept event, user and identity rather than
/// a wide one's 16 (about 2.5 MB of a 100k-user tenant's run, benches/README.md, forty-fourth run).
pub type FileName = ThinStr;

/// Where an event came from: input file and 1-based record number (and line, when known).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SourceRef {
    pub file: FileName,
    pub record: u64,
    #[serde(skip_serializing_if = "Line::is_none")]
    pub line: Line,
}

impl SourceRef {
    /// The line, as a number.
    pub fn line(&self) -> Option<u64> {
        self.line.get()
    }

    /// Where the record is, as every message says it: `record 4 (line 7)`, or `record 4`.
    pub fn place(&self) -> String {
        match self.line() {
            Some(l) => format!("record {} (line {l})", self.record),
            None => format!("record {}", self.record),
        }
    }
}

/// A line number or none, in one word (an `Option<u64>` takes two): 8 bytes of every kept event
/// and user. While a slice of an input is parsed, lines count from the slice's start (0 is a line
/// then) and are moved to the file's later, so no number is left out for a niche.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Line(u64);

impl Line {
    pub const NONE: Line = Line(u64::MAX);
    /// Line `n` (the last number a file cannot reach is taken for none).
    pub const fn at(n: u64) -> Line {
        Line(if n == u64::MAX { u64::MAX - 1 } else { n })
    }
    pub fn get(self) -> Option<u64> {
        (self != Line::NONE).then_some(self.0)
    }
    pub fn is_none(&self) -> bool {
        *self == Line::NONE
    }
    /// Moved `by` lines on (none stays none).
    pub fn shift(&mut self, by: u64) {
        if let Some(n) = self.get() {
            *self = Line::at(n.saturating_add(by));
        }
    }
}

impl Default for Line {
    fn default() -> Self {
        Line::NONE
    }
}

impl From<Option<u64>> for Line {
    fn from(n: Option<u64>) -> Self {
        n.map_or(Line::NONE, Line::at)
    }
}

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

impl Serialize for Line {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line.get() {
            Some(l) => write!(f, "{}: record {} (line {})", self.file, self.record, l),
            None => write!(f, "{}: record {}", self.file, self.record),
        }
    }
}

/// A record's identity, to recognize the same record read twice (two overlapping exports, a file
/// given twice, a JSON and a Log Analytics copy of the same days): a 64-bit hash of its record id
/// (`id`, `Id`, `RecordId`), trimmed and ASCII case-folded. It outlives the id's text, which
/// `analyze` drops (`ReadOptions::drop_record_ids`). The hash is seeded per process, so an export
/// cannot be crafted in advance to make a record look like another; by chance, two of ten million
/// distinct ids share a key with a probability of about 3 in a million.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordKey(std::num::NonZeroU64);

impl RecordKey {
    /// The key of a record id; `None` for an empty one.
    pub fn of(id: &str) -> Option<RecordKey> {
        use std::hash::Hasher;
        let id = id.trim().as_bytes();
        if id.is_empty() {
            return None;
        }
        let mut h = Self::hasher();
        // folded in pieces on the stack (a Graph id is about 60 bytes: one piece)
        let mut buf = [0u8; 64];
        for piece in id.chunks(buf.len()) {
            let folded = &mut buf[..piece.len()];
            folded.copy_from_slice(piece);
            folded.make_ascii_lowercase();
            h.write(folded);
        }
        h.write_usize(id.len());
        Some(Self::finish(h))
    }

    /// A hasher seeded once per process, for both kinds of key.
    fn hasher() -> foldhash::quality::FoldHasher<'static> {
        use std::hash::BuildHasher;
        static SEED: std::sync::LazyLock<foldhash::quality::RandomState> =
            std::sync::LazyLock::new(Default::default);
        SEED.build_hasher()
    }

    fn finish(h: impl std::hash::Hasher) -> RecordKey {
        RecordKey(std::num::NonZeroU64::new(h.finish()).unwrap_or(std::num::NonZeroU64::MAX))
    }

    /// The key of a record without an id, from all of its cells (an admin-center CSV row: two
    /// downloads of the same days hold the same row, byte for byte; two distinct records share
    /// every cell, the time to the 100 nanoseconds and the correlation id included, never). The
    /// cells are hashed as a CSV line with every cell quoted, which no two rows share.
    pub fn of_cells(cells: impl IntoIterator<Item = impl AsRef<str>>) -> RecordKey {
        let mut key = CellsKey::new();
        for c in cells {
            key.cell(c.as_ref());
        }
        key.finish()
    }

    /// The key as a number (never 0), for the temporary store of held changes.
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// The key of [`RecordKey::get`]'s number; `None` for 0.
    pub fn from_number(n: u64) -> Option<RecordKey> {
        std::num::NonZeroU64::new(n).map(RecordKey)
    }
}

/// [`RecordKey::of_cells`] a cell at a time, or from a row's text as written.
///
/// The cells are one stream, the row as a CSV line with every cell quoted (`"a","b ""c""",""`:
/// each cell between quotes, its quotes doubled, the cells separated by commas), hashed in blocks
/// of [`CellsKey::BLOCK`] bytes and a last shorter one: the key depends on the stream alone,
/// however it was fed, and no two rows have the same stream (it reads back as exactly one row).
/// An admin-center download quotes every cell, so a row of it as written is its stream, hashed
/// without looking at its cells ([`CellsKey::row_as_written`]); hashed a cell at a time (86 cells,
/// most of them empty), the key took 4k instructions of a kept row's 40k (benches/README.md,
/// forty-second run).
pub struct CellsKey {
    h: foldhash::quality::FoldHasher<'static>,
    block: [u8; Self::BLOCK],
    len: usize,
    /// Whether a cell was appended (the next one is preceded by a comma).
    started: bool,
}

impl Default for CellsKey {
    fn default() -> Self {
        Self::new()
    }
}

impl CellsKey {
    pub(crate) const BLOCK: usize = 512;

    pub fn new() -> Self {
        CellsKey {
            h: RecordKey::hasher(),
            block: [0; Self::BLOCK],
            len: 0,
            started: false,
        }
    }

    /// Appends one cell.
    #[inline]
    pub fn cell(&mut self, c: &str) {
        self.cell_bytes(c.as_bytes())
    }

    /// Appends one cell given as its bytes: quoted, its quotes doubled.
    pub fn cell_bytes(&mut self, c: &[u8]) {
        self.separate();
        self.bytes(b"\"");
        let mut rest = c;
        while let Some(q) = memchr::memchr(b'"', rest) {
            self.bytes(&rest[..=q]);
            self.bytes(b"\"");
            rest = &rest[q + 1..];
        }
        self.bytes(rest);
        self.bytes(b"\"");
    }

    /// Appends one cell given as it is written quoted (`"..."`, its quotes doubled, the outer
    /// quotes included).
    pub fn quoted_cell(&mut self, written: &[u8]) {
        self.separate();
        self.bytes(written);
    }

    /// Appends a whole row given as a CSV line with every cell quoted (`"a","b"`), as an
    /// admin-center download writes it: the stream itself. Only for a key with no cell yet.
    pub fn row_as_written(&mut self, written: &[u8]) {
        debug_assert!(!self.started);
        self.started = true;
        self.bytes(written);
    }

    /// The comma before every cell but the first.
    #[inline]
    fn separate(&mut self) {
        if self.started {
            self.bytes(b",");
        }
        self.started = true;
    }

    #[inline]
    fn bytes(&mut self, mut b: &[u8]) {
        use std::hash::Hasher;
        while !b.is_empty() {
            if self.len == 0 && b.len() >= Self::BLOCK {
                // a whole block straight from the text (a row as written)
                let (now, rest) = b.split_at(Self::BLOCK);
                self.h.write(now);
                b = rest;
                continue;
            }
            let room = Self::BLOCK - self.len;
            let n = room.min(b.len());
            let (now, rest) = b.split_at(n);
            self.block[self.len..self.len + n].copy_from_slice(now);
            self.len += n;
            b = rest;
            if self.len == Self::BLOCK {
                self.h.write(&self.block);
                self.len = 0;
            }
        }
    }

    pub fn finish(mut self) -> RecordKey {
        use std::hash::Hasher;
        self.h.write(&self.block[..self.len]);
        RecordKey::finish(self.h)
    }
}

/// One normalized directory audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub time: DateTime<Utc>,
    pub activity: Activity,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Shared with equal ones read before ([`super::ids::category`]): a log has a few categories.
    pub category: Option<ThinStr>,
    pub result: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<CorrelationId>,
    /// Behind one thin pointer (the text is boxed again): a word per kept event, which the key
    /// below takes, and `analyze` drops the text anyway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<Box<Box<str>>>,
    /// The record id's key, kept when its text is dropped: a record read twice (overlapping
    /// exports, a file given twice) is kept once.
    #[serde(skip)]
    pub record_key: Option<RecordKey>,
    pub actor: Actor,
    /// At their number: a boxed slice is a word less than a vector in every kept event.
    pub targets: Box<[Target]>,
    /// Old/new license sets from `AssignedLicense` (user) or the group's license property.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licenses: Option<Box<LicenseChange>>,
    /// What few kept events have (a reason, details, a summary, errors, a chunk's number).
    #[serde(flatten)]
    pub extra: Extra,
    pub source: SourceRef,
}

/// What a kept event rarely has, behind one word ([`Extra`]): most kept events, membership
/// changes and successful license changes, have none of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventExtra {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_reason: Option<Box<str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_details: Vec<(String, String)>,
    /// The `Finish applying ...` counts (one event in thousands has them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ProcessingSummary>,
    /// License errors found anywhere in the record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Arc<LicenseError>>,
    /// Sequence number when the record is one chunk of a split operation.
    #[serde(skip)]
    pub sequence: Option<u32>,
    /// Which lists of the license change Entra cut (the change's lists then hold the entries that
    /// were whole): here rather than in the change, as few changes are cut.
    #[serde(skip_serializing_if = "is_whole")]
    pub licenses_cut: LicenseTruncation,
    /// The targets' modified properties, by the targets' places (empty when none has any): read
    /// to derive the license sets, summary and errors, and dropped by compaction, so held on the
    /// event rather than in every target (8 bytes of every kept target and identity).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modified: Vec<Vec<ModifiedProperty>>,
    /// What a successful `Update user` changed that fixes a license error (read from its
    /// modified properties, which compaction drops).
    #[serde(skip)]
    pub user_fixes: UserFixes,
    /// What a successful `Update group` changed in the group's dynamic membership (read from its
    /// modified properties, which compaction drops): rare, so behind its own pointer.
    #[serde(skip)]
    pub group_change: Option<Box<GroupRuleChange>>,
}

/// The changes of a successful `Update user` that fix license errors the guide names: a usage
/// location set (ProhibitedInUsageLocationViolation) and proxy addresses changed
/// (UniquenessViolation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserFixes {
    pub usage_location_set: bool,
    pub addresses_changed: bool,
    /// The addresses the change took out of `ProxyAddresses` (in the old list, not in the new), in
    /// the form uniqueness compares ([`super::normalize_address`]: `smtp:` dropped, lower-cased,
    /// other prefixes kept): an address freed for another object (the guide's duplicate proxy
    /// address, fixed on the object that held it).
    pub addresses_removed: Vec<Box<str>>,
}

impl UserFixes {
    pub const NONE: UserFixes = UserFixes {
        usage_location_set: false,
        addresses_changed: false,
        addresses_removed: Vec::new(),
    };
    pub fn any(&self) -> bool {
        self.usage_location_set || self.addresses_changed
    }
}

/// How a successful `Update group` changed the way a dynamic group chooses its members
/// (licensing.md: a rule change removes the members the new rule does not match, and the licenses
/// the group gave them; converting a static group to dynamic removes every member first, until the
/// rule has been evaluated).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupRuleChange {
    /// The membership rule before and after, when the record changes it (`MembershipRule`).
    pub rule: Option<RuleTexts>,
    /// `Some(true)`: the group became dynamic (`DynamicMembership` added to its types, or a rule
    /// given to a group that had none); `Some(false)`: it became static (assigned).
    pub dynamic: Option<bool>,
    /// `Some(true)`: rule processing turned on; `Some(false)`: paused
    /// (`MembershipRuleProcessingState`).
    pub processing_on: Option<bool>,
}

/// A membership rule's text before and after a change (absent: none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleTexts {
    pub old: Option<Box<str>>,
    pub new: Option<Box<str>>,
}

impl GroupRuleChange {
    pub fn any(&self) -> bool {
        self.rule.is_some() || self.dynamic.is_some() || self.processing_on.is_some()
    }
}

static NO_EXTRA: EventExtra = EventExtra {
    result_reason: None,
    additional_details: Vec::new(),
    summary: None,
    errors: Vec::new(),
    sequence: None,
    licenses_cut: LicenseTruncation::NONE,
    modified: Vec::new(),
    user_fixes: UserFixes::NONE,
    group_change: None,
};

fn is_whole(t: &LicenseTruncation) -> bool {
    !t.any()
}

impl EventExtra {
    /// The modified properties of the target at `place`.
    pub fn modified_of(&self, place: usize) -> &[ModifiedProperty] {
        self.modified.get(place).map_or(&[], Vec::as_slice)
    }
    /// The modified properties of the target at `place`, to change, among `targets` targets.
    pub fn modified_of_mut(&mut self, place: usize, targets: usize) -> &mut Vec<ModifiedProperty> {
        if self.modified.len() < targets.max(place + 1) {
            self.modified.resize_with(targets.max(place + 1), Vec::new);
        }
        &mut self.modified[place]
    }
}

/// An event's [`EventExtra`], boxed only when it has any: read as the empty one when it has
/// none, boxed when it is first changed ([`std::ops::DerefMut`]; [`Extra::tidy`] unboxes an
/// empty one). Five fields of one word each (a reason, details, a summary, errors, a sequence)
/// were 40 bytes of every kept event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extra(Option<Box<EventExtra>>);

impl Extra {
    /// The extras, owned (the empty ones when it has none).
    pub fn into_inner(self) -> EventExtra {
        self.0.map(|b| *b).unwrap_or_default()
    }
    /// Held as none again when it holds nothing, its vectors at their size.
    pub fn tidy(&mut self) {
        if let Some(x) = &mut self.0 {
            if **x == NO_EXTRA {
                self.0 = None;
            } else {
                x.additional_details.shrink_to_fit();
                x.errors.shrink_to_fit();
            }
        }
    }
}

#[cfg(test)]
impl Extra {
    /// Whether it holds a box (tests: an event without extras holds none).
    pub(crate) fn is_boxed(&self) -> bool {
        self.0.is_some()
    }
}

impl From<EventExtra> for Extra {
    fn from(x: EventExtra) -> Self {
        let mut e = Extra(Some(Box::new(x)));
        e.tidy();
        e
    }
}

impl std::ops::Deref for Extra {
    type Target = EventExtra;
    fn deref(&self) -> &EventExtra {
        self.0.as_deref().unwrap_or(&NO_EXTRA)
    }
}

impl std::ops::DerefMut for Extra {
    fn deref_mut(&mut self) -> &mut EventExtra {
        self.0.get_or_insert_default()
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

// A kept event's own size, held for every kept event (hundreds of thousands in a large log), at
// most what it is now: a field that grows it should be a rare one ([`Rare`], a box) or shared
// (`Arc`).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<AuditEvent>() <= 152);
// In every kept event (two, most often) and every identity: its modified properties are the
// event's ([`EventExtra::modified`]).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Target>() <= 32);
// Held in every kept event, user and identity: a thin pointer to the file's name, the numbers.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<SourceRef>() <= 24);

/// How far apart a `Change user license` and its `Update user` sibling can be when paired by
/// time ([`AuditEvent::sibling_distance_ms`]).
pub const SIBLING_WINDOW: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// How many digits of a second's fraction a time needs (0 to 9): 6 for Graph's
/// `08:12:00.2582110Z` (its seventh a zero), 3 for the same time cut to milliseconds by Log
/// Analytics (`08:12:00.258`). A fraction that happens to end in zeros counts fewer digits than it
/// was written with, which at worst ties it with a copy cut to them.
fn time_digits(t: DateTime<Utc>) -> u8 {
    let mut n = t.timestamp_subsec_nanos() % 1_000_000_000;
    if n == 0 {
        return 0;
    }
    let mut digits = 9;
    while n.is_multiple_of(10) {
        n /= 10;
        digits -= 1;
    }
    digits
}

impl AuditEvent {
    /// The reading order of events: time, then file and record (unique per record, since a
    /// file's records are numbered). Every sort of events, and the identities' merge with them,
    /// uses it.
    pub fn reading_key(&self) -> (DateTime<Utc>, &str, u64) {
        (self.time, &self.source.file, self.source.record)
    }

    /// Which of two copies of one record (the same record id read from two exports) is worth
    /// keeping, higher first: what the copy holds, then how finely its time is written. One
    /// export can project fewer columns than another (a Log Analytics query without
    /// `ResultReason`: its failures name no error) or cut its times (Log Analytics writes
    /// milliseconds where Graph writes seven digits), and the poorer copy can sort first. Only
    /// what a copy read holds counts, so a copy is never credited with what it lacks. Computed
    /// from the event as kept (after [`Self::compact`], which keeps what it derived).
    pub fn copy_worth(&self) -> (u8, u8) {
        let x = &*self.extra;
        // a failure read without a reason holds the placeholder `UnspecifiedFailure` with no text:
        // no error read
        let named_errors = x.errors.iter().any(|e| {
            !e.text.trim().is_empty()
                || !matches!(&e.cause, crate::model::Cause::Unknown(c)
                    if c.as_str() == crate::model::cause::UNSPECIFIED_FAILURE)
        });
        let held = [
            named_errors,
            x.result_reason
                .as_deref()
                .is_some_and(|r| !r.trim().is_empty()),
            self.licenses.is_some(),
            x.summary.is_some(),
            !x.modified.is_empty() || x.user_fixes.any() || x.group_change.is_some(),
            !x.additional_details.is_empty(),
        ];
        let worth = held.iter().fold(0u8, |w, &h| (w << 1) | u8::from(h));
        (worth, time_digits(self.time))
    }

    /// How far (in milliseconds) `update` is from this `Change user license` when it is its
    /// `Update user` sibling found by time: the record holding the license diff the `Change user
    /// license` record lacks. Entra pairs the two by correlation id; the unified audit log by
    /// `CreationTime` and `ObjectId` (formats.md section 8, quirk 6), its `InterSystemsId`s can
    /// differ. So: an `Update user` with a license diff, by the same actor, at most a second away
    /// (UAL times have no fraction: the two records can straddle a second). The caller checks
    /// that both target the same user.
    pub fn sibling_distance_ms(&self, update: &AuditEvent) -> Option<i64> {
        if self.activity != Activity::ChangeUserLicense
            || update.activity != Activity::UpdateUser
            || update.licenses.is_none()
            || update.actor != self.actor
        {
            return None;
        }
        let ms = (update.time - self.time).num_milliseconds().abs();
        (ms <= SIBLING_WINDOW.num_milliseconds()).then_some(ms)
    }

    /// The sibling ([`Self::sibling_distance_ms`]) nearest this `Change user license` among
    /// `events`, in time order and starting at most [`SIBLING_WINDOW`] before it (they are read up
    /// to as far after it).
    pub fn nearest_sibling<'e>(
        &self,
        events: impl Iterator<Item = &'e AuditEvent>,
    ) -> Option<&'e AuditEvent> {
        let to = self.time + SIBLING_WINDOW;
        events
            .take_while(|o| o.time <= to)
            .filter_map(|o| Some((self.sibling_distance_ms(o)?, o)))
            .min_by_key(|(d, _)| *d)
            .map(|(_, o)| o)
    }

    /// Whether this is a licensing event: a licensing activity, or any record carrying a license
    /// set, a processing summary, a license error, or the group-based-licensing service as actor.
    pub fn is_licensing(&self) -> bool {
        self.activity.is_licensing()
            || self.licenses.is_some()
            || !self.extra.errors.is_empty()
            || self.extra.summary.is_some()
            || matches!(self.actor, Actor::GroupBasedLicensing)
    }

    /// Whether licdiag keeps this event for diagnosis and timelines: licensing events, plus the
    /// membership and deletion events that explain them (a member removed, a group deleted) and
    /// the user updates that fix a license error (a usage location set, proxy addresses changed)
    /// and the group updates that change a dynamic group's membership rule.
    pub fn is_kept(&self) -> bool {
        self.is_licensing()
            || self.extra.user_fixes.any()
            || self.extra.group_change.is_some()
            || matches!(
                self.activity,
                Activity::AddMemberToGroup
                    | Activity::RemoveMemberFromGroup
                    | Activity::DeleteGroup
                    | Activity::DeleteUser
            )
    }

    /// Drops what only normalization reads once the payload is derived (modified properties and
    /// additional details: license sets, summary, sequence and errors are already taken from them),
    /// about half of a kept event's memory. No report, timeline, export or diagnosis reads them;
    /// a chunk of a split operation (`sequence`) must keep them until it is merged.
    pub fn compact(&mut self) {
        if !self.extra.additional_details.is_empty() || !self.extra.modified.is_empty() {
            self.extra.additional_details = Vec::new();
            self.extra.modified = Vec::new();
            self.extra.tidy();
        }
    }

    /// The first target of a kind.
    pub fn target(&self, kind: TargetKind) -> Option<&Target> {
        self.targets.iter().find(|t| t.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_file_name_is_one_word_and_reads_as_its_text() {
        assert_eq!(std::mem::size_of::<FileName>(), 8);
        let a = FileName::from("exports/audit-2026-11.jsonl");
        let b = FileName::from(String::from("exports/audit-2026-11.jsonl"));
        assert_eq!(a, b);
        assert_eq!(a, "exports/audit-2026-11.jsonl");
        let (first, second) = (FileName::from("a.json"), FileName::from("b.json"));
        assert!(first < second, "ordered as their text");
        assert_eq!(a.to_string(), "exports/audit-2026-11.jsonl");
        assert_eq!(format!("{a:?}"), "\"exports/audit-2026-11.jsonl\"");
        let src = SourceRef {
            file: a,
            record: 7,
            line: Line::at(9),
        };
        assert_eq!(
            serde_json::to_string(&src).unwrap(),
            r#"{"file":"exports/audit-2026-11.jsonl","record":7,"line":9}"#
        );
        assert_eq!(
            src.to_string(),
            "exports/audit-2026-11.jsonl: record 7 (line 9)"
        );
    }

    #[test]
    fn a_times_digits_are_those_its_fraction_needs() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(time_digits(t("2025-05-12T08:12:00.2582110Z")), 6);
        assert_eq!(time_digits(t("2025-05-12T08:12:00.2582111Z")), 7);
        assert_eq!(time_digits(t("2025-05-12T08:12:00.258Z")), 3);
        assert_eq!(time_digits(t("2025-05-12T08:12:00Z")), 0);
        assert_eq!(time_digits(t("2025-05-12T08:12:00.000000001Z")), 9);
    }

    /// What a copy holds ranks it, its time's digits after: a copy with the error text beats one
    /// without (the placeholder `UnspecifiedFailure` of a failure read without a reason is no
    /// error read), whatever their times.
    #[test]
    fn a_copy_with_the_error_text_is_worth_more_than_one_without() {
        use crate::diagnose::testkit::{count_text, gbl_fail, lerr};
        use crate::model::Cause;
        let text = count_text("ENTERPRISEPACK");
        let rich = gbl_fail(
            "isla",
            "2025-05-12T09:01:45Z",
            lerr(Cause::CountViolation, &text),
        );
        let unspecified = Cause::Unknown(crate::model::cause::UNSPECIFIED_FAILURE.into());
        let mut poor = gbl_fail("isla", "2025-05-12T09:01:45.381Z", lerr(unspecified, ""));
        assert!(rich.copy_worth() > poor.copy_worth());
        assert_eq!(poor.copy_worth().1, 3);
        // a reason alone, that no error was read from, is more than nothing
        let mut reasoned = poor.clone();
        reasoned.extra.result_reason = Some("Failed. Retry".into());
        assert!(reasoned.copy_worth() > poor.copy_worth());
        assert!(rich.copy_worth() > reasoned.copy_worth());
        // the same held, the finer time is worth more
        poor.time = "2025-05-12T09:01:45.3806420Z".parse().unwrap();
        let mut cut = poor.clone();
        cut.time = "2025-05-12T09:01:45.380Z".parse().unwrap();
        assert!(poor.copy_worth() > cut.copy_worth());
    }

    #[test]
    fn a_record_key_is_its_trimmed_id_in_any_ascii_case() {
        let k = RecordKey::of("Directory_5B0E77D2-1c4a_K3P9Q_40021877").unwrap();
        assert_eq!(
            RecordKey::of(" directory_5b0e77d2-1C4A_k3p9q_40021877 \t"),
            Some(k)
        );
        assert_ne!(
            RecordKey::of("Directory_5b0e77d2-1c4a_K3P9Q_40021878"),
            Some(k)
        );
        assert_eq!(RecordKey::of("   "), None);
        // longer than one folded piece: every piece counts
        let long = "x".repeat(200);
        assert_eq!(RecordKey::of(&long.to_uppercase()), RecordKey::of(&long));
        assert_ne!(
            RecordKey::of(&format!("{long}y")),
            RecordKey::of(&format!("{long}z"))
        );
        assert_ne!(
            RecordKey::of(&"x".repeat(64)),
            RecordKey::of(&"x".repeat(128))
        );
        assert_eq!(RecordKey::from_number(k.get()), Some(k));
        assert_eq!(RecordKey::from_number(0), None);
    }

    /// A row's key is its cells' stream (the row as a CSV line with every cell quoted), hashed in
    /// blocks: cells longer than a block, and cells that cross a block's end, count byte for
    /// byte, and where one cell ends and the next starts counts too.
    #[test]
    fn a_row_key_is_its_cells_in_order_whatever_their_sizes() {
        let long = "y".repeat(CellsKey::BLOCK * 2 + 17);
        let row = ["2026-10-05", "", long.as_str(), "Add member to group", ""];
        let k = RecordKey::of_cells(row);
        assert_eq!(RecordKey::of_cells(row.map(String::from)), k);
        let mut fed = CellsKey::new();
        row.iter().for_each(|c| fed.cell(c));
        assert_eq!(fed.finish(), k);
        let mut changed = long.clone();
        changed.replace_range(CellsKey::BLOCK + 3..CellsKey::BLOCK + 4, "z");
        let other = [
            "2026-10-05",
            "",
            changed.as_str(),
            "Add member to group",
            "",
        ];
        assert_ne!(RecordKey::of_cells(other), k);
        assert_ne!(
            RecordKey::of_cells(["ab", "c"]),
            RecordKey::of_cells(["a", "bc"])
        );
        assert_ne!(RecordKey::of_cells(["a", ""]), RecordKey::of_cells(["a"]));
        // a stream of exactly one block (the cell and its two quotes), and one byte past it
        let exact = "q".repeat(CellsKey::BLOCK - 2);
        let past = "q".repeat(CellsKey::BLOCK - 1);
        assert_ne!(RecordKey::of_cells([&exact]), RecordKey::of_cells([&past]));
        // fed as written: a whole row, or quoted cells among plain ones
        let cells = ["a\"b", "", "c"];
        let mut written = CellsKey::new();
        written.row_as_written(br#""a""b","","c""#);
        assert_eq!(written.finish(), RecordKey::of_cells(cells));
        let mut mixed = CellsKey::new();
        mixed.quoted_cell(br#""a""b""#);
        mixed.cell("");
        mixed.quoted_cell(br#""c""#);
        assert_eq!(mixed.finish(), RecordKey::of_cells(cells));
        let mut short = CellsKey::new();
        (0..200).for_each(|i| short.cell(&"s".repeat(i % 7)));
        let mut again = CellsKey::new();
        (0..200).for_each(|i| again.cell_bytes("s".repeat(i % 7).as_bytes()));
        assert_eq!(short.finish(), again.finish());
    }

    proptest! {
        /// A name is read as `name.trim().trim_end_matches('.').trim()`: other names keep that
        /// text; a known one is known under white space and trailing periods (one round: `. .`
        /// at the end leaves a period, and the name is another).
        #[test]
        fn names_are_trimmed_of_space_and_periods(
            pad in "[ \t.]{0,4}",
            end in "[ \t.\u{a0}]{0,5}",
            other in "[xyz .]{0,8}",
        ) {
            let name = format!("{pad}{other}{end}");
            prop_assert_eq!(
                Activity::from_name(&name),
                Activity::Other(name.trim().trim_end_matches('.').trim().into())
            );
            let known = format!("{}Add member to group{end}", pad.replace('.', ""));
            let once = known.trim().trim_end_matches('.').trim();
            if once.ends_with("group") {
                prop_assert_eq!(Activity::from_name(&known), Activity::AddMemberToGroup);
            } else {
                prop_assert_eq!(Activity::from_name(&known), Activity::Other(once.into()));
            }
        }
    }

    /// Quirk 6's pairing by time: an `Update user` with a license diff, by the same actor, at
    /// most a second away; nothing else.
    #[test]
    fn sibling_by_time_is_an_update_user_by_the_same_actor_within_a_second() {
        use crate::diagnose::testkit::{event, user_target};
        let at = |activity, time: &str, actor: Actor, licenses: bool| {
            let mut e = event(
                activity,
                time,
                Outcome::Success,
                actor,
                vec![user_target("u")],
            );
            e.licenses = licenses.then(Default::default);
            e
        };
        let admin = || Actor::User(Default::default());
        let change = at(
            Activity::ChangeUserLicense,
            "2025-04-02T10:00:00Z",
            admin(),
            false,
        );
        let update = |time, actor, licenses| at(Activity::UpdateUser, time, actor, licenses);
        assert_eq!(
            change.sibling_distance_ms(&update("2025-04-02T10:00:00.400Z", admin(), true)),
            Some(400)
        );
        assert_eq!(
            change.sibling_distance_ms(&update("2025-04-02T09:59:59Z", admin(), true)),
            Some(1_000)
        );
        for other in [
            update("2025-04-02T10:00:01.001Z", admin(), true),
            update("2025-04-02T10:00:00Z", admin(), false),
            update("2025-04-02T10:00:00Z", Actor::GroupBasedLicensing, true),
            at(
                Activity::ChangeUserLicense,
                "2025-04-02T10:00:00Z",
                admin(),
                true,
            ),
        ] {
            assert_eq!(change.sibling_distance_ms(&other), None, "{other:?}");
        }
    }

    #[test]
    fn trailing_period_and_spellings() {
        assert_eq!(
            Activity::from_name("Change user license."),
            Activity::from_name("Change user license")
        );
        assert_eq!(
            Activity::from_name("Finish applying group based license to user"),
            Activity::FinishApplyingGroupLicense
        );
        assert_eq!(
            Activity::from_name("Update service principal."),
            Activity::Other("Update service principal".into())
        );
    }

    #[test]
    fn gbl_actor_both_names() {
        assert!(is_gbl_actor_name(
            "Microsoft Azure AD Group-Based Licensing"
        ));
        assert!(is_gbl_actor_name("microsoft entra group-based licensing"));
        assert!(!is_gbl_actor_name(
            "Microsoft Azure AD Internal - Jit Provisioning"
        ));
    }

    /// Every kept event is held until the run ends (500-700 bytes each, with what it points to;
    /// a kilobyte before the twenty-ninth and thirtieth runs): the actor's details and the
    /// processing counts, absent from most kept events, are boxed so that they cost nothing there
    /// (the event was 384 bytes, the actor 88 of them), and a GUID correlation id is held in the
    /// event, not in 64 bytes of heap; texts that are never appended to are boxed strings (no
    /// capacity word).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn kept_events_stay_small() {
        assert_eq!(std::mem::size_of::<Actor>(), 16);
        assert_eq!(std::mem::size_of::<Option<CorrelationId>>(), 24);
        assert!(std::mem::size_of::<AuditEvent>() <= 208);
        assert_eq!(std::mem::size_of::<Activity>(), 16);
        // in every kept event and every identity: strings boxed, no properties one word
        assert!(std::mem::size_of::<Target>() <= 40);
        assert_eq!(std::mem::size_of::<super::super::snapshot::Seen>(), 8);
    }

    #[test]
    fn outcomes() {
        assert_eq!(Outcome::parse("Success"), Outcome::Success);
        assert_eq!(Outcome::parse("0"), Outcome::Success);
        assert_eq!(Outcome::parse("failure"), Outcome::Failure);
        assert_eq!(Outcome::parse("unknownFutureValue"), Outcome::Unknown);
    }

    /// The extras read as empty when there are none, are boxed when first changed, and are held
    /// as none again when tidied empty; built from empty ones, they are none.
    #[test]
    fn extras_are_boxed_only_when_held() {
        let mut x = Extra::default();
        assert!(!x.is_boxed());
        assert!(x.errors.is_empty() && x.summary.is_none() && x.sequence.is_none());
        x.sequence = Some(2);
        assert!(x.is_boxed());
        x.tidy();
        assert!(x.is_boxed(), "a sequence is held");
        x.sequence = None;
        x.tidy();
        assert!(!x.is_boxed());
        assert!(!Extra::from(EventExtra::default()).is_boxed());
        let reason = Extra::from(EventExtra {
            result_reason: Some("because".into()),
            additional_details: Vec::with_capacity(8),
            ..Default::default()
        });
        assert!(reason.is_boxed());
        assert_eq!(reason.result_reason.as_deref(), Some("because"));
        assert_eq!(reason.additional_details.capacity(), 0, "held at its size");
        assert_eq!(
            reason.clone().into_inner().result_reason.as_deref(),
            Some("because")
        );
    }

    /// A line is any number but the one taken for none, 0 included (a slice's first line before
    /// it is moved to the file's); moved on, none stays none; written as the option it stands for.
    #[test]
    fn a_line_in_one_word() {
        assert_eq!(std::mem::size_of::<Line>(), 8);
        assert_eq!(Line::at(0).get(), Some(0));
        assert_eq!(Line::at(7).get(), Some(7));
        assert_eq!(Line::NONE.get(), None);
        assert_eq!(Line::at(u64::MAX).get(), Some(u64::MAX - 1));
        let mut l = Line::at(0);
        l.shift(41);
        assert_eq!(l.get(), Some(41));
        let mut n = Line::NONE;
        n.shift(41);
        assert!(n.is_none());
        assert_eq!(Line::from(Some(3)), Line::at(3));
        assert_eq!(Line::from(None), Line::NONE);
        assert_eq!(Line::default(), Line::NONE);
        assert_eq!(serde_json::to_string(&Line::at(3)).unwrap(), "3");
        assert_eq!(serde_json::to_string(&Line::NONE).unwrap(), "null");
        assert_eq!(format!("{:?}", Line::at(3)), "Some(3)");
    }
}
