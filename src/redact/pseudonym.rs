//! Keyed pseudonyms: HMAC-SHA256 of `kind:value` (value trimmed and lower-cased), cut to 10 hex
//! characters. One function per kind of personal data, so that equal values always give equal
//! pseudonyms (an address has the same pseudonym as a UPN, a proxy address or inside an error text),
//! which keeps joins and duplicate-address detection working on redacted data.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;

/// How many hex characters of the HMAC a pseudonym keeps.
pub const HASH_LEN: usize = 10;

/// The domain every pseudonymized address gets (`.invalid` is reserved: it can never be delivered).
pub const REDACTED_DOMAIN: &str = "redacted.invalid";

/// What a value is; part of the hashed text, so a name and an address that happen to be spelled the
/// same get different pseudonyms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An e-mail-like address: UPN, mail, SMTP proxy address, an address inside free text.
    Address,
    /// A display name (user, group, target, actor).
    Name,
    /// An IP address.
    Ip,
    /// A proxy address that is not e-mail-like (`X500:/o=...`), after its prefix; a
    /// legacyExchangeDN (an X.500 path without the prefix) in free text.
    Other,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Address => "mail",
            Kind::Name => "name",
            Kind::Ip => "ip",
            Kind::Other => "addr",
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            Kind::Address => "user-",
            Kind::Name => "name-",
            Kind::Ip => "ip-",
            Kind::Other => "addr-",
        }
    }
}

/// The keyed hash behind every pseudonym.
#[derive(Clone)]
pub struct Pseudonyms {
    key: Vec<u8>,
}

impl Pseudonyms {
    pub fn new(key: Vec<u8>) -> Pseudonyms {
        Pseudonyms { key }
    }

    /// The first [`HASH_LEN`] hex characters of HMAC-SHA256(key, `kind:` and the value as
    /// [`canonical`] writes it: trimmed, composed, lower-cased).
    pub fn hash(&self, kind: Kind, value: &str) -> String {
        // HMAC takes keys of any length (longer keys are hashed, shorter ones padded): this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC accepts keys of any length");
        mac.update(kind.tag().as_bytes());
        mac.update(b":");
        mac.update(canonical(kind, value).as_bytes());
        let bytes = mac.finalize().into_bytes();
        let mut hex = String::with_capacity(HASH_LEN);
        for b in bytes.iter().take(HASH_LEN / 2) {
            hex.push_str(&format!("{b:02x}"));
        }
        hex
    }

    /// `user-<hash>@redacted.invalid` for an address (an `smtp:` prefix is not part of the address).
    /// A guest UPN keeps its `#EXT#` marker (`user-<hash>#EXT#@redacted.invalid`) so guests stay
    /// recognizable. Already-redacted values are returned unchanged.
    pub fn address(&self, value: &str) -> String {
        let t = value.trim();
        if is_pseudonym(t) {
            return t.to_string();
        }
        let bare = strip_smtp(t);
        let h = self.hash(Kind::Address, bare);
        let guest = bare
            .split_once('@')
            .is_some_and(|(local, _)| local.to_ascii_lowercase().contains("#ext#"));
        if guest {
            format!("{}{h}#EXT#@{REDACTED_DOMAIN}", Kind::Address.prefix())
        } else {
            format!("{}{h}@{REDACTED_DOMAIN}", Kind::Address.prefix())
        }
    }

    /// `name-<hash>` for a display name.
    pub fn name(&self, value: &str) -> String {
        self.simple(Kind::Name, value)
    }

    /// `ip-<hash>` for an IP address.
    pub fn ip(&self, value: &str) -> String {
        self.simple(Kind::Ip, value)
    }

    /// A proxy address: the `smtp:` / `SMTP:` (or any other) prefix is kept, an e-mail-like rest gets
    /// the address pseudonym (the same as the bare address), any other rest `addr-<hash>`.
    pub fn proxy(&self, value: &str) -> String {
        let t = value.trim();
        if is_pseudonym(t) {
            return t.to_string();
        }
        match proxy_prefix(t) {
            Some((prefix, rest)) => {
                if is_pseudonym(rest) {
                    t.to_string()
                } else {
                    format!("{prefix}:{}", self.proxy_value(rest))
                }
            }
            None => self.proxy_value(t),
        }
    }

