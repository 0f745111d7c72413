//! Migration jobs: creation with its checks, the queue and its scheduler, status and the
//! event stream.
//!
//! Every event is committed to SQLite before it is sent to the client's queue or served by
//! GetMigrationJobProgress; a job that survives a restart resumes with its next attempt.

mod attempt;
pub mod create;
mod scheduler;

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::runtime::Handle;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::clock::SharedClock;
use crate::report::events::Event;
use crate::report::queue_message;
use crate::site::Store;
use crate::site::jobs::{JobRecord, JobState, StoredEvent};
use crate::site::spec::derived_id;
use crate::storage::StorageAccount;
use crate::storage::crypto::JobKey;
use crate::storage::queues::Queue;

pub use create::{CreateError, NewJob};

/// Backend identifiers JobStart reports (stable per emulator).
#[derive(Clone, Copy, Debug)]
pub struct ServiceIds {
    pub farm_id: Uuid,
    pub server_id: Uuid,
    pub subscription_id: Uuid,
}

impl Default for ServiceIds {
    fn default() -> Self {
        ServiceIds {
            farm_id: derived_id("farm", "spmig"),
            server_id: derived_id("server", "spmig"),
            subscription_id: crate::http::auth::TENANT_ID.parse().expect("the tenant id is a GUID"),
        }
    }
}

/// Tunables of job processing.
#[derive(Clone, Debug)]
pub struct JobSettings {
    /// Attempts processed at the same time.
    pub workers: usize,
    /// JobProgress cadence while an attempt runs (behaviour 59).
    pub progress_interval: Duration,
    /// How long GetMigrationJobProgress answers after JobEnd (behaviour 75).
    pub retention: Duration,
    /// Copy log files into the site's Maintenance Logs library (behaviour 162).
    pub copy_logs_to_site: bool,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            workers: 2,
            progress_interval: Duration::from_secs(60),
            retention: Duration::from_secs(4 * 24 * 3600),
            copy_logs_to_site: true,
        }
    }
}

/// The job machinery shared by the HTTP handlers and the scheduler.
pub struct JobService {
    pub store: Store,
    pub clock: SharedClock,
    pub storage: StorageAccount,
    pub ids: ServiceIds,
    pub settings: JobSettings,
    runtime: Handle,
    wake: Notify,
}

/// `GetMigrationJobStatus` values (behaviours 33–35).
pub const STATUS_NONE: i32 = 0;
pub const STATUS_QUEUED: i32 = 2;
pub const STATUS_PROCESSING: i32 = 4;

/// Why GetMigrationJobProgress cannot answer.
#[derive(Debug, PartialEq, Eq)]
pub enum ProgressError {
    NotFound,
    Expired,
    Internal(String),
}

impl JobService {
    pub fn new(store: Store, clock: SharedClock, storage: StorageAccount, settings: JobSettings) -> Arc<JobService> {
        Arc::new(JobService {
            store,
            clock,
            storage,
            ids: ServiceIds::default(),
            settings,
            runtime: Handle::current(),
            wake: Notify::new(),
        })
    }

    /// Starts the scheduler's workers; they run until the returned handles are aborted.
    pub fn start(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        scheduler::start(self.clone())
    }

    /// The content database id events report for a site collection (stable per site).
    pub fn db_id(site_id: Uuid) -> Uuid {
        derived_id("database", &site_id.to_string())
    }

    /// GetMigrationJobStatus: the job's place in this site's queue.
    pub async fn status(&self, site_id: Uuid, job_id: Uuid) -> Result<i32, String> {
        let job = self.store.call(move |db| db.job(job_id)).await.map_err(|e| e.to_string())?;
        Ok(match job {
            Some(job) if job.site_id == site_id => match job.state {
                JobState::Created | JobState::Queued => STATUS_QUEUED,
                JobState::Processing => STATUS_PROCESSING,
                JobState::Ended => STATUS_NONE,
            },
            _ => STATUS_NONE,
        })
    }

    /// GetMigrationJobProgress: the events after `token` and the next token (behaviours
    /// 71–73). The token is the sequence number of the last event returned.
    pub async fn progress(&self, site_id: Uuid, job_id: Uuid, token: u64) -> Result<(Vec<String>, u64), ProgressError> {
        let now = self.clock.now();
        let retention = self.settings.retention;
        let found = self
            .store
            .call(move |db| -> Result<_, crate::site::Error> {
                let Some(job) = db.job(job_id)? else {
                    return Ok(None);
                };
                Ok(Some((job, db.events_after(job_id, token)?)))
            })
            .await
            .map_err(|e| ProgressError::Internal(e.to_string()))?;
        let Some((job, events)) = found.filter(|(job, _)| job.site_id == site_id) else {
            return Err(ProgressError::NotFound);
        };
        if job.ended.is_some_and(|ended| now - ended > retention) {
            return Err(ProgressError::Expired);
        }
        let next = events.last().map_or(token, |e| e.seq);
        Ok((events.into_iter().map(|StoredEvent { body, .. }| body).collect(), next))
    }

    /// Commits an event, sends it to the job's queue, if any, then publishes it to the progress
    /// API, so what a client saw there is in the queue too. A queue failure after creation is
    /// logged, not fatal: the event stays available through the progress API.
    pub async fn emit(&self, job: &JobRecord, queue: Option<&Queue>, event: &Event) -> Result<(), crate::site::Error> {
        let (job_id, name, time, body) = (event.job_id, event.kind.name(), event.time, event.to_json());
        let stored = body.clone();
        let seq = self.store.call(move |db| db.append_event(job_id, name, time, &stored)).await?;
        if let Some(queue) = queue {
            let key = job_key(job);
            if let Err(e) = queue.send(&queue_message::text(job_id, &body, key.as_ref())).await {
                tracing::warn!(job = %job_id, event = name, error = %e, "could not write the event to the report queue");
            }
        }
        self.store.call(move |db| db.publish_events(job_id, seq)).await
    }

    /// Wakes a worker: a job became due.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

/// The job's AES key, for encrypted jobs.
pub(crate) fn job_key(job: &JobRecord) -> Option<JobKey> {
    job.encryption_key.as_deref().and_then(JobKey::from_bytes)
}
