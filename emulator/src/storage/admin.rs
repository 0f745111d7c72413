//! Work with the account key: creating and deleting containers and queues (with an account
//! SAS), uploading and snapshotting blobs, signing SAS URLs, draining a queue. The emulator
//! provisions storage with it; tests, the benchmark and the scenario runner act as a
//! migration tool with it.

use std::collections::HashMap;

use azure_core::http::{RequestContent, Url};
use azure_storage_blob::models::{
    BlobClientCreateSnapshotResultHeaders, BlobClientDeleteOptions, BlobClientSetPropertiesOptions,
    BlockBlobClientUploadOptions, DeleteSnapshotsOptionType,
};
use azure_storage_blob::{BlobServiceClient, BlobServiceClientOptions};
use azure_storage_queue::models::{QueueClientPeekMessagesOptions, QueueClientReceiveMessagesOptions};
use azure_storage_queue::{QueueClient, QueueClientOptions};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures::TryStreamExt;
use md5::{Digest, Md5};
use time::OffsetDateTime;

use super::StorageAccount;
use super::blobs::{API_VERSION, StorageError};
use super::sas::{SasScope, SasToken, sas_time};

/// A handle on a storage account whose key is known.
pub struct AccountAdmin {
    account: StorageAccount,
    key: Vec<u8>,
    blobs: BlobServiceClient,
}

/// How a blob is uploaded.
#[derive(Clone, Debug)]
pub struct Upload {
    pub metadata: Vec<(String, String)>,
    /// Whether the blob keeps a Content-MD5. Storage computes one for a single-request upload;
    /// without it the property is cleared afterwards, as a blob committed from blocks has none.
    pub content_md5: bool,
    /// A Content-MD5 property to set instead of the true one (to stage a corrupt blob).
    pub md5_override: Option<Vec<u8>>,
}

impl Default for Upload {
    /// As real tools upload: a single request, so the blob has a Content-MD5.
    fn default() -> Self {
        Upload { metadata: Vec::new(), content_md5: true, md5_override: None }
    }
}

impl AccountAdmin {
    pub fn new(account: &StorageAccount) -> Result<AccountAdmin, StorageError> {
        let key = account.key().ok_or_else(|| StorageError::message("the storage account has no key".into()))?.to_vec();
        let sas = account_sas(account, &key, "b", "rwdlac");
        let url = with_query(&account.blob_endpoint, &sas);
        let options = BlobServiceClientOptions { version: API_VERSION.into(), ..Default::default() };
        let blobs = BlobServiceClient::new(url, None, Some(options))?;
        Ok(AccountAdmin { account: account.clone(), key, blobs })
    }

    pub async fn create_container(&self, name: &str) -> Result<(), StorageError> {
        self.blobs.blob_container_client(name).create(None).await?;
        Ok(())
    }

    pub async fn create_queue(&self, name: &str) -> Result<(), StorageError> {
        self.queue_client(name, &account_sas(&self.account, &self.key, "q", "rwdlacup"))?.create(None).await?;
        Ok(())
    }

    pub async fn delete_container(&self, name: &str) -> Result<(), StorageError> {
        self.blobs.blob_container_client(name).delete(None).await?;
        Ok(())
    }

    pub async fn delete_queue(&self, name: &str) -> Result<(), StorageError> {
        self.queue_client(name, &account_sas(&self.account, &self.key, "q", "rwdlacup"))?.delete(None).await?;
        Ok(())
    }

    /// Signs a container or queue SAS over `token`'s fields and returns the resource URL with it.
    pub fn sign_url(&self, name: &str, token: SasToken, queue: bool) -> String {
        let (endpoint, scope) = if queue {
            (&self.account.queue_endpoint, SasScope::Queue { queue: name })
        } else {
            (&self.account.blob_endpoint, SasScope::Container { container: name })
        };
        let token = token.sign(&self.account.name, &self.key, scope);
        with_query(&StorageAccount::resource_url(endpoint, name), &token.to_query()).to_string()
    }

    /// Uploads `bytes` as block blob `name`.
    pub async fn put(&self, container: &str, name: &str, bytes: Vec<u8>, upload: &Upload) -> Result<(), StorageError> {
        let options = BlockBlobClientUploadOptions {
            blob_content_md5: upload.content_md5.then(|| Md5::digest(&bytes).to_vec()),
            metadata: (!upload.metadata.is_empty()).then(|| upload.metadata.iter().cloned().collect::<HashMap<_, _>>()),
            ..Default::default()
        };
        let blob = self.blobs.blob_container_client(container).blob_client(name);
        blob.upload(RequestContent::from(bytes), Some(options)).await?;
        // Storage checks a Content-MD5 sent with the upload; a wrong one can only be set after.
        // Setting the properties without one clears it.
        if upload.md5_override.is_some() || !upload.content_md5 {
            let options =
                BlobClientSetPropertiesOptions { blob_content_md5: upload.md5_override.clone(), ..Default::default() };
            blob.set_properties(Some(options)).await?;
        }
        Ok(())
    }

