//! Reading what the service sends back: queue messages (plain, or the encrypted envelope of
//! encrypted jobs) and log blobs (encrypted with an `IV` metadata for encrypted jobs).

use std::collections::HashMap;
use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use crate::storage::crypto::{DecryptingReader, IV_LEN, JobKey};

/// The event JSON a queue message carries; `text` is already base64-decoded. Encrypted
/// messages are opened with the job key.
pub fn open_message(text: &str, key: Option<&JobKey>) -> Result<String, String> {
    let Some(key) = key else {
        return Ok(text.to_string());
    };
    let envelope: Value = serde_json::from_str(text).map_err(|e| format!("the message is not JSON: {e}"))?;
    if envelope["Label"] != "Encrypted" {
        return Err(format!("the message is not an encrypted envelope: {text}"));
    }
    let iv = decode(&envelope["IV"], "IV")?;
    let content = decode(&envelope["Content"], "Content")?;
    decrypt(&content, key, &iv)
}

/// A log blob's text, decrypted with its `IV` metadata when the job was encrypted.
pub fn open_blob(bytes: &[u8], metadata: &HashMap<String, String>, key: Option<&JobKey>) -> Result<String, String> {
    match key {
        None => String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string()),
        Some(key) => {
            let iv = metadata.get("iv").ok_or("the blob has no IV metadata")?;
            let iv = BASE64.decode(iv).map_err(|e| e.to_string())?;
            decrypt(bytes, key, &iv)
        }
    }
}

fn decode(value: &Value, name: &str) -> Result<Vec<u8>, String> {
    let text = value.as_str().ok_or_else(|| format!("the envelope has no {name}"))?;
    BASE64.decode(text).map_err(|e| format!("{name} is not base64: {e}"))
}

fn decrypt(bytes: &[u8], key: &JobKey, iv: &[u8]) -> Result<String, String> {
    let iv: [u8; IV_LEN] = iv.try_into().map_err(|_| "the IV is not 16 bytes".to_string())?;
    let mut plain = String::new();
    DecryptingReader::new(bytes, key, &iv).read_to_string(&mut plain).map_err(|e| e.to_string())?;
    Ok(plain)
}
