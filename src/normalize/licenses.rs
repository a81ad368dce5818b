//! Licensing payloads: `AssignedLicense` values and the group-processing `Result` summary.
//! `AssignedLicense` is a JSON array of strings, each `[SkuName=X, AccountId=<guid>, SkuId=<guid>,
//! DisabledPlans=[A, B]]`, compact (Graph, Event Hub, Log Analytics) or pretty-printed with literal
//! `\r\n` (unified audit log); the inner text is not JSON, so it is read with a pattern.

use crate::model::ids as names;
use crate::model::{AssignedLicense, ProcessingSummary, SkuId};
use regex::Regex;
use std::cell::RefCell;
use std::sync::Arc;
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
    // ASCII case-insensitive words, like the fast path's needles (see `normalize::errors`)
    Regex::new(r"(?i)(?-u:successfully assigned licenses:)\s*(?P<ok>\d+)\D+?(?-u:license assignment failed:)\s*(?P<ko>\d+)")
        .expect("static regex")
});

/// Parses every license entry in a value. Empty for `[]`, null or text without entries.
pub fn parse_assigned_licenses(text: &str) -> Vec<AssignedLicense> {
    match entries_fast(text) {
        Some(found) => dedup(found),
        None => parse_with_regex(text),
    }
}

/// The entries as the patterns read them, with a scan instead of regex captures (those ran on the
/// bounded backtracker: 10 % of the time spent on kept records). `None` when the text holds
/// something the scan does not decide exactly as the patterns would (a `[` or `=` in a SKU name);
/// the caller then uses the patterns.
fn entries_fast(text: &str) -> Option<Vec<AssignedLicense>> {
    const NAME: &str = "SkuName=";
    const DISABLED: &str = "DisabledPlans=";
    // built once: `str::find` prepares its searcher on every call
    static NAMES: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(NAME));
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = NAMES.find(&text.as_bytes()[at..]) {
        let name_start = at + p + NAME.len();
        let rest = &text[name_start..];
        let name_len = rest
            .find(|c: char| c == ',' || c == ']' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        if name.contains(['[', '=']) {
            return None;
        }
        // between the name and `DisabledPlans=[`: no bracket, so the entry's first bracket must be
        // the `[` that ends `DisabledPlans=`
        let mid_start = name_start + name_len;
        let bracket = memchr::memchr2(b'[', b']', &text.as_bytes()[mid_start..])
            .map_or(text.len(), |b| mid_start + b);
        let mid = &text[mid_start..bracket];
        let dis_end = (text.as_bytes().get(bracket) == Some(&b'[') && mid.ends_with(DISABLED))
            .then(|| memchr::memchr(b']', &text.as_bytes()[bracket + 1..]).map(|e| bracket + 1 + e))
            .flatten();
        let Some(dis_end) = dis_end else {
            // no entry starts at this name; the patterns would try the next `SkuName=`
            at = name_start;
            continue;
        };
        let mid = &mid[..mid.len() - DISABLED.len()];
        out.push(AssignedLicense {
            sku_name: Some(name.trim()).filter(|s| !s.is_empty()).map(names::name),
            sku_id: sku_id_in(mid),
            disabled_plans: plans(&text[bracket + 1..dis_end]),
        });
        at = dis_end + 1;
    }
    Some(out)
}

/// The first `SkuId=<guid>` in a text, as [`SKU_ID`] finds it.
fn sku_id_in(text: &str) -> Option<SkuId> {
    const KEY: &str = "SkuId=";
    static KEYS: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(KEY));
    let mut at = 0;
    while let Some(p) = KEYS.find(&text.as_bytes()[at..]) {
        let start = at + p + KEY.len();
        if let Some(g) = text.get(start..start + 36) {
            let guid = g.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
            if guid {
                return SkuId::parse(g);
            }
        }
        at = start;
    }
    None
}

thread_local! {
    /// Disabled-plan lists seen by this thread: a tenant's groups and users disable the same few
    /// sets of plans, written in every kept license change.
    static PLAN_LISTS: names::SharedSet<[Arc<str>]> = RefCell::default();
    /// License sets seen by this thread: a tenant's users hold the same few sets of products
    /// (those of their groups), written in every kept license change.
    static LICENSE_SETS: names::SharedSet<[AssignedLicense]> = RefCell::default();
}

