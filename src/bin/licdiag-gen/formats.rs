//! One renderer per export format (formats.md §1-§5), each turning an [`Event`] into the bytes of one
//! record, field for field as `fixtures/tools/gen_fixtures.py` renders the sample tenant:
//! Graph objects (JSON Lines and one `{"value":[...]}` page), the Azure Monitor `{"records":[...]}`
//! envelope, the 86-column admin-center CSV, the Log Analytics CSV and the new Purview export CSV
//! (with the unified-audit-log `AuditData`).

use crate::events::{Actor, Event, PVal, Target};
use crate::out::{ckey, csv_field, csv_row, esc, qopt, qstr};
use crate::rng::{hash, tag, Guid};
use crate::tenant::{MOERA, TENANT_ID};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Format {
    /// Graph directoryAudit objects, one per line (`audit-graph.jsonl`).
    GraphJsonl,
    /// One Graph page `{"@odata.context":..,"value":[...]}` (`audit-graph-page.json`).
    GraphArray,
    /// Azure Monitor diagnostic export `{"records":[...]}` (`audit-azure-monitor.json`).
    AzureMonitor,
    /// Entra admin-center download, 86 columns (`audit-portal.csv`).
    PortalCsv,
    /// Log Analytics `AuditLogs` table export (`audit-la.csv`).
    LaCsv,
    /// New Purview audit search export with `AuditData` (`audit-purview.csv`).
    PurviewCsv,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::GraphJsonl,
        Format::GraphArray,
        Format::AzureMonitor,
        Format::PortalCsv,
        Format::LaCsv,
        Format::PurviewCsv,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Format::GraphJsonl => "graph-jsonl",
            Format::GraphArray => "graph-array",
            Format::AzureMonitor => "azure-monitor",
            Format::PortalCsv => "portal-csv",
            Format::LaCsv => "la-csv",
            Format::PurviewCsv => "purview-csv",
        }
    }

    pub fn file_name(&self) -> &'static str {
        match self {
            Format::GraphJsonl => "audit-graph.jsonl",
            Format::GraphArray => "audit-graph-page.json",
            Format::AzureMonitor => "audit-azure-monitor.json",
            Format::PortalCsv => "audit-portal.csv",
            Format::LaCsv => "audit-la.csv",
            Format::PurviewCsv => "audit-purview.csv",
        }
    }
}

pub const GRAPH_CONTEXT: &str =
    "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits";
const RESOURCE_ID: &str =
    "/tenants/7c1d9e42-3b8a-4f6e-a5d0-2e9b8c7f6a13/providers/Microsoft.aadiam";
const BOM: &[u8] = b"\xef\xbb\xbf";

pub const PORTAL_COLUMNS: usize = 86;

