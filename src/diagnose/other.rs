//! Other / Others: "generally indicative of error for another license assigned by the same group".
//! Each user is attributed to the sibling error on another product from the same group (snapshot);
//! failing that, to the user's failed audit events; failing that, kept as Other and said so.

use super::context::{Ctx, GroupKey, SkuKey, UKey};
use super::observe::{reported_group, reported_sku, Bucket};
use super::status::UserState;
use super::text::{fmt_time, list, plural};
use crate::model::finding::{BlockedBy, CauseDetails, UserRef};
use crate::model::snapshot::ReportedError;
use crate::model::{Cause, Outcome};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The error blocking a user's product, if the data shows one.
pub(crate) fn blocking_error(
    ctx: &Ctx<'_>,
    b: &Bucket,
    reported: &Reported<'_>,
    user: &UKey,
    at: Option<DateTime<Utc>>,
) -> Option<BlockedBy> {
    let uref = ctx.user_ref(user);
    // 1. sibling entry from the same group, other product, real cause
    if let Some(u) = ctx.user(user) {
        let mut sib: Vec<_> = u
            .license_states
            .iter()
            .filter(|st| match (&b.group, &b.sku) {
                (GroupKey::Group(g), SkuKey::Id(s)) => {
                    st.assigned_by_group.as_ref() == Some(g) && &st.sku_id != s
                }
                (GroupKey::Group(g), _) => st.assigned_by_group.as_ref() == Some(g),
                (_, SkuKey::Id(s)) => &st.sku_id != s,
                _ => true,
            })
            .filter(|st| st.error.as_ref().is_some_and(|c| *c != Cause::Other))
            .collect();
        sib.sort_by(|a, b2| a.sku_id.cmp(&b2.sku_id));
        if let Some(st) = sib.first() {
            let p = ctx.product_ref(&st.sku_id);
            return Some(BlockedBy {
                user: uref,
                cause: st.error.clone().unwrap_or(Cause::Other),
                sku: p.sku,
                sku_id: p.sku_id,
                found_in: "snapshot".into(),
                at: st.last_updated,
            });
        }
    }
    // 1b. the same in a reported error list (Microsoft's "users with license errors" CSV, the
    //     beta assignmentErrors): another product's real error from the same group, for a user
    //     the snapshot may not hold
    if let Some(x) = reported.sibling(ctx, b, user, &uref) {
        return Some(x);
    }
    // 2. the user's failed audit events: the latest at or before the Other error, else the
    //    earliest after it
    let mut cands: Vec<(DateTime<Utc>, BlockedBy)> = Vec::new();
    for &i in ctx.user_events(user) {
        let Some(e) = ctx.events.get(i) else { continue };
        if e.result == Outcome::Success {
            continue;
        }
        for err in &e.extra.errors {
            // a refused direct removal changes nothing, so it blocks no group's assignment
            if matches!(err.cause, Cause::Other | Cause::ConcurrencyException)
                || err.cause.is_refused_removal()
            {
                continue;
            }
            let sku = super::observe::sku_of_error(ctx, err);
            cands.push((
                e.time,
                BlockedBy {
                    user: uref.clone(),
                    cause: err.cause.clone(),
                    sku: ctx.sku_part(&sku),
                    sku_id: sku.id().cloned(),
                    found_in: "audit".into(),
                    at: Some(e.time),
                },
            ));
        }
    }
    let before = cands
        .iter()
        .filter(|(t, _)| at.is_none_or(|a| *t <= a))
        .max_by_key(|(t, _)| *t);
    let after = cands.iter().min_by_key(|(t, _)| *t);
    before.or(after).map(|(_, b)| b.clone())
}

/// The reported errors (Microsoft's "users with license errors" CSV, the beta assignmentErrors)
/// that can explain an `Other` from a group: real causes, by user. Built once a bucket.
pub(crate) struct Reported<'a> {
    by_user: HashMap<UKey, Vec<&'a ReportedError>>,
}

