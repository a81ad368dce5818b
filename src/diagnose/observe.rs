//! Observations: every error the inputs record, one per (user, product, source, cause, input record),
//! from the snapshot's `licenseAssignmentStates`, from reported error lists, and from failed audit
//! events. Audit observations are attached to the snapshot entry they describe when there is one,
//! otherwise their product and group are inferred (snapshot states, memberships, processing
//! windows). Observations are then bucketed by (cause, product, group): one bucket, one finding.

use super::context::{Ctx, GroupKey, SkuKey, UKey};
use crate::model::finding::CauseFoundIn;
use crate::model::hash::HashMap;
use crate::model::snapshot::{AssignedBy, ReportedError};
use crate::model::{Activity, Actor, Cause, LicenseError, Outcome, SourceRef, TargetKind};
use chrono::{DateTime, Utc};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Where an observation comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// `snapshot.users[user].license_states[state]`.
    Snapshot { user: usize, state: usize },
    /// `snapshot.reported_errors[i]`.
    Reported(usize),
    /// `ctx.events[event]`, its `errors[error]`.
    Audit { event: usize, error: usize },
}

#[derive(Clone, Debug)]
pub(crate) struct Obs {
    pub cause: Cause,
    pub sku: SkuKey,
    pub group: GroupKey,
    pub user: Option<UKey>,
    pub time: Option<DateTime<Utc>>,
    pub origin: Origin,
    pub source: SourceRef,
    /// The cause the snapshot recorded when an audit event names the real one for the same entry
    /// (`Other` in the snapshot, `CountViolation` in the log).
    pub recorded_as: Option<Cause>,
    /// Set on an audit failure that named no error code (UnspecifiedFailure) and was taken as an
    /// occurrence of the same user's real error from the same group: where that error was found
    /// ([`attribute_textless_to_real`]). `cause` is then the real one.
    pub cause_from: Option<CauseFoundIn>,
}

impl Obs {
    pub fn is_audit(&self) -> bool {
        matches!(self.origin, Origin::Audit { .. })
    }
}

pub(crate) type BucketKey = (Cause, SkuKey, GroupKey);

/// All observations of one (cause, product, group).
#[derive(Clone, Debug)]
pub(crate) struct Bucket {
    pub cause: Cause,
    pub sku: SkuKey,
    pub group: GroupKey,
    pub obs: Vec<Obs>,
    /// Audit failures of the bucket's users, product and group whose (other) cause the
    /// snapshot's later license state replaced: evidence of this finding, no error of their own
    /// ([`supersede_by_later_snapshot`]). Their `cause` is the audit's.
    pub superseded: Vec<Obs>,
}

impl Bucket {
    /// Distinct users, sorted.
    pub fn users(&self) -> Vec<UKey> {
        let s: BTreeSet<UKey> = self.obs.iter().filter_map(|o| o.user.clone()).collect();
        s.into_iter().collect()
    }
    /// Per user: the first and the last time the error was recorded, and whether a reported
    /// error list holds it.
    #[allow(clippy::type_complexity)]
    pub fn per_user(&self) -> HashMap<&UKey, (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool)> {
        let mut m: HashMap<&UKey, (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool)> =
            HashMap::default();
        for o in &self.obs {
            if let Some(u) = &o.user {
                let e = m.entry(u).or_insert((None, None, false));
                e.0 = match (e.0, o.time) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                e.1 = e.1.max(o.time);
                e.2 |= matches!(o.origin, Origin::Reported(_));
            }
        }
        m
    }
    /// The audit events the bucket's observations come from, in order, each once.
    pub fn audit_event_indexes(&self) -> Vec<usize> {
        let mut events: Vec<usize> = self
            .obs
            .iter()
            .filter_map(|o| match o.origin {
                Origin::Audit { event, .. } => Some(event),
                _ => None,
            })
            .collect();
        events.sort_unstable();
        events.dedup();
        events
    }
    /// The audit errors of the bucket, per user.
    pub fn audit_errors_by_user<'c>(
        &'c self,
        ctx: &'c Ctx<'_>,
    ) -> HashMap<&'c UKey, Vec<&'c LicenseError>> {
        let mut m: HashMap<&UKey, Vec<&LicenseError>> = HashMap::default();
        for (o, e) in self.audit_errors(ctx) {
            if let Some(u) = &o.user {
                m.entry(u).or_default().push(e);
            }
        }
        m
    }
    pub fn audit_errors<'c>(&self, ctx: &'c Ctx<'_>) -> Vec<(&Obs, &'c LicenseError)> {
        self.obs
            .iter()
            .filter_map(|o| match o.origin {
                Origin::Audit { event, error } => ctx
                    .events
                    .get(event)
                    .and_then(|e| e.extra.errors.get(error))
                    .map(|er| (o, &**er)),
                _ => None,
            })
            .collect()
    }
}

