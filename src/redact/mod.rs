//! Redaction: personal data replaced by stable pseudonyms (a keyed hash) right after ingestion, so
//! every command and every output format only ever sees the pseudonyms.
//!
//! What is replaced: UPNs, mail and proxy addresses and any address inside free text
//! (`user-<hash>@redacted.invalid`, one function for all of them so equal addresses stay equal and
//! duplicate-address detection still works), display names of users, groups, targets and actors
//! (`name-<hash>`), IP addresses (`ip-<hash>`). The hash is HMAC-SHA256 over `kind:lower(value)`
//! with the `--redact-key` (or a random key per run), cut to 10 hex characters. Object ids, SKU and
//! plan ids and names, times and counts are kept, so the diagnosis is the same with and without
//! redaction.

pub mod pseudonym;
pub mod records;
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

    /// Pseudonymizes everything personal in the ingested data, in place.
    pub fn apply(&self, data: &mut Ingested) {
        let names = records::display_names(&data.events, &data.snapshot);
        let s = Scrubber::new(self.p.clone(), names);
        for i in &mut data.inputs {
            records::input(&s, i);
        }
        data.events
            .par_iter_mut()
            .for_each(|e| records::event(&s, e));
        records::snapshot(&s, &mut data.snapshot);
    }
}

/// A per-run key from the OS-seeded hasher and the clock: pseudonyms of two runs without
/// `--redact-key` cannot be linked.
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
