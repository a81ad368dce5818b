//! A validating scan of one JSON object ([`Doc`]) that keeps the raw text of every value and, for
//! every object and array in it, its members or elements: the light parse of the fast path
//! ([`super::prefilter`]) and of the light mapping of kept records ([`super::lightaudit`]). It
//! accepts only what `serde_json` accepts for an object (strict grammar: strings without raw
//! control characters and with valid escapes, the JSON number grammar, `true`/`false`/`null`,
//! nesting up to serde_json's recursion limit) and answers `None` for anything else, so the caller
//! can fall back to the full parse. It also answers `None` when any string holds a `\u` escape (an
//! escape could spell one of the licensing needles) or an escaped backslash before a `u` (decoded
//! a second time, as property values are, that is an escape), when a key holds an escape, and for
//! objects with very many keys.
//!
//! String bodies, most of an audit record's bytes, are skipped sixteen bytes at a time with SSE2 on
//! x86-64 (a vector is checked for a quote, a backslash and a control byte at once), else eight at a
//! time (SWAR).

/// Top-level keys an audit record has at most before the scan gives up (Graph records have 12).
const MAX_KEYS: usize = 48;
/// serde_json's default recursion limit is 128 nested containers.
const MAX_DEPTH: usize = 120;

use crate::model::{HI, LO};

#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

/// The index of the first byte at or after `i` that is a quote, a backslash or a control byte.
#[inline(always)]
fn next_special(b: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    let i = match next_special_sse2(b, i) {
        Ok(found) => return found,
        Err(tail) => tail,
    };
    next_special_swar(b, i)
}

/// [`next_special`] sixteen bytes at a time, up to the last whole sixteen (SSE2 is part of every
/// x86-64 CPU): `Ok` with the byte found, or `Err` with where the scalar scan goes on.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn next_special_sse2(b: &[u8], mut i: usize) -> Result<usize, usize> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is always available on x86_64, and every load reads the 16 bytes
    // `b[i..i + 16]`, which the loop condition keeps inside the slice.
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let ctl = _mm_set1_epi8(0x1f);
        while i + 16 <= b.len() {
            let w = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
            // a byte <= 0x1f is its own unsigned minimum with 0x1f
            let m = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, backslash)),
                _mm_cmpeq_epi8(_mm_min_epu8(w, ctl), w),
            );
            let mask = _mm_movemask_epi8(m) as u32;
            if mask != 0 {
                return Ok(i + mask.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    Err(i)
}

/// [`next_special`] eight bytes at a time (SWAR), then byte by byte.
#[inline(always)]
fn next_special_swar(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(w);
        let m = zero_bytes(w ^ (LO * b'"' as u64))
            | zero_bytes(w ^ (LO * b'\\' as u64))
            | (w.wrapping_sub(LO * 0x20) & !w & HI);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

/// Skips a string whose opening quote is at `i - 1`; returns the index after the closing quote and
/// whether the string held an escape.
#[inline(always)]
fn string(b: &[u8], i: usize) -> Option<(usize, bool)> {
    // most strings end at their first special byte: that case stays inline
    let j = next_special(b, i);
    if b.get(j) == Some(&b'"') {
        return Some((j + 1, false));
    }
    string_rest(b, j)
}

/// [`string`] from its first escape or control byte on.
#[inline(never)]
fn string_rest(b: &[u8], mut i: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        i = next_special(b, i);
        match *b.get(i)? {
            b'"' => return Some((i + 1, escaped)),
            b'\\' => {
                match *b.get(i + 1)? {
                    // `\\u`: plain text here, but the normalizer decodes JSON-in-a-string property
                    // values a second time, where it is an escape that could hide a needle
                    b'\\' if b.get(i + 2) == Some(&b'u') => return None,
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    _ => return None, // `\u` (could hide a needle) or an invalid escape
                }
                escaped = true;
                i += 2;
            }
            _ => return None, // a raw control character
        }
    }
}

#[inline(always)]
fn ws(b: &[u8], mut i: usize) -> usize {
    // white space is at most a space: most calls (compact JSON) end at this one test
    if b.get(i).is_some_and(|&c| c > b' ') {
        return i;
    }
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

fn number(b: &[u8], start: usize) -> Option<usize> {
    let (end, exp_digits) = number_end(b, start)?;
    // serde_json rejects numbers out of f64 range (`1e400`, hundreds of digits): leave any long
    // number or large exponent to it
    (end - start <= 40 && exp_digits <= 2).then_some(end)
}

/// The end of the number starting at `i`, and the digits of its exponent.
fn number_end(b: &[u8], mut i: usize) -> Option<(usize, usize)> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match *b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(b, i + 1),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        let j = digits(b, i + 1);
        if j == i + 1 {
            return None;
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(b, i);
        if j == i {
            return None;
        }
        return Some((j, j - i));
    }
    Some((i, 0))
}

/// Skips one JSON scalar starting at `i` (no leading white space); returns the index after it.
/// Containers are [`Doc::parse`]'s.
#[inline(always)]
fn value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string(b, i + 1).map(|(e, _)| e),
        b'{' | b'[' => None,
        b't' => b[i..].starts_with(b"true").then_some(i + 4),
        b'f' => b[i..].starts_with(b"false").then_some(i + 5),
        b'n' => b[i..].starts_with(b"null").then_some(i + 4),
        _ => number(b, i),
    }
}

