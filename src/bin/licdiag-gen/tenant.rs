//! The synthetic tenant: products, licensing groups, users with their `licenseAssignmentStates`, and
//! one injected fault population per error cause (licensing.md §6). Everything the snapshot files,
//! the audit log and `truth.json` say is derived from this one model, so they cannot disagree:
//! consumed units are counted from the users, state times are the times of the audit events that
//! set them.
//!
//! Layout of the user list: fault users first (by role), then the holders of the colliding proxy
//! addresses, then healthy users. Directory noise only ever targets healthy users, so it cannot change
//! how a fault is diagnosed.

use crate::catalog::{self, SkuIx, AUDIO, CUSTOM, E1, E3, EMS, PBI, SKUS, WPA};
use crate::rng::{hash, tag, Guid, Rng};
use crate::time::{Ts, TICKS};

pub const TENANT_ID: &str = "7c1d9e42-3b8a-4f6e-a5d0-2e9b8c7f6a13";
pub const TENANT_NAME: &str = "Northwind Synthetic";
pub const DOMAIN: &str = "northwind.example";
pub const MOERA: &str = "northwindsynth.onmicrosoft.com";
pub const GBL_AAD: &str = "Microsoft Azure AD Group-Based Licensing";
pub const GBL_ENTRA: &str = "Microsoft Entra group-Based Licensing";

/// Start of the audit window (7 days) and the snapshot time.
pub fn window_start() -> Ts {
    Ts::at(2026, 10, 1, 0, 0, 0)
}
pub const WINDOW_DAYS: i64 = 7;
pub fn window_end() -> Ts {
    window_start().plus_secs(WINDOW_DAYS * 86_400)
}
pub fn snapshot_time() -> Ts {
    window_start().plus_secs(8 * 86_400 + 12 * 3600)
}
/// When healthy assignments older than the window were last processed.
fn prior_time(seed: u64, i: u64) -> Ts {
    window_start().plus_secs(-17 * 86_400 + (hash(seed, &[tag("prior"), i]) % (9 * 3600)) as i64)
}

/// Licensing groups (indices into `Tenant::groups`); noise groups follow.
pub const G_E3: usize = 0;
pub const G_E1: usize = 1;
pub const G_PBI: usize = 2;
pub const G_VOICE: usize = 3;
pub const G_WPA: usize = 4;
pub const G_ADDON: usize = 5;
pub const LICENSING_GROUPS: usize = 6;

/// What part a user plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    CountBlocked,
    MevDirect,
    MevGroup,
    Uniqueness,
    Prohibited,
    Dependency,
    UnknownCode,
    ConcResolved,
    ConcPending,
    UniquenessHolder,
    Healthy,
}

/// Disabled plans of the E3 group assignment.
pub const E3_GROUP_DISABLED: &[&str] = &["YAMMER_ENTERPRISE"];
pub const NONE: &[&str] = &[];

pub struct Group {
    pub name: String,
    pub id: Guid,
    pub description: String,
    /// (product, disabled plan names)
    pub licenses: Vec<(SkuIx, &'static [&'static str])>,
    pub synced: bool,
    pub unified: bool,
    pub processing_state: Option<&'static str>,
    pub members: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct LicState {
    pub sku: SkuIx,
    pub group: Option<usize>,
    pub disabled: &'static [&'static str],
    pub state: &'static str,
    /// `None` = no error (rendered as "None", null or "" in rotation).
    pub error: Option<&'static str>,
    pub time: Ts,
}

impl LicState {
    pub fn holds(&self) -> bool {
        self.state == "Active" || self.state == "ActiveWithError"
    }
}

pub struct User {
    pub id: Guid,
    pub display: String,
    pub upn: String,
    pub local: String,
    pub enabled: bool,
    pub guest: bool,
    pub usage: Option<&'static str>,
    pub synced: bool,
    pub dept: &'static str,
    pub title: &'static str,
    pub mail: Option<String>,
    pub proxies: Vec<String>,
    pub created: Ts,
    pub role: Role,
    pub groups: Vec<usize>,
    pub states: Vec<LicState>,
}

