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
use crate::ingest::{Ingested, ReadOptions, Reading};
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
    crate::commands::note_dates(&data.inputs);
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

/// `licdiag diff OLD NEW`.
pub fn run(a: DiffArgs, reading: Reading) -> Result<u8> {
    let opts = ReadOptions {
        progress: reading.progress,
        no_map: !reading.map,
        date_order: reading.date_order,
        compact: true,
        ..Default::default()
    };
    // one key for both sides: with --redact and no --redact-key, the same person must get the
    // same pseudonym in OLD and NEW
    let redact = crate::redact::with_run_key(&a.redact);
    let old = read_side("OLD_SNAPSHOT", &a.old, &opts, &redact)?;
    let new = read_side("NEW_SNAPSHOT", &a.new, &opts, &redact)?;
    let kb = crate::commands::knowledge(a.catalog.as_deref(), &new)?
        .with_subscribed_skus(&old.snapshot.skus);
    let doc = diff(&old, &new, &display(&a.old), &display(&a.new), &kb);
    let mut w = crate::commands::sink(a.output.as_deref())?;
    crate::report::render(&doc, a.format, &mut w).context("writing the diff")?;
    w.flush().context("writing the diff")?;
    Ok(u8::from(doc.has_new_errors()))
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
