//! The package corpus (`testdata/packages/`): a valid base package and one minimal variant per
//! package rule. Each variant's finding — severity, behaviour, file and exact message — is
//! asserted twice: from `spmig package validate`, and from a live job against Azurite (the same
//! problem in the job's events and its log).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};
use support::corpus::{base_copy, copy_tree, corpus, edit};
use support::jobs::{FolderStaging, Harness, names};

/// What a variant expects, from its `variant.toml`.
#[derive(Debug)]
struct Variant {
    name: String,
    dir: PathBuf,
    remove: Vec<String>,
    offline: bool,
    content_md5: bool,
    /// The job key of an encrypted variant (base64); each file's IV is in `<file>.iv`.
    key: Option<String>,
    /// `--sourcetype-mode` for the validator and the emulator, when not the default.
    sourcetype_mode: Option<String>,
    /// Files the job must have imported: server-relative URL → the variant's file whose bytes
    /// it must hold.
    readback: Vec<(String, String)>,
    finding: Option<Expected>,
    /// The live job's finding where it differs (the target site is known there).
    live: Option<Expected>,
}

#[derive(Clone, Debug, Default)]
struct Expected {
    severity: String,
    behaviour: i64,
    file: String,
    message: String,
}

impl Expected {
    fn read(table: Option<&toml::Value>, base: Option<&Expected>) -> Option<Expected> {
        let table = table?;
        let text = |key: &str, fallback: Option<String>| {
            table.get(key).and_then(|v| v.as_str()).map(str::to_string).or(fallback).unwrap_or_default()
        };
        Some(Expected {
            severity: text("severity", base.map(|b| b.severity.clone())),
            behaviour: table.get("behaviour").and_then(|v| v.as_integer()).or(base.map(|b| b.behaviour)).unwrap_or(0),
            file: text("file", base.map(|b| b.file.clone())),
            message: text("message", base.map(|b| b.message.clone())),
        })
    }
}

fn variants() -> Vec<Variant> {
    let mut variants: Vec<Variant> = std::fs::read_dir(corpus().join("variants"))
        .unwrap()
        .map(|entry| {
            let dir = entry.unwrap().path();
            let spec: toml::Value =
                toml::from_str(&std::fs::read_to_string(dir.join("variant.toml")).unwrap()).unwrap();
            let finding = Expected::read(spec.get("finding"), None);
            let live = Expected::read(spec.get("live"), finding.as_ref());
            Variant {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                remove: spec
                    .get("remove")
                    .and_then(|r| r.as_array())
                    .map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default(),
                offline: spec.get("offline").and_then(|v| v.as_bool()).unwrap_or(true),
                content_md5: spec.get("stage_content_md5").and_then(|v| v.as_bool()).unwrap_or(true),
                key: spec.get("key").and_then(|v| v.as_str()).map(str::to_string),
                sourcetype_mode: spec.get("sourcetype_mode").and_then(|v| v.as_str()).map(str::to_string),
                readback: spec
                    .get("readback")
                    .and_then(|r| r.as_table())
                    .map(|r| r.iter().map(|(url, path)| (url.clone(), path.as_str().unwrap().to_string())).collect())
                    .unwrap_or_default(),
                finding,
                live,
                dir,
            }
        })
        .collect();
    variants.sort_by(|a, b| a.name.cmp(&b.name));
    variants
}

/// The base package with the variant's files laid over it.
fn materialize(variant: &Variant) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    copy_tree(&corpus().join("base"), out.path());
    copy_tree(&variant.dir, out.path());
    std::fs::remove_file(out.path().join("variant.toml")).unwrap();
    for name in &variant.remove {
        std::fs::remove_file(out.path().join(name)).unwrap();
    }
    out
}

/// `spmig package validate --format json` on a folder: the report and the exit code.
fn validate(dir: &Path, variant: &Variant) -> (Value, i32) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spmig"));
    command.args(["package", "validate", "--format", "json"]).arg(dir);
    if let Some(key) = &variant.key {
        command.args(["--key", key]);
    }
    if let Some(mode) = &variant.sourcetype_mode {
        command.args(["--sourcetype-mode", mode]);
    }
    let output = command.output().unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (report, output.status.code().unwrap_or(-1))
}

