//! The fast path. Most records of a real export are not about licensing (sign-in-free directory noise:
//! application updates, consents, profile edits), yet each must still be counted, validated and
//! placed in the time range. A record whose bytes contain none of the licensing needles below cannot
//! become a kept event, so it is parsed only lightly: its JSON is validated without building a tree,
//! its top-level keys classified by the same rules as the full path ([`audit::classify_keys`]) and its
//! timestamp read. Anything the light parse is not sure about goes through the full path, so both
//! paths give identical results (a test checks it on every fixture).
//!
//! Needles (ASCII case-insensitive): everything that makes `AuditEvent::is_kept` true — licensing
//! activity names, license payloads (`AssignedLicense`, `SkuId=`), processing summaries, the
//! group-based-licensing actor, membership and deletion activities, the properties of a user
//! update that fixes an error (`UsageLocation`, `ProxyAddresses`), of a group update that changes a
//! dynamic group's membership (`MembershipRule`, `DynamicMembership`), and every error text the
//! normalizer extracts — plus `\u`, since a JSON escape could spell any of them. The normalizer's
//! patterns match these words ASCII case-insensitively too (`normalize::errors`,
//! `licenses::parse_summary`): with Unicode case folding, `Not enough licenſes are available`
//! (a long s) would be an error the needles miss.

use super::audit::{self, Family, Keyed};
use super::csvrows::Cells;
use super::{lightjson, value};
use crate::model::AuditFormat;
use crate::normalize::time::parse_timestamp;
use aho_corasick::AhoCorasick;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::sync::LazyLock;

const NEEDLES: [&str; 19] = [
    "icens",             // license, Licensing, AssignedLicense, "Not enough licenses"
    "member to group",   // Add member to group
    "member from group", // Remove member from group
    "delete group",      // (the activity names only: `UserType: Member` and
    "delete user",       // `Delete application` are not kept)
    "iolation",          // *Violation tokens
    "xception",          // LicenseAssignmentAttributeConcurrencyException and failure classes
    "xclusive",          // mutually exclusive
    "epends on",         // depends on the service plan(s)
    "roxy",              // Proxy address / proxyAddresses (also an `Update user` changing them)
    "agelocation",       // an `Update user` setting UsageLocation
    "membership",        // an `Update group` changing a dynamic group's MembershipRule or its
    //                      processing, or making it DynamicMembership / static
    "nabled as well", // add-on prerequisite
    "rror:",          // Error: lists
    "onflicting",     // Conflicting Service Plans
    "without service plan",
    "skuid=",
    "skuname=",
    "sequence", // a chunk of a split operation, held for the merge whatever its activity
];

/// The needle searcher. Preferred: a vectorized Teddy searcher over the folded needles, run on
/// folded text ([`fold_into`]; several GB/s; aho-corasick's case-insensitive automaton runs at a
/// tenth of that here). Fallback when the CPU has no SIMD Teddy: the case-insensitive automaton.
enum Finder {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

static FINDER: LazyLock<Option<Finder>> = LazyLock::new(|| Finder::build(&NEEDLES));

/// What a property value or an additional detail must hold (ASCII case-insensitive) for
/// normalization to derive anything from it but an error: a license set (`SkuName=` / `SkuId=`,
/// in properties named `...License...`), a processing summary (`...licenses: ...`), a sequence
/// number (the detail `sequence`), a user update's fix (`UsageLocation`, `ProxyAddresses`
/// properties, [`crate::model::event::UserFixes`]), a group update's rule change (`MembershipRule`,
/// `DynamicMembership`: `membership`, [`crate::model::event::GroupRuleChange`]); plus `\u`, since an escape decoded once
/// more (property values are JSON text) could spell any of them. Error texts are the light mappings' own check
/// ([`audit::may_hold_error_bytes`]).
const PAYLOAD_NEEDLES: [&str; 8] = [
    "icens",
    "skuid=",
    "skuname=",
    "sequence",
    "agelocation",
    "roxyaddresses",
    "membership",
    "\\u",
];

/// The payload needles alone: the tests' reference for [`may_hold`]'s `payload`.
#[cfg(test)]
static PAYLOAD: LazyLock<Option<Finder>> = LazyLock::new(|| Finder::build(&PAYLOAD_NEEDLES));

/// The error needles ([`audit::ERROR_NEEDLES`], first) and the payload needles but `\u`, searched
/// together in any ASCII case by [`may_hold`] (a two-byte needle would make the vectorized search
/// test two-byte prefixes, and stop at most bytes).
static HOLDS: LazyLock<Option<Finder>> = LazyLock::new(|| {
    let needles: Vec<&str> = audit::ERROR_NEEDLES
        .iter()
        .chain(PAYLOAD_NEEDLES.iter().filter(|n| **n != "\\u"))
        .copied()
        .collect();
    Finder::build(&needles)
});

/// The error needles alone ([`audit::ERROR_NEEDLES`]), in any ASCII case: [`may_hold_error_bytes`].
static ERRORS: LazyLock<Option<Finder>> = LazyLock::new(|| Finder::build(&audit::ERROR_NEEDLES));

/// Whether the bytes hold an error needle in any ASCII case ([`audit::may_hold_error_bytes`]).
pub fn may_hold_error_bytes(bytes: &[u8]) -> bool {
    Finder::any_in(&ERRORS, bytes)
}

thread_local! {
    /// Reused buffer for the folded text (no allocation, no page faults per record).
    static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Gives back this thread's buffer of folded text (as large as the largest slice it folded, 5.6 MB
/// for JSON Lines): for when the inputs are read, so that it is not held through the diagnosis.
pub fn release_buffers() {
    crate::model::ids::forget(&LOWER);
}

/// `text` with bit 5 (0x20) set in every byte, into `buf`. Upper-case ASCII letters become lower
/// case and lower-case ones stay, so a needle folded the same way is in the folded text wherever
/// the needle is in `text` in any ASCII case. Other bytes fold onto bytes that are not letters
/// (`@` onto a backquote, `[` onto `{`, `\` onto `|`, control bytes onto space and punctuation):
/// such a byte can only make a needle's punctuation match where the text had none, a false hit,
/// which sends a record to the full parse and loses nothing. Cheaper than lower-casing (one OR a
/// byte, no comparisons), on 32 bytes at a time with AVX2.
fn fold_into(buf: &mut Vec<u8>, text: &[u8]) {
    buf.clear();
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above; the answer is cached)
        unsafe { fold_avx2(buf, text) };
        return;
    }
    fold(buf, text);
}

