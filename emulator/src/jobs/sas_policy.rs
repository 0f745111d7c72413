//! What the Migration API demands of the SAS tokens a job is created with (storage.md §1.2,
//! open question Q7): the permission letters per kind of resource, and a validity window that
//! covers the submission.
//!
//! Each finding carries the wire message a client sees and the emulator's explanation, which
//! only goes to the server log and the admin job view.

use time::OffsetDateTime;

use crate::storage::location::Location;
use crate::storage::sas::SasToken;

/// The resource a URI names, which decides the rights it must grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Source,
    Manifest,
    Queue,
}

impl Resource {
    pub fn parameter(self) -> &'static str {
        match self {
            Resource::Source => "azureContainerSourceUri",
            Resource::Manifest => "azureContainerManifestUri",
            Resource::Queue => "azureQueueReportUri",
        }
    }
}

/// Whether the service refuses the job over a finding or only notes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Reject,
    Warn,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// The error message the client receives (for rejections).
    pub message: String,
    /// Behaviour, expected vs actual, and the fix.
    pub explanation: String,
}

/// Letters a customer source container must grant, and letters that would let the service
/// (or anyone holding the URL) change the content (behaviours 17, 18).
const SOURCE_REQUIRED: &str = "rl";
const SOURCE_FORBIDDEN: &str = "wdacxympio";
/// The manifest container is also where the logs go (behaviour 19).
const MANIFEST_REQUIRED: &str = "rlw";
const MANIFEST_FORBIDDEN: &str = "dxy";
/// SharePoint-provided containers are issued `rw`; List is not needed (behaviour 20).
const PROVISIONED_REQUIRED: &str = "rw";
/// Add is checked by writing JobQueued (behaviour 23); Read and Update only draw a warning
/// (behaviour 24, storage.md §1.2 rule 3).
const QUEUE_ADVISED: &str = "ru";

/// Everything wrong with one URI's SAS. A URI without a SAS is Entra ID access (behaviour 32)
/// and passes.
pub fn check(resource: Resource, location: &Location, provisioned: bool, now: OffsetDateTime) -> Vec<Finding> {
    let Some(sas) = &location.sas else { return Vec::new() };
    let mut findings: Vec<Finding> = permissions(resource, sas, provisioned).into_iter().collect();
    findings.extend(window(resource, sas, now));
    findings
}

fn permissions(resource: Resource, sas: &SasToken, provisioned: bool) -> Option<Finding> {
    let parameter = resource.parameter();
    let granted = &sas.permissions;
    let (required, forbidden, wanted, behaviour) = match (resource, provisioned) {
        (Resource::Queue, _) => {
            let missing = missing(granted, QUEUE_ADVISED);
            return (!missing.is_empty()).then(|| Finding {
                severity: Severity::Warn,
                message: String::new(),
                explanation: format!(
                    "behaviour 24: the report queue's SAS grants sp={granted} and lacks '{missing}'; the service \
                     documents Add, Read and Update (the queues it provisions are sp=raup). Events are still written."
                ),
            });
        }
        (_, true) => (PROVISIONED_REQUIRED, "", "Read and Write", "20"),
        (Resource::Source, false) => (SOURCE_REQUIRED, SOURCE_FORBIDDEN, "only Read and List", "17/18"),
        (Resource::Manifest, false) => (MANIFEST_REQUIRED, MANIFEST_FORBIDDEN, "only Read, List and Write", "19"),
    };
    let (absent, extra) = (missing(granted, required), present(granted, forbidden));
    if absent.is_empty() && extra.is_empty() {
        return None;
    }
    let mut actual = format!("it grants sp={granted}");
    if !absent.is_empty() {
        actual.push_str(&format!(", missing '{absent}'"));
    }
    if !extra.is_empty() {
        actual.push_str(&format!(", with forbidden '{extra}'"));
    }
    Some(Finding {
        severity: Severity::Reject,
        message: format!("The SAS token of {parameter} must grant {wanted} permissions."),
        explanation: format!(
            "behaviour {behaviour}: {parameter} must grant sp={required}; {actual}. Sign a separate SAS for the job \
             (staging may keep its own write-capable one)."
        ),
    })
}

fn window(resource: Resource, sas: &SasToken, now: OffsetDateTime) -> Option<Finding> {
    let parameter = resource.parameter();
    let (message, problem) = if sas.not_yet_valid(now) {
        (
            format!("The SAS token of {parameter} is not valid yet."),
            format!("starts at st={}", sas.start.as_deref().unwrap_or("")),
        )
    } else if sas.expired(now) {
        let problem = match sas.expiry.as_deref() {
            Some(se) => format!("expired at se={se}"),
            None => "has no expiry (se), and stored access policies are not emulated".to_string(),
        };
        (format!("The SAS token of {parameter} has expired."), problem)
    } else {
        return None;
    };
    Some(Finding {
        severity: Severity::Reject,
        message,
        explanation: format!(
            "behaviour 25: a SAS must be valid from submission until the import ends; {parameter} {problem}, and it \
             is now {}. Sign it with a start in the past and an expiry after the job's end.",
            crate::storage::sas::sas_time(now)
        ),
    })
}

