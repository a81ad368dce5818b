//! Subcommand implementations: wire ingest -> normalize -> diagnose -> recommend -> report, and map
//! outcomes to exit codes (0 clean, 1 findings at or above `--fail-on`, 2 error).

use crate::cli::{Cli, Command, InputArgs, InspectArgs};
use crate::ingest::{self, Ingested, ReadOptions};
use crate::report;
use anyhow::{Context, Result};
use std::io::Write;

/// Runs the command; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let progress = !cli.no_progress;
    match cli.command {
        Command::Inspect(a) => inspect(a, progress),
        Command::Analyze(_) | Command::Explain(_) => anyhow::bail!("not implemented yet"),
    }
}

/// Whether an error is a closed pipe (`licdiag ... | head`), which is not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn read(input: &InputArgs, progress: bool) -> Result<Ingested> {
    let opts = ReadOptions {
        strict: input.strict,
        progress,
        keep_all: false,
    };
    Ok(ingest::read_inputs(&input.paths, &opts)?)
}

fn inspect(a: InspectArgs, progress: bool) -> Result<u8> {
    let data = read(&a.input, progress)?;
    let doc = report::inspect::InspectDoc::new(&data.inputs, &data.events);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    report::emitter(a.format)
        .inspect(&doc, &mut w)
        .context("writing the report")?;
    w.flush().context("writing the report")?;
    Ok(0)
}