#[inline(always)]
fn fold(buf: &mut Vec<u8>, text: &[u8]) {
    buf.extend(text.iter().map(|c| c | 0x20));
}

/// [`fold`] compiled for AVX2 (the same loop, vectorized 32 bytes wide).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fold_avx2(buf: &mut Vec<u8>, text: &[u8]) {
    fold(buf, text);
}

/// A needle as [`fold_into`] folds text.
fn folded_needle(n: &str) -> Vec<u8> {
    let mut b = Vec::new();
    fold(&mut b, n.as_bytes());
    b
}

impl Finder {
    fn build(needles: &[&str]) -> Option<Finder> {
        let lower: Vec<Vec<u8>> = needles.iter().map(|n| folded_needle(n)).collect();
        if let Some(s) = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&lower)
            .build()
        {
            return Some(Finder::Packed(s));
        }
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(needles)
            .ok()
            .map(Finder::Automaton)
    }
    /// Whether `bytes` hold one of the searcher's needles, in any case (true without a searcher).
    fn any_in(finder: &Option<Finder>, bytes: &[u8]) -> bool {
        match finder {
            Some(f) => f.with_lower(bytes, |lower| f.find(bytes, lower, 0).is_some()),
            None => true,
        }
    }
    /// The start of the first needle at or after `from` (any case).
    fn find(&self, text: &[u8], lower: &[u8], from: usize) -> Option<(usize, usize)> {
        match self {
            Finder::Packed(s) => s
                .find_in(lower, aho_corasick::Span::from(from..lower.len()))
                .map(|m| (m.start(), m.end())),
            Finder::Automaton(a) => a
                .find(aho_corasick::Input::new(text).span(from..text.len()))
                .map(|m| (m.start(), m.end())),
        }
    }
    /// The pattern (its index among the needles) and the start of the first needle at or after
    /// `from` (any case).
    fn find_pattern(&self, text: &[u8], lower: &[u8], from: usize) -> Option<(usize, usize)> {
        match self {
            Finder::Packed(s) => s
                .find_in(lower, aho_corasick::Span::from(from..lower.len()))
                .map(|m| (m.pattern().as_usize(), m.start())),
            Finder::Automaton(a) => a
                .find(aho_corasick::Input::new(text).span(from..text.len()))
                .map(|m| (m.pattern().as_usize(), m.start())),
        }
    }
    /// Runs `f` with the text folded ([`fold_into`]; for the packed searcher, the automaton
    /// ignores it).
    fn with_lower<R>(&self, text: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
        if let Finder::Automaton(_) = self {
            return f(text);
        }
        LOWER.with(|l| match l.try_borrow_mut() {
            Ok(mut buf) => {
                fold_into(&mut buf, text);
                f(&buf[..])
            }
            Err(_) => {
                let mut buf = Vec::new();
                fold_into(&mut buf, text);
                f(&buf[..])
            }
        })
    }
}

/// Whether a record may become a kept event (or is otherwise not for the fast path). A JSON escape
/// `\u` could spell any needle: the light parse ([`lightjson`]) refuses such records, and
/// [`may_be_kept_text`] looks for it in CSV cells.
pub fn may_be_kept(bytes: &[u8]) -> bool {
    Finder::any_in(&FINDER, bytes)
}

