//! The test suite's controls under `/_emulator/`: the clock, the rules, a view of every job
//! (events with the emulator's explanations, log files), waiting for a job, and resetting.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use crate::clock::ClockView;
use crate::jobs::rules::Rule;
use crate::report::events::event_time;
use crate::site::jobs::{JobRecord, JobState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_emulator/clock", get(clock))
        .route("/_emulator/clock/advance", post(advance))
        .route("/_emulator/clock/freeze", post(freeze))
        .route("/_emulator/clock/resume", post(resume))
        .route("/_emulator/rules", get(list_rules).post(add_rules).delete(clear_rules))
        .route("/_emulator/jobs", get(list_jobs))
        .route("/_emulator/jobs/{id}", get(job))
        .route("/_emulator/jobs/{id}/wait", post(wait))
        .route("/_emulator/reset", post(reset))
}

fn clock_json(view: ClockView) -> Value {
    json!({ "now": event_time(view.now), "speed": view.speed, "frozen": view.frozen })
}

async fn clock(State(state): State<AppState>) -> Json<Value> {
    Json(clock_json(state.jobs.clock.view()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

/// Moves the clock forward and returns once everything that fell due has run.
async fn advance(State(state): State<AppState>, body: Bytes) -> Response {
    let advance = match serde_json::from_slice::<Advance>(&body) {
        Ok(advance) if advance.seconds >= 0.0 && advance.seconds.is_finite() => advance,
        _ => return problem(StatusCode::BAD_REQUEST, r#"the body must be {"seconds": <non-negative number>}"#),
    };
    state.jobs.advance(Duration::from_secs_f64(advance.seconds)).await;
    Json(clock_json(state.jobs.clock.view())).into_response()
}

async fn freeze(State(state): State<AppState>) -> Json<Value> {
    state.jobs.clock.freeze();
    Json(clock_json(state.jobs.clock.view()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Resume {
    speed: Option<f64>,
}

async fn resume(State(state): State<AppState>, body: Bytes) -> Response {
    let resume: Resume = match optional_body(&body) {
        Ok(resume) => resume,
        Err(refused) => return refused,
    };
    if let Some(speed) = resume.speed {
        state.jobs.clock.set_speed(speed);
    }
    state.jobs.clock.resume();
    state.jobs.settle().await;
    Json(clock_json(state.jobs.clock.view())).into_response()
}

async fn list_rules(State(state): State<AppState>) -> Json<Value> {
    let rules: Vec<Value> =
        state.jobs.rules.list().into_iter().map(|(rule, left)| json!({ "rule": rule, "remaining": left })).collect();
    Json(json!({ "rules": rules }))
}

/// Adds one rule, or an array of rules.
async fn add_rules(State(state): State<AppState>, body: Bytes) -> Response {
    let parsed: Result<Vec<Rule>, _> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items.into_iter().map(serde_json::from_value).collect(),
        Ok(item) => serde_json::from_value(item).map(|rule| vec![rule]),
        Err(e) => Err(e),
    };
    let rules = match parsed {
        Ok(rules) => rules,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &format!("not a rule: {e}")),
    };
    if let Some(e) = rules.iter().find_map(|r| r.check().err()) {
        return problem(StatusCode::BAD_REQUEST, &e.to_string());
    }
    state.jobs.rules.add(rules);
    (StatusCode::CREATED, list_rules(State(state)).await).into_response()
}

async fn clear_rules(State(state): State<AppState>) -> StatusCode {
    state.jobs.rules.clear();
    StatusCode::NO_CONTENT
}

async fn list_jobs(State(state): State<AppState>) -> Response {
    match state.store.call(|db| db.jobs()).await {
        Ok(jobs) => Json(json!({ "jobs": jobs.iter().map(summary).collect::<Vec<_>>() })).into_response(),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

fn summary(job: &JobRecord) -> Value {
    let state = match job.state {
        JobState::Created => "created",
        JobState::Queued => "queued",
        JobState::Processing => "processing",
        JobState::Ended => "ended",
    };
    json!({
        "id": job.id,
        "ordinal": job.ordinal,
        "siteId": job.site_id,
        "webId": job.web_id,
        "state": state,
        "attempts": job.attempt,
        "encrypted": job.encryption_key.is_some(),
        "created": event_time(job.created),
        "nextPickup": job.next_pickup.map(event_time),
        "ended": job.ended.map(event_time),
    })
}

/// A job with every event it emitted (plain JSON, also for encrypted jobs), the emulator's
/// explanation of each problem, and its log files.
async fn job(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return problem(StatusCode::BAD_REQUEST, "the job id is not a GUID");
    };
    match view(&state, id).await {
        Ok(Some(view)) => Json(view).into_response(),
        Ok(None) => problem(StatusCode::NOT_FOUND, "no such job"),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

async fn view(state: &AppState, id: Uuid) -> Result<Option<Value>, String> {
    let found = state
        .store
        .call(move |db| -> Result<_, crate::site::Error> {
            let Some(job) = db.job(id)? else { return Ok(None) };
            Ok(Some((job, db.all_events(id)?, db.log_files(id)?)))
        })
        .await
        .map_err(|e| e.to_string())?;
    let Some((job, events, logs)) = found else { return Ok(None) };
    let events: Vec<Value> = events
        .iter()
        .map(|e| {
            let body: Value = serde_json::from_str(&e.body).unwrap_or(Value::Null);
            json!({ "seq": e.seq, "event": e.name, "body": body, "explanation": e.hint })
        })
        .collect();
    let mut view = summary(&job);
    view["events"] = Value::Array(events);
    view["logFiles"] = json!(logs);
    Ok(Some(view))
}

#[derive(Deserialize)]
struct WaitQuery {
    /// An event name (`JobEnd`, `JobStart`, …) or `end`/`start`; `end` by default.
    until: Option<String>,
    /// Seconds of real time; 30 by default.
    timeout: Option<f64>,
}

/// Long-polls until the job has published the awaited event (it is in the queue and the
/// progress API); 408 with the job if it does not in time.
async fn wait(State(state): State<AppState>, Path(id): Path<String>, Query(query): Query<WaitQuery>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return problem(StatusCode::BAD_REQUEST, "the job id is not a GUID");
    };
    let until = match query.until.as_deref().unwrap_or("end") {
        "end" => "JobEnd".to_string(),
        "start" => "JobStart".to_string(),
        other => other.to_string(),
    };
    let timeout = Duration::from_secs_f64(query.timeout.unwrap_or(30.0).clamp(0.0, 3600.0));
    let deadline = tokio::time::Instant::now() + timeout;
    match view(&state, id).await {
        Ok(Some(_)) => {}
        Ok(None) => return problem(StatusCode::NOT_FOUND, "no such job"),
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
    let reached = loop {
        let awaited = until.clone();
        match state.store.call(move |db| db.has_published(id, &awaited)).await {
            Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            Ok(true) => break true,
            Ok(false) if tokio::time::Instant::now() >= deadline => break false,
            Ok(false) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    };
    let status = if reached { StatusCode::OK } else { StatusCode::REQUEST_TIMEOUT };
    match view(&state, id).await {
        Ok(Some(view)) => (status, Json(view)).into_response(),
        Ok(None) => problem(StatusCode::NOT_FOUND, "no such job"),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Reset {
    /// Server-relative URL of one site collection; everything when absent.
    site: Option<String>,
}

/// Forgets jobs, rules and imported content (everything, or one site collection), deletes the
/// storage the emulator provisioned, and provisions the declared sites again.
async fn reset(State(state): State<AppState>, body: Bytes) -> Response {
    let reset: Reset = match optional_body(&body) {
        Ok(reset) => reset,
        Err(refused) => return refused,
    };
    match crate::server::reset(&state, reset.site.as_deref()).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(e) => problem(StatusCode::BAD_REQUEST, &e),
    }
}

/// A JSON body that may be left out (then every field takes its default).
fn optional_body<T: Default + serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| problem(StatusCode::BAD_REQUEST, &e.to_string()))
}

fn problem(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}
