//! The logical audit log: one [`Event`] per record, rendered by every format. The licensing and
//! membership records come from the tenant's plan; the rest is ordinary directory noise (user
//! updates, memberships of non-licensing groups, applications, consents, service principals,
//! devices, policies), generated per index from a hash of the seed, so any thread can regenerate
//! the same stream and every format holds the same records in the same order (oldest first).

use crate::catalog::{self, SKUS};
use crate::rng::{hash, tag, Guid, Rng};
use crate::tenant::{self, Group, LicSet, Place, Planned, Spec, Tenant, User, DEPTS, TITLES};
use crate::time::{Ts, TICKS};
use serde_json::json;
use std::borrow::Cow;

pub const UA_EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0";
pub const UA_PS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.5";
pub const ADMIN_IP: &str = "203.0.113.10";
pub const SYNC_IP: &str = "198.51.100.25";
const USER_IPS: &[&str] = &[
    "198.51.100.77",
    "198.51.100.78",
    "2001:db8:4f1a::17",
    "192.0.2.44",
    "",
];

pub enum Actor<'a> {
    User {
        id: Guid,
        upn: &'a str,
        ip: &'static str,
    },
    App {
        name: &'static str,
        sp: Guid,
    },
}

impl Actor<'_> {
    /// Log Analytics `Identity` / diagnostic `identity`: the actor's UPN or app name.
    pub fn name(&self) -> &str {
        match self {
            Actor::User { upn, .. } => upn,
            Actor::App { name, .. } => name,
        }
    }
}

/// A modifiedProperty value. Graph stores values as JSON text inside a string; the unified audit log
/// pretty-prints the same JSON with CRLF (formats.md §8 quirk 5).
pub enum PVal<'a> {
    Null,
    /// JSON array of strings.
    Strs(Vec<Cow<'a, str>>),
    /// `[true]` / `[false]`
    Bool(bool),
    /// A JSON string literal (`"A, B"`); the UAL writes `Included Updated Properties` unquoted.
    Quoted(Cow<'a, str>),
    /// Stored verbatim (the `Finish applying` Result text).
    Raw(Cow<'a, str>),
    /// Any other JSON value.
    Json(serde_json::Value),
}

pub struct Prop<'a> {
    pub name: &'static str,
    pub old: PVal<'a>,
    pub new: PVal<'a>,
}

pub struct Target<'a> {
    pub kind: &'static str,
    pub id: Guid,
    pub display: Option<Cow<'a, str>>,
    pub upn: Option<&'a str>,
    pub group_type: Option<&'static str>,
    pub props: Vec<Prop<'a>>,
}

pub struct Event<'a> {
    pub ts: Ts,
    pub activity: &'static str,
    pub category: &'static str,
    pub op: &'static str,
    pub service: &'static str,
    pub success: bool,
    pub reason: Cow<'a, str>,
    pub corr: Guid,
    pub id_five: [u8; 5],
    pub id_num: u32,
    pub actor: Actor<'a>,
    pub targets: Vec<Target<'a>>,
    pub details: Vec<(&'static str, Cow<'a, str>)>,
}

impl Event<'_> {
    pub fn user_agent(&self) -> Option<&str> {
        self.details
            .iter()
            .find(|(k, _)| *k == "User-Agent")
            .map(|(_, v)| v.as_ref())
    }

    /// Graph `id`: `Directory_<correlationId>_<5 chars>_<int>`.
    pub fn write_id(&self, out: &mut Vec<u8>) {
        if self.service == "Core Directory" {
            out.extend_from_slice(b"Directory");
        } else {
            out.extend(self.service.bytes().filter(|b| *b != b' '));
        }
        out.push(b'_');
        self.corr.write_to(out);
        out.push(b'_');
        out.extend_from_slice(&self.id_five);
        out.push(b'_');
        out.extend_from_slice(self.id_num.to_string().as_bytes());
    }
}

fn id_parts(h: u64) -> ([u8; 5], u32) {
    const A: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut five = [0u8; 5];
    let mut x = h;
    for c in five.iter_mut() {
        *c = A[(x % 36) as usize];
        x /= 36;
    }
    (five, 10_000_000 + (mix32(h) % 990_000_000))
}

fn mix32(h: u64) -> u32 {
    ((h >> 32) ^ h) as u32
}

