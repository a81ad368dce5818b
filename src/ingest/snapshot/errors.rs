//! Beta Microsoft Cloud Licensing `assignmentError` items (licensing.md §3.1): `code`, `message`,
//! `occurrenceDateTime`, `skuId`, and the `assignedTo` directory object when the export expanded it.
//! Codes go through [`Cause::from_code`], which maps the documented and design-doc spellings
//! (`MissingDependency`, `noAvailableLicenses`, ...) and keeps unknown codes verbatim.

use super::fields::{self, id_text, object_field, text_field, time_field, MISSING_CODE};
use super::SnapshotIssue;
use crate::model::cause::Cause;
use crate::model::event::SourceRef;
use crate::model::ids::{ObjectId, SkuId};
use crate::model::snapshot::{AssignedBy, ReportedError};
use serde_json::Value;
use std::borrow::Cow;

pub(super) fn parse_assignment_error(
    v: &Value,
    source: SourceRef,
) -> Result<ReportedError, SnapshotIssue> {
    let owner = format!(
        "assignmentError {}",
        text_field(v, "id").unwrap_or_else(|| "(no id)".into())
    );
    let code = match fields::field(v, "code") {
        Some(x @ (Value::Object(_) | Value::Array(_))) => {
            return Err(fields::malformed(format!(
                "{owner}: `code` is {} where an error code string is expected",
                fields::type_name(x)
            )))
        }
        Some(x) => crate::ingest::value::text(x),
        None => None,
    };
    let cause = code.as_deref().and_then(Cause::from_code).ok_or_else(|| SnapshotIssue {
        reason: MISSING_CODE,
        detail: format!(
            "{owner} has no error `code` (found {:?}); export `GET /beta/admin/cloudLicensing/assignmentErrors` unfiltered",
            code.as_deref().unwrap_or("nothing")
        ),
    })?;
    let message = text_field(v, "message");
    let cause = location_cause(cause, message.as_deref());
    let sku_id = id_text(v, &["skuId"], &owner)?.and_then(|s| SkuId::parse(&s));

    // `assignedTo` is a relationship: present only with `$expand=assignedTo`. It may be an object or a
    // one-item collection; a user is the affected user, a group is the assigning group.
    let assigned_to = match fields::field(v, "assignedTo") {
        Some(Value::Array(items)) => items.iter().find(|x| x.is_object()).map(Cow::Borrowed),
        _ => object_field(v, "assignedTo", &owner)?,
    };
    let (mut user_id, mut upn, mut display_name, mut assigned_by) =
        (None, None, None, AssignedBy::Unknown);
    if let Some(to) = assigned_to.as_deref() {
        let id = id_text(to, &["id"], &format!("{owner}: `assignedTo`"))?
            .and_then(|s| ObjectId::parse(&s));
        if fields::odata_type(to).as_deref() == Some("microsoft.graph.group") {
            assigned_by = id.map_or(AssignedBy::Unknown, AssignedBy::GroupId);
        } else if fields::is_user_or_untyped(to) {
            user_id = id;
            upn = text_field(to, "userPrincipalName");
            display_name = text_field(to, "displayName");
        }
    }

    Ok(ReportedError {
        user_id,
        upn,
        display_name,
        sku_id,
        sku_part_number: text_field(v, "skuPartNumber"),
        assigned_by,
        group_name: None,
        cause,
        subcode: None,
        message,
        occurred: time_field(v, "occurrenceDateTime"),
        source,
    })
}

/// The cause of a usage-location code read with its message. A
/// `ProhibitedInUsageLocationViolation` whose message says the user has no valid usage location
/// (`License assignment cannot be done for user with invalid usage location.`, licensing.md §6.1)
/// is not a prohibited location (§6 #4) but the code the message is kept under by the audit reader
/// ([`crate::normalize::errors::INVALID_USAGE_LOCATION`]); an `invalidUsageLocation` whose message
/// says a service is not offered (or available) in the location is a prohibited one. Any other
/// message, or none, leaves the cause as the code says.
fn location_cause(cause: Cause, message: Option<&str>) -> Cause {
    let invalid = Cause::Unknown(crate::normalize::errors::INVALID_USAGE_LOCATION.into());
    let Some(m) = message else { return cause };
    if cause == Cause::ProhibitedInUsageLocationViolation
        && crate::normalize::errors::extract(m)
            .iter()
            .any(|e| e.cause == invalid)
    {
        return invalid;
    }
    if cause == invalid && NOT_OFFERED.is_match(m) {
        return Cause::ProhibitedInUsageLocationViolation;
    }
    cause
}

