//! CSV snapshot exports (licensing.md §4): the "users with license errors" CSV of Microsoft's Graph
//! PowerShell examples (`UserLicenseAssignments_YYYYMMDD.csv`) and the similar error tables admins
//! export (per-group `GroupName, GroupId, UserName, UserId, Error, ErrorSubcode`; legacy MSOnline
//! `UserName, UserId, GroupId, LicenseError`), `GroupId,UserId` membership lists, and
//! `GroupLicenses.csv`. Headers are trimmed, BOM remnants and quotes stripped, matched
//! case-insensitively ignoring spaces and underscores; extra columns are ignored and short rows read as
//! empty cells.

use super::fields::{MALFORMED, MISSING_COLUMN, MISSING_ID, MISSING_SKU_ID, WRONG_KIND};
use super::{SnapshotIssue, SnapshotKind, SnapshotRecord};
use crate::model::cause::Cause;
use crate::model::event::SourceRef;
use crate::model::ids::{ObjectId, PlanId, SkuId};
use crate::model::snapshot::{
    AssignedBy, AssignedSku, Group, ListedLicense, Membership, ReportedError,
};

const USER_ID: &[&str] = &["userid", "userobjectid", "memberid", "memberobjectid"];
const UPN: &[&str] = &["userprincipalname", "upn"];
const USER_NAME: &[&str] = &["userdisplayname", "username", "displayname", "user"];
const GROUP_ID: &[&str] = &["groupid", "groupobjectid", "assignedbygroup"];
const GROUP_NAME: &[&str] = &["groupname", "groupdisplayname"];
const SKU_ID: &[&str] = &["skuid"];
const SKU_PART: &[&str] = &["skupartnumber", "licensename"];
const ASSIGNED_BY: &[&str] = &["assignedby"];
const LICENSE_ERRORS: &[&str] = &["licenseerrors"];
const ERROR: &[&str] = &["error", "licenseerror"];
const SUBCODE: &[&str] = &["errorsubcode", "subcode"];
const DISABLED_PLANS: &[&str] = &["disabledplans"];
const MEMBER_ID: &[&str] = &["userid", "memberid", "userobjectid", "memberobjectid"];

/// A header cell reduced to its comparable form: BOM remnants (`\u{feff}`, `ï»¿`), quotes, spaces and
/// underscores removed, ASCII lower-cased.
fn norm(h: &str) -> String {
    let mut t = h.trim();
    loop {
        let before = t.len();
        t = t
            .trim_start_matches('\u{feff}')
            .trim_start_matches("ï»¿")
            .trim();
        t = t.trim_matches('"').trim();
        if t.len() == before {
            break;
        }
    }
    t.chars()
        .filter(|c| *c != ' ' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Normalized headers with lookups by any of several names.
struct Header(Vec<String>);

impl Header {
    fn new(headers: &[String]) -> Header {
        Header(headers.iter().map(|h| norm(h)).collect())
    }
    fn col(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.0.iter().position(|h| h == n))
    }
    fn has(&self, names: &[&str]) -> bool {
        self.col(names).is_some()
    }
}

/// Classifies a CSV header row. `None` = not a snapshot CSV.
pub fn classify_csv(headers: &[String]) -> Option<SnapshotKind> {
    let h = Header::new(headers);
    let has_user = h.has(USER_ID) || h.has(UPN);
    let has_group = h.has(&["groupid", "groupobjectid"]);
    if h.has(LICENSE_ERRORS) && (has_user || h.has(USER_NAME)) {
        return Some(SnapshotKind::LicenseErrorsCsv);
    }
    // the same script's "assigned directly or inherited" list (licensing.md §4): the same columns
    // without `LicenseErrors`, every one of them required (a CSV with an `AssignedBy` column and
    // some user column is not enough to be it)
    if h.has(&["userid"])
        && h.has(&["userprincipalname"])
        && h.has(SKU_ID)
        && h.has(&["skupartnumber"])
        && h.has(ASSIGNED_BY)
    {
        return Some(SnapshotKind::LicenseErrorsCsv);
    }
    if h.has(ERROR)
        && (has_user || h.has(USER_NAME))
        && (h.has(GROUP_ID) || h.has(SKU_ID) || h.has(GROUP_NAME))
    {
        return Some(SnapshotKind::LicenseErrorsCsv);
    }
    if has_group && h.has(SKU_ID) && !has_user {
        return Some(SnapshotKind::GroupLicensesCsv);
    }
    if has_group && h.has(MEMBER_ID) && !h.has(SKU_ID) && !h.has(ERROR) {
        return Some(SnapshotKind::MembershipCsv);
    }
    None
}

/// Parses one row (see [`super::parse_csv`]).
pub(super) fn parse_row(
    kind: SnapshotKind,
    headers: &[String],
    row: &[String],
    src: SourceRef,
) -> Result<Vec<SnapshotRecord>, SnapshotIssue> {
    let h = Header::new(headers);
    let r = Row { h: &h, row };
    match kind {
        SnapshotKind::Users
        | SnapshotKind::Groups
        | SnapshotKind::SubscribedSkus
        | SnapshotKind::AssignmentErrors => Err(SnapshotIssue {
            reason: WRONG_KIND,
            detail: format!(
                "{} is a JSON kind; a CSV row cannot be read as it",
                kind.label()
            ),
        }),
        _ if row.iter().all(|c| c.trim().is_empty()) => Ok(Vec::new()),
        SnapshotKind::LicenseErrorsCsv => license_errors_row(&r, src),
        SnapshotKind::MembershipCsv => membership_row(&r),
        SnapshotKind::GroupLicensesCsv => group_license_row(&r, src),
    }
}

/// A row with its header.
struct Row<'a> {
    h: &'a Header,
    row: &'a [String],
}

