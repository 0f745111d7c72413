//! The `spmig` binary: configuration layering, the ready banner, seed files, clean shutdown
//! and the healthcheck command.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SPMIG: &str = env!("CARGO_BIN_EXE_spmig");

/// `spmig` with a clean environment: no inherited `SPMIG_*` settings.
fn spmig() -> Command {
    let mut command = Command::new(SPMIG);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SPMIG_") {
            command.env_remove(name);
        }
    }
    command
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A running `spmig serve` and what its banner said.
struct Served {
    child: Child,
    banner: Vec<String>,
    url: String,
}

impl Served {
    fn start(args: &[&str], dir: &Path) -> Served {
        let mut child = spmig()
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a banner line").unwrap();
        let url = first
            .strip_prefix("spmig ready on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_string();
        let mut banner = vec![first];
        banner.extend(lines.take(3).map(Result::unwrap));
        Served { child, banner, url }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child process.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "spmig did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn get_json(url: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .get(url)
            .header("authorization", "Bearer x")
            .header("accept", "application/json;odata=nometadata")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

#[test]
fn config_precedence_is_flag_then_env_then_file_then_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spmig.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:7001\"\ndata = \"from-file\"\nlog_format = \"json\"\nsites = \"sites.toml\"\n",
    )
    .unwrap();
    let output = spmig()
        .args(["config", "--config"])
        .arg(&file)
        .args(["--listen", "127.0.0.1:7003"])
        .env("SPMIG_LISTEN", "127.0.0.1:7002")
        .env("SPMIG_DATA", "/from/env")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let line = |name: &str| stdout.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_default().to_string();
    assert_eq!(line("listen"), "listen = \"127.0.0.1:7003\"  # command line");
    assert_eq!(line("data"), "data = \"/from/env\"  # environment");
    assert_eq!(line("log_format"), "log_format = \"json\"  # config file");
    assert_eq!(line("sites"), format!("sites = \"{}\"  # config file", dir.path().join("sites.toml").display()));
    assert_eq!(line("in_memory"), "in_memory = false  # default");
    assert!(stdout.contains("# tokens is not set"));

    // An environment-only boolean.
    let output = spmig().args(["config"]).env("SPMIG_IN_MEMORY", "true").output().unwrap();
    assert!(text(&output).0.contains("in_memory = true  # environment"));
}

#[test]
fn bad_configuration_is_reported_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spmig.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:1\"\n\nlistne = 3\n").unwrap();
    let output = spmig().args(["serve", "--config"]).arg(&file).output().unwrap();
    assert!(!output.status.success());
    assert!(text(&output).1.contains("spmig.toml:3: unknown field `listne`"), "{}", text(&output).1);

    let output = spmig().args(["config", "--storage-connection-string", "AccountKey=abc"]).output().unwrap();
    assert!(!output.status.success());
    assert!(text(&output).1.contains("no AccountName"));
}

#[test]
fn serve_prints_the_banner_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&["--data", "state"], dir.path());
    let web = get_json(&format!("{}/sites/dev/_api/web", served.url));
    assert_eq!(served.banner[1], format!("  site     {}/sites/dev", served.url));
    assert_eq!(served.banner[2], format!("  web id   {}", web["Id"].as_str().unwrap()));
    let library = get_json(&format!("{}/sites/dev/_api/web/lists/getbytitle('Documents')", served.url));
    assert!(served.banner[3].contains(library["Id"].as_str().unwrap()), "{:?}", served.banner);

    let status = served.terminate();
    assert!(status.success(), "{status}");
    assert!(dir.path().join("state/spmig.sqlite3").is_file());
}

#[test]
fn one_log_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(&["--in-memory", "--log-format", "json"], dir.path());
    get_json(&format!("{}/sites/dev/_api/web?$select=Id", served.url));
    let stderr = served.child.stderr.take().unwrap();
    served.terminate();
    let log = std::io::read_to_string(stderr).unwrap();
    let requests: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 1, "{log}");
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["path"], "/sites/dev/_api/web");
    assert_eq!(requests[0]["status"], 200);
    assert!(requests[0]["ms"].as_str().unwrap().parse::<f64>().is_ok(), "{}", requests[0]);
}

#[test]
fn seed_file_sites_are_served() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sites.toml"),
        "[[site]]\nurl = \"/sites/finance\"\ntitle = \"Finance\"\nroot_web_id = \"3f0d0c62-5a4f-4cb1-9b1e-2f8b1d9f0a77\"\n",
    )
    .unwrap();
    let served = Served::start(&["--in-memory", "--sites", "sites.toml"], dir.path());
    let web = get_json(&format!("{}/sites/finance/_api/web", served.url));
    assert_eq!(web["Id"], "3f0d0c62-5a4f-4cb1-9b1e-2f8b1d9f0a77");
    assert_eq!(web["Title"], "Finance");
    served.terminate();
}

#[test]
fn seed_file_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sites.toml"),
        "[[site]]\nurl = \"/sites/finance\"\n\n[[site.web]]\nurl = \"/sites/elsewhere/x\"\n",
    )
    .unwrap();
    let output = spmig()
        .args(["serve", "--in-memory", "--listen", "127.0.0.1:0", "--sites", "sites.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output).1;
    assert!(
        stderr.contains(
            "sites.toml:5: site[0].web[0].url: '/sites/elsewhere/x' is not under the site collection '/sites/finance'"
        ),
        "{stderr}"
    );
}

#[test]
fn healthcheck_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&["--in-memory"], dir.path());
    let alive = spmig().args(["healthcheck", "--url", &served.url]).output().unwrap();
    assert!(alive.status.success(), "{}", text(&alive).1);
    served.terminate();

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dead = spmig().args(["healthcheck", "--url", &format!("http://{closed}"), "--timeout", "2"]).output().unwrap();
    assert!(!dead.status.success());
    assert!(text(&dead).1.contains("/_emulator/health"));
}
