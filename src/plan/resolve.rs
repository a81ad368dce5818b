//! Turning what the admin typed (`--group`, `--remove`, `--add`, `--sku`, `--disable-plan`) into ids:
//! a group by object id or display name, a product by GUID, part number or display name, a plan by
//! GUID, plan name or friendly name. A miss is a usage error (exit 2) that names the flag and lists the
//! closest names (case-insensitive substring and word matches first, then a small edit distance).

use crate::error::UsageError;
use crate::knowledge::Knowledge;
use crate::model::snapshot::{Group, Snapshot};
use crate::model::{ObjectId, PlanId, SkuId};
use std::collections::BTreeSet;

/// How many close matches an error lists.
const MAX_MATCHES: usize = 5;

/// The group named by `--group`: object id first, then display name. An exact (case-sensitive)
/// match wins when it is unique; else a unique case-insensitive match. Several groups with the name
/// (exactly, or only when case is ignored: then the message says they differ only by case) are an
/// error asking for the object id. With `show_names` false (`--redact`), the errors list groups by
/// object id only.
pub fn group<'a>(
    snap: &'a Snapshot,
    text: &str,
    show_names: bool,
) -> Result<&'a Group, UsageError> {
    let shown = |g: &Group| {
        if show_names {
            format!("{:?} ({})", g.label(), g.id)
        } else {
            g.id.to_string()
        }
    };
    let t = text.trim();
    if let Some(id) = ObjectId::parse(t) {
        if let Some(g) = snap.groups.iter().find(|g| g.id == id) {
            return Ok(g);
        }
    }
    let name_of = |g: &&'a Group| g.display_name.as_deref().map(str::trim);
    let exact: Vec<&Group> = snap
        .groups
        .iter()
        .filter(|g| name_of(g) == Some(t))
        .collect();
    let named: Vec<&Group> = if exact.is_empty() {
        snap.groups
            .iter()
            .filter(|g| name_of(g).is_some_and(|n| n.eq_ignore_ascii_case(t)))
            .collect()
    } else {
        exact.clone()
    };
    match named.as_slice() {
        [one] => Ok(one),
        [] => {
            let candidates = snap.groups.iter().map(|g| {
                (
                    g.display_name.clone().unwrap_or_else(|| g.id.to_string()),
                    shown(g),
                )
            });
            let close = close_matches(t, candidates);
            let hint = if close.is_empty() {
                let mut all: Vec<String> = snap
                    .groups
                    .iter()
                    .filter(|g| !g.assigned_licenses.is_empty())
                    .map(shown)
                    .collect();
                all.sort();
                all.truncate(10);
                if all.is_empty() {
                    "the snapshot has no licensed groups".to_string()
                } else {
                    format!("licensed groups in the snapshot: {}", all.join(", "))
                }
            } else {
                format!("close matches: {}", close.join(", "))
            };
            Err(UsageError::Invalid {
                flag: "--group",
                message: format!(
                    "no group with id or display name {t:?} in the snapshot; {hint}. Pass the object id or the exact display name"
                ),
            })
        }
        many if exact.is_empty() => {
            let mut all: Vec<String> = many.iter().map(|g| shown(g)).collect();
            all.sort();
            Err(UsageError::Invalid {
                flag: "--group",
                message: format!(
                    "no group is named exactly {t:?}, and {} groups are when case is ignored ({}): their names differ \
                     only by case; pass the object id or the exact display name",
                    many.len(),
                    all.join(", ")
                ),
            })
        }
        many => {
            let mut ids: Vec<String> = many.iter().map(|g| g.id.to_string()).collect();
            ids.sort();
            Err(UsageError::Invalid {
                flag: "--group",
                message: format!(
                    "{} groups are named {t:?} ({}); pass the object id instead",
                    many.len(),
                    ids.join(", ")
                ),
            })
        }
    }
}

