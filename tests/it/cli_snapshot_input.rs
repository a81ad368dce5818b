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
/// `analyze DIR` skips the malformed record of `file` (`at`: its place and reason) with a note
/// and reports the rest (exit 1: the fixtures hold an error); `--strict` stops on it, saying
/// `detail`. The report's text.
fn skipped_then_fatal(dir: &str, file: &str, at: &str, detail: &str) -> String {
    let (code, out, err) = run(&["--no-progress", "analyze", dir]);
    assert_eq!(code, 1, "{err}");
    // a snapshot input's skipped record is said in the report's notes too, with its detail
    let note = format!("{file}: 1 record skipped as malformed (first: {at}: ");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");
    assert!(out.contains(&note), "{out}");
    let (code, _, err) = run(&["--no-progress", "analyze", "--strict", dir]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        format!("licdiag: error: {file}: {at}: {detail} (--strict makes malformed records fatal)")
    );
    out
}

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
        "problem     record 2 (line 10): bad seat count in consumedUnits: {}",
        beyond("EMS", "consumedUnits", "1e+30")
    );
    assert!(out.contains(&want), "{out}");
    // the report: the product that was read, no 18446744073709551615 anywhere
    let out = skipped_then_fatal(
        f,
        &skus,
        "record 2 (line 10): bad seat count in consumedUnits",
        &beyond("EMS", "consumedUnits", "1e+30"),
    );
    assert!(!out.contains("18446744073709551615"), "{out}");
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
                "licdiag: error: {p}: 1 record, not usable (record 1: subscribedSku \
                 ENTERPRISEPACK: prepaidUnits: `"
            )) && err.contains(shown),
            "{units}: {err}"
        );
    }
}

/// The error of an input that ends inside its array before any record.
fn unclosed_error(path: &str, page: bool) -> String {
    let what = if page {
        "a Graph page that is not closed (its `value` array's `]` or the page's `}` missing)"
    } else {
        "a JSON array that is not closed (`[` without its `]`)"
    };
    format!(
        "licdiag: error: {path}: {what}: the file ends before any record (an export cut short, \
         or a file still being written), which is not an export of nothing (`[]`); expected the \
         whole export, its array closed by `]`: export it again and let it finish (`Get-MgUser \
         -All ... | ConvertTo-Json -Depth 10 > users.json`, the same for groups and \
         subscribedSkus; from Graph, every page)"
    )
}

