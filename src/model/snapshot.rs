//! License-state snapshot model (licensing.md §1-§4): users with their license assignment states,
//! groups, the tenant's subscribed SKUs, and error lists exported by other tools.

use super::cause::Cause;
use super::event::SourceRef;
use super::ids::{ObjectId, PlanId, SkuId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;

/// A license on a user or group (`assignedLicenses[]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AssignedSku {
    pub sku_id: SkuId,
    /// Shared with equal lists read before ([`PlanList`]).
    pub disabled_plans: PlanList,
}

/// A list of service plans (a license's `disabledPlans`). Snapshot readers share equal lists: a
/// tenant's users hold their groups' few lists, and a vector per license and user was about 80
/// bytes of every user of a 100k-user tenant.
/// One thin pointer ([`super::ids::ThinList`]): 8 bytes of every license state.
pub type PlanList = super::ids::ThinList<PlanId>;

/// `licenseAssignmentState.state`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum AssignmentState {
    Active,
    ActiveWithError,
    Disabled,
    Error,
    Unknown(super::Code),
}

impl AssignmentState {
    pub fn parse(s: &str) -> AssignmentState {
        match s.trim().to_ascii_lowercase().as_str() {
            "active" => AssignmentState::Active,
            "activewitherror" => AssignmentState::ActiveWithError,
            "disabled" => AssignmentState::Disabled,
            "error" => AssignmentState::Error,
            _ => AssignmentState::Unknown(s.trim().into()),
        }
    }
    /// Whether the license is applied (the user has the product).
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            AssignmentState::Active | AssignmentState::ActiveWithError
        )
    }
}

/// One `licenseAssignmentStates[]` entry: a SKU from one source (direct or one group). Held for
/// every license of every user: a state or error code licdiag does not know is a number
/// ([`super::Code`], so each enum is one word), an error subcode sits behind one thin pointer
/// ([`super::RareText`]), and the ids are thin pointers ([`super::ObjectId`], [`PlanList`]): 64
/// bytes (128 with the texts inline, 104 with wide ids, 80 with the codes behind pointers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LicenseAssignmentState {
    pub sku_id: SkuId,
    /// `None` = assigned directly.
    pub assigned_by_group: Option<ObjectId>,
    pub disabled_plans: PlanList,
    pub state: AssignmentState,
    /// `None` when the export says `null`, `""` or `"None"`.
    pub error: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_subcode: Option<super::RareText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<DateTime<Utc>>,
}

/// A user as the snapshot holds it, every user of the tenant for the whole run: texts are boxed
/// (`Box<str>`, not `String`: no spare capacity word) and lists are boxed slices, so a 100k-user
/// tenant's users take about 30% less than with owned strings and vectors (benches/README.md,
/// thirty-ninth run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: ObjectId,
    /// Shared with `mail` when the two are equal (most users), one block for both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<super::ThinStr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    /// ISO-3166 alpha-2; `None` = unset (group licensing inherits the tenant's country). Shared
    /// with the users read before it in the same country ([`super::ids::country`]): a tenant's
    /// users live in a few, and a box of two letters each was a block and 16 bytes a user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<super::ThinStr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<super::ThinStr>,
    pub proxy_addresses: AddressList,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
    /// Shared with equal lists read before: a tenant's users hold their groups' few sets.
    pub assigned_licenses: super::ids::ThinList<AssignedSku>,
    pub license_states: Box<[LicenseAssignmentState]>,
    pub source: SourceRef,
}

// Held for every user of the tenant, for the whole run: at most what they are now (a field that
// grows them should be boxed or shared).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<User>() <= 120);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<LicenseAssignmentState>() <= 64);
// An unknown code is a number ([`super::Code`]): the enums take a word with it.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(
    std::mem::size_of::<Option<super::Cause>>() <= 8 && std::mem::size_of::<AssignmentState>() <= 8
);

/// A user's `proxyAddresses`, as read and in their order, in one block: each address after its
/// length in decimal and a space (`25 SMTP:ana@contoso.example`). Most users of a tenant with
/// Exchange have two or more addresses; a boxed slice of boxed texts was a block for the list and
/// one for each address (about 160 bytes a user with two, 128 in one block).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct AddressList(Box<str>);

