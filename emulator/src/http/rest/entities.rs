//! SharePoint entity types (SP.Site, SP.Web, SP.List, SP.Folder) built from site-model rows:
//! their default property sets, navigation properties and canonical paths, as SharePoint
//! Online returns them.

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use crate::http::odata::{Entity, Prop};
use crate::site::items::{Attachment, ItemVersion, ItemView};
use crate::site::model::{File, FileVersion, Folder, List, ListItem, SiteCollection, User, Web, version_label};

/// Identifies an entity again when one of its navigation properties is expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Site(Uuid),
    Web(Uuid),
    List {
        web_id: Uuid,
        id: Uuid,
    },
    Folder(Uuid),
    File(Uuid),
    FileVersion {
        file_id: Uuid,
        version: i64,
    },
    ListItem {
        list_id: Uuid,
        id: i64,
    },
    ListItemVersion {
        list_id: Uuid,
        id: i64,
        version: i64,
    },
    Attachment {
        list_id: Uuid,
        id: i64,
    },
    /// A user as a lookup field's value (`SP.Data.UserInfoItem`).
    UserInfo {
        id: i64,
    },
    User {
        site_id: Uuid,
        id: i64,
    },
    /// A row of GetMigrationStatus (not addressable on its own).
    MigrationJobStatus(Uuid),
    /// Role assignments, role definitions and groups (`security.rs`).
    Security(super::security::SecurityKey),
}

/// Where a request landed: the web its URL names, its site collection, and the scheme and
/// host the client used (SharePoint answers with absolute URLs).
#[derive(Clone, Debug)]
pub struct Target {
    pub origin: String,
    pub site: SiteCollection,
    pub web: Web,
}

impl Target {
    /// Absolute form of a server-relative URL. The root (`/`) has no trailing slash, as in
    /// SharePoint's `Url` properties.
    pub fn absolute(&self, server_relative: &str) -> String {
        if server_relative == "/" { self.origin.clone() } else { format!("{}{server_relative}", self.origin) }
    }

    /// Absolute `{web}/_api`.
    pub fn api_base(&self) -> String {
        format!("{}/_api", self.absolute(&self.web.url).trim_end_matches('/'))
    }
}

pub const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";

const SITE_NAVS: &[&str] = &[
    "Audit",
    "CustomScriptSafeDomains",
    "EventReceivers",
    "Features",
    "HubSiteSynchronizableVisitorGroup",
    "Owner",
    "RecycleBin",
    "RootWeb",
    "SecondaryContact",
    "UserCustomActions",
    "VersionPolicyForNewLibrariesTemplate",
];

pub const WEB_NAVS: &[&str] = &[
    "FirstUniqueAncestorSecurableObject",
    "RoleAssignments",
    "AccessRequestsList",
    "Activities",
    "ActivityLogger",
    "Alerts",
    "AllProperties",
    "AppTiles",
    "AssociatedMemberGroup",
    "AssociatedOwnerGroup",
    "AssociatedVisitorGroup",
    "Author",
    "AvailableContentTypes",
    "AvailableFields",
    "CanModernizeHomepage",
    "CardDesigns",
    "ClientWebParts",
    "ContentTypes",
    "CurrentUser",
    "DataLeakagePreventionStatusInfo",
    "DescriptionResource",
    "EventReceivers",
    "Features",
    "Fields",
    "Folders",
    "HostedApps",
    "Lists",
    "ListTemplates",
    "MultilingualSettings",
    "Navigation",
    "OneDriveSharedItems",
    "ParentWeb",
    "PushNotificationSubscribers",
    "RecycleBin",
    "RegionalSettings",
    "RoleDefinitions",
    "RootFolder",
    "SiteCollectionAppCatalog",
    "SiteGroups",
    "SiteUserInfoList",
    "SiteUsers",
    "TenantAppCatalog",
    "ThemeInfo",
    "TitleResource",
    "UserCustomActions",
    "Webs",
    "WebInfos",
    "WorkflowAssociations",
    "WorkflowTemplates",
];

const LIST_NAVS: &[&str] = &[
    "FirstUniqueAncestorSecurableObject",
    "RoleAssignments",
    "Author",
    "ContentTypes",
    "CreatablesInfo",
    "DefaultView",
    "DescriptionResource",
    "EventReceivers",
    "Fields",
    "Forms",
    "InformationRightsManagementSettings",
    "Items",
    "ParentWeb",
    "RootFolder",
    "Subscriptions",
    "TitleResource",
    "UserCustomActions",
    "VersionPolicies",
    "Views",
    "WorkflowAssociations",
];

