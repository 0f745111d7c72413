//! The ArchivedFiles zip reader: any bytes whose checksum matches are opened as a pack, and
//! every name it might be asked for is read, within the entry limit, or refused.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use spmig::package::archive::{MAX_ENTRY_BYTES, checksum_of, open_pack};
use spmig::package::files::ArchivedPack;

fuzz_target!(|data: &[u8]| {
    let mut file = tempfile::tempfile().expect("a temporary file");
    file.write_all(data).expect("the zip is written");
    let pack = ArchivedPack {
        name: "pack.zip".into(),
        checksum: checksum_of(data),
        file_values: vec!["00000001.dat".into(), "a/b.dat".into(), "../escape.dat".into()],
    };
    let Ok(mut opened) = open_pack(&pack, file) else { return };
    for name in &pack.file_values {
        if let Ok(Some(bytes)) = opened.entry(name) {
            assert!((bytes.len() as u64) < MAX_ENTRY_BYTES, "an entry over the limit was read");
        }
    }
});
