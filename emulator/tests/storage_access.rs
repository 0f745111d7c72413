//! Reading a client's package through its SAS URLs, against Azurite: latest snapshots with
//! their own metadata, SAS checks, streaming reads, log uploads and queue messages.

use spmig::azurite::Azurite;
use spmig::storage::admin::{AccountAdmin, Upload};
use spmig::storage::blobs::{Container, Lookup};
use spmig::storage::queues::Queue;
use time::{Duration, OffsetDateTime};

fn tomorrow() -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(1)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn meta(iv: &str) -> Upload {
    Upload { metadata: vec![("IV".into(), iv.into())], content_md5: true, md5_override: None }
}

async fn tool_with(container: &str) -> AccountAdmin {
    let tool = AccountAdmin::new(&Azurite::shared().account()).unwrap();
    tool.create_container(container).await.unwrap();
    tool
}

/// Runs blocking reads off the async test runtime, as the job pipeline does.
async fn read_all(container: Container, blob: spmig::storage::blobs::BlobVersion, range: u64) -> Vec<u8> {
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut reader = container.reader_in_ranges(&blob, runtime, range).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut bytes).unwrap();
        bytes
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn b136_b137_the_latest_snapshot_is_read_with_its_own_metadata() {
    let tool = tool_with("snapshots").await;
    tool.put("snapshots", "f.dat", b"first".to_vec(), &meta("AAAA")).await.unwrap();
    tool.snapshot("snapshots", "f.dat").await.unwrap();
    tool.put("snapshots", "f.dat", b"second!".to_vec(), &meta("BBBB")).await.unwrap();
    let taken = tool.snapshot("snapshots", "f.dat").await.unwrap();
    // Changed after the last snapshot: the import must not see this.
    tool.put("snapshots", "f.dat", b"third, unsnapshotted".to_vec(), &meta("CCCC")).await.unwrap();

    // Current SDKs sign container SAS tokens at recent versions, which Azurite alone would
    // refuse for snapshot reads (its issue 1857).
    for version in ["2025-11-05", "2018-03-28"] {
        let url = tool.container_url("snapshots", "rl", version, tomorrow());
        let container = Container::connect(&url, &Azurite::shared().account(), "rl", now()).unwrap();
        let Lookup::Snapshot(blob) = container.lookup("f.dat").await.unwrap() else { panic!("no snapshot found") };
        assert_eq!(blob.snapshot.as_deref(), Some(taken.as_str()));
        assert_eq!(blob.iv(), Some("BBBB"), "metadata comes from the snapshot");
        assert_eq!(blob.size, 7);
        assert_eq!(blob.content_md5.as_deref().map(<[u8]>::len), Some(16));
        assert_eq!(read_all(container, blob, 1024).await, b"second!");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn b134_blobs_without_snapshot_and_missing_blobs_are_told_apart() {
    let tool = tool_with("nosnap").await;
    tool.put("nosnap", "plain.dat", b"x".to_vec(), &Upload::default()).await.unwrap();
    tool.put("nosnap", "plain.dat.bak", b"y".to_vec(), &Upload::default()).await.unwrap();
    tool.snapshot("nosnap", "plain.dat.bak").await.unwrap();
    let url = tool.container_url("nosnap", "rl", "2025-11-05", tomorrow());
    let container = Container::connect(&url, &Azurite::shared().account(), "rl", now()).unwrap();
    assert!(matches!(container.lookup("plain.dat").await.unwrap(), Lookup::NoSnapshot(b) if b.size == 1));
    assert_eq!(container.lookup("absent.dat").await.unwrap(), Lookup::Missing);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_sas_tokens_are_checked_as_azure_would() {
    let tool = tool_with("checked").await;
    let account = Azurite::shared().account();
    let good = tool.container_url("checked", "rl", "2025-11-05", tomorrow());
    assert!(Container::connect(&good, &account, "rl", now()).is_ok());

    let forged = good.replace("sp=rl", "sp=rlw");
    let err = Container::connect(&forged, &account, "rl", now()).err().unwrap();
    assert_eq!((err.status, err.code.as_deref()), (Some(403), Some("AuthenticationFailed")));

    let expired = tool.container_url("checked", "rl", "2025-11-05", now() - Duration::hours(1));
    let err = Container::connect(&expired, &account, "rl", now()).err().unwrap();
    assert!(err.message.starts_with("Signature not valid in the specified time frame"), "{err}");

    let read_only = tool.container_url("checked", "r", "2025-11-05", tomorrow());
    let err = Container::connect(&read_only, &account, "rl", now()).err().unwrap();
    assert_eq!(err.code.as_deref(), Some("AuthorizationPermissionMismatch"));
}

#[tokio::test(flavor = "multi_thread")]
async fn large_blobs_stream_through_several_ranges() {
    let tool = tool_with("large").await;
    let body: Vec<u8> = (0..3 * 1024 * 1024 + 17).map(|i: u32| (i % 253) as u8).collect();
    tool.put("large", "big.dat", body.clone(), &Upload::default()).await.unwrap();
    tool.snapshot("large", "big.dat").await.unwrap();
    let url = tool.container_url("large", "rl", "2025-11-05", tomorrow());
    let container = Container::connect(&url, &Azurite::shared().account(), "rl", now()).unwrap();
    let Lookup::Snapshot(blob) = container.lookup("big.dat").await.unwrap() else { panic!() };
    assert_eq!(read_all(container, blob, 1024 * 1024).await, body);
}

#[tokio::test(flavor = "multi_thread")]
async fn log_files_are_written_with_metadata() {
    let tool = tool_with("manifest").await;
    let url = tool.container_url("manifest", "rlw", "2025-11-05", tomorrow());
    let container = Container::connect(&url, &Azurite::shared().account(), "w", now()).unwrap();
    let metadata = [("IV".to_string(), "AAECAwQFBgcICQoLDA0ODw==".to_string())].into();
    container.upload("Import-x-1.log", b"log text".to_vec(), metadata).await.unwrap();
    let (bytes, metadata) = tool.get("manifest", "Import-x-1.log").await.unwrap();
    assert_eq!(bytes, b"log text");
    assert_eq!(metadata.get("iv").map(String::as_str), Some("AAECAwQFBgcICQoLDA0ODw=="));

    let read_only = tool.container_url("manifest", "rl", "2025-11-05", tomorrow());
    assert!(Container::connect(&read_only, &Azurite::shared().account(), "w", now()).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn b49_queue_messages_are_the_base64_of_their_text() {
    let tool = AccountAdmin::new(&Azurite::shared().account()).unwrap();
    tool.create_queue("reports").await.unwrap();
    let url = tool.queue_url("reports", "raup", tomorrow());
    let queue = Queue::connect(&url, &Azurite::shared().account(), now()).unwrap();
    queue.send(r#"{"Event":"JobQueued"}"#).await.unwrap();
    queue.send("second").await.unwrap();
    assert_eq!(tool.drain_queue("reports").await.unwrap(), [r#"{"Event":"JobQueued"}"#, "second"]);

    let no_add = tool.queue_url("reports", "rup", tomorrow());
    let err = Queue::connect(&no_add, &Azurite::shared().account(), now()).err().unwrap();
    assert_eq!(err.code.as_deref(), Some("AuthorizationPermissionMismatch"));
}
