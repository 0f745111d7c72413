//! Permissions over REST: `RoleAssignments` of webs, lists and items, `RoleDefinitions`,
//! `SiteGroups` and their `Users`, and `HasUniqueRoleAssignments` (behaviours 155–157 read
//! back). An object without permissions of its own answers with its nearest ancestor's
//! assignments, as SharePoint does.

use axum::http::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use super::collection::Members;
use super::entities::{self, Key, Target};
use super::resolve::{Resource, integer, property_or_missing, single_literal, single_text};
use crate::http::error::SpError;
use crate::http::odata::path::Segment;
use crate::http::odata::{Entity, Prop};
use crate::site::Db;
use crate::site::model::{SYSTEM_ACCOUNT_TITLE, User, Web};
use crate::site::security::{Group, Principal, RoleDefinition, Securable};

const SP_EXCEPTION: &str = "Microsoft.SharePoint.SPException";
/// HRESULT of SPException, which SharePoint's principal and permission lookups throw.
const SP_EXCEPTION_CODE: i32 = -2146232832;

/// An object with `RoleAssignments` as REST addresses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    Web(Uuid),
    List { web_id: Uuid, id: Uuid },
    Item { list_id: Uuid, id: i64 },
}

/// Identifies a security entity again for `$expand`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityKey {
    RoleAssignment { on: On, principal: i64 },
    RoleDefinition(i64),
    Group(i64),
}

/// What a path has reached among security resources.
pub enum Node {
    RoleAssignments(On),
    RoleAssignment(On, i64),
    /// The role definitions one principal holds in a scope.
    Bindings(On, i64),
    RoleDefinitions,
    RoleDefinition(RoleDefinition),
    Groups,
    Group(Group),
    GroupUsers(Group),
}

/// `…/web/RoleAssignments`, `…/web/RoleDefinitions`, `…/web/SiteGroups` and the web's
/// `HasUniqueRoleAssignments`; `None` for any other segment.
pub fn web_step(db: &Db, t: &Target, web: &Web, seg: &Segment) -> Result<Option<Resource>, SpError> {
    if seg.is("RoleDefinitions") {
        return Ok(Some(match seg.args {
            None => Resource::Security(Node::RoleDefinitions),
            Some(_) => role_definition_by_id(db, t, integer(single_literal(seg)?, &seg.name)?)?,
        }));
    }
    if seg.is("SiteGroups") {
        return Ok(Some(match seg.args {
            None => Resource::Security(Node::Groups),
            Some(_) => group_by_id(db, t, integer(single_literal(seg)?, &seg.name)?)?,
        }));
    }
    securable_step(db, On::Web(web.id), seg)
}

/// `RoleAssignments` and `HasUniqueRoleAssignments` of a web, list or item; `None` for any
/// other segment.
pub fn securable_step(db: &Db, on: On, seg: &Segment) -> Result<Option<Resource>, SpError> {
    if seg.is("RoleAssignments") {
        return Ok(Some(match seg.args {
            None => Resource::Security(Node::RoleAssignments(on)),
            Some(_) => assignment_of(db, on, integer(single_literal(seg)?, &seg.name)?)?,
        }));
    }
    if seg.is("HasUniqueRoleAssignments") && seg.args.is_none() {
        let Some(object) = securable(db, on)? else { return Ok(None) };
        let value = Value::Bool(db.has_unique_permissions(object)?);
        return Ok(Some(Resource::Value { name: "HasUniqueRoleAssignments".into(), value }));
    }
    Ok(None)
}

