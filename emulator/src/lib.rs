//! A local emulator of the SharePoint Online Import Migration API.
//!
//! The crate is a library with a thin binary (`spmig`). Data flows
//! `http` (REST surface) → `jobs` → pipeline (`storage`, `package`, `import`, `report`) →
//! `site` (SQLite site model; the only module that writes SQL). See the README's
//! architecture section.

pub mod azurite;
pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod ids;
pub mod import;
pub mod isv;
pub mod jobs;
pub mod package;
pub mod problems;
pub mod report;
pub mod scenario;
pub mod server;
pub mod site;
pub mod storage;
