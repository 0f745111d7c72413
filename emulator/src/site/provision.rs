//! Creating site collections, webs and lists from a validated [`SitePlan`].
//!
//! Applying a plan is idempotent: objects that already exist with the declared id and URL are
//! left as they are (an import may have changed them since), missing ones are created, and an
//! id or URL that already belongs to a different object is a conflict that changes nothing.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::model::{SYSTEM_ACCOUNT_ID, SYSTEM_ACCOUNT_LOGIN, SYSTEM_ACCOUNT_TITLE};
use super::objects::{UserWrite, ensure_user_in};
use super::spec::{ListPlan, SitePlan, UserPlan, WebPlan, derived_id};
use super::{Db, Error, to_text};

/// What applying a plan found and did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteOutcome {
    pub id: Uuid,
    pub url: String,
    pub root_web_id: Uuid,
    pub webs: Vec<WebSummary>,
    pub lists: Vec<ListSummary>,
    /// Server-relative URLs of the webs (the root web stands for a new site) and lists this call
    /// created.
    pub created: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSummary {
    pub id: Uuid,
    pub url: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSummary {
    pub id: Uuid,
    pub title: String,
    pub url: String,
    pub root_folder_id: Uuid,
    pub base_template: i32,
}

/// SharePoint's built-in role definitions: id, name, role type kind, permission mask
/// (high, low), order, hidden.
const ROLE_DEFINITIONS: &[(i64, &str, i32, i64, i64, i32, bool)] = &[
    (1_073_741_829, "Full Control", 5, 2_147_483_647, 4_294_967_295, 1, false),
    (1_073_741_828, "Design", 4, 432, 1_012_866_047, 32, false),
    (1_073_741_830, "Edit", 6, 432, 1_011_030_767, 48, false),
    (1_073_741_827, "Contribute", 3, 432, 1_011_028_719, 64, false),
    (1_073_741_826, "Read", 2, 176, 138_612_833, 128, false),
    (1_073_741_825, "Limited Access", 1, 48, 134_418_528, 160, true),
    (1_073_741_924, "View Only", 0, 176, 138_612_801, 2_147_483_647, false),
];

/// What SharePoint Online says each built-in permission level allows, by role type kind.
fn role_description(kind: i32) -> &'static str {
    match kind {
        5 => "Has full control.",
        4 => "Can view, add, update, delete, approve, and customize.",
        6 => "Can add, edit and delete lists; can view, add, update and delete list items and documents.",
        3 => "Can view, add, update, and delete list items and documents.",
        2 => "Can view pages and list items and download documents.",
        1 => "Can view specific lists, document libraries, list items, folders, or documents when given permissions.",
        _ => {
            "Can view pages, list items, and documents. Document types with server-side file handlers can be viewed \
             in the browser but not downloaded."
        }
    }
}

/// The three default groups of a team site: id, title suffix, role definition on the root web.
const DEFAULT_GROUPS: &[(i64, &str, i64)] =
    &[(3, "Owners", 1_073_741_829), (4, "Visitors", 1_073_741_826), (5, "Members", 1_073_741_830)];
const FIRST_FREE_PRINCIPAL_ID: i64 = 6;

/// Site content types every site collection starts with: id, name, group.
const CONTENT_TYPES: &[(&str, &str, &str)] = &[
    ("0x01", "Item", "List Content Types"),
    ("0x0101", "Document", "Document Content Types"),
    ("0x0120", "Folder", "Folder Content Types"),
];

impl Db {
    /// Creates whatever of `plan` does not exist yet, in one transaction.
    pub fn apply_site(&mut self, plan: &SitePlan, now: OffsetDateTime) -> Result<SiteOutcome, Error> {
        let tx = self.conn.transaction()?;
        let now = to_text(now);
        let mut created = Vec::new();

        let by_id: Option<String> = tx
            .query_row("SELECT server_relative_url FROM site_collections WHERE id = ?1", [plan.id.to_string()], |r| {
                r.get(0)
            })
            .optional()?;
        let by_url: Option<String> = tx
            .query_row("SELECT id FROM site_collections WHERE server_relative_url = ?1", [&plan.url], |r| r.get(0))
            .optional()?;
        match (by_id, by_url) {
            (Some(url), _) if !url.eq_ignore_ascii_case(&plan.url) => {
                return Err(Error::Conflict(format!("the site collection id {} already belongs to '{url}'", plan.id)));
            }
            (None, Some(other)) => {
                return Err(Error::Conflict(format!(
                    "a site collection already exists at '{}' with id {other}, not {}",
                    plan.url, plan.id
                )));
            }
            (None, None) => {
                create_site_collection(&tx, plan, &now)?;
            }
            (Some(_), _) => {}
        }
        tx.execute(
            "UPDATE site_collections SET no_script = ?2 WHERE id = ?1",
            params![plan.id.to_string(), plan.no_script],
        )?;

        for web in &plan.webs {
            if ensure_web(&tx, plan.id, web, &now)? {
                created.push(web.url.clone());
            }
        }
        for list in &plan.lists {
            if ensure_list(&tx, list, &now)? {
                created.push(list.url.clone());
            }
        }
        for user in &plan.users {
            declare_user(&tx, plan.id, user)?;
        }
        let outcome = summarize(&tx, plan, created)?;
        tx.commit()?;
        Ok(outcome)
    }
}

