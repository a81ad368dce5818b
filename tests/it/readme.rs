//! The README's first two commands stay true: the first runs the main job on the shipped sample
//! tenant, the second is the test command CI runs.

fn first_block() -> Vec<String> {
    let readme =
        std::fs::read_to_string(crate::common::fixture("../README.md")).expect("README.md");
    let start = readme.find("```sh").expect("a sh block");
    let rest = &readme[start + 5..];
    let end = rest.find("```").expect("closed block");
    rest[..end]
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn readme_starts_with_the_main_job_and_the_tests() {
    let lines = first_block();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1], "cargo test");
    assert!(
        std::fs::read_to_string(crate::common::fixture("../.ci/run"))
            .unwrap()
            .contains("\ncargo test\n")
    );
    let args: Vec<&str> = lines[0]
        .strip_prefix("cargo run -q --")
        .expect("first command runs licdiag through cargo")
        .split_whitespace()
        .collect();
    let out = crate::common::licdiag().args(&args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // the sample tenant has license errors: exit code 1, as the README says
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("CountViolation - Not enough licenses on ENTERPRISEPACK"),
        "{stdout}"
    );
    assert!(stdout.contains("capacity per SKU"));
    // the excerpt the README shows starts as the output does: its summary and evidence lines
    // (up to the run's own date) drifted once (60 audit events where the run counted 57)
    let readme =
        std::fs::read_to_string(crate::common::fixture("../README.md")).expect("README.md");
    let excerpt = readme
        .split("```text\n")
        .nth(1)
        .expect("an excerpt of the output");
    for (shown, printed) in excerpt.lines().zip(stdout.lines()).take(2) {
        let shown = shown.split(" as of ").next().unwrap_or(shown);
        assert!(
            printed.starts_with(shown),
            "README: {shown}\nprinted: {printed}"
        );
    }
}
