//! Legacy MSOnline users (`Get-MsolUser -All | ConvertTo-Json -Depth 10`; licensing.md §4 legacy
//! row, §9, §11): the module is retired, but its old exports are still handed in. A user's
//! `Licenses[]` name their product as `AccountSkuId` = `tenant:SKUPART` (or `AccountSku
//! {AccountName, SkuPartNumber}`) with the groups that assign it in `GroupsAssigningLicense[]`
//! (empty, or the user's own `ObjectId`, = direct), and `IndirectLicenseErrors[]` name each failed
//! group license: `{AccountSku, Error, ReferencedObjectId}` (the group). Read into the license
//! states a Graph export holds: one per (product, source), the errors on the group's state.
//! Products are found by part number in the built-in catalog; a part number it does not know is
//! kept as written, in place of the id (said in the input's note).

use super::fields::{self, id_text, object_list, string_list, text_field, Entry, MISSING_ID};
use super::SnapshotIssue;
use crate::model::cause::Cause;
use crate::model::event::SourceRef;
use crate::model::ids::{ObjectId, PlanId, SkuId};
use crate::model::snapshot::{
    AssignedSku, AssignmentState, LicenseAssignmentState, PlanList, User,
};
use serde_json::Value;
use std::fmt;

/// Whether a users record is an MSOnline user: `Licenses` or `IndirectLicenseErrors`, and none of
/// the Graph license properties.
pub(super) fn is_msol(v: &Value) -> bool {
    fields::field_any(v, &["licenseAssignmentStates", "assignedLicenses"]).is_none()
        && fields::field_any(v, &["Licenses", "IndirectLicenseErrors"]).is_some()
}

/// The product of a `Licenses[]` or `IndirectLicenseErrors[]` entry: by the part number of its
/// `AccountSkuId` (or `AccountSku.SkuPartNumber`) in the built-in catalog, else that part number
/// as written in place of the id (not a GUID: [`note_detail`] names it).
fn product(e: &Value, owner: &str, path: &dyn fmt::Display) -> Result<SkuId, SnapshotIssue> {
    let part = text_field(e, "AccountSkuId")
        .map(|s| match s.rsplit_once(':') {
            Some((_, part)) => part.trim().to_string(),
            None => s,
        })
        .or_else(|| {
            fields::field(e, "AccountSku")
                .filter(|a| a.is_object())
                .and_then(|a| text_field(a, "SkuPartNumber"))
        })
        .filter(|p| !p.is_empty());
    if let Some(part) = part {
        // one part number with two ids (`MCOPSTN5`): the catalog's first
        let known = crate::knowledge::builtin_catalog()
            .skus_by_part_number(&part)
            .first()
            .cloned();
        return known
            .or_else(|| SkuId::parse(&part))
            .ok_or_else(|| no_product(owner, path));
    }
    // a GUID written beside it, as some scripts add
    id_text(e, &["SkuId"], &format_args!("{owner}: `{path}`"))?
        .and_then(|s| SkuId::parse(&s))
        .ok_or_else(|| no_product(owner, path))
}

fn no_product(owner: &str, path: &dyn fmt::Display) -> SnapshotIssue {
    SnapshotIssue {
        reason: fields::MISSING_SKU_ID,
        detail: format!(
            "{owner}: `{path}` names no product (`AccountSkuId` = `tenant:SKUPART`); export with \
             `Get-MsolUser -All | ConvertTo-Json -Depth 10`"
        ),
    }
}

/// The plans a `Licenses[]` entry's `ServiceStatus[]` shows disabled (`ProvisioningStatus`
/// `Disabled`), by `ServicePlan.ServicePlanId`; an entry it cannot read is passed over (the plans
/// are a detail the errors do not need).
fn disabled_plans(l: &Value) -> PlanList {
    let Some(list) = fields::field(l, "ServiceStatus").and_then(Value::as_array) else {
        return fields::plan_list(Vec::new());
    };
    let plans = list
        .iter()
        .filter(|s| {
            text_field(s, "ProvisioningStatus").is_some_and(|p| p.eq_ignore_ascii_case("Disabled"))
        })
        .filter_map(|s| fields::field(s, "ServicePlan").filter(|p| p.is_object()))
        .filter_map(|p| text_field(p, "ServicePlanId"))
        .filter_map(|id| PlanId::parse(&id))
        .collect();
    fields::plan_list(plans)
}