#[test]
fn b79_b80_b81_b82_b83_b84_b85_b86_b87_b88_b89_b90_b91_b92_b93_b94_b95_b96_b98_b99_b102_b108_b109_b110_b124_b131_b133_b139_b142_b145_b146_b149_b151_b152_b153_b154_the_validator_reports_each_variant()
 {
    let all = variants();
    assert!(all.len() >= 25, "the corpus has {} variants", all.len());
    for variant in all.iter().filter(|v| v.offline) {
        let dir = materialize(variant);
        let (report, code) = validate(dir.path(), variant);
        let findings = report["findings"].as_array().unwrap();
        match &variant.finding {
            None => {
                assert_eq!(findings, &Vec::<Value>::new(), "{}: {report:#}", variant.name);
                assert_eq!(code, 0, "{}", variant.name);
            }
            Some(expected) => {
                let found = findings.iter().any(|f| {
                    f["severity"] == expected.severity
                        && f["behaviour"] == expected.behaviour
                        && f["file"] == expected.file.as_str()
                        && f["message"] == expected.message.as_str()
                });
                assert!(found, "{}: expected {expected:?} in {report:#}", variant.name);
                let exit = match expected.severity.as_str() {
                    "fatal" => 2,
                    "error" => 1,
                    _ => 0,
                };
                assert_eq!(code, exit, "{}: exit code", variant.name);
                if (82..=92).contains(&expected.behaviour) {
                    let line = findings
                        .iter()
                        .find(|f| f["message"] == expected.message.as_str())
                        .and_then(|f| f["line"].as_u64());
                    assert!(
                        line.is_some_and(|l| l > 0),
                        "{}: schema and XML findings have a position: {report:#}",
                        variant.name
                    );
                }
            }
        }
    }
}

