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

/// `s` trimmed and lower-cased as `str::to_lowercase` does, borrowed when it already is (UPNs are
/// mostly written in lower case): the form UPNs and names are looked up by.
pub(crate) fn folded(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.trim();
    if t.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(t)
    } else {
        std::borrow::Cow::Owned(t.to_lowercase())
    }
}

/// `s` ASCII-lowercased into `buf`, without allocating; `None` when it does not fit (the names
/// compared this way are short, so a longer text cannot be one of them).
pub(crate) fn ascii_lower<'b>(s: &str, buf: &'b mut [u8]) -> Option<&'b str> {
    let b = buf.get_mut(..s.len())?;
    b.copy_from_slice(s.as_bytes());
    b.make_ascii_lowercase();
    // lower-casing ASCII bytes keeps UTF-8 valid
    std::str::from_utf8(b).ok()
}

#[cfg(test)]
mod tests {
    use super::folded;
    use proptest::prelude::*;
    use std::borrow::Cow;

    #[test]
    fn folded_borrows_what_is_already_folded() {
        assert!(matches!(
            folded(" ana@contoso.com "),
            Cow::Borrowed("ana@contoso.com")
        ));
        assert_eq!(folded("Ana@Contoso.COM"), "ana@contoso.com");
        assert_eq!(folded("ÉMILE@contoso.com"), "émile@contoso.com");
        assert_eq!(folded("  "), "");
    }

    proptest! {
        #[test]
        fn folded_is_trim_then_to_lowercase(s in "[ aZé\u{130}@.]{0,12}") {
            prop_assert_eq!(folded(&s), s.trim().to_lowercase());
        }
    }
}
