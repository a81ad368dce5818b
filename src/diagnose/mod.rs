//! Diagnosis: audit events + snapshot -> findings grouped by cause.
//!
//! Works with audit events alone, a snapshot alone, or both. Every error the inputs record becomes an
//! observation ([`observe`]); observations are grouped by (cause, product, group) into one finding
//! each; every finding gets per-user status and audit correlation ([`status`]), cause-specific facts
//! and an explanation computed from the data (one module per cause family), and the documented fix
//! ([`crate::recommend`]). `--as-of` is "now": events after it are ignored, and it picks the
//! conflict-table revision. Output is sorted so two runs print the same thing.

mod capacity;
mod concurrency;
mod conflict;
mod context;
mod count;
mod dependency;
mod inherited;
mod lookup;
pub(crate) mod memberships;
mod observe;
mod other;
mod prerequisite;
mod status;
mod text;
mod uniqueness;
mod unknown;
mod usage;

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use crate::knowledge::Knowledge;
use crate::model::finding::{
    AffectedUser, CauseDetails, Diagnosis, Finding, ProductRef, Recommendation, Severity,
    SkuCapacity, Status, Summary, TextlessFailure,
};
use crate::model::snapshot::Snapshot;
use crate::model::{AuditEvent, Cause};
use chrono::{DateTime, Utc};
/// The candidate addresses `analyze` checks for a duplicate proxy address, for `licdiag plan`.
pub(crate) use context::moera_domain_of;
use context::{Ctx, GroupKey, SkuKey, UKey};
use observe::Bucket;
use rayon::prelude::*;
use status::UserState;
use std::collections::{BTreeMap, BTreeSet};
pub(crate) use uniqueness::user_candidates;

/// Options of a diagnosis run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagnoseOptions {
    /// "Now": events after it are ignored; selects the conflict table (before 2025-07-14: the old one).
    pub as_of: DateTime<Utc>,
}

impl DiagnoseOptions {
    pub fn new(as_of: DateTime<Utc>) -> DiagnoseOptions {
        DiagnoseOptions { as_of }
    }
}

/// Builds what diagnosis otherwise builds on first use (its text patterns and the conflict
/// table's index), so that a thread of its own can do it while the inputs' last steps run
/// (`ReadOptions::prepare`). Diagnosis is the same either way.
pub fn warm() {
    crate::knowledge::dependencies::warm();
    crate::knowledge::conflicts::warm();
    observe::warm();
    uniqueness::warm();
}

