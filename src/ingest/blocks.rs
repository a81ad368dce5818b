//! Block reading shared by the parallel readers (JSON Lines in [`super::lines`], CSV in
//! [`super::csvblocks`]): a reader thread reads blocks that end at a record boundary and cuts each
//! into slices of whole records; the caller parses the slices on all cores. What a record boundary is
//! comes from a [`Framing`].

#[cfg(target_os = "linux")]
use super::mapped::{MapReader, Mapping};
use std::io::{BufRead, Read};
#[cfg(target_os = "linux")]
use std::sync::Arc;

/// Bytes a reader block holds (whole records; a longer record grows its block).
pub(super) const BLOCK: usize = 4 << 20;
/// Bytes of one slice parsed by one task.
const SLICE: usize = 256 << 10;

/// Where records end in a format.
pub(super) trait Framing: Sync {
    /// The end (exclusive) of the last whole record in `block`, which starts at a record boundary;
    /// bytes before `fresh` were seen by an earlier call that found no end. `None`: read more.
    fn last_end(&self, block: &[u8], fresh: usize) -> Option<usize>;
    /// The end (exclusive) of the first record ending at or after `at`, in a block whose records
    /// start at `start` (a record boundary). `None`: the block's end.
    fn end_after(&self, block: &[u8], start: usize, at: usize) -> Option<usize>;
    /// The bytes a record may have before [`produce`] stops holding it, and what it sends in its
    /// place: the record's stand-in, given the record's length and whether it ended (its end
    /// included). `None` (the default): no limit.
    fn limit(&self) -> Option<(usize, StandIn)> {
        None
    }
}

/// The stand-in of a record over a framing's limit, given its length and whether it ended.
pub(super) type StandIn = fn(u64, bool) -> Vec<u8>;

/// A block's bytes: read into a buffer, or a range of a mapped file.
pub(super) enum Bytes {
    Owned(Vec<u8>),
    #[cfg(target_os = "linux")]
    Mapped(Arc<Mapping>, std::ops::Range<usize>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            #[cfg(target_os = "linux")]
            Bytes::Mapped(m, r) => &m[r.clone()],
        }
    }
}

/// A block of whole records and the byte ranges of its slices.
pub(super) type Block = (Bytes, Vec<(usize, usize)>);

/// Reads blocks of whole records from `reader` and sends each with its slices, refilling the blocks
/// the consumer sends back on `spent`. The last block may end without a record end (it is what the
/// input ends with).
pub(super) fn produce(
    reader: &mut (dyn BufRead + Send),
    framing: &dyn Framing,
    tx: &std::sync::mpsc::SyncSender<Block>,
    spent: &std::sync::mpsc::Receiver<Bytes>,
) -> std::io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        // A refilled block is read into as it is: only bytes past its last data are zeroed (to
        // make the whole buffer initialized), not every byte of every block before each read.
        let mut block = match spent.try_recv() {
            Ok(Bytes::Owned(v)) => v,
            _ => Vec::new(),
        };
        let fresh = carry.len();
        // a record longer than a block doubles the read, so a huge record costs linear time
        let mut want = (BLOCK.saturating_sub(fresh)).max(fresh).max(1 << 16);
        if let Some((limit, _)) = framing.limit() {
            // a record without an end is read to one byte past the limit, not past it by doubling
            if fresh > 0 {
                want = want.min((limit + 1).saturating_sub(fresh)).max(1);
            }
        }
        let size = block.capacity().max(fresh + want);
        // exact: an amortized reserve doubles a refilled block to 8 MB once a carry grows it
        block.reserve_exact(size - block.len());
        block.resize(size, 0);
        block[..fresh].copy_from_slice(&carry);
        carry.clear();
        let n = read_up_to(&mut *reader, &mut block[fresh..fresh + want])?;
        block.truncate(fresh + n);
        let end = if n == 0 {
            block.len()
        } else {
            match framing.last_end(&block, fresh) {
                Some(e) => e,
                // one record longer than a block: keep reading, unless it is over the framing's
                // limit: then read past it without holding it, and send its stand-in with the
                // whole records read after it (what is carried holds no record end, as a carry
                // must: a carried end was taken for part of the next long record, and that
                // record's pass-over dropped the records before it)
                None => match framing.limit() {
                    Some((limit, stand_in)) if block.len() > limit => {
                        let (len, ended, rest) = pass_over(&mut *reader, framing, block.len())?;
                        block.clear();
                        block.extend_from_slice(&stand_in(len, ended));
                        block.extend_from_slice(&rest);
                        // not ended: the input ended in it, and the stand-in is its last record
                        let last = ended.then(|| framing.last_end(&block, 0)).flatten();
                        last.unwrap_or(block.len())
                    }
                    _ => {
                        carry = block;
                        continue;
                    }
                },
            }
        };
        carry.extend_from_slice(&block[end..]);
        block.truncate(end);
        if block.is_empty() {
            return Ok(());
        }
        let slices = slices(&block, framing);
        // a closed channel: the consumer stopped on an error it reports
        if tx.send((Bytes::Owned(block), slices)).is_err() || n == 0 {
            return Ok(());
        }
    }
}

