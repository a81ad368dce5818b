//! The license-state snapshot as Graph returns it (camelCase pages, licensing.md §1-§3):
//! `users.json` with `licenseAssignmentStates`, `groups.json` with `members`, `subscribedSkus.json`.
//! Objects are written one by one, so memory does not grow with the page.

use crate::catalog::{self, SKUS};
use crate::tenant::{Group, Tenant, User, TENANT_ID, TENANT_NAME};
use crate::time::Ts;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::path::Path;

const USER_SELECT: &str = "id,displayName,userPrincipalName,userType,accountEnabled,createdDateTime,department,usageLocation,mail,proxyAddresses,onPremisesSyncEnabled,assignedLicenses,assignedPlans,licenseAssignmentStates";
const GROUP_SELECT: &str = "id,displayName,description,mailEnabled,securityEnabled,groupTypes,membershipRule,membershipRuleProcessingState,onPremisesSyncEnabled,assignedLicenses,licenseProcessingState";

/// "No error" as exports write it: `"None"` in practice, `null` per the docs, sometimes `""`.
const NO_ERROR: [Option<&str>; 5] = [Some("None"), None, Some("None"), Some(""), Some("None")];

fn plan_ids(sku: usize, names: &[&str]) -> Vec<&'static str> {
    names
        .iter()
        .filter_map(|n| catalog::plan_id(sku, n))
        .collect()
}

fn user_obj(u: &User, rot: &mut usize, tenant_groups: &[Group]) -> Value {
    let states: Vec<Value> = u
        .states
        .iter()
        .map(|st| {
            let error = match st.error {
                Some(e) => Value::String(e.into()),
                None => {
                    let v = NO_ERROR[*rot % NO_ERROR.len()];
                    *rot += 1;
                    v.map(|s| Value::String(s.into())).unwrap_or(Value::Null)
                }
            };
            json!({
                "skuId": SKUS[st.sku].id,
                "disabledPlans": plan_ids(st.sku, st.disabled),
                "assignedByGroup": st.group.map(|g| tenant_groups[g].id.to_string()),
                "state": st.state,
                "error": error,
                "lastUpdatedDateTime": st.time.iso_z(),
            })
        })
        .collect();
    let assigned = u.assigned();
    let mut plans = Vec::new();
    for (sku, disabled) in &assigned {
        let since: Option<Ts> = u
            .states
            .iter()
            .filter(|s| s.sku == *sku && s.holds())
            .map(|s| s.time)
            .min();
        let since = since.map(|t| t.iso_z());
        for (name, id) in SKUS[*sku].plans {
            if disabled.contains(name) {
                continue;
            }
            plans.push(json!({
                "assignedDateTime": since,
                "capabilityStatus": "Enabled",
                "service": catalog::plan_service(name),
                "servicePlanId": id,
            }));
        }
    }
    json!({
        "id": u.id.to_string(),
        "displayName": u.display,
        "userPrincipalName": u.upn,
        "userType": if u.guest { "Guest" } else { "Member" },
        "accountEnabled": u.enabled,
        "createdDateTime": u.created.iso_z(),
        "department": u.dept,
        "jobTitle": u.title,
        "usageLocation": u.usage,
        "mail": u.mail,
        "proxyAddresses": u.proxies,
        "onPremisesSyncEnabled": if u.synced { Some(true) } else { None },
        "assignedLicenses": assigned.iter().map(|(s, d)| json!({"disabledPlans": plan_ids(*s, d), "skuId": SKUS[*s].id})).collect::<Vec<_>>(),
        "assignedPlans": plans,
        "licenseAssignmentStates": states,
    })
}

fn group_obj(t: &Tenant, g: &Group) -> Value {
    json!({
        "id": g.id.to_string(),
        "displayName": g.name,
        "description": g.description,
        "mailEnabled": g.unified,
        "securityEnabled": !g.unified,
        "groupTypes": if g.unified { vec!["Unified"] } else { Vec::new() },
        "membershipRule": Value::Null,
        "membershipRuleProcessingState": Value::Null,
        "onPremisesSyncEnabled": if g.synced { Some(true) } else { None },
        "assignedLicenses": g.licenses.iter().map(|(s, d)| json!({"disabledPlans": plan_ids(*s, d), "skuId": SKUS[*s].id})).collect::<Vec<_>>(),
        "licenseProcessingState": g.processing_state.map(|s| json!({"state": s})),
        "members": g.members.iter().map(|&m| json!({"@odata.type": "#microsoft.graph.user", "id": t.users[m as usize].id.to_string()})).collect::<Vec<_>>(),
    })
}

fn sku_obj(t: &Tenant, s: usize) -> Value {
    let p = &SKUS[s];
    let seats = &t.seats[s];
    json!({
        "accountId": TENANT_ID,
        "accountName": TENANT_NAME,
        "appliesTo": "User",
        "capabilityStatus": "Enabled",
        "consumedUnits": seats.consumed,
        "id": format!("{TENANT_ID}_{}", p.id),
        "skuId": p.id,
        "skuPartNumber": p.part,
        "subscriptionIds": [crate::rng::Guid::derive(t.seed, crate::rng::tag("subscription"), s as u64).to_string()],
        "prepaidUnits": {"enabled": seats.enabled, "suspended": seats.suspended, "warning": seats.warning, "lockedOut": seats.locked_out},
        "servicePlans": p.plans.iter().map(|(n, id)| json!({
            "servicePlanId": id, "servicePlanName": n,
            "provisioningStatus": catalog::plan_status(n), "appliesTo": catalog::plan_applies_to(n),
        })).collect::<Vec<_>>(),
    })
}

fn write_page<I: Iterator<Item = Value>>(path: &Path, context: &str, items: I) -> io::Result<u64> {
    let f = std::fs::File::create(path)?;
    let mut w = io::BufWriter::with_capacity(1 << 20, f);
    write!(w, "{{\"@odata.context\":")?;
    serde_json::to_writer(&mut w, context)?;
    w.write_all(b",\"value\":[\n")?;
    let mut n = 0u64;
    for (i, v) in items.enumerate() {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut w, &v)?;
        n += 1;
    }
    w.write_all(b"\n]}\n")?;
    w.flush()?;
    Ok(n)
}

/// Writes the three snapshot files into `dir`; returns (file name, records) per file.
pub fn write(t: &Tenant, dir: &Path) -> io::Result<Vec<(&'static str, u64)>> {
    std::fs::create_dir_all(dir)?;
    let mut rot = 0usize;
    let users = write_page(
        &dir.join("users.json"),
        &format!("https://graph.microsoft.com/v1.0/$metadata#users({USER_SELECT})"),
        t.users.iter().map(|u| user_obj(u, &mut rot, &t.groups)),
    )?;
    let groups = write_page(
        &dir.join("groups.json"),
        &format!("https://graph.microsoft.com/v1.0/$metadata#groups({GROUP_SELECT},members(id))"),
        t.groups.iter().map(|g| group_obj(t, g)),
    )?;
    let skus = write_page(
        &dir.join("subscribedSkus.json"),
        "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus",
        (0..SKUS.len()).map(|s| sku_obj(t, s)),
    )?;
    Ok(vec![
        ("users.json", users),
        ("groups.json", groups),
        ("subscribedSkus.json", skus),
    ])
}
