//! Starting and stopping the emulator: open the site model, provision the default and seeded
//! sites, bind, serve until told to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::Settings;
use crate::http::{self, AppState, auth};
use crate::ids::Ids;
use crate::jobs::{JobService, JobSettings};
use crate::site::declared::DeclaredSites;
use crate::site::provisioned::ResourceKind;
use crate::site::seed_file::{self, SeedFileError};
use crate::site::spec::SiteSpec;
use crate::site::{self, SiteOutcome, Store};
use crate::storage::admin::AccountAdmin;

/// The site collection every emulator has, at `/sites/dev`.
pub fn default_site() -> SiteSpec {
    SiteSpec::named("/sites/dev", "Dev")
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("site model: {0}")]
    Store(#[from] site::Error),
    #[error("{0}")]
    Seed(#[from] SeedFileError),
    #[error("{0}")]
    Tokens(String),
    #[error("cannot listen on {addr}: {error}")]
    Bind { addr: SocketAddr, error: std::io::Error },
}

/// A running emulator.
pub struct Emulator {
    /// The address actually bound (port 0 resolved).
    pub addr: SocketAddr,
    /// `http://<addr>`
    pub url: String,
    pub default_site: SiteOutcome,
    pub store: Store,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Emulator {
    pub async fn start(settings: &Settings) -> Result<Emulator, StartError> {
        let store = Store::open((!settings.in_memory).then_some(settings.data.as_path()))?;
        let now = time::OffsetDateTime::now_utc();
        let default_plan = default_site().plan().expect("the default site is valid");
        let default_site = store.blocking(|db| db.apply_site(&default_plan, now))?;
        let mut declared = vec![default_plan];
        if let Some(path) = &settings.sites {
            for plan in seed_file::load(path)? {
                let outcome = store.blocking(|db| db.apply_site(&plan, now))?;
                tracing::info!(site = %outcome.url, created = outcome.created.len(), "seeded site collection");
                declared.push(plan);
            }
        }
        let tokens = match &settings.tokens {
            Some(path) => Some(Arc::new(auth::load_tokens(path).map_err(StartError::Tokens)?)),
            None => None,
        };

        let listener = TcpListener::bind(settings.listen)
            .await
            .map_err(|error| StartError::Bind { addr: settings.listen, error })?;
        let addr = listener.local_addr().map_err(|error| StartError::Bind { addr: settings.listen, error })?;
        let (at, frozen) = crate::clock::origin(settings.seed);
        let clock = Clock::starting(at, settings.clock_speed, frozen);
        let ids = settings.seed.map_or_else(Ids::random, Ids::seeded);
        let job_settings = JobSettings::from_settings(settings);
        let jobs = JobService::new(store.clone(), clock, ids, settings.storage.clone(), job_settings);
        jobs.recover().await;
        let workers = jobs.start();
        let state = AppState {
            store: store.clone(),
            jobs,
            storage: Arc::new(settings.storage.clone()),
            tokens,
            public_host: addr.to_string(),
            sites: Arc::new(DeclaredSites::new(declared)),
        };
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = http::router(state);
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Emulator { addr, url: format!("http://{addr}"), default_site, store, shutdown, task, workers })
    }

    /// Stops accepting requests, lets those in flight finish, and returns.
    pub async fn stop(self) -> std::io::Result<()> {
        for worker in &self.workers {
            worker.abort();
        }
        let _ = self.shutdown.send(());
        self.task.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// The lines `spmig serve` prints once it accepts requests.
    pub fn banner(&self) -> String {
        let site = &self.default_site;
        let library = site.lists.iter().find(|l| l.title == "Documents").expect("the default site has Documents");
        format!(
            "spmig ready on {url}\n  site     {url}{site_url}\n  web id   {web}\n  library  {title} {library} ({library_url})\n",
            url = self.url,
            site_url = site.url,
            web = site.root_web_id,
            title = library.title,
            library = library.id,
            library_url = library.url,
        )
    }
}

/// `POST /_emulator/reset`: forgets one site collection (by URL) or everything: jobs, events,
/// imported content, and the containers and queues provisioned for it, then provisions the
/// declared sites again. A full reset also restores the config file's rules and restarts the
/// clock (and, with `--seed`, the id stream), so the emulator is as it was at start.
pub async fn reset(state: &AppState, site_url: Option<&str>) -> Result<serde_json::Value, String> {
    let site = match site_url {
        None => None,
        Some(url) => {
            let wanted = url.trim_end_matches('/').to_string();
            let found = state.store.call(move |db| db.web_by_url(&wanted)).await.map_err(|e| e.to_string())?;
            match found {
                Some((site, _)) if site.url.trim_end_matches('/').eq_ignore_ascii_case(url.trim_end_matches('/')) => {
                    Some(site)
                }
                _ => return Err(format!("no site collection at '{url}'")),
            }
        }
    };
    state.jobs.pause().await;
    let outcome = forget_and_provision(state, site.as_ref()).await;
    if site.is_none() {
        state.jobs.restart_rules_ids_and_clock();
    }
    state.jobs.unpause();
    outcome
}

async fn forget_and_provision(
    state: &AppState,
    site: Option<&crate::site::model::SiteCollection>,
) -> Result<serde_json::Value, String> {
    let site_id = site.map(|s| s.id);
    let provisioned = state.store.call(move |db| db.provisioned(site_id)).await.map_err(|e| e.to_string())?;
    let (mut deleted, mut failed) = (Vec::new(), Vec::new());
    if !provisioned.is_empty() {
        let admin = AccountAdmin::new(&state.storage).map_err(|e| e.message)?;
        for (kind, name) in provisioned {
            let result = match kind {
                ResourceKind::Container => admin.delete_container(&name).await,
                ResourceKind::Queue => admin.delete_queue(&name).await,
            };
            match result {
                Ok(()) => deleted.push(name),
                Err(e) if e.is_not_found() => deleted.push(name),
                Err(e) => failed.push(format!("{name}: {}", e.message)),
            }
        }
    }
    let jobs = state.store.call(move |db| db.delete_sites(site_id)).await.map_err(|e| e.to_string())?;

    let plans = match site {
        Some(site) => state.sites.find(&site.url).into_iter().collect(),
        None => {
            state.sites.forget_runtime();
            state.sites.startup().to_vec()
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let mut sites = Vec::new();
    for plan in plans {
        let outcome = state.store.call(move |db| db.apply_site(&plan, now)).await.map_err(|e| e.to_string())?;
        sites.push(outcome.url);
    }
    let keep = state.store.call(|db| db.referenced_content()).await.map_err(|e| e.to_string())?;
    let bodies = state.store.content().retain(&keep).map_err(|e| e.to_string())?;
    tracing::info!(site = site.map_or("(all)", |s| s.url.as_str()), jobs, bodies, "reset");
    Ok(serde_json::json!({
        "jobsDeleted": jobs,
        "contentBodiesDeleted": bodies,
        "storageDeleted": deleted,
        "storageNotDeleted": failed,
        "sitesProvisioned": sites,
        "rulesRestored": site.is_none(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Documented in the README; tools and scenario files may hard-code them.
    #[test]
    fn default_site_guids_never_change() {
        let plan = default_site().plan().unwrap();
        assert_eq!(plan.id.to_string(), "1b2763a6-b33e-58d8-9753-030186a4e9d2");
        assert_eq!(plan.webs[0].id.to_string(), "40fdc1f3-80b3-550d-bbc7-da81b0a2f205");
        let ids: Vec<_> =
            plan.lists.iter().map(|l| (l.title.as_str(), l.id.to_string(), l.root_folder_id.to_string())).collect();
        assert_eq!(
            ids,
            [
                (
                    "Documents",
                    "8f26c712-bad1-56aa-82b1-15eae82834ec".into(),
                    "6aaf4960-ff1f-566f-af42-ea4451d3b961".into()
                ),
                (
                    "Maintenance Logs",
                    "748ef7f2-bbbf-5e39-a5e2-ec69d5d32a30".into(),
                    "aba688fd-e2d5-5de3-9a10-4bf03c5195fc".into()
                ),
            ]
        );
    }
}
