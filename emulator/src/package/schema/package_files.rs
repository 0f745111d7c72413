//! The schemas of the package files other than manifests (package.md §2–§4, §6, §7, §10).
//!
//! ExportSettings and RootObjectMap follow the constrained schemas the Migration API
//! published. The others are "unchanged from SharePoint 2013", whose schemas are documented
//! only element by element; where those pages are silent, these tables accept what Microsoft's
//! own examples and real generators write (`SchemaVersion/@ObjectsProcessed`,
//! `User/@Flags`, `RootWebOnlyLists` after `SystemObjects`). ArchivedFiles.xml has no published
//! schema at all; its table follows the documented example.

use super::model::*;

macro_rules! enumeration {
    ($name:ident, $qualified:expr, [$($value:literal),* $(,)?]) => {
        static $name: Enumeration = Enumeration { qualified_name: $qualified, values: &[$($value),*] };
    };
}

// ExportSettings.xml (constrained).

const EXPORT: &str = "urn:deployment-exportsettings-schema";

enumeration!(INCLUDE_SECURITY, "urn:deployment-exportsettings-schema:SPIncludeSecurity", ["None", "WssOnly", "All"]);
enumeration!(
    INCLUDE_VERSIONS,
    "urn:deployment-exportsettings-schema:SPIncludeVersions",
    ["LastMajor", "CurrentVersion", "LastMajorAndMinor", "All"]
);
enumeration!(EXPORT_METHOD, "urn:deployment-exportsettings-schema:SPExportMethodType", ["ExportAll", "ExportChanges"]);
enumeration!(
    EXPORT_OBJECT_TYPE,
    "urn:deployment-exportsettings-schema:SPDeploymentObjectType",
    ["Folder", "List", "ListItem", "File"]
);
enumeration!(
    INCLUDE_DESCENDANTS,
    "urn:deployment-exportsettings-schema:SPIncludeDescendants",
    ["None", "Content", "All"]
);

pub static EXPORT_SETTINGS: Schema =
    Schema { namespace: Some(EXPORT), root: "ExportSettings", root_type: &EXPORT_SETTINGS_TYPE };

static EXPORT_SETTINGS_TYPE: ComplexType = ComplexType {
    name: "SPExportSettings",
    attributes: &[
        required("SiteUrl", STRING),
        optional("FileLocation", STRING),
        optional("BaseFileName", STRING),
        optional("IncludeSecurity", SimpleType::Enumeration(&INCLUDE_SECURITY)),
        optional("IncludeVersions", SimpleType::Enumeration(&INCLUDE_VERSIONS)),
        optional("ExportMethod", SimpleType::Enumeration(&EXPORT_METHOD)),
        optional("ExportChangeToken", STRING),
        optional("ExportPublicSchema", BOOLEAN),
        optional("ExportFrontEndFileStreams", BOOLEAN),
        optional("ExcludeDependencies", BOOLEAN),
    ],
    // SourceType, DetailedSource and IgnoreWebParts pass through it (behaviour 87).
    any_attribute: true,
    content: Content::Elements(sequence(1, 1, &[element("ExportObjects", &EXPORT_OBJECTS, 0, UNBOUNDED)])),
};

static EXPORT_OBJECTS: ComplexType =
    list_of("SPExportObjectCollection", &[element("DeploymentObject", &DEPLOYMENT_OBJECT, 0, UNBOUNDED)]);

static DEPLOYMENT_OBJECT: ComplexType = empty(
    "SPExportObject",
    &[
        optional("Id", GUID),
        optional("Type", SimpleType::Enumeration(&EXPORT_OBJECT_TYPE)),
        optional("ParentId", GUID),
        optional("Url", STRING),
        optional("ExcludeChildren", BOOLEAN),
        optional("IncludeDescendants", SimpleType::Enumeration(&INCLUDE_DESCENDANTS)),
        optional("ExportChangeToken", STRING),
    ],
);

// RootObjectMap.xml (constrained).

enumeration!(
    ROOT_OBJECT_TYPE,
    "urn:deployment-rootobjectmap-schema:SPDeploymentObjectType",
    ["Folder", "List", "ListItem", "File"]
);

pub static ROOT_OBJECT_MAP: Schema =
    Schema { namespace: Some("urn:deployment-rootobjectmap-schema"), root: "RootObjects", root_type: &ROOT_OBJECTS };

