//! Property tests: no input makes the parsers panic, and whatever is read, the counts add up
//! (every record is an event, a snapshot object, or a counted skip).

use licdiag::ingest::jsonscan::Scanner;
use licdiag::ingest::{read_inputs, ReadOptions};
use licdiag::normalize::{errors, licenses, time};
use proptest::prelude::*;
use std::io::Write;

fn read_bytes(bytes: &[u8]) -> Result<licdiag::ingest::Ingested, licdiag::error::InputError> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("input");
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    read_inputs(&[p], &ReadOptions::default())
}

fn counts_add_up(bytes: &[u8]) {
    if let Ok(d) = read_bytes(bytes) {
        for i in &d.inputs {
            assert_eq!(
                i.records,
                i.events + i.snapshot_records + i.skipped_total(),
                "{i:?}"
            );
        }
    }
}

fn json_fragments() -> impl Strategy<Value = String> {
    let frag = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("\n".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"value\":".to_string()),
        Just("\"records\":[".to_string()),
        Just("\u{feff}".to_string()),
        Just("\"activityDateTime\":\"2026-10-05T07:00:00Z\"".to_string()),
        Just("\"activityDisplayName\":\"Change user license\"".to_string()),
        Just("\"CreationTime\":\"2021-02-04T16:33:14\",\"Operation\":\"Update user.\",\"Workload\":\"AzureActiveDirectory\"".to_string()),
        Just("\"userPrincipalName\":\"a@b\",\"licenseAssignmentStates\":[{\"skuId\":\"x\",\"error\":\"CountViolation\"}]".to_string()),
        "[a-zA-Z0-9 ]{0,8}".prop_map(|s| s),
    ];
    proptest::collection::vec(frag, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn scanner_never_panics(s in json_fragments()) {
        for item in Scanner::new(std::io::BufReader::with_capacity(7, s.as_bytes())) {
            let item = item.unwrap();
            prop_assert!(item.record >= 1);
        }
    }

    #[test]
    fn whole_pipeline_never_panics_on_json_like_text(s in json_fragments()) {
        counts_add_up(s.as_bytes());
    }

    #[test]
    fn whole_pipeline_never_panics_on_bytes(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        counts_add_up(&b);
    }

    #[test]
    fn csv_like_text_never_panics(rows in proptest::collection::vec("[a-zA-Z0-9\",;= \\n{}]{0,40}", 0..8)) {
        let mut s = String::from("RecordId,CreationDate,RecordType,Operation,UserId,AuditData\n");
        s.push_str(&rows.join("\n"));
        counts_add_up(s.as_bytes());
        let mut p = String::from("TimeGenerated [UTC],OperationName,InitiatedBy,TargetResources\n");
        p.push_str(&rows.join("\n"));
        counts_add_up(p.as_bytes());
    }

    #[test]
    fn text_parsers_never_panic(s in "\\PC{0,200}") {
        let _ = time::parse_timestamp(&s);
        let _ = licenses::parse_assigned_licenses(&s);
        let _ = licenses::parse_summary(&s);
        let _ = errors::extract(&s);
    }
}

/// Every fixture, cut at many points and with bytes flipped, is read without a panic and with counts
/// that add up.
#[test]
fn mutated_fixtures_never_panic() {
    let files = [
        "sample-tenant/audit/directoryAudits-page1.json",
        "formats/portal.csv",
        "formats/azure-monitor.json",
        "formats/log-analytics.csv",
        "formats/purview-new.csv",
        "formats/ual-auditdata.jsonl",
        "audit/utf16le-bom.json",
        "audit/graph-objects-array.json.gz",
        "sample-tenant/snapshot/users.json",
        "sample-tenant/snapshot/groups.json",
        "sample-tenant/snapshot/subscribedSkus.json",
        "snapshot/users-with-license-errors.csv",
        "snapshot/cloudLicensing-assignmentErrors.json",
    ];
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for f in files {
        let bytes = std::fs::read(crate::common::fixture(f)).unwrap();
        for k in 1..12u64 {
            let cut = (bytes.len() as u64 * k / 12) as usize;
            counts_add_up(&bytes[..cut]);
            let mut m = bytes.clone();
            for _ in 0..8 {
                let i = (next() as usize) % m.len();
                m[i] = next() as u8;
            }
            counts_add_up(&m);
        }
    }
}
