//! A client's container, reached through the SAS URL the client gave, with the official Azure
//! SDK: find a blob's latest snapshot, stream it, write log files.
//!
//! When the container lives in the account the emulator holds the key for (Azurite's
//! well-known account by default), the emulator checks the client's SAS itself — signature,
//! validity window, protocol, permissions — and then talks to storage with a token it signs
//! for the same rights at signed version 2018-03-28. Azurite refuses snapshot reads made with
//! container SAS tokens of version 2018-11-09 or later (Azurite issue 1857) although Azure
//! allows them; current SDKs sign with such versions, so without this every snapshot read of
//! a real client's package would fail. For other accounts the client's URL is used as given.

use std::collections::HashMap;
use std::io::{self, Read};
use std::num::NonZero;

use azure_core::http::{ClientOptions, RequestContent, RetryOptions, Url};
use azure_storage_blob::models::{
    BlobClientDownloadOptions, BlobContainerClientListBlobsOptions, BlockBlobClientUploadOptions, ListBlobsIncludeItem,
};
use azure_storage_blob::{BlobClient, BlobContainerClient, BlobContainerClientOptions};
use futures::TryStreamExt;
use md5::{Digest, Md5};
use time::OffsetDateTime;
use tokio::runtime::Handle;

use super::StorageAccount;
use super::location::Location;
use super::sas::{SasScope, SasToken};

/// The storage API version the emulator speaks; Azurite 3.35 knows versions up to this one.
pub const API_VERSION: &str = "2025-11-05";
/// Signed version of the tokens the emulator signs for its own reads (see the module docs).
pub const OWN_SAS_VERSION: &str = "2018-03-28";
/// Size of one ranged read; small ranges cost a round trip each.
const RANGE: u64 = 64 * 1024 * 1024;

/// A storage failure, as the storage service reported it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StorageError {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
}

impl StorageError {
    fn new(status: u16, code: &str, message: &str) -> Self {
        StorageError { status: Some(status), code: Some(code.into()), message: message.into() }
    }

    pub fn message(message: String) -> Self {
        StorageError { status: None, code: None, message }
    }

    fn from_sdk(e: azure_core::Error) -> Self {
        let status = e.http_status().map(u16::from);
        let code = match e.kind() {
            azure_core::error::ErrorKind::HttpResponse { error_code, .. } => error_code.clone(),
            _ => None,
        };
        // .NET's WebException wording, which the service's storage errors carry.
        let message = match status {
            Some(status) => {
                let reason = axum::http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or_default();
                format!("The remote server returned an error: ({status}) {reason}.")
            }
            None if matches!(e.kind(), azure_core::error::ErrorKind::Io | azure_core::error::ErrorKind::Connection) => {
                "Unable to connect to the remote server".to_string()
            }
            None => e.to_string(),
        };
        StorageError { status, code, message }
    }

    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}

impl From<azure_core::Error> for StorageError {
    fn from(e: azure_core::Error) -> Self {
        StorageError::from_sdk(e)
    }
}

/// Checks a client's SAS against the account key, as Azure would before serving a request.
/// `needed` are the permission letters the caller is about to use.
pub fn check_sas(
    location: &Location,
    account: &StorageAccount,
    scope: SasScope<'_>,
    needed: &str,
    now: OffsetDateTime,
) -> Result<(), StorageError> {
    let (Some(sas), Some(key)) = (&location.sas, account.key()) else {
        return Ok(());
    };
    if !sas.verify(&account.name, key, scope) {
        return Err(StorageError::new(
            403,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
        ));
    }
    let now_text = super::sas::sas_time(now);
    if sas.not_yet_valid(now) || sas.expired(now) {
        return Err(StorageError::new(
            403,
            "AuthenticationFailed",
            &format!(
                "Signature not valid in the specified time frame: Start [{}] - Expiry [{}] - Current [{now_text}]",
                sas.start.as_deref().unwrap_or(""),
                sas.expiry.as_deref().unwrap_or("")
            ),
        ));
    }
    if sas.protocol.as_deref() == Some("https") && location.service.scheme() != "https" {
        return Err(StorageError::new(
            403,
            "AuthorizationProtocolMismatch",
            "This request is not authorized to perform this operation using this protocol.",
        ));
    }
    if needed.chars().any(|letter| !sas.grants(letter)) {
        return Err(StorageError::new(
            403,
            "AuthorizationPermissionMismatch",
            "This request is not authorized to perform this operation using this permission.",
        ));
    }
    Ok(())
}

