//! `licdiag timeline` through the binary on the sample tenant: the story of LIC-O365-E3 (group license
//! set by ana.admin -> processing -> CountViolation failures -> finish counts -> seats (inferred) and
//! recalculation -> Rosa resolved with her time to resolve), time to resolve per cause, what is still
//! open, the filters (--user, --group, --since/--until) and their errors, every output format, and the
//! Markdown pinned with insta (tests/it/snapshots).

use crate::common::{json_of, licdiag};
use serde_json::Value;

const TENANT: &str = "fixtures/sample-tenant";
const E3_GROUP: &str = "c3ef798d-70e7-5535-9156-8a8f67e593c1";
const POWERBI_GROUP: &str = "c6658d71-2aab-54f0-bd87-9cbfd99c66c7";
const ROSA: &str = "rosa.delgado@fabrikam.example";
const ROSA_ID: &str = "c6baeca3-7a42-51c3-a070-fadc031bd99c";
/// 2026-10-08T13:02:12.16Z - 2026-10-06T08:02:40.39Z, whole seconds.
const ROSA_TTR: i64 = 2 * 86_400 + 4 * 3_600 + 59 * 60 + 31;

fn timeline(extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["timeline", TENANT];
    args.extend_from_slice(extra);
    json_of(&args)
}

fn entries(v: &Value) -> &Vec<Value> {
    v["entries"].as_array().expect("entries array")
}

fn upn(e: &Value, field: &str) -> String {
    e[field]["upn"].as_str().unwrap_or_default().to_string()
}