/// Validates the container opening at `b[i]` and everything in it, by the rules [`Doc`]'s scan
/// applies (keys without escapes, at most [`MAX_KEYS`] per object, [`MAX_DEPTH`] levels counting
/// the `outer` ones open around it), keeping nothing; returns the index after its closer. The
/// scan's own loop also builds the list of open containers and their items, which the levels a
/// caller does not keep (most of a record the fast path only counts) do not need.
fn skip_container(b: &[u8], mut i: usize, outer: usize) -> Option<usize> {
    // level `d` of the open containers (0 = the one at `i`): whether it is an object, and its keys
    // so far; `obj` is the innermost level's kind
    let mut objs = [false; MAX_DEPTH + 1];
    let mut keys = [0u8; MAX_DEPTH + 1];
    let mut d = 0usize;
    let mut obj;
    'open: loop {
        // `b[i]` opens a container
        if outer + d > MAX_DEPTH {
            return None;
        }
        obj = *b.get(i)? == b'{';
        *objs.get_mut(d)? = obj;
        *keys.get_mut(d)? = 0;
        d += 1;
        i += 1;
        let mut first = true;
        loop {
            // at an item of the innermost container, or at its closer when it is empty
            i = ws(b, i);
            let c = *b.get(i)?;
            if !(first && c == if obj { b'}' } else { b']' }) {
                if obj {
                    if c != b'"' {
                        return None;
                    }
                    let (end, escaped) = string(b, i + 1)?;
                    let k = keys.get_mut(d - 1)?;
                    if escaped || usize::from(*k) == MAX_KEYS {
                        return None;
                    }
                    *k += 1;
                    i = ws(b, end);
                    if b.get(i) != Some(&b':') {
                        return None;
                    }
                    i = ws(b, i + 1);
                }
                match *b.get(i)? {
                    b'{' | b'[' => continue 'open,
                    _ => i = value(b, i)?,
                }
            }
            // after a value: a comma (an item must follow) or closers
            loop {
                i = ws(b, i);
                match *b.get(i)? {
                    b',' => {
                        i += 1;
                        first = false;
                        break;
                    }
                    c if c == if obj { b'}' } else { b']' } => {
                        i += 1;
                        d -= 1;
                        if d == 0 {
                            return Some(i);
                        }
                        obj = *objs.get(d - 1)?;
                    }
                    _ => return None,
                }
            }
        }
    }
}

/// Every container of one JSON object, read in one pass: the members of each object and the
/// elements of each array, found again by where the container starts. The light mapping reads
/// values three and four levels deep (targets, their modified properties); scanning each level
/// again (as it once did) read those bytes once per level. No object at any depth may have an
/// escaped key or more than 48 members.
pub struct Doc<'a> {
    text: &'a str,
    /// Containers by start offset (ascending).
    containers: Vec<Container>,
    /// Members (key, raw value) and elements (`""`, raw value) of every container, each
    /// container's items together and in document order.
    items: Vec<(&'a str, &'a str)>,
}

/// A container of a [`Doc`]: where its text starts and ends, whether it is an object, and its
/// items in `Doc::items`.
struct Container {
    start: usize,
    end: usize,
    obj: bool,
    items: std::ops::Range<usize>,
}