    /// What a proxy address becomes after its prefix: an e-mail-like value the address pseudonym,
    /// any other (an X.500 path, an X.400 or EUM address, a legacyExchangeDN) `addr-<hash>`. Free
    /// text gets the same for the same value ([`super::text::Scrubber`]), with or without prefix.
    pub fn proxy_value(&self, value: &str) -> String {
        let t = value.trim();
        if t.contains('@') {
            self.address(t)
        } else {
            self.simple(Kind::Other, t)
        }
    }

    /// `user-<hash>#EXT#` for a guest's mail nickname (`ana_fabrikam.example#EXT#`, the part of a
    /// guest UPN before the `@`) met without its tenant domain: the marker stays, the external
    /// address it spells goes.
    pub fn guest_nickname(&self, value: &str) -> String {
        format!(
            "{}{}#EXT#",
            Kind::Address.prefix(),
            self.hash(Kind::Address, value)
        )
    }

    fn simple(&self, kind: Kind, value: &str) -> String {
        let t = value.trim();
        if is_pseudonym(t) {
            return t.to_string();
        }
        format!("{}{}", kind.prefix(), self.hash(kind, t))
    }
}

/// Whether two values of `kind` get one pseudonym (they are the same once trimmed, composed and
/// lower-cased, as [`canonical`] writes them): `diff` compares names this way, so that what it
/// calls a rename is one with and without `--redact`.
pub fn same(kind: Kind, a: &str, b: &str) -> bool {
    canonical(kind, a) == canonical(kind, b)
}

/// What the hash of a value is taken over: trimmed, composed (NFC: a name stored decomposed, as a
/// macOS folder name is, gets the pseudonym of the composed one), lower-cased; a display name's
/// typographic apostrophes, hyphens and spaces made plain (`O’Neil` is `O'Neil`), as free text is
/// searched for it that way ([`super::known`]).
fn canonical(kind: Kind, value: &str) -> String {
    let t = value.trim();
    let composed: std::borrow::Cow<'_, str> = if t.is_ascii() {
        t.into()
    } else {
        t.nfc().collect::<String>().into()
    };
    let low = composed.to_lowercase();
    if kind == Kind::Name && !low.is_ascii() {
        low.chars().map(super::known::plain_punct).collect()
    } else {
        low
    }
}

fn strip_smtp(s: &str) -> &str {
    match s.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("smtp:") => s.get(5..).unwrap_or("").trim(),
        _ => s,
    }
}

/// `SMTP:a@b` -> (`SMTP`, `a@b`); the prefix is a short run of letters and digits.
pub(super) fn proxy_prefix(s: &str) -> Option<(&str, &str)> {
    let (p, rest) = s.split_once(':')?;
    let ok = !p.is_empty() && p.len() <= 12 && p.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then_some((p, rest.trim()))
}

