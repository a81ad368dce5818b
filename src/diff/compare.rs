//! Comparing two snapshots: license errors keyed by (user, product, assigning group), seats per
//! product, licenses per group, users, and the products and service plans users hold (lost or
//! gained, with the reason the exports tell). A part is compared only when both sides have it, so
//! a missing export never reads as "everything cleared".

use super::model::{
    AddressChange, ChangedError, ClearedAs, ClearedError, Conversion, Count, DiffDoc, DiffSummary,
    DisabledPlansChange, ErrorEntry, GainReason, GroupLicenseChange, GroupRef, GroupRename,
    LossReason, PlanChange, Presence, ProductChange, SeatChange, Side, StatusChange, UserRename,
    Via,
};
use crate::diagnose::memberships::Memberships;
use crate::knowledge::Knowledge;
use crate::model::finding::{PlanRef, ProductRef, UserRef};
use crate::model::hash::{HashMap, HashSet};
use crate::model::snapshot::{
    AssignedSku, AssignmentState, Group, LicenseAssignmentState, Snapshot, SubscribedSku, User,
};
use crate::model::{ObjectId, PlanId, SkuId};
use crate::normalize::undeleted_upn;
use crate::redact::pseudonym::{same, Kind};
use std::collections::{BTreeMap, BTreeSet};

type ErrKey = (ObjectId, SkuId, Option<ObjectId>);

/// Labels for ids, from NEW first, then OLD, then the catalog.
struct Names<'a> {
    kb: &'a Knowledge,
    /// Users by id, NEW's first: each label was a scan of both user lists (a diff of two
    /// 100k-user snapshots took 67-100 s, nearly all of it in those scans).
    users: HashMap<&'a ObjectId, &'a User>,
    /// Group names by id, NEW's first (each a scan of both group lists was quadratic: a label per
    /// license state, 16 s for 40k groups).
    groups: HashMap<&'a ObjectId, Option<&'a str>>,
    /// Product part numbers from the subscribedSkus exports by id, NEW's first.
    skus: HashMap<&'a SkuId, Option<&'a str>>,
}

/// The first name each id has, in the order given: a later object fills a name an earlier one
/// lacked.
fn first_names<'a, K: std::hash::Hash + Eq + 'a>(
    items: impl Iterator<Item = (&'a K, Option<&'a str>)>,
) -> HashMap<&'a K, Option<&'a str>> {
    let mut out: HashMap<&'a K, Option<&'a str>> = HashMap::default();
    for (k, name) in items {
        let slot = out.entry(k).or_insert(None);
        if slot.is_none() {
            *slot = name;
        }
    }
    out
}