const FOLDER_NAVS: &[&str] = &["Files", "ListItemAllFields", "ParentFolder", "Properties", "StorageMetrics", "Folders"];

/// `SP.Site`. Its identity follows the URL it was reached under (`{web}/_api/site`).
pub fn site(t: &Target, site: &SiteCollection, path: Option<String>) -> Entity<Key> {
    let url = t.absolute(&site.url);
    let props = vec![
        Prop::new("AllowCreateDeclarativeWorkflow", false),
        Prop::new("AllowDesigner", true),
        Prop::new("AllowMasterPageEditing", false),
        Prop::new("AllowRevertFromTemplate", false),
        Prop::new("AllowSaveDeclarativeWorkflowAsTemplate", false),
        Prop::new("AllowSavePublishDeclarativeWorkflow", false),
        Prop::new("AllowSelfServiceUpgrade", true),
        Prop::new("AllowSelfServiceUpgradeEvaluation", true),
        Prop::new("AuditLogTrimmingRetention", 90),
        Prop::new("ChannelGroupId", ZERO_GUID),
        Prop::new("Classification", ""),
        Prop::new("CompatibilityLevel", 15),
        change_token(1, site.id, site.created),
        Prop::new("DisableAppViews", false),
        Prop::new("DisableCompanyWideSharingLinks", false),
        Prop::new("DisableFlows", false),
        Prop::new("ExternalSharingTipsEnabled", false),
        Prop::new("GeoLocation", "NAM"),
        Prop::new("GroupId", ZERO_GUID),
        Prop::new("HubSiteId", ZERO_GUID),
        Prop::new("Id", site.id.to_string()),
        Prop::new("SensitivityLabelId", Value::Null),
        Prop::new("SensitivityLabel", ZERO_GUID),
        Prop::new("IsHubSite", false),
        Prop::new("LockIssue", Value::Null),
        Prop::new("MaxItemsPerThrottledOperation", 5000),
        Prop::new("MediaTranscriptionDisabled", false),
        Prop::new("NeedsB2BUpgrade", false),
        resource_path("ResourcePath", &url),
        Prop::new("PrimaryUri", url.clone()),
        Prop::new("ReadOnly", false),
        Prop::new("RequiredDesignerVersion", "15.0.0.0"),
        Prop::new("SandboxedCodeActivationCapability", 2),
        Prop::new("ServerRelativeUrl", site.url.clone()),
        Prop::new("ShareByEmailEnabled", false),
        Prop::new("ShareByLinkEnabled", false),
        Prop::new("ShowUrlStructure", false),
        Prop::new("TrimAuditLog", true),
        Prop::new("UIVersionConfigurationEnabled", false),
        Prop::new("UpgradeReminderDate", "1899-12-30T00:00:00"),
        Prop::new("UpgradeScheduled", false),
        Prop::new("UpgradeScheduledDate", "1753-01-01T00:00:00"),
        Prop::new("Upgrading", false),
        Prop::new("Url", url),
        Prop::new("WriteLocked", false),
        resource_path("ServerRelativePath", &site.url).on_select(),
    ];
    Entity {
        key: Key::Site(site.id),
        type_name: "SP.Site".into(),
        set: "SP.ApiData.Sites".into(),
        path: path.unwrap_or_else(|| "site".into()),
        etag: None,
        navs: SITE_NAVS,
        props,
    }
}

