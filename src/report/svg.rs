//! The charts of the HTML report, as inline SVG (no script, no external font, no style attribute, so
//! the page's Content-Security-Policy holds): seats per product and errors per day. Every string
//! drawn comes from the document and is escaped with [`escape::html`].

use super::escape::html as esc;
use super::view::ErrorsOverTime;
use crate::model::finding::SkuCapacity;
use std::fmt::Write as _;

const WIDTH: f64 = 760.0;

/// Colours that stay distinguishable for colour-blind readers (Okabe-Ito), in cause-rank order.
const PALETTE: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999999",
];

/// The colour of the `i`-th series.
pub fn colour(i: usize) -> &'static str {
    PALETTE.get(i % PALETTE.len()).copied().unwrap_or("#000000")
}

/// Cuts a label to `max` characters (with an ellipsis); the full text goes into a `<title>`.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut o: String = s.chars().take(max.saturating_sub(1)).collect();
        o.push('…');
        o
    }
}

/// A rough width of a label in the chart's 12px system font.
fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 6.8
}

struct Legend {
    svg: String,
    height: f64,
}

/// Swatches with labels, wrapped to the chart width.
fn legend(items: &[(String, &str)], x0: f64, y0: f64) -> Legend {
    let mut svg = String::from("<g class=\"legend\">");
    let (mut x, mut y) = (x0, y0);
    for (label, col) in items {
        let w = 18.0 + text_width(label) + 16.0;
        if x > x0 && x + w > WIDTH - 8.0 {
            x = x0;
            y += 18.0;
        }
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{col}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            y - 10.0,
            x + 17.0,
            y,
            esc(label)
        );
        x += w;
    }
    svg.push_str("</g>");
    Legend {
        svg,
        height: y - y0 + 18.0,
    }
}

