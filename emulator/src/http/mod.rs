//! The HTTP surface: SharePoint's REST API under every site URL, and the emulator's own
//! `/_emulator/` API. Routers are composed here; each surface lives in its own module.

pub mod admin;
pub mod auth;
pub mod control;
pub mod error;
pub mod middleware;
pub mod odata;
pub mod rest;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;

use crate::jobs::JobService;
use crate::site::Store;
use crate::site::declared::DeclaredSites;
use crate::storage::StorageAccount;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub jobs: Arc<JobService>,
    pub storage: Arc<StorageAccount>,
    /// Accepted bearer tokens and their permissions; `None` accepts any non-empty token.
    pub tokens: Option<Arc<HashMap<String, auth::Permission>>>,
    /// `host:port` for absolute URLs when a request carries no `Host` header.
    pub public_host: String,
    /// Site collections to provision again on reset.
    pub sites: Arc<DeclaredSites>,
}

pub fn router(state: AppState) -> Router {
    admin::router()
        .merge(control::router())
        .fallback(rest::handle)
        .layer(axum::middleware::from_fn(middleware::sharepoint_headers))
        .with_state(state)
}
