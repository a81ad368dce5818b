//! Snapshot inputs (users, groups, subscribedSkus, error lists, memberships): pure functions over one
//! record. The ingest core splits every input into records (JSON elements, CSV header + rows); this
//! module says which snapshot kind a record is ([`classify_json`], [`classify_csv`]) and turns it into
//! the model types ([`parse_json`], [`parse_csv`]). A record either parses or comes back as a
//! [`SnapshotIssue`] with a stable reason and a message that says how to fix the export; nothing here
//! panics on any input.
//!
//! Property names are matched case-insensitively (raw Graph is camelCase, Graph PowerShell objects are
//! PascalCase) and missing properties are also looked up in PowerShell's `AdditionalProperties` bag.

mod errors;
pub(in crate::ingest) mod fields;
mod groups;
mod keys;
mod msol;
pub(in crate::ingest) mod nesting;
mod repeats;
mod skus;
mod tables;
mod users;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod proptests;

use crate::model::event::SourceRef;
use crate::model::snapshot::{
    Group, ListedLicense, Membership, ReportedError, SubscribedSku, User,
};
use serde::Serialize;
use serde_json::Value;

pub use fields::{
    is_truncation_marker, MALFORMED, MISSING_CODE, MISSING_COLUMN, MISSING_ID, MISSING_SKU_ID,
    MISSING_UNITS, NOT_OBJECT, TRUNCATED, WRONG_KIND,
};
pub use keys::{duplicate_key, DUPLICATE_KEY};
pub use msol::resolve_part_numbers;
pub use repeats::{drop_repeated_groups, REPEATED_GROUP};
pub use tables::classify_csv;
pub use users::BAD_TIMESTAMP;

/// The snapshot exports licdiag reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotKind {
    /// Graph `user` objects (`GET /users?$select=...`, `Get-MgUser | ConvertTo-Json`).
    Users,
    /// Graph `group` objects, optionally with `$expand=members`.
    Groups,
    /// `GET /subscribedSkus` / `Get-MgSubscribedSku` (also beta cloudLicensing allotments).
    SubscribedSkus,
    /// Beta `cloudLicensing/assignmentErrors` items.
    AssignmentErrors,
    /// CSV of Microsoft's "users with license errors" script (and similar error tables).
    LicenseErrorsCsv,
    /// CSV of `GroupId,UserId` membership rows.
    MembershipCsv,
    /// `GroupLicenses.csv` (`GroupObjectId, GroupName, SkuId, SkuPartNumber, DisabledPlans`).
    GroupLicensesCsv,
}

impl SnapshotKind {
    pub const ALL: [SnapshotKind; 7] = [
        SnapshotKind::Users,
        SnapshotKind::Groups,
        SnapshotKind::SubscribedSkus,
        SnapshotKind::AssignmentErrors,
        SnapshotKind::LicenseErrorsCsv,
        SnapshotKind::MembershipCsv,
        SnapshotKind::GroupLicensesCsv,
    ];

    /// A short stable name for reports and `--format` style output.
    pub fn label(&self) -> &'static str {
        match self {
            SnapshotKind::Users => "graph-users",
            SnapshotKind::Groups => "graph-groups",
            SnapshotKind::SubscribedSkus => "graph-subscribed-skus",
            SnapshotKind::AssignmentErrors => "cloud-licensing-assignment-errors",
            SnapshotKind::LicenseErrorsCsv => "license-errors-csv",
            SnapshotKind::MembershipCsv => "membership-csv",
            SnapshotKind::GroupLicensesCsv => "group-licenses-csv",
        }
    }

    /// Whether records of this kind come from CSV rows (else JSON records).
    pub fn is_csv(&self) -> bool {
        matches!(
            self,
            SnapshotKind::LicenseErrorsCsv
                | SnapshotKind::MembershipCsv
                | SnapshotKind::GroupLicensesCsv
        )
    }
}