/// Collects every observation and groups them.
pub(crate) fn collect(ctx: &Ctx<'_>) -> Vec<Bucket> {
    let mut obs: Vec<Obs> = Vec::new();
    snapshot_obs(ctx, &mut obs);
    let reported = reported_obs(ctx, &obs);
    obs.extend(reported);
    let audit = audit_obs(ctx, &obs);
    obs.extend(audit);
    join_attributed_group(ctx, &mut obs);
    attribute_other_to_audit(&mut obs);
    attribute_textless_to_real(ctx, &mut obs);
    let superseded = supersede_by_later_snapshot(&mut obs);

    let mut buckets: BTreeMap<BucketKey, Bucket> = BTreeMap::new();
    for o in obs {
        let key = (o.cause.clone(), o.sku.clone(), o.group.clone());
        buckets
            .entry(key)
            .or_insert_with(|| Bucket {
                cause: o.cause.clone(),
                sku: o.sku.clone(),
                group: o.group.clone(),
                obs: Vec::new(),
                superseded: Vec::new(),
            })
            .obs
            .push(o);
    }
    for (key, o) in superseded {
        match buckets.get_mut(&key) {
            Some(b) => b.superseded.push(o),
            // cannot happen (the snapshot observation that supersedes it is in that bucket);
            // kept as its own finding rather than lost
            None => {
                buckets.insert(
                    (o.cause.clone(), o.sku.clone(), o.group.clone()),
                    Bucket {
                        cause: o.cause.clone(),
                        sku: o.sku.clone(),
                        group: o.group.clone(),
                        obs: vec![o],
                        superseded: Vec::new(),
                    },
                );
            }
        }
    }
    buckets.into_values().collect()
}

/// An audit failure whose group nothing placed (several groups were being processed at the time,
/// say) joins the group that the same user's other observations of the same cause and product
/// are attributed to, when they name exactly one group and no success of the user lies between
/// (another episode): one failure, one finding, as `timeline` attributes it through the
/// diagnosis.
fn join_attributed_group(ctx: &Ctx<'_>, obs: &mut [Obs]) {
    let mut of_user: HashMap<&UKey, Vec<usize>> = HashMap::default();
    for (i, o) in obs.iter().enumerate() {
        if let Some(u) = &o.user {
            of_user.entry(u).or_default().push(i);
        }
    }
    let mut decisions: Vec<(usize, SkuKey, GroupKey)> = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        if !o.is_audit() || o.group != GroupKey::Unknown || o.cause.is_unspecified() {
            continue;
        }
        let Some(u) = &o.user else { continue };
        let mut groups: BTreeSet<&GroupKey> = BTreeSet::new();
        let mut sku: Option<&SkuKey> = None;
        let mine = of_user.get(u).map(|v| v.as_slice()).unwrap_or(&[]);
        for a in mine.iter().filter_map(|&j| obs.get(j)) {
            if a.user.as_ref() != Some(u)
                || a.cause != o.cause
                || !matches!(a.group, GroupKey::Group(_) | GroupKey::Name(_))
                || !compatible(&a.sku, &o.sku)
            {
                continue;
            }
            if let (Some(t), Some(at)) = (o.time, a.time) {
                if licensed_between(ctx, u, t, at) {
                    continue;
                }
            }
            groups.insert(&a.group);
            if !matches!(a.sku, SkuKey::Unknown) {
                sku = match sku {
                    Some(s) if s != &a.sku => {
                        groups.insert(&GroupKey::Unknown); // two products: not one failure
                        Some(s)
                    }
                    _ => Some(&a.sku),
                };
            }
        }
        if let [one] = groups.into_iter().collect::<Vec<_>>().as_slice() {
            let s = match (&o.sku, sku) {
                (SkuKey::Unknown, Some(s)) => s.clone(),
                _ => o.sku.clone(),
            };
            decisions.push((i, s, (*one).clone()));
        }
    }
    for (i, sku, group) in decisions {
        if let Some(o) = obs.get_mut(i) {
            o.sku = sku;
            o.group = group;
        }
    }
}

