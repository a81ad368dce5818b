//! licdiag's integration tests, in one test binary: each module was a binary of its own, and each
//! linked the whole library (polars included) again: 738 MB of executables in a 2.3 GB debug
//! target, on a CI machine whose disk filled while linking. Run one module with
//! `cargo test --test it cli_report::`.

mod browser;
mod cli_analyze;
mod cli_dates;
mod cli_diff;
mod cli_export;
mod cli_fail_on;
mod cli_findings;
mod cli_hostile;
mod cli_ingest_review;
mod cli_inspect;
mod cli_other_reports;
mod cli_plan;
mod cli_ps_review;
mod cli_redact;
mod cli_reference;
mod cli_report;
mod cli_robust;
mod cli_snapshot_input;
mod cli_timeline;
mod common;
mod generated_tenant;
mod ingest_formats;
mod proptest_parsers;
mod readme;
mod truncated_licenses;
