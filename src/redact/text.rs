//! Scrubbing free text (error texts, result reasons, modified-property values, additional details,
//! issue details, input paths): the addresses and display names the inputs' fields hold, looked up
//! whole ([`super::known`]: case, Unicode form and typographic apostrophes aside); then e-mail
//! addresses (their `@` written or encoded), X.500 paths and other proxy addresses
//! ([`super::shapes`]) and IP addresses found by pattern; each replaced by the same pseudonym its
//! field gets.

use super::known::{Hit, Kind, Known};
use super::pseudonym::{is_pseudonym, Pseudonyms};
use super::shapes::{self, email_re};
use regex::Regex;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Words of license error texts besides the catalog's names ([`crate::knowledge::catalog::vocabulary`]).
pub(super) const ERROR_WORDS: &[&str] = &[
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

/// Display names shorter than this (in characters, composed) are only redacted in their own
/// fields, never looked for inside free text (`IT` would otherwise eat every "IT" in every
/// message), except two-character names holding a letter outside ASCII ([`is_known_name`]).
pub const MIN_NAME_IN_TEXT: usize = 3;

/// Whether a display name is looked for in free text: [`MIN_NAME_IN_TEXT`] characters or more, or
/// two with a letter outside ASCII (`李娜`, `Zé`: no word of Microsoft's English texts), not an
/// address, not a pseudonym, not made of Microsoft's words ([`is_vocabulary`]).
fn is_known_name(name: &str) -> bool {
    let t = name.trim();
    let len = if t.is_ascii() {
        t.len()
    } else {
        t.nfc().count()
    };
    let long_enough = len >= MIN_NAME_IN_TEXT
        || (len == 2 && t.chars().any(|c| !c.is_ascii() && c.is_alphabetic()));
    long_enough && !is_pseudonym(t) && !is_address(t) && !is_vocabulary(t)
}

/// Whether an address of the inputs' fields is looked for whole in free text: five characters or
/// more, holding an `@`, `/`, `=` or a digit (an address, a path, an X.400 or a telephone number,
/// never a plain word), not a pseudonym or Microsoft's words.
fn is_known_address(a: &str) -> bool {
    let t = a.trim();
    let mut path_like = false;
    let mut digit = false;
    for c in t.chars() {
        path_like |= matches!(c, '@' | '/' | '=');
        digit |= c.is_ascii_digit();
    }
    t.chars().nth(4).is_some()
        && (path_like || digit)
        && !is_pseudonym(t)
        // an address or a path is never Microsoft's words
        && (path_like || !is_vocabulary(t))
}

/// Whether an address is plain ASCII `local@domain.tld` (a dotted domain, a letter-only last
/// label), the shape the free-text scan finds whole without knowing it.
fn is_plain_address(a: &str) -> bool {
    let t = a.trim();
    let Some((local, domain)) = t.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-'".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && labels
            .last()
            .is_some_and(|l| l.len() >= 2 && l.bytes().all(|b| b.is_ascii_alphabetic()));
    local_ok && domain_ok
}

fn ipv4_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\d{1,3}(?:\.\d{1,3}){3}").expect("static regex is valid"))
}

fn ipv6_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*").expect("static regex is valid"))
}

/// Whether a whole value is one e-mail-like address (written with a literal `@`; the domain may
/// lack a dot).
pub fn is_address(s: &str) -> bool {
    let t = s.trim();
    email_re().captures(t).is_some_and(|c| {
        c.get(0)
            .is_some_and(|m| m.start() == 0 && m.end() == t.len())
            && c.name("domain").is_some()
    })
}

/// Replaces addresses, IP addresses and known display names inside free text.
pub struct Scrubber {
    p: Pseudonyms,
    /// The inputs' display names and addresses, looked up whole.
    known: Known,
}

struct Span {
    start: usize,
    end: usize,
    with: String,
}

/// The replacements taken so far, by start: none overlap, so their ends rise with their starts
/// and one look at the last one starting before a new span's end tells whether it overlaps any
/// (a text with many addresses is not checked pair by pair).
#[derive(Default)]
struct Spans(BTreeMap<usize, Span>);

impl Spans {
    /// Takes `sp` unless it is empty or overlaps one taken before.
    fn accept(&mut self, sp: Span) {
        if sp.start >= sp.end {
            return;
        }
        let overlaps = self
            .0
            .range(..sp.end)
            .next_back()
            .is_some_and(|(_, o)| o.end > sp.start);
        if !overlaps {
            self.0.insert(sp.start, sp);
        }
    }

    /// The span taken before that `at` falls inside (its end), if any.
    fn inside(&self, at: usize) -> Option<usize> {
        self.0
            .range(..=at)
            .next_back()
            .map(|(_, o)| o.end)
            .filter(|&e| e > at)
    }

