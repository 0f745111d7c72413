//! Settings of `spmig serve`, layered: command-line flag > `SPMIG_<FLAG>` environment
//! variable > TOML file given by `--config` > built-in default.
//!
//! One struct, [`ServeOptions`], is both the clap flag set and the file's schema, so flags
//! and file keys cannot drift apart (`rules` alone is file-only). Each setting is still named
//! in [`Settings::resolve`] and [`Settings::describe`], by hand.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::builder::BoolishValueParser;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, ValueEnum};
use serde::Deserialize;

use crate::storage::StorageAccount;
use crate::storage::account::{AZURITE_KEY, default_connection_string};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// How much of the real service's slowness to reproduce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Jobs are picked up at once; no artificial delay.
    #[default]
    Instant,
    /// A pickup delay (2 minutes of emulator time), as a real queue has.
    Realistic,
}

/// How CreateMigrationJob treats SAS tokens that break the rules (storage.md §1.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SasEnforcement {
    /// Refuse the job, as the service does today.
    #[default]
    Strict,
    /// Accept the job, but log each refusal the service would make.
    Warn,
    /// Do not check permissions and validity at creation.
    Off,
}

/// Whether a package without `SourceType` fails (behaviours 93, 94).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceTypeMode {
    /// JobFatalError, as the service does since April 2023.
    #[default]
    Require,
    /// A JobWarning, as between October 2022 and the cut-over.
    Warn,
}

/// Which logins of a package's users resolve to an account (behaviours 104–106). The service
/// asks the tenant's directory, which the emulator does not have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UserResolution {
    /// Any login naming a user principal name (`i:0#.f|membership|ada@contoso.com` or
    /// `ada@contoso.com`) resolves, as an account of the tenant would; others (Windows
    /// logins such as `CONTOSO\ada`) do not.
    #[default]
    AnyUpn,
    /// Only the target site's users (declared in the seed file, or made by earlier imports)
    /// resolve.
    SiteUsers,
}

/// When a package's groups, role definitions and role assignments are imported (behaviours
/// 155–157). The service's rule is not documented; the emulator follows content deployment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecurityImport {
    /// Only when ExportSettings.xml says `IncludeSecurity="All"` or `"WssOnly"`; a missing
    /// attribute means `None`, as in SPExportSettings.
    #[default]
    ExportSettings,
    /// Whatever `IncludeSecurity` says.
    Always,
}

/// The settings of `serve`, each optional so that layers can be told apart.
#[derive(Clone, Debug, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeOptions {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "SPMIG_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Directory for the SQLite database and the content store [default: ./.spmig]
    #[arg(long, env = "SPMIG_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Keep the site model in memory; nothing survives a restart
    #[arg(long, env = "SPMIG_IN_MEMORY", value_name = "BOOL", num_args = 0..=1,
          default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub in_memory: Option<bool>,

    /// Azure Storage connection string of the account to provision containers in
    /// [default: Azurite's devstoreaccount1 on 127.0.0.1:10000 (blob) and 10001 (queue)]
    #[arg(long, env = "SPMIG_STORAGE_CONNECTION_STRING", value_name = "STRING", hide_env_values = true)]
    pub storage_connection_string: Option<String>,

    /// TOML file declaring more site collections, webs and lists
    #[arg(long, env = "SPMIG_SITES", value_name = "FILE")]
    pub sites: Option<PathBuf>,

    /// Log output format [default: pretty]
    #[arg(long, env = "SPMIG_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    /// File of accepted bearer tokens and their permissions [default: accept any non-empty token, full control]
    #[arg(long, env = "SPMIG_TOKENS", value_name = "FILE")]
    pub tokens: Option<PathBuf>,

    /// Delays to reproduce [default: instant]
    #[arg(long, env = "SPMIG_PROFILE", value_enum)]
    pub profile: Option<Profile>,

    /// Emulator seconds per real second [default: 1]
    #[arg(long, env = "SPMIG_CLOCK_SPEED", value_name = "N")]
    pub clock_speed: Option<f64>,

    /// Make every generated GUID, key and time repeatable; the clock starts frozen at
    /// 2026-01-01T00:00:00Z and moves only on /_emulator/clock/advance
    #[arg(long, env = "SPMIG_SEED", value_name = "N")]
    pub seed: Option<u64>,

    /// What CreateMigrationJob does with SAS tokens that break the rules [default: strict]
    #[arg(long, env = "SPMIG_SAS_ENFORCEMENT", value_enum)]
    pub sas_enforcement: Option<SasEnforcement>,

    /// Jobs processed at the same time [default: 2]
    #[arg(long, env = "SPMIG_WORKERS", value_name = "N")]
    pub workers: Option<usize>,

    /// What a package without SourceType gets [default: require]
    #[arg(long, env = "SPMIG_SOURCETYPE_MODE", value_enum)]
    pub sourcetype_mode: Option<SourceTypeMode>,

    /// Which package logins resolve to a user [default: any-upn]
    #[arg(long, env = "SPMIG_USER_RESOLUTION", value_enum)]
    pub user_resolution: Option<UserResolution>,

    /// When security objects are imported [default: export-settings]
    #[arg(long, env = "SPMIG_SECURITY_IMPORT", value_enum)]
    pub security_import: Option<SecurityImport>,

    /// Read manifest-container files only from snapshots, as the service documents
    /// (real clients often do not snapshot them) [default: false]
    #[arg(long, env = "SPMIG_REQUIRE_MANIFEST_SNAPSHOTS", value_name = "BOOL", num_args = 0..=1,
          default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub require_manifest_snapshots: Option<bool>,

    /// Rules that postpone, throttle or fail jobs (config file only: `[[rules]]` tables)
    #[arg(skip)]
    #[serde(default)]
    pub rules: Vec<crate::jobs::rules::Rule>,
}

