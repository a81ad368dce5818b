//! How deep a `licdiag sql` query's expressions may be before polars sees them.
//!
//! sqlparser limits nesting (parentheses, function calls, subqueries, prefix operators) to 50
//! levels and says so as an error, but it reads a chain of binary operators (`a OR b OR c ...`,
//! `1+1+...`) in a loop: the tree it builds is as deep as the chain is long, and polars' SQL
//! translation, its optimizer and the tree's drop walk it recursively. With polars and sqlparser
//! built without optimization (the release profile, Cargo.toml) a chain of about 175 operators
//! overflowed the 8 MB main stack (measured in run 54: 150 terms ran, 200 aborted), and the run
//! took superlinear time: 0.5 s for 200 terms, 3.7 s for 500, 19 s and 245 MB for 1,000 (a 64 MB
//! stack held 1,000 and not 5,000). So the query runs on a thread with a large stack
//! ([`QUERY_STACK`]), and a query whose chains are longer than [`MAX_DEPTH`] is refused here with
//! a line that says what to write instead.
//!
//! The depth is estimated from the query's tokens, without parsing it: at each point, the
//! operators of the innermost parenthesis (or bracket) since its last comma or clause keyword
//! (`SELECT`, `WHERE`, `WHEN`, ...) and its set operations (`UNION`, ...), plus those each
//! enclosing level had when the parenthesis inside it opened. Nesting alone adds nothing: sqlparser
//! refuses more than 50 levels itself, with an error of its own. Each operator is counted,
//! whatever its precedence (`upn = 'a' OR upn = 'b'` counts 3 for a tree 2 deep), so the estimate
//! is not below the tree's depth: a long `OR` of equalities is refused at about half the limit's
//! terms, and the message says to write it as `IN (...)`, which is a list, not
//! a chain. Strings, quoted names and comments hold no operators.

/// The deepest chain of operators handed to polars (see the module's note): at about 48 KB of
/// stack an operator in the release binary, 1,000 of them need about 48 MB of [`QUERY_STACK`].
pub const MAX_DEPTH: usize = 1_000;

/// The stack of the thread that parses, plans and runs a query: reserved, not committed (a page
/// is given memory when it is first touched), so a shallow query costs nothing more.
pub const QUERY_STACK: usize = 256 << 20;

/// Words that are operators: each counts one, as a symbol does.
const WORD_OPERATORS: [&str; 16] = [
    "AND", "OR", "NOT", "IS", "IN", "LIKE", "ILIKE", "BETWEEN", "COLLATE", "DIV", "XOR", "REGEXP",
    "RLIKE", "SIMILAR", "OVERLAPS", "GLOB",
];

/// Set operations: a chain of them is as deep as it is long, whatever clause keywords it holds.
const SET_OPERATIONS: [&str; 4] = ["UNION", "EXCEPT", "INTERSECT", "MINUS"];

/// Words that start another expression at the same level: the operators counted before them are
/// another expression's.
const CLAUSES: [&str; 22] = [
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "HAVING",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "ON",
    "USING",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "AS",
    "WITH",
    "OVER",
    "PARTITION",
    "QUALIFY",
];

/// A level of parentheses: its operators since its last comma or clause, and its set operations.
#[derive(Default)]
struct Level {
    chain: usize,
    sets: usize,
}

