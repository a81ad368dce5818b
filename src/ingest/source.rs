//! Opening inputs: expand folders (recursively, sorted), `-` for standard input, transparent gzip
//! (detected by its magic bytes, never by name), and text decoding (UTF-8 with or without BOM,
//! UTF-16 LE/BE with BOM as Windows PowerShell `>` writes it). The result is a UTF-8 byte stream.

use crate::error::InputError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One input to read: a file path or standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputPath {
    File(PathBuf),
    Stdin,
}

impl InputPath {
    pub fn display(&self) -> String {
        match self {
            InputPath::File(p) => p.display().to_string(),
            InputPath::Stdin => "<stdin>".to_string(),
        }
    }
    pub fn size(&self) -> u64 {
        match self {
            InputPath::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            InputPath::Stdin => 0,
        }
    }
    /// Whether opening it again reads the same bytes again: a regular file, not standard input or
    /// a pipe (`<(...)`), whose bytes are gone once read.
    pub fn can_read_again(&self) -> bool {
        match self {
            InputPath::File(p) => std::fs::metadata(p).is_ok_and(|m| m.is_file()),
            InputPath::Stdin => false,
        }
    }
}

/// Expands the command-line paths: folders are walked recursively (files sorted by path, hidden
/// files skipped), `-` is standard input. A missing path is an error. A file named twice as
/// written (`a.jsonl a.jsonl`, or a folder and a file in it, `d d/a.jsonl`) is read once, where
/// first named: its records would all be repeats, and an input's counts are kept by its path.
///
/// `-` named twice is an error: standard input can be read only once (the second read found an
/// empty input, or whatever the first left of a pipe).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<InputPath>, InputError> {
    Ok(expand(paths)?.inputs)
}