/// `spmig serve` and `spmig config`: the options plus the file they may come from.
#[derive(Clone, Debug, Default, Args)]
pub struct ServeArgs {
    /// TOML file with any of the settings below (keys as the flags, with `_` for `-`)
    #[arg(long, env = "SPMIG_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub options: ServeOptions,
}

/// Where a setting's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Flag => "command line",
            Source::Env => "environment",
            Source::File => "config file",
            Source::Default => "default",
        })
    }
}

/// Resolved settings of `serve`.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data: PathBuf,
    pub in_memory: bool,
    pub storage_connection_string: String,
    pub storage: StorageAccount,
    pub sites: Option<PathBuf>,
    pub log_format: LogFormat,
    pub tokens: Option<PathBuf>,
    pub profile: Profile,
    pub clock_speed: f64,
    pub seed: Option<u64>,
    pub sas_enforcement: SasEnforcement,
    pub workers: usize,
    pub sourcetype_mode: SourceTypeMode,
    pub user_resolution: UserResolution,
    pub security_import: SecurityImport,
    /// Behaviour 157's limits; only tests lower them (there is no flag).
    pub permission_limits: crate::site::security::PermissionLimits,
    pub require_manifest_snapshots: bool,
    pub rules: Vec<crate::jobs::rules::Rule>,
    /// Where each value came from, by setting name.
    pub sources: BTreeMap<&'static str, Source>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Parse { path: String, line: usize, message: String },
    #[error("{path}: rule {index}: {message}")]
    Rule { path: String, index: usize, message: String },
    #[error("invalid storage connection string: {0}")]
    Storage(#[from] crate::storage::account::ConnectionStringError),
}

impl Settings {
    /// Settings with every default, for tests and embedding.
    pub fn defaults() -> Settings {
        Settings::resolve(&ServeArgs::default(), None).expect("defaults are valid")
    }