static ROOT_OBJECTS: ComplexType = list_of("SPRootObjects", &[element("RootObject", &ROOT_OBJECT, 0, UNBOUNDED)]);

static ROOT_OBJECT: ComplexType = empty(
    "SPRootObject",
    &[
        optional("Id", GUID),
        optional("Type", SimpleType::Enumeration(&ROOT_OBJECT_TYPE)),
        optional("ParentId", GUID),
        optional("WebUrl", STRING),
        optional("Url", STRING),
        optional("IsDependency", BOOLEAN),
    ],
);

// SystemData.xml (2013).

enumeration!(
    SYSTEM_OBJECT_TYPE,
    "urn:deployment-systemdata-schema:SPDeploymentObjectType",
    ["Site", "Web", "Folder", "List", "ListItem", "File"]
);

pub static SYSTEM_DATA: Schema =
    Schema { namespace: Some("urn:deployment-systemdata-schema"), root: "SystemData", root_type: &SYSTEM_DATA_TYPE };

static SYSTEM_DATA_TYPE: ComplexType = ComplexType {
    name: "SPSystemData",
    attributes: &[],
    any_attribute: false,
    content: Content::Elements(sequence(
        1,
        1,
        &[
            element("SchemaVersion", &SCHEMA_VERSION, 1, 1),
            element("ManifestFiles", &MANIFEST_FILES, 1, 1),
            element("SystemObjects", &SYSTEM_OBJECTS, 1, 1),
            element("RootWebOnlyLists", &ROOT_WEB_ONLY_LISTS, 0, 1),
        ],
    )),
};

static SCHEMA_VERSION: ComplexType = empty(
    "SPSchemaVersion",
    &[
        optional("Version", STRING),
        optional("Build", STRING),
        optional("DatabaseVersion", STRING),
        optional("SiteVersion", STRING),
        optional("ObjectsProcessed", STRING),
    ],
);

static MANIFEST_FILES: ComplexType =
    list_of("SPManifestFiles", &[element("ManifestFile", &MANIFEST_FILE, 1, UNBOUNDED)]);

static MANIFEST_FILE: ComplexType = empty("SPManifestFile", &[optional("Name", STRING)]);

static SYSTEM_OBJECTS: ComplexType =
    list_of("SPSystemObjects", &[element("SystemObject", &SYSTEM_OBJECT, 0, UNBOUNDED)]);

static SYSTEM_OBJECT: ComplexType = empty(
    "SPSystemObject",
    &[optional("Id", GUID), optional("Type", SimpleType::Enumeration(&SYSTEM_OBJECT_TYPE)), optional("Url", STRING)],
);

// Undocumented: generators leave it empty or list `<List Id="…"/>`.
static ROOT_WEB_ONLY_LISTS: ComplexType =
    ComplexType { name: "SPRootWebOnlyLists", attributes: &[], any_attribute: false, content: ANY_CHILDREN };

// UserGroup.xml (2013).

pub static USER_GROUP: Schema =
    Schema { namespace: Some("urn:deployment-usergroupmap-schema"), root: "UserGroupMap", root_type: &USER_GROUP_MAP };

static USER_GROUP_MAP: ComplexType = ComplexType {
    name: "DeploymentUserGroupMap",
    attributes: &[],
    any_attribute: false,
    content: Content::Elements(sequence(1, 1, &[element("Users", &USERS, 0, 1), element("Groups", &GROUPS, 0, 1)])),
};

static USERS: ComplexType = list_of("DeploymentUsers", &[element("User", &USER, 0, UNBOUNDED)]);

static USER: ComplexType = empty(
    "DeploymentUser",
    &[
        required("Id", STRING),
        required("Name", STRING),
        required("Login", STRING),
        optional("Email", STRING),
        optional("IsDomainGroup", BOOLEAN),
        optional("IsSiteAdmin", BOOLEAN),
        optional("SystemId", STRING),
        optional("IsDeleted", BOOLEAN),
        // In Microsoft's own example, though not in the 2013 pages.
        optional("Flags", STRING),
    ],
);

static GROUPS: ComplexType = list_of("DeploymentGroups", &[element("Group", &GROUP, 0, UNBOUNDED)]);

