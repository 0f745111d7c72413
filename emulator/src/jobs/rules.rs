//! Service conditions on demand: rules that postpone, cancel, throttle, fail or slow down
//! matching jobs and requests, so a test can reproduce what a real tenant does only by chance.
//!
//! A rule matches on any of site, web, job id, job ordinal, a marker in a container name and a
//! (seeded) probability; `count` limits how often it applies. Rules come from the config file
//! (`[[rules]]`) and from `POST /_emulator/rules`.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::Ids;

// No `deny_unknown_fields` here: serde does not allow it with `flatten`; the action's own
// check rejects unknown fields instead.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Rule {
    /// Server-relative URL of the site collection.
    pub site: Option<String>,
    pub web: Option<Uuid>,
    pub job: Option<Uuid>,
    /// The n-th job in the emulator's data (1 is the first); numbering starts again after a
    /// full reset.
    pub ordinal: Option<u64>,
    /// Text that must appear in the source or manifest container's name.
    pub container: Option<String>,
    /// `app` or `delegated`: only calls made with that kind of token (throttling and
    /// near-limit rules; behaviour 169).
    pub caller: Option<CallerKind>,
    /// Chance of applying when everything else matches, in [0, 1]; drawn from `--seed`.
    pub probability: Option<f64>,
    /// How many times the rule applies at most; unlimited when absent.
    pub count: Option<u64>,
    #[serde(flatten)]
    pub action: Action,
}

/// The site methods a `throttle` rule can name (the REST layer serves exactly these).
pub const MIGRATION_METHODS: [&str; 9] = [
    "CreateMigrationJob",
    "CreateMigrationJobEncrypted",
    "CreateMigrationIngestionJob",
    "GetMigrationJobStatus",
    "GetMigrationJobProgress",
    "GetMigrationStatus",
    "DeleteMigrationJob",
    "ProvisionMigrationContainers",
    "ProvisionMigrationQueue",
];

/// What a rule does.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// At pickup: JobPostponed with this reason code (1–7, 12 wait; 10, 11 cancel the job).
    Postpone {
        reason_code: u8,
        /// Minutes until the next pickup; 20 by default, as in Microsoft's sample.
        #[serde(default)]
        minutes: Option<f64>,
    },
    /// HTTP calls of this endpoint (a Migration API method name, or `*`) answer 429 or 503.
    Throttle {
        endpoint: String,
        #[serde(default = "default_throttle_status")]
        status: u16,
        #[serde(default = "default_retry_after")]
        retry_after: u64,
    },
    /// Successful calls of this endpoint (or `*`) carry `RateLimit-*` headers, as when the
    /// app has used most of its per-minute budget (behaviour 168).
    NearLimit {
        endpoint: String,
        #[serde(default = "default_rate_limit")]
        limit: u64,
        #[serde(default)]
        remaining: u64,
        #[serde(default = "default_retry_after")]
        reset: u64,
    },
    /// A JobFatalError at a stage of the attempt.
    Fail {
        stage: Stage,
        #[serde(default)]
        message: Option<String>,
    },
    /// The user deletes the running job at a stage (DeleteMigrationJob's sequence).
    CancelByUser { stage: Stage },
    /// The report queue cannot be reached: CreateMigrationJob fails with a storage exception.
    QueueUnreachable,
    /// Each manifest object takes this long in real time (for restart tests).
    Slow { per_object_ms: u64 },
}

impl Action {
    /// The action's name as rules spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Postpone { .. } => "postpone",
            Action::Throttle { .. } => "throttle",
            Action::NearLimit { .. } => "near_limit",
            Action::Fail { .. } => "fail",
            Action::CancelByUser { .. } => "cancel_by_user",
            Action::QueueUnreachable => "queue_unreachable",
            Action::Slow { .. } => "slow",
        }
    }
}

impl Default for Action {
    fn default() -> Self {
        Action::Postpone { reason_code: 1, minutes: None }
    }
}

fn default_throttle_status() -> u16 {
    429
}

fn default_rate_limit() -> u64 {
    1200
}

fn default_retry_after() -> u64 {
    10
}

