//! Snapshot exports a review found misread without a word (fix-snapshot): a seat count no
//! product can have clamped to u64::MAX, a users file cut after its `[` read as an empty list, a
//! group listed twice merged into one, a record naming its `id` twice read as one of them. Each is
//! now an error (exit 2) naming the file, or a record counted as skipped with its reason.

use crate::common::{fixture, licdiag};
use std::path::Path;

/// `licdiag ARGS`: (exit code, standard output, standard error).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = licdiag().args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `text` as `dir/name`, giving its path as text.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

/// The message of a seat count Graph's 32-bit counts cannot hold.
fn beyond(owner: &str, key: &str, shown: &str) -> String {
    format!(
        "subscribedSku {owner}: `{key}` is {shown}, more than Graph's counts can hold (they are \
         32-bit: at most 2147483647), where a seat count is expected; export the subscribedSkus \
         again (`Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10`, or `GET /subscribedSkus`) \
         and do not edit the file"
    )
}

/// `consumedUnits: 1e30` was read as 18446744073709551615 seats (a silent clamp, and two such
/// entries of one product overflowed their sum): the product is skipped as malformed, with the
/// value as written, and the other products are read; `--strict` refuses the file, and a file of
/// nothing else is refused.
#[test]
fn an_impossible_seat_count_is_a_malformed_record_never_clamped() {
    let f = "fixtures/robust/impossible-seats";
    let skus = format!("{f}/subscribedSkus.json");
    let (code, out, err) = run(&["--no-progress", "inspect", &skus]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("records     2  = events 0 + snapshot objects 1 + skipped 1"),
        "{out}"
    );
    let want = format!(
        "problem     record 2 (line 10): malformed value: {}",
        beyond("EMS", "consumedUnits", "1e+30")
    );
    assert!(out.contains(&want), "{out}");
    // the report: the product that was read, no 18446744073709551615 anywhere
    let (code, out, err) = run(&["--no-progress", "analyze", f]);
    assert_eq!(code, 1, "{err}");
    assert!(!out.contains("18446744073709551615"), "{out}");
    assert!(
        err.contains(&format!(
            "licdiag: note: {skus}: 1 malformed record skipped (first: record 2 (line 10): malformed value)"
        )),
        "{err}"
    );
    let (code, _, err) = run(&["--no-progress", "analyze", "--strict", f]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        format!(
            "licdiag: error: {skus}: record 2 (line 10): malformed value: {} (--strict makes \
             malformed records fatal)",
            beyond("EMS", "consumedUnits", "1e+30")
        )
    );
    // beyond u64, as a number or as text, negative, fractional: each said as read
    let dir = tempfile::tempdir().expect("tempdir");
    for (units, shown) in [
        (
            r#"{"enabled": 18446744073709551616}"#,
            "enabled` is 1.8446744073709552e+19, more than",
        ),
        (
            r#"{"enabled": "99999999999999999999"}"#,
            "enabled` is 99999999999999999999, more than",
        ),
        (
            r#"{"enabled": 2147483648}"#,
            "enabled` is 2147483648, more than",
        ),
        (
            r#"{"enabled": -5}"#,
            "enabled` is -5, a negative number, where",
        ),
        (
            r#"{"warning": 2.5}"#,
            "warning` is 2.5, not a whole number, where",
        ),
    ] {
        let p = write(
            dir.path(),
            "subscribedSkus.json",
            &format!(
                r#"[{{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","skuPartNumber":"ENTERPRISEPACK","consumedUnits":1,"prepaidUnits":{units}}}]"#
            ),
        );
        let (code, out, err) = run(&["--no-progress", "inspect", &p]);
        assert_eq!(code, 2, "{units}: {out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "licdiag: error: {p}: 1 records, none of them usable (record 1: subscribedSku \
                 ENTERPRISEPACK: prepaidUnits: `"
            )) && err.contains(shown),
            "{units}: {err}"
        );
    }
}
