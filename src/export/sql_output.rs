//! Printing a SQL result: an aligned text table for a terminal (control characters stripped, long
//! cells cut), CSV (formula cells neutralized, lists joined with `;`) or JSON (an array of objects,
//! columns in query order).

use super::flavor::{time_text, LIST_SEPARATOR};
use crate::cli::SqlFormat;
use crate::normalize::frame::{Cell, ResultTable};
use crate::report::escape::{self, csv_cell, csv_field, csv_record};
use crate::report::table::clean;
use std::io::{self, Write};

/// Longest cell the text table prints (in characters); longer ones end with `…`.
pub const MAX_CELL: usize = 80;

pub fn write(r: &ResultTable, format: SqlFormat, w: &mut dyn Write) -> io::Result<()> {
    match format {
        SqlFormat::Table => table(r, w),
        SqlFormat::Csv => csv(r, w),
        SqlFormat::Json => json(r, w),
    }
}

/// A cell as text; `None` for null.
fn text(c: &Cell) -> Option<String> {
    match c {
        Cell::Null => None,
        Cell::Bool(b) => Some(b.to_string()),
        Cell::Int(x) => Some(x.to_string()),
        Cell::UInt(x) => Some(x.to_string()),
        Cell::Float(x) => Some(x.to_string()),
        Cell::Str(s) => Some(s.clone()),
        Cell::Time(t) => Some(time_text(t)),
        Cell::List(v) => Some(
            v.iter()
                .map(|c| text(c).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(LIST_SEPARATOR),
        ),
    }
}

fn cut(s: &str) -> String {
    let s = clean(s);
    if s.chars().count() > MAX_CELL {
        let mut o: String = s.chars().take(MAX_CELL - 1).collect();
        o.push('…');
        o
    } else {
        s
    }
}

fn table(r: &ResultTable, w: &mut dyn Write) -> io::Result<()> {
    let head: Vec<String> = r.columns.iter().map(|c| cut(&c.name)).collect();
    let body: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| cut(&text(c).unwrap_or_default()))
                .collect()
        })
        .collect();
    // padded by display width, not characters: a wide character takes two columns
    let mut width: Vec<usize> = head.iter().map(|h| escape::width(h)).collect();
    for row in &body {
        for (k, c) in row.iter().enumerate() {
            if let Some(wd) = width.get_mut(k) {
                *wd = (*wd).max(escape::width(c));
            }
        }
    }
    let numeric: Vec<bool> = (0..head.len())
        .map(|k| {
            r.rows.iter().all(|row| {
                matches!(
                    row.get(k),
                    None | Some(Cell::Null | Cell::Int(_) | Cell::UInt(_) | Cell::Float(_))
                )
            })
        })
        .collect();
    let line = |cells: &[String], w: &mut dyn Write, right: bool| -> io::Result<()> {
        let mut parts = Vec::with_capacity(cells.len());
        for (k, c) in cells.iter().enumerate() {
            let wd = width.get(k).copied().unwrap_or(0);
            let pad = wd.saturating_sub(escape::width(c));
            if right && numeric.get(k).copied().unwrap_or(false) {
                parts.push(format!("{}{c}", " ".repeat(pad)));
            } else {
                parts.push(format!("{c}{}", " ".repeat(pad)));
            }
        }
        writeln!(w, "{}", parts.join("  ").trim_end())
    };
    line(&head, w, false)?;
    let rule: Vec<String> = width.iter().map(|n| "-".repeat(*n)).collect();
    writeln!(w, "{}", rule.join("  "))?;
    for row in &body {
        line(row, w, true)?;
    }
    let n = r.rows.len();
    writeln!(w, "({n} row{})", if n == 1 { "" } else { "s" })
}

/// A null is an empty cell, an empty text (or list) `""` (docs/tables.md, "Types").
fn csv(r: &ResultTable, w: &mut dyn Write) -> io::Result<()> {
    let head: Vec<String> = r.columns.iter().map(|c| csv_cell(&c.name)).collect();
    csv_record(head.iter().map(String::as_str), w)?;
    let alone = r.columns.len() == 1;
    let mut line = Vec::new();
    for row in &r.rows {
        line.clear();
        for (k, c) in row.iter().enumerate() {
            if k > 0 {
                line.push(b',');
            }
            let cell = match c {
                Cell::Str(_) | Cell::List(_) => csv_cell(&text(c).unwrap_or_default()),
                other => text(other).unwrap_or_default(),
            };
            if cell.is_empty() && !matches!(c, Cell::Null) {
                line.extend_from_slice(b"\"\"");
            } else {
                csv_field(&cell, alone, &mut line);
            }
        }
        line.push(b'\n');
        w.write_all(&line)?;
    }
    w.flush()
}