/// Points of an attempt where `fail` and `cancel_by_user` can strike.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Right after JobStart.
    Start,
    /// After the package files were read, before any object.
    Package,
    /// After half of the manifest objects.
    Objects,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Start => "start",
            Stage::Package => "package",
            Stage::Objects => "objects",
        }
    }
}

/// The kind of token a call came with.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    App,
    Delegated,
}

/// What a rule is matched against.
#[derive(Clone, Debug, Default)]
pub struct Subject<'a> {
    pub site_url: &'a str,
    pub web_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub ordinal: Option<u64>,
    pub containers: [&'a str; 2],
    /// For HTTP calls: the kind of token; `None` for job pickups and attempts.
    pub caller: Option<CallerKind>,
}

/// What rules match a job on, owned, for code that keeps it across an attempt.
#[derive(Clone, Debug, Default)]
pub struct JobFacts {
    pub site_url: String,
    pub web_id: Uuid,
    pub job_id: Uuid,
    pub ordinal: u64,
    pub containers: [String; 2],
}

impl JobFacts {
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            site_url: &self.site_url,
            web_id: Some(self.web_id),
            job_id: Some(self.job_id),
            ordinal: Some(self.ordinal),
            containers: [&self.containers[0], &self.containers[1]],
            caller: None,
        }
    }
}

/// The rules in force, with what is left of their counts.
#[derive(Default)]
pub struct RuleBook {
    rules: Mutex<Vec<(Rule, Option<u64>)>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct RuleError(String);

impl Rule {
    pub fn check(&self) -> Result<(), RuleError> {
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(RuleError(format!("probability {p} is not between 0 and 1")));
        }
        // Matchers the action's subject never has would silently never match.
        let http_call = matches!(self.action, Action::Throttle { .. } | Action::NearLimit { .. });
        let unusable = if http_call {
            [("job", self.job.is_some()), ("ordinal", self.ordinal.is_some()), ("container", self.container.is_some())]
                .into_iter()
                .find(|(_, set)| *set)
        } else if self.caller.is_some() {
            Some(("caller", true))
        } else if matches!(self.action, Action::QueueUnreachable) && self.ordinal.is_some() {
            Some(("ordinal", true))
        } else {
            None
        };
        if let Some((field, _)) = unusable {
            return Err(RuleError(format!("'{field}' cannot be matched by a {} rule", self.action.name())));
        }
        match &self.action {
            Action::Postpone { reason_code, minutes } => {
                if !matches!(reason_code, 1..=7 | 10..=12) {
                    return Err(RuleError(format!(
                        "reason_code {reason_code} is not one of the documented codes 1–7, 10, 11, 12"
                    )));
                }
                if minutes.is_some_and(|m| m.is_nan() || m < 0.0) {
                    return Err(RuleError("minutes must not be negative".into()));
                }
            }
            Action::Throttle { status, endpoint, .. } => {
                if !matches!(status, 429 | 503) {
                    return Err(RuleError(format!("status {status} is not 429 or 503")));
                }
                check_endpoint(endpoint)?;
            }
            Action::NearLimit { endpoint, .. } => check_endpoint(endpoint)?,
            _ => {}
        }
        Ok(())
    }

    fn matches(&self, subject: &Subject<'_>) -> bool {
        let site = self.site.as_deref().is_none_or(|s| s.trim_end_matches('/').eq_ignore_ascii_case(subject.site_url));
        let web = self.web.is_none_or(|w| subject.web_id == Some(w));
        let job = self.job.is_none_or(|j| subject.job_id == Some(j));
        let ordinal = self.ordinal.is_none_or(|o| subject.ordinal == Some(o));
        let caller = self.caller.is_none_or(|c| subject.caller == Some(c));
        let container =
            self.container.as_deref().is_none_or(|marker| subject.containers.iter().any(|c| c.contains(marker)));
        site && web && job && ordinal && container && caller
    }
}

fn check_endpoint(endpoint: &str) -> Result<(), RuleError> {
    if endpoint == "*" || MIGRATION_METHODS.iter().any(|m| m.eq_ignore_ascii_case(endpoint)) {
        return Ok(());
    }
    Err(RuleError(format!(
        "endpoint '{endpoint}' is not '*' or a Migration API method ({})",
        MIGRATION_METHODS.join(", ")
    )))
}