pub fn portal_header() -> Vec<String> {
    let mut h: Vec<String> = [
        "Date (UTC)",
        "CorrelationId",
        "Service",
        "Category",
        "Activity",
        "Result",
        "ResultReason",
        "User Agent",
        "ActorType",
        "ActorDisplayName",
        "ActorObjectId",
        "ActorUserPrincipalName",
        "IPAddress",
        "ActorHomeTenantId",
        "ActorHomeTenantName",
        "ActorServicePrincipalId",
        "ActorServicePrincipalName",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in 1..=3 {
        for f in ["Type", "DisplayName", "ObjectId", "UserPrincipalName"] {
            h.push(format!("Target{n}{f}"));
        }
        for m in 1..=5 {
            for x in ["Name", "OldValue", "NewValue"] {
                h.push(format!("Target{n}ModifiedProperty{m}{x}"));
            }
        }
    }
    for k in 1..=6 {
        for x in ["Key", "Value"] {
            h.push(format!("AdditionalDetail{k}{x}"));
        }
    }
    h
}

const LA_COLUMNS: [&str; 31] = [
    "TenantId",
    "SourceSystem",
    "TimeGenerated [UTC]",
    "ResourceId",
    "OperationName",
    "OperationVersion",
    "Category",
    "ResultType",
    "ResultSignature",
    "ResultDescription",
    "DurationMs",
    "CorrelationId",
    "Resource",
    "ResourceGroup",
    "ResourceProvider",
    "Identity",
    "Level",
    "Location",
    "AdditionalDetails",
    "Id",
    "InitiatedBy",
    "LoggedByService",
    "Result",
    "ResultReason",
    "TargetResources",
    "AADTenantId",
    "ActivityDisplayName",
    "ActivityDateTime [UTC]",
    "AADOperationType",
    "Type",
    "UserAgent",
];

const PURVIEW_COLUMNS: [&str; 8] = [
    "RecordId",
    "CreationDate",
    "RecordType",
    "Operation",
    "UserId",
    "AuditData",
    "AssociatedAdminUnits",
    "AssociatedAdminUnitsNames",
];

/// Renders records of one format; owns its scratch buffers.
pub struct Renderer {
    format: Format,
    a: Vec<u8>,
    b: Vec<u8>,
    c: Vec<u8>,
}

/// A modifiedProperty value as Graph stores it: JSON text (written into `out`); false for null.
fn enc_graph(v: &PVal<'_>, out: &mut Vec<u8>) -> bool {
    match v {
        PVal::Null => return false,
        PVal::Strs(xs) => {
            out.push(b'[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                qstr(out, x);
            }
            out.push(b']');
        }
        PVal::Bool(b) => out.extend_from_slice(if *b { b"[true]" } else { b"[false]" }),
        PVal::Quoted(s) => qstr(out, s),
        PVal::Raw(s) => out.extend_from_slice(s.as_bytes()),
        PVal::Json(j) => {
            let _ = serde_json::to_writer(&mut *out, j);
        }
    }
    true
}

/// The same value as the unified audit log writes it: pretty-printed JSON with CRLF and a 2-space
/// indent; `Included Updated Properties` as a plain list.
fn enc_ual(name: &str, v: &PVal<'_>, out: &mut Vec<u8>) {
    match v {
        PVal::Null => {}
        PVal::Strs(xs) if xs.is_empty() => out.extend_from_slice(b"[]"),
        PVal::Strs(xs) => {
            out.extend_from_slice(b"[\r\n  ");
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",\r\n  ");
                }
                qstr(out, x);
            }
            out.extend_from_slice(b"\r\n]");
        }
        PVal::Bool(b) => out.extend_from_slice(if *b {
            b"[\r\n  true\r\n]"
        } else {
            b"[\r\n  false\r\n]"
        }),
        PVal::Quoted(s) if name == "Included Updated Properties" => {
            out.extend_from_slice(s.as_bytes())
        }
        PVal::Quoted(s) => qstr(out, s),
        PVal::Raw(s) => out.extend_from_slice(s.as_bytes()),
        PVal::Json(j) => {
            let pretty = serde_json::to_string_pretty(j).unwrap_or_default();
            out.extend_from_slice(pretty.replace('\n', "\r\n").as_bytes());
        }
    }
}

/// A property value as a JSON string (or null) inside a JSON record.
fn prop_json(v: &PVal<'_>, out: &mut Vec<u8>, scratch: &mut Vec<u8>) {
    scratch.clear();
    if enc_graph(v, scratch) {
        out.push(b'"');
        esc(out, scratch);
        out.push(b'"');
    } else {
        out.extend_from_slice(b"null");
    }
}

fn guid_q(out: &mut Vec<u8>, g: Guid) {
    out.push(b'"');
    g.write_to(out);
    out.push(b'"');
}

fn initiated_by(e: &Event<'_>, diag: bool, out: &mut Vec<u8>) {
    match &e.actor {
        Actor::User { id, upn, ip } => {
            out.extend_from_slice(b"{\"user\":{\"id\":");
            guid_q(out, *id);
            out.extend_from_slice(b",\"displayName\":null,\"userPrincipalName\":");
            qstr(out, upn);
            ckey(out, "ipAddress");
            qstr(out, ip);
            if diag {
                out.extend_from_slice(b",\"roles\":[]}}");
            } else {
                out.extend_from_slice(b",\"homeTenantId\":\"");
                out.extend_from_slice(TENANT_ID.as_bytes());
                out.extend_from_slice(b"\",\"homeTenantName\":null},\"app\":null}");
            }
        }
        Actor::App { name, sp } => {
            out.extend_from_slice(if diag {
                b"{\"app\":{" as &[u8]
            } else {
                b"{\"user\":null,\"app\":{"
            });
            out.extend_from_slice(b"\"appId\":null,\"displayName\":");
            qstr(out, name);
            ckey(out, "servicePrincipalId");
            guid_q(out, *sp);
            out.extend_from_slice(b",\"servicePrincipalName\":null}}");
        }
    }
}

