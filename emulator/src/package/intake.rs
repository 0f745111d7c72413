//! Taking a package in: the manifest container's files read, parsed, validated against their
//! schemas and checked against the package rules before anything is imported (behaviours
//! 79–103, 108, 110, 124). The same code serves a live job, reading from storage, and
//! `spmig package validate`, reading a folder.
//!
//! Each manifest is read twice: here once, to validate every object and learn the package's
//! ids, then again by the import. Only the file is spooled; objects are held one at a time.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Seek};

use uuid::Uuid;

use super::files::{
    self, ARCHIVED_FILES, ArchivedPack, EXPORT_SETTINGS, ROOT_OBJECT_MAP, RootObject, SYSTEM_DATA, SystemData,
    USER_GROUP, UserGroupMap, WARN_IF_MISSING,
};
use super::schema::{self, SchemaErrorKind, Validator, manifest};
use super::values::{guid, is_upn_claim, login_account};
use super::xml::{ChildStream, Element, Limits, XmlError, read_document};
use crate::problems::{self, ObjectType, Subject};
use crate::report::events::Problem;

/// Where the manifest container's files come from.
pub trait ManifestFiles {
    /// The plaintext of the file `name`; `Err` is a fatal problem reading it (storage,
    /// decryption).
    fn open(&mut self, name: &str) -> Result<Opened, Problem>;
}

/// What opening a package file found.
pub enum Opened {
    Missing,
    /// The blob has no snapshot, and snapshots are required (`--require-manifest-snapshots`).
    WithoutSnapshot,
    /// The plaintext, rewound.
    Found(File),
    /// An encrypted job's file that the key and IV do not decrypt (behaviours 139, 140).
    Undecryptable,
}

/// How much a finding matters, in the channel the service would report it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// JobFatalError: the job stops.
    Fatal,
    /// JobError: one object fails.
    Error,
    /// JobWarning.
    Warning,
    /// The service says nothing, but the result will not be what the tool wants (for example a
    /// login that is not a UPN, behaviour 109); only `spmig package validate` reports it.
    Advice,
}

/// One problem with a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// The behaviour of the spec's checklist the finding comes from.
    pub behaviour: u16,
    /// The package file it is in.
    pub file: String,
    /// Where in that file, when known.
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// What the service reports: code, type and message, with the emulator's explanation.
    pub problem: Problem,
}

impl Finding {
    fn new(severity: Severity, behaviour: u16, file: &str, problem: Problem) -> Finding {
        Finding { severity, behaviour, file: file.to_string(), line: None, column: None, problem }
    }