/// `SP.Web`.
pub fn web(t: &Target, web: &Web, path: Option<String>) -> Entity<Key> {
    let url = t.absolute(&web.url);
    let props = vec![
        Prop::new("AllowRssFeeds", true),
        Prop::new("AlternateCssUrl", ""),
        Prop::new("AppInstanceId", ZERO_GUID),
        Prop::new("ClassicWelcomePage", Value::Null),
        Prop::new("Configuration", web.configuration),
        // Web.Created alone is written without a zone designator, with a fraction.
        Prop::new("Created", local_date(web.created)),
        change_token(2, web.id, web.last_modified),
        Prop::new("CustomMasterUrl", format!("{}/_catalogs/masterpage/seattle.master", web.url.trim_end_matches('/'))),
        Prop::new("Description", web.description.clone()),
        Prop::new("DesignPackageId", ZERO_GUID),
        Prop::new("DocumentLibraryCalloutOfficeWebAppPreviewersDisabled", false),
        Prop::new("EnableMinimalDownload", false),
        Prop::new("FooterEmphasis", 0),
        Prop::new("FooterEnabled", false),
        Prop::new("FooterLayout", 0),
        Prop::new("HeaderEmphasis", 0),
        Prop::new("HeaderLayout", 0),
        Prop::new("HideTitleInHeader", false),
        Prop::new("HorizontalQuickLaunch", false),
        Prop::new("Id", web.id.to_string()),
        Prop::new("IsHomepageModernized", false),
        Prop::new("IsMultilingual", true),
        Prop::new("IsRevertHomepageLinkHidden", false),
        Prop::new("Language", web.language),
        Prop::new("LastItemModifiedDate", date(web.last_modified)),
        Prop::new("LastItemUserModifiedDate", date(web.last_modified)),
        Prop::new("LogoAlignment", 0),
        Prop::new("MasterUrl", format!("{}/_catalogs/masterpage/seattle.master", web.url.trim_end_matches('/'))),
        Prop::new("MegaMenuEnabled", false),
        Prop::new("NavAudienceTargetingEnabled", false),
        Prop::new("NoCrawl", false),
        Prop::new("ObjectCacheEnabled", false),
        Prop::new("OverwriteTranslationsOnChange", false),
        resource_path("ResourcePath", &url),
        Prop::new("QuickLaunchEnabled", true),
        Prop::new("RecycleBinEnabled", true),
        Prop::new("SearchScope", 0),
        Prop::new("ServerRelativeUrl", web.url.clone()),
        Prop::new("SiteLogoUrl", Value::Null),
        Prop::new("SyndicationEnabled", true),
        Prop::new("TenantAdminMembersCanShare", 0),
        Prop::new("Title", web.title.clone()),
        Prop::new("TreeViewEnabled", false),
        Prop::new("UIVersion", 15),
        Prop::new("UIVersionConfigurationEnabled", false),
        Prop::new("Url", url),
        Prop::new("WebTemplate", web.web_template.clone()),
        Prop::new("WelcomePage", "SitePages/Home.aspx"),
        resource_path("ServerRelativePath", &web.url).on_select(),
        Prop::new("WebTemplateConfiguration", format!("{}#{}", web.web_template, web.configuration)).on_select(),
    ];
    Entity {
        key: Key::Web(web.id),
        type_name: "SP.Web".into(),
        set: "SP.ApiData.Webs".into(),
        path: path.unwrap_or_else(|| "Web".into()),
        etag: None,
        navs: WEB_NAVS,
        props,
    }
}

