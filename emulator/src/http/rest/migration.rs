//! The Migration API methods of `SP.Site` (api.md §2–§5): parameters from a JSON body or as
//! OData function arguments in the URL, results in the negotiated format.

use axum::http::Method;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::entities::{self, Key, Target};
use crate::http::AppState;
use crate::http::auth::Permission;
use crate::http::error::SpError;
use crate::http::odata::path::{Literal, Segment};
use crate::http::odata::{Prop, Reply};
use crate::jobs::provisioning::ProvisionError;
use crate::jobs::{CreateError, NewJob, ProgressError};

/// A method's name and parameters in declaration order (SPO `$metadata`), which positional
/// URL arguments follow.
pub struct Signature {
    pub name: &'static str,
    params: &'static [&'static str],
    /// Answers GET too (only GetMigrationJobProgress is documented with GET).
    allows_get: bool,
    /// What the caller's token must grant (behaviour 76; api.md §11).
    pub permission: Permission,
}

const CREATE: &[&str] = &["gWebId", "azureContainerSourceUri", "azureContainerManifestUri", "azureQueueReportUri"];

const METHODS: &[Signature] = &[
    Signature { name: "CreateMigrationJob", params: CREATE, allows_get: false, permission: Permission::FullControl },
    Signature {
        name: "CreateMigrationJobEncrypted",
        params: &["gWebId", "azureContainerSourceUri", "azureContainerManifestUri", "azureQueueReportUri", "options"],
        allows_get: false,
        permission: Permission::FullControl,
    },
    Signature {
        name: "CreateMigrationIngestionJob",
        params: &[
            "gWebId",
            "azureContainerSourceUri",
            "azureContainerManifestUri",
            "azureQueueReportUri",
            "ingestionTaskKey",
        ],
        allows_get: false,
        permission: Permission::FullControl,
    },
    Signature { name: "GetMigrationJobStatus", params: &["id"], allows_get: false, permission: Permission::Read },
    Signature {
        name: "GetMigrationJobProgress",
        params: &["jobId", "nextToken"],
        allows_get: true,
        permission: Permission::Read,
    },
    // api.md §1.1: POST, GET tolerated.
    Signature { name: "GetMigrationStatus", params: &[], allows_get: true, permission: Permission::Read },
    Signature { name: "DeleteMigrationJob", params: &["id"], allows_get: false, permission: Permission::FullControl },
    Signature {
        name: "ProvisionMigrationContainers",
        params: &[],
        allows_get: false,
        permission: Permission::FullControl,
    },
    Signature { name: "ProvisionMigrationQueue", params: &[], allows_get: false, permission: Permission::FullControl },
];

/// The method a `site/<Method>` path calls, if it is one of the Migration API's.
pub fn recognise(segments: &[Segment]) -> Option<(&'static Signature, &Segment)> {
    match segments {
        [site, call] if site.is("site") && site.args.is_none() => {
            METHODS.iter().find(|m| call.is(m.name)).map(|m| (m, call))
        }
        _ => None,
    }
}

/// Calls a Migration API method.
pub async fn call(
    state: &AppState,
    target: &Target,
    method: &Method,
    signature: &'static Signature,
    segment: &Segment,
    body: &[u8],
    request_id: Uuid,
) -> Result<Reply<Key>, SpError> {
    let allowed = *method == Method::POST || (signature.allows_get && *method == Method::GET);
    if !allowed {
        return Err(SpError::wrong_method(method.as_str(), signature.name));
    }
    let params = Params::read(signature, segment, body)?;
    let site_id = target.site.id;
    match signature.name {
        "CreateMigrationJob" | "CreateMigrationJobEncrypted" | "CreateMigrationIngestionJob" => {
            let request = NewJob {
                site_id,
                web_id: params.guid("gWebId")?,
                source_uri: params.text("azureContainerSourceUri"),
                manifest_uri: params.text("azureContainerManifestUri"),
                queue_uri: params.text("azureQueueReportUri"),
                encryption: (signature.name == "CreateMigrationJobEncrypted").then(|| params.key()).transpose()?,
                request_id,
            };
            let id = state.jobs.create(request).await.map_err(create_error)?;
            Ok(Reply::Primitive { name: signature.name.into(), edm_type: "Edm.Guid", value: id.to_string().into() })
        }
        "GetMigrationJobStatus" => {
            // An id that is absent or no GUID is simply not in the queue (behaviour 35).
            let id = params.guid("id").ok().flatten().unwrap_or_default();
            let state = state.jobs.status(site_id, id).await.map_err(SpError::internal)?;
            Ok(Reply::Primitive { name: signature.name.into(), edm_type: "Edm.Int32", value: state.into() })
        }
        "GetMigrationJobProgress" => {
            let job = params.guid("jobId")?.ok_or_else(SpError::job_not_found)?;
            let token = match params.text("nextToken") {
                None => 0,
                Some(text) => text.trim().parse::<u64>().map_err(|_| SpError::bad_parameter_type("Edm.String"))?,
            };
            let (logs, next) = state.jobs.progress(site_id, job, token).await.map_err(|e| match e {
                ProgressError::NotFound => SpError::job_not_found(),
                ProgressError::Expired => SpError::job_status_expired(),
                ProgressError::Internal(message) => SpError::internal(message),
            })?;
            Ok(Reply::Complex {
                function: "GetMigrationJobProgress",
                type_name: "SP.MigrationJobProgress",
                props: vec![Prop::strings("Logs", logs), Prop::new("NextToken", next.to_string())],
            })
        }
        "GetMigrationStatus" => {
            let jobs = state.jobs.queue(site_id).await.map_err(SpError::internal)?;
            let items = jobs.into_iter().map(|(id, job_state)| entities::migration_job_status(id, job_state)).collect();
            Ok(Reply::Collection { set: "Collection(SP.SPMigrationJobStatus)", items })
        }
        "DeleteMigrationJob" => {
            // Like GetMigrationJobStatus, an id that names no job is simply not deleted.
            let id = params.guid("id").ok().flatten().unwrap_or_default();
            let deleted = state.jobs.delete(site_id, id, request_id).await.map_err(SpError::internal)?;
            Ok(Reply::Primitive { name: signature.name.into(), edm_type: "Edm.Boolean", value: deleted.into() })
        }
        "ProvisionMigrationContainers" => {
            let provisioned = state.jobs.provision_containers(site_id).await.map_err(provision_error)?;
            Ok(Reply::Complex {
                function: signature.name,
                type_name: "SP.ProvisionedMigrationContainersInfo",
                props: vec![
                    Prop::new("DataContainerUri", provisioned.data_container_uri),
                    Prop::new("EncryptionKey", BASE64.encode(provisioned.encryption_key)),
                    Prop::new("MetadataContainerUri", provisioned.metadata_container_uri),
                ],
            })
        }
        "ProvisionMigrationQueue" => {
            let uri = state.jobs.provision_queue(site_id).await.map_err(provision_error)?;
            Ok(Reply::Complex {
                function: signature.name,
                type_name: "SP.ProvisionedMigrationQueueInfo",
                props: vec![Prop::new("JobQueueUri", uri)],
            })
        }
        other => Err(SpError::not_implemented(&format!("site/{other}"))),
    }
}

