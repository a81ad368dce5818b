//! A CSV record scanner for the rows exports write: every quote either opens a field or closes
//! one (doubled inside it). On such rows it splits records and fields exactly as the `csv` crate
//! does (the delimiter `,`, `"` quoting with doubled quotes, `\r`, `\n` or `\r\n` ending a record,
//! blank lines skipped), without copying a byte: a field is a span of the slice, and a cell is
//! borrowed unless it holds doubled quotes. At the first row it is not sure of (a quote inside an
//! unquoted field, text after a closing quote, a quote left open at the end) it stops, and the
//! caller reads the rest of the slice with the `csv` crate, so the two always give the same
//! records. The `csv` crate's state machine costs about 14 instructions a byte; this scan costs a
//! few, and a row without licensing needles needs no more than its field spans.

use crate::model::{CellsKey, RecordKey};
use std::borrow::Cow;

/// One field: its text between `start` and `end` in the slice (outer quotes excluded); `escaped`
/// when it holds doubled quotes, which a cell reads as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Field {
    start: usize,
    end: usize,
    escaped: bool,
}

/// What [`scan_record`] found at a position.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scan {
    /// A record from `start` (its first byte, after any line ends) to `end` (its line end or the
    /// end of the slice); the fields are in the caller's vector.
    Record { start: usize, end: usize },
    /// Nothing but line ends is left.
    End,
    /// A record starts at `start` that the scan is not sure of: read from there with the `csv` crate.
    Unsure { start: usize },
}

/// Bytes that end an unquoted field or make the scan unsure of it.
const STOP_BYTES: [u8; 4] = [b',', b'"', b'\r', b'\n'];

const fn stops() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < STOP_BYTES.len() {
        t[STOP_BYTES[i] as usize] = true;
        i += 1;
    }
    t
}
static STOP: [bool; 256] = stops();

/// Five empty quoted cells, each followed by a delimiter.
const EMPTY_FIVE: &[u8; 15] = b"\"\",\"\",\"\",\"\",\"\",";

/// Scans the record at or after `pos` in `s`, its fields into `fields` (cleared first).
#[inline(never)]
pub(super) fn scan_record(s: &[u8], pos: usize, fields: &mut Vec<Field>) -> Scan {
    fields.clear();
    let mut pos = pos;
    while matches!(s.get(pos), Some(b'\r' | b'\n')) {
        pos += 1;
    }
    if pos >= s.len() {
        return Scan::End;
    }
    let start = pos;
    let unsure = Scan::Unsure { start };
    loop {
        // at the start of a field
        if s.get(pos) == Some(&b'"') {
            // an empty quoted field followed by a delimiter (most of an admin-center row's 86
            // cells) needs no quote search
            if s.get(pos + 1) == Some(&b'"') && s.get(pos + 2) == Some(&b',') {
                fields.push(Field {
                    start: pos + 1,
                    end: pos + 1,
                    escaped: false,
                });
                pos += 3;
                // they come in runs (dozens in a row): five at a time while the run lasts
                while s.get(pos..pos + 15) == Some(&EMPTY_FIVE[..]) {
                    let empty = |at: usize| Field {
                        start: at,
                        end: at,
                        escaped: false,
                    };
                    fields.extend_from_slice(&[1, 4, 7, 10, 13].map(|d| empty(pos + d)));
                    pos += 15;
                }
                continue;
            }
            let Some((close, escaped)) = closing_quote(s, pos + 1) else {
                return unsure; // left open to the end
            };
            fields.push(Field {
                start: pos + 1,
                end: close,
                escaped,
            });
            pos = close + 1;
        } else {
            let from = pos;
            pos = unquoted_end(s, pos);
            fields.push(Field {
                start: from,
                end: pos,
                escaped: false,
            });
        }
        match s.get(pos) {
            Some(b',') => pos += 1,
            Some(b'\r' | b'\n') | None => return Scan::Record { start, end: pos },
            // a quote inside an unquoted field (a character to the csv crate), or text after a
            // closing quote
            Some(_) => return unsure,
        }
    }
}

/// A scanned record over a slice of valid UTF-8.
pub(super) struct RawRow<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    fields: &'a [Field],
}