// --- targets -------------------------------------------------------------------------------------

pub fn user_target<'a>(u: &'a User, props: Vec<Prop<'a>>) -> Target<'a> {
    Target {
        kind: "User",
        id: u.id,
        display: None,
        upn: Some(&u.upn),
        group_type: None,
        props,
    }
}

pub fn group_target<'a>(g: &'a Group, props: Vec<Prop<'a>>) -> Target<'a> {
    Target {
        kind: "Group",
        id: g.id,
        display: Some(Cow::Borrowed(&g.name)),
        upn: None,
        group_type: Some(if g.unified {
            "unifiedGroups"
        } else {
            "azureAD"
        }),
        props,
    }
}

fn obj_target<'a>(
    kind: &'static str,
    name: Cow<'a, str>,
    id: Guid,
    props: Vec<Prop<'a>>,
) -> Target<'a> {
    Target {
        kind,
        id,
        display: Some(name),
        upn: None,
        group_type: None,
        props,
    }
}

fn p<'a>(name: &'static str, old: PVal<'a>, new: PVal<'a>) -> Prop<'a> {
    Prop { name, old, new }
}

fn strs<'a>(v: impl Into<Cow<'a, str>>) -> PVal<'a> {
    PVal::Strs(vec![v.into()])
}

fn included(names: &'static str) -> Prop<'static> {
    p(
        "Included Updated Properties",
        PVal::Null,
        PVal::Quoted(Cow::Borrowed(names)),
    )
}

fn member_props(g: &Group, removed: bool) -> Vec<Prop<'_>> {
    let id = PVal::Quoted(Cow::Owned(g.id.to_string()));
    let name = PVal::Quoted(Cow::Borrowed(&g.name));
    if removed {
        vec![
            p("Group.ObjectID", id, PVal::Null),
            p("Group.DisplayName", name, PVal::Null),
            p("Group.WellKnownObjectName", PVal::Null, PVal::Null),
        ]
    } else {
        vec![
            p("Group.ObjectID", PVal::Null, id),
            p("Group.DisplayName", PVal::Null, name),
            p("Group.WellKnownObjectName", PVal::Null, PVal::Null),
        ]
    }
}

/// `[SkuName=ENTERPRISEPACK, AccountId=<tenant>, SkuId=<sku>, DisabledPlans=[YAMMER_ENTERPRISE]]`
pub fn lic_str(sku: usize, disabled: &[&str]) -> String {
    format!(
        "[SkuName={}, AccountId={}, SkuId={}, DisabledPlans=[{}]]",
        SKUS[sku].part,
        tenant::TENANT_ID,
        SKUS[sku].id,
        disabled.join(", ")
    )
}

fn lic_list(set: LicSet) -> PVal<'static> {
    PVal::Strs(
        set.iter()
            .map(|(s, d)| Cow::Owned(lic_str(*s, d)))
            .collect(),
    )
}

// --- actors --------------------------------------------------------------------------------------

fn admin(t: &Tenant, k: u64) -> Actor<'_> {
    let u = &t.users[t.admins[(k % t.admins.len() as u64) as usize] as usize];
    Actor::User {
        id: u.id,
        upn: &u.upn,
        ip: ADMIN_IP,
    }
}

fn sync(t: &Tenant) -> Actor<'_> {
    Actor::User {
        id: t.sync_id,
        upn: &t.sync_upn,
        ip: SYNC_IP,
    }
}

fn gbl(t: &Tenant, entra: bool) -> Actor<'_> {
    Actor::App {
        name: if entra {
            tenant::GBL_ENTRA
        } else {
            tenant::GBL_AAD
        },
        sp: t.gbl_sp,
    }
}

fn admin_details<'a>(user_type: bool) -> Vec<(&'static str, Cow<'a, str>)> {
    let mut d = vec![("User-Agent", Cow::Borrowed(UA_EDGE))];
    if user_type {
        d.push(("UserType", Cow::Borrowed("Member")));
    }
    d
}

