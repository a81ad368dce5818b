//! Normalization: raw export records -> typed [`AuditEvent`]s. Timestamps become UTC instants,
//! activities lose their trailing period, the group-based-licensing service is recognized under both
//! of its names, property values are decoded from their JSON-in-a-string form, and licensing payloads
//! (license sets, processing summaries, error texts) are parsed.

pub mod errors;
pub mod frame;
pub mod licenses;
pub mod merge;
pub mod time;

use crate::ingest::raw::{RawAudit, RawProp};
use crate::model::event::is_gbl_actor_name;
use crate::model::{
    Activity, Actor, AppActor, AuditEvent, Cause, CorrelationId, LicenseChange, LicenseError,
    LicenseTruncation, ModifiedProperty, ObjectId, Outcome, RecordKey, SourceRef, Target,
    TargetKind, UserActor,
};

/// Why a raw record could not become an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NormalizeError {
    MissingTime,
    BadTime(String),
    MissingActivity,
}

impl NormalizeError {
    /// Stable category for skip counts.
    pub fn reason(&self) -> &'static str {
        match self {
            NormalizeError::MissingTime => "missing timestamp",
            NormalizeError::BadTime(_) => "bad timestamp",
            NormalizeError::MissingActivity => "missing activity name",
        }
    }
    pub fn detail(&self) -> String {
        match self {
            NormalizeError::MissingTime => {
                "the record has no timestamp (activityDateTime / time / CreationTime)".into()
            }
            NormalizeError::BadTime(t) => {
                if time::is_no_date(t) {
                    return format!(
                        "timestamp {t:?} is the placeholder for no date (.NET DateTime.MinValue), not a time the record happened"
                    );
                }
                if let Some(year) = time::unread_year(t).filter(|y| *y <= 0) {
                    return format!(
                        "timestamp {t:?} is not a date licdiag can read: its year {year} is before the common era (a placeholder or a corrupted value; re-export the record, or remove it)"
                    );
                }
                if let Some(year) = time::unread_year(t) {
                    return format!(
                        "timestamp {t:?} is not a date licdiag can read: its year {year} is no Gregorian year from 1900 to 2399 (another calendar's? export with the Gregorian calendar)"
                    );
                }
                // the order this file is read in: the message is made where the record is read
                let order = time::current_date_order();
                let shape = match order {
                    time::DateOrder::MonthFirst => "M/D/YYYY h:mm:ss AM",
                    time::DateOrder::DayFirst => "D/M/YYYY hh:mm:ss",
                };
                let other = order.other();
                format!(
                    "timestamp {t:?} is not a date licdiag can read (expected ISO 8601 like 2026-10-05T07:00:00Z, or {shape} as this file is read; --date-order {} reads {})",
                    other.flag(),
                    other.pattern()
                )
            }
            NormalizeError::MissingActivity => {
                "the record has no activity name (activityDisplayName / operationName / Operation)"
                    .into()
            }
        }
    }
}

/// A deleted user's UPN without the mark of the deletion: Entra renames a deleted user
/// `<object id without dashes><upn>` (formats.md §5c: the UAL's `ObjectId` and target UPN of a
/// `Delete user.`; Graph exports can carry it too), which is no new name of the user. Stripped when
/// the 32 hexadecimal digits are the target's own id (dashes aside, any case), or, with no id to
/// compare, when what follows them is an address.
pub fn undeleted_upn<'a>(upn: &'a str, id: Option<&str>) -> &'a str {
    let (Some(prefix), Some(rest)) = (upn.get(..32), upn.get(32..)) else {
        return upn;
    };
    if !prefix.bytes().all(|c| c.is_ascii_hexdigit()) || !rest.contains('@') {
        return upn;
    }
    let own = match id {
        Some(id) => {
            let bare: String = id.chars().filter(|c| *c != '-').collect();
            bare.eq_ignore_ascii_case(prefix)
        }
        None => true,
    };
    if own {
        rest
    } else {
        upn
    }
}

/// Decodes a modified-property value: JSON string literals are unquoted (`"\"A, B\""` -> `A, B`),
/// anything else is kept as written.
fn decode_value(v: Option<String>) -> Option<String> {
    let v = v?;
    let t = crate::model::trim(&v);
    if t.is_empty() {
        return None;
    }
    if t.starts_with('"') {
        // exactly one JSON string (what a `Value::String` parse accepts), without a tree
        if let Ok(s) = serde_json::from_str::<String>(t) {
            return Some(s);
        }
    }
    Some(v)
}