/// One parsed snapshot record.
#[derive(Clone, Debug, PartialEq)]
pub enum SnapshotRecord {
    User(User),
    Group(Group),
    Sku(SubscribedSku),
    Reported(ReportedError),
    /// A license a license list says the user holds without an error.
    Listed(ListedLicense),
    Membership(Membership),
    /// A flaw in the record read with it, which is still used (a license state's unreadable
    /// `lastUpdatedDateTime`, read without its time): counted and said, not skipped.
    Flaw(SnapshotIssue),
}

/// The reason of a group whose export lists `transitiveMembers` and no `members`
/// ([`flaws`]): not malformed, but what it lists is not used.
pub const TRANSITIVE_MEMBERS: &str = "transitiveMembers not used";

/// The reason of a user whose license state names the user's own id as its `assignedByGroup`
/// ([`flaws`]): read as a direct assignment (licensing.md §1.1: an old doc example shows a user id
/// there; §11: MSOnline's `GroupsAssigningLicense` holds the user's own id for a direct license).
pub const OWN_ID_AS_GROUP: &str = "user's own id as assigning group";

/// The reason of a user read from a legacy MSOnline `Get-MsolUser | ConvertTo-Json` export
/// ([`flaws`]): its licenses, their sources and errors are read (licensing.md §4 legacy row, §11).
pub const MSOL_USER: &str = "legacy MSOnline user";

/// The reason of a user record with neither `licenseAssignmentStates` nor `assignedLicenses`
/// (absent, or `null` as `Get-MgUser` without `-Property` writes every property it did not
/// select): Graph returns them only when selected (licensing.md §0.1, §1). A user holding no
/// license has them as empty arrays. Not said per user: a users file none of whose
/// users has it is refused (or, beside an error list, noted) by the ingest
/// ([`crate::ingest::InputReport::without_states`]).
pub const NO_LICENSE_STATES: &str = "no licenseAssignmentStates property";

/// Whether a flaw of this reason is a note on what was read, not a malformed value: never fatal
/// under `--strict`, and said in a note of its own ([`note`]).
pub fn is_note(reason: &str) -> bool {
    [
        TRANSITIVE_MEMBERS,
        OWN_ID_AS_GROUP,
        MSOL_USER,
        NO_LICENSE_STATES,
    ]
    .contains(&reason)
}

/// The input note for `n` flaws of a note's reason ([`is_note`]), `first` the first of them
/// (where, and its detail).
pub fn note(reason: &str, n: u64, first: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    match reason {
        OWN_ID_AS_GROUP => format!(
            "{n} user{s} with a license state whose `assignedByGroup` is the user's own id, read \
             as a direct assignment, not as a group's (first: {first})"
        ),
        MSOL_USER => format!(
            "{n} user{s} read from a legacy MSOnline `Get-MsolUser` export: products by the \
             part number of `AccountSkuId` (the built-in catalog's), direct or group from \
             `GroupsAssigningLicense`, errors and their group from `IndirectLicenseErrors`; it \
             holds no per-source disabled plans nor times: for those, export `Get-MgUser -All \
             -Property id,userPrincipalName,usageLocation,assignedLicenses,licenseAssignmentStates \
             | ConvertTo-Json -Depth 10` (first: {first})"
        ),
        _ => format!("{n} group{s} with `transitiveMembers` and no `members` (first: {first})"),
    }
}

/// The reason of a group member as `Get-MgGroupMember` writes it (a directory object: `Id` and
/// `AdditionalProperties`), which does not name its group.
pub const MEMBER_WITHOUT_GROUP: &str = "group member without its group";