/// The estimated depth of `query`'s deepest expression (see the module's note).
pub fn depth(query: &str) -> usize {
    let b = query.as_bytes();
    let mut levels: Vec<Level> = vec![Level::default()];
    // the levels' sum, but the top level's chain and sets (kept as the levels change)
    let mut below = 0usize;
    let mut deepest = 0usize;
    let mut i = 0;
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    let is_symbol = |c: u8| b"+-*/%<>=!|&^~#@:?".contains(&c);
    while i < b.len() {
        let c = b[i];
        let open = levels.len();
        let top = levels.last_mut().expect("the outer level stays");
        match c {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                // a comment to the end of the line
                i = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| i + p + 1);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // a block comment, which may nest; one not closed runs to the end
                let mut open = 1usize;
                i += 2;
                while i < b.len() && open > 0 {
                    if b[i..].starts_with(b"/*") {
                        open += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        open -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'\'' | b'"' | b'`' => {
                // a string or a quoted name, its quote doubled inside (a backslash is not taken
                // as an escape: if the dialect took it so, the text after it would be counted as
                // operators, which errs toward a deeper estimate)
                i += 1;
                while i < b.len() {
                    if b[i] == c {
                        if b.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            b'(' | b'[' => {
                // a subscript (`a[1][2]`) chains as an operator does
                if c == b'[' {
                    top.chain += 1;
                }
                below += top.chain + top.sets;
                levels.push(Level::default());
            }
            // a closing one without its opening one closes nothing
            b')' | b']' if open > 1 => {
                levels.pop();
                let top = levels.last().expect("the outer level stays");
                below -= top.chain + top.sets;
            }
            b',' | b';' => top.chain = 0,
            _ if is_symbol(c) => {
                // a run of symbols is one operator (`<=`, `||`, `::`) or a binary one and a
                // prefix one (`+-1`), whose recursion sqlparser limits
                top.chain += 1;
                while i + 1 < b.len() && is_symbol(b[i + 1]) && !b[i + 1..].starts_with(b"--") {
                    i += 1;
                }
            }
            _ if is_word(c) => {
                let start = i;
                while i + 1 < b.len() && (is_word(b[i + 1]) || b[i + 1] == b'.') {
                    i += 1;
                }
                let word = String::from_utf8_lossy(&b[start..=i]).to_ascii_uppercase();
                if WORD_OPERATORS.contains(&word.as_str()) {
                    top.chain += 1;
                } else if SET_OPERATIONS.contains(&word.as_str()) {
                    top.sets += 1;
                    top.chain = 0;
                } else if CLAUSES.contains(&word.as_str()) {
                    top.chain = 0;
                }
            }
            _ => {}
        }
        let top = levels.last().expect("the outer level stays");
        deepest = deepest.max(below + top.chain + top.sets);
        i += 1;
    }
    deepest
}

/// Refuses a query whose estimated depth is over [`MAX_DEPTH`], saying what to write instead.
pub fn check(query: &str) -> Result<(), String> {
    let d = depth(query);
    if d <= MAX_DEPTH {
        return Ok(());
    }
    Err(format!(
        "the query chains about {d} operators in one expression (counting every operator, \
         `=` and `OR` alike), more than the {MAX_DEPTH} licdiag hands to polars, whose stack \
         and time grow with the chain; write a long OR of equalities as `column IN (...)`, \
         and split a long expression into columns or steps"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_count_their_operators() {
        assert_eq!(depth("select 1"), 0);
        assert_eq!(depth("select 1+1+1"), 2);
        assert_eq!(depth("select a from t where x = 1 or x = 2"), 3);
        // a clause or a comma starts another expression
        assert_eq!(depth("select a+b, c+d from t where x = 1"), 1);
        assert_eq!(depth("select 1+1, 1+1+1+1"), 3);
        // nesting adds the levels' chains
        assert_eq!(depth("select 1 + (2 + (3 + 4))"), 3);
        assert_eq!(depth("select f(1+1, g(2+2+2))"), 2);
        assert_eq!(depth("select 1 + f(1+1, 2 + g(2+2+2))"), 4);
        // a long list is wide, not deep
        let list: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
        assert_eq!(
            depth(&format!("select * from t where a in ({})", list.join(","))),
            1
        );
        // set operations chain across their SELECTs
        assert_eq!(depth("select 1 union select 2 union all select 3"), 2);
        // a subscript chains
        assert_eq!(depth("select a[1][2][3]"), 3);
    }

    #[test]
    fn strings_names_and_comments_hold_no_operators() {
        assert_eq!(depth("select '+ + '' + +' as \"a+b\" from `x-y`"), 0);
        assert_eq!(depth("select 1 -- + + + +\n"), 0);
        assert_eq!(depth("select 1 /* + /* + */ + */ + 1"), 1);
        // not closed: to the end
        assert_eq!(depth("select 'a + b"), 0);
        assert_eq!(depth("select 1 /* + +"), 0);
        // `a--b` is a comment, not two minus signs
        assert_eq!(depth("select a--b\n"), 0);
    }

    #[test]
    fn unbalanced_and_odd_text_is_estimated_without_a_panic() {
        assert_eq!(depth(")))) select 1+1"), 1);
        // nesting alone is sqlparser's to limit (50 levels), with its own error
        assert_eq!(depth(&"(".repeat(5000)), 0);
        assert_eq!(depth("select é + ü + 'ø"), 2);
        assert_eq!(depth(""), 0);
    }

    #[test]
    fn the_limit_refuses_long_chains_only() {
        let sum = |n: usize| format!("select {}", vec!["1"; n].join("+"));
        assert!(check(&sum(MAX_DEPTH + 1)).is_ok());
        let e = check(&sum(MAX_DEPTH + 2)).unwrap_err();
        assert!(e.contains("IN (...)") && !e.contains('\n'), "{e}");
    }
}
