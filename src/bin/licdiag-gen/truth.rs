//! `truth.json`: what a correct diagnosis of the generated tenant finds. Per cause (keyed by the code
//! `licdiag analyze --format json` prints in `findings[].cause`), the expected (user, product, group)
//! entries with their status; plus record counts per file, seats per product and the `Finish
//! applying` summaries.

use crate::catalog::{self, SkuIx, CUSTOM, E3, EMS, PBI, SKUS, WPA};
use crate::formats::Format;
use crate::tenant::{self, Role, Spec, Tenant, G_ADDON, G_E3, G_PBI, G_VOICE, G_WPA};
use serde_json::{json, Map, Value};

pub const SCHEMA: &str = "licdiag-gen-truth/1";

/// One generated file and what it holds.
pub struct FileInfo {
    pub path: String,
    pub format: Option<Format>,
    pub records: u64,
    pub licensing_records: Option<u64>,
    pub bytes: u64,
}

fn entry(t: &Tenant, user: Option<usize>, sku: SkuIx, group: usize, status: &str) -> Value {
    let g = &t.groups[group];
    json!({
        "user_id": user.map(|u| t.users[u].id.to_string()),
        "upn": user.map(|u| t.users[u].upn.clone()),
        "sku_part_number": SKUS[sku].part,
        "sku_id": SKUS[sku].id,
        "group_id": g.id.to_string(),
        "group": g.name,
        "status": status,
    })
}

fn users_with(t: &Tenant, roles: &[Role]) -> Vec<usize> {
    (0..t.users.len())
        .filter(|&i| roles.contains(&t.users[i].role))
        .collect()
}

/// The expected findings, keyed by cause code.
pub fn causes(t: &Tenant) -> Map<String, Value> {
    let mut m = Map::new();
    let list = |roles: &[Role], sku: SkuIx, group: usize, status: &str| -> Value {
        Value::Array(
            users_with(t, roles)
                .into_iter()
                .map(|u| entry(t, Some(u), sku, group, status))
                .collect(),
        )
    };
    m.insert(
        "CountViolation".into(),
        list(&[Role::CountBlocked], E3, G_E3, "pending"),
    );
    m.insert(
        "MutuallyExclusiveViolation".into(),
        list(&[Role::MevDirect, Role::MevGroup], E3, G_E3, "pending"),
    );
    m.insert(
        "DependencyViolation".into(),
        list(&[Role::Dependency], E3, G_VOICE, "pending"),
    );
    m.insert(
        "ProhibitedInUsageLocationViolation".into(),
        list(&[Role::Prohibited], PBI, G_PBI, "pending"),
    );
    m.insert(
        "UniquenessViolation".into(),
        list(&[Role::Uniqueness], E3, G_E3, "pending"),
    );
    // all-or-nothing: EMS from the same group is recorded as Other when ENTERPRISEPACK fails
    m.insert(
        "Other".into(),
        list(
            &[
                Role::CountBlocked,
                Role::MevDirect,
                Role::MevGroup,
                Role::Uniqueness,
            ],
            EMS,
            G_E3,
            "pending",
        ),
    );
    m.insert(
        catalog::UNKNOWN_CODE.into(),
        list(&[Role::UnknownCode], CUSTOM, G_ADDON, "pending"),
    );
    let mut conc = Vec::new();
    for u in users_with(t, &[Role::ConcResolved, Role::ConcPending]) {
        let status = if t.users[u].role == Role::ConcResolved {
            "self_resolved"
        } else {
            "pending"
        };
        conc.push(entry(t, Some(u), E3, G_VOICE, status));
    }
    m.insert(catalog::CONCURRENCY_TOKEN.into(), Value::Array(conc));
    m.insert(
        "MissingPrerequisite".into(),
        json!([entry(t, None, WPA, G_WPA, "pending")]),
    );
    m
}

pub fn build(t: &Tenant, seed: u64, events: u64, formats: &[Format], files: &[FileInfo]) -> Value {
    let licensing = t.licensing_records();
    let membership = t.membership_records();
    let mut file_map = Map::new();
    for f in files {
        let mut o = Map::new();
        if let Some(fmt) = f.format {
            o.insert("format".into(), json!(fmt.name()));
        }
        o.insert("records".into(), json!(f.records));
        if let Some(l) = f.licensing_records {
            o.insert("licensing_records".into(), json!(l));
        }
        o.insert("bytes".into(), json!(f.bytes));
        file_map.insert(f.path.clone(), Value::Object(o));
    }
    let mut seats = Map::new();
    for (s, p) in SKUS.iter().enumerate() {
        let x = &t.seats[s];
        seats.insert(
            p.part.into(),
            json!({"sku_id": p.id, "enabled": x.enabled, "warning": x.warning, "suspended": x.suspended,
                   "locked_out": x.locked_out, "consumed": x.consumed}),
        );
    }
    let finishes: Vec<Value> = t
        .plan
        .iter()
        .filter_map(|p| match &p.spec {
            Spec::FinishApplying { group, ok, failed } => Some(json!({
                "group_id": t.groups[*group].id.to_string(), "group": t.groups[*group].name,
                "time": p.ts.graph(), "succeeded": ok, "failed": failed,
            })),
            _ => None,
        })
        .collect();
    let failures = t
        .plan
        .iter()
        .filter(|p| {
            matches!(
                p.spec,
                Spec::ChangeFails { .. } | Spec::SetGroupLicenseWpaFails
            )
        })
        .count();
    json!({
        "schema": SCHEMA,
        "generator": {
            "name": "licdiag-gen",
            "version": env!("CARGO_PKG_VERSION"),
            "seed": seed,
            "users": t.users.len(),
            "events": events,
            "formats": formats.iter().map(|f| f.name()).collect::<Vec<_>>(),
        },
        "tenant": {"id": tenant::TENANT_ID, "name": tenant::TENANT_NAME, "domains": [tenant::DOMAIN, tenant::MOERA]},
        "snapshot_time": tenant::snapshot_time().iso_z(),
        "audit_window": {"from": tenant::window_start().iso_z(), "to": tenant::window_end().iso_z()},
        "audit": {
            "records_per_file": events,
            "licensing_records": licensing,
            "membership_records": membership,
            "noise_records": events - licensing - membership,
            "licensing_failures": failures,
        },
        "files": file_map,
        "causes": causes(t),
        "unknown_codes": [catalog::UNKNOWN_CODE],
        "fault_counts": {
            "count_blocked": t.faults.count, "mutually_exclusive_direct": t.faults.mev_direct,
            "mutually_exclusive_group": t.faults.mev_group, "uniqueness": t.faults.uniqueness,
            "prohibited": t.faults.prohibited, "dependency": t.faults.dependency,
            "unknown_code": t.faults.unknown, "concurrency_resolved": t.faults.conc_resolved,
            "concurrency_pending": t.faults.conc_pending,
        },
        "finish_summaries": finishes,
        "seats": seats,
    })
}
