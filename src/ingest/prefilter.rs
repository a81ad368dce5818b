//! The fast path. Most records of a real export are not about licensing (sign-in-free directory noise:
//! application updates, consents, profile edits), yet each must still be counted, validated and
//! placed in the time range. A record whose bytes contain none of the licensing needles below cannot
//! become a kept event, so it is parsed only lightly: its JSON is validated without building a tree,
//! its top-level keys classified by the same rules as the full path ([`audit::classify_keys`]) and its
//! timestamp read. Anything the light parse is not sure about goes through the full path, so both
//! paths give identical results (a test checks it on every fixture).
//!
//! Needles (ASCII case-insensitive): everything that makes `AuditEvent::is_kept` true — licensing
//! activity names, license payloads (`AssignedLicense`, `SkuId=`), processing summaries, the
//! group-based-licensing actor, membership and deletion activities, and every error text the
//! normalizer extracts — plus `\u`, since a JSON escape could spell any of them.

use super::audit::{self, Family, Keyed};
use crate::model::AuditFormat;
use crate::normalize::time::parse_timestamp;
use aho_corasick::AhoCorasick;
use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

const NEEDLES: [&str; 15] = [
    "icens",          // license, Licensing, AssignedLicense, "Not enough licenses"
    "ember",          // Add/Remove member to/from group
    "elete",          // Delete group / Delete user
    "iolation",       // *Violation tokens
    "xception",       // LicenseAssignmentAttributeConcurrencyException and failure classes
    "xclusive",       // mutually exclusive
    "epends on",      // depends on the service plan(s)
    "roxy",           // Proxy address / proxyAddresses
    "nabled as well", // add-on prerequisite
    "rror:",          // Error: lists
    "onflicting",     // Conflicting Service Plans
    "without service plan",
    "skuid=",
    "skuname=",
    "\\u", // an escape could hide any needle
];

static FINDER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(NEEDLES)
        .ok()
});

/// Whether a record may become a kept event (or is otherwise not for the fast path).
pub fn may_be_kept(bytes: &[u8]) -> bool {
    match FINDER.as_ref() {
        Some(f) => f.is_match(bytes),
        None => true,
    }
}

/// Top-level keys with their raw (validated, unparsed) values.
struct LightMap<'a>(BTreeMap<Cow<'a, str>, &'a RawValue>);

impl<'a> LightMap<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        serde_json::from_slice::<BTreeMap<Cow<'a, str>, &'a RawValue>>(bytes)
            .ok()
            .map(LightMap)
    }
    fn parse_raw(raw: &'a RawValue) -> Option<Self> {
        serde_json::from_str::<BTreeMap<Cow<'a, str>, &'a RawValue>>(raw.get())
            .ok()
            .map(LightMap)
    }
    /// Case-insensitive lookup, exact spelling first; null counts as absent.
    fn get(&self, key: &str) -> Option<&'a RawValue> {
        let v = self.0.get(key).copied().or_else(|| {
            self.0
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| *v)
        })?;
        (v.get() != "null").then_some(v)
    }
}

impl Keyed for LightMap<'_> {
    fn has_key(&self, key: &str) -> bool {
        self.0.keys().any(|k| k.eq_ignore_ascii_case(key))
    }
    fn is_string(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v.get().starts_with('"'))
    }
    fn string(&self, key: &str) -> Option<String> {
        let v = self.get(key)?;
        if v.get().starts_with('"') {
            serde_json::from_str::<String>(v.get()).ok()
        } else {
            None
        }
    }
}

/// What the light parse is sure of.
pub enum Light {
    /// A valid audit record that is counted but not kept.
    Event {
        time: DateTime<Utc>,
        format: AuditFormat,
    },
    /// Not sure: use the full path.
    Unsure,
}

/// The text value of a key as `ingest::value::text` would give it for a string; numbers and booleans
/// (which `text` renders) are left to the full path.
enum Text {
    Absent,
    Str(String),
    Unsure,
}

fn text_of(m: &LightMap<'_>, keys: &[&str]) -> Text {
    for k in keys {
        let Some(v) = m.get(k) else { continue };
        if !v.get().starts_with('"') {
            return Text::Unsure;
        }
        let Ok(s) = serde_json::from_str::<String>(v.get()) else {
            return Text::Unsure;
        };
        let t = s.trim();
        if t.is_empty() || t == "<null>" || t.eq_ignore_ascii_case("null") {
            continue;
        }
        return Text::Str(t.to_string());
    }
    Text::Absent
}

