//! Service-plan dependencies (licensing.md §7.2): a dependent plan needs one of its required plans on
//! the same user. Microsoft publishes no complete list, so the built-in rows carry a confidence tag,
//! and the table learns more rows at run time from the audit texts it reads
//! (`service plan [X] depends on the service plan(s) [Y], [Z]`, the beta `MissingDependency` message,
//! and the group add-on message `The service X requires Y to be enabled as well`).
//! A dependent plan with several rows needs every row satisfied (Teams Phone needs Teams *and* Skype).

use crate::model::{Cause, LicenseError, PlanId};
use regex::Regex;
use serde::Serialize;
use std::sync::OnceLock;

/// How sure licdiag is of a dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Stated by Microsoft documentation.
    Documented,
    /// From community sources (admin-center messages quoted in issues, licensing terms).
    Community,
    /// Blogs only.
    Unverified,
    /// Learned from an audit / error text in this run's input.
    Observed,
}

impl Confidence {
    pub fn as_str(&self) -> &'static str {
        match self {
            Confidence::Documented => "documented",
            Confidence::Community => "community",
            Confidence::Unverified => "unverified",
            Confidence::Observed => "observed",
        }
    }
}

/// One row: `dependent` needs any one of `requires_any`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dependency {
    pub dependent: PlanId,
    pub requires_any: Vec<PlanId>,
    pub confidence: Confidence,
    pub source: String,
}

struct Row {
    dependent: &'static str,
    requires_any: &'static [&'static str],
    confidence: Confidence,
    source: &'static str,
}

const WORKPLACE_ANALYTICS: &str = "f477b0f0-3bb1-4890-940c-40fcee6ce05f";
const MCOMEETADV: &str = "3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40";
const SHAREPOINTWAC: &str = "e95bec33-7c88-4a70-8e19-b10bd9d0c014";
const MCOEV: &str = "4828c8ec-dc2e-4779-b502-87ac9ce28ab7";
const EXCHANGE_S_ARCHIVE_ADDON: &str = "176a09a6-7ec5-4039-ac02-b2791c6ba793";
const EXCHANGE_S_STANDARD: &str = "9aaf7827-d63c-4b61-89c3-182f06f82e5c";
const EXCHANGE_S_ENTERPRISE: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";
const EXCHANGE_S_DESKLESS: &str = "4a82b400-a79f-41a4-b4e2-e94f5787b113";
const MCOSTANDARD: &str = "0feaeb32-d00e-4d66-bd5a-43b5b83db82c";
const TEAMS1: &str = "57ff2da0-773e-42df-b2af-ffb7a2317929";
const SHAREPOINTENTERPRISE: &str = "5dbe027f-2339-4123-9542-606e4d348a72";
const SHAREPOINTDESKLESS: &str = "902b47e5-dcb2-4fdc-858b-c63a90a2bdb9";
const SHAREPOINTSTANDARD: &str = "c7699d2e-19aa-44de-8edf-1736da088ca1";
const MCOPSTN1: &str = "4ed3ff63-69d7-4fb7-b984-5aec7f605ca8";
const MCOPSTN2: &str = "5a10155d-f5c1-411a-a8ec-e99aae125390";
const MCOPSTN5: &str = "54a152dc-90de-4996-93d2-bc47e670fc06";

const BUILTIN: &[Row] = &[
    Row {
        dependent: WORKPLACE_ANALYTICS,
        requires_any: &[EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE],
        confidence: Confidence::Documented,
        source: "entra-docs licensing-groups-resolve-problems (add-on prerequisites)",
    },
    Row {
        dependent: MCOMEETADV,
        requires_any: &[MCOSTANDARD],
        confidence: Confidence::Documented,
        source: "entra-docs licensing-groups-resolve-problems (licensed group deleted)",
    },
    Row {
        dependent: SHAREPOINTWAC,
        requires_any: &[SHAREPOINTENTERPRISE, SHAREPOINTDESKLESS, SHAREPOINTSTANDARD],
        confidence: Confidence::Community,
        source: "admin-center message quoted in OfficeDocs-Enterprise #627",
    },
    Row {
        dependent: MCOEV,
        requires_any: &[TEAMS1],
        confidence: Confidence::Community,
        source: "OfficeDocs-SkypeForBusiness PR #9267",
    },
    Row {
        dependent: MCOEV,
        requires_any: &[MCOSTANDARD],
        confidence: Confidence::Community,
        source: "OfficeDocs-SkypeForBusiness PR #9267",
    },
    Row {
        dependent: MCOPSTN1,
        requires_any: &[MCOEV],
        confidence: Confidence::Community,
        source: "licensing terms quoted in OfficeDocs-SkypeForBusiness #7502",
    },
    Row {
        dependent: MCOPSTN2,
        requires_any: &[MCOEV],
        confidence: Confidence::Community,
        source: "licensing terms quoted in OfficeDocs-SkypeForBusiness #7502",
    },
    Row {
        dependent: MCOPSTN5,
        requires_any: &[MCOEV],
        confidence: Confidence::Community,
        source: "licensing terms quoted in OfficeDocs-SkypeForBusiness #7502",
    },
    Row {
        dependent: EXCHANGE_S_ARCHIVE_ADDON,
        requires_any: &[EXCHANGE_S_STANDARD, EXCHANGE_S_DESKLESS],
        confidence: Confidence::Unverified,
        source: "blogs only",
    },
];