/// The event each severity surfaces as in a job.
fn event_of(severity: &str) -> Option<&'static str> {
    match severity {
        "fatal" => Some("JobFatalError"),
        "error" => Some("JobError"),
        "warning" => Some("JobWarning"),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn b79_b80_b82_b83_b84_b85_b86_b87_b88_b89_b90_b91_b92_b93_b94_b95_b96_b98_b99_b102_b103_b105_b106_b107_b108_b110_b111_b112_b123_b124_b131_b132_b133_b138_b139_b142_b146_b147_b149_b150_b151_b152_b153_b154_a_job_reports_each_variant()
 {
    let strict = Harness::start().await;
    let lenient = Harness::start_with(|s| s.sourcetype_mode = spmig::config::SourceTypeMode::Warn).await;
    for variant in variants() {
        let h = match variant.sourcetype_mode.as_deref() {
            None | Some("require") => &strict,
            Some("warn") => &lenient,
            Some(other) => panic!("{}: unknown sourcetype_mode {other}", variant.name),
        };
        let reset = h.admin(Method::POST, "/_emulator/reset", None).await;
        assert!(reset.status.is_success(), "{}", reset.body);
        let dir = materialize(&variant);
        let how = FolderStaging { content_md5: variant.content_md5, ..FolderStaging::default() };
        let staged = h.stage_folder(dir.path(), how).await;
        let key = variant.key.as_deref().map(|k| spmig::package::offline::parse_key(k).unwrap());
        let job = h.submit(&staged, key.as_ref()).await;
        let events = h.events_until_end(job).await;
        for (url, path) in &variant.readback {
            let expected = std::fs::read(dir.path().join(path)).unwrap();
            assert_eq!(h.file_bytes(url).await, expected, "{}: {url} holds other bytes", variant.name);
        }
        let expected = variant.live.clone().or(variant.finding.clone()).filter(|e| event_of(&e.severity).is_some());
        let Some(expected) = expected else {
            assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{}: {events:#?}", variant.name);
            continue;
        };
        let event = event_of(&expected.severity).unwrap();
        let hit = events.iter().find(|e| e["Event"] == event && e["Message"] == expected.message.as_str());
        assert!(hit.is_some(), "{}: no {event} '{}' in {events:#?}", variant.name, expected.message);
        if expected.severity == "fatal" {
            assert_eq!(names(&events).last(), Some(&"JobEnd"), "{}", variant.name);
            assert_eq!(names(&events).iter().filter(|n| **n == "JobFatalError").count(), 1, "{}", variant.name);
        }
        // The log says the same (logs.md §5).
        let (log, metadata) = h.tool.get(&staged.manifest, &format!("Import-{job}-1.log")).await.unwrap();
        let log = spmig::isv::events::open_blob(&log, &metadata, key.as_ref()).unwrap();
        assert!(log.contains(&expected.message), "{}: the log lacks the message:\n{log}", variant.name);
    }
}

/// The bytes of an imported file, read back over REST.
#[test]
fn the_validator_reads_encrypted_folders_with_sidecar_ivs() {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use md5::Digest;
    use spmig::storage::crypto::{JobKey, encrypt};

    let key = JobKey::from_bytes(&[5u8; 32]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&corpus().join("base"), dir.path());
    let seal = |path: &Path, iv: [u8; 16]| -> Vec<u8> {
        let cipher = encrypt(&key, &iv, &std::fs::read(path).unwrap());
        std::fs::write(path, &cipher).unwrap();
        let mut sidecar = path.as_os_str().to_owned();
        sidecar.push(".iv");
        std::fs::write(PathBuf::from(sidecar), BASE64.encode(iv)).unwrap();
        cipher
    };
    // Content first: MD5Hash is over the bytes as stored, so the manifest takes the new MD5s.
    let manifest = dir.path().join("Manifest.xml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    for (i, entry) in std::fs::read_dir(dir.path().join("content")).unwrap().enumerate() {
        let path = entry.unwrap().path();
        let plain_md5 = BASE64.encode(md5::Md5::digest(std::fs::read(&path).unwrap()));
        let cipher = seal(&path, [i as u8 + 1; 16]);
        text = text.replace(&plain_md5, &BASE64.encode(md5::Md5::digest(&cipher)));
    }
    std::fs::write(&manifest, text).unwrap();
    for (i, entry) in std::fs::read_dir(dir.path()).unwrap().enumerate() {
        let path = entry.unwrap().path();
        if path.is_file() {
            seal(&path, [i as u8 + 100; 16]);
        }
    }

    let run = |key: &[u8]| {
        Command::new(env!("CARGO_BIN_EXE_spmig"))
            .args(["package", "validate", "--key", &BASE64.encode(key)])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let output = run(key.as_bytes());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("5 objects, 3 blobs checked; 0 fatal, 0 errors"), "{text}");

    let output = run(&[6u8; 32]);
    assert_eq!(output.status.code(), Some(2), "a wrong key cannot decrypt ExportSettings.xml");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Failed to decrypt blob 'ExportSettings.xml'."));

    // Usage errors are told apart from findings.
    let short_key = Command::new(env!("CARGO_BIN_EXE_spmig"))
        .args(["package", "validate", "--key", &BASE64.encode([1u8; 8])])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(short_key.status.code(), Some(64), "{}", String::from_utf8_lossy(&short_key.stderr));
    let no_folder = Command::new(env!("CARGO_BIN_EXE_spmig"))
        .args(["package", "validate"])
        .arg(dir.path().join("Manifest.xml"))
        .output()
        .unwrap();
    assert_eq!(no_folder.status.code(), Some(64));
}

async fn title_of(h: &Harness, url: &str) -> Value {
    let path = format!("/sites/dev/_api/web/GetFileByServerRelativeUrl('{url}')/ListItemAllFields");
    h.t.get(&path, support::NOMETADATA).await.body["Title"].clone()
}

const HELLO: &str = "/sites/dev/Shared Documents/Corpus/hello.txt";
const NOTES: &str = "/sites/dev/Shared Documents/Corpus/notes.txt";

#[tokio::test(flavor = "multi_thread")]
async fn b101_objects_listed_in_system_objects_are_left_as_they_are() {
    let h = Harness::start().await;
    let first = base_copy();
    let staged = h.stage_folder(first.path(), FolderStaging::default()).await;
    let events = h.events_until_end(h.submit(&staged, None).await).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    assert_eq!(title_of(&h, HELLO).await, "Hello");

    // The same package again with both titles changed, hello.txt (file and item) a system object.
    let second = base_copy();
    edit(second.path(), "Manifest.xml", |m| m.replace(r#"Value="Hello""#, r#"Value="Changed""#));
    edit(second.path(), "Manifest.xml", |m| m.replace(r#"Value="Notes""#, r#"Value="Notes again""#));
    edit(second.path(), "SystemData.xml", |s| {
        s.replace("<SystemObjects />", r#"<SystemObjects><SystemObject Id="70b90168-b920-5c63-8887-fce28de56b5e" /><SystemObject Id="69f2ffb6-db33-5ac3-b3d3-53e14d312b06" /></SystemObjects>"#)
    });
    let staged = h.stage_folder(second.path(), FolderStaging::default()).await;
    let events = h.events_until_end(h.submit(&staged, None).await).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    assert_eq!(title_of(&h, HELLO).await, "Hello", "the system object was modified");
    assert_eq!(title_of(&h, NOTES).await, "Notes again", "the rest of the package was imported");
}

#[tokio::test(flavor = "multi_thread")]
async fn b135_manifest_files_without_snapshots_fail_only_when_snapshots_are_required() {
    let unsnapshotted = FolderStaging { manifest_snapshots: false, ..FolderStaging::default() };
    let dir = base_copy();

    // The default follows real clients: the base blobs are read.
    let lenient = Harness::start().await;
    let staged = lenient.stage_folder(dir.path(), unsnapshotted).await;
    let events = lenient.events_until_end(lenient.submit(&staged, None).await).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");

    let strict = Harness::start_with(|s| s.require_manifest_snapshots = true).await;
    let staged = strict.stage_folder(dir.path(), unsnapshotted).await;
    let events = strict.events_until_end(strict.submit(&staged, None).await).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobFatalError", "JobEnd"], "{events:#?}");
    let fatal = &events[2];
    assert_eq!(fatal["Message"], "The blob 'ExportSettings.xml' does not have a snapshot.");

    // Required files snapshotted, the optional ones not: each of those is a warning, and the
    // job goes on without them.
    let staged = strict.stage_folder(dir.path(), unsnapshotted).await;
    for name in ["ExportSettings.xml", "SystemData.xml", "UserGroup.xml", "Manifest.xml"] {
        strict.tool.snapshot(&staged.manifest, name).await.unwrap();
    }
    let events = strict.events_until_end(strict.submit(&staged, None).await).await;
    let warnings: Vec<&str> =
        events.iter().filter(|e| e["Event"] == "JobWarning").map(|e| e["Message"].as_str().unwrap()).collect();
    for name in ["LookupListMap.xml", "Requirements.xml", "RootObjectMap.xml", "ViewFormsList.xml"] {
        let message = format!("The blob '{name}' does not have a snapshot.");
        assert!(warnings.contains(&message.as_str()), "no warning for {name}: {events:#?}");
        let missing = format!("{name} was not found in the manifest container.");
        assert!(!warnings.contains(&missing.as_str()), "{name} is there, only without a snapshot: {events:#?}");
    }
    assert!(!names(&events).contains(&"JobFatalError") && !names(&events).contains(&"JobError"), "{events:#?}");
    assert_eq!(title_of(&strict, HELLO).await, "Hello");
}

async fn person(h: &Harness, url: &str, role: &str) -> Value {
    let path = format!("/sites/dev/_api/web/GetFileByServerRelativeUrl('{url}')/{role}");
    let answer = h.t.get(&path, support::NOMETADATA).await;
    assert!(answer.status.is_success(), "{path}: {}", answer.body);
    answer.body
}

#[tokio::test(flavor = "multi_thread")]
async fn b104_b105_b106_with_site_users_resolution_only_the_sites_users_resolve() {
    let h = Harness::start_with(|s| s.user_resolution = spmig::config::UserResolution::SiteUsers).await;
    let seeded = json!({"url": "/sites/dev", "users": [{"login": "i:0#.f|membership|robert@contoso.com", "title": "Robert (seeded)"}]});
    let answer = h.admin(Method::POST, "/_emulator/sites", Some(seeded)).await;
    assert!(answer.status.is_success(), "{}", answer.body);

    let dir = base_copy();
    edit(dir.path(), "UserGroup.xml", |u| {
        u.replace(
            "  </Users>",
            "    <User Id=\"2\" Name=\"Ada\" Login=\"i:0#.f|membership|ada@contoso.com\" IsSiteAdmin=\"false\" IsDeleted=\"false\" IsDomainGroup=\"false\" />\n    \
             <User Id=\"3\" Name=\"Grace\" Login=\"i:0#.f|membership|grace@contoso.com\" SystemId=\"AQUAAAAAAAUVAAAAXSj1f9U62DVDVOAqToYSAA==\" IsSiteAdmin=\"false\" IsDeleted=\"false\" IsDomainGroup=\"false\" />\n  </Users>",
        )
    });
    // notes.txt: written by Ada, last changed by Grace.
    edit(dir.path(), "Manifest.xml", |m| {
        m.replacen(
            "Author=\"1\" ModifiedBy=\"1\">\n      <Versions>",
            "Author=\"2\" ModifiedBy=\"3\">\n      <Versions>",
            1,
        )
    });
    let staged = h.stage_folder(dir.path(), FolderStaging::default()).await;
    let events = h.events_until_end(h.submit(&staged, None).await).await;
    let warnings: Vec<&str> =
        events.iter().filter(|e| e["Event"] == "JobWarning").map(|e| e["Message"].as_str().unwrap()).collect();
    assert_eq!(
        warnings,
        [
            "Failed to ensure user 'ada@contoso.com'",
            "Failed to retrieve user 'grace@contoso.com' attributes from the SiteUsers; falling back to passed in values",
        ],
        "{events:#?}"
    );
    // Behaviour 104: the seeded user; 105: System Account; 106: a deleted placeholder.
    assert_eq!(person(&h, HELLO, "Author").await["Title"], "Robert (seeded)");
    assert_eq!(person(&h, NOTES, "Author").await["Title"], "System Account");
    let grace = person(&h, NOTES, "ModifiedBy").await;
    assert_eq!(grace["LoginName"], "i:0#.f|membership|grace@contoso.com");
    assert_eq!(grace["Title"], "Grace");
    let (log, _) =
        h.tool.get(&staged.manifest, &format!("Import-{}-1.log", events[0]["JobId"].as_str().unwrap())).await.unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(log.contains("Failed to ensure user 'ada@contoso.com'"), "{log}");

    // Declaring Grace afterwards brings her placeholder back to life: she now resolves.
    let grace =
        json!({"url": "/sites/dev", "users": [{"login": "i:0#.f|membership|grace@contoso.com", "title": "Grace H."}]});
    let answer = h.admin(Method::POST, "/_emulator/sites", Some(grace)).await;
    assert!(answer.status.is_success(), "{}", answer.body);
    let staged = h.stage_folder(dir.path(), FolderStaging::default()).await;
    let events = h.events_until_end(h.submit(&staged, None).await).await;
    let warnings: Vec<&str> =
        events.iter().filter(|e| e["Event"] == "JobWarning").map(|e| e["Message"].as_str().unwrap()).collect();
    assert_eq!(warnings, ["Failed to ensure user 'ada@contoso.com'"], "{events:#?}");
    assert_eq!(person(&h, NOTES, "ModifiedBy").await["Title"], "Grace H.");
}
