//! A streaming splitter for JSON inputs. It finds the records of a file without parsing them, in
//! bounded memory, whatever the container:
//! - a top-level array (`[ {...}, {...} ]`), several arrays concatenated (PowerShell `Out-File -Append`),
//!   arrays nested in arrays;
//! - JSON Lines or concatenated objects (`{...}\n{...}`);
//! - a page or envelope object whose `value` / `records` array holds the records (Graph pages, Azure
//!   Monitor `{"records":[...]}`), however large: its elements stream out one by one;
//! - a single bare object.
//!
//! Each record comes out as its bytes with its 1-based record number and starting line. Broken input is
//! reported per record (truncated at end of file, stray text, a scalar where an object belongs) and the
//! scan goes on: a line that starts with `{` in column 0 while a top-level object is still open starts a
//! new record, so one truncated JSON Lines record does not swallow the ones after it; and a line that
//! starts with `{` or `[` where no value may stand in the open record (in a string, after a complete
//! value, where an object expects a key) starts over at the top level, so one record cut in an array
//! does not swallow the arrays or objects joined after it ([`Capture::value_may_start`]).
//!
//! A UTF-8 byte-order mark between values (files joined with `cat`, each written with one by PowerShell
//! 5.1) is white space: its bytes, read as the start of a stray scalar, are dropped once they are the
//! whole of it. In a string it is the string's text.

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::ops::{Deref, Range};
use std::sync::Arc;

/// Why a record's bytes are not a complete JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemProblem {
    /// The input ended, or a new record began, before the object closed.
    Truncated,
    /// A scalar or stray text where an object was expected.
    NotAnObject,
    /// A record over [`super::record::MAX_RECORD_BYTES`]: its bytes were passed over, not held
    /// (the item's bytes are empty); its length in bytes.
    TooLarge(u64),
}

/// The whole input when it is in memory (a mapped file), shared by the items found in it.
#[derive(Clone)]
pub struct Shared(Arc<dyn Deref<Target = [u8]> + Send + Sync>);

impl Shared {
    pub fn new(bytes: Arc<dyn Deref<Target = [u8]> + Send + Sync>) -> Shared {
        Shared(bytes)
    }
}

/// A record's bytes: copied out of the input, or a range of the [`Shared`] input (a record that
/// lies whole in the chunk it was found in, when the scanner reads a mapped file).
#[derive(Clone)]
pub enum ItemBytes {
    Owned(Vec<u8>),
    Shared(Shared, Range<usize>),
}

impl Deref for ItemBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ItemBytes::Owned(v) => v,
            ItemBytes::Shared(s, r) => s.0.get(r.clone()).unwrap_or_default(),
        }
    }
}

impl PartialEq for ItemBytes {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for ItemBytes {}

impl std::fmt::Debug for ItemBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ItemBytes")
            .field(&String::from_utf8_lossy(self))
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonItem {
    pub bytes: ItemBytes,
    pub record: u64,
    pub line: u64,
    pub problem: Option<ItemProblem>,
}

#[derive(Debug)]
enum Ctx {
    /// Inside an array whose object elements are records.
    Array,
    /// Inside an envelope object after its record array: skip to its end. Holds the nesting depth.
    Envelope(u32),
}

#[derive(Debug)]
struct Capture {
    buf: Vec<u8>,
    depth: u32,
    line: u64,
    /// A top-level object (it may turn out to be an envelope).
    top: bool,
    scalar: bool,
    /// Outside strings: whether each open container is an object (innermost last), and the last
    /// byte that is not white space ([`Capture::value_may_start`]).
    objects: Vec<bool>,
    last: u8,
    // key tracking at depth 1 of a top-level object
    expect_key: bool,
    in_key: bool,
    key: Vec<u8>,
    after_colon: bool,
    value_start: Option<usize>,
    /// A line of the capture began with white space: the record is indented, so an opener in
    /// column 0 is never its own.
    indented: bool,
    /// Bytes of the capture let go ([`Capture::bound`]): a record this large is a skip, and its
    /// structure is followed to its end without holding it.
    dropped: u64,
}

impl Capture {
    fn new(line: u64, top: bool, scalar: bool) -> Self {
        Capture {
            buf: Vec::with_capacity(1024),
            depth: 0,
            line,
            top,
            scalar,
            objects: Vec::new(),
            last: 0,
            expect_key: false,
            in_key: false,
            key: Vec::new(),
            after_colon: false,
            value_start: None,
            indented: false,
            dropped: 0,
        }
    }

