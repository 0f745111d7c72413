//! Shared helpers of the integration tests: an emulator on a free port, over real HTTP.
#![allow(dead_code)]

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use spmig::config::Settings;
use spmig::server::Emulator;

pub const VERBOSE: &str = "application/json;odata=verbose";
pub const MINIMAL: &str = "application/json;odata=minimalmetadata";
pub const NOMETADATA: &str = "application/json;odata=nometadata";
pub const FORMATS: [&str; 3] = [VERBOSE, MINIMAL, NOMETADATA];

pub struct TestEmulator {
    pub emulator: Emulator,
    pub client: reqwest::Client,
}

/// Settings for a private, in-memory emulator on a free loopback port.
pub fn settings() -> Settings {
    let mut settings = Settings::defaults();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.in_memory = true;
    settings
}

pub async fn start() -> TestEmulator {
    start_with(settings()).await
}

pub async fn start_with(settings: Settings) -> TestEmulator {
    let emulator = Emulator::start(&settings).await.expect("emulator starts");
    TestEmulator { emulator, client: reqwest::Client::new() }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

impl TestEmulator {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.url)
    }

    /// A request with a bearer token and the given `Accept`.
    pub async fn call(&self, method: Method, path: &str, accept: &str) -> Answer {
        self.send(
            self.client
                .request(method, self.url(path))
                .header(AUTHORIZATION, "Bearer test-token")
                .header(ACCEPT, accept),
        )
        .await
    }

    pub async fn get(&self, path: &str, accept: &str) -> Answer {
        self.call(Method::GET, path, accept).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the emulator answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text));
        Answer { status, headers, body }
    }

    pub async fn stop(self) {
        self.emulator.stop().await.unwrap();
    }
}

/// The members of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

/// The entity (or object) inside a response body, whatever the format.
pub fn payload(format: &str, body: &Value) -> Value {
    if format == VERBOSE { body["d"].clone() } else { body.clone() }
}

/// The SharePoint error of a body: (code, message) from `error` or `odata.error`.
pub fn sp_error(body: &Value) -> (String, String) {
    let error = if body.get("error").is_some() { &body["error"] } else { &body["odata.error"] };
    (error["code"].as_str().unwrap_or_default().into(), error["message"]["value"].as_str().unwrap_or_default().into())
}

/// An event time (`MM/dd/yyyy HH:mm:ss.fff`, UTC) in seconds since the epoch.
pub fn event_seconds(event_time: &str) -> i64 {
    let format =
        time::macros::format_description!("[month]/[day]/[year] [hour]:[minute]:[second].[subsecond digits:3]");
    time::PrimitiveDateTime::parse(event_time, &format).unwrap().assume_utc().unix_timestamp()
}

pub mod corpus;
pub mod jobs;
