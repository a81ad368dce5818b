//! Licensing payloads: `AssignedLicense` values and the group-processing `Result` summary.
//! `AssignedLicense` is a JSON array of strings, each `[SkuName=X, AccountId=<guid>, SkuId=<guid>,
//! DisabledPlans=[A, B]]`, compact (Graph, Event Hub, Log Analytics) or pretty-printed with literal
//! `\r\n` (unified audit log); the inner text is not JSON, so it is read with a pattern.

use crate::model::{AssignedLicense, ProcessingSummary, SkuId};
use regex::Regex;
use std::sync::LazyLock;

static LICENSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?s)SkuName=(?P<name>[^,\]\s]*)(?P<mid>[^\[\]]*?)DisabledPlans=\[(?P<dis>[^\]]*)\]",
    )
    .expect("static regex")
});
static SKU_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"SkuId=(?P<id>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})")
        .expect("static regex")
});
static SUMMARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)successfully assigned licenses:\s*(?P<ok>\d+)\D+?license assignment failed:\s*(?P<ko>\d+)")
        .expect("static regex")
});

/// Parses every license entry in a value. Empty for `[]`, null or text without entries.
pub fn parse_assigned_licenses(text: &str) -> Vec<AssignedLicense> {
    let mut out: Vec<AssignedLicense> = Vec::new();
    for c in LICENSE.captures_iter(text) {
        let name = c
            .name("name")
            .map(|m| m.as_str().trim())
            .filter(|s| !s.is_empty());
        let sku_id = c
            .name("mid")
            .and_then(|m| SKU_ID.captures(m.as_str()))
            .and_then(|m| SkuId::parse(&m["id"]));
        let disabled = c
            .name("dis")
            .map(|m| {
                m.as_str()
                    .split(',')
                    .map(|p| p.trim().trim_matches('"').trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let lic = AssignedLicense {
            sku_name: name.map(str::to_string),
            sku_id,
            disabled_plans: disabled,
        };
        if !out.contains(&lic) {
            out.push(lic);
        }
    }
    out
}

/// Whether a property value looks like it holds license entries.
pub fn holds_licenses(text: &str) -> bool {
    text.contains("SkuName=") || text.contains("SkuId=")
}

/// Parses `[Users successfully assigned licenses: 6, Users for whom license assignment failed: 0.];`.
pub fn parse_summary(text: &str) -> Option<ProcessingSummary> {
    let c = SUMMARY.captures(text)?;
    Some(ProcessingSummary {
        succeeded: c["ok"].parse().ok()?,
        failed: c["ko"].parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_pretty() {
        let compact = r#"["[SkuName=ENTERPRISEPACK, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900, DisabledPlans=[YAMMER_ENTERPRISE, SWAY]]","[SkuName=EMS, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=efccb6f7-5641-4e0e-bd10-b4976e1bf68e, DisabledPlans=[]]"]"#;
        let l = parse_assigned_licenses(compact);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].sku_name.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(l[0].disabled_plans, vec!["YAMMER_ENTERPRISE", "SWAY"]);
        assert_eq!(
            l[1].sku_id.as_ref().unwrap().as_str(),
            "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
        );
        let pretty = "[\r\n  \"[SkuName=SPE_E3, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=05E9A617-0261-4cee-bb44-138d3ef5d965, DisabledPlans=[]]\"\r\n]";
        let l = parse_assigned_licenses(pretty);
        assert_eq!(l.len(), 1);
        assert_eq!(
            l[0].sku_id.as_ref().unwrap().as_str(),
            "05e9a617-0261-4cee-bb44-138d3ef5d965"
        );
        assert!(parse_assigned_licenses("[]").is_empty());
        // truncated: the incomplete entry is not invented
        assert!(parse_assigned_licenses("[\"[SkuName=X, AccountId=a, SkuId=").is_empty());
    }

    #[test]
    fn summary() {
        let s = parse_summary("[Users successfully assigned licenses: 118, Users for whom license assignment failed: 4.];").unwrap();
        assert_eq!((s.succeeded, s.failed), (118, 4));
        assert_eq!(parse_summary("[]"), None);
    }
}