/// A message saying a service is not offered in the user's location.
static NOT_OFFERED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\bnot (?:offered|available|allowed|supported)\b.{0,40}\b(?:usage )?location",
    )
    .expect("a valid pattern")
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::snapshot::{fields::MALFORMED, fields::TRUNCATED, test_src};
    use serde_json::json;

    fn parse(v: Value) -> Result<ReportedError, SnapshotIssue> {
        parse_assignment_error(&v, test_src())
    }

    #[test]
    fn documented_example() {
        let e = parse(json!({
            "@odata.type": "#microsoft.graph.cloudLicensing.assignmentError",
            "id": "33ca790e-ed9f-b975-9ada-503e02e2b933", "code": "MissingDependency",
            "message": "Service plan 0337d124-4da1-45e4-9b28-936079cc72bb cannot be assigned without service plan f1df97e2-b3d9-4c17-b931-30fdbfeb5c18, which this user does not currently have.",
            "occurrenceDateTime": "2024-09-22T17:11:10.6635939+00:00",
            "skuId": "F48DB87F-583C-486E-A6DE-096155D8FB8F"
        }))
        .unwrap();
        assert_eq!(e.cause, Cause::DependencyViolation);
        assert_eq!(
            e.sku_id,
            SkuId::parse("f48db87f-583c-486e-a6de-096155d8fb8f")
        );
        assert!(e.occurred.is_some() && e.message.is_some());
        assert_eq!((e.user_id, e.assigned_by), (None, AssignedBy::Unknown));
    }

    #[test]
    fn codes_and_assigned_to() {
        let e = parse(json!({"code": "noAvailableLicenses", "assignedTo": {"@odata.type": "#microsoft.graph.user", "id": "U1", "userPrincipalName": "a@b.example"}})).unwrap();
        assert_eq!(e.cause, Cause::CountViolation);
        assert_eq!(
            (e.user_id.as_ref().map(|i| i.as_str()), e.upn.as_deref()),
            (Some("u1"), Some("a@b.example"))
        );
        let e = parse(json!({"Code": "SomethingNew", "AssignedTo": [{"Id": "u2"}]})).unwrap();
        assert_eq!(e.cause, Cause::Unknown("SomethingNew".into()));
        assert_eq!(e.user_id, ObjectId::parse("u2"));
        let e = parse(json!({"code": "proxyAddressConflict", "assignedTo": {"@odata.type": "#microsoft.graph.group", "id": "g1"}})).unwrap();
        assert_eq!(
            (e.user_id, e.assigned_by),
            (None, AssignedBy::GroupId(ObjectId::parse("g1").unwrap()))
        );
    }

    /// `invalidUsageLocation` with the message of a user without a valid usage location, or with
    /// none, is kept as that code, not read as a prohibited location (licensing.md §6 #4); with a
    /// message that says the service is not offered there it is a prohibited one.
    #[test]
    fn an_invalid_usage_location_is_no_prohibited_one() {
        let e = parse(json!({"code": "invalidUsageLocation",
            "message": "License assignment cannot be done for user with invalid usage location.",
            "assignedTo": {"@odata.type": "#microsoft.graph.user", "id": "u1"}}))
        .unwrap();
        assert_eq!(e.cause, Cause::Unknown("invalidUsageLocation".into()));
        assert_eq!(e.cause.code(), "invalidUsageLocation");
        let e = parse(json!({"code": "invalidUsageLocation",
            "message": "The service is not available in the user's usage location."}))
        .unwrap();
        assert_eq!(e.cause, Cause::ProhibitedInUsageLocationViolation);
        for message in [Value::Null, json!("Something else went wrong.")] {
            let e = parse(json!({"code": "INVALIDUSAGELOCATION", "message": message})).unwrap();
            assert_eq!(e.cause.code(), "invalidUsageLocation", "{message}");
        }
        let e = parse(json!({"code": "CountViolation",
            "message": "License assignment cannot be done for user with invalid usage location."}))
        .unwrap();
        assert_eq!(e.cause, Cause::CountViolation);
    }

    #[test]
    fn issues() {
        for code in [Value::Null, json!(""), json!("None")] {
            assert_eq!(
                parse(json!({"code": code, "skuId": "s"}))
                    .unwrap_err()
                    .reason,
                MISSING_CODE
            );
        }
        assert_eq!(
            parse(json!({"message": "x"})).unwrap_err().reason,
            MISSING_CODE
        );
        assert_eq!(
            parse(json!({"code": {"a": 1}})).unwrap_err().reason,
            MALFORMED
        );
        assert_eq!(
            parse(json!({"code": "x", "skuId": ["s"]}))
                .unwrap_err()
                .reason,
            MALFORMED
        );
        assert_eq!(
            parse(json!({"code": "x", "assignedTo": 5}))
                .unwrap_err()
                .reason,
            MALFORMED
        );
        assert_eq!(
            parse(json!({"code": "x", "AssignedTo": "System.Collections.Hashtable"}))
                .unwrap_err()
                .reason,
            TRUNCATED
        );
    }
}
