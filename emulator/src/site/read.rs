//! Queries the REST layer needs to find and describe sites, webs, lists and folders.

use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::model::{Folder, List, SiteCollection, Web};
use super::objects::{FOLDER_SELECT, folder_row};
use super::{Db, Error, RowExt};

const SITE_COLUMNS: &str = "id, server_relative_url, root_web_id, created, no_script";
const WEB_COLUMNS: &str = "id, site_id, parent_web_id, server_relative_url, title, description, \
                           web_template, configuration, language, created, last_modified";
const LIST_SELECT: &str = "SELECT l.id, l.web_id, l.title, l.description, l.base_template, l.base_type, l.hidden,
           l.enable_versioning, l.enable_minor_versions, l.root_folder_id, f.server_relative_url,
           (SELECT count(*) FROM list_items i WHERE i.list_id = l.id), l.created, l.last_modified
    FROM lists l JOIN folders f ON f.id = l.root_folder_id";
impl Db {
    pub fn sites(&self) -> Result<Vec<SiteCollection>, Error> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM site_collections ORDER BY server_relative_url");
        collect(self.conn.prepare(&sql)?.query_map([], site_row)?)
    }

    pub fn site(&self, id: Uuid) -> Result<Option<SiteCollection>, Error> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM site_collections WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id.to_string()], site_row).optional()?)
    }

    /// The web at exactly this server-relative URL (case-insensitive), with its site collection.
    pub fn web_by_url(&self, url: &str) -> Result<Option<(SiteCollection, Web)>, Error> {
        let sql = format!("SELECT {WEB_COLUMNS} FROM webs WHERE server_relative_url = ?1");
        let Some(web) = self.conn.query_row(&sql, [url], web_row).optional()? else {
            return Ok(None);
        };
        let site = self.site(web.site_id)?.expect("foreign key keeps a web's site collection");
        Ok(Some((site, web)))
    }

    pub fn web(&self, id: Uuid) -> Result<Option<Web>, Error> {
        let sql = format!("SELECT {WEB_COLUMNS} FROM webs WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id.to_string()], web_row).optional()?)
    }

    pub fn lists_of_web(&self, web_id: Uuid) -> Result<Vec<List>, Error> {
        let sql = format!("{LIST_SELECT} WHERE l.web_id = ?1 ORDER BY l.title COLLATE NOCASE");
        collect(self.conn.prepare(&sql)?.query_map([web_id.to_string()], list_row)?)
    }

    /// A list of the web by id.
    pub fn list(&self, web_id: Uuid, id: Uuid) -> Result<Option<List>, Error> {
        let sql = format!("{LIST_SELECT} WHERE l.web_id = ?1 AND l.id = ?2");
        Ok(self.conn.query_row(&sql, params![web_id.to_string(), id.to_string()], list_row).optional()?)
    }

    /// A list of the web by title (case-insensitive, as `getbytitle` is).
    pub fn list_by_title(&self, web_id: Uuid, title: &str) -> Result<Option<List>, Error> {
        let sql = format!("{LIST_SELECT} WHERE l.web_id = ?1 AND l.title = ?2 COLLATE NOCASE");
        Ok(self.conn.query_row(&sql, params![web_id.to_string(), title], list_row).optional()?)
    }

    pub fn folder(&self, id: Uuid) -> Result<Option<Folder>, Error> {
        let sql = format!("{FOLDER_SELECT} WHERE f.id = ?1");
        Ok(self.conn.query_row(&sql, [id.to_string()], folder_row).optional()?)
    }
}

fn collect<T>(rows: impl Iterator<Item = rusqlite::Result<T>>) -> Result<Vec<T>, Error> {
    Ok(rows.collect::<rusqlite::Result<Vec<T>>>()?)
}

fn site_row(r: &Row<'_>) -> rusqlite::Result<SiteCollection> {
    Ok(SiteCollection {
        id: r.guid(0)?,
        url: r.get(1)?,
        root_web_id: r.guid(2)?,
        created: r.time(3)?,
        no_script: r.get(4)?,
    })
}

