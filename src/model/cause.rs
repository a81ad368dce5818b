//! The causes of group-based-licensing errors (licensing.md §6). One enum for every cause licdiag knows,
//! plus `Unknown` so a code it has never seen is kept verbatim instead of dropped.

use serde::{Serialize, Serializer};
use std::fmt;

/// licdiag's code for a failed licensing operation whose reason names no error code (kept as an
/// unknown code, the reason as its message).
pub const UNSPECIFIED_FAILURE: &str = "UnspecifiedFailure";

/// The code an `invalid usage location` answer is kept under (licensing.md §3.1 names it so): a
/// user without a valid usage location, whom `assignLicense` refuses at once, is no
/// ProhibitedInUsageLocationViolation (a valid location where a plan is not offered, §6 #4), whose
/// explanation and fix (remove the user from the licensing group) would be wrong for it.
pub const INVALID_USAGE_LOCATION: &str = "invalidUsageLocation";

/// The code a refused direct removal of a license the user inherits from a group is kept under:
/// MSOnline's exception name (licensing.md §6.1: the message contains `User license is inherited
/// from a group membership`). No group-licensing error and no user without a license: an
/// administrator's change refused at once, whose fix is the group (leave it, or take the product
/// off it), never a retry of the direct change.
pub const INHERITED_LICENSE: &str = "InvalidOperationOnGroupInheritedLicenseException";

/// Equal, hashed and ordered as its code in any ASCII case: an unknown code two exports spell in
/// two cases (`FancyNewViolation`, `FANCYNEWVIOLATION`) is one cause, one finding (the known ones
/// are read in any case already, [`Cause::from_code`]).
#[derive(Clone, Debug)]
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
    Unknown(super::Code),
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
            "prohibitedinusagelocationviolation" => Cause::ProhibitedInUsageLocationViolation,
            // the beta cloud-licensing code: a user without a valid usage location, not a
            // prohibited one; kept under its canonical spelling
            "invalidusagelocation" => Cause::Unknown(INVALID_USAGE_LOCATION.into()),
            // MSOnline's refusal to remove an inherited license directly; kept under its
            // canonical spelling
            "invalidoperationongroupinheritedlicenseexception" => {
                Cause::Unknown(INHERITED_LICENSE.into())
            }
            "uniquenessviolation" | "proxyaddressconflict" => Cause::UniquenessViolation,
            "other" | "others" => Cause::Other,
            "licenseassignmentattributeconcurrencyexception" => Cause::ConcurrencyException,
            "missingprerequisite" => Cause::MissingPrerequisite,
            _ => Cause::Unknown(c.into()),
        })
    }

    /// Whether this is licdiag's `UnspecifiedFailure`: a failed licensing record whose reason
    /// names no error code (or that carries no reason at all).
    pub fn is_unspecified(&self) -> bool {
        matches!(self, Cause::Unknown(c) if c.as_str() == UNSPECIFIED_FAILURE)
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
            Cause::Unknown(s) => s.as_str(),
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
            Cause::Unknown(c) if c.as_str() == UNSPECIFIED_FAILURE => {
                "Failure without an error code"
            }
            Cause::Unknown(c) if c.as_str() == INVALID_USAGE_LOCATION => "No valid usage location",
            Cause::Unknown(c) if c.as_str() == INHERITED_LICENSE => {
                "License inherited from a group: cannot be removed directly"
            }
            Cause::Unknown(_) => "Error code not known to licdiag",
        }
    }
}

impl Cause {
    /// Whether this is the refused direct removal of a license the user inherits from a group
    /// ([`INHERITED_LICENSE`]): an administrator's change refused at once, after which the user
    /// still holds the license and nothing is in error on the user. Its users are named, but no
    /// user is "affected" by it as by a license the user does not get.
    pub fn is_refused_removal(&self) -> bool {
        matches!(self, Cause::Unknown(c) if c.as_str() == INHERITED_LICENSE)
    }

    /// Whether an error of this cause leaves a user (or a group's members) without a license it
    /// should get, so that its pending users count as affected: every cause but
    /// [`Self::is_refused_removal`].
    pub fn leaves_users_unlicensed(&self) -> bool {
        !self.is_refused_removal()
    }
}

