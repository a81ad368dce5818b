//! `licdiag-gen`: writes a synthetic Entra tenant of any size into a folder, for benchmarks and
//! end-to-end tests of licdiag: a license-state snapshot, the same audit log in every requested
//! export format, and `truth.json` (the findings a correct diagnosis must recover).
//!
//! ```text
//! licdiag-gen --out DIR --users N --events M [--formats graph-jsonl,graph-array,...] [--seed S]
//! DIR/snapshot/{users,groups,subscribedSkus}.json
//! DIR/audit/audit-graph.jsonl | audit-graph-page.json | audit-azure-monitor.json
//!          | audit-portal.csv | audit-la.csv | audit-purview.csv
//! DIR/truth.json
//! ```
//!
//! Deterministic for a seed; every format is written by its own thread, streaming. Bad arguments
//! are one line on stderr and exit code 2.

mod catalog;
mod events;
mod formats;
mod out;
mod rng;
mod snapshot;
mod tenant;
mod time;
mod truth;

use clap::Parser;
use formats::{Format, Renderer};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use tenant::Tenant;

/// Write a synthetic Entra ID tenant (license snapshot + audit log in several export formats +
/// ground truth) for licdiag benchmarks and tests.
#[derive(Debug, Parser)]
#[command(name = "licdiag-gen", version)]
struct Args {
    /// Output folder (created; existing generated files are overwritten, and an earlier run's audit
    /// files of formats not asked for now are removed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of users in the tenant (at least 50).
    #[arg(long, value_name = "N")]
    users: u64,
    /// Audit records per format (licensing activity + directory noise).
    #[arg(long, value_name = "M")]
    events: u64,
    /// Audit export formats to write, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Format::ALL.to_vec())]
    formats: Vec<Format>,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Do not print the summary line.
    #[arg(long)]
    quiet: bool,
}

const MIN_USERS: u64 = 50;
const MAX_USERS: u64 = 5_000_000;
const MAX_EVENTS: u64 = 2_000_000_000;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.render().to_string();
            // the message up to clap's blank line, on one line: a missing argument is named on the
            // lines after "not provided:"
            let first: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let first = first.join(" ");
            let first = match first.trim_start_matches("error: ") {
                "" => "invalid arguments",
                f => f,
            };
            // clap names the possible values itself for most invalid values; said once
            let hint = if e.kind() == ErrorKind::InvalidValue
                && text.contains("--formats")
                && !first.contains("possible values")
            {
                format!(
                    " (possible values: {})",
                    Format::ALL
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                std::io::stderr(),
                "licdiag-gen: error: {first}{hint}; see licdiag-gen --help"
            );
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(summary) => {
            if !args.quiet {
                let _ = writeln!(std::io::stderr(), "{summary}");
            }
            ExitCode::SUCCESS
        }
        Err(msg) => {
            let _ = writeln!(std::io::stderr(), "licdiag-gen: error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Writes one audit file; returns (records, bytes).
fn write_format(t: &Tenant, total: u64, f: Format, path: &Path) -> std::io::Result<(u64, u64)> {
    let mut file = std::fs::File::create(path)?;
    let mut r = Renderer::new(f);
    let mut buf: Vec<u8> = Vec::with_capacity(2 << 20);
    let mut bytes = 0u64;
    r.header(&mut buf);
    let mut s = events::Stream::new(t, total);
    let mut n = 0u64;
    while let Some(e) = s.next_event() {
        r.record(&e, n == 0, &mut buf);
        n += 1;
        if buf.len() >= 1 << 20 {
            file.write_all(&buf)?;
            bytes += buf.len() as u64;
            buf.clear();
        }
    }
    r.footer(&mut buf);
    file.write_all(&buf)?;
    bytes += buf.len() as u64;
    file.flush()?;
    Ok((n, bytes))
}

fn run(a: &Args) -> Result<String, String> {
    if a.users < MIN_USERS || a.users > MAX_USERS {
        return Err(format!(
            "--users must be between {MIN_USERS} and {MAX_USERS} (got {})",
            a.users
        ));
    }
    if a.events > MAX_EVENTS {
        return Err(format!(
            "--events must be at most {MAX_EVENTS} (got {})",
            a.events
        ));
    }
    let mut formats = a.formats.clone();
    formats.sort();
    formats.dedup();
    if formats.is_empty() {
        return Err("--formats names no format".into());
    }
    let started = Instant::now();
    let t = Tenant::build(a.users as usize, a.seed);
    let min = t.plan.len() as u64;
    if a.events < min {
        return Err(format!(
            "--events {} is too small for --users {}: the licensing and membership activity alone is {min} records; use --events {min} or more, or fewer --users",
            a.events, a.users
        ));
    }
    let audit_dir = a.out.join("audit");
    let snap_dir = a.out.join("snapshot");
    for d in [&audit_dir, &snap_dir] {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    // an earlier run's audit files of formats not asked for now: another tenant's log, which a
    // reader of the folder would mix with this one (only the generator's own file names)
    for f in Format::ALL.iter().filter(|f| !formats.contains(f)) {
        let stale = audit_dir.join(f.file_name());
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(format!(
                    "cannot remove the earlier {}: {e}",
                    stale.display()
                ))
            }
        }
    }
    let (snap, audits) = std::thread::scope(|s| {
        let t = &t;
        let snap = s.spawn(|| snapshot::write(t, &snap_dir));
        let handles: Vec<_> = formats
            .iter()
            .map(|&f| {
                let path = audit_dir.join(f.file_name());
                s.spawn(move || (f, write_format(t, a.events, f, &path), path))
            })
            .collect();
        let audits: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        (snap.join(), audits)
    });
    let snap = snap
        .map_err(|_| "internal error while writing the snapshot".to_string())?
        .map_err(|e| format!("writing {}: {e}", snap_dir.display()))?;
    let mut files = Vec::new();
    let mut total_bytes = 0u64;
    for r in audits {
        let (f, res, path) =
            r.map_err(|_| "internal error while writing the audit log".to_string())?;
        let (records, bytes) = res.map_err(|e| format!("writing {}: {e}", path.display()))?;
        total_bytes += bytes;
        files.push(truth::FileInfo {
            path: format!("audit/{}", f.file_name()),
            format: Some(f),
            records,
            licensing_records: Some(t.licensing_records()),
            bytes,
        });
    }
    for (name, records) in snap {
        let bytes = std::fs::metadata(snap_dir.join(name))
            .map(|m| m.len())
            .unwrap_or(0);
        files.push(truth::FileInfo {
            path: format!("snapshot/{name}"),
            format: None,
            records,
            licensing_records: None,
            bytes,
        });
    }
    let doc = truth::build(&t, a.seed, a.events, &formats, &files);
    let truth_path = a.out.join("truth.json");
    let text = serde_json::to_string_pretty(&doc).map_err(|e| format!("truth.json: {e}"))?;
    std::fs::write(&truth_path, text + "\n")
        .map_err(|e| format!("writing {}: {e}", truth_path.display()))?;
    let secs = started.elapsed().as_secs_f64();
    Ok(format!(
        "licdiag-gen: {} users, {} audit records ({} licensing) x {} format(s), {:.1} MB of audit logs in {secs:.1} s ({:.0} MB/s) -> {}",
        a.users,
        a.events,
        t.licensing_records(),
        formats.len(),
        total_bytes as f64 / 1e6,
        total_bytes as f64 / 1e6 / secs.max(1e-9),
        a.out.display()
    ))
}
