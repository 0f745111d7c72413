//! Validation messages as .NET's validating reader words them, on small documents.

use super::*;
use crate::package::xml::{Limits, read_document};

const MANIFEST: &str = "urn:deployment-manifest-schema";

fn validate(file: &str, xml: &str) -> Result<(), String> {
    let schema = for_file(file).unwrap_or(&manifest::SCHEMA);
    let root = read_document(xml.as_bytes(), &Limits::default()).expect("well-formed test input");
    Validator::new(schema).document(&root).map_err(|e| e.message)
}

/// One manifest object around `inner`.
fn object(inner: &str) -> String {
    format!("<SPObjects xmlns='{MANIFEST}'><SPObject Id='1'>{inner}</SPObject></SPObjects>")
}

#[test]
fn b82_b100_the_documented_minimal_package_is_valid() {
    let export = r#"<ExportSettings xmlns="urn:deployment-exportsettings-schema" SiteUrl="http://fileshare/sites/user" FileLocation="C:\" IncludeSecurity="All" SourceType="FileShare"><ExportObjects/></ExportSettings>"#;
    let system = r#"<SystemData xmlns="urn:deployment-systemdata-schema">
      <SchemaVersion Version="15.0.0.0" Build="16.0.3111.1200" DatabaseVersion="11552" SiteVersion="15" ObjectsProcessed="3" />
      <ManifestFiles><ManifestFile Name="Manifest.xml" /></ManifestFiles>
      <SystemObjects><SystemObject Id="34321c39-3254-4bd1-b749-c99e16d1f4ab" Type="Folder" Url="/personal/username" /></SystemObjects>
      <RootWebOnlyLists />
    </SystemData>"#;
    let users = r#"<UserGroupMap xmlns="urn:deployment-usergroupmap-schema">
      <Users><User Id="1" Name="Robert" Login="i:0#.f|membership|robert@contoso.com" IsSiteAdmin="false" IsDeleted="false" IsDomainGroup="false" Flags="0" /></Users>
      <Groups><Group Id="3" Name="Temp Group" Owner="1" OwnerIsUser="true"><Member UserId="1" /></Group></Groups>
    </UserGroupMap>"#;
    let manifest = r#"<SPObjects xmlns="urn:deployment-manifest-schema">
      <SPObject Id="aef2bb11-7ee8-4343-87cd-5938d260e647" ObjectType="SPFile" ParentId="75be48d8" ParentWebId="2f887e64" ParentWebUrl="/" Url="/Shared Documents/MyFile.txt">
        <File Url="Shared Documents/MyFile.txt" Id="aef2bb11" ParentWebId="2f887e64" ParentWebUrl="/" Name="MyFile.txt" ListItemIntId="1" ListId="a69654d6" ParentId="75be48d8" TimeCreated="2021-01-06T18:43:38" TimeLastModified="2018-06-07T17:54:28" Version="1.0" FileValue="00000000.dat" FileSize="5" Author="1" ModifiedBy="1" />
      </SPObject>
      <SPObject Id="52e75f2f" ObjectType="SPListItem" ParentId="a69654d6" ParentWebId="2f887e64" ParentWebUrl="/" Url="/Shared Documents/MyFile.txt">
        <ListItem FileUrl="Shared Documents/MyFile.txt" DocType="File" ParentFolderId="75be48d8" Order="100" Id="52e75f2f" ParentWebId="2f887e64" ParentListId="a69654d6" Name="MyFile.txt" DirName="/Shared Documents" IntId="1" DocId="aef2bb11" Version="1.0" Author="1" ModifiedBy="1" TimeLastModified="2018-06-07T17:54:28" TimeCreated="2021-01-06T18:43:38" ModerationStatus="Approved">
          <Fields />
        </ListItem>
      </SPObject>
    </SPObjects>"#;
    assert_eq!(validate("ExportSettings.xml", export), Ok(()));
    assert_eq!(validate("SystemData.xml", system), Ok(()));
    assert_eq!(validate("UserGroup.xml", users), Ok(()));
    assert_eq!(validate("Manifest.xml", manifest), Ok(()));
    for (file, childless) in [
        ("LookupListMap.xml", "<LookupLists xmlns='urn:deployment-lookuplistmap-schema' />"),
        ("Requirements.xml", "<Requirements xmlns='urn:deployment-requirements-schema' />"),
        ("ViewFormsList.xml", "<ViewFormsList xmlns='urn:deployment-viewformlist-schema' />"),
        (
            "RootObjectMap.xml",
            "<RootObjects xmlns='urn:deployment-rootobjectmap-schema'><RootObject Id='x' Type='List' ParentId='y' WebUrl='/' Url='/Shared Documents' IsDependency='false' /></RootObjects>",
        ),
    ] {
        assert_eq!(validate(file, childless), Ok(()), "{file}");
    }
}