/// What is wrong in a record that still parses as `rec` ([`SnapshotRecord::Flaw`]), if anything.
/// The record's text is looked at again only when the parsed record shows a sign of it (a state
/// without its time, a product id that is no GUID): most records have none.
pub fn flaws(kind: SnapshotKind, v: &Value, rec: &SnapshotRecord) -> Vec<SnapshotIssue> {
    let guid = |s: &crate::model::SkuId| crate::model::ids::is_guid(s.as_str());
    let suspect = match rec {
        SnapshotRecord::User(u) => {
            u.license_states
                .iter()
                .any(|st| st.last_updated.is_none() || !guid(&st.sku_id))
                || u.assigned_licenses.iter().any(|l| !guid(&l.sku_id))
        }
        SnapshotRecord::Group(g) => g.assigned_licenses.iter().any(|l| !guid(&l.sku_id)),
        _ => false,
    };
    let mut out: Vec<SnapshotIssue> = if suspect {
        flaw(kind, v).into_iter().collect()
    } else {
        Vec::new()
    };
    if let (SnapshotKind::Users, SnapshotRecord::User(u)) = (kind, rec) {
        if msol::is_msol(v) {
            out.push(SnapshotIssue {
                reason: MSOL_USER,
                detail: msol::note_detail(u),
            });
        } else if u.license_states.is_empty()
            && u.assigned_licenses.is_empty()
            && ["licenseAssignmentStates", "assignedLicenses"]
                .iter()
                .all(|k| fields::field(v, k).is_none_or(Value::is_null))
        {
            out.push(SnapshotIssue {
                reason: NO_LICENSE_STATES,
                detail: format!("user {}", u.upn.as_deref().unwrap_or(u.id.as_str())),
            });
        } else if u
            .license_states
            .iter()
            .any(|s| s.assigned_by_group.is_none())
        {
            // a direct state may have been read from the user's own id (`users::parse_user`)
            out.extend(users::own_id_as_group(v, u));
        }
    }
    if kind == SnapshotKind::Groups
        && fields::field(v, "members").is_none()
        && fields::field(v, "transitiveMembers").is_some()
    {
        let name = fields::text_field(v, "displayName")
            .or_else(|| fields::text_field(v, "id"))
            .unwrap_or_default();
        out.push(SnapshotIssue {
            reason: TRANSITIVE_MEMBERS,
            detail: format!(
                "group {name} lists `transitiveMembers`, which is not used: group licensing \
                 applies to direct members only (members of nested groups get no license), so its \
                 members are taken from license states; export `-ExpandProperty members` \
                 (`$expand=members`) for its direct members"
            ),
        });
    }
    out
}

fn flaw(kind: SnapshotKind, v: &Value) -> Option<SnapshotIssue> {
    match kind {
        SnapshotKind::Users => {
            let owner = format!(
                "user {}",
                fields::text_field(v, "userPrincipalName")
                    .or_else(|| fields::text_field(v, "id"))
                    .unwrap_or_default()
            );
            users::flaws(v, &owner)
        }
        SnapshotKind::Groups => {
            let owner = format!(
                "group {}",
                fields::text_field(v, "displayName")
                    .or_else(|| fields::text_field(v, "id"))
                    .unwrap_or_default()
            );
            users::flaws(v, &owner)
        }
        _ => None,
    }
}

/// A record that cannot be used. `reason` is a short stable category used for counting (one of the
/// constants re-exported here, e.g. [`MISSING_ID`], [`TRUNCATED`]); `detail` is the one-line human
/// message, including what was expected and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SnapshotIssue {
    pub reason: &'static str,
    pub detail: String,
}

/// Classifies one JSON record (an element, not the page). `None` = not a snapshot record.
pub fn classify_json(v: &Value) -> Option<SnapshotKind> {
    let obj = v.as_object()?;
    if let Some(kind) = fields::odata_type(v).and_then(|t| kind_of_odata_type(&t)) {
        return Some(kind);
    }
    let keys = KeySet::of(obj);
    if keys.has(K_CODE) && keys.any(K_OCCURRENCE | K_ASSIGNED_TO) {
        Some(SnapshotKind::AssignmentErrors)
    } else if keys.has(K_SKU_PART) && keys.any(K_PREPAID | K_CONSUMED | K_ALLOTTED) {
        Some(SnapshotKind::SubscribedSkus)
    } else if keys.any(K_GROUP_MARKERS) {
        Some(SnapshotKind::Groups)
    } else if keys.has(K_UPN) && keys.any(K_USER_MARKERS | K_DEFAULT_USER) {
        Some(SnapshotKind::Users)
    } else {
        None
    }
}