/// Applies one segment to a security resource.
pub fn step(db: &Db, t: &Target, node: Node, seg: &Segment) -> Result<Resource, SpError> {
    let name = seg.name.as_str();
    let plain = seg.args.is_none();
    match node {
        Node::RoleAssignments(on) => {
            if seg.is("GetByPrincipalId") {
                return assignment_of(db, on, integer(single_literal(seg)?, name)?);
            }
            Err(SpError::resource_not_found(name))
        }
        Node::RoleAssignment(on, principal) => {
            if seg.is("Member") && plain {
                return principal_resource(db, t, principal);
            }
            if seg.is("RoleDefinitionBindings") && plain {
                return Ok(Resource::Security(Node::Bindings(on, principal)));
            }
            property_or_missing(role_assignment(on, principal), seg)
        }
        Node::Bindings(on, principal) => {
            if seg.is("GetById") {
                let id = integer(single_literal(seg)?, name)?;
                return match bindings(db, t, on, principal)?.into_iter().find(|r| r.id == id) {
                    Some(role) => Ok(Resource::Security(Node::RoleDefinition(role))),
                    None => Err(role_definition_not_found()),
                };
            }
            Err(SpError::resource_not_found(name))
        }
        Node::RoleDefinitions => {
            if seg.is("GetById") {
                return role_definition_by_id(db, t, integer(single_literal(seg)?, name)?);
            }
            if seg.is("GetByName") {
                let wanted = single_text(seg)?;
                return match db.role_definition_by_name(t.site.id, &wanted)? {
                    Some(role) => Ok(Resource::Security(Node::RoleDefinition(role))),
                    None => Err(role_definition_not_found()),
                };
            }
            if seg.is("GetByType") {
                let kind = integer(single_literal(seg)?, name)?;
                let found = db.role_definitions(t.site.id)?.into_iter().find(|r| i64::from(r.role_type_kind) == kind);
                return match found.filter(|_| kind != 0) {
                    Some(role) => Ok(Resource::Security(Node::RoleDefinition(role))),
                    None => Err(role_definition_not_found()),
                };
            }
            Err(SpError::resource_not_found(name))
        }
        Node::RoleDefinition(role) => property_or_missing(role_definition(&role), seg),
        Node::Groups => {
            if seg.is("GetById") {
                return group_by_id(db, t, integer(single_literal(seg)?, name)?);
            }
            if seg.is("GetByName") || seg.is("GetByLoginName") {
                return match db.group_by_title(t.site.id, &single_text(seg)?)? {
                    Some(group) => Ok(Resource::Security(Node::Group(group))),
                    None => Err(group_not_found()),
                };
            }
            Err(SpError::resource_not_found(name))
        }
        Node::Group(group) => {
            if seg.is("Users") && plain {
                return Ok(Resource::Security(Node::GroupUsers(group)));
            }
            if seg.is("Owner") && plain {
                return match group.owner_id {
                    Some(owner) => principal_resource(db, t, owner),
                    None => Ok(Resource::Null),
                };
            }
            let owner = owner_title(db, t, &group)?;
            property_or_missing(group_entity(&group, owner), seg)
        }
        Node::GroupUsers(group) => {
            if seg.is("GetById") {
                let id = integer(single_literal(seg)?, name)?;
                return match db.group_members(t.site.id, group.id)?.into_iter().find(|u| u.id == id) {
                    Some(user) => Ok(Resource::User(user)),
                    None => Err(SpError::user_not_found()),
                };
            }
            Err(SpError::resource_not_found(name))
        }
    }
}

/// A security collection's entity set and members; `None` for a single entity.
pub fn members(db: &Db, t: &Target, node: &Node) -> Result<Option<Members>, SpError> {
    Ok(Some(match node {
        Node::RoleAssignments(on) => {
            let assignments = effective_assignments(db, *on)?;
            Members::plain(
                "SP.ApiData.RoleAssignments",
                assignments.iter().map(|(p, _)| role_assignment(*on, *p)).collect::<Vec<_>>(),
            )
        }
        Node::Bindings(on, principal) => Members::plain(
            "SP.ApiData.RoleDefinitions",
            bindings(db, t, *on, *principal)?.iter().map(role_definition).collect::<Vec<_>>(),
        ),
        Node::RoleDefinitions => Members::plain(
            "SP.ApiData.RoleDefinitions",
            db.role_definitions(t.site.id)?.iter().map(role_definition).collect::<Vec<_>>(),
        ),
        Node::Groups => {
            let groups = db.groups(t.site.id)?;
            let mut items = Vec::with_capacity(groups.len());
            for group in &groups {
                items.push(group_entity(group, owner_title(db, t, group)?));
            }
            Members::plain("SP.ApiData.Groups", items)
        }
        Node::GroupUsers(group) => {
            let users = db.group_members(t.site.id, group.id)?;
            Members::plain("SP.ApiData.Users", users.iter().map(|u| user_entity(t, u)).collect::<Vec<_>>())
        }
        _ => return Ok(None),
    }))
}

