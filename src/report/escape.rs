//! Neutralizing untrusted export strings for each output format.

/// The columns `s` takes in a terminal: an East Asian wide character (`礼`) two, a combining
/// mark none. Table outputs pad by it, so a row holding such a name stays aligned.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

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

/// Whether `c` is a character that shows as nothing (or nearly) but is part of the text: every
/// character of Unicode's `Default_Ignorable_Code_Point` set (DerivedCoreProperties.txt: the soft
/// hyphen U+00AD, the combining grapheme joiner U+034F, the Hangul fillers U+115F, U+1160, U+3164,
/// U+FFA0, the Khmer inherent vowels U+17B4 and U+17B5, the Mongolian variation selectors and vowel
/// separator U+180B to U+180F, U+200B to U+200F (the zero-width space, non-joiner and joiner among
/// them), U+2060 to U+206F (the word joiner, the invisible operators, the deprecated format
/// characters), the variation selectors U+FE00 to U+FE0F and U+E0100 to U+E01EF, U+FEFF,
/// U+FFF0 to U+FFF8, the shorthand format controls U+1BCA0 to U+1BCA3, the musical format
/// characters U+1D173 to U+1D17A, the tag characters and the rest of U+E0000 to U+E0FFF), and the
/// interlinear annotation marks (U+FFF9 to U+FFFB). `LIC-E3` and `LIC-\u{200b}E3` are two different
/// groups: the table, Markdown and HTML outputs, JSON (as `\uXXXX`) and error messages show such a
/// character as its escape ([`visible`]), so the two do not look the same, and a CSV cell that
/// starts with them and then a formula gets its leading `'`. The zero-width joiner is escaped too,
/// inside an emoji sequence or a script's word as anywhere: a forensic output shows every
/// character, and the escape gives it back (docs/reports.md, "Untrusted text"). The bidirectional
/// marks among them (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) are [`is_hidden`] first.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The visible form of an invisible character ([`is_invisible`]): its Rust-style escape, `\u{200b}`.
pub fn visible(c: char, out: &mut String) {
    out.extend(c.escape_unicode());
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
            c if is_invisible(c) => visible(c, &mut o),
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
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '$' => {
                o.push('\\');
                o.push(c);
            }
            // a mention (`@team`, `@org/team`) notifies on GitHub; an address's `@` follows its
            // local part and is left alone
            '@' if s[i + 1..].starts_with(|n: char| n.is_alphanumeric())
                && !s[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|p| p.is_alphanumeric() || matches!(p, '.' | '_' | '-' | '+')) =>
            {
                o.push_str("\\@")
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
            // `\u{200b}`: a backslash before a letter is no escape in Markdown, it shows as written
            c if is_invisible(c) => visible(c, &mut o),
            c => o.push(c),
        }
    }
    o
}

/// Neutralizes a CSV cell for a spreadsheet (docs/tables.md, "Types and formats"):
///
/// - a formula: the cell, and each of its `;`-separated parts (a list joins its items with `;`, and
///   a spreadsheet in a locale whose list separator is `;` splits a cell there when it is not
///   quoted: [`csv_field`] quotes such a cell), gets a leading `'` when it starts with `=`, `+`,
///   `-`, `@`, tab, carriage return or line feed, or with one of `=`, `+`, `-`, `@` after white
///   space or invisible characters;
/// - a control character other than tab and line feed (a carriage return, an escape sequence's
///   ESC, a C1 control), a bidirectional-formatting character or a line separator
///   ([`is_hidden`]) is written as its escape (`\r`, `\u{1b}`, `\u{202e}`), as error messages write
///   them: the cell keeps every character, none of them can drive a terminal the file is printed
///   to, and none can reorder the cell around it.
pub fn csv_cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 1);
    for (k, part) in s.split(';').enumerate() {
        if k > 0 {
            o.push(';');
        }
        if is_formula(part) {
            o.push('\'');
        }
        for c in part.chars() {
            if c != '\t' && c != '\n' && is_hidden(c) {
                o.extend(c.escape_default());
            } else {
                o.push(c);
            }
        }
    }
    o
}

/// Whether a spreadsheet could read `part` as a formula ([`csv_cell`]).
fn is_formula(part: &str) -> bool {
    match part.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n') => true,
        _ => part
            .trim_start_matches(|c: char| c.is_whitespace() || is_invisible(c) || is_hidden(c))
            .starts_with(['=', '+', '-', '@']),
    }
}