/// Whether a record is a bare directory object as `Get-MgGroupMember` (and the other
/// `Get-Mg...Member` cmdlets) returns it: only `Id`, `DeletedDateTime` and the
/// `AdditionalProperties` bag at the top.
fn member_only(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.keys()
            .any(|k| k.eq_ignore_ascii_case("AdditionalProperties"))
            && o.keys().all(|k| {
                ["id", "deletedDateTime", "AdditionalProperties"]
                    .iter()
                    .any(|n| k.eq_ignore_ascii_case(n))
            })
    })
}

fn kind_of_odata_type(t: &str) -> Option<SnapshotKind> {
    match t {
        "microsoft.graph.user" => Some(SnapshotKind::Users),
        "microsoft.graph.group" => Some(SnapshotKind::Groups),
        "microsoft.graph.subscribedsku" => Some(SnapshotKind::SubscribedSkus),
        "microsoft.graph.cloudlicensing.assignmenterror" => Some(SnapshotKind::AssignmentErrors),
        _ => None,
    }
}

/// Parses one JSON record of a JSON kind. A CSV kind, a non-object, or a record that classifies as a
/// different kind is an issue.
pub fn parse_json(
    kind: SnapshotKind,
    v: &Value,
    src: SourceRef,
) -> Result<SnapshotRecord, SnapshotIssue> {
    if !v.is_object() {
        return Err(SnapshotIssue {
            reason: NOT_OBJECT,
            detail: format!(
                "a {} record must be a JSON object, found {}",
                kind.label(),
                fields::type_name(v)
            ),
        });
    }
    if let Some(found) = classify_json(v).filter(|k| *k != kind) {
        return Err(SnapshotIssue {
            reason: WRONG_KIND,
            detail: format!(
                "record looks like {} but was read as {}; keep each export in its own file",
                found.label(),
                kind.label()
            ),
        });
    }
    match kind {
        SnapshotKind::Users if member_only(v) => Err(SnapshotIssue {
            reason: MEMBER_WITHOUT_GROUP,
            detail: "a group member as `Get-MgGroupMember | ConvertTo-Json` writes it (`Id` and \
                     `AdditionalProperties` only): the list does not name its group, so whose \
                     member it is cannot be known; export groups with their members (`Get-MgGroup \
                     ... -ExpandProperty members | ConvertTo-Json -Depth 10`) or a `GroupId,UserId` \
                     membership CSV"
                .into(),
        }),
        SnapshotKind::Users if msol::is_msol(v) => {
            msol::parse_msol_user(v, src).map(SnapshotRecord::User)
        }
        SnapshotKind::Users => users::parse_user(v, src).map(SnapshotRecord::User),
        SnapshotKind::Groups => groups::parse_group(v, src).map(SnapshotRecord::Group),
        SnapshotKind::SubscribedSkus => skus::parse_sku(v, src).map(SnapshotRecord::Sku),
        SnapshotKind::AssignmentErrors => {
            errors::parse_assignment_error(v, src).map(SnapshotRecord::Reported)
        }
        SnapshotKind::LicenseErrorsCsv
        | SnapshotKind::MembershipCsv
        | SnapshotKind::GroupLicensesCsv => Err(SnapshotIssue {
            reason: WRONG_KIND,
            detail: format!(
                "{} is a CSV kind; a JSON record cannot be read as it",
                kind.label()
            ),
        }),
    }
}

