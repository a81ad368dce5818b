//! Subcommand implementations: wire ingest -> normalize -> diagnose -> recommend -> report, and map
//! outcomes to exit codes (0 clean, 1 findings at or above `--fail-on`, 2 error).

use crate::cli::{AnalyzeArgs, Cli, Command, ExplainArgs, FailOn, InputArgs, InspectArgs};
use crate::diagnose::{self, DiagnoseOptions};
use crate::error::UsageError;
use crate::ingest::{self, Ingested, ReadOptions, Reading};
use crate::knowledge::Knowledge;
use crate::model::finding::{Diagnosis, Severity};
use crate::normalize::time::DateOrder;
use crate::report::{self, analysis::AnalysisDoc, analysis::EvidenceAvailable};
use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs the command; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.threads {
        Some(n) => bound_threads(n)?,
        None => bound_thread_variables(),
    }
    refuse_overwriting_inputs(&cli.command)?;
    refuse_missing_output_folder(&cli.command)?;
    hint_format_of_output(&cli.command);
    check_standard_input(&cli.command)?;
    let reading = Reading {
        progress: !cli.no_progress,
        map: !cli.no_mmap,
        date_order: match cli.date_order {
            crate::cli::DateOrderArg::Auto => None,
            crate::cli::DateOrderArg::MonthFirst => Some(DateOrder::MonthFirst),
            crate::cli::DateOrderArg::DayFirst => Some(DateOrder::DayFirst),
        },
    };
    let command = || match cli.command {
        Command::Inspect(a) => inspect(a, reading),
        Command::Analyze(a) => analyze(a, reading),
        Command::Explain(a) => explain(a),
        Command::Timeline(a) => crate::timeline::run(a, reading),
        Command::Diff(a) => crate::diff::run(a, reading),
        Command::Export(a) => crate::export::run_export(a, reading),
        Command::Sql(a) => crate::export::run_sql(a, reading),
        Command::Plan(a) => crate::plan::run(a, reading),
    };
    // the times given on the command line (`--as-of`, `--since`, `--until`), read on this thread,
    // in the order `--date-order` names (the inputs are read in it on the workers)
    match reading.date_order {
        Some(order) => crate::normalize::time::with_date_order(order, command).0,
        None => command(),
    }
    .map_err(own_output_error)
}

/// An unusable input that is licdiag's own output (a report written into the input folder with
/// `-o`, an export's tables) said to be so, with the fix, instead of "no known export".
fn own_output_error(e: anyhow::Error) -> anyhow::Error {
    use crate::error::InputError;
    // the first of several unreadable inputs, said the same way, the others named after it
    let (path, more) = match e.downcast_ref::<InputError>() {
        Some(InputError::Unusable { path, .. }) => (path, None),
        Some(InputError::Several { first, more }) => match first.as_ref() {
            InputError::Unusable { path, .. } => (path, Some(more)),
            _ => return e,
        },
        _ => return e,
    };
    let mut head = Vec::new();
    let read = std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4096), &mut head));
    match read.ok().and_then(|_| crate::error::own_output(&head)) {
        Some(what) => {
            let said = crate::error::own_output_message(path, what);
            match more {
                Some(more) => anyhow::anyhow!("{said}; {more}"),
                None => anyhow::anyhow!(said),
            }
        }
        None => e,
    }
}

/// Sets the worker threads of everything that runs in parallel: rayon's global pool (reading and
/// diagnosis) and polars' own pool (`export`, `sql`), which polars sizes from `POLARS_MAX_THREADS`
/// when it first runs. Called first thing in [`run`], while this is the only thread (setting the
/// environment is only sound then).
fn bound_threads(n: u16) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let n = capped_threads(&format!("--threads {n}"), usize::from(n), cores);
    std::env::set_var("POLARS_MAX_THREADS", n.to_string());
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .context("starting the worker threads")
}

/// Without `--threads`: `RAYON_NUM_THREADS` and `POLARS_MAX_THREADS`, which rayon and polars read
/// themselves when their pools start, held to the same cap as `--threads` (100,000 made 3,585
/// threads and ran for minutes), the variable lowered before either pool starts, with the same
/// note. A value that is not a whole number of at least 1 (`0`, `four`, past `usize`) is dropped
/// with a note: both then use one per core. Called first thing in [`run`], while this is the only thread (as
/// [`bound_threads`]).
fn bound_thread_variables() {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    // read as each reads it: rayon the value as it is, polars without the white space around it
    for (var, trim) in [("RAYON_NUM_THREADS", false), ("POLARS_MAX_THREADS", true)] {
        let Some(value) = std::env::var_os(var) else {
            continue;
        };
        let n = value.to_str().and_then(|v| {
            let v = if trim { v.trim_ascii() } else { v };
            v.parse::<usize>().ok()
        });
        // 0 or no number: not a number of threads `--threads` would take (polars refused 0 as
        // "Worker threads cannot be set to 0" and `sql` blamed the query; review 88, item 8), so
        // the variable is dropped, with a note, and the default (one per core) holds
        let Some(n) = n.filter(|n| *n > 0) else {
            let _ = writeln!(
                std::io::stderr(),
                "licdiag: note: {var}={} is not a number of worker threads (a whole number of \
                 at least 1, as --threads takes): ignored, using one per CPU core",
                value.to_string_lossy()
            );
            std::env::remove_var(var);
            continue;
        };
        let capped = capped_threads(&format!("{var}={n}"), n, cores);
        if capped != n {
            std::env::set_var(var, capped.to_string());
        }
    }
}