/// Index of the first entry at or after `from` matching `pred`.
fn find(es: &[Value], from: usize, what: &str, pred: impl Fn(&Value) -> bool) -> usize {
    es.iter()
        .enumerate()
        .skip(from)
        .find(|(_, e)| pred(e))
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {what} after entry {from}: {es:#?}"))
}

fn is(e: &Value, stage: &str, group: &str) -> bool {
    e["stage"] == stage && e["group"]["id"] == group
}

#[test]
fn story_of_lic_o365_e3() {
    let (v, code) = timeline(&[]);
    assert_eq!(code, 1, "the sample tenant still has open errors");
    let es = entries(&v);

    let set = find(es, 0, "Set group license", |e| {
        is(e, "group_license_set", E3_GROUP)
    });
    assert_eq!(es[set]["who"], "ana.admin@fabrikam.example");
    assert_eq!(es[set]["added"], serde_json::json!(["EMS"]));
    assert_eq!(es[set]["result"], "success");
    assert_eq!(es[set]["time"], "2026-10-06T08:00:12.774040100Z");

    let start = find(es, set, "processing start", |e| {
        is(e, "processing_started", E3_GROUP)
    });
    let mut last = start;
    for user in ["kai.nakamura", "lena.vogel", "mateo.rossi", "rosa.delgado"] {
        let i = find(es, start, user, |e| {
            e["stage"] == "failure" && upn(e, "user").starts_with(user)
        });
        assert_eq!(
            es[i]["causes"],
            serde_json::json!(["CountViolation"]),
            "{user}"
        );
        assert_eq!(es[i]["sku"], "ENTERPRISEPACK", "{user}");
        assert_eq!(es[i]["group"]["id"], E3_GROUP, "{user}");
        assert!(i > last, "{user} fails after the previous one");
        last = i;
    }
    let finish = find(es, last, "finish", |e| {
        is(e, "processing_finished", E3_GROUP)
    });
    assert_eq!(
        (
            es[finish]["succeeded"].as_u64(),
            es[finish]["failed"].as_u64()
        ),
        (Some(10), Some(7))
    );

    let seats = find(es, finish, "seats fix", |e| {
        e["stage"] == "fix" && e["fix"] == "seats_added"
    });
    assert_eq!(es[seats]["inferred"], true);
    assert_eq!(es[seats]["group"]["id"], E3_GROUP);
    assert_eq!(es[seats]["skus"], serde_json::json!(["ENTERPRISEPACK"]));
    assert_eq!(es[seats]["users_resolved"], 1);
    assert!(
        es[seats].get("source").is_none(),
        "an inferred fix has no record"
    );

    let recalc = find(es, seats, "recalculation", |e| {
        e["stage"] == "reprocess" && e["subject"]["id"] == E3_GROUP
    });
    assert_eq!(es[recalc]["who"], "ana.admin@fabrikam.example");
    assert_eq!(
        es[recalc]["time"], es[seats]["time"],
        "seats are inferred at the reprocess"
    );

    let resolved = find(es, recalc, "Rosa resolved", |e| {
        e["stage"] == "resolved" && upn(e, "subject") == ROSA
    });
    let r = &es[resolved];
    assert_eq!(r["cause"], "CountViolation");
    assert_eq!(r["by"], "audit_success");
    assert_eq!(r["self_resolved"], false);
    assert_eq!(r["first_failed"], "2026-10-06T08:02:40.386531200Z");
    assert_eq!(r["time"], "2026-10-08T13:02:12.160551700Z");
    assert_eq!(r["time_to_resolve_seconds"], ROSA_TTR);
    let finish2 = find(es, resolved, "second finish", |e| {
        is(e, "processing_finished", E3_GROUP)
    });
    assert_eq!(
        (
            es[finish2]["succeeded"].as_u64(),
            es[finish2]["failed"].as_u64()
        ),
        (Some(11), Some(6))
    );

    // sorted by time
    let times: Vec<&str> = es.iter().map(|e| e["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    // kai, lena and mateo are not resolved
    for user in ["kai.nakamura", "lena.vogel", "mateo.rossi"] {
        assert!(!es
            .iter()
            .any(|e| e["stage"] == "resolved" && upn(e, "subject").starts_with(user)));
    }
}

#[test]
fn time_to_resolve_and_still_open() {
    let (v, _) = timeline(&[]);
    let stats = v["time_to_resolve"].as_array().unwrap();
    let of = |c: &str| {
        stats
            .iter()
            .find(|s| s["cause"] == c)
            .unwrap_or_else(|| panic!("{c} in {stats:#?}"))
    };
    let count = of("CountViolation");
    // kai, lena, mateo, rosa (E3) and olivia (STANDARDPACK, named by the audit text)
    assert_eq!(count["episodes"], 5);
    assert_eq!(count["resolved"], 1);
    assert_eq!(count["still_open"], 4);
    assert_eq!(count["median_seconds"], ROSA_TTR);
    assert_eq!(count["max_seconds"], ROSA_TTR);
    let conc = of("LicenseAssignmentAttributeConcurrencyException");
    assert_eq!(
        (conc["resolved"].as_u64(), conc["still_open"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        conc["median_seconds"],
        18 * 60 + 23,
        "omar retried ok after 18m 23s"
    );
    assert_eq!(of("MissingPrerequisite")["still_open"], 1);
    // only the snapshot knows liam's error
    assert_eq!(of("LicenseServiceUnavailableViolation")["still_open"], 1);

    let open = v["still_open"].as_array().unwrap();
    let key = |o: &Value| {
        (
            o["cause"].as_str().unwrap_or("-").to_string(),
            o["subject"]["upn"]
                .as_str()
                .or(o["subject"]["name"].as_str())
                .unwrap_or("-")
                .to_string(),
        )
    };
    let keys: Vec<(String, String)> = open.iter().map(key).collect();
    for u in ["kai.nakamura", "lena.vogel", "mateo.rossi"] {
        assert!(
            keys.contains(&("CountViolation".into(), format!("{u}@fabrikam.example"))),
            "{u} is still open: {keys:?}"
        );
    }
    assert!(!keys.iter().any(|(_, s)| s == ROSA), "rosa is resolved");
    assert!(
        !keys.iter().any(|(_, s)| s.starts_with("omar")),
        "omar self-resolved"
    );
    assert!(keys.contains(&(
        "MissingPrerequisite".into(),
        "LIC-WorkplaceAnalytics".into()
    )));
    let liam = open
        .iter()
        .find(|o| o["subject"]["upn"] == "liam.obrien@fabrikam.example")
        .expect("liam");
    assert_eq!(liam["seen_in_audit"], false);
    // an `Other` beside a user's real error is not listed twice
    assert!(!keys.iter().any(|(c, _)| c == "Other"), "{keys:?}");
    let kai = open
        .iter()
        .find(|o| o["subject"]["upn"] == "kai.nakamura@fabrikam.example")
        .unwrap();
    assert_eq!(kai["seen_in_audit"], true);
    assert_eq!(kai["confirmed_pending"], true);
    assert_eq!(kai["since"], "2026-10-06T08:01:52.534702600Z");
}

#[test]
fn user_filter_keeps_her_story_and_its_group_steps() {
    for who in [
        ROSA,
        "Rosa.Delgado@FABRIKAM.example",
        ROSA_ID,
        &ROSA_ID.to_uppercase(),
    ] {
        let (v, code) = timeline(&["--user", who]);
        assert_eq!(code, 0, "everything in Rosa's story is resolved ({who})");
        assert_eq!(v["filters"]["user"]["id"], ROSA_ID);
        let es = entries(&v);
        let stages: Vec<&str> = es.iter().map(|e| e["stage"].as_str().unwrap()).collect();
        assert_eq!(
            stages,
            [
                "group_license_set",
                "processing_started",
                "failure",
                "processing_finished",
                "fix",
                "reprocess",
                "processing_started",
                "resolved",
                "processing_finished"
            ],
            "{who}"
        );
        for e in es {
            let about_rosa = e["user"]["id"] == ROSA_ID || e["subject"]["id"] == ROSA_ID;
            let e3_step = e["group"]["id"] == E3_GROUP || e["subject"]["id"] == E3_GROUP;
            assert!(about_rosa || e3_step, "{e:#}");
        }
        assert!(v["still_open"].as_array().unwrap().is_empty());
        let stats = v["time_to_resolve"].as_array().unwrap();
        assert_eq!(stats.len(), 1);
        assert_eq!(stats[0]["median_seconds"], ROSA_TTR);
    }
}

#[test]
fn group_filter_narrows_to_the_group() {
    for g in ["LIC-PowerBI", "lic-powerbi", POWERBI_GROUP] {
        let (v, code) = timeline(&["--group", g]);
        assert_eq!(code, 1, "reza and samir are still failing");
        assert_eq!(v["filters"]["group"]["name"], "LIC-PowerBI");
        let es = entries(&v);
        let summary: Vec<(String, String)> = es
            .iter()
            .map(|e| (e["stage"].as_str().unwrap().to_string(), upn(e, "user")))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "membership_changed".into(),
                    "reza.karimi@fabrikam.example".into()
                ),
                (
                    "membership_changed".into(),
                    "samir.haddad@fabrikam.example".into()
                ),
                ("failure".into(), "reza.karimi@fabrikam.example".into()),
                ("failure".into(), "samir.haddad@fabrikam.example".into()),
            ],
            "{g}"
        );
        for e in es.iter().filter(|e| e["stage"] == "failure") {
            assert_eq!(
                e["causes"],
                serde_json::json!(["ProhibitedInUsageLocationViolation"])
            );
            assert_eq!(e["group"]["id"], POWERBI_GROUP);
        }
        let open = v["still_open"].as_array().unwrap();
        assert_eq!(open.len(), 2);
        assert!(open.iter().all(|o| o["group"]["id"] == POWERBI_GROUP));
    }
}

#[test]
fn since_until_narrow_by_time() {
    let (v, _) = timeline(&["--since", "2026-10-08", "--until", "2026-10-08"]);
    let es = entries(&v);
    assert!(!es.is_empty());
    for e in es {
        let t = e["time"].as_str().unwrap();
        assert!(t.starts_with("2026-10-08T"), "{t}");
    }
    assert!(es.iter().any(|e| e["stage"] == "resolved"));
    assert!(!es.iter().any(|e| e["stage"] == "failure"));
    assert_eq!(v["filters"]["since"], "2026-10-08T00:00:00Z");
    // omar's episode (2026-10-07) is outside the window, priya's is still open in it
    let stats = v["time_to_resolve"].as_array().unwrap();
    let conc = stats
        .iter()
        .find(|s| s["cause"] == "LicenseAssignmentAttributeConcurrencyException")
        .unwrap();
    assert_eq!(
        (conc["episodes"].as_u64(), conc["resolved"].as_u64()),
        (Some(1), Some(0))
    );

    // RFC 3339 bounds, combined with a user
    let (v, code) = timeline(&[
        "--user",
        ROSA,
        "--since",
        "2026-10-06T08:02:00Z",
        "--until",
        "2026-10-06T08:10:00Z",
    ]);
    assert_eq!(code, 0);
    let stages: Vec<&str> = entries(&v)
        .iter()
        .map(|e| e["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["failure", "processing_finished"]);
}

#[test]
fn audit_log_alone_tells_the_same_story() {
    let (v, code) = json_of(&["timeline", "fixtures/sample-tenant/audit", "--user", ROSA]);
    assert_eq!(code, 0);
    let es = entries(&v);
    let r = es
        .iter()
        .find(|e| e["stage"] == "resolved")
        .expect("resolved");
    assert_eq!(r["time_to_resolve_seconds"], ROSA_TTR);
    assert_eq!(v["evidence"]["snapshot_users"], 0);
}

#[test]
fn bad_filters_are_usage_errors() {
    let cases: [(&[&str], &str); 5] = [
        (&["--user", "rosa"], "--user: \"rosa\" matches no user"),
        (
            &["--group", "LIC-Nothing"],
            "--group: \"LIC-Nothing\" matches no group",
        ),
        (
            &["--since", "last week"],
            "--since: \"last week\" is not a time",
        ),
        (
            &["--until", "2026-13-01"],
            "--until: \"2026-13-01\" is not a time",
        ),
        (
            &["--since", "2026-10-09", "--until", "2026-10-08"],
            "--since: 2026-10-09T00:00:00Z is after --until",
        ),
    ];
    for (args, msg) in cases {
        let out = licdiag()
            .arg("timeline")
            .arg(TENANT)
            .args(args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    // the error suggests the UPN
    let out = licdiag()
        .args(["timeline", TENANT, "--user", "rosa"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains(ROSA));
}

/// Review finding 6: a typo in --user / --group is answered with "did you mean" (edit distance),
/// not only a part of a UPN or name.
#[test]
fn a_typo_gets_did_you_mean() {
    let cases: [(&str, &str, &str); 3] = [
        ("--user", "rosa.delgad@fabrikam.example", ROSA),
        ("--user", "rosa.delgado@fabrikam.exmaple", ROSA),
        ("--group", "LIC-O365E3", "LIC-O365-E3"),
    ];
    for (flag, text, meant) in cases {
        let out = licdiag()
            .args(["timeline", TENANT, flag, text])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.trim_end()
                .ends_with(&format!("; did you mean {meant}?")),
            "{text}: {err}"
        );
    }
}

#[test]
fn table_is_the_default() {
    let out = licdiag()
        .args(["timeline", TENANT, "--user", ROSA])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.starts_with("licdiag timeline: 9 entries"), "{s}");
    assert!(s.contains("fix: seats added"), "{s}");
    assert!(
        s.contains("resolved             rosa.delgado@fabrikam.example"),
        "{s}"
    );
    assert!(s.contains("after 2d 4h 59m 31s"), "{s}");
    assert!(s.contains("time to resolve per cause:"), "{s}");
}

#[test]
fn markdown_snapshots() {
    let v = concat!("licdiag ", env!("CARGO_PKG_VERSION"));
    for (name, extra) in [
        ("timeline_sample_tenant_md", vec![]),
        ("timeline_rosa_md", vec!["--user", ROSA]),
    ] {
        let out = licdiag()
            .args(["timeline", TENANT, "--format", "md"])
            .args(&extra)
            .output()
            .expect("run");
        assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
        let md = String::from_utf8(out.stdout)
            .unwrap()
            .replace(v, "licdiag [version]");
        insta::assert_snapshot!(name, md);
    }
}

#[test]
fn html_is_self_contained_and_escaped() {
    let out = licdiag()
        .args(["timeline", TENANT, "--format", "html"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let h = String::from_utf8(out.stdout).unwrap();
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(h.trim_end().ends_with("</html>"));
    assert!(h.contains("Content-Security-Policy"));
    for bad in ["<script", "<img", "<link", "http://", "https://", " src="] {
        assert!(!h.contains(bad), "{bad} in the HTML");
    }
    assert!(h.contains("`Change user license` succeeded"));
    assert!(h.contains("<td>rosa.delgado@fabrikam.example</td>"));
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("timeline.json");
    let out = licdiag()
        .args(["timeline", TENANT, "--format", "json", "-o"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_slice(&std::fs::read(&path).expect("written")).expect("json");
    assert_eq!(v["schema_version"], "1");
    assert!(!entries(&v).is_empty());
}

#[test]
fn redact_pseudonymizes_and_filters_still_resolve() {
    for extra in [vec![], vec!["--redact-key", "postmortem-key"]] {
        let mut args = vec![
            "timeline", TENANT, "--redact", "--user", ROSA, "--format", "json",
        ];
        args.extend_from_slice(&extra);
        let out = licdiag().args(&args).output().expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(!s.contains("fabrikam.example"), "personal data left: {s}");
        assert!(!s.contains("Rosa Delgado"), "display name left");
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["filters"]["user"]["id"], ROSA_ID, "object ids are kept");
        assert_eq!(entries(&v).len(), 9);
    }
    let (v, code) = timeline(&["--redact", "--group", "LIC-PowerBI"]);
    assert_eq!(code, 1);
    assert_eq!(v["filters"]["group"]["id"], POWERBI_GROUP);
    assert_ne!(v["filters"]["group"]["name"], "LIC-PowerBI");
}

#[test]
fn every_audit_format_tells_rosas_story() {
    let dir = crate::common::fixture("formats");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/formats")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x != "md"))
        .collect();
    files.sort();
    assert!(files.len() >= 9);
    for f in files {
        let path = f.to_string_lossy().to_string();
        let (v, code) = json_of(&["timeline", &path, "--user", ROSA]);
        assert_eq!(code, 0, "{path}");
        let stages: Vec<&str> = entries(&v)
            .iter()
            .map(|e| e["stage"].as_str().unwrap())
            .collect();
        assert_eq!(
            stages,
            [
                "group_license_set",
                "processing_started",
                "failure",
                "processing_finished",
                "fix",
                "reprocess",
                "processing_started",
                "resolved",
                "processing_finished"
            ],
            "{path}"
        );
        let r = entries(&v)
            .iter()
            .find(|e| e["stage"] == "resolved")
            .unwrap();
        // the unified audit log keeps whole seconds only
        let ttr = r["time_to_resolve_seconds"].as_i64().unwrap();
        assert!((ttr - ROSA_TTR).abs() <= 1, "{path}: {ttr}");
    }
}

/// Graph `directoryAudits` records built in the test (the review's story generators, reduced to
/// what each case needs), written as JSON Lines into a temporary folder.
mod story {
    use serde_json::{json, Value};

    const TENANT_ID: &str = "4c8e2f10-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    const GBL_SP: &str = "56a3ff61-7b3a-532b-9987-9dd69be70087";

    /// A GUID-shaped id, stable per name.
    pub fn id(name: &str) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h >> 20) & 0xfff,
            h & 0xffff_ffff_ffff
        )
    }

    fn sku(name: &str) -> &'static str {
        match name {
            "ENTERPRISEPACK" => "6fd2c87f-b296-42f0-b197-1e91e994b900",
            "MCOMEETADV" => "0c266dff-15dd-4b49-8397-2bb16070ed52",
            other => panic!("no SKU id for {other}"),
        }
    }

    fn lic(names: &[&str]) -> String {
        let v: Vec<String> = names
            .iter()
            .map(|n| {
                format!(
                    "[SkuName={n}, AccountId={TENANT_ID}, SkuId={}, DisabledPlans=[]]",
                    sku(n)
                )
            })
            .collect();
        serde_json::to_string(&v).expect("json")
    }

    pub fn admin(upn: &str) -> Value {
        json!({"user": {"id": id(upn), "displayName": null, "userPrincipalName": upn,
            "ipAddress": "203.0.113.10"}, "app": null})
    }

    pub fn gbl() -> Value {
        json!({"user": null, "app": {"appId": null,
            "displayName": "Microsoft Azure AD Group-Based Licensing",
            "servicePrincipalId": GBL_SP, "servicePrincipalName": null}})
    }

    pub fn mp(name: &str, old: Option<&str>, new: &str) -> Value {
        json!({"displayName": name, "oldValue": old, "newValue": new})
    }

    pub fn user(upn: &str, mods: Vec<Value>) -> Value {
        json!({"id": id(upn), "displayName": null, "type": "User", "userPrincipalName": upn,
            "groupType": null, "modifiedProperties": mods})
    }

    pub fn group(name: &str, mods: Vec<Value>) -> Value {
        json!({"id": id(name), "displayName": name, "type": "Group", "userPrincipalName": null,
            "groupType": "azureAD", "modifiedProperties": mods})
    }

    #[allow(clippy::too_many_arguments)]
    pub fn rec(
        t: &str,
        activity: &str,
        category: &str,
        by: Value,
        targets: Vec<Value>,
        result: &str,
        reason: &str,
    ) -> Value {
        let corr = id(&format!("{t}{activity}{targets:?}"));
        json!({"id": format!("Directory_{corr}_{}", id(&format!("{t}{activity}"))),
            "category": category, "correlationId": corr, "result": result,
            "resultReason": reason, "activityDisplayName": activity, "activityDateTime": t,
            "loggedByService": "Core Directory", "operationType": "Update", "initiatedBy": by,
            "targetResources": targets, "additionalDetails": []})
    }

    pub fn set_group(t: &str, g: &str, new: &[&str], by: &str) -> Value {
        let mods = vec![
            mp("AssignedLicense", Some(&lic(&[])), &lic(new)),
            mp("Included Updated Properties", None, "\"AssignedLicense\""),
        ];
        rec(
            t,
            "Set group license",
            "GroupManagement",
            admin(by),
            vec![group(g, mods)],
            "success",
            "",
        )
    }

    pub fn start(t: &str, g: &str) -> Value {
        rec(
            t,
            "Start applying group based license to users",
            "GroupManagement",
            gbl(),
            vec![group(g, vec![])],
            "success",
            "",
        )
    }

    pub fn finish(t: &str, g: &str, ok: u32, bad: u32) -> Value {
        let r = format!(
            "[Users successfully assigned licenses: {ok}, Users for whom license assignment failed: {bad}.];"
        );
        rec(
            t,
            "Finish applying group based license to users",
            "GroupManagement",
            gbl(),
            vec![group(g, vec![mp("Result", Some("[]"), &r)])],
            "success",
            "",
        )
    }

    pub fn recalc(t: &str, g: &str, by: &str) -> Value {
        rec(
            t,
            "Trigger group license recalculation",
            "GroupManagement",
            admin(by),
            vec![group(g, vec![])],
            "success",
            "",
        )
    }

    pub fn fail(t: &str, upn: &str, reason: &str) -> Value {
        rec(
            t,
            "Change user license",
            "UserManagement",
            gbl(),
            vec![user(upn, vec![])],
            "failure",
            reason,
        )
    }

    /// Group-based licensing licensed the user with `new`.
    pub fn ok(t: &str, upn: &str, new: &[&str]) -> Vec<Value> {
        license_pair(t, 0, upn, gbl(), &[], new)
    }

    pub fn member(t: &str, upn: &str, g: &str, by: &str) -> Value {
        let mods = vec![
            mp("Group.ObjectID", None, &format!("\"{}\"", id(g))),
            mp("Group.DisplayName", None, &format!("\"{g}\"")),
        ];
        rec(
            t,
            "Add member to group",
            "GroupManagement",
            admin(by),
            vec![user(upn, mods), group(g, vec![])],
            "success",
            "",
        )
    }

    pub fn delete_user(t: &str, upn: &str, by: &str) -> Value {
        rec(
            t,
            "Delete user",
            "UserManagement",
            admin(by),
            vec![user(upn, vec![])],
            "success",
            "",
        )
    }

    pub const CV: &str = "Not enough licenses are available to complete this operation. Purchase more licenses or remove unneeded licenses from users and groups for SKU [ENTERPRISEPACK]. Licenses being added: [ENTERPRISEPACK]";
    pub const DV: &str = "License assignment failed because service plan [MCOMEETADV] depends on the service plan(s) [MCOSTANDARD].";

    /// An administrator's license change of a user: the `Change user license` record and its
    /// `Update user` sibling (the same correlation id) with the license lists, `delay` seconds
    /// later.
    pub fn admin_change(
        t: &str,
        delay: i64,
        upn: &str,
        by: &str,
        old: &[&str],
        new: &[&str],
    ) -> Vec<Value> {
        license_pair(t, delay, upn, admin(by), old, new)
    }

    /// A `Change user license` by `by` and its `Update user` sibling (the same correlation id)
    /// with the license lists, `delay` seconds later.
    fn license_pair(
        t: &str,
        delay: i64,
        upn: &str,
        by: Value,
        old: &[&str],
        new: &[&str],
    ) -> Vec<Value> {
        let mut change = rec(
            t,
            "Change user license",
            "UserManagement",
            by.clone(),
            vec![user(upn, vec![])],
            "success",
            "",
        );
        let mods = vec![
            mp("AssignedLicense", Some(&lic(old)), &lic(new)),
            mp("Included Updated Properties", None, "\"AssignedLicense\""),
        ];
        let later = chrono::DateTime::parse_from_rfc3339(t).expect("time")
            + chrono::TimeDelta::seconds(delay);
        let mut update = rec(
            &later
                .to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "Update user",
            "UserManagement",
            by,
            vec![user(upn, mods)],
            "success",
            "",
        );
        update["correlationId"] = change["correlationId"].clone();
        change["id"] = json!(format!("{}_c", change["id"].as_str().unwrap_or_default()));
        vec![change, update]
    }

    /// One UAL identity list (`Actor` or `Target`) for a Graph target or actor.
    fn ual_identities(v: &Value) -> Vec<Value> {
        if let Some(app) = v.get("app").filter(|a| !a.is_null()) {
            let sp = app["servicePrincipalId"].as_str().unwrap_or_default();
            return vec![
                json!({"ID": app["displayName"], "Type": 1}),
                json!({"ID": format!("ServicePrincipal_{sp}"), "Type": 2}),
                json!({"ID": sp, "Type": 2}),
                json!({"ID": "ServicePrincipal", "Type": 2}),
            ];
        }
        let u = v.get("user").filter(|u| !u.is_null()).unwrap_or(v);
        let id = u["id"].as_str().unwrap_or_default();
        let kind = v["type"].as_str().unwrap_or("User");
        let mut out = Vec::new();
        if let Some(upn) = u["userPrincipalName"].as_str() {
            out.push(json!({"ID": upn, "Type": 5}));
        }
        out.extend([
            json!({"ID": format!("{kind}_{id}"), "Type": 2}),
            json!({"ID": id, "Type": 2}),
            json!({"ID": kind, "Type": 2}),
        ]);
        if let Some(name) = v["displayName"].as_str() {
            out.push(json!({"ID": name, "Type": 1}));
        }
        out
    }

    /// A Graph record as the unified audit log's `AuditData` (Purview JSON): operation with a
    /// period, `CreationTime` in whole seconds without a zone, and its own `InterSystemsId` (the
    /// UAL does not share the correlation id of a `Change user license` and its `Update user`).
    pub fn to_ual(r: &Value) -> Value {
        let time = r["activityDateTime"].as_str().expect("time");
        let targets = r["targetResources"].as_array().expect("targets");
        let first = &targets[0];
        let object_id = first["userPrincipalName"]
            .as_str()
            .or(first["id"].as_str())
            .unwrap_or_default();
        let mods: Vec<Value> = targets
            .iter()
            .flat_map(|t| {
                t["modifiedProperties"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|m| {
                json!({"Name": m["displayName"], "NewValue": m["newValue"].as_str().unwrap_or(""),
                    "OldValue": m["oldValue"].as_str().unwrap_or("")})
            })
            .collect();
        let mut ext = vec![json!({"Name": "additionalDetails", "Value": "{}"})];
        if let Some(reason) = r["resultReason"].as_str().filter(|x| !x.is_empty()) {
            ext.push(json!({"Name": "MethodExecutionResult.", "Value": reason}));
        }
        let gbl = !r["initiatedBy"]["app"].is_null();
        json!({
            "CreationTime": &time[..19],
            "Id": id(&format!("ual{}", r["id"])),
            "Operation": format!("{}.", r["activityDisplayName"].as_str().unwrap_or_default()),
            "OrganizationId": TENANT_ID,
            "RecordType": 8,
            "ResultStatus": if r["result"] == "success" { "Success" } else { "Failure" },
            "UserKey": "Not Available",
            "UserType": if gbl { 4 } else { 0 },
            "Version": 1,
            "Workload": "AzureActiveDirectory",
            "ObjectId": object_id,
            "UserId": r["initiatedBy"]["user"]["userPrincipalName"].as_str()
                .map_or_else(|| format!("ServicePrincipal_{GBL_SP}"), String::from),
            "ExtendedProperties": ext,
            "ModifiedProperties": mods,
            "Actor": ual_identities(&r["initiatedBy"]),
            "InterSystemsId": id(&format!("intersystems{}", r["id"])),
            "IntraSystemId": id(&format!("intra{}", r["id"])),
            "Target": targets.iter().flat_map(ual_identities).collect::<Vec<_>>(),
        })
    }

    /// Writes the records as `audit.jsonl` in a new temporary folder.
    pub fn write(records: &[Value]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(dir.path().join("audit.jsonl"), text).expect("write");
        dir
    }
}

const ANA: &str = "ana.admin@contoso.example";
const BOB: &str = "bob.admin@contoso.example";

/// Review finding 4: a failing user who is then deleted is not "still open" nor pending, and does
/// not make the exit code 1: the deletion is the fix and closes the episode (not resolved).
#[test]
fn a_deleted_user_closes_the_failure_and_the_exit_code_is_0() {
    use story::*;
    let f4 = "f4.user@contoso.example";
    let dir = write(&[
        set_group("2025-04-02T08:59:00Z", "LIC-Addon", &["MCOMEETADV"], ANA),
        member("2025-04-02T09:00:00Z", f4, "LIC-Addon", ANA),
        fail("2025-04-02T09:01:00Z", f4, DV),
        delete_user("2025-04-02T10:00:00Z", f4, ANA),
    ]);
    let path = dir.path().to_str().expect("utf-8 path");
    let (v, code) = json_of(&["timeline", path]);
    assert_eq!(code, 0, "nothing is open: {v:#}");
    assert_eq!(v["still_open"], serde_json::json!([]));
    let es = entries(&v);
    assert!(
        es.iter()
            .any(|e| e["stage"] == "fix" && e["fix"] == "user_deleted"),
        "{es:#?}"
    );
    let closed = es
        .iter()
        .find(|e| e["stage"] == "closed")
        .expect("a closed entry");
    assert_eq!(closed["by"], "user_deleted");
    assert_eq!(closed["subject"]["upn"], f4);
    assert_eq!(closed["cause"], "DependencyViolation");
    assert_eq!(closed["open_seconds"], 59 * 60);
    assert!(!es.iter().any(|e| e["stage"] == "resolved"), "{es:#?}");
    let st = &v["time_to_resolve"][0];
    assert_eq!(st["cause"], "DependencyViolation");
    assert_eq!(
        (&st["episodes"], &st["resolved"], &st["still_open"]),
        (&1.into(), &0.into(), &0.into())
    );
    assert_eq!(st["closed_by_deletion"], 1);
    // the table says so
    let out = licdiag().args(["timeline", path]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("closed by deletion, not resolved"), "{text}");
    assert!(!text.contains("still open as of"), "{text}");
}

/// Review finding 5: the inferred `seats added` step counts only the users its reprocess
/// licensed: f2 failed again right after the recalculation and was licensed hours later with no
/// admin step, so the step licensed f1 alone (and no purchase is inferred for f2).
#[test]
fn inferred_seats_count_only_users_whose_failure_did_not_come_back() {
    use story::*;
    let g = "LIC-Eng-E3";
    let (f1, f2) = ("f1.user@contoso.example", "f2.user@contoso.example");
    let mut recs = vec![
        set_group("2025-04-01T08:00:00Z", g, &["ENTERPRISEPACK"], ANA),
        start("2025-04-01T08:00:10Z", g),
        fail("2025-04-01T08:01:10Z", f1, CV),
        fail("2025-04-01T08:01:20Z", f2, CV),
        finish("2025-04-01T08:02:00Z", g, 0, 2),
        recalc("2025-04-01T10:01:00Z", g, BOB),
    ];
    recs.extend(ok("2025-04-01T10:01:20Z", f1, &["ENTERPRISEPACK"]));
    recs.push(fail("2025-04-01T10:01:25Z", f2, CV));
    recs.extend(ok("2025-04-01T12:01:20Z", f2, &["ENTERPRISEPACK"]));
    let dir = write(&recs);
    let (v, code) = json_of(&["timeline", dir.path().to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{v:#}");
    let fixes: Vec<&Value> = entries(&v).iter().filter(|e| e["stage"] == "fix").collect();
    assert_eq!(fixes.len(), 1, "{fixes:#?}");
    assert_eq!(fixes[0]["fix"], "seats_added");
    assert_eq!(fixes[0]["inferred"], true);
    assert_eq!(fixes[0]["time"], "2025-04-01T10:01:00Z");
    assert_eq!(fixes[0]["users_resolved"], 1, "f1 only: {fixes:#?}");
    let resolved: Vec<String> = entries(&v)
        .iter()
        .filter(|e| e["stage"] == "resolved")
        .map(|e| upn(e, "subject"))
        .collect();
    assert_eq!(resolved, [f1, f2]);
}

/// Review finding 8, end to end: an administrator's `Update user` that sets the usage location of
/// a user failing ProhibitedInUsageLocationViolation, or changes the proxy addresses of one
/// failing UniquenessViolation, is kept by the reader (both paths: the fast path sends such a
/// record to the full parse) and is the fix of the story; the same update for a user without
/// that failure is not a step.
#[test]
fn usage_location_and_proxy_address_updates_are_fixes_read_from_files() {
    use story::*;
    let (di, jo) = ("di.four@contoso.example", "jo.five@contoso.example");
    let update = |t: &str, upn: &str, name: &str, old: &str, new: &str| {
        rec(
            t,
            "Update user",
            "UserManagement",
            admin(ANA),
            vec![user(upn, vec![mp(name, Some(old), new)])],
            "success",
            "",
        )
    };
    let mut recs = vec![
        set_group("2025-03-04T08:00:00Z", "LIC-Sales-E3", &["ENTERPRISEPACK"], ANA),
        member("2025-03-04T08:00:30Z", di, "LIC-Sales-E3", ANA),
        member("2025-03-04T08:00:31Z", jo, "LIC-Sales-E3", ANA),
        fail("2025-03-04T08:01:30Z", di, "ProhibitedInUsageLocationViolation"),
        fail(
            "2025-03-04T08:01:40Z",
            jo,
            "License assignment failed because proxy address smtp:jo@contoso.example is already being used",
        ),
        // fixes nothing of jo's
        update("2025-03-04T10:00:00Z", jo, "UsageLocation", "[]", "[\"DE\"]"),
        update("2025-03-04T10:05:00Z", di, "UsageLocation", "[]", "[\"US\"]"),
        update(
            "2025-03-04T10:10:00Z",
            jo,
            "ProxyAddresses",
            "[\"smtp:jo@contoso.example\"]",
            "[\"smtp:jo.five@contoso.example\"]",
        ),
    ];
    recs.extend(ok("2025-03-04T11:01:10Z", di, &["ENTERPRISEPACK"]));
    recs.extend(ok("2025-03-04T11:01:20Z", jo, &["ENTERPRISEPACK"]));
    let dir = write(&recs);
    let path = dir.path().to_str().expect("utf-8 path");
    let (v, _) = json_of(&["timeline", path]);
    let fixes: Vec<(String, String, String)> = entries(&v)
        .iter()
        .filter(|e| e["stage"] == "fix")
        .map(|e| {
            (
                e["time"].as_str().unwrap_or_default().to_string(),
                e["fix"].as_str().unwrap_or_default().to_string(),
                e["user"]["upn"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        fixes,
        [
            (
                "2025-03-04T10:05:00Z".to_string(),
                "usage_location_set".to_string(),
                di.to_string()
            ),
            (
                "2025-03-04T10:10:00Z".to_string(),
                "proxy_address_changed".to_string(),
                jo.to_string()
            ),
        ],
        "{v:#}"
    );
    // the fast path and the full parse keep the three updates alike, as JSON Lines, one Graph
    // page and an Azure Monitor envelope
    read_both_ways_in_three_shapes(dir.path(), &recs, 3, |e| {
        e.activity == licdiag::model::Activity::UpdateUser && e.extra.user_fixes.any()
    });
}

/// Writes `recs` (already in `dir` as `audit.jsonl`) as one Graph page and an Azure Monitor
/// envelope too, and reads each of the three both ways (the fast path, the full parse): the same
/// events, `expected` of them `kept`.
fn read_both_ways_in_three_shapes(
    dir: &std::path::Path,
    recs: &[Value],
    expected: usize,
    kept: impl Fn(&licdiag::model::AuditEvent) -> bool,
) {
    let page = serde_json::json!({ "value": recs });
    let envelope = serde_json::json!({ "records": recs.iter().map(|r| serde_json::json!({
        "time": r["activityDateTime"], "operationName": r["activityDisplayName"],
        "category": "AuditLogs", "properties": r })).collect::<Vec<_>>() });
    std::fs::write(dir.join("page.json"), page.to_string()).expect("write");
    std::fs::write(dir.join("envelope.json"), envelope.to_string()).expect("write");
    for name in ["audit.jsonl", "page.json", "envelope.json"] {
        let f = dir.join(name);
        let read = |full_parse| {
            let opts = licdiag::ingest::ReadOptions {
                full_parse,
                compact: true,
                licensing_memberships_only: true,
                ..Default::default()
            };
            licdiag::ingest::read_inputs(std::slice::from_ref(&f), &opts).expect("read")
        };
        let (fast, full) = (read(false), read(true));
        let count = |d: &licdiag::ingest::Ingested| d.events.iter().filter(|e| kept(e)).count();
        assert_eq!((count(&fast), count(&full)), (expected, expected), "{name}");
        assert!(fast.events == full.events, "{name}");
    }
}

/// The guide's postmortem case of a dynamic licensing group: an `Update group` that changes the
/// membership rule (or makes the group dynamic, or pauses its processing) is kept by the reader on
/// both paths and is a `membership_rule_changed` entry of the group's story, with the old and new
/// rules and the members removed and added after it; the same update of a group that licenses
/// nothing, and an update of other properties, are not.
#[test]
fn membership_rule_changes_of_licensing_groups_are_in_the_story() {
    use story::*;
    let (g, other) = ("LIC-Dyn-E3", "Sales-Distribution");
    let sales = "[\"user.department -eq \\\"Sales\\\"\"]";
    let narrowed = "[\"user.department -eq \\\"Sales\\\" -and user.userPrincipalName -ne \\\"ana.ruiz@contoso.example\\\"\"]";
    let update = |t: &str, group_name: &str, mods: Vec<serde_json::Value>| {
        rec(
            t,
            "Update group",
            "GroupManagement",
            admin(ANA),
            vec![group(group_name, mods)],
            "success",
            "",
        )
    };
    let removed = |t: &str, upn: &str| {
        let mut r = member(t, upn, g, ANA);
        r["activityDisplayName"] = "Remove member from group".into();
        r["initiatedBy"] = serde_json::json!({"user": null, "app": {"appId": null,
            "displayName": "Microsoft Approval Management", "servicePrincipalId": null,
            "servicePrincipalName": null}});
        r
    };
    let recs = vec![
        set_group("2025-05-01T08:00:00Z", g, &["ENTERPRISEPACK"], ANA),
        member("2025-05-01T08:00:10Z", "a1@contoso.example", g, ANA),
        member("2025-05-01T08:00:11Z", "a2@contoso.example", g, ANA),
        update(
            "2025-05-02T09:00:00Z",
            g,
            vec![
                mp("GroupTypes", Some("[]"), "[\"DynamicMembership\"]"),
                mp("MembershipRule", Some("[]"), sales),
            ],
        ),
        update(
            "2025-05-03T09:00:00Z",
            g,
            vec![mp("MembershipRule", Some(sales), narrowed)],
        ),
        removed("2025-05-03T09:05:00Z", "a1@contoso.example"),
        removed("2025-05-03T09:05:01Z", "a2@contoso.example"),
        // a1 flaps (added back, removed again): members are counted, not entries
        member("2025-05-03T09:06:00Z", "a1@contoso.example", g, ANA),
        removed("2025-05-03T09:07:00Z", "a1@contoso.example"),
        update(
            "2025-05-04T09:00:00Z",
            g,
            vec![mp(
                "MembershipRuleProcessingState",
                Some("[\"On\"]"),
                "[\"Paused\"]",
            )],
        ),
        // not licensing, and not a rule change: no entry
        update(
            "2025-05-04T10:00:00Z",
            other,
            vec![mp("MembershipRule", Some("[]"), sales)],
        ),
        update(
            "2025-05-04T11:00:00Z",
            g,
            vec![mp("Description", Some("[]"), "[\"Dynamic E3\"]")],
        ),
    ];
    let dir = write(&recs);
    let path = dir.path().to_str().expect("utf-8 path");
    let (v, _) = json_of(&["timeline", path]);
    let changes: Vec<&Value> = entries(&v)
        .iter()
        .filter(|e| e["stage"] == "membership_rule_changed")
        .collect();
    assert_eq!(changes.len(), 3, "{v:#}");
    assert_eq!(changes[0]["group"]["name"], g);
    assert_eq!(changes[0]["dynamic"], true);
    assert_eq!(changes[0]["new_rule"], "user.department -eq \"Sales\"");
    assert!(changes[0].get("old_rule").is_none(), "{:#}", changes[0]);
    assert_eq!(changes[1]["old_rule"], "user.department -eq \"Sales\"");
    assert_eq!(changes[1]["members_removed_after"], 2, "{:#}", changes[1]);
    assert_eq!(changes[1]["members_added_after"], 1, "{:#}", changes[1]);
    assert_eq!(changes[2]["processing"], "paused");
    assert!(changes[2].get("members_removed_after").is_none());
    // `--group` keeps them; the table says what Entra does with the licenses
    let out = licdiag()
        .args(["timeline", path, "--group", g])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("membership rule changed"), "{text}");
    assert!(text.contains("made dynamic"), "{text}");
    assert!(
        text.contains("then 2 member(s) removed and 1 added"),
        "{text}"
    );
    assert!(
        text.contains(
            "rule processing paused. While paused, the members no longer follow the rule"
        ),
        "{text}"
    );
    assert_eq!(
        text.matches("Members the rule no longer matches").count(),
        2,
        "{text}"
    );
    // `--redact`: the address a rule names is replaced
    let out = licdiag()
        .args(["timeline", path, "--redact", "--format", "json"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("ana.ruiz@contoso.example"), "{text}");
    assert!(text.contains("user.department -eq"), "{text}");
    // the fast path and the full parse keep the same updates, as JSON Lines, one Graph page and
    // an Azure Monitor envelope: four rule changes (one of a group that licenses nothing), not the
    // description's
    read_both_ways_in_three_shapes(dir.path(), &recs, 4, |e| {
        e.activity == licdiag::model::Activity::UpdateGroup
    });
}

/// fixtures/agree/update-group-rule*: the same four `Update group` records as Graph JSON Lines, Log
/// Analytics CSV and Purview AuditData: each read keeps the three that change the rule, the type or
/// the rule processing (not the description's), with the same change, on both paths.
#[test]
fn rule_changes_are_read_alike_in_three_formats() {
    use licdiag::model::event::RuleTexts;
    let rule = "(user.department -eq \"Sales\") and (user.accountEnabled -eq true)";
    for name in [
        "update-group-rule.jsonl",
        "update-group-rule-la.csv",
        "update-group-rule-ual.jsonl",
    ] {
        let f = std::path::PathBuf::from("fixtures/agree").join(name);
        for full_parse in [false, true] {
            let opts = licdiag::ingest::ReadOptions {
                full_parse,
                compact: true,
                licensing_memberships_only: true,
                ..Default::default()
            };
            let d = licdiag::ingest::read_inputs(std::slice::from_ref(&f), &opts).expect("read");
            let mut changes: Vec<_> = d
                .events
                .iter()
                .filter_map(|e| e.extra.group_change.as_deref().map(|c| (e.time, c.clone())))
                .collect();
            changes.sort_by_key(|c| c.0);
            let changes: Vec<_> = changes.into_iter().map(|c| c.1).collect();
            assert_eq!(
                changes.len(),
                3,
                "{name} full_parse={full_parse}: {changes:?}"
            );
            assert_eq!(changes[0].dynamic, Some(true), "{name}");
            assert_eq!(
                changes[0].rule,
                Some(RuleTexts {
                    old: None,
                    new: Some(rule.into())
                }),
                "{name}"
            );
            assert_eq!(
                changes[1].rule.as_ref().and_then(|r| r.old.as_deref()),
                Some(rule),
                "{name}"
            );
            assert_eq!(changes[2].processing_on, Some(false), "{name}");
            assert_eq!(d.inputs[0].records, 4, "{name}");
        }
    }
}

/// A group processing run over 24 hours, finished or not, is its own section in every format, with
/// the support-ticket advice (licensing.md §2); the sample tenant's runs take minutes and show none.
#[test]
fn processing_over_24_hours_is_listed_in_every_format() {
    let page: Value = serde_json::from_slice(
        &std::fs::read("fixtures/sample-tenant/audit/directoryAudits-page1.json").unwrap(),
    )
    .unwrap();
    let records = page["value"].as_array().unwrap();
    let of = |activity: &str| {
        records
            .iter()
            .find(|r| r["activityDisplayName"] == activity)
            .unwrap()
            .clone()
    };
    let mut start = of("Start applying group based license to users");
    let mut finish = of("Finish applying group based license to users");
    start["activityDateTime"] = "2026-10-01T08:00:00Z".into();
    start["id"] = "slow-start".into();
    finish["activityDateTime"] = "2026-10-03T10:00:00Z".into();
    finish["id"] = "slow-finish".into();
    let mut late = of("Start applying group based license to users");
    late["activityDateTime"] = "2026-10-04T08:00:00Z".into();
    late["id"] = "late-start".into();
    // the story's "now" is the inputs' latest time: a later record of another activity
    let mut later = of("Change user license");
    later["activityDateTime"] = "2026-10-06T08:00:00Z".into();
    later["id"] = "later".into();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.jsonl");
    let lines: Vec<String> = [&start, &finish, &late, &later]
        .iter()
        .map(|r| r.to_string())
        .collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let run = |format: &str| {
        licdiag()
            .args(["--no-progress", "timeline"])
            .arg(&file)
            .args(["--format", format])
            .output()
            .unwrap()
    };
    let out = run("json");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let slow = v["slow_processing"].as_array().expect("slow_processing");
    assert_eq!(slow.len(), 2, "{v}");
    assert_eq!(slow[0]["seconds"], 50 * 3600);
    assert_eq!(slow[0]["finished"], "2026-10-03T10:00:00Z");
    assert_eq!(
        slow[1]["seconds"],
        48 * 3600,
        "unfinished, measured to the latest record"
    );
    assert!(slow[1].get("finished").is_none());
    for (format, head) in [
        ("table", "group processing over 24 hours"),
        ("md", "## Group processing over 24 hours"),
        ("html", "<h2>Group processing over 24 hours</h2>"),
    ] {
        let text = String::from_utf8(run(format).stdout).unwrap();
        assert!(
            text.contains(head)
                && text.contains("support ticket")
                && text.contains("not finished after 2d"),
            "{format}: {text}"
        );
    }
    let (v, _) = timeline(&[]);
    assert!(v.get("slow_processing").is_none());
}

/// The reviewer's timeline scenarios, hand-written Graph directoryAudit JSON Lines
/// (`fixtures/timeline-review/`).
const REVIEW: &str = "fixtures/timeline-review";

fn review(name: &str) -> String {
    format!("{REVIEW}/{name}")
}

/// Runs `licdiag timeline ARGS` (table format): stdout, stderr, exit code.
fn timeline_text(args: &[&str]) -> (String, String, i32) {
    let out = licdiag()
        .args(["--no-progress", "timeline"])
        .args(args)
        .output()
        .expect("run");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Every UPN an entry names (its user, its subject).
fn upns_named(es: &[Value]) -> Vec<String> {
    es.iter()
        .flat_map(|e| [upn(e, "user"), upn(e, "subject")])
        .filter(|u| !u.is_empty())
        .collect()
}

const SAM_OLD: &str = "sam.old@contoso.example";
const SAM_NEW: &str = "sam.new@contoso.example";

/// Review C finding 1: sam fails as sam.old, an admin renames them to sam.new (same object id),
/// the later success names sam.new. The user's latest UPN is the one shown, in the filter and in
/// every entry; the old one is said as "formerly"; the old UPN still finds the user.
#[test]
fn a_renamed_user_is_shown_by_the_latest_upn() {
    let path = review("rename");
    for asked in [SAM_NEW, SAM_OLD] {
        let (v, code) = json_of(&["timeline", &path, "--user", asked]);
        assert_eq!(code, 0, "{asked}: {v:#}");
        assert_eq!(v["filters"]["user"]["upn"], SAM_NEW, "{asked}: {v:#}");
        assert_eq!(
            v["filters"]["user"]["former_upns"],
            serde_json::json!([SAM_OLD]),
            "{asked}"
        );
        let es = entries(&v);
        assert!(
            es.iter().any(|e| e["stage"] == "failure"),
            "{asked}: {es:#?}"
        );
        let named = upns_named(es);
        assert!(!named.is_empty(), "{asked}: {es:#?}");
        assert!(named.iter().all(|u| u == SAM_NEW), "{asked}: {named:?}");
        let (text, _, _) = timeline_text(&[&path, "--user", asked]);
        assert!(
            text.contains(&format!("filter: user {SAM_NEW} (formerly {SAM_OLD})")),
            "{asked}: {text}"
        );
        let rows: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("TIME"))
            .collect();
        assert!(rows.iter().all(|l| !l.contains(SAM_OLD)), "{asked}: {text}");
    }
    // the whole story names the user by the latest UPN too
    let (v, _) = json_of(&["timeline", &path]);
    assert!(
        upns_named(entries(&v)).iter().all(|u| u == SAM_NEW),
        "{v:#}"
    );
}

/// Review C finding 1: "did you mean" picks the closest of every UPN the inputs know, former ones
/// included: sam.nwe is two letters from sam.new, three from sam.old.
#[test]
fn did_you_mean_picks_the_closest_of_current_and_former_upns() {
    let path = review("rename");
    let (_, err, code) = timeline_text(&[&path, "--user", "sam.nwe@contoso.example"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.trim_end()
            .ends_with(&format!("; did you mean {SAM_NEW}?")),
        "{err}"
    );
    // a typo of the former UPN is answered with it (it still finds the user)
    let (_, err, code) = timeline_text(&[&path, "--user", "sam.olf@contoso.example"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.trim_end()
            .ends_with(&format!("; did you mean {SAM_OLD}?")),
        "{err}"
    );
}

/// The fix step of `kind`, the only one of the story.
fn the_fix<'a>(es: &'a [Value], kind: &str) -> &'a Value {
    let fixes: Vec<&Value> = es.iter().filter(|e| e["stage"] == "fix").collect();
    assert_eq!(fixes.len(), 1, "{fixes:#?}");
    assert_eq!(fixes[0]["fix"], kind, "{fixes:#?}");
    fixes[0]
}

/// Review C finding 5: the guide's fix of a conflict, SHAREPOINTENTERPRISE disabled in the group's
/// E3, says what changed, in text and JSON.
#[test]
fn a_group_license_fix_says_which_plan_it_disabled() {
    let path = review("conflict-plan-disabled");
    let (v, code) = json_of(&["timeline", &path]);
    assert_eq!(code, 0, "{v:#}");
    let fix = the_fix(entries(&v), "group_license_changed");
    assert_eq!(fix["who"], "bob.ops@contoso.example");
    assert_eq!(fix["skus"], serde_json::json!(["ENTERPRISEPACK"]));
    assert_eq!(
        fix["plans_disabled"],
        serde_json::json!([{"sku": "ENTERPRISEPACK", "plans": ["SHAREPOINTENTERPRISE"]}])
    );
    assert!(
        fix.get("added").is_none() && fix.get("removed").is_none(),
        "{fix:#}"
    );
    assert!(fix.get("plans_enabled").is_none(), "{fix:#}");
    // the conflict is resolved by the success that follows
    assert!(
        entries(&v).iter().any(|e| e["stage"] == "resolved"),
        "{v:#}"
    );
    let (text, _, _) = timeline_text(&[&path]);
    let line = text
        .lines()
        .find(|l| l.contains("fix: group license changed"))
        .expect("the fix line");
    assert!(
        line.contains(
            "disabled plan SHAREPOINTENTERPRISE in ENTERPRISEPACK; by bob.ops@contoso.example"
        ),
        "{line}"
    );
}

/// Review C finding 5: the failing product removed from the group is said as such, and closes the
/// episode as "product removed from the group, not resolved", not as resolved.
#[test]
fn a_product_removed_from_the_group_closes_its_failures_unresolved() {
    let path = review("product-removed");
    let (v, code) = json_of(&["timeline", &path]);
    assert_eq!(code, 0, "nothing is open: {v:#}");
    let es = entries(&v);
    let fix = the_fix(es, "group_license_changed");
    assert_eq!(fix["removed"], serde_json::json!(["ENTERPRISEPACK"]));
    assert_eq!(fix["skus"], serde_json::json!(["ENTERPRISEPACK"]));
    assert!(!es.iter().any(|e| e["stage"] == "resolved"), "{es:#?}");
    let closed = es
        .iter()
        .find(|e| e["stage"] == "closed")
        .expect("a closed entry");
    assert_eq!(closed["by"], "product_removed");
    assert_eq!(closed["subject"]["upn"], "wes@contoso.example");
    assert_eq!(closed["cause"], "CountViolation");
    assert_eq!(closed["sku"], "ENTERPRISEPACK");
    assert_eq!(closed["who"], "bob.ops@contoso.example");
    assert_eq!(closed["time"], "2025-08-01T10:00:00Z");
    assert_eq!(closed["open_seconds"], 3600 + 59 * 60);
    assert_eq!(v["still_open"], serde_json::json!([]));
    let st = &v["time_to_resolve"][0];
    assert_eq!(st["cause"], "CountViolation");
    assert_eq!(
        (&st["episodes"], &st["resolved"], &st["still_open"]),
        (&1.into(), &0.into(), &0.into())
    );
    assert_eq!(st["closed_by_product_removal"], 1);
    assert!(st.get("closed_by_deletion").is_none(), "{st:#}");
    assert!(st.get("median_seconds").is_none(), "{st:#}");
    let (text, _, _) = timeline_text(&[&path]);
    let fix_line = text
        .lines()
        .find(|l| l.contains("fix: group license changed"))
        .expect("the fix line");
    assert!(
        fix_line.contains("removed ENTERPRISEPACK; by bob.ops@contoso.example"),
        "{fix_line}"
    );
    assert!(
        text.contains("product removed from the group, not resolved"),
        "{text}"
    );
    assert!(!text.contains("resolved  "), "{text}");
    // ended: information under --fail-on info
    let (_, _, code) = timeline_text(&[&path, "--fail-on", "info"]);
    assert_eq!(code, 1);
    // review 95 A1: analyze tells the same story: closed (the group no longer assigns the
    // product), not resolved by the later clean run, and no purchase advice
    let (a, code) = json_of(&["analyze", &path]);
    assert_eq!(code, 0, "{a:#}");
    let f = &a["findings"][0];
    assert_eq!(f["cause"], "CountViolation");
    assert_eq!(f["status"], "closed", "{f:#}");
    assert_eq!(f["severity"], "info");
    let how = f["audit"]["resolved"]["how"].as_str().unwrap_or_default();
    assert!(
        how.contains("ENTERPRISEPACK was removed from the group")
            && how.contains("nothing was licensed"),
        "{how}"
    );
    let fix = f["recommendation"]["summary"].as_str().unwrap_or_default();
    assert!(
        fix.contains("closed, not resolved") && !fix.contains("Buy"),
        "{fix}"
    );
}

/// Review C finding 6: no license record names LIC-E3, but the failures are attributed to it (the
/// group the users joined just before): it is a licensing group for the story, whose `member
/// added` steps start each user's story.
#[test]
fn a_group_failures_are_attributed_to_shows_its_membership_changes() {
    let path = review("attributed-group");
    let e3 = "7f518425-5157-4637-8b83-3d62ea4e58f7";
    for extra in [&[][..], &["--group", "LIC-E3"][..]] {
        let mut args = vec!["timeline", path.as_str()];
        args.extend_from_slice(extra);
        let (v, _) = json_of(&args);
        let es = entries(&v);
        for u in ["kim.edge@contoso.example", "lou.edge@contoso.example"] {
            let added = find(es, 0, u, |e| {
                e["stage"] == "membership_changed" && upn(e, "user") == u
            });
            assert_eq!(es[added]["change"], "added");
            assert_eq!(es[added]["group"]["id"], e3);
            assert_eq!(es[added]["who"], "alice.admin@contoso.example");
            let failure = find(es, 0, u, |e| e["stage"] == "failure" && upn(e, "user") == u);
            assert!(added < failure, "{extra:?} {u}: {es:#?}");
            assert_eq!(es[failure]["group"]["id"], e3);
        }
    }
    let (text, _, _) = timeline_text(&[&path, "--user", "lou.edge@contoso.example"]);
    assert!(
        text.contains("member added") && text.contains("to LIC-E3 by alice.admin@contoso.example"),
        "{text}"
    );
}

const DANA: &str = "dana.user@contoso.example";

/// Dana fails for a dependency in LIC-Addon; an administrator assigns her ENTERPRISEPACK directly
/// (the `Update user` record `delay` seconds after its `Change user license`), and the group's
/// processing then licenses her.
fn dana_fixed(delay: i64) -> Vec<Value> {
    use story::*;
    let mut recs = vec![
        set_group("2025-04-02T08:59:00Z", "LIC-Addon", &["MCOMEETADV"], ANA),
        member("2025-04-02T09:00:00Z", DANA, "LIC-Addon", ANA),
        fail("2025-04-02T09:01:00Z", DANA, DV),
    ];
    recs.extend(admin_change(
        "2025-04-02T10:00:00Z",
        delay,
        DANA,
        BOB,
        &[],
        &["ENTERPRISEPACK"],
    ));
    recs.extend(ok(
        "2025-04-02T10:05:00Z",
        DANA,
        &["ENTERPRISEPACK", "MCOMEETADV"],
    ));
    recs
}

/// formats.md section 8, quirk 6: a `Change user license` record has no license diff; its
/// `Update user` sibling has it. Entra pairs the two by correlation id; the unified audit log by
/// time and object (`InterSystemsId`s can differ). An administrator's direct license that fixes a
/// dependency failure is the same fix read from Graph and from the UAL, and a direct assignment
/// the administrator retried is resolved in both.
#[test]
fn a_ual_change_user_license_is_paired_with_its_update_user_by_time() {
    use story::*;
    let u = DANA;
    let v = "vik.user@contoso.example";
    // the fix, its two records straddling a second
    let mut recs = dana_fixed(1);
    // a direct assignment that failed for seats, then went through
    let mut direct = fail("2025-04-02T11:00:00Z", v, CV);
    direct["initiatedBy"] = admin(BOB);
    recs.push(direct);
    recs.extend(admin_change(
        "2025-04-02T12:00:00Z",
        0,
        v,
        BOB,
        &[],
        &["ENTERPRISEPACK"],
    ));
    let graph = write(&recs);
    let ual = tempfile::tempdir().expect("tempdir");
    let text: String = recs.iter().map(|r| format!("{}\n", to_ual(r))).collect();
    std::fs::write(ual.path().join("ual.jsonl"), text).expect("write");
    let mut fixes = Vec::new();
    for dir in [graph.path(), ual.path()] {
        let path = dir.to_str().expect("utf-8 path");
        let (t, code) = json_of(&["timeline", path, "--user", u]);
        assert_eq!(code, 0, "{t:#}");
        let fix = the_fix(entries(&t), "license_added").clone();
        assert_eq!(fix["who"], BOB, "{fix:#}");
        assert_eq!(
            fix["skus"],
            serde_json::json!(["ENTERPRISEPACK"]),
            "{fix:#}"
        );
        assert!(
            !entries(&t).iter().any(|e| e["stage"] == "reprocess"),
            "an administrator's license change is no reprocess: {t:#}"
        );
        fixes.push(fix["at"].clone());
        let (a, _) = json_of(&["analyze", path, "--fail-on", "never"]);
        let finding = a["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["cause"] == "CountViolation")
            .expect("the direct assignment's finding")
            .clone();
        assert_eq!(finding["users"][0]["status"], "resolved", "{finding:#}");
    }
    assert_eq!(fixes[0], fixes[1]);
}

/// An export filtered to the `Change user license` activity holds none of the `Update user`
/// records with the license lists: the reader is told on the input (timeline, analyze, standard
/// error), not left to read the administrator's change as a reprocess unawares.
#[test]
fn a_log_without_update_user_records_says_so() {
    use story::*;
    let mut recs = dana_fixed(0);
    let whole = write(&recs);
    let path = whole.path().to_str().expect("utf-8 path");
    let (v, _) = json_of(&["timeline", path]);
    assert!(v.get("input_notes").is_none(), "{v:#}");

    recs.retain(|r| r["activityDisplayName"] != "Update user");
    let filtered = write(&recs);
    let path = filtered.path().to_str().expect("utf-8 path");
    let (v, _) = json_of(&["timeline", path]);
    let notes = v["input_notes"].as_array().expect("input notes");
    assert_eq!(notes.len(), 1, "{notes:#?}");
    let note = notes[0].as_str().unwrap_or_default();
    assert!(
        note.ends_with(&format!(
            "audit.jsonl: {}",
            licdiag::ingest::siblings::note(2)
        )),
        "{note}"
    );
    let out = licdiag()
        .args(["--no-progress", "analyze", path])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2 successful `Change user license` records and no `Update user` record"),
        "{err}"
    );
}

/// Review 65 finding 1 (formats.md §5c): the unified audit log names a deleted user
/// `<object id without dashes><upn>` in its `Delete user.` record; that is the deletion's mark, not
/// a rename: the story names the user by the UPN, in the UAL as in Graph.
#[test]
fn a_deleted_users_prefixed_upn_is_no_rename() {
    use story::*;
    let u = "vic.ito@contoso.example";
    let recs = [
        set_group("2025-04-02T08:59:00Z", "LIC-Addon", &["MCOMEETADV"], ANA),
        member("2025-04-02T09:00:00Z", u, "LIC-Addon", ANA),
        fail("2025-04-02T09:01:00Z", u, DV),
        delete_user("2025-04-04T10:00:00Z", u, ANA),
    ];
    let marked = format!("{}{u}", id(u).replace('-', ""));
    let ual: Vec<Value> = recs
        .iter()
        .map(|r| {
            let mut x = to_ual(r);
            if r["activityDisplayName"] == "Delete user" {
                x["ObjectId"] = marked.clone().into();
                x["Target"][0]["ID"] = marked.clone().into();
            }
            x
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let text: String = ual.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.path().join("ual.jsonl"), text).expect("write");
    let path = dir.path().to_str().expect("utf-8 path");
    let (v, code) = json_of(&["timeline", path, "--user", u]);
    assert_eq!(code, 0, "{v:#}");
    let named = upns_named(entries(&v));
    assert!(!named.is_empty(), "{v:#}");
    assert!(named.iter().all(|n| n == u), "{named:?}");
    assert!(v["filters"]["user"].get("former_upns").is_none(), "{v:#}");
}

/// Review 65 finding 2: a Log Analytics CSV whose query projected no `Result` column
/// (fixtures/timeline-review/la-no-result: `ResultType` blank on success) leaves most results
/// unknown. An unknown result is not said to have failed, and the service's `Change user license`
/// whose `Update user` carries the license lists resolves the failure, as with the column.
#[test]
fn an_export_without_results_says_no_failure_it_does_not_show() {
    let path = review("la-no-result");
    let (text, _, code) = timeline_text(&[&path]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("group license set failed"), "{text}");
    let set = text
        .lines()
        .find(|l| l.contains("group license set"))
        .expect("the set line");
    assert!(set.contains("result not recorded"), "{set}");
    let (v, _) = json_of(&["timeline", &path]);
    let resolved: Vec<&Value> = entries(&v)
        .iter()
        .filter(|e| e["stage"] == "resolved")
        .collect();
    assert_eq!(resolved.len(), 1, "{v:#}");
    assert_eq!(resolved[0]["time"], "2026-03-03T14:36:30.400Z", "{v:#}");
    assert!(
        resolved[0]["how"]
            .as_str()
            .is_some_and(|h| h.starts_with("`Change user license` was applied (its `Update user` shows the licenses; the export holds no result)")),
        "{v:#}"
    );
    let (a, _) = json_of(&["analyze", &path, "--fail-on", "never"]);
    let user = &a["findings"][0]["users"][0];
    assert_eq!(user["status"], "resolved", "{a:#}");
    assert!(
        user["resolved"]["how"]
            .as_str()
            .is_some_and(|h| h.contains("was applied") && h.contains("the export holds no result")),
        "{user:#}"
    );
}

/// Review finding: a Log Analytics export whose query projected no `ResultReason`
/// (fixtures/timeline-review/la-no-reason, with the snapshot of the day after): every failure is
/// recorded without error text. henry's failures in LIC-Sales are his conflict, which the snapshot
/// shows on E3 from LIC-Sales; kara's is her CountViolation; felix's has no error in the snapshot
/// (licensed since) and stays a failure without a code. Each user is listed once, seen in the
/// audit log since their first failure; 3 episodes for 3 users.
#[test]
fn a_failure_without_error_text_is_an_episode_of_the_snapshots_error() {
    let path = review("la-no-reason");
    let (v, code) = json_of(&["timeline", &path]);
    assert_eq!(code, 1, "henry and kara are still failing");
    let open = v["still_open"].as_array().expect("still_open");
    let who: Vec<(String, &str)> = open
        .iter()
        .map(|o| (upn(o, "subject"), o["cause"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        who,
        [
            ("kara.lopez@northwind.example".to_string(), "CountViolation"),
            (
                "henry.ives@northwind.example".to_string(),
                "MutuallyExclusiveViolation"
            ),
        ],
        "{open:#?}"
    );
    for o in open {
        assert_eq!(o["seen_in_audit"], true, "{o:#}");
        assert_eq!(o["confirmed_pending"], true, "{o:#}");
        assert_eq!(o["sku"], "ENTERPRISEPACK", "{o:#}");
        assert_eq!(o["group"]["name"], "LIC-Sales", "{o:#}");
    }
    assert_eq!(
        open[1]["since"], "2025-05-12T09:01:25.357Z",
        "henry's first failure"
    );
    assert_eq!(open[0]["since"], "2025-05-13T08:11:00.401Z");

    let stats = v["time_to_resolve"].as_array().expect("time_to_resolve");
    let per: Vec<(&str, u64, u64, u64)> = stats
        .iter()
        .map(|s| {
            (
                s["cause"].as_str().unwrap_or("-"),
                s["episodes"].as_u64().unwrap_or(0),
                s["resolved"].as_u64().unwrap_or(0),
                s["still_open"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        per,
        [
            ("CountViolation", 1, 0, 1),
            ("MutuallyExclusiveViolation", 1, 0, 1),
            ("UnspecifiedFailure", 1, 1, 0),
        ],
        "{stats:#?}"
    );
    // felix: 09:01:20 -> 14:31:20
    assert_eq!(stats[2]["max_seconds"], 5 * 3600 + 30 * 60, "{stats:#?}");

    // each failure says what it is and where its cause comes from
    let es = entries(&v);
    for (user, cause, from) in [
        (
            "henry.ives@northwind.example",
            "MutuallyExclusiveViolation",
            Some("snapshot"),
        ),
        (
            "kara.lopez@northwind.example",
            "CountViolation",
            Some("snapshot"),
        ),
        ("felix.grant@northwind.example", "UnspecifiedFailure", None),
    ] {
        let fails: Vec<&Value> = es
            .iter()
            .filter(|e| e["stage"] == "failure" && upn(e, "user") == user)
            .collect();
        assert!(!fails.is_empty(), "{user}");
        for f in fails {
            assert_eq!(f["causes"], serde_json::json!([cause]), "{f:#}");
            assert_eq!(f["cause_from"].as_str(), from, "{f:#}");
        }
    }

    let (text, _, _) = timeline_text(&[&path]);
    assert!(!text.contains("only the snapshot shows it"), "{text}");
    let still = text
        .split("still open as of")
        .nth(1)
        .expect("the still-open list");
    for user in ["henry.ives@", "kara.lopez@"] {
        assert_eq!(still.matches(user).count(), 1, "{user} once: {still}");
    }
    assert!(
        text.contains("MutuallyExclusiveViolation on ENTERPRISEPACK (group LIC-Sales); the record has no error code: the cause is the snapshot's"),
        "{text}"
    );
}

/// `(time, upn, causes, file)` of each failure entry.
fn failures(v: &Value) -> Vec<(String, String, Vec<String>, String)> {
    entries(v)
        .iter()
        .filter(|e| e["stage"] == "failure")
        .map(|e| {
            let causes = e["causes"].as_array().expect("causes");
            let file = e["source"]["file"].as_str().unwrap_or_default();
            (
                e["time"].as_str().unwrap_or_default().to_string(),
                upn(e, "user"),
                causes
                    .iter()
                    .map(|c| c.as_str().unwrap_or_default().to_string())
                    .collect(),
                file.rsplit('/').next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn failure(
    time: &str,
    upn: &str,
    cause: &str,
    file: &str,
) -> (String, String, Vec<String>, String) {
    (time.into(), upn.into(), vec![cause.into()], file.into())
}

/// Overlapping exports of one incident (`fixtures/overlap/projected`, from a review's evidence
/// folder): Graph JSON Lines with the error texts, and a Log Analytics CSV of the same two records
/// (and one more) whose query projected `ResultReason` away, its times cut to milliseconds. The
/// CSV's copies sort first and were kept: every failure an `UnspecifiedFailure`. The copies with
/// the texts are kept now (the finer times too); the failure only the CSV holds stays unspecified.
#[test]
fn of_overlapping_exports_the_copy_with_the_error_text_is_kept() {
    let (v, code) = json_of(&["timeline", "fixtures/overlap/projected"]);
    assert_eq!(code, 1, "the failures are still open");
    assert_eq!(
        failures(&v),
        vec![
            failure(
                "2025-05-12T09:01:20.280811Z",
                "felix.grant@northwind.example",
                "MutuallyExclusiveViolation",
                "graph.jsonl"
            ),
            failure(
                "2025-05-12T09:01:45.380642Z",
                "isla.jones@northwind.example",
                "CountViolation",
                "graph.jsonl"
            ),
            failure(
                "2025-05-13T08:11:00.401Z",
                "kara.lopez@northwind.example",
                "UnspecifiedFailure",
                "la-projected.csv"
            ),
        ]
    );
    assert_eq!(v["evidence"]["repeated_records"], 2);
    // named the other way round, the same copies are kept
    let (w, _) = json_of(&[
        "timeline",
        "fixtures/overlap/projected/la-projected.csv",
        "fixtures/overlap/projected/graph.jsonl",
    ]);
    assert_eq!(failures(&w), failures(&v));
    // the repeats are the CSV's
    let (i, _) = json_of(&["inspect", "fixtures/overlap/projected"]);
    let skipped = |name: &str| {
        i["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(name))
            .map(|r| r["skipped"].clone())
            .unwrap()
    };
    assert_eq!(
        skipped("la-projected.csv")
            ["repeated record (same record id and activity as the copy kept)"],
        2
    );
    assert!(skipped("graph.jsonl").as_object().unwrap().is_empty());
}

/// A Log Analytics CSV downloaded in en-GB (`05/12/2025`, 5 December) whose dates are all `N/N`
/// with both fields 12 or below, beside Graph JSON Lines holding two of its records
/// (`fixtures/overlap/locale-dates`): read month-first, its copies (12 May) sorted first and
/// replaced the Graph copies' 5 December. The copies whose times are not in doubt are kept, and the
/// CSV is said to contradict them, with an example and the flag; with the flag, all agree.
#[test]
fn locale_dates_that_contradict_iso_copies_lose_to_them_and_are_said() {
    const DIR: &str = "fixtures/overlap/locale-dates";
    let (v, code) = json_of(&["timeline", DIR]);
    assert_eq!(code, 1, "the failures are still open");
    assert_eq!(
        failures(&v),
        vec![
            // only the CSV holds kara's failure: still read month-first, as the note says
            failure(
                "2025-06-12T08:11:00.401Z",
                "kara.lopez@northwind.example",
                "CountViolation",
                "la-en-gb.csv"
            ),
            failure(
                "2025-12-05T13:46:10.100865Z",
                "felix.grant@northwind.example",
                "MutuallyExclusiveViolation",
                "graph.jsonl"
            ),
            failure(
                "2025-12-05T13:46:15.825604Z",
                "henry.ives@northwind.example",
                "MutuallyExclusiveViolation",
                "graph.jsonl"
            ),
        ]
    );
    let notes = v["input_notes"].as_array().expect("input notes");
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0].as_str().unwrap();
    for part in [
        "la-en-gb.csv: its dates contradict other inputs' copies of the same records",
        "2 of its records are in them at other times",
        "(such as record Directory_dfe47d74-07eb-4fde-98b7-ad54e1ba1f53_8YZHU_113776158: 2025-05-12T13:46:10Z here, 2025-12-05T13:46:10Z in fixtures/overlap/locale-dates/graph.jsonl)",
        "each is this file's date read day-first (D/M/YYYY): run again with --date-order day-first",
    ] {
        assert!(note.contains(part), "{part}: {note}");
    }
    // on standard error, and in the table's input lines
    let out = licdiag().args(["timeline", DIR]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("la-en-gb.csv: its dates contradict"), "{err}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("input: fixtures/overlap/locale-dates/la-en-gb.csv: its dates contradict"),
        "{table}"
    );
    // read day-first as the note says: the copies agree, nothing to say, kara on 6 December
    let (d, _) = json_of(&["timeline", DIR, "--date-order", "day-first"]);
    assert!(d.get("input_notes").is_none(), "{d}");
    let times: Vec<String> = failures(&d).into_iter().map(|f| f.0).collect();
    assert_eq!(
        times,
        [
            "2025-12-05T13:46:10.100865Z",
            "2025-12-05T13:46:15.825604Z",
            "2025-12-06T08:11:00.401Z"
        ]
    );
}

/// Review 88, item 1: a failure and a success of alice in the same second (Graph times written in
/// whole seconds, `fixtures/timeline-review/same-second`, in either record order) and no snapshot:
/// the story neither says "the snapshot still has the error" (there is none) nor calls the failure
/// confirmed pending; it says the order of the two is unknown.
#[test]
fn a_success_in_the_same_second_as_a_failure_is_not_later_and_no_snapshot_is_claimed() {
    for file in ["graph.jsonl", "graph-reversed.jsonl"] {
        let path = format!("fixtures/timeline-review/same-second/{file}");
        let (v, _) = json_of(&["timeline", &path, "--user", "alice@fabrikam.example"]);
        let open = v["still_open"].as_array().expect("still_open");
        assert_eq!(open.len(), 1, "{file}: {open:#?}");
        let o = &open[0];
        assert!(o.get("later_success").is_none(), "{file}: {o:#}");
        assert_eq!(o["confirmed_pending"], false, "{file}: {o:#}");
        assert_eq!(o["same_instant_success"], "2026-03-30T10:01:00Z", "{file}");
        let out = licdiag()
            .args(["timeline", &path, "--user", "alice@fabrikam.example"])
            .output()
            .unwrap();
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(!table.contains("snapshot still has the error"), "{table}");
        assert!(
            table.contains("a success of the user is recorded at the same instant (2026-03-30T10:01:00Z): the log cannot tell which came last"),
            "{table}"
        );
    }
}

/// Review 88, item 3: an en-GB Log Analytics CSV whose dates (all `N/N`, both 12 or below) were read
/// month-first beside Graph copies of the same records (`fixtures/timeline-review/misread-now`):
/// its copies are dropped as misread, and their times (07/03 read as 3 July) no longer set "now":
/// the true latest time is the Graph copy's 7 March.
#[test]
fn copies_dropped_as_misread_do_not_set_now() {
    let dir = "fixtures/timeline-review/misread-now";
    let (v, _) = json_of(&["timeline", dir]);
    assert_eq!(v["as_of"], "2026-03-07T10:03:00Z", "{v:#}");
    for o in v["still_open"].as_array().expect("still_open") {
        let open = o["open_for_seconds"].as_i64().expect("open for");
        assert!(open < 2 * 86_400, "open since March, not July: {o:#}");
    }
    let (a, _) = json_of(&["analyze", dir]);
    assert_eq!(a["as_of"], "2026-03-07T10:03:00Z");
}

/// Review 88, item 4: inputs that record no time at all (a subscribedSkus export alone) have no
/// "now": never the clock, so two runs print the same thing, and no duration is measured.
#[test]
fn inputs_without_a_time_have_no_now() {
    let path = "fixtures/snapshot/subscribedSkus-mg-pascalcase.json";
    let (v, _) = json_of(&["timeline", path]);
    assert!(v["as_of"].is_null(), "{v:#}");
    let run = || licdiag().args(["timeline", path]).output().unwrap().stdout;
    let first = run();
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("as of: no time in the inputs"), "{text}");
    assert_eq!(first, run(), "deterministic");
    let md = licdiag()
        .args(["timeline", path, "--format", "md"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).contains("as of: no time in the inputs"));
}

/// Review 88, item 2: .NET's "no date" placeholder (`0001-01-01T00:00:00Z`) as carol's
/// `lastUpdatedDateTime` (`fixtures/timeline-review/no-date`) is a state without a time, said in
/// a note naming the record: nothing starts in year 1, no error is open 739704 days.
#[test]
fn the_no_date_placeholder_is_no_time_in_a_snapshot() {
    let dir = "fixtures/timeline-review/no-date";
    for cmd in ["timeline", "analyze"] {
        let out = licdiag()
            .args([cmd, dir, "--format", "json"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        // a time field of year 1 (the note names the record's text, quoted in it)
        assert!(!text.contains(": \"0001-01-01T"), "{cmd}: {text}");
        assert!(
            text.contains("(the placeholder for no date, .NET DateTime.MinValue)"),
            "{cmd}: {text}"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("0001-01-01T00:00:00Z:"), "{cmd}: {err}");
    }
    let (v, _) = json_of(&["timeline", dir]);
    assert_eq!(v["as_of"], "2026-03-30T10:03:00Z");
    let carol = v["still_open"]
        .as_array()
        .expect("still_open")
        .iter()
        .find(|o| o["subject"]["upn"] == "carol@fabrikam.example")
        .cloned()
        .unwrap_or_else(|| panic!("{v:#}"));
    assert!(
        carol
            .get("open_for_seconds")
            .is_none_or(|s| s.as_i64() < Some(30 * 86_400)),
        "{carol:#}"
    );
}

/// Review 88, item 6: `--until DATE` is the day's last instant, shown as such (not 23:59:59Z,
/// which would leave out an event the filter keeps); a `--since` after every input time is said.
#[test]
fn until_a_date_reads_end_of_day_and_a_since_after_the_inputs_is_said() {
    let out = licdiag()
        .args(["timeline", TENANT, "--until", "2026-10-08"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("until end of 2026-10-08"), "{text}");
    assert!(!text.contains("until 2026-10-08T23:59:59Z"), "{text}");
    let out = licdiag()
        .args(["timeline", TENANT, "--since", "2027-01-01"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("since 2027-01-01T00:00:00Z (after the latest time in the inputs, "),
        "{text}"
    );
}

/// Review 95 (A2, B3): eve fails CountViolation on EMS from LIC-B, is removed from LIC-B, and a
/// later run of the group fails nobody: both commands close her failure (not resolved, not
/// pending, no time to resolve, no purchase advice).
#[test]
fn a_failing_user_removed_from_the_group_is_closed_in_both_commands_review_95() {
    let path = review("member-removed");
    let (v, code) = json_of(&["timeline", &path]);
    assert_eq!(code, 0, "nothing is open: {v:#}");
    let es = entries(&v);
    assert!(!es.iter().any(|e| e["stage"] == "resolved"), "{es:#?}");
    let closed = es
        .iter()
        .find(|e| e["stage"] == "closed")
        .expect("a closed entry");
    assert_eq!(closed["by"], "member_removed");
    assert_eq!(closed["subject"]["upn"], "eve@contoso.example");
    assert_eq!(v["still_open"], serde_json::json!([]));
    let st = &v["time_to_resolve"][0];
    assert_eq!(
        (&st["episodes"], &st["resolved"], &st["still_open"]),
        (&1.into(), &0.into(), &0.into())
    );
    assert_eq!(st["closed_by_member_removal"], 1);
    assert!(st.get("median_seconds").is_none(), "{st:#}");
    let (a, code) = json_of(&["analyze", &path]);
    assert_eq!(code, 0, "{a:#}");
    let f = &a["findings"][0];
    assert_eq!(f["status"], "closed", "{f:#}");
    assert_eq!(f["severity"], "info");
    let fix = f["recommendation"]["summary"].as_str().unwrap_or_default();
    assert!(
        fix.contains("removed from LIC-B") && !fix.contains("Buy"),
        "{fix}"
    );
}

/// The stage column of each story line of a table timeline, with the line.
fn story_lines(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| !l.starts_with("TIME"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

/// Review 95 (tl1, tl1b): jamie fails "Proxy address is already being used"; alice takes
/// smtp:jamie@contoso.example out of lindgren's ProxyAddresses (the guide's fix, made on the object
/// holding the address), LIC-E3 is reprocessed, jamie is licensed. The change is a fix step of
/// jamie's story and of LIC-E3's, before the reprocess, with or without a snapshot.
#[test]
fn an_address_freed_on_the_other_user_is_the_fix_review_95() {
    let want = "fix: address freed   lindgren@contoso.example  removed jamie@contoso.example; \
                for jamie@contoso.example; by alice.admin@contoso.example";
    for (path, filter) in [
        (review("address-freed"), ["--user", "jamie@contoso.example"]),
        (review("address-freed-snapshot"), ["--group", "LIC-E3"]),
    ] {
        let (text, _, _) = timeline_text(&[&path, filter[0], filter[1]]);
        let lines = story_lines(&text);
        let at = |what: &str| {
            lines
                .iter()
                .position(|l| l.contains(what))
                .unwrap_or_else(|| panic!("no {what} in {path}:\n{text}"))
        };
        let fix = at("fix: address freed");
        assert!(lines[fix].contains(want), "{}", lines[fix]);
        assert!(at("failure") < fix && fix < at("reprocess"), "{text}");
    }
    let (v, _) = json_of(&["timeline", &review("address-freed")]);
    let fix = the_fix(entries(&v), "address_freed");
    assert_eq!(upn(fix, "user"), "lindgren@contoso.example");
    assert_eq!(
        fix["addresses"],
        serde_json::json!(["jamie@contoso.example"])
    );
    assert_eq!(fix["for_users"][0]["upn"], "jamie@contoso.example");
    assert_eq!(fix["inferred"], false);
}

/// Review 95 (tl5, tl5b): ivan fails MutuallyExclusiveViolation from LIC-E3; alice disables
/// SHAREPOINTSTANDARD and SHAREPOINTWAC in LIC-E1 (a group of ivan's, by the snapshot, or with no
/// membership data at all), the guide's fix of the conflict: a `group license changed` fix of
/// ivan's episode, in his `--user` story. With a snapshot that shows ivan not in LIC-E1 it stays a
/// neutral `group license set`.
#[test]
fn a_conflict_fixed_in_the_other_group_is_a_fix_review_95() {
    for path in [
        review("conflict-other-group"),
        review("conflict-other-group-snapshot"),
    ] {
        let (v, _) = json_of(&["timeline", &path, "--user", "ivan@contoso.example"]);
        let fix = the_fix(entries(&v), "group_license_changed");
        assert_eq!(fix["group"]["name"], "LIC-E1", "{path}: {fix:#}");
        assert_eq!(fix["for_users"][0]["upn"], "ivan@contoso.example");
        assert_eq!(
            fix["plans_disabled"],
            serde_json::json!([{"sku": "STANDARDPACK", "plans": ["SHAREPOINTSTANDARD", "SHAREPOINTWAC"]}])
        );
        let (text, _, _) = timeline_text(&[&path, "--user", "ivan@contoso.example"]);
        assert!(
            text.contains("fix: group license changed  LIC-E1                disabled plans SHAREPOINTSTANDARD, SHAREPOINTWAC in STANDARDPACK; for ivan@contoso.example; by alice.admin@contoso.example"),
            "{text}"
        );
    }
    let (v, _) = json_of(&["timeline", &review("conflict-not-member")]);
    let es = entries(&v);
    assert!(!es.iter().any(|e| e["stage"] == "fix"), "{es:#?}");
    assert!(
        es.iter()
            .any(|e| e["stage"] == "group_license_set" && e["group"]["name"] == "LIC-E1"),
        "{es:#?}"
    );
}

/// Review 95 (d/tl2): inside the overlapping runs of LIC-A (ENTERPRISEPACK) and LIC-B (EMS), ivan's
/// failure names EMS, which only LIC-B's `Set group license` assigns: it is LIC-B's.
#[test]
fn overlapping_runs_attribute_by_the_named_product_review_95() {
    let (v, _) = json_of(&["timeline", &review("overlapping-runs")]);
    let es = entries(&v);
    let ivan = es
        .iter()
        .find(|e| e["stage"] == "failure" && upn(e, "user") == "ivan@contoso.example")
        .expect("ivan's failure");
    assert_eq!(ivan["group"]["name"], "LIC-B", "{ivan:#}");
    let closed = es
        .iter()
        .find(|e| e["stage"] == "closed" && upn(e, "subject") == "ivan@contoso.example")
        .expect("ivan's episode closed by his deletion");
    assert_eq!(closed["group"]["name"], "LIC-B", "{closed:#}");
}

/// The table's columns are padded by display width: a UPN of wide characters (`礼萨.卡里米@...`)
/// took two columns a character and shifted its row's DETAIL column (review 95c).
#[test]
fn a_wide_upn_keeps_the_detail_column_aligned() {
    let text = std::fs::read_to_string("fixtures/formats/graph-page.json")
        .expect("fixture")
        .replace("kai.nakamura@", "礼萨.卡里米@");
    assert!(text.contains("礼萨"), "the fixture names kai.nakamura");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("audit.json");
    std::fs::write(&file, text).expect("write");
    let (out, err, code) = timeline_text(&[file.to_str().expect("utf-8")]);
    assert!(code == 0 || code == 1, "{err}");
    let lines: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("TIME"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(lines.iter().any(|l| l.contains("礼萨")), "{out}");
    // the DETAIL column starts after the third run of two or more spaces (after the time, the
    // padded stage and the padded subject), at the header's display column on every row
    let detail_at = |l: &str| {
        let mut spaces = 0;
        let mut gaps = 0;
        for (i, c) in l.char_indices() {
            if c == ' ' {
                spaces += 1;
                continue;
            }
            if spaces >= 2 {
                gaps += 1;
                if gaps == 3 {
                    return Some(unicode_width::UnicodeWidthStr::width(&l[..i]));
                }
            }
            spaces = 0;
        }
        None // a row without a detail
    };
    let header = detail_at(lines[0]).expect("the header's DETAIL");
    let rows: Vec<(&str, usize)> = lines[1..]
        .iter()
        .filter_map(|l| Some((*l, detail_at(l)?)))
        .collect();
    assert!(rows.iter().any(|(l, _)| l.contains("礼萨")), "{out}");
    for (l, at) in rows {
        assert_eq!(at, header, "{l:?}\n{out}");
    }
}
