//! Diagnosis: audit events + snapshot -> findings grouped by cause.
