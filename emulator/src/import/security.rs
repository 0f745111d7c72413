//! Security objects applied to the site model: UserGroup.xml's groups, `DeploymentRoles`
//! (permission levels) and `DeploymentRoleAssignments` (unique permissions), behaviours
//! 155–157.
//!
//! All three are applied only when the package says it carries security
//! (`ExportSettings/@IncludeSecurity` `All` or `WssOnly`, as SPExportSettings means it), unless
//! `--security-import always`. Users are imported regardless: authorship needs them.

use std::collections::{HashMap, HashSet};

use super::ImportContext;
use crate::config::SecurityImport;
use crate::package::files::UserGroupMap;
use crate::package::intake::Intake;
use crate::package::values::{boolean, guid};
use crate::package::xml::Element;
use crate::problems::{self, ObjectType, Subject};
use crate::report::events::Problem;
use crate::report::reporter::Reporter;
use crate::site::Error as SiteError;
use crate::site::model::SYSTEM_ACCOUNT_ID;
use crate::site::security::{
    Applied, FIRST_SYSTEM_ROLE_ID, FoundSecurable, PermissionLimits, RoleWrite, Securable, SecurableClass,
};

/// How security objects are imported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecurityOptions {
    pub import: SecurityImport,
    pub limits: PermissionLimits,
}

/// The manifest object types this module applies; every other type is the content importer's.
pub fn handles(spobject: &Element) -> bool {
    matches!(spobject.attr("ObjectType"), Some("DeploymentRoles" | "DeploymentRoleAssignments"))
}

/// The `ObjectsStatsByType` name of an imported UserGroup.xml group (the service's name for it
/// is not on record; `SPGroup` follows `SPUser`).
pub const GROUP_OBJECT_TYPE: &str = "SPGroup";

pub struct Security<'c, 'a> {
    ctx: &'c ImportContext<'a>,
    /// Whether the package's security is applied at all.
    applies: bool,
    /// Why not, for the log, once.
    skipped_note: Option<String>,
    /// UserGroup.xml group id → site group id.
    groups: HashMap<String, i64>,
    /// `Role/@RoleId` → site role definition id.
    roles: HashMap<String, i64>,
    /// Whether undefined principals are warned about: not when UserGroup.xml is empty, which was
    /// warned about once (behaviour 110).
    warn_undefined: bool,
    /// Principal and role ids already warned about, each warned once.
    undefined_principals: HashSet<String>,
    undefined_roles: HashSet<String>,
}

impl<'c, 'a> Security<'c, 'a> {
    pub fn new(ctx: &'c ImportContext<'a>, package: &Intake) -> Self {
        let declared = package.include_security.as_deref();
        let applies =
            ctx.options.security.import == SecurityImport::Always || matches!(declared, Some("All" | "WssOnly"));
        let skipped_note = (!applies).then(|| {
            format!(
                "Security information is not imported: ExportSettings.xml has IncludeSecurity=\"{}\".",
                declared.unwrap_or("None")
            )
        });
        let map = &package.user_group;
        Security {
            ctx,
            applies,
            skipped_note,
            groups: HashMap::new(),
            roles: HashMap::new(),
            warn_undefined: !map.users.is_empty() || !map.groups.is_empty(),
            undefined_principals: HashSet::new(),
            undefined_roles: HashSet::new(),
        }
    }

    /// Objects this module adds to the manifests' count: the groups it will import.
    pub fn expected_objects(&self, map: &UserGroupMap) -> u64 {
        if self.applies { map.groups.len() as u64 } else { 0 }
    }

