//! SharePoint's REST errors: one table of codes, exception types and messages.
//!
//! A SharePoint error is an HTTP status plus `code` = `"<HRESULT or -1>, <.NET type>"` and an
//! English message (behaviour 166). The body's shape depends on the negotiated OData format and
//! is written by `odata::render_error`.

use axum::http::StatusCode;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpError {
    pub status: StatusCode,
    pub hresult: i32,
    pub exception: &'static str,
    pub message: String,
}

const ARGUMENT: &str = "System.ArgumentException";
const INVALID_QUERY: &str = "Microsoft.SharePoint.Client.InvalidClientQueryException";
const NOT_FOUND_RESOURCE: &str = "Microsoft.SharePoint.Client.ResourceNotFoundException";
const SP_EXCEPTION: &str = "Microsoft.SharePoint.SPException";
const UNAUTHORIZED: &str = "System.UnauthorizedAccessException";
const FILE_NOT_FOUND: &str = "System.IO.FileNotFoundException";
const NOT_SUPPORTED: &str = "System.NotSupportedException";
const ARGUMENT_NULL: &str = "System.ArgumentNullException";
const STORAGE: &str = "Microsoft.WindowsAzure.Storage.StorageException";

impl SpError {
    pub fn new(status: StatusCode, hresult: i32, exception: &'static str, message: impl Into<String>) -> Self {
        SpError { status, hresult, exception, message: message.into() }
    }

    /// `"<code>, <type>"`, as the body's `code` member spells it.
    pub fn code(&self) -> String {
        format!("{}, {}", self.hresult, self.exception)
    }