/// The entity of a single security resource; `path` overrides the canonical one.
pub fn entity(db: &Db, t: &Target, node: &Node, path: Option<String>) -> Result<Option<Entity<Key>>, SpError> {
    let mut entity = match node {
        Node::RoleAssignment(on, principal) => role_assignment(*on, *principal),
        Node::RoleDefinition(role) => role_definition(role),
        Node::Group(group) => group_entity(group, owner_title(db, t, group)?),
        _ => return Ok(None),
    };
    if let Some(path) = path {
        entity.path = path;
    }
    Ok(Some(entity))
}

/// The resource a security entity's key names again, for `$expand`.
pub fn resource_of(db: &Db, t: &Target, key: SecurityKey) -> Result<Option<Resource>, SpError> {
    Ok(match key {
        SecurityKey::RoleAssignment { on, principal } => Some(Resource::Security(Node::RoleAssignment(on, principal))),
        SecurityKey::RoleDefinition(id) => {
            db.role_definition(t.site.id, id)?.map(|r| Resource::Security(Node::RoleDefinition(r)))
        }
        SecurityKey::Group(id) => db.group(t.site.id, id)?.map(|g| Resource::Security(Node::Group(g))),
    })
}

/// Adds `HasUniqueRoleAssignments` (outside the default property set, as in SharePoint) to
/// webs, lists and list items.
pub fn annotate(db: &Db, mut entity: Entity<Key>) -> Result<Entity<Key>, SpError> {
    let on = match entity.key {
        Key::Web(id) => On::Web(id),
        Key::List { web_id, id } => On::List { web_id, id },
        Key::ListItem { list_id, id } => On::Item { list_id, id },
        _ => return Ok(entity),
    };
    if let Some(object) = securable(db, on)? {
        let unique = db.has_unique_permissions(object)?;
        entity.props.push(Prop::new("HasUniqueRoleAssignments", unique).on_select());
    }
    Ok(entity)
}

/// [`annotate`] over a collection.
pub fn annotate_all(db: &Db, items: Vec<Entity<Key>>) -> Result<Vec<Entity<Key>>, SpError> {
    items.into_iter().map(|e| annotate(db, e)).collect()
}

/// The site-model object behind a REST securable.
fn securable(db: &Db, on: On) -> Result<Option<Securable>, SpError> {
    Ok(match on {
        On::Web(id) => Some(Securable::Web(id)),
        On::List { id, .. } => Some(Securable::List(id)),
        On::Item { list_id, id } => db.item_securable(list_id, id)?,
    })
}

/// The principals and role definition ids that apply to the object: its own scope's, else
/// its nearest ancestor's.
fn effective_assignments(db: &Db, on: On) -> Result<Vec<(i64, Vec<i64>)>, SpError> {
    let Some(object) = securable(db, on)? else { return Ok(Vec::new()) };
    match db.effective_scope(object)? {
        Some(scope) => Ok(db.scope_assignments(&scope.scope_id)?),
        None => Ok(Vec::new()),
    }
}

fn assignment_of(db: &Db, on: On, principal: i64) -> Result<Resource, SpError> {
    if effective_assignments(db, on)?.iter().any(|(p, _)| *p == principal) {
        return Ok(Resource::Security(Node::RoleAssignment(on, principal)));
    }
    Err(SpError::new(
        StatusCode::NOT_FOUND,
        SP_EXCEPTION_CODE,
        SP_EXCEPTION,
        format!("Can not find the principal with id: {principal}."),
    ))
}

fn bindings(db: &Db, t: &Target, on: On, principal: i64) -> Result<Vec<RoleDefinition>, SpError> {
    let ids = effective_assignments(db, on)?.into_iter().find(|(p, _)| *p == principal).map(|(_, r)| r);
    let mut roles = Vec::new();
    for id in ids.unwrap_or_default() {
        if let Some(role) = db.role_definition(t.site.id, id)? {
            roles.push(role);
        }
    }
    Ok(roles)
}

fn principal_resource(db: &Db, t: &Target, id: i64) -> Result<Resource, SpError> {
    Ok(match db.principal(t.site.id, id)? {
        Some(Principal::User(user)) => Resource::User(user),
        Some(Principal::Group(group)) => Resource::Security(Node::Group(group)),
        None => Resource::Null,
    })
}

fn role_definition_by_id(db: &Db, t: &Target, id: i64) -> Result<Resource, SpError> {
    match db.role_definition(t.site.id, id)? {
        Some(role) => Ok(Resource::Security(Node::RoleDefinition(role))),
        None => Err(role_definition_not_found()),
    }
}