impl<'a> RawRow<'a> {
    pub(super) fn new(text: &'a str, start: usize, end: usize, fields: &'a [Field]) -> RawRow<'a> {
        RawRow {
            text,
            start,
            end,
            fields,
        }
    }

    /// Cell `i` as the `csv` crate reads it.
    pub(super) fn get(&self, i: usize) -> Option<Cow<'a, str>> {
        let f = self.fields.get(i)?;
        let t = self.text.get(f.start..f.end)?;
        Some(if f.escaped {
            Cow::Owned(undouble(t))
        } else {
            Cow::Borrowed(t)
        })
    }

    /// `f` of cell `i` as the `csv` crate reads it; a cell with doubled quotes is undoubled into a
    /// reused buffer, not a new string.
    fn with_undoubled<R>(&self, i: usize, f: impl FnOnce(&str) -> R) -> Option<R> {
        let fld = self.fields.get(i)?;
        let t = self.text.get(fld.start..fld.end)?;
        if !fld.escaped {
            return Some(f(t));
        }
        UNDOUBLED
            .try_with(|buf| match buf.try_borrow_mut() {
                Ok(mut buf) => {
                    let n = undouble_into(t, &mut buf);
                    // quotes are ASCII: dropping them leaves valid UTF-8 (checked all the same)
                    match buf.get(..n).map(simdutf8::basic::from_utf8) {
                        Some(Ok(u)) => f(u),
                        _ => f(&undouble(t)),
                    }
                }
                Err(_) => f(&undouble(t)),
            })
            .ok()
    }

    /// Every cell, owned, as the `csv` crate reads them (for the full path).
    pub(super) fn to_cells(&self) -> Vec<String> {
        (0..self.fields.len())
            .map(|i| self.get(i).map(Cow::into_owned).unwrap_or_default())
            .collect()
    }
}

/// Bit `i` set when byte `i` of the chunk is one of `set`.
#[inline(always)]
fn byte_mask<const N: usize>(chunk: &[u8; 16], set: [u8; N]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
            _mm_setzero_si128,
        };
        // SAFETY: SSE2 is part of the x86-64 baseline; the load reads the 16 bytes of `chunk`.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let m = set.iter().fold(_mm_setzero_si128(), |m, &c| {
                _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8)))
            });
            _mm_movemask_epi8(m) as u32
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        byte_mask_portable(chunk, set)
    }
}

/// [`byte_mask`] on targets without SSE2 (compiled everywhere, so tests compare it with SSE2).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn byte_mask_portable<const N: usize>(chunk: &[u8; 16], set: [u8; N]) -> u32 {
    chunk
        .iter()
        .enumerate()
        .fold(0, |m, (i, c)| m | (u32::from(set.contains(c)) << i))
}

/// The quote bits of sixteen bytes.
#[inline(always)]
fn quote_mask(chunk: &[u8; 16]) -> u32 {
    byte_mask(chunk, [b'"'])
}

/// Bit `i` set when byte `i` of the chunk ends an unquoted field or makes the scan unsure of it
/// ([`STOP`]).
#[inline(always)]
fn stop_mask(chunk: &[u8; 16]) -> u32 {
    byte_mask(chunk, STOP_BYTES)
}

/// The end of an unquoted field starting at `pos`: the first [`STOP`] byte, or the end of `s`.
/// Sixteen bytes at a time (ids, paths and names run to dozens of bytes).
#[inline(always)]
fn unquoted_end(s: &[u8], mut pos: usize) -> usize {
    while let Some(chunk) = s
        .get(pos..pos + 16)
        .and_then(|c| <&[u8; 16]>::try_from(c).ok())
    {
        let mask = stop_mask(chunk);
        if mask != 0 {
            return pos + mask.trailing_zeros() as usize;
        }
        pos += 16;
    }
    while let Some(&c) = s.get(pos) {
        if STOP[usize::from(c)] {
            break;
        }
        pos += 1;
    }
    pos
}

/// The closing quote of a quoted field whose text starts at `p` (the first quote not doubled),
/// and whether the field holds doubled quotes; `None` when it is left open to the end. Sixteen
/// bytes at a time up to the first doubled quote; from there (most often a JSON cell, a doubled
/// quote every few bytes) in [`closing_quote_long`].
#[inline(always)]
fn closing_quote(s: &[u8], mut p: usize) -> Option<(usize, bool)> {
    while let Some(chunk) = s.get(p..p + 16).and_then(|c| <&[u8; 16]>::try_from(c).ok()) {
        let mask = quote_mask(chunk);
        if mask != 0 {
            let i = mask.trailing_zeros() as usize;
            // doubled (the pair may end in the next bytes): the rest in the long path
            let doubled = if i == 15 {
                s.get(p + 16) == Some(&b'"')
            } else {
                mask & (2 << i) != 0
            };
            return if doubled {
                closing_quote_long(s, p + i + 2, true)
            } else {
                Some((p + i, false))
            };
        }
        p += 16;
    }
    closing_quote_tail(s, p, false)
}

