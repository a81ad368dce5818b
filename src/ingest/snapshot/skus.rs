//! Tenant inventory: `GET /subscribedSkus` / `Get-MgSubscribedSku` entries (licensing.md §3) with their
//! seat counts (`consumedUnits`, `prepaidUnits.{enabled, suspended, warning, lockedOut}`) and service
//! plans. Beta cloudLicensing `allotment` objects (§3.1) are read too: `allottedUnits` stands in for
//! `prepaidUnits.enabled` and `services[]` for `servicePlans[]`.

use super::fields::{
    self, count_field, id_text, object_field, object_list, text_field, MISSING_SKU_ID,
    MISSING_UNITS,
};
use super::SnapshotIssue;
use crate::model::event::SourceRef;
use crate::model::ids::{PlanId, SkuId};
use crate::model::snapshot::{SkuPlan, SubscribedSku};
use serde_json::Value;

pub(super) fn parse_sku(v: &Value, source: SourceRef) -> Result<SubscribedSku, SnapshotIssue> {
    let part_number = text_field(v, "skuPartNumber");
    let shown = part_number
        .clone()
        .unwrap_or_else(|| "(no skuPartNumber)".into());
    let sku_id = id_text(v, &["skuId"], &format!("subscribedSku {shown}"))?
        .and_then(|s| SkuId::parse(&s))
        .ok_or_else(|| SnapshotIssue {
            reason: MISSING_SKU_ID,
            detail: format!(
                "subscribedSku {shown} has no `skuId`; export with `Get-MgSubscribedSku -All` or \
                 `GET /subscribedSkus` without narrowing `$select`"
            ),
        })?;
    let owner = format!(
        "subscribedSku {}",
        part_number.as_deref().unwrap_or(sku_id.as_str())
    );

    unknown_if_null(v, "consumedUnits", UNKNOWN_CONSUMED, &owner)?;
    let consumed = seats(v, "consumedUnits", BAD_CONSUMED, &owner)?.unwrap_or(0);
    let (enabled, warning, suspended, locked_out) = match object_field(v, "prepaidUnits", &owner)? {
        Some(units) => {
            let owner = format!("{owner}: prepaidUnits");
            unknown_if_null(&units, "enabled", UNKNOWN_ENABLED, &owner)?;
            let n = |k: &str, bad: &'static str| seats(&units, k, bad, &owner).map(|c| c.unwrap_or(0));
            (
                n("enabled", BAD_ENABLED)?,
                n("warning", BAD_WARNING)?,
                n("suspended", BAD_SUSPENDED)?,
                n("lockedOut", BAD_LOCKED_OUT)?,
            )
        }
        None => match unknown_if_null(v, "allottedUnits", UNKNOWN_ALLOTTED, &owner)
            .and_then(|()| seats(v, "allottedUnits", BAD_ALLOTTED, &owner))?
        {
            Some(allotted) => (allotted, 0, 0, 0),
            None => {
                return Err(SnapshotIssue {
                    reason: MISSING_UNITS,
                    detail: format!(
                        "{owner} has no `prepaidUnits`, so its seat counts are unknown; export \
                         `Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10` (or keep PrepaidUnits in \
                         Select-Object)"
                    ),
                })
            }
        },
    };

    let plans_key = if fields::field(v, "servicePlans").is_some() {
        "servicePlans"
    } else {
        "services"
    };
    let service_plans = object_list(v, plans_key, &owner)?
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let path = format!("{plans_key}[{i}]");
            let plan_id = id_text(
                p,
                &["servicePlanId", "planId"],
                &format!("{owner}: `{path}`"),
            )?
            .and_then(|s| PlanId::parse(&s))
            .ok_or_else(|| {
                fields::malformed(format!("{owner}: `{path}` has no `servicePlanId`"))
            })?;
            Ok(SkuPlan {
                plan_id,
                name: text_field(p, "servicePlanName").or_else(|| text_field(p, "planName")),
                provisioning_status: text_field(p, "provisioningStatus"),
            })
        })
        .collect::<Result<Vec<_>, SnapshotIssue>>()?;

    // the account: `accountId`, else the `id`'s `<account>_<skuId>` prefix (licensing.md §3)
    let account = text_field(v, "accountId")
        .or_else(|| {
            let id = text_field(v, "id")?;
            let (account, sku) = id.split_once('_')?;
            SkuId::parse(sku)
                .filter(|s| *s == sku_id)
                .map(|_| account.to_string())
        })
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty());
    Ok(SubscribedSku {
        account_ids: account.into_iter().collect(),
        sku_id,
        part_number,
        applies_to: text_field(v, "appliesTo"),
        capability_status: text_field(v, "capabilityStatus"),
        consumed,
        enabled,
        warning,
        suspended,
        locked_out,
        service_plans,
        source,
    })
}

