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
    use crate::diagnose::testkit::{gid, group, uid};
    use crate::model::snapshot::{Group, Membership};

    /// A group with its expanded members (`None`: not expanded) and typed nested groups.
    fn with(name: &str, members: Option<&[ObjectId]>, nested: &[&str]) -> Group {
        let mut g = group(name, &[]);
        g.members = members.map(<[ObjectId]>::to_vec);
        g.nested_groups = nested.iter().map(|n| gid(n)).collect();
        g
    }

    #[test]
    fn group_ids_among_members_and_rows_become_nested_groups() {
        let member = |group: &str, id: ObjectId| Membership {
            group_id: gid(group),
            user_id: id,
        };
        let mut snap = Snapshot {
            groups: vec![
                with(
                    "lic",
                    Some(&[uid("ana"), gid("sub"), uid("ben")]),
                    &["typed"],
                ),
                with("sub", None, &[]),
                with("typed", None, &[]),
                with("rows", None, &[]),
            ],
            memberships: vec![
                member("rows", uid("cara")),
                member("rows", gid("sub")),
                member("lic", gid("typed")),
            ],
            ..Default::default()
        };
        nest_group_members(&mut snap);
        let lic = &snap.groups[0];
        assert_eq!(lic.members.as_deref(), Some(&[uid("ana"), uid("ben")][..]));
        assert_eq!(lic.nested_groups, [gid("typed"), gid("sub")]);
        assert_eq!(snap.groups[3].nested_groups, [gid("sub")]);
        assert_eq!(snap.memberships, [member("rows", uid("cara"))]);
    }
}
