//! Every warning and error the emulator reports about a package or an import, with its code,
//! exception type and text, in one table (logs.md §6). Texts the sources prove are reproduced exactly; the others are the
//! emulator's stable choices, so scenario tests can match them.

use uuid::Uuid;

use crate::package::xml::XmlError;
use crate::report::events::Problem;

/// HRESULT of SPException (COR_E_APPLICATION), for failures without a documented code.
const SP_EXCEPTION_CODE: i32 = -2146232832;
const SP_EXCEPTION: &str = "Microsoft.SharePoint.SPException";
/// 0x80070050, ERROR_FILE_EXISTS (behaviour 119).
const FILE_EXISTS_CODE: i32 = -2147024816;
/// 0x80131940, the HRESULT of XmlException.
const XML_EXCEPTION_CODE: i32 = -2146232000;
/// 0x80131941, the HRESULT of XmlSchemaException (and its XmlSchemaValidationException).
const SCHEMA_EXCEPTION_CODE: i32 = -2146231999;
/// 0x80070057, E_INVALIDARG.
const ARGUMENT_CODE: i32 = -2147024809;
/// 0x80042074, the documented code of a cancelled job (behaviour 65).
const OPERATION_CANCELED_CODE: i32 = -2147213196;
/// 0x80131537, COR_E_FORMAT, the HRESULT of FormatException.
const FORMAT_EXCEPTION_CODE: i32 = -2146233033;
/// 0x80131516, COR_E_OVERFLOW, the HRESULT of OverflowException.
const OVERFLOW_EXCEPTION_CODE: i32 = -2146233066;

/// The kind of object a problem concerns, as events name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectType {
    File,
    Folder,
    List,
    ListItem,
    Web,
}

impl ObjectType {
    fn as_str(self) -> &'static str {
        match self {
            ObjectType::File => "File",
            ObjectType::Folder => "Folder",
            ObjectType::List => "List",
            ObjectType::ListItem => "ListItem",
            ObjectType::Web => "Web",
        }
    }
}

/// The manifest object a problem is about.
#[derive(Clone, Debug)]
pub struct Subject {
    pub object_type: ObjectType,
    pub url: String,
    pub id: Option<Uuid>,
    /// `(IntId in the package, id in the target)` for list items (behaviour 56).
    pub list_item_ids: Option<(i64, i64)>,
}

impl Subject {
    pub fn new(object_type: ObjectType, url: &str, id: Option<Uuid>) -> Subject {
        Subject { object_type, url: url.to_string(), id, list_item_ids: None }
    }

    fn problem(&self, code: i32, error_type: &str, message: String) -> Problem {
        Problem {
            object_type: self.object_type.as_str().into(),
            url: self.url.clone(),
            id: self.id.map(|id| id.to_string()).unwrap_or_default(),
            list_item_ids: self.list_item_ids,
            error_code: code,
            error_type: error_type.into(),
            message,
            hint: None,
        }
    }

    pub fn blob_missing(&self, file_value: &str) -> Problem {
        let message = format!("The blob '{file_value}' was not found in the source container.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 133: FileValue names no blob in the source container. Upload the content under exactly that \
             name (blob names are case-sensitive), or correct FileValue.",
        )
    }

    pub fn blob_without_snapshot(&self, file_value: &str) -> Problem {
        let message = format!("The blob '{file_value}' does not have a snapshot.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 134: the service reads only snapshots of content blobs. Snapshot each blob after uploading \
             it and setting its metadata.",
        )
    }