/// The files a command writes (each with the flag that names it; `-o -`, standard output, left
/// out) and the files and folders it reads (`-` among them when named).
fn outputs_and_inputs(command: &Command) -> (Vec<(&'static str, PathBuf)>, Vec<PathBuf>) {
    let mut outputs = Vec::new();
    let mut inputs: Vec<PathBuf> = Vec::new();
    let mut output = |flag: &'static str, p: &Option<PathBuf>| {
        if let Some(p) = p {
            outputs.push((flag, p.clone()));
        }
    };
    match command {
        Command::Inspect(a) => {
            output("-o", &a.output);
            inputs.extend(a.input.paths.iter().cloned());
        }
        Command::Analyze(a) => {
            output("-o", &a.output);
            inputs.extend(a.input.paths.iter().cloned());
            inputs.extend(a.catalog.iter().cloned());
        }
        Command::Explain(a) => output("-o", &a.output),
        Command::Timeline(a) => {
            output("-o", &a.output);
            inputs.extend(a.input.paths.iter().cloned());
        }
        Command::Diff(a) => {
            output("-o", &a.output);
            inputs.extend([a.old.clone(), a.new.clone()]);
            inputs.extend(a.catalog.iter().cloned());
        }
        Command::Export(a) => {
            // every table file it writes, and the temporary file each is written through
            let ext = crate::export::extension(a.format);
            for name in crate::export::tables::TABLE_NAMES {
                outputs.push(("--out", a.out.join(format!("{name}.{ext}"))));
                outputs.push(("--out", a.out.join(format!(".{name}.{ext}.tmp"))));
            }
            inputs.extend(a.input.paths.iter().cloned());
            inputs.extend(a.catalog.iter().cloned());
        }
        Command::Sql(_) => {}
        Command::Plan(a) => {
            let common = match &a.plan {
                crate::cli::PlanCommand::Change { common, .. }
                | crate::cli::PlanCommand::Migrate { common }
                | crate::cli::PlanCommand::DeleteGroup { common }
                | crate::cli::PlanCommand::AddOn { common, .. } => common,
            };
            output("-o", &common.output);
            inputs.extend(common.paths.iter().cloned());
            inputs.extend(common.catalog.iter().cloned());
        }
    }
    if let Command::Sql(a) = command {
        inputs.extend(a.paths.iter().cloned());
    }
    let stdin = Path::new("-");
    outputs.retain(|(_, p)| p != stdin);
    (outputs, inputs)
}

/// `-` (standard input) among the inputs: named twice to `diff` (its two snapshots are read one
/// after the other, so the second found an empty stream), or with nothing to read because standard
/// input was closed (`<&-`: the runtime puts `/dev/null` in its place) or is `/dev/null`, is said
/// to be so instead of "an empty file".
fn check_standard_input(command: &Command) -> Result<()> {
    let (_, inputs) = outputs_and_inputs(command);
    let stdin = Path::new("-");
    let named = inputs.iter().filter(|p| *p == stdin).count();
    if named == 0 {
        return Ok(());
    }
    if named > 1 {
        if let Command::Diff(_) = command {
            return Err(crate::error::InputError::Unusable {
                path: "<stdin>".into(),
                found: "`-` (standard input) is named as both OLD_SNAPSHOT and NEW_SNAPSHOT".into(),
                expected: "`-` once: standard input can be read only once (save one snapshot to a \
                           file and name it)"
                    .into(),
            }
            .into());
        }
        return Ok(()); // the reader says so for the commands that read every input at once
    }
    if stdin_is_dev_null() {
        return Err(crate::error::InputError::Unusable {
            path: "<stdin>".into(),
            found: "standard input is closed (or /dev/null): nothing to read".into(),
            expected:
                "an export piped or redirected into licdiag (`licdiag analyze - < audit.json`), \
                       or the file named instead of `-`"
                    .into(),
        }
        .into());
    }
    Ok(())
}

/// Whether standard input is `/dev/null`, which is also what a closed standard input becomes
/// (Rust's runtime opens `/dev/null` on a closed descriptor 0 before `main`).
#[cfg(target_os = "linux")]
fn stdin_is_dev_null() -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    match (
        std::fs::metadata("/proc/self/fd/0"),
        std::fs::metadata("/dev/null"),
    ) {
        (Ok(a), Ok(b)) => a.file_type().is_char_device() && a.rdev() == b.rdev(),
        _ => false,
    }
}

#[cfg(not(target_os = "linux"))]
fn stdin_is_dev_null() -> bool {
    false
}

