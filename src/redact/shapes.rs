//! The shapes of personal addresses inside free text besides plain `name@domain.tld`, found by the
//! [`super::text::Scrubber`]: an `@` written encoded (`%40` in a URL, `%2540` encoded twice and up
//! to four times, `&#64;` with any leading zeros, `&#x40;`, `&commat;`, `\u0040`; the domain's dots
//! maybe percent-encoded too), a domain without a dot (`ana@fabrikam`, literal `@` only), a guest's mail nickname
//! without its tenant (`ana_fabrikam.example#EXT#`), X.500 paths (X500 proxy addresses,
//! legacyExchangeDN: `/o=ExchangeLabs/ou=…/cn=Recipients/cn=…-ana`), and the proxy addresses
//! that are not e-mail-like and may hold a name or a telephone number (`X400:…;S=Ruiz;G=Ana;`,
//! `EUM:`, `SMS:`, `FAX:`).
//!
//! Each is read in one linear pass (a regex, or a walk bounded per start), never by trying every
//! position against every other.

use regex::Regex;
use std::sync::OnceLock;

/// A domain of two or more labels (`fabrikam.example`, `bücher.example`).
const DOTTED: &str = r"[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?)+";

/// A domain of one label, starting with a letter (`fabrikam`, `localhost`): `x@1`, `3@5` are not
/// addresses.
const DOTLESS: &str = r"\p{L}(?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?";

/// A local part: quoted (`"first last"`), or letters, digits (any script) and `._%+'#&~-`.
const LOCAL: &str = r#""(?:[^"\\\r\n]|\\.){1,64}"|[\p{L}\p{N}_%+#&~][\p{L}\p{N}\p{M}._%+'#&~-]*"#;

/// The most times an `@` (or a `#`, a `.`) is read percent-encoded: `%40` once, `%2540` twice,
/// `%252540` three times, `%25252540` four.
pub const MAX_PERCENT_LEVELS: usize = 4;

/// A percent-escape in an encoded local part, other than an encoded `@` (`%40`, `%2540`, ...): an
/// address glued after another one in a URL is not read as one local part spelling both.
const PCT: &str = r"%(?:25){0,3}(?:[0135-9A-Fa-f][0-9A-Fa-f]|2[0-46-9A-Fa-f]|4[1-9A-Fa-f])";

/// A domain of two or more labels whose dots may be percent-encoded (`fabrikam%2Eexample`).
const EDOTTED: &str = r"[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?(?:(?:\.|%(?:25){0,3}2[eE])[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?)+";

/// An `@` written encoded: percent-encoded one to four times, an HTML entity (decimal or hex with
/// any leading zeros, `&commat;`; its `&` maybe escaped again as `&amp;`), a JSON escape.
const ENCODED_AT: &str = r"%(?:25){0,3}40|&(?:amp;)?(?:#0*64|#[xX]0*40|commat);|\\u0040";

/// An address. Groups: `local` and `domain` after a literal `@` (dotted, or one label); or
/// `elocal`, `sep`, an encoded `@` ([`ENCODED_AT`]), and `edomain` after it (dotted only, its dots
/// maybe percent-encoded: `100%40off` is no address).
pub fn email_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"(?P<local>{LOCAL})@(?P<domain>{DOTTED}|{DOTLESS})|(?P<elocal>(?:[\p{{L}}\p{{N}}_+#&~]|{PCT})(?:[\p{{L}}\p{{N}}\p{{M}}._+'#&~-]|{PCT})*)(?P<sep>{ENCODED_AT})(?P<edomain>{EDOTTED})"
        ))
        .expect("static regex is valid")
    })
}

/// A guest's mail nickname, `<local>_<domain>#EXT#` (the `#` maybe percent-encoded), met without
/// the `@tenant` that makes it a UPN.
pub fn guest_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"(?i)[\p{{L}}\p{{N}}][\p{{L}}\p{{N}}\p{{M}}._%+'&~-]*_{DOTTED}(?:#|%(?:25){{0,3}}23)EXT(?:#|%(?:25){{0,3}}23)"
        ))
        .expect("static regex is valid")
    })
}

