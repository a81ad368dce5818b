//! The values the inputs hold (their display names, and the addresses their fields hold: UPNs,
//! mail and proxy addresses), looked up whole inside free text and input paths, so that each gets
//! there the pseudonym its own field gets, whatever the shape heuristics of [`super::shapes`] would
//! have made of it (an X.500 path ending in `cn=María de la Cruz`, a fax number with spaces).
//!
//! Text and values are compared folded ([`fold`]): canonically decomposed (a name written composed
//! in `users.json` is found in a folder name macOS stored decomposed, and the other way round),
//! lower-cased, typographic apostrophes, hyphens and spaces read as the plain ones (`O’Neil` is
//! `O'Neil`). One Aho-Corasick automaton over every folded value finds them all in one pass over a
//! text, however many the inputs hold.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashSet;
use std::sync::OnceLock;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// What a known value is; decides how its edges must be bounded in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An address (UPN, mail, a proxy address after its prefix): not glued to more of an address.
    Address,
    /// A display name: not glued to more of a word.
    Name,
}

/// A known value found in a text: its byte range there, the value as the inputs hold it, and
/// where its pseudonym is kept once made (only for the values some text holds, once each).
#[derive(Debug)]
pub struct Hit<'a> {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub value: &'a str,
    pub pseudonym: &'a OnceLock<String>,
}

struct Entry {
    kind: Kind,
    value: String,
    pseudonym: OnceLock<String>,
    /// The first and last characters of the folded value.
    first: char,
    last: char,
}

/// Every known value, folded, in one automaton.
pub struct Known {
    ac: Option<AhoCorasick>,
    entries: Vec<Entry>,
}

/// The punctuation and spaces that have a typographic twin, read as the plain one: apostrophes and
/// single quotes (`’ ‘ ‚ ‛ ′`), hyphens (`‐ ‑`), no-break and narrow spaces, the full-width `＠`.
pub fn plain_punct(c: char) -> char {
    match c {
        '\u{FF20}' => '@',
        '\u{2019}' | '\u{2018}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{2010}' | '\u{2011}' => '-',
        '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
        other => other,
    }
}

/// One character folded: canonically decomposed, lower-cased (and decomposed again: a lower case
/// can be composed), punctuation made plain.
fn fold_char(c: char, out: &mut dyn FnMut(char)) {
    decompose_canonical(c, |d| {
        for l in d.to_lowercase() {
            decompose_canonical(l, |e| out(plain_punct(e)));
        }
    });
}

/// A value folded for lookup (see the module doc).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        fold_char(c, &mut |f| out.push(f));
    }
    out
}

/// A text folded, and for each byte of the folded text the byte where the character it comes from
/// starts in `s` (`None`: the text is ASCII, folded byte for byte).
fn fold_mapped(s: &str) -> (String, Option<Vec<usize>>) {
    if s.is_ascii() {
        return (s.to_ascii_lowercase(), None);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut at = Vec::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        fold_char(c, &mut |f| {
            out.push(f);
            at.resize(out.len(), i);
        });
    }
    (out, Some(at))
}

/// A character that makes a word go on: a letter, a digit, or a combining mark (the accent of a
/// decomposed `ë`).
fn word(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// A character of a script written without spaces between words (Han, kana): a name in it is
/// found glued to the words around it (`李娜的许可证`), as no space could ever separate them.
/// (Hangul is written with spaces: see [`hangul`].)
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF // hiragana, katakana
        | 0x31F0..=0x31FF // katakana extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x323AF) // CJK extensions B..H
}

/// A Hangul character (a syllable or a jamo, as decomposition leaves it): Korean writes spaces
/// between words, but a particle follows a name glued to it (`김민준의`, `김민준님`).
fn hangul(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xD7B0..=0xD7FF)
}

/// Characters an address may go on with before its first or after its last letter or digit: a
/// known address glued to them is part of a longer one (left to the shape heuristics).
fn address_glue(c: char) -> bool {
    word(c)
        || matches!(
            c,
            '.' | '_' | '%' | '+' | '-' | '\'' | '#' | '&' | '~' | '@'
        )
}