fn actor_of(raw: crate::ingest::raw::RawActor) -> Actor {
    let gbl = [
        &raw.app_name,
        &raw.service_principal_name,
        &raw.user_display_name,
    ]
    .iter()
    .any(|n| n.as_deref().is_some_and(is_gbl_actor_name));
    if gbl {
        return Actor::GroupBasedLicensing;
    }
    let kind = raw.kind.as_deref().unwrap_or("");
    let starts = |p: &str| {
        kind.get(..p.len())
            .is_some_and(|k| k.eq_ignore_ascii_case(p))
    };
    let has_user = raw.upn.is_some() || raw.user_id.is_some();
    let has_app =
        raw.app_name.is_some() || raw.app_id.is_some() || raw.service_principal_id.is_some();
    if (starts("user") || has_user) && !starts("ap") {
        Actor::user(UserActor {
            id: raw.user_id.as_deref().and_then(ObjectId::parse),
            upn: raw.upn,
            display_name: raw.user_display_name,
            ip: raw.ip.filter(|i| i != "<null>"),
        })
    } else if has_app {
        Actor::app(AppActor {
            name: raw.app_name,
            app_id: raw.app_id,
            service_principal_id: raw
                .service_principal_id
                .as_deref()
                .and_then(ObjectId::parse),
        })
    } else {
        Actor::Unknown
    }
}

/// `s` trimmed, reusing its buffer when there is nothing to trim.
fn trimmed(s: String) -> String {
    let t = crate::model::trim(&s);
    if t.len() == s.len() {
        s
    } else {
        t.to_string()
    }
}

/// Whether `hay` contains the lowercase ASCII `needle` in any case.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn props(p: Vec<RawProp>) -> Vec<ModifiedProperty> {
    p.into_iter()
        .map(|p| ModifiedProperty {
            name: trimmed(p.name),
            old: decode_value(p.old),
            new: decode_value(p.new),
        })
        .collect()
}

/// Converts one raw record. `error_texts` of the raw record are scanned for license errors.
pub fn to_event(raw: RawAudit, source: SourceRef) -> Result<AuditEvent, NormalizeError> {
    let time = match (&raw.time, &raw.time_fallback) {
        (None, None) => return Err(NormalizeError::MissingTime),
        (t, f) => t
            .as_deref()
            .and_then(time::parse_timestamp)
            .or_else(|| f.as_deref().and_then(time::parse_timestamp))
            .ok_or_else(|| {
                NormalizeError::BadTime(t.clone().or_else(|| f.clone()).unwrap_or_default())
            })?,
    };
    let activity = Activity::from_name(
        raw.activity
            .as_deref()
            .ok_or(NormalizeError::MissingActivity)?,
    );
    if activity.name().is_empty() {
        return Err(NormalizeError::MissingActivity);
    }
    // into a vector of their number, not collected in place: the raw targets' block (120 bytes a
    // target) was kept for the targets (64) and, as mimalloc shrinks a block in place when at least
    // half of it stays used, an event's two targets held 256 bytes to the end of the run
    let mut targets: Vec<Target> = Vec::with_capacity(raw.targets.len());
    let mut modified: Vec<Vec<ModifiedProperty>> = Vec::new();
    for (place, t) in raw.targets.into_iter().enumerate() {
        targets.push(Target {
            kind: TargetKind::parse(t.kind.as_deref().unwrap_or("")),
            id: t.id.as_deref().and_then(ObjectId::parse),
            upn: t
                .upn
                .as_deref()
                .map(|u| crate::model::ids::label(undeleted_upn(u, t.id.as_deref()))),
            display_name: t.display_name.as_deref().map(crate::model::ids::label),
        });
        let props = props(t.modified);
        if !props.is_empty() {
            modified.resize_with(place, Vec::new);
            modified.push(props);
        }
    }
    let mut event = AuditEvent {
        time,
        activity,
        category: raw.category.as_deref().map(crate::model::ids::category),
        result: raw
            .result
            .as_deref()
            .map(Outcome::parse)
            .unwrap_or(Outcome::Unknown),
        correlation_id: raw.correlation_id.as_deref().and_then(CorrelationId::parse),
        record_key: raw
            .record_id
            .as_deref()
            .and_then(RecordKey::of)
            .or(raw.content_key),
        record_id: raw.record_id.map(|id| Box::new(id.into_boxed_str())),
        actor: actor_of(raw.actor),
        targets: targets.into_boxed_slice(),
        licenses: None,
        extra: crate::model::event::EventExtra {
            result_reason: raw.result_reason.map(String::into_boxed_str),
            additional_details: raw.additional,
            modified,
            ..Default::default()
        }
        .into(),
        source,
    };
    let mut found = Vec::new();
    for t in &raw.error_texts {
        errors::merge_into(&mut found, errors::extract(t));
    }
    derive_payload(&mut event, found);
    Ok(event)
}

