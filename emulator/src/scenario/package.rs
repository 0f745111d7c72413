//! The package a scenario imports: a folder (edited, then pointed at the scenario's site) or
//! one generated for that site.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use uuid::Uuid;

use super::format::{Generate, PackageSpec};
use crate::isv::package::{FileSpec, LibraryTarget, Package, PackageBuilder};
use crate::site::spec::SiteSpec;

/// The ids and URLs of a site's root web and its "Documents" library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteIds {
    pub url: String,
    pub web_id: Uuid,
    pub list_id: Uuid,
    pub root_folder_id: Uuid,
    /// Server-relative URL of the library's root folder.
    pub library_url: String,
}

impl SiteIds {
    /// What the emulator makes of a site at `url`: ids are derived from URLs, so the runner
    /// knows them without asking.
    pub fn of(url: &str) -> SiteIds {
        let plan = SiteSpec::named(url, "Scenario").plan().expect("scenario site URLs are valid");
        let web = &plan.webs[0];
        let docs = plan
            .lists
            .iter()
            .find(|l| l.title == "Documents" && l.web_url == web.url)
            .expect("every site has Documents");
        SiteIds {
            url: plan.url.clone(),
            web_id: web.id,
            list_id: docs.id,
            root_folder_id: docs.root_folder_id,
            library_url: docs.url.clone(),
        }
    }

    pub fn library(&self) -> LibraryTarget {
        LibraryTarget {
            web_id: self.web_id,
            web_url: self.url.clone(),
            list_id: self.list_id,
            root_folder_id: self.root_folder_id,
            library_url: self.library_url.clone(),
        }
    }
}

/// The site folder packages are written for.
pub const DEFAULT_SITE: &str = "/sites/dev";

/// A built package, with the files it was made of (by path in the folder, `content/…` for
/// blobs) for expectations that compare bytes.
pub struct Built {
    pub package: Package,
    pub files: BTreeMap<String, Vec<u8>>,
    pub renames: Renames,
}

/// What the runner renamed to give a scenario its own site and ids, so that what comes back
/// can be named as the scenario file names it: the default site's URL and ids, and the
/// package's own GUIDs.
#[derive(Clone, Debug, Default)]
pub struct Renames(Vec<(String, String)>);

impl Renames {
    /// `text` with every new name turned back into the one the scenario file uses.
    pub fn back(&self, text: &str) -> String {
        replace_all(text, self.0.iter().map(|(new, old)| (new, old)))
    }

    /// `text` with the names the scenario file uses turned into the scenario's own.
    pub fn forward(&self, text: &str) -> String {
        replace_all(text, self.0.iter().map(|(new, old)| (old, new)))
    }

    /// [`Renames::back`] on every string of a JSON value.
    pub fn back_json(&self, value: &serde_json::Value) -> serde_json::Value {
        match serde_json::from_str(&self.back(&value.to_string())) {
            Ok(renamed) => renamed,
            Err(_) => value.clone(),
        }
    }
}

/// Builds the scenario's package for `site`. `base` is the scenario file's folder.
pub fn build(spec: &PackageSpec, base: &Path, site: &SiteIds) -> Result<Built, String> {
    match (&spec.folder, &spec.generate) {
        (Some(folder), _) => from_folder(spec, &locate(folder, base)?, site),
        (None, Some(generate)) => Ok(generated(generate, site)),
        (None, None) => Err("[package] needs either `folder` or `[package.generate]`".into()),
    }
}

/// `folder` relative to the scenario's folder, else to a folder above it, else to the
/// working directory.
fn locate(folder: &Path, base: &Path) -> Result<PathBuf, String> {
    if folder.is_absolute() {
        return Ok(folder.to_path_buf());
    }
    base.ancestors()
        .map(|dir| dir.join(folder))
        .chain(std::iter::once(folder.to_path_buf()))
        .find(|candidate| candidate.is_dir())
        .ok_or_else(|| format!("package folder '{}' not found from {}", folder.display(), base.display()))
}

fn from_folder(spec: &PackageSpec, dir: &Path, site: &SiteIds) -> Result<Built, String> {
    let mut files = BTreeMap::new();
    read_tree(dir, "", &mut files)?;
    files.remove("variant.toml");
    for name in &spec.remove {
        files.remove(name).ok_or_else(|| format!("[package] remove: the package has no file '{name}'"))?;
    }
    for edit in &spec.edit {
        let bytes = files.get_mut(&edit.file).ok_or_else(|| format!("[[package.edit]]: no file '{}'", edit.file))?;
        let text = String::from_utf8(std::mem::take(bytes)).map_err(|_| format!("'{}' is not text", edit.file))?;
        let found = text.matches(edit.replace.as_str()).count();
        if found == 0 {
            return Err(format!(
                "[[package.edit]] of '{}': the text to replace is not there: {:?}",
                edit.file, edit.replace
            ));
        }
        let edited = match edit.count {
            Some(count) => text.replacen(edit.replace.as_str(), &edit.with, count),
            None => text.replace(edit.replace.as_str(), &edit.with),
        };
        *bytes = edited.into_bytes();
    }
    for add in &spec.add {
        let bytes = match (&add.text, &add.base64) {
            (Some(text), _) => text.clone().into_bytes(),
            (None, Some(encoded)) => {
                BASE64.decode(encoded.trim()).map_err(|e| format!("[[package.add]] {}: {e}", add.path))?
            }
            (None, None) => return Err(format!("[[package.add]] {} needs `text` or `base64`", add.path)),
        };
        files.insert(add.path.clone(), bytes);
    }
    let default = SiteIds::of(DEFAULT_SITE);
    let renames = renames(&files, &default, site);
    let mut package = Package { manifest_files: Vec::new(), content: Vec::new() };
    for (path, bytes) in &files {
        match path.strip_prefix("content/") {
            Some(blob) => package.content.push((blob.to_string(), bytes.clone())),
            None if path.ends_with(".xml") => package.manifest_files.push((path.clone(), rename(bytes, &renames))),
            None => package.manifest_files.push((path.clone(), bytes.clone())),
        }
    }
    let back = Renames(renames.into_iter().map(|(old, new)| (new, old)).collect());
    Ok(Built { package, files, renames: back })
}

