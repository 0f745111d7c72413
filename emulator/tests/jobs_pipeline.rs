//! Jobs end to end against a private Azurite: a package staged as a tool would, submitted
//! over REST, followed through GetMigrationJobProgress and the queue, checked in the site.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use spmig::isv::events::{open_blob, open_message};
use spmig::isv::package::{FileSpec, PackageBuilder, Staging};
use spmig::storage::admin::Upload;
use spmig::storage::crypto::JobKey;
use support::jobs::{Harness, Staged, last, names};
use support::sp_error;

/// 3 folders × 20 files, every third file with three versions, Title fields.
fn sample(h: &Harness) -> (spmig::isv::package::Package, u64, u64) {
    let mut builder = PackageBuilder::new(h.documents());
    let author = builder.user("i:0#.f|membership|ada@contoso.com", "Ada");
    let mut versions = 0u64;
    let mut bytes = 0u64;
    for f in 0..3 {
        builder.folder(&format!("Folder {f}"));
    }
    for i in 0..20 {
        let count = if i % 3 == 0 { 3 } else { 1 };
        let bodies: Vec<Vec<u8>> =
            (0..count).map(|v| format!("file {i} version {v}").repeat(10 + i).into_bytes()).collect();
        versions += count as u64;
        bytes += bodies.iter().map(|b| b.len() as u64).sum::<u64>();
        builder.file(&FileSpec {
            path: format!("Folder {}/file {i}.txt", i % 3),
            versions: bodies,
            fields: vec![("Title".into(), format!("Title {i}"))],
            author: Some(author.clone()),
        });
    }
    (builder.build(), versions, bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn b11_b12_b44_b60_b61_b62_b63_b66_b70_b131_a_package_with_versions_and_fields_is_imported() {
    let h = Harness::start().await;
    let (package, versions, bytes) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");

    let end = last(&events, "JobEnd");
    assert_eq!(end["FilesCreated"], versions.to_string());
    assert_eq!(end["BytesProcessed"], bytes.to_string());
    assert_eq!(end["FilesCreatedIrrespectiveOfVersions"], "20");
    assert_eq!(end["TotalErrors"], "0");
    assert_eq!(end["TotalWarnings"], "0");
    // 1 user + 3 folders + 20 files + 20 items (open question Q22).
    assert_eq!(end["TotalExpectedSPObjects"], "44");
    assert_eq!(end["ObjectsProcessed"], "44");
    let start = last(&events, "JobStart");
    assert_eq!(start["WebId"], h.t.emulator.default_site.root_web_id.to_string());
    assert_eq!(start["CorrelationId"], end["CorrelationId"]);

    let store = h.t.emulator.store.clone();
    let file = store.blocking(|db| db.file_by_url("/sites/dev/Shared Documents/Folder 0/file 0.txt")).unwrap().unwrap();
    assert_eq!(file.current.label(), "3.0");
    let history = store.blocking(|db| db.file_versions(file.id)).unwrap();
    assert_eq!(history.iter().map(|v| v.label()).collect::<Vec<_>>(), ["1.0", "2.0", "3.0"]);
    let item = store.blocking(|db| db.list_item_of_file(file.id)).unwrap().unwrap();
    assert_eq!(item.fields, [("Title".to_string(), Some("Title 0".to_string()))]);
}

#[tokio::test(flavor = "multi_thread")]
async fn b13_b67_b68_b139_b140_b143_b148_b164_encrypted_jobs_encrypt_queue_messages_and_logs() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let key = JobKey::from_bytes(&[42u8; 32]).unwrap();
    let staging = Staging { key: Some(key.clone()), ..Staging::default() };
    let staged = h.stage(&package, &staging, true).await;
    let job = h.submit(&staged, Some(&key)).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    assert_eq!(last(&events, "JobEnd")["FilesCreatedIrrespectiveOfVersions"], "20");

    // Every queue message is the envelope; opened, it is exactly the progress log's event.
    let messages = h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap();
    let logs = progress_logs(&h, job).await;
    assert_eq!(messages.len(), logs.len());
    let mut ivs = std::collections::HashSet::new();
    for (message, log) in messages.iter().zip(&logs) {
        let envelope: Value = serde_json::from_str(message).unwrap();
        assert_eq!(envelope.as_object().unwrap().keys().collect::<Vec<_>>(), ["Label", "JobId", "IV", "Content"]);
        assert_eq!(envelope["Label"], "Encrypted");
        assert_eq!(envelope["JobId"], job.to_string());
        assert!(ivs.insert(envelope["IV"].as_str().unwrap().to_string()), "IVs are fresh per message");
        assert_eq!(&open_message(message, Some(&key)).unwrap(), log);
    }

    // Behaviour 164: the log blob is encrypted, its IV in metadata.
    let (bytes, metadata) = h.tool.get(&staged.manifest, &format!("Import-{job}-1.log")).await.unwrap();
    assert!(std::str::from_utf8(&bytes).is_err() || !bytes.starts_with(b"["), "the log is not plain text");
    let text = open_blob(&bytes, &metadata, Some(&key)).unwrap();
    assert!(text.contains("Progress: Finished with 0 errors."), "{text}");
}

/// Every event of a job, as GetMigrationJobProgress returns them.
async fn progress_logs(h: &Harness, job: uuid::Uuid) -> Vec<String> {
    let page = h.progress(job, "0").await;
    page.body["Logs"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn b49_b50_b69_b78_b160_b161_b162_b163_queue_progress_and_logs_carry_the_same_story() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    let job = h.submit(&staged, None).await;
    h.events_until_end(job).await;

    let messages = h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap();
    let logs = progress_logs(&h, job).await;
    assert_eq!(messages, logs, "the queue and the progress API carry the same events in the same order");
    for log in &logs {
        let event: Value = serde_json::from_str(log).unwrap();
        assert!(event.as_object().unwrap().values().all(Value::is_string), "{log}");
        assert_eq!(event["JobId"], job.to_string());
    }

    // Behaviours 160, 161, 163: at JobEnd the full log is at the manifest container's root.
    let (bytes, _) = h.tool.get(&staged.manifest, &format!("Import-{job}-1.log")).await.unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert!(lines.iter().all(|l| l.starts_with('[') && l.contains("] ")), "{text}");
    assert!(lines.iter().any(|l| l.ends_with("Progress: Total Objects: 44")), "{text}");
    assert!(lines.iter().any(|l| l.ends_with("Progress: Finished with 0 warnings.")));
    assert!(h.tool.get(&staged.manifest, &format!("Import-{job}-1.err")).await.is_err(), "no .err without errors");

    // Behaviour 162: a plain copy in the site's Maintenance Logs library.
    let url = format!("/sites/dev/_catalogs/Maintenance Logs/Import-{job}-1.log");
    let copy = h.t.emulator.store.blocking(|db| db.file_by_url(&url)).unwrap();
    assert_eq!(copy.map(|f| f.current.size as usize), Some(text.len()));
}

#[tokio::test(flavor = "multi_thread")]
async fn b55_b149_a_corrupt_md5_fails_that_file_only() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    // Replace one blob: its Content-MD5 still declares the original bytes.
    let (victim, original) = &package.content[1];
    let md5 = md5_of(original);
    let upload = Upload { md5_override: Some(md5), ..Upload::default() };
    h.tool.put(&staged.source, victim, b"tampered".to_vec(), &upload).await.unwrap();
    h.tool.snapshot(&staged.source, victim).await.unwrap();

    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobError", "JobEnd"], "{events:#?}");
    let error = last(&events, "JobError");
    assert_eq!(error["ObjectType"], "File");
    assert_eq!(error["Message"], format!("MD5 mismatch for file {victim}."));
    let end = last(&events, "JobEnd");
    assert_eq!(
        (end["TotalErrors"].as_str(), end["FilesCreatedIrrespectiveOfVersions"].as_str()),
        (Some("1"), Some("19"))
    );
    let (err, _) = h.tool.get(&staged.manifest, &format!("Import-{job}-1.err")).await.unwrap();
    assert!(String::from_utf8(err).unwrap().contains("] Error: [File] ["), "the .err file has the error line");
}

fn md5_of(bytes: &[u8]) -> Vec<u8> {
    use md5::Digest;
    md5::Md5::digest(bytes).to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn b134_a_content_blob_without_snapshot_is_skipped_with_an_error() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    let (name, body) = &package.content[0];
    h.tool.delete(&staged.source, name).await.unwrap();
    h.tool.put(&staged.source, name, body.clone(), &Upload::default()).await.unwrap();

    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobError", "JobEnd"], "{events:#?}");
    assert_eq!(last(&events, "JobError")["Message"], format!("The blob '{name}' does not have a snapshot."));
    assert_eq!(last(&events, "JobEnd")["FilesCreatedIrrespectiveOfVersions"], "19");
}

#[tokio::test(flavor = "multi_thread")]
async fn b28_b58_b64_b90_a_malformed_manifest_is_fatal() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    let broken =
        b"<?xml version='1.0'?><SPObjects xmlns='urn:deployment-manifest-schema'><SPObject></SPObjects>".to_vec();
    h.tool.put(&staged.manifest, "Manifest.xml", broken, &Upload::default()).await.unwrap();
    h.tool.snapshot(&staged.manifest, "Manifest.xml").await.unwrap();

    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobFatalError", "JobEnd"], "{events:#?}");
    let fatal = last(&events, "JobFatalError");
    assert_eq!(
        (fatal["ObjectType"].as_str(), fatal["Url"].as_str(), fatal["Id"].as_str()),
        (Some(""), Some(""), Some(""))
    );
    assert_eq!(fatal["ErrorType"], "System.Xml.XmlException");
    assert!(fatal["Message"].as_str().unwrap().starts_with("[System.Xml.XmlException] ["), "{fatal}");
    let end = last(&events, "JobEnd");
    assert_eq!((end["TotalErrors"].as_str(), end["FilesCreated"].as_str()), (Some("1"), Some("0")));
}

#[tokio::test(flavor = "multi_thread")]
async fn b14_b71_b72_b73_b74_b77_b78_progress_paging_is_stable() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), false).await;
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "a job without a queue still reports (b78)");

    let all = h.progress(job, "0").await.body;
    let token = all["NextToken"].as_str().unwrap().to_string();
    assert_eq!(all["Logs"].as_array().unwrap().len(), 3);
    let again = h.progress(job, "0").await.body;
    assert_eq!(again, all, "the same token gives the same answer for a finished job");
    let after = h.progress(job, &token).await.body;
    assert_eq!(after, json!({ "Logs": [], "NextToken": token }));
    let second = h.progress(job, "1").await.body;
    assert_eq!(second["Logs"].as_array().unwrap().len(), 2);

    let verbose =
        h.t.get(&format!("/sites/dev/_api/site/GetMigrationJobProgress(jobId='{job}',nextToken=0)"), support::VERBOSE)
            .await
            .body;
    let d = &verbose["d"]["GetMigrationJobProgress"];
    assert_eq!(d["__metadata"]["type"], "SP.MigrationJobProgress");
    assert_eq!(d["Logs"]["__metadata"]["type"], "Collection(Edm.String)");
    assert_eq!(d["Logs"]["results"].as_array().unwrap().len(), 3);

    let unknown = h.progress(uuid::Uuid::new_v4(), "0").await;
    assert_eq!(unknown.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        sp_error(&unknown.body),
        ("-2147213145, Microsoft.SharePoint.SPException".into(), "Job not found".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn b35_b36_status_of_finished_and_unknown_jobs_is_none() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), false).await;
    let job = h.submit(&staged, None).await;
    h.events_until_end(job).await;
    for id in [job, uuid::Uuid::new_v4()] {
        let answer = h.site_call("GetMigrationJobStatus", json!({ "id": id })).await;
        assert_eq!(answer.body, json!({ "d": { "GetMigrationJobStatus": 0 } }));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn b15_b16_b23_b26_b27_creation_checks_refuse_bad_requests() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged: Staged = h.stage(&package, &Staging::default(), true).await;
    let web = h.t.emulator.default_site.root_web_id.to_string();
    let cases = [
        (
            json!({ "gWebId": web, "azureContainerManifestUri": staged.manifest_url }),
            "CreateMigrationJob",
            400,
            "-2147467261, System.ArgumentNullException",
            "Value cannot be null.\r\nParameter name: azureContainerSourceUri",
        ),
        (
            json!({ "gWebId": web, "azureContainerSourceUri": staged.source_url, "azureContainerManifestUri": staged.source_url }),
            "CreateMigrationJob",
            400,
            "-2147024809, System.ArgumentException",
            "The azureContainerSourceUri and azureContainerManifestUri must not refer to the same container.",
        ),
        (
            json!({ "gWebId": uuid::Uuid::new_v4(), "azureContainerSourceUri": staged.source_url, "azureContainerManifestUri": staged.manifest_url }),
            "CreateMigrationJob",
            500,
            "-2147024894, System.IO.FileNotFoundException",
            "The system cannot find the file specified. (Exception from HRESULT: 0x80070002)",
        ),
        (
            json!({ "gWebId": web, "azureContainerSourceUri": staged.source_url, "azureContainerManifestUri": staged.manifest_url, "options": { "AES256CBCKey": "AAEC" } }),
            "CreateMigrationJobEncrypted",
            400,
            "-2147024809, System.ArgumentException",
            "The AES256CBCKey must be 32 bytes long; 3 bytes were given.",
        ),
        (
            json!({ "gWebId": web, "azureContainerSourceUri": staged.source_url, "azureContainerManifestUri": staged.manifest_url, "azureQueueReportUri": h.tool.queue_url("nosuchqueue", "raup", time::OffsetDateTime::now_utc() + time::Duration::hours(1)) }),
            "CreateMigrationJob",
            500,
            "-1, Microsoft.WindowsAzure.Storage.StorageException",
            "The remote server returned an error: (404) Not Found.",
        ),
    ];
    for (body, method, status, code, message) in cases {
        let answer = h.site_call(method, body.clone()).await;
        assert_eq!(answer.status.as_u16(), status, "{body}: {}", answer.body);
        assert_eq!(sp_error(&answer.body), (code.to_string(), message.to_string()), "{body}");
    }
    // None of them left a job behind.
    let site = h.t.emulator.default_site.id;
    assert!(h.t.emulator.store.blocking(|db| db.queued_jobs(site)).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn b114_b120_b121_b122_b144_imported_content_reads_back_through_rest() {
    let h = Harness::start().await;
    let mut builder = PackageBuilder::new(h.documents());
    let ada = builder.user("i:0#.f|membership|ada@contoso.com", "Ada");
    builder.folder("Reports");
    // The current version is itself ciphertext: an unencrypted job stores it as it is (b144).
    let sealed = spmig::storage::crypto::encrypt(&JobKey::from_bytes(&[9u8; 32]).unwrap(), &[3u8; 16], b"final text");
    let versions = vec![b"draft one".to_vec(), b"draft two".to_vec(), sealed.clone()];
    let file_id = builder.file(&FileSpec {
        path: "Reports/annual report.txt".into(),
        versions: versions.clone(),
        fields: vec![("Title".into(), "Annual report".into())],
        author: Some(ada),
    });
    let staged = h.stage(&builder.build(), &Staging::default(), false).await;
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(last(&events, "JobEnd")["TotalErrors"], "0", "{events:#?}");

    let t = &h.t;
    let folder = "/sites/dev/Shared Documents/Reports";
    let files = t
        .get(&format!("/sites/dev/_api/web/GetFolderByServerRelativeUrl('{folder}')/Files"), support::NOMETADATA)
        .await;
    let names: Vec<&str> =
        files.body["value"].as_array().unwrap().iter().map(|f| f["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["annual report.txt"]);
    let folders =
        t.get("/sites/dev/_api/web/GetFolderByServerRelativeUrl('Shared Documents')/Folders", support::VERBOSE).await;
    assert_eq!(folders.body["d"]["results"][0]["Name"], "Reports");

    let file_url = format!("/sites/dev/_api/web/GetFileByServerRelativeUrl('{folder}/annual report.txt')");
    let file = t.get(&file_url, support::NOMETADATA).await.body;
    assert_eq!(file["UniqueId"], file_id.to_string(), "ids are preserved (b114)");
    assert_eq!(file["UIVersionLabel"], "3.0");
    assert_eq!(file["Length"], sealed.len().to_string());
    assert_eq!(file["TimeLastModified"], "2024-03-01T10:00:00Z", "times come from the package (b121)");

    let body =
        t.client.get(t.url(&format!("{file_url}/$value"))).header("authorization", "Bearer t").send().await.unwrap();
    assert_eq!(body.headers()["content-type"], "application/octet-stream");
    assert_eq!(body.bytes().await.unwrap().as_ref(), sealed.as_slice());

    // Behaviour 120: every version is there; `Versions` lists the earlier ones.
    let history = t.get(&format!("{file_url}/Versions"), support::NOMETADATA).await.body;
    let labels: Vec<&str> =
        history["value"].as_array().unwrap().iter().map(|v| v["VersionLabel"].as_str().unwrap()).collect();
    assert_eq!(labels, ["1.0", "2.0"]);
    let first = t
        .client
        .get(t.url(&format!("{file_url}/Versions(512)/$value")))
        .header("authorization", "Bearer t")
        .send()
        .await
        .unwrap();
    assert_eq!(first.bytes().await.unwrap().as_ref(), b"draft one");

    // Behaviour 122: the item carries the package's field values.
    let item = t.get(&format!("{file_url}/ListItemAllFields"), support::NOMETADATA).await.body;
    assert_eq!(item["Title"], "Annual report");
    let docs = h.documents().list_id;
    let same =
        t.get(&format!("/sites/dev/_api/web/lists(guid'{docs}')/items({})", item["Id"]), support::VERBOSE).await.body;
    assert_eq!(same["d"]["Title"], "Annual report");
    assert_eq!(same["d"]["__metadata"]["type"], "SP.Data.Shared_x0020_DocumentsItem");

    // Every folder and file of a library has a list item, made when the package brings none.
    let folder_item = t
        .get(
            &format!("/sites/dev/_api/web/GetFolderByServerRelativeUrl('{folder}')/ListItemAllFields"),
            support::NOMETADATA,
        )
        .await;
    assert_eq!(folder_item.body["FileSystemObjectType"], 1, "{}", folder_item.body);
    assert_eq!(folder_item.body["ContentTypeId"], "0x0120");
    let log = format!("/sites/dev/_catalogs/Maintenance Logs/Import-{job}-1.log");
    let log_item = t
        .get(&format!("/sites/dev/_api/web/GetFileByServerRelativeUrl('{log}')/ListItemAllFields"), support::NOMETADATA)
        .await;
    assert_eq!(log_item.body["FileSystemObjectType"], 0, "{}", log_item.body);

    let author = t.get(&format!("{file_url}?$select=Name,Author/Title&$expand=Author"), support::NOMETADATA).await.body;
    assert_eq!(author["Author"]["Title"], "Ada");

    let missing = t
        .get("/sites/dev/_api/web/GetFileByServerRelativeUrl('/sites/dev/Shared Documents/nope.txt')", support::VERBOSE)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        sp_error(&missing.body),
        (
            "-2130575338, Microsoft.SharePoint.SPException".into(),
            "The file /sites/dev/Shared Documents/nope.txt does not exist.".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn b22_job_queued_is_in_the_queue_when_creation_returns() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    let job = h.submit(&staged, None).await;
    // Read the queue at once: whatever else is there, JobQueued is first.
    let messages = h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap();
    let first: Value = serde_json::from_str(&messages[0]).unwrap();
    assert_eq!((first["Event"].as_str(), first["JobId"].as_str()), (Some("JobQueued"), Some(job.to_string().as_str())));
    assert_eq!(first["SiteId"], h.t.emulator.default_site.id.to_string());
    h.events_until_end(job).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn b57_b80_a_missing_optional_file_is_a_warning() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    h.tool.delete(&staged.manifest, "Requirements.xml").await.unwrap();
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobWarning", "JobEnd"], "{events:#?}");
    assert_eq!(last(&events, "JobWarning")["Message"], "Requirements.xml was not found in the manifest container.");
    let end = last(&events, "JobEnd");
    assert_eq!(
        (end["TotalWarnings"].as_str(), end["FilesCreatedIrrespectiveOfVersions"].as_str()),
        (Some("1"), Some("20"))
    );
    let (wrn, _) = h.tool.get(&staged.manifest, &format!("Import-{job}-1.wrn")).await.unwrap();
    assert!(String::from_utf8(wrn).unwrap().contains("Warning: [] [] [] ["));
}

#[tokio::test(flavor = "multi_thread")]
async fn b79_a_missing_required_file_is_fatal() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    h.tool.delete(&staged.manifest, "UserGroup.xml").await.unwrap();
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobFatalError", "JobEnd"], "{events:#?}");
    assert_eq!(last(&events, "JobFatalError")["Message"], "UserGroup.xml was not found in the manifest container.");
}

#[tokio::test(flavor = "multi_thread")]
async fn b133_b142_missing_and_undecryptable_blobs_fail_their_files() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let key = JobKey::from_bytes(&[7u8; 32]).unwrap();
    let staged = h.stage(&package, &Staging { key: Some(key.clone()), ..Staging::default() }, false).await;
    let (gone, _) = &package.content[0];
    h.tool.delete(&staged.source, gone).await.unwrap();
    // A blob encrypted with another key: its padding does not decrypt.
    // (Blobs 0–2 are the versions of the first file; blob 3 is the second file.)
    let (garbled, body) = &package.content[3];
    let iv = Upload { metadata: vec![("IV".into(), "AAAAAAAAAAAAAAAAAAAAAA==".into())], ..Upload::default() };
    let other = JobKey::from_bytes(&[8u8; 32]).unwrap();
    let ciphertext = spmig::storage::crypto::encrypt(&other, &[0u8; 16], body);
    h.tool.put(&staged.source, garbled, ciphertext, &iv).await.unwrap();
    h.tool.snapshot(&staged.source, garbled).await.unwrap();

    let job = h.submit(&staged, Some(&key)).await;
    let events = h.events_until_end(job).await;
    let messages: Vec<&str> =
        events.iter().filter(|e| e["Event"] == "JobError").map(|e| e["Message"].as_str().unwrap()).collect();
    assert_eq!(
        messages,
        [
            format!("The blob '{gone}' was not found in the source container."),
            format!("Failed to decrypt blob '{garbled}'.")
        ],
        "{events:#?}"
    );
    assert_eq!(last(&events, "JobEnd")["TotalErrors"], "2");
}

#[tokio::test(flavor = "multi_thread")]
async fn b113_objects_of_a_list_the_target_lacks_fail() {
    let h = Harness::start().await;
    let mut target = h.documents();
    target.list_id = uuid::Uuid::new_v4();
    let mut builder = PackageBuilder::new(target.clone());
    builder.file(&FileSpec { path: "orphan.txt".into(), versions: vec![b"x".to_vec()], ..FileSpec::default() });
    let staged = h.stage(&builder.build(), &Staging::default(), false).await;
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    let errors: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["Event"] == "JobError")
        .map(|e| (e["ObjectType"].as_str().unwrap(), e["Message"].as_str().unwrap()))
        .collect();
    let message = format!("The list with id {} was not found in web /sites/dev.", target.list_id);
    assert_eq!(errors, [("File", message.as_str()), ("ListItem", message.as_str())], "{events:#?}");
}
