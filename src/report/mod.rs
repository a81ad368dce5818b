//! Output: every document licdiag prints implements [`Document`]; [`render`] picks the format.
//! Only this module writes, always to a `&mut dyn Write` handed in by the caller. Strings from exports
//! are untrusted: the table format strips control characters, Markdown and HTML escape them
//! (`escape`), CSV neutralizes spreadsheet formulas; the table and JSON outputs pass through a
//! [`filter::Filter`] as well.

pub mod analysis;
pub mod escape;
pub mod filter;
pub mod html;
pub mod inspect;
pub mod json;
pub mod md;
pub mod progress;
pub mod svg;
pub mod table;
pub mod view;

use crate::cli::OutputFormat;
use serde::Serialize;
use std::io::{self, Write};

/// A document licdiag prints, in every format it supports.
pub trait Document: Serialize {
    /// What the document is called in messages (`analyze report`, `timeline`).
    fn name(&self) -> &'static str;
    /// Plain text for a terminal.
    fn table(&self, w: &mut dyn Write) -> io::Result<()>;
    /// Markdown (GitHub flavoured).
    fn markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        unsupported(self.name(), "md", w)
    }
    /// One self-contained HTML file.
    fn html(&self, w: &mut dyn Write) -> io::Result<()> {
        unsupported(self.name(), "html", w)
    }
}

fn unsupported(name: &str, format: &str, _w: &mut dyn Write) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!("--format {format} is not available for the {name}; use table or json"),
    ))
}

/// Renders a document in the requested format.
pub fn render<D: Document>(doc: &D, format: OutputFormat, w: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Table => {
            // the last guard: no renderer's slip can put a control character on a terminal
            let mut safe = filter::Filter::terminal(w);
            doc.table(&mut safe)?;
            safe.finish()
        }
        OutputFormat::Json => json::write(doc, w),
        OutputFormat::Md => doc.markdown(w),
        OutputFormat::Html => doc.html(w),
    }
}

impl Document for inspect::InspectDoc<'_> {
    fn name(&self) -> &'static str {
        "inspect report"
    }
    fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        table::inspect(self, w)
    }
    fn markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        md::inspect(self, w)
    }
    fn html(&self, w: &mut dyn Write) -> io::Result<()> {
        html::inspect(self, w)
    }
}

impl Document for analysis::AnalysisDoc<'_> {
    fn name(&self) -> &'static str {
        "analyze report"
    }
    fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        table::analysis(self, w)
    }
    fn markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        md::analysis(self, w)
    }
    fn html(&self, w: &mut dyn Write) -> io::Result<()> {
        html::analysis(self, w)
    }
}

/// The playbook entries `licdiag explain` prints.
#[derive(Serialize)]
pub struct PlaybookDoc {
    pub entries: Vec<crate::recommend::PlaybookEntry>,
}

impl Document for PlaybookDoc {
    fn name(&self) -> &'static str {
        "playbook"
    }
    fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        table::playbook(&self.entries, w)
    }
    fn markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        md::playbook(&self.entries, w)
    }
    fn html(&self, w: &mut dyn Write) -> io::Result<()> {
        html::playbook(&self.entries, w)
    }
}
