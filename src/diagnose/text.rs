//! Small wording helpers shared by the explanations: times, plurals, name lists.

use chrono::{DateTime, Utc};

/// `2026-10-06 08:01:52 UTC`.
pub(crate) fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `1 user`, `3 users`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `a, b and c`; at most `max` names, then `and N more`.
pub(crate) fn list(items: &[String], max: usize) -> String {
    joined(items, max, "and")
}

/// Alternatives: `a, b or c`; at most `max`, then `or N more`.
pub(crate) fn list_or(items: &[String], max: usize) -> String {
    joined(items, max, "or")
}

fn joined(items: &[String], max: usize, word: &str) -> String {
    let max = max.max(1);
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n if n <= max => {
            let (last, head) = items
                .split_last()
                .map(|(l, h)| (l.clone(), h))
                .unwrap_or_default();
            format!("{} {word} {}", head.join(", "), last)
        }
        n => format!("{} {word} {} more", items[..max].join(", "), n - max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        let v: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        assert_eq!(list(&v[..1], 3), "a");
        assert_eq!(list(&v[..3], 3), "a, b and c");
        assert_eq!(list(&v, 2), "a, b and 2 more");
        assert_eq!(list(&[], 2), "");
        assert_eq!(list_or(&v[..3], 3), "a, b or c");
        assert_eq!(list_or(&v, 2), "a, b or 2 more");
        assert_eq!(plural(1, "user", "users"), "1 user");
    }
}