/// Parses the licensing payload out of the event's properties and details: license sets, processing
/// summary, sequence number, and errors in property values and the result reason. Called again after
/// sequence chunks are merged. `held` are the errors found so far, as plain values: they are merged
/// with the payload's and shared ([`LicenseError::shared`]) once, when the event takes them.
pub fn derive_payload(event: &mut AuditEvent, mut held: Vec<LicenseError>) {
    // the extras taken out while they are read and written (changed through the event, an
    // event without any would box empty ones), put back held as none when still empty
    let mut x = std::mem::take(&mut event.extra).into_inner();
    let (mut new_set, mut old_set) = (Vec::new(), Vec::new());
    let mut found = false;
    // which lists Entra cut: they give the entries that are whole, and no removal (new list) or
    // addition (old list) can be read from them
    let mut cut = LicenseTruncation::NONE;
    let mut errs: Vec<LicenseError> = Vec::new();
    let modified = std::mem::take(&mut x.modified);
    for props in &modified {
        for p in props {
            let new = p.new.as_deref().unwrap_or("");
            let old = p.old.as_deref().unwrap_or("");
            if contains_ignore_case(&p.name, "license")
                && (licenses::holds_licenses(new) || licenses::holds_licenses(old))
            {
                append(&mut new_set, licenses::parse_assigned_licenses(new));
                append(&mut old_set, licenses::parse_assigned_licenses(old));
                cut.new |= !licenses::is_whole(new);
                cut.old |= !licenses::is_whole(old);
                found = true;
            }
            if x.summary.is_none() {
                x.summary = licenses::parse_summary(new);
            }
            for v in [new, old] {
                if crate::ingest::audit::may_hold_error(v) {
                    errors::merge_into(&mut errs, errors::extract(v));
                }
            }
        }
    }
    if event.activity == crate::model::Activity::UpdateUser && event.result == Outcome::Success {
        x.user_fixes = user_fixes(&modified);
    }
    if event.activity == crate::model::Activity::UpdateGroup && event.result == Outcome::Success {
        x.group_change = group_change(&modified).map(Box::new);
    }
    x.modified = modified;
    for (k, v) in &x.additional_details {
        if k.eq_ignore_ascii_case("sequence") {
            x.sequence = v.trim().parse().ok();
        } else if licenses::holds_licenses(v) && !found {
            append(&mut new_set, licenses::parse_assigned_licenses(v));
            cut.new |= !licenses::is_whole(v);
            found = !new_set.is_empty();
        }
        if crate::ingest::audit::may_hold_error(v) {
            errors::merge_into(&mut errs, errors::extract(v));
        }
    }
    if let Some(r) = &x.result_reason {
        errors::merge_into(&mut errs, errors::extract(r));
    }
    // a cut list with no whole entry is still a license change, of products it does not tell
    let found = found || cut.any();
    if found {
        event.licenses = Some(Box::new(LicenseChange {
            old: licenses::shared_set(old_set),
            new: licenses::shared_set(new_set),
        }));
    }
    x.licenses_cut = cut;
    errors::merge_into(&mut held, errs);
    // A failed licensing operation whose reason names no known error keeps its reason verbatim.
    if held.is_empty() && event.result == Outcome::Failure && event.activity.is_licensing() {
        let reason = x.result_reason.as_deref().unwrap_or_default();
        let e = LicenseError::new(reason_cause(reason), reason);
        held.push(e);
    }
    x.errors = LicenseError::share_all(held);
    event.extra = x.into();
}

/// The cause of a failure whose reason names no error [`errors::extract`] knows: its last
/// dot-separated part when that is a code (`...LicenseServiceUnavailableViolation`, a known code
/// written in words such as `Dependency violation`), else `UnspecifiedFailure`: a sentence's last
/// words (`Retry later`, `77` of an address), a bare `Error.` or a file's extension
/// (`evil.txt.exe`) are not a cause.
fn reason_cause(reason: &str) -> Cause {
    let last = reason
        .trim()
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .trim();
    let joined: String = last.split_whitespace().collect();
    match Cause::from_code(&joined) {
        Some(c) if !matches!(c, Cause::Unknown(_)) => c,
        _ if looks_like_code(last) => Cause::Unknown(last.into()),
        _ => Cause::Unknown(UNSPECIFIED_FAILURE.into()),
    }
}

pub use crate::model::cause::UNSPECIFIED_FAILURE;

