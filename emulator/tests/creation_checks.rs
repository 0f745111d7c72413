//! CreateMigrationJob's SAS checks under each `--sas-enforcement`, and the storage the emulator
//! provisions: containers and queue that a tool uploads to and submits an encrypted job with.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spmig::config::SasEnforcement;
use spmig::isv::package::Staging;
use spmig::storage::crypto::JobKey;
use spmig::storage::location::Location;
use spmig::storage::sas::{SasToken, parse_sas_time, sas_time};
use support::jobs::{Harness, Staged, base64_key, names};
use support::sp_error;
use time::{Duration, OffsetDateTime};

fn in_hours(hours: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::hours(hours)
}

/// A container SAS URL with an explicit validity window.
fn windowed(h: &Harness, container: &str, permissions: &str, start: OffsetDateTime, expiry: OffsetDateTime) -> String {
    let token = SasToken {
        version: "2025-11-05".into(),
        permissions: permissions.into(),
        start: Some(sas_time(start)),
        expiry: Some(sas_time(expiry)),
        resource: Some("c".into()),
        ..Default::default()
    };
    h.tool.sign_url(container, token, false)
}

/// Every way a job's SAS can break the rules, with the parameter it concerns.
fn bad_requests(h: &Harness, staged: &Staged) -> Vec<(&'static str, Value, &'static str)> {
    let body = |key: &str, url: String| {
        let mut body = h.creation_body(staged);
        body[key] = url.into();
        body
    };
    let (source, manifest) = (&staged.source, &staged.manifest);
    let only_rl = "The SAS token of azureContainerSourceUri must grant only Read and List permissions.";
    let only_rlw = "The SAS token of azureContainerManifestUri must grant only Read, List and Write permissions.";
    vec![
        (
            "source without List",
            body("azureContainerSourceUri", h.tool.container_url(source, "r", "2025-11-05", in_hours(2))),
            only_rl,
        ),
        (
            "source with Write",
            body("azureContainerSourceUri", h.tool.container_url(source, "rwl", "2025-11-05", in_hours(2))),
            only_rl,
        ),
        (
            "source for staging",
            body("azureContainerSourceUri", h.tool.container_url(source, "racwl", "2025-11-05", in_hours(2))),
            only_rl,
        ),
        (
            "manifest without Write",
            body("azureContainerManifestUri", h.tool.container_url(manifest, "rl", "2025-11-05", in_hours(2))),
            only_rlw,
        ),
        (
            "manifest with Delete",
            body("azureContainerManifestUri", h.tool.container_url(manifest, "rwdl", "2025-11-05", in_hours(2))),
            only_rlw,
        ),
        (
            "expired source",
            body("azureContainerSourceUri", windowed(h, source, "rl", in_hours(-3), in_hours(-1))),
            "The SAS token of azureContainerSourceUri has expired.",
        ),
        (
            "manifest not valid yet",
            body("azureContainerManifestUri", windowed(h, manifest, "rlw", in_hours(1), in_hours(3))),
            "The SAS token of azureContainerManifestUri is not valid yet.",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn b17_b18_b19_b25_strict_sas_checks_refuse_the_job() {
    let h = Harness::start().await;
    let staged = h.stage(&h.small_package(1), &Staging::default(), true).await;
    for (case, body, message) in bad_requests(&h, &staged) {
        let refused = h.site_call("CreateMigrationJob", body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{case}: {}", refused.body);
        assert_eq!(sp_error(&refused.body), ("-2147024809, System.ArgumentException".into(), message.into()), "{case}");
        assert!(!refused.body.to_string().contains("behaviour"), "{case}: explanations stay out of the response");
    }
    let jobs = h.admin(Method::GET, "/_emulator/jobs", None).await;
    assert_eq!(jobs.body["jobs"], json!([]), "no rejection creates a job");
    assert!(h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap().is_empty(), "nor writes an event");
}

#[tokio::test(flavor = "multi_thread")]
async fn b17_warn_accepts_and_explains_off_accepts_silently() {
    for enforcement in [SasEnforcement::Warn, SasEnforcement::Off] {
        let h = Harness::start_with(|s| s.sas_enforcement = enforcement).await;
        let staged = h.stage(&h.small_package(1), &Staging::default(), false).await;
        for (case, body, message) in bad_requests(&h, &staged) {
            if case == "expired source" || case == "manifest not valid yet" {
                continue; // storage itself refuses those during the import
            }
            let created = h.site_call("CreateMigrationJob", body).await;
            assert_eq!(created.status, StatusCode::OK, "{enforcement:?} {case}: {}", created.body);
            let job: uuid::Uuid = created.body["d"]["CreateMigrationJob"].as_str().unwrap().parse().unwrap();
            let view = h.job_view(job).await;
            let explanation = &view["events"][0]["explanation"];
            match enforcement {
                SasEnforcement::Warn => {
                    let text = explanation.as_str().unwrap_or_else(|| panic!("{case}: {view:#}"));
                    assert!(text.contains(message) && text.contains("behaviour 1"), "{case}: {text}");
                }
                _ => assert_eq!(explanation, &Value::Null, "{case}"),
            }
            h.events_until_end(job).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn b24_a_queue_without_read_or_update_still_gets_events() {
    let h = Harness::start().await;
    let staged = h.stage(&h.small_package(1), &Staging::default(), true).await;
    let mut body = h.creation_body(&staged);
    body["azureQueueReportUri"] = h.tool.queue_url(staged.queue.as_deref().unwrap(), "a", in_hours(2)).into();
    let created = h.site_call("CreateMigrationJob", body).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let job: uuid::Uuid = created.body["d"]["CreateMigrationJob"].as_str().unwrap().parse().unwrap();
    let events = h.events_until_end(job).await;
    let messages = h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap();
    assert_eq!(messages.len(), events.len());
    let view = h.job_view(job).await;
    assert!(view["events"][0]["explanation"].as_str().unwrap().contains("behaviour 24"), "{view:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn b32_containers_without_sas_are_read_as_the_service() {
    let h = Harness::start().await;
    let staged = h.stage(&h.small_package(2), &Staging::default(), false).await;
    let bare = |url: &str| url.split('?').next().unwrap().to_string();
    let body = json!({
        "gWebId": h.t.emulator.default_site.root_web_id,
        "azureContainerSourceUri": bare(&staged.source_url),
        "azureContainerManifestUri": bare(&staged.manifest_url),
    });
    let created = h.site_call("CreateMigrationJob", body).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let job = created.body["d"]["CreateMigrationJob"].as_str().unwrap().parse().unwrap();
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    assert_eq!(events[2]["FilesCreated"], "2");
}

/// ProvisionMigrationContainers' answer, verbose.
async fn provision(h: &Harness) -> (String, String, Vec<u8>) {
    let answer = h.site_call("ProvisionMigrationContainers", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let info = &answer.body["d"]["ProvisionMigrationContainers"];
    assert_eq!(info["__metadata"]["type"], "SP.ProvisionedMigrationContainersInfo");
    let keys: Vec<&String> = info.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["__metadata", "DataContainerUri", "EncryptionKey", "MetadataContainerUri"]);
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.decode(info["EncryptionKey"].as_str().unwrap()).unwrap();
    (info["DataContainerUri"].as_str().unwrap().into(), info["MetadataContainerUri"].as_str().unwrap().into(), key)
}

#[tokio::test(flavor = "multi_thread")]
async fn b1_b2_b3_b5_b7_b20_b21_provisioned_storage_takes_an_encrypted_job() {
    let h = Harness::start().await;
    let (data, metadata, key) = provision(&h).await;
    let (other_data, other_metadata, other_key) = provision(&h).await;
    let names_of = |urls: [&str; 4]| urls.map(|u| Location::parse(u).unwrap().name);
    let containers = names_of([&data, &metadata, &other_data, &other_metadata]);
    let unique: std::collections::HashSet<_> = containers.iter().collect();
    assert_eq!(unique.len(), 4, "never reused (behaviour 2): {containers:?}");
    assert_eq!(key.len(), 32, "a 256-bit key (behaviour 5)");
    assert_ne!(key, other_key);
    for url in [&data, &metadata] {
        let location = Location::parse(url).unwrap();
        let (date, hex) = location.name.strip_prefix("0-1623-").unwrap().split_once('-').unwrap();
        assert!(date.len() == 8 && hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{}", location.name);
        let sas = location.sas.unwrap();
        assert_eq!(
            (sas.permissions.as_str(), sas.resource.as_deref(), sas.version.as_str()),
            ("rw", Some("c"), "2018-03-28")
        );
        // Azurite is plain http; over https the token would be https-only (behaviour 4).
        assert_eq!(sas.protocol.as_deref(), Some("https,http"));
        let (start, expiry) = (
            parse_sas_time(sas.start.as_deref().unwrap()).unwrap(),
            parse_sas_time(sas.expiry.as_deref().unwrap()).unwrap(),
        );
        assert_eq!(expiry - start, Duration::days(4));
        assert_eq!(date, format!("{:04}{:02}{:02}", expiry.year(), u8::from(expiry.month()), expiry.day()));
    }
    let queue = h.site_call("ProvisionMigrationQueue", json!({})).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let queue_url = queue.body["d"]["ProvisionMigrationQueue"]["JobQueueUri"].as_str().unwrap().to_string();
    let queue_location = Location::parse(&queue_url).unwrap();
    assert!(queue_location.name.starts_with("q-") && queue_location.name.len() == 34, "{}", queue_location.name);
    let queue_sas = queue_location.sas.unwrap();
    assert_eq!(queue_sas.permissions, "raup");
    assert!(queue_sas.start.is_none());
    let queue_expiry = parse_sas_time(queue_sas.expiry.as_deref().unwrap()).unwrap();
    assert!(queue_expiry > in_hours(24 * 360), "about a year");

    // A tool uploads the encrypted package there and submits it with the key.
    let job_key = JobKey::from_bytes(&key).unwrap();
    let package = h.small_package(3);
    let (source, manifest) = (Location::parse(&data).unwrap().name, Location::parse(&metadata).unwrap().name);
    spmig::isv::package::stage(
        &h.tool,
        &package,
        &source,
        &manifest,
        &Staging { key: Some(job_key.clone()), ..Staging::default() },
    )
    .await
    .unwrap();
    let body = json!({
        "gWebId": h.t.emulator.default_site.root_web_id,
        "azureContainerSourceUri": data,
        "azureContainerManifestUri": metadata,
        "azureQueueReportUri": queue_url,
        "options": { "AES256CBCKey": base64_key(&job_key) },
    });
    let unencrypted = h.site_call("CreateMigrationJob", json!({
        "gWebId": body["gWebId"], "azureContainerSourceUri": body["azureContainerSourceUri"],
        "azureContainerManifestUri": body["azureContainerManifestUri"], "azureQueueReportUri": body["azureQueueReportUri"],
    }))
    .await;
    assert_eq!(unencrypted.status, StatusCode::BAD_REQUEST, "behaviour 21: {}", unencrypted.body);
    assert_eq!(
        sp_error(&unencrypted.body).1,
        "Containers provisioned by SharePoint can only be used with CreateMigrationJobEncrypted."
    );
    let created = h.site_call("CreateMigrationJobEncrypted", body).await;
    assert_eq!(created.status, StatusCode::OK, "rw without List is accepted (behaviour 20): {}", created.body);
    let job = created.body["d"]["CreateMigrationJobEncrypted"].as_str().unwrap().parse().unwrap();
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    assert_eq!(events[2]["FilesCreated"], "3");
    let messages = h.tool.drain_queue(&queue_location.name).await.unwrap();
    assert_eq!(messages.len(), 3, "the provisioned queue got every event");
    for message in &messages {
        assert!(spmig::isv::events::open_message(message, Some(&job_key)).unwrap().contains("\"Event\""));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn provisioning_answers_in_json_light_and_refuses_get() {
    let h = Harness::start().await;
    let answer = h.t.call(Method::POST, "/sites/dev/_api/site/ProvisionMigrationQueue", support::NOMETADATA).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body["JobQueueUri"].as_str().unwrap().contains("/q-"), "{}", answer.body);
    let get = h.t.get("/sites/dev/_api/site/ProvisionMigrationContainers", support::NOMETADATA).await;
    assert_eq!(get.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn b76_tokens_carry_the_rights_they_were_granted() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "admin\nreader Sites.Read.All\nnobody none\n").unwrap();
    let h = Harness::start_with(|s| s.tokens = Some(tokens)).await;
    let staged = h.stage(&h.small_package(1), &Staging::default(), false).await;
    let call = |token: &'static str, method: &str, body: Value| {
        let url = h.t.url(&format!("/sites/dev/_api/site/{method}"));
        h.t.send(h.t.client.post(url).bearer_auth(token).header("accept", support::VERBOSE).json(&body))
    };
    let progress = json!({ "jobId": uuid::Uuid::new_v4(), "nextToken": "0" });
    let denied = call("nobody", "GetMigrationJobProgress", progress.clone()).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        sp_error(&denied.body),
        (
            "-2147024891, System.UnauthorizedAccessException".into(),
            "Access denied. You do not have permission to perform this action or access this resource.".into()
        )
    );
    let read = call("reader", "GetMigrationJobProgress", progress).await;
    assert_eq!(sp_error(&read.body).1, "Job not found", "Sites.Read.All may read progress");
    let create = call("reader", "CreateMigrationJob", h.creation_body(&staged)).await;
    assert_eq!(create.status, StatusCode::FORBIDDEN, "creating jobs takes full control");
    assert_eq!(call("admin", "CreateMigrationJob", h.creation_body(&staged)).await.status, StatusCode::OK);
}
