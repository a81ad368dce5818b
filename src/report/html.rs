//! HTML output of `analyze`, `inspect` and `explain`: one self-contained file to share or attach to a
//! postmortem. No external URL is loaded (no script, font, stylesheet or image): CSS and a small
//! script (table sorting and filtering, opening details before printing) are inline, and a
//! Content-Security-Policy allows exactly those two by hash, so nothing else can load or run even if
//! an export string slipped through. Charts are inline SVG (`svg`). Every string from the document is
//! escaped with [`escape::html`], in text and attributes alike; the script never parses markup (no
//! `innerHTML`): it only moves and hides existing rows.

use super::analysis::AnalysisDoc;
use super::escape::html as h;
use super::inspect::InspectDoc;
use super::svg;
use super::table::ts;
use super::view::{self, TOOL};
use crate::model::finding::{Finding, SkuCapacity, Status};
use crate::recommend::playbook::{FollowUpKind, PlaybookEntry};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Commands shown open (more are folded, and opened for printing).
const OPEN_COMMANDS: usize = 8;
/// At most this many generated commands per finding (all are in `--format json`).
const COMMANDS_PER_FINDING: usize = 200;
/// At most this many users named in a finding's section (all are in the users table).
const USERS_PER_FINDING: usize = 30;

const CSS: &str = r#"
:root{--fg:#1b1b1b;--muted:#5a5a5a;--line:#d8dbe0;--head:#f2f4f7;--accent:#0b5cad;--err:#b3261e;--warn:#8a5a00;--ok:#00795a}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#fff}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:20px;border-bottom:1px solid var(--line)}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:30px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:0 0 6px}
h4{font-size:14px;margin:12px 0 4px}
a{color:var(--accent)}
.meta,.muted{color:var(--muted)}
nav ul{list-style:none;padding:0;margin:8px 0 14px;display:flex;flex-wrap:wrap;gap:4px 16px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(175px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.card .v{font-size:26px;font-weight:650}
.card .l{font-weight:600}
.card .n{color:var(--muted);font-size:12px}
.caveat{border-left:4px solid var(--warn);background:#fff6dc;padding:8px 12px;margin:16px 0}
table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--head);white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
th button{all:unset;cursor:pointer;font-weight:600}
th button::after{content:" \2195";color:var(--muted)}
th[aria-sort=ascending] button::after{content:" \2191"}
th[aria-sort=descending] button::after{content:" \2193"}
.finding{border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:6px;padding:12px 16px;margin:12px 0}
.finding.error{border-left-color:var(--err)}
.finding.warning{border-left-color:#e69f00}
.finding.info{border-left-color:#0072b2}
.badge{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;font-weight:600;border:1px solid currentColor}
.badge.error,.m-failed,.flag{color:var(--err)}
.badge.warning{color:var(--warn)}
.badge.info,.m-started{color:#0072b2}
.m-resolved{color:var(--ok)}
.m-processed{color:var(--muted)}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:4px;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.t{white-space:nowrap}
.chart{display:block;max-width:100%;height:auto;font-family:inherit;margin:8px 0}
.filter{margin:6px 0}
.filter input{padding:4px 8px;min-width:300px;font:inherit}
.scroll{overflow-x:auto}
footer{color:var(--muted);padding-top:16px;padding-bottom:24px;font-size:12px}
@page{margin:14mm}
@media print{
body{font-size:11px}
nav,.filter{display:none}
th button::after{content:""}
header,main,footer{max-width:none;padding-left:0;padding-right:0}
h2,h3{break-after:avoid}
.finding,.card,tr,.chart{break-inside:avoid}
a{color:inherit;text-decoration:none}
.scroll{overflow:visible}
thead{display:table-header-group}
.caveat{background:none}
}
"#;

const SCRIPT: &str = r#"
(function () {
  'use strict';
  function each(list, f) { Array.prototype.forEach.call(list, f); }
  function value(row, i) {
    var c = row.cells[i];
    if (!c) { return ''; }
    var v = c.getAttribute('data-sort');
    return v !== null ? v : c.textContent.trim();
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== '' && b !== '' && !isNaN(x) && !isNaN(y)) { return x - y; }
    return a.localeCompare(b);
  }
  each(document.querySelectorAll('table.sortable'), function (table) {
    var body = table.tBodies[0];
    if (!table.tHead || !body) { return; }
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, i) {
      var b = document.createElement('button');
      b.type = 'button';
      while (th.firstChild) { b.appendChild(th.firstChild); }
      th.appendChild(b);
      b.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        each(heads, function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (p, q) {
          var r = compare(value(p, i), value(q, i));
          return asc ? r : -r;
        });
        each(rows, function (r) { body.appendChild(r); });
      });
    });
  });
  each(document.querySelectorAll('input[data-filter]'), function (input) {
    var table = document.getElementById(input.getAttribute('data-filter'));
    var count = document.getElementById(input.getAttribute('data-count'));
    if (!table || !table.tBodies[0]) { return; }
    var rows = table.tBodies[0].rows;
    function apply() {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      each(rows, function (r) {
        var hit = q === '' || r.textContent.toLowerCase().indexOf(q) !== -1;
        r.hidden = !hit;
        if (hit) { shown += 1; }
      });
      if (count) { count.textContent = shown + ' of ' + rows.length + ' rows'; }
    }
    input.addEventListener('input', apply);
    input.parentNode.parentNode.hidden = false;
    apply();
  });
  window.addEventListener('beforeprint', function () {
    each(document.querySelectorAll('details'), function (d) { d.open = true; });
  });
}());
"#;

/// Standard base64 (for the CSP hashes).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut o = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sym = |i: u32| char::from(A[((n >> i) & 63) as usize]);
        o.push(sym(18));
        o.push(sym(12));
        o.push(if chunk.len() > 1 { sym(6) } else { '=' });
        o.push(if chunk.len() > 2 { sym(0) } else { '=' });
    }
    o
}

