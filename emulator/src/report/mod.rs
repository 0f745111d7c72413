//! What a job reports: events (to SQLite, the queue and GetMigrationJobProgress) and log
//! files (to the manifest container and the Maintenance Logs library).

pub mod events;
pub mod log;
pub mod queue_message;
pub mod reporter;