/// The dependency table: built-in rows plus rows learned at run time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DependencyTable {
    rows: Vec<Dependency>,
}

fn pid(s: &str) -> Option<PlanId> {
    PlanId::parse(s)
}

/// What an error text says about a dependency, by name or GUID as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependencyText {
    pub dependent: String,
    pub requires: Vec<String>,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex is valid"))
}

/// Splits `[A], [B]` / `A, B` / `A or B` into names.
pub fn split_plan_list(s: &str) -> Vec<String> {
    s.split([',', ';'])
        .flat_map(|p| p.split(" or "))
        .flat_map(|p| p.split(" and "))
        .map(|p| {
            p.trim()
                .trim_matches(|c: char| c == '[' || c == ']' || c == '.' || c == '"' || c == '\'')
                .trim()
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// Builds the patterns of [`parse_dependency_text`] ([`crate::diagnose::warm`]).
pub fn warm() {
    parse_dependency_text("");
}

/// Reads the dependency sentences of the audit log, the beta API and the admin center.
pub fn parse_dependency_text(text: &str) -> Option<DependencyText> {
    static DEP: OnceLock<Regex> = OnceLock::new();
    static BETA: OnceLock<Regex> = OnceLock::new();
    static PREREQ: OnceLock<Regex> = OnceLock::new();
    let dep = re(
        &DEP,
        r"(?i)service plan\s*\[?([^\]\[]+?)\]?\s+depends on the service plan\(s\)\s*(.+?)\s*(?:\.\s*$|$)",
    );
    if let Some(c) = dep.captures(text) {
        let dependent = c.get(1)?.as_str().trim().to_string();
        let requires = split_plan_list(c.get(2)?.as_str());
        if !dependent.is_empty() && !requires.is_empty() {
            return Some(DependencyText {
                dependent,
                requires,
            });
        }
    }
    let beta = re(
        &BETA,
        r"(?i)service plan\s+(.+?)\s+cannot be assigned without service plan\s+(.+?)(?:,\s*which|\.|$)",
    );
    if let Some(c) = beta.captures(text) {
        return Some(DependencyText {
            dependent: c.get(1)?.as_str().trim().to_string(),
            requires: split_plan_list(c.get(2)?.as_str()),
        });
    }
    let pre = re(
        &PREREQ,
        r"(?i)the service\s+(.+?)\s+requires\s+(.+?)\s+to be enabled as well",
    );
    if let Some(c) = pre.captures(text) {
        return Some(DependencyText {
            dependent: c.get(1)?.as_str().trim().to_string(),
            requires: vec![c.get(2)?.as_str().trim().to_string()],
        });
    }
    None
}

/// The dependency named by an extracted error: structured fields first, the text otherwise.
pub fn dependency_of_error(e: &LicenseError) -> Option<DependencyText> {
    if !matches!(
        e.cause,
        Cause::DependencyViolation | Cause::MissingPrerequisite
    ) {
        return None;
    }
    if let Some(dependent) = e.plans.first() {
        let mut requires = e.requires.clone();
        if requires.is_empty() {
            requires = e.plans.iter().skip(1).cloned().collect();
        }
        if !requires.is_empty() {
            return Some(DependencyText {
                dependent: dependent.clone(),
                requires,
            });
        }
    }
    parse_dependency_text(&e.text)
}

impl DependencyTable {
    /// The built-in rows of licensing.md §7.2.
    pub fn builtin() -> DependencyTable {
        let rows = BUILTIN
            .iter()
            .filter_map(|r| {
                Some(Dependency {
                    dependent: pid(r.dependent)?,
                    requires_any: r.requires_any.iter().filter_map(|s| pid(s)).collect(),
                    confidence: r.confidence,
                    source: r.source.to_string(),
                })
            })
            .collect();
        DependencyTable { rows }
    }

    pub fn rows(&self) -> &[Dependency] {
        &self.rows
    }

    /// Rows whose dependent is `plan`.
    pub fn requirements_of<'a>(&'a self, plan: &'a PlanId) -> impl Iterator<Item = &'a Dependency> {
        self.rows.iter().filter(move |d| &d.dependent == plan)
    }

    /// Rows that `plan` satisfies (as one of the required plans).
    pub fn dependents_on<'a>(&'a self, plan: &'a PlanId) -> impl Iterator<Item = &'a Dependency> {
        self.rows
            .iter()
            .filter(move |d| d.requires_any.contains(plan))
    }

    /// Adds an observed row unless an equal or wider one exists. Returns whether it was added.
    pub fn learn(&mut self, dependent: PlanId, requires_any: Vec<PlanId>, source: &str) -> bool {
        let mut req = requires_any;
        req.retain(|p| *p != dependent);
        req.sort();
        req.dedup();
        if req.is_empty() {
            return false;
        }
        if self
            .rows
            .iter()
            .any(|d| d.dependent == dependent && req.iter().all(|r| d.requires_any.contains(r)))
        {
            return false;
        }
        self.rows.push(Dependency {
            dependent,
            requires_any: req,
            confidence: Confidence::Observed,
            source: source.to_string(),
        });
        true
    }

    /// Learns from an extracted error; `resolve` maps a plan name / GUID / friendly name to an id.
    pub fn learn_from_error(
        &mut self,
        e: &LicenseError,
        source: &str,
        resolve: impl Fn(&str) -> Option<PlanId>,
    ) -> bool {
        let Some(t) = dependency_of_error(e) else {
            return false;
        };
        let Some(dep) = resolve(&t.dependent) else {
            return false;
        };
        let req: Vec<PlanId> = t.requires.iter().filter_map(|r| resolve(r)).collect();
        if req.is_empty() {
            return false;
        }
        self.learn(dep, req, source)
    }

    /// The confidence of "dependent needs required", if some row says so.
    pub fn confidence(&self, dependent: &PlanId, required: &PlanId) -> Option<Confidence> {
        self.rows
            .iter()
            .filter(|d| &d.dependent == dependent && d.requires_any.contains(required))
            .map(|d| d.confidence)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> PlanId {
        PlanId::parse(s).expect("id")
    }

    #[test]
    fn builtin_rows() {
        let t = DependencyTable::builtin();
        let meet = id(MCOMEETADV);
        let rows: Vec<_> = t.requirements_of(&meet).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].requires_any, vec![id(MCOSTANDARD)]);
        assert_eq!(rows[0].confidence, Confidence::Documented);
        // Teams Phone needs both Teams and Skype: two rows.
        assert_eq!(t.requirements_of(&id(MCOEV)).count(), 2);
        assert_eq!(
            t.confidence(&id(WORKPLACE_ANALYTICS), &id(EXCHANGE_S_ENTERPRISE)),
            Some(Confidence::Documented)
        );
    }

    #[test]
    fn parses_the_three_sentences() {
        let a = parse_dependency_text(
            "License assignment failed because service plan [MCOMEETADV] depends on the service plan(s) [MCOSTANDARD], [MCOEV].",
        )
        .expect("audit");
        assert_eq!(a.dependent, "MCOMEETADV");
        assert_eq!(a.requires, vec!["MCOSTANDARD", "MCOEV"]);
        let b = parse_dependency_text(
            "Service plan f477b0f0-3bb1-4890-940c-40fcee6ce05f cannot be assigned without service plan efb87545-963c-4e0d-99df-69c6916d9eb0, which this user does not currently have.",
        )
        .expect("beta");
        assert_eq!(b.dependent, WORKPLACE_ANALYTICS);
        assert_eq!(b.requires, vec![EXCHANGE_S_ENTERPRISE]);
        let c = parse_dependency_text(
            "License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. The service Microsoft Workplace Analytics requires Exchange Online (Plan 2) to be enabled as well.",
        )
        .expect("prereq");
        assert_eq!(c.dependent, "Microsoft Workplace Analytics");
        assert_eq!(c.requires, vec!["Exchange Online (Plan 2)"]);
        assert_eq!(
            parse_dependency_text("Proxy address is already being used"),
            None
        );
    }

    #[test]
    fn learns_observed_rows_once() {
        let mut t = DependencyTable::builtin();
        let n = t.rows().len();
        let x = id("11111111-1111-1111-1111-111111111111");
        let y = id("22222222-2222-2222-2222-222222222222");
        assert!(t.learn(x.clone(), vec![y.clone()], "audit"));
        assert!(
            !t.learn(x.clone(), vec![y.clone()], "audit"),
            "no duplicate"
        );
        assert!(
            !t.learn(id(MCOMEETADV), vec![id(MCOSTANDARD)], "audit"),
            "already known"
        );
        assert_eq!(t.rows().len(), n + 1);
        assert_eq!(t.confidence(&x, &y), Some(Confidence::Observed));

        let mut e = LicenseError::new(
            Cause::DependencyViolation,
            "License assignment failed because service plan [AAA] depends on the service plan(s) [BBB].",
        );
        let resolve = |s: &str| match s {
            "AAA" => Some(id("33333333-3333-3333-3333-333333333333")),
            "BBB" => Some(id("44444444-4444-4444-4444-444444444444")),
            _ => None,
        };
        assert!(t.learn_from_error(&e, "audit", resolve));
        e.cause = Cause::CountViolation;
        assert!(!t.learn_from_error(&e, "audit", resolve));
    }
}
