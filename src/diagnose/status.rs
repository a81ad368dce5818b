//! Per-user status (pending / resolved / self-resolved) and the audit correlation of a finding:
//! first and last seen, the `Set group license` that started the processing, the latest
//! `Finish applying` summary of the group, and the later events that show the error resolved.
//!
//! The snapshot wins over the audit log: an entry still in error in the snapshot is pending even if
//! the log shows a later success for something else.

use super::context::{Ctx, GroupKey, SkuKey, UKey};
use super::observe::{Bucket, Origin};
use super::text::{fmt_time, plural};
use crate::model::finding::{
    AuditCorrelation, Evidence, EvidenceInfo, ProcessingRun, Resolution, StartedBy, Status,
    MAX_REFERENCES,
};
use crate::model::snapshot::LicenseAssignmentState;
use crate::model::{Activity, Actor, AuditEvent, Cause, Outcome, TargetKind};
use chrono::{DateTime, Utc};

/// The outcome for one user of a bucket.
#[derive(Clone, Debug)]
pub(crate) struct UserState {
    pub user: UKey,
    pub status: Status,
    /// When the error was first and last recorded for the user in this finding's records.
    pub first_error_at: Option<DateTime<Utc>>,
    pub error_at: Option<DateTime<Utc>>,
    pub resolved: Option<Resolution>,
}

fn state_matches(st: &LicenseAssignmentState, sku: &SkuKey, group: &GroupKey) -> bool {
    let sku_ok = match sku {
        SkuKey::Id(id) => &st.sku_id == id,
        _ => true,
    };
    let group_ok = match group {
        GroupKey::Group(g) => st.assigned_by_group.as_ref() == Some(g),
        GroupKey::Direct => st.assigned_by_group.is_none(),
        GroupKey::Name(_) | GroupKey::Unknown => true,
    };
    sku_ok && group_ok
}

pub(crate) fn actor_label(a: &Actor) -> String {
    a.label()
}

/// Status of every user of a bucket.
pub(crate) fn user_states(ctx: &Ctx<'_>, b: &Bucket) -> Vec<UserState> {
    let mut users = b.users();
    // alphabetical by label (then key), like every list of users in the output
    users.sort_by_cached_key(|u| (ctx.user_ref(u), u.clone()));
    let per_user = b.per_user();
    let audit_only = b.obs.iter().all(|o| o.is_audit());
    users
        .into_iter()
        .map(|u| {
            let (first, t, reported) = per_user.get(&u).copied().unwrap_or((None, None, false));
            let (status, resolved) = user_outcome(ctx, b, &u, t, reported, audit_only);
            UserState {
                user: u,
                status,
                first_error_at: first,
                error_at: t,
                resolved,
            }
        })
        .collect()
}

fn user_outcome(
    ctx: &Ctx<'_>,
    b: &Bucket,
    u: &UKey,
    t: Option<DateTime<Utc>>,
    reported_here: bool,
    audit_only: bool,
) -> (Status, Option<Resolution>) {
    let snap_user = ctx.user(u);

    // 0. the user was deleted after the error: nothing is pending for a deleted user, and
    // nothing was licensed either (the timeline says "closed by deletion"). A snapshot that still
    // lists the user was taken before the deletion, unless one of its states was updated after
    // it (a user restored from the deleted items).
    let deleted = ctx.user_events(u).iter().find_map(|&i| {
        let e = ctx.events.get(i)?;
        let after_error = t.is_none_or(|t| e.time > t);
        let restored = snap_user.is_some_and(|su| {
            su.license_states
                .iter()
                .any(|st| st.last_updated.is_some_and(|lu| lu > e.time))
        });
        (e.activity == Activity::DeleteUser
            && e.result == Outcome::Success
            && e.time <= ctx.as_of
            && after_error
            && !restored)
            .then_some(e)
    });
    if let Some(e) = deleted {
        return (
            Status::Closed,
            Some(Resolution {
                when: e.time,
                how: format!(
                    "the user was deleted at {} (by {}): closed by the deletion, not licensed",
                    fmt_time(e.time),
                    actor_label(&e.actor)
                ),
            }),
        );
    }

    // a refused removal of an inherited license leaves the user the license: resolved only
    // when it is taken away later
    if b.cause.is_refused_removal() {
        return super::inherited::outcome(ctx, b, u, t);
    }

    // 0b. the user removed from the failure's group, or the failing product removed from it,
    // after the error: the group no longer assigns the product to them, so nothing of it is
    // pending, and nothing was licensed either (the timeline's `closed`). A resolution before
    // that stands.
    let (status, resolved) = open_outcome(ctx, b, u, t, reported_here, audit_only);
    match withdrawn(ctx, b, u, t) {
        Some(c) if resolved.as_ref().is_none_or(|r| r.when >= c.when) => (Status::Closed, Some(c)),
        _ => (status, resolved),
    }
}

