//! Mutually exclusive service plans (licensing.md §7.1): Microsoft's "Service plans that cannot be
//! assigned at the same time" list. Versioned: the July-2025 revision removed some rows (marked †
//! in the reference; `pre2025_only` here), e.g. Exchange Online Plan 1 / Plan 2 now stack. A log or
//! snapshot from before that date is judged with the old table.
//!
//! A conflict needs two *different* plans of one set; the same plan twice is stacking, not a conflict.

use crate::model::hash::HashMap;
use crate::model::PlanId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::sync::OnceLock;

/// Which revision of the conflict list applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConflictTableVersion {
    /// The older azure-docs list (before 2025-07-14), including the † rows.
    Pre2025,
    /// The July-2025 entra-docs list.
    Current,
}

impl ConflictTableVersion {
    /// The date the July-2025 revision took effect (the docs page says "last updated July 14, 2025").
    pub fn cutover() -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2025, 7, 14)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// `Pre2025` before 2025-07-14, `Current` from then on.
    pub fn for_date(as_of: DateTime<Utc>) -> ConflictTableVersion {
        if as_of < Self::cutover() {
            ConflictTableVersion::Pre2025
        } else {
            ConflictTableVersion::Current
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            ConflictTableVersion::Pre2025 => "pre2025",
            ConflictTableVersion::Current => "current",
        }
    }
}

/// One plan of a conflict set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConflictPlan {
    pub name: &'static str,
    pub id: &'static str,
    /// Only in the pre-July-2025 list (†).
    pub pre2025_only: bool,
}

/// A set of plans that cannot be combined with each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConflictSet {
    pub service: &'static str,
    pub plans: &'static [ConflictPlan],
}

const fn p(name: &'static str, id: &'static str) -> ConflictPlan {
    ConflictPlan {
        name,
        id,
        pre2025_only: false,
    }
}
const fn old(name: &'static str, id: &'static str) -> ConflictPlan {
    ConflictPlan {
        name,
        id,
        pre2025_only: true,
    }
}

