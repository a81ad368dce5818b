//! Groups among a group's member ids: a membership CSV row whose member is a group, or an
//! expanded member without `@odata.type`, names a nested group, not a user. Group-based licensing
//! applies to first-level user members only (licensing.md §2), so such a member gets none of the
//! group's products, consumes no seat and is no user: it is moved to the group's nested groups,
//! where the setup note, the plans and the exported member counts find it.

use crate::model::hash::{HashMap, HashSet};
use crate::model::snapshot::Snapshot;
use crate::model::ObjectId;

/// Moves every member id that is a group of the snapshot from the groups' members and the
/// membership rows to the groups' nested groups (each once).
pub fn nest_group_members(snap: &mut Snapshot) {
    let ids: HashSet<ObjectId> = snap.groups.iter().map(|g| g.id.clone()).collect();
    if ids.is_empty() {
        return;
    }
    let mut nested_rows: HashMap<ObjectId, Vec<ObjectId>> = HashMap::default();
    snap.memberships.retain(|m| {
        if ids.contains(&m.user_id) {
            nested_rows
                .entry(m.group_id.clone())
                .or_default()
                .push(m.user_id.clone());
            false
        } else {
            true
        }
    });
    for g in &mut snap.groups {
        let mut moved: Vec<ObjectId> = nested_rows.remove(&g.id).unwrap_or_default();
        if let Some(members) = &mut g.members {
            members.retain(|m| {
                if ids.contains(m) {
                    moved.push(m.clone());
                    false
                } else {
                    true
                }
            });
        }
        for m in moved {
            if !g.nested_groups.contains(&m) {
                g.nested_groups.push(m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{Group, Membership};

    fn oid(s: &str) -> ObjectId {
        ObjectId::parse(s).expect("id")
    }

    fn group(id: &str, members: Option<&[&str]>, nested: &[&str]) -> Group {
        Group {
            id: oid(id),
            display_name: Some(id.to_uppercase()),
            assigned_licenses: Vec::new(),
            processing_state: None,
            security_enabled: None,
            group_types: Vec::new(),
            membership_rule: None,
            on_premises_sync_enabled: None,
            mail: None,
            proxy_addresses: Vec::new(),
            members: members.map(|m| m.iter().map(|x| oid(x)).collect()),
            nested_groups: nested.iter().map(|x| oid(x)).collect(),
            source: crate::ingest::snapshot::test_src(),
        }
    }

    #[test]
    fn group_ids_among_members_and_rows_become_nested_groups() {
        let mut snap = Snapshot {
            groups: vec![
                group("lic", Some(&["ana", "sub", "ben"]), &["typed"]),
                group("sub", None, &[]),
                group("typed", None, &[]),
                group("rows", None, &[]),
            ],
            memberships: vec![
                Membership {
                    group_id: oid("rows"),
                    user_id: oid("cara"),
                },
                Membership {
                    group_id: oid("rows"),
                    user_id: oid("sub"),
                },
                Membership {
                    group_id: oid("lic"),
                    user_id: oid("typed"),
                },
            ],
            ..Default::default()
        };
        nest_group_members(&mut snap);
        let ids = |v: &[ObjectId]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let lic = &snap.groups[0];
        assert_eq!(
            ids(lic.members.as_deref().unwrap_or_default()),
            ["ana", "ben"]
        );
        assert_eq!(ids(&lic.nested_groups), ["typed", "sub"]);
        assert_eq!(ids(&snap.groups[3].nested_groups), ["sub"]);
        let rows: Vec<(String, String)> = snap
            .memberships
            .iter()
            .map(|m| (m.group_id.to_string(), m.user_id.to_string()))
            .collect();
        assert_eq!(rows, [("rows".to_string(), "cara".to_string())]);
    }
}
