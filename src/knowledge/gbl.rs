//! Which products carry the right to benefit from group-based licensing. licensing.md §2:
//! "Licensing requirement: Entra ID P1 (or M365 Business Premium / O365 E3/A3/G3 and higher) for
//! every user who benefits from GBL." licdiag counts a product as qualifying when its service plans
//! (the tenant's `subscribedSkus` plans when the snapshot has them, else the bundled catalog's)
//! include Entra ID P1 or P2 (`AAD_PREMIUM`, `AAD_PREMIUM_P2`, by plan id or by name; Microsoft 365
//! E3/E5, Business Premium and EMS hold one), or when it is an Office 365 E3/A3/G3/E5/A5/G5 product
//! by the catalog's display name (those hold no Entra ID plan, yet Microsoft names them). A product
//! neither the catalog nor the snapshot describes is unknown, never "no".

use super::Knowledge;
use crate::model::{PlanId, SkuId};

/// Entra ID P1 and P2: the plan names, upper-cased, and their ids in the catalog.
const ENTRA_PREMIUM_PLANS: [(&str, &str); 2] = [
    ("AAD_PREMIUM", "41781fb2-bc02-4b7c-bd55-b576c07bb09d"),
    ("AAD_PREMIUM_P2", "eec0eb4f-6444-4f95-aba0-50c24d67f998"),
];

/// licensing.md's requirement, as every report words it.
pub const GBL_REQUIREMENT: &str =
    "Microsoft requires Entra ID P1 (or Microsoft 365 Business Premium / \
Office 365 E3/A3/G3 and higher) for every user who benefits from group-based licensing";

/// What licdiag counts as a qualifying product, as every report says it.
pub const GBL_QUALIFYING: &str = "licdiag counts as qualifying a product whose service plans include \
AAD_PREMIUM (Entra ID P1) or AAD_PREMIUM_P2 (Entra ID P2), such as Microsoft 365 E3/E5, Microsoft 365 \
Business Premium or Enterprise Mobility + Security, or an Office 365 E3/A3/G3/E5/A5/G5 product";

/// Whether a product carries group-based licensing rights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GblRights {
    /// It holds Entra ID P1 / P2, or it is an Office 365 E3/A3/G3/E5/A5/G5 product.
    Yes,
    /// Its plans are known and none qualifies, nor does its name.
    No,
    /// Neither the catalog nor the snapshot's `subscribedSkus` describe it.
    Unknown,
}

/// Whether a plan is Entra ID P1 or P2, by id or by name.
fn is_entra_premium(kb: &Knowledge, plan: &PlanId) -> bool {
    ENTRA_PREMIUM_PLANS.iter().any(|(name, id)| {
        plan.as_str().eq_ignore_ascii_case(id)
            || kb
                .plan_name(plan)
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
    })
}

/// Whether a product display name is of the Office 365 E3/A3/G3/E5/A5/G5 family: `Office 365 E3`,
/// `Office 365 A5 for faculty`, `Office 365 G3 GCC`, `Office 365 GCC G5 without Audio
/// Conferencing`, `Office 365 E3 (no Teams)`, `Office 365 E5 EEA (no Teams)`,
/// `Office 365 E3_USGOV_DOD`; not `Office 365 E1`, `F3` nor `Extra File Storage`.
pub fn is_office365_qualifying_name(display: &str) -> bool {
    let lower = display.trim().to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("office 365 ") else {
        return false;
    };
    let rest = rest.strip_prefix("gcc ").unwrap_or(rest);
    let b = rest.as_bytes();
    b.len() >= 2
        && matches!(b[0], b'e' | b'a' | b'g')
        && matches!(b[1], b'3' | b'5')
        && b.get(2).is_none_or(|c| !c.is_ascii_alphanumeric())
}