fn group_by_id(db: &Db, t: &Target, id: i64) -> Result<Resource, SpError> {
    match db.group(t.site.id, id)? {
        Some(group) => Ok(Resource::Security(Node::Group(group))),
        None => Err(group_not_found()),
    }
}

fn group_not_found() -> SpError {
    SpError::new(StatusCode::NOT_FOUND, SP_EXCEPTION_CODE, SP_EXCEPTION, "Group cannot be found.")
}

/// Emulator wording: SharePoint's text for a missing permission level is not on record.
fn role_definition_not_found() -> SpError {
    SpError::new(StatusCode::NOT_FOUND, SP_EXCEPTION_CODE, SP_EXCEPTION, "Permission level cannot be found.")
}

fn owner_title(db: &Db, t: &Target, group: &Group) -> Result<String, SpError> {
    Ok(match group.owner_id.map(|id| db.principal(t.site.id, id)).transpose()?.flatten() {
        Some(Principal::User(user)) => user.title,
        Some(Principal::Group(owner)) => owner.title,
        None => SYSTEM_ACCOUNT_TITLE.to_string(),
    })
}

fn on_path(on: On) -> String {
    match on {
        On::Web(_) => "Web".into(),
        On::List { id, .. } => entities::list_path(id),
        On::Item { list_id, id } => format!("{}/Items({id})", entities::list_path(list_id)),
    }
}

/// `SP.RoleAssignment`.
fn role_assignment(on: On, principal: i64) -> Entity<Key> {
    Entity {
        key: Key::Security(SecurityKey::RoleAssignment { on, principal }),
        type_name: "SP.RoleAssignment".into(),
        set: "SP.ApiData.RoleAssignments".into(),
        path: format!("{}/RoleAssignments/GetByPrincipalId({principal})", on_path(on)),
        etag: None,
        navs: &["Member", "RoleDefinitionBindings"],
        props: vec![Prop::new("PrincipalId", principal)],
    }
}

/// `SP.RoleDefinition`; the mask halves are `Edm.Int64`, strings in SharePoint's JSON.
fn role_definition(role: &RoleDefinition) -> Entity<Key> {
    let props = vec![
        Prop::complex(
            "BasePermissions",
            "SP.BasePermissions",
            vec![("High", role.high.to_string().into()), ("Low", role.low.to_string().into())],
        ),
        Prop::new("Description", role.description.clone()),
        Prop::new("Hidden", role.hidden),
        Prop::new("Id", role.id),
        Prop::new("Name", role.name.clone()),
        Prop::new("Order", role.order),
        Prop::new("RoleTypeKind", role.role_type_kind),
    ];
    Entity {
        key: Key::Security(SecurityKey::RoleDefinition(role.id)),
        type_name: "SP.RoleDefinition".into(),
        set: "SP.ApiData.RoleDefinitions".into(),
        path: format!("Web/RoleDefinitions({})", role.id),
        etag: None,
        navs: &[],
        props,
    }
}

/// `SP.Group` (PrincipalType 8, SharePointGroup).
fn group_entity(group: &Group, owner_title: String) -> Entity<Key> {
    let description = if group.description.is_empty() { Value::Null } else { group.description.clone().into() };
    let props = vec![
        Prop::new("Id", group.id),
        Prop::new("IsHiddenInUI", false),
        Prop::new("LoginName", group.title.clone()),
        Prop::new("Title", group.title.clone()),
        Prop::new("PrincipalType", 8),
        Prop::new("AllowMembersEditMembership", false),
        Prop::new("AllowRequestToJoinLeave", false),
        Prop::new("AutoAcceptRequestToJoinLeave", false),
        Prop::new("Description", description),
        Prop::new("OnlyAllowMembersViewMembership", false),
        Prop::new("OwnerTitle", owner_title),
        Prop::new("RequestToJoinLeaveEmailSetting", Value::Null),
    ];
    Entity {
        key: Key::Security(SecurityKey::Group(group.id)),
        type_name: "SP.Group".into(),
        set: "SP.ApiData.Groups".into(),
        path: format!("Web/SiteGroups/GetById({})", group.id),
        etag: None,
        navs: &["Owner", "Users"],
        props,
    }
}

fn user_entity(t: &Target, user: &User) -> Entity<Key> {
    entities::user(t.site.id, user, format!("Web/GetUserById({})", user.id))
}
