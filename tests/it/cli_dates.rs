//! Locale-formatted dates (`fixtures/dates/`, formats.md §4: a Log Analytics CSV downloaded from
//! the portal writes `TimeGenerated [UTC]` in the browser's locale): the order of `N/N/YYYY` dates
//! is told per file by its own dates or by `--date-order`, and the reports say when no date could
//! tell it.

use crate::common::{json_of, licdiag};
use predicates::prelude::*;
use serde_json::Value;

const AS_OF: &str = "2026-10-20T00:00:00Z";
const US: &str = "fixtures/formats/log-analytics.csv";
const GB: &str = "fixtures/dates/log-analytics-en-gb.csv";
const GB_LATER: &str = "fixtures/dates/log-analytics-en-gb-week-later.csv";
const US_LATER: &str = "fixtures/dates/log-analytics-en-us-week-later.csv";

/// `analyze --format json` of one file: the document without its inputs, with the file's name as
/// `INPUT` (evidence references name it), and the input's report.
fn analyze(file: &str, extra: &[&str]) -> (Value, Value) {
    let mut args = vec!["analyze", file, "--as-of", AS_OF, "--fail-on", "never"];
    args.extend_from_slice(extra);
    let (mut v, code) = json_of(&args);
    assert_eq!(code, 0, "{file}");
    let inputs = v
        .as_object_mut()
        .and_then(|o| o.remove("inputs"))
        .expect("inputs");
    let v = serde_json::from_str(&v.to_string().replace(file, "INPUT")).expect("json");
    (v, inputs[0].clone())
}

fn inspect(file: &str, extra: &[&str]) -> Value {
    let mut args = vec!["inspect", file];
    args.extend_from_slice(extra);
    let (v, code) = json_of(&args);
    assert_eq!(code, 0, "{file}");
    v["inputs"][0].clone()
}

fn text(args: &[&str]) -> String {
    let out = licdiag().args(args).output().expect("run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `9.10.2026` is day-first in every locale that writes it: the de-DE file gives the diagnosis of
/// the en-US one, with nothing to say about its dates.
#[test]
fn dotted_dates_are_read_day_first() {
    let (want, _) = analyze(US, &[]);
    let (got, input) = analyze("fixtures/dates/log-analytics-de-de.csv", &[]);
    assert_eq!(got, want);
    assert_eq!(input["first"], "2026-10-05T07:02:11.464Z");
    assert!(input.get("dates").is_none(), "{input}");
}

/// A file whose dates show day-first (the 13th and later) is read day-first, its 12th included:
/// the same records written en-GB and en-US give the same diagnosis, and no record is skipped.
#[test]
fn a_file_whose_dates_show_day_first_is_read_day_first() {
    let (us, us_input) = analyze(US_LATER, &[]);
    let (gb, gb_input) = analyze(GB_LATER, &[]);
    assert_eq!(gb, us);
    for k in ["first", "last", "records", "events", "skipped", "licensing"] {
        assert_eq!(gb_input[k], us_input[k], "{k}");
    }
    assert_eq!(gb_input["first"], "2026-10-12T07:02:11.464Z");
    assert_eq!(
        gb_input["dates"],
        serde_json::json!({"order": "day-first", "basis": "detected", "day_first_only": "13/10/2026", "either": "12/10/2026"})
    );
    assert_eq!(
        us_input["dates"],
        serde_json::json!({"order": "month-first", "basis": "detected", "month_first_only": "10/13/2026", "either": "10/12/2026"})
    );
    // said where the findings are read; nothing to say about a month-first file
    let said = "dates read day-first (D/M/YYYY): the file has dates only day-first reads, such as 13/10/2026";
    for format in ["table", "md", "html"] {
        let args = ["analyze", GB_LATER, "--as-of", AS_OF, "--format", format];
        assert!(text(&args).contains(said), "{format}");
        let args = ["analyze", US_LATER, "--as-of", AS_OF, "--format", format];
        assert!(
            !text(&args).contains("Dates.") && !text(&args).contains("dates:"),
            "{format}"
        );
    }
    // `--strict`: the first read's refused 13th does not end the run, the file is read again
    licdiag()
        .args(["inspect", "--strict", GB_LATER])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "D/M/YYYY (day-first), as the file's dates show",
        ));
}

