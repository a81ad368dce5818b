//! Licensing payloads carried by audit events, parsed out of their export strings: license sets
//! (`AssignedLicense` values), the group-processing summary, and license errors found in a record.

use super::cause::Cause;
use super::ids::SkuId;
use serde::Serialize;
use std::sync::Arc;

/// One `[SkuName=..., AccountId=..., SkuId=..., DisabledPlans=[...]]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AssignedLicense {
    /// `SkuName` = the SKU part number (e.g. `ENTERPRISEPACK`). Names are shared
    /// ([`super::ids::name`]): a tenant's license sets name a few products and plans, in every
    /// kept license change.
    pub sku_name: Option<Arc<str>>,
    pub sku_id: Option<SkuId>,
    /// Disabled service-plan names as written (plan names, sometimes GUIDs); the list is shared
    /// with equal lists read before it.
    pub disabled_plans: Arc<[Arc<str>]>,
}

/// Old and new license sets of a license change (`AssignedLicense` old/new values).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LicenseChange {
    pub old: Arc<[AssignedLicense]>,
    pub new: Arc<[AssignedLicense]>,
}

impl LicenseChange {
    /// Licenses present in `new` but not in `old` (by SKU), both lists whole. A change read from
    /// a record whose lists Entra cut is read with [`LicenseChange::known`].
    pub fn added(&self) -> Vec<&AssignedLicense> {
        self.new
            .iter()
            .filter(|n| !self.old.iter().any(|o| same_sku(o, n)))
            .collect()
    }
    /// Licenses present in `old` but not in `new` (by SKU), both lists whole.
    pub fn removed(&self) -> Vec<&AssignedLicense> {
        self.old
            .iter()
            .filter(|o| !self.new.iter().any(|n| same_sku(o, n)))
            .collect()
    }

    /// What the change says for sure when Entra cut some of its lists (`cut`; the lists hold
    /// the entries that were whole): a product is added only when the old list is whole (a
    /// product the cut old list leaves out may be in its lost tail), removed only when the new
    /// list is whole. The others are told apart as "added or kept" and "kept or removed".
    pub fn known(&self, cut: LicenseTruncation) -> KnownChange<'_> {
        let (added, removed) = (self.added(), self.removed());
        let (added, added_or_kept) = if cut.old {
            (Vec::new(), added)
        } else {
            (added, Vec::new())
        };
        let (removed, kept_or_removed) = if cut.new {
            (Vec::new(), removed)
        } else {
            (removed, Vec::new())
        };
        KnownChange {
            added,
            removed,
            added_or_kept,
            kept_or_removed,
            cut,
        }
    }

    /// Whether the new list holds a product (`holds` tells an entry of it): `None` when it does
    /// not say, because the list is cut (the product may be in its lost tail) or there is no
    /// list at all.
    pub fn keeps(
        &self,
        cut: LicenseTruncation,
        holds: impl Fn(&AssignedLicense) -> bool,
    ) -> Option<bool> {
        if self.new.is_empty() && self.old.is_empty() && !cut.any() {
            return None;
        }
        if self.new.iter().any(holds) {
            return Some(true);
        }
        (!cut.new).then_some(false)
    }
}

/// Which lists of a license change Entra cut (quirk 7: a large license blob is truncated, or split
/// into `sequence` chunks of which some are missing): such a list holds the entries that were whole,
/// and says nothing of those after the cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LicenseTruncation {
    pub old: bool,
    pub new: bool,
}

impl LicenseTruncation {
    /// Both lists whole.
    pub const NONE: LicenseTruncation = LicenseTruncation {
        old: false,
        new: false,
    };
    pub fn any(self) -> bool {
        self.old || self.new
    }
    /// `old`, `new` or `old and new`, `None` when both lists are whole: how the tables and the
    /// timeline name it.
    pub fn label(self) -> Option<&'static str> {
        match (self.old, self.new) {
            (false, false) => None,
            (true, false) => Some("old"),
            (false, true) => Some("new"),
            (true, true) => Some("old and new"),
        }
    }
}

/// A license change as far as its lists tell ([`LicenseChange::known`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnownChange<'a> {
    /// In the new list and not in the whole old list.
    pub added: Vec<&'a AssignedLicense>,
    /// In the old list and not in the whole new list.
    pub removed: Vec<&'a AssignedLicense>,
    /// In the new list and not in what is left of the cut old list.
    pub added_or_kept: Vec<&'a AssignedLicense>,
    /// In the old list and not in what is left of the cut new list.
    pub kept_or_removed: Vec<&'a AssignedLicense>,
    pub cut: LicenseTruncation,
}

fn same_sku(a: &AssignedLicense, b: &AssignedLicense) -> bool {
    match (&a.sku_id, &b.sku_id) {
        (Some(x), Some(y)) => x == y,
        _ => a.sku_name.is_some() && a.sku_name == b.sku_name,
    }
}

/// The `Finish applying group based license to users` result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ProcessingSummary {
    pub succeeded: u64,
    pub failed: u64,
}