/// When the group stopped assigning the bucket's product to the user after their last error `t`:
/// a successful `Remove member from group` of the user from the failure's group (not followed by
/// an `Add member to group` back), or a successful `Set group license` whose whole new list leaves
/// the product out (not followed by one adding it back). A snapshot state of that group (and
/// product) written after it says the user has it from the group again: nothing is withdrawn.
fn withdrawn(ctx: &Ctx<'_>, b: &Bucket, u: &UKey, t: Option<DateTime<Utc>>) -> Option<Resolution> {
    let GroupKey::Group(g) = &b.group else {
        return None;
    };
    let t = t?;
    let later = |e: &&AuditEvent| e.time > t && e.time <= ctx.as_of && e.result == Outcome::Success;
    // the user's membership of the group after the error: the latest change wins
    let left = ctx
        .user_events(u)
        .iter()
        .filter_map(|&i| ctx.events.get(i).copied())
        .filter(later)
        .filter(|e| {
            matches!(
                e.activity,
                Activity::AddMemberToGroup | Activity::RemoveMemberFromGroup
            ) && e
                .targets
                .iter()
                .any(|x| x.kind == TargetKind::Group && x.id.as_ref() == Some(g))
        })
        .max_by_key(|e| e.time)
        .filter(|e| e.activity == Activity::RemoveMemberFromGroup)
        .map(|e| {
            (
                e.time,
                format!(
                    "the user was removed from {} at {} (by {}): the group no longer assigns them \
                     its products, nothing was licensed",
                    ctx.group_label(g),
                    fmt_time(e.time),
                    actor_label(&e.actor)
                ),
            )
        });
    // the product removed from the group after the error: the latest sure word wins
    let dropped = if matches!(b.sku, SkuKey::Unknown) {
        None
    } else {
        ctx.group_events(g)
            .iter()
            .filter_map(|&i| ctx.events.get(i).copied())
            .filter(later)
            .filter(|e| e.activity == Activity::SetGroupLicense)
            .filter_map(|e| {
                let keeps = e
                    .licenses
                    .as_deref()
                    .and_then(|c| ctx.change_adds_or_keeps((c, e.extra.licenses_cut), &b.sku))?;
                Some((e, keeps))
            })
            .max_by_key(|(e, _)| e.time)
            .filter(|(_, keeps)| !keeps)
            .map(|(e, _)| {
                (
                    e.time,
                    format!(
                        "{} was removed from the group {} at {} (by {}): the group no longer \
                         assigns it, nothing was licensed",
                        ctx.sku_label(&b.sku),
                        ctx.group_label(g),
                        fmt_time(e.time),
                        actor_label(&e.actor)
                    ),
                )
            })
    };
    let (when, how) = [left, dropped]
        .into_iter()
        .flatten()
        .min_by_key(|(w, _)| *w)?;
    // a state of the group's assignment written after it: the user has it from the group again
    let back = ctx.user(u).is_some_and(|su| {
        su.license_states.iter().any(|st| {
            st.assigned_by_group.as_ref() == Some(g)
                && state_matches(st, &b.sku, &b.group)
                && st.last_updated.is_some_and(|lu| lu > when)
        })
    });
    (!back).then_some(Resolution { when, how })
}

