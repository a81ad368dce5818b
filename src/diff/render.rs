//! Printing the diff: each change becomes plain words (who, what, how), then each format writes them
//! its own way: aligned text with control characters stripped, Markdown with escaping, or one
//! self-contained HTML file with escaping. JSON comes from serde.

use super::model::{
    AddressChange, ChangedError, ClearedError, Count, DiffDoc, ErrorEntry, GroupLicenseChange,
    GroupRename, PlanChange, ProductChange, SeatChange, StatusChange, UserRename,
};
use crate::model::finding::{PlanRef, ProductRef, UserRef};
use crate::report::escape;
use crate::report::table::clean;
use crate::report::Document;
use std::io::{self, Write};

/// A titled section of rows of cells (plain words; each format escapes them).
struct Section {
    title: &'static str,
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn count(c: &Count) -> String {
    let f = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
    if c.old == c.new {
        return f(c.new);
    }
    format!("{} -> {} ({:+})", f(c.old), f(c.new), c.delta)
}

fn products(v: &[ProductRef]) -> String {
    v.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ")
}

fn plans(v: &[PlanRef]) -> String {
    v.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ")
}

fn error_row(e: &ErrorEntry) -> Vec<String> {
    vec![
        e.user.label(),
        e.product.label(),
        e.via.label(),
        e.cause.code().to_string(),
        e.state.clone(),
    ]
}

fn cleared_row(c: &ClearedError) -> Vec<String> {
    vec![
        c.was.user.label(),
        c.was.product.label(),
        c.was.via.label(),
        c.was.cause.code().to_string(),
        c.now.label(),
    ]
}

fn changed_row(c: &ChangedError) -> Vec<String> {
    vec![
        c.user.label(),
        c.product.label(),
        c.via.label(),
        if c.cause_changed() {
            format!("{} -> {}", c.old_cause.code(), c.new_cause.code())
        } else {
            c.new_cause.code().to_string()
        },
        if c.old_state == c.new_state {
            c.new_state.clone()
        } else {
            format!("{} -> {}", c.old_state, c.new_state)
        },
        c.meaning(),
    ]
}

/// `Enabled -> Suspended` when it changed, else the status the product has (`-`: none).
fn status(s: &StatusChange) -> String {
    let f = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    if s.changed {
        format!("{} -> {}", f(&s.old), f(&s.new))
    } else {
        f(if s.new.is_some() { &s.new } else { &s.old })
    }
}

fn seat_row(s: &SeatChange) -> Vec<String> {
    vec![
        s.product.label(),
        s.presence.as_str().to_string(),
        status(&s.capability_status),
        count(&s.enabled),
        count(&s.warning),
        count(&s.suspended),
        count(&s.locked_out),
        count(&s.consumed),
    ]
}

fn group_row(g: &GroupLicenseChange) -> Vec<String> {
    let mut what: Vec<String> = Vec::new();
    if !g.products_added.is_empty() {
        what.push(format!("added {}", products(&g.products_added)));
    }
    if !g.products_removed.is_empty() {
        what.push(format!("removed {}", products(&g.products_removed)));
    }
    for d in &g.disabled_plans {
        let mut p: Vec<String> = Vec::new();
        if !d.now_disabled.is_empty() {
            p.push(format!("now disables {}", plans(&d.now_disabled)));
        }
        if !d.now_enabled.is_empty() {
            p.push(format!("no longer disables {}", plans(&d.now_enabled)));
        }
        what.push(format!("{}: {}", d.product.label(), p.join(", ")));
    }
    if let Some((a, b)) = &g.processing_state {
        let f = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        what.push(format!("processing state {} -> {}", f(a), f(b)));
    }
    vec![
        g.group.label(),
        g.presence.as_str().to_string(),
        what.join("; "),
    ]
}

/// `3 users: a, b and c`; at most `cap` names, then `and N more` (the JSON lists them all).
fn users_cell(count: usize, users: &[UserRef], cap: usize) -> String {
    let n = plural(count, "user", "users");
    if users.is_empty() {
        return n;
    }
    let shown: Vec<String> = users.iter().take(cap.max(1)).map(|u| u.label()).collect();
    let more = users.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{n}: {}{tail}", shown.join(", "))
}

/// A row of products lost or gained; users removed / added are counted and named in their own
/// section.
fn product_change_row<R>(
    c: &ProductChange<R>,
    reason: &str,
    elsewhere: &str,
    cap: usize,
) -> Vec<String> {
    let users = if c.users.is_empty() {
        format!("{} ({elsewhere})", plural(c.count, "user", "users"))
    } else {
        users_cell(c.count, &c.users, cap)
    };
    vec![c.product.label(), c.via.label(), reason.to_string(), users]
}

fn plan_change_row(c: &PlanChange, cap: usize) -> Vec<String> {
    vec![
        c.product.label(),
        c.plan.label(),
        users_cell(c.count, &c.users, cap),
    ]
}

const ERR_HEADERS: &[&str] = &["user", "product", "assigned", "cause", "state"];

/// The widest a column of the table format is padded to (characters): above any real name (a UPN
/// has at most 113, a display name 256), far below the formatter's limit (65,535).
const MAX_COLUMN: usize = 256;

/// Users named per row of products lost or gained and plans turned off or on, per format (as
/// `analyze` caps a finding's users); the JSON lists them all.
const USERS_TABLE: usize = 10;
const USERS_MD: usize = 20;
const USERS_HTML: usize = 30;

const CHANGE_HEADERS: &[&str] = &["product", "assigned", "reason", "users"];
const PLAN_HEADERS: &[&str] = &["product", "plan", "users"];

/// The sections in order; `cap`: users named per row of products and plans changed.
fn sections(d: &DiffDoc, cap: usize) -> Vec<Section> {
    vec![
        Section {
            title: "New errors",
            headers: ERR_HEADERS,
            rows: d.new_errors.iter().map(error_row).collect(),
        },
        Section {
            title: "Errors changed (cause or state)",
            headers: &["user", "product", "assigned", "cause", "state", "meaning"],
            rows: d.changed_errors.iter().map(changed_row).collect(),
        },
        Section {
            title: "Cleared errors",
            headers: &["user", "product", "assigned", "cause", "now"],
            rows: d.cleared_errors.iter().map(cleared_row).collect(),
        },
        Section {
            title: "Products lost",
            headers: CHANGE_HEADERS,
            rows: d
                .products_lost
                .iter()
                .map(|c| product_change_row(c, c.reason.label(), "in users removed", cap))
                .collect(),
        },
        Section {
            title: "Service plans turned off",
            headers: PLAN_HEADERS,
            rows: d
                .plans_turned_off
                .iter()
                .map(|c| plan_change_row(c, cap))
                .collect(),
        },
        Section {
            title: "Products gained",
            headers: CHANGE_HEADERS,
            rows: d
                .products_gained
                .iter()
                .map(|c| product_change_row(c, c.reason.label(), "in users added", cap))
                .collect(),
        },
        Section {
            title: "Service plans turned on",
            headers: PLAN_HEADERS,
            rows: d
                .plans_turned_on
                .iter()
                .map(|c| plan_change_row(c, cap))
                .collect(),
        },
        Section {
            title: "Seats and subscription status per product",
            headers: &[
                "product",
                "",
                "status",
                "enabled",
                "warning",
                "suspended",
                "locked out",
                "consumed",
            ],
            rows: d.seats.iter().map(seat_row).collect(),
        },
        Section {
            title: "Group licenses",
            headers: &["group", "", "change"],
            rows: d.group_licenses.iter().map(group_row).collect(),
        },
        Section {
            title: "Users added",
            headers: &["user"],
            rows: d.users_added.iter().map(|u| vec![u.label()]).collect(),
        },
        Section {
            title: "Users removed",
            headers: &["user"],
            rows: d.users_removed.iter().map(|u| vec![u.label()]).collect(),
        },
        Section {
            title: "Users renamed",
            headers: &["user", "change"],
            rows: d
                .users_renamed
                .iter()
                .map(|r| vec![r.user.label(), user_rename(r)])
                .collect(),
        },
        Section {
            title: "Groups renamed",
            headers: &["group", "change"],
            rows: d
                .groups_renamed
                .iter()
                .map(|r| vec![r.group.label(), group_rename(r)])
                .collect(),
        },
        Section {
            title: "Licenses converted from group to direct",
            headers: &["user", "product", "was from"],
            rows: d
                .converted_to_direct
                .iter()
                .map(|c| {
                    let from: Vec<String> = c.from.iter().map(|g| g.label()).collect();
                    vec![c.user.label(), c.product.label(), from.join(", ")]
                })
                .collect(),
        },
        Section {
            title: "Mail and proxy addresses changed",
            headers: &["user", "change"],
            rows: d
                .addresses_changed
                .iter()
                .map(|a| vec![a.user.label(), address_change(a)])
                .collect(),
        },
    ]
}

/// `UPN a -> b; display name A -> B`.
fn user_rename(r: &UserRename) -> String {
    let mut parts = Vec::new();
    if let Some((o, n)) = &r.upn {
        parts.push(format!("UPN {o} -> {n}"));
    }
    if let Some((o, n)) = &r.display_name {
        parts.push(format!("display name {o} -> {n}"));
    }
    parts.join("; ")
}

/// `display name A -> B`.
fn group_rename(r: &GroupRename) -> String {
    let (o, n) = &r.display_name;
    format!("display name {o} -> {n}")
}

/// `mail a -> b; proxy added X, Y; proxy removed Z`.
fn address_change(a: &AddressChange) -> String {
    let mut parts = Vec::new();
    if let Some((o, n)) = &a.mail {
        parts.push(format!(
            "mail {} -> {}",
            o.as_deref().unwrap_or("(none)"),
            n.as_deref().unwrap_or("(none)")
        ));
    }
    if !a.proxy_added.is_empty() {
        parts.push(format!("proxy added {}", a.proxy_added.join(", ")));
    }
    if !a.proxy_removed.is_empty() {
        parts.push(format!("proxy removed {}", a.proxy_removed.join(", ")));
    }
    parts.join("; ")
}

fn sides(d: &DiffDoc) -> [String; 2] {
    let f = |s: &super::model::Side| {
        format!(
            "{} ({}, {}, {}, {})",
            s.path,
            plural(s.users, "user", "users"),
            plural(s.groups, "group", "groups"),
            plural(s.skus, "SKU", "SKUs"),
            plural(s.errors, "error", "errors")
        )
    };
    [f(&d.old), f(&d.new)]
}

fn summary(d: &DiffDoc) -> String {
    let s = &d.summary;
    format!(
        "errors: {} new, {} cleared, {} changed; seats or status changed on {}{}; licenses changed on {}; users: {} added, {} removed{}{}{}{}{}",
        s.new_errors,
        s.cleared_errors,
        s.changed_errors,
        plural(s.seat_changes, "product", "products"),
        match s.status_changes {
            0 => String::new(),
            n => format!(" (subscription status on {n})"),
        },
        plural(s.group_license_changes, "group", "groups"),
        s.users_added,
        s.users_removed,
        match (s.users_renamed, s.groups_renamed) {
            (0, 0) => String::new(),
            (u, g) => format!(
                "; renamed: {}, {}",
                plural(u, "user", "users"),
                plural(g, "group", "groups")
            ),
        },
        match s.converted_to_direct {
            0 => String::new(),
            n => format!("; {} converted from group to direct", plural(n, "license", "licenses")),
        },
        match s.addresses_changed {
            0 => String::new(),
            n => format!("; addresses changed for {}", plural(n, "user", "users")),
        },
        match (s.products_lost, s.products_gained) {
            (0, 0) => String::new(),
            (l, g) => format!("; products held by users: {l} lost, {g} gained"),
        },
        match (s.plans_turned_off, s.plans_turned_on) {
            (0, 0) => String::new(),
            (f, n) => format!("; service plans: {f} turned off, {n} turned on"),
        },
    )
}

fn table(d: &DiffDoc, w: &mut dyn Write) -> io::Result<()> {
    let [old, new] = sides(d);
    writeln!(w, "licdiag diff")?;
    writeln!(w, "  OLD {}", clean(&old))?;
    writeln!(w, "  NEW {}", clean(&new))?;
    writeln!(w, "{}", summary(d))?;
    for n in &d.warnings {
        writeln!(w, "warning: {}", clean(n))?;
    }
    for n in &d.not_compared {
        writeln!(w, "not compared: {}", clean(n))?;
    }
    for n in &d.notes {
        writeln!(w, "note: {}", clean(n))?;
    }
    for s in sections(d, USERS_TABLE) {
        if s.rows.is_empty() {
            continue;
        }
        writeln!(w)?;
        writeln!(w, "{}:", s.title.to_lowercase())?;
        let rows: Vec<Vec<String>> = s
            .rows
            .iter()
            .map(|r| r.iter().map(|c| clean(c)).collect())
            .collect();
        let widths: Vec<usize> = (0..s.headers.len())
            .map(|i| {
                rows.iter()
                    .filter_map(|r| r.get(i))
                    .chain(s.headers.get(i).map(|h| h.to_string()).as_ref())
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0)
                    // a longer cell (an export's text, of any length) runs past its column
                    .min(MAX_COLUMN)
            })
            .collect();
        let line = |cells: Vec<String>| -> String {
            let last = cells.len().saturating_sub(1);
            let mut out = String::from(" ");
            for (i, c) in cells.iter().enumerate() {
                out.push(' ');
                if i == last {
                    out.push_str(c);
                } else {
                    let wd = widths.get(i).copied().unwrap_or(0);
                    out.push_str(&format!("{c:<wd$} "));
                }
            }
            out.trim_end().to_string()
        };
        writeln!(
            w,
            "{}",
            line(s.headers.iter().map(|h| h.to_uppercase()).collect())
        )?;
        for r in rows {
            writeln!(w, "{}", line(r))?;
        }
    }
    Ok(())
}

