//! One processing attempt of a job, from JobStart to JobEnd (events.md §5):
//!
//! JobStart → (JobProgress | JobWarning | JobError)* → [JobFatalError] → status None → logs
//! written to the manifest container and the Maintenance Logs library → JobEnd.
//!
//! Runs on a blocking thread; storage calls go through the runtime handle.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::interruptions::Interruptions;
use super::rules::{JobFacts, Stage};
use super::{JobService, job_key};
use crate::import;
use crate::problems;
use crate::report::events::{Event, EventKind, event_time};
use crate::report::log::{JobLog, LogFile, base_name};
use crate::report::reporter::Reporter;
use crate::site::jobs::{JobRecord, JobState};
use crate::site::model::{FileVersion, SYSTEM_ACCOUNT_ID};
use crate::site::objects::FileWrite;
use crate::storage::blobs::Container;
use crate::storage::crypto;
use crate::storage::queues::Queue;

pub(super) fn run(service: &JobService, job: JobRecord, facts: JobFacts) {
    let now = service.now();
    let started = now;
    let retry = job.attempt.saturating_sub(1);
    let correlation_id = service.ids.uuid();
    let queue = job.queue_uri.as_deref().and_then(|uri| match Queue::connect(uri, &service.storage, crate::storage::now()) {
        Ok(queue) => Some(queue),
        Err(e) => {
            tracing::warn!(job = %job.id, error = %e, "the report queue cannot be reached; events go to the progress API only");
            None
        }
    });
    let log = match JobLog::create(&std::env::temp_dir()) {
        Ok(log) => log,
        Err(e) => {
            tracing::error!(job = %job.id, error = %e, "cannot create the job log");
            return;
        }
    };
    let emit = |event: &Event| {
        if let Err(e) = service.runtime.block_on(service.emit(&job, queue.as_ref(), event)) {
            tracing::error!(job = %job.id, event = event.kind.name(), error = %e, "could not record an event");
        }
    };
    let mut report = Reporter::new(
        job.id,
        correlation_id,
        retry,
        service.clock.clone(),
        log,
        service.settings.progress_interval,
        emit,
    );

    report.event(EventKind::JobStart {
        site_id: job.site_id,
        web_id: job.web_id,
        db_id: JobService::db_id(job.site_id),
        farm_id: service.service_ids.farm_id,
        server_id: service.service_ids.server_id,
        subscription_id: service.service_ids.subscription_id,
    });
    report.note(&format!("Start Time: {}.", event_time(now)));
    report.note(&format!("JobId: {}, CorrelationId: {correlation_id}, Attempt: {}.", job.id, job.attempt));
    tracing::info!(job = %job.id, attempt = job.attempt, "job started");

    let mut interruptions = Interruptions::new(service, facts);
    let outcome = interruptions.at(Stage::Start, &mut report).and_then(|()| {
        let mut controller = |point, report: &mut Reporter<'_>| interruptions.checkpoint(point, report);
        let storage = &service.storage;
        let source = import::Source { job: &job, key: job_key(&job), storage, options: service.settings.import };
        import::run(source, &service.store, service.runtime.clone(), &mut report, &mut controller)
    });
    let outcome = outcome.and_then(|()| interruptions.finish(&mut report));
    if let Err(fatal) = outcome {
        report.fatal(fatal);
    }

    let finished = service.now();
    let counters = report.counters();
    let (errors, warnings) = report.errors_and_warnings();
    report.note(&format!("Finish Time: {}.", event_time(finished)));
    report.note(&format!("Duration: {}", duration_text(report.elapsed(started))));
    report.note(&format!("Total Objects: {}", counters.objects_processed));
    report.note(&format!("Finished with {warnings} warnings."));
    report.note(&format!("Finished with {errors} errors."));

    // Open question Q15: the job leaves the queue, its logs are written, then JobEnd.
    let id = job.id;
    if let Err(e) = service.store.blocking(|db| db.set_job_state(id, JobState::Ended, finished)) {
        tracing::error!(job = %id, error = %e, "could not end the job");
    }
    let log = report.take_log();
    let written = log
        .and_then(|log| log.finish(&base_name(job.id, job.attempt)).ok())
        .map(|files| write_logs(service, &job, &files));
    if written != Some(true) {
        report.error(problems::log_upload_failed());
    }
    let counters = report.counters();
    report.event(EventKind::JobEnd(Box::new(counters)));
    tracing::info!(job = %job.id, errors, warnings, "job ended");
}

