//! Block reading shared by the parallel readers (JSON Lines in [`super::lines`], CSV in
//! [`super::csvblocks`]): a reader thread reads blocks that end at a record boundary and cuts each
//! into slices of whole records; the caller parses the slices on all cores. What a record boundary is
//! comes from a [`Framing`].

use std::io::{BufRead, Read};

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
}

/// A block of whole records and the byte ranges of its slices.
pub(super) type Block = (Vec<u8>, Vec<(usize, usize)>);

/// Reads blocks of whole records from `reader` and sends each with its slices, refilling the blocks
/// the consumer sends back on `spent`. The last block may end without a record end (it is what the
/// input ends with).
pub(super) fn produce(
    reader: &mut (dyn BufRead + Send),
    framing: &dyn Framing,
    tx: &std::sync::mpsc::SyncSender<Block>,
    spent: &std::sync::mpsc::Receiver<Vec<u8>>,
) -> std::io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        // A refilled block is read into as it is: only bytes past its last data are zeroed (to
        // make the whole buffer initialized), not every byte of every block before each read.
        let mut block = spent.try_recv().unwrap_or_default();
        let fresh = carry.len();
        // a record longer than a block doubles the read, so a huge record costs linear time
        let want = (BLOCK.saturating_sub(fresh)).max(fresh).max(1 << 16);
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
        let slices = slices(&block, framing);
        // a closed channel: the consumer stopped on an error it reports
        if tx.send((block, slices)).is_err() || n == 0 {
            return Ok(());
        }
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
