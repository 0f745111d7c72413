//! The zips of ArchivedFiles.xml (package.md §10, behaviours 151–154, open question Q12): many
//! small files batched into a few blobs. A pack is usable only if it meets every documented
//! prerequisite; otherwise each file it holds fails.
//!
//! Entries are looked up by exact name and read into memory (each is under 100 KB); nothing is
//! ever extracted to disk, so names like `../x` are just names, and only stored (uncompressed)
//! entries are accepted, so a zip bomb has nothing to expand.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek};

use quickxorhash::QuickXorHash;
use zip::{CompressionMethod, ZipArchive};

use super::files::ArchivedPack;
use super::inspect::Inspect;
use super::values::{QUICK_XOR_LEN, base64_of_len};

/// Most packs a package may have.
pub const MAX_PACKS: usize = 2;
/// Largest zip blob, in bytes as stored.
pub const MAX_ZIP_BYTES: u64 = 10 * 1024 * 1024;
/// Every entry must be smaller than this, in bytes as stored (encrypted).
pub const MAX_ENTRY_BYTES: u64 = 100 * 1024;

/// How a pack breaks the prerequisites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// 154 for the checksum, 153 for the rest.
    pub behaviour: u16,
    pub reason: String,
}

impl Violation {
    fn new(reason: impl Into<String>) -> Violation {
        Violation { behaviour: 153, reason: reason.into() }
    }
}

impl From<String> for Violation {
    fn from(reason: String) -> Violation {
        Violation::new(reason)
    }
}

impl From<&str> for Violation {
    fn from(reason: &str) -> Violation {
        Violation::new(reason)
    }
}

/// A pack that met the prerequisites.
pub struct OpenPack {
    zip: ZipArchive<File>,
}

impl OpenPack {
    /// The bytes of the entry named `file_value`, as stored (encrypted): `None` when the zip
    /// has no such entry, a violation when the entry is there but cannot be read (a bad CRC,
    /// a damaged header).
    pub fn entry(&mut self, file_value: &str) -> Result<Option<Vec<u8>>, Violation> {
        let entry = match self.zip.by_name(file_value) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(Violation::new(format!("the entry '{file_value}' cannot be read ({e})"))),
        };
        // The header's sizes were checked when the pack was opened, but the bytes read are
        // bounded again here rather than trusting them.
        let mut bytes = Vec::new();
        entry
            .take(MAX_ENTRY_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| Violation::new(format!("the entry '{file_value}' cannot be read ({e})")))?;
        Ok(Some(bytes))
    }
}

/// The base64 QuickXorHash of `bytes`, as a pack's `Checksum` gives it.
pub fn checksum_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let mut hash = QuickXorHash::new();
    hash.update(bytes);
    base64::engine::general_purpose::STANDARD.encode(hash.finalize())
}

/// What the package itself decides about a pack before its zip is read: its place among the
/// packs (behaviour 153) and whether the job could have encrypted it.
pub fn check_pack(index: usize, encrypted_job: bool, stored_size: u64) -> Result<(), Violation> {
    if index >= MAX_PACKS {
        return Err(Violation::new(format!("a package may have at most {MAX_PACKS} archives")));
    }
    if !encrypted_job {
        return Err(Violation::new("archives must be encrypted, which only CreateMigrationJobEncrypted jobs are"));
    }
    if stored_size > MAX_ZIP_BYTES {
        return Err(Violation::new(format!("it is {stored_size} bytes; an archive may be 10 MB at most")));
    }
    Ok(())
}