/// The query string to reach `location` with: the client's own SAS, or, in an account the
/// emulator holds the key for, an equivalent token of the emulator's (see the module docs).
pub(super) fn access_query(
    location: &Location,
    account: &StorageAccount,
    endpoint: &Url,
    scope: SasScope<'_>,
) -> String {
    let own_key = location.is_in(account, endpoint).then(|| account.key()).flatten();
    match (own_key, &location.sas) {
        (Some(key), client) => {
            let (mut permissions, expiry) = match client {
                Some(sas) => (sas.permissions.clone(), sas.expiry.clone()),
                // No SAS at all: access granted to the service (Entra ID mode).
                None => ("racwdl".to_string(), None),
            };
            let expiry =
                expiry.unwrap_or_else(|| super::sas::sas_time(OffsetDateTime::now_utc() + time::Duration::days(7)));
            let resource = matches!(scope, SasScope::Container { .. }).then(|| "c".to_string());
            // The service finds snapshots by listing, also in containers it provisioned
            // without List for the client (behaviour 20).
            if resource.is_some() && !permissions.contains('l') {
                permissions.push('l');
                // Azure wants the letters of a signed token in its canonical order.
                permissions = "racwdxyltfmeopi".chars().filter(|c| permissions.contains(*c)).collect();
            }
            SasToken {
                version: OWN_SAS_VERSION.into(),
                permissions,
                expiry: Some(expiry),
                resource,
                ..Default::default()
            }
            .sign(&account.name, key, scope)
            .to_query()
        }
        (None, Some(sas)) => sas.to_query(),
        (None, None) => String::new(),
    }
}

pub(super) fn client_options() -> ClientOptions {
    // The SDK's default retries take over a minute to give up on a dead endpoint; a job
    // should report the failure promptly instead.
    let retry = RetryOptions::fixed(azure_core::http::FixedRetryOptions {
        delay: time::Duration::milliseconds(100),
        max_retries: 2,
        max_total_elapsed: time::Duration::seconds(10),
    });
    ClientOptions { retry, ..Default::default() }
}

/// One blob as the import sees it: the latest snapshot (or the base blob) with the
/// properties and metadata of exactly that version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobVersion {
    pub name: String,
    /// The snapshot timestamp; `None` for the base blob.
    pub snapshot: Option<String>,
    pub size: u64,
    pub content_md5: Option<Vec<u8>>,
    /// Metadata with lower-case keys (storage keys are case-insensitive).
    pub metadata: HashMap<String, String>,
}

impl BlobVersion {
    /// Metadata `IV`, whatever its case (behaviour 140).
    pub fn iv(&self) -> Option<&str> {
        self.metadata.get("iv").map(String::as_str)
    }
}

/// What a blob name leads to in a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Missing,
    /// The blob exists but has no snapshot.
    NoSnapshot(BlobVersion),
    /// The latest snapshot (behaviour 136).
    Snapshot(BlobVersion),
}

/// A client's container.
pub struct Container {
    client: BlobContainerClient,
    pub location: Location,
}

impl Container {
    /// Connects to the container at `uri`, checking the client's SAS grants `needed`.
    pub fn connect(
        uri: &str,
        account: &StorageAccount,
        needed: &str,
        now: OffsetDateTime,
    ) -> Result<Container, StorageError> {
        let location = Location::parse(uri).map_err(|e| StorageError::message(e.to_string()))?;
        let scope = SasScope::Container { container: &location.name };
        if location.is_in(account, &account.blob_endpoint) {
            check_sas(&location, account, scope, needed, now)?;
        }
        let url = location.url_with(&access_query(&location, account, &account.blob_endpoint, scope));
        let options = BlobContainerClientOptions { client_options: client_options(), version: API_VERSION.into() };
        let client = BlobContainerClient::new(url, None, Some(options))?;
        Ok(Container { client, location })
    }

