//! The container files users run: docker-compose.yml and the Dockerfile. No Docker engine
//! runs on the build machine, so these tests read the files and check what would matter when
//! one does: services, ports, healthchecks, and that every `SPMIG_*` variable is one
//! `spmig serve` reads.

use std::path::Path;

use spmig::config::serve_env_vars;
use spmig::storage::StorageAccount;
use yaml_rust2::{Yaml, YamlLoader};

fn repo_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn compose() -> Yaml {
    YamlLoader::load_from_str(&repo_file("docker-compose.yml")).unwrap().remove(0)
}

fn strings(yaml: &Yaml) -> Vec<String> {
    match yaml {
        Yaml::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        Yaml::String(s) => vec![s.clone()],
        _ => vec![],
    }
}

#[test]
fn compose_runs_azurite_and_the_emulator_with_healthchecks() {
    let doc = compose();
    let services = &doc["services"];
    let azurite = &services["azurite"];
    let emulator = &services["emulator"];
    assert!(azurite["image"].as_str().unwrap().ends_with("azure-storage/azurite:3.35.0"));
    let command = strings(&azurite["command"]);
    for flag in ["--disableTelemetry", "--skipApiVersionCheck", "--blobPort=10000", "--queuePort=10001"] {
        assert!(command.iter().any(|c| c == flag), "azurite command lacks {flag}: {command:?}");
    }
    // Published on the host's loopback only: blob, queue and (through the shared namespace)
    // the emulator.
    let ports = strings(&azurite["ports"]);
    assert_eq!(ports, ["127.0.0.1:10000:10000", "127.0.0.1:10001:10001", "127.0.0.1:8080:8080"]);
    assert_eq!(emulator["network_mode"].as_str(), Some("service:azurite"));

    for (name, service) in [("azurite", azurite), ("emulator", emulator)] {
        let test = strings(&service["healthcheck"]["test"]);
        assert_eq!(test.first().map(String::as_str), Some("CMD"), "{name} healthcheck");
    }
    let check = strings(&emulator["healthcheck"]["test"]);
    assert_eq!(&check[1..3], ["spmig", "healthcheck"]);
    assert!(check.contains(&"--ready".to_string()));
    assert_eq!(emulator["depends_on"]["azurite"]["condition"].as_str(), Some("service_healthy"));

    let volumes = doc["volumes"].as_hash().unwrap();
    for (service, volume) in [(azurite, "azurite-data:/data"), (emulator, "emulator-data:/data")] {
        assert!(strings(&service["volumes"]).contains(&volume.to_string()));
        let name = volume.split(':').next().unwrap();
        assert!(volumes.contains_key(&Yaml::String(name.into())), "volume {name} is not declared");
    }
}

#[test]
fn compose_sets_only_variables_spmig_serve_reads() {
    let doc = compose();
    let known = serve_env_vars();
    let environment = doc["services"]["emulator"]["environment"].as_hash().unwrap();
    assert!(!environment.is_empty());
    for (key, value) in environment {
        let key = key.as_str().unwrap();
        assert!(key.starts_with("SPMIG_"), "{key}");
        assert!(known.iter().any(|k| k == key), "{key} is not read by spmig serve (it reads {known:?})");
        assert!(value.as_str().is_some(), "{key} must be a string");
    }
    let connection = environment[&Yaml::String("SPMIG_STORAGE_CONNECTION_STRING".into())].as_str().unwrap();
    let account = StorageAccount::parse(connection).unwrap();
    assert_eq!(account.blob_endpoint.as_str(), "http://127.0.0.1:10000/devstoreaccount1");
    assert_eq!(account.queue_endpoint.as_str(), "http://127.0.0.1:10001/devstoreaccount1");
    assert_eq!(environment[&Yaml::String("SPMIG_LISTEN".into())].as_str(), Some("0.0.0.0:8080"));
}

#[test]
fn dockerfile_is_multi_stage_with_a_spmig_healthcheck() {
    let dockerfile = repo_file("Dockerfile");
    assert_eq!(dockerfile.lines().filter(|l| l.starts_with("FROM ")).count(), 2, "build and runtime stages");
    assert!(dockerfile.contains("COPY --from=build "));
    let healthcheck: String = dockerfile.lines().skip_while(|l| !l.starts_with("HEALTHCHECK")).take(2).collect();
    assert!(healthcheck.contains("\"spmig\", \"healthcheck\""), "{healthcheck}");
    let known = serve_env_vars();
    for word in dockerfile.split_whitespace().filter(|w| w.starts_with("SPMIG_")) {
        let name = word.split('=').next().unwrap();
        assert!(known.iter().any(|k| k == name), "{name} is not read by spmig serve");
    }
}
