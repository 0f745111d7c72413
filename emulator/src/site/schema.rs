//! Schema migrations, versioned in code: migration *n* brings the database to
//! `PRAGMA user_version = n`. Migrations are only ever appended.

use rusqlite::Connection;

use super::Error;

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_site_model.sql"),
    include_str!("migrations/0002_event_publication.sql"),
    include_str!("migrations/0003_hints_and_provisioning.sql"),
    include_str!("migrations/0004_item_lookups.sql"),
    include_str!("migrations/0005_object_details.sql"),
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Sets the connection's pragmas and brings its schema to [`VERSION`], refusing databases
/// written by a newer emulator rather than guessing at them.
pub fn prepare(conn: &mut Connection, on_disk: bool) -> Result<(), Error> {
    if on_disk {
        // WAL lets HTTP readers proceed while a job writes.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;

    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current > VERSION {
        return Err(Error::SchemaTooNew { found: current, supported: VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer_databases() {
        let mut conn = Connection::open_in_memory().unwrap();
        prepare(&mut conn, false).unwrap();
        prepare(&mut conn, false).unwrap();
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, VERSION);
        let fk: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert!(fk);

        conn.pragma_update(None, "user_version", VERSION + 1).unwrap();
        assert!(matches!(prepare(&mut conn, false), Err(Error::SchemaTooNew { .. })));
    }
}
