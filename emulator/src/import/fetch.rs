//! Bringing blobs out of the client's containers: package XML files spooled to a temporary
//! file (decrypted), and content versions streamed into the content store with their MD5
//! checked (behaviours 133–150).

use std::io::{self, Read};

use md5::{Digest, Md5};
use quickxorhash::QuickXorHash;

use super::ImportContext;
use super::archives::Archives;
use crate::package::inspect::Inspect;
use crate::package::intake::{ManifestFiles, Opened};
use crate::package::values::{MD5_LEN, QUICK_XOR_LEN, base64_of_len};
use crate::problems::{self, Subject};
use crate::report::events::Problem;
use crate::site::content::StoredContent;
use crate::storage::blobs::Lookup;
use crate::storage::crypto::{DecryptingReader, SpoolError, iv_from_base64, spool};

/// The manifest container of a job, as the package intake reads it.
pub struct StorageFiles<'c, 'a> {
    pub ctx: &'c ImportContext<'a>,
}

impl ManifestFiles for StorageFiles<'_, '_> {
    /// A package file at the container's root: the latest snapshot, or the base blob when the
    /// file has none and snapshots are not required (real clients do not snapshot their XML
    /// files), decrypted for encrypted jobs and spooled.
    fn open(&mut self, name: &str) -> Result<Opened, Problem> {
        let ctx = self.ctx;
        let found = ctx
            .runtime
            .block_on(ctx.manifest.lookup(name))
            .map_err(|e| problems::package_file_unreadable(name, &e.message))?;
        let blob = match found {
            Lookup::Missing => return Ok(Opened::Missing),
            Lookup::NoSnapshot(_) if ctx.options.require_manifest_snapshots => return Ok(Opened::WithoutSnapshot),
            Lookup::NoSnapshot(blob) | Lookup::Snapshot(blob) => blob,
        };
        let decrypt = match &ctx.key {
            Some(key) => match blob.iv().and_then(iv_from_base64) {
                Some(iv) => Some((key, iv)),
                None => return Ok(Opened::Undecryptable),
            },
            None => None,
        };
        let raw = ctx
            .manifest
            .reader(&blob, ctx.runtime.clone())
            .map_err(|e| problems::package_file_unreadable(name, &e.message))?;
        match spool(raw, decrypt.as_ref().map(|(key, iv)| (*key, iv))) {
            Ok(file) => Ok(Opened::Found(file)),
            Err(SpoolError::Undecryptable) => Ok(Opened::Undecryptable),
            Err(e) => Err(problems::package_file_unreadable(name, &e.to_string())),
        }
    }
}

/// What the manifest says about one content blob (a `File` or version `File` element).
#[derive(Clone, Copy, Debug, Default)]
pub struct Declared<'a> {
    pub md5: Option<&'a str>,
    pub iv: Option<&'a str>,
    /// `Checksum`: the QuickXorHash of the plaintext.
    pub checksum: Option<&'a str>,
}

/// Downloads `file_value` from the source container — or takes it from the archive that lists
/// it — into the content store: latest snapshot only, decrypted for encrypted jobs, its
/// integrity checked (storage.md §5.1): the QuickXorHash of the plaintext when the manifest has
/// a `Checksum`, else the MD5 of the bytes as stored.
pub fn content_version(
    ctx: &ImportContext<'_>,
    archives: &mut Archives,
    subject: &Subject,
    file_value: &str,
    declared: Declared<'_>,
) -> Result<StoredContent, Problem> {
    // Behaviour 152: files an archive lists come from it, with no blob properties of their own.
    if let Some(entry) = archives.entry(ctx, subject, file_value)? {
        return store_verified(ctx, subject, file_value, declared, entry.as_slice(), None, None);
    }
    let found = ctx
        .runtime
        .block_on(ctx.source.lookup(file_value))
        .map_err(|e| subject.storage_failed(file_value, &e.message))?;
    let blob = match found {
        Lookup::Missing => return Err(subject.blob_missing(file_value)),
        // Behaviour 134: without a snapshot the blob could still change; it is skipped.
        Lookup::NoSnapshot(_) => return Err(subject.blob_without_snapshot(file_value)),
        Lookup::Snapshot(blob) => blob,
    };
    let reader =
        ctx.source.reader(&blob, ctx.runtime.clone()).map_err(|e| subject.storage_failed(file_value, &e.message))?;
    store_verified(ctx, subject, file_value, declared, reader, blob.content_md5.as_deref(), blob.iv())
}