/// A proxy address that is not e-mail-like, after its prefix (group `value`): X.400 (`key=value;`
/// pairs, values may hold spaces), or a unified-messaging, SMS or fax address (up to the next
/// space, slash or delimiter).
pub fn prefixed_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?i)\b(?:x400:(?P<x400>(?:[a-z][a-z0-9-]{0,7}=[^;\r\n"<>]*;)+)|(?:eum|sms|fax):(?P<value>[^\s"'<>,\[\]{}|/]+))"#,
        )
        .expect("static regex is valid")
    })
}

/// A fax or SMS number written in groups (`FAX:+1 (425) 555-0100`), after its prefix (group
/// `phone`): a country or area code of up to six digits, then up to five groups after single
/// spaces, each starting with a digit or `(` (`is already`, a word, ends it).
pub fn phone_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:sms|fax):(?P<phone>\+?\(?\d{1,6}\)?(?: \(?\d[\d().-]*){1,5})")
            .expect("static regex is valid")
    })
}

/// The most digits a telephone number has (E.164).
const MAX_PHONE_DIGITS: usize = 15;

/// The number [`phone_re`] found: its groups while they hold at most [`MAX_PHONE_DIGITS`] digits
/// together and none reads as an IP address (three dots), without the sentence's punctuation
/// after it; `None` when fewer than two groups are left (one is the plain proxy value).
pub fn phone_number(found: &str) -> Option<&str> {
    let mut digits = 0;
    let mut end = 0;
    let mut groups = 0;
    for g in found.split(' ') {
        let d = g.chars().filter(char::is_ascii_digit).count();
        if digits + d > MAX_PHONE_DIGITS || g.matches('.').count() >= 3 {
            break;
        }
        digits += d;
        groups += 1;
        end += if groups == 1 { g.len() } else { g.len() + 1 };
    }
    let v = found.get(..end)?;
    let opens = v.contains('(');
    let v = v.trim_end_matches(|c: char| matches!(c, '.' | '-') || (c == ')' && !opens));
    (groups >= 2 && v.contains(' ')).then_some(v)
}

/// Where an X.500 path may start: `/o=`, `/ou=`, `/cn=`.
fn x500_start_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)/(?:o|ou|cn)=").expect("static regex is valid"))
}

/// How many times an encoded `@` was percent-encoded: `%40` once, `%2540` twice, `%252540` three
/// times; an entity or escape none.
pub fn percent_levels(sep: &str) -> usize {
    match sep.strip_prefix('%') {
        Some(r) => 1 + r.len().saturating_sub(2) / 2,
        None => 0,
    }
}

