//! SharePoint REST discovery endpoints over real HTTP, in all three OData formats, with the
//! SharePoint error bodies (behaviours 165, 166, 170).

mod support;

use reqwest::Method;
use reqwest::StatusCode;
use serde_json::Value;
use support::*;

#[tokio::test]
async fn b165_every_discovery_endpoint_answers_in_each_format() {
    let t = start().await;
    let site = &t.emulator.default_site;
    let docs = site.lists.iter().find(|l| l.title == "Documents").unwrap();
    let endpoints: Vec<(Method, String, &str, String)> = vec![
        (Method::GET, "/sites/dev/_api/web".into(), "SP.Web", site.root_web_id.to_string()),
        (Method::GET, "/sites/dev/_api/site".into(), "SP.Site", site.id.to_string()),
        (Method::GET, "/sites/dev/_api/web/lists/getbytitle('Documents')".into(), "SP.List", docs.id.to_string()),
        (Method::GET, format!("/sites/dev/_api/web/lists(guid'{}')", docs.id), "SP.List", docs.id.to_string()),
        (
            Method::GET,
            "/sites/dev/_api/web/lists/getbytitle('Documents')/RootFolder".into(),
            "SP.Folder",
            docs.root_folder_id.to_string(),
        ),
    ];
    for accept in FORMATS {
        for (method, path, type_name, id) in &endpoints {
            let a = t.call(method.clone(), path, accept).await;
            assert_eq!(a.status, StatusCode::OK, "{path} {accept}: {}", a.body);
            let format = accept.split('=').nth(1).unwrap();
            assert!(a.content_type().contains(&format!("odata={format}")), "{path}: {}", a.content_type());
            let entity = payload(accept, &a.body);
            let id_field = if *type_name == "SP.Folder" { "UniqueId" } else { "Id" };
            assert_eq!(entity[id_field], id.as_str(), "{path} {accept}");
            match accept {
                VERBOSE => {
                    assert_eq!(entity["__metadata"]["type"], *type_name);
                    assert_eq!(keys(&entity)[0], "__metadata");
                }
                MINIMAL => {
                    assert_eq!(entity["odata.type"], *type_name);
                    assert!(
                        entity["odata.metadata"].as_str().unwrap().starts_with(&t.url("/sites/dev/_api/$metadata#"))
                    );
                }
                _ => assert!(keys(&entity).iter().all(|k| !k.starts_with("odata.") && !k.starts_with("__")), "{path}"),
            }
        }
    }
}

#[tokio::test]
async fn b165_lists_collection_envelopes() {
    let t = start().await;
    let verbose = t.get("/sites/dev/_api/web/lists", VERBOSE).await;
    let results = verbose.body["d"]["results"].as_array().unwrap();
    let titles: Vec<&str> = results.iter().map(|l| l["Title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Documents", "Maintenance Logs"]);
    assert!(results[0]["RootFolder"]["__deferred"]["uri"].as_str().unwrap().ends_with("/RootFolder"));
    let logs = &results[1];
    assert_eq!((logs["BaseTemplate"].as_i64(), logs["Hidden"].as_bool()), (Some(175), Some(true)));

    let minimal = t.get("/sites/dev/_api/web/lists", MINIMAL).await;
    assert_eq!(minimal.body["odata.metadata"], t.url("/sites/dev/_api/$metadata#SP.ApiData.Lists"));
    assert_eq!(minimal.body["value"].as_array().unwrap().len(), 2);
    assert_eq!(minimal.body["value"][0]["odata.etag"], "\"1\"");

    let bare = t.get("/sites/dev/_api/web/lists", NOMETADATA).await;
    assert_eq!(keys(&bare.body), ["value"]);
    assert_eq!(bare.body["value"][0]["EntityTypeName"], "Shared_x0020_Documents");
    assert_eq!(bare.body["value"][0]["ListItemEntityTypeFullName"], "SP.Data.Shared_x0020_DocumentsItem");
}