/// Refuses, before anything is read, an output that would replace one of the command's own inputs:
/// `-o` naming an input file or a file inside an input folder (`analyze st -o
/// st/audit/page1.json` replaced the evidence with the report), or an `export --out` folder whose
/// table files are inputs. Paths are compared resolved (symbolic links, `..`), and the output is
/// also compared by identity (device and inode) with every file the input folders hold, walked as
/// the reader walks them (following links): a file reached through a symbolic link in an input
/// folder (`in/users.json -> ../real/users.json`, `-o real/users.json`), through a linked
/// subfolder, or a hard link of one (review 88, item 1). An output that does not exist yet
/// replaces nothing. Only names and metadata are read here, never a file's content.
fn refuse_overwriting_inputs(command: &Command) -> Result<()> {
    let (outputs, mut inputs) = outputs_and_inputs(command);
    inputs.retain(|p| p != Path::new("-"));
    if outputs.is_empty() || inputs.is_empty() {
        return Ok(());
    }
    // the outputs that exist (the others replace nothing), resolved
    let outputs: Vec<(&'static str, PathBuf, PathBuf, std::fs::Metadata)> = outputs
        .into_iter()
        .filter_map(|(flag, out)| {
            let real = std::fs::canonicalize(&out).ok()?;
            let meta = std::fs::metadata(&real).ok()?;
            Some((flag, out, real, meta))
        })
        .collect();
    if outputs.is_empty() {
        return Ok(());
    }
    let refuse = |flag: &str, out: &Path, which: String| -> anyhow::Error {
        let shown = if flag == "--out" {
            out.parent().unwrap_or(out).display().to_string()
        } else {
            out.display().to_string()
        };
        anyhow::anyhow!(
            "{flag} {shown}: {} is {which}, and writing there would replace it; \
             write the output outside the inputs",
            out.display()
        )
    };
    for given in inputs {
        let Ok(input) = std::fs::canonicalize(&given) else {
            continue; // missing or unreadable: the reader says so
        };
        let Ok(input_meta) = std::fs::metadata(&input) else {
            continue;
        };
        if !input_meta.is_dir() {
            for (flag, out, real, meta) in &outputs {
                if *real == input || same_file(meta, &input_meta) {
                    return Err(refuse(flag, out, format!("the input {}", given.display())));
                }
            }
            continue;
        }
        for (flag, out, real, _) in &outputs {
            if real.starts_with(&input) && *real != input {
                return Err(refuse(
                    flag,
                    out,
                    format!("a file in the input folder {}", given.display()),
                ));
            }
        }
        // every file the folder holds, through links: one of them may be the output
        if let Some((flag, out, file)) = folder_file_of(&given, &outputs) {
            return Err(refuse(
                flag,
                out,
                format!(
                    "the input {} (found in the input folder {})",
                    file.display(),
                    given.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The first file of `folder` (walked as the reader walks it: following links, hidden entries
/// left out) that is one of `outputs` (the same device and inode, or the same resolved path),
/// with the output's flag and path. Entries that cannot be read are left to the reader.
#[allow(clippy::type_complexity)]
fn folder_file_of<'a>(
    folder: &Path,
    outputs: &'a [(&'static str, PathBuf, PathBuf, std::fs::Metadata)],
) -> Option<(&'static str, &'a Path, PathBuf)> {
    let mut walk = walkdir::WalkDir::new(folder).follow_links(true).into_iter();
    while let Some(e) = walk.next() {
        let Ok(e) = e else { continue };
        if e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.') {
            if e.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        if e.file_type().is_dir() {
            continue;
        }
        let Ok(meta) = e.metadata() else { continue };
        for (flag, out, real, out_meta) in outputs {
            // where files have no inode to compare, by the resolved path
            let same = if cfg!(unix) {
                same_file(out_meta, &meta)
            } else {
                std::fs::canonicalize(e.path()).is_ok_and(|p| p == *real)
            };
            if same {
                return Some((flag, out.as_path(), e.into_path()));
            }
        }
    }
    None
}

/// Whether two files are one (hard links of the same file).
#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.is_file() && b.is_file() && a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Most worker threads per CPU core `--threads` starts: more only cost (2,000 threads on 2 cores took
/// 38 s for a run of a second), so a larger number is lowered to this, with a note.
const THREADS_PER_CORE: usize = 4;

/// `--threads N` (or a thread variable, `what` naming it as given), at most [`THREADS_PER_CORE`]
/// per core (and 256), said on standard error when lowered.
fn capped_threads(what: &str, n: usize, cores: usize) -> usize {
    let cap = (cores.max(1) * THREADS_PER_CORE).min(256);
    if n <= cap {
        return n;
    }
    let _ = writeln!(
        std::io::stderr(),
        "licdiag: note: {what} is more than {THREADS_PER_CORE} per CPU core ({cores} \
         core{}): using {cap} (more threads than cores only add switching)",
        if cores == 1 { "" } else { "s" }
    );
    cap
}

/// Whether an error is a closed pipe (`licdiag ... | head`), which is not a failure. The writers
/// of [`sink`] and [`stdout`] never return one; this is a last guard.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn read(
    input: &InputArgs,
    format: crate::cli::OutputFormat,
    reading: Reading,
    redact: &crate::cli::RedactArgs,
) -> Result<Ingested> {
    let opts = ReadOptions {
        strict: input.strict,
        progress: reading.progress,
        no_map: !reading.map,
        date_order: reading.date_order,
        hash_inputs: matches!(
            format,
            crate::cli::OutputFormat::Md | crate::cli::OutputFormat::Html
        ),
        compact: true,
        // `inspect` (this function's one caller) counts, per input and for the licensing events
        // by activity and result: no record id, and no membership change of a group that assigns
        // no license, is in what it writes (every record is still counted where it was read)
        drop_record_ids: true,
        licensing_memberships_only: true,
        ..Default::default()
    };
    // no note of malformed records: `inspect`'s report lists them
    Ok(redacted(ingest::read_inputs(&input.paths, &opts)?, redact)?.0)
}

/// Says on standard error how the inputs' locale-formatted dates were read, when a reader should
/// know ([`crate::report::view::date_caveats`]): for the commands whose outputs (tables, plans,
/// comparisons) have no place for it. The reports of `analyze`, `inspect` and `timeline` say it.
pub fn note_dates(inputs: &[crate::ingest::InputReport]) {
    let mut err = std::io::stderr().lock();
    for c in crate::report::view::date_caveats(inputs) {
        // not `eprintln!`, which panics when standard error cannot be written
        let _ = writeln!(err, "licdiag: note: {}", crate::report::table::clean(&c));
    }
}

/// Says on standard error how many records of each input were skipped as malformed, with the
/// first of them, for every command but `inspect` (whose report lists them): a report of findings
/// does not show the records it could not read, and nothing may be lost silently.
pub fn note_malformed(inputs: &[crate::ingest::InputReport]) {
    let mut err = std::io::stderr().lock();
    // a snapshot input's skipped records are said in its notes, below and in every report
    let snapshot = |i: &&crate::ingest::InputReport| {
        matches!(i.kind, Some(crate::ingest::InputKind::Snapshot(_)))
    };
    for i in inputs
        .iter()
        .filter(|i| i.malformed > 0)
        .filter(|i| !snapshot(i))
    {
        let first = i
            .issues
            .first()
            .map(|x| format!(" (first: {}: {})", x.at(), x.reason))
            .unwrap_or_default();
        let n = i.malformed;
        let text = format!(
            "{}: {n} malformed record{} skipped{first}; `licdiag inspect` lists them, `--strict` makes them fatal",
            i.path,
            if n == 1 { "" } else { "s" },
        );
        // not `eprintln!`, which panics when standard error cannot be written
        let _ = writeln!(err, "licdiag: note: {}", crate::report::table::clean(&text));
    }
    for c in crate::report::view::input_notes(inputs) {
        let _ = writeln!(err, "licdiag: warning: {}", crate::report::table::clean(&c));
    }
    for c in crate::report::view::read_remarks(inputs) {
        let _ = writeln!(err, "licdiag: note: {}", crate::report::table::clean(&c));
    }
}

/// The latest time a snapshot's license state was written: its export time is not in it, and
/// this stands for it (none without license states).
fn snapshot_latest_update(data: &Ingested) -> Option<DateTime<Utc>> {
    data.snapshot
        .users
        .iter()
        .flat_map(|u| u.license_states.iter())
        .filter_map(|st| st.last_updated)
        .max()
}

/// Says on standard error when a snapshot was written after `--as-of`: its license states (and
/// memberships) are the state at export time, which the diagnosis cannot move back in time, so
/// an error recorded after `--as-of` is still shown.
fn note_snapshot_after(data: &Ingested, as_of: DateTime<Utc>) {
    if let Some(t) = snapshot_latest_update(data).filter(|t| *t > as_of) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "licdiag: note: --as-of {} is before the snapshot was exported (a license state was updated at {}): \
             the snapshot shows the state at export time, and its errors and memberships are read as they are then",
            as_of.format("%Y-%m-%dT%H:%M:%SZ"),
            t.format("%Y-%m-%dT%H:%M:%SZ")
        );
    }
}

/// Users a note names at most ([`note_log_after_snapshot`]), then "and N more".
const AFTER_SNAPSHOT_NAMED: usize = 10;

/// Says, in every report's input notes and on standard error, when the audit log records license
/// changes after the snapshot's latest update (a successful `Change user license`, by the service
/// or an administrator, or an `Update user` that changes licenses), naming the users they change:
/// where the two disagree about a user the snapshot wins (a snapshot is taken at the end of the
/// window, as a rule), and one exported before those events holds a state since changed. The
/// snapshot's export time is not in it: its latest update stands for it. The note is put on the
/// input holding the first such record.
pub fn note_log_after_snapshot(data: &mut Ingested, as_of: DateTime<Utc>) {
    let Some(snapshot) = snapshot_latest_update(data) else {
        return;
    };
    let later: Vec<&crate::model::AuditEvent> = data
        .events
        .iter()
        .filter(|e| {
            // the same second as the snapshot's update (whole seconds there) is not after it
            e.time > snapshot
                && !crate::normalize::time::same_instant(e.time, snapshot)
                && e.time <= as_of
                && e.result == crate::model::Outcome::Success
                && (e.activity == crate::model::Activity::ChangeUserLicense
                    || (e.activity == crate::model::Activity::UpdateUser && e.licenses.is_some()))
        })
        .collect();
    let (Some(first), Some(last)) = (
        later.iter().map(|e| e.time).min(),
        later.iter().map(|e| e.time).max(),
    ) else {
        return;
    };
    let file = later
        .iter()
        .min_by_key(|e| e.reading_key())
        .map(|e| e.source.file.to_string());
    let users: std::collections::BTreeSet<String> = later
        .iter()
        .flat_map(|e| e.targets.iter())
        .filter(|t| t.kind == crate::model::TargetKind::User)
        .filter_map(|t| {
            t.upn
                .as_deref()
                .map(|u| u.trim().to_lowercase())
                .filter(|u| !u.is_empty())
                .or_else(|| t.id.as_ref().map(|i| i.to_string()))
        })
        .collect();
    let n = users.len();
    let mut named: Vec<String> = users.into_iter().take(AFTER_SNAPSHOT_NAMED).collect();
    if n > AFTER_SNAPSHOT_NAMED {
        named.push(format!("{} more", n - AFTER_SNAPSHOT_NAMED));
    }
    let named = match named.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let note = format!(
        "the audit log records {} license change{} ({} .. {}) after the snapshot's latest update ({}){}: \
         where they disagree about a user the snapshot wins, so what is said of {} is the state the \
         snapshot shows; if it was exported before them, export a new one",
        later.len(),
        if later.len() == 1 { "" } else { "s" },
        stamp(first),
        stamp(last),
        stamp(snapshot),
        if n == 0 {
            String::new()
        } else {
            format!(
                " of {n} user{} ({named})",
                if n == 1 { "" } else { "s" }
            )
        },
        match n {
            0 => "them",
            1 => "that user",
            _ => "those users",
        },
    );
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "licdiag: note: {}", crate::report::table::clean(&note));
    if let Some(r) = file.and_then(|f| data.inputs.iter_mut().find(|r| r.path == f)) {
        r.notes.push(note);
    }
}

/// Opens the destination of a report: the file named by `--output` (a closed pipe there, when it
/// names one, ends the output as on standard output), or standard output ([`stdout`]).
/// `-o -` is standard output. An error writing the file (a full disk) names it.
pub fn sink(output: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match output {
        Some(p) if p == Path::new("-") => stdout(),
        Some(p) => {
            let file = std::fs::File::create(p).with_context(|| {
                if let Some(said) = missing_output_folder(p) {
                    said
                } else if p.is_dir() {
                    format!(
                        "-o {}: is a folder; name a file to write the report into",
                        p.display()
                    )
                } else {
                    format!("-o {}: cannot create the output file", p.display())
                }
            })?;
            Box::new(std::io::BufWriter::new(ClosedPipeIsEnd {
                inner: file,
                closed: false,
                name: format!("-o {}", p.display()),
            }))
        }
        None => stdout(),
    })
}

