//! The manifest schema (`urn:deployment-manifest-schema`): the constrained DeploymentManifest
//! schema of the Migration API (package.md §5), completed where the published one falls short
//! (package.md §5.9): the four `…X` security types it names without defining come from the
//! SharePoint 2013 schema, `WebParts` may follow `Versions` under a `File`, `SharedWithEvents`
//! is one more choice under a `ListItem`, and `List`/`DocumentLibrary` accept
//! `HasUniqueRoleAssignments` as Microsoft's own example uses it (open question Q5).

use super::model::*;

const NS: &str = "urn:deployment-manifest-schema";

macro_rules! enumeration {
    ($name:ident, $type_name:literal, [$($value:literal),* $(,)?]) => {
        static $name: Enumeration = Enumeration { qualified_name: concat!("urn:deployment-manifest-schema:", $type_name), values: &[$($value),*] };
    };
}

enumeration!(TRUE_FALSE, "TRUEFALSE", ["TRUE", "FALSE", "true", "false"]);
enumeration!(
    OBJECT_TYPE,
    "SPObjectType",
    [
        "SPList",
        "SPDocumentLibrary",
        "SPListItem",
        "SPFolder",
        "SPFile",
        "SPContentType",
        "SPDocumentTemplate",
        "DeploymentUserX",
        "DeploymentGroupX",
        "DeploymentRoles",
        "DeploymentRoleX",
        "DeploymentRoleAssignments",
        "DeploymentRoleAssignmentX",
    ]
);
enumeration!(
    VALUE_TYPE,
    "SPDictionaryEntryValueType",
    [
        "String",
        "Integer",
        "Time",
        "StringVector",
        "Boolean",
        "FileSystemTime",
        "IntVector",
        "Double",
        "LongText",
        "Empty"
    ]
);
enumeration!(ACCESS, "SPDictionaryEntryAccess", ["ReadOnly", "ReadWrite"]);
enumeration!(MODERATION_STATUS, "SPModerationStatusType", ["Approved", "Denied", "Pending", "Draft", "Scheduled"]);
enumeration!(
    BASE_TYPE,
    "SPBaseType",
    ["UnspecifiedBaseType", "GenericList", "DocumentLibrary", "Unused", "DiscussionBoard", "Survey", "Issue"]
);
enumeration!(HOST_TYPE, "SPEventHostType", ["Site", "Web", "List", "ListItem", "ContentType", "Feature"]);
enumeration!(SYNCHRONIZATION, "SPEventReceiverSynchronization", ["Default", "Synchronous", "Asynchronous"]);
enumeration!(
    RECEIVER_TYPE,
    "SPEventReceiverType",
    [
        "ItemAdding",
        "ItemUpdating",
        "ItemDeleting",
        "ItemCheckingIn",
        "ItemCheckingOut",
        "ItemUncheckingOut",
        "ItemAttachmentAdding",
        "ItemAttachmentDeleting",
        "ItemFileMoving",
        "ItemVersionDeleting",
        "FieldAdding",
        "FieldUpdating",
        "FieldDeleting",
        "ListAdding",
        "ListDeleting",
        "SiteDeleting",
        "WebDeleting",
        "WebMoving",
        "WebAdding",
        "GroupAdding",
        "GroupUpdating",
        "GroupDeleting",
        "GroupUserAdding",
        "GroupUserDeleting",
        "RoleDefinitionAdding",
        "RoleDefinitionUpdating",
        "RoleDefinitionDeleting",
        "RoleAssignmentAdding",
        "RoleAssignmentDeleting",
        "InheritanceBreaking",
        "InheritanceResetting",
        "ItemAdded",
        "ItemUpdated",
        "ItemDeleted",
        "ItemCheckedIn",
        "ItemCheckedOut",
        "ItemUncheckedOut",
        "ItemAttachmentAdded",
        "ItemAttachmentDeleted",
        "ItemFileMoved",
        "ItemFileConverted",
        "ItemFileTransformed",
        "ItemVersionDeleted",
        "FieldAdded",
        "FieldUpdated",
        "FieldDeleted",
        "ListAdded",
        "ListDeleted",
        "SiteDeleted",
        "WebDeleted",
        "WebMoved",
        "WebProvisioned",
        "WebRestored",
        "GroupAdded",
        "GroupUpdated",
        "GroupDeleted",
        "GroupUserAdded",
        "GroupUserDeleted",
        "RoleDefinitionAdded",
        "RoleDefinitionUpdated",
        "RoleDefinitionDeleted",
        "RoleAssignmentAdded",
        "RoleAssignmentDeleted",
        "InheritanceBroken",
        "InheritanceReset",
        "EmailReceived",
        "ContextEvent",
        "InvalidReceiver",
        "WorkflowCompleted",
    ]
);
enumeration!(DOC_TYPE, "ListItemDocType", ["File", "Folder", "Unknown"]);
enumeration!(
    SECURITY_MODIFICATION,
    "SecurityModificationType",
    [
        "Add",
        "Delete",
        "Update",
        "MemberAdd",
        "MemberDelete",
        "RoleAdd",
        "RoleDelete",
        "RoleUpdate",
        "RoleAssignmentAdd",
        "RoleAssignmentDelete",
        "ScopeAdd",
        "ScopeDelete",
    ]
);

