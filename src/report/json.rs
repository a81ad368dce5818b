//! JSON output: the documented, versioned machine schema (see docs/json-schema.md).

use serde::Serialize;
use std::io::{self, Write};

/// Version of the JSON documents licdiag prints. Bump on any incompatible change.
pub const SCHEMA_VERSION: &str = "1";

#[derive(Serialize)]
struct Versioned<'a, T: Serialize> {
    schema_version: &'a str,
    tool: &'a str,
    #[serde(flatten)]
    doc: &'a T,
}

pub fn write<T: Serialize>(doc: &T, w: &mut dyn Write) -> io::Result<()> {
    let v = Versioned {
        schema_version: SCHEMA_VERSION,
        tool: concat!("licdiag ", env!("CARGO_PKG_VERSION")),
        doc,
    };
    // C1, bidirectional and invisible characters as `\uXXXX` (serde_json escapes C0 only)
    let mut safe = super::filter::Filter::json(w);
    serde_json::to_writer_pretty(&mut safe, &v).map_err(io::Error::other)?;
    writeln!(safe)?;
    safe.finish()
}