/// [`closing_quote`] from `p` on, where no pair is open; `escaped`: a pair came before. With AVX2,
/// 64 bytes a step ([`closing_quote_avx2`]); else, and for the last bytes, sixteen at a time, every
/// quote of a vector taken from its mask (too close together for a search each).
#[inline(never)]
fn closing_quote_long(s: &[u8], mut p: usize, mut escaped: bool) -> Option<(usize, bool)> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above; the answer is cached)
        let (at, esc, close) = unsafe { closing_quote_avx2(s, p, escaped) };
        if let Some(c) = close {
            return Some((c, esc));
        }
        (p, escaped) = (at, esc);
    }
    'chunks: while let Some(chunk) = s.get(p..p + 16).and_then(|c| <&[u8; 16]>::try_from(c).ok()) {
        let mut mask = quote_mask(chunk);
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            if i == 15 {
                // the pair, if it is one, ends in the next bytes
                if s.get(p + 16) == Some(&b'"') {
                    escaped = true;
                    p += 17;
                    continue 'chunks;
                }
                return Some((p + 15, escaped));
            }
            if mask & (2 << i) == 0 {
                return Some((p + i, escaped));
            }
            escaped = true;
            mask &= !(3 << i);
        }
        p += 16;
    }
    closing_quote_tail(s, p, escaped)
}

/// [`closing_quote`]'s last bytes (fewer than sixteen from `p`, no pair open there), a quote at a
/// time.
fn closing_quote_tail(s: &[u8], mut p: usize, mut escaped: bool) -> Option<(usize, bool)> {
    loop {
        let q = p + s.get(p..)?.iter().position(|&c| c == b'"')?;
        if s.get(q + 1) == Some(&b'"') {
            escaped = true;
            p = q + 2;
        } else {
            return Some((q, escaped));
        }
    }
}

/// [`closing_quote`] from `p` (where no pair is open) 64 bytes a step with AVX2: the closing quote
/// ends the first run of quotes of odd length (the runs before it are pairs), found from the
/// quotes' prefix XOR (carried across steps) and the run ends. Returns where the search stopped
/// (fewer than 65 bytes left; no pair open there), whether a pair was seen, and the closing quote
/// if found.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn closing_quote_avx2(
    s: &[u8],
    mut p: usize,
    mut escaped: bool,
) -> (usize, bool, Option<usize>) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let quote = _mm256_set1_epi8(b'"' as i8);
    // all ones while a pair is open across steps (its second quote is the next step's first byte)
    let mut carry = 0u64;
    // the byte after the 64 is read too: whether a run of quotes goes on past them
    while let Some(&after) = s.get(p + 64) {
        // SAFETY: `p + 64 < s.len()` (the byte after them exists), so both loads read inside `s`
        let (lo, hi) = unsafe {
            (
                _mm256_loadu_si256(s.as_ptr().add(p).cast::<__m256i>()),
                _mm256_loadu_si256(s.as_ptr().add(p + 32).cast::<__m256i>()),
            )
        };
        let q = u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, quote)) as u32)
            | u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, quote)) as u32) << 32;
        // bit i: an odd number of quotes from the search's start up to and including byte i
        let odd = crate::model::prefix_xor(q) ^ carry;
        // the last quote of each run; every run before the first odd one is even, so the parity
        // at a run's end is its own length's
        let ends = q & !((q >> 1) | (u64::from(after == b'"') << 63));
        let close = ends & odd;
        if close != 0 {
            let k = close.trailing_zeros();
            let before = q & ((1u64 << k) - 1);
            return (p, escaped || before != 0, Some(p + k as usize));
        }
        escaped |= q != 0;
        carry = 0u64.wrapping_sub(odd >> 63);
        p += 64;
    }
    if carry != 0 {
        // the byte at `p` is the open pair's second quote
        p += 1;
    }
    (p, escaped, None)
}