/// The inputs of the command line, with what the folders held that is not read.
#[derive(Debug, Default)]
pub struct Expanded {
    pub inputs: Vec<InputPath>,
    /// Entries found in a folder and passed over: (folder named, entry, why), in walking order
    /// (by name).
    pub passed_over: Vec<(PathBuf, PathBuf, &'static str)>,
    /// The inputs found by walking a folder (not named themselves), with the folder named: one
    /// that holds no record is passed over too ([`crate::ingest::read_inputs`]).
    pub walked: std::collections::HashMap<PathBuf, PathBuf>,
}

/// [`expand_paths`], saying what each folder held that is not read ([`Expanded`]).
pub fn expand(paths: &[PathBuf]) -> Result<Expanded, InputError> {
    let mut out = expand_all(paths)?;
    if out
        .inputs
        .iter()
        .filter(|i| matches!(i, InputPath::Stdin))
        .count()
        > 1
    {
        return Err(InputError::Unusable {
            path: "<stdin>".into(),
            found: "`-` (standard input) is named more than once".into(),
            expected: "`-` once: standard input can be read only once (save it to a file to \
                       read it with other inputs)"
                .into(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    let named: std::collections::HashSet<&PathBuf> = paths.iter().collect();
    out.walked.retain(|p, _| !named.contains(p));
    out.inputs.retain(|i| match i {
        InputPath::File(p) => seen.insert(p.clone()),
        InputPath::Stdin => true,
    });
    Ok(out)
}

/// The reasons of entries passed over that lose nothing, said by `inspect` alone: the others may
/// hold data, and every report says them.
pub const LOSES_NOTHING: [&str; 3] = [HIDDEN, DOCUMENTATION, EMPTY];

/// Why a folder's entry is passed over: a hidden entry (a name starting with `.`).
pub const HIDDEN: &str = "hidden (its name starts with `.`)";
/// ... notes about the export ([`is_documentation`]).
pub const DOCUMENTATION: &str = "notes about the export (README, *.md)";
/// ... a file no export tool writes, by its name ([`is_not_an_export`]).
pub const NOT_AN_EXPORT: &str =
    "not an export (images, documents, mail, and the files Windows and macOS leave in folders)";
/// ... a file of no bytes.
pub const EMPTY: &str = "an empty file";
/// ... a FIFO, device or socket.
pub const NOT_A_FILE: &str = "not a regular file (a FIFO, device or socket)";
/// ... a symbolic link to nothing.
pub const DANGLING: &str = "a symbolic link to nothing";
/// ... a symbolic link to a folder above it.
pub const LOOP: &str = "a symbolic link loop (to a folder above it)";
/// ... a symbolic link that leads back to itself (`x -> y`, `y -> x`, or `x -> x`): the system
/// gives up following it (`ELOOP`).
pub const LINK_LOOP: &str = "a symbolic link loop (links leading to each other, to no file)";

/// What an error met while walking a folder means: a link to nothing or a loop (to a folder above,
/// or of links leading to each other) is passed over (`Ok(reason)`); anything else (a subfolder
/// that cannot be read) is an error naming it, as a file that cannot be read is.
fn walk_error(
    path: Option<&Path>,
    root: &Path,
    is_loop: bool,
    io: Option<&io::Error>,
) -> Result<&'static str, InputError> {
    if is_loop {
        return Ok(LOOP);
    }
    let path = path.unwrap_or(root);
    let dangling = io.is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if dangling {
        return Ok(DANGLING);
    }
    if io.is_some_and(is_link_loop)
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        return Ok(LINK_LOOP);
    }
    Err(InputError::Io {
        path: path.display().to_string(),
        source: io.map_or_else(
            || io::Error::other("cannot be walked"),
            |e| io::Error::new(e.kind(), e.to_string()),
        ),
    })
}

/// Whether an error is the system's "too many levels of symbolic links" (`ELOOP`).
fn is_link_loop(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Expands every path. Folders (and a named path) that cannot be read do not stop the walk: each
/// is kept, and when there is one, the files that cannot be opened are looked for too, so the
/// error names the first of them in walking order and lists the others, folders and files
/// alike (README, PATH: a folder is fixed in one go; review 88, item 2).
fn expand_all(paths: &[PathBuf]) -> Result<Expanded, InputError> {
    let mut unreadable: Vec<(usize, PathBuf, InputError)> = Vec::new();
    let out = expand_each(paths, &mut unreadable)?;
    if unreadable.is_empty() {
        return Ok(out);
    }
    // the files of the walk that cannot be opened either, said in the same error
    let named: std::collections::HashMap<&Path, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_path(), i))
        .collect();
    for input in &out.inputs {
        let InputPath::File(f) = input else { continue };
        if let Err(e) = File::open(f) {
            let at = out
                .walked
                .get(f)
                .and_then(|folder| named.get(folder.as_path()))
                .or_else(|| named.get(f.as_path()))
                .copied()
                .unwrap_or(usize::MAX);
            unreadable.push((
                at,
                f.clone(),
                InputError::Io {
                    path: f.display().to_string(),
                    source: e,
                },
            ));
        }
    }
    unreadable.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let errors = unreadable.into_iter().map(|(_, _, e)| e).collect();
    Err(InputError::several(errors).unwrap_or_else(|| InputError::Missing(PathBuf::new())))
}

fn expand_each(
    paths: &[PathBuf],
    unreadable: &mut Vec<(usize, PathBuf, InputError)>,
) -> Result<Expanded, InputError> {
    let mut out = Expanded::default();
    for (at, p) in paths.iter().enumerate() {
        if p.as_os_str() == "-" {
            out.inputs.push(InputPath::Stdin);
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                InputError::Missing(p.clone())
            } else if is_link_loop(&e) {
                InputError::Unusable {
                    path: p.display().to_string(),
                    found: LINK_LOOP.into(),
                    expected: "a file or a folder: point the link at the export".into(),
                }
            } else {
                InputError::Io {
                    path: p.display().to_string(),
                    source: e,
                }
            }
        })?;
        if meta.is_dir() {
            let mut files: Vec<PathBuf> = Vec::new();
            let mut walk = walkdir::WalkDir::new(p)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter();
            while let Some(e) = walk.next() {
                let e = match e {
                    Ok(e) => e,
                    Err(err) => {
                        let entry = err.path().unwrap_or(p).to_path_buf();
                        match walk_error(
                            err.path(),
                            p,
                            err.loop_ancestor().is_some(),
                            err.io_error(),
                        ) {
                            Ok(why) => out.passed_over.push((p.clone(), entry, why)),
                            Err(e) => unreadable.push((at, entry, e)),
                        }
                        continue;
                    }
                };
                let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
                if hidden {
                    if e.file_type().is_dir() {
                        walk.skip_current_dir();
                    }
                    out.passed_over.push((p.clone(), e.into_path(), HIDDEN));
                    continue;
                }
                if e.file_type().is_dir() {
                    continue;
                }
                let why = if !e.file_type().is_file() {
                    Some(NOT_A_FILE)
                } else if is_documentation(e.path()) {
                    Some(DOCUMENTATION)
                } else if is_not_an_export(e.path()) {
                    Some(NOT_AN_EXPORT)
                // an empty file found in a folder holds no record (an hourly blob of a storage
                // container written for an hour without events): nothing to read, nothing lost;
                // named on the command line, it is refused as any unusable input is
                } else if e.metadata().is_ok_and(|m| m.len() == 0) {
                    Some(EMPTY)
                } else {
                    None
                };
                match why {
                    Some(why) => out.passed_over.push((p.clone(), e.into_path(), why)),
                    None => files.push(e.into_path()),
                }
            }
            files.sort();
            for f in files {
                out.walked.insert(f.clone(), p.clone());
                out.inputs.push(InputPath::File(f));
            }
        } else {
            out.inputs.push(InputPath::File(p.clone()));
        }
    }
    Ok(out)
}