/// `-o FILE` in a folder that does not exist, said with the fix (`licdiag analyze ... -o
/// nodir/r.txt` said only "No such file or directory"): reports are not written into folders
/// licdiag creates, as a mistyped folder would then hold the report unseen (review 88, item 5;
/// `export --out`, which names a folder, creates it).
fn missing_output_folder(p: &Path) -> Option<String> {
    let folder = p.parent().filter(|f| !f.as_os_str().is_empty())?;
    if std::fs::symlink_metadata(folder).is_ok() {
        return None;
    }
    Some(format!(
        "-o {}: the folder {} does not exist; create it first (`mkdir -p {}`) or name a file in \
         a folder that exists",
        p.display(),
        folder.display(),
        folder.display()
    ))
}

/// Refuses, before anything is read, `-o FILE` in a folder that does not exist
/// ([`missing_output_folder`]): the run would otherwise read every input to fail at the end.
fn refuse_missing_output_folder(command: &Command) -> Result<()> {
    let (outputs, _) = outputs_and_inputs(command);
    for (flag, out) in outputs {
        if flag != "-o" {
            continue;
        }
        if let Some(said) = missing_output_folder(&out) {
            anyhow::bail!(said);
        }
    }
    Ok(())
}

/// The playbook entry `explain NAME` prints. A name no entry has: close matches of the known
/// names suggested (`CountViolaton`: did you mean count-violation?); else an error code as a
/// report names it that licdiag has no entry of (`LicenseServiceUnavailableViolation`, which
/// `analyze` reports verbatim and licensing.md does not document) is explained as the reports
/// explain it, with the generic steps of an error code not known to licdiag (review 88, item 6).
fn explain_entry(name: &str) -> Result<crate::recommend::PlaybookEntry> {
    if let Some(e) = crate::recommend::lookup(name) {
        return Ok(e);
    }
    let close = explain_close_matches(name);
    if close.is_empty() && looks_like_error_code(name) {
        return Ok(crate::recommend::playbook(
            &crate::model::cause::Cause::Unknown(name.trim().to_string().into()),
        ));
    }
    let known: Vec<String> = crate::recommend::all_entries()
        .into_iter()
        .map(|e| e.key)
        .collect();
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", close.join(" or "))
    };
    Err(UsageError::Invalid {
        flag: "CAUSE",
        message: format!(
            "{name:?} is not a cause or procedure licdiag knows{hint}; known: {}",
            known.join(", ")
        ),
    }
    .into())
}

