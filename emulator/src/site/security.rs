//! Site groups, role definitions and unique permission scopes: what an import's security
//! objects write (behaviours 155–157) and what the REST layer reads back.
//!
//! An object with a `security_scopes` row has unique permissions; any other object has its
//! nearest ancestor's (item → folders → list → web → parent webs). A file's or folder's
//! permissions belong to the file or folder, not to its list item row, because an item row can
//! be renumbered or rewritten by a later package while the file keeps its GUID.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::items::user_row;
use super::model::User;
use super::spec::derived_id;
use super::{Db, Error};

/// SharePoint's documented hard limit of role assignments (principals) in one scope
/// (behaviour 157).
pub const MAX_ROLE_ASSIGNMENTS_PER_SCOPE: usize = 5_000;
/// SharePoint's documented hard limit of uniquely permissioned objects in one list
/// (behaviour 157).
pub const MAX_UNIQUE_SCOPES_PER_LIST: u64 = 50_000;

/// The permission limits an import enforces; smaller values exist for tests, where reaching
/// 50,000 scopes would take minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PermissionLimits {
    pub assignments_per_scope: usize,
    pub unique_scopes_per_list: u64,
}

impl Default for PermissionLimits {
    fn default() -> Self {
        PermissionLimits {
            assignments_per_scope: MAX_ROLE_ASSIGNMENTS_PER_SCOPE,
            unique_scopes_per_list: MAX_UNIQUE_SCOPES_PER_LIST,
        }
    }
}

/// The lowest id SharePoint reserves for its own role definitions; package roles with such an
/// id are refused ("Updates to system roles is not allowed").
pub const FIRST_SYSTEM_ROLE_ID: i64 = 1_073_741_824;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// A user or a group id; users and groups share one id space.
    pub owner_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleDefinition {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// SP.BasePermissions, high and low 32 bits.
    pub high: i64,
    pub low: i64,
    pub role_type_kind: i32,
    pub hidden: bool,
    pub order: i64,
    pub is_system: bool,
}

/// A role definition as a package sets it; `mask` is the whole SPBasePermissions value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleWrite {
    pub name: String,
    pub description: String,
    pub mask: u64,
    pub hidden: bool,
    pub order: Option<i64>,
}

/// A user or a group, for `RoleAssignment.Member` and `Group.Owner`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User(User),
    Group(Group),
}

/// An object that can have unique permissions, as the site model keys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Securable {
    Web(Uuid),
    List(Uuid),
    Folder(Uuid),
    File(Uuid),
    /// A list item that is neither a file nor a folder, by its unique id.
    Item(Uuid),
}

impl Securable {
    fn kind(self) -> &'static str {
        match self {
            Securable::Web(_) => "web",
            Securable::List(_) => "list",
            Securable::Folder(_) => "folder",
            Securable::File(_) => "file",
            Securable::Item(_) => "item",
        }
    }

    fn id(self) -> Uuid {
        match self {
            Securable::Web(id)
            | Securable::List(id)
            | Securable::Folder(id)
            | Securable::File(id)
            | Securable::Item(id) => id,
        }
    }
}

/// Which objects a `RoleAssignment/@ObjectType` allows its `ObjectId` to name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurableClass {
    Web,
    List,
    /// A file, a folder or a list item (`ObjectType="2"`).
    Item,
}

/// An object a package's `ObjectId` found: what it is, the list it is in, its URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundSecurable {
    pub securable: Securable,
    pub list_id: Option<Uuid>,
    pub url: String,
    /// A list item's integer id, for problems about it.
    pub item_id: Option<i64>,
}

/// The scope whose assignments apply to an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectiveScope {
    pub scope_id: String,
    /// The object the scope belongs to: the object itself when it has unique permissions.
    pub owner: Securable,
}