impl User {
    /// Products held (any source, Active or ActiveWithError) with the disabled plans common to all
    /// of its assignments (the union of enabled plans).
    pub fn assigned(&self) -> Vec<(SkuIx, Vec<&'static str>)> {
        let mut out: Vec<(SkuIx, Vec<&'static str>)> = Vec::new();
        for s in SKUS.iter().enumerate().map(|(i, _)| i) {
            let held: Vec<&LicState> = self
                .states
                .iter()
                .filter(|st| st.sku == s && st.holds())
                .collect();
            if held.is_empty() {
                continue;
            }
            let disabled: Vec<&'static str> = held[0]
                .disabled
                .iter()
                .copied()
                .filter(|p| held.iter().all(|h| h.disabled.contains(p)))
                .collect();
            out.push((s, disabled));
        }
        out
    }

    fn has_mailbox(&self) -> bool {
        self.assigned().iter().any(|(s, d)| {
            SKUS[*s].plans.iter().any(|(n, _)| {
                n.starts_with("EXCHANGE_S_") && *n != "EXCHANGE_S_FOUNDATION" && !d.contains(n)
            })
        })
    }
}

pub struct SkuSeats {
    pub enabled: u64,
    pub warning: u64,
    pub suspended: u64,
    pub locked_out: u64,
    pub consumed: u64,
}

/// How many users play each fault role.
#[derive(Clone, Copy, Debug)]
pub struct FaultCounts {
    pub count: usize,
    pub mev_direct: usize,
    pub mev_group: usize,
    pub uniqueness: usize,
    pub prohibited: usize,
    pub dependency: usize,
    pub unknown: usize,
    pub conc_resolved: usize,
    pub conc_pending: usize,
}

impl FaultCounts {
    pub fn for_users(n: usize) -> FaultCounts {
        let k = |div: usize, min: usize| (n / div).max(min);
        FaultCounts {
            count: k(40, 3),
            mev_direct: k(200, 1),
            mev_group: k(200, 1),
            uniqueness: k(200, 1),
            prohibited: k(100, 2),
            dependency: k(200, 1),
            unknown: k(200, 1),
            conc_resolved: k(200, 1),
            conc_pending: k(200, 1),
        }
    }

    fn roles(&self) -> Vec<(Role, usize)> {
        vec![
            (Role::CountBlocked, self.count),
            (Role::MevDirect, self.mev_direct),
            (Role::MevGroup, self.mev_group),
            (Role::Uniqueness, self.uniqueness),
            (Role::Prohibited, self.prohibited),
            (Role::Dependency, self.dependency),
            (Role::UnknownCode, self.unknown),
            (Role::ConcResolved, self.conc_resolved),
            (Role::ConcPending, self.conc_pending),
            (Role::UniquenessHolder, self.uniqueness),
        ]
    }

    /// Users taken by faults and address holders.
    pub fn total(&self) -> usize {
        self.roles().iter().map(|(_, n)| n).sum()
    }
}

/// Where a failure text sits in the record (the field is [unverified], so every placement is used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// `resultReason`
    Reason,
    /// modifiedProperty `MethodExecutionResult.`
    Mer,
    /// `additionalDetails[ErrorMessage]`
    Detail,
}

impl Place {
    fn rotate(i: usize) -> Place {
        [Place::Reason, Place::Mer, Place::Detail][i % 3]
    }
}

