//! Writers that make a whole output safe, character by character, whatever its renderer forgot:
//! the last guard behind the per-field escaping of [`super::escape`] and [`super::table::clean`].
//!
//! - [`Filter::terminal`]: for the table format, meant for a terminal. A control character other
//!   than line feed and tab, a bidirectional-formatting character and a line separator
//!   ([`super::escape::is_hidden`]) becomes a space, so no escape sequence, carriage return or C1
//!   control can reach the terminal.
//! - [`Filter::json`]: for every JSON and NDJSON output. serde_json escapes C0 controls only; this
//!   writes DEL, the C1 controls (U+0080 to U+009F), the bidirectional-formatting characters, the
//!   line separators and the invisible characters ([`super::escape::is_invisible`]) as `\uXXXX`
//!   escapes. Outside its strings a JSON document is ASCII, so every such character is inside a
//!   string, where its escape is the same string to a parser.

use super::escape::{is_hidden, is_invisible};
use std::io::{self, Write};

/// What a [`Filter`] does to a character.
#[derive(Clone, Copy)]
enum Mode {
    Terminal,
    Json,
}

/// A writer that rewrites the characters of a UTF-8 stream ([`Mode`]); a character cut between
/// two writes is held until its end comes. Bytes that are not UTF-8 (none of licdiag's outputs
/// writes any) become U+FFFD.
pub struct Filter<W: Write> {
    inner: W,
    mode: Mode,
    pending: Vec<u8>,
}

impl<W: Write> Filter<W> {
    /// For a terminal: hidden characters but line feed and tab become spaces.
    pub fn terminal(inner: W) -> Self {
        Filter {
            inner,
            mode: Mode::Terminal,
            pending: Vec::new(),
        }
    }

    /// For JSON: DEL, C1, bidirectional, line-separator and invisible characters as `\uXXXX`.
    pub fn json(inner: W) -> Self {
        Filter {
            inner,
            mode: Mode::Json,
            pending: Vec::new(),
        }
    }

    /// Writes what is held (a character cut at the end of the output, as U+FFFD) and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.pending.clear();
            self.inner.write_all("\u{FFFD}".as_bytes())?;
        }
        self.inner.flush()
    }

    fn rewrite(&self, s: &str, out: &mut Vec<u8>) {
        if !s.bytes().any(needs_look) {
            out.extend_from_slice(s.as_bytes());
            return;
        }
        let mut buf = [0u8; 4];
        for c in s.chars() {
            match self.mode {
                Mode::Terminal if c != '\n' && c != '\t' && is_hidden(c) => out.push(b' '),
                // past U+FFFF (a tag character, a variation selector) as its UTF-16 pair
                Mode::Json if c >= '\u{7f}' && (is_hidden(c) || is_invisible(c)) => {
                    for unit in c.encode_utf16(&mut [0u16; 2]) {
                        out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
                    }
                }
                _ => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
            }
        }
    }
}

/// Whether a byte may be (part of) a character a [`Filter`] rewrites.
fn needs_look(b: u8) -> bool {
    b >= 0x7f || (b < 0x20 && b != b'\n' && b != b'\t')
}

impl<W: Write> Write for Filter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() && !buf.iter().any(|&b| needs_look(b)) {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(buf);
        let mut out = Vec::with_capacity(bytes.len() + 16);
        let mut rest: &[u8] = &bytes;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.rewrite(s, &mut out);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    // `good` is UTF-8 up to `valid_up_to`
                    self.rewrite(std::str::from_utf8(good).unwrap_or_default(), &mut out);
                    match e.error_len() {
                        None => {
                            // a character cut at the end of this write: its end comes next
                            self.pending = bad.to_vec();
                            break;
                        }
                        Some(n) => {
                            out.extend_from_slice("\u{FFFD}".as_bytes());
                            rest = &bad[n..];
                        }
                    }
                }
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(mode: fn(Vec<u8>) -> Filter<Vec<u8>>, chunks: &[&[u8]]) -> String {
        let mut f = mode(Vec::new());
        for c in chunks {
            f.write_all(c).unwrap();
        }
        f.finish().unwrap();
        String::from_utf8(f.inner).unwrap()
    }

    #[test]
    fn terminal_text_has_no_control_but_line_feed_and_tab() {
        let s = "a\u{1b}[2J\u{7}\r\u{9b}31m\u{202e}b\n\tc\u{200b}";
        assert_eq!(
            through(Filter::terminal, &[s.as_bytes()]),
            "a [2J   31m b\n\tc\u{200b}"
        );
    }

    #[test]
    fn json_strings_escape_c1_bidi_and_invisible_characters() {
        let v = serde_json::to_string(&"x\u{9b}\u{202e}\u{200b}\u{feff}\u{7f}é\u{1F600}").unwrap();
        let out = through(Filter::json, &[v.as_bytes()]);
        assert_eq!(out, "\"x\\u009b\\u202e\\u200b\\ufeff\\u007fé\u{1F600}\"");
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "x\u{9b}\u{202e}\u{200b}\u{feff}\u{7f}é\u{1F600}");
    }

    /// Every default-ignorable character, past U+FFFF too (as its surrogate pair), the joiners and
    /// variation selectors among them.
    #[test]
    fn json_strings_escape_every_default_ignorable() {
        let s = "a\u{200c}\u{200d}\u{17b4}\u{206a}\u{fe0f}\u{e0001}\u{e0100}\u{1d173}b";
        let v = serde_json::to_string(s).unwrap();
        let out = through(Filter::json, &[v.as_bytes()]);
        assert_eq!(
            out,
            "\"a\\u200c\\u200d\\u17b4\\u206a\\ufe0f\\udb40\\udc01\\udb40\\udd00\\ud834\\udd73b\""
        );
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_character_cut_between_writes_is_rewritten_whole() {
        let s = "a\u{202e}b".as_bytes();
        assert_eq!(through(Filter::terminal, &[&s[..2], &s[2..]]), "a b");
        assert_eq!(through(Filter::json, &[&s[..3], &s[3..]]), "a\\u202eb");
        assert_eq!(
            through(Filter::json, &[b"a\xff", &s[..2]]),
            "a\u{FFFD}a\u{FFFD}"
        );
    }
}