fn provision_error(error: ProvisionError) -> SpError {
    tracing::warn!(error = %error, "provisioning failed");
    match error {
        ProvisionError::Storage(message) => SpError::storage(message),
        ProvisionError::NoKey | ProvisionError::Internal(_) => SpError::internal(error.to_string()),
    }
}

fn create_error(error: CreateError) -> SpError {
    match error {
        CreateError::ArgumentNull(name) => SpError::argument_null(name),
        CreateError::Argument(message) => SpError::argument(message),
        CreateError::Refused { message, .. } => SpError::argument(message),
        CreateError::WebNotFound => SpError::web_not_found(),
        CreateError::Storage(message) => SpError::storage(message),
        CreateError::Internal(message) => SpError::internal(message),
    }
}

/// A method's arguments by (case-insensitive) name, as JSON values.
struct Params(Map<String, Value>);

impl Params {
    fn read(signature: &Signature, segment: &Segment, body: &[u8]) -> Result<Params, SpError> {
        let mut values = Map::new();
        let mut put = |name: &str, value: Value| -> Result<(), SpError> {
            let canonical = signature
                .params
                .iter()
                .find(|p| p.eq_ignore_ascii_case(name))
                .ok_or_else(|| SpError::unknown_parameter(name, signature.name))?;
            values.insert(canonical.to_string(), value);
            Ok(())
        };
        for (index, arg) in segment.args.iter().flatten().enumerate() {
            let name = match &arg.name {
                Some(name) => name.as_str(),
                None => signature.params.get(index).ok_or_else(|| SpError::invalid_expression(&segment.name))?,
            };
            put(name, literal_value(&arg.value))?;
        }
        if !body.iter().all(u8::is_ascii_whitespace) {
            let parsed: Value = serde_json::from_slice(body).map_err(|e| SpError::invalid_body(&e.to_string()))?;
            let Value::Object(object) = parsed else {
                return Err(SpError::invalid_body("The request body must be a JSON object."));
            };
            for (name, value) in object {
                if name != "__metadata" {
                    put(&name, value)?;
                }
            }
        }
        Ok(Params(values))
    }

    fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    fn guid(&self, name: &str) -> Result<Option<Uuid>, SpError> {
        self.text(name)
            .map(|text| crate::package::values::guid(&text).ok_or_else(|| SpError::bad_parameter_type("Edm.Guid")))
            .transpose()
    }

    /// `options.AES256CBCKey` (behaviour 13), base64. `None` when `options` is null.
    fn key(&self) -> Result<Option<Vec<u8>>, SpError> {
        let options = match self.0.get("options") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(options)) => options,
            Some(_) => return Err(SpError::bad_parameter_type("SP.EncryptionOption")),
        };
        let key = options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("AES256CBCKey"))
            .map(|(_, v)| v)
            .and_then(Value::as_str)
            .ok_or_else(|| SpError::argument_null("AES256CBCKey"))?;
        BASE64.decode(key.trim()).map(Some).map_err(|_| SpError::bad_parameter_type("Edm.Binary"))
    }
}

fn literal_value(literal: &Literal) -> Value {
    match literal {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::from(*i),
        other => Value::String(other.as_text().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Throttle rules are checked against the jobs module's list of methods.
    #[test]
    fn every_method_can_be_throttled() {
        let served: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
        assert_eq!(served, crate::jobs::rules::MIGRATION_METHODS);
    }
}