/// Diagnoses group-based-licensing errors from audit events and/or a snapshot.
pub fn diagnose(
    events: &[AuditEvent],
    snapshot: &Snapshot,
    kb: &Knowledge,
    opts: &DiagnoseOptions,
) -> Diagnosis {
    // learn dependencies named by this run's texts (on a copy; the caller's tables stay as they are)
    let learned;
    let kb = if events.iter().any(|e| {
        e.extra.errors.iter().any(|x| {
            matches!(
                x.cause,
                Cause::DependencyViolation | Cause::MissingPrerequisite
            )
        })
    }) {
        let mut k = kb.clone();
        k.learn_from_events(events);
        learned = k;
        &learned
    } else {
        kb
    };
    let ctx = Ctx::new(events, snapshot, kb, opts.as_of);
    let buckets = observe::collect(&ctx);

    // buckets are independent: their users' states and their findings are worked out on both
    // cores (diagnosis runs after the read, on one core otherwise); the order is kept
    let states: Vec<(
        Vec<UserState>,
        Status,
        Option<crate::model::finding::Resolution>,
    )> = buckets
        .par_iter()
        .map(|b| {
            let us = status::user_states(&ctx, b);
            let (st, res) = status::bucket_status(&ctx, b, &us);
            (us, st, res)
        })
        .collect();

    let mut blocked: BTreeMap<crate::model::SkuId, BTreeSet<UKey>> = BTreeMap::new();
    for (b, (us, _, _)) in buckets.iter().zip(&states) {
        if let (Cause::CountViolation, SkuKey::Id(s)) = (&b.cause, &b.sku) {
            let set = blocked.entry(s.clone()).or_default();
            for u in us.iter().filter(|u| u.status == Status::Pending) {
                set.insert(u.user.clone());
            }
        }
    }
    // users whose assignment of a product waits behind another error (conflicting plans, a
    // duplicate address): once that is fixed they need a seat too
    let mut waiting: BTreeMap<crate::model::SkuId, BTreeSet<UKey>> = BTreeMap::new();
    for (b, (us, _, _)) in buckets.iter().zip(&states) {
        if let (Cause::MutuallyExclusiveViolation | Cause::UniquenessViolation, SkuKey::Id(s)) =
            (&b.cause, &b.sku)
        {
            let set = waiting.entry(s.clone()).or_default();
            for u in us.iter().filter(|u| u.status == Status::Pending) {
                if !blocked.get(s).is_some_and(|x| x.contains(&u.user)) {
                    set.insert(u.user.clone());
                }
            }
        }
    }
    let caps = capacity::all(&ctx, &blocked);
    let textless = textless_failures(&ctx, &buckets);
    // the uniqueness findings look up the holders of their users' addresses: the index holds
    // only those
    let mut unique = buckets
        .iter()
        .zip(&states)
        .filter(|(b, _)| b.cause == Cause::UniquenessViolation)
        .map(|(b, (us, _, _))| (b, us.as_slice()))
        .peekable();
    if unique.peek().is_some() {
        ctx.address_index_for(&uniqueness::wanted(&ctx, unique));
    }

    // where each finding's failing assignment comes from (a direct one is retried, not reprocessed)
    let origins: Vec<crate::recommend::Origin> = buckets
        .iter()
        .map(|b| match b.group {
            GroupKey::Group(_) | GroupKey::Name(_) => crate::recommend::Origin::Group,
            GroupKey::Direct => crate::recommend::Origin::Direct,
            GroupKey::Unknown => crate::recommend::Origin::Unknown,
        })
        .collect();
    // each bucket's observations are freed as its finding is made, not held beside them all
    let mut findings: Vec<Finding> = buckets
        .into_par_iter()
        .zip(states)
        .map(|(b, (us, st, res))| build_finding(&ctx, &b, us, st, res, &caps, &waiting))
        .collect();
    // The recommendations (a step per user to free a seat or to fix: most of a large tenant's
    // report) are written from the findings alone, once the observations and the context's
    // indexes are freed: written beside them, they were the top of the run's memory.
    let conflict_table = ctx.version.as_str().to_string();
    // groups the audit shows deleted (guide, "When a licensed group is deleted"): no finding of
    // theirs is fixed on the group
    let deleted_groups: Vec<(crate::model::ObjectId, String)> = findings
        .iter()
        .filter_map(|f| f.group_id.as_ref())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter_map(|g| {
            let e = ctx
                .group_events(g)
                .iter()
                .filter_map(|&i| ctx.events.get(i).copied())
                .find(|e| {
                    e.activity == crate::model::Activity::DeleteGroup
                        && e.result == crate::model::Outcome::Success
                })?;
            Some((
                g.clone(),
                format!(
                    "{} was deleted at {} by {}",
                    ctx.group_label(g),
                    text::fmt_time(e.time),
                    e.actor.label()
                ),
            ))
        })
        .collect();
    drop(ctx);
    let tenant =
        crate::recommend::Tenant::new(snapshot, &findings).with_deleted_groups(deleted_groups);
    findings
        .par_iter_mut()
        .zip(origins)
        .for_each(|(f, o)| f.recommendation = crate::recommend::recommend(f, kb, &tenant, o));
    // Root causes first: an `Other` whose users are all explained by a sibling's error is a
    // consequence, listed after the causes that explain it; then by affected users.
    let derived = |f: &Finding| {
        f.cause == Cause::Other
            && matches!(&f.details, CauseDetails::Blocked { unexplained, .. } if unexplained.is_empty())
    };
    findings.sort_by(|a, b| {
        derived(a)
            .cmp(&derived(b))
            .then_with(|| b.users_affected().cmp(&a.users_affected()))
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.cause.cmp(&b.cause))
            .then_with(|| a.sku.cmp(&b.sku))
            .then_with(|| a.sku_id.cmp(&b.sku_id))
            .then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.group_id.cmp(&b.group_id))
    });
    let summary = summarize(&findings);
    Diagnosis {
        findings,
        capacity: caps,
        summary,
        as_of: opts.as_of,
        conflict_table,
        catalog: kb.catalog_version(),
        textless,
    }
}