#[test]
fn b83_list_attributes_outside_the_constrained_schema_are_refused() {
    let list = object(
        "<List Id='1' Title='Docs' RootFolderUrl='/Docs' ParentWebId='2' BaseTemplate='101' Description='from AMR' />",
    );
    assert_eq!(validate("Manifest.xml", &list), Err("The 'Description' attribute is not declared.".into()));
    let library = object(
        "<DocumentLibrary Id='1' Title='Docs' RootFolderUrl='/Docs' ParentWebId='2' BaseTemplate='101' HasUniqueRoleAssignments='true' IsCatalog='false' />",
    );
    assert_eq!(validate("Manifest.xml", &library), Ok(()), "Microsoft's own example attribute is accepted (Q5)");
}

#[test]
fn b84_b92_files_and_items_take_any_attribute() {
    let file = object(
        "<File Id='1' FileValue='a.dat' Checksum='3k59aOUae2xygD5B/jtxY4x0Xko=' MD5Hash='x' FileSize='5' ScopeId='s' InitializationVector='i' EncodedAttributes='Url' />",
    );
    assert_eq!(validate("Manifest.xml", &file), Ok(()));
    let item = object(
        "<ListItem Id='1' ScopeId='s' Level='1'><Fields><Field Name='Title' Value='x' Type='Text' Custom='1' /></Fields></ListItem>",
    );
    assert_eq!(validate("Manifest.xml", &item), Ok(()));
}

#[test]
fn b85_b92_folders_take_no_undeclared_attribute() {
    assert_eq!(
        validate("Manifest.xml", &object("<Folder Id='1' Url='a' EncodedAttributes='Url' />")),
        Err("The 'EncodedAttributes' attribute is not declared.".into())
    );
}

#[test]
fn b86_spobject_wraps_only_the_constrained_kinds() {
    assert_eq!(
        validate("Manifest.xml", &object("<Web Id='1' />")),
        Err(format!(
            "The element 'SPObject' in namespace '{MANIFEST}' has invalid child element 'Web' in namespace '{MANIFEST}'. List of possible elements expected: 'List, DocumentLibrary, ListItem, Folder, File, ContentType, UserX, GroupX, Roles, RoleX, RoleAssignments, RoleAssignmentX' in namespace '{MANIFEST}'."
        ))
    );
    assert_eq!(
        validate("Manifest.xml", &object("<Folder Id='1' /><Folder Id='2' />")),
        Err(format!(
            "The element 'SPObject' in namespace '{MANIFEST}' has invalid child element 'Folder' in namespace '{MANIFEST}'."
        )),
        "one typed element per SPObject"
    );
}

#[test]
fn b87_b88_export_settings_take_any_attribute_but_enumerations_are_checked() {
    let export = |attributes: &str, objects: &str| {
        format!(
            "<ExportSettings xmlns='urn:deployment-exportsettings-schema' SiteUrl='http://x' {attributes}>{objects}</ExportSettings>"
        )
    };
    assert_eq!(
        validate("ExportSettings.xml", &export("SourceType='Other' DetailedSource='mine' IgnoreWebParts='true'", "")),
        Ok(())
    );
    assert_eq!(
        validate("ExportSettings.xml", &export("", "<ExportObjects><DeploymentObject Id='1' Type='Web' /></ExportObjects>")),
        Err("The 'Type' attribute is invalid - The value 'Web' is invalid according to its datatype 'urn:deployment-exportsettings-schema:SPDeploymentObjectType' - The Enumeration constraint failed.".into())
    );
    assert_eq!(
        validate("ExportSettings.xml", &export("IncludeSecurity='all'", "")),
        Err("The 'IncludeSecurity' attribute is invalid - The value 'all' is invalid according to its datatype 'urn:deployment-exportsettings-schema:SPIncludeSecurity' - The Enumeration constraint failed.".into())
    );
}

#[test]
fn b89_required_attributes_are_checked_after_the_others() {
    assert_eq!(
        validate(
            "ExportSettings.xml",
            "<ExportSettings xmlns='urn:deployment-exportsettings-schema' FileLocation='x' />"
        ),
        Err("The required attribute 'SiteUrl' is missing.".into())
    );
    assert_eq!(
        validate("Manifest.xml", &object("<List Id='1' RootFolderUrl='/D' ParentWebId='2' BaseTemplate='101' />")),
        Err("The required attribute 'Title' is missing.".into())
    );
    assert_eq!(
        validate("Manifest.xml", &object("<Roles><Role RoleId='1' Title='Read' Hidden='false' /></Roles>")),
        Err("The required attribute 'PermMask' is missing.".into())
    );
    // An undeclared attribute is reported before a missing required one.
    assert_eq!(
        validate("Manifest.xml", &object("<List Id='1' Bogus='x' />")),
        Err("The 'Bogus' attribute is not declared.".into())
    );
}

