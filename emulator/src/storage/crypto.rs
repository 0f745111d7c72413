//! AES-256-CBC with PKCS7 padding, as the Migration API uses for encrypted jobs: content and
//! XML blobs are decrypted as they stream in; queue messages and log files are encrypted on
//! the way out. The IV is never part of the data (it travels in blob metadata `IV`, the
//! manifest's `InitializationVector`, or the queue envelope).

use std::io::{self, Read};

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};

type Encryptor = cbc::Encryptor<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

pub const KEY_LEN: usize = 32;
pub const IV_LEN: usize = 16;
const BLOCK: usize = 16;

/// A job's AES-256 key.
#[derive(Clone, PartialEq, Eq)]
pub struct JobKey([u8; KEY_LEN]);

impl JobKey {
    /// The key, if `bytes` is exactly 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Option<JobKey> {
        Some(JobKey(bytes.try_into().ok()?))
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for JobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobKey(<redacted>)")
    }
}

/// An IV as blob metadata and manifests write it: base64 of exactly 16 bytes.
pub fn iv_from_base64(text: &str) -> Option<[u8; IV_LEN]> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?.try_into().ok()
}

/// Why [`spool`] failed.
#[derive(Debug)]
pub enum SpoolError {
    /// The bytes do not decrypt with the key and IV (bad padding).
    Undecryptable,
    Io(io::Error),
}

impl std::fmt::Display for SpoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpoolError::Undecryptable => f.write_str("it cannot be decrypted with the key"),
            SpoolError::Io(e) => e.fmt(f),
        }
    }
}

/// Copies `reader` into a temporary file, decrypting it on the way when `decrypt` gives the
/// key and IV, and hands the file back rewound: how a package file or a pack is held while it
/// is read more than once, without holding it in memory.
pub fn spool(reader: impl Read, decrypt: Option<(&JobKey, &[u8; IV_LEN])>) -> Result<std::fs::File, SpoolError> {
    use std::io::Seek as _;
    let mut file = tempfile::tempfile().map_err(SpoolError::Io)?;
    let copied = match decrypt {
        Some((key, iv)) => io::copy(&mut DecryptingReader::new(reader, key, iv), &mut file),
        None => io::copy(&mut { reader }, &mut file),
    };
    match copied {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Err(SpoolError::Undecryptable),
        Err(e) => return Err(SpoolError::Io(e)),
    }
    file.rewind().map_err(SpoolError::Io)?;
    Ok(file)
}

/// Encrypts a small payload in memory (queue messages, log files).
pub fn encrypt(key: &JobKey, iv: &[u8; IV_LEN], plaintext: &[u8]) -> Vec<u8> {
    Encryptor::new(key.0.as_slice().try_into().expect("32-byte key"), iv.as_slice().try_into().expect("16-byte IV"))
        .encrypt_padded_vec::<Pkcs7>(plaintext)
}

/// Decrypts a stream of ciphertext into plaintext, holding at most one buffer of each.
///
/// The last block is only released once the input ends, because it carries the padding.
pub struct DecryptingReader<R> {
    inner: R,
    decryptor: Decryptor,
    /// Ciphertext read but not yet decrypted.
    pending: Vec<u8>,
    /// Plaintext decrypted but not yet returned, from `plain_pos`.
    plain: Vec<u8>,
    plain_pos: usize,
    finished: bool,
}

impl<R: Read> DecryptingReader<R> {
    pub fn new(inner: R, key: &JobKey, iv: &[u8; IV_LEN]) -> Self {
        DecryptingReader {
            inner,
            decryptor: Decryptor::new(
                key.0.as_slice().try_into().expect("32-byte key"),
                iv.as_slice().try_into().expect("16-byte IV"),
            ),
            pending: Vec::with_capacity(64 * 1024 + BLOCK),
            plain: Vec::new(),
            plain_pos: 0,
            finished: false,
        }
    }

    /// Decrypts whole blocks of `pending[..len]` into `plain`.
    fn decrypt_prefix(&mut self, len: usize) {
        self.plain.clear();
        self.plain_pos = 0;
        for chunk in self.pending[..len].chunks_exact_mut(BLOCK) {
            let block = chunk.try_into().expect("chunks are one block");
            self.decryptor.decrypt_block(block);
        }
        self.plain.extend(self.pending.drain(..len));
    }

