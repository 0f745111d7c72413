//! `spmig package validate`: the checks a job makes, run on a package in a local folder
//! before it is uploaded.
//!
//! Layout: the manifest container's files at the folder's root and the content blobs under
//! `content/` (or another folder), or Office365-REST-Python-Client's `FileSystemStaging`
//! layout (content at the root, manifest files under `manifest/`). For an encrypted package
//! the key is given, and each encrypted file's IV sits beside it in `<name>.iv` (base64) — the
//! folder's stand-in for blob metadata — unless the manifest gives `InitializationVector`.
//!
//! What a local folder cannot show is left out: snapshots, and a blob's Content-MD5 property
//! (a file without `MD5Hash` or `Checksum` gets advice instead of an error).

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use quickxorhash::QuickXorHash;

use super::archive::{self, OpenPack, Packs, Violation};
use super::files::ArchivedPack;
use super::inspect::Inspect;
use super::intake::{self, Finding, IntakeOptions, ManifestFiles, Opened, Severity};
use super::values::{MD5_LEN, QUICK_XOR_LEN, base64_of_len, guid, is_contained_blob_name};
use super::xml::{ChildStream, Element, Limits};
use crate::problems::{self, ObjectType, Subject};
use crate::report::events::Problem;
use crate::storage::crypto::{DecryptingReader, IV_LEN, JobKey, SpoolError, iv_from_base64, spool};

/// Where a package lies on disk.
#[derive(Clone, Debug)]
pub struct FolderPackage {
    pub manifest_dir: PathBuf,
    pub content_dir: PathBuf,
    pub key: Option<JobKey>,
}

impl FolderPackage {
    /// Works out the layout of `path` (see the module docs); `content` overrides where the
    /// content blobs are.
    pub fn locate(path: &Path, content: Option<&Path>, key: Option<JobKey>) -> FolderPackage {
        let staged = path.join("manifest");
        let (manifest_dir, default_content) =
            if !path.join("SystemData.xml").exists() && staged.join("SystemData.xml").exists() {
                (staged, path.to_path_buf())
            } else if path.join("content").is_dir() {
                (path.to_path_buf(), path.join("content"))
            } else {
                (path.to_path_buf(), path.to_path_buf())
            };
        FolderPackage { manifest_dir, content_dir: content.map_or(default_content, Path::to_path_buf), key }
    }
}

/// What validation found.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Manifest objects read (all of them unless a fatal finding stopped the reading).
    pub objects: u64,
    /// Content blobs checked.
    pub blobs: u64,
}

impl Report {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).min()
    }
}

/// Validates the package: the intake's checks, then every content blob the manifests name.
pub fn validate(package: &FolderPackage, options: &IntakeOptions) -> Report {
    let mut report = Report::default();
    let mut files = Folder { package };
    let intake = match intake::take_in(&mut files, options, &mut |finding| report.findings.push(finding)) {
        Ok(intake) => intake,
        Err(fatal) => {
            report.findings.push(fatal);
            return report;
        }
    };
    report.objects = intake.objects;
    let mut packs = Packs::new(intake.archived.clone());
    for (name, file) in &intake.manifests {
        let Ok(stream) = ChildStream::new(BufReader::new(file), Limits::default()) else { continue };
        for object in stream.flatten() {
            for (subject, blob) in blobs_of(&object) {
                report.blobs += 1;
                if let Err(problem) = check_blob(package, &mut packs, &subject, &blob) {
                    report.findings.push(Finding {
                        severity: problem.1,
                        behaviour: problem.2,
                        file: name.clone(),
                        line: Some(blob.line),
                        column: Some(blob.column),
                        problem: problem.0,
                    });
                }
            }
        }
    }
    report
}

/// The manifest-container files of a folder.
struct Folder<'p> {
    package: &'p FolderPackage,
}

impl ManifestFiles for Folder<'_> {
    fn open(&mut self, name: &str) -> Result<Opened, Problem> {
        let path = self.package.manifest_dir.join(name);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Opened::Missing),
            Err(e) => return Err(problems::package_file_unreadable(name, &e.to_string())),
        };
        let Some(key) = &self.package.key else { return Ok(Opened::Found(file)) };
        let Some(iv) = sidecar_iv(&path) else { return Ok(Opened::Undecryptable) };
        match spool(file, Some((key, &iv))) {
            Ok(plain) => Ok(Opened::Found(plain)),
            Err(SpoolError::Undecryptable) => Ok(Opened::Undecryptable),
            Err(e) => Err(problems::package_file_unreadable(name, &e.to_string())),
        }
    }
}

