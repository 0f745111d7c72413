//! What every response shares: SharePoint's correlation headers and one log line per request.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

/// The request's correlation id, sent back as `SPRequestGuid` and `request-id`. Later stages
/// use it as the `CorrelationId` of events the request causes (e.g. JobQueued).
#[derive(Clone, Copy, Debug)]
pub struct RequestId(pub Uuid);

const SHAREPOINT_BUILD: &str = "16.0.0.26712";

pub async fn sharepoint_headers(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let client_request_id = request.headers().get("client-request-id").cloned();
    let id = Uuid::new_v4();
    request.extensions_mut().insert(RequestId(id));

    let mut response = next.run(request).await;

    let headers = response.headers_mut();
    let id_value = HeaderValue::from_str(&id.to_string()).expect("a GUID is a valid header value");
    headers.insert(HeaderName::from_static("sprequestguid"), id_value.clone());
    headers.insert(HeaderName::from_static("request-id"), id_value);
    headers.insert(HeaderName::from_static("x-sharepointhealthscore"), HeaderValue::from_static("0"));
    headers
        .insert(HeaderName::from_static("microsoftsharepointteamservices"), HeaderValue::from_static(SHAREPOINT_BUILD));
    headers.insert(HeaderName::from_static("dataserviceversion"), HeaderValue::from_static("3.0"));
    if let Some(value) = client_request_id {
        headers.insert(HeaderName::from_static("client-request-id"), value);
    }

    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        ms = format_args!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    response
}