    /// Snapshots a blob; returns the snapshot's timestamp.
    pub async fn snapshot(&self, container: &str, name: &str) -> Result<String, StorageError> {
        let blob = self.blobs.blob_container_client(container).blob_client(name);
        let response = blob.create_snapshot(None).await?;
        Ok(response.snapshot()?.unwrap_or_default())
    }

    /// Deletes a blob with all its snapshots.
    pub async fn delete(&self, container: &str, name: &str) -> Result<(), StorageError> {
        let blob = self.blobs.blob_container_client(container).blob_client(name);
        let options = BlobClientDeleteOptions {
            delete_snapshots: Some(DeleteSnapshotsOptionType::Include),
            ..Default::default()
        };
        blob.delete(Some(options)).await?;
        Ok(())
    }

    /// A blob's current bytes and metadata (keys lower-case).
    pub async fn get(&self, container: &str, name: &str) -> Result<(Vec<u8>, HashMap<String, String>), StorageError> {
        let blob = self.blobs.blob_container_client(container).blob_client(name);
        let result = blob.download(None).await?;
        let metadata = result.properties.metadata.clone();
        let mut body = result.body;
        let mut bytes = Vec::new();
        while let Some(chunk) = body.try_next().await? {
            bytes.extend_from_slice(&chunk);
        }
        Ok((bytes, metadata.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect()))
    }

    /// A container SAS URL as a tool passes it to CreateMigrationJob.
    pub fn container_url(&self, container: &str, permissions: &str, version: &str, expiry: OffsetDateTime) -> String {
        let token = SasToken {
            version: version.into(),
            permissions: permissions.into(),
            expiry: Some(sas_time(expiry)),
            resource: Some("c".into()),
            ..Default::default()
        };
        self.sign_url(container, token, false)
    }

    /// A queue SAS URL as a tool passes it to CreateMigrationJob.
    pub fn queue_url(&self, queue: &str, permissions: &str, expiry: OffsetDateTime) -> String {
        let token = SasToken {
            version: API_VERSION.into(),
            permissions: permissions.into(),
            expiry: Some(sas_time(expiry)),
            ..Default::default()
        };
        self.sign_url(queue, token, true)
    }

    /// The message at the front of the queue, base64-decoded, left where it is.
    pub async fn peek_queue(&self, queue: &str) -> Result<Option<String>, StorageError> {
        let client = self.queue_client(queue, &account_sas(&self.account, &self.key, "q", "rwdlacup"))?;
        let options = QueueClientPeekMessagesOptions { number_of_messages: Some(1), ..Default::default() };
        let peeked = client.peek_messages(Some(options)).await?.into_model()?;
        let Some(text) = peeked.items.unwrap_or_default().into_iter().next().and_then(|m| m.message_text) else {
            return Ok(None);
        };
        let decoded = BASE64
            .decode(text.as_bytes())
            .map_err(|e| StorageError::message(format!("a queue message is not base64: {e}")))?;
        Ok(Some(String::from_utf8_lossy(&decoded).into_owned()))
    }

    /// Receives and deletes every message now in the queue, oldest first, base64-decoded.
    pub async fn drain_queue(&self, queue: &str) -> Result<Vec<String>, StorageError> {
        let client = self.queue_client(queue, &account_sas(&self.account, &self.key, "q", "rwdlacup"))?;
        let mut texts = Vec::new();
        loop {
            let options = QueueClientReceiveMessagesOptions {
                number_of_messages: Some(32),
                visibility_timeout: Some(60),
                ..Default::default()
            };
            let received = client.receive_messages(Some(options)).await?.into_model()?;
            let items = received.items.unwrap_or_default();
            if items.is_empty() {
                return Ok(texts);
            }
            for message in items {
                let text = message.message_text.unwrap_or_default();
                let decoded = BASE64
                    .decode(text.as_bytes())
                    .map_err(|e| StorageError::message(format!("a queue message is not base64: {e}")))?;
                texts.push(String::from_utf8_lossy(&decoded).into_owned());
                if let (Some(id), Some(receipt)) = (message.message_id, message.pop_receipt) {
                    client.delete_message(&id, &receipt, None).await?;
                }
            }
        }
    }

    fn queue_client(&self, queue: &str, sas: &str) -> Result<QueueClient, StorageError> {
        let url = with_query(&StorageAccount::resource_url(&self.account.queue_endpoint, queue), sas);
        let options = QueueClientOptions { version: API_VERSION.into(), ..Default::default() };
        Ok(QueueClient::new(url, None, Some(options))?)
    }
}

fn account_sas(account: &StorageAccount, key: &[u8], services: &str, permissions: &str) -> String {
    SasToken {
        version: API_VERSION.into(),
        permissions: permissions.into(),
        services: Some(services.into()),
        resource_types: Some("sco".into()),
        expiry: Some(sas_time(OffsetDateTime::now_utc() + time::Duration::days(1))),
        ..Default::default()
    }
    .sign(&account.name, key, SasScope::Account)
    .to_query()
}

fn with_query(url: &Url, query: &str) -> Url {
    let mut url = url.clone();
    url.set_query(Some(query));
    url
}