fn open_outcome(
    ctx: &Ctx<'_>,
    b: &Bucket,
    u: &UKey,
    t: Option<DateTime<Utc>>,
    reported_here: bool,
    audit_only: bool,
) -> (Status, Option<Resolution>) {
    let resolved_status = if b.cause == Cause::ConcurrencyException {
        Status::SelfResolved
    } else {
        Status::Resolved
    };
    let snap_user = ctx.user(u);

    // 1. the snapshot (or a reported error list) still shows the error
    if reported_here {
        return (Status::Pending, None);
    }
    if let Some(su) = snap_user {
        if su
            .license_states
            .iter()
            .any(|st| st.error.is_some() && state_matches(st, &b.sku, &b.group))
        {
            return (Status::Pending, None);
        }
    }
    let Some(t) = t else {
        return (Status::Pending, None);
    };

    // 2. a later successful license change for the user that (as far as it says) keeps the
    // product. A group's assignment is applied by the group-based-licensing service alone: an
    // administrator's change (a user reprocess, which changes nothing, or a direct license) is a
    // request or a workaround, not the group's assignment going through, so only the service's
    // success counts. A direct assignment is resolved by whoever assigns it, when the change
    // shows the product in the user's new licenses (also when the data names no group).
    let direct = !matches!(b.group, GroupKey::Group(_) | GroupKey::Name(_));
    for &i in ctx.user_events(u) {
        let Some(e) = ctx.events.get(i) else { continue };
        if e.time <= t
            || e.activity != Activity::ChangeUserLicense
            || matches!(e.result, Outcome::Failure | Outcome::Timeout)
        {
            continue;
        }
        let by_service = matches!(e.actor, Actor::GroupBasedLicensing);
        let change = ctx.license_change_of(i);
        // an export that projected no result column leaves it unknown: the license lists of the
        // record's `Update user` say the change was made
        if e.result == Outcome::Unknown && change.is_none() {
            continue;
        }
        let keeps = change.and_then(|c| ctx.change_adds_or_keeps(c, &b.sku));
        let counts = if by_service {
            keeps != Some(false)
        } else {
            direct && keeps == Some(true)
        };
        if !counts {
            continue;
        }
        return (
            resolved_status,
            Some(Resolution {
                when: e.time,
                how: format!(
                    "`Change user license` {} at {} (by {})",
                    if e.result == Outcome::Unknown {
                        "was applied (its `Update user` shows the licenses; the export holds no result)"
                    } else {
                        "succeeded"
                    },
                    fmt_time(e.time),
                    actor_label(&e.actor)
                ),
            }),
        );
    }

    // 3. the snapshot shows the license applied after the error
    if let Some(su) = snap_user {
        let group_specific = matches!(b.group, GroupKey::Group(_) | GroupKey::Direct);
        let active_after = su
            .license_states
            .iter()
            .filter(|st| Ctx::holds(st) && state_matches(st, &b.sku, &b.group))
            .filter_map(|st| {
                st.last_updated
                    .filter(|lu| *lu > t && *lu <= ctx.as_of)
                    .map(|lu| (lu, st))
            })
            .max_by_key(|(lu, _)| *lu);
        if let Some((lu, st)) = active_after {
            return (
                resolved_status,
                Some(Resolution {
                    when: lu,
                    how: format!(
                        "the snapshot shows {} active from {} since {}",
                        ctx.sku_label_id(&st.sku_id),
                        ctx.source_of(st).describe(),
                        fmt_time(lu)
                    ),
                }),
            );
        }
        // 5. audit-only error of unknown source and the user now holds the product without error
        if !group_specific {
            if let SkuKey::Id(sid) = &b.sku {
                let holding: Vec<&LicenseAssignmentState> = su
                    .license_states
                    .iter()
                    .filter(|st| &st.sku_id == sid && Ctx::holds(st))
                    .collect();
                if !holding.is_empty() && audit_only {
                    let when = holding
                        .iter()
                        .filter_map(|s| s.last_updated)
                        .max()
                        .map(|lu| lu.max(t))
                        .unwrap_or(t);
                    return (
                        resolved_status,
                        Some(Resolution {
                            when,
                            how: format!(
                                "the snapshot shows {} active and no error for it",
                                ctx.sku_label_id(sid)
                            ),
                        }),
                    );
                }
            }
        }
    }

    // 4. the group's processing finished without failures after the error
    if let GroupKey::Group(g) = &b.group {
        for &i in ctx.group_events(g) {
            let Some(e) = ctx.events.get(i) else { continue };
            if e.time > t
                && e.activity == Activity::FinishApplyingGroupLicense
                && e.extra.summary.as_ref().is_some_and(|s| s.failed == 0)
            {
                return (
                    resolved_status,
                    Some(Resolution {
                        when: e.time,
                        how: format!(
                            "`Finish applying group based license to users` reported 0 failures at {}",
                            fmt_time(e.time)
                        ),
                    }),
                );
            }
        }
    }
    (Status::Pending, None)
}