/// A domain whose dots were percent-encoded, decoded (as many times as it holds escapes, at most
/// [`MAX_PERCENT_LEVELS`]).
pub fn decode_domain(d: &str) -> String {
    let mut bytes = d.as_bytes().to_vec();
    for _ in 0..MAX_PERCENT_LEVELS {
        if !bytes.contains(&b'%') {
            break;
        }
        bytes = percent_decode(&bytes).0;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` decoded once: the bytes, and where in `raw` each one's writing starts.
fn percent_decode(raw: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::with_capacity(raw.len());
    let mut at = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        let pair =
            (raw.get(i + 1).copied().and_then(hex)).zip(raw.get(i + 2).copied().and_then(hex));
        match pair {
            Some((h, l)) if b == b'%' => {
                out.push(h * 16 + l);
                at.push(i);
                i += 3;
            }
            _ => {
                out.push(b);
                at.push(i);
                i += 1;
            }
        }
    }
    (out, at)
}

/// A percent-encoded local part (or guest nickname) decoded `levels` times, cut after the last
/// character no address holds (`upn%3Dana.ruiz` -> `ana.ruiz`: an encoded `=`, `/`, `:` or space
/// of the URL around it): where in `raw` the address starts, and its decoded text. `None` when
/// nothing is left.
pub fn decode_local(raw: &str, levels: usize) -> Option<(usize, String)> {
    let mut bytes = raw.as_bytes().to_vec();
    let mut at: Vec<usize> = (0..bytes.len()).collect();
    for _ in 0..levels {
        let (b, a) = percent_decode(&bytes);
        at = a
            .into_iter()
            .map(|i| at.get(i).copied().unwrap_or(raw.len()))
            .collect();
        bytes = b;
    }
    let foreign = |b: &u8| b.is_ascii() && !b.is_ascii_alphanumeric() && !b"._%+'#&~-_".contains(b);
    let from = bytes.iter().rposition(foreign).map_or(0, |i| i + 1);
    let start = *at.get(from)?;
    let text = String::from_utf8_lossy(bytes.get(from..)?).into_owned();
    Some((start, text))
}

/// A pseudonym written the way the text wrote the address it replaces: `@` as the separator was
/// (`%40`, `&#64;`, ...) and, percent-encoded, the guest marker's `#` too.
pub fn encode_like(pseudonym: &str, sep: &str, levels: usize) -> String {
    let hash = match levels {
        0 => "#".to_string(),
        n => format!("%{}23", "25".repeat(n - 1)),
    };
    pseudonym.replace('#', &hash).replace('@', sep)
}

/// The guest marker's encoding in a nickname (`…#EXT#`, `…%23EXT%23`, `…%2523EXT%2523`): how many
/// times its `#` was percent-encoded.
pub fn guest_levels(nickname: &str) -> usize {
    match nickname.rfind('%') {
        Some(i) if !nickname.ends_with('#') => percent_levels(nickname.get(i..).unwrap_or("")),
        _ => 0,
    }
}

/// The most components one X.500 path is read with (the longest real ones have five or six).
const MAX_COMPONENTS: usize = 16;

/// The longest `o=` / `ou=` value (they may hold spaces: `Exchange Administrative Group (…)`).
const MAX_WIDE_VALUE: usize = 256;

/// How many more words a last `cn=` value may take after a space (`…-DL UG COF T`, `Ana Ruiz`).
const MAX_NAME_WORDS: usize = 6;

/// Characters that end any value of a path.
fn hard_stop(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '<' | '>' | '|' | ';' | ',' | '[' | ']' | '{' | '}' | '\\' | '`'
        )
}

/// The key of a component starting at `s` (just after a `/`): its length with the `=`.
fn component_key(s: &str) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    let lower = |i: usize| b.get(i).map(u8::to_ascii_lowercase);
    match (lower(0), lower(1), lower(2)) {
        (Some(b'o'), Some(b'='), _) => Some((2, false)),
        (Some(b'o'), Some(b'u'), Some(b'=')) => Some((3, false)),
        (Some(b'c'), Some(b'n'), Some(b'=')) => Some((3, true)),
        _ => None,
    }
}

/// Whether a component starts at byte `i` of `s` (a `/` followed by `o=`, `ou=` or `cn=`).
fn component_at(s: &str, i: usize) -> bool {
    s.get(i..).is_some_and(|r| r.starts_with('/'))
        && s.get(i + 1..).and_then(component_key).is_some()
}

/// A word that may continue a name in a last `cn=` value: starts with a capital or a digit, holds
/// letters, digits and `-.'_&()` only, and is not a word of Microsoft's error texts (`Proxy`,
/// `Licenses`).
fn name_word(w: &str) -> bool {
    let starts = w
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    let chars = w
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '\'' | '_' | '&' | '(' | ')'));
    let bare = w
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    starts && chars && !super::text::ERROR_WORDS.contains(&bare.as_str())
}

