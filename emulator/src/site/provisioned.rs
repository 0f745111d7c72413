//! The containers and queues the emulator created for ProvisionMigrationContainers and
//! ProvisionMigrationQueue: they change the SAS and encryption rules at job creation
//! (behaviours 20, 21), and a reset deletes them from storage.

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Db, Error, to_text};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    Container,
    Queue,
}

impl ResourceKind {
    fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Container => "container",
            ResourceKind::Queue => "queue",
        }
    }
}

impl Db {
    pub fn record_provisioned(
        &mut self,
        kind: ResourceKind,
        name: &str,
        site_id: Uuid,
        at: OffsetDateTime,
    ) -> Result<(), Error> {
        self.conn.execute(
            "INSERT OR IGNORE INTO provisioned_resources (kind, name, site_id, created) VALUES (?1, ?2, ?3, ?4)",
            params![kind.as_str(), name, site_id.to_string(), to_text(at)],
        )?;
        Ok(())
    }

    pub fn is_provisioned(&self, kind: ResourceKind, name: &str) -> Result<bool, Error> {
        let found = self
            .conn
            .query_row(
                "SELECT 1 FROM provisioned_resources WHERE kind = ?1 AND name = ?2",
                params![kind.as_str(), name],
                |_| Ok(()),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// What was provisioned for one site collection, or for all.
    pub fn provisioned(&self, site_id: Option<Uuid>) -> Result<Vec<(ResourceKind, String)>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT kind, name FROM provisioned_resources WHERE ?1 IS NULL OR site_id = ?1 ORDER BY created, name",
        )?;
        let rows = statement.query_map([site_id.map(|s| s.to_string())], |r| {
            let kind = if r.get::<_, String>(0)? == "queue" { ResourceKind::Queue } else { ResourceKind::Container };
            Ok((kind, r.get(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
