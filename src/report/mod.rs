//! Output: one [`Emitter`] per format, each rendering every document licdiag prints. Only this module
//! writes, always to a `&mut dyn Write` handed in by the caller.

pub mod analysis;
pub mod inspect;
pub mod json;
pub mod progress;
pub mod table;

use crate::cli::OutputFormat;
use crate::recommend::playbook::PlaybookEntry;
use analysis::AnalysisDoc;
use inspect::InspectDoc;
use std::io::{self, Write};

/// A report format.
pub trait Emitter {
    fn inspect(&self, doc: &InspectDoc<'_>, w: &mut dyn Write) -> io::Result<()>;
    fn analysis(&self, doc: &AnalysisDoc<'_>, w: &mut dyn Write) -> io::Result<()>;
    fn playbook(&self, entries: &[PlaybookEntry], w: &mut dyn Write) -> io::Result<()>;
}

pub struct Table;
pub struct Json;

impl Emitter for Table {
    fn inspect(&self, doc: &InspectDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
        table::inspect(doc, w)
    }
    fn analysis(&self, doc: &AnalysisDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
        table::analysis(doc, w)
    }
    fn playbook(&self, entries: &[PlaybookEntry], w: &mut dyn Write) -> io::Result<()> {
        table::playbook(entries, w)
    }
}

impl Emitter for Json {
    fn inspect(&self, doc: &InspectDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
        json::inspect(doc, w)
    }
    fn analysis(&self, doc: &AnalysisDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
        json::analysis(doc, w)
    }
    fn playbook(&self, entries: &[PlaybookEntry], w: &mut dyn Write) -> io::Result<()> {
        json::playbook(entries, w)
    }
}

pub fn emitter(format: OutputFormat) -> Box<dyn Emitter> {
    match format {
        OutputFormat::Table => Box::new(Table),
        OutputFormat::Json => Box::new(Json),
    }
}
