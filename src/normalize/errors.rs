//! License errors read from audit-record text: the error tokens (`CountViolation`, ...), the
//! documented error sentences (formats.md §7, licensing.md §6), and unknown `*Violation` codes, wherever
//! they sit in the record. Each error keeps what its text tells (SKU, plans, address).

use crate::model::{Cause, LicenseError};
use regex::Regex;
use std::sync::LazyLock;

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

// The words the fast path looks for (`ingest::prefilter`) are matched ASCII case-insensitively,
// in `(?-u:...)`: Unicode case folding takes a long s (`ſ`) for an `s`, so `Not enough licenſes
// are available` would be an error the needles miss.

static COUNT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)(?-u:Not enough licenses are available).*?for SKU \[(?P<sku>[^\]]*)\](?:.*?Licenses being added: \[(?P<adding>[^\]]*)\])?",
    )
});
static COUNT_BARE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i-u)Not enough licenses are available"));
static EXCLUSIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)service plans?\s+(?P<plans>(?:\[[^\]]*\](?:\s*,\s*|\s+and\s+)?)+)\s*(?-u:are mutually exclusive)",
    )
});
static CONFLICTING: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(?:Conflicting Service Plans|conflicting services):\s*(?P<plans>[A-Za-z0-9_ ,\-]+)")
});
static DEPENDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)service plan \[(?P<dep>[^\]]*)\] (?-u:depends on the service plan\(s\))\s*(?P<req>(?:\[[^\]]*\](?:\s*,\s*)?)+)",
    )
});
static CANNOT_WITHOUT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)Service plan (?P<dep>\S+) (?-u:cannot be assigned without service plan) (?P<req>[^,.]+)",
    )
});
static REQUIRES: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?is)The service (?P<addon>.+?) requires (?P<req>.+?) (?-u:to be enabled as well)")
});
static PROXY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)Proxy address (?:(?P<addr>\S+@\S+?) )?is already being used|Non-unique proxy address|same value for property proxyAddresses already exists",
    )
});
static ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:smtp:)?[A-Z0-9._%+'\-]+@[A-Z0-9.\-]+\.[A-Z]{2,}"));
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(?P<tok>[A-Z][A-Za-z]*Violation|LicenseAssignmentAttributeConcurrencyException)\b")
});
static BRACKETED: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]]*)\]"));

