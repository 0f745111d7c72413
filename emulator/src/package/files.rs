//! The small package files as typed values: ExportSettings.xml, SystemData.xml and
//! UserGroup.xml (package.md §2, §3, §6). Schema validation is separate; these readers take
//! what is there.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use uuid::Uuid;

use super::values::{boolean, guid};
use super::xml::Element;

pub const EXPORT_SETTINGS: &str = "ExportSettings.xml";
pub const SYSTEM_DATA: &str = "SystemData.xml";
pub const USER_GROUP: &str = "UserGroup.xml";
pub const ROOT_OBJECT_MAP: &str = "RootObjectMap.xml";
pub const ARCHIVED_FILES: &str = "ArchivedFiles.xml";
/// Optional files whose absence the service logs as a warning (behaviour 80).
pub const WARN_IF_MISSING: [&str; 3] = ["LookupListMap.xml", "Requirements.xml", "ViewFormsList.xml"];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemData {
    /// Manifest blob names, in processing order (behaviour 98).
    pub manifest_files: Vec<String>,
    /// Objects the import must leave untouched (behaviour 101).
    pub system_objects: Vec<Uuid>,
}

pub fn system_data(root: &Element) -> SystemData {
    let manifest_files = root
        .child("ManifestFiles")
        .map(|m| m.children_named("ManifestFile").filter_map(|f| f.attr("Name")).map(str::to_string).collect())
        .unwrap_or_default();
    let system_objects = root
        .child("SystemObjects")
        .map(|s| s.children_named("SystemObject").filter_map(|o| o.attr("Id").and_then(guid)).collect())
        .unwrap_or_default();
    SystemData { manifest_files, system_objects }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageUser {
    /// The id other package files use to refer to the user (`Author="1"`).
    pub id: String,
    pub name: String,
    pub login: String,
    pub email: String,
    pub is_site_admin: bool,
    pub is_deleted: bool,
    pub system_id: Option<Vec<u8>>,
    /// `SystemId` as written, for checking its form.
    pub system_id_text: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageGroup {
    /// The id `PrincipalId`, `Owner` and other groups use; shared with users' ids.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// A user id, or a group id when `owner_is_user` is false.
    pub owner: Option<String>,
    pub owner_is_user: bool,
    pub member_ids: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserGroupMap {
    pub users: Vec<PackageUser>,
    pub groups: Vec<PackageGroup>,
}

pub fn user_group(root: &Element) -> UserGroupMap {
    let users = root
        .child("Users")
        .map(|users| {
            users
                .children_named("User")
                .map(|u| PackageUser {
                    id: u.attr("Id").unwrap_or_default().to_string(),
                    name: u.attr("Name").unwrap_or_default().to_string(),
                    login: u.attr("Login").unwrap_or_default().to_string(),
                    email: u.attr("Email").unwrap_or_default().to_string(),
                    is_site_admin: u.attr("IsSiteAdmin").and_then(boolean).unwrap_or(false),
                    is_deleted: u.attr("IsDeleted").and_then(boolean).unwrap_or(false),
                    system_id: u.attr("SystemId").filter(|s| !s.is_empty()).and_then(|s| BASE64.decode(s).ok()),
                    system_id_text: u.attr("SystemId").filter(|s| !s.is_empty()).map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
    let groups = root
        .child("Groups")
        .map(|groups| {
            groups
                .children_named("Group")
                .map(|g| PackageGroup {
                    id: g.attr("Id").unwrap_or_default().to_string(),
                    name: g.attr("Name").unwrap_or_default().to_string(),
                    description: g.attr("Description").map(str::to_string),
                    owner: g.attr("Owner").map(str::trim).filter(|o| !o.is_empty()).map(str::to_string),
                    owner_is_user: g.attr("OwnerIsUser").and_then(boolean).unwrap_or(true),
                    member_ids: g
                        .children_named("Member")
                        .filter_map(|m| m.attr("UserId"))
                        .map(str::to_string)
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    UserGroupMap { users, groups }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootObject {
    pub id: Option<Uuid>,
    pub kind: String,
    pub parent_id: Option<Uuid>,
    pub web_url: String,
    pub url: String,
}

/// RootObjectMap.xml (package.md §4).
pub fn root_objects(root: &Element) -> Vec<RootObject> {
    root.children_named("RootObject")
        .map(|o| RootObject {
            id: o.attr("Id").and_then(guid),
            kind: o.attr("Type").unwrap_or_default().to_string(),
            parent_id: o.attr("ParentId").and_then(guid),
            web_url: o.attr("WebUrl").unwrap_or_default().to_string(),
            url: o.attr("Url").unwrap_or_default().to_string(),
        })
        .collect()
}

/// One zip of ArchivedFiles.xml (package.md §10).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArchivedPack {
    /// Blob name of the zip in the source container.
    pub name: String,
    /// Base64 QuickXorHash of the (unencrypted) zip.
    pub checksum: String,
    /// The `FileValue`s it holds, as zip entry names.
    pub file_values: Vec<String>,
}

pub fn archived_files(root: &Element) -> Vec<ArchivedPack> {
    root.children_named("ArchivedFile")
        .map(|a| ArchivedPack {
            name: a.attr("Name").unwrap_or_default().to_string(),
            checksum: a.attr("Checksum").unwrap_or_default().to_string(),
            file_values: a.children_named("File").filter_map(|f| f.attr("FileValue")).map(str::to_string).collect(),
        })
        .collect()
}
