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
    Activity, Actor, AuditEvent, AuditFormat, ModifiedProperty, Outcome, SourceRef, Target,
    TargetKind,
};
pub use finding::{Diagnosis, Finding, Severity};
pub use ids::{CorrelationId, ObjectId, PlanId, SkuId};
pub use license::{AssignedLicense, LicenseChange, LicenseError, ProcessingSummary};

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

#[cfg(test)]
mod tests {
    use super::folded;
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
