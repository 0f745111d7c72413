//! The scenario file format (`docs/scenarios.md`), as serde reads it. Every table refuses
//! unknown keys, so a misspelt expectation is an error rather than a check that never runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{SecurityImport, SourceTypeMode, UserResolution};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub description: String,
    #[serde(default)]
    pub behaviours: Vec<u16>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub package: PackageSpec,
    #[serde(default)]
    pub site: SiteSetup,
    #[serde(default)]
    pub staging: StagingSpec,
    pub emulator: Option<EmulatorSettings>,
    #[serde(default)]
    pub rules: Vec<toml::Table>,
    #[serde(default)]
    pub submit: SubmitSpec,
    #[serde(default)]
    pub expect: Expect,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSpec {
    pub folder: Option<PathBuf>,
    #[serde(default)]
    pub remove: Vec<String>,
    #[serde(default)]
    pub edit: Vec<Edit>,
    #[serde(default)]
    pub add: Vec<Addition>,
    pub generate: Option<Generate>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub file: String,
    pub replace: String,
    pub with: String,
    pub count: Option<usize>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addition {
    pub path: String,
    pub text: Option<String>,
    pub base64: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    #[serde(default = "one")]
    pub folders: usize,
    #[serde(default = "one")]
    pub files_per_folder: usize,
    #[serde(default = "default_sizes")]
    pub sizes: Vec<usize>,
    #[serde(default = "one")]
    pub versions: usize,
    #[serde(default = "one")]
    pub users: usize,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The first this many files get unique permissions: Read for their author.
    #[serde(default)]
    pub unique_permissions: usize,
    #[serde(default = "one_u64")]
    pub seed: u64,
}

fn one() -> usize {
    1
}

fn one_u64() -> u64 {
    1
}

fn default_sizes() -> Vec<usize> {
    vec![64]
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSetup {
    #[serde(default)]
    pub no_script: bool,
    #[serde(default)]
    pub users: Vec<toml::Table>,
    #[serde(default)]
    pub lists: Vec<toml::Table>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagingSpec {
    #[serde(default)]
    pub encrypt: bool,
    #[serde(default = "yes")]
    pub content_md5: bool,
    #[serde(default)]
    pub no_snapshot: Vec<String>,
    #[serde(default = "yes")]
    pub manifest_snapshots: bool,
    #[serde(default = "source_permissions")]
    pub source_permissions: String,
    #[serde(default = "manifest_permissions")]
    pub manifest_permissions: String,
    #[serde(default = "queue_permissions")]
    pub queue_permissions: String,
    #[serde(default = "one_day")]
    pub expires_in: String,
    #[serde(default = "yes")]
    pub queue: bool,
    #[serde(default)]
    pub same_container: bool,
    #[serde(default)]
    pub provisioned: bool,
    /// Appended to both container URLs (`&comp=list&restype=container`).
    #[serde(default)]
    pub url_suffix: String,
    /// Container URLs without a SAS, as for Entra ID access.
    #[serde(default)]
    pub no_sas: bool,
    /// Blobs changed after staging: uploaded again, with a new snapshot or without one.
    #[serde(default)]
    pub change: Vec<BlobChange>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobChange {
    pub blob: String,
    pub text: Option<String>,
    pub base64: Option<String>,
    #[serde(default)]
    pub snapshot: bool,
}

impl Default for StagingSpec {
    fn default() -> Self {
        toml::from_str("").expect("every staging key has a default")
    }
}

fn yes() -> bool {
    true
}

fn source_permissions() -> String {
    "rl".into()
}

fn manifest_permissions() -> String {
    "rlw".into()
}

fn queue_permissions() -> String {
    "raup".into()
}

fn one_day() -> String {
    "1d".into()
}

/// `spmig serve` settings a scenario needs, under their config-file names.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EmulatorSettings {
    pub user_resolution: Option<UserResolution>,
    pub security_import: Option<SecurityImport>,
    pub require_manifest_snapshots: Option<bool>,
    pub sourcetype_mode: Option<SourceTypeMode>,
    /// How much faster than real time the emulator's clock runs.
    pub clock_speed: Option<f64>,
    /// An emulator for this scenario alone, for one that moves the clock far (days), which
    /// would age the jobs of scenarios running beside it.
    pub isolated: Option<bool>,
    /// Lines of a `--tokens` file (`"reader Sites.Read.All"`); the runner's own token is
    /// added with full control.
    pub tokens: Option<Vec<String>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitSpec {
    pub endpoint: Option<String>,
    #[serde(default)]
    pub web: String,
    pub key: Option<String>,
    /// The bearer token of the tool's calls (a JWT with `scp` is a user's, delegated).
    pub token: Option<String>,
    #[serde(default = "ok_status")]
    pub status: u16,
    pub message: Option<Matcher>,
}

impl Default for SubmitSpec {
    fn default() -> Self {
        toml::from_str("").expect("every submit key has a default")
    }
}

fn ok_status() -> u16 {
    200
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub events: Option<Vec<String>>,
    #[serde(default)]
    pub counters: BTreeMap<String, Matcher>,
    #[serde(default)]
    pub event: Vec<EventExpectation>,
    pub log_files: Option<Vec<String>>,
    #[serde(default)]
    pub log: Vec<LogExpectation>,
    #[serde(default)]
    pub site: Vec<SiteExpectation>,
    #[serde(default)]
    pub call: Vec<CallExpectation>,
    #[serde(default)]
    pub rest: Vec<RestExpectation>,
    /// The event at the front of the queue when CreateMigrationJob answered.
    pub queued_before_answer: Option<String>,
    /// How many calls reached `{ReceiverUrl}` (an event receiver's URL in the package) by
    /// the job's end.
    pub receiver_calls: Option<usize>,
}

/// A REST call the runner makes once the job has ended, and what it must answer.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestExpectation {
    /// Under the site's `_api/`; `{JobId}` stands for the job's id.
    pub path: String,
    #[serde(default = "get")]
    pub method: String,
    /// A JSON body (text, `{JobId}` replaced).
    pub body: Option<String>,
    /// `verbose`, `minimal` or `nometadata` (the default).
    pub format: Option<String>,
    /// Emulator seconds to let pass before the call.
    pub advance: Option<f64>,
    /// When the call is made: `created` (as CreateMigrationJob answered), `started` (once
    /// JobStart is out) or `ended` (the default).
    pub when: Option<String>,
    /// The bearer token of this call; the runner's own by default.
    pub token: Option<String>,
    pub status: Option<u16>,
    /// Matchers by `/`-separated path into the JSON answer (`d/GetMigrationJobStatus`,
    /// `Logs/0`, `odata.error/code`).
    #[serde(default)]
    pub json: BTreeMap<String, Matcher>,
    /// Matchers by response header name.
    #[serde(default)]
    pub headers: BTreeMap<String, Matcher>,
}

fn get() -> String {
    "GET".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventExpectation {
    #[serde(rename = "type")]
    pub kind: String,
    pub nth: Option<usize>,
    #[serde(default)]
    pub fields: BTreeMap<String, Matcher>,
    /// A matcher every field of the event must meet (`{ type = "string" }`).
    pub all_fields: Option<Matcher>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogExpectation {
    pub file: Option<String>,
    pub contains: Option<String>,
    pub regex: Option<String>,
    #[serde(default)]
    pub absent: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteExpectation {
    pub path: String,
    pub exists: Option<bool>,
    pub bytes: Option<String>,
    pub text: Option<String>,
    pub sha256: Option<String>,
    pub versions: Option<Vec<String>>,
    #[serde(default)]
    pub fields: BTreeMap<String, Matcher>,
    pub author: Option<String>,
    pub modified_by: Option<String>,
    pub unique_permissions: Option<bool>,
    pub role_assignments: Option<Vec<Grant>>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub member: String,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallExpectation {
    pub endpoint: String,
    pub status: Option<u16>,
    pub retry_after: Option<Matcher>,
    pub count: Option<Matcher>,
    /// Matchers by response header name, met by every call counted.
    #[serde(default)]
    pub headers: BTreeMap<String, Matcher>,
}

/// A value expectation: a literal, or one of the matcher tables.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Matcher {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Table(MatcherTable),
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherTable {
    pub regex: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub contains: Option<String>,
    pub same_as: Option<String>,
    pub any: Option<bool>,
    pub absent: Option<bool>,
    /// The JSON type: `string`, `number`, `boolean`, `object`, `array` or `null`.
    #[serde(rename = "type")]
    pub json_type: Option<String>,
    /// A string holding JSON that itself meets this matcher.
    pub json: Option<Box<Matcher>>,
    /// An event time this many `seconds` after the time in the named field of the same event.
    pub after: Option<String>,
    pub seconds: Option<f64>,
}

/// A scenario file read and parsed; `Err` says where it is wrong.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let scenario: Scenario = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|span| text[..span.start].matches('\n').count() + 1);
        match line {
            Some(line) => format!("{}:{line}: {}", path.display(), e.message()),
            None => format!("{}: {}", path.display(), e.message()),
        }
    })?;
    let package = &scenario.package;
    if package.folder.is_some() == package.generate.is_some() {
        return Err(format!("{}: [package] needs either `folder` or `[package.generate]`", path.display()));
    }
    if package.generate.as_ref().is_some_and(|g| g.sizes.is_empty()) {
        return Err(format!("{}: [package.generate] sizes must not be empty", path.display()));
    }
    for rest in &scenario.expect.rest {
        if !matches!(rest.when.as_deref(), None | Some("created" | "started" | "ended")) {
            return Err(format!("{}: [[expect.rest]] when must be created, started or ended", path.display()));
        }
    }
    for change in &scenario.staging.change {
        if change.text.is_some() == change.base64.is_some() {
            return Err(format!(
                "{}: [[staging.change]] {} needs either `text` or `base64`",
                path.display(),
                change.blob
            ));
        }
    }
    for add in &package.add {
        if add.text.is_some() == add.base64.is_some() {
            return Err(format!("{}: [[package.add]] {} needs either `text` or `base64`", path.display(), add.path));
        }
    }
    Ok(scenario)
}