/// Whether the bytes hold a payload needle ([`PAYLOAD_NEEDLES`]), searched alone: the reference
/// the tests hold [`may_hold`]'s `payload` to (the mappings ask `may_hold`, one search for both).
#[cfg(test)]
fn may_carry_payload(bytes: &[u8]) -> bool {
    Finder::any_in(&PAYLOAD, bytes)
}

/// What the bytes of a kept record may hold, from [`may_hold`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MayHold {
    /// An error needle in any ASCII case: true wherever [`audit::may_hold_error_bytes`] is.
    pub error: bool,
    /// Whether normalization may derive a payload other than an error (license sets, a
    /// processing summary, a sequence number) from the record's modified properties or additional
    /// details ([`PAYLOAD_NEEDLES`]). When not, and the events are compacted
    /// ([`AuditEvent::compact`](crate::model::AuditEvent::compact) drops both), the light mappings
    /// need not read them at all. Only sure when `error` is false (the search stops there).
    pub payload: bool,
}

/// [`audit::may_hold_error_bytes`] and the payload needles from one search of the folded bytes
/// instead of two: for the light mappings, which give up on an error and read a payload. The error
/// needles are matched in any ASCII case here, so `error` may be true where the exact search says
/// no: the record then takes the full path, which gives the same result.
pub fn may_hold(bytes: &[u8]) -> MayHold {
    let Some(f) = HOLDS.as_ref() else {
        return MayHold {
            error: true,
            payload: true,
        };
    };
    f.with_lower(bytes, |lower| {
        let mut h = MayHold {
            error: false,
            payload: false,
        };
        if let Some((pattern, start)) = f.find_pattern(bytes, lower, 0) {
            if pattern < audit::ERROR_NEEDLES.len() {
                h.error = true;
                return h;
            }
            // a payload needle: no error needle starts before it (nor at it: those come first),
            // the rest is searched for one as `may_hold_error_bytes` does, in the text already
            // folded when both searchers read folded text
            h.payload = true;
            h.error = match (f, ERRORS.as_ref()) {
                (Finder::Packed(_), Some(e @ Finder::Packed(_))) => {
                    e.find(bytes, lower, start.min(lower.len())).is_some()
                }
                _ => audit::may_hold_error_bytes(bytes.get(start..).unwrap_or_default()),
            };
            return h;
        }
        // no needle of the search: a `\u` is the payload needle left
        h.payload =
            memchr::memchr(b'\\', bytes).is_some_and(|i| ESCAPE.find(&bytes[i..]).is_some());
        h
    })
}

/// Offsets of needle matches (any case) in `text`, at least one in every line that holds one, in
/// order: for many JSON Lines records at once. After a match the search resumes at the next line.
pub fn needle_positions(text: &[u8]) -> Vec<usize> {
    needle_starts(text, false)
}

/// [`needle_positions`], a line ending at a line feed, or at a carriage return too when `cr`
/// (CSV rows: the `csv` crate ends a record at either).
fn needle_starts(text: &[u8], cr: bool) -> Vec<usize> {
    let next_line = |from: usize| {
        let rest = &text[from..];
        let end = if cr {
            memchr::memchr2(b'\n', b'\r', rest)
        } else {
            memchr::memchr(b'\n', rest)
        };
        end.map_or(text.len(), |p| from + p + 1)
    };
    let Some(f) = FINDER.as_ref() else {
        // no searcher: every line may hold a needle
        let mut out = vec![0];
        let mut pos = 0;
        while pos < text.len() {
            pos = next_line(pos);
            out.push(pos);
        }
        return out;
    };
    f.with_lower(text, |lower| {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            let Some((start, end)) = f.find(text, lower, pos) else {
                break;
            };
            out.push(start);
            pos = next_line(end);
        }
        out
    })
}

/// The `\u` searcher, built once: `memmem::find` builds its searcher on every call (about 600
/// instructions, as much as searching a short row).
static ESCAPE: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\\u"));

/// [`may_be_kept`] for text that is not validated by the light parse (CSV cells, which may hold
/// JSON): also true for any `\u`.
pub fn may_be_kept_text(bytes: &[u8]) -> bool {
    // most admin-center rows hold no backslash at all, which one `memchr` pass finds out at a
    // fraction of the pair search's cost
    may_be_kept(bytes)
        || memchr::memchr(b'\\', bytes).is_some_and(|i| ESCAPE.find(&bytes[i..]).is_some())
}

/// [`may_be_kept_text`] for many CSV rows at once: the needles and every `\u` are searched over a
/// whole slice of rows, once (a search per row cost a lowercase copy and a searcher start per
/// row), and each row asks [`TextHits::any_in`] for its own bytes. A needle holds no line end
/// (`\n` or `\r`, either of which can end a row), so a match lies inside one row.
pub struct TextHits {
    /// Match starts, ascending: at least one in every line that holds a needle, and every `\u`.
    at: Vec<usize>,
    /// The first match not before the last row asked about.
    next: usize,
}