const fn one_of(enumeration: &'static Enumeration) -> SimpleType {
    SimpleType::Enumeration(enumeration)
}

pub static SCHEMA: Schema = Schema { namespace: Some(NS), root: "SPObjects", root_type: &SP_OBJECTS };

static SP_OBJECTS: ComplexType = list_of("SPGenericObjectCollection", &[element("SPObject", &SP_OBJECT, 0, UNBOUNDED)]);

static SP_OBJECT: ComplexType = ComplexType {
    name: "SPGenericObject",
    attributes: &[
        optional("ObjectType", one_of(&OBJECT_TYPE)),
        optional("Id", GUID),
        optional("ParentId", GUID),
        optional("Name", STRING),
        optional("IsDeleted", BOOLEAN),
        optional("IsSiteRename", BOOLEAN),
        optional("ParentWebId", GUID),
        optional("ParentWebUrl", STRING),
        optional("ContentTypeId", STRING),
        optional("Url", STRING),
    ],
    any_attribute: false,
    content: Content::Elements(sequence(
        1,
        1,
        &[Particle::Group(choice(
            0,
            1,
            &[
                element("List", &SP_LIST, 1, 1),
                element("DocumentLibrary", &SP_DOCUMENT_LIBRARY, 1, 1),
                element("ListItem", &SP_LIST_ITEM, 1, 1),
                element("Folder", &SP_FOLDER, 1, 1),
                element("File", &SP_FILE, 1, 1),
                element("ContentType", &SP_CONTENT_TYPE, 1, 1),
                element("UserX", &USER_X, 1, 1),
                element("GroupX", &GROUP_X, 1, 1),
                element("Roles", &ROLES, 1, 1),
                element("RoleX", &ROLE_X, 1, 1),
                element("RoleAssignments", &ROLE_ASSIGNMENTS, 1, 1),
                element("RoleAssignmentX", &ROLE_ASSIGNMENT_X, 1, 1),
            ],
        ))],
    )),
};

// Lists. The constrained SPList has no attribute wildcard: `Description`, `EnableVersioning`
// and the like fail validation (behaviour 83).

macro_rules! list_content {
    () => {
        Content::Elements(sequence(
            1,
            1,
            &[Particle::Group(choice(
                0,
                11,
                &[
                    element("ContentTypes", &CONTENT_TYPES, 0, 1),
                    element("DeletedContentTypes", &DELETED_CONTENT_TYPES, 0, 1),
                ],
            ))],
        ))
    };
}

macro_rules! list_attributes {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            required("Id", GUID),
            required("Title", STRING),
            optional("RootFolderId", GUID),
            required("RootFolderUrl", STRING),
            required("ParentWebId", GUID),
            optional("ParentWebUrl", STRING),
            optional("BaseType", one_of(&BASE_TYPE)),
            required("BaseTemplate", STRING),
            optional("HasUniqueRoleAssignments", BOOLEAN),
        ]
    };
}