/// Details of a noise record: portal, PowerShell, or none (API automation).
fn noise_details<'a>(r: &mut Rng, user_type: bool) -> Vec<(&'static str, Cow<'a, str>)> {
    let ua = match r.weighted(&[45, 35, 20]) {
        0 => return Vec::new(),
        1 => UA_EDGE,
        _ => UA_PS,
    };
    let mut d = vec![("User-Agent", Cow::Borrowed(ua))];
    if user_type && r.chance(300) {
        d.push(("UserType", Cow::Borrowed("Member")));
    }
    d
}

// --- the planned (licensing and membership) records ----------------------------------------------

fn base<'a>(
    ts: Ts,
    corr: Guid,
    idh: u64,
    activity: &'static str,
    category: &'static str,
    actor: Actor<'a>,
) -> Event<'a> {
    let (id_five, id_num) = id_parts(idh);
    Event {
        ts,
        activity,
        category,
        op: "Update",
        service: "Core Directory",
        success: true,
        reason: Cow::Borrowed(""),
        corr,
        id_five,
        id_num,
        actor,
        targets: Vec::new(),
        details: Vec::new(),
    }
}

pub fn planned<'a>(t: &'a Tenant, pl: &'a Planned, index: usize) -> Event<'a> {
    let idh = hash(t.seed, &[tag("pid"), index as u64]);
    let user = |u: u32| &t.users[u as usize];
    match &pl.spec {
        Spec::SetGroupLicenseE3 => {
            let g = &t.groups[tenant::G_E3];
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Set group license",
                "GroupManagement",
                admin(t, 0),
            );
            e.targets.push(group_target(
                g,
                vec![
                    p(
                        "AssignedLicense",
                        lic_list(tenant::SET_E3),
                        lic_list(tenant::SET_E3_EMS),
                    ),
                    included("AssignedLicense"),
                ],
            ));
            e.details = admin_details(false);
            e
        }
        Spec::SetGroupLicenseWpaFails => {
            let g = &t.groups[tenant::G_WPA];
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Set group license",
                "GroupManagement",
                admin(t, 1),
            );
            e.success = false;
            e.reason = Cow::Borrowed(catalog::WPA_TEXT);
            e.targets.push(group_target(g, Vec::new()));
            e.details = admin_details(false);
            e
        }
        Spec::StartApplying { group } => {
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Start applying group based license to users",
                "GroupManagement",
                gbl(t, false),
            );
            e.targets.push(group_target(&t.groups[*group], Vec::new()));
            e
        }
        Spec::FinishApplying { group, ok, failed } => {
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Finish applying group based license to users",
                "GroupManagement",
                gbl(t, false),
            );
            let text = format!("[Users successfully assigned licenses: {ok}, Users for whom license assignment failed: {failed}.];");
            e.targets.push(group_target(
                &t.groups[*group],
                vec![p(
                    "Result",
                    PVal::Raw(Cow::Borrowed("[]")),
                    PVal::Raw(Cow::Owned(text)),
                )],
            ));
            e
        }
        Spec::ChangeOk { user: u, entra } => {
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Change user license",
                "UserManagement",
                gbl(t, *entra),
            );
            e.targets.push(user_target(user(*u), Vec::new()));
            e
        }
        Spec::UpdateUserLicense {
            user: u,
            before,
            after,
            entra,
        } => {
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Update user",
                "UserManagement",
                gbl(t, *entra),
            );
            e.targets.push(user_target(
                user(*u),
                vec![
                    p("AssignedLicense", lic_list(before), lic_list(after)),
                    included("AssignedLicense"),
                ],
            ));
            e
        }
        Spec::ChangeFails {
            user: u,
            text,
            place,
        } => {
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Change user license",
                "UserManagement",
                gbl(t, false),
            );
            e.success = false;
            let mut props = Vec::new();
            match place {
                Place::Reason => e.reason = Cow::Borrowed(text.as_str()),
                Place::Mer => props.push(p(
                    "MethodExecutionResult.",
                    PVal::Null,
                    PVal::Quoted(Cow::Borrowed(text.as_str())),
                )),
                Place::Detail => e
                    .details
                    .push((catalog::ERROR_DETAIL_KEY, Cow::Borrowed(text.as_str()))),
            }
            e.targets.push(user_target(user(*u), props));
            e
        }
        Spec::AddMember {
            user: u,
            group,
            sync: s,
        } => {
            let actor = if *s { sync(t) } else { admin(t, *u as u64) };
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Add member to group",
                "GroupManagement",
                actor,
            );
            e.op = "Assign";
            let g = &t.groups[*group];
            e.targets
                .push(user_target(user(*u), member_props(g, false)));
            e.targets.push(group_target(g, Vec::new()));
            if !*s {
                e.details = admin_details(false);
            }
            e
        }
        Spec::RemoveMember {
            user: u,
            group,
            sync: s,
        } => {
            let actor = if *s { sync(t) } else { admin(t, *u as u64) };
            let mut e = base(
                pl.ts,
                pl.corr,
                idh,
                "Remove member from group",
                "GroupManagement",
                actor,
            );
            e.op = "Unassign";
            let g = &t.groups[*group];
            e.targets.push(user_target(user(*u), member_props(g, true)));
            e.targets.push(group_target(g, Vec::new()));
            e
        }
    }
}