/// Streams stored bytes through decryption and both hashes into the content store, then checks
/// the declared hash. `content_md5` and `metadata_iv` are what storage keeps with a blob.
fn store_verified(
    ctx: &ImportContext<'_>,
    subject: &Subject,
    file_value: &str,
    declared: Declared<'_>,
    reader: impl Read,
    content_md5: Option<&[u8]>,
    metadata_iv: Option<&str>,
) -> Result<StoredContent, Problem> {
    let expected = match declared.checksum {
        // Behaviour 146: with a Checksum, the MD5 is not needed (nor checked).
        Some(text) => {
            Expected::QuickXor(base64_of_len(text, QUICK_XOR_LEN).ok_or_else(|| subject.checksum_mismatch(file_value))?)
        }
        None => Expected::Md5(expected_md5(subject, file_value, declared.md5, content_md5)?),
    };
    let iv = match &ctx.key {
        None => None,
        Some(_) => {
            let text = declared.iv.or(metadata_iv);
            Some(text.and_then(iv_from_base64).ok_or_else(|| subject.decrypt_failed(file_value))?)
        }
    };
    let (mut md5, mut quick_xor) = (Md5::new(), QuickXorHash::new());
    let stored_bytes = Inspect::new(reader, |bytes: &[u8]| md5.update(bytes));
    let stored = match (&ctx.key, iv) {
        (Some(key), Some(iv)) => {
            let mut plain =
                Inspect::new(DecryptingReader::new(stored_bytes, key, &iv), |bytes: &[u8]| quick_xor.update(bytes));
            ctx.store.content().put(&mut plain)
        }
        _ => ctx.store.content().put(&mut Inspect::new(stored_bytes, |bytes: &[u8]| quick_xor.update(bytes))),
    };
    let (md5, quick_xor) = (md5.finalize().to_vec(), quick_xor.finalize().to_vec());
    let content = match stored {
        Ok(content) => content,
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Err(subject.decrypt_failed(file_value));
        }
        Err(e) => return Err(subject.storage_failed(file_value, &e.to_string())),
    };
    match expected {
        Expected::Md5(_) if !md5_suffices(content.size) => Err(subject.checksum_required(file_value)),
        // Behaviours 148, 149: the MD5 of the bytes as stored must be the declared one.
        Expected::Md5(declared) if declared != md5 => Err(subject.md5_mismatch(file_value)),
        // Behaviour 146: the QuickXorHash is over the plaintext.
        Expected::QuickXor(declared) if declared != quick_xor => Err(subject.checksum_mismatch(file_value)),
        _ => Ok(content),
    }
}

/// Behaviour 146: up to 15 GB an MD5 may vouch for a file; beyond, only a Checksum.
fn md5_suffices(size: u64) -> bool {
    size <= 15 * 1024 * 1024 * 1024
}

/// The hash a content blob is checked against.
enum Expected {
    Md5(Vec<u8>),
    QuickXor(Vec<u8>),
}

/// The MD5 to check against: the manifest's `MD5Hash`, else the blob's Content-MD5
/// (behaviours 145, 147, 150).
fn expected_md5(
    subject: &Subject,
    file_value: &str,
    manifest: Option<&str>,
    stored: Option<&[u8]>,
) -> Result<Vec<u8>, Problem> {
    match (manifest, stored) {
        (Some(text), stored) => {
            // A value that is not a 16-byte base64 string can never match.
            let declared = base64_of_len(text, MD5_LEN).ok_or_else(|| subject.md5_mismatch(file_value))?;
            match stored {
                Some(stored) if *stored != declared[..] => Err(subject.md5_mismatch(file_value)),
                _ => Ok(declared),
            }
        }
        (None, Some(stored)) => Ok(stored.to_vec()),
        (None, None) => Err(subject.md5_missing(file_value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b146_beyond_15_gb_an_md5_is_not_enough() {
        const GIB: u64 = 1024 * 1024 * 1024;
        assert!(md5_suffices(0));
        assert!(md5_suffices(15 * GIB));
        assert!(!md5_suffices(15 * GIB + 1));
    }
}