impl<'a> Names<'a> {
    fn new(old: &'a Snapshot, new: &'a Snapshot, kb: &'a Knowledge) -> Names<'a> {
        let mut users = HashMap::default();
        for u in new.users.iter().chain(old.users.iter()) {
            users.entry(&u.id).or_insert(u);
        }
        let groups = first_names(
            new.groups
                .iter()
                .chain(old.groups.iter())
                .map(|g| (&g.id, g.display_name.as_deref())),
        );
        let skus = first_names(
            new.skus
                .iter()
                .chain(old.skus.iter())
                .map(|s| (&s.sku_id, s.part_number.as_deref())),
        );
        Names {
            kb,
            users,
            groups,
            skus,
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
            name: self.groups.get(id).copied().flatten().map(String::from),
        }
    }

    fn product(&self, id: &SkuId) -> ProductRef {
        let from_skus = self.skus.get(id).copied().flatten().map(String::from);
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

/// What a side's groups export says about the groups' licenses. `assignedLicenses` and
/// `licenseProcessingState` are returned only when selected (licensing.md §2): an export without
/// them reads as every group holding nothing, which is not a removal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GroupExport {
    /// The groups' products can be read from it.
    licenses: bool,
    /// The groups' processing states can be read from it.
    processing: bool,
}

/// `s`'s groups export, compared with `other`'s. Its products cannot be read when no group lists
/// one and either no group has a processing state while `other`'s groups list products, or `s`'s
/// users hold products assigned by its groups (a group its users hold products from is not a group
/// without licenses). Its processing states cannot be read when no group has one and `other`'s do.
fn group_export(s: &Snapshot, other: &Snapshot) -> GroupExport {
    if s.groups.is_empty() {
        return GroupExport {
            licenses: true,
            processing: true,
        };
    }
    let no_state = s.groups.iter().all(|g| g.processing_state.is_none());
    let no_license = s.groups.iter().all(|g| g.assigned_licenses.is_empty());
    let other_licensed = other.groups.iter().any(|g| !g.assigned_licenses.is_empty());
    let named = || {
        let ids: HashSet<&ObjectId> = s.groups.iter().map(|g| &g.id).collect();
        s.users.iter().any(|u| {
            u.license_states.iter().any(|st| {
                st.assigned_by_group
                    .as_ref()
                    .is_some_and(|g| ids.contains(g))
            })
        })
    };
    GroupExport {
        licenses: !(no_license && ((no_state && other_licensed) || named())),
        processing: !(no_state && other.groups.iter().any(|g| g.processing_state.is_some())),
    }
}

/// Why the groups' products or processing states are not compared: the side (or sides) whose
/// groups export lacks them.
fn unexported(old: GroupExport, new: GroupExport) -> Vec<String> {
    let side = |old: bool, new: bool| match (old, new) {
        (true, true) => None,
        (false, false) => Some("neither groups export"),
        (false, true) => Some("OLD's groups export"),
        (true, false) => Some("NEW's groups export"),
    };
    let mut out = Vec::new();
    if let Some(s) = side(old.licenses, new.licenses) {
        let verb = if s.starts_with("neither") {
            "lists products"
        } else {
            "lists no products"
        };
        out.push(format!(
            "group licenses (assignedLicenses): {s} {verb} for any group (Graph returns assignedLicenses only when \
             selected: `$select=id,displayName,assignedLicenses,licenseProcessingState`)"
        ));
    }
    if let Some(s) = side(old.processing, new.processing) {
        let verb = if s.starts_with("neither") {
            "has one"
        } else {
            "has none"
        };
        out.push(format!(
            "group license processing state (licenseProcessingState): {s} {verb}"
        ));
    }
    out
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
    let mut users_renamed = Vec::new();
    let mut held = Held::default();
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
        let (mail, proxies) = address_fields(old, new);
        not_compared.extend(mail.why.clone());
        not_compared.extend(proxies.why.clone());
        addresses_changed = addresses(&names, &both, mail.compared, proxies.compared);
        users_renamed = renamed_users(&names, &both);
        match no_states(old, new) {
            Some(why) => not_compared.push(why),
            None => held = products(&names, old, new, &both, &old_ids, &new_ids),
        }
    }
    let seats = if !old.skus.is_empty() && !new.skus.is_empty() {
        seats(&names, &old.skus, &new.skus)
    } else {
        Vec::new()
    };
    let groups_renamed = if !old.groups.is_empty() && !new.groups.is_empty() {
        renamed_groups(&names, &old.groups, &new.groups)
    } else {
        Vec::new()
    };
    let group_licenses = if !old.groups.is_empty() && !new.groups.is_empty() {
        let (og, ng) = (group_export(old, new), group_export(new, old));
        not_compared.extend(unexported(og, ng));
        groups(
            &names,
            &old.groups,
            &new.groups,
            og.licenses && ng.licenses,
            og.processing && ng.processing,
        )
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
            status_changes: seats.iter().filter(|s| s.capability_status.changed).count(),
            group_license_changes: group_licenses.len(),
            users_added: users_added.len(),
            users_removed: users_removed.len(),
            converted_to_direct: converted_to_direct.len(),
            addresses_changed: addresses_changed.len(),
            users_renamed: users_renamed.len(),
            groups_renamed: groups_renamed.len(),
            products_lost: held.lost_pairs,
            products_gained: held.gained_pairs,
            plans_turned_off: held.off_count,
            plans_turned_on: held.on_count,
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
        users_renamed,
        groups_renamed,
        products_lost: held.lost,
        products_gained: held.gained,
        plans_turned_off: held.off,
        plans_turned_on: held.on,
        not_compared,
        warnings: Vec::new(),
        notes: Vec::new(),
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

/// Whether an address field is compared, and when not, why (a `not_compared` line).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Compared {
    compared: bool,
    why: Option<String>,
}

/// Whether each side's users export carries `mail` and `proxyAddresses`: a side none of whose
/// users has one cannot carry it (a legacy MSOnline `Get-MsolUser` export has no `Mail`
/// property; Graph returns `mail` and `proxyAddresses` only when selected), and compared with a
/// side that has them every user's would read as removed. Such a field is not compared, and said
/// once.
fn address_fields(old: &Snapshot, new: &Snapshot) -> (Compared, Compared) {
    let field = |name: &str, has: &dyn Fn(&User) -> bool, export: &str| {
        let (o, n) = (old.users.iter().any(has), new.users.iter().any(has));
        let side = match (o, n) {
            (true, false) => "NEW",
            (false, true) => "OLD",
            _ => {
                return Compared {
                    compared: true,
                    why: None,
                }
            }
        };
        Compared {
            compared: false,
            why: Some(format!(
                "{name}: {side}'s users export has none for any user, so it cannot say whether one \
                 changed ({export})"
            )),
        }
    };
    (
        field(
            "mail",
            &|u: &User| u.mail.is_some(),
            "a legacy MSOnline `Get-MsolUser` export has no Mail property, and Graph returns \
             `mail` only when selected",
        ),
        field(
            "proxy addresses",
            &|u: &User| !u.proxy_addresses.is_empty(),
            "Graph returns `proxyAddresses` only when selected, and an export without the \
             property has none",
        ),
    )
}

/// Users of both snapshots whose mail or proxy addresses differ (compared in any case; a proxy
/// address's `SMTP:` / `smtp:` prefix is part of it: primary or secondary). A field one side
/// cannot carry ([`address_fields`]) is not compared (`mail`, `proxies` false).
fn addresses(
    names: &Names<'_>,
    both: &[(&User, &User)],
    mail: bool,
    proxies: bool,
) -> Vec<AddressChange> {
    let mut out = Vec::new();
    let compare_mail = mail;
    for &(ou, nu) in both {
        let norm = |m: Option<&str>| m.map(|m| m.trim().to_lowercase());
        let (om, nm) = (ou.mail.as_deref(), nu.mail.as_deref());
        let mail = (compare_mail && norm(om) != norm(nm))
            .then(|| (om.map(String::from), nm.map(String::from)));
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
        let (op, np) = if proxies {
            (set(ou), set(nu))
        } else {
            (BTreeMap::new(), BTreeMap::new())
        };
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

/// OLD's and NEW's value of a name when both have one and they differ as `--redact` tells values
/// apart ([`crate::redact::pseudonym::same`]: trimmed, in any case): a side without one (an
/// export that did not select it) is no rename.
fn renamed(kind: Kind, old: Option<&str>, new: Option<&str>) -> Option<(String, String)> {
    let (o, n) = (old?.trim(), new?.trim());
    if o.is_empty() || n.is_empty() || same(kind, o, n) {
        return None;
    }
    Some((o.to_string(), n.to_string()))
}

/// Users of both snapshots whose UPN or display name changed, each once. A deleted user's UPN as
/// Entra rewrites it (`<object id without dashes><upn>`) is that UPN, not a new one.
fn renamed_users(names: &Names<'_>, both: &[(&User, &User)]) -> Vec<UserRename> {
    let mut seen: HashSet<&ObjectId> = HashSet::default();
    let mut out = Vec::new();
    for &(ou, nu) in both {
        if !seen.insert(&nu.id) {
            continue;
        }
        let upn = |u: &'_ User| -> Option<String> {
            u.upn
                .as_deref()
                .map(|x| undeleted_upn(x, Some(u.id.as_str())).to_string())
        };
        let upn = renamed(Kind::Address, upn(ou).as_deref(), upn(nu).as_deref());
        let display_name = renamed(
            Kind::Name,
            ou.display_name.as_deref(),
            nu.display_name.as_deref(),
        );
        if upn.is_some() || display_name.is_some() {
            out.push(UserRename {
                user: names.user(&nu.id),
                upn,
                display_name,
            });
        }
    }
    out.sort_by_key(|r| user_sort_key(&r.user));
    out
}

/// Groups of both groups exports whose display name changed, each once (the first of an id
/// repeated in one export, as [`groups`] reads them).
fn renamed_groups(names: &Names<'_>, old: &[Group], new: &[Group]) -> Vec<GroupRename> {
    let mut before: HashMap<&ObjectId, &Group> = HashMap::default();
    for g in old {
        before.entry(&g.id).or_insert(g);
    }
    let mut seen: HashSet<&ObjectId> = HashSet::default();
    let mut out = Vec::new();
    for g in new {
        if !seen.insert(&g.id) {
            continue;
        }
        let Some(was) = before.get(&g.id) else {
            continue;
        };
        if let Some(display_name) = renamed(
            Kind::Name,
            was.display_name.as_deref(),
            g.display_name.as_deref(),
        ) {
            out.push(GroupRename {
                group: names.group(&g.id),
                display_name,
            });
        }
    }
    out.sort_by_key(|r| (r.group.label().to_lowercase(), r.group.id.clone()));
    out
}

/// Products lost and gained, service plans turned off and on (the counts are the summary's).
#[derive(Default)]
struct Held {
    lost: Vec<ProductChange<LossReason>>,
    gained: Vec<ProductChange<GainReason>>,
    off: Vec<PlanChange>,
    on: Vec<PlanChange>,
    lost_pairs: usize,
    gained_pairs: usize,
    off_count: usize,
    on_count: usize,
}

/// Why products held are not compared: a side whose users have `assignedLicenses` and not one
/// `licenseAssignmentStates` entry (an export that did not select them) would read as every
/// product lost or gained.
fn no_states(old: &Snapshot, new: &Snapshot) -> Option<String> {
    let lacks = |s: &Snapshot| {
        !s.users.iter().any(|u| !u.license_states.is_empty())
            && s.users.iter().any(|u| !u.assigned_licenses.is_empty())
    };
    let side = match (lacks(old), lacks(new)) {
        (false, false) => return None,
        (true, true) => "neither snapshot's",
        (true, false) => "OLD's",
        (false, true) => "NEW's",
    };
    Some(format!(
        "products lost and gained (licenseAssignmentStates): {side} users have assignedLicenses and no licenseAssignmentStates"
    ))
}

/// What the reasons of products lost and gained are read from, each side's indexed once.
struct Why<'a> {
    /// Products subscribed (not `Deleted`); `None` without a subscribedSkus export.
    old_skus: Option<HashSet<&'a SkuId>>,
    new_skus: Option<HashSet<&'a SkuId>>,
    /// Groups by id; `None` without a groups export.
    old_groups: Option<HashMap<&'a ObjectId, &'a Group>>,
    new_groups: Option<HashMap<&'a ObjectId, &'a Group>>,
    /// Whether each side's groups export lists the groups' products ([`group_export`]).
    old_licenses: bool,
    new_licenses: bool,
    old_members: Memberships<'a>,
    new_members: Memberships<'a>,
}

impl<'a> Why<'a> {
    fn new(old: &'a Snapshot, new: &'a Snapshot) -> Why<'a> {
        let skus = |s: &'a Snapshot| {
            (!s.skus.is_empty()).then(|| {
                s.skus
                    .iter()
                    .filter(|k| {
                        !k.capability_status
                            .as_deref()
                            .is_some_and(|c| c.trim().eq_ignore_ascii_case("deleted"))
                    })
                    .map(|k| &k.sku_id)
                    .collect()
            })
        };
        let groups = |s: &'a Snapshot| {
            (!s.groups.is_empty()).then(|| {
                let mut m: HashMap<&ObjectId, &Group> = HashMap::default();
                for g in &s.groups {
                    m.entry(&g.id).or_insert(g);
                }
                m
            })
        };
        Why {
            old_skus: skus(old),
            new_skus: skus(new),
            old_groups: groups(old),
            new_groups: groups(new),
            old_licenses: group_export(old, new).licenses,
            new_licenses: group_export(new, old).licenses,
            old_members: Memberships::new(old),
            new_members: Memberships::new(new),
        }
    }

    fn assigns(g: &Group, sku: &SkuId) -> bool {
        g.assigned_licenses.iter().any(|l| &l.sku_id == sku)
    }

    /// Why `user` (of both sides) no longer holds `sku` from `via`.
    fn lost(&self, sku: &SkuId, via: Option<&ObjectId>, user: &ObjectId) -> LossReason {
        if self.new_skus.as_ref().is_some_and(|n| !n.contains(sku)) {
            return LossReason::SubscriptionGone;
        }
        let Some(g) = via else {
            return LossReason::DirectRemoved;
        };
        if let Some(new) = &self.new_groups {
            match new.get(g) {
                Some(ng) if self.new_licenses && !Self::assigns(ng, sku) => {
                    return LossReason::GroupLicenseRemoved
                }
                None if self.old_groups.as_ref().is_some_and(|o| o.contains_key(g)) => {
                    return LossReason::GroupRemoved
                }
                _ => {}
            }
        }
        if self.new_members.knows(g) && !self.new_members.is_member(g, user) {
            return LossReason::LeftGroup;
        }
        LossReason::Unknown
    }

    /// Why `user` (of both sides) holds `sku` from `via` and had no state of it in OLD.
    fn gained(&self, sku: &SkuId, via: Option<&ObjectId>, user: &ObjectId) -> GainReason {
        if self.old_skus.as_ref().is_some_and(|o| !o.contains(sku)) {
            return GainReason::SubscriptionAdded;
        }
        let Some(g) = via else {
            return GainReason::DirectAssigned;
        };
        if let Some(old) = &self.old_groups {
            match old.get(g) {
                Some(og) if self.old_licenses && !Self::assigns(og, sku) => {
                    return GainReason::GroupLicenseAdded
                }
                None if self.new_groups.as_ref().is_some_and(|n| n.contains_key(g)) => {
                    return GainReason::GroupAdded
                }
                _ => {}
            }
        }
        if self.old_members.knows(g) && !self.old_members.is_member(g, user) {
            return GainReason::JoinedGroup;
        }
        GainReason::Unknown
    }
}