    /// Behaviour 147, text observed in the real service.
    pub fn md5_missing(&self, file_value: &str) -> Problem {
        let message = format!("Missing MD5 property in Manifest and Azure Blob. File: {file_value}");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviours 145, 147: a file needs an MD5. Set the blob's Content-MD5 when uploading, or add MD5Hash \
             (base64 of the MD5 of the bytes as stored) to the File element.",
        )
    }

    pub fn md5_mismatch(&self, file_value: &str) -> Problem {
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("MD5 mismatch for file {file_value}.")),
            "Behaviours 148, 149: the MD5 of the bytes as stored (the encrypted bytes for encrypted jobs) differs \
             from the blob's Content-MD5 or the manifest's MD5Hash.",
        )
    }

    pub fn file_value_outside_container(&self, file_value: &str) -> Problem {
        let message = format!("The FileValue '{file_value}' is not a valid blob name.");
        explained(
            self.problem(ARGUMENT_CODE, "System.ArgumentException", message),
            "Behaviour 131: FileValue is a blob name relative to the source container's root: no leading '/', no \
             '.' or '..' parts, no backslashes.",
        )
    }

    /// Behaviour 124: the object's parent is defined after it in the package.
    pub fn parent_comes_later(&self, parent_id: Uuid) -> Problem {
        let message = format!("The parent {parent_id} of this object comes later in the package.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 124: objects are imported in document order across the manifests; put every folder before \
             what it contains, and a file before its list item.",
        )
    }

    /// Behaviours 152–154: the file cannot be had from the archive that lists it.
    pub fn archive_failed(&self, failure: &crate::package::archive::PackFailure, file_value: &str) -> Problem {
        match failure {
            crate::package::archive::PackFailure::Unusable { archive, violation } => {
                self.archive_unusable(archive, &violation.reason)
            }
            crate::package::archive::PackFailure::NoEntry { archive } => {
                self.archive_entry_missing(archive, file_value)
            }
        }
    }

    /// Behaviours 153, 154: the archive listing this file breaks a prerequisite.
    fn archive_unusable(&self, archive: &str, reason: &str) -> Problem {
        let message = format!("The archive '{archive}' cannot be used: {reason}.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviours 153, 154: an ArchivedFiles.xml pack must be an encrypted zip of at most 10 MB, its Checksum \
             the QuickXorHash of the unencrypted zip, its entries stored (not compressed) and each under 100 KB \
             encrypted; a package may have two packs.",
        )
    }

    /// Behaviour 152: ArchivedFiles.xml lists the file in a pack that lacks it.
    fn archive_entry_missing(&self, archive: &str, file_value: &str) -> Problem {
        let message = format!("The archive '{archive}' has no entry '{file_value}'.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 152: name each zip entry exactly as the FileValue ArchivedFiles.xml lists.",
        )
    }

    /// Behaviour 146 (emulator wording: the service's text is not on record).
    pub fn checksum_required(&self, file_value: &str) -> Problem {
        explained(
            self.problem(
                SP_EXCEPTION_CODE,
                SP_EXCEPTION,
                format!("A Checksum is required for file {file_value}: it is larger than 15 GB."),
            ),
            "Behaviour 146: a file over 15 GB needs a Checksum (the base64 QuickXorHash of the file before \
             encryption) in the manifest; an MD5 is not enough.",
        )
    }

    pub fn checksum_mismatch(&self, file_value: &str) -> Problem {
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Checksum mismatch for file {file_value}.")),
            "Behaviour 146: Checksum must be the base64 QuickXorHash (20 bytes) of the file before encryption.",
        )
    }

    pub fn decrypt_failed(&self, file_value: &str) -> Problem {
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Failed to decrypt blob '{file_value}'.")),
            "Behaviours 140-142: the blob must be AES-256-CBC with PKCS7 padding under the job's key, its IV in blob \
             metadata IV (base64) or the File's InitializationVector. Check the key, the IV and the padding.",
        )
    }

    pub fn storage_failed(&self, file_value: &str, detail: &str) -> Problem {
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Failed to download blob '{file_value}': {detail}")),
            "The source container's SAS must stay valid, with Read and List, until the job ends.",
        )
    }

    pub fn list_not_found(&self, list_id: &str, web_url: &str) -> Problem {
        let message = format!("The list with id {list_id} was not found in web {web_url}.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 113: the Migration API does not create lists. Create the list first, and use its id.",
        )
    }

    pub fn parent_folder_not_found(&self) -> Problem {
        let message = format!("The parent folder of '{}' was not found.", self.url);
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 124: a parent folder must exist in the target or come earlier in the manifest.",
        )
    }

    pub fn file_not_found(&self, file_id: &str) -> Problem {
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The file with id {file_id} was not found.")),
            "Behaviour 123: a ListItem's DocId must be the Id of a File that comes earlier in the manifest.",
        )
    }

    /// Behaviour 119.
    pub fn file_exists(&self) -> Problem {
        let message = format!("A file with the name '{}' already exists.", self.url);
        explained(
            self.problem(FILE_EXISTS_CODE, SP_EXCEPTION, message),
            "Behaviours 117, 119: another file (another GUID) is at this URL. Reuse that file's GUID to overwrite it.",
        )
    }

    pub fn folder_exists(&self) -> Problem {
        let message = format!("A folder with the name '{}' already exists.", self.url);
        explained(
            self.problem(FILE_EXISTS_CODE, SP_EXCEPTION, message),
            "Behaviour 118: another folder (another GUID) is at this URL. Keep GUIDs stable across packages.",
        )
    }

    pub fn item_id_taken(&self, int_id: i64, list_id: Uuid) -> Problem {
        let message = format!("The item id {int_id} is already used by another item in list {list_id}.");
        explained(
            self.problem(ARGUMENT_CODE, "System.ArgumentException", message),
            "Behaviour 118: list item integer ids are preserved, so each belongs to one item. Keep ids stable \
             across packages.",
        )
    }

    /// The emulator keeps each GUID in one site collection (README, Fidelity choices).
    pub fn id_of_another_site(&self) -> Problem {
        let id = self.id.map(|id| id.to_string()).unwrap_or_default();
        let message = format!("The id {id} is already used by an object of another site collection.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "The emulator keeps each GUID in one site collection, where SharePoint Online allows the same ids in \
             another one. Give the package new ids, or import it into the site collection that has them.",
        )
    }

    /// Behaviour 158, in logs.md's wording.
    pub fn shared_with_me_throttled(&self, login: &str) -> Problem {
        let message = format!("Share with Me events for user '{login}' have been throttled.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 158: a user receives at most 1,000 Share with Me events in 24 hours; share a folder \
             rather than each of its files.",
        )
    }

    /// Behaviour 128, emulator wording.
    pub fn streams_unreadable(&self, file_value: &str, reason: &str) -> Problem {
        let message =
            format!("The content '{file_value}' of '{}' cannot be unpacked into its streams: {reason}.", self.url);
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 128: with vti_hasAlternateContentStreams=TRUE the content must be the zip of the primary \
             and alternate streams, as SharePoint gives it with GetAsZipWithAltStreamsIfAvailable.",
        )
    }

    /// Behaviour 159, emulator wording (the service's is not recorded).
    pub fn web_part_not_imported(&self, type_name: &str) -> Problem {
        let message = format!(
            "The web part '{type_name}' on '{}' was not imported because the site does not allow custom script.",
            self.url
        );
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 159: on a NoScript site, web parts that are not safe against script are skipped. Set \
             IgnoreWebParts=\"true\" in ExportSettings.xml to skip web parts altogether (behaviour 97).",
        )
    }

    pub fn web_not_found(&self, web_id: Uuid) -> Problem {
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The web with id {web_id} was not found.")),
            "Behaviour 112: ParentWebId must be the job's web (gWebId) or one of its sub-webs.",
        )
    }

    /// Behaviour 155: a RoleAssignment's ObjectId names nothing of its kind in the site
    /// collection (emulator wording).
    pub fn securable_not_found(&self, object_id: &str) -> Problem {
        let message = format!("The object with id {object_id} was not found.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 155: a RoleAssignment's ObjectId must be the id of a web (ObjectType 0), a list (1), or a \
             file, folder or list item (2) that exists in the target or comes earlier in the package.",
        )
    }

    /// Behaviour 157 (emulator wording: the limit is documented, the service's text is not).
    pub fn too_many_role_assignments(&self, count: usize, limit: usize) -> Problem {
        let message = format!("The object would have {count} role assignments; a scope may have at most {limit}.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 157: SharePoint allows at most 5,000 role assignments (principals) per uniquely permissioned \
             object. Grant permissions to groups instead of to each user. Nothing was changed on this object.",
        )
    }

    /// Behaviour 157 (emulator wording).
    pub fn too_many_unique_scopes(&self, list_id: Uuid, limit: u64) -> Problem {
        let message =
            format!("The list {list_id} already has {limit} uniquely permissioned objects; no more are allowed.");
        explained(
            self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, message),
            "Behaviour 157: a list may have at most 50,000 objects with unique permissions (fewer than 5,000 are \
             recommended). Break inheritance on folders rather than on each file. Nothing was changed on this \
             object; it keeps inheriting.",
        )
    }

    /// A failure of the emulator itself while writing the object.
    pub fn internal(&self, detail: &str) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, detail.to_string())
    }

    pub fn invalid_value(&self, attribute: &str, value: &str) -> Problem {
        let message = format!("The value '{value}' of attribute '{attribute}' is not valid.");
        explained(
            self.problem(ARGUMENT_CODE, "System.ArgumentException", message),
            "package.md §5: GUIDs, integers and versions must be well-formed.",
        )
    }
}

