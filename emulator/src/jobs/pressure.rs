//! The service's load as rules describe it: calls that are throttled (behaviour 167) or
//! served close to the limit (behaviour 168).

use uuid::Uuid;

use super::JobService;
use super::rules::{self, Action, CallerKind, Subject};

/// What the service's load does to one REST call (behaviours 167, 168).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pressure {
    None,
    /// Refused with 429/503 and `Retry-After`.
    Throttled {
        status: u16,
        retry_after: u64,
    },
    /// Served, with `RateLimit-*` headers.
    NearLimit(RateLimit),
}

/// The values of the `RateLimit-Limit`, `-Remaining` and `-Reset` headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    pub reset: u64,
}

impl JobService {
    /// How a `throttle` or `near_limit` rule answers a REST call: `method` is the Migration API
    /// method called, if any; a rule for endpoint `*` matches every call.
    pub fn pressure(&self, site_url: &str, web_id: Uuid, method: Option<&str>, caller: CallerKind) -> Pressure {
        let subject = Subject { site_url, web_id: Some(web_id), caller: Some(caller), ..Default::default() };
        let throttled = self.rules.take(&subject, &self.ids, |action| match action {
            Action::Throttle { endpoint, status, retry_after } if rules::names_endpoint(endpoint, method) => {
                Some(Pressure::Throttled { status: *status, retry_after: *retry_after })
            }
            _ => None,
        });
        let near = || {
            self.rules.take(&subject, &self.ids, |action| match action {
                Action::NearLimit { endpoint, limit, remaining, reset } if rules::names_endpoint(endpoint, method) => {
                    Some(Pressure::NearLimit(RateLimit { limit: *limit, remaining: *remaining, reset: *reset }))
                }
                _ => None,
            })
        };
        throttled.or_else(near).unwrap_or(Pressure::None)
    }
}