/// The (product, source) pairs `from` holds (`Active` / `ActiveWithError`) of products `to` has no
/// license state of (any state, from any source) and no `assignedLicenses` entry of (a user
/// exported without license states still holds what it lists), sorted, each once. `skus` is
/// scratch space.
fn held_not_in<'a>(
    from: &'a User,
    to: Option<&'a User>,
    skus: &mut Vec<&'a SkuId>,
) -> Vec<(&'a SkuId, Option<&'a ObjectId>)> {
    skus.clear();
    if let Some(to) = to {
        skus.extend(to.license_states.iter().map(|s| &s.sku_id));
        skus.extend(to.assigned_licenses.iter().map(|l| &l.sku_id));
    }
    skus.sort_unstable();
    skus.dedup();
    let mut out: Vec<(&SkuId, Option<&ObjectId>)> = from
        .license_states
        .iter()
        .filter(|s| s.state.is_active() && skus.binary_search(&&s.sku_id).is_err())
        .map(|s| (&s.sku_id, s.assigned_by_group.as_ref()))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// How many products a sorted list of (product, source) names.
fn distinct_products(v: &[(&SkuId, Option<&ObjectId>)]) -> usize {
    v.iter()
        .enumerate()
        .filter(|(i, (s, _))| *i == 0 || v.get(i - 1).is_some_and(|(p, _)| p != s))
        .count()
}

/// The products `u` holds, each with the plans every assignment of it disables (its effective
/// disabled plans), sorted by product.
fn effective_disabled(u: &User) -> Vec<(&SkuId, Vec<&PlanId>)> {
    let mut held: Vec<&LicenseAssignmentState> = u
        .license_states
        .iter()
        .filter(|s| s.state.is_active())
        .collect();
    held.sort_by(|a, b| a.sku_id.cmp(&b.sku_id));
    let mut out = Vec::new();
    for run in held.chunk_by(|a, b| a.sku_id == b.sku_id) {
        let Some((first, rest)) = run.split_first() else {
            continue;
        };
        let mut off: Vec<&PlanId> = first.disabled_plans.iter().collect();
        off.sort_unstable();
        off.dedup();
        for s in rest {
            let mut other: Vec<&PlanId> = s.disabled_plans.iter().collect();
            other.sort_unstable();
            off.retain(|p| other.binary_search(p).is_ok());
        }
        out.push((&first.sku_id, off));
    }
    out
}

type ByKey<'a, R> = BTreeMap<(&'a SkuId, Option<&'a ObjectId>, R), Vec<&'a ObjectId>>;
type ByPlan<'a> = BTreeMap<(&'a SkuId, &'a PlanId), Vec<&'a ObjectId>>;

/// Products lost and gained by users, and service plans turned off and on; `both` pairs the users
/// of both sides, `old_ids` / `new_ids` are each side's users.
fn products(
    names: &Names<'_>,
    old: &Snapshot,
    new: &Snapshot,
    both: &[(&User, &User)],
    old_ids: &BTreeSet<&ObjectId>,
    new_ids: &BTreeSet<&ObjectId>,
) -> Held {
    let why = Why::new(old, new);
    let mut lost: ByKey<'_, LossReason> = BTreeMap::new();
    let mut gained: ByKey<'_, GainReason> = BTreeMap::new();
    let (mut off, mut on): (ByPlan<'_>, ByPlan<'_>) = (BTreeMap::new(), BTreeMap::new());
    let (mut lost_pairs, mut gained_pairs) = (0, 0);
    let mut scratch = Vec::new();
    for &(ou, nu) in both {
        // most users keep their licenses as they were
        if ou.license_states == nu.license_states {
            continue;
        }
        let gone = held_not_in(ou, Some(nu), &mut scratch);
        lost_pairs += distinct_products(&gone);
        for (sku, via) in gone {
            let r = why.lost(sku, via, &nu.id);
            lost.entry((sku, via, r)).or_default().push(&nu.id);
        }
        let came = held_not_in(nu, Some(ou), &mut scratch);
        gained_pairs += distinct_products(&came);
        for (sku, via) in came {
            let r = why.gained(sku, via, &nu.id);
            gained.entry((sku, via, r)).or_default().push(&nu.id);
        }
        let (a, b) = (effective_disabled(ou), effective_disabled(nu));
        let b: BTreeMap<&SkuId, &Vec<&PlanId>> = b.iter().map(|(s, p)| (*s, p)).collect();
        for (sku, was) in &a {
            let Some(now) = b.get(sku) else { continue };
            for p in now.iter().filter(|p| was.binary_search(p).is_err()) {
                off.entry((*sku, *p)).or_default().push(&nu.id);
            }
            for p in was.iter().filter(|p| now.binary_search(p).is_err()) {
                on.entry((*sku, *p)).or_default().push(&nu.id);
            }
        }
    }
    for u in old.users.iter().filter(|u| !new_ids.contains(&u.id)) {
        for (sku, via) in held_not_in(u, None, &mut scratch) {
            lost.entry((sku, via, LossReason::UserRemoved))
                .or_default()
                .push(&u.id);
        }
    }
    for u in new.users.iter().filter(|u| !old_ids.contains(&u.id)) {
        for (sku, via) in held_not_in(u, None, &mut scratch) {
            gained
                .entry((sku, via, GainReason::UserAdded))
                .or_default()
                .push(&u.id);
        }
    }
    // one user once per entry (an export naming a user twice)
    for ids in lost
        .values_mut()
        .chain(gained.values_mut())
        .chain(off.values_mut())
        .chain(on.values_mut())
    {
        ids.sort_unstable();
        ids.dedup();
    }
    let off_count = off.values().map(Vec::len).sum();
    let on_count = on.values().map(Vec::len).sum();
    Held {
        lost: changes(names, lost, |r| r != LossReason::UserRemoved),
        gained: changes(names, gained, |r| r != GainReason::UserAdded),
        off: plan_changes(names, off),
        on: plan_changes(names, on),
        lost_pairs,
        gained_pairs,
        off_count,
        on_count,
    }
}

fn user_refs(names: &Names<'_>, ids: &[&ObjectId]) -> Vec<UserRef> {
    let mut users: Vec<UserRef> = ids.iter().map(|id| names.user(id)).collect();
    users.sort_by_key(user_sort_key);
    users
}

/// The entries of products lost or gained, by product, source and reason; `listed`: whether the
/// reason's users are listed (users removed and added are only counted: their own sections list
/// them).
fn changes<R: Copy + Ord>(
    names: &Names<'_>,
    by: ByKey<'_, R>,
    listed: impl Fn(R) -> bool,
) -> Vec<ProductChange<R>> {
    let mut out: Vec<ProductChange<R>> = by
        .into_iter()
        .map(|((sku, via, reason), ids)| {
            let users = if listed(reason) {
                user_refs(names, &ids)
            } else {
                Vec::new()
            };
            ProductChange {
                product: names.product(sku),
                via: names.via(&via.cloned()),
                reason,
                count: ids.len(),
                users,
            }
        })
        .collect();
    out.sort_by_cached_key(|c| {
        (
            c.product.label(),
            c.product.sku_id.clone(),
            c.via.label().to_lowercase(),
            c.via.clone(),
            c.reason,
        )
    });
    out
}

fn plan_changes(names: &Names<'_>, by: ByPlan<'_>) -> Vec<PlanChange> {
    let mut out: Vec<PlanChange> = by
        .into_iter()
        .map(|((sku, plan), ids)| PlanChange {
            product: names.product(sku),
            plan: names.plan(plan),
            count: ids.len(),
            users: user_refs(names, &ids),
        })
        .collect();
    out.sort_by_cached_key(|c| {
        (
            c.product.label(),
            c.product.sku_id.clone(),
            c.plan.label(),
            c.plan.id.clone(),
        )
    });
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
                // another cause, or the same in another state (Error -> ActiveWithError: the user
                // now holds the product, and uses a seat, with the error still there; or back)
                Some(c)
                    if *c != was.cause
                        || !state_label(&now.state).eq_ignore_ascii_case(&was.state) =>
                {
                    changed.push(ChangedError {
                        user: was.user,
                        product: was.product,
                        via: was.via,
                        old_cause: was.cause,
                        new_cause: c.clone(),
                        old_state: was.state,
                        new_state: state_label(&now.state),
                    })
                }
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
    fn status(s: Option<&SubscribedSku>) -> Option<&str> {
        s.and_then(|s| s.capability_status.as_deref())
    }
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
            capability_status: StatusChange::of(status(a), status(b)),
            enabled: c(|s| s.enabled),
            warning: c(|s| s.warning),
            suspended: c(|s| s.suspended),
            locked_out: c(|s| s.locked_out),
            consumed: c(|s| s.consumed),
        };
        // a subscription suspended with its units as they were is a change too
        if change.seats_moved() || change.capability_status.changed {
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

/// Group license changes; `same_licenses` / `same_processing`: whether both sides' groups exports let the
/// groups' products / processing states be compared (a group added or removed lists the products
/// of the side that has it either way).
fn groups(
    names: &Names<'_>,
    old: &[Group],
    new: &[Group],
    same_licenses: bool,
    same_processing: bool,
) -> Vec<GroupLicenseChange> {
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
        // products read from one side only: nothing to compare them with
        let (la, lb) = if same_licenses || presence != Presence::Changed {
            (la, lb)
        } else {
            (BTreeMap::new(), BTreeMap::new())
        };
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
        let processing_state =
            (same_processing && presence == Presence::Changed && pa != pb).then_some((pa, pb));
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
    use crate::diagnose::testkit::{
        active_with_error, bad, disabled, gid, group, ok, subscribed, uid, user, E1, E3, EMS, MEET,
        PBI, YAMMER,
    };

    const AT: &str = "2026-10-01T08:00:00Z";

    fn with(name: &str, states: Vec<LicenseAssignmentState>) -> User {
        let mut u = user(name);
        u.license_states = states.into();
        u
    }

    fn members(mut g: Group, names: &[&str]) -> Group {
        g.members = Some(names.iter().map(|n| uid(n)).collect());
        g
    }

    /// (product, source, reason) -> (count, users named) of a list of products lost or gained.
    fn table<R: Copy + serde::Serialize>(
        v: &[ProductChange<R>],
    ) -> BTreeMap<(String, String, String), (usize, Vec<String>)> {
        v.iter()
            .map(|c| {
                let reason = serde_json::to_value(c.reason).expect("reason");
                (
                    (
                        c.product.label(),
                        c.via.label(),
                        reason.as_str().unwrap_or("?").to_string(),
                    ),
                    (
                        c.count,
                        c.users
                            .iter()
                            .map(|u| u.display_name.as_deref().unwrap_or_default().to_string())
                            .collect(),
                    ),
                )
            })
            .collect()
    }

    fn row(
        p: &str,
        via: &str,
        r: &str,
        n: usize,
        users: &[&str],
    ) -> ((String, String, String), (usize, Vec<String>)) {
        (
            (p.into(), via.into(), r.into()),
            (n, users.iter().map(|u| u.to_string()).collect()),
        )
    }

    /// Every reason a product is lost or gained, told from the two snapshots; a product in Error in
    /// OLD is a cleared error and not lost; a license moved from a group to direct is a conversion
    /// and neither lost nor gained; a product held from two sources is under each and counted once.
    #[test]
    fn products_lost_and_gained_with_their_reasons() {
        let old = Snapshot {
            users: vec![
                with(
                    "ana",
                    vec![ok(E3, Some("G-E3"), AT), ok(EMS, Some("G-EMS"), AT)],
                ),
                with("bo", vec![ok(E3, Some("G-E3"), AT)]),
                with("cy", vec![ok(E3, Some("G-E3"), AT), ok(MEET, None, AT)]),
                with("dee", vec![ok(E3, Some("G-E3"), AT), ok(E3, None, AT)]),
                with("fin", vec![bad(E3, Some("G-E3"), "CountViolation", AT)]),
                with("gus", vec![ok(PBI, Some("G-PBI"), AT)]),
                with("hal", vec![ok(E1, Some("G-Old"), AT)]),
                with("ivy", vec![ok(E3, None, AT), ok(EMS, None, AT)]),
                with("jo", vec![ok(E3, Some("G-E3"), AT)]),
                with("kim", vec![ok(E3, Some("G-E3"), AT)]),
                with("lu", vec![active_with_error(E3, Some("G-E3"), "Other", AT)]),
                with("mo", vec![]),
            ],
            groups: vec![
                members(
                    group("G-E3", &[(E3, &[])]),
                    &["ana", "bo", "cy", "dee", "fin", "jo", "kim", "lu"],
                ),
                members(group("G-EMS", &[(EMS, &[])]), &["ana"]),
                members(group("G-PBI", &[(PBI, &[])]), &["gus"]),
                members(group("G-Old", &[(E1, &[])]), &["hal"]),
                members(group("G-Team", &[]), &[]),
            ],
            skus: vec![
                subscribed(E3, 10, 0, 9),
                subscribed(EMS, 10, 0, 2),
                subscribed(PBI, 10, 0, 1),
                subscribed(E1, 10, 0, 1),
                subscribed(MEET, 10, 0, 1),
            ],
            ..Default::default()
        };
        let new = Snapshot {
            users: vec![
                with("ana", vec![ok(E3, Some("G-E3"), AT), ok(PBI, None, AT)]),
                with("bo", vec![ok(PBI, Some("G-PBI"), AT)]),
                with("cy", vec![ok(E3, Some("G-E3"), AT)]),
                with("dee", vec![]),
                with("fin", vec![]),
                with("gus", vec![]),
                with("hal", vec![]),
                with("jo", vec![disabled(ok(E3, Some("G-E3"), AT), &[YAMMER])]),
                with("kim", vec![ok(E3, None, AT)]),
                with("lu", vec![]),
                with("mo", vec![ok(EMS, Some("G-Team"), AT)]),
                with("nia", vec![ok(EMS, None, AT)]),
            ],
            groups: vec![
                members(
                    group("G-E3", &[(E3, &[YAMMER])]),
                    &["ana", "cy", "jo", "kim"],
                ),
                members(group("G-EMS", &[]), &["ana"]),
                members(group("G-PBI", &[(PBI, &[])]), &["gus", "bo"]),
                members(group("G-Team", &[(EMS, &[])]), &["mo"]),
            ],
            skus: vec![
                subscribed(E3, 10, 0, 9),
                subscribed(EMS, 10, 0, 2),
                subscribed(PBI, 10, 0, 1),
                subscribed(E1, 10, 0, 1),
            ],
            ..Default::default()
        };
        let kb = Knowledge::builtin();
        let d = compare(&old, &new, "old", "new", &kb);
        assert_eq!(
            table(&d.products_lost),
            BTreeMap::from([
                row("EMS", "direct", "user_removed", 1, &[]),
                row("EMS", "group G-EMS", "group_license_removed", 1, &["ana"]),
                row("ENTERPRISEPACK", "direct", "direct_removed", 1, &["dee"]),
                row("ENTERPRISEPACK", "direct", "user_removed", 1, &[]),
                row(
                    "ENTERPRISEPACK",
                    "group G-E3",
                    "left_group",
                    3,
                    &["bo", "dee", "lu"]
                ),
                row("MCOMEETADV", "direct", "subscription_gone", 1, &["cy"]),
                row("POWER_BI_PRO", "group G-PBI", "unknown", 1, &["gus"]),
                row("STANDARDPACK", "group G-Old", "group_removed", 1, &["hal"]),
            ])
        );
        // dee counted once; ivy (removed) not counted
        assert_eq!(d.summary.products_lost, 7);
        assert_eq!(
            table(&d.products_gained),
            BTreeMap::from([
                row("EMS", "direct", "user_added", 1, &[]),
                row("EMS", "group G-Team", "group_license_added", 1, &["mo"]),
                row("POWER_BI_PRO", "direct", "direct_assigned", 1, &["ana"]),
                row("POWER_BI_PRO", "group G-PBI", "joined_group", 1, &["bo"]),
            ])
        );
        assert_eq!(d.summary.products_gained, 3);
        // fin's error is cleared, not lost; lu's ActiveWithError is both (the error cleared, the
        // product lost); kim's license converted, neither lost nor gained
        let cleared: Vec<String> = d
            .cleared_errors
            .iter()
            .map(|c| c.was.user.label())
            .collect();
        assert_eq!(cleared, ["fin@fabrikam.example", "lu@fabrikam.example"]);
        assert_eq!(d.converted_to_direct.len(), 1);
        assert_eq!(
            d.converted_to_direct[0].user.upn.as_deref(),
            Some("kim@fabrikam.example")
        );
        // jo's Yammer turned off; ana's and cy's E3 kept as it was (the group's change reaches them
        // in a later processing)
        assert_eq!(d.plans_turned_off.len(), 1);
        let off = &d.plans_turned_off[0];
        assert_eq!(
            (off.product.label(), off.plan.label(), off.count),
            ("ENTERPRISEPACK".into(), "YAMMER_ENTERPRISE".into(), 1)
        );
        assert_eq!(off.users[0].upn.as_deref(), Some("jo@fabrikam.example"));
        assert!(d.plans_turned_on.is_empty());
        assert_eq!(
            (d.summary.plans_turned_off, d.summary.plans_turned_on),
            (1, 0)
        );
    }

    /// A groups export without `assignedLicenses` / `licenseProcessingState` ($select only): the
    /// group's products and processing state are not compared (never "removed"), and a lost product
    /// is not put down to the group's license. A group that lists no licenses, has a processing
    /// state, and whose users hold nothing from it did lose them.
    #[test]
    fn a_groups_export_without_licenses_is_not_compared() {
        let old = Snapshot {
            users: vec![
                with("ana", vec![ok(E3, Some("G-E3"), AT)]),
                with("bo", vec![ok(E3, Some("G-E3"), AT)]),
            ],
            groups: vec![members(group("G-E3", &[(E3, &[])]), &["ana", "bo"])],
            ..Default::default()
        };
        let mut bare = members(group("G-E3", &[]), &["ana"]);
        bare.processing_state = None;
        let new = Snapshot {
            users: vec![
                with("ana", vec![ok(E3, Some("G-E3"), AT)]),
                with("bo", vec![]),
            ],
            groups: vec![bare],
            ..Default::default()
        };
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        assert!(d.group_licenses.is_empty(), "{:?}", d.group_licenses);
        let notes: Vec<&str> = d
            .not_compared
            .iter()
            .map(|n| n.as_str())
            .filter(|n| n.starts_with("group"))
            .collect();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].starts_with(
            "group licenses (assignedLicenses): NEW's groups export lists no products"
        ));
        assert!(
            notes[1].starts_with("group license processing state (licenseProcessingState): NEW's")
        );
        assert_eq!(
            table(&d.products_lost),
            BTreeMap::from([row(
                "ENTERPRISEPACK",
                "group G-E3",
                "left_group",
                1,
                &["bo"]
            )])
        );
        // the mirror: OLD lacks them
        let d = compare(&new, &old, "new", "old", &Knowledge::builtin());
        assert!(d.group_licenses.is_empty());
        assert!(d
            .not_compared
            .iter()
            .any(|n| n.contains("OLD's groups export lists no products")));

        // a real removal: the group has its processing state and nobody holds E3 from it any more
        let new = Snapshot {
            users: vec![with("ana", vec![]), with("bo", vec![])],
            groups: vec![members(group("G-E3", &[]), &["ana", "bo"])],
            ..Default::default()
        };
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        assert!(
            !d.not_compared.iter().any(|n| n.starts_with("group")),
            "{:?}",
            d.not_compared
        );
        assert_eq!(d.group_licenses.len(), 1);
        assert_eq!(
            d.group_licenses[0].products_removed[0].label(),
            "ENTERPRISEPACK"
        );
        assert_eq!(d.products_lost[0].reason, LossReason::GroupLicenseRemoved);
    }

    /// Without groups or members exports a group's loss has no reason to give; a subscribed product
    /// is checked only when the side has a subscribedSkus export.
    #[test]
    fn reasons_need_their_exports() {
        let old = Snapshot {
            users: vec![with(
                "ana",
                vec![ok(E3, Some("G-E3"), AT), ok(EMS, None, AT)],
            )],
            ..Default::default()
        };
        let new = Snapshot {
            users: vec![with("ana", vec![])],
            ..Default::default()
        };
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        assert_eq!(
            table(&d.products_lost),
            BTreeMap::from([
                row("EMS", "direct", "direct_removed", 1, &["ana"]),
                // no groups export: the group is named by its id
                row("ENTERPRISEPACK", "group g-g-e3", "unknown", 1, &["ana"]),
            ])
        );
        // membership rows alone tell who left
        let mut new = new;
        new.memberships
            .push(crate::diagnose::testkit::member("G-E3", "bo"));
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        assert_eq!(d.products_lost[1].reason, LossReason::LeftGroup);
        assert_eq!(
            d.products_lost[1].via,
            Via::Group(GroupRef {
                id: gid("G-E3"),
                name: None
            })
        );
    }

    /// A side whose users have assignedLicenses and no license states (an export that did not
    /// select them) is not read as every product lost; nor is a user of it whose assignedLicenses
    /// still lists the product.
    #[test]
    fn a_side_without_license_states_is_not_compared() {
        let old = Snapshot {
            users: vec![with("ana", vec![ok(E3, None, AT)])],
            ..Default::default()
        };
        let mut bare = user("ana");
        bare.assigned_licenses = vec![AssignedSku {
            sku_id: crate::diagnose::testkit::sku(E3),
            disabled_plans: Vec::new().into(),
        }]
        .into();
        let new = Snapshot {
            users: vec![bare],
            ..Default::default()
        };
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        assert!(d.products_lost.is_empty());
        assert_eq!(d.summary.products_lost, 0);
        assert!(
            d.not_compared
                .iter()
                .any(|n| n.starts_with("products lost and gained") && n.contains("NEW's")),
            "{:?}",
            d.not_compared
        );
        // one user of several exported without states: what its assignedLicenses lists is held
        let mut other = with("bo", vec![ok(E3, None, AT)]);
        other.assigned_licenses = new.users[0].assigned_licenses.clone();
        let old2 = Snapshot {
            users: vec![old.users[0].clone(), with("bo", vec![ok(E3, None, AT)])],
            ..Default::default()
        };
        let new2 = Snapshot {
            users: vec![new.users[0].clone(), other],
            ..Default::default()
        };
        let d = compare(&old2, &new2, "old", "new", &Knowledge::builtin());
        assert!(
            !d.not_compared.iter().any(|n| n.starts_with("products")),
            "{:?}",
            d.not_compared
        );
        assert!(d.products_lost.is_empty(), "{:?}", d.products_lost);
        // no license at all in NEW (nor assignedLicenses): everything lost, compared
        let new = Snapshot {
            users: vec![user("ana")],
            ..Default::default()
        };
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        assert_eq!(d.summary.products_lost, 1);
    }

    /// A plan is off for a user only when every assignment of the product disables it; the same
    /// state repeated, or a user twice in one side, is counted once.
    #[test]
    fn effective_disabled_plans_and_repeats() {
        let off = |st: LicenseAssignmentState| disabled(st, &[YAMMER]);
        let old = Snapshot {
            users: vec![
                with(
                    "ana",
                    vec![ok(E3, Some("G-A"), AT), ok(E3, Some("G-B"), AT)],
                ),
                with("bo", vec![ok(E3, Some("G-A"), AT), ok(E3, Some("G-A"), AT)]),
            ],
            ..Default::default()
        };
        let new = Snapshot {
            users: vec![
                // G-B still enables Yammer: not off for ana
                with(
                    "ana",
                    vec![off(ok(E3, Some("G-A"), AT)), ok(E3, Some("G-B"), AT)],
                ),
                with(
                    "bo",
                    vec![off(ok(E3, Some("G-A"), AT)), off(ok(E3, Some("G-A"), AT))],
                ),
                with("bo", vec![off(ok(E3, Some("G-A"), AT))]),
            ],
            ..Default::default()
        };
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        assert_eq!(d.plans_turned_off.len(), 1);
        assert_eq!(d.plans_turned_off[0].count, 1);
        assert_eq!(d.plans_turned_off[0].users.len(), 1);
        assert_eq!(
            d.plans_turned_off[0].users[0].upn.as_deref(),
            Some("bo@fabrikam.example")
        );
        assert_eq!(d.summary.plans_turned_off, 1);
        assert!(d.products_lost.is_empty() && d.products_gained.is_empty());
    }

    /// Review: an error whose state alone changed (the same cause, `Error` -> `ActiveWithError` or
    /// back) was reported nowhere. It is a changed error, said in words; the same state and cause
    /// (another update time) is no change; a state's case is no change either.
    #[test]
    fn an_error_whose_state_alone_changed_is_a_changed_error() {
        let later = bad(E1, Some("G-E1"), "CountViolation", "2026-11-01T08:00:00Z");
        let mut lower = bad(PBI, None, "Other", AT);
        lower.state = AssignmentState::parse("Pending");
        let mut upper = lower.clone();
        upper.state = AssignmentState::parse("PENDING");
        let old = Snapshot {
            users: vec![
                with("ana", vec![bad(E3, Some("G-E3"), "CountViolation", AT)]),
                with(
                    "bo",
                    vec![active_with_error(E3, Some("G-E3"), "CountViolation", AT)],
                ),
                with("cy", vec![bad(E1, Some("G-E1"), "CountViolation", AT)]),
                with("dee", vec![lower]),
                with("eve", vec![bad(EMS, None, "Other", AT)]),
            ],
            ..Default::default()
        };
        let new = Snapshot {
            users: vec![
                with(
                    "ana",
                    vec![active_with_error(E3, Some("G-E3"), "CountViolation", AT)],
                ),
                with("bo", vec![bad(E3, Some("G-E3"), "CountViolation", AT)]),
                with("cy", vec![later]),
                with("dee", vec![upper]),
                with(
                    "eve",
                    vec![active_with_error(EMS, None, "DependencyViolation", AT)],
                ),
            ],
            ..Default::default()
        };
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        let got: Vec<(String, String, String, bool)> = d
            .changed_errors
            .iter()
            .map(|c| {
                (
                    c.user
                        .display_name
                        .as_deref()
                        .unwrap_or_default()
                        .to_string(),
                    format!("{} -> {}", c.old_state, c.new_state),
                    c.meaning(),
                    c.cause_changed(),
                )
            })
            .collect();
        let now_active = "now active with error: the user has the license and uses a seat, the error still needs fixing";
        assert_eq!(
            got,
            [
                ("ana".into(), "Error -> ActiveWithError".into(), now_active.into(), false),
                (
                    "bo".into(),
                    "ActiveWithError -> Error".into(),
                    "now in error: the user no longer has the license, the error still needs fixing"
                        .into(),
                    false
                ),
                (
                    "eve".into(),
                    "Error -> ActiveWithError".into(),
                    format!("another cause: the fix is the new cause's; {now_active}"),
                    true
                ),
            ]
        );
        assert_eq!(d.summary.changed_errors, 3);
        assert!(d.new_errors.is_empty() && d.cleared_errors.is_empty());
        // a state-only change is no product gained or lost: the user has a state of it on both sides
        assert!(d.products_lost.is_empty() && d.products_gained.is_empty());
        assert!(d.has_new_errors(), "eve's error has another cause");
        let only_states = DiffDoc {
            changed_errors: d.changed_errors[..2].to_vec(),
            ..d.clone()
        };
        assert!(!only_states.has_new_errors());
    }

    /// Review: MCOMEETADV's subscription went Enabled -> Suspended with the same units and nothing
    /// was reported. A status change is a seat change of its own; a status in another case, or
    /// missing on one side (an export that left it out), is none; a product added shows its
    /// status, unchanged.
    #[test]
    fn a_subscription_status_change_is_reported_with_the_seats() {
        let with_status = |id: &str, st: Option<&str>| {
            let mut s = subscribed(id, 10, 0, 2);
            s.capability_status = st.map(String::from);
            s
        };
        let old = vec![
            with_status(MEET, Some("Enabled")),
            with_status(EMS, Some("Enabled")),
            with_status(E3, Some("Enabled")),
            with_status(E1, Some("Warning")),
        ];
        let new = vec![
            with_status(MEET, Some("Suspended")),
            with_status(EMS, Some(" ENABLED ")),
            with_status(E3, None),
            with_status(E1, Some("Deleted")),
            with_status(PBI, Some("Enabled")),
        ];
        let kb = Knowledge::builtin();
        let snap = |skus: Vec<SubscribedSku>| Snapshot {
            skus,
            ..Default::default()
        };
        let d = compare(&snap(old), &snap(new), "old", "new", &kb);
        let got: Vec<(String, Presence, StatusChange, bool)> = d
            .seats
            .iter()
            .map(|s| {
                (
                    s.product.label(),
                    s.presence,
                    s.capability_status.clone(),
                    s.seats_moved(),
                )
            })
            .collect();
        let st = |old: Option<&str>, new: Option<&str>, changed| StatusChange {
            old: old.map(String::from),
            new: new.map(String::from),
            changed,
        };
        assert_eq!(
            got,
            [
                (
                    "MCOMEETADV".into(),
                    Presence::Changed,
                    st(Some("Enabled"), Some("Suspended"), true),
                    false
                ),
                (
                    "POWER_BI_PRO".into(),
                    Presence::Added,
                    st(None, Some("Enabled"), false),
                    true
                ),
                (
                    "STANDARDPACK".into(),
                    Presence::Changed,
                    st(Some("Warning"), Some("Deleted"), true),
                    false
                ),
            ]
        );
        assert_eq!((d.summary.seat_changes, d.summary.status_changes), (3, 2));
        assert!(d.seats[0].capability_status.lapsed());
        assert!(d.seats[2].capability_status.lapsed());
        assert!(!d.seats[1].capability_status.lapsed());
    }

    /// Which status changes lapse a subscription (its units no longer assignable): into Suspended,
    /// LockedOut or Deleted from a status before it in the decay, or from one licensing.md does
    /// not list; not Warning (a grace period), not back, not between the last two.
    #[test]
    fn which_status_changes_lapse_a_subscription() {
        let lapsed = |a: &str, b: &str| StatusChange::of(Some(a), Some(b)).lapsed();
        for (a, b) in [
            ("Enabled", "Suspended"),
            ("Enabled", "LockedOut"),
            ("Warning", "Deleted"),
            ("Suspended", "Deleted"),
            ("enabled", "SUSPENDED"),
            ("Trial", "Suspended"),
        ] {
            assert!(lapsed(a, b), "{a} -> {b}");
        }
        for (a, b) in [
            ("Enabled", "Warning"),
            ("Suspended", "Enabled"),
            ("Deleted", "Suspended"),
            ("LockedOut", "Deleted"),
            ("Suspended", "suspended"),
            ("Enabled", "Trial"),
        ] {
            assert!(!lapsed(a, b), "{a} -> {b}");
        }
        assert!(!StatusChange::of(None, Some("Suspended")).lapsed());
        assert!(!StatusChange::of(Some(""), Some("Suspended")).changed);
    }

    /// Review: renames were not reported, and the other sections name users only as NEW does.
    /// Users of both sides whose UPN or display name changed, and groups whose display name
    /// changed, are listed old -> new, matched by object id; a change of case or spaces (one
    /// pseudonym under --redact), a name one side lacks, and a deleted user's UPN as Entra rewrites
    /// it are no rename; a user listed twice is listed once.
    #[test]
    fn renamed_users_and_groups_are_listed() {
        let named = |n: &str, upn: Option<&str>, display: Option<&str>| {
            let mut u = with(n, vec![bad(E3, Some("G-A"), "CountViolation", AT)]);
            u.upn = upn.map(Into::into);
            u.display_name = display.map(Into::into);
            u
        };
        // a deleted user's UPN is prefixed with the object id without dashes (a GUID)
        const EVE: &str = "10000000-0000-4000-8000-00000000000E";
        let eve = |upn: &str| {
            let mut u = named("eve", Some(upn), Some("Eve"));
            u.id = ObjectId::parse(EVE).expect("id");
            u
        };
        let deleted = format!("{}eve@fabrikam.example", EVE.replace('-', ""));
        let old = Snapshot {
            users: vec![
                named(
                    "ana",
                    Some("sofia.greco@fabrikam.example"),
                    Some("Sofia Greco"),
                ),
                named("bo", Some("kai@fabrikam.example"), Some("Kai Nakamura")),
                named("cy", Some("cy@fabrikam.example"), Some("Cy")),
                named("dee", Some("dee@fabrikam.example"), Some("Dee")),
                eve("eve@fabrikam.example"),
            ],
            groups: vec![
                group("G-A", &[(E3, &[])]),
                group("G-B", &[]),
                group("G-C", &[]),
            ],
            ..Default::default()
        };
        let mut renamed_group = group("G-A", &[(E3, &[])]);
        renamed_group.display_name = Some("LIC-PBI-Renamed".into());
        let mut case_only = group("G-B", &[]);
        case_only.display_name = Some(" g-b ".into());
        let new = Snapshot {
            users: vec![
                named(
                    "ana",
                    Some("sofia.bianchi@fabrikam.example"),
                    Some("Sofia Bianchi"),
                ),
                named("bo", Some("kai@fabrikam.example"), Some("Kai Tanaka")),
                named("bo", Some("kai@fabrikam.example"), Some("Kai Tanaka")),
                named("cy", Some(" CY@Fabrikam.example"), Some("cy")),
                named("dee", Some("dee@fabrikam.example"), None),
                eve(&deleted),
            ],
            groups: vec![renamed_group, case_only, group("G-D", &[])],
            ..Default::default()
        };
        let d = compare(&old, &new, "old", "new", &Knowledge::builtin());
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        type Pair = Option<(String, String)>;
        let got: Vec<(Option<String>, Pair, Pair)> = d
            .users_renamed
            .iter()
            .map(|r| {
                (
                    r.user.upn.as_deref().map(String::from),
                    r.upn.clone(),
                    r.display_name.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("kai@fabrikam.example".into()),
                    None,
                    pair("Kai Nakamura", "Kai Tanaka")
                ),
                (
                    Some("sofia.bianchi@fabrikam.example".into()),
                    pair(
                        "sofia.greco@fabrikam.example",
                        "sofia.bianchi@fabrikam.example"
                    ),
                    pair("Sofia Greco", "Sofia Bianchi")
                ),
            ]
        );
        assert_eq!(d.summary.users_renamed, 2);
        assert_eq!(d.groups_renamed.len(), 1);
        assert_eq!(d.groups_renamed[0].group.id, gid("G-A"));
        assert_eq!(
            d.groups_renamed[0].display_name,
            ("G-A".to_string(), "LIC-PBI-Renamed".to_string())
        );
        assert_eq!(d.summary.groups_renamed, 1);
        // the other sections name the user and group as NEW does: the renames link them to OLD
        assert!(d.new_errors.is_empty() && d.cleared_errors.is_empty());
        let mut cleared = named("ana", Some("sofia.bianchi@fabrikam.example"), None);
        cleared.license_states = vec![ok(E3, Some("G-A"), AT)].into();
        let only_ana = Snapshot {
            users: vec![cleared],
            groups: new.groups.clone(),
            ..Default::default()
        };
        let d = compare(&old, &only_ana, "old", "new", &Knowledge::builtin());
        let ana = d
            .cleared_errors
            .iter()
            .find(|c| c.was.user.id == Some(uid("ana")))
            .expect("ana's error cleared");
        assert_eq!(
            ana.was.user.upn.as_deref(),
            Some("sofia.bianchi@fabrikam.example")
        );
        assert_eq!(
            ana.was.via,
            Via::Group(GroupRef {
                id: gid("G-A"),
                name: Some("LIC-PBI-Renamed".into())
            })
        );
        // no groups export on a side: no group is renamed
        let d = compare(
            &old,
            &Snapshot {
                users: new.users.clone(),
                ..Default::default()
            },
            "old",
            "new",
            &Knowledge::builtin(),
        );
        assert!(d.groups_renamed.is_empty());
        assert_eq!(d.users_renamed.len(), 2);
    }

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
