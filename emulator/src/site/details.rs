//! What a package says about files and items beyond their content and field values: file
//! properties, web parts, alternate streams, event receivers, links, item history and
//! attachments; and site content types. The service keeps these as data: nothing here acts
//! (no receiver fires, behaviour 127).

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::items::{Attachment, ItemVersion};
use super::{Db, Error, RowExt, to_text};

/// A package element kept as data on the object it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnotationKind {
    EventReceiver,
    Link,
}

impl AnnotationKind {
    fn as_str(self) -> &'static str {
        match self {
            AnnotationKind::EventReceiver => "event_receiver",
            AnnotationKind::Link => "link",
        }
    }
}

/// An event receiver or link: the package element's attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    pub kind: AnnotationKind,
    pub attributes: Value,
}

/// A web part on a page, as the package describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct WebPart {
    pub id: String,
    /// The class name without its namespace, e.g. `ContentEditorWebPart`.
    pub type_name: String,
    pub zone_id: String,
    /// The `WebPart` element: attributes and child elements as JSON.
    pub definition: Value,
}

/// A stream of a version besides its primary one (behaviour 128).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlternateStream {
    pub version: i64,
    pub name: String,
    pub content_sha256: String,
    pub size: i64,
}

/// Everything of a file besides its versions' primary content.
#[derive(Clone, Debug, Default)]
pub struct FileDetails {
    /// `Properties/Property` values by name.
    pub properties: Map<String, Value>,
    pub web_parts: Vec<WebPart>,
    pub annotations: Vec<Annotation>,
    pub alternate_streams: Vec<AlternateStream>,
}

/// One sharing of an item with one user (`SharedWithEvent` × `SharedWithMember`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedWith {
    pub shared_time: OffsetDateTime,
    pub initiator_id: Option<i64>,
    pub shared_by_id: Option<i64>,
    pub member_id: i64,
}

/// A receiving user gets at most this many "Shared with Me" events a day (behaviour 158).
pub const SHARED_WITH_ME_PER_DAY: i64 = 1000;

/// Everything of a list item besides its own fields.
#[derive(Clone, Debug, Default)]
pub struct ItemDetails {
    pub versions: Vec<ItemVersion>,
    pub attachments: Vec<Attachment>,
    pub annotations: Vec<Annotation>,
    pub shared_with: Vec<SharedWith>,
    /// `Field/@Type` of the item's own values, by field name.
    pub field_types: Vec<(String, String)>,
    /// When the import delivers the sharing events: the quota's clock.
    pub delivered: Option<OffsetDateTime>,
}

/// A content type of a site (scope `None`) or of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentType {
    pub id: String,
    pub name: String,
    pub group: String,
}

