//! JSON Lines, read in parallel. When a JSON input's first record is a complete object on its first
//! line (Graph `directoryAudits` saved one object per line, `Export-Clixml`-free pipelines, Log
//! Analytics and audit-search JSONL), every line is taken as one record: a reader thread reads blocks
//! of whole lines, and each block is cut into slices that are parsed on all cores, records found with
//! `memchr` instead of a byte-by-byte structural scan.
//!
//! Lines that are not exactly one record object (several objects or an array on one line, a page
//! envelope, a truncated record, stray text) go through the general splitter ([`super::jsonscan`])
//! on their own, so they give the records and problems they would give there. One difference is
//! by design: a record cut by a newline is reported per line (every line resynchronizes), where the
//! general splitter only resynchronizes at a `{` or `[` in column 0; and a line of separators
//! (`,,,`) or one that leaves an array open is reported on its line, where the splitter reads past
//! them (between records of a file they lose nothing; in JSON Lines the line was meant to be one
//! record, and "every line used or counted" holds). A byte-order mark starting a
//! line (files joined with `cat`) is white space, as between the general splitter's values.

use super::blocks::Framing;
use super::{
    jsonscan, prefilter, process_json_item, process_value, record, skip, InputKind, Outcome,
};
use crate::model::{FileName, SourceRef};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Whether a JSON input is JSON Lines: its first line (after leading white space) is one complete
/// object that is not a page envelope. `head` is the start of the decoded input.
pub(super) fn is_json_lines(head: &[u8]) -> bool {
    let rest = super::skip_blank(head);
    if rest.first() != Some(&b'{') {
        return false;
    }
    let Some(end) = memchr::memchr(b'\n', rest) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Map<String, Value>>(&rest[..end]) {
        Ok(m) => !is_envelope(&m),
        Err(_) => false,
    }
}

/// A line without the byte-order marks it starts with: JSON Lines files joined with `cat`, each
/// written with one (PowerShell 5.1), have one at the start of a line in mid-file, where it is
/// white space. Both the fast path and the full parse read the line after it.
fn without_bom(mut line: &[u8]) -> &[u8] {
    while let Some(rest) = line.strip_prefix(b"\xef\xbb\xbf") {
        line = rest;
    }
    line
}

/// Whether a line's object is a page or envelope whose `value` / `records` array holds the
/// records. An object with other keys is one only when it is not itself an audit record or a
/// snapshot object: a record given a `"value":[]` or `"records":[]` key was read as an empty page
/// and vanished without a count.
fn is_envelope(m: &serde_json::Map<String, Value>) -> bool {
    if !m
        .iter()
        .any(|(k, v)| jsonscan::is_envelope_key(k.as_bytes()) && v.is_array())
    {
        return false;
    }
    if pure_envelope(m) {
        return true;
    }
    let v = Value::Object(m.clone());
    super::audit::classify(&v).is_none() && super::snapshot::classify_json(&v).is_none()
}

/// Whether every key of an object is a page's or envelope's: its record array, OData annotations.
fn pure_envelope(m: &serde_json::Map<String, Value>) -> bool {
    m.keys()
        .all(|k| jsonscan::is_envelope_key(k.as_bytes()) || k.starts_with('@'))
}

/// JSON Lines framing: a record ends at a newline.
pub(super) struct Lines;

impl Framing for Lines {
    fn last_end(&self, block: &[u8], fresh: usize) -> Option<usize> {
        // only the new bytes can hold a newline (the earlier ones held none)
        memchr::memrchr(b'\n', &block[fresh..]).map(|p| fresh + p + 1)
    }
    fn end_after(&self, block: &[u8], _start: usize, at: usize) -> Option<usize> {
        memchr::memchr(b'\n', &block[at..]).map(|p| at + p + 1)
    }
    fn limit(&self) -> Option<(usize, super::blocks::StandIn)> {
        Some((record::MAX_RECORD_BYTES, stand_in))
    }
}

/// What a line over [`record::MAX_RECORD_BYTES`] is read as when a stream is read
/// ([`super::blocks::produce`] passes over it without holding it): this text and the line's length
/// in bytes. A line of an export cannot begin with a NUL byte and parse.
const OVERSIZED: &[u8] = b"\0licdiag: a record over the size limit, bytes: ";

/// The stand-in of a line of `len` bytes (its newline included when it `ended`).
fn stand_in(len: u64, ended: bool) -> Vec<u8> {
    let mut v = OVERSIZED.to_vec();
    v.extend_from_slice(len.saturating_sub(u64::from(ended)).to_string().as_bytes());
    if ended {
        v.push(b'\n');
    }
    v
}

