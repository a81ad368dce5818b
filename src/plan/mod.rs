//! Preflight planners (`licdiag plan`): the operations guide describes four procedures where admins
//! lose service when an assumption is false (changing a group's products, migrating direct
//! assignments to a group, deleting a licensed group, assigning an add-on). Each planner checks those
//! assumptions offline, from a snapshot, and lists every blocker (per user, or for the group) before
//! anything is changed, with the documented order of steps. Exit code 1 when there are blockers, 0
//! when the plan is safe (`--fail-on warning`: also 1 with warnings; `never`: 0), 2 on error.
//!
//! This file wires the command: read the snapshot, resolve `--group` and the products, run the
//! planner, render. One planner per file (`change`, `migrate`, `delete_group`, `add_on`); `view` is
//! the snapshot seen by the planners, `rules` the conflict and dependency checks, `caveats` the
//! group-kind and membership caveats, `resolve` the name lookups, `doc` the document and `report`
//! its rendering.

mod add_on;
mod caveats;
mod change;
mod delete_group;
pub mod doc;
mod migrate;
mod proxy;
mod report;
mod reprocess;
mod resolve;
mod rules;
mod view;

use crate::cli::{PlanArgs, PlanCommand, PlanCommon};
use crate::commands::{knowledge, parse_as_of};
use crate::error::UsageError;
use crate::ingest::{self, ReadOptions, Reading};
use crate::knowledge::{ConflictTableVersion, Knowledge};
use crate::model::finding::Severity;
use crate::model::snapshot::Snapshot;
use crate::model::{ObjectId, PlanId, SkuId};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use doc::{Details, PlanDoc, PlanKind, Planned};
use serde::Serialize;
use std::io::Write;

/// What to plan, with names resolved to ids.
enum Request {
    Change(change::ChangeRequest),
    Migrate,
    DeleteGroup,
    AddOn(SkuId),
}

/// Runs `licdiag plan ...`; returns the exit code (by default 0 safe, 1 blockers; `--fail-on`).
pub fn run(a: PlanArgs, reading: Reading) -> Result<u8> {
    let (common, kind) = match &a.plan {
        PlanCommand::Change { common, .. } => (common, PlanKind::Change),
        PlanCommand::Migrate { common } => (common, PlanKind::Migrate),
        PlanCommand::DeleteGroup { common } => (common, PlanKind::DeleteGroup),
        PlanCommand::AddOn { common, .. } => (common, PlanKind::AddOn),
    };
    let as_of = common.as_of.as_deref().map(parse_as_of).transpose()?;
    let opts = ReadOptions {
        strict: common.strict,
        progress: reading.progress,
        no_map: !reading.map,
        date_order: reading.date_order,
        compact: true,
        ..Default::default()
    };
    // Names are resolved before redaction, so `--group` matches what the admin sees in the portal;
    // everything printed comes from the redacted data.
    let mut data = ingest::read_inputs(&common.paths, &opts)?;
    crate::commands::note_dates(&data.inputs);
    require_snapshot(&common.paths, &data.snapshot)?;
    // a groups export without `assignedLicenses` ($select only) would read as groups holding nothing
    let licenses_from_states = view::licenses_from_states(&mut data.snapshot);
    // a plan is for a change made now: the current conflict table, unless `--as-of` names a time
    // before its cutover (a stable tenant's snapshot may record nothing newer than 2025-07-14,
    // whose old table would invent the Exchange Online Plan 1 / Plan 2 conflict)
    let table = as_of.map_or(
        ConflictTableVersion::Current,
        ConflictTableVersion::for_date,
    );
    let as_of = crate::commands::as_of_or_latest(as_of, &data);
    let group_id: ObjectId = resolve::group(&data.snapshot, &common.group, !common.redact.redact)?
        .id
        .clone();
    let mut kb = knowledge(common.catalog.as_deref(), &data)?;
    kb.learn_from_events(&data.events);
    let request = request(&a.plan, &kb, &data.snapshot)?;
    if let Some(r) = crate::redact::Redactor::from_args(&common.redact) {
        r.apply(&mut data);
    }
    // the notes quote the records: said once `--redact` has replaced what they quote
    crate::commands::note_malformed(&data.inputs);
    let snap = &data.snapshot;
    let group = snap
        .groups
        .iter()
        .find(|g| g.id == group_id)
        .with_context(|| format!("--group: group {group_id} disappeared after redaction"))?;
    let t = view::Tenant::new(snap, &kb, table)
        .with_licenses_from_states(licenses_from_states)
        .with_unread(view::Unread::from_inputs(&data.inputs));
    let members = t.members(group);
    let summary = t.summary(group, &members);
    let notes = input_notes(&data.inputs);
    let mut w = crate::commands::sink(common.output.as_deref())?;
    let found = match request {
        Request::Change(req) => emit(
            kind,
            as_of,
            &t,
            summary,
            change::plan(&t, group, &members, &req),
            common,
            &notes,
            &mut w,
        )?,
        Request::Migrate => emit(
            kind,
            as_of,
            &t,
            summary,
            migrate::plan(&t, group, &members),
            common,
            &notes,
            &mut w,
        )?,
        Request::DeleteGroup => emit(
            kind,
            as_of,
            &t,
            summary,
            delete_group::plan(&t, group, &members),
            common,
            &notes,
            &mut w,
        )?,
        Request::AddOn(sku) => emit(
            kind,
            as_of,
            &t,
            summary,
            add_on::plan(&t, group, &members, &sku),
            common,
            &notes,
            &mut w,
        )?,
    };
    w.flush().context("writing the plan")?;
    Ok(crate::commands::fail_on_code(found, common.fail_on))
}