impl Knowledge {
    /// Whether `sku` carries group-based licensing rights ([`GblRights`]).
    pub fn gbl_rights(&self, sku: &SkuId) -> GblRights {
        let plans = self.plans_of(sku);
        if plans.iter().any(|p| is_entra_premium(self, p)) {
            return GblRights::Yes;
        }
        let display = self.sku_display_name(sku);
        if display.is_some_and(is_office365_qualifying_name) {
            return GblRights::Yes;
        }
        if plans.is_empty() {
            GblRights::Unknown
        } else {
            GblRights::No
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::SubscribedSku;

    fn rights(kb: &Knowledge, part: &str) -> GblRights {
        let sku = kb
            .sku_by_part_number(part)
            .unwrap_or_else(|| panic!("{part} not in the catalog"))
            .clone();
        kb.gbl_rights(&sku)
    }

    fn subscribed(id: &str, plans: &[(&str, &str)]) -> SubscribedSku {
        crate::knowledge::tests::subscribed(id, "CONTOSO_BUNDLE", plans)
    }

    /// The catalog's own rows: Entra ID P1/P2 inside (Microsoft 365 E3, Business Premium, EMS,
    /// Entra ID P1 itself) or an Office 365 E3/G5 by name; E1, free and single-service products not.
    #[test]
    fn catalog_products_with_and_without_gbl_rights() {
        let kb = Knowledge::builtin();
        for part in [
            "SPE_E3",
            "SPE_E5",
            "SPB",
            "EMS",
            "AAD_PREMIUM",
            "AAD_PREMIUM_P2",
            "ENTERPRISEPACK",
            "ENTERPRISEPREMIUM",
            "ENTERPRISEPREMIUM_GOV",
            "ENTERPRISEPACK_GOV",
            "ENTERPRISEPACKPLUS_FACULTY",
            "ENTERPRISEPREMIUM_STUDENT",
            "ENTERPRISEPACK_USGOV_DOD",
            "O365_W/O_TEAMS_BUNDLE_E3",
            "OFFICE_365_E3_(NO_TEAMS)",
            "ENTERPRISEPREMIUM_NOPSTNCONF_NOPBI_GOV",
        ] {
            assert_eq!(rights(&kb, part), GblRights::Yes, "{part}");
        }
        for part in [
            "STANDARDPACK",
            "STANDARDPACK_GOV",
            "DESKLESSPACK",
            "OFFICE_365_W/O_TEAMS_BUNDLE_E1",
            "FLOW_FREE",
            "POWER_BI_STANDARD",
            "POWER_BI_PRO",
            "EXCHANGESTANDARD",
            "SHAREPOINTSTORAGE",
        ] {
            assert_eq!(rights(&kb, part), GblRights::No, "{part}");
        }
    }

    /// Office 365 E3 holds no Entra ID plan: only its name qualifies it. Microsoft 365 E3 does.
    #[test]
    fn office365_e3_qualifies_by_name_microsoft365_e3_by_plan() {
        let kb = Knowledge::builtin();
        let p1 = PlanId::parse(ENTRA_PREMIUM_PLANS[0].1).expect("id");
        let o365 = kb.sku_by_part_number("ENTERPRISEPACK").expect("E3").clone();
        assert!(!kb.plans_of(&o365).iter().any(|p| is_entra_premium(&kb, p)));
        let m365 = kb.sku_by_part_number("SPE_E3").expect("M365 E3").clone();
        assert!(kb.plans_of(&m365).contains(&p1));
        for (id, name) in ENTRA_PREMIUM_PLANS.iter().map(|(n, i)| (i, n)) {
            let id = PlanId::parse(id).expect("id");
            assert_eq!(kb.plan_name(&id), Some(*name));
        }
    }

    #[test]
    fn office365_family_by_display_name() {
        for yes in [
            "Office 365 E3",
            "Office 365 A5 for faculty",
            "Office 365 A3 for students",
            "Office 365 G3 GCC",
            "Office 365 G3 without Microsoft 365 Apps GCC",
            "Office 365 E3 (no Teams)",
            "Office 365 E5 EEA (no Teams)",
            "Office 365 E3_USGOV_GCCHIGH",
            "Office 365 GCC G5 without Power BI and Phone System",
            "office 365 e5",
        ] {
            assert!(is_office365_qualifying_name(yes), "{yes}");
        }
        for no in [
            "Office 365 E1",
            "Office 365 E1 EEA (no Teams)",
            "Office 365 F3",
            "Office 365 G1 GCC",
            "Office 365 A1 Plus for faculty",
            "Office 365 Extra File Storage",
            "Office 365 E35",
            "Microsoft Defender for Office 365 (Plan 2)",
            "Microsoft 365 E3",
        ] {
            assert!(!is_office365_qualifying_name(no), "{no}");
        }
    }

    /// Every catalog product named like the family qualifies, and the catalog's E1 and F3 products
    /// do not (a check that the name rule reads the whole catalog as intended).
    #[test]
    fn every_catalog_office365_product_is_judged_by_its_family() {
        let kb = Knowledge::builtin();
        let mut yes = 0;
        for (sku, info) in &kb.catalog().skus {
            let Some(d) = info.display_name.as_deref() else {
                continue;
            };
            if is_office365_qualifying_name(d) {
                assert_eq!(kb.gbl_rights(sku), GblRights::Yes, "{d}");
                yes += 1;
            }
            if d.starts_with("Office 365 E1") || d.starts_with("Office 365 F3") {
                assert_eq!(kb.gbl_rights(sku), GblRights::No, "{d}");
            }
        }
        // the Dec-2025 catalog: 19 such products (E3 Developer, EEA, USGOV, GCC, A3/A5 variants)
        assert_eq!(yes, 19);
    }

    /// A product neither the catalog nor the snapshot describes is unknown; one only the tenant's
    /// `subscribedSkus` describes is judged by its plans there, by id or by name.
    #[test]
    fn unknown_products_are_unknown_and_the_tenant_describes_its_own() {
        let by_id = "b7e1c9a4-3f2d-4e8a-9c61-5d0f2a7b8e93";
        let by_name = "c7e1c9a4-3f2d-4e8a-9c61-5d0f2a7b8e94";
        let without = "d7e1c9a4-3f2d-4e8a-9c61-5d0f2a7b8e95";
        let kb = Knowledge::builtin();
        for id in [by_id, by_name, without] {
            assert_eq!(
                kb.gbl_rights(&SkuId::parse(id).expect("id")),
                GblRights::Unknown
            );
        }
        let kb = kb.with_subscribed_skus(&[
            subscribed(
                by_id,
                &[
                    (
                        "EXCHANGE_S_FOUNDATION",
                        "113feb6c-3fe4-4440-bddc-54d774bf0318",
                    ),
                    ("Entra P1", "41781fb2-bc02-4b7c-bd55-b576c07bb09d"),
                ],
            ),
            subscribed(
                by_name,
                &[("aad_premium_p2", "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b")],
            ),
            subscribed(
                without,
                &[(
                    "EXCHANGE_S_FOUNDATION",
                    "113feb6c-3fe4-4440-bddc-54d774bf0318",
                )],
            ),
        ]);
        let r = |id: &str| kb.gbl_rights(&SkuId::parse(id).expect("id"));
        assert_eq!(r(by_id), GblRights::Yes);
        assert_eq!(r(by_name), GblRights::Yes);
        assert_eq!(r(without), GblRights::No);
    }
}