/// Whether the last part of a reason is an error code it does not know: written as an error or
/// exception class is named, one PascalCase word of letters, digits and `_` that ends in
/// `Violation`, `Exception` or `Error` after at least three characters of its own
/// (`SomeNewViolation`; `SpnValidationException`, the last part of a .NET class name). Not the bare word (`Error.`), not a lower-case word (`exe` of
/// `evil.txt.exe`, the end of a host name), not a word of a sentence (README, "Error texts").
fn looks_like_code(part: &str) -> bool {
    let Some(head) = ["Violation", "Exception", "Error"]
        .iter()
        .find_map(|end| part.strip_suffix(end))
    else {
        return false;
    };
    head.len() >= 3
        && head.starts_with(|c: char| c.is_ascii_uppercase())
        && head.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What an `Update user`'s modified properties change that fixes a license error: its
/// `UsageLocation` given a value, its `ProxyAddresses` changed. (Only these two: the fast path
/// sends every record that names them to the full parse, [`crate::ingest::prefilter`].)
fn user_fixes(
    modified: &[Vec<crate::model::event::ModifiedProperty>],
) -> crate::model::event::UserFixes {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(|v| v.trim().trim_matches(['[', ']', '"', ' ']))
            .is_none_or(str::is_empty)
    };
    let mut f = crate::model::event::UserFixes::NONE;
    for p in modified.iter().flatten() {
        let name = p.name.trim();
        if p.old == p.new {
            continue;
        }
        if name.eq_ignore_ascii_case("UsageLocation") && !blank(&p.new) {
            f.usage_location_set = true;
        } else if name.eq_ignore_ascii_case("ProxyAddresses") {
            f.addresses_changed = true;
            let new = smtp_addresses(p.new.as_deref());
            for a in smtp_addresses(p.old.as_deref()) {
                if !new.contains(&a) && !f.addresses_removed.contains(&a) {
                    f.addresses_removed.push(a);
                }
            }
        }
    }
    f
}

/// The addresses of a `ProxyAddresses` value (`["SMTP:a@x","smtp:b@x"]`, or the bare list some
/// exports write) in the form uniqueness compares ([`crate::model::normalize_address`]): anything
/// that is not an address left out.
fn smtp_addresses(v: Option<&str>) -> Vec<Box<str>> {
    let Some(v) = v else { return Vec::new() };
    let mut out: Vec<Box<str>> = Vec::new();
    for part in v.split([',', ';', '[', ']']) {
        let a = part.trim().trim_matches(['"', '\\', '\'', ' ']);
        let Some(a) = crate::model::normalize_address(a) else {
            continue;
        };
        if a.contains('@') && !a.contains(char::is_whitespace) && !out.iter().any(|x| **x == *a) {
            out.push(a.into());
        }
    }
    out
}

/// What an `Update group`'s modified properties change in how the group chooses its members:
/// its `MembershipRule`, its types (`GroupTypes`, `DynamicMembership` added or removed), its
/// `MembershipRuleProcessingState` (`On` / `Paused`). `None` when it changes none of them. (The
/// fast path sends every record that names a membership rule or dynamic membership to the full
/// parse, [`crate::ingest::prefilter`].)
fn group_change(
    modified: &[Vec<crate::model::event::ModifiedProperty>],
) -> Option<crate::model::event::GroupRuleChange> {
    use crate::model::event::{GroupRuleChange, RuleTexts};
    let mut c = GroupRuleChange::default();
    let has_dynamic = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| v.to_ascii_lowercase().contains("dynamicmembership"))
    };
    for p in modified.iter().flatten() {
        let name = p.name.trim();
        if name.eq_ignore_ascii_case("MembershipRule") {
            let (old, new) = (rule_text(p.old.as_deref()), rule_text(p.new.as_deref()));
            if old != new {
                // a rule given to a group that had none: it became dynamic
                if old.is_none() && c.dynamic.is_none() {
                    c.dynamic = Some(true);
                }
                c.rule = Some(RuleTexts {
                    old: old.map(Into::into),
                    new: new.map(Into::into),
                });
            }
        } else if name.eq_ignore_ascii_case("MembershipRuleProcessingState") {
            let state = |v: Option<&str>| rule_text(v).map(|s| s.to_ascii_lowercase());
            let (old, new) = (state(p.old.as_deref()), state(p.new.as_deref()));
            if old != new {
                match new.as_deref() {
                    Some("on") => c.processing_on = Some(true),
                    Some("paused") => c.processing_on = Some(false),
                    _ => {}
                }
            }
        } else if name.eq_ignore_ascii_case("GroupTypes") || name.eq_ignore_ascii_case("GroupType")
        {
            match (has_dynamic(&p.old), has_dynamic(&p.new)) {
                (false, true) => c.dynamic = Some(true),
                (true, false) => c.dynamic = Some(false),
                _ => {}
            }
        }
    }
    c.any().then_some(c)
}

