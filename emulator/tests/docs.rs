//! docs/conformance.md stays true: one row per checklist behaviour, a summary that matches the
//! rows, every test it names exists, and every `b<N>_` test is listed on row N.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Row {
    status: String,
    tests: Vec<String>,
    /// Scenario files, relative to the repository.
    scenarios: Vec<String>,
}

fn rows() -> (String, BTreeMap<u32, Row>) {
    let text = std::fs::read_to_string(repo().join("docs/conformance.md")).unwrap();
    let mut rows = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_digit)) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 6, "malformed row: {line}");
        let tests = cells[4].split(", ").filter(|t| !t.is_empty()).map(|t| t.trim_matches('`').to_string()).collect();
        // `[`name`](../scenarios/…/name.toml)`: the link's target.
        let scenarios = cells[5]
            .split(", ")
            .filter_map(|link| link.split_once("](../").map(|(_, rest)| rest.trim_end_matches(')').to_string()))
            .collect();
        rows.insert(cells[0].parse().unwrap(), Row { status: cells[3].to_string(), tests, scenarios });
    }
    (text, rows)
}

fn source_of(test: &str) -> (PathBuf, String) {
    // The end-to-end suite's tests: `e2e/test_import.py::test_b11_…`.
    if let Some((file, name)) = test.split_once(".py::") {
        return (repo().join(format!("{file}.py")), name.to_string());
    }
    let parts: Vec<&str> = test.split("::").collect();
    let name = parts.last().unwrap().to_string();
    if parts.len() == 2 {
        return (repo().join(format!("emulator/tests/{}.rs", parts[0])), name);
    }
    // A unit test: module path, minus the `tests` module and the function.
    let modules = &parts[..parts.len() - 2];
    let base = repo().join("emulator/src").join(modules.join("/"));
    let file = if base.with_extension("rs").is_file() { base.with_extension("rs") } else { base.join("mod.rs") };
    (file, name)
}

#[test]
fn conformance_table_is_complete_and_true() {
    let (text, rows) = rows();
    assert_eq!(rows.len(), 170, "one row per behaviour");
    assert_eq!(rows.keys().copied().collect::<Vec<_>>(), (1..=170).collect::<Vec<_>>());

    let implemented = rows.values().filter(|r| r.status == "implemented").count();
    assert!(
        text.contains(&format!("**Summary:** {implemented} of 170 behaviours implemented")),
        "the summary line does not say {implemented} implemented"
    );
    for (number, row) in &rows {
        if row.status == "implemented" {
            assert!(
                !row.tests.is_empty() || !row.scenarios.is_empty(),
                "row {number} is implemented but names no proof"
            );
        }
        for scenario in &row.scenarios {
            let text = std::fs::read_to_string(repo().join(scenario))
                .unwrap_or_else(|_| panic!("row {number}: no scenario {scenario}"));
            let claims: toml::Table = toml::from_str(&text).unwrap();
            let listed = claims
                .get("behaviours")
                .and_then(|b| b.as_array())
                .is_some_and(|b| b.iter().any(|n| n.as_integer() == Some(i64::from(*number))));
            assert!(listed, "row {number}: {scenario} does not claim behaviour {number}");
        }
        for test in &row.tests {
            let (file, name) = source_of(test);
            let source =
                std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("row {number}: no file {}", file.display()));
            let defined = source.contains(&format!("fn {name}(")) || source.contains(&format!("def {name}("));
            assert!(defined, "row {number}: no test {name} in {}", file.display());
        }
    }
}

#[test]
fn every_scenario_is_listed_on_each_of_its_rows() {
    let (_, rows) = rows();
    let mut files = Vec::new();
    files_with(&repo().join("scenarios"), "toml", &mut files);
    assert!(!files.is_empty(), "no scenarios found");
    for path in files {
        let relative = path.strip_prefix(repo()).unwrap().to_string_lossy().replace('\\', "/");
        let claims: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for number in claims.get("behaviours").and_then(|b| b.as_array()).into_iter().flatten() {
            let number = number.as_integer().unwrap() as u32;
            let row =
                rows.get(&number).unwrap_or_else(|| panic!("{relative} claims behaviour {number}, which has no row"));
            assert!(row.scenarios.contains(&relative), "row {number} does not list {relative}: run ./dev conformance");
        }
    }
}

