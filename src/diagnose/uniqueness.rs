//! UniquenessViolation (duplicate proxy address): the failing user's candidate addresses (UPN, mail,
//! existing proxyAddresses, alias@<tenant>.onmicrosoft.com, an address named by the audit text)
//! compared case-insensitively and without `smtp:` against every other user's and group's
//! proxyAddresses and mail. Names the colliding address and the other object(s); synced users are
//! fixed at the source of authority.

use super::context::{normalize_address, AddressIndex, Ctx, UKey};
use super::observe::Bucket;
use super::status::UserState;
use super::text::{list, plural};
use crate::model::finding::{AddressHolder, CauseDetails, Collision, Status, UserRef, MAX_HOLDERS};
use crate::model::hash::{HashMap, HashSet};
use crate::model::{Cause, LicenseError};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Builds the pattern of [`address_in_text`] ([`super::warm`]).
pub(super) fn warm() {
    address_in_text("");
}

fn address_in_text(text: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)(?:smtp:)?[a-z0-9._%+'\-]+@[a-z0-9.\-]+\.[a-z]{2,}")
            .expect("static regex is valid")
    });
    re.find(text).map(|m| m.as_str().to_string())
}

/// The addresses a failing user could collide on (normalized), each with why it is a candidate
/// (the first reason wins): an address named by the audit text, the UPN, mail, proxy addresses and
/// the `alias@<tenant>.onmicrosoft.com` address.
fn candidates(
    ctx: &Ctx<'_>,
    us: &UserState,
    audit: &HashMap<&UKey, Vec<&LicenseError>>,
    moera: Option<&str>,
) -> BTreeMap<String, &'static str> {
    let mut cands: BTreeMap<String, &'static str> = BTreeMap::new();
    for e in audit.get(&us.user).map(|v| v.as_slice()).unwrap_or(&[]) {
        if e.cause != Cause::UniquenessViolation {
            continue;
        }
        if let Some(a) = e.address.clone().or_else(|| address_in_text(&e.text)) {
            if let Some(n) = normalize_address(&a) {
                cands.entry(n).or_insert("audit_text");
            }
        }
    }
    if let Some(m) = ctx.user(&us.user) {
        user_candidates(m, moera, &mut cands);
    }
    cands
}

/// The addresses a user's proxy calculation can produce or keeps (normalized), each with why it is
/// a candidate (the first reason wins): the UPN (not a guest's `#EXT#` one), mail, proxy addresses
/// and `alias@<moera>`. Also used by `licdiag plan` to predict a duplicate before a license that
/// triggers the calculation is assigned.
pub(crate) fn user_candidates(
    m: &crate::model::snapshot::User,
    moera: Option<&str>,
    cands: &mut BTreeMap<String, &'static str>,
) {
    if let Some(upn) = m
        .upn
        .as_deref()
        .filter(|u| !u.to_ascii_lowercase().contains("#ext#"))
    {
        if let Some(n) = normalize_address(upn) {
            cands.entry(n).or_insert("upn");
        }
    }
    if let Some(mail) = &m.mail {
        if let Some(n) = normalize_address(mail) {
            cands.entry(n).or_insert("mail");
        }
    }
    for p in &m.proxy_addresses {
        if let Some(n) = normalize_address(p) {
            cands.entry(n).or_insert("proxy_address");
        }
    }
    if let Some(d) = moera {
        let alias = m
            .upn
            .as_deref()
            .filter(|u| !u.to_ascii_lowercase().contains("#ext#"))
            .or(m.mail.as_deref())
            .and_then(|a| a.split('@').next())
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty());
        if let Some(a) = alias {
            cands
                .entry(format!("{a}@{d}"))
                .or_insert("onmicrosoft_alias");
        }
    }
}