/// Builds the document, renders it, and returns what `--fail-on` weighs in it: each blocker an
/// error, each warning a warning (a plan has nothing at information level). By default
/// (`--fail-on error`) the exit code is 1 when the plan has a blocker: not safe.
#[allow(clippy::too_many_arguments)]
fn emit<D: Serialize + Details>(
    kind: PlanKind,
    as_of: DateTime<Utc>,
    t: &view::Tenant<'_>,
    group: doc::GroupSummary,
    planned: Planned<D>,
    common: &PlanCommon,
    notes: &[String],
    w: &mut dyn Write,
) -> Result<Vec<Severity>> {
    let (blockers, warnings) = planned.findings.finish();
    let doc = PlanDoc {
        plan: kind,
        as_of,
        conflict_table: t.version,
        group,
        safe: blockers.is_empty(),
        blockers,
        warnings,
        steps: planned.steps,
        input_notes: notes.to_vec(),
        details: planned.details,
    };
    crate::report::render(&doc, common.format, w).context("writing the plan")?;
    let blockers = std::iter::repeat_n(Severity::Error, doc.blockers.len());
    let warnings = std::iter::repeat_n(Severity::Warning, doc.warnings.len());
    Ok(blockers.chain(warnings).collect())
}

/// The notes of the inputs standard error says ([`crate::report::view::read_remarks`]), and what
/// snapshot records skipped as malformed do to a plan, by what they were: a user whose record could
/// not be read is not in it (review 88, item 3); a group's members and licenses are not seen; a
/// product's seats are not judged (review 95, item 3).
fn input_notes(inputs: &[crate::ingest::InputReport]) -> Vec<String> {
    let mut notes = crate::report::view::read_remarks(inputs);
    let u = view::Unread::from_inputs(inputs);
    let n = |k: u64, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let mut what: Vec<String> = Vec::new();
    if u.users > 0 {
        what.push(format!(
            "{} (not in this plan: neither their memberships nor their licenses are checked)",
            n(u.users, "user record", "user records")
        ));
    }
    if u.groups > 0 {
        what.push(format!(
            "{} (its members and licenses are not seen)",
            n(u.groups, "group record", "group records")
        ));
    }
    if u.sku_count > 0 {
        what.push(format!(
            "{} (no seat judgement is made for the product: seats_unknown)",
            n(u.sku_count, "subscribedSku record", "subscribedSku records")
        ));
    }
    if u.other > 0 {
        what.push(n(
            u.other,
            "other snapshot record",
            "other snapshot records",
        ));
    }
    if !what.is_empty() {
        notes.push(format!(
            "snapshot records that could not be read: {}; `licdiag inspect` lists them, `--strict` refuses them",
            what.join("; ")
        ));
    }
    notes
}