/// Empties this thread's sets of license sets and plan lists (for when every input is read).
pub fn forget_shared() {
    names::forget(&PLAN_LISTS);
    names::forget(&LICENSE_SETS);
}

/// A license set (old or new), shared with this thread's earlier equal sets.
pub fn shared_set(set: Vec<AssignedLicense>) -> Arc<[AssignedLicense]> {
    names::shared(&LICENSE_SETS, &set, |s: &[AssignedLicense]| Arc::from(s))
}

/// A `DisabledPlans=[..]` list, shared with this thread's earlier equal lists.
fn plans(text: &str) -> Arc<[Arc<str>]> {
    let list: Vec<Arc<str>> = text
        .split(',')
        .map(|p| p.trim().trim_matches('"').trim())
        .filter(|p| !p.is_empty())
        .map(names::name)
        .collect();
    names::shared(&PLAN_LISTS, &list, |l: &[Arc<str>]| Arc::from(l))
}

fn dedup(found: Vec<AssignedLicense>) -> Vec<AssignedLicense> {
    let mut out: Vec<AssignedLicense> = Vec::with_capacity(found.len());
    for lic in found {
        if !out.contains(&lic) {
            out.push(lic);
        }
    }
    out
}

/// The reference reading, with the patterns.
fn parse_with_regex(text: &str) -> Vec<AssignedLicense> {
    let found = LICENSE
        .captures_iter(text)
        .map(|c| AssignedLicense {
            sku_name: c
                .name("name")
                .map(|m| m.as_str().trim())
                .filter(|s| !s.is_empty())
                .map(names::name),
            sku_id: c
                .name("mid")
                .and_then(|m| SKU_ID.captures(m.as_str()))
                .and_then(|m| SkuId::parse(&m["id"])),
            disabled_plans: c.name("dis").map(|m| plans(m.as_str())).unwrap_or_default(),
        })
        .collect();
    dedup(found)
}

/// Whether a license value is whole, not cut by Entra (quirk 7: a large value is truncated
/// anywhere, or split into `sequence` chunks of which one may be missing): its brackets close, none
/// closes one it did not open, and its last `SkuName=` starts a whole entry. An entry's own text
/// (`[SkuName=.., DisabledPlans=[..]]`) is balanced, and so are the array around the entries and an
/// object holding them; quotes are not followed, as a value may come with its inner quotes escaped
/// (`\"`) or not. An empty value, `null` and `[]` are whole.
pub fn is_whole(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(p) = memchr::memchr2(b'[', b']', &bytes[at..]) {
        let i = at + p;
        if bytes[i] == b'[' {
            depth += 1;
        } else if depth == 0 {
            return false;
        } else {
            depth -= 1;
        }
        at = i + 1;
    }
    if depth != 0 {
        return false;
    }
    // balanced, and yet an entry cut before its `DisabledPlans=[..]` (a value without the array
    // around its entries)
    match memchr::memmem::rfind(bytes, b"SkuName=") {
        None => true,
        Some(last) => {
            let rest = &bytes[last..];
            memchr::memmem::find(rest, b"DisabledPlans=[")
                .is_some_and(|d| memchr::memchr(b']', &rest[d..]).is_some())
        }
    }
}

/// Whether a property value looks like it holds license entries.
pub fn holds_licenses(text: &str) -> bool {
    text.contains("SkuName=") || text.contains("SkuId=")
}