/// Issue reasons of a seat count that is not a count (negative, fractional, not a number, more
/// than Graph's 32 bits): the record is skipped, its reason naming the field.
pub const BAD_CONSUMED: &str = "bad seat count in consumedUnits";
pub const BAD_ENABLED: &str = "bad seat count in prepaidUnits.enabled";
pub const BAD_WARNING: &str = "bad seat count in prepaidUnits.warning";
pub const BAD_SUSPENDED: &str = "bad seat count in prepaidUnits.suspended";
pub const BAD_LOCKED_OUT: &str = "bad seat count in prepaidUnits.lockedOut";
pub const BAD_ALLOTTED: &str = "bad seat count in allottedUnits";
/// Issue reasons of a seat count written as `null`: the product's seats are unknown, not 0 (read
/// as 0 they made a full product look empty and an empty one over-assigned). The record is
/// skipped, so no seat judgement is made for the product, as for one the export does not list.
pub const UNKNOWN_CONSUMED: &str = "unknown seat count: consumedUnits is null";
pub const UNKNOWN_ENABLED: &str = "unknown seat count: prepaidUnits.enabled is null";
pub const UNKNOWN_ALLOTTED: &str = "unknown seat count: allottedUnits is null";
/// Every reason of a skipped product whose seat count is not read ([`BAD_CONSUMED`],
/// [`UNKNOWN_CONSUMED`], ...), for the property tests' list of known reasons.
#[cfg(test)]
pub const SEAT_REASONS: [&str; 9] = [
    BAD_CONSUMED,
    BAD_ENABLED,
    BAD_WARNING,
    BAD_SUSPENDED,
    BAD_LOCKED_OUT,
    BAD_ALLOTTED,
    UNKNOWN_CONSUMED,
    UNKNOWN_ENABLED,
    UNKNOWN_ALLOTTED,
];

/// A seat count ([`count_field`]), its issue given `bad`, the reason naming its field.
fn seats(
    v: &Value,
    key: &str,
    bad: &'static str,
    owner: &str,
) -> Result<Option<u64>, SnapshotIssue> {
    count_field(v, key, owner).map_err(|mut e| {
        e.reason = bad;
        e
    })
}

