//! The site collections the emulator was told to have: at start (the default site and the
//! seed file) and at runtime (`POST /_emulator/sites`), so a reset can provision them again.

use std::sync::Mutex;

use super::spec::SitePlan;

pub struct DeclaredSites {
    startup: Vec<SitePlan>,
    runtime: Mutex<Vec<SitePlan>>,
}

impl DeclaredSites {
    pub fn new(startup: Vec<SitePlan>) -> DeclaredSites {
        DeclaredSites { startup, runtime: Mutex::new(Vec::new()) }
    }

    /// Remembers a site declared at runtime (a later declaration of the same id wins).
    pub fn add(&self, plan: SitePlan) {
        let mut runtime = self.lock();
        runtime.retain(|p| p.id != plan.id);
        runtime.push(plan);
    }

    pub fn startup(&self) -> &[SitePlan] {
        &self.startup
    }

    /// The declaration of the site collection at `url` (case-insensitive).
    pub fn find(&self, url: &str) -> Option<SitePlan> {
        let url = url.trim_end_matches('/');
        let matches = |p: &&SitePlan| p.url.trim_end_matches('/').eq_ignore_ascii_case(url);
        let runtime = self.lock();
        runtime.iter().rev().find(matches).or_else(|| self.startup.iter().find(matches)).cloned()
    }

    /// Forgets the runtime declarations (a full reset returns to the startup sites).
    pub fn forget_runtime(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SitePlan>> {
        self.runtime.lock().unwrap_or_else(|e| e.into_inner())
    }
}
