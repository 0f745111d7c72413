//! CreateMigrationJob and its variants: the synchronous checks, then the job row, its
//! JobQueued event and the queue message, in that order (behaviours 11–31).

use std::sync::Arc;

use uuid::Uuid;

use super::{JobService, job_key};
use crate::report::events::{Event, EventKind};
use crate::site::jobs::{JobRecord, JobState};
use crate::storage::crypto::KEY_LEN;
use crate::storage::location::Location;
use crate::storage::queues::Queue;

/// A creation request, parameters already typed by the REST layer.
#[derive(Clone, Debug, Default)]
pub struct NewJob {
    pub site_id: Uuid,
    pub web_id: Option<Uuid>,
    pub source_uri: Option<String>,
    pub manifest_uri: Option<String>,
    pub queue_uri: Option<String>,
    /// `None` for CreateMigrationJob; `Some(key)` for CreateMigrationJobEncrypted, where a
    /// null `options` is `Some(None)`.
    pub encryption: Option<Option<Vec<u8>>>,
    /// The creating request's SPRequestGuid, used as JobQueued's CorrelationId.
    pub request_id: Uuid,
}

/// Why a job was not created. The REST layer maps each to SharePoint's error.
#[derive(Debug, PartialEq, Eq)]
pub enum CreateError {
    ArgumentNull(&'static str),
    Argument(String),
    WebNotFound,
    Storage(String),
    Internal(String),
}

impl From<crate::site::Error> for CreateError {
    fn from(e: crate::site::Error) -> Self {
        CreateError::Internal(e.to_string())
    }
}

impl JobService {
    /// Checks the request in the service's order, then queues the job (behaviour 11).
    pub async fn create(self: &Arc<Self>, request: NewJob) -> Result<Uuid, CreateError> {
        let web_id = request.web_id.ok_or(CreateError::ArgumentNull("gWebId"))?;
        let source_uri = required(&request.source_uri, "azureContainerSourceUri")?;
        let manifest_uri = required(&request.manifest_uri, "azureContainerManifestUri")?;
        let source = parse_location(source_uri)?;
        let manifest = parse_location(manifest_uri)?;
        // Behaviour 16: the logs go to the manifest container, never among the content.
        if same_container(&source, &manifest) {
            return Err(CreateError::Argument(
                "The azureContainerSourceUri and azureContainerManifestUri must not refer to the same container."
                    .into(),
            ));
        }
        let queue_uri = request.queue_uri.clone().filter(|uri| !uri.trim().is_empty());

        let site_id = request.site_id;
        let web = self.store.call(move |db| db.web(web_id)).await?;
        if web.is_none_or(|web| web.site_id != site_id) {
            return Err(CreateError::WebNotFound);
        }
        let key = match &request.encryption {
            None => None,
            Some(None) => return Err(CreateError::ArgumentNull("options")),
            Some(Some(key)) if key.len() != KEY_LEN => {
                return Err(CreateError::Argument(format!(
                    "The AES256CBCKey must be {KEY_LEN} bytes long; {} bytes were given.",
                    key.len()
                )));
            }
            Some(Some(key)) => Some(key.clone()),
        };

        let now = self.now();
        let job = JobRecord {
            id: self.ids.uuid(),
            site_id,
            web_id,
            state: JobState::Created,
            source_uri: source_uri.to_string(),
            manifest_uri: manifest_uri.to_string(),
            queue_uri: queue_uri.clone(),
            encryption_key: key,
            attempt: 0,
            created: now,
            // The `realistic` profile's queue takes a while to pick a job up.
            next_pickup: (!self.settings.pickup_delay.is_zero()).then(|| now + self.settings.pickup_delay),
            ended: None,
            ordinal: 0,
        };
        let queued = Event {
            kind: EventKind::JobQueued { site_id, db_id: JobService::db_id(site_id) },
            job_id: job.id,
            time: now,
            correlation_id: request.request_id,
            total_retry_count: 0,
        };
        let (record, body) = (job.clone(), queued.to_json());
        self.store.call(move |db| db.insert_job(&record, ("JobQueued", now, &body))).await?;

        // Behaviours 22 and 23: JobQueued reaches the queue before the call returns, and a
        // queue that cannot be written fails the call and leaves no job behind.
        if let Some(uri) = &queue_uri {
            let sent = match Queue::connect(uri, &self.storage, now) {
                Ok(queue) => {
                    let text = crate::report::queue_message::text(
                        job.id,
                        &queued.to_json(),
                        job_key(&job).as_ref(),
                        &self.ids,
                    );
                    queue.send(&text).await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = sent {
                let id = job.id;
                self.store.call(move |db| db.delete_job(id)).await?;
                return Err(CreateError::Storage(e.message));
            }
        }
        let id = job.id;
        self.store
            .call(move |db| {
                db.publish_events(id, 1)?;
                db.set_job_state(id, JobState::Queued, now)
            })
            .await?;
        self.wake();
        tracing::info!(job = %id, site = %site_id, web = %web_id, encrypted = job.encryption_key.is_some(), "job queued");
        Ok(id)
    }
}

fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, CreateError> {
    value.as_deref().filter(|v| !v.trim().is_empty()).ok_or(CreateError::ArgumentNull(name))
}

fn parse_location(uri: &str) -> Result<Location, CreateError> {
    Location::parse(uri).map_err(|e| CreateError::Argument(format!("Invalid URI: {e}")))
}

fn same_container(a: &Location, b: &Location) -> bool {
    a.service.host_str() == b.service.host_str()
        && a.service.port_or_known_default() == b.service.port_or_known_default()
        && a.account.eq_ignore_ascii_case(&b.account)
        && a.name.eq_ignore_ascii_case(&b.name)
}
