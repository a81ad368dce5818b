//! Rendering a plan document as a terminal table, Markdown or one self-contained HTML page (JSON comes
//! from serde through `report::render`). The common parts (group, verdict, blockers, warnings, steps)
//! are laid out here; each planner's details arrive as format-neutral [`Section`]s. Export strings
//! are untrusted: control characters are stripped for the terminal, Markdown and HTML are escaped.

use super::doc::{Blocker, Details, PlanDoc, Section, Warning};
use crate::model::finding::UserRef;
use crate::report::escape::{self, width};
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

/// Aligned columns (by display width: a wide character takes two columns); the last column is
/// not padded.
fn text_table(w: &mut dyn Write, columns: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let n = columns.len();
    let mut widths: Vec<usize> = columns.iter().map(|c| width(c)).collect();
    let cleaned: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    for r in &cleaned {
        for (i, c) in r.iter().enumerate() {
            if let Some(wi) = widths.get_mut(i) {
                *wi = (*wi).max(width(c));
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            if i + 1 < n {
                let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(width(c));
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
    for s in sections(doc) {
        section_table(&s, w)?;
    }
    writeln!(w)?;
    writeln!(w, "STEPS")?;
    for (i, s) in doc.steps.iter().enumerate() {
        writeln!(w, "  {}. {}", i + 1, clean(s))?;
    }
    Ok(())
}

/// The planner's sections, then the notes of the inputs (records skipped, a file cut short,
/// entries of a folder passed over, ...) when there are any, as every report says them (README,
/// "Nothing lost, nothing silent"; review 88, item 3).
fn sections<D: Serialize + Details>(doc: &PlanDoc<D>) -> Vec<Section> {
    let mut v = doc.details.sections();
    if !doc.input_notes.is_empty() {
        v.push(Section {
            title: "Input notes".into(),
            columns: Vec::new(),
            rows: Vec::new(),
            notes: doc.input_notes.clone(),
        });
    }
    v
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

/// Export strings (names, UPNs, membership rules, part numbers) that hold a backtick: in the
/// planners' prose a backtick opens or closes a code span of licdiag's own templates (a command),
/// so a name's backtick must be told from them ([`pieces`]). Taken from every string the document
/// serializes but its prose (steps, blocker and warning details), longest first. A prose string
/// caught too is only shown without its code formatting.
fn literal_names<D: Serialize>(doc: &PlanDoc<D>) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::String(s) if s.contains('`') => {
                out.insert(s.clone());
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut set = BTreeSet::new();
    let users = doc
        .blockers
        .iter()
        .map(|b| &b.user)
        .chain(doc.warnings.iter().map(|w| &w.user));
    for label in users.flatten().map(UserRef::label) {
        if label.contains('`') {
            set.insert(label);
        }
    }
    for v in [
        serde_json::to_value(&doc.group),
        serde_json::to_value(&doc.details),
        serde_json::to_value(doc.blockers.iter().map(|b| &b.user).collect::<Vec<_>>()),
        serde_json::to_value(doc.warnings.iter().map(|w| &w.user).collect::<Vec<_>>()),
    ]
    .iter()
    .flatten()
    {
        walk(v, &mut set);
    }
    let prose: BTreeSet<&str> = doc
        .steps
        .iter()
        .chain(doc.blockers.iter().map(|b| &b.detail))
        .chain(doc.warnings.iter().map(|w| &w.detail))
        .map(String::as_str)
        .collect();
    let mut names: Vec<String> = set
        .into_iter()
        .filter(|s| !prose.contains(s.as_str()))
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names
}

/// A piece of prose: text, or the inside of a code span of licdiag's templates.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Code(String),
}

/// Splits prose on backticks: the templates' code spans (commands) and the text between them.
/// A backtick of one of `names` ([`literal_names`]) is part of the name, never a delimiter. A
/// trailing unbalanced backtick is text.
fn pieces(s: &str, names: &[String]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut code = false;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if let Some(n) = names.iter().find(|n| rest.starts_with(n.as_str())) {
            cur.push_str(n);
            i += n.len();
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        if c == '`' {
            let done = std::mem::take(&mut cur);
            out.push(if code {
                Piece::Code(done)
            } else {
                Piece::Text(done)
            });
            code = !code;
        } else {
            cur.push(c);
        }
        i += c.len_utf8();
    }
    if code {
        // an unbalanced backtick: it and what follows are text
        cur.insert(0, '`');
    }
    out.push(Piece::Text(cur));
    out
}

/// Markdown for text that may carry code spans: text outside them is escaped (a name's backtick
/// too); code spans are literal in Markdown, so inside them only control characters and (in table
/// cells) pipes need care, and the span's fence is longer than any backtick run a name put in it.
fn md_text(s: &str, in_table: bool, names: &[String]) -> String {
    let mut out = String::with_capacity(s.len());
    for p in pieces(s, names) {
        match p {
            Piece::Code(c) if c.is_empty() => out.push_str("\\`\\`"),
            Piece::Code(c) => {
                let c = clean(&c);
                let c = if in_table { c.replace('|', "\\|") } else { c };
                let mut run = 0;
                let mut longest = 0;
                for ch in c.chars() {
                    run = if ch == '`' { run + 1 } else { 0 };
                    longest = longest.max(run);
                }
                let fence = "`".repeat(longest + 1);
                let pad = if longest > 0 { " " } else { "" };
                out.push_str(&fence);
                out.push_str(pad);
                out.push_str(&c);
                out.push_str(pad);
                out.push_str(&fence);
            }
            Piece::Text(t) => out.push_str(&escape::markdown(&t)),
        }
    }
    out
}

fn md_table(
    w: &mut dyn Write,
    columns: &[&str],
    rows: &[Vec<String>],
    names: &[String],
) -> io::Result<()> {
    let head: Vec<String> = columns.iter().map(|c| escape::markdown(c)).collect();
    writeln!(w, "| {} |", head.join(" | "))?;
    writeln!(w, "|{}", "---|".repeat(columns.len()))?;
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| md_text(c, true, names)).collect();
        writeln!(w, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

fn markdown<D: Serialize + Details>(doc: &PlanDoc<D>, w: &mut dyn Write) -> io::Result<()> {
    let names = &literal_names(doc);
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
    md_table(w, &["", ""], &rows, names)?;
    writeln!(w)?;
    writeln!(w, "**{}**", escape::markdown(&verdict(doc)))?;
    if !doc.blockers.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Blockers")?;
        writeln!(w)?;
        md_table(
            w,
            &["who", "kind", "detail"],
            &blocker_rows(&doc.blockers),
            names,
        )?;
    }
    if !doc.warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Warnings")?;
        writeln!(w)?;
        md_table(
            w,
            &["who", "kind", "detail"],
            &warning_rows(&doc.warnings),
            names,
        )?;
    }
    for s in sections(doc) {
        writeln!(w)?;
        writeln!(w, "## {}", escape::markdown(&s.title))?;
        writeln!(w)?;
        if !s.rows.is_empty() {
            md_table(w, &s.columns, &s.rows, names)?;
            writeln!(w)?;
        }
        for n in &s.notes {
            writeln!(w, "{}", md_text(n, false, names))?;
            writeln!(w)?;
        }
    }
    writeln!(w)?;
    writeln!(w, "## Steps")?;
    writeln!(w)?;
    for (i, s) in doc.steps.iter().enumerate() {
        writeln!(w, "{}. {}", i + 1, md_text(s, false, names))?;
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------- html

/// The Content-Security-Policy of a plan page: nothing loads from anywhere (`default-src
/// 'none'`), and only its own `<style>` applies, by hash; it has no script.
fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        crate::report::html::csp_hash(STYLE)
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.3em .6em;\
text-align:left;vertical-align:top}th{background:#f3f3f3}.blocked{color:#a00}.safe{color:#070}\
li{margin:.3em 0}";

/// HTML for text that may carry code spans: everything escaped, the templates' code spans in
/// `<code>` (a name's backtick is text: [`pieces`]).
fn html_text(s: &str, names: &[String]) -> String {
    let mut out = String::with_capacity(s.len());
    for p in pieces(s, names) {
        match p {
            Piece::Code(c) => {
                out.push_str("<code>");
                out.push_str(&escape::html(&c));
                out.push_str("</code>");
            }
            Piece::Text(t) => out.push_str(&escape::html(&t)),
        }
    }
    out
}

fn html_table(
    w: &mut dyn Write,
    columns: &[&str],
    rows: &[Vec<String>],
    names: &[String],
) -> io::Result<()> {
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
            write!(w, "<td>{}</td>", html_text(c, names))?;
        }
        writeln!(w, "</tr>")?;
    }
    writeln!(w, "</table>")
}

fn html<D: Serialize + Details>(doc: &PlanDoc<D>, w: &mut dyn Write) -> io::Result<()> {
    let names = &literal_names(doc);
    let title = format!("licdiag plan {}: {}", doc.plan.as_str(), doc.plan.title());
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    // as the other reports: nothing loads from anywhere, only this page's own style applies
    writeln!(
        w,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        escape::html(&content_security_policy())
    )?;
    writeln!(w, "<link rel=\"icon\" href=\"data:,\">")?;
    writeln!(w, "<title>{}</title>", escape::html(&title))?;
    writeln!(w, "<style>{STYLE}</style></head><body>")?;
    writeln!(w, "<h1>{}</h1>", escape::html(&title))?;
    let rows: Vec<Vec<String>> = facts(doc)
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect();
    html_table(w, &["", ""], &rows, names)?;
    writeln!(
        w,
        "<p class=\"{}\"><strong>{}</strong></p>",
        if doc.safe { "safe" } else { "blocked" },
        escape::html(&verdict(doc))
    )?;
    if !doc.blockers.is_empty() {
        writeln!(w, "<h2>Blockers</h2>")?;
        html_table(
            w,
            &["who", "kind", "detail"],
            &blocker_rows(&doc.blockers),
            names,
        )?;
    }
    if !doc.warnings.is_empty() {
        writeln!(w, "<h2>Warnings</h2>")?;
        html_table(
            w,
            &["who", "kind", "detail"],
            &warning_rows(&doc.warnings),
            names,
        )?;
    }
    for s in sections(doc) {
        writeln!(w, "<h2>{}</h2>", escape::html(&s.title))?;
        if !s.rows.is_empty() {
            html_table(w, &s.columns, &s.rows, names)?;
        }
        for n in &s.notes {
            writeln!(w, "<p>{}</p>", html_text(n, names))?;
        }
    }
    writeln!(w, "<h2>Steps</h2>")?;
    writeln!(w, "<ol>")?;
    for s in &doc.steps {
        writeln!(w, "<li>{}</li>", html_text(s, names))?;
    }
    writeln!(w, "</ol>")?;
    writeln!(w, "</body></html>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_and_the_rest_is_escaped() {
        let none: &[String] = &[];
        assert_eq!(
            md_text("run `a|b <x>` then <b>", true, none),
            "run `a\\|b <x>` then &lt;b&gt;"
        );
        assert_eq!(md_text("one ` tick", false, none), "one \\` tick");
        assert_eq!(md_text("empty `` span", false, none), "empty \\`\\` span");
        assert_eq!(
            html_text("x `<y>` <z> ` w", none),
            "x <code>&lt;y&gt;</code> &lt;z&gt; ` w"
        );
    }

    #[test]
    fn a_names_backticks_are_text_not_code_spans() {
        let names = vec!["LIC-`<img src=x>`-**b**".to_string()];
        let s = "add it to LIC-`<img src=x>`-**b**: `Set-MgGroupLicense -GroupId 1`.";
        assert_eq!(
            md_text(s, false, &names),
            "add it to LIC-\\`&lt;img src=x&gt;\\`-\\*\\*b\\*\\*: `Set-MgGroupLicense -GroupId 1`."
        );
        assert_eq!(
            html_text(s, &names),
            "add it to LIC-`&lt;img src=x&gt;`-**b**: <code>Set-MgGroupLicense -GroupId 1</code>."
        );
        // a name inside a code span: the fence outlasts its backticks
        let s = "run `licdiag plan change --group LIC-`<img src=x>`-**b**`.";
        assert_eq!(
            md_text(s, false, &names),
            "run `` licdiag plan change --group LIC-`<img src=x>`-**b** ``."
        );
    }

    #[test]
    fn a_wide_name_keeps_the_columns_aligned() {
        let rows = vec![
            vec![
                "礼萨.卡里米@x.example".to_string(),
                "proxy_conflict".into(),
                "d".into(),
            ],
            vec!["ana@x.example".to_string(), "seats".into(), "d".into()],
        ];
        let mut out = Vec::new();
        text_table(&mut out, &["user", "kind", "detail"], &rows).expect("write");
        let out = String::from_utf8(out).expect("utf-8");
        // the third column starts at the same display column on every line
        let starts: Vec<usize> = out
            .lines()
            .map(|l| width(&l[..l.rfind(' ').expect("columns") + 1]))
            .collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{starts:?}\n{out}");
    }
}
