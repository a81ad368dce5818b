//! The causes of group-based-licensing errors (licensing.md §6). One enum for every cause licdiag knows,
//! plus `Unknown` so a code it has never seen is kept verbatim instead of dropped.

use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// Not enough licenses (seats) for a product.
    CountViolation,
    /// Two service plans that cannot be assigned together.
    MutuallyExclusiveViolation,
    /// A service plan another plan depends on would be removed.
    DependencyViolation,
    /// A plan of the product is not offered in the user's usage location.
    ProhibitedInUsageLocationViolation,
    /// Duplicate proxy address ("Proxy address is already being used").
    UniquenessViolation,
    /// `Other` / `Others`: generally the error of a sibling product from the same group.
    Other,
    /// `LicenseAssignmentAttributeConcurrencyException`: transient, retried by Entra.
    ConcurrencyException,
    /// An add-on assigned to a group without its prerequisite plan in the same group.
    MissingPrerequisite,
    /// A code licdiag does not know, kept verbatim.
    Unknown(super::RareText),
}

impl Cause {
    /// Every known cause, in playbook order (for `licdiag explain` and docs).
    pub const KNOWN: [Cause; 8] = [
        Cause::CountViolation,
        Cause::MutuallyExclusiveViolation,
        Cause::DependencyViolation,
        Cause::ProhibitedInUsageLocationViolation,
        Cause::UniquenessViolation,
        Cause::Other,
        Cause::ConcurrencyException,
        Cause::MissingPrerequisite,
    ];

    /// Maps an error code as exports write it (`licenseAssignmentStates[].error`, beta `assignmentError.code`,
    /// the "users with license errors" CSV, audit tokens). Returns `None` for the "no error" spellings
    /// (`null`, `""`, `None`, `No Errors`).
    pub fn from_code(code: &str) -> Option<Cause> {
        let c = code.trim();
        let lower = c.to_ascii_lowercase();
        Some(match lower.as_str() {
            "" | "none" | "null" | "no errors" | "noerror" => return None,
            "countviolation" | "noavailablelicenses" => Cause::CountViolation,
            "mutuallyexclusiveviolation" | "mutuallyexclusiveserviceplans" => {
                Cause::MutuallyExclusiveViolation
            }
            "dependencyviolation" | "missingdependency" => Cause::DependencyViolation,
            "prohibitedinusagelocationviolation" | "invalidusagelocation" => {
                Cause::ProhibitedInUsageLocationViolation
            }
            "uniquenessviolation" | "proxyaddressconflict" => Cause::UniquenessViolation,
            "other" | "others" => Cause::Other,
            "licenseassignmentattributeconcurrencyexception" => Cause::ConcurrencyException,
            "missingprerequisite" => Cause::MissingPrerequisite,
            _ => Cause::Unknown(c.into()),
        })
    }

    /// The canonical code, as PowerShell and Graph spell it.
    pub fn code(&self) -> &str {
        match self {
            Cause::CountViolation => "CountViolation",
            Cause::MutuallyExclusiveViolation => "MutuallyExclusiveViolation",
            Cause::DependencyViolation => "DependencyViolation",
            Cause::ProhibitedInUsageLocationViolation => "ProhibitedInUsageLocationViolation",
            Cause::UniquenessViolation => "UniquenessViolation",
            Cause::Other => "Other",
            Cause::ConcurrencyException => "LicenseAssignmentAttributeConcurrencyException",
            Cause::MissingPrerequisite => "MissingPrerequisite",
            Cause::Unknown(s) => s,
        }
    }

    /// A short human title, as the admin portal words it.
    pub fn title(&self) -> &str {
        match self {
            Cause::CountViolation => "Not enough licenses",
            Cause::MutuallyExclusiveViolation => "Service plans that conflict",
            Cause::DependencyViolation => "Other products depend on this license",
            Cause::ProhibitedInUsageLocationViolation => "Usage location isn't allowed",
            Cause::UniquenessViolation => "Duplicate proxy addresses",
            Cause::Other => "Other (blocked by another product of the same group)",
            Cause::ConcurrencyException => "Concurrent license processing (transient)",
            Cause::MissingPrerequisite => "Add-on without its prerequisite in the group",
            Cause::Unknown(_) => "Error code not known to licdiag",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Cause {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_error_spellings() {
        for s in ["", "None", " none ", "null", "No Errors"] {
            assert_eq!(Cause::from_code(s), None, "{s:?}");
        }
    }

    #[test]
    fn known_and_unknown_codes() {
        assert_eq!(Cause::from_code("Others"), Some(Cause::Other));
        assert_eq!(
            Cause::from_code("countviolation"),
            Some(Cause::CountViolation)
        );
        assert_eq!(
            Cause::from_code("FancyNewViolation"),
            Some(Cause::Unknown("FancyNewViolation".into()))
        );
        for c in Cause::KNOWN {
            assert_eq!(Cause::from_code(c.code()), Some(c.clone()));
        }
    }
}