impl Cause {
    /// The variant's place in the declaration: the order of causes, as derived before.
    fn rank(&self) -> u8 {
        match self {
            Cause::CountViolation => 0,
            Cause::MutuallyExclusiveViolation => 1,
            Cause::DependencyViolation => 2,
            Cause::ProhibitedInUsageLocationViolation => 3,
            Cause::UniquenessViolation => 4,
            Cause::Other => 5,
            Cause::ConcurrencyException => 6,
            Cause::MissingPrerequisite => 7,
            Cause::Unknown(_) => 8,
        }
    }
    /// An unknown code's bytes in lower case (nothing for a known cause).
    fn folded(&self) -> impl Iterator<Item = u8> + '_ {
        let text: &str = match self {
            Cause::Unknown(t) => t,
            _ => "",
        };
        text.bytes().map(|b| b.to_ascii_lowercase())
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank() && self.folded().eq(other.folded())
    }
}

impl Eq for Cause {}

impl std::hash::Hash for Cause {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u8(self.rank());
        for b in self.folded() {
            h.write_u8(b);
        }
    }
}

impl Ord for Cause {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank()
            .cmp(&other.rank())
            .then_with(|| self.folded().cmp(other.folded()))
    }
}

impl PartialOrd for Cause {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
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

    /// The codes licdiag keeps under a spelling of its own: read in any case, written as the
    /// documentation writes them.
    #[test]
    fn codes_kept_under_their_own_spelling() {
        for (read, kept) in [
            ("invalidUsageLocation", INVALID_USAGE_LOCATION),
            ("INVALIDUSAGELOCATION", INVALID_USAGE_LOCATION),
            (
                "InvalidOperationOnGroupInheritedLicenseException",
                INHERITED_LICENSE,
            ),
            (
                " invalidoperationongroupinheritedlicenseexception ",
                INHERITED_LICENSE,
            ),
        ] {
            let c = Cause::from_code(read).unwrap();
            assert_eq!(c.code(), kept, "{read}");
            assert_ne!(c.title(), "Error code not known to licdiag", "{read}");
        }
    }

    /// An unknown code in two cases is one cause (equal, the same hash, neither before the other);
    /// the causes keep their order.
    #[test]
    fn unknown_codes_are_one_cause_in_any_case() {
        use std::hash::BuildHasher;
        let a = Cause::from_code("FancyNewViolation").unwrap();
        let b = Cause::from_code("FANCYNEWVIOLATION").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
        let h = std::collections::hash_map::RandomState::new();
        assert_eq!(h.hash_one(&a), h.hash_one(&b));
        assert_eq!(a.code(), "FancyNewViolation", "spelled as read");
        assert_ne!(a, Cause::from_code("OtherNewViolation").unwrap());
        let mut all: Vec<Cause> = Cause::KNOWN.to_vec();
        all.push(a.clone());
        let mut sorted = all.clone();
        sorted.reverse();
        sorted.sort();
        assert_eq!(sorted, all);
        assert!(Cause::Unknown("a".into()) < Cause::Unknown("B".into()));
    }

    /// An unknown code is a number into one table: the same text is the same number, read as it
    /// was written, ordered as its text whatever order the texts were met in.
    #[test]
    fn unknown_codes_are_numbered_texts() {
        use crate::model::Code;
        let z = Code::of("ZzzNewViolation");
        let a = Code::of("AaaNewViolation");
        assert_eq!(Code::of("ZzzNewViolation"), z);
        assert_ne!(a, z);
        assert_ne!(Code::of("zzzNewViolation"), z, "a code is kept as written");
        assert_eq!(&*z, "ZzzNewViolation");
        assert_eq!(format!("{a} {a:?}"), "AaaNewViolation \"AaaNewViolation\"");
        assert!(a < z);
        assert_eq!(serde_json::to_string(&z).unwrap(), "\"ZzzNewViolation\"");
        assert_eq!(Code::of("").as_str(), "");
        // one word with the tag
        assert_eq!(std::mem::size_of::<Option<Cause>>(), 8);
    }
}
