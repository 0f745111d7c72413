//! Everything one attempt reports, kept consistent: each warning or error becomes one event,
//! one log line and one count; counters accumulate for JobProgress and JobEnd.

use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use super::events::{Counters, Event, EventKind, FileStats, ObjectStats, Problem};
use super::log::{Category, JobLog};
use crate::clock::SharedClock;

/// Size buckets of `CreatedOrUpdatedFileStatsBySize` (open question Q21): powers of ten of
/// KiB, labelled as the documented `0-1K`.
const BUCKETS: [(u64, &str); 9] = [
    (1 << 10, "0-1K"),
    (10 << 10, "1K-10K"),
    (100 << 10, "10K-100K"),
    (1000 << 10, "100K-1M"),
    (10_000 << 10, "1M-10M"),
    (100_000 << 10, "10M-100M"),
    (1_000_000 << 10, "100M-1G"),
    (10_000_000 << 10, "1G-10G"),
    (u64::MAX, "10G+"),
];

pub struct Reporter<'a> {
    job_id: Uuid,
    correlation_id: Uuid,
    total_retry_count: u32,
    clock: SharedClock,
    emit: Box<dyn FnMut(&Event) + 'a>,
    log: Option<JobLog>,
    counters: Counters,
    started: OffsetDateTime,
    progress_every: Duration,
    last_progress: OffsetDateTime,
}

impl<'a> Reporter<'a> {
    pub fn new(
        job_id: Uuid,
        correlation_id: Uuid,
        total_retry_count: u32,
        clock: SharedClock,
        log: JobLog,
        progress_every: Duration,
        emit: impl FnMut(&Event) + 'a,
    ) -> Self {
        let last_progress = clock.now();
        Reporter {
            job_id,
            correlation_id,
            total_retry_count,
            clock,
            emit: Box::new(emit),
            log: Some(log),
            counters: Counters::default(),
            started: last_progress,
            progress_every,
            last_progress,
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Emulator time since `since`: durations follow the clock, so seeded runs repeat them.
    pub fn elapsed(&self, since: OffsetDateTime) -> Duration {
        (self.clock.now() - since).try_into().unwrap_or(Duration::ZERO)
    }

    /// Stamps and emits an event of this attempt.
    pub fn event(&mut self, kind: EventKind) {
        let event = Event {
            kind,
            job_id: self.job_id,
            time: self.clock.now(),
            correlation_id: self.correlation_id,
            total_retry_count: self.total_retry_count,
        };
        (self.emit)(&event);
    }

    /// A free-text progress line in the log.
    pub fn note(&mut self, text: &str) {
        self.write(Category::Progress, text);
    }

    pub fn warning(&mut self, problem: Problem) {
        self.counters.total_warnings += 1;
        self.problem(Category::Warning, &problem);
        self.event(EventKind::JobWarning(problem));
    }

    pub fn error(&mut self, problem: Problem) {
        self.counters.total_errors += 1;
        self.problem(Category::Error, &problem);
        self.event(EventKind::JobError(problem));
    }

    /// A fatal error counts as an error too (behaviour 64).
    pub fn fatal(&mut self, problem: Problem) {
        self.counters.total_errors += 1;
        self.problem(Category::FatalError, &problem);
        self.event(EventKind::JobFatalError(problem));
    }

    pub fn expect_objects(&mut self, count: u64) {
        self.counters.total_expected_sp_objects += count;
    }

    /// One object handled, of a manifest type such as `SPFile`, with its versions.
    pub fn object_done(&mut self, object_type: &str, id: Option<Uuid>, versions: u64, took: Duration) {
        self.counters.objects_processed += 1;
        if id.is_some() {
            self.counters.last_sp_object_id = id;
        }
        let stats = match self.counters.objects_stats_by_type.iter_mut().find(|(t, _)| t == object_type) {
            Some((_, stats)) => stats,
            None => {
                self.counters.objects_stats_by_type.push((object_type.to_string(), ObjectStats::default()));
                &mut self.counters.objects_stats_by_type.last_mut().expect("just pushed").1
            }
        };
        stats.count += 1;
        stats.total_time += took.as_millis() as u64;
        if versions > 1 {
            stats.accumulated_versions += versions;
            stats.objects_with_versions += 1;
        }
        self.tick();
    }

    /// A file written with all its versions (behaviours 61–63): every version counts in
    /// FilesCreated and BytesProcessed, the file once in the "irrespective" counters.
    pub fn file_created(&mut self, version_sizes: &[u64], download: Duration, creation: Duration) {
        let Some(&current) = version_sizes.last() else {
            return;
        };
        self.counters.files_created += version_sizes.len() as u64;
        self.counters.bytes_processed += version_sizes.iter().sum::<u64>();
        self.counters.files_created_irrespective_of_versions += 1;
        self.counters.bytes_processed_only_current_version += current;
        let label = BUCKETS.iter().find(|(limit, _)| current < *limit).map_or("10G+", |(_, label)| *label);
        let stats = match self.counters.file_stats_by_size.iter_mut().find(|(l, _)| *l == label) {
            Some((_, stats)) => stats,
            None => {
                self.counters.file_stats_by_size.push((label, FileStats::default()));
                self.counters.file_stats_by_size.sort_by_key(|(l, _)| BUCKETS.iter().position(|(_, b)| b == l));
                &mut self.counters.file_stats_by_size.iter_mut().find(|(l, _)| *l == label).expect("just added").1
            }
        };
        stats.count += 1;
        stats.total_size += current;
        stats.total_download_time += download.as_millis() as u64;
        stats.total_creation_time += creation.as_millis() as u64;
    }

    /// Emits JobProgress when the cadence says so (behaviours 59, 60).
    pub fn tick(&mut self) {
        let now = self.clock.now();
        if now - self.last_progress >= self.progress_every {
            self.last_progress = now;
            let counters = self.counters();
            self.event(EventKind::JobProgress(Box::new(counters)));
        }
    }

    /// The counters so far, with the elapsed time.
    pub fn counters(&self) -> Counters {
        Counters { total_duration_ms: self.elapsed(self.started).as_secs_f64() * 1000.0, ..self.counters.clone() }
    }

    pub fn errors_and_warnings(&self) -> (u64, u64) {
        (self.counters.total_errors, self.counters.total_warnings)
    }

    /// Hands the log over for writing out; later lines are not logged.
    pub fn take_log(&mut self) -> Option<JobLog> {
        self.log.take()
    }

    fn problem(&mut self, category: Category, problem: &Problem) {
        let at = self.clock.now();
        let Some(log) = &mut self.log else { return };
        if let Err(e) = log.problem(at, category, problem) {
            tracing::error!(job = %self.job_id, error = %e, "could not write the job log");
        }
    }

    fn write(&mut self, category: Category, text: &str) {
        let at = self.clock.now();
        let Some(log) = &mut self.log else { return };
        if let Err(e) = log.line(at, category, text) {
            tracing::error!(job = %self.job_id, error = %e, "could not write the job log");
        }
    }
}
