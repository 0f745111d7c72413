//! The `spmig` command line: a thin shell over the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{LogFormat, ServeArgs, Settings, SourceTypeMode};
use crate::package::intake::{IntakeOptions, Severity};
use crate::package::offline;
use crate::server::Emulator;

#[derive(Debug, Parser)]
#[command(name = "spmig", version, about = "Local emulator of the SharePoint Online Import Migration API")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the emulator: SharePoint REST under every site URL, admin API under /_emulator
    Serve(ServeArgs),
    /// Print the settings `serve` would use with these flags, and where each comes from
    Config(ServeArgs),
    /// Work with import packages offline
    #[command(subcommand)]
    Package(PackageCommand),
    /// Run scenario files: stage, submit and follow each package as a migration tool would,
    /// and check its events, counters, logs and site contents
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Exit 0 if an emulator answers at URL (for container healthchecks)
    Healthcheck {
        /// Base URL of the emulator
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Check readiness (database and storage reachable) instead of liveness
        #[arg(long)]
        ready: bool,
        /// Seconds to wait for an answer
        #[arg(long, default_value_t = 5)]
        timeout: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum PackageCommand {
    /// Check a package in a local folder as a job would: every file against its schema, the
    /// package rules, and each content blob (exit 2 on a fatal finding, 1 on errors)
    Validate {
        /// The folder with the manifest files (content under `content/`), or a
        /// FileSystemStaging folder (manifest files under `manifest/`)
        path: PathBuf,
        /// Where the content blobs are, if not in the usual place
        #[arg(long, value_name = "DIR")]
        content: Option<PathBuf>,
        /// The AES-256 key (base64) of an encrypted package; each file's IV in `<file>.iv`
        #[arg(long, value_name = "BASE64")]
        key: Option<String>,
        /// What a package without SourceType gets
        #[arg(long, value_enum, default_value_t = SourceTypeMode::Require)]
        sourcetype_mode: SourceTypeMode,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Run every scenario (*.toml) under the paths; exit 1 if any fails (docs/scenarios.md)
    Run {
        /// Scenario files or folders
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Scenarios run at once
        #[arg(long, default_value_t = 4)]
        jobs: usize,
        /// Write a JUnit XML report here
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Write a JSON report here
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Run only scenarios with this tag (repeatable)
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Use an emulator already running at this URL instead of private ones
        #[arg(long, value_name = "URL")]
        emulator: Option<String>,
        /// The storage account the scenarios stage into (default: a private Azurite, or
        /// Azurite's default ports with --emulator)
        #[arg(long, value_name = "CONNECTION_STRING")]
        storage_connection_string: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

pub async fn run() -> ExitCode {
    let (matches, cli) = match Cli::command().try_get_matches().and_then(|m| Ok((Cli::from_arg_matches(&m)?, m))) {
        Ok((cli, matches)) => (matches, cli),
        Err(e) => return usage_error(&e),
    };
    let sub = matches.subcommand().map(|(_, m)| m);
    match cli.command {
        Command::Serve(args) => serve(&args, sub).await,
        Command::Config(args) => match Settings::resolve(&args, sub) {
            Ok(settings) => {
                print!("{}", settings.describe());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        Command::Scenario(ScenarioCommand::Run {
            paths,
            jobs,
            junit,
            json,
            tags,
            emulator,
            storage_connection_string,
        }) => {
            let options =
                crate::scenario::RunOptions { paths, jobs, junit, json, tags, emulator, storage_connection_string };
            run_scenarios(&options).await
        }
        Command::Healthcheck { url, ready, timeout } => healthcheck(&url, ready, Duration::from_secs(timeout)).await,
        Command::Package(PackageCommand::Validate { path, content, key, sourcetype_mode, format }) => {
            validate_package(&path, content.as_deref(), key.as_deref(), sourcetype_mode, format)
        }
    }
}

async fn run_scenarios(options: &crate::scenario::RunOptions) -> ExitCode {
    use crate::scenario::report;
    let started = std::time::Instant::now();
    let results = match crate::scenario::run(options).await {
        Ok(results) => results,
        Err(e) => {
            eprintln!("spmig: {}", e.0);
            return ExitCode::from(USAGE);
        }
    };
    let elapsed = started.elapsed();
    for (path, write) in [
        (&options.junit, report::write_junit as fn(&Path, &[report::ScenarioResult], Duration) -> std::io::Result<()>),
        (&options.json, |path, results, elapsed| report::write_json(path, results, elapsed.as_secs_f64())),
    ] {
        if let Some(path) = path
            && let Err(e) = write(path, &results, elapsed)
        {
            return fail(&format!("{}: {e}", path.display()));
        }
    }
    let (passed, failed, skipped) = report::tally(&results);
    eprintln!("{passed} passed, {failed} failed, {skipped} skipped in {:.1} s", elapsed.as_secs_f64());
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

async fn serve(args: &ServeArgs, matches: Option<&ArgMatches>) -> ExitCode {
    let settings = match Settings::resolve(args, matches) {
        Ok(settings) => settings,
        Err(e) => return fail(&e.to_string()),
    };
    init_logging(settings.log_format);
    let emulator = match Emulator::start(&settings).await {
        Ok(emulator) => emulator,
        Err(e) => return fail(&e.to_string()),
    };
    print!("{}", emulator.banner());
    shutdown_signal().await;
    tracing::info!("shutting down");
    match emulator.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("server error: {e}")),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Pretty => builder.compact().init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler can be installed");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

async fn healthcheck(url: &str, ready: bool, timeout: Duration) -> ExitCode {
    let endpoint = format!("{}/_emulator/{}", url.trim_end_matches('/'), if ready { "ready" } else { "health" });
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(client) => client,
        Err(e) => return fail(&e.to_string()),
    };
    match client.get(&endpoint).send().await {
        Ok(response) if response.status().is_success() => ExitCode::SUCCESS,
        Ok(response) => {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            fail(&format!("{endpoint} answered {status}: {body}"))
        }
        Err(e) => fail(&format!("{endpoint}: {e}")),
    }
}

fn validate_package(
    path: &Path,
    content: Option<&Path>,
    key: Option<&str>,
    sourcetype_mode: SourceTypeMode,
    format: ReportFormat,
) -> ExitCode {
    // Usage errors have a code of their own, apart from the findings' 2 and 1.
    if !path.is_dir() {
        eprintln!("spmig: {} is not a folder", path.display());
        return ExitCode::from(USAGE);
    }
    let key = match key.map(offline::parse_key).transpose() {
        Ok(key) => key,
        Err(e) => {
            eprintln!("spmig: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let package = offline::FolderPackage::locate(path, content, key);
    let options = IntakeOptions { source_type_required: sourcetype_mode == SourceTypeMode::Require };
    let report = offline::validate(&package, &options);
    match format {
        ReportFormat::Text => print!("{}", report.text(path)),
        ReportFormat::Json => println!("{:#}", report.json(path)),
    }
    match report.worst() {
        Some(Severity::Fatal) => ExitCode::from(2),
        Some(Severity::Error) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

/// The exit code of a command line that cannot be run (EX_USAGE), so that no usage error is
/// mistaken for `package validate`'s findings.
const USAGE: u8 = 64;

/// Prints clap's error or help; help and `--version` are not errors.
fn usage_error(error: &clap::Error) -> ExitCode {
    let _ = error.print();
    if error.use_stderr() { ExitCode::from(USAGE) } else { ExitCode::SUCCESS }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("spmig: {message}");
    ExitCode::FAILURE
}
