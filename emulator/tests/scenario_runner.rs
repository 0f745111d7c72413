//! `spmig scenario run` as CI runs it: the example scenarios pass, and a wrong expectation
//! fails with a message that names the scenario, the expectation, and both values.

use std::path::Path;
use std::process::Command;

fn repository() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_spmig"))
        .current_dir(repository())
        .args(["scenario", "run"])
        .args(args)
        .output()
        .unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_example_scenarios_pass_with_a_junit_report() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let (code, stderr) = run(&["scenarios/examples", "--junit", junit.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let report = std::fs::read_to_string(junit).unwrap();
    let cases = report.matches("<testcase ").count();
    let examples = std::fs::read_dir(repository().join("scenarios/examples"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "toml"))
        .count();
    assert_eq!(cases, examples, "{report}");
    assert!(report.contains(r#"failures="0""#), "{report}");
}

#[test]
fn a_wrong_expectation_names_the_scenario_the_expectation_and_both_values() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(repository().join("scenarios/examples/snapshot-missing.toml")).unwrap();
    let wrong = example.replace("counters = { FilesCreated = 1,", "counters = { FilesCreated = 2,");
    assert_ne!(wrong, example);
    let path = dir.path().join("wrong-count.toml");
    std::fs::write(&path, wrong).unwrap();
    let json = dir.path().join("report.json");
    let (code, stderr) = run(&[path.to_str().unwrap(), "--json", json.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&format!("FAIL {}", path.display())), "{stderr}");
    assert!(stderr.contains("expect.counters.FilesCreated: expected 2"), "{stderr}");
    assert!(stderr.contains(r#"actual   "1""#), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(report["failed"], 1);
    let failure = &report["scenarios"][0]["detail"][0];
    assert_eq!(
        (&failure["expectation"], &failure["expected"], &failure["actual"]),
        (&serde_json::json!("expect.counters.FilesCreated"), &serde_json::json!("2"), &serde_json::json!("\"1\""))
    );
}

#[test]
fn an_unreadable_scenario_is_a_usage_error_that_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.toml");
    std::fs::write(
        &path,
        "description = \"x\"\n[package]\nfolder = \"testdata/packages/base\"\n[expect]\nevent_list = []\n",
    )
    .unwrap();
    let (code, stderr) = run(&[path.to_str().unwrap()]);
    assert_eq!(code, Some(64), "{stderr}");
    assert!(stderr.contains("typo.toml:5") && stderr.contains("event_list"), "{stderr}");
}
