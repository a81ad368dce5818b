//! Normalization: raw export records -> typed [`crate::model::AuditEvent`]s.

pub mod time;