/// What a folder held that is not read, for an error: `entries passed over in FOLDER: an empty
/// file (2): a, b; ...`, naming up to three entries of each reason (relative to the folder).
pub fn passed_over_note(folder: &Path, entries: &[(PathBuf, &'static str)]) -> String {
    format!(
        "{} passed over in {}: {}",
        how_many(entries),
        folder.display(),
        passed_over_parts(folder, entries)
    )
}

/// What a folder held that is not read, as a note about that folder, which it names first (an
/// input's notes are said after the input's path; this one is said as it is,
/// [`crate::ingest::InputReport::remarks`]): `FOLDER: entries passed over: an empty file (2): a,
/// b; ...`.
pub fn folder_note(folder: &Path, entries: &[(PathBuf, &'static str)]) -> String {
    format!(
        "{}: {} passed over: {}",
        folder.display(),
        how_many(entries),
        passed_over_parts(folder, entries)
    )
}

fn how_many(entries: &[(PathBuf, &'static str)]) -> &'static str {
    if entries.len() == 1 {
        "1 entry"
    } else {
        "entries"
    }
}

/// The entries passed over by reason: `an empty file (2): a, b; ...`.
fn passed_over_parts(folder: &Path, entries: &[(PathBuf, &'static str)]) -> String {
    let mut reasons: Vec<&'static str> = Vec::new();
    for (_, r) in entries {
        if !reasons.contains(r) {
            reasons.push(r);
        }
    }
    let parts: Vec<String> = reasons
        .iter()
        .map(|r| {
            let of: Vec<String> = entries
                .iter()
                .filter(|(_, x)| x == r)
                .map(|(p, _)| p.strip_prefix(folder).unwrap_or(p).display().to_string())
                .collect();
            let mut names = of.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
            if of.len() > 3 {
                names.push_str(&format!(", and {} more", of.len() - 3));
            }
            format!("{r} ({}): {names}", of.len())
        })
        .collect();
    parts.join("; ")
}

/// Files inside a folder that are notes about the export rather than data (README.md, *.txt notes).
/// Only used when walking folders; a file named explicitly is always read.
fn is_documentation(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".md") || name == "readme" || name == "readme.txt"
}

/// Files inside a folder of evidence that no audit or snapshot export is written as: screenshots,
/// documents, saved mail, and what Windows and macOS leave in folders (`Thumbs.db`,
/// `desktop.ini`, `Icon\r`). Spreadsheets (an export saved as `.xlsx`) and archives (an export
/// zipped) are not among them: they hold data, and are refused with the fix. Only used when
/// walking folders; a file named explicitly is always read.
fn is_not_an_export(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(
        name.as_str(),
        "thumbs.db" | "ehthumbs.db" | "desktop.ini" | "icon\r"
    ) {
        return true;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    matches!(
        ext,
        "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "bmp"
            | "tif"
            | "tiff"
            | "webp"
            | "heic"
            | "svg"
            | "ico"
            | "pdf"
            | "doc"
            | "docx"
            | "ppt"
            | "pptx"
            | "odt"
            | "odp"
            | "rtf"
            | "vsdx"
            | "eml"
            | "msg"
            | "mp4"
            | "mov"
            | "webm"
            | "lnk"
            | "url"
    )
}

/// Whether `head`, a file's first bytes, begins as gzip does (its magic bytes, whatever the name).
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// Counts bytes read from the underlying file (for the progress bar) and, when asked, hashes them
/// (SHA-256 of the file as given, for report provenance).
pub struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
    hasher: Option<Arc<Mutex<Sha256>>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(h) = &self.hasher {
            if let Ok(mut h) = h.lock() {
                h.update(&buf[..n]);
            }
        }
        Ok(n)
    }
}

/// A SHA-256 shared between the reader and whoever reports it.
pub type SharedHash = Arc<Mutex<Sha256>>;

/// The hex digest of a shared hash.
pub fn hex_digest(h: &SharedHash) -> Option<String> {
    let h = h.lock().ok()?.clone();
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The text encoding found at the start of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn label(&self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8 (BOM)",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }
}

/// An opened input: its UTF-8 bytes (BOM removed), and what was found on the way.
pub struct Opened {
    pub reader: Reader,
    pub gzip: bool,
    pub encoding: Encoding,
    /// Set once the input is read, if its gzip stream ended early ([`GzipCut`]).
    pub cut: GzipCut,
}

/// Where a gzip stream stopped decoding before its end, and why: a download cut short (one hourly
/// blob of a storage container), or bytes damaged part way. What decoded before it is read like a
/// file that ends there (its last, cut record counted as malformed); what followed is unknown, and
/// the reports say so.
/// Also how many bytes followed the stream that were not gzip data nor NUL padding, ignored
/// ([`super::gzmembers`]).
#[derive(Clone, Debug, Default)]
pub struct GzipCut(Arc<Mutex<Option<Cut>>>, Arc<AtomicU64>);

/// A gzip stream's early end: the decompressed bytes read before it, and the decoder's words.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Cut {
    pub after_bytes: u64,
    /// The part of a line the stream ended in, dropped (0 when it ended at a line break, or inside
    /// text that is not line by line).
    pub dropped_bytes: u64,
    /// The line the dropped part began (1-based; the line after the last whole one).
    #[serde(skip)]
    pub line: u64,
    pub error: String,
}

impl GzipCut {
    pub fn get(&self) -> Option<Cut> {
        self.0.lock().ok()?.clone()
    }
    /// The bytes after the end of the gzip stream that were ignored (not NUL padding).
    pub fn trailing(&self) -> u64 {
        self.1.load(Ordering::Relaxed)
    }
}

/// A gzip decoder whose error after some decoded text ends the input instead of failing it (see
/// [`GzipCut`]); an error before any text still fails it, as the file is then nothing to read.
/// Only the decoder's own errors (a stream that ends early, bytes it cannot decode) end it so: a
/// read error of the file itself still fails the input.
///
/// The text after the last line break is held back until the next line break (or the end) shows
/// the line whole: a stream cut inside a line drops that part line rather than hand it out as if it
/// were a record (a CSV row cut inside an id reads as a valid row). A part line longer than
/// [`HOLD_MAX`] goes out as it comes: such text is not line by line (a JSON page on one line), and
/// its reader tells a cut record itself.
struct CutTolerant<R> {
    inner: R,
    produced: u64,
    /// Line breaks in the text made ready so far.
    newlines: u64,
    ended: bool,
    cut: GzipCut,
    /// Decoded text: `buf[pos..ready]` goes out next, `buf[ready..]` waits for its line break.
    buf: Vec<u8>,
    pos: usize,
    ready: usize,
}

/// The most text [`CutTolerant`] holds back waiting for a line break.
const HOLD_MAX: usize = 1 << 20;

/// What [`CutTolerant`] decodes at a time.
const CHUNK: usize = 256 << 10;

impl<R: Read> CutTolerant<R> {
    fn new(inner: R, cut: GzipCut) -> Self {
        CutTolerant {
            inner,
            produced: 0,
            newlines: 0,
            ended: false,
            cut,
            buf: Vec::new(),
            pos: 0,
            ready: 0,
        }
    }
}

impl<R: Read> Read for CutTolerant<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.ready {
                let n = out.len().min(self.ready - self.pos);
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.ended || out.is_empty() {
                return Ok(0);
            }
            // what went out is dropped; the held part line moves to the front
            self.buf.drain(..self.pos);
            self.ready -= self.pos;
            self.pos = 0;
            let old = self.buf.len();
            self.buf.resize(old + CHUNK, 0);
            match self.inner.read(&mut self.buf[old..]) {
                Ok(0) => {
                    // a clean end: the last line goes out as it is
                    self.buf.truncate(old);
                    self.ended = true;
                    self.ready = self.buf.len();
                }
                Ok(n) => {
                    self.buf.truncate(old + n);
                    self.produced += n as u64;
                    self.newlines += memchr::memchr_iter(b'\n', &self.buf[old..]).count() as u64;
                    if let Some(i) = memchr::memrchr(b'\n', &self.buf[old..]) {
                        self.ready = old + i + 1;
                    }
                    if self.buf.len() - self.ready > HOLD_MAX {
                        self.ready = self.buf.len();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.buf.truncate(old),
                Err(e)
                    if self.produced > 0
                        && matches!(
                            e.kind(),
                            io::ErrorKind::UnexpectedEof
                                | io::ErrorKind::InvalidInput
                                | io::ErrorKind::InvalidData
                        ) =>
                {
                    self.buf.truncate(old);
                    self.ended = true;
                    // the part line the stream ends in is dropped
                    let dropped = (self.buf.len() - self.ready) as u64;
                    self.buf.truncate(self.ready);
                    if let Ok(mut c) = self.cut.0.lock() {
                        *c = Some(Cut {
                            after_bytes: self.produced - dropped,
                            dropped_bytes: dropped,
                            line: self.newlines + 1,
                            error: e.to_string(),
                        });
                    }
                }
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        }
    }
}

/// An opened input's UTF-8 bytes: a buffered stream, or (a plain UTF-8 file on Linux) the file's
/// memory map, which the parallel readers cut into blocks without copying it.
pub enum Reader {
    Stream(Box<dyn BufRead + Send>),
    #[cfg(target_os = "linux")]
    Mapped(super::mapped::MapReader),
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Reader::Stream(r) => r.read(buf),
            #[cfg(target_os = "linux")]
            Reader::Mapped(r) => r.read(buf),
        }
    }
}

impl BufRead for Reader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Reader::Stream(r) => r.fill_buf(),
            #[cfg(target_os = "linux")]
            Reader::Mapped(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, n: usize) {
        match self {
            Reader::Stream(r) => r.consume(n),
            #[cfg(target_os = "linux")]
            Reader::Mapped(r) => r.consume(n),
        }
    }
}

const BUF: usize = 1 << 20;

/// Opens an input, undoing gzip and transcoding UTF-16 to UTF-8. `counter` receives the number of raw
/// bytes read. With `map`, a plain UTF-8 file is read through a memory map (Linux).
pub fn open(
    input: &InputPath,
    counter: Arc<AtomicU64>,
    hasher: Option<SharedHash>,
    map: bool,
) -> Result<Opened, InputError> {
    let raw: Box<dyn Read + Send> = match input {
        InputPath::File(p) => {
            let file = File::open(p).map_err(|e| InputError::Io {
                path: p.display().to_string(),
                source: e,
            })?;
            #[cfg(target_os = "linux")]
            if map {
                if let Some(opened) = open_mapped(&file, input, &counter, &hasher) {
                    return Ok(opened);
                }
            }
            Box::new(file)
        }
        InputPath::Stdin => Box::new(io::stdin()),
    };
    #[cfg(not(target_os = "linux"))]
    let _ = map;
    let mut raw = BufReader::with_capacity(
        BUF,
        CountingReader {
            inner: raw,
            counter,
            hasher,
        },
    );
    let head = raw.fill_buf().map_err(|e| io_err(input, e))?;
    let gzip = is_gzip(head);
    let cut = GzipCut::default();
    let mut decoded: Box<dyn BufRead + Send> = if gzip {
        Box::new(BufReader::with_capacity(
            BUF,
            CutTolerant::new(
                super::gzmembers::Members::new(raw, cut.1.clone()),
                cut.clone(),
            ),
        ))
    } else {
        Box::new(raw)
    };
    let head = decoded.fill_buf().map_err(|e| gzip_err(input, gzip, e))?;
    let encoding = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Encoding::Utf8Bom
    } else if head.starts_with(&[0xFF, 0xFE]) {
        Encoding::Utf16Le
    } else if head.starts_with(&[0xFE, 0xFF]) {
        Encoding::Utf16Be
    } else {
        Encoding::Utf8
    };
    let reader: Box<dyn BufRead + Send> = match encoding {
        Encoding::Utf8 => decoded,
        Encoding::Utf8Bom => {
            decoded.consume(3);
            decoded
        }
        Encoding::Utf16Le | Encoding::Utf16Be => Box::new(BufReader::with_capacity(
            BUF,
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .bom_sniffing(true)
                .strip_bom(true)
                .build(decoded),
        )),
    };
    Ok(Opened {
        reader: Reader::Stream(reader),
        gzip,
        encoding,
        cut,
    })
}

/// A plain UTF-8 file (with or without BOM) as a memory map; `None` for gzip, UTF-16 or a file
/// that cannot be mapped, which are read as streams.
#[cfg(target_os = "linux")]
fn open_mapped(
    file: &File,
    input: &InputPath,
    counter: &Arc<AtomicU64>,
    hasher: &Option<SharedHash>,
) -> Option<Opened> {
    let mut m =
        super::mapped::MapReader::new(file, &input.display(), counter.clone(), hasher.clone())?;
    let head = &m.mapping()[..];
    if is_gzip(head) || head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    let encoding = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        m.consume(3);
        Encoding::Utf8Bom
    } else {
        Encoding::Utf8
    };
    Some(Opened {
        reader: Reader::Mapped(m),
        gzip: false,
        encoding,
        cut: GzipCut::default(),
    })
}

fn io_err(input: &InputPath, e: io::Error) -> InputError {
    InputError::Io {
        path: input.display(),
        source: e,
    }
}

fn gzip_err(input: &InputPath, gzip: bool, e: io::Error) -> InputError {
    if gzip {
        InputError::Unusable {
            path: input.display(),
            found: format!("a gzip stream that cannot be decompressed ({e})"),
            expected: "a complete .gz file; download it again".into(),
        }
    } else {
        io_err(input, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A subfolder that cannot be read (permission denied) is an error naming it; a link to
    /// nothing and a loop are passed over. (Tests run as root read every folder, so the error is
    /// given to the function.)
    #[test]
    fn an_unreadable_subfolder_is_an_error_and_links_to_nothing_are_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("locked");
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        let e = walk_error(Some(&sub), dir.path(), false, Some(&denied)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("{}: cannot read", sub.display())),
            "{e}"
        );
        assert_eq!(
            walk_error(Some(&sub), dir.path(), true, None).ok(),
            Some(LOOP)
        );
        let link = dir.path().join("gone");
        std::os::unix::fs::symlink(dir.path().join("nothing"), &link).unwrap();
        let missing = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(
            walk_error(Some(&link), dir.path(), false, Some(&missing)).ok(),
            Some(DANGLING)
        );
        // a file gone between listing and reading is no link: an error
        assert!(walk_error(Some(&sub), dir.path(), false, Some(&missing)).is_err());
        // a link the system gives up following (ELOOP) is a loop; a file that says so is no link
        let looped = io::Error::from_raw_os_error(libc::ELOOP);
        std::os::unix::fs::symlink("again", dir.path().join("again")).unwrap();
        assert_eq!(
            walk_error(
                Some(&dir.path().join("again")),
                dir.path(),
                false,
                Some(&looped)
            )
            .ok(),
            Some(LINK_LOOP)
        );
        assert!(walk_error(Some(&sub), dir.path(), false, Some(&looped)).is_err());
    }

    /// Review 88, item 2: every entry of the folders that cannot be walked is named in one error,
    /// not only the first; the walk goes on past each. (Tests run as root read every folder: a
    /// link through a file, `ENOTDIR`, is an entry that cannot be walked for root too.)
    #[cfg(unix)]
    #[test]
    fn every_entry_that_cannot_be_walked_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir_all(root.join("s1")).unwrap();
        std::fs::create_dir_all(root.join("s2")).unwrap();
        std::fs::write(dir.path().join("file"), "{}").unwrap();
        std::fs::write(root.join("a.json"), "{}").unwrap();
        for sub in ["s1", "s2"] {
            std::os::unix::fs::symlink(dir.path().join("file/x"), root.join(sub).join("bad"))
                .unwrap();
        }
        let e = expand(std::slice::from_ref(&root)).unwrap_err();
        let said = e.to_string();
        assert!(
            said.starts_with(&format!("{}: cannot read", root.join("s1/bad").display())),
            "{said}"
        );
        assert!(
            said.contains(&format!(
                "1 more input cannot be read either: {}",
                root.join("s2/bad").display()
            )),
            "{said}"
        );
        // one alone is said as before
        std::fs::remove_file(root.join("s2/bad")).unwrap();
        let e = expand(std::slice::from_ref(&root)).unwrap_err();
        assert!(matches!(e, InputError::Io { .. }), "{e}");
    }

    /// What a folder holds that is not read is listed with its reason.
    #[test]
    fn a_folder_lists_what_it_passes_over() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("users.json"), "[1]").unwrap();
        std::fs::write(d.join("readme.txt"), "notes").unwrap();
        std::fs::write(d.join("NOTES.md"), "notes").unwrap();
        std::fs::write(d.join("Thumbs.db"), [0u8, 1, 2]).unwrap();
        std::fs::write(d.join("blade.PNG"), [0x89u8, b'P', b'N', b'G']).unwrap();
        std::fs::write(d.join("ticket.eml"), "From: x").unwrap();
        std::fs::write(d.join(".hidden.json"), "[1]").unwrap();
        std::fs::create_dir(d.join(".git")).unwrap();
        std::fs::write(d.join(".git").join("x.json"), "[1]").unwrap();
        std::fs::write(d.join("empty.json"), "").unwrap();
        std::os::unix::fs::symlink(d.join("nothing"), d.join("gone.json")).unwrap();
        std::os::unix::fs::symlink(d, d.join("loop")).unwrap();
        std::os::unix::fs::symlink("y.json", d.join("x.json")).unwrap();
        std::os::unix::fs::symlink("x.json", d.join("y.json")).unwrap();
        std::os::unix::fs::symlink("self.json", d.join("self.json")).unwrap();
        let fifo = d.join("fifo.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        let x = expand(&[d.to_path_buf()]).unwrap();
        assert_eq!(x.inputs, [InputPath::File(d.join("users.json"))]);
        let got: Vec<(String, &str)> = x
            .passed_over
            .iter()
            .map(|(_, p, why)| (p.strip_prefix(d).unwrap().display().to_string(), *why))
            .collect();
        // walked by name, whatever order the file system lists them in
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(got, sorted);
        let mut want = vec![
            (".git".to_string(), HIDDEN),
            (".hidden.json".into(), HIDDEN),
            ("NOTES.md".into(), DOCUMENTATION),
            ("empty.json".into(), EMPTY),
            ("gone.json".into(), DANGLING),
            ("loop".into(), LOOP),
            ("readme.txt".into(), DOCUMENTATION),
            ("Thumbs.db".into(), NOT_AN_EXPORT),
            ("blade.PNG".into(), NOT_AN_EXPORT),
            ("ticket.eml".into(), NOT_AN_EXPORT),
            ("self.json".into(), LINK_LOOP),
            ("x.json".into(), LINK_LOOP),
            ("y.json".into(), LINK_LOOP),
        ];
        if made {
            want.push(("fifo.json".into(), NOT_A_FILE));
        }
        want.sort();
        assert_eq!(got, want);
        let note = passed_over_note(
            d,
            &x.passed_over
                .iter()
                .map(|(_, p, w)| (p.clone(), *w))
                .collect::<Vec<_>>(),
        );
        assert!(
            note.contains("notes about the export (README, *.md) (2): "),
            "{note}"
        );
        // said of its folder, which it names first
        let entries: Vec<_> = x
            .passed_over
            .iter()
            .map(|(_, p, w)| (p.clone(), *w))
            .collect();
        let note = folder_note(d, &entries);
        assert!(
            note.starts_with(&format!("{}: entries passed over: ", d.display()))
                && note.contains(
                    "links leading to each other, to no file) (3): self.json, x.json, y.json"
                ),
            "{note}"
        );
    }

    #[test]
    fn a_file_named_twice_is_read_once_where_first_named() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        std::fs::write(&a, "[]").unwrap();
        std::fs::write(&b, "[]").unwrap();
        let d = dir.path().to_path_buf();
        let names = |paths: &[PathBuf]| -> Vec<PathBuf> {
            expand_paths(paths)
                .unwrap()
                .into_iter()
                .map(|i| match i {
                    InputPath::File(p) => p,
                    InputPath::Stdin => PathBuf::from("-"),
                })
                .collect()
        };
        assert_eq!(names(&[b.clone(), d.clone()]), [b.clone(), a.clone()]);
        assert_eq!(names(&[a.clone(), a.clone()]), std::slice::from_ref(&a));
        assert_eq!(names(&[d.clone(), b.clone(), d]), [a, b]);
    }

    fn open_bytes(bytes: &[u8]) -> (String, Encoding, bool) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
        // mapped (a plain UTF-8 file on Linux) or read, the same text
        let [streamed, mapped] = [false, true].map(|map| {
            let mut o = open(&InputPath::File(p.clone()), Arc::default(), None, map).unwrap();
            let mut s = String::new();
            o.reader.read_to_string(&mut s).unwrap();
            (s, o.encoding, o.gzip)
        });
        assert_eq!(streamed, mapped);
        streamed
    }

    /// A gzip stream cut after some text ends the input there, the cut recorded; one that gives no
    /// text at all is still an error.
    #[test]
    fn a_cut_gzip_stream_ends_the_input_and_is_recorded() {
        let text = "{\"a\":1}\n".repeat(20_000);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        let gz = e.finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.gz");
        std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
        let mut o = open(&InputPath::File(p.clone()), Arc::default(), None, true).unwrap();
        let mut s = String::new();
        o.reader.read_to_string(&mut s).unwrap();
        assert!(!s.is_empty() && text.starts_with(&s));
        // the part line the stream ends in is not handed out as if it were a record
        assert!(s.ends_with('\n'), "{:?}", &s[s.len().saturating_sub(20)..]);
        let cut = o.cut.get().unwrap();
        assert_eq!(cut.after_bytes, s.len() as u64);
        assert_eq!(cut.line, s.matches('\n').count() as u64 + 1);
        // whole: no cut
        std::fs::write(&p, &gz).unwrap();
        let mut o = open(&InputPath::File(p.clone()), Arc::default(), None, true).unwrap();
        s.clear();
        o.reader.read_to_string(&mut s).unwrap();
        assert_eq!((s.len(), o.cut.get()), (text.len(), None));
        // a header and nothing decodable
        std::fs::write(&p, &gz[..10]).unwrap();
        assert!(open(&InputPath::File(p), Arc::default(), None, true).is_err());
    }

    #[test]
    fn decodes_boms() {
        assert_eq!(open_bytes(b"\xEF\xBB\xBF[1]").0, "[1]");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("[é]".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(
            open_bytes(&le),
            ("[é]".to_string(), Encoding::Utf16Le, false)
        );
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("[x]".encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert_eq!(open_bytes(&be).0, "[x]");
    }

    #[test]
    fn gunzips_by_content() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"\xEF\xBB\xBF{}").unwrap();
        let (s, enc, gz) = open_bytes(&e.finish().unwrap());
        assert_eq!((s.as_str(), enc, gz), ("{}", Encoding::Utf8Bom, true));
    }
}