fn create_site_collection(tx: &Transaction<'_>, plan: &SitePlan, now: &str) -> Result<(), Error> {
    let root = &plan.webs[0];
    if let Some(site) = web_owner(tx, &root.url)? {
        return Err(Error::Conflict(format!("'{}' is already a web of the site collection {site}", root.url)));
    }
    tx.execute(
        "INSERT INTO site_collections (id, server_relative_url, root_web_id, next_principal_id, created)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![plan.id.to_string(), plan.url, root.id.to_string(), FIRST_FREE_PRINCIPAL_ID, now],
    )?;
    let site = plan.id.to_string();
    tx.execute(
        "INSERT INTO users (site_id, id, login_name, title, is_site_admin) VALUES (?1, ?2, ?3, ?4, 1)",
        params![site, SYSTEM_ACCOUNT_ID, SYSTEM_ACCOUNT_LOGIN, SYSTEM_ACCOUNT_TITLE],
    )?;
    for &(id, name, kind, high, low, order, hidden) in ROLE_DEFINITIONS {
        tx.execute(
            "INSERT INTO role_definitions
               (site_id, id, name, description, permissions_high, permissions_low, role_type_kind, hidden,
                sort_order, is_system)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)",
            params![site, id, name, role_description(kind), high, low, kind, hidden, order],
        )?;
    }
    for &(id, name, group) in CONTENT_TYPES {
        tx.execute(
            "INSERT INTO content_types (site_id, scope, id, name, group_name) VALUES (?1, '', ?2, ?3, ?4)",
            params![site, id, name, group],
        )?;
    }
    // The root web has unique permissions: the default groups with their usual roles.
    let scope = derived_id("scope", &root.url).to_string();
    tx.execute(
        "INSERT INTO security_scopes (id, site_id, object_kind, object_id) VALUES (?1, ?2, 'web', ?3)",
        params![scope, site, root.id.to_string()],
    )?;
    let owners = DEFAULT_GROUPS[0].0;
    for &(id, suffix, role) in DEFAULT_GROUPS {
        tx.execute(
            "INSERT INTO groups (site_id, id, title, owner_id) VALUES (?1, ?2, ?3, ?4)",
            params![site, id, format!("{} {suffix}", root.title), owners],
        )?;
        tx.execute(
            "INSERT INTO role_assignments (scope_id, principal_id, role_definition_id) VALUES (?1, ?2, ?3)",
            params![scope, id, role],
        )?;
    }
    Ok(())
}