#[test]
fn b91_web_parts_and_sharing_events_are_accepted() {
    let file = object(
        "<File Id='1'><Versions><File Id='1' /></Versions><WebParts><WebPart Name='7c1a2b3d' WebPartZoneID='Main'><View><Query /></View></WebPart></WebParts></File>",
    );
    assert_eq!(validate("Manifest.xml", &file), Ok(()));
    let item = object(
        "<ListItem Id='1'><SharedWithEvents><SharedWithEvent SharedTime='2018-10-29T04:06:09.1385321Z' SharingInitiatorId='1' SharedById='1'><SharedWithMembers><SharedWithMember SharedWithId='2' /></SharedWithMembers></SharedWithEvent></SharedWithEvents><Fields /></ListItem>",
    );
    assert_eq!(validate("Manifest.xml", &item), Ok(()));
}

#[test]
fn datatypes_report_the_dotnet_type_and_reason() {
    assert_eq!(
        validate("Manifest.xml", &object("<File Id='1' TimeCreated='2021-01-06 18:50:15' />")),
        Err("The 'TimeCreated' attribute is invalid - The value '2021-01-06 18:50:15' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:dateTime' - The string '2021-01-06 18:50:15' is not a valid DateTime value.".into())
    );
    assert_eq!(
        validate("Manifest.xml", &object("<ListItem Id='1' IntId='seven' />")),
        Err("The 'IntId' attribute is invalid - The value 'seven' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int' - The string 'seven' is not a valid Int32 value.".into())
    );
    assert_eq!(
        validate("Manifest.xml", "<SPObjects xmlns='urn:deployment-manifest-schema'><SPObject IsDeleted='True' /></SPObjects>"),
        Err("The 'IsDeleted' attribute is invalid - The value 'True' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:boolean' - The string 'True' is not a valid Boolean value.".into())
    );
}

#[test]
fn content_must_be_complete_and_free_of_text() {
    assert_eq!(
        validate("SystemData.xml", "<SystemData xmlns='urn:deployment-systemdata-schema'><SchemaVersion /><SystemObjects /></SystemData>"),
        Err("The element 'SystemData' in namespace 'urn:deployment-systemdata-schema' has invalid child element 'SystemObjects' in namespace 'urn:deployment-systemdata-schema'. List of possible elements expected: 'ManifestFiles' in namespace 'urn:deployment-systemdata-schema'.".into())
    );
    assert_eq!(
        validate("SystemData.xml", "<SystemData xmlns='urn:deployment-systemdata-schema'><SchemaVersion /></SystemData>"),
        Err("The element 'SystemData' in namespace 'urn:deployment-systemdata-schema' has incomplete content. List of possible elements expected: 'ManifestFiles' in namespace 'urn:deployment-systemdata-schema'.".into())
    );
    assert_eq!(
        validate("Manifest.xml", &object("<Folder Id='1'>notes</Folder>")),
        Err(format!(
            "The element 'Folder' in namespace '{MANIFEST}' cannot contain text. List of possible elements expected: 'Properties' in namespace '{MANIFEST}'."
        ))
    );
    assert_eq!(
        validate("Manifest.xml", &object("<ListItem Id='1'><Fields>mixed <Field Name='T' /> text</Fields></ListItem>")),
        Ok(()),
        "Fields is mixed"
    );
    assert_eq!(
        validate(
            "Manifest.xml",
            &object("<File Id='1'><Properties><Property Name='p'>x</Property></Properties></File>")
        ),
        Err("The element cannot contain text. Content model is empty.".into())
    );
}

#[test]
fn roots_and_namespaces_must_be_the_schemas() {
    assert_eq!(
        validate("SystemData.xml", "<SystemDatas xmlns='urn:deployment-systemdata-schema' />"),
        Err("The 'urn:deployment-systemdata-schema:SystemDatas' element is not declared.".into())
    );
    assert_eq!(
        validate("Manifest.xml", "<SPObjects xmlns='urn:deployment-manifest-schema'><SPObject xmlns='' /></SPObjects>"),
        Err(format!(
            "The element 'SPObjects' in namespace '{MANIFEST}' has invalid child element 'SPObject'. List of possible elements expected: 'SPObject' in namespace '{MANIFEST}'."
        ))
    );
    assert_eq!(
        validate(
            "Manifest.xml",
            "<SPObjects xmlns='urn:deployment-manifest-schema' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:schemaLocation='x' />"
        ),
        Ok(())
    );
}

#[test]
fn archived_files_follow_the_documented_example() {
    let archived = "<ArchivedFiles><ArchivedFile Name='pack0.zip' Checksum='x='><File FileValue='01.dat' /></ArchivedFile></ArchivedFiles>";
    assert_eq!(validate("ArchivedFiles.xml", archived), Ok(()));
    assert_eq!(
        validate(
            "ArchivedFiles.xml",
            "<ArchivedFiles><ArchivedFile Name='p.zip' Checksum='x'><Item /></ArchivedFile></ArchivedFiles>"
        ),
        Err("The element 'ArchivedFile' has invalid child element 'Item'. List of possible elements expected: 'File'."
            .into())
    );
}
