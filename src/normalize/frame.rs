//! The one place polars lives (its API changes between releases): normalized events as a DataFrame
//! and the aggregations licdiag computes over it, tables given as plain Rust columns turned into
//! frames, written as Parquet, queried with polars SQL and read back. Everything
//! outside this module sees plain Rust types.

use crate::model::AuditEvent;
use chrono::{DateTime, Utc};
use polars::prelude::*;
use polars_io::parquet::read::ParquetReader;
use polars_io::parquet::write::{ParquetCompression, ParquetWriter};
use polars_io::SerReader;
use serde::Serialize;
use std::path::Path;

/// One row of a licensing-activity breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActivityCount {
    pub activity: String,
    pub result: String,
    pub count: u64,
}

/// The events as a DataFrame: one row per event with time (ms since epoch, UTC), activity, result,
/// category, first error cause and first target id.
pub fn events_frame(events: &[&AuditEvent]) -> PolarsResult<DataFrame> {
    let time: Vec<i64> = events.iter().map(|e| e.time.timestamp_millis()).collect();
    let activity: Vec<&str> = events.iter().map(|e| e.activity.name()).collect();
    let result: Vec<&str> = events.iter().map(|e| e.result.as_str()).collect();
    let category: Vec<Option<&str>> = events.iter().map(|e| e.category.as_deref()).collect();
    let cause: Vec<Option<&str>> = events
        .iter()
        .map(|e| e.extra.errors.first().map(|x| x.cause.code()))
        .collect();
    let target: Vec<Option<String>> = events
        .iter()
        .map(|e| {
            e.targets
                .first()
                .and_then(|t| t.id.as_ref().map(|i| i.to_string()))
        })
        .collect();
    df!(
        "time_ms" => time,
        "activity" => activity,
        "result" => result,
        "category" => category,
        "cause" => cause,
        "target_id" => target,
    )
}

/// Licensing events counted by activity and result, sorted by activity then result.
pub fn licensing_by_activity_result(events: &[AuditEvent]) -> PolarsResult<Vec<ActivityCount>> {
    let licensing: Vec<&AuditEvent> = events.iter().filter(|e| e.is_licensing()).collect();
    let df = events_frame(&licensing)?
        .lazy()
        .group_by([col("activity"), col("result")])
        .agg([len().alias("count")])
        .sort(["activity", "result"], SortMultipleOptions::default())
        .collect()?;
    let a = df.column("activity")?.str()?.clone();
    let r = df.column("result")?.str()?.clone();
    let c = df.column("count")?.cast(&DataType::UInt64)?;
    let c = c.u64()?;
    Ok((0..df.height())
        .map(|i| ActivityCount {
            activity: a.get(i).unwrap_or_default().to_string(),
            result: r.get(i).unwrap_or_default().to_string(),
            count: c.get(i).unwrap_or(0),
        })
        .collect())
}

// ------------------------------------------------------------------------------------------------
// Tables: plain Rust columns in, polars frames, files and SQL results out.

/// The values of one column, in plain Rust (the callers never see a polars type).
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Str(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
    Int(Vec<Option<i64>>),
    UInt(Vec<Option<u64>>),
    /// Instants, stored as `Datetime(ms, UTC)`.
    Time(Vec<Option<DateTime<Utc>>>),
    /// Lists of strings, stored as `List(String)`.
    StrList(Vec<Vec<String>>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Str(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::UInt(v) => v.len(),
            Values::Time(v) => v.len(),
            Values::StrList(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A named column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnData {
    pub name: String,
    pub values: Values,
}

impl ColumnData {
    pub fn new(name: &str, values: Values) -> ColumnData {
        ColumnData {
            name: name.to_string(),
            values,
        }
    }
}

/// The file formats a table can be written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// Snappy-compressed Parquet; timestamps `TIMESTAMP(MILLIS, UTC)`, lists `LIST<STRING>`.
    Parquet,
    /// CSV with a header; lists and timestamps must already be text (`export::flavor`).
    Csv,
    /// One JSON object per line.
    Ndjson,
}

impl FileFormat {
    pub fn extension(&self) -> &'static str {
        match self {
            FileFormat::Parquet => "parquet",
            FileFormat::Csv => "csv",
            FileFormat::Ndjson => "ndjson",
        }
    }
}

/// One cell of a result read back from polars.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Time(DateTime<Utc>),
    List(Vec<Cell>),
}

/// A column of a result: name and polars data type (as polars prints it, e.g.
/// `datetime[ms, UTC]`, `list[str]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultColumn {
    pub name: String,
    pub dtype: String,
}

/// A query result or a table read back from a file, in plain Rust.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultTable {
    pub columns: Vec<ResultColumn>,
    pub rows: Vec<Vec<Cell>>,
}

impl ResultTable {
    /// The index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
    /// Every value of a column (an empty list when the column does not exist).
    pub fn column(&self, name: &str) -> Vec<&Cell> {
        match self.column_index(name) {
            Some(i) => self.rows.iter().filter_map(|r| r.get(i)).collect(),
            None => Vec::new(),
        }
    }
}

