//! Diagnosis tests: one or more per cause, on small worlds built with the test kit.

use super::testkit::*;
use crate::model::finding::{
    AssignmentSource, CauseDetails, CountDetails, Diagnosis, Evidence, Finding, ReclaimReason,
    Severity, Status,
};
use crate::model::{Activity, Actor, Cause, Outcome};

const NOW: &str = "2026-10-09T12:00:00Z";

fn find<'a>(d: &'a Diagnosis, cause: Cause, sku: &str) -> &'a Finding {
    d.findings
        .iter()
        .find(|f| f.cause == cause && f.sku.as_deref() == Some(sku))
        .unwrap_or_else(|| panic!("no {cause} finding on {sku}: {:#?}", keys(d)))
}

/// `CAUSE/SKU/GROUP NAME` of every finding, in order.
fn keys(d: &Diagnosis) -> Vec<String> {
    d.findings
        .iter()
        .map(|f| {
            format!(
                "{}/{}/{}",
                f.cause.code(),
                f.sku.as_deref().unwrap_or("-"),
                f.group.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

fn labels(f: &Finding) -> Vec<String> {
    f.users.iter().map(|u| u.user.label()).collect()
}

/// LIC-E3 assigns E3 (Yammer disabled) + EMS; three new hires blocked on seats; rosa resolved later.
fn count_world() -> World {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 20, 2, 22), subscribed(EMS, 25, 0, 14)];
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[YAMMER]), (EMS, &[])])];
    for (n, at) in [
        ("kai", "2026-10-06T08:01:52Z"),
        ("lena", "2026-10-06T08:02:09Z"),
        ("mateo", "2026-10-06T08:02:27Z"),
    ] {
        let mut u = user(n);
        u.license_states = vec![
            bad(E3, Some("LIC-E3"), "CountViolation", at),
            bad(EMS, Some("LIC-E3"), "Other", at),
        ]
        .into();
        w.snap.users.push(u);
        w.snap.memberships.push(member("LIC-E3", n));
    }
    let mut rosa = user("rosa");
    rosa.license_states = vec![
        ok(E3, Some("LIC-E3"), "2026-10-08T13:02:12Z"),
        ok(EMS, Some("LIC-E3"), "2026-10-08T13:02:12Z"),
    ]
    .into();
    let mut dmitri = user("dmitri");
    dmitri.account_enabled = Some(false);
    dmitri.license_states = vec![ok(E3, Some("LIC-E3"), "2026-09-14T10:00:00Z")].into();
    let mut derek = user("derek");
    derek.account_enabled = Some(false);
    derek.license_states = vec![ok(E3, None, "2026-09-14T10:00:00Z")].into();
    let mut sofia = user("sofia");
    sofia.license_states = vec![ok(E3, None, "2026-09-14T10:00:00Z")].into();
    let mut hannah = user("hannah");
    hannah.license_states = vec![
        ok(E3, None, "2026-09-14T10:00:00Z"),
        ok(E3, Some("LIC-E3"), "2026-09-14T10:00:00Z"),
    ]
    .into();
    w.snap.users.extend([rosa, dmitri, derek, sofia, hannah]);
    w.events = vec![
        set_group_license("LIC-E3", "2026-10-06T08:00:12Z", "ana", Outcome::Success),
        start("LIC-E3", "2026-10-06T08:00:41Z"),
        gbl_fail(
            "kai",
            "2026-10-06T08:01:52Z",
            lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
        ),
        gbl_fail(
            "rosa",
            "2026-10-06T08:02:40Z",
            lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
        ),
        finish("LIC-E3", "2026-10-06T08:05:59Z", 10, 7),
        gbl_ok(
            "rosa",
            "2026-10-08T13:02:12Z",
            &[("ENTERPRISEPACK", E3), ("EMS", EMS)],
        ),
        finish("LIC-E3", "2026-10-08T13:04:50Z", 11, 6),
    ];
    w
}

#[test]
fn count_violation_grouped_with_seats_and_reclaimable_users() {
    let d = count_world().run(NOW);
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert_eq!(f.group.as_deref(), Some("LIC-E3"));
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.status, Status::Pending);
    assert_eq!(f.evidence.source, Evidence::Both);
    assert_eq!(labels(f).len(), 4, "{:?}", labels(f));
    assert_eq!(f.pending_users(), 3);
    let rosa = f
        .users
        .iter()
        .find(|u| u.user.label().starts_with("rosa"))
        .expect("rosa");
    assert_eq!(rosa.status, Status::Resolved);
    assert_eq!(
        rosa.resolved.as_ref().map(|r| r.when),
        Some(t("2026-10-08T13:02:12Z"))
    );

    let CauseDetails::Count(c) = &f.details else {
        panic!("details {:?}", f.details)
    };
    assert_eq!(c.blocked_users, 3);
    assert_eq!(c.shortfall, Some(3));
    let cap = c.capacity.as_ref().expect("capacity");
    assert_eq!((cap.enabled, cap.warning, cap.consumed), (20, 2, 22));
    assert_eq!(cap.available, -2);
    assert_eq!(cap.available_with_warning, 0);
    assert!(cap.over_assigned && cap.no_seats);
    let rec: Vec<(String, ReclaimReason)> = cap
        .reclaimable
        .iter()
        .map(|r| (r.user.label(), r.reason))
        .collect();
    assert_eq!(
        rec,
        vec![
            (
                "derek@fabrikam.example".into(),
                ReclaimReason::DisabledAccount
            ),
            (
                "dmitri@fabrikam.example".into(),
                ReclaimReason::DisabledAccount
            ),
            ("sofia@fabrikam.example".into(), ReclaimReason::DirectOnly),
        ]
    );
    assert_eq!(cap.direct_and_group.len(), 1);
    assert!(
        f.explanation.contains("Buy 3, or free 3"),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation.contains("hannah@fabrikam.example"),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("frees nothing"), "{}", f.explanation);
    // the all-or-nothing sibling
    assert_eq!(
        f.not_assigned_products
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>(),
        vec!["EMS"]
    );
    // audit correlation
    let sb = f.audit.started_by.as_ref().expect("started by");
    assert_eq!(sb.who, "ana@fabrikam.example");
    assert_eq!(sb.when, t("2026-10-06T08:00:12Z"));
    let ps = f.audit.processing_summary.as_ref().expect("summary");
    assert_eq!((ps.succeeded, ps.failed), (11, 6));
    assert_eq!(f.audit.first_seen, Some(t("2026-10-06T08:01:52Z")));
    assert!(f.audit.resolved.is_none());
    // recommendation: one reprocess line per pending user, not for rosa
    let cmds = f.recommendation.commands.join("\n");
    for n in ["kai", "lena", "mateo"] {
        assert!(
            cmds.contains(&format!("Invoke-MgLicenseUser -UserId 'u-{n}'")),
            "{cmds}"
        );
    }
    assert!(!cmds.contains("u-rosa"), "{cmds}");
    assert!(
        cmds.contains(
            "Remove-MgGroupMemberByRef -GroupId 'g-lic-e3' -DirectoryObjectId 'u-dmitri'"
        ),
        "{cmds}"
    );
    assert!(cmds.contains("Set-MgUserLicense -UserId 'u-derek' -AddLicenses @() -RemoveLicenses @('6fd2c87f-b296-42f0-b197-1e91e994b900')"), "{cmds}");
    assert!(
        f.recommendation.summary.contains("Buy 3"),
        "{}",
        f.recommendation.summary
    );

    // capacity table lists every subscribed product
    assert_eq!(d.capacity.len(), 2);
    assert_eq!(d.capacity[1].sku.as_deref(), Some("ENTERPRISEPACK"));
    assert_eq!(d.capacity[1].blocked_users, 3);
}

#[test]
fn other_is_attributed_to_the_sibling_error() {
    let d = count_world().run(NOW);
    let f = find(&d, Cause::Other, "EMS");
    let CauseDetails::Blocked {
        blocked_by,
        unexplained,
    } = &f.details
    else {
        panic!("{:?}", f.details)
    };
    assert!(unexplained.is_empty());
    assert_eq!(blocked_by.len(), 3);
    for b in blocked_by {
        assert_eq!(b.cause, Cause::CountViolation);
        assert_eq!(b.sku.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(b.found_in, "snapshot");
    }
    assert!(
        f.explanation
            .contains("blocked by CountViolation on ENTERPRISEPACK"),
        "{}",
        f.explanation
    );
}

#[test]
fn other_without_sibling_takes_the_audit_cause_or_says_so() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E1, 6, 0, 6)];
    w.snap.groups = vec![group("LIC-E1", &[(E1, &[])])];
    let mut olivia = user("olivia");
    olivia.license_states = vec![bad(E1, Some("LIC-E1"), "Other", "2026-10-05T09:33:02Z")].into();
    let mut nils = user("nils");
    nils.license_states = vec![bad(E1, Some("LIC-E1"), "Others", "2026-10-05T09:40:00Z")].into();
    let mut grace = user("grace");
    grace.license_states = vec![ok(E1, None, "2026-09-14T10:00:00Z")].into();
    w.snap.users = vec![olivia, nils, grace];
    w.events = vec![gbl_fail(
        "olivia",
        "2026-10-05T09:33:02Z",
        lerr(Cause::CountViolation, &count_text("STANDARDPACK")),
    )];
    let d = w.run(NOW);
    assert_eq!(
        keys(&d),
        vec![
            "CountViolation/STANDARDPACK/LIC-E1",
            "Other/STANDARDPACK/LIC-E1"
        ]
    );
    // olivia: the snapshot's Other and the audit CountViolation are one error
    let c = find(&d, Cause::CountViolation, "STANDARDPACK");
    assert_eq!(labels(c), vec!["olivia@fabrikam.example"]);
    assert_eq!(c.evidence.source, Evidence::Both);
    assert_eq!(c.status, Status::Pending);
    assert!(
        c.explanation.contains("records this as Other"),
        "{}",
        c.explanation
    );
    let CauseDetails::Count(cd) = &c.details else {
        panic!()
    };
    assert_eq!(cd.shortfall, Some(1));
    assert!(
        c.explanation.contains(
            "Buy 1, or free 1: 1 seat is reclaimable: grace@fabrikam.example (direct only"
        ),
        "{}",
        c.explanation
    );
    // nils: nothing explains it
    let f = find(&d, Cause::Other, "STANDARDPACK");
    let CauseDetails::Blocked {
        blocked_by,
        unexplained,
    } = &f.details
    else {
        panic!()
    };
    assert!(blocked_by.is_empty());
    assert_eq!(unexplained.len(), 1);
    assert!(
        f.explanation.contains("no sibling error"),
        "{}",
        f.explanation
    );
    assert_eq!(f.severity, Severity::Warning);
}

#[test]
fn other_attributed_to_a_failed_audit_event_on_a_sibling_product() {
    let mut w = World::new();
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[]), (EMS, &[])])];
    let mut kai = user("kai");
    // the snapshot lost the E3 entry; only EMS says Other
    kai.license_states = vec![bad(EMS, Some("LIC-E3"), "Other", "2026-10-06T08:01:52Z")].into();
    w.snap.users = vec![kai];
    w.events = vec![gbl_fail(
        "kai",
        "2026-10-06T08:01:52Z",
        lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
    )];
    let d = w.run(NOW);
    let f = find(&d, Cause::Other, "EMS");
    let CauseDetails::Blocked { blocked_by, .. } = &f.details else {
        panic!()
    };
    assert_eq!(blocked_by.len(), 1);
    assert_eq!(blocked_by[0].found_in, "audit");
    assert_eq!(blocked_by[0].sku.as_deref(), Some("ENTERPRISEPACK"));
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.explanation
            .contains("blocked by CountViolation on ENTERPRISEPACK (from the audit log)"),
        "{}",
        f.explanation
    );
    // and the audit failure is a CountViolation finding of its own, in the same group
    let c = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert_eq!(c.group.as_deref(), Some("LIC-E3"));
    assert_eq!(c.evidence.source, Evidence::Audit);
}

