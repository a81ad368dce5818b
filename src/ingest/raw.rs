//! The raw audit record: the fields every export format carries, still as export text. Each format
//! module maps its records into this shape; `normalize` turns it into a typed `AuditEvent`.

/// Text of one modified property, as exported (usually JSON-encoded strings).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawProp {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawTarget {
    pub kind: Option<String>,
    pub id: Option<String>,
    pub upn: Option<String>,
    pub display_name: Option<String>,
    pub modified: Vec<RawProp>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawActor {
    /// `User`, `Application`, ... when the export says so (portal CSV `ActorType`).
    pub kind: Option<String>,
    pub user_id: Option<String>,
    pub upn: Option<String>,
    pub user_display_name: Option<String>,
    pub ip: Option<String>,
    pub app_name: Option<String>,
    pub app_id: Option<String>,
    pub service_principal_id: Option<String>,
    pub service_principal_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawAudit {
    pub time: Option<String>,
    /// A second timestamp to fall back on (Azure Monitor `time`, Purview `CreationDate`).
    pub time_fallback: Option<String>,
    pub activity: Option<String>,
    pub category: Option<String>,
    pub result: Option<String>,
    pub result_reason: Option<String>,
    pub correlation_id: Option<String>,
    pub record_id: Option<String>,
    /// The identity of a record that has no id (the admin center's CSV has no id column): the key
    /// of its whole row ([`RecordKey::of_cells`]), so that two overlapping downloads count a row
    /// once.
    ///
    /// [`RecordKey::of_cells`]: crate::model::RecordKey::of_cells
    pub content_key: Option<crate::model::RecordKey>,
    pub actor: RawActor,
    pub targets: Vec<RawTarget>,
    pub additional: Vec<(String, String)>,
    /// Every other string of the record that may carry a license error (the normalizer looks for error
    /// tokens and documented error sentences in these, wherever they sat).
    pub error_texts: Vec<String>,
}
