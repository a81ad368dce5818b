//! Subcommand implementations: wire ingest -> normalize -> diagnose -> recommend -> report.
