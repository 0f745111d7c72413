//! One scenario, played as a migration tool plays it: a site of its own, the package staged,
//! the service conditions set, the job submitted and followed to its end, and what it left
//! behind collected for the expectations.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::client::{Endpoint, Recorder};
use super::format::{Scenario, StagingSpec};
use super::package::{self, Renames, SiteIds};
use crate::ids::Ids;
use crate::isv::events::{open_blob, open_message};
use crate::isv::package::{Staging, stage};
use crate::storage::crypto::JobKey;
use crate::storage::location::Location;

/// How long a job may take, in real time, before the scenario fails.
const JOB_DEADLINE: Duration = Duration::from_secs(120);

/// What a scenario's run produced.
pub struct Outcome {
    pub site: SiteIds,
    /// The package's files by path, for byte comparisons.
    pub files: BTreeMap<String, Vec<u8>>,
    /// CreateMigrationJob's status and body.
    pub creation: (u16, Value),
    pub job: Option<Uuid>,
    pub events: Vec<Value>,
    /// Log files by extension (`log`, `wrn`, `err`), decrypted.
    pub logs: BTreeMap<String, String>,
    /// The tool's calls, made and recorded.
    pub recorder: Recorder,
    /// Turns the scenario's own site and ids back into those the scenario file names.
    pub renames: Renames,
    /// Failed REST expectations checked while the job ran (`when = "created"`, `"started"`).
    pub early_failures: Vec<super::expect::Failure>,
    /// The type of the event at the front of the queue when CreateMigrationJob answered.
    pub queued_before_answer: Option<String>,
    /// Connections to `{ReceiverUrl}` by the job's end.
    pub receiver_calls: usize,
}

/// Runs `scenario` (read from `path`) against `endpoint`; `tag` names everything it creates.
pub async fn run(scenario: &Scenario, path: &Path, endpoint: &Endpoint, tag: &str) -> Result<Outcome, String> {
    let site = SiteIds::of(&format!("/sites/{tag}"));
    create_site(scenario, endpoint, &site).await?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut built = package::build(&scenario.package, base, &site)?;
    let receiver = Receiver::start().await?;
    receiver.point_at_it(&mut built.package);
    let recorder = Recorder::with_token(scenario.submit.token.clone());
    let staged = stage_package(&scenario.staging, endpoint, &recorder, &site, tag, &built.package).await?;
    add_rules(scenario, endpoint, &site).await?;

    let submission = submission(scenario, endpoint, &staged, &site).await?;
    let answer = recorder.site_method(endpoint, &site.url, &submission.method, submission.body).await?;
    let mut outcome = Outcome {
        site,
        files: built.files,
        creation: (answer.status, answer.body.clone()),
        job: None,
        events: Vec::new(),
        logs: BTreeMap::new(),
        recorder,
        renames: built.renames,
        early_failures: Vec::new(),
        queued_before_answer: None,
        receiver_calls: 0,
    };
    if answer.status != 200 {
        return Ok(outcome);
    }
    let job: Uuid = answer.body["value"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| format!("{} answered without a job id: {}", submission.method, answer.body))?;
    outcome.job = Some(job);
    // The job's outputs are encrypted with the key it was submitted with.
    let key = submission.key;
    if let Some(queue) = &staged.queue {
        outcome.queued_before_answer = front_of_queue(endpoint, queue, key.as_ref()).await?;
    }
    check_early(scenario, endpoint, &mut outcome, "created").await;
    if scenario.expect.rest.iter().any(|r| r.when.as_deref() == Some("started")) {
        follow(endpoint, job, "start").await?;
        check_early(scenario, endpoint, &mut outcome, "started").await;
    }
    let view = follow(endpoint, job, "end").await?;
    outcome.receiver_calls = receiver.calls();
    let events = match &staged.queue {
        Some(queue) => read_queue(endpoint, queue, key.as_ref()).await?,
        None => read_progress(endpoint, &outcome.recorder, &outcome.site.url, job).await?,
    };
    outcome.events = events.iter().map(|e| outcome.renames.back_json(e)).collect();
    for name in view["logFiles"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let (bytes, metadata) =
            endpoint.tool.get(&staged.manifest, name).await.map_err(|e| format!("log file {name}: {}", e.message))?;
        let text = open_blob(&bytes, &metadata, key.as_ref()).map_err(|e| format!("log file {name}: {e}"))?;
        let extension = name.rsplit('.').next().unwrap_or_default().to_string();
        outcome.logs.insert(extension, outcome.renames.back(&text));
    }
    Ok(outcome)
}

