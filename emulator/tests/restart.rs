//! Restart safety: `spmig serve` killed with SIGKILL in the middle of an import, then started
//! again on the same data directory.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spmig::azurite::Azurite;
use spmig::isv::package::{FileSpec, LibraryTarget, PackageBuilder, Staging, stage};
use spmig::storage::admin::AccountAdmin;
use time::OffsetDateTime;
use uuid::Uuid;

const FILES: usize = 30;

/// `spmig serve` on a free port with the test's config; returns the process and its URL.
fn serve(dir: &Path, run: u32) -> (Child, String) {
    let log = std::fs::File::create(dir.join(format!("spmig-{run}.log"))).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spmig"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data", "state", "--workers", "1", "--config", "spmig.toml"])
        .current_dir(dir)
        .env_remove("SPMIG_DATA")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut banner = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().unwrap()), &mut banner).unwrap();
    let url =
        banner.trim().strip_prefix("spmig ready on ").unwrap_or_else(|| panic!("no banner: {banner}")).to_string();
    (child, url)
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    let response = client
        .post(url)
        .header("authorization", "Bearer t")
        .header("accept", "application/json;odata=nometadata")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// The files of the imported folder, as REST lists them.
async fn imported(client: &reqwest::Client, url: &str) -> usize {
    let path = format!("{url}/sites/dev/_api/web/GetFolderByServerRelativeUrl('Shared Documents/restart')/Files");
    let response =
        client.get(path).header("authorization", "Bearer t").header("accept", "application/json;odata=nometadata");
    let body: Value = response.send().await.unwrap().json().await.unwrap();
    body["value"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread")]
async fn b45_a_killed_emulator_resumes_without_losing_or_repeating_anything() {
    let azurite = Azurite::shared();
    let dir = tempfile::tempdir().unwrap();
    // Each object takes a while, so the kill lands mid-import.
    let config = format!(
        "storage_connection_string = \"{}\"\n\n[[rules]]\naction = \"slow\"\nper_object_ms = 60\n",
        azurite.connection_string()
    );
    std::fs::write(dir.path().join("spmig.toml"), config).unwrap();

    let tool = AccountAdmin::new(&azurite.account()).unwrap();
    let plan = spmig::server::default_site().plan().unwrap();
    let docs = plan.lists.iter().find(|l| l.title == "Documents").unwrap();
    let target = LibraryTarget {
        web_id: plan.webs[0].id,
        web_url: plan.url.clone(),
        list_id: docs.id,
        root_folder_id: docs.root_folder_id,
        library_url: format!("{}/Shared Documents", plan.url),
    };
    let tag = Uuid::new_v4().simple().to_string();
    let expiry = OffsetDateTime::now_utc() + time::Duration::hours(2);
    let mut jobs = Vec::new();
    let client = reqwest::Client::new();
    let (mut child, url) = serve(dir.path(), 1);
    for (n, folder) in ["restart", "queued"].iter().enumerate() {
        let mut builder = PackageBuilder::new(target.clone()).first_item_id(1 + n as i64 * 100);
        builder.user("i:0#.f|membership|ada@contoso.com", "Ada");
        builder.folder(folder);
        for i in 0..FILES {
            builder.file(&FileSpec {
                path: format!("{folder}/f{i}.txt"),
                versions: vec![format!("v1 {i}").into_bytes(), format!("v2 {i}").into_bytes()],
                fields: vec![("Title".into(), format!("T{i}"))],
                author: None,
            });
        }
        let (source, manifest, queue) = (format!("rs{n}{tag}"), format!("rm{n}{tag}"), format!("rq{n}{tag}"));
        tool.create_container(&source).await.unwrap();
        tool.create_container(&manifest).await.unwrap();
        tool.create_queue(&queue).await.unwrap();
        stage(&tool, &builder.build(), &source, &manifest, &Staging::default()).await.unwrap();
        let body = json!({
            "gWebId": target.web_id,
            "azureContainerSourceUri": tool.container_url(&source, "rl", "2025-11-05", expiry),
            "azureContainerManifestUri": tool.container_url(&manifest, "rlw", "2025-11-05", expiry),
            "azureQueueReportUri": tool.queue_url(&queue, "raup", expiry),
        });
        let created = post(&client, format!("{url}/sites/dev/_api/site/CreateMigrationJob"), body).await;
        jobs.push((created["value"].as_str().unwrap().parse::<Uuid>().unwrap(), queue));
    }

    // Kill -9 once some files of the first job are in.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = imported(&client, &url).await;
        if done >= 3 {
            assert!(done < FILES, "the import finished before the kill; slow it down");
            break;
        }
        assert!(Instant::now() < deadline, "the import never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, url) = serve(dir.path(), 2);
    let mut stories = Vec::new();
    for (job, queue) in &jobs {
        let waited = post(&client, format!("{url}/_emulator/jobs/{job}/wait?until=end&timeout=120"), json!({})).await;
        assert_eq!(waited["state"], "ended", "{waited:#}");
        let page = reqwest::Client::new()
            .get(format!("{url}/sites/dev/_api/site/GetMigrationJobProgress(jobId='{job}',nextToken='0')"))
            .header("authorization", "Bearer t")
            .header("accept", "application/json;odata=nometadata")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        let logs: Vec<String> =
            page["Logs"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
        // The queue and the progress log tell the same story: nothing lost, nothing twice.
        assert_eq!(tool.drain_queue(queue).await.unwrap(), logs, "job {job}");
        stories.push(logs.iter().map(|l| serde_json::from_str::<Value>(l).unwrap()).collect::<Vec<_>>());
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let story = |events: &[Value]| -> Vec<(String, String)> {
        events
            .iter()
            .filter(|e| e["Event"] != "JobProgress")
            .map(|e| {
                (e["Event"].as_str().unwrap().to_string(), e["TotalRetryCount"].as_str().unwrap_or("").to_string())
            })
            .collect()
    };
    let pair = |event: &str, retry: &str| (event.to_string(), retry.to_string());
    // The interrupted job: a second attempt with TotalRetryCount 1 and a new JobStart.
    assert_eq!(
        story(&stories[0]),
        [pair("JobQueued", "0"), pair("JobStart", "0"), pair("JobStart", "1"), pair("JobEnd", "1")]
    );
    assert_ne!(stories[0][1]["CorrelationId"], stories[0].last().unwrap()["CorrelationId"], "a new attempt id");
    assert_eq!(stories[0].last().unwrap()["TotalErrors"], "0", "the retry replaces what the first attempt wrote");
    // The job that was waiting stayed queued and ran once.
    assert_eq!(story(&stories[1]), [pair("JobQueued", "0"), pair("JobStart", "0"), pair("JobEnd", "0")]);

    // No half-imported object: every file has both versions and its list item.
    let store = spmig::site::Store::open(Some(&dir.path().join("state"))).unwrap();
    for folder in ["restart", "queued"] {
        for i in 0..FILES {
            let url = format!("/sites/dev/Shared Documents/{folder}/f{i}.txt");
            let file = store.blocking(|db| db.file_by_url(&url)).unwrap().unwrap_or_else(|| panic!("{url} missing"));
            assert_eq!(store.blocking(|db| db.file_versions(file.id)).unwrap().len(), 2, "{url}");
            let item = store.blocking(|db| db.list_item_of_file(file.id)).unwrap().unwrap();
            assert_eq!(item.fields, [("Title".to_string(), Some(format!("T{i}")))]);
        }
    }
}