/// [`produce`] for a mapped file: the blocks are ranges of the map, from where `reader` stands,
/// of about `size` bytes (a longer record grows its block). The pages of the blocks the consumer
/// sends back are given back.
#[cfg(target_os = "linux")]
pub(super) fn produce_mapped(
    reader: &mut MapReader,
    framing: &dyn Framing,
    tx: &std::sync::mpsc::SyncSender<Block>,
    spent: &std::sync::mpsc::Receiver<Bytes>,
    size: usize,
) {
    let map = reader.mapping().clone();
    let len = map.len();
    let mut start = reader.position();
    while start < len {
        while let Ok(done) = spent.try_recv() {
            if let Bytes::Mapped(_, r) = done {
                reader.release_before(r.end);
            }
        }
        let mut end = len.min(start + size.max(1));
        let mut fresh = 0;
        let cut = loop {
            if end == len {
                break len; // what the input ends with, a record end or not
            }
            match framing.last_end(&map[start..end], fresh) {
                Some(e) if e > 0 => break start + e,
                _ => {
                    // a record longer than the block: twice the bytes
                    fresh = end - start;
                    end = len.min(start + 2 * fresh);
                }
            }
        };
        reader.advance(cut - start);
        let slices = slices(&map[start..cut], framing);
        // The block's pages this thread touched to frame and cut it (its end, each slice's
        // start; a CSV block's every byte, for the quotes) go back before it waits in the queue:
        // mapped there, they were resident until the block was parsed, and when the page cache
        // holds the file in large folios a touch maps a whole folio, so two or three queued
        // blocks were resident beside the one parsed. The parse maps them again from the page
        // cache. (7-9 MB of a CSV run's peak, 3-8 MB of a JSON Lines run's.)
        map.give_back(start..cut);
        // a closed channel: the consumer stopped on an error it reports
        if tx
            .send((Bytes::Mapped(map.clone(), start..cut), slices))
            .is_err()
        {
            return;
        }
        start = cut;
    }
}

/// Reads past the rest of a record of which `held` bytes were read (and no end): its length in all,
/// whether it ended before the input did, and the bytes read after its end.
fn pass_over(
    reader: &mut dyn Read,
    framing: &dyn Framing,
    held: usize,
) -> std::io::Result<(u64, bool, Vec<u8>)> {
    let mut len = held as u64;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = read_up_to(reader, &mut buf)?;
        if n == 0 {
            return Ok((len, false, Vec::new()));
        }
        if let Some(e) = framing.end_after(&buf[..n], 0, 0) {
            len += e as u64;
            return Ok((len, true, buf[e..n].to_vec()));
        }
        len += n as u64;
    }
}

/// Reads into `buf` until it is full or the input ends (what `take(len).read_to_end` reads),
/// returning the bytes read.
fn read_up_to(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Cuts a block of whole records into slices of whole records, about [`SLICE`] bytes each.
pub(super) fn slices(block: &[u8], framing: &dyn Framing) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(block.len() / SLICE + 1);
    let mut start = 0;
    while start < block.len() {
        let target = start + SLICE;
        let cut = if target >= block.len() {
            block.len()
        } else {
            framing
                .end_after(block, start, target)
                .unwrap_or(block.len())
        };
        out.push((start, cut));
        start = cut;
    }
    out
}