static SP_LIST: ComplexType =
    ComplexType { name: "SPList", attributes: list_attributes!(), any_attribute: false, content: list_content!() };

// An extension of SPList: its own attributes come first, as .NET orders them.
static SP_DOCUMENT_LIBRARY: ComplexType = ComplexType {
    name: "SPDocumentLibrary",
    attributes: list_attributes!(
        optional("DocumentTemplateUrl", STRING),
        optional("IsCatalog", BOOLEAN),
        optional("ThumbnailSize", INT),
        optional("WebImageHeight", INT),
        optional("WebImageWidth", INT),
    ),
    any_attribute: false,
    content: list_content!(),
};

static CONTENT_TYPES: ComplexType =
    ComplexType { name: "SPContentTypeCollection", attributes: &[], any_attribute: false, content: ANY_CHILDREN };

static DELETED_CONTENT_TYPES: ComplexType =
    list_of("ListDeletedContentTypes", &[element("DeletedContentType", &DELETED_CONTENT_TYPE, 0, UNBOUNDED)]);

static DELETED_CONTENT_TYPE: ComplexType = empty("DeletedContentType", &[required("ContentTypeId", STRING)]);

static SP_CONTENT_TYPE: ComplexType = ComplexType {
    name: "SPContentType",
    attributes: &[
        optional("ID", GUID),
        optional("Name", STRING),
        optional("Scope", STRING),
        optional("NextChildByte", SHORT),
        optional("ParentWebId", GUID),
        optional("ListId", GUID),
        optional("Description", STRING),
        optional("Hidden", one_of(&TRUE_FALSE)),
        optional("ReadOnly", one_of(&TRUE_FALSE)),
        optional("Group", STRING),
        optional("PushDownChanges", BOOLEAN),
        optional("RequireClientRenderingOnNew", STRING),
    ],
    any_attribute: true,
    content: ANY_CHILDREN,
};

// Folders and files.

static SP_FOLDER: ComplexType = ComplexType {
    name: "SPFolder",
    attributes: &[
        optional("Id", GUID),
        optional("Name", STRING),
        optional("Url", STRING),
        optional("ParentFolderId", GUID),
        optional("ParentWebId", GUID),
        optional("ParentWebUrl", STRING),
        optional("ContainingDocumentLibrary", GUID),
        optional("WelcomePageUrl", STRING),
        optional("WelcomePageParameters", STRING),
        optional("ListItemIntId", INT),
        optional("Author", STRING),
        optional("ModifiedBy", STRING),
        optional("TimeCreated", DATE_TIME),
        optional("TimeLastModified", DATE_TIME),
        optional("ProgId", STRING),
        optional("SortBehavior", STRING),
    ],
    any_attribute: false,
    content: Content::Elements(sequence(1, 1, &[element("Properties", &DICTIONARY, 0, 1)])),
};

static SP_FILE: ComplexType = ComplexType {
    name: "SPFile",
    attributes: &[
        optional("Name", STRING),
        optional("Id", GUID),
        optional("Url", STRING),
        optional("ListItemIntId", INT),
        optional("InDocumentLibrary", BOOLEAN),
        optional("ParentWebId", GUID),
        optional("ParentWebUrl", STRING),
        optional("ParentId", GUID),
        optional("ListId", GUID),
        optional("FileValue", STRING),
        optional("CheckinComment", STRING),
        optional("Version", STRING),
        optional("Author", STRING),
        optional("ModifiedBy", STRING),
        optional("TimeCreated", DATE_TIME),
        optional("TimeLastModified", DATE_TIME),
        optional("FailureMessage", STRING),
        optional("IsGhosted", BOOLEAN),
        optional("SetupPath", STRING),
        optional("SetupPathUser", STRING),
        optional("SetupPathVersion", BYTE),
    ],
    // FileSize, MD5Hash, Checksum, InitializationVector and others ride on it (behaviour 84).
    any_attribute: true,
    content: Content::Elements(sequence(
        1,
        1,
        &[
            element("Properties", &DICTIONARY, 0, 1),
            element("Versions", &FILE_VERSIONS, 0, 1),
            element("WebParts", &WEB_PARTS, 0, 1),
            element("Links", &LINKS, 0, 1),
            element("EventReceivers", &EVENT_RECEIVERS, 0, 1),
            element("VersionEvents", &VERSION_EVENTS, 0, 1),
        ],
    )),
};

