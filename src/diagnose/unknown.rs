//! Error codes licdiag does not know: kept verbatim as their own cause, with the messages that came
//! with them, never dropped.

use super::context::Ctx;
use super::observe::{Bucket, Origin};
use super::status::UserState;
use super::text::{list, plural};
use crate::model::finding::CauseDetails;

pub(crate) fn enrich(ctx: &Ctx<'_>, b: &Bucket, users: &[UserState]) -> (CauseDetails, String) {
    let code = b.cause.code().to_string();
    let mut messages: Vec<String> = Vec::new();
    for o in &b.obs {
        let m = match o.origin {
            Origin::Audit { event, error } => ctx
                .events
                .get(event)
                .and_then(|e| e.extra.errors.get(error))
                .map(|e| e.text.to_string()),
            Origin::Reported(i) => ctx
                .snap
                .reported_errors
                .get(i)
                .and_then(|r| r.message.clone()),
            Origin::Snapshot { user, state } => ctx
                .snap
                .users
                .get(user)
                .and_then(|u| u.license_states.get(state))
                .and_then(|s| s.error_subcode.clone())
                .map(|s| format!("errorSubcode: {s}")),
        };
        if let Some(m) = m.map(|m| m.trim().to_string()).filter(|m| !m.is_empty()) {
            if !messages.contains(&m) {
                messages.push(m);
            }
        }
    }
    messages.truncate(5);
    let names: Vec<String> = users.iter().map(|u| ctx.user_label(&u.user)).collect();
    let what = if code.as_str() == crate::model::cause::UNSPECIFIED_FAILURE {
        format!("failed with a reason that names no error code ({code})")
    } else {
        format!("has error code {code}, which is not one of the documented group-licensing errors; licdiag keeps it verbatim")
    };
    let mut parts = vec![format!(
        "{} {what}.",
        if users.is_empty() {
            ctx.group_key_label(&b.group)
                .unwrap_or_else(|| "An assignment".into())
        } else {
            format!(
                "{} of {}{}",
                plural(users.len(), "user's assignment", "users' assignments"),
                ctx.sku_label(&b.sku),
                ctx.group_key_label(&b.group)
                    .map(|g| format!(" from {g}"))
                    .unwrap_or_default()
            )
        }
    )];
    if !names.is_empty() {
        parts.push(format!("Affected: {}.", list(&names, 6)));
    }
    if let Some(m) = messages.first() {
        parts.push(format!("Message: {m}"));
    }
    parts.push(
        "Check the user's licenses and audit log for the underlying problem, fix it, then reprocess the user(s)."
            .into(),
    );
    (CauseDetails::Unknown { code, messages }, parts.join(" "))
}