fn target_json(t: &Target<'_>, diag: bool, out: &mut Vec<u8>, scratch: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"id\":");
    guid_q(out, t.id);
    ckey(out, "displayName");
    qopt(out, t.display.as_deref());
    ckey(out, "type");
    qstr(out, t.kind);
    if !diag || t.kind == "User" {
        ckey(out, "userPrincipalName");
        qopt(out, t.upn);
    }
    if !diag || t.group_type.is_some() {
        ckey(out, "groupType");
        qopt(out, t.group_type);
    }
    out.extend_from_slice(b",\"modifiedProperties\":[");
    for (i, p) in t.props.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"displayName\":");
        qstr(out, p.name);
        ckey(out, "oldValue");
        prop_json(&p.old, out, scratch);
        ckey(out, "newValue");
        prop_json(&p.new, out, scratch);
        out.push(b'}');
    }
    out.push(b']');
    if diag {
        out.extend_from_slice(b",\"administrativeUnits\":[]");
    }
    out.push(b'}');
}

fn targets_json(e: &Event<'_>, diag: bool, out: &mut Vec<u8>, scratch: &mut Vec<u8>) {
    out.push(b'[');
    for (i, t) in e.targets.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        target_json(t, diag, out, scratch);
    }
    out.push(b']');
}

fn details_json(e: &Event<'_>, out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, (k, v)) in e.details.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"key\":");
        qstr(out, k);
        ckey(out, "value");
        qstr(out, v);
        out.push(b'}');
    }
    out.push(b']');
}

fn result_str(e: &Event<'_>) -> &'static str {
    if e.success {
        "success"
    } else {
        "failure"
    }
}

/// Microsoft Graph v1.0 `directoryAudit` (camelCase).
fn graph_obj(e: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"id\":\"");
    e.write_id(out);
    out.push(b'"');
    ckey(out, "category");
    qstr(out, e.category);
    ckey(out, "correlationId");
    guid_q(out, e.corr);
    ckey(out, "result");
    qstr(out, result_str(e));
    ckey(out, "resultReason");
    qstr(out, &e.reason);
    ckey(out, "activityDisplayName");
    qstr(out, e.activity);
    ckey(out, "activityDateTime");
    out.push(b'"');
    e.ts.write_graph(out);
    out.push(b'"');
    ckey(out, "loggedByService");
    qstr(out, e.service);
    ckey(out, "operationType");
    qstr(out, e.op);
    ckey(out, "initiatedBy");
    initiated_by(e, false, out);
    ckey(out, "targetResources");
    targets_json(e, false, out, scratch);
    ckey(out, "additionalDetails");
    details_json(e, out);
    out.push(b'}');
}