static FILE_VERSIONS: ComplexType = list_of("SPFileVersionCollection", &[element("File", &SP_FILE, 1, UNBOUNDED)]);

static VERSION_EVENTS: ComplexType =
    list_of("SPFileVersionEventCollection", &[element("VersionEvent", &VERSION_EVENT, 1, UNBOUNDED)]);

static VERSION_EVENT: ComplexType = empty(
    "SPFileVersionEvent",
    &[
        optional("Id", INT),
        optional("UIVersion", INT),
        optional("Type", INT),
        optional("Time", DATE_TIME),
        optional("UserId", INT),
    ],
);

// Web parts (package.md §5.9): the 2013 SPWebPart's attributes; its many optional child
// elements (View, Query, Xsl, …) are untyped there, so any content passes.
static WEB_PARTS: ComplexType = list_of("SPWebPartCollection", &[element("WebPart", &WEB_PART, 1, UNBOUNDED)]);

static WEB_PART: ComplexType = ComplexType {
    name: "SPWebPart",
    attributes: &[
        required("Name", GUID),
        optional("ListId", GUID),
        optional("ListRootFolderUrl", STRING),
        optional("Type", STRING),
        optional("UserId", INT),
        optional("DisplayName", STRING),
        optional("WebPartTypeId", GUID),
        optional("Assembly", STRING),
        optional("Class", STRING),
        optional("SolutionId", GUID),
        optional("Version", STRING),
        optional("BaseViewID", STRING),
        optional("WebPartZoneID", STRING),
        optional("IsIncluded", STRING),
        optional("WebPartOrder", STRING),
        optional("FrameState", STRING),
        optional("Source", STRING),
        optional("AllUsersProperties", STRING),
        optional("PerUserProperties", STRING),
        optional("WebPartIdProperty", STRING),
        optional("ContentTypeId", STRING),
        optional("Level", STRING),
        optional("Flags", STRING),
        optional("Scope", STRING),
        optional("Hidden", BOOLEAN),
        optional("Threaded", BOOLEAN),
        optional("ReadOnly", BOOLEAN),
        optional("RecurrenceRowset", BOOLEAN),
        optional("FPModified", BOOLEAN),
        optional("ModerationType", STRING),
        optional("Personal", BOOLEAN),
        optional("OrderedView", BOOLEAN),
    ],
    any_attribute: false,
    content: ANY_CHILDREN,
};

// List items.

static SP_LIST_ITEM: ComplexType = ComplexType {
    name: "SPListItem",
    attributes: &[
        optional("Name", STRING),
        optional("DirName", STRING),
        optional("FileUrl", STRING),
        optional("Version", STRING),
        optional("Id", GUID),
        optional("IntId", INT),
        optional("DocId", GUID),
        optional("Author", STRING),
        optional("ModifiedBy", STRING),
        optional("TimeCreated", DATE_TIME),
        optional("TimeLastModified", DATE_TIME),
        optional("ParentWebId", GUID),
        optional("ParentListId", GUID),
        optional("ParentFolderId", GUID),
        optional("ModerationStatus", one_of(&MODERATION_STATUS)),
        optional("ModerationComment", STRING),
        optional("ContentTypeId", STRING),
        optional("ProgId", STRING),
        optional("Order", FLOAT),
        optional("ThreadIndex", STRING),
        optional("UserSolutionActivated", BOOLEAN),
        optional("DocType", one_of(&DOC_TYPE)),
        optional("UserLoginName", STRING),
        optional("GroupName", STRING),
        optional("FailureMessage", STRING),
    ],
    any_attribute: true,
    content: Content::Elements(sequence(
        1,
        1,
        &[Particle::Group(choice(
            0,
            6,
            &[
                element("Fields", &FIELDS, 0, 1),
                element("Versions", &ITEM_VERSIONS, 0, 1),
                element("Attachments", &ATTACHMENTS, 0, 1),
                element("Links", &LINKS, 0, 1),
                element("EventReceivers", &EVENT_RECEIVERS, 0, 1),
                element("SharedWithEvents", &SHARED_WITH_EVENTS, 0, 1),
            ],
        ))],
    )),
};