/// Creates the web if missing; returns whether it did.
fn ensure_web(tx: &Transaction<'_>, site_id: Uuid, web: &WebPlan, now: &str) -> Result<bool, Error> {
    let existing: Option<(String, String)> = tx
        .query_row("SELECT site_id, server_relative_url FROM webs WHERE id = ?1", [web.id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if let Some((site, url)) = existing {
        if site != site_id.to_string() || !url.eq_ignore_ascii_case(&web.url) {
            return Err(Error::Conflict(format!("the web id {} already belongs to '{url}'", web.id)));
        }
        return Ok(false);
    }
    if let Some(other) = tx
        .query_row("SELECT id FROM webs WHERE server_relative_url = ?1", [&web.url], |r| r.get::<_, String>(0))
        .optional()?
    {
        return Err(Error::Conflict(format!("a web already exists at '{}' with id {other}, not {}", web.url, web.id)));
    }
    let parent: Option<String> = match &web.parent_url {
        None => None,
        Some(url) => Some(
            tx.query_row("SELECT id FROM webs WHERE server_relative_url = ?1", [url], |r| r.get(0))
                .optional()?
                .ok_or_else(|| Error::Conflict(format!("the parent web '{url}' of '{}' does not exist", web.url)))?,
        ),
    };
    tx.execute(
        "INSERT INTO webs (id, site_id, parent_web_id, server_relative_url, title, description,
                           web_template, configuration, language, created, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            web.id.to_string(),
            site_id.to_string(),
            parent,
            web.url,
            web.title,
            web.description,
            web.web_template,
            web.configuration,
            web.language,
            now
        ],
    )?;
    Ok(true)
}

/// Creates the list and its root folder if missing; returns whether it did.
fn ensure_list(tx: &Transaction<'_>, list: &ListPlan, now: &str) -> Result<bool, Error> {
    let web_id: String =
        tx.query_row("SELECT id FROM webs WHERE server_relative_url = ?1", [&list.web_url], |r| r.get(0))?;
    let existing: Option<(String, String)> = tx
        .query_row(
            "SELECT l.web_id, f.server_relative_url FROM lists l JOIN folders f ON f.id = l.root_folder_id WHERE l.id = ?1",
            [list.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((web, url)) = existing {
        if web != web_id || !url.eq_ignore_ascii_case(&list.url) {
            return Err(Error::Conflict(format!("the list id {} already belongs to the list at '{url}'", list.id)));
        }
        return Ok(false);
    }
    if let Some(other) = tx
        .query_row(
            "SELECT id FROM lists WHERE web_id = ?1 AND title = ?2 COLLATE NOCASE",
            [&web_id, &list.title],
            |r| r.get::<_, String>(0),
        )
        .optional()?
    {
        return Err(Error::Conflict(format!(
            "the web '{}' already has a list titled '{}' with id {other}, not {}",
            list.web_url, list.title, list.id
        )));
    }
    if let Some(other) = tx
        .query_row(
            "SELECT id, server_relative_url FROM folders WHERE server_relative_url = ?1 OR id = ?2",
            [&list.url, &list.root_folder_id.to_string()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
    {
        return Err(Error::Conflict(format!(
            "the folder {} at '{}' already exists; the list '{}' needs folder {} at '{}'",
            other.0, other.1, list.title, list.root_folder_id, list.url
        )));
    }
    tx.execute(
        "INSERT INTO lists (id, web_id, title, description, base_template, base_type, hidden,
                            enable_versioning, enable_minor_versions, root_folder_id, created, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        params![
            list.id.to_string(),
            web_id,
            list.title,
            list.description,
            list.template.number,
            list.template.base_type,
            list.hidden,
            list.enable_versioning,
            list.enable_minor_versions,
            list.root_folder_id.to_string(),
            now
        ],
    )?;
    let name = list.url.rsplit('/').next().unwrap_or_default();
    tx.execute(
        "INSERT INTO folders (id, web_id, list_id, parent_id, name, server_relative_url, time_created, time_last_modified)
         VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, ?6)",
        params![list.root_folder_id.to_string(), web_id, list.id.to_string(), name, list.url, now],
    )?;
    Ok(true)
}

fn web_owner(tx: &Transaction<'_>, url: &str) -> Result<Option<String>, Error> {
    Ok(tx.query_row("SELECT site_id FROM webs WHERE server_relative_url = ?1", [url], |r| r.get(0)).optional()?)
}

fn summarize(tx: &Transaction<'_>, plan: &SitePlan, created: Vec<String>) -> Result<SiteOutcome, Error> {
    let webs = plan.webs.iter().map(|w| WebSummary { id: w.id, url: w.url.clone(), title: w.title.clone() }).collect();
    let lists = plan
        .lists
        .iter()
        .map(|l| ListSummary {
            id: l.id,
            title: l.title.clone(),
            url: l.url.clone(),
            root_folder_id: l.root_folder_id,
            base_template: l.template.number,
        })
        .collect();
    let root_web_id: String =
        tx.query_row("SELECT root_web_id FROM site_collections WHERE id = ?1", [plan.id.to_string()], |r| r.get(0))?;
    Ok(SiteOutcome {
        id: plan.id,
        url: plan.url.clone(),
        root_web_id: root_web_id.parse().map_err(|_| Error::Conflict("stored root web id is not a GUID".into()))?,
        webs,
        lists,
        created,
    })
}

/// A declared site user exists and is live: one an import left as a deleted placeholder for
/// the same login comes back with the declared values.
fn declare_user(tx: &Transaction<'_>, site_id: Uuid, user: &UserPlan) -> Result<(), Error> {
    let write = UserWrite {
        login_name: user.login.clone(),
        title: user.title.clone(),
        email: user.email.clone(),
        is_site_admin: user.site_admin,
        is_deleted: false,
        system_id: None,
    };
    let id = ensure_user_in(tx, site_id, &write)?;
    tx.execute(
        "UPDATE users SET is_deleted = 0, title = ?3, email = ?4, is_site_admin = ?5
         WHERE site_id = ?1 AND id = ?2 AND is_deleted = 1",
        params![site_id.to_string(), id, write.title, write.email, write.is_site_admin],
    )?;
    Ok(())
}
