//! Scrubbing free text (error texts, result reasons, modified-property values, additional details,
//! issue details): e-mail addresses and IP addresses found by pattern, and the display names the
//! inputs contain found by a word-bounded, case-insensitive lookup, each replaced by the same
//! pseudonym its field gets.

use super::pseudonym::{is_pseudonym, Pseudonyms};
use regex::Regex;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

/// Words of license error texts besides the catalog's names ([`crate::knowledge::catalog::vocabulary`]).
const ERROR_WORDS: &[&str] = &[
    "a",
    "address",
    "addresses",
    "already",
    "an",
    "and",
    "are",
    "assigned",
    "available",
    "being",
    "conflict",
    "conflicts",
    "count",
    "dependent",
    "depends",
    "enough",
    "error",
    "exclusive",
    "failed",
    "failure",
    "for",
    "group",
    "groups",
    "in",
    "is",
    "license",
    "licenses",
    "location",
    "mutually",
    "not",
    "of",
    "on",
    "plan",
    "plans",
    "proxy",
    "requires",
    "service",
    "sku",
    "the",
    "to",
    "update",
    "usage",
    "used",
    "user",
    "users",
    "violation",
    "with",
];

/// Whether a display name is Microsoft's words: one word of the catalog or of license error texts
/// (a group called `Exchange`, `Licenses`, `ENTERPRISEPACK`), or a run of words a catalog name
/// holds as it is (`Exchange Online`, `Power BI`). Such a name is redacted in its own fields only,
/// never looked for inside free text, where replacing it would garble Microsoft's text and, by the
/// pseudonym left in a known phrase, reveal the name. A person's name, and a group name of words
/// no product name strings together (`BI-Contractors`, `Sales Team`), is looked for.
fn is_vocabulary(name: &str) -> bool {
    let vocab = crate::knowledge::catalog::vocabulary();
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    match words.as_slice() {
        [] => false,
        [one] => vocab.contains(one) || ERROR_WORDS.contains(&one.as_str()),
        many => {
            vocab.contains(&many.join(" "))
                || many.iter().all(|w| ERROR_WORDS.contains(&w.as_str()))
        }
    }
}

/// Display names shorter than this (in characters) are only redacted in their own fields, never
/// looked for inside free text (`IT` would otherwise eat every "IT" in every message).
pub const MIN_NAME_IN_TEXT: usize = 3;

fn email_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // Unicode letters and digits in both parts (internationalized addresses: `jürgen@bücher.example`;
        // an ASCII-only class stopped at `ü` and left the rest of the address in the text), and a
        // quoted local part (`"first last"@contoso.example`)
        Regex::new(
            r#"(?:"(?:[^"\\\r\n]|\\.){1,64}"|[\p{L}\p{N}_%+#&~][\p{L}\p{N}\p{M}._%+'#&~-]*)@[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?)+"#,
        )
        .expect("static regex is valid")
    })
}

fn ipv4_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\d{1,3}(?:\.\d{1,3}){3}").expect("static regex is valid"))
}

fn ipv6_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*").expect("static regex is valid"))
}

/// Whether a whole value is one e-mail-like address.
pub fn is_address(s: &str) -> bool {
    let t = s.trim();
    email_re()
        .find(t)
        .is_some_and(|m| m.start() == 0 && m.end() == t.len())
}

/// A display name prepared for lookup inside text.
struct Needle {
    chars: Vec<char>,
    /// Where (in chars) the first alphanumeric run starts inside the name.
    lead: usize,
    pseudonym: String,
}

/// Replaces addresses, IP addresses and known display names inside free text.
pub struct Scrubber {
    p: Pseudonyms,
    /// Lower-cased first word of a name -> the names starting with it, longest first.
    names: HashMap<String, Vec<Needle>>,
}