/// Behaviour numbers a test's name claims: `b11_b44_rest` (or `test_b11_b44_rest`) → [11, 44].
fn claimed(name: &str) -> Vec<u32> {
    let name = name.strip_prefix("test_").unwrap_or(name);
    name.split('_').map_while(|part| part.strip_prefix('b').and_then(|n| n.parse().ok())).collect()
}

/// `(listed name, function name)` of every test function in a Rust file.
fn tests_in(source: &str, listed_prefix: &str) -> Vec<(String, String)> {
    source
        .split("fn ")
        .skip(1)
        .filter_map(|rest| rest.split('(').next())
        .filter(|name| name.starts_with('b') && !claimed(name).is_empty())
        .map(|name| (format!("{listed_prefix}{name}"), name.to_string()))
        .collect()
}

/// Every file under `dir` with this extension.
fn files_with(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_with(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

#[test]
fn every_numbered_test_is_listed_on_each_of_its_rows() {
    let (_, rows) = rows();
    let mut named = Vec::new();
    for path in std::fs::read_dir(repo().join("emulator/tests")).unwrap().map(|e| e.unwrap().path()) {
        if path.extension().is_some_and(|e| e == "rs") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            named.extend(tests_in(&std::fs::read_to_string(&path).unwrap(), &format!("{stem}::")));
        }
    }
    let src = repo().join("emulator/src");
    let mut files = Vec::new();
    files_with(&src, "rs", &mut files);
    for path in files {
        let relative = path.strip_prefix(&src).unwrap().with_extension("");
        let mut module: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        let prefix = format!("{}::tests::", module.join("::"));
        named.extend(tests_in(&std::fs::read_to_string(&path).unwrap(), &prefix));
    }
    for path in std::fs::read_dir(repo().join("e2e")).unwrap().map(|e| e.unwrap().path()) {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if file.starts_with("test_") && file.ends_with(".py") {
            let source = std::fs::read_to_string(&path).unwrap();
            let tests = source.split("def ").skip(1).filter_map(|rest| rest.split('(').next());
            for name in tests.filter(|name| name.starts_with("test_b") && !claimed(name).is_empty()) {
                named.push((format!("e2e/{file}::{name}"), name.to_string()));
            }
        }
    }
    assert!(!named.is_empty());
    for (listed, name) in named {
        for number in claimed(&name) {
            let row = rows.get(&number).unwrap_or_else(|| panic!("{listed}: no behaviour {number}"));
            assert!(row.tests.contains(&listed), "{listed} is not listed on row {number}");
        }
    }
}

/// The README's configuration table names every flag of `spmig serve` with its variable, and
/// its admin table every route of the emulator's own API.
#[test]
fn readme_documents_every_flag_and_admin_route() {
    use clap::CommandFactory;
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let cli = spmig::cli::Cli::command();
    let serve = cli.find_subcommand("serve").expect("a serve subcommand");
    for arg in serve.get_arguments() {
        let Some(flag) = arg.get_long() else { continue };
        if flag == "help" {
            continue;
        }
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned()).expect("every flag has a variable");
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `--{flag}")))
            .unwrap_or_else(|| panic!("the README's configuration table has no row for --{flag}"));
        assert!(row.contains(&format!("`{env}`")), "the row for --{flag} does not name {env}: {row}");
    }
    let sources =
        ["admin.rs", "control.rs"].map(|f| std::fs::read_to_string(repo().join("emulator/src/http").join(f)).unwrap());
    for source in sources {
        for route in source.split(".route(\"").skip(1).filter_map(|rest| rest.split('"').next()) {
            assert!(readme.contains(route), "the README does not document {route}");
        }
    }
}