fn conflict_world() -> World {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 30, 0, 10), subscribed(E1, 10, 0, 5)];
    w.snap.groups = vec![
        group("LIC-E3", &[(E3, &[YAMMER])]),
        group("LIC-E1", &[(E1, &[])]),
    ];
    let mut grace = user("grace");
    grace.license_states = vec![
        ok(E1, None, "2026-09-14T10:00:00Z"),
        disabled(
            bad(
                E3,
                Some("LIC-E3"),
                "MutuallyExclusiveViolation",
                "2026-10-06T08:03:05Z",
            ),
            &[YAMMER],
        ),
    ]
    .into();
    let mut ivan = user("ivan");
    ivan.license_states = vec![
        ok(E1, Some("LIC-E1"), "2026-09-14T10:00:00Z"),
        disabled(
            bad(
                E3,
                Some("LIC-E3"),
                "MutuallyExclusiveViolation",
                "2026-10-06T08:03:21Z",
            ),
            &[YAMMER],
        ),
    ]
    .into();
    w.snap.users = vec![grace, ivan];
    w
}

#[test]
fn conflict_pairs_and_other_source() {
    let d = conflict_world().run(NOW);
    let f = find(&d, Cause::MutuallyExclusiveViolation, "ENTERPRISEPACK");
    let CauseDetails::Conflict {
        conflicting_plans,
        conflict_table,
        legacy_only,
        ..
    } = &f.details
    else {
        panic!()
    };
    assert!(legacy_only.is_empty());
    assert_eq!(conflict_table, "current");
    let got: Vec<(String, String, String, String)> = conflicting_plans
        .iter()
        .map(|c| {
            (
                c.user.label(),
                c.plan.label(),
                c.other_plan.label(),
                c.other_source.describe(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "grace@fabrikam.example".into(),
                "SHAREPOINTENTERPRISE".into(),
                "SHAREPOINTSTANDARD".into(),
                "the direct assignment of STANDARDPACK".into()
            ),
            (
                "ivan@fabrikam.example".into(),
                "SHAREPOINTENTERPRISE".into(),
                "SHAREPOINTSTANDARD".into(),
                "group LIC-E1 (STANDARDPACK)".into()
            ),
        ]
    );
    assert!(
        f.explanation.contains("from group LIC-E1 (STANDARDPACK)"),
        "{}",
        f.explanation
    );
    let cmds = f.recommendation.commands.join("\n");
    assert!(cmds.contains("Invoke-MgLicenseUser -UserId 'u-grace'"));
    assert!(
        cmds.contains("RemoveLicenses @('18181a46-0d4e-45cd-891e-60aabd171b4e')"),
        "{cmds}"
    );
    assert!(
        cmds.contains("Remove-MgGroupMemberByRef -GroupId 'g-lic-e1' -DirectoryObjectId 'u-ivan'"),
        "{cmds}"
    );
}

#[test]
fn exchange_plan_conflict_only_with_the_pre_2025_table() {
    let d = conflict_world().run("2025-03-01T00:00:00Z");
    assert_eq!(d.conflict_table, "pre2025");
    let f = d
        .findings
        .iter()
        .find(|f| f.cause == Cause::MutuallyExclusiveViolation)
        .expect("finding");
    let CauseDetails::Conflict {
        conflicting_plans, ..
    } = &f.details
    else {
        panic!()
    };
    let pairs: Vec<(String, String)> = conflicting_plans
        .iter()
        .filter(|c| c.user.label().starts_with("grace"))
        .map(|c| (c.plan.label(), c.other_plan.label()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("EXCHANGE_S_ENTERPRISE".into(), "EXCHANGE_S_STANDARD".into()),
            ("SHAREPOINTENTERPRISE".into(), "SHAREPOINTSTANDARD".into()),
        ]
    );
}

#[test]
fn conflict_from_audit_text_only() {
    let mut w = World::new();
    w.events = vec![gbl_fail(
        "zed",
        "2026-10-06T08:03:05Z",
        lerr(
            Cause::MutuallyExclusiveViolation,
            "License assignment failed because service plans [SHAREPOINTSTANDARD], [SHAREPOINTENTERPRISE] are mutually exclusive.",
        ),
    )];
    let d = w.run(NOW);
    assert_eq!(d.findings.len(), 1);
    let f = &d.findings[0];
    assert_eq!(f.evidence.source, Evidence::Audit);
    assert_eq!(f.sku, None);
    let CauseDetails::Conflict {
        conflicting_plans, ..
    } = &f.details
    else {
        panic!()
    };
    assert_eq!(conflicting_plans.len(), 1);
    assert_eq!(conflicting_plans[0].determined_from, "audit");
    assert_eq!(
        conflicting_plans[0].plan.id,
        crate::model::PlanId::parse(SPO1)
    );
    assert!(matches!(
        conflicting_plans[0].other_source,
        AssignmentSource::Unknown { .. }
    ));
    assert_eq!(f.severity, Severity::Error);
    assert!(f
        .recommendation
        .commands
        .iter()
        .any(|c| c.contains("'u-zed'")));
}

#[test]
fn dependency_names_the_plans_and_where_the_requirement_could_come_from() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 20, 0, 10), subscribed(MEET, 5, 0, 2)];
    w.snap.groups = vec![
        group("LIC-E3", &[(E3, &[YAMMER])]),
        group("LIC-E3-Voice", &[(E3, &[])]),
    ];
    let mut tomas = user("tomas");
    tomas.on_premises_sync_enabled = Some(true);
    tomas.license_states = vec![
        ok(MEET, None, "2026-09-14T10:00:00Z"),
        active_with_error(
            E3,
            Some("LIC-E3-Voice"),
            "DependencyViolation",
            "2026-10-07T11:33:45Z",
        ),
    ]
    .into();
    w.snap.users = vec![tomas];
    w.snap.memberships = vec![member("LIC-E3", "someone-else")];
    w.events = vec![
        remove_member("tomas", "LIC-E3-Voice", "2026-10-07T11:30:02Z", admin("sync")),
        gbl_fail(
            "tomas",
            "2026-10-07T11:33:45Z",
            lerr(
                Cause::DependencyViolation,
                "License assignment failed because service plan [MCOMEETADV] depends on the service plan(s) [MCOSTANDARD].",
            ),
        ),
    ];
    let d = w.run(NOW);
    let f = find(&d, Cause::DependencyViolation, "ENTERPRISEPACK");
    assert_eq!(f.group.as_deref(), Some("LIC-E3-Voice"));
    assert_eq!(f.evidence.source, Evidence::Both);
    let CauseDetails::Dependency { dependencies } = &f.details else {
        panic!()
    };
    assert_eq!(dependencies.len(), 1, "{dependencies:#?}");
    let dep = &dependencies[0];
    assert_eq!(dep.dependent_plan.label(), "MCOMEETADV");
    assert_eq!(dep.requires[0].label(), "MCOSTANDARD");
    assert_eq!(dep.direction, "removal");
    assert_eq!(dep.confidence, "documented");
    assert!(dep
        .would_come_from
        .iter()
        .any(|o| o.how == "group" && o.group.as_deref() == Some("LIC-E3")));
    assert!(!dep
        .would_come_from
        .iter()
        .any(|o| o.group.as_deref() == Some("LIC-E3-Voice")));
    assert!(
        f.explanation.contains("was removed from LIC-E3-Voice"),
        "{}",
        f.explanation
    );
    assert!(f
        .recommendation
        .commands
        .iter()
        .any(|c| c.starts_with("Invoke-MgLicenseUser -UserId 'u-tomas'")));
    let sb = f.audit.started_by.as_ref().expect("started by the removal");
    assert_eq!(sb.activity, "Remove member from group");
    assert_eq!(sb.who, "sync@fabrikam.example");
}

#[test]
fn dependency_met_by_another_license_is_said_stale_not_unknown() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 20, 0, 10), subscribed(MEET, 5, 0, 2)];
    w.snap.groups = vec![group("LIC-E3-Voice", &[(E3, &[])])];
    let mut tomas = user("tomas");
    // MCOMEETADV needs MCOSTANDARD, which the direct E3 supplies besides the group's
    tomas.license_states = vec![
        ok(MEET, None, "2026-09-14T10:00:00Z"),
        ok(E3, None, "2026-09-14T10:00:00Z"),
        active_with_error(
            E3,
            Some("LIC-E3-Voice"),
            "DependencyViolation",
            "2026-10-07T11:33:45Z",
        ),
    ]
    .into();
    w.snap.users = vec![tomas];
    let d = w.run(NOW);
    let f = find(&d, Cause::DependencyViolation, "ENTERPRISEPACK");
    let CauseDetails::Dependency { dependencies } = &f.details else {
        panic!()
    };
    assert!(dependencies.is_empty(), "{dependencies:#?}");
    assert!(
        f.explanation
            .contains("every dependency licdiag knows is met")
            && f.explanation
                .contains("which the direct assignment of ENTERPRISEPACK supplies")
            && !f.explanation.contains("no audit text names it"),
        "{}",
        f.explanation
    );
    assert!(f
        .recommendation
        .commands
        .iter()
        .any(|c| c.starts_with("Invoke-MgLicenseUser -UserId 'u-tomas'")));
}

/// A user failing again and again: the finding says when the error was first recorded and when
/// last (a postmortem's "since" is the first).
#[test]
fn a_users_error_keeps_its_first_and_last_time() {
    let mut w = World::new();
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[])])];
    let mut ana = user("ana");
    ana.license_states = vec![bad(
        E3,
        Some("LIC-E3"),
        "MutuallyExclusiveViolation",
        "2026-10-06T13:45:00Z",
    )]
    .into();
    w.snap.users = vec![ana];
    let err = || {
        lerr(
            Cause::MutuallyExclusiveViolation,
            "License assignment failed because service plans [SHAREPOINTENTERPRISE], [SHAREPOINTSTANDARD] are mutually exclusive.",
        )
    };
    w.events = vec![
        gbl_fail("ana", "2026-10-06T08:00:00Z", err()),
        gbl_fail("ana", "2026-10-06T10:15:00Z", err()),
        gbl_fail("ana", "2026-10-06T13:45:00Z", err()),
    ];
    // the run the last failure belongs to, then a later one (another member, the next day)
    w.events
        .push(finish("LIC-E3", "2026-10-06T13:46:00Z", 2, 1));
    w.events
        .push(finish("LIC-E3", "2026-10-07T08:11:00Z", 0, 1));
    let d = w.run(NOW);
    let f = d
        .findings
        .iter()
        .find(|f| f.cause == Cause::MutuallyExclusiveViolation)
        .expect("the conflict");
    let u = &f.users[0];
    assert_eq!(u.first_error_at, Some(t("2026-10-06T08:00:00Z")));
    assert_eq!(u.error_at, Some(t("2026-10-06T13:45:00Z")));
    let run = f.audit.processing_summary.as_ref().expect("a run");
    assert_eq!(
        (run.succeeded, run.failed, run.when),
        (2, 1, t("2026-10-06T13:46:00Z"))
    );
}

/// A DependencyViolation from a group since deleted names the deletion and the guide's entry.
#[test]
fn dependency_from_a_deleted_group_names_the_deletion() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 20, 0, 10), subscribed(MEET, 5, 0, 2)];
    let mut tomas = user("tomas");
    tomas.license_states = vec![
        ok(MEET, None, "2026-09-14T10:00:00Z"),
        active_with_error(
            E3,
            Some("LIC-E3-Voice"),
            "DependencyViolation",
            "2026-10-07T11:33:45Z",
        ),
    ]
    .into();
    w.snap.users = vec![tomas];
    w.events = vec![event(
        Activity::DeleteGroup,
        "2026-10-07T12:00:00Z",
        Outcome::Success,
        admin("ana"),
        vec![group_target("LIC-E3-Voice")],
    )];
    let d = w.run(NOW);
    let f = find(&d, Cause::DependencyViolation, "ENTERPRISEPACK");
    assert!(
        f.explanation
            .contains("LIC-E3-Voice was deleted at 2026-10-07 12:00:00 UTC")
            && f.explanation
                .contains("licdiag explain licensed-group-deleted"),
        "{}",
        f.explanation
    );
}

