//! Every migration job event: its name, its fields and their order, in one type.
//!
//! Events are flat JSON objects whose values are all strings (behaviours 50–54): numbers as
//! decimal strings, booleans as `True`/`False`, statistics as JSON text inside a string, times
//! as `MM/dd/yyyy HH:mm:ss.fff` UTC. Field order follows the 2025 samples of
//! `events.md` §4: event fields, then `JobId`, `Time`, `CorrelationId`, and `Event` last.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

/// What happened, with the fields particular to each event.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    JobQueued {
        site_id: Uuid,
        db_id: Uuid,
    },
    JobPostponed {
        next_pickup_time: OffsetDateTime,
        site_id: Uuid,
        db_id: Uuid,
        jobs_in_queue: u64,
        reason_code: u8,
        reason: &'static str,
    },
    JobLogFileCreate {
        file_name: String,
    },
    JobStart {
        site_id: Uuid,
        web_id: Uuid,
        db_id: Uuid,
        farm_id: Uuid,
        server_id: Uuid,
        subscription_id: Uuid,
    },
    JobProgress(Box<Counters>),
    JobWarning(Problem),
    JobError(Problem),
    JobFatalError(Problem),
    JobCancelled {
        cancelled_by_user: bool,
        reason: Option<(u8, &'static str)>,
    },
    JobDeleted,
    JobEnd(Box<Counters>),
}

/// The object a warning or error concerns; empty strings for job-level problems.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
    pub object_type: String,
    pub url: String,
    pub id: String,
    /// `(source IntId, target IntId)`, for list items only.
    pub list_item_ids: Option<(i64, i64)>,
    pub error_code: i32,
    pub error_type: String,
    pub message: String,
    /// The emulator's explanation (behaviour, expected vs actual, the fix): shown in the admin
    /// job view and the server log, never sent to clients.
    pub hint: Option<String>,
}

