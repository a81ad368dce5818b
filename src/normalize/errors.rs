//! License errors read from audit-record text: the error tokens (`CountViolation`, ...), the
//! documented error sentences (formats.md §7, licensing.md §6), and unknown `*Violation` codes, wherever
//! they sit in the record. Each error keeps what its text tells (SKU, plans, address).

use crate::model::hash::HashMap;
use crate::model::{Cause, LicenseError};
use regex::Regex;
use std::cell::RefCell;
use std::sync::LazyLock;

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

// The words the fast path looks for (`ingest::prefilter`) are matched ASCII case-insensitively,
// in `(?-u:...)`: Unicode case folding takes a long s (`ſ`) for an `s`, so `Not enough licenſes
// are available` would be an error the needles miss.

static COUNT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)(?-u:Not enough licenses are available).*?for SKU \[(?P<sku>[^\]]*)\](?:.*?Licenses being added: (?P<adding>\[[^\]]*\](?:\s*,\s*\[[^\]]*\])*))?",
    )
});
static COUNT_BARE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i-u)Not enough licenses are available"));
/// The audit sentence names its plans in brackets (`service plans [A], [B] are mutually
/// exclusive.`); the Graph 400 answer of `assignLicense` names them bare, comma-separated, and
/// may end without a period (`service plans A,B are mutually exclusive`, licensing.md §6.1), by
/// name or GUID.
static EXCLUSIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)service plans?\s+(?P<plans>(?:\[[^\]]*\](?:\s*,\s*|\s+and\s+)?)+|[\w.\-]+(?:(?:\s*,\s*|\s+and\s+)[\w.\-]+)+)\s*(?-u:are mutually exclusive)",
    )
});
/// The admin center's refusal of a direct assignment (licensing.md §6.1: `You can't assign licenses
/// that contain these conflicting services: SharePoint (Plan 1), SharePoint (Plan 2).`) and the
/// legacy `Conflicting Service Plans: EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE`: the plans, by
/// display name (parentheses and all) or code, up to the sentence's period.
static CONFLICTING: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)(?:Conflicting Service Plans|conflicting services):\s*(?P<plans>[^.\r\n"]+)"#)
});
static DEPENDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)service plan \[(?P<dep>[^\]]*)\] (?-u:depends on the service plan\(s\))\s*(?P<req>(?:\[[^\]]*\](?:\s*,\s*)?)+)",
    )
});
static CANNOT_WITHOUT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)Service plan (?P<dep>\S+) (?-u:cannot be assigned without service plan) (?P<req>[^,.]+)",
    )
});
/// The admin center's prerequisite message on a user's assignment (licensing.md §6.1, §7.2): `To
/// assign a license that contains Office for the web, you must also assign one of the following
/// service plans: SharePoint Online (Plan 2), SharePoint Online Kiosk, SharePoint Online (Plan 1).`
/// The plans are display names, up to the sentence's period.
static MUST_ALSO_ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?is)(?:To assign a license that contains\s+(?P<dep>[^,]+?),\s*)?(?-u:you must also assign)\s+(?:one of\s+)?the following service plans?\s*:\s*(?P<req>[^.\r\n"]+)"#,
    )
});
/// `assignLicense`'s answer for a user without a (valid) usage location (licensing.md §6.1; the
/// beta cloud-licensing code `invalidUsageLocation`, §3.1): not a prohibited location (§6 #4),
/// kept as its own code, [`INVALID_USAGE_LOCATION`].
static INVALID_LOCATION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i-u)cannot be done for user with invalid usage location"));
/// The refusal to remove a license the user inherits from a group directly (licensing.md §6.1):
/// the message contains `User license is inherited from a group membership` (also written
/// without the `a`, as CIPP quotes it), MSOnline names it
/// `InvalidOperationOnGroupInheritedLicenseException`; either is kept as its own code,
/// [`INHERITED_LICENSE`], the text from the sentence (`sentence`) when it is there.
static INHERITED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?P<sentence>user license is inherited from (?:a )?group membership)|invalidoperationongroupinheritedlicenseexception",
    )
});
static REQUIRES: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?is)The service (?P<addon>.+?) requires (?P<req>.+?) (?-u:to be enabled as well)")
});
static PROXY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)Proxy address (?:(?P<addr>\S+@\S+?) )?is already being used|Non-unique proxy address|same value for property proxyAddresses already exists",
    )
});
static ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:smtp:)?[A-Z0-9._%+'\-]+@[A-Z0-9.\-]+\.[A-Z]{2,}"));
/// The whole match is the token (`\b` is zero-width): found without captures, which would run a
/// backtracking engine on each match. Matched in any ASCII case (`prohibitedinusagelocationviolation`
/// is the documented code in a tool's lower case); a code written otherwise than PascalCase is read
/// only when it is a known one ([`extract_with`]).
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i-u)\b(?:[a-z][a-z]*violation|licenseassignmentattributeconcurrencyexception)\b")
});
static BRACKETED: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]]*)\]"));