/// `SP.List`. `web_url` is the server-relative URL of the list's web.
pub fn list(list: &List, web_url: &str) -> Entity<Key> {
    let library = list.base_type == 1;
    let leaf = list.url.rsplit('/').next().unwrap_or_default();
    let entity_type = if library { xml_name(leaf) } else { format!("{}List", xml_name(leaf)) };
    let item_type = format!("SP.Data.{entity_type}Item");
    let image = if library { "/_layouts/15/images/itdl.png?rev=47" } else { "/_layouts/15/images/itgen.png?rev=47" };
    let template_feature =
        if library { "00bfea71-e717-4e80-aa17-d0c71b360101" } else { "00bfea71-de22-43b2-a848-c05709900100" };
    let props = vec![
        Prop::new("AllowContentTypes", true),
        Prop::new("BaseTemplate", list.base_template),
        Prop::new("BaseType", list.base_type),
        Prop::new("ContentTypesEnabled", false),
        Prop::new("CrawlNonDefaultViews", false),
        Prop::new("Created", date(list.created)),
        change_token(3, list.id, list.last_modified),
        Prop::new("DefaultContentApprovalWorkflowId", ZERO_GUID),
        Prop::new("DefaultItemOpenUseListSetting", false),
        Prop::new("Description", list.description.clone()),
        Prop::new("Direction", "none"),
        Prop::new("DisableCommenting", false),
        Prop::new("DisableGridEditing", false),
        Prop::new(
            "DocumentTemplateUrl",
            if library { Value::from(format!("{}/Forms/template.dotx", list.url)) } else { Value::Null },
        ),
        Prop::new("DraftVersionVisibility", 0),
        Prop::new("EnableAttachments", !library),
        Prop::new("EnableFolderCreation", library),
        Prop::new("EnableMinorVersions", list.enable_minor_versions),
        Prop::new("EnableModeration", false),
        Prop::new("EnableRequestSignOff", true),
        Prop::new("EnableVersioning", list.enable_versioning),
        Prop::new("EntityTypeName", entity_type),
        Prop::new("ExemptFromBlockDownloadOfNonViewableFiles", false),
        Prop::new("FileSavePostProcessingEnabled", false),
        Prop::new("ForceCheckout", false),
        Prop::new("HasExternalDataSource", false),
        Prop::new("Hidden", list.hidden),
        Prop::new("Id", list.id.to_string()),
        resource_path("ImagePath", image),
        Prop::new("ImageUrl", image),
        Prop::new("DefaultSensitivityLabelForLibrary", ""),
        Prop::new("IrmEnabled", false),
        Prop::new("IrmExpire", false),
        Prop::new("IrmReject", false),
        Prop::new("IsApplicationList", false),
        Prop::new("IsCatalog", list.url.contains("/_catalogs/")),
        Prop::new("IsPrivate", false),
        Prop::new("ItemCount", list.item_count),
        Prop::new("LastItemDeletedDate", date(list.created)),
        Prop::new("LastItemModifiedDate", date(list.last_modified)),
        Prop::new("LastItemUserModifiedDate", date(list.last_modified)),
        Prop::new("ListExperienceOptions", 0),
        Prop::new("ListItemEntityTypeFullName", item_type),
        Prop::new("MajorVersionLimit", if library { 500 } else { 50 }),
        Prop::new("MajorWithMinorVersionsLimit", 0),
        Prop::new("MultipleDataList", false),
        Prop::new("NoCrawl", list.hidden),
        resource_path("ParentWebPath", web_url),
        Prop::new("ParentWebUrl", web_url),
        Prop::new("ParserDisabled", false),
        Prop::new("ServerTemplateCanCreateFolders", true),
        Prop::new("TemplateFeatureId", template_feature),
        Prop::new("Title", list.title.clone()),
    ];
    Entity {
        key: Key::List { web_id: list.web_id, id: list.id },
        type_name: "SP.List".into(),
        set: "SP.ApiData.Lists".into(),
        path: list_path(list.id),
        etag: Some("\"1\"".into()),
        navs: LIST_NAVS,
        props,
    }
}

pub fn list_path(id: Uuid) -> String {
    format!("Web/Lists(guid'{id}')")
}

/// `SP.Folder`. Reached directly, SharePoint names it by server-relative path.
pub fn folder(folder: &Folder, path: Option<String>) -> Entity<Key> {
    let props = vec![
        Prop::new("Exists", true),
        Prop::new("ExistsAllowThrowForPolicyFailures", true),
        Prop::new("ExistsWithException", true),
        Prop::new("IsWOPIEnabled", false),
        Prop::new("ItemCount", folder.item_count),
        Prop::new("Name", folder.name.clone()),
        Prop::new("ProgID", Value::Null),
        Prop::new("ServerRelativeUrl", folder.url.clone()),
        Prop::new("TimeCreated", date(folder.time_created)),
        Prop::new("TimeLastModified", date(folder.time_last_modified)),
        Prop::new("UniqueId", folder.id.to_string()),
        Prop::new("WelcomePage", ""),
        resource_path("ServerRelativePath", &folder.url).on_select(),
    ];
    let path = path.unwrap_or_else(|| {
        let quoted = folder.url.replace('\'', "''").replace(' ', "%20");
        format!("Web/GetFolderByServerRelativePath(decodedurl='{quoted}')")
    });
    Entity {
        key: Key::Folder(folder.id),
        type_name: "SP.Folder".into(),
        set: "SP.ApiData.Folders1".into(),
        path,
        etag: None,
        navs: FOLDER_NAVS,
        props,
    }
}

const FILE_NAVS: &[&str] = &[
    "Author",
    "CheckedOutByUser",
    "EffectiveInformationRightsManagementSettings",
    "InformationRightsManagementSettings",
    "ListItemAllFields",
    "LockedByUser",
    "ModifiedBy",
    "Properties",
    "VersionEvents",
    "VersionExpirationReport",
    "Versions",
];

/// Canonical path of a file: SharePoint names files by server-relative path.
pub fn file_path(url: &str) -> String {
    format!("Web/GetFileByServerRelativePath(decodedurl='{}')", url.replace('\'', "''").replace(' ', "%20"))
}