/// Every file under `dir`, by `/`-separated path; `.iv` sidecars of pre-encrypted corpus
/// packages are left out (the runner encrypts itself).
fn read_tree(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = format!("{prefix}{}", path.file_name().unwrap_or_default().to_string_lossy());
        if path.is_dir() {
            read_tree(&path, &format!("{name}/"), files)?;
        } else if !name.ends_with(".iv") {
            files.insert(name, std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?);
        }
    }
    Ok(())
}

/// The old → new names that point a package written for `from` (the default site) at `to`:
/// the site's URL and ids, and every other GUID of the XML files, which becomes one of the
/// scenario's own (the emulator keeps a GUID in one site collection only), consistently
/// across files.
fn renames(files: &BTreeMap<String, Vec<u8>>, from: &SiteIds, to: &SiteIds) -> Vec<(String, String)> {
    let mut renames = site_renames(from, to);
    let namespace = crate::site::spec::derived_id("scenario", &to.url);
    let guid = regex::Regex::new("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        .expect("a valid pattern");
    for (path, bytes) in files {
        let Some(text) = path.ends_with(".xml").then(|| String::from_utf8_lossy(bytes)) else { continue };
        for found in guid.find_iter(&text) {
            let old = found.as_str().to_ascii_lowercase();
            if !renames.iter().any(|(o, _)| *o == old) {
                let new = Uuid::new_v5(&namespace, old.as_bytes()).to_string();
                renames.push((old, new));
            }
        }
    }
    renames
}

/// The default site's ids and URL as `to`'s; the URL only where it ends a path (followed by
/// `/`, a quote, markup, or the full stop that ends a message; never `/sites/devices`).
fn site_renames(from: &SiteIds, to: &SiteIds) -> Vec<(String, String)> {
    [(from.web_id, to.web_id), (from.list_id, to.list_id), (from.root_folder_id, to.root_folder_id)]
        .into_iter()
        .map(|(old, new)| (old.to_string(), new.to_string()))
        .chain(['/', '"', '<', '\'', '.', ' '].map(|end| (format!("{}{end}", from.url), format!("{}{end}", to.url))))
        .collect()
}

fn rename(bytes: &[u8], renames: &[(String, String)]) -> Vec<u8> {
    match std::str::from_utf8(bytes) {
        Ok(text) => replace_all(text, renames.iter().map(|(old, new)| (old, new))).into_bytes(),
        Err(_) => bytes.to_vec(),
    }
}

/// `text` with each `from` replaced by its `to`, in turn.
fn replace_all<'a>(text: &str, pairs: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    let mut text = text.to_string();
    for (from, to) in pairs {
        if text.contains(from.as_str()) {
            text = text.replace(from.as_str(), to);
        }
    }
    text
}

fn generated(spec: &Generate, site: &SiteIds) -> Built {
    let mut builder = PackageBuilder::new(site.library());
    let users: Vec<String> = (1..=spec.users.max(1))
        .map(|n| builder.user(&format!("i:0#.f|membership|user{n}@contoso.com"), &format!("User {n}")))
        .collect();
    let mut bytes = Bytes(spec.seed.max(1));
    let mut nth = 0;
    for folder in 0..spec.folders.max(1) {
        let folder_path = format!("Folder {folder}");
        builder.folder(&folder_path);
        for file in 0..spec.files_per_folder {
            let size = spec.sizes[nth % spec.sizes.len()];
            let author = users[nth % users.len()].clone();
            let id = builder.file(&FileSpec {
                path: format!("{folder_path}/file {file}.bin"),
                versions: (0..spec.versions.max(1)).map(|_| bytes.take(size)).collect(),
                fields: spec.fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                author: Some(author.clone()),
            });
            if nth < spec.unique_permissions {
                builder.grant(id, &author, READ_ROLE);
            }
            nth += 1;
        }
    }
    let back = site_renames(&SiteIds::of(DEFAULT_SITE), site).into_iter().map(|(old, new)| (new, old)).collect();
    Built { package: builder.build(), files: BTreeMap::new(), renames: Renames(back) }
}

/// SharePoint's built-in Read role definition.
const READ_ROLE: i64 = 1_073_741_826;

/// File bodies from a seed (xorshift), so a generated package is the same on every run.
struct Bytes(u64);

impl Bytes {
    fn take(&mut self, len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0 as u8
            })
            .collect()
    }
}