impl Entry {
    /// Whether a match of this value between `prev` and `next` (the characters around it in the
    /// text; `after_next` the one after that) stands alone.
    fn bounded(&self, prev: Option<char>, next: Option<char>, after_next: Option<char>) -> bool {
        match self.kind {
            Kind::Name => {
                let start = !word(self.first)
                    || prev.is_none_or(|p| !word(p) || (unspaced(p) && unspaced(self.first)));
                let end = !word(self.last)
                    || next.is_none_or(|n| {
                        !word(n)
                            || (unspaced(n) && unspaced(self.last))
                            || (hangul(n) && hangul(self.last))
                    });
                start && end
            }
            Kind::Address => {
                let start = !word(self.first) || prev.is_none_or(|p| !address_glue(p));
                // a dot ends a sentence, unless a label follows it
                let end = !word(self.last)
                    || next.is_none_or(|n| {
                        if n == '.' {
                            !after_next.is_some_and(word)
                        } else {
                            !address_glue(n)
                        }
                    });
                start && end
            }
        }
    }
}

impl Known {
    /// `values`: (kind, value), the first of values that fold alike kept (give the addresses
    /// first: they are looked for before anything else).
    pub fn new(values: impl IntoIterator<Item = (Kind, String)>) -> Known {
        let mut seen: HashSet<String> = HashSet::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut entries = Vec::new();
        for (kind, value) in values {
            let f = fold(value.trim());
            let (Some(first), Some(last)) = (f.chars().next(), f.chars().next_back()) else {
                continue;
            };
            if !seen.insert(f.clone()) {
                continue;
            }
            patterns.push(f);
            entries.push(Entry {
                kind,
                value,
                pseudonym: OnceLock::new(),
                first,
                last,
            });
        }
        drop(seen);
        let ac = if patterns.is_empty() {
            None
        } else {
            // a contiguous NFA: compact with many long values (a DFA over 100,000 names is not);
            // the automaton is only too big past 2^31 states, the other kinds are tried then
            let build = |kind| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(kind)
                    // no dense states near the root: 256 transitions each, for every name's
                    // first two bytes (memory, not speed, matters here)
                    .dense_depth(0)
                    .build(&patterns)
                    .ok()
            };
            build(Some(AhoCorasickKind::ContiguousNFA)).or_else(|| build(None))
        };
        Known { ac, entries }
    }

    pub fn is_empty(&self) -> bool {
        self.ac.is_none()
    }

    /// Every known value in `s` that stands alone there (see [`Entry::bounded`]), overlapping ones
    /// included, by start and, at one start, longest first (addresses before names).
    pub fn find(&self, s: &str) -> Vec<Hit<'_>> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        if s.is_empty() {
            return Vec::new();
        }
        let (folded, map) = fold_mapped(s);
        let orig = |i: usize| match &map {
            _ if i >= folded.len() => s.len(),
            None => i,
            Some(m) => m.get(i).copied().unwrap_or(s.len()),
        };
        // whether folded byte `i` is where the folding of one character of `s` starts (a value
        // ends or starts between characters, never inside `İ` folded to `i̇`)
        let char_edge = |i: usize| i == 0 || i >= folded.len() || orig(i - 1) != orig(i);
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(&folded) {
            let Some(e) = self.entries.get(m.pattern().as_usize()) else {
                continue;
            };
            if !char_edge(m.start()) || !char_edge(m.end()) {
                continue;
            }
            let (start, end) = (orig(m.start()), orig(m.end()));
            let prev = s.get(..start).and_then(|p| p.chars().next_back());
            let mut after = s.get(end..).map(str::chars).into_iter().flatten();
            let next = after.next();
            if e.bounded(prev, next, after.next()) {
                out.push(Hit {
                    start,
                    end,
                    kind: e.kind,
                    value: &e.value,
                    pseudonym: &e.pseudonym,
                });
            }
        }
        out.sort_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then(b.end.cmp(&a.end))
                .then((a.kind == Kind::Name).cmp(&(b.kind == Kind::Name)))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(values: &[(Kind, &str)]) -> Known {
        Known::new(values.iter().map(|&(k, v)| (k, v.to_string())))
    }

    fn found(k: &Known, s: &str) -> Vec<String> {
        k.find(s)
            .into_iter()
            .map(|h| format!("{}=<{}>", &s[h.start..h.end], h.value))
            .collect()
    }

    #[test]
    fn folding_reads_decomposed_typographic_and_upper_case_alike() {
        let nfc = "Zo\u{eb} \u{dc}nal";
        let nfd = "Zoe\u{308} U\u{308}nal";
        assert_eq!(fold(nfc), fold(nfd));
        assert_eq!(fold("ZOË ÜNAL"), fold(nfd));
        assert_eq!(fold("Olu O\u{2019}Neil"), "olu o'neil");
        assert_eq!(fold("Jean\u{2011}Luc\u{a0}Roy"), "jean-luc roy");
        // İ lower-cases to two characters: mapped back to the one it came from
        let (f, map) = fold_mapped("İx");
        assert_eq!(f, "i\u{307}x");
        assert_eq!(map, Some(vec![0, 0, 0, 2]));
    }

    #[test]
    fn names_match_whatever_the_form_but_only_whole() {
        let k = known(&[(Kind::Name, "Zoë Ünal"), (Kind::Name, "Olu O'Neil")]);
        let nfd = "by Zoe\u{308} U\u{308}nal.";
        assert_eq!(
            found(&k, nfd),
            vec![format!("Zoe\u{308} U\u{308}nal=<Zoë Ünal>")]
        );
        assert_eq!(found(&k, "ZOË ÜNAL"), vec!["ZOË ÜNAL=<Zoë Ünal>"]);
        assert_eq!(
            found(&k, "Olu O\u{2019}Neil’s"),
            vec!["Olu O\u{2019}Neil=<Olu O'Neil>"]
        );
        // glued to a letter, or to an accent of the next letter, it is another word
        for keep in ["Zoë Ünalx", "xZoë Ünal", "Zoë Ünal\u{308}", "Olu O'Neill"] {
            assert!(found(&k, keep).is_empty(), "{keep}");
        }
        // a name ending in a letter the text decomposes further is not found inside it
        let k = known(&[(Kind::Name, "Zoe Una")]);
        assert!(found(&k, "Zoe Ünal").is_empty());
        assert!(found(&k, "Zoe U\u{308}nal").is_empty());
    }

    #[test]
    fn han_and_kana_names_are_found_glued_to_their_words() {
        let k = known(&[(Kind::Name, "李娜"), (Kind::Name, "Ana Li")]);
        assert_eq!(found(&k, "分配给李娜的许可证"), vec!["李娜=<李娜>"]);
        assert_eq!(found(&k, "paths/李娜/x"), vec!["李娜=<李娜>"]);
        // a Latin letter still bounds a Han name, and a Han character a Latin name
        assert!(found(&k, "x李娜").is_empty());
        assert!(found(&k, "李Ana Li").is_empty());
        // a Korean name with the particle after it, not after another syllable
        let k = known(&[(Kind::Name, "김민준")]);
        assert_eq!(found(&k, "김민준의 라이선스"), vec!["김민준=<김민준>"]);
        assert_eq!(found(&k, "김민준님"), vec!["김민준=<김민준>"]);
        assert!(found(&k, "이김민준").is_empty());
    }

    #[test]
    fn addresses_match_whole_never_inside_a_longer_one() {
        let x500 = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=María de la Cruz";
        let k = known(&[
            (Kind::Address, "ana.ruiz@fabrikam.example"),
            (Kind::Address, x500),
            (Kind::Address, "+1 (425) 555-0100"),
            (Kind::Name, "Ana Ruiz"),
        ]);
        let t = format!("X500:{} and FAX:+1 (425) 555-0100.", x500.to_uppercase());
        assert_eq!(k.find(&t).len(), 2);
        // the full-width at sign of East Asian keyboards
        assert_eq!(
            found(&k, "ana.ruiz\u{FF20}fabrikam.example"),
            vec!["ana.ruiz\u{FF20}fabrikam.example=<ana.ruiz@fabrikam.example>"]
        );
        assert_eq!(
            found(&k, "<ana.ruiz@fabrikam.example>."),
            vec!["ana.ruiz@fabrikam.example=<ana.ruiz@fabrikam.example>"]
        );
        for keep in [
            "xana.ruiz@fabrikam.example",
            "a.ana.ruiz@fabrikam.example",
            "ana.ruiz@fabrikam.example.org",
            "ana.ruiz@fabrikam.examples",
            "+1 (425) 555-01001",
        ] {
            assert!(found(&k, keep).is_empty(), "{keep}: {:?}", found(&k, keep));
        }
    }

    #[test]
    fn longest_first_at_one_start_addresses_before_names() {
        let k = known(&[
            (Kind::Address, "ana ruiz"),
            (Kind::Name, "Ana"),
            (Kind::Name, "Ana Ruiz"),
        ]);
        let hits = k.find("Ana Ruiz");
        let got: Vec<(usize, Kind)> = hits.iter().map(|h| (h.end, h.kind)).collect();
        // "ana ruiz" folds like the name "Ana Ruiz": the address, given first, is kept
        assert_eq!(got, vec![(8, Kind::Address), (3, Kind::Name)]);
        assert!(known(&[]).is_empty() && known(&[]).find("x").is_empty());
    }
}
