//! Checking a scenario's expectations against what its run produced. Each failed expectation
//! becomes one [`Failure`] that names it and shows what was expected and what came.

use std::collections::BTreeSet;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::client::Endpoint;
use super::execute::Outcome;
use super::format::{Expect, Grant, Matcher, MatcherTable, RestExpectation, Scenario, SiteExpectation};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// Which expectation, as the scenario file names it (`expect.events`, `expect.event[2]`…).
    pub expectation: String,
    pub expected: String,
    pub actual: String,
}

fn failure(expectation: impl Into<String>, expected: impl Into<String>, actual: impl Into<String>) -> Failure {
    Failure { expectation: expectation.into(), expected: expected.into(), actual: actual.into() }
}

/// Every expectation of `scenario` that `outcome` does not meet.
pub async fn check(scenario: &Scenario, outcome: &Outcome, endpoint: &Endpoint) -> Vec<Failure> {
    let mut failures = Vec::new();
    let submit = &scenario.submit;
    let (status, body) = &outcome.creation;
    if *status != submit.status {
        failures.push(failure(
            "submit.status",
            submit.status.to_string(),
            format!("{status}: {}", error_message(body)),
        ));
        return failures;
    }
    if let Some(matcher) = &submit.message {
        let message = Value::String(error_message(body));
        if let Err(actual) = matches(matcher, &message, &Value::Null) {
            failures.push(failure("submit.message", describe(matcher), actual));
        }
    }
    if outcome.job.is_some() {
        check_events(&scenario.expect, &outcome.events, &mut failures);
        check_logs(&scenario.expect, outcome, &mut failures);
        for (index, expectation) in scenario.expect.site.iter().enumerate() {
            check_site(expectation, index, outcome, endpoint, &mut failures).await;
        }
        let context = RestContext { endpoint, outcome, job: outcome.job };
        for (index, expectation) in scenario.expect.rest.iter().enumerate() {
            if matches!(expectation.when.as_deref(), None | Some("ended")) {
                check_rest(expectation, index, &context, &mut failures).await;
            }
        }
        failures.extend(outcome.early_failures.iter().cloned());
        if let Some(expected) = scenario.expect.receiver_calls
            && expected != outcome.receiver_calls
        {
            failures.push(failure("expect.receiver_calls", expected.to_string(), outcome.receiver_calls.to_string()));
        }
        if let Some(expected) = &scenario.expect.queued_before_answer {
            let actual = outcome.queued_before_answer.clone().unwrap_or_else(|| "an empty queue".into());
            if actual != *expected {
                failures.push(failure("expect.queued_before_answer", expected.clone(), actual));
            }
        }
    }
    check_calls(&scenario.expect, outcome, &mut failures);
    failures
}

/// The message of a SharePoint error body, or the body itself.
fn error_message(body: &Value) -> String {
    let error = if body.get("error").is_some() { &body["error"] } else { &body["odata.error"] };
    match error["message"]["value"].as_str() {
        Some(message) => message.to_string(),
        None => body.to_string(),
    }
}

fn check_events(expect: &Expect, events: &[Value], failures: &mut Vec<Failure>) {
    let kind = |e: &Value| e["Event"].as_str().unwrap_or_default().to_string();
    if let Some(pattern) = &expect.events {
        let with_progress = pattern.iter().any(|p| p.starts_with("JobProgress"));
        let seen: Vec<String> = events.iter().map(kind).filter(|k| with_progress || k != "JobProgress").collect();
        match Pattern::parse(pattern) {
            Err(e) => failures.push(failure("expect.events", e, "")),
            Ok(compiled) if !compiled.matches(&seen) => failures.push(failure(
                "expect.events",
                format!("[{}]", pattern.join(", ")),
                format!("[{}]", seen.join(", ")),
            )),
            Ok(_) => {}
        }
    }
    if !expect.counters.is_empty() {
        match events.iter().rev().find(|e| e["Event"] == "JobEnd") {
            None => failures.push(failure("expect.counters", "a JobEnd event", "none")),
            Some(end) => {
                for (name, matcher) in &expect.counters {
                    if let Err(actual) = matches(matcher, &end[name], end) {
                        failures.push(failure(format!("expect.counters.{name}"), describe(matcher), actual));
                    }
                }
            }
        }
    }
    for (index, expectation) in expect.event.iter().enumerate() {
        let nth = expectation.nth.unwrap_or(1).max(1);
        let label = format!("expect.event[{}] ({} #{nth})", index + 1, expectation.kind);
        let Some(event) = events.iter().filter(|e| e["Event"] == expectation.kind.as_str()).nth(nth - 1) else {
            failures.push(failure(label, "such an event", "none"));
            continue;
        };
        for (field, matcher) in &expectation.fields {
            if let Err(actual) = matches(matcher, &event[field], event) {
                failures.push(failure(format!("{label}.{field}"), describe(matcher), actual));
            }
        }
        if let Some(matcher) = &expectation.all_fields {
            for (field, value) in event.as_object().into_iter().flatten() {
                if let Err(actual) = matches(matcher, value, event) {
                    failures.push(failure(format!("{label}.all_fields ({field})"), describe(matcher), actual));
                }
            }
        }
    }
}