/// The names `explain` knows (entry keys, aliases, cause codes) closest to `name`, compared
/// without case, `-`, `_` and spaces: within an edit distance of a third of the name (at least
/// 1, at most 3), the closest first, at most three.
fn explain_close_matches(name: &str) -> Vec<String> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let n = norm(name);
    if n.is_empty() {
        return Vec::new();
    }
    let limit = (n.chars().count() / 3).clamp(1, 3);
    let mut found: Vec<(usize, String)> = Vec::new();
    for e in crate::recommend::all_entries() {
        let mut names = vec![e.key.clone()];
        names.extend(e.cause.as_ref().map(|c| c.code().to_string()));
        names.extend(e.aliases.iter().cloned());
        let best = names
            .iter()
            .map(|k| (strsim::levenshtein(&n, &norm(k)), k))
            .min_by_key(|(d, _)| *d);
        if let Some((d, _)) = best.filter(|(d, _)| *d <= limit) {
            // a cause is said by its code, as the reports name it; a procedure by its key
            let shown = e
                .cause
                .as_ref()
                .map_or_else(|| e.key.clone(), |c| c.code().to_string());
            found.push((d, shown));
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.1 == b.1);
    found.into_iter().take(3).map(|(_, k)| k).collect()
}

/// Whether `name` reads as an error code as the reports name one: one word of ASCII letters and
/// digits, starting with a capital, ending as the documented codes do (`...Violation`,
/// `...Exception`).
fn looks_like_error_code(name: &str) -> bool {
    let name = name.trim();
    name.len() > "Violation".len()
        && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && (name.ends_with("Violation") || name.ends_with("Exception"))
}