    /// No `Authorization: Bearer` header (or an empty token). Sent with `WWW-Authenticate`.
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, -2147024891, UNAUTHORIZED, ACCESS_DENIED)
    }

    /// A token the emulator was told not to accept (`--tokens`).
    pub fn access_denied() -> Self {
        Self::new(StatusCode::FORBIDDEN, -2147024891, UNAUTHORIZED, ACCESS_DENIED)
    }

    /// A URL that names no web of any site collection.
    pub fn no_such_web() -> Self {
        Self::new(StatusCode::NOT_FOUND, -2147024894, FILE_NOT_FOUND, "File Not Found.")
    }

    /// A path segment SharePoint does not know, e.g. `/_api/web/foo`.
    pub fn resource_not_found(segment: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            -1,
            NOT_FOUND_RESOURCE,
            format!("Cannot find resource for the request {segment}."),
        )
    }

    /// A path or literal that does not parse.
    pub fn invalid_expression(expression: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, -1, INVALID_QUERY, format!("The expression \"{expression}\" is not valid."))
    }

    /// `$select`/`$expand` naming something the type does not have.
    pub fn no_such_property(property: &str, type_name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1,
            INVALID_QUERY,
            format!(
                "The property '{property}' does not exist on type '{type_name}'. \
                 Make sure to only use property names that are defined by the type."
            ),
        )
    }

    /// `$filter` or `$orderby` naming a field no item of the list has.
    pub fn column_missing(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -2146232832,
            SP_EXCEPTION,
            format!("Column '{name}' does not exist. It may have been deleted by another user."),
        )
    }

    /// Valid OData in `$filter` or `$orderby` that the emulator does not evaluate (the
    /// service's text for this case is not on record).
    pub fn query_not_supported(expression: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1,
            INVALID_QUERY,
            format!("The expression \"{expression}\" is not supported."),
        )
    }

    /// `$top` or `$skip` that is not a non-negative integer (WCF Data Services' wording).
    pub fn invalid_count(option: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1,
            INVALID_QUERY,
            format!(
                "Invalid value '{value}' for {option} query option found. \
                 The {option} query option requires a non-negative integer value."
            ),
        )
    }

    /// A resource reached with an HTTP method it does not answer.
    pub fn wrong_method(method: &str, resource: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1,
            INVALID_QUERY,
            format!(
                "The HTTP method '{method}' cannot be used to access the resource '{resource}'. \
                 The operation type of the resource is specified as 'Default'. \
                 Please use correct HTTP method to invoke the resource."
            ),
        )
    }

    /// `getbytitle('…')` with no such list.
    pub fn list_not_found_by_title(title: &str, web_absolute_url: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            -1,
            ARGUMENT,
            format!("List '{title}' does not exist at site with URL '{web_absolute_url}'."),
        )
    }

    /// `lists(guid'…')` / `GetById` with no such list. The double space is SharePoint's.
    pub fn list_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            -2130575322,
            SP_EXCEPTION,
            "List does not exist.\n\nThe page you selected contains a list that does not exist.  \
             It may have been deleted by another user.",
        )
    }

    /// Something SharePoint has that the emulator does not model yet: say so plainly rather
    /// than pretend it does not exist.
    pub fn not_implemented(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            -1,
            NOT_SUPPORTED,
            format!("The SharePoint emulator does not implement '{what}' yet."),
        )
    }

    /// `GetFolderByServerRelativeUrl` with no such folder.
    pub fn folder_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, -2147024894, FILE_NOT_FOUND, "File Not Found.")
    }

    /// `GetFileByServerRelativeUrl` with no such file.
    pub fn file_not_found(url: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, -2130575338, SP_EXCEPTION, format!("The file {url} does not exist."))
    }

    /// `items(N)` with no such item (or a file version that is not there).
    pub fn item_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            -2147024809,
            ARGUMENT,
            "Item does not exist. It may have been deleted by another user.",
        )
    }

    pub fn user_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, -2146232832, SP_EXCEPTION, "User cannot be found.")
    }

    /// GetMigrationJobProgress for a job this site never had (behaviour 74).
    pub fn job_not_found() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, -2147213145, SP_EXCEPTION, "Job not found")
    }

    /// GetMigrationJobProgress after the retention period (behaviour 75).
    pub fn job_status_expired() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, -2147213146, SP_EXCEPTION, "Job status expired")
    }

    /// A required parameter is null or absent (behaviour 15; .NET's wording).
    pub fn argument_null(parameter: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -2147467261,
            ARGUMENT_NULL,
            format!("Value cannot be null.\r\nParameter name: {parameter}"),
        )
    }

    /// A parameter with a value the method refuses.
    pub fn argument(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, -2147024809, ARGUMENT, message)
    }

    /// A parameter value of the wrong OData type, e.g. a malformed GUID.
    pub fn bad_parameter_type(edm_type: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1,
            INVALID_QUERY,
            format!(
                "Cannot convert a primitive value to the expected type '{edm_type}'. See the inner exception for more details."
            ),
        )
    }

    /// A parameter the method does not have.
    pub fn unknown_parameter(parameter: &str, method: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1,
            INVALID_QUERY,
            format!("The parameter '{parameter}' does not exist in method '{method}'."),
        )
    }

    /// A request body that is not the JSON a method expects.
    pub fn invalid_body(detail: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, -1, INVALID_QUERY, format!("Invalid JSON. {detail}"))
    }

    /// `gWebId` names no web of the site collection (behaviour 26).
    pub fn web_not_found() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            -2147024894,
            FILE_NOT_FOUND,
            "The system cannot find the file specified. (Exception from HRESULT: 0x80070002)",
        )
    }

    /// The report queue could not be written at creation (behaviour 23).
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, -1, STORAGE, message)
    }

    /// A failure inside the emulator (database error): SharePoint's generic 500.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, -2146233088, "System.Exception", message)
    }
}

const ACCESS_DENIED: &str = "Access denied. You do not have permission to perform this action or access this resource.";

impl From<crate::site::Error> for SpError {
    fn from(e: crate::site::Error) -> Self {
        tracing::error!(error = %e, "site model error");
        SpError::internal(e.to_string())
    }
}