/// An audit failure of a user, product and group for which the snapshot's license state, updated
/// later than the failure, records another real error: a license state holds one error
/// (licensing.md §1.1) and the snapshot is the later word, so the audit's older cause was
/// replaced. The failure leaves the observations (it is no finding of its own, and not pending)
/// and is returned with the key of the bucket of the snapshot's error, which keeps it as
/// evidence. A snapshot state with no update time, or one updated before the failure, supersedes
/// nothing.
fn supersede_by_later_snapshot(obs: &mut Vec<Obs>) -> Vec<(BucketKey, Obs)> {
    let mut snap_of_user: HashMap<&UKey, Vec<usize>> = HashMap::default();
    for (i, o) in obs.iter().enumerate() {
        if let (Some(u), Origin::Snapshot { .. }) = (&o.user, &o.origin) {
            snap_of_user.entry(u).or_default().push(i);
        }
    }
    let mut later: Vec<(usize, BucketKey)> = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        if !o.is_audit() || !is_real(&o.cause) || o.recorded_as.is_some() {
            continue;
        }
        let (Some(u), Some(t), SkuKey::Id(_)) = (&o.user, o.time, &o.sku) else {
            continue;
        };
        if !matches!(o.group, GroupKey::Group(_) | GroupKey::Name(_)) {
            continue;
        }
        let newer = snap_of_user
            .get(u)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(|&j| obs.get(j))
            .filter(|s| {
                matches!(s.origin, Origin::Snapshot { .. })
                    && s.user.as_ref() == Some(u)
                    && s.sku == o.sku
                    && s.group == o.group
                    && s.cause != o.cause
                    && is_real(&s.cause)
                    && s.time.is_some_and(|st| st > t)
            })
            .max_by_key(|s| s.time);
        if let Some(s) = newer {
            later.push((i, (s.cause.clone(), s.sku.clone(), s.group.clone())));
        }
    }
    if later.is_empty() {
        return Vec::new();
    }
    let mut keys: HashMap<usize, BucketKey> = later.into_iter().collect();
    let mut out = Vec::with_capacity(keys.len());
    let mut kept = Vec::with_capacity(obs.len());
    for (i, o) in std::mem::take(obs).into_iter().enumerate() {
        match keys.remove(&i) {
            Some(k) => out.push((k, o)),
            None => kept.push(o),
        }
    }
    *obs = kept;
    out
}

/// An entry the snapshot (or an error list) records as `Other`, for which the audit log (or a
/// reported error list) shows a real cause on the same product and group, is that cause: the observations describe one
/// error, so they land in one finding (the snapshot's word is kept in `recorded_as`). An `Other`
/// whose real cause is on a sibling product stays `Other` and is attributed later.
fn attribute_other_to_audit(obs: &mut [Obs]) {
    let mut idx: HashMap<(UKey, SkuKey), Vec<usize>> = HashMap::default();
    for (i, o) in obs.iter().enumerate() {
        if let (Some(u), SkuKey::Id(_)) = (&o.user, &o.sku) {
            idx.entry((u.clone(), o.sku.clone())).or_default().push(i);
        }
    }
    let mut decisions: Vec<(usize, Cause, GroupKey)> = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        if o.cause != Cause::Other || o.is_audit() {
            continue;
        }
        let Some(u) = &o.user else { continue };
        let Some(same) = idx.get(&(u.clone(), o.sku.clone())) else {
            continue;
        };
        let real = same
            .iter()
            .filter_map(|&j| obs.get(j))
            .filter(|a| {
                (a.group == o.group || a.group == GroupKey::Unknown)
                    && !matches!(
                        a.cause,
                        Cause::Other | Cause::ConcurrencyException | Cause::Unknown(_)
                    )
            })
            .max_by_key(|a| a.time)
            .map(|a| a.cause.clone());
        if let Some(c) = real {
            decisions.push((i, c, o.group.clone()));
        }
    }
    for (i, c, g) in decisions {
        let key = match obs.get(i) {
            Some(Obs {
                user: Some(u), sku, ..
            }) => (u.clone(), sku.clone()),
            _ => continue,
        };
        for &j in idx.get(&key).map(|v| v.as_slice()).unwrap_or(&[]) {
            let Some(a) = obs.get_mut(j) else { continue };
            if !a.is_audit() && a.cause == Cause::Other && a.group == g {
                a.recorded_as = Some(Cause::Other);
                a.cause = c.clone();
            } else if a.cause == c && a.group == GroupKey::Unknown {
                a.group = g.clone();
            }
        }
    }
}

/// A cause that names what went wrong: not `Other` (another product's error stands behind it),
/// not the transient ConcurrencyException, not a code licdiag does not know nor a failure without
/// a code.
fn is_real(c: &Cause) -> bool {
    !matches!(
        c,
        Cause::Other | Cause::ConcurrencyException | Cause::Unknown(_)
    )
}

