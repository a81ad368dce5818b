//! Drift between two snapshots (`licdiag diff OLD NEW`): new license errors, cleared errors, errors
//! whose cause changed, seat changes per product, group license changes, users added and removed.
//!
//! Each side is read on its own (files or a folder; audit logs in them are ignored); `compare` does
//! the work, `render` prints it. Exit code 1 when NEW has errors OLD did not have (new, or with
//! another cause), 0 otherwise.

pub mod compare;
pub mod model;
pub mod render;

use crate::cli::DiffArgs;
use crate::ingest::{Ingested, ReadOptions};
use anyhow::{Context, Result};
use model::DiffDoc;
use std::io::Write;
use std::path::Path;

fn read_side(
    flag: &str,
    path: &Path,
    opts: &ReadOptions,
    redact: &crate::cli::RedactArgs,
) -> Result<Ingested> {
    let data = crate::commands::load(&[path.to_path_buf()], opts, redact)
        .with_context(|| format!("reading {flag} {}", path.display()))?;
    if data.snapshot.users.is_empty()
        && data.snapshot.groups.is_empty()
        && data.snapshot.skus.is_empty()
    {
        anyhow::bail!(
            "{flag} {}: no license snapshot found (Graph users, groups or subscribedSkus export); \
             diff compares two snapshots, audit logs are not used",
            path.display()
        );
    }
    Ok(data)
}

/// Compares two read snapshots; `kb` names products and plans.
pub fn diff(
    old: &Ingested,
    new: &Ingested,
    old_path: &str,
    new_path: &str,
    kb: &crate::knowledge::Knowledge,
) -> DiffDoc {
    compare::compare(&old.snapshot, &new.snapshot, old_path, new_path, kb)
}

fn sink(output: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p)
                .with_context(|| format!("{}: cannot create the output file (-o)", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// `licdiag diff OLD NEW`.
pub fn run(a: DiffArgs, progress: bool) -> Result<u8> {
    let opts = ReadOptions {
        progress,
        ..Default::default()
    };
    // one key for both sides: with --redact and no --redact-key, the same person must get the
    // same pseudonym in OLD and NEW
    let redact = match (&a.redact.redact, &a.redact.redact_key) {
        (true, None) => crate::cli::RedactArgs {
            redact: true,
            redact_key: Some(run_key()),
        },
        _ => a.redact.clone(),
    };
    let old = read_side("OLD_SNAPSHOT", &a.old, &opts, &redact)?;
    let new = read_side("NEW_SNAPSHOT", &a.new, &opts, &redact)?;
    let kb = crate::commands::knowledge(a.catalog.as_deref(), &new)?
        .with_subscribed_skus(&old.snapshot.skus);
    let doc = diff(&old, &new, &display(&a.old), &display(&a.new), &kb);
    let mut w = sink(a.output.as_deref())?;
    crate::report::render(&doc, a.format, &mut w).context("writing the diff")?;
    w.flush().context("writing the diff")?;
    Ok(u8::from(doc.has_new_errors()))
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// A random key for this run's pseudonyms (read from the clock and the process's hasher seed).
fn run_key() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{:016x}", h.finish())
}
