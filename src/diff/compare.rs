//! Comparing two snapshots: license errors keyed by (user, product, assigning group), seats per
//! product, licenses per group, users. A part is compared only when both sides have it, so a
//! missing export never reads as "everything cleared".

use super::model::{
    AddressChange, ChangedError, ClearedAs, ClearedError, Conversion, Count, DiffDoc, DiffSummary,
    DisabledPlansChange, ErrorEntry, GroupLicenseChange, GroupRef, Presence, SeatChange, Side, Via,
};
use crate::knowledge::Knowledge;
use crate::model::finding::{PlanRef, ProductRef, UserRef};
use crate::model::hash::HashMap;
use crate::model::snapshot::{
    AssignedSku, AssignmentState, Group, LicenseAssignmentState, Snapshot, SubscribedSku, User,
};
use crate::model::{ObjectId, PlanId, SkuId};
use std::collections::{BTreeMap, BTreeSet};

type ErrKey = (ObjectId, SkuId, Option<ObjectId>);

/// Labels for ids, from NEW first, then OLD, then the catalog.
struct Names<'a> {
    old: &'a Snapshot,
    new: &'a Snapshot,
    kb: &'a Knowledge,
    /// Users by id, NEW's first: each label was a scan of both user lists (a diff of two
    /// 100k-user snapshots took 67-100 s, nearly all of it in those scans).
    users: HashMap<&'a ObjectId, &'a User>,
}

