//! The queue's workers. Each takes the oldest job that is due by the emulator's clock, asks
//! the rules whether the service postpones or cancels it this time, and otherwise runs one
//! attempt on the blocking pool. With nothing due, a worker waits for a new job, a clock
//! change, or the next pickup time (in real time, scaled by the clock's speed).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::rules::{Action, JobFacts};
use super::{DEFAULT_POSTPONEMENT, JobService, attempt};
use crate::report::events::EventKind;
use crate::site::jobs::{JobRecord, JobState};

/// Longest sleep between looks at the queue, so a wake-up lost to a race costs little.
const IDLE_POLL: Duration = Duration::from_millis(500);

pub(super) fn start(service: Arc<JobService>) -> Vec<tokio::task::JoinHandle<()>> {
    match service.store.blocking(|db| db.requeue_interrupted()) {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "re-queued jobs interrupted by the last shutdown"),
        Err(e) => tracing::error!(error = %e, "could not re-queue interrupted jobs"),
    }
    (0..service.settings.workers.max(1)).map(|_| tokio::spawn(work(service.clone()))).collect()
}

async fn work(service: Arc<JobService>) {
    loop {
        // Counted before the claim, so `settle` never sees a claimed job that no one runs.
        service.running.fetch_add(1, Ordering::SeqCst);
        let now = service.now();
        let claimed =
            if service.is_paused() { Ok(None) } else { service.store.call(move |db| db.claim_next_job(now)).await };
        match claimed {
            Ok(Some(job)) => {
                pick_up(&service, job).await;
                finished(&service);
            }
            Ok(None) => {
                finished(&service);
                let due = service.store.call(|db| db.next_pickup()).await.ok().flatten();
                let wait = due.and_then(|at| service.clock.real_wait_until(at)).unwrap_or(IDLE_POLL).min(IDLE_POLL);
                tokio::select! {
                    _ = service.wake.notified() => {}
                    _ = service.clock.changed() => {}
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            Err(e) => {
                finished(&service);
                tracing::error!(error = %e, "could not read the job queue");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

fn finished(service: &JobService) {
    service.running.fetch_sub(1, Ordering::SeqCst);
    service.idle.notify_waiters();
}

/// The scheduler's pass over a due job: postponed or cancelled by a rule, or run.
async fn pick_up(service: &Arc<JobService>, job: JobRecord) {
    let site_url = service.store.call({
        let site = job.site_id;
        move |db| db.site(site).map(|s| s.map(|s| s.url).unwrap_or_default())
    });
    let facts = JobFacts {
        site_url: site_url.await.unwrap_or_default(),
        web_id: job.web_id,
        job_id: job.id,
        ordinal: job.ordinal,
        containers: [container_name(&job.source_uri), container_name(&job.manifest_uri)],
    };
    let postponement = service.rules.take(&facts.subject(), &service.ids, |action| match action {
        Action::Postpone { reason_code, minutes } => Some((*reason_code, *minutes)),
        _ => None,
    });
    match postponement {
        Some((code @ (10 | 11), _)) => cancel(service, &job, code).await,
        Some((code, minutes)) => {
            let wait = minutes.map_or(DEFAULT_POSTPONEMENT, |m| Duration::from_secs_f64(m * 60.0));
            postpone(service, &job, code, wait).await;
        }
        None => {
            let worker = service.clone();
            let id = job.id;
            if let Err(panic) = tokio::task::spawn_blocking(move || attempt::run(&worker, job, facts)).await {
                // A bug must not take the queue down; the job is ended so clients stop waiting.
                tracing::error!(job = %id, error = %panic, "job attempt panicked");
                let now = service.now();
                let _ = service.store.call(move |db| db.set_job_state(id, JobState::Ended, now)).await;
            }
        }
    }
}

/// Behaviours 37–39, 43: the job goes back to the queue with a JobPostponed.
async fn postpone(service: &JobService, job: &JobRecord, code: u8, wait: Duration) {
    let now = service.now();
    let next = now + wait;
    let (id, site) = (job.id, job.site_id);
    let in_queue = service.store.call(move |db| {
        db.postpone_job(id, next)?;
        db.jobs_in_queue(site)
    });
    let jobs_in_queue = match in_queue.await {
        Ok(n) => n,
        Err(e) => return tracing::error!(job = %id, error = %e, "could not postpone the job"),
    };
    let kind = EventKind::JobPostponed {
        next_pickup_time: next,
        site_id: job.site_id,
        db_id: JobService::db_id(job.site_id),
        jobs_in_queue,
        reason_code: code,
        reason: reason_label(code),
    };
    emit_outside_attempt(service, job, kind).await;
    tracing::info!(job = %id, reason_code = code, next_pickup = %next, "job postponed");
}

/// Behaviours 40–42: the tenant is blocked (10) or the reason unknown (11): JobCancelled by
/// the system, then JobEnd with zero counters, and the job leaves the queue.
async fn cancel(service: &JobService, job: &JobRecord, code: u8) {
    let now = service.now();
    let id = job.id;
    if let Err(e) = service.store.call(move |db| db.set_job_state(id, JobState::Ended, now)).await {
        return tracing::error!(job = %id, error = %e, "could not cancel the job");
    }
    let cancelled = EventKind::JobCancelled { cancelled_by_user: false, reason: Some((code, reason_label(code))) };
    emit_outside_attempt(service, job, cancelled).await;
    emit_outside_attempt(service, job, EventKind::JobEnd(Box::default())).await;
    tracing::info!(job = %id, reason_code = code, "job cancelled by the service");
}

/// An event of a scheduler pass: a fresh correlation id each (open question Q18).
async fn emit_outside_attempt(service: &JobService, job: &JobRecord, kind: EventKind) {
    service.emit_between_attempts(job, kind, service.ids.uuid()).await;
}

/// The reason labels of the current documented table (events.md §6).
pub fn reason_label(code: u8) -> &'static str {
    match code {
        7 => "JobInQueue:DBMaint",
        10 => "JobFailure:TenantBlock",
        11 => "JobCancelled:Unknown",
        _ => "JobInQueue:Resource",
    }
}

fn container_name(uri: &str) -> String {
    crate::storage::location::Location::parse(uri).map(|l| l.name).unwrap_or_default()
}