    /// Layers flags and environment (already merged by clap in `args`), the config file and
    /// the defaults. `matches` tells flags from environment for [`Settings::sources`].
    pub fn resolve(args: &ServeArgs, matches: Option<&ArgMatches>) -> Result<Settings, ConfigError> {
        let (file, file_dir) = match &args.config {
            Some(path) => (read_file(path)?, path.parent().map(Path::to_path_buf)),
            None => (ServeOptions::default(), None),
        };
        // Relative paths in the file are relative to the file, not to the working directory.
        let in_file_dir = |p: PathBuf| match &file_dir {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p,
        };
        let cli = &args.options;
        let mut sources = BTreeMap::new();
        let mut pick = |name: &'static str, has_cli: bool, has_file: bool| {
            let source = if has_cli {
                match matches.and_then(|m| m.value_source(name)) {
                    Some(ValueSource::EnvVariable) => Source::Env,
                    _ => Source::Flag,
                }
            } else if has_file {
                Source::File
            } else {
                Source::Default
            };
            sources.insert(name, source);
        };
        pick("listen", cli.listen.is_some(), file.listen.is_some());
        pick("data", cli.data.is_some(), file.data.is_some());
        pick("in_memory", cli.in_memory.is_some(), file.in_memory.is_some());
        pick(
            "storage_connection_string",
            cli.storage_connection_string.is_some(),
            file.storage_connection_string.is_some(),
        );
        pick("sites", cli.sites.is_some(), file.sites.is_some());
        pick("log_format", cli.log_format.is_some(), file.log_format.is_some());
        pick("tokens", cli.tokens.is_some(), file.tokens.is_some());
        pick("profile", cli.profile.is_some(), file.profile.is_some());
        pick("clock_speed", cli.clock_speed.is_some(), file.clock_speed.is_some());
        pick("seed", cli.seed.is_some(), file.seed.is_some());
        pick("sas_enforcement", cli.sas_enforcement.is_some(), file.sas_enforcement.is_some());
        pick("workers", cli.workers.is_some(), file.workers.is_some());
        pick("sourcetype_mode", cli.sourcetype_mode.is_some(), file.sourcetype_mode.is_some());
        pick("user_resolution", cli.user_resolution.is_some(), file.user_resolution.is_some());
        pick("security_import", cli.security_import.is_some(), file.security_import.is_some());
        pick(
            "require_manifest_snapshots",
            cli.require_manifest_snapshots.is_some(),
            file.require_manifest_snapshots.is_some(),
        );

        if let Some(path) = &args.config {
            for (i, rule) in file.rules.iter().enumerate() {
                rule.check().map_err(|e| ConfigError::Rule {
                    path: path.display().to_string(),
                    index: i + 1,
                    message: e.to_string(),
                })?;
            }
        }
        let storage_connection_string = cli
            .storage_connection_string
            .clone()
            .or(file.storage_connection_string)
            .unwrap_or_else(default_connection_string);
        Ok(Settings {
            listen: cli.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data: cli.data.clone().or(file.data.map(in_file_dir)).unwrap_or_else(|| PathBuf::from(".spmig")),
            in_memory: cli.in_memory.or(file.in_memory).unwrap_or(false),
            storage: StorageAccount::parse(&storage_connection_string)?,
            storage_connection_string,
            sites: cli.sites.clone().or(file.sites.map(in_file_dir)),
            log_format: cli.log_format.or(file.log_format).unwrap_or_default(),
            tokens: cli.tokens.clone().or(file.tokens.map(in_file_dir)),
            profile: cli.profile.or(file.profile).unwrap_or_default(),
            clock_speed: cli.clock_speed.or(file.clock_speed).unwrap_or(1.0),
            seed: cli.seed.or(file.seed),
            sas_enforcement: cli.sas_enforcement.or(file.sas_enforcement).unwrap_or_default(),
            workers: cli.workers.or(file.workers).unwrap_or(2).max(1),
            sourcetype_mode: cli.sourcetype_mode.or(file.sourcetype_mode).unwrap_or_default(),
            user_resolution: cli.user_resolution.or(file.user_resolution).unwrap_or_default(),
            security_import: cli.security_import.or(file.security_import).unwrap_or_default(),
            permission_limits: Default::default(),
            require_manifest_snapshots: cli
                .require_manifest_snapshots
                .or(file.require_manifest_snapshots)
                .unwrap_or(false),
            rules: file.rules,
            sources,
        })
    }

    /// The settings as TOML, each line commented with its source; account keys other than
    /// Azurite's published one are redacted.
    pub fn describe(&self) -> String {
        let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| quote(&p.display().to_string()));
        let connection = redact_key(&self.storage_connection_string);
        // Enum values as the flags spell them.
        let name_of = |value: &dyn ValueEnumName| quote(&value.name());
        let rows: [(&str, Option<String>); 16] = [
            ("listen", Some(quote(&self.listen.to_string()))),
            ("data", Some(quote(&self.data.display().to_string()))),
            ("in_memory", Some(self.in_memory.to_string())),
            ("storage_connection_string", Some(quote(&connection))),
            ("sites", path(&self.sites)),
            ("log_format", Some(name_of(&self.log_format))),
            ("tokens", path(&self.tokens)),
            ("profile", Some(name_of(&self.profile))),
            ("clock_speed", Some(self.clock_speed.to_string())),
            ("seed", self.seed.map(|s| s.to_string())),
            ("sas_enforcement", Some(name_of(&self.sas_enforcement))),
            ("workers", Some(self.workers.to_string())),
            ("sourcetype_mode", Some(name_of(&self.sourcetype_mode))),
            ("user_resolution", Some(name_of(&self.user_resolution))),
            ("security_import", Some(name_of(&self.security_import))),
            ("require_manifest_snapshots", Some(self.require_manifest_snapshots.to_string())),
        ];
        let mut out = String::new();
        for (name, value) in rows {
            let source = self.sources.get(name).copied().unwrap_or(Source::Default);
            match value {
                Some(value) => out.push_str(&format!("{name} = {value}  # {source}\n")),
                None => out.push_str(&format!("# {name} is not set\n")),
            }
        }
        if !self.rules.is_empty() {
            out.push_str(&format!("# {} rules from the config file\n", self.rules.len()));
        }
        out
    }
}