/// Cumulative counters of JobProgress and JobEnd.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counters {
    pub files_created: u64,
    pub bytes_processed: u64,
    pub objects_processed: u64,
    pub total_expected_sp_objects: u64,
    pub total_errors: u64,
    pub total_warnings: u64,
    pub total_duration_ms: f64,
    /// Bucket label → stats, only non-empty buckets, smallest first.
    pub file_stats_by_size: Vec<(&'static str, FileStats)>,
    /// Object type (`SPFile`, `SPFolder`, …) → stats, in first-seen order.
    pub objects_stats_by_type: Vec<(String, ObjectStats)>,
    pub files_created_irrespective_of_versions: u64,
    pub bytes_processed_only_current_version: u64,
    pub last_sp_object_id: Option<Uuid>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileStats {
    pub count: u64,
    pub total_size: u64,
    pub total_download_time: u64,
    pub total_creation_time: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObjectStats {
    pub count: u64,
    pub total_time: u64,
    pub accumulated_versions: u64,
    pub objects_with_versions: u64,
}

/// One event of one job.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub job_id: Uuid,
    pub time: OffsetDateTime,
    pub correlation_id: Uuid,
    pub total_retry_count: u32,
}

impl EventKind {
    /// The explanation attached to a warning or error.
    pub fn hint(&self) -> Option<&str> {
        match self {
            EventKind::JobWarning(p) | EventKind::JobError(p) | EventKind::JobFatalError(p) => p.hint.as_deref(),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            EventKind::JobQueued { .. } => "JobQueued",
            EventKind::JobPostponed { .. } => "JobPostponed",
            EventKind::JobLogFileCreate { .. } => "JobLogFileCreate",
            EventKind::JobStart { .. } => "JobStart",
            EventKind::JobProgress(_) => "JobProgress",
            EventKind::JobWarning(_) => "JobWarning",
            EventKind::JobError(_) => "JobError",
            EventKind::JobFatalError(_) => "JobFatalError",
            EventKind::JobCancelled { .. } => "JobCancelled",
            EventKind::JobDeleted => "JobDeleted",
            EventKind::JobEnd(_) => "JobEnd",
        }
    }
}

/// `MM/dd/yyyy HH:mm:ss.fff`, UTC.
pub fn event_time(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[month]/[day]/[year] [hour]:[minute]:[second].[subsecond digits:3]"))
        .expect("UTC times format")
}

/// The time an [`event_time`] text stands for.
pub fn parse_event_time(text: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[month]/[day]/[year] [hour]:[minute]:[second].[subsecond digits:3]");
    time::PrimitiveDateTime::parse(text, format).ok().map(time::PrimitiveDateTime::assume_utc)
}

fn bool_text(value: bool) -> String {
    if value { "True" } else { "False" }.to_string()
}

/// Milliseconds as .NET prints a double: no trailing zeros, at most four decimals.
fn millis_text(ms: f64) -> String {
    let text = format!("{ms:.4}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed.is_empty() { "0".into() } else { trimmed.to_string() }
}

impl Event {
    /// The fields in order, all as strings.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f: Vec<(&'static str, String)> = Vec::with_capacity(26);
        let job_type = [("MigrationType", "None".to_string()), ("MigrationDirection", "Import".to_string())];
        let retry = ("TotalRetryCount", self.total_retry_count.to_string());
        match &self.kind {
            EventKind::JobQueued { site_id, db_id } => {
                f.extend(job_type);
                f.push(("SiteId", site_id.to_string()));
                f.push(("DbId", db_id.to_string()));
                f.push(retry);
            }
            EventKind::JobPostponed { next_pickup_time, site_id, db_id, jobs_in_queue, reason_code, reason } => {
                f.extend(job_type);
                f.push(("NextPickupTime", event_time(*next_pickup_time)));
                f.push(("SiteId", site_id.to_string()));
                f.push(("DbId", db_id.to_string()));
                f.push(("JobsInQueue", jobs_in_queue.to_string()));
                f.push(("ReasonCode", reason_code.to_string()));
                f.push(("Reason", reason.to_string()));
                f.push(retry);
            }
            EventKind::JobLogFileCreate { file_name } => f.push(("FileName", file_name.clone())),
            EventKind::JobStart { site_id, web_id, db_id, farm_id, server_id, subscription_id } => {
                f.extend(job_type);
                for (name, id) in [
                    ("SiteId", site_id),
                    ("WebId", web_id),
                    ("DbId", db_id),
                    ("FarmId", farm_id),
                    ("ServerId", server_id),
                    ("SubscriptionId", subscription_id),
                ] {
                    f.push((name, id.to_string()));
                }
                f.push(retry);
            }
            EventKind::JobProgress(counters) | EventKind::JobEnd(counters) => {
                f.extend(job_type);
                f.push(retry);
                counters.push_fields(&mut f, matches!(self.kind, EventKind::JobProgress(_)));
            }
            EventKind::JobWarning(p) | EventKind::JobError(p) | EventKind::JobFatalError(p) => {
                f.extend(job_type);
                f.push(retry);
                f.push(("ObjectType", p.object_type.clone()));
                f.push(("Url", p.url.clone()));
                f.push(("Id", p.id.clone()));
                if let Some((source, target)) = p.list_item_ids {
                    f.push(("SourceListItemIntId", source.to_string()));
                    f.push(("TargetListItemIntId", target.to_string()));
                }
                f.push(("ErrorCode", p.error_code.to_string()));
                f.push(("ErrorType", p.error_type.clone()));
                f.push(("Message", p.message.clone()));
            }
            EventKind::JobCancelled { cancelled_by_user, reason } => {
                f.extend(job_type);
                f.push(retry);
                f.push(("CancelledByUser", bool_text(*cancelled_by_user)));
                if let Some((code, label)) = reason {
                    f.push(("ReasonCode", code.to_string()));
                    f.push(("Reason", label.to_string()));
                }
            }
            EventKind::JobDeleted => {}
        }
        f.push(("JobId", self.job_id.to_string()));
        f.push(("Time", event_time(self.time)));
        f.push(("CorrelationId", self.correlation_id.to_string()));
        f.push(("Event", self.kind.name().to_string()));
        f
    }

    /// The compact JSON the queue and GetMigrationJobProgress carry.
    pub fn to_json(&self) -> String {
        let object: Map<String, Value> =
            self.fields().into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect();
        Value::Object(object).to_string()
    }
}

impl Counters {
    fn push_fields(&self, f: &mut Vec<(&'static str, String)>, progress: bool) {
        f.push(("FilesCreated", self.files_created.to_string()));
        f.push(("BytesProcessed", self.bytes_processed.to_string()));
        f.push(("ObjectsProcessed", self.objects_processed.to_string()));
        f.push(("TotalExpectedSPObjects", self.total_expected_sp_objects.to_string()));
        f.push(("TotalErrors", self.total_errors.to_string()));
        f.push(("TotalWarnings", self.total_warnings.to_string()));
        f.push(("WaitTimeOnSqlThrottlingMilliseconds", "0".into()));
        f.push(("TotalDurationInMs", millis_text(self.total_duration_ms)));
        f.push(("CpuDurationInMs", "0".into()));
        f.push(("SqlDurationInMs", "0".into()));
        f.push(("SqlQueryCount", "0".into()));
        f.push(("IsShallowCopy", bool_text(false)));
        f.push(("CreatedOrUpdatedFileStatsBySize", self.file_stats_json()));
        f.push(("ObjectsStatsByType", self.object_stats_json()));
        f.push(("TotalExpectedBytes", "0".into()));
        f.push(("FilesCreatedIrrespectiveOfVersions", self.files_created_irrespective_of_versions.to_string()));
        f.push(("BytesProcessedOnlyCurrentVersion", self.bytes_processed_only_current_version.to_string()));
        if progress {
            f.push(("LastSpObjectId", self.last_sp_object_id.map(|id| id.to_string()).unwrap_or_default()));
        }
    }

    fn file_stats_json(&self) -> String {
        let object: Map<String, Value> = self
            .file_stats_by_size
            .iter()
            .map(|(bucket, s)| {
                let stats = serde_json::json!({
                    "Count": s.count,
                    "TotalSize": s.total_size,
                    "TotalDownloadTime": s.total_download_time,
                    "TotalCreationTime": s.total_creation_time,
                });
                (bucket.to_string(), stats)
            })
            .collect();
        Value::Object(object).to_string()
    }

    fn object_stats_json(&self) -> String {
        let object: Map<String, Value> = self
            .objects_stats_by_type
            .iter()
            .map(|(kind, s)| {
                let stats = serde_json::json!({
                    "Count": s.count,
                    "TotalTime": s.total_time,
                    "AccumulatedVersions": s.accumulated_versions,
                    "ObjectsWithVersions": s.objects_with_versions,
                });
                (kind.clone(), stats)
            })
            .collect();
        Value::Object(object).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn id(s: &str) -> Uuid {
        s.parse().unwrap()
    }

    #[test]
    fn b53_job_queued_matches_the_documented_sample() {
        // events.md §4.1: the 2025 sample, byte for byte.
        let event = Event {
            kind: EventKind::JobQueued {
                site_id: id("48f1898f-77d9-4a1b-bddc-1f49bb6dc134"),
                db_id: id("de6b85cd-726e-4b13-ae04-629798fddbf3"),
            },
            job_id: id("3e280efa-78a3-4ba1-bac6-e447aa538ca5"),
            time: datetime!(2025-05-20 09:18:48.132 UTC),
            correlation_id: id("91884a0c-5ee8-4e1f-a23f-e4f7ec170182"),
            total_retry_count: 0,
        };
        assert_eq!(
            event.to_json(),
            r#"{"MigrationType":"None","MigrationDirection":"Import","SiteId":"48f1898f-77d9-4a1b-bddc-1f49bb6dc134","DbId":"de6b85cd-726e-4b13-ae04-629798fddbf3","TotalRetryCount":"0","JobId":"3e280efa-78a3-4ba1-bac6-e447aa538ca5","Time":"05/20/2025 09:18:48.132","CorrelationId":"91884a0c-5ee8-4e1f-a23f-e4f7ec170182","Event":"JobQueued"}"#
        );
    }

    #[test]
    fn b50_b51_b52_b54_job_end_values_are_strings_in_order() {
        let counters = Counters {
            files_created: 5,
            bytes_processed: 260_999,
            objects_processed: 6,
            total_expected_sp_objects: 6,
            total_errors: 2,
            total_duration_ms: 372_294.086_1,
            file_stats_by_size: vec![("0-1K", FileStats { count: 1, total_size: 3, ..Default::default() })],
            objects_stats_by_type: vec![("SPUser".into(), ObjectStats { count: 1, ..Default::default() })],
            files_created_irrespective_of_versions: 1,
            bytes_processed_only_current_version: 111_001,
            ..Default::default()
        };
        let event = Event {
            kind: EventKind::JobEnd(Box::new(counters)),
            job_id: Uuid::nil(),
            time: datetime!(2024-04-11 14:51:53.5 UTC),
            correlation_id: Uuid::nil(),
            total_retry_count: 0,
        };
        let fields = event.fields();
        let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "MigrationType",
                "MigrationDirection",
                "TotalRetryCount",
                "FilesCreated",
                "BytesProcessed",
                "ObjectsProcessed",
                "TotalExpectedSPObjects",
                "TotalErrors",
                "TotalWarnings",
                "WaitTimeOnSqlThrottlingMilliseconds",
                "TotalDurationInMs",
                "CpuDurationInMs",
                "SqlDurationInMs",
                "SqlQueryCount",
                "IsShallowCopy",
                "CreatedOrUpdatedFileStatsBySize",
                "ObjectsStatsByType",
                "TotalExpectedBytes",
                "FilesCreatedIrrespectiveOfVersions",
                "BytesProcessedOnlyCurrentVersion",
                "JobId",
                "Time",
                "CorrelationId",
                "Event",
            ]
        );
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert!(json.as_object().unwrap().values().all(serde_json::Value::is_string));
        assert_eq!(json["TotalDurationInMs"], "372294.0861");
        assert_eq!(json["IsShallowCopy"], "False");
        assert_eq!(json["Time"], "04/11/2024 14:51:53.500");
        assert_eq!(
            json["CreatedOrUpdatedFileStatsBySize"],
            r#"{"0-1K":{"Count":1,"TotalSize":3,"TotalDownloadTime":0,"TotalCreationTime":0}}"#
        );
        assert_eq!(
            json["ObjectsStatsByType"],
            r#"{"SPUser":{"Count":1,"TotalTime":0,"AccumulatedVersions":0,"ObjectsWithVersions":0}}"#
        );
    }

    #[test]
    fn b55_b56_errors_carry_the_object_and_list_item_ids() {
        let problem = Problem {
            object_type: "ListItem".into(),
            url: String::new(),
            id: "cb471d5f-593f-4a63-b59e-8eae3e35b08a".into(),
            list_item_ids: Some((3, 3)),
            error_code: -2147286782,
            error_type: "Microsoft.SharePoint.SPException".into(),
            message: "Attempted to use an object that has ceased to exist. (Exception from HRESULT: 0x80030102 (STG_E_REVERTED)) ".into(),
            hint: None,
        };
        let event = Event {
            kind: EventKind::JobError(problem),
            job_id: Uuid::nil(),
            time: datetime!(2025-05-20 09:20:55.49 UTC),
            correlation_id: Uuid::nil(),
            total_retry_count: 0,
        };
        let names: Vec<&str> = event.fields().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "MigrationType",
                "MigrationDirection",
                "TotalRetryCount",
                "ObjectType",
                "Url",
                "Id",
                "SourceListItemIntId",
                "TargetListItemIntId",
                "ErrorCode",
                "ErrorType",
                "Message",
                "JobId",
                "Time",
                "CorrelationId",
                "Event",
            ]
        );
        assert!(event.to_json().contains(r#""ErrorCode":"-2147286782""#));
    }

    #[test]
    fn millis_and_times() {
        assert_eq!(millis_text(0.0), "0");
        assert_eq!(millis_text(12.5), "12.5");
        assert_eq!(event_time(datetime!(2020-09-29 19:56:02.883 +02:00)), "09/29/2020 17:56:02.883");
    }
}
