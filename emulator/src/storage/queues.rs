//! A client's report queue, reached through the SAS URL it gave: the emulator only ever adds
//! messages (behaviour 69), each the base64 of its text (behaviour 49).

use azure_storage_queue::models::QueueMessage;
use azure_storage_queue::{QueueClient, QueueClientOptions};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use time::OffsetDateTime;

use super::StorageAccount;
use super::blobs::{API_VERSION, StorageError, access_query, check_sas, client_options};
use super::location::Location;
use super::sas::SasScope;

pub struct Queue {
    client: QueueClient,
    pub location: Location,
}

impl Queue {
    /// Connects to the queue at `uri`, checking its SAS allows adding messages.
    pub fn connect(uri: &str, account: &StorageAccount, now: OffsetDateTime) -> Result<Queue, StorageError> {
        let location = Location::parse(uri).map_err(|e| StorageError::message(e.to_string()))?;
        let scope = SasScope::Queue { queue: &location.name };
        if location.is_in(account, &account.queue_endpoint) {
            check_sas(&location, account, scope, "a", now)?;
        }
        let url = location.url_with(&access_query(&location, account, &account.queue_endpoint, scope));
        let options = QueueClientOptions { client_options: client_options(), version: API_VERSION.into() };
        let client = QueueClient::new(url, None, Some(options))?;
        Ok(Queue { client, location })
    }

    /// Adds one message whose text is the base64 of `text`.
    pub async fn send(&self, text: &str) -> Result<(), StorageError> {
        let message = QueueMessage { message_text: Some(BASE64.encode(text)) };
        self.client.send_message(message.try_into()?, None).await?;
        Ok(())
    }
}
