//! The emulator's admin API: runtime site creation, persistence across restarts, readiness.

mod support;

use reqwest::StatusCode;
use serde_json::json;
use spmig::azurite::Azurite;
use spmig::storage::StorageAccount;
use support::*;

async fn post_site(t: &TestEmulator, body: serde_json::Value) -> Answer {
    t.send(t.client.post(t.url("/_emulator/sites")).json(&body)).await
}

fn hr_site() -> serde_json::Value {
    json!({
        "url": "/sites/hr",
        "title": "HR",
        "web": [{ "url": "/sites/hr/team", "title": "Team", "id": "0b2c6d9e-1111-2222-3333-444455556666" }],
        "list": [
            { "title": "Contracts", "template": "GenericList" },
            { "web": "/sites/hr/team", "title": "Team Docs", "url": "TeamDocs", "id": "7e0b7a55-0000-4000-8000-00000000abcd" }
        ]
    })
}

#[tokio::test]
async fn sites_can_be_added_at_runtime_and_are_served() {
    let t = start().await;
    let created = post_site(&t, hr_site()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["url"], "/sites/hr");
    assert!(created.body["created"].as_array().unwrap().len() >= 5, "{}", created.body);

    let team = t.get("/sites/hr/team/_api/web", NOMETADATA).await;
    assert_eq!(team.body["Id"], "0b2c6d9e-1111-2222-3333-444455556666");
    assert_eq!(team.body["Title"], "Team");
    let site = t.get("/sites/hr/team/_api/site", NOMETADATA).await;
    assert_eq!(site.body["ServerRelativeUrl"], "/sites/hr");
    let list = t.get("/sites/hr/team/_api/web/lists/getbytitle('Team Docs')/RootFolder", NOMETADATA).await;
    assert_eq!(list.body["ServerRelativeUrl"], "/sites/hr/team/TeamDocs");
    let contracts = t.get("/sites/hr/_api/web/lists/getbytitle('Contracts')", NOMETADATA).await;
    assert_eq!(contracts.body["BaseTemplate"], 100);
    assert_eq!(contracts.body["EntityTypeName"], "ContractsList");

    // Declaring the same site again changes nothing and says so.
    let again = post_site(&t, hr_site()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["created"], json!([]));
    let listed = t.send(t.client.get(t.url("/_emulator/sites"))).await;
    let urls: Vec<&str> = listed.body["sites"].as_array().unwrap().iter().map(|s| s["url"].as_str().unwrap()).collect();
    assert_eq!(urls, ["/sites/dev", "/sites/hr"]);
}

#[tokio::test]
async fn invalid_and_conflicting_declarations_are_refused() {
    let t = start().await;
    let bad = post_site(&t, json!({ "url": "/sites/x", "list": [{ "title": "L", "template": "Wiki" }] })).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body["problems"][0].as_str().unwrap().starts_with("list[0].template: unknown list template"),
        "{}",
        bad.body
    );

    let not_json = t.send(t.client.post(t.url("/_emulator/sites")).body("{")).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let unknown_field = post_site(&t, json!({ "url": "/sites/x", "colour": "red" })).await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    assert!(unknown_field.body["problems"][0].as_str().unwrap().contains("colour"));

    let conflict = post_site(&t, json!({ "url": "/sites/dev", "id": "00000000-0000-0000-0000-000000000001" })).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert!(conflict.body["error"].as_str().unwrap().contains("already exists at '/sites/dev'"));
    // A refused declaration leaves nothing behind.
    assert_eq!(t.get("/sites/x/_api/web", NOMETADATA).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_site_added_at_runtime_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let mut settings = settings();
    settings.in_memory = false;
    settings.data = data.path().to_path_buf();

    let first = start_with(settings.clone()).await;
    let default_web = first.emulator.default_site.root_web_id;
    assert_eq!(post_site(&first, hr_site()).await.status, StatusCode::CREATED);
    first.stop().await;
    assert!(data.path().join("spmig.sqlite3").is_file());

    let second = start_with(settings).await;
    assert_eq!(second.emulator.default_site.root_web_id, default_web, "default GUIDs are stable");
    let team = second.get("/sites/hr/team/_api/web", NOMETADATA).await;
    assert_eq!(team.status, StatusCode::OK);
    assert_eq!(team.body["Id"], "0b2c6d9e-1111-2222-3333-444455556666");
    let again = post_site(&second, hr_site()).await;
    assert_eq!(again.status, StatusCode::OK, "nothing new to create after a restart");
}

#[tokio::test]
async fn readiness_reports_the_database_and_storage() {
    // Storage on a port nothing listens on: alive, but not ready.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut unreachable = settings();
    unreachable.storage =
        StorageAccount::parse(&spmig::storage::account::azurite_connection_string(closed, closed)).unwrap();
    let t = start_with(unreachable).await;
    let health = t.send(t.client.get(t.url("/_emulator/health"))).await;
    assert_eq!((health.status, health.body["status"].as_str()), (StatusCode::OK, Some("alive")));
    let ready = t.send(t.client.get(t.url("/_emulator/ready"))).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["database"], "ok");
    assert!(ready.body["storage"]["blob"]["state"].as_str().unwrap().starts_with("unreachable"));

    let azurite = Azurite::shared();
    let mut reachable = settings();
    reachable.storage = azurite.account();
    let t = start_with(reachable).await;
    let ready = t.send(t.client.get(t.url("/_emulator/ready"))).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(ready.body["status"], "ready");
}
