//! The test suite's levers on the job machinery: moving time and waiting for what fell due,
//! pausing for a reset, and starting over.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::JobService;
use crate::site::jobs::JobState;

impl JobService {
    /// Moves the clock forward, then returns once everything that fell due has run: no job is
    /// due and no attempt is running.
    pub async fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.settle().await;
    }

    /// Stops picking up jobs, cancels the running ones, and returns once none runs.
    pub async fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let running = self.store.call(|db| db.jobs()).await.unwrap_or_default();
        self.cancellations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(running.iter().filter(|j| j.state == JobState::Processing).map(|j| j.id));
        while self.running.load(Ordering::SeqCst) > 0 {
            tokio::select! {
                _ = self.idle.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
        }
    }

    /// Undoes [`JobService::pause`].
    pub fn unpause(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.cancellations.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.wake.notify_waiters();
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// Back to the start: the config file's rules, and with `--seed` the seeded id stream and
    /// clock; without a seed the clock restarts at real time.
    pub fn restart_rules_ids_and_clock(&self) {
        self.rules.clear();
        self.rules.add(self.settings.startup_rules.clone());
        if let Some(seed) = self.settings.seed {
            self.ids.reseed(seed);
        }
        let (at, frozen) = crate::clock::origin(self.settings.seed);
        self.clock.restart(at, self.settings.clock_speed, frozen);
    }

    /// Waits until no queued job is due and no attempt runs.
    pub async fn settle(&self) {
        loop {
            self.wake.notify_waiters();
            if self.running.load(Ordering::SeqCst) == 0 {
                let now = self.now();
                let due = self.store.call(move |db| db.has_due_job(now)).await.unwrap_or(false);
                if !due && self.running.load(Ordering::SeqCst) == 0 {
                    return;
                }
            }
            tokio::select! {
                _ = self.idle.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
        }
    }
}
