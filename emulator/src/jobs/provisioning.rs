//! ProvisionMigrationContainers and ProvisionMigrationQueue (api.md §6–§7, behaviours 1–9):
//! storage created for the tenant in the configured account (Azurite by default, real Azure
//! over https just as well), with SAS tokens the emulator signs itself.

use time::{Duration, OffsetDateTime, Time};
use uuid::Uuid;

use super::JobService;
use crate::site::provisioned::ResourceKind;
use crate::storage::StorageAccount;
use crate::storage::admin::AccountAdmin;
use crate::storage::blobs::OWN_SAS_VERSION;
use crate::storage::sas::{SasToken, sas_time};

/// What ProvisionMigrationContainers returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisionedContainers {
    pub data_container_uri: String,
    pub metadata_container_uri: String,
    pub encryption_key: [u8; 32],
}

/// Days a provisioned container's SAS is valid, counted from midnight of the day it was made
/// (observed: `st` 00:00 on day 0, `se` 00:00 on day 4).
const CONTAINER_SAS_DAYS: i64 = 4;
/// A provisioned queue's SAS: no start, expiry about a year ahead (observed).
const QUEUE_SAS_DAYS: i64 = 365;

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("the storage account has no key, so the emulator cannot create containers or sign SAS tokens")]
    NoKey,
    #[error("{0}")]
    Storage(String),
    #[error("{0}")]
    Internal(String),
}

impl From<crate::site::Error> for ProvisionError {
    fn from(e: crate::site::Error) -> Self {
        ProvisionError::Internal(e.to_string())
    }
}

impl JobService {
    /// Two new containers (content and metadata), never reused (behaviour 2), with `rw` SAS
    /// tokens (behaviours 3, 4) and a fresh 256-bit key (behaviour 5).
    pub async fn provision_containers(&self, site_id: Uuid) -> Result<ProvisionedContainers, ProvisionError> {
        let admin = self.admin()?;
        let now = crate::storage::now();
        let start = now.replace_time(Time::MIDNIGHT);
        let expiry = start + Duration::days(CONTAINER_SAS_DAYS);
        let mut uris = Vec::with_capacity(2);
        for _ in 0..2 {
            let name = format!("0-1623-{}-{}", date_digits(expiry), self.ids.uuid().simple());
            admin.create_container(&name).await.map_err(|e| ProvisionError::Storage(e.message))?;
            self.record(ResourceKind::Container, &name, site_id).await?;
            let token = SasToken {
                version: OWN_SAS_VERSION.into(),
                permissions: "rw".into(),
                resource: Some("c".into()),
                start: Some(sas_time(start)),
                expiry: Some(sas_time(expiry)),
                protocol: Some(protocols(&self.storage)),
                ..Default::default()
            };
            uris.push(with_explicit_port(&admin.sign_url(&name, token, false)));
        }
        let [data_container_uri, metadata_container_uri] = <[String; 2]>::try_from(uris).expect("two containers");
        tracing::info!(site = %site_id, data = %data_container_uri, metadata = %metadata_container_uri, "provisioned migration containers");
        Ok(ProvisionedContainers { data_container_uri, metadata_container_uri, encryption_key: self.ids.bytes() })
    }

    /// A new report queue with an `raup` SAS valid for about a year (behaviour 7).
    pub async fn provision_queue(&self, site_id: Uuid) -> Result<String, ProvisionError> {
        let admin = self.admin()?;
        let name = format!("q-{}", self.ids.uuid().simple());
        admin.create_queue(&name).await.map_err(|e| ProvisionError::Storage(e.message))?;
        self.record(ResourceKind::Queue, &name, site_id).await?;
        let token = SasToken {
            version: OWN_SAS_VERSION.into(),
            permissions: "raup".into(),
            expiry: Some(sas_time(crate::storage::now() + Duration::days(QUEUE_SAS_DAYS))),
            ..Default::default()
        };
        let uri = with_explicit_port(&admin.sign_url(&name, token, true));
        tracing::info!(site = %site_id, queue = %uri, "provisioned a migration queue");
        Ok(uri)
    }

    fn admin(&self) -> Result<AccountAdmin, ProvisionError> {
        if self.storage.key().is_none() {
            return Err(ProvisionError::NoKey);
        }
        AccountAdmin::new(&self.storage).map_err(|e| ProvisionError::Storage(e.message))
    }

    async fn record(&self, kind: ResourceKind, name: &str, site_id: Uuid) -> Result<(), ProvisionError> {
        let (name, at) = (name.to_string(), self.now());
        Ok(self.store.call(move |db| db.record_provisioned(kind, &name, site_id, at)).await?)
    }
}

fn date_digits(at: OffsetDateTime) -> String {
    format!("{:04}{:02}{:02}", at.year(), u8::from(at.month()), at.day())
}

/// `https` when the account is reached over https, as the service issues since July 2024
/// (behaviour 4); `https,http` for Azurite over plain http, which could not serve an
/// https-only token (storage.md §1.3).
fn protocols(account: &StorageAccount) -> String {
    if account.blob_endpoint.scheme() == "https" { "https".into() } else { "https,http".into() }
}

/// The service's URIs name port 443 explicitly (behaviour 9); URL libraries drop it, so it is
/// put back by hand.
fn with_explicit_port(uri: &str) -> String {
    match uri.strip_prefix("https://") {
        Some(rest) => {
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            if host.contains(':') { uri.to_string() } else { format!("https://{host}:443{path}") }
        }
        None => uri.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn b9_https_uris_name_port_443() {
        assert_eq!(
            with_explicit_port("https://acct.blob.core.windows.net/0-1623-x?sv=1"),
            "https://acct.blob.core.windows.net:443/0-1623-x?sv=1"
        );
        assert_eq!(with_explicit_port("https://h:8443/c?x"), "https://h:8443/c?x");
        assert_eq!(with_explicit_port("http://127.0.0.1:10000/a/c?x"), "http://127.0.0.1:10000/a/c?x");
    }

    #[test]
    fn b4_https_only_tokens_for_https_accounts() {
        let azure = StorageAccount::parse(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net",
        )
        .unwrap();
        assert_eq!(protocols(&azure), "https");
        let azurite = StorageAccount::parse(&crate::storage::account::default_connection_string()).unwrap();
        assert_eq!(protocols(&azurite), "https,http");
        assert_eq!(date_digits(datetime!(2023-05-12 00:00 UTC)), "20230512");
    }
}
