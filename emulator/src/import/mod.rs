//! One import: the package read from the client's containers and applied to the site model,
//! object by object, reporting as it goes.
//!
//! The package is taken in first (`package::intake`: every file read, validated and checked
//! against the package rules, a fatal problem stopping the job before anything is imported),
//! then the manifests are read again to import.

mod archives;
mod details;
mod fetch;
mod objects;
mod security;

pub use security::SecurityOptions;

use std::io::BufReader;

use tokio::runtime::Handle;

use crate::package::intake::{self, Intake, IntakeOptions, Severity};
use crate::package::xml::{ChildStream, Limits};
use crate::problems;
use crate::report::events::Problem;
use crate::report::reporter::Reporter;
use crate::site::Store;
use crate::site::jobs::JobRecord;
use crate::site::model::{SiteCollection, Web};
use crate::storage::StorageAccount;
use crate::storage::blobs::Container;
use crate::storage::crypto::JobKey;

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
    pub options: ImportOptions,
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

/// How strictly a package is taken in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    pub intake: IntakeOptions,
    /// Read manifest-container files only from snapshots (behaviour 135); off by default, as
    /// real clients such as Office365-REST-Python-Client do not snapshot them.
    pub require_manifest_snapshots: bool,
    pub user_resolution: crate::config::UserResolution,
    pub security: security::SecurityOptions,
}

/// Where the import reads the package and how.
pub struct Source<'a> {
    pub job: &'a JobRecord,
    pub key: Option<JobKey>,
    pub storage: &'a StorageAccount,
    pub options: ImportOptions,
}

/// Imports the job's package. `Err` is the fatal problem that stopped it (behaviour 58).
pub fn run(
    source: Source<'_>,
    store: &Store,
    runtime: Handle,
    report: &mut Reporter<'_>,
    controller: &mut Controller<'_>,
) -> Result<(), Problem> {
    let Source { job, key, storage, options } = source;
    let now = crate::storage::now();
    let source = Container::connect(&job.source_uri, storage, "r", now)
        .map_err(|e| problems::container_unusable("azureContainerSourceUri", &e.message))?;
    let manifest = Container::connect(&job.manifest_uri, storage, "r", now)
        .map_err(|e| problems::container_unusable("azureContainerManifestUri", &e.message))?;
    let (site_id, web_id) = (job.site_id, job.web_id);
    let found = store
        .blocking(|db| -> Result<_, crate::site::Error> { Ok((db.site(site_id)?, db.web(web_id)?)) })
        .map_err(|e| problems::site_model_failed(&e))?;
    let (Some(site), Some(web)) = found else {
        return Err(problems::job_web_missing(web_id));
    };
    let ctx = ImportContext { job, key, store, runtime, source, manifest, site, web, options };

    report.note("Initializing Import.");
    report.note("Validating package files.");
    let mut files = fetch::StorageFiles { ctx: &ctx };
    let package = intake::take_in(&mut files, &options.intake, &mut |finding| match finding.severity {
        Severity::Error => report.error(finding.problem),
        Severity::Warning => report.warning(finding.problem),
        // Not the service's to say; the server log keeps it for the tool's author.
        Severity::Advice | Severity::Fatal => {
            tracing::info!(job = %job.id, file = %finding.file, advice = %finding.problem.message, "package advice");
        }
    })
    .map_err(|finding| finding.problem)?;
    root_objects_in_target(&ctx, &package)?;
    let mut security = security::Security::new(&ctx, &package);
    let map = &package.user_group;
    report.expect_objects(package.objects + map.users.len() as u64 + security.expected_objects(map));
    controller(Checkpoint::PackageRead, report)?;

    let mut importer = objects::Importer::new(&ctx, &package);
    report.note("Importing Users.");
    importer.users(map, report);
    security.groups(map, importer.user_ids(), report);
    let mut done = 0;
    for (name, file) in package.manifests {
        report.note(&format!("Importing {name}."));
        for child in
            ChildStream::new(BufReader::new(file), Limits::default()).map_err(|e| problems::malformed_xml(&e))?
        {
            let object = child.map_err(|e| problems::malformed_xml(&e))?;
            if security::handles(&object) {
                security.object(&object, importer.user_ids(), report)?;
            } else {
                importer.object(&object, report);
            }
            done += 1;
            controller(Checkpoint::ObjectDone { done, of: package.objects }, report)?;
        }
    }
    report.note("Import Completed.");
    Ok(())
}

/// Behaviour 103: a root list must be a list of the target web, and its parent that web.
fn root_objects_in_target(ctx: &ImportContext<'_>, package: &Intake) -> Result<(), Problem> {
    for root in package.root_objects.iter().filter(|r| r.kind == "List") {
        let web = &ctx.web;
        let id = root.id.map(|id| id.to_string()).unwrap_or_default();
        let list = match root.id {
            Some(list_id) => {
                ctx.store.blocking(|db| db.list(web.id, list_id)).map_err(|e| problems::site_model_failed(&e))?
            }
            None => None,
        };
        if list.is_none() || root.parent_id.is_some_and(|parent| parent != web.id) {
            return Err(problems::root_object_not_in_target(&id, &web.url));
        }
    }
    Ok(())
}