#[tokio::test]
async fn web_and_site_describe_the_default_site() {
    let t = start().await;
    let web = t.get("/sites/dev/_api/web", NOMETADATA).await.body;
    assert_eq!(web["Title"], "Dev");
    assert_eq!(web["ServerRelativeUrl"], "/sites/dev");
    assert_eq!(web["Url"], t.url("/sites/dev"));
    assert_eq!(web["WebTemplate"], "STS");
    assert_eq!(web["Configuration"], 3);
    let site = t.get("/sites/dev/_api/site", NOMETADATA).await.body;
    assert_eq!(site["ServerRelativeUrl"], "/sites/dev");
    assert_eq!(site["Url"], t.url("/sites/dev"));
    let root = t.get("/sites/dev/_api/site/rootweb", NOMETADATA).await.body;
    assert_eq!(root["Id"], web["Id"]);
    // The root web has no parent: a null entity, as SharePoint answers.
    assert_eq!(
        t.get("/sites/dev/_api/web/parentweb", NOMETADATA).await.body,
        serde_json::json!({ "odata.null": true })
    );
    assert_eq!(t.get("/sites/dev/_api/web/parentweb", VERBOSE).await.body, serde_json::json!({ "d": null }));
}

#[tokio::test]
async fn b165_contextinfo_in_each_format() {
    let t = start().await;
    let verbose = t.call(Method::POST, "/sites/dev/_api/contextinfo", VERBOSE).await;
    assert_eq!(verbose.status, StatusCode::OK);
    let info = &verbose.body["d"]["GetContextWebInformation"];
    assert_eq!(info["__metadata"]["type"], "SP.ContextWebInformation");
    assert_eq!(info["FormDigestTimeoutSeconds"], 1800);
    assert_eq!(info["SupportedSchemaVersions"]["results"], serde_json::json!(["14.0.0.0", "15.0.0.0"]));
    assert_eq!(info["WebFullUrl"], t.url("/sites/dev"));
    let digest = info["FormDigestValue"].as_str().unwrap();
    assert!(digest.starts_with("0x") && digest.ends_with(" -0000"), "{digest}");

    let minimal = t.call(Method::POST, "/sites/dev/_api/contextinfo", MINIMAL).await.body;
    assert_eq!(minimal["odata.metadata"], t.url("/sites/dev/_api/$metadata#SP.ContextWebInformation"));
    assert_eq!(minimal["SiteFullUrl"], t.url("/sites/dev"));
    let bare = t.call(Method::POST, "/sites/dev/_api/contextInfo", NOMETADATA).await.body;
    assert_eq!(bare["SupportedSchemaVersions"], serde_json::json!(["14.0.0.0", "15.0.0.0"]));
    assert!(bare.get("odata.metadata").is_none());

    let wrong = t.get("/sites/dev/_api/contextinfo", VERBOSE).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(sp_error(&wrong.body).1.starts_with("The HTTP method 'GET' cannot be used"));
}

#[tokio::test]
async fn select_limits_properties_in_each_format() {
    let t = start().await;
    let verbose = t.get("/sites/dev/_api/web?$select=Id,Title", VERBOSE).await.body;
    assert_eq!(keys(&verbose["d"]), ["__metadata", "Id", "Title"]);
    let minimal = t.get("/sites/dev/_api/web?$select=Id,ServerRelativeUrl", MINIMAL).await.body;
    assert_eq!(
        keys(&minimal),
        ["odata.metadata", "odata.type", "odata.id", "odata.editLink", "Id", "ServerRelativeUrl"]
    );
    assert!(
        minimal["odata.metadata"].as_str().unwrap().ends_with("#SP.ApiData.Webs/@Element&$select=Id,ServerRelativeUrl")
    );
    let bare = t.get("/sites/dev/_api/site?$select=id,serverrelativeurl", NOMETADATA).await.body;
    assert_eq!(keys(&bare), ["Id", "ServerRelativeUrl"]);
    // Properties outside the default set come back only when selected.
    let web = t.get("/sites/dev/_api/web", NOMETADATA).await.body;
    assert!(web.get("WebTemplateConfiguration").is_none());
    let selected = t.get("/sites/dev/_api/web?$select=WebTemplateConfiguration", NOMETADATA).await.body;
    assert_eq!(selected["WebTemplateConfiguration"], "STS#3");
}