// --- directory noise -----------------------------------------------------------------------------

const APPS: &[&str] = &[
    "Northwind HR Portal",
    "Contoso Expenses",
    "Jira Cloud",
    "ServiceNow",
    "Adobe Creative Cloud",
    "Slack",
    "GitHub Enterprise",
    "Workday",
    "Zoom – Meetings",
    "Salesforce \"EU\"",
    "Tableau Server",
    "Miro",
    "Payroll\\Legacy Bridge",
    "DocuSign",
    "Atlassian Confluence",
    "Box",
    "Dropbox Business",
    "Okta Bridge",
];
const CITIES: &[&str] = &[
    "Lisboa",
    "München",
    "Zürich",
    "São Paulo",
    "Kraków",
    "Malmö",
    "Dublin",
    "Osaka",
    "Seattle",
];
const STREETS: &[&str] = &[
    "Rua Augusta 12",
    "Königstraße 5",
    "1 Main St.",
    "Ulica Długa 7/3",
    "12 O'Connell St",
    "Calle Mayor, 4 – 2º",
];
const SCOPES: &[&str] = &[
    " User.Read offline_access",
    " openid profile email",
    " Files.Read.All Sites.Read.All",
    " Mail.Send",
];

/// A healthy user (noise never targets fault users).
fn some_user<'a>(t: &'a Tenant, r: &mut Rng) -> &'a User {
    &t.users[r.range(t.healthy_from as u64, t.users.len() as u64) as usize]
}

fn some_noise_group<'a>(t: &'a Tenant, r: &mut Rng) -> &'a Group {
    &t.groups[r.range(tenant::LICENSING_GROUPS as u64, t.groups.len() as u64) as usize]
}

fn app_id(t: &Tenant, i: usize, kind: &str) -> Guid {
    Guid::derive(t.seed, tag(kind), i as u64)
}

fn phone(r: &mut Rng) -> String {
    format!(
        "+{} {} {:04} {:04}",
        r.range(1, 99),
        r.range(10, 99),
        r.below(10_000),
        r.below(10_000)
    )
}

fn sync_time(ts: Ts, r: &mut Rng) -> String {
    let at = ts.plus_secs(-(r.range(60, 86_400) as i64));
    at.iso_z()
}

fn app_address(host: &str, paths: &[&str]) -> serde_json::Value {
    serde_json::Value::Array(
        paths
            .iter()
            .map(|p| {
                json!({"AddressType": 0, "Address": format!("https://{host}{p}"), "ReplyAddressClientType": 1,
                       "ReplyAddressIndex": null, "IsReplyAddressDefault": false})
            })
            .collect(),
    )
}