    /// The first span taken before that starts inside `start..end`: (its start, its end).
    fn first_within(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        self.0
            .range(start..end)
            .next()
            .map(|(_, o)| (o.start, o.end))
    }

    /// Takes the span `f` makes of each match of `re` in `s`, left to right. A match that
    /// overlaps a span taken before is not dropped whole: one starting inside it is looked for
    /// again after it, one running into it again in the text before it (an address glued to an
    /// X.500 path, `…'ana_fab.example#EXT#`, `EUM:…` glued to what follows), so what an earlier
    /// pass took hides nothing a later one would have found.
    fn each_match(
        &mut self,
        s: &str,
        re: &Regex,
        mut f: impl FnMut(&regex::Captures<'_>) -> Option<Span>,
    ) {
        let mut pos = 0;
        while pos <= s.len() {
            let Some(c) = re.captures_at(s, pos) else {
                break;
            };
            let Some(m) = c.get(0) else { break };
            if let Some(end) = self.inside(m.start()) {
                pos = end;
                continue;
            }
            if let Some((next, end)) = self.first_within(m.start(), m.end()) {
                let before = s.get(..next).unwrap_or("");
                if let Some(sp) = re.captures_at(before, m.start()).and_then(|c| f(&c)) {
                    self.accept(sp);
                }
                pos = end;
                continue;
            }
            if let Some(sp) = f(&c) {
                self.accept(sp);
            }
            pos = if m.end() > m.start() {
                m.end()
            } else {
                // an empty match (none of these patterns has one): one character on
                s.get(m.end()..)
                    .and_then(|r| r.chars().next())
                    .map_or(s.len() + 1, |ch| m.end() + ch.len_utf8())
            };
        }
    }
}

impl Scrubber {
    /// `names`: every display name found in the inputs (users, groups, targets, actors);
    /// `addresses`: every address their fields hold (UPNs, mail, proxy addresses without their
    /// prefix), each looked for whole before any shape and replaced by its field's pseudonym.
    pub fn new(
        p: Pseudonyms,
        names: impl IntoIterator<Item = String>,
        addresses: impl IntoIterator<Item = String>,
    ) -> Scrubber {
        // a plain ASCII `name@domain.tld` (nearly all of a tenant's addresses) is left to the
        // shapes, which find it whole and give it its field's pseudonym: in the automaton, the
        // 100k-user tenant's half a million addresses took the redacted run from 162 to 391 MB
        let addresses = addresses
            .into_iter()
            .filter(|a| is_known_address(a) && !is_plain_address(a))
            .map(|a| (Kind::Address, a));
        let names = names
            .into_iter()
            .filter(|n| is_known_name(n))
            .map(|n| (Kind::Name, n));
        let known = Known::new(addresses.collect::<Vec<_>>().into_iter().chain(names));
        Scrubber { p, known }
    }