/// A license error found in an audit record (a token or a documented error sentence), with what the
/// text itself tells.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LicenseError {
    pub cause: Cause,
    /// SKU named by the text (`for SKU [..]`), when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Licenses being added (`Licenses being added: [..]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses_being_added: Vec<String>,
    /// Conflicting plans (mutually exclusive) or the dependent plan first then what it needs (dependency),
    /// or the add-on then its prerequisite (missing prerequisite).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<String>,
    /// For dependencies and prerequisites: the plan(s) required.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The proxy address named by a uniqueness error, when the text names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The text it was read from (trimmed, at most a few hundred characters). Shared
    /// ([`super::ids::name`]): the same sentence fails thousands of users' assignments.
    pub text: Arc<str>,
}

thread_local! {
    /// License errors built by this thread ([`LicenseError::shared`]).
    static ERRORS: super::ids::SharedSet<LicenseError> = std::cell::RefCell::new(Default::default());
}

/// Empties this thread's set of shared license errors (when every input is read).
pub fn forget_shared_errors() {
    super::ids::forget(&ERRORS);
}

impl LicenseError {
    /// Every error shared ([`LicenseError::shared`]), into a vector of their number: collected in
    /// place, the errors' own block (152 bytes an error) was kept for the shared pointers (8), 4.3
    /// MB of a 100k-user tenant's kept events.
    pub fn share_all(v: Vec<LicenseError>) -> Vec<Arc<LicenseError>> {
        let mut shared = Vec::with_capacity(v.len());
        shared.extend(v.into_iter().map(LicenseError::shared));
        shared
    }
}

impl LicenseError {
    /// This error shared with this thread's earlier equal ones: an error is read from its text,
    /// and the same text fails thousands of users' assignments (each error held apart, with its
    /// product and plan names, was 9 MB of 274k kept events).
    pub fn shared(self) -> Arc<LicenseError> {
        super::ids::shared(&ERRORS, &self, |e: &LicenseError| Arc::new(e.clone()))
    }

    pub fn new(cause: Cause, text: &str) -> Self {
        let trimmed = text.trim();
        // at most 400 characters: most texts are shorter, and shared as they stand
        let t = match trimmed.char_indices().nth(400) {
            None => super::ids::name(trimmed),
            Some((end, _)) => super::ids::name(&format!("{}…", &trimmed[..end])),
        };
        LicenseError {
            cause,
            sku: None,
            licenses_being_added: Vec::new(),
            plans: Vec::new(),
            requires: Vec::new(),
            address: None,
            text: t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lic(name: &str) -> AssignedLicense {
        AssignedLicense {
            sku_name: Some(name.into()),
            sku_id: None,
            disabled_plans: Vec::new().into(),
        }
    }

    fn names(v: &[&AssignedLicense]) -> Vec<String> {
        v.iter()
            .map(|l| l.sku_name.as_deref().unwrap_or_default().to_string())
            .collect()
    }

    /// The review's case: `[E3, EMS, MEET]` -> `[VISIO, E3, EMS, MEET]` with one list cut after
    /// its third entry. MEET left out of a cut new list, or VISIO and MEET out of a cut old one,
    /// may be in the lost tail: neither removed nor added for sure.
    #[test]
    fn a_cut_list_adds_or_removes_nothing_it_cannot_see() {
        let old: Arc<[AssignedLicense]> = vec![lic("E3"), lic("EMS"), lic("MEET")].into();
        let new: Arc<[AssignedLicense]> = vec![lic("VISIO"), lic("E3"), lic("EMS")].into();
        let cut_new = LicenseChange {
            old: old.clone(),
            new,
        };
        let k = cut_new.known(LicenseTruncation {
            old: false,
            new: true,
        });
        assert_eq!(names(&k.added), ["VISIO"]);
        assert!(k.removed.is_empty() && k.added_or_kept.is_empty());
        assert_eq!(names(&k.kept_or_removed), ["MEET"]);
        // read as whole, as before: MEET removed
        assert_eq!(
            names(&cut_new.known(LicenseTruncation::NONE).removed),
            ["MEET"]
        );

        let cut_old = LicenseChange {
            old: vec![lic("E3"), lic("EMS")].into(),
            new: vec![lic("VISIO"), lic("E3"), lic("EMS"), lic("MEET")].into(),
        };
        let k = cut_old.known(LicenseTruncation {
            old: true,
            new: false,
        });
        assert!(k.added.is_empty() && k.removed.is_empty() && k.kept_or_removed.is_empty());
        assert_eq!(names(&k.added_or_kept), ["VISIO", "MEET"]);
    }

    #[test]
    fn a_cut_new_list_does_not_say_a_product_is_gone() {
        let c = LicenseChange {
            old: vec![lic("E3"), lic("MEET")].into(),
            new: vec![lic("E3")].into(),
        };
        let is = |n: &'static str| move |l: &AssignedLicense| l.sku_name.as_deref() == Some(n);
        let cut = LicenseTruncation {
            old: false,
            new: true,
        };
        assert_eq!(c.keeps(LicenseTruncation::NONE, is("MEET")), Some(false));
        assert_eq!(c.keeps(cut, is("MEET")), None);
        assert_eq!(c.keeps(cut, is("E3")), Some(true));
        // no lists at all say nothing; a cut old list says nothing of the new one
        assert_eq!(
            LicenseChange::default().keeps(LicenseTruncation::NONE, is("E3")),
            None
        );
        let old_cut = LicenseTruncation {
            old: true,
            new: false,
        };
        assert_eq!(c.keeps(old_cut, is("MEET")), Some(false));
        assert_eq!(old_cut.label(), Some("old"));
        assert_eq!(LicenseTruncation::NONE.label(), None);
    }
}