fn json_value(c: &Cell) -> serde_json::Value {
    use serde_json::Value;
    match c {
        Cell::Null => Value::Null,
        Cell::Bool(b) => Value::Bool(*b),
        Cell::Int(x) => Value::from(*x),
        Cell::UInt(x) => Value::from(*x),
        Cell::Float(x) => serde_json::Number::from_f64(*x)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Cell::Str(s) => Value::String(s.clone()),
        Cell::Time(t) => Value::String(time_text(t)),
        Cell::List(v) => Value::Array(v.iter().map(json_value).collect()),
    }
}

fn json(r: &ResultTable, w: &mut dyn Write) -> io::Result<()> {
    // C1, bidirectional and invisible characters as `\uXXXX` (serde_json escapes C0 only)
    let mut safe = crate::report::filter::Filter::json(w);
    json_rows(r, &mut safe)?;
    safe.finish()
}

fn json_rows(r: &ResultTable, w: &mut dyn Write) -> io::Result<()> {
    let keys: Vec<String> = r
        .columns
        .iter()
        .map(|c| serde_json::to_string(&c.name))
        .collect::<Result<_, _>>()?;
    writeln!(w, "[")?;
    for (n, row) in r.rows.iter().enumerate() {
        let mut fields = Vec::with_capacity(row.len());
        for (k, c) in keys.iter().zip(row) {
            fields.push(format!("{k}: {}", serde_json::to_string(&json_value(c))?));
        }
        let comma = if n + 1 < r.rows.len() { "," } else { "" };
        writeln!(w, "  {{{}}}{comma}", fields.join(", "))?;
    }
    writeln!(w, "]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::frame::ResultColumn;

    fn result() -> ResultTable {
        ResultTable {
            columns: vec![
                ResultColumn {
                    name: "name".into(),
                    dtype: "str".into(),
                },
                ResultColumn {
                    name: "n".into(),
                    dtype: "u32".into(),
                },
            ],
            rows: vec![
                vec![Cell::Str("=cmd|x\u{1b}[2J".into()), Cell::UInt(3)],
                vec![Cell::Null, Cell::UInt(12)],
            ],
        }
    }

    #[test]
    fn wide_characters_keep_the_table_aligned() {
        let mut r = result();
        r.rows = vec![
            vec![Cell::Str("礼萨.卡里米".into()), Cell::UInt(1)],
            vec![Cell::Str("ana".into()), Cell::UInt(2)],
        ];
        let mut t = Vec::new();
        write(&r, SqlFormat::Table, &mut t).expect("table");
        let t = String::from_utf8(t).expect("utf8");
        let cols: Vec<usize> = t
            .lines()
            .take(4)
            .map(|l| escape::width(l.trim_end()))
            .collect();
        // every row as wide as the rule under the header
        assert!(cols.iter().all(|&c| c == cols[1]), "{cols:?}\n{t}");
    }

    #[test]
    fn every_format() {
        let mut t = Vec::new();
        write(&result(), SqlFormat::Table, &mut t).expect("table");
        let t = String::from_utf8(t).expect("utf8");
        assert!(!t.contains('\u{1b}'), "{t}");
        assert!(t.ends_with("(2 rows)\n"), "{t}");
        let mut c = Vec::new();
        write(&result(), SqlFormat::Csv, &mut c).expect("csv");
        let c = String::from_utf8(c).expect("utf8");
        assert!(c.starts_with("name,n\n'=cmd|x"), "{c}");
        let mut j = Vec::new();
        write(&result(), SqlFormat::Json, &mut j).expect("json");
        let v: serde_json::Value = serde_json::from_slice(&j).expect("valid json");
        assert_eq!(v[1]["n"], 12);
        assert!(v[1]["name"].is_null());
    }

    #[test]
    fn csv_tells_an_empty_text_from_a_null() {
        let mut r = result();
        r.rows = vec![
            vec![Cell::Str(String::new()), Cell::Null],
            vec![Cell::Null, Cell::UInt(1)],
            vec![Cell::List(Vec::new()), Cell::UInt(2)],
        ];
        let mut c = Vec::new();
        write(&r, SqlFormat::Csv, &mut c).expect("csv");
        assert_eq!(
            String::from_utf8(c).expect("utf8"),
            "name,n\n\"\",\n,1\n\"\",2\n"
        );
    }
}