#[tokio::test]
async fn select_with_expand_of_root_folder() {
    let t = start().await;
    let path = "/sites/dev/_api/web/lists/getbytitle('Documents')?$select=Id,RootFolder/UniqueId,RootFolder/ServerRelativeUrl&$expand=RootFolder";
    let verbose = t.get(path, VERBOSE).await.body;
    assert_eq!(keys(&verbose["d"]), ["__metadata", "RootFolder", "Id"]);
    let folder = &verbose["d"]["RootFolder"];
    assert_eq!(keys(folder), ["__metadata", "ServerRelativeUrl", "UniqueId"]);
    assert_eq!(folder["ServerRelativeUrl"], "/sites/dev/Shared Documents");
    assert!(folder["__metadata"]["uri"].as_str().unwrap().ends_with("')/RootFolder"));

    let bare = t.get(path, NOMETADATA).await.body;
    assert_eq!(bare["RootFolder"]["ServerRelativeUrl"], "/sites/dev/Shared Documents");
    let lists = t.get("/sites/dev/_api/web?$select=Title,Lists/Title&$expand=Lists", VERBOSE).await.body;
    assert_eq!(lists["d"]["Lists"]["results"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_select_or_expand_property_is_rejected() {
    let t = start().await;
    for accept in FORMATS {
        let a = t.get("/sites/dev/_api/web?$select=Nope", accept).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        let (code, message) = sp_error(&a.body);
        assert_eq!(code, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException");
        assert_eq!(
            message,
            "The property 'Nope' does not exist on type 'SP.Web'. Make sure to only use property names that are defined by the type."
        );
    }
    let a = t.get("/sites/dev/_api/web?$expand=Title", VERBOSE).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn paths_and_titles_are_case_insensitive() {
    let t = start().await;
    let docs = t.emulator.default_site.lists.iter().find(|l| l.title == "Documents").unwrap().clone();
    let upper = docs.id.to_string().to_uppercase();
    for path in [
        "/SITES/DEV/_API/WEB/LISTS/GETBYTITLE('documents')".to_string(),
        "/sites/Dev/_Api/Web/Lists/GetByTitle('DOCUMENTS')".to_string(),
        format!("/sites/dev/_api/Web/lists(guid'{upper}')"),
        format!("/sites/dev/_api/Web/lists('{}')", docs.id),
        format!("/sites/dev/_api/Web/Lists/GetById('{}')", docs.id),
    ] {
        let a = t.get(&path, NOMETADATA).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        assert_eq!(a.body["Id"], docs.id.to_string(), "{path}");
    }
    let logs = t.get("/sites/dev/_api/web/lists/getbytitle('Maintenance%20Logs')/rootFOLDER", NOMETADATA).await;
    assert_eq!(logs.body["ServerRelativeUrl"], "/sites/dev/_catalogs/Maintenance Logs");
    assert_eq!(logs.body["Name"], "Maintenance Logs");
}

#[tokio::test]
async fn a_single_property_can_be_read() {
    let t = start().await;
    let verbose = t.get("/sites/dev/_api/web/title", VERBOSE).await.body;
    assert_eq!(verbose, serde_json::json!({ "d": { "Title": "Dev" } }));
    let minimal = t.get("/sites/dev/_api/web/Id", MINIMAL).await.body;
    assert_eq!(minimal["odata.metadata"], t.url("/sites/dev/_api/$metadata#Edm.Guid"));
    assert_eq!(minimal["value"], t.emulator.default_site.root_web_id.to_string());
}

#[tokio::test]
async fn b166_not_found_errors_have_sharepoint_bodies() {
    let t = start().await;
    let cases: [(&str, StatusCode, &str, &str); 4] = [
        (
            "/sites/dev/_api/web/lists/getbytitle('Nope')",
            StatusCode::NOT_FOUND,
            "-1, System.ArgumentException",
            "List 'Nope' does not exist at site with URL '{origin}/sites/dev'.",
        ),
        (
            "/sites/dev/_api/web/lists(guid'00000000-0000-0000-0000-000000000001')",
            StatusCode::NOT_FOUND,
            "-2130575322, Microsoft.SharePoint.SPException",
            "List does not exist.\n\nThe page you selected contains a list that does not exist.  It may have been deleted by another user.",
        ),
        (
            "/sites/nope/_api/web",
            StatusCode::NOT_FOUND,
            "-2147024894, System.IO.FileNotFoundException",
            "File Not Found.",
        ),
        (
            "/sites/dev/_api/web/frobnicate",
            StatusCode::NOT_FOUND,
            "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
            "Cannot find resource for the request frobnicate.",
        ),
    ];
    for (path, status, code, message) in cases {
        let message = message.replace("{origin}", &t.emulator.url);
        let verbose = t.get(path, VERBOSE).await;
        assert_eq!(verbose.status, status, "{path}");
        assert_eq!(keys(&verbose.body), ["error"], "{path}");
        assert_eq!(sp_error(&verbose.body), (code.to_string(), message.clone()), "{path}");
        assert_eq!(verbose.body["error"]["message"]["lang"], "en-US");
        for accept in [MINIMAL, NOMETADATA] {
            let light = t.get(path, accept).await;
            assert_eq!(light.status, status);
            assert_eq!(keys(&light.body), ["odata.error"], "{path}");
            assert_eq!(sp_error(&light.body), (code.to_string(), message.clone()));
        }
    }
}

#[tokio::test]
async fn b166_malformed_paths_are_bad_requests() {
    let t = start().await;
    let a = t.get("/sites/dev/_api/web/lists(guid'nope')", VERBOSE).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(sp_error(&a.body).0, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException");
    let a = t.get("/sites/dev/_api/web/lists/getbytitle('unterminated", VERBOSE).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(sp_error(&a.body).1.starts_with("The expression \""));
}

#[tokio::test]
async fn unauthenticated_requests_get_401_with_a_bearer_challenge() {
    let t = start().await;
    let no_token = t.send(t.client.get(t.url("/sites/dev/_api/web")).header("accept", VERBOSE)).await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    let challenge = no_token.headers.get("www-authenticate").unwrap().to_str().unwrap();
    assert!(challenge.starts_with("Bearer realm=\""), "{challenge}");
    assert!(challenge.contains("client_id=\"00000003-0000-0ff1-ce00-000000000000\""));
    assert_eq!(sp_error(&no_token.body).0, "-2147024891, System.UnauthorizedAccessException");

    for header in ["Basic dXNlcjpwYXNz", "Bearer ", "Bearer"] {
        let a = t.send(t.client.get(t.url("/sites/dev/_api/web")).header("authorization", header)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{header}");
    }
    // The emulator's own API needs no token.
    let health = t.send(t.client.get(t.url("/_emulator/health"))).await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_file_restricts_accepted_tokens_with_403() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.txt");
    std::fs::write(&tokens, "# accepted\nci-token\n").unwrap();
    let mut settings = settings();
    settings.tokens = Some(tokens);
    let t = start_with(settings).await;
    let denied = t.get("/sites/dev/_api/web", VERBOSE).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        sp_error(&denied.body),
        (
            "-2147024891, System.UnauthorizedAccessException".into(),
            "Access denied. You do not have permission to perform this action or access this resource.".into()
        )
    );
    let allowed = t
        .send(
            t.client
                .get(t.url("/sites/dev/_api/web"))
                .header("authorization", "Bearer ci-token")
                .header("accept", VERBOSE),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK);
}

#[tokio::test]
async fn b170_oauth_callers_need_no_request_digest() {
    let t = start().await;
    // A POST with a bearer token and no X-RequestDigest header is served.
    let a = t.call(Method::POST, "/sites/dev/_api/contextinfo", NOMETADATA).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body["FormDigestValue"].is_string());
}

#[tokio::test]
async fn responses_carry_sharepoint_correlation_headers() {
    let t = start().await;
    let a = t
        .send(
            t.client
                .get(t.url("/sites/dev/_api/web"))
                .header("authorization", "Bearer x")
                .header("client-request-id", "abc-123"),
        )
        .await;
    let header = |name: &str| a.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let guid = header("sprequestguid").unwrap();
    assert!(uuid::Uuid::parse_str(&guid).is_ok());
    assert_eq!(header("request-id"), Some(guid));
    assert_eq!(header("client-request-id").as_deref(), Some("abc-123"));
    assert_eq!(header("x-sharepointhealthscore").as_deref(), Some("0"));
    // No Accept header: JSON light with minimal metadata.
    assert!(a.content_type().starts_with("application/json;odata=minimalmetadata"));
    let _: &Value = &a.body;
}
