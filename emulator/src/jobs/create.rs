//! CreateMigrationJob and its variants: the synchronous checks, then the job row, its
//! JobQueued event and the queue message, in that order (behaviours 11–31).

use std::sync::Arc;

use uuid::Uuid;

use super::rules::{Action, Subject};
use super::sas_policy::{self, Resource, Severity};
use super::{JobService, job_key};
use crate::config::SasEnforcement;
use crate::report::events::{Event, EventKind};
use crate::site::jobs::{JobRecord, JobState};
use crate::site::provisioned::ResourceKind;
use crate::storage::blobs::StorageError;
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
    /// An ArgumentException with the emulator's explanation (behaviour, expected vs actual,
    /// the fix), which goes to the server log, never to the client.
    Refused {
        message: String,
        explanation: String,
    },
    WebNotFound,
    Storage(String),
    Internal(String),
}

impl From<crate::site::Error> for CreateError {
    fn from(e: crate::site::Error) -> Self {
        CreateError::Internal(e.to_string())
    }
}

impl CreateError {
    /// What the emulator's log says about the rejection.
    pub fn explanation(&self) -> String {
        match self {
            CreateError::ArgumentNull(name) => format!("behaviour 15: the parameter {name} is required"),
            CreateError::Argument(message) => message.clone(),
            CreateError::Refused { explanation, .. } => explanation.clone(),
            CreateError::WebNotFound => {
                "behaviour 26: gWebId must be the id of a web in this site collection (see GET /_api/web?$select=Id)"
                    .into()
            }
            CreateError::Storage(message) => format!(
                "behaviour 23: the report queue could not be written ({message}); check the queue exists and its SAS \
                 grants Add"
            ),
            CreateError::Internal(message) => message.clone(),
        }
    }
}

impl JobService {
    /// Checks the request in the service's order, then queues the job (behaviour 11). A
    /// rejection is logged with the emulator's explanation.
    pub async fn create(self: &Arc<Self>, request: NewJob) -> Result<Uuid, CreateError> {
        let result = self.check_and_queue(request).await;
        if let Err(e) = &result {
            tracing::warn!(explanation = %e.explanation(), "CreateMigrationJob refused");
        }
        result
    }

    async fn check_and_queue(self: &Arc<Self>, request: NewJob) -> Result<Uuid, CreateError> {
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
        let queue = queue_uri.as_deref().map(parse_location).transpose()?;

        let mut checked = vec![
            (Resource::Source, &source, self.provisioned(&source).await?),
            (Resource::Manifest, &manifest, self.provisioned(&manifest).await?),
        ];
        if let Some(queue) = &queue {
            checked.push((Resource::Queue, queue, false));
        }
        let notes = self.check_sas(&checked)?;

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
        // Behaviour 21: what SharePoint stores for the tenant must be encrypted.
        if key.is_none() && checked.iter().any(|&(_, _, provisioned)| provisioned) {
            return Err(CreateError::Refused {
                message: "Containers provisioned by SharePoint can only be used with CreateMigrationJobEncrypted."
                    .into(),
                explanation: "behaviour 21: containers from ProvisionMigrationContainers take encrypted jobs only; \
                              call CreateMigrationJobEncrypted with the EncryptionKey they came with"
                    .into(),
            });
        }

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
            correlation_id: self.request_correlation(request.request_id),
            total_retry_count: 0,
        };
        let queued_json = queued.to_json();
        let (record, body) = (job.clone(), queued_json.clone());
        let hint = (!notes.is_empty()).then(|| notes.join("\n"));
        self.store
            .call(move |db| {
                db.insert_job(&record, ("JobQueued", now, &body))?;
                hint.map_or(Ok(()), |hint| db.annotate_event(record.id, 1, &hint))
            })
            .await?;

        // Behaviours 22 and 23: JobQueued reaches the queue before the call returns, and a
        // queue that cannot be written fails the call and leaves no job behind.
        if let Some(uri) = &queue_uri {
            let unreachable = self.queue_unreachable_rule(&job, &source, &manifest, queue.as_ref()).await;
            let sent = match unreachable.map(StorageError::message) {
                Some(refused) => Err(refused),
                None => match Queue::connect(uri, &self.storage, crate::storage::now()) {
                    Ok(queue) => {
                        let key = job_key(&job);
                        let text = crate::report::queue_message::text(job.id, &queued_json, key.as_ref(), &self.ids);
                        queue.send(&text).await
                    }
                    Err(e) => Err(e),
                },
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

impl JobService {
    /// The storage exception of a `queue_unreachable` rule that matches this job, if any.
    async fn queue_unreachable_rule(
        &self,
        job: &JobRecord,
        source: &Location,
        manifest: &Location,
        queue: Option<&Location>,
    ) -> Option<String> {
        let site_id = job.site_id;
        let site_url = self.store.call(move |db| db.site(site_id)).await.ok().flatten().map(|s| s.url);
        let site_url = site_url.unwrap_or_default();
        let subject = Subject {
            site_url: &site_url,
            web_id: Some(job.web_id),
            job_id: Some(job.id),
            ordinal: None,
            containers: [&source.name, &manifest.name],
            caller: None,
        };
        self.rules.take(&subject, &self.ids, |action| matches!(action, Action::QueueUnreachable).then_some(()))?;
        let host = queue.and_then(|q| q.service.host_str().map(str::to_string)).unwrap_or_default();
        tracing::info!(job = %job.id, "a rule makes the report queue unreachable");
        Some(format!("The remote name could not be resolved: '{host}'"))
    }

    /// Whether a container URL names one the emulator provisioned in its own account.
    async fn provisioned(&self, location: &Location) -> Result<bool, CreateError> {
        if !location.is_in(&self.storage, &self.storage.blob_endpoint) {
            return Ok(false);
        }
        let name = location.name.clone();
        Ok(self.store.call(move |db| db.is_provisioned(ResourceKind::Container, &name)).await?)
    }

    /// Behaviours 17–20, 24, 25 under `--sas-enforcement`: the first rejection in `strict`;
    /// in `warn` every finding becomes a note (logged, and kept with JobQueued for the admin
    /// view); `off` checks nothing. Each location comes with whether the emulator provisioned it.
    fn check_sas(&self, uris: &[(Resource, &Location, bool)]) -> Result<Vec<String>, CreateError> {
        let enforcement = self.settings.sas_enforcement;
        if enforcement == SasEnforcement::Off {
            return Ok(Vec::new());
        }
        let now = crate::storage::now();
        let mut notes = Vec::new();
        for &(resource, location, provisioned) in uris {
            for finding in sas_policy::check(resource, location, provisioned, now) {
                match (finding.severity, enforcement) {
                    (Severity::Reject, SasEnforcement::Strict) => {
                        return Err(CreateError::Refused {
                            message: finding.message,
                            explanation: finding.explanation,
                        });
                    }
                    (Severity::Reject, _) => {
                        tracing::warn!(explanation = %finding.explanation, "sas-enforcement=warn: accepted a job the service would refuse");
                        notes.push(format!(
                            "sas-enforcement=warn accepted: {} ({})",
                            finding.message, finding.explanation
                        ));
                    }
                    (Severity::Warn, _) => {
                        tracing::warn!(explanation = %finding.explanation, "questionable SAS");
                        notes.push(finding.explanation);
                    }
                }
            }
        }
        Ok(notes)
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