#[test]
fn usage_location_per_user() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(PBI, 10, 0, 3)];
    w.snap.groups = vec![group("LIC-PowerBI", &[(PBI, &[])])];
    for (n, loc) in [("reza", Some("IR")), ("samir", Some("SY")), ("nova", None)] {
        let mut u = user(n);
        u.usage_location = loc.map(str::to_string).map(Into::into);
        u.license_states = vec![bad(
            PBI,
            Some("LIC-PowerBI"),
            "ProhibitedInUsageLocationViolation",
            "2026-10-05T07:06:03Z",
        )]
        .into();
        w.snap.users.push(u);
    }
    let d = w.run(NOW);
    let f = find(
        &d,
        Cause::ProhibitedInUsageLocationViolation,
        "POWER_BI_PRO",
    );
    let CauseDetails::UsageLocation { usage_locations } = &f.details else {
        panic!()
    };
    let got: Vec<(String, String)> = usage_locations
        .iter()
        .map(|l| (l.user.label(), l.note.clone()))
        .collect();
    assert!(got.contains(&("reza@fabrikam.example".into(), "IR".into())));
    assert!(got.contains(&("samir@fabrikam.example".into(), "SY".into())));
    assert!(got.contains(&(
        "nova@fabrikam.example".into(),
        "unset: inherits the tenant's country".into()
    )));
    assert!(
        f.explanation.contains("IR: reza@fabrikam.example"),
        "{}",
        f.explanation
    );
    assert_eq!(
        f.recommendation
            .commands
            .iter()
            .filter(|c| c.starts_with("Invoke-MgLicenseUser"))
            .count(),
        3
    );
}

#[test]
fn uniqueness_names_the_colliding_address_and_holder() {
    let mut w = World::new();
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[])])];
    let mut jamie = user("jamie.lindqvist");
    jamie.on_premises_sync_enabled = Some(true);
    jamie.mail = Some(format!("jamie.lindqvist@{DOMAIN}").into());
    jamie.license_states = vec![bad(
        E3,
        Some("LIC-E3"),
        "UniquenessViolation",
        "2026-10-06T08:03:40Z",
    )]
    .into();
    let mut holder = user("jamie.lindgren");
    holder.proxy_addresses = vec![
        format!("SMTP:jamie.lindgren@{DOMAIN}"),
        format!("smtp:jamie.lindgren@{MOERA}"),
        format!("smtp:Jamie.Lindqvist@{DOMAIN}"),
    ]
    .into();
    let mut other = user("ana");
    other.proxy_addresses = vec![format!("SMTP:ana@{DOMAIN}"), format!("smtp:ana@{MOERA}")].into();
    // a group that holds the alias the user would get in the onmicrosoft domain
    let mut g = group("Sales-DL", &[]);
    g.proxy_addresses = vec![format!("smtp:JAMIE.LINDQVIST@{MOERA}")];
    w.snap.groups.push(g);
    w.snap.users = vec![jamie, holder, other];
    w.events = vec![gbl_fail(
        "jamie.lindqvist",
        "2026-10-06T08:03:40Z",
        lerr(
            Cause::UniquenessViolation,
            "Proxy address is already being used",
        ),
    )];
    let d = w.run(NOW);
    let f = find(&d, Cause::UniquenessViolation, "ENTERPRISEPACK");
    let CauseDetails::Uniqueness {
        colliding,
        unexplained,
    } = &f.details
    else {
        panic!()
    };
    assert!(unexplained.is_empty());
    let got: Vec<(String, String, String)> = colliding
        .iter()
        .flat_map(|c| {
            c.holders
                .iter()
                .map(|h| (c.address.clone(), h.kind.clone(), h.id.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "jamie.lindqvist@fabrikam.example".into(),
                "user".into(),
                "u-jamie.lindgren".into()
            ),
            (
                "jamie.lindqvist@fabrikam.onmicrosoft.com".into(),
                "group".into(),
                "g-sales-dl".into()
            ),
        ]
    );
    assert!(colliding.iter().all(|c| c.synced));
    // where to fix follows the holders (whose addresses change), not the synced failing user
    assert!(
        !f.explanation.contains("source of authority") && f.explanation.contains("are cloud-only"),
        "{}",
        f.explanation
    );
    let cmds = f.recommendation.commands.join("\n");
    assert!(
        cmds.contains(
            "Get-Recipient -Filter \"EmailAddresses -eq 'smtp:jamie.lindqvist@fabrikam.example'\""
        ),
        "{cmds}"
    );
    assert!(cmds.contains("Invoke-MgLicenseUser -UserId 'u-jamie.lindqvist'"));
}

#[test]
fn uniqueness_names_a_holder_once_when_mail_and_proxy_hold_the_address() {
    let mut w = World::new();
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[])])];
    let mut cara = user("cara");
    cara.license_states = vec![bad(
        E3,
        Some("LIC-E3"),
        "UniquenessViolation",
        "2026-10-06T08:03:40Z",
    )]
    .into();
    // a mail-enabled holder: the address in `mail` and as its primary `SMTP:` proxy address
    let mut dev = user("dev");
    dev.mail = Some(format!("cara@{DOMAIN}").into());
    dev.proxy_addresses = vec![format!("SMTP:cara@{DOMAIN}"), format!("smtp:dev@{DOMAIN}")].into();
    w.snap.users = vec![cara, dev];
    let d = w.run(NOW);
    let f = find(&d, Cause::UniquenessViolation, "ENTERPRISEPACK");
    let CauseDetails::Uniqueness { colliding, .. } = &f.details else {
        panic!()
    };
    let c = colliding
        .iter()
        .find(|c| c.address == format!("cara@{DOMAIN}"))
        .expect("the UPN collides");
    assert_eq!(c.holders_total, 1, "{c:?}");
    assert_eq!(c.holders.len(), 1);
    assert_eq!(c.holders[0].matched_on, "proxy_addresses");
    assert_eq!(c.holders[0].value, format!("SMTP:cara@{DOMAIN}"));
    assert_eq!(
        f.explanation.matches("user dev@").count(),
        1,
        "{}",
        f.explanation
    );
}

#[test]
fn concurrency_self_resolves_or_stays_pending() {
    let mut w = World::new();
    w.snap.groups = vec![
        group("LIC-E3", &[(E3, &[YAMMER])]),
        group("LIC-E3-Voice", &[(E3, &[])]),
    ];
    let mut omar = user("omar");
    omar.license_states = vec![
        ok(E3, Some("LIC-E3"), "2026-10-06T08:03:30Z"),
        ok(E3, Some("LIC-E3-Voice"), "2026-10-07T09:20:40Z"),
    ]
    .into();
    let mut priya = user("priya");
    priya.license_states = vec![ok(E3, Some("LIC-E3"), "2026-10-06T08:03:49Z")].into();
    w.snap.users = vec![omar, priya];
    w.snap.memberships = vec![
        member("LIC-E3", "omar"),
        member("LIC-E3-Voice", "omar"),
        member("LIC-E3", "priya"),
        member("LIC-E3-Voice", "priya"),
    ];
    let conc = || {
        lerr(
            Cause::ConcurrencyException,
            "Microsoft.Online.Workflows.LicenseAssignmentAttributeConcurrencyException",
        )
    };
    w.events = vec![
        add_member(
            "omar",
            "LIC-E3-Voice",
            "2026-10-07T09:00:05Z",
            admin("sync"),
        ),
        add_member(
            "priya",
            "LIC-E3-Voice",
            "2026-10-07T09:00:06Z",
            admin("sync"),
        ),
        gbl_fail("omar", "2026-10-07T09:02:17Z", conc()),
        gbl_fail("priya", "2026-10-07T09:02:18Z", conc()),
        gbl_ok("omar", "2026-10-07T09:20:40Z", &[("ENTERPRISEPACK", E3)]),
    ];
    let d = w.run(NOW);
    let f = find(&d, Cause::ConcurrencyException, "ENTERPRISEPACK");
    assert_eq!(f.group.as_deref(), Some("LIC-E3-Voice"));
    assert_eq!(f.status, Status::Pending);
    assert_eq!(f.severity, Severity::Warning);
    let st: Vec<(String, Status)> = f.users.iter().map(|u| (u.user.label(), u.status)).collect();
    assert_eq!(
        st,
        vec![
            ("omar@fabrikam.example".into(), Status::SelfResolved),
            ("priya@fabrikam.example".into(), Status::Pending),
        ]
    );
    assert!(
        f.recommendation.commands.iter().all(|c| c.starts_with('#')),
        "{:?}",
        f.recommendation.commands
    );

    // omar alone: self-resolved, info, no action
    w.events.retain(|e| {
        !e.targets
            .iter()
            .any(|t| t.upn.as_deref() == Some("priya@fabrikam.example"))
    });
    let d = w.run(NOW);
    let f = find(&d, Cause::ConcurrencyException, "ENTERPRISEPACK");
    assert_eq!(f.status, Status::SelfResolved);
    assert_eq!(f.severity, Severity::Info);
    assert!(f.recommendation.commands.is_empty());
    assert!(f.recommendation.summary.starts_with("No action needed"));
    assert!(
        f.explanation.contains("In more than one group"),
        "{}",
        f.explanation
    );

    // in one licensing group only: no second group is claimed
    w.snap
        .memberships
        .retain(|m| m.user_id != uid("omar") || m.group_id == gid("LIC-E3-Voice"));
    if let Some(omar) = w.snap.users.iter_mut().find(|u| u.id == uid("omar")) {
        omar.license_states = vec![ok(E3, Some("LIC-E3-Voice"), "2026-10-07T09:20:40Z")].into();
    }
    let d = w.run(NOW);
    let f = find(&d, Cause::ConcurrencyException, "ENTERPRISEPACK");
    assert!(
        !f.explanation.contains("In more than one group"),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation
            .contains("the data shows no second group here"),
        "{}",
        f.explanation
    );
}

#[test]
fn missing_prerequisite_from_a_failed_set_group_license() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 20, 0, 10), subscribed(WPA, 5, 0, 0)];
    let mut g = group("LIC-WorkplaceAnalytics", &[]);
    g.members = Some(vec![uid("wendy"), uid("xavier")]);
    w.snap.groups = vec![g, group("LIC-E3", &[(E3, &[])])];
    let mut e = set_group_license(
        "LIC-WorkplaceAnalytics",
        "2026-10-05T10:00:37Z",
        "ana",
        Outcome::Failure,
    );
    e.extra.errors = crate::model::LicenseError::share_all(vec![lerr(
        Cause::MissingPrerequisite,
        "License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. The service Microsoft Workplace Analytics requires Exchange Online (Plan 2) to be enabled as well.",
    )]);
    w.events = vec![e];
    let d = w.run(NOW);
    let f = find(&d, Cause::MissingPrerequisite, "WORKPLACE_ANALYTICS");
    assert_eq!(f.group.as_deref(), Some("LIC-WorkplaceAnalytics"));
    assert!(f.users.is_empty());
    assert_eq!(f.severity, Severity::Error);
    let CauseDetails::Prerequisite(p) = &f.details else {
        panic!()
    };
    assert_eq!(p.add_on, "Microsoft Workplace Analytics");
    assert_eq!(p.prerequisite, "Exchange Online (Plan 2)");
    assert!(p
        .prerequisite_plans
        .iter()
        .any(|x| x.label() == "EXCHANGE_S_ENTERPRISE"));
    assert_eq!(
        p.base_products
            .iter()
            .map(|x| x.label())
            .collect::<Vec<_>>(),
        vec!["ENTERPRISEPACK"]
    );
    assert!(
        f.explanation.contains("ana@fabrikam.example"),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("2 member(s)"), "{}", f.explanation);
    assert!(f.recommendation.summary.contains("same group"));

    // a later successful Set group license resolves it
    let mut ok = set_group_license(
        "LIC-WorkplaceAnalytics",
        "2026-10-06T10:00:00Z",
        "ana",
        Outcome::Success,
    );
    ok.licenses = None;
    w.events.push(ok);
    let d = w.run(NOW);
    let f = find(&d, Cause::MissingPrerequisite, "WORKPLACE_ANALYTICS");
    assert_eq!(f.status, Status::Resolved);
    assert_eq!(f.severity, Severity::Info);
}