/// The length of the line a stand-in stands for ([`stand_in`]).
fn oversized_mark(line: &[u8]) -> Option<u64> {
    std::str::from_utf8(line.strip_prefix(OVERSIZED)?)
        .ok()?
        .parse()
        .ok()
}

/// Records of a slice counted by the fast path, merged into one outcome.
#[derive(Default)]
pub(super) struct Counted {
    n: u64,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    kind: Option<InputKind>,
}

impl Counted {
    pub(super) fn add(&mut self, t: DateTime<Utc>, kind: InputKind) {
        self.n += 1;
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        self.kind.get_or_insert(kind);
    }
    pub(super) fn flush(&mut self, outs: &mut Vec<Outcome>) {
        if self.n > 0 {
            let c = std::mem::take(self);
            if let (Some(first), Some(last), Some(kind)) = (c.first, c.last, c.kind) {
                outs.push(Outcome::Counted {
                    n: c.n,
                    first,
                    last,
                    kind,
                });
            }
        }
    }
}

/// Parses the lines of one slice. Line numbers in the outcomes are relative to the slice (0 = its
/// first line) and record numbers are placeholders: the sink, which sees slices in order, makes
/// both absolute. Returns the outcomes and the number of newlines in the slice.
pub(super) fn work(slice: &[u8], file: &FileName, fast: bool, lean: bool) -> (Vec<Outcome>, u64) {
    let mut outs = Vec::new();
    let mut counted = Counted::default();
    let mut rel = 0u64;
    let mut pos = 0usize;
    // needles searched once over the whole slice
    let hits = if fast {
        prefilter::needle_positions(slice)
    } else {
        Vec::new()
    };
    let mut hit = 0usize;
    while pos < slice.len() {
        let end = memchr::memchr(b'\n', &slice[pos..]).map_or(slice.len(), |p| pos + p);
        let line = without_bom(&slice[pos..end]);
        while hit < hits.len() && hits[hit] < pos {
            hit += 1;
        }
        let needle = hits.get(hit).is_some_and(|&h| h < end);
        if !line.iter().all(u8::is_ascii_whitespace) {
            one_line(
                line,
                rel,
                file,
                (fast, lean),
                needle,
                &mut counted,
                &mut outs,
            );
        }
        if end < slice.len() {
            rel += 1;
        }
        pos = end + 1;
    }
    counted.flush(&mut outs);
    (outs, rel)
}