fn state(
    sku_id: SkuId,
    assigned_by_group: Option<ObjectId>,
    disabled_plans: PlanList,
) -> LicenseAssignmentState {
    LicenseAssignmentState {
        sku_id,
        assigned_by_group,
        disabled_plans,
        state: AssignmentState::Active,
        error: None,
        error_subcode: None,
        last_updated: None,
    }
}

pub(super) fn parse_msol_user(v: &Value, source: SourceRef) -> Result<User, SnapshotIssue> {
    let upn = text_field(v, "userPrincipalName");
    let id = id_text(v, &["ObjectId", "id"], &"user")?
        .and_then(|s| ObjectId::parse(&s))
        .ok_or_else(|| SnapshotIssue {
            reason: MISSING_ID,
            detail: format!(
                "MSOnline user {} has no `ObjectId`; export `Get-MsolUser -All | ConvertTo-Json \
                 -Depth 10` whole, or better `Get-MgUser -All -Property id,userPrincipalName,\
                 usageLocation,assignedLicenses,licenseAssignmentStates | ConvertTo-Json -Depth 10`",
                upn.as_deref().unwrap_or("(no UserPrincipalName)")
            ),
        })?;
    let owner = format!("user {}", upn.as_deref().unwrap_or(id.as_str()));

    let mut states: Vec<LicenseAssignmentState> = Vec::new();
    let mut assigned: Vec<AssignedSku> = Vec::new();
    for (i, l) in object_list(v, "Licenses", &owner)?.iter().enumerate() {
        let path = Entry("Licenses", i);
        let p = product(l, &owner, &path)?;
        let plans = disabled_plans(l);
        assigned.push(AssignedSku {
            sku_id: p.clone(),
            disabled_plans: plans.clone(),
        });
        let groups = string_list(l, "GroupsAssigningLicense", &owner)?;
        // no group, or the user's own id among them: (also) assigned directly (§11)
        let mut direct = groups.is_empty();
        for g in groups.iter().filter_map(|g| ObjectId::parse(g)) {
            if g == id {
                direct = true;
            } else if !states
                .iter()
                .any(|s| s.sku_id == p && s.assigned_by_group.as_ref() == Some(&g))
            {
                states.push(state(p.clone(), Some(g), plans.clone()));
            }
        }
        if direct
            && !states
                .iter()
                .any(|s| s.sku_id == p && s.assigned_by_group.is_none())
        {
            states.push(state(p.clone(), None, plans));
        }
    }
    // the states read so far are products the user holds (in `Licenses`): an error on one of them
    // is `ActiveWithError` (licensing.md §1.1, §6, §11), one on a product it lacks is `Error`
    let held = states.len();
    for (i, e) in object_list(v, "IndirectLicenseErrors", &owner)?
        .iter()
        .enumerate()
    {
        let path = Entry("IndirectLicenseErrors", i);
        let p = product(e, &owner, &path)?;
        // an enum `ConvertTo-Json` wrote as a number is kept as that code
        let error = match fields::field(e, "Error") {
            Some(x @ (Value::Object(_) | Value::Array(_))) => {
                return Err(fields::malformed(format!(
                    "{owner}: `{path}.Error` is {} where an error code is expected",
                    fields::type_name(x)
                )))
            }
            Some(x) => crate::ingest::value::text(x).and_then(|c| Cause::from_code(&c)),
            None => None,
        };
        let group = text_field(e, "ReferencedObjectId")
            .and_then(|g| ObjectId::parse(&g))
            .filter(|g| *g != id);
        let at = states
            .iter()
            .position(|s| s.sku_id == p && s.assigned_by_group == group);
        let at = at.unwrap_or_else(|| {
            states.push(state(p, group, fields::plan_list(Vec::new())));
            states.len() - 1
        });
        if let Some(st) = states.get_mut(at) {
            if error.is_some() {
                st.state = if at < held {
                    AssignmentState::ActiveWithError
                } else {
                    AssignmentState::Error
                };
            }
            st.error = error;
        }
    }

    let proxy_addresses: crate::model::snapshot::AddressList =
        string_list(v, "ProxyAddresses", &owner)?
            .into_iter()
            .collect();
    Ok(User {
        id,
        upn: upn.map(|u| crate::model::ThinStr::new(&u)),
        display_name: text_field(v, "displayName").map(String::into_boxed_str),
        // MSOnline writes whether sign-in is blocked
        account_enabled: fields::bool_field(v, "BlockCredential")
            .map(|b| !b)
            .or_else(|| fields::bool_field(v, "accountEnabled")),
        usage_location: text_field(v, "usageLocation").map(|l| crate::model::ids::country(&l)),
        mail: None,
        proxy_addresses,
        on_premises_sync_enabled: None,
        assigned_licenses: fields::sku_list(assigned),
        license_states: states.into_boxed_slice(),
        source,
    })
}

