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
