//! ArchivedFiles.xml at import time (behaviours 151–154): each pack is fetched from the source
//! container the first time one of its files is needed — latest snapshot, decrypted with its
//! own metadata IV — checked once, and its entries served from it; a pack that breaks a
//! prerequisite fails every file it lists.

use super::ImportContext;
use crate::package::archive::{self, OpenPack, Packs, Violation};
use crate::package::files::ArchivedPack;
use crate::problems::Subject;
use crate::report::events::Problem;
use crate::storage::blobs::Lookup;
use crate::storage::crypto::{SpoolError, iv_from_base64, spool};

pub struct Archives(Packs);

impl Archives {
    pub fn new(packs: Vec<ArchivedPack>) -> Archives {
        Archives(Packs::new(packs))
    }

    /// The stored bytes of `file_value` when an archive lists it; `None` when none does.
    pub fn entry(
        &mut self,
        ctx: &ImportContext<'_>,
        subject: &Subject,
        file_value: &str,
    ) -> Result<Option<Vec<u8>>, Problem> {
        match self.0.entry(file_value, |pack, index| fetch(ctx, pack, index)) {
            None => Ok(None),
            Some(Ok(bytes)) => Ok(Some(bytes)),
            Some(Err(failure)) => Err(subject.archive_failed(&failure, file_value)),
        }
    }
}

/// Downloads, decrypts and checks one pack.
fn fetch(ctx: &ImportContext<'_>, pack: &ArchivedPack, index: usize) -> Result<OpenPack, Violation> {
    let found = ctx.runtime.block_on(ctx.source.lookup(&pack.name)).map_err(|e| Violation::from(e.message))?;
    let blob = match found {
        Lookup::Missing => return Err(Violation::from("it is not in the source container".to_string())),
        Lookup::NoSnapshot(_) => return Err(Violation::from("it has no snapshot".to_string())),
        Lookup::Snapshot(blob) => blob,
    };
    archive::check_pack(index, ctx.key.is_some(), blob.size)?;
    let key = ctx.key.as_ref().expect("checked: archives come with encrypted jobs");
    let iv = blob
        .iv()
        .and_then(iv_from_base64)
        .ok_or_else(|| Violation::from("its IV metadata is missing or malformed".to_string()))?;
    let reader = ctx.source.reader(&blob, ctx.runtime.clone()).map_err(|e| Violation::from(e.message))?;
    let plain = spool(reader, Some((key, &iv))).map_err(|e| match e {
        SpoolError::Undecryptable => Violation::from("it cannot be decrypted with the job's key"),
        e => Violation::from(e.to_string()),
    })?;
    archive::open_pack(pack, plain)
}