impl<'a> Row<'a> {
    /// The trimmed, non-empty cell of the first matching column.
    fn cell(&self, names: &[&str]) -> Option<&'a str> {
        self.h
            .col(names)
            .and_then(|i| self.row.get(i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

fn need(h: &Header, names: &[&str], kind: SnapshotKind) -> Result<(), SnapshotIssue> {
    if h.has(names) {
        Ok(())
    } else {
        Err(SnapshotIssue {
            reason: MISSING_COLUMN,
            detail: format!(
                "a {} file needs a `{}` column; the header has: {}",
                kind.label(),
                names.first().copied().unwrap_or("?"),
                h.0.join(", ")
            ),
        })
    }
}

fn membership_row(r: &Row<'_>) -> Result<Vec<SnapshotRecord>, SnapshotIssue> {
    need(
        r.h,
        &["groupid", "groupobjectid"],
        SnapshotKind::MembershipCsv,
    )?;
    need(r.h, MEMBER_ID, SnapshotKind::MembershipCsv)?;
    let group_id = r
        .cell(&["groupid", "groupobjectid"])
        .and_then(ObjectId::parse);
    let user_id = r.cell(MEMBER_ID).and_then(ObjectId::parse);
    match (group_id, user_id) {
        (Some(group_id), Some(user_id)) => Ok(vec![SnapshotRecord::Membership(Membership {
            group_id,
            user_id,
        })]),
        (g, _) => Err(SnapshotIssue {
            reason: MISSING_ID,
            detail: format!(
                "membership row without a {} id; every row needs both GroupId and UserId",
                if g.is_none() { "group" } else { "user" }
            ),
        }),
    }
}

fn group_license_row(r: &Row<'_>, source: SourceRef) -> Result<Vec<SnapshotRecord>, SnapshotIssue> {
    need(
        r.h,
        &["groupobjectid", "groupid"],
        SnapshotKind::GroupLicensesCsv,
    )?;
    need(r.h, SKU_ID, SnapshotKind::GroupLicensesCsv)?;
    let name = r
        .cell(GROUP_NAME)
        .or_else(|| r.cell(&["displayname"]))
        .map(str::to_string);
    let shown = name.clone().unwrap_or_else(|| "(no GroupName)".into());
    let id = r
        .cell(&["groupobjectid", "groupid"])
        .and_then(ObjectId::parse)
        .ok_or_else(|| SnapshotIssue {
            reason: MISSING_ID,
            detail: format!("GroupLicenses row for group {shown} has no GroupObjectId"),
        })?;
    let sku_id = r
        .cell(SKU_ID)
        .and_then(SkuId::parse)
        .ok_or_else(|| SnapshotIssue {
            reason: MISSING_SKU_ID,
            detail: format!("GroupLicenses row for group {shown} has no SkuId"),
        })?;
    let disabled_plans =
        disabled_plans(r.cell(DISABLED_PLANS).unwrap_or("")).map_err(|bad| SnapshotIssue {
            reason: MALFORMED,
            detail: format!(
            "GroupLicenses row for group {shown}: DisabledPlans item \"{bad}\" has no plan GUID; \
             expected `NAME (guid), ...` or `None`"
        ),
        })?;
    Ok(vec![SnapshotRecord::Group(Group {
        id,
        display_name: name,
        assigned_licenses: vec![AssignedSku {
            sku_id,
            disabled_plans: super::fields::plan_list(disabled_plans),
        }],
        processing_state: None,
        security_enabled: None,
        group_types: Vec::new(),
        membership_rule: None,
        on_premises_sync_enabled: None,
        mail: None,
        proxy_addresses: Vec::new(),
        members: None,
        nested_groups: Vec::new(),
        source,
    })])
}

/// `"NAME (guid), NAME2 (guid2)"`, bare GUIDs, `None` or empty. Errs with the first item that holds
/// no GUID.
fn disabled_plans(s: &str) -> Result<Vec<PlanId>, String> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for item in t.split([',', ';']).map(str::trim).filter(|i| !i.is_empty()) {
        match find_guid(item) {
            Some(g) => out.extend(PlanId::parse(g)),
            None => return Err(item.chars().take(80).collect()),
        }
    }
    Ok(out)
}

/// The last 8-4-4-4-12 hex GUID in a text (the id in `NAME (guid)`).
fn find_guid(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (0..b.len()).rev().find_map(|i| {
        let w = b.get(i..i + 36)?;
        let ok = w.iter().enumerate().all(|(j, c)| match j {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
        // ASCII-only window, so `i..i+36` is on char boundaries
        if ok {
            s.get(i..i + 36)
        } else {
            None
        }
    })
}

/// One error named by an error-list row.
#[derive(Debug, PartialEq)]
struct Reported<'a> {
    by: Option<&'a str>,
    code: &'a str,
    subcode: Option<&'a str>,
}

fn license_errors_row(
    r: &Row<'_>,
    source: SourceRef,
) -> Result<Vec<SnapshotRecord>, SnapshotIssue> {
    if !r.h.has(LICENSE_ERRORS) && !r.h.has(ASSIGNED_BY) {
        need(r.h, ERROR, SnapshotKind::LicenseErrorsCsv)?;
    }
    let user_id = r.cell(USER_ID).and_then(ObjectId::parse);
    let upn = r.cell(UPN).map(str::to_string);
    let display_name = r.cell(USER_NAME).map(str::to_string);
    if user_id.is_none() && upn.is_none() && display_name.is_none() {
        return Err(SnapshotIssue {
            reason: MISSING_ID,
            detail:
                "license-error row names no user (UserId, UserPrincipalName or UserDisplayName)"
                    .into(),
        });
    }
    let sku_id = r.cell(SKU_ID).and_then(SkuId::parse);
    let sku_part_number = r
        .cell(SKU_PART)
        .filter(|p| !p.eq_ignore_ascii_case("Unknown SKU"))
        .map(str::to_string);

    // the group's name beside its id (`GroupName,GroupId,...`): its label
    let group_name = r
        .cell(GROUP_NAME)
        .filter(|_| r.cell(GROUP_ID).is_some())
        .map(str::to_string);
    // Where the row says who assigned the license.
    let row_by = if let Some(g) = r.cell(GROUP_ID).and_then(ObjectId::parse) {
        AssignedBy::GroupId(g)
    } else if let Some(n) = r.cell(GROUP_NAME) {
        AssignedBy::GroupName(n.to_string())
    } else {
        // several sources joined with `, ` cannot be told apart from one name with a comma
        r.cell(ASSIGNED_BY)
            .filter(|a| !a.contains(", "))
            .map_or(AssignedBy::Unknown, assigned_by_name)
    };

    let reported = match r.cell(LICENSE_ERRORS) {
        Some(text) => split_license_errors(text),
        None => split_error_columns(r.cell(ERROR).unwrap_or(""), r.cell(SUBCODE)),
    };
    let listed = match (&user_id, &sku_id) {
        (Some(uid), Some(sku)) if r.h.has(ASSIGNED_BY) => {
            let held_by = held_sources(r.cell(ASSIGNED_BY).unwrap_or(""), &reported);
            (!held_by.is_empty()).then(|| {
                SnapshotRecord::Listed(ListedLicense {
                    user_id: uid.clone(),
                    upn: upn.clone(),
                    display_name: display_name.clone(),
                    sku_id: sku.clone(),
                    sku_part_number: sku_part_number.clone(),
                    held_by,
                    errors_listed: r.h.has(LICENSE_ERRORS),
                    source: source.clone(),
                })
            })
        }
        _ => None,
    };
    Ok(reported
        .into_iter()
        .filter_map(|r| {
            if is_count(r.code) {
                return None;
            }
            let cause = Cause::from_code(r.code)?;
            Some(SnapshotRecord::Reported(ReportedError {
                user_id: user_id.clone(),
                upn: upn.clone(),
                display_name: display_name.clone(),
                sku_id: sku_id.clone(),
                sku_part_number: sku_part_number.clone(),
                assigned_by: r.by.map_or_else(|| row_by.clone(), assigned_by_name),
                group_name: group_name.clone(),
                cause,
                subcode: r.subcode.map(str::to_string),
                message: None,
                occurred: None,
                source: source.clone(),
            }))
        })
        .chain(listed)
        .collect())
}

/// The sources a row of Microsoft's `UserLicenseAssignments` list assigns its product from without
/// an error (licensing.md §4, §11): those `AssignedBy` names (`User` = direct, else group names
/// joined with `, `; the `LicenseErrors` cell's `<source>: Error: ...` names when it has them, as a
/// group name may hold `, `), less those an error names. When an error names no source, which one
/// failed is unknown: nothing is read as held. `Unknown Group` is kept as [`AssignedBy::Unknown`]:
/// the product is held, from a group the list does not name.
fn held_sources(assigned_by: &str, reported: &[Reported<'_>]) -> Vec<AssignedBy> {
    let failed = |r: &Reported<'_>| !is_count(r.code) && Cause::from_code(r.code).is_some();
    let named: Vec<&str> = reported.iter().filter_map(|r| r.by).collect();
    let names: Vec<&str> = if !named.is_empty() && named.len() == reported.len() {
        named
    } else {
        assigned_by
            .split(", ")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect()
    };
    let mut failed_by: Vec<&str> = Vec::new();
    for r in reported.iter().filter(|r| failed(r)) {
        match r.by {
            Some(b) => failed_by.push(b),
            None => return Vec::new(),
        }
    }
    let mut out: Vec<AssignedBy> = Vec::new();
    for n in names {
        if failed_by
            .iter()
            .any(|f| f.trim().eq_ignore_ascii_case(n.trim()))
        {
            continue;
        }
        let by = assigned_by_name(n);
        if !out.contains(&by) {
            out.push(by);
        }
    }
    out
}

/// Whether an error cell holds a number (`0`, `2`): a count of errors (a table that counts them per
/// user), not an error code, which is a name (licensing.md §0.2, §6). A count names no error to
/// diagnose, and `0` is none.
fn is_count(code: &str) -> bool {
    !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit())
}

/// The script's assignment-method text: `User` = direct, `Unknown Group` = a group it could not name.
fn assigned_by_name(s: &str) -> AssignedBy {
    let t = s.trim();
    if t.eq_ignore_ascii_case("user") || t.eq_ignore_ascii_case("direct") {
        AssignedBy::Direct
    } else if t.is_empty() || t.eq_ignore_ascii_case("unknown group") {
        AssignedBy::Unknown
    } else {
        AssignedBy::GroupName(t.to_string())
    }
}

/// Parses the `LicenseErrors` cell: `"<AssignedBy>: Error: <e> Subcode: <s>"` (or `... : Error: <e>` or
/// `... : Subcode: <s>`) joined with `; `, or `No Errors`. Group names may themselves contain `;`: a
/// piece without a marker belongs to the next marked piece (trailing ones to the previous). A cell with
/// no markers at all is read as `;`-separated bare codes. `Error: None` and subcode-only entries are
/// not errors and are dropped here by the caller's [`Cause::from_code`].
fn split_license_errors(text: &str) -> Vec<Reported<'_>> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("no errors") {
        return Vec::new();
    }
    let lower = t.to_ascii_lowercase();
    let marked = |s: &str| marker(s, "error:").is_some() || marker(s, "subcode:").is_some();
    // byte ranges of `;`-separated pieces (ASCII `;` keeps every boundary on a char boundary)
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, _) in t.match_indices(';') {
        pieces.push((start, i));
        start = i + 1;
    }
    pieces.push((start, t.len()));