static ITEM_VERSIONS: ComplexType =
    list_of("SPListItemVersionCollection", &[element("ListItem", &SP_LIST_ITEM, 1, UNBOUNDED)]);

static FIELDS: ComplexType = ComplexType {
    name: "SPFieldCollection",
    attributes: &[],
    any_attribute: false,
    content: Content::Mixed(sequence(
        0,
        UNBOUNDED,
        &[element("FieldRef", &FIELD_REF, 0, UNBOUNDED), element("Field", &FIELD, 0, UNBOUNDED)],
    )),
};

static FIELD: ComplexType = ComplexType {
    name: "SPField",
    attributes: &[
        optional("ID", GUID),
        optional("FieldId", GUID),
        optional("Name", STRING),
        optional("Value", STRING),
        optional("DisplayName", STRING),
        optional("RowOrdinal", INT),
        optional("RowOrdinal2", INT),
        optional("Type", STRING),
        optional("ColName", STRING),
        optional("ColName2", STRING),
        optional("Title", STRING),
        optional("Description", STRING),
        optional("DefaultValue", STRING),
        optional("DefaultFormula", STRING),
        optional("FromBaseType", STRING),
        optional("Sealed", STRING),
        optional("CanToggleHidden", STRING),
        optional("DisplaySize", STRING),
        optional("Required", STRING),
        optional("ReadOnly", STRING),
        optional("Hidden", STRING),
        optional("Direction", STRING),
        optional("IMEMode", STRING),
        optional("SortableBySchema", STRING),
        optional("Sortable", STRING),
        optional("FilterableBySchema", STRING),
        optional("Filterable", STRING),
        optional("FilterableNoRecurrenceBySchema", STRING),
        optional("FilterableNoRecurrence", STRING),
        optional("Reorderable", STRING),
        optional("Format", STRING),
        optional("FillInChoice", STRING),
        optional("SchemaXml", STRING),
        optional("JSLink", STRING),
        optional("CAMLRendering", STRING),
        optional("ServerRender", STRING),
        optional("ListItemMenu", STRING),
        optional("ListItemMenuAllowed", STRING),
        optional("LinkToItem", STRING),
        optional("LinkToItemAllowed", STRING),
        optional("CalloutMenu", STRING),
        optional("CalloutMenuAllowed", STRING),
        optional("ListDefaultCompliancetagWrittenTime", DATE_TIME),
        optional("ListDefaultComplianceTagUserId", INT),
        optional("ListDefaultComplianceFlags", INT),
        optional("ListDefaultComplianceTag", STRING),
    ],
    any_attribute: true,
    content: ANY_CHILDREN,
};

static FIELD_REF: ComplexType = ComplexType {
    name: "SPFieldLink",
    attributes: &[
        optional("Name", STRING),
        optional("ID", GUID),
        optional("Customization", STRING),
        optional("Default", STRING),
        optional("ColName", STRING),
        optional("ColName2", STRING),
        optional("RowOrdinal", INT),
        optional("RowOrdinal2", INT),
        optional("Hidden", one_of(&TRUE_FALSE)),
        optional("Required", one_of(&TRUE_FALSE)),
        optional("Explicit", STRING),
        optional("ShowInNewForm", STRING),
        optional("ShowInEditForm", STRING),
        optional("DisplayName", STRING),
        optional("Node", STRING),
    ],
    any_attribute: true,
    content: Content::Empty,
};

static ATTACHMENTS: ComplexType =
    list_of("SPAttachmentCollection", &[element("Attachment", &ATTACHMENT, 0, UNBOUNDED)]);

