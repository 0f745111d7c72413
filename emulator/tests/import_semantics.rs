//! What an import leaves in the site: identity kept across packages (overwrite, move, id
//! conflicts, deletion), item history and attachments, content types, web parts, alternate
//! streams, and the counters that describe it. Each test imports the corpus's base package
//! (`testdata/packages/base`), edited, through a live job against Azurite.

mod support;

use std::io::Write;
use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};
use spmig::site::details::AnnotationKind;
use support::corpus::{base_copy, edit};
use support::jobs::{FolderStaging, Harness, last, names};
use uuid::Uuid;

const LIBRARY: &str = "8f26c712-bad1-56aa-82b1-15eae82834ec";
const FOLDER_ID: &str = "2272421a-6a5a-504e-88f8-909dbc49c0f9";
const HELLO_ID: &str = "70b90168-b920-5c63-8887-fce28de56b5e";
const HELLO_ITEM: &str = "69f2ffb6-db33-5ac3-b3d3-53e14d312b06";
const HELLO: &str = "/sites/dev/Shared Documents/Corpus/hello.txt";
const NOTES: &str = "/sites/dev/Shared Documents/Corpus/notes.txt";

/// Stages a package folder, runs the job and returns its events.
async fn import(h: &Harness, dir: &Path) -> Vec<Value> {
    let staged = h.stage_folder(dir, FolderStaging::default()).await;
    h.events_until_end(h.submit(&staged, None).await).await
}

async fn import_cleanly(h: &Harness, dir: &Path) -> Vec<Value> {
    let events = import(h, dir).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    events
}

async fn get(h: &Harness, path: &str) -> support::Answer {
    h.t.get(&format!("/sites/dev/_api/web/{path}"), support::NOMETADATA).await
}

fn messages<'a>(events: &'a [Value], kind: &str) -> Vec<&'a str> {
    events.iter().filter(|e| e["Event"] == kind).map(|e| e["Message"].as_str().unwrap()).collect()
}