impl TextHits {
    /// The matches in `text`.
    pub fn new(text: &[u8]) -> TextHits {
        let mut at = needle_starts(text, true);
        let before = at.len();
        // as in `may_be_kept_text`: one `memchr` pass when the text holds no backslash
        if let Some(i) = memchr::memchr(b'\\', text) {
            at.extend(ESCAPE.find_iter(&text[i..]).map(|p| i + p));
        }
        if at.len() > before {
            at.sort_unstable();
        }
        TextHits { at, next: 0 }
    }

    /// Whether `text[start..end]` holds a match ([`may_be_kept_text`] of it); rows must be asked
    /// about in order (`start` never decreasing).
    pub fn any_in(&mut self, start: usize, end: usize) -> bool {
        while self.at.get(self.next).is_some_and(|&p| p < start) {
            self.next += 1;
        }
        self.at.get(self.next).is_some_and(|&p| p < end)
    }
}

#[cfg(test)]
thread_local! {
    /// While `Some`, every key [`LightMap::get`] is asked for on this thread, with the address
    /// of the map's items (tests of which keys a mapping reads; off otherwise, so the other tests
    /// do not pile up their lookups).
    pub(super) static LOOKUPS: std::cell::RefCell<Option<Vec<(usize, String)>>> =
        const { std::cell::RefCell::new(None) };
}

/// Top-level keys with their raw (validated, unparsed) values, from [`lightjson::Doc`]: borrowed
/// from the document (no copy per object) or owned.
pub(super) struct LightMap<'a> {
    items: Cow<'a, [(&'a str, &'a str)]>,
    /// One bit per key signature ([`signature`]) of the members: a key whose bit is clear is
    /// absent in every case, so most lookups (of keys a record does not have) end here.
    sig: u64,
}

/// A bit for a key's length and its first and last bytes, ASCII case folded: keys equal but for
/// ASCII case have the same bit.
fn signature(k: &str) -> u64 {
    let b = k.as_bytes();
    let fold = |c: Option<&u8>| u32::from(c.map_or(0, u8::to_ascii_lowercase));
    let h = (b.len() as u32)
        .wrapping_mul(31)
        .wrapping_add(fold(b.first()))
        .wrapping_mul(31)
        .wrapping_add(fold(b.last()));
    1 << (h % 64)
}

impl<'a> LightMap<'a> {
    pub(super) fn new(items: Vec<(&'a str, &'a str)>) -> Self {
        Self::with(Cow::Owned(items))
    }
    /// The members of an object of a document, without copying them.
    pub(super) fn borrowed(items: &'a [(&'a str, &'a str)]) -> Self {
        Self::with(Cow::Borrowed(items))
    }
    fn with(items: Cow<'a, [(&'a str, &'a str)]>) -> Self {
        let sig = items.iter().fold(0, |s, (k, _)| s | signature(k));
        LightMap { items, sig }
    }
    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Whether some member may have this key in some case (false: surely none has).
    fn may_have(&self, key: &str) -> bool {
        self.sig & signature(key) != 0
    }
    /// Case-insensitive lookup with the full path's rules: the exact spelling first (the last of
    /// duplicates wins), else the first matching key in byte order; null counts as absent.
    pub(super) fn get(&self, key: &str) -> Option<&'a str> {
        #[cfg(test)]
        LOOKUPS.with(|l| {
            if let Some(seen) = l.borrow_mut().as_mut() {
                seen.push((self.items.as_ptr() as usize, key.to_string()));
            }
        });
        if !self.may_have(key) {
            return None;
        }
        // one pass: the last exact spelling, and the least other spelling in byte order with its
        // last value
        let mut exact = None;
        let mut other: Option<(&str, &'a str)> = None;
        // a key whose first byte differs from `key`'s in more than ASCII case is no spelling of
        // it: passed over without comparing the rest (most keys of the same length)
        let first = key.as_bytes().first().map(u8::to_ascii_lowercase);
        for &(k, v) in self.items.iter() {
            if k.len() != key.len() || k.as_bytes().first().map(u8::to_ascii_lowercase) != first {
                continue;
            }
            if k == key {
                exact = Some(v);
            } else if let Some((o, last)) = &mut other {
                if k == *o {
                    *last = v;
                } else if k < *o && k.eq_ignore_ascii_case(key) {
                    other = Some((k, v));
                }
            } else if k.eq_ignore_ascii_case(key) {
                other = Some((k, v));
            }
        }
        let v = exact.or(other.map(|(_, v)| v))?;
        (v != "null").then_some(v)
    }
    /// Whether a top-level `value` / `records` key holds an array: the object is a page or
    /// envelope whose elements are the records.
    pub(super) fn is_envelope(&self) -> bool {
        self.items
            .iter()
            .any(|(k, v)| super::jsonscan::is_envelope_key(k.as_bytes()) && v.starts_with('['))
    }
}