/// A CSP source for an inline `<style>` or `<script>` by its SHA-256.
pub(crate) fn csp_hash(s: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(s.as_bytes())))
}

/// The Content-Security-Policy: nothing loads from anywhere; only this page's own style and script
/// (by hash) apply.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(CSS),
        csp_hash(SCRIPT)
    )
}

/// A whole page around `body` (already escaped markup).
fn page(title: &str, nav: &[(&str, &str)], header_extra: &str, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + CSS.len() + SCRIPT.len() + 2048);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{}\">\n<title>{}</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n{header_extra}",
        h(&content_security_policy()),
        h(TOOL),
        h(title),
        h(title)
    );
    if !nav.is_empty() {
        s.push_str("<nav><ul>");
        for (id, label) in nav {
            let _ = write!(s, "<li><a href=\"#{}\">{}</a></li>", h(id), h(label));
        }
        s.push_str("</ul></nav>\n");
    }
    s.push_str("</header>\n<main>\n");
    s.push_str(body);
    let _ = write!(
        s,
        "</main>\n<footer>Generated by {} offline from exported data; it contacted no tenant and loads nothing from the network.</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        h(TOOL)
    );
    s
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn finding_links(ns: &[usize]) -> String {
    ns.iter()
        .map(|n| format!("<a href=\"#finding-{n}\">#{n}</a>"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A link for a plain https address, else the escaped text.
fn link(url: &str) -> String {
    let plain = url.starts_with("https://")
        && !url
            .chars()
            .any(|c| c.is_whitespace() || super::escape::is_hidden(c) || "<>\"'`\\".contains(c));
    if plain {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            h(url),
            h(url)
        )
    } else {
        h(url)
    }
}

/// The filter box above a table (hidden until the script shows it).
fn filter(table_id: &str, what: &str) -> String {
    format!(
        "<div class=\"filter\" hidden><label>Filter {} <input type=\"search\" data-filter=\"{}\" data-count=\"{}-count\" placeholder=\"any text: a name, a cause, pending\"></label> <span class=\"muted\" id=\"{}-count\"></span></div>\n",
        h(what),
        h(table_id),
        h(table_id),
        h(table_id)
    )
}

fn th(label: &str, num: bool) -> String {
    if num {
        format!("<th class=\"num\">{}</th>", h(label))
    } else {
        format!("<th>{}</th>", h(label))
    }
}

fn head(cols: &[(&str, bool)]) -> String {
    let mut s = String::from("<thead><tr>");
    for (l, n) in cols {
        s.push_str(&th(l, *n));
    }
    s.push_str("</tr></thead>");
    s
}

fn num<T: std::fmt::Display>(v: T) -> String {
    format!("<td class=\"num\">{v}</td>")
}

fn td(text: &str) -> String {
    format!("<td>{}</td>", h(text))
}

fn opt_ts(t: Option<&chrono::DateTime<chrono::Utc>>) -> String {
    t.map(ts).unwrap_or_default()
}

/// The `analyze` report.
pub fn analysis(doc: &AnalysisDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
    let d = doc.diagnosis;
    let ranked = view::causes(&d.findings);
    let retention = view::retention(doc.inputs, &d.findings, d.as_of);
    let mut b = String::new();

    // headline
    b.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    for f in view::headline(doc) {
        let _ = write!(
            b,
            "<div class=\"card\"><div class=\"v\">{}</div><div class=\"l\">{}</div><div class=\"n\">{}</div></div>",
            h(&f.value),
            h(f.label),
            h(&f.note)
        );
    }
    b.push_str("</div>");
    if let Some(c) = retention.caveat() {
        let _ = write!(
            b,
            "<p class=\"caveat\" id=\"retention\"><strong>Audit retention.</strong> {}</p>",
            h(&c)
        );
    }
    date_caveats(&mut b, doc.inputs);
    b.push_str("</section>\n");

    // causes
    b.push_str("<section id=\"causes\"><h2>Causes ranked by affected users</h2>");
    if ranked.is_empty() {
        b.push_str("<p>No group-based licensing errors found.</p>");
    } else {
        b.push_str("<div class=\"scroll\"><table class=\"sortable\" id=\"causes-table\">");
        b.push_str(&head(&[
            ("rank", true),
            ("cause", false),
            ("what it means", false),
            ("severity", false),
            ("users affected", true),
            ("users named", true),
            ("findings", false),
        ]));
        b.push_str("<tbody>");
        for (i, c) in ranked.iter().enumerate() {
            let _ = write!(
                b,
                "<tr>{}<td><code>{}</code></td>{}<td><span class=\"badge {sev}\">{sev}</span></td>{}{}<td>{}</td></tr>",
                num(i + 1),
                h(&c.code),
                td(&c.meaning()),
                num(c.users_affected),
                num(c.users_named),
                finding_links(&c.findings),
                sev = c.severity.as_str()
            );
        }
        b.push_str("</tbody></table></div>");
    }
    b.push_str("</section>\n");

    if !d.findings.is_empty() {
        b.push_str("<section id=\"findings\"><h2>Findings</h2>");
        for (i, f) in d.findings.iter().enumerate() {
            finding(&mut b, i + 1, f);
        }
        b.push_str("</section>\n");
    }

    capacity(&mut b, &d.capacity);

    // errors over time
    let eot = view::errors_over_time(&d.findings, &ranked);
    b.push_str("<section id=\"errors-over-time\"><h2>Errors over time</h2>");
    if eot.days.is_empty() {
        b.push_str("<p>No affected user has an error time in the data.</p>");
    } else {
        b.push_str("<p class=\"muted\">Errors by the UTC day they happened (the error time, else the finding's first audit sighting): one per affected user of each finding, so a user with errors of two causes (such as an Other beside its blocking error) counts under each; the table's users column counts each user once a day.</p>");
        b.push_str(&svg::errors_over_time(&eot));
        if eot.undated > 0 {
            let _ = write!(
                b,
                "<p>{} no time in the data.</p>",
                plural(eot.undated, "error has", "errors have")
            );
        }
        b.push_str("<details><summary>The numbers</summary><table>");
        let mut cols: Vec<(&str, bool)> =
            vec![("day (UTC)", false), ("errors", true), ("users", true)];
        cols.extend(eot.causes.iter().map(|c| (c.as_str(), true)));
        b.push_str(&head(&cols));
        b.push_str("<tbody>");
        for day in &eot.days {
            let _ = write!(
                b,
                "<tr>{}{}",
                td(&day.day.format("%Y-%m-%d").to_string()),
                num(day.total)
            );
            b.push_str(&num(day.users));
            for n in &day.by_cause {
                b.push_str(&num(n));
            }
            b.push_str("</tr>");
        }
        b.push_str("</tbody></table></details>");
    }
    b.push_str("</section>\n");

    // timeline
    let tl = view::timeline(&d.findings);
    b.push_str("<section id=\"timeline\"><h2>Timeline</h2>");
    if tl.entries.is_empty() {
        b.push_str("<p>The audit log does not tell the story of any finding.</p>");
    } else {
        b.push_str("<div class=\"scroll\"><table id=\"timeline-table\">");
        b.push_str(&head(&[
            ("time (UTC)", false),
            ("", false),
            ("what", false),
            ("findings", false),
        ]));
        b.push_str("<tbody>");
        for t in &tl.entries {
            let _ = write!(
                b,
                "<tr><td class=\"t\">{}</td><td class=\"m-{m}\">{m}</td>{}<td>{}</td></tr>",
                ts(&t.when),
                td(&t.text),
                finding_links(&t.findings),
                m = t.moment.label()
            );
        }
        b.push_str("</tbody></table></div>");
        if tl.left_out > 0 {
            let _ = write!(
                b,
                "<p>... {} more entries; <code>licdiag timeline</code> tells the whole story.</p>",
                tl.left_out
            );
        }
    }
    b.push_str("</section>\n");

    users(&mut b, &d.findings);
    groups(&mut b, &d.findings);
    inputs(&mut b, doc, &retention);

    let header = format!(
        "<p class=\"meta\">As of <strong>{}</strong> · {} · catalog: {} · conflict table: {}</p>\n",
        h(&ts(&d.as_of)),
        h(TOOL),
        h(&d.catalog),
        h(&d.conflict_table)
    );
    let nav = [
        ("summary", "Summary"),
        ("causes", "Causes"),
        ("findings", "Findings"),
        ("capacity", "Capacity"),
        ("errors-over-time", "Errors over time"),
        ("timeline", "Timeline"),
        ("users", "Affected users"),
        ("groups", "Groups"),
        ("inputs", "Inputs"),
    ];
    let html = page("licdiag analyze report", &nav, &header, &b);
    w.write_all(html.as_bytes())
}

fn finding(b: &mut String, n: usize, f: &Finding) {
    let sev = f.severity.as_str();
    let scope = view::scope(f);
    let _ = write!(
        b,
        "<article class=\"finding {sev}\" id=\"finding-{n}\"><h3>{n}. <code>{}</code> {}{}</h3>",
        h(f.cause.code()),
        h(f.cause.title()),
        if scope.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"muted\">{}</span>", h(&scope))
        }
    );
    let _ = write!(
        b,
        "<p><span class=\"badge {sev}\">{sev}</span> {} · {} ({} pending) · evidence: {} ({})</p>",
        view::status_label(f.status),
        plural(f.users.len(), "user", "users"),
        f.pending_users(),
        f.evidence.source.as_str(),
        plural(f.evidence.references_total, "input record", "input records")
    );
    let _ = write!(b, "<p>{}</p>", h(&f.explanation));
    if !f.users.is_empty() {
        let names: Vec<String> = f
            .users
            .iter()
            .take(USERS_PER_FINDING)
            .map(|u| {
                let mut l = h(&u.user.label());
                if u.status != Status::Pending {
                    l.push_str(&format!(" ({})", view::status_label(u.status)));
                }
                l
            })
            .collect();
        let more = f.users.len().saturating_sub(USERS_PER_FINDING);
        let _ = write!(
            b,
            "<p><strong>Users:</strong> {}{}</p>",
            names.join(", "),
            if more > 0 {
                format!(" and {more} more (see <a href=\"#users\">Affected users</a>)")
            } else {
                String::new()
            }
        );
    }
    if !f.not_assigned_products.is_empty() {
        let p: Vec<String> = f
            .not_assigned_products
            .iter()
            .map(|p| h(&p.label()))
            .collect();
        let _ = write!(
            b,
            "<p><strong>Also not assigned</strong> (same group, all-or-nothing): {}</p>",
            p.join(", ")
        );
    }
    let r = &f.recommendation;
    let _ = write!(b, "<h4>Fix</h4><p>{}</p>", h(&r.summary));
    if !r.steps.is_empty() {
        b.push_str("<ol>");
        for s in &r.steps {
            let _ = write!(b, "<li>{}</li>", h(s));
        }
        b.push_str("</ol>");
    }
    if !r.commands.is_empty() {
        let shown: Vec<String> = r
            .commands
            .iter()
            .take(COMMANDS_PER_FINDING)
            .map(|c| h(c))
            .collect();
        let _ = write!(
            b,
            "<details{}><summary>{} to review (licdiag never runs them)</summary><pre><code>{}</code></pre>",
            if r.commands.len() <= OPEN_COMMANDS {
                " open"
            } else {
                ""
            },
            plural(r.commands.len(), "command", "commands"),
            shown.join("\n")
        );
        if r.commands.len() > COMMANDS_PER_FINDING {
            let _ = write!(
                b,
                "<p>... {} more in <code>--format json</code>.</p>",
                r.commands.len() - COMMANDS_PER_FINDING
            );
        }
        b.push_str("</details>");
    }
    let a = &f.audit;
    let mut audit = Vec::new();
    if let Some(first) = &a.first_seen {
        let mut t = format!("first seen {}", ts(first));
        if let Some(last) = &a.last_seen {
            t.push_str(&format!(", last seen {}", ts(last)));
        }
        audit.push(t);
    }
    if a.failed_events > 0 {
        audit.push(plural(a.failed_events, "failed event", "failed events"));
    }
    if let Some(sb) = &a.started_by {
        audit.push(format!(
            "started by {} ({}) at {}",
            h(&sb.who),
            h(&sb.activity),
            ts(&sb.when)
        ));
    }
    if let Some(p) = &a.processing_summary {
        audit.push(format!(
            "processing finished {}: {} succeeded, {} failed",
            ts(&p.when),
            p.succeeded,
            p.failed
        ));
    }
    if let Some(res) = &a.resolved {
        audit.push(format!("resolved {}: {}", ts(&res.when), h(&res.how)));
    }
    if !audit.is_empty() {
        let _ = write!(
            b,
            "<p class=\"muted\"><strong>Audit log:</strong> {}.</p>",
            audit.join("; ")
        );
    }
    if !a.messages.is_empty() {
        b.push_str("<details><summary>Error texts read</summary><ul>");
        for m in &a.messages {
            let _ = write!(b, "<li><code>{}</code></li>", h(m));
        }
        b.push_str("</ul></details>");
    }
    if !r.doc_url.is_empty() {
        let _ = write!(b, "<p>Documentation: {}</p>", link(&r.doc_url));
    }
    b.push_str("</article>\n");
}