/// Words a pattern cannot match without, ASCII case-insensitive, one bit each in [`present`]'s
/// answer: one pass finds which patterns may match, and the others (most, for any one text) are
/// not run. None holds an `s` or a `k`, which Unicode case folding also takes from `ſ` and `K`
/// (the Kelvin sign), where a pattern folds Unicode: the `(?-u:...)` words are ASCII in the patterns
/// too. `TOKEN` is case-sensitive; its words here only narrow it down.
const WORDS: [&str; 13] = [
    "not enough licenses are available",       // COUNT, COUNT_BARE
    "are mutually exclusive",                  // EXCLUSIVE
    "onflicting",                              // CONFLICTING
    "depends on the service plan(s)",          // DEPENDS
    "cannot be assigned without service plan", // CANNOT_WITHOUT
    "to be enabled as well",                   // REQUIRES
    "roxy",                                    // PROXY
    "violation",                               // TOKEN
    "concurrencyexception",                    // TOKEN
    "you must also assign",                    // MUST_ALSO_ASSIGN
    "with invalid usage location",             // INVALID_LOCATION
    "license is inherited from",               // INHERITED
    "ongroupinheritedlicenseexception",        // INHERITED
];
const W_COUNT: u16 = 1;
const W_EXCLUSIVE: u16 = 1 << 1;
const W_CONFLICTING: u16 = 1 << 2;
const W_DEPENDS: u16 = 1 << 3;
const W_CANNOT_WITHOUT: u16 = 1 << 4;
const W_REQUIRES: u16 = 1 << 5;
const W_PROXY: u16 = 1 << 6;
const W_TOKEN: u16 = (1 << 7) | (1 << 8);
const W_MUST_ALSO_ASSIGN: u16 = 1 << 9;
const W_INVALID_LOCATION: u16 = 1 << 10;
const W_INHERITED: u16 = (1 << 11) | (1 << 12);

pub use crate::model::cause::{INHERITED_LICENSE, INVALID_USAGE_LOCATION};

static FINDER: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(WORDS)
        .ok()
});

/// Which of [`WORDS`] `text` holds, a bit each (all of them without a searcher).
fn present(text: &str) -> u16 {
    let Some(f) = FINDER.as_ref() else {
        return u16::MAX;
    };
    f.find_overlapping_iter(text)
        .fold(0, |bits, m| bits | 1 << m.pattern().as_usize())
}

