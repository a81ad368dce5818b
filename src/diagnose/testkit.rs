//! Terse builders for diagnosis tests: users, groups, subscribed products, license states and audit
//! events, with readable ids (`u-kai`, `g-LIC-E3`).

use crate::knowledge::Knowledge;
use crate::model::snapshot::{
    AssignedSku, AssignmentState, Group, LicenseAssignmentState, Membership, SkuPlan, Snapshot,
    SubscribedSku, User,
};
use crate::model::{
    Activity, Actor, AssignedLicense, AuditEvent, Cause, LicenseChange, LicenseError, ObjectId,
    Outcome, PlanId, ProcessingSummary, SkuId, SourceRef, Target, TargetKind, UserActor,
};
use chrono::{DateTime, Utc};

pub const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900"; // ENTERPRISEPACK
pub const E1: &str = "18181a46-0d4e-45cd-891e-60aabd171b4e"; // STANDARDPACK
pub const EMS: &str = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e";
pub const PBI: &str = "f8a1db68-be16-40ed-86d5-cb42ce701560"; // POWER_BI_PRO
pub const MEET: &str = "0c266dff-15dd-4b49-8397-2bb16070ed52"; // MCOMEETADV
pub const WPA: &str = "3d957427-ecdc-4df2-aacd-01cc9d519da8"; // WORKPLACE_ANALYTICS
pub const CUSTOM: &str = "b7e1c9a4-3f2d-4e8a-9c61-5d0f2a7b8e93"; // not in the catalog
pub const YAMMER: &str = "7547a3fe-08ee-4ccb-b430-5077c5041653";
pub const SPO1: &str = "c7699d2e-19aa-44de-8edf-1736da088ca1";

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .expect("test time")
}
pub fn sku(s: &str) -> SkuId {
    SkuId::parse(s).expect("sku")
}
pub fn plan(s: &str) -> PlanId {
    PlanId::parse(s).expect("plan")
}
pub fn uid(name: &str) -> ObjectId {
    ObjectId::parse(&format!("u-{name}")).expect("uid")
}
pub fn gid(name: &str) -> ObjectId {
    ObjectId::parse(&format!("g-{name}")).expect("gid")
}
pub fn src(file: &str, record: u64) -> SourceRef {
    SourceRef {
        file: file.into(),
        record,
        line: crate::model::event::Line::NONE,
    }
}

pub const DOMAIN: &str = "fabrikam.example";
pub const MOERA: &str = "fabrikam.onmicrosoft.com";

/// A licensed-looking member user: UPN name@fabrikam.example, usage US, enabled.
pub fn user(name: &str) -> User {
    User {
        id: uid(name),
        upn: Some(format!("{name}@{DOMAIN}").into()),
        display_name: Some(name.to_string().into()),
        account_enabled: Some(true),
        usage_location: Some("US".into()),
        mail: None,
        proxy_addresses: Default::default(),
        on_premises_sync_enabled: None,
        assigned_licenses: Vec::new().into(),
        license_states: Vec::new().into(),
        source: src("users.json", 1),
    }
}

pub fn group(name: &str, licenses: &[(&str, &[&str])]) -> Group {
    Group {
        id: gid(name),
        display_name: Some(name.to_string()),
        assigned_licenses: licenses
            .iter()
            .map(|(s, d)| AssignedSku {
                sku_id: sku(s),
                disabled_plans: d.iter().map(|p| plan(p)).collect(),
            })
            .collect(),
        processing_state: Some("ProcessingComplete".into()),
        security_enabled: Some(true),
        group_types: Vec::new(),
        membership_rule: None,
        on_premises_sync_enabled: None,
        mail: None,
        proxy_addresses: Vec::new(),
        members: None,
        nested_groups: Vec::new(),
        source: src("groups.json", 1),
    }
}