impl Keyed for LightMap<'_> {
    fn each_key(&self, mut f: impl FnMut(&str, bool)) {
        self.items
            .iter()
            .for_each(|(k, v)| f(k, v.starts_with('"')));
    }
    fn is_string(&self, key: &str) -> bool {
        // `classify_keys` asks this only when some spelling of `key` holds a string (its bits):
        // the walk over string members that once ruled the others out is done there
        self.get(key).is_some_and(|v| v.starts_with('"'))
    }
    fn string(&self, key: &str) -> Option<String> {
        let v = self.get(key)?;
        if v.starts_with('"') {
            lightjson::unescape_str(v)
        } else {
            None
        }
    }
}

/// What the light parse is sure of.
pub enum Light {
    /// A valid audit record that is counted but not kept.
    Event {
        time: DateTime<Utc>,
        format: AuditFormat,
    },
    /// Not sure: use the full path.
    Unsure,
}

/// The text value of a key as `ingest::value::text` would give it for a string; numbers and booleans
/// (which `text` renders) are left to the full path.
enum Text<'a> {
    Absent,
    /// Trimmed; borrowed from the record unless it held an escape.
    Str(Cow<'a, str>),
    Unsure,
}

fn text_of<'a>(m: &LightMap<'a>, keys: &[&str]) -> Text<'a> {
    for k in keys {
        let Some(v) = m.get(k) else { continue };
        if !v.starts_with('"') {
            return Text::Unsure;
        }
        let Some(s) = lightjson::unescape_cow(v) else {
            return Text::Unsure;
        };
        let t = match s {
            Cow::Borrowed(b) => value::present(b).map(Cow::Borrowed),
            Cow::Owned(o) => value::present(&o).map(|t| Cow::Owned(t.to_string())),
        };
        if let Some(t) = t {
            return Text::Str(t);
        }
    }
    Text::Absent
}

/// Light parse of a record that [`may_be_kept`] said no to.
pub fn light(bytes: &[u8]) -> Light {
    // one pass over the record, keeping what is read here: the top-level members, and an Azure
    // Monitor record's `properties` (most of its bytes; not scanned a second time)
    let Some(doc) = lightjson::Doc::parse_shallow(bytes) else {
        return Light::Unsure;
    };
    let m = LightMap::borrowed(doc.root_items());
    if m.is_envelope() {
        return Light::Unsure;
    }
    let (format, time, fallback, activity) = match audit::classify_keys(&m) {
        Some(Family::Graph(f)) => (
            f,
            text_of(&m, &["activityDateTime"]),
            text_of(&m, &["TimeGenerated", "TimeGenerated [UTC]", "time"]),
            text_of(
                &m,
                &["activityDisplayName", "OperationName", "operationName"],
            ),
        ),
        Some(Family::AzureMonitor) => {
            let Some(props) = m.get("properties") else {
                return Light::Unsure;
            };
            if !props.trim_start().starts_with('{') {
                return Light::Unsure;
            }
            let Some(p) = doc.member_items(props).map(LightMap::borrowed) else {
                return Light::Unsure;
            };
            let activity = match text_of(
                &p,
                &["activityDisplayName", "OperationName", "operationName"],
            ) {
                Text::Absent => text_of(&m, &["operationName"]),
                other => other,
            };
            (
                AuditFormat::AzureMonitor,
                text_of(&p, &["activityDateTime"]),
                text_of(&m, &["time"]),
                activity,
            )
        }
        _ => return Light::Unsure,
    };
    let activity_ok = match activity {
        Text::Str(a) => !a.trim().trim_end_matches('.').trim().is_empty(),
        _ => false,
    };
    if !activity_ok {
        return Light::Unsure;
    }
    let parsed = match (time, fallback) {
        (Text::Unsure, _) | (_, Text::Unsure) => None,
        (Text::Str(t), f) => parse_timestamp(&t).or_else(|| match f {
            Text::Str(f) => parse_timestamp(&f),
            _ => None,
        }),
        (Text::Absent, Text::Str(f)) => parse_timestamp(&f),
        (Text::Absent, Text::Absent) => None,
    };
    match parsed {
        Some(time) => Light::Event { time, format },
        None => Light::Unsure,
    }
}

/// The fast path for CSV exports: admin-center and Log Analytics downloads, whose time and activity
/// sit in known columns, and Purview, whose record is the `AuditData` JSON (light-parsed like a JSON
/// record).
pub(crate) struct CsvFast {
    format: AuditFormat,
    width: usize,
    /// Columns holding the event time, as groups in the order the full path tries the names (a
    /// group holds the columns whose header normalizes to the same name).
    time: Vec<Vec<usize>>,
    activity: Vec<Vec<usize>>,
    /// Purview: the `AuditData` column, whose JSON object holds the record.
    audit_data: Option<usize>,
}

