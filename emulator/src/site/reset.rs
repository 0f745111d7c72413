//! Forgetting: a site collection with everything in it (content, jobs and their events, the
//! record of storage provisioned for it), and the content bodies nothing refers to any more.

use std::collections::HashSet;

use uuid::Uuid;

use super::{Db, Error};

impl Db {
    /// Deletes site collections (all when `site_id` is `None`) and everything they hold;
    /// returns how many jobs went with them.
    pub fn delete_sites(&mut self, site_id: Option<Uuid>) -> Result<u64, Error> {
        let tx = self.conn.transaction()?;
        let site = site_id.map(|s| s.to_string());
        let jobs: i64 =
            tx.query_row("SELECT count(*) FROM jobs WHERE ?1 IS NULL OR site_id = ?1", [&site], |r| r.get(0))?;
        // Cascades reach every table; a list and its root folder refer to each other, so the
        // deferred checks run at commit.
        tx.execute("DELETE FROM site_collections WHERE ?1 IS NULL OR id = ?1", [&site])?;
        tx.commit()?;
        Ok(jobs as u64)
    }

    /// Every content hash a row still refers to (file versions, attachments, job logs).
    pub fn referenced_content(&self) -> Result<HashSet<String>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT content_sha256 FROM file_versions
             UNION SELECT content_sha256 FROM attachments
             UNION SELECT content_sha256 FROM job_log_files",
        )?;
        let rows = statement.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