impl AddressList {
    /// The addresses in order.
    pub fn iter(&self) -> AddressIter<'_> {
        AddressIter(&self.0)
    }
    pub fn len(&self) -> usize {
        self.iter().count()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The first address.
    pub fn first(&self) -> Option<&str> {
        self.iter().next()
    }
}

impl<S: AsRef<str>> FromIterator<S> for AddressList {
    fn from_iter<I: IntoIterator<Item = S>>(items: I) -> Self {
        use std::fmt::Write;
        // the block allocated at its size: grown by doubling and then boxed, it would keep the
        // larger block (mimalloc shrinks a block in place when at least half of it stays used)
        let items: Vec<S> = items.into_iter().collect();
        let size = items
            .iter()
            .map(|a| {
                let n = a.as_ref().len();
                n.checked_ilog10().map_or(1, |d| d as usize + 1) + 1 + n
            })
            .sum();
        let mut b = String::with_capacity(size);
        for a in &items {
            let a = a.as_ref();
            let _ = write!(b, "{} {a}", a.len());
        }
        debug_assert_eq!(b.len(), size);
        AddressList(b.into_boxed_str())
    }
}

impl<S: AsRef<str>> From<Vec<S>> for AddressList {
    fn from(v: Vec<S>) -> Self {
        v.iter().collect()
    }
}

impl<'a> IntoIterator for &'a AddressList {
    type Item = &'a str;
    type IntoIter = AddressIter<'a>;
    fn into_iter(self) -> AddressIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for AddressList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for AddressList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// [`AddressList::iter`].
#[derive(Clone)]
pub struct AddressIter<'a>(&'a str);

impl<'a> Iterator for AddressIter<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        // the block is written by `from_iter` only, so each length is followed by that many
        // bytes; a block that were not would end the list, not panic
        let (len, rest) = self.0.split_once(' ')?;
        let n: usize = len.parse().ok()?;
        let (Some(a), Some(after)) = (rest.get(..n), rest.get(n..)) else {
            self.0 = "";
            return None;
        };
        self.0 = after;
        Some(a)
    }
}

impl User {
    pub fn label(&self) -> String {
        self.upn
            .as_deref()
            .or(self.display_name.as_deref())
            .map_or_else(|| self.id.to_string(), String::from)
    }
    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: ObjectId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub assigned_licenses: Vec<AssignedSku>,
    /// `licenseProcessingState.state` (or the plain string older exports write).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_enabled: Option<bool>,
    pub group_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership_rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    pub proxy_addresses: Vec<String>,
    /// First-level members from `$expand=members` (user ids); `None` when the export has no members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<ObjectId>>,
    /// Groups among the first-level members (`@odata.type` `#microsoft.graph.group`): group-based
    /// licensing applies to a group's direct user members only, so theirs get nothing from it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nested_groups: Vec<ObjectId>,
    pub source: SourceRef,
}

impl Group {
    pub fn label(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| self.id.to_string())
    }
    pub fn is_dynamic(&self) -> bool {
        self.membership_rule.is_some()
            || self
                .group_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case("DynamicMembership"))
    }
    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }
}

/// A service plan of a subscribed SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkuPlan {
    pub plan_id: PlanId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_status: Option<String>,
}

/// One `subscribedSkus` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubscribedSku {
    pub sku_id: SkuId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability_status: Option<String>,
    pub consumed: u64,
    pub enabled: u64,
    pub warning: u64,
    pub suspended: u64,
    pub locked_out: u64,
    pub service_plans: Vec<SkuPlan>,
    /// The billing accounts the product is subscribed under (`accountId`, else the part of `id`
    /// before `_<skuId>`), lower-cased: one, or several when one export lists the product once per
    /// account and their seats were summed into this one (`ingest`, `sum_accounts`). Not in any
    /// output; `licdiag diff` compares them to tell two tenants apart.
    #[serde(skip)]
    pub account_ids: Vec<String>,
    pub source: SourceRef,
}

/// Which object a reported error names as the assigning source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum AssignedBy {
    Direct,
    GroupId(ObjectId),
    GroupName(String),
    Unknown,
}

/// An error reported by a list export rather than by `licenseAssignmentStates`: the beta
/// `cloudLicensing/assignmentErrors`, or the CSV of Microsoft's "users with license errors" script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportedError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<ObjectId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<SkuId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_part_number: Option<String>,
    pub assigned_by: AssignedBy,
    /// The group's name when the list names it beside its id (`GroupName,GroupId,...`): a label
    /// for a group no snapshot holds. Not in any output.
    #[serde(skip)]
    pub group_name: Option<String>,
    pub cause: Cause,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subcode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred: Option<DateTime<Utc>>,
    pub source: SourceRef,
}

