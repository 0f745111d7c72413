//! Reads for the REST read-back of list items: a list's items with their field values in one
//! pass, item history, attachments and the site's users.

use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::model::{ListItem, User};
use super::objects::item_row;
use super::{Db, Error, RowExt};

/// A list item as the REST layer shows it: the row, whether it has attachments, and the URL
/// and leaf name of its file or folder (`FileRef`, `FileLeafRef`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemView {
    pub item: ListItem,
    pub has_attachments: bool,
    pub url: Option<String>,
    pub leaf: Option<String>,
    /// The package's `Type` of the fields that had one (`Number`, `User`…), by name.
    pub field_types: Vec<(String, String)>,
}

/// An earlier version of an item, from `list_item_versions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemVersion {
    /// major × 512 + minor, as for files.
    pub version: i64,
    pub created: OffsetDateTime,
    pub editor_id: Option<i64>,
    pub fields: Vec<(String, Option<String>)>,
}

/// One attachment of an item; its body is in the content store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub content_sha256: String,
    pub size: i64,
}

/// Extra columns after [`ITEM_COLUMNS`]: attachments, then the file's or folder's URL and name.
const VIEW_COLUMNS: &str = ", EXISTS (SELECT 1 FROM attachments a WHERE a.list_id = i.list_id AND a.item_id = i.id),
           coalesce(f.server_relative_url, d.server_relative_url), coalesce(f.name, d.name)";
const VIEW_JOINS: &str = " i LEFT JOIN files f ON f.id = i.file_id LEFT JOIN folders d ON d.id = i.folder_id";