impl CsvFast {
    /// From the file's shape and its column keys ([`audit::header_keys`], one per column).
    pub(crate) fn new(shape: &super::CsvShape, keys: &[String]) -> Option<CsvFast> {
        use super::audit::CsvKind;
        let group = |name: &str| -> Vec<usize> {
            keys.iter()
                .enumerate()
                .filter(|(_, k)| k.eq_ignore_ascii_case(name))
                .map(|(i, _)| i)
                .collect()
        };
        match shape {
            super::CsvShape::Audit(CsvKind::Portal) => Some(CsvFast {
                format: AuditFormat::PortalCsv,
                width: keys.len(),
                time: vec![vec![0]],
                activity: vec![vec![4]],
                audit_data: None,
            }),
            super::CsvShape::Audit(CsvKind::LogAnalytics) => {
                // the keys `map_graph` reads the time and the activity under, in its order, each
                // with its columns in the order its lookup prefers them: a header may spell a key
                // twice in different cases, and the columns are then not read last to first
                let cols = |asked: &[&str]| super::lightaudit::la_key_columns(keys, asked);
                Some(CsvFast {
                    format: AuditFormat::LogAnalyticsCsv,
                    width: keys.len(),
                    time: cols(&[
                        "activityDateTime",
                        "TimeGenerated",
                        "TimeGenerated [UTC]",
                        "time",
                    ]),
                    activity: cols(&["activityDisplayName", "OperationName", "operationName"]),
                    audit_data: None,
                })
            }
            super::CsvShape::Audit(CsvKind::Purview) => {
                let ad = group("AuditData");
                (ad.len() == 1).then(|| CsvFast {
                    format: AuditFormat::PurviewCsv,
                    width: keys.len(),
                    time: Vec::new(),
                    activity: Vec::new(),
                    audit_data: ad.first().copied(),
                })
            }
            _ => None,
        }
    }