/// `SP.File`.
pub fn file(file: &File, path: Option<String>) -> Entity<Key> {
    let current = &file.current;
    let props = vec![
        Prop::new("CheckInComment", current.checkin_comment.clone()),
        Prop::new("CheckOutType", 2),
        Prop::new(
            "ContentTag",
            format!("{{{}}},{},{}", file.id.to_string().to_uppercase(), current.version, current.version),
        ),
        Prop::new("CustomizedPageStatus", 0),
        Prop::new("ETag", format!("\"{{{}}},{}\"", file.id.to_string().to_uppercase(), current.version / 512)),
        Prop::new("Exists", true),
        Prop::new("ExistsAllowThrowForPolicyFailures", true),
        Prop::new("ExistsWithException", true),
        // What a migration tool checks after importing a zip of streams (behaviour 128).
        Prop::new("HasAlternateContentStreams", file.has_alternate_streams).on_select(),
        Prop::new("IrmEnabled", false),
        // Edm.Int64 values are strings in SharePoint's JSON.
        Prop::new("Length", current.size.to_string()),
        Prop::new("Level", 1),
        Prop::new("LinkingUri", Value::Null),
        Prop::new("LinkingUrl", ""),
        Prop::new("MajorVersion", current.version / 512),
        Prop::new("MinorVersion", current.version % 512),
        Prop::new("Name", file.name.clone()),
        Prop::new("ServerRelativeUrl", file.url.clone()),
        Prop::new("TimeCreated", date(file.time_created)),
        Prop::new("TimeLastModified", date(file.time_last_modified)),
        Prop::new("Title", Value::Null),
        Prop::new("UIVersion", current.version),
        Prop::new("UIVersionLabel", current.label()),
        Prop::new("UniqueId", file.id.to_string()),
        resource_path("ServerRelativePath", &file.url).on_select(),
    ];
    Entity {
        key: Key::File(file.id),
        type_name: "SP.File".into(),
        set: "SP.ApiData.Files12".into(),
        path: path.unwrap_or_else(|| file_path(&file.url)),
        etag: None,
        navs: FILE_NAVS,
        props,
    }
}

/// `SP.FileVersion`: one historical version of a file.
pub fn file_version(file: &File, version: &FileVersion, parent_path: &str) -> Entity<Key> {
    let relative = file.url.trim_start_matches('/');
    let props = vec![
        Prop::new("CheckInComment", version.checkin_comment.clone()),
        Prop::new("Created", date(version.created)),
        Prop::new("ID", version.version),
        Prop::new("IsCurrentVersion", version.version == file.current.version),
        Prop::new("Length", version.size.to_string()),
        Prop::new("Size", version.size),
        Prop::new("Url", format!("_vti_history/{}/{relative}", version.version)),
        Prop::new("VersionLabel", version_label(version.version)),
    ];
    Entity {
        key: Key::FileVersion { file_id: file.id, version: version.version },
        type_name: "SP.FileVersion".into(),
        set: "SP.ApiData.FileVersions".into(),
        path: format!("{parent_path}/Versions({})", version.version),
        etag: None,
        navs: &["CreatedBy"],
        props,
    }
}

/// Field names the item row carries itself, or that are shown under another name: a package's
/// values for them are not shown as plain fields.
const ITEM_COLUMNS: &[&str] = &[
    "Id",
    "ID",
    "ContentTypeId",
    "Modified",
    "Created",
    "Author",
    "AuthorId",
    "Editor",
    "EditorId",
    "GUID",
    "Attachments",
    "FileSystemObjectType",
    "FSObjType",
    "FileLeafRef",
    "FileRef",
    "ServerRedirectedEmbedUri",
    "ServerRedirectedEmbedUrl",
    "_UIVersion",
    "_UIVersionString",
    "_ModerationStatus",
    "_ModerationComments",
];

const ITEM_NAVS: &[&str] = &[
    "FirstUniqueAncestorSecurableObject",
    "RoleAssignments",
    "AttachmentFiles",
    "ContentType",
    "GetDlpPolicyTip",
    "FieldValuesAsHtml",
    "FieldValuesAsText",
    "FieldValuesForEdit",
    "File",
    "Folder",
    "LikedByInformation",
    "ParentList",
    "Properties",
    "Versions",
];