/// A membership rule or processing state as a modified property holds it: a JSON array of
/// strings (`["user.department -eq \"Sales\""]`, joined), a JSON string, or the text itself;
/// `None` when empty.
fn rule_text(v: Option<&str>) -> Option<String> {
    let t = crate::model::trim(v?);
    let text = match serde_json::from_str::<serde_json::Value>(t) {
        Ok(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        Ok(serde_json::Value::String(s)) => s.trim().to_string(),
        Ok(serde_json::Value::Null) => String::new(),
        _ => t.to_string(),
    };
    (!text.is_empty() && !text.eq_ignore_ascii_case("<null>")).then_some(text)
}

/// Appends `more` to `into`, moving it when `into` is empty: a parsed list is sized exactly, and
/// extending an empty vector gives it room for four (224 bytes for one license, kept with the event).
fn append(into: &mut Vec<crate::model::AssignedLicense>, more: Vec<crate::model::AssignedLicense>) {
    if into.is_empty() {
        *into = more;
    } else {
        into.extend(more);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::audit::{classify, map};
    use serde_json::json;
    use std::sync::Arc;

    /// formats.md §5c: a deleted user's UPN, prefixed with the object id without dashes, is the
    /// user's own UPN; another object's id, or no address after the digits, is kept.
    #[test]
    fn a_deleted_users_prefixed_upn_is_the_users_upn() {
        let id = "d7b63c4e-f349-5e88-ae18-89b3d642831f";
        let deleted = "d7b63c4ef3495e88ae1889b3d642831fvic.ito@fabrikam.example";
        assert_eq!(undeleted_upn(deleted, Some(id)), "vic.ito@fabrikam.example");
        assert_eq!(
            undeleted_upn(&deleted.to_uppercase(), Some(id)),
            "VIC.ITO@FABRIKAM.EXAMPLE"
        );
        assert_eq!(undeleted_upn(deleted, None), "vic.ito@fabrikam.example");
        let other = "00000000-0000-4000-8000-000000000001";
        assert_eq!(undeleted_upn(deleted, Some(other)), deleted);
        for kept in [
            "vic.ito@fabrikam.example",
            "d7b63c4ef3495e88ae1889b3d642831fvic.ito",
            "d7b63c4ef3495e88ae1889b3d642831@x.example",
            "ž7b63c4ef3495e88ae1889b3d642831fvic.ito@fabrikam.example",
        ] {
            assert_eq!(undeleted_upn(kept, None), kept);
        }
    }

    #[test]
    fn a_reason_without_a_code_is_an_unspecified_failure() {
        let code = |r: &str| reason_cause(r).code().to_string();
        assert_eq!(
            code("The operation timed out. Retry later"),
            UNSPECIFIED_FAILURE
        );
        assert_eq!(
            code("License assignment failed for an unknown reason."),
            UNSPECIFIED_FAILURE
        );
        assert_eq!(
            code("Contact Jane Doe at 203.0.113.77"),
            UNSPECIFIED_FAILURE
        );
        assert_eq!(
            code("smtp:Jane Doe <jane.doe@contoso.example> is already being used by Jane Doe"),
            UNSPECIFIED_FAILURE
        );
        assert_eq!(code(""), UNSPECIFIED_FAILURE);
        assert_eq!(
            code("License operation failed. Dependency violation"),
            "DependencyViolation"
        );
        assert_eq!(
            code("Microsoft.Online.LicenseServiceUnavailableViolation"),
            "LicenseServiceUnavailableViolation"
        );
        assert_eq!(code("FancyNewViolation."), "FancyNewViolation");
        assert_eq!(
            code("The operation failed. FancyNewViolation"),
            "FancyNewViolation"
        );
        assert_eq!(
            code("License assignment failed. Contact helpdesk@contoso.com"),
            UNSPECIFIED_FAILURE
        );
        assert_eq!(
            code("See https://aka.ms/licensing.html"),
            UNSPECIFIED_FAILURE
        );
        assert_eq!(code("Failed. Retry"), UNSPECIFIED_FAILURE);
        // a fuzzing review's reasons: free text is no code
        for r in [
            "Error.",
            "Error",
            "evil.txt.exe",
            "Request failed. Please retry.",
            "Timeout after 30.5 seconds",
            "Failed to update user john.doe",
            "see https://aka.ms/x.y",
            "System.Exception: Object reference not set",
            "Version 1.2.3",
            "...",
            "AnError",
            "NoError",
            "fancynewviolation",
            "Some thing Violation",
            "Retry.NotFound",
        ] {
            assert_eq!(code(r), UNSPECIFIED_FAILURE, "{r}");
        }
        assert_eq!(
            code("Microsoft.Online.Workflows.SpnValidationException"),
            "SpnValidationException"
        );
        assert_eq!(
            code("Microsoft.Online.Workflows.LicenseAssignmentException"),
            "LicenseAssignmentException"
        );
        assert_eq!(code("Graph.ServiceError"), "ServiceError");
        assert_eq!(code("Quota_LimitViolation"), "Quota_LimitViolation");
    }

    fn src() -> SourceRef {
        SourceRef {
            file: "t.json".into(),
            record: 1,
            line: crate::model::event::Line::at(1),
        }
    }

    #[test]
    fn graph_failure_with_error_text() {
        let v = json!({"id":"Directory_x","category":"UserManagement","correlationId":"5B0E77D2-1c4a-4d6e-9f31-2a7c0b9e4d11",
          "result":"failure","resultReason":"","activityDisplayName":"Change user license","activityDateTime":"2026-10-05T08:15:02.1182736Z",
          "initiatedBy":{"user":null,"app":{"displayName":"Microsoft Entra group-Based Licensing"}},
          "targetResources":[{"id":"7E1D2C3B-4a59-4687-b8c9-0a1b2c3d4e5f","type":"User","userPrincipalName":"ana@f.example",
            "modifiedProperties":[{"displayName":"MethodExecutionResult.","oldValue":null,"newValue":"\"License assignment failed because service plans [SHAREPOINTSTANDARD], [SHAREPOINTENTERPRISE] are mutually exclusive.\""}]},
            {"id":"9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f","type":"Group","displayName":"LIC-O365-E3"}],
          "additionalDetails":[]});
        let e = to_event(map(classify(&v).unwrap(), &v), src()).unwrap();
        assert_eq!(e.actor, Actor::GroupBasedLicensing);
        assert_eq!(e.result, Outcome::Failure);
        assert_eq!(e.extra.errors.len(), 1);
        assert_eq!(e.extra.errors[0].cause, Cause::MutuallyExclusiveViolation);
        assert_eq!(
            e.targets[0].id.as_ref().unwrap().as_str(),
            "7e1d2c3b-4a59-4687-b8c9-0a1b2c3d4e5f"
        );
        assert!(e.is_licensing());
        // held for the whole run at their size: no room the raw record's vectors left behind (the
        // targets are a boxed slice, built from a vector of their number)
        assert_eq!(e.extra.errors.capacity(), e.extra.errors.len());
    }

    /// An actor is kept with every event it ran: equal actors are one value (a log's operations
    /// are run by a few administrators).
    #[test]
    fn equal_actors_are_shared() {
        let rec = |upn: &str| {
            json!({"id":"Directory_x","category":"UserManagement","result":"success",
              "activityDisplayName":"Change user license","activityDateTime":"2026-10-05T08:15:02Z",
              "initiatedBy":{"user":{"id":"5a6e810c-3936-4885-a73f-f4ca3a81e478","userPrincipalName":upn,
                "displayName":"Licensing Admin","ipAddress":"203.0.113.10"},"app":null},
              "targetResources":[{"id":"7e1d2c3b-4a59-4687-b8c9-0a1b2c3d4e5f","type":"User"}]})
        };
        let actor = |v: serde_json::Value| {
            to_event(map(classify(&v).unwrap(), &v), src())
                .unwrap()
                .actor
        };
        let (a, b) = (actor(rec("admin@f.example")), actor(rec("admin@f.example")));
        let other = actor(rec("other@f.example"));
        // a successful change with no reason, details, summary or error holds no extras' box
        let v = rec("admin@f.example");
        assert!(!to_event(map(classify(&v).unwrap(), &v), src())
            .unwrap()
            .extra
            .is_boxed());
        match (&a, &b, &other) {
            (Actor::User(a), Actor::User(b), Actor::User(o)) => {
                assert!(Arc::ptr_eq(a, b));
                assert!(!Arc::ptr_eq(a, o));
                assert_eq!(a.upn.as_deref(), Some("admin@f.example"));
            }
            x => panic!("user actors expected, got {x:?}"),
        }
    }

    /// A license change is kept with its event for the whole run: its sets, and their
    /// disabled-plan lists, are shared with equal ones read before (no spare room either).
    #[test]
    fn license_sets_are_shared_with_equal_sets() {
        let v = json!({"CreationTime":"2025-03-04T08:15:02","Operation":"Update user.","Workload":"AzureActiveDirectory","ResultStatus":"Success",
          "ModifiedProperties":[{"Name":"AssignedLicense",
            "NewValue":"[\"[SkuName=SPE_E3, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=05e9a617-0261-4cee-bb44-138d3ef5d965, DisabledPlans=[EXCHANGE_S_ENTERPRISE, TEAMS1]]\"]",
            "OldValue":"[\"[SkuName=EMS, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=efccb6f7-5641-4e0e-bd10-b4976e1bf68e, DisabledPlans=[INTUNE_A]]\"]"}]});
        let e = to_event(map(classify(&v).unwrap(), &v), src()).unwrap();
        let l = e.licenses.expect("license sets");
        for (list, plans) in [(&l.new, 2), (&l.old, 1)] {
            assert_eq!((list.len(), list[0].disabled_plans.len()), (1, plans));
        }
        let again = to_event(map(classify(&v).unwrap(), &v), src()).unwrap();
        let again = again.licenses.expect("license sets");
        assert!(Arc::ptr_eq(&l.new, &again.new) && Arc::ptr_eq(&l.old, &again.old));
        // an old set equal to another record's new set is that set
        let swapped = json!({"CreationTime":"2025-03-04T08:16:02","Operation":"Update user.","Workload":"AzureActiveDirectory","ResultStatus":"Success",
          "ModifiedProperties":[{"Name":"AssignedLicense",
            "NewValue":"[]",
            "OldValue":"[\"[SkuName=SPE_E3, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=05e9a617-0261-4cee-bb44-138d3ef5d965, DisabledPlans=[EXCHANGE_S_ENTERPRISE, TEAMS1]]\"]"}]});
        let s = to_event(map(classify(&swapped).unwrap(), &swapped), src()).unwrap();
        assert!(Arc::ptr_eq(&s.licenses.expect("license sets").old, &l.new));
    }

    #[test]
    fn update_user_license_sets_and_bad_time() {
        let v = json!({"CreationTime":"2025-03-04T08:15:02","Operation":"Update user.","Workload":"AzureActiveDirectory","ResultStatus":"Success",
          "ModifiedProperties":[{"Name":"AssignedLicense","NewValue":"[\r\n  \"[SkuName=SPE_E3, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId=05e9a617-0261-4cee-bb44-138d3ef5d965, DisabledPlans=[]]\"\r\n]","OldValue":"[]"}]});
        let e = to_event(map(classify(&v).unwrap(), &v), src()).unwrap();
        assert_eq!(e.activity, Activity::UpdateUser);
        let l = e.licenses.unwrap();
        assert_eq!((l.old.len(), l.new.len()), (0, 1));
        let mut bad = v.clone();
        bad["CreationTime"] = json!("2026-13-45T99:00:00Z");
        let err = to_event(map(classify(&bad).unwrap(), &bad), src()).unwrap_err();
        assert_eq!(err.reason(), "bad timestamp");
        // review 88, item 2: the no-date placeholder is skipped as a bad timestamp, saying why
        bad["CreationTime"] = json!("0001-01-01T00:00:00");
        let err = to_event(map(classify(&bad).unwrap(), &bad), src()).unwrap_err();
        assert_eq!(err.reason(), "bad timestamp");
        assert!(
            err.detail().contains("placeholder for no date"),
            "{}",
            err.detail()
        );
    }

    /// Entra cuts a large license value (quirk 7): the review's `Update user`, `[E3, EMSPREMIUM,
    /// MCOMEETADV]` -> `[VISIOCLIENT, E3, EMSPREMIUM, MCOMEETADV]` with one value cut inside its last
    /// entry, read MCOMEETADV as removed (new value cut) or added (old value cut).
    #[test]
    fn a_cut_license_value_is_read_as_cut() {
        let entry = |name: &str, id: &str| {
            format!("\"[SkuName={name}, AccountId=4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f, SkuId={id}, DisabledPlans=[]]\"")
        };
        let visio = entry("VISIOCLIENT", "c5928f49-12ba-48f7-ada3-0d743a3601d5");
        let e3 = entry("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965");
        let ems = entry("EMSPREMIUM", "b05e124f-c7cc-45a0-a6aa-8cf78c946968");
        let meet = entry("MCOMEETADV", "0c266dff-15dd-4b49-8397-2bb16070ed52");
        let three = format!("[{e3}, {ems}, {meet}]");
        let four = format!("[{visio}, {e3}, {ems}, {meet}]");
        let cut_four = &four[..four.find("MCOMEE").unwrap() + 6];
        let cut_three = &three[..three.find("[SkuName=MCOMEE").unwrap() + 5];
        let read = |old: &str, new: &str| {
            let v = json!({"activityDisplayName":"Update user","activityDateTime":"2025-03-04T11:00:00Z","result":"success",
              "targetResources":[{"id":"7e1d2c3b-4a59-4687-b8c9-0a1b2c3d4e55","type":"User",
                "modifiedProperties":[{"displayName":"AssignedLicense","oldValue":old,"newValue":new}]}]});
            let e = to_event(map(classify(&v).unwrap(), &v), src()).unwrap();
            let names = |l: Vec<&crate::model::AssignedLicense>| -> Vec<String> {
                l.iter()
                    .map(|l| l.sku_name.as_deref().unwrap().to_string())
                    .collect()
            };
            let c = e.licenses.as_deref().expect("a license change");
            let k = c.known(e.extra.licenses_cut);
            (
                e.extra.licenses_cut.label(),
                names(k.added),
                names(k.removed),
                names(k.added_or_kept),
                names(k.kept_or_removed),
            )
        };
        let none: Vec<String> = Vec::new();
        assert_eq!(
            read(&three, cut_four),
            (
                Some("new"),
                vec!["VISIOCLIENT".into()],
                none.clone(),
                none.clone(),
                vec!["MCOMEETADV".into()]
            )
        );
        // a value cut after a whole entry, its array left open
        let open = &four[..four.find(&*meet).unwrap()];
        assert_eq!(read(&three, open).0, Some("new"));
        assert_eq!(read(&three, open).2, none);
        assert_eq!(
            read(cut_three, &four),
            (
                Some("old"),
                none.clone(),
                none.clone(),
                vec!["VISIOCLIENT".into(), "MCOMEETADV".into()],
                none.clone()
            )
        );
        // whole values: as before
        assert_eq!(
            read(&three, &four),
            (
                None,
                vec!["VISIOCLIENT".into()],
                none.clone(),
                none.clone(),
                none.clone()
            )
        );
        assert_eq!(read("", &four).0, None);
    }

    #[test]
    fn unknown_failure_reason_is_kept() {
        let v = json!({"activityDisplayName":"Change user license","activityDateTime":"2026-10-05T08:15:02Z","result":"failure",
            "resultReason":"Microsoft.Online.Workflows.SomethingNewException"});
        let e = to_event(map(classify(&v).unwrap(), &v), src()).unwrap();
        assert_eq!(
            e.extra.errors[0].cause,
            Cause::Unknown("SomethingNewException".into())
        );
    }

    #[test]
    fn group_changes_read_rule_type_and_processing() {
        use crate::model::event::{ModifiedProperty, RuleTexts};
        let p = |n: &str, o: Option<&str>, v: Option<&str>| ModifiedProperty {
            name: n.into(),
            old: o.map(String::from),
            new: v.map(String::from),
        };
        // a rule given to a group that had none: made dynamic; arrays joined, nulls absent
        let c = group_change(&[vec![p(
            "MembershipRule",
            Some("[]"),
            Some("[\"user.department -eq \\\"Sales\\\"\"]"),
        )]])
        .expect("a change");
        assert_eq!(c.dynamic, Some(true));
        assert_eq!(
            c.rule,
            Some(RuleTexts {
                old: None,
                new: Some("user.department -eq \"Sales\"".into())
            })
        );
        // the same rule written twice, or another property: no change
        assert_eq!(
            group_change(&[vec![
                p("MembershipRule", Some("[\"a -eq b\"]"), Some("\"a -eq b\"")),
                p("Description", Some("x"), Some("y")),
            ]]),
            None
        );
        // made static; processing turned on; a value written as plain text
        let c = group_change(&[vec![
            p(
                "GroupTypes",
                Some("[\"Unified\",\"DynamicMembership\"]"),
                Some("[\"Unified\"]"),
            ),
            p("membershipRuleProcessingState", Some("Paused"), Some("On")),
            p("MembershipRule", Some("a -eq b"), Some("<null>")),
        ]])
        .expect("a change");
        assert_eq!(c.dynamic, Some(false));
        assert_eq!(c.processing_on, Some(true));
        assert_eq!(
            c.rule.and_then(|r| r.old).as_deref(),
            Some("a -eq b"),
            "the rule removed"
        );
        assert_eq!(rule_text(Some("null")), None);
        assert_eq!(rule_text(Some("  ")), None);
        assert_eq!(rule_text(None), None);
    }
}
