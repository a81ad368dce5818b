//! The typed domain model. Everything past the parsing edge speaks these types.

pub mod cause;
pub mod event;
pub mod finding;
pub mod ids;
pub mod license;
pub mod snapshot;

pub use cause::Cause;
pub use event::{
    Activity, Actor, AuditEvent, AuditFormat, ModifiedProperty, Outcome, SourceRef, Target,
    TargetKind,
};
pub use finding::{Diagnosis, Finding, Severity};
pub use ids::{CorrelationId, ObjectId, PlanId, SkuId};
pub use license::{AssignedLicense, LicenseChange, LicenseError, ProcessingSummary};
