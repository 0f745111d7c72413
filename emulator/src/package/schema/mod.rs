//! Schema validation of package files (package.md §1.1, behaviours 82–92): each file against
//! its schema, encoded as data ([`model`]) and checked the way .NET's validating reader checks,
//! with its messages.

mod automaton;
pub mod manifest;
pub mod model;
pub mod package_files;
#[cfg(test)]
mod tests;
mod types;
mod validator;

pub use validator::{RootProgress, SchemaError, SchemaErrorKind, Validator};

use model::Schema;

/// The schema a manifest-container file is validated against, by its blob name; manifests
/// are the files SystemData.xml lists.
pub fn for_file(name: &str) -> Option<&'static Schema> {
    Some(match name {
        "ExportSettings.xml" => &package_files::EXPORT_SETTINGS,
        "SystemData.xml" => &package_files::SYSTEM_DATA,
        "UserGroup.xml" => &package_files::USER_GROUP,
        "RootObjectMap.xml" => &package_files::ROOT_OBJECT_MAP,
        "LookupListMap.xml" => &package_files::LOOKUP_LIST_MAP,
        "Requirements.xml" => &package_files::REQUIREMENTS,
        "ViewFormsList.xml" => &package_files::VIEW_FORMS_LIST,
        "ArchivedFiles.xml" => &package_files::ARCHIVED_FILES,
        _ => return None,
    })
}
