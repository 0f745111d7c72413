//! One import: the package read from the client's containers and applied to the site model,
//! object by object, reporting as it goes.
//!
//! Package files are fetched and checked first; every manifest is spooled and read once to
//! check it is well-formed and to count its objects (a malformed manifest is fatal before
//! anything is imported), then read again to import.

mod fetch;
mod objects;
pub mod problems;

use std::io::{BufReader, Seek};

use tokio::runtime::Handle;

use crate::package::files::{self, EXPORT_SETTINGS, ROOT_OBJECT_MAP, SYSTEM_DATA, USER_GROUP, WARN_IF_MISSING};
use crate::package::xml::{self, ChildStream, Element, Limits};
use crate::report::events::Problem;
use crate::report::reporter::Reporter;
use crate::site::Store;
use crate::site::jobs::JobRecord;
use crate::site::model::{SiteCollection, Web};
use crate::storage::StorageAccount;
use crate::storage::blobs::Container;
use crate::storage::crypto::JobKey;
use fetch::PackageFile;

/// What every stage of an import needs.
pub struct ImportContext<'a> {
    pub job: &'a JobRecord,
    pub key: Option<JobKey>,
    pub store: &'a Store,
    pub runtime: Handle,
    pub source: Container,
    pub manifest: Container,
    pub site: SiteCollection,
    /// The web of `gWebId`.
    pub web: Web,
}

/// Points where the import lets the job's controller stop it (a user's cancellation, a rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkpoint {
    /// The package files were read and every manifest counted; no object is imported yet.
    PackageRead,
    /// One more manifest object was handled.
    ObjectDone { done: u64, of: u64 },
}

/// What the import calls at each [`Checkpoint`]; an `Err` stops it as a fatal problem.
pub type Controller<'c> = dyn FnMut(Checkpoint, &mut Reporter<'_>) -> Result<(), Problem> + 'c;

/// Imports the job's package. `Err` is the fatal problem that stopped it (behaviour 58).
pub fn run(
    job: &JobRecord,
    key: Option<JobKey>,
    store: &Store,
    storage: &StorageAccount,
    runtime: Handle,
    report: &mut Reporter<'_>,
    controller: &mut Controller<'_>,
) -> Result<(), Problem> {
    let now = crate::storage::now();
    let source = Container::connect(&job.source_uri, storage, "r", now)
        .map_err(|e| problems::container_unusable("azureContainerSourceUri", &e.message))?;
    let manifest = Container::connect(&job.manifest_uri, storage, "r", now)
        .map_err(|e| problems::container_unusable("azureContainerManifestUri", &e.message))?;
    let (site_id, web_id) = (job.site_id, job.web_id);
    let found =
        store.blocking(|db| -> Result<_, crate::site::Error> { Ok((db.site(site_id)?, db.web(web_id)?)) }).map_err(
            |e| problems::job_level(problems::SP_EXCEPTION_CODE, "Microsoft.SharePoint.SPException", e.to_string()),
        )?;
    let (Some(site), Some(web)) = found else {
        return Err(problems::job_level(
            problems::SP_EXCEPTION_CODE,
            "Microsoft.SharePoint.SPException",
            format!("The web with id {web_id} was not found."),
        ));
    };
    let ctx = ImportContext { job, key, store, runtime, source, manifest, site, web };

    report.note("Initializing Import.");
    report.note("Validating package files.");
    let export_settings = files::export_settings(&required_document(&ctx, EXPORT_SETTINGS)?);
    let system_data = files::system_data(&required_document(&ctx, SYSTEM_DATA)?);
    let user_group = files::user_group(&required_document(&ctx, USER_GROUP)?);
    // The optional files must be well-formed when present; three of them are expected.
    for name in std::iter::once(ROOT_OBJECT_MAP).chain(WARN_IF_MISSING) {
        match fetch::package_file(&ctx, name)? {
            PackageFile::Found(file) => {
                xml::read_document(BufReader::new(file), &Limits::default())
                    .map_err(|e| problems::malformed_xml(&e))?;
            }
            PackageFile::Missing if WARN_IF_MISSING.contains(&name) => {
                report.warning(problems::optional_file_missing(name));
            }
            PackageFile::Missing => {}
        }
    }
    if system_data.manifest_files.is_empty() {
        return Err(problems::package_file_missing("Manifest.xml"));
    }

    let mut manifests = Vec::with_capacity(system_data.manifest_files.len());
    let mut objects = 0u64;
    for name in &system_data.manifest_files {
        let PackageFile::Found(mut file) = fetch::package_file(&ctx, name)? else {
            return Err(problems::package_file_missing(name));
        };
        for child in
            ChildStream::new(BufReader::new(&file), Limits::default()).map_err(|e| problems::malformed_xml(&e))?
        {
            child.map_err(|e| problems::malformed_xml(&e))?;
            objects += 1;
        }
        file.rewind().map_err(|e| problems::package_file_unreadable(name, &e.to_string()))?;
        manifests.push((name.clone(), file));
    }
    report.expect_objects(objects + user_group.users.len() as u64);
    controller(Checkpoint::PackageRead, report)?;

    let mut importer = objects::Importer::new(&ctx, &system_data, &export_settings);
    report.note("Importing Users.");
    importer.users(&user_group, report);
    let mut done = 0;
    for (name, file) in manifests {
        report.note(&format!("Importing {name}."));
        for child in
            ChildStream::new(BufReader::new(file), Limits::default()).map_err(|e| problems::malformed_xml(&e))?
        {
            let object = child.map_err(|e| problems::malformed_xml(&e))?;
            importer.object(&object, report);
            done += 1;
            controller(Checkpoint::ObjectDone { done, of: objects }, report)?;
        }
    }
    report.note("Import Completed.");
    Ok(())
}

/// A required package file as an element tree (behaviour 79: missing is fatal).
fn required_document(ctx: &ImportContext<'_>, name: &str) -> Result<Element, Problem> {
    match fetch::package_file(ctx, name)? {
        PackageFile::Missing => Err(problems::package_file_missing(name)),
        PackageFile::Found(file) => {
            xml::read_document(BufReader::new(file), &Limits::default()).map_err(|e| problems::malformed_xml(&e))
        }
    }
}