/// Parses one CSV row of a CSV kind. Healthy rows of an error list give `Ok(vec![])`; one row may give
/// several records (one per error).
pub fn parse_csv(
    kind: SnapshotKind,
    headers: &[String],
    row: &[String],
    src: SourceRef,
) -> Result<Vec<SnapshotRecord>, SnapshotIssue> {
    tables::parse_row(kind, headers, row, src)
}

// --- one pass over the keys of a record, for classification ---------------------------------------

const K_CODE: u32 = 1 << 0;
const K_OCCURRENCE: u32 = 1 << 1;
const K_ASSIGNED_TO: u32 = 1 << 2;
const K_SKU_PART: u32 = 1 << 3;
const K_PREPAID: u32 = 1 << 4;
const K_CONSUMED: u32 = 1 << 5;
const K_ALLOTTED: u32 = 1 << 6;
const K_UPN: u32 = 1 << 7;
const K_USER_MARKERS: u32 = 0b1111_1111 << 8;
const K_GROUP_MARKERS: u32 = 0b1_1111 << 16;
/// Properties of a user Graph returns by default, without `$select` (`businessPhones`,
/// `givenName`, `surname`, `jobTitle`): a default `GET /users` page is a users export, read so
/// as to be refused for what it lacks (`licenseAssignmentStates`), not as an unknown file.
const K_DEFAULT_USER: u32 = 0b1111 << 21;

/// Which classification keys a record has (case-insensitive; `null` values count; the
/// `AdditionalProperties` bag is included).
struct KeySet(u32);

impl KeySet {
    fn of(obj: &serde_json::Map<String, Value>) -> KeySet {
        let mut bits = 0;
        for k in obj.keys() {
            bits |= key_bit(k);
        }
        if let Some(Value::Object(bag)) = crate::ingest::value::get_in(obj, "AdditionalProperties")
        {
            for k in bag.keys() {
                bits |= key_bit(k);
            }
        }
        KeySet(bits)
    }
    fn has(&self, bit: u32) -> bool {
        self.0 & bit == bit
    }
    fn any(&self, bits: u32) -> bool {
        self.0 & bits != 0
    }
}

fn key_bit(k: &str) -> u32 {
    // longest marker is 23 bytes; longer keys cannot match
    let mut buf = [0u8; 32];
    let bytes = k.as_bytes();
    let Some(dst) = buf.get_mut(..bytes.len()) else {
        return 0;
    };
    dst.copy_from_slice(bytes);
    dst.make_ascii_lowercase();
    match &*dst {
        b"code" => K_CODE,
        b"occurrencedatetime" => K_OCCURRENCE,
        b"assignedto" => K_ASSIGNED_TO,
        b"skupartnumber" => K_SKU_PART,
        b"prepaidunits" => K_PREPAID,
        b"consumedunits" => K_CONSUMED,
        b"allottedunits" => K_ALLOTTED,
        b"userprincipalname" => K_UPN,
        b"licenseassignmentstates" => 1 << 8,
        b"assignedlicenses" => 1 << 9,
        b"assignedplans" => 1 << 10,
        b"usagelocation" => 1 << 11,
        b"proxyaddresses" => 1 << 12,
        b"accountenabled" => 1 << 13,
        // a legacy MSOnline user (`Get-MsolUser`)
        b"licenses" => 1 << 14,
        b"indirectlicenseerrors" => 1 << 15,
        b"grouptypes" => 1 << 16,
        b"securityenabled" => 1 << 17,
        b"licenseprocessingstate" => 1 << 18,
        b"membershiprule" => 1 << 19,
        b"mailenabled" => 1 << 20,
        b"businessphones" => 1 << 21,
        b"givenname" => 1 << 22,
        b"surname" => 1 << 23,
        b"jobtitle" => 1 << 24,
        _ => 0,
    }
}