/// The end (byte) of a last `cn=` value starting at `from`: up to a space or delimiter (a `/`
/// that starts no component is part of it), then a few more capitalized words after single
/// spaces, without the sentence's punctuation after it.
fn last_value_end(s: &str, from: usize) -> usize {
    let token_end = |at: usize| {
        s.get(at..)
            .and_then(|r| {
                r.char_indices()
                    .find(|&(_, c)| hard_stop(c))
                    .map(|(i, _)| at + i)
            })
            .unwrap_or(s.len())
    };
    let mut end = token_end(from);
    for _ in 0..MAX_NAME_WORDS {
        if s.get(end..).is_none_or(|r| !r.starts_with(' ')) {
            break;
        }
        let next = token_end(end + 1);
        match s.get(end + 1..next) {
            Some(w) if !w.is_empty() && name_word(w) => end = next,
            _ => break,
        }
    }
    // the sentence's punctuation, a closing quote or bracket the value does not open
    let value = s.get(from..end).unwrap_or("");
    let opens = value.contains('(');
    let kept = value.trim_end_matches(|c: char| {
        matches!(c, '.' | ':' | '!' | '?' | '\'' | '/') || (c == ')' && !opens)
    });
    from + kept.len()
}

/// Whether an X.500 path starting at byte `start` stands on its own there: at the start of the
/// text, or after a space, a quote, an opening bracket or a delimiter (`X500:`, `dn=`, `;`, `,`,
/// `|`, `>`), not inside a word, a host or a URL path (`https://aka.ms/o=docs/cn=abc`).
fn stands_alone(s: &str, start: usize) -> bool {
    s.get(..start)
        .and_then(|p| p.chars().next_back())
        .is_none_or(|c| {
            c.is_whitespace()
                || matches!(
                    c,
                    '"' | '\''
                        | '`'
                        | '('
                        | '['
                        | '{'
                        | '<'
                        | '>'
                        | ':'
                        | '='
                        | ';'
                        | ','
                        | '|'
                        | '\u{2018}'
                        | '\u{201C}'
                        | '\u{AB}'
                )
        })
}

/// The X.500 paths in `s` (byte ranges, the leading `/` to the end of the last `cn=` value): a
/// path of `/o=`, `/ou=`, `/cn=` components that stands alone ([`stands_alone`]), starts with `o=`
/// or `ou=` and holds a `cn=`; or, wherever it starts (glued to an address or inside a URL too),
/// holds `cn=Recipients` and a `cn=` after it: that is Exchange's, never a web site's.
pub fn x500_paths(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut done = 0;
    for start in x500_starts(s) {
        if start < done {
            continue;
        }
        if let Some(end) = x500_path(s, start) {
            out.push((start, end));
            done = end;
        }
    }
    out
}

/// Where an X.500 path may start in `s`: each `/o=`, `/ou=`, `/cn=`, left to right.
pub fn x500_starts(s: &str) -> impl Iterator<Item = usize> + '_ {
    x500_start_re().find_iter(s).map(|m| m.start())
}

/// The end of the X.500 path starting at `start` (one of [`x500_starts`]), if one does.
pub fn x500_path(s: &str, start: usize) -> Option<usize> {
    x500_path_at(s, start, stands_alone(s, start))
}

