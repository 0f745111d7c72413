//! Permissions imported from a package and read back over REST (behaviours 155–157, 110/111
//! for principals): UserGroup.xml groups, DeploymentRoles, DeploymentRoleAssignments on a
//! file, a folder, a list item and a list, the limits, and when security is not imported.
//! Each test runs a live job against Azurite and checks what a user sees: events, the log and
//! the REST answers.

mod support;

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};
use support::corpus::{copy_tree, corpus};
use support::jobs::{FolderStaging, Harness, last, names};
use support::{MINIMAL, NOMETADATA, VERBOSE};
use uuid::Uuid;

const WEB_ID: &str = "40fdc1f3-80b3-550d-bbc7-da81b0a2f205";
const HELLO_ID: &str = "70b90168-b920-5c63-8887-fce28de56b5e";
const NOTES_ID: &str = "b690d7de-da2b-53c7-ae9c-499dc62bd38b";
const CORPUS_FOLDER_ID: &str = "2272421a-6a5a-504e-88f8-909dbc49c0f9";
const HELLO: &str = "/sites/dev/Shared Documents/Corpus/hello.txt";
const NOTES: &str = "/sites/dev/Shared Documents/Corpus/notes.txt";
const CORPUS: &str = "/sites/dev/Shared Documents/Corpus";
const READ: i64 = 1_073_741_826;
const CONTRIBUTE: i64 = 1_073_741_827;
const FULL_CONTROL: i64 = 1_073_741_829;
const EDIT: i64 = 1_073_741_830;
const TASK_ITEM_ID: &str = "5b0c7a61-3c2e-4a57-9d3e-0f6d1f7a9e01";

/// A package: the corpus base with its users, extra manifest objects, and ExportSettings'
/// IncludeSecurity replaced.
struct PackageEdit<'a> {
    include_security: &'a str,
    users: String,
    groups: String,
    objects: String,
}

fn package(edit: &PackageEdit<'_>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&corpus().join("base"), dir.path());
    let rewrite = |name: &str, f: &dyn Fn(&str) -> String| {
        let path = dir.path().join(name);
        let before = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, f(&before)).unwrap();
    };
    rewrite("ExportSettings.xml", &|s| {
        s.replace(r#"IncludeSecurity="None""#, &format!(r#"IncludeSecurity="{}""#, edit.include_security))
    });
    rewrite("UserGroup.xml", &|s| {
        s.replace("  </Users>", &format!("{}  </Users>", edit.users))
            .replace("<Groups />", &format!("<Groups>{}</Groups>", edit.groups))
    });
    rewrite("Manifest.xml", &|s| s.replace("</SPObjects>", &format!("{}</SPObjects>", edit.objects)));
    dir
}

fn user(id: &str, name: &str, login: &str) -> String {
    format!(
        "    <User Id=\"{id}\" Name=\"{name}\" Login=\"{login}\" Email=\"\" IsSiteAdmin=\"false\" IsDeleted=\"false\" IsDomainGroup=\"false\" />\n"
    )
}

/// A `DeploymentRoles` object as Office365-REST-Python-Client writes it.
fn roles(roles: &[(&str, &str, &str)]) -> String {
    let body: String = roles
        .iter()
        .map(|(id, title, mask)| {
            format!(
                r#"<Role RoleId="{id}" Title="{title}" Description="{title} level" PermMask="{mask}" Hidden="false" />"#
            )
        })
        .collect();
    format!(
        r#"<SPObject Id="{}" ObjectType="DeploymentRoles" ParentId="{WEB_ID}" ParentWebId="{WEB_ID}" ParentWebUrl="/sites/dev"><Roles>{body}</Roles></SPObject>"#,
        Uuid::new_v4()
    )
}

