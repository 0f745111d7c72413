//! Migration jobs, every event they emitted, and their log files.
//!
//! An event is committed here before it is sent anywhere (queue, progress API), so what a
//! client was told is always on record, and a restart loses nothing.

use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Db, Error, RowExt, to_text};

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Written with its JobQueued event; the creating request has not finished yet.
    Created,
    /// Waiting for pickup (GetMigrationJobStatus 2).
    Queued,
    /// Being imported (GetMigrationJobStatus 4).
    Processing,
    /// Finished, cancelled or deleted (GetMigrationJobStatus 0).
    Ended,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Created => "created",
            JobState::Queued => "queued",
            JobState::Processing => "processing",
            JobState::Ended => "ended",
        }
    }

    fn parse(text: &str) -> JobState {
        match text {
            "created" => JobState::Created,
            "queued" => JobState::Queued,
            "processing" => JobState::Processing,
            _ => JobState::Ended,
        }
    }
}

/// A job as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecord {
    pub id: Uuid,
    pub site_id: Uuid,
    pub web_id: Uuid,
    pub state: JobState,
    pub source_uri: String,
    pub manifest_uri: String,
    pub queue_uri: Option<String>,
    pub encryption_key: Option<Vec<u8>>,
    /// Processing attempts started so far; the next JobStart carries this as TotalRetryCount.
    pub attempt: u32,
    pub created: OffsetDateTime,
    pub next_pickup: Option<OffsetDateTime>,
    pub ended: Option<OffsetDateTime>,
    /// The job's place in creation order (1 for the first job); 0 before it is stored.
    pub ordinal: u64,
}

/// One stored event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: u64,
    pub name: String,
    pub body: String,
    /// The emulator's explanation, for the admin view only.
    pub hint: Option<String>,
}

const JOB_COLUMNS: &str = "id, site_id, web_id, state, source_uri, manifest_uri, queue_uri, encryption_key, attempt, created, next_pickup, ended, rowid";

/// A job still in its site's queue.
const IN_QUEUE: &str = "state IN ('created', 'queued', 'processing')";

/// An event of job `?1` that clients may see: before the first unpublished one, so the order
/// never has gaps.
const VISIBLE_EVENT: &str =
    "seq < coalesce((SELECT min(seq) FROM job_events WHERE job_id = ?1 AND published = 0), 9223372036854775807)";