/// A field's text with each doubled quote read as one (every quote in it is doubled).
fn undouble(t: &str) -> String {
    let mut out = Vec::new();
    let n = undouble_into(t, &mut out);
    out.truncate(n);
    // quotes are ASCII: dropping them leaves valid UTF-8
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

thread_local! {
    /// Reused buffer for [`RawRow::with_cell`]: no allocation or zeroing per row.
    static UNDOUBLED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`undouble`] into the start of `out` (grown when too short, never shrunk or cleared), returning
/// the length written. With AVX-512 VBMI2 (detected at run time), 64 bytes a step: the second quote
/// of each pair is found from the quotes' prefix XOR and dropped by one compress. With AVX2, 32
/// bytes a step: the same quotes found the same way, each eight bytes' kept bytes moved to their
/// front by one byte shuffle ([`undouble_avx2`]). Otherwise sixteen bytes are copied at a time and
/// the write position moves past the first quote of the pair only, so a JSON cell (a doubled
/// quote every few bytes) costs no call per quote.
#[inline(never)]
fn undouble_into(t: &str, out: &mut Vec<u8>) -> usize {
    let b = t.as_bytes();
    // room for a whole vector written at any position up to the text's length
    if out.len() < b.len() + 64 {
        out.resize(b.len() + 64, 0);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vbmi2")
        && std::arch::is_x86_feature_detected!("popcnt")
    {
        // SAFETY: the CPU has these features (checked just above; the answers are cached), and
        // `out` holds at least 64 bytes more than `b`
        let (r, w, open) = unsafe { undouble_avx512(b, out) };
        return undouble_tail(b, out, r, w, open);
    }
    #[cfg(target_arch = "x86_64")]
    if has_undouble_avx2() {
        // SAFETY: the CPU has these features (checked just above; the answers are cached), and
        // `out` holds at least 64 bytes more than `b`
        let (r, w, open) = unsafe { undouble_avx2(b, out) };
        // the rest (under 32 bytes) sixteen bytes at a time where no pair is open: a short JSON
        // cell is all rest
        return if open {
            undouble_tail(b, out, r, w, open)
        } else {
            undouble_baseline_from(b, out, r, w)
        };
    }
    undouble_baseline(b, out)
}

/// [`undouble_into`] without AVX-512 or AVX2, into an `out` at least 16 bytes longer than `b`.
fn undouble_baseline(b: &[u8], out: &mut [u8]) -> usize {
    undouble_baseline_from(b, out, 0, 0)
}

/// [`undouble_baseline`] from `b[r..]` on, written from `out[w..]`, no pair open there.
fn undouble_baseline_from(b: &[u8], out: &mut [u8], mut r: usize, mut w: usize) -> usize {
    while let (Some(chunk), Some(dst)) = (
        b.get(r..r + 16).and_then(|c| <&[u8; 16]>::try_from(c).ok()),
        out.get_mut(w..w + 16),
    ) {
        dst.copy_from_slice(chunk);
        match quote_mask(chunk) {
            0 => {
                r += 16;
                w += 16;
            }
            m => {
                let q = m.trailing_zeros() as usize;
                r += q + 2;
                w += q + 1;
            }
        }
    }
    undouble_tail(b, out, r, w, false)
}

/// [`undouble_into`] from `b[r..]` on, written from `out[w..]`; `open`: `b[r]` is the second quote
/// of a pair whose first was kept.
fn undouble_tail(b: &[u8], out: &mut [u8], r: usize, mut w: usize, open: bool) -> usize {
    let mut skip = open;
    for &c in b.get(r..).unwrap_or_default() {
        if !std::mem::take(&mut skip) {
            if let Some(d) = out.get_mut(w) {
                *d = c;
                w += 1;
            }
            skip = c == b'"';
        }
    }
    w
}

/// The whole 64-byte vectors of [`undouble_into`] with AVX-512: where reading stopped, where
/// writing stopped, and whether a pair is open there (its second quote comes next).
///
/// # Safety
/// The CPU must have AVX-512 F, BW and VBMI2 and POPCNT, and `out` must be at least 64 bytes
/// longer than `b`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
unsafe fn undouble_avx512(b: &[u8], out: &mut [u8]) -> (usize, usize, bool) {
    use std::arch::x86_64::{
        _mm512_cmpeq_epi8_mask, _mm512_loadu_si512, _mm512_maskz_compress_epi8, _mm512_set1_epi8,
        _mm512_storeu_si512,
    };
    let quote = _mm512_set1_epi8(b'"' as i8);
    let (mut r, mut w) = (0, 0);
    // all ones while a pair is open across the vectors
    let mut carry = 0u64;
    while r + 64 <= b.len() {
        // SAFETY: `r + 64 <= b.len()` (the loop condition), and `w <= r` (each step writes at
        // most what it reads), so `w + 64 <= out.len()` as `out` is 64 bytes longer than `b`
        let v = unsafe { _mm512_loadu_si512(b.as_ptr().add(r).cast()) };
        let q = _mm512_cmpeq_epi8_mask(v, quote);
        // bit i: an odd number of quotes up to and including byte i (from the text's start)
        let odd = crate::model::prefix_xor(q) ^ carry;
        // a quote that makes the count even closes its pair: dropped
        let keep = !(q & !odd);
        // SAFETY: as for the load
        unsafe {
            _mm512_storeu_si512(
                out.as_mut_ptr().add(w).cast(),
                _mm512_maskz_compress_epi8(keep, v),
            );
        }
        w += keep.count_ones() as usize;
        carry = 0u64.wrapping_sub(odd >> 63);
        r += 64;
    }
    (r, w, carry != 0)
}

/// Whether the CPU has what [`undouble_avx2`] needs (the answers are cached).
#[cfg(target_arch = "x86_64")]
fn has_undouble_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("popcnt")
}

/// For each set of kept bytes of an eight-byte group (bit `i`: byte `i` is kept), the byte shuffle
/// that moves them, in order, to the group's front (the lanes past them zeroed).
const COMPACT: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut keep = 0;
    while keep < 256 {
        let (mut mask, mut n, mut i) = (0u64, 0, 0);
        while i < 8 {
            if (keep >> i) & 1 == 1 {
                mask |= (i as u64) << (8 * n);
                n += 1;
            }
            i += 1;
        }
        while n < 8 {
            mask |= 0x80 << (8 * n);
            n += 1;
        }
        table[keep] = mask;
        keep += 1;
    }
    table
};

