//! The typed domain model. Everything past the parsing edge speaks these types.

pub mod cause;
pub mod event;
pub mod finding;
pub mod hash;
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

/// `s` ASCII-lowercased into `buf`, without allocating; `None` when it does not fit (the names
/// compared this way are short, so a longer text cannot be one of them).
pub(crate) fn ascii_lower<'b>(s: &str, buf: &'b mut [u8]) -> Option<&'b str> {
    let b = buf.get_mut(..s.len())?;
    b.copy_from_slice(s.as_bytes());
    b.make_ascii_lowercase();
    // lower-casing ASCII bytes keeps UTF-8 valid
    std::str::from_utf8(b).ok()
}