/// The fields of an item shown as properties: its own, plus `columns` it lacks (as null), so
/// every item of one answer has the same shape, as SharePoint's have. `Title` is always there.
fn shown_fields(item: &ListItem, types: &[(String, String)], columns: &[String]) -> Vec<(String, Value)> {
    let mut shown: Vec<(String, Value)> = Vec::new();
    let mut add = |name: &str, value: Value| {
        if !ITEM_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name)) && !shown.iter().any(|(n, _)| n == name) {
            shown.push((name.to_string(), value));
        }
    };
    add("Title", item.fields.iter().find(|(n, _)| n == "Title").and_then(|(_, v)| v.clone()).into());
    for (name, value) in &item.fields {
        let field_type = types.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str());
        let (name, value) = typed_field(name, field_type, value.as_deref());
        add(&name, value);
    }
    for name in columns {
        add(name, Value::Null);
    }
    shown
}

/// A field as SharePoint's JSON shows it for its type: numbers and booleans as JSON values,
/// person fields as `<Name>Id` with the user ids.
fn typed_field(name: &str, field_type: Option<&str>, text: Option<&str>) -> (String, Value) {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return match field_type {
            Some("User" | "UserMulti") => (format!("{name}Id"), Value::Null),
            _ => (name.to_string(), text.map(Value::from).unwrap_or(Value::Null)),
        };
    };
    let ids = || text.split(";#").filter_map(|id| id.trim().parse::<i64>().ok());
    let value = match field_type {
        Some("User") => return (format!("{name}Id"), ids().next().map_or(Value::Null, Value::from)),
        Some("UserMulti") => return (format!("{name}Id"), Value::from(ids().collect::<Vec<_>>())),
        Some("Number" | "Currency") => text.parse::<f64>().map(Value::from).ok(),
        Some("Integer" | "Counter") => text.parse::<i64>().map(Value::from).ok(),
        Some("Boolean") => Some(Value::Bool(text == "1")),
        _ => None,
    };
    (name.to_string(), value.unwrap_or_else(|| Value::from(text)))
}

/// A list item of `list`, as `SP.Data.<EntityTypeName>Item`, with its field values as
/// properties named as SharePoint's OData names them ([`odata_name`]). `columns` are field
/// names other items of the same answer have.
pub fn list_item(list: &List, view: &ItemView, columns: &[String], path: Option<String>) -> Entity<Key> {
    let item = &view.item;
    let type_name = list_item_type(list);
    let is_folder = item.folder_id.is_some();
    let mut props = vec![
        Prop::new("FileSystemObjectType", if is_folder { 1 } else { 0 }),
        Prop::new("Id", item.id),
        Prop::new("ServerRedirectedEmbedUri", Value::Null),
        Prop::new("ServerRedirectedEmbedUrl", ""),
        Prop::new("ContentTypeId", item.content_type_id.clone()),
    ];
    for (name, value) in shown_fields(item, &view.field_types, columns) {
        props.push(Prop::new(odata_name(&name), value));
    }
    let comments = item.fields.iter().find(|(n, _)| n == "_ModerationComments").and_then(|(_, v)| v.clone());
    props.extend([
        Prop::new("ID", item.id),
        Prop::new("Modified", date(item.modified)),
        Prop::new("Created", date(item.created)),
        Prop::new("AuthorId", item.author_id),
        Prop::new("EditorId", item.editor_id),
        Prop::new("OData__UIVersionString", version_label(item.version)),
        Prop::new("Attachments", view.has_attachments),
        Prop::new("GUID", item.unique_id.to_string()),
        // Lists here never turn on content approval (`EnableModeration` is false), and
        // SharePoint then keeps these two out of the default set.
        Prop::new("OData__ModerationStatus", item.moderation_status).on_select(),
        Prop::new("OData__ModerationComments", comments).on_select(),
        Prop::new("OData__UIVersion", item.version).on_select(),
        // An item without a file or folder is named `<id>_.000` in its list's root folder.
        Prop::new("FileLeafRef", view.leaf.clone().unwrap_or_else(|| format!("{}_.000", item.id))).on_select(),
        Prop::new("FileRef", view.url.clone().unwrap_or_else(|| format!("{}/{}_.000", list.url, item.id))).on_select(),
        Prop::new("FSObjType", if is_folder { 1 } else { 0 }).on_select(),
        Prop::lookup("Author"),
        Prop::lookup("Editor"),
    ]);
    Entity {
        key: Key::ListItem { list_id: list.id, id: item.id },
        set: format!("{}s", type_name.replacen("SP.Data.", "SP.ListData.", 1)).into(),
        type_name: type_name.into(),
        path: path.unwrap_or_else(|| item_path(list.id, item.id)),
        etag: Some(format!("\"{}\"", item.version / 512)),
        navs: ITEM_NAVS,
        props,
    }
}