/// Every address the findings of these uniqueness buckets (with their users' states) look up:
/// the address index only needs their holders ([`Ctx::address_index_for`]).
pub(crate) fn wanted<'b>(
    ctx: &Ctx<'_>,
    buckets: impl Iterator<Item = (&'b Bucket, &'b [UserState])>,
) -> HashSet<String> {
    let moera = ctx.moera_domain();
    let mut all = HashSet::default();
    for (b, users) in buckets {
        let audit = b.audit_errors_by_user(ctx);
        for us in users {
            all.extend(candidates(ctx, us, &audit, moera).into_keys());
        }
    }
    all
}

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let index = ctx.address_index();
    let moera = ctx.moera_domain();
    let audit = b.audit_errors_by_user(ctx);
    let mut colliding: Vec<Collision> = Vec::new();
    let mut unexplained = Vec::new();
    // each address's holders, sorted, built once: many users colliding on one shared address
    // would otherwise each build and sort the same list
    let mut by_address: HashMap<String, std::rc::Rc<Vec<AddressHolder>>> = HashMap::default();

    for us in users {
        let uref = ctx.user_ref(&us.user);
        let me = ctx.user(&us.user);
        let my_index = ctx.user_index(&us.user);
        let synced = me.map(|m| m.is_synced()).unwrap_or(false);
        let cands = candidates(ctx, us, &audit, moera);
        let mut found = false;
        for (addr, why) in &cands {
            let all = by_address
                .entry(addr.clone())
                .or_insert_with(|| std::rc::Rc::new(holders_of(ctx, index, addr)))
                .clone();
            let me_id = my_index
                .and_then(|i| ctx.user_by_index(i))
                .map(|u| u.id.clone());
            let not_me = |h: &&AddressHolder| !(h.kind == "user" && Some(&h.id) == me_id.as_ref());
            let holders_total = all.iter().filter(not_me).count();
            if holders_total == 0 {
                continue;
            }
            let holders: Vec<AddressHolder> = all
                .iter()
                .filter(not_me)
                .take(MAX_HOLDERS)
                .cloned()
                .collect();
            found = true;
            colliding.push(Collision {
                user: uref.clone(),
                address: addr.clone(),
                candidate_from: (*why).into(),
                holders,
                holders_total,
                synced,
            });
        }
        if !found && us.status == Status::Pending {
            unexplained.push(uref.clone());
        }
    }
    colliding.sort();
    let _ = &mut by_address;
    drop(by_address);
    explain(ctx, b, users, colliding, unexplained)
}

/// Every object holding `addr`, sorted, each once.
fn holders_of(ctx: &Ctx<'_>, index: &AddressIndex<'_>, addr: &str) -> Vec<AddressHolder> {
    let mut holders: Vec<AddressHolder> = index
        .holders(addr)
        .filter_map(|e| {
            if e.is_user {
                ctx.user_by_index(e.index()).map(|u| AddressHolder {
                    id: u.id.clone(),
                    upn: u.upn.as_deref().map(String::from),
                    display_name: u.display_name.as_deref().map(String::from),
                    kind: "user".into(),
                    matched_on: e.matched_on().into(),
                    value: e.value.to_string(),
                })
            } else {
                ctx.snap.groups.get(e.index()).map(|g| AddressHolder {
                    id: g.id.clone(),
                    upn: None,
                    display_name: g.display_name.clone(),
                    kind: "group".into(),
                    matched_on: e.matched_on().into(),
                    value: e.value.to_string(),
                })
            }
        })
        .collect();
    // one holder per object: a mail-enabled object holds its address in `mail` and in
    // `proxyAddresses` (`SMTP:`) both; the proxy address, the attribute Exchange keeps unique and
    // the one written with its prefix, is the one named
    holders.sort_by(|a, b| {
        (&a.kind, &a.id, a.matched_on == "mail", &a.value).cmp(&(
            &b.kind,
            &b.id,
            b.matched_on == "mail",
            &b.value,
        ))
    });
    holders.dedup_by(|later, first| later.kind == first.kind && later.id == first.id);
    holders.sort();
    holders
}

