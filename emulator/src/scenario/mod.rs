//! Scenario suites (`docs/scenarios.md`): files that say what a package, staged and submitted
//! a certain way under certain service conditions, must give; and the runner that plays each
//! as a migration tool would and checks it.
//!
//! The runner starts a private Azurite and one in-process emulator per distinct `[emulator]`
//! table, unless it is pointed at an emulator already running. Every scenario has a site
//! collection, containers, a queue and rules of its own, so scenarios run in parallel.

mod client;
mod execute;
mod expect;
pub mod format;
mod package;
pub mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use client::Endpoint;
use format::{EmulatorSettings, Scenario};
use report::{Progress, ScenarioResult, Verdict};

use crate::azurite::Azurite;
use crate::config::Settings;
use crate::server::Emulator;
use crate::storage::StorageAccount;

/// What `spmig scenario run` was asked.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub jobs: usize,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub tags: Vec<String>,
    /// An emulator already running, instead of private ones.
    pub emulator: Option<String>,
    pub storage_connection_string: Option<String>,
}

/// Why a run could not begin: unreadable scenario files, or no storage or emulator.
#[derive(Debug)]
pub struct SetupError(pub String);

/// Runs the scenarios under `options.paths`; the results, in file order.
pub async fn run(options: &RunOptions) -> Result<Vec<ScenarioResult>, SetupError> {
    let files = discover(&options.paths)?;
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        match format::load(&path) {
            Ok(scenario) if options.tags.is_empty() || scenario.tags.iter().any(|t| options.tags.contains(t)) => {
                scenarios.push((path, scenario))
            }
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(SetupError(errors.join("\n")));
    }
    if scenarios.is_empty() {
        return Err(SetupError("no scenario files (*.toml) under the paths given".into()));
    }

    // Storage: the one given, the default Azurite of an emulator given, or a private one.
    let (account, _azurite) = match (&options.storage_connection_string, &options.emulator) {
        (Some(text), _) => (StorageAccount::parse(text).map_err(|e| SetupError(e.to_string()))?, None),
        (None, Some(_)) => {
            let text = crate::storage::account::default_connection_string();
            (StorageAccount::parse(&text).map_err(|e| SetupError(e.to_string()))?, None)
        }
        (None, None) => {
            let azurite = Azurite::start().map_err(|e| SetupError(e.to_string()))?;
            (azurite.account(), Some(azurite))
        }
    };

    // One endpoint per distinct settings; an external emulator serves only the defaults.
    let mut endpoints: BTreeMap<String, Arc<Endpoint>> = BTreeMap::new();
    let mut emulators = Vec::new();
    // Tokens files of the emulators, kept as long as they run.
    let mut scratch = Vec::new();
    // Scenarios that want an emulator of their own get one, keyed by their place in the list.
    let key = |settings: &Option<EmulatorSettings>, index: usize| {
        let settings = settings.clone().unwrap_or_default();
        match settings.isolated {
            Some(true) => format!("{settings:?} #{index}"),
            _ => format!("{settings:?}"),
        }
    };
    if let Some(url) = &options.emulator {
        let endpoint = Endpoint::new(url, account.clone()).map_err(SetupError)?;
        endpoints.insert(key(&None, 0), Arc::new(endpoint));
    } else {
        for (index, (_, scenario)) in scenarios.iter().enumerate() {
            let group = key(&scenario.emulator, index);
            if endpoints.contains_key(&group) {
                continue;
            }
            let (settings, tokens) = settings_for(scenario.emulator.clone().unwrap_or_default(), &account)?;
            let emulator = Emulator::start(&settings).await.map_err(|e| SetupError(e.to_string()))?;
            scratch.extend(tokens);
            let endpoint = Endpoint::new(&emulator.url, account.clone()).map_err(SetupError)?;
            endpoints.insert(group, Arc::new(endpoint));
            emulators.push(emulator);
        }
    }

    let limit = Arc::new(tokio::sync::Semaphore::new(options.jobs.max(1)));
    let progress = Arc::new(std::sync::Mutex::new(Progress::new(scenarios.len())));
    let mut tasks = Vec::with_capacity(scenarios.len());
    for (index, (path, scenario)) in scenarios.into_iter().enumerate() {
        let endpoint = endpoints.get(&key(&scenario.emulator, index)).cloned();
        let (limit, progress) = (limit.clone(), progress.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await.expect("the semaphore is never closed");
            let result = run_one(&path, &scenario, endpoint.as_deref(), index).await;
            progress.lock().unwrap_or_else(|p| p.into_inner()).finished(&result);
            result
        }));
    }
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.map_err(|e| SetupError(format!("a scenario task failed: {e}")))?);
    }
    for emulator in emulators {
        let _ = emulator.stop().await;
    }
    Ok(results)
}

