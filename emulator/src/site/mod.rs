//! The SharePoint site model in SQLite, and the only code that writes SQL.
//!
//! # Schema (`migrations/`: 0001 site model, 0002 event publication, 0003 hints and provisioning, 0004 item lookups, 0005 object details)
//!
//! | table | holds |
//! | --- | --- |
//! | `site_collections` | id, server-relative URL, root web, next principal id |
//! | `webs` | webs of a site collection (root web has no parent), template, language |
//! | `lists` | lists and libraries of a web: template, base type, root folder, next item id |
//! | `folders` | every folder incl. list root folders; `item_id` is the folder's list item |
//! | `files` / `file_versions` | files and all their versions; bodies are in the content store |
//! | `list_items` / `list_item_fields` / `list_item_versions` | items with integer ids preserved, field values, history |
//! | `attachments` | item attachments (bodies in the content store) |
//! | `users`, `groups`, `group_members` | site principals, System Account included |
//! | `role_definitions`, `security_scopes`, `role_assignments` | permissions; an object with a scope row has unique permissions |
//! | `content_types` | site (scope `''`) and list content types, ids preserved |
//! | `file_alternate_streams`, `web_parts`, `object_annotations` | a version's alternate streams, a page's web parts, event receivers and links of files and items (version 5) |
//! | `jobs`, `job_events`, `job_log_files` | migration jobs, every event they emitted, their log files |
//! | `provisioned_resources` | containers and queues the emulator provisioned, per site collection (version 3) |
//!
//! GUIDs are stored lowercase and hyphenated; times as RFC 3339 UTC text with milliseconds;
//! URLs server-relative with `NOCASE` collation, because SharePoint URLs are case-insensitive.
//!
//! # Concurrency
//!
//! One connection behind a mutex. HTTP handlers reach it through [`Store::call`], which runs the
//! closure on tokio's blocking pool so a long import transaction never stalls the async
//! workers. Every multi-row change runs in one transaction, so readers never see half an object.

pub mod content;
pub mod declared;
pub mod details;
pub mod items;
pub mod jobs;
pub mod model;
pub mod objects;
mod provision;
pub mod provisioned;
mod read;
mod reset;
pub mod schema;
pub mod security;
pub mod seed_file;
pub mod spec;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub use content::ContentStore;
pub use provision::SiteOutcome;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database was written by a newer emulator (schema version {found}; this build knows up to {supported})"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("{0}")]
    Conflict(String),
    /// The id belongs to an object of another site collection: the site model keeps each
    /// GUID once, so the import may not take that object over.
    #[error("the id {0} is used by an object of another site collection")]
    IdOfAnotherSite(Uuid),
    #[error("content store: {0}")]
    Io(#[from] std::io::Error),
}

/// The synchronous database handle; all SQL lives in this module's files.
pub struct Db {
    conn: Connection,
}

/// A cloneable, async-friendly handle on the site model and its content store.
#[derive(Clone)]
pub struct Store {
    db: Arc<Mutex<Db>>,
    content: ContentStore,
    // Keeps the temporary content directory of an in-memory store alive as long as any handle.
    _scratch: Option<Arc<tempfile::TempDir>>,
}

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "spmig.sqlite3";

impl Store {
    /// Opens (creating and migrating as needed) the store in `data`, or a throwaway one in
    /// memory when `data` is `None`.
    pub fn open(data: Option<&Path>) -> Result<Self, Error> {
        let (mut conn, content, scratch) = match data {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let conn = Connection::open(dir.join(DATABASE_FILE))?;
                (conn, ContentStore::open(dir.join("content"))?, None)
            }
            None => {
                let scratch = tempfile::Builder::new().prefix("spmig-content-").tempdir()?;
                let content = ContentStore::open(scratch.path())?;
                (Connection::open_in_memory()?, content, Some(Arc::new(scratch)))
            }
        };
        schema::prepare(&mut conn, data.is_some())?;
        Ok(Store { db: Arc::new(Mutex::new(Db { conn })), content, _scratch: scratch })
    }

    /// Runs `f` with the database on the blocking pool.
    pub async fn call<R, F>(&self, f: F) -> R
    where
        F: FnOnce(&mut Db) -> R + Send + 'static,
        R: Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&db)))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// Runs `f` with the database on the current thread (for startup and tests).
    pub fn blocking<R>(&self, f: impl FnOnce(&mut Db) -> R) -> R {
        f(&mut lock(&self.db))
    }

    pub fn content(&self) -> &ContentStore {
        &self.content
    }
}

fn lock(db: &Mutex<Db>) -> std::sync::MutexGuard<'_, Db> {
    // A panic inside a closure rolled its transaction back; the connection is still sound.
    db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Db {
    /// A trivial query, for the readiness probe.
    pub fn ping(&self) -> Result<(), Error> {
        self.conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }
}

/// Formats a time as stored: RFC 3339, UTC, milliseconds.
pub(crate) fn to_text(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let at = at.replace_nanosecond(at.millisecond() as u32 * 1_000_000).expect("valid nanosecond");
    at.format(&Rfc3339).expect("UTC times always format")
}

fn from_text(idx: usize, text: String) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::parse(&text, &Rfc3339)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e)))
}

fn guid(idx: usize, text: String) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e)))
}

/// Column readers that turn stored text back into typed values.
trait RowExt {
    fn guid(&self, idx: usize) -> rusqlite::Result<Uuid>;
    fn opt_guid(&self, idx: usize) -> rusqlite::Result<Option<Uuid>>;
    fn time(&self, idx: usize) -> rusqlite::Result<OffsetDateTime>;
    fn opt_time(&self, idx: usize) -> rusqlite::Result<Option<OffsetDateTime>>;
    fn json<T: serde::de::DeserializeOwned>(&self, idx: usize) -> rusqlite::Result<T>;
}

impl RowExt for rusqlite::Row<'_> {
    fn guid(&self, idx: usize) -> rusqlite::Result<Uuid> {
        guid(idx, self.get(idx)?)
    }
    fn opt_guid(&self, idx: usize) -> rusqlite::Result<Option<Uuid>> {
        self.get::<_, Option<String>>(idx)?.map(|t| guid(idx, t)).transpose()
    }
    fn time(&self, idx: usize) -> rusqlite::Result<OffsetDateTime> {
        from_text(idx, self.get(idx)?)
    }
    fn opt_time(&self, idx: usize) -> rusqlite::Result<Option<OffsetDateTime>> {
        self.get::<_, Option<String>>(idx)?.map(|t| from_text(idx, t)).transpose()
    }
    fn json<T: serde::de::DeserializeOwned>(&self, idx: usize) -> rusqlite::Result<T> {
        let text: String = self.get(idx)?;
        serde_json::from_str(&text)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e)))
    }
}
