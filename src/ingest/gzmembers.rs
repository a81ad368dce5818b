//! The members of a gzip file, one after another (`cat a.gz b.gz` is a valid gzip file), and what
//! follows the last one. flate2's `MultiGzDecoder` takes any bytes after a complete member for the
//! next member's header, and fails on them: a file padded with NUL bytes (written by a tool that
//! rounds files up to a block) or with other bytes after its stream read as cut short, though
//! every record was read, and `--strict` refused it. `gzip -t` accepts NUL padding silently and
//! says "trailing garbage ignored" of other bytes: here NUL padding is nothing, and other bytes
//! are counted for a note ([`Members::new`]'s `trailing`), never a cut.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The gzip magic bytes a member starts with.
const MAGIC: [u8; 2] = [0x1f, 0x8b];

enum State<R: BufRead> {
    /// Inside a member (boxed: the decoder's state is some 270 bytes).
    Member(Box<flate2::bufread::GzDecoder<R>>),
    /// After a complete member (or at the start): a member, or the end, follows.
    Between(R),
    Done,
}

/// A reader of every gzip member of `R`, one after another; a member cut short or damaged is the
/// decoder's error, as with `MultiGzDecoder`.
pub(super) struct Members<R: BufRead> {
    state: State<R>,
    /// The bytes after the last member that are not NUL padding (all of them, once one is not).
    trailing: Arc<AtomicU64>,
}

impl<R: BufRead> Members<R> {
    pub(super) fn new(inner: R, trailing: Arc<AtomicU64>) -> Self {
        Members {
            state: State::Between(inner),
            trailing,
        }
    }
}

impl<R: BufRead> Read for Members<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match &mut self.state {
                State::Member(d) => {
                    let n = d.read(buf)?;
                    if n > 0 || buf.is_empty() {
                        return Ok(n);
                    }
                    // the member ended whole (its trailer checked)
                    let State::Member(d) = std::mem::replace(&mut self.state, State::Done) else {
                        unreachable!()
                    };
                    self.state = State::Between((*d).into_inner());
                }
                State::Between(r) => {
                    let head = r.fill_buf()?;
                    if head.is_empty() {
                        self.state = State::Done;
                        continue;
                    }
                    // a buffer may end after the first magic byte
                    if head.starts_with(&MAGIC) || *head == MAGIC[..1] {
                        let State::Between(r) = std::mem::replace(&mut self.state, State::Done)
                        else {
                            unreachable!()
                        };
                        self.state = State::Member(Box::new(flate2::bufread::GzDecoder::new(r)));
                        continue;
                    }
                    // not a member: the rest is padding or garbage, read to its end and counted
                    let (mut all, mut other) = (0u64, false);
                    loop {
                        let b = r.fill_buf()?;
                        if b.is_empty() {
                            break;
                        }
                        other |= b.iter().any(|&c| c != 0);
                        let n = b.len();
                        all += n as u64;
                        r.consume(n);
                    }
                    if other {
                        self.trailing.store(all, Ordering::Relaxed);
                    }
                    self.state = State::Done;
                }
                State::Done => return Ok(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    fn read(bytes: &[u8]) -> (io::Result<Vec<u8>>, u64) {
        let trailing = Arc::new(AtomicU64::new(0));
        let mut out = Vec::new();
        let r = Members::new(io::BufReader::with_capacity(7, bytes), trailing.clone())
            .read_to_end(&mut out)
            .map(|_| out);
        (r, trailing.load(Ordering::Relaxed))
    }

    #[test]
    fn members_are_read_one_after_another() {
        let mut two = gz(b"a\nb\n");
        two.extend(gz(b"c\n"));
        two.extend(gz(b""));
        two.extend(gz(b"d\n"));
        assert_eq!(read(&two).0.unwrap(), b"a\nb\nc\nd\n");
    }

    #[test]
    fn nul_padding_is_nothing_and_other_bytes_are_counted() {
        let mut padded = gz(b"a\n");
        padded.extend([0u8; 1000]);
        let (text, trailing) = read(&padded);
        assert_eq!((text.unwrap(), trailing), (b"a\n".to_vec(), 0));
        let mut garbage = gz(b"a\n");
        garbage.extend(b"\0\0trailing junk");
        let (text, trailing) = read(&garbage);
        assert_eq!((text.unwrap(), trailing), (b"a\n".to_vec(), 15));
    }

    #[test]
    fn a_cut_member_is_the_decoders_error() {
        let whole = gz(b"some text that compresses\n");
        let mut two = gz(b"a\n");
        two.extend(&whole[..whole.len() - 5]);
        assert!(read(&two).0.is_err());
        assert!(read(&whole[..whole.len() / 2]).0.is_err());
    }
}