/// Problems of the job as a whole: empty ObjectType, Url and Id (behaviour 58).
fn job_level(code: i32, error_type: &str, message: String) -> Problem {
    Problem { error_code: code, error_type: error_type.into(), message, ..Default::default() }
}

/// Attaches the emulator's explanation to a problem.
fn explained(mut problem: Problem, hint: &str) -> Problem {
    problem.hint = Some(hint.to_string());
    problem
}

/// A package XML file that is not well-formed (behaviour 90).
pub fn malformed_xml(error: &XmlError) -> Problem {
    let message = format!("[System.Xml.XmlException] [{}]", error.message);
    explained(
        job_level(XML_EXCEPTION_CODE, "System.Xml.XmlException", message),
        "Behaviour 90: a package XML file is not well-formed; the line and position are in the message.",
    )
}

/// A required package file that is not in the manifest container (behaviours 79, 99).
pub fn package_file_missing(name: &str) -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("{name} was not found in the manifest container.")),
        "Behaviours 79, 99: ExportSettings.xml, SystemData.xml, UserGroup.xml and every manifest SystemData.xml \
         lists must be at the manifest container's root.",
    )
}

/// Behaviour 80.
pub fn optional_file_missing(name: &str) -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("{name} was not found in the manifest container.")),
        "Behaviours 80, 81: upload the file with a childless root element to avoid this warning.",
    )
}

