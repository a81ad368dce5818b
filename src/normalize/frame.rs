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

/// Why `licdiag sql` did not run a query.
#[derive(Debug)]
pub enum SqlError {
    /// A statement that is not a read-only query (`DROP TABLE`, `INSERT`, `COPY`, ...), named by
    /// its leading words as sqlparser writes them.
    NotAQuery(String),
    /// polars' error (or sqlparser's, through polars), as polars words it.
    Polars(PolarsError),
}

impl From<PolarsError> for SqlError {
    fn from(e: PolarsError) -> Self {
        SqlError::Polars(e)
    }
}

/// Keeps polars' work for this thread on this thread (polars' `RAYON.install` then runs it on a
/// one-thread pool made of the calling thread) until dropped. polars' own pool threads have the
/// system's default stack (2 MB): a chain of a few hundred operators (`'a'||'a'||...`) evaluated
/// there overflowed it and aborted the process, whatever stack the calling thread had.
struct OnThisThread(bool);

impl OnThisThread {
    fn start() -> Self {
        let was = polars_async::executor::ALLOW_RAYON_THREADS.get();
        polars_async::executor::ALLOW_RAYON_THREADS.set(false);
        OnThisThread(was)
    }
}

impl Drop for OnThisThread {
    fn drop(&mut self) {
        polars_async::executor::ALLOW_RAYON_THREADS.set(self.0);
    }
}

/// Runs a polars SQL query over named tables, on the calling thread only (its stack holds the
/// query's recursion: [`OnThisThread`]). A statement that is not a query is refused; every query
/// level that groups or takes a set union, intersection or difference and says no order gets
/// `ORDER BY ALL` (before its `LIMIT`), so the same query on the same tables gives the same rows
/// in the same order. A bad query is an error, not a panic (polars may still panic on odd input:
/// callers wrap this in `catch_unwind`).
pub fn sql(tables: &[(&str, &[ColumnData])], query: &str) -> Result<ResultTable, SqlError> {
    let _local = OnThisThread::start();
    // polars' warnings are about its own API (`Deprecation: Casting from String to Date is
    // deprecated ... Use str.to_date()`, for `DATE '2026-01-01'`): nothing a query can act on
    polars::error::set_warning_function(|_, _| {});
    let prepared = prepare(query)?;
    let mut ctx = polars::sql::SQLContext::new();
    for (name, cols) in tables {
        ctx.register(name, table_frame(cols)?.lazy());
    }
    let df = ctx
        .execute(prepared.as_deref().unwrap_or(query))?
        .collect()?;
    Ok(result_of(&df)?)
}

/// Parses `query` as polars does: a statement that is not a read-only query is refused; a query
/// that needs the order [`sql`] promises is given back rewritten (`None`: run as it is). Text
/// sqlparser cannot parse, or more than one statement, is left to polars, which says why.
fn prepare(query: &str) -> Result<Option<String>, SqlError> {
    use sqlparser::ast::VisitMut;
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::{Parser, ParserOptions};
    let parsed = Parser::new(&GenericDialect)
        .with_options(ParserOptions {
            trailing_commas: true,
            ..Default::default()
        })
        .try_with_sql(query)
        .and_then(|mut p| p.parse_statements());
    let Ok(mut statements) = parsed else {
        return Ok(None);
    };
    let [statement] = statements.as_mut_slice() else {
        return Ok(None);
    };
    if !read_only(statement) {
        return Err(SqlError::NotAQuery(statement_words(statement)));
    }
    let mut ordered = Ordered(false);
    let _ = statement.visit(&mut ordered);
    Ok(ordered.0.then(|| statement.to_string()))
}

/// A query (`SELECT`, `WITH`, `VALUES`, `TABLE`), `EXPLAIN` of one, or `SHOW TABLES`.
fn read_only(statement: &sqlparser::ast::Statement) -> bool {
    use sqlparser::ast::{SetExpr, Statement};
    match statement {
        Statement::Query(q) => !matches!(
            *q.body,
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_)
        ),
        Statement::Explain { statement, .. } => read_only(statement),
        Statement::ShowTables { .. } => true,
        _ => false,
    }
}

/// The words that name a statement (`DROP TABLE`, `INSERT INTO`, `UPDATE`), as sqlparser writes
/// it back.
fn statement_words(statement: &sqlparser::ast::Statement) -> String {
    const SECOND: [&str; 9] = [
        "TABLE", "VIEW", "INDEX", "SCHEMA", "DATABASE", "FUNCTION", "INTO", "FROM", "OR",
    ];
    let text = statement.to_string();
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("").to_ascii_uppercase();
    match words.next().map(str::to_ascii_uppercase) {
        Some(w) if SECOND.contains(&w.as_str()) => format!("{first} {w}"),
        _ => first,
    }
}

/// Adds `ORDER BY ALL` to every query without an order whose rows polars gives in an order of
/// its hashing, another on every run ([`unordered`]); `.0` tells whether it added one.
struct Ordered(bool);

impl sqlparser::ast::VisitorMut for Ordered {
    type Break = ();
    fn post_visit_query(
        &mut self,
        q: &mut sqlparser::ast::Query,
    ) -> std::ops::ControlFlow<Self::Break> {
        use sqlparser::ast::{OrderBy, OrderByKind, OrderByOptions};
        if q.order_by.is_none() && unordered(&q.body) {
            q.order_by = Some(OrderBy {
                kind: OrderByKind::All(OrderByOptions {
                    asc: None,
                    nulls_first: None,
                }),
                interpolate: None,
            });
            self.0 = true;
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// Whether a query body's rows come in hash order: a `GROUP BY` (polars' grouping is not
/// stable), or `UNION` / `INTERSECT` / `EXCEPT` without `ALL` (polars removes the duplicates
/// without keeping the order). A nested query has its own order (and is visited on its own);
/// `SELECT DISTINCT` keeps the first row's order, and `UNION ALL` its inputs'.
fn unordered(body: &sqlparser::ast::SetExpr) -> bool {
    use sqlparser::ast::{GroupByExpr, SetExpr, SetQuantifier};
    match body {
        SetExpr::Select(s) => match &s.group_by {
            GroupByExpr::All(_) => true,
            GroupByExpr::Expressions(e, m) => !e.is_empty() || !m.is_empty(),
        },
        SetExpr::SetOperation {
            set_quantifier,
            left,
            right,
            ..
        } => {
            !matches!(
                set_quantifier,
                SetQuantifier::All | SetQuantifier::AllByName
            ) || unordered(left)
                || unordered(right)
        }
        _ => false,
    }
}

/// Reads a Parquet file back (tests, and anyone checking an export).
pub fn read_parquet(path: &Path) -> PolarsResult<ResultTable> {
    let file = std::fs::File::open(path)?;
    let df = ParquetReader::new(file).finish()?;
    result_of(&df)
}
