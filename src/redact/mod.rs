//! Redaction: personal data replaced by stable pseudonyms (a keyed hash) right after ingestion, so
//! every command and every output format only ever sees the pseudonyms.
//!
//! What is replaced: UPNs, mail and proxy addresses and any address inside free text
//! (`user-<hash>@redacted.invalid`, one function for all of them so equal addresses stay equal and
//! duplicate-address detection still works), display names of users, groups, targets and actors
//! (`name-<hash>`), IP addresses (`ip-<hash>`). The hash is HMAC-SHA256 over `kind:` and the value
//! composed and lower-cased, with the `--redact-key` (or a random key per run), cut to 10 hex
//! characters. Object ids, SKU and
//! plan ids and names, times and counts are kept, so the diagnosis is the same with and without
//! redaction.

pub mod known;
pub mod pseudonym;
pub mod records;
pub mod shapes;
pub mod text;

use crate::cli::RedactArgs;
use crate::ingest::Ingested;
use pseudonym::Pseudonyms;
use rayon::prelude::*;
use text::Scrubber;

/// Replaces UPNs, mail and proxy addresses, display names and IP addresses with keyed pseudonyms.
pub struct Redactor {
    p: Pseudonyms,
}

impl Redactor {
    /// A redactor for the command-line flags, or `None` without `--redact`.
    pub fn from_args(a: &RedactArgs) -> Option<Redactor> {
        a.redact.then(|| Redactor::new(a.redact_key.as_deref()))
    }

    /// `key`: the same key gives the same pseudonyms across runs; `None` draws a random key.
    pub fn new(key: Option<&str>) -> Redactor {
        let key = match key {
            Some(k) => k.as_bytes().to_vec(),
            None => random_key(),
        };
        Redactor {
            p: Pseudonyms::new(key),
        }
    }

    /// The pseudonym of an address (UPN, mail, `smtp:` proxy address): lets a command map an
    /// argument such as `--user UPN` onto redacted data.
    pub fn address(&self, value: &str) -> String {
        self.p.address(value)
    }

    /// The pseudonym of a display name (`--group NAME` on redacted data).
    pub fn name(&self, value: &str) -> String {
        self.p.name(value)
    }

    /// An error message of a run that stops, with its addresses and IP addresses replaced (the
    /// inputs' display names are not known at that point: they stay).
    pub fn message(&self, text: &str) -> String {
        Scrubber::new(self.p.clone(), Vec::new(), Vec::new()).text(text)
    }

    /// Pseudonymizes everything personal in the ingested data, in place.
    pub fn apply(&self, data: &mut Ingested) {
        let names = records::display_names(&data.events, &data.snapshot);
        let addresses = records::known_addresses(&data.events, &data.snapshot);
        let s = Scrubber::new(self.p.clone(), names, addresses);
        // input paths (a folder named after a user, an export named by its address) are scrubbed
        // as free text, the same way in the inputs' reports and in every record's source
        let paths = records::Paths::new(&s, data.inputs.iter().map(|i| i.path.as_str()));
        for i in &mut data.inputs {
            records::input(&s, i);
            i.path = paths.get(&i.path).to_string();
        }
        let shared = records::Shared::new(&s, &data.events, &data.snapshot);
        data.events.par_iter_mut().for_each(|e| {
            records::event(&s, &shared, e);
            paths.fix(&mut e.source.file);
        });
        records::snapshot(&s, &shared, &mut data.snapshot);
        drop(shared);
        paths.snapshot(&mut data.snapshot);
    }
}

/// A per-run key from the OS-seeded hasher and the clock: pseudonyms of two runs without
/// `--redact-key` cannot be linked.
/// The redaction flags with the key fixed for this run: with `--redact` and no `--redact-key`, a
/// random key is drawn once, so every read of this run (OLD and NEW of a diff, the data and a
/// `--user` argument) gets the same pseudonyms while runs still cannot be linked.
pub fn with_run_key(a: &RedactArgs) -> RedactArgs {
    match (a.redact, &a.redact_key) {
        (true, None) => RedactArgs {
            redact: true,
            redact_key: Some(random_key().iter().map(|b| format!("{b:02x}")).collect()),
        },
        _ => a.clone(),
    }
}