/// Light parse of a record that [`may_be_kept`] said no to.
pub fn light(bytes: &[u8]) -> Light {
    let Some(m) = LightMap::parse(bytes) else {
        return Light::Unsure;
    };
    let (format, time, fallback, activity) = match audit::classify_keys(&m) {
        Some(Family::Graph(f)) => (
            f,
            text_of(&m, &["activityDateTime"]),
            text_of(&m, &["TimeGenerated", "TimeGenerated [UTC]", "time"]),
            text_of(
                &m,
                &["activityDisplayName", "OperationName", "operationName"],
            ),
        ),
        Some(Family::AzureMonitor) => {
            let Some(props) = m.get("properties") else {
                return Light::Unsure;
            };
            if !props.get().trim_start().starts_with('{') {
                return Light::Unsure;
            }
            let Some(p) = LightMap::parse_raw(props) else {
                return Light::Unsure;
            };
            let activity = match text_of(
                &p,
                &["activityDisplayName", "OperationName", "operationName"],
            ) {
                Text::Absent => text_of(&m, &["operationName"]),
                other => other,
            };
            (
                AuditFormat::AzureMonitor,
                text_of(&p, &["activityDateTime"]),
                text_of(&m, &["time"]),
                activity,
            )
        }
        _ => return Light::Unsure,
    };
    let activity_ok = match activity {
        Text::Str(a) => !a.trim().trim_end_matches('.').trim().is_empty(),
        _ => false,
    };
    if !activity_ok {
        return Light::Unsure;
    }
    let parsed = match (time, fallback) {
        (Text::Unsure, _) | (_, Text::Unsure) => None,
        (Text::Str(t), f) => parse_timestamp(&t).or_else(|| match f {
            Text::Str(f) => parse_timestamp(&f),
            _ => None,
        }),
        (Text::Absent, Text::Str(f)) => parse_timestamp(&f),
        (Text::Absent, Text::Absent) => None,
    };
    match parsed {
        Some(time) => Light::Event { time, format },
        None => Light::Unsure,
    }
}

/// The fast path for CSV exports whose time and activity sit in known columns (admin-center and Log
/// Analytics downloads). Purview rows hold their record in `AuditData` JSON and always take the full
/// path.
pub(crate) struct CsvFast {
    format: AuditFormat,
    width: usize,
    /// Columns holding the event time, as groups in the order the full path tries the names (a
    /// group holds the columns whose header normalizes to the same name).
    time: Vec<Vec<usize>>,
    activity: Vec<Vec<usize>>,
}

impl CsvFast {
    pub(crate) fn new(shape: &super::CsvShape, headers: &[String]) -> Option<CsvFast> {
        use super::audit::CsvKind;
        let norm = |h: &str| {
            let h = h
                .trim()
                .trim_start_matches('\u{feff}')
                .trim_matches('"')
                .trim();
            h.strip_suffix("[UTC]")
                .unwrap_or(h)
                .trim()
                .to_ascii_lowercase()
        };
        let group = |name: &str| -> Vec<usize> {
            headers
                .iter()
                .enumerate()
                .filter(|(_, h)| norm(h) == name.to_ascii_lowercase())
                .map(|(i, _)| i)
                .collect()
        };
        match shape {
            super::CsvShape::Audit(CsvKind::Portal) => Some(CsvFast {
                format: AuditFormat::PortalCsv,
                width: headers.len(),
                time: vec![vec![0]],
                activity: vec![vec![4]],
            }),
            super::CsvShape::Audit(CsvKind::LogAnalytics) => Some(CsvFast {
                format: AuditFormat::LogAnalyticsCsv,
                width: headers.len(),
                time: ["activityDateTime", "TimeGenerated", "time"]
                    .map(group)
                    .to_vec(),
                activity: ["activityDisplayName", "OperationName"].map(group).to_vec(),
            }),
            _ => None,
        }
    }

    /// The value the full path reads for a group of columns: the last non-empty cell (later
    /// duplicates overwrite earlier ones), `None` when empty or a null marker.
    fn value<'r>(row: &'r [String], cols: &[usize]) -> Option<&'r str> {
        let v = cols
            .iter()
            .rev()
            .filter_map(|&i| row.get(i))
            .find(|c| !c.trim().is_empty())?
            .trim();
        (v != "<null>" && !v.eq_ignore_ascii_case("null")).then_some(v)
    }

    /// The event time of a row that cannot become a kept event; `None` = use the full path.
    pub(crate) fn light(&self, row: &[String]) -> Option<(DateTime<Utc>, AuditFormat)> {
        if row.len() != self.width || row.iter().any(|c| may_be_kept(c.as_bytes())) {
            return None;
        }
        let activity = self.activity.iter().find_map(|g| Self::value(row, g))?;
        if activity.trim_end_matches('.').trim().is_empty() {
            return None;
        }
        let t = self.time.first().and_then(|g| Self::value(row, g));
        let f = self.time.iter().skip(1).find_map(|g| Self::value(row, g));
        let time = t
            .and_then(parse_timestamp)
            .or_else(|| f.and_then(parse_timestamp))?;
        Some((time, self.format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_are_case_insensitive() {
        assert!(may_be_kept(
            br#"{"activityDisplayName":"CHANGE USER LICENSE"}"#
        ));
        assert!(may_be_kept(br#"{"a":"Add member to group"}"#));
        assert!(may_be_kept(br#"{"a":"x\u0041"}"#));
        assert!(!may_be_kept(
            br#"{"activityDisplayName":"Update application"}"#
        ));
    }

    #[test]
    fn light_parse_of_noise() {
        let r = br#"{"activityDisplayName":"Update application","activityDateTime":"2026-10-05T07:02:11.4644388Z","initiatedBy":{"user":{"id":"x"}}}"#;
        match light(r) {
            Light::Event { format, time } => {
                assert_eq!(format, AuditFormat::GraphJson);
                assert_eq!(Some(time), parse_timestamp("2026-10-05T07:02:11.4644388Z"));
            }
            Light::Unsure => panic!("expected light event"),
        }
        assert!(matches!(
            light(br#"{"activityDisplayName":"x","activityDateTime":"bad"}"#),
            Light::Unsure
        ));
        assert!(matches!(
            light(br#"{"activityDisplayName":"x","activityDateTime":"2026-10-05T07:02:11Z""#),
            Light::Unsure
        ));
    }
}
