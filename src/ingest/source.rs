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
    let out = expand_all(paths)?;
    if out.iter().filter(|i| matches!(i, InputPath::Stdin)).count() > 1 {
        return Err(InputError::Unusable {
            path: "<stdin>".into(),
            found: "`-` (standard input) is named more than once".into(),
            expected: "`-` once: standard input can be read only once (save it to a file to \
                       read it with other inputs)"
                .into(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    Ok(out
        .into_iter()
        .filter(|i| match i {
            InputPath::File(p) => seen.insert(p.clone()),
            InputPath::Stdin => true,
        })
        .collect())
}

fn expand_all(paths: &[PathBuf]) -> Result<Vec<InputPath>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(InputPath::Stdin);
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                InputError::Missing(p.clone())
            } else {
                InputError::Io {
                    path: p.display().to_string(),
                    source: e,
                }
            }
        })?;
        if meta.is_dir() {
            let mut files: Vec<PathBuf> = walkdir::WalkDir::new(p)
                .follow_links(true)
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                })
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_file())
                // an empty file found in a folder holds no record (an hourly blob of a storage
                // container written for an hour without events): nothing to read, nothing lost;
                // named on the command line, it is refused as any unusable input is
                .filter(|e| e.metadata().map_or(true, |m| m.len() > 0))
                .map(|e| e.into_path())
                .filter(|p| !is_documentation(p))
                .collect();
            files.sort();
            out.extend(files.into_iter().map(InputPath::File));
        } else {
            out.push(InputPath::File(p.clone()));
        }
    }
    Ok(out)
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
#[derive(Clone, Debug, Default)]
pub struct GzipCut(Arc<Mutex<Option<Cut>>>);

/// A gzip stream's early end: the decompressed bytes read before it, and the decoder's words.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Cut {
    pub after_bytes: u64,
    pub error: String,
}

impl GzipCut {
    pub fn get(&self) -> Option<Cut> {
        self.0.lock().ok()?.clone()
    }
}

/// A gzip decoder whose error after some decoded text ends the input instead of failing it (see
/// [`GzipCut`]); an error before any text still fails it, as the file is then nothing to read.
/// Only the decoder's own errors (a stream that ends early, bytes it cannot decode) end it so: a
/// read error of the file itself still fails the input.
struct CutTolerant<R> {
    inner: R,
    produced: u64,
    ended: bool,
    cut: GzipCut,
}

impl<R: Read> Read for CutTolerant<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Ok(n) => {
                self.produced += n as u64;
                Ok(n)
            }
            Err(e)
                if self.produced > 0
                    && matches!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof
                            | io::ErrorKind::InvalidInput
                            | io::ErrorKind::InvalidData
                    ) =>
            {
                self.ended = true;
                if let Ok(mut c) = self.cut.0.lock() {
                    *c = Some(Cut {
                        after_bytes: self.produced,
                        error: e.to_string(),
                    });
                }
                Ok(0)
            }
            Err(e) => Err(e),
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
            CutTolerant {
                inner: flate2::bufread::MultiGzDecoder::new(raw),
                produced: 0,
                ended: false,
                cut: cut.clone(),
            },
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
        let cut = o.cut.get().unwrap();
        assert_eq!(cut.after_bytes, s.len() as u64);
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