    /// The value the full path reads for a key from its columns, in the order its lookup prefers
    /// them: the first cell not empty once trimmed, `None` when there is none or it is a null
    /// marker (the next key is then asked).
    fn value<'r>(row: &'r impl Cells, cols: &[usize]) -> Option<Cow<'r, str>> {
        let cell = cols
            .iter()
            .filter_map(|&i| row.cell(i))
            .find(|c| !crate::model::trim(c).is_empty())?;
        match cell {
            Cow::Borrowed(c) => value::present(c).map(Cow::Borrowed),
            Cow::Owned(c) => value::present(&c).map(|t| Cow::Owned(t.to_string())),
        }
    }

    /// The time of a Purview row's `AuditData` record when it is surely an in-scope directory event
    /// the full path would read as one (workload `AzureActiveDirectory`, record type 8, an
    /// operation, a `CreationTime`); `None` = use the full path.
    fn light_ual(cell: &str) -> Option<DateTime<Utc>> {
        // the members borrowed from the document, not copied
        let doc = lightjson::Doc::parse_shallow_str(crate::model::trim(cell))?;
        let m = LightMap::borrowed(doc.root_items());
        let workload = m.get("Workload")?;
        if !workload.eq_ignore_ascii_case("\"AzureActiveDirectory\"") {
            return None;
        }
        if !matches!(m.get("RecordType")?, "8" | "\"8\"") {
            return None;
        }
        match text_of(&m, &["Operation"]) {
            Text::Str(a) if !a.trim_end_matches('.').trim().is_empty() => {}
            _ => return None,
        }
        match text_of(&m, &["CreationTime"]) {
            Text::Str(t) => parse_timestamp(&t),
            _ => None,
        }
    }

    /// The event time of a row that cannot become a kept event; `None` = use the full path.
    pub(crate) fn light(&self, row: &impl Cells) -> Option<(DateTime<Utc>, AuditFormat)> {
        // the needles over all cells at once (a match across two cells only costs a full parse;
        // none holds a quote or a comma, so a needle in a cell is in a scanned row's bytes too)
        self.light_searched(row, may_be_kept_text(row.haystack()))
    }

    /// [`CsvFast::light`] for a row whose bytes were searched already: `needle` is
    /// [`may_be_kept_text`] of them ([`TextHits`]).
    pub(crate) fn light_searched(
        &self,
        row: &impl Cells,
        needle: bool,
    ) -> Option<(DateTime<Utc>, AuditFormat)> {
        if row.width() != self.width || needle {
            return None;
        }
        if let Some(i) = self.audit_data {
            return row
                .with_cell(i, Self::light_ual)
                .flatten()
                .map(|t| (t, self.format));
        }
        let activity = self.activity.iter().find_map(|g| Self::value(row, g))?;
        if activity.trim_end_matches('.').trim().is_empty() {
            return None;
        }
        let t = self.time.first().and_then(|g| Self::value(row, g));
        let f = self.time.iter().skip(1).find_map(|g| Self::value(row, g));
        let time = t
            .and_then(|t| parse_timestamp(&t))
            .or_else(|| f.and_then(|f| parse_timestamp(&f)))?;
        Some((time, self.format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_hold_no_csv_syntax() {
        // a needle in a CSV cell is then in the row's bytes as written (`CsvFast::light` on a
        // scanned row searches those)
        for n in NEEDLES {
            assert!(!n.contains(['"', ',', '\r', '\n']), "{n}");
        }
    }

    #[test]
    fn needles_are_case_insensitive() {
        assert!(may_be_kept(
            br#"{"activityDisplayName":"CHANGE USER LICENSE"}"#
        ));
        assert!(may_be_kept(br#"{"a":"Add member to group"}"#));
        assert!(may_be_kept_text(br#"{"a":"x\u0041"}"#));
        assert!(matches!(
            light(
                br#"{"activityDisplayName":"x\u0041","activityDateTime":"2026-10-05T07:02:11Z"}"#
            ),
            Light::Unsure
        ));
        assert!(!may_be_kept(
            br#"{"activityDisplayName":"Update application"}"#
        ));
        // a long s is not an `s` to the needles, nor to the normalizer's patterns
        let folded = "{\"resultReason\":\"Not enough licen\u{17f}es are available\"}";
        assert!(!may_be_kept(folded.as_bytes()));
        assert!(
            crate::normalize::errors::extract("Not enough licen\u{17f}es are available").is_empty()
        );
        assert!(!crate::normalize::errors::extract("Not enough LICENSES are available").is_empty());
    }

    #[test]
    fn light_and_full_lookups_take_the_same_key() {
        // no exact spelling, two case variants, a duplicate and a null: both paths must agree
        let raw = br#"{"ACTIVITYDateTime":"b","activitydatetime":"a","Result":null,"result":"x","k":"1","k":"2"}"#;
        let doc = lightjson::Doc::parse_shallow(raw).expect("light");
        let light = LightMap::borrowed(doc.root_items());
        let full: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(raw).expect("json");
        for key in ["activityDateTime", "result", "RESULT", "k", "K", "absent"] {
            let l = light.get(key).map(|v| v.trim_matches('"').to_string());
            let f = crate::ingest::value::get_in(&full, key)
                .and_then(|v| v.as_str())
                .map(str::to_string);
            assert_eq!(l, f, "{key}");
        }
    }

    #[test]
    fn is_string_answers_as_the_full_path() {
        use crate::ingest::audit::Keyed;
        // the spelling `get` takes decides, not whether some spelling holds a string
        let docs = [
            r#"{"initiatedBy":{},"InitiatedBy":"x"}"#,
            r#"{"initiatedBy":"x","InitiatedBy":{}}"#,
            r#"{"INITIATEDBY":"x","initiatedBy":{}}"#,
            r#"{"initiatedBy":"x","INITIATEDBY":{}}"#,
            r#"{"InitiatedBy":null,"initiatedby":"x"}"#,
            r#"{"InitiatedBy":"x","InitiatedBy":1}"#,
            r#"{"InitiatedBy":1,"InitiatedBy":"x"}"#,
            r#"{"initiatedBy":{"user":"x"},"targetResources":[]}"#,
            r#"{"Initiated":"x","InitiatedBx":"y"}"#,
        ];
        for raw in docs {
            let doc = lightjson::Doc::parse_shallow(raw.as_bytes()).expect("light");
            let light = LightMap::borrowed(doc.root_items());
            let full: serde_json::Value = serde_json::from_str(raw).expect("json");
            for key in [
                "InitiatedBy",
                "initiatedBy",
                "INITIATEDBY",
                "TargetResources",
            ] {
                assert_eq!(
                    Keyed::is_string(&light, key),
                    Keyed::is_string(&full, key),
                    "{key} in {raw}"
                );
            }
        }
    }

    proptest::proptest! {
        /// The slice-wide search answers for each row what the row's own search answers: text
        /// built from needle pieces, case variants, escapes and quotes, cut into rows at line ends.
        #[test]
        fn text_hits_match_the_row_search(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "icens", "ICENS", "Licen", "ses", "member to group", "MEMBER TO", " group",
                "skuid=", "SkuName=", "\\u", "\\U", "\\", "u", "\n", "\r\n", "\r", "\"", ",", "a",
                "rror:", "Error", ":", "roxy", "é",
            ]), 0..60),
            kept in proptest::num::u64::ANY,
        ) {
            let text = parts.concat();
            let b = text.as_bytes();
            // rows end at some of the line ends, `\n` or `\r` (others are inside quoted cells),
            // as `csvrows::scan_record` ends them
            let mut ends: Vec<usize> = memchr::memchr2_iter(b'\n', b'\r', b)
                .enumerate()
                .filter(|(k, _)| kept >> (k % 64) & 1 == 1)
                .map(|(_, i)| i)
                .collect();
            ends.push(b.len());
            ends.dedup();
            let mut hits = TextHits::new(b);
            let mut start = 0;
            for end in ends {
                proptest::prop_assert_eq!(
                    hits.any_in(start, end),
                    may_be_kept_text(&b[start..end]),
                    "{:?} in {:?}", &text[start.min(text.len())..end], text
                );
                start = end;
            }
        }
    }

    proptest::proptest! {
        /// The folded search misses no line where a needle is in any ASCII case: what it finds
        /// is what aho-corasick's case-insensitive automaton finds, and more only where a byte
        /// folds onto a needle's punctuation (a control byte onto a space, `:` or `=`).
        #[test]
        fn folded_search_finds_every_needle(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "icens", "ICENS", "LiCeNs", "member to group", "MEMBER\u{0}TO GROUP",
                "delete user", "DELETE\u{0}USER", "rror:", "RROR\u{1a}", "skuid=", "SKUID\u{1d}",
                "roxy", "ROXY", "xception", "iolation", "@", "[", "\\", "`", "{", "\u{7f}", " ",
                "\n", "\r", "é", "K", "ſ", "a", "z", "Z",
            ]), 0..40),
        ) {
            let text = parts.concat();
            let exact = Finder::Automaton(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(NEEDLES)
                    .expect("automaton"),
            );
            let starts = needle_starts(text.as_bytes(), true);
            let mut from = 0;
            for line in text.split_inclusive(['\n', '\r']) {
                let b = line.as_bytes();
                let (start, end) = (from, from + b.len());
                from = end;
                if exact.find(b, b, 0).is_some() {
                    proptest::prop_assert!(
                        starts.iter().any(|&p| (start..end).contains(&p)),
                        "{:?} in {:?}", line, text
                    );
                }
            }
        }
    }

    proptest::proptest! {
        /// One search answers for both: `error` wherever the exact error search finds a needle
        /// (and, with the needles in their own case and no byte folding onto their punctuation,
        /// only there), and, where it finds none, `payload` as the payload search answers.
        #[test]
        fn may_hold_answers_like_the_two_searches(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "Violation", "VIOLATION", "Exception", "licenses are available", "Error:",
                "ERROR:", "Proxy address", "proxyAddresses already exists", "mutually exclusive",
                "to be enabled as well", "depends on the service plan", "icens", "ICENS",
                "SkuId=", "skuname=", "Sequence", "\\u", "\\", "u", "\"", " ", "a", "Z", "é",
                "\u{0}", "Conflicting Service Plans", "Non-unique PROXY address", "onflict",
                "cannot be assigned without service plan", "NOT ENOUGH LICENSES ARE AVAILABLE",
                "already exists", "LICENSE IS INHERITED FROM", "license is inherited from a group",
            ]), 0..30),
        ) {
            let text = parts.concat();
            let b = text.as_bytes();
            let h = may_hold(b);
            let exact = audit::may_hold_error_bytes(b);
            proptest::prop_assert!(h.error || !exact, "{:?}", text);
            if !h.error {
                proptest::prop_assert_eq!(h.payload, may_carry_payload(b), "{:?}", text);
            }
            // both fold the text the same way (a NUL folds onto a space in both)
            proptest::prop_assert_eq!(h.error, exact, "{:?}", text);
        }
    }

    #[test]
    fn may_hold_examples() {
        let hold = |t: &str| {
            let h = may_hold(t.as_bytes());
            (h.error, h.payload)
        };
        assert_eq!(hold(r#"{"a":"b"}"#), (false, false));
        assert_eq!(hold(r#"{"a":"\u0041"}"#), (false, true), "an escape");
        assert_eq!(hold(r#"{"p":"AssignedLicense"}"#), (false, true));
        assert_eq!(
            hold(r#"{"p":"AssignedLicense","r":"CountViolation"}"#),
            (true, true)
        );
        assert!(hold(r#"{"r":"CountViolation","p":"AssignedLicense"}"#).0);
        assert!(hold("x mutually EXCLUSIVE y").0, "any case");
        assert!(audit::may_hold_error_bytes(b"x mutually EXCLUSIVE y"));
        assert!(audit::may_hold_error_bytes(b"Non-unique PROXY ADDRESS"));
        assert!(!audit::may_hold_error_bytes(
            b"proxyAddresses: [smtp:a@b.example]"
        ));
    }

    #[test]
    fn light_parse_of_noise() {
        let r = br#"{"activityDisplayName":"Update application","activityDateTime":"2026-10-05T07:02:11.4644388Z","initiatedBy":{"user":{"id":"x"}}}"#;
        match light(r) {
            Light::Event { format, time } => {
                assert_eq!(format, AuditFormat::GraphJson);
                assert_eq!(Some(time), parse_timestamp("2026-10-05T07:02:11.4644388Z"));
            }
            Light::Unsure => panic!("expected light event"),
        }
        assert!(matches!(
            light(br#"{"activityDisplayName":"x","activityDateTime":"bad"}"#),
            Light::Unsure
        ));
        assert!(matches!(
            light(br#"{"activityDisplayName":"x","activityDateTime":"2026-10-05T07:02:11Z""#),
            Light::Unsure
        ));
    }
}
