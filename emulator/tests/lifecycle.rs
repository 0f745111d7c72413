//! The job lifecycle under test control: postponement and system cancellation by reason code,
//! the queue's statuses, deletion and user cancellation, injected failures, with the clock
//! advanced instead of slept.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spmig::config::Profile;
use spmig::isv::package::Staging;
use support::event_seconds as seconds;
use support::jobs::{Harness, last, names};

#[tokio::test(flavor = "multi_thread")]
async fn b37_b38_b39_b43_postponed_twice_then_run() {
    let h = Harness::start().await;
    h.freeze().await;
    h.rule(json!([
        { "action": "postpone", "reason_code": 3, "ordinal": 1, "count": 2 },
        { "action": "postpone", "reason_code": 3, "ordinal": 2, "count": 1 },
    ]))
    .await;
    let staged = h.stage(&h.small_package(2), &Staging::default(), true).await;
    let job = h.submit(&staged, None).await;

    h.advance(0.0).await;
    assert_eq!(h.timeline(job).await, ["JobQueued", "JobPostponed"]);
    assert_eq!(h.status(job).await, 2, "a postponed job stays queued (behaviour 37)");

    // A second job joins the queue of the same content database (behaviour 43).
    let second = h.submit(&h.stage(&h.small_package(1), &Staging::default(), false).await, None).await;
    h.advance(0.0).await;
    let view = h.job_view(second).await;
    let postponed = &view["events"][1]["body"];
    assert_eq!(postponed["Event"], "JobPostponed");
    assert_eq!(postponed["JobsInQueue"], "2");

    // Twenty minutes on, the first job is postponed again while the second runs.
    h.advance(20.0 * 60.0).await;
    assert_eq!(names(&h.events_until_end(second).await), ["JobQueued", "JobPostponed", "JobStart", "JobEnd"]);
    assert_eq!(h.timeline(job).await, ["JobQueued", "JobPostponed", "JobPostponed"]);

    h.advance(20.0 * 60.0).await;
    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobPostponed", "JobPostponed", "JobStart", "JobEnd"], "{events:#?}");
    let first = &events[1];
    assert_eq!(first["ReasonCode"], "3");
    assert_eq!(first["Reason"], "JobInQueue:Resource");
    assert_eq!(first["JobsInQueue"], "1");
    // Behaviour 38: the next pickup is 20 minutes on, and the job is picked up then.
    let (at, next) = (seconds(first["Time"].as_str().unwrap()), seconds(first["NextPickupTime"].as_str().unwrap()));
    assert_eq!(next - at, 20 * 60);
    assert_eq!(seconds(events[2]["Time"].as_str().unwrap()), next);
    assert_eq!(last(&events, "JobStart")["TotalRetryCount"], "0", "a postponement is not an attempt");
    assert_eq!(last(&events, "JobEnd")["FilesCreated"], "2");
}

#[tokio::test(flavor = "multi_thread")]
async fn b39_every_waiting_reason_code_postpones_with_its_label() {
    let h = Harness::start().await;
    h.freeze().await;
    let codes: [(u8, &str); 8] = [
        (1, "JobInQueue:Resource"),
        (2, "JobInQueue:Resource"),
        (3, "JobInQueue:Resource"),
        (4, "JobInQueue:Resource"),
        (5, "JobInQueue:Resource"),
        (6, "JobInQueue:Resource"),
        (7, "JobInQueue:DBMaint"),
        (12, "JobInQueue:Resource"),
    ];
    for (ordinal, (code, _)) in codes.iter().enumerate() {
        h.rule(json!({ "action": "postpone", "reason_code": code, "minutes": 5, "ordinal": ordinal + 1, "count": 1 }))
            .await;
    }
    let mut jobs = Vec::new();
    for _ in codes {
        jobs.push(h.submit(&h.stage(&h.small_package(1), &Staging::default(), false).await, None).await);
        h.advance(0.0).await;
    }
    for (job, (code, label)) in jobs.iter().zip(codes) {
        let view = h.job_view(*job).await;
        let postponed = &view["events"][1]["body"];
        assert_eq!(postponed["Event"], "JobPostponed", "code {code}");
        assert_eq!(
            (postponed["ReasonCode"].as_str().unwrap(), postponed["Reason"].as_str().unwrap()),
            (code.to_string().as_str(), label)
        );
        let wait =
            seconds(postponed["NextPickupTime"].as_str().unwrap()) - seconds(postponed["Time"].as_str().unwrap());
        assert_eq!(wait, 5 * 60, "the rule's minutes");
    }
    h.advance(5.0 * 60.0).await;
    for job in jobs {
        assert_eq!(names(&h.events_until_end(job).await), ["JobQueued", "JobPostponed", "JobStart", "JobEnd"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn b40_b41_b42_tenant_block_and_unknown_reason_cancel_the_job() {
    let h = Harness::start().await;
    h.freeze().await;
    for (ordinal, code, label) in [(1, 10, "JobFailure:TenantBlock"), (2, 11, "JobCancelled:Unknown")] {
        h.rule(json!({ "action": "postpone", "reason_code": code, "ordinal": ordinal })).await;
        let staged = h.stage(&h.small_package(1), &Staging::default(), true).await;
        let job = h.submit(&staged, None).await;
        h.advance(0.0).await;
        let events = h.events_until_end(job).await;
        assert_eq!(names(&events), ["JobQueued", "JobCancelled", "JobEnd"], "code {code}");
        let cancelled = &events[1];
        assert_eq!(cancelled["CancelledByUser"], "False");
        assert_eq!(cancelled["ReasonCode"], code.to_string());
        assert_eq!(cancelled["Reason"], label);
        let end = &events[2];
        assert_eq!((end["ObjectsProcessed"].as_str(), end["FilesCreated"].as_str()), (Some("0"), Some("0")));
        assert_eq!(h.status(job).await, 0, "the job left the queue");
        // The queue holds the same story.
        let messages = h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap();
        let queued: Vec<String> = messages
            .iter()
            .map(|m| serde_json::from_str::<Value>(m).unwrap()["Event"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(queued, ["JobQueued", "JobCancelled", "JobEnd"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn b33_b47_b48_realistic_pickup_waits_for_the_clock() {
    let h = Harness::start_with(|s| s.profile = Profile::Realistic).await;
    h.freeze().await;
    let staged = h.stage(&h.small_package(1), &Staging::default(), false).await;
    let job = h.submit(&staged, None).await;
    h.advance(60.0).await;
    assert_eq!(h.status(job).await, 2, "queued, not started (behaviour 33)");
    let listed = h.site_call("GetMigrationStatus", json!({})).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let rows = listed.body["d"]["results"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["__metadata"]["type"], "SP.SPMigrationJobStatus");
    assert_eq!(
        (rows[0]["JobId"].as_str().unwrap(), rows[0]["JobState"].as_i64().unwrap()),
        (job.to_string().as_str(), 2)
    );
    // JSON light, and GET is tolerated.
    let light = h.t.get("/sites/dev/_api/site/GetMigrationStatus", support::NOMETADATA).await;
    assert_eq!(light.body["value"][0]["JobState"], 2);

    h.advance(spmig::jobs::REALISTIC_PICKUP_DELAY.as_secs_f64()).await;
    assert_eq!(names(&h.events_until_end(job).await), ["JobQueued", "JobStart", "JobEnd"]);
    let listed = h.site_call("GetMigrationStatus", json!({})).await;
    assert_eq!(listed.body["d"]["results"], json!([]), "ended jobs are not in the queue");
}

#[tokio::test(flavor = "multi_thread")]
async fn b46_deleting_a_queued_job_removes_it() {
    let h = Harness::start_with(|s| s.profile = Profile::Realistic).await;
    h.freeze().await;
    let staged = h.stage(&h.small_package(1), &Staging::default(), true).await;
    let job = h.submit(&staged, None).await;
    let deleted = h.site_call("DeleteMigrationJob", json!({ "id": job })).await;
    assert_eq!(deleted.body["d"]["DeleteMigrationJob"], true, "{}", deleted.body);
    assert_eq!(h.status(job).await, 0);
    let again = h.site_call("DeleteMigrationJob", json!({ "id": job })).await;
    assert_eq!(again.body["d"]["DeleteMigrationJob"], false, "nothing left to delete");
    let unknown = h.site_call("DeleteMigrationJob", json!({ "id": uuid::Uuid::new_v4() })).await;
    assert_eq!(unknown.body["d"]["DeleteMigrationJob"], false);

    // JobDeleted and nothing after it, even once the pickup time has passed.
    h.advance(3600.0).await;
    let page = h.progress(job, "0").await;
    let events: Vec<Value> = page.body["Logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| serde_json::from_str(l.as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(names(&events), ["JobQueued", "JobDeleted"]);
    let keys: Vec<&String> = events[1].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["JobId", "Time", "CorrelationId", "Event"]);
    let messages = h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap();
    assert_eq!(messages.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn b34_b65_deleting_a_running_job_cancels_it() {
    let h = Harness::start().await;
    h.rule(json!({ "action": "slow", "per_object_ms": 200 })).await;
    let staged = h.stage(&h.small_package(20), &Staging::default(), true).await;
    let job = h.submit(&staged, None).await;
    h.wait(job, "JobStart").await;
    assert_eq!(h.status(job).await, 4, "processing (behaviour 34)");
    let deleted = h.site_call("DeleteMigrationJob", json!({ "id": job })).await;
    assert_eq!(deleted.body["d"]["DeleteMigrationJob"], true, "{}", deleted.body);

    let events = h.events_until_end(job).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobCancelled", "JobProgress", "JobFatalError", "JobEnd"]);
    assert_eq!(events[2]["CancelledByUser"], "True");
    assert!(events[2].get("ReasonCode").is_none(), "a user's cancellation has no reason code");
    let fatal = &events[4];
    assert_eq!(fatal["ErrorCode"], "-2147213196");
    assert_eq!(fatal["Message"], "Operation canceled.");
    assert_eq!(fatal["ObjectType"], "");
    let start = &events[1];
    for event in &events[1..] {
        assert_eq!(event["CorrelationId"], start["CorrelationId"], "one attempt, one correlation id");
    }
    let files: u64 = last(&events, "JobEnd")["FilesCreated"].as_str().unwrap().parse().unwrap();
    assert!(files < 20, "the import stopped early: {files} files");
    assert_eq!(h.status(job).await, 0);
    let view = h.job_view(job).await;
    assert!(view["events"][4]["explanation"].as_str().unwrap().contains("DeleteMigrationJob"), "{view:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn b58_b64_b65_rules_fail_or_cancel_an_attempt_at_a_stage() {
    let h = Harness::start().await;
    h.rule(json!([
        { "action": "fail", "stage": "package", "ordinal": 1, "message": "The package could not be read." },
        { "action": "cancel_by_user", "stage": "objects", "ordinal": 2 },
        { "action": "fail", "stage": "start", "ordinal": 3 },
    ]))
    .await;
    let mut jobs = Vec::new();
    for _ in 0..3 {
        jobs.push(h.submit(&h.stage(&h.small_package(4), &Staging::default(), false).await, None).await);
    }

    let failed = h.events_until_end(jobs[0]).await;
    assert_eq!(names(&failed), ["JobQueued", "JobStart", "JobFatalError", "JobEnd"]);
    assert_eq!(failed[2]["Message"], "The package could not be read.");
    assert_eq!(last(&failed, "JobEnd")["TotalErrors"], "1", "the fatal error counts (behaviour 64)");
    assert_eq!(last(&failed, "JobEnd")["FilesCreated"], "0", "nothing imported before the package stage");

    let cancelled = h.events_until_end(jobs[1]).await;
    assert_eq!(names(&cancelled), ["JobQueued", "JobStart", "JobCancelled", "JobProgress", "JobFatalError", "JobEnd"]);
    assert_eq!(cancelled[4]["Message"], "Operation canceled.");
    assert_eq!(last(&cancelled, "JobEnd")["FilesCreated"], "2", "half the objects were imported");

    let at_start = h.events_until_end(jobs[2]).await;
    assert_eq!(names(&at_start), ["JobQueued", "JobStart", "JobFatalError", "JobEnd"]);
    let view = h.job_view(jobs[2]).await;
    let explanation = view["events"][2]["explanation"].as_str().unwrap();
    assert!(explanation.contains("fail at stage 'start'"), "{explanation}");
    // The explanation never reaches the client's event.
    assert!(!at_start[2].to_string().contains("emulator rule"));
}

#[tokio::test(flavor = "multi_thread")]
async fn b167_throttled_calls_carry_retry_after() {
    let h = Harness::start().await;
    h.rule(json!({ "action": "throttle", "endpoint": "GetMigrationJobStatus", "retry_after": 7, "count": 2 })).await;
    let call = || h.site_call("GetMigrationJobStatus", json!({ "id": uuid::Uuid::new_v4() }));
    for _ in 0..2 {
        let throttled = call().await;
        assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(throttled.headers["retry-after"], "7");
        assert_eq!(throttled.body, json!({}));
    }
    assert_eq!(call().await.status, StatusCode::OK, "the count is used up");

    h.rule(json!({ "action": "throttle", "endpoint": "*", "status": 503, "retry_after": 2, "count": 1 })).await;
    let busy = h.t.get("/sites/dev/_api/web", support::NOMETADATA).await;
    assert_eq!((busy.status, busy.headers["retry-after"].to_str().unwrap()), (StatusCode::SERVICE_UNAVAILABLE, "2"));
    assert_eq!(h.t.get("/sites/dev/_api/web", support::NOMETADATA).await.status, StatusCode::OK);

    let rules = h.admin(Method::GET, "/_emulator/rules", None).await;
    let remaining: Vec<&Value> = rules.body["rules"].as_array().unwrap().iter().map(|r| &r["remaining"]).collect();
    assert_eq!(remaining, [&json!(0), &json!(0)]);
    let typo = h
        .admin(
            Method::POST,
            "/_emulator/rules",
            Some(json!({ "action": "throttle", "endpoint": "GetMigrationJobProgres" })),
        )
        .await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    assert!(typo.body["error"].as_str().unwrap().contains("GetMigrationJobProgress"), "{}", typo.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn b23_a_rule_makes_the_queue_unreachable() {
    let h = Harness::start().await;
    h.rule(json!({ "action": "queue_unreachable", "count": 1 })).await;
    let staged = h.stage(&h.small_package(1), &Staging::default(), true).await;
    let refused = h.site_call("CreateMigrationJob", h.creation_body(&staged)).await;
    assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    let (code, message) = support::sp_error(&refused.body);
    assert_eq!(code, "-1, Microsoft.WindowsAzure.Storage.StorageException");
    assert_eq!(message, "The remote name could not be resolved: '127.0.0.1'");
    let jobs = h.admin(Method::GET, "/_emulator/jobs", None).await;
    assert_eq!(jobs.body["jobs"], json!([]), "no job was created");
    assert!(h.tool.drain_queue(staged.queue.as_deref().unwrap()).await.unwrap().is_empty());
    // The rule's count is used up: the same request now succeeds.
    let job = h.submit(&staged, None).await;
    assert_eq!(names(&h.events_until_end(job).await), ["JobQueued", "JobStart", "JobEnd"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn b168_b169_near_limit_headers_and_throttling_only_delegated_callers() {
    let h = Harness::start().await;
    h.rule(json!([
        { "action": "near_limit", "endpoint": "GetMigrationJobStatus", "limit": 600, "remaining": 42, "reset": 9, "count": 1 },
        { "action": "throttle", "endpoint": "*", "caller": "delegated", "retry_after": 3 },
    ]))
    .await;
    let app = h.site_call("GetMigrationJobStatus", json!({ "id": uuid::Uuid::new_v4() })).await;
    assert_eq!(app.status, StatusCode::OK);
    let header = |name: &str| app.headers[name].to_str().unwrap().to_string();
    assert_eq!(
        (header("ratelimit-limit"), header("ratelimit-remaining"), header("ratelimit-reset")),
        ("600".into(), "42".into(), "9".into())
    );
    assert!(
        h.site_call("GetMigrationJobStatus", json!({ "id": uuid::Uuid::new_v4() }))
            .await
            .headers
            .get("ratelimit-limit")
            .is_none()
    );

    // A user's token (its JWT has delegated scopes) is throttled; the app's token is not.
    use base64::Engine as _;
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"scp":"AllSites.FullControl"}"#);
    let delegated = format!("e30.{claims}.sig");
    let request =
        h.t.client.get(h.t.url("/sites/dev/_api/web")).bearer_auth(&delegated).header("accept", support::NOMETADATA);
    let throttled = h.t.send(request).await;
    assert_eq!(
        (throttled.status, throttled.headers["retry-after"].to_str().unwrap()),
        (StatusCode::TOO_MANY_REQUESTS, "3")
    );
    assert_eq!(h.t.get("/sites/dev/_api/web", support::NOMETADATA).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn b59_progress_is_reported_every_interval_of_processing() {
    // 600× time: each slowed object (150 ms) takes 90 s of emulator time, more than the 60 s
    // JobProgress interval.
    let h = Harness::start_with(|s| s.clock_speed = 600.0).await;
    h.rule(json!({ "action": "slow", "per_object_ms": 150 })).await;
    let staged = h.stage(&h.small_package(3), &Staging::default(), false).await;
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    let progress: Vec<&Value> = events.iter().filter(|e| e["Event"] == "JobProgress").collect();
    assert!(progress.len() >= 3, "{:?}", names(&events));
    let processed: Vec<u64> =
        progress.iter().map(|e| e["ObjectsProcessed"].as_str().unwrap().parse().unwrap()).collect();
    assert!(processed.windows(2).all(|w| w[0] <= w[1]), "cumulative: {processed:?}");
    let end = last(&events, "JobEnd");
    assert!(processed.last().unwrap() <= &end["ObjectsProcessed"].as_str().unwrap().parse::<u64>().unwrap());
    for pair in progress.windows(2) {
        let gap = seconds(pair[1]["Time"].as_str().unwrap()) - seconds(pair[0]["Time"].as_str().unwrap());
        assert!(gap >= 60, "at least one interval apart: {gap} s");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn b75_progress_expires_after_four_days() {
    let h = Harness::start().await;
    h.freeze().await;
    let job = h.submit(&h.stage(&h.small_package(1), &Staging::default(), false).await, None).await;
    h.advance(0.0).await;
    assert_eq!(names(&h.events_until_end(job).await), ["JobQueued", "JobStart", "JobEnd"]);
    h.advance(4.0 * 24.0 * 3600.0 - 1.0).await;
    assert_eq!(h.progress(job, "0").await.status, StatusCode::OK, "still there a second before four days");
    h.advance(2.0).await;
    let expired = h.progress(job, "0").await;
    assert_eq!(expired.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        support::sp_error(&expired.body),
        ("-2147213146, Microsoft.SharePoint.SPException".into(), "Job status expired".into())
    );
}