/// A CreateMigrationJob(Encrypted) call: the method, its body, and the key it sends.
struct Submission {
    method: String,
    body: Value,
    key: Option<JobKey>,
}

async fn submission(
    scenario: &Scenario,
    endpoint: &Endpoint,
    staged: &Staged,
    site: &SiteIds,
) -> Result<Submission, String> {
    let method = scenario.submit.endpoint.clone().unwrap_or_else(|| {
        if staged.key.is_some() { "CreateMigrationJobEncrypted".into() } else { "CreateMigrationJob".into() }
    });
    let default_web = SiteIds::of(package::DEFAULT_SITE).web_id.to_string();
    let web_id = match scenario.submit.web.trim() {
        "" => site.web_id.to_string(),
        web if web.eq_ignore_ascii_case(&default_web) => site.web_id.to_string(),
        other => other.to_string(),
    };
    let mut body = json!({
        "gWebId": web_id,
        "azureContainerSourceUri": staged.source_url,
        "azureContainerManifestUri": staged.manifest_url,
    });
    if let Some(queue) = &staged.queue_url {
        body["azureQueueReportUri"] = json!(queue);
    }
    if method != "CreateMigrationJobEncrypted" {
        return Ok(Submission { method, body, key: None });
    }
    let key = match scenario.submit.key.as_deref() {
        Some("wrong") => wrong_key(endpoint, &staged.manifest).await?,
        Some(other) => JobKey::from_bytes(&BASE64.decode(other).map_err(|e| format!("[submit] key: {e}"))?)
            .ok_or("[submit] key must be 32 bytes of base64")?,
        None => staged.key.clone().ok_or("CreateMigrationJobEncrypted needs a key: set staging.encrypt")?,
    };
    body["options"] = json!({ "AES256CBCKey": BASE64.encode(key.as_bytes()) });
    Ok(Submission { method, body, key: Some(key) })
}

/// The type of the event at the front of the queue, left where it is.
async fn front_of_queue(endpoint: &Endpoint, queue: &str, key: Option<&JobKey>) -> Result<Option<String>, String> {
    let front = endpoint.tool.peek_queue(queue).await.map_err(|e| e.message)?;
    Ok(front.map(|text| match open_message(&text, key) {
        Ok(json) => serde_json::from_str::<Value>(&json).unwrap_or_default()["Event"]
            .as_str()
            .unwrap_or("a message without an Event")
            .to_string(),
        Err(e) => format!("a message that cannot be read ({e})"),
    }))
}

/// The scenario's own site collection, with what `[site]` declares.
async fn create_site(scenario: &Scenario, endpoint: &Endpoint, site: &SiteIds) -> Result<(), String> {
    let setup = &scenario.site;
    let spec = json!({
        "url": site.url,
        "title": "Scenario",
        "no_script": setup.no_script,
        "users": setup.users,
        "lists": setup.lists,
    });
    let answer = endpoint.control(Method::POST, "/_emulator/sites", Some(spec)).await?;
    match answer.status {
        200 | 201 => Ok(()),
        status => Err(format!("creating the scenario's site answered {status}: {}", answer.body)),
    }
}