/// The overall status: resolved when every user is, pending otherwise. Group-level buckets (no
/// users) are resolved by a later successful `Set group license` on the group.
pub(crate) fn bucket_status(
    ctx: &Ctx<'_>,
    b: &Bucket,
    users: &[UserState],
) -> (Status, Option<Resolution>) {
    if users.is_empty() {
        let last = b.obs.iter().filter_map(|o| o.time).max();
        if let (GroupKey::Group(g), Some(last)) = (&b.group, last) {
            for &i in ctx.group_events(g) {
                let Some(e) = ctx.events.get(i) else { continue };
                if e.time > last
                    && e.activity == Activity::SetGroupLicense
                    && e.result == Outcome::Success
                {
                    let adds = e
                        .licenses
                        .as_deref()
                        .and_then(|c| ctx.change_adds_or_keeps((c, e.extra.licenses_cut), &b.sku));
                    if adds != Some(false) {
                        return (
                            Status::Resolved,
                            Some(Resolution {
                                when: e.time,
                                how: format!(
                                    "a later `Set group license` on the group succeeded at {} (by {})",
                                    fmt_time(e.time),
                                    actor_label(&e.actor)
                                ),
                            }),
                        );
                    }
                }
            }
        }
        // the snapshot shows the group now assigns the product
        if let (GroupKey::Group(g), SkuKey::Id(s)) = (&b.group, &b.sku) {
            if ctx
                .group(g)
                .is_some_and(|gr| gr.assigned_licenses.iter().any(|l| &l.sku_id == s))
                && last.is_some()
            {
                return (
                    Status::Resolved,
                    Some(Resolution {
                        when: last.unwrap_or(ctx.as_of),
                        how: format!(
                            "the snapshot shows the group assigning {}",
                            ctx.sku_label_id(s)
                        ),
                    }),
                );
            }
        }
        return (Status::Pending, None);
    }
    if users.iter().any(|u| u.status == Status::Pending) {
        return (Status::Pending, None);
    }
    let all_self = users.iter().all(|u| u.status == Status::SelfResolved);
    let all_closed = users.iter().all(|u| u.status == Status::Closed);
    let closed = users.iter().filter(|u| u.status == Status::Closed).count();
    let last = users
        .iter()
        .filter_map(|u| u.resolved.as_ref())
        .max_by_key(|r| r.when)
        .cloned();
    let status = if all_self {
        Status::SelfResolved
    } else if all_closed {
        Status::Closed
    } else {
        Status::Resolved
    };
    let res = last.map(|r| {
        if users.len() == 1 {
            r
        } else {
            Resolution {
                when: r.when,
                how: if closed == 0 {
                    format!(
                        "all {} resolved; the last one: {}",
                        plural(users.len(), "user", "users"),
                        r.how
                    )
                } else if all_closed {
                    format!(
                        "all {} closed while in error (deleted, or no longer assigned the product by the group), not resolved; the last one: {}",
                        plural(users.len(), "user", "users"),
                        r.how
                    )
                } else {
                    format!(
                        "all {} resolved or closed ({} closed while in error, not resolved); the last one: {}",
                        plural(users.len(), "user", "users"),
                        closed,
                        r.how
                    )
                },
            }
        }
    });
    (status, res)
}