/// Azure Monitor diagnostic-settings record (2025 shape: properties duplicate top-level fields).
fn azure_monitor_obj(e: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"time\":\"");
    e.ts.write_graph(out);
    out.push(b'"');
    ckey(out, "resourceId");
    qstr(out, RESOURCE_ID);
    ckey(out, "operationName");
    qstr(out, e.activity);
    out.extend_from_slice(
        b",\"operationVersion\":\"1.0\",\"category\":\"AuditLogs\",\"tenantId\":\"",
    );
    out.extend_from_slice(TENANT_ID.as_bytes());
    out.extend_from_slice(b"\",\"resultSignature\":\"None\"");
    if !e.success {
        ckey(out, "resultDescription");
        qstr(out, &e.reason);
    }
    out.extend_from_slice(b",\"durationMs\":0");
    ckey(out, "callerIpAddress");
    match &e.actor {
        Actor::User { ip, .. } => qstr(out, ip),
        Actor::App { .. } => qstr(out, "<null>"),
    }
    ckey(out, "correlationId");
    guid_q(out, e.corr);
    ckey(out, "identity");
    qstr(out, e.actor.name());
    out.extend_from_slice(b",\"Level\":4,\"properties\":{\"tenantId\":\"");
    out.extend_from_slice(TENANT_ID.as_bytes());
    out.extend_from_slice(b"\",\"resultType\":\"\"");
    ckey(out, "resultDescription");
    qstr(out, &e.reason);
    ckey(out, "operationName");
    qstr(out, e.activity);
    ckey(out, "identity");
    qstr(out, e.actor.name());
    out.extend_from_slice(b",\"tenantGeo\":\"NA\",\"id\":\"");
    e.write_id(out);
    out.push(b'"');
    ckey(out, "category");
    qstr(out, e.category);
    ckey(out, "correlationId");
    guid_q(out, e.corr);
    ckey(out, "result");
    qstr(out, result_str(e));
    ckey(out, "resultReason");
    qstr(out, &e.reason);
    ckey(out, "activityDisplayName");
    qstr(out, e.activity);
    ckey(out, "activityDateTime");
    out.push(b'"');
    e.ts.write_plus_trimmed(out);
    out.push(b'"');
    ckey(out, "loggedByService");
    qstr(out, e.service);
    ckey(out, "operationType");
    qstr(out, e.op);
    ckey(out, "userAgent");
    qopt(out, e.user_agent());
    ckey(out, "initiatedBy");
    initiated_by(e, true, out);
    out.extend_from_slice(b",\"performedBy\":null");
    ckey(out, "targetResources");
    targets_json(e, true, out, scratch);
    ckey(out, "additionalDetails");
    details_json(e, out);
    out.extend_from_slice(b"}}");
}

fn puid_of(seed_like: Guid) -> String {
    format!(
        "{:016X}",
        hash(
            0x9e37,
            &[tag("puid"), seed_like.0 as u64, (seed_like.0 >> 64) as u64]
        )
    )
}

fn ual_identity_user(out: &mut Vec<u8>, id: Guid, upn: &str) {
    out.extend_from_slice(b"{\"ID\":");
    qstr(out, upn);
    out.extend_from_slice(b",\"Type\":5},{\"ID\":\"");
    out.extend_from_slice(puid_of(id).as_bytes());
    out.extend_from_slice(b"\",\"Type\":3},{\"ID\":\"User_");
    id.write_to(out);
    out.extend_from_slice(b"\",\"Type\":2},{\"ID\":\"");
    id.write_to(out);
    out.extend_from_slice(b"\",\"Type\":2},{\"ID\":\"User\",\"Type\":2}");
}

fn ual_identity_obj(out: &mut Vec<u8>, kind: &str, id: Guid, name: Option<&str>) {
    out.extend_from_slice(b"{\"ID\":\"");
    out.extend_from_slice(kind.as_bytes());
    out.push(b'_');
    id.write_to(out);
    out.extend_from_slice(b"\",\"Type\":2},{\"ID\":\"");
    id.write_to(out);
    out.extend_from_slice(b"\",\"Type\":2},{\"ID\":");
    qstr(out, kind);
    out.extend_from_slice(b",\"Type\":2}");
    if let Some(n) = name {
        out.extend_from_slice(b",{\"ID\":");
        qstr(out, n);
        out.extend_from_slice(b",\"Type\":1}");
    }
}

/// UAL `Id` (differs from the Entra `id` of the same event).
fn ual_record_id(e: &Event<'_>) -> Guid {
    Guid::from_bits(
        hash(e.id_num as u64, &[tag("ual"), e.corr.0 as u64]),
        hash(e.id_num as u64, &[tag("ual2"), (e.corr.0 >> 64) as u64]),
    )
}