/// Opens a pack's zip, `plain` being the decrypted zip rewound: its QuickXorHash must be the
/// declared `Checksum` (behaviour 154), its entries stored and under 100 KB (behaviour 153).
pub fn open_pack(pack: &ArchivedPack, mut plain: File) -> Result<OpenPack, Violation> {
    let mut hash = QuickXorHash::new();
    std::io::copy(&mut Inspect::new(&mut plain, |bytes: &[u8]| hash.update(bytes)), &mut std::io::sink())
        .map_err(|e| Violation::new(format!("it cannot be read: {e}")))?;
    if base64_of_len(&pack.checksum, QUICK_XOR_LEN).is_none_or(|declared| declared != hash.finalize()) {
        return Err(Violation { behaviour: 154, reason: "its Checksum is not the QuickXorHash of the zip".into() });
    }
    plain.rewind().map_err(|e| Violation::new(format!("it cannot be read: {e}")))?;
    let mut zip = ZipArchive::new(plain).map_err(|e| Violation::new(format!("it is not a zip file ({e})")))?;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| Violation::new(format!("it is not a readable zip file ({e})")))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("#{i}"));
        if entry.compression() != CompressionMethod::Stored {
            return Err(Violation::new(format!("the entry '{name}' is compressed; entries must be stored")));
        }
        // A stored entry's two sizes are equal; a header claiming otherwise is not a zip the
        // service would have written.
        if entry.size() != entry.compressed_size() {
            return Err(Violation::new(format!("the entry '{name}' declares two different sizes")));
        }
        if entry.compressed_size() >= MAX_ENTRY_BYTES {
            let size = entry.compressed_size();
            return Err(Violation::new(format!("the entry '{name}' is {size} bytes; entries must be under 100 KB")));
        }
    }
    Ok(OpenPack { zip })
}

/// The packs of a package, each opened the first time one of its files is needed.
pub struct Packs {
    packs: Vec<ArchivedPack>,
    /// `FileValue` → the pack that lists it.
    by_file: HashMap<String, usize>,
    opened: HashMap<usize, Result<OpenPack, Violation>>,
}

/// Why an archived file cannot be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackFailure {
    /// The pack breaks a prerequisite (behaviours 153, 154).
    Unusable { archive: String, violation: Violation },
    /// The pack has no entry by that name (behaviour 152).
    NoEntry { archive: String },
}

impl PackFailure {
    /// The checklist behaviour the failure comes from.
    pub fn behaviour(&self) -> u16 {
        match self {
            PackFailure::Unusable { violation, .. } => violation.behaviour,
            PackFailure::NoEntry { .. } => 152,
        }
    }
}

impl Packs {
    pub fn new(packs: Vec<ArchivedPack>) -> Packs {
        let by_file = packs
            .iter()
            .enumerate()
            .flat_map(|(i, pack)| pack.file_values.iter().map(move |value| (value.clone(), i)))
            .collect();
        Packs { packs, by_file, opened: HashMap::new() }
    }

    /// The stored bytes of `file_value` if a pack lists it, `None` otherwise. `open` fetches a
    /// pack (its index counts against [`MAX_PACKS`]) the first time it is needed.
    pub fn entry(
        &mut self,
        file_value: &str,
        open: impl FnOnce(&ArchivedPack, usize) -> Result<OpenPack, Violation>,
    ) -> Option<Result<Vec<u8>, PackFailure>> {
        let index = *self.by_file.get(file_value)?;
        let pack = &self.packs[index];
        let archive = pack.name.clone();
        Some(match self.opened.entry(index).or_insert_with(|| open(pack, index)) {
            Ok(opened) => match opened.entry(file_value) {
                Ok(Some(bytes)) => Ok(bytes),
                Ok(None) => Err(PackFailure::NoEntry { archive }),
                Err(violation) => Err(PackFailure::Unusable { archive, violation }),
            },
            Err(violation) => Err(PackFailure::Unusable { archive, violation: violation.clone() }),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn pack_of(bytes: &[u8]) -> (ArchivedPack, File) {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.rewind().unwrap();
        let pack = ArchivedPack {
            name: "pack0.zip".into(),
            checksum: checksum_of(bytes),
            file_values: vec!["00000001.dat".into()],
        };
        (pack, file)
    }

    /// Kept with the fuzz regressions (fuzz/regressions/archive_zip): a stored entry whose
    /// headers claim 4 GiB once made the reader reserve that much before reading 16 bytes.
    #[test]
    fn b153_an_entry_whose_sizes_disagree_is_refused_without_reserving_its_claim() {
        let bytes = include_bytes!("../../../fuzz/regressions/archive_zip/stored-entry-declaring-4-GiB");
        let (pack, file) = pack_of(bytes);
        let violation = open_pack(&pack, file).err().expect("the pack is refused");
        assert_eq!(violation.behaviour, 153);
        assert_eq!(violation.reason, "the entry '00000001.dat' declares two different sizes");
    }
}