impl<'a> Names<'a> {
    fn new(old: &'a Snapshot, new: &'a Snapshot, kb: &'a Knowledge) -> Names<'a> {
        let mut users = HashMap::default();
        for u in new.users.iter().chain(old.users.iter()) {
            users.entry(&u.id).or_insert(u);
        }
        Names {
            old,
            new,
            kb,
            users,
        }
    }

    fn user(&self, id: &ObjectId) -> UserRef {
        let u = self.users.get(id);
        UserRef {
            id: Some(id.clone()),
            upn: u.and_then(|u| u.upn.clone()),
            display_name: u.and_then(|u| u.display_name.clone()),
        }
    }

    fn group(&self, id: &ObjectId) -> GroupRef {
        GroupRef {
            id: id.clone(),
            name: self
                .new
                .groups
                .iter()
                .chain(self.old.groups.iter())
                .filter(|g| &g.id == id)
                .find_map(|g| g.display_name.clone()),
        }
    }

    fn product(&self, id: &SkuId) -> ProductRef {
        let from_skus = self
            .new
            .skus
            .iter()
            .chain(self.old.skus.iter())
            .filter(|s| &s.sku_id == id)
            .find_map(|s| s.part_number.clone());
        ProductRef {
            sku: self.kb.sku_part_number(id).map(String::from).or(from_skus),
            sku_id: Some(id.clone()),
        }
    }

    fn plan(&self, id: &PlanId) -> PlanRef {
        PlanRef {
            name: self.kb.plan_name(id).map(String::from),
            id: Some(id.clone()),
            display_name: self.kb.plan_display_name(id).map(String::from),
        }
    }

    fn via(&self, g: &Option<ObjectId>) -> Via {
        match g {
            None => Via::Direct,
            Some(g) => Via::Group(self.group(g)),
        }
    }
}

fn state_label(s: &AssignmentState) -> String {
    match s {
        AssignmentState::Active => "Active".into(),
        AssignmentState::ActiveWithError => "ActiveWithError".into(),
        AssignmentState::Disabled => "Disabled".into(),
        AssignmentState::Error => "Error".into(),
        AssignmentState::Unknown(s) if s.is_empty() => "unknown".into(),
        AssignmentState::Unknown(s) => s.to_string(),
    }
}

/// Every assignment state by key (the first one wins when an export repeats a key).
fn states(snap: &Snapshot) -> BTreeMap<ErrKey, (&User, &LicenseAssignmentState)> {
    let mut m = BTreeMap::new();
    for u in &snap.users {
        for st in &u.license_states {
            m.entry((
                u.id.clone(),
                st.sku_id.clone(),
                st.assigned_by_group.clone(),
            ))
            .or_insert((u, st));
        }
    }
    m
}

fn error_count(snap: &Snapshot) -> usize {
    snap.users
        .iter()
        .flat_map(|u| u.license_states.iter())
        .filter(|s| s.error.is_some())
        .count()
}

fn side(path: &str, s: &Snapshot) -> Side {
    Side {
        path: path.to_string(),
        users: s.users.len(),
        groups: s.groups.len(),
        skus: s.skus.len(),
        errors: error_count(s),
    }
}

fn missing(part: &str, old: bool, new: bool) -> Option<String> {
    match (old, new) {
        (true, true) => None,
        (false, false) => Some(format!("{part}: in neither snapshot")),
        (false, true) => Some(format!("{part}: OLD has none")),
        (true, false) => Some(format!("{part}: NEW has none")),
    }
}

fn user_sort_key(u: &UserRef) -> (String, Option<ObjectId>) {
    (u.label().to_lowercase(), u.id.clone())
}

/// Compares two snapshots.
pub fn compare(
    old: &Snapshot,
    new: &Snapshot,
    old_path: &str,
    new_path: &str,
    kb: &Knowledge,
) -> DiffDoc {
    let names = Names::new(old, new, kb);
    let mut not_compared: Vec<String> = Vec::new();
    let users_ok = !old.users.is_empty() && !new.users.is_empty();
    not_compared.extend(missing(
        "license errors and users (users export)",
        !old.users.is_empty(),
        !new.users.is_empty(),
    ));
    not_compared.extend(missing(
        "seats (subscribedSkus export)",
        !old.skus.is_empty(),
        !new.skus.is_empty(),
    ));
    not_compared.extend(missing(
        "group licenses (groups export)",
        !old.groups.is_empty(),
        !new.groups.is_empty(),
    ));
    if !old.reported_errors.is_empty() || !new.reported_errors.is_empty() {
        not_compared.push(
            "reported error lists (assignmentErrors, license-error CSV): diff compares the users' licenseAssignmentStates".into(),
        );
    }

    let (mut new_errors, mut cleared_errors, mut changed_errors) =
        (Vec::new(), Vec::new(), Vec::new());
    let (mut users_added, mut users_removed) = (Vec::new(), Vec::new());
    let (mut converted_to_direct, mut addresses_changed) = (Vec::new(), Vec::new());
    if users_ok {
        errors(
            &names,
            old,
            new,
            &mut new_errors,
            &mut cleared_errors,
            &mut changed_errors,
        );
        let old_ids: BTreeSet<&ObjectId> = old.users.iter().map(|u| &u.id).collect();
        let new_ids: BTreeSet<&ObjectId> = new.users.iter().map(|u| &u.id).collect();
        users_added = new_ids
            .difference(&old_ids)
            .map(|id| names.user(id))
            .collect();
        users_removed = old_ids
            .difference(&new_ids)
            .map(|id| names.user(id))
            .collect();
        users_added.sort_by_key(user_sort_key);
        users_removed.sort_by_key(user_sort_key);
        let both = in_both(old, new);
        converted_to_direct = conversions(&names, &both);
        addresses_changed = addresses(&names, &both);
    }
    let seats = if !old.skus.is_empty() && !new.skus.is_empty() {
        seats(&names, &old.skus, &new.skus)
    } else {
        Vec::new()
    };
    let group_licenses = if !old.groups.is_empty() && !new.groups.is_empty() {
        groups(&names, &old.groups, &new.groups)
    } else {
        Vec::new()
    };
    DiffDoc {
        old: side(old_path, old),
        new: side(new_path, new),
        summary: DiffSummary {
            new_errors: new_errors.len(),
            cleared_errors: cleared_errors.len(),
            changed_errors: changed_errors.len(),
            seat_changes: seats.len(),
            group_license_changes: group_licenses.len(),
            users_added: users_added.len(),
            users_removed: users_removed.len(),
            converted_to_direct: converted_to_direct.len(),
            addresses_changed: addresses_changed.len(),
        },
        new_errors,
        cleared_errors,
        changed_errors,
        seats,
        group_licenses,
        users_added,
        users_removed,
        converted_to_direct,
        addresses_changed,
        not_compared,
        warnings: Vec::new(),
    }
}

/// The users of both snapshots, as (OLD, NEW).
fn in_both<'a>(old: &'a Snapshot, new: &'a Snapshot) -> Vec<(&'a User, &'a User)> {
    let old_users: BTreeMap<&ObjectId, &User> = old.users.iter().map(|u| (&u.id, u)).collect();
    new.users
        .iter()
        .filter_map(|nu| Some((*old_users.get(&nu.id)?, nu)))
        .collect()
}