fn check_logs(expect: &Expect, outcome: &Outcome, failures: &mut Vec<Failure>) {
    if let Some(files) = &expect.log_files {
        let expected: BTreeSet<&str> = files.iter().map(String::as_str).collect();
        let actual: BTreeSet<&str> = outcome.logs.keys().map(String::as_str).collect();
        if expected != actual {
            failures.push(failure("expect.log_files", format!("{expected:?}"), format!("{actual:?}")));
        }
    }
    for (index, expectation) in expect.log.iter().enumerate() {
        let file = expectation.file.as_deref().unwrap_or("log");
        let label = format!("expect.log[{}] (.{file})", index + 1);
        let Some(text) = outcome.logs.get(file) else {
            failures.push(failure(label, format!("a .{file} file"), "none"));
            continue;
        };
        let (wanted, found) = match (&expectation.contains, &expectation.regex) {
            (Some(needle), _) => (format!("contains {needle:?}"), text.contains(needle.as_str())),
            (None, Some(pattern)) => match regex::Regex::new(pattern) {
                Ok(re) => (format!("matches /{pattern}/"), re.is_match(text)),
                Err(e) => {
                    failures.push(failure(label, "a valid regex", e.to_string()));
                    continue;
                }
            },
            (None, None) => {
                failures.push(failure(label, "`contains` or `regex`", "neither"));
                continue;
            }
        };
        if found == expectation.absent {
            let expected = if expectation.absent { format!("not {wanted}") } else { wanted };
            failures.push(failure(label, expected, excerpt(text)));
        }
    }
}

fn check_calls(expect: &Expect, outcome: &Outcome, failures: &mut Vec<Failure>) {
    for (index, expectation) in expect.call.iter().enumerate() {
        let label = format!("expect.call[{}] ({})", index + 1, expectation.endpoint);
        let calls = outcome.recorder.calls();
        let selected: Vec<_> = calls
            .iter()
            .filter(|c| c.endpoint.eq_ignore_ascii_case(&expectation.endpoint))
            .filter(|c| expectation.status.is_none_or(|s| s == c.status))
            .filter(|c| {
                expectation.retry_after.as_ref().is_none_or(|m| {
                    let header = c.retry_after.clone().map_or(Value::Null, Value::String);
                    matches(m, &header, &Value::Null).is_ok()
                })
            })
            .filter(|c| {
                expectation.headers.iter().all(|(name, m)| {
                    let header = c.headers.get(&name.to_ascii_lowercase()).cloned().map_or(Value::Null, Value::String);
                    matches(m, &header, &Value::Null).is_ok()
                })
            })
            .collect();
        let count = Value::String(selected.len().to_string());
        let at_least_one = Matcher::Table(MatcherTable { min: Some(1.0), ..MatcherTable::default() });
        let matcher = expectation.count.as_ref().unwrap_or(&at_least_one);
        if let Err(actual) = matches(matcher, &count, &Value::Null) {
            let made: Vec<String> = calls.iter().map(|c| format!("{} {}", c.endpoint, c.status)).collect();
            failures.push(failure(
                label,
                format!("count {}", describe(matcher)),
                format!("{actual} of [{}]", made.join(", ")),
            ));
        }
    }
}