/// `-o rep.html` (or `.htm`, `.md`, `.json`) with the table format: the file is written as the
/// format says, never guessed from its name, and a one-line note on standard error names the
/// `--format` that writes what the name suggests (review 88, item 8).
fn hint_format_of_output(command: &Command) {
    use crate::cli::{OutputFormat, PlanCommand};
    let (format, output) = match command {
        Command::Inspect(a) => (a.format, &a.output),
        Command::Analyze(a) => (a.format, &a.output),
        Command::Explain(a) => (a.format, &a.output),
        Command::Timeline(a) => (a.format, &a.output),
        Command::Diff(a) => (a.format, &a.output),
        Command::Plan(a) => match &a.plan {
            PlanCommand::Change { common, .. }
            | PlanCommand::Migrate { common }
            | PlanCommand::DeleteGroup { common }
            | PlanCommand::AddOn { common, .. } => (common.format, &common.output),
        },
        Command::Export(_) | Command::Sql(_) => return,
    };
    if format != OutputFormat::Table {
        return;
    }
    if let Some(note) = output.as_deref().and_then(format_hint) {
        let _ = writeln!(std::io::stderr(), "licdiag: note: {note}");
    }
}

/// The note of [`hint_format_of_output`] for `-o FILE` written in the table format, when the
/// file's extension names another format.
fn format_hint(output: &Path) -> Option<String> {
    let ext = output.extension()?.to_str()?.to_ascii_lowercase();
    let (flag, what) = match ext.as_str() {
        "html" | "htm" => ("html", "an HTML report"),
        "md" | "markdown" => ("md", "a Markdown report"),
        "json" => ("json", "a JSON report"),
        _ => return None,
    };
    Some(format!(
        "-o {}: writing the table format (plain text), as --format says, whatever the file's \
         name; add `--format {flag}` for {what}",
        output.display()
    ))
}

/// Standard output, buffered, for every command's result. A reader that has gone away
/// (`licdiag ... | head`) is not an error (README, "Exit codes"): from the first write that
/// meets a closed pipe on, output is dropped and the command runs to its end, so its exit code
/// is the one its findings decide (0 or 1), whichever write the pipe closed on. Other write
/// errors (a full disk) are errors as before.
pub fn stdout() -> Box<dyn Write> {
    Box::new(std::io::BufWriter::new(ClosedPipeIsEnd {
        inner: std::io::stdout().lock(),
        closed: false,
        name: "standard output".to_string(),
    }))
}

/// A writer for which a closed pipe ends the output but is not an error ([`stdout`]); any other
/// error names the destination (`-o report.md: No space left on device`).
struct ClosedPipeIsEnd<W> {
    inner: W,
    closed: bool,
    name: String,
}

impl<W: Write> ClosedPipeIsEnd<W> {
    /// `r`, with a closed pipe turned into `ok` (and every later call made a no-op).
    fn pipe<T>(&mut self, r: std::io::Result<T>, ok: T) -> std::io::Result<T> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(ok)
            }
            Err(e) => Err(std::io::Error::new(e.kind(), format!("{}: {e}", self.name))),
            r => r,
        }
    }
}

