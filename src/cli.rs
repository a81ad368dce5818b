//! Command-line definition (clap derive only; no logic).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Offline diagnosis of Microsoft Entra group-based licensing errors from exported audit logs and
/// license snapshots. licdiag never contacts a tenant.
#[derive(Debug, Parser)]
#[command(name = "licdiag", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Never draw a progress bar (it is only drawn when stderr is a terminal anyway).
    #[arg(long, global = true)]
    pub no_progress: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what each input is: detected format, records read, events kept, records skipped (per
    /// reason), time range, and licensing events by activity.
    Inspect(InspectArgs),
    /// Find every group-based-licensing error, grouped by cause, each with its documented fix.
    Analyze(AnalyzeArgs),
    /// Print the playbook entry for a cause (or list every entry).
    Explain(ExplainArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Export files or folders (walked recursively); `.gz` is read transparently; `-` reads standard
    /// input. Formats are detected from content.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Make a malformed record fatal (exit 2) instead of counting it as skipped.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Exit with code 1 when a finding has at least this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// What counts as "now" (RFC 3339 or YYYY-MM-DD): decides what is still pending and which
    /// conflict table applies. Default: the latest time found in the inputs.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// A newer download of Microsoft's product / service-plan catalog CSV to use instead of the
    /// built-in one.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A cause code (`CountViolation`, `MutuallyExclusiveViolation`, ...) or a procedure name; omit to
    /// list every entry.
    pub cause: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}