/// Noise record `j` at `ts`.
pub fn noise(t: &Tenant, j: u64, ts: Ts) -> Event<'_> {
    let h = hash(t.seed, &[tag("noise"), j]);
    let mut r = Rng::new(h);
    let corr = Guid::from_bits(r.next_u64(), r.next_u64());
    let (id_five, id_num) = id_parts(r.next_u64());
    let kind = r.weighted(&[20, 16, 14, 4, 4, 2, 2, 9, 3, 12, 2, 2, 1, 2, 2, 4, 1]);
    let mut e = Event {
        ts,
        activity: "Update user",
        category: "UserManagement",
        op: "Update",
        service: "Core Directory",
        success: true,
        reason: Cow::Borrowed(""),
        corr,
        id_five,
        id_num,
        actor: admin(t, r.below(8)),
        targets: Vec::new(),
        details: Vec::new(),
    };
    match kind {
        0 => {
            // Update user by an admin: one or two attributes
            let u = some_user(t, &mut r);
            let (name, old, new): (&'static str, String, String) = match r.below(7) {
                0 => (
                    "JobTitle",
                    r.pick(TITLES).to_string(),
                    r.pick(TITLES).to_string(),
                ),
                1 => (
                    "Department",
                    r.pick(DEPTS).to_string(),
                    r.pick(DEPTS).to_string(),
                ),
                2 => ("TelephoneNumber", phone(&mut r), phone(&mut r)),
                3 => ("Mobile", phone(&mut r), phone(&mut r)),
                4 => (
                    "StreetAddress",
                    r.pick(STREETS).to_string(),
                    r.pick(STREETS).to_string(),
                ),
                5 => (
                    "City",
                    r.pick(CITIES).to_string(),
                    r.pick(CITIES).to_string(),
                ),
                _ => (
                    "DisplayName",
                    u.display.clone(),
                    format!("{} (Contractor)", u.display),
                ),
            };
            let mut props = vec![p(name, strs(old), strs(new))];
            if r.chance(300) {
                props.push(p("Department", strs(*r.pick(DEPTS)), strs(*r.pick(DEPTS))));
                props.push(included("JobTitle, Department"));
            } else {
                props.push(p(
                    "Included Updated Properties",
                    PVal::Null,
                    PVal::Quoted(Cow::Borrowed(name)),
                ));
            }
            e.targets.push(user_target(u, props));
            e.details = noise_details(&mut r, true);
        }
        1 => {
            // Update user by directory synchronization
            let u = some_user(t, &mut r);
            e.actor = sync(t);
            let old = sync_time(ts, &mut r);
            e.targets.push(user_target(
                u,
                vec![
                    p("LastDirSyncTime", strs(old), strs(ts.iso_z())),
                    included("LastDirSyncTime"),
                ],
            ));
        }
        2 | 3 => {
            // membership of a non-licensing group
            let u = some_user(t, &mut r);
            let g = some_noise_group(t, &mut r);
            let removed = kind == 3;
            e.activity = if removed {
                "Remove member from group"
            } else {
                "Add member to group"
            };
            e.category = "GroupManagement";
            e.op = if removed { "Unassign" } else { "Assign" };
            if g.synced {
                e.actor = sync(t);
            } else {
                e.details = noise_details(&mut r, false);
            }
            e.targets.push(user_target(u, member_props(g, removed)));
            e.targets.push(group_target(g, Vec::new()));
        }
        4 => {
            let i = r.below(APPS.len() as u64) as usize;
            let host = format!("app{i}.{}", tenant::DOMAIN);
            e.activity = "Update application";
            e.category = "ApplicationManagement";
            e.targets.push(obj_target(
                "Application",
                Cow::Borrowed(APPS[i]),
                app_id(t, i, "app"),
                vec![
                    p(
                        "AppAddress",
                        PVal::Json(app_address(&host, &["/signin"])),
                        PVal::Json(app_address(&host, &["/signin", "/auth/callback"])),
                    ),
                    included("AppAddress"),
                ],
            ));
            e.details = vec![
                ("User-Agent", Cow::Borrowed(UA_EDGE)),
                ("AppId", Cow::Owned(app_id(t, i, "appid").to_string())),
            ];
        }
        5 => {
            let i = r.below(APPS.len() as u64) as usize;
            let u = some_user(t, &mut r);
            let admin_consent = r.chance(200);
            e.actor = Actor::User {
                id: u.id,
                upn: &u.upn,
                ip: r.pick_copy(USER_IPS),
            };
            e.activity = "Consent to application";
            e.category = "ApplicationManagement";
            e.op = "Assign";
            let sp = app_id(t, i, "sp");
            let perms = format!(
                "[] => [[Id: {}, ClientId: {sp}, PrincipalId: {}, ResourceId: {}, ConsentType: Principal, Scope: {}, CreatedDateTime: , LastModifiedDateTime ]]; ",
                Guid::from_bits(r.next_u64(), r.next_u64()),
                u.id,
                app_id(t, 0, "graph"),
                r.pick(SCOPES)
            );
            let tf = |b: bool| PVal::Quoted(Cow::Borrowed(if b { "True" } else { "False" }));
            e.targets.push(obj_target(
                "ServicePrincipal",
                Cow::Borrowed(APPS[i]),
                sp,
                vec![
                    p(
                        "ConsentContext.IsAdminConsent",
                        PVal::Null,
                        tf(admin_consent),
                    ),
                    p("ConsentContext.IsAppOnly", PVal::Null, tf(false)),
                    p(
                        "ConsentContext.OnBehalfOfAll",
                        PVal::Null,
                        tf(admin_consent),
                    ),
                    p(
                        "ConsentAction.Permissions",
                        PVal::Null,
                        PVal::Quoted(Cow::Owned(perms)),
                    ),
                    p(
                        "TargetId.ServicePrincipalNames",
                        PVal::Null,
                        PVal::Quoted(Cow::Owned(app_id(t, i, "appid").to_string())),
                    ),
                ],
            ));
            e.details = vec![
                ("User-Agent", Cow::Borrowed(UA_EDGE)),
                ("AppId", Cow::Owned(app_id(t, i, "appid").to_string())),
            ];
        }
        6 => {
            let i = r.below(APPS.len() as u64) as usize;
            let appid = app_id(t, i, "appid").to_string();
            e.activity = "Add service principal";
            e.category = "ApplicationManagement";
            e.op = "Add";
            if r.chance(50) {
                e.success = false;
                e.reason = Cow::Borrowed("Microsoft.Online.Workflows.SpnValidationException");
            }
            e.targets.push(obj_target(
                "ServicePrincipal",
                Cow::Borrowed(APPS[i]),
                app_id(t, i, "sp"),
                vec![
                    p("AccountEnabled", PVal::Strs(Vec::new()), PVal::Bool(true)),
                    p(
                        "AppPrincipalId",
                        PVal::Strs(Vec::new()),
                        strs(appid.clone()),
                    ),
                    p("DisplayName", PVal::Strs(Vec::new()), strs(APPS[i])),
                    p(
                        "ServicePrincipalName",
                        PVal::Strs(Vec::new()),
                        PVal::Strs(vec![
                            Cow::Owned(appid.clone()),
                            Cow::Owned(format!("https://app{i}.{}/", tenant::DOMAIN)),
                        ]),
                    ),
                    included("AccountEnabled, AppPrincipalId, DisplayName, ServicePrincipalName"),
                ],
            ));
            e.details = vec![
                ("User-Agent", Cow::Borrowed(UA_PS)),
                ("AppId", Cow::Owned(appid)),
            ];
        }
        7 => {
            let i = r.below(APPS.len() as u64) as usize;
            e.actor = Actor::App {
                name: "Microsoft Azure AD Internal - Jit Provisioning",
                sp: app_id(t, 0, "sp-jit"),
            };
            e.activity = "Update service principal";
            e.category = "ApplicationManagement";
            let prop = if r.chance(500) {
                p(
                    "AppRoleAssignmentRequired",
                    PVal::Bool(false),
                    PVal::Bool(true),
                )
            } else {
                p(
                    "Tags",
                    PVal::Strs(Vec::new()),
                    strs("WindowsAzureActiveDirectoryIntegratedApp"),
                )
            };
            let inc = if prop.name == "Tags" {
                "Tags"
            } else {
                "AppRoleAssignmentRequired"
            };
            e.targets.push(obj_target(
                "ServicePrincipal",
                Cow::Borrowed(APPS[i]),
                app_id(t, i, "sp"),
                vec![prop, included(inc)],
            ));
        }
        8 => {
            let i = r.below(APPS.len() as u64) as usize;
            e.activity = "Add app role assignment to service principal";
            e.category = "ApplicationManagement";
            e.op = "Assign";
            let (value, text) = *r.pick(&[
                ("User.Read.All", "Read all users' full profiles"),
                ("Group.Read.All", "Read all groups"),
                ("Mail.Send", "Send mail as any user"),
                ("Directory.Read.All", "Read directory data"),
            ]);
            e.targets.push(obj_target(
                "ServicePrincipal",
                Cow::Borrowed("Microsoft Graph"),
                app_id(t, 0, "graph"),
                vec![
                    p(
                        "AppRole.Id",
                        PVal::Null,
                        PVal::Quoted(Cow::Owned(Guid::derive(t.seed, tag(value), 0).to_string())),
                    ),
                    p(
                        "AppRole.Value",
                        PVal::Null,
                        PVal::Quoted(Cow::Borrowed(value)),
                    ),
                    p(
                        "AppRole.DisplayName",
                        PVal::Null,
                        PVal::Quoted(Cow::Borrowed(text)),
                    ),
                ],
            ));
            e.targets.push(obj_target(
                "ServicePrincipal",
                Cow::Borrowed(APPS[i]),
                app_id(t, i, "sp"),
                Vec::new(),
            ));
            e.details = noise_details(&mut r, false);
        }
        9 => {
            let d = r.below(50_000);
            e.actor = Actor::App {
                name: "Device Registration Service",
                sp: app_id(t, 0, "sp-drs"),
            };
            e.activity = "Update device";
            e.category = "Device";
            let build = |r: &mut Rng| {
                format!(
                    "10.0.{}.{}",
                    *r.pick(&[19045u64, 22621, 22631, 26100]),
                    r.range(1000, 5000)
                )
            };
            let (old, new) = (build(&mut r), build(&mut r));
            e.targets.push(obj_target(
                "Device",
                Cow::Owned(format!("NW-LT-{d:05}")),
                Guid::derive(t.seed, tag("device"), d),
                vec![
                    p("DeviceOSVersion", strs(old), strs(new)),
                    p(
                        "CloudDisplayName",
                        PVal::Strs(Vec::new()),
                        strs(format!("NW-LT-{d:05}")),
                    ),
                    included("DeviceOSVersion, CloudDisplayName"),
                ],
            ));
        }
        10 => {
            let u = some_user(t, &mut r);
            e.activity = "Add user";
            e.op = "Add";
            e.targets.push(user_target(
                u,
                vec![
                    p("AccountEnabled", PVal::Strs(Vec::new()), PVal::Bool(true)),
                    p(
                        "DisplayName",
                        PVal::Strs(Vec::new()),
                        strs(u.display.as_str()),
                    ),
                    p(
                        "UserPrincipalName",
                        PVal::Strs(Vec::new()),
                        strs(u.upn.as_str()),
                    ),
                    p(
                        "UserType",
                        PVal::Strs(Vec::new()),
                        strs(if u.guest { "Guest" } else { "Member" }),
                    ),
                    included("AccountEnabled, DisplayName, UserPrincipalName, UserType"),
                ],
            ));
            e.details = noise_details(&mut r, true);
        }
        11 => {
            let k = r.below(4);
            let l = |h: u64| {
                format!("{{\"TokenLifetimePolicy\":{{\"Version\":1,\"AccessTokenLifetime\":\"0{h}:00:00\"}}}}")
            };
            e.activity = "Update policy";
            e.category = "Policy";
            e.targets.push(obj_target(
                "Policy",
                Cow::Owned(format!("Northwind Token Lifetime {k}")),
                Guid::derive(t.seed, tag("policy"), k),
                vec![
                    p("PolicyDetail", strs(l(1 + k)), strs(l(2 + k))),
                    included("PolicyDetail"),
                ],
            ));
            e.details = noise_details(&mut r, false);
        }
        12 => {
            let k = r.below(6);
            e.activity = "Update conditional access policy";
            e.category = "Policy";
            e.service = "Conditional Access";
            let state = if r.chance(500) {
                "enabled"
            } else {
                "enabledForReportingButNotEnforced"
            };
            e.targets.push(obj_target(
                "Policy",
                Cow::Owned(format!("CA{k:03} – Require MFA for \"admins\"")),
                Guid::derive(t.seed, tag("ca"), k),
                vec![p(
                    "ConditionalAccessPolicy",
                    PVal::Null,
                    PVal::Quoted(Cow::Owned(format!(
                        "{{\"state\":\"{state}\",\"conditions\":{{\"users\":{{\"includeRoles\":[\"62e90394-69f5-4237-9190-012177145e10\"]}}}}}}"
                    ))),
                )],
            ));
            e.details = noise_details(&mut r, false);
        }
        13 => {
            let i = r.below(APPS.len() as u64) as usize;
            e.activity = "Update application \u{2013} Certificates and secrets management ";
            e.category = "ApplicationManagement";
            let key = format!(
                "[KeyIdentifier={},KeyType=Password,KeyUsage=Verify,DisplayName=rotation-{}]",
                Guid::from_bits(r.next_u64(), r.next_u64()),
                r.range(2024, 2027)
            );
            e.targets.push(obj_target(
                "Application",
                Cow::Borrowed(APPS[i]),
                app_id(t, i, "app"),
                vec![
                    p("KeyDescription", PVal::Strs(Vec::new()), strs(key)),
                    included("KeyDescription"),
                ],
            ));
            e.details = vec![
                ("User-Agent", Cow::Borrowed(UA_EDGE)),
                ("AppId", Cow::Owned(app_id(t, i, "appid").to_string())),
            ];
        }
        14 => {
            let u = some_user(t, &mut r);
            let g = some_noise_group(t, &mut r);
            e.activity = "Add owner to group";
            e.category = "GroupManagement";
            e.op = "Assign";
            e.targets.push(user_target(
                u,
                vec![
                    p(
                        "Group.ObjectID",
                        PVal::Null,
                        PVal::Quoted(Cow::Owned(g.id.to_string())),
                    ),
                    p(
                        "Group.DisplayName",
                        PVal::Null,
                        PVal::Quoted(Cow::Borrowed(&g.name)),
                    ),
                ],
            ));
            e.targets.push(group_target(g, Vec::new()));
            e.details = noise_details(&mut r, false);
        }
        15 => {
            let g = some_noise_group(t, &mut r);
            e.activity = "Update group";
            e.category = "GroupManagement";
            let old = g.description.clone();
            let new = format!("{} – owner: {}", g.description, r.pick(DEPTS));
            e.targets.push(group_target(
                g,
                vec![
                    p("Description", strs(old), strs(new)),
                    included("Description"),
                ],
            ));
            e.details = noise_details(&mut r, false);
        }
        _ => {
            let i = r.below(APPS.len() as u64) as usize;
            e.activity = "Delete application";
            e.category = "ApplicationManagement";
            e.op = "Delete";
            e.targets.push(obj_target(
                "Application",
                Cow::Owned(format!("{} (old)", APPS[i])),
                Guid::from_bits(r.next_u64(), r.next_u64()),
                Vec::new(),
            ));
            e.details = noise_details(&mut r, false);
        }
    }
    e
}