impl<W: Write> Write for ClosedPipeIsEnd<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.pipe(r, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.pipe(r, ())
    }
}

fn inspect(a: InspectArgs, reading: Reading) -> Result<u8> {
    let data = read(&a.input, a.format, reading, &a.redact)?;
    let doc = report::inspect::InspectDoc::new(&data.inputs, &data.events);
    let mut w = sink(a.output.as_deref())?;
    report::render(&doc, a.format, &mut w).context("writing the report")?;
    w.flush().context("writing the report")?;
    release_at_exit(data);
    Ok(0)
}

/// Parses `--as-of`: RFC 3339 or any timestamp licdiag reads in exports; a bare `YYYY-MM-DD` means the
/// end of that day (UTC).
pub fn parse_as_of(s: &str) -> Result<DateTime<Utc>, UsageError> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        // the day's last instant, as `timeline --until` reads a date: an event at 23:59:59.5 is
        // on that day (23:59:59 left it out)
        if let Some(t) = d.and_hms_nano_opt(23, 59, 59, 999_999_999) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    crate::normalize::time::parse_timestamp(s).ok_or_else(|| UsageError::Invalid {
        flag: "--as-of",
        message: format!(
            "{s:?} is not a time; use RFC 3339 (2026-10-09T12:00:00Z) or a date (2026-10-09)"
        ),
    })
}

/// The "now" of a run: `--as-of` when given, else the latest time the inputs record (an event, a
/// license state's last update, a reported error), so that the same files give the same report
/// whenever they are read and an old export is judged by the rules of its own time (the conflict
/// table changed on 2025-07-14). Only inputs that record no time at all fall back to the clock,
/// read here, at the edge.
pub fn as_of_or_latest(given: Option<DateTime<Utc>>, data: &Ingested) -> DateTime<Utc> {
    given
        .or_else(|| crate::timeline::latest_time(data))
        .unwrap_or_else(Utc::now)
}

/// Reads the inputs and, with `--redact`, pseudonymizes them before anything else sees them. Every
/// command that writes goes through here.
pub fn load(
    paths: &[PathBuf],
    opts: &ReadOptions,
    redact: &crate::cli::RedactArgs,
) -> Result<Ingested> {
    Ok(load_redacted(paths, opts, redact)?.0)
}

/// [`load`], also handing back the redactor it used, so a command can map its own arguments (a UPN
/// or a group name given on the command line) onto the pseudonyms of this run.
pub fn load_redacted(
    paths: &[PathBuf],
    opts: &ReadOptions,
    redact: &crate::cli::RedactArgs,
) -> Result<(Ingested, Option<crate::redact::Redactor>)> {
    let mut data = ingest::read_inputs(paths, opts)?;
    ingest::note_setup(&mut data);
    // the notes quote the records (names, addresses): said after `--redact` has replaced them
    let (data, redactor) = redacted(data, redact)?;
    note_malformed(&data.inputs);
    Ok((data, redactor))
}

/// Applies `--redact` to what was read.
fn redacted(
    mut data: Ingested,
    redact: &crate::cli::RedactArgs,
) -> Result<(Ingested, Option<crate::redact::Redactor>)> {
    let redactor = crate::redact::Redactor::from_args(redact);
    if let Some(r) = &redactor {
        r.apply(&mut data);
    }
    Ok((data, redactor))
}

/// Loads the knowledge tables: the built-in catalog or `--catalog FILE`, completed by the snapshot's
/// subscribedSkus for products the catalog lacks.
pub fn knowledge(catalog: Option<&Path>, data: &Ingested) -> Result<Knowledge> {
    let kb = match catalog {
        Some(p) => Knowledge::from_catalog_file(p).map_err(|e| catalog_error(p, &e))?,
        None => Knowledge::builtin(),
    };
    Ok(kb
        .with_subscribed_skus(&data.snapshot.skus)
        .with_reported_names(&data.snapshot.reported_errors))
}

/// What the product catalog must be, for `--catalog` errors.
const CATALOG_EXPECTED: &str = "expected Microsoft's \"Product names and service plan identifiers for \
licensing\" CSV (download it from Microsoft Learn, plain or gzip-compressed), or leave --catalog out to \
use the built-in one";

/// A `--catalog` file that cannot be used, as one line naming the flag, the file and the fix: a
/// file that is not text (a binary, another encoding) is said to be so, not with the CSV parser's
/// byte positions.
fn catalog_error(p: &Path, e: &anyhow::Error) -> anyhow::Error {
    let text = format!("{e:#}");
    if text.to_ascii_lowercase().contains("invalid utf-8") {
        anyhow::anyhow!(
            "--catalog {}: not a UTF-8 text CSV (a binary file, or a CSV in another encoding); {CATALOG_EXPECTED}",
            p.display()
        )
    } else if text.contains("expected") {
        anyhow::anyhow!("--catalog: {text}")
    } else {
        anyhow::anyhow!("--catalog: {text}; {CATALOG_EXPECTED}")
    }
}