/// A subscribed product; its plans come from the catalog.
pub fn subscribed(id: &str, enabled: u64, warning: u64, consumed: u64) -> SubscribedSku {
    let kb = Knowledge::builtin();
    let s = sku(id);
    SubscribedSku {
        part_number: kb.sku_part_number(&s).map(str::to_string),
        service_plans: kb
            .plans_of(&s)
            .iter()
            .map(|p| SkuPlan {
                plan_id: p.clone(),
                name: kb.plan_name(p).map(str::to_string),
                provisioning_status: Some("Success".into()),
            })
            .collect(),
        sku_id: s,
        applies_to: Some("User".into()),
        capability_status: Some("Enabled".into()),
        consumed,
        enabled,
        warning,
        suspended: 0,
        locked_out: 0,
        account_ids: Vec::new(),
        source: src("skus.json", 1),
    }
}

fn state(
    sku_id: &str,
    group: Option<&str>,
    st: &str,
    error: Option<&str>,
    at: &str,
) -> LicenseAssignmentState {
    LicenseAssignmentState {
        sku_id: sku(sku_id),
        assigned_by_group: group.map(gid),
        disabled_plans: Vec::new().into(),
        state: AssignmentState::parse(st),
        error: error.and_then(Cause::from_code),
        error_subcode: None,
        last_updated: Some(t(at)),
    }
}

/// An applied assignment (group name or `None` = direct).
pub fn ok(sku_id: &str, group: Option<&str>, at: &str) -> LicenseAssignmentState {
    state(sku_id, group, "Active", Some("None"), at)
}
/// A failed assignment.
pub fn bad(sku_id: &str, group: Option<&str>, error: &str, at: &str) -> LicenseAssignmentState {
    state(sku_id, group, "Error", Some(error), at)
}
/// An applied assignment that carries an error (dependency on removal).
pub fn active_with_error(
    sku_id: &str,
    group: Option<&str>,
    error: &str,
    at: &str,
) -> LicenseAssignmentState {
    state(sku_id, group, "ActiveWithError", Some(error), at)
}
pub fn disabled(mut s: LicenseAssignmentState, plans: &[&str]) -> LicenseAssignmentState {
    s.disabled_plans = plans.iter().map(|p| plan(p)).collect();
    s
}

pub fn member(group: &str, user: &str) -> Membership {
    Membership {
        group_id: gid(group),
        user_id: uid(user),
    }
}

pub fn user_target(name: &str) -> Target {
    Target {
        kind: TargetKind::User,
        id: Some(uid(name)),
        upn: Some(format!("{name}@{DOMAIN}").into()),
        display_name: None,
    }
}
pub fn group_target(name: &str) -> Target {
    Target {
        kind: TargetKind::Group,
        id: Some(gid(name)),
        upn: None,
        display_name: Some(name.into()),
    }
}

pub fn admin(name: &str) -> Actor {
    Actor::User(std::sync::Arc::new(UserActor {
        id: Some(uid(name)),
        upn: Some(format!("{name}@{DOMAIN}")),
        display_name: None,
        ip: None,
    }))
}

pub fn event(
    activity: Activity,
    at: &str,
    result: Outcome,
    actor: Actor,
    targets: Vec<Target>,
) -> AuditEvent {
    AuditEvent {
        time: t(at),
        activity,
        category: None,
        result,
        correlation_id: None,
        record_id: None,
        record_key: None,
        actor,
        targets: targets.into(),
        licenses: None,
        extra: Default::default(),
        source: src("audit.json", 1),
    }
}

/// A LicenseError as the normalizer would build it (only the text; fields left for the caller).
pub fn lerr(cause: Cause, text: &str) -> LicenseError {
    LicenseError::new(cause, text)
}

pub fn count_text(part: &str) -> String {
    format!("Not enough licenses are available to complete this operation. Purchase more licenses or remove unneeded licenses from users and groups for SKU [{part}]. Licenses being added: [{part}]")
}