    /// Holds `bytes` as the record's next ones; a record that would pass
    /// [`super::record::MAX_RECORD_BYTES`] holds nothing from then on and only counts its bytes
    /// (`dropped`): a gzip'd record that large is a skip ([`ItemProblem::TooLarge`]), and holding
    /// it to say so held the whole record (a 500 MB line took 924 MB).
    fn put(&mut self, bytes: &[u8]) {
        if self.dropped > 0 {
            self.dropped += bytes.len() as u64;
        } else if self.buf.len() + bytes.len() > super::record::MAX_RECORD_BYTES {
            self.dropped = (self.buf.len() + bytes.len()) as u64;
            self.buf = Vec::new();
            self.value_start = None;
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The record's length in bytes, the bytes let go included.
    fn len(&self) -> u64 {
        self.dropped + self.buf.len() as u64
    }

    /// Whether a value may begin here in valid JSON: after a `:`, or in an array after its `[` or
    /// a `,`. A line starting with `{` or `[` where none may (where a key or a `,` must come) is
    /// damage: the record was cut, and what follows is another value. Where one may, a line in
    /// column 0 can be the record's own (JSON written with no indentation), so it is read as such.
    fn value_may_start(&self) -> bool {
        match self.last {
            b':' | b'[' => true,
            b',' => self.objects.last() == Some(&false),
            _ => false,
        }
    }

    /// Whether the capture is written with no indentation (Python's `indent=0`): its opening
    /// brace stands alone on its line and none of its lines begins with white space. In such a
    /// top-level object an array's element object starts in column 0, where a JSON Lines record
    /// cut short would be followed by the next record: one whose first line holds more than the
    /// brace, or whose lines are indented, is not written so.
    fn unindented(&self) -> bool {
        !self.indented
            && self.buf.first() == Some(&b'{')
            && self.buf[1..]
                .iter()
                .find(|&&c| !matches!(c, b' ' | b'\t' | b'\r'))
                == Some(&b'\n')
    }
}

/// The UTF-8 byte-order mark.
const BOM: &[u8; 3] = b"\xef\xbb\xbf";

/// Whether an object found whole by [`object_end`] has a line that starts with an opener or a
/// byte-order mark: there the byte path may find damage and start over ([`Scanner::process`]),
/// so such an object goes the byte path, and where the chunks are cut does not change what is
/// read. `span` is the object's bytes. (Three searches for the pairs: about 9 GB/s on PowerShell's
/// pretty-printed records, three times as fast as a walk over their line feeds, one byte in 30.)
fn has_line_starting_an_opener(span: &[u8]) -> bool {
    static PAIRS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 3]> =
        std::sync::LazyLock::new(|| [b"\n{", b"\n[", b"\n\xef"].map(memchr::memmem::Finder::new));
    PAIRS.iter().any(|f| f.find(span).is_some())
}

/// Streaming record splitter over a UTF-8 byte stream.
pub struct Scanner<R> {
    reader: R,
    line: u64,
    record: u64,
    ctx: Vec<Ctx>,
    cap: Option<Capture>,
    in_string: bool,
    escape: bool,
    line_start: bool,
    /// Bytes of a byte-order mark read at the start of the line (0 to 2): the line is still at its
    /// start after a whole one.
    line_bom: usize,
    pending: VecDeque<JsonItem>,
    eof: bool,
    /// The current chunk of input, copied out of the reader.
    chunk: Vec<u8>,
    /// The whole input, when the reader reads it from memory ([`Scanner::share`]), and where in it
    /// the reader's next chunk starts.
    shared: Option<(Shared, usize)>,
    /// `@odata.context` of the last page object seen (tells what an empty page held).
    pub odata_context: Option<String>,
    /// Whether an envelope (`value` / `records` array) was seen.
    pub saw_envelope: bool,
    /// Whether an Azure Monitor envelope was seen: its key spelled `records`, as Azure Monitor
    /// writes it (AWS CloudTrail's log files are `{"Records":[...]}`). Like a page's context, it
    /// tells what an empty one held.
    pub saw_records: bool,
    /// Outside records: whether a value (a record, a scalar, a closed array) ended and no `,`
    /// came after it, so a `,` now separates values.
    after_value: bool,
    /// Whether a `,` came where no value stood before it (`,,`, `[,`, or first): stray text that
    /// holds no record. The splitter reads on; JSON Lines report a line of nothing else
    /// ([`super::lines`]).
    stray: bool,
    /// Whether the input ended inside an array or envelope with no record open in it (`[` then
    /// whole records, its `]` missing): the records were read, the container was cut.
    unclosed: bool,
    /// Whether the input ended inside a record of an array or envelope (`[` then records, the
    /// last cut): that record is reported truncated, and the container was cut with it.
    cut_inside: bool,
}

/// Whether a top-level key names the record array of a page or envelope (`value`, `records`).
pub(super) fn is_envelope_key(k: &[u8]) -> bool {
    k.eq_ignore_ascii_case(b"value") || k.eq_ignore_ascii_case(b"records")
}

/// The [`Masks`] of the 64 bytes at `$p` (a pointer to at least 64 readable bytes), from vectors of
/// `$width` bytes: `$set1`, `$load`, `$or`, `$eq` and `$movemask` are that width's intrinsics
/// (SSE2's or AVX2's), in scope where the macro is used, inside `unsafe`.
#[cfg(target_arch = "x86_64")]
macro_rules! masks_of {
    ($p:expr, $vec:ty, $width:expr, $set1:ident, $load:ident, $or:ident, $eq:ident, $movemask:ident) => {{
        let mut m = Masks::default();
        let quote = $set1(b'"' as i8);
        let backslash = $set1(b'\\' as i8);
        // `{` 0x7b and `[` 0x5b differ only in bit 0x20, as do `}` 0x7d and `]` 0x5d
        let case = $set1(0x20);
        let open = $set1(b'{' as i8);
        let close = $set1(b'}' as i8);
        let newline = $set1(b'\n' as i8);
        for k in 0..64 / $width {
            let w = $load($p.add($width * k) as *const $vec);
            let folded = $or(w, case);
            // (no closure: one would not be compiled with the caller's target features)
            let shift = $width * k;
            m.quote |= u64::from($movemask($eq(w, quote)) as u32) << shift;
            m.backslash |= u64::from($movemask($eq(w, backslash)) as u32) << shift;
            m.open |= u64::from($movemask($eq(folded, open)) as u32) << shift;
            m.close |= u64::from($movemask($eq(folded, close)) as u32) << shift;
            m.newline |= u64::from($movemask($eq(w, newline)) as u32) << shift;
        }
        m
    }};
}

/// The end (exclusive) of the object starting at `b[i]` (`{`), when it closes within `b`. Strings
/// are skipped (a backslash in a string escapes the next byte); `{`/`[` open and `}`/`]` close.
/// Sixty-four bytes at a time on x86-64: one pass builds bit masks of the quotes, backslashes,
/// openers and closers (with AVX2 when the CPU has it, else SSE2); the block's strings are found
/// from the quotes at once ([`EndScan::block_strings`]), and only the openers and closers outside
/// them are visited, only in a block where the object may close (else they are counted). The
/// splitter of pages and envelopes runs on one thread, and a call per string (the byte-at-a-time
/// scan it replaced) was about a quarter of the page's CPU.
pub(super) fn object_end(b: &[u8], i: usize) -> Option<(usize, u64)> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("popcnt")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("pclmulqdq")
    {
        // SAFETY: the CPU has these features (checked just above; the answers are cached)
        return unsafe { object_end_avx2(b, i) };
    }
    object_end_baseline(b, i)
}

/// [`object_end`] with SSE2 (every x86-64 CPU), else byte by byte.
fn object_end_baseline(b: &[u8], i: usize) -> Option<(usize, u64)> {
    let mut st = EndScan::default();
    #[cfg(target_arch = "x86_64")]
    let i = {
        let mut at = i;
        while at + 64 <= b.len() {
            if let Some(end) = st.step::<false>(&masks64(b, at), at) {
                return end;
            }
            at += 64;
        }
        at
    };
    st.finish(b, i)
}

/// [`object_end_baseline`] with the masks built from two 32-byte vectors (AVX2) instead of four,
/// and the bit counts and scans in one instruction each (POPCNT, BMI1: every AVX2 CPU has both).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1,pclmulqdq")]
unsafe fn object_end_avx2(b: &[u8], i: usize) -> Option<(usize, u64)> {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    let mut st = EndScan::default();
    let mut at = i;
    while at + 64 <= b.len() {
        // SAFETY: `at + 64 <= b.len()`, so both loads read inside the slice
        let m = masks_of!(
            b.as_ptr().add(at),
            __m256i,
            32,
            _mm256_set1_epi8,
            _mm256_loadu_si256,
            _mm256_or_si256,
            _mm256_cmpeq_epi8,
            _mm256_movemask_epi8
        );
        if let Some(end) = st.step::<true>(&m, at) {
            return end;
        }
        at += 64;
    }
    st.finish(b, at)
}

/// [`crate::model::prefix_xor`] in one carry-less multiplication by all ones (simdjson's way).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "pclmulqdq")]
#[inline]
unsafe fn prefix_xor_clmul(x: u64) -> u64 {
    use std::arch::x86_64::{_mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_set_epi64x};
    let v = _mm_clmulepi64_si128::<0>(_mm_set_epi64x(0, x as i64), _mm_set_epi64x(0, -1));
    _mm_cvtsi128_si64(v) as u64
}

/// Bits `0..=k` set.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn through(k: u32) -> u64 {
    u64::MAX >> (63 - k)
}

/// Where [`object_end`] is between blocks.
#[derive(Default)]
struct EndScan {
    depth: u32,
    in_str: bool,
    /// The next byte is escaped (a backslash in a string ended the last block).
    escaped: bool,
    /// Line feeds passed so far (the record's line count).
    newlines: u64,
}

/// Bit `k` set where byte `at + k` is a quote, a backslash, an opener, a closer, a line feed.
#[cfg(target_arch = "x86_64")]
#[derive(Default)]
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
    newline: u64,
}