/// A container open during [`Doc::parse`].
struct Open<'a> {
    start: usize,
    obj: bool,
    /// Its slot in `containers` (taken when it opens, so the list is in start order). Only
    /// containers whose items are kept are opened here; the others are read by
    /// [`skip_container`].
    slot: usize,
    /// Where its items begin on the scratch stack.
    from: usize,
    /// Its key in the enclosing object (`""` in an array or at the root).
    key: &'a str,
    /// Its keys so far (an object has at most [`MAX_KEYS`]), as they were when a container opened
    /// inside it: the scan counts the innermost container's keys in a local.
    keys: usize,
}

impl<'a> Doc<'a> {
    /// Scans `b`, which must be exactly one JSON object (white space around it allowed).
    pub fn parse(b: &'a [u8]) -> Option<Doc<'a>> {
        Doc::parse_depth(b, usize::MAX)
    }

    /// [`Doc::parse`] that keeps the items of the root object and of its own objects and arrays
    /// only: deeper containers are validated the same way, but [`Doc::members`] and
    /// [`Doc::elements`] do not know them. It is all the fast path's count of a record reads (its
    /// top-level keys; an Azure Monitor record's `properties`), and copying the items of every
    /// level was about a sixth of the scan.
    pub fn parse_shallow(b: &'a [u8]) -> Option<Doc<'a>> {
        Doc::parse_depth(b, 2)
    }

    /// [`Doc::parse`] keeping the items of the containers less than `levels` deep (the root is
    /// 0, and its items are always kept; [`Doc::parse_shallow`] is 2); deeper ones are validated,
    /// not kept, by a loop that keeps nothing ([`skip_container`]).
    pub fn parse_depth(b: &'a [u8], levels: usize) -> Option<Doc<'a>> {
        // UTF-8 checked once for the whole record (serde_json rejects invalid UTF-8 in strings;
        // outside strings any non-ASCII byte is a syntax error the scan finds anyway)
        Doc::parse_levels(simdutf8::basic::from_utf8(b).ok()?, levels)
    }

    /// [`Doc::parse`] of text already known to be UTF-8 (a CSV cell: its slice was checked whole),
    /// which is not checked again.
    pub fn parse_str(text: &'a str) -> Option<Doc<'a>> {
        Doc::parse_levels(text, usize::MAX)
    }

    /// [`Doc::parse_depth`] of text already known to be UTF-8.
    pub fn parse_depth_str(text: &'a str, levels: usize) -> Option<Doc<'a>> {
        Doc::parse_levels(text, levels)
    }

    /// [`Doc::parse_shallow`] of text already known to be UTF-8.
    pub fn parse_shallow_str(text: &'a str) -> Option<Doc<'a>> {
        Doc::parse_levels(text, 2)
    }

    /// The scan, keeping the items of the containers less than `levels` deep (the root is 0; its
    /// items are kept whatever `levels` is).
    fn parse_levels(text: &'a str, levels: usize) -> Option<Doc<'a>> {
        let levels = levels.max(1);
        let b = text.as_bytes();
        let mut containers = Vec::with_capacity(16);
        let mut items: Vec<(&'a str, &'a str)> = Vec::with_capacity(64);
        let mut scratch: Vec<(&'a str, &'a str)> = Vec::with_capacity(64);
        let mut stack: Vec<Open<'a>> = Vec::with_capacity(8);
        let mut i = ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        containers.push(Container {
            start: i,
            end: i,
            obj: true,
            items: 0..0,
        });
        stack.push(Open {
            start: i,
            obj: true,
            slot: 0,
            from: 0,
            key: "",
            keys: 0,
        });
        i += 1;
        let mut first = true;
        // the innermost open container's kind and keys so far (its `Open` has them once a
        // container opens inside it)
        let mut obj = true;
        let mut keys = 0usize;
        loop {
            // at an item, or at an empty container's closer
            i = ws(b, i);
            let c = *b.get(i)?;
            let empty = first && c == if obj { b'}' } else { b']' };
            if !empty {
                let key = if obj {
                    if c != b'"' {
                        return None;
                    }
                    let (end, escaped) = string(b, i + 1)?;
                    if escaped || keys == MAX_KEYS {
                        return None;
                    }
                    keys += 1;
                    let key = text.get(i + 1..end - 1)?;
                    i = ws(b, end);
                    if b.get(i) != Some(&b':') {
                        return None;
                    }
                    i = ws(b, i + 1);
                    key
                } else {
                    ""
                };
                let c = *b.get(i)?;
                let end = if (c == b'{' || c == b'[') && stack.len() < levels {
                    // a container whose items are kept (its depth is the number of containers
                    // open around it)
                    if stack.len() > MAX_DEPTH {
                        return None;
                    }
                    stack.last_mut()?.keys = keys;
                    obj = c == b'{';
                    keys = 0;
                    containers.push(Container {
                        start: i,
                        end: i,
                        obj,
                        items: 0..0,
                    });
                    stack.push(Open {
                        start: i,
                        obj,
                        slot: containers.len() - 1,
                        from: scratch.len(),
                        key,
                        keys: 0,
                    });
                    i += 1;
                    first = true;
                    continue;
                } else if c == b'{' || c == b'[' {
                    // one whose items are not: validated in one go, then read like a scalar
                    skip_container(b, i, stack.len())?
                } else {
                    value(b, i)?
                };
                // (every open container's items are kept: the others are skipped whole)
                scratch.push((key, text.get(i..end)?));
                i = end;
            }
            // after a value: a comma (an item must follow) or closers
            loop {
                i = ws(b, i);
                match *b.get(i)? {
                    b',' => {
                        i += 1;
                        first = false;
                        break;
                    }
                    c if c == if obj { b'}' } else { b']' } => {
                        let o = stack.pop()?;
                        i += 1;
                        if let Some(slot) = containers.get_mut(o.slot) {
                            let at = items.len();
                            items.extend(scratch.drain(o.from..));
                            slot.items = at..items.len();
                            slot.end = i;
                        }
                        let Some(parent) = stack.last() else {
                            if ws(b, i) != b.len() {
                                return None;
                            }
                            return Some(Doc {
                                text,
                                containers,
                                items,
                            });
                        };
                        obj = parent.obj;
                        keys = parent.keys;
                        scratch.push((o.key, text.get(o.start..i)?));
                    }
                    _ => return None,
                }
            }
        }
    }

    /// The items of the container whose raw text is `raw` (a value of this document: the same
    /// start and length, not just the same first byte).
    fn items_of(&self, raw: &str, obj: bool) -> Option<&[(&'a str, &'a str)]> {
        let at = (raw.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        if at >= self.text.len() {
            return None;
        }
        let k = self
            .containers
            .binary_search_by_key(&at, |c| c.start)
            .ok()?;
        let c = &self.containers[k];
        (c.obj == obj && c.end - c.start == raw.len()).then(|| &self.items[c.items.clone()])
    }

    /// The top-level members, in document order.
    pub fn root(&self) -> Vec<(&'a str, &'a str)> {
        self.root_items().to_vec()
    }

    /// [`Doc::root`], borrowed.
    pub fn root_items(&self) -> &[(&'a str, &'a str)] {
        // the root starts first
        self.containers
            .first()
            .map_or(&[], |c| &self.items[c.items.clone()])
    }

    /// [`Doc::members`], borrowed.
    pub fn member_items(&self, raw: &str) -> Option<&[(&'a str, &'a str)]> {
        self.items_of(raw, true)
    }

    /// The members of an object value of this document, in document order (`None`: `raw` is not
    /// an object of this document).
    pub fn members(&self, raw: &str) -> Option<Vec<(&'a str, &'a str)>> {
        self.items_of(raw, true).map(<[_]>::to_vec)
    }

    /// The elements of an array value of this document, in order.
    pub fn elements(&self, raw: &str) -> Option<Vec<&'a str>> {
        self.items_of(raw, false)
            .map(|items| items.iter().map(|(_, v)| *v).collect())
    }
}

/// [`unescape`] of a value inside a scanned record (already UTF-8): without escapes, a copy.
pub fn unescape_str(raw: &str) -> Option<String> {
    unescape_cow(raw).map(std::borrow::Cow::into_owned)
}

/// [`unescape_str`], borrowing the text when it holds no escape (most strings of a record).
pub fn unescape_cow(raw: &str) -> Option<std::borrow::Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    // the memchr crate's search (vectorized), not `str::contains`'s
    if memchr::memchr(b'\\', inner.as_bytes()).is_some() {
        unescape(raw.as_bytes()).map(std::borrow::Cow::Owned)
    } else {
        Some(std::borrow::Cow::Borrowed(inner))
    }
}

/// The text of a raw JSON string value (quotes included) without `\u` escapes, unescaped.
pub fn unescape(raw: &[u8]) -> Option<String> {
    let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if memchr::memchr(b'\\', inner).is_none() {
        return std::str::from_utf8(inner).ok().map(str::to_string);
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut it = inner.iter();
    while let Some(&c) = it.next() {
        if c != b'\\' {
            out.push(c);
            continue;
        }
        out.push(match it.next()? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            _ => return None,
        });
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde_ok(b: &[u8]) -> bool {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(b).is_ok()
    }

    #[test]
    fn accepts_and_rejects_like_serde() {
        let good = [
            r#"{}"#,
            r#" {"a":1} "#,
            r#"{"a":[1,2,{"b":[]}],"c":{"d":"x\"y\\z\n"},"e":-0.5e+3,"f":true,"g":null}"#,
            r#"{"a":"é","b":[[],{}]}"#,
        ];
        for g in good {
            assert!(serde_ok(g.as_bytes()), "{g}");
            assert!(Doc::parse(g.as_bytes()).is_some(), "{g}");
        }
        let bad = [
            r#"{"a":1"#,
            r#"{"a":1}}"#,
            r#"{"a":1} x"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":{"b":1,}}"#,
            "{\"a\":\"x\ty\"}",
            r#"{"a":"\x"}"#,
            r#"{"a" 1}"#,
            r#"{"a":tru}"#,
            r#"{"a":[}"#,
            r#"[1]"#,
        ];
        for b in bad {
            assert!(Doc::parse(b.as_bytes()).is_none(), "{b}");
        }
        assert!(
            Doc::parse(br#"{"a":"\u0041"}"#).is_none(),
            "\\u is never light"
        );
        assert!(
            Doc::parse(br#"{"a":"\"x\\u0041\""}"#).is_none(),
            "nor \\\\u, which a second decoding reads as an escape"
        );
        assert!(Doc::parse(br#"{"a":"C:\\Windows"}"#).is_some());
        let got = Doc::parse(br#"{"k":"v","n":{"x":[1]}}"#).unwrap().root();
        assert_eq!(got, vec![("k", "\"v\""), ("n", r#"{"x":[1]}"#)]);
        assert_eq!(
            unescape(br#""a\"b\\c\/d\n""#).as_deref(),
            Some("a\"b\\c/d\n")
        );
        assert_eq!(
            unescape_str(r#""a\"b\\c\/d\n""#).as_deref(),
            Some("a\"b\\c/d\n")
        );
        assert_eq!(unescape_str(r#""plain é""#).as_deref(), Some("plain é"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The vector scans find the same byte as a plain one, from any start.
        #[test]
        fn special_byte_scans_agree(b in proptest::collection::vec(prop_oneof![
            8 => 0x20u8..0x7f, 1 => Just(b'"'), 1 => Just(b'\\'), 1 => 0u8..0x20, 1 => 0x80u8..=0xff
        ], 0..80), from in 0usize..80) {
            let from = from.min(b.len());
            let plain = (from..b.len())
                .find(|&j| b[j] == b'"' || b[j] == b'\\' || b[j] < 0x20)
                .unwrap_or(b.len());
            prop_assert_eq!(next_special(&b, from), plain);
            prop_assert_eq!(next_special_swar(&b, from), plain);
        }
    }

    /// The elements of the array that is the value of `a` in `{"a": <text>}`.
    fn doc_elements(text: &str) -> Option<Vec<String>> {
        let wrapped = format!(r#"{{"a":{text}}}"#);
        let doc = Doc::parse(wrapped.as_bytes())?;
        let root = doc.root();
        let els = doc.elements(root[0].1)?;
        Some(els.into_iter().map(str::to_string).collect())
    }

    #[test]
    fn array_elements() {
        assert_eq!(doc_elements(" [ ] "), Some(vec![]));
        assert_eq!(
            doc_elements(r#"[1, "a,b", {"x":[2,3]}, [], null]"#),
            Some(
                ["1", r#""a,b""#, r#"{"x":[2,3]}"#, "[]", "null"]
                    .map(String::from)
                    .to_vec()
            )
        );
        for bad in [
            "[1,]",
            "[1 2]",
            "[",
            "[1] x",
            r#"["\u0041"]"#,
            "[,1]",
            "[1,,2]",
        ] {
            assert_eq!(doc_elements(bad), None, "{bad}");
        }
    }

    #[test]
    fn doc_finds_every_container_and_refuses_what_members_refuses() {
        let text = r#" {"k":"v","n":{"x":[1,{"y":{}}],"z":"w"},"e":[],"o":{}} "#;
        let doc = Doc::parse(text.as_bytes()).unwrap();
        let root = doc.root();
        assert_eq!(
            root,
            vec![
                ("k", r#""v""#),
                ("n", r#"{"x":[1,{"y":{}}],"z":"w"}"#),
                ("e", "[]"),
                ("o", "{}")
            ]
        );
        let n = doc.members(root[1].1).unwrap();
        assert_eq!(n, vec![("x", r#"[1,{"y":{}}]"#), ("z", r#""w""#)]);
        let x = doc.elements(n[0].1).unwrap();
        assert_eq!(x, vec!["1", r#"{"y":{}}"#]);
        assert_eq!(doc.members(x[1]).unwrap(), vec![("y", "{}")]);
        assert_eq!(doc.elements(root[2].1).unwrap(), Vec::<&str>::new());
        assert_eq!(doc.members(root[3].1).unwrap(), vec![]);
        // not a container of the document, or the wrong kind
        assert!(doc.members(root[0].1).is_none());
        assert!(doc.elements(root[1].1).is_none());
        assert!(doc.members("{}").is_none());
        // the same first byte is not enough: the slice must be the container's whole text
        assert!(doc.members(&root[1].1[..1]).is_none());
        for bad in [
            r#"{"a":{"b\"c":1}}"#, // an escaped key, at any depth
            r#"{"a":{"b":1,}}"#,
            r#"{"a":[1}"#,
            r#"{"a":{"b":1]}"#,
            r#"{"a":1}}"#,
            r#"{"a":1} x"#,
            r#"{,"a":1}"#,
            r#"[1]"#,
        ] {
            assert!(Doc::parse(bad.as_bytes()).is_none(), "{bad}");
        }
        let many: String = (0..=MAX_KEYS).map(|k| format!(r#""k{k}":1,"#)).collect();
        let deep = format!(r#"{{"a":{{{}"z":1}}}}"#, many);
        assert!(Doc::parse(deep.as_bytes()).is_none(), "too many keys");
        let nested = format!(r#"{{"a":{}{}}}"#, "[".repeat(130), "]".repeat(130));
        assert!(Doc::parse(nested.as_bytes()).is_none(), "too deep");
    }

    /// Any JSON value tree with plain keys and strings.
    fn tree() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            "[a-z ,:{}\\[\\]]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,3}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Every container the document holds, checked against serde_json's reading of its text.
    fn check_containers(
        doc: &Doc<'_>,
        raw: &str,
        v: &serde_json::Value,
    ) -> Result<(), TestCaseError> {
        match v {
            serde_json::Value::Object(m) => {
                let items = doc
                    .members(raw)
                    .ok_or_else(|| TestCaseError::fail(format!("no object at {raw}")))?;
                prop_assert_eq!(items.len(), m.len());
                for ((k, r), (sk, sv)) in items.iter().zip(m) {
                    prop_assert_eq!(k, sk);
                    let parsed: serde_json::Value = serde_json::from_str(r).unwrap();
                    prop_assert_eq!(&parsed, sv);
                    check_containers(doc, r, sv)?;
                }
            }
            serde_json::Value::Array(a) => {
                let els = doc
                    .elements(raw)
                    .ok_or_else(|| TestCaseError::fail(format!("no array at {raw}")))?;
                prop_assert_eq!(els.len(), a.len());
                for (r, sv) in els.iter().zip(a) {
                    check_containers(doc, r, sv)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Text made of JSON's own bytes and its pitfalls (escapes, backslash runs, control bytes,
    /// `u`, non-ASCII), long enough to cross the string scan's 16-byte steps.
    fn jsonish(len: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                6 => proptest::sample::select(vec![
                    '{', '}', '[', ']', '"', ':', ',', ' ', '\\', 'a', 'u', '1', '0', '-', '.',
                    'e', 't', 'r', 'n', 'l', 's', 'f', '/', 'b',
                ]),
                1 => proptest::sample::select(vec!['\t', '\n', '\r', '\u{1}', '\u{1a}', '\u{c}', '\u{1f}']),
                1 => proptest::sample::select(vec!['é', '\u{7f}', '€', 'ſ', '\u{10348}']),
            ],
            0..len,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    /// A valid object (strings with quotes, backslashes, control characters and non-ASCII, long
    /// enough to cross the string scan's 16-byte steps), then a few characters replaced, inserted
    /// or removed.
    fn mutated() -> impl Strategy<Value = String> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z\"\\\\/ \t\né:,{}\\[\\]]{0,90}".prop_map(Value::String),
        ];
        let tree = leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z\"\\\\]{1,4}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        });
        (
            proptest::collection::btree_map("[a-z]{1,3}", tree, 0..6),
            any::<bool>(),
            proptest::collection::vec((any::<proptest::sample::Index>(), 0u8..3, jsonish(2)), 0..3),
        )
            .prop_map(|(m, pretty, edits)| {
                let v = Value::Object(m.into_iter().collect());
                let text = if pretty {
                    serde_json::to_string_pretty(&v).unwrap()
                } else {
                    v.to_string()
                };
                let mut chars: Vec<char> = text.chars().collect();
                for (at, op, with) in edits {
                    let i = at.index(chars.len() + 1);
                    match op {
                        0 if i < chars.len() => {
                            chars.remove(i);
                        }
                        1 if i < chars.len() => {
                            chars.splice(i..=i, with.chars());
                        }
                        _ => {
                            chars.splice(i..i, with.chars());
                        }
                    }
                }
                chars.into_iter().collect()
            })
    }

    /// A scan keeping any number of levels accepts and refuses what the whole scan does, and keeps
    /// the same root items (the levels it does not keep are validated by `skip_container`).
    fn same_at_every_depth(s: &str) -> Result<(), TestCaseError> {
        let full = Doc::parse(s.as_bytes());
        for levels in 0..6 {
            let part = Doc::parse_depth(s.as_bytes(), levels);
            prop_assert_eq!(full.is_some(), part.is_some(), "levels {}: {:?}", levels, s);
            if let (Some(full), Some(part), true) = (&full, &part, levels > 0) {
                prop_assert_eq!(full.root(), part.root());
            }
        }
        Ok(())
    }

    /// A shallow scan accepts and refuses what the whole scan does, and keeps the same items for
    /// the root and its own containers.
    fn same_shallow(s: &str) -> Result<(), TestCaseError> {
        same_at_every_depth(s)?;
        let full = Doc::parse(s.as_bytes());
        let shallow = Doc::parse_shallow(s.as_bytes());
        prop_assert_eq!(full.is_some(), shallow.is_some(), "{:?}", s);
        let (Some(full), Some(shallow)) = (full, shallow) else {
            return Ok(());
        };
        prop_assert_eq!(full.root(), shallow.root());
        for (_, v) in full.root() {
            prop_assert_eq!(full.members(v), shallow.members(v));
            prop_assert_eq!(full.elements(v), shallow.elements(v));
            // one level down, only the whole scan knows the containers
            for (_, w) in full.members(v).unwrap_or_default() {
                if w.starts_with('{') || w.starts_with('[') {
                    prop_assert!(shallow.members(w).is_none() && shallow.elements(w).is_none());
                }
            }
        }
        Ok(())
    }

    #[test]
    fn limits_are_the_same_at_every_depth() {
        // an object of exactly MAX_KEYS keys is read, one more is refused, at the root, kept
        // levels and levels only validated
        let keys = |n: usize| -> String {
            let body: Vec<String> = (0..n).map(|k| format!(r#""k{k}":1"#)).collect();
            format!("{{{}}}", body.join(","))
        };
        for n in [MAX_KEYS, MAX_KEYS + 1] {
            for text in [
                keys(n),
                format!(r#"{{"a":{}}}"#, keys(n)),
                format!(r#"{{"a":{{"b":[{}]}}}}"#, keys(n)),
                format!(r#"{{"a":[[{{"b":{}}}]]}}"#, keys(n)),
            ] {
                assert_eq!(
                    Doc::parse(text.as_bytes()).is_some(),
                    n == MAX_KEYS,
                    "{text}"
                );
                same_at_every_depth(&text).unwrap();
            }
        }
        // the keys of an object are counted across a container inside it
        let around = |n: usize| -> String {
            let body: Vec<String> = (0..n)
                .map(|k| match k {
                    3 => format!(r#""k{k}":{{"x":[1,{{"y":2}}]}}"#),
                    _ => format!(r#""k{k}":1"#),
                })
                .collect();
            format!("{{{}}}", body.join(","))
        };
        for n in [MAX_KEYS, MAX_KEYS + 1] {
            for text in [around(n), format!(r#"{{"a":{}}}"#, around(n))] {
                assert_eq!(
                    Doc::parse(text.as_bytes()).is_some(),
                    n == MAX_KEYS,
                    "{text}"
                );
                same_at_every_depth(&text).unwrap();
            }
        }
        // nesting: the deepest the whole scan reads, and one more
        let nested = |n: usize| format!(r#"{{"a":{}{}}}"#, "[".repeat(n), "]".repeat(n));
        let deepest = (1..200)
            .take_while(|&n| Doc::parse(nested(n).as_bytes()).is_some())
            .last()
            .expect("some nesting is read");
        assert_eq!(deepest, MAX_DEPTH);
        for n in [deepest, deepest + 1] {
            same_at_every_depth(&nested(n)).unwrap();
            let objects = format!(r#"{{"a":{}1{}}}"#, r#"{"b":"#.repeat(n), "}".repeat(n));
            same_at_every_depth(&objects).unwrap();
        }
    }

    #[test]
    fn shallow_scan_keeps_two_levels() {
        let text = r#"{"k":"v","n":{"x":[1,{"y":{}}],"z":"w"},"e":[[2]],"o":{}}"#;
        let doc = Doc::parse_shallow(text.as_bytes()).unwrap();
        let root = doc.root();
        assert_eq!(root[1], ("n", r#"{"x":[1,{"y":{}}],"z":"w"}"#));
        let n = doc.members(root[1].1).unwrap();
        assert_eq!(n, vec![("x", r#"[1,{"y":{}}]"#), ("z", r#""w""#)]);
        assert!(doc.elements(n[0].1).is_none(), "not kept");
        assert_eq!(doc.elements(root[2].1).unwrap(), vec!["[2]"]);
        same_shallow(text).unwrap();
        // an object past MAX_KEYS, a broken key, an escaped key, a bad value, too deep: refused
        // as by the whole scan
        let many: String = (0..=MAX_KEYS).map(|k| format!(r#""k{k}":1,"#)).collect();
        for bad in [
            format!(r#"{{"a":{{"b":{{{}"z":1}}}}}}"#, many),
            r#"{"a":{"b":{"c"d":1}}}"#.to_string(),
            r#"{"a":{"b":{"c\"d":1}}}"#.to_string(),
            r#"{"a":{"b":[1,]}}"#.to_string(),
            format!(r#"{{"a":{}{}}}"#, "[".repeat(130), "]".repeat(130)),
        ] {
            assert!(Doc::parse_shallow(bad.as_bytes()).is_none(), "{bad}");
            same_shallow(&bad).unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn shallow_scan_reads_any_text_like_the_whole_one(s in jsonish(200)) {
            same_shallow(&s)?;
            same_shallow(&format!("{{\"a\":{s}}}"))?;
            same_shallow(&format!("{{\"a\":{{\"b\":[{s}]}}}}"))?;
        }

        #[test]
        fn shallow_scan_reads_damaged_objects_like_the_whole_one(s in mutated()) {
            same_shallow(&s)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever the light scan accepts, serde_json accepts too (the reverse need not hold: `\u`,
        /// escaped keys and deep nesting are left to the full parse).
        #[test]
        fn light_accepts_only_what_serde_accepts(s in r#"[{}\[\]",:a-c0-9 .eE+\-\\tnrul]{0,60}"#) {
            if Doc::parse(s.as_bytes()).is_some() {
                prop_assert!(serde_ok(s.as_bytes()), "{}", s);
            }
        }

        /// One pass finds every nested object and array as a fresh parse of its text would.
        #[test]
        fn doc_reads_every_level(m in proptest::collection::btree_map("[a-z]{1,3}", tree(), 0..5), pretty in any::<bool>()) {
            let v = serde_json::Value::Object(m.into_iter().collect());
            let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
            let doc = Doc::parse(text.as_bytes());
            prop_assert!(doc.is_some(), "{}", text);
            let doc = doc.unwrap();
            let keys: Vec<&str> = doc.root().iter().map(|(k, _)| *k).collect();
            prop_assert_eq!(keys, v.as_object().unwrap().keys().map(String::as_str).collect::<Vec<_>>());
            check_containers(&doc, text.trim(), &v)?;
        }

        #[test]
        fn serde_objects_without_escapes_are_light(v in proptest::collection::btree_map("[a-z]{1,5}", any::<i32>(), 0..6)) {
            let s = serde_json::to_string(&v).unwrap();
            prop_assert!(Doc::parse(s.as_bytes()).is_some());
        }
    }
}