async fn run_one(path: &Path, scenario: &Scenario, endpoint: Option<&Endpoint>, index: usize) -> ScenarioResult {
    let started = Instant::now();
    let verdict = match endpoint {
        None => {
            Verdict::Skipped("its [emulator] settings need an emulator of its own; run it without --emulator".into())
        }
        Some(endpoint) => {
            let tag = tag_of(path, index);
            match execute::run(scenario, path, endpoint, &tag).await {
                Err(e) => Verdict::Error(e),
                Ok(outcome) => match expect::check(scenario, &outcome, endpoint).await {
                    failures if failures.is_empty() => Verdict::Passed,
                    failures => Verdict::Failed(failures),
                },
            }
        }
    };
    ScenarioResult {
        path: path.to_path_buf(),
        description: scenario.description.clone(),
        behaviours: scenario.behaviours.clone(),
        verdict,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// A private emulator for one settings group: in memory, on a free port, on `account`; with
/// the tokens file it reads, if the group has one.
fn settings_for(
    wanted: EmulatorSettings,
    account: &StorageAccount,
) -> Result<(Settings, Option<tempfile::TempDir>), SetupError> {
    let mut settings = Settings::defaults();
    settings.listen = "127.0.0.1:0".parse().expect("a socket address");
    settings.in_memory = true;
    settings.storage = account.clone();
    if let Some(value) = wanted.user_resolution {
        settings.user_resolution = value;
    }
    if let Some(value) = wanted.security_import {
        settings.security_import = value;
    }
    if let Some(value) = wanted.require_manifest_snapshots {
        settings.require_manifest_snapshots = value;
    }
    if let Some(value) = wanted.sourcetype_mode {
        settings.sourcetype_mode = value;
    }
    if let Some(value) = wanted.clock_speed {
        settings.clock_speed = value;
    }
    let Some(lines) = wanted.tokens else { return Ok((settings, None)) };
    let dir = tempfile::tempdir().map_err(|e| SetupError(e.to_string()))?;
    let path = dir.path().join("tokens");
    let text = format!("{}\n{}\n", client::RUNNER_TOKEN, lines.join("\n"));
    std::fs::write(&path, text).map_err(|e| SetupError(e.to_string()))?;
    settings.tokens = Some(path);
    Ok((settings, Some(dir)))
}

/// Names a scenario's site, containers and queue: its file name, made safe for container
/// names (lower case, digits, single hyphens, at most 63 characters with suffixes), and a
/// random part so reruns against the same emulator never collide.
fn tag_of(path: &Path, index: usize) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default();
    let mut slug = String::new();
    for c in stem.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && (slug.is_empty() || slug.ends_with('-'))) {
            slug.push(c);
        }
    }
    slug.truncate(36);
    let slug = slug.trim_end_matches('-');
    let random = hex::encode(crate::ids::Ids::random().bytes::<3>());
    format!("scn{index}-{slug}-{random}")
}

/// Every `*.toml` under the paths (files given directly are taken as they are), sorted.
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SetupError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_file() {
            found.push(path.clone());
        } else if path.is_dir() {
            walk(path, &mut found).map_err(|e| SetupError(format!("{}: {e}", path.display())))?;
        } else {
            return Err(SetupError(format!("{}: no such file or folder", path.display())));
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            found.push(path);
        }
    }
    Ok(())
}
