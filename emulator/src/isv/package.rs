//! Building an import package the way a file-share migration tool does: the package XML
//! files and the content blobs for one document library, then staging them in storage.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::escape::escape;
use uuid::Uuid;

use crate::package::values::leaf;
use crate::storage::admin::{AccountAdmin, Upload};
use crate::storage::blobs::StorageError;
use crate::storage::crypto::{self, JobKey};

/// The library a package targets, with the ids the tool read from SharePoint.
#[derive(Clone, Debug)]
pub struct LibraryTarget {
    pub web_id: Uuid,
    /// Server-relative URL of the web, e.g. `/sites/dev`.
    pub web_url: String,
    pub list_id: Uuid,
    pub root_folder_id: Uuid,
    /// Server-relative URL of the library's root folder.
    pub library_url: String,
}

/// A package under construction.
pub struct PackageBuilder {
    target: LibraryTarget,
    users: Vec<String>,
    objects: String,
    blobs: Vec<(String, Vec<u8>)>,
    folders: Vec<(String, Uuid)>,
    next_item_id: i64,
    timestamp: String,
    /// Web-relative URLs of the files, by id, for role assignments.
    files: Vec<(Uuid, String)>,
    /// `RoleAssignment` elements: unique permissions on files.
    grants: String,
}

/// A file to add.
#[derive(Clone, Debug, Default)]
pub struct FileSpec {
    /// Library-relative path, e.g. `Folder/a.txt`.
    pub path: String,
    /// Each version's bytes, oldest first; the last is current.
    pub versions: Vec<Vec<u8>>,
    /// List item field values (`Title` etc.).
    pub fields: Vec<(String, String)>,
    /// `Author`/`ModifiedBy` as a UserGroup.xml user id.
    pub author: Option<String>,
}

/// A list item without a file, for a list that is not a library.
#[derive(Clone, Debug, Default)]
pub struct ItemSpec {
    /// The item's integer id (`IntId`).
    pub id: i64,
    /// Field values by internal name (`Title` etc.).
    pub fields: Vec<(String, String)>,
    /// `Author`/`ModifiedBy` as a UserGroup.xml user id.
    pub author: Option<String>,
    /// `ModerationStatus`, e.g. `Pending`; `Approved` when absent.
    pub moderation_status: Option<String>,
    /// `major.minor`; `1.0` when absent.
    pub version: Option<String>,
}

/// The built package: manifest container files and content blobs.
#[derive(Clone, Debug)]
pub struct Package {
    pub manifest_files: Vec<(String, Vec<u8>)>,
    pub content: Vec<(String, Vec<u8>)>,
}

impl PackageBuilder {
    pub fn new(target: LibraryTarget) -> PackageBuilder {
        PackageBuilder {
            target,
            users: Vec::new(),
            objects: String::new(),
            blobs: Vec::new(),
            folders: Vec::new(),
            next_item_id: 1,
            timestamp: "2024-03-01T10:00:00".into(),
            files: Vec::new(),
            grants: String::new(),
        }
    }

    /// Numbers list items from `id` on (packages that share a library need distinct ids).
    pub fn first_item_id(mut self, id: i64) -> PackageBuilder {
        self.next_item_id = id;
        self
    }

    /// Adds a user to UserGroup.xml; returns its package id.
    pub fn user(&mut self, login: &str, name: &str) -> String {
        let id = (self.users.len() + 1).to_string();
        self.users.push(format!(
            r#"<User Id="{id}" Name="{}" Login="{}" Email="" IsDomainGroup="false" IsSiteAdmin="false" IsDeleted="false" />"#,
            escape(name),
            escape(login)
        ));
        id
    }

