//! Plain files read through a memory map (Linux). The parallel readers ([`super::blocks`]) hand
//! out ranges of the mapped file instead of copying it into blocks: the kernel's copy was a tenth
//! of a CSV run's CPU (benches/README.md, sixteenth run); the JSON page scanner hands out the
//! records it finds whole in a chunk as ranges too ([`super::jsonscan::Scanner::share`]). Pages
//! already parsed are given back (`MADV_DONTNEED`), so the resident memory stays a few blocks
//! whatever the file's size.
//!
//! A mapped file that shrinks while it is read (another program truncates or rewrites it) raises
//! `SIGBUS` where a read would have returned fewer bytes. The handler installed here prints a
//! one-line error naming the file and exits with status 2; a `SIGBUS` outside a mapped input keeps
//! its default action. `--no-mmap` reads with `read` instead.

use super::source::SharedHash;
use sha2::Digest;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What [`BufRead::fill_buf`] returns at most: the sequential readers (the JSON page scanner, the
/// sniffing) see the chunks they saw from the buffered file reader.
const WINDOW: usize = 1 << 20;
/// Consumed bytes given back at a time by [`BufRead::consume`].
const RELEASE_EVERY: usize = 4 << 20;
/// Pages before a released range that are released again: a page fault maps the pages around it
/// that are in the page cache (`fault_around_bytes`, 64 KiB by default), some of them already
/// released.
const MARGIN: usize = 2 << 20;

/// A mapped input: its bytes, how far it was read, and the byte counter and hash every read feeds.
pub struct MapReader {
    map: Arc<Mapping>,
    pos: usize,
    /// Bytes before this (page aligned) were given back.
    released: usize,
    /// Bytes behind the position that reading keeps mapped ([`MapReader::keep_behind`]).
    behind: usize,
    counter: Arc<AtomicU64>,
    hasher: Option<SharedHash>,
}

/// A mapped file, registered with the `SIGBUS` handler while it is mapped (the fields drop in
/// order: the map, then its entry).
pub struct Mapping {
    map: memmap2::Mmap,
    _guard: guard::Registered,
}

impl Mapping {
    /// Gives back the pages of a block of records once it is parsed (or once the reader has cut
    /// it, before it is parsed: a page given back is mapped again from the page cache when read):
    /// from the page that holds its first byte to the page that holds its end, which the next
    /// block starts in and keeps.
    pub fn give_back(&self, block: std::ops::Range<usize>) {
        if let Some((from, to)) = block_pages(&block, self.map.len(), page_size()) {
            self.drop_pages(from, to);
        }
    }

    /// Unmaps the pages from `from` to `to` (page aligned, `from < to <= len`).
    fn drop_pages(&self, from: usize, to: usize) {
        // SAFETY: the map is a read-only shared mapping of a file: dropping its pages loses
        // nothing, a later read faults them in again from the page cache (the same bytes).
        // Nothing borrows them across this call but the readers, which read bytes, not pages.
        let _ = unsafe {
            self.map
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from)
        };
    }
}

impl std::ops::Deref for Mapping {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl MapReader {
    /// Maps a regular, non-empty file; `None` where it cannot be (a pipe, a special file, a full
    /// signal table), and the caller reads it as a stream.
    pub fn new(
        file: &File,
        path: &str,
        counter: Arc<AtomicU64>,
        hasher: Option<SharedHash>,
    ) -> Option<MapReader> {
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() == 0 {
            return None;
        }
        // SAFETY: the map is read-only and shared. Its bytes change if another program writes
        // the file meanwhile: licdiag then reads what the file holds, as `read` would; a file
        // that shrinks faults (SIGBUS) past its end, which the guard turns into an error exit.
        let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
        let _guard = guard::Registered::new(&map, path)?;
        Some(MapReader {
            map: Arc::new(Mapping { map, _guard }),
            pos: 0,
            released: 0,
            behind: 0,
            counter,
            hasher,
        })
    }

    /// The whole mapped file.
    pub fn mapping(&self) -> &Arc<Mapping> {
        &self.map
    }

