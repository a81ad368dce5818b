//! `--user`, `--group`, `--since`, `--until`: parsing the flags (errors name the flag and say what
//! works) and narrowing the story. A user's story keeps the group steps (license set, processing,
//! recalculation) of the groups their own entries involve, so it still reads start to finish.

use super::directory::{Directory, Lookup};
use super::model::{
    AppliedFilters, Entry, Episode, EpisodeSubject, FilterUser, OpenItem, SlowProcessing, UserKey,
};
use crate::error::UsageError;
use crate::model::ObjectId;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use std::collections::BTreeSet;

/// The resolved filters.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub user: Option<UserKey>,
    pub group: Option<ObjectId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Parses `--since` / `--until`: RFC 3339 or any timestamp licdiag reads in exports; a bare
/// `YYYY-MM-DD` is the start of that day (UTC) for `--since` and its end for `--until`.
pub fn parse_bound(
    flag: &'static str,
    s: &str,
    end_of_day: bool,
) -> Result<DateTime<Utc>, UsageError> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let time = if end_of_day {
            NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)
        } else {
            NaiveTime::from_hms_opt(0, 0, 0)
        };
        if let Some(t) = time {
            return Ok(Utc.from_utc_datetime(&d.and_time(t)));
        }
    }
    crate::normalize::time::parse_timestamp(s).ok_or_else(|| UsageError::Invalid {
        flag,
        message: format!(
            "{s:?} is not a time; use RFC 3339 (2026-10-09T12:00:00Z) or a date (2026-10-09)"
        ),
    })
}

fn not_found(flag: &'static str, what: &str, text: &str, suggestions: Vec<String>) -> UsageError {
    let hint = if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    };
    UsageError::Invalid {
        flag,
        message: format!(
            "{text:?} matches no {what} in the inputs (audit targets or snapshot){hint}"
        ),
    }
}

/// The lookup of the text itself, else the lookup of its pseudonym when that found something.
fn first_found<T>(plain: Lookup<T>, pseudonym: Option<Lookup<T>>) -> Lookup<T> {
    match (plain, pseudonym) {
        (Lookup::NotFound { .. }, Some(Lookup::Found(x))) => Lookup::Found(x),
        (plain, _) => plain,
    }
}

impl Filters {
    /// Resolves the flags against the inputs (a pseudonym is tried when the text itself matches
    /// nothing: `--user UPN` on `--redact`ed data).
    pub fn resolve(q: &super::Query, dir: &Directory) -> Result<Filters, UsageError> {
        let user = match q.user.as_deref() {
            None => None,
            Some(u) => match first_found(
                dir.find_user(u),
                q.user_pseudonym.as_deref().map(|p| dir.find_user(p)),
            ) {
                Lookup::Found(k) => Some(k),
                Lookup::NotFound { suggestions } => {
                    return Err(not_found("--user", "user id or UPN", u, suggestions))
                }
                Lookup::Ambiguous { candidates } => {
                    return Err(UsageError::Invalid {
                        flag: "--user",
                        message: format!(
                            "{u:?} names several users ({}); give the object id",
                            candidates.join(", ")
                        ),
                    })
                }
            },
        };
        let group = match q.group.as_deref() {
            None => None,
            Some(g) => match first_found(
                dir.find_group(g),
                q.group_pseudonym.as_deref().map(|p| dir.find_group(p)),
            ) {
                Lookup::Found(id) => Some(id),
                Lookup::NotFound { suggestions } => {
                    return Err(not_found(
                        "--group",
                        "group id or display name",
                        g,
                        suggestions,
                    ))
                }
                Lookup::Ambiguous { candidates } => {
                    return Err(UsageError::Invalid {
                        flag: "--group",
                        message: format!(
                            "{g:?} is the display name of several groups ({}); give the object id",
                            candidates.join(", ")
                        ),
                    })
                }
            },
        };
        let since = q
            .since
            .as_deref()
            .map(|s| parse_bound("--since", s, false))
            .transpose()?;
        let until = q
            .until
            .as_deref()
            .map(|s| parse_bound("--until", s, true))
            .transpose()?;
        if let (Some(s), Some(u)) = (since, until) {
            if s > u {
                return Err(UsageError::Invalid {
                    flag: "--since",
                    message: format!(
                        "{} is after --until {}; swap them",
                        crate::report::table::ts(&s),
                        crate::report::table::ts(&u)
                    ),
                });
            }
        }
        Ok(Filters {
            user,
            group,
            since,
            until,
        })
    }