/// `<file>.iv`: the base64 IV of an encrypted file.
fn sidecar_iv(path: &Path) -> Option<[u8; IV_LEN]> {
    let mut name = path.as_os_str().to_owned();
    name.push(".iv");
    iv_from_base64(&std::fs::read_to_string(PathBuf::from(name)).ok()?)
}

/// One content blob a manifest names, with what the manifest declares about it.
struct Blob {
    file_value: String,
    md5: Option<String>,
    checksum: Option<String>,
    iv: Option<String>,
    line: u64,
    column: u64,
}

/// The blobs of an object: a file's versions (or the file itself) and an item's attachments.
fn blobs_of(object: &Element) -> Vec<(Subject, Blob)> {
    let Some(body) = object.children.first() else { return Vec::new() };
    let id = body.attr("Id").and_then(guid);
    let blob = |element: &Element| Blob {
        file_value: element.attr("FileValue").unwrap_or_default().to_string(),
        md5: element.attr("MD5Hash").map(str::to_string),
        checksum: element.attr("Checksum").map(str::to_string),
        iv: element.attr("InitializationVector").map(str::to_string),
        line: element.line,
        column: element.column,
    };
    match body.name.as_str() {
        "File" => {
            let url = body.attr("Url").or(object.attr("Url")).unwrap_or_default();
            let versions: Vec<&Element> =
                body.child("Versions").map(|v| v.children_named("File").collect()).unwrap_or_default();
            let entries = if versions.is_empty() { vec![body] } else { versions };
            entries.into_iter().map(|e| (Subject::new(ObjectType::File, url, id), blob(e))).collect()
        }
        "ListItem" => {
            let url = body.attr("FileUrl").or(object.attr("Url")).unwrap_or_default();
            body.child("Attachments")
                .map(|a| {
                    a.children_named("Attachment")
                        .map(|e| (Subject::new(ObjectType::ListItem, url, id), blob(e)))
                        .collect()
                })
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// Behaviours 131, 133, 140–150 for one blob; `Err` is the problem with its severity and
/// behaviour.
fn check_blob(
    package: &FolderPackage,
    packs: &mut Packs,
    subject: &Subject,
    blob: &Blob,
) -> Result<(), (Problem, Severity, u16)> {
    let name = blob.file_value.as_str();
    // The name first, as a job checks it before looking anywhere (behaviour 131).
    if !is_contained_blob_name(name) {
        return Err((subject.file_value_outside_container(name), Severity::Error, 131));
    }
    // Behaviour 152: a file an archive lists comes from it, with no IV of its own beside it.
    let (stored, sidecar, archived): (Box<dyn Read>, Option<[u8; IV_LEN]>, bool) =
        match packs.entry(name, |pack, index| open_pack(package, pack, index)) {
            Some(Ok(bytes)) => (Box::new(io::Cursor::new(bytes)), None, true),
            Some(Err(failure)) => {
                return Err((subject.archive_failed(&failure, name), Severity::Error, failure.behaviour()));
            }
            None => {
                let path = package.content_dir.join(name);
                let file = File::open(&path).map_err(|_| (subject.blob_missing(name), Severity::Error, 133))?;
                (Box::new(file), sidecar_iv(&path), false)
            }
        };

    let mut md5 = Md5::new();
    let mut quick_xor = QuickXorHash::new();
    let stored = Inspect::new(stored, |bytes: &[u8]| md5.update(bytes));
    let outcome = match &package.key {
        None => drain(&mut Inspect::new(stored, |bytes: &[u8]| quick_xor.update(bytes))),
        Some(key) => {
            // The manifest's IV, when it gives one, is the only one a job uses, even if it is
            // unreadable; otherwise the sidecar stands in for the blob's metadata.
            let iv = match blob.iv.as_deref() {
                Some(text) => iv_from_base64(text),
                None => sidecar,
            }
            .ok_or_else(|| (subject.decrypt_failed(name), Severity::Error, 140))?;
            drain(&mut Inspect::new(DecryptingReader::new(stored, key, &iv), |bytes: &[u8]| quick_xor.update(bytes)))
        }
    };
    match outcome {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Err((subject.decrypt_failed(name), Severity::Error, 142));
        }
        Err(e) => return Err((subject.storage_failed(name, &e.to_string()), Severity::Error, 133)),
    }
    if let Some(checksum) = &blob.checksum {
        let declared = base64_of_len(checksum, QUICK_XOR_LEN);
        return match declared {
            Some(declared) if declared == quick_xor.finalize() => Ok(()),
            _ => Err((subject.checksum_mismatch(name), Severity::Error, 146)),
        };
    }
    match &blob.md5 {
        Some(text) => match base64_of_len(text, MD5_LEN) {
            Some(declared) if declared == md5.finalize().as_slice() => Ok(()),
            _ => Err((subject.md5_mismatch(name), Severity::Error, 149)),
        },
        // A zip entry has no Content-MD5 to fall back on: the job fails it (behaviour 147).
        None if archived => Err((subject.md5_missing(name), Severity::Error, 147)),
        None => Err((
            problems::advice(format!(
                "{name} has no MD5Hash or Checksum in the manifest: upload it with Content-MD5 set, or the service \
                 fails it with \"Missing MD5 property in Manifest and Azure Blob. File: {name}\"."
            )),
            Severity::Advice,
            145,
        )),
    }
}

/// A pack of ArchivedFiles.xml from the content folder: decrypted with its sidecar IV, checked.
fn open_pack(package: &FolderPackage, pack: &ArchivedPack, index: usize) -> Result<OpenPack, Violation> {
    let path = package.content_dir.join(&pack.name);
    let file = File::open(&path).map_err(|_| Violation::from("it is not in the content folder".to_string()))?;
    let size = file.metadata().map_err(|e| Violation::from(e.to_string()))?.len();
    archive::check_pack(index, package.key.is_some(), size)?;
    let key = package.key.as_ref().expect("checked: archives come with encrypted packages");
    let iv = sidecar_iv(&path)
        .ok_or_else(|| Violation::from("its IV (the .iv file beside it) is missing or malformed".to_string()))?;
    let plain = spool(file, Some((key, &iv))).map_err(|e| Violation::from(e.to_string()))?;
    archive::open_pack(pack, plain)
}

fn drain(reader: &mut impl Read) -> io::Result<()> {
    io::copy(reader, &mut io::sink()).map(|_| ())
}

/// Base64 of 32 bytes, as `--key` takes it.
pub fn parse_key(text: &str) -> Result<JobKey, String> {
    let bytes = BASE64.decode(text.trim()).map_err(|_| "the key is not base64".to_string())?;
    JobKey::from_bytes(&bytes).ok_or_else(|| format!("the key is {} bytes long; an AES-256 key is 32", bytes.len()))
}

impl Report {
    /// One paragraph per finding, then a summary, as `spmig package validate` prints them.
    pub fn text(&self, package: &Path) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let at = match (f.line, f.column) {
                (Some(line), Some(column)) => format!("{}:{line}:{column}", f.file),
                _ => f.file.clone(),
            };
            let channel = match f.severity {
                Severity::Fatal => "fatal (JobFatalError)",
                Severity::Error => "error (JobError)",
                Severity::Warning => "warning (JobWarning)",
                Severity::Advice => "advice",
            };
            out.push_str(&format!("{at}: {channel} [behaviour {}]", f.behaviour));
            if !f.problem.error_type.is_empty() {
                out.push_str(&format!(" {} {}", f.problem.error_code, f.problem.error_type));
            }
            out.push_str(&format!("\n  {}\n", f.problem.message));
            if !f.problem.object_type.is_empty() {
                out.push_str(&format!("  object: {} {} {}\n", f.problem.object_type, f.problem.id, f.problem.url));
            }
            if let Some(hint) = &f.problem.hint {
                out.push_str(&format!("  why: {hint}\n"));
            }
        }
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        let verdict = match self.worst() {
            Some(Severity::Fatal) => "the service would stop the job with a JobFatalError",
            Some(Severity::Error) => "the service would import it, with a JobError for each failing object",
            _ => "the service would import it",
        };
        out.push_str(&format!(
            "{}: {} objects, {} blobs checked; {} fatal, {} errors, {} warnings, {} advice: {verdict}.\n",
            package.display(),
            self.objects,
            self.blobs,
            count(Severity::Fatal),
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Advice),
        ));
        out
    }

    /// The same as JSON, for tools.
    pub fn json(&self, package: &Path) -> serde_json::Value {
        let findings: Vec<serde_json::Value> = self
            .findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "severity": f.severity,
                    "behaviour": f.behaviour,
                    "file": f.file,
                    "line": f.line,
                    "column": f.column,
                    "objectType": f.problem.object_type,
                    "id": f.problem.id,
                    "url": f.problem.url,
                    "errorCode": f.problem.error_code,
                    "errorType": f.problem.error_type,
                    "message": f.problem.message,
                    "explanation": f.problem.hint,
                })
            })
            .collect();
        serde_json::json!({
            "package": package.display().to_string(),
            "objects": self.objects,
            "blobs": self.blobs,
            "worst": self.worst(),
            "findings": findings,
        })
    }
}