/// Unified audit log `AuditData` (Workload AzureActiveDirectory, RecordType 8).
fn ual_obj(e: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Vec<u8>) {
    let rid = ual_record_id(e);
    out.extend_from_slice(b"{\"CreationTime\":\"");
    e.ts.write_seconds(out);
    out.extend_from_slice(b"\",\"Id\":");
    guid_q(out, rid);
    ckey(out, "Operation");
    out.push(b'"');
    esc(out, e.activity.trim_end().as_bytes());
    out.extend_from_slice(b".\"");
    out.extend_from_slice(b",\"OrganizationId\":\"");
    out.extend_from_slice(TENANT_ID.as_bytes());
    out.extend_from_slice(b"\",\"RecordType\":8,\"ResultStatus\":");
    qstr(out, if e.success { "Success" } else { "Failure" });
    let (user_id, user_key, user_type, ip): (String, String, u8, &str) = match &e.actor {
        Actor::User { id, upn, ip } => {
            (upn.to_string(), format!("{}@{MOERA}", puid_of(*id)), 0, ip)
        }
        Actor::App { sp, .. } => (
            format!("ServicePrincipal_{sp}"),
            "Not Available".into(),
            4,
            "",
        ),
    };
    ckey(out, "UserKey");
    qstr(out, &user_key);
    ckey(out, "UserType");
    out.extend_from_slice(user_type.to_string().as_bytes());
    out.extend_from_slice(b",\"Version\":1,\"Workload\":\"AzureActiveDirectory\"");
    ckey(out, "ClientIP");
    qstr(out, ip);
    ckey(out, "ObjectId");
    match e.targets.first() {
        Some(t) if t.kind == "User" => qopt(out, t.upn),
        Some(t) if t.kind == "Group" => guid_q(out, t.id),
        Some(t) => qopt(out, t.display.as_deref()),
        None => qstr(out, ""),
    }
    ckey(out, "UserId");
    qstr(out, &user_id);
    out.extend_from_slice(b",\"AzureActiveDirectoryEventType\":1,\"ExtendedProperties\":[{\"Name\":\"additionalDetails\",\"Value\":");
    scratch.clear();
    scratch.push(b'{');
    for (i, (k, v)) in e.details.iter().enumerate() {
        if i > 0 {
            scratch.push(b',');
        }
        qstr(scratch, k);
        scratch.push(b':');
        qstr(scratch, v);
    }
    scratch.push(b'}');
    out.push(b'"');
    esc(out, scratch);
    out.extend_from_slice(b"\"},{\"Name\":\"extendedAuditEventCategory\",\"Value\":");
    qstr(out, e.targets.first().map(|t| t.kind).unwrap_or("Other"));
    out.push(b'}');
    if !e.reason.is_empty() {
        out.extend_from_slice(b",{\"Name\":\"MethodExecutionResult.\",\"Value\":");
        qstr(out, &e.reason);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"ModifiedProperties\":[");
    let mut first = true;
    for t in &e.targets {
        for p in &t.props {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(b"{\"Name\":");
            qstr(out, p.name);
            ckey(out, "NewValue");
            scratch.clear();
            enc_ual(p.name, &p.new, scratch);
            out.push(b'"');
            esc(out, scratch);
            out.push(b'"');
            ckey(out, "OldValue");
            scratch.clear();
            if p.name != "Included Updated Properties" {
                enc_ual(p.name, &p.old, scratch);
            }
            out.push(b'"');
            esc(out, scratch);
            out.extend_from_slice(b"\"}");
        }
    }
    out.extend_from_slice(b"],\"Actor\":[");
    match &e.actor {
        Actor::User { id, upn, .. } => ual_identity_user(out, *id, upn),
        Actor::App { name, sp } => {
            out.extend_from_slice(b"{\"ID\":");
            qstr(out, name);
            out.extend_from_slice(b",\"Type\":1},");
            ual_identity_obj(out, "ServicePrincipal", *sp, None);
        }
    }
    out.extend_from_slice(b"],\"ActorContextId\":\"");
    out.extend_from_slice(TENANT_ID.as_bytes());
    out.extend_from_slice(b"\",\"ActorIpAddress\":");
    qstr(out, ip);
    ckey(out, "InterSystemsId");
    guid_q(out, e.corr);
    ckey(out, "IntraSystemId");
    guid_q(
        out,
        Guid::from_bits(hash(e.id_num as u64, &[tag("intra")]), e.corr.0 as u64),
    );
    out.extend_from_slice(b",\"SupportTicketId\":\"\",\"Target\":[");
    for (i, t) in e.targets.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match (t.kind, t.upn) {
            ("User", Some(upn)) => ual_identity_user(out, t.id, upn),
            _ => ual_identity_obj(out, t.kind, t.id, t.display.as_deref()),
        }
    }
    out.extend_from_slice(b"],\"TargetContextId\":\"");
    out.extend_from_slice(TENANT_ID.as_bytes());
    out.extend_from_slice(b"\"}");
}