/// The name a value of a clap value enum has on the command line.
trait ValueEnumName {
    fn name(&self) -> String;
}

impl<T: ValueEnum> ValueEnumName for T {
    fn name(&self) -> String {
        self.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
    }
}

fn read_file(path: &Path) -> Result<ServeOptions, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read { path: shown.clone(), error })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: shown,
        line: e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1),
        message: e.message().trim().to_string(),
    })
}

fn redact_key(connection_string: &str) -> String {
    connection_string
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("AccountKey") && v != AZURITE_KEY => {
                format!("{k}=<redacted>")
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Every environment variable `spmig serve` reads.
pub fn serve_env_vars() -> Vec<String> {
    #[derive(clap::Parser)]
    struct Probe {
        #[command(flatten)]
        args: ServeArgs,
    }
    Probe::command().get_arguments().filter_map(|a| a.get_env()).map(|e| e.to_string_lossy().into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let s = Settings::defaults();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data, PathBuf::from(".spmig"));
        assert!(!s.in_memory);
        assert_eq!(s.storage.name, "devstoreaccount1");
        assert!(s.sources.values().all(|src| *src == Source::Default));
    }

    #[test]
    fn file_layer_and_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("spmig.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndata = \"state\"\nin_memory = true\nsites = \"/abs/sites.toml\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(file),
            options: ServeOptions { listen: Some("127.0.0.1:7000".parse().unwrap()), ..Default::default() },
        };
        let s = Settings::resolve(&args, None).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(s.sources["listen"], Source::Flag);
        assert_eq!(s.data, dir.path().join("state"));
        assert_eq!(s.sources["data"], Source::File);
        assert!(s.in_memory);
        assert_eq!(s.sites, Some(PathBuf::from("/abs/sites.toml")));
        assert_eq!(s.sources["tokens"], Source::Default);
    }

    #[test]
    fn file_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:1\"\nlisten_port = 3\n").unwrap();
        let args = ServeArgs { config: Some(file), ..Default::default() };
        let err = Settings::resolve(&args, None).unwrap_err().to_string();
        assert!(err.contains("bad.toml:2: unknown field `listen_port`"), "{err}");
    }

    #[test]
    fn describe_redacts_real_keys_only() {
        let mut s = Settings::defaults();
        assert!(s.describe().contains(AZURITE_KEY));
        s.storage_connection_string = "AccountName=a;AccountKey=c2VjcmV0".into();
        let text = s.describe();
        assert!(text.contains("AccountKey=<redacted>") && !text.contains("c2VjcmV0"), "{text}");
        assert!(text.contains("# sites is not set"));
    }

    #[test]
    fn env_var_names() {
        let vars = serve_env_vars();
        for name in [
            "SPMIG_LISTEN",
            "SPMIG_DATA",
            "SPMIG_IN_MEMORY",
            "SPMIG_STORAGE_CONNECTION_STRING",
            "SPMIG_SITES",
            "SPMIG_LOG_FORMAT",
            "SPMIG_TOKENS",
            "SPMIG_CONFIG",
        ] {
            assert!(vars.iter().any(|v| v == name), "{name} missing from {vars:?}");
        }
    }
}