    /// Where the unread bytes start.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Marks `n` more bytes read: counted for the progress bar, hashed when asked.
    pub fn advance(&mut self, n: usize) {
        let end = (self.pos + n).min(self.map.len());
        let bytes = &self.map[self.pos..end];
        self.counter
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let Some(h) = &self.hasher {
            if let Ok(mut h) = h.lock() {
                h.update(bytes);
            }
        }
        self.pos = end;
    }

    /// Keeps the `bytes` before the position mapped as reading goes on (the consumer still reads
    /// them: records handed out as ranges of the map), giving back only the pages before those.
    pub fn keep_behind(&mut self, bytes: usize) {
        self.behind = bytes;
    }

    /// Gives back the pages before `end` (and the few before an earlier release that a fault
    /// mapped again): they are read again from the page cache if needed.
    pub fn release_before(&mut self, end: usize) {
        let page = page_size();
        let to = end.min(self.map.len()) / page * page;
        let from = self.released.saturating_sub(MARGIN) / page * page;
        if to <= from {
            return;
        }
        self.map.drop_pages(from, to);
        self.released = self.released.max(to);
    }
}

/// The pages [`Mapping::give_back`] gives back for `block` of a map of `len` bytes: from the
/// page that holds its first byte up to, not including, the page that holds its end.
fn block_pages(block: &std::ops::Range<usize>, len: usize, page: usize) -> Option<(usize, usize)> {
    let from = block.start / page * page;
    let to = block.end.min(len) / page * page;
    (to > from).then_some((from, to))
}

fn page_size() -> usize {
    // SAFETY: sysconf only reads a system constant
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}

impl Read for MapReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.map[self.pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for MapReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let end = self.map.len().min(self.pos + WINDOW);
        Ok(&self.map[self.pos..end])
    }

    fn consume(&mut self, n: usize) {
        self.advance(n);
        let upto = self.pos.saturating_sub(self.behind);
        if upto.saturating_sub(self.released) >= RELEASE_EVERY {
            self.release_before(upto);
        }
    }
}

/// The `SIGBUS` handler and the table of mapped inputs it reads.
mod guard {
    use std::ffi::CString;
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
    use std::sync::Once;

    /// Inputs mapped at once (files are read a few at a time: one per core).
    const SLOTS: usize = 64;

    struct Slot {
        start: AtomicUsize,
        end: AtomicUsize,
        /// The error line for this input (a `CString` owned by the slot), or null when free.
        message: AtomicPtr<libc::c_char>,
    }

    #[allow(clippy::declare_interior_mutable_const)]
    const FREE: Slot = Slot {
        start: AtomicUsize::new(0),
        end: AtomicUsize::new(0),
        message: AtomicPtr::new(std::ptr::null_mut()),
    };
    static TABLE: [Slot; SLOTS] = [FREE; SLOTS];

    /// A mapped input's entry in the table, freed when dropped (after the map: it is declared
    /// last in [`super::Mapping`]).
    pub struct Registered(usize);

    impl Registered {
        pub fn new(map: &[u8], path: &str) -> Option<Registered> {
            install();
            let path = crate::error::one_line(path);
            let text = format!(
                "licdiag: error: {path}: the file shrank while it was read (another program is \
                 writing it); expected a complete export: copy it where nothing writes to it and \
                 run licdiag on the copy, or pass --no-mmap\n"
            );
            let message = CString::new(text.replace('\0', "")).ok()?.into_raw();
            for (i, slot) in TABLE.iter().enumerate() {
                if slot
                    .message
                    .compare_exchange(
                        std::ptr::null_mut(),
                        message,
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    )
                    .is_ok()
                {
                    let start = map.as_ptr() as usize;
                    slot.start.store(start, Ordering::Release);
                    slot.end.store(start + map.len(), Ordering::Release);
                    return Some(Registered(i));
                }
            }
            // SAFETY: `message` came from `into_raw` just above and was stored nowhere
            drop(unsafe { CString::from_raw(message) });
            None
        }
    }

    impl Drop for Registered {
        fn drop(&mut self) {
            let slot = &TABLE[self.0];
            slot.start.store(0, Ordering::Release);
            slot.end.store(0, Ordering::Release);
            let message = slot.message.swap(std::ptr::null_mut(), Ordering::AcqRel);
            if !message.is_null() {
                // SAFETY: the slot held this pointer from `into_raw`; it was swapped out, so it
                // is freed once
                drop(unsafe { CString::from_raw(message) });
            }
        }
    }

    fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: a zeroed `sigaction` is a valid empty one; the handler only reads atomics,
            // calls `write` and `_exit` (async-signal-safe), or restores the default action.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_sigbus as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
            }
        });
    }

    extern "C" fn on_sigbus(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid `siginfo_t` to an SA_SIGINFO handler
        let addr = unsafe { (*info).si_addr() } as usize;
        for slot in &TABLE {
            let message = slot.message.load(Ordering::Acquire);
            if !message.is_null()
                && (slot.start.load(Ordering::Acquire)..slot.end.load(Ordering::Acquire))
                    .contains(&addr)
            {
                // SAFETY: `message` is a live NUL-terminated string (its owner is reading the
                // map that faulted, so it is not dropped); `write` and `_exit` are
                // async-signal-safe
                unsafe {
                    let len = libc::strlen(message);
                    libc::write(2, message.cast(), len);
                    libc::_exit(2);
                }
            }
        }
        // not a mapped input: the default action (the fault happens again on return)
        // SAFETY: `signal` with SIG_DFL is async-signal-safe
        unsafe {
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::blocks::{self, Bytes, Framing};
    use super::*;
    use std::io::Write;

    fn mapped(text: &[u8]) -> (tempfile::NamedTempFile, MapReader, Arc<AtomicU64>) {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text).expect("write");
        let counter = Arc::new(AtomicU64::new(0));
        let m = MapReader::new(f.as_file(), "t", counter.clone(), None).expect("mapped");
        (f, m, counter)
    }

    /// The blocks `produce_mapped` sends for `text` from `skip`, `size` bytes a block.
    fn blocks_of(text: &[u8], skip: usize, size: usize, framing: &dyn Framing) -> Vec<Vec<u8>> {
        let (_f, mut m, counter) = mapped(text);
        m.consume(skip);
        let (tx, rx) = std::sync::mpsc::sync_channel(1 << 16);
        let (_spent_tx, spent_rx) = std::sync::mpsc::channel::<Bytes>();
        blocks::produce_mapped(&mut m, framing, &tx, &spent_rx, size);
        drop(tx);
        let got: Vec<Vec<u8>> = rx
            .iter()
            .map(|(b, slices)| {
                // the slices cut the block into consecutive ranges
                let mut at = 0;
                for (a, e) in slices {
                    assert_eq!(a, at);
                    at = e;
                }
                assert_eq!(at, b.len());
                b.to_vec()
            })
            .collect();
        assert_eq!(counter.load(Ordering::Relaxed), text.len() as u64);
        got
    }

    #[test]
    fn mapped_blocks_end_at_record_ends() {
        let mut text = Vec::new();
        for i in 0..300 {
            // records of every length, some longer than a block
            text.extend_from_slice(
                format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i % 97)).as_bytes(),
            );
        }
        text.extend_from_slice(b"{\"last\":\"no newline\"}");
        for size in [1, 16, 64, 1000, 1 << 20] {
            let got = blocks_of(&text, 0, size, &super::super::lines::Lines);
            assert_eq!(got.concat(), text, "block size {size}");
            for b in &got[..got.len() - 1] {
                assert_eq!(b.last(), Some(&b'\n'), "block size {size}");
            }
        }
    }

    #[test]
    fn mapped_csv_blocks_respect_quotes_and_start_past_the_header() {
        let mut text = b"\xEF\xBB\xBFa,b\n".to_vec();
        for i in 0..200 {
            text.extend_from_slice(format!("{i},\"multi\nline \"\"{i}\"\"\"\n").as_bytes());
        }
        for size in [1, 7, 50, 4096] {
            let got = blocks_of(&text, 7, size, &super::super::csvblocks::Csv);
            assert_eq!(got.concat(), &text[7..], "block size {size}");
            for b in &got {
                let quotes = b.iter().filter(|&&c| c == b'"').count();
                assert_eq!(quotes % 2, 0, "a block ends inside quotes (size {size})");
            }
        }
    }

    #[test]
    fn reads_and_consumes_like_a_buffered_file() {
        let text: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let (_f, mut m, counter) = mapped(&text);
        assert_eq!(m.fill_buf().expect("fill").len(), WINDOW);
        let mut back = Vec::new();
        m.read_to_end(&mut back).expect("read");
        assert_eq!(back, text);
        assert_eq!(counter.load(Ordering::Relaxed), text.len() as u64);
        assert!(m.fill_buf().expect("fill").is_empty());
        // given-back pages read again as they were
        m.release_before(text.len());
        assert_eq!(&m.mapping()[..], &text[..]);
    }

    #[test]
    fn a_parsed_block_gives_back_its_pages_but_the_one_the_next_block_starts_in() {
        let page = 4096;
        // from the page of the first byte (the block before is parsed) to the end's page, kept
        assert_eq!(block_pages(&(0..10_000), 1 << 20, page), Some((0, 8192)));
        assert_eq!(
            block_pages(&(5000..20_000), 1 << 20, page),
            Some((4096, 16_384))
        );
        // a block within one page, or ending in its first page, gives back nothing
        assert_eq!(block_pages(&(4100..8000), 1 << 20, page), None);
        assert_eq!(block_pages(&(0..4095), 1 << 20, page), None);
        // the map's end bounds it
        assert_eq!(block_pages(&(0..50_000), 12_288, page), Some((0, 12_288)));
        // blocks given back in order never reach the page the next block starts in
        let text: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
        let (_f, m, _) = mapped(&text);
        let map = m.mapping();
        let cuts = [0, 1, 5000, 700_001, 1_048_576, 2_999_999, text.len()];
        for w in cuts.windows(2) {
            let (start, end) = (w[0], w[1]);
            assert_eq!(&map[start..end], &text[start..end]);
            map.give_back(start..end);
            if let Some((_, to)) = block_pages(&(start..end), text.len(), page_size()) {
                assert!(to <= end, "{start}..{end}");
            }
        }
        // given-back pages read again as they were
        assert_eq!(&map[..], &text[..]);
    }

    #[test]
    fn reading_keeps_the_pages_behind_it_it_was_asked_to() {
        let text = vec![b'x'; 3 * RELEASE_EVERY];
        for behind in [0, RELEASE_EVERY + 100] {
            let (_f, mut m, _) = mapped(&text);
            m.keep_behind(behind);
            while !m.fill_buf().expect("fill").is_empty() {
                m.consume(WINDOW / 2);
                // the pages given back lie wholly before the bytes kept behind the position
                assert!(m.released <= m.pos.saturating_sub(behind), "{behind}");
            }
            assert!(m.released > 0, "pages were given back");
            assert!(m.released + behind >= 2 * RELEASE_EVERY, "{}", m.released);
        }
    }

    #[test]
    fn empty_and_special_files_are_not_mapped() {
        let f = tempfile::NamedTempFile::new().expect("temp file");
        assert!(MapReader::new(f.as_file(), "t", Default::default(), None).is_none());
        // a character device (like a pipe or a terminal, not a regular file) is read as a stream
        let null = File::open("/dev/null").expect("/dev/null");
        assert!(MapReader::new(&null, "null", Default::default(), None).is_none());
    }

    /// Run as a child process by `a_file_that_shrinks_is_an_error`: maps a file, truncates it and
    /// reads past its new end.
    #[test]
    fn shrink_child() {
        if std::env::var_os("LICDIAG_SHRINK_CHILD").is_none() {
            return;
        }
        let (f, m, _) = mapped(&vec![b'x'; 1 << 20]);
        f.as_file().set_len(0).expect("truncate");
        let byte = std::hint::black_box(m.mapping()[600_000]);
        println!("read {byte} past the end");
    }

    #[test]
    fn a_file_that_shrinks_is_an_error() {
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "ingest::mapped::tests::shrink_child",
                "--nocapture",
            ])
            .env("LICDIAG_SHRINK_CHILD", "1")
            .output()
            .expect("run the child");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "stderr: {err}");
        assert!(
            err.contains("licdiag: error: t: the file shrank while it was read"),
            "stderr: {err}"
        );
        assert!(err.contains("--no-mmap"), "stderr: {err}");
    }
}