fn capacity(b: &mut String, caps: &[std::sync::Arc<SkuCapacity>]) {
    b.push_str("<section id=\"capacity\"><h2>Capacity per SKU</h2>");
    if caps.is_empty() {
        b.push_str("<p>No subscribedSkus export among the inputs: seat numbers are unknown.</p></section>\n");
        return;
    }
    b.push_str(
        "<p class=\"muted\">Each product is drawn to its own scale; the numbers are exact.</p>",
    );
    b.push_str(&svg::capacity(caps));
    b.push_str("<div class=\"scroll\"><table class=\"sortable\" id=\"capacity-table\">");
    b.push_str(&head(&[
        ("SKU", false),
        ("product", false),
        ("enabled", true),
        ("warning", true),
        ("suspended", true),
        ("consumed", true),
        ("available", true),
        ("blocked", true),
        ("reclaimable", true),
        ("note", false),
    ]));
    b.push_str("<tbody>");
    for c in caps {
        let flag = if c.over_assigned {
            "over-assigned"
        } else if c.no_seats {
            "no seats left"
        } else {
            ""
        };
        let _ = write!(
            b,
            "<tr><td><code>{}</code></td>{}{}{}{}{}{}{}{}<td class=\"flag\">{flag}</td></tr>",
            h(&c.sku.clone().unwrap_or_else(|| c.sku_id.to_string())),
            td(c.display_name.as_deref().unwrap_or("")),
            num(c.enabled),
            num(c.warning),
            num(c.suspended),
            num(c.consumed),
            num(c.available),
            num(c.blocked_users),
            num(c.reclaimable.len())
        );
    }
    b.push_str("</tbody></table></div>");
    let reclaim: Vec<&SkuCapacity> = caps
        .iter()
        .map(|c| &**c)
        .filter(|c| !c.reclaimable.is_empty())
        .collect();
    if !reclaim.is_empty() {
        b.push_str("<h4>Reclaimable seats</h4><ul>");
        for c in reclaim {
            let name = c.sku.clone().unwrap_or_else(|| c.sku_id.to_string());
            for r in &c.reclaimable {
                let via: Vec<String> = r.held_via.iter().map(|x| h(&x.describe())).collect();
                let why = match r.reason {
                    crate::model::finding::ReclaimReason::DisabledAccount => "disabled account",
                    crate::model::finding::ReclaimReason::DirectOnly => "direct assignment only",
                };
                let _ = write!(
                    b,
                    "<li><code>{}</code>: {} ({why}; via {})</li>",
                    h(&name),
                    h(&r.user.label()),
                    via.join(", ")
                );
            }
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>\n");
}

fn users(b: &mut String, findings: &[Finding]) {
    let rows = view::user_rows(findings);
    b.push_str("<section id=\"users\"><h2>Affected users</h2>");
    if rows.is_empty() {
        b.push_str("<p>None.</p></section>\n");
        return;
    }
    b.push_str(&filter("users-table", "users"));
    b.push_str("<div class=\"scroll\"><table class=\"sortable\" id=\"users-table\">");
    b.push_str(&head(&[
        ("finding", true),
        ("user", false),
        ("display name", false),
        ("object id", false),
        ("cause", false),
        ("SKU", false),
        ("group", false),
        ("status", false),
        ("first error", false),
        ("last error", false),
        ("resolved", false),
    ]));
    b.push_str("<tbody>");
    for r in rows {
        let resolved = r
            .resolved
            .map(|x| format!("{}: {}", ts(&x.when), x.how))
            .unwrap_or_default();
        let _ = write!(
            b,
            "<tr><td class=\"num\" data-sort=\"{n}\"><a href=\"#finding-{n}\">#{n}</a></td>{}{}<td><code>{}</code></td>{}{}{}{}<td class=\"t\">{}</td><td class=\"t\">{}</td>{}</tr>",
            td(&r.user.label_str()),
            td(r.user.display_name.as_deref().unwrap_or("")),
            h(&r.user.id.as_ref().map(|i| i.to_string()).unwrap_or_default()),
            td(r.cause),
            td(&r.sku),
            td(&r.group),
            td(view::status_label(r.status)),
            h(&opt_ts(r.first_error_at.as_ref())),
            h(&opt_ts(r.error_at.as_ref())),
            td(&resolved),
            n = r.finding
        );
    }
    b.push_str("</tbody></table></div></section>\n");
}

fn groups(b: &mut String, findings: &[Finding]) {
    let rows = view::group_rows(findings);
    b.push_str("<section id=\"groups\"><h2>Groups</h2>");
    if rows.is_empty() {
        b.push_str("<p>No finding names a group.</p></section>\n");
        return;
    }
    b.push_str(&filter("groups-table", "groups"));
    b.push_str("<div class=\"scroll\"><table class=\"sortable\" id=\"groups-table\">");
    b.push_str(&head(&[
        ("group", false),
        ("object id", false),
        ("users affected", true),
        ("users named", true),
        ("causes", false),
        ("SKUs", false),
        ("findings", false),
        ("last processing", false),
    ]));
    b.push_str("<tbody>");
    for g in rows {
        let causes: Vec<&str> = g.causes.iter().map(String::as_str).collect();
        let skus: Vec<&str> = g.skus.iter().map(String::as_str).collect();
        let processing = g
            .processing
            .as_ref()
            .map(|p| {
                format!(
                    "{}: {} succeeded, {} failed",
                    ts(&p.when),
                    p.succeeded,
                    p.failed
                )
            })
            .unwrap_or_default();
        let _ = write!(
            b,
            "<tr>{}<td><code>{}</code></td>{}{}{}{}<td>{}</td>{}</tr>",
            td(&g.name),
            h(&g.id),
            num(g.users_affected),
            num(g.users_named),
            td(&causes.join(", ")),
            td(&skus.join(", ")),
            finding_links(&g.findings),
            td(&processing)
        );
    }
    b.push_str("</tbody></table></div></section>\n");
}

fn input_rows(b: &mut String, inputs: &[crate::ingest::InputReport], with_bytes: bool) {
    let mut cols = vec![("file", false), ("format", false)];
    if with_bytes {
        cols.extend([("encoding", false), ("bytes", true)]);
    }
    cols.extend([
        ("SHA-256", false),
        ("records", true),
        ("events", true),
        ("snapshot objects", true),
        ("skipped", true),
        ("time window (UTC)", false),
    ]);
    b.push_str("<div class=\"scroll\"><table class=\"sortable\" id=\"inputs-table\">");
    b.push_str(&head(&cols));
    b.push_str("<tbody>");
    for i in inputs {
        let window = match (&i.first, &i.last) {
            (Some(a), Some(z)) => format!("{} .. {}", ts(a), ts(z)),
            _ => String::new(),
        };
        let _ = write!(b, "<tr>{}{}", td(&i.path), td(&i.format));
        if with_bytes {
            let mut enc = i.encoding.clone();
            if i.gzip {
                enc.push_str(", gzip");
            }
            let _ = write!(b, "{}{}", td(&enc), num(i.bytes));
        }
        let _ = write!(
            b,
            "<td><code>{}</code></td>{}{}{}{}{}</tr>",
            h(i.sha256.as_deref().unwrap_or("not computed")),
            num(i.records),
            num(i.events),
            num(i.snapshot_records),
            num(i.skipped_total()),
            td(&window)
        );
    }
    b.push_str("</tbody></table></div>");
}

fn inputs(b: &mut String, doc: &AnalysisDoc<'_>, retention: &view::Retention) {
    let d = doc.diagnosis;
    b.push_str("<section id=\"inputs\"><h2>Inputs</h2>");
    input_rows(b, doc.inputs, false);
    match retention.window {
        Some(w) => {
            let _ = write!(
                b,
                "<p>Audit window: {} .. {} (UTC). Audit logs are kept 7 days on free tenants and 30 days with Entra ID P1/P2{}.</p>",
                ts(&w.first),
                ts(&w.last),
                if retention.caveat().is_some() {
                    ": see the <a href=\"#retention\">retention note</a>"
                } else {
                    ""
                }
            );
        }
        None => {
            b.push_str("<p>No audit log among the inputs: findings rest on the snapshot only.</p>");
        }
    }
    let _ = writeln!(
        b,
        "<p>Generated by {} for --as-of {}; catalog: {}; conflict table: {}.</p></section>",
        h(TOOL),
        ts(&d.as_of),
        h(&d.catalog),
        h(&d.conflict_table)
    );
}

/// The `inspect` report.
pub fn inspect(doc: &InspectDoc<'_>, w: &mut dyn Write) -> io::Result<()> {
    let t = &doc.totals;
    let mut b = String::new();
    b.push_str("<section id=\"inputs\"><h2>Inputs</h2>");
    input_rows(&mut b, doc.inputs, true);
    date_caveats(&mut b, doc.inputs);
    b.push_str("</section>\n");
    let skipped: Vec<(&str, &str, u64)> = doc
        .inputs
        .iter()
        .flat_map(|i| {
            i.skipped
                .iter()
                .map(move |(r, n)| (i.path.as_str(), r.as_str(), *n))
        })
        .collect();
    if !skipped.is_empty() {
        b.push_str("<section id=\"skipped\"><h2>Skipped records</h2>");
        b.push_str(&filter("skipped-table", "skipped records"));
        b.push_str("<table class=\"sortable\" id=\"skipped-table\">");
        b.push_str(&head(&[
            ("file", false),
            ("reason", false),
            ("records", true),
        ]));
        b.push_str("<tbody>");
        for (p, r, n) in skipped {
            let _ = write!(b, "<tr>{}{}{}</tr>", td(p), td(r), num(n));
        }
        b.push_str("</tbody></table></section>\n");
    }
    let issues: Vec<_> = doc
        .inputs
        .iter()
        .flat_map(|i| i.issues.iter().map(move |x| (i.path.as_str(), x)))
        .collect();
    if !issues.is_empty() {
        b.push_str("<section id=\"malformed\"><h2>Malformed records</h2>");
        b.push_str("<div class=\"scroll\"><table class=\"sortable\" id=\"malformed-table\">");
        b.push_str(&head(&[
            ("file", false),
            ("record", true),
            ("line", true),
            ("reason", false),
            ("detail", false),
        ]));
        b.push_str("<tbody>");
        for (p, x) in issues {
            let _ = write!(
                b,
                "<tr>{}{}{}{}{}</tr>",
                td(p),
                num(x.record),
                num(x.line.map(|l| l.to_string()).unwrap_or_default()),
                td(&x.reason),
                td(&x.detail)
            );
        }
        b.push_str("</tbody></table></div></section>\n");
    }
    if !t.licensing_by_result.is_empty() {
        b.push_str("<section id=\"licensing\"><h2>Licensing events by activity and result</h2>");
        b.push_str("<table class=\"sortable\" id=\"licensing-table\">");
        b.push_str(&head(&[
            ("activity", false),
            ("result", false),
            ("events", true),
        ]));
        b.push_str("<tbody>");
        for c in &t.licensing_by_result {
            let _ = write!(
                b,
                "<tr>{}{}{}</tr>",
                td(&c.activity),
                td(&c.result),
                num(c.count)
            );
        }
        b.push_str("</tbody></table></section>\n");
    }
    let header = format!(
        "<p class=\"meta\">{} · {} inputs, {} records = {} events + {} snapshot objects + {} skipped; {} licensing events</p>\n",
        h(TOOL),
        t.inputs,
        t.records,
        t.events,
        t.snapshot_records,
        t.skipped,
        t.licensing_events
    );
    let html = page("licdiag inspect report", &[], &header, &b);
    w.write_all(html.as_bytes())
}

fn follow_up_label(k: FollowUpKind) -> &'static str {
    match k {
        FollowUpKind::ReprocessUser => "reprocess each affected user",
        FollowUpKind::ReprocessGroup => "reprocess the group",
        FollowUpKind::ReprocessUserOrGroup => "reprocess the users or the group",
        FollowUpKind::None => "nothing more",
    }
}

/// The playbook (`explain`).
pub fn playbook(entries: &[PlaybookEntry], w: &mut dyn Write) -> io::Result<()> {
    let mut b = String::new();
    let mut nav = Vec::new();
    for en in entries {
        nav.push((en.key.as_str(), en.title.as_str()));
    }
    for en in entries {
        let _ = write!(
            b,
            "<section class=\"finding info\" id=\"{}\"><h2>{}</h2>",
            h(&en.key),
            h(&en.title)
        );
        match &en.cause {
            Some(c) => {
                let _ = write!(
                    b,
                    "<p class=\"muted\">Cause code <code>{}</code> · key <code>{}</code></p>",
                    h(c.code()),
                    h(&en.key)
                );
            }
            None => {
                let _ = write!(
                    b,
                    "<p class=\"muted\">Procedure · key <code>{}</code></p>",
                    h(&en.key)
                );
            }
        }
        let _ = write!(
            b,
            "<p><strong>Problem.</strong> {}</p><p><strong>How it shows.</strong> {}</p><h3>Fix</h3><ol>",
            h(&en.problem),
            h(&en.how_it_shows)
        );
        for f in &en.fix {
            let _ = write!(b, "<li>{}</li>", h(f));
        }
        let _ = write!(
            b,
            "</ol><h3>Then: {}</h3>",
            h(follow_up_label(en.follow_up.kind))
        );
        if !en.follow_up.steps.is_empty() {
            b.push_str("<ul>");
            for f in &en.follow_up.steps {
                let _ = write!(b, "<li>{}</li>", h(f));
            }
            b.push_str("</ul>");
        }
        if !en.doc_url.is_empty() {
            let _ = write!(b, "<p>Documentation: {}</p>", link(&en.doc_url));
        }
        if !en.aliases.is_empty() {
            let a: Vec<String> = en.aliases.iter().map(|x| h(x)).collect();
            let _ = write!(
                b,
                "<p class=\"muted\">Also accepted by <code>licdiag explain</code>: {}</p>",
                a.join(", ")
            );
        }
        b.push_str("</section>\n");
    }
    let title = match entries {
        [one] => one.title.clone(),
        _ => "licdiag playbook".to_string(),
    };
    let nav = if entries.len() > 1 { nav } else { Vec::new() };
    let header = format!("<p class=\"meta\">{}</p>\n", h(TOOL));
    let html = page(&title, &nav, &header, &b);
    w.write_all(html.as_bytes())
}

/// How the inputs' dates were read, when a reader should know ([`view::date_caveats`]).
fn date_caveats(b: &mut String, inputs: &[crate::ingest::InputReport]) {
    for c in view::date_caveats(inputs) {
        let _ = write!(
            b,
            "<p class=\"caveat\"><strong>Dates.</strong> {}</p>",
            h(&c)
        );
    }
    for c in view::input_notes(inputs) {
        let _ = write!(
            b,
            "<p class=\"caveat\"><strong>Input cut short.</strong> {}</p>",
            h(&c)
        );
    }
    for c in view::input_remarks(inputs) {
        let _ = write!(
            b,
            "<p class=\"caveat\"><strong>Input.</strong> {}</p>",
            h(&c)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn csp_forbids_remote_loads() {
        let c = content_security_policy();
        assert!(c.starts_with("default-src 'none';"));
        assert!(!c.contains("unsafe-inline"));
        assert!(!c.contains("http"));
    }

    #[test]
    fn script_never_parses_markup() {
        assert!(!SCRIPT.contains("innerHTML"));
        assert!(!SCRIPT.contains("outerHTML"));
        assert!(!SCRIPT.contains("insertAdjacentHTML"));
        assert!(!SCRIPT.contains("document.write"));
        assert!(!SCRIPT.contains("eval"));
    }

    #[test]
    fn links_only_plain_https() {
        assert!(link("https://learn.microsoft.com/x").starts_with("<a href="));
        assert_eq!(link("javascript:alert(1)"), "javascript:alert(1)");
        assert!(!link("https://x\"><script>").contains("<script>"));
    }
}