/// A failure the audit log records without an error code (UnspecifiedFailure: a Log Analytics
/// export that projected no `ResultReason`, a reason that names no code) for a user and a group,
/// where the snapshot (or a reported error list, or another audit record) gives the same user a
/// real error from the same group, on the same product when the record names one, is an
/// occurrence of that error: the observations describe one error, so they land in one finding
/// (as [`attribute_other_to_audit`] does for the snapshot's `Other`), and the failure's time is
/// when the error was seen. A failure whose group nothing else tells (no processing run, no
/// membership change) is of the only group the snapshot shows the user in error from, if there is
/// one (the timeline's attribution too). The snapshot's (or list's) error is preferred to another
/// audit record's; then the nearest in time. An error whose time is on the other side of a
/// success of the user (the service's `Change user license`) is another episode, not this one.
/// Without such an error, the failure stays an UnspecifiedFailure.
fn attribute_textless_to_real(ctx: &Ctx<'_>, obs: &mut [Obs]) {
    let mut real: HashMap<&UKey, Vec<usize>> = HashMap::default();
    // the assignments (groups, or direct) the snapshot and error lists show each user in error
    // from, whatever the cause
    let mut erring: HashMap<&UKey, BTreeSet<&GroupKey>> = HashMap::default();
    for (i, o) in obs.iter().enumerate() {
        let Some(u) = &o.user else { continue };
        if is_real(&o.cause) {
            real.entry(u).or_default().push(i);
        }
        if !o.is_audit() {
            erring.entry(u).or_default().insert(&o.group);
        }
    }
    if real.is_empty() {
        return;
    }
    let mut decisions: Vec<(usize, Cause, SkuKey, GroupKey, CauseFoundIn)> = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        if !o.is_audit() || !o.cause.is_unspecified() {
            continue;
        }
        let (Some(u), Some(t)) = (&o.user, o.time) else {
            continue;
        };
        let group = match &o.group {
            GroupKey::Group(_) | GroupKey::Name(_) => &o.group,
            GroupKey::Unknown => {
                let mut from = erring.get(u).into_iter().flatten().copied();
                match (from.next(), from.next()) {
                    (Some(g), None) if matches!(g, GroupKey::Group(_) | GroupKey::Name(_)) => g,
                    _ => continue,
                }
            }
            GroupKey::Direct => continue,
        };
        let Some(cands) = real.get(u) else { continue };
        let best = cands
            .iter()
            .filter_map(|&j| obs.get(j))
            .filter(|r| &r.group == group && compatible(&r.sku, &o.sku))
            .filter(|r| r.time.is_none_or(|rt| !licensed_between(ctx, u, t, rt)))
            .min_by_key(|r| {
                (
                    r.is_audit(),
                    r.time
                        .map_or(i64::MAX, |rt| (rt - t).num_milliseconds().abs()),
                    r.cause.clone(),
                    r.sku.clone(),
                )
            });
        if let Some(r) = best {
            let sku = if matches!(o.sku, SkuKey::Unknown) {
                r.sku.clone()
            } else {
                o.sku.clone()
            };
            let found = if r.is_audit() {
                CauseFoundIn::Audit
            } else {
                CauseFoundIn::Snapshot
            };
            decisions.push((i, r.cause.clone(), sku, group.clone(), found));
        }
    }
    for (i, cause, sku, group, found) in decisions {
        if let Some(o) = obs.get_mut(i) {
            o.cause = cause;
            o.sku = sku;
            o.group = group;
            o.cause_from = Some(found);
        }
    }
}

/// Whether the group-based-licensing service licensed the user between two times (a successful
/// `Change user license`, or one of unknown result whose `Update user` carries the lists).
fn licensed_between(ctx: &Ctx<'_>, u: &UKey, a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    let (from, to) = if a <= b { (a, b) } else { (b, a) };
    ctx.user_events(u).iter().any(|&i| {
        ctx.events.get(i).is_some_and(|e| {
            e.time > from
                && e.time < to
                && e.activity == Activity::ChangeUserLicense
                && matches!(e.actor, Actor::GroupBasedLicensing)
                && (e.result == Outcome::Success
                    || (e.result == Outcome::Unknown && ctx.license_change_of(i).is_some()))
        })
    })
}

/// Where a user's audit error comes from: the product the record adds when the text names none,
/// then the group (or direct assignment) the user's other observations and the log point to.
fn located(
    ctx: &Ctx<'_>,
    idx: &HashMap<&UKey, Vec<&Obs>>,
    e: &crate::model::AuditEvent,
    err: &LicenseError,
    user: &UKey,
    mut sku: SkuKey,
) -> (SkuKey, GroupKey) {
    let direct_hint = match (&e.actor, &e.activity) {
        (Actor::User { .. }, Activity::ChangeUserLicense) => Some(GroupKey::Direct),
        _ => None,
    };
    if matches!(sku, SkuKey::Unknown) {
        if let Some(ch) = &e.licenses {
            // added for sure: not a product lost in a truncated old list
            if let [one] = ch.known(e.extra.licenses_cut).added.as_slice() {
                sku = match (&one.sku_id, &one.sku_name) {
                    (Some(id), _) => SkuKey::Id(id.clone()),
                    (None, Some(n)) => ctx.resolve_sku_text(n),
                    _ => SkuKey::Unknown,
                };
            }
        }
    }
    let (mut sku, group) = if err.cause == Cause::ConcurrencyException {
        infer_concurrency_source(ctx, user, e.time)
    } else {
        infer_source(
            ctx,
            idx.get(user).map(|v| v.as_slice()).unwrap_or(&[]),
            user,
            &err.cause,
            &sku,
            Some(e.time),
            direct_hint,
        )
    };
    if let (SkuKey::Unknown, GroupKey::Group(g)) = (&sku, &group) {
        sku = pick_product(ctx, g, &plan_hints(ctx, err));
    }
    (sku, group)
}

/// Observations per user (indices into `obs`).
fn by_user(obs: &[Obs]) -> HashMap<&UKey, Vec<&Obs>> {
    let mut m: HashMap<&UKey, Vec<&Obs>> = HashMap::default();
    for o in obs {
        if let Some(u) = &o.user {
            m.entry(u).or_default().push(o);
        }
    }
    m
}