fn bracketed(s: &str) -> Vec<String> {
    BRACKETED
        .captures_iter(s)
        .flat_map(|c| {
            c[1].split(',')
                .map(|x| x.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|x| !x.is_empty())
        .collect()
}

/// The plans of a list as written: bracketed (`[A], [B]`) or bare (`A,B`, `A and B`).
fn plan_list(s: &str) -> Vec<String> {
    if s.contains('[') {
        return bracketed(s);
    }
    split_names(s)
}

/// Names separated by commas, `and` or `or`, each [`clean`]ed.
fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .flat_map(|p| p.split(" and "))
        .flat_map(|p| p.split(" or "))
        .map(clean)
        .filter(|x| !x.is_empty())
        .collect()
}

fn clean(s: &str) -> String {
    s.trim()
        .trim_matches('"')
        .trim()
        .trim_end_matches('.')
        .trim()
        .to_string()
}

/// Texts with an error word one thread remembers the errors of at most, and the longest it
/// remembers: enough for the few texts a log repeats (one per cause and SKU), bounded whatever
/// the log holds.
const MEMO_MAX: usize = 1024;
const MEMO_TEXT_MAX: usize = 1024;

thread_local! {
    /// The errors of texts this thread read before: a log repeats its error texts (one per user and
    /// reprocessing), and the patterns' captures cost about 25k instructions a text.
    static MEMO: RefCell<HashMap<Box<str>, Vec<LicenseError>>> = RefCell::new(HashMap::default());
}

/// Empties this thread's memo of error texts (for when every input is read).
pub fn forget_memo() {
    crate::model::ids::forget(&MEMO);
}

/// Finds every license error in one piece of text.
pub fn extract(text: &str) -> Vec<LicenseError> {
    match present(text) {
        0 => Vec::new(),
        words if text.len() > MEMO_TEXT_MAX => extract_with(text, words),
        words => MEMO
            .try_with(|memo| {
                if let Some(found) = memo.borrow().get(text) {
                    return found.clone();
                }
                let found = extract_with(text, words);
                let mut memo = memo.borrow_mut();
                if memo.len() < MEMO_MAX {
                    memo.insert(text.into(), found.clone());
                }
                found
            })
            .unwrap_or_else(|_| extract_with(text, words)),
    }
}

/// [`extract`], running only the patterns whose words ([`WORDS`]) are in `words`.
fn extract_with(text: &str, words: u16) -> Vec<LicenseError> {
    let has = |w: u16| words & w != 0;
    // a pattern's captures, when its words are there
    let captures = |w: u16, re: &Regex| if has(w) { re.captures(text) } else { None };
    let mut out: Vec<LicenseError> = Vec::new();
    if let Some(c) = captures(W_COUNT, &COUNT) {
        let mut e = LicenseError::new(Cause::CountViolation, &c[0]);
        e.sku = c
            .name("sku")
            .map(|m| clean(m.as_str()))
            .filter(|s| !s.is_empty());
        e.licenses_being_added = c
            .name("adding")
            .map(|m| {
                // `[A, B]` or `[A], [B]` (as a conflict's plans are written)
                m.as_str()
                    .split(',')
                    .map(|s| clean(s.trim().trim_matches(|c| c == '[' || c == ']')))
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        out.push(e);
    } else if let Some(m) = has(W_COUNT).then(|| COUNT_BARE.find(text)).flatten() {
        out.push(LicenseError::new(Cause::CountViolation, &text[m.start()..]));
    }
    if let Some(c) = captures(W_EXCLUSIVE, &EXCLUSIVE) {
        let mut e = LicenseError::new(Cause::MutuallyExclusiveViolation, &c[0]);
        e.plans = plan_list(&c["plans"]);
        out.push(e);
    } else if let Some(c) = captures(W_CONFLICTING, &CONFLICTING) {
        let mut e = LicenseError::new(Cause::MutuallyExclusiveViolation, &c[0]);
        e.plans = c["plans"]
            .split(',')
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect();
        out.push(e);
    }
    if let Some(c) = captures(W_DEPENDS, &DEPENDS) {
        let mut e = LicenseError::new(Cause::DependencyViolation, &c[0]);
        e.plans = vec![clean(&c["dep"])];
        e.requires = bracketed(&c["req"]);
        out.push(e);
    } else if let Some(c) = captures(W_CANNOT_WITHOUT, &CANNOT_WITHOUT) {
        let mut e = LicenseError::new(Cause::DependencyViolation, &c[0]);
        e.plans = vec![clean(&c["dep"])];
        e.requires = vec![clean(&c["req"])];
        out.push(e);
    }
    if !out.iter().any(|e| e.cause == Cause::DependencyViolation) {
        if let Some(c) = captures(W_MUST_ALSO_ASSIGN, &MUST_ALSO_ASSIGN) {
            // a user's assignment refused for a plan it lacks: what `MissingDependency` says
            // (`Service plan X cannot be assigned without service plan Y`), not the group-level
            // add-on message (MissingPrerequisite)
            let mut e = LicenseError::new(Cause::DependencyViolation, &c[0]);
            e.plans = c
                .name("dep")
                .map(|m| clean(m.as_str()))
                .filter(|s| !s.is_empty())
                .into_iter()
                .collect();
            e.requires = split_names(&c["req"]);
            out.push(e);
        }
    }
    if let Some(m) = has(W_INVALID_LOCATION)
        .then(|| INVALID_LOCATION.find(text))
        .flatten()
    {
        // from the sentence's start, when it is there (lower-cased in place: the same offsets)
        let start = text[..m.start()]
            .to_ascii_lowercase()
            .rfind("license assignment")
            .unwrap_or(m.start());
        out.push(LicenseError::new(
            Cause::Unknown(INVALID_USAGE_LOCATION.into()),
            &text[start..],
        ));
    }
    if has(W_INHERITED) {
        // from the sentence's start when it is there (the exception's name and the sentence
        // often come together, `...Exception: User license is inherited ...`), else the whole
        // text that names the exception
        let mut found = INHERITED.captures_iter(text).peekable();
        if found.peek().is_some() {
            let start = found
                .find_map(|c| c.name("sentence").map(|m| m.start()))
                .unwrap_or(0);
            out.push(LicenseError::new(
                Cause::Unknown(INHERITED_LICENSE.into()),
                &text[start..],
            ));
        }
    }
    if let Some(c) = captures(W_REQUIRES, &REQUIRES) {
        let mut e = LicenseError::new(Cause::MissingPrerequisite, &c[0]);
        e.plans = vec![clean(&c["addon"])];
        e.requires = vec![clean(&c["req"])];
        out.push(e);
    }
    if let Some(c) = captures(W_PROXY, &PROXY) {
        let mut e = LicenseError::new(Cause::UniquenessViolation, &c[0]);
        e.address = c
            .name("addr")
            .map(|m| clean(m.as_str()))
            .or_else(|| ADDRESS.find(text).map(|m| clean(m.as_str())));
        out.push(e);
    }
    let tokens = has(W_TOKEN).then(|| TOKEN.find_iter(text));
    for m in tokens.into_iter().flatten() {
        let code = m.as_str();
        let Some(cause) = Cause::from_code(code) else {
            continue;
        };
        // an unknown code is read as written by Microsoft, PascalCase: a word of free text that
        // ends in `violation` is not one
        let pascal = code.starts_with(|c: char| c.is_ascii_uppercase())
            && code.ends_with("Violation")
            && code.bytes().any(|c| c.is_ascii_lowercase());
        if matches!(cause, Cause::Unknown(_)) && !pascal {
            continue;
        }
        if !out.iter().any(|e| e.cause == cause) {
            out.push(LicenseError::new(cause, text));
        }
    }
    out
}

/// Merges errors found in several texts of one record: one error per cause, details combined.
pub fn merge_into(acc: &mut Vec<LicenseError>, found: Vec<LicenseError>) {
    for e in found {
        match acc.iter_mut().find(|a| a.cause == e.cause) {
            Some(a) => {
                if a.sku.is_none() {
                    a.sku = e.sku;
                }
                if a.licenses_being_added.is_empty() {
                    a.licenses_being_added = e.licenses_being_added;
                }
                if a.plans.is_empty() {
                    a.plans = e.plans;
                }
                if a.requires.is_empty() {
                    a.requires = e.requires;
                }
                if a.address.is_none() {
                    a.address = e.address;
                }
                // prefer the sentence over a bare token
                if a.text.len() > e.text.len() && !e.text.is_empty() && a.plans.is_empty() {
                    a.text = e.text;
                }
            }
            None => acc.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of the documented sentences and their tokens, to build texts from.
    const PIECES: [&str; 28] = [
        "License assignment failed because service plans EXCHANGE_S_STANDARD,EXCHANGE_S_ENTERPRISE are mutually exclusive",
        "To assign a license that contains Office for the web, you must also assign one of the following service plans: SharePoint Online (Plan 2), SharePoint Online Kiosk.",
        "you must also assign the following service plan: X",
        "License assignment cannot be done for user with invalid usage location.",
        "User license is inherited from a group membership and it cannot be removed directly from the user.",
        "Microsoft.Online.Workflows.InvalidOperationOnGroupInheritedLicenseException",
        "Not enough licenses are available to complete this operation.",
        " for SKU [ENTERPRISEPACK]. Licenses being added: [ENTERPRISEPACK, EMS]",
        "License assignment failed because service plans [A], [B] are mutually exclusive.",
        "Conflicting Service Plans: SHAREPOINTWAC, SHAREPOINTSTANDARD",
        "conflicting services: X",
        "service plan [MCOMEETADV] depends on the service plan(s) [MCOSTANDARD], [MCOEV].",
        "Service plan EXCHANGE_S_STANDARD cannot be assigned without service plan X.",
        "The service Workplace Analytics requires Exchange Online (Plan 2) to be enabled as well.",
        "Proxy address smtp:j.smith@fabrikam.example is already being used",
        "Non-unique proxy address",
        "same value for property proxyAddresses already exists",
        "CountViolation",
        "MutuallyExclusiveViolation",
        "FancyNewViolation",
        "Microsoft.Online.Workflows.LicenseAssignmentAttributeConcurrencyException",
        "Error: ",
        " ",
        ", ",
        "\n",
        "[",
        "]",
        "a@b.example",
    ];

    /// The pieces joined, each in its case: as written (0), upper (1), lower (2), `ſ` and the
    /// Kelvin sign for s and k as Unicode case folding takes them (3), alternating ASCII case (4).
    fn cased(parts: &[(usize, u8)]) -> String {
        let mut text = String::new();
        for &(i, case) in parts {
            let piece = PIECES[i];
            match case {
                0 => text.push_str(piece),
                1 => text.push_str(&piece.to_uppercase()),
                2 => text.push_str(&piece.to_lowercase()),
                3 => text.push_str(&piece.replace('s', "\u{17f}").replace('k', "\u{212a}")),
                _ => text.extend(piece.chars().enumerate().map(|(n, c)| {
                    if n % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })),
            }
        }
        text
    }

    proptest! {
        /// Skipping the patterns whose words are missing finds exactly what running all of them
        /// finds, whatever the case of the text (ASCII, or `ſ` and `K` for s and k as Unicode
        /// case folding takes them).
        #[test]
        fn words_skip_only_patterns_that_cannot_match(
            parts in proptest::collection::vec((0..PIECES.len(), 0..4u8), 0..8)
        ) {
            let text = cased(&parts);
            let filtered = format!("{:?}", extract(&text));
            let all = format!("{:?}", extract_with(&text, u16::MAX));
            prop_assert_eq!(filtered, all);
        }
    }

    proptest! {
        /// The readers pass a property value or an additional detail to [`extract`] only when
        /// [`crate::ingest::audit::may_hold_error`] says it may hold an error: it never says no
        /// to a text the patterns find an error in, whatever its case (a case-sensitive check once
        /// left `NOT ENOUGH LICENSES ARE AVAILABLE`, `Non-unique proxy address` and the
        /// `Conflicting Service Plans` and `cannot be assigned without` sentences unread there).
        #[test]
        fn the_readers_gate_lets_every_error_through(
            parts in proptest::collection::vec((0..PIECES.len(), 0..5u8), 0..8)
        ) {
            let text = cased(&parts);
            if !extract_with(&text, u16::MAX).is_empty() {
                prop_assert!(crate::ingest::audit::may_hold_error(&text), "{:?}", text);
            }
        }
    }

    proptest! {
        /// A text read again is answered from the thread's memo with what the patterns find.
        #[test]
        fn remembered_texts_give_what_the_patterns_find(
            texts in proptest::collection::vec(
                proptest::collection::vec(0..PIECES.len(), 1..4), 1..6),
            order in proptest::collection::vec(0..6usize, 1..12)
        ) {
            let texts: Vec<String> = texts
                .iter()
                .map(|t| t.iter().map(|&i| PIECES[i]).collect())
                .collect();
            for i in order {
                let text = &texts[i % texts.len()];
                let found = extract(text);
                prop_assert_eq!(&found, &extract_with(text, u16::MAX));
                prop_assert_eq!(found, extract(text));
            }
        }
    }

    #[test]
    fn the_memo_is_bounded() {
        // a thread of its own: an empty memo, whatever other tests on this thread read
        std::thread::spawn(|| {
            let long = format!("CountViolation {}", "x".repeat(MEMO_TEXT_MAX));
            assert_eq!(extract(&long)[0].cause, Cause::CountViolation);
            assert_eq!(
                MEMO.with(|m| m.borrow().len()),
                0,
                "a long text is not kept"
            );
            assert!(extract("no error words here").is_empty());
            assert_eq!(
                MEMO.with(|m| m.borrow().len()),
                0,
                "a text without words is not kept"
            );
            for i in 0..MEMO_MAX + 10 {
                let text = format!("Proxy address smtp:u{i}@f.example is already being used");
                let found = extract(&text);
                assert_eq!(found, extract_with(&text, u16::MAX));
                assert_eq!(
                    found[0].address.as_deref(),
                    Some(&*format!("smtp:u{i}@f.example"))
                );
            }
            assert_eq!(MEMO.with(|m| m.borrow().len()), MEMO_MAX);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn words_are_found_in_any_case() {
        assert_eq!(present("nothing here"), 0);
        assert_eq!(present("NOT ENOUGH LICENSES ARE AVAILABLE"), W_COUNT);
        assert_eq!(present("Proxy address"), W_PROXY);
        assert_eq!(present("XViolation"), 1 << 7);
        assert_eq!(
            present("conflicting ... are mutually exclusive"),
            W_CONFLICTING | W_EXCLUSIVE
        );
    }

    fn one(text: &str) -> LicenseError {
        let v = extract(text);
        assert_eq!(v.len(), 1, "{v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn documented_sentences() {
        let e = one("Not enough licenses are available to complete this operation. Purchase more licenses or remove unneeded licenses from users and groups for SKU [ENTERPRISEPACK]. Licenses being added: [ENTERPRISEPACK, EMS]");
        assert_eq!(e.cause, Cause::CountViolation);
        assert_eq!(e.sku.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(e.licenses_being_added, vec!["ENTERPRISEPACK", "EMS"]);
        // each product in its own brackets, as a conflict's plans are written (review 88c: the
        // list was read as its first product, so a sibling Other missed its failure event)
        let e = one("Not enough licenses are available to complete this operation. Purchase more licenses or remove unneeded licenses from users and groups for SKU [ENTERPRISEPACK]. Licenses being added: [ENTERPRISEPACK], [EMS]");
        assert_eq!(e.sku.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(e.licenses_being_added, vec!["ENTERPRISEPACK", "EMS"]);
        let e = one("License assignment failed because service plans [SHAREPOINTSTANDARD], [SHAREPOINTENTERPRISE] are mutually exclusive.");
        assert_eq!(e.plans, vec!["SHAREPOINTSTANDARD", "SHAREPOINTENTERPRISE"]);
        let e = one("License assignment failed because service plan [MCOMEETADV] depends on the service plan(s) [MCOSTANDARD], [MCOEV].");
        assert_eq!(
            (e.plans.clone(), e.requires.clone()),
            (
                vec!["MCOMEETADV".to_string()],
                vec!["MCOSTANDARD".to_string(), "MCOEV".to_string()]
            )
        );
        let e = one("License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. The service Microsoft Workplace Analytics requires Exchange Online (Plan 2) to be enabled as well.");
        assert_eq!(e.cause, Cause::MissingPrerequisite);
        assert_eq!(e.plans, vec!["Microsoft Workplace Analytics"]);
        assert_eq!(e.requires, vec!["Exchange Online (Plan 2)"]);
        let e = one("Proxy address is already being used");
        assert_eq!(e.cause, Cause::UniquenessViolation);
        let e = one("Proxy address smtp:j.smith@fabrikam.example is already being used");
        assert_eq!(e.address.as_deref(), Some("smtp:j.smith@fabrikam.example"));
    }

    /// The `assignLicense` answers of licensing.md §6.1: the Graph 400 conflict names its plans
    /// bare (names or GUIDs, with or without a space or a period); the admin center's
    /// prerequisite message names the plan and those it needs; a user without a valid usage
    /// location is kept under its own code, not as a prohibited location.
    #[test]
    fn direct_assignment_answers() {
        for (text, plans) in [
            (
                "License assignment failed because service plans EXCHANGE_S_STANDARD,EXCHANGE_S_ENTERPRISE are mutually exclusive",
                ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"],
            ),
            (
                "License assignment failed because service plans EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE are mutually exclusive.",
                ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"],
            ),
            (
                "License assignment failed because service plans 9aaf7827-d63c-4b61-89c3-182f06f82e5c,efb87545-963c-4e0d-99df-69c6916d9eb0 are mutually exclusive",
                [
                    "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
                    "efb87545-963c-4e0d-99df-69c6916d9eb0",
                ],
            ),
            (
                "License assignment failed because service plans [EXCHANGE_S_STANDARD],[EXCHANGE_S_ENTERPRISE] are mutually exclusive.",
                ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"],
            ),
        ] {
            let e = one(text);
            assert_eq!(e.cause, Cause::MutuallyExclusiveViolation, "{text}");
            assert_eq!(e.plans, plans, "{text}");
        }
        // a sentence that names no pair is not read as one
        assert!(extract("these service plans are mutually exclusive").is_empty());
        // the admin center's refusal names its plans by display name, parentheses and all, and the
        // legacy message by code
        for (text, plans) in [
            (
                "You can't assign licenses that contain these conflicting services: SharePoint (Plan 1), SharePoint (Plan 2).",
                ["SharePoint (Plan 1)", "SharePoint (Plan 2)"],
            ),
            (
                "\"You can't assign licenses that contain these conflicting services: Exchange Online (Plan 1), Exchange Online (Plan 2)\"",
                ["Exchange Online (Plan 1)", "Exchange Online (Plan 2)"],
            ),
            (
                "Conflicting Service Plans: EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE",
                ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"],
            ),
        ] {
            let e = one(text);
            assert_eq!(e.cause, Cause::MutuallyExclusiveViolation, "{text}");
            assert_eq!(e.plans, plans, "{text}");
        }

        let e = one("To assign a license that contains Office for the web, you must also assign one of the following service plans: SharePoint Online (Plan 2), SharePoint Online Kiosk, SharePoint Online (Plan 1).");
        assert_eq!(e.cause, Cause::DependencyViolation);
        assert_eq!(e.plans, ["Office for the web"]);
        assert_eq!(
            e.requires,
            [
                "SharePoint Online (Plan 2)",
                "SharePoint Online Kiosk",
                "SharePoint Online (Plan 1)"
            ]
        );
        let e =
            one("\"you must also assign the following service plan: SharePoint Online (Plan 2)\"");
        assert_eq!((e.plans.len(), e.requires.len()), (0, 1));

        for text in [
            "License assignment cannot be done for user with invalid usage location.",
            "Error: LICENSE ASSIGNMENT CANNOT BE DONE FOR USER WITH INVALID USAGE LOCATION",
        ] {
            let e = one(text);
            assert_eq!(
                e.cause,
                Cause::Unknown(INVALID_USAGE_LOCATION.into()),
                "{text}"
            );
            assert_ne!(e.cause, Cause::ProhibitedInUsageLocationViolation);
            assert!(
                e.text
                    .to_ascii_lowercase()
                    .starts_with("license assignment"),
                "{}",
                e.text
            );
        }
    }

    /// The refusal to remove an inherited license directly (licensing.md §6.1): its sentence, or
    /// MSOnline's exception name, in any case, alone or inside a longer text, is one error under
    /// its own code; the text kept starts at the sentence when there is one.
    #[test]
    fn an_inherited_license_removed_directly() {
        let inherited = Cause::Unknown(INHERITED_LICENSE.into());
        for (text, kept) in [
            (
                "User license is inherited from a group membership and it cannot be removed directly from the user.",
                "User license is inherited from a group membership and it cannot be removed directly from the user.",
            ),
            (
                "USER LICENSE IS INHERITED FROM A GROUP MEMBERSHIP",
                "USER LICENSE IS INHERITED FROM A GROUP MEMBERSHIP",
            ),
            (
                "Could not remove the license for ana@contoso.example. Error: User license is inherited from group membership and cannot be removed directly from the user.",
                "User license is inherited from group membership and cannot be removed directly from the user.",
            ),
            (
                "Set-MsolUserLicense : user license is inherited from a group membership and it cannot be removed directly from the user. At line:1 char:1",
                "user license is inherited from a group membership and it cannot be removed directly from the user. At line:1 char:1",
            ),
            (
                "Microsoft.Online.Workflows.InvalidOperationOnGroupInheritedLicenseException",
                "Microsoft.Online.Workflows.InvalidOperationOnGroupInheritedLicenseException",
            ),
            (
                "invalidoperationongroupinheritedlicenseexception",
                "invalidoperationongroupinheritedlicenseexception",
            ),
            (
                "Error: INVALIDOPERATIONONGROUPINHERITEDLICENSEEXCEPTION (license change refused)",
                "Error: INVALIDOPERATIONONGROUPINHERITEDLICENSEEXCEPTION (license change refused)",
            ),
            (
                "FullyQualifiedErrorId : Microsoft.Online.Administration.Automation.InvalidOperationOnGroupInheritedLicenseException,Microsoft.Online.Administration.Automation.SetUserLicense",
                "FullyQualifiedErrorId : Microsoft.Online.Administration.Automation.InvalidOperationOnGroupInheritedLicenseException,Microsoft.Online.Administration.Automation.SetUserLicense",
            ),
            (
                "[Microsoft.Online.Administration.Automation.InvalidOperationOnGroupInheritedLicenseException]: User license is inherited from a group membership and it cannot be removed directly from the user.",
                "User license is inherited from a group membership and it cannot be removed directly from the user.",
            ),
        ] {
            let e = one(text);
            assert_eq!(e.cause, inherited, "{text}");
            assert_eq!(e.cause.code(), "InvalidOperationOnGroupInheritedLicenseException");
            assert_eq!(&*e.text, kept, "{text}");
            assert_eq!(extract_with(text, u16::MAX), vec![e], "{text}");
        }
        // not every inherited license, nor any exception, is this refusal
        for text in [
            "The license is inherited from group LIC-E3.",
            "user license is inherited",
            "User license is inherited from the group membership",
            "Microsoft.Online.Workflows.InvalidOperationException",
            "InvalidOperationOnGroupLicenseException",
        ] {
            assert!(extract(text).is_empty(), "{text}");
        }
        // beside another error of the same record, each is kept
        let v = extract("User license is inherited from a group membership. CountViolation");
        let causes: Vec<&Cause> = v.iter().map(|e| &e.cause).collect();
        assert_eq!(causes, [&inherited, &Cause::CountViolation]);
    }

    #[test]
    fn tokens_known_and_unknown() {
        assert_eq!(
            one("ProhibitedInUsageLocationViolation").cause,
            Cause::ProhibitedInUsageLocationViolation
        );
        assert_eq!(
            one("Microsoft.Online.Workflows.LicenseAssignmentAttributeConcurrencyException").cause,
            Cause::ConcurrencyException
        );
        assert_eq!(
            one("error: FancyNewViolation").cause,
            Cause::Unknown("FancyNewViolation".into())
        );
        // a sentence and its token are one error
        assert_eq!(
            extract("CountViolation: Not enough licenses are available to complete this operation")
                .len(),
            1
        );
        assert!(extract("Microsoft.Online.Workflows.SpnValidationException").is_empty());
        // a known code in any case; an unknown one only as PascalCase
        for t in [
            "prohibitedinusagelocationviolation",
            "PROHIBITEDINUSAGELOCATIONVIOLATION",
            "error: prohibitedInUsageLocationViolation.",
        ] {
            assert_eq!(
                one(t).cause,
                Cause::ProhibitedInUsageLocationViolation,
                "{t}"
            );
        }
        assert_eq!(
            one("microsoft.online.workflows.licenseassignmentattributeconcurrencyexception").cause,
            Cause::ConcurrencyException
        );
        for t in ["a policyviolation", "POLICYVIOLATION", "Violation"] {
            assert!(extract(t).is_empty(), "{t}");
        }
    }
}
