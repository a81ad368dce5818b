//! Command-line definition (clap derive only; no logic).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Offline diagnosis of Microsoft Entra group-based licensing errors from exported audit logs and
/// license snapshots. licdiag never contacts a tenant.
#[derive(Debug, Parser)]
#[command(name = "licdiag", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Never draw a progress bar (it is only drawn when stderr is a terminal, not `TERM=dumb`, anyway).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Read input files with `read` instead of mapping them into memory, for the commands that read
    /// inputs (Linux maps plain files: faster, but a file another program truncates meanwhile ends
    /// the run with an error).
    #[arg(long, global = true)]
    pub no_mmap: bool,
    /// Worker threads that parse, diagnose, export and query, for the commands that read inputs
    /// (default: one per CPU core, or `RAYON_NUM_THREADS` and `POLARS_MAX_THREADS`; at most 4 per
    /// core, whichever sets it). Fewer leave cores free for other work while a large export is read; the results are
    /// the same.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// For the commands that read inputs: the order of locale-formatted `N/N/YYYY` dates in them (a Log Analytics CSV
    /// downloaded from the portal, PowerShell exports): `auto` reads each file month-first (a US
    /// locale, as Purview writes) unless its own dates show day-first (a first field above 12,
    /// none in the second), and says so in the reports when no date could tell. Shapes whose
    /// order is their own (`D.M.YYYY`, `YYYY/M/D`, es-MX's `p. m.`, th-TH's Buddhist year, ...; see
    /// README) are read as such whatever this says.
    #[arg(long, global = true, value_enum, default_value_t = DateOrderArg::Auto)]
    pub date_order: DateOrderArg,
    #[command(subcommand)]
    pub command: Command,
}

/// `--date-order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateOrderArg {
    /// Each file's dates tell (month-first when none can).
    Auto,
    /// `M/D/YYYY` (en-US).
    MonthFirst,
    /// `D/M/YYYY` (en-GB, fr-FR, es-ES, ...).
    DayFirst,
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
    /// The ordered story for a postmortem: group license set -> processing -> failures by cause ->
    /// processing finished -> the fix -> reprocess -> resolved, with time to resolve per cause.
    Timeline(TimelineArgs),
    /// Compare two snapshots: new, cleared and changed errors, seat changes, group license changes.
    Diff(DiffArgs),
    /// Write the normalized tables (events, license states, users, groups, skus, findings) as
    /// Parquet, CSV or NDJSON.
    Export(ExportArgs),
    /// Run SQL (polars SQL) over the normalized tables.
    Sql(SqlArgs),
    /// Check a planned change offline before making it: every blocker, per user, and the documented
    /// order of steps.
    Plan(PlanArgs),
}

impl Command {
    /// The command's `--redact` flags (`explain` has none).
    pub fn redact(&self) -> Option<&RedactArgs> {
        Some(match self {
            Command::Inspect(a) => &a.redact,
            Command::Analyze(a) => &a.redact,
            Command::Explain(_) => return None,
            Command::Timeline(a) => &a.redact,
            Command::Diff(a) => &a.redact,
            Command::Export(a) => &a.redact,
            Command::Sql(a) => &a.redact,
            Command::Plan(a) => match &a.plan {
                PlanCommand::Change { common, .. }
                | PlanCommand::Migrate { common }
                | PlanCommand::DeleteGroup { common }
                | PlanCommand::AddOn { common, .. } => &common.redact,
            },
        })
    }
}

