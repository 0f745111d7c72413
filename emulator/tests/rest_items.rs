//! Reading imported list items, files and users back over REST, as a migration tool verifies
//! its work: field values, moderation status (behaviour 125), `$filter`, `$top` with
//! server-driven paging in every format (behaviour 165), and SharePoint's error bodies for
//! queries it refuses (behaviour 166).

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use spmig::isv::package::{FileSpec, ItemSpec, LibraryTarget, Package, PackageBuilder, Staging};
use support::jobs::*;
use support::*;

const ADA: &str = "i:0#.f|membership|ada@contoso.com";

/// Adds the generic list "Tasks" and a site user with an e-mail address to the default site,
/// and reads the list's ids back as a tool would.
async fn tasks_list(h: &Harness) -> LibraryTarget {
    let site = json!({
        "url": "/sites/dev",
        "list": [{ "title": "Tasks", "template": "GenericList" }],
        "user": [{ "login": "i:0#.f|membership|grace@contoso.com", "title": "Grace", "email": "grace@contoso.com" }],
    });
    let added = h.admin(reqwest::Method::POST, "/_emulator/sites", Some(site)).await;
    assert!(added.status.is_success(), "{}", added.body);
    let list = h.t.get("/sites/dev/_api/web/lists/getbytitle('Tasks')?$expand=RootFolder", NOMETADATA).await.body;
    let default_site = &h.t.emulator.default_site;
    LibraryTarget {
        web_id: default_site.root_web_id,
        web_url: default_site.url.clone(),
        list_id: list["Id"].as_str().unwrap().parse().unwrap(),
        root_folder_id: list["RootFolder"]["UniqueId"].as_str().unwrap().parse().unwrap(),
        library_url: list["RootFolder"]["ServerRelativeUrl"].as_str().unwrap().into(),
    }
}

/// Imports a package and asserts it went through without errors.
async fn import(h: &Harness, package: &Package) {
    let staged = h.stage(package, &Staging::default(), true).await;
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    assert!(!events.iter().any(|e| e["Event"] == "JobError" || e["Event"] == "JobFatalError"), "{events:#?}");
}

/// Five tasks: ids 1–5, titles `Task 1`…, a `Due Date` field on odd ids, moderation statuses.
async fn five_tasks(h: &Harness) -> LibraryTarget {
    let target = tasks_list(h).await;
    let mut builder = PackageBuilder::new(target.clone());
    let ada = builder.user(ADA, "Ada");
    let statuses = ["Approved", "Pending", "Denied", "Draft", "Approved"];
    for id in 1..=5 {
        let mut fields = vec![("Title".to_string(), format!("Task {id}"))];
        if id % 2 == 1 {
            fields.push(("Due Date".into(), format!("2024-0{id}-01T00:00:00Z")));
        }
        builder.item(&ItemSpec {
            id,
            fields,
            author: Some(ada.clone()),
            moderation_status: Some(statuses[id as usize - 1].into()),
            version: Some("2.0".into()),
        });
    }
    import(h, &builder.build()).await;
    target
}