/// A license a license list says a user holds: a row of Microsoft's `UserLicenseAssignments` CSV
/// (licensing.md §4: `UserId, ..., SkuId, SkuPartNumber, AssignedBy[, LicenseErrors]`) with the
/// sources that assign it without an error (`AssignedBy` = `User` is direct, else group names,
/// §11). Turned into the user's license states once every input is read (`ingest`), unless a
/// users export beside it holds the user: then the two must agree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListedLicense {
    pub user_id: ObjectId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub sku_id: SkuId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_part_number: Option<String>,
    /// The sources that assign it without an error (never empty).
    pub held_by: Vec<AssignedBy>,
    /// Whether the list says which sources are in error (a `LicenseErrors` column): without one
    /// (the script's "assigned directly or inherited" list) a source listed may be in error.
    pub errors_listed: bool,
    pub source: SourceRef,
}

/// A group membership row (`GroupId,UserId` CSV or `members` expansion).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub group_id: ObjectId,
    pub user_id: ObjectId,
}

/// Everything read from snapshot inputs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Snapshot {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub skus: Vec<SubscribedSku>,
    pub memberships: Vec<Membership>,
    pub reported_errors: Vec<ReportedError>,
    /// Licenses a license list says users hold, until they are read into `users` (`ingest`).
    #[serde(skip)]
    pub listed: Vec<ListedLicense>,
    /// Users and groups seen only in membership changes that were not kept (their groups assign no
    /// license; `ReadOptions::licensing_memberships_only`), so that names and UPN aliases resolve
    /// as if the changes had been kept ([`in_reading_order`]).
    #[serde(skip)]
    pub identities: Vec<Identity>,
}

/// A target (user, group; an actor's name as `Other`) of membership changes that were not kept,
/// with where it was first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub target: super::Target,
    pub time: DateTime<Utc>,
    pub file: super::FileName,
    pub record: u64,
}

impl Identity {
    /// Where it was first seen, in the reading order of events ([`super::AuditEvent::reading_key`]).
    pub fn reading_key(&self) -> (DateTime<Utc>, &str, u64) {
        (self.time, &self.file, self.record)
    }
}

/// One item of [`in_reading_order`]: `events[i]` or `identities[j]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    Event(u32),
    Identity(u32),
}

impl Seen {
    /// The event's index, for an event.
    pub fn event(self) -> Option<usize> {
        match self {
            Seen::Event(i) => Some(i as usize),
            Seen::Identity(_) => None,
        }
    }
}

/// Events and identities merged in reading order (time, file, record), the order in which the
/// first name, UPN or alias seen wins. `events` must be in that order already (ingestion sorts
/// them so); identities later than `until` are left out.
pub fn in_reading_order<'a>(
    events: impl IntoIterator<Item = &'a super::AuditEvent>,
    identities: &[Identity],
    until: Option<DateTime<Utc>>,
) -> Vec<Seen> {
    let mut ids: Vec<u32> = (0..identities.len())
        .filter(|&j| until.is_none_or(|u| identities[j].time <= u))
        .map(index)
        .collect();
    let key = |j: u32| identities[j as usize].reading_key();
    ids.sort_by(|&a, &b| key(a).cmp(&key(b)));
    let events = events.into_iter();
    // sized once (one item per event and identity, for every event and name of a large read)
    let mut out = Vec::with_capacity(events.size_hint().0 + ids.len());
    let mut next = ids.into_iter().peekable();
    let mut last = None;
    for (i, e) in events.enumerate() {
        let ek = e.reading_key();
        debug_assert!(
            identities.is_empty() || last.is_none_or(|l| l <= ek),
            "events out of reading order"
        );
        last = Some(ek);
        while let Some(&j) = next.peek() {
            if key(j) < ek {
                out.push(Seen::Identity(j));
                next.next();
            } else {
                break;
            }
        }
        out.push(Seen::Event(index(i)));
    }
    out.extend(next.map(Seen::Identity));
    out
}

