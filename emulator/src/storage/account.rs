//! The storage account the emulator talks to, read from an Azure Storage connection string.
//!
//! The emulator itself only *needs* an account for provisioning containers and queues
//! (`ProvisionMigrationContainers`) and for the readiness probe; package reads go through the
//! client's SAS URLs. Holding the account key additionally lets the emulator verify SAS tokens
//! issued for this account itself (see `storage::sas`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use url::Url;

/// Azurite's well-known development account, as published in Azurite's README.
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
/// The published key of [`AZURITE_ACCOUNT`]; not a secret.
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Connection string for Azurite on its default loopback ports.
pub fn azurite_connection_string(blob_port: u16, queue_port: u16) -> String {
    format!(
        "DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};\
         BlobEndpoint=http://127.0.0.1:{blob_port}/{AZURITE_ACCOUNT};\
         QueueEndpoint=http://127.0.0.1:{queue_port}/{AZURITE_ACCOUNT};"
    )
}

/// The default of `--storage-connection-string`.
pub fn default_connection_string() -> String {
    azurite_connection_string(10000, 10001)
}

/// A parsed connection string: account name, optional key and the two endpoints we use.
#[derive(Clone, PartialEq, Eq)]
pub struct StorageAccount {
    pub name: String,
    key: Option<Vec<u8>>,
    pub blob_endpoint: Url,
    pub queue_endpoint: Url,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConnectionStringError {
    #[error("connection string part '{0}' is not of the form Key=Value")]
    NotKeyValue(String),
    #[error("connection string has no AccountName (and is not UseDevelopmentStorage=true)")]
    NoAccountName,
    #[error("connection string AccountKey is not valid base64")]
    BadKey,
    #[error("connection string {key} '{value}' is not a valid URL")]
    BadEndpoint { key: &'static str, value: String },
}

impl StorageAccount {
    /// Parses `Key=Value;Key=Value` as Azure SDKs do: keys case-insensitive, empty parts ignored,
    /// values may contain `=` (base64 keys end with it).
    pub fn parse(connection_string: &str) -> Result<Self, ConnectionStringError> {
        let mut parts = std::collections::HashMap::new();
        for part in connection_string.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| ConnectionStringError::NotKeyValue(part.to_string()))?;
            parts.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
        let get = |k: &str| parts.get(k).map(String::as_str);

        if get("usedevelopmentstorage").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Self::parse(&default_connection_string());
        }
        let name = get("accountname").ok_or(ConnectionStringError::NoAccountName)?.to_string();
        let key = match get("accountkey") {
            Some(k) => Some(BASE64.decode(k).map_err(|_| ConnectionStringError::BadKey)?),
            None => None,
        };
        let protocol = get("defaultendpointsprotocol").unwrap_or("https");
        let suffix = get("endpointsuffix").unwrap_or("core.windows.net");
        let endpoint = |key: &'static str, service: &str| {
            let value = get(&key.to_ascii_lowercase())
                .map(str::to_string)
                .unwrap_or_else(|| format!("{protocol}://{name}.{service}.{suffix}"));
            Url::parse(&value).map_err(|_| ConnectionStringError::BadEndpoint { key, value })
        };
        Ok(StorageAccount {
            blob_endpoint: endpoint("BlobEndpoint", "blob")?,
            queue_endpoint: endpoint("QueueEndpoint", "queue")?,
            name,
            key,
        })
    }

    /// The account key, when the connection string carries one.
    pub fn key(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }

    /// URL of a container (or queue) under an endpoint, keeping Azurite's path-style account
    /// segment (`http://127.0.0.1:10000/devstoreaccount1/<name>`).
    pub fn resource_url(endpoint: &Url, name: &str) -> Url {
        let mut url = endpoint.clone();
        url.path_segments_mut().expect("storage endpoints are hierarchical URLs").pop_if_empty().push(name);
        url
    }
}

impl fmt::Debug for StorageAccount {
    // The key is a secret in real accounts: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageAccount")
            .field("name", &self.name)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("blob_endpoint", &self.blob_endpoint.as_str())
            .field("queue_endpoint", &self.queue_endpoint.as_str())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_azurite_on_loopback() {
        let account = StorageAccount::parse(&default_connection_string()).unwrap();
        assert_eq!(account.name, "devstoreaccount1");
        assert_eq!(account.blob_endpoint.as_str(), "http://127.0.0.1:10000/devstoreaccount1");
        assert_eq!(account.queue_endpoint.as_str(), "http://127.0.0.1:10001/devstoreaccount1");
        assert_eq!(account.key().unwrap().len(), 64);
    }

    #[test]
    fn development_storage_shortcut() {
        let account = StorageAccount::parse("UseDevelopmentStorage=true").unwrap();
        assert_eq!(account, StorageAccount::parse(&default_connection_string()).unwrap());
    }

    #[test]
    fn cloud_account_endpoints_from_suffix() {
        let account = StorageAccount::parse(
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=AAAA;EndpointSuffix=core.usgovcloudapi.net",
        )
        .unwrap();
        assert_eq!(account.blob_endpoint.as_str(), "https://acme.blob.core.usgovcloudapi.net/");
        assert_eq!(account.queue_endpoint.as_str(), "https://acme.queue.core.usgovcloudapi.net/");
    }

    #[test]
    fn errors_are_specific() {
        assert_eq!(StorageAccount::parse("AccountKey=AAAA").unwrap_err(), ConnectionStringError::NoAccountName);
        assert_eq!(StorageAccount::parse("AccountName=a;AccountKey=%%").unwrap_err(), ConnectionStringError::BadKey);
        assert!(matches!(
            StorageAccount::parse("AccountName=a;BlobEndpoint=nope").unwrap_err(),
            ConnectionStringError::BadEndpoint { key: "BlobEndpoint", .. }
        ));
        assert!(!format!("{:?}", StorageAccount::parse(&default_connection_string()).unwrap()).contains("Eby8"));
    }

    #[test]
    fn resource_url_keeps_path_style_account() {
        let account = StorageAccount::parse(&default_connection_string()).unwrap();
        assert_eq!(
            StorageAccount::resource_url(&account.blob_endpoint, "c1").as_str(),
            "http://127.0.0.1:10000/devstoreaccount1/c1"
        );
        let cloud = StorageAccount::parse("AccountName=acme").unwrap();
        assert_eq!(
            StorageAccount::resource_url(&cloud.blob_endpoint, "c1").as_str(),
            "https://acme.blob.core.windows.net/c1"
        );
    }
}