    /// Adds a folder (its parent must have been added first); returns its id.
    pub fn folder(&mut self, path: &str) -> Uuid {
        let id = Uuid::new_v4();
        let url = self.web_relative(path);
        let parent = self.parent_id(path);
        let t = &self.target;
        let _ = write!(
            self.objects,
            r#"<SPObject Id="{id}" ObjectType="SPFolder" ParentId="{parent}" ParentWebId="{web}" ParentWebUrl="{web_url}" Url="{url}"><Folder Id="{id}" Url="{url}" Name="{name}" ParentFolderId="{parent}" ParentWebId="{web}" ParentWebUrl="{web_url}" ContainingDocumentLibrary="{list}" TimeCreated="{ts}" TimeLastModified="{ts}" /></SPObject>"#,
            web = t.web_id,
            web_url = escape(&t.web_url),
            url = escape(&url),
            name = escape(leaf(path)),
            list = t.list_id,
            ts = self.timestamp,
        );
        self.folders.push((path.to_string(), id));
        id
    }

    /// Adds a file with all its versions and its list item; returns the file id.
    pub fn file(&mut self, spec: &FileSpec) -> Uuid {
        assert!(!spec.versions.is_empty(), "a file has at least one version");
        let id = Uuid::new_v4();
        let item_id = self.next_item_id;
        self.next_item_id += 1;
        let url = self.web_relative(&spec.path);
        let parent = self.parent_id(&spec.path);
        let author = spec.author.as_deref().map(|a| format!(r#" Author="{a}" ModifiedBy="{a}""#)).unwrap_or_default();
        let t = self.target.clone();
        let mut versions = String::new();
        let mut current = String::new();
        for (index, body) in spec.versions.iter().enumerate() {
            let blob = format!("{:08X}.dat", self.blobs.len());
            let label = format!("{}.0", index + 1);
            let _ = write!(
                versions,
                r#"<File Url="{url}" Id="{id}" Name="{name}" FileValue="{blob}" Version="{label}" TimeCreated="{ts}" TimeLastModified="{ts}"{author} />"#,
                url = escape(&url),
                name = escape(leaf(&spec.path)),
                ts = self.timestamp,
            );
            self.blobs.push((blob.clone(), body.clone()));
            current = blob;
        }
        let versions = if spec.versions.len() > 1 { format!("<Versions>{versions}</Versions>") } else { String::new() };
        let _ = write!(
            self.objects,
            r#"<SPObject Id="{id}" ObjectType="SPFile" ParentId="{parent}" ParentWebId="{web}" ParentWebUrl="{web_url}" Url="{url}"><File Url="{url}" Id="{id}" ParentWebId="{web}" ParentWebUrl="{web_url}" Name="{name}" ListItemIntId="{item_id}" ListId="{list}" ParentId="{parent}" TimeCreated="{ts}" TimeLastModified="{ts}" Version="{count}.0" FileValue="{current}" FileSize="{size}"{author}>{versions}</File></SPObject>"#,
            web = t.web_id,
            web_url = escape(&t.web_url),
            url = escape(&url),
            name = escape(leaf(&spec.path)),
            list = t.list_id,
            ts = self.timestamp,
            count = spec.versions.len(),
            size = spec.versions.last().map_or(0, Vec::len),
        );
        let fields: String = spec
            .fields
            .iter()
            .map(|(name, value)| format!(r#"<Field Name="{}" Value="{}" Type="Text" />"#, escape(name), escape(value)))
            .collect();
        self.files.push((id, url.clone()));
        let dir = match spec.path.rfind('/') {
            Some(i) => format!("{}/{}", t.library_url, &spec.path[..i]),
            None => t.library_url.clone(),
        };
        let _ = write!(
            self.objects,
            r#"<SPObject Id="{item}" ObjectType="SPListItem" ParentId="{list}" ParentWebId="{web}" ParentWebUrl="{web_url}" Url="{url}"><ListItem FileUrl="{url}" DocType="File" ParentFolderId="{parent}" Id="{item}" ParentWebId="{web}" ParentListId="{list}" Name="{name}" DirName="{dir}" IntId="{item_id}" DocId="{id}" Version="{count}.0" TimeCreated="{ts}" TimeLastModified="{ts}" ModerationStatus="Approved"{author}><Fields>{fields}</Fields></ListItem></SPObject>"#,
            item = Uuid::new_v4(),
            list = t.list_id,
            web = t.web_id,
            web_url = escape(&t.web_url),
            url = escape(&url),
            name = escape(leaf(&spec.path)),
            dir = escape(&dir),
            ts = self.timestamp,
            count = spec.versions.len(),
        );
        id
    }

    /// Adds a list item of the target list (a list, not a library) in its root folder; returns
    /// its unique id.
    pub fn item(&mut self, spec: &ItemSpec) -> Uuid {
        let id = Uuid::new_v4();
        let t = &self.target;
        let author = spec.author.as_deref().map(|a| format!(r#" Author="{a}" ModifiedBy="{a}""#)).unwrap_or_default();
        let fields: String = spec
            .fields
            .iter()
            .map(|(name, value)| format!(r#"<Field Name="{}" Value="{}" Type="Text" />"#, escape(name), escape(value)))
            .collect();
        let url = format!("{}/{}_.000", self.web_relative("").trim_end_matches('/'), spec.id);
        let _ = write!(
            self.objects,
            r#"<SPObject Id="{id}" ObjectType="SPListItem" ParentId="{list}" ParentWebId="{web}" ParentWebUrl="{web_url}" Url="{url}"><ListItem ParentFolderId="{root}" Id="{id}" ParentWebId="{web}" ParentListId="{list}" Name="{item_id}_.000" DirName="{dir}" IntId="{item_id}" Version="{version}" TimeCreated="{ts}" TimeLastModified="{ts}" ModerationStatus="{moderation}"{author}><Fields>{fields}</Fields></ListItem></SPObject>"#,
            list = t.list_id,
            web = t.web_id,
            web_url = escape(&t.web_url),
            url = escape(&url),
            root = t.root_folder_id,
            item_id = spec.id,
            dir = escape(&t.library_url),
            version = spec.version.as_deref().unwrap_or("1.0"),
            ts = self.timestamp,
            moderation = spec.moderation_status.as_deref().unwrap_or("Approved"),
        );
        id
    }

    /// Gives a file added earlier unique permissions: `role_id` (a role definition id, e.g.
    /// 1073741826 for Read) for the package user `principal` (behaviour 155).
    pub fn grant(&mut self, file: Uuid, principal: &str, role_id: i64) {
        let url = &self.files.iter().find(|(id, _)| *id == file).expect("the file was added").1;
        let _ = write!(
            self.grants,
            r#"<RoleAssignment ScopeId="{scope}" RoleDefWebId="{web}" RoleDefWebUrl="{web_url}" ObjectId="{file}" ObjectType="2" ObjectUrl="{url}" AnonymousPermMask="0"><Assignment RoleId="{role_id}" PrincipalId="{principal}" /></RoleAssignment>"#,
            scope = Uuid::new_v4(),
            web = self.target.web_id,
            web_url = escape(&self.target.web_url),
            url = escape(url),
            principal = escape(principal),
        );
    }

    pub fn build(mut self) -> Package {
        let security = if self.grants.is_empty() { "None" } else { "All" };
        if !self.grants.is_empty() {
            let t = &self.target;
            let _ = write!(
                self.objects,
                r#"<SPObject Id="{id}" ObjectType="DeploymentRoleAssignments" ParentId="{web}" ParentWebId="{web}" ParentWebUrl="{web_url}"><RoleAssignments>{grants}</RoleAssignments></SPObject>"#,
                id = Uuid::new_v4(),
                web = t.web_id,
                web_url = escape(&t.web_url),
                grants = self.grants,
            );
        }
        let t = &self.target;
        let declaration = r#"<?xml version="1.0" encoding="utf-8"?>"#;
        let export = format!(
            r#"{declaration}<ExportSettings xmlns="urn:deployment-exportsettings-schema" SiteUrl="http://fileshare/sites/user" FileLocation="C:\" IncludeSecurity="{security}" SourceType="FileShare"><ExportObjects><DeploymentObject Id="{}" Type="List" ParentId="{}" /></ExportObjects></ExportSettings>"#,
            t.list_id, t.web_id
        );
        let system = format!(
            r#"{declaration}<SystemData xmlns="urn:deployment-systemdata-schema"><SchemaVersion Version="15.0.0.0" Build="16.0.3111.1200" DatabaseVersion="11552" SiteVersion="15" /><ManifestFiles><ManifestFile Name="Manifest.xml" /></ManifestFiles><SystemObjects /><RootWebOnlyLists /></SystemData>"#
        );
        let users = format!(
            r#"{declaration}<UserGroupMap xmlns="urn:deployment-usergroupmap-schema"><Users>{}</Users><Groups /></UserGroupMap>"#,
            self.users.concat()
        );
        let manifest =
            format!(r#"{declaration}<SPObjects xmlns="urn:deployment-manifest-schema">{}</SPObjects>"#, self.objects);
        let empty = |root: &str, ns: &str| format!(r#"{declaration}<{root} xmlns="urn:deployment-{ns}-schema" />"#);
        let manifest_files = vec![
            ("ExportSettings.xml".to_string(), export),
            ("SystemData.xml".into(), system),
            ("UserGroup.xml".into(), users),
            ("Manifest.xml".into(), manifest),
            ("LookupListMap.xml".into(), empty("LookupLists", "lookuplistmap")),
            ("Requirements.xml".into(), empty("Requirements", "requirements")),
            ("ViewFormsList.xml".into(), empty("ViewFormsList", "viewformlist")),
        ];
        Package {
            manifest_files: manifest_files.into_iter().map(|(n, x)| (n, x.into_bytes())).collect(),
            content: self.blobs,
        }
    }

    fn web_relative(&self, path: &str) -> String {
        let library =
            self.target.library_url.trim_start_matches(self.target.web_url.trim_end_matches('/')).trim_matches('/');
        format!("{library}/{path}")
    }

    fn parent_id(&self, path: &str) -> Uuid {
        match path.rfind('/') {
            Some(i) => {
                let parent = &path[..i];
                self.folders
                    .iter()
                    .find(|(p, _)| p == parent)
                    .map(|(_, id)| *id)
                    .expect("parent folders are added first")
            }
            None => self.target.root_folder_id,
        }
    }
}

/// How a package is put into storage.
#[derive(Clone, Debug)]
pub struct Staging {
    /// Encrypt every blob with this key, IV in metadata `IV` (behaviours 139, 140).
    pub key: Option<JobKey>,
    /// Snapshot the content blobs (behaviour 134).
    pub snapshot_content: bool,
    /// Snapshot the manifest container's files.
    pub snapshot_manifest: bool,
    /// Set Content-MD5 on uploads (Put Blob would compute it anyway).
    pub content_md5: bool,
    /// Blobs (of either container) left without a snapshot whatever the two flags say.
    pub no_snapshot: Vec<String>,
}

impl Default for Staging {
    fn default() -> Self {
        Staging {
            key: None,
            snapshot_content: true,
            snapshot_manifest: true,
            content_md5: true,
            no_snapshot: Vec::new(),
        }
    }
}

/// Uploads a package into two containers.
pub async fn stage(
    tool: &AccountAdmin,
    package: &Package,
    source: &str,
    manifest: &str,
    staging: &Staging,
) -> Result<(), StorageError> {
    for (container, blobs, snapshot) in [
        (source, &package.content, staging.snapshot_content),
        (manifest, &package.manifest_files, staging.snapshot_manifest),
    ] {
        for (name, bytes) in blobs {
            let (bytes, metadata) = match &staging.key {
                Some(key) => {
                    // A v4 GUID would fix six of the IV's bits.
                    let iv = crate::ids::Ids::random().bytes();
                    (crypto::encrypt(key, &iv, bytes), vec![("IV".to_string(), BASE64.encode(iv))])
                }
                None => (bytes.clone(), Vec::new()),
            };
            tool.put(
                container,
                name,
                bytes,
                &Upload { metadata, content_md5: staging.content_md5, md5_override: None },
            )
            .await?;
            if snapshot && !staging.no_snapshot.contains(name) {
                tool.snapshot(container, name).await?;
            }
        }
    }
    Ok(())
}