/// Where a package was staged and how to submit it.
struct Staged {
    source_url: String,
    manifest_url: String,
    manifest: String,
    queue_url: Option<String>,
    queue: Option<String>,
    key: Option<JobKey>,
}

async fn stage_package(
    spec: &StagingSpec,
    endpoint: &Endpoint,
    recorder: &Recorder,
    site: &SiteIds,
    tag: &str,
    package: &crate::isv::package::Package,
) -> Result<Staged, String> {
    let storage_error = |e: crate::storage::blobs::StorageError| e.message;
    let staged = if spec.provisioned {
        provisioned(spec, endpoint, recorder, site).await?
    } else {
        let expiry = OffsetDateTime::now_utc() + parse_duration(&spec.expires_in)?;
        let source = format!("{tag}-src");
        let manifest = if spec.same_container { source.clone() } else { format!("{tag}-man") };
        endpoint.tool.create_container(&source).await.map_err(storage_error)?;
        if manifest != source {
            endpoint.tool.create_container(&manifest).await.map_err(storage_error)?;
        }
        let (queue_url, queue) = if spec.queue {
            let queue = format!("{tag}-q");
            endpoint.tool.create_queue(&queue).await.map_err(storage_error)?;
            (Some(endpoint.tool.queue_url(&queue, &spec.queue_permissions, expiry)), Some(queue))
        } else {
            (None, None)
        };
        let url = |container: &str, permissions: &str| {
            let signed = endpoint.tool.container_url(container, permissions, "2025-11-05", expiry);
            let url = match spec.no_sas {
                true => signed.split('?').next().unwrap_or_default().to_string(),
                false => signed,
            };
            format!("{url}{}", spec.url_suffix)
        };
        Staged {
            source_url: url(&source, &spec.source_permissions),
            manifest_url: url(&manifest, &spec.manifest_permissions),
            manifest,
            queue_url,
            queue,
            key: spec.encrypt.then(random_key),
        }
    };
    let source = Location::parse(&staged.source_url).map_err(|e| e.to_string())?.name;
    let staging = Staging {
        key: staged.key.clone(),
        snapshot_content: true,
        snapshot_manifest: spec.manifest_snapshots,
        content_md5: spec.content_md5,
        no_snapshot: spec.no_snapshot.clone(),
    };
    stage(&endpoint.tool, package, &source, &staged.manifest, &staging).await.map_err(storage_error)?;
    for change in &spec.change {
        let bytes = match (&change.text, &change.base64) {
            (Some(text), _) => text.clone().into_bytes(),
            (None, Some(encoded)) => BASE64.decode(encoded.trim()).map_err(|e| format!("[[staging.change]]: {e}"))?,
            (None, None) => return Err("[[staging.change]] needs `text` or `base64`".into()),
        };
        let is_content = package.content.iter().any(|(name, _)| *name == change.blob);
        let container = if is_content { &source } else { &staged.manifest };
        let upload = crate::storage::admin::Upload { content_md5: spec.content_md5, ..Default::default() };
        endpoint.tool.put(container, &change.blob, bytes, &upload).await.map_err(storage_error)?;
        if change.snapshot {
            endpoint.tool.snapshot(container, &change.blob).await.map_err(storage_error)?;
        }
    }
    Ok(staged)
}