    /// UserGroup.xml's groups as site groups (behaviour 156): matched by title, else created
    /// with the next principal id; owners and members from the package's resolved users.
    pub fn groups(&mut self, map: &UserGroupMap, users: &HashMap<String, i64>, report: &mut Reporter<'_>) {
        if map.groups.is_empty() {
            return;
        }
        if !self.applies {
            self.note_skipped(report);
            return;
        }
        report.note("Importing Groups.");
        let site_id = self.ctx.site.id;
        // Every group first, so that an owner may be a group defined later in the file.
        let mut created = HashMap::new();
        for group in &map.groups {
            let existed = self.db(|db| db.group_by_title(site_id, &group.name)).ok().flatten().is_some();
            match self.db(|db| db.ensure_group(site_id, &group.name)) {
                Ok(id) => {
                    self.groups.insert(group.id.clone(), id);
                    created.insert(group.id.clone(), !existed);
                }
                Err(problem) => {
                    report.error(Problem { object_type: "Group".into(), url: group.name.clone(), ..problem })
                }
            }
        }
        for group in &map.groups {
            let started = report.now();
            if let Some(&id) = self.groups.get(&group.id) {
                let owner = match &group.owner {
                    Some(owner) if group.owner_is_user => self.user(owner, users, report),
                    Some(owner) => self.group_id(owner, report),
                    None => None,
                };
                // A group needs an owner; one the package cannot name is the importing account.
                let owner = owner.or((created.get(&group.id) == Some(&true)).then_some(SYSTEM_ACCOUNT_ID));
                let members: Vec<i64> =
                    group.member_ids.iter().filter_map(|member| self.user(member, users, report)).collect();
                let description = group.description.as_deref();
                if let Err(problem) = self.db(|db| db.update_group(site_id, id, description, owner, &members)) {
                    report.error(Problem { object_type: "Group".into(), url: group.name.clone(), ..problem });
                }
            }
            let took = report.elapsed(started);
            report.object_done(GROUP_OBJECT_TYPE, None, 1, took);
        }
    }

    /// Applies a `DeploymentRoles` or `DeploymentRoleAssignments` object. `Err` is a fatal
    /// problem that stops the job.
    pub fn object(
        &mut self,
        spobject: &Element,
        users: &HashMap<String, i64>,
        report: &mut Reporter<'_>,
    ) -> Result<(), Problem> {
        let started = report.now();
        let kind = spobject.attr("ObjectType").unwrap_or_default().to_string();
        let body = spobject.children.first();
        let id = body.and_then(|b| b.attr("Id")).or(spobject.attr("Id")).and_then(guid);
        if !self.applies {
            self.note_skipped(report);
        } else if let Some(body) = body {
            if kind == "DeploymentRoles" {
                report.note("Importing Roles.");
                self.roles(body, report)?;
            } else {
                report.note("Importing RoleAssignments.");
                for assignment in body.children_named("RoleAssignment") {
                    if let Err(problem) = self.role_assignment(assignment, users, report) {
                        report.error(problem);
                    }
                }
            }
        }
        let took = report.elapsed(started);
        report.object_done(&kind, id, 1, took);
        Ok(())
    }

    fn note_skipped(&mut self, report: &mut Reporter<'_>) {
        if let Some(note) = self.skipped_note.take() {
            report.note(&note);
        }
    }

    /// Permission levels, matched by title (a same-titled custom level is updated). Every
    /// mask is read before any level is written: one the service cannot parse fails the job.
    fn roles(&mut self, roles: &Element, report: &mut Reporter<'_>) -> Result<(), Problem> {
        let mut parsed = Vec::new();
        for role in roles.children_named("Role") {
            let id_text = role.attr("RoleId").unwrap_or_default();
            let id: i32 = number(id_text).map_err(|overflow| match overflow {
                true => problems::role_number_overflow("RoleId", id_text, "Int32"),
                false => problems::role_number_format("RoleId", id_text),
            })?;
            let mask_text = role.attr("PermMask").unwrap_or_default();
            let mask: u64 = number(mask_text).map_err(|overflow| match overflow {
                true => problems::role_number_overflow("PermMask", mask_text, "UInt64"),
                false => problems::role_number_format("PermMask", mask_text),
            })?;
            let write = RoleWrite {
                name: role.attr("Title").unwrap_or_default().trim().to_string(),
                description: role.attr("Description").unwrap_or_default().to_string(),
                mask,
                hidden: role.attr("Hidden").and_then(boolean).unwrap_or(false),
                order: role.attr("RoleOrder").and_then(|o| o.trim().parse().ok()),
            };
            parsed.push((id_text.trim().to_string(), i64::from(id), write));
        }
        let site_id = self.ctx.site.id;
        for (key, id, write) in parsed {
            let existing = self.db(|db| db.role_definition_by_name(site_id, &write.name))?;
            let builtin = match &existing {
                Some(found) if found.is_system => Some(found.id),
                _ if id >= FIRST_SYSTEM_ROLE_ID => self.db(|db| db.role_definition(site_id, id))?.map(|r| r.id),
                _ => None,
            };
            if id >= FIRST_SYSTEM_ROLE_ID || builtin.is_some() {
                // Assignments naming the refused role still mean the existing level.
                if let Some(builtin) = builtin {
                    self.roles.insert(key, builtin);
                }
                report.error(problems::system_role_update(&write.name));
                continue;
            }
            match self.ctx.store.blocking(|db| db.put_role_definition(site_id, &write)) {
                Ok(site_role) => {
                    self.roles.insert(key, site_role);
                }
                Err(e) => report.error(problems::site_model_failed(&e)),
            }
        }
        Ok(())
    }