/// licensing.md §7.1, verbatim.
pub const CONFLICT_SETS: &[ConflictSet] = &[
    ConflictSet {
        service: "Exchange Online",
        plans: &[
            p(
                "EXCHANGE_B_STANDARD",
                "90927877-dcff-4af6-b346-2332c0b15bb7",
            ),
            p("EXCHANGE_S_ARCHIVE", "da040e0a-b393-4bea-bb76-928b3fa1cf5a"),
            p(
                "EXCHANGE_S_DESKLESS",
                "4a82b400-a79f-41a4-b4e2-e94f5787b113",
            ),
            p(
                "EXCHANGE_S_ESSENTIALS",
                "1126bef5-da20-4f07-b45e-ad25d2581aa8",
            ),
            p(
                "EXCHANGE_S_STANDARD",
                "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
            ),
            p(
                "EXCHANGE_S_STANDARD_MIDMARKET",
                "fc52cc4b-ed7d-472d-bbe7-b081c23ecc56",
            ),
            old(
                "EXCHANGE_S_ENTERPRISE",
                "efb87545-963c-4e0d-99df-69c6916d9eb0",
            ),
            old(
                "EXCHANGE_L_STANDARD",
                "d42bdbd6-c335-4231-ab3d-c8f348d5aff5",
            ),
        ],
    },
    ConflictSet {
        service: "SharePoint Online",
        plans: &[
            p("ONEDRIVEENTERPRISE", "afcafa6a-d966-4462-918c-ec0b4e0fe642"),
            p(
                "SHAREPOINT_S_DEVELOPER",
                "a361d6e2-509e-4e25-a8ad-950060064ef4",
            ),
            p("SHAREPOINTDESKLESS", "902b47e5-dcb2-4fdc-858b-c63a90a2bdb9"),
            p(
                "SHAREPOINTENTERPRISE",
                "5dbe027f-2339-4123-9542-606e4d348a72",
            ),
            p(
                "SHAREPOINTENTERPRISE_EDU",
                "63038b2c-28d0-45f6-bc36-33062963b498",
            ),
            p(
                "SHAREPOINTENTERPRISE_MIDMARKET",
                "6b5b6a67-fc72-4a1f-a2b5-beecf05de761",
            ),
            p("SHAREPOINTLITE", "a1f3d0a8-84c0-4ae0-bae4-685917b8ab48"),
            p("SHAREPOINTSTANDARD", "c7699d2e-19aa-44de-8edf-1736da088ca1"),
            p(
                "SHAREPOINTSTANDARD_EDU",
                "0a4983bb-d3e5-4a09-95d8-b2d0127b3df5",
            ),
            p(
                "SHAREPOINTSTANDARD_YAMMERSHADOW",
                "4c9efd0c-8de7-4c71-8295-9f5fdb0dd048",
            ),
        ],
    },
    ConflictSet {
        service: "Skype for Business Online",
        plans: &[
            p("MCOIMP", "afc06cb0-b4f4-4473-8286-d644f70d8faf"),
            p(
                "MCOSTANDARD_MIDMARKET",
                "b2669e95-76ef-4e7e-a367-002f60a39f3e",
            ),
            p("MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c"),
            p("MCOLITE", "70710b6b-3ab4-4a38-9f6d-9f169461650a"),
        ],
    },
    ConflictSet {
        service: "Skype for Business calling plans",
        plans: &[
            p("MCOPSTN1", "4ed3ff63-69d7-4fb7-b984-5aec7f605ca8"),
            p("MCOPSTN2", "5a10155d-f5c1-411a-a8ec-e99aae125390"),
            p("MCOPSTN5", "54a152dc-90de-4996-93d2-bc47e670fc06"),
        ],
    },
    ConflictSet {
        service: "Intune",
        plans: &[
            p("INTUNE_A", "c1ec4a95-1f05-45b3-a911-aa3fa01094f5"),
            p("INTUNE_A_VL", "3e170737-c728-4eae-bbb9-3f3360f7184c"),
            p("INTUNE_B", "2dc63b8a-df3d-448f-b683-8655877c9360"),
        ],
    },
    ConflictSet {
        service: "Microsoft 365 (Rights Management)",
        plans: &[
            p("RMS_S_ENTERPRISE", "bea4c11e-220a-4e6d-8eb8-8ea15d019f90"),
            p(
                "RMS_S_ENTERPRISE_GOV",
                "6a76346d-5d6e-4051-9fe3-ed3f312b5597",
            ),
        ],
    },
    ConflictSet {
        service: "Yammer",
        plans: &[
            p("YAMMER_ENTERPRISE", "7547a3fe-08ee-4ccb-b430-5077c5041653"),
            p("YAMMER_EDU", "2078e8df-cff6-4290-98cb-5408261a760a"),
            p("YAMMER_MIDSIZE", "41bf139a-4e60-409f-9346-a1361efc6dfb"),
        ],
    },
    ConflictSet {
        service: "Dynamics CRM",
        plans: &[
            p("CRMPLAN1", "119cf168-b6cf-41fb-b82e-7fee7bae5814"),
            p("CRMPLAN2", "bf36ca64-95c6-4918-9275-eb9f4ce2c04f"),
            p("CRMSTANDARD", "f9646fb2-e3b2-4309-95de-dc4833737456"),
            p(
                "DYN365_ENTERPRISE_P1_IW",
                "056a5f80-b4e0-4983-a8be-7ad254a113c9",
            ),
            p(
                "DYN365_ENTERPRISE_SALES",
                "2da8e897-7791-486b-b08f-cc63c8129df7",
            ),
            p(
                "DYN365_ENTERPRISE_TEAM_MEMBERS",
                "6a54b05e-4fab-40e7-9828-428db3b336fa",
            ),
            p(
                "EMPLOYEE_SELF_SERVICE",
                "ba5f0cfa-d54a-4ea0-8cf4-a7e1dc4423d8",
            ),
            old(
                "DYN365_ENTERPRISE_CUSTOMER_SERVICE",
                "99340b49-fb81-4b1e-976b-8f2ae8e9394f",
            ),
            old(
                "DYN365_ENTERPRISE_P1",
                "d56f3deb-50d8-465a-bedb-f079817ccac1",
            ),
        ],
    },
];

/// Builds the index of the conflict sets ([`crate::diagnose::warm`]).
pub fn warm() {
    index();
}

/// plan id (lower-case) -> (index of its set, only in the pre-2025 list).
fn index() -> &'static HashMap<String, (usize, bool)> {
    static CELL: OnceLock<HashMap<String, (usize, bool)>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut m = HashMap::default();
        for (i, set) in CONFLICT_SETS.iter().enumerate() {
            for p in set.plans {
                m.insert(p.id.to_ascii_lowercase(), (i, p.pre2025_only));
            }
        }
        m
    })
}

fn set_index(plan: &PlanId, version: ConflictTableVersion) -> Option<usize> {
    // ids are stored lower-cased; the lookup lower-cases anyway for ids built elsewhere
    let key = plan.as_str();
    let hit = index().get(key).or_else(|| {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            index().get(&key.to_ascii_lowercase())
        } else {
            None
        }
    });
    hit.and_then(|(i, old)| {
        if !*old || version == ConflictTableVersion::Pre2025 {
            Some(*i)
        } else {
            None
        }
    })
}

/// The conflict set a plan belongs to under `version`.
pub fn conflict_set(plan: &PlanId, version: ConflictTableVersion) -> Option<&'static ConflictSet> {
    set_index(plan, version).and_then(|i| CONFLICT_SETS.get(i))
}