/// Containers (and a queue) from ProvisionMigrationContainers / ProvisionMigrationQueue, with
/// the key they come with.
async fn provisioned(
    spec: &StagingSpec,
    endpoint: &Endpoint,
    recorder: &Recorder,
    site: &SiteIds,
) -> Result<Staged, String> {
    let answer = recorder.site_method(endpoint, &site.url, "ProvisionMigrationContainers", json!({})).await?;
    let text = |name: &str| answer.body[name].as_str().map(str::to_string);
    let (Some(source_url), Some(manifest_url), Some(key)) =
        (text("DataContainerUri"), text("MetadataContainerUri"), text("EncryptionKey"))
    else {
        return Err(format!("ProvisionMigrationContainers answered {}: {}", answer.status, answer.body));
    };
    let key = BASE64.decode(key).ok().and_then(|k| JobKey::from_bytes(&k)).ok_or("the provisioned key is not a key")?;
    let (queue_url, queue) = if spec.queue {
        let answer = recorder.site_method(endpoint, &site.url, "ProvisionMigrationQueue", json!({})).await?;
        let url = answer.body["JobQueueUri"]
            .as_str()
            .ok_or_else(|| format!("ProvisionMigrationQueue answered {}: {}", answer.status, answer.body))?
            .to_string();
        let name = Location::parse(&url).map_err(|e| e.to_string())?.name;
        (Some(url), Some(name))
    } else {
        (None, None)
    };
    let manifest = Location::parse(&manifest_url).map_err(|e| e.to_string())?.name;
    Ok(Staged { source_url, manifest_url, manifest, queue_url, queue, key: Some(key) })
}

/// Posts the scenario's rules, each limited to the scenario's site unless it names a site or
/// container itself.
async fn add_rules(scenario: &Scenario, endpoint: &Endpoint, site: &SiteIds) -> Result<(), String> {
    for rule in &scenario.rules {
        let mut rule = serde_json::to_value(rule).map_err(|e| e.to_string())?;
        if rule.get("site").is_none() && rule.get("container").is_none() {
            rule["site"] = json!(site.url);
        }
        let answer = endpoint.control(Method::POST, "/_emulator/rules", Some(rule.clone())).await?;
        if answer.status >= 300 {
            return Err(format!("the rule {rule} was refused ({}): {}", answer.status, answer.body));
        }
    }
    Ok(())
}

/// What a package may name as an event receiver's URL: the runner's listener.
const RECEIVER_URL: &str = "{ReceiverUrl}";

