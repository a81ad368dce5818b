//! Machine outputs: the normalized tables as Parquet / CSV / NDJSON (`licdiag export`), and SQL over
//! them (`licdiag sql`). The tables are built here as plain Rust columns ([`tables`]); polars itself
//! is only touched through `normalize::frame`. The schema is documented in docs/tables.md.

pub mod flavor;
pub mod sql_depth;
pub mod sql_error;
pub mod sql_output;
pub mod tables;
pub mod text;

use crate::cli::{ExportArgs, SqlArgs, TableFormat};
use crate::commands::{analyze_paths, knowledge, parse_as_of, AnalyzeRun};
use crate::ingest::{ReadOptions, Reading};
use crate::normalize::frame::{self, FileFormat, ResultTable};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use tables::Table;

/// Reads, redacts (with `--redact`), diagnoses and builds the seven tables; `hash`: the `inputs`
/// table gets each file's SHA-256 (`export`, whose tables are shared: which files they came from).
fn build_tables(
    hash: bool,
    paths: &[PathBuf],
    strict: bool,
    reading: Reading,
    as_of: Option<&str>,
    catalog: Option<&Path>,
    redact: &crate::cli::RedactArgs,
) -> Result<Vec<Table>> {
    let as_of = as_of.map(parse_as_of).transpose()?;
    let opts = ReadOptions {
        strict,
        progress: reading.progress,
        no_map: !reading.map,
        date_order: reading.date_order,
        hash_inputs: hash,
        compact: true,
        ..Default::default()
    };
    let AnalyzeRun { data, diagnosis } = analyze_paths(paths, &opts, as_of, catalog, redact)?;
    crate::commands::note_dates(&data.inputs);
    let kb = knowledge(catalog, &data)?;
    Ok(tables::build(&data, &diagnosis, &kb))
}

fn file_format(f: TableFormat) -> FileFormat {
    match f {
        TableFormat::Parquet => FileFormat::Parquet,
        TableFormat::Csv => FileFormat::Csv,
        TableFormat::Ndjson => FileFormat::Ndjson,
    }
}

/// The file name extension of the tables `export --format` writes.
pub fn extension(f: TableFormat) -> &'static str {
    file_format(f).extension()
}

/// Writes prepared columns to `path` (created or replaced): Parquet through polars, the text
/// formats through [`text`].
fn write_file(cols: &[frame::ColumnData], format: FileFormat, path: &Path) -> Result<()> {
    match format {
        FileFormat::Parquet => frame::write_parquet(cols, path)?,
        FileFormat::Csv => {
            text::write_csv(cols, std::io::BufWriter::new(std::fs::File::create(path)?))?
        }
        FileFormat::Ndjson => {
            text::write_ndjson(cols, std::io::BufWriter::new(std::fs::File::create(path)?))?
        }
    }
    Ok(())
}

