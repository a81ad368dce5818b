//! What `licdiag sql` says when a query cannot run: one short line. polars words many errors
//! with sqlparser's syntax tree printed in full (`expression Exists { subquery: Query { ... } }`,
//! up to kilobytes); such a dump is cut to the name of the construct, the constructs known to be
//! unsupported are said with what to write instead, and the whole is held to [`MAX_MESSAGE`]
//! characters.

use crate::normalize::frame::SqlError;

/// The longest message (in characters) taken from polars; a longer one ends with `…`.
pub const MAX_MESSAGE: usize = 200;

/// The line for a statement that is not a query (`DROP TABLE`, `INSERT INTO`, ...).
pub fn not_a_query(words: &str) -> String {
    format!(
        "licdiag sql runs read-only queries (SELECT, WITH, VALUES); {} is not one: the tables \
         are built from the inputs on every run and nothing is stored, so write a SELECT (or \
         `licdiag export` the tables to change them elsewhere)",
        crate::report::table::clean(words)
    )
}

/// The message of a failed query, one short line (the caller adds the `SQL: ` prefix).
pub fn message(e: &SqlError) -> String {
    match e {
        SqlError::NotAQuery(words) => not_a_query(words),
        SqlError::Polars(e) => short(&e.to_string()),
    }
}

/// For a time compared with a text polars cannot read as one (`'2026-03-29T01:00:00Z'`: the `Z`),
/// or with a `TIMESTAMP` literal or `CAST` (microseconds, without a time zone, against the tables'
/// milliseconds in UTC).
pub const TIME_HINT: &str = "compare a time with a UTC text without `Z` or an offset, as time >= \
     '2026-03-29 01:00:00' or '2026-03-29' (a TIMESTAMP literal or CAST does not compare with the \
     tables' times; docs/tables.md, \"Times in SQL\")";

/// Constructs polars names as `expression NAME is not currently supported`, with what to write
/// instead.
const UNSUPPORTED: [(&str, &str); 11] = [
    (
        "Exists",
        "EXISTS subqueries are not supported; use IN (SELECT ...) or a JOIN",
    ),
    (
        "Tuple",
        "row values such as (1, 2) are not supported; select the values as separate columns",
    ),
    (
        "SimilarTo",
        "SIMILAR TO is not supported; use LIKE, or REGEXP_LIKE(column, 'pattern')",
    ),
    (
        "Collate",
        "COLLATE is not supported; compare lower(column) with a lowercase text instead",
    ),
    (
        "AtTimeZone",
        "AT TIME ZONE is not supported; every time in the tables is UTC already",
    ),
    (
        "Rollup",
        "ROLLUP is not supported; run one GROUP BY per grouping and join them with UNION ALL",
    ),
    (
        "Cube",
        "CUBE is not supported; run one GROUP BY per grouping and join them with UNION ALL",
    ),
    (
        "GroupingSets",
        "GROUPING SETS are not supported; run one GROUP BY per grouping and join them with \
         UNION ALL",
    ),
    (
        "Struct",
        "STRUCT values are not supported; select the fields as separate columns",
    ),
    (
        "Map",
        "MAP values are not supported; select the keys and values as separate columns",
    ),
    (
        "Dictionary",
        "dictionary values are not supported; select the values as separate columns",
    ),
];

/// One short line out of a polars message: the first paragraph on one line, every printed
/// syntax tree cut to its name, a known unsupported construct said plainly, at most
/// [`MAX_MESSAGE`] characters.
pub fn short(msg: &str) -> String {
    let first = msg.split("\n\n").next().unwrap_or(msg);
    let line = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = cut_dumps(&line);
    if line.contains("cannot compare 'date/datetime/time' to a string value")
        || (line.contains("comparison between series") && line.contains("Datetime('ms', 'UTC')"))
    {
        return TIME_HINT.to_string();
    }
    if let Some(name) = line
        .split_once("expression ")
        .and_then(|(_, rest)| rest.strip_suffix(" is not currently supported"))
    {
        if let Some((_, plain)) = UNSUPPORTED.iter().find(|(n, _)| *n == name) {
            return (*plain).to_string();
        }
        return format!("{name} expressions are not supported by polars SQL");
    }
    let line = crate::report::table::clean(&line);
    if line.chars().count() > MAX_MESSAGE {
        let mut o: String = line.chars().take(MAX_MESSAGE - 1).collect();
        o.push('…');
        o
    } else {
        line
    }
}