/// A listener that counts the connections made to it: where event receivers would be called.
struct Receiver {
    url: String,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Result<Receiver, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("a listener: {e}"))?;
        let url = format!("http://{}/receiver.svc", listener.local_addr().map_err(|e| e.to_string())?);
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = calls.clone();
        let task = tokio::spawn(async move {
            while listener.accept().await.is_ok() {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        Ok(Receiver { url, calls, task })
    }

    fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Puts the listener's URL wherever a package file says `{ReceiverUrl}`.
    fn point_at_it(&self, package: &mut crate::isv::package::Package) {
        for (_, bytes) in &mut package.manifest_files {
            if let Ok(text) = std::str::from_utf8(bytes)
                && text.contains(RECEIVER_URL)
            {
                *bytes = text.replace(RECEIVER_URL, &self.url).into_bytes();
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The scenario's REST expectations of one point of the job (`created`, `started`).
async fn check_early(scenario: &Scenario, endpoint: &Endpoint, outcome: &mut Outcome, when: &str) {
    let mut failures = Vec::new();
    let context = super::expect::RestContext { endpoint, outcome, job: outcome.job };
    for (index, expectation) in scenario.expect.rest.iter().enumerate() {
        if expectation.when.as_deref() == Some(when) {
            super::expect::check_rest(expectation, index, &context, &mut failures).await;
        }
    }
    outcome.early_failures.extend(failures);
}

/// Waits until the job has published JobStart (`until = "start"`) or JobEnd (`"end"`),
/// advancing the emulator's clock whenever the job waits for a pickup; returns the job's view
/// from the control API.
async fn follow(endpoint: &Endpoint, job: Uuid, until: &str) -> Result<Value, String> {
    let deadline = Instant::now() + JOB_DEADLINE;
    loop {
        let path = format!("/_emulator/jobs/{job}/wait?until={until}&timeout=0.5");
        let waited = endpoint.control(Method::POST, &path, None).await?;
        if waited.status == 200 {
            return Ok(waited.body);
        }
        if Instant::now() > deadline {
            return Err(format!("no {until} of the job within {JOB_DEADLINE:?}: {}", waited.body));
        }
        let view = waited.body;
        if view["state"] == "queued"
            && let Some(pickup) = view["nextPickup"].as_str().and_then(crate::report::events::parse_event_time)
        {
            let clock = endpoint.control(Method::GET, "/_emulator/clock", None).await?;
            let now = clock.body["now"].as_str().and_then(crate::report::events::parse_event_time);
            if let Some(now) = now.filter(|now| pickup > *now) {
                endpoint.advance((pickup - now).as_seconds_f64() + 0.001).await?;
            }
        }
    }
}

/// Every event of the queue (the scenario's own), opened with the key.
async fn read_queue(endpoint: &Endpoint, queue: &str, key: Option<&JobKey>) -> Result<Vec<Value>, String> {
    let texts = endpoint.tool.drain_queue(queue).await.map_err(|e| e.message)?;
    texts
        .iter()
        .map(|text| {
            let json = open_message(text, key)?;
            serde_json::from_str(&json).map_err(|e| format!("a queue message is not JSON: {e}"))
        })
        .collect()
}

/// Every event through GetMigrationJobProgress, from token 0 to JobEnd.
async fn read_progress(endpoint: &Endpoint, recorder: &Recorder, site: &str, job: Uuid) -> Result<Vec<Value>, String> {
    let mut token = "0".to_string();
    let mut events = Vec::new();
    for _ in 0..10_000 {
        let body = json!({ "jobId": job, "nextToken": token });
        let answer = recorder.site_method(endpoint, site, "GetMigrationJobProgress", body).await?;
        if answer.status != 200 {
            return Err(format!("GetMigrationJobProgress answered {}: {}", answer.status, answer.body));
        }
        for log in answer.body["Logs"].as_array().into_iter().flatten() {
            let event: Value = serde_json::from_str(log.as_str().unwrap_or_default())
                .map_err(|e| format!("a progress log is not JSON: {e}"))?;
            events.push(event);
        }
        token = answer.body["NextToken"].as_str().unwrap_or(&token).to_string();
        if events.last().is_some_and(|e| e["Event"] == "JobEnd") {
            return Ok(events);
        }
    }
    Err("GetMigrationJobProgress never gave JobEnd".into())
}

/// A key other than the package's that is sure to fail: a wrong key decrypts a block to
/// valid PKCS7 padding one time in 256, so candidates are tried on ExportSettings.xml, the
/// first file a job reads, until its padding fails.
async fn wrong_key(endpoint: &Endpoint, manifest: &str) -> Result<JobKey, String> {
    let (bytes, metadata) = endpoint
        .tool
        .get(manifest, "ExportSettings.xml")
        .await
        .map_err(|e| format!("ExportSettings.xml: {}", e.message))?;
    let iv = metadata.get("iv").and_then(|iv| crate::storage::crypto::iv_from_base64(iv)).unwrap_or_default();
    loop {
        let candidate = random_key();
        let mut plain = crate::storage::crypto::DecryptingReader::new(bytes.as_slice(), &candidate, &iv);
        if std::io::copy(&mut plain, &mut std::io::sink()).is_err() {
            return Ok(candidate);
        }
    }
}

fn random_key() -> JobKey {
    JobKey::from_bytes(&Ids::random().bytes::<32>()).expect("32 bytes are a key")
}

/// `30m`, `2h`, `1d`, `-1h`: a signed duration.
pub fn parse_duration(text: &str) -> Result<time::Duration, String> {
    let text = text.trim();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let split = digits.len().saturating_sub(1);
    let (number, unit) = digits.split_at(split);
    let number: i64 = number.parse().map_err(|_| format!("'{text}' is not a duration such as 30m, 2h or 1d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("'{text}' is not a duration such as 30m, 2h or 1d")),
    };
    Ok(time::Duration::seconds(sign * number * seconds))
}