/// Writes the log files to the manifest container (encrypted for encrypted jobs, IV in
/// metadata) and copies them into the site's Maintenance Logs library (behaviours 160–164).
/// Returns whether the container writes succeeded.
fn write_logs(service: &JobService, job: &JobRecord, files: &[LogFile]) -> bool {
    let container = match Container::connect(&job.manifest_uri, &service.storage, "w", crate::storage::now()) {
        Ok(container) => container,
        Err(e) => {
            tracing::warn!(job = %job.id, error = %e, "cannot write logs to the manifest container");
            return false;
        }
    };
    let key = job_key(job);
    let mut uploaded = true;
    for file in files {
        let (bytes, metadata) = match &key {
            Some(key) => {
                let iv = service.ids.bytes();
                (crypto::encrypt(key, &iv, &file.bytes), HashMap::from([("IV".to_string(), BASE64.encode(iv))]))
            }
            None => (file.bytes.clone(), HashMap::new()),
        };
        if let Err(e) = service.runtime.block_on(container.upload(&file.name, bytes, metadata)) {
            tracing::warn!(job = %job.id, file = %file.name, error = %e, "cannot upload a log file");
            uploaded = false;
        }
        if let Err(e) = keep_log(service, job, file) {
            tracing::warn!(job = %job.id, file = %file.name, error = %e, "cannot keep a log file in the site");
        }
    }
    uploaded
}

/// Stores a log file in the content store, records it with the job, and (unless switched
/// off) adds it to `{site}/_catalogs/Maintenance Logs` as plain text (behaviour 162).
fn keep_log(service: &JobService, job: &JobRecord, file: &LogFile) -> Result<(), crate::site::Error> {
    let stored = service.store.content().put(&mut file.bytes.as_slice())?;
    let (id, name) = (job.id, file.name.clone());
    let (sha, size) = (stored.sha256.clone(), stored.size);
    service.store.blocking(|db| db.record_log_file(id, &name, &sha, size))?;
    if !service.settings.copy_logs_to_site {
        return Ok(());
    }
    let now = service.now();
    let site_id = job.site_id;
    service.store.blocking(|db| {
        let Some(site) = db.site(site_id)? else {
            return Ok(());
        };
        let library = format!("{}/_catalogs/Maintenance Logs", site.url.trim_end_matches('/'));
        let Some(folder) = db.folder_by_url(&library)? else {
            return Ok(());
        };
        let url = format!("{library}/{}", file.name);
        let write = FileWrite {
            // A log file's id is derived from its URL, so a re-run replaces it.
            id: crate::site::spec::derived_id("log", &url),
            web_id: folder.web_id,
            list_id: folder.list_id,
            folder_id: folder.id,
            name: file.name.clone(),
            url,
            author_id: Some(SYSTEM_ACCOUNT_ID),
            modified_by_id: Some(SYSTEM_ACCOUNT_ID),
            item_id: None,
            time_created: now,
            time_last_modified: now,
        };
        let version = FileVersion {
            version: 512,
            content_sha256: stored.sha256.clone(),
            size: stored.size as i64,
            created: now,
            created_by_id: Some(SYSTEM_ACCOUNT_ID),
            checkin_comment: String::new(),
        };
        db.replace_file(&write, &[version], &Default::default())
    })
}

/// `hh:mm:ss.fff`, as the log's Duration line.
fn duration_text(elapsed: std::time::Duration) -> String {
    let ms = elapsed.as_millis();
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}