impl Db {
    /// Every item of a list in id order, with field values.
    pub fn list_items(&self, list_id: Uuid) -> Result<Vec<ItemView>, Error> {
        let list = list_id.to_string();
        let sql =
            format!("{ITEM_COLUMNS}{VIEW_COLUMNS} FROM list_items{VIEW_JOINS} WHERE i.list_id = ?1 ORDER BY i.id");
        let mut views: Vec<ItemView> =
            self.conn.prepare(&sql)?.query_map([&list], view_row)?.collect::<Result<_, _>>()?;
        let mut statement = self.conn.prepare(
            "SELECT item_id, name, value, field_type FROM list_item_fields WHERE list_id = ?1 ORDER BY item_id, name",
        )?;
        let rows = statement
            .query_map([&list], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<String>>(3)?)))?;
        // Both queries are in id order, so fields are dealt out in one walk.
        let mut at = 0;
        for row in rows {
            let (item_id, name, value, field_type): (i64, String, Option<String>, Option<String>) = row?;
            while at < views.len() && views[at].item.id < item_id {
                at += 1;
            }
            if let Some(view) = views.get_mut(at).filter(|v| v.item.id == item_id) {
                if let Some(field_type) = field_type {
                    view.field_types.push((name.clone(), field_type));
                }
                view.item.fields.push((name, value));
            }
        }
        Ok(views)
    }

    /// One item of a list with field values.
    pub fn item_view(&self, list_id: Uuid, id: i64) -> Result<Option<ItemView>, Error> {
        let sql =
            format!("{ITEM_COLUMNS}{VIEW_COLUMNS} FROM list_items{VIEW_JOINS} WHERE i.list_id = ?1 AND i.id = ?2");
        let Some(mut view) = self.conn.query_row(&sql, params![list_id.to_string(), id], view_row).optional()? else {
            return Ok(None);
        };
        let mut statement = self
            .conn
            .prepare("SELECT name, value FROM list_item_fields WHERE list_id = ?1 AND item_id = ?2 ORDER BY name")?;
        let rows = statement.query_map(params![list_id.to_string(), id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        view.item.fields = rows.collect::<Result<_, _>>()?;
        view.field_types = self.field_types(list_id, id)?;
        Ok(Some(view))
    }

    /// The earlier versions of an item, oldest first (the current one is the item itself).
    pub fn item_versions(&self, list_id: Uuid, id: i64) -> Result<Vec<ItemVersion>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT version, created, editor_id, fields FROM list_item_versions
             WHERE list_id = ?1 AND item_id = ?2 ORDER BY version",
        )?;
        let rows = statement.query_map(params![list_id.to_string(), id], |r| {
            let fields: String = r.get(3)?;
            Ok(ItemVersion {
                version: r.get(0)?,
                created: r.time(1)?,
                editor_id: r.get(2)?,
                fields: json_fields(&fields),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The attachments of an item, by file name.
    pub fn attachments(&self, list_id: Uuid, id: i64) -> Result<Vec<Attachment>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT file_name, content_sha256, size FROM attachments
             WHERE list_id = ?1 AND item_id = ?2 ORDER BY file_name COLLATE NOCASE",
        )?;
        let rows = statement.query_map(params![list_id.to_string(), id], |r| {
            Ok(Attachment { file_name: r.get(0)?, content_sha256: r.get(1)?, size: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The live users of a site collection, by id.
    pub fn site_users(&self, site_id: Uuid) -> Result<Vec<User>, Error> {
        let sql = format!("{USER_SELECT} WHERE site_id = ?1 AND is_deleted = 0 ORDER BY id");
        let rows = self.conn.prepare(&sql)?.query_map([site_id.to_string()], user_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// A live user by login or by e-mail address (both case-insensitive).
    pub fn site_user_by(&self, site_id: Uuid, column: UserKey, value: &str) -> Result<Option<User>, Error> {
        let column = match column {
            UserKey::Login => "login_name",
            UserKey::Email => "email",
        };
        let sql = format!("{USER_SELECT} WHERE site_id = ?1 AND {column} = ?2 COLLATE NOCASE AND is_deleted = 0");
        Ok(self.conn.query_row(&sql, params![site_id.to_string(), value], user_row).optional()?)
    }
}

/// How [`Db::site_user_by`] finds a user.
#[derive(Clone, Copy, Debug)]
pub enum UserKey {
    Login,
    Email,
}

pub(super) const USER_SELECT: &str = "SELECT id, login_name, title, email, is_site_admin, is_deleted FROM users";

pub(super) fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        login_name: r.get(1)?,
        title: r.get(2)?,
        email: r.get(3)?,
        is_site_admin: r.get(4)?,
        is_deleted: r.get(5)?,
    })
}

/// The columns [`item_row`] reads, qualified by the alias `i` so they can be joined.
const ITEM_COLUMNS: &str =
    "SELECT i.list_id, i.id, i.unique_id, i.content_type_id, i.file_id, i.folder_id, i.author_id,
           i.editor_id, i.created, i.modified, i.moderation_status, i.version, i.parent_folder_id";

fn view_row(r: &Row<'_>) -> rusqlite::Result<ItemView> {
    Ok(ItemView {
        item: item_row(r)?,
        has_attachments: r.get(13)?,
        url: r.get(14)?,
        leaf: r.get(15)?,
        field_types: Vec::new(),
    })
}

/// A version's `fields` JSON object as name/value pairs in name order; non-string values keep
/// their JSON spelling.
fn json_fields(text: &str) -> Vec<(String, Option<String>)> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    let mut fields: Vec<_> = map
        .into_iter()
        .map(|(name, value)| {
            let value = match value {
                Value::Null => None,
                Value::String(s) => Some(s),
                other => Some(other.to_string()),
            };
            (name, value)
        })
        .collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    fields
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::Store;
    use super::super::details::ItemDetails;
    use super::super::spec::SiteSpec;
    use super::*;
    use time::macros::datetime;

    /// A store with the default site and a list whose items have fields, history and attachments.
    pub(crate) fn store_with_items() -> (Store, Uuid) {
        let store = Store::open(None).unwrap();
        let now = datetime!(2024-03-01 10:00 UTC);
        let plan = SiteSpec::named("/sites/dev", "Dev").plan().unwrap();
        let outcome = store.blocking(|db| db.apply_site(&plan, now)).unwrap();
        let docs = store.blocking(|db| db.lists_of_web(outcome.root_web_id)).unwrap().remove(0);
        store.blocking(|db| {
            for id in 1..=3 {
                // Item 1 has a history and two attachments.
                let details = match id {
                    1 => ItemDetails {
                        versions: vec![ItemVersion {
                            version: 512,
                            created: datetime!(2024-02-01 10:00 UTC),
                            editor_id: Some(1_073_741_823),
                            fields: vec![("Title".into(), Some("first".into())), ("Count".into(), Some("3".into()))],
                        }],
                        attachments: ["b.txt", "A.txt"]
                            .map(|name| Attachment { file_name: name.into(), content_sha256: "abc".into(), size: 5 })
                            .to_vec(),
                        ..ItemDetails::default()
                    },
                    _ => ItemDetails::default(),
                };
                db.put_list_item(
                    &ListItem {
                        list_id: docs.id,
                        id,
                        unique_id: Uuid::from_u128(id as u128),
                        content_type_id: "0x01".into(),
                        file_id: None,
                        folder_id: None,
                        parent_folder_id: None,
                        author_id: Some(1_073_741_823),
                        editor_id: Some(1_073_741_823),
                        created: now,
                        modified: now,
                        moderation_status: if id == 2 { 2 } else { 0 },
                        version: 1024,
                        fields: vec![("Title".into(), Some(format!("item {id}"))), ("My Field".into(), None)],
                    },
                    &details,
                )
                .unwrap();
            }
        });
        (store, docs.id)
    }

    #[test]
    fn items_come_with_fields_history_and_attachments() {
        let (store, list) = store_with_items();
        let items = store.blocking(|db| db.list_items(list)).unwrap();
        assert_eq!(items.iter().map(|v| v.item.id).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(items[1].item.fields, [("My Field".into(), None), ("Title".into(), Some("item 2".into()))]);
        assert!(items[0].has_attachments && !items[1].has_attachments);
        assert_eq!(store.blocking(|db| db.item_view(list, 3)).unwrap().unwrap(), items[2]);
        assert!(store.blocking(|db| db.item_view(list, 9)).unwrap().is_none());

        let history = store.blocking(|db| db.item_versions(list, 1)).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].fields, [("Count".into(), Some("3".into())), ("Title".into(), Some("first".into()))]);
        let names: Vec<_> =
            store.blocking(|db| db.attachments(list, 1)).unwrap().into_iter().map(|a| a.file_name).collect();
        assert_eq!(names, ["A.txt", "b.txt"]);
    }

    #[test]
    fn site_users_by_login_and_email() {
        let (store, _) = store_with_items();
        let site = store.blocking(|db| db.sites()).unwrap().remove(0);
        let users = store.blocking(|db| db.site_users(site.id)).unwrap();
        assert!(users.iter().any(|u| u.login_name == "SHAREPOINT\\system"));
        let system = store.blocking(|db| db.site_user_by(site.id, UserKey::Login, "sharepoint\\SYSTEM")).unwrap();
        assert_eq!(system.unwrap().id, 1_073_741_823);
        assert!(store.blocking(|db| db.site_user_by(site.id, UserKey::Email, "nobody@x")).unwrap().is_none());
    }
}