/// A file no date of which has a field above 12 is read month-first, and every report says so
/// with the reading of an example and the flag that reads it the other way; the flag gives the
/// diagnosis of the en-US file.
#[test]
fn a_file_whose_dates_cannot_tell_is_read_month_first_with_a_caveat() {
    let (want, _) = analyze(US, &[]);
    let (assumed, input) = analyze(GB, &[]);
    assert_ne!(assumed, want);
    assert_eq!(input["first"], "2026-05-10T07:02:11.464Z");
    assert_eq!(
        input["dates"],
        serde_json::json!({"order": "month-first", "basis": "assumed", "either": "5/10/2026"})
    );
    for format in ["table", "md", "html"] {
        let out = text(&["analyze", GB, "--as-of", AS_OF, "--format", format]);
        for part in [
            "5/10/2026 as 10 May 2026",
            "--date-order day-first",
            "5/10/2026 as 5 October 2026",
        ] {
            assert!(out.contains(part), "{format}: {part}");
        }
    }
    let (given, input) = analyze(GB, &["--date-order", "day-first"]);
    assert_eq!(given, want);
    assert_eq!(input["dates"]["basis"], "given");
    assert_eq!(input["first"], "2026-10-05T07:02:11.464Z");
    // the timeline reads the same order
    let named = |file: &str, v: Value| -> Value {
        serde_json::from_str(&v.to_string().replace(file, "INPUT")).expect("json")
    };
    let (t, _) = json_of(&["timeline", GB, "--date-order", "day-first"]);
    let (u, _) = json_of(&["timeline", US]);
    assert_eq!(t["entries"].as_array().map(Vec::len), Some(27));
    assert_eq!(named(GB, t), named(US, u));
}

/// An order given against the file's dates: the dates it cannot read are skipped as bad
/// timestamps, each named, and the input's report says why.
#[test]
fn a_given_order_the_dates_contradict_is_said() {
    let input = inspect(GB_LATER, &["--date-order", "month-first"]);
    assert_eq!(input["dates"]["basis"], "given");
    let bad = input["skipped"]["bad timestamp"].as_u64().unwrap_or(0);
    assert_eq!(bad, 66, "{input}");
    assert!(input["issues"][0]["detail"]
        .as_str()
        .is_some_and(|d| d.contains("--date-order day-first")));
    licdiag()
        .args(["inspect", "--date-order", "month-first", GB_LATER])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "`--date-order month-first` was given, but the file has dates only day-first reads (D/M/YYYY), such as 13/10/2026",
        ));
}

/// Dates in both orders in one file (two exports joined): month-first is kept, the day-first
/// dates are skipped, and the report names one of each.
#[test]
fn a_file_with_dates_in_both_orders_keeps_month_first() {
    let us = std::fs::read_to_string(crate::common::fixture(
        "dates/log-analytics-en-us-week-later.csv",
    ))
    .unwrap();
    let gb = std::fs::read_to_string(crate::common::fixture(
        "dates/log-analytics-en-gb-week-later.csv",
    ))
    .unwrap();
    let gb_rows: Vec<&str> = gb.split_inclusive("\r\n").skip(1).collect();
    let dir = tempfile::tempdir().unwrap();
    let joined = dir.path().join("joined.csv");
    std::fs::write(&joined, format!("{us}{}", gb_rows.concat())).unwrap();
    let joined = joined.to_string_lossy().into_owned();
    let input = inspect(&joined, &[]);
    assert_eq!(
        input["dates"],
        serde_json::json!({"order": "month-first", "basis": "mixed", "day_first_only": "13/10/2026", "month_first_only": "10/13/2026", "either": "10/12/2026"})
    );
    assert_eq!(input["records"], 172);
    // the 66 en-GB rows dated the 13th or later; its rows of the 12th are read as 10 December
    assert_eq!(input["skipped"]["bad timestamp"], 66);
    assert_eq!(input["last"], "2026-12-10T15:45:50.586Z");
    licdiag()
        .args(["inspect", &joined])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "the file has dates in both orders (10/13/2026 only month-first reads, 13/10/2026 only day-first reads)",
        ));
}