/// One line; `needle`: the line holds a licensing needle (found by the caller over the whole
/// slice); `fast` and `lean` as for [`super::process_json_item`].
fn one_line(
    line: &[u8],
    rel: u64,
    file: &FileName,
    (fast, lean): (bool, bool),
    needle: bool,
    counted: &mut Counted,
    outs: &mut Vec<Outcome>,
) {
    let fast = fast && super::light_sized(line);
    let light = fast && !needle;
    if light {
        if let prefilter::Light::Event { time, format } = prefilter::light(line) {
            counted.add(time, InputKind::Audit(format));
            return;
        }
    }
    counted.flush(outs);
    let src = SourceRef {
        file: file.clone(),
        record: 0,
        line: crate::model::event::Line::at(rel),
    };
    if fast && needle {
        if let Some(o) = super::process_light(line, &src, lean) {
            outs.push(o);
            return;
        }
    }
    // an envelope with keys of its own (neither an audit record nor a snapshot object): what its
    // array holds is read, and when that is nothing the line is still counted
    if let Some(detail) = oversized_mark(line)
        .map(record::oversized_detail)
        .or_else(|| record::too_large(line))
    {
        outs.push(skip(&src, super::RECORD_TOO_LARGE, detail, true));
        return;
    }
    let mut impure = false;
    if let Ok(Value::Object(m)) = super::record::parse(line) {
        if !is_envelope(&m) {
            // checked as the fast path checks ([`super::process_value`])
            let checked = line.len() > super::LIGHT_MAX || super::prefilter::may_be_kept_text(line);
            let o = process_value(Value::Object(m), src.clone(), None, checked);
            outs.push(super::keys_once(o, line, &src));
            return;
        }
        impure = !pure_envelope(&m);
    }
    // not exactly one record object: the general splitter, on this line alone
    let mut sc = jsonscan::Scanner::new(line);
    let mut found = false;
    loop {
        match sc.next_item() {
            Ok(Some(mut item)) => {
                found = true;
                item.line = rel + item.line - 1;
                let o = process_json_item(item, file, light, lean);
                // a line that does not parse is one record skipped: what the splitter finds after
                // its error (a stray `]` closed the record early) is its text, not records of
                // their own (each was counted, 24 skips for one line)
                let broken = matches!(&o, Outcome::Skip { malformed: true, reason, .. }
                    if reason == "malformed JSON"
                        || reason == "not a JSON object"
                        || reason == super::TRUNCATED_RECORD);
                outs.push(o);
                if broken {
                    break;
                }
            }
            Ok(None) => {
                // Every line is one record: what the splitter reads past without a record or a
                // problem is still reported on its line. An array left open (`[`, or `[` and whole
                // records) was cut or broken across lines: its records are read, the cut is told.
                // A line of separators (`,,,`) holds nothing. (An empty array or page, `[]`, is
                // whole and holds no record: nothing to tell.)
                if sc.ended_unclosed() {
                    let held = if found {
                        "the records whole in it are read"
                    } else {
                        "it holds no whole record"
                    };
                    let detail = format!(
                        "an array opened on the line is not closed on it ({held}); a cut export, \
                         or an array broken across lines: one record per line is expected"
                    );
                    outs.push(skip(&src, "malformed JSON", detail, true));
                } else if !found && sc.stray_separator() {
                    outs.push(super::not_an_object(&src, line));
                } else if !found && impure {
                    let detail = format!(
                        "{} holds an empty `value` / `records` array beside keys of its own: \
                         neither an audit record nor a page of them",
                        super::keys_of(&super::record::parse(line).unwrap_or(Value::Null))
                    );
                    outs.push(skip(&src, "unrecognized record", detail, true));
                }
                break;
            }
            Err(e) => {
                outs.push(skip(&src, "malformed JSON", e.to_string(), true));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert!(is_json_lines(b"{\"a\":1}\n{\"b\":2}\n"));
        assert!(is_json_lines(b"\n  {\"a\":\"x\"}\r\n"));
        assert!(!is_json_lines(b"{\"value\":[{\"a\":1}]}\n"));
        assert!(!is_json_lines(b"{\n  \"a\": 1\n}\n"));
        assert!(!is_json_lines(b"[{\"a\":1}]\n"));
        assert!(
            !is_json_lines(b"{\"a\":1}"),
            "no newline: one object, general path"
        );
    }

    #[test]
    fn a_mark_starting_a_line_is_white_space() {
        assert!(is_json_lines(b"\r\n\xef\xbb\xbf{\"a\":1}\r\n"));
        assert_eq!(without_bom(b"\xef\xbb\xbf{\"a\":1}"), b"{\"a\":1}");
        assert_eq!(without_bom(b"\xef\xbb\xbf\xef\xbb\xbf\r"), b"\r");
        // a mark in a string is its text
        assert_eq!(
            without_bom(b"{\"a\":\"\xef\xbb\xbf\"}"),
            b"{\"a\":\"\xef\xbb\xbf\"}"
        );
        // lines that start with one read as those without, on the fast path and the full parse
        let file = FileName::from("x.jsonl");
        let mut recs = include_str!("../../fixtures/audit/graph-objects.jsonl").lines();
        let (a, b) = (recs.next().unwrap(), recs.nth(3).unwrap());
        let plain = format!("{a}\n{b}\n");
        let marked = format!("{a}\n\u{feff}{b}\n\u{feff}\r\n");
        for fast in [false, true] {
            let (want, _) = work(plain.as_bytes(), &file, fast, false);
            let (got, n) = work(marked.as_bytes(), &file, fast, false);
            assert_eq!(n, 3);
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "fast: {fast}");
            assert!(!format!("{got:?}").contains("Skip"), "{got:?}");
        }
    }

    #[test]
    fn stray_lines_are_counted_on_their_line() {
        let file = FileName::from("x.jsonl");
        let rec = include_str!("../../fixtures/audit/graph-objects.jsonl")
            .lines()
            .next()
            .unwrap();
        let deep = "[".repeat(200_000);
        let text = format!("{rec}\n,,,\n[[[\n[{rec}\n{deep}\n[]\n{{\"value\":[]}}\n[,]\n{rec},\n");
        for fast in [false, true] {
            let (outs, n) = work(text.as_bytes(), &file, fast, false);
            assert_eq!(n, 9);
            let skips: Vec<(Option<u64>, &str)> = outs
                .iter()
                .filter_map(|o| match o {
                    Outcome::Skip { reason, line, .. } => Some((*line, reason.as_str())),
                    _ => None,
                })
                .collect();
            // lines 1-4 and 7 of the slice (0-based); an empty array or page is whole, and a `,`
            // after a record separates
            let open = "malformed JSON";
            assert_eq!(
                skips,
                [
                    (Some(1), "not a JSON object"),
                    (Some(2), open),
                    (Some(3), open),
                    (Some(4), open),
                    (Some(7), "not a JSON object"),
                ],
                "fast {fast}"
            );
            let events = outs
                .iter()
                .map(|o| match o {
                    Outcome::Counted { n, .. } => *n,
                    Outcome::Event(..) => 1,
                    _ => 0,
                })
                .sum::<u64>();
            assert_eq!(
                events, 3,
                "fast {fast}: the record on an open array's line is read"
            );
        }
    }

    #[test]
    fn slices_keep_whole_lines() {
        let mut block = Vec::new();
        for i in 0..50_000 {
            block.extend_from_slice(format!("{{\"n\":{i}}}\n").as_bytes());
        }
        let s: Vec<&[u8]> = crate::ingest::blocks::slices(&block, &Lines)
            .into_iter()
            .map(|(a, b)| &block[a..b])
            .collect();
        assert!(s.len() > 1);
        assert_eq!(s.iter().map(|x| x.len()).sum::<usize>(), block.len());
        assert!(s.iter().all(|x| x.ends_with(b"\n")));
    }

    #[test]
    fn blocks_end_on_newlines() {
        let text: Vec<u8> = (0..300_000)
            .flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes())
            .chain(b"{\"tail\":1}".iter().copied())
            .collect();
        let (tx, rx) = std::sync::mpsc::sync_channel(64);
        let mut r = std::io::BufReader::new(&text[..]);
        let (_spent_tx, spent) = std::sync::mpsc::channel();
        crate::ingest::blocks::produce(&mut r, &Lines, &tx, &spent).unwrap();
        drop(tx);
        let blocks: Vec<Vec<u8>> = rx.iter().map(|(b, _)| b.to_vec()).collect();
        assert!(blocks.len() > 1);
        assert!(blocks[..blocks.len() - 1]
            .iter()
            .all(|b| b.ends_with(b"\n")));
        assert_eq!(blocks.concat(), text);
    }

    /// A reader of `head`, then a line of `len` bytes that is never held whole, then `tail`.
    struct HugeLine {
        head: &'static [u8],
        len: usize,
        tail: &'static [u8],
        at: usize,
    }

    impl std::io::Read for HugeLine {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let total = self.head.len() + self.len + self.tail.len();
            let n = buf.len().min(total - self.at).min(1 << 20);
            for (i, b) in buf[..n].iter_mut().enumerate() {
                let p = self.at + i;
                *b = if p < self.head.len() {
                    self.head[p]
                } else if p < self.head.len() + self.len {
                    b'x'
                } else {
                    self.tail[p - self.head.len() - self.len]
                };
            }
            self.at += n;
            Ok(n)
        }
    }

    /// The blocks [`produce`](crate::ingest::blocks::produce) sends for `r`, each spent block sent
    /// back, and the largest block's length.
    fn produced(r: HugeLine) -> (Vec<u8>, usize) {
        let mut r = std::io::BufReader::new(r);
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (spent_tx, spent) = std::sync::mpsc::channel();
        let mut all = Vec::new();
        let mut largest = 0;
        std::thread::scope(|s| {
            s.spawn(move || crate::ingest::blocks::produce(&mut r, &Lines, &tx, &spent).unwrap());
            for (b, _) in rx.iter() {
                largest = largest.max(b.len());
                all.extend_from_slice(&b);
                let _ = spent_tx.send(b);
            }
        });
        (all, largest)
    }

    /// Two lines over the limit with a short record between them (read in the same pass-over
    /// buffer as the first one's end): both are stand-ins and the short records are all read.
    #[test]
    fn two_lines_over_the_limit_lose_nothing_between_them() {
        let len = record::MAX_RECORD_BYTES + 3;
        let first = HugeLine {
            head: b"{\"n\":1}\n",
            len,
            tail: b"\n{\"n\":2}\n",
            at: 0,
        };
        let second = HugeLine {
            head: b"",
            len,
            tail: b"\n{\"n\":3}\n",
            at: 0,
        };
        let mut r = std::io::BufReader::new(std::io::Read::chain(first, second));
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (_spent_tx, spent) = std::sync::mpsc::channel();
        let mut all = Vec::new();
        std::thread::scope(|s| {
            s.spawn(move || crate::ingest::blocks::produce(&mut r, &Lines, &tx, &spent).unwrap());
            for (b, _) in rx.iter() {
                all.extend_from_slice(&b);
            }
        });
        let mut want = b"{\"n\":1}\n".to_vec();
        want.extend(stand_in(len as u64 + 1, true));
        want.extend(b"{\"n\":2}\n");
        want.extend(stand_in(len as u64 + 1, true));
        want.extend(b"{\"n\":3}\n");
        assert_eq!(all, want);
    }

    #[test]
    fn a_line_over_the_record_limit_is_passed_over_and_said() {
        // a 500 MB line in a 2 MB gzip stream was held whole and took 1.1 GB (review 76)
        let len = record::MAX_RECORD_BYTES + 3;
        let (all, largest) = produced(HugeLine {
            head: b"{\"n\":1}\n",
            len,
            tail: b"\n{\"n\":2}\n",
            at: 0,
        });
        let mut want = b"{\"n\":1}\n".to_vec();
        want.extend(stand_in(len as u64 + 1, true));
        want.extend(b"{\"n\":2}\n");
        assert_eq!(all, want);
        assert!(largest <= 2 * record::MAX_RECORD_BYTES, "{largest}");
        // the stand-in is a record skipped as too large, on its line, and the next line is read
        let (outs, lines) = work(&all, &FileName::from("big.jsonl"), true, true);
        assert_eq!(lines, 3);
        let skips: Vec<_> = outs
            .iter()
            .filter_map(|o| match o {
                Outcome::Skip {
                    reason,
                    detail,
                    malformed: true,
                    ..
                } => Some((reason.clone(), detail.clone())),
                _ => None,
            })
            .collect();
        // (the two short lines are no audit records: skipped as unrecognized, on lines 1 and 3)
        assert_eq!(skips.len(), 3, "{skips:?}");
        assert_eq!(skips[1].0, crate::ingest::RECORD_TOO_LARGE);
        assert!(skips[1].1.contains("67.1 MB"), "{}", skips[1].1);
        // the same line at the input's end, without a newline
        let (all, _) = produced(HugeLine {
            head: b"{\"n\":1}\n",
            len,
            tail: b"",
            at: 0,
        });
        let mut want = b"{\"n\":1}\n".to_vec();
        want.extend(stand_in(len as u64, false));
        assert_eq!(all, want);
    }

    /// A reader that hands out at most `step` bytes a call and is interrupted every third call.
    struct Choppy<'a> {
        text: &'a [u8],
        step: usize,
        calls: usize,
    }

    impl std::io::Read for Choppy<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(3) {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(self.step).min(self.text.len());
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            Ok(n)
        }
    }

    #[test]
    fn refilled_blocks_and_a_record_longer_than_a_block_read_whole() {
        // a 9 MB record (more than two blocks) between short ones, read in short and interrupted
        // reads, with every spent block sent back to be refilled (its old bytes must not show)
        let long = format!("{{\"big\":\"{}\"}}\n", "x".repeat(9 << 20));
        let short = |i: usize| format!("{{\"n\":{i}}}\n");
        let text: Vec<u8> = (0..200_000)
            .map(short)
            .chain(std::iter::once(long))
            .chain((0..400_000).map(short))
            .collect::<String>()
            .into_bytes();
        let mut r = std::io::BufReader::with_capacity(
            1 << 12,
            Choppy {
                text: &text,
                step: 100_000,
                calls: 0,
            },
        );
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (spent_tx, spent) = std::sync::mpsc::channel();
        let mut blocks: Vec<Vec<u8>> = Vec::new();
        std::thread::scope(|s| {
            s.spawn(move || crate::ingest::blocks::produce(&mut r, &Lines, &tx, &spent).unwrap());
            for (b, slices) in rx.iter() {
                assert!(b.ends_with(b"\n"));
                assert_eq!(slices.last().map(|s| s.1), Some(b.len()));
                blocks.push(b.to_vec());
                // dirty the buffer: a refill must overwrite or drop every byte of it (a read
                // block is always owned: the pattern cannot fail where files are never mapped)
                #[allow(irrefutable_let_patterns)]
                if let crate::ingest::blocks::Bytes::Owned(mut b) = b {
                    b.iter_mut().for_each(|c| *c = b'#');
                    let _ = spent_tx.send(crate::ingest::blocks::Bytes::Owned(b));
                }
            }
        });
        assert!(blocks.iter().any(|b| b.len() > 9 << 20));
        assert_eq!(blocks.concat(), text);
    }
}