#[test]
fn unknown_codes_are_kept_verbatim() {
    let mut w = World::new();
    w.snap.skus = vec![{
        let mut s = subscribed(E1, 1, 0, 0);
        s.sku_id = sku(CUSTOM);
        s.part_number = Some("CONTOSO_CUSTOM_ADDON".into());
        s
    }];
    w.snap.groups = vec![group("LIC-Addon", &[(CUSTOM, &[])])];
    let mut liam = user("liam");
    liam.license_states = vec![bad(
        CUSTOM,
        Some("LIC-Addon"),
        "LicenseServiceUnavailableViolation",
        "2026-10-04T17:12:40Z",
    )]
    .into();
    w.snap.users = vec![liam];
    let d = w.run(NOW);
    assert_eq!(d.findings.len(), 1);
    let f = &d.findings[0];
    assert_eq!(
        f.cause,
        Cause::Unknown("LicenseServiceUnavailableViolation".into())
    );
    assert_eq!(f.sku.as_deref(), Some("CONTOSO_CUSTOM_ADDON"));
    assert_eq!(f.severity, Severity::Error);
    assert!(f.explanation.contains("LicenseServiceUnavailableViolation"));
    assert_eq!(
        serde_json::to_value(f).expect("json")["cause"],
        "LicenseServiceUnavailableViolation"
    );
}

#[test]
fn reported_errors_resolve_groups_by_name_and_merge() {
    use crate::model::snapshot::{AssignedBy, ReportedError};
    let mut w = count_world();
    w.events.clear();
    w.snap.reported_errors.push(ReportedError {
        user_id: Some(uid("kai")),
        upn: None,
        display_name: None,
        sku_id: None,
        sku_part_number: Some("ENTERPRISEPACK".into()),
        assigned_by: AssignedBy::GroupName("lic-e3".into()),
        group_name: None,
        cause: Cause::CountViolation,
        subcode: None,
        message: None,
        occurred: None,
        source: src("errors.csv", 2),
    });
    // a user only the error list knows, in a group the snapshot does not have
    w.snap.reported_errors.push(ReportedError {
        user_id: None,
        upn: Some("ghost@fabrikam.example".into()),
        display_name: None,
        sku_id: Some(sku(E3)),
        sku_part_number: None,
        assigned_by: AssignedBy::GroupName("LIC-Elsewhere".into()),
        group_name: None,
        cause: Cause::CountViolation,
        subcode: None,
        message: Some("CountViolation".into()),
        occurred: None,
        source: src("errors.csv", 3),
    });
    let d = w.run(NOW);
    let f = d
        .findings
        .iter()
        .find(|f| f.cause == Cause::CountViolation && f.group.as_deref() == Some("LIC-E3"))
        .expect("merged");
    assert_eq!(f.pending_users(), 3);
    assert!(f
        .evidence
        .references
        .iter()
        .any(|r| &*r.file == "errors.csv"));
    let g = d
        .findings
        .iter()
        .find(|f| f.group.as_deref() == Some("LIC-Elsewhere"))
        .expect("by name");
    assert_eq!(g.group_id, None);
    assert_eq!(labels(g), vec!["ghost@fabrikam.example"]);
    // the product is blocked for 4 users in all: shortfall counts both groups
    let CauseDetails::Count(c) = &f.details else {
        panic!()
    };
    assert_eq!(c.shortfall, Some(4));
}

#[test]
fn audit_only_groups_by_processing_window() {
    let mut w = World::new();
    w.events = vec![
        start("LIC-E3", "2026-10-06T08:00:41Z"),
        gbl_fail(
            "kai",
            "2026-10-06T08:01:52Z",
            lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
        ),
        gbl_fail(
            "lena",
            "2026-10-06T08:02:09Z",
            lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
        ),
        finish("LIC-E3", "2026-10-06T08:05:59Z", 10, 2),
        // after the window: group unknown
        gbl_fail(
            "mateo",
            "2026-10-06T09:00:00Z",
            lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
        ),
    ];
    let d = w.run(NOW);
    let g: Vec<String> = keys(&d);
    assert_eq!(
        g,
        vec![
            "CountViolation/ENTERPRISEPACK/LIC-E3",
            "CountViolation/ENTERPRISEPACK/-"
        ]
    );
    let f = &d.findings[0];
    assert_eq!(f.evidence.source, Evidence::Audit);
    assert_eq!(f.audit.failed_events, 2);
    assert_eq!(
        f.audit.processing_summary.as_ref().map(|p| p.failed),
        Some(2)
    );
    assert!(d.capacity.is_empty());
    assert!(
        f.explanation.contains("No subscribedSkus export"),
        "{}",
        f.explanation
    );
    assert!(
        f.not_assigned_products.is_empty(),
        "the log does not say what the group assigns"
    );

    // with the `Set group license` that added EMS, the all-or-nothing sibling is named
    let mut set = set_group_license("LIC-E3", "2026-10-06T08:00:12Z", "ana", Outcome::Success);
    let lic = |n: &str| crate::model::AssignedLicense {
        sku_name: Some(n.into()),
        sku_id: None,
        disabled_plans: vec![].into(),
    };
    set.licenses = Some(Box::new(crate::model::LicenseChange {
        old: vec![].into(),
        new: vec![lic("ENTERPRISEPACK"), lic("EMS")].into(),
    }));
    w.events.push(set);
    let d = w.run(NOW);
    let f = &d.findings[0];
    assert_eq!(
        f.not_assigned_products
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>(),
        vec!["EMS"]
    );
    assert_eq!(
        f.audit.started_by.as_ref().map(|s| s.who.as_str()),
        Some("ana@fabrikam.example")
    );
}

#[test]
fn events_after_as_of_are_ignored_and_output_is_deterministic() {
    let w = count_world();
    // before rosa's success: she is still pending
    let d = w.run("2026-10-07T00:00:00Z");
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert_eq!(f.pending_users(), 4);

    let a = serde_json::to_string(&w.run(NOW)).expect("json");
    let mut w2 = count_world();
    w2.events.reverse();
    w2.snap.users.reverse();
    let b = serde_json::to_string(&w2.run(NOW)).expect("json");
    assert_eq!(a, b);
}