/// Appends one CSV field: quoted (its quotes doubled) when it holds a quote, a comma, a `;` (the
/// list separator of many locales, where a spreadsheet splits an unquoted cell at it), a tab, a
/// carriage return or a line feed; `alone` (the record's only field) quotes an empty field, which
/// would otherwise be an empty line.
pub fn csv_field(s: &str, alone: bool, out: &mut Vec<u8>) {
    if s.contains(['"', ',', ';', '\t', '\r', '\n']) || (alone && s.is_empty()) {
        out.push(b'"');
        for part in s.split('"').enumerate() {
            if part.0 > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(part.1.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// Writes one CSV record ([`csv_field`]), ended by a line feed.
pub fn csv_record<'a>(
    fields: impl ExactSizeIterator<Item = &'a str>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let alone = fields.len() == 1;
    let mut line = Vec::new();
    for (k, f) in fields.enumerate() {
        if k > 0 {
            line.push(b',');
        }
        csv_field(f, alone, &mut line);
    }
    line.push(b'\n');
    w.write_all(&line)
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
        // no math, no mention; an address stays as it is
        assert_eq!(
            markdown("$x^2$ @org/team (@ana) bob@contoso.example @() @{a}"),
            "\\$x^2\\$ \\@org/team (\\@ana) bob@contoso.example @() @{a}"
        );
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
        // a joiner, inside an emoji too, is shown as its escape (docs/reports.md)
        assert_eq!(markdown("a\u{200D}b"), "a\\u{200d}b");
        assert_eq!(
            html("\u{1F468}\u{200D}\u{1F469}"),
            "\u{1F468}\\u{200d}\u{1F469}"
        );
        assert_eq!(csv_cell("ok"), "ok");
    }

    /// Every `Default_Ignorable_Code_Point` (Unicode 15.1, DerivedCoreProperties.txt) is invisible
    /// or hidden, and the characters next to them are not.
    #[test]
    fn default_ignorables_are_all_invisible() {
        let ranges: [(u32, u32); 18] = [
            (0xAD, 0xAD),
            (0x34F, 0x34F),
            (0x61C, 0x61C),
            (0x115F, 0x1160),
            (0x17B4, 0x17B5),
            (0x180B, 0x180F),
            (0x200B, 0x200F),
            (0x202A, 0x202E),
            (0x2060, 0x206F),
            (0x3164, 0x3164),
            (0xFE00, 0xFE0F),
            (0xFEFF, 0xFEFF),
            (0xFFA0, 0xFFA0),
            (0xFFF0, 0xFFF8),
            (0x1BCA0, 0x1BCA3),
            (0x1D173, 0x1D17A),
            (0xE0000, 0xE0FFF),
            (0xFFF9, 0xFFFB), // not default-ignorable, invisible all the same
        ];
        for (lo, hi) in ranges {
            for c in (lo..=hi).filter_map(char::from_u32) {
                assert!(is_invisible(c), "{c:?}");
                let shown = super::super::table::clean(&format!("a{c}b"));
                assert!(shown == "a b" || shown.contains("\\u{"), "{c:?}: {shown}");
            }
            for c in [lo - 1, hi + 1].into_iter().filter_map(char::from_u32) {
                if !ranges.iter().any(|&(l, h)| (l..=h).contains(&u32::from(c))) {
                    assert!(!is_invisible(c), "{c:?}");
                }
            }
        }
        assert!(!is_invisible('a') && !is_invisible('\u{1F600}') && !is_invisible('é'));
    }

    #[test]
    fn csv_cells_are_neutralized_part_by_part_and_controls_escaped() {
        assert_eq!(csv_cell("Nice;=5+5"), "Nice;'=5+5");
        assert_eq!(
            csv_cell("a@x.example;=cmd|' /C calc'!A0"),
            "a@x.example;'=cmd|' /C calc'!A0"
        );
        assert_eq!(csv_cell(" =3+3"), "' =3+3");
        assert_eq!(csv_cell("\u{a0}=7+7"), "'\u{a0}=7+7");
        assert_eq!(csv_cell("\u{200b}=9+9"), "'\u{200b}=9+9");
        for c in [
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{206f}',
            '\u{fe0f}',
            '\u{e0001}',
        ] {
            let s = format!("{c}=cmd");
            assert_eq!(csv_cell(&s), format!("'{s}"), "{c:?}");
        }
        assert_eq!(csv_cell("\n=6+6"), "'\n=6+6");
        assert_eq!(csv_cell("\t=1+1"), "'\t=1+1");
        assert_eq!(csv_cell("\r=2+2"), "'\\r=2+2");
        assert_eq!(csv_cell("'=8"), "'=8");
        assert_eq!(csv_cell("a-b;c+d"), "a-b;c+d");
        assert_eq!(
            csv_cell("x\u{1b}]0;t\u{7}\u{9b}31m\u{202e}y"),
            "x\\u{1b}]0;t\\u{7}\\u{9b}31m\\u{202e}y"
        );
        let mut out = Vec::new();
        csv_record(["Nice;'=5+5", "a,\"b\"", "plain", ""].into_iter(), &mut out).unwrap();
        assert_eq!(out, b"\"Nice;'=5+5\",\"a,\"\"b\"\"\",plain,\n");
        let mut out = Vec::new();
        csv_record([""].into_iter(), &mut out).unwrap();
        assert_eq!(out, b"\"\"\n");
    }
}