async fn check_site(
    expectation: &SiteExpectation,
    index: usize,
    outcome: &Outcome,
    endpoint: &Endpoint,
    failures: &mut Vec<Failure>,
) {
    let label = format!("expect.site[{}] ({})", index + 1, expectation.path);
    let path = expectation.path.replace("{JobId}", &outcome.job.map(|j| j.to_string()).unwrap_or_default());
    let url = format!("{}/{}", outcome.site.url, path.trim_start_matches('/')).replace('\'', "''");
    let encoded = percent_encoding::utf8_percent_encode(&url, PATH_LITERAL).to_string();
    let file = format!("web/GetFileByServerRelativeUrl('{encoded}')");
    let folder = format!("web/GetFolderByServerRelativeUrl('{encoded}')");
    let read = |path: String| async move { outcome.recorder.read(endpoint, &outcome.site.url, &path).await };
    let json = |path: String| async move {
        match read(path.clone()).await {
            Ok((200, bytes)) => serde_json::from_slice::<Value>(&bytes)
                .map(|body| outcome.renames.back_json(&body))
                .map_err(|e| format!("{path}: {e}")),
            Ok((status, bytes)) => Err(format!("{status} {}", String::from_utf8_lossy(&bytes))),
            Err(e) => Err(e),
        }
    };
    // A file, else a folder.
    let (is_file, found) = match read(file.clone()).await {
        Ok((200, _)) => (true, true),
        Ok(_) => (false, matches!(read(folder.clone()).await, Ok((200, _)))),
        Err(e) => {
            failures.push(failure(label, "an answer", e));
            return;
        }
    };
    let exists = expectation.exists.unwrap_or(true);
    if found != exists {
        failures.push(failure(format!("{label}.exists"), exists.to_string(), found.to_string()));
        return;
    }
    if !found {
        return;
    }
    let object = if is_file { file } else { folder };
    if expectation.bytes.is_some() || expectation.text.is_some() || expectation.sha256.is_some() {
        let body = match read(format!("{object}/$value")).await {
            Ok((200, body)) => body,
            other => {
                failures.push(failure(format!("{label}.$value"), "the file's bytes", format!("{other:?}")));
                return;
            }
        };
        if let Some(name) = &expectation.bytes {
            match outcome.files.get(name) {
                None => failures.push(failure(
                    format!("{label}.bytes"),
                    format!("the package file '{name}'"),
                    "no such file",
                )),
                Some(expected) if *expected != body => failures.push(failure(
                    format!("{label}.bytes"),
                    format!("the {} bytes of {name}", expected.len()),
                    format!("{} other bytes", body.len()),
                )),
                Some(_) => {}
            }
        }
        if let Some(text) = &expectation.text
            && text.as_bytes() != body.as_slice()
        {
            failures.push(failure(
                format!("{label}.text"),
                format!("{text:?}"),
                excerpt(&String::from_utf8_lossy(&body)),
            ));
        }
        if let Some(sha) = &expectation.sha256 {
            let actual = hex::encode(Sha256::digest(&body));
            if !actual.eq_ignore_ascii_case(sha) {
                failures.push(failure(format!("{label}.sha256"), sha.clone(), actual));
            }
        }
    }
    if let Some(expected) = &expectation.versions {
        match json(format!("{object}/Versions")).await {
            Ok(body) => {
                let labels: Vec<String> = body["value"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v["VersionLabel"].as_str().map(str::to_string))
                    .collect();
                if labels != *expected {
                    failures.push(failure(format!("{label}.versions"), format!("{expected:?}"), format!("{labels:?}")));
                }
            }
            Err(e) => failures.push(failure(format!("{label}.versions"), format!("{expected:?}"), e)),
        }
    }
    if !expectation.fields.is_empty() {
        // Some fields (`OData__ModerationStatus`…) come only when selected, as in SharePoint;
        // those expected to be absent cannot be selected.
        let wanted = |item: &Value| -> Vec<String> {
            let expected_absent = |m: &Matcher| matches!(m, Matcher::Table(t) if t.absent == Some(true));
            let fields = expectation.fields.iter();
            fields
                .filter(|(n, m)| item.get(n.as_str()).is_none() && !expected_absent(m))
                .map(|(n, _)| n.clone())
                .collect()
        };
        let item = match json(format!("{object}/ListItemAllFields")).await {
            Ok(item) if !wanted(&item).is_empty() => {
                let names: Vec<String> =
                    expectation.fields.keys().filter(|n| item.get(n.as_str()).is_some()).cloned().collect();
                let selected = wanted(&item).into_iter().chain(names).collect::<Vec<_>>().join(",");
                json(format!("{object}/ListItemAllFields?$select={selected}")).await
            }
            other => other,
        };
        match item {
            Ok(item) => {
                for (name, matcher) in &expectation.fields {
                    if let Err(actual) = matches(matcher, &item[name], &item) {
                        failures.push(failure(format!("{label}.fields.{name}"), describe(matcher), actual));
                    }
                }
            }
            Err(e) => failures.push(failure(format!("{label}.fields"), "the list item", e)),
        }
    }
    for (key, role, expected) in
        [("author", "Author", &expectation.author), ("modified_by", "ModifiedBy", &expectation.modified_by)]
    {
        let Some(expected) = expected else { continue };
        let actual = match json(format!("{object}/{role}")).await {
            Ok(user) => user["Title"].as_str().unwrap_or_default().to_string(),
            Err(e) => e,
        };
        if actual != *expected {
            failures.push(failure(format!("{label}.{key}"), expected.clone(), actual));
        }
    }
    if let Some(expected) = expectation.unique_permissions {
        let actual = json(format!("{object}/ListItemAllFields?$select=HasUniqueRoleAssignments")).await;
        let actual = actual.map(|item| item["HasUniqueRoleAssignments"].clone());
        if actual != Ok(Value::Bool(expected)) {
            failures.push(failure(format!("{label}.unique_permissions"), expected.to_string(), format!("{actual:?}")));
        }
    }
    if let Some(expected) = &expectation.role_assignments {
        let path = format!("{object}/ListItemAllFields/RoleAssignments?$expand=Member,RoleDefinitionBindings");
        match json(path).await {
            Ok(body) => {
                let mut actual: Vec<Grant> = body["value"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| Grant {
                        member: a["Member"]["Title"].as_str().unwrap_or_default().to_string(),
                        roles: a["RoleDefinitionBindings"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|r| r["Name"].as_str().map(str::to_string))
                            .collect(),
                    })
                    .collect();
                let mut expected = expected.clone();
                actual.sort();
                expected.sort();
                if actual != expected {
                    failures.push(failure(format!("{label}.role_assignments"), grants(&expected), grants(&actual)));
                }
            }
            Err(e) => failures.push(failure(format!("{label}.role_assignments"), grants(expected), e)),
        }
    }
}

