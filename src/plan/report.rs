//! Rendering a plan document as a terminal table, Markdown or one self-contained HTML page (JSON comes
//! from serde through `report::render`). The common parts (group, verdict, blockers, warnings, steps)
//! are laid out here; each planner's details arrive as format-neutral [`Section`]s. Export strings
//! are untrusted: control characters are stripped for the terminal, Markdown and HTML are escaped.

use super::doc::{Blocker, Details, PlanDoc, Section, Warning};
use crate::model::finding::UserRef;
use crate::report::escape;
use crate::report::table::{clean, ts};
use crate::report::Document;
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::{self, Write};

impl<D: Serialize + Details> Document for PlanDoc<D> {
    fn name(&self) -> &'static str {
        "plan report"
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

fn who(u: &Option<UserRef>) -> String {
    u.as_ref()
        .map(|u| u.label())
        .unwrap_or_else(|| "(group)".into())
}

/// `BLOCKED: 3 blockers (2 users, 1 for the group)` / `SAFE: no blockers`.
fn verdict<D: Serialize>(doc: &PlanDoc<D>) -> String {
    if doc.safe {
        let w = doc.warnings.len();
        return if w == 0 {
            "SAFE: no blockers".into()
        } else {
            format!(
                "SAFE: no blockers ({})",
                super::doc::count(w, "warning", "warnings")
            )
        };
    }
    let users: BTreeSet<&UserRef> = doc
        .blockers
        .iter()
        .filter_map(|b| b.user.as_ref())
        .collect();
    let group = doc.blockers.iter().filter(|b| b.user.is_none()).count();
    let mut parts = Vec::new();
    if !users.is_empty() {
        parts.push(super::doc::count(users.len(), "user", "users"));
    }
    if group > 0 {
        parts.push(format!("{group} for the group"));
    }
    format!(
        "BLOCKED: {} ({})",
        super::doc::count(doc.blockers.len(), "blocker", "blockers"),
        parts.join(", ")
    )
}

/// The facts shown above the verdict, as (label, value) pairs.
fn facts<D: Serialize>(doc: &PlanDoc<D>) -> Vec<(&'static str, String)> {
    let g = &doc.group;
    let mut kind = Vec::new();
    if g.synced {
        kind.push("synced from on-premises AD".to_string());
    }
    if g.dynamic {
        match &g.membership_rule {
            Some(r) => kind.push(format!("dynamic ({r})")),
            None => kind.push("dynamic".into()),
        }
    }
    if kind.is_empty() {
        kind.push("assigned membership, cloud".into());
    }
    let licenses: Vec<String> = g
        .licenses
        .iter()
        .map(|l| {
            if l.disabled_plans.is_empty() {
                l.product.label()
            } else {
                let d: Vec<String> = l.disabled_plans.iter().map(|p| p.label()).collect();
                format!("{} (disabled: {})", l.product.label(), d.join(", "))
            }
        })
        .collect();
    let mut out = vec![
        ("group", format!("{} ({})", g.label(), g.id)),
        ("kind", kind.join(", ")),
        (
            "members",
            format!("{} {}", g.members, g.membership_source.describe()),
        ),
        (
            "licenses",
            if licenses.is_empty() {
                "none".into()
            } else {
                licenses.join(", ")
            },
        ),
    ];
    if let Some(p) = &g.processing_state {
        out.push(("processing", p.clone()));
    }
    out.push((
        "as of",
        format!(
            "{} (conflict table: {})",
            ts(&doc.as_of),
            doc.conflict_table.as_str()
        ),
    ));
    out
}

fn blocker_rows(b: &[Blocker]) -> Vec<Vec<String>> {
    b.iter()
        .map(|b| vec![who(&b.user), b.kind.as_str().into(), b.detail.clone()])
        .collect()
}

fn warning_rows(w: &[Warning]) -> Vec<Vec<String>> {
    w.iter()
        .map(|x| vec![who(&x.user), x.kind.as_str().into(), x.detail.clone()])
        .collect()
}

// ---------------------------------------------------------------------------------------- table

/// Aligned columns; the last column is not padded.
fn text_table(w: &mut dyn Write, columns: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let n = columns.len();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    let cleaned: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    for r in &cleaned {
        for (i, c) in r.iter().enumerate() {
            if let Some(wi) = widths.get_mut(i) {
                *wi = (*wi).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            if i + 1 < n {
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(c.chars().count());
                s.push_str(c);
                s.push_str(&" ".repeat(pad + 2));
            } else {
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    writeln!(w, "{}", line(columns.to_vec()))?;
    for r in &cleaned {
        writeln!(w, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

fn table<D: Serialize + Details>(doc: &PlanDoc<D>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "licdiag plan {}: {}",
        doc.plan.as_str(),
        doc.plan.title()
    )?;
    for (k, v) in facts(doc) {
        writeln!(w, "  {k:<10}  {}", clean(&v))?;
    }
    writeln!(w)?;
    writeln!(w, "{}", verdict(doc))?;
    if !doc.blockers.is_empty() {
        writeln!(w)?;
        writeln!(w, "BLOCKERS")?;
        text_table(w, &["who", "kind", "detail"], &blocker_rows(&doc.blockers))?;
    }
    if !doc.warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "WARNINGS")?;
        text_table(w, &["who", "kind", "detail"], &warning_rows(&doc.warnings))?;
    }
    for s in doc.details.sections() {
        section_table(&s, w)?;
    }
    writeln!(w)?;
    writeln!(w, "STEPS")?;
    for (i, s) in doc.steps.iter().enumerate() {
        writeln!(w, "  {}. {}", i + 1, clean(s))?;
    }
    Ok(())
}

fn section_table(s: &Section, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "{}", clean(&s.title).to_uppercase())?;
    if !s.rows.is_empty() {
        text_table(w, &s.columns, &s.rows)?;
    }
    for n in &s.notes {
        writeln!(w, "  {}", clean(n))?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------- markdown

/// Splits text on backticks: odd pieces are the `code` spans licdiag's own templates write (commands).
/// A trailing unbalanced piece is not code.
fn pieces(s: &str) -> Vec<(bool, &str)> {
    let parts: Vec<&str> = s.split('`').collect();
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (i % 2 == 1 && (n % 2 == 1 || i + 1 < n), p))
        .collect()
}

/// Markdown for text that may carry code spans: text outside them is escaped; code spans are literal in
/// Markdown, so only line breaks and (in table cells) pipes need care inside them.
fn md_text(s: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, (code, p)) in pieces(s).into_iter().enumerate() {
        if code && !p.is_empty() {
            let c: String = p
                .chars()
                .map(|c| {
                    if crate::report::escape::is_hidden(c) {
                        ' '
                    } else {
                        c
                    }
                })
                .collect();
            out.push('`');
            out.push_str(&if in_table { c.replace('|', "\\|") } else { c });
            out.push('`');
        } else {
            if i % 2 == 1 && !code {
                // an unbalanced backtick
                out.push_str("\\`");
            } else if code {
                out.push_str("\\`\\`");
            }
            out.push_str(&escape::markdown(p));
        }
    }
    out
}

fn md_table(w: &mut dyn Write, columns: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let head: Vec<String> = columns.iter().map(|c| escape::markdown(c)).collect();
    writeln!(w, "| {} |", head.join(" | "))?;
    writeln!(w, "|{}", "---|".repeat(columns.len()))?;
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| md_text(c, true)).collect();
        writeln!(w, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

fn markdown<D: Serialize + Details>(doc: &PlanDoc<D>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "# licdiag plan {}: {}",
        doc.plan.as_str(),
        escape::markdown(doc.plan.title())
    )?;
    writeln!(w)?;
    let rows: Vec<Vec<String>> = facts(doc)
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect();
    md_table(w, &["", ""], &rows)?;
    writeln!(w)?;
    writeln!(w, "**{}**", escape::markdown(&verdict(doc)))?;
    if !doc.blockers.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Blockers")?;
        writeln!(w)?;
        md_table(w, &["who", "kind", "detail"], &blocker_rows(&doc.blockers))?;
    }
    if !doc.warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Warnings")?;
        writeln!(w)?;
        md_table(w, &["who", "kind", "detail"], &warning_rows(&doc.warnings))?;
    }
    for s in doc.details.sections() {
        writeln!(w)?;
        writeln!(w, "## {}", escape::markdown(&s.title))?;
        writeln!(w)?;
        if !s.rows.is_empty() {
            md_table(w, &s.columns, &s.rows)?;
            writeln!(w)?;
        }
        for n in &s.notes {
            writeln!(w, "{}", md_text(n, false))?;
            writeln!(w)?;
        }
    }
    writeln!(w)?;
    writeln!(w, "## Steps")?;
    writeln!(w)?;
    for (i, s) in doc.steps.iter().enumerate() {
        writeln!(w, "{}. {}", i + 1, md_text(s, false))?;
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------- html

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.3em .6em;\
text-align:left;vertical-align:top}th{background:#f3f3f3}.blocked{color:#a00}.safe{color:#070}\
li{margin:.3em 0}";

/// HTML for text that may carry code spans: everything escaped, code spans in `<code>`.
fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, (code, p)) in pieces(s).into_iter().enumerate() {
        if code {
            out.push_str("<code>");
            out.push_str(&escape::html(p));
            out.push_str("</code>");
        } else {
            if i % 2 == 1 {
                // an unbalanced backtick
                out.push('`');
            }
            out.push_str(&escape::html(p));
        }
    }
    out
}

fn html_table(w: &mut dyn Write, columns: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    writeln!(w, "<table>")?;
    if columns.iter().any(|c| !c.is_empty()) {
        write!(w, "<tr>")?;
        for c in columns {
            write!(w, "<th>{}</th>", escape::html(c))?;
        }
        writeln!(w, "</tr>")?;
    }
    for r in rows {
        write!(w, "<tr>")?;
        for c in r {
            write!(w, "<td>{}</td>", html_text(c))?;
        }
        writeln!(w, "</tr>")?;
    }
    writeln!(w, "</table>")
}

fn html<D: Serialize + Details>(doc: &PlanDoc<D>, w: &mut dyn Write) -> io::Result<()> {
    let title = format!("licdiag plan {}: {}", doc.plan.as_str(), doc.plan.title());
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    writeln!(w, "<title>{}</title>", escape::html(&title))?;
    writeln!(w, "<style>{STYLE}</style></head><body>")?;
    writeln!(w, "<h1>{}</h1>", escape::html(&title))?;
    let rows: Vec<Vec<String>> = facts(doc)
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect();
    html_table(w, &["", ""], &rows)?;
    writeln!(
        w,
        "<p class=\"{}\"><strong>{}</strong></p>",
        if doc.safe { "safe" } else { "blocked" },
        escape::html(&verdict(doc))
    )?;
    if !doc.blockers.is_empty() {
        writeln!(w, "<h2>Blockers</h2>")?;
        html_table(w, &["who", "kind", "detail"], &blocker_rows(&doc.blockers))?;
    }
    if !doc.warnings.is_empty() {
        writeln!(w, "<h2>Warnings</h2>")?;
        html_table(w, &["who", "kind", "detail"], &warning_rows(&doc.warnings))?;
    }
    for s in doc.details.sections() {
        writeln!(w, "<h2>{}</h2>", escape::html(&s.title))?;
        if !s.rows.is_empty() {
            html_table(w, &s.columns, &s.rows)?;
        }
        for n in &s.notes {
            writeln!(w, "<p>{}</p>", html_text(n))?;
        }
    }
    writeln!(w, "<h2>Steps</h2>")?;
    writeln!(w, "<ol>")?;
    for s in &doc.steps {
        writeln!(w, "<li>{}</li>", html_text(s))?;
    }
    writeln!(w, "</ol>")?;
    writeln!(w, "</body></html>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_and_the_rest_is_escaped() {
        assert_eq!(
            md_text("run `a|b <x>` then <b>", true),
            "run `a\\|b <x>` then &lt;b&gt;"
        );
        assert_eq!(md_text("one ` tick", false), "one \\` tick");
        assert_eq!(md_text("empty `` span", false), "empty \\`\\` span");
        assert_eq!(
            html_text("x `<y>` <z> ` w"),
            "x <code>&lt;y&gt;</code> &lt;z&gt; ` w"
        );
    }
}