    /// One `RoleAssignment`: the object gets unique permissions with exactly the listed
    /// assignments that resolve (behaviours 155, 156), within the limits of behaviour 157.
    fn role_assignment(
        &mut self,
        element: &Element,
        users: &HashMap<String, i64>,
        report: &mut Reporter<'_>,
    ) -> Result<(), Problem> {
        let object_id = element.attr("ObjectId").unwrap_or_default();
        let type_text = element.attr("ObjectType").unwrap_or_default();
        let url = element.attr("ObjectUrl").unwrap_or_default();
        let class = object_class(type_text);
        let mut subject = Subject::new(class.map_or(ObjectType::ListItem, |(_, t)| t), url, guid(object_id));
        let Some((class, _)) = class else {
            return Err(subject.invalid_value("ObjectType", type_text));
        };
        let Some(id) = guid(object_id) else {
            return Err(subject.invalid_value("ObjectId", object_id));
        };
        let site_id = self.ctx.site.id;
        let Some(found) = self.db(|db| db.find_securable(site_id, id, class))? else {
            return Err(subject.securable_not_found(object_id));
        };
        subject.object_type = object_type_of(&found);
        if subject.object_type == ObjectType::ListItem {
            subject.list_item_ids = found.item_id.map(|i| (i, i));
        }

        let mut pairs = Vec::new();
        for assignment in element.children_named("Assignment") {
            let principal = self.principal(assignment.attr("PrincipalId").unwrap_or_default(), users, report);
            let role = self.role(assignment.attr("RoleId").unwrap_or_default(), report)?;
            if let (Some(principal), Some(role)) = (principal, role) {
                pairs.push((principal, role));
            }
        }
        let limits = self.ctx.options.security.limits;
        let applied = self
            .ctx
            .store
            .blocking(|db| db.set_unique_permissions(site_id, &found, &pairs, limits))
            .map_err(|e| subject.internal(&e.to_string()))?;
        match applied {
            Applied::Done => Ok(()),
            Applied::TooManyAssignments { count } => {
                Err(subject.too_many_role_assignments(count, limits.assignments_per_scope))
            }
            Applied::TooManyScopes { .. } => Err(subject.too_many_unique_scopes(
                found.list_id.expect("only list members count"),
                limits.unique_scopes_per_list,
            )),
        }
    }

    /// The site principal a `PrincipalId` stands for: a package user, else a package group.
    /// A user that resolved to System Account is granted nothing in its stead.
    fn principal(&mut self, id: &str, users: &HashMap<String, i64>, report: &mut Reporter<'_>) -> Option<i64> {
        let id = id.trim();
        if let Some(&user) = users.get(id) {
            return (user != SYSTEM_ACCOUNT_ID).then_some(user);
        }
        if let Some(&group) = self.groups.get(id) {
            return Some(group);
        }
        self.undefined(id, report);
        None
    }

    /// A group member or owner: a resolved package user.
    fn user(&mut self, id: &str, users: &HashMap<String, i64>, report: &mut Reporter<'_>) -> Option<i64> {
        let id = id.trim();
        match users.get(id) {
            Some(&user) => (user != SYSTEM_ACCOUNT_ID).then_some(user),
            // SharePoint groups do not nest; a group named as a member is left out.
            None if self.groups.contains_key(id) => None,
            None => {
                self.undefined(id, report);
                None
            }
        }
    }