/// An issue of reason `unknown` when `key` is written and `null` (top level or in
/// `AdditionalProperties`, in any letter case): absent, the count keeps its default.
fn unknown_if_null(
    v: &Value,
    key: &str,
    unknown: &'static str,
    owner: &str,
) -> Result<(), SnapshotIssue> {
    let null_in = |o: &Value| {
        o.as_object().is_some_and(|o| {
            o.iter()
                .any(|(k, x)| k.eq_ignore_ascii_case(key) && x.is_null())
        })
    };
    let bag = v
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("AdditionalProperties"))
        })
        .map(|(_, b)| b);
    if null_in(v) || bag.is_some_and(null_in) {
        return Err(SnapshotIssue {
            reason: unknown,
            detail: format!(
                "{owner}: `{key}` is null, so the product's seat counts are unknown: no seat \
                 judgement is made for it (as for a product the export does not list); export the \
                 subscribedSkus again (`Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10`, or \
                 `GET /subscribedSkus`)"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::snapshot::{fields::MALFORMED, fields::TRUNCATED, test_src};
    use serde_json::json;

    const SKU: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const PLAN: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";

    fn parse(v: Value) -> Result<SubscribedSku, SnapshotIssue> {
        parse_sku(&v, test_src())
    }

    #[test]
    fn graph_camel_case() {
        let s = parse(json!({
            "id": "tenant_sku", "skuId": SKU, "skuPartNumber": "ENTERPRISEPACK", "appliesTo": "User",
            "capabilityStatus": "Enabled", "consumedUnits": 25,
            "prepaidUnits": {"enabled": 25, "suspended": 0, "warning": 5, "lockedOut": 1},
            "servicePlans": [{"servicePlanId": PLAN, "servicePlanName": "EXCHANGE_S_ENTERPRISE",
                              "provisioningStatus": "Success", "appliesTo": "User"}]
        }))
        .unwrap();
        assert_eq!(
            (s.consumed, s.enabled, s.warning, s.suspended, s.locked_out),
            (25, 25, 5, 0, 1)
        );
        assert_eq!(s.part_number.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(
            s.service_plans[0].name.as_deref(),
            Some("EXCHANGE_S_ENTERPRISE")
        );
        assert_eq!(
            s.service_plans[0].provisioning_status.as_deref(),
            Some("Success")
        );
    }

    #[test]
    fn powershell_pascal_case_without_locked_out_and_numbers_as_strings() {
        let s = parse(json!({
            "SkuId": SKU, "SkuPartNumber": "STANDARDPACK", "ConsumedUnits": "7",
            "PrepaidUnits": {"Enabled": "10", "Suspended": 0, "Warning": 0, "AdditionalProperties": {}},
            "ServicePlans": [{"ServicePlanId": PLAN, "ServicePlanName": "X", "ProvisioningStatus": "PendingActivation"}]
        }))
        .unwrap();
        assert_eq!((s.consumed, s.enabled, s.locked_out), (7, 10, 0));
    }

    #[test]
    fn beta_allotment() {
        let s = parse(json!({"skuId": SKU, "skuPartNumber": "SPE_E5", "allottedUnits": 100, "consumedUnits": 98,
                             "services": [{"planId": PLAN, "planName": "TEAMS1"}]}))
        .unwrap();
        assert_eq!((s.enabled, s.consumed), (100, 98));
        assert_eq!(s.service_plans[0].name.as_deref(), Some("TEAMS1"));
    }

    /// A null seat count is unknown, not 0: the record is skipped with a reason naming the
    /// field, and the detail names the product; a negative or fractional count's reason names
    /// its field too. An absent `consumedUnits` keeps its 0.
    #[test]
    fn null_and_bad_seat_counts_name_their_field() {
        let cases = [
            (
                json!({"skuId": SKU, "skuPartNumber": "E3", "consumedUnits": null, "prepaidUnits": {"enabled": 5}}),
                UNKNOWN_CONSUMED,
            ),
            (
                json!({"skuId": SKU, "skuPartNumber": "E3", "consumedUnits": 1, "prepaidUnits": {"enabled": null}}),
                UNKNOWN_ENABLED,
            ),
            (
                json!({"SkuId": SKU, "SkuPartNumber": "E3", "ConsumedUnits": 1, "PrepaidUnits": {"Enabled": null}}),
                UNKNOWN_ENABLED,
            ),
            (
                json!({"skuId": SKU, "skuPartNumber": "E3", "allottedUnits": null}),
                UNKNOWN_ALLOTTED,
            ),
            (
                json!({"skuId": SKU, "skuPartNumber": "E3", "consumedUnits": -1, "prepaidUnits": {"enabled": 5}}),
                BAD_CONSUMED,
            ),
            (
                json!({"skuId": SKU, "skuPartNumber": "E3", "prepaidUnits": {"enabled": 2.5}}),
                BAD_ENABLED,
            ),
            (
                json!({"skuId": SKU, "skuPartNumber": "E3", "prepaidUnits": {"enabled": 1, "lockedOut": -3}}),
                BAD_LOCKED_OUT,
            ),
            (
                json!({"skuId": SKU, "skuPartNumber": "E3", "allottedUnits": 1e30}),
                BAD_ALLOTTED,
            ),
        ];
        for (v, reason) in cases {
            let e = parse(v.clone()).unwrap_err();
            assert_eq!(e.reason, reason, "{v}");
            assert!(e.detail.starts_with("subscribedSku E3"), "{}", e.detail);
        }
        let s = parse(json!({"skuId": SKU, "prepaidUnits": {"enabled": 3}})).unwrap();
        assert_eq!((s.enabled, s.consumed), (3, 0));
    }

    #[test]
    fn truncated_and_malformed() {
        let e = parse(json!({"SkuId": SKU, "SkuPartNumber": "X", "ConsumedUnits": 1,
                             "PrepaidUnits": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphLicenseUnitsDetail"}))
        .unwrap_err();
        assert_eq!(e.reason, TRUNCATED);
        assert!(e.detail.contains("`prepaidUnits`") && e.detail.contains("-Depth 10"));
        let e = parse(json!({"SkuId": SKU, "PrepaidUnits": {"Enabled": 1}, "ServicePlans": "System.Object[]"})).unwrap_err();
        assert_eq!(e.reason, TRUNCATED);
        let cases = [
            (
                json!({"skuPartNumber": "X", "prepaidUnits": {}}),
                MISSING_SKU_ID,
            ),
            (json!({"skuId": SKU, "consumedUnits": 3}), MISSING_UNITS),
            (
                json!({"skuId": SKU, "prepaidUnits": [{"enabled": 1}]}),
                MALFORMED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {"enabled": "lots"}}),
                BAD_ENABLED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {"enabled": -5}}),
                BAD_ENABLED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {}, "consumedUnits": {"n": 1}}),
                BAD_CONSUMED,
            ),
            // impossible seat counts are never clamped to u64::MAX
            (
                json!({"skuId": SKU, "prepaidUnits": {"enabled": 1e30}}),
                BAD_ENABLED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {"warning": 18446744073709551616_f64}}),
                BAD_WARNING,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {}, "consumedUnits": 2.5}),
                BAD_CONSUMED,
            ),
            (
                json!({"skuId": SKU, "allottedUnits": 4294967296_u64}),
                BAD_ALLOTTED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {}, "servicePlans": [{"servicePlanName": "X"}]}),
                MALFORMED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {}, "servicePlans": [3]}),
                MALFORMED,
            ),
        ];
        for (v, reason) in cases {
            assert_eq!(
                parse(v.clone()).map(|_| ()).unwrap_err().reason,
                reason,
                "{v}"
            );
        }
    }
}
