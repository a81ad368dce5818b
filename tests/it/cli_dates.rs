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

/// A file of `fixtures/dates/`, as text.
fn fixture_text(name: &str) -> String {
    let path = crate::common::fixture(&format!("dates/{name}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(args: &[&str]) -> String {
    let out = licdiag().args(args).output().expect("run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `9.10.2026` is day-first in every locale that writes it: the de-DE file gives the diagnosis of
/// the en-US one, with nothing to say about its dates.
#[test]
fn dotted_dates_are_read_day_first() {
    let input = reads_as_en_us("log-analytics-de-de.csv");
    assert_eq!(input["first"], "2026-10-05T07:02:11.464Z");
    assert!(input.get("dates").is_none(), "{input}");
}

/// `analyze` of `fixtures/dates/NAME` gives the en-US file's diagnosis, and its input the same
/// records, events, skips and time range, to the millisecond; its input's report.
fn reads_as_en_us(name: &str) -> Value {
    let (want, want_input) = analyze(US, &[]);
    let (got, input) = analyze(&format!("fixtures/dates/{name}"), &[]);
    assert_eq!(got, want, "{name}");
    for k in ["first", "last", "records", "events", "skipped", "licensing"] {
        assert_eq!(input[k], want_input[k], "{name}: {k}");
    }
    input
}

/// `9.10.2026 10:05:13,992`, a decimal comma before the fraction, in a file separated by `;` (a
/// locale whose decimal mark is a comma, and whose list separator is therefore `;`) reads as the
/// en-US file: every record, to the millisecond.
#[test]
fn a_decimal_comma_before_the_fraction_is_read() {
    let input = reads_as_en_us("log-analytics-decimal-comma.csv");
    assert_eq!(input["first"], "2026-10-05T07:02:11.464Z");
    assert!(input.get("dates").is_none(), "{input}");
}

/// `9.10.2026 klo 10.05.13,992`, a clock whose fields are separated by `.` after fi-FI's `klo`, with
/// a decimal comma before the fraction, in quoted cells of a comma-separated file, reads as the
/// en-US file.
#[test]
fn a_dotted_clock_is_read() {
    let input = reads_as_en_us("log-analytics-fi-fi.csv");
    assert!(input.get("dates").is_none(), "{input}");
}

/// en-US as browsers write it since ICU 72 (Chrome 110, Node 20), a narrow no-break space (U+202F)
/// before AM/PM, reads as the file with a plain space: every record, the same dates' note.
#[test]
fn a_narrow_no_break_space_before_am_pm_is_read() {
    let name = "log-analytics-en-us-narrow-space.csv";
    assert!(fixture_text(name).contains("\u{202f}AM"));
    let input = reads_as_en_us(name);
    let (_, want_input) = analyze(US, &[]);
    assert_eq!(input["dates"], want_input["dates"]);
}

/// es-MX: `9/10/2026, 10:05:13.992 a. m.`, day-first with `a. m.`/`p. m.`, which only day-first
/// locales write: read day-first although no date tells the order, as the en-US file, with nothing
/// to say about its dates.
#[test]
fn a_half_of_the_day_with_points_is_read_day_first() {
    let input = reads_as_en_us("log-analytics-es-mx.csv");
    assert!(input.get("dates").is_none(), "{input}");
}

/// `2026. 10. 9. 오전 10:05:13.992`, ko-KR's year-first date with a point after each field and the
/// half of the day before the clock, reads as the en-US file.
#[test]
fn a_year_first_dotted_date_is_read() {
    let input = reads_as_en_us("log-analytics-ko-kr.csv");
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
    // 33: the member steps of groups the failures are attributed to count too (six since fix-timeline)
    assert_eq!(t["entries"].as_array().map(Vec::len), Some(33));
    // the en-US file's dates cannot tell its order either: its timeline says so, the other's not
    let (mut t, mut u) = (named(GB, t), named(US, u));
    assert!(t.get("date_notes").is_none());
    assert!(u["date_notes"][0]
        .as_str()
        .is_some_and(|n| n.contains("10/5/2026 as 5 October 2026")));
    u.as_object_mut().map(|o| o.remove("date_notes"));
    t.as_object_mut().map(|o| o.remove("date_notes"));
    assert_eq!(t, u);
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
            "--date-order month-first was given, but the file has dates only day-first reads (D/M/YYYY), such as 13/10/2026",
        ));
}

/// Dates in both orders in one file (two exports joined): month-first is kept, the day-first
/// dates are skipped, and the report names one of each.
#[test]
fn a_file_with_dates_in_both_orders_keeps_month_first() {
    let us = fixture_text("log-analytics-en-us-week-later.csv");
    let gb = fixture_text("log-analytics-en-gb-week-later.csv");
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

/// Standard input cannot be read twice: a day-first file piped in is read month-first, and its
/// report says why and names the flag, which reads it as the file itself is read.
#[test]
fn a_day_first_file_on_standard_input_names_the_flag() {
    let bytes = fixture_text("log-analytics-en-gb-week-later.csv").into_bytes();
    let run = |extra: &[&str]| -> Value {
        let out = licdiag()
            .args(["inspect", "-", "--format", "json"])
            .args(extra)
            .write_stdin(bytes.clone())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0));
        serde_json::from_slice::<Value>(&out.stdout).expect("json")["inputs"][0].clone()
    };
    let piped = run(&[]);
    assert_eq!(piped["dates"]["basis"], "not-read-again");
    assert_eq!(piped["skipped"]["bad timestamp"], 66);
    let text = licdiag()
        .args(["inspect", "-"])
        .write_stdin(bytes.clone())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains("cannot be read twice") && text.contains("--date-order day-first"),
        "{text}"
    );
    let given = run(&["--date-order", "day-first"]);
    let file = inspect(GB_LATER, &[]);
    for k in ["first", "last", "records", "events", "skipped", "licensing"] {
        assert_eq!(given[k], file[k], "{k}");
    }
}