fn to_column(c: &ColumnData) -> Column {
    let name = PlSmallStr::from_str(&c.name);
    match &c.values {
        Values::Str(v) => Column::new(name, v),
        Values::Bool(v) => Column::new(name, v),
        Values::Int(v) => Column::new(name, v),
        Values::UInt(v) => Column::new(name, v),
        Values::Time(v) => {
            Int64Chunked::from_iter_options(name, v.iter().map(|t| t.map(|t| t.timestamp_millis())))
                .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
                .into_column()
        }
        Values::StrList(v) => {
            let mut b = ListStringChunkedBuilder::new(name, v.len(), v.len() * 2);
            for l in v {
                b.append_values_iter(l.iter().map(String::as_str));
            }
            b.finish().into_column()
        }
    }
}

/// Builds the DataFrame of a table (every column must have the same length).
pub fn table_frame(columns: &[ColumnData]) -> PolarsResult<DataFrame> {
    let height = columns.first().map(|c| c.values.len()).unwrap_or(0);
    DataFrame::new(height, columns.iter().map(to_column).collect())
}

/// Writes a table to `path` as Snappy-compressed Parquet (created or replaced). CSV and NDJSON are
/// written without polars (`export::text`).
pub fn write_parquet(columns: &[ColumnData], path: &Path) -> PolarsResult<()> {
    let mut df = table_frame(columns)?;
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    ParquetWriter::new(&mut w)
        .with_compression(ParquetCompression::Snappy)
        .finish(&mut df)?;
    std::io::Write::flush(&mut w)?;
    Ok(())
}

fn cell_of(v: AnyValue<'_>) -> Cell {
    fn time(v: i64, tu: TimeUnit) -> Cell {
        let t = match tu {
            TimeUnit::Milliseconds => DateTime::<Utc>::from_timestamp_millis(v),
            TimeUnit::Microseconds => DateTime::<Utc>::from_timestamp_micros(v),
            TimeUnit::Nanoseconds => Some(DateTime::<Utc>::from_timestamp_nanos(v)),
        };
        t.map(Cell::Time).unwrap_or(Cell::Int(v))
    }
    match v {
        AnyValue::Null => Cell::Null,
        AnyValue::Boolean(b) => Cell::Bool(b),
        AnyValue::String(s) => Cell::Str(s.to_string()),
        AnyValue::StringOwned(s) => Cell::Str(s.to_string()),
        AnyValue::Int8(x) => Cell::Int(x.into()),
        AnyValue::Int16(x) => Cell::Int(x.into()),
        AnyValue::Int32(x) => Cell::Int(x.into()),
        AnyValue::Int64(x) => Cell::Int(x),
        AnyValue::UInt8(x) => Cell::UInt(x.into()),
        AnyValue::UInt16(x) => Cell::UInt(x.into()),
        AnyValue::UInt32(x) => Cell::UInt(x.into()),
        AnyValue::UInt64(x) => Cell::UInt(x),
        AnyValue::Float32(x) => Cell::Float(x.into()),
        AnyValue::Float64(x) => Cell::Float(x),
        AnyValue::Datetime(x, tu, _) => time(x, tu),
        AnyValue::DatetimeOwned(x, tu, _) => time(x, tu),
        AnyValue::List(s) => Cell::List(
            (0..s.len())
                .map(|i| {
                    s.get(i)
                        .map(|v| cell_of(v.into_static()))
                        .unwrap_or(Cell::Null)
                })
                .collect(),
        ),
        other => Cell::Str(other.to_string()),
    }
}

fn result_of(df: &DataFrame) -> PolarsResult<ResultTable> {
    let columns = df
        .columns()
        .iter()
        .map(|c| ResultColumn {
            name: c.name().to_string(),
            dtype: c.dtype().to_string(),
        })
        .collect();
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let mut row = Vec::with_capacity(df.width());
        for c in df.columns() {
            row.push(cell_of(c.get(i)?.into_static()));
        }
        rows.push(row);
    }
    Ok(ResultTable { columns, rows })
}

/// Runs a polars SQL query over named tables. A bad query is an error, not a panic (polars may
/// still panic on odd input: callers wrap this in `catch_unwind`).
pub fn sql(tables: &[(&str, &[ColumnData])], query: &str) -> PolarsResult<ResultTable> {
    let mut ctx = polars::sql::SQLContext::new();
    for (name, cols) in tables {
        ctx.register(name, table_frame(cols)?.lazy());
    }
    let df = ctx.execute(query)?.collect()?;
    // SQL leaves the order of a GROUP BY's rows undefined and polars' hash grouping gives another
    // order on every run (one thread or not): such a result with no ORDER BY is sorted by its
    // columns, so the same query on the same files prints the same bytes
    let df = if unordered_groups(query) && df.width() > 0 {
        let by: Vec<PlSmallStr> = df.get_column_names_owned();
        df.sort(by, SortMultipleOptions::default())?
    } else {
        df
    };
    result_of(&df)
}

/// Whether a query groups (`GROUP BY`) and says no order (`ORDER BY`) anywhere.
fn unordered_groups(query: &str) -> bool {
    let words: Vec<String> = query
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let pair = |a: &str, b: &str| words.windows(2).any(|w| w[0] == a && w[1] == b);
    pair("group", "by") && !pair("order", "by")
}

/// Reads a Parquet file back (tests, and anyone checking an export).
pub fn read_parquet(path: &Path) -> PolarsResult<ResultTable> {
    let file = std::fs::File::open(path)?;
    let df = ParquetReader::new(file).finish()?;
    result_of(&df)
}
