//! CSV read in parallel. A reader thread cuts the input into slices of whole records: a newline ends
//! a record when the number of quotes before it is even (RFC 4180 quoting: a quoted field's line
//! breaks and doubled quotes keep the count odd / even as they should). Each slice is then parsed by
//! the `csv` crate on its own, on all cores.
//!
//! Quotes are counted 32 bytes at a time with AVX2 (16 with SSE2 without it), so cutting costs a
//! small fraction of parsing.
//!
//! A quote inside an unquoted field (`a,5"in,b`) is not RFC 4180; the csv crate reads it as a
//! character, while the parity count takes it for an opening quote. Rows near such a quote may then
//! be cut differently from a sequential read: they are still counted (as malformed rows when their
//! field count is wrong), and a block never grows past `MAX_RECORD` bytes because of it.

use super::blocks::{Framing, BLOCK};
use crate::model::{HI, LO};

/// Past this many bytes without a record end (by quote parity), a block is cut at a newline anyway.
const MAX_RECORD: usize = 4 * BLOCK;

/// The number of `"` bytes in `b`.
pub(super) fn count_quotes(b: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    let (n, b) = if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above; the answer is cached)
        let (n, rest) = unsafe { count_quotes_avx2(b) };
        let (m, rest) = count_quotes_sse2(rest);
        (n + m, rest)
    } else {
        count_quotes_sse2(b)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let n = 0;
    n + count_quotes_swar(b)
}

/// The quotes of the whole `$width`-byte vectors of `$b`, as the vector of 64-bit lane sums it
/// ends with, and where those vectors end. Matches are summed per byte lane (at most 255 vectors at
/// a time) and the lanes added with `psadbw`: the x86-64 baseline has no `popcnt`, so counting each
/// vector's mask bits cost more than the comparison. The other arguments are that width's
/// intrinsics (SSE2's or AVX2's), in scope where the macro is used, inside `unsafe`.
#[cfg(target_arch = "x86_64")]
macro_rules! quote_lane_sums {
    ($b:expr, $width:expr, $vec:ty, $set1:ident, $zero:ident, $load:ident, $sub:ident, $eq:ident,
     $sad:ident, $add:ident) => {{
        let whole = $b.len() / $width * $width;
        let quote = $set1(b'"' as i8);
        let zero = $zero();
        let mut sums = zero;
        let mut i = 0;
        while i < whole {
            let end = whole.min(i + 255 * $width);
            // each lane counts its matches (a match is -1, subtracted), at most 255
            let mut lanes = zero;
            while i < end {
                let w = $load($b.as_ptr().add(i) as *const $vec);
                lanes = $sub(lanes, $eq(w, quote));
                i += $width;
            }
            sums = $add(sums, $sad(lanes, zero));
        }
        (sums, whole)
    }};
}

/// [`count_quotes`] sixteen bytes at a time (SSE2 is part of every x86-64 CPU): the count over the
/// whole sixteens, and the rest for the word-at-a-time count.
#[cfg(target_arch = "x86_64")]
fn count_quotes_sse2(b: &[u8]) -> (usize, &[u8]) {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi64, _mm_cmpeq_epi8, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_sad_epu8,
        _mm_set1_epi8, _mm_setzero_si128, _mm_sub_epi8, _mm_unpackhi_epi64,
    };
    // SAFETY: SSE2 is always available on x86_64, and every load reads 16 bytes `b[i..i + 16]`
    // with `i + 16 <= whole <= b.len()`.
    unsafe {
        let (sums, whole) = quote_lane_sums!(
            b,
            16,
            __m128i,
            _mm_set1_epi8,
            _mm_setzero_si128,
            _mm_loadu_si128,
            _mm_sub_epi8,
            _mm_cmpeq_epi8,
            _mm_sad_epu8,
            _mm_add_epi64
        );
        let lo = _mm_cvtsi128_si64(sums) as u64;
        let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)) as u64;
        ((lo + hi) as usize, &b[whole..])
    }
}

/// [`count_quotes_sse2`] thirty-two bytes at a time: the count over the whole thirty-twos, and the
/// rest.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn count_quotes_avx2(b: &[u8]) -> (usize, &[u8]) {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi64, _mm256_cmpeq_epi8, _mm256_extract_epi64, _mm256_loadu_si256,
        _mm256_sad_epu8, _mm256_set1_epi8, _mm256_setzero_si256, _mm256_sub_epi8,
    };
    // SAFETY (of the loads): every load reads 32 bytes `b[i..i + 32]` with
    // `i + 32 <= whole <= b.len()`.
    let (sums, whole) = quote_lane_sums!(
        b,
        32,
        __m256i,
        _mm256_set1_epi8,
        _mm256_setzero_si256,
        _mm256_loadu_si256,
        _mm256_sub_epi8,
        _mm256_cmpeq_epi8,
        _mm256_sad_epu8,
        _mm256_add_epi64
    );
    let n = _mm256_extract_epi64::<0>(sums)
        + _mm256_extract_epi64::<1>(sums)
        + _mm256_extract_epi64::<2>(sums)
        + _mm256_extract_epi64::<3>(sums);
    (n as usize, &b[whole..])
}