    /// The latest snapshot of `name`, or why there is none.
    pub async fn lookup(&self, name: &str) -> Result<Lookup, StorageError> {
        let options = BlobContainerClientListBlobsOptions {
            include: Some(vec![ListBlobsIncludeItem::Snapshots, ListBlobsIncludeItem::Metadata]),
            prefix: Some(name.to_string()),
            ..Default::default()
        };
        let mut pager = self.client.list_blobs(Some(options))?;
        let mut base = None;
        let mut latest: Option<BlobVersion> = None;
        while let Some(item) = pager.try_next().await? {
            if item.name.as_deref() != Some(name) {
                continue;
            }
            let properties = item.properties.unwrap_or_default();
            let version = BlobVersion {
                name: name.to_string(),
                snapshot: item.snapshot.clone(),
                size: properties.content_length.unwrap_or(0),
                content_md5: properties.content_md5.filter(|md5| !md5.is_empty()),
                metadata: item
                    .metadata
                    .and_then(|m| m.values)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v))
                    .collect(),
            };
            match &version.snapshot {
                None => base = Some(version),
                // Snapshot timestamps share one fixed-width format, so text order is time order.
                Some(taken) if latest.as_ref().and_then(|l| l.snapshot.as_ref()).is_none_or(|best| taken > best) => {
                    latest = Some(version)
                }
                Some(_) => {}
            }
        }
        Ok(match (latest, base) {
            (Some(snapshot), _) => Lookup::Snapshot(snapshot),
            (None, Some(base)) => Lookup::NoSnapshot(base),
            (None, None) => Lookup::Missing,
        })
    }

    /// A streaming reader over the blob's bytes, read in large ranges. Must be used from a
    /// thread that may block (not an async task).
    pub fn reader(&self, blob: &BlobVersion, runtime: Handle) -> Result<BlobReader, StorageError> {
        self.reader_in_ranges(blob, runtime, RANGE)
    }

    /// [`Container::reader`] with a chosen range size.
    pub fn reader_in_ranges(
        &self,
        blob: &BlobVersion,
        runtime: Handle,
        range: u64,
    ) -> Result<BlobReader, StorageError> {
        let client = self.client.blob_client(&blob.name);
        let client = match &blob.snapshot {
            Some(snapshot) => client.with_snapshot(snapshot)?,
            None => client,
        };
        Ok(BlobReader {
            client,
            runtime,
            range: range.max(1),
            size: blob.size,
            offset: 0,
            body: None,
            chunk: Vec::new(),
            chunk_pos: 0,
        })
    }

    /// Writes a block blob with metadata and its Content-MD5 property.
    pub async fn upload(
        &self,
        name: &str,
        bytes: Vec<u8>,
        metadata: HashMap<String, String>,
    ) -> Result<(), StorageError> {
        let md5 = Md5::digest(&bytes).to_vec();
        let options = BlockBlobClientUploadOptions {
            blob_content_md5: Some(md5),
            blob_content_type: Some("text/plain".into()),
            metadata: (!metadata.is_empty()).then_some(metadata),
            ..Default::default()
        };
        self.client.blob_client(name).upload(RequestContent::from(bytes), Some(options)).await?;
        Ok(())
    }
}

/// Reads a blob through consecutive ranged downloads, one range in flight, so memory stays
/// flat whatever the blob's size.
pub struct BlobReader {
    client: BlobClient,
    runtime: Handle,
    range: u64,
    size: u64,
    offset: u64,
    body: Option<azure_core::http::response::AsyncResponseBody>,
    chunk: Vec<u8>,
    chunk_pos: usize,
}

impl BlobReader {
    fn next_chunk(&mut self) -> Result<bool, StorageError> {
        loop {
            if let Some(body) = &mut self.body {
                match self.runtime.block_on(body.try_next())? {
                    Some(bytes) => {
                        self.offset += bytes.len() as u64;
                        self.chunk.clear();
                        self.chunk.extend_from_slice(&bytes);
                        self.chunk_pos = 0;
                        return Ok(true);
                    }
                    None => self.body = None,
                }
            }
            if self.offset >= self.size {
                return Ok(false);
            }
            let end = (self.offset + self.range).min(self.size);
            let length = NonZero::new((end - self.offset) as usize).expect("a non-empty range");
            let options = BlobClientDownloadOptions {
                range: Some((self.offset..end).into()),
                parallel: Some(NonZero::new(1).expect("one")),
                // One request per range, streamed straight through (no partition buffering).
                partition_size: Some(length),
                ..Default::default()
            };
            let result = self.runtime.block_on(self.client.download(Some(options)))?;
            self.body = Some(result.body);
        }
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.chunk_pos >= self.chunk.len() && !self.next_chunk().map_err(io::Error::other)? {
            return Ok(0);
        }
        let n = (self.chunk.len() - self.chunk_pos).min(out.len());
        out[..n].copy_from_slice(&self.chunk[self.chunk_pos..self.chunk_pos + n]);
        self.chunk_pos += n;
        Ok(n)
    }
}
