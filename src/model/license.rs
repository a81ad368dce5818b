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
    /// Licenses present in `new` but not in `old` (by SKU).
    pub fn added(&self) -> Vec<&AssignedLicense> {
        self.new
            .iter()
            .filter(|n| !self.old.iter().any(|o| same_sku(o, n)))
            .collect()
    }
    /// Licenses present in `old` but not in `new` (by SKU).
    pub fn removed(&self) -> Vec<&AssignedLicense> {
        self.old
            .iter()
            .filter(|o| !self.new.iter().any(|n| same_sku(o, n)))
            .collect()
    }
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