impl Renderer {
    pub fn new(format: Format) -> Renderer {
        Renderer {
            format,
            a: Vec::with_capacity(4096),
            b: Vec::with_capacity(4096),
            c: Vec::with_capacity(1024),
        }
    }

    pub fn header(&mut self, out: &mut Vec<u8>) {
        match self.format {
            Format::GraphJsonl => {}
            Format::GraphArray => {
                out.extend_from_slice(b"{\"@odata.context\":\"");
                out.extend_from_slice(GRAPH_CONTEXT.as_bytes());
                out.extend_from_slice(b"\",\"value\":[\n");
            }
            Format::AzureMonitor => out.extend_from_slice(b"{\"records\":[\n"),
            Format::PortalCsv => {
                out.extend_from_slice(BOM);
                csv_row(out, portal_header(), true);
            }
            Format::LaCsv => {
                out.extend_from_slice(BOM);
                csv_row(out, LA_COLUMNS, false);
            }
            Format::PurviewCsv => csv_row(out, PURVIEW_COLUMNS, false),
        }
    }

    pub fn footer(&mut self, out: &mut Vec<u8>) {
        match self.format {
            Format::GraphArray | Format::AzureMonitor => out.extend_from_slice(b"\n]}\n"),
            _ => {}
        }
    }

    /// Appends one record (`first`: no separator before it).
    pub fn record(&mut self, e: &Event<'_>, first: bool, out: &mut Vec<u8>) {
        match self.format {
            Format::GraphJsonl => {
                graph_obj(e, out, &mut self.a);
                out.push(b'\n');
            }
            Format::GraphArray => {
                if !first {
                    out.extend_from_slice(b",\n");
                }
                graph_obj(e, out, &mut self.a);
            }
            Format::AzureMonitor => {
                if !first {
                    out.extend_from_slice(b",\n");
                }
                azure_monitor_obj(e, out, &mut self.a);
            }
            Format::PortalCsv => self.portal_row(e, out),
            Format::LaCsv => self.la_row(e, out),
            Format::PurviewCsv => {
                let b = &mut self.b;
                b.clear();
                ual_obj(e, b, &mut self.a);
                let c = &mut self.c;
                c.clear();
                ual_record_id(e).write_to(c);
                csv_field(out, c, false);
                out.push(b',');
                c.clear();
                e.ts.write_us(c);
                csv_field(out, c, false);
                out.extend_from_slice(b",8,");
                c.clear();
                c.extend_from_slice(e.activity.trim_end().as_bytes());
                c.push(b'.');
                csv_field(out, c, false);
                out.push(b',');
                match &e.actor {
                    Actor::User { upn, .. } => csv_field(out, upn.as_bytes(), false),
                    Actor::App { sp, .. } => {
                        csv_field(out, format!("ServicePrincipal_{sp}").as_bytes(), false)
                    }
                }
                out.push(b',');
                csv_field(out, b, false);
                out.extend_from_slice(b",,\r\n");
            }
        }
    }

