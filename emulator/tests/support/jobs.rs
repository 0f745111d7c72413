//! Acting as a migration tool against an emulator and a private Azurite: stage a package,
//! submit it through the REST API, and follow it to its end.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use spmig::azurite::Azurite;
use spmig::isv::package::{LibraryTarget, Package, Staging, stage};
use spmig::storage::admin::AccountAdmin;
use spmig::storage::crypto::JobKey;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Answer, NOMETADATA, TestEmulator, VERBOSE};

/// An emulator wired to the process's Azurite, and a storage tool on the same account.
pub struct Harness {
    pub t: TestEmulator,
    pub tool: AccountAdmin,
}

/// The containers (and queue) of one staged package.
pub struct Staged {
    pub source: String,
    pub manifest: String,
    pub queue: Option<String>,
    pub source_url: String,
    pub manifest_url: String,
    pub queue_url: Option<String>,
}

impl Harness {
    pub async fn start() -> Harness {
        let azurite = Azurite::shared();
        let mut settings = super::settings();
        settings.storage = azurite.account();
        let t = super::start_with(settings).await;
        Harness { t, tool: AccountAdmin::new(&azurite.account()).unwrap() }
    }

    /// The default site's Documents library, as a tool would read it.
    pub fn documents(&self) -> LibraryTarget {
        let site = &self.t.emulator.default_site;
        let docs = site.lists.iter().find(|l| l.title == "Documents").unwrap();
        LibraryTarget {
            web_id: site.root_web_id,
            web_url: site.url.clone(),
            list_id: docs.id,
            root_folder_id: docs.root_folder_id,
            library_url: docs.url.clone(),
        }
    }

    /// Creates fresh containers (and a queue) and stages the package there.
    pub async fn stage(&self, package: &Package, staging: &Staging, with_queue: bool) -> Staged {
        let tag = Uuid::new_v4().simple().to_string();
        let (source, manifest, queue) = (format!("src{tag}"), format!("man{tag}"), format!("q{tag}"));
        self.tool.create_container(&source).await.unwrap();
        self.tool.create_container(&manifest).await.unwrap();
        stage(&self.tool, package, &source, &manifest, staging).await.unwrap();
        let expiry = OffsetDateTime::now_utc() + time::Duration::days(1);
        let queue_url = if with_queue {
            self.tool.create_queue(&queue).await.unwrap();
            Some(self.tool.queue_url(&queue, "raup", expiry))
        } else {
            None
        };
        Staged {
            source_url: self.tool.container_url(&source, "rl", "2025-11-05", expiry),
            manifest_url: self.tool.container_url(&manifest, "rlw", "2025-11-05", expiry),
            queue: with_queue.then_some(queue),
            queue_url,
            source,
            manifest,
        }
    }

    /// POSTs a site method with a JSON body, verbose.
    pub async fn site_call(&self, method: &str, body: Value) -> Answer {
        let url = self.t.url(&format!("/sites/dev/_api/site/{method}"));
        self.t
            .send(self.t.client.post(url).header("authorization", "Bearer t").header("accept", VERBOSE).json(&body))
            .await
    }

    /// Submits a staged package; returns the job id.
    pub async fn submit(&self, staged: &Staged, key: Option<&JobKey>) -> Uuid {
        let web = self.t.emulator.default_site.root_web_id;
        let mut body = json!({
            "gWebId": web,
            "azureContainerSourceUri": staged.source_url,
            "azureContainerManifestUri": staged.manifest_url,
            "azureQueueReportUri": staged.queue_url,
        });
        let method = match key {
            Some(key) => {
                body["options"] = json!({ "AES256CBCKey": base64_key(key) });
                "CreateMigrationJobEncrypted"
            }
            None => "CreateMigrationJob",
        };
        let answer = self.site_call(method, body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["d"][method].as_str().unwrap().parse().unwrap()
    }

    /// One GetMigrationJobProgress page.
    pub async fn progress(&self, job: Uuid, token: &str) -> Answer {
        let path = format!("/sites/dev/_api/site/GetMigrationJobProgress(jobId='{job}',nextToken='{token}')");
        self.t.call(reqwest::Method::GET, &path, NOMETADATA).await
    }

    /// Follows GetMigrationJobProgress until JobEnd (or the job vanishes); returns every event.
    pub async fn events_until_end(&self, job: Uuid) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut token = "0".to_string();
        let mut events: Vec<Value> = Vec::new();
        loop {
            let page = self.progress(job, &token).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            for log in page.body["Logs"].as_array().unwrap() {
                events.push(serde_json::from_str(log.as_str().unwrap()).unwrap());
            }
            token = page.body["NextToken"].as_str().unwrap().to_string();
            if events.last().is_some_and(|e| e["Event"] == "JobEnd") {
                return events;
            }
            assert!(Instant::now() < deadline, "no JobEnd within a minute: {events:#?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn base64_key(key: &JobKey) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
}

/// Event names in order.
pub fn names(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["Event"].as_str().unwrap()).collect()
}

pub fn last<'a>(events: &'a [Value], name: &str) -> &'a Value {
    events.iter().rev().find(|e| e["Event"] == name).unwrap_or_else(|| panic!("no {name} in {events:#?}"))
}
