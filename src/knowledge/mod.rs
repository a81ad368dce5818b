//! Licensing knowledge: the product / service-plan catalog and the conflict and dependency tables.
//!
//! [`Knowledge`] answers "what is this GUID" and "which plans does this product contain" from the
//! embedded Microsoft catalog (or a newer one given with `--catalog FILE`), falls back to the tenant's
//! own `subscribedSkus` for products the catalog does not know yet, and carries the dependency table
//! (which learns from audit texts at run time). The conflict table is static and versioned
//! ([`conflicts`]).

pub mod catalog;
pub mod conflicts;
pub mod dependencies;
pub mod gbl;

pub use catalog::{Catalog, PlanInfo, SkuInfo};
pub use conflicts::{conflicting_pairs, conflicts as plans_conflict, ConflictTableVersion};
pub use dependencies::{Confidence, Dependency, DependencyTable};
pub use gbl::{GblRights, GBL_QUALIFYING, GBL_REQUIREMENT};

use crate::model::hash::HashMap;
use crate::model::snapshot::{ReportedError, SubscribedSku};
use crate::model::{AuditEvent, PlanId, SkuId};
use anyhow::Context;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Service plans as the admin center's messages name them, lower-cased, with their ids: the
/// prerequisite message of licensing.md §6.1 / §7.2 (`... you must also assign one of the following
/// service plans: SharePoint Online (Plan 2), SharePoint Online Kiosk, SharePoint Online (Plan 1).`)
/// and the add-on message of §6 #8 (`... requires Exchange Online (Plan 2) to be enabled as well`).
/// The catalog's friendly names do not find them: `SharePoint Online (Plan 1)` is not one, and the
/// others are spelled so for more than one plan (`SHAREPOINT ONLINE (PLAN 2)` is also
/// `NBENTERPRISE`'s).
const ADMIN_CENTER_PLAN_NAMES: [(&str, &str); 5] = [
    (
        "sharepoint online (plan 1)",
        "c7699d2e-19aa-44de-8edf-1736da088ca1", // SHAREPOINTSTANDARD
    ),
    (
        "sharepoint online (plan 2)",
        "5dbe027f-2339-4123-9542-606e4d348a72", // SHAREPOINTENTERPRISE
    ),
    (
        "sharepoint online kiosk",
        "902b47e5-dcb2-4fdc-858b-c63a90a2bdb9", // SHAREPOINTDESKLESS
    ),
    (
        "exchange online (plan 1)",
        "9aaf7827-d63c-4b61-89c3-182f06f82e5c", // EXCHANGE_S_STANDARD
    ),
    (
        "exchange online (plan 2)",
        "efb87545-963c-4e0d-99df-69c6916d9eb0", // EXCHANGE_S_ENTERPRISE
    ),
];

/// Names and plans learned from the tenant's `subscribedSkus` (used where the catalog is silent).
#[derive(Clone, Debug, Default)]
struct Overlay {
    skus: HashMap<SkuId, SkuInfo>,
    plan_names: HashMap<PlanId, String>,
    plan_by_name: HashMap<String, PlanId>,
    /// Part numbers the tenant subscribes to (preferred over other catalog GUIDs of the same part).
    part: HashMap<String, SkuId>,
}

/// The catalog plus the conflict and dependency tables.
#[derive(Clone, Debug)]
pub struct Knowledge {
    catalog: Arc<Catalog>,
    overlay: Overlay,
    dependencies: DependencyTable,
}

/// The embedded catalog, built once (also for readers that find products by part number).
pub(crate) fn builtin_catalog() -> Arc<Catalog> {
    static CELL: OnceLock<Arc<Catalog>> = OnceLock::new();
    CELL.get_or_init(|| Arc::new(Catalog::builtin())).clone()
}

impl Knowledge {
    /// The embedded catalog and the built-in tables.
    pub fn builtin() -> Knowledge {
        Knowledge::from_catalog(builtin_catalog())
    }