/// The whole log in time order: noise spread evenly over the window, planned records merged in.
pub struct Stream<'t> {
    t: &'t Tenant,
    noise_total: u64,
    j: u64,
    p: usize,
    start: i64,
    span: i64,
    next_noise: Option<Ts>,
}

impl<'t> Stream<'t> {
    pub fn new(t: &'t Tenant, total_events: u64) -> Stream<'t> {
        let noise_total = total_events.saturating_sub(t.plan.len() as u64);
        let start = tenant::window_start().total_ticks();
        let span = tenant::WINDOW_DAYS * 86_400 * TICKS;
        let mut s = Stream {
            t,
            noise_total,
            j: 0,
            p: 0,
            start,
            span,
            next_noise: None,
        };
        s.next_noise = s.noise_time(0);
        s
    }

    fn noise_time(&self, j: u64) -> Option<Ts> {
        if j >= self.noise_total {
            return None;
        }
        let slot = (self.span as i128 / self.noise_total as i128) as i64;
        let at = self.start + (j as i128 * self.span as i128 / self.noise_total as i128) as i64;
        let jitter = (hash(self.t.seed, &[tag("nt"), j]) % slot.max(1) as u64) as i64;
        Some(Ts::from_ticks(at + jitter))
    }

    pub fn next_event(&mut self) -> Option<Event<'t>> {
        let planned_next = self.t.plan.get(self.p);
        match (self.next_noise, planned_next) {
            (None, None) => None,
            (Some(nt), pl) if pl.is_none_or(|pl| nt < pl.ts) => {
                let e = noise(self.t, self.j, nt);
                self.j += 1;
                self.next_noise = self.noise_time(self.j);
                Some(e)
            }
            (_, Some(pl)) => {
                let e = planned(self.t, pl, self.p);
                self.p += 1;
                Some(e)
            }
            (_, None) => None,
        }
    }
}
