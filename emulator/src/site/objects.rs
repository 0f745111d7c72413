//! Folders, files with their versions, list items with their fields, and site users: the
//! writes an import makes and the reads that verify it.
//!
//! Each write is one transaction, so an object is either wholly there or not at all.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::details::{FileDetails, ItemDetails, write_file_details, write_item_details};
use super::items::{USER_SELECT, user_row};
use super::model::{File, FileVersion, Folder, List, ListItem, User};
use super::{Db, Error, RowExt, to_text};

/// A folder as an import writes it.
#[derive(Clone, Debug)]
pub struct FolderWrite {
    pub id: Uuid,
    pub web_id: Uuid,
    pub list_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub url: String,
    /// The list item id the package gives the folder (`ListItemIntId`), if any.
    pub item_id: Option<i64>,
    pub time_created: OffsetDateTime,
    pub time_last_modified: OffsetDateTime,
    /// `Properties/Property` values by name.
    pub properties: serde_json::Map<String, serde_json::Value>,
}

/// A file as an import writes it; its versions come separately.
#[derive(Clone, Debug)]
pub struct FileWrite {
    pub id: Uuid,
    pub web_id: Uuid,
    pub list_id: Option<Uuid>,
    pub folder_id: Uuid,
    pub name: String,
    pub url: String,
    pub author_id: Option<i64>,
    pub modified_by_id: Option<i64>,
    /// The list item id the package gives the file (`ListItemIntId`), if any.
    pub item_id: Option<i64>,
    pub time_created: OffsetDateTime,
    pub time_last_modified: OffsetDateTime,
}

/// A site user as an import ensures it.
#[derive(Clone, Debug, Default)]
pub struct UserWrite {
    pub login_name: String,
    pub title: String,
    pub email: String,
    pub is_site_admin: bool,
    pub is_deleted: bool,
    pub system_id: Option<Vec<u8>>,
}

const FILE_SELECT: &str = "SELECT f.id, f.web_id, f.list_id, f.folder_id, f.name, f.server_relative_url, f.item_id,
           f.author_id, f.modified_by_id, f.time_created, f.time_last_modified,
           v.version, v.content_sha256, v.size, v.created, v.created_by_id, v.checkin_comment,
           EXISTS (SELECT 1 FROM file_alternate_streams s WHERE s.file_id = f.id AND s.version = v.version)
    FROM files f JOIN file_versions v ON v.file_id = f.id
     AND v.version = (SELECT max(version) FROM file_versions WHERE file_id = f.id)";
pub(super) const FOLDER_SELECT: &str =
    "SELECT f.id, f.web_id, f.list_id, f.parent_id, f.name, f.server_relative_url, f.item_id,
           (SELECT count(*) FROM files c WHERE c.folder_id = f.id)
             + (SELECT count(*) FROM folders c WHERE c.parent_id = f.id),
           f.time_created, f.time_last_modified
    FROM folders f";
const ITEM_SELECT: &str = "SELECT list_id, id, unique_id, content_type_id, file_id, folder_id, author_id, editor_id,
           created, modified, moderation_status, version, parent_folder_id FROM list_items";

