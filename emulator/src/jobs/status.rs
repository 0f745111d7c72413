//! What clients ask of the queue: GetMigrationJobStatus, GetMigrationStatus,
//! GetMigrationJobProgress, and DeleteMigrationJob.

use uuid::Uuid;

use super::JobService;
use crate::report::events::EventKind;
use crate::site::jobs::{JobState, StoredEvent};

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

    /// GetMigrationStatus: the jobs in this site's queue with their state (behaviour 47).
    pub async fn queue(&self, site_id: Uuid) -> Result<Vec<(Uuid, i32)>, String> {
        let jobs = self.store.call(move |db| db.queued_jobs(site_id)).await.map_err(|e| e.to_string())?;
        Ok(jobs
            .into_iter()
            .filter_map(|(id, state)| match state {
                JobState::Queued => Some((id, STATUS_QUEUED)),
                JobState::Processing => Some((id, STATUS_PROCESSING)),
                // A job whose creation call has not returned is not in the queue yet.
                JobState::Created | JobState::Ended => None,
            })
            .collect())
    }

    /// DeleteMigrationJob (open question Q16): a waiting job leaves the queue with JobDeleted
    /// (behaviour 46); a running one is cancelled at its next checkpoint, with the user
    /// cancellation sequence (behaviour 65). False for jobs that ended or are unknown.
    pub async fn delete(&self, site_id: Uuid, job_id: Uuid, request_id: Uuid) -> Result<bool, String> {
        let now = self.now();
        let job = self.store.call(move |db| db.job(job_id)).await.map_err(|e| e.to_string())?;
        let Some(job) = job.filter(|job| job.site_id == site_id) else { return Ok(false) };
        if self.store.call(move |db| db.end_if_queued(job_id, now)).await.map_err(|e| e.to_string())? {
            self.emit_between_attempts(&job, EventKind::JobDeleted, self.request_correlation(request_id)).await;
            tracing::info!(job = %job_id, "job deleted from the queue");
            return Ok(true);
        }
        let job = self.store.call(move |db| db.job(job_id)).await.map_err(|e| e.to_string())?;
        if job.is_some_and(|job| job.state == JobState::Processing) {
            self.cancellations.lock().unwrap_or_else(|e| e.into_inner()).insert(job_id);
            tracing::info!(job = %job_id, "cancellation of a running job requested");
            return Ok(true);
        }
        Ok(false)
    }

    /// Whether DeleteMigrationJob asked to cancel this running job; the request is consumed.
    pub(crate) fn take_cancellation(&self, job_id: Uuid) -> bool {
        self.cancellations.lock().unwrap_or_else(|e| e.into_inner()).remove(&job_id)
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
}