pub fn item_path(list_id: Uuid, id: i64) -> String {
    format!("{}/Items({id})", list_path(list_id))
}

/// `SP.ListItemVersion`: the current state of an item (`version` `None`) or an earlier one,
/// with the field values of that version. `editor` is the user who saved it.
pub fn item_version(list: &List, view: &ItemView, version: Option<&ItemVersion>, editor: Option<&User>) -> Entity<Key> {
    let item = &view.item;
    let (number, created, fields) = match version {
        Some(v) => (v.version, v.created, v.fields.clone()),
        None => (item.version, item.modified, item.fields.clone()),
    };
    let mut props = vec![
        Prop::new("Created", date(created)),
        Prop::new("IsCurrentVersion", version.is_none()),
        Prop::new("VersionId", number),
        Prop::new("VersionLabel", version_label(number)),
    ];
    let shown = ListItem { fields, ..item.clone() };
    for (name, value) in shown_fields(&shown, &view.field_types, &[]) {
        props.push(Prop::new(odata_name(&name), value));
    }
    props.extend([
        Prop::new("ID", item.id),
        Prop::new("Modified", date(created)),
        Prop::new("OData__UIVersionString", version_label(number)),
    ]);
    if let Some(user) = editor {
        props.push(Prop::complex(
            "Editor",
            "SP.FieldUserValue",
            vec![
                ("LookupId", user.id.into()),
                ("LookupValue", user.title.clone().into()),
                ("Email", user.email.clone().into()),
            ],
        ));
    }
    Entity {
        key: Key::ListItemVersion { list_id: list.id, id: item.id, version: number },
        type_name: "SP.ListItemVersion".into(),
        set: "SP.ApiData.ListItemVersions".into(),
        path: format!("{}/Versions({number})", item_path(list.id, item.id)),
        etag: None,
        navs: &["CreatedBy", "Fields", "FileVersion"],
        props,
    }
}

/// `SP.Attachment`: a file attached to a list item, under `<list>/Attachments/<id>/`.
pub fn attachment(list: &List, item_id: i64, attachment: &Attachment) -> Entity<Key> {
    let url = format!("{}/Attachments/{item_id}/{}", list.url, attachment.file_name);
    let quoted = attachment.file_name.replace('\'', "''");
    Entity {
        key: Key::Attachment { list_id: list.id, id: item_id },
        type_name: "SP.Attachment".into(),
        set: "SP.ApiData.Attachments".into(),
        path: format!("{}/AttachmentFiles('{quoted}')", item_path(list.id, item_id)),
        etag: None,
        navs: &[],
        props: vec![
            Prop::new("FileName", attachment.file_name.clone()),
            resource_path("FileNameAsPath", &attachment.file_name),
            resource_path("ServerRelativePath", &url),
            Prop::new("ServerRelativeUrl", url),
        ],
    }
}

/// A person field's value when expanded (`$expand=Author`): the user's row in the site's
/// user information list.
pub fn user_info(user: &User) -> Entity<Key> {
    Entity {
        key: Key::UserInfo { id: user.id },
        type_name: "SP.Data.UserInfoItem".into(),
        set: "SP.Data.UserInfoItems".into(),
        path: format!("Web/SiteUserInfoList/Items({})", user.id),
        etag: None,
        navs: &[],
        props: vec![
            Prop::new("Id", user.id),
            Prop::new("ID", user.id),
            Prop::new("Title", user.title.clone()),
            Prop::new("Name", user.login_name.clone()),
            Prop::new("EMail", user.email.clone()),
            Prop::new("UserName", principal_name(user)),
            Prop::new("IsSiteAdmin", user.is_site_admin),
        ],
    }
}

/// The name a field has in SharePoint's REST answers: characters other than letters, digits
/// and `_` become `_xHHHH_` (as internal names spell a space `_x0020_`), and a name starting
/// with `_` gets the prefix `OData_` (`_ModerationStatus` → `OData__ModerationStatus`).
pub fn odata_name(internal: &str) -> String {
    let mut out = String::with_capacity(internal.len());
    if internal.starts_with('_') {
        out.push_str("OData_");
    }
    for c in internal.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            out.push_str(&format!("_x{:04x}_", c as u32));
        }
    }
    out
}

/// `ListItemEntityTypeFullName` of a list, e.g. `SP.Data.Shared_x0020_DocumentsItem`.
pub fn list_item_type(list: &List) -> String {
    let leaf = list.url.rsplit('/').next().unwrap_or_default();
    if list.base_type == 1 {
        format!("SP.Data.{}Item", xml_name(leaf))
    } else {
        format!("SP.Data.{}ListItem", xml_name(leaf))
    }
}