    /// The filters as the document reports them.
    pub fn applied(&self, dir: &Directory) -> AppliedFilters {
        AppliedFilters {
            user: self.user.as_ref().map(|k| FilterUser {
                user: dir.user_ref(k),
                former_upns: dir.former_upns(k),
            }),
            group: self.group.as_ref().map(|g| dir.group_ref(g)),
            since: self.since,
            until: self.until,
        }
    }

    fn in_time(&self, t: DateTime<Utc>) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }

    /// Whether `[from, to]` (open-ended when `to` is `None`) overlaps the time window.
    fn overlaps(&self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
        let starts_ok = match (from, self.until) {
            (Some(f), Some(u)) => f <= u,
            _ => true,
        };
        let ends_ok = match (to, self.since) {
            (Some(t), Some(s)) => t >= s,
            _ => true,
        };
        starts_ok && ends_ok
    }

    /// Narrows the entries.
    pub fn entries(&self, entries: Vec<Entry>) -> Vec<Entry> {
        let related: BTreeSet<ObjectId> = match &self.user {
            Some(u) => entries
                .iter()
                .filter(|e| e.users.contains(u))
                .flat_map(|e| e.groups.iter().cloned())
                .collect(),
            None => BTreeSet::new(),
        };
        entries
            .into_iter()
            .filter(|e| self.in_time(e.time))
            .filter(|e| self.group.as_ref().is_none_or(|g| e.groups.contains(g)))
            .filter(|e| match &self.user {
                None => true,
                Some(u) => {
                    e.users.contains(u)
                        || (e.users.is_empty() && e.groups.iter().any(|g| related.contains(g)))
                }
            })
            .collect()
    }

    /// Narrows the failure episodes (for the time-to-resolve summary).
    pub fn episodes<'a>(&self, eps: &'a [Episode]) -> Vec<&'a Episode> {
        eps.iter()
            .filter(|e| match &self.user {
                None => true,
                Some(u) => e.subject == EpisodeSubject::User(u.clone()),
            })
            .filter(|e| match &self.group {
                None => true,
                Some(g) => {
                    e.group.as_ref() == Some(g) || e.subject == EpisodeSubject::Group(g.clone())
                }
            })
            .filter(|e| self.overlaps(Some(e.first), e.resolved))
            .collect()
    }

    /// Narrows the slow processing runs: the group's when a group is named, the groups of the
    /// user's entries (`entries`, already narrowed) when a user is, the runs the period overlaps.
    pub fn slow(&self, runs: Vec<SlowProcessing>, entries: &[Entry]) -> Vec<SlowProcessing> {
        let related: BTreeSet<&ObjectId> = entries.iter().flat_map(|e| e.groups.iter()).collect();
        runs.into_iter()
            .filter(|r| self.group.is_none() || r.group_id == self.group)
            .filter(|r| {
                self.user.is_none() || r.group_id.as_ref().is_some_and(|g| related.contains(g))
            })
            .filter(|r| self.overlaps(Some(r.started), r.finished))
            .collect()
    }

    /// Narrows what is still open.
    pub fn open(&self, items: Vec<OpenItem>) -> Vec<OpenItem> {
        items
            .into_iter()
            .filter(|i| self.user.is_none() || i.user_key == self.user)
            .filter(|i| self.group.is_none() || i.group_id == self.group)
            .filter(|i| self.overlaps(i.since, None))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_day_bounds() {
        let s = parse_bound("--since", "2026-10-06", false).expect("date");
        let u = parse_bound("--until", "2026-10-06", true).expect("date");
        assert_eq!(crate::report::table::ts(&s), "2026-10-06T00:00:00Z");
        assert_eq!(crate::report::table::ts(&u), "2026-10-06T23:59:59Z");
        assert!(u.timestamp_subsec_nanos() > 999_000_000);
        // --as-of with a date is the same instant (it stopped at 23:59:59.000, leaving out the
        // day's last second that --until kept)
        assert_eq!(crate::commands::parse_as_of("2026-10-06").expect("date"), u);
        let t = parse_bound("--since", "2026-10-06T08:00:00Z", false).expect("rfc3339");
        assert_eq!(crate::report::table::ts(&t), "2026-10-06T08:00:00Z");
    }

    #[test]
    fn bad_time_names_the_flag() {
        let e = parse_bound("--until", "yesterday", true).expect_err("not a time");
        assert!(e
            .to_string()
            .starts_with("--until: \"yesterday\" is not a time"));
    }
}