#[test]
fn finding_json_field_names() {
    let d = count_world().run(NOW);
    let v = serde_json::to_value(&d).expect("json");
    for k in [
        "findings",
        "capacity",
        "summary",
        "as_of",
        "conflict_table",
        "catalog",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    let f = &v["findings"][0];
    for k in [
        "cause",
        "severity",
        "status",
        "sku",
        "sku_id",
        "group_id",
        "group",
        "users",
        "evidence",
        "explanation",
        "details",
        "not_assigned_products",
        "audit",
        "recommendation",
    ] {
        assert!(f.get(k).is_some(), "finding.{k} missing: {f}");
    }
    assert_eq!(f["severity"], "error");
    assert_eq!(f["details"]["kind"], "count");
    assert!(f["details"]["capacity"]["reclaimable"].is_array());
    assert_eq!(f["users"][0]["status"], "pending");
    assert!(f["users"][0]["id"].is_string());
    assert_eq!(f["evidence"]["source"], "both");
    for k in ["summary", "steps", "commands", "doc_url", "applies_to"] {
        assert!(f["recommendation"].get(k).is_some(), "recommendation.{k}");
    }
    let s = &v["summary"];
    assert_eq!(s["users_affected"], 3);
    assert_eq!(s["findings_by_cause"]["CountViolation"], 1);
    assert_eq!(s["findings_by_cause"]["Other"], 1);
}

#[test]
fn ranking_puts_most_affected_root_causes_first_and_derived_other_last() {
    let mut w = count_world();
    let mut g = user("grace");
    g.license_states = vec![bad(
        E1,
        None,
        "MutuallyExclusiveViolation",
        "2026-10-06T08:03:05Z",
    )]
    .into();
    w.snap.users.push(g);
    let d = w.run(NOW);
    let order: Vec<(Cause, usize)> = d
        .findings
        .iter()
        .map(|f| (f.cause.clone(), f.pending_users()))
        .collect();
    assert_eq!(order[0], (Cause::CountViolation, 3));
    assert_eq!(order[1], (Cause::MutuallyExclusiveViolation, 1));
    // an Other fully explained by its sibling's error is a consequence: listed after the causes
    assert_eq!(order[2], (Cause::Other, 3));
    assert_eq!(d.summary.errors, 3);
}

#[test]
fn never_panics_on_odd_data() {
    use crate::model::snapshot::AssignmentState;
    let mut w = World::new();
    let mut u = user("odd");
    u.upn = None;
    u.license_states = vec![
        {
            let mut s = bad(
                "00000000-0000-0000-0000-000000000000",
                Some("nowhere"),
                "CountViolation",
                "2026-10-06T08:00:00Z",
            );
            s.last_updated = None;
            s
        },
        {
            let mut s = bad(E3, None, "DependencyViolation", "2026-10-06T08:00:00Z");
            s.state = AssignmentState::Unknown("Weird".into());
            s
        },
    ]
    .into();
    w.snap.users = vec![u];
    w.snap.skus = vec![{
        let mut s = subscribed(E3, 0, 0, u64::MAX);
        s.warning = u64::MAX;
        s
    }];
    let mut e = super::testkit::event(
        Activity::ChangeUserLicense,
        "2026-10-06T08:00:00Z",
        Outcome::Failure,
        Actor::Unknown,
        vec![],
    );
    e.extra.errors =
        crate::model::LicenseError::share_all(vec![lerr(Cause::UniquenessViolation, "")]);
    w.events.push(e);
    let mut e2 = gbl_fail("ghost", "2026-10-06T08:00:00Z", lerr(Cause::Other, ""));
    e2.targets[0].id = None;
    w.events.push(e2);
    let d = w.run(NOW);
    assert!(!d.findings.is_empty());
    let _ = serde_json::to_string(&d).expect("json");
}

/// The CountViolation finding of `count_world` with ENTERPRISEPACK's seats set, and its numbers.
fn count_with_seats(enabled: u64, warning: u64, consumed: u64) -> (Finding, CountDetails) {
    let mut w = count_world();
    w.snap.skus[0] = subscribed(E3, enabled, warning, consumed);
    let d = w.run(NOW);
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK").clone();
    let CauseDetails::Count(c) = &f.details else {
        panic!("details {:?}", f.details)
    };
    let c = c.clone();
    (f, c)
}

#[test]
fn over_assignment_beyond_the_grace_units_adds_to_the_shortfall() {
    // 3 enabled, 1 in its grace period, 5 consumed: one seat rests on the grace unit, one on no
    // unit at all; the three blocked users need 4 units counting the grace unit, 5 without it
    let (f, c) = count_with_seats(3, 1, 5);
    assert_eq!(c.blocked_users, 3);
    assert_eq!(
        (c.shortfall, c.shortfall_if_warning_lapses),
        (Some(4), Some(5))
    );
    // without units in their grace period, the over-assignment is all beyond the enabled units;
    // with grace units covering the blocked users, no purchase now, but what the lapse will need
    // is still said
    let (g, d) = count_with_seats(3, 0, 5);
    assert_eq!(
        (d.shortfall, d.shortfall_if_warning_lapses),
        (Some(5), Some(5))
    );
    assert!(!g.explanation.contains("grace period"), "{}", g.explanation);
    let (h, e) = count_with_seats(20, 5, 21);
    assert_eq!(
        (e.shortfall, e.shortfall_if_warning_lapses),
        (Some(0), Some(4))
    );
    for (f, text) in [
        (&f, "Buy 4, or free 4"),
        (&f, "1 seat is covered only by units in their grace period; when those lapse, 1 more seat is needed."),
        (&f, "1 seat is consumed beyond every unit, enabled or in its grace period"),
        (&g, "2 seats are consumed beyond the enabled units"),
        (&h, "4 seats are free now counting units in their grace period: reprocess"),
        (&h, "then 4 more seats are needed"),
    ] {
        assert!(f.explanation.contains(text), "{text}: {}", f.explanation);
    }
    // with seats free now, the lapse is said once, with the blocked users (review 61: two
    // numbers for one lapse read as a contradiction)
    assert!(
        !h.explanation.contains("when those lapse"),
        "{}",
        h.explanation
    );
}

#[test]
fn an_administrators_change_does_not_resolve_a_group_assignment() {
    // kai's CountViolation from LIC-E3: an administrator's successful `Change user license` (a
    // user reprocess, no license change) is a request; the group's assignment goes through only
    // when the group-based-licensing service succeeds
    let mut w = count_world();
    let kai = w
        .snap
        .users
        .iter_mut()
        .find(|u| u.id == uid("kai"))
        .expect("kai");
    // the snapshot no longer holds the error, so the audit log decides
    kai.license_states = vec![].into();
    let reprocess = event(
        Activity::ChangeUserLicense,
        "2026-10-07T09:00:00Z",
        Outcome::Success,
        admin("ana"),
        vec![user_target("kai")],
    );
    w.events.push(reprocess);
    let d = w.run(NOW);
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    let kai = f
        .users
        .iter()
        .find(|u| u.user.label().starts_with("kai"))
        .expect("kai");
    assert_eq!(kai.status, Status::Pending);
    assert!(kai.resolved.is_none());
    // the service's later success resolves it
    w.events.push(gbl_ok("kai", "2026-10-07T09:05:00Z", &[]));
    let d = w.run(NOW);
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    let kai = f
        .users
        .iter()
        .find(|u| u.user.label().starts_with("kai"))
        .expect("kai");
    assert_eq!(kai.status, Status::Resolved);
    assert_eq!(
        kai.resolved.as_ref().map(|r| r.when),
        Some(t("2026-10-07T09:05:00Z"))
    );
}

/// A later success whose new license list Entra truncated (formats.md quirk 7) and that leaves
/// the failing product out does not say the product was dropped: it resolves the failure, as a
/// change with no list does; the same list whole keeps the failure pending.
#[test]
fn a_truncated_new_list_does_not_drop_the_product() {
    for (cut, status) in [(false, Status::Pending), (true, Status::Resolved)] {
        let mut w = World::new();
        w.events.push(gbl_fail(
            "zoe",
            "2026-10-06T08:01:00Z",
            lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
        ));
        let mut ok = gbl_ok("zoe", "2026-10-06T09:00:00Z", &[("EMS", EMS)]);
        ok.extra.licenses_cut.new = cut;
        w.events.push(ok);
        let d = w.run(NOW);
        let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
        assert_eq!(f.users[0].status, status, "new list cut: {cut}");
    }
}

#[test]
fn a_direct_assignment_is_resolved_by_the_change_that_assigns_it() {
    // an administrator's direct E3 assignment fails on seats, then succeeds: the success that
    // shows E3 in the new licenses resolves it; one that shows nothing does not
    let world = |with_license: bool| {
        let mut w = World::new();
        w.snap.skus = vec![subscribed(E3, 20, 0, 20)];
        w.snap.users.push(user("nina"));
        let mut fail = event(
            Activity::ChangeUserLicense,
            "2026-10-06T08:00:00Z",
            Outcome::Failure,
            admin("ana"),
            vec![user_target("nina")],
        );
        let mut err = lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK"));
        err.sku = Some("ENTERPRISEPACK".into());
        fail.extra.errors = crate::model::LicenseError::share_all(vec![err]);
        let mut ok = event(
            Activity::ChangeUserLicense,
            "2026-10-06T09:00:00Z",
            Outcome::Success,
            admin("ana"),
            vec![user_target("nina")],
        );
        if with_license {
            ok.licenses =
                gbl_ok("nina", "2026-10-06T09:00:00Z", &[("ENTERPRISEPACK", E3)]).licenses;
        }
        w.events = vec![fail, ok];
        w
    };
    let d = world(true).run(NOW);
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert_eq!(f.group, None);
    assert_eq!(f.users[0].status, Status::Resolved, "{:?}", f.users);
    let d = world(false).run(NOW);
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert_eq!(f.users[0].status, Status::Pending);
}

#[test]
fn a_user_deleted_after_the_error_is_no_longer_pending() {
    // kai's CountViolation from LIC-E3, then kai is deleted: nothing is pending for a deleted
    // user (no reprocess command for a deleted object), though nothing was licensed either
    let mut w = count_world();
    let pending = |d: &Diagnosis| {
        let f = find(d, Cause::CountViolation, "ENTERPRISEPACK");
        f.users
            .iter()
            .find(|u| u.user.label().starts_with("kai"))
            .map(|u| (u.status, u.resolved.clone()))
            .expect("kai")
    };
    assert_eq!(pending(&w.run(NOW)).0, Status::Pending);
    w.events.push(event(
        Activity::DeleteUser,
        "2026-10-07T09:00:00Z",
        Outcome::Success,
        admin("ana"),
        vec![user_target("kai")],
    ));
    // the snapshot still lists kai with the error: it was taken before the deletion
    let (status, how) = pending(&w.run(NOW));
    // closed, not resolved: the timeline says "closed by deletion, not resolved" too
    assert_eq!(status, Status::Closed);
    let how = how.expect("a resolution");
    assert_eq!(how.when, t("2026-10-07T09:00:00Z"));
    assert!(how.how.contains("deleted"), "{}", how.how);
    // not yet deleted as of an earlier time
    assert_eq!(pending(&w.run("2026-10-07T08:00:00Z")).0, Status::Pending);
}

/// A failed record that names no error code (a Log Analytics export that projected no
/// `ResultReason`): LIC-Sales assigns EMS and E3; henry holds EMS and fails E3 on a conflict,
/// kara is short of an E3 seat (EMS: Other), felix fails and is licensed later. Each record has a
/// source of its own (the timeline tells them apart by it).
fn textless_world() -> World {
    let mut w = World::new();
    w.snap.skus = vec![
        subscribed(E3, 53, 0, 53),
        subscribed(EMS, 25, 0, 10),
        subscribed(E1, 10, 0, 4),
    ];
    w.snap.groups = vec![group("LIC-Sales", &[(EMS, &[]), (E3, &[])])];
    let henry = sales_henry();
    let mut kara = user("kara");
    kara.license_states = vec![
        bad(
            E3,
            Some("LIC-Sales"),
            "CountViolation",
            "2025-05-13T08:11:00Z",
        ),
        bad(EMS, Some("LIC-Sales"), "Other", "2025-05-13T08:11:00Z"),
    ]
    .into();
    let mut felix = user("felix");
    felix.license_states = vec![
        ok(EMS, Some("LIC-Sales"), "2025-04-01T08:00:00Z"),
        ok(E3, Some("LIC-Sales"), "2025-05-12T14:31:20Z"),
    ]
    .into();
    w.snap.users = vec![henry, kara, felix];
    w.events = vec![
        start("LIC-Sales", "2025-05-12T09:00:40Z"),
        gbl_fail("felix", "2025-05-12T09:01:20Z", unspecified("")),
        gbl_fail("henry", "2025-05-12T09:01:25Z", unspecified("")),
        finish("LIC-Sales", "2025-05-12T09:02:30Z", 6, 2),
        start("LIC-Sales", "2025-05-12T13:45:20Z"),
        gbl_fail("henry", "2025-05-12T13:46:15Z", unspecified("")),
        finish("LIC-Sales", "2025-05-12T13:46:40Z", 0, 1),
        gbl_ok(
            "felix",
            "2025-05-12T14:31:20Z",
            &[("EMS", EMS), ("ENTERPRISEPACK", E3)],
        ),
        start("LIC-Sales", "2025-05-13T08:10:40Z"),
        gbl_fail("kara", "2025-05-13T08:11:00Z", unspecified("")),
        finish("LIC-Sales", "2025-05-13T08:11:30Z", 0, 1),
    ];
    for (i, e) in w.events.iter_mut().enumerate() {
        e.source = src("la.csv", i as u64 + 1);
    }
    w
}

/// An audit error that names no code, as the normalizer reads a failure without a reason.
fn unspecified(text: &str) -> crate::model::LicenseError {
    lerr(
        Cause::Unknown(crate::model::cause::UNSPECIFIED_FAILURE.into()),
        text,
    )
}

const TEXTLESS_NOW: &str = "2025-05-13T09:00:00Z";

#[test]
fn a_failure_without_an_error_code_is_an_occurrence_of_the_snapshots_error() {
    let d = textless_world().run(TEXTLESS_NOW);
    // henry's two failures are his conflict: one finding, seen in the log from the first
    let f = find(&d, Cause::MutuallyExclusiveViolation, "ENTERPRISEPACK");
    assert_eq!(labels(f), ["henry@fabrikam.example"]);
    assert_eq!(f.users[0].status, Status::Pending);
    assert_eq!(f.evidence.source, Evidence::Both);
    assert_eq!(f.audit.first_seen, Some(t("2025-05-12T09:01:25Z")));
    assert_eq!(f.audit.failed_events, 2);
    assert!(
        f.explanation.contains(
            "The audit log's failures of henry@fabrikam.example carry no error text (UnspecifiedFailure): the cause, MutuallyExclusiveViolation, comes from the snapshot"
        ),
        "{}",
        f.explanation
    );
    // kara's is her CountViolation (the snapshot's Other on EMS is not a cause to take)
    let c = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert_eq!(labels(c), ["kara@fabrikam.example"]);
    assert_eq!(c.audit.first_seen, Some(t("2025-05-13T08:11:00Z")));
    // felix's failure has no error in the snapshot (E3 active since): it stays unspecified, and
    // resolved; no finding without a code names henry or kara
    let u: Vec<&Finding> = d
        .findings
        .iter()
        .filter(|f| f.cause.is_unspecified())
        .collect();
    assert_eq!(u.len(), 1, "{:#?}", keys(&d));
    assert_eq!(labels(u[0]), ["felix@fabrikam.example"]);
    assert_eq!(u[0].status, Status::Resolved);
    // what the timeline reads: the three records of henry and kara, by source
    let mut got: Vec<(u64, &str, Option<&str>, crate::model::finding::CauseFoundIn)> = d
        .textless
        .iter()
        .map(|x| {
            (
                x.source.record,
                x.cause.code(),
                x.sku.as_deref(),
                x.found_in,
            )
        })
        .collect();
    got.sort();
    use crate::model::finding::CauseFoundIn::Snapshot;
    assert_eq!(
        got,
        [
            (
                3,
                "MutuallyExclusiveViolation",
                Some("ENTERPRISEPACK"),
                Snapshot
            ),
            (
                6,
                "MutuallyExclusiveViolation",
                Some("ENTERPRISEPACK"),
                Snapshot
            ),
            (10, "CountViolation", Some("ENTERPRISEPACK"), Snapshot),
        ]
    );
    assert!(d
        .textless
        .iter()
        .all(|x| x.group_id == Some(gid("LIC-Sales"))));
}

#[test]
fn a_failure_without_an_error_code_keeps_its_cause_unless_the_group_and_product_match() {
    // the snapshot's conflict is from another group: the failure in LIC-Sales stays unspecified
    let mut w = textless_world();
    w.snap.groups.push(group("LIC-Other", &[(E3, &[])]));
    if let Some(st) = w.snap.users[0].license_states.get_mut(2) {
        st.assigned_by_group = Some(gid("LIC-Other"));
    }
    let d = w.run(TEXTLESS_NOW);
    assert!(
        d.textless
            .iter()
            .all(|x| x.cause != Cause::MutuallyExclusiveViolation),
        "{:#?}",
        d.textless
    );
    let u = d
        .findings
        .iter()
        .find(|f| f.cause.is_unspecified() && labels(f).contains(&"henry@fabrikam.example".into()))
        .expect("henry's failure stays unspecified");
    assert_eq!(u.group.as_deref(), Some("LIC-Sales"));

    // a record that names its product (EMS) is not the snapshot's error on E3
    let mut w = textless_world();
    for e in w.events.iter_mut().filter(|e| e.extra.errors.len() == 1) {
        let mut err = unspecified("");
        err.sku = Some("EMS".into());
        e.extra.errors = crate::model::LicenseError::share_all(vec![err]);
    }
    let d = w.run(TEXTLESS_NOW);
    assert!(d.textless.is_empty(), "{:#?}", d.textless);
}

#[test]
fn a_failure_without_an_error_code_takes_the_cause_another_record_of_the_user_names() {
    // no snapshot: henry's first failure names the conflict, his second names nothing, then the
    // service licenses him. One episode of the conflict, resolved.
    let mut w = World::new();
    w.snap.groups = vec![group("LIC-Sales", &[(EMS, &[]), (E3, &[])])];
    let mev = "License assignment failed because service plans [SHAREPOINTSTANDARD], [SHAREPOINTENTERPRISE] are mutually exclusive.";
    w.events = vec![
        start("LIC-Sales", "2025-05-12T09:00:40Z"),
        gbl_fail(
            "henry",
            "2025-05-12T09:01:25Z",
            lerr(Cause::MutuallyExclusiveViolation, mev),
        ),
        finish("LIC-Sales", "2025-05-12T09:02:30Z", 0, 1),
        start("LIC-Sales", "2025-05-12T10:15:30Z"),
        gbl_fail("henry", "2025-05-12T10:16:05Z", unspecified("")),
        finish("LIC-Sales", "2025-05-12T10:16:40Z", 0, 1),
        gbl_ok(
            "henry",
            "2025-05-12T14:31:20Z",
            &[("EMS", EMS), ("ENTERPRISEPACK", E3)],
        ),
    ];
    for (i, e) in w.events.iter_mut().enumerate() {
        e.source = src("audit.json", i as u64 + 1);
    }
    let d = w.run(TEXTLESS_NOW);
    assert!(
        d.findings.iter().all(|f| !f.cause.is_unspecified()),
        "{:#?}",
        keys(&d)
    );
    let f = find(&d, Cause::MutuallyExclusiveViolation, "ENTERPRISEPACK");
    assert_eq!(f.audit.failed_events, 2);
    assert_eq!(f.users[0].status, Status::Resolved);
    assert!(
        f.explanation
            .contains("comes from another audit record of the same user and group"),
        "{}",
        f.explanation
    );
    assert_eq!(d.textless.len(), 1);
    assert_eq!(d.textless[0].source.record, 5);
    assert_eq!(
        d.textless[0].found_in,
        crate::model::finding::CauseFoundIn::Audit
    );

    // licensed in between: the later failure is another episode, of no known cause
    let mut w2 = World::new();
    w2.snap.groups = w.snap.groups.clone();
    w2.events = w.events.clone();
    let mut between = gbl_ok(
        "henry",
        "2025-05-12T10:00:00Z",
        &[("EMS", EMS), ("ENTERPRISEPACK", E3)],
    );
    between.source = src("audit.json", 99);
    w2.events.insert(3, between);
    let d = w2.run(TEXTLESS_NOW);
    assert!(d.textless.is_empty(), "{:#?}", d.textless);
    assert!(
        d.findings.iter().any(|f| f.cause.is_unspecified()),
        "{:#?}",
        keys(&d)
    );
}

#[test]
fn a_failure_without_an_error_code_or_a_group_is_of_the_only_group_the_snapshot_shows_in_error() {
    // no processing run, no membership change: the log tells no group; the snapshot shows henry
    // in error from LIC-Sales alone
    let mut w = textless_world();
    w.events.retain(|e| {
        !matches!(
            e.activity,
            Activity::StartApplyingGroupLicense | Activity::FinishApplyingGroupLicense
        )
    });
    let d = w.run(TEXTLESS_NOW);
    let f = find(&d, Cause::MutuallyExclusiveViolation, "ENTERPRISEPACK");
    assert_eq!(f.audit.failed_events, 2, "{:#?}", keys(&d));
    assert!(d
        .textless
        .iter()
        .all(|x| x.group_id == Some(gid("LIC-Sales"))));
    // errors from two assignments: which one is not known, and the failure stays unspecified
    let mut w2 = w;
    w2.snap.groups.push(group("LIC-Other", &[(E1, &[])]));
    let mut states = w2.snap.users[0].license_states.to_vec();
    states.push(bad(
        E1,
        Some("LIC-Other"),
        "CountViolation",
        "2025-05-12T13:00:00Z",
    ));
    w2.snap.users[0].license_states = states.into();
    let d = w2.run(TEXTLESS_NOW);
    assert!(
        d.textless
            .iter()
            .all(|x| x.cause != Cause::MutuallyExclusiveViolation),
        "{:#?}",
        d.textless
    );
}

#[test]
fn also_not_assigned_names_only_the_products_no_pending_user_holds() {
    // kara lacks EMS (Other); henry holds EMS from the group (assigned before E3 was added)
    let mut w = textless_world();
    w.events.clear();
    let d = w.run(TEXTLESS_NOW);
    let kara: Vec<String> = find(&d, Cause::CountViolation, "ENTERPRISEPACK")
        .not_assigned_products
        .iter()
        .map(|p| p.label())
        .collect();
    assert_eq!(kara, ["EMS"]);
    if let Some(st) = w.snap.users[0].license_states.get_mut(2) {
        st.error = Some(Cause::CountViolation);
    }
    let d = w.run(TEXTLESS_NOW);
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert_eq!(f.pending_users(), 2);
    assert!(
        f.not_assigned_products.is_empty(),
        "henry holds EMS: {:?}",
        f.not_assigned_products
    );
}

/// An administrator's direct removal of a license the user inherits from a group, refused
/// (`InvalidOperationOnGroupInheritedLicenseException`): one finding of its own on the product the
/// refused change removes, a warning whose users keep their license (named, not affected), the
/// groups the snapshot shows giving it, and a fix through the groups: no retry, no reprocess.
/// The refusal is resolved once a later change takes the product away.
#[test]
fn a_refused_removal_of_an_inherited_license() {
    use crate::model::cause::INHERITED_LICENSE;
    let inherited = Cause::Unknown(INHERITED_LICENSE.into());
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 20, 0, 5), subscribed(EMS, 20, 0, 5)];
    w.snap.groups = vec![
        group("LIC-E3", &[(E3, &[]), (EMS, &[])]),
        group("LIC-E3-B", &[(E3, &[])]),
    ];
    let mut ana = user("ana");
    ana.license_states = vec![
        ok(E3, Some("LIC-E3"), "2026-10-01T08:00:00Z"),
        ok(E3, Some("LIC-E3-B"), "2026-10-01T08:00:00Z"),
        ok(EMS, Some("LIC-E3"), "2026-10-01T08:00:00Z"),
    ]
    .into();
    let mut ben = user("ben");
    ben.license_states = vec![ok(EMS, None, "2026-10-03T08:00:00Z")].into();
    w.snap.users = vec![ana, ben];
    w.snap.memberships = vec![member("LIC-E3", "ana"), member("LIC-E3-B", "ana")];
    let refused = |who: &str, at: &str| {
        let mut e = event(
            Activity::ChangeUserLicense,
            at,
            Outcome::Failure,
            admin("admin"),
            vec![user_target(who)],
        );
        e.licenses = Some(Box::new(crate::model::LicenseChange {
            old: vec![crate::model::AssignedLicense {
                sku_name: Some("ENTERPRISEPACK".into()),
                sku_id: crate::model::SkuId::parse(E3),
                disabled_plans: Vec::new().into(),
            }]
            .into(),
            new: Vec::new().into(),
        }));
        e.extra.errors = crate::model::LicenseError::share_all(vec![lerr(
            inherited.clone(),
            "User license is inherited from a group membership and it cannot be removed directly from the user.",
        )]);
        e
    };
    w.events = vec![
        refused("ana", "2026-10-01T08:01:00Z"),
        refused("ben", "2026-10-01T08:02:00Z"),
        // ben left the group later: the service's change holds EMS alone
        gbl_ok("ben", "2026-10-02T09:00:00Z", &[("EMS", EMS)]),
    ];
    let d = w.run(NOW);
    assert_eq!(d.findings.len(), 1, "{:#?}", keys(&d));
    let f = find(&d, inherited.clone(), "ENTERPRISEPACK");
    assert_eq!(
        f.cause.code(),
        "InvalidOperationOnGroupInheritedLicenseException"
    );
    assert_eq!(f.group, None, "the refused change was a direct one");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.status, Status::Pending);
    let status: Vec<(String, Status)> =
        f.users.iter().map(|u| (u.user.label(), u.status)).collect();
    assert_eq!(
        status,
        [
            ("ana@fabrikam.example".to_string(), Status::Pending),
            ("ben@fabrikam.example".to_string(), Status::Resolved)
        ]
    );
    // the users keep their license: named, not affected
    assert_eq!(f.pending_users(), 1);
    assert_eq!(f.users_affected(), 0);
    assert_eq!((d.summary.users_affected, d.summary.users_named), (0, 2));
    assert_eq!((d.summary.errors, d.summary.warnings), (0, 1));

    let CauseDetails::Inherited { inherited: items } = &f.details else {
        panic!("{:#?}", f.details)
    };
    let ana = &items[0];
    assert!(ana.in_snapshot);
    let groups: Vec<Option<&str>> = ana
        .inherited_from
        .iter()
        .map(|s| match s {
            AssignmentSource::Group { group, .. } => group.as_deref(),
            _ => None,
        })
        .collect();
    assert_eq!(groups, [Some("LIC-E3"), Some("LIC-E3-B")]);
    assert!(
        f.explanation.starts_with(
            "Removing ENTERPRISEPACK directly from ana@fabrikam.example and ben@fabrikam.example was refused"
        ),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation.contains(
            "The snapshot shows ana@fabrikam.example inheriting it from LIC-E3 and LIC-E3-B."
        ),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation
            .contains("nothing is to be retried or reprocessed"),
        "{}",
        f.explanation
    );

    let r = &f.recommendation;
    assert!(
        r.summary.starts_with("Nothing to retry or reprocess"),
        "{}",
        r.summary
    );
    for g in ["LIC-E3", "LIC-E3-B"] {
        assert!(
            r.commands.iter().any(|c| c.starts_with(&format!(
                "Remove-MgGroupMemberByRef -GroupId 'g-{}' -DirectoryObjectId 'u-ana'  # ana@fabrikam.example leaves {g}, which gives ENTERPRISEPACK",
                g.to_ascii_lowercase()
            ))),
            "{g}: {:#?}",
            r.commands
        );
    }
    // ben's refusal is resolved: no step for him
    assert!(
        !r.commands.iter().any(|c| c.contains("u-ben")),
        "{:#?}",
        r.commands
    );
    assert!(
        r.steps
            .iter()
            .any(|s| s
                == "Leaving LIC-E3 also takes what else it gives from ana@fabrikam.example: EMS."),
        "{:#?}",
        r.steps
    );
    for c in &r.commands {
        assert!(
            !c.contains("Set-MgUserLicense") && !c.contains("Invoke-MgLicenseUser"),
            "no retry, no reprocess: {c}"
        );
    }
}

