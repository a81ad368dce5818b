//! The licensing rules the planners apply to plan sets (licensing.md §7): which plans a change brings
//! that conflict with plans from other assignments (the versioned conflict table), which dependency
//! rows a change breaks (the dependent plan stays, every plan it needs goes), and which rows a group's
//! own license set leaves unmet (an add-on without its prerequisite in the same group).

use super::doc::join_or;
use super::view::{PlanSet, Tenant};
use crate::knowledge::{conflicting_pairs, Confidence, Dependency};
use crate::model::PlanId;

/// A plan set with the assignment it comes from, for messages.
#[derive(Clone, Debug)]
pub struct Labeled {
    pub label: String,
    pub plans: PlanSet,
}

/// One conflicting pair: a plan the change brings and a plan the user holds from elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConflictHit {
    pub ours: PlanId,
    pub ours_from: String,
    pub theirs: PlanId,
    pub theirs_from: String,
}

/// Every conflicting pair between `ours` and `theirs` under the tenant's conflict-table revision.
pub fn conflicts(t: &Tenant<'_>, ours: &[Labeled], theirs: &[Labeled]) -> Vec<ConflictHit> {
    let mut out = Vec::new();
    for o in ours {
        let a: Vec<PlanId> = o.plans.iter().cloned().collect();
        for th in theirs {
            let b: Vec<PlanId> = th.plans.iter().cloned().collect();
            for (x, y) in conflicting_pairs(&a, &b, t.version) {
                out.push(ConflictHit {
                    ours: x,
                    ours_from: o.label.clone(),
                    theirs: y,
                    theirs_from: th.label.clone(),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `SHAREPOINTENTERPRISE (SharePoint (Plan 2)) in ENTERPRISEPACK from G conflicts with
/// SHAREPOINTSTANDARD (SharePoint (Plan 1)) in STANDARDPACK (direct); ...`
pub fn conflict_text(t: &Tenant<'_>, hits: &[ConflictHit]) -> String {
    hits.iter()
        .map(|h| {
            format!(
                "{} in {} conflicts with {} in {}",
                t.plan_long(&h.ours),
                h.ours_from,
                t.plan_long(&h.theirs),
                h.theirs_from
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Dependency rows a change breaks: the dependent plan is in `after`, no required plan is, and one
/// was in `before` (a row already unmet before the change is not the change's doing).
pub fn broken_dependencies<'k>(
    t: &Tenant<'k>,
    before: &PlanSet,
    after: &PlanSet,
) -> Vec<&'k Dependency> {
    let mut out: Vec<&Dependency> =
        t.kb.dependencies()
            .rows()
            .iter()
            .filter(|d| {
                after.contains(&d.dependent)
                    && !d.requires_any.iter().any(|r| after.contains(r))
                    && d.requires_any.iter().any(|r| before.contains(r))
            })
            .collect();
    out.sort_by(|a, b| (&a.dependent, &a.requires_any).cmp(&(&b.dependent, &b.requires_any)));
    out.dedup_by(|a, b| a.dependent == b.dependent && a.requires_any == b.requires_any);
    out
}

/// Dependency rows a plan set leaves unmet: the dependent plan is in `set`, no required plan is.
pub fn unmet<'k>(t: &Tenant<'k>, set: &PlanSet) -> Vec<&'k Dependency> {
    let mut out: Vec<&Dependency> = t
        .kb
        .dependencies()
        .rows()
        .iter()
        .filter(|d| set.contains(&d.dependent) && !d.requires_any.iter().any(|r| set.contains(r)))
        .collect();
    out.sort_by(|a, b| (&a.dependent, &a.requires_any).cmp(&(&b.dependent, &b.requires_any)));
    out.dedup_by(|a, b| a.dependent == b.dependent && a.requires_any == b.requires_any);
    out
}

/// Whether a dependency row is sure enough to block a plan (rows from blogs only are warnings).
/// Records a broken dependency for a user: a blocker naming the dependent and required plans when
/// the rule is documented, a warning when it rests on community or unverified sources.
pub fn report_dependency(
    f: &mut super::doc::Findings,
    t: &Tenant<'_>,
    user: &crate::model::finding::UserRef,
    d: &Dependency,
    detail: String,
    sku: Option<crate::model::finding::ProductRef>,
) {
    if is_blocking(d) {
        let mut plans = vec![t.plan(&d.dependent)];
        plans.extend(d.requires_any.iter().map(|p| t.plan(p)));
        f.block_with(
            Some(user.clone()),
            super::doc::BlockerKind::Dependency,
            detail,
            sku,
            plans,
        );
    } else {
        f.warn(
            Some(user.clone()),
            super::doc::WarningKind::UnverifiedDependency,
            detail,
        );
    }
}

/// The plans named by conflict hits (ours and theirs), sorted and without repeats.
pub fn conflict_plans(t: &Tenant<'_>, hits: &[ConflictHit]) -> Vec<crate::model::finding::PlanRef> {
    let mut plans: Vec<_> = hits
        .iter()
        .flat_map(|h| [t.plan(&h.ours), t.plan(&h.theirs)])
        .collect();
    plans.sort();
    plans.dedup();
    plans
}

pub fn is_blocking(d: &Dependency) -> bool {
    d.confidence != Confidence::Unverified
}

/// `MCOSTANDARD (Skype for Business Online (Plan 2))` / `A or B`.
pub fn requires_text(t: &Tenant<'_>, d: &Dependency) -> String {
    let names: Vec<String> = d.requires_any.iter().map(|p| t.plan_long(p)).collect();
    join_or(&names)
}

/// `(documented: entra-docs ...)`: where the row comes from.
pub fn provenance(d: &Dependency) -> String {
    format!("{}: {}", d.confidence.as_str(), d.source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{ConflictTableVersion, Knowledge};
    use crate::model::snapshot::Snapshot;

    fn p(s: &str) -> PlanId {
        PlanId::parse(s).expect("plan")
    }
    const SPO1: &str = "c7699d2e-19aa-44de-8edf-1736da088ca1";
    const SPO2: &str = "5dbe027f-2339-4123-9542-606e4d348a72";
    const EXO1: &str = "9aaf7827-d63c-4b61-89c3-182f06f82e5c";
    const EXO2: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";
    const MCOSTANDARD: &str = "0feaeb32-d00e-4d66-bd5a-43b5b83db82c";
    const MCOMEETADV: &str = "3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40";

    fn set(ids: &[&str]) -> PlanSet {
        ids.iter().map(|s| p(s)).collect()
    }

    #[test]
    fn conflicts_follow_the_table_revision() {
        let kb = Knowledge::builtin();
        let snap = Snapshot::default();
        let ours = [Labeled {
            label: "E3 from G".into(),
            plans: set(&[SPO2, EXO2]),
        }];
        let theirs = [Labeled {
            label: "E1 (direct)".into(),
            plans: set(&[SPO1, EXO1]),
        }];
        let now = Tenant::new(&snap, &kb, ConflictTableVersion::Current);
        let hits = conflicts(&now, &ours, &theirs);
        assert_eq!(hits.len(), 1, "only SharePoint conflicts since July 2025");
        assert!(conflict_text(&now, &hits).contains("SHAREPOINTENTERPRISE"));
        let old = Tenant::new(&snap, &kb, ConflictTableVersion::Pre2025);
        assert_eq!(conflicts(&old, &ours, &theirs).len(), 2);
    }

    #[test]
    fn dependencies_broken_and_unmet() {
        let kb = Knowledge::builtin();
        let snap = Snapshot::default();
        let t = Tenant::new(&snap, &kb, ConflictTableVersion::Current);
        let before = set(&[MCOMEETADV, MCOSTANDARD]);
        let after = set(&[MCOMEETADV]);
        let broken = broken_dependencies(&t, &before, &after);
        assert_eq!(broken.len(), 1);
        assert!(requires_text(&t, broken[0]).contains("MCOSTANDARD"));
        assert!(is_blocking(broken[0]));
        // already unmet before: not the change's doing
        assert!(broken_dependencies(&t, &after, &after).is_empty());
        assert_eq!(unmet(&t, &after).len(), 1);
        assert!(unmet(&t, &before).is_empty());
    }
}
