//! Time, under control: the scheduler and every event take "now" from one [`Clock`], which runs
//! at real speed by default, faster with `--clock-speed`, frozen with `--seed` or
//! `POST /_emulator/clock/freeze`, and moves forward on `POST /_emulator/clock/advance`. Tests
//! drive time instead of sleeping.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::Notify;

/// Where the first deterministic (`--seed`) run starts: a fixed instant, so event times repeat.
pub const SEEDED_EPOCH: OffsetDateTime = time::macros::datetime!(2026-01-01 00:00:00 UTC);

/// Virtual time: `anchor_virtual + (real time since anchor_real) × speed`, or `anchor_virtual`
/// while frozen.
pub struct Clock {
    state: Mutex<State>,
    /// Signalled whenever time jumps or changes pace, so waiters recompute their deadlines.
    changed: Notify,
}

#[derive(Clone, Copy)]
struct State {
    anchor_real: Instant,
    anchor_virtual: OffsetDateTime,
    speed: f64,
    frozen: bool,
}

pub type SharedClock = Arc<Clock>;

/// A snapshot of the clock for the admin API.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockView {
    pub now: OffsetDateTime,
    pub speed: f64,
    pub frozen: bool,
}

/// Where a clock starts and whether it starts frozen: with `--seed`, frozen at
/// [`SEEDED_EPOCH`] so runs repeat; otherwise at real time, running.
pub fn origin(seed: Option<u64>) -> (OffsetDateTime, bool) {
    match seed {
        Some(_) => (SEEDED_EPOCH, true),
        None => (OffsetDateTime::now_utc(), false),
    }
}

impl Clock {
    pub fn starting(at: OffsetDateTime, speed: f64, frozen: bool) -> SharedClock {
        Arc::new(Clock {
            state: Mutex::new(State { anchor_real: Instant::now(), anchor_virtual: at, speed: speed.max(0.0), frozen }),
            changed: Notify::new(),
        })
    }

    pub fn now(&self) -> OffsetDateTime {
        current(&self.lock())
    }

    pub fn view(&self) -> ClockView {
        let state = *self.lock();
        ClockView { now: current(&state), speed: state.speed, frozen: state.frozen }
    }

    /// Moves time forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.rebase(|state, now| state.anchor_virtual = now + by);
    }

    /// Stops time; only [`Clock::advance`] moves it.
    pub fn freeze(&self) {
        self.rebase(|state, _| state.frozen = true);
    }

    /// Lets time run again at its speed.
    pub fn resume(&self) {
        self.rebase(|state, _| state.frozen = false);
    }

    /// Starts over at `at` (a reset).
    pub fn restart(&self, at: OffsetDateTime, speed: f64, frozen: bool) {
        self.rebase(|state, _| {
            state.anchor_virtual = at;
            state.speed = speed.max(0.0);
            state.frozen = frozen;
        });
    }

    pub fn set_speed(&self, speed: f64) {
        self.rebase(|state, _| state.speed = speed.max(0.0));
    }

    /// The real time to wait until virtual time reaches `deadline`; `None` while frozen (only an
    /// advance can get there).
    pub fn real_wait_until(&self, deadline: OffsetDateTime) -> Option<Duration> {
        let state = *self.lock();
        let now = current(&state);
        if now >= deadline {
            return Some(Duration::ZERO);
        }
        if state.frozen || state.speed == 0.0 {
            return None;
        }
        let virtual_wait: Duration = (deadline - now).try_into().unwrap_or(Duration::ZERO);
        Some(virtual_wait.div_f64(state.speed))
    }

    /// Resolves when the clock jumps or changes pace.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    fn rebase(&self, change: impl FnOnce(&mut State, OffsetDateTime)) {
        {
            let mut state = self.lock();
            let now = current(&state);
            state.anchor_virtual = now;
            state.anchor_real = Instant::now();
            change(&mut state, now);
        }
        self.changed.notify_waiters();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn current(state: &State) -> OffsetDateTime {
    if state.frozen {
        return state.anchor_virtual;
    }
    let elapsed = state.anchor_real.elapsed().mul_f64(state.speed);
    state.anchor_virtual + elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_time_moves_only_when_advanced() {
        let clock = Clock::starting(SEEDED_EPOCH, 1.0, true);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), SEEDED_EPOCH);
        clock.advance(Duration::from_secs(90));
        assert_eq!(clock.now(), SEEDED_EPOCH + time::Duration::seconds(90));
        assert_eq!(clock.real_wait_until(SEEDED_EPOCH + time::Duration::hours(1)), None);
        assert_eq!(clock.real_wait_until(SEEDED_EPOCH), Some(Duration::ZERO));
    }

    #[test]
    fn speed_scales_real_time() {
        let clock = Clock::starting(SEEDED_EPOCH, 1000.0, false);
        std::thread::sleep(Duration::from_millis(20));
        let moved = clock.now() - SEEDED_EPOCH;
        assert!(moved >= time::Duration::seconds(20), "{moved}");
        let wait = clock.real_wait_until(clock.now() + time::Duration::seconds(60)).unwrap();
        assert!(wait <= Duration::from_millis(61), "{wait:?}");
        clock.freeze();
        let at = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), at);
        clock.resume();
        std::thread::sleep(Duration::from_millis(5));
        assert!(clock.now() > at);
    }
}