/// The product named by `flag`: a GUID, a part number or a display name. A name several products
/// have is an error listing them (exit 2), never resolved by the order of the files: the tenant's
/// subscribed products are looked at first (a part number the catalog gives two GUIDs, `MCOPSTN5`,
/// names the one the tenant subscribes to), then the catalog's.
pub fn sku(
    kb: &Knowledge,
    snap: &Snapshot,
    text: &str,
    flag: &'static str,
) -> Result<SkuId, UsageError> {
    let t = text.trim().trim_matches(|c| c == '[' || c == ']').trim();
    if crate::model::ids::is_guid(t) {
        if let Some(s) = SkuId::parse(t) {
            return known_guid(kb, snap, s, t, flag);
        }
    }
    let tenant: Vec<&SkuId> = {
        let mut v: Vec<&SkuId> = snap.skus.iter().map(|s| &s.sku_id).collect();
        v.sort();
        v.dedup();
        v
    };
    let part_of = |s: &SkuId| -> Option<String> {
        kb.sku_part_number(s).map(str::to_string).or_else(|| {
            snap.skus
                .iter()
                .find(|x| &x.sku_id == s)
                .and_then(|x| x.part_number.clone())
        })
    };
    let is_part = |s: &SkuId| part_of(s).is_some_and(|p| p.trim().eq_ignore_ascii_case(t));
    let is_display = |s: &SkuId| {
        kb.sku_display_name(s)
            .is_some_and(|d| d.trim().eq_ignore_ascii_case(t))
    };
    let catalog_display: Vec<SkuId> = {
        let mut v: Vec<SkuId> = kb
            .catalog()
            .skus
            .iter()
            .filter(|(_, i)| {
                i.display_name
                    .as_deref()
                    .is_some_and(|d| d.trim().eq_ignore_ascii_case(t))
            })
            .map(|(id, _)| id.clone())
            .collect();
        v.sort();
        v
    };
    // (what matched, where, the products): the first non-empty list decides
    let tiers: [(&str, &str, Vec<SkuId>); 4] = [
        (
            "the part number",
            "the tenant subscribes to",
            tenant
                .iter()
                .filter(|s| is_part(s))
                .map(|s| (*s).clone())
                .collect(),
        ),
        (
            "the part number",
            "the catalog has",
            kb.skus_by_part_number(t),
        ),
        (
            "the product name",
            "the tenant subscribes to",
            tenant
                .iter()
                .filter(|s| is_display(s))
                .map(|s| (*s).clone())
                .collect(),
        ),
        ("the product name", "the catalog has", catalog_display),
    ];
    for (what, place, found) in tiers {
        match found.as_slice() {
            [] => continue,
            [one] => return Ok(one.clone()),
            many => {
                let shown: Vec<String> = many
                    .iter()
                    .map(|s| {
                        let mut about: Vec<String> = Vec::new();
                        about.extend(part_of(s));
                        about.extend(kb.sku_display_name(s).map(|d| format!("{d:?}")));
                        if about.is_empty() {
                            s.to_string()
                        } else {
                            format!("{s} ({})", about.join(", "))
                        }
                    })
                    .collect();
                let parts: BTreeSet<String> = many
                    .iter()
                    .filter_map(|s| part_of(s).map(|p| p.to_ascii_uppercase()))
                    .collect();
                let pass = if parts.len() == many.len() {
                    "pass the SKU GUID or the exact part number instead"
                } else {
                    "pass the SKU GUID instead"
                };
                return Err(UsageError::Invalid {
                    flag,
                    message: format!(
                        "{t:?} is ambiguous: {place} {} products with {what} {t:?}: {}; {pass}",
                        many.len(),
                        shown.join(", ")
                    ),
                });
            }
        }
    }
    let mut candidates: Vec<(String, String)> = Vec::new();
    let mut add = |part: String, display: Option<&str>| {
        let shown = match display {
            Some(d) => format!("{part} ({d})"),
            None => part.clone(),
        };
        if let Some(d) = display {
            candidates.push((d.to_string(), shown.clone()));
        }
        candidates.push((part, shown));
    };
    for s in &snap.skus {
        add(kb.sku_label(&s.sku_id), kb.sku_display_name(&s.sku_id));
    }
    for (id, info) in &kb.catalog().skus {
        let part = info.part_number.clone().unwrap_or_else(|| id.to_string());
        add(part, info.display_name.as_deref());
    }
    let close = close_matches(t, candidates);
    let tenant = snap.skus.iter().map(|s| kb.sku_label(&s.sku_id));
    let hint = unknown_hint(close, tenant, usize::MAX);
    Err(UsageError::Invalid {
        flag,
        message: format!(
            "{t:?} is not a product licdiag knows (expected a SKU GUID, a part number like ENTERPRISEPACK, or a product name like \"Office 365 E3\"){hint}"
        ),
    })
}