/// Evidence kind and references.
pub(crate) fn evidence(b: &Bucket) -> EvidenceInfo {
    // an audit failure whose cause the later snapshot replaced is evidence of the finding too
    let audit = b.obs.iter().any(|o| o.is_audit()) || !b.superseded.is_empty();
    let snap = b.obs.iter().any(|o| !o.is_audit());
    let source = match (snap, audit) {
        (true, true) => Evidence::Both,
        (false, true) => Evidence::Audit,
        _ => Evidence::Snapshot,
    };
    let mut refs: Vec<_> = b
        .obs
        .iter()
        .chain(&b.superseded)
        .map(|o| o.source.clone())
        .collect();
    refs.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then_with(|| a.record.cmp(&b.record))
            .then_with(|| a.line.cmp(&b.line))
    });
    refs.dedup();
    let total = refs.len();
    refs.truncate(MAX_REFERENCES);
    EvidenceInfo {
        source,
        references: refs,
        references_total: total,
    }
}

fn started_by(ctx: &Ctx<'_>, b: &Bucket, first: DateTime<Utc>) -> Option<StartedBy> {
    let GroupKey::Group(g) = &b.group else {
        return None;
    };
    let evs: Vec<&AuditEvent> = ctx
        .group_events(g)
        .iter()
        .filter_map(|&i| ctx.events.get(i).copied())
        .filter(|e| e.time <= first)
        .collect();
    // users the snapshot shows are no longer members: a change of the group's licenses is not
    // what started their error; only their own leaving (or joining) is
    let outside = {
        let us = b.users();
        !us.is_empty() && us.iter().all(|u| ctx.no_longer_member(g, u))
    };
    let pick = |a: Activity| {
        evs.iter()
            .rev()
            .find(|e| !outside && e.activity == a)
            .copied()
    };
    let ev = pick(Activity::SetGroupLicense)
        .or_else(|| pick(Activity::TriggerGroupLicenseRecalculation))
        .or_else(|| {
            // an affected user being added to (or removed from) the group
            let users: crate::model::hash::HashSet<UKey> = b.users().into_iter().collect();
            evs.iter()
                .rev()
                .find(|e| {
                    matches!(
                        e.activity,
                        Activity::AddMemberToGroup | Activity::RemoveMemberFromGroup
                    ) && e.targets.iter().any(|t| {
                        t.kind == TargetKind::User
                            && ctx
                                .resolve_user(t.id.as_ref(), t.upn.as_deref())
                                .is_some_and(|k| users.contains(&k))
                    })
                })
                .copied()
        })?;
    Some(StartedBy {
        who: actor_label(&ev.actor),
        when: ev.time,
        activity: ev.activity.name().to_string(),
    })
}

