//! The typed domain model. Everything past the parsing edge speaks these types.

pub mod cause;
pub mod event;
pub mod finding;
pub mod hash;
pub mod ids;
pub mod license;
pub mod snapshot;

pub use cause::Cause;
pub use event::{
    Activity, Actor, AppActor, AuditEvent, AuditFormat, CellsKey, FileName, ModifiedProperty,
    Outcome, RecordKey, SourceRef, Target, TargetKind, UserActor, SIBLING_WINDOW,
};
pub use finding::{Diagnosis, Finding, Severity};
pub use ids::{CorrelationId, ObjectId, PlanId, SkuId, ThinStr};
pub use license::{
    AssignedLicense, KnownChange, LicenseChange, LicenseError, LicenseTruncation, ProcessingSummary,
};

/// A code licdiag does not know (an error code, a license state), as read: a number into one
/// table of such texts for the whole run, so that the enum whose rare variant holds it takes one
/// word, not two (an enum of unit variants and a pointer cannot fold its tag into the pointer).
/// A license state holds two such enums, and a snapshot holds a license state for every license
/// of every user. Equal texts are one entry; the table holds what the inputs held, no more.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code(u32);

/// The texts [`Code`]s number, and their numbers.
struct Codes {
    texts: Vec<&'static str>,
    numbers: std::collections::HashMap<&'static str, u32>,
}

static CODES: std::sync::LazyLock<std::sync::RwLock<Codes>> = std::sync::LazyLock::new(|| {
    std::sync::RwLock::new(Codes {
        texts: Vec::new(),
        numbers: std::collections::HashMap::new(),
    })
});

impl Code {
    /// The code of `text`, numbered when first seen.
    pub fn of(text: &str) -> Code {
        // a poisoned lock still holds a whole table: a panic elsewhere cannot leave half an entry
        if let Some(&n) = CODES
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .numbers
            .get(text)
        {
            return Code(n);
        }
        let mut t = CODES.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&n) = t.numbers.get(text) {
            return Code(n);
        }
        // more than four billion distinct unknown codes cannot be read into memory anyway; the
        // last number is shared rather than a panic
        let n = u32::try_from(t.texts.len()).unwrap_or(u32::MAX);
        if n == u32::MAX && !t.texts.is_empty() {
            return Code(n - 1);
        }
        let text: &'static str = Box::leak(Box::from(text));
        t.texts.push(text);
        t.numbers.insert(text, n);
        Code(n)
    }

    /// The text, as read.
    pub fn as_str(&self) -> &'static str {
        CODES
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .texts
            .get(self.0 as usize)
            .copied()
            .unwrap_or_default()
    }
}

impl std::ops::Deref for Code {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Code {
    fn from(s: &str) -> Self {
        Code::of(s)
    }
}

impl From<String> for Code {
    fn from(s: String) -> Self {
        Code::of(&s)
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered as the texts, not their numbers (which follow the reading order).
impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// Text that is rarely there, behind one thin pointer (a license state's error subcode, a kept
/// event's result reason): one word in its holder, not a box's two.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RareText(Box<Box<str>>);

impl std::ops::Deref for RareText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for RareText {
    fn from(s: &str) -> Self {
        RareText(Box::new(Box::from(s)))
    }
}

impl From<String> for RareText {
    fn from(s: String) -> Self {
        RareText(Box::new(s.into_boxed_str()))
    }
}

impl std::fmt::Display for RareText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl serde::Serialize for RareText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

/// Every byte of a word set to 1 / its high bit set: the lanes of the eight-bytes-at-a-time
/// (SWAR) byte tests here and in the readers (`ingest::lightjson`, `ingest::csvblocks`).
pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

/// Bit `i` of the result: the XOR of bits `0..=i` of `x` (whether an odd number of them are set).
/// The byte scans use it on 64-bit masks of quotes, to tell the bytes inside a string
/// (`ingest::jsonscan`) or the closing quote of a doubled pair (`ingest::csvrows`) at once.
#[inline(always)]
pub(crate) fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// Asks for the cache line at `p` ahead of its use: a hint, nothing is read and nothing can fault.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and never faults, whatever the address
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Items ahead of the one being read whose targets are asked of memory ([`prefetch_targets_ahead`]),
/// and, half as far, whose targets' strings are.
const AHEAD: usize = 16;

/// For a pass over items (events, identities) that reads each one's targets and their ids and
/// UPNs, item `n` being read of `len`: asks for the targets of item `n + 16` and the strings of
/// the targets of item `n + 8` (the targets are in cache by then). After the read, the one-core
/// passes over every target wait on these loads (each event's targets and strings are separate
/// allocations the reading threads made): the hints take a quarter to a half off their time
/// (benches/README.md, eighteenth run).
#[inline(always)]
pub(crate) fn prefetch_targets_ahead<'a>(
    n: usize,
    len: usize,
    targets: impl Fn(usize) -> Option<&'a [Target]>,
) {
    if n + AHEAD < len {
        if let Some(ts) = targets(n + AHEAD) {
            prefetch(ts.as_ptr());
        }
    }
    if n + AHEAD / 2 < len {
        for t in targets(n + AHEAD / 2).unwrap_or_default() {
            if let Some(u) = &t.upn {
                prefetch(u.as_ptr());
            }
            if let Some(id) = &t.id {
                prefetch(id.as_str().as_ptr());
            }
        }
    }
}

/// `str::trim`, answered from the two end bytes when both are printable ASCII other than a space
/// (nothing to trim, as for most cells, ids and values), else `str::trim` itself (which decodes a
/// character at each end and tests it against Unicode's white space, tens of instructions a call
/// on the paths that read every kept record's cells).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if (0x21..0x7f).contains(f) && (0x21..0x7f).contains(l) => s,
        _ => s.trim(),
    }
}