/// Products users of both snapshots held only from groups in OLD and hold directly in NEW.
fn conversions(names: &Names<'_>, both: &[(&User, &User)]) -> Vec<Conversion> {
    let mut out = Vec::new();
    for &(ou, nu) in both {
        let direct_now: BTreeSet<&SkuId> = nu
            .license_states
            .iter()
            .filter(|s| s.assigned_by_group.is_none())
            .map(|s| &s.sku_id)
            .collect();
        for sku in direct_now {
            let was: Vec<&LicenseAssignmentState> = ou
                .license_states
                .iter()
                .filter(|s| &s.sku_id == sku)
                .collect();
            if was.is_empty() || was.iter().any(|s| s.assigned_by_group.is_none()) {
                continue;
            }
            let from: BTreeSet<&ObjectId> = was
                .iter()
                .filter_map(|s| s.assigned_by_group.as_ref())
                .collect();
            out.push(Conversion {
                user: names.user(&nu.id),
                product: names.product(sku),
                from: from.into_iter().map(|g| names.group(g)).collect(),
            });
        }
    }
    out.sort_by(|a, b| {
        user_sort_key(&a.user)
            .cmp(&user_sort_key(&b.user))
            .then_with(|| a.product.label().cmp(&b.product.label()))
    });
    out
}

/// Users of both snapshots whose mail or proxy addresses differ (compared in any case; a proxy
/// address's `SMTP:` / `smtp:` prefix is part of it: primary or secondary).
fn addresses(names: &Names<'_>, both: &[(&User, &User)]) -> Vec<AddressChange> {
    let mut out = Vec::new();
    for &(ou, nu) in both {
        let norm = |m: Option<&str>| m.map(|m| m.trim().to_lowercase());
        let (om, nm) = (ou.mail.as_deref(), nu.mail.as_deref());
        let mail = (norm(om) != norm(nm)).then(|| (om.map(String::from), nm.map(String::from)));
        let set = |u: &User| -> BTreeMap<String, String> {
            u.proxy_addresses
                .iter()
                .map(|a| {
                    let a = a.trim();
                    // the prefix as written (primary or secondary), the address in any case
                    let key = match a.split_once(':') {
                        Some((p, rest)) => format!("{p}:{}", rest.to_lowercase()),
                        None => a.to_lowercase(),
                    };
                    (key, a.to_string())
                })
                .collect()
        };
        let (op, np) = (set(ou), set(nu));
        let proxy_added: Vec<String> = np
            .iter()
            .filter(|(k, _)| !op.contains_key(*k))
            .map(|(_, a)| a.clone())
            .collect();
        let proxy_removed: Vec<String> = op
            .iter()
            .filter(|(k, _)| !np.contains_key(*k))
            .map(|(_, a)| a.clone())
            .collect();
        if mail.is_some() || !proxy_added.is_empty() || !proxy_removed.is_empty() {
            out.push(AddressChange {
                user: names.user(&nu.id),
                mail,
                proxy_added,
                proxy_removed,
            });
        }
    }
    out.sort_by_key(|a| user_sort_key(&a.user));
    out
}

fn entry(names: &Names<'_>, key: &ErrKey, st: &LicenseAssignmentState) -> Option<ErrorEntry> {
    Some(ErrorEntry {
        user: names.user(&key.0),
        product: names.product(&key.1),
        via: names.via(&key.2),
        cause: st.error.clone()?,
        state: state_label(&st.state),
        last_updated: st.last_updated,
    })
}