/// `SP.User`.
pub fn user(site_id: Uuid, user: &User, path: String) -> Entity<Key> {
    let props = vec![
        Prop::new("Id", user.id),
        Prop::new("IsHiddenInUI", false),
        Prop::new("LoginName", user.login_name.clone()),
        Prop::new("Title", user.title.clone()),
        Prop::new("PrincipalType", 1),
        Prop::new("Email", user.email.clone()),
        Prop::new("Expiration", ""),
        Prop::new("IsEmailAuthenticationGuestUser", false),
        Prop::new("IsShareByEmailGuestUser", false),
        Prop::new("IsSiteAdmin", user.is_site_admin),
        Prop::new("UserId", Value::Null),
        Prop::new("UserPrincipalName", principal_name(user)),
    ];
    Entity {
        key: Key::User { site_id, id: user.id },
        type_name: "SP.User".into(),
        set: "SP.ApiData.Users".into(),
        path,
        etag: None,
        navs: &["Alerts", "Groups"],
        props,
    }
}

/// A user's UPN, for logins that name one (`i:0#.f|membership|ada@contoso.com`).
fn principal_name(user: &User) -> Value {
    if crate::package::values::names_an_upn(&user.login_name) {
        crate::package::values::login_account(&user.login_name).into()
    } else {
        Value::Null
    }
}

/// `SP.SPMigrationJobStatus`, an entity type in SharePoint's `$metadata` (api.md §8).
pub fn migration_job_status(job_id: Uuid, state: i32) -> Entity<Key> {
    Entity {
        key: Key::MigrationJobStatus(job_id),
        type_name: "SP.SPMigrationJobStatus".into(),
        set: "Collection(SP.SPMigrationJobStatus)".into(),
        path: format!("SP.SPMigrationJobStatus{job_id}"),
        etag: None,
        navs: &[],
        props: vec![Prop::new("JobId", job_id.to_string()), Prop::new("JobState", state)],
    }
}

fn resource_path(name: &'static str, url: &str) -> Prop {
    Prop::complex(name, "SP.ResourcePath", vec![("DecodedUrl", url.into())])
}

/// `CurrentChangeToken`: `1;<scope>;<id>;<.NET ticks>;-1`, scope 1 site, 2 web, 3 list.
fn change_token(scope: u8, id: Uuid, at: OffsetDateTime) -> Prop {
    const UNIX_EPOCH_TICKS: i128 = 621_355_968_000_000_000;
    let ticks = at.unix_timestamp_nanos() / 100 + UNIX_EPOCH_TICKS;
    Prop::complex(
        "CurrentChangeToken",
        "SP.ChangeToken",
        vec![("StringValue", format!("1;{scope};{id};{ticks};-1").into())],
    )
}

/// `Edm.DateTime` as SharePoint writes most dates: UTC, whole seconds, `Z`.
pub fn date(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
        .expect("UTC dates format")
}

/// `Web.Created`'s spelling: no zone designator, milliseconds.
fn local_date(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]"))
        .expect("UTC dates format")
}

/// Encodes a name as SharePoint does for entity type names: characters not valid in an XML
/// name become `_xHHHH_`, and `_` itself `_x005f_`.
pub fn xml_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("_x{:04x}_", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn names_and_dates() {
        assert_eq!(xml_name("Shared Documents"), "Shared_x0020_Documents");
        assert_eq!(xml_name("a_b"), "a_x005f_b");
        assert_eq!(odata_name("_ModerationStatus"), "OData__ModerationStatus");
        assert_eq!(odata_name("My Field"), "My_x0020_Field");
        assert_eq!(odata_name("My_x0020_Field"), "My_x0020_Field");
        let at = datetime!(2026-11-25 01:02:03.456 UTC);
        assert_eq!(date(at), "2026-11-25T01:02:03Z");
        assert_eq!(local_date(at), "2026-11-25T01:02:03.456");
        let token = change_token(2, Uuid::nil(), datetime!(1970-01-01 0:00 UTC));
        assert_eq!(
            token.value,
            crate::http::odata::PropValue::Complex {
                type_name: "SP.ChangeToken",
                fields: vec![("StringValue", format!("1;2;{ZERO_GUID};621355968000000000;-1").into())]
            }
        );
    }
}