/// A `RoleAssignment` of (RoleId, PrincipalId) pairs.
fn assignment(object_id: &str, object_type: &str, url: &str, grants: &[(i64, &str)]) -> String {
    let body: String = grants
        .iter()
        .map(|(role, principal)| format!(r#"<Assignment RoleId="{role}" PrincipalId="{principal}" />"#))
        .collect();
    format!(
        r#"<RoleAssignment ScopeId="{object_id}" RoleDefWebId="{WEB_ID}" RoleDefWebUrl="/sites/dev" ObjectId="{object_id}" ObjectType="{object_type}" ObjectUrl="{url}" AnonymousPermMask="0">{body}</RoleAssignment>"#
    )
}

/// A `DeploymentRoleAssignments` object as Office365-REST-Python-Client writes it.
fn role_assignments(assignments: &[String]) -> String {
    format!(
        r#"<SPObject Id="{}" ObjectType="DeploymentRoleAssignments" ParentId="{WEB_ID}" ParentWebId="{WEB_ID}" ParentWebUrl="/sites/dev"><RoleAssignments>{}</RoleAssignments></SPObject>"#,
        Uuid::new_v4(),
        assignments.concat()
    )
}

async fn run(h: &Harness, dir: &Path) -> (Uuid, Vec<Value>, String) {
    let staged = h.stage_folder(dir, FolderStaging::default()).await;
    let job = h.submit(&staged, None).await;
    let events = h.events_until_end(job).await;
    let (log, _) = h.tool.get(&staged.manifest, &format!("Import-{job}-1.log")).await.unwrap();
    (job, events, String::from_utf8(log).unwrap())
}

fn messages<'e>(events: &'e [Value], name: &str) -> Vec<&'e str> {
    events.iter().filter(|e| e["Event"] == name).map(|e| e["Message"].as_str().unwrap()).collect()
}

async fn get(h: &Harness, path: &str) -> Value {
    let answer = h.t.get(&format!("/sites/dev/_api/{path}"), NOMETADATA).await;
    assert!(answer.status.is_success(), "{path}: {} {}", answer.status, answer.body);
    answer.body
}

async fn unique(h: &Harness, path: &str) -> bool {
    let body = get(h, &format!("{path}?$select=HasUniqueRoleAssignments")).await;
    body["HasUniqueRoleAssignments"].as_bool().unwrap_or_else(|| panic!("{path}: {body}"))
}

/// Each assignment as (principal id, member title, role names).
async fn assignments_of(h: &Harness, path: &str) -> Vec<(i64, String, Vec<String>)> {
    let body = get(h, &format!("{path}/RoleAssignments?$expand=Member,RoleDefinitionBindings")).await;
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let roles = a["RoleDefinitionBindings"].as_array().unwrap();
            (
                a["PrincipalId"].as_i64().unwrap(),
                a["Member"]["Title"].as_str().unwrap().to_string(),
                roles.iter().map(|r| r["Name"].as_str().unwrap().to_string()).collect(),
            )
        })
        .collect()
}

fn file_item(url: &str) -> String {
    format!("web/GetFileByServerRelativeUrl('{url}')/ListItemAllFields")
}

/// Adds a "Tasks" list to /sites/dev; returns its id and root folder id.
async fn tasks_list(h: &Harness) -> (String, String) {
    let site = json!({"url": "/sites/dev", "lists": [{"title": "Tasks", "template": "GenericList"}]});
    let answer = h.admin(Method::POST, "/_emulator/sites", Some(site)).await;
    assert!(answer.status.is_success(), "{}", answer.body);
    let list = get(h, "web/lists/GetByTitle('Tasks')?$select=Id").await;
    let folder = get(h, "web/lists/GetByTitle('Tasks')/RootFolder?$select=UniqueId").await;
    (list["Id"].as_str().unwrap().to_string(), folder["UniqueId"].as_str().unwrap().to_string())
}