fn errors(
    names: &Names<'_>,
    old: &Snapshot,
    new: &Snapshot,
    new_errors: &mut Vec<ErrorEntry>,
    cleared: &mut Vec<ClearedError>,
    changed: &mut Vec<ChangedError>,
) {
    let before = states(old);
    let after = states(new);
    let new_users: BTreeSet<&ObjectId> = new.users.iter().map(|u| &u.id).collect();
    for (key, (_, st)) in &before {
        let Some(was) = entry(names, key, st) else {
            continue;
        };
        match after.get(key) {
            Some((_, now)) => match &now.error {
                Some(c) if *c != was.cause => changed.push(ChangedError {
                    user: was.user,
                    product: was.product,
                    via: was.via,
                    old_cause: was.cause,
                    new_cause: c.clone(),
                    old_state: was.state,
                    new_state: state_label(&now.state),
                }),
                Some(_) => {}
                None => cleared.push(ClearedError {
                    was,
                    now: ClearedAs::State {
                        state: state_label(&now.state),
                    },
                }),
            },
            None => {
                let now = if new_users.contains(&key.0) {
                    ClearedAs::AssignmentRemoved
                } else {
                    ClearedAs::UserRemoved
                };
                cleared.push(ClearedError { was, now });
            }
        }
    }
    for (key, (_, st)) in &after {
        let had = before.get(key).is_some_and(|(_, s)| s.error.is_some());
        if had {
            continue;
        }
        if let Some(e) = entry(names, key, st) {
            new_errors.push(e);
        }
    }
    let k = |u: &UserRef, p: &ProductRef, v: &Via| (user_sort_key(u), p.label(), v.clone());
    new_errors.sort_by_key(|e| k(&e.user, &e.product, &e.via));
    cleared.sort_by_key(|e| k(&e.was.user, &e.was.product, &e.was.via));
    changed.sort_by_key(|e| k(&e.user, &e.product, &e.via));
}

fn seats(names: &Names<'_>, old: &[SubscribedSku], new: &[SubscribedSku]) -> Vec<SeatChange> {
    let by_id = |v: &[SubscribedSku]| -> BTreeMap<SkuId, SubscribedSku> {
        let mut m = BTreeMap::new();
        for s in v {
            m.entry(s.sku_id.clone()).or_insert_with(|| s.clone());
        }
        m
    };
    let (o, n) = (by_id(old), by_id(new));
    let ids: BTreeSet<&SkuId> = o.keys().chain(n.keys()).collect();
    let mut out: Vec<SeatChange> = Vec::new();
    for id in ids {
        let (a, b) = (o.get(id), n.get(id));
        let presence = match (a, b) {
            (Some(_), Some(_)) => Presence::Changed,
            (None, _) => Presence::Added,
            (_, None) => Presence::Removed,
        };
        let c = |f: fn(&SubscribedSku) -> u64| Count::of(a.map(f), b.map(f));
        let change = SeatChange {
            product: names.product(id),
            presence,
            enabled: c(|s| s.enabled),
            warning: c(|s| s.warning),
            suspended: c(|s| s.suspended),
            locked_out: c(|s| s.locked_out),
            consumed: c(|s| s.consumed),
        };
        let moved = [
            change.enabled,
            change.warning,
            change.suspended,
            change.locked_out,
            change.consumed,
        ]
        .iter()
        .any(|x| x.delta != 0);
        if presence != Presence::Changed || moved {
            out.push(change);
        }
    }
    out.sort_by_key(|s| (s.product.label(), s.product.sku_id.clone()));
    out
}

fn licenses(g: Option<&Group>) -> BTreeMap<SkuId, BTreeSet<PlanId>> {
    let mut m: BTreeMap<SkuId, BTreeSet<PlanId>> = BTreeMap::new();
    for AssignedSku {
        sku_id,
        disabled_plans,
    } in g
        .map(|g| g.assigned_licenses.as_slice())
        .unwrap_or_default()
    {
        m.entry(sku_id.clone())
            .or_default()
            .extend(disabled_plans.iter().cloned());
    }
    m
}