/// The audit failures without an error code that the observations took as occurrences of a real
/// error, for the timeline.
fn textless_failures(ctx: &Ctx<'_>, buckets: &[Bucket]) -> Vec<TextlessFailure> {
    let mut out: Vec<TextlessFailure> = buckets
        .iter()
        .flat_map(|b| b.obs.iter())
        .filter_map(|o| {
            Some(TextlessFailure {
                source: o.source.clone(),
                cause: o.cause.clone(),
                sku: ctx.sku_part(&o.sku),
                group_id: o.group.id().cloned(),
                found_in: o.cause_from?,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.source
            .file
            .cmp(&b.source.file)
            .then_with(|| a.source.record.cmp(&b.source.record))
    });
    out
}

/// The severity of an error of `cause` in `status`: what `analyze` gives a finding, and what
/// `timeline` and `diff` give the errors they show (for `--fail-on`). A resolved or self-resolved
/// error is information; a pending ConcurrencyException (transient: Entra retries it) and a pending
/// Other whose blocking error the data does not show (`blocker_known` false: another product's
/// error from the same group, which Other stands for) are warnings; every other pending error is an
/// error. A pending refused direct removal of an inherited license
/// (`InvalidOperationOnGroupInheritedLicenseException`) is a warning too: an administrator's
/// change refused at once, after which no user is without a license and nothing is in error on
/// the user (there may be nothing to do). `blocker_known` only matters for Other.
pub fn severity(cause: &Cause, status: Status, blocker_known: bool) -> Severity {
    match (cause, status) {
        (_, Status::Resolved | Status::SelfResolved | Status::Closed) => Severity::Info,
        (Cause::ConcurrencyException, _) => Severity::Warning,
        (c, _) if c.is_refused_removal() => Severity::Warning,
        (Cause::Other, _) if !blocker_known => Severity::Warning,
        _ => Severity::Error,
    }
}

fn build_finding(
    ctx: &Ctx<'_>,
    b: &Bucket,
    users: Vec<UserState>,
    status: Status,
    resolved: Option<crate::model::finding::Resolution>,
    caps: &[std::sync::Arc<SkuCapacity>],
    waiting: &BTreeMap<crate::model::SkuId, BTreeSet<UKey>>,
) -> Finding {
    let (details, mut explanation) = match &b.cause {
        Cause::CountViolation => {
            let w = b
                .sku
                .id()
                .and_then(|s| waiting.get(s))
                .map_or(0, |w| w.len());
            count::enrich(ctx, b, &users, caps, w)
        }
        Cause::MutuallyExclusiveViolation => conflict::enrich(ctx, b, &users),
        Cause::DependencyViolation => dependency::enrich(ctx, b, &users),
        Cause::ProhibitedInUsageLocationViolation => usage::enrich(ctx, b, &users),
        Cause::UniquenessViolation => uniqueness::enrich(ctx, b, &users),
        Cause::Other => other::enrich(ctx, b, &users),
        Cause::ConcurrencyException => concurrency::enrich(ctx, b, &users),
        Cause::MissingPrerequisite => prerequisite::enrich(ctx, b),
        Cause::Unknown(c) if c.as_str() == crate::model::cause::INVALID_USAGE_LOCATION => {
            usage::enrich_invalid(ctx, b, &users)
        }
        c if c.is_refused_removal() => inherited::enrich(ctx, b, &users),
        Cause::Unknown(_) => unknown::enrich(ctx, b, &users),
    };
    let relabeled: Vec<String> = {
        let mut v: Vec<String> = b
            .obs
            .iter()
            .filter(|o| o.recorded_as.is_some())
            .filter_map(|o| o.user.as_ref().map(|u| ctx.user_label(u)))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    if !relabeled.is_empty() {
        explanation.push_str(&format!(
            " The snapshot records this as Other for {}; the audit log (or error list) names {} on the same product.",
            text::list(&relabeled, 5),
            b.cause.code()
        ));
    }
    explanation.push_str(&superseded_sentence(ctx, b));
    explanation.push_str(&textless_sentence(ctx, b));
    if status != Status::Pending
        && !matches!(b.cause, Cause::CountViolation | Cause::ConcurrencyException)
    {
        if let Some(r) = &resolved {
            explanation.push_str(&format!(" Resolved: {}.", r.how));
        }
    }
    let blocker_known =
        !matches!(&details, CauseDetails::Blocked { blocked_by, .. } if blocked_by.is_empty());
    let severity = severity(&b.cause, status, blocker_known);
    let not_assigned = not_assigned_products(ctx, b, &users);
    let audit = status::correlation(ctx, b, resolved);
    let mut evidence = status::evidence(b);
    // an `Other` whose sibling's failure the audit log shows, naming this product among those
    // being added: the same event, so its time and record are this finding's too
    let mut users = users;
    if b.cause == Cause::Other {
        let same = other::same_failure_events(ctx, b, &users);
        let listed = evidence.references.len();
        for (u, i) in &same {
            let Some(e) = ctx.events.get(*i) else {
                continue;
            };
            if let Some(us) = users.iter_mut().find(|s| &s.user == u) {
                us.first_error_at = Some(us.first_error_at.map_or(e.time, |t| t.min(e.time)));
            }
            evidence.references.push(e.source.clone());
        }
        if !same.is_empty() {
            evidence.source = match evidence.source {
                crate::model::finding::Evidence::Audit => crate::model::finding::Evidence::Audit,
                _ => crate::model::finding::Evidence::Both,
            };
            evidence.references.sort_by(|a, b| {
                a.file
                    .cmp(&b.file)
                    .then_with(|| a.record.cmp(&b.record))
                    .then_with(|| a.line.cmp(&b.line))
            });
            evidence.references.dedup();
            evidence.references_total += evidence.references.len().saturating_sub(listed);
            evidence
                .references
                .truncate(crate::model::finding::MAX_REFERENCES);
        }
    }
    let (group_id, group) = match &b.group {
        GroupKey::Group(g) => (Some(g.clone()), Some(ctx.group_label(g))),
        GroupKey::Name(n) => (None, Some(n.clone())),
        GroupKey::Direct | GroupKey::Unknown => (None, None),
    };
    let users: Vec<AffectedUser> = users
        .into_iter()
        .map(|u| AffectedUser {
            user: ctx.user_ref(&u.user),
            status: u.status,
            first_error_at: u.first_error_at,
            error_at: u.error_at,
            resolved: u.resolved,
        })
        .collect();
    Finding {
        cause: b.cause.clone(),
        severity,
        status,
        sku: ctx.sku_part(&b.sku),
        sku_id: b.sku.id().cloned(),
        group_id,
        group,
        users,
        evidence,
        explanation,
        details,
        not_assigned_products: not_assigned,
        audit,
        recommendation: Recommendation::default(),
    }
}

/// What the finding says of the audit failures whose older cause the snapshot's later license
/// state replaced (observe's `supersede_by_later_snapshot`): which cause, when, and that the
/// snapshot's is the current one. Empty when there are none.
fn superseded_sentence(ctx: &Ctx<'_>, b: &Bucket) -> String {
    let mut by: BTreeMap<(String, String), (DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for o in &b.superseded {
        let (Some(u), Some(t)) = (&o.user, o.time) else {
            continue;
        };
        let e = by
            .entry((o.cause.code().to_string(), ctx.user_label(u)))
            .or_insert((t, t));
        e.0 = e.0.min(t);
        e.1 = e.1.max(t);
    }
    let mut out = String::new();
    for ((cause, user), (first, last)) in by {
        let when = if first == last {
            format!("at {}", text::fmt_time(first))
        } else {
            format!("from {} to {}", text::fmt_time(first), text::fmt_time(last))
        };
        out.push_str(&format!(
            " The audit log recorded {cause} for {user} {when}; the snapshot, updated later, records {} for the same product and group: a license state holds one error, so the older {cause} was replaced and is not pending.",
            b.cause.code()
        ));
    }
    out
}

/// What the finding says of its audit failures that named no error code and are occurrences of
/// its error ([`observe`]'s `attribute_textless_to_real`): that the log's failures carry no error
/// text (or name no code), and where the cause comes from. Empty when there are none.
fn textless_sentence(ctx: &Ctx<'_>, b: &Bucket) -> String {
    use crate::model::finding::CauseFoundIn;
    let mut out = String::new();
    for found in [CauseFoundIn::Snapshot, CauseFoundIn::Audit] {
        let mut users: Vec<String> = Vec::new();
        let mut texts = false;
        for (o, e) in b.audit_errors(ctx) {
            if o.cause_from != Some(found) {
                continue;
            }
            texts |= !e.text.trim().is_empty();
            if let Some(u) = &o.user {
                users.push(ctx.user_label(u));
            }
        }
        if users.is_empty() {
            continue;
        }
        users.sort();
        users.dedup();
        let what = if texts {
            "name no error code"
        } else {
            "carry no error text"
        };
        let from = match found {
            CauseFoundIn::Snapshot => format!(
                "the cause, {}, comes from the snapshot, which shows it for the same user and group",
                b.cause.code()
            ),
            CauseFoundIn::Audit => format!(
                "the cause, {}, comes from another audit record of the same user and group, which names it",
                b.cause.code()
            ),
        };
        out.push_str(&format!(
            " The audit log's failures of {} {what} ({}): {from}.",
            text::list(&users, 5),
            crate::model::cause::UNSPECIFIED_FAILURE
        ));
    }
    out
}

/// Products of the same group the pending users did not get because this one failed: those no
/// pending user holds from the group. A user the snapshot shows holding a product of the group
/// (`Active`: assigned before this one was added, say) did get it, so a product is listed only when
/// the snapshot shows it held by none of them (a user the snapshot does not hold tells nothing,
/// unless the finding's product is known: then all-or-nothing says the group's other products
/// were not assigned either).
fn not_assigned_products(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> Vec<ProductRef> {
    if matches!(
        b.cause,
        Cause::Other | Cause::ConcurrencyException | Cause::MissingPrerequisite
    ) {
        return Vec::new();
    }
    let GroupKey::Group(g) = &b.group else {
        return Vec::new();
    };
    let mut common: Option<BTreeSet<crate::model::SkuId>> = None;
    // all-or-nothing is about the group's members: a user no longer one is left out
    for us in users
        .iter()
        .filter(|u| u.status == Status::Pending && !ctx.no_longer_member(g, &u.user))
    {
        let mut out: BTreeSet<crate::model::SkuId> = BTreeSet::new();
        let Some(u) = ctx.user(&us.user) else {
            // no snapshot of the user: the group's other products (from the snapshot group or the
            // latest `Set group license`) were not assigned either
            if b.sku.id().is_some() {
                out.extend(
                    ctx.group_products(g)
                        .into_iter()
                        .filter(|s| Some(s) != b.sku.id()),
                );
                common = Some(match common {
                    Some(c) => c.intersection(&out).cloned().collect(),
                    None => out,
                });
            }
            continue;
        };
        for st in &u.license_states {
            if st.assigned_by_group.as_ref() == Some(g)
                && Some(&st.sku_id) != b.sku.id()
                && st.error == Some(Cause::Other)
            {
                out.insert(st.sku_id.clone());
            }
        }
        if let Some(gr) = ctx.group(g) {
            for l in &gr.assigned_licenses {
                if Some(&l.sku_id) == b.sku.id() {
                    continue;
                }
                let has = u.license_states.iter().any(|st| {
                    st.assigned_by_group.as_ref() == Some(g)
                        && st.sku_id == l.sku_id
                        && Ctx::holds(st)
                });
                if !has {
                    out.insert(l.sku_id.clone());
                }
            }
        }
        common = Some(match common {
            Some(c) => c.intersection(&out).cloned().collect(),
            None => out,
        });
    }
    common
        .unwrap_or_default()
        .iter()
        .map(|s| ctx.product_ref(s))
        .collect()
}

fn summarize(findings: &[Finding]) -> Summary {
    let mut pending: BTreeSet<String> = BTreeSet::new();
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mut by_cause: BTreeMap<String, usize> = BTreeMap::new();
    let (mut e, mut w, mut i) = (0, 0, 0);
    for f in findings {
        *by_cause.entry(f.cause.code().to_string()).or_default() += 1;
        match f.severity {
            Severity::Error => e += 1,
            Severity::Warning => w += 1,
            Severity::Info => i += 1,
        }
        for u in &f.users {
            let k = u
                .user
                .key()
                .unwrap_or_else(|| u.user.label())
                .to_lowercase();
            // a refused removal leaves its users their license: named, not affected
            if u.status == Status::Pending && f.cause.leaves_users_unlicensed() {
                pending.insert(k.clone());
            }
            named.insert(k);
        }
    }
    Summary {
        users_affected: pending.len(),
        users_named: named.len(),
        findings_by_cause: by_cause,
        errors: e,
        warnings: w,
        infos: i,
    }
}