fn snapshot_obs(ctx: &Ctx<'_>, out: &mut Vec<Obs>) {
    for (ui, u) in ctx.snap.users.iter().enumerate() {
        for (si, st) in u.license_states.iter().enumerate() {
            let Some(cause) = &st.error else { continue };
            out.push(Obs {
                cause: cause.clone(),
                sku: SkuKey::Id(st.sku_id.clone()),
                group: st
                    .assigned_by_group
                    .clone()
                    .map(GroupKey::Group)
                    .unwrap_or(GroupKey::Direct),
                user: Some(UKey::Id(u.id.clone())),
                time: st.last_updated.filter(|t| *t <= ctx.as_of),
                origin: Origin::Snapshot {
                    user: ui,
                    state: si,
                },
                source: u.source.clone(),
                recorded_as: None,
                cause_from: None,
            });
        }
    }
}

fn reported_obs(ctx: &Ctx<'_>, known: &[Obs]) -> Vec<Obs> {
    let idx = by_user(known);
    let mut out = Vec::new();
    // the states already joined to a row without a product ([`stated_product`])
    let mut taken: Vec<Origin> = Vec::new();
    for (i, r) in ctx.snap.reported_errors.iter().enumerate() {
        let user = ctx.resolve_user(r.user_id.as_ref(), r.upn.as_deref());
        let mut sku = reported_sku(ctx, r);
        let mut group = reported_group(ctx, r);
        if matches!(group, GroupKey::Unknown) {
            if let Some(u) = &user {
                let mine = idx.get(u).map(|v| v.as_slice()).unwrap_or(&[]);
                let (s, g) = infer_source(ctx, mine, u, &r.cause, &sku, r.occurred, None);
                sku = s;
                group = g;
            }
        } else if matches!(sku, SkuKey::Unknown) {
            // a list that names no product (the `GroupName,GroupId,UserName,UserId,Error` table,
            // MSOnline's `UserName,UserId,GroupId,LicenseError`): the product of the user's
            // state in error from that group, so that the row and the state are one error, not
            // two findings (licensing.md §4)
            if let Some(u) = &user {
                let mine = idx.get(u).map(|v| v.as_slice()).unwrap_or(&[]);
                if let Some(s) = stated_product(mine, &r.cause, &group, &mut taken) {
                    sku = s;
                }
            }
        }
        out.push(Obs {
            cause: r.cause.clone(),
            sku,
            group,
            user,
            time: r.occurred.filter(|t| *t <= ctx.as_of),
            origin: Origin::Reported(i),
            source: r.source.clone(),
            recorded_as: None,
            cause_from: None,
        });
    }
    out
}

/// The product of the state a list row without a product stands for: the user's state (`mine`)
/// with the row's error from the row's group; of several (`Other` on two products of one group),
/// the first no row took before (`taken`), else the first. `None` when no state of the user has
/// that error from that group: the row stays without a product.
fn stated_product(
    mine: &[&Obs],
    cause: &Cause,
    group: &GroupKey,
    taken: &mut Vec<Origin>,
) -> Option<SkuKey> {
    let mut cands: Vec<&Obs> = mine
        .iter()
        .copied()
        .filter(|o| &o.cause == cause && &o.group == group && !matches!(o.sku, SkuKey::Unknown))
        .collect();
    cands.sort_by(|a, b| a.sku.cmp(&b.sku));
    let o = cands
        .iter()
        .find(|o| !taken.contains(&o.origin))
        .or(cands.first())?;
    taken.push(o.origin.clone());
    Some(o.sku.clone())
}

/// The product a reported error names: its id, else its part number or name as written.
pub(crate) fn reported_sku(ctx: &Ctx<'_>, r: &ReportedError) -> SkuKey {
    match (&r.sku_id, &r.sku_part_number) {
        (Some(id), _) => SkuKey::Id(id.clone()),
        (None, Some(p)) => ctx.resolve_sku_text(p),
        (None, None) => SkuKey::Unknown,
    }
}

/// The assignment source a reported error names (a group name is the snapshot's group when one
/// group has it).
pub(crate) fn reported_group(ctx: &Ctx<'_>, r: &ReportedError) -> GroupKey {
    match &r.assigned_by {
        AssignedBy::Direct => GroupKey::Direct,
        AssignedBy::GroupId(g) => GroupKey::Group(g.clone()),
        AssignedBy::GroupName(n) => match ctx.group_by_name(n.as_str()) {
            Some(g) => GroupKey::Group(g.id.clone()),
            None => GroupKey::Name(n.trim().to_string()),
        },
        AssignedBy::Unknown => GroupKey::Unknown,
    }
}

/// Builds the pattern of [`sku_in_text`] ([`super::warm`]).
pub(super) fn warm() {
    sku_in_text("");
}

