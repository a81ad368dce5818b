//! Ingestion: open inputs (files, folders, `.gz`, stdin), decode, detect each input's format from its
//! content, and stream its records out as raw values.

pub mod snapshot;
pub mod value;
pub mod jsonscan;
pub mod source;
pub mod audit;
pub mod raw;
