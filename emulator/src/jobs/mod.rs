//! Migration jobs: creation with its checks (`create`, `sas_policy`), provisioned storage
//! (`provisioning`), the queue's workers (`scheduler`) and one attempt (`attempt`, with its
//! `interruptions`), what clients ask of the queue (`status`), the service conditions tests
//! set (`rules`, `pressure`) and the levers they pull (`control`).
//!
//! Every event is committed to SQLite before it is sent to the client's queue or served by
//! GetMigrationJobProgress; a job that survives a restart resumes with its next attempt.

mod attempt;
mod control;
pub mod create;
mod interruptions;
mod pressure;
pub mod provisioning;
pub mod rules;
pub mod sas_policy;
mod scheduler;
mod status;

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::runtime::Handle;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::clock::SharedClock;
use crate::config::{Profile, SasEnforcement, Settings};
use crate::ids::Ids;
use crate::report::events::{Event, EventKind};
use crate::report::queue_message;
use crate::site::Store;
use crate::site::jobs::JobRecord;
use crate::site::spec::derived_id;
use crate::storage::StorageAccount;
use crate::storage::crypto::JobKey;
use crate::storage::queues::Queue;

pub use create::{CreateError, NewJob};
pub use pressure::{Pressure, RateLimit};
use rules::RuleBook;
pub use status::ProgressError;

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
    /// How strictly packages are taken in.
    pub import: crate::import::ImportOptions,
    /// Rules from the config file, in force at start and after a reset.
    pub startup_rules: Vec<rules::Rule>,
    /// `--seed`: a reset restarts the id stream and the clock from it.
    pub seed: Option<u64>,
    pub clock_speed: f64,
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
            import: crate::import::ImportOptions {
                intake: crate::package::intake::IntakeOptions {
                    source_type_required: settings.sourcetype_mode == crate::config::SourceTypeMode::Require,
                },
                require_manifest_snapshots: settings.require_manifest_snapshots,
                user_resolution: settings.user_resolution,
                security: crate::import::SecurityOptions {
                    import: settings.security_import,
                    limits: settings.permission_limits,
                },
            },
            startup_rules: settings.rules.clone(),
            seed: settings.seed,
            clock_speed: settings.clock_speed,
            ..JobSettings::default()
        }
    }
}

/// How long a job waits in the `realistic` profile before its first pickup.
pub const REALISTIC_PICKUP_DELAY: Duration = Duration::from_secs(120);
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
            import: crate::import::ImportOptions::default(),
            startup_rules: Vec::new(),
            seed: None,
            clock_speed: 1.0,
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
    /// Running jobs whose cancellation DeleteMigrationJob requested.
    cancellations: std::sync::Mutex<std::collections::HashSet<Uuid>>,
    /// While set, workers pick up nothing (a reset is under way).
    paused: std::sync::atomic::AtomicBool,
}

impl JobService {
    pub fn new(
        store: Store,
        clock: SharedClock,
        ids: Arc<Ids>,
        storage: StorageAccount,
        settings: JobSettings,
    ) -> Arc<JobService> {
        let rules = RuleBook::new(settings.startup_rules.clone());
        Arc::new(JobService {
            store,
            clock,
            storage,
            service_ids: ServiceIds::default(),
            settings,
            ids,
            rules,
            runtime: Handle::current(),
            wake: Notify::new(),
            running: Default::default(),
            idle: Notify::new(),
            cancellations: Default::default(),
            paused: Default::default(),
        })
    }

    /// Starts the scheduler's workers; they run until the returned handles are aborted.
    pub fn start(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        scheduler::start(self.clone())
    }

    /// After a stop: events that were committed but not confirmed sent are sent to their
    /// queues and published, so a client misses none (the next attempt then starts fresh).
    pub async fn recover(&self) {
        let pending = match self.store.call(|db| db.unpublished_events()).await {
            Ok(pending) => pending,
            Err(e) => return tracing::error!(error = %e, "could not read unsent events"),
        };
        for (job_id, event) in pending {
            let Ok(Some(job)) = self.store.call(move |db| db.job(job_id)).await else { continue };
            if let Some(queue) =
                job.queue_uri.as_deref().and_then(|uri| Queue::connect(uri, &self.storage, crate::storage::now()).ok())
            {
                let text = queue_message::text(job_id, &event.body, job_key(&job).as_ref(), &self.ids);
                if let Err(e) = queue.send(&text).await {
                    tracing::warn!(job = %job_id, event = %event.name, error = %e, "could not resend an event to the report queue");
                }
            }
            let seq = event.seq;
            if let Err(e) = self.store.call(move |db| db.publish_events(job_id, seq)).await {
                tracing::error!(job = %job_id, error = %e, "could not publish a recovered event");
            }
            tracing::info!(job = %job_id, event = %event.name, "resent an event interrupted by the last stop");
        }
    }

    /// The content database id events report for a site collection (stable per site).
    pub fn db_id(site_id: Uuid) -> Uuid {
        derived_id("database", &site_id.to_string())
    }

    /// The CorrelationId of an event a request causes (open question Q18): the request's
    /// SPRequestGuid; with `--seed`, the next seeded id instead, because request ids depend on
    /// how often a client polls and so cannot repeat from run to run.
    fn request_correlation(&self, request_id: Uuid) -> Uuid {
        if self.ids.is_seeded() { self.ids.uuid() } else { request_id }
    }

    /// Emits an event outside a processing attempt (JobPostponed, JobCancelled by the system,
    /// JobDeleted) with its own correlation id (open question Q18) and the retry count of the
    /// attempts so far.
    pub(crate) async fn emit_between_attempts(&self, job: &JobRecord, kind: EventKind, correlation_id: Uuid) {
        let event = Event {
            kind,
            job_id: job.id,
            time: self.now(),
            correlation_id,
            total_retry_count: job.attempt.saturating_sub(1),
        };
        let queue =
            job.queue_uri.as_deref().and_then(|uri| Queue::connect(uri, &self.storage, crate::storage::now()).ok());
        if let Err(e) = self.emit(job, queue.as_ref(), &event).await {
            tracing::error!(job = %job.id, error = %e, "could not record an event");
        }
    }

    /// Commits an event, sends it to the job's queue, if any, then publishes it to the progress
    /// API, so what a client saw there is in the queue too. A queue failure after creation is
    /// logged, not fatal: the event stays available through the progress API.
    pub async fn emit(&self, job: &JobRecord, queue: Option<&Queue>, event: &Event) -> Result<(), crate::site::Error> {
        let (job_id, name, time, body) = (event.job_id, event.kind.name(), event.time, event.to_json());
        let (stored, hint) = (body.clone(), event.kind.hint().map(str::to_string));
        if let Some(hint) = &hint {
            tracing::warn!(job = %job_id, event = name, hint = %hint, "job problem");
        }
        let seq = self.store.call(move |db| db.append_event(job_id, name, time, &stored, hint.as_deref())).await?;
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

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

/// The job's AES key, for encrypted jobs.
pub(crate) fn job_key(job: &JobRecord) -> Option<JobKey> {
    job.encryption_key.as_deref().and_then(JobKey::from_bytes)
}