/// A `SourceRef` for tests.
#[cfg(test)]
pub(crate) fn test_src() -> SourceRef {
    SourceRef {
        file: "test.json".into(),
        record: 1,
        line: crate::model::event::Line::NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classify_each_kind() {
        let cases = [
            (
                json!({"id": "u1", "userPrincipalName": "a@b.example", "licenseAssignmentStates": []}),
                Some(SnapshotKind::Users),
            ),
            (
                json!({"Id": "u1", "UserPrincipalName": "a@b.example", "AccountEnabled": true}),
                Some(SnapshotKind::Users),
            ),
            (
                json!({"Id": "u1", "UserPrincipalName": "a@b.example", "UsageLocation": null}),
                Some(SnapshotKind::Users),
            ),
            (
                json!({"Id": "u1", "UserPrincipalName": "a@b.example", "AdditionalProperties": {"assignedLicenses": []}}),
                Some(SnapshotKind::Users),
            ),
            (
                json!({"id": "u1", "@odata.type": "#microsoft.graph.user"}),
                Some(SnapshotKind::Users),
            ),
            (
                json!({"id": "g1", "securityEnabled": true}),
                Some(SnapshotKind::Groups),
            ),
            (
                json!({"Id": "g1", "GroupTypes": ["Unified"]}),
                Some(SnapshotKind::Groups),
            ),
            (
                json!({"id": "g1", "licenseProcessingState": {"state": "ProcessingComplete"}}),
                Some(SnapshotKind::Groups),
            ),
            (
                json!({"skuId": "s", "skuPartNumber": "ENTERPRISEPACK", "prepaidUnits": {}}),
                Some(SnapshotKind::SubscribedSkus),
            ),
            (
                json!({"SkuId": "s", "SkuPartNumber": "ENTERPRISEPACK", "ConsumedUnits": 3}),
                Some(SnapshotKind::SubscribedSkus),
            ),
            (
                json!({"code": "MissingDependency", "occurrenceDateTime": "2024-09-22T17:11:10Z"}),
                Some(SnapshotKind::AssignmentErrors),
            ),
            (
                json!({"@odata.type": "#microsoft.graph.cloudLicensing.assignmentError", "code": "x"}),
                Some(SnapshotKind::AssignmentErrors),
            ),
            // not snapshot records
            (
                json!({"id": "u1", "userPrincipalName": "a@b.example", "appDisplayName": "Teams"}),
                None,
            ),
            (
                json!({"skuId": "s", "skuPartNumber": "ENTERPRISEPACK", "servicePlans": []}),
                None,
            ),
            (
                json!({"activityDisplayName": "Change user license", "targetResources": []}),
                None,
            ),
            (
                json!({"code": "Request_BadRequest", "message": "..."}),
                None,
            ),
            (json!([1, 2]), None),
            (json!("System.Object[]"), None),
        ];
        for (v, want) in cases {
            assert_eq!(classify_json(&v), want, "{v}");
        }
    }

    #[test]
    fn parse_json_checks_shape_and_kind() {
        let e = parse_json(SnapshotKind::Users, &json!([1]), test_src()).unwrap_err();
        assert_eq!(e.reason, NOT_OBJECT);
        let sku = json!({"skuId": "s", "skuPartNumber": "X", "prepaidUnits": {"enabled": 1}});
        let e = parse_json(SnapshotKind::Users, &sku, test_src()).unwrap_err();
        assert_eq!(e.reason, WRONG_KIND);
        let e = parse_json(SnapshotKind::MembershipCsv, &sku, test_src()).unwrap_err();
        assert_eq!(e.reason, WRONG_KIND);
        assert!(matches!(
            parse_json(SnapshotKind::SubscribedSkus, &sku, test_src()),
            Ok(SnapshotRecord::Sku(_))
        ));
    }

    #[test]
    fn labels_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for k in SnapshotKind::ALL {
            assert!(seen.insert(k.label()), "{}", k.label());
        }
        assert_eq!(
            serde_json::to_value(SnapshotKind::SubscribedSkus).ok(),
            Some(json!("subscribed-skus"))
        );
    }
}