/// Writes one table to `dir/NAME.EXT`, through a temporary file so a failed write never leaves a
/// half-written table behind.
fn write_one(t: &Table, format: FileFormat, dir: &Path) -> Result<PathBuf> {
    let path = dir.join(format!("{}.{}", t.name, format.extension()));
    let tmp = dir.join(format!(".{}.{}.tmp", t.name, format.extension()));
    let cols = match format {
        FileFormat::Parquet => t.columns.clone(),
        FileFormat::Csv => flavor::for_csv(&t.columns),
        FileFormat::Ndjson => flavor::for_ndjson(&t.columns),
    };
    let written = write_file(&cols, format, &tmp)
        .with_context(|| format!("{}: cannot write the {} table", path.display(), t.name))
        .and_then(|()| {
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("{}: cannot write the {} table", path.display(), t.name))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map(|()| path)
}

/// `licdiag export`: writes every table into `--out DIR`; prints one line per file. Exit code 0.
pub fn run_export(a: ExportArgs, reading: Reading) -> Result<u8> {
    if a.out.as_os_str() == "-" {
        // the report commands' `-o -` is standard output; a folder named `-` would surprise
        anyhow::bail!(
            "--out -: export writes one file per table into a folder, not to standard output; \
             give a folder (`--out tables`), or run `licdiag sql` for one table on standard output"
        );
    }
    if a.out.exists() && !a.out.is_dir() {
        anyhow::bail!(
            "--out {}: is a file, not a folder; give a folder to write the tables into",
            a.out.display()
        );
    }
    let tables = build_tables(
        true,
        &a.input.paths,
        a.input.strict,
        reading,
        a.as_of.as_deref(),
        a.catalog.as_deref(),
        &a.redact,
    )?;
    std::fs::create_dir_all(&a.out).with_context(|| {
        format!(
            "--out {}: cannot create the folder; give a folder licdiag can write to",
            a.out.display()
        )
    })?;
    if !a.out.is_dir() {
        anyhow::bail!(
            "--out {}: is a file, not a folder; give a folder to write the tables into",
            a.out.display()
        );
    }
    let format = file_format(a.format);
    let mut out = crate::commands::stdout();
    for t in &tables {
        let path = write_one(t, format, &a.out)?;
        writeln!(
            out,
            "{:<16} {:>8} rows  {}",
            t.name,
            t.rows(),
            crate::report::table::clean(&path.display().to_string())
        )
        .context("writing the list of files")?;
    }
    out.flush().context("writing the list of files")?;
    Ok(0)
}

/// Runs the query, turning a polars panic into an error (polars can panic on odd queries); the
/// panic message is kept off the terminal. The query runs on a thread with a stack of
/// [`sql_depth::QUERY_STACK`], since parsing, planning, evaluating and dropping a chain of
/// operators recurse along it (a stack overflow aborts the process: no error could be said);
/// `frame::sql` keeps polars' work on that thread (polars' pool threads have small stacks: a
/// 200-term `'a'||'a'||...` overflowed one); [`run_sql`] has refused a chain deeper than
/// [`sql_depth::MAX_DEPTH`].
fn query(tables: &[Table], q: &str) -> Result<ResultTable> {
    let named: Vec<(&str, &[frame::ColumnData])> = tables
        .iter()
        .map(|t| (t.name, t.columns.as_slice()))
        .collect();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::thread::scope(|s| {
        let run =
            || std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| frame::sql(&named, q)));
        std::thread::Builder::new()
            .name("licdiag-sql".into())
            .stack_size(sql_depth::QUERY_STACK)
            .spawn_scoped(s, run)
            // a panic outside the catch (none is known) is a panic as well
            .map(|h| h.join().unwrap_or_else(Err))
    });
    std::panic::set_hook(hook);
    let r = r.map_err(|e| {
        anyhow::anyhow!(
            "SQL: cannot start the thread that runs the query ({e}, its stack reserves {} MB \
             of address space); run with more memory or a higher `ulimit -v`",
            sql_depth::QUERY_STACK >> 20
        )
    })?;
    match r {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e @ frame::SqlError::NotAQuery(_))) => {
            Err(anyhow::anyhow!("SQL: {}", sql_error::message(&e)))
        }
        Ok(Err(e)) => Err(anyhow::anyhow!(
            "SQL: {} (tables: {}; see docs/tables.md)",
            sql_error::message(&e),
            tables::TABLE_NAMES.join(", ")
        )),
        Err(p) => {
            let why = p
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("internal error");
            Err(anyhow::anyhow!(
                "SQL: polars could not run this query ({}); simplify it or report it",
                sql_error::short(why)
            ))
        }
    }
}

/// `licdiag sql`: runs `--query` over the tables and prints the result. Exit code 0.
pub fn run_sql(a: SqlArgs, reading: Reading) -> Result<u8> {
    if a.query.trim().is_empty() {
        return Err(crate::error::UsageError::Invalid {
            flag: "--query",
            message: format!(
                "the query is empty; give a SELECT over the tables {}",
                tables::TABLE_NAMES.join(", ")
            ),
        }
        .into());
    }
    // before the inputs are read: a query polars cannot be given is refused at once
    sql_depth::check(&a.query).map_err(|why| anyhow::anyhow!("SQL: {why}"))?;
    let tables = build_tables(
        false,
        &a.paths,
        a.strict,
        reading,
        a.as_of.as_deref(),
        None,
        &a.redact,
    )?;
    let result = query(&tables, &a.query)?;
    let mut out = crate::commands::stdout();
    sql_output::write(&result, a.format, &mut out).context("writing the query result")?;
    out.flush().context("writing the query result")?;
    Ok(0)
}