fn task_item(list_id: &str, root_folder: &str) -> String {
    format!(
        r#"<SPObject Id="{TASK_ITEM_ID}" ObjectType="SPListItem" ParentId="{list_id}" ParentWebId="{WEB_ID}" ParentWebUrl="/sites/dev" Url="/sites/dev/Lists/Tasks/1_.000"><ListItem FileUrl="Lists/Tasks/1_.000" Id="{TASK_ITEM_ID}" ParentWebId="{WEB_ID}" ParentListId="{list_id}" ParentFolderId="{root_folder}" IntId="1" Author="1" ModifiedBy="1" TimeCreated="2024-03-01T10:00:00" TimeLastModified="2024-03-01T10:00:00"><Fields><Field Name="Title" Value="Review" Type="Text" /></Fields></ListItem></SPObject>"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn b155_b156_b111_groups_roles_and_unique_permissions_on_a_file_a_folder_an_item_and_a_list() {
    let h = Harness::start().await;
    let (tasks, tasks_root) = tasks_list(&h).await;
    let users = [
        user("2", "Ada", "i:0#.f|membership|ada@contoso.com"),
        // Not a UPN: it does not resolve, and System Account stands in (behaviour 105).
        user("3", "Ghost", "CONTOSO\\ghost"),
    ]
    .concat();
    let groups = concat!(
        r#"<Group Id="10" Name="Corpus Editors" Description="Edits the corpus" Owner="1" OwnerIsUser="true">"#,
        r#"<Member UserId="1" /><Member UserId="2" /><Member UserId="3" /><Member UserId="99" /></Group>"#,
        r#"<Group Id="11" Name="dev Members" Owner="10" OwnerIsUser="false"><Member UserId="2" /></Group>"#,
    );
    let objects = [
        task_item(&tasks, &tasks_root),
        roles(&[
            ("100", "Corpus Reviewer", "756052856929"),
            ("1073741826", "Reader again", "138612833"),
            ("101", "Contribute", "1"),
        ]),
        role_assignments(&[
            // Ada as a reviewer, the group as contributors; Ghost (System Account) and an
            // undefined principal are granted nothing.
            assignment(
                HELLO_ID,
                "2",
                "Shared Documents/Corpus/hello.txt",
                &[(100, "2"), (CONTRIBUTE, "10"), (READ, "3"), (READ, "42")],
            ),
            assignment(CORPUS_FOLDER_ID, "SPFolder", "Shared Documents/Corpus", &[(FULL_CONTROL, "1")]),
            assignment(TASK_ITEM_ID, "2", "Lists/Tasks/1_.000", &[(EDIT, "2")]),
            assignment(&tasks, "1", "Lists/Tasks", &[]),
            assignment("0e4f52b4-5f49-4ad2-a7a4-4f2d2b3a4c55", "2", "Shared Documents/gone.txt", &[(READ, "1")]),
        ]),
    ]
    .concat();
    let dir = package(&PackageEdit { include_security: "All", users, groups: groups.into(), objects });
    let (_, events, log) = run(&h, dir.path()).await;

    let warnings = messages(&events, "JobWarning");
    assert!(warnings.contains(&"Failed to ensure user 'CONTOSO\\ghost'"), "{warnings:#?}");
    for id in ["99", "42"] {
        let text = format!("The principal id '{id}' is not defined in UserGroup.xml; it is granted nothing.");
        assert_eq!(warnings.iter().filter(|w| **w == text).count(), 1, "{warnings:#?}");
    }
    let errors = messages(&events, "JobError");
    assert_eq!(
        errors,
        [
            "Updates to system roles is not allowed",
            "Updates to system roles is not allowed",
            "The object with id 0e4f52b4-5f49-4ad2-a7a4-4f2d2b3a4c55 was not found.",
        ],
        "{events:#?}"
    );
    let refused: Vec<&str> =
        events.iter().filter(|e| e["Event"] == "JobError").take(2).map(|e| e["Url"].as_str().unwrap()).collect();
    assert_eq!(refused, ["Reader again", "Contribute"]);
    assert!(!names(&events).contains(&"JobFatalError"), "{events:#?}");
    assert!(log.contains("Updates to system roles is not allowed"), "{log}");
    assert!(log.contains("The principal id '42' is not defined"), "{log}");

    let end = last(&events, "JobEnd");
    assert_eq!(end["TotalErrors"], "3");
    // 8 manifest objects, 3 users, 2 groups: every expected object is processed once.
    assert_eq!(end["TotalExpectedSPObjects"], "13", "{end:#}");
    assert_eq!(end["ObjectsProcessed"], "13", "{end:#}");
    let stats: Value = serde_json::from_str(end["ObjectsStatsByType"].as_str().unwrap()).unwrap();
    assert_eq!(stats["SPGroup"]["Count"], 2, "{stats:#}");
    assert_eq!(stats["DeploymentRoles"]["Count"], 1, "{stats:#}");
    assert_eq!(stats["DeploymentRoleAssignments"]["Count"], 1, "{stats:#}");

    // Behaviour 156: the groups with their resolved members; the existing "Dev Members" was
    // matched by title, not duplicated.
    let groups = get(&h, "web/SiteGroups?$expand=Users").await;
    let groups = groups["value"].as_array().unwrap();
    let titles: Vec<&str> = groups.iter().map(|g| g["Title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Dev Owners", "Dev Visitors", "Dev Members", "Corpus Editors"]);
    let editors = &groups[3];
    assert_eq!(editors["PrincipalType"], 8);
    assert_eq!(editors["Description"], "Edits the corpus");
    assert_eq!(editors["OwnerTitle"], "Robert");
    assert_eq!(editors["LoginName"], "Corpus Editors");
    let members: Vec<&str> =
        editors["Users"].as_array().unwrap().iter().map(|u| u["Title"].as_str().unwrap()).collect();
    assert_eq!(members, ["Robert", "Ada"]);
    let editors_id = editors["Id"].as_i64().unwrap();
    assert_eq!(get(&h, &format!("web/SiteGroups/GetById({editors_id})")).await["Title"], "Corpus Editors");
    let dev_members = get(&h, "web/SiteGroups/GetByName('dev Members')").await;
    assert_eq!(dev_members["OwnerTitle"], "Corpus Editors");
    let users = get(&h, "web/SiteGroups/GetByName('dev Members')/Users").await;
    assert_eq!(users["value"][0]["Title"], "Ada");

    // DeploymentRoles: the custom level is created with the decimal mask split in halves.
    let reviewer = get(&h, "web/RoleDefinitions/GetByName('Corpus Reviewer')").await;
    assert_eq!(reviewer["BasePermissions"], json!({"High": "176", "Low": "138612833"}));
    assert_eq!(reviewer["Description"], "Corpus Reviewer level");
    assert_eq!(reviewer["RoleTypeKind"], 0);
    let contribute = get(&h, &format!("web/RoleDefinitions({CONTRIBUTE})")).await;
    assert_eq!(contribute["BasePermissions"], json!({"High": "432", "Low": "1011028719"}), "untouched");

    // Behaviour 155 on a file: exactly the resolved assignments.
    let on_hello = assignments_of(&h, &file_item(HELLO)).await;
    let titles: Vec<(&str, Vec<&str>)> =
        on_hello.iter().map(|(_, t, r)| (t.as_str(), r.iter().map(String::as_str).collect())).collect();
    assert_eq!(titles, [("Ada", vec!["Corpus Reviewer"]), ("Corpus Editors", vec!["Contribute"])]);
    assert!(unique(&h, &file_item(HELLO)).await);
    // notes.txt inherits from its folder, which has unique permissions of its own.
    assert!(!unique(&h, &file_item(NOTES)).await);
    assert!(unique(&h, &format!("web/GetFolderByServerRelativeUrl('{CORPUS}')/ListItemAllFields")).await);
    let on_notes: Vec<(String, Vec<String>)> =
        assignments_of(&h, &file_item(NOTES)).await.into_iter().map(|(_, t, r)| (t, r)).collect();
    assert_eq!(on_notes, [("Robert".to_string(), vec!["Full Control".to_string()])]);
    // The library itself still inherits from the web, which has the default groups.
    let library = "web/lists/GetByTitle('Documents')";
    assert!(!unique(&h, library).await);
    let web_groups: Vec<String> = assignments_of(&h, library).await.into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(web_groups, ["Dev Owners", "Dev Visitors", "Dev Members"]);
    assert!(unique(&h, "web").await);

    // A list item, and a list broken with no assignments at all.
    let task = "web/lists/GetByTitle('Tasks')/items(1)";
    assert!(unique(&h, task).await);
    let on_task: Vec<(String, Vec<String>)> =
        assignments_of(&h, task).await.into_iter().map(|(_, t, r)| (t, r)).collect();
    assert_eq!(on_task, [("Ada".to_string(), vec!["Edit".to_string()])]);
    assert!(unique(&h, "web/lists/GetByTitle('Tasks')").await);
    assert_eq!(get(&h, "web/lists/GetByTitle('Tasks')/RoleAssignments").await["value"], json!([]));

    // The REST shapes in each format.
    let path = format!("/sites/dev/_api/{}/RoleAssignments/GetByPrincipalId({editors_id})", file_item(HELLO));
    let verbose = h.t.get(&path, VERBOSE).await.body;
    assert_eq!(verbose["d"]["__metadata"]["type"], "SP.RoleAssignment");
    assert!(
        verbose["d"]["__metadata"]["uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/RoleAssignments/GetByPrincipalId({editors_id})"))
    );
    assert!(verbose["d"]["Member"]["__deferred"]["uri"].as_str().unwrap().ends_with("/Member"));
    assert_eq!(verbose["d"]["PrincipalId"], editors_id);
    let minimal = h.t.get(&format!("{path}/Member"), MINIMAL).await.body;
    assert_eq!(minimal["odata.type"], "SP.Group");
    assert_eq!(minimal["Title"], "Corpus Editors");
    let bindings = h.t.get(&format!("{path}/RoleDefinitionBindings"), VERBOSE).await.body;
    let binding = &bindings["d"]["results"][0];
    assert_eq!(binding["__metadata"]["type"], "SP.RoleDefinition");
    assert_eq!(binding["BasePermissions"]["__metadata"]["type"], "SP.BasePermissions");
    assert_eq!(binding["Id"], CONTRIBUTE);
    let missing = h.t.get("/sites/dev/_api/web/RoleAssignments/GetByPrincipalId(4242)", NOMETADATA).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["odata.error"]["message"]["value"], "Can not find the principal with id: 4242.");

    // The web with its assignments expanded two levels deep.
    let web = get(&h, "web?$select=Title,HasUniqueRoleAssignments,RoleAssignments&$expand=RoleAssignments/Member,RoleAssignments/RoleDefinitionBindings").await;
    assert_eq!(web["HasUniqueRoleAssignments"], true);
    let owners = &web["RoleAssignments"][0];
    assert_eq!(owners["Member"]["Title"], "Dev Owners");
    assert_eq!(owners["RoleDefinitionBindings"][0]["Name"], "Full Control");
}

