//! The `licdiag` binary: parse arguments, run, map the result to an exit code. Nothing else.

use clap::Parser;
use std::process::ExitCode;

/// Parsing allocates many small short-lived strings on every core; mimalloc's thread-local heaps
/// cut that cost (measured in benches/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = licdiag::cli::Cli::parse();
    match licdiag::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if licdiag::commands::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("licdiag: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
