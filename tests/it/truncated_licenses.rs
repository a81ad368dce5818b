//! License lists Entra truncated (formats.md quirk 7), through the binary on
//! fixtures/agree/truncated-license-lists.json: `[E3, EMSPREMIUM, MCOMEETADV]` ->
//! `[VISIOCLIENT, E3, EMSPREMIUM, MCOMEETADV]` with one list cut. MCOMEETADV, lost in the cut, was
//! shown removed (new list cut) or added (old list cut); it is now shown as unsure, and the events
//! table says which list was cut. The fast path and the full parse read the file alike
//! (`ingest_formats::fast_path_and_full_parse_agree` reads every file of fixtures/agree).

use crate::common::{fixture, json_of, licdiag};
use serde_json::{json, Value};

const FILE: &str = "fixtures/agree/truncated-license-lists.json";

#[test]
fn timeline_shows_what_a_truncated_list_leaves_unsure() {
    let out = licdiag().args(["timeline", FILE]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "no failure in the story");
    let text = String::from_utf8_lossy(&out.stdout);
    let details: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("license changed"))
        .map(|l| l.split("  by ").nth(1).expect("a detail"))
        .collect();
    assert_eq!(
        details,
        [
            // flo: new list cut inside MCOMEETADV's entry (was: `removed MCOMEETADV`)
            "ana.admin@fabrikam.example; added VISIOCLIENT; new license list truncated by Entra (MCOMEETADV kept or removed)",
            // gus: old list cut (was: `added MCOMEETADV, VISIOCLIENT`)
            "ana.admin@fabrikam.example; old license list truncated by Entra (MCOMEETADV, VISIOCLIENT added or kept)",
            // hana: new list cut after a whole entry, its array left open
            "ana.admin@fabrikam.example; added VISIOCLIENT; new license list truncated by Entra (MCOMEETADV kept or removed)",
            // ivan: chunk 1 of 2 alone
            "ana.admin@fabrikam.example; added VISIOCLIENT; new license list truncated by Entra (MCOMEETADV kept or removed)",
            // jade: both lists whole, a real removal
            "ana.admin@fabrikam.example; removed MCOMEETADV",
        ],
        "{text}"
    );
    assert!(!text.contains("removed MCOMEETADV;"), "{text}");

    let (v, _) = json_of(&["timeline", FILE]);
    let es = v["entries"].as_array().expect("entries");
    let of = |upn: &str| -> &Value {
        es.iter()
            .find(|e| e["user"]["upn"] == upn)
            .unwrap_or_else(|| panic!("{upn}: {es:#?}"))
    };
    let flo = of("flo@fabrikam.example");
    assert_eq!(flo["stage"], "license_changed");
    assert_eq!(flo["added"], json!(["VISIOCLIENT"]));
    assert!(flo.get("removed").is_none(), "{flo}");
    assert_eq!(
        flo["truncated"],
        json!({"old": false, "new": true, "kept_or_removed": ["MCOMEETADV"]})
    );
    let gus = of("gus@fabrikam.example");
    assert!(gus.get("added").is_none(), "{gus}");
    assert_eq!(
        gus["truncated"],
        json!({"old": true, "new": false, "added_or_kept": ["MCOMEETADV", "VISIOCLIENT"]})
    );
    let jade = of("jade@fabrikam.example");
    assert_eq!(jade["removed"], json!(["MCOMEETADV"]));
    assert!(jade.get("truncated").is_none(), "{jade}");
}

#[test]
fn events_table_says_a_list_was_truncated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = licdiag()
        .arg("export")
        .arg(fixture("agree/truncated-license-lists.json"))
        .args(["--format", "ndjson", "--out"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("events.ndjson")).expect("events");
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .filter(|r| r["activity"] == "Update user")
        .map(|r| {
            json!([
                r["target_upn"],
                r["skus_added"],
                r["skus_removed"],
                r["licenses_truncated"]
            ])
        })
        .collect();
    assert_eq!(
        rows,
        [
            json!(["flo@fabrikam.example", ["VISIOCLIENT"], [], "new"]),
            json!(["gus@fabrikam.example", [], [], "old"]),
            json!(["hana@fabrikam.example", ["VISIOCLIENT"], [], "new"]),
            json!(["ivan@fabrikam.example", ["VISIOCLIENT"], [], "new"]),
            json!(["jade@fabrikam.example", [], ["MCOMEETADV"], null]),
        ]
    );
}