    /// A catalog file given with `--catalog FILE` (Microsoft's CSV, same columns, BOM allowed).
    /// Errors name the file and the line.
    pub fn from_catalog_file(path: &Path) -> anyhow::Result<Knowledge> {
        let mut bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the catalog file {}", path.display()))?;
        // a gzip download is read as inputs are
        if crate::ingest::source::is_gzip(&bytes) {
            let mut plain = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::MultiGzDecoder::new(&bytes[..]),
                &mut plain,
            )
            .with_context(|| {
                format!(
                    "the catalog file {} is gzip-compressed but cannot be decompressed \
                     (a cut download?); download it again or pass the plain CSV",
                    path.display()
                )
            })?;
            bytes = plain;
        }
        let cat = Catalog::parse(&bytes, &path.display().to_string())?;
        Ok(Knowledge::from_catalog(Arc::new(cat)))
    }

    /// Catalog CSV bytes (for tests and embedding callers).
    pub fn from_catalog_bytes(bytes: &[u8], source: &str) -> anyhow::Result<Knowledge> {
        Ok(Knowledge::from_catalog(Arc::new(Catalog::parse(
            bytes, source,
        )?)))
    }

    fn from_catalog(catalog: Arc<Catalog>) -> Knowledge {
        Knowledge {
            catalog,
            overlay: Overlay::default(),
            dependencies: DependencyTable::builtin(),
        }
    }

    /// Adds the tenant's products as a fallback: part numbers and plans of products the catalog lacks,
    /// plans the catalog does not list for a known product, names of unknown plans. Never fails.
    pub fn with_subscribed_skus(mut self, skus: &[SubscribedSku]) -> Knowledge {
        for s in skus {
            if let Some(part) = s.part_number.as_deref().map(str::trim) {
                if !part.is_empty() {
                    self.overlay
                        .part
                        .entry(part.to_ascii_uppercase())
                        .or_insert_with(|| s.sku_id.clone());
                }
            }
            for p in &s.service_plans {
                if let Some(name) = p.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    if self.catalog.plan(&p.plan_id).is_none() {
                        self.overlay
                            .plan_names
                            .entry(p.plan_id.clone())
                            .or_insert_with(|| name.to_string());
                    }
                    if self.catalog.plan_by_name(name).is_none() {
                        self.overlay
                            .plan_by_name
                            .entry(name.to_ascii_uppercase())
                            .or_insert_with(|| p.plan_id.clone());
                    }
                }
            }
            let tenant_plans: Vec<PlanId> =
                s.service_plans.iter().map(|p| p.plan_id.clone()).collect();
            match self.catalog.sku(&s.sku_id) {
                None => {
                    let info = self.overlay.skus.entry(s.sku_id.clone()).or_default();
                    if info.part_number.is_none() {
                        info.part_number = s
                            .part_number
                            .as_deref()
                            .map(str::trim)
                            .filter(|p| !p.is_empty())
                            .map(str::to_string);
                    }
                    for p in tenant_plans {
                        if !info.plans.contains(&p) {
                            info.plans.push(p);
                        }
                    }
                }
                Some(known) => {
                    let extra: Vec<PlanId> = tenant_plans
                        .into_iter()
                        .filter(|p| !known.plans.contains(p))
                        .collect();
                    if !extra.is_empty() {
                        let info = self
                            .overlay
                            .skus
                            .entry(s.sku_id.clone())
                            .or_insert_with(|| known.clone());
                        for p in extra {
                            if !info.plans.contains(&p) {
                                info.plans.push(p);
                            }
                        }
                    }
                }
            }
        }
        self
    }

    /// Names the products that a reported error list (Microsoft's "users with license errors"
    /// CSV) gives with their id and part number, when neither the catalog nor the subscribedSkus
    /// know the id: a tenant's custom or newer product is then named as the export names it.
    pub fn with_reported_names(mut self, errors: &[ReportedError]) -> Knowledge {
        for r in errors {
            let (Some(id), Some(part)) = (&r.sku_id, r.sku_part_number.as_deref()) else {
                continue;
            };
            let part = part.trim();
            // a part number is one token (`ENTERPRISEPACK`); a display name is not one
            if part.is_empty()
                || part.contains(char::is_whitespace)
                || self.catalog.sku(id).is_some()
            {
                continue;
            }
            let info = self.overlay.skus.entry(id.clone()).or_default();
            if info.part_number.is_none() {
                info.part_number = Some(part.to_string());
            }
            self.overlay
                .part
                .entry(part.to_ascii_uppercase())
                .or_insert_with(|| id.clone());
        }
        self
    }

    /// Learns dependencies from the dependency / prerequisite texts of the events. Returns how many
    /// rows were added.
    pub fn learn_from_events(&mut self, events: &[AuditEvent]) -> usize {
        let mut table = std::mem::take(&mut self.dependencies);
        let mut n = 0;
        for e in events {
            for err in &e.extra.errors {
                let src = e.source.to_string();
                if table.learn_from_error(err, &src, |s| self.resolve_plan(s)) {
                    n += 1;
                }
            }
        }
        self.dependencies = table;
        n
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
    pub fn dependencies(&self) -> &DependencyTable {
        &self.dependencies
    }
    pub fn dependencies_mut(&mut self) -> &mut DependencyTable {
        &mut self.dependencies
    }

    /// Whether the catalog or the tenant inventory knows the product.
    pub fn knows_sku(&self, sku: &SkuId) -> bool {
        self.catalog.sku(sku).is_some() || self.overlay.skus.contains_key(sku)
    }

    /// `ENTERPRISEPACK` for 6fd2c87f-…; catalog first, then the tenant's `skuPartNumber`.
    pub fn sku_part_number(&self, sku: &SkuId) -> Option<&str> {
        self.catalog
            .sku(sku)
            .and_then(|i| i.part_number.as_deref())
            .or_else(|| {
                self.overlay
                    .skus
                    .get(sku)
                    .and_then(|i| i.part_number.as_deref())
            })
    }

    /// `Office 365 E3`.
    pub fn sku_display_name(&self, sku: &SkuId) -> Option<&str> {
        self.catalog
            .sku(sku)
            .and_then(|i| i.display_name.as_deref())
            .or_else(|| {
                self.overlay
                    .skus
                    .get(sku)
                    .and_then(|i| i.display_name.as_deref())
            })
    }

    /// Part number, else the GUID.
    pub fn sku_label(&self, sku: &SkuId) -> String {
        self.sku_part_number(sku)
            .map(str::to_string)
            .unwrap_or_else(|| sku.to_string())
    }

    /// The product id of a part number (case-insensitive). When a part number has several GUIDs
    /// (`MCOPSTN5`), the one the tenant subscribes to wins, else the lowest GUID.
    pub fn sku_by_part_number(&self, part: &str) -> Option<&SkuId> {
        let key = part.trim().to_ascii_uppercase();
        if let Some(s) = self.overlay.part.get(&key) {
            return Some(s);
        }
        self.catalog.skus_by_part_number(&key).first()
    }

    /// Every product id of a part number (catalog), plus the tenant's if different.
    pub fn skus_by_part_number(&self, part: &str) -> Vec<SkuId> {
        let key = part.trim().to_ascii_uppercase();
        let mut v: Vec<SkuId> = self.catalog.skus_by_part_number(&key).to_vec();
        if let Some(s) = self.overlay.part.get(&key) {
            if !v.contains(s) {
                v.push(s.clone());
            }
        }
        v.sort();
        v
    }

    /// A product by its display name (exact, case-insensitive, only when unique in the catalog).
    pub fn sku_by_display_name(&self, name: &str) -> Option<&SkuId> {
        self.catalog.sku_by_display.get(&name.trim().to_lowercase())
    }

    /// The product's service plans: the tenant's merged list when it adds plans, else the catalog's.
    pub fn plans_of(&self, sku: &SkuId) -> &[PlanId] {
        if let Some(i) = self.overlay.skus.get(sku) {
            return &i.plans;
        }
        self.catalog
            .sku(sku)
            .map(|i| i.plans.as_slice())
            .unwrap_or(&[])
    }

    /// `SHAREPOINTENTERPRISE` for 5dbe027f-…
    pub fn plan_name(&self, plan: &PlanId) -> Option<&str> {
        self.catalog
            .plan(plan)
            .and_then(|p| p.name.as_deref())
            .or_else(|| self.overlay.plan_names.get(plan).map(String::as_str))
            .or_else(|| conflicts::table_plan_name(plan))
    }

    /// Plan id by plan name (case-insensitive; every spelling the catalog uses).
    pub fn plan_by_name(&self, name: &str) -> Option<&PlanId> {
        self.catalog.plan_by_name(name).or_else(|| {
            self.overlay
                .plan_by_name
                .get(&name.trim().to_ascii_uppercase())
        })
    }

    /// `SharePoint Online (Plan 2)`.
    pub fn plan_display_name(&self, plan: &PlanId) -> Option<&str> {
        self.catalog
            .plan(plan)
            .and_then(|p| p.display_name.as_deref())
    }

    /// Plan name, else the GUID.
    pub fn plan_label(&self, plan: &PlanId) -> String {
        self.plan_name(plan)
            .map(str::to_string)
            .unwrap_or_else(|| plan.to_string())
    }

    /// A plan written as a GUID, a plan name, a name the admin center's messages use
    /// ([`ADMIN_CENTER_PLAN_NAMES`]), or (when unique) a friendly name.
    pub fn resolve_plan(&self, text: &str) -> Option<PlanId> {
        let t = text.trim().trim_matches(|c| c == '[' || c == ']').trim();
        if t.is_empty() {
            return None;
        }
        if crate::model::ids::is_guid(t) {
            return PlanId::parse(t);
        }
        if let Some(p) = self.plan_by_name(t) {
            return Some(p.clone());
        }
        let lower = t.to_lowercase();
        if let Some((_, id)) = ADMIN_CENTER_PLAN_NAMES.iter().find(|(n, _)| *n == lower) {
            return PlanId::parse(id);
        }
        self.catalog.plan_by_display.get(&lower).cloned()
    }

    /// A product written as a GUID, a part number, or (when unique) a display name.
    pub fn resolve_sku(&self, text: &str) -> Option<SkuId> {
        let t = text.trim().trim_matches(|c| c == '[' || c == ']').trim();
        if t.is_empty() {
            return None;
        }
        if crate::model::ids::is_guid(t) {
            return SkuId::parse(t);
        }
        if let Some(s) = self.sku_by_part_number(t) {
            return Some(s.clone());
        }
        self.sku_by_display_name(t).cloned()
    }

    /// Catalog products containing a plan (sorted).
    pub fn skus_with_plan(&self, plan: &PlanId) -> Vec<SkuId> {
        let mut v: Vec<SkuId> = self
            .catalog
            .skus_with_plan
            .get(plan)
            .cloned()
            .unwrap_or_default();
        for (sku, info) in &self.overlay.skus {
            if info.plans.contains(plan) && !v.contains(sku) {
                v.push(sku.clone());
            }
        }
        v.sort();
        v
    }

    /// Which catalog was used: source, row / product / plan counts and a fingerprint.
    pub fn catalog_version(&self) -> String {
        let mut v = self.catalog.version();
        if !self.overlay.skus.is_empty() {
            v.push_str(&format!(
                "; {} product(s) completed from subscribedSkus",
                self.overlay.skus.len()
            ));
        }
        v
    }
}