/// Whether a value is already a pseudonym (`user-…@redacted.invalid`, `name-…`, `ip-…`, `addr-…`).
pub fn is_pseudonym(s: &str) -> bool {
    fn hex_after<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
        let rest = s.strip_prefix(prefix)?;
        let h = rest.get(..HASH_LEN)?;
        h.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            .then(|| rest.get(HASH_LEN..).unwrap_or(""))
    }
    if let Some(rest) = hex_after(s, Kind::Address.prefix()) {
        let domain = rest.strip_prefix("#EXT#").unwrap_or(rest);
        return domain.strip_prefix('@') == Some(REDACTED_DOMAIN);
    }
    [Kind::Name, Kind::Ip, Kind::Other]
        .iter()
        .any(|k| hex_after(s, k.prefix()) == Some(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str) -> Pseudonyms {
        Pseudonyms::new(key.as_bytes().to_vec())
    }

    /// `same` says two values are one exactly when they get one pseudonym.
    #[test]
    fn same_is_one_pseudonym() {
        let r = p("k1");
        for (kind, a, b) in [
            (Kind::Name, "Sofia Greco", " sofia greco "),
            (Kind::Name, "O\u{2019}Neil", "o'neil"),
            (Kind::Name, "Sofia Greco", "Sofia Bianchi"),
            (Kind::Address, "Kai@Contoso.example", "kai@contoso.example"),
            (
                Kind::Address,
                "kai.nakamura@contoso.example",
                "kai.tanaka@contoso.example",
            ),
        ] {
            let one = match kind {
                Kind::Address => r.address(a) == r.address(b),
                _ => r.name(a) == r.name(b),
            };
            assert_eq!(same(kind, a, b), one, "{a} / {b}");
        }
    }

    #[test]
    fn addresses_are_equal_whatever_their_spelling() {
        let r = p("k1");
        let a = r.address("Jamie.Lindqvist@fabrikam.example");
        assert_eq!(a, r.address(" jamie.lindqvist@FABRIKAM.example "));
        assert_eq!(a, r.address("smtp:jamie.lindqvist@fabrikam.example"));
        assert!(
            a.starts_with("user-") && a.ends_with("@redacted.invalid"),
            "{a}"
        );
        assert_eq!(
            a.len(),
            "user-".len() + HASH_LEN + "@redacted.invalid".len()
        );
        assert_eq!(
            r.proxy("smtp:Jamie.Lindqvist@fabrikam.example"),
            format!("smtp:{a}")
        );
        assert_eq!(
            r.proxy("SMTP:jamie.lindqvist@fabrikam.example"),
            format!("SMTP:{a}")
        );
    }

    #[test]
    fn keys_and_kinds_separate_pseudonyms() {
        assert_ne!(p("k1").name("Ana Admin"), p("k2").name("Ana Admin"));
        assert_eq!(p("k1").name("Ana Admin"), p("k1").name("ana admin"));
        assert_ne!(
            p("k1").hash(Kind::Name, "x"),
            p("k1").hash(Kind::Address, "x")
        );
        assert!(p("k1").ip("203.0.113.10").starts_with("ip-"));
    }

    /// Review: a name stored decomposed (a macOS folder) or with a typographic apostrophe got
    /// another pseudonym than the same name in users.json.
    #[test]
    fn names_are_hashed_composed_with_plain_apostrophes() {
        let r = p("k");
        let nfc = r.name("Zo\u{eb} \u{dc}nal");
        assert_eq!(r.name("Zoe\u{308} U\u{308}nal"), nfc);
        assert_eq!(r.name("ZOË ÜNAL"), nfc);
        assert_eq!(r.name("Olu O\u{2019}Neil"), r.name("Olu O'Neil"));
        assert_ne!(r.name("Zoe Unal"), nfc);
        // an address keeps its apostrophe as written; composed all the same
        assert_ne!(
            r.address("o\u{2019}neil@x.example"),
            r.address("o'neil@x.example")
        );
        assert_eq!(
            r.address("ju\u{308}rgen@x.example"),
            r.address("jürgen@x.example")
        );
    }

    #[test]
    fn guests_keep_their_marker_and_pseudonyms_are_stable() {
        let r = p("k");
        let g = r.address("pat_partner.example#EXT#@fabrikam.onmicrosoft.com");
        assert!(g.ends_with("#EXT#@redacted.invalid"), "{g}");
        assert!(is_pseudonym(&g));
        assert_eq!(r.address(&g), g);
        let n = r.name("Ana Admin");
        assert_eq!(r.name(&n), n);
        assert!(!is_pseudonym("name-short"));
        assert!(!is_pseudonym("user-0123456789@example.com"));
        assert!(r
            .proxy("X500:/o=ExchangeLabs/cn=ana")
            .starts_with("X500:addr-"));
    }
}