/// The end of an unknown product's error: the close matches, or else (the first `most`, sorted) the
/// products the tenant subscribes to, or nothing.
fn unknown_hint(close: Vec<String>, tenant: impl Iterator<Item = String>, most: usize) -> String {
    if !close.is_empty() {
        return format!("; close matches: {}", close.join(", "));
    }
    let mut tenant: Vec<String> = tenant.collect();
    tenant.sort();
    tenant.truncate(most);
    if tenant.is_empty() {
        String::new()
    } else {
        format!("; the tenant subscribes to {}", tenant.join(", "))
    }
}

/// A SKU GUID is taken when the tenant subscribes to it, the catalog knows it, or a group or user of
/// the snapshot holds it; otherwise it is a name that matches nothing (exit 2), as a mistyped part
/// number is, with the tenant's GUIDs closest to it.
fn known_guid(
    kb: &Knowledge,
    snap: &Snapshot,
    s: SkuId,
    t: &str,
    flag: &'static str,
) -> Result<SkuId, UsageError> {
    let held = snap
        .groups
        .iter()
        .any(|g| g.assigned_licenses.iter().any(|l| l.sku_id == s))
        || snap.users.iter().any(|u| {
            u.assigned_licenses.iter().any(|l| l.sku_id == s)
                || u.license_states.iter().any(|l| l.sku_id == s)
        });
    if held
        || snap.skus.iter().any(|x| x.sku_id == s)
        || kb.sku_part_number(&s).is_some()
        || !kb.plans_of(&s).is_empty()
    {
        return Ok(s);
    }
    let candidates = snap.skus.iter().map(|x| {
        (
            x.sku_id.to_string(),
            format!("{} ({})", x.sku_id, kb.sku_label(&x.sku_id)),
        )
    });
    let close = close_matches(t, candidates);
    let tenant = snap
        .skus
        .iter()
        .map(|x| format!("{} ({})", x.sku_id, kb.sku_label(&x.sku_id)));
    let hint = unknown_hint(close, tenant, 10);
    Err(UsageError::Invalid {
        flag,
        message: format!(
            "{t:?} is not a product licdiag knows: the tenant's subscribedSkus do not list it, no group or user of the \
             snapshot holds it, and the catalog does not know it (a newer catalog: --catalog){hint}"
        ),
    })
}