fn values(body: &Value, accept: &str) -> Vec<Value> {
    let list = if accept == VERBOSE { &body["d"]["results"] } else { &body["value"] };
    list.as_array().unwrap_or_else(|| panic!("a collection: {body}")).clone()
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["Id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn b125_list_items_read_back_with_fields_authors_and_moderation_status() {
    let h = Harness::start().await;
    let target = five_tasks(&h).await;

    let items = h.t.get("/sites/dev/_api/web/lists/getbytitle('Tasks')/items", NOMETADATA).await;
    assert_eq!(items.status, StatusCode::OK, "{}", items.body);
    let items = values(&items.body, NOMETADATA);
    assert_eq!(ids(&items), [1, 2, 3, 4, 5]);
    let first = &items[0];
    assert_eq!(
        keys(first),
        [
            "FileSystemObjectType",
            "Id",
            "ServerRedirectedEmbedUri",
            "ServerRedirectedEmbedUrl",
            "ContentTypeId",
            "Title",
            "Due_x0020_Date",
            "ID",
            "Modified",
            "Created",
            "AuthorId",
            "EditorId",
            "OData__UIVersionString",
            "Attachments",
            "GUID",
        ]
    );
    assert_eq!(
        (first["Title"].as_str(), first["Due_x0020_Date"].as_str()),
        (Some("Task 1"), Some("2024-01-01T00:00:00Z"))
    );
    assert_eq!(items[1]["Due_x0020_Date"], Value::Null, "every item has every field");
    assert_eq!(first["OData__UIVersionString"], "2.0");
    assert_eq!(first["ContentTypeId"], "0x01");
    let ada = first["AuthorId"].as_i64().unwrap();
    assert_eq!(first["EditorId"].as_i64(), Some(ada));

    // By id, through every addressing SharePoint offers, with the list's item type.
    for path in [
        "/sites/dev/_api/web/lists/getbytitle('Tasks')/items(3)".to_string(),
        "/sites/dev/_api/web/lists/getbytitle('Tasks')/GetItemById(3)".into(),
        format!("/sites/dev/_api/web/lists(guid'{}')/items(3)", target.list_id),
        "/sites/dev/_api/web/lists/getbytitle('Tasks')/items/GetById(3)".into(),
    ] {
        let item = h.t.get(&path, VERBOSE).await;
        assert_eq!(item.status, StatusCode::OK, "{path}: {}", item.body);
        assert_eq!(item.body["d"]["Title"], "Task 3", "{path}");
        assert_eq!(item.body["d"]["__metadata"]["type"], "SP.Data.TasksListItem");
        assert_eq!(item.body["d"]["__metadata"]["etag"], "\"2\"");
    }
    let minimal = h.t.get("/sites/dev/_api/web/lists/getbytitle('Tasks')/items", MINIMAL).await.body;
    assert_eq!(minimal["odata.metadata"], h.t.url("/sites/dev/_api/$metadata#SP.ListData.TasksListItems"));

    // Behaviour 125: the approval status of each item, selected by its OData name.
    let moderated =
        h.t.get("/sites/dev/_api/web/lists/getbytitle('Tasks')/items?$select=Id,OData__ModerationStatus", NOMETADATA)
            .await;
    let statuses: Vec<(i64, i64)> = values(&moderated.body, NOMETADATA)
        .iter()
        .map(|i| (i["Id"].as_i64().unwrap(), i["OData__ModerationStatus"].as_i64().unwrap()))
        .collect();
    assert_eq!(statuses, [(1, 0), (2, 2), (3, 1), (4, 3), (5, 0)]);
    let named =
        h.t.get("/sites/dev/_api/web/lists/getbytitle('Tasks')/items(2)?$select=FileLeafRef,FileRef", NOMETADATA).await;
    assert_eq!(named.body, json!({ "FileLeafRef": "2_.000", "FileRef": "/sites/dev/Lists/Tasks/2_.000" }));

    // Person fields expand to the user information list's item.
    let expanded = h
        .t
        .get("/sites/dev/_api/web/lists/getbytitle('Tasks')/items(1)?$select=Title,Author/Title,Author/Name&$expand=Author", VERBOSE)
        .await;
    assert_eq!(expanded.status, StatusCode::OK, "{}", expanded.body);
    let author = &expanded.body["d"]["Author"];
    assert_eq!((author["Title"].as_str(), author["Name"].as_str()), (Some("Ada"), Some(ADA)));
    assert_eq!(author["__metadata"]["type"], "SP.Data.UserInfoItem");
    assert_eq!(keys(&expanded.body["d"]), ["__metadata", "Title", "Author"]);

    let missing = h.t.get("/sites/dev/_api/web/lists/getbytitle('Tasks')/items(99)", VERBOSE).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(sp_error(&missing.body).1, "Item does not exist. It may have been deleted by another user.");
}

#[tokio::test]
async fn b165_item_pages_follow_next_links_in_each_format() {
    let h = Harness::start().await;
    five_tasks(&h).await;
    for accept in FORMATS {
        let mut url = h.t.url("/sites/dev/_api/web/lists/getbytitle('Tasks')/items?$top=2&$select=Id,Title");
        let mut pages = Vec::new();
        loop {
            let page =
                h.t.send(h.t.client.get(&url).header("authorization", "Bearer t").header("accept", accept)).await;
            assert_eq!(page.status, StatusCode::OK, "{url}: {}", page.body);
            let items = values(&page.body, accept);
            assert!(
                items.iter().all(|i| keys(i)
                    .iter()
                    .all(|k| ["Id", "ID", "Title", "__metadata"].contains(k) || k.starts_with("odata."))),
                "{}",
                page.body
            );
            pages.push(ids(&items));
            let next = match accept {
                VERBOSE => page.body["d"]["__next"].as_str(),
                _ => page.body["odata.nextLink"].as_str(),
            };
            match next {
                Some(next) => {
                    assert!(next.contains("%24skiptoken=Paged%3dTRUE%26p_ID%3d"), "{next}");
                    url = next.to_string();
                }
                None => break,
            }
        }
        assert_eq!(pages, [vec![1, 2], vec![3, 4], vec![5]], "{accept}");
    }
}

#[tokio::test]
async fn b166_filters_on_items_and_other_collections() {
    let h = Harness::start().await;
    let target = five_tasks(&h).await;
    let tasks = "/sites/dev/_api/web/lists/getbytitle('Tasks')/items";
    let guid = h.t.get(&format!("{tasks}(4)"), NOMETADATA).await.body["GUID"].as_str().unwrap().to_string();
    for (filter, expected) in [
        ("Title eq 'Task 2'", vec![2]),
        ("title eq 'TASK 2'", vec![2]),
        ("Id eq 3", vec![3]),
        ("ID ge 4", vec![4, 5]),
        (&format!("GUID eq guid'{guid}'"), vec![4]),
        ("Id gt 1 and Due_x0020_Date ne null", vec![3, 5]),
        ("Id eq 1 or Title eq 'Task 5'", vec![1, 5]),
        ("substringof('sk 3',Title)", vec![3]),
        ("startswith(Title,'Task')", vec![1, 2, 3, 4, 5]),
        ("OData__ModerationStatus eq 2", vec![2]),
        ("Due_x0020_Date lt datetime'2024-04-01T00:00:00Z'", vec![1, 3]),
    ] {
        let answer = h.t.get(&format!("{tasks}?$filter={filter}"), NOMETADATA).await;
        assert_eq!(answer.status, StatusCode::OK, "{filter}: {}", answer.body);
        assert_eq!(ids(&values(&answer.body, NOMETADATA)), expected, "{filter}");
    }
    let ordered = h.t.get(&format!("{tasks}?$orderby=Title desc&$top=2"), NOMETADATA).await.body;
    assert_eq!(ids(&values(&ordered, NOMETADATA)), [5, 4]);

    // The same grammar on collections that are not list items.
    let lists = h.t.get("/sites/dev/_api/web/lists?$filter=Title eq 'Tasks'", VERBOSE).await.body;
    let lists = values(&lists, VERBOSE);
    assert_eq!((lists.len(), lists[0]["Id"].as_str()), (1, Some(target.list_id.to_string().as_str())));
    let hidden = h.t.get("/sites/dev/_api/web/lists?$filter=Hidden eq false and BaseTemplate eq 100", NOMETADATA).await;
    assert_eq!(values(&hidden.body, NOMETADATA).len(), 1);
    let top = h.t.get("/sites/dev/_api/web/lists?$orderby=Title&$skip=1&$top=1", NOMETADATA).await.body;
    assert_eq!(values(&top, NOMETADATA)[0]["Title"], "Maintenance Logs");
    assert!(top.get("odata.nextLink").is_none(), "SharePoint pages only list items");

    let mut builder = PackageBuilder::new(h.documents());
    builder.user(ADA, "Ada");
    builder.folder("Filtered");
    for name in ["a.txt", "b.txt"] {
        builder.file(&FileSpec {
            path: format!("Filtered/{name}"),
            versions: vec![b"x".to_vec()],
            ..FileSpec::default()
        });
    }
    import(&h, &builder.build()).await;
    let folder = "/sites/dev/_api/web/GetFolderByServerRelativeUrl('Shared Documents/Filtered')";
    let files = h.t.get(&format!("{folder}/Files?$filter=Name eq 'b.txt'"), NOMETADATA).await.body;
    assert_eq!(values(&files, NOMETADATA).iter().map(|f| f["Name"].clone()).collect::<Vec<_>>(), ["b.txt"]);
    let folders =
        h.t.get(
            "/sites/dev/_api/web/lists/getbytitle('Documents')/RootFolder/Folders?$filter=Name eq 'Filtered'",
            NOMETADATA,
        )
        .await;
    assert_eq!(values(&folders.body, NOMETADATA).len(), 1, "{}", folders.body);
    let by_leaf = h.t.get("/sites/dev/_api/web/lists/getbytitle('Documents')/items?$filter=FileLeafRef eq 'a.txt'&$select=FileLeafRef,FileRef", NOMETADATA).await;
    let by_leaf = values(&by_leaf.body, NOMETADATA);
    assert_eq!(by_leaf[0]["FileRef"], "/sites/dev/Shared Documents/Filtered/a.txt");

    // What SharePoint refuses, with its error bodies.
    for (path, status, code, message) in [
        (
            format!("{tasks}?$filter=Colour eq 'red'"),
            StatusCode::BAD_REQUEST,
            "-2146232832, Microsoft.SharePoint.SPException",
            "Column 'Colour' does not exist. It may have been deleted by another user.".to_string(),
        ),
        (
            "/sites/dev/_api/web/lists?$filter=Colour eq 'red'".into(),
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The property 'Colour' does not exist on type 'SP.List'. Make sure to only use property names that are defined by the type.".into(),
        ),
        (
            format!("{tasks}?$filter=Title eq"),
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The expression \"Title eq\" is not valid.".into(),
        ),
        (
            format!("{tasks}?$filter=endswith(Title,'1')"),
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The expression \"endswith(Title,'1')\" is not supported.".into(),
        ),
        (
            format!("{tasks}?$top=many"),
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "Invalid value 'many' for $top query option found. The $top query option requires a non-negative integer value.".into(),
        ),
    ] {
        for accept in [VERBOSE, NOMETADATA] {
            let answer = h.t.get(&path, accept).await;
            assert_eq!(answer.status, status, "{path}: {}", answer.body);
            assert_eq!(sp_error(&answer.body), (code.to_string(), message.clone()), "{path}");
        }
    }
}

#[tokio::test]
async fn site_users_by_id_login_and_email() {
    let h = Harness::start().await;
    five_tasks(&h).await;
    let users = h.t.get("/sites/dev/_api/web/siteusers", VERBOSE).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.body);
    let users = values(&users.body, VERBOSE);
    let logins: Vec<&str> = users.iter().map(|u| u["LoginName"].as_str().unwrap()).collect();
    assert!(logins.contains(&"SHAREPOINT\\system") && logins.contains(&ADA), "{logins:?}");
    let ada = users.iter().find(|u| u["LoginName"] == ADA).unwrap();
    assert_eq!(ada["__metadata"]["type"], "SP.User");
    assert_eq!((ada["Title"].as_str(), ada["PrincipalType"].as_i64()), (Some("Ada"), Some(1)));
    assert_eq!(ada["UserPrincipalName"], "ada@contoso.com");
    let id = ada["Id"].as_i64().unwrap();

    let encoded_login = "i%3A0%23.f%7Cmembership%7Cada%40contoso.com";
    for path in [
        format!("/sites/dev/_api/web/siteusers/GetById({id})"),
        format!("/sites/dev/_api/web/GetUserById({id})"),
        format!("/sites/dev/_api/web/siteusers/GetByLoginName('{encoded_login}')"),
    ] {
        let user = h.t.get(&path, NOMETADATA).await;
        assert_eq!(user.status, StatusCode::OK, "{path}: {}", user.body);
        assert_eq!(user.body["LoginName"], ADA, "{path}");
    }
    let grace = h.t.get("/sites/dev/_api/web/siteusers/GetByEmail('GRACE@contoso.com')", NOMETADATA).await.body;
    assert_eq!(grace["Title"], "Grace");
    let filtered = h.t.get("/sites/dev/_api/web/siteusers?$filter=Email eq 'grace@contoso.com'", NOMETADATA).await.body;
    assert_eq!(values(&filtered, NOMETADATA).len(), 1);
    let current = h.t.get("/sites/dev/_api/web/CurrentUser", NOMETADATA).await.body;
    assert_eq!(current["LoginName"], "SHAREPOINT\\system");

    let missing = h.t.get("/sites/dev/_api/web/siteusers/GetByEmail('nobody@contoso.com')", VERBOSE).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(sp_error(&missing.body).1, "User cannot be found.");
}