/// The end of the X.500 path starting at `start` (a `/`), if it is one; `alone`: it starts on its
/// own ([`stands_alone`]), else only a path holding `cn=Recipients` is one.
fn x500_path_at(s: &str, start: usize, alone: bool) -> Option<usize> {
    let mut at = start;
    let mut keys: Vec<(bool, bool)> = Vec::new(); // (is cn, is cn=Recipients)
    let mut last_end = None;
    for _ in 0..MAX_COMPONENTS {
        let (klen, cn) = component_key(s.get(at + 1..)?)?;
        let vstart = at + 1 + klen;
        let rest = s.get(vstart..)?;
        if cn {
            // no spaces inside a cn before the last: up to a delimiter or the next component
            let mut end = s.len();
            let mut next = None;
            for (i, c) in rest.char_indices() {
                if hard_stop(c) {
                    end = vstart + i;
                    break;
                }
                if c == '/' && component_at(s, vstart + i) {
                    end = vstart + i;
                    next = Some(end);
                    break;
                }
            }
            let value = s.get(vstart..end)?;
            keys.push((true, value.eq_ignore_ascii_case("recipients")));
            match next {
                Some(n) => at = n,
                None => {
                    last_end = Some((vstart, last_value_end(s, vstart)));
                    break;
                }
            }
        } else {
            // o= and ou= values hold spaces and parentheses: up to the next component, within
            // a line and a bounded length, or the path has no cn after them
            let mut next = None;
            for (i, c) in rest.char_indices() {
                if i > MAX_WIDE_VALUE || (c != ' ' && hard_stop(c)) || c == ':' {
                    break;
                }
                if c == '/' && component_at(s, vstart + i) {
                    next = Some(vstart + i);
                    break;
                }
            }
            keys.push((false, false));
            at = next?;
        }
    }
    let (value_start, end) = last_end?;
    let (last_cn, _) = keys.last().copied()?;
    let starts_org = keys.first().is_some_and(|&(cn, _)| !cn);
    let after_recipients = keys
        .iter()
        .position(|&(_, r)| r)
        .is_some_and(|i| i + 1 < keys.len());
    (last_cn && end > value_start && ((starts_org && alone) || after_recipients)).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(s: &str) -> Vec<&str> {
        x500_paths(s)
            .into_iter()
            .map(|(a, b)| s.get(a..b).unwrap_or("?"))
            .collect()
    }

    #[test]
    fn x500_paths_end_where_the_sentence_goes_on() {
        let exo = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=0a1b2c3d4e5f40718293a4b5c6d7e8f9-ana.ruiz";
        assert_eq!(
            paths(&format!("Proxy address X500:{exo} is already being used")),
            vec![exo]
        );
        assert_eq!(paths(&format!("legacyExchangeDN={exo}.")), vec![exo]);
        let spaced = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=6438e74f00604776884c7c3cb8ef174f-DL UG COF T";
        assert_eq!(
            paths(&format!("x500:{spaced}|smtp:a@b.example")),
            vec![spaced]
        );
        assert_eq!(
            paths("(/o=Contoso/ou=First Administrative Group/cn=Recipients/cn=Ana Ruiz) Licenses being added"),
            vec!["/o=Contoso/ou=First Administrative Group/cn=Recipients/cn=Ana Ruiz"]
        );
        assert_eq!(
            paths("X500:/o=x/cn=kai; X500:/o=y/cn=lu"),
            vec!["/o=x/cn=kai", "/o=y/cn=lu"]
        );
        assert_eq!(
            paths("at /cn=Recipients/cn=anaruiz now"),
            vec!["/cn=Recipients/cn=anaruiz"]
        );
        assert_eq!(
            paths("'/o=x/ou=y/cn=Recipients/cn=O'Brien'"),
            vec!["/o=x/ou=y/cn=Recipients/cn=O'Brien"]
        );
        // inside a URL only with cn=Recipients: Exchange's, not a web site's
        assert_eq!(
            paths("https://host.example/o=x/ou=y/cn=Recipients/cn=Ana"),
            vec!["/o=x/ou=y/cn=Recipients/cn=Ana"]
        );
        assert_eq!(
            paths("ana@x.example/o=x/cn=Recipients/cn=ana"),
            vec!["/o=x/cn=Recipients/cn=ana"]
        );
        for (text, path) in [
            ("/o=x/cn=y", "/o=x/cn=y"),
            ("dn=/o=x/cn=y and", "/o=x/cn=y"),
            ("[/o=x/cn=y]", "/o=x/cn=y"),
            ("\"/o=x/cn=y\"", "/o=x/cn=y"),
            ("X500:/o=x/cn=y", "/o=x/cn=y"),
            ("a;/o=x/cn=y", "/o=x/cn=y"),
        ] {
            assert_eq!(paths(text), vec![path], "{text}");
        }
        // a slash that starts no component is part of the name
        assert_eq!(
            paths("/o=x/cn=Sales/Marketing"),
            vec!["/o=x/cn=Sales/Marketing"]
        );
    }

    #[test]
    fn telephone_numbers_in_groups() {
        let number = |s: &str| {
            phone_re()
                .captures(s)
                .and_then(|c| c.name("phone"))
                .and_then(|m| phone_number(m.as_str()))
                .map(str::to_string)
        };
        for (text, want) in [
            (
                "FAX:+1 (425) 555-0100 is already being used",
                "+1 (425) 555-0100",
            ),
            ("fax:+1 425 555 0103.", "+1 425 555 0103"),
            ("(sms:+44 20 7946 0958)", "+44 20 7946 0958"),
            ("SMS:0049 30 1234567, kept", "0049 30 1234567"),
            // the groups after, not the IP address or the date
            ("fax:+1 425 555-0100 203.0.113.7", "+1 425 555-0100"),
            ("fax:+1 425 555-0100 2026-10-05", "+1 425 555-0100"),
        ] {
            assert_eq!(number(text).as_deref(), Some(want), "{text}");
        }
        for text in [
            "FAX:+14255550101 and more",
            "FAX:+14255550101",
            "fax:+1 and",
            "Fax: see below",
            "fax:1 2345678901234567",
            "prefax:+1 425 555 0103",
        ] {
            assert_eq!(number(text), None, "{text}");
        }
    }

    #[test]
    fn not_x500_paths() {
        for s in [
            "cn=Configuration",
            "CN=Ana Ruiz,OU=Users,DC=fabrikam,DC=com",
            "/o=Fabrikam/ou=Sales",
            "/cn=Configuration/cn=Servers/cn=EXCH01",
            "/o=x/cn=",
            "/o=",
            // a URL or a word before it: a web site's path, not Exchange's
            "https://aka.ms/o=docs/cn=abc",
            "https://host.example/o=x/cn=y",
            "see aka.ms/o=docs/cn=abc.",
            "x/o=a/cn=b",
            "a-/o=a/cn=b",
            "/o=a b: c/cn=d",
            "",
        ] {
            assert!(paths(s).is_empty(), "{s}: {:?}", paths(s));
        }
    }

    #[test]
    fn decoding_keeps_the_address_only() {
        assert_eq!(decode_local("ana.ruiz", 1), Some((0, "ana.ruiz".into())));
        assert_eq!(decode_local("upn%3Dana%2Bx", 1), Some((6, "ana+x".into())));
        assert_eq!(decode_local("a%253Db", 2), Some((6, "b".into())));
        assert_eq!(decode_local("a%3D", 1), None);
        assert_eq!(decode_local("%", 1), Some((0, "%".into())));
        assert_eq!(decode_local("j%C3%BCrgen", 1), Some((0, "jürgen".into())));
        assert_eq!(decode_local("a%25252Eb", 3), Some((0, "a.b".into())));
        assert_eq!(decode_domain("fabrikam%2Eexample"), "fabrikam.example");
        assert_eq!(decode_domain("fabrikam%25252Eexample"), "fabrikam.example");
        assert_eq!(decode_domain("fabrikam.example"), "fabrikam.example");
        for (sep, levels) in [
            ("%40", 1),
            ("%2540", 2),
            ("%252540", 3),
            ("%25252540", 4),
            ("&#064;", 0),
            ("&commat;", 0),
        ] {
            assert_eq!(percent_levels(sep), levels, "{sep}");
        }
        assert_eq!(guest_levels("a_b.example%252523EXT%252523"), 3);
        assert_eq!(guest_levels("a_b.example%23EXT%23"), 1);
        assert_eq!(guest_levels("a_b%2Eexample#EXT#"), 0);
        assert_eq!(
            encode_like("user-x#EXT#@r.invalid", "%252540", 3),
            "user-x%252523EXT%252523%252540r.invalid"
        );
        assert_eq!(
            encode_like("user-x#EXT#@r.invalid", "%40", 1),
            "user-x%23EXT%23%40r.invalid"
        );
    }
}
