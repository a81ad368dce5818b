//! PowerShell text for the commands licdiag prints for an administrator to review and paste
//! (`analyze`'s recommendations, `plan`'s steps). Every value from an export goes into a command
//! through [`quote`] (or [`guid`], which also insists on a GUID), never as it stands: a name or id
//! can then only be read back as the one string it is, whatever characters it holds.
//!
//! PowerShell's tokenizer reads more than the ASCII quotes as quotes: U+2018 to U+201B end a
//! single-quoted string as `'` does, and U+201C to U+201E end a double-quoted one as `"` does
//! (what a word processor's "smart quotes" produce). Inside a single-quoted string, a quote of
//! any of the four kinds followed by another stands for the second one, and nothing else is
//! special: so doubling every single-quote character is the whole escape.

use crate::report::escape::is_hidden;

/// Whether PowerShell reads `c` as a single quote (`'`, `‘`, `’`, `‚`, `‛`).
pub fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// Whether PowerShell reads `c` as a double quote (`"`, `“`, `”`, `„`).
pub fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

/// A PowerShell single-quoted literal of `s`: characters that would not show on one line as they
/// are ([`is_hidden`]: control characters, bidirectional overrides, line separators) dropped, and
/// every single-quote character doubled, so the literal ends only at its closing `'`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars().filter(|&c| !is_hidden(c)) {
        if is_single_quote(c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// The quoted id for a generated command when `id` is a GUID (every Entra object, product and
/// plan id is one), else `None`: an id an export wrote otherwise names no object Graph would
/// find, and the caller writes a placeholder (`<group id>`) in its place, so the line is not run
/// as it stands.
pub fn guid(id: &str) -> Option<String> {
    crate::model::ids::is_guid(id).then(|| quote(id))
}

/// [`guid`], or the placeholder `<what>` when `id` is not a GUID.
pub fn guid_or(id: &str, what: &str) -> String {
    guid(id).unwrap_or_else(|| format!("<{what}>"))
}

/// Text safe for a trailing `#` comment: on one line (hidden characters become spaces), so
/// nothing after it can become a command, and nothing reorders how the line is shown.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if is_hidden(c) { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Whether an address can be put in `Get-Recipient -Filter "EmailAddresses -eq 'smtp:ADDRESS'"`
/// (a single-quoted OPATH value inside a double-quoted PowerShell string): letters and digits of
/// any script and `.`, `-`, `_`, `+`, `@` only. No quote of either kind, no `$` or backtick
/// (which a double-quoted string expands), no space. Other addresses get no generated line.
pub fn plain_address(a: &str) -> bool {
    !a.is_empty()
        && a.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '@'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads a single-quoted string at the start of `src` by PowerShell's rules (its tokenizer's
    /// `ScanStringLiteral`): after the opening quote, a single-quote character followed by another
    /// stands for the second; a lone one ends the string. Returns the value and the rest of `src`.
    fn read_single_quoted(src: &str) -> Option<(String, &str)> {
        let mut chars = src.char_indices().peekable();
        let (_, first) = chars.next()?;
        if !is_single_quote(first) {
            return None;
        }
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            if is_single_quote(c) {
                match chars.peek() {
                    Some(&(_, n)) if is_single_quote(n) => {
                        value.push(n);
                        chars.next();
                    }
                    _ => return Some((value, &src[i + c.len_utf8()..])),
                }
            } else {
                value.push(c);
            }
        }
        None // never closed
    }

    #[test]
    fn every_single_quote_character_is_doubled() {
        assert_eq!(quote("o'brien"), "'o''brien'");
        assert_eq!(quote("a\nb"), "'ab'");
        assert_eq!(
            quote("5c7d2a6e\u{2019}; remove-mguser -userid victim8; \u{2018}"),
            "'5c7d2a6e\u{2019}\u{2019}; remove-mguser -userid victim8; \u{2018}\u{2018}'"
        );
        assert_eq!(
            quote("c3\u{201B}+x+\u{201A}"),
            "'c3\u{201B}\u{201B}+x+\u{201A}\u{201A}'"
        );
        // double quotes, `$` and backticks are plain text in a single-quoted string
        assert_eq!(quote("a\"$(x)`b"), "'a\"$(x)`b'");
        // bidirectional overrides and line separators are dropped as control characters are
        assert_eq!(quote("a\u{202E}b\u{2066}c\u{2028}d"), "'abcd'");
    }

    #[test]
    fn only_guids_are_ids_of_a_command() {
        assert_eq!(
            guid("20000000-0000-4000-8000-000000000003"),
            Some("'20000000-0000-4000-8000-000000000003'".into())
        );
        assert_eq!(guid("20000000-0000-4000-8000-000000000003;calc.exe"), None);
        assert_eq!(guid("2000';calc;'"), None);
        assert_eq!(guid_or("x", "group id"), "<group id>");
    }

    #[test]
    fn addresses_with_quotes_of_any_kind_are_not_plain() {
        assert!(plain_address("jamie.lindqvist@fabrikam.example"));
        assert!(plain_address("jürgen.müller@bücher.example"));
        for bad in [
            "jamie\u{201D};calc;\u{201C}@fabrikam.example",
            "a'b@x",
            "a\u{2019}b@x",
            "a$(x)@x",
            "a`b@x",
            "a b@x",
            "a\"b@x",
            "a\u{202E}b@x",
            "",
        ] {
            assert!(!plain_address(bad), "{bad}");
        }
    }

    /// PowerShell reads the quoted form back as the text (less the hidden characters) and the
    /// string ends exactly where the quoted form does.
    fn reads_back_whole(s: &str) -> Result<(), TestCaseError> {
        let q = quote(s);
        let (value, rest) = read_single_quoted(&q).expect("a closed string");
        prop_assert_eq!(rest, "");
        let shown: String = s.chars().filter(|&c| !is_hidden(c)).collect();
        prop_assert_eq!(value, shown);
        Ok(())
    }

    proptest! {
        /// Whatever the text.
        #[test]
        fn a_quoted_string_reads_back_whole(s in any::<String>()) {
            reads_back_whole(&s)?;
        }

        /// The same with the quote characters and separators drawn often.
        #[test]
        fn quotes_and_separators_cannot_end_the_string(
            s in proptest::collection::vec(
                prop_oneof![
                    Just('\''), Just('\u{2018}'), Just('\u{2019}'), Just('\u{201A}'),
                    Just('\u{201B}'), Just('"'), Just('\u{201C}'), Just('$'), Just(';'),
                    Just('\n'), Just('\u{2028}'), Just('\u{202E}'), Just('a'),
                ],
                0..40,
            ).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            reads_back_whole(&s)?;
        }

        /// A comment stays on one line whatever the text.
        #[test]
        fn a_comment_is_one_line(s in any::<String>()) {
            prop_assert!(!comment(&s).chars().any(is_hidden));
        }
    }
}