/// `for SKU [X]` of the CountViolation text (when the normalizer did not fill `sku`).
fn sku_in_text(text: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)for SKU\s*\[\s*([^\]]+?)\s*\]").expect("static regex is valid")
    });
    re.captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
        .filter(|s| !s.is_empty())
}

/// The product an audit error names.
pub(crate) fn sku_of_error(ctx: &Ctx<'_>, e: &LicenseError) -> SkuKey {
    if let Some(s) = e.sku.clone().or_else(|| sku_in_text(&e.text)) {
        return ctx.resolve_sku_text(&s);
    }
    if let [only] = e.licenses_being_added.as_slice() {
        return ctx.resolve_sku_text(only);
    }
    SkuKey::Unknown
}

fn audit_obs(ctx: &Ctx<'_>, known: &[Obs]) -> Vec<Obs> {
    let idx = by_user(known);
    let mut out = Vec::new();
    for (ei, e) in ctx.events.iter().enumerate() {
        if e.extra.errors.is_empty() || e.result == Outcome::Success {
            continue;
        }
        let user_target = e.target(TargetKind::User);
        let group_target = e.target(TargetKind::Group);
        let mut seen: Vec<&Cause> = Vec::new();
        for (xi, err) in e.extra.errors.iter().enumerate() {
            if seen.contains(&&err.cause) {
                continue; // same cause read twice from one record (reason + MethodExecutionResult)
            }
            seen.push(&err.cause);
            let mut sku = sku_of_error(ctx, err);
            if let Some(ut) = user_target {
                let Some(user) = ctx.resolve_user(ut.id.as_ref(), ut.upn.as_deref()) else {
                    continue;
                };
                // a refused direct change of the user's licenses: the product it removes (the
                // text names none), and no group's assignment failed
                let (sku, group) = if err.cause.is_refused_removal() {
                    if matches!(sku, SkuKey::Unknown) {
                        sku = super::inherited::refused_product(ctx, ei, &user);
                    }
                    (sku, GroupKey::Direct)
                } else {
                    located(ctx, &idx, e, err, &user, sku)
                };
                out.push(Obs {
                    cause: err.cause.clone(),
                    sku,
                    group,
                    user: Some(user),
                    time: Some(e.time),
                    origin: Origin::Audit {
                        event: ei,
                        error: xi,
                    },
                    source: e.source.clone(),
                    recorded_as: None,
                    cause_from: None,
                });
            } else if let Some(gt) = group_target {
                let group = match (&gt.id, &gt.display_name) {
                    (Some(id), _) => GroupKey::Group(id.clone()),
                    (None, Some(n)) => match ctx.group_by_name(n) {
                        Some(g) => GroupKey::Group(g.id.clone()),
                        None => GroupKey::Name(n.to_string()),
                    },
                    (None, None) => GroupKey::Unknown,
                };
                if matches!(sku, SkuKey::Unknown) {
                    sku = group_error_sku(
                        ctx,
                        e.licenses.as_deref().map(|c| (c, e.extra.licenses_cut)),
                        err,
                    );
                }
                out.push(Obs {
                    cause: err.cause.clone(),
                    sku,
                    group,
                    user: None,
                    time: Some(e.time),
                    origin: Origin::Audit {
                        event: ei,
                        error: xi,
                    },
                    source: e.source.clone(),
                    recorded_as: None,
                    cause_from: None,
                });
            }
        }
    }
    out
}

/// The product a group-level error is about: the one the `Set group license` added, else the
/// add-on the text names.
fn group_error_sku(
    ctx: &Ctx<'_>,
    change: Option<(
        &crate::model::LicenseChange,
        crate::model::LicenseTruncation,
    )>,
    err: &LicenseError,
) -> SkuKey {
    if let Some((ch, cut)) = change {
        if let [one] = ch.known(cut).added.as_slice() {
            return match (&one.sku_id, &one.sku_name) {
                (Some(id), _) => SkuKey::Id(id.clone()),
                (None, Some(n)) => ctx.resolve_sku_text(n),
                _ => SkuKey::Unknown,
            };
        }
    }
    if let Some(dep) = crate::knowledge::dependencies::dependency_of_error(err) {
        if let Some(id) = ctx.kb.resolve_sku(&dep.dependent) {
            return SkuKey::Id(id);
        }
        // the add-on named by its plan's friendly name: the product with that single plan
        if let Some(p) = ctx.kb.resolve_plan(&dep.dependent) {
            let skus = ctx.kb.skus_with_plan(&p);
            let owned: Vec<_> = skus
                .iter()
                .filter(|s| ctx.snap.skus.iter().any(|t| &t.sku_id == *s))
                .collect();
            if let [one] = owned.as_slice() {
                return SkuKey::Id((*one).clone());
            }
        }
    }
    SkuKey::Unknown
}

fn compatible(a: &SkuKey, b: &SkuKey) -> bool {
    matches!(a, SkuKey::Unknown) || matches!(b, SkuKey::Unknown) || a == b
}