impl<'a> Reported<'a> {
    pub(crate) fn new(ctx: &Ctx<'a>, b: &Bucket) -> Reported<'a> {
        let mut by_user: HashMap<UKey, Vec<&'a ReportedError>> = HashMap::new();
        // a group is needed to call two entries siblings: all-or-nothing holds within one group
        if matches!(b.group, GroupKey::Group(_) | GroupKey::Name(_)) {
            for r in &ctx.snap.reported_errors {
                if matches!(r.cause, Cause::Other | Cause::ConcurrencyException)
                    || r.cause.is_refused_removal()
                {
                    continue;
                }
                if let Some(u) = ctx.resolve_user(r.user_id.as_ref(), r.upn.as_deref()) {
                    by_user.entry(u).or_default().push(r);
                }
            }
        }
        Reported { by_user }
    }

    /// Step 1b of [`blocking_error`]: `user`'s reported error on another product from the
    /// bucket's group (the first by product, then row).
    fn sibling(&self, ctx: &Ctx<'_>, b: &Bucket, user: &UKey, uref: &UserRef) -> Option<BlockedBy> {
        let mut sib: Vec<(SkuKey, &ReportedError)> = self
            .by_user
            .get(user)?
            .iter()
            .filter(|r| reported_group(ctx, r) == b.group)
            .map(|r| (reported_sku(ctx, r), *r))
            // a list without a product column (`GroupName,GroupId,UserName,UserId,Error`, the
            // MSOnline `UserName,UserId,GroupId,LicenseError`) names no product: the user's real
            // error from the same group is still the sibling that blocks the `Other` (§0.4)
            .filter(|(s, _)| matches!(s, SkuKey::Unknown) || *s != b.sku)
            .collect();
        sib.sort_by(|(a, _), (c, _)| a.cmp(c));
        let (sku, r) = sib.into_iter().next()?;
        Some(BlockedBy {
            user: uref.clone(),
            cause: r.cause.clone(),
            sku: ctx.sku_part(&sku),
            sku_id: sku.id().cloned(),
            found_in: "snapshot".into(),
            at: r.occurred,
        })
    }
}

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let mut blocked: Vec<BlockedBy> = Vec::new();
    let mut unexplained: Vec<UserRef> = Vec::new();
    let reported = Reported::new(ctx, b);
    for us in users {
        match blocking_error(ctx, b, &reported, &us.user, us.error_at) {
            Some(x) => blocked.push(x),
            None => unexplained.push(ctx.user_ref(&us.user)),
        }
    }
    blocked.sort();
    unexplained.sort();
    let sku = ctx.sku_label(&b.sku);
    let from = ctx
        .group_key_label(&b.group)
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    let mut parts = vec![format!(
        "{} did not get {sku}{from}: the error is recorded as Other, which generally means another product from the same group failed (group licensing assigns all of a group's products or none).",
        plural(users.len(), "user", "users")
    )];
    let mut by_cause: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for x in &blocked {
        let prod = x
            .sku
            .clone()
            .or_else(|| x.sku_id.as_ref().map(|s| s.to_string()))
            .unwrap_or_else(|| {
                if x.found_in == "audit" {
                    "a product the text does not name".into()
                } else {
                    "another product of the group (the list names no product)".into()
                }
            });
        by_cause
            .entry((x.cause.code().to_string(), prod, x.found_in.clone()))
            .or_default()
            .push(match (x.found_in.as_str(), x.at) {
                ("audit", Some(t)) => format!("{} at {}", x.user.label(), fmt_time(t)),
                _ => x.user.label(),
            });
    }
    for ((cause, prod, found), us) in &by_cause {
        let same_product = b.sku.id().is_some() && ctx.sku_label(&b.sku) == *prod;
        let what = if found == "audit" {
            if same_product {
                format!(
                    "the audit log shows {cause} on {prod} itself (the snapshot only says Other)"
                )
            } else {
                format!("blocked by {cause} on {prod} (from the audit log)")
            }
        } else {
            format!("blocked by {cause} on {prod}")
        };
        parts.push(format!(
            "{} {what}: {}.",
            plural(us.len(), "user", "users"),
            list(us, 6)
        ));
    }
    if !unexplained.is_empty() {
        let l: Vec<String> = unexplained.iter().map(|u| u.label()).collect();
        parts.push(format!(
            "For {} no sibling error and no failed audit event was found; check the user's other licenses from that group and the user's audit log (30 days, some tenants 7).",
            list(&l, 5)
        ));
    }
    if !blocked.is_empty() {
        parts.push("Fix the blocking error; these products are assigned with it.".into());
    }
    (
        CauseDetails::Blocked {
            blocked_by: blocked,
            unexplained,
        },
        parts.join(" "),
    )
}

/// For an `Other` from a group, the audit failures that are the same event as a user's sibling
/// error: a failed license change of the user with a real cause on another product of the group,
/// whose text lists this product among the "Licenses being added" (all of a group's products are
/// assigned in one operation, licensing.md §6 row 6). By user: the event's index, earliest first.
pub(crate) fn same_failure_events(
    ctx: &Ctx<'_>,
    b: &Bucket,
    users: &[UserState],
) -> Vec<(UKey, usize)> {
    let (GroupKey::Group(g), Some(part)) = (&b.group, ctx.sku_part(&b.sku)) else {
        return Vec::new();
    };
    let products = ctx.group_products(g);
    let mut out = Vec::new();
    for us in users {
        let found = ctx.user_events(&us.user).iter().copied().find(|&i| {
            ctx.events.get(i).is_some_and(|e| {
                e.result != Outcome::Success
                    && e.extra.errors.iter().any(|err| {
                        let sib = super::observe::sku_of_error(ctx, err);
                        err.cause != Cause::Other
                            && sib.id().is_some_and(|s| products.contains(s))
                            && sib != b.sku
                            && err
                                .licenses_being_added
                                .iter()
                                .any(|l| l.eq_ignore_ascii_case(&part))
                    })
            })
        });
        if let Some(i) = found {
            out.push((us.user.clone(), i));
        }
    }
    out
}
