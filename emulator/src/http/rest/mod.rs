//! SharePoint's REST service under any web URL: `{web}/_api/…`.
//!
//! One handler serves every path that is not the emulator's own: it splits the URL at the
//! `_api` segment (any letter case), finds the web the prefix names, parses the rest as an
//! OData path, and walks it through the site model.

mod collection;
mod contextinfo;
pub mod entities;
mod migration;
mod resolve;
mod security;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::AppState;
use super::auth::{self, Permission};
use super::error::SpError;
use super::middleware::RequestId;
use super::odata::path::{self, Segment};
use super::odata::query::QueryOptions;
use super::odata::{self, Format, Renderer};
use crate::jobs::rules::CallerKind;
use crate::jobs::{Pressure, RateLimit};
use crate::site::Db;
use entities::{Key, Target};
use resolve::{Outcome, Resource};

/// The fallback handler: everything outside `/_emulator/`.
pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let format = Format::from_accept(request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let mut near_limit = None;
    let mut response = match serve(&state, request, format, &mut near_limit).await {
        Ok(Served::Json(body)) => json_response(StatusCode::OK, format, &body),
        Ok(Served::Content { sha256, size }) => content_response(&state, &sha256, size).await,
        Ok(Served::Throttled { status, retry_after }) => throttled_response(status, retry_after),
        Err(error) => error_response(format, &error),
    };
    if let Some(RateLimit { limit, remaining, reset }) = near_limit {
        let headers = response.headers_mut();
        for (name, value) in
            [("ratelimit-limit", limit), ("ratelimit-remaining", remaining), ("ratelimit-reset", reset)]
        {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    response
}

/// A successful answer: JSON in the negotiated format, or a file body.
enum Served {
    Json(Value),
    Content {
        sha256: String,
        size: i64,
    },
    /// A `throttle` rule answered instead (behaviour 167).
    Throttled {
        status: u16,
        retry_after: u64,
    },
}

/// Serves one call; `near_limit` receives the `RateLimit-*` values a `near_limit` rule adds.
async fn serve(
    state: &AppState,
    request: Request,
    format: Format,
    near_limit: &mut Option<RateLimit>,
) -> Result<Served, SpError> {
    let caller = auth::check(request.headers(), state.tokens.as_deref())?;

    let raw_path = request.uri().path().to_string();
    let Some((web_part, api_part)) = split_at_api(&raw_path) else {
        return Err(SpError::no_such_web());
    };
    let web_url = decode(web_part);
    let api_path = decode(api_part);
    let origin = origin(request.headers(), state);
    let method = request.method().clone();
    let options = QueryOptions::from_query(request.uri().query());
    let request_id = request.extensions().get::<RequestId>().map_or_else(uuid::Uuid::new_v4, |r| r.0);
    let segments = path::parse(&api_path).map_err(|_| SpError::invalid_expression(&api_path))?;

    let (site, web) = state.store.call(move |db| db.web_by_url(&web_url)).await?.ok_or_else(SpError::no_such_web)?;
    let target = Target { origin, site, web };

    let recognised = migration::recognise(&segments);
    let method_name = recognised.map(|(signature, _)| signature.name);
    let kind = if caller.delegated { CallerKind::Delegated } else { CallerKind::App };
    match state.jobs.pressure(&target.site.url, target.web.id, method_name, kind) {
        Pressure::None => {}
        Pressure::Throttled { status, retry_after } => return Ok(Served::Throttled { status, retry_after }),
        Pressure::NearLimit(rate_limit) => *near_limit = Some(rate_limit),
    }

    if let Some((signature, call)) = recognised {
        caller.require(signature.permission)?;
        let body = axum::body::to_bytes(request.into_body(), MAX_BODY)
            .await
            .map_err(|e| SpError::invalid_body(&e.to_string()))?;
        let reply = migration::call(state, &target, &method, signature, call, &body, request_id).await?;
        let api_base = target.api_base();
        let no_expansion = |_: &odata::Entity<Key>, nav: &str| Err(SpError::not_implemented(nav));
        return Renderer { format, api_base: &api_base, options: &options, expand: &no_expansion }
            .render(reply)
            .map(Served::Json);
    }

    caller.require(Permission::Read)?;
    state
        .store
        .call(move |db| {
            let reply = match dispatch(db, &target, &method, &segments, &options)? {
                Outcome::Reply(reply) => reply,
                Outcome::Content { sha256, size } => return Ok(Served::Content { sha256, size }),
            };
            let api_base = target.api_base();
            let expand = |entity: &odata::Entity<Key>, nav: &str| resolve::expand(db, &target, entity, nav);
            Renderer { format, api_base: &api_base, options: &options, expand: &expand }.render(reply).map(Served::Json)
        })
        .await
}

/// Largest request body accepted (SharePoint's REST bodies are small JSON documents).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Maps a parsed path to what it names.
fn dispatch(
    db: &Db,
    target: &Target,
    method: &Method,
    segments: &[Segment],
    options: &QueryOptions,
) -> Result<Outcome, SpError> {
    let Some((first, rest)) = segments.split_first() else {
        return Err(SpError::not_implemented("the /_api service document"));
    };
    if first.is("contextinfo") && rest.is_empty() {
        if method != Method::POST {
            return Err(SpError::wrong_method(method.as_str(), "GetContextWebInformation"));
        }
        return Ok(Outcome::Reply(contextinfo::reply(target)));
    }

    let mut resource = if first.is("site") && first.args.is_none() {
        Resource::Site(target.site.clone())
    } else if first.is("web") && first.args.is_none() {
        Resource::Web(target.web.clone())
    } else {
        return Err(SpError::resource_not_found(&first.name));
    };
    for segment in rest {
        resource = resolve::step(db, target, resource, segment)?;
    }
    if method != Method::GET && method != Method::HEAD {
        let last = segments.last().map_or("", |s| s.name.as_str());
        return Err(SpError::wrong_method(method.as_str(), last));
    }
    resolve::outcome(db, target, resource, options)
}

/// A file body from the content store, streamed.
async fn content_response(state: &AppState, sha256: &str, size: i64) -> Response {
    let path = state.store.content().path_of(sha256);
    match tokio::fs::File::open(&path).await {
        Ok(file) => {
            let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size.max(0) as u64));
            response
        }
        Err(e) => error_response(Format::Minimal, &SpError::internal(format!("content {sha256} is unreadable: {e}"))),
    }
}