/// What setting unique permissions did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// More principals than a scope may hold; nothing was changed.
    TooManyAssignments {
        count: usize,
    },
    /// The object's list already has as many unique scopes as allowed; nothing was changed.
    TooManyScopes {
        count: u64,
    },
}

const GROUP_SELECT: &str = "SELECT id, title, description, owner_id FROM groups";
const ROLE_SELECT: &str = "SELECT id, name, description, permissions_high, permissions_low, role_type_kind, hidden,
           sort_order, is_system FROM role_definitions";

impl Db {
    pub fn groups(&self, site_id: Uuid) -> Result<Vec<Group>, Error> {
        let sql = format!("{GROUP_SELECT} WHERE site_id = ?1 ORDER BY id");
        Ok(self.conn.prepare(&sql)?.query_map([site_id.to_string()], group_row)?.collect::<Result<_, _>>()?)
    }

    pub fn group(&self, site_id: Uuid, id: i64) -> Result<Option<Group>, Error> {
        let sql = format!("{GROUP_SELECT} WHERE site_id = ?1 AND id = ?2");
        Ok(self.conn.query_row(&sql, params![site_id.to_string(), id], group_row).optional()?)
    }

    /// A group by title, case-insensitive, as SharePoint compares group names.
    pub fn group_by_title(&self, site_id: Uuid, title: &str) -> Result<Option<Group>, Error> {
        let sql = format!("{GROUP_SELECT} WHERE site_id = ?1 AND title = ?2 COLLATE NOCASE");
        Ok(self.conn.query_row(&sql, params![site_id.to_string(), title], group_row).optional()?)
    }

