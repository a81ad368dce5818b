//! Who is a first-level member of which group, from the snapshot's membership rows and its groups'
//! `members` expansions, indexed both ways for the diagnosis.
//!
//! Both directions are answered from one sorted table of (user, group) pairs held as indices: a
//! user's groups are a slice of it, a member test is a search in that slice, and each group's
//! member count is kept apart. A map per direction holding every id again (a vector per user and
//! per group) was about 20 MB of a 100k-user tenant's diagnosis; this is about 3 MB.

use crate::model::snapshot::Snapshot;
use crate::model::ObjectId;

pub(crate) struct Memberships<'a> {
    /// Every group some membership names, sorted, each once.
    groups: Vec<&'a ObjectId>,
    /// Per group (as `groups`), its members, each counted once.
    counts: Vec<u32>,
    /// Every user some membership names, sorted, each once.
    users: Vec<&'a ObjectId>,
    /// User `i`'s groups are `of_user[starts[i]..starts[i + 1]]` (indices into `groups`, sorted,
    /// each once).
    starts: Vec<u32>,
    of_user: Vec<u32>,
}

impl<'a> Memberships<'a> {
    pub(crate) fn new(snap: &'a Snapshot) -> Memberships<'a> {
        let rows = snap.memberships.iter().map(|m| (&m.user_id, &m.group_id));
        let expanded = snap
            .groups
            .iter()
            .flat_map(|g| g.members.iter().flatten().map(move |u| (u, &g.id)));
        let mut groups: Vec<&ObjectId> = snap
            .memberships
            .iter()
            .map(|m| &m.group_id)
            .chain(
                snap.groups
                    .iter()
                    .filter(|g| g.members.is_some())
                    .map(|g| &g.id),
            )
            .collect();
        groups.sort_unstable();
        groups.dedup();
        // (user, group index): 16 bytes a pair while the table is built
        let mut pairs: Vec<(&ObjectId, u32)> = rows
            .chain(expanded)
            .filter_map(|(u, g)| {
                let gi = groups.binary_search(&g).ok()?;
                Some((u, u32::try_from(gi).ok()?))
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut counts = vec![0u32; groups.len()];
        let mut users = Vec::new();
        let mut starts = Vec::new();
        let mut of_user = Vec::with_capacity(pairs.len());
        for (i, &(u, g)) in pairs.iter().enumerate() {
            if i == 0 || pairs[i - 1].0 != u {
                users.push(u);
                starts.push(of_user.len() as u32);
            }
            of_user.push(g);
            counts[g as usize] += 1;
        }
        starts.push(of_user.len() as u32);
        drop(pairs);
        Memberships {
            groups,
            counts,
            users,
            starts,
            of_user,
        }
    }

    fn group_index(&self, group: &ObjectId) -> Option<u32> {
        let i = self.groups.binary_search(&group).ok()?;
        u32::try_from(i).ok()
    }

    /// The indices of `user`'s groups, sorted.
    fn indices_of(&self, user: &ObjectId) -> &[u32] {
        let Ok(i) = self.users.binary_search(&user) else {
            return &[];
        };
        let (from, to) = (self.starts[i] as usize, self.starts[i + 1] as usize);
        &self.of_user[from..to]
    }

    /// The groups `user` is a first-level member of, sorted, each once.
    pub(crate) fn groups_of(&self, user: &ObjectId) -> impl Iterator<Item = &'a ObjectId> + '_ {
        self.indices_of(user)
            .iter()
            .map(|&g| self.groups[g as usize])
    }

    /// Whether some membership row or `members` expansion covers `group`.
    pub(crate) fn knows(&self, group: &ObjectId) -> bool {
        self.group_index(group).is_some()
    }

    pub(crate) fn is_member(&self, group: &ObjectId, user: &ObjectId) -> bool {
        self.group_index(group)
            .is_some_and(|g| self.indices_of(user).binary_search(&g).is_ok())
    }

    /// How many users the memberships name in `group`, when they name any.
    pub(crate) fn count(&self, group: &ObjectId) -> Option<usize> {
        self.group_index(group)
            .map(|g| self.counts[g as usize] as usize)
            .filter(|&n| n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit::group;
    use crate::model::snapshot::{Group, Membership};

    fn id(s: &str) -> ObjectId {
        ObjectId::parse(s).unwrap()
    }

    fn expanded(g: &str, members: Option<&[&str]>) -> Group {
        Group {
            id: id(g),
            members: members.map(|ms| ms.iter().map(|m| id(m)).collect()),
            ..group(g, &[])
        }
    }

    fn row(g: &str, u: &str) -> Membership {
        Membership {
            group_id: id(g),
            user_id: id(u),
        }
    }

    #[test]
    fn rows_and_expansions_are_indexed_both_ways() {
        let snap = Snapshot {
            // the same membership twice, in another case the second time: counted once
            memberships: vec![row("g2", "u1"), row("G1", "u3"), row("g2", "U1")],
            groups: vec![
                expanded("g1", Some(&["u2", "u1", "u2"])),
                expanded("g3", Some(&[])),
                expanded("g4", None),
            ],
            ..Snapshot::default()
        };
        let m = Memberships::new(&snap);
        let of = |u: &str| {
            m.groups_of(&id(u))
                .map(|g| g.as_str().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(of("u1"), ["g1", "g2"]);
        assert_eq!(of("u2"), ["g1"]);
        assert_eq!(of("u3"), ["g1"]);
        assert!(of("nobody").is_empty());
        assert!(m.is_member(&id("g1"), &id("u1")) && m.is_member(&id("g2"), &id("u1")));
        assert!(!m.is_member(&id("g2"), &id("u2")) && !m.is_member(&id("g4"), &id("u1")));
        assert_eq!(m.count(&id("g1")), Some(3));
        assert_eq!(m.count(&id("g2")), Some(1));
        // an expansion with no members covers its group (with no count); a group not expanded is
        // not covered
        assert!(m.knows(&id("g3")) && !m.knows(&id("g4")) && !m.knows(&id("g5")));
        assert_eq!(m.count(&id("g3")), None);
        assert_eq!(m.count(&id("g4")), None);
    }

    #[test]
    fn no_memberships_cover_nothing() {
        let snap = Snapshot::default();
        let m = Memberships::new(&snap);
        assert_eq!(m.groups_of(&id("u")).count(), 0);
        assert!(!m.knows(&id("g")) && !m.is_member(&id("g"), &id("u")));
    }
}