/// What must be escaped in a URL literal inside a request path.
const PATH_LITERAL: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'#').add(b'?').add(b'%').add(b'"').add(b'<').add(b'>');

/// What a REST expectation is checked with, at whatever point of the job.
pub struct RestContext<'a> {
    pub endpoint: &'a Endpoint,
    pub outcome: &'a Outcome,
    pub job: Option<uuid::Uuid>,
}

pub async fn check_rest(
    expectation: &RestExpectation,
    index: usize,
    context: &RestContext<'_>,
    failures: &mut Vec<Failure>,
) {
    let RestContext { endpoint, outcome, .. } = context;
    let job = context.job.map(|j| j.to_string()).unwrap_or_default();
    let label = format!("expect.rest[{}] ({} {})", index + 1, expectation.method, expectation.path);
    let path = outcome.renames.forward(&expectation.path.replace("{JobId}", &job));
    if let Some(seconds) = expectation.advance
        && let Err(e) = endpoint.advance(seconds).await
    {
        failures.push(failure(label, "the clock to move", e));
        return;
    }
    let body = expectation.body.as_ref().map(|b| outcome.renames.forward(&b.replace("{JobId}", &job)));
    let format = expectation.format.as_deref().unwrap_or("nometadata");
    let call = (expectation.method.as_str(), path.as_str(), format);
    let token = expectation.token.as_deref();
    let (status, headers, answer) = match outcome.recorder.request(endpoint, &outcome.site.url, call, body, token).await
    {
        Ok(found) => found,
        Err(e) => {
            failures.push(failure(label, "an answer", e));
            return;
        }
    };
    let answer = outcome.renames.back_json(&answer);
    if let Some(expected) = expectation.status
        && expected != status
    {
        failures.push(failure(
            format!("{label}.status"),
            expected.to_string(),
            format!("{status}: {}", excerpt(&answer.to_string())),
        ));
    }
    for (pointer, matcher) in &expectation.json {
        let found = pointer.split('/').try_fold(&answer, |value, step| match step.parse::<usize>() {
            Ok(i) if value.is_array() => value.get(i),
            _ => value.get(step),
        });
        if let Err(actual) = matches(matcher, found.unwrap_or(&Value::Null), &answer) {
            failures.push(failure(format!("{label}.json.{pointer}"), describe(matcher), actual));
        }
    }
    for (name, matcher) in &expectation.headers {
        let header = headers.get(&name.to_ascii_lowercase()).cloned().map_or(Value::Null, Value::String);
        if let Err(actual) = matches(matcher, &header, &Value::Null) {
            failures.push(failure(format!("{label}.headers.{name}"), describe(matcher), actual));
        }
    }
}