impl Db {
    /// The site user with this login (case-insensitive), creating it with the next principal
    /// id if there is none.
    pub fn ensure_user(&mut self, site_id: Uuid, user: &UserWrite) -> Result<i64, Error> {
        let tx = self.conn.transaction()?;
        let outcome = ensure_user_in(&tx, site_id, user)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// The live (not deleted) site user with this login, case-insensitive.
    pub fn site_user_by_login(&self, site_id: Uuid, login: &str) -> Result<Option<i64>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM users WHERE site_id = ?1 AND login_name = ?2 COLLATE NOCASE AND is_deleted = 0",
                params![site_id.to_string(), login],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn user(&self, site_id: Uuid, id: i64) -> Result<Option<User>, Error> {
        Ok(self
            .conn
            .query_row(
                &format!("{USER_SELECT} WHERE site_id = ?1 AND id = ?2"),
                params![site_id.to_string(), id],
                user_row,
            )
            .optional()?)
    }

    /// Whether a list with this id exists, in whatever web: what the import asks once per
    /// object, without the counts a [`List`] carries.
    pub fn list_exists(&self, id: Uuid) -> Result<bool, Error> {
        Ok(self.conn.query_row("SELECT EXISTS (SELECT 1 FROM lists WHERE id = ?1)", [id.to_string()], |r| r.get(0))?)
    }

    /// A list by id, in whatever web it is.
    pub fn list_anywhere(&self, id: Uuid) -> Result<Option<List>, Error> {
        let web: Option<String> =
            self.conn.query_row("SELECT web_id FROM lists WHERE id = ?1", [id.to_string()], |r| r.get(0)).optional()?;
        match web {
            Some(web) => self.list(web.parse().expect("stored GUIDs parse"), id),
            None => Ok(None),
        }
    }

    pub fn folder_by_url(&self, url: &str) -> Result<Option<Folder>, Error> {
        let sql = format!("{FOLDER_SELECT} WHERE f.server_relative_url = ?1");
        Ok(self.conn.query_row(&sql, [url], folder_row).optional()?)
    }

    pub fn folders_in(&self, parent_id: Uuid) -> Result<Vec<Folder>, Error> {
        let sql = format!("{FOLDER_SELECT} WHERE f.parent_id = ?1 ORDER BY f.name COLLATE NOCASE");
        Ok(self.conn.prepare(&sql)?.query_map([parent_id.to_string()], folder_row)?.collect::<Result<_, _>>()?)
    }

    /// Creates the folder, or updates the one with the same id. When that one is elsewhere, it
    /// moves here with everything it holds (behaviour 116). A different folder at the URL is a
    /// conflict.
    pub fn put_folder(&mut self, folder: &FolderWrite) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        refuse_other_site(
            &tx,
            "SELECT w.site_id FROM folders o JOIN webs w ON w.id = o.web_id WHERE o.id = ?1",
            folder.id,
            folder.web_id,
        )?;
        let at_url: Option<String> = tx
            .query_row("SELECT id FROM folders WHERE server_relative_url = ?1", [&folder.url], |r| r.get(0))
            .optional()?;
        if let Some(other) = at_url.filter(|other| *other != folder.id.to_string()) {
            return Err(Error::Conflict(format!(
                "A folder with the name '{}' already exists (id {other}).",
                folder.url
            )));
        }
        let old_url: Option<String> = tx
            .query_row("SELECT server_relative_url FROM folders WHERE id = ?1", [folder.id.to_string()], |r| r.get(0))
            .optional()?;
        if let Some(old_url) = old_url.filter(|old| !old.eq_ignore_ascii_case(&folder.url)) {
            move_contents(&tx, &old_url, folder)?;
        }
        tx.execute(
            "INSERT INTO folders (id, web_id, list_id, parent_id, name, server_relative_url, time_created,
                                  time_last_modified, properties)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET web_id = ?2, list_id = ?3, parent_id = ?4, name = ?5,
                 server_relative_url = ?6, time_created = ?7, time_last_modified = ?8, properties = ?9",
            params![
                folder.id.to_string(),
                folder.web_id.to_string(),
                folder.list_id.map(|l| l.to_string()),
                folder.parent_id.map(|p| p.to_string()),
                folder.name,
                folder.url,
                to_text(folder.time_created),
                to_text(folder.time_last_modified),
                serde_json::Value::Object(folder.properties.clone()).to_string(),
            ],
        )?;
        if let Some(list_id) = folder.list_id {
            let owner = ItemOwner { column: "folder_id", id: folder.id, content_type: "0x0120" };
            let times = (folder.time_created, folder.time_last_modified);
            ensure_item(&tx, list_id, &owner, folder.item_id, (None, None), times)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn file_by_url(&self, url: &str) -> Result<Option<File>, Error> {
        let sql = format!("{FILE_SELECT} WHERE f.server_relative_url = ?1");
        Ok(self.conn.query_row(&sql, [url], file_row).optional()?)
    }

    pub fn file(&self, id: Uuid) -> Result<Option<File>, Error> {
        let sql = format!("{FILE_SELECT} WHERE f.id = ?1");
        Ok(self.conn.query_row(&sql, [id.to_string()], file_row).optional()?)
    }

    pub fn files_in(&self, folder_id: Uuid) -> Result<Vec<File>, Error> {
        let sql = format!("{FILE_SELECT} WHERE f.folder_id = ?1 ORDER BY f.name COLLATE NOCASE");
        Ok(self.conn.prepare(&sql)?.query_map([folder_id.to_string()], file_row)?.collect::<Result<_, _>>()?)
    }

    /// Every version of a file, oldest first.
    pub fn file_versions(&self, file_id: Uuid) -> Result<Vec<FileVersion>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT version, content_sha256, size, created, created_by_id, checkin_comment
             FROM file_versions WHERE file_id = ?1 ORDER BY version",
        )?;
        let rows = statement.query_map([file_id.to_string()], |r| version_row(r, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes a file with exactly `versions` (behaviour 117: an existing file with the same id
    /// is replaced with all its versions). A different file at the URL is a conflict.
    pub fn replace_file(
        &mut self,
        file: &FileWrite,
        versions: &[FileVersion],
        details: &FileDetails,
    ) -> Result<(), Error> {
        assert!(!versions.is_empty(), "a file has at least one version");
        let tx = self.conn.transaction()?;
        refuse_other_site(
            &tx,
            "SELECT w.site_id FROM files o JOIN webs w ON w.id = o.web_id WHERE o.id = ?1",
            file.id,
            file.web_id,
        )?;
        let at_url: Option<String> = tx
            .query_row("SELECT id FROM files WHERE server_relative_url = ?1", [&file.url], |r| r.get(0))
            .optional()?;
        if let Some(other) = at_url.filter(|other| *other != file.id.to_string()) {
            return Err(Error::Conflict(format!("A file with the name '{}' already exists (id {other}).", file.url)));
        }
        let item_id = preserved_item_id(&tx, file.id)?.or(file.item_id);
        tx.execute("DELETE FROM files WHERE id = ?1", [file.id.to_string()])?;
        // The file is made anew, so it inherits its permissions again until the package's
        // role assignments (which come after the content) break the inheritance once more.
        tx.execute("DELETE FROM security_scopes WHERE object_kind = 'file' AND object_id = ?1", [file.id.to_string()])?;
        tx.execute(
            "INSERT INTO files (id, web_id, list_id, folder_id, name, server_relative_url, item_id, author_id,
                                modified_by_id, time_created, time_last_modified)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                file.id.to_string(),
                file.web_id.to_string(),
                file.list_id.map(|l| l.to_string()),
                file.folder_id.to_string(),
                file.name,
                file.url,
                item_id,
                file.author_id,
                file.modified_by_id,
                to_text(file.time_created),
                to_text(file.time_last_modified),
            ],
        )?;
        for version in versions {
            tx.execute(
                "INSERT INTO file_versions (file_id, version, content_sha256, size, created, created_by_id, checkin_comment)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (file_id, version) DO UPDATE SET content_sha256 = ?3, size = ?4, created = ?5,
                     created_by_id = ?6, checkin_comment = ?7",
                params![
                    file.id.to_string(),
                    version.version,
                    version.content_sha256,
                    version.size,
                    to_text(version.created),
                    version.created_by_id,
                    version.checkin_comment,
                ],
            )?;
        }
        write_file_details(&tx, file.id, details)?;
        if let Some(list_id) = file.list_id {
            let owner = ItemOwner { column: "file_id", id: file.id, content_type: "0x0101" };
            let people = (file.author_id, file.modified_by_id);
            ensure_item(&tx, list_id, &owner, item_id, people, (file.time_created, file.time_last_modified))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Creates or updates a list item with exactly these field values, keeping its integer
    /// id (behaviour 114) and binding it to its file or folder.
    /// The users whose "Shared with Me" quota dropped some of the item's sharing events come
    /// back (behaviour 158).
    pub fn put_list_item(&mut self, item: &ListItem, details: &ItemDetails) -> Result<Vec<i64>, Error> {
        let tx = self.conn.transaction()?;
        let list = item.list_id.to_string();
        let web: String = tx.query_row("SELECT web_id FROM lists WHERE id = ?1", [&list], |r| r.get(0))?;
        refuse_other_site(
            &tx,
            "SELECT w.site_id FROM list_items i JOIN lists l ON l.id = i.list_id JOIN webs w ON w.id = l.web_id
             WHERE i.unique_id = ?1",
            item.unique_id,
            web.parse().expect("stored GUIDs parse"),
        )?;
        // The item at this id: the same item, or the one made for the same file or folder,
        // may be replaced; any other item holding the id is a conflict.
        let holder: Option<(String, Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT unique_id, file_id, folder_id FROM list_items WHERE list_id = ?1 AND id = ?2",
                params![list, item.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let same_object = |file: &Option<String>, folder: &Option<String>| {
            (item.file_id.is_some() && *file == item.file_id.map(|f| f.to_string()))
                || (item.folder_id.is_some() && *folder == item.folder_id.map(|f| f.to_string()))
        };
        let other = holder.filter(|(u, file, folder)| *u != item.unique_id.to_string() && !same_object(file, folder));
        // An item SharePoint made for another file or folder has no id of the package's own:
        // it gives the id up and takes the next free one.
        let implicit = |(u, file, folder): &(String, Option<String>, Option<String>)| {
            file.as_ref() == Some(u) || folder.as_ref() == Some(u)
        };
        let other = match other {
            Some(holder) if implicit(&holder) => {
                renumber(&tx, item.list_id, item.id)?;
                None
            }
            other => other,
        };
        if let Some((other, _, _)) = other {
            return Err(Error::Conflict(format!(
                "The item id {} is already used by another item in list {} ({other}).",
                item.id, item.list_id
            )));
        }
        // The same item, or the item of the same file or folder, under another integer id moves
        // to the package's id: a file or folder has one item.
        tx.execute(
            "DELETE FROM list_items WHERE NOT (list_id = ?2 AND id = ?3)
               AND (unique_id = ?1 OR (?4 IS NOT NULL AND file_id = ?4) OR (?5 IS NOT NULL AND folder_id = ?5))",
            params![
                item.unique_id.to_string(),
                list,
                item.id,
                item.file_id.map(|f| f.to_string()),
                item.folder_id.map(|f| f.to_string())
            ],
        )?;
        tx.execute(
            "INSERT INTO list_items (list_id, id, unique_id, content_type_id, file_id, folder_id, parent_folder_id,
                                     author_id, editor_id, created, modified, moderation_status, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (list_id, id) DO UPDATE SET unique_id = ?3, content_type_id = ?4, file_id = ?5, folder_id = ?6,
                 parent_folder_id = ?7, author_id = ?8, editor_id = ?9, created = ?10, modified = ?11,
                 moderation_status = ?12, version = ?13",
            params![
                list,
                item.id,
                item.unique_id.to_string(),
                item.content_type_id,
                item.file_id.map(|f| f.to_string()),
                item.folder_id.map(|f| f.to_string()),
                item.parent_folder_id.map(|f| f.to_string()),
                item.author_id,
                item.editor_id,
                to_text(item.created),
                to_text(item.modified),
                item.moderation_status,
                item.version,
            ],
        )?;
        tx.execute("DELETE FROM list_item_fields WHERE list_id = ?1 AND item_id = ?2", params![list, item.id])?;
        for (name, value) in &item.fields {
            tx.execute(
                "INSERT INTO list_item_fields (list_id, item_id, name, value) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (list_id, item_id, name) DO UPDATE SET value = ?4",
                params![list, item.id, name, value],
            )?;
        }
        tx.execute("UPDATE lists SET next_item_id = max(next_item_id, ?2 + 1) WHERE id = ?1", params![list, item.id])?;
        if let Some(file) = item.file_id {
            tx.execute("UPDATE files SET item_id = ?2 WHERE id = ?1", params![file.to_string(), item.id])?;
        }
        if let Some(folder) = item.folder_id {
            tx.execute("UPDATE folders SET item_id = ?2 WHERE id = ?1", params![folder.to_string(), item.id])?;
        }
        let throttled = write_item_details(&tx, item.list_id, item.id, item.unique_id, details)?;
        tx.commit()?;
        Ok(throttled)
    }

    pub fn list_item(&self, list_id: Uuid, id: i64) -> Result<Option<ListItem>, Error> {
        let sql = format!("{ITEM_SELECT} WHERE list_id = ?1 AND id = ?2");
        let item = self.conn.query_row(&sql, params![list_id.to_string(), id], item_row).optional()?;
        item.map(|item| self.with_fields(item)).transpose()
    }

    /// The list item of a file, if it has one.
    pub fn list_item_of_file(&self, file_id: Uuid) -> Result<Option<ListItem>, Error> {
        let sql = format!("{ITEM_SELECT} WHERE file_id = ?1");
        let item = self.conn.query_row(&sql, [file_id.to_string()], item_row).optional()?;
        item.map(|item| self.with_fields(item)).transpose()
    }

    fn with_fields(&self, mut item: ListItem) -> Result<ListItem, Error> {
        let mut statement = self
            .conn
            .prepare("SELECT name, value FROM list_item_fields WHERE list_id = ?1 AND item_id = ?2 ORDER BY name")?;
        let rows = statement.query_map(params![item.list_id.to_string(), item.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        item.fields = rows.collect::<Result<_, _>>()?;
        Ok(item)
    }
}

/// Which object an implicit list item belongs to.
struct ItemOwner {
    column: &'static str,
    id: Uuid,
    content_type: &'static str,
}

/// Every file and folder of a list has a list item; when the package brings none (or not yet),
/// SharePoint makes one: the package's `ListItemIntId` when free, else the list's next id.
fn ensure_item(
    tx: &Transaction<'_>,
    list_id: Uuid,
    owner: &ItemOwner,
    preferred: Option<i64>,
    (author, editor): (Option<i64>, Option<i64>),
    (created, modified): (OffsetDateTime, OffsetDateTime),
) -> Result<i64, Error> {
    let list = list_id.to_string();
    let object = owner.id.to_string();
    let existing: Option<i64> = tx
        .query_row(
            &format!("SELECT id FROM list_items WHERE list_id = ?1 AND {} = ?2", owner.column),
            params![list, object],
            |r| r.get(0),
        )
        .optional()?;
    let id = match existing {
        Some(id) => id,
        None => {
            let free = |id: i64| -> rusqlite::Result<bool> {
                tx.query_row(
                    "SELECT count(*) = 0 FROM list_items WHERE list_id = ?1 AND id = ?2",
                    params![list, id],
                    |r| r.get(0),
                )
            };
            let id = match preferred {
                Some(id) if id > 0 && free(id)? => id,
                _ => tx.query_row("SELECT next_item_id FROM lists WHERE id = ?1", [&list], |r| r.get(0))?,
            };
            tx.execute(
                &format!(
                    "INSERT INTO list_items (list_id, id, unique_id, content_type_id, {}, author_id, editor_id, created, modified)
                     VALUES (?1, ?2, ?3, ?4, ?3, ?5, ?6, ?7, ?8)",
                    owner.column
                ),
                params![list, id, object, owner.content_type, author, editor, to_text(created), to_text(modified)],
            )?;
            tx.execute("UPDATE lists SET next_item_id = max(next_item_id, ?2 + 1) WHERE id = ?1", params![list, id])?;
            id
        }
    };
    let table = if owner.column == "file_id" { "files" } else { "folders" };
    tx.execute(&format!("UPDATE {table} SET item_id = ?2 WHERE id = ?1"), params![object, id])?;
    Ok(id)
}

/// Refuses an object whose id `owner_site` (a query of the id) finds in another site
/// collection than the one of `web_id`.
fn refuse_other_site(tx: &Transaction<'_>, owner_site: &str, id: Uuid, web_id: Uuid) -> Result<(), Error> {
    let owner: Option<String> = tx.query_row(owner_site, [id.to_string()], |r| r.get(0)).optional()?;
    let Some(owner) = owner else { return Ok(()) };
    let site: String = tx.query_row("SELECT site_id FROM webs WHERE id = ?1", [web_id.to_string()], |r| r.get(0))?;
    if owner == site { Ok(()) } else { Err(Error::IdOfAnotherSite(id)) }
}

/// Re-roots the URLs of everything under a moving folder; the descendants keep their ids
/// and list item ids (behaviours 114, 116). Moving between lists is not modelled: items stay
/// in the list they were made in.
fn move_contents(tx: &Transaction<'_>, old_url: &str, folder: &FolderWrite) -> Result<(), Error> {
    let prefix = format!("{old_url}/");
    // `substr` keeps the `/` and what follows the old URL; LIKE would take `%` and `_` in
    // URLs for wildcards.
    let rebase = "SET server_relative_url = ?2 || substr(server_relative_url, length(?1))
                  WHERE lower(substr(server_relative_url, 1, length(?1))) = lower(?1)";
    tx.execute(&format!("UPDATE folders {rebase}"), params![prefix, folder.url])?;
    tx.execute(&format!("UPDATE files {rebase}"), params![prefix, folder.url])?;
    Ok(())
}

/// Moves the (implicit, field-less) item at `id` to the list's next free id.
fn renumber(tx: &Transaction<'_>, list_id: Uuid, id: i64) -> Result<(), Error> {
    let list = list_id.to_string();
    let next: i64 = tx.query_row("SELECT next_item_id FROM lists WHERE id = ?1", [&list], |r| r.get(0))?;
    let next = next.max(id + 1);
    tx.execute("UPDATE list_items SET id = ?3 WHERE list_id = ?1 AND id = ?2", params![list, id, next])?;
    tx.execute("UPDATE files SET item_id = ?3 WHERE list_id = ?1 AND item_id = ?2", params![list, id, next])?;
    tx.execute("UPDATE folders SET item_id = ?3 WHERE list_id = ?1 AND item_id = ?2", params![list, id, next])?;
    tx.execute("UPDATE lists SET next_item_id = ?2 WHERE id = ?1", params![list, next + 1])?;
    Ok(())
}

/// A re-imported file keeps the list item id it had until its item is written again.
fn preserved_item_id(tx: &Transaction<'_>, file_id: Uuid) -> Result<Option<i64>, Error> {
    Ok(tx
        .query_row("SELECT item_id FROM files WHERE id = ?1", [file_id.to_string()], |r| r.get(0))
        .optional()?
        .flatten())
}

fn version_row(r: &Row<'_>, at: usize) -> rusqlite::Result<FileVersion> {
    Ok(FileVersion {
        version: r.get(at)?,
        content_sha256: r.get(at + 1)?,
        size: r.get(at + 2)?,
        created: r.time(at + 3)?,
        created_by_id: r.get(at + 4)?,
        checkin_comment: r.get(at + 5)?,
    })
}

fn file_row(r: &Row<'_>) -> rusqlite::Result<File> {
    Ok(File {
        id: r.guid(0)?,
        web_id: r.guid(1)?,
        list_id: r.opt_guid(2)?,
        folder_id: r.guid(3)?,
        name: r.get(4)?,
        url: r.get(5)?,
        item_id: r.get(6)?,
        author_id: r.get(7)?,
        modified_by_id: r.get(8)?,
        time_created: r.time(9)?,
        time_last_modified: r.time(10)?,
        current: version_row(r, 11)?,
        has_alternate_streams: r.get(17)?,
    })
}

pub(super) fn folder_row(r: &Row<'_>) -> rusqlite::Result<Folder> {
    Ok(Folder {
        id: r.guid(0)?,
        web_id: r.guid(1)?,
        list_id: r.opt_guid(2)?,
        parent_id: r.opt_guid(3)?,
        name: r.get(4)?,
        url: r.get(5)?,
        item_id: r.get(6)?,
        item_count: r.get(7)?,
        time_created: r.time(8)?,
        time_last_modified: r.time(9)?,
    })
}

pub(super) fn item_row(r: &Row<'_>) -> rusqlite::Result<ListItem> {
    Ok(ListItem {
        list_id: r.guid(0)?,
        id: r.get(1)?,
        unique_id: r.guid(2)?,
        content_type_id: r.get(3)?,
        file_id: r.opt_guid(4)?,
        folder_id: r.opt_guid(5)?,
        author_id: r.get(6)?,
        editor_id: r.get(7)?,
        created: r.time(8)?,
        modified: r.time(9)?,
        moderation_status: r.get(10)?,
        version: r.get(11)?,
        parent_folder_id: r.opt_guid(12)?,
        fields: Vec::new(),
    })
}

/// [`Db::ensure_user`] inside a transaction of the caller's.
pub(super) fn ensure_user_in(tx: &rusqlite::Transaction<'_>, site_id: Uuid, user: &UserWrite) -> Result<i64, Error> {
    let site = site_id.to_string();
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM users WHERE site_id = ?1 AND login_name = ?2 COLLATE NOCASE",
            params![site, user.login_name],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = super::security::next_principal_id(tx, &site)?;
    tx.execute(
        "INSERT INTO users (site_id, id, login_name, title, email, is_site_admin, is_deleted, system_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![site, id, user.login_name, user.title, user.email, user.is_site_admin, user.is_deleted, user.system_id],
    )?;
    Ok(id)
}