    fn portal_row(&mut self, e: &Event<'_>, out: &mut Vec<u8>) {
        let (a, c) = (&mut self.a, &mut self.c);
        let mut n = 0usize;
        let mut cell = |out: &mut Vec<u8>, v: &[u8]| {
            if n > 0 {
                out.push(b',');
            }
            csv_field(out, v, true);
            n += 1;
        };
        c.clear();
        e.ts.write_graph(c);
        cell(out, c);
        c.clear();
        e.corr.write_to(c);
        cell(out, c);
        for v in [
            e.service,
            e.category,
            e.activity,
            result_str(e),
            &e.reason,
            e.user_agent().unwrap_or(""),
        ] {
            cell(out, v.as_bytes());
        }
        match &e.actor {
            Actor::User { id, upn, ip } => {
                for v in ["User", "", &id.to_string(), upn, ip, TENANT_ID, "", "", ""] {
                    cell(out, v.as_bytes());
                }
            }
            Actor::App { name, sp } => {
                for v in ["Application", name, "", "", "", "", "", &sp.to_string(), ""] {
                    cell(out, v.as_bytes());
                }
            }
        }
        for t in 0..3 {
            match e.targets.get(t) {
                Some(t) => {
                    cell(out, t.kind.as_bytes());
                    cell(out, t.display.as_deref().unwrap_or("").as_bytes());
                    c.clear();
                    t.id.write_to(c);
                    cell(out, c);
                    cell(out, t.upn.unwrap_or("").as_bytes());
                    for m in 0..5 {
                        match t.props.get(m) {
                            Some(p) => {
                                cell(out, p.name.as_bytes());
                                a.clear();
                                enc_graph(&p.old, a);
                                cell(out, a);
                                a.clear();
                                enc_graph(&p.new, a);
                                cell(out, a);
                            }
                            None => {
                                for _ in 0..3 {
                                    cell(out, b"");
                                }
                            }
                        }
                    }
                }
                None => {
                    for _ in 0..19 {
                        cell(out, b"");
                    }
                }
            }
        }
        for k in 0..6 {
            match e.details.get(k) {
                Some((key, v)) => {
                    cell(out, key.as_bytes());
                    cell(out, v.as_bytes());
                }
                None => {
                    cell(out, b"");
                    cell(out, b"");
                }
            }
        }
        debug_assert_eq!(n, PORTAL_COLUMNS);
        out.extend_from_slice(b"\r\n");
    }

    fn la_row(&mut self, e: &Event<'_>, out: &mut Vec<u8>) {
        let (a, b, c) = (&mut self.a, &mut self.b, &mut self.c);
        let field = |out: &mut Vec<u8>, v: &[u8], last: bool| {
            csv_field(out, v, false);
            out.extend_from_slice(if last { b"\r\n" } else { b"," });
        };
        field(out, TENANT_ID.as_bytes(), false);
        field(out, b"Azure AD", false);
        c.clear();
        e.ts.write_la_csv(c);
        field(out, c, false);
        field(out, RESOURCE_ID.as_bytes(), false);
        field(out, e.activity.as_bytes(), false);
        field(out, b"1.0", false);
        field(out, e.category.as_bytes(), false);
        field(out, if e.success { b"" } else { b"Failure" }, false);
        field(out, b"None", false);
        field(out, e.reason.as_bytes(), false);
        field(out, b"0", false);
        c.clear();
        e.corr.write_to(c);
        field(out, c, false);
        field(out, b"Microsoft.aadiam", false);
        field(out, b"Microsoft.aadiam", false);
        field(out, b"Microsoft.aadiam", false);
        field(out, e.actor.name().as_bytes(), false);
        field(out, b"4", false);
        field(out, b"", false);
        b.clear();
        details_json(e, b);
        field(out, b, false);
        c.clear();
        e.write_id(c);
        field(out, c, false);
        b.clear();
        initiated_by(e, true, b);
        field(out, b, false);
        field(out, e.service.as_bytes(), false);
        field(out, result_str(e).as_bytes(), false);
        field(out, e.reason.as_bytes(), false);
        b.clear();
        targets_json(e, true, b, a);
        field(out, b, false);
        field(out, TENANT_ID.as_bytes(), false);
        field(out, e.activity.as_bytes(), false);
        c.clear();
        e.ts.write_la_csv(c);
        field(out, c, false);
        field(out, e.op.as_bytes(), false);
        field(out, b"AuditLogs", false);
        field(out, e.user_agent().unwrap_or("").as_bytes(), true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_header_has_86_columns_like_the_fixture() {
        let h = portal_header();
        assert_eq!(h.len(), PORTAL_COLUMNS);
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/formats/portal.csv");
        if let Ok(text) = std::fs::read_to_string(fixture) {
            let first = text
                .trim_start_matches('\u{feff}')
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let cols: Vec<String> = first
                .split(',')
                .map(|c| c.trim_matches('"').to_string())
                .collect();
            assert_eq!(cols, h);
        }
    }
}
