//! The test suite's controls under `/_emulator/`: the clock, rules, job views, waiting,
//! resets, and deterministic runs with `--seed`.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spmig::config::Profile;
use spmig::isv::package::{Package, Staging};
use spmig::storage::crypto::JobKey;
use spmig::storage::location::Location;
use support::event_seconds;
use support::jobs::{Harness, names};

#[tokio::test(flavor = "multi_thread")]
async fn the_clock_freezes_advances_and_resumes() {
    let h = Harness::start().await;
    let frozen = h.admin(Method::POST, "/_emulator/clock/freeze", None).await.body;
    assert_eq!(frozen["frozen"], true);
    let advanced = h.admin(Method::POST, "/_emulator/clock/advance", Some(json!({ "seconds": 90 }))).await.body;
    let (before, after) = (frozen["now"].as_str().unwrap(), advanced["now"].as_str().unwrap());
    assert_eq!(event_seconds(after) - event_seconds(before), 90);
    assert_eq!(before[20..], after[20..], "milliseconds untouched: a frozen clock does not drift");
    assert_eq!(h.admin(Method::GET, "/_emulator/clock", None).await.body["now"], advanced["now"], "frozen time stays");
    let bad = h.admin(Method::POST, "/_emulator/clock/advance", Some(json!({ "seconds": -1 }))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let resumed = h.admin(Method::POST, "/_emulator/clock/resume", Some(json!({ "speed": 60 }))).await.body;
    assert_eq!((resumed["frozen"].as_bool(), resumed["speed"].as_f64()), (Some(false), Some(60.0)));
}

#[tokio::test(flavor = "multi_thread")]
async fn job_views_show_the_decrypted_timeline_and_logs() {
    let h = Harness::start_with(|s| s.profile = Profile::Realistic).await;
    h.freeze().await;
    let key = JobKey::from_bytes(&[7u8; 32]).unwrap();
    let staged = h.stage(&h.small_package(1), &Staging { key: Some(key.clone()), ..Staging::default() }, true).await;
    let job = h.submit(&staged, Some(&key)).await;

    // Queued until the clock moves: waiting times out with the job as it is.
    let timeout = h.admin(Method::POST, &format!("/_emulator/jobs/{job}/wait?until=end&timeout=0.2"), None).await;
    assert_eq!(timeout.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(timeout.body["state"], "queued");
    // An unknown job is refused at once, not after the hour it was given.
    let unknown = format!("/_emulator/jobs/{}/wait?until=end&timeout=3600", uuid::Uuid::new_v4());
    assert_eq!(h.admin(Method::POST, &unknown, None).await.status, StatusCode::NOT_FOUND);

    h.advance(spmig::jobs::REALISTIC_PICKUP_DELAY.as_secs_f64()).await;
    let view = h.wait(job, "end").await;
    assert_eq!(view["state"], "ended");
    assert_eq!(
        (view["attempts"].as_u64(), view["encrypted"].as_bool(), view["ordinal"].as_u64()),
        (Some(1), Some(true), Some(1))
    );
    let events = view["events"].as_array().unwrap();
    let bodies: Vec<&str> = events.iter().map(|e| e["body"]["Event"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["JobQueued", "JobStart", "JobEnd"], "plain JSON although the queue got envelopes");
    assert_eq!(view["logFiles"], json!([format!("Import-{job}-1.log")]), "no .err or .wrn without problems");

    let list = h.admin(Method::GET, "/_emulator/jobs", None).await.body;
    let listed: Vec<&Value> = list["jobs"].as_array().unwrap().iter().map(|j| &j["id"]).collect();
    assert_eq!(listed, [&json!(job.to_string())]);
    assert_eq!(
        h.admin(Method::GET, &format!("/_emulator/jobs/{}", uuid::Uuid::new_v4()), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(h.admin(Method::GET, "/_emulator/jobs/not-a-guid", None).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn rules_are_listed_and_cleared() {
    let h = Harness::start().await;
    h.rule(json!({ "action": "postpone", "reason_code": 7, "count": 3, "site": "/sites/dev" })).await;
    let listed = h.admin(Method::GET, "/_emulator/rules", None).await.body;
    assert_eq!(listed["rules"][0]["remaining"], 3);
    assert_eq!(listed["rules"][0]["rule"]["reason_code"], 7);
    let unknown =
        h.admin(Method::POST, "/_emulator/rules", Some(json!({ "action": "postpone", "reason_code": 8 }))).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body["error"].as_str().unwrap().contains("reason_code 8"), "{}", unknown.body);
    assert_eq!(h.admin(Method::DELETE, "/_emulator/rules", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(h.admin(Method::GET, "/_emulator/rules", None).await.body["rules"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_forgets_a_site_and_its_provisioned_storage() {
    let h = Harness::start().await;
    let staged = h.stage(&h.small_package(2), &Staging::default(), false).await;
    let job = h.submit(&staged, None).await;
    h.events_until_end(job).await;
    let provisioned = h.site_call("ProvisionMigrationQueue", json!({})).await;
    let queue =
        Location::parse(provisioned.body["d"]["ProvisionMigrationQueue"]["JobQueueUri"].as_str().unwrap()).unwrap();
    let store = h.t.emulator.store.clone();
    assert_eq!(store.blocking(|db| db.jobs()).unwrap().len(), 1);

    let reset = h.admin(Method::POST, "/_emulator/reset", Some(json!({ "site": "/sites/DEV/" }))).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(reset.body["jobsDeleted"], 1);
    assert_eq!(reset.body["storageDeleted"], json!([queue.name]));
    assert_eq!(reset.body["sitesProvisioned"], json!(["/sites/dev"]));
    assert!(reset.body["contentBodiesDeleted"].as_u64().unwrap() >= 2, "{}", reset.body);

    assert!(store.blocking(|db| db.jobs()).unwrap().is_empty());
    assert_eq!(h.admin(Method::GET, &format!("/_emulator/jobs/{job}"), None).await.status, StatusCode::NOT_FOUND);
    let gone = h.tool.drain_queue(&queue.name).await.unwrap_err();
    assert!(gone.is_not_found(), "the provisioned queue was deleted: {gone}");
    // The declared site is back, empty, with its stable ids.
    let docs =
        h.t.get("/sites/dev/_api/web/lists/getbytitle('Documents')?$select=Id,ItemCount", support::NOMETADATA).await;
    assert_eq!(docs.status, StatusCode::OK, "{}", docs.body);
    assert_eq!(docs.body["Id"], "8f26c712-bad1-56aa-82b1-15eae82834ec");
    assert_eq!(docs.body["ItemCount"], 0);

    let unknown = h.admin(Method::POST, "/_emulator/reset", Some(json!({ "site": "/sites/nope" }))).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_reset_restores_the_start() {
    let h = Harness::start_with(|s| {
        s.rules = vec![serde_json::from_value(json!({ "action": "postpone", "reason_code": 2, "count": 1 })).unwrap()]
    })
    .await;
    let added =
        h.admin(Method::POST, "/_emulator/sites", Some(json!({ "url": "/sites/extra", "title": "Extra" }))).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    h.admin(Method::DELETE, "/_emulator/rules", None).await;
    h.rule(json!({ "action": "throttle", "endpoint": "*" })).await;
    h.freeze().await;

    let reset = h.admin(Method::POST, "/_emulator/reset", None).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(reset.body["sitesProvisioned"], json!(["/sites/dev"]), "runtime sites are gone");
    assert_eq!(h.t.get("/sites/extra/_api/web", support::NOMETADATA).await.status, StatusCode::NOT_FOUND);
    let rules = h.admin(Method::GET, "/_emulator/rules", None).await.body;
    assert_eq!(rules["rules"].as_array().unwrap().len(), 1);
    assert_eq!(rules["rules"][0]["rule"]["action"], "postpone", "the config file's rules are back");
    assert_eq!(h.admin(Method::GET, "/_emulator/clock", None).await.body["frozen"], false);
}

/// One run of a seeded emulator: an encrypted job postponed once, then imported; returns the
/// progress log and the queue's messages.
async fn seeded_run(package: &Package) -> (Vec<String>, Vec<String>) {
    let h = Harness::start_with(|s| {
        s.seed = Some(42);
        s.workers = 1;
    })
    .await;
    h.rule(json!({ "action": "postpone", "reason_code": 4, "count": 1 })).await;
    let key = JobKey::from_bytes(&[9u8; 32]).unwrap();
    let staged = h.stage(package, &Staging { key: Some(key.clone()), ..Staging::default() }, true).await;
    let job = h.submit(&staged, Some(&key)).await;
    h.advance(0.0).await;
    h.advance(20.0 * 60.0).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobPostponed", "JobStart", "JobEnd"]);
    let page = h.progress(job, "0").await;
    let logs = page.body["Logs"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
    (logs, h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_repeats_every_event_byte_for_byte() {
    let package = Harness::start().await.small_package(3);
    let (first_logs, first_queue) = seeded_run(&package).await;
    let (second_logs, second_queue) = seeded_run(&package).await;
    assert_eq!(first_logs, second_logs);
    assert_eq!(first_queue, second_queue, "same ids, times and IVs, so the same encrypted messages");
    assert!(first_logs[0].contains("\"Time\":\"01/01/2026 00:00:00.000\""), "{}", first_logs[0]);
}