/// License sets as `AssignedLicense` values list them.
pub type LicSet = &'static [(SkuIx, &'static [&'static str])];
pub const SET_E3: LicSet = &[(E3, E3_GROUP_DISABLED)];
pub const SET_E3_EMS: LicSet = &[(E3, E3_GROUP_DISABLED), (EMS, NONE)];
pub const SET_E3FULL_EMS: LicSet = &[(E3, NONE), (EMS, NONE)];

/// One planned licensing or membership record.
#[derive(Clone, Debug)]
pub enum Spec {
    /// Admin adds EMS to the E3 group.
    SetGroupLicenseE3,
    /// Admin tries to license the Workplace Analytics group without its prerequisite.
    SetGroupLicenseWpaFails,
    StartApplying {
        group: usize,
    },
    FinishApplying {
        group: usize,
        ok: u64,
        failed: u64,
    },
    /// `Change user license` success (its `Update user` sibling is the next planned record).
    ChangeOk {
        user: u32,
        entra: bool,
    },
    /// `Update user` sibling carrying `AssignedLicense`.
    UpdateUserLicense {
        user: u32,
        before: LicSet,
        after: LicSet,
        entra: bool,
    },
    ChangeFails {
        user: u32,
        text: String,
        place: Place,
    },
    AddMember {
        user: u32,
        group: usize,
        sync: bool,
    },
    RemoveMember {
        user: u32,
        group: usize,
        sync: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Planned {
    pub ts: Ts,
    pub spec: Spec,
    /// Shared by a `Change user license` and its `Update user` sibling.
    pub corr: Guid,
    pub licensing: bool,
}

pub struct Tenant {
    pub seed: u64,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub seats: Vec<SkuSeats>,
    pub faults: FaultCounts,
    /// Healthy users start here (directory noise targets `healthy_from..`).
    pub healthy_from: usize,
    /// Admin accounts (healthy users) that act in the log.
    pub admins: Vec<u32>,
    pub sync_upn: String,
    pub sync_id: Guid,
    pub gbl_sp: Guid,
    pub plan: Vec<Planned>,
    pub e3_run: (u64, u64),
}

// --- names ---------------------------------------------------------------------------------------

const FIRST: &[(&str, &str)] = &[
    ("Ana", "ana"),
    ("Bruno", "bruno"),
    ("Chloé", "chloe"),
    ("Diego", "diego"),
    ("Elena", "elena"),
    ("Farid", "farid"),
    ("Grace", "grace"),
    ("Hannah", "hannah"),
    ("Ivan", "ivan"),
    ("Jamie", "jamie"),
    ("Kai", "kai"),
    ("Lena", "lena"),
    ("Mateo", "mateo"),
    ("Noah", "noah"),
    ("Olivia", "olivia"),
    ("Priya", "priya"),
    ("Rosa", "rosa"),
    ("Søren", "soren"),
    ("Tomás", "tomas"),
    ("Uma", "uma"),
    ("Victor", "victor"),
    ("Wendy", "wendy"),
    ("Xavier", "xavier"),
    ("Yusuf", "yusuf"),
    ("Zoë", "zoe"),
    ("Åsa", "asa"),
    ("Björn", "bjorn"),
    ("Camille", "camille"),
    ("Dmitri", "dmitri"),
    ("Émile", "emile"),
    ("Fatima", "fatima"),
    ("Giulia", "giulia"),
    ("Hiroshi", "hiroshi"),
    ("Ingrid", "ingrid"),
    ("José", "jose"),
    ("Katarzyna", "katarzyna"),
    ("Liam", "liam"),
    ("Mia", "mia"),
    ("Nuno", "nuno"),
    ("Oğuz", "oguz"),
    ("Paweł", "pawel"),
    ("Quinn", "quinn"),
    ("Renée", "renee"),
    ("Siobhán", "siobhan"),
];
const LAST: &[(&str, &str)] = &[
    ("Ruiz", "ruiz"),
    ("Costa", "costa"),
    ("Martin", "martin"),
    ("Fernández", "fernandez"),
    ("Petrova", "petrova"),
    ("Rahimi", "rahimi"),
    ("Kim", "kim"),
    ("Becker", "becker"),
    ("Horvat", "horvat"),
    ("Lindqvist", "lindqvist"),
    ("Nakamura", "nakamura"),
    ("Vogel", "vogel"),
    ("Rossi", "rossi"),
    ("Fischer", "fischer"),
    ("Brandt", "brandt"),
    ("Raman", "raman"),
    ("Delgado", "delgado"),
    ("Møller", "moller"),
    ("Herrera", "herrera"),
    ("O'Brien", "obrien"),
    ("Alves", "alves"),
    ("Zhou", "zhou"),
    ("Dubois", "dubois"),
    ("Demir", "demir"),
    ("Clarke", "clarke"),
    ("Larsen", "larsen"),
    ("Gromov", "gromov"),
    ("Olsen", "olsen"),
    ("Greco", "greco"),
    ("Müller", "muller"),
    ("López", "lopez"),
    ("Moreau", "moreau"),
    ("Karimi", "karimi"),
    ("Haddad", "haddad"),
    ("Petit", "petit"),
    ("Nowak", "nowak"),
    ("Yılmaz", "yilmaz"),
    ("Kowalski", "kowalski"),
    ("Ó Súilleabháin", "osullivan"),
    ("van der Berg", "vanderberg"),
    ("D'Angelo", "dangelo"),
    ("Smith-Jones", "smithjones"),
];
const NICK: &[&str] = &["Bob", "Lexi", "Doc", "Sunny", "Ace"];
pub const DEPTS: &[&str] = &[
    "Sales",
    "Finance",
    "Engineering",
    "Marketing",
    "Support",
    "Legal",
    "Operations",
    "Retail",
    "Analytics",
    "IT",
    "HR",
    "R&D \"Labs\"",
    "Finance \\ Controlling",
    "Logistics – EMEA",
    "Executive",
];
pub const TITLES: &[&str] = &[
    "Sales Associate",
    "Senior Sales Associate",
    "Accountant",
    "Software Engineer",
    "Senior Software Engineer",
    "Marketing Manager",
    "Support Engineer",
    "Paralegal",
    "Operations Lead",
    "Store Manager",
    "Data Analyst",
    "IT Administrator",
    "HR Partner",
    "Researcher",
    "Controller",
    "Dispatcher",
    "Vice President",
];
const USAGE_OK: &[&str] = &[
    "US", "DE", "FR", "GB", "ES", "IT", "NL", "SE", "PL", "BR", "JP", "IN", "CA", "AU", "PT", "IE",
    "DK",
];
const USAGE_PROHIBITED: &[&str] = &["IR", "SY", "KP", "CU"];

/// Spreads `n` items from `base`: one second apart, or closer when `span_secs` would be exceeded.
fn spread(seed: u64, base: Ts, i: usize, n: usize, span_secs: i64) -> Ts {
    let step = if (n as i64) <= span_secs {
        TICKS
    } else {
        span_secs * TICKS / (n as i64).max(1)
    };
    let jitter = (hash(seed, &[tag("jitter"), base.secs as u64, i as u64])
        % (step as u64 / 2).max(1)) as i64;
    base.plus_ticks(i as i64 * step + jitter)
}

impl Tenant {
    pub fn build(n_users: usize, seed: u64) -> Tenant {
        let faults = FaultCounts::for_users(n_users);
        let mut t = Tenant {
            seed,
            users: Vec::with_capacity(n_users),
            groups: Vec::new(),
            seats: Vec::new(),
            faults,
            healthy_from: faults.total(),
            admins: Vec::new(),
            sync_upn: format!(
                "Sync_NWDC01_{:012x}@{MOERA}",
                hash(seed, &[tag("sync")]) & 0xffff_ffff_ffff
            ),
            sync_id: Guid::derive(seed, tag("sync"), 0),
            gbl_sp: Guid::derive(seed, tag("sp-gbl"), 0),
            plan: Vec::new(),
            e3_run: (0, 0),
        };
        t.make_groups(n_users);
        t.make_users(n_users);
        t.make_plan_and_states();
        t.finish_addresses();
        t.count_seats();
        t
    }

    fn make_groups(&mut self, n_users: usize) {
        let seed = self.seed;
        let add = |name: &str,
                   desc: &str,
                   licenses: Vec<(SkuIx, &'static [&'static str])>,
                   synced: bool,
                   unified: bool,
                   licensing: bool,
                   i: u64| {
            Group {
                name: name.to_string(),
                id: Guid::derive(seed, tag("group"), i),
                description: desc.to_string(),
                licenses,
                synced,
                unified,
                processing_state: if licensing {
                    Some("ProcessingComplete")
                } else {
                    None
                },
                members: Vec::new(),
            }
        };
        let mut g = vec![
            add(
                "LIC-O365-E3",
                "Office 365 E3 + EMS E3 for knowledge workers",
                vec![(E3, E3_GROUP_DISABLED), (EMS, NONE)],
                false,
                false,
                true,
                0,
            ),
            add(
                "LIC-E1-Frontline",
                "Office 365 E1 for frontline staff",
                vec![(E1, NONE)],
                false,
                false,
                true,
                1,
            ),
            add(
                "LIC-PowerBI",
                "Power BI Pro",
                vec![(PBI, NONE)],
                false,
                false,
                true,
                2,
            ),
            add(
                "LIC-E3-Voice",
                "Synced from AD: E3 for the voice team",
                vec![(E3, NONE)],
                true,
                false,
                true,
                3,
            ),
            add(
                "LIC-WorkplaceAnalytics",
                "Workplace Analytics (assignment failed: prerequisite missing)",
                vec![],
                false,
                false,
                true,
                4,
            ),
            add(
                "LIC-Contoso-Addon",
                "Contoso add-on \"Premium\" (custom SKU)",
                vec![(CUSTOM, NONE)],
                false,
                false,
                true,
                5,
            ),
        ];
        let n_noise = (n_users / 25).clamp(5, 2000);
        const KINDS: &[&str] = &["Team", "Project", "Dept", "Site", "DL"];
        for i in 0..n_noise {
            let k = KINDS[i % KINDS.len()];
            let unified = i % 7 == 3;
            let name = format!(
                "{k}-{}-{:04}",
                DEPTS[(i / KINDS.len()) % DEPTS.len()]
                    .split(' ')
                    .next()
                    .unwrap_or("X"),
                i
            );
            g.push(add(
                &name,
                "Not a licensing group",
                vec![],
                i % 5 == 1,
                unified,
                false,
                (LICENSING_GROUPS + i) as u64,
            ));
        }
        self.groups = g;
    }

    fn make_users(&mut self, n: usize) {
        let seed = self.seed;
        let mut roles: Vec<Role> = Vec::with_capacity(n);
        for (r, k) in self.faults.roles() {
            roles.extend(std::iter::repeat_n(r, k));
        }
        while roles.len() < n {
            roles.push(Role::Healthy);
        }
        let n_noise_groups = self.groups.len() - LICENSING_GROUPS;
        for (i, role) in roles.into_iter().enumerate() {
            let mut r = Rng::new(hash(seed, &[tag("user"), i as u64]));
            let (first, fa) = *r.pick(FIRST);
            let (last, la) = *r.pick(LAST);
            let display = if r.chance(20) {
                format!("{first} \"{}\" {last}", r.pick(NICK))
            } else {
                format!("{first} {last}")
            };
            let local = format!("{fa}.{la}{i}");
            let guest = role == Role::Healthy && r.chance(30);
            let upn = if guest {
                format!("{local}_partner.example#EXT#@{MOERA}")
            } else {
                format!("{local}@{DOMAIN}")
            };
            let id = Guid::derive(seed, tag("user"), i as u64);
            let usage = match role {
                Role::Prohibited => Some(*r.pick(USAGE_PROHIBITED)),
                _ if r.chance(60) => None,
                _ => Some(*r.pick(USAGE_OK)),
            };
            let synced = matches!(
                role,
                Role::Uniqueness | Role::Dependency | Role::ConcResolved | Role::ConcPending
            ) || r.chance(300);
            let created = match role {
                Role::CountBlocked => window_start().plus_secs(7 * 3600 + 40 * 60 + i as i64 % 600),
                _ => window_start()
                    .plus_secs(-((r.range(30, 2000) * 86_400 + r.below(86_400)) as i64)),
            };
            let mut groups = Vec::new();
            let extra = r.below(4);
            for _ in 0..extra {
                let g = LICENSING_GROUPS + r.below(n_noise_groups as u64) as usize;
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            self.users.push(User {
                id,
                display,
                upn,
                local,
                enabled: role != Role::Healthy || !r.chance(30),
                guest,
                usage,
                synced,
                dept: r.pick_copy(DEPTS),
                title: r.pick_copy(TITLES),
                mail: None,
                proxies: Vec::new(),
                created,
                role,
                groups,
                states: Vec::new(),
            });
        }
    }

    fn join(&mut self, u: usize, g: usize) {
        if !self.users[u].groups.contains(&g) {
            self.users[u].groups.push(g);
        }
    }

    fn state(
        &mut self,
        u: usize,
        sku: SkuIx,
        group: Option<usize>,
        state: &'static str,
        error: Option<&'static str>,
        time: Ts,
    ) {
        let disabled = match group {
            Some(g) => self.groups[g]
                .licenses
                .iter()
                .find(|(s, _)| *s == sku)
                .map(|(_, d)| *d)
                .unwrap_or(NONE),
            None => NONE,
        };
        self.users[u].states.push(LicState {
            sku,
            group,
            disabled,
            state,
            error,
            time,
        });
    }

    fn push(&mut self, ts: Ts, spec: Spec, licensing: bool) {
        let corr = Guid::derive(self.seed, tag("corr"), self.plan.len() as u64);
        self.plan.push(Planned {
            ts,
            spec,
            corr,
            licensing,
        });
    }

    /// Memberships, license states and the planned audit records, in one pass so that state times are
    /// the times of the records that set them.
    fn make_plan_and_states(&mut self) {
        let seed = self.seed;
        let w0 = window_start();
        let n = self.users.len();
        let day = |d: i64, h: i64, m: i64, s: i64| w0.plus_secs(d * 86_400 + h * 3600 + m * 60 + s);
        let of_role = |t: &Tenant, r: Role| -> Vec<usize> {
            (0..n).filter(|&i| t.users[i].role == r).collect()
        };

        // healthy population
        let mut e3_members: Vec<usize> = Vec::new();
        for i in self.healthy_from..n {
            let mut r = Rng::new(hash(seed, &[tag("mix"), i as u64]));
            let prior = prior_time(seed, i as u64);
            let kind = r.weighted(&[52, 8, 3, 3, 12, 2, 5, 3, 2, 10]);
            if self.users[i].guest {
                continue; // guests hold no licenses
            }
            match kind {
                0..=3 => {
                    self.join(i, G_E3);
                    e3_members.push(i);
                    match kind {
                        1 => {
                            self.join(i, G_PBI);
                            self.state(i, PBI, Some(G_PBI), "Active", None, prior);
                        }
                        2 => self.join(i, G_WPA),
                        3 => {
                            self.join(i, G_ADDON);
                            self.state(i, CUSTOM, Some(G_ADDON), "Active", None, prior);
                        }
                        _ => {}
                    }
                }
                4 | 5 => {
                    self.join(i, G_E1);
                    self.state(i, E1, Some(G_E1), "Active", None, prior);
                    if kind == 5 {
                        self.join(i, G_PBI);
                        self.state(i, PBI, Some(G_PBI), "Active", None, prior);
                    }
                }
                6 => {
                    self.join(i, G_VOICE);
                    self.state(i, E3, Some(G_VOICE), "Active", None, prior);
                }
                7 => self.state(i, E3, None, "Active", None, prior),
                8 => {
                    self.state(i, E3, None, "Active", None, prior);
                    self.join(i, G_E3);
                    e3_members.push(i);
                }
                _ => {} // unlicensed
            }
        }
        for &h in &of_role(self, Role::UniquenessHolder) {
            self.join(h, G_E1);
            let p = prior_time(seed, h as u64);
            self.state(h, E1, Some(G_E1), "Active", None, p);
        }
        self.admins = e3_members.iter().take(3).map(|&i| i as u32).collect();
        if self.admins.is_empty() {
            // a tiny tenant without healthy E3 members: any healthy user administers it
            self.admins.push(self.healthy_from as u32);
        }

        // day 0: prohibited usage locations (LIC-PowerBI), and the Workplace Analytics group that fails
        let prohibited = of_role(self, Role::Prohibited);
        let np = prohibited.len();
        for (k, &u) in prohibited.iter().enumerate() {
            self.join(u, G_PBI);
            let add = spread(seed, day(0, 7, 5, 12), k, np, 1800);
            self.push(
                add,
                Spec::AddMember {
                    user: u as u32,
                    group: G_PBI,
                    sync: false,
                },
                false,
            );
            let fail = spread(seed, day(0, 7, 40, 3), k, np, 1800);
            let place = if k % 2 == 0 {
                Place::Reason
            } else {
                Place::Mer
            };
            self.push(
                fail,
                Spec::ChangeFails {
                    user: u as u32,
                    text: catalog::PROHIBITED_TOKEN.into(),
                    place,
                },
                true,
            );
            self.state(
                u,
                PBI,
                Some(G_PBI),
                "Error",
                Some("ProhibitedInUsageLocationViolation"),
                fail,
            );
        }
        self.push(day(0, 10, 0, 37), Spec::SetGroupLicenseWpaFails, true);

        // day 1: new hires join LIC-O365-E3; admin adds EMS to it; run 1 processes every member
        let count = of_role(self, Role::CountBlocked);
        let nc = count.len();
        for (k, &u) in count.iter().enumerate() {
            self.join(u, G_E3);
            let t = spread(seed, day(1, 7, 45, 10), k, nc, 600);
            self.push(
                t,
                Spec::AddMember {
                    user: u as u32,
                    group: G_E3,
                    sync: false,
                },
                false,
            );
        }
        for &u in &of_role(self, Role::MevDirect) {
            self.join(u, G_E3);
            let p = prior_time(seed, u as u64);
            self.state(u, E1, None, "Active", None, p);
        }
        for &u in &of_role(self, Role::MevGroup) {
            self.join(u, G_E3);
            self.join(u, G_E1);
            let p = prior_time(seed, u as u64);
            self.state(u, E1, Some(G_E1), "Active", None, p);
        }
        for r in [
            Role::Uniqueness,
            Role::UnknownCode,
            Role::ConcResolved,
            Role::ConcPending,
        ] {
            for u in of_role(self, r) {
                self.join(u, G_E3);
            }
        }
        self.push(day(1, 8, 0, 12), Spec::SetGroupLicenseE3, true);
        self.push(day(1, 8, 0, 41), Spec::StartApplying { group: G_E3 }, true);
        // processing order: a stable shuffle of every member
        let mut run: Vec<usize> = (0..n)
            .filter(|&u| self.users[u].groups.contains(&G_E3))
            .collect();
        run.sort_by_key(|&u| hash(seed, &[tag("order"), u as u64]));
        let nr = run.len();
        let (mut ok, mut failed) = (0u64, 0u64);
        let mut last = day(1, 8, 1, 0);
        let mut fail_k = 0usize;
        for (k, &u) in run.iter().enumerate() {
            let t = spread(seed, day(1, 8, 1, 0), k, nr, 16 * 3600);
            last = t;
            let role = self.users[u].role;
            let fail_text = match role {
                Role::CountBlocked => Some(catalog::count_text(
                    "ENTERPRISEPACK",
                    &["ENTERPRISEPACK", "EMS"],
                )),
                Role::MevDirect | Role::MevGroup => Some(catalog::MEV_TEXT.to_string()),
                Role::Uniqueness => Some(catalog::PROXY_TEXT.to_string()),
                _ => None,
            };
            match fail_text {
                Some(text) => {
                    failed += 1;
                    let place = Place::rotate(fail_k);
                    fail_k += 1;
                    self.push(
                        t,
                        Spec::ChangeFails {
                            user: u as u32,
                            text,
                            place,
                        },
                        true,
                    );
                    let code = match role {
                        Role::CountBlocked => "CountViolation",
                        Role::Uniqueness => "UniquenessViolation",
                        _ => "MutuallyExclusiveViolation",
                    };
                    self.state(u, E3, Some(G_E3), "Error", Some(code), t);
                    self.state(u, EMS, Some(G_E3), "Error", Some("Other"), t);
                }
                None => {
                    ok += 1;
                    self.push(
                        t,
                        Spec::ChangeOk {
                            user: u as u32,
                            entra: false,
                        },
                        true,
                    );
                    let direct_e3 = self.users[u]
                        .states
                        .iter()
                        .any(|s| s.sku == E3 && s.group.is_none());
                    let before = if direct_e3 { &[(E3, NONE)][..] } else { SET_E3 };
                    let after: LicSet = if direct_e3 {
                        SET_E3FULL_EMS
                    } else {
                        SET_E3_EMS
                    };
                    let sib = t.plus_ticks(
                        1 + (hash(seed, &[tag("sib"), u as u64]) % (3 * TICKS as u64)) as i64,
                    );
                    self.push(
                        sib,
                        Spec::UpdateUserLicense {
                            user: u as u32,
                            before,
                            after,
                            entra: false,
                        },
                        true,
                    );
                    // the sibling shares the Change record's correlation id
                    let corr = self.plan[self.plan.len() - 2].corr;
                    if let Some(p) = self.plan.last_mut() {
                        p.corr = corr;
                    }
                    self.state(u, E3, Some(G_E3), "Active", None, t);
                    self.state(u, EMS, Some(G_E3), "Active", None, t);
                }
            }
        }
        self.push(
            last.plus_secs(47),
            Spec::FinishApplying {
                group: G_E3,
                ok,
                failed,
            },
            true,
        );
        self.e3_run = (ok, failed);

        // day 2: AD sync adds users to LIC-E3-Voice: concurrency exceptions, some retried successfully
        let conc: Vec<usize> = of_role(self, Role::ConcResolved)
            .into_iter()
            .chain(of_role(self, Role::ConcPending))
            .collect();
        let ncc = conc.len();
        let mut pending_voice = 0;
        for (k, &u) in conc.iter().enumerate() {
            self.join(u, G_VOICE);
            let add = spread(seed, day(2, 9, 0, 5), k, ncc, 600);
            self.push(
                add,
                Spec::AddMember {
                    user: u as u32,
                    group: G_VOICE,
                    sync: true,
                },
                false,
            );
            let fail = spread(seed, day(2, 9, 12, 17), k, ncc, 600);
            let (text, place) = if k % 2 == 0 {
                (catalog::CONCURRENCY_CLASS, Place::Reason)
            } else {
                (catalog::CONCURRENCY_TOKEN, Place::Mer)
            };
            self.push(
                fail,
                Spec::ChangeFails {
                    user: u as u32,
                    text: text.into(),
                    place,
                },
                true,
            );
            if self.users[u].role == Role::ConcResolved {
                let ok_t = spread(seed, day(2, 9, 40, 40), k, ncc, 600);
                self.push(
                    ok_t,
                    Spec::ChangeOk {
                        user: u as u32,
                        entra: true,
                    },
                    true,
                );
                let sib = ok_t.plus_ticks(
                    1 + (hash(seed, &[tag("sib2"), u as u64]) % (3 * TICKS as u64)) as i64,
                );
                self.push(
                    sib,
                    Spec::UpdateUserLicense {
                        user: u as u32,
                        before: SET_E3_EMS,
                        after: SET_E3FULL_EMS,
                        entra: true,
                    },
                    true,
                );
                let corr = self.plan[self.plan.len() - 2].corr;
                if let Some(p) = self.plan.last_mut() {
                    p.corr = corr;
                }
                self.state(u, E3, Some(G_VOICE), "Active", None, ok_t);
            } else {
                pending_voice += 1; // LIC-E3-Voice has not written its entry yet
            }
        }
        if pending_voice > 0 {
            self.groups[G_VOICE].processing_state = Some("ProcessingInProgress");
        }

        // day 2: AD sync removes users from LIC-E3-Voice; their direct Audio Conferencing needs MCOSTANDARD
        let dep = of_role(self, Role::Dependency);
        let nd = dep.len();
        for (k, &u) in dep.iter().enumerate() {
            let p = prior_time(seed, u as u64);
            self.state(u, AUDIO, None, "Active", None, p);
            let rm = spread(seed, day(2, 11, 30, 2), k, nd, 900);
            self.push(
                rm,
                Spec::RemoveMember {
                    user: u as u32,
                    group: G_VOICE,
                    sync: true,
                },
                false,
            );
            let fail = spread(seed, day(2, 11, 50, 45), k, nd, 900);
            self.push(
                fail,
                Spec::ChangeFails {
                    user: u as u32,
                    text: catalog::DEP_TEXT.into(),
                    place: Place::rotate(k + 2),
                },
                true,
            );
            self.state(
                u,
                E3,
                Some(G_VOICE),
                "ActiveWithError",
                Some("DependencyViolation"),
                fail,
            );
        }

        // day 3: an error code licdiag does not know, on the custom add-on group
        let unk = of_role(self, Role::UnknownCode);
        let nu = unk.len();
        for (k, &u) in unk.iter().enumerate() {
            self.join(u, G_ADDON);
            let fail = spread(seed, day(3, 17, 12, 40), k, nu, 900);
            self.push(
                fail,
                Spec::ChangeFails {
                    user: u as u32,
                    text: catalog::UNKNOWN_CODE.into(),
                    place: Place::Reason,
                },
                true,
            );
            self.state(
                u,
                CUSTOM,
                Some(G_ADDON),
                "Error",
                Some(catalog::UNKNOWN_CODE),
                fail,
            );
        }

        self.plan.sort_by_key(|a| a.ts);
        for g in &mut self.groups {
            g.members.clear();
        }
        for (ui, u) in self.users.iter().enumerate() {
            for &g in &u.groups {
                self.groups[g].members.push(ui as u32);
            }
        }
    }

    /// Mail and proxy addresses: a mailbox for users holding an Exchange plan; one deliberate
    /// collision per uniqueness fault (its holder owns the failing user's address as a secondary).
    fn finish_addresses(&mut self) {
        let n = self.users.len();
        for i in 0..n {
            let mailbox = self.users[i].has_mailbox();
            let u = &mut self.users[i];
            if u.guest {
                u.mail = Some(format!("{}@partner.example", u.local));
                u.proxies = vec![format!("SMTP:{}@partner.example", u.local)];
                continue;
            }
            u.mail = Some(u.upn.clone());
            u.proxies = if mailbox {
                vec![
                    format!("SMTP:{}", u.upn),
                    format!("smtp:{}@{MOERA}", u.local),
                ]
            } else {
                Vec::new()
            };
        }
        let failing: Vec<usize> = (0..n)
            .filter(|&i| self.users[i].role == Role::Uniqueness)
            .collect();
        let holders: Vec<usize> = (0..n)
            .filter(|&i| self.users[i].role == Role::UniquenessHolder)
            .collect();
        for (f, h) in failing.into_iter().zip(holders) {
            self.users[f].proxies.clear();
            let addr = self.users[f].upn.clone();
            let mut cased = addr.clone();
            if let Some(c) = cased.get_mut(0..1) {
                c.make_ascii_uppercase();
            }
            self.users[h].proxies.push(format!("smtp:{cased}"));
        }
    }

    fn count_seats(&mut self) {
        let mut consumed = vec![0u64; SKUS.len()];
        for u in &self.users {
            for (s, _) in u.assigned() {
                consumed[s] += 1;
            }
        }
        self.seats = consumed
            .iter()
            .enumerate()
            .map(|(s, &c)| {
                let (enabled, warning, suspended) = match s {
                    // too few seats: every one is used and the blocked users wait for more
                    E3 => (c.saturating_sub(2).max(1), 2, 3),
                    EMS => (c + c / 10 + 5, 0, 0),
                    WPA => (5, 0, 0),
                    AUDIO => (c + 3, 0, 0),
                    _ => (c + 5, 0, 0),
                };
                SkuSeats {
                    enabled,
                    warning,
                    suspended,
                    locked_out: 0,
                    consumed: c,
                }
            })
            .collect();
    }

    pub fn licensing_records(&self) -> u64 {
        self.plan.iter().filter(|p| p.licensing).count() as u64
    }

    pub fn membership_records(&self) -> u64 {
        self.plan.iter().filter(|p| !p.licensing).count() as u64
    }
}