impl Db {
    /// Adds or updates a content type, keeping the package's id (behaviour 115).
    pub fn put_content_type(&mut self, site_id: Uuid, list: Option<Uuid>, ct: &ContentType) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO content_types (site_id, scope, id, name, group_name) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (site_id, scope, id) DO UPDATE SET name = ?4, group_name = ?5",
            params![site_id.to_string(), scope_of(list), ct.id, ct.name, ct.group],
        )?;
        Ok(())
    }

    /// The content types of the site (`None`) or a list, by id.
    pub fn content_types(&self, site_id: Uuid, list: Option<Uuid>) -> Result<Vec<ContentType>, Error> {
        let mut statement = self
            .conn
            .prepare("SELECT id, name, group_name FROM content_types WHERE site_id = ?1 AND scope = ?2 ORDER BY id")?;
        let rows = statement.query_map(params![site_id.to_string(), scope_of(list)], |r| {
            Ok(ContentType { id: r.get(0)?, name: r.get(1)?, group: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn web_parts(&self, file_id: Uuid) -> Result<Vec<WebPart>, Error> {
        let mut statement = self
            .conn
            .prepare("SELECT id, type_name, zone_id, definition FROM web_parts WHERE file_id = ?1 ORDER BY ordinal")?;
        let rows = statement.query_map([file_id.to_string()], |r| {
            Ok(WebPart { id: r.get(0)?, type_name: r.get(1)?, zone_id: r.get(2)?, definition: r.json(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The event receivers or links of a file or list item (by its unique id).
    pub fn annotations(&self, object_id: Uuid, kind: AnnotationKind) -> Result<Vec<Annotation>, Error> {
        let mut statement = self
            .conn
            .prepare("SELECT attributes FROM object_annotations WHERE object_id = ?1 AND kind = ?2 ORDER BY ordinal")?;
        let rows = statement.query_map(params![object_id.to_string(), kind.as_str()], |r| {
            Ok(Annotation { kind, attributes: r.json(0)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn alternate_streams(&self, file_id: Uuid) -> Result<Vec<AlternateStream>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT version, name, content_sha256, size FROM file_alternate_streams WHERE file_id = ?1
             ORDER BY version, name",
        )?;
        let rows = statement.query_map([file_id.to_string()], |r| {
            Ok(AlternateStream { version: r.get(0)?, name: r.get(1)?, content_sha256: r.get(2)?, size: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A file's `Properties`, as the package gave them.
    pub fn file_properties(&self, file_id: Uuid) -> Result<Map<String, Value>, Error> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT properties FROM files WHERE id = ?1", [file_id.to_string()], |r| r.get(0))
            .optional()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
    }

    /// The package's `Type` of each of an item's field values that had one, by field name.
    pub fn field_types(&self, list_id: Uuid, item_id: i64) -> Result<Vec<(String, String)>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT name, field_type FROM list_item_fields
             WHERE list_id = ?1 AND item_id = ?2 AND field_type IS NOT NULL ORDER BY name",
        )?;
        let rows = statement.query_map(params![list_id.to_string(), item_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes the folder (with what it holds), file or list item with this id, as an
    /// `IsDeleted` object asks; whether there was one.
    pub fn delete_object(&mut self, id: Uuid) -> Result<bool, Error> {
        let tx = self.conn.transaction()?;
        let id = id.to_string();
        let mut deleted = 0;
        // A folder's contents go with it; their items are the folders' and files' own.
        let doomed_folders =
            "WITH RECURSIVE doomed(id) AS (SELECT id FROM folders WHERE id = ?1 AND parent_id IS NOT NULL
                 UNION ALL SELECT f.id FROM folders f JOIN doomed d ON f.parent_id = d.id)";
        deleted += tx.execute(
            &format!(
                "{doomed_folders} DELETE FROM list_items WHERE folder_id IN (SELECT id FROM doomed)
                   OR file_id IN (SELECT f.id FROM files f WHERE f.folder_id IN (SELECT id FROM doomed))"
            ),
            [&id],
        )?;
        deleted +=
            tx.execute(&format!("{doomed_folders} DELETE FROM folders WHERE id IN (SELECT id FROM doomed)"), [&id])?;
        deleted += tx.execute("DELETE FROM list_items WHERE file_id = ?1 OR unique_id = ?1", [&id])?;
        deleted += tx.execute("DELETE FROM files WHERE id = ?1", [&id])?;
        // What belonged to the deleted objects and their contents goes with them.
        tx.execute(
            "DELETE FROM object_annotations WHERE object_id NOT IN (SELECT id FROM files)
               AND object_id NOT IN (SELECT unique_id FROM list_items)",
            [],
        )?;
        tx.execute(
            "DELETE FROM security_scopes
             WHERE (object_kind = 'file' AND object_id NOT IN (SELECT id FROM files))
                OR (object_kind = 'folder' AND object_id NOT IN (SELECT id FROM folders))
                OR (object_kind = 'item' AND object_id NOT IN (SELECT unique_id FROM list_items))",
            [],
        )?;
        tx.commit()?;
        Ok(deleted > 0)
    }
}

fn scope_of(list: Option<Uuid>) -> String {
    list.map(|l| l.to_string()).unwrap_or_default()
}

/// Replaces a file's properties, web parts, annotations and alternate streams; inside the
/// transaction that writes the file, after its versions.
pub(super) fn write_file_details(tx: &Transaction<'_>, file_id: Uuid, details: &FileDetails) -> Result<(), Error> {
    let file = file_id.to_string();
    tx.execute(
        "UPDATE files SET properties = ?2 WHERE id = ?1",
        params![file, Value::Object(details.properties.clone()).to_string()],
    )?;
    tx.execute("DELETE FROM web_parts WHERE file_id = ?1", [&file])?;
    for (ordinal, part) in details.web_parts.iter().enumerate() {
        tx.execute(
            "INSERT INTO web_parts (file_id, ordinal, id, type_name, zone_id, definition) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![file, ordinal as i64, part.id, part.type_name, part.zone_id, part.definition.to_string()],
        )?;
    }
    for stream in &details.alternate_streams {
        tx.execute(
            "INSERT INTO file_alternate_streams (file_id, version, name, content_sha256, size) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (file_id, version, name) DO UPDATE SET content_sha256 = ?4, size = ?5",
            params![file, stream.version, stream.name, stream.content_sha256, stream.size],
        )?;
    }
    let site: String =
        tx.query_row("SELECT w.site_id FROM files f JOIN webs w ON w.id = f.web_id WHERE f.id = ?1", [&file], |r| {
            r.get(0)
        })?;
    write_annotations(tx, &site, &file, &details.annotations)
}

/// Replaces a list item's history, attachments and annotations and delivers its sharing
/// events, inside the transaction that writes the item; the users whose daily quota of
/// sharing events was spent, whose further events were dropped (behaviour 158).
pub(super) fn write_item_details(
    tx: &Transaction<'_>,
    list_id: Uuid,
    item_id: i64,
    unique_id: Uuid,
    details: &ItemDetails,
) -> Result<Vec<i64>, Error> {
    let list = list_id.to_string();
    tx.execute("DELETE FROM list_item_versions WHERE list_id = ?1 AND item_id = ?2", params![list, item_id])?;
    for version in &details.versions {
        let fields: Map<String, Value> = version
            .fields
            .iter()
            .map(|(name, value)| (name.clone(), value.clone().map_or(Value::Null, Value::String)))
            .collect();
        tx.execute(
            "INSERT INTO list_item_versions (list_id, item_id, version, created, editor_id, fields)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (list_id, item_id, version) DO UPDATE SET created = ?4, editor_id = ?5, fields = ?6",
            params![
                list,
                item_id,
                version.version,
                to_text(version.created),
                version.editor_id,
                Value::Object(fields).to_string()
            ],
        )?;
    }
    for (name, field_type) in &details.field_types {
        tx.execute(
            "UPDATE list_item_fields SET field_type = ?4 WHERE list_id = ?1 AND item_id = ?2 AND name = ?3",
            params![list, item_id, name, field_type],
        )?;
    }
    tx.execute("DELETE FROM attachments WHERE list_id = ?1 AND item_id = ?2", params![list, item_id])?;
    for attachment in &details.attachments {
        tx.execute(
            "INSERT INTO attachments (list_id, item_id, file_name, content_sha256, size) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (list_id, item_id, file_name) DO UPDATE SET content_sha256 = ?4, size = ?5",
            params![list, item_id, attachment.file_name, attachment.content_sha256, attachment.size],
        )?;
    }
    let site: String =
        tx.query_row("SELECT w.site_id FROM lists l JOIN webs w ON w.id = l.web_id WHERE l.id = ?1", [&list], |r| {
            r.get(0)
        })?;
    write_annotations(tx, &site, &unique_id.to_string(), &details.annotations)?;
    deliver_shared_with(tx, &site, unique_id, details)
}

fn deliver_shared_with(tx: &Transaction<'_>, site: &str, item: Uuid, details: &ItemDetails) -> Result<Vec<i64>, Error> {
    let mut throttled = Vec::new();
    let Some(delivered) = details.delivered else { return Ok(throttled) };
    let since = to_text(delivered - time::Duration::days(1));
    for event in &details.shared_with {
        let received: i64 = tx.query_row(
            "SELECT count(*) FROM shared_with_events WHERE site_id = ?1 AND member_id = ?2 AND delivered > ?3",
            params![site, event.member_id, since],
            |r| r.get(0),
        )?;
        if received >= SHARED_WITH_ME_PER_DAY {
            if !throttled.contains(&event.member_id) {
                throttled.push(event.member_id);
            }
            continue;
        }
        tx.execute(
            "INSERT INTO shared_with_events (site_id, object_id, shared_time, initiator_id, shared_by_id, member_id, delivered)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                site,
                item.to_string(),
                to_text(event.shared_time),
                event.initiator_id,
                event.shared_by_id,
                event.member_id,
                to_text(delivered)
            ],
        )?;
    }
    Ok(throttled)
}

impl Db {
    /// How many "Shared with Me" events a user of the site has received.
    pub fn shared_with_count(&self, site_id: Uuid, member_id: i64) -> Result<i64, Error> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM shared_with_events WHERE site_id = ?1 AND member_id = ?2",
            params![site_id.to_string(), member_id],
            |r| r.get(0),
        )?)
    }
}

fn write_annotations(tx: &Transaction<'_>, site: &str, object: &str, annotations: &[Annotation]) -> Result<(), Error> {
    tx.execute("DELETE FROM object_annotations WHERE object_id = ?1", [object])?;
    for (ordinal, annotation) in annotations.iter().enumerate() {
        tx.execute(
            "INSERT INTO object_annotations (site_id, object_id, kind, ordinal, attributes) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![site, object, annotation.kind.as_str(), ordinal as i64, annotation.attributes.to_string()],
        )?;
    }
    Ok(())
}
