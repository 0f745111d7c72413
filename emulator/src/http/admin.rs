//! The emulator's own API under `/_emulator/`: health, readiness and runtime site creation.
//! Unauthenticated, like Azurite's endpoints: it is for the test harness, not for the tool
//! under test.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::AppState;
use crate::site;
use crate::site::spec::SiteSpec;

/// How long readiness waits for a storage endpoint to accept a connection.
const STORAGE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/ready", get(ready))
        .route("/_emulator/sites", get(list_sites).post(add_site))
}

/// Liveness: the process answers HTTP.
async fn health() -> Json<Value> {
    Json(json!({ "status": "alive", "version": env!("CARGO_PKG_VERSION") }))
}

/// Readiness: the database answers and the storage endpoints accept connections.
async fn ready(State(state): State<AppState>) -> Response {
    let database = match state.store.call(|db| db.ping()).await {
        Ok(()) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    let timeout = STORAGE_PROBE_TIMEOUT;
    let (blob, queue) = tokio::join!(
        crate::storage::probe(&state.storage.blob_endpoint, timeout),
        crate::storage::probe(&state.storage.queue_endpoint, timeout),
    );
    let describe = |r: Result<(), String>| r.map_or_else(|e| format!("unreachable: {e}"), |()| "ok".to_string());
    let (blob, queue) = (describe(blob), describe(queue));
    let ready = database == "ok" && blob == "ok" && queue == "ok";
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": database,
        "storage": {
            "account": state.storage.name,
            "blob": { "endpoint": state.storage.blob_endpoint.as_str(), "state": blob },
            "queue": { "endpoint": state.storage.queue_endpoint.as_str(), "state": queue },
        },
    });
    (status, Json(body)).into_response()
}

async fn list_sites(State(state): State<AppState>) -> Response {
    match state.store.call(|db| db.sites()).await {
        Ok(sites) => {
            let sites: Vec<Value> =
                sites.iter().map(|s| json!({ "id": s.id, "url": s.url, "rootWebId": s.root_web_id })).collect();
            Json(json!({ "sites": sites })).into_response()
        }
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), vec![]),
    }
}

/// Declares a site collection (same fields as a `[[site]]` table of the seed file). 201 when
/// something was created, 200 when everything already existed, 400 for an invalid declaration,
/// 409 when an id or URL belongs to something else.
async fn add_site(State(state): State<AppState>, body: Bytes) -> Response {
    let spec: SiteSpec = match serde_json::from_slice(&body) {
        Ok(spec) => spec,
        Err(e) => {
            return problem(StatusCode::BAD_REQUEST, "the body is not a valid site declaration", vec![e.to_string()]);
        }
    };
    let plan = match spec.plan() {
        Ok(plan) => plan,
        Err(errors) => {
            let problems = errors.iter().map(ToString::to_string).collect();
            return problem(StatusCode::BAD_REQUEST, "the site declaration is invalid", problems);
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let declared = plan.clone();
    match state.store.call(move |db| db.apply_site(&plan, now)).await {
        Ok(outcome) => {
            state.sites.add(declared);
            let status = if outcome.created.is_empty() { StatusCode::OK } else { StatusCode::CREATED };
            (status, Json(outcome)).into_response()
        }
        Err(site::Error::Conflict(message)) => problem(StatusCode::CONFLICT, &message, vec![]),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), vec![]),
    }
}

fn problem(status: StatusCode, error: &str, problems: Vec<String>) -> Response {
    (status, Json(json!({ "error": error, "problems": problems }))).into_response()
}
