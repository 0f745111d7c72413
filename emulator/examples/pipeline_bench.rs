//! Pipeline benchmark: how long the emulator takes to import 1,000 small files, and how much
//! memory it needs for one 200 MB file. Run with `./dev bench` (release build); results are
//! written to `bench/results.md`.
//!
//! The emulator runs as its own process (`target/release/spmig`), so its memory is measured
//! alone, from `/proc/<pid>/status` (peak resident set, VmHWM).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spmig::azurite::Azurite;
use spmig::isv::package::{FileSpec, LibraryTarget, PackageBuilder, Staging, stage};
use spmig::storage::admin::AccountAdmin;
use time::OffsetDateTime;

struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(connection_string: &str) -> Emulator {
    let binary = std::env::var("SPMIG_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/spmig").into());
    let mut child = Command::new(&binary)
        .args(["serve", "--in-memory", "--listen", "127.0.0.1:0", "--storage-connection-string", connection_string])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e} (build it with cargo build --release)"));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a banner").unwrap();
    let url = first.strip_prefix("spmig ready on ").expect("the ready line").to_string();
    std::thread::spawn(move || for _ in lines {});
    Emulator { child, url }
}

/// Peak and current resident memory of a process, in MiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

async fn call(request: reqwest::RequestBuilder) -> Value {
    let response =
        request.header("authorization", "Bearer bench").header("accept", "application/json;odata=nometadata").send();
    response.await.unwrap().json().await.unwrap()
}

async fn run_job(client: &reqwest::Client, emulator: &Emulator, source: &str, manifest: &str) -> (Duration, Value) {
    let web = call(client.get(format!("{}/sites/dev/_api/web?$select=Id", emulator.url))).await;
    let started = Instant::now();
    let body = json!({ "gWebId": web["Id"], "azureContainerSourceUri": source, "azureContainerManifestUri": manifest });
    let created =
        call(client.post(format!("{}/sites/dev/_api/site/CreateMigrationJob", emulator.url)).json(&body)).await;
    let job = created["value"].as_str().expect("a job id").to_string();
    let mut token = "0".to_string();
    loop {
        let url =
            format!("{}/sites/dev/_api/site/GetMigrationJobProgress(jobId='{job}',nextToken='{token}')", emulator.url);
        let page = call(client.get(url)).await;
        token = page["NextToken"].as_str().unwrap().to_string();
        for log in page["Logs"].as_array().unwrap() {
            let event: Value = serde_json::from_str(log.as_str().unwrap()).unwrap();
            if event["Event"] == "JobEnd" {
                return (started.elapsed(), event);
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn staged(tool: &AccountAdmin, package: &spmig::isv::package::Package, name: &str) -> (String, String) {
    let (source, manifest) = (format!("{name}-src"), format!("{name}-man"));
    tool.create_container(&source).await.unwrap();
    tool.create_container(&manifest).await.unwrap();
    stage(tool, package, &source, &manifest, &Staging::default()).await.unwrap();
    let expiry = OffsetDateTime::now_utc() + time::Duration::days(1);
    (
        tool.container_url(&source, "rl", "2025-11-05", expiry),
        tool.container_url(&manifest, "rlw", "2025-11-05", expiry),
    )
}

fn documents() -> LibraryTarget {
    // The default site's stable ids (README, "The default site").
    LibraryTarget {
        web_id: "40fdc1f3-80b3-550d-bbc7-da81b0a2f205".parse().unwrap(),
        web_url: "/sites/dev".into(),
        list_id: "8f26c712-bad1-56aa-82b1-15eae82834ec".parse().unwrap(),
        root_folder_id: "6aaf4960-ff1f-566f-af42-ea4451d3b961".parse().unwrap(),
        library_url: "/sites/dev/Shared Documents".into(),
    }
}

#[tokio::main]
async fn main() {
    let azurite = Azurite::start().expect("Azurite starts (npm ci first)");
    let emulator = start_emulator(&azurite.connection_string());
    let tool = AccountAdmin::new(&azurite.account()).unwrap();
    let client = reqwest::Client::new();
    let pid = emulator.child.id();
    let (_, idle) = memory(pid);
    let mut report = String::new();

    // 1,000 small files in 10 folders.
    let mut builder = PackageBuilder::new(documents());
    for folder in 0..10 {
        builder.folder(&format!("Folder {folder}"));
    }
    for i in 0..1000 {
        builder.file(&FileSpec {
            path: format!("Folder {}/file {i}.txt", i % 10),
            versions: vec![format!("small file {i} ").repeat(60).into_bytes()],
            fields: vec![("Title".into(), format!("File {i}"))],
            author: None,
        });
    }
    let started = Instant::now();
    let (source, manifest) = staged(&tool, &builder.build(), "small").await;
    let staging = started.elapsed();
    let (took, end) = run_job(&client, &emulator, &source, &manifest).await;
    assert_eq!(end["FilesCreated"], "1000", "{end}");
    report.push_str(&format!(
        "| 1,000 files of ~1 KB, 10 folders | {:.2} s | staging {:.1} s |\n",
        took.as_secs_f64(),
        staging.as_secs_f64()
    ));

    // One 200 MB file.
    let size = 200 * 1024 * 1024;
    let body: Vec<u8> = (0..size).map(|i: usize| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let mut builder = PackageBuilder::new(documents());
    builder.file(&FileSpec { path: "big.bin".into(), versions: vec![body], fields: vec![], author: None });
    let (source, manifest) = staged(&tool, &builder.build(), "large").await;
    let (before_peak, before) = memory(pid);
    let (took, end) = run_job(&client, &emulator, &source, &manifest).await;
    assert_eq!(end["BytesProcessed"], size.to_string(), "{end}");
    let (peak, _) = memory(pid);
    report.push_str(&format!(
        "| one 200 MiB file | {:.2} s | emulator memory: {idle} MiB idle, {before} MiB before the job (peak {before_peak}), peak {peak} MiB after |\n",
        took.as_secs_f64()
    ));

    let header = format!(
        "# Pipeline benchmark\n\nRun `./dev bench` to refresh. Last run: {} on a {}-core machine; emulator release build, \
         Azurite {}; time from CreateMigrationJob to JobEnd seen through GetMigrationJobProgress.\n\n\
         | Case | Job time | Notes |\n| --- | --- | --- |\n",
        OffsetDateTime::now_utc().date(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        "3.35.0",
    );
    let results = format!("{header}{report}");
    print!("{results}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/results.md");
    std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/../bench")).unwrap();
    std::fs::write(path, results).unwrap();
}