/// `s` trimmed and lower-cased as `str::to_lowercase` does, borrowed when it already is (UPNs are
/// mostly written in lower case): the form UPNs and names are looked up by.
pub(crate) fn folded(s: &str) -> std::borrow::Cow<'_, str> {
    let t = trim(s);
    if is_ascii_lowercase_text(t.as_bytes()) {
        std::borrow::Cow::Borrowed(t)
    } else {
        std::borrow::Cow::Owned(t.to_lowercase())
    }
}

/// Whether every byte is ASCII and none an upper-case letter: eight bytes at a time (UPNs and
/// ids are looked up this way tens of thousands of times per run).
pub(crate) fn is_ascii_lowercase_text(b: &[u8]) -> bool {
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut x = [0u8; 8];
        x.copy_from_slice(w);
        let x = u64::from_le_bytes(x);
        if x & HI != 0 {
            return false;
        }
        // every byte is below 0x80, so no sum carries into the next byte: the high bit of a byte
        // of `ge_a` is set when it is at least `A`, of `gt_z` when it is above `Z`
        let ge_a = x.wrapping_add(LO * u64::from(0x80 - b'A'));
        let gt_z = x.wrapping_add(LO * u64::from(0x7f - b'Z'));
        if ge_a & !gt_z & HI != 0 {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

/// `s` ASCII-lowercased into `buf`, without allocating; `None` when it does not fit (the names
/// compared this way are short, so a longer text cannot be one of them).
pub(crate) fn ascii_lower<'b>(s: &str, buf: &'b mut [u8]) -> Option<&'b str> {
    let b = buf.get_mut(..s.len())?;
    b.copy_from_slice(s.as_bytes());
    b.make_ascii_lowercase();
    // lower-casing ASCII bytes keeps UTF-8 valid
    std::str::from_utf8(b).ok()
}

/// An address as compared for uniqueness (a duplicate proxy address): `smtp:` prefix dropped,
/// lower-cased; other prefixes (`sip:`, `x500:`) are kept so they only match their own kind.
/// `analyze`'s duplicate-address check, the timeline's freed addresses and the addresses an
/// `Update user` took out of `ProxyAddresses` all compare this form.
pub(crate) fn normalize_address(a: &str) -> Option<String> {
    let t = a.trim();
    if t.is_empty() {
        return None;
    }
    let lower = t.to_lowercase();
    let stripped = lower.strip_prefix("smtp:").unwrap_or(&lower).trim();
    if stripped.is_empty() {
        None
    } else {
        Some(stripped.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::{folded, prefetch_targets_ahead, ObjectId, Target, TargetKind};
    use proptest::prelude::*;
    use std::borrow::Cow;

    proptest! {
        /// Each bit is the parity of the bits up to it.
        #[test]
        fn prefix_xor_is_the_running_parity(x in any::<u64>()) {
            let parity = |i: u32| u64::from((x & (u64::MAX >> (63 - i))).count_ones() % 2);
            let want = (0..64).fold(0u64, |m, i| m | parity(i) << i);
            prop_assert_eq!(super::prefix_xor(x), want);
        }
    }

    #[test]
    fn prefetching_ahead_reads_only_items_that_are_there() {
        let t = |upn: &str| Target {
            kind: TargetKind::User,
            id: ObjectId::parse("b6e7e714-26b7-44a1-b8e3-730c8c8ddf28"),
            upn: Some(upn.into()),
            display_name: None,
        };
        let items: Vec<Vec<Target>> = (0..20).map(|i| vec![t(&format!("u{i}@x"))]).collect();
        for len in [0, 1, 8, 9, 16, 17, 20] {
            let asked = std::cell::RefCell::new(Vec::new());
            for n in 0..len {
                prefetch_targets_ahead(n, len, |k| {
                    asked.borrow_mut().push(k);
                    items.get(k).map(|v| v.as_slice())
                });
            }
            // each item ahead asked once a stage, none past the end
            let asked = asked.into_inner();
            assert!(asked.iter().all(|&k| k < len), "{len}: {asked:?}");
            assert_eq!(asked.len(), len.saturating_sub(16) + len.saturating_sub(8));
        }
    }

    #[test]
    fn folded_borrows_what_is_already_folded() {
        assert!(matches!(
            folded(" ana@contoso.com "),
            Cow::Borrowed("ana@contoso.com")
        ));
        assert_eq!(folded("Ana@Contoso.COM"), "ana@contoso.com");
        assert_eq!(folded("ÉMILE@contoso.com"), "émile@contoso.com");
        assert_eq!(folded("  "), "");
    }

    proptest! {
        #[test]
        fn ascii_lowercase_text_by_words(s in proptest::collection::vec(prop_oneof![
            12 => b'a'..=b'z',
            1 => any::<u8>(),
            // the edges of the upper-case range, and of ASCII
            1 => prop::sample::select(vec![b'@', b'A', b'Z', b'[', b'`', b'{', 0x7f, 0x80, 0xff]),
        ], 0..40)) {
            prop_assert_eq!(
                super::is_ascii_lowercase_text(&s),
                s.iter().all(|b| b.is_ascii() && !b.is_ascii_uppercase())
            );
        }

        #[test]
        fn trim_is_str_trim(s in "[ \t\r\n\u{b}\u{c}\u{85}\u{a0}\u{3000}\u{7f}!~aé\u{1f}]{0,8}") {
            prop_assert_eq!(super::trim(&s), s.trim());
        }

        #[test]
        fn folded_is_trim_then_to_lowercase(s in "[ aZé\u{130}@.]{0,12}") {
            prop_assert_eq!(folded(&s), s.trim().to_lowercase());
        }
    }
}