/// `--redact` on every command that writes: UPNs, mail and proxy addresses, display names and IP
/// addresses become stable pseudonyms (a keyed hash).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RedactArgs {
    /// Replace personal data (UPNs, mail and proxy addresses, display names, IP addresses) with
    /// stable pseudonyms in every output.
    #[arg(long)]
    pub redact: bool,
    /// Key for the pseudonyms: the same key gives the same pseudonyms across runs (default: a random
    /// key per run).
    #[arg(long, value_name = "KEY", requires = "redact")]
    pub redact_key: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only the story of this user (object id or UPN).
    #[arg(long, value_name = "ID|UPN")]
    pub user: Option<String>,
    /// Only the story of this group (object id or display name).
    #[arg(long, value_name = "ID|NAME")]
    pub group: Option<String>,
    /// Only events at or after this time (RFC 3339, or YYYY-MM-DD from the start of that day).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events at or before this time (RFC 3339, or YYYY-MM-DD to the end of that day).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Exit with code 1 when the story shown holds something of at least this severity. error: an
    /// open failure `analyze` rates an error (any cause but ConcurrencyException and
    /// InvalidOperationOnGroupInheritedLicenseException, and Other only when the error blocking it
    /// is known; a failure whose record names no cause); warning (the default): any open failure;
    /// info: also a failure that ended (resolved, self-resolved, closed by deleting the user or by
    /// removing the product from the group) and a group's processing run over 24 hours; never: 0
    /// whatever the story.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub redact: RedactArgs,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older snapshot export (files or a folder).
    #[arg(value_name = "OLD_SNAPSHOT")]
    pub old: PathBuf,
    /// The newer snapshot export (files or a folder).
    #[arg(value_name = "NEW_SNAPSHOT")]
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Exit with code 1 when the comparison holds something of at least this severity. error: an
    /// error NEW has and OLD did not (new, or with another cause) that `analyze` rates an error (any
    /// cause but ConcurrencyException and InvalidOperationOnGroupInheritedLicenseException, and
    /// Other only when NEW shows the user's error it stands for);
    /// warning (the default): any such new error or error with another cause; info: also a product
    /// whose seats changed and that has none left in NEW (consumed at or above enabled + warning) or
    /// whose subscription went Suspended, LockedOut or Deleted, a license turned from a group's
    /// into a direct one, a product a user lost with no error, and one a user lost to an error OLD
    /// already had (ActiveWithError -> Error, same cause); never: 0 whatever changed. Cleared
    /// errors, renames, and an error's state alone changing to ActiveWithError never count.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A newer download of Microsoft's product / service-plan catalog CSV to use instead of the
    /// built-in one (plain or gzip-compressed).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Make a malformed record of either snapshot fatal (exit 2) instead of counting it as
    /// skipped (a skipped user would show as added or removed).
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub redact: RedactArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Parquet,
    Csv,
    Ndjson,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum)]
    pub format: TableFormat,
    /// Folder to write the tables into (created if missing). `-o` and `--output` are the same
    /// flag, as on the report commands.
    #[arg(long, short = 'o', visible_alias = "output", value_name = "DIR")]
    pub out: PathBuf,
    /// What counts as "now" (RFC 3339, or YYYY-MM-DD for the end of that day), as for `analyze`. Default: the latest time
    /// found in the inputs.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// A newer download of Microsoft's product / service-plan catalog CSV to use instead of the
    /// built-in one (plain or gzip-compressed).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    #[command(flatten)]
    pub redact: RedactArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// Export files or folders, as for `analyze`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The query; tables: events, license_states, users, groups, skus, findings.
    #[arg(long, short = 'q', value_name = "SQL")]
    pub query: String,
    #[arg(long, value_enum, default_value_t = SqlFormat::Table)]
    pub format: SqlFormat,
    /// Make a malformed record fatal (exit 2) instead of counting it as skipped.
    #[arg(long)]
    pub strict: bool,
    /// What counts as "now" (RFC 3339, or YYYY-MM-DD for the end of that day), as for `analyze`. Default: the latest time
    /// found in the inputs.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub redact: RedactArgs,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub plan: PlanCommand,
}