/// `licdiag plan` needs users and groups; an audit log alone cannot answer "who holds what".
fn require_snapshot(paths: &[std::path::PathBuf], snap: &Snapshot) -> Result<(), UsageError> {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let missing = match (snap.groups.is_empty(), snap.users.is_empty()) {
        (true, true) => "no users and no groups",
        (true, false) => "no groups",
        (false, true) => "no users",
        (false, false) => return Ok(()),
    };
    Err(UsageError::Invalid {
        flag: "PATH",
        message: format!(
            "{}: {missing} found; `licdiag plan` needs a license-state snapshot with users (licenseAssignmentStates) \
             and groups (with members), plus subscribedSkus for seat checks; see README \"License-state snapshot\"",
            names.join(", ")
        ),
    })
}

/// Resolves the products and plans named on the command line.
fn request(cmd: &PlanCommand, kb: &Knowledge, snap: &Snapshot) -> Result<Request, UsageError> {
    Ok(match cmd {
        PlanCommand::Change {
            common,
            remove,
            add,
            disable_plan,
        } => {
            if remove.is_empty() && add.is_empty() {
                return Err(UsageError::Invalid {
                    flag: "--remove/--add",
                    message: "`plan change` needs the products to remove and/or add, e.g. --remove STANDARDPACK --add ENTERPRISEPACK"
                        .into(),
                });
            }
            let group = resolve::group(snap, &common.group, !common.redact.redact)?;
            let mut removed = Vec::new();
            for r in remove {
                let s = resolve::sku(kb, snap, r, "--remove")?;
                if !group.assigned_licenses.iter().any(|l| l.sku_id == s) {
                    let held: Vec<String> = group
                        .assigned_licenses
                        .iter()
                        .map(|l| kb.sku_label(&l.sku_id))
                        .collect();
                    return Err(UsageError::Invalid {
                        flag: "--remove",
                        message: format!(
                            "{} is not assigned to {}; it holds {}",
                            kb.sku_label(&s),
                            group.label(),
                            if held.is_empty() {
                                "no licenses".to_string()
                            } else {
                                held.join(", ")
                            }
                        ),
                    });
                }
                if !removed.contains(&s) {
                    removed.push(s);
                }
            }
            let mut added: Vec<(SkuId, Vec<PlanId>)> = Vec::new();
            for a in add {
                let s = resolve::sku(kb, snap, a, "--add")?;
                if !added.iter().any(|(x, _)| *x == s) {
                    added.push((s, Vec::new()));
                }
            }
            if !disable_plan.is_empty() && added.is_empty() {
                return Err(UsageError::Invalid {
                    flag: "--disable-plan",
                    message: "plans can only be disabled in a product given with --add".into(),
                });
            }
            let ids: Vec<SkuId> = added.iter().map(|(s, _)| s.clone()).collect();
            for p in disable_plan {
                let (plan, owners) = resolve::plan(kb, &ids, p, "--disable-plan")?;
                for (s, disabled) in added.iter_mut() {
                    if owners.contains(s) && !disabled.contains(&plan) {
                        disabled.push(plan.clone());
                    }
                }
            }
            for (_, d) in added.iter_mut() {
                d.sort();
            }
            // the same product removed and added is a change of its license options: the new
            // assignment replaces the old one's disabled plans, nothing is removed
            removed.retain(|s| !added.iter().any(|(a, _)| a == s));
            Request::Change(change::ChangeRequest {
                remove: removed,
                add: added,
            })
        }
        PlanCommand::Migrate { .. } => Request::Migrate,
        PlanCommand::DeleteGroup { .. } => Request::DeleteGroup,
        PlanCommand::AddOn { sku, .. } => Request::AddOn(resolve::sku(kb, snap, sku, "--sku")?),
    })
}
