//! The runner as a migration tool talks to the emulator: SharePoint REST calls (recorded, and
//! retried after 429/503 as a well-behaved tool does), and the emulator's own control API.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::storage::StorageAccount;
use crate::storage::admin::AccountAdmin;

/// One public API call the runner made.
#[derive(Clone, Debug)]
pub struct Call {
    pub endpoint: String,
    pub status: u16,
    pub retry_after: Option<String>,
    /// Every response header, by lower-case name.
    pub headers: BTreeMap<String, String>,
}

/// An answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// An emulator and the storage account its jobs use.
pub struct Endpoint {
    /// `http://host:port`, no trailing slash.
    pub url: String,
    pub http: reqwest::Client,
    pub tool: AccountAdmin,
}

fn headers_of(response: &reqwest::Response) -> BTreeMap<String, String> {
    response
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_ascii_lowercase(), value.to_str().ok()?.to_string())))
        .collect()
}

/// How often a throttled call is tried again before the runner gives up.
const RETRIES: usize = 20;

impl Endpoint {
    pub fn new(url: &str, account: StorageAccount) -> Result<Endpoint, String> {
        let tool = AccountAdmin::new(&account).map_err(|e| e.to_string())?;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().map_err(|e| e.to_string())?;
        Ok(Endpoint { url: url.trim_end_matches('/').to_string(), http, tool })
    }

    /// A call to the emulator's control API (`/_emulator/…`).
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Result<Answer, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        Ok(Answer { status, body })
    }

    /// Moves the emulator's clock on, running what falls due.
    pub async fn advance(&self, seconds: f64) -> Result<(), String> {
        let answer =
            self.control(Method::POST, "/_emulator/clock/advance", Some(json!({ "seconds": seconds }))).await?;
        match answer.status {
            200 => Ok(()),
            status => Err(format!("advancing the clock answered {status}: {}", answer.body)),
        }
    }
}

/// The token the runner sends unless a scenario says otherwise; with `[emulator] tokens` it
/// is listed with full control.
pub const RUNNER_TOKEN: &str = "scenario-runner";

/// The public calls of one scenario, recorded for `[[expect.call]]`, made with the scenario's
/// token.
#[derive(Default)]
pub struct Recorder {
    calls: Mutex<Vec<Call>>,
    /// `[submit] token`, for the calls a tool makes; the runner's own token when `None`.
    pub token: Option<String>,
}

impl Recorder {
    pub fn with_token(token: Option<String>) -> Recorder {
        Recorder { calls: Mutex::default(), token }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// POSTs a SharePoint REST method of the site (`/_api/site/<method>`), JSON light, with
    /// a bearer token. A 429 or 503 is waited out in emulator time and tried again.
    pub async fn site_method(
        &self,
        endpoint: &Endpoint,
        site: &str,
        method: &str,
        body: Value,
    ) -> Result<Answer, String> {
        let url = format!("{}{site}/_api/site/{method}", endpoint.url);
        for _ in 0..RETRIES {
            let response = endpoint
                .http
                .post(&url)
                .bearer_auth(self.token.as_deref().unwrap_or(RUNNER_TOKEN))
                .header("accept", "application/json;odata=nometadata")
                .json(&body)
                .send()
                .await
                .map_err(|e| format!("{method}: {e}"))?;
            let status = response.status().as_u16();
            let headers = headers_of(&response);
            let retry_after = headers.get("retry-after").cloned();
            self.calls.lock().unwrap_or_else(|p| p.into_inner()).push(Call {
                endpoint: method.to_string(),
                status,
                retry_after: retry_after.clone(),
                headers,
            });
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            if status == 429 || status == 503 {
                let wait = retry_after.as_deref().and_then(|s| s.trim().parse::<f64>().ok()).unwrap_or(10.0);
                endpoint.advance(wait).await?;
                continue;
            }
            return Ok(Answer { status, body });
        }
        Err(format!("{method} was still throttled after {RETRIES} tries"))
    }

    /// Any call of the site's REST API in the given format, with its status, headers and
    /// body; not recorded.
    pub async fn request(
        &self,
        endpoint: &Endpoint,
        site: &str,
        (method, path, format): (&str, &str, &str),
        body: Option<String>,
        token: Option<&str>,
    ) -> Result<(u16, BTreeMap<String, String>, Value), String> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| format!("'{method}' is not an HTTP method"))?;
        let accept = match format {
            "verbose" => "application/json;odata=verbose",
            "minimal" => "application/json;odata=minimalmetadata",
            _ => "application/json;odata=nometadata",
        };
        let mut request = endpoint
            .http
            .request(method, format!("{}{site}/_api/{path}", endpoint.url))
            .bearer_auth(token.unwrap_or(RUNNER_TOKEN))
            .header("accept", accept);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = response.status().as_u16();
        let headers = headers_of(&response);
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, headers, body))
    }

    /// A GET of the site's REST API, JSON without metadata; not recorded (read-back only).
    pub async fn read(&self, endpoint: &Endpoint, site: &str, path: &str) -> Result<(u16, Vec<u8>), String> {
        let response = endpoint
            .http
            .get(format!("{}{site}/_api/{path}", endpoint.url))
            .bearer_auth(RUNNER_TOKEN)
            .header("accept", "application/json;odata=nometadata")
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| format!("GET {path}: {e}"))?;
        Ok((status, bytes.to_vec()))
    }
}