pub fn package_file_unreadable(name: &str, detail: &str) -> Problem {
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("Failed to read {name} from the manifest container: {detail}"),
        ),
        "The manifest container's SAS must stay valid, with Read and List, until the job ends.",
    )
}

pub fn package_file_undecryptable(name: &str) -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Failed to decrypt blob '{name}'.")),
        "Behaviours 139, 140: in an encrypted job every XML file is encrypted too, its IV in blob metadata IV.",
    )
}

pub fn container_unusable(parameter: &str, detail: &str) -> Problem {
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            "Microsoft.WindowsAzure.Storage.StorageException",
            format!("{parameter}: {detail}"),
        ),
        "The container's SAS was refused: check its signature, permissions and validity window.",
    )
}

/// The log files could not be written (logs.md §3).
pub fn log_upload_failed() -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, "Failed to upload log files to the manifest container.".into()),
        "Behaviour 160: the manifest container's SAS must grant Write until the job ends.",
    )
}

/// The fatal error that ends a cancelled attempt (behaviour 65).
pub fn operation_canceled(by_rule: bool) -> Problem {
    let hint = if by_rule {
        "Behaviour 65: an emulator rule (cancel_by_user) cancelled the job as DeleteMigrationJob would."
    } else {
        "Behaviour 65: DeleteMigrationJob cancelled the running job."
    };
    explained(job_level(OPERATION_CANCELED_CODE, SP_EXCEPTION, "Operation canceled.".into()), hint)
}

/// A fatal error an emulator rule (`fail`) injected at a stage of the attempt.
pub fn injected_failure(stage: &str, message: Option<&str>) -> Problem {
    let message = message.unwrap_or("An unexpected error occurred while importing the package.");
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, message.to_string()),
        &format!("Behaviour 58: an emulator rule (fail at stage '{stage}') ended this job."),
    )
}