/// A refused direct removal changes nothing: it is no error blocking a group's other product, so
/// an `Other` beside it stays unexplained rather than "blocked by" the refusal.
#[test]
fn a_refused_removal_blocks_no_group_assignment() {
    use crate::model::cause::INHERITED_LICENSE;
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 20, 0, 5), subscribed(EMS, 20, 0, 5)];
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[]), (EMS, &[])])];
    let mut cleo = user("cleo");
    cleo.license_states = vec![
        ok(E3, Some("LIC-E3"), "2026-10-01T08:00:00Z"),
        bad(EMS, Some("LIC-E3"), "Other", "2026-10-01T08:00:00Z"),
    ]
    .into();
    w.snap.users = vec![cleo];
    let mut e = event(
        Activity::ChangeUserLicense,
        "2026-10-01T08:01:00Z",
        Outcome::Failure,
        admin("admin"),
        vec![user_target("cleo")],
    );
    e.extra.errors = crate::model::LicenseError::share_all(vec![lerr(
        Cause::Unknown(INHERITED_LICENSE.into()),
        "Microsoft.Online.Workflows.InvalidOperationOnGroupInheritedLicenseException",
    )]);
    w.events = vec![e];
    let d = w.run(NOW);
    let other = find(&d, Cause::Other, "EMS");
    let CauseDetails::Blocked {
        blocked_by,
        unexplained,
    } = &other.details
    else {
        panic!("{:#?}", other.details)
    };
    assert!(blocked_by.is_empty(), "{blocked_by:#?}");
    assert_eq!(unexplained.len(), 1);
    // the refusal's product is the only one the snapshot shows cleo inheriting with no error
    // named by the record: E3 and EMS both come from LIC-E3, so it is not guessed
    let f = d
        .findings
        .iter()
        .find(|f| f.cause.is_refused_removal())
        .expect("the refusal");
    assert_eq!(f.sku, None, "{:#?}", keys(&d));
}