static ATTACHMENT: ComplexType = ComplexType {
    name: "SPAttachment",
    attributes: &[
        optional("Name", STRING),
        optional("DirName", STRING),
        optional("Url", STRING),
        optional("Id", GUID),
        optional("ParentWebId", GUID),
        optional("FileValue", STRING),
        optional("MetaInfo", STRING),
        optional("Author", STRING),
        optional("ModifiedBy", STRING),
        optional("TimeCreated", DATE_TIME),
        optional("TimeLastModified", DATE_TIME),
        optional("FailureMessage", STRING),
    ],
    any_attribute: false,
    content: Content::Elements(sequence(1, 1, &[element("Properties", &DICTIONARY, 0, 1)])),
};

// Sharing events (package.md §5.9; docs/apis/migration-api-shared.md).
static SHARED_WITH_EVENTS: ComplexType =
    list_of("SharedWithEvents", &[element("SharedWithEvent", &SHARED_WITH_EVENT, 0, UNBOUNDED)]);

static SHARED_WITH_EVENT: ComplexType = ComplexType {
    name: "SharedWithEvent",
    attributes: &[
        optional("SharedTime", DATE_TIME),
        optional("SharingInitiatorId", STRING),
        optional("SharedById", STRING),
    ],
    any_attribute: false,
    content: Content::Elements(sequence(1, 1, &[element("SharedWithMembers", &SHARED_WITH_MEMBERS, 0, 1)])),
};

static SHARED_WITH_MEMBERS: ComplexType =
    list_of("SharedWithMembers", &[element("SharedWithMember", &SHARED_WITH_MEMBER, 0, UNBOUNDED)]);

static SHARED_WITH_MEMBER: ComplexType = empty("SharedWithMember", &[optional("SharedWithId", STRING)]);

// Shared pieces.

static DICTIONARY: ComplexType = list_of("Dictionary", &[element("Property", &PROPERTY, 0, UNBOUNDED)]);

static PROPERTY: ComplexType = empty(
    "DictionaryEntry",
    &[
        required("Name", STRING),
        optional("Value", STRING),
        optional("Value2", STRING),
        optional("Id", GUID),
        optional("Type", one_of(&VALUE_TYPE)),
        optional("Access", one_of(&ACCESS)),
    ],
);

static LINKS: ComplexType = list_of("SPLinkCollection", &[element("Link", &LINK, 0, UNBOUNDED)]);

static LINK: ComplexType = empty(
    "SPLink",
    &[
        required("TargetId", GUID),
        required("TargetUrl", STRING),
        required("IsDirty", BOOLEAN),
        optional("WebPartId", GUID),
        optional("LinkNumber", INT),
        optional("Type", UNSIGNED_BYTE),
        optional("Security", UNSIGNED_BYTE),
        optional("Dynamic", UNSIGNED_BYTE),
        optional("ServerRel", BOOLEAN),
        optional("Level", UNSIGNED_BYTE),
        optional("Search", STRING),
    ],
);

static EVENT_RECEIVERS: ComplexType =
    list_of("SPEventReceiverDefinitionCollection", &[element("EventReceiver", &EVENT_RECEIVER, 0, UNBOUNDED)]);

static EVENT_RECEIVER: ComplexType = empty(
    "SPEventReceiverDefinition",
    &[
        required("Id", GUID),
        required("Name", STRING),
        required("WebId", GUID),
        required("HostId", GUID),
        required("HostType", one_of(&HOST_TYPE)),
        optional("Synchronization", one_of(&SYNCHRONIZATION)),
        required("Type", one_of(&RECEIVER_TYPE)),
        required("SequenceNumber", INT),
        optional("Url", STRING),
        optional("Assembly", STRING),
        optional("Class", STRING),
        optional("SolutionId", GUID),
        optional("Data", STRING),
        optional("Filter", STRING),
        optional("Credential", INT),
        optional("ItemId", INT),
    ],
);

// Security (package.md §5.7).