/// [`count_quotes`] eight bytes at a time (SWAR), then byte by byte.
fn count_quotes_swar(b: &[u8]) -> usize {
    let mut n = 0usize;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let t = u64::from_le_bytes(w) ^ (LO * b'"' as u64);
        // exact zero-byte test: a byte's high bit is clear only when the byte is zero
        let nonzero = (((t & !HI).wrapping_add(!HI)) | t) & HI;
        n += 8 - nonzero.count_ones() as usize;
    }
    n + chunks.remainder().iter().filter(|&&c| c == b'"').count()
}

/// The end (exclusive, just after a newline) of the last complete record in `b`, which starts at a
/// record boundary; `None` when no newline in `b` ends a record.
pub(super) fn last_record_end(b: &[u8]) -> Option<usize> {
    let total = count_quotes(b);
    let mut after = 0usize; // quotes after the candidate newline
    let mut end = b.len();
    for nl in memchr::memrchr_iter(b'\n', b) {
        after += count_quotes(&b[nl + 1..end]);
        end = nl + 1;
        if (total - after).is_multiple_of(2) {
            return Some(nl + 1);
        }
    }
    None
}

/// CSV framing: a record ends at a newline with an even number of quotes before it.
pub(super) struct Csv;

impl Framing for Csv {
    fn last_end(&self, block: &[u8], _fresh: usize) -> Option<usize> {
        match last_record_end(block) {
            Some(e) => Some(e),
            // A stray quote in an unquoted field (not RFC 4180; the csv crate reads it as a
            // character) makes every later newline look quoted. Past MAX_RECORD the block is cut at
            // its last newline anyway: memory stays bounded, and a record cut there is reported as
            // a malformed row.
            None if block.len() >= MAX_RECORD => memchr::memrchr(b'\n', block).map(|p| p + 1),
            None => None,
        }
    }

    fn end_after(&self, block: &[u8], start: usize, at: usize) -> Option<usize> {
        // the first newline at or after `at` with an even number of quotes since `start`
        let mut quotes = count_quotes(&block[start..at]);
        let mut pos = at;
        while let Some(p) = memchr::memchr(b'\n', &block[pos..]) {
            quotes += count_quotes(&block[pos..pos + p]);
            if quotes.is_multiple_of(2) {
                return Some(pos + p + 1);
            }
            pos += p + 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn record_ends_respect_quotes() {
        assert_eq!(last_record_end(b"a,b\nc,d\n"), Some(8));
        assert_eq!(last_record_end(b"a,\"x\ny\"\nc,\"d"), Some(8));
        assert_eq!(last_record_end(b"a,\"x\ny"), None);
        assert_eq!(last_record_end(b"a,\"\"\"q\"\"\"\nb"), Some(10));
    }

    #[test]
    fn slices_are_whole_records() {
        let mut block = Vec::new();
        for i in 0..40_000 {
            block.extend_from_slice(format!("{i},\"multi\nline \"\"{i}\"\"\",x\n").as_bytes());
        }
        let s = crate::ingest::blocks::slices(&block, &Csv);
        assert!(s.len() > 1);
        let mut rows = 0;
        for (a, b) in &s {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&block[*a..*b]);
            for rec in r.records() {
                let rec = rec.unwrap();
                assert_eq!(rec.len(), 3);
                rows += 1;
            }
        }
        assert_eq!(rows, 40_000);
    }

    #[test]
    fn quote_counts_past_255_vectors() {
        // every byte a quote: each lane reaches 255 before the sum, then the count goes on; the
        // SSE2 count on its own too (with AVX2, `count_quotes` leaves it less than 32 bytes)
        #[cfg(target_arch = "x86_64")]
        let sse2 = |b: &[u8]| {
            let (n, rest) = count_quotes_sse2(b);
            n + count_quotes_swar(rest)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let sse2 = count_quotes;
        for len in [
            255 * 16,
            255 * 16 + 1,
            255 * 32 + 5,
            2 * 255 * 32 + 37,
            100_003,
        ] {
            let mut b = vec![b'"'; len];
            assert_eq!(count_quotes(&b), len, "{len}");
            assert_eq!(sse2(&b), len, "{len}");
            for i in (0..len).step_by(7) {
                b[i] = b'x';
            }
            let plain = b.iter().filter(|&&c| c == b'"').count();
            assert_eq!(count_quotes(&b), plain, "{len}");
            assert_eq!(sse2(&b), plain, "{len}");
        }
    }

    proptest! {
        #[test]
        fn quote_count_is_exact(b in proptest::collection::vec(prop_oneof![3 => any::<u8>(), 1 => Just(b'"')], 0..200)) {
            let plain = b.iter().filter(|&&c| c == b'"').count();
            prop_assert_eq!(count_quotes(&b), plain);
            prop_assert_eq!(count_quotes_swar(&b), plain);
        }
    }
}