/// The [`Masks`] of `b[at..at + 64]`, which must lie in `b` (SSE2).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks64(b: &[u8], at: usize) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    assert!(at + 64 <= b.len());
    // SAFETY: SSE2 is always available on x86_64, and the four loads read `b[at..at + 64]`, which
    // the assertion keeps inside the slice.
    unsafe {
        masks_of!(
            b.as_ptr().add(at),
            __m128i,
            16,
            _mm_set1_epi8,
            _mm_loadu_si128,
            _mm_or_si128,
            _mm_cmpeq_epi8,
            _mm_movemask_epi8
        )
    }
}

impl EndScan {
    /// One 64-byte block starting at `at`: `Some(Some(end))` when the object closes in it,
    /// `Some(None)` when a closer has nothing open, `None` to go on.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn block(&mut self, m: &Masks, at: usize) -> Option<Option<usize>> {
        let mut todo = m.quote | m.backslash | m.open | m.close;
        if self.escaped {
            todo &= !1;
            self.escaped = false;
        }
        while todo != 0 {
            let k = todo.trailing_zeros();
            let bit = 1u64 << k;
            todo &= todo - 1;
            if self.in_str {
                if m.quote & bit != 0 {
                    self.in_str = false;
                } else if m.backslash & bit != 0 {
                    if k == 63 {
                        self.escaped = true;
                    } else {
                        todo &= !(bit << 1);
                    }
                }
            } else if m.quote & bit != 0 {
                self.in_str = true;
            } else if m.open & bit != 0 {
                self.depth += 1;
            } else if m.close & bit != 0 {
                let Some(d) = self.depth.checked_sub(1) else {
                    return Some(None);
                };
                self.depth = d;
                if d == 0 {
                    self.newlines += u64::from((m.newline & through(k)).count_ones());
                    return Some(Some(at + k as usize + 1));
                }
            }
        }
        self.newlines += u64::from(m.newline.count_ones());
        None
    }

    /// [`EndScan::block`] with the strings of the block found all at once (simdjson's way: the
    /// prefix XOR of the quotes that are not escaped), so that only the openers and closers
    /// outside strings are visited, not every quote. The escapes are read as if every backslash
    /// were in a string; `None` (nothing changed) when one is not, where the byte rules would read
    /// it otherwise: the caller then visits the block bit by bit. When every backslash is in a
    /// string, both readings take the same steps, so they give the same answer.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn block_strings<const CLMUL: bool>(
        &mut self,
        m: &Masks,
        at: usize,
    ) -> Option<Option<Option<usize>>> {
        // the escaped bytes, and whether the next block's first byte is one
        let mut escaped = u64::from(self.escaped);
        let mut rest = m.backslash & !escaped;
        let mut carry = false;
        while rest != 0 {
            let k = rest.trailing_zeros();
            if k == 63 {
                carry = true;
                break;
            }
            escaped |= 2 << k;
            rest &= !(3u64 << k);
        }
        // the backslashes that escape the byte after them
        let starts = m.backslash & !escaped;
        let quotes = m.quote & !escaped;
        // bit k set when byte k is in a string (an opening quote is, a closing one is not)
        let mut inside = if CLMUL {
            // SAFETY: `CLMUL` only where the caller runs with PCLMULQDQ
            unsafe { prefix_xor_clmul(quotes) }
        } else {
            crate::model::prefix_xor(quotes)
        };
        if self.in_str {
            inside = !inside;
        }
        if starts & !inside != 0 {
            return None;
        }
        let mut todo = (m.open | m.close) & !inside;
        let closes = (m.close & todo).count_ones();
        if self.depth > closes {
            // fewer closers than open levels: the object cannot close in this block, so its
            // brackets need not be visited one by one (most blocks of a record)
            self.depth = self.depth + (m.open & todo).count_ones() - closes;
            todo = 0;
        }
        while todo != 0 {
            let k = todo.trailing_zeros();
            todo &= todo - 1;
            if m.open & (1 << k) != 0 {
                self.depth += 1;
            } else {
                let Some(d) = self.depth.checked_sub(1) else {
                    return Some(Some(None));
                };
                self.depth = d;
                if d == 0 {
                    self.newlines += u64::from((m.newline & through(k)).count_ones());
                    return Some(Some(Some(at + k as usize + 1)));
                }
            }
        }
        self.newlines += u64::from(m.newline.count_ones());
        self.in_str = inside >> 63 == 1;
        self.escaped = carry;
        Some(None)
    }

    /// One 64-byte block starting at `at` ([`EndScan::block_strings`], else [`EndScan::block`]):
    /// `Some` with [`object_end`]'s answer when the scan ends in it, `None` to go on.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn step<const CLMUL: bool>(&mut self, m: &Masks, at: usize) -> Option<Option<(usize, u64)>> {
        let step = match self.block_strings::<CLMUL>(m, at) {
            Some(step) => step,
            None => self.block(m, at),
        };
        step.map(|end| end.map(|e| (e, self.newlines)))
    }

    /// [`object_end`]'s answer from the bytes left after the whole blocks, from `i` on.
    fn finish(mut self, b: &[u8], i: usize) -> Option<(usize, u64)> {
        self.bytes(b, i).map(|e| (e, self.newlines))
    }

    /// Byte by byte from `i` to the end of `b`.
    fn bytes(&mut self, b: &[u8], mut i: usize) -> Option<usize> {
        while i < b.len() {
            let c = b[i];
            self.newlines += u64::from(c == b'\n');
            if self.escaped {
                self.escaped = false;
            } else if self.in_str {
                match c {
                    b'"' => self.in_str = false,
                    b'\\' => self.escaped = true,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => self.in_str = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.checked_sub(1)?;
                        if self.depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        None
    }
}

impl<R: BufRead> Scanner<R> {
    pub fn new(reader: R) -> Self {
        Scanner {
            reader,
            line: 1,
            record: 0,
            ctx: Vec::new(),
            cap: None,
            in_string: false,
            escape: false,
            line_start: true,
            line_bom: 0,
            pending: VecDeque::new(),
            eof: false,
            chunk: Vec::new(),
            shared: None,
            odata_context: None,
            saw_envelope: false,
            saw_records: false,
            after_value: false,
            stray: false,
            unclosed: false,
            cut_inside: false,
        }
    }

    /// Whether a `,` stood where no value came before it (see the field). Read at the end.
    pub fn stray_separator(&self) -> bool {
        self.stray
    }

    /// Whether the input ended with an array or envelope open and no record cut in it (see the
    /// field). Read after [`Scanner::next_item`] gave `None`.
    pub fn ended_unclosed(&self) -> bool {
        self.unclosed
    }

    /// Whether the input ended inside a record of an array or envelope (see the field): the
    /// container ends early as with [`Scanner::ended_unclosed`], its last record cut. Read after
    /// [`Scanner::next_item`] gave `None`.
    pub fn ended_inside_record(&self) -> bool {
        self.cut_inside
    }

    /// A `,` outside records: a separator after a value, or stray where none came before it.
    fn separator(&mut self) {
        self.stray |= !self.after_value;
        self.after_value = false;
    }

    /// Reads the records that lie whole in one chunk of `input` as ranges of it instead of copies:
    /// `reader` reads `input` from `at` on (a mapped file's reader and its mapping).
    pub fn share(&mut self, input: Shared, at: usize) {
        self.shared = Some((input, at));
    }

    fn emit(&mut self, cap: Capture, problem: Option<ItemProblem>) {
        if cap.dropped > 0 {
            let problem = Some(ItemProblem::TooLarge(cap.len()));
            return self.emit_bytes(ItemBytes::Owned(Vec::new()), cap.line, problem, cap.scalar);
        }
        self.emit_bytes(ItemBytes::Owned(cap.buf), cap.line, problem, cap.scalar);
    }

    fn emit_bytes(
        &mut self,
        bytes: ItemBytes,
        line: u64,
        problem: Option<ItemProblem>,
        scalar: bool,
    ) {
        self.record += 1;
        self.after_value = true;
        let problem = problem.or(if scalar {
            Some(ItemProblem::NotAnObject)
        } else {
            None
        });
        self.pending.push_back(JsonItem {
            bytes,
            record: self.record,
            line,
            problem,
        });
    }

    fn start(&mut self, b: u8, top: bool) {
        let scalar = b != b'{' && b != b'[';
        let mut c = Capture::new(self.line, top, scalar);
        c.buf.push(b);
        if scalar {
            self.in_string = b == b'"';
        } else {
            c.depth = 1;
            c.expect_key = top && b == b'{';
            c.objects.push(b == b'{');
            c.last = b;
        }
        self.cap = Some(c);
    }

    /// Processes one chunk (all of it); `shared`: the chunk is `input[at..]` of the shared input.
    fn process(&mut self, chunk: &[u8], shared: Option<(&Shared, usize)>) {
        let mut i = 0;
        while i < chunk.len() {
            // Fast path: an object element of an array that ends within this chunk is found by
            // `object_end` (64-byte blocks, only the quotes, backslashes and brackets visited) and
            // copied once, or handed out as a range of the shared input.
            if self.cap.is_none()
                && chunk[i] == b'{'
                && !self.in_string
                && matches!(self.ctx.last(), Some(Ctx::Array))
            {
                if let Some((end, newlines)) = object_end(chunk, i)
                    .filter(|&(end, n)| n == 0 || !has_line_starting_an_opener(&chunk[i..end]))
                {
                    let bytes = match shared {
                        Some((input, at)) => ItemBytes::Shared(input.clone(), at + i..at + end),
                        None => ItemBytes::Owned(chunk[i..end].to_vec()),
                    };
                    let line = self.line;
                    self.line += newlines;
                    self.line_start = false;
                    self.emit_bytes(bytes, line, None, false);
                    i = end;
                    continue;
                }
            }
            // Fast path: inside a string of a capture, copy up to the next quote, backslash or newline.
            if self.in_string && !self.escape && !self.line_start {
                if let Some(cap) = self.cap.as_mut() {
                    if !cap.in_key {
                        let rest = &chunk[i..];
                        let n = memchr::memchr3(b'"', b'\\', b'\n', rest).unwrap_or(rest.len());
                        cap.put(&rest[..n]);
                        i += n;
                        if i >= chunk.len() {
                            break;
                        }
                    }
                }
            }
            let b = chunk[i];
            i += 1;
            // at the line's start: after its line feed and any whole byte-order marks (the files
            // joined with `cat` each began with one)
            let at_line_start = self.line_start && self.line_bom == 0;
            let bom = self.line_start && BOM[self.line_bom] == b;
            self.line_bom = if bom {
                (self.line_bom + 1) % BOM.len()
            } else {
                0
            };
            self.line_start = b == b'\n' || bom;
            if b == b'\n' {
                self.line += 1;
            }
            if at_line_start && matches!(b, b' ' | b'\t') {
                if let Some(cap) = self.cap.as_mut() {
                    cap.indented = true;
                }
            }
            // Resynchronize: a `{` in column 0 while a top-level object is open starts a new
            // record; a `{` or `[` in column 0 where no value may stand in the open record
            // starts over at the top level (the record was cut: an export cut short, then
            // another joined after it).
            if at_line_start && (b == b'{' || b == b'[') {
                if let Some(cap) = self.cap.take() {
                    let damaged = !cap.scalar && (self.in_string || !cap.value_may_start());
                    // a top-level object's `{` in column 0 starts the next record, unless the
                    // object is written with no indentation and a value may stand here
                    let own = !damaged && !cap.scalar && cap.unindented();
                    if (cap.top && b == b'{' && !own) || damaged {
                        self.in_string = false;
                        self.escape = false;
                        self.emit(cap, Some(ItemProblem::Truncated));
                        // the containers the record was in were cut with it
                        self.ctx.clear();
                        self.step_structure(b);
                        continue;
                    }
                    self.cap = Some(cap);
                }
            }
            if self.cap.is_some() {
                self.step_capture(b);
            } else {
                self.step_structure(b);
            }
        }
    }

    fn step_capture(&mut self, b: u8) {
        let Some(mut cap) = self.cap.take() else {
            return;
        };
        if cap.scalar && !self.in_string {
            // A scalar ends at a delimiter.
            if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                self.emit(cap, None);
                if b == b']' {
                    self.step_structure(b);
                } else if b == b',' {
                    self.separator();
                }
                return;
            }
            cap.put(&[b]);
            if b == b'"' {
                self.in_string = true;
            }
            // a byte-order mark between values is white space (the capture is dropped)
            if cap.buf != BOM {
                self.cap = Some(cap);
            }
            return;
        }
        cap.put(&[b]);
        if self.in_string {
            if self.escape {
                self.escape = false;
                if cap.in_key {
                    cap.key.push(b);
                }
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
                cap.last = b;
                if cap.in_key {
                    cap.in_key = false;
                    cap.expect_key = false;
                } else if let Some(start) = cap.value_start.take() {
                    // (not held when the record is too large: [`Capture::put`])
                    let v = cap.buf.get(start..cap.buf.len().saturating_sub(1));
                    if let Some(v) = v.filter(|_| cap.key.eq_ignore_ascii_case(b"@odata.context")) {
                        self.odata_context = Some(String::from_utf8_lossy(v).into_owned());
                    }
                }
            } else if cap.in_key && cap.key.len() < 64 {
                cap.key.push(b);
            }
            if !cap.scalar || self.in_string {
                self.cap = Some(cap);
            } else {
                self.emit(cap, None);
            }
            return;
        }
        let top1 = cap.top && cap.depth == 1;
        // (a byte that is not ASCII is no JSON outside a string: a byte-order mark, white space
        // where a value may start, leaves the place as it was)
        if b.is_ascii() && !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            cap.last = b;
        }
        match b {
            b'"' => {
                self.in_string = true;
                if top1 && cap.expect_key {
                    cap.in_key = true;
                    cap.key.clear();
                } else if top1 && cap.after_colon {
                    cap.after_colon = false;
                    cap.value_start = (cap.dropped == 0).then_some(cap.buf.len());
                }
            }
            b'[' if top1 && cap.after_colon && is_envelope_key(&cap.key) => {
                // The top-level object is a page / envelope: stream its array's elements.
                self.saw_envelope = true;
                self.saw_records |= cap.key == b"records";
                self.ctx.push(Ctx::Envelope(1));
                self.ctx.push(Ctx::Array);
                self.after_value = false;
                return; // capture dropped
            }
            b'{' | b'[' => {
                if top1 {
                    cap.after_colon = false;
                }
                cap.depth += 1;
                cap.objects.push(b == b'{');
            }
            b'}' | b']' => {
                cap.depth = cap.depth.saturating_sub(1);
                cap.objects.pop();
                if cap.depth == 0 {
                    self.emit(cap, None);
                    return;
                }
            }
            b':' if top1 => cap.after_colon = true,
            b',' if top1 => {
                cap.expect_key = true;
                cap.after_colon = false;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if top1 => cap.after_colon = false,
            _ => {}
        }
        self.cap = Some(cap);
    }

    fn step_structure(&mut self, b: u8) {
        match self.ctx.last_mut() {
            None => match b {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b',' => self.separator(),
                b'{' => self.start(b, true),
                b'[' => {
                    self.ctx.push(Ctx::Array);
                    self.after_value = false;
                }
                _ => self.start(b, false),
            },
            Some(Ctx::Array) => match b {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b',' => self.separator(),
                b'{' => self.start(b, false),
                b'[' => {
                    self.ctx.push(Ctx::Array);
                    self.after_value = false;
                }
                b']' => {
                    self.ctx.pop();
                    self.after_value = true;
                }
                _ => self.start(b, false),
            },
            Some(Ctx::Envelope(depth)) => {
                if self.in_string {
                    if self.escape {
                        self.escape = false;
                    } else if b == b'\\' {
                        self.escape = true;
                    } else if b == b'"' {
                        self.in_string = false;
                    }
                    return;
                }
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => *depth += 1,
                    b'}' | b']' => {
                        *depth -= 1;
                        if *depth == 0 {
                            self.ctx.pop();
                            self.after_value = true;
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The next record, or `None` at the end of the input.
    pub fn next_item(&mut self) -> io::Result<Option<JsonItem>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Ok(Some(item));
            }
            if self.eof {
                return Ok(None);
            }
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                self.eof = true;
                // a container cut where a record was open is told by that record's problem
                self.unclosed = self.cap.is_none() && !self.ctx.is_empty();
                if let Some(cap) = self.cap.take() {
                    let only_ws =
                        cap.dropped == 0 && cap.buf.iter().all(|b| b.is_ascii_whitespace());
                    if !only_ws {
                        let problem = if cap.scalar {
                            ItemProblem::NotAnObject
                        } else {
                            ItemProblem::Truncated
                        };
                        self.cut_inside = problem == ItemProblem::Truncated && !self.ctx.is_empty();
                        self.emit(cap, Some(problem));
                    }
                }
                continue;
            }
            let n = chunk.len();
            match self.shared.clone() {
                // the reader's chunk is this part of the shared input (the same memory): read it
                // there, so that records can be ranges of it
                Some((input, at))
                    if input
                        .0
                        .get(at..at + n)
                        .is_some_and(|b| std::ptr::eq(b.as_ptr(), chunk.as_ptr())) =>
                {
                    self.process(&input.0[at..at + n], Some((&input, at)));
                    self.reader.consume(n);
                    self.shared = Some((input, at + n));
                }
                _ => {
                    // the reader does not read the shared input as it said: copy from now on
                    self.shared = None;
                    // copied (`process` needs `&mut self`) into a buffer kept across chunks: a
                    // fresh one per chunk was an allocation and new pages per megabyte
                    let mut buf = std::mem::take(&mut self.chunk);
                    buf.clear();
                    buf.extend_from_slice(chunk);
                    self.process(&buf, None);
                    self.reader.consume(n);
                    self.chunk = buf;
                }
            }
        }
    }

    /// Line number reached so far.
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl<R: BufRead> Iterator for Scanner<R> {
    type Item = io::Result<JsonItem>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(s: &str) -> Vec<(String, u64, Option<ItemProblem>)> {
        // tiny buffer to exercise chunk boundaries
        let r = std::io::BufReader::with_capacity(3, s.as_bytes());
        Scanner::new(r)
            .map(|i| {
                let i = i.unwrap();
                (
                    String::from_utf8(i.bytes.to_vec()).unwrap(),
                    i.line,
                    i.problem,
                )
            })
            .collect()
    }

    fn texts(s: &str) -> Vec<String> {
        scan(s).into_iter().map(|x| x.0).collect()
    }

    #[test]
    fn containers() {
        assert_eq!(
            texts(r#"[{"a":1},{"b":[2]}]"#),
            vec![r#"{"a":1}"#, r#"{"b":[2]}"#]
        );
        assert_eq!(
            texts("{\"a\":1}\n{\"b\":2}\n"),
            vec![r#"{"a":1}"#, r#"{"b":2}"#]
        );
        assert_eq!(texts(r#"[{"a":1}][{"b":2}]"#).len(), 2);
        assert_eq!(texts("[{\"a\":1}]\r\n[{\"b\":2},\r\n{\"c\":3}]").len(), 3);
        assert_eq!(
            texts(r#"{"a":{"value":[1]}}"#),
            vec![r#"{"a":{"value":[1]}}"#]
        );
    }

    #[test]
    fn envelopes_stream_their_elements() {
        let page = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits","value":[{"id":"x","s":"]}\"["},{"id":"y"}],"@odata.nextLink":"https://x/?$skiptoken=a]"}"#;
        let mut sc = Scanner::new(page.as_bytes());
        let items: Vec<_> = sc.by_ref().map(|i| i.unwrap().bytes.to_vec()).collect();
        assert_eq!(items.len(), 2);
        assert!(sc.saw_envelope);
        assert!(sc.odata_context.unwrap().ends_with("directoryAudits"));
        assert_eq!(
            texts(r#"{"records":[{"a":1}]} {"Records":[{"b":2}]}"#).len(),
            2
        );
        assert_eq!(texts(r#"{"value":[]}"#).len(), 0);
        // an Azure Monitor envelope, as Azure Monitor spells it, tells what an empty one held
        for (text, records) in [
            (r#"{"records":[]}"#, true),
            (r#"{"Records":[]}"#, false),
            (r#"{"value":[]}"#, false),
        ] {
            let mut sc = Scanner::new(text.as_bytes());
            assert_eq!(sc.by_ref().count(), 0);
            assert!(sc.saw_envelope);
            assert_eq!(sc.saw_records, records, "{text}");
        }
    }

    #[test]
    fn problems_are_reported_and_scan_goes_on() {
        let got = scan("{\"a\":1}\n{\"b\":{\"c\":\n{\"d\":4}\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].2, Some(ItemProblem::Truncated));
        assert_eq!(got[1].1, 2);
        assert_eq!(got[2], ("{\"d\":4}".into(), 3, None));
        let got = scan("[{\"a\":1},{\"b\":");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].2, Some(ItemProblem::Truncated));
        let got = scan("[1, \"x\", {\"a\":1}]");
        assert_eq!(
            got.iter()
                .filter(|g| g.2 == Some(ItemProblem::NotAnObject))
                .count(),
            2
        );
        assert_eq!(got.last().unwrap().0, "{\"a\":1}");
    }

    #[test]
    fn pretty_printed_with_line_numbers() {
        let s = "[\n  {\n    \"a\": \"x\\\"y\"\n  },\n  {\n    \"b\": 2\n  }\n]\n";
        let got = scan(s);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, 2);
        assert_eq!(got[1].1, 5);
        assert!(serde_json::from_str::<serde_json::Value>(&got[0].0).is_ok());
    }
}
#[cfg(test)]
mod resync_tests {
    use super::*;
    #[test]
    fn broken_string_line_resyncs() {
        let s = "{\"a\":1}\n{\"b\":[{\"t\":\"User\"\"broken\n{\"d\":4}\n{\"e\":5}\n";
        let r = std::io::BufReader::with_capacity(4096, s.as_bytes());
        let got: Vec<_> = Scanner::new(r).map(|i| i.unwrap()).collect();
        let summary: Vec<_> = got.iter().map(|i| (i.record, i.line, i.problem)).collect();
        assert_eq!(
            summary,
            vec![
                (1, 1, None),
                (2, 2, Some(ItemProblem::Truncated)),
                (3, 3, None),
                (4, 4, None)
            ]
        );
    }
}

#[cfg(test)]
mod bom_tests {
    use super::*;

    /// Records (text, line, problem) of `s` read in chunks of `k` bytes.
    fn scan_in(s: &[u8], k: usize) -> Vec<(String, u64, Option<ItemProblem>)> {
        let r = std::io::BufReader::with_capacity(k, s);
        Scanner::new(r)
            .map(|i| {
                let i = i.unwrap();
                (
                    String::from_utf8_lossy(&i.bytes).into_owned(),
                    i.line,
                    i.problem,
                )
            })
            .collect()
    }

    /// The same records whatever the chunks (a mark cut by a chunk's end included).
    fn scan(s: &str) -> Vec<(String, u64, Option<ItemProblem>)> {
        let one = scan_in(s.as_bytes(), 1 << 16);
        for k in [1, 2, 3, 5, 64] {
            assert_eq!(scan_in(s.as_bytes(), k), one, "chunks of {k}: {s:?}");
        }
        one
    }

    #[test]
    fn a_mark_between_values_is_white_space() {
        // PowerShell 5.1 one-object files joined with `cat`: a mark, a pretty object, CRLF
        let objects = "{\r\n  \"a\": 1\r\n}\r\n\u{feff}{\r\n  \"b\": 2\r\n}\r\n\u{feff}{\"c\":3}";
        let got = scan(objects);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got.iter().all(|g| g.2.is_none()), "{got:?}");
        assert_eq!((got[1].0.as_str(), got[1].1), ("{\r\n  \"b\": 2\r\n}", 4));
        // arrays each written with one: no stray `\u{feff}[` or `]` records
        let arrays =
            "[{\"a\":1},\r\n{\"b\":2}]\r\n\u{feff}[\r\n{\"c\":3}]\r\n\u{feff}[{\"d\":4}]\r\n";
        let got = scan(arrays);
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(got.iter().all(|g| g.2.is_none()), "{got:?}");
        // JSON Lines, every line starting with one (read here by the general splitter)
        let lines = "{\"a\":1}\n\u{feff}{\"b\":2}\n\u{feff}\u{feff}{\"c\":3}\n";
        assert_eq!(scan(lines).iter().filter(|g| g.2.is_none()).count(), 3);
        // pages and envelopes
        let pages = "{\"value\":[{\"a\":1}]}\u{feff}{\"records\":[{\"b\":2}]}\n";
        assert_eq!(scan(pages).len(), 2);
    }

    #[test]
    fn a_mark_in_a_string_is_text_and_a_partial_one_is_stray() {
        let got = scan("[{\"a\":\"\u{feff}x\"},\"\u{feff}\"]");
        assert_eq!(got[0].0, "{\"a\":\"\u{feff}x\"}");
        assert_eq!(
            got[1],
            ("\"\u{feff}\"".into(), 1, Some(ItemProblem::NotAnObject))
        );
        // two bytes of a mark, or a mark and text, are stray text, counted
        let got = scan_in(b"{\"a\":1}\n\xef\xbb\n{\"b\":2}\n\xef\xbb\xbfxyz\n", 64);
        let problems: Vec<_> = got.iter().map(|g| g.2).collect();
        assert_eq!(
            problems,
            vec![
                None,
                Some(ItemProblem::NotAnObject),
                None,
                Some(ItemProblem::NotAnObject)
            ]
        );
        assert_eq!(got[3].0, "xyz");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Marks where values may start (each file joined with `cat` began with one) change
        /// nothing: the same records, lines and problems as without them.
        #[test]
        fn marks_between_values_change_nothing(
            values in proptest::collection::vec(proptest::prelude::prop_oneof![
                proptest::prelude::Just("{\"a\":\"\u{feff}[\"}"),
                proptest::prelude::Just("{\r\n  \"b\": [1, {\"c\": 2}]\r\n}"),
                proptest::prelude::Just("[{\"d\":1},\n{\"e\":2}]"),
                proptest::prelude::Just("{\"value\":[{\"f\":3}]}"),
                proptest::prelude::Just("{\"cut\":"),
                proptest::prelude::Just("42"),
            ], 0..8),
            marked in proptest::collection::vec(proptest::prelude::any::<bool>(), 8),
            sep in proptest::sample::select(vec!["\n", "\r\n", " ", ""]),
            k in 1usize..20,
        ) {
            let join = |marks: bool| {
                values
                    .iter()
                    .zip(&marked)
                    .map(|(v, m)| if marks && *m { format!("\u{feff}{v}") } else { v.to_string() })
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            let (plain, with) = (join(false), join(true));
            let strip = |v: Vec<(String, u64, Option<ItemProblem>)>| {
                v.into_iter()
                    .map(|(t, l, p)| (t.replace('\u{feff}', ""), l, p))
                    .collect::<Vec<_>>()
            };
            // a mark in a truncated record's bytes, or in a string, is its text; compared without
            proptest::prop_assert_eq!(
                strip(scan_in(with.as_bytes(), k)),
                strip(scan_in(plain.as_bytes(), k))
            );
        }
    }

    #[test]
    fn a_mark_at_a_line_start_still_resynchronizes() {
        // a JSON Lines record cut short, then a line starting with a mark
        let got = scan("{\"a\":1}\n{\"b\":{\"c\":\n\u{feff}{\"d\":4}\n");
        let summary: Vec<_> = got.iter().map(|g| (g.1, g.2)).collect();
        assert_eq!(
            summary,
            vec![(1, None), (2, Some(ItemProblem::Truncated)), (3, None)]
        );
        assert_eq!(got[2].0, "{\"d\":4}");
    }
}

#[cfg(test)]
mod damage_tests {
    use super::*;

    fn summary(s: &str) -> Vec<(u64, u64, Option<ItemProblem>)> {
        let one: Vec<JsonItem> = Scanner::new(s.as_bytes()).map(|i| i.unwrap()).collect();
        for k in [1, 3, 7, 64] {
            let r = std::io::BufReader::with_capacity(k, s.as_bytes());
            let got: Vec<JsonItem> = Scanner::new(r).map(|i| i.unwrap()).collect();
            assert_eq!(got, one, "chunks of {k}");
        }
        one.iter().map(|i| (i.record, i.line, i.problem)).collect()
    }

    /// An array cut inside its third record, then another export joined after it: the records
    /// after the damage are read, the cut one is counted.
    #[test]
    fn a_cut_record_in_an_array_does_not_swallow_the_next_array() {
        // cut where a key must come
        let s = "[\n  {\"a\": 1},\n  {\"b\": 2},\n  {\n    \"c\": {\"d\": 3},\n\n[\n  {\"e\": 5},\n  {\"f\": 6}\n]\n";
        assert_eq!(
            summary(s),
            vec![
                (1, 2, None),
                (2, 3, None),
                (3, 4, Some(ItemProblem::Truncated)),
                (4, 8, None),
                (5, 9, None)
            ]
        );
        // cut in a string, or after a value, each joined by a mark and CRLF; and a page after
        for cut in ["\"d\": \"abc", "\"d\": 3", "\"d\": [1, 2]"] {
            let s = format!(
                "[\r\n{{\"a\":1}},\r\n  {{\r\n    {cut}\r\n\u{feff}[\r\n{{\"e\":5}}]\r\n{{\"value\":[{{\"f\":6}}]}}"
            );
            let got = summary(&s);
            assert_eq!(
                got,
                vec![
                    (1, 2, None),
                    (2, 3, Some(ItemProblem::Truncated)),
                    (3, 6, None),
                    (4, 7, None)
                ],
                "{s:?}"
            );
        }
        // in an envelope: the next page is read
        let s = "{\"value\":[\n{\"a\":1},\n{\"b\":\"cut\n{\"value\":[{\"c\":3}]}\n";
        assert_eq!(
            summary(s),
            vec![
                (1, 2, None),
                (2, 3, Some(ItemProblem::Truncated)),
                (3, 4, None)
            ]
        );
    }

    /// A value in column 0 where one may stand is the record's own: JSON written with no
    /// indentation (Python's `indent=0`) is read whole.
    #[test]
    fn openers_in_column_0_where_values_may_stand_are_the_records_own() {
        let s =
            "[\n{\n\"a\":\n{\n\"b\": [\n[\n1\n],\n{\n\"c\": 2\n}\n]\n}\n},\n{\n\"d\": 4\n}\n]\n";
        assert!(serde_json::from_str::<serde_json::Value>(s).is_ok());
        assert_eq!(summary(s), vec![(1, 2, None), (2, 15, None)]);
        // a cut where a value may stand cannot be told from such a record: the rest is read as
        // its part, and counted with it
        let s = "[\n{\"a\": [\n[\n{\"e\":5}\n]\n";
        assert_eq!(summary(s), vec![(1, 2, Some(ItemProblem::Truncated))]);
        // a top-level object so written: its arrays' objects are its own, and the next record
        // (in column 0 after it) is a record
        let one =
            "{\n\"a\": [\n{\n\"b\": 1\n},\n{\n\"c\": [\n{\n\"d\": 2\n}\n]\n}\n],\n\"e\": 3\n}";
        assert!(serde_json::from_str::<serde_json::Value>(one).is_ok());
        assert_eq!(summary(one), vec![(1, 1, None)]);
        assert_eq!(
            summary(&format!("{one}\n{one}\n")),
            vec![(1, 1, None), (2, 16, None)]
        );
        // a JSON Lines record cut after a `[` is not written so: the next line is a record
        let s = "{\"a\": [\n{\"b\": 1}\n";
        assert_eq!(
            summary(s),
            vec![(1, 1, Some(ItemProblem::Truncated)), (2, 2, None)]
        );
        // nor is an indented one
        let s = "{\n  \"a\": [\n{\"b\": 1}\n";
        assert_eq!(
            summary(s),
            vec![(1, 1, Some(ItemProblem::Truncated)), (2, 3, None)]
        );
    }
}

#[cfg(test)]
mod object_end_tests {
    use super::*;
    use proptest::prelude::*;

    /// The splitter's earlier `object_end` (a byte loop, a `memchr2` per string): the reference.
    fn object_end_reference(b: &[u8], mut i: usize) -> Option<usize> {
        let mut depth = 0u32;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i += 1;
                    loop {
                        i = next_quote_or_backslash(b, i);
                        match b.get(i)? {
                            b'"' => break,
                            _ => i += 2, // a backslash and the escaped byte
                        }
                    }
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// The index of the first quote or backslash at or after `i` (`b.len()` when none).
    #[inline]
    fn next_quote_or_backslash(b: &[u8], i: usize) -> usize {
        match memchr::memchr2(b'"', b'\\', &b[i.min(b.len())..]) {
            Some(p) => i + p,
            None => b.len(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]
        /// The block scan finds the same end as the byte loop, whatever the bytes (strings,
        /// escapes at block edges, unbalanced brackets, a record cut short).
        #[test]
        fn block_scan_agrees_with_the_byte_loop(
            body in proptest::collection::vec(prop_oneof![
                6 => prop::sample::select(b"ab :,0\n".to_vec()),
                2 => Just(b'"'), 2 => Just(b'\\'),
                1 => Just(b'{'), 1 => Just(b'}'), 1 => Just(b'['), 1 => Just(b']'),
            ], 0..400),
            lead in 0usize..70,
        ) {
            let mut b = vec![b' '; lead];
            b.push(b'{');
            b.extend_from_slice(&body);
            // the end, and the line feeds up to it
            let want = object_end_reference(&b, lead)
                .map(|e| (e, b[lead..e].iter().filter(|&&c| c == b'\n').count() as u64));
            prop_assert_eq!(object_end(&b, lead), want);
            prop_assert_eq!(object_end_baseline(&b, lead), want);
        }

        /// The carry-less multiplication gives the shifts' running parity.
        #[cfg(target_arch = "x86_64")]
        #[test]
        fn clmul_prefix_xor_is_the_shifts(x in any::<u64>()) {
            if std::arch::is_x86_feature_detected!("pclmulqdq") {
                // SAFETY: the CPU has PCLMULQDQ (checked just above)
                prop_assert_eq!(unsafe { prefix_xor_clmul(x) }, crate::model::prefix_xor(x));
            }
        }
    }

    /// Deep closers at every offset of a block: blocks where the closers outside strings are as
    /// many as the open levels, or one fewer (the edge of counting a block instead of visiting its
    /// brackets), end where the byte loop ends.
    #[test]
    fn closers_at_every_block_offset() {
        for pad in 0..=130 {
            let text = format!(
                r#"{{"p":"{}","a":[[[[1]]]],"b":{{"c":{{"d":[2,{{"e":[]}}]}}}}}} "#,
                "x".repeat(pad)
            );
            let b = text.as_bytes();
            let want = object_end_reference(b, 0).map(|e| (e, 0));
            assert!(want.is_some(), "{text}");
            assert_eq!(object_end(b, 0), want, "{text}");
            assert_eq!(object_end_baseline(b, 0), want, "{text}");
        }
    }

    /// A reader of `data` in windows of `k` bytes that are `data`'s own memory (as a mapped file's
    /// reader gives its map).
    struct Windows<'a> {
        data: &'a [u8],
        pos: usize,
        k: usize,
    }

    impl std::io::Read for Windows<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.fill_buf()?.len().min(buf.len());
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    impl BufRead for Windows<'_> {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            Ok(&self.data[self.pos..self.data.len().min(self.pos + self.k)])
        }
        fn consume(&mut self, n: usize) {
            self.pos += n;
        }
    }

    /// The items of `text` read in windows of `k` bytes: copied, and as ranges of the shared text
    /// (from `skip` on, where the reader starts), with how many were ranges.
    fn copied_and_shared(
        text: &[u8],
        skip: usize,
        k: usize,
    ) -> (Vec<JsonItem>, Vec<JsonItem>, usize) {
        let input: Arc<Vec<u8>> = Arc::new(text.to_vec());
        let copy = Vec::from(&text[skip..]);
        let copied: Vec<JsonItem> = Scanner::new(Windows {
            data: &copy,
            pos: 0,
            k,
        })
        .map(|i| i.unwrap())
        .collect();
        let mut sc = Scanner::new(Windows {
            data: &input[skip..],
            pos: 0,
            k,
        });
        sc.share(Shared::new(input.clone()), skip);
        let shared: Vec<JsonItem> = sc.map(|i| i.unwrap()).collect();
        let ranges = shared
            .iter()
            .filter(|i| matches!(i.bytes, ItemBytes::Shared(..)))
            .count();
        (copied, shared, ranges)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// Records read as ranges of a shared input are the records a copying read finds: bytes,
        /// numbers, lines and problems, whatever the container and wherever the windows cut.
        #[test]
        fn shared_reads_find_what_copies_find(
            items in proptest::collection::vec(prop_oneof![
                4 => Just("{\"a\":\"x]}\\\"[\",\"b\":[1,{\"c\":2}]}"),
                2 => Just("{\n  \"p\": \"q\"\n}"),
                1 => Just("42"),
                1 => Just("\"s\""),
                1 => Just("{\"cut\":"),
                1 => Just("[{\"n\":1}]"),
                1 => Just("\u{feff}{\"m\":1}"),
                1 => Just("{\n\"cut\": 1\n\u{feff}[{\"n\":2}]"),
                1 => Just("{\n\"cut\": \"x\n{\"n\":3}"),
                1 => Just("{\n\"k\":\n[\n{\"n\":4}\n]\n}"),
            ], 0..12),
            open in prop::sample::select(vec!["[", "{\"value\":[", "{\"records\":[", ""]),
            sep in prop::sample::select(vec![",", ",\n", "\n", " , "]),
            k in 1usize..40,
            skip in 0usize..3,
        ) {
            let close = match open { "[" => "]", "" => "", _ => "]}" };
            let text = format!("{}{open}{}{close}\n", " ".repeat(skip), items.join(sep));
            let (copied, shared, _) = copied_and_shared(text.as_bytes(), skip, k);
            prop_assert_eq!(copied, shared);
        }
    }

    #[test]
    fn records_whole_in_a_window_are_ranges() {
        let rec = r#"{"id":"x","v":[1,2]}"#;
        let text = format!("{{\"value\":[{}]}}", [rec; 50].join(",\n"));
        let (copied, shared, ranges) = copied_and_shared(text.as_bytes(), 0, 256);
        assert_eq!(copied, shared);
        assert_eq!(shared.len(), 50);
        // a record a window boundary cuts is copied, the others are ranges
        assert!(ranges >= 40, "{ranges} of 50");
        assert_eq!(&*shared[7].bytes, rec.as_bytes());
        // a reader that does not read the shared memory: every record copied, the same
        let input: Arc<Vec<u8>> = Arc::new(text.clone().into_bytes());
        let mut sc = Scanner::new(text.as_bytes());
        sc.share(Shared::new(input), 0);
        let items: Vec<JsonItem> = sc.map(|i| i.unwrap()).collect();
        assert_eq!(items, copied);
        assert!(items.iter().all(|i| matches!(i.bytes, ItemBytes::Owned(_))));
    }

    #[test]
    fn ends_in_and_across_blocks() {
        let rec = format!(r#"{{"a":"{}\"}}","b":[{{"c":1}}]}}"#, "x".repeat(61));
        let mut b = rec.clone().into_bytes();
        b.extend_from_slice(b",{\"d\":2}");
        for end in [object_end, object_end_baseline] {
            assert_eq!(end(&b, 0), Some((rec.len(), 0)));
            assert_eq!(end(&b[..rec.len() - 1], 0), None);
            for pad in 0..70 {
                let s = format!(r#"{{"k":"{}\\","z":"}}"}}"#, "y".repeat(pad));
                assert_eq!(end(s.as_bytes(), 0), Some((s.len(), 0)), "{s}");
            }
            // a pretty-printed record: its line feeds, in and across blocks, up to its end only
            let pretty = format!(
                "{{\n  \"a\": \"{}\",\n  \"b\": [\n    1,\n    2\n  ]\n}}",
                "z".repeat(90)
            );
            let text = format!("{pretty}\n,\n{{}}");
            assert_eq!(end(text.as_bytes(), 0), Some((pretty.len(), 6)));
        }
    }
}

#[cfg(test)]
mod stray_tests {
    use super::*;

    /// (records, stray separator, ended unclosed) of `s`.
    fn ends(s: &str) -> (usize, bool, bool) {
        let r = std::io::BufReader::with_capacity(3, s.as_bytes());
        let mut sc = Scanner::new(r);
        let n = sc.by_ref().collect::<io::Result<Vec<_>>>().unwrap().len();
        (n, sc.stray_separator(), sc.ended_unclosed())
    }

    #[test]
    fn separators_with_no_value_before_them_and_open_arrays_are_told() {
        assert_eq!(ends(",,,"), (0, true, false));
        assert_eq!(ends("[,]"), (0, true, false));
        assert_eq!(ends("[{\"a\":1},,{\"b\":2}]"), (2, true, false));
        assert_eq!(ends("[[["), (0, false, true));
        assert_eq!(ends("[{\"a\":1}"), (1, false, true));
        assert_eq!(ends("{\"value\":[{\"a\":1},"), (1, false, true));
        // whole: separators after values, empty arrays and pages, scalars
        assert_eq!(ends("{\"a\":1},{\"b\":2},"), (2, false, false));
        assert_eq!(ends("[1, \"x\", {\"a\":1}],[]"), (3, false, false));
        assert_eq!(ends("[[],[]] {\"value\":[]}"), (0, false, false));
        assert_eq!(
            ends("[{\"a\":1},{\"b\":2}]\n[{\"c\":3}]"),
            (3, false, false)
        );
        // a record cut in the array is its own problem, not an open array
        assert_eq!(ends("[{\"a\":"), (1, false, false));
        assert_eq!(ends("[abc"), (1, false, false));
    }

    #[test]
    fn a_record_over_the_limit_is_passed_over_not_held() {
        let limit = super::super::record::MAX_RECORD_BYTES;
        let mut text = Vec::with_capacity(limit + 4096);
        text.extend_from_slice(b"{\"a\":[{\"b\":\"");
        text.resize(limit + 10, b'x');
        text.extend_from_slice(b"\"}, {\"c\": \"{\"}]}\n{\"d\":1}\n[{\"e\":2},{\"f\":\"");
        let cut = text.len();
        text.resize(cut + limit + 1, b'y');
        text.extend_from_slice(b"\"},{\"g\":3}]\n{\"x\":\"");
        text.resize(text.len() + limit, b'z');
        text.extend_from_slice(b"\",\"@odata.context\":\"u\"}\n");
        // small chunks, as a gzip stream gives them
        let r = std::io::BufReader::with_capacity(1 << 16, &text[..]);
        let items: Vec<JsonItem> = Scanner::new(r).map(|i| i.unwrap()).collect();
        let got: Vec<(u64, Option<ItemProblem>, &[u8])> = items
            .iter()
            .map(|i| (i.line, i.problem, &i.bytes[..]))
            .collect();
        // `{"a":[{"b":"` and the x's, then `"}, {"c": "{"}]}`; `{"f":"`, the y's and `"}`
        let first = limit as u64 + 10 + 16;
        let fifth = 6 + limit as u64 + 1 + 2;
        let last = 6 + limit as u64 + 23;
        assert_eq!(
            got,
            vec![
                (1, Some(ItemProblem::TooLarge(first)), &b""[..]),
                (2, None, &b"{\"d\":1}"[..]),
                (3, None, &b"{\"e\":2}"[..]),
                (3, Some(ItemProblem::TooLarge(fifth)), &b""[..]),
                (3, None, &b"{\"g\":3}"[..]),
                (4, Some(ItemProblem::TooLarge(last)), &b""[..]),
            ]
        );
    }
}