/// A package file that breaks its schema (behaviour 82): .NET's message, as the service wraps it.
pub fn schema_invalid(file: &str, error: &crate::package::schema::SchemaError) -> Problem {
    let message = format!("[System.Xml.Schema.XmlSchemaValidationException] [{}]", error.message);
    explained(
        job_level(SCHEMA_EXCEPTION_CODE, "System.Xml.Schema.XmlSchemaValidationException", message),
        &format!(
            "Behaviour 82: {file} breaks its schema at line {}, position {}; package.md lists what each element \
             may carry. `spmig package validate` finds every such problem offline.",
            error.line, error.column
        ),
    )
}

/// Behaviour 135, with `--require-manifest-snapshots`.
pub fn package_file_without_snapshot(name: &str) -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The blob '{name}' does not have a snapshot.")),
        "Behaviour 135: with --require-manifest-snapshots the manifest container's files are read only from \
         snapshots, as the service documents. Snapshot each file after uploading it.",
    )
}

/// The site model could not be read or written: the job's own failure, not the package's.
pub fn site_model_failed(error: &crate::site::Error) -> Problem {
    job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, error.to_string())
}

/// The job's web (gWebId) is gone by the time the job runs.
pub fn job_web_missing(web_id: Uuid) -> Problem {
    job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The web with id {web_id} was not found."))
}

/// Behaviour 93.
pub fn source_type_missing() -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, "ExportSettings.xml does not specify a SourceType.".into()),
        "Behaviour 93: SourceType on ExportSettings is mandatory since April 2023 (FileShare, SharePointOnline, \
         Other … see package.md §2). --sourcetype-mode warn turns this into a warning.",
    )
}

/// Behaviour 95.
pub fn source_type_unknown(value: &str) -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The SourceType '{value}' is not supported.")),
        &format!(
            "Behaviour 95: SourceType must be one of {} (case-sensitive).",
            crate::package::intake::SOURCE_TYPES.join(", ")
        ),
    )
}

/// Behaviour 96.
pub fn detailed_source_missing() -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, "SourceType is 'Other' but no DetailedSource is given.".into()),
        "Behaviour 96: with SourceType=\"Other\", describe the source in DetailedSource.",
    )
}

/// Behaviour 108: one person, two identifiers.
pub fn duplicate_user(login: &str, first: &str, second: &str) -> Problem {
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("Duplicate user entries were found for '{login}' (users '{first}' and '{second}')."),
        ),
        "Behaviour 108: since March 2022 a person may appear only once in UserGroup.xml; map every reference to \
         one User id.",
    )
}

/// The login as the service quotes it in user warnings: the account, without a claims prefix
/// (the documentation shows bare UPNs).
fn quoted_login(login: &str) -> &str {
    crate::package::values::login_account(login)
}

/// Behaviour 105, text documented.
pub fn user_not_ensured(login: &str) -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Failed to ensure user '{}'", quoted_login(login))),
        "Behaviour 105: the login does not resolve to an account of the tenant and the User has no SystemId, so \
         System Account stands in wherever the package names this user. Give the user's UPN in claims form \
         (i:0#.f|membership|user@contoso.com), or a SystemId to keep a deleted placeholder instead.",
    )
}

/// Behaviour 106, text documented.
pub fn user_attributes_fallback(login: &str) -> Problem {
    let login = quoted_login(login);
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!(
                "Failed to retrieve user '{login}' attributes from the SiteUsers; falling back to passed in values"
            ),
        ),
        "Behaviour 106: the login does not resolve to an account of the tenant; a deleted user with the package's \
         login and SystemId is created and used.",
    )
}

/// Behaviour 111 (emulator wording: the service's reaction is not on record).
pub fn user_id_undefined(id: &str) -> Problem {
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("The user id '{id}' is not defined in UserGroup.xml; System Account is used instead."),
        ),
        "Behaviour 111: every Author, ModifiedBy and principal id the manifests use needs a User (or Group) in \
         UserGroup.xml.",
    )
}