/// A package with a group, a custom level and an assignment on hello.txt.
fn small_security_package(include_security: &str, mask: &str) -> tempfile::TempDir {
    let objects = [
        roles(&[("100", "Corpus Reviewer", mask)]),
        role_assignments(&[assignment(
            HELLO_ID,
            "2",
            "Shared Documents/Corpus/hello.txt",
            &[(100, "1"), (READ, "10")],
        )]),
    ]
    .concat();
    let groups = r#"<Group Id="10" Name="Corpus Editors" Owner="1" OwnerIsUser="true"><Member UserId="1" /></Group>"#;
    package(&PackageEdit { include_security, users: String::new(), groups: groups.into(), objects })
}

async fn group_titles(h: &Harness) -> Vec<String> {
    let groups = get(h, "web/SiteGroups").await;
    groups["value"].as_array().unwrap().iter().map(|g| g["Title"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn b155_without_include_security_no_group_role_or_assignment_is_imported_unless_configured() {
    let h = Harness::start().await;
    for declared in ["None", "WssOnly"] {
        let reset = h.admin(Method::POST, "/_emulator/reset", None).await;
        assert!(reset.status.is_success(), "{}", reset.body);
        let dir = small_security_package(declared, "756052856929");
        let (_, events, log) = run(&h, dir.path()).await;
        assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{declared}: {events:#?}");
        let end = last(&events, "JobEnd");
        let applied = declared == "WssOnly";
        // 5 base objects, the two security objects, one user, and the group only when applied.
        assert_eq!(end["TotalExpectedSPObjects"], if applied { "9" } else { "8" }, "{end:#}");
        assert_eq!(end["ObjectsProcessed"], end["TotalExpectedSPObjects"]);
        let note = "Security information is not imported: ExportSettings.xml has IncludeSecurity=\"None\".";
        assert_eq!(log.contains(note), !applied, "{declared}: {log}");
        assert_eq!(group_titles(&h).await.contains(&"Corpus Editors".to_string()), applied, "{declared}");
        let reviewer = h.t.get("/sites/dev/_api/web/RoleDefinitions/GetByName('Corpus Reviewer')", NOMETADATA).await;
        assert_eq!(reviewer.status.is_success(), applied, "{declared}: {}", reviewer.body);
        assert_eq!(unique(&h, &file_item(HELLO)).await, applied, "{declared}");
        assert_eq!(title_of_hello(&h).await, "Hello", "the content is imported either way");
    }

    // --security-import always: the same package's security is applied whatever it declares.
    let always = Harness::start_with(|s| s.security_import = spmig::config::SecurityImport::Always).await;
    let dir = small_security_package("None", "756052856929");
    let (_, events, _) = run(&always, dir.path()).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    assert!(unique(&always, &file_item(HELLO)).await);
    let on_hello: Vec<String> =
        assignments_of(&always, &file_item(HELLO)).await.into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(on_hello, ["Robert", "Corpus Editors"]);
}

async fn title_of_hello(h: &Harness) -> Value {
    get(h, &file_item(HELLO)).await["Title"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hex_perm_mask_fails_the_job_with_a_format_exception() {
    let h = Harness::start().await;
    let dir = small_security_package("All", "0xB008431061");
    let (_, events, log) = run(&h, dir.path()).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobFatalError", "JobEnd"], "{events:#?}");
    let fatal = last(&events, "JobFatalError");
    assert_eq!(fatal["Message"], "[System.FormatException] [Input string was not in a correct format.]");
    assert_eq!(fatal["ErrorType"], "System.FormatException");
    assert_eq!(fatal["ErrorCode"], "-2146233033");
    assert_eq!(fatal["ObjectType"], "", "a fatal error names no object (behaviour 58)");
    assert!(log.contains("[System.FormatException] [Input string was not in a correct format.]"), "{log}");
    // What came before the roles was imported; nothing of the roles or after them was.
    assert_eq!(title_of_hello(&h).await, "Hello");
    assert!(!unique(&h, &file_item(HELLO)).await);
    let reviewer = h.t.get("/sites/dev/_api/web/RoleDefinitions/GetByName('Corpus Reviewer')", NOMETADATA).await;
    assert_eq!(reviewer.status, 404, "{}", reviewer.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn b157_assignments_per_scope_and_unique_scopes_per_list_are_limited() {
    let limits = spmig::site::security::PermissionLimits { assignments_per_scope: 2, unique_scopes_per_list: 1 };
    let h = Harness::start_with(|s| s.permission_limits = limits).await;
    let users = [
        user("2", "Ada", "i:0#.f|membership|ada@contoso.com"),
        user("3", "Grace", "i:0#.f|membership|grace@contoso.com"),
    ]
    .concat();
    let objects = role_assignments(&[
        assignment(HELLO_ID, "2", "Shared Documents/Corpus/hello.txt", &[(READ, "1"), (READ, "2"), (EDIT, "3")]),
        assignment(NOTES_ID, "2", "Shared Documents/Corpus/notes.txt", &[(READ, "1"), (EDIT, "1")]),
        assignment(CORPUS_FOLDER_ID, "2", "Shared Documents/Corpus", &[(READ, "2")]),
        // The list's one unique scope again: replacing its assignments is no new scope.
        assignment(NOTES_ID, "2", "Shared Documents/Corpus/notes.txt", &[(EDIT, "3")]),
    ]);
    let dir = package(&PackageEdit { include_security: "All", users, groups: String::new(), objects });
    let (_, events, log) = run(&h, dir.path()).await;
    let errors: Vec<&Value> = events.iter().filter(|e| e["Event"] == "JobError").collect();
    assert_eq!(errors.len(), 2, "{events:#?}");
    assert_eq!(errors[0]["Message"], "The object would have 3 role assignments; a scope may have at most 2.");
    assert_eq!(errors[0]["ObjectType"], "File");
    assert_eq!(errors[0]["Id"], HELLO_ID);
    assert_eq!(
        errors[1]["Message"],
        "The list 8f26c712-bad1-56aa-82b1-15eae82834ec already has 1 uniquely permissioned objects; no more are allowed."
    );
    assert_eq!(errors[1]["ObjectType"], "Folder");
    assert_eq!(errors[1]["Url"], "Shared Documents/Corpus");
    assert!(log.contains("a scope may have at most 2"), "{log}");
    assert_eq!(last(&events, "JobEnd")["TotalErrors"], "2");

    assert!(!unique(&h, &file_item(HELLO)).await, "nothing changed on the object over the limit");
    assert!(!unique(&h, &format!("web/GetFolderByServerRelativeUrl('{CORPUS}')/ListItemAllFields")).await);
    assert!(unique(&h, &file_item(NOTES)).await);
    let on_notes: Vec<(String, Vec<String>)> =
        assignments_of(&h, &file_item(NOTES)).await.into_iter().map(|(_, t, r)| (t, r)).collect();
    assert_eq!(on_notes, [("Grace".to_string(), vec!["Edit".to_string()])]);
}

#[tokio::test(flavor = "multi_thread")]
async fn b157_a_scope_with_5001_role_assignments_is_refused() {
    let h = Harness::start().await;
    let users: String = (2..=5002)
        .map(|i| user(&i.to_string(), &format!("User {i}"), &format!("i:0#.f|membership|u{i}@contoso.com")))
        .collect();
    let ids: Vec<String> = (2..=5002).map(|i| i.to_string()).collect();
    let grants: Vec<(i64, &str)> = ids.iter().map(|id| (READ, id.as_str())).collect();
    let objects = role_assignments(&[assignment(HELLO_ID, "2", "Shared Documents/Corpus/hello.txt", &grants)]);
    let dir = package(&PackageEdit { include_security: "All", users, groups: String::new(), objects });
    let (_, events, _) = run(&h, dir.path()).await;
    assert_eq!(
        messages(&events, "JobError"),
        ["The object would have 5001 role assignments; a scope may have at most 5000."],
        "{:#?}",
        names(&events)
    );
    assert!(!unique(&h, &file_item(HELLO)).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn b117_b155_an_overwritten_file_inherits_again_until_assignments_break_it() {
    let h = Harness::start().await;
    let (_, events, _) = run(&h, small_security_package("WssOnly", "756052856929").path()).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    assert!(unique(&h, &file_item(HELLO)).await);
    // The same file again, without role assignments: SharePoint makes it anew, inheriting.
    let again = package(&PackageEdit {
        include_security: "WssOnly",
        users: String::new(),
        groups: String::new(),
        objects: String::new(),
    });
    let (_, events, _) = run(&h, again.path()).await;
    assert_eq!(names(&events), ["JobQueued", "JobStart", "JobEnd"], "{events:#?}");
    assert!(!unique(&h, &file_item(HELLO)).await, "the overwritten file kept its unique permissions");
}