/// The first maximal run of alphanumeric characters: (start char index, lower-cased word).
fn first_word(chars: &[char]) -> Option<(usize, String)> {
    let start = chars.iter().position(|c| c.is_alphanumeric())?;
    let word: String = chars
        .get(start..)
        .unwrap_or(&[])
        .iter()
        .take_while(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect();
    Some((start, word))
}

fn same_char(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

struct Span {
    start: usize,
    end: usize,
    with: String,
}

impl Scrubber {
    /// `names`: every display name found in the inputs (users, groups, targets, actors).
    pub fn new(p: Pseudonyms, names: impl IntoIterator<Item = String>) -> Scrubber {
        let mut map: HashMap<String, Vec<Needle>> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for n in names {
            let t = n.trim();
            if t.chars().count() < MIN_NAME_IN_TEXT
                || is_pseudonym(t)
                || is_address(t)
                || is_vocabulary(t)
            {
                continue;
            }
            if !seen.insert(t.to_lowercase()) {
                continue;
            }
            let chars: Vec<char> = t.chars().collect();
            let Some((lead, word)) = first_word(&chars) else {
                continue;
            };
            let pseudonym = p.name(t);
            map.entry(word).or_default().push(Needle {
                chars,
                lead,
                pseudonym,
            });
        }
        for v in map.values_mut() {
            v.sort_by(|a, b| {
                b.chars
                    .len()
                    .cmp(&a.chars.len())
                    .then(a.chars.cmp(&b.chars))
            });
        }
        Scrubber { p, names: map }
    }

    pub fn pseudonyms(&self) -> &Pseudonyms {
        &self.p
    }

    /// The text with every address, IP address and known display name replaced.
    pub fn text(&self, s: &str) -> String {
        self.scrub(s, true)
    }

    /// The text with addresses and IP addresses replaced, display names left alone.
    pub fn addresses(&self, s: &str) -> String {
        self.scrub(s, false)
    }

    /// A license error text: addresses, IP addresses and display names replaced, but nothing
    /// inside square brackets, where Microsoft names the plans and products that diagnosis still
    /// reads (`service plan [X]`, `for SKU [Y]`): a group called like a plan must not rewrite it.
    pub fn error_text(&self, s: &str) -> String {
        let mut brackets: Vec<(usize, usize)> = Vec::new();
        let mut open = None;
        for (i, c) in s.char_indices() {
            match c {
                '[' => open = Some(i),
                ']' => {
                    if let Some(o) = open.take() {
                        brackets.push((o, i + 1));
                    }
                }
                _ => {}
            }
        }
        self.scrub_with(s, true, &brackets)
    }

    fn scrub(&self, s: &str, names: bool) -> String {
        self.scrub_with(s, names, &[])
    }

    /// [`Self::scrub`], display names inside `keep` (byte ranges) left alone.
    fn scrub_with(&self, s: &str, names: bool, keep: &[(usize, usize)]) -> String {
        if s.is_empty() {
            return String::new();
        }
        let mut spans: Vec<Span> = Vec::new();
        let accept = |sp: Span, spans: &mut Vec<Span>| {
            if !spans.iter().any(|o| sp.start < o.end && o.start < sp.end) {
                spans.push(sp);
            }
        };
        for m in email_re().find_iter(s) {
            let v = m.as_str();
            // a pseudonym already in the text is kept (and protected from the passes below)
            let with = if is_pseudonym(v) {
                v.to_string()
            } else {
                self.p.address(v)
            };
            accept(
                Span {
                    start: m.start(),
                    end: m.end(),
                    with,
                },
                &mut spans,
            );
        }
        for sp in self.ips(s) {
            accept(sp, &mut spans);
        }
        if names {
            for sp in self.names_in(s) {
                if keep.iter().any(|&(a, b)| sp.start < b && a < sp.end) {
                    continue;
                }
                accept(sp, &mut spans);
            }
        }
        if spans.is_empty() {
            return s.to_string();
        }
        spans.sort_by_key(|sp| sp.start);
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for sp in spans {
            out.push_str(s.get(at..sp.start).unwrap_or(""));
            out.push_str(&sp.with);
            at = sp.end;
        }
        out.push_str(s.get(at..).unwrap_or(""));
        out
    }

    fn ips(&self, s: &str) -> Vec<Span> {
        let mut out = Vec::new();
        let before = |i: usize| s.get(..i).and_then(|p| p.chars().next_back());
        let before2 = |i: usize| {
            let mut it = s.get(..i).map(|p| p.chars().rev()).into_iter().flatten();
            it.next();
            it.next()
        };
        let after = |i: usize| s.get(i..).and_then(|p| p.chars().next());
        for m in ipv4_re().find_iter(s) {
            let prev = before(m.start());
            let next = after(m.end());
            // part of a longer dotted number, a word, or a version (`Chrome/129.0.0.0`)
            let glued = prev.is_some_and(|c| c.is_alphanumeric() || c == '.')
                || (prev == Some('/') && before2(m.start()).is_some_and(|c| c.is_alphanumeric()))
                || next.is_some_and(|c| c.is_alphanumeric())
                || (next == Some('.')
                    && s.get(m.end() + 1..)
                        .and_then(|r| r.chars().next())
                        .is_some_and(|c| c.is_ascii_digit()));
            if glued || m.as_str().parse::<Ipv4Addr>().is_err() {
                continue;
            }
            out.push(Span {
                start: m.start(),
                end: m.end(),
                with: self.p.ip(m.as_str()),
            });
        }
        for m in ipv6_re().find_iter(s) {
            let v = m.as_str().trim_end_matches(['.', ':']);
            if v.matches(':').count() < 2 || !v.chars().any(|c| c.is_ascii_hexdigit()) {
                continue;
            }
            let glued = before(m.start()).is_some_and(|c| c.is_alphanumeric())
                || after(m.start() + v.len()).is_some_and(|c| c.is_alphanumeric());
            if glued || v.parse::<Ipv6Addr>().is_err() {
                continue;
            }
            out.push(Span {
                start: m.start(),
                end: m.start() + v.len(),
                with: self.p.ip(v),
            });
        }
        out
    }

    fn names_in(&self, s: &str) -> Vec<Span> {
        if self.names.is_empty() {
            return Vec::new();
        }
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let byte_at = |i: usize| chars.get(i).map(|(b, _)| *b).unwrap_or(s.len());
        let alnum_at = |i: usize| chars.get(i).is_some_and(|(_, c)| c.is_alphanumeric());
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if !alnum_at(i) || (i > 0 && alnum_at(i - 1)) {
                i += 1;
                continue;
            }
            let mut j = i;
            while alnum_at(j) {
                j += 1;
            }
            let word: String = chars
                .get(i..j)
                .unwrap_or(&[])
                .iter()
                .flat_map(|(_, c)| c.to_lowercase())
                .collect();
            let mut next = j;
            if let Some(cands) = self.names.get(&word) {
                for n in cands {
                    let Some(start) = i.checked_sub(n.lead) else {
                        continue;
                    };
                    let end = start + n.chars.len();
                    let matches = n.chars.iter().enumerate().all(|(k, nc)| {
                        chars
                            .get(start + k)
                            .is_some_and(|(_, tc)| same_char(*tc, *nc))
                    });
                    let first_alnum = n.chars.first().is_some_and(|c| c.is_alphanumeric());
                    let last_alnum = n.chars.last().is_some_and(|c| c.is_alphanumeric());
                    let bounded = (!first_alnum || start == 0 || !alnum_at(start - 1))
                        && (!last_alnum || !alnum_at(end));
                    if matches && bounded {
                        out.push(Span {
                            start: byte_at(start),
                            end: byte_at(end),
                            with: n.pseudonym.clone(),
                        });
                        next = next.max(end);
                        break;
                    }
                }
            }
            i = next.max(i + 1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubber(names: &[&str]) -> Scrubber {
        Scrubber::new(
            Pseudonyms::new(b"k".to_vec()),
            names.iter().map(|s| s.to_string()),
        )
    }

    #[test]
    fn addresses_in_text_get_the_field_pseudonym() {
        let s = scrubber(&[]);
        let a = s.pseudonyms().address("jamie.lindqvist@fabrikam.example");
        let t = s.text("Proxy address smtp:Jamie.Lindqvist@fabrikam.example is already being used");
        assert_eq!(t, format!("Proxy address smtp:{a} is already being used"));
        assert_eq!(s.text(&t), t, "scrubbing twice changes nothing");
    }

    #[test]
    fn internationalized_and_quoted_addresses_in_text() {
        let s = scrubber(&[]);
        for a in [
            "jürgen.müller@bücher.example",
            "björn@contoso.example",
            "\"quoted local\"@contoso.example",
            "имя@пример.example",
        ] {
            let p = s.pseudonyms().address(a);
            let t = s.text(&format!("Proxy address smtp:{a} is already being used"));
            assert_eq!(
                t,
                format!("Proxy address smtp:{p} is already being used"),
                "{a}"
            );
            assert!(is_address(a), "{a}");
        }
    }

    #[test]
    fn ips_but_not_versions_or_times() {
        let s = scrubber(&[]);
        let ip = s.pseudonyms().ip("203.0.113.10");
        assert_eq!(s.text("from 203.0.113.10:443"), format!("from {ip}:443"));
        let ua = "Chrome/129.0.0.0 Safari/537.36 at 2026-10-05T07:00:00Z 10.0.22631";
        assert_eq!(s.text(ua), ua);
        let v6 = s.pseudonyms().ip("2001:db8::1");
        assert_eq!(s.text("ip=2001:db8::1."), format!("ip={v6}."));
    }

    /// Review: names in license error texts were left as they are (only addresses were replaced),
    /// while the same name in the result reason was replaced; now they are, but never inside the
    /// brackets where Microsoft names plans and products (diagnosis still reads them).
    #[test]
    fn error_texts_lose_names_but_keep_bracketed_plans() {
        let s = scrubber(&["Oliver Brandt", "Sales Team", "Exchange", "Licenses"]);
        let o = s.pseudonyms().name("Oliver Brandt");
        let t = s.error_text(
            "Not enough licenses are available for Oliver Brandt (SKU [Sales Team]). Licenses being added: [STANDARDPACK]",
        );
        assert_eq!(
            t,
            format!("Not enough licenses are available for {o} (SKU [Sales Team]). Licenses being added: [STANDARDPACK]")
        );
        // names made only of Microsoft's words are never looked for in free text: a group called
        // Exchange would rewrite "Exchange Online (Plan 2)" and give itself away
        let text = "MCOEV requires Exchange Online (Plan 2); Licenses being added";
        assert_eq!(s.text(text), text);
        assert_eq!(s.error_text(text), text);
        assert!(is_vocabulary("Exchange") && is_vocabulary("ENTERPRISEPACK"));
        assert!(is_vocabulary("Exchange Online") && is_vocabulary("EXCHANGE_S_DESKLESS"));
        assert!(!is_vocabulary("Oliver Brandt") && !is_vocabulary("LIC-E3-Voice"));
        // words of product names, but no product name strings them together
        assert!(!is_vocabulary("BI-Contractors") && !is_vocabulary("Field Service Sales"));
    }

    #[test]
    fn known_names_word_bounded_case_insensitive() {
        let s = scrubber(&[
            "Ana Admin",
            "LIC-E3-Voice",
            "IT",
            "=HYPERLINK(\"http://x\",\"Samir Haddad\")",
        ]);
        let ana = s.pseudonyms().name("Ana Admin");
        let g = s.pseudonyms().name("LIC-E3-Voice");
        assert_eq!(
            s.text("added by ana admin to LIC-E3-Voice; Ana Administrator IT"),
            format!("added by {ana} to {g}; Ana Administrator IT")
        );
        let h = s
            .pseudonyms()
            .name("=HYPERLINK(\"http://x\",\"Samir Haddad\")");
        assert_eq!(
            s.text("name =HYPERLINK(\"http://x\",\"Samir Haddad\") set"),
            format!("name {h} set")
        );
        // a name inside an address does not break the address pseudonym
        let s = scrubber(&["ana"]);
        let a = s.pseudonyms().address("ana@x.example");
        assert_eq!(s.text("ana@x.example"), a);
    }
}
