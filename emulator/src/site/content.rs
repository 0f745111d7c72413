//! The content-addressed store for file bodies: each distinct content is written once, under
//! `content/<first two hex digits>/<sha256>`, so versions and re-imports of the same bytes
//! share storage and the database holds only hashes.
//!
//! Writes stream through a temporary file in the same directory and are renamed into place,
//! so a crash of the process never leaves a partial body under a valid name. Bodies are not
//! fsynced: after a power loss a body may be empty under its name, which the emulator accepts
//! as the price of speed (a local test tool's data is disposable).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub struct ContentStore {
    root: PathBuf,
}

/// What [`ContentStore::put`] stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredContent {
    pub sha256: String,
    pub size: u64,
}

impl ContentStore {
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(ContentStore { root })
    }

    /// Streams `body` into the store and returns its hash and size.
    pub fn put(&self, body: &mut impl Read) -> io::Result<StoredContent> {
        let mut temp = tempfile::NamedTempFile::new_in(&self.root)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = match body.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            hasher.update(&buffer[..n]);
            temp.write_all(&buffer[..n])?;
            size += n as u64;
        }
        let sha256 = hex::encode(hasher.finalize());
        let path = self.path_of(&sha256);
        if !path.exists() {
            std::fs::create_dir_all(path.parent().expect("content paths have a parent"))?;
            temp.persist(&path).map_err(|e| e.error)?;
        }
        Ok(StoredContent { sha256, size })
    }

    /// Opens stored content for reading.
    pub fn get(&self, sha256: &str) -> io::Result<File> {
        File::open(self.path_of(sha256))
    }

    /// Deletes every stored body whose hash is not in `keep`; returns how many went.
    pub fn retain(&self, keep: &std::collections::HashSet<String>) -> io::Result<usize> {
        let mut removed = 0;
        for shard in std::fs::read_dir(&self.root)? {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for body in std::fs::read_dir(&shard)? {
                let body = body?.path();
                let name = body.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                if name.len() == 64 && !keep.contains(name) {
                    std::fs::remove_file(&body)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where stored content lives on disk.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        // Hashes come from our own database; refuse anything else rather than touch other paths.
        assert!(
            sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()),
            "not a SHA-256 hex digest: {sha256:?}"
        );
        self.root.join(&sha256[..2]).join(sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::open(dir.path().join("content")).unwrap();
        let body = b"hello".repeat(100_000);
        let first = store.put(&mut &body[..]).unwrap();
        let second = store.put(&mut &body[..]).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.size, 500_000);
        assert_eq!(first.sha256, hex::encode(Sha256::digest(&body)));
        let mut back = Vec::new();
        store.get(&first.sha256).unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, body);
        // Only the one body remains: no temporary files left behind.
        let files: Vec<_> = walk(store.root());
        assert_eq!(files.len(), 1, "{files:?}");
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
        }
        out
    }
}
