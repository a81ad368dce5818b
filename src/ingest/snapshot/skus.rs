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

    let consumed = count_field(v, "consumedUnits", &owner)?.unwrap_or(0);
    let (enabled, warning, suspended, locked_out) = match object_field(v, "prepaidUnits", &owner)? {
        Some(units) => {
            let n = |k: &str| count_field(&units, k, &format!("{owner}: prepaidUnits")).map(|c| c.unwrap_or(0));
            (n("enabled")?, n("warning")?, n("suspended")?, n("lockedOut")?)
        }
        None => match count_field(v, "allottedUnits", &owner)? {
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
                MALFORMED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {"enabled": -5}}),
                MALFORMED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {}, "consumedUnits": {"n": 1}}),
                MALFORMED,
            ),
            // impossible seat counts are never clamped to u64::MAX
            (
                json!({"skuId": SKU, "prepaidUnits": {"enabled": 1e30}}),
                MALFORMED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {"warning": 18446744073709551616_f64}}),
                MALFORMED,
            ),
            (
                json!({"skuId": SKU, "prepaidUnits": {}, "consumedUnits": 2.5}),
                MALFORMED,
            ),
            (
                json!({"skuId": SKU, "allottedUnits": 4294967296_u64}),
                MALFORMED,
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