    fn group_id(&mut self, id: &str, report: &mut Reporter<'_>) -> Option<i64> {
        let found = self.groups.get(id.trim()).copied();
        if found.is_none() {
            self.undefined(id.trim(), report);
        }
        found
    }

    fn undefined(&mut self, id: &str, report: &mut Reporter<'_>) {
        if self.warn_undefined && self.undefined_principals.insert(id.to_string()) {
            report.warning(problems::principal_undefined(id));
        }
    }

    /// The site role definition an `Assignment/@RoleId` means: a package role, else a site
    /// definition with that id.
    fn role(&mut self, id: &str, report: &mut Reporter<'_>) -> Result<Option<i64>, Problem> {
        let id = id.trim();
        if let Some(&role) = self.roles.get(id) {
            return Ok(Some(role));
        }
        let site_id = self.ctx.site.id;
        if let Ok(number) = id.parse::<i64>()
            && let Some(found) = self.db(|db| db.role_definition(site_id, number))?
        {
            return Ok(Some(found.id));
        }
        if self.undefined_roles.insert(id.to_string()) {
            report.warning(problems::role_undefined(id));
        }
        Ok(None)
    }

    fn db<T>(&self, f: impl FnOnce(&mut crate::site::Db) -> Result<T, SiteError>) -> Result<T, Problem> {
        self.ctx.store.blocking(f).map_err(|e| problems::site_model_failed(&e))
    }
}

/// A decimal integer as .NET's `Parse` reads it (surrounding white space and a sign allowed);
/// `Err(true)` when it is a number too large for `T`, `Err(false)` when it is no number.
fn number<T: std::str::FromStr>(text: &str) -> Result<T, bool> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(false);
    }
    trimmed.strip_prefix('+').unwrap_or(trimmed).parse().map_err(|_| true)
}

/// What a `RoleAssignment/@ObjectType` lets `ObjectId` name: the service's numbers (`0` web,
/// `1` list, `2` file, folder or item) or the manifest's type names.
fn object_class(text: &str) -> Option<(SecurableClass, ObjectType)> {
    Some(match text.trim() {
        "0" | "SPWeb" | "Web" => (SecurableClass::Web, ObjectType::Web),
        "1" | "SPList" | "SPDocumentLibrary" | "List" | "DocumentLibrary" => (SecurableClass::List, ObjectType::List),
        "2" | "SPListItem" | "ListItem" => (SecurableClass::Item, ObjectType::ListItem),
        "SPFile" | "File" => (SecurableClass::Item, ObjectType::File),
        "SPFolder" | "Folder" => (SecurableClass::Item, ObjectType::Folder),
        _ => return None,
    })
}

fn object_type_of(found: &FoundSecurable) -> ObjectType {
    match found.securable {
        Securable::Web(_) => ObjectType::Web,
        Securable::List(_) => ObjectType::List,
        Securable::Folder(_) => ObjectType::Folder,
        Securable::File(_) => ObjectType::File,
        Securable::Item(_) => ObjectType::ListItem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_as_dotnet_does() {
        assert_eq!(number::<u64>("756052856929"), Ok(756_052_856_929));
        assert_eq!(number::<u64>(" 42 "), Ok(42));
        assert_eq!(number::<u64>("+7"), Ok(7));
        assert_eq!(number::<u64>("0xB008431061"), Err(false));
        assert_eq!(number::<u64>(""), Err(false));
        assert_eq!(number::<u64>("-1"), Err(true));
        assert_eq!(number::<u64>("99999999999999999999"), Err(true));
        assert_eq!(number::<i64>("-5"), Ok(-5));
    }

    #[test]
    fn object_types_by_number_and_name() {
        assert_eq!(object_class("0"), Some((SecurableClass::Web, ObjectType::Web)));
        assert_eq!(object_class("SPDocumentLibrary"), Some((SecurableClass::List, ObjectType::List)));
        assert_eq!(object_class("2"), Some((SecurableClass::Item, ObjectType::ListItem)));
        assert_eq!(object_class("SPFile"), Some((SecurableClass::Item, ObjectType::File)));
        assert_eq!(object_class("7"), None);
    }
}