/// Splits `/sites/dev/_api/web` into (`/sites/dev`, `web`). The web part of `/_api/web` is `/`.
fn split_at_api(path: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for segment in path.split('/') {
        if segment.eq_ignore_ascii_case("_api") {
            let web = path[..offset].trim_end_matches('/');
            let rest = &path[offset + segment.len()..];
            return Some((if web.is_empty() { "/" } else { web }, rest));
        }
        offset += segment.len() + 1;
    }
    None
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// `scheme://host[:port]` as the client addressed us, for absolute URLs in responses.
fn origin(headers: &HeaderMap, state: &AppState) -> String {
    let scheme =
        headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).filter(|v| *v == "https").unwrap_or("http");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| state.public_host.clone());
    format!("{scheme}://{host}")
}

pub fn json_response(status: StatusCode, format: Format, body: &Value) -> Response {
    let mut response = (status, Body::from(body.to_string())).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    response
}

/// SharePoint's throttling answer: the status, `Retry-After` in seconds, and an empty JSON
/// object (api.md §12; the body is not documented).
fn throttled_response(status: u16, retry_after: u64) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    let mut response = (status, Body::from("{}")).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

pub fn error_response(format: Format, error: &SpError) -> Response {
    let mut response = json_response(error.status, format, &odata::error_body(format, error));
    if error.status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, auth::challenge());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Answers a GET on the default site of a store, as `serve` would, without HTTP; a file
    /// body comes back as its hash and size.
    fn read(store: &crate::site::Store, path: &str, query: &str, format: Format) -> Result<Value, SpError> {
        store.blocking(|db| {
            let (site, web) = db.web_by_url("/sites/dev")?.expect("the default site");
            let target = Target { origin: "http://h".into(), site, web };
            let segments = path::parse(path).expect("a valid path");
            let options = QueryOptions::from_query(Some(query));
            match dispatch(db, &target, &Method::GET, &segments, &options)? {
                Outcome::Reply(reply) => {
                    let api_base = target.api_base();
                    let expand = |e: &odata::Entity<Key>, nav: &str| resolve::expand(db, &target, e, nav);
                    Renderer { format, api_base: &api_base, options: &options, expand: &expand }.render(reply)
                }
                Outcome::Content { sha256, size } => Ok(json!({ "sha256": sha256, "size": size })),
            }
        })
    }

    #[test]
    fn item_versions_newest_first_with_the_fields_of_each() {
        let (store, _) = crate::site::items::tests::store_with_items();
        let items = "web/lists/getbytitle('Documents')/items(1)";
        let versions = read(&store, &format!("{items}/Versions"), "", Format::NoMetadata).unwrap();
        let versions = versions["value"].as_array().unwrap();
        let labels: Vec<_> = versions.iter().map(|v| (v["VersionId"].clone(), v["VersionLabel"].clone())).collect();
        assert_eq!(labels, [(json!(1024), json!("2.0")), (json!(512), json!("1.0"))]);
        assert_eq!(
            (versions[0]["IsCurrentVersion"].as_bool(), versions[0]["Title"].as_str()),
            (Some(true), Some("item 1"))
        );
        let old = &versions[1];
        assert_eq!((old["IsCurrentVersion"].as_bool(), old["Title"].as_str()), (Some(false), Some("first")));
        assert_eq!((old["Count"].as_str(), old["Created"].as_str()), (Some("3"), Some("2024-02-01T10:00:00Z")));
        assert_eq!(old["Editor"], json!({ "LookupId": 1073741823, "LookupValue": "System Account", "Email": "" }));

        for path in [format!("{items}/Versions(512)"), format!("{items}/versions/GetById(512)")] {
            let version = read(&store, &path, "", Format::Verbose).unwrap();
            assert_eq!(version["d"]["__metadata"]["type"], "SP.ListItemVersion", "{path}");
            assert_eq!(version["d"]["Title"], "first", "{path}");
        }
        let creator = read(&store, &format!("{items}/Versions(512)/CreatedBy"), "", Format::NoMetadata).unwrap();
        assert_eq!(creator["LoginName"], "SHAREPOINT\\system");
        let missing = read(&store, &format!("{items}/Versions(1536)"), "", Format::NoMetadata).unwrap_err();
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let filtered =
            read(&store, &format!("{items}/Versions"), "$filter=IsCurrentVersion eq false", Format::NoMetadata);
        assert_eq!(filtered.unwrap()["value"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn attachments_are_listed_and_served() {
        let (store, _) = crate::site::items::tests::store_with_items();
        let items = "web/lists/getbytitle('Documents')/items";
        let files = read(&store, &format!("{items}(1)/AttachmentFiles"), "", Format::Verbose).unwrap();
        let files = files["d"]["results"].as_array().unwrap();
        assert_eq!(files.iter().map(|f| f["FileName"].as_str().unwrap()).collect::<Vec<_>>(), ["A.txt", "b.txt"]);
        assert_eq!(files[0]["ServerRelativeUrl"], "/sites/dev/Shared Documents/Attachments/1/A.txt");
        assert_eq!(files[0]["__metadata"]["type"], "SP.Attachment");
        for path in [
            format!("{items}(1)/AttachmentFiles('a.txt')/$value"),
            format!("{items}(1)/AttachmentFiles/GetByFileName('B.TXT')/$value"),
        ] {
            assert_eq!(
                read(&store, &path, "", Format::Minimal).unwrap(),
                json!({ "sha256": "abc", "size": 5 }),
                "{path}"
            );
        }
        let missing = read(&store, &format!("{items}(1)/AttachmentFiles('c.txt')"), "", Format::Minimal).unwrap_err();
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        let all = read(&store, items, "$select=Id,Attachments", Format::NoMetadata).unwrap();
        let flags: Vec<_> = all["value"].as_array().unwrap().iter().map(|i| i["Attachments"].clone()).collect();
        assert_eq!(flags, [json!(true), json!(false), json!(false)]);
        let expanded =
            read(&store, &format!("{items}(1)"), "$expand=AttachmentFiles,Versions", Format::NoMetadata).unwrap();
        assert_eq!(expanded["AttachmentFiles"].as_array().unwrap().len(), 2);
        assert_eq!(expanded["Versions"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn b125_item_fields_by_odata_name_and_moderation_status() {
        let (store, _) = crate::site::items::tests::store_with_items();
        let item = read(&store, "web/lists/getbytitle('Documents')/items(2)", "", Format::NoMetadata).unwrap();
        assert_eq!((item["Title"].as_str(), item.get("My_x0020_Field")), (Some("item 2"), Some(&Value::Null)));
        assert!(item.get("OData__ModerationStatus").is_none(), "not in the default set without content approval");
        let selected = read(
            &store,
            "web/lists/getbytitle('Documents')/items(2)",
            "$select=OData__ModerationStatus,OData__ModerationComments",
            Format::NoMetadata,
        );
        assert_eq!(selected.unwrap(), json!({ "OData__ModerationStatus": 2, "OData__ModerationComments": null }));
    }

    #[test]
    fn splits_at_the_api_segment_in_any_case() {
        assert_eq!(split_at_api("/sites/dev/_api/web"), Some(("/sites/dev", "/web")));
        assert_eq!(split_at_api("/sites/dev/_API/Web/lists"), Some(("/sites/dev", "/Web/lists")));
        assert_eq!(split_at_api("/_api/web"), Some(("/", "/web")));
        assert_eq!(split_at_api("/sites/dev/_api"), Some(("/sites/dev", "")));
        assert_eq!(split_at_api("/sites/dev/x_api/web"), None);
        assert_eq!(split_at_api("/sites/dev/Shared Documents/a.txt"), None);
    }
}