/// Parses `[Users successfully assigned licenses: 6, Users for whom license assignment failed: 0.];`.
pub fn parse_summary(text: &str) -> Option<ProcessingSummary> {
    // the pattern needs a colon: most property values (ids, names) have none, and are passed
    // over without running the regex (its captures cost about 300 instructions a value)
    memchr::memchr(b':', text.as_bytes())?;
    let c = SUMMARY.captures(text)?;
    Some(ProcessingSummary {
        succeeded: c["ok"].parse().ok()?,
        failed: c["ko"].parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // the scan reads exactly what the patterns read, on text made of the entries' own tokens
        #[test]
        fn scan_agrees_with_the_patterns(parts in proptest::collection::vec(prop_oneof![
            Just("SkuName="), Just("DisabledPlans="), Just("SkuId="), Just("["), Just("]"),
            Just(", "), Just(","), Just(" "), Just("\\r\\n"), Just("\""), Just("="),
            Just("ENTERPRISEPACK"), Just("6fd2c87f-b296-42f0-b197-1e91e994b900"),
            Just("AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f"), Just("YAMMER_ENTERPRISE"),
            Just("\u{a0}"), Just("é"),
            Just("[SkuName=EMS, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=efccb6f7-5641-4e0e-bd10-b4976e1bf68e, DisabledPlans=[]]"),
            Just("SkuName=SPE_E5, SkuId=06ebc4ee-1bb5-47dd-8120-11324bc54e06, DisabledPlans=[A, \"B\"]"),
        ], 0..40)) {
            let text: String = parts.concat();
            prop_assert_eq!(parse_assigned_licenses(&text), parse_with_regex(&text), "{}", text);
        }
    }

    #[test]
    fn compact_and_pretty() {
        let compact = r#"["[SkuName=ENTERPRISEPACK, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900, DisabledPlans=[YAMMER_ENTERPRISE, SWAY]]","[SkuName=EMS, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=efccb6f7-5641-4e0e-bd10-b4976e1bf68e, DisabledPlans=[]]"]"#;
        let l = parse_assigned_licenses(compact);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].sku_name.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(
            l[0].disabled_plans,
            ["YAMMER_ENTERPRISE".into(), "SWAY".into()].into()
        );
        // names are shared with the earlier license sets this thread read: one string each
        let again = parse_assigned_licenses(compact);
        assert!(Arc::ptr_eq(
            l[0].sku_name.as_ref().unwrap(),
            again[0].sku_name.as_ref().unwrap()
        ));
        assert!(Arc::ptr_eq(
            &l[0].disabled_plans[1],
            &again[0].disabled_plans[1]
        ));
        assert!(Arc::ptr_eq(&l[0].disabled_plans, &again[0].disabled_plans));
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

    /// What Entra cuts (quirk 7) is told from what it leaves whole, wherever the cut falls.
    #[test]
    fn cut_values_are_told_from_whole_ones() {
        let e3 = "[SkuName=SPE_E3, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=05e9a617-0261-4cee-bb44-138d3ef5d965, DisabledPlans=[]]";
        let ems = "[SkuName=EMSPREMIUM, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=b05e124f-c7cc-45a0-a6aa-8cf78c946968, DisabledPlans=[A, B]]";
        let compact = format!("[\"{e3}\", \"{ems}\"]");
        let pretty = format!("[\r\n  \"{e3}\",\r\n  \"{ems}\"\r\n]");
        let escaped = format!("[\\r\\n  \\\"{e3}\\\"\\r\\n]");
        for whole in ["", "null", "[]", e3, &compact, &pretty, &escaped] {
            assert!(is_whole(whole), "{whole}");
        }
        // every cut of a whole list but the whole list itself, as Entra truncates it; a cut
        // before the first entry holds none, a cut after one holds the entries before it
        for whole in [&compact, &pretty] {
            for (end, _) in whole.char_indices().skip(1) {
                let cut = &whole[..end];
                assert!(!is_whole(cut), "{cut}");
                let entries = parse_assigned_licenses(cut).len();
                assert!(entries < 2 || cut.contains("[A, B]"), "{cut}");
                assert!(entries < 1 || cut.contains("[]"), "{cut}");
            }
        }
        // the second of two chunks alone, and an entry cut in a value without the array
        let (_, second) = compact.split_at(compact.find("\", \"").unwrap() + 3);
        assert!(!is_whole(second), "{second}");
        assert!(!is_whole(
            "SkuName=SPE_E3, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId="
        ));
    }

    #[test]
    fn summary() {
        let s = parse_summary("[Users successfully assigned licenses: 118, Users for whom license assignment failed: 4.];").unwrap();
        assert_eq!((s.succeeded, s.failed), (118, 4));
        assert_eq!(parse_summary("[]"), None);
    }
}