fn markdown(d: &DiffDoc, w: &mut dyn Write) -> io::Result<()> {
    let m = escape::markdown;
    let [old, new] = sides(d);
    writeln!(w, "# licdiag diff")?;
    writeln!(w)?;
    writeln!(w, "- OLD: {}", m(&old))?;
    writeln!(w, "- NEW: {}", m(&new))?;
    writeln!(w)?;
    writeln!(w, "{}.", m(&summary(d)))?;
    for n in &d.warnings {
        writeln!(w)?;
        writeln!(w, "> **Warning.** {}", m(n))?;
    }
    if !d.not_compared.is_empty() {
        writeln!(w)?;
        for n in &d.not_compared {
            writeln!(w, "- not compared: {}", m(n))?;
        }
    }
    if !d.notes.is_empty() {
        writeln!(w)?;
        for n in &d.notes {
            writeln!(w, "- note: {}", m(n))?;
        }
    }
    for s in sections(d, USERS_MD) {
        if s.rows.is_empty() {
            continue;
        }
        writeln!(w)?;
        writeln!(w, "## {}", s.title)?;
        writeln!(w)?;
        writeln!(w, "| {} |", s.headers.join(" | "))?;
        writeln!(w, "|{}", "---|".repeat(s.headers.len()))?;
        for r in &s.rows {
            let cells: Vec<String> = r.iter().map(|c| m(c)).collect();
            writeln!(w, "| {} |", cells.join(" | "))?;
        }
    }
    Ok(())
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;\
text-align:left;vertical-align:top}th{background:#f3f3f3}";

fn html(d: &DiffDoc, w: &mut dyn Write) -> io::Result<()> {
    let h = escape::html;
    let [old, new] = sides(d);
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    // nothing loads from anywhere and no script runs; only the inline style applies
    writeln!(
        w,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
    )?;
    writeln!(
        w,
        "<title>licdiag diff</title><style>{CSS}</style></head><body>"
    )?;
    writeln!(w, "<h1>licdiag diff</h1>")?;
    writeln!(
        w,
        "<ul><li>OLD: {}</li><li>NEW: {}</li></ul>",
        h(&old),
        h(&new)
    )?;
    writeln!(w, "<p>{}.</p>", h(&summary(d)))?;
    for n in &d.warnings {
        writeln!(w, "<p><strong>Warning.</strong> {}</p>", h(n))?;
    }
    if !d.not_compared.is_empty() {
        writeln!(w, "<ul>")?;
        for n in &d.not_compared {
            writeln!(w, "<li>not compared: {}</li>", h(n))?;
        }
        writeln!(w, "</ul>")?;
    }
    if !d.notes.is_empty() {
        writeln!(w, "<ul>")?;
        for n in &d.notes {
            writeln!(w, "<li>note: {}</li>", h(n))?;
        }
        writeln!(w, "</ul>")?;
    }
    for s in sections(d, USERS_HTML) {
        if s.rows.is_empty() {
            continue;
        }
        writeln!(w, "<h2>{}</h2>", h(s.title))?;
        let head: String = s
            .headers
            .iter()
            .map(|x| format!("<th>{}</th>", h(x)))
            .collect();
        writeln!(w, "<table><thead><tr>{head}</tr></thead><tbody>")?;
        for r in &s.rows {
            let cells: String = r.iter().map(|c| format!("<td>{}</td>", h(c))).collect();
            writeln!(w, "<tr>{cells}</tr>")?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    writeln!(w, "</body></html>")
}

impl Document for DiffDoc {
    fn name(&self) -> &'static str {
        "diff"
    }
    fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        table(self, w)
    }
    fn markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        markdown(self, w)
    }
    fn html(&self, w: &mut dyn Write) -> io::Result<()> {
        html(self, w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit::{ok, user, E3};
    use crate::model::snapshot::Snapshot;

    fn render(d: &DiffDoc, f: fn(&DiffDoc, &mut dyn Write) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(d, &mut out).expect("written");
        String::from_utf8(out).expect("utf-8")
    }

    /// 25 users lost a product: the table names 10, the Markdown 20, the HTML 30 (as `analyze`
    /// caps a finding's users); the JSON lists them all.
    #[test]
    fn users_named_per_row_are_capped_per_format() {
        let names: Vec<String> = (0..25).map(|i| format!("u{i:02}")).collect();
        let held = |n: &str| {
            let mut u = user(n);
            u.license_states = vec![ok(E3, None, "2026-10-01T08:00:00Z")].into();
            u
        };
        let old = Snapshot {
            users: names.iter().map(|n| held(n)).collect(),
            ..Default::default()
        };
        let new = Snapshot {
            users: names.iter().map(|n| user(n)).collect(),
            ..Default::default()
        };
        let kb = crate::knowledge::Knowledge::builtin();
        let d = super::super::compare::compare(&old, &new, "old", "new", &kb);
        assert_eq!(d.products_lost.len(), 1);
        assert_eq!(d.products_lost[0].users.len(), 25);
        let t = render(&d, table);
        assert!(t.contains("25 users: u00@fabrikam.example, "), "{t}");
        assert!(t.contains("u09@fabrikam.example and 15 more"), "{t}");
        assert!(!t.contains("u10@"), "{t}");
        let m = render(&d, markdown);
        assert!(m.contains("u19@fabrikam.example and 5 more |"), "{m}");
        let h = render(&d, html);
        assert!(h.contains("u24@fabrikam.example</td>"), "{h}");
        assert!(!h.contains("more</td>"), "{h}");
        assert_eq!(users_cell(3, &[], 10), "3 users");
    }
}