    if !marked(&lower) {
        return pieces
            .iter()
            .filter_map(|&(s, e)| t.get(s..e))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|code| Reported {
                by: None,
                code,
                subcode: None,
            })
            .collect();
    }
    let mut segments: Vec<(usize, usize)> = Vec::new();
    let mut pending: Option<usize> = None;
    for &(s, e) in &pieces {
        if lower.get(s..e).is_some_and(marked) {
            segments.push((pending.take().unwrap_or(s), e));
        } else if pending.is_none() && t.get(s..e).is_some_and(|p| !p.trim().is_empty()) {
            pending = Some(s);
        }
    }
    if let (Some(_), Some(last)) = (pending, segments.last_mut()) {
        last.1 = t.len();
    }
    segments
        .iter()
        .filter_map(|&(s, e)| Some(segment(t.get(s..e)?, lower.get(s..e)?)))
        .collect()
}

/// Where `<name>: <word>` (e.g. `LIC-E3: Error:`) or a leading `<word>` sits in an ASCII-lowercased
/// text: (end of the name, start of the value). Requiring `: ` before the word keeps a group name
/// such as `Terror: team` from matching.
fn marker(lower: &str, word: &str) -> Option<(usize, usize)> {
    let found = lower.match_indices(word).find(|(p, _)| {
        lower.get(..*p).is_some_and(|before| {
            before.trim().is_empty() || (before.trim_end().ends_with(':') && before.ends_with(' '))
        })
    });
    found.map(|(p, _)| (p, p + word.len()))
}