/// The whole 32-byte vectors of [`undouble_into`] with AVX2, as [`undouble_avx512`] does them
/// without its byte compress: each eight bytes' kept bytes are moved to the front of the group by
/// one shuffle ([`COMPACT`]) and written as one word, the next group written where they end. A
/// vector without a quote (and no pair open) is copied whole. Where reading stopped, where writing
/// stopped, and whether a pair is open there.
///
/// # Safety
/// The CPU must have AVX2, SSSE3 and POPCNT, and `out` must be at least 64 bytes longer than `b`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,ssse3,popcnt")]
unsafe fn undouble_avx2(b: &[u8], out: &mut [u8]) -> (usize, usize, bool) {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
        _mm256_storeu_si256, _mm_cvtsi128_si64, _mm_cvtsi64_si128, _mm_shuffle_epi8,
    };
    let quote = _mm256_set1_epi8(b'"' as i8);
    let (mut r, mut w) = (0, 0);
    // all ones while a pair is open across the vectors
    let mut carry = 0u64;
    while r + 32 <= b.len() {
        // SAFETY: `r + 32 <= b.len()` (the loop condition). Every write below is at `w`, which
        // is at most `r` plus the bytes the groups before it in this step kept (each step writes
        // at most what it reads), so it ends by `r + 32 <= b.len()`, inside `out` (longer than
        // `b`)
        let v = unsafe { _mm256_loadu_si256(b.as_ptr().add(r).cast()) };
        let q = u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)) as u32);
        if q == 0 && carry == 0 {
            // SAFETY: as for the load
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(w).cast(), v) };
            r += 32;
            w += 32;
            continue;
        }
        // bit i: an odd number of quotes up to and including byte i (from the text's start)
        let odd = crate::model::prefix_xor(q) ^ carry;
        // a quote that makes the count even closes its pair: dropped
        let keep = !(q & !odd);
        for g in 0..4 {
            let k = ((keep >> (8 * g)) & 0xff) as usize;
            // SAFETY: `r + 8 * g + 8 <= r + 32 <= b.len()`; the write's eight bytes start at
            // `w <= r + 8 * g` (the groups before kept at most their eight bytes each), so they end
            // by `r + 32`, inside `out`
            unsafe {
                let group = b.as_ptr().add(r + 8 * g).cast::<i64>().read_unaligned();
                let moved = _mm_shuffle_epi8(
                    _mm_cvtsi64_si128(group),
                    _mm_cvtsi64_si128(COMPACT[k] as i64),
                );
                out.as_mut_ptr()
                    .add(w)
                    .cast::<i64>()
                    .write_unaligned(_mm_cvtsi128_si64(moved));
            }
            w += k.count_ones() as usize;
        }
        carry = 0u64.wrapping_sub((odd >> 31) & 1);
        r += 32;
    }
    (r, w, carry != 0)
}