impl Db {
    /// Records a new job in state `Created` together with its first event.
    pub fn insert_job(&mut self, job: &JobRecord, first_event: (&str, OffsetDateTime, &str)) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO jobs (id, site_id, web_id, state, source_uri, manifest_uri, queue_uri, encryption_key, attempt, created, next_pickup)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                job.id.to_string(),
                job.site_id.to_string(),
                job.web_id.to_string(),
                job.state.as_str(),
                job.source_uri,
                job.manifest_uri,
                job.queue_uri,
                job.encryption_key,
                job.attempt,
                to_text(job.created),
                job.next_pickup.map(to_text),
            ],
        )?;
        insert_event(&tx, job.id, first_event)?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets a job whose creation failed after it was written.
    pub fn delete_job(&mut self, id: Uuid) -> Result<(), Error> {
        self.conn.execute("DELETE FROM jobs WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    pub fn set_job_state(&mut self, id: Uuid, state: JobState, at: OffsetDateTime) -> Result<(), Error> {
        let ended = (state == JobState::Ended).then(|| to_text(at));
        self.conn.execute(
            "UPDATE jobs SET state = ?2, ended = coalesce(?3, ended) WHERE id = ?1",
            params![id.to_string(), state.as_str(), ended],
        )?;
        Ok(())
    }

    pub fn job(&self, id: Uuid) -> Result<Option<JobRecord>, Error> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id.to_string()], job_row).optional()?)
    }

    /// Takes the oldest queued job that is due, marking it `Processing` and counting the
    /// attempt.
    pub fn claim_next_job(&mut self, now: OffsetDateTime) -> Result<Option<JobRecord>, Error> {
        let tx = self.conn.transaction()?;
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'queued' AND (next_pickup IS NULL OR next_pickup <= ?1)
             ORDER BY created, rowid LIMIT 1"
        );
        let Some(job) = tx.query_row(&sql, [to_text(now)], job_row).optional()? else {
            return Ok(None);
        };
        tx.execute("UPDATE jobs SET state = 'processing', attempt = attempt + 1 WHERE id = ?1", [job.id.to_string()])?;
        tx.commit()?;
        Ok(Some(JobRecord { state: JobState::Processing, attempt: job.attempt + 1, ..job }))
    }

    /// Puts a claimed job back in the queue until `next_pickup`, undoing the claim's attempt.
    pub fn postpone_job(&mut self, id: Uuid, next_pickup: OffsetDateTime) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE jobs SET state = 'queued', attempt = max(attempt - 1, 0), next_pickup = ?2 WHERE id = ?1",
            params![id.to_string(), to_text(next_pickup)],
        )?;
        Ok(())
    }

    /// Jobs waiting or running in a site collection's queue (its content database).
    pub fn jobs_in_queue(&self, site_id: Uuid) -> Result<u64, Error> {
        let n: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM jobs WHERE site_id = ?1 AND {IN_QUEUE}"),
            [site_id.to_string()],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Whether a queued job is due at `now`.
    pub fn has_due_job(&self, now: OffsetDateTime) -> Result<bool, Error> {
        Ok(self.conn.query_row(
            "SELECT exists(SELECT 1 FROM jobs WHERE state = 'queued' AND (next_pickup IS NULL OR next_pickup <= ?1))",
            [to_text(now)],
            |r| r.get(0),
        )?)
    }

    /// The earliest future pickup time of a queued job, for the scheduler's timer.
    pub fn next_pickup(&self) -> Result<Option<OffsetDateTime>, Error> {
        Ok(self.conn.query_row("SELECT min(next_pickup) FROM jobs WHERE state = 'queued'", [], |r| r.opt_time(0))?)
    }

    /// After a restart: attempts that were running are re-queued (they restart with the next
    /// TotalRetryCount), and jobs whose creation was interrupted are queued.
    pub fn requeue_interrupted(&mut self) -> Result<usize, Error> {
        Ok(self.conn.execute("UPDATE jobs SET state = 'queued' WHERE state IN ('processing', 'created')", [])?)
    }

    /// Events committed but not yet published, as a stop left them, oldest first per job.
    pub fn unpublished_events(&self) -> Result<Vec<(Uuid, StoredEvent)>, Error> {
        let mut statement = self
            .conn
            .prepare("SELECT job_id, seq, name, body FROM job_events WHERE published = 0 ORDER BY job_id, seq")?;
        let rows = statement.query_map([], |r| {
            let event = StoredEvent { seq: r.get::<_, i64>(1)? as u64, name: r.get(2)?, body: r.get(3)?, hint: None };
            Ok((r.guid(0)?, event))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Ends a job that is waiting in the queue (DeleteMigrationJob); false when it is not
    /// waiting (running, ended, or unknown).
    pub fn end_if_queued(&mut self, id: Uuid, at: OffsetDateTime) -> Result<bool, Error> {
        let changed = self.conn.execute(
            "UPDATE jobs SET state = 'ended', ended = ?2 WHERE id = ?1 AND state = 'queued'",
            params![id.to_string(), to_text(at)],
        )?;
        Ok(changed == 1)
    }

    /// Appends an event, not yet published; returns its sequence number.
    pub fn append_event(
        &mut self,
        job_id: Uuid,
        name: &str,
        time: OffsetDateTime,
        body: &str,
        hint: Option<&str>,
    ) -> Result<u64, Error> {
        let tx = self.conn.transaction()?;
        let seq = insert_event(&tx, job_id, (name, time, body))?;
        if let Some(hint) = hint {
            annotate(&tx, job_id, seq, hint)?;
        }
        tx.commit()?;
        Ok(seq)
    }

    /// Attaches the emulator's explanation to a recorded event.
    pub fn annotate_event(&mut self, job_id: Uuid, seq: u64, hint: &str) -> Result<(), Error> {
        annotate(&self.conn, job_id, seq, hint)
    }

    /// Every event of a job, published or not, with the emulator's hints.
    pub fn all_events(&self, job_id: Uuid) -> Result<Vec<StoredEvent>, Error> {
        let mut statement =
            self.conn.prepare("SELECT seq, name, body, hint FROM job_events WHERE job_id = ?1 ORDER BY seq")?;
        let rows = statement.query_map([job_id.to_string()], |r| {
            Ok(StoredEvent { seq: r.get::<_, i64>(0)? as u64, name: r.get(1)?, body: r.get(2)?, hint: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every job, oldest first.
    pub fn jobs(&self) -> Result<Vec<JobRecord>, Error> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY rowid");
        Ok(self.conn.prepare(&sql)?.query_map([], job_row)?.collect::<Result<_, _>>()?)
    }

    /// Names of the log files written for a job.
    pub fn log_files(&self, job_id: Uuid) -> Result<Vec<String>, Error> {
        let mut statement = self.conn.prepare("SELECT name FROM job_log_files WHERE job_id = ?1 ORDER BY name")?;
        let rows = statement.query_map([job_id.to_string()], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Makes an event (and any before it) visible to GetMigrationJobProgress.
    pub fn publish_events(&mut self, job_id: Uuid, up_to: u64) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE job_events SET published = 1 WHERE job_id = ?1 AND seq <= ?2 AND published = 0",
            params![job_id.to_string(), up_to as i64],
        )?;
        Ok(())
    }

    /// Published events with a sequence number above `after`, in order; the first unpublished
    /// event hides those after it, so the order never has gaps.
    pub fn events_after(&self, job_id: Uuid, after: u64) -> Result<Vec<StoredEvent>, Error> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT seq, name, body FROM job_events WHERE job_id = ?1 AND seq > ?2 AND {VISIBLE_EVENT} ORDER BY seq"
        ))?;
        let rows = statement.query_map(params![job_id.to_string(), after as i64], |r| {
            Ok(StoredEvent { seq: r.get::<_, i64>(0)? as u64, name: r.get(1)?, body: r.get(2)?, hint: None })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether the job has published an event of this name (case-insensitive), following the
    /// same publication order as [`Db::events_after`].
    pub fn has_published(&self, job_id: Uuid, name: &str) -> Result<bool, Error> {
        Ok(self.conn.query_row(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM job_events WHERE job_id = ?1 AND name = ?2 COLLATE NOCASE AND {VISIBLE_EVENT})"
            ),
            params![job_id.to_string(), name],
            |r| r.get(0),
        )?)
    }

    /// The jobs of a site collection that are still in its queue, oldest first.
    pub fn queued_jobs(&self, site_id: Uuid) -> Result<Vec<(Uuid, JobState)>, Error> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT id, state FROM jobs WHERE site_id = ?1 AND {IN_QUEUE} ORDER BY created"))?;
        let rows = statement
            .query_map([site_id.to_string()], |r| Ok((r.guid(0)?, JobState::parse(&r.get::<_, String>(1)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a log file written for a job.
    pub fn record_log_file(&mut self, job_id: Uuid, name: &str, sha256: &str, size: u64) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO job_log_files (job_id, name, content_sha256, size) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (job_id, name) DO UPDATE SET content_sha256 = ?3, size = ?4",
            params![job_id.to_string(), name, sha256, size as i64],
        )?;
        Ok(())
    }
}

fn insert_event(
    tx: &rusqlite::Transaction<'_>,
    job_id: Uuid,
    (name, time, body): (&str, OffsetDateTime, &str),
) -> Result<u64, Error> {
    let seq: i64 = tx.query_row(
        "SELECT coalesce(max(seq), 0) + 1 FROM job_events WHERE job_id = ?1",
        [job_id.to_string()],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO job_events (job_id, seq, name, time, body, published) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
        params![job_id.to_string(), seq, name, to_text(time), body],
    )?;
    Ok(seq as u64)
}

fn annotate(conn: &rusqlite::Connection, job_id: Uuid, seq: u64, hint: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE job_events SET hint = ?3 WHERE job_id = ?1 AND seq = ?2",
        params![job_id.to_string(), seq as i64, hint],
    )?;
    Ok(())
}

fn job_row(r: &Row<'_>) -> rusqlite::Result<JobRecord> {
    Ok(JobRecord {
        id: r.guid(0)?,
        site_id: r.guid(1)?,
        web_id: r.guid(2)?,
        state: JobState::parse(&r.get::<_, String>(3)?),
        source_uri: r.get(4)?,
        manifest_uri: r.get(5)?,
        queue_uri: r.get(6)?,
        encryption_key: r.get(7)?,
        attempt: r.get(8)?,
        created: r.time(9)?,
        next_pickup: r.opt_time(10)?,
        ended: r.opt_time(11)?,
        ordinal: r.get::<_, i64>(12)? as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::Store;
    use crate::site::spec::SiteSpec;

    fn job(site: Uuid, web: Uuid) -> JobRecord {
        JobRecord {
            id: Uuid::new_v4(),
            site_id: site,
            web_id: web,
            state: JobState::Created,
            source_uri: "http://s".into(),
            manifest_uri: "http://m".into(),
            queue_uri: None,
            encryption_key: None,
            attempt: 0,
            created: OffsetDateTime::now_utc(),
            next_pickup: None,
            ended: None,
            ordinal: 0,
        }
    }

    #[test]
    fn lifecycle_and_events() {
        let store = Store::open(None).unwrap();
        let now = OffsetDateTime::now_utc();
        let site = store.blocking(|db| db.apply_site(&SiteSpec::named("/sites/a", "A").plan().unwrap(), now)).unwrap();
        let record = job(site.id, site.root_web_id);
        store.blocking(|db| db.insert_job(&record, ("JobQueued", now, "{\"Event\":\"JobQueued\"}"))).unwrap();
        assert!(store.blocking(|db| db.claim_next_job(now)).unwrap().is_none(), "created jobs are not picked up");
        store.blocking(|db| db.set_job_state(record.id, JobState::Queued, now)).unwrap();
        let claimed = store.blocking(|db| db.claim_next_job(now)).unwrap().unwrap();
        assert_eq!((claimed.id, claimed.attempt, claimed.state), (record.id, 1, JobState::Processing));
        assert_eq!(store.blocking(|db| db.append_event(record.id, "JobStart", now, "{}", None)).unwrap(), 2);
        assert!(
            store.blocking(|db| db.events_after(record.id, 0)).unwrap().is_empty(),
            "unpublished events are hidden"
        );
        store.blocking(|db| db.publish_events(record.id, 2)).unwrap();
        let events = store.blocking(|db| db.events_after(record.id, 1)).unwrap();
        assert_eq!(events.iter().map(|e| (e.seq, e.name.as_str())).collect::<Vec<_>>(), [(2, "JobStart")]);
        assert_eq!(store.blocking(|db| db.queued_jobs(site.id)).unwrap(), [(record.id, JobState::Processing)]);

        // A restart mid-attempt puts the job back in the queue for its next attempt.
        assert_eq!(store.blocking(|db| db.requeue_interrupted()).unwrap(), 1);
        assert_eq!(store.blocking(|db| db.claim_next_job(now)).unwrap().unwrap().attempt, 2);
        store.blocking(|db| db.set_job_state(record.id, JobState::Ended, now)).unwrap();
        assert!(store.blocking(|db| db.queued_jobs(site.id)).unwrap().is_empty());
    }
}