/// Replaces each printed structure (`Name { ... }`, `Name(...)`, `Name([...])` whose brackets
/// hold a `{` or more than 60 characters) by its name; short ones (`Datetime('ms', 'UTC')`) stay.
fn cut_dumps(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len().min(1024));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_name = c.is_ascii_uppercase()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if starts_name {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            let open = match (chars.get(j), chars.get(j + 1)) {
                (Some('('), _) => Some(j),
                (Some(' '), Some('{')) => Some(j + 1),
                _ => None,
            };
            if let Some(o) = open {
                if let Some(close) = matching(&chars, o) {
                    let inner = &chars[o + 1..close];
                    if inner.contains(&'{') || inner.len() > 60 {
                        out.extend(&chars[i..j]);
                        i = close + 1;
                        continue;
                    }
                }
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The index of the bracket closing the one at `open`, skipping quoted text (with `\` escapes,
/// as Rust's `Debug` writes strings); `None` when it is not closed.
fn matching(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut k = open;
    while k < chars.len() {
        let c = chars[k];
        if quote.is_none() && c == '\'' {
            // a char as `Debug` writes it (`'"'`, `'\''`): its quote opens no string
            match (chars.get(k + 1), chars.get(k + 2), chars.get(k + 3)) {
                (Some('\\'), Some(_), Some('\'')) => {
                    k += 4;
                    continue;
                }
                (Some(_), Some('\''), _) => {
                    k += 3;
                    continue;
                }
                _ => {}
            }
        }
        if let Some(q) = quote {
            if c == '\\' {
                k += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else {
            match c {
                '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(k);
                    }
                }
                _ => {}
            }
        }
        k += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polars_errors_become_one_line() {
        assert_eq!(
            short("sql parser error: x\n  at y\n\nResolved plan until failure:\n..."),
            "sql parser error: x at y"
        );
    }

    #[test]
    fn syntax_tree_dumps_are_cut_to_their_name() {
        let exists = "expression Exists { subquery: Query { with: None, body: Select(Select { \
             select_token: TokenWithSpan { token: Word(Word { value: \"SELECT\", quote_style: \
             None, keyword: SELECT }), span: Span(Location(1,37)..Location(1,43)) } }) }, \
             negated: false } is not currently supported";
        assert_eq!(
            short(exists),
            "EXISTS subqueries are not supported; use IN (SELECT ...) or a JOIN"
        );
        let tuple = "expression Tuple([Value(ValueWithSpan { value: Number(\"1\", false), span: \
             Span(Location(1,9)..Location(1,10)) })]) is not currently supported";
        assert!(short(tuple).starts_with("row values"), "{}", short(tuple));
        let collate = "expression Collate { expr: Identifier(Ident { value: \"upn\" }), \
             collation: ObjectName([Identifier(Ident { value: \"C\", quote_style: Some('\"'), \
             span: Span(Location(1,20)..Location(1,23)) })]) } is not currently supported";
        assert!(
            short(collate).starts_with("COLLATE is not"),
            "{}",
            short(collate)
        );
        let odd = "expression Frobnicate { x: Ident { value: \"a)}\\\"\" } } is not currently \
             supported";
        assert_eq!(
            short(odd),
            "Frobnicate expressions are not supported by polars SQL"
        );
        // short structures stay: they are the message
        let dt = "casting from Datetime('ms', 'UTC') to Struct([]) not supported";
        assert_eq!(short(dt), dt);
        // an unknown statement or anything else long is cut
        let long = format!(
            "statement type is not supported: Frob({})",
            "x".repeat(5000)
        );
        assert_eq!(short(&long), "statement type is not supported: Frob");
        let long = format!(
            "unable to find column; valid columns: [{}]",
            "\"a\", ".repeat(500)
        );
        let s = short(&long);
        assert_eq!(s.chars().count(), MAX_MESSAGE, "{s}");
        assert!(s.ends_with('…'));
    }

    #[test]
    fn time_comparisons_say_how_to_write_a_time() {
        for m in [
            "cannot compare 'date/datetime/time' to a string value",
            "could not evaluate '>=' comparison between series 'time' of dtype: \
             Datetime('ms', 'UTC') and series 'literal' of dtype: Datetime('μs')",
        ] {
            assert_eq!(short(m), TIME_HINT);
        }
    }

    #[test]
    fn odd_text_is_cut_without_a_panic() {
        for t in ["A(", "A {", "Ü(é", "(((", "X(\"\\", "", "A )", "B {{{{}"] {
            let s = short(t);
            assert!(
                s.chars().count() <= MAX_MESSAGE && !s.contains('\n'),
                "{t:?}: {s}"
            );
        }
    }
}