/// Whether a rule's `endpoint` names the call: `*` names every call.
pub fn names_endpoint(endpoint: &str, method: Option<&str>) -> bool {
    endpoint == "*" || method.is_some_and(|m| m.eq_ignore_ascii_case(endpoint))
}

impl RuleBook {
    pub fn new(rules: Vec<Rule>) -> RuleBook {
        RuleBook { rules: Mutex::new(rules.into_iter().map(|r| (r.clone(), r.count)).collect()) }
    }

    pub fn add(&self, rules: Vec<Rule>) {
        self.lock().extend(rules.into_iter().map(|r| (r.clone(), r.count)));
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The rules with their remaining counts.
    pub fn list(&self) -> Vec<(Rule, Option<u64>)> {
        self.lock().clone()
    }

    /// The first rule whose action `select` accepts and that matches `subject`, consuming
    /// one of its applications.
    pub fn take<T>(&self, subject: &Subject<'_>, ids: &Ids, select: impl Fn(&Action) -> Option<T>) -> Option<T> {
        let mut rules = self.lock();
        for (rule, left) in rules.iter_mut() {
            let Some(found) = select(&rule.action) else { continue };
            if *left == Some(0) || !rule.matches(subject) {
                continue;
            }
            if rule.probability.is_some_and(|p| ids.unit() >= p) {
                continue;
            }
            if let Some(left) = left {
                *left -= 1;
            }
            return Some(found);
        }
        None
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Rule, Option<u64>)>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn postpone(code: u8) -> Action {
        Action::Postpone { reason_code: code, minutes: None }
    }

    #[test]
    fn rules_match_count_and_probability() {
        let book = RuleBook::new(vec![Rule {
            site: Some("/sites/dev".into()),
            container: Some("slow".into()),
            count: Some(2),
            ..Rule { action: postpone(3), ..Default::default() }
        }]);
        let ids = Ids::seeded(1);
        let hit = Subject { site_url: "/SITES/DEV", containers: ["src-slow-1", "man"], ..Default::default() };
        let miss = Subject { site_url: "/sites/dev", containers: ["src", "man"], ..Default::default() };
        let select = |a: &Action| matches!(a, Action::Postpone { .. }).then(|| a.clone());
        assert_eq!(book.take(&miss, &ids, select), None);
        assert_eq!(book.take(&hit, &ids, select), Some(postpone(3)));
        assert_eq!(book.take(&hit, &ids, select), Some(postpone(3)));
        assert_eq!(book.take(&hit, &ids, select), None, "the count is used up");

        let never =
            RuleBook::new(vec![Rule { probability: Some(0.0), ..Rule { action: postpone(1), ..Default::default() } }]);
        assert_eq!(never.take(&hit, &ids, select), None);
    }

    #[test]
    fn rules_are_checked_and_read_from_json() {
        let rule: Rule =
            serde_json::from_str(r#"{"action":"postpone","reason_code":7,"minutes":5,"count":1}"#).unwrap();
        assert_eq!(rule.action, Action::Postpone { reason_code: 7, minutes: Some(5.0) });
        assert!(rule.check().is_ok());
        let bad: Rule = serde_json::from_str(r#"{"action":"postpone","reason_code":8}"#).unwrap();
        assert!(bad.check().unwrap_err().to_string().contains("reason_code 8"));
        let throttle: Rule =
            serde_json::from_str(r#"{"action":"throttle","endpoint":"GetMigrationJobProgress"}"#).unwrap();
        assert_eq!(
            throttle.action,
            Action::Throttle { endpoint: "GetMigrationJobProgress".into(), status: 429, retry_after: 10 }
        );
        assert!(serde_json::from_str::<Rule>(r#"{"action":"explode"}"#).is_err());
        let never: Rule = serde_json::from_str(r#"{"action":"throttle","endpoint":"*","ordinal":2}"#).unwrap();
        assert_eq!(never.check().unwrap_err().to_string(), "'ordinal' cannot be matched by a throttle rule");
        let never: Rule = serde_json::from_str(r#"{"action":"slow","per_object_ms":5,"caller":"app"}"#).unwrap();
        assert!(never.check().is_err());
        assert!(
            serde_json::from_str::<Rule>(r#"{"action":"postpone","reason_code":1,"minuts":5}"#).is_err(),
            "typos are refused"
        );
    }
}
