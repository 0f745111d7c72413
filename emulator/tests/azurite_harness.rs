//! The Azurite test harness: a private Azurite per test process, reached through SAS URLs
//! signed by `storage::sas` exactly as the emulator will sign its own.

use std::time::Duration;

use reqwest::StatusCode;
use spmig::azurite::Azurite;
use spmig::storage::StorageAccount;
use spmig::storage::sas::{SasScope, SasToken, sas_time};
use time::OffsetDateTime;

fn expiry() -> Option<String> {
    Some(sas_time(OffsetDateTime::now_utc() + time::Duration::hours(1)))
}

fn container_url(account: &StorageAccount, container: &str, token: &SasToken) -> String {
    format!("{}?{}", StorageAccount::resource_url(&account.blob_endpoint, container), token.to_query())
}

async fn create_container(account: &StorageAccount, name: &str) {
    let key = account.key().unwrap();
    let account_sas = SasToken {
        version: "2018-03-28".into(),
        permissions: "rwdlac".into(),
        services: Some("b".into()),
        resource_types: Some("sco".into()),
        expiry: expiry(),
        ..Default::default()
    }
    .sign(&account.name, key, SasScope::Account);
    let url = format!(
        "{}?restype=container&{}",
        StorageAccount::resource_url(&account.blob_endpoint, name),
        account_sas.to_query()
    );
    let response = reqwest::Client::new().put(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn blob_written_and_read_back_through_sas_urls() {
    let azurite = Azurite::shared();
    let account = azurite.account();
    let key = account.key().unwrap().to_vec();
    create_container(&account, "harness").await;

    let scope = SasScope::Container { container: "harness" };
    let sign = |permissions: &str| {
        SasToken {
            version: "2018-03-28".into(),
            permissions: permissions.into(),
            resource: Some("c".into()),
            expiry: expiry(),
            ..Default::default()
        }
        .sign(&account.name, &key, scope)
    };
    let blob_url = |token: &SasToken| {
        let base = StorageAccount::resource_url(&account.blob_endpoint, "harness");
        format!("{base}/folder/hello.txt?{}", token.to_query())
    };
    let client = reqwest::Client::new();
    let body = "hello from the harness".repeat(1000);

    let put = client
        .put(blob_url(&sign("cw")))
        .header("x-ms-blob-type", "BlockBlob")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED, "{}", put.text().await.unwrap());

    let get = client.get(blob_url(&sign("rl"))).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::OK);
    assert_eq!(get.text().await.unwrap(), body);

    // Azurite checks signatures: a token for another container, or with rights it was not
    // signed for, is refused.
    let mut forged = sign("r");
    forged.permissions = "rw".into();
    let denied = client.get(blob_url(&forged)).send().await.unwrap();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let listed = client
        .get(format!("{}&restype=container&comp=list", container_url(&account, "harness", &sign("rl"))))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    assert!(listed.text().await.unwrap().contains("<Name>folder/hello.txt</Name>"));
}

#[tokio::test]
async fn queue_service_sas_can_add_messages() {
    let azurite = Azurite::shared();
    let account = azurite.account();
    let key = account.key().unwrap();
    let account_sas = SasToken {
        version: "2018-03-28".into(),
        permissions: "rwdlacup".into(),
        services: Some("q".into()),
        resource_types: Some("sco".into()),
        expiry: expiry(),
        ..Default::default()
    }
    .sign(&account.name, key, SasScope::Account);
    let queue = StorageAccount::resource_url(&account.queue_endpoint, "events");
    let client = reqwest::Client::new();
    let created = client.put(format!("{queue}?{}", account_sas.to_query())).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let queue_sas =
        SasToken { version: "2018-03-28".into(), permissions: "raup".into(), expiry: expiry(), ..Default::default() }
            .sign(&account.name, key, SasScope::Queue { queue: "events" });
    let added = client
        .post(format!("{queue}/messages?{}", queue_sas.to_query()))
        .body("<QueueMessage><MessageText>aGVsbG8=</MessageText></QueueMessage>")
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED, "{}", added.text().await.unwrap());
    let peeked = client
        .get(format!("{queue}/messages?peekonly=true&{}", queue_sas.to_query()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(peeked.contains("<MessageText>aGVsbG8=</MessageText>"), "{peeked}");
}

#[test]
fn private_instance_stops_on_drop() {
    let azurite = Azurite::start().unwrap();
    let pid = azurite.pid();
    let port = azurite.blob_port;
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    drop(azurite);
    // The PID is reaped on drop, so the port is free again at once.
    let connect = std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300));
    assert!(connect.is_err(), "Azurite still answers on {port}");
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}