fn missing(granted: &str, wanted: &str) -> String {
    wanted.chars().filter(|c| !granted.contains(*c)).collect()
}

fn present(granted: &str, unwanted: &str) -> String {
    unwanted.chars().filter(|c| granted.contains(*c)).collect()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn location(permissions: &str, start: Option<&str>, expiry: &str) -> Location {
        let mut query = format!("sv=2018-03-28&sr=c&sp={permissions}&se={expiry}&sig=abc");
        if let Some(start) = start {
            query.push_str(&format!("&st={start}"));
        }
        Location::parse(&format!("https://acct.blob.core.windows.net/c?{query}")).unwrap()
    }

    fn verdict(resource: Resource, permissions: &str, provisioned: bool) -> Vec<(Severity, String)> {
        check(resource, &location(permissions, None, "2026-06-02T00:00:00Z"), provisioned, NOW)
            .into_iter()
            .map(|f| (f.severity, f.message))
            .collect()
    }

    #[test]
    fn b17_b18_source_needs_exactly_read_and_list() {
        let refused = [(
            Severity::Reject,
            "The SAS token of azureContainerSourceUri must grant only Read and List permissions.".to_string(),
        )];
        assert!(verdict(Resource::Source, "rl", false).is_empty());
        assert!(verdict(Resource::Source, "lr", false).is_empty(), "letters are a set");
        assert_eq!(verdict(Resource::Source, "r", false), refused);
        assert_eq!(verdict(Resource::Source, "rwl", false), refused);
        assert_eq!(verdict(Resource::Source, "racwl", false), refused);
    }

    #[test]
    fn b19_manifest_needs_read_list_and_write() {
        assert!(verdict(Resource::Manifest, "rwl", false).is_empty());
        assert!(verdict(Resource::Manifest, "racwl", false).is_empty(), "only deleting rights are refused");
        for bad in ["rl", "rw", "rwdl"] {
            assert_eq!(
                verdict(Resource::Manifest, bad, false),
                [(
                    Severity::Reject,
                    "The SAS token of azureContainerManifestUri must grant only Read, List and Write permissions."
                        .to_string()
                )],
                "{bad}"
            );
        }
    }

    #[test]
    fn b20_provisioned_containers_need_no_list() {
        assert!(verdict(Resource::Source, "rw", true).is_empty());
        assert!(verdict(Resource::Manifest, "rw", true).is_empty());
        assert_eq!(verdict(Resource::Source, "r", true)[0].0, Severity::Reject);
    }

    #[test]
    fn b24_queue_rights_beyond_add_only_warn() {
        assert!(verdict(Resource::Queue, "raup", false).is_empty());
        let found = check(Resource::Queue, &location("a", None, "2026-06-02T00:00:00Z"), false, NOW);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warn);
        assert!(found[0].explanation.contains("lacks 'ru'"), "{}", found[0].explanation);
    }

    #[test]
    fn b25_the_window_must_cover_the_submission() {
        let early =
            check(Resource::Source, &location("rl", Some("2026-06-01T13:00:00Z"), "2026-06-02T00:00:00Z"), false, NOW);
        assert_eq!(early[0].message, "The SAS token of azureContainerSourceUri is not valid yet.");
        let late = check(Resource::Manifest, &location("rwl", None, "2026-06-01T11:59:00Z"), false, NOW);
        assert_eq!(late[0].message, "The SAS token of azureContainerManifestUri has expired.");
        assert!(late[0].explanation.contains("behaviour 25"));
        // Without `se` there is no window at all: storage would refuse every read.
        let endless = Location::parse("https://acct.blob.core.windows.net/c?sv=2018-03-28&sr=c&sp=rl&sig=abc").unwrap();
        let endless = check(Resource::Source, &endless, false, NOW);
        assert_eq!(endless[0].message, "The SAS token of azureContainerSourceUri has expired.");
        assert!(endless[0].explanation.contains("has no expiry (se)"), "{}", endless[0].explanation);
    }

    #[test]
    fn uris_without_sas_pass() {
        let location = Location::parse("https://acct.blob.core.windows.net/c").unwrap();
        assert!(check(Resource::Source, &location, false, NOW).is_empty());
    }
}
