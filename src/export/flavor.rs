//! How a table's columns are written in the text formats: timestamps become RFC 3339 text in UTC
//! (millisecond precision, `Z`), CSV joins lists with `;` and neutralizes every text cell (and each
//! `;`-separated part of it) a spreadsheet would execute, escaping control characters
//! ([`crate::report::escape::csv_cell`]). Parquet and SQL keep the
//! typed columns.

use crate::normalize::frame::{ColumnData, Values};
use crate::report::escape::csv_cell;
use chrono::{DateTime, Utc};

/// The text form of a timestamp in CSV, NDJSON and SQL text output.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// What joins the items of a list column in a CSV cell.
pub const LIST_SEPARATOR: &str = ";";

pub fn time_text(t: &DateTime<Utc>) -> String {
    t.format(TIME_FORMAT).to_string()
}

fn times_as_text(v: &[Option<DateTime<Utc>>]) -> Values {
    Values::Str(v.iter().map(|t| t.as_ref().map(time_text)).collect())
}

/// The columns as CSV writes them: text neutralized, lists joined, timestamps as text.
pub fn for_csv(cols: &[ColumnData]) -> Vec<ColumnData> {
    cols.iter()
        .map(|c| {
            let values = match &c.values {
                Values::Str(v) => {
                    Values::Str(v.iter().map(|x| x.as_deref().map(csv_cell)).collect())
                }
                Values::StrList(v) => Values::Str(
                    v.iter()
                        .map(|l| Some(csv_cell(&l.join(LIST_SEPARATOR))))
                        .collect(),
                ),
                Values::Time(v) => times_as_text(v),
                other => other.clone(),
            };
            ColumnData {
                name: c.name.clone(),
                values,
            }
        })
        .collect()
}

/// The columns as NDJSON writes them: timestamps as text, everything else typed (lists are JSON
/// arrays).
pub fn for_ndjson(cols: &[ColumnData]) -> Vec<ColumnData> {
    cols.iter()
        .map(|c| ColumnData {
            name: c.name.clone(),
            values: match &c.values {
                Values::Time(v) => times_as_text(v),
                other => other.clone(),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn csv_cells_are_neutralized_and_flattened() {
        let t = Utc.with_ymd_and_hms(2026, 10, 5, 7, 0, 0).single();
        let cols = vec![
            ColumnData::new(
                "name",
                Values::Str(vec![
                    Some("=HYPERLINK(\"http://x\",\"Samir Haddad\")".into()),
                    None,
                ]),
            ),
            ColumnData::new(
                "skus",
                Values::StrList(vec![vec!["A".into(), "B".into()], vec![]]),
            ),
            ColumnData::new("time", Values::Time(vec![t, None])),
        ];
        let out = for_csv(&cols);
        assert_eq!(
            out[0].values,
            Values::Str(vec![
                Some("'=HYPERLINK(\"http://x\",\"Samir Haddad\")".into()),
                None
            ])
        );
        assert_eq!(
            out[1].values,
            Values::Str(vec![Some("A;B".into()), Some(String::new())])
        );
        assert_eq!(
            out[2].values,
            Values::Str(vec![Some("2026-10-05T07:00:00.000Z".into()), None])
        );
    }
}