fn bracketed(s: &str) -> Vec<String> {
    BRACKETED
        .captures_iter(s)
        .flat_map(|c| {
            c[1].split(',')
                .map(|x| x.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|x| !x.is_empty())
        .collect()
}

fn clean(s: &str) -> String {
    s.trim()
        .trim_matches('"')
        .trim()
        .trim_end_matches('.')
        .trim()
        .to_string()
}

/// Finds every license error in one piece of text.
pub fn extract(text: &str) -> Vec<LicenseError> {
    let mut out: Vec<LicenseError> = Vec::new();
    if let Some(c) = COUNT.captures(text) {
        let mut e = LicenseError::new(Cause::CountViolation, &c[0]);
        e.sku = c
            .name("sku")
            .map(|m| clean(m.as_str()))
            .filter(|s| !s.is_empty());
        e.licenses_being_added = c
            .name("adding")
            .map(|m| {
                m.as_str()
                    .split(',')
                    .map(clean)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        out.push(e);
    } else if let Some(m) = COUNT_BARE.find(text) {
        out.push(LicenseError::new(Cause::CountViolation, &text[m.start()..]));
    }
    if let Some(c) = EXCLUSIVE.captures(text) {
        let mut e = LicenseError::new(Cause::MutuallyExclusiveViolation, &c[0]);
        e.plans = bracketed(&c["plans"]);
        out.push(e);
    } else if let Some(c) = CONFLICTING.captures(text) {
        let mut e = LicenseError::new(Cause::MutuallyExclusiveViolation, &c[0]);
        e.plans = c["plans"]
            .split(',')
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect();
        out.push(e);
    }
    if let Some(c) = DEPENDS.captures(text) {
        let mut e = LicenseError::new(Cause::DependencyViolation, &c[0]);
        e.plans = vec![clean(&c["dep"])];
        e.requires = bracketed(&c["req"]);
        out.push(e);
    } else if let Some(c) = CANNOT_WITHOUT.captures(text) {
        let mut e = LicenseError::new(Cause::DependencyViolation, &c[0]);
        e.plans = vec![clean(&c["dep"])];
        e.requires = vec![clean(&c["req"])];
        out.push(e);
    }
    if let Some(c) = REQUIRES.captures(text) {
        let mut e = LicenseError::new(Cause::MissingPrerequisite, &c[0]);
        e.plans = vec![clean(&c["addon"])];
        e.requires = vec![clean(&c["req"])];
        out.push(e);
    }
    if let Some(c) = PROXY.captures(text) {
        let mut e = LicenseError::new(Cause::UniquenessViolation, &c[0]);
        e.address = c
            .name("addr")
            .map(|m| clean(m.as_str()))
            .or_else(|| ADDRESS.find(text).map(|m| clean(m.as_str())));
        out.push(e);
    }
    for c in TOKEN.captures_iter(text) {
        let Some(cause) = Cause::from_code(&c["tok"]) else {
            continue;
        };
        if !out.iter().any(|e| e.cause == cause) {
            out.push(LicenseError::new(cause, text));
        }
    }
    out
}

/// Merges errors found in several texts of one record: one error per cause, details combined.
pub fn merge_into(acc: &mut Vec<LicenseError>, found: Vec<LicenseError>) {
    for e in found {
        match acc.iter_mut().find(|a| a.cause == e.cause) {
            Some(a) => {
                if a.sku.is_none() {
                    a.sku = e.sku;
                }
                if a.licenses_being_added.is_empty() {
                    a.licenses_being_added = e.licenses_being_added;
                }
                if a.plans.is_empty() {
                    a.plans = e.plans;
                }
                if a.requires.is_empty() {
                    a.requires = e.requires;
                }
                if a.address.is_none() {
                    a.address = e.address;
                }
                // prefer the sentence over a bare token
                if a.text.len() > e.text.len() && !e.text.is_empty() && a.plans.is_empty() {
                    a.text = e.text;
                }
            }
            None => acc.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> LicenseError {
        let v = extract(text);
        assert_eq!(v.len(), 1, "{v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn documented_sentences() {
        let e = one("Not enough licenses are available to complete this operation. Purchase more licenses or remove unneeded licenses from users and groups for SKU [ENTERPRISEPACK]. Licenses being added: [ENTERPRISEPACK, EMS]");
        assert_eq!(e.cause, Cause::CountViolation);
        assert_eq!(e.sku.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(e.licenses_being_added, vec!["ENTERPRISEPACK", "EMS"]);
        let e = one("License assignment failed because service plans [SHAREPOINTSTANDARD], [SHAREPOINTENTERPRISE] are mutually exclusive.");
        assert_eq!(e.plans, vec!["SHAREPOINTSTANDARD", "SHAREPOINTENTERPRISE"]);
        let e = one("License assignment failed because service plan [MCOMEETADV] depends on the service plan(s) [MCOSTANDARD], [MCOEV].");
        assert_eq!(
            (e.plans.clone(), e.requires.clone()),
            (
                vec!["MCOMEETADV".to_string()],
                vec!["MCOSTANDARD".to_string(), "MCOEV".to_string()]
            )
        );
        let e = one("License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. The service Microsoft Workplace Analytics requires Exchange Online (Plan 2) to be enabled as well.");
        assert_eq!(e.cause, Cause::MissingPrerequisite);
        assert_eq!(e.plans, vec!["Microsoft Workplace Analytics"]);
        assert_eq!(e.requires, vec!["Exchange Online (Plan 2)"]);
        let e = one("Proxy address is already being used");
        assert_eq!(e.cause, Cause::UniquenessViolation);
        let e = one("Proxy address smtp:j.smith@fabrikam.example is already being used");
        assert_eq!(e.address.as_deref(), Some("smtp:j.smith@fabrikam.example"));
    }

    #[test]
    fn tokens_known_and_unknown() {
        assert_eq!(
            one("ProhibitedInUsageLocationViolation").cause,
            Cause::ProhibitedInUsageLocationViolation
        );
        assert_eq!(
            one("Microsoft.Online.Workflows.LicenseAssignmentAttributeConcurrencyException").cause,
            Cause::ConcurrencyException
        );
        assert_eq!(
            one("error: FancyNewViolation").cause,
            Cause::Unknown("FancyNewViolation".into())
        );
        // a sentence and its token are one error
        assert_eq!(
            extract("CountViolation: Not enough licenses are available to complete this operation")
                .len(),
            1
        );
        assert!(extract("Microsoft.Online.Workflows.SpnValidationException").is_empty());
    }
}
