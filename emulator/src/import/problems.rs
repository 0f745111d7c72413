//! Every warning and error an import reports, with its code, exception type and text, in one
//! table (logs.md §6). Texts the sources prove are reproduced exactly; the others are the
//! emulator's stable choices, so scenario tests can match them.

use uuid::Uuid;

use crate::package::xml::XmlError;
use crate::report::events::Problem;

/// HRESULT of SPException (COR_E_APPLICATION), for failures without a documented code.
pub const SP_EXCEPTION_CODE: i32 = -2146232832;
const SP_EXCEPTION: &str = "Microsoft.SharePoint.SPException";
/// 0x80070050, ERROR_FILE_EXISTS (behaviour 119).
pub const FILE_EXISTS_CODE: i32 = -2147024816;
/// 0x80131940, the HRESULT of XmlException.
const XML_EXCEPTION_CODE: i32 = -2146232000;
/// 0x80070057, E_INVALIDARG.
const ARGUMENT_CODE: i32 = -2147024809;

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
        }
    }

    pub fn blob_missing(&self, file_value: &str) -> Problem {
        self.problem(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("The blob '{file_value}' was not found in the source container."),
        )
    }

    pub fn blob_without_snapshot(&self, file_value: &str) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The blob '{file_value}' does not have a snapshot."))
    }

    /// Behaviour 147, text observed in the real service.
    pub fn md5_missing(&self, file_value: &str) -> Problem {
        self.problem(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("Missing MD5 property in Manifest and Azure Blob. File: {file_value}"),
        )
    }

    pub fn md5_mismatch(&self, file_value: &str) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("MD5 mismatch for file {file_value}."))
    }

    pub fn decrypt_failed(&self, file_value: &str) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Failed to decrypt blob '{file_value}'."))
    }

    pub fn storage_failed(&self, file_value: &str, detail: &str) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Failed to download blob '{file_value}': {detail}"))
    }

    pub fn list_not_found(&self, list_id: &str, web_url: &str) -> Problem {
        self.problem(
            SP_EXCEPTION_CODE,
            SP_EXCEPTION,
            format!("The list with id {list_id} was not found in web {web_url}."),
        )
    }

    pub fn parent_folder_not_found(&self) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The parent folder of '{}' was not found.", self.url))
    }

    pub fn file_not_found(&self, file_id: &str) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The file with id {file_id} was not found."))
    }

    /// Behaviour 119.
    pub fn file_exists(&self) -> Problem {
        self.problem(FILE_EXISTS_CODE, SP_EXCEPTION, format!("A file with the name '{}' already exists.", self.url))
    }

    pub fn folder_exists(&self) -> Problem {
        self.problem(FILE_EXISTS_CODE, SP_EXCEPTION, format!("A folder with the name '{}' already exists.", self.url))
    }

    pub fn item_id_taken(&self, int_id: i64, list_id: Uuid) -> Problem {
        self.problem(
            ARGUMENT_CODE,
            "System.ArgumentException",
            format!("The item id {int_id} is already used by another item in list {list_id}."),
        )
    }

    pub fn web_not_found(&self, web_id: Uuid) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("The web with id {web_id} was not found."))
    }

    /// A failure of the emulator itself while writing the object.
    pub fn internal(&self, detail: &str) -> Problem {
        self.problem(SP_EXCEPTION_CODE, SP_EXCEPTION, detail.to_string())
    }

    pub fn invalid_value(&self, attribute: &str, value: &str) -> Problem {
        self.problem(
            ARGUMENT_CODE,
            "System.ArgumentException",
            format!("The value '{value}' of attribute '{attribute}' is not valid."),
        )
    }
}

/// Problems of the job as a whole: empty ObjectType, Url and Id (behaviour 58).
pub fn job_level(code: i32, error_type: &str, message: String) -> Problem {
    Problem { error_code: code, error_type: error_type.into(), message, ..Default::default() }
}

/// A package XML file that is not well-formed (behaviour 90).
pub fn malformed_xml(error: &XmlError) -> Problem {
    job_level(XML_EXCEPTION_CODE, "System.Xml.XmlException", format!("[System.Xml.XmlException] [{}]", error.message))
}

/// A required package file that is not in the manifest container (behaviours 79, 99).
pub fn package_file_missing(name: &str) -> Problem {
    job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("{name} was not found in the manifest container."))
}

/// Behaviour 80.
pub fn optional_file_missing(name: &str) -> Problem {
    job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("{name} was not found in the manifest container."))
}

pub fn package_file_unreadable(name: &str, detail: &str) -> Problem {
    job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Failed to read {name} from the manifest container: {detail}"))
}

pub fn package_file_undecryptable(name: &str) -> Problem {
    job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, format!("Failed to decrypt blob '{name}'."))
}

pub fn container_unusable(parameter: &str, detail: &str) -> Problem {
    job_level(SP_EXCEPTION_CODE, "Microsoft.WindowsAzure.Storage.StorageException", format!("{parameter}: {detail}"))
}

/// The log files could not be written (logs.md §3).
pub fn log_upload_failed() -> Problem {
    job_level(SP_EXCEPTION_CODE, SP_EXCEPTION, "Failed to upload log files to the manifest container.".into())
}