    fn fill(&mut self) -> io::Result<()> {
        while self.plain_pos >= self.plain.len() && !self.finished {
            let mut buffer = [0u8; 64 * 1024];
            let n = self.inner.read(&mut buffer)?;
            if n == 0 {
                self.finished = true;
                if self.pending.is_empty() || !self.pending.len().is_multiple_of(BLOCK) {
                    return Err(invalid("the ciphertext is not a whole number of AES blocks"));
                }
                let len = self.pending.len();
                self.decrypt_prefix(len);
                let pad = *self.plain.last().expect("at least one block") as usize;
                let valid = (1..=BLOCK).contains(&pad)
                    && self.plain[self.plain.len() - pad..].iter().all(|b| *b as usize == pad);
                if !valid {
                    return Err(invalid("the PKCS7 padding is invalid (wrong key or IV?)"));
                }
                self.plain.truncate(self.plain.len() - pad);
                return Ok(());
            }
            self.pending.extend_from_slice(&buffer[..n]);
            // Keep back the last block: it may be the padded final one.
            let ready = (self.pending.len().saturating_sub(1) / BLOCK) * BLOCK;
            if ready > 0 {
                self.decrypt_prefix(ready);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.fill()?;
        let available = &self.plain[self.plain_pos..];
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.plain_pos += n;
        Ok(n)
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;

    fn spec_key() -> JobKey {
        JobKey::from_bytes(&(0u8..32).collect::<Vec<_>>()).unwrap()
    }

    fn spec_iv() -> [u8; IV_LEN] {
        (0u8..16).collect::<Vec<_>>().try_into().unwrap()
    }

    /// A reader that hands out one byte at a time, to exercise block boundaries.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || out.is_empty() {
                return Ok(0);
            }
            out[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn b141_storage_spec_vectors() {
        // ../shared/spec/storage.md §4 test vectors (behaviour 141: PKCS7, IV not in the data).
        let cases: [(&[u8], &str); 3] = [
            (b"", "6cPvirI0U+bwdJzWNueojg=="),
            (b"hello", "f9Etr7fpWZ0LhJrYwuPCHw=="),
            (b"0123456789abcdef", "4j/AuRx71kQlxVlzbpsMWEhewdanHmFZMjJdZQbsNwA="),
        ];
        for (plain, cipher) in cases {
            let encrypted = encrypt(&spec_key(), &spec_iv(), plain);
            assert_eq!(BASE64.encode(&encrypted), cipher);
            let mut back = Vec::new();
            DecryptingReader::new(Trickle(&encrypted), &spec_key(), &spec_iv()).read_to_end(&mut back).unwrap();
            assert_eq!(back, plain);
        }
    }

    #[test]
    fn streams_large_inputs_across_buffer_boundaries() {
        let plain: Vec<u8> = (0..300_007u32).map(|i| (i * 7 % 251) as u8).collect();
        let encrypted = encrypt(&spec_key(), &spec_iv(), &plain);
        let mut back = Vec::new();
        DecryptingReader::new(&encrypted[..], &spec_key(), &spec_iv()).read_to_end(&mut back).unwrap();
        assert_eq!(back, plain);
    }

    #[test]
    fn wrong_key_truncation_and_empty_input_fail_cleanly() {
        let encrypted = encrypt(&spec_key(), &spec_iv(), b"some secret text");
        let other = JobKey::from_bytes(&[7u8; 32]).unwrap();
        let mut sink = Vec::new();
        let err = DecryptingReader::new(&encrypted[..], &other, &spec_iv()).read_to_end(&mut sink).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let err = DecryptingReader::new(&encrypted[..20], &spec_key(), &spec_iv()).read_to_end(&mut sink).unwrap_err();
        assert!(err.to_string().contains("whole number"));
        assert!(DecryptingReader::new(&b""[..], &spec_key(), &spec_iv()).read_to_end(&mut sink).is_err());
        assert!(JobKey::from_bytes(&[0u8; 31]).is_none());
    }
}