fn web_row(r: &Row<'_>) -> rusqlite::Result<Web> {
    Ok(Web {
        id: r.guid(0)?,
        site_id: r.guid(1)?,
        parent_web_id: r.opt_guid(2)?,
        url: r.get(3)?,
        title: r.get(4)?,
        description: r.get(5)?,
        web_template: r.get(6)?,
        configuration: r.get(7)?,
        language: r.get(8)?,
        created: r.time(9)?,
        last_modified: r.time(10)?,
    })
}

fn list_row(r: &Row<'_>) -> rusqlite::Result<List> {
    Ok(List {
        id: r.guid(0)?,
        web_id: r.guid(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        base_template: r.get(4)?,
        base_type: r.get(5)?,
        hidden: r.get(6)?,
        enable_versioning: r.get(7)?,
        enable_minor_versions: r.get(8)?,
        root_folder_id: r.guid(9)?,
        url: r.get(10)?,
        item_count: r.get(11)?,
        created: r.time(12)?,
        last_modified: r.time(13)?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::spec::{SiteSpec, WebSpec};
    use super::super::{Error, Store};
    use time::macros::datetime;

    #[test]
    fn provisioning_is_idempotent_and_readable() {
        let store = Store::open(None).unwrap();
        let now = datetime!(2026-11-25 01:02:03.456 UTC);
        let plan = SiteSpec::named("/sites/dev", "Dev").plan().unwrap();
        let first = store.blocking(|db| db.apply_site(&plan, now)).unwrap();
        assert_eq!(first.created.len(), 3, "{:?}", first.created);
        let again = store.blocking(|db| db.apply_site(&plan, now)).unwrap();
        assert!(again.created.is_empty());
        assert_eq!(again.root_web_id, first.root_web_id);

        let (site, web) = store.blocking(|db| db.web_by_url("/SITES/DEV")).unwrap().unwrap();
        assert_eq!(site.id, plan.id);
        assert_eq!(web.title, "Dev");
        assert_eq!(web.created, now);
        let lists = store.blocking(|db| db.lists_of_web(web.id)).unwrap();
        assert_eq!(lists.len(), 2);
        let docs = store.blocking(|db| db.list_by_title(web.id, "documents")).unwrap().unwrap();
        assert_eq!((docs.base_template, docs.base_type, docs.item_count), (101, 1, 0));
        let root = store.blocking(|db| db.folder(docs.root_folder_id)).unwrap().unwrap();
        assert_eq!(root.url, "/sites/dev/Shared Documents");
        assert_eq!(root.name, "Shared Documents");
    }

    #[test]
    fn conflicting_declarations_change_nothing() {
        let store = Store::open(None).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let plan = SiteSpec::named("/sites/dev", "Dev").plan().unwrap();
        store.blocking(|db| db.apply_site(&plan, now)).unwrap();

        let mut other = SiteSpec::named("/sites/dev", "Dev");
        other.id = Some(uuid::Uuid::from_u128(1));
        let err = store.blocking(|db| db.apply_site(&other.plan().unwrap(), now)).unwrap_err();
        assert!(matches!(&err, Error::Conflict(m) if m.contains("already exists at '/sites/dev'")), "{err}");

        // A new site whose sub-web clashes with nothing, but whose root is an existing web.
        let mut with_web = SiteSpec::named("/sites/two", "Two");
        with_web.web.push(WebSpec { url: "/sites/two/a".into(), ..Default::default() });
        store.blocking(|db| db.apply_site(&with_web.plan().unwrap(), now)).unwrap();
        let nested = SiteSpec::named("/sites/two/a", "Nested").plan().unwrap();
        let err = store.blocking(|db| db.apply_site(&nested, now)).unwrap_err();
        assert!(err.to_string().contains("is already a web of the site collection"), "{err}");
        assert_eq!(store.blocking(|db| db.sites()).unwrap().len(), 2);
    }
}