/// One `<AssignedBy>: Error: <e> Subcode: <s>` segment (`lower` is its ASCII-lowercased copy, so byte
/// offsets agree).
fn segment<'a>(seg: &'a str, lower: &str) -> Reported<'a> {
    let (by, rest, rest_lower) = match marker(lower, "error:") {
        Some((name_end, value)) => (
            seg.get(..name_end),
            seg.get(value..).unwrap_or(""),
            lower.get(value..).unwrap_or(""),
        ),
        None => match marker(lower, "subcode:") {
            // subcode only: no error code
            Some((name_end, _)) => (
                seg.get(..name_end),
                seg.get(name_end..).unwrap_or(""),
                lower.get(name_end..).unwrap_or(""),
            ),
            None => (None, seg, lower),
        },
    };
    let (code, subcode) = match rest_lower.find("subcode:") {
        Some(q) => (rest.get(..q).unwrap_or(""), rest.get(q + 8..)),
        None => (rest, None),
    };
    let by = by
        .map(|b| b.trim().trim_end_matches(':').trim())
        .filter(|b| !b.is_empty());
    let subcode = subcode
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("none"));
    Reported {
        by,
        code: code.trim(),
        subcode,
    }
}

/// `Error` / `ErrorSubcode` columns of the per-group table: several values joined with `, `; subcodes
/// pair up with errors by position when the counts match.
fn split_error_columns<'a>(errors: &'a str, subcodes: Option<&'a str>) -> Vec<Reported<'a>> {
    let codes: Vec<&str> = errors
        .split([',', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let subs: Vec<&str> = subcodes
        .map(|s| s.split([',', ';']).map(str::trim).collect())
        .unwrap_or_default();
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let sub = if subs.len() == codes.len() {
                subs.get(i).copied()
            } else {
                subcodes.map(str::trim)
            };
            Reported {
                by: None,
                code,
                subcode: sub.filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("none")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::snapshot::{parse_csv, test_src};

    const SKU: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const PLAN1: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";
    const PLAN2: &str = "5dbe027f-2339-4123-9542-606e4d348a72";

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    const ERR_HEADERS: &[&str] = &[
        "UserId",
        "UserDisplayName",
        "UserPrincipalName",
        "SkuId",
        "SkuPartNumber",
        "AssignedBy",
        "LicenseErrors",
    ];

    fn errors_row(
        assigned_by: &str,
        errors: &str,
        part: &str,
    ) -> Result<Vec<ReportedError>, SnapshotIssue> {
        let row = strings(&[
            "U-1",
            "Ada",
            "ada@contoso.example",
            SKU,
            part,
            assigned_by,
            errors,
        ]);
        parse_csv(
            SnapshotKind::LicenseErrorsCsv,
            &strings(ERR_HEADERS),
            &row,
            test_src(),
        )
        .map(|v| {
            v.into_iter()
                .filter_map(|r| match r {
                    SnapshotRecord::Reported(e) => Some(e),
                    _ => None,
                })
                .collect()
        })
    }

    #[test]
    fn classify_headers() {
        let cases: &[(&[&str], Option<SnapshotKind>)] = &[
            (ERR_HEADERS, Some(SnapshotKind::LicenseErrorsCsv)),
            (
                &[
                    "\u{feff}\"UserId\"",
                    " userdisplayname ",
                    "USERPRINCIPALNAME",
                    "SkuId",
                    "SkuPartNumber",
                    "AssignedBy",
                    "LicenseErrors",
                    "Extra",
                ],
                Some(SnapshotKind::LicenseErrorsCsv),
            ),
            (
                &["ï»¿UserId", "UserPrincipalName", "LicenseErrors"],
                Some(SnapshotKind::LicenseErrorsCsv),
            ),
            (
                &[
                    "GroupName",
                    "GroupId",
                    "UserName",
                    "UserId",
                    "Error",
                    "ErrorSubcode",
                ],
                Some(SnapshotKind::LicenseErrorsCsv),
            ),
            (
                &["UserName", "UserId", "GroupId", "LicenseError"],
                Some(SnapshotKind::LicenseErrorsCsv),
            ),
            (&["GroupId", "UserId"], Some(SnapshotKind::MembershipCsv)),
            (
                &["groupobjectid", "MemberId"],
                Some(SnapshotKind::MembershipCsv),
            ),
            (
                &["GroupObjectId", "UserObjectId"],
                Some(SnapshotKind::MembershipCsv),
            ),
            (
                &[
                    "GroupObjectId",
                    "GroupName",
                    "SkuId",
                    "SkuPartNumber",
                    "DisabledPlans",
                ],
                Some(SnapshotKind::GroupLicensesCsv),
            ),
            // the script's "assigned directly or inherited" list: the same minus `LicenseErrors`
            (
                &[
                    "UserId",
                    "UserDisplayName",
                    "UserPrincipalName",
                    "SkuId",
                    "SkuPartNumber",
                    "AssignedBy",
                ],
                Some(SnapshotKind::LicenseErrorsCsv),
            ),
            // not snapshot CSVs: an `AssignedBy` column without the list's other columns
            (
                &["UserPrincipalName", "SkuId", "SkuPartNumber", "AssignedBy"],
                None,
            ),
            (&["UserId", "SkuId", "AssignedBy"], None),
            (
                &[
                    "Date (UTC)",
                    "CorrelationId",
                    "Service",
                    "Category",
                    "Activity",
                ],
                None,
            ),
            (
                &[
                    "Product_Display_Name",
                    "String_Id",
                    "GUID",
                    "Service_Plan_Name",
                    "Service_Plan_Id",
                ],
                None,
            ),
            (&["#TYPE System.Management.Automation.PSCustomObject"], None),
            (&[], None),
        ];
        for (h, want) in cases {
            assert_eq!(classify_csv(&strings(h)), *want, "{h:?}");
        }
    }

    #[test]
    fn several_errors_in_one_cell() {
        let errs = errors_row(
            "LIC-E3, LIC-Voice, User",
            "User: Error: None; LIC-E3: Error: CountViolation Subcode: 1234; LIC-Voice: Error: Other",
            "ENTERPRISEPACK",
        )
        .unwrap();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].cause, Cause::CountViolation);
        assert_eq!(errs[0].subcode.as_deref(), Some("1234"));
        assert_eq!(errs[0].assigned_by, AssignedBy::GroupName("LIC-E3".into()));
        assert_eq!(errs[1].cause, Cause::Other);
        assert_eq!(
            errs[1].assigned_by,
            AssignedBy::GroupName("LIC-Voice".into())
        );
        assert_eq!(errs[1].user_id, ObjectId::parse("u-1"));
        assert_eq!(errs[1].upn.as_deref(), Some("ada@contoso.example"));
        assert_eq!(errs[1].sku_part_number.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(errs[1].sku_id, SkuId::parse(SKU));
    }

    /// The sources a row holds its product from without an error (licensing.md §4, §11).
    fn held(headers: &[&str], row: &[&str]) -> Vec<ListedLicense> {
        parse_csv(
            SnapshotKind::LicenseErrorsCsv,
            &strings(headers),
            &strings(row),
            test_src(),
        )
        .unwrap()
        .into_iter()
        .filter_map(|r| match r {
            SnapshotRecord::Listed(l) => Some(l),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn healthy_sources_are_held() {
        let row = |by: &str, errors: &str| {
            held(
                ERR_HEADERS,
                &[
                    "U-1",
                    "Ada",
                    "ada@contoso.example",
                    SKU,
                    "ENTERPRISEPACK",
                    by,
                    errors,
                ],
            )
        };
        let g = |n: &str| AssignedBy::GroupName(n.into());
        let by = |l: Vec<ListedLicense>| l.into_iter().flat_map(|l| l.held_by).collect::<Vec<_>>();
        assert_eq!(by(row("User", "User: Error: None")), [AssignedBy::Direct]);
        assert_eq!(by(row("LIC-E3", "")), [g("LIC-E3")]);
        assert_eq!(by(row("LIC-E3", "No Errors")), [g("LIC-E3")]);
        assert_eq!(
            by(row(
                "LIC-E3, User",
                "User: Error: None; LIC-E3: Error: None"
            )),
            [AssignedBy::Direct, g("LIC-E3")]
        );
        // the failed source is not held, the other is
        assert_eq!(
            by(row(
                "LIC-E3, User",
                "User: Error: None; LIC-E3: Error: CountViolation"
            )),
            [AssignedBy::Direct]
        );
        assert_eq!(by(row("LIC-E3", "LIC-E3: Error: CountViolation")), []);
        // an error without its source: which failed is unknown
        assert_eq!(by(row("LIC-E3, User", "CountViolation")), []);
        // a group name with `, ` as the errors cell names it
        assert_eq!(
            by(row("Sales, EMEA", "Sales, EMEA: Error: None")),
            [g("Sales, EMEA")]
        );
        let l = row("User", "");
        assert!(l[0].errors_listed);
        assert_eq!(l[0].sku_part_number.as_deref(), Some("ENTERPRISEPACK"));
        // the list without `LicenseErrors`
        let l = held(
            &ERR_HEADERS[..6],
            &[
                "U-1",
                "Ada",
                "ada@contoso.example",
                SKU,
                "ENTERPRISEPACK",
                "LIC-E3, User",
            ],
        );
        assert_eq!(l.len(), 1);
        assert!(!l[0].errors_listed);
        assert_eq!(l[0].held_by, [g("LIC-E3"), AssignedBy::Direct]);
        // no user id or no product id: nothing held
        assert!(held(
            ERR_HEADERS,
            &["", "Ada", "ada@contoso.example", SKU, "X", "User", ""]
        )
        .is_empty());
    }

    #[test]
    fn healthy_rows_produce_nothing() {
        for cell in [
            "No Errors",
            "",
            "User: Error: None",
            "User: Error: ",
            "Sales: Error: None; User: Error: None",
            "User: Subcode: 7",
            "no errors",
        ] {
            assert_eq!(errors_row("User", cell, "X").unwrap(), vec![], "{cell:?}");
        }
    }

    #[test]
    fn unknown_sku_direct_and_unknown_group() {
        let errs = errors_row(
            "User",
            "User: Error: MutuallyExclusiveViolation",
            "Unknown SKU",
        )
        .unwrap();
        assert_eq!(errs[0].sku_part_number, None);
        assert_eq!(errs[0].assigned_by, AssignedBy::Direct);
        let errs =
            errors_row("Unknown Group", "Unknown Group: Error: CountViolation", "X").unwrap();
        assert_eq!(errs[0].assigned_by, AssignedBy::Unknown);
    }

    #[test]
    fn group_names_with_separators_and_odd_cells() {
        let errs = errors_row(
            "Sales; EMEA: licensed",
            "Sales; EMEA: licensed: Error: CountViolation",
            "X",
        )
        .unwrap();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].assigned_by,
            AssignedBy::GroupName("Sales; EMEA: licensed".into())
        );
        // bare codes without the script's markers
        let errs = errors_row("G1", "CountViolation; Others", "X").unwrap();
        assert_eq!(
            errs.iter().map(|e| e.cause.clone()).collect::<Vec<_>>(),
            vec![Cause::CountViolation, Cause::Other]
        );
        assert_eq!(errs[0].assigned_by, AssignedBy::GroupName("G1".into()));
        // unknown code kept verbatim; trailing junk stays with the last segment
        let errs = errors_row("G1", "G1: Error: FancyNew; ", "X").unwrap();
        assert_eq!(errs[0].cause, Cause::Unknown("FancyNew".into()));
        let e = errors_row("", "Error: CountViolation", "X").unwrap();
        assert_eq!(e[0].assigned_by, AssignedBy::Unknown);
        // "error:" inside a group name is not the marker
        let e = errors_row(
            "x",
            "Terror: team: Error: CountViolation; Subcode: 9; No-error: squad: Error: None",
            "X",
        )
        .unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].assigned_by,
            AssignedBy::GroupName("Terror: team".into())
        );
        assert_eq!(e[0].cause, Cause::CountViolation);
    }

    #[test]
    fn per_group_error_table() {
        let headers = strings(&[
            "GroupName",
            "GroupId",
            "UserName",
            "UserId",
            "Error",
            "ErrorSubcode",
        ]);
        let row = strings(&["LIC", "G-1", "Ada", "u1", "CountViolation, Other", "5, "]);
        let recs = parse_csv(SnapshotKind::LicenseErrorsCsv, &headers, &row, test_src()).unwrap();
        assert_eq!(recs.len(), 2);
        let SnapshotRecord::Reported(e) = &recs[0] else {
            panic!()
        };
        assert_eq!(
            e.assigned_by,
            AssignedBy::GroupId(ObjectId::parse("g-1").unwrap())
        );
        assert_eq!(
            (e.cause.clone(), e.subcode.as_deref()),
            (Cause::CountViolation, Some("5"))
        );
        assert_eq!(e.display_name.as_deref(), Some("Ada"));
        let SnapshotRecord::Reported(e) = &recs[1] else {
            panic!()
        };
        assert_eq!(
            (e.cause.clone(), e.subcode.as_deref()),
            (Cause::Other, None)
        );
        // legacy MSOnline table
        let headers = strings(&["UserName", "UserId", "GroupId", "LicenseError"]);
        let recs = parse_csv(
            SnapshotKind::LicenseErrorsCsv,
            &headers,
            &strings(&["Bo", "u2", "g2", "DependencyViolation"]),
            test_src(),
        )
        .unwrap();
        assert_eq!(recs.len(), 1);
    }

    /// A number in an error cell is a count of errors, not an error code (licensing.md §0.2: no
    /// error is null, "" or "None"; an error is a name): `0` is none, and a count names none.
    #[test]
    fn a_count_in_an_error_cell_is_no_error_code() {
        for count in ["0", "1", "2", " 12 ", "0; 1"] {
            assert_eq!(errors_row("User", count, "X").unwrap(), vec![], "{count:?}");
        }
        let headers = strings(&["GroupName", "GroupId", "UserName", "UserId", "Error"]);
        let recs = parse_csv(
            SnapshotKind::LicenseErrorsCsv,
            &headers,
            &strings(&["LIC", "G-1", "Ada", "u1", "0, CountViolation"]),
            test_src(),
        )
        .unwrap();
        assert_eq!(recs.len(), 1);
        // a code that only contains digits beside letters is still a name
        assert_eq!(errors_row("User", "Error42", "X").unwrap().len(), 1);
    }

    #[test]
    fn error_rows_need_a_user() {
        let e = errors_row("User", "User: Error: CountViolation", "X");
        assert!(e.is_ok());
        let row = strings(&["", "", "", SKU, "X", "User", "User: Error: CountViolation"]);
        let e = parse_csv(
            SnapshotKind::LicenseErrorsCsv,
            &strings(ERR_HEADERS),
            &row,
            test_src(),
        )
        .unwrap_err();
        assert_eq!(e.reason, MISSING_ID);
    }

    #[test]
    fn membership_rows() {
        let h = strings(&["GroupId", "UserId"]);
        let recs = parse_csv(
            SnapshotKind::MembershipCsv,
            &h,
            &strings(&[" G1 ", "U1"]),
            test_src(),
        )
        .unwrap();
        assert_eq!(
            recs,
            vec![SnapshotRecord::Membership(Membership {
                group_id: ObjectId::parse("g1").unwrap(),
                user_id: ObjectId::parse("u1").unwrap(),
            })]
        );
        let e = parse_csv(
            SnapshotKind::MembershipCsv,
            &h,
            &strings(&["G1"]),
            test_src(),
        )
        .unwrap_err();
        assert_eq!(e.reason, MISSING_ID);
        // blank line
        assert_eq!(
            parse_csv(
                SnapshotKind::MembershipCsv,
                &h,
                &strings(&["", " "]),
                test_src()
            ),
            Ok(vec![])
        );
        let e = parse_csv(
            SnapshotKind::MembershipCsv,
            &strings(&["A", "B"]),
            &strings(&["x", "y"]),
            test_src(),
        )
        .unwrap_err();
        assert_eq!(e.reason, MISSING_COLUMN);
    }

    #[test]
    fn group_licenses_rows() {
        let h = strings(&[
            "GroupObjectId",
            "GroupName",
            "SkuId",
            "SkuPartNumber",
            "DisabledPlans",
        ]);
        let row = strings(&[
            "G1",
            "LIC-E3",
            SKU,
            "ENTERPRISEPACK",
            &format!(
                "EXCHANGE_S_ENTERPRISE ({PLAN1}), SHAREPOINTENTERPRISE ({})",
                PLAN2.to_uppercase()
            ),
        ]);
        let recs = parse_csv(SnapshotKind::GroupLicensesCsv, &h, &row, test_src()).unwrap();
        let [SnapshotRecord::Group(g)] = &recs[..] else {
            panic!("{recs:?}")
        };
        assert_eq!(g.display_name.as_deref(), Some("LIC-E3"));
        assert_eq!(
            g.assigned_licenses[0].disabled_plans,
            [PlanId::parse(PLAN1).unwrap(), PlanId::parse(PLAN2).unwrap()].into()
        );
        assert_eq!(g.members, None);
        for none in ["None", "", "none"] {
            let row = strings(&["G1", "LIC-E3", SKU, "ENTERPRISEPACK", none]);
            let recs = parse_csv(SnapshotKind::GroupLicensesCsv, &h, &row, test_src()).unwrap();
            let [SnapshotRecord::Group(g)] = &recs[..] else {
                panic!()
            };
            assert!(g.assigned_licenses[0].disabled_plans.is_empty());
        }
        let bad = strings(&["G1", "LIC-E3", SKU, "X", "EXCHANGE_S_ENTERPRISE"]);
        assert_eq!(
            parse_csv(SnapshotKind::GroupLicensesCsv, &h, &bad, test_src())
                .unwrap_err()
                .reason,
            MALFORMED
        );
        let no_sku = strings(&["G1", "LIC-E3", "", "X", "None"]);
        assert_eq!(
            parse_csv(SnapshotKind::GroupLicensesCsv, &h, &no_sku, test_src())
                .unwrap_err()
                .reason,
            MISSING_SKU_ID
        );
        let no_id = strings(&["", "LIC-E3", SKU, "X", "None"]);
        assert_eq!(
            parse_csv(SnapshotKind::GroupLicensesCsv, &h, &no_id, test_src())
                .unwrap_err()
                .reason,
            MISSING_ID
        );
    }

    #[test]
    fn json_kind_is_rejected_for_rows() {
        let e = parse_csv(
            SnapshotKind::Users,
            &strings(&["a"]),
            &strings(&["b"]),
            test_src(),
        )
        .unwrap_err();
        assert_eq!(e.reason, WRONG_KIND);
    }

    #[test]
    fn guid_finder() {
        assert_eq!(find_guid(&format!("X ({PLAN1})")), Some(PLAN1));
        assert_eq!(find_guid("é(é)"), None);
        assert_eq!(find_guid(""), None);
    }
}