    /// The group with this title, created with the next principal id if there is none.
    pub fn ensure_group(&mut self, site_id: Uuid, title: &str) -> Result<i64, Error> {
        let tx = self.conn.transaction()?;
        let site = site_id.to_string();
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM groups WHERE site_id = ?1 AND title = ?2 COLLATE NOCASE",
                params![site, title],
                |r| r.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                let id = next_principal_id(&tx, &site)?;
                tx.execute("INSERT INTO groups (site_id, id, title) VALUES (?1, ?2, ?3)", params![site, id, title])?;
                id
            }
        };
        tx.commit()?;
        Ok(id)
    }

    /// Sets a group's description (when given) and owner (when given) and adds `members`;
    /// members it already has stay.
    pub fn update_group(
        &mut self,
        site_id: Uuid,
        id: i64,
        description: Option<&str>,
        owner_id: Option<i64>,
        members: &[i64],
    ) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        let site = site_id.to_string();
        if let Some(description) = description {
            tx.execute(
                "UPDATE groups SET description = ?3 WHERE site_id = ?1 AND id = ?2",
                params![site, id, description],
            )?;
        }
        if let Some(owner) = owner_id {
            tx.execute("UPDATE groups SET owner_id = ?3 WHERE site_id = ?1 AND id = ?2", params![site, id, owner])?;
        }
        for member in members {
            tx.execute(
                "INSERT OR IGNORE INTO group_members (site_id, group_id, user_id) VALUES (?1, ?2, ?3)",
                params![site, id, member],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The users of a group, by id.
    pub fn group_members(&self, site_id: Uuid, group_id: i64) -> Result<Vec<User>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT u.id, u.login_name, u.title, u.email, u.is_site_admin, u.is_deleted
             FROM group_members m JOIN users u ON u.site_id = m.site_id AND u.id = m.user_id
             WHERE m.site_id = ?1 AND m.group_id = ?2 ORDER BY u.id",
        )?;
        let rows = statement.query_map(params![site_id.to_string(), group_id], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The user or group with this principal id.
    pub fn principal(&self, site_id: Uuid, id: i64) -> Result<Option<Principal>, Error> {
        if let Some(user) = self.user(site_id, id)? {
            return Ok(Some(Principal::User(user)));
        }
        Ok(self.group(site_id, id)?.map(Principal::Group))
    }

    pub fn role_definitions(&self, site_id: Uuid) -> Result<Vec<RoleDefinition>, Error> {
        let sql = format!("{ROLE_SELECT} WHERE site_id = ?1 ORDER BY sort_order, id");
        Ok(self.conn.prepare(&sql)?.query_map([site_id.to_string()], role_row)?.collect::<Result<_, _>>()?)
    }

    pub fn role_definition(&self, site_id: Uuid, id: i64) -> Result<Option<RoleDefinition>, Error> {
        let sql = format!("{ROLE_SELECT} WHERE site_id = ?1 AND id = ?2");
        Ok(self.conn.query_row(&sql, params![site_id.to_string(), id], role_row).optional()?)
    }

    /// A role definition by name, case-insensitive: packages match permission levels by title.
    pub fn role_definition_by_name(&self, site_id: Uuid, name: &str) -> Result<Option<RoleDefinition>, Error> {
        let sql = format!("{ROLE_SELECT} WHERE site_id = ?1 AND name = ?2 COLLATE NOCASE");
        Ok(self.conn.query_row(&sql, params![site_id.to_string(), name], role_row).optional()?)
    }

    /// Updates the custom role definition with this name, or creates one with the next id; a
    /// built-in definition is a conflict (the caller reports it).
    pub fn put_role_definition(&mut self, site_id: Uuid, role: &RoleWrite) -> Result<i64, Error> {
        let tx = self.conn.transaction()?;
        let site = site_id.to_string();
        let (high, low) = ((role.mask >> 32) as i64, (role.mask & 0xFFFF_FFFF) as i64);
        let existing: Option<(i64, bool, i64)> = tx
            .query_row(
                "SELECT id, is_system, sort_order FROM role_definitions WHERE site_id = ?1 AND name = ?2 COLLATE NOCASE",
                params![site, role.name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let id = match existing {
            Some((_, true, _)) => {
                return Err(Error::Conflict(format!("'{}' is a built-in role definition", role.name)));
            }
            Some((id, false, order)) => {
                tx.execute(
                    "UPDATE role_definitions SET name = ?3, description = ?4, permissions_high = ?5, permissions_low = ?6,
                         hidden = ?7, sort_order = ?8 WHERE site_id = ?1 AND id = ?2",
                    params![site, id, role.name, role.description, high, low, role.hidden, role.order.unwrap_or(order)],
                )?;
                id
            }
            None => {
                let id: i64 = tx.query_row(
                    "SELECT coalesce(max(id), ?2 - 1) + 1 FROM role_definitions WHERE site_id = ?1",
                    params![site, FIRST_SYSTEM_ROLE_ID],
                    |r| r.get(0),
                )?;
                // A custom permission level has no role type (SPRoleType.None) and sorts last
                // unless the package orders it.
                tx.execute(
                    "INSERT INTO role_definitions (site_id, id, name, description, permissions_high, permissions_low,
                                                   role_type_kind, hidden, sort_order, is_system)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, 0)",
                    params![
                        site,
                        id,
                        role.name,
                        role.description,
                        high,
                        low,
                        role.hidden,
                        role.order.unwrap_or(i64::from(i32::MAX))
                    ],
                )?;
                id
            }
        };
        tx.commit()?;
        Ok(id)
    }

    /// The object a package's `ObjectId` names in the site collection, of the class its
    /// `ObjectType` allows. A list's root folder stands for the list.
    pub fn find_securable(
        &self,
        site_id: Uuid,
        id: Uuid,
        class: SecurableClass,
    ) -> Result<Option<FoundSecurable>, Error> {
        let (site, text) = (site_id.to_string(), id.to_string());
        let found = |securable, list_id, url, item_id| Some(FoundSecurable { securable, list_id, url, item_id });
        match class {
            SecurableClass::Web => {
                let url: Option<String> = self
                    .conn
                    .query_row(
                        "SELECT server_relative_url FROM webs WHERE id = ?1 AND site_id = ?2",
                        params![text, site],
                        |r| r.get(0),
                    )
                    .optional()?;
                Ok(url.and_then(|url| found(Securable::Web(id), None, url, None)))
            }
            SecurableClass::List => {
                let url: Option<String> = self
                    .conn
                    .query_row(
                        "SELECT f.server_relative_url FROM lists l JOIN folders f ON f.id = l.root_folder_id
                         JOIN webs w ON w.id = l.web_id WHERE l.id = ?1 AND w.site_id = ?2",
                        params![text, site],
                        |r| r.get(0),
                    )
                    .optional()?;
                Ok(url.and_then(|url| found(Securable::List(id), Some(id), url, None)))
            }
            SecurableClass::Item => {
                let file: Option<(Option<String>, String, Option<i64>)> = self
                    .conn
                    .query_row(
                        "SELECT f.list_id, f.server_relative_url, f.item_id FROM files f JOIN webs w ON w.id = f.web_id
                         WHERE f.id = ?1 AND w.site_id = ?2",
                        params![text, site],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                if let Some((list, url, item)) = file {
                    return Ok(found(Securable::File(id), list.and_then(|l| l.parse().ok()), url, item));
                }
                let folder: Option<FolderRow> = self
                    .conn
                    .query_row(
                        "SELECT f.list_id, f.parent_id, f.server_relative_url, f.item_id FROM folders f
                         JOIN webs w ON w.id = f.web_id WHERE f.id = ?1 AND w.site_id = ?2",
                        params![text, site],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                if let Some((list, parent, url, item)) = folder {
                    let list: Option<Uuid> = list.and_then(|l| l.parse().ok());
                    return Ok(match (list, parent) {
                        (Some(list), None) => found(Securable::List(list), Some(list), url, None),
                        (list, _) => found(Securable::Folder(id), list, url, item),
                    });
                }
                let item: Option<(String, i64, Option<String>, Option<String>)> = self
                    .conn
                    .query_row(
                        "SELECT i.list_id, i.id, i.file_id, i.folder_id FROM list_items i JOIN lists l ON l.id = i.list_id
                         JOIN webs w ON w.id = l.web_id WHERE i.unique_id = ?1 AND w.site_id = ?2",
                        params![text, site],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                let Some((list, item_id, file, folder)) = item else { return Ok(None) };
                let list: Uuid = list.parse().expect("stored GUIDs parse");
                // The item of a file or folder: the permissions are the file's or folder's.
                if let Some(file) = file.and_then(|f| f.parse().ok()) {
                    return self.find_securable(site_id, file, class);
                }
                if let Some(folder) = folder.and_then(|f| f.parse().ok()) {
                    return self.find_securable(site_id, folder, class);
                }
                let url = format!("{}/{item_id}_.000", self.list_url(list)?);
                Ok(found(Securable::Item(id), Some(list), url, Some(item_id)))
            }
        }
    }

    /// Gives the object unique permissions with exactly `assignments` (principal id, role
    /// definition id), replacing any it had; an empty list leaves it unique with none
    /// (behaviour 155). The limits of behaviour 157 are checked first; hitting one changes
    /// nothing.
    pub fn set_unique_permissions(
        &mut self,
        site_id: Uuid,
        object: &FoundSecurable,
        assignments: &[(i64, i64)],
        limits: PermissionLimits,
    ) -> Result<Applied, Error> {
        let mut principals: Vec<i64> = assignments.iter().map(|(p, _)| *p).collect();
        principals.sort_unstable();
        principals.dedup();
        if principals.len() > limits.assignments_per_scope {
            return Ok(Applied::TooManyAssignments { count: principals.len() });
        }
        let tx = self.conn.transaction()?;
        let site = site_id.to_string();
        let (kind, id) = (object.securable.kind(), object.securable.id().to_string());
        let existing: Option<String> = tx
            .query_row(
                "SELECT id FROM security_scopes WHERE object_kind = ?1 AND object_id = ?2",
                params![kind, id],
                |r| r.get(0),
            )
            .optional()?;
        let scope = match existing {
            Some(scope) => scope,
            None => {
                if let (Some(list), false) = (object.list_id, matches!(object.securable, Securable::List(_))) {
                    let count = scopes_in_list(&tx, &site, list)?;
                    if count >= limits.unique_scopes_per_list {
                        return Ok(Applied::TooManyScopes { count });
                    }
                }
                let scope = derived_id("scope", &format!("{kind}:{id}")).to_string();
                tx.execute(
                    "INSERT INTO security_scopes (id, site_id, object_kind, object_id) VALUES (?1, ?2, ?3, ?4)",
                    params![scope, site, kind, id],
                )?;
                scope
            }
        };
        tx.execute("DELETE FROM role_assignments WHERE scope_id = ?1", [&scope])?;
        for (principal, role) in assignments {
            tx.execute(
                "INSERT OR IGNORE INTO role_assignments (scope_id, principal_id, role_definition_id) VALUES (?1, ?2, ?3)",
                params![scope, principal, role],
            )?;
        }
        tx.commit()?;
        Ok(Applied::Done)
    }

    /// Whether the object has permissions of its own.
    pub fn has_unique_permissions(&self, object: Securable) -> Result<bool, Error> {
        Ok(self.scope_of(object)?.is_some())
    }

    /// The scope whose assignments apply to the object: its own, else its nearest ancestor's.
    pub fn effective_scope(&self, object: Securable) -> Result<Option<EffectiveScope>, Error> {
        let mut current = Some(object);
        // Parent links cannot loop, but a damaged database should not hang a request.
        for _ in 0..4096 {
            let Some(object) = current else { break };
            if let Some(scope_id) = self.scope_of(object)? {
                return Ok(Some(EffectiveScope { scope_id, owner: object }));
            }
            current = self.parent_securable(object)?;
        }
        Ok(None)
    }

    /// A scope's assignments: each principal with its role definition ids, by principal id.
    pub fn scope_assignments(&self, scope_id: &str) -> Result<Vec<(i64, Vec<i64>)>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT principal_id, role_definition_id FROM role_assignments WHERE scope_id = ?1
             ORDER BY principal_id, role_definition_id",
        )?;
        let rows = statement.query_map([scope_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out: Vec<(i64, Vec<i64>)> = Vec::new();
        for row in rows {
            let (principal, role) = row?;
            match out.last_mut() {
                Some((last, roles)) if *last == principal => roles.push(role),
                _ => out.push((principal, vec![role])),
            }
        }
        Ok(out)
    }

    fn scope_of(&self, object: Securable) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM security_scopes WHERE object_kind = ?1 AND object_id = ?2",
                params![object.kind(), object.id().to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The object permissions are inherited from.
    fn parent_securable(&self, object: Securable) -> Result<Option<Securable>, Error> {
        let one = |sql: &str, id: Uuid| -> Result<Option<Option<String>>, Error> {
            Ok(self.conn.query_row(sql, [id.to_string()], |r| r.get(0)).optional()?)
        };
        let parse = |text: Option<String>| text.and_then(|t| t.parse::<Uuid>().ok());
        Ok(match object {
            Securable::Web(id) => {
                parse(one("SELECT parent_web_id FROM webs WHERE id = ?1", id)?.flatten()).map(Securable::Web)
            }
            Securable::List(id) => {
                parse(one("SELECT web_id FROM lists WHERE id = ?1", id)?.flatten()).map(Securable::Web)
            }
            Securable::Folder(id) => match parse(one("SELECT parent_id FROM folders WHERE id = ?1", id)?.flatten()) {
                Some(parent) => self.container(parent)?,
                None => parse(one("SELECT web_id FROM folders WHERE id = ?1", id)?.flatten()).map(Securable::Web),
            },
            Securable::File(id) => match parse(one("SELECT folder_id FROM files WHERE id = ?1", id)?.flatten()) {
                Some(folder) => self.container(folder)?,
                None => None,
            },
            Securable::Item(id) => {
                let row: Option<(String, Option<String>)> = self
                    .conn
                    .query_row(
                        "SELECT list_id, parent_folder_id FROM list_items WHERE unique_id = ?1",
                        [id.to_string()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                match row {
                    Some((_, Some(folder))) if folder.parse::<Uuid>().is_ok() => {
                        self.container(folder.parse().expect("checked"))?
                    }
                    Some((list, _)) => list.parse().ok().map(Securable::List),
                    None => None,
                }
            }
        })
    }

    /// What a folder is for permissions: its list when it is a list's root folder, its web when
    /// it is outside any list, else itself.
    fn container(&self, folder: Uuid) -> Result<Option<Securable>, Error> {
        let row: Option<(Option<String>, Option<String>, String)> = self
            .conn
            .query_row("SELECT parent_id, list_id, web_id FROM folders WHERE id = ?1", [folder.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        Ok(row.and_then(|(parent, list, web)| match (parent, list) {
            (None, Some(list)) => list.parse().ok().map(Securable::List),
            (None, None) => web.parse().ok().map(Securable::Web),
            (Some(_), _) => Some(Securable::Folder(folder)),
        }))
    }

    fn list_url(&self, list: Uuid) -> Result<String, Error> {
        Ok(self.conn.query_row(
            "SELECT f.server_relative_url FROM lists l JOIN folders f ON f.id = l.root_folder_id WHERE l.id = ?1",
            [list.to_string()],
            |r| r.get(0),
        )?)
    }
}

/// A folder's list, parent, URL and item id.
type FolderRow = (Option<String>, Option<String>, String, Option<i64>);

/// The id a new user or group gets: the two share one id space per site collection.
pub(super) fn next_principal_id(tx: &Transaction<'_>, site: &str) -> Result<i64, Error> {
    let id: i64 = tx.query_row("SELECT next_principal_id FROM site_collections WHERE id = ?1", [site], |r| r.get(0))?;
    tx.execute("UPDATE site_collections SET next_principal_id = ?2 WHERE id = ?1", params![site, id + 1])?;
    Ok(id)
}

/// Uniquely permissioned files, folders and items of a list.
fn scopes_in_list(tx: &Transaction<'_>, site: &str, list: Uuid) -> Result<u64, Error> {
    let count: i64 = tx.query_row(
        "SELECT count(*) FROM security_scopes s WHERE s.site_id = ?1 AND (
             (s.object_kind = 'file' AND s.object_id IN (SELECT id FROM files WHERE list_id = ?2))
          OR (s.object_kind = 'folder' AND s.object_id IN (SELECT id FROM folders WHERE list_id = ?2))
          OR (s.object_kind = 'item' AND s.object_id IN (SELECT unique_id FROM list_items WHERE list_id = ?2)))",
        params![site, list.to_string()],
        |r| r.get(0),
    )?;
    Ok(count.max(0) as u64)
}

fn group_row(r: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group { id: r.get(0)?, title: r.get(1)?, description: r.get(2)?, owner_id: r.get(3)? })
}

fn role_row(r: &Row<'_>) -> rusqlite::Result<RoleDefinition> {
    Ok(RoleDefinition {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        high: r.get(3)?,
        low: r.get(4)?,
        role_type_kind: r.get(5)?,
        hidden: r.get(6)?,
        order: r.get(7)?,
        is_system: r.get(8)?,
    })
}

/// The securable a list item stands for: its file, its folder, or the item itself.
pub fn securable_of_item(item: &super::model::ListItem) -> Securable {
    match (item.file_id, item.folder_id) {
        (Some(file), _) => Securable::File(file),
        (_, Some(folder)) => Securable::Folder(folder),
        _ => Securable::Item(item.unique_id),
    }
}

impl Db {
    /// The securable a list item (by list and integer id) stands for.
    pub fn item_securable(&self, list_id: Uuid, id: i64) -> Result<Option<Securable>, Error> {
        let row: Option<(String, Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT unique_id, file_id, folder_id FROM list_items WHERE list_id = ?1 AND id = ?2",
                params![list_id.to_string(), id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let parse = |text: Option<String>| text.and_then(|t| t.parse::<Uuid>().ok());
        Ok(row.and_then(|(unique, file, folder)| match (parse(file), parse(folder)) {
            (Some(file), _) => Some(Securable::File(file)),
            (_, Some(folder)) => Some(Securable::Folder(folder)),
            _ => unique.parse().ok().map(Securable::Item),
        }))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::model::FileVersion;
    use super::super::objects::{FileWrite, FolderWrite};
    use super::super::spec::{SiteSpec, WebSpec};
    use super::super::{Store, spec::derived_id};
    use super::*;

    const READ: i64 = 1_073_741_826;

    /// `/sites/dev` with a sub-web, and a folder `A` holding `a.txt` in its library.
    fn site() -> (Store, Uuid, Uuid, Uuid, FoundSecurable, FoundSecurable) {
        let store = Store::open(None).unwrap();
        let now = datetime!(2026-01-02 03:04:05 UTC);
        let mut spec = SiteSpec::named("/sites/dev", "Dev");
        spec.web.push(WebSpec { url: "/sites/dev/sub".into(), ..Default::default() });
        let plan = spec.plan().unwrap();
        let outcome = store.blocking(|db| db.apply_site(&plan, now)).unwrap();
        let docs = outcome.lists.iter().find(|l| l.url == "/sites/dev/Shared Documents").unwrap().clone();
        let (folder_id, file_id) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let folder = FolderWrite {
            id: folder_id,
            web_id: outcome.root_web_id,
            list_id: Some(docs.id),
            parent_id: Some(docs.root_folder_id),
            name: "A".into(),
            url: "/sites/dev/Shared Documents/A".into(),
            item_id: None,
            time_created: now,
            time_last_modified: now,
            properties: Default::default(),
        };
        let file = FileWrite {
            id: file_id,
            web_id: outcome.root_web_id,
            list_id: Some(docs.id),
            folder_id,
            name: "a.txt".into(),
            url: "/sites/dev/Shared Documents/A/a.txt".into(),
            author_id: None,
            modified_by_id: None,
            item_id: None,
            time_created: now,
            time_last_modified: now,
        };
        let version = FileVersion {
            version: 512,
            content_sha256: "00".into(),
            size: 0,
            created: now,
            created_by_id: None,
            checkin_comment: String::new(),
        };
        store.blocking(|db| db.put_folder(&folder)).unwrap();
        store.blocking(|db| db.replace_file(&file, &[version], &Default::default())).unwrap();
        let find = |id, class| store.blocking(|db| db.find_securable(plan.id, id, class)).unwrap().unwrap();
        let (folder, file) = (find(folder_id, SecurableClass::Item), find(file_id, SecurableClass::Item));
        let sub = derived_id("web", "/sites/dev/sub");
        (store, plan.id, outcome.root_web_id, sub, folder, file)
    }

    #[test]
    fn permissions_inherit_from_the_nearest_unique_ancestor() {
        let (store, site_id, root, sub, folder, file) = site();
        assert_eq!(folder.securable, Securable::Folder(Uuid::from_u128(10)));
        assert_eq!(file.securable, Securable::File(Uuid::from_u128(11)));
        let owner = |object| store.blocking(|db| db.effective_scope(object)).unwrap().unwrap().owner;
        assert!(store.blocking(|db| db.web(sub)).unwrap().is_some());
        assert_eq!(owner(Securable::Web(sub)), Securable::Web(root), "a sub-web inherits from its parent");
        assert_eq!(owner(file.securable), Securable::Web(root));
        let limits = PermissionLimits::default();
        let applied = store.blocking(|db| db.set_unique_permissions(site_id, &folder, &[(3, READ)], limits)).unwrap();
        assert_eq!(applied, Applied::Done);
        assert_eq!(owner(file.securable), folder.securable);
        assert!(!store.blocking(|db| db.has_unique_permissions(file.securable)).unwrap());
        let scope = store.blocking(|db| db.effective_scope(file.securable)).unwrap().unwrap();
        assert_eq!(store.blocking(|db| db.scope_assignments(&scope.scope_id)).unwrap(), [(3, vec![READ])]);

        // A library's root folder stands for the library.
        let docs = folder.list_id.unwrap();
        let root_folder = store.blocking(|db| db.list_anywhere(docs)).unwrap().unwrap().root_folder_id;
        let found = store.blocking(|db| db.find_securable(site_id, root_folder, SecurableClass::Item)).unwrap();
        assert_eq!(found.map(|f| f.securable), Some(Securable::List(docs)));
        let elsewhere = store.blocking(|db| db.find_securable(site_id, docs, SecurableClass::Web)).unwrap();
        assert_eq!(elsewhere, None, "ObjectType 0 names webs only");
    }

    #[test]
    fn limits_refuse_without_changing_anything() {
        let (store, site_id, _, _, folder, file) = site();
        let limits = PermissionLimits { assignments_per_scope: 2, unique_scopes_per_list: 1 };
        let three = [(3, READ), (4, READ), (5, READ), (5, READ + 1)];
        let applied = store.blocking(|db| db.set_unique_permissions(site_id, &file, &three, limits)).unwrap();
        assert_eq!(applied, Applied::TooManyAssignments { count: 3 });
        assert!(!store.blocking(|db| db.has_unique_permissions(file.securable)).unwrap());
        let two = [(3, READ), (4, READ)];
        assert_eq!(
            store.blocking(|db| db.set_unique_permissions(site_id, &file, &two, limits)).unwrap(),
            Applied::Done
        );
        let applied = store.blocking(|db| db.set_unique_permissions(site_id, &folder, &two, limits)).unwrap();
        assert_eq!(applied, Applied::TooManyScopes { count: 1 });
        // The file's scope again: no new scope.
        assert_eq!(store.blocking(|db| db.set_unique_permissions(site_id, &file, &[], limits)).unwrap(), Applied::Done);
        let scope = store.blocking(|db| db.effective_scope(file.securable)).unwrap().unwrap();
        assert_eq!(scope.owner, file.securable);
        assert!(store.blocking(|db| db.scope_assignments(&scope.scope_id)).unwrap().is_empty());
    }

    #[test]
    fn custom_role_definitions_are_matched_by_name() {
        let (store, site_id, ..) = site();
        let mut role = RoleWrite {
            name: "Reviewer".into(),
            description: "Reviews".into(),
            mask: 756_052_856_929,
            hidden: false,
            order: None,
        };
        let id = store.blocking(|db| db.put_role_definition(site_id, &role)).unwrap();
        assert_eq!(id, 1_073_741_925, "after View Only, the highest built-in id");
        role.name = "REVIEWER".into();
        role.mask = (1 << 32) | 7;
        assert_eq!(store.blocking(|db| db.put_role_definition(site_id, &role)).unwrap(), id);
        let stored = store.blocking(|db| db.role_definition(site_id, id)).unwrap().unwrap();
        assert_eq!((stored.high, stored.low, stored.is_system, stored.role_type_kind), (1, 7, false, 0));
        role.name = "read".into();
        assert!(matches!(store.blocking(|db| db.put_role_definition(site_id, &role)), Err(Error::Conflict(_))));
    }
}