/// Review 88 item 1: a seat whose removal would break a product the holder keeps (Audio
/// Conferencing needs MCOSTANDARD, which only their E3 gives them) is not freely reclaimable: a
/// disabled account gives both back in one command; an active user's is not counted.
#[test]
fn reclaimable_seat_needed_by_a_kept_product_review_88() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 5, 0, 5), subscribed(MEET, 5, 0, 2)];
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[])])];
    let mut bob = user("bob");
    bob.license_states = vec![bad(
        E3,
        Some("LIC-E3"),
        "CountViolation",
        "2026-10-06T08:01:00Z",
    )]
    .into();
    w.snap.memberships.push(member("LIC-E3", "bob"));
    let mut quinn = user("quinn");
    quinn.account_enabled = Some(false);
    quinn.license_states = vec![
        ok(E3, None, "2026-09-14T10:00:00Z"),
        ok(MEET, None, "2026-09-14T10:00:00Z"),
    ]
    .into();
    let mut paul = user("paul");
    paul.license_states = vec![
        ok(E3, None, "2026-09-14T10:00:00Z"),
        ok(MEET, None, "2026-09-14T10:00:00Z"),
    ]
    .into();
    let mut sofia = user("sofia");
    sofia.license_states = vec![ok(E3, None, "2026-09-14T10:00:00Z")].into();
    w.snap.users = vec![bob, quinn, paul, sofia];
    let d = w.run(NOW);
    let f = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    let CauseDetails::Count(c) = &f.details else {
        panic!("{:?}", f.details)
    };
    let cap = c.capacity.as_ref().expect("capacity");
    let rec: Vec<(String, ReclaimReason, Vec<String>)> = cap
        .reclaimable
        .iter()
        .map(|r| {
            (
                r.user.label(),
                r.reason,
                r.needed_by.iter().map(|p| p.label()).collect(),
            )
        })
        .collect();
    assert_eq!(
        rec,
        vec![
            (
                "quinn@fabrikam.example".into(),
                ReclaimReason::DisabledAccount,
                vec!["MCOMEETADV".to_string()]
            ),
            (
                "sofia@fabrikam.example".into(),
                ReclaimReason::DirectOnly,
                vec![]
            ),
        ]
    );
    let kept: Vec<String> = cap.still_needed.iter().map(|r| r.user.label()).collect();
    assert_eq!(kept, vec!["paul@fabrikam.example"]);
    assert_eq!(c.reclaimable_seats, 2);
    assert!(
        f.explanation
            .contains("Buy 1, or free 1: 2 seats are reclaimable")
            && f.explanation
                .contains("MCOMEETADV depends on it: remove it with it")
            && f.explanation
                .contains("Not reclaimable: paul@fabrikam.example holds ENTERPRISEPACK directly"),
        "{}",
        f.explanation
    );
    let r = &f.recommendation;
    assert!(
        r.commands.iter().any(|c| c.contains("-UserId 'u-quinn'")
            && c.contains(&format!("-RemoveLicenses @('{E3}','{MEET}')"))),
        "{:#?}",
        r.commands
    );
    assert!(
        !r.commands.iter().any(|c| c.contains("'u-paul'")),
        "{:#?}",
        r.commands
    );
    assert!(
        r.steps.iter().any(|s| s
            .contains("paul@fabrikam.example holds ENTERPRISEPACK directly but still needs it")),
        "{:#?}",
        r.steps
    );
}

/// Review 88 item 2: leaving a group that also gives other products is not a plain fix.
#[test]
fn conflict_fix_leaving_a_group_names_what_else_it_takes_review_88() {
    let mut w = World::new();
    w.snap.skus = vec![
        subscribed(E3, 5, 0, 1),
        subscribed(E1, 10, 0, 1),
        subscribed(EMS, 10, 0, 1),
    ];
    w.snap.groups = vec![
        group("LIC-E3", &[(E3, &[])]),
        group("LIC-E1-EMS", &[(E1, &[]), (EMS, &[])]),
    ];
    let mut wes = user("wes");
    wes.license_states = vec![
        ok(E1, Some("LIC-E1-EMS"), "2026-09-14T10:00:00Z"),
        ok(EMS, Some("LIC-E1-EMS"), "2026-09-14T10:00:00Z"),
        bad(
            E3,
            Some("LIC-E3"),
            "MutuallyExclusiveViolation",
            "2026-10-06T08:01:00Z",
        ),
    ]
    .into();
    w.snap.users = vec![wes];
    w.snap.memberships.push(member("LIC-E3", "wes"));
    w.snap.memberships.push(member("LIC-E1-EMS", "wes"));
    let d = w.run(NOW);
    let f = find(&d, Cause::MutuallyExclusiveViolation, "ENTERPRISEPACK");
    let r = &f.recommendation;
    assert!(
        r.steps
            .iter()
            .any(|s| s.contains("leaving LIC-E1-EMS also removes EMS from wes@fabrikam.example")),
        "{:#?}",
        r.steps
    );
    let leave: Vec<&String> = r
        .commands
        .iter()
        .filter(|c| c.contains("Remove-MgGroupMemberByRef"))
        .collect();
    assert_eq!(leave.len(), 1, "{:#?}", r.commands);
    assert!(
        leave[0].starts_with("# option (also removes EMS): "),
        "{}",
        leave[0]
    );
}

/// Review 88 item 3: the products with the required plan are named (E1 has MCOSTANDARD too).
#[test]
fn dependency_names_every_product_with_the_plan_review_88() {
    let mut w = World::new();
    w.snap.skus = vec![
        subscribed(E3, 10, 0, 5),
        subscribed(E1, 10, 0, 2),
        subscribed(MEET, 5, 0, 1),
    ];
    w.snap.groups = vec![group("LIC-A", &[(E3, &[])]), group("LIC-E1", &[(E1, &[])])];
    let mut frank = user("frank");
    frank.license_states = vec![
        ok(MEET, None, "2026-09-14T10:00:00Z"),
        active_with_error(
            E3,
            Some("LIC-A"),
            "DependencyViolation",
            "2026-10-07T11:33:45Z",
        ),
    ]
    .into();
    w.snap.users = vec![frank, user("ok1")];
    w.snap.memberships.push(member("LIC-A", "ok1"));
    let d = w.run(NOW);
    let f = find(&d, Cause::DependencyViolation, "ENTERPRISEPACK");
    assert!(
        !f.explanation.contains("which only ENTERPRISEPACK supplies")
            && f.explanation
                .contains("which of the user's licenses only ENTERPRISEPACK gives them (the tenant's products with it: ENTERPRISEPACK and STANDARDPACK)"),
        "{}",
        f.explanation
    );
}

/// Review 88 item 4: the sibling `Other` of a failure whose text lists its product among those
/// being added is the same event: same first time, evidence both.
#[test]
fn other_sibling_takes_the_failure_event_it_was_part_of_review_88() {
    let mut w = count_world();
    for e in &mut w.events {
        if e.time == t("2026-10-06T08:01:52Z") {
            let mut err = lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK"));
            err.sku = Some("ENTERPRISEPACK".into());
            err.licenses_being_added = vec!["ENTERPRISEPACK".into(), "EMS".into()];
            e.extra.errors = crate::model::LicenseError::share_all(vec![err]);
        }
    }
    let d = w.run(NOW);
    let f = find(&d, Cause::Other, "EMS");
    let kai = f
        .users
        .iter()
        .find(|u| u.user.label().starts_with("kai"))
        .expect("kai");
    assert_eq!(kai.first_error_at, Some(t("2026-10-06T08:01:52Z")));
    assert_eq!(f.evidence.source, Evidence::Both);
    let lena = f
        .users
        .iter()
        .find(|u| u.user.label().starts_with("lena"))
        .expect("lena");
    assert_eq!(lena.first_error_at, Some(t("2026-10-06T08:02:09Z")));
}

/// Review 88 item 5: every finding of a group the audit shows deleted is advised as such: no fix
/// on the group, no group reprocess.
#[test]
fn conflict_from_a_deleted_group_offers_no_group_fix_review_88() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 5, 0, 2), subscribed(E1, 10, 0, 1)];
    let mut zoe = user("zoe");
    zoe.license_states = vec![
        bad(
            E3,
            Some("LIC-Old"),
            "MutuallyExclusiveViolation",
            "2026-10-06T08:05:00Z",
        ),
        ok(E1, None, "2026-09-14T10:00:00Z"),
    ]
    .into();
    w.snap.users = vec![zoe];
    w.events = vec![event(
        Activity::DeleteGroup,
        "2026-10-07T12:00:00Z",
        Outcome::Success,
        admin("ana"),
        vec![group_target("LIC-Old")],
    )];
    let d = w.run(NOW);
    let f = find(&d, Cause::MutuallyExclusiveViolation, "ENTERPRISEPACK");
    let r = &f.recommendation;
    assert!(
        r.summary
            .contains("LIC-Old was deleted at 2026-10-07 12:00:00 UTC"),
        "{}",
        r.summary
    );
    assert!(
        r.commands
            .iter()
            .all(|c| !c.contains("g-LIC-Old") && c.starts_with("Invoke-MgLicenseUser")),
        "{:#?}",
        r.commands
    );
    assert!(
        r.steps
            .iter()
            .all(|s| !s.contains("on LIC-Old (affects every member)")),
        "{:#?}",
        r.steps
    );
}

/// Review 88 item 6: a user no longer a member of the group gets no all-or-nothing siblings and
/// no "started by" / processing run of the group's members.
#[test]
fn no_longer_member_gets_no_group_run_facts_review_88() {
    let mut w = World::new();
    w.snap.skus = vec![
        subscribed(E3, 20, 0, 10),
        subscribed(EMS, 20, 0, 10),
        subscribed(MEET, 5, 0, 2),
    ];
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[]), (EMS, &[])])];
    let mut frank = user("frank");
    frank.license_states = vec![
        ok(MEET, None, "2026-09-14T10:00:00Z"),
        active_with_error(
            E3,
            Some("LIC-E3"),
            "DependencyViolation",
            "2026-10-07T11:33:45Z",
        ),
    ]
    .into();
    w.snap.users = vec![frank, user("ok1")];
    w.snap.memberships.push(member("LIC-E3", "ok1"));
    w.events = vec![
        set_group_license("LIC-E3", "2026-10-06T08:00:12Z", "ana", Outcome::Success),
        start("LIC-E3", "2026-10-06T08:00:41Z"),
        finish("LIC-E3", "2026-10-06T08:05:59Z", 2, 3),
    ];
    let d = w.run(NOW);
    let f = find(&d, Cause::DependencyViolation, "ENTERPRISEPACK");
    assert!(
        f.explanation.contains("no longer a member"),
        "{}",
        f.explanation
    );
    assert!(
        f.not_assigned_products.is_empty(),
        "{:?}",
        f.not_assigned_products
    );
    assert!(f.audit.started_by.is_none(), "{:?}", f.audit.started_by);
    assert!(
        f.audit.processing_summary.is_none(),
        "{:?}",
        f.audit.processing_summary
    );
}

/// Review 88 item 7: fixing a conflict on a product with no seat left leads to a CountViolation:
/// the conflict's fix says so, and the seat count counts the user.
#[test]
fn conflict_fix_on_a_product_out_of_seats_says_so_review_88() {
    let mut w = World::new();
    w.snap.skus = vec![subscribed(E3, 5, 0, 5), subscribed(E1, 10, 0, 1)];
    w.snap.groups = vec![group("LIC-E3", &[(E3, &[])])];
    let mut bob = user("bob");
    bob.license_states = vec![bad(
        E3,
        Some("LIC-E3"),
        "CountViolation",
        "2026-10-06T08:01:00Z",
    )]
    .into();
    let mut wes = user("wes");
    wes.license_states = vec![
        ok(E1, None, "2026-09-14T10:00:00Z"),
        bad(
            E3,
            Some("LIC-E3"),
            "MutuallyExclusiveViolation",
            "2026-10-06T08:01:00Z",
        ),
    ]
    .into();
    w.snap.users = vec![bob, wes];
    let d = w.run(NOW);
    let f = find(&d, Cause::MutuallyExclusiveViolation, "ENTERPRISEPACK");
    assert!(
        f.recommendation.steps.iter().any(|s| s
            .contains("After this, ENTERPRISEPACK has no seat for them")
            && s.contains("buy or free 1 more seat(s)")),
        "{:#?}",
        f.recommendation.steps
    );
    let c = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert!(
        c.explanation.contains("Buy 1, or free 1")
            && c.explanation
                .contains("1 more user waits for ENTERPRISEPACK behind another error")
            && c.explanation.contains("buy or free 2 to cover them too"),
        "{}",
        c.explanation
    );
}