    fn at(mut self, line: u64, column: u64) -> Finding {
        (self.line, self.column) = (Some(line), Some(column));
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntakeOptions {
    /// A missing SourceType is fatal, as since April 2023 (behaviour 93); otherwise a warning,
    /// as between October 2022 and the cut-over (behaviour 94).
    pub source_type_required: bool,
}

impl Default for IntakeOptions {
    fn default() -> Self {
        IntakeOptions { source_type_required: true }
    }
}

/// A package taken in, ready to import.
pub struct Intake {
    pub system_data: SystemData,
    pub user_group: UserGroupMap,
    pub root_objects: Vec<RootObject>,
    pub archived: Vec<ArchivedPack>,
    /// Each listed manifest, validated, in SystemData order, spooled and rewound.
    pub manifests: Vec<(String, File)>,
    /// `SPObject`s across the manifests.
    pub objects: u64,
    /// Objects that will fail whatever the target holds, with their problem (behaviour 124).
    pub doomed: HashMap<Uuid, Problem>,
    /// `ExportSettings/@IgnoreWebParts`: web parts are neither checked nor imported (behaviour 97).
    pub ignore_web_parts: bool,
    /// `ExportSettings/@IncludeSecurity` as written (`None`, `WssOnly`, `All`), if given.
    pub include_security: Option<String>,
}

/// The values `SourceType` may take (behaviour 95).
pub const SOURCE_TYPES: [&str; 13] = [
    "AmazonS3",
    "AzureStorage",
    "Box",
    "Dropbox",
    "Egnyte",
    "FileShare",
    "GoogleCloudStorage",
    "GoogleDrive",
    "MicrosoftStream",
    "OneDrive",
    "SharePointOnline",
    "SharePointOnPremServer",
    "Other",
];

/// Reads and checks the package; findings that do not stop it go to `report` as they are
/// found, the first fatal one is returned.
pub fn take_in(
    files: &mut dyn ManifestFiles,
    options: &IntakeOptions,
    report: &mut dyn FnMut(Finding),
) -> Result<Intake, Finding> {
    let export = required(files, EXPORT_SETTINGS)?;
    source_type(&export, options, report)?;
    let system_data = files::system_data(&required(files, SYSTEM_DATA)?);
    let user_group = files::user_group(&required(files, USER_GROUP)?);
    users(&user_group, report)?;

    let root_objects =
        optional(files, ROOT_OBJECT_MAP, report)?.read().map(|root| files::root_objects(&root)).unwrap_or_default();
    for name in WARN_IF_MISSING {
        // A file without a snapshot was reported as such; it is not also missing.
        if let Optional::Absent = optional(files, name, report)? {
            report(Finding::new(Severity::Warning, 80, name, problems::optional_file_missing(name)));
        }
    }
    let archived =
        optional(files, ARCHIVED_FILES, report)?.read().map(|root| files::archived_files(&root)).unwrap_or_default();

    let mut references = References::default();
    let mut manifests = Vec::with_capacity(system_data.manifest_files.len());
    let mut objects = 0;
    for name in &system_data.manifest_files {
        let mut file = match files.open(name).map_err(|p| Finding::new(Severity::Fatal, 99, name, p))? {
            Opened::Found(file) => file,
            Opened::Missing => {
                return Err(Finding::new(Severity::Fatal, 99, name, problems::package_file_missing(name)));
            }
            Opened::WithoutSnapshot => {
                return Err(Finding::new(Severity::Fatal, 135, name, problems::package_file_without_snapshot(name)));
            }
            Opened::Undecryptable => return Err(undecryptable(name)),
        };
        objects += read_manifest(name, &file, &mut references)?;
        file.rewind().map_err(|e| {
            Finding::new(Severity::Fatal, 99, name, problems::package_file_unreadable(name, &e.to_string()))
        })?;
        manifests.push((name.clone(), file));
    }
    let doomed = references.forward_references(report);
    for root in &root_objects {
        let used = root.id.is_some_and(|id| references.lists.contains(&id));
        if root.kind == "List" && !used {
            let id = root.id.map(|id| id.to_string()).unwrap_or_default();
            report(Finding::new(Severity::Warning, 103, ROOT_OBJECT_MAP, problems::root_object_unused(&id)));
        }
    }
    let ignore_web_parts = export.attr("IgnoreWebParts").and_then(crate::package::values::boolean).unwrap_or(false);
    let include_security = export.attr("IncludeSecurity").map(str::to_string);
    Ok(Intake {
        system_data,
        user_group,
        root_objects,
        archived,
        manifests,
        objects,
        doomed,
        ignore_web_parts,
        include_security,
    })
}

/// A required package file, parsed and validated (behaviours 79, 82, 90, 135).
fn required(files: &mut dyn ManifestFiles, name: &str) -> Result<Element, Finding> {
    match files.open(name).map_err(|p| Finding::new(Severity::Fatal, 79, name, p))? {
        Opened::Missing => Err(Finding::new(Severity::Fatal, 79, name, problems::package_file_missing(name))),
        Opened::WithoutSnapshot => {
            Err(Finding::new(Severity::Fatal, 135, name, problems::package_file_without_snapshot(name)))
        }
        Opened::Found(file) => document(name, file),
        Opened::Undecryptable => Err(undecryptable(name)),
    }
}

fn undecryptable(name: &str) -> Finding {
    Finding::new(Severity::Fatal, 139, name, problems::package_file_undecryptable(name))
}

/// An optional package file, when present; without a snapshot (when those are required) it
/// counts as absent, with a warning.
fn optional(files: &mut dyn ManifestFiles, name: &str, report: &mut dyn FnMut(Finding)) -> Result<Optional, Finding> {
    match files.open(name).map_err(|p| Finding::new(Severity::Fatal, 82, name, p))? {
        Opened::Missing => Ok(Optional::Absent),
        Opened::WithoutSnapshot => {
            report(Finding::new(Severity::Warning, 135, name, problems::package_file_without_snapshot(name)));
            Ok(Optional::Unusable)
        }
        Opened::Found(file) => document(name, file).map(Optional::Read),
        Opened::Undecryptable => Err(undecryptable(name)),
    }
}

/// What became of an optional package file.
enum Optional {
    Read(Element),
    Absent,
    /// There, but not to be read (no snapshot); already reported.
    Unusable,
}

impl Optional {
    fn read(self) -> Option<Element> {
        match self {
            Optional::Read(root) => Some(root),
            Optional::Absent | Optional::Unusable => None,
        }
    }
}

fn document(name: &str, file: File) -> Result<Element, Finding> {
    let root = read_document(BufReader::new(file), &Limits::default()).map_err(|e| malformed(name, &e))?;
    let schema = schema::for_file(name).expect("every named package file has a schema");
    Validator::new(schema).document(&root).map_err(|e| invalid(name, &e))?;
    Ok(root)
}

fn malformed(file: &str, error: &XmlError) -> Finding {
    Finding::new(Severity::Fatal, 90, file, problems::malformed_xml(error)).at(error.line, error.column)
}

fn invalid(file: &str, error: &schema::SchemaError) -> Finding {
    let problem = problems::schema_invalid(file, error);
    Finding::new(Severity::Fatal, behaviour_of(error), file, problem).at(error.line, error.column)
}

/// The checklist's behaviour for a schema error: the specific rule where there is one
/// (behaviours 83–92), the general one (82) otherwise.
fn behaviour_of(error: &schema::SchemaError) -> u16 {
    match &error.kind {
        SchemaErrorKind::UndeclaredAttribute { attribute } if attribute == "EncodedAttributes" => 92,
        SchemaErrorKind::UndeclaredAttribute { .. } if matches!(error.element.as_str(), "List" | "DocumentLibrary") => {
            83
        }
        SchemaErrorKind::UndeclaredAttribute { .. } if error.element == "Folder" => 85,
        SchemaErrorKind::InvalidChild if error.element == "SPObject" => 86,
        SchemaErrorKind::Datatype { enumeration: true } => 88,
        SchemaErrorKind::MissingAttribute => 89,
        _ => 82,
    }
}

/// Behaviours 93–96.
fn source_type(export: &Element, options: &IntakeOptions, report: &mut dyn FnMut(Finding)) -> Result<(), Finding> {
    match export.attr("SourceType") {
        None => {
            let finding = Finding::new(Severity::Fatal, 93, EXPORT_SETTINGS, problems::source_type_missing())
                .at(export.line, export.column);
            if options.source_type_required {
                return Err(finding);
            }
            report(Finding { severity: Severity::Warning, behaviour: 94, ..finding });
        }
        Some(value) if !SOURCE_TYPES.contains(&value) => {
            return Err(Finding::new(Severity::Fatal, 95, EXPORT_SETTINGS, problems::source_type_unknown(value))
                .at(export.line, export.column));
        }
        Some("Other") if export.attr("DetailedSource").is_none_or(|d| d.trim().is_empty()) => {
            report(
                Finding::new(Severity::Warning, 96, EXPORT_SETTINGS, problems::detailed_source_missing())
                    .at(export.line, export.column),
            );
        }
        Some(_) => {}
    }
    Ok(())
}

/// Behaviours 108–110 and the SystemId format.
fn users(map: &UserGroupMap, report: &mut dyn FnMut(Finding)) -> Result<(), Finding> {
    if map.users.is_empty() {
        report(Finding::new(Severity::Warning, 110, USER_GROUP, problems::no_users()));
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    for user in &map.users {
        let account = login_account(&user.login).to_lowercase();
        if let Some(first) = seen.insert(account.clone(), &user.id) {
            return Err(Finding::new(
                Severity::Fatal,
                108,
                USER_GROUP,
                problems::duplicate_user(&account, first, &user.id),
            ));
        }
        if !user.is_deleted && !is_upn_claim(&user.login) {
            let advice = problems::advice(format!(
                "User '{}' has the login '{}', which is not a UPN claim (i:0#.f|membership|name@domain); the service \
                 accepts it but may resolve it to the wrong account or to none.",
                user.id, user.login
            ));
            report(Finding::new(Severity::Advice, 109, USER_GROUP, advice));
        }
        if user.system_id_text.is_some() && user.system_id.is_none() {
            let advice = problems::advice(format!(
                "User '{}' has a SystemId that is not base64; it is ignored, so an unresolved login falls back to \
                 System Account.",
                user.id
            ));
            report(Finding::new(Severity::Advice, 106, USER_GROUP, advice));
        }
    }
    Ok(())
}

/// Reads one manifest: well-formed, valid, and what its objects refer to.
fn read_manifest(name: &str, file: &File, references: &mut References) -> Result<u64, Finding> {
    let mut stream = ChildStream::new(BufReader::new(file), Limits::default()).map_err(|e| malformed(name, &e))?;
    let mut validator = Validator::new(&manifest::SCHEMA);
    let root = stream.root().clone();
    let mut progress = validator.start(&root).map_err(|e| invalid(name, &e))?;
    let mut objects = 0;
    for child in stream.by_ref() {
        let object = child.map_err(|e| malformed(name, &e))?;
        validator.child(&mut progress, &root, &object).map_err(|e| invalid(name, &e))?;
        references.record(name, &object);
        objects += 1;
    }
    validator.finish(progress, &root).map_err(|e| invalid(name, &e))?;
    Ok(objects)
}

/// The ids a package defines and the parents its objects name, in document order.
#[derive(Default)]
struct References {
    /// Object id → its position in the package.
    defined: HashMap<Uuid, usize>,
    /// (position, manifest, the object as a problem subject, its parent id).
    parents: Vec<(usize, String, Subject, Uuid)>,
    /// List ids objects refer to, for RootObjectMap.xml.
    lists: HashSet<Uuid>,
    count: usize,
}

impl References {
    fn record(&mut self, manifest: &str, object: &Element) {
        let position = self.count;
        self.count += 1;
        let Some(body) = object.children.first() else { return };
        let id = body.attr("Id").or(object.attr("Id")).and_then(guid);
        if let Some(id) = id {
            self.defined.entry(id).or_insert(position);
        }
        for attribute in ["ListId", "ParentListId", "ContainingDocumentLibrary"] {
            if let Some(list) = body.attr(attribute).and_then(guid) {
                self.lists.insert(list);
            }
        }
        if matches!(body.name.as_str(), "List" | "DocumentLibrary")
            && let Some(id) = id
        {
            self.lists.insert(id);
        }
        let (kind, parent, url) = match body.name.as_str() {
            "Folder" => (ObjectType::Folder, body.attr("ParentFolderId"), body.attr("Url")),
            "File" => (ObjectType::File, body.attr("ParentId").or(object.attr("ParentId")), body.attr("Url")),
            "ListItem" => (ObjectType::ListItem, body.attr("ParentFolderId"), body.attr("FileUrl")),
            _ => return,
        };
        let url = url.or(object.attr("Url")).unwrap_or_default();
        if let Some(parent) = parent.and_then(guid) {
            self.parents.push((position, manifest.to_string(), Subject::new(kind, url, id), parent));
        }
        // A list item bound to a file or folder needs it first too.
        if body.name == "ListItem"
            && let Some(doc) = body.attr("DocId").and_then(guid)
        {
            self.parents.push((position, manifest.to_string(), Subject::new(kind, url, id), doc));
        }
    }

    /// Objects whose parent is defined later in the package (behaviour 124).
    fn forward_references(&self, report: &mut dyn FnMut(Finding)) -> HashMap<Uuid, Problem> {
        let mut doomed = HashMap::new();
        for (position, manifest, subject, parent) in &self.parents {
            if self.defined.get(parent).is_some_and(|p| p > position) {
                let problem = subject.parent_comes_later(*parent);
                if let Some(id) = subject.id {
                    if doomed.contains_key(&id) {
                        continue;
                    }
                    doomed.insert(id, problem.clone());
                }
                report(Finding::new(Severity::Error, 124, manifest, problem));
            }
        }
        doomed
    }
}
