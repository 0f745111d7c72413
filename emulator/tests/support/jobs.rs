//! Acting as a migration tool against an emulator and a private Azurite: stage a package,
//! submit it through the REST API, and follow it to its end.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use spmig::azurite::Azurite;
use spmig::config::Settings;
use spmig::isv::package::{FileSpec, LibraryTarget, Package, PackageBuilder, Staging, stage};
use spmig::storage::admin::AccountAdmin;
use spmig::storage::crypto::JobKey;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Answer, NOMETADATA, TestEmulator, VERBOSE};

/// An emulator wired to the process's Azurite, and a storage tool on the same account.
pub struct Harness {
    pub t: TestEmulator,
    pub tool: AccountAdmin,
    /// The next list item id [`Harness::small_package`] hands out.
    next_item: AtomicI64,
}

/// How [`Harness::stage_folder`] uploads a folder.
#[derive(Clone, Copy, Debug)]
pub struct FolderStaging {
    /// Content blobs carry Content-MD5.
    pub content_md5: bool,
    /// Manifest-container files are snapshotted (content blobs always are).
    pub manifest_snapshots: bool,
}

impl Default for FolderStaging {
    fn default() -> Self {
        FolderStaging { content_md5: true, manifest_snapshots: true }
    }
}

/// The files under `dir` as blob names (`/`-separated), `.iv` sidecars left out; sub-folders
/// only when `deep`.
fn blobs_in(dir: &std::path::Path, deep: bool) -> Vec<String> {
    let mut names = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{prefix}{}", path.file_name().unwrap().to_string_lossy());
            if path.is_dir() {
                if deep {
                    pending.push((path, format!("{name}/")));
                }
            } else if !name.ends_with(".iv") {
                names.push(name);
            }
        }
    }
    names.sort();
    names
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
        Harness::start_with(|_| {}).await
    }

    /// An emulator with settings changed by `configure`.
    pub async fn start_with(configure: impl FnOnce(&mut Settings)) -> Harness {
        let azurite = Azurite::shared();
        let mut settings = super::settings();
        settings.storage = azurite.account();
        configure(&mut settings);
        let t = super::start_with(settings).await;
        Harness { t, tool: AccountAdmin::new(&azurite.account()).unwrap(), next_item: AtomicI64::new(1) }
    }

    /// A call to the emulator's own API; `body` is sent as JSON when given.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.t.client.request(method, self.t.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.t.send(request).await
    }

    /// Moves the emulator's clock and returns once everything that fell due has run.
    pub async fn advance(&self, seconds: f64) {
        let answer =
            self.admin(reqwest::Method::POST, "/_emulator/clock/advance", Some(json!({ "seconds": seconds }))).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }

    pub async fn freeze(&self) {
        let answer = self.admin(reqwest::Method::POST, "/_emulator/clock/freeze", None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }

    /// Adds one rule (or an array of rules).
    pub async fn rule(&self, rule: Value) {
        let answer = self.admin(reqwest::Method::POST, "/_emulator/rules", Some(rule)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }

    /// The admin view of a job: state, decrypted events with explanations, log files.
    pub async fn job_view(&self, job: Uuid) -> Value {
        let answer = self.admin(reqwest::Method::GET, &format!("/_emulator/jobs/{job}"), None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body
    }

    /// Long-polls until the job emitted `until` (an event name, `start` or `end`).
    pub async fn wait(&self, job: Uuid, until: &str) -> Value {
        let path = format!("/_emulator/jobs/{job}/wait?until={until}&timeout=60");
        let answer = self.admin(reqwest::Method::POST, &path, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body
    }

    /// The event names of the admin view, in order.
    pub async fn timeline(&self, job: Uuid) -> Vec<String> {
        let view = self.job_view(job).await;
        view["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect()
    }

    /// GetMigrationJobStatus.
    pub async fn status(&self, job: Uuid) -> i64 {
        let answer = self.site_call("GetMigrationJobStatus", json!({ "id": job })).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["d"]["GetMigrationJobStatus"].as_i64().unwrap()
    }

    /// The creation body for a staged package.
    pub fn creation_body(&self, staged: &Staged) -> Value {
        json!({
            "gWebId": self.t.emulator.default_site.root_web_id,
            "azureContainerSourceUri": staged.source_url,
            "azureContainerManifestUri": staged.manifest_url,
            "azureQueueReportUri": staged.queue_url,
        })
    }

    /// A small package: a new folder with `files` one-version text files, in the Documents library.
    pub fn small_package(&self, files: usize) -> Package {
        let first_item = self.next_item.fetch_add(files as i64 + 1, Ordering::SeqCst);
        let mut builder = PackageBuilder::new(self.documents()).first_item_id(first_item);
        // A package without users draws a warning (behaviour 110).
        builder.user("i:0#.f|membership|ada@contoso.com", "Ada");
        // A folder of its own, so packages of one test never collide.
        let folder = format!("small {}", Uuid::new_v4().simple());
        builder.folder(&folder);
        for i in 0..files {
            builder.file(&FileSpec {
                path: format!("{folder}/file {i}.txt"),
                versions: vec![format!("small file {i}").into_bytes()],
                fields: vec![],
                author: None,
            });
        }
        builder.build()
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

    /// Stages a package folder as laid out on disk (manifest files at the root, content blobs
    /// under `content/`, sub-folders giving blob names with `/`, IVs of encrypted files in
    /// `<name>.iv`), with a queue.
    pub async fn stage_folder(&self, dir: &std::path::Path, how: FolderStaging) -> Staged {
        let tag = Uuid::new_v4().simple().to_string();
        let (source, manifest, queue) = (format!("src{tag}"), format!("man{tag}"), format!("q{tag}"));
        self.tool.create_container(&source).await.unwrap();
        self.tool.create_container(&manifest).await.unwrap();
        self.tool.create_queue(&queue).await.unwrap();
        let manifest_files = blobs_in(dir, false);
        let content = blobs_in(&dir.join("content"), true);
        for (container, folder, files, md5, snapshot) in [
            (&manifest, dir.to_path_buf(), manifest_files, true, how.manifest_snapshots),
            (&source, dir.join("content"), content, how.content_md5, true),
        ] {
            for name in files {
                let path = folder.join(&name);
                // An encrypted file's IV sits beside it in `<name>.iv`: it becomes metadata `IV`.
                let iv = std::fs::read_to_string(folder.join(format!("{name}.iv"))).ok();
                let metadata = iv.map(|iv| vec![("IV".to_string(), iv.trim().to_string())]).unwrap_or_default();
                let upload = spmig::storage::admin::Upload { content_md5: md5, metadata, ..Default::default() };
                self.tool.put(container, &name, std::fs::read(&path).unwrap(), &upload).await.unwrap();
                if snapshot {
                    self.tool.snapshot(container, &name).await.unwrap();
                }
            }
        }
        let expiry = OffsetDateTime::now_utc() + time::Duration::days(1);
        Staged {
            source_url: self.tool.container_url(&source, "rl", "2025-11-05", expiry),
            manifest_url: self.tool.container_url(&manifest, "rlw", "2025-11-05", expiry),
            queue_url: Some(self.tool.queue_url(&queue, "raup", expiry)),
            queue: Some(queue),
            source,
            manifest,
        }
    }

    /// The bytes of a file of the default site, read with `$value`.
    pub async fn file_bytes(&self, url: &str) -> Vec<u8> {
        let path = format!("/sites/dev/_api/web/GetFileByServerRelativeUrl('{url}')/$value");
        let response = self.t.client.get(self.t.url(&path)).header("authorization", "Bearer t").send().await.unwrap();
        assert!(response.status().is_success(), "{url}: {}", response.status());
        response.bytes().await.unwrap().to_vec()
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
        let mut body = self.creation_body(staged);
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