/// Review 95 (A1, A2): eve fails CountViolation on EMS from LIC-B. Removed from LIC-B after it, or
/// EMS removed from LIC-B, the group no longer assigns her EMS: the finding is closed (not
/// resolved, not pending, no purchase advice), whatever later run of the group reports.
#[test]
fn a_failing_user_or_product_removed_from_the_group_is_closed_not_an_error_review_95() {
    let base = || {
        let mut w = World::new();
        let mut set = set_group_license("LIC-B", "2026-10-02T09:10:05Z", "bob", Outcome::Success);
        set.licenses = Some(Box::new(crate::model::LicenseChange {
            old: vec![].into(),
            new: vec![crate::model::AssignedLicense {
                sku_name: Some("EMS".into()),
                sku_id: crate::model::SkuId::parse(EMS),
                disabled_plans: vec![].into(),
            }]
            .into(),
        }));
        w.events.push(set);
        w.events.push(add_member(
            "eve",
            "LIC-B",
            "2026-10-02T09:20:00Z",
            admin("alice"),
        ));
        w.events.push(start("LIC-B", "2026-10-02T09:20:30Z"));
        w.events.push(gbl_fail(
            "eve",
            "2026-10-02T09:21:00Z",
            lerr(Cause::CountViolation, &count_text("EMS")),
        ));
        w.events.push(finish("LIC-B", "2026-10-02T09:22:00Z", 0, 1));
        w
    };
    let closed = |w: &World, at: &str, what: &str| {
        let d = w.run("2026-10-02T12:00:00Z");
        let f = find(&d, Cause::CountViolation, "EMS");
        assert_eq!(f.status, Status::Closed, "{f:#?}");
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.users[0].status, Status::Closed);
        let r = f.audit.resolved.clone().expect("when it was closed");
        assert_eq!(r.when, t(at));
        assert!(
            r.how.contains(what) && r.how.contains("nothing was licensed"),
            "{}",
            r.how
        );
        assert!(
            !f.recommendation.summary.contains("Buy"),
            "{}",
            f.recommendation.summary
        );
        assert!(
            f.recommendation.commands.is_empty(),
            "{:?}",
            f.recommendation.commands
        );
    };
    // still failing: an error with the purchase advice
    let d = base().run("2026-10-02T12:00:00Z");
    let f = find(&d, Cause::CountViolation, "EMS");
    assert_eq!((f.status, f.severity), (Status::Pending, Severity::Error));
    // A2: removed from the group (tl7), then a clean run of the group (tl6): closed, not resolved
    let mut w = base();
    w.events.push(remove_member(
        "eve",
        "LIC-B",
        "2026-10-02T11:00:00Z",
        admin("alice"),
    ));
    closed(&w, "2026-10-02T11:00:00Z", "removed from LIC-B");
    w.events.push(start("LIC-B", "2026-10-02T11:00:30Z"));
    w.events.push(finish("LIC-B", "2026-10-02T11:01:00Z", 0, 0));
    closed(&w, "2026-10-02T11:00:00Z", "removed from LIC-B");
    // added back, and failing again: an error again
    let mut back = World::new();
    back.events = w.events.clone();
    back.events.push(add_member(
        "eve",
        "LIC-B",
        "2026-10-02T11:30:00Z",
        admin("alice"),
    ));
    back.events.push(gbl_fail(
        "eve",
        "2026-10-02T11:31:00Z",
        lerr(Cause::CountViolation, &count_text("EMS")),
    ));
    let d = back.run("2026-10-02T12:00:00Z");
    assert_eq!(
        find(&d, Cause::CountViolation, "EMS").status,
        Status::Pending
    );
    // A1: the product removed from the group (tl3)
    let mut w = base();
    let mut set = set_group_license("LIC-B", "2026-10-02T10:00:00Z", "bob", Outcome::Success);
    set.licenses = Some(Box::new(crate::model::LicenseChange {
        old: vec![crate::model::AssignedLicense {
            sku_name: Some("EMS".into()),
            sku_id: crate::model::SkuId::parse(EMS),
            disabled_plans: vec![].into(),
        }]
        .into(),
        new: vec![].into(),
    }));
    w.events.push(set);
    closed(
        &w,
        "2026-10-02T10:00:00Z",
        "EMS was removed from the group LIC-B",
    );
    // a success before the removal stands: resolved
    let mut w2 = base();
    w2.events
        .push(gbl_ok("eve", "2026-10-02T09:40:00Z", &[("EMS", EMS)]));
    w2.events.extend(w.events.last().cloned());
    let d = w2.run("2026-10-02T12:00:00Z");
    assert_eq!(
        find(&d, Cause::CountViolation, "EMS").status,
        Status::Resolved
    );
}

/// Review 95 (A4): ben's CountViolation from LIC-B on Oct 2 falls in no run of the group, and none
/// finishes after it: the previous day's run, which failed someone else, is not his.
#[test]
fn a_failure_outside_every_run_gets_no_processing_summary_review_95() {
    let mut w = World::new();
    w.events.push(start("LIC-B", "2026-10-01T08:00:00Z"));
    w.events.push(gbl_fail(
        "alex",
        "2026-10-01T08:01:00Z",
        lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
    ));
    w.events.push(finish("LIC-B", "2026-10-01T08:05:00Z", 0, 1));
    w.events.push(add_member(
        "ben",
        "LIC-B",
        "2026-10-02T08:00:00Z",
        admin("alice"),
    ));
    w.events.push(gbl_fail(
        "ben",
        "2026-10-02T08:01:00Z",
        lerr(Cause::CountViolation, &count_text("EMS")),
    ));
    let d = w.run("2026-10-02T12:00:00Z");
    let f = find(&d, Cause::CountViolation, "EMS");
    assert!(f.users[0].user.label().starts_with("ben"), "{f:#?}");
    assert_eq!(f.group.as_deref(), Some("LIC-B"));
    assert_eq!(f.audit.processing_summary, None, "{f:#?}");
    // alex's failure is inside that run: it is his
    let a = find(&d, Cause::CountViolation, "ENTERPRISEPACK");
    assert_eq!(
        a.audit.processing_summary.as_ref().map(|p| p.failed),
        Some(1)
    );
}

/// A `Set group license` of `group` whose new list is `skus` (ids).
fn set_license_to(group: &str, at: &str, skus: &[&str]) -> crate::model::AuditEvent {
    let mut e = set_group_license(group, at, "alice", Outcome::Success);
    e.licenses = Some(Box::new(crate::model::LicenseChange {
        old: Vec::new().into(),
        new: skus
            .iter()
            .map(|id| crate::model::AssignedLicense {
                sku_name: None,
                sku_id: crate::model::SkuId::parse(id),
                disabled_plans: Vec::new().into(),
            })
            .collect(),
    }));
    e
}

/// Review 95 (tl4): LIC-A's and LIC-B's runs overlap; fin fails CountViolation on ENTERPRISEPACK
/// inside both, then again inside LIC-A's run only. One failure, one finding, from LIC-A, first
/// seen at the first failure: LIC-A is the only running group that assigns the product (when the
/// `Set group license` records say so), or the group the same user's same failure is attributed
/// to (when nothing names the groups' products).
#[test]
fn a_failure_inside_two_overlapping_runs_joins_the_group_that_explains_it() {
    for lists in [true, false] {
        let mut w = World::new();
        if lists {
            w.events
                .push(set_license_to("LIC-A", "2026-10-02T09:10:00Z", &[E3]));
            w.events
                .push(set_license_to("LIC-B", "2026-10-02T09:10:05Z", &[EMS]));
        }
        let fail = |at: &str| {
            gbl_fail(
                "fin",
                at,
                lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
            )
        };
        w.events.extend([
            start("LIC-A", "2026-10-02T09:10:30Z"),
            start("LIC-B", "2026-10-02T09:10:40Z"),
            fail("2026-10-02T09:11:30Z"),
            finish("LIC-A", "2026-10-02T09:12:00Z", 0, 1),
            finish("LIC-B", "2026-10-02T09:12:10Z", 1, 0),
            start("LIC-A", "2026-10-02T09:31:30Z"),
            fail("2026-10-02T09:32:10Z"),
            finish("LIC-A", "2026-10-02T09:33:00Z", 0, 1),
        ]);
        let d = w.run("2026-10-02T09:33:00Z");
        assert_eq!(
            keys(&d),
            vec!["CountViolation/ENTERPRISEPACK/LIC-A"],
            "lists {lists}"
        );
        let f = &d.findings[0];
        assert_eq!(f.users.len(), 1);
        assert_eq!(f.users[0].status, Status::Pending);
        assert_eq!(
            f.users[0].first_error_at,
            Some(t("2026-10-02T09:11:30Z")),
            "lists {lists}"
        );
        assert_eq!(d.summary.errors, 1);
    }
}

/// Two runs overlap and both groups assign the failing product: nothing tells which group the
/// failure is from, so it is not guessed.
#[test]
fn a_failure_inside_two_runs_of_groups_with_the_same_product_stays_unattributed() {
    let mut w = World::new();
    w.events = vec![
        set_license_to("LIC-A", "2026-10-02T09:10:00Z", &[E3]),
        set_license_to("LIC-B", "2026-10-02T09:10:05Z", &[E3]),
        start("LIC-A", "2026-10-02T09:10:30Z"),
        start("LIC-B", "2026-10-02T09:10:40Z"),
        gbl_fail(
            "fin",
            "2026-10-02T09:11:30Z",
            lerr(Cause::CountViolation, &count_text("ENTERPRISEPACK")),
        ),
        finish("LIC-A", "2026-10-02T09:12:00Z", 0, 1),
        finish("LIC-B", "2026-10-02T09:12:10Z", 0, 1),
    ];
    let d = w.run("2026-10-02T09:33:00Z");
    assert_eq!(keys(&d), vec!["CountViolation/ENTERPRISEPACK/-"]);
}

/// Review 95 (h19): the audit log records DependencyViolation for tomas' ENTERPRISEPACK from
/// LIC-E3-Voice; the snapshot's license state, updated a day later, records
/// MutuallyExclusiveViolation. A license state holds one error (licensing.md §1.1): one pending
/// finding, the snapshot's; the older audit cause is kept as its evidence and said to be replaced.
/// A snapshot state updated before the failure supersedes nothing.
#[test]
fn a_later_snapshot_cause_replaces_an_older_audit_cause() {
    for (updated, replaced) in [
        ("2026-10-08T15:00:00Z", true),
        ("2026-10-07T11:00:00Z", false),
    ] {
        let mut w = World::new();
        w.snap.groups = vec![group("LIC-E3-Voice", &[(E3, &[])])];
        let mut tomas = user("tomas");
        tomas.license_states = vec![
            ok(MEET, None, "2026-09-14T10:00:00Z"),
            bad(
                E3,
                Some("LIC-E3-Voice"),
                "MutuallyExclusiveViolation",
                updated,
            ),
        ]
        .into();
        w.snap.users = vec![tomas];
        w.snap.memberships = vec![member("LIC-E3-Voice", "tomas")];
        let mut err = lerr(
            Cause::DependencyViolation,
            "License assignment failed because service plan [MCOMEETADV] depends on the service plan(s) [MCOSTANDARD].",
        );
        err.sku = Some("ENTERPRISEPACK".into());
        let fail = gbl_fail("tomas", "2026-10-07T11:33:45Z", err);
        let source = fail.source.clone();
        w.events = vec![fail];
        let d = w.run(NOW);
        if replaced {
            assert_eq!(
                keys(&d),
                vec!["MutuallyExclusiveViolation/ENTERPRISEPACK/LIC-E3-Voice"]
            );
            let f = &d.findings[0];
            assert_eq!(f.severity, Severity::Error);
            assert_eq!(f.users[0].status, Status::Pending);
            assert_eq!(f.evidence.source, Evidence::Both);
            assert!(f.evidence.references.contains(&source));
            assert!(
                f.explanation.contains(
                    "The audit log recorded DependencyViolation for tomas@fabrikam.example at 2026-10-07 11:33:45 UTC; the snapshot, updated later, records MutuallyExclusiveViolation"
                ),
                "{}",
                f.explanation
            );
            assert_eq!(d.summary.errors, 1);
        } else {
            assert_eq!(d.findings.len(), 2, "{:?}", keys(&d));
        }
    }
}