static GROUP: ComplexType = ComplexType {
    name: "DeploymentGroup",
    attributes: &[
        required("Id", STRING),
        required("Name", STRING),
        required("Owner", STRING),
        required("OwnerIsUser", BOOLEAN),
        optional("Description", STRING),
        optional("OnlyAllowMembersViewMembership", BOOLEAN),
        optional("AllowMembersEditMembership", BOOLEAN),
        optional("AllowRequestToJoinLeave", BOOLEAN),
        optional("AutoAcceptRequestToJoinLeave", BOOLEAN),
        optional("RequestToJoinLeaveEmailSetting", STRING),
    ],
    any_attribute: false,
    content: Content::Elements(sequence(1, 1, &[element("Member", &MEMBER, 0, UNBOUNDED)])),
};

static MEMBER: ComplexType = empty("DeploymentGroupMember", &[optional("UserId", STRING)]);

// LookupListMap.xml, Requirements.xml, ViewFormsList.xml (2013).

pub static LOOKUP_LIST_MAP: Schema =
    Schema { namespace: Some("urn:deployment-lookuplistmap-schema"), root: "LookupLists", root_type: &LOOKUP_LISTS };

static LOOKUP_LISTS: ComplexType = list_of("SPLookupLists", &[element("LookupList", &LOOKUP_LIST, 0, UNBOUNDED)]);

static LOOKUP_LIST: ComplexType = ComplexType {
    name: "SPLookupList",
    attributes: &[optional("Id", GUID), optional("Url", STRING), optional("Included", BOOLEAN)],
    any_attribute: false,
    content: Content::Elements(sequence(1, 1, &[element("LookupItems", &LOOKUP_ITEMS, 0, UNBOUNDED)])),
};

static LOOKUP_ITEMS: ComplexType = list_of("SPLookupItems", &[element("LookupItem", &LOOKUP_ITEM, 0, UNBOUNDED)]);

static LOOKUP_ITEM: ComplexType = empty(
    "SPLookupItem",
    &[optional("Id", GUID), optional("DocId", GUID), optional("Url", STRING), optional("Included", BOOLEAN)],
);

enumeration!(
    REQUIREMENT_TYPE,
    "urn:deployment-requirements-schema:SPRequirementObjectType",
    ["FeatureDefinition", "WebTemplate", "WebPart", "Language"]
);

pub static REQUIREMENTS: Schema = Schema {
    namespace: Some("urn:deployment-requirements-schema"),
    root: "Requirements",
    root_type: &REQUIREMENTS_TYPE,
};

static REQUIREMENTS_TYPE: ComplexType =
    list_of("SPImportRequirements", &[element("Requirement", &REQUIREMENT, 0, UNBOUNDED)]);

static REQUIREMENT: ComplexType = empty(
    "SPImportRequirement",
    &[
        optional("Type", SimpleType::Enumeration(&REQUIREMENT_TYPE)),
        optional("Id", STRING),
        optional("Name", STRING),
        optional("Data", STRING),
    ],
);

/// The namespace real generators write (open question Q6: the `…viewformslist…` spelling is
/// not accepted).
pub static VIEW_FORMS_LIST: Schema =
    Schema { namespace: Some("urn:deployment-viewformlist-schema"), root: "ViewFormsList", root_type: &VIEW_FORMS };

static VIEW_FORMS: ComplexType = list_of("SPViewFormsList", &[element("ViewForm", &VIEW_FORM, 0, UNBOUNDED)]);

static VIEW_FORM: ComplexType = empty("SPViewForm", &[optional("Id", STRING), optional("Type", STRING)]);

// ArchivedFiles.xml (no namespace; package.md §10).

pub static ARCHIVED_FILES: Schema = Schema { namespace: None, root: "ArchivedFiles", root_type: &ARCHIVED_FILES_TYPE };

static ARCHIVED_FILES_TYPE: ComplexType =
    list_of("ArchivedFiles", &[element("ArchivedFile", &ARCHIVED_FILE, 0, UNBOUNDED)]);

static ARCHIVED_FILE: ComplexType = ComplexType {
    name: "ArchivedFile",
    attributes: &[required("Name", STRING), required("Checksum", STRING)],
    any_attribute: false,
    content: Content::Elements(sequence(1, 1, &[element("File", &ARCHIVED_ENTRY, 0, UNBOUNDED)])),
};

static ARCHIVED_ENTRY: ComplexType = empty("ArchivedFileEntry", &[required("FileValue", STRING)]);