/// Options shared by every planner.
#[derive(Debug, clap::Args)]
pub struct PlanCommon {
    /// The snapshot export (files or a folder), as for `analyze`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The group: object id, display name.
    #[arg(long, value_name = "GROUP")]
    pub group: String,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Exit with code 1 when the plan holds something of at least this severity. error (the
    /// default): a blocker; warning: a blocker or a warning; info: the same as warning (a plan has
    /// nothing below a warning); never: 0 even with blockers.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A newer download of Microsoft's product / service-plan catalog CSV to use instead of the
    /// built-in one (plain or gzip-compressed).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// What counts as "now" (RFC 3339, or YYYY-MM-DD for the end of that day). Default: the latest
    /// time found in the inputs. Given, it also picks the conflict table (before 2025-07-14
    /// Exchange Online Plan 1 and Plan 2 still conflict); without it the plan, for a change made
    /// now, is checked against the current table.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Make a malformed record fatal (exit 2) instead of counting it as skipped.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub redact: RedactArgs,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Move a group from one product to another (e.g. Office 365 E1 to E3).
    Change {
        #[command(flatten)]
        common: PlanCommon,
        /// Product to remove from the group (id, part number or name); repeatable.
        #[arg(long, value_name = "SKU")]
        remove: Vec<String>,
        /// Product to add to the group; repeatable.
        #[arg(long, value_name = "SKU")]
        add: Vec<String>,
        /// Service plan to disable in the added product; repeatable.
        #[arg(long = "disable-plan", value_name = "PLAN")]
        disable_plan: Vec<String>,
    },
    /// Migrate users from direct assignments to the group's licenses.
    Migrate {
        #[command(flatten)]
        common: PlanCommon,
    },
    /// Delete a licensed group.
    DeleteGroup {
        #[command(flatten)]
        common: PlanCommon,
    },
    /// Assign an add-on product to a group.
    AddOn {
        #[command(flatten)]
        common: PlanCommon,
        /// The add-on product (id, part number or name).
        #[arg(long, value_name = "SKU")]
        sku: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Plain text for a terminal.
    Table,
    /// The documented, versioned JSON schema.
    Json,
    /// Markdown, for tickets and postmortems.
    Md,
    /// One self-contained HTML file (no external resources).
    Html,
}

/// `--fail-on` of `analyze`, `timeline`, `diff` and `plan`: the least severity that makes the exit
/// code 1. What each severity covers is the command's own (its flag's help says).
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
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub redact: RedactArgs,
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Exit with code 1 when a finding has at least this severity. error (the default): a pending
    /// error (any cause but ConcurrencyException and InvalidOperationOnGroupInheritedLicenseException,
    /// and Other only when the error blocking it is known); warning: any pending error; info: also a
    /// resolved, self-resolved or closed one (closed: the user was deleted with the error open);
    /// never: 0 whatever is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// What counts as "now" (RFC 3339, or YYYY-MM-DD for the end of that day): decides what is still pending and which
    /// conflict table applies. Default: the latest time found in the inputs.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// A newer download of Microsoft's product / service-plan catalog CSV to use instead of the
    /// built-in one (plain or gzip-compressed).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub redact: RedactArgs,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A cause code (`CountViolation`, `MutuallyExclusiveViolation`, ...) or a procedure name; omit to
    /// list every entry.
    pub cause: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the playbook to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The global reading flags, which do not apply to `explain` (it reads no input): defined here
    /// with the global ones' ids and types so that clap does not add the global ones to this
    /// command, and hidden, so `explain --help` does not offer them (review 88, item 6). Still
    /// accepted, and ignored, as before.
    #[command(flatten)]
    pub unused: UnusedReadingArgs,
}

/// [`ExplainArgs::unused`]: the global `--no-mmap`, `--threads` and `--date-order`, hidden.
#[derive(Debug, clap::Args)]
pub struct UnusedReadingArgs {
    #[arg(long, hide = true)]
    pub no_mmap: bool,
    #[arg(long, hide = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    #[arg(long, hide = true, value_enum, default_value_t = DateOrderArg::Auto)]
    pub date_order: DateOrderArg,
}