/// Product and group of an error that does not say which group it came from.
pub(crate) fn infer_source(
    ctx: &Ctx<'_>,
    known: &[&Obs],
    user: &UKey,
    cause: &Cause,
    sku: &SkuKey,
    time: Option<DateTime<Utc>>,
    direct_hint: Option<GroupKey>,
) -> (SkuKey, GroupKey) {
    // 1. the snapshot / reported entry of the same user and cause
    let mut cands: Vec<&Obs> = known
        .iter()
        .copied()
        .filter(|o| o.user.as_ref() == Some(user) && &o.cause == cause && compatible(&o.sku, sku))
        .filter(|o| !matches!(o.group, GroupKey::Unknown) || !matches!(o.sku, SkuKey::Unknown))
        .collect();
    cands.sort_by(|a, b| {
        (a.sku != *sku)
            .cmp(&(b.sku != *sku))
            .then_with(|| a.sku.cmp(&b.sku))
            .then_with(|| a.group.cmp(&b.group))
    });
    if let Some(o) = cands.first() {
        let s = if matches!(o.sku, SkuKey::Unknown) {
            sku.clone()
        } else {
            o.sku.clone()
        };
        return (s, o.group.clone());
    }
    if let Some(d) = direct_hint {
        return (sku.clone(), d);
    }
    let u = ctx.user(user);
    if let (Some(u), SkuKey::Id(sid)) = (u, sku) {
        // 2. the user's assignments of that product from exactly one group
        let groups: BTreeSet<_> = u
            .license_states
            .iter()
            .filter(|s| &s.sku_id == sid)
            .filter_map(|s| s.assigned_by_group.clone())
            .collect();
        if groups.len() == 1 {
            if let Some(g) = groups.into_iter().next() {
                return (sku.clone(), GroupKey::Group(g));
            }
        }
        // 3. exactly one of the user's groups (memberships, or groups its other entries come
        //    from) assigns it
        let mut mine: BTreeSet<crate::model::ObjectId> =
            ctx.groups_of_user(&u.id).cloned().collect();
        mine.extend(
            u.license_states
                .iter()
                .filter_map(|s| s.assigned_by_group.clone()),
        );
        let assigning: Vec<_> = mine
            .iter()
            .filter(|g| {
                ctx.group(g)
                    .is_some_and(|gr| gr.assigned_licenses.iter().any(|l| &l.sku_id == sid))
            })
            .collect();
        if let [one] = assigning.as_slice() {
            return (sku.clone(), GroupKey::Group((*one).clone()));
        }
    }
    // 4. the group being processed at that moment
    if let Some(t) = time {
        if let Some(g) = ctx.group_processing_at(t) {
            let mut s = sku.clone();
            if matches!(s, SkuKey::Unknown) {
                if let Some(gr) = ctx.group(&g) {
                    if let [one] = gr.assigned_licenses.as_slice() {
                        s = SkuKey::Id(one.sku_id.clone());
                    }
                }
            }
            return (s, GroupKey::Group(g));
        }
        // 4b. several groups being processed at that moment, of which only one assigns the
        //     product the failure names (the snapshot's group, or a `Set group license` of it)
        if let SkuKey::Id(sid) = sku {
            let running = ctx.groups_processing_at(t);
            if running.len() > 1 {
                let assigning: Vec<&crate::model::ObjectId> = running
                    .iter()
                    .filter(|g| ctx.group_ever_assigns(g, sid))
                    .collect();
                if let [one] = assigning.as_slice() {
                    return (sku.clone(), GroupKey::Group((*one).clone()));
                }
            }
        }
        // 5. the licensing group the user joined or left shortly before (processing follows
        //    membership changes)
        if let Some(g) = recent_membership_change(ctx, user, t) {
            return (sku.clone(), GroupKey::Group(g));
        }
        // 6. the last licensing group the user joined or left, however long before (a repeat
        //    failure days after the first, with no processing run in the log): the timeline's
        //    last rule too, so both commands name the same group
        if let Some(g) = last_licensing_membership(ctx, user, t) {
            return (sku.clone(), GroupKey::Group(g));
        }
    }
    (sku.clone(), GroupKey::Unknown)
}

/// The group of the user's latest `Add member to group` / `Remove member from group` before `t`,
/// if that group licenses: the snapshot shows it assigning a product, or the log shows a license
/// set on it or processed for it.
fn last_licensing_membership(
    ctx: &Ctx<'_>,
    user: &UKey,
    t: DateTime<Utc>,
) -> Option<crate::model::ObjectId> {
    let (_, g) = last_membership_change(ctx, user, t)?;
    let licensing = ctx
        .group(&g)
        .is_some_and(|gr| !gr.assigned_licenses.is_empty())
        || ctx.group_events(&g).iter().any(|&i| {
            ctx.events.get(i).is_some_and(|e| {
                matches!(
                    e.activity,
                    Activity::SetGroupLicense
                        | Activity::StartApplyingGroupLicense
                        | Activity::FinishApplyingGroupLicense
                        | Activity::TriggerGroupLicenseRecalculation
                )
            })
        });
    licensing.then_some(g)
}

