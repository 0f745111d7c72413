//! Where a running attempt can be stopped or slowed: a DeleteMigrationJob from the user, and
//! the rules `fail`, `cancel_by_user` and `slow`, at the stages of [`Stage`].

use std::time::Duration;

use super::JobService;
use super::rules::{Action, JobFacts, Stage};
use crate::import::Checkpoint;
use crate::problems;
use crate::report::events::{EventKind, Problem};
use crate::report::reporter::Reporter;

pub struct Interruptions<'s> {
    service: &'s JobService,
    facts: JobFacts,
    /// Real time each manifest object takes (a `slow` rule), so a test can stop the
    /// emulator mid-import.
    per_object: Duration,
    objects_stage_passed: bool,
}

impl<'s> Interruptions<'s> {
    /// Takes this attempt's `slow` rule, if one matches.
    pub fn new(service: &'s JobService, facts: JobFacts) -> Self {
        let per_object = service
            .rules
            .take(&facts.subject(), &service.ids, |action| match action {
                Action::Slow { per_object_ms } => Some(Duration::from_millis(*per_object_ms)),
                _ => None,
            })
            .unwrap_or_default();
        Interruptions { service, facts, per_object, objects_stage_passed: false }
    }

    /// Stops the attempt if the user cancelled it or a rule strikes at `stage`.
    pub fn at(&mut self, stage: Stage, report: &mut Reporter<'_>) -> Result<(), Problem> {
        self.cancelled_by_user(report)?;
        let struck = self.service.rules.take(&self.facts.subject(), &self.service.ids, |action| match action {
            Action::Fail { stage: s, message } if *s == stage => Some(Some(message.clone())),
            Action::CancelByUser { stage: s } if *s == stage => Some(None),
            _ => None,
        });
        match struck {
            None => Ok(()),
            Some(Some(message)) => {
                tracing::info!(job = %self.facts.job_id, stage = stage.name(), "a rule fails the job");
                Err(problems::injected_failure(stage.name(), message.as_deref()))
            }
            Some(None) => {
                tracing::info!(job = %self.facts.job_id, stage = stage.name(), "a rule cancels the job as its user");
                Err(cancel(report, true))
            }
        }
    }

    /// Called by the import as it goes.
    pub fn checkpoint(&mut self, point: Checkpoint, report: &mut Reporter<'_>) -> Result<(), Problem> {
        match point {
            Checkpoint::PackageRead => self.at(Stage::Package, report),
            Checkpoint::ObjectDone { done, of } => {
                if !self.per_object.is_zero() {
                    std::thread::sleep(self.per_object);
                }
                if !self.objects_stage_passed && done * 2 >= of {
                    self.objects_stage_passed = true;
                    return self.at(Stage::Objects, report);
                }
                self.cancelled_by_user(report)
            }
        }
    }

    /// The last look before the attempt ends: a cancellation that arrived after the last
    /// object still cancels the job, as DeleteMigrationJob promised.
    pub fn finish(&mut self, report: &mut Reporter<'_>) -> Result<(), Problem> {
        self.cancelled_by_user(report)
    }

    fn cancelled_by_user(&self, report: &mut Reporter<'_>) -> Result<(), Problem> {
        if self.service.take_cancellation(self.facts.job_id) {
            return Err(cancel(report, false));
        }
        Ok(())
    }
}

/// Behaviour 65: JobCancelled (by the user), JobProgress, then the fatal "Operation canceled."
/// that the attempt reports before JobEnd.
fn cancel(report: &mut Reporter<'_>, by_rule: bool) -> Problem {
    report.event(EventKind::JobCancelled { cancelled_by_user: true, reason: None });
    let counters = report.counters();
    report.event(EventKind::JobProgress(Box::new(counters)));
    problems::operation_canceled(by_rule)
}