/// The manifest with only the objects `keep` selects (by their `Id`), in order.
fn manifest_with(dir: &Path, keep: &[&str]) {
    edit(dir, "Manifest.xml", |m| {
        let mut out = String::new();
        let mut rest = m;
        while let Some(start) = rest.find("  <SPObject ") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("</SPObject>\n").unwrap() + start + "</SPObject>\n".len();
            let object = &rest[start..end];
            if keep.iter().any(|id| object.contains(&format!("SPObject Id=\"{id}\""))) {
                out.push_str(object);
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn b114_b116_b117_a_second_package_with_the_same_ids_moves_and_overwrites() {
    let h = Harness::start().await;
    import_cleanly(&h, base_copy().path()).await;
    let hello = get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')")).await;
    assert_eq!(hello.body["UniqueId"], HELLO_ID);
    let history = get(&h, &format!("GetFileByServerRelativeUrl('{NOTES}')/Versions")).await;
    assert_eq!(history.body["value"].as_array().unwrap().len(), 1, "notes.txt 1.0 is history: {}", history.body);

    // Behaviour 116: the folder alone, at a new URL, moves with everything in it.
    let moved = base_copy();
    manifest_with(moved.path(), &[FOLDER_ID]);
    edit(moved.path(), "Manifest.xml", |m| m.replace("Shared Documents/Corpus", "Shared Documents/Moved"));
    import_cleanly(&h, moved.path()).await;
    let hello_moved = "/sites/dev/Shared Documents/Moved/hello.txt";
    let at_new = get(&h, &format!("GetFileByServerRelativeUrl('{hello_moved}')")).await;
    assert!(at_new.status.is_success(), "{}", at_new.body);
    assert_eq!(at_new.body["UniqueId"], HELLO_ID, "the same file moved");
    assert_eq!(h.file_bytes(hello_moved).await, std::fs::read(moved.path().join("content/00000000.dat")).unwrap());
    assert_eq!(get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')")).await.status, 404);
    assert_eq!(get(&h, "GetFolderByServerRelativeUrl('/sites/dev/Shared Documents/Corpus')").await.status, 404);
    let item = get(&h, &format!("GetFileByServerRelativeUrl('{hello_moved}')/ListItemAllFields")).await;
    assert_eq!((item.body["Id"].clone(), item.body["Title"].clone()), (json!(9001), json!("Hello")), "{}", item.body);

    // Behaviour 117: notes.txt again with only its version 2.0: the old history is gone.
    let again = base_copy();
    edit(again.path(), "Manifest.xml", |m| {
        let first = m.find("<File Url=\"Shared Documents/Corpus/notes.txt\" Id=\"b690d7de-da2b-53c7-ae9c-499dc62bd38b\" Name=\"notes.txt\" Version=\"1.0\"").unwrap();
        let end = m[first..].find("/>").unwrap() + first + 2;
        format!("{}{}", &m[..first], &m[end..]).replace("Shared Documents/Corpus", "Shared Documents/Moved")
    });
    let events = import_cleanly(&h, again.path()).await;
    let notes_moved = "/sites/dev/Shared Documents/Moved/notes.txt";
    let history = get(&h, &format!("GetFileByServerRelativeUrl('{notes_moved}')/Versions")).await;
    assert_eq!(history.body["value"], json!([]), "the old versions were replaced");
    assert_eq!(h.file_bytes(notes_moved).await, std::fs::read(again.path().join("content/00000002.dat")).unwrap());
    assert_eq!(last(&events, "JobEnd")["FilesCreated"], "2", "hello.txt once, notes.txt once");
}

/// Every GUID of the base manifest's folder, files and items, replaced by a new one.
fn with_new_guids(dir: &Path) {
    let ids = [
        FOLDER_ID,
        HELLO_ID,
        HELLO_ITEM,
        "b690d7de-da2b-53c7-ae9c-499dc62bd38b",
        "8f4a0cbb-69a1-5d0d-8be1-5cfb249e6bab",
    ];
    edit(dir, "Manifest.xml", |m| ids.iter().fold(m.to_string(), |m, id| m.replace(id, &Uuid::new_v4().to_string())));
}

#[tokio::test(flavor = "multi_thread")]
async fn b118_b119_new_guids_for_imported_content_fail_object_by_object() {
    let h = Harness::start().await;
    import_cleanly(&h, base_copy().path()).await;
    let renamed = base_copy();
    with_new_guids(renamed.path());
    let events = import(&h, renamed.path()).await;
    let errors: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["Event"] == "JobError")
        .map(|e| (e["ObjectType"].as_str().unwrap(), e["ErrorCode"].as_str().unwrap()))
        .collect();
    // The folder and both files conflict; their items follow their files without errors of
    // their own. 0x80070050: the file exists.
    assert_eq!(errors, [("Folder", "-2147024816"), ("File", "-2147024816"), ("File", "-2147024816")], "{events:#?}");
    assert_eq!(
        messages(&events, "JobError")[1],
        format!("A file with the name '{}' already exists.", "Shared Documents/Corpus/hello.txt")
    );
    assert_eq!(last(&events, "JobEnd")["TotalErrors"], "3");
    // The first import's objects are untouched.
    let hello = get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')")).await;
    assert_eq!(hello.body["UniqueId"], HELLO_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_objects_are_removed_with_what_they_hold() {
    let h = Harness::start().await;
    import_cleanly(&h, base_copy().path()).await;

    let delete_file = base_copy();
    manifest_with(delete_file.path(), &[HELLO_ID]);
    edit(delete_file.path(), "Manifest.xml", |m| {
        m.replace("ObjectType=\"SPFile\"", "ObjectType=\"SPFile\" IsDeleted=\"true\"")
    });
    import_cleanly(&h, delete_file.path()).await;
    assert_eq!(get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')")).await.status, 404);
    assert!(get(&h, &format!("GetFileByServerRelativeUrl('{NOTES}')")).await.status.is_success());
    let item = get(&h, &format!("lists(guid'{LIBRARY}')/items(9001)")).await;
    assert_eq!(item.status, 404, "the file's item went with it: {}", item.body);

    let delete_folder = base_copy();
    manifest_with(delete_folder.path(), &[FOLDER_ID]);
    edit(delete_folder.path(), "Manifest.xml", |m| {
        m.replace("ObjectType=\"SPFolder\"", "ObjectType=\"SPFolder\" IsDeleted=\"true\"")
    });
    import_cleanly(&h, delete_folder.path()).await;
    assert_eq!(get(&h, &format!("GetFileByServerRelativeUrl('{NOTES}')")).await.status, 404);
    assert_eq!(get(&h, "GetFolderByServerRelativeUrl('/sites/dev/Shared Documents/Corpus')").await.status, 404);
    assert_eq!(get(&h, &format!("lists(guid'{LIBRARY}')/items(9002)")).await.status, 404);
}

/// A listener that records whether anything connected: where event receivers would call.
async fn receiver_endpoint() -> (String, tokio::task::JoinHandle<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/receiver.svc", listener.local_addr().unwrap());
    let called = tokio::spawn(async move {
        tokio::time::timeout(std::time::Duration::from_millis(500), listener.accept()).await.is_ok()
    });
    (url, called)
}

#[tokio::test(flavor = "multi_thread")]
async fn b120_b122_b125_b126_b127_item_history_attachments_moderation_and_receivers_are_kept() {
    let h = Harness::start().await;
    let dir = base_copy();
    std::fs::write(dir.path().join("content/attachment.dat"), b"attached to hello").unwrap();
    let (receiver_url, called) = receiver_endpoint().await;
    edit(dir.path(), "Manifest.xml", |m| {
        m.replacen(
            r#"TimeLastModified="2024-03-02T11:30:00" ModerationStatus="Approved">
      <Fields>
        <Field Name="Title" Value="Hello" Type="Text" />
      </Fields>"#,
            &format!(
                r#"TimeLastModified="2024-03-02T11:30:00" ModerationStatus="Pending" ModerationComment="Needs a second look">
      <Fields>
        <Field Name="Title" Value="Hello" Type="Text" />
      </Fields>
      <Versions>
        <ListItem Version="1.0" ModifiedBy="1" TimeLastModified="2024-03-01T10:00:00"><Fields><Field Name="Title" Value="Hello, first" Type="Text" /></Fields></ListItem>
      </Versions>
      <Attachments>
        <Attachment Name="note.txt" FileValue="attachment.dat" />
      </Attachments>
      <EventReceivers>
        <EventReceiver Id="5b0d3c1e-7f4a-4e2b-9c8d-1a2b3c4d5e6f" Name="Audit" WebId="40fdc1f3-80b3-550d-bbc7-da81b0a2f205" HostId="{HELLO_ITEM}" HostType="ListItem" Type="ItemUpdated" SequenceNumber="10000" Url="{receiver_url}" />
      </EventReceivers>"#
            ),
            1,
        )
        .replacen(r#"IntId="9001" DocId="70b90168-b920-5c63-8887-fce28de56b5e" Version="1.0""#, r#"IntId="9001" DocId="70b90168-b920-5c63-8887-fce28de56b5e" Version="2.0""#, 1)
    });
    import_cleanly(&h, dir.path()).await;

    let list: Uuid = LIBRARY.parse().unwrap();
    let store = &h.t.emulator.store;
    let (item, versions, attachments, receivers) = store
        .blocking(|db| {
            Ok::<_, spmig::site::Error>((
                db.list_item(list, 9001)?.unwrap(),
                db.item_versions(list, 9001)?,
                db.attachments(list, 9001)?,
                db.annotations(HELLO_ITEM.parse().unwrap(), AnnotationKind::EventReceiver)?,
            ))
        })
        .unwrap();
    // Behaviour 125: Pending is SPModerationStatusType 2; the comment is the item's field.
    assert_eq!(item.moderation_status, 2);
    assert!(item.fields.contains(&("_ModerationComments".into(), Some("Needs a second look".into()))), "{item:?}");
    assert_eq!(item.version, 1024, "the item is at 2.0");
    // Behaviour 120: the earlier version with its own values.
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(
        (versions[0].version, versions[0].fields.clone()),
        (512, vec![("Title".into(), Some("Hello, first".into()))])
    );
    assert_eq!(attachments.len(), 1);
    assert_eq!((attachments[0].file_name.as_str(), attachments[0].size), ("note.txt", 17));
    let body = std::fs::read(store.content().path_of(&attachments[0].content_sha256)).unwrap();
    assert_eq!(body, b"attached to hello");
    // Behaviours 126, 127: the receiver is kept, and nothing called it.
    assert_eq!(receivers.len(), 1);
    assert_eq!(receivers[0].attributes["Type"], "ItemUpdated");
    assert!(!called.await.unwrap(), "an event receiver was called during the import");

    // What a tool reads back over REST.
    let item = format!("lists(guid'{LIBRARY}')/items(9001)");
    let status = get(&h, &format!("{item}?$select=OData__ModerationStatus,OData__ModerationComments")).await.body;
    assert_eq!(
        (&status["OData__ModerationStatus"], &status["OData__ModerationComments"]),
        (&json!(2), &json!("Needs a second look"))
    );
    let versions = get(&h, &format!("{item}/Versions")).await.body;
    let labels: Vec<(&str, &str)> = versions["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["VersionLabel"].as_str().unwrap(), v["Title"].as_str().unwrap()))
        .collect();
    assert_eq!(labels, [("2.0", "Hello"), ("1.0", "Hello, first")]);
    let attachment = format!("/sites/dev/_api/web/{item}/AttachmentFiles('note.txt')/$value");
    let response = h.t.client.get(h.t.url(&attachment)).header("authorization", "Bearer t").send().await.unwrap();
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"attached to hello");
}

#[tokio::test(flavor = "multi_thread")]
async fn b115_content_type_ids_are_preserved() {
    let h = Harness::start().await;
    let dir = base_copy();
    let site_type = "0x0101009B4BB4D3F6E0D54A9C6A2D5D2C1E5F01";
    let list_type = "0x0101009B4BB4D3F6E0D54A9C6A2D5D2C1E5F0102";
    edit(dir.path(), "Manifest.xml", |m| {
        m.replacen(
            "<SPObjects xmlns=\"urn:deployment-manifest-schema\">\n",
            &format!(
                "<SPObjects xmlns=\"urn:deployment-manifest-schema\">\n  \
                 <SPObject ObjectType=\"SPContentType\" ParentWebId=\"40fdc1f3-80b3-550d-bbc7-da81b0a2f205\"><ContentType ID=\"{site_type}\" Name=\"Contract\" Group=\"Legal\" /></SPObject>\n  \
                 <SPObject Id=\"{LIBRARY}\" ObjectType=\"SPDocumentLibrary\" ParentWebId=\"40fdc1f3-80b3-550d-bbc7-da81b0a2f205\"><DocumentLibrary Id=\"{LIBRARY}\" Title=\"Documents\" RootFolderUrl=\"Shared Documents\" ParentWebId=\"40fdc1f3-80b3-550d-bbc7-da81b0a2f205\" BaseTemplate=\"DocumentLibrary\"><ContentTypes><ContentType ID=\"{list_type}\" Name=\"Signed contract\" Group=\"Legal\" /></ContentTypes></DocumentLibrary></SPObject>\n"
            ),
            1,
        )
        .replacen("ModerationStatus=\"Approved\">", &format!("ModerationStatus=\"Approved\" ContentTypeId=\"{list_type}\">"), 1)
    });
    import_cleanly(&h, dir.path()).await;
    let site = h.t.emulator.default_site.id;
    let (site_types, list_types) =
        h.t.emulator
            .store
            .blocking(|db| {
                Ok::<_, spmig::site::Error>((
                    db.content_types(site, None)?,
                    db.content_types(site, Some(LIBRARY.parse().unwrap()))?,
                ))
            })
            .unwrap();
    assert!(
        site_types.iter().any(|t| t.id == site_type && t.name == "Contract" && t.group == "Legal"),
        "{site_types:?}"
    );
    assert_eq!(list_types.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [list_type]);
    let item = get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')/ListItemAllFields")).await;
    assert_eq!(item.body["ContentTypeId"], list_type, "{}", item.body);
}

/// A zip of streams as SharePoint gives it with GetAsZipWithAltStreamsIfAvailable.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in entries {
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(*name, options).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread")]
async fn b128_a_zip_of_streams_becomes_the_file_and_its_alternate_streams() {
    let h = Harness::start().await;
    let dir = base_copy();
    let (recording, transcript) = (vec![7u8; 4096], b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello");
    std::fs::write(
        dir.path().join("content/00000000.dat"),
        zip_of(&[("hello.txt", &recording), ("transcript.vtt", transcript)]),
    )
    .unwrap();
    std::fs::write(dir.path().join("content/00000001.dat"), b"not a zip at all").unwrap();
    edit(dir.path(), "Manifest.xml", |m| {
        let property = r#"<Properties><Property Name="vti_hasAlternateContentStreams" Value="TRUE" Type="Boolean" Access="ReadWrite" /></Properties>"#;
        // hello.txt: a zip of two streams. notes.txt: its version 1.0 is not a zip.
        m.replace(
            r#" FileSize="23" MD5Hash="/r2Odh0s2KZZyD+3hf8X4A==" Author="1" ModifiedBy="1" />"#,
            &format!(r#" Author="1" ModifiedBy="1">{property}</File>"#),
        )
        .replace(" MD5Hash=\"8AvFUVREW6vkalqh9VvzJQ==\"", "")
        .replace(
            "Author=\"1\" ModifiedBy=\"1\">\n      <Versions>",
            &format!("Author=\"1\" ModifiedBy=\"1\">{property}\n      <Versions>"),
        )
    });
    let events = import(&h, dir.path()).await;
    let errors = messages(&events, "JobError");
    assert_eq!(errors.len(), 1, "{events:#?}");
    assert!(
        errors[0].starts_with("The content '00000001.dat' of 'Shared Documents/Corpus/notes.txt' cannot be unpacked into its streams: the content is not a zip of streams"),
        "{}",
        errors[0]
    );
    assert_eq!(h.file_bytes(HELLO).await, recording, "the primary stream is the file");
    let flag = get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')/HasAlternateContentStreams")).await;
    assert_eq!(flag.body["value"], true, "{}", flag.body);
    let streams = h.t.emulator.store.blocking(|db| db.alternate_streams(HELLO_ID.parse().unwrap())).unwrap();
    assert_eq!(
        streams.iter().map(|s| (s.name.as_str(), s.size)).collect::<Vec<_>>(),
        [("transcript.vtt", transcript.len() as i64)]
    );
    let size = get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')/Length")).await;
    assert_eq!(size.body["value"], "4096");
}

/// The base package with a page of two web parts on hello.txt: one safe, one not.
fn with_web_parts(dir: &Path, ignore_web_parts: bool) {
    let parts = r#"<WebParts><WebPart Name="3c4a1b2d-0f1e-4a5b-8c7d-6e5f4a3b2c1d" Class="Microsoft.SharePoint.WebPartPages.ContentEditorWebPart" WebPartZoneID="Main" WebPartOrder="1" /><WebPart Name="5d6e7f80-1a2b-4c3d-9e8f-7a6b5c4d3e2f" Class="Microsoft.SharePoint.WebPartPages.ImageWebPart" WebPartZoneID="Main" WebPartOrder="2" /></WebParts>"#;
    edit(dir, "Manifest.xml", |m| {
        m.replace(
            r#"MD5Hash="/r2Odh0s2KZZyD+3hf8X4A==" Author="1" ModifiedBy="1" />"#,
            &format!(r#"MD5Hash="/r2Odh0s2KZZyD+3hf8X4A==" Author="1" ModifiedBy="1">{parts}</File>"#),
        )
    });
    if ignore_web_parts {
        edit(dir, "ExportSettings.xml", |e| {
            e.replace("SourceType=\"FileShare\"", "SourceType=\"FileShare\" IgnoreWebParts=\"true\"")
        });
    }
}

async fn web_part_types(h: &Harness) -> Vec<String> {
    let parts = h.t.emulator.store.blocking(|db| db.web_parts(HELLO_ID.parse().unwrap())).unwrap();
    parts.into_iter().map(|p| p.type_name).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn b97_b159_web_parts_are_kept_except_unsafe_ones_on_noscript_sites() {
    let h = Harness::start().await;
    let dir = base_copy();
    with_web_parts(dir.path(), false);
    import_cleanly(&h, dir.path()).await;
    assert_eq!(web_part_types(&h).await, ["ContentEditorWebPart", "ImageWebPart"], "custom script allowed: both");

    let answer = h.admin(Method::POST, "/_emulator/sites", Some(json!({"url": "/sites/dev", "no_script": true}))).await;
    assert!(answer.status.is_success(), "{}", answer.body);
    let events = import(&h, dir.path()).await;
    assert_eq!(
        messages(&events, "JobWarning"),
        [
            "The web part 'ContentEditorWebPart' on 'Shared Documents/Corpus/hello.txt' was not imported because the site does not allow custom script."
        ]
    );
    assert_eq!(web_part_types(&h).await, ["ImageWebPart"]);

    // Behaviour 97: with IgnoreWebParts nothing is checked, and no web part is imported.
    let ignoring = base_copy();
    with_web_parts(ignoring.path(), true);
    let events = import_cleanly(&h, ignoring.path()).await;
    assert!(messages(&events, "JobWarning").is_empty());
    assert!(web_part_types(&h).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn b61_b62_b63_counters_and_size_buckets_describe_exactly_what_was_written() {
    let h = Harness::start().await;
    let dir = base_copy();
    // notes.txt's versions: 1.0 of 2,000 bytes, 2.0 of 20,000; hello.txt stays 23 bytes.
    let (v1, v2) = (vec![b'a'; 2000], vec![b'b'; 20_000]);
    std::fs::write(dir.path().join("content/00000001.dat"), &v1).unwrap();
    std::fs::write(dir.path().join("content/00000002.dat"), &v2).unwrap();
    edit(dir.path(), "Manifest.xml", |m| {
        m.replace(" MD5Hash=\"8AvFUVREW6vkalqh9VvzJQ==\"", "").replace(" MD5Hash=\"Tt2k0trQTEE8FDIMcU5fxg==\"", "")
    });
    let events = import_cleanly(&h, dir.path()).await;
    let end = last(&events, "JobEnd");
    let counters: Vec<&str> = [
        "FilesCreated",
        "FilesCreatedIrrespectiveOfVersions",
        "BytesProcessed",
        "BytesProcessedOnlyCurrentVersion",
        "ObjectsProcessed",
        "TotalExpectedSPObjects",
    ]
    .iter()
    .map(|name| end[name].as_str().unwrap())
    .collect();
    // Versions count in FilesCreated and BytesProcessed; the others take each file once, at its
    // current version. Objects: 1 user, 1 folder, 2 files, 2 items.
    assert_eq!(counters, ["3", "2", "22023", "20023", "6", "6"], "{end:#?}");
    let by_size: Value = serde_json::from_str(end["CreatedOrUpdatedFileStatsBySize"].as_str().unwrap()).unwrap();
    let buckets: Vec<(&str, u64, u64)> = by_size
        .as_object()
        .unwrap()
        .iter()
        .map(|(label, stats)| (label.as_str(), stats["Count"].as_u64().unwrap(), stats["TotalSize"].as_u64().unwrap()))
        .collect();
    // A file is bucketed by its current version (open question Q21).
    assert_eq!(buckets, [("0-1K", 1, 23), ("10K-100K", 1, 20_000)], "{by_size}");
    let by_type: Value = serde_json::from_str(end["ObjectsStatsByType"].as_str().unwrap()).unwrap();
    let counts: Vec<(&str, u64, u64, u64)> = by_type
        .as_object()
        .unwrap()
        .iter()
        .map(|(kind, s)| {
            let n = |f: &str| s[f].as_u64().unwrap();
            (kind.as_str(), n("Count"), n("AccumulatedVersions"), n("ObjectsWithVersions"))
        })
        .collect();
    assert_eq!(counts, [("SPUser", 1, 0, 0), ("SPFolder", 1, 0, 0), ("SPFile", 2, 2, 1), ("SPListItem", 2, 0, 0)]);
}

/// hello.txt's item shared with Robert (user 1) `times` times, in one SharedWithEvents block.
fn shared_with_robert(dir: &Path, times: usize) {
    let members = "<SharedWithMember SharedWithId=\"1\" />".repeat(times);
    let block = format!(
        "<SharedWithEvents><SharedWithEvent SharedTime=\"2018-10-29T04:06:09.1385321Z\" SharingInitiatorId=\"1\" \
         SharedById=\"1\"><SharedWithMembers>{members}</SharedWithMembers></SharedWithEvent></SharedWithEvents>"
    );
    edit(dir, "Manifest.xml", |m| {
        m.replacen(
            "<Field Name=\"Title\" Value=\"Hello\" Type=\"Text\" />\n      </Fields>",
            &format!("<Field Name=\"Title\" Value=\"Hello\" Type=\"Text\" />\n      </Fields>\n      {block}"),
            1,
        )
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn b158_a_user_receives_at_most_a_thousand_share_with_me_events_a_day() {
    let h = Harness::start().await;
    let dir = base_copy();
    shared_with_robert(dir.path(), 1001);
    let throttled = "Share with Me events for user 'i:0#.f|membership|robert@contoso.com' have been throttled.";
    let site = h.t.emulator.default_site.id;
    let received = || {
        h.t.emulator.store.blocking(|db| {
            let robert = db.site_user_by_login(site, "i:0#.f|membership|robert@contoso.com")?.unwrap();
            db.shared_with_count(site, robert)
        })
    };

    let events = import(&h, dir.path()).await;
    assert_eq!(messages(&events, "JobWarning"), [throttled], "{events:#?}");
    assert_eq!(received().unwrap(), 1000);
    // The same day, nothing more arrives.
    let events = import(&h, dir.path()).await;
    assert_eq!(messages(&events, "JobWarning"), [throttled]);
    assert_eq!(received().unwrap(), 1000);
    // A day later the quota is new.
    h.advance(24.0 * 3600.0 + 1.0).await;
    let events = import(&h, dir.path()).await;
    assert_eq!(messages(&events, "JobWarning"), [throttled]);
    assert_eq!(received().unwrap(), 2000);
}

/// The log line of a problem event: `[ObjectType] [Url] [Id] [ErrorCode] [ErrorType] Message`.
fn problem_line(event: &Value) -> (String, String) {
    let category = match event["Event"].as_str().unwrap() {
        "JobWarning" => "Warning",
        "JobError" => "Error",
        _ => "FatalError",
    };
    let field = |name: &str| event[name].as_str().unwrap().to_string();
    let text = format!(
        "[{}] [{}] [{}] [{}] [{}] {}",
        field("ObjectType"),
        field("Url"),
        field("Id"),
        field("ErrorCode"),
        field("ErrorType"),
        field("Message")
    );
    (category.to_string(), text)
}

/// `(category, text)` of each line of a log file, checking the line grammar (logs.md §5).
fn log_lines(text: &str) -> Vec<(String, String)> {
    assert!(text.ends_with("\r\n"), "{text}");
    text.trim_end_matches("\r\n")
        .split("\r\n")
        .map(|line| {
            let rest = line.strip_prefix('[').and_then(|l| l.split_once("] ")).unwrap_or_else(|| panic!("{line}")).1;
            let (category, text) = rest.split_once(": ").unwrap_or_else(|| panic!("{line}"));
            (category.to_string(), text.to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn b161_b162_every_problem_is_logged_in_event_order_and_copied_to_the_site() {
    let h = Harness::start().await;
    import_cleanly(&h, base_copy().path()).await;
    // Conflicting GUIDs (three errors) and, on hello.txt, an author UserGroup.xml lacks (a
    // warning, reported before that file's error).
    let dir = base_copy();
    with_new_guids(dir.path());
    edit(dir.path(), "Manifest.xml", |m| {
        m.replace(
            r#"MD5Hash="/r2Odh0s2KZZyD+3hf8X4A==" Author="1""#,
            r#"MD5Hash="/r2Odh0s2KZZyD+3hf8X4A==" Author="7""#,
        )
    });
    let staged = h.stage_folder(dir.path(), FolderStaging::default()).await;
    let events = h.events_until_end(h.submit(&staged, None).await).await;
    let job = events[0]["JobId"].as_str().unwrap();
    let problems: Vec<(String, String)> = events
        .iter()
        .filter(|e| ["JobWarning", "JobError", "JobFatalError"].contains(&e["Event"].as_str().unwrap()))
        .map(problem_line)
        .collect();
    let kinds: Vec<&str> = problems.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(kinds, ["Error", "Warning", "Error", "Error"], "{events:#?}");

    let read = |ext: &'static str| {
        let (tool, manifest) = (&h.tool, staged.manifest.clone());
        async move {
            let (bytes, _) = tool.get(&manifest, &format!("Import-{job}-1.{ext}")).await.unwrap();
            String::from_utf8(bytes).unwrap()
        }
    };
    let (log, wrn, err) = (read("log").await, read("wrn").await, read("err").await);
    let logged: Vec<(String, String)> =
        log_lines(&log).into_iter().filter(|(c, _)| ["Warning", "Error", "FatalError"].contains(&c.as_str())).collect();
    assert_eq!(logged, problems, "the full log has every problem, in event order");
    let only = |kind: &str| problems.iter().filter(|(c, _)| c == kind).cloned().collect::<Vec<_>>();
    assert_eq!(log_lines(&wrn), only("Warning"), "the .wrn file has the warnings only");
    assert_eq!(log_lines(&err), only("Error"), "the .err file has the errors only");
    for (ext, text) in [("log", &log), ("wrn", &wrn), ("err", &err)] {
        let copy = h.file_bytes(&format!("/sites/dev/_catalogs/Maintenance Logs/Import-{job}-1.{ext}")).await;
        assert_eq!(copy, text.as_bytes(), "the site's copy of the .{ext} file");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn b129_b130_protected_documents_stay_opaque_and_labels_are_not_applied() {
    let h = Harness::start().await;
    let dir = base_copy();
    // A password-protected Office document: a compound file around an encrypted package.
    let mut protected = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    protected.extend(b"EncryptedPackage".iter().chain((0..=255u8).cycle().take(3000).collect::<Vec<_>>().iter()));
    std::fs::write(dir.path().join("content/00000000.dat"), &protected).unwrap();
    let label = r#"<Properties><Property Name="MSIP_Label_3a0b1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d_Enabled" Value="true" /><Property Name="MSIP_Label_3a0b1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d_Name" Value="Confidential" /></Properties>"#;
    edit(dir.path(), "Manifest.xml", |m| {
        m.replace(
            r#" FileSize="23" MD5Hash="/r2Odh0s2KZZyD+3hf8X4A==" Author="1" ModifiedBy="1" />"#,
            &format!(r#" Author="1" ModifiedBy="1">{label}</File>"#),
        )
    });
    import_cleanly(&h, dir.path()).await;
    // Behaviour 129: stored as given, and listed with the folder's files.
    assert_eq!(h.file_bytes(HELLO).await, protected);
    let files = get(&h, "GetFolderByServerRelativeUrl('/sites/dev/Shared Documents/Corpus')/Files").await;
    let names: Vec<&str> =
        files.body["value"].as_array().unwrap().iter().map(|f| f["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["hello.txt", "notes.txt"]);
    // Behaviour 130: the package's label properties stay properties; no label is applied.
    let item = get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')/ListItemAllFields")).await;
    for label_field in ["_IpLabelId", "_DisplayName", "_ComplianceTag"] {
        assert!(item.body[label_field].is_null(), "{label_field} is set: {}", item.body);
    }
    let properties = h.t.emulator.store.blocking(|db| db.file_properties(HELLO_ID.parse().unwrap())).unwrap();
    assert_eq!(properties["MSIP_Label_3a0b1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d_Name"], "Confidential");
}

#[tokio::test(flavor = "multi_thread")]
async fn b122_field_values_are_kept_in_the_form_of_their_type() {
    let h = Harness::start().await;
    let dir = base_copy();
    let typed = r#"<Field Name="Title" Value="Hello" Type="Text" />
        <Field Name="Budget" Value="1250.5" Type="Number" />
        <Field Name="Signed" Value="TRUE" Type="Boolean" />
        <Field Name="Due" Value="2024-05-01T08:30:00" Type="DateTime" />
        <Field Name="Owner" Value="1" Type="User" />
        <Field Name="Reviewers" Value="1;#9" Type="UserMulti" />"#;
    edit(dir.path(), "Manifest.xml", |m| {
        m.replacen(r#"<Field Name="Title" Value="Hello" Type="Text" />"#, typed, 1).replacen(
            r#"<Field Name="Title" Value="Notes" Type="Text" />"#,
            r#"<Field Name="Budget" Value="a lot" Type="Number" />"#,
            1,
        )
    });
    let events = import(&h, dir.path()).await;
    // The package's user 9 is not defined (behaviour 111); notes.txt's item has no number.
    assert_eq!(
        messages(&events, "JobWarning"),
        ["The user id '9' is not defined in UserGroup.xml; System Account is used instead."]
    );
    assert_eq!(messages(&events, "JobError"), ["The value 'a lot' of attribute 'Field Budget' is not valid."]);

    let list: Uuid = LIBRARY.parse().unwrap();
    let site = h.t.emulator.default_site.id;
    let (item, types, robert) =
        h.t.emulator
            .store
            .blocking(|db| {
                let robert = db.site_user_by_login(site, "i:0#.f|membership|robert@contoso.com")?.unwrap();
                Ok::<_, spmig::site::Error>((db.list_item(list, 9001)?.unwrap(), db.field_types(list, 9001)?, robert))
            })
            .unwrap();
    let value = |name: &str| item.fields.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.clone()).unwrap();
    assert_eq!(value("Budget"), "1250.5");
    assert_eq!(value("Signed"), "1");
    assert_eq!(value("Due"), "2024-05-01T08:30:00Z");
    assert_eq!(value("Owner"), robert.to_string(), "the package's user 1 is the site's Robert");
    assert_eq!(value("Reviewers"), format!("{robert};#1073741823"), "an undefined user is System Account");
    assert!(types.contains(&("Due".into(), "DateTime".into())), "{types:?}");

    // Over REST each value has its type's JSON form; person fields are `<Name>Id`.
    let item = get(&h, &format!("lists(guid'{LIBRARY}')/items(9001)")).await.body;
    let shown: Vec<&Value> = ["Budget", "Signed", "Due", "OwnerId", "ReviewersId"].iter().map(|n| &item[n]).collect();
    assert_eq!(
        shown,
        [&json!(1250.5), &json!(true), &json!("2024-05-01T08:30:00Z"), &json!(robert), &json!([robert, 1073741823])],
        "{item}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_ids_in_another_site_collection_fail_without_touching_the_first() {
    let h = Harness::start().await;
    import_cleanly(&h, base_copy().path()).await;
    let answer = h.admin(Method::POST, "/_emulator/sites", Some(json!({"url": "/sites/other"}))).await;
    assert!(answer.status.is_success(), "{}", answer.body);
    let other = h.t.emulator.store.blocking(|db| db.web_by_url("/sites/other")).unwrap().unwrap().1;
    let docs = h.t.emulator.store.blocking(|db| db.list_by_title(other.id, "Documents")).unwrap().unwrap();
    // The base package, pointed at the other site collection's web and library.
    let dir = base_copy();
    for name in ["Manifest.xml", "ExportSettings.xml", "RootObjectMap.xml"] {
        edit(dir.path(), name, |m| {
            m.replace("40fdc1f3-80b3-550d-bbc7-da81b0a2f205", &other.id.to_string())
                .replace(LIBRARY, &docs.id.to_string())
                .replace("6aaf4960-ff1f-566f-af42-ea4451d3b961", &docs.root_folder_id.to_string())
                .replace("/sites/dev", "/sites/other")
        });
    }
    let staged = h.stage_folder(dir.path(), FolderStaging::default()).await;
    let mut body = h.creation_body(&staged);
    body["gWebId"] = json!(other.id);
    let url = h.t.url("/sites/other/_api/site/CreateMigrationJob");
    let request = h.t.client.post(url).header("authorization", "Bearer t").header("accept", support::VERBOSE);
    let answer = h.t.send(request.json(&body)).await;
    assert!(answer.status.is_success(), "{}", answer.body);
    let job: Uuid = answer.body["d"]["CreateMigrationJob"].as_str().unwrap().parse().unwrap();
    // Its events, through the control API (the progress API answers on the job's own site).
    let view = h.wait(job, "end").await;
    let events: Vec<Value> = view["events"].as_array().unwrap().iter().map(|e| e["body"].clone()).collect();
    let errors = messages(&events, "JobError");
    assert_eq!(
        errors.first().copied(),
        Some(format!("The id {FOLDER_ID} is already used by an object of another site collection.").as_str()),
        "{events:#?}"
    );
    // The first site collection's objects stay where they were.
    let hello = get(&h, &format!("GetFileByServerRelativeUrl('{HELLO}')")).await;
    assert_eq!(hello.body["ServerRelativeUrl"], HELLO, "{}", hello.body);
    let folder = get(&h, "GetFolderByServerRelativeUrl('/sites/dev/Shared Documents/Corpus')/Files").await;
    assert_eq!(folder.body["value"].as_array().unwrap().len(), 2, "{}", folder.body);
}