/// The cells of a row, as the fast path reads them: from the `csv` crate's record or from a scan.
pub(crate) trait Cells {
    fn width(&self) -> usize;
    fn cell(&self, i: usize) -> Option<Cow<'_, str>>;
    /// `f` of [`Cells::cell`], where a scanned row can spare the copy.
    fn with_cell<R>(&self, i: usize, f: impl FnOnce(&str) -> R) -> Option<R> {
        self.cell(i).map(|c| f(&c))
    }
    /// Bytes holding every cell's text (needles found in a cell are found here).
    fn haystack(&self) -> &[u8];
    /// The key of the row's cells ([`RecordKey::of_cells`]).
    fn content_key(&self) -> RecordKey {
        RecordKey::of_cells((0..self.width()).map(|i| self.cell(i).unwrap_or_default()))
    }
}

impl Cells for csv::StringRecord {
    fn width(&self) -> usize {
        self.len()
    }
    fn cell(&self, i: usize) -> Option<Cow<'_, str>> {
        self.get(i).map(Cow::Borrowed)
    }
    fn haystack(&self) -> &[u8] {
        self.as_slice().as_bytes()
    }
}

impl Cells for RawRow<'_> {
    fn width(&self) -> usize {
        self.fields.len()
    }
    fn cell(&self, i: usize) -> Option<Cow<'_, str>> {
        self.get(i)
    }
    fn with_cell<R>(&self, i: usize, f: impl FnOnce(&str) -> R) -> Option<R> {
        self.with_undoubled(i, f)
    }
    /// From the scanned text, nothing undoubled: a quoted cell as written is its part of the key's
    /// stream ([`CellsKey`]), and a row whose cells are all quoted (an admin-center download's) is
    /// the whole stream.
    fn content_key(&self) -> RecordKey {
        let b = self.text.as_bytes();
        // a quoted field's text starts after its opening quote; an unquoted one's at the row's
        // start or after a comma
        let quoted = |f: &Field| f.start > self.start && b.get(f.start - 1) == Some(&b'"');
        let mut key = CellsKey::new();
        // the row is its fields' texts, two quotes for each quoted one and a comma between: as
        // long as that with every field quoted, it has every field quoted (an admin-center
        // download), and as written it is the key's stream
        let texts: usize = self.fields.iter().map(|f| f.end - f.start).sum();
        let n = self.fields.len();
        if n > 0 && self.end - self.start == texts + 3 * n - 1 {
            key.row_as_written(self.haystack());
        } else {
            for f in self.fields {
                if quoted(f) {
                    key.quoted_cell(b.get(f.start - 1..f.end + 1).unwrap_or_default());
                } else {
                    key.cell_bytes(b.get(f.start..f.end).unwrap_or_default());
                }
            }
        }
        key.finish()
    }
    /// The record's bytes as written (quotes and delimiters included): every cell's text is in
    /// them, doubled quotes aside.
    fn haystack(&self) -> &[u8] {
        self.text
            .as_bytes()
            .get(self.start..self.end)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`closing_quote`] a quote at a time.
    fn closing_quote_bytewise(bytes: &[u8], from: usize) -> Option<(usize, bool)> {
        let (mut p, mut escaped) = (from, false);
        loop {
            match bytes
                .get(p..)
                .and_then(|t| t.iter().position(|&c| c == b'"'))
            {
                None => return None,
                Some(i) if bytes.get(p + i + 1) == Some(&b'"') => {
                    escaped = true;
                    p += i + 2;
                }
                Some(i) => return Some((p + i, escaped)),
            }
        }
    }

    /// Records as the `csv` crate reads `s`, with the settings `csv_slice` reads it with.
    fn by_csv(s: &[u8]) -> Vec<Vec<String>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(s);
        r.records()
            .map(|rec| rec.map(|r| r.iter().map(str::to_string).collect()))
            .collect::<Result<_, _>>()
            .unwrap_or_default()
    }

    /// Records as the scan reads `s`, then the `csv` crate from the first unsure row.
    fn by_scan(s: &str) -> (Vec<Vec<String>>, bool) {
        let mut fields = Vec::new();
        let mut out = Vec::new();
        let mut pos = 0;
        loop {
            match scan_record(s.as_bytes(), pos, &mut fields) {
                Scan::Record { start, end } => {
                    let row = RawRow::new(s, start, end, &fields);
                    let cells = row.to_cells();
                    assert_eq!(cells.len(), row.width());
                    assert!(row.haystack().len() >= cells.iter().map(String::len).sum::<usize>());
                    // the key read in place is the key of the cells as the `csv` crate reads them
                    assert_eq!(row.content_key(), RecordKey::of_cells(&cells));
                    out.push(cells);
                    pos = end;
                }
                Scan::End => return (out, false),
                Scan::Unsure { start } => {
                    out.extend(by_csv(&s.as_bytes()[start..]));
                    return (out, true);
                }
            }
        }
    }

    #[test]
    fn export_rows() {
        let s = "a,\"b,\"\"c\"\"\",,\"\"\r\n\r\n\"x\ny\",z\n\nlast,\"\"";
        let (rows, unsure) = by_scan(s);
        assert!(!unsure);
        assert_eq!(rows, by_csv(s.as_bytes()));
        assert_eq!(rows[0], ["a", "b,\"c\"", "", ""]);
        assert_eq!(rows[1], ["x\ny", "z"]);
        assert_eq!(rows[2], ["last", ""]);
    }

    /// A row's key depends on its cells alone: written with every cell quoted (an admin-center
    /// download, whose row as written is the key's stream), or quoted only where needed, and
    /// with cells longer than the key's blocks.
    #[test]
    fn a_row_key_is_the_same_however_its_cells_are_quoted() {
        let long = format!("{}\"q\"{}", "v".repeat(700), "w".repeat(900));
        let cells = vec![
            "2026-10-05T00:00:12Z".to_string(),
            String::new(),
            long,
            "a,b".into(),
            "Add member to group".into(),
            String::new(),
        ];
        let quote = |c: &String| format!("\"{}\"", c.replace('"', "\"\""));
        let all: Vec<String> = cells.iter().map(quote).collect();
        let needed: Vec<String> = cells
            .iter()
            .map(|c| {
                if c.contains([',', '"']) {
                    quote(c)
                } else {
                    c.clone()
                }
            })
            .collect();
        let key_of = |line: &str| {
            let text = format!("{line}\r\n");
            let mut fields = Vec::new();
            let Scan::Record { start, end } = scan_record(text.as_bytes(), 0, &mut fields) else {
                panic!("not scanned: {line:?}");
            };
            let row = RawRow::new(&text, start, end, &fields);
            assert_eq!(row.to_cells(), cells);
            row.content_key()
        };
        let k = RecordKey::of_cells(&cells);
        assert_eq!(key_of(&all.join(",")), k);
        assert_eq!(key_of(&needed.join(",")), k);
        let mut other = cells.clone();
        other[2].replace_range(1000..1001, "x");
        assert_ne!(RecordKey::of_cells(&other), k);
        // where one cell ends and the next starts counts
        assert_ne!(
            RecordKey::of_cells(["a,b", ""]),
            RecordKey::of_cells(["a", "b", ""])
        );
        assert_ne!(
            RecordKey::of_cells(["a\"b"]),
            RecordKey::of_cells(["a", "b"])
        );
    }

    #[test]
    fn unsure_rows() {
        let mut f = Vec::new();
        for s in [
            "a,b\"c\n",
            "\"a\"b,c\n",
            "a,\"open",
            "\"a\"\"",
            "x,\"a\" ,b",
        ] {
            let first = matches!(scan_record(s.as_bytes(), 0, &mut f), Scan::Unsure { .. });
            assert!(first, "{s:?}");
            assert_eq!(by_scan(s).0, by_csv(s.as_bytes()), "{s:?}");
        }
        // a sure row, then an unsure one: the rest from the unsure row's start
        let s = "ok,1\r\nbad\"q,2\nok,3";
        assert_eq!(by_scan(s), (by_csv(s.as_bytes()), true));
        assert_eq!(by_scan(s).0.len(), 3);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn quote_mask_is_the_portable_one(
            bytes in proptest::collection::vec(prop_oneof![
                3 => Just(b'"'), 1 => Just(b'a'), 1 => Just(0x80u8), 1 => any::<u8>(),
            ], 16)
        ) {
            let chunk: [u8; 16] = bytes.try_into().unwrap();
            prop_assert_eq!(quote_mask(&chunk), byte_mask_portable(&chunk, [b'"']));
        }

        #[test]
        fn stop_mask_is_the_portable_one(
            bytes in proptest::collection::vec(prop_oneof![
                1 => Just(b'"'), 1 => Just(b','), 1 => Just(b'\r'), 1 => Just(b'\n'),
                2 => Just(b'a'), 1 => Just(0x80u8), 2 => any::<u8>(),
            ], 16)
        ) {
            let chunk: [u8; 16] = bytes.try_into().unwrap();
            prop_assert_eq!(stop_mask(&chunk), byte_mask_portable(&chunk, STOP_BYTES));
        }

        #[test]
        fn undoubling_reads_each_pair_as_one(
            parts in proptest::collection::vec(prop_oneof![
                4 => Just("a"), 2 => Just("\"\""), 1 => Just("é"), 1 => Just("0123456789abcdef"),
            ], 0..60),
            junk in 0usize..400,
        ) {
            let t: String = parts.concat();
            prop_assert_eq!(undouble(&t), t.replace("\"\"", "\""));
            // into a reused buffer holding an earlier, longer cell's bytes
            let mut buf = vec![b'"'; junk];
            let n = undouble_into(&t, &mut buf);
            let want = t.replace("\"\"", "\"");
            prop_assert_eq!(&buf[..n], want.as_bytes());
            // the baseline too, which a CPU with AVX-512 does not run otherwise
            let mut base = vec![0; t.len() + 16];
            let n = undouble_baseline(t.as_bytes(), &mut base);
            prop_assert_eq!(&base[..n], want.as_bytes());
            // and AVX2, which a CPU with AVX-512 VBMI2 does not run otherwise
            #[cfg(target_arch = "x86_64")]
            if has_undouble_avx2() {
                let mut out = vec![b'x'; t.len() + 64];
                // SAFETY: the CPU has the features, and `out` is 64 bytes longer than the text
                let (r, w, open) = unsafe { undouble_avx2(t.as_bytes(), &mut out) };
                let n = undouble_tail(t.as_bytes(), &mut out, r, w, open);
                prop_assert_eq!(&out[..n], want.as_bytes());
                if !open {
                    let n = undouble_baseline_from(t.as_bytes(), &mut out, r, w);
                    prop_assert_eq!(&out[..n], want.as_bytes());
                }
            }
            // and through a scanned row, as the light check reads it
            let row = format!("x,\"{t}\"\n");
            let mut fields = Vec::new();
            let Scan::Record { start, end } = scan_record(row.as_bytes(), 0, &mut fields) else {
                return Err(TestCaseError::fail("not scanned"));
            };
            let raw = RawRow::new(&row, start, end, &fields);
            let read = raw.with_cell(1, str::to_string);
            prop_assert_eq!(read.as_deref(), Some(&*want));
            prop_assert_eq!(raw.with_cell(1, str::len), raw.cell(1).map(|c| c.len()));
        }

        /// The scan, with the `csv` crate from where it is unsure, reads what the `csv` crate reads.
        #[test]
        fn scan_reads_like_the_csv_crate(
            parts in proptest::collection::vec(prop_oneof![
                3 => Just("a"), 2 => Just(","), 2 => Just("\""), 1 => Just("\"\""),
                1 => Just("\n"), 1 => Just("\r\n"), 1 => Just("\r"), 1 => Just(" "),
                1 => Just("é"), 1 => Just("\"x,\ny\""), 1 => Just("\"{\"\"k\"\":1}\""),
                1 => Just("\"\",\"\",\"\",\"\",\"\","), 1 => Just("0123456789abcde"),
            ], 0..40)
        ) {
            let s: String = parts.concat();
            prop_assert_eq!(by_scan(&s).0, by_csv(s.as_bytes()));
        }

        /// The closing quote is the first quote that is not doubled, wherever the sixteen-byte
        /// vectors split the pairs.
        #[test]
        fn closing_quote_is_the_first_quote_not_doubled(
            bytes in proptest::collection::vec(prop_oneof![
                3 => Just(b'"'), 4 => Just(b'a'), 1 => Just(b','),
            ], 0..300),
            from in 0usize..20,
        ) {
            let from = from.min(bytes.len());
            prop_assert_eq!(closing_quote(&bytes, from), closing_quote_bytewise(&bytes, from));
        }

        /// The same on long cells shaped like JSON text (a doubled quote every few bytes, runs of
        /// pairs, the closing quote late or missing): from the first doubled quote on, the 64-byte
        /// steps of `closing_quote_long`.
        #[test]
        fn closing_quote_of_long_cells(
            parts in proptest::collection::vec(prop_oneof![
                4 => Just(&b"\"\""[..]), 3 => Just(&b"a"[..]), 2 => Just(&b"abcdefghijklmno"[..]),
                1 => Just(&b"\"\"\"\""[..]), 1 => Just(&b","[..]),
            ], 0..120),
            close in prop_oneof![Just(&b"\","[..]), Just(&b"\"\"\",x"[..]), Just(&b""[..]), Just(&b"\""[..])],
            after in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'a')], 0..80),
        ) {
            let mut bytes = parts.concat();
            bytes.extend_from_slice(close);
            bytes.extend_from_slice(&after);
            prop_assert_eq!(closing_quote(&bytes, 0), closing_quote_bytewise(&bytes, 0));
        }
    }
}