impl Default for Knowledge {
    fn default() -> Self {
        Knowledge::builtin()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::snapshot::SkuPlan;
    use crate::model::SourceRef;

    fn sku(s: &str) -> SkuId {
        SkuId::parse(s).expect("id")
    }
    fn plan(s: &str) -> PlanId {
        PlanId::parse(s).expect("id")
    }

    /// A subscribed product with ten seats, one consumed, and the given (name, id) plans.
    pub(crate) fn subscribed(id: &str, part: &str, plans: &[(&str, &str)]) -> SubscribedSku {
        SubscribedSku {
            sku_id: sku(id),
            part_number: Some(part.into()),
            applies_to: Some("User".into()),
            capability_status: Some("Enabled".into()),
            consumed: 1,
            enabled: 10,
            warning: 0,
            suspended: 0,
            locked_out: 0,
            account_ids: Vec::new(),
            service_plans: plans
                .iter()
                .map(|(n, i)| SkuPlan {
                    plan_id: plan(i),
                    name: Some((*n).into()),
                    provisioning_status: Some("Success".into()),
                })
                .collect(),
            source: SourceRef {
                file: "skus.json".into(),
                record: 1,
                line: crate::model::event::Line::NONE,
            },
        }
    }

    /// The plans the admin center's prerequisite and add-on messages name (licensing.md §6.1,
    /// §7.2) are found, as the catalog's names are.
    #[test]
    fn the_admin_centers_plan_names_are_resolved() {
        let kb = Knowledge::builtin();
        for (name, want) in [
            ("SharePoint Online (Plan 1)", "SHAREPOINTSTANDARD"),
            ("SharePoint Online (Plan 2)", "SHAREPOINTENTERPRISE"),
            ("SharePoint Online Kiosk", "SHAREPOINTDESKLESS"),
            ("Office for the web", "SHAREPOINTWAC"),
            ("Exchange Online (Plan 1)", "EXCHANGE_S_STANDARD"),
            ("exchange online (plan 2)", "EXCHANGE_S_ENTERPRISE"),
        ] {
            let id = kb.resolve_plan(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(kb.plan_name(&id), Some(want), "{name}");
        }
        for (_, id) in ADMIN_CENTER_PLAN_NAMES {
            assert!(kb.catalog().plan(&plan(id)).is_some(), "{id}");
        }
    }

    #[test]
    fn lookups_by_id_and_part_number() {
        let kb = Knowledge::builtin();
        let e3 = sku("6FD2C87F-B296-42F0-B197-1E91E994B900");
        assert_eq!(kb.sku_part_number(&e3), Some("ENTERPRISEPACK"));
        assert_eq!(kb.sku_display_name(&e3), Some("Office 365 E3"));
        assert_eq!(kb.sku_by_part_number("enterprisepack"), Some(&e3));
        let spo2 = plan("5dbe027f-2339-4123-9542-606e4d348a72");
        assert!(kb.plans_of(&e3).contains(&spo2));
        assert_eq!(kb.plan_name(&spo2), Some("SHAREPOINTENTERPRISE"));
        assert_eq!(kb.plan_by_name("sharepointenterprise"), Some(&spo2));
        assert!(kb
            .plan_display_name(&spo2)
            .is_some_and(|d| d.contains("(Plan 2)")));
        assert_eq!(
            kb.resolve_plan("[SHAREPOINTENTERPRISE]"),
            Some(spo2.clone())
        );
        assert_eq!(
            kb.resolve_plan("Exchange Online (Plan 2)"),
            PlanId::parse("efb87545-963c-4e0d-99df-69c6916d9eb0")
        );
        assert_eq!(
            kb.resolve_sku("Microsoft Workplace Analytics"),
            SkuId::parse("3d957427-ecdc-4df2-aacd-01cc9d519da8")
        );
        assert!(kb.catalog_version().contains("5457 rows"));
    }

    #[test]
    fn mcopstn5_prefers_the_subscribed_guid() {
        let kb = Knowledge::builtin();
        assert_eq!(kb.skus_by_part_number("MCOPSTN5").len(), 2);
        assert_eq!(
            kb.sku_by_part_number("MCOPSTN5"),
            Some(&sku("54a152dc-90de-4996-93d2-bc47e670fc06"))
        );
        let kb = kb.with_subscribed_skus(&[subscribed(
            "d43177b5-475b-4880-92d4-d54c27b5efbd",
            "MCOPSTN5",
            &[],
        )]);
        assert_eq!(
            kb.sku_by_part_number("mcopstn5"),
            Some(&sku("d43177b5-475b-4880-92d4-d54c27b5efbd"))
        );
    }

    #[test]
    fn unknown_sku_falls_back_to_subscribed_skus() {
        let custom = sku("b7e1c9a4-3f2d-4e8a-9c61-5d0f2a7b8e93");
        let addon_plan = plan("d2a4f6e8-1b3c-4d5e-8f70-9a1b2c3d4e5f");
        let kb = Knowledge::builtin();
        assert_eq!(kb.sku_part_number(&custom), None);
        assert!(kb.plans_of(&custom).is_empty());
        let kb = kb.with_subscribed_skus(&[subscribed(
            "b7e1c9a4-3f2d-4e8a-9c61-5d0f2a7b8e93",
            "CONTOSO_CUSTOM_ADDON",
            &[
                (
                    "CONTOSO_ADDON_SERVICE",
                    "d2a4f6e8-1b3c-4d5e-8f70-9a1b2c3d4e5f",
                ),
                (
                    "EXCHANGE_S_FOUNDATION",
                    "113feb6c-3fe4-4440-bddc-54d774bf0318",
                ),
            ],
        )]);
        assert_eq!(kb.sku_part_number(&custom), Some("CONTOSO_CUSTOM_ADDON"));
        assert_eq!(kb.sku_label(&custom), "CONTOSO_CUSTOM_ADDON");
        assert_eq!(kb.plans_of(&custom).len(), 2);
        assert_eq!(kb.plan_name(&addon_plan), Some("CONTOSO_ADDON_SERVICE"));
        assert_eq!(kb.plan_by_name("contoso_addon_service"), Some(&addon_plan));
        assert_eq!(kb.sku_by_part_number("CONTOSO_CUSTOM_ADDON"), Some(&custom));
        assert!(kb.catalog_version().contains("subscribedSkus"));
        // the catalog name of a known plan wins over the tenant's
        assert_eq!(
            kb.plan_name(&plan("113feb6c-3fe4-4440-bddc-54d774bf0318")),
            Some("EXCHANGE_S_FOUNDATION")
        );
    }

    #[test]
    fn catalog_file_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("licdiag-kb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let f = dir.join("bad catalog.csv");
        std::fs::write(&f, "\u{feff}Product_Display_Name,String_Id\r\nx,y\r\n").expect("write");
        let e = Knowledge::from_catalog_file(&f).expect_err("missing columns");
        assert!(
            format!("{e:#}").contains("bad catalog.csv: line 1"),
            "{e:#}"
        );
        let e = Knowledge::from_catalog_file(&dir.join("absent.csv")).expect_err("absent");
        assert!(format!("{e:#}").contains("absent.csv"));
        let ok = dir.join("ok.csv");
        std::fs::write(&ok, catalog::BUILTIN_CSV).expect("write");
        let kb = Knowledge::from_catalog_file(&ok).expect("ok");
        assert!(kb.catalog_version().contains("ok.csv"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn learns_dependencies_from_events() {
        use crate::model::{Activity, Actor, AuditEvent, Cause, LicenseError, Outcome};
        let mut kb = Knowledge::builtin();
        let e = AuditEvent {
            time: chrono::Utc::now(),
            activity: Activity::ChangeUserLicense,
            category: None,
            result: Outcome::Failure,
            correlation_id: None,
            record_id: None,
            record_key: None,
            actor: Actor::GroupBasedLicensing,
            targets: Box::default(),
            licenses: None,
            extra: crate::model::event::EventExtra {
                errors: LicenseError::share_all(vec![LicenseError::new(
                    Cause::DependencyViolation,
                    "License assignment failed because service plan [SHAREPOINTWAC] depends on the service plan(s) [ONEDRIVEENTERPRISE].",
                )]),
                ..Default::default()
            }
            .into(),
            source: SourceRef {
                file: "a.json".into(),
                record: 3,
                line: crate::model::event::Line::NONE,
            },
        };
        assert_eq!(kb.learn_from_events(std::slice::from_ref(&e)), 1);
        let wac = plan("e95bec33-7c88-4a70-8e19-b10bd9d0c014");
        let od = plan("afcafa6a-d966-4462-918c-ec0b4e0fe642");
        assert_eq!(
            kb.dependencies().confidence(&wac, &od),
            Some(Confidence::Observed)
        );
    }
}