fn grants(grants: &[Grant]) -> String {
    let items: Vec<String> = grants.iter().map(|g| format!("{}: {}", g.member, g.roles.join("+"))).collect();
    format!("[{}]", items.join(", "))
}

/// A long text's first lines, for failure messages.
fn excerpt(text: &str) -> String {
    const MAX: usize = 600;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// `Ok` when `actual` (a field of `context`) meets `matcher`; else the actual value as text.
pub fn matches(matcher: &Matcher, actual: &Value, context: &Value) -> Result<(), String> {
    let shown = || match actual {
        Value::Null => "absent".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    let text = match actual {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    let number = text.as_deref().and_then(|t| t.trim().parse::<f64>().ok());
    let ok = match matcher {
        Matcher::Text(expected) => text.as_deref() == Some(expected.as_str()),
        Matcher::Integer(expected) => number == Some(*expected as f64),
        Matcher::Float(expected) => number == Some(*expected),
        Matcher::Bool(expected) => text.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(&expected.to_string())),
        Matcher::Table(table) => {
            let mut ok = true;
            if let Some(pattern) = &table.regex {
                let re = regex::Regex::new(pattern).map_err(|e| format!("an invalid regex: {e}"))?;
                ok &= text.as_deref().is_some_and(|t| re.is_match(t));
            }
            if let Some(min) = table.min {
                ok &= number.is_some_and(|n| n >= min);
            }
            if let Some(max) = table.max {
                ok &= number.is_some_and(|n| n <= max);
            }
            if let Some(needle) = &table.contains {
                ok &= text.as_deref().is_some_and(|t| t.contains(needle.as_str()));
            }
            if let Some(other) = &table.same_as {
                ok &= !actual.is_null() && context[other] == *actual;
            }
            if table.any == Some(true) {
                ok &= !actual.is_null();
            }
            if table.absent == Some(true) {
                ok &= actual.is_null();
            }
            if let Some(wanted) = &table.json_type {
                ok &= json_type(actual) == wanted.as_str();
            }
            if let Some(inner) = &table.json {
                let parsed = actual.as_str().and_then(|t| serde_json::from_str::<Value>(t).ok());
                ok &= parsed.is_some_and(|parsed| matches(inner, &parsed, context).is_ok());
            }
            if let Some(field) = &table.after {
                let time = |v: &Value| v.as_str().and_then(crate::report::events::parse_event_time);
                let gap = time(actual).zip(time(&context[field])).map(|(a, b)| (a - b).as_seconds_f64());
                // Event times have milliseconds; a gap is met to the second.
                ok &= gap.is_some_and(|gap| (gap - table.seconds.unwrap_or(0.0)).abs() < 1.0);
            }
            ok
        }
    };
    if ok { Ok(()) } else { Err(shown()) }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A matcher as a failure message shows what was expected.
fn describe(matcher: &Matcher) -> String {
    match matcher {
        Matcher::Text(s) => format!("{s:?}"),
        Matcher::Integer(n) => n.to_string(),
        Matcher::Float(n) => n.to_string(),
        Matcher::Bool(b) => b.to_string(),
        Matcher::Table(t) => {
            let mut parts = Vec::new();
            if let Some(r) = &t.regex {
                parts.push(format!("matching /{r}/"));
            }
            if let Some(min) = t.min {
                parts.push(format!(">= {min}"));
            }
            if let Some(max) = t.max {
                parts.push(format!("<= {max}"));
            }
            if let Some(c) = &t.contains {
                parts.push(format!("containing {c:?}"));
            }
            if let Some(s) = &t.same_as {
                parts.push(format!("the same as {s}"));
            }
            if t.any == Some(true) {
                parts.push("present".into());
            }
            if t.absent == Some(true) {
                parts.push("absent".into());
            }
            if let Some(kind) = &t.json_type {
                parts.push(format!("a JSON {kind}"));
            }
            if let Some(inner) = &t.json {
                parts.push(format!("JSON text that is {}", describe(inner)));
            }
            if let Some(field) = &t.after {
                parts.push(format!("{} s after {field}", t.seconds.unwrap_or(0.0)));
            }
            parts.join(" and ")
        }
    }
}

/// An event pattern: each entry a type with how often it may repeat.
struct Pattern(Vec<(String, usize, usize)>);

impl Pattern {
    fn parse(entries: &[String]) -> Result<Pattern, String> {
        let mut parts = Vec::with_capacity(entries.len());
        for entry in entries {
            let entry = entry.trim();
            let (name, min, max) = if let Some(name) = entry.strip_suffix('*') {
                (name, 0, usize::MAX)
            } else if let Some(name) = entry.strip_suffix('+') {
                (name, 1, usize::MAX)
            } else if let Some(name) = entry.strip_suffix('?') {
                (name, 0, 1)
            } else if let Some((name, count)) = entry.strip_suffix('}').and_then(|e| e.split_once('{')) {
                let n = count.parse().map_err(|_| format!("'{entry}' is not a pattern entry"))?;
                (name, n, n)
            } else {
                (entry, 1, 1)
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("'{entry}' is not a pattern entry"));
            }
            parts.push((name.to_string(), min, max));
        }
        Ok(Pattern(parts))
    }

    fn matches(&self, seen: &[String]) -> bool {
        fn at(parts: &[(String, usize, usize)], seen: &[String]) -> bool {
            let Some(((name, min, max), rest)) = parts.split_first() else { return seen.is_empty() };
            let run = seen.iter().take_while(|s| *s == name).count();
            (*min..=run.min(*max)).rev().any(|taken| at(rest, &seen[taken..]))
        }
        at(&self.0, seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn patterns_take_repeats() {
        let pattern =
            Pattern::parse(&seen(&["JobQueued", "JobPostponed{2}", "JobStart", "JobWarning*", "JobEnd"])).unwrap();
        assert!(pattern.matches(&seen(&["JobQueued", "JobPostponed", "JobPostponed", "JobStart", "JobEnd"])));
        assert!(pattern.matches(&seen(&[
            "JobQueued",
            "JobPostponed",
            "JobPostponed",
            "JobStart",
            "JobWarning",
            "JobWarning",
            "JobEnd"
        ])));
        assert!(!pattern.matches(&seen(&["JobQueued", "JobPostponed", "JobStart", "JobEnd"])));
        let optional = Pattern::parse(&seen(&["JobError+", "JobError?"])).unwrap();
        assert!(optional.matches(&seen(&["JobError"])) && !optional.matches(&seen(&[])));
        assert!(Pattern::parse(&seen(&["Job End"])).is_err());
    }

    #[test]
    fn matchers_compare_event_values() {
        let event = serde_json::json!({"JobId": "a", "Other": "a", "FilesCreated": "3", "IsShallowCopy": "False"});
        let table = |t: MatcherTable| Matcher::Table(t);
        assert!(matches(&Matcher::Integer(3), &event["FilesCreated"], &event).is_ok());
        assert!(matches(&Matcher::Bool(false), &event["IsShallowCopy"], &event).is_ok());
        assert!(
            matches(&table(MatcherTable { min: Some(4.0), ..Default::default() }), &event["FilesCreated"], &event)
                .is_err()
        );
        assert!(
            matches(
                &table(MatcherTable { same_as: Some("JobId".into()), ..Default::default() }),
                &event["Other"],
                &event
            )
            .is_ok()
        );
        assert_eq!(matches(&Matcher::Text("x".into()), &event["Missing"], &event), Err("absent".into()));
        let re = table(MatcherTable { regex: Some("^[0-9]+$".into()), ..Default::default() });
        assert!(matches(&re, &event["FilesCreated"], &event).is_ok());
    }
}
