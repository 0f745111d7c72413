//! Azure Storage as the emulator sees it: the configured account, SAS tokens, the SAS-URL
//! clients that read packages and write events and logs, and the account administration that
//! provisioning needs.

pub mod account;
pub mod admin;
pub mod blobs;
pub mod crypto;
pub mod location;
pub mod queues;
pub mod sas;

use std::time::Duration;

pub use account::StorageAccount;
use url::Url;

/// The time SAS validity is judged by. Storage keeps real time whatever the emulator's clock
/// says (frozen, advanced or seeded), so a token a client signed a minute ago stays valid.
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Whether something accepts TCP connections at the endpoint's host and port. The readiness
/// probe needs only this: authorisation is per SAS URL and checked per job.
pub async fn probe(endpoint: &Url, timeout: Duration) -> Result<(), String> {
    let host = endpoint.host_str().ok_or_else(|| format!("{endpoint} has no host"))?;
    let port = endpoint.port_or_known_default().ok_or_else(|| format!("{endpoint} has no port"))?;
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("{host}:{port}: {e}")),
        Err(_) => Err(format!("{host}:{port}: no answer within {timeout:?}")),
    }
}
