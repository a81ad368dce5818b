//! Recommendations: the documented fix for each finding (the playbook), made concrete with the
//! finding's own data: names, numbers, and generated commands for the admin to review (one
//! `Invoke-MgLicenseUser` line per affected user, `Get-Recipient` for colliding addresses, ...).
//! Pure functions, no I/O.

pub mod playbook;
pub mod powershell;

pub use crate::model::finding::Recommendation;
pub use playbook::{all_entries, lookup, playbook, FollowUp, FollowUpKind, PlaybookEntry};

use crate::knowledge::Knowledge;
use crate::model::finding::{
    AffectedUser, AssignmentSource, CauseDetails, Finding, ReclaimReason, Status,
};
use crate::model::Cause;

use powershell::{comment, quote as ps};

fn reprocess_line(u: &AffectedUser) -> Option<String> {
    let key = u.user.key()?;
    let label = u.user.upn.as_deref().or(u.user.display_name.as_deref());
    Some(match label {
        Some(l) if l != key => {
            format!(
                "Invoke-MgLicenseUser -UserId {}  # {}",
                ps(&key),
                comment(l)
            )
        }
        _ => format!("Invoke-MgLicenseUser -UserId {}", ps(&key)),
    })
}

fn pending(f: &Finding) -> Vec<&AffectedUser> {
    f.users
        .iter()
        .filter(|u| u.status == Status::Pending)
        .collect()
}

fn group_label(f: &Finding) -> String {
    f.group
        .clone()
        .unwrap_or_else(|| "the licensing group".into())
}

fn sku_label(f: &Finding) -> String {
    f.sku
        .clone()
        .or_else(|| f.sku_id.as_ref().map(|s| s.to_string()))
        .unwrap_or_else(|| "the product".into())
}

