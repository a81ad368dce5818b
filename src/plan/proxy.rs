//! Duplicate proxy addresses (group-licensing-guide.md, "Duplicate proxy addresses"; licensing.md §6
//! row 5): a license update on a user recalculates their proxy addresses, and assigning a product with
//! an Exchange Online plan fails ("Proxy address is already being used", UniquenessViolation) when the
//! user's address is another object's too. Used by `delete-group` (the removal recalculates them) and by
//! `change` and `add-on` when they bring an Exchange Online plan to the members.

use super::doc::{join_and, BlockerKind, Findings};
use super::reprocess;
use super::view::{PlanSet, Tenant};
use crate::model::finding::UserRef;
use crate::model::snapshot::User;
use crate::model::{Cause, ObjectId, PlanId};
use std::collections::BTreeMap;

/// Addresses (`proxyAddresses` and `mail`, compared without `smtp:` and case-insensitively) and the
/// objects holding them.
pub struct AddressIndex {
    holders: BTreeMap<String, Vec<(Holder, String)>>,
    /// The tenant's `*.onmicrosoft.com` domain, for the `alias@<moera>` address the proxy
    /// calculation adds ([`crate::diagnose::moera_domain_of`], as `analyze` finds it).
    moera: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Holder {
    User(ObjectId),
    Group(ObjectId),
}

pub fn normalize(a: &str) -> Option<String> {
    let lower = a.trim().to_lowercase();
    let bare = lower
        .strip_prefix("smtp:")
        .unwrap_or(&lower)
        .trim()
        .to_string();
    (!bare.is_empty()).then_some(bare)
}

impl AddressIndex {
    /// Every user's and group's addresses, but those of `skip_group` (a group about to be deleted).
    pub fn new(t: &Tenant<'_>, skip_group: Option<&ObjectId>) -> AddressIndex {
        let mut holders: BTreeMap<String, Vec<(Holder, String)>> = BTreeMap::new();
        let mut add = |addr: &str, h: Holder, label: String| {
            if let Some(n) = normalize(addr) {
                let list = holders.entry(n).or_default();
                if !list.iter().any(|(x, _)| *x == h) {
                    list.push((h, label));
                }
            }
        };
        for u in t.users() {
            let label = format!("user {}", u.label());
            for a in u.proxy_addresses.iter().chain(u.mail.as_deref()) {
                add(a, Holder::User(u.id.clone()), label.clone());
            }
        }
        for g in &t.snap.groups {
            if Some(&g.id) == skip_group {
                continue;
            }
            let label = format!("group {}", g.label());
            for a in g.proxy_addresses.iter().chain(g.mail.iter()) {
                add(a, Holder::Group(g.id.clone()), label.clone());
            }
        }
        AddressIndex {
            holders,
            moera: crate::diagnose::moera_domain_of(t.snap),
        }
    }