/// Seats per product: four bars each (enabled, consumed, blocked, reclaimable), each product
/// scaled to its own largest number so small products stay readable; the numbers are printed.
pub fn capacity(caps: &[std::sync::Arc<SkuCapacity>]) -> String {
    const LABEL_W: f64 = 230.0;
    const BAR_W: f64 = 440.0;
    const BAR_H: f64 = 9.0;
    const ROW_H: f64 = 4.0 * (BAR_H + 2.0) + 16.0;
    let series = [
        ("enabled", colour(0)),
        ("consumed", colour(4)),
        ("blocked", colour(1)),
        ("reclaimable", colour(2)),
    ];
    let items: Vec<(String, &str)> = series.iter().map(|(l, c)| (l.to_string(), *c)).collect();
    let lg = legend(&items, LABEL_W, 16.0);
    let top = lg.height + 12.0;
    let height = top + ROW_H * caps.len() as f64 + 4.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"{WIDTH}\" height=\"{height:.0}\" \
         role=\"img\" aria-labelledby=\"capacity-chart-title\">\
         <title id=\"capacity-chart-title\">Seats per product: enabled, consumed, blocked and reclaimable</title>{}",
        lg.svg
    );
    for (i, c) in caps.iter().enumerate() {
        let y = top + ROW_H * i as f64;
        let name = c.sku.clone().unwrap_or_else(|| c.sku_id.to_string());
        let values = [
            c.enabled,
            c.consumed,
            c.blocked_users as u64,
            c.reclaimable.len() as u64,
        ];
        let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
        let _ = write!(
            s,
            "<g class=\"sku\"><title>{}</title><text x=\"0\" y=\"{:.1}\" font-size=\"12\" font-weight=\"bold\">{}</text>",
            esc(&name),
            y + 14.0,
            esc(&shorten(&name, 32))
        );
        let flag = if c.over_assigned {
            Some("over-assigned")
        } else if c.no_seats {
            Some("no seats left")
        } else {
            None
        };
        if let Some(f) = flag {
            let _ = write!(
                s,
                "<text x=\"0\" y=\"{:.1}\" font-size=\"11\" fill=\"{}\">{f}</text>",
                y + 29.0,
                colour(1)
            );
        }
        for (j, ((label, col), v)) in series.iter().zip(values).enumerate() {
            let by = y + 4.0 + j as f64 * (BAR_H + 2.0);
            let mut w = v as f64 / max * BAR_W;
            if v > 0 && w < 1.0 {
                w = 1.0;
            }
            let _ = write!(
                s,
                "<rect x=\"{LABEL_W}\" y=\"{by:.1}\" width=\"{w:.1}\" height=\"{BAR_H}\" fill=\"{col}\">\
                 <title>{}: {v} {label}</title></rect>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{v} {label}</text>",
                esc(&name),
                LABEL_W + w + 4.0,
                by + BAR_H - 1.0
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

/// The smallest 1-2-5 step that draws `max` in at most five ticks.
fn tick_step(max: usize) -> usize {
    let mut base = 1usize;
    loop {
        for m in [1usize, 2, 5] {
            let step = base.saturating_mul(m);
            if max.div_ceil(step.max(1)) <= 5 {
                return step.max(1);
            }
        }
        if base > usize::MAX / 10 {
            return base;
        }
        base *= 10;
    }
}

/// Affected users per UTC day, stacked by cause (colours in cause-rank order).
pub fn errors_over_time(e: &ErrorsOverTime) -> String {
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 12.0;
    const PLOT_H: f64 = 200.0;
    const BOTTOM: f64 = 40.0;
    let items: Vec<(String, &str)> = e
        .causes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), colour(i)))
        .collect();
    let lg = legend(&items, LEFT, 16.0);
    let top = lg.height + 14.0;
    let height = top + PLOT_H + BOTTOM;
    let step = tick_step(e.max_total().max(1));
    let ymax = (e.max_total().max(1).div_ceil(step) * step) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let n = e.days.len().max(1);
    let slot = plot_w / n as f64;
    let bar_w = (slot * 0.7).clamp(1.0, 48.0);
    let label_every = n.div_ceil(16).max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"{WIDTH}\" height=\"{height:.0}\" \
         role=\"img\" aria-labelledby=\"errors-chart-title\">\
         <title id=\"errors-chart-title\">Affected users per day of their error (UTC), by cause</title>{}",
        lg.svg
    );
    // y axis: grid lines and tick labels
    let mut t = 0;
    while (t as f64) <= ymax {
        let y = top + PLOT_H - t as f64 / ymax * PLOT_H;
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{t}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
        t += step;
    }
    for (i, d) in e.days.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        let day = d.day.format("%Y-%m-%d").to_string();
        let mut acc = 0usize;
        for (j, v) in d.by_cause.iter().enumerate() {
            if *v == 0 {
                continue;
            }
            let y0 = top + PLOT_H - (acc + v) as f64 / ymax * PLOT_H;
            let h = *v as f64 / ymax * PLOT_H;
            let cause = e.causes.get(j).map(String::as_str).unwrap_or("");
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y0:.1}\" width=\"{bar_w:.1}\" height=\"{h:.1}\" fill=\"{}\">\
                 <title>{day}: {v} {}</title></rect>",
                colour(j),
                esc(cause)
            );
            acc += v;
        }
        if d.total > 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                top + PLOT_H - d.total as f64 / ymax * PLOT_H - 3.0,
                d.total
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                top + PLOT_H + 16.0,
                d.day.format("%m-%d")
            );
        }
    }
    let first = e.days.first().map(|d| d.day.format("%Y-%m-%d").to_string());
    let last = e.days.last().map(|d| d.day.format("%Y-%m-%d").to_string());
    if let (Some(a), Some(b)) = (first, last) {
        let _ = write!(
            s,
            "<text x=\"{LEFT}\" y=\"{:.1}\" font-size=\"11\" fill=\"#555555\">UTC days {a} .. {b}{}</text>",
            top + PLOT_H + 34.0,
            if e.filled { "" } else { " (days with errors only)" }
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#333333\" stroke-width=\"1\"/></svg>",
        WIDTH - RIGHT,
        top + PLOT_H,
        top + PLOT_H
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::view::DayCount;
    use chrono::NaiveDate;

    #[test]
    fn ticks() {
        assert_eq!(tick_step(1), 1);
        assert_eq!(tick_step(5), 1);
        assert_eq!(tick_step(6), 2);
        assert_eq!(tick_step(23), 5);
        assert_eq!(tick_step(4000), 1000);
    }

    #[test]
    fn labels_are_escaped() {
        let e = ErrorsOverTime {
            causes: vec!["<script>x</script>".into()],
            days: vec![DayCount {
                day: NaiveDate::from_ymd_opt(2026, 10, 5).unwrap_or_default(),
                by_cause: vec![2],
                total: 2,
                users: 2,
            }],
            undated: 0,
            filled: true,
        };
        let s = errors_over_time(&e);
        assert!(!s.contains("<script>"));
        assert!(s.contains("&lt;script&gt;"));
    }
}