/// The group of the user's latest `Add member to group` / `Remove member from group` at most a day
/// before `t`.
fn recent_membership_change(
    ctx: &Ctx<'_>,
    user: &UKey,
    t: DateTime<Utc>,
) -> Option<crate::model::ObjectId> {
    last_membership_change(ctx, user, t)
        .filter(|(when, _)| t - *when <= chrono::Duration::hours(24))
        .map(|(_, g)| g)
}

/// When, and in which group, the user's latest membership change at or before `t` happened.
fn last_membership_change(
    ctx: &Ctx<'_>,
    user: &UKey,
    t: DateTime<Utc>,
) -> Option<(DateTime<Utc>, crate::model::ObjectId)> {
    let e = ctx
        .user_events(user)
        .iter()
        .rev()
        .filter_map(|&i| ctx.events.get(i).copied())
        .filter(|e| e.time <= t)
        .find(|e| {
            matches!(
                e.activity,
                Activity::AddMemberToGroup | Activity::RemoveMemberFromGroup
            )
        })?;
    Some((e.time, e.target(TargetKind::Group)?.id.clone()?))
}

/// Plans an error text names (conflicting pair, dependency), resolved through the catalog.
fn plan_hints(ctx: &Ctx<'_>, err: &LicenseError) -> Vec<crate::model::PlanId> {
    let mut names: Vec<String> = err.plans.clone();
    names.extend(err.requires.iter().cloned());
    if names.is_empty() {
        if let Some((a, b)) = super::conflict::named_pair(&err.text) {
            names.push(a);
            names.push(b);
        } else if let Some(d) = crate::knowledge::dependencies::parse_dependency_text(&err.text) {
            names.push(d.dependent);
            names.extend(d.requires);
        }
    }
    names
        .iter()
        .filter_map(|n| ctx.kb.resolve_plan(n))
        .collect()
}

/// The product of a group an error is about: the group's only product, else the only one of its
/// products that contains a plan the error names.
fn pick_product(
    ctx: &Ctx<'_>,
    g: &crate::model::ObjectId,
    hints: &[crate::model::PlanId],
) -> SkuKey {
    let products = ctx.group_products(g);
    if let [one] = products.as_slice() {
        return SkuKey::Id(one.clone());
    }
    let with: Vec<&crate::model::SkuId> = products
        .iter()
        .filter(|p| ctx.kb.plans_of(p).iter().any(|pl| hints.contains(pl)))
        .collect();
    match with.as_slice() {
        [one] => SkuKey::Id((*one).clone()),
        _ => SkuKey::Unknown,
    }
}

/// Concurrency exceptions name neither product nor group: the documented trigger is a user in more
/// than one group assigning the same product, so use that product, and the group the user most
/// recently joined (audit) or the group being processed.
fn infer_concurrency_source(ctx: &Ctx<'_>, user: &UKey, t: DateTime<Utc>) -> (SkuKey, GroupKey) {
    let mut shared: BTreeMap<crate::model::SkuId, BTreeSet<crate::model::ObjectId>> =
        BTreeMap::new();
    if let Some(u) = ctx.user(user) {
        let mut groups: BTreeSet<crate::model::ObjectId> =
            ctx.groups_of_user(&u.id).cloned().collect();
        groups.extend(
            u.license_states
                .iter()
                .filter_map(|s| s.assigned_by_group.clone()),
        );
        for g in &groups {
            if let Some(gr) = ctx.group(g) {
                for l in &gr.assigned_licenses {
                    shared
                        .entry(l.sku_id.clone())
                        .or_default()
                        .insert(g.clone());
                }
            }
            for s in u
                .license_states
                .iter()
                .filter(|s| s.assigned_by_group.as_ref() == Some(g))
            {
                shared
                    .entry(s.sku_id.clone())
                    .or_default()
                    .insert(g.clone());
            }
        }
    }
    shared.retain(|_, gs| gs.len() > 1);
    // the group the user was added to last, before the error
    let joined = ctx
        .user_events(user)
        .iter()
        .rev()
        .filter_map(|&i| ctx.events.get(i).copied())
        .filter(|e| e.time <= t && e.activity == Activity::AddMemberToGroup)
        .find_map(|e| e.target(TargetKind::Group).and_then(|g| g.id.clone()));
    let group = joined.or_else(|| ctx.group_processing_at(t));
    let sku = match &group {
        Some(g) => shared
            .iter()
            .find(|(_, gs)| gs.contains(g))
            .map(|(s, _)| s.clone())
            .or_else(|| {
                if shared.len() == 1 {
                    shared.keys().next().cloned()
                } else {
                    None
                }
            }),
        None => {
            if shared.len() == 1 {
                shared.keys().next().cloned()
            } else {
                None
            }
        }
    };
    (
        sku.map(SkuKey::Id).unwrap_or(SkuKey::Unknown),
        group.map(GroupKey::Group).unwrap_or(GroupKey::Unknown),
    )
}