static ROLES: ComplexType = list_of("DeploymentRoles", &[element("Role", &ROLE, 0, UNBOUNDED)]);

static ROLE: ComplexType = empty(
    "DeploymentRole",
    &[
        required("RoleId", STRING),
        required("Title", STRING),
        optional("Description", STRING),
        required("PermMask", STRING),
        required("Hidden", BOOLEAN),
        optional("RoleOrder", STRING),
        optional("Type", STRING),
    ],
);

static ROLE_ASSIGNMENTS: ComplexType =
    list_of("DeploymentRoleAssignments", &[element("RoleAssignment", &ROLE_ASSIGNMENT, 0, UNBOUNDED)]);

static ROLE_ASSIGNMENT: ComplexType = ComplexType {
    name: "DeploymentRoleAssignment",
    attributes: &[
        required("ScopeId", STRING),
        required("RoleDefWebId", STRING),
        required("RoleDefWebUrl", STRING),
        required("ObjectId", STRING),
        required("ObjectType", STRING),
        required("ObjectUrl", STRING),
        optional("AnonymousPermMask", STRING),
    ],
    any_attribute: false,
    content: Content::Elements(sequence(1, 1, &[element("Assignment", &ASSIGNMENT, 0, UNBOUNDED)])),
};

static ASSIGNMENT: ComplexType =
    empty("DeploymentAssignment", &[required("RoleId", STRING), required("PrincipalId", STRING)]);

// The modifier types, from the SharePoint 2013 schema.

static USER_X: ComplexType = empty(
    "DeploymentUserX",
    &[
        required("Operation", one_of(&SECURITY_MODIFICATION)),
        required("Id", STRING),
        required("Name", STRING),
        required("Login", STRING),
        optional("Email", STRING),
        optional("SystemId", STRING),
        optional("IsDomainGroup", BOOLEAN),
        optional("IsSiteAdmin", BOOLEAN),
        optional("IsDeleted", BOOLEAN),
        optional("MobilePhone", STRING),
        optional("Flags", STRING),
    ],
);

static GROUP_X: ComplexType = empty(
    "DeploymentGroupX",
    &[
        required("Operation", one_of(&SECURITY_MODIFICATION)),
        required("Id", STRING),
        required("Name", STRING),
        optional("OwnerLogin", STRING),
        optional("OwnerIsUser", BOOLEAN),
        optional("Description", STRING),
        optional("UserId", STRING),
        optional("UserLogin", STRING),
        optional("OnlyAllowMembersViewMembership", BOOLEAN),
        optional("AllowMembersEditMembership", BOOLEAN),
        optional("AllowRequestToJoinLeave", BOOLEAN),
        optional("AutoAcceptRequestToJoinLeave", BOOLEAN),
        optional("RequestToJoinLeaveEmailSetting", STRING),
    ],
);

static ROLE_X: ComplexType = empty(
    "DeploymentRoleX",
    &[
        required("Operation", one_of(&SECURITY_MODIFICATION)),
        required("OperationCode", STRING),
        required("WebId", STRING),
        required("WebUrl", STRING),
        optional("RoleId", STRING),
        optional("Title", STRING),
        optional("Description", STRING),
        optional("PermMask", STRING),
        optional("Hidden", BOOLEAN),
        optional("RoleOrder", STRING),
        optional("Type", STRING),
        optional("UserId", STRING),
        optional("UserLogin", STRING),
    ],
);

static ROLE_ASSIGNMENT_X: ComplexType = empty(
    "DeploymentRoleAssignmentX",
    &[
        required("Operation", one_of(&SECURITY_MODIFICATION)),
        required("OperationCode", STRING),
        required("ScopeId", STRING),
        required("RoleDefWebId", STRING),
        required("RoleDefWebUrl", STRING),
        required("ObjectId", STRING),
        required("ObjectType", STRING),
        required("ObjectUrl", STRING),
        optional("AnonymousPermMask", STRING),
        optional("RoleName", STRING),
        optional("RoleId", STRING),
        optional("GroupTitle", STRING),
        optional("UserLogin", STRING),
    ],
);