    /// The pseudonym of a known value found in a text: what its field gets.
    fn known_pseudonym(&self, h: &Hit<'_>) -> String {
        h.pseudonym
            .get_or_init(|| match h.kind {
                Kind::Address => self.p.proxy_value(h.value),
                Kind::Name => self.p.name(h.value),
            })
            .clone()
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
    ///
    /// The passes run in this order, a later one's match overlapping an earlier one's dropped
    /// (an X.500 path running into an earlier match is cut before it): the inputs' own addresses
    /// (whole, as their fields hold them), fax and SMS numbers in groups, X.500 paths, other
    /// prefixed proxy addresses (X.400, EUM, SMS, fax), addresses (`@` written or encoded),
    /// guests' mail nicknames, IP addresses, the inputs' display names.
    fn scrub_with(&self, s: &str, names: bool, keep: &[(usize, usize)]) -> String {
        if s.is_empty() {
            return String::new();
        }
        let mut spans = Spans::default();
        let known = self.known.find(s);
        for h in known.iter().filter(|h| h.kind == Kind::Address) {
            spans.accept(Span {
                start: h.start,
                end: h.end,
                with: self.known_pseudonym(h),
            });
        }
        // a fax or SMS number in groups before the X.500 paths: a path glued before it would
        // take its first groups as words of a name
        spans.each_match(s, shapes::phone_re(), |c| {
            let m = c.name("phone")?;
            let v = shapes::phone_number(m.as_str())?;
            Some(Span {
                start: m.start(),
                end: m.start() + v.len(),
                with: self.p.proxy_value(v),
            })
        });
        let mut done = 0;
        for start in shapes::x500_starts(s) {
            if start < done {
                continue;
            }
            if let Some(e) = spans.inside(start) {
                done = e;
                continue;
            }
            let Some(end) = shapes::x500_path(s, start) else {
                continue;
            };
            // a known display name the last `cn=` value starts and the path's end cuts short
            // (`cn=ana ruiz`: lower-case words end it) is taken whole
            let from = known.partition_point(|h| h.start < start);
            let mut end = known
                .get(from..)
                .unwrap_or(&[])
                .iter()
                .take_while(|h| h.start < end)
                .filter(|h| h.kind == Kind::Name)
                .map(|h| h.end)
                .fold(end, usize::max);
            // a path running into one of the inputs' addresses ends before it
            if let Some((next, _)) = spans.first_within(start, end) {
                match s.get(..next).and_then(|b| shapes::x500_path(b, start)) {
                    Some(e) => end = e,
                    None => continue,
                }
            }
            if let Some(path) = s.get(start..end) {
                spans.accept(Span {
                    start,
                    end,
                    with: self.p.proxy_value(path),
                });
                done = end;
            }
        }
        spans.each_match(s, shapes::prefixed_re(), |c| {
            let m = c.name("x400").or_else(|| c.name("value"))?;
            // the sentence's punctuation after a unified-messaging, SMS or fax address
            let v = if c.name("value").is_some() {
                m.as_str()
                    .trim_end_matches(['.', ',', ';', ':', ')', '!', '?'])
            } else {
                m.as_str()
            };
            (!v.is_empty() && !is_pseudonym(v)).then(|| Span {
                start: m.start(),
                end: m.start() + v.len(),
                with: self.p.proxy_value(v),
            })
        });
        spans.each_match(s, email_re(), |c| self.address_span(c));
        spans.each_match(s, shapes::guest_re(), |c| {
            let m = c.get(0)?;
            let levels = shapes::guest_levels(m.as_str());
            let (from, key) = shapes::decode_local(m.as_str(), levels)?;
            Some(Span {
                start: m.start() + from,
                end: m.end(),
                with: shapes::encode_like(&self.p.guest_nickname(&key), "@", levels),
            })
        });
        for sp in self.ips(s) {
            spans.accept(sp);
        }
        if names {
            for h in known.iter().filter(|h| h.kind == Kind::Name) {
                if keep.iter().any(|&(a, b)| h.start < b && a < h.end) {
                    continue;
                }
                spans.accept(Span {
                    start: h.start,
                    end: h.end,
                    with: self.known_pseudonym(h),
                });
            }
        }
        if spans.0.is_empty() {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for sp in spans.0.into_values() {
            out.push_str(s.get(at..sp.start).unwrap_or(""));
            out.push_str(&sp.with);
            at = sp.end;
        }
        out.push_str(s.get(at..).unwrap_or(""));
        out
    }

    /// The replacement of one address match: a pseudonym already in the text is kept (and
    /// protected from the passes after); an encoded `@` is decoded for the key (the same
    /// pseudonym as the address written plainly) and the pseudonym written encoded the same way,
    /// starting after what the URL around it encoded (`upn%3D`).
    fn address_span(&self, c: &regex::Captures<'_>) -> Option<Span> {
        let m = c.get(0)?;
        if c.name("domain").is_some() {
            let v = m.as_str();
            let with = if is_pseudonym(v) {
                v.to_string()
            } else {
                self.p.address(v)
            };
            return Some(Span {
                start: m.start(),
                end: m.end(),
                with,
            });
        }
        let (local, sep, domain) = (c.name("elocal")?, c.name("sep")?, c.name("edomain")?);
        let levels = shapes::percent_levels(sep.as_str());
        let (from, key) = shapes::decode_local(local.as_str(), levels)?;
        let pseudonym = self
            .p
            .address(&format!("{key}@{}", shapes::decode_domain(domain.as_str())));
        Some(Span {
            start: local.start() + from,
            end: m.end(),
            with: shapes::encode_like(&pseudonym, sep.as_str(), levels),
        })
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
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_addresses_are_left_to_the_shapes() {
        for a in [
            "ana.ruiz@fabrikam.example",
            "o'brien+x@contoso.co.uk",
            "a-b@x-y.com",
        ] {
            assert!(is_plain_address(a), "{a}");
        }
        for a in [
            "ana@fabrikam",
            "ana ruiz@contoso.com",
            "zoë@contoso.com",
            "/o=Org/cn=Recipients/cn=ana",
            "+1 425 555 0100",
            "ana@contoso.c0m",
            "@contoso.com",
            "ana@.com",
        ] {
            assert!(!is_plain_address(a), "{a}");
        }
    }

    use super::*;

    fn scrubber(names: &[&str]) -> Scrubber {
        Scrubber::new(
            Pseudonyms::new(b"k".to_vec()),
            names.iter().map(|s| s.to_string()),
            Vec::new(),
        )
    }

    fn scrubber_with(names: &[&str], addresses: &[&str]) -> Scrubber {
        Scrubber::new(
            Pseudonyms::new(b"k".to_vec()),
            names.iter().map(|s| s.to_string()),
            addresses.iter().map(|s| s.to_string()),
        )
    }

    /// Review: an X500 proxy address whose last `cn=` holds lower-case words (`María de la Cruz`,
    /// `van der Berg, Jan`) or a fax number with spaces got another pseudonym in text than in its
    /// field, the rest of it left. The inputs' own values are looked for whole first now.
    #[test]
    fn the_inputs_own_addresses_are_replaced_whole_with_their_field_pseudonym() {
        let maria = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=María de la Cruz";
        let berg = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=van der Berg, Jan";
        let fax = "+1 (425) 555-0100";
        let s = scrubber_with(
            &["María de la Cruz"],
            &[maria, berg, fax, "ana.ruiz@fabrikam.example"],
        );
        let p = s.pseudonyms();
        for (field, text) in [
            (
                format!("X500:{maria}"),
                format!("Proxy address X500:{maria} is already being used"),
            ),
            (
                format!("X500:{berg}"),
                format!("Proxy address X500:{berg} is already being used"),
            ),
            (
                format!("FAX:{fax}"),
                format!("Proxy address FAX:{fax} is already being used"),
            ),
            // another case, and the name decomposed
            (
                format!("x500:{maria}"),
                format!(
                    "Proxy address x500:{} is already being used",
                    maria.to_uppercase()
                ),
            ),
            (
                format!("X500:{maria}"),
                format!("Proxy address X500:{} is already being used", maria.nfd()),
            ),
        ] {
            let want = format!("Proxy address {} is already being used", p.proxy(&field));
            let t = s.text(&text);
            assert_eq!(t, want, "{text}");
            assert_eq!(s.text(&t), t, "twice");
            assert_eq!(s.error_text(&text), want);
        }
        // not inside a longer value: the shapes decide there, as for a value the inputs lack
        for (text, value) in [
            ("FAX:+1 (425) 555-01001", "FAX:+1 (425) 555-01001"),
            ("sana.ruiz@fabrikam.example", "sana.ruiz@fabrikam.example"),
        ] {
            assert_eq!(s.text(text), p.proxy(value));
            assert_ne!(s.text(text), s.text("FAX:+1 (425) 555-0100"));
        }
        // an X.500 path glued before one of the inputs' addresses ends before it (the property
        // below found these)
        for text in [
            format!("X500:/o=x/ou=y/cn=Recipients/cn=0a1b-ana.ruiz/X500:{maria} "),
            "X500:/o=x/ou=y/cn=Recipients/cn=0a1b-ana.ruiz/ana.ruiz@fabrikam.example. ".into(),
            "X500:/o=x/ou=y/cn=Recipients/cn=0a1b-ana.ruiz/fax:+1 425 555-0100/".into(),
        ] {
            let t = s.text(&text);
            assert!(
                !t.contains("ana.ruiz") && !t.contains("Cruz") && !t.contains("0100"),
                "{t}"
            );
            assert_eq!(s.text(&t), t, "{text}");
        }
        // an X.500 path the inputs lack, its last value a known name in lower case
        let s = scrubber_with(&["Ana Ruiz"], &[]);
        let path = "/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=ana ruiz";
        assert_eq!(
            s.text(&format!("used by {path} and more")),
            format!("used by {} and more", s.pseudonyms().proxy_value(path))
        );
        // values that are no address are not looked for
        let s = scrubber_with(&[], &["Sales Team", "ab1", "1234", "Licenses being added"]);
        for keep in ["Sales Team", "ab1 1234", "Licenses being added: [X]"] {
            assert_eq!(s.text(keep), keep);
        }
        assert!(is_known_address(fax) && is_known_address("a@b.c"));
        assert!(!is_known_address("Sales Team") && !is_known_address("1234"));
    }

    /// Review: a name stored decomposed (macOS folder names), a two-letter Chinese name, a name
    /// written with a typographic apostrophe were kept in text and paths.
    #[test]
    fn names_in_any_unicode_form_short_non_latin_names_and_curly_apostrophes() {
        let s = scrubber(&["Zo\u{eb} \u{dc}nal", "李娜", "Olu O'Neil", "Jo", "Bo Li"]);
        let p = s.pseudonyms();
        let (zoe, li, olu) = (p.name("Zoë Ünal"), p.name("李娜"), p.name("Olu O'Neil"));
        assert_eq!(
            s.text("red/paths/Zoe\u{308} U\u{308}nal/audit.json"),
            format!("red/paths/{zoe}/audit.json")
        );
        assert_eq!(s.text("by ZOË ÜNAL."), format!("by {zoe}."));
        assert_eq!(
            s.text("red/paths/李娜/README.md"),
            format!("red/paths/{li}/README.md")
        );
        assert_eq!(s.text("分配给李娜的许可证"), format!("分配给{li}的许可证"));
        assert_eq!(
            s.text("Olu O\u{2019}Neil and Olu O'Neil's mailbox"),
            format!("{olu} and {olu}'s mailbox")
        );
        // two ASCII letters stay a word; the names only whole
        for keep in [
            "Jo Jo; Journal",
            "Zoë Ünalx",
            "Zoe Unal",
            "Olu O\u{2019}Neill",
            "李娜娜x",
            "Bo Lin",
        ] {
            let t = s.text(keep);
            assert!(
                !t.contains("name-") || keep.starts_with('李'),
                "{keep} -> {t}"
            );
        }
        assert!(is_known_name("李娜") && is_known_name("Zé") && is_known_name("Zoe\u{301}"));
        assert!(!is_known_name("IT") && !is_known_name("Jo") && !is_known_name("李"));
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

    /// Privacy review: an address in a URL (`%40`), a legacyExchangeDN or X500 proxy address, an
    /// address whose domain has no dot were kept in free text.
    #[test]
    fn percent_and_entity_encoded_addresses_get_the_plain_pseudonym() {
        let s = scrubber(&[]);
        let a = s.pseudonyms().address("ana.ruiz@fabrikam.example");
        let enc = a.replace('@', "%40");
        assert_eq!(
            s.text("see https://admin.example/users/ana.ruiz%40fabrikam.example/licenses"),
            format!("see https://admin.example/users/{enc}/licenses")
        );
        // the URL's own encoded `=`, `:` stay; only the address goes
        assert_eq!(
            s.text("https://x.example/?q=upn%3DAna.Ruiz%40Fabrikam.example&y=1"),
            format!("https://x.example/?q=upn%3D{enc}&y=1")
        );
        assert_eq!(
            s.text("proxy smtp%3Aana.ruiz%40fabrikam.example"),
            format!("proxy smtp%3A{enc}")
        );
        // encoded twice (a redirect URL inside a URL)
        assert_eq!(
            s.text("redirect=https%3A%2F%2Fx%2F%3Fupn%3Dana.ruiz%2540fabrikam.example"),
            format!(
                "redirect=https%3A%2F%2Fx%2F%3Fupn%3D{}",
                a.replace('@', "%2540")
            )
        );
        // an encoded `+` or `.` in the local part is decoded for the key
        let tagged = s.pseudonyms().address("ana+lic@fabrikam.example");
        assert_eq!(
            s.text("ana%2Blic%40fabrikam.example"),
            tagged.replace('@', "%40")
        );
        for (text, sep) in [
            ("ana.ruiz&#64;fabrikam.example", "&#64;"),
            ("ana.ruiz&#x40;fabrikam.example", "&#x40;"),
            ("ana.ruiz\\u0040fabrikam.example", "\\u0040"),
        ] {
            assert_eq!(s.text(text), a.replace('@', sep), "{text}");
        }
        // review: leading zeros, `&commat;`, encoded dots, three and four levels of encoding
        for (text, want) in [
            ("ana.ruiz&#064;fabrikam.example", a.replace('@', "&#064;")),
            (
                "ana.ruiz&#x0040;fabrikam.example",
                a.replace('@', "&#x0040;"),
            ),
            (
                "ana.ruiz&#0000064;fabrikam.example",
                a.replace('@', "&#0000064;"),
            ),
            (
                "ana.ruiz&commat;fabrikam.example",
                a.replace('@', "&commat;"),
            ),
            (
                "ana.ruiz&amp;#64;fabrikam.example",
                a.replace('@', "&amp;#64;"),
            ),
            ("ana%2Eruiz%40fabrikam%2Eexample", a.replace('@', "%40")),
            ("ana.ruiz%40fabrikam%2eexample", a.replace('@', "%40")),
            ("ana.ruiz%252540fabrikam.example", a.replace('@', "%252540")),
            (
                "ana%25252Eruiz%252540fabrikam%25252Eexample",
                a.replace('@', "%252540"),
            ),
            (
                "ana.ruiz%25252540fabrikam.example",
                a.replace('@', "%25252540"),
            ),
            (
                "u=ana.ruiz%252540fabrikam.example%2526v%253Dbo.li%252540fabrikam.example",
                format!(
                    "u={}%2526v%253D{}",
                    a.replace('@', "%252540"),
                    s.pseudonyms()
                        .address("bo.li@fabrikam.example")
                        .replace('@', "%252540")
                ),
            ),
        ] {
            let t = s.text(text);
            assert_eq!(t, want, "{text}");
            assert_eq!(s.text(&t), t, "{text}: twice");
        }
        // a percent sign before digits is no address; neither is an encoded `@` before one label
        for keep in [
            "100%40 of seats",
            "50%40off",
            "a%40b",
            "%40fabrikam.example",
            "&commat;fabrikam.example",
            "&#0064;",
            "a&#64;b",
            "100%2540off",
            "ana%2525252540fabrikam.example",
        ] {
            assert_eq!(s.text(keep), keep);
        }
    }

    #[test]
    fn guests_lose_the_address_their_upn_or_nickname_spells() {
        let s = scrubber(&[]);
        let upn = "ana.ruiz_fabrikam.example#EXT#@contoso.onmicrosoft.com";
        let g = s.pseudonyms().address(upn);
        assert!(g.ends_with("#EXT#@redacted.invalid"), "{g}");
        let t = s.text(&format!("Proxy address smtp:{upn} is already being used"));
        assert_eq!(t, format!("Proxy address smtp:{g} is already being used"));
        assert!(!t.to_lowercase().contains("fabrikam"), "{t}");
        // the UPN percent-encoded in a URL: the same pseudonym, encoded
        assert_eq!(
            s.text("users/ana.ruiz_fabrikam.example%23EXT%23%40contoso.onmicrosoft.com/x"),
            format!("users/{}/x", g.replace('#', "%23").replace('@', "%40"))
        );
        // the mail nickname alone, without the tenant
        let nick = s.text("mailNickname ana.ruiz_fabrikam.example#EXT# set");
        assert!(
            !nick.contains("ana.ruiz") && !nick.contains("fabrikam"),
            "{nick}"
        );
        assert!(nick.starts_with("mailNickname user-") && nick.ends_with("#EXT# set"));
        assert_eq!(s.text(&nick), nick);
        let enc = s.text("ana.ruiz_fabrikam.example%23EXT%23");
        assert_eq!(
            enc,
            nick["mailNickname ".len()..nick.len() - 4].replace('#', "%23")
        );
        // an underscore that spells no guest stays
        assert_eq!(s.text("EXCHANGE_S_STANDARD"), "EXCHANGE_S_STANDARD");
    }

    #[test]
    fn x500_paths_become_the_proxy_field_pseudonym() {
        let s = scrubber(&[]);
        let p = s.pseudonyms();
        let exo = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=0a1b2c3d4e5f40718293a4b5c6d7e8f9-ana.ruiz";
        let field = p.proxy(&format!("X500:{exo}"));
        let pseudonym = field.strip_prefix("X500:").expect("prefix kept");
        assert_eq!(
            s.text(&format!("Proxy address X500:{exo} is already being used")),
            format!("Proxy address {field} is already being used")
        );
        // the prefix as written, and a legacyExchangeDN without one: the same pseudonym
        assert_eq!(
            s.text(&format!("x500:{}", exo.to_uppercase())),
            format!("x500:{pseudonym}")
        );
        assert_eq!(
            s.text(&format!("legacyExchangeDN {exo}.")),
            format!("legacyExchangeDN {pseudonym}.")
        );
        // a name with spaces after the hex, then Microsoft's words again
        let named = "/o=Contoso/ou=First Administrative Group/cn=Recipients/cn=Ana Ruiz";
        assert_eq!(
            s.text(&format!("X500:{named} is already being used")),
            format!(
                "{} is already being used",
                p.proxy(&format!("X500:{named}"))
            )
        );
        let bare = s.text("old DN /cn=Recipients/cn=anaruiz kept");
        assert!(
            bare.starts_with("old DN addr-") && bare.ends_with(" kept"),
            "{bare}"
        );
        // the IMCEAEX form of an NDR is an address: its name part goes
        let ndr = s.text("IMCEAEX-_O=MMS_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP+20+28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=Ana+20Ruiz6ed4e168@mgd.fabrikam.example");
        assert!(
            !ndr.contains("Ana") && ndr.contains("@redacted.invalid"),
            "{ndr}"
        );
        // cn= outside an X.500 path is left alone, and so is a URL's path of o= and cn=
        for keep in [
            "CN=Configuration,DC=fabrikam,DC=com",
            "cn=Recipients",
            "https://host.example/cn=y/o=x",
            "https://aka.ms/o=docs/cn=abc",
            "see https://aka.ms/o=docs/cn=abc and aka.ms/o=x/ou=y/cn=z.",
            "/cn=Configuration/cn=Servers/cn=EXCH01",
        ] {
            assert_eq!(s.text(keep), keep);
        }
    }

    #[test]
    fn other_proxy_types_keep_their_prefix() {
        let s = scrubber(&[]);
        let p = s.pseudonyms();
        for (field, tail) in [
            (
                "X400:C=US;A= ;P=Fabrikam;O=Exchange;S=Ruiz;G=Ana;",
                " in use",
            ),
            ("EUM:4255550100;phone-context=dp.fabrikam.example", "."),
            ("sms:+14255550100", ", kept"),
            ("FAX:+14255550100", ""),
            ("FAX:+1 (425) 555-0100", " is already being used"),
            ("fax:+1 425 555 0103", "."),
            ("SIP:ana.ruiz@fabrikam.example", " in use"),
        ] {
            let want = format!("address {}{tail}", p.proxy(field));
            let t = s.text(&format!("address {field}{tail}"));
            assert_eq!(t, want, "{field}");
            assert_eq!(s.text(&t), t, "{field}: twice");
        }
        // an address type's name in a sentence is not one
        for keep in [
            "Fax: see below",
            "EUM: enabled",
            "Phone System (MCOEV) for fax",
        ] {
            assert_eq!(s.text(keep), keep);
        }
    }

    #[test]
    fn domains_without_a_dot_but_not_at_signs_of_sentences() {
        let s = scrubber(&[]);
        let p = s.pseudonyms();
        assert_eq!(
            s.text("Proxy address SMTP:ana@localhost is already being used"),
            format!(
                "Proxy address SMTP:{} is already being used",
                p.address("ana@localhost")
            )
        );
        assert_eq!(
            s.text("by ana@fabrikam."),
            format!("by {}.", p.address("ana@fabrikam"))
        );
        assert_eq!(
            p.proxy("smtp:ana@fabrikam"),
            format!("smtp:{}", p.address("ana@fabrikam"))
        );
        assert!(is_address("ana@fabrikam") && !is_address("ana%40fabrikam.example"));
        for keep in [
            "meet @ 10:00",
            "@mention",
            "ping @ana",
            "x@1",
            "3@5",
            "a @b",
            "ana@",
            "@",
            "@@",
            "Licenses being added: [ENTERPRISEPACK]",
        ] {
            assert_eq!(s.text(keep), keep);
        }
    }

    #[test]
    fn brackets_keep_plan_names_beside_the_new_shapes() {
        let s = scrubber(&["Ana Ruiz"]);
        let text = "Proxy address X500:/o=x/ou=y/cn=Recipients/cn=Ana Ruiz is already being used for SKU [ENTERPRISEPACK]. Licenses being added: [ENTERPRISEPACK, EMS]";
        let t = s.error_text(text);
        assert!(t.ends_with(
            " is already being used for SKU [ENTERPRISEPACK]. Licenses being added: [ENTERPRISEPACK, EMS]"
        ), "{t}");
        assert!(!t.contains("Ana"), "{t}");
    }

    #[test]
    fn many_addresses_in_one_text_are_all_replaced() {
        let s = scrubber(&["Ana Ruiz"]);
        let text: String = (0..2000)
            .map(|i| {
                format!(
                    "u{i}@fabrikam.example u{i}%40x.example Ana Ruiz 10.0.{}.{} ",
                    i / 250,
                    i % 250
                )
            })
            .collect();
        let t = s.text(&text);
        assert!(!t.contains("fabrikam") && !t.contains("x.example") && !t.contains("Ana"));
        assert!(!t.contains("10.0."));
    }

    /// What the property below found once: two encoded addresses glued into one token (the
    /// first was left), an EUM address running into an X.500 path after a slash (not replaced
    /// the same way twice), a last `cn=` value ending in `=` (the path was not replaced).
    #[test]
    fn glued_shapes_the_property_found() {
        let s = scrubber(&[]);
        for text in [
            "ana.ruiz%40fabrikam.exampleana.ruiz%40fabrikam.example ",
            "EUM:4255550100;phone-context=dp.fabrikam.example/X500:/o=ExchangeLabs/ou=E (F)/cn=Recipients/cn=0a1b-ana.ruiz. ",
            "X500:/o=x/ou=y/cn=Recipients/cn=0a1b-ana.ruiz/https://x.example/?upn= ",
        ] {
            let once = s.text(text);
            assert!(!once.contains("ana.ruiz") && !once.contains("4255550100"), "{once}");
            assert_eq!(s.text(&once), once, "{text}");
        }
    }

    proptest::proptest! {
        /// Any text: no panic, and a second scrub changes nothing. Pieces written apart (by a
        /// space or punctuation) leave nothing personal; glued into one word, a display name, an
        /// IP address or a proxy prefix is not one any more (they are looked for word-bounded),
        /// but no address or X.500 path is left.
        #[test]
        fn scrubbing_never_panics_and_is_idempotent(
            parts in proptest::collection::vec((0usize..PIECES.len(), 0usize..SEPARATORS.len()), 0..12),
            noise in "\\PC{0,40}",
        ) {
            let s = scrubber_with(
                &["Ana Ruiz", "Sales Team", "Zo\u{eb} \u{dc}nal", "李娜", "Olu O'Neil"],
                &[MARIA_X500, "+1 (425) 555-0100", "ana.ruiz@fabrikam.example"],
            );
            let mut text = String::new();
            let (mut glued, mut slashed) = (false, false);
            for (i, sep) in parts {
                text.push_str(PIECES[i]);
                text.push_str(SEPARATORS[sep]);
                // an apostrophe is part of a local part (`o'brien@`): a pseudonym and an address
                // joined by one read as one address the second time
                glued |= SEPARATORS[sep].is_empty() || SEPARATORS[sep] == "'";
                // `word/1.2.3.4` reads as a version (`Chrome/129.0.0.0`), not an IP address
                slashed |= SEPARATORS[sep] == "/";
            }
            let once = s.text(&text);
            let _ = s.error_text(&text);
            let noisy = s.text(&format!("{noise}{text}{noise}"));
            let _ = s.text(&noisy);
            let _ = s.error_text(&noise);
            if !glued {
                proptest::prop_assert_eq!(&s.text(&once), &once, "{:?}", text);
            }
            let secrets: &[&str] = if glued {
                // a proxy prefix glued to a word is none (`museum:`)
                &["ana.ruiz", "anaruiz", "ana%2eruiz", "ana%2Eruiz"]
            } else if slashed {
                &["ana.ruiz", "anaruiz", "ana%2Eruiz", "4255550100", "555-0100", "de la Cruz",
                  "李娜", "\u{dc}nal", "U\u{308}nal", "O\u{2019}Neil"]
            } else {
                &["ana.ruiz", "anaruiz", "ana%2Eruiz", "Ana Ruiz", "4255550100", "203.0.113.7",
                  "555-0100", "de la Cruz", "李娜", "\u{dc}nal", "U\u{308}nal", "O\u{2019}Neil"]
            };
            for secret in secrets {
                proptest::prop_assert!(!once.contains(secret), "{:?} -> {:?}", text, once);
            }
            // a URL's path of o= and cn= is no X.500 path
            if !glued && !slashed && text.contains(AKA_MS) {
                proptest::prop_assert!(once.contains(AKA_MS), "{:?} -> {:?}", text, once);
            }
        }
    }

    const MARIA_X500: &str = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=María de la Cruz";
    const AKA_MS: &str = "https://aka.ms/o=docs/cn=abc";

    const PIECES: [&str; 34] = [
        "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=María de la Cruz",
        "FAX:+1 (425) 555-0100",
        "fax:+1 425 555-0100",
        "Zoe\u{308} U\u{308}nal",
        "Zo\u{eb} \u{dc}nal",
        "李娜",
        "Olu O\u{2019}Neil",
        "ana.ruiz&#064;fabrikam.example",
        "ana.ruiz&commat;fabrikam.example",
        "ana%2Eruiz%40fabrikam%2Eexample",
        "ana.ruiz%252540fabrikam.example",
        AKA_MS,
        "ana.ruiz@fabrikam.example",
        "ana.ruiz%40fabrikam.example",
        "ana.ruiz%2540fabrikam.example",
        "ana.ruiz&#64;fabrikam.example",
        "ana.ruiz_fabrikam.example#EXT#@contoso.onmicrosoft.com",
        "ana.ruiz_fabrikam.example#EXT#",
        "ana.ruiz_fabrikam.example%23EXT%23",
        "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=0a1b2c3d-ana.ruiz",
        "/o=First Organization/cn=Recipients/cn=anaruiz",
        "X400:C=US;A= ;P=Fabrikam;O=Exchange;S=Ruiz;G=Ana;",
        "EUM:4255550100;phone-context=dp.fabrikam.example",
        "SMTP:ana.ruiz@localhost",
        "Ana Ruiz",
        "203.0.113.7",
        "Proxy address",
        "is already being used",
        "[ENTERPRISEPACK]",
        "https://x.example/?upn=",
        "smtp:",
        "(",
        ")",
        "Licenses being added:",
    ];

    const SEPARATORS: [&str; 8] = [" ", "", ". ", "; ", ", ", "\n", "/", "'"];
}
