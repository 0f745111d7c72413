//! Rows of the site model as Rust values. Field names follow SharePoint's property names
//! where one exists, so the REST layer maps them without surprises.

use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteCollection {
    pub id: Uuid,
    /// Server-relative, e.g. `/sites/dev`.
    pub url: String,
    pub root_web_id: Uuid,
    pub created: OffsetDateTime,
    /// Custom script off: pages receive only script-safe web parts (behaviour 159).
    pub no_script: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Web {
    pub id: Uuid,
    pub site_id: Uuid,
    pub parent_web_id: Option<Uuid>,
    pub url: String,
    pub title: String,
    pub description: String,
    /// The template name without configuration, e.g. `STS`.
    pub web_template: String,
    pub configuration: i32,
    pub language: i32,
    pub created: OffsetDateTime,
    pub last_modified: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List {
    pub id: Uuid,
    pub web_id: Uuid,
    pub title: String,
    pub description: String,
    pub base_template: i32,
    pub base_type: i32,
    pub hidden: bool,
    pub enable_versioning: bool,
    pub enable_minor_versions: bool,
    pub root_folder_id: Uuid,
    /// Server-relative URL of the root folder, e.g. `/sites/dev/Shared Documents`.
    pub url: String,
    pub item_count: i64,
    pub created: OffsetDateTime,
    pub last_modified: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    pub id: Uuid,
    pub web_id: Uuid,
    pub list_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub url: String,
    pub item_id: Option<i64>,
    /// Files and sub-folders directly inside.
    pub item_count: i64,
    pub time_created: OffsetDateTime,
    pub time_last_modified: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login_name: String,
    pub title: String,
    pub email: String,
    pub is_site_admin: bool,
    pub is_deleted: bool,
}

/// SharePoint's reserved principal id of "System Account".
pub const SYSTEM_ACCOUNT_ID: i64 = 1_073_741_823;
pub const SYSTEM_ACCOUNT_LOGIN: &str = "SHAREPOINT\\system";
pub const SYSTEM_ACCOUNT_TITLE: &str = "System Account";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub id: Uuid,
    pub web_id: Uuid,
    pub list_id: Option<Uuid>,
    pub folder_id: Uuid,
    pub name: String,
    pub url: String,
    pub item_id: Option<i64>,
    pub author_id: Option<i64>,
    pub modified_by_id: Option<i64>,
    pub time_created: OffsetDateTime,
    pub time_last_modified: OffsetDateTime,
    /// The current (highest) version.
    pub current: FileVersion,
    /// The current version has streams besides its primary one (behaviour 128).
    pub has_alternate_streams: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileVersion {
    /// SharePoint's internal number: major × 512 + minor.
    pub version: i64,
    pub content_sha256: String,
    pub size: i64,
    pub created: OffsetDateTime,
    pub created_by_id: Option<i64>,
    pub checkin_comment: String,
}

impl FileVersion {
    /// `major.minor`, e.g. `2.0`.
    pub fn label(&self) -> String {
        version_label(self.version)
    }
}

/// `major.minor` of an internal version number.
pub fn version_label(version: i64) -> String {
    format!("{}.{}", version / 512, version % 512)
}

/// The internal number of a `major.minor` label.
pub fn parse_version_label(label: &str) -> Option<i64> {
    let (major, minor) = label.trim().split_once('.').unwrap_or((label.trim(), "0"));
    let (major, minor): (i64, i64) = (major.parse().ok()?, minor.parse().ok()?);
    ((0..=511).contains(&minor) && major >= 0).then_some(major * 512 + minor)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem {
    pub list_id: Uuid,
    pub id: i64,
    pub unique_id: Uuid,
    pub content_type_id: String,
    pub file_id: Option<Uuid>,
    pub folder_id: Option<Uuid>,
    /// The folder the item is in.
    pub parent_folder_id: Option<Uuid>,
    pub author_id: Option<i64>,
    pub editor_id: Option<i64>,
    pub created: OffsetDateTime,
    pub modified: OffsetDateTime,
    pub moderation_status: i32,
    pub version: i64,
    /// Field values by internal name (in name order when read back).
    pub fields: Vec<(String, Option<String>)>,
}