/// The table's own name for a plan id (independent of the catalog).
pub fn table_plan_name(plan: &PlanId) -> Option<&'static str> {
    CONFLICT_SETS
        .iter()
        .flat_map(|s| s.plans.iter())
        .find(|p| p.id.eq_ignore_ascii_case(plan.as_str()))
        .map(|p| p.name)
}

/// Whether two plans cannot be assigned to one user at the same time. The same plan twice stacks.
pub fn conflicts(a: &PlanId, b: &PlanId, version: ConflictTableVersion) -> bool {
    if a == b {
        return false;
    }
    match (set_index(a, version), set_index(b, version)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Whether the docs say two plans the July-2025 list dropped from a conflict set may now be
/// combined: only Exchange Online Plan 1 and Plan 2 ("now allow duplication", licensing.md §0.8);
/// the list is silent on its other removed rows (§10: unverified).
pub fn duplication_documented(a: &PlanId, b: &PlanId) -> bool {
    const EXO1: &str = "9aaf7827-d63c-4b61-89c3-182f06f82e5c";
    const EXO2: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";
    let (a, b) = (a.as_str(), b.as_str());
    (a.eq_ignore_ascii_case(EXO1) && b.eq_ignore_ascii_case(EXO2))
        || (a.eq_ignore_ascii_case(EXO2) && b.eq_ignore_ascii_case(EXO1))
}

/// Every conflicting `(a, b)` with `a` from `plans_a` and `b` from `plans_b`, sorted, without repeats.
pub fn conflicting_pairs(
    plans_a: &[PlanId],
    plans_b: &[PlanId],
    version: ConflictTableVersion,
) -> Vec<(PlanId, PlanId)> {
    let b_sets: Vec<(&PlanId, usize)> = plans_b
        .iter()
        .filter_map(|b| set_index(b, version).map(|i| (b, i)))
        .collect();
    let mut out = Vec::new();
    if b_sets.is_empty() {
        return out;
    }
    for a in plans_a {
        let Some(ia) = set_index(a, version) else {
            continue;
        };
        for (b, ib) in &b_sets {
            if ia == *ib && a != *b {
                out.push((a.clone(), (*b).clone()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> PlanId {
        PlanId::parse(s).expect("id")
    }
    const EXO1: &str = "9aaf7827-d63c-4b61-89c3-182f06f82e5c";
    const EXO2: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";
    const SPO1: &str = "c7699d2e-19aa-44de-8edf-1736da088ca1";
    const SPO2: &str = "5dbe027f-2339-4123-9542-606e4d348a72";

    fn date(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|d| d.and_utc())
            .expect("date")
    }

    #[test]
    fn exchange_plan_1_2_conflict_only_before_july_2025() {
        let (a, b) = (id(EXO1), id(EXO2));
        assert!(conflicts(&a, &b, ConflictTableVersion::Pre2025));
        assert!(!conflicts(&a, &b, ConflictTableVersion::Current));
        assert_eq!(
            ConflictTableVersion::for_date(date(2025, 7, 13)),
            ConflictTableVersion::Pre2025
        );
        assert_eq!(
            ConflictTableVersion::for_date(date(2025, 7, 14)),
            ConflictTableVersion::Current
        );
    }

    #[test]
    fn sharepoint_plans_conflict_in_both_versions_and_stacking_is_fine() {
        for v in [ConflictTableVersion::Pre2025, ConflictTableVersion::Current] {
            assert!(conflicts(&id(SPO1), &id(SPO2), v));
            assert!(
                !conflicts(&id(SPO2), &id(SPO2), v),
                "same plan twice stacks"
            );
        }
        // different sets never conflict
        assert!(!conflicts(
            &id(SPO1),
            &id(EXO1),
            ConflictTableVersion::Pre2025
        ));
    }

    #[test]
    fn e1_vs_e3_pairs() {
        let e3 = [
            id(EXO2),
            id(SPO2),
            id("57ff2da0-773e-42df-b2af-ffb7a2317929"),
        ];
        let e1 = [
            id(EXO1),
            id(SPO1),
            id("57ff2da0-773e-42df-b2af-ffb7a2317929"),
        ];
        assert_eq!(
            conflicting_pairs(&e3, &e1, ConflictTableVersion::Current),
            vec![(id(SPO2), id(SPO1))]
        );
        assert_eq!(
            conflicting_pairs(&e3, &e1, ConflictTableVersion::Pre2025),
            vec![(id(SPO2), id(SPO1)), (id(EXO2), id(EXO1))]
        );
    }

    #[test]
    fn table_guids_are_well_formed_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for s in CONFLICT_SETS {
            for p in s.plans {
                assert!(crate::model::ids::is_guid(p.id), "{}", p.name);
                assert!(seen.insert(p.id), "{} twice", p.name);
            }
        }
    }
}