fn groups(names: &Names<'_>, old: &[Group], new: &[Group]) -> Vec<GroupLicenseChange> {
    let by_id = |v: &[Group]| -> BTreeMap<ObjectId, Group> {
        let mut m = BTreeMap::new();
        for g in v {
            m.entry(g.id.clone()).or_insert_with(|| g.clone());
        }
        m
    };
    let (o, n) = (by_id(old), by_id(new));
    let ids: BTreeSet<&ObjectId> = o.keys().chain(n.keys()).collect();
    let mut out: Vec<GroupLicenseChange> = Vec::new();
    for id in ids {
        let (a, b) = (o.get(id), n.get(id));
        let (la, lb) = (licenses(a), licenses(b));
        let presence = match (a, b) {
            (Some(_), Some(_)) => Presence::Changed,
            (None, _) => Presence::Added,
            (_, None) => Presence::Removed,
        };
        if la.is_empty() && lb.is_empty() {
            continue; // not a licensing group on either side
        }
        let products_added: Vec<ProductRef> = lb
            .keys()
            .filter(|s| !la.contains_key(*s))
            .map(|s| names.product(s))
            .collect();
        let products_removed: Vec<ProductRef> = la
            .keys()
            .filter(|s| !lb.contains_key(*s))
            .map(|s| names.product(s))
            .collect();
        let mut disabled_plans: Vec<DisabledPlansChange> = Vec::new();
        for (sku, before) in &la {
            let Some(after) = lb.get(sku) else { continue };
            let mut now_disabled: Vec<PlanRef> =
                after.difference(before).map(|p| names.plan(p)).collect();
            let mut now_enabled: Vec<PlanRef> =
                before.difference(after).map(|p| names.plan(p)).collect();
            if now_disabled.is_empty() && now_enabled.is_empty() {
                continue;
            }
            now_disabled.sort_by_key(|p| p.label());
            now_enabled.sort_by_key(|p| p.label());
            disabled_plans.push(DisabledPlansChange {
                product: names.product(sku),
                now_disabled,
                now_enabled,
            });
        }
        let pa = a.and_then(|g| g.processing_state.clone());
        let pb = b.and_then(|g| g.processing_state.clone());
        let processing_state = (presence == Presence::Changed && pa != pb).then_some((pa, pb));
        if presence == Presence::Changed
            && products_added.is_empty()
            && products_removed.is_empty()
            && disabled_plans.is_empty()
            && processing_state.is_none()
        {
            continue;
        }
        let sort = |v: &mut Vec<ProductRef>| v.sort_by_key(|p| (p.label(), p.sku_id.clone()));
        let (mut products_added, mut products_removed) = (products_added, products_removed);
        sort(&mut products_added);
        sort(&mut products_removed);
        disabled_plans.sort_by_key(|d| d.product.label());
        out.push(GroupLicenseChange {
            group: names.group(id),
            presence,
            products_added,
            products_removed,
            disabled_plans,
            processing_state,
        });
    }
    out.sort_by_key(|g| (g.group.label().to_lowercase(), g.group.id.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit::{uid, user};

    /// A user's label comes from NEW when both snapshots hold it, else from OLD; the first of
    /// two entries with one id wins; an unknown id has only its id.
    #[test]
    fn user_labels_prefer_new_then_old() {
        let mut renamed = user("ana");
        renamed.upn = Some("ana.new@contoso.example".into());
        let mut twice = user("bo");
        twice.upn = Some("bo.second@contoso.example".into());
        let old = Snapshot {
            users: vec![user("ana"), user("cy")],
            ..Default::default()
        };
        let new = Snapshot {
            users: vec![renamed, user("bo"), twice],
            ..Default::default()
        };
        let kb = Knowledge::builtin();
        let names = Names::new(&old, &new, &kb);
        let upn = |n: &str| names.user(&uid(n)).upn;
        assert_eq!(upn("ana").as_deref(), Some("ana.new@contoso.example"));
        assert_eq!(upn("bo"), user("bo").upn);
        assert_eq!(upn("cy"), user("cy").upn);
        let nobody = names.user(&uid("nobody"));
        assert_eq!(
            (nobody.id, nobody.upn, nobody.display_name),
            (Some(uid("nobody")), None, None)
        );
    }
}
