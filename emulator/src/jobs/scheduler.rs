//! The queue's workers: each takes the oldest due job, runs one attempt on the blocking pool,
//! and waits for a wake-up (a new job) or the next pickup time when nothing is due.

use std::sync::Arc;
use std::time::Duration;

use super::{JobService, attempt};

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
        let now = service.now();
        match service.store.call(move |db| db.claim_next_job(now)).await {
            Ok(Some(job)) => {
                let worker = service.clone();
                let id = job.id;
                if let Err(panic) = tokio::task::spawn_blocking(move || attempt::run(&worker, job)).await {
                    // A bug must not take the queue down; the job is ended so clients stop waiting.
                    tracing::error!(job = %id, error = %panic, "job attempt panicked");
                    let now = service.now();
                    let _ = service
                        .store
                        .call(move |db| db.set_job_state(id, crate::site::jobs::JobState::Ended, now))
                        .await;
                }
            }
            Ok(None) => {
                let due = service.store.call(|db| db.next_pickup()).await.ok().flatten();
                let wait = due
                    .map(|at| (at - service.now()).try_into().unwrap_or(Duration::ZERO))
                    .unwrap_or(IDLE_POLL)
                    .min(IDLE_POLL);
                tokio::select! {
                    _ = service.wake.notified() => {}
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "could not read the job queue");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}