    /// The user's addresses, held or candidate (UPN, mail, proxy addresses, `alias@<moera>`: the ones
    /// the proxy calculation keeps or adds, found as `analyze` finds them), that other objects hold
    /// too, each with why it is the user's and those objects' labels (licensing.md §6 #5).
    fn collisions(&self, u: &User) -> Vec<(String, &'static str, Vec<String>)> {
        let me = Holder::User(u.id.clone());
        let mut mine: BTreeMap<String, &'static str> = BTreeMap::new();
        crate::diagnose::user_candidates(u, self.moera.as_deref(), &mut mine);
        mine.into_iter()
            .filter_map(|(a, why)| {
                // three holders by name, then how many more: every holder named for every user
                // of an address many objects share was quadratic (5,000 users: 721 MB of report)
                const NAMED: usize = 3;
                let all = self.holders.get(&a)?;
                let total = all.iter().filter(|(h, _)| *h != me).count();
                let mut others: Vec<String> = all
                    .iter()
                    .filter(|(h, _)| *h != me)
                    .take(NAMED)
                    .map(|(_, l)| l.clone())
                    .collect();
                if total > others.len() {
                    others.push(format!("{} more", total - others.len()));
                }
                (!others.is_empty()).then_some((a, why, others))
            })
            .collect()
    }
}

/// A `proxy_conflict` blocker for each of `u`'s license states in UniquenessViolation and each of
/// their addresses another object holds. `cause` says what recalculates the addresses ("removing
/// licenses").
pub fn report(
    t: &Tenant<'_>,
    index: &AddressIndex,
    u: &User,
    uref: &UserRef,
    cause: &str,
    f: &mut Findings,
) {
    for h in t
        .holdings(u)
        .iter()
        .filter(|h| h.error() == Some(&Cause::UniquenessViolation))
    {
        f.block_with(
            Some(uref.clone()),
            BlockerKind::ProxyConflict,
            format!(
                "in UniquenessViolation for {} (proxy address already used by another object): license changes \
                 for this user fail until the duplicate address is fixed",
                t.holding_label(h)
            ),
            Some(t.product(&h.sku)),
            Vec::new(),
        );
    }
    for (addr, why, others) in index.collisions(u) {
        let why = match why {
            "upn" => "the user's UPN, which the calculation adds as an address",
            "mail" => "the user's mail",
            "onmicrosoft_alias" => "the alias@onmicrosoft.com address the calculation adds",
            _ => "one of the user's proxy addresses",
        };
        f.block(
            Some(uref.clone()),
            BlockerKind::ProxyConflict,
            format!(
                "address {addr} ({why}) is also held by {}: {cause} recalculates proxy addresses and can fail on \
                 the duplicate; fix it{}",
                join_and(&others),
                if u.is_synced() {
                    " at the source of authority (on-premises AD: the user is synced)".to_string()
                } else {
                    // the address (normalized: no `smtp:` prefix) where it can be quoted safely, the
                    // spelling analyze uses; another type (`x500:/o=…`) is quoted with its prefix
                    if crate::recommend::powershell::plain_address(&addr) {
                        format!(" (Exchange Online: `Get-Recipient -Filter \"EmailAddresses -eq 'smtp:{addr}'\"`)")
                    } else if typed_address(&addr) {
                        format!(" (Exchange Online: `Get-Recipient -Filter \"EmailAddresses -eq '{addr}'\"`)")
                    } else {
                        " (Exchange Online: `Get-Recipient -Filter \"EmailAddresses -eq 'smtp:<address>'\"`)"
                            .to_string()
                    }
                }
            ),
        );
    }
}

/// An address of another type than SMTP (`x500:/o=org/ou=…/cn=…`, `sip:a@b`) that can be quoted in a
/// filter inside a double-quoted PowerShell string: a type prefix, then only letters, digits and
/// `.-_+@/=:,` (no quote, `$`, backtick or space).
fn typed_address(a: &str) -> bool {
    let Some((kind, rest)) = a.split_once(':') else {
        return false;
    };
    !kind.is_empty()
        && kind.chars().all(|c| c.is_ascii_alphanumeric())
        && !rest.is_empty()
        && rest.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '@' | '/' | '=' | ':' | ',')
        })
}

/// The step for the users listed under `proxy_conflict`, if any.
pub fn step(f: &Findings) -> Option<String> {
    if !f.has_blocker(BlockerKind::ProxyConflict) {
        return None;
    }
    let cmds = reprocess::per_user(reprocess::blocked(f, BlockerKind::ProxyConflict), |id| {
        format!("Invoke-MgLicenseUser -UserId {id}")
    })
    .unwrap_or_else(|| "`Invoke-MgLicenseUser -UserId <user id>`".into());
    Some(format!(
        "Fix the duplicate proxy addresses listed under proxy_conflict (at the source of authority for synced \
         users), then reprocess those users: {cmds}."
    ))
}

/// The Exchange Online plans (a mailbox, or an archive for one) among `plans`: assigning them
/// triggers the proxy-address calculation. Exchange Foundation, in many non-Exchange products, is not
/// one.
pub fn exchange_plans(t: &Tenant<'_>, plans: &PlanSet) -> Vec<PlanId> {
    plans
        .iter()
        .filter(|p| {
            t.kb.plan_name(p).is_some_and(|n| {
                let n = n.trim().to_ascii_uppercase();
                ["EXCHANGE_S_", "EXCHANGE_B_", "EXCHANGE_L_"]
                    .iter()
                    .any(|pre| n.starts_with(pre))
                    && !n.starts_with("EXCHANGE_S_FOUNDATION")
            })
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_without_prefix_and_case() {
        assert_eq!(
            normalize(" SMTP:Ana@X.example "),
            Some("ana@x.example".into())
        );
        assert_eq!(normalize("sip:ana@x"), Some("sip:ana@x".into()));
        assert_eq!(normalize("smtp:"), None);
    }

    #[test]
    fn typed_addresses_are_quoted_only_when_safe() {
        assert!(typed_address("x500:/o=org/cn=dup"));
        assert!(typed_address("sip:ana@x.example"));
        for bad in [
            "x500:/o=org/cn=a'b",
            "x500:/o=$(calc)",
            "x500:/o=a b",
            "x500:",
            ":x",
            "x500:/o=\u{2019}",
            "ana@x.example",
        ] {
            assert!(!typed_address(bad), "{bad}");
        }
    }
}