/// An index of [`Seen`]: 4 bytes, so that an item is 8 (there is one per event and identity). A
/// read holds far fewer than 2^32 events (each takes hundreds of bytes); saturated, not wrapped.
fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Snapshot {
    /// The id of the one group with this display name (compared trimmed), or `None` when no group
    /// or more than one has it: an error list names a group by its name alone.
    pub fn group_named_uniquely(&self, name: &str) -> Option<&ObjectId> {
        let mut g = self.groups.iter().filter(|g| {
            g.display_name
                .as_deref()
                .is_some_and(|d| d.trim() == name.trim())
        });
        match (g.next(), g.next()) {
            (Some(one), None) => Some(&one.id),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.groups.is_empty()
            && self.skus.is_empty()
            && self.memberships.is_empty()
            && self.reported_errors.is_empty()
            && self.listed.is_empty()
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// The codes licdiag does not know are kept verbatim and written as before they were
    /// numbered: a state as `{"Unknown": text}`, a cause as its code, a subcode as a string.
    #[test]
    fn unknown_states_causes_and_subcodes_are_kept_and_written_as_text() {
        let st = AssignmentState::parse(" Weird ");
        assert_eq!(st, AssignmentState::Unknown("Weird".into()));
        assert_eq!(
            serde_json::to_string(&st).unwrap(),
            r#"{"Unknown":"Weird"}"#
        );
        let cause = Cause::from_code("FancyNewViolation").unwrap();
        assert_eq!(
            serde_json::to_string(&cause).unwrap(),
            r#""FancyNewViolation""#
        );
        let code: crate::model::RareText = String::from("42").into();
        assert_eq!((&*code, code.to_string()), ("42", "42".to_string()));
        assert_eq!(serde_json::to_string(&code).unwrap(), r#""42""#);
        // one word each (the unknown text a number, [`crate::model::Code`]), so a license state
        // stays at its asserted size
        assert_eq!(std::mem::size_of::<AssignmentState>(), 8);
        assert_eq!(std::mem::size_of::<Option<Cause>>(), 8);
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;
    use crate::diagnose::testkit::{add_member, admin, src, t, user_target};

    #[test]
    fn identities_merge_with_events_by_time_file_record() {
        let at = |s: &str, rec: u64| {
            let mut e = add_member("ana", "team", s, admin("zoe"));
            e.source = src("a.json", rec);
            e
        };
        let events = [at("2026-10-05T08:00:00Z", 5), at("2026-10-05T10:00:00Z", 9)];
        let id = |s: &str, rec: u64| Identity {
            target: user_target("ben"),
            time: t(s),
            file: src("a.json", rec).file,
            record: rec,
        };
        let ids = [
            id("2026-10-05T11:00:00Z", 12),
            id("2026-10-05T08:00:00Z", 4),
            id("2026-10-05T08:00:00Z", 6),
        ];
        assert_eq!(
            in_reading_order(&events, &ids, None),
            [
                Seen::Identity(1),
                Seen::Event(0),
                Seen::Identity(2),
                Seen::Event(1),
                Seen::Identity(0)
            ]
        );
        let until = Some(t("2026-10-05T10:30:00Z"));
        assert_eq!(in_reading_order(&events, &ids, until).len(), 4);
    }
}

#[cfg(test)]
mod address_tests {
    use super::AddressList;
    use proptest::prelude::*;

    proptest! {
        /// Any list of texts (spaces, digits, empty ones, any characters) reads back as written,
        /// and is written as a JSON list as before it was packed.
        #[test]
        fn addresses_read_back_as_written(v in proptest::collection::vec(".{0,40}", 0..6)) {
            let list: AddressList = v.iter().collect();
            prop_assert_eq!(list.iter().collect::<Vec<_>>(), v.iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(list.len(), v.len());
            prop_assert_eq!(list.is_empty(), v.is_empty());
            prop_assert_eq!(serde_json::to_value(&list).unwrap(), serde_json::json!(v));
        }
    }

    #[test]
    fn the_usual_shapes() {
        let list = AddressList::from(vec!["SMTP:ana@contoso.example", "12 3", ""]);
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            ["SMTP:ana@contoso.example", "12 3", ""]
        );
        assert_eq!(list.first(), Some("SMTP:ana@contoso.example"));
        assert_eq!(
            format!("{list:?}"),
            r#"["SMTP:ana@contoso.example", "12 3", ""]"#
        );
        assert!(AddressList::default().is_empty());
        assert_eq!(AddressList::default().first(), None);
    }
}