fn random_key() -> Vec<u8> {
    use std::hash::{BuildHasher, Hasher};
    let mut key = Vec::with_capacity(32);
    for i in 0u8..4 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        key.extend_from_slice(&h.finish().to_le_bytes());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit as tk;
    use crate::model::{Actor, Cause, ModifiedProperty};

    fn data() -> Ingested {
        let mut u = tk::user("kai");
        u.display_name = Some("Kai Nakamura".into());
        u.mail = Some("kai@fabrikam.example".into());
        u.proxy_addresses = vec!["SMTP:kai@fabrikam.example", "X500:/o=x/cn=kai"].into();
        let mut g = tk::group("LIC-E3", &[]);
        g.display_name = Some("LIC-E3 Staff".into());
        let mut add = tk::add_member(
            "kai",
            "LIC-E3",
            "2026-10-05T07:00:00Z",
            Actor::User(std::sync::Arc::new(crate::model::UserActor {
                id: None,
                upn: Some("ana.admin@fabrikam.example".into()),
                display_name: Some("Ana Admin".into()),
                ip: Some("203.0.113.10".into()),
            })),
        );
        if !add.targets.is_empty() {
            let n = add.targets.len();
            add.extra.modified_of_mut(0, n).push(ModifiedProperty {
                name: "Group.DisplayName".into(),
                old: None,
                new: Some("LIC-E3 Staff".into()),
            });
        }
        add.extra.additional_details = vec![
            (
                "User-Agent".into(),
                "Chrome/129.0.0.0 from 203.0.113.10".into(),
            ),
            (
                "Note".into(),
                "asked by Kai Nakamura <kai@fabrikam.example>".into(),
            ),
        ];
        let mut fail = tk::gbl_fail(
            "kai",
            "2026-10-05T07:01:00Z",
            tk::lerr(
                Cause::UniquenessViolation,
                "Proxy address SMTP:kai@fabrikam.example is already being used",
            ),
        );
        if let Some(e) = fail.extra.errors.first_mut() {
            std::sync::Arc::make_mut(e).address = Some("smtp:kai@fabrikam.example".into());
        }
        let mut d = Ingested::default();
        d.snapshot.users.push(u);
        d.snapshot.groups.push(g);
        d.events = vec![add, fail];
        d
    }

    #[test]
    fn apply_leaves_nothing_personal_and_keeps_equalities() {
        let mut d = data();
        let r = Redactor::new(Some("k1"));
        r.apply(&mut d);
        let all = format!(
            "{}{}",
            serde_json::to_string(&d.events).expect("json"),
            serde_json::to_string(&d.snapshot).expect("json")
        );
        for secret in [
            "kai@",
            "ana.admin",
            "Kai Nakamura",
            "Ana Admin",
            "LIC-E3 Staff",
            "203.0.113.10",
            "/o=x/cn=kai",
        ] {
            assert!(!all.contains(secret), "{secret} left in {all}");
        }
        assert!(
            all.contains("Chrome/129.0.0.0"),
            "versions are not IP addresses"
        );
        let kai = r.address("kai@fabrikam.example");
        let u = &d.snapshot.users[0];
        assert_eq!(u.mail.as_deref(), Some(kai.as_str()));
        assert_eq!(
            u.proxy_addresses.first(),
            Some(format!("SMTP:{kai}").as_str())
        );
        assert_eq!(
            d.events[1].extra.errors[0].address.as_deref(),
            Some(format!("smtp:{kai}").as_str())
        );
        assert!(d.events[1].extra.errors[0].text.contains(&kai));
        let staff = r.name("LIC-E3 Staff");
        assert_eq!(
            d.snapshot.groups[0].display_name.as_deref(),
            Some(staff.as_str())
        );
        assert_eq!(
            d.events[0].extra.modified_of(0)[0].new.as_deref(),
            Some(staff.as_str())
        );
        // ids stay
        assert_eq!(u.id, tk::uid("kai"));
    }

    #[test]
    fn same_key_same_result_other_key_other_result() {
        let run = |k: &str| {
            let mut d = data();
            Redactor::new(Some(k)).apply(&mut d);
            serde_json::to_string(&d.snapshot).expect("json")
        };
        assert_eq!(run("k1"), run("k1"));
        assert_ne!(run("k1"), run("k2"));
        let mut a = data();
        let mut b = data();
        Redactor::new(None).apply(&mut a);
        Redactor::new(None).apply(&mut b);
        assert_ne!(
            serde_json::to_string(&a.snapshot).expect("json"),
            serde_json::to_string(&b.snapshot).expect("json"),
            "random keys differ"
        );
    }
}