/// Behaviour 110.
pub fn no_users() -> Problem {
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            "UserGroup.xml lists no users; authors and security information cannot be set.".into(),
        ),
        "Behaviour 110: add a User for every Author, ModifiedBy and principal the manifests name.",
    )
}

/// Behaviour 103, as far as the package itself shows: the root object names no list the
/// manifests use.
pub fn root_object_unused(id: &str) -> Problem {
    explained(
        job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The root object {id} does not match the manifest.")),
        "Behaviour 103: RootObjectMap.xml's list must be the target list the manifest objects refer to (ListId, \
         ParentListId, ContainingDocumentLibrary).",
    )
}

/// Behaviour 103: the root object's list is not in the target web.
pub fn root_object_not_in_target(id: &str, web_url: &str) -> Problem {
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("The root object {id} does not exist in the target web {web_url}."),
        ),
        "Behaviour 103: RootObjectMap.xml's list id must be the target list's, and its ParentId the target web's.",
    )
}

/// Something the service accepts silently but that will not do what the tool wants; only
/// `spmig package validate` reports it.
pub fn advice(message: String) -> Problem {
    job_level(0, "", message)
}

/// A security problem about a role or group, which has no GUID: the problem names it in Url.
fn security_level(object_type: &str, name: &str, code: i32, error_type: &str, message: String) -> Problem {
    Problem { object_type: object_type.into(), url: name.into(), ..job_level(code, error_type, message) }
}

/// A `PermMask` or `RoleId` that is not a decimal number: the service parses them as .NET
/// integers, and a hex mask fails the job (Office365-REST-Python-Client, live-validated).
pub fn role_number_format(attribute: &str, value: &str) -> Problem {
    explained(
        job_level(
            FORMAT_EXCEPTION_CODE,
            "System.FormatException",
            "[System.FormatException] [Input string was not in a correct format.]".into(),
        ),
        &format!(
            "Role {attribute}=\"{value}\" is not a decimal integer. PermMask is the SPBasePermissions mask written in \
             decimal (e.g. 756052856929), never hex (0x...); RoleId is a decimal id."
        ),
    )
}

/// A `PermMask` or `RoleId` too large for its .NET type.
pub fn role_number_overflow(attribute: &str, value: &str, type_name: &str) -> Problem {
    explained(
        job_level(
            OVERFLOW_EXCEPTION_CODE,
            "System.OverflowException",
            format!("[System.OverflowException] [Value was either too large or too small for a {type_name}.]"),
        ),
        &format!("Role {attribute}=\"{value}\" does not fit a {type_name}."),
    )
}

/// A package role that is, or would change, one of SharePoint's own permission levels; text
/// live-validated (Office365-REST-Python-Client).
pub fn system_role_update(title: &str) -> Problem {
    explained(
        security_level("Role", title, SP_EXCEPTION_CODE, SP_EXCEPTION, "Updates to system roles is not allowed".into()),
        "A Role's RoleId must be below 1073741824 and its Title must not be a built-in permission level (Full \
         Control, Design, Edit, Contribute, Read, Limited Access, View Only). Assignments may still use the \
         built-in levels by their ids without a Role element.",
    )
}

/// Behaviour 111 for principals (emulator wording): nobody is granted in their place.
pub fn principal_undefined(id: &str) -> Problem {
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("The principal id '{id}' is not defined in UserGroup.xml; it is granted nothing."),
        ),
        "Behaviours 111, 156: every PrincipalId, group Owner and Member UserId needs a User or Group in \
         UserGroup.xml. The emulator skips the assignment or membership rather than granting System Account.",
    )
}

/// An `Assignment/@RoleId` that is neither a package role nor a role definition of the site.
pub fn role_undefined(id: &str) -> Problem {
    explained(
        job_level(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("The role id '{id}' is not defined in the package or the site; the assignment is skipped."),
        ),
        "Behaviour 155: an Assignment's RoleId must be a Role/@RoleId of a DeploymentRoles object earlier in the \
         package, or the id of a permission level of the site (Read is 1073741826, Contribute 1073741827, Full \
         Control 1073741829, Edit 1073741830).",
    )
}