/// The plan named by `--disable-plan`, which must belong to one of `skus` (when their plans are
/// known). Returns the plan and the products (of `skus`) that contain it. Within the products' plans,
/// a GUID, then a plan name (any spelling the catalog uses), then a name the admin center uses, then
/// a friendly name is looked for; a name two plans of the products have (Microsoft Teams: `TEAMS1`
/// and `MCO_TEAMS_IW`) is an error listing them.
pub fn plan(
    kb: &Knowledge,
    skus: &[SkuId],
    text: &str,
    flag: &'static str,
) -> Result<(PlanId, Vec<SkuId>), UsageError> {
    let t = text.trim().trim_matches(|c| c == '[' || c == ']').trim();
    let known: Vec<&SkuId> = skus.iter().filter(|s| !kb.plans_of(s).is_empty()).collect();
    let pool: Vec<&PlanId> = {
        let mut v: Vec<&PlanId> = known.iter().flat_map(|s| kb.plans_of(s).iter()).collect();
        v.sort();
        v.dedup();
        v
    };
    let owners_of = |p: &PlanId| -> Vec<SkuId> {
        skus.iter()
            .filter(|s| kb.plans_of(s).contains(p))
            .cloned()
            .collect()
    };
    let by_guid = crate::model::ids::is_guid(t)
        .then(|| PlanId::parse(t))
        .flatten();
    if by_guid.is_none() && !pool.is_empty() {
        let is_name = |p: &PlanId| {
            kb.plan_name(p)
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(t))
                || kb
                    .catalog()
                    .plan(p)
                    .is_some_and(|i| i.names.iter().any(|n| n.trim().eq_ignore_ascii_case(t)))
        };
        let admin = kb.resolve_plan(t);
        let is_display = |p: &PlanId| {
            kb.plan_display_name(p)
                .is_some_and(|d| d.trim().eq_ignore_ascii_case(t))
        };
        let tiers: [(&str, Vec<&PlanId>); 3] = [
            (
                "plan name",
                pool.iter().copied().filter(|p| is_name(p)).collect(),
            ),
            (
                "name",
                pool.iter()
                    .copied()
                    .filter(|p| admin.as_ref() == Some(*p))
                    .collect(),
            ),
            (
                "friendly name",
                pool.iter().copied().filter(|p| is_display(p)).collect(),
            ),
        ];
        for (what, found) in tiers {
            match found.as_slice() {
                [] => continue,
                [one] => return Ok(((*one).clone(), owners_of(one))),
                many => {
                    let shown: Vec<String> = many
                        .iter()
                        .map(|p| {
                            let mut about: Vec<String> = Vec::new();
                            about.extend(kb.plan_name(p).map(str::to_string));
                            about.extend(kb.plan_display_name(p).map(|d| format!("{d:?}")));
                            if about.is_empty() {
                                p.to_string()
                            } else {
                                format!("{p} ({})", about.join(", "))
                            }
                        })
                        .collect();
                    let products: Vec<String> = known.iter().map(|s| kb.sku_label(s)).collect();
                    let names: BTreeSet<String> = many
                        .iter()
                        .filter_map(|p| kb.plan_name(p).map(|n| n.to_ascii_uppercase()))
                        .collect();
                    let pass = if names.len() == many.len() {
                        "pass the plan GUID or the exact plan name instead"
                    } else {
                        "pass the plan GUID instead"
                    };
                    return Err(UsageError::Invalid {
                        flag,
                        message: format!(
                            "{t:?} is ambiguous: {} plans of {} have the {what} {t:?}: {}; {pass}",
                            many.len(),
                            products.join(", "),
                            shown.join(", ")
                        ),
                    });
                }
            }
        }
    }
    let resolved = by_guid.or_else(|| kb.resolve_plan(t));
    if let Some(p) = &resolved {
        let owners = owners_of(p);
        if !owners.is_empty() {
            return Ok((p.clone(), owners));
        }
        if known.is_empty() {
            // no product's plan list is known: trust the admin
            return Ok((p.clone(), skus.to_vec()));
        }
    }
    let mut seen = BTreeSet::new();
    let mut candidates: Vec<(String, String)> = Vec::new();
    for s in &known {
        for p in kb.plans_of(s) {
            if !seen.insert(p.clone()) {
                continue;
            }
            let name = kb.plan_label(p);
            let shown = match kb.plan_display_name(p) {
                Some(d) => {
                    candidates.push((d.to_string(), format!("{name} ({d})")));
                    format!("{name} ({d})")
                }
                None => name.clone(),
            };
            candidates.push((name, shown));
        }
    }
    let products: Vec<String> = skus.iter().map(|s| kb.sku_label(s)).collect();
    let close = close_matches(t, candidates);
    let what = if resolved.is_some() {
        format!("{t:?} is not a service plan of {}", products.join(", "))
    } else {
        format!("{t:?} is not a service plan licdiag knows")
    };
    let hint = if close.is_empty() {
        let mut names: Vec<String> = seen.iter().map(|p| kb.plan_label(p)).collect();
        names.sort();
        let more = names.len().saturating_sub(12);
        names.truncate(12);
        if names.is_empty() {
            String::new()
        } else if more > 0 {
            format!("; its plans include {} and {more} more", names.join(", "))
        } else {
            format!("; its plans: {}", names.join(", "))
        }
    } else {
        format!("; close matches: {}", close.join(", "))
    };
    Err(UsageError::Invalid {
        flag,
        message: format!(
            "{what} (expected a plan GUID or a plan name like SHAREPOINTENTERPRISE of the product given with --add){hint}"
        ),
    })
}