/// Resolves the part numbers an MSOnline export kept in place of product ids (the built-in catalog
/// does not know them: a tenant's own or a new product, `CONTOSO_CUSTOM_ADDON`) through the
/// subscribedSkus export read with it, case aside (licensing.md §5: an unknown product falls back
/// to the tenant's subscribedSkus names). Without it the product was named in lower case, stood
/// beside its group's license of the same product as another product, and `diff` against a Graph
/// export of the same tenant saw it lost and gained.
pub fn resolve_part_numbers(snap: &mut crate::model::snapshot::Snapshot) {
    let by_part: std::collections::HashMap<String, SkuId> = snap
        .skus
        .iter()
        .filter_map(|k| {
            Some((
                k.part_number.as_deref()?.to_ascii_lowercase(),
                k.sku_id.clone(),
            ))
        })
        .collect();
    if by_part.is_empty() {
        return;
    }
    let resolve = |id: &SkuId| -> Option<SkuId> {
        if crate::model::ids::is_guid(id.as_str()) {
            return None;
        }
        by_part.get(&id.as_str().to_ascii_lowercase()).cloned()
    };
    for u in &mut snap.users {
        for st in u.license_states.iter_mut() {
            if let Some(id) = resolve(&st.sku_id) {
                st.sku_id = id;
            }
        }
        if u.assigned_licenses
            .iter()
            .any(|l| resolve(&l.sku_id).is_some())
        {
            let list: Vec<AssignedSku> = u
                .assigned_licenses
                .iter()
                .map(|l| AssignedSku {
                    sku_id: resolve(&l.sku_id).unwrap_or_else(|| l.sku_id.clone()),
                    disabled_plans: l.disabled_plans.clone(),
                })
                .collect();
            u.assigned_licenses = fields::sku_list(list);
        }
    }
}