/// A users file of `[` alone was passed over in a folder as an export of nothing (and `analyze`
/// found a clean tenant); a page cut after its `value` array opened was read as an empty list of
/// the kind its context named. Each is one error line naming the file; `[]` is still an export
/// of nothing.
#[test]
fn an_export_cut_before_its_first_record_is_an_error() {
    let f = "fixtures/robust/cut-users";
    let users = format!("{f}/users.json");
    for cmd in ["analyze", "inspect", "timeline"] {
        let (code, out, err) = run(&["--no-progress", cmd, f]);
        assert_eq!(code, 2, "{cmd}: {out}");
        assert_eq!(err.trim(), unclosed_error(&users, false), "{cmd}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text, page) in [
        ("users.json", "\u{feff}[ \r\n", false),
        ("nested.json", "[[", false),
        ("groups.json", r#"{"value":["#, true),
        (
            "users-page.json",
            r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":["#,
            true,
        ),
        (
            "subscribedSkus.json",
            "{\n \"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#subscribedSkus\",\n \"value\": [\n",
            true,
        ),
        ("closed-array-open-page.json", r#"{"value":[]"#, true),
    ] {
        let p = write(dir.path(), name, text);
        let (code, out, err) = run(&["--no-progress", "inspect", &p]);
        assert_eq!(code, 2, "{name}: {out}");
        assert_eq!(err.trim(), unclosed_error(&p, page), "{name}");
    }
    // whole, and empty: an export of nothing, passed over in a folder
    let p = write(dir.path(), "empty.json", "[]");
    let (code, _, err) = run(&["--no-progress", "inspect", &p]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("JSON with no records"), "{err}");
}

/// An export cut after whole records (no record cut in two, so none is skipped) is read up to the
/// end, with a note that says so in every report and on standard error; `--strict` refuses it.
#[test]
fn an_export_cut_after_whole_records_is_read_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("export");
    std::fs::create_dir(&d).expect("mkdir");
    std::fs::copy(
        fixture("robust/snapshot/groups.json"),
        d.join("groups.json"),
    )
    .expect("copy");
    let users = std::fs::read_to_string(fixture("robust/snapshot/users.json")).expect("users");
    // the array's `]` and what follows it cut off
    let cut = users.trim_end().strip_suffix(']').expect("an array");
    let p = write(&d, "users.json", &format!("{cut},\n"));
    let note = format!(
        "{p}: a JSON array that is not closed (`[` without its `]`): the file ends after record 1 \
         (an export cut short, or a file still being written): the record before the end was \
         read, and whatever followed is missing; export it again and let it finish (`... | \
         ConvertTo-Json -Depth 10`)"
    );
    let dir_s = d.display().to_string();
    let (code, out, err) = run(&["--no-progress", "analyze", &dir_s]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(&format!("input: {note}")), "{out}");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");
    let (code, out, err) = run(&["--no-progress", "inspect", &p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("records     1  = events 0 + snapshot objects 1 + skipped 0"),
        "{out}"
    );
    let (code, _, err) = run(&["--no-progress", "analyze", "--strict", &dir_s]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "licdiag: error: {p}: a JSON array that is not closed (`[` without its `]`): the file ends after record 1"
        )) && err.trim_end().ends_with("(--strict makes malformed records fatal)"),
        "{err}"
    );
}

/// An export cut inside its last record is the same cut export for the reader: the cut record is
/// a truncated record, and the note says the file ends inside it and whatever followed is missing
/// (README, "PATH"); cut inside its first record, with no whole one before it, it is refused.
#[test]
fn an_export_cut_inside_its_last_record_says_the_file_ends_early() {
    let p = fixture("malformed/truncated-array.json")
        .display()
        .to_string();
    let body =
        "a JSON array that is not closed (`[` without its `]`): the file ends inside record \
                4, after record 3 (an export cut short, or a file still being written): the 3 \
                records before it were read, record 4 is cut (a truncated record), and whatever \
                followed is missing; export it again and let it finish (`... | ConvertTo-Json \
                -Depth 10`)";
    let note = format!("{p}: {body}");
    let (code, out, err) = run(&["--no-progress", "inspect", &p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("note        {body}")), "{out}");
    assert!(
        out.contains("record 4 (line 179): truncated record"),
        "{out}"
    );
    let (code, out, err) = run(&["--no-progress", "analyze", &p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("input: {note}")), "{out}");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(&p).expect("fixture");
    let first = write(dir.path(), "cut-first.json", &text[..600]);
    let (code, _, err) = run(&["--no-progress", "inspect", &first]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("1 record, not usable"), "{err}");
    assert!(!err.contains("ends inside record"), "{err}");
}

/// The message of a record that gives `key` twice.
fn duplicate(owner: &str, key: &str, first: &str, second: &str) -> String {
    format!(
        "{owner}the key `{key}` is given twice in the record, as {first} and as \
         {second}: which one holds cannot be told (a JSON reader keeps one without a word); export \
         it again, or remove the wrong one (a file edited or joined by hand?)"
    )
}

/// Ben's record names Ana's id after his own: read as Ana's (the last value wins in serde_json),
/// then dropped as a repeat of her, he vanished without a word. The record is skipped as a
/// malformed `duplicate key`, naming the key and both values; Ana is read. A users file of nothing
/// else is refused, and so are groups and products with a key twice; `--strict` refuses any.
#[test]
fn a_record_that_names_a_key_twice_is_skipped_with_its_reason() {
    let f = "fixtures/robust/duplicate-key";
    let users = format!("{f}/users.json");
    let ben = duplicate(
        "user ben@contoso.example: ",
        "id",
        "\"10000000-0000-4000-8000-000000000002\"",
        "\"10000000-0000-4000-8000-000000000001\"",
    );
    let (code, out, err) = run(&["--no-progress", "inspect", &users]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("records     2  = events 0 + snapshot objects 1 + skipped 1"),
        "{out}"
    );
    assert!(out.contains("1  duplicate key"), "{out}");
    assert!(
        out.contains(&format!(
            "problem     record 2 (line 13): duplicate key: {ben}"
        )),
        "{out}"
    );
    let out = skipped_then_fatal(f, &users, "record 2 (line 13): duplicate key", &ben);
    assert!(out.contains("snapshot: 1 users"), "{out}");
    assert!(out.contains("ana@contoso.example"), "{out}");

    let dir = tempfile::tempdir().expect("tempdir");
    let sku = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    for (name, text, want) in [
        // the later id `null`: said as the duplicate, not as a user with no id
        (
            "users.json",
            r#"[{"id":"10000000-0000-4000-8000-000000000001","userPrincipalName":"ana@contoso.example","assignedLicenses":[],"id":null}]"#.to_string(),
            duplicate("", "id", "\"10000000-0000-4000-8000-000000000001\"", "null"),
        ),
        // any key, in any case: the lookup is case-insensitive, so `Id` is `id` again
        (
            "users-upn.json",
            r#"[{"id":"10000000-0000-4000-8000-000000000001","userPrincipalName":"ana@contoso.example","UserPrincipalName":"ben@contoso.example","assignedLicenses":[]}]"#.to_string(),
            duplicate("user ana@contoso.example: ", "userPrincipalName", "\"ana@contoso.example\"", "\"ben@contoso.example\""),
        ),
        (
            "groups.json",
            format!(r#"{{"value":[{{"id":"20000000-0000-4000-8000-000000000001","displayName":"LIC-E3","securityEnabled":true,"assignedLicenses":[{{"skuId":"{sku}"}}],"assignedLicenses":[]}}]}}"#),
            duplicate("group LIC-E3: ", "assignedLicenses", &format!("[{{\"skuId\":\"{sku}\"}}]"), "[]"),
        ),
        (
            "subscribedSkus.json",
            format!(r#"[{{"skuId":"{sku}","skuPartNumber":"ENTERPRISEPACK","consumedUnits":5,"prepaidUnits":{{"enabled":10}},"ConsumedUnits":50}}]"#),
            duplicate("subscribedSku ENTERPRISEPACK: ", "consumedUnits", "5", "50"),
        ),
    ] {
        let p = write(dir.path(), name, &text);
        let (code, out, err) = run(&["--no-progress", "inspect", &p]);
        assert_eq!(code, 2, "{name}: {out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "licdiag: error: {p}: 1 record, not usable (record 1: {want}); expected"
            )),
            "{name}: {err}"
        );
    }
    // the same value twice is harmless: read
    let p = write(
        dir.path(),
        "same.json",
        r#"[{"id":"10000000-0000-4000-8000-000000000001","userPrincipalName":"ana@contoso.example","assignedLicenses":[],"id":"10000000-0000-4000-8000-000000000001"}]"#,
    );
    let (code, out, err) = run(&["--no-progress", "inspect", &p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("records     1  = events 0 + snapshot objects 1 + skipped 0"),
        "{out}"
    );
}

/// LIC-E3 listed twice in one groups export, the second copy with another product and member:
/// the two were merged without a word (LIC-E3 assigning EMS too, to a member it does not have).
/// The first copy is read; the repeat is skipped, counted, and said in a note naming its record,
/// the group and the record it was first read from.
#[test]
fn a_group_listed_twice_in_one_file_is_read_once_and_said() {
    let f = "fixtures/robust/repeated-group";
    let groups = format!("{f}/groups.json");
    let note = format!(
        "{groups}: 1 group listed again in the file (an `id` read before) skipped, the first \
         copy read (first: record 3 (line 22): group LIC-E3 (renamed) \
         (20000000-0000-4000-8000-000000000001), first read in record 1, with other licenses, \
         members or properties than that copy, which are not used: two exports joined into one \
         file? give each its own file)"
    );
    let (code, out, err) = run(&["--no-progress", "inspect", &groups]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("records     3  = events 0 + snapshot objects 2 + skipped 1"),
        "{out}"
    );
    assert!(
        out.contains("1  repeated group (same id as one read before in the file)"),
        "{out}"
    );
    assert!(!out.contains("problem"), "not malformed: {out}");
    let (code, out, err) = run(&["--no-progress", "analyze", f]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(&format!("input: {note}")), "{out}");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");
    assert!(out.contains("snapshot: 1 users, 2 groups"), "{out}");
    // the first copy: LIC-E3 assigns ENTERPRISEPACK alone, to its one member
    let (_, out, _) = run(&[
        "--no-progress",
        "sql",
        f,
        "-q",
        "select display_name, member_count, license_skus from groups order by display_name",
        "--format",
        "csv",
    ]);
    assert_eq!(
        out.trim(),
        "display_name,member_count,license_skus\nLIC-E3,1,ENTERPRISEPACK\nLIC-EMS,0,EMS"
    );
    // not malformed: `--strict` reads it
    let (code, _, err) = run(&["--no-progress", "analyze", "--strict", f]);
    assert_eq!(code, 1, "{err}");
}

/// A user and a product entry repeated in their files were counted already; the note now names
/// the record of the first repeat, who or what it is, and where it was first read, as a
/// repeated group's does.
#[test]
fn a_repeated_user_or_product_is_said_with_its_record() {
    let f = "fixtures/robust/repeated-user";
    let (code, out, err) = run(&["--no-progress", "analyze", f]);
    assert_eq!(code, 1, "{err}");
    let note = format!(
        "{f}/users.json: 1 user listed again in the file (an id read before, with the same \
         license errors) skipped, the copy with the most license states read (first: record 2 \
         (line 13): user ana@contoso.example (10000000-0000-4000-8000-000000000001), first read \
         in record 1)"
    );
    assert!(out.contains(&format!("input: {note}")), "{out}");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    let entry = r#"{"id":"a_6fd2c87f-b296-42f0-b197-1e91e994b900","accountId":"a","skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","skuPartNumber":"ENTERPRISEPACK","consumedUnits":1,"prepaidUnits":{"enabled":2}}"#;
    let p = write(
        dir.path(),
        "subscribedSkus.json",
        &format!("{{\"value\":[\n{entry},\n{entry}\n]}}"),
    );
    let (code, out, err) = run(&["--no-progress", "inspect", &p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "note        1 product entry listed again in the file (the same skuId, account and \
             seats) skipped (first: record 2 (line 3): ENTERPRISEPACK \
             (6fd2c87f-b296-42f0-b197-1e91e994b900), first read in record 1)"
        ),
        "{out}"
    );
}

/// `consumedUnits: null` and `prepaidUnits.enabled: null` were read as 0 consumed and 0 enabled (a
/// full product looked free, an empty one over-assigned): the product's seats are unknown, said in
/// the note with the field, and no seat numbers are judged for it.
#[test]
fn a_null_seat_count_is_unknown_not_zero() {
    let f = "fixtures/robust/impossible-seats";
    for (field, skus) in [
        (
            "consumedUnits",
            r#"{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","skuPartNumber":"ENTERPRISEPACK","consumedUnits":null,"prepaidUnits":{"enabled":1}}"#,
        ),
        (
            "prepaidUnits.enabled",
            r#"{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","skuPartNumber":"ENTERPRISEPACK","consumedUnits":1,"prepaidUnits":{"enabled":null}}"#,
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["users.json", "groups.json"] {
            std::fs::copy(format!("{f}/{name}"), dir.path().join(name)).expect("copy");
        }
        let other = r#"{"skuId":"efccb6f7-5641-4e0e-bd10-b4976e1bf68e","skuPartNumber":"EMS","consumedUnits":1,"prepaidUnits":{"enabled":10}}"#;
        let p = write(
            dir.path(),
            "subscribedSkus.json",
            &format!("[{skus},\n{other}]"),
        );
        let d = dir.path().display().to_string();
        let (code, out, err) = run(&["--no-progress", "analyze", &d]);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!(
                "{p}: 1 record skipped as malformed (first: record 1 (line 1): unknown seat \
                 count: {field} is null: "
            )) && err.contains("(a skipped product's seats are not judged)"),
            "{err}"
        );
        assert!(
            out.contains("seat numbers and reclaimable seats are unknown")
                && !out.contains("ENTERPRISEPACK has 1 enabled and 0 consumed")
                && !out.contains("ENTERPRISEPACK has 0 enabled"),
            "{out}"
        );
        let (_, out, _) = run(&["--no-progress", "inspect", &p]);
        assert!(
            out.contains("subscribedSku ENTERPRISEPACK")
                && out.contains("is null, so the product's seat counts are unknown"),
            "{out}"
        );
    }
}

/// Two user objects (distinct ids) with one UPN, written in another case and padded: Entra keeps a
/// UPN unique among a tenant's users, so the export mixes objects. Said as an input note in
/// `analyze` (table, JSON, standard error) and as a warning of `diff` for the side that holds them;
/// one user listed twice under one id (`repeated-user/`) and the generated sample tenant one day
/// later (whose new hire once took a base user's UPN) give no such note.
#[test]
fn a_upn_held_by_two_user_objects_is_said() {
    let f = "fixtures/robust/duplicate-upn";
    let note = format!(
        "{f}/users.json: 1 UPN is held by more than one user object (such as ana@contoso.example: \
         ids 10000000-0000-4000-8000-000000000001 and 10000000-0000-4000-8000-000000000003): a UPN \
         is unique among a tenant's users, so the export mixes objects of different times (a user \
         deleted and re-created?) or of different tenants; licdiag keeps users apart by object id \
         (each object is its own user in the findings, whose JSON and commands give its id, and \
         `licdiag diff` matches users by id), so a text that names users by UPN names those \
         objects alike"
    );
    let (code, out, err) = run(&["--no-progress", "analyze", f]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(&format!("input: {note}")), "{out}");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");
    // both objects are users of the finding, by id
    assert!(out.contains("affecting 2 users"), "{out}");

    let (code, out, err) = run(&["--no-progress", "analyze", "--format", "json", f]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let users = v["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["path"] == format!("{f}/users.json"))
        .expect("the users input");
    let (_, text) = note.split_once(": ").expect("path: note");
    assert_eq!(users["notes"], serde_json::json!([text]), "{users}");
    let ids: Vec<&str> = v["findings"][0]["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "10000000-0000-4000-8000-000000000001",
            "10000000-0000-4000-8000-000000000003"
        ]
    );

    // diff: a warning of the side holding them, in every format
    let new_warning = format!("NEW {note}");
    let (_, out, err) = run(&["--no-progress", "diff", "fixtures/robust/snapshot", f]);
    assert!(out.contains(&format!("warning: {new_warning}")), "{out}");
    assert!(err.contains(&format!("licdiag: note: {note}")), "{err}");
    let (_, out, err) = run(&[
        "--no-progress",
        "diff",
        "--format",
        "json",
        f,
        "fixtures/robust/snapshot",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["warnings"],
        serde_json::json!([format!("OLD {note}")]),
        "{err}"
    );
    // as far as markdown and HTML leave the text as it is (they escape the quote and backticks)
    let head = note.split_once("): ").expect("the note's head").0;
    for format in ["md", "html"] {
        let (_, out, _) = run(&["--no-progress", "diff", "--format", format, f, f]);
        assert!(out.contains(&format!("OLD {head}")), "{format}: {out}");
        assert!(out.contains(&format!("NEW {head}")), "{format}: {out}");
    }

    // no such note: one user twice under one id, and the sample tenant's two snapshots
    let (_, out, err) = run(&["--no-progress", "analyze", "fixtures/robust/repeated-user"]);
    assert!(!out.contains(crate_note()), "{out}");
    assert!(!err.contains(crate_note()), "{err}");
    let (_, out, err) = run(&[
        "--no-progress",
        "diff",
        "fixtures/sample-tenant/snapshot",
        "fixtures/snapshot-after",
    ]);
    assert!(!out.contains(crate_note()), "{out}");
    assert!(!err.contains(crate_note()), "{err}");
}

/// The words of every duplicate-UPN note.
fn crate_note() -> &'static str {
    "held by more than one user object"
}
