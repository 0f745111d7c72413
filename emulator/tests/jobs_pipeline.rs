//! Jobs end to end against a private Azurite: a package staged as a tool would, submitted
//! over REST, followed through GetMigrationJobProgress and the queue, checked in the site.

mod support;

use spmig::isv::package::{FileSpec, PackageBuilder, Staging};
use spmig::storage::crypto::JobKey;
use support::jobs::{Harness, last, names};

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
        let bodies: Vec<Vec<u8>> = (0..count)
            .map(|v| format!("file {i} version {v}").repeat(10 + i).into_bytes())
            .collect();
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
async fn b11_b44_b61_b62_a_package_with_versions_and_fields_is_imported() {
    let h = Harness::start().await;
    let (package, versions, bytes) = sample(&h);
    let staged = h.stage(&package, &Staging::default(), true).await;
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert_eq!(
        names(&events),
        ["JobQueued", "JobStart", "JobEnd"],
        "{events:#?}"
    );

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
    assert_eq!(
        start["WebId"],
        h.t.emulator.default_site.root_web_id.to_string()
    );
    assert_eq!(start["CorrelationId"], end["CorrelationId"]);

    let store = h.t.emulator.store.clone();
    let file = store
        .blocking(|db| db.file_by_url("/sites/dev/Shared Documents/Folder 0/file 0.txt"))
        .unwrap()
        .unwrap();
    assert_eq!(file.current.label(), "3.0");
    let history = store.blocking(|db| db.file_versions(file.id)).unwrap();
    assert_eq!(
        history.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["1.0", "2.0", "3.0"]
    );
    let item = store
        .blocking(|db| db.list_item_of_file(file.id))
        .unwrap()
        .unwrap();
    assert_eq!(
        item.fields,
        [("Title".to_string(), Some("Title 0".to_string()))]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn b67_b68_encrypted_jobs_encrypt_queue_messages_and_logs() {
    let h = Harness::start().await;
    let (package, _, _) = sample(&h);
    let key = JobKey::from_bytes(&[42u8; 32]).unwrap();
    let staging = Staging {
        key: Some(key.clone()),
        ..Staging::default()
    };
    let staged = h.stage(&package, &staging, true).await;
    let job = h.submit(&staged, Some(&key)).await;
    let events = h.events_until_end(job).await;
    assert_eq!(
        names(&events),
        ["JobQueued", "JobStart", "JobEnd"],
        "{events:#?}"
    );
    assert_eq!(
        last(&events, "JobEnd")["FilesCreatedIrrespectiveOfVersions"],
        "20"
    );
}