/// The detail of the input note on an MSOnline user ([`super::MSOL_USER`]).
pub(super) fn note_detail(user: &User) -> String {
    let owner = user
        .upn
        .as_deref()
        .map(str::to_string)
        .unwrap_or_else(|| user.id.to_string());
    let n = user.license_states.len();
    let errors = user
        .license_states
        .iter()
        .filter(|s| s.error.is_some())
        .count();
    let mut s = format!(
        "user {owner}: {n} license state{}, {errors} with an error",
        if n == 1 { "" } else { "s" }
    );
    let mut unknown: Vec<&str> = Vec::new();
    for st in user.license_states.iter() {
        let id = st.sku_id.as_str();
        if !crate::model::ids::is_guid(id) && !unknown.contains(&id) {
            unknown.push(id);
        }
    }
    if !unknown.is_empty() {
        s.push_str(&format!(
            "; part numbers the built-in catalog does not know, found in the subscribedSkus \
             export given with it, else kept in place of the product id (lower-cased): {}",
            unknown.join(", ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::snapshot::{fields::TRUNCATED, test_src};
    use serde_json::json;

    const USER: &str = "10000000-0000-4000-8000-000000000001";
    const G1: &str = "20000000-0000-4000-8000-000000000001";
    const G2: &str = "20000000-0000-4000-8000-000000000002";
    const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const E1: &str = "18181a46-0d4e-45cd-891e-60aabd171b4e";
    const PBI: &str = "f8a1db68-be16-40ed-86d5-cb42ce701560";

    fn parse(v: Value) -> Result<User, SnapshotIssue> {
        parse_msol_user(&v, test_src())
    }

    /// (product, group, error) of every state, in the order read.
    fn states(u: &User) -> Vec<(String, Option<String>, Option<Cause>)> {
        u.license_states
            .iter()
            .map(|s| {
                (
                    s.sku_id.to_string(),
                    s.assigned_by_group.as_ref().map(|g| g.to_string()),
                    s.error.clone(),
                )
            })
            .collect()
    }

    /// The reviewer's export (licensing.md §4 legacy row, §11): a group's license, one assigned
    /// directly (the user's own id among the groups), and a group's license that failed.
    #[test]
    fn licenses_sources_and_errors_are_read() {
        let v = json!({
            "UserPrincipalName": "u1@contoso.example", "ObjectId": USER, "DisplayName": "User 1",
            "UsageLocation": "US", "BlockCredential": false,
            "Licenses": [
                {"AccountSkuId": "contoso:ENTERPRISEPACK", "GroupsAssigningLicense": [G1]},
                {"AccountSkuId": "contoso:STANDARDPACK", "GroupsAssigningLicense": [USER]}
            ],
            "IndirectLicenseErrors": [
                {"AccountSku": {"AccountName": "contoso", "SkuPartNumber": "POWER_BI_PRO"},
                 "Error": "CountViolation", "ReferencedObjectId": G2}
            ]
        });
        assert!(is_msol(&v));
        let u = parse(v).unwrap();
        assert_eq!(u.id.as_str(), USER);
        assert_eq!(u.usage_location.as_deref(), Some("US"));
        assert_eq!(u.account_enabled, Some(true));
        assert_eq!(
            states(&u),
            [
                (E3.to_string(), Some(G1.to_string()), None),
                (E1.to_string(), None, None),
                (
                    PBI.to_string(),
                    Some(G2.to_string()),
                    Some(Cause::CountViolation)
                ),
            ]
        );
        assert_eq!(u.license_states[2].state, AssignmentState::Error);
        let held: Vec<&str> = u
            .assigned_licenses
            .iter()
            .map(|l| l.sku_id.as_str())
            .collect();
        assert_eq!(held, [E3, E1]);
        assert!(note_detail(&u).contains("3 license states, 1 with an error"));
    }

    /// No group = direct; a group and the user's own id = both; an error on a license the user
    /// holds from that group is on its state; a disabled plan of `ServiceStatus` is read; a part
    /// number the catalog does not know is kept and named.
    #[test]
    fn direct_both_and_unknown_products() {
        let u = parse(json!({
            "UserPrincipalName": "u2@contoso.example", "ObjectId": USER,
            "Licenses": [
                {"AccountSku": {"AccountName": "contoso", "SkuPartNumber": "ENTERPRISEPACK"},
                 "AccountSkuId": "contoso:ENTERPRISEPACK", "GroupsAssigningLicense": [],
                 "ServiceStatus": [
                    {"ServicePlan": {"ServiceName": "EXCHANGE_S_ENTERPRISE", "ServicePlanId": "efb87545-963c-4e0d-99df-69c6916d9eb0"}, "ProvisioningStatus": "Disabled"},
                    {"ServicePlan": {"ServiceName": "SWAY", "ServicePlanId": "a23b959c-7ce8-4e57-9140-b90eb88a9e97"}, "ProvisioningStatus": "Success"}]},
                {"AccountSkuId": "contoso:STANDARDPACK", "GroupsAssigningLicense": [G1, USER]},
                {"AccountSkuId": "contoso:CONTOSO_CUSTOM_ADDON"}
            ],
            "IndirectLicenseErrors": [
                {"AccountSkuId": "contoso:STANDARDPACK", "Error": "MutuallyExclusiveViolation", "ReferencedObjectId": G1},
                {"AccountSkuId": "contoso:ENTERPRISEPACK", "Error": 3, "ReferencedObjectId": G2}
            ]
        }))
        .unwrap();
        assert_eq!(
            states(&u),
            [
                (E3.to_string(), None, None),
                (
                    E1.to_string(),
                    Some(G1.to_string()),
                    Some(Cause::MutuallyExclusiveViolation)
                ),
                (E1.to_string(), None, None),
                ("contoso_custom_addon".to_string(), None, None),
                (
                    E3.to_string(),
                    Some(G2.to_string()),
                    Some(Cause::Unknown("3".into()))
                ),
            ]
        );
        assert_eq!(u.license_states[0].disabled_plans.len(), 1);
        // held from G1 (in `Licenses`) with an error: applied, so ActiveWithError (§1.1, §6);
        // not held from G2: Error
        assert_eq!(u.license_states[1].state, AssignmentState::ActiveWithError);
        assert_eq!(u.license_states[4].state, AssignmentState::Error);
        assert!(
            note_detail(&u)
                .contains("kept in place of the product id (lower-cased): contoso_custom_addon"),
            "{}",
            note_detail(&u)
        );
    }

    #[test]
    fn a_graph_user_is_not_an_msonline_one() {
        assert!(!is_msol(
            &json!({"id": USER, "userPrincipalName": "a@b.example", "licenseAssignmentStates": [], "Licenses": []})
        ));
        assert!(!is_msol(
            &json!({"id": USER, "userPrincipalName": "a@b.example", "usageLocation": "US"})
        ));
        assert!(is_msol(
            &json!({"ObjectId": USER, "UserPrincipalName": "a@b.example", "IndirectLicenseErrors": []})
        ));
    }

    /// `ConvertTo-Json` at its default depth writes the licenses as type names: refused with the
    /// fix, as a Graph export cut so is; an entry that names no product is refused too.
    #[test]
    fn cut_or_productless_exports_are_issues() {
        let e = parse(json!({"ObjectId": USER, "UserPrincipalName": "a@b.example",
            "Licenses": ["Microsoft.Online.Administration.UserLicense"]}))
        .unwrap_err();
        assert_eq!(e.reason, TRUNCATED);
        assert!(
            e.detail.contains("ConvertTo-Json -Depth 10"),
            "{}",
            e.detail
        );
        let e = parse(json!({"ObjectId": USER, "UserPrincipalName": "a@b.example",
            "Licenses": [{"GroupsAssigningLicense": "System.Collections.Generic.List`1[System.Guid]", "AccountSkuId": "contoso:ENTERPRISEPACK"}]}))
        .unwrap_err();
        assert_eq!(e.reason, TRUNCATED);
        let e = parse(
            json!({"ObjectId": USER, "IndirectLicenseErrors": [{"Error": "CountViolation"}]}),
        )
        .unwrap_err();
        assert_eq!(e.reason, fields::MISSING_SKU_ID);
        assert!(
            e.detail.contains("IndirectLicenseErrors[0]"),
            "{}",
            e.detail
        );
        let e = parse(json!({"UserPrincipalName": "a@b.example", "Licenses": []})).unwrap_err();
        assert_eq!(e.reason, MISSING_ID);
    }
}