/// The closest `(key, shown)` candidates to `query`: keys containing the query, then keys containing
/// every word of the query, then keys containing half of its longer words, then keys within a small
/// edit distance. Returns the `shown` texts.
pub fn close_matches(
    query: &str,
    candidates: impl IntoIterator<Item = (String, String)>,
) -> Vec<String> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let long_words: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.chars().count() >= 3)
        .collect();
    let limit = (q.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, usize, String)> = Vec::new();
    for (key, shown) in candidates {
        let k = key.trim().to_lowercase();
        if k.is_empty() {
            continue;
        }
        let score = if k.contains(&q) || (q.contains(&k) && k.chars().count() >= 3) {
            Some(0)
        } else if !words.is_empty() && words.iter().all(|w| k.contains(w)) {
            Some(1)
        } else if long_words.len() >= 2
            && 2 * long_words.iter().filter(|w| k.contains(*w)).count() >= long_words.len()
        {
            Some(2)
        } else if k.chars().count().abs_diff(q.chars().count()) > limit {
            None // the distance is at least the length gap; skip the quadratic work
        } else {
            let d = strsim::levenshtein(&q, &k);
            (d <= limit).then_some(3 + d)
        };
        if let Some(s) = score {
            let len_gap = k.chars().count().abs_diff(q.chars().count());
            scored.push((s, len_gap, shown));
        }
    }
    scored.sort();
    let mut out: Vec<String> = Vec::new();
    for (_, _, shown) in scored {
        if !out.contains(&shown) {
            out.push(shown);
        }
        if out.len() == MAX_MATCHES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceRef;

    fn group(id: &str, name: &str) -> Group {
        Group {
            id: ObjectId::parse(id).expect("id"),
            display_name: Some(name.into()),
            assigned_licenses: vec![],
            processing_state: None,
            security_enabled: Some(true),
            group_types: vec![],
            membership_rule: None,
            on_premises_sync_enabled: None,
            mail: None,
            proxy_addresses: vec![],
            members: None,
            nested_groups: Vec::new(),
            source: SourceRef {
                file: "g.json".into(),
                record: 1,
                line: crate::model::event::Line::NONE,
            },
        }
    }

    #[test]
    fn groups_by_id_name_and_close_matches() {
        let snap = Snapshot {
            groups: vec![
                group("c3ef798d-70e7-5535-9156-8a8f67e593c1", "LIC-O365-E3"),
                group("81b33613-84de-5192-8fc0-94dbb4a77db4", "LIC-E3-Voice"),
                group("d591272e-4977-5e05-b686-af330f0d3afd", "LIC-E1-Frontline"),
            ],
            ..Snapshot::default()
        };
        assert_eq!(
            group_name(&snap, "C3EF798D-70E7-5535-9156-8A8F67E593C1"),
            "LIC-O365-E3"
        );
        assert_eq!(group_name(&snap, " lic-e3-voice "), "LIC-E3-Voice");
        let e = super::group(&snap, "LIC-E3", true).expect_err("unknown");
        let m = e.to_string();
        assert!(m.starts_with("--group: "), "{m}");
        assert!(
            m.contains("LIC-O365-E3") && m.contains("LIC-E3-Voice"),
            "{m}"
        );
        assert!(!m.contains("LIC-E1-Frontline"), "{m}");
        let e = super::group(&snap, "LIC-E3-Vioce", true).expect_err("typo");
        assert!(e.to_string().contains("LIC-E3-Voice"));
        let e = super::group(&snap, "LIC-E3-Vioce", false).expect_err("redacted");
        assert!(!e.to_string().contains("LIC-E3-Voice"), "{e}");
        assert!(
            e.to_string()
                .contains("81b33613-84de-5192-8fc0-94dbb4a77db4"),
            "{e}"
        );
    }

    fn group_name(snap: &Snapshot, t: &str) -> String {
        super::group(snap, t, true).expect("found").label()
    }

    #[test]
    fn duplicate_names_ask_for_the_id() {
        let snap = Snapshot {
            groups: vec![group("a", "Same"), group("b", "same")],
            ..Snapshot::default()
        };
        let e = super::group(&snap, "SAME", true).expect_err("ambiguous");
        assert!(e.to_string().contains("pass the object id"));
    }

    #[test]
    fn an_exact_name_wins_and_names_differing_by_case_are_said() {
        let snap = Snapshot {
            groups: vec![group("a", "LIC-E1"), group("b", "lic-e1")],
            ..Snapshot::default()
        };
        assert_eq!(
            super::group(&snap, "LIC-E1", true)
                .expect("exact")
                .id
                .as_str(),
            "a"
        );
        assert_eq!(
            super::group(&snap, " lic-e1 ", true)
                .expect("exact")
                .id
                .as_str(),
            "b"
        );
        let e = super::group(&snap, "Lic-E1", true)
            .expect_err("case only")
            .to_string();
        assert!(e.contains("differ only by case"), "{e}");
        assert!(
            e.contains("\"LIC-E1\" (a)") && e.contains("\"lic-e1\" (b)"),
            "{e}"
        );
        let e = super::group(&snap, "Lic-E1", false)
            .expect_err("redacted")
            .to_string();
        assert!(!e.contains("LIC-E1\""), "{e}");
    }

    const PSTN5_SMALL: &str = "d43177b5-475b-4880-92d4-d54c27b5efbd";
    const PSTN5_120: &str = "54a152dc-90de-4996-93d2-bc47e670fc06";

    #[test]
    fn a_part_number_two_products_have_is_refused_unless_the_tenant_has_one() {
        use crate::diagnose::testkit::subscribed;
        let kb = Knowledge::builtin();
        let both = Snapshot {
            skus: vec![
                subscribed(PSTN5_SMALL, 10, 0, 0),
                subscribed(PSTN5_120, 1, 0, 0),
            ],
            ..Snapshot::default()
        };
        let mut reversed = both.clone();
        reversed.skus.reverse();
        for snap in [&both, &reversed] {
            let e = sku(&kb, snap, "MCOPSTN5", "--add")
                .expect_err("ambiguous")
                .to_string();
            assert!(e.starts_with("--add: \"MCOPSTN5\" is ambiguous"), "{e}");
            assert!(e.contains(PSTN5_SMALL) && e.contains(PSTN5_120), "{e}");
            assert!(e.contains("pass the SKU GUID"), "{e}");
        }
        let one = Snapshot {
            skus: vec![subscribed(PSTN5_120, 1, 0, 0)],
            ..Snapshot::default()
        };
        assert_eq!(
            sku(&kb, &one, "mcopstn5", "--add")
                .expect("the tenant's")
                .as_str(),
            PSTN5_120
        );
        // a GUID nobody knows is a name that matches nothing
        let unknown = "12345678-1234-1234-1234-123456789012";
        let e = sku(&kb, &one, unknown, "--add")
            .expect_err("unknown guid")
            .to_string();
        assert!(
            e.starts_with("--add: ") && e.contains("not a product licdiag knows"),
            "{e}"
        );
        assert!(e.contains(PSTN5_120), "{e}");
        // neither subscribed: the catalog's two
        let e = sku(&kb, &Snapshot::default(), "MCOPSTN5", "--sku").expect_err("catalog");
        assert!(e.to_string().contains("the catalog has 2 products"), "{e}");
        assert_eq!(
            sku(&kb, &both, PSTN5_SMALL, "--add")
                .expect("guid")
                .as_str(),
            PSTN5_SMALL
        );
    }

    #[test]
    fn a_friendly_name_two_plans_have_is_refused() {
        let kb = Knowledge::builtin();
        let teams = SkuId::parse("710779e8-3d4a-4c88-adb9-386c958d1fdf").expect("sku");
        let e = plan(
            &kb,
            std::slice::from_ref(&teams),
            "Microsoft Teams",
            "--disable-plan",
        )
        .expect_err("ambiguous")
        .to_string();
        assert!(e.contains("TEAMS1") && e.contains("MCO_TEAMS_IW"), "{e}");
        assert!(
            e.contains("pass the plan GUID or the exact plan name"),
            "{e}"
        );
        let (p, _) = plan(
            &kb,
            std::slice::from_ref(&teams),
            "teams1",
            "--disable-plan",
        )
        .expect("plan name");
        assert_eq!(kb.plan_label(&p), "TEAMS1");
    }

    #[test]
    fn skus_and_plans() {
        let kb = Knowledge::builtin();
        let snap = Snapshot::default();
        let e3 = sku(&kb, &snap, "Office 365 E3", "--add").expect("display name");
        assert_eq!(
            sku(&kb, &snap, "enterprisepack", "--add").ok(),
            Some(e3.clone())
        );
        let e = sku(&kb, &snap, "ENTERPRISEPAK", "--add").expect_err("typo");
        assert!(e.to_string().contains("ENTERPRISEPACK"), "{e}");
        assert!(e.to_string().starts_with("--add: "));
        let (p, owners) = plan(
            &kb,
            std::slice::from_ref(&e3),
            "mcostandard",
            "--disable-plan",
        )
        .expect("plan");
        assert_eq!(kb.plan_label(&p), "MCOSTANDARD");
        assert_eq!(owners, vec![e3.clone()]);
        let e = plan(
            &kb,
            std::slice::from_ref(&e3),
            "EXCHANGE_S_STANDARD",
            "--disable-plan",
        )
        .expect_err("not in E3");
        assert!(
            e.to_string()
                .contains("not a service plan of ENTERPRISEPACK"),
            "{e}"
        );
        assert!(e.to_string().contains("EXCHANGE_S_ENTERPRISE"), "{e}");
    }
}