/// The whole `analyze` pipeline as a library call: read, normalize, diagnose, recommend.
pub struct AnalyzeRun {
    pub data: Ingested,
    pub diagnosis: Diagnosis,
}

pub fn analyze_paths(
    paths: &[PathBuf],
    opts: &ReadOptions,
    as_of: Option<DateTime<Utc>>,
    catalog: Option<&Path>,
    redact: &crate::cli::RedactArgs,
) -> Result<AnalyzeRun> {
    // The embedded catalog (a table since the twenty-seventh session: 4.9M instructions, 1.6 ms;
    // its CSV took 11-14 ms to parse) and diagnosis's patterns are built beside the
    // held membership changes and the sort, which run on one core after a large read: during the
    // read they took a core from the parsing workers. Small inputs start them with the read.
    let mut opts = opts.clone();
    let prepare: fn() = if catalog.is_none() {
        || {
            drop(Knowledge::builtin());
            diagnose::warm();
        }
    } else {
        diagnose::warm
    };
    opts.prepare = Some(prepare);
    let mut data = load(paths, &opts, redact)?;
    if let Some(given) = as_of {
        note_snapshot_after(&data, given);
    }
    let as_of = as_of_or_latest(as_of, &data);
    note_log_after_snapshot(&mut data, as_of);
    let kb = knowledge(catalog, &data)?;
    // the group-based licensing requirement needs the catalog: said here, not with the other
    // set-up notes (`ingest::note_setup`), which are made before the knowledge tables exist
    ingest::note_gbl_requirement(&mut data, &kb);
    let diagnosis = diagnose::diagnose(
        &data.events,
        &data.snapshot,
        &kb,
        &DiagnoseOptions::new(as_of),
    );
    Ok(AnalyzeRun { data, diagnosis })
}

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

/// Exit code for a diagnosis: 1 when a finding reaches the `--fail-on` severity.
pub fn exit_code(d: &Diagnosis, fail_on: FailOn) -> u8 {
    fail_on_code(d.findings.iter().map(|f| f.severity), fail_on)
}

/// Exit code for what a command found, each thing at its severity: 1 when one reaches the
/// `--fail-on` severity, 0 otherwise (always 0 with `never`). Every command that takes `--fail-on`
/// (`analyze`, `timeline`, `diff`, `plan`) decides its code here, after its report is written, so
/// a closed pipe (README, "Exit codes") does not change it.
pub fn fail_on_code(severities: impl IntoIterator<Item = Severity>, fail_on: FailOn) -> u8 {
    match threshold(fail_on) {
        Some(t) if severities.into_iter().any(|s| s >= t) => 1,
        _ => 0,
    }
}

fn analyze(a: AnalyzeArgs, reading: Reading) -> Result<u8> {
    let as_of = a.as_of.as_deref().map(parse_as_of).transpose()?;
    let opts = ReadOptions {
        strict: a.input.strict,
        progress: reading.progress,
        no_map: !reading.map,
        date_order: reading.date_order,
        keep_all: false,
        hash_inputs: matches!(
            a.format,
            crate::cli::OutputFormat::Md | crate::cli::OutputFormat::Html
        ),
        compact: true,
        drop_record_ids: true,
        licensing_memberships_only: true,
        ..Default::default()
    };
    let run = analyze_paths(
        &a.input.paths,
        &opts,
        as_of,
        a.catalog.as_deref(),
        &a.redact,
    )?;
    let snap = &run.data.snapshot;
    let doc = AnalysisDoc {
        diagnosis: &run.diagnosis,
        inputs: &run.data.inputs,
        evidence_available: EvidenceAvailable {
            audit_events: run.data.events.len(),
            snapshot_users: snap.users.len(),
            snapshot_groups: snap.groups.len(),
            snapshot_skus: snap.skus.len(),
            reported_errors: snap.reported_errors.len(),
            repeated_records: run.data.inputs.iter().map(|i| i.repeated()).sum(),
        },
        audit_retention: crate::report::analysis::RetentionNote::of(&report::view::retention(
            &run.data.inputs,
            &run.diagnosis.findings,
            run.diagnosis.as_of,
        )),
    };
    let mut w = sink(a.output.as_deref())?;
    report::render(&doc, a.format, &mut w).context("writing the report")?;
    w.flush().context("writing the report")?;
    let code = exit_code(&run.diagnosis, a.fail_on);
    release_at_exit(run);
    Ok(code)
}

/// Lets go of a command's input without freeing it, allocation by allocation: the process exits
/// right after, and freeing the events of a million-record export one by one took about a second.
pub fn release_at_exit<T>(input: T) {
    std::mem::forget(input);
}

fn explain(a: ExplainArgs) -> Result<u8> {
    let entries = match &a.cause {
        None => crate::recommend::all_entries(),
        Some(name) => vec![explain_entry(name)?],
    };
    let mut w = sink(a.output.as_deref())?;
    report::render(&report::PlaybookDoc { entries }, a.format, &mut w)
        .context("writing the report")?;
    w.flush().context("writing the report")?;
    Ok(0)
}
