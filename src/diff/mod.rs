//! Drift between two snapshots: new, cleared and changed errors, seats, group licenses.

use crate::cli::DiffArgs;
use anyhow::Result;

pub fn run(_a: DiffArgs, _progress: bool) -> Result<u8> {
    anyhow::bail!("`licdiag diff` is not available in this build yet")
}
