//! licdiag: offline diagnosis of Microsoft Entra group-based licensing errors.
//!
//! The pipeline, one module per stage:
//! `ingest` (read exports, detect formats, map raw records) -> `normalize` (typed audit events) ->
//! `diagnose` (findings grouped by cause) -> `recommend` (the documented fix) -> `report` (output).
//! `knowledge` holds the product catalog and the conflict / dependency tables; `model` the domain types.

pub mod cli;
pub mod commands;
pub mod diagnose;
pub mod diff;
pub mod error;
pub mod export;
pub mod ingest;
pub mod knowledge;
pub mod model;
pub mod normalize;
pub mod plan;
pub mod recommend;
pub mod redact;
pub mod report;
pub mod timeline;