/// The group's latest processing run that licensed or failed one of the finding's users (a
/// `Change user license` of theirs since the run before it); else the run the finding's last audit
/// failure belongs to (the first `Finish applying` at or after it); else, for a finding the audit
/// log shows no failure of (the snapshot's alone), the group's latest. A
/// later run that touched none of them, such as one for a member added the next day, is about
/// other users.
fn run_summary(
    ctx: &Ctx<'_>,
    b: &Bucket,
    last_failure: Option<DateTime<Utc>>,
) -> Option<ProcessingRun> {
    let GroupKey::Group(g) = &b.group else {
        return None;
    };
    let group_events: Vec<&AuditEvent> = ctx
        .group_events(g)
        .iter()
        .filter_map(|&i| ctx.events.get(i).copied())
        .collect();
    let runs: Vec<&AuditEvent> = group_events
        .iter()
        .copied()
        .filter(|e| e.activity == Activity::FinishApplyingGroupLicense && e.extra.summary.is_some())
        .collect();
    let starts: Vec<DateTime<Utc>> = group_events
        .iter()
        .filter(|e| e.activity == Activity::StartApplyingGroupLicense)
        .map(|e| e.time)
        .collect();
    // the times the finding's users' licenses were changed or failed, sorted: a run touched them
    // if one falls inside it: from its `Start applying` (the latest at or before its end, after
    // the run before it), else from the run before it, to its end
    let mut touched: Vec<DateTime<Utc>> = b
        .users()
        .iter()
        .flat_map(|u| ctx.user_events(u).iter())
        .filter_map(|&i| ctx.events.get(i).copied())
        .filter(|e| e.activity == Activity::ChangeUserLicense)
        .map(|e| e.time)
        .collect();
    touched.sort_unstable();
    let touches = |after: Option<DateTime<Utc>>, until: DateTime<Utc>| {
        let from = after.map_or(0, |a| touched.partition_point(|t| *t <= a));
        touched.get(from).is_some_and(|t| *t <= until)
    };
    let latest_touching = runs
        .iter()
        .enumerate()
        .filter(|(k, e)| {
            let before = k.checked_sub(1).and_then(|p| runs.get(p)).map(|r| r.time);
            let start = starts
                .iter()
                .filter(|s| **s <= e.time && before.is_none_or(|b| **s > b))
                .max()
                .map(|s| *s - chrono::Duration::nanoseconds(1));
            touches(start.or(before), e.time)
        })
        .map(|(_, e)| e)
        .next_back();
    // users the snapshot shows are no longer members: only a run that touched them is theirs
    let outside = {
        let us = b.users();
        !us.is_empty() && us.iter().all(|u| ctx.no_longer_member(g, u))
    };
    // a failure the audit log shows outside every run (none contains it, none finishes after
    // it) has no run of its own: an earlier run of the group failed someone else (review 95 A4)
    latest_touching
        .or_else(|| last_failure.and_then(|t| runs.iter().find(|e| e.time >= t)))
        .or(if outside || last_failure.is_some() {
            None
        } else {
            runs.last()
        })
        .and_then(|e| {
            e.extra.summary.as_ref().map(|s| ProcessingRun {
                succeeded: s.succeeded,
                failed: s.failed,
                when: e.time,
            })
        })
}

/// Everything the audit log adds to the bucket.
pub(crate) fn correlation(
    ctx: &Ctx<'_>,
    b: &Bucket,
    resolved: Option<Resolution>,
) -> AuditCorrelation {
    // what started it is looked for before the earliest sighting, a snapshot's time included;
    // first and last seen are the audit log's failures only (a snapshot's `lastUpdatedDateTime`
    // is when the state was last written, not a failure the log shows)
    let first = b.obs.iter().filter_map(|o| o.time).min();
    let audit_times = || {
        b.obs
            .iter()
            .filter(|o| matches!(o.origin, Origin::Audit { .. }))
            .filter_map(|o| o.time)
    };
    let events = b.audit_event_indexes();
    let mut messages: Vec<String> = Vec::new();
    for (_, e) in b.audit_errors(ctx) {
        let t = e.text.trim();
        if !t.is_empty() && !messages.iter().any(|m| m == t) {
            messages.push(t.to_string());
        }
    }
    for o in &b.obs {
        if let Origin::Reported(i) = o.origin {
            if let Some(m) = ctx
                .snap
                .reported_errors
                .get(i)
                .and_then(|r| r.message.as_deref())
                .map(str::trim)
                .filter(|m| !m.is_empty())
            {
                if !messages.iter().any(|x| x == m) {
                    messages.push(m.to_string());
                }
            }
        }
    }
    messages.truncate(5);
    AuditCorrelation {
        first_seen: audit_times().min(),
        last_seen: audit_times().max(),
        started_by: first.and_then(|f| started_by(ctx, b, f)),
        processing_summary: run_summary(ctx, b, audit_times().max()),
        resolved,
        failed_events: events.len(),
        messages,
    }
}
