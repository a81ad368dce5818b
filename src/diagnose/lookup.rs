//! The snapshot's users by object id and by UPN, as tables of indexes into `snapshot.users`.
//!
//! A bucket is the user's index (4 bytes); the keys are the users' own fields, read back to
//! compare. Maps that held a reference per user (by id) or a key per user (by folded UPN) were
//! 6.5 MB of a 100k-user tenant's peak, at the end of the run, beside everything else
//! (benches/README.md, thirty-seventh run); these tables are about 1.3 MB.

use crate::model::snapshot::User;
use crate::model::ObjectId;
use hashbrown::HashTable;
use std::hash::BuildHasher;

pub(crate) struct UserLookup<'a> {
    users: &'a [User],
    by_id: HashTable<u32>,
    by_upn: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl<'a> UserLookup<'a> {
    /// Indexes `users`; of two users with the same id (or the same folded UPN), the first is the
    /// one found. Users past `u32::MAX` are not indexed.
    pub fn new(users: &'a [User]) -> Self {
        let mut t = UserLookup {
            users,
            by_id: HashTable::with_capacity(users.len()),
            by_upn: HashTable::with_capacity(users.len()),
            hasher: Default::default(),
        };
        for (i, u) in users.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            let h = t.hasher.hash_one(u.id.as_str());
            if t.find_id(h, &u.id).is_none() {
                let (users, hasher) = (t.users, &t.hasher);
                t.by_id.insert_unique(h, i, |&j| {
                    users
                        .get(j as usize)
                        .map_or(0, |u| hasher.hash_one(u.id.as_str()))
                });
            }
            if let Some(upn) = &u.upn {
                let key = crate::model::folded(upn);
                let h = t.hasher.hash_one(&*key);
                if t.find_upn(h, &key).is_none() {
                    let (users, hasher) = (t.users, &t.hasher);
                    t.by_upn.insert_unique(h, i, |&j| {
                        users
                            .get(j as usize)
                            .and_then(|u| u.upn.as_deref())
                            .map_or(0, |upn| hasher.hash_one(&*crate::model::folded(upn)))
                    });
                }
            }
        }
        t
    }

    fn find_id(&self, hash: u64, id: &ObjectId) -> Option<usize> {
        let users = self.users;
        self.by_id
            .find(hash, |&j| {
                users.get(j as usize).is_some_and(|u| &u.id == id)
            })
            .map(|&j| j as usize)
    }

    fn find_upn(&self, hash: u64, folded: &str) -> Option<usize> {
        let users = self.users;
        self.by_upn
            .find(hash, |&j| {
                users
                    .get(j as usize)
                    .and_then(|u| u.upn.as_deref())
                    .is_some_and(|upn| folds_to(upn, folded))
            })
            .map(|&j| j as usize)
    }

    /// The index of the first user with this id.
    pub fn by_id(&self, id: &ObjectId) -> Option<usize> {
        // no users (a run without a snapshot): no hash to compute
        if self.by_id.is_empty() {
            return None;
        }
        self.find_id(self.hasher.hash_one(id.as_str()), id)
    }

    /// The index of the first user whose UPN folds ([`crate::model::folded`]) to `folded`.
    pub fn by_upn(&self, folded: &str) -> Option<usize> {
        self.find_upn(self.hasher.hash_one(folded), folded)
    }

    /// Whether no user has a UPN.
    pub fn no_upns(&self) -> bool {
        self.by_upn.is_empty()
    }
}

/// Whether `crate::model::folded(upn) == folded`, without building the folded text when `upn` is
/// ASCII (a UPN is, in practice; the others are folded as [`crate::model::folded`] folds them).
fn folds_to(upn: &str, folded: &str) -> bool {
    let t = crate::model::trim(upn);
    if t.is_ascii() {
        t.len() == folded.len()
            && t.bytes()
                .zip(folded.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        *crate::model::folded(upn) == *folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test kit's user, with this id and UPN.
    fn user(id: &str, upn: Option<&str>) -> User {
        User {
            id: ObjectId::parse(id).expect("id"),
            upn: upn.map(str::to_string).map(Into::into),
            ..crate::diagnose::testkit::user("someone")
        }
    }

    #[test]
    fn finds_the_first_user_by_id_and_by_folded_upn() {
        let users = [
            user("A1", Some(" Ana@Contoso.com ")),
            user("b2", Some("bo@contoso.com")),
            user("a1", Some("other@contoso.com")),
            user("c3", Some("ANA@contoso.com")),
            user("d4", Some("Ölaf@contoso.com")),
            user("e5", None),
        ];
        let t = UserLookup::new(&users);
        assert_eq!(t.by_id(&ObjectId::parse("a1").expect("id")), Some(0));
        assert_eq!(t.by_id(&ObjectId::parse("E5").expect("id")), Some(5));
        assert_eq!(t.by_id(&ObjectId::parse("f6").expect("id")), None);
        assert_eq!(t.by_upn("ana@contoso.com"), Some(0));
        assert_eq!(t.by_upn("bo@contoso.com"), Some(1));
        assert_eq!(t.by_upn("ölaf@contoso.com"), Some(4));
        assert_eq!(
            t.by_upn("Ana@contoso.com"),
            None,
            "keys are folded by the caller"
        );
        assert_eq!(t.by_upn("ana@contoso.co"), None);
        assert!(!t.no_upns());
        assert!(UserLookup::new(&users[5..]).no_upns());
    }

    #[test]
    fn agrees_with_a_map_of_folded_upns() {
        use crate::model::hash::HashMap;
        let upns = [
            "a@x.example",
            "A@X.example",
            " b@x.example",
            "ß@x.example",
            "SS@x.example",
            "Σx@x.example",
            "σx@x.example",
            "",
            "  ",
        ];
        let users: Vec<User> = upns
            .iter()
            .enumerate()
            .map(|(i, u)| user(&format!("id{i}"), Some(u)))
            .collect();
        let t = UserLookup::new(&users);
        let mut map: HashMap<String, usize> = HashMap::default();
        for (i, u) in upns.iter().enumerate() {
            map.entry(crate::model::folded(u).into_owned()).or_insert(i);
        }
        for u in upns.iter().chain(&["c@x.example", "ss@x.example"]) {
            let k = crate::model::folded(u);
            assert_eq!(t.by_upn(&k), map.get(&*k).copied(), "{u:?}");
        }
    }
}
