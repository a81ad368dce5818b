//! CSV and NDJSON writers for tables, in plain Rust (polars only writes Parquet): one row per line,
//! columns in table order, nulls as empty CSV cells and JSON `null`. The cells arrive already
//! prepared by [`super::flavor`] (text neutralized, timestamps as text).

use super::flavor::{time_text, LIST_SEPARATOR};
use crate::normalize::frame::{ColumnData, Values};
use crate::report::escape::{csv_field, csv_record};
use std::borrow::Cow;
use std::io::Write;

fn rows(columns: &[ColumnData]) -> usize {
    columns.first().map_or(0, |c| c.values.len())
}

/// The CSV text of one cell (empty for null). `flavor::for_csv` has already turned times and lists
/// into neutralized text; they are still written the same way if they reach here.
fn csv_text(v: &Values, i: usize) -> Cow<'_, str> {
    match v {
        Values::Str(x) => Cow::Borrowed(x[i].as_deref().unwrap_or_default()),
        Values::Bool(x) => x[i].map(|b| b.to_string()).unwrap_or_default().into(),
        Values::Int(x) => x[i].map(|n| n.to_string()).unwrap_or_default().into(),
        Values::UInt(x) => x[i].map(|n| n.to_string()).unwrap_or_default().into(),
        Values::Time(x) => x[i].as_ref().map(time_text).unwrap_or_default().into(),
        Values::StrList(x) => x[i].join(LIST_SEPARATOR).into(),
    }
}

fn is_null(v: &Values, i: usize) -> bool {
    match v {
        Values::Str(x) => x[i].is_none(),
        Values::Bool(x) => x[i].is_none(),
        Values::Int(x) => x[i].is_none(),
        Values::UInt(x) => x[i].is_none(),
        Values::Time(x) => x[i].is_none(),
        Values::StrList(_) => false,
    }
}

/// Writes the columns as CSV with a header row.
/// Cells are quoted by [`csv_field`]: also when they hold a `;`, where a spreadsheet in a locale
/// whose list separator is `;` would split them.
pub fn write_csv(columns: &[ColumnData], mut out: impl Write) -> std::io::Result<()> {
    csv_record(columns.iter().map(|c| c.name.as_str()), &mut out)?;
    let alone = columns.len() == 1;
    let mut line = Vec::new();
    for i in 0..rows(columns) {
        line.clear();
        for (k, c) in columns.iter().enumerate() {
            if k > 0 {
                line.push(b',');
            }
            let cell = csv_text(&c.values, i);
            // a null is an empty cell, an empty text (or list) `""` (docs/tables.md, "Types")
            if cell.is_empty() && !is_null(&c.values, i) {
                line.extend_from_slice(b"\"\"");
            } else {
                csv_field(&cell, alone, &mut line);
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}

/// The JSON value of one cell.
fn json_value(v: &Values, i: usize) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Values::Str(x) => x[i].clone().map_or(Value::Null, Value::String),
        Values::Bool(x) => x[i].map_or(Value::Null, Value::Bool),
        Values::Int(x) => x[i].map_or(Value::Null, Value::from),
        Values::UInt(x) => x[i].map_or(Value::Null, Value::from),
        Values::Time(x) => x[i]
            .as_ref()
            .map_or(Value::Null, |t| Value::String(time_text(t))),
        Values::StrList(x) => Value::from(x[i].clone()),
    }
}

/// Writes the columns as NDJSON: one object per row, keys in column order.
/// C1, bidirectional and invisible characters are written as `\uXXXX`
/// ([`crate::report::filter::Filter::json`]).
pub fn write_ndjson(columns: &[ColumnData], out: impl Write) -> std::io::Result<()> {
    let mut out = crate::report::filter::Filter::json(out);
    ndjson_rows(columns, &mut out)?;
    out.finish()
}

fn ndjson_rows(columns: &[ColumnData], mut out: impl Write) -> std::io::Result<()> {
    let names: Vec<String> = columns
        .iter()
        .map(|c| serde_json::to_string(&c.name))
        .collect::<Result<_, _>>()?;
    for i in 0..rows(columns) {
        out.write_all(b"{")?;
        for (k, (name, c)) in names.iter().zip(columns).enumerate() {
            if k > 0 {
                out.write_all(b",")?;
            }
            out.write_all(name.as_bytes())?;
            out.write_all(b":")?;
            serde_json::to_writer(&mut out, &json_value(&c.values, i))?;
        }
        out.write_all(b"}\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<ColumnData> {
        vec![
            ColumnData::new("z_name", Values::Str(vec![Some("a,\"b\"\nc".into()), None])),
            ColumnData::new("ok", Values::Bool(vec![Some(true), None])),
            ColumnData::new("n", Values::Int(vec![Some(-3), None])),
            ColumnData::new(
                "skus",
                Values::StrList(vec![vec!["A".into(), "B".into()], vec![]]),
            ),
        ]
    }

    #[test]
    fn csv_quotes_and_nulls() {
        let mut out = Vec::new();
        write_csv(&table(), &mut out).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(
            text,
            // the second row's nulls are empty cells, its empty list `""`
            "z_name,ok,n,skus\n\"a,\"\"b\"\"\nc\",true,-3,\"A;B\"\n,,,\"\"\n"
        );
    }

    #[test]
    fn ndjson_keeps_column_order_and_types() {
        let mut out = Vec::new();
        write_ndjson(&table(), &mut out).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                r#"{"z_name":"a,\"b\"\nc","ok":true,"n":-3,"skus":["A","B"]}"#,
                r#"{"z_name":null,"ok":null,"n":null,"skus":[]}"#,
            ]
        );
    }
}
