//! Command-line definition (clap derive only).