fn explain(
    ctx: &Ctx<'_>,
    b: &Bucket,
    users: &[UserState],
    colliding: Vec<Collision>,
    unexplained: Vec<UserRef>,
) -> (CauseDetails, String) {
    let sku = ctx.bucket_sku_label(&b.sku, &b.group);
    let from = ctx
        .group_key_label(&b.group)
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    let mut parts = vec![format!(
        "{} could not get {sku}{from}: assigning it triggers proxy-address calculation, and an address the user would get is already held by another object (\"Proxy address is already being used\").",
        plural(users.len(), "user", "users")
    )];
    // one sentence per address: many users colliding on one shared address are named together
    let mut per_address: BTreeMap<&str, Vec<&Collision>> = BTreeMap::new();
    for c in &colliding {
        per_address.entry(&c.address).or_default().push(c);
    }
    for (address, cs) in &per_address {
        let Some(c) = cs.first() else { continue };
        let mut holders: Vec<String> = c
            .holders
            .iter()
            .map(|h| {
                let who = h
                    .upn
                    .clone()
                    .or_else(|| h.display_name.clone())
                    .unwrap_or_else(|| h.id.to_string());
                let on = if h.matched_on == "mail" {
                    "mail"
                } else {
                    "proxyAddresses"
                };
                format!("{} {who} ({on} {})", h.kind, h.value)
            })
            .collect();
        // `list` counts what it leaves out from the vector: pad it to the true number
        holders.truncate(3);
        let held = if c.holders_total > holders.len() {
            format!(
                "{} and {} more",
                holders.join(", "),
                c.holders_total - holders.len()
            )
        } else {
            list(&holders, 3)
        };
        let why = match c.candidate_from.as_str() {
            "upn" => "its UPN",
            "mail" => "its mail",
            "proxy_address" => "one of its proxy addresses",
            "onmicrosoft_alias" => "its onmicrosoft.com alias",
            _ => "the address in the audit text",
        };
        if let [one] = cs.as_slice() {
            parts.push(format!(
                "{}: {address} ({why}) is held by {held}.",
                one.user.label(),
            ));
        } else {
            let who: Vec<String> = cs.iter().map(|c| c.user.label()).collect();
            parts.push(format!(
                "{} users would get {address}, held by {held}: {}.",
                cs.len(),
                list(&who, 5)
            ));
        }
    }
    if !unexplained.is_empty() {
        let l: Vec<String> = unexplained.iter().map(|u| u.label()).collect();
        parts.push(format!(
            "For {} no colliding address was found in the snapshot; look it up in Exchange Online with Get-Recipient.",
            list(&l, 5)
        ));
    }
    // the holder of the stray address is the object whose proxyAddresses change: where it is
    // mastered (on-premises AD for a synced one) says where to change them
    let mut synced: Vec<String> = Vec::new();
    let mut cloud: Vec<String> = Vec::new();
    for h in colliding.iter().flat_map(|c| &c.holders) {
        let who = h
            .upn
            .clone()
            .or_else(|| h.display_name.clone())
            .unwrap_or_else(|| h.id.to_string());
        let is_synced = if h.kind == "user" {
            ctx.resolve_user(Some(&h.id), None)
                .and_then(|k| ctx.user(&k))
                .map(|u| u.is_synced())
        } else {
            ctx.group(&h.id).map(|g| g.is_synced())
        };
        let into = match is_synced {
            Some(true) => &mut synced,
            Some(false) => &mut cloud,
            None => continue,
        };
        if !into.contains(&who) {
            into.push(who);
        }
    }
    if !synced.is_empty() {
        parts.push(format!(
            "{} synced from on-premises AD: change the stray address at the source of authority (on-premises AD), not in the cloud.",
            if synced.len() == 1 {
                format!("The holder {} is", list(&synced, 3))
            } else {
                format!("The holders {} are", list(&synced, 3))
            }
        ));
    }
    if !cloud.is_empty() {
        parts.push(format!(
            "{} cloud-only: change the stray address in the cloud (Exchange Online).",
            if cloud.len() == 1 {
                format!("The holder {} is", list(&cloud, 3))
            } else {
                format!("The holders {} are", list(&cloud, 3))
            }
        ));
    }
    parts.push("Fix the misconfigured address, then reprocess the user(s).".into());
    (
        CauseDetails::Uniqueness {
            colliding,
            unexplained,
        },
        parts.join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_from_text() {
        assert_eq!(
            address_in_text("Proxy address SMTP:Jamie.L@contoso.com is already being used")
                .as_deref(),
            Some("SMTP:Jamie.L@contoso.com")
        );
        assert_eq!(address_in_text("Proxy address is already being used"), None);
    }
}