/// A failed `Change user license` by group-based licensing.
pub fn gbl_fail(user: &str, at: &str, err: LicenseError) -> AuditEvent {
    let mut e = event(
        Activity::ChangeUserLicense,
        at,
        Outcome::Failure,
        Actor::GroupBasedLicensing,
        vec![user_target(user)],
    );
    e.extra.errors = crate::model::LicenseError::share_all(vec![err]);
    e
}

/// A successful `Change user license` by group-based licensing, optionally with the new licenses.
pub fn gbl_ok(user: &str, at: &str, new: &[(&str, &str)]) -> AuditEvent {
    let mut e = event(
        Activity::ChangeUserLicense,
        at,
        Outcome::Success,
        Actor::GroupBasedLicensing,
        vec![user_target(user)],
    );
    if !new.is_empty() {
        e.licenses = Some(Box::new(LicenseChange {
            old: Vec::new().into(),
            new: new
                .iter()
                .map(|(part, id)| AssignedLicense {
                    sku_name: Some((*part).into()),
                    sku_id: SkuId::parse(id),
                    disabled_plans: Vec::new().into(),
                })
                .collect(),
        }));
    }
    e
}

pub fn set_group_license(group: &str, at: &str, by: &str, result: Outcome) -> AuditEvent {
    event(
        Activity::SetGroupLicense,
        at,
        result,
        admin(by),
        vec![group_target(group)],
    )
}

pub fn start(group: &str, at: &str) -> AuditEvent {
    event(
        Activity::StartApplyingGroupLicense,
        at,
        Outcome::Success,
        Actor::GroupBasedLicensing,
        vec![group_target(group)],
    )
}

pub fn finish(group: &str, at: &str, ok: u64, failed: u64) -> AuditEvent {
    let mut e = event(
        Activity::FinishApplyingGroupLicense,
        at,
        Outcome::Success,
        Actor::GroupBasedLicensing,
        vec![group_target(group)],
    );
    e.extra.summary = Some(ProcessingSummary {
        succeeded: ok,
        failed,
    });
    e
}

pub fn add_member(user: &str, group: &str, at: &str, by: Actor) -> AuditEvent {
    event(
        Activity::AddMemberToGroup,
        at,
        Outcome::Success,
        by,
        vec![user_target(user), group_target(group)],
    )
}

pub fn remove_member(user: &str, group: &str, at: &str, by: Actor) -> AuditEvent {
    event(
        Activity::RemoveMemberFromGroup,
        at,
        Outcome::Success,
        by,
        vec![user_target(user), group_target(group)],
    )
}

/// Snapshot + events + the catalog completed with the snapshot's products.
pub struct World {
    pub snap: Snapshot,
    pub events: Vec<AuditEvent>,
}

impl World {
    pub fn new() -> World {
        World {
            snap: Snapshot::default(),
            events: Vec::new(),
        }
    }
    pub fn kb(&self) -> Knowledge {
        Knowledge::builtin().with_subscribed_skus(&self.snap.skus)
    }
    pub fn run(&self, as_of: &str) -> crate::model::finding::Diagnosis {
        super::diagnose(
            &self.events,
            &self.snap,
            &self.kb(),
            &super::DiagnoseOptions::new(t(as_of)),
        )
    }
}

/// Review 66's henry: E1 direct, EMS from LIC-Sales, E3 from LIC-Sales in MutuallyExclusiveViolation
/// (E1's plans conflict with E3's) since 2025-05-12T13:46:15Z.
pub fn sales_henry() -> User {
    let mut henry = user("henry");
    henry.license_states = vec![
        ok(E1, None, "2025-04-01T08:00:00Z"),
        ok(EMS, Some("LIC-Sales"), "2025-04-01T08:00:00Z"),
        bad(
            E3,
            Some("LIC-Sales"),
            "MutuallyExclusiveViolation",
            "2025-05-12T13:46:15Z",
        ),
    ]
    .into();
    henry
}
