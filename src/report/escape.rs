//! Neutralizing untrusted export strings for each output format.

/// Whether `c` must not reach a reader as it is: a control character (an escape sequence drives a
/// terminal, a line feed starts a new line), a bidirectional formatting character (U+061C,
/// U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069: they reorder how the text around them is
/// shown, so a name could make a command or a table row read otherwise than it is), or a line or
/// paragraph separator (U+2028, U+2029, a line break to some editors and renderers). Every output
/// for a person (terminal, Markdown, HTML, generated commands) replaces or drops these.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Escapes text for HTML element content and attribute values.
pub fn html(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if is_hidden(c) && c != '\n' && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Escapes text for a Markdown table cell or paragraph: Markdown/HTML metacharacters are
/// backslash-escaped or entity-encoded (`~` too: GitHub strikes through `~~text~~`), line breaks
/// become spaces. A bare address (`http://…`, `https://…`, `ftp://…`, `www.…`), which GitHub turns
/// into a link by itself, has its `:` or `.` backslash-escaped: it shows as written and links
/// nowhere.
pub fn markdown(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' => {
                o.push('\\');
                o.push(c);
            }
            ':' if s[i + 1..].starts_with("//") => o.push_str("\\:"),
            '.' if i >= 3
                && s.get(i - 3..i)
                    .is_some_and(|w| w.eq_ignore_ascii_case("www")) =>
            {
                o.push_str("\\.")
            }
            '\n' | '\r' => o.push(' '),
            c if is_hidden(c) => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Neutralizes a CSV cell that a spreadsheet would execute as a formula (starting with `=`, `+`, `-`,
/// `@`, tab or carriage return) by prefixing a single quote.
pub fn csv_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes() {
        assert_eq!(
            html("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(markdown("a|b <script>"), "a\\|b &lt;script&gt;");
        // no strikethrough, no autolink
        assert_eq!(markdown("~~s~~"), "\\~\\~s\\~\\~");
        assert_eq!(
            markdown("kai http://evil.example WWW.evil.example https://x ftp://y"),
            "kai http\\://evil.example WWW\\.evil.example https\\://x ftp\\://y"
        );
        assert_eq!(markdown("a: b. c:/d ww.x"), "a: b. c:/d ww.x");
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_cell("-1"), "'-1");
        // bidirectional overrides and isolates, marks and line separators cannot reorder or break
        // the text around them
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
        ] {
            let s = format!("a{c}b");
            assert_eq!(html(&s), "a b", "{c:?}");
            assert_eq!(markdown(&s), "a b", "{c:?}");
            assert_eq!(super::super::table::clean(&s), "a b", "{c:?}");
        }
        // a joiner inside an emoji or a name is kept
        assert_eq!(markdown("a\u{200D}b"), "a\u{200D}b");
        assert_eq!(csv_cell("ok"), "ok");
    }
}