/// `--strict` reads a file of both orders as a normal run does (month-first, the first day-first
/// date fatal), also when the first read stops before the file's month-first dates: a file of
/// en-GB rows (more than a block of them) followed by en-US rows.
#[test]
fn strict_reads_a_file_of_both_orders_as_a_normal_run() {
    let us = fixture_text("log-analytics-en-us-week-later.csv");
    let gb = fixture_text("log-analytics-en-gb-week-later.csv");
    let (header, gb_rows) = gb.split_once("\r\n").unwrap();
    let us_rows = us.split_once("\r\n").unwrap().1;
    let mut text = format!("{header}\r\n");
    while text.len() < 24 << 20 {
        text.push_str(gb_rows);
    }
    text.push_str(us_rows);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gb-then-us.csv");
    std::fs::write(&file, text).unwrap();
    let file = file.to_string_lossy().into_owned();
    assert_eq!(inspect(&file, &[])["dates"]["basis"], "mixed");
    licdiag()
        .args(["inspect", "--strict", &file])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("\"16/10/2026, 10:05:13.992\"").and(predicate::str::contains(
                "the file has dates in both orders",
            )),
        );
}

/// Every output says how the dates were read: the timeline's reports, `inspect`'s, and for the
/// commands that write tables, standard error. `--as-of` is read in `--date-order`'s order.
#[test]
fn every_command_says_how_dates_were_read() {
    let said = "--date-order day-first (5/10/2026 as 5 October 2026)";
    for format in ["table", "md", "html", "json"] {
        assert!(
            text(&["timeline", GB, "--format", format]).contains(said),
            "timeline {format}"
        );
        assert!(
            text(&["inspect", GB, "--format", format]).contains(said) || format == "json",
            "inspect {format}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_string_lossy().into_owned();
    licdiag()
        .args(["export", GB, "--out", &out, "--format", "csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains(said));
    licdiag()
        .args(["sql", GB, "--query", "select count(*) as n from events"])
        .assert()
        .success()
        .stderr(predicate::str::contains(said));
    let (v, _) = json_of(&[
        "analyze",
        GB,
        "--date-order",
        "day-first",
        "--as-of",
        "20/10/2026 00:00:00",
        "--fail-on",
        "never",
    ]);
    assert_eq!(v["as_of"], "2026-10-20T00:00:00Z");
}

/// A timestamp whose ISO 8601 year has a minus sign (`-0001-...`, before the common era) is a bad
/// timestamp said as such: the year as written, not its digits without the sign.
#[test]
fn a_negative_year_is_said_with_its_sign() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("negative-year.jsonl");
    let record = r#"{"id":"Directory_1","category":"UserManagement","result":"failure","activityDisplayName":"Change user license","activityDateTime":"-0001-03-04T08:15:02Z","initiatedBy":{"user":null,"app":{"displayName":"Microsoft Azure AD Group-Based Licensing"}},"targetResources":[{"id":"7e1d2c3b-4a59-4687-b8c9-0a1b2c3d4e5f","type":"User","userPrincipalName":"a@b.example","modifiedProperties":[]}]}"#;
    std::fs::write(&file, format!("{record}\n")).expect("write");
    let out = licdiag()
        .args(["--no-progress", "analyze", "--strict"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("record 1 (line 1): bad timestamp: timestamp \"-0001-03-04T08:15:02Z\" is not a date licdiag can read: its year -1 is before the common era"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