/// The recommendation for a finding.
pub fn recommend(f: &Finding, kb: &Knowledge) -> Recommendation {
    let entry = playbook(&f.cause);
    let pend = pending(f);
    let is_pending: crate::model::hash::HashSet<&crate::model::finding::UserRef> =
        pend.iter().map(|u| &u.user).collect();
    let mut applies_to: Vec<String> = pend.iter().map(|u| u.user.label()).collect();
    if let Some(g) = &f.group {
        applies_to.push(format!("group {g}"));
    }
    if f.status != Status::Pending {
        let how = f
            .audit
            .resolved
            .as_ref()
            .map(|r| r.how.clone())
            .unwrap_or_else(|| "no pending user left".into());
        let summary = if f.status == Status::SelfResolved {
            format!("No action needed: Entra retried and succeeded ({how}).")
        } else {
            format!("No action needed: resolved ({how}).")
        };
        return Recommendation {
            summary,
            steps: vec!["Nothing to do; check that later runs stay clean.".into()],
            commands: Vec::new(),
            doc_url: entry.doc_url,
            applies_to,
        };
    }
    let reprocess: Vec<String> = pend.iter().filter_map(|u| reprocess_line(u)).collect();
    let sku = sku_label(f);
    let group = group_label(f);
    let mut steps: Vec<String> = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    let summary;

    match (&f.cause, &f.details) {
        (Cause::CountViolation, CauseDetails::Count(c)) => {
            let n = c.shortfall.unwrap_or(c.blocked_users as u64);
            summary = if n > 0 {
                format!(
                    "Buy {n} more {sku} license(s) or free {n} seat(s), then reprocess {group}."
                )
            } else {
                format!("Seats of {sku} are available now: reprocess {group}.")
            };
            if let Some(cap) = &c.capacity {
                steps.push(format!(
                    "Check the seats in the Microsoft 365 admin center > Billing > Licenses > {sku}: {} enabled, {} in warning, {} consumed.",
                    cap.enabled, cap.warning, cap.consumed
                ));
                if n > 0 {
                    steps.push(format!(
                        "Buy {n} more {sku} license(s), or free {n} seat(s):"
                    ));
                }
                let sku_id = cap.sku_id.to_string();
                for r in &cap.reclaimable {
                    let Some(uid) = r.user.key() else { continue };
                    match r.reason {
                        ReclaimReason::DisabledAccount => {
                            steps.push(format!(
                                "{} is a disabled account that still holds {sku}: remove it.",
                                r.user.label()
                            ));
                            for v in &r.held_via {
                                match v {
                                    AssignmentSource::Direct { .. } | AssignmentSource::Unknown { .. } => commands.push(format!(
                                        "Set-MgUserLicense -UserId {} -AddLicenses @() -RemoveLicenses @({})  # disabled account {}",
                                        ps(&uid),
                                        ps(&sku_id),
                                        comment(&r.user.label())
                                    )),
                                    AssignmentSource::Group { group_id: Some(g), group, .. } => commands.push(format!(
                                        "Remove-MgGroupMemberByRef -GroupId {} -DirectoryObjectId {}  # disabled account {} in {}",
                                        ps(g.as_str()),
                                        ps(&uid),
                                        comment(&r.user.label()),
                                        comment(group.as_deref().unwrap_or(g.as_str()))
                                    )),
                                    AssignmentSource::Group { .. } => {}
                                }
                            }
                        }
                        ReclaimReason::DirectOnly => {
                            steps.push(format!(
                                "{} holds {sku} only by direct assignment, outside any licensing group: if they no longer need it, remove it (if they do, nothing is freed).",
                                r.user.label()
                            ));
                            commands.push(format!(
                                "# review first: Set-MgUserLicense -UserId {} -AddLicenses @() -RemoveLicenses @({})  # direct-only holder {}",
                                ps(&uid),
                                ps(&sku_id),
                                comment(&r.user.label())
                            ));
                        }
                    }
                }
                if !cap.direct_and_group.is_empty() {
                    steps.push(format!(
                        "Don't count on users holding {sku} both directly and through a group ({}): removing the direct copy frees no seat.",
                        cap.direct_and_group.iter().map(|u| u.label()).collect::<Vec<_>>().join(", ")
                    ));
                }
            } else {
                steps.push(format!(
                    "Check the seats of {sku} in the Microsoft 365 admin center > Billing > Licenses; buy more or free unused licenses from other users or groups."
                ));
            }
            steps.push(format!(
                "Then reprocess {group} (group > Licenses > Reprocess), or the affected users."
            ));
        }
        (
            Cause::MutuallyExclusiveViolation,
            CauseDetails::Conflict {
                conflicting_plans, ..
            },
        ) => {
            summary = format!(
                "Resolve the conflicting service plans for {} user(s): disable a plan in one assignment or remove the other license, then reprocess.",
                pend.len()
            );
            for cp in conflicting_plans {
                if !is_pending.contains(&cp.user) {
                    continue;
                }
                let uid = cp.user.key().unwrap_or_else(|| cp.user.label());
                let (plan, other) = (cp.plan.label(), cp.other_plan.label());
                match &cp.other_source {
                    AssignmentSource::Direct { sku: osku, sku_id } => {
                        let osku_l = osku.clone().unwrap_or_else(|| "the other product".into());
                        steps.push(format!(
                            "{}: disable {other} in the direct {osku_l}, or remove the direct {osku_l} if it is redundant, or disable {plan} in {sku} on {group} (affects every member).",
                            cp.user.label()
                        ));
                        if let Some(sid) = sku_id {
                            commands.push(format!(
                                "# option: Set-MgUserLicense -UserId {} -AddLicenses @() -RemoveLicenses @({})  # remove the direct {} from {}",
                                ps(&uid),
                                ps(sid.as_str()),
                                comment(&osku_l),
                                comment(&cp.user.label())
                            ));
                        }
                    }
                    AssignmentSource::Group { group_id, group: og, sku: osku, .. } => {
                        let og_l = og.clone().or_else(|| group_id.as_ref().map(|g| g.to_string())).unwrap_or_else(|| "the other group".into());
                        steps.push(format!(
                            "{}: disable {other} in {} on group {og_l}, or remove the user from {og_l} if {} is redundant, or disable {plan} in {sku} on {group} (affects every member).",
                            cp.user.label(),
                            osku.clone().unwrap_or_else(|| "the other product".into()),
                            osku.clone().unwrap_or_else(|| "it".into())
                        ));
                        if let Some(g) = group_id {
                            commands.push(format!(
                                "# option: Remove-MgGroupMemberByRef -GroupId {} -DirectoryObjectId {}  # remove {} from {}",
                                ps(g.as_str()),
                                ps(&uid),
                                comment(&cp.user.label()),
                                comment(&og_l)
                            ));
                        }
                    }
                    AssignmentSource::Unknown { .. } => steps.push(format!(
                        "{}: {plan} conflicts with {other}; find which of the user's licenses holds {other}, then disable it there or remove that license.",
                        cp.user.label()
                    )),
                }
            }
            if steps.is_empty() {
                steps.push("Find the conflicting plans (Microsoft's list of service plans that cannot be assigned at the same time) and disable one of them or remove the other license.".into());
            }
            steps.push("The decision belongs to the administrator; Entra doesn't resolve conflicts. Then reprocess the user(s).".into());
        }
        (Cause::DependencyViolation, CauseDetails::Dependency { dependencies }) => {
            summary = format!(
                "Keep the required plan through another source (or remove the dependent plan) for {} user(s), then reprocess them.",
                pend.len()
            );
            for d in dependencies {
                if !is_pending.contains(&d.user) {
                    continue;
                }
                let req: Vec<String> = d.requires.iter().map(|p| p.label()).collect();
                let opts: Vec<String> = d
                    .would_come_from
                    .iter()
                    .map(|o| match (o.how.as_str(), &o.group) {
                        ("group", Some(g)) => format!("membership of {g} ({})", o.product.label()),
                        ("user_assignment_disabled_plan", _) => {
                            format!("enable it in the user's {}", o.product.label())
                        }
                        ("direct_same_product", _) => {
                            format!("a direct {} assignment (no extra seat)", o.product.label())
                        }
                        _ => format!("a direct {} assignment", o.product.label()),
                    })
                    .collect();
                steps.push(format!(
                    "{}: {} needs {}; {}or disable/remove {}.",
                    d.user.label(),
                    d.dependent_plan.label(),
                    req.join(" or "),
                    if opts.is_empty() {
                        "assign it through another product ".to_string()
                    } else {
                        format!("keep it via {} ", opts.join(", "))
                    },
                    d.dependent_plan.label()
                ));
            }
            if steps.is_empty() {
                steps.push("Make sure the required plan is still assigned through another method, or disable the dependent service.".into());
            }
            steps.push(format!(
                "Then the {sku} license can be removed properly; reprocess the user(s)."
            ));
        }
        (
            Cause::ProhibitedInUsageLocationViolation,
            CauseDetails::UsageLocation { usage_locations },
        ) => {
            summary = format!(
                "Remove {} user(s) in unsupported locations from {group}, or correct their usageLocation, then reprocess.",
                pend.len()
            );
            for l in usage_locations {
                if !is_pending.contains(&l.user) {
                    continue;
                }
                let uid = l.user.key().unwrap_or_else(|| l.user.label());
                steps.push(format!(
                    "{} (usage location {}): if wrong, correct it{}; otherwise remove the user from {group}.",
                    l.user.label(),
                    l.note,
                    if l.synced { " at the on-premises source (synced user)" } else { "" }
                ));
                commands.push(format!(
                    "# if the location is wrong: Update-MgUser -UserId {} -UsageLocation '<country code>'  # now {}",
                    ps(&uid),
                    comment(&l.note)
                ));
            }
        }
        (
            Cause::UniquenessViolation,
            CauseDetails::Uniqueness {
                colliding,
                unexplained,
            },
        ) => {
            summary = format!(
                "Fix the duplicate proxy address(es) of {} user(s), then force license processing.",
                pend.len()
            );
            let mut addrs: Vec<&str> = Vec::new();
            for c in colliding {
                if !is_pending.contains(&c.user) {
                    continue;
                }
                let holders: Vec<String> = c
                    .holders
                    .iter()
                    .map(|h| {
                        format!(
                            "{} {}",
                            h.kind,
                            h.upn
                                .clone()
                                .or_else(|| h.display_name.clone())
                                .unwrap_or_else(|| h.id.to_string())
                        )
                    })
                    .collect();
                steps.push(format!(
                    "{}: {} is already held by {}; remove it from the object that should not have it{}.",
                    c.user.label(),
                    c.address,
                    holders.join(", "),
                    if c.synced { " (the user is synced: fix it in on-premises AD)" } else { "" }
                ));
                if !addrs.contains(&c.address.as_str()) {
                    addrs.push(&c.address);
                }
            }
            for u in unexplained {
                steps.push(format!(
                    "{}: find the colliding address in Exchange Online (Get-Recipient).",
                    u.label()
                ));
            }
            for a in addrs {
                // only plain addresses go into a generated PowerShell line: no quote of any
                // kind (PowerShell reads “ ” „ as `"` and ‘ ’ ‚ ‛ as `'`), no `$`, no backtick
                if !powershell::plain_address(a) {
                    continue;
                }
                commands.push(format!(
                    "Get-Recipient -Filter \"EmailAddresses -eq 'smtp:{a}'\" | fl DisplayName, RecipientType, EmailAddresses"
                ));
            }
            steps.push(format!("Then force license processing on {group} (group > Licenses > Reprocess) or reprocess the user(s)."));
        }
        (
            Cause::Other,
            CauseDetails::Blocked {
                blocked_by,
                unexplained,
            },
        ) => {
            summary = "Fix the error that blocks the group's other product; these users get this product with it.".into();
            for b in blocked_by {
                if !is_pending.contains(&b.user) {
                    continue;
                }
                steps.push(format!(
                    "{}: blocked by {} on {} (see that finding).",
                    b.user.label(),
                    b.cause.code(),
                    b.sku.clone().unwrap_or_else(|| "another product".into())
                ));
            }
            for u in unexplained {
                steps.push(format!(
                    "{}: check the user's other licenses from {group} and the user's audit log for failed `Change user license` events.",
                    u.label()
                ));
            }
            steps.push("Then reprocess the user(s).".into());
        }
        (Cause::ConcurrencyException, _) => {
            summary = "No action required: Entra retries until the assignment succeeds.".into();
            steps.push(
                "Wait for the retry; if a later export still shows no success, reprocess the user."
                    .into(),
            );
            return Recommendation {
                summary,
                steps,
                commands: reprocess
                    .iter()
                    .map(|l| format!("# only if it persists: {l}"))
                    .collect(),
                doc_url: entry.doc_url,
                applies_to,
            };
        }
        (Cause::MissingPrerequisite, CauseDetails::Prerequisite(p)) => {
            let base: Vec<String> = p.base_products.iter().map(|b| b.label()).collect();
            let plans: Vec<String> = p.prerequisite_plans.iter().map(|b| b.label()).collect();
            let prereq = if p.prerequisite.is_empty() {
                plans.join(" or ")
            } else {
                p.prerequisite.clone()
            };
            summary = format!(
                "Put {} and its prerequisite ({prereq}) in the same group.",
                p.add_on
            );
            let base_any = if base.is_empty() {
                "the prerequisite product".to_string()
            } else {
                base.join(" or ")
            };
            steps.push(format!(
                "Add the add-on to a group that already assigns {base_any} with {prereq} enabled, or add {base_any} to {group}."
            ));
            // the explanation names the example pair; the steps stay generic but concrete
            steps.push(format!(
                "Or create a dedicated group with {} limited to the prerequisite plan it contains{} plus {sku}: members consume one seat of each, and still one base seat if another group gives them the full product.",
                base.first().cloned().unwrap_or_else(|| "the base product".into()),
                // the plans are the add-on's alternatives; a base product holds one of them
                match plans.as_slice() {
                    [] => String::new(),
                    [p] => format!(" ({p})"),
                    more => format!(" (one of {})", more.join(", ")),
                }
            ));
            steps.push("If users have different base products (e.g. E1 and E3), make one such group per base product.".into());
        }
        (Cause::Unknown(code), _) => {
            summary = format!("Investigate error code {code}, fix the underlying problem, then reprocess the user(s).");
            steps.extend(entry.fix.iter().cloned());
        }
        _ => {
            summary = entry.title.clone();
            steps.extend(entry.fix.iter().cloned());
        }
    }
    if !matches!(f.cause, Cause::MissingPrerequisite) {
        commands.extend(reprocess);
    }
    let _ = kb;
    Recommendation {
        summary,
        steps,
        commands,
        doc_url: entry.doc_url,
        applies_to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_cause_and_procedure_has_an_entry() {
        let all = all_entries();
        for c in Cause::KNOWN {
            let e = playbook(&c);
            assert_eq!(e.cause.as_ref(), Some(&c));
            assert!(e.doc_url.starts_with("https://"), "{}", e.key);
            assert!(!e.fix.is_empty());
            assert!(all.iter().any(|x| x.key == e.key));
        }
        for key in [
            "force-group-reprocess",
            "force-user-reprocess",
            "migrate-direct-to-group",
            "change-group-license",
            "licensed-group-deleted",
            "add-on-prerequisites",
            "mail-proxyaddresses-change",
            "multiple-products-in-group",
            "find-errors",
            "cascading-dynamic-groups",
        ] {
            assert!(all.iter().any(|e| e.key == key), "{key}");
        }
        let keys: std::collections::BTreeSet<_> = all.iter().map(|e| e.key.clone()).collect();
        assert_eq!(keys.len(), all.len(), "keys are unique");
    }

    #[test]
    fn follow_ups_match_the_guide() {
        let u = playbook(&Cause::DependencyViolation).follow_up;
        assert_eq!(u.kind, FollowUpKind::ReprocessUser);
        assert!(u
            .steps
            .iter()
            .any(|s| s.contains("Invoke-MgLicenseUser -UserId")));
        assert!(u
            .steps
            .iter()
            .any(|s| s.contains("/reprocessLicenseAssignment")));
        assert_eq!(
            playbook(&Cause::ConcurrencyException).follow_up.kind,
            FollowUpKind::None
        );
        let g = playbook(&Cause::CountViolation).follow_up;
        assert!(g.steps.iter().any(|s| s.contains("Reprocess")));
        let unknown = playbook(&Cause::Unknown("FancyViolation".into()));
        assert!(unknown.title.contains("FancyViolation"));
    }

    #[test]
    fn lookup_by_key_alias_code() {
        assert_eq!(
            lookup("CountViolation").map(|e| e.key),
            Some("count-violation".into())
        );
        assert_eq!(
            lookup("count_violation").map(|e| e.key),
            Some("count-violation".into())
        );
        assert_eq!(
            lookup("LicenseAssignmentAttributeConcurrencyException").map(|e| e.key),
            Some("concurrency-exception".into())
        );
        assert_eq!(lookup("Others").map(|e| e.key), Some("other".into()));
        assert_eq!(
            lookup("reprocess-group").map(|e| e.key),
            Some("force-group-reprocess".into())
        );
        assert_eq!(lookup("nonsense"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn powershell_quoting() {
        assert_eq!(ps("o'brien"), "'o''brien'");
        assert_eq!(ps("a\nb"), "'ab'");
        assert_eq!(
            ps("x\u{2019};calc;\u{2018}"),
            "'x\u{2019}\u{2019};calc;\u{2018}\u{2018}'"
        );
    }
}
