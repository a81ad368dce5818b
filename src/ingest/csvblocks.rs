//! CSV read in parallel. A reader thread cuts the input into slices of whole records: a newline ends
//! a record when the number of quotes before it is even (RFC 4180 quoting: a quoted field's line
//! breaks and doubled quotes keep the count odd / even as they should). Each slice is then parsed by
//! the `csv` crate on its own, on all cores.
//!
//! Quotes are counted eight bytes at a time, so cutting costs a small fraction of parsing.
//!
//! A quote inside an unquoted field (`a,5"in,b`) is not RFC 4180; the csv crate reads it as a
//! character, while the parity count takes it for an opening quote. Rows near such a quote may then
//! be cut differently from a sequential read: they are still counted (as malformed rows when their
//! field count is wrong), and a block never grows past `MAX_RECORD` bytes because of it.

use std::io::{BufRead, Read};

/// Bytes a reader block holds (whole records; a longer record grows its block).
const BLOCK: usize = 8 << 20;
/// Past this many bytes without a record end (by quote parity), a block is cut at a newline anyway.
const MAX_RECORD: usize = 4 * BLOCK;
/// Bytes of one slice parsed by one task.
const SLICE: usize = 256 << 10;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The number of `"` bytes in `b`.
pub(super) fn count_quotes(b: &[u8]) -> usize {
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
        if (total - after) % 2 == 0 {
            return Some(nl + 1);
        }
    }
    None
}

/// A block of whole records and the byte ranges of its slices.
pub(super) type Block = (Vec<u8>, Vec<(usize, usize)>);

/// Reads blocks of whole records and sends each as slices of whole records (byte ranges into the
/// block). The last block may end without a newline.
pub(super) fn produce(
    reader: &mut (dyn BufRead + Send),
    tx: &std::sync::mpsc::SyncSender<Block>,
) -> std::io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut block = Vec::with_capacity(BLOCK + carry.len() + 1);
        block.append(&mut carry);
        // a record longer than a block doubles the read, so a huge record costs linear time
        let want = (BLOCK.saturating_sub(block.len()))
            .max(block.len())
            .max(1 << 16) as u64;
        let n = Read::take(&mut *reader, want).read_to_end(&mut block)?;
        let end = if n == 0 {
            block.len()
        } else {
            match last_record_end(&block) {
                Some(e) => e,
                // A stray quote in an unquoted field (not RFC 4180; the csv crate reads it as a
                // character) makes every later newline look quoted. Past MAX_RECORD the block is
                // cut at its last newline anyway: memory stays bounded, and a record cut there is
                // reported as a malformed row.
                None if block.len() >= MAX_RECORD => match memchr::memrchr(b'\n', &block) {
                    Some(p) => p + 1,
                    None => {
                        carry = block;
                        continue;
                    }
                },
                None => {
                    carry = block; // one record longer than a block: keep reading
                    continue;
                }
            }
        };
        carry.extend_from_slice(&block[end..]);
        block.truncate(end);
        if block.is_empty() {
            return Ok(());
        }
        let slices = slices(&block);
        if tx.send((block, slices)).is_err() || n == 0 {
            return Ok(());
        }
    }
}

/// Cuts a block of whole records into slices of whole records, about [`SLICE`] bytes each.
fn slices(block: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < block.len() {
        let target = start + SLICE;
        if target >= block.len() {
            out.push((start, block.len()));
            break;
        }
        // the first newline at or after `target` with an even number of quotes since `start`
        let mut quotes = count_quotes(&block[start..target]);
        let mut pos = target;
        let mut cut = block.len();
        while let Some(p) = memchr::memchr(b'\n', &block[pos..]) {
            quotes += count_quotes(&block[pos..pos + p]);
            if quotes % 2 == 0 {
                cut = pos + p + 1;
                break;
            }
            pos += p + 1;
        }
        out.push((start, cut));
        start = cut;
    }
    out
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
        let s = slices(&block);
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

    proptest! {
        #[test]
        fn quote_count_is_exact(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(count_quotes(&b), b.iter().filter(|&&c| c == b'"').count());
        }
    }
}
