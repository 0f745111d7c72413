//! Migration jobs: creation with its checks, the queue and its scheduler, status and the
//! event stream.
//!
//! Every event is committed to SQLite before it is sent to the client's queue or served by
//! GetMigrationJobProgress; a job that survives a restart resumes with its next attempt.

mod attempt;
pub mod create;
pub mod rules;
mod scheduler;

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::runtime::Handle;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::clock::SharedClock;
use crate::config::{Profile, SasEnforcement, Settings};
use crate::ids::Ids;
use crate::report::events::Event;
use crate::report::queue_message;
use crate::site::Store;
use crate::site::jobs::{JobRecord, JobState, StoredEvent};
use crate::site::spec::derived_id;
use crate::storage::StorageAccount;
use crate::storage::crypto::JobKey;
use crate::storage::queues::Queue;

pub use create::{CreateError, NewJob};
use rules::RuleBook;

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
    /// Time from creation to the first pickup (the `realistic` profile's queue).
    pub pickup_delay: Duration,
    pub sas_enforcement: SasEnforcement,
}

impl JobSettings {
    pub fn from_settings(settings: &Settings) -> JobSettings {
        JobSettings {
            workers: settings.workers,
            pickup_delay: match settings.profile {
                Profile::Instant => Duration::ZERO,
                Profile::Realistic => REALISTIC_PICKUP_DELAY,
            },
            sas_enforcement: settings.sas_enforcement,
            ..JobSettings::default()
        }
    }
}

/// How long a job waits in the `realistic` profile before its first pickup.
pub const REALISTIC_PICKUP_DELAY: Duration = Duration::from_secs(30);
/// NextPickupTime after a postponement, as in Microsoft's sample (behaviour 38).
pub const DEFAULT_POSTPONEMENT: Duration = Duration::from_secs(20 * 60);

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            workers: 2,
            progress_interval: Duration::from_secs(60),
            retention: Duration::from_secs(4 * 24 * 3600),
            copy_logs_to_site: true,
            pickup_delay: Duration::ZERO,
            sas_enforcement: SasEnforcement::Strict,
        }
    }
}

/// The job machinery shared by the HTTP handlers and the scheduler.
pub struct JobService {
    pub store: Store,
    pub clock: SharedClock,
    pub storage: StorageAccount,
    pub service_ids: ServiceIds,
    pub settings: JobSettings,
    pub ids: Arc<Ids>,
    pub rules: RuleBook,
    runtime: Handle,
    wake: Notify,
    /// Attempts running now, for [`JobService::settle`].
    running: std::sync::atomic::AtomicUsize,
    /// Signalled when a worker finishes a pass.
    idle: Notify,
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
    pub fn new(
        store: Store,
        clock: SharedClock,
        ids: Arc<Ids>,
        storage: StorageAccount,
        settings: JobSettings,
    ) -> Arc<JobService> {
        Arc::new(JobService {
            store,
            clock,
            storage,
            service_ids: ServiceIds::default(),
            settings,
            ids,
            rules: RuleBook::default(),
            runtime: Handle::current(),
            wake: Notify::new(),
            running: Default::default(),
            idle: Notify::new(),
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
            if let Err(e) = queue.send(&queue_message::text(job_id, &body, key.as_ref(), &self.ids)).await {
                tracing::warn!(job = %job_id, event = name, error = %e, "could not write the event to the report queue");
            }
        }
        self.store.call(move |db| db.publish_events(job_id, seq)).await
    }

    /// Wakes a worker: a job became due.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Moves the clock forward, then returns once everything that fell due has run: no job is
    /// due and no attempt is running.
    pub async fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.settle().await;
    }

    /// Waits until no queued job is due and no attempt runs.
    pub async fn settle(&self) {
        loop {
            self.wake.notify_waiters();
            if self.running.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                let now = self.now();
                let due = self.store.call(move |db| db.has_due_job(now)).await.unwrap_or(false);
                if !due && self.running.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                    return;
                }
            }
            tokio::select! {
                _ = self.idle.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
        }
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

/// The job's AES key, for encrypted jobs.
pub(crate) fn job_key(job: &JobRecord) -> Option<JobKey> {
    job.encryption_key.as_deref().and_then(JobKey::from_bytes)
}
