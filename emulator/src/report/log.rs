//! The import log of one attempt: the full `.log`, and the errors-only `.err` and
//! warnings-only `.wrn` subsets (logs.md §2, §5).
//!
//! One record per line, `[MM/dd/yyyy HH:mm:ss.fff] Category: text`, CRLF-terminated. Warnings
//! and errors carry the same facts as their queue events:
//! `[ObjectType] [Url] [Id] [ErrorCode] [ErrorType] Message`. Lines go to temporary files as
//! they happen, so nothing grows in memory while the job runs; the finished files are read
//! back whole once, to be encrypted and uploaded.

use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::Path;

use time::OffsetDateTime;
use uuid::Uuid;

use super::events::{Problem, event_time};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Progress,
    Verbose,
    Warning,
    Error,
    FatalError,
}

impl Category {
    fn as_str(self) -> &'static str {
        match self {
            Category::Progress => "Progress",
            Category::Verbose => "Verbose",
            Category::Warning => "Warning",
            Category::Error => "Error",
            Category::FatalError => "FatalError",
        }
    }
}

/// The three log files of an attempt while they are being written.
pub struct JobLog {
    full: BufWriter<std::fs::File>,
    errors: BufWriter<std::fs::File>,
    warnings: BufWriter<std::fs::File>,
    error_lines: u64,
    warning_lines: u64,
}

/// A finished log file, ready to upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// `Import-{JobId}-{attempt}` (behaviour 161).
pub fn base_name(job_id: Uuid, attempt: u32) -> String {
    format!("Import-{job_id}-{attempt}")
}

impl JobLog {
    /// Starts empty log files in `dir`.
    pub fn create(dir: &Path) -> io::Result<JobLog> {
        let file = || tempfile::tempfile_in(dir).map(BufWriter::new);
        Ok(JobLog { full: file()?, errors: file()?, warnings: file()?, error_lines: 0, warning_lines: 0 })
    }

    /// A free-text line in the full log.
    pub fn line(&mut self, at: OffsetDateTime, category: Category, text: &str) -> io::Result<()> {
        write_line(&mut self.full, at, category, text)
    }

    /// A warning or error: one line in the full log and the same line in its subset file.
    pub fn problem(&mut self, at: OffsetDateTime, category: Category, problem: &Problem) -> io::Result<()> {
        let text = format!(
            "[{}] [{}] [{}] [{}] [{}] {}",
            problem.object_type, problem.url, problem.id, problem.error_code, problem.error_type, problem.message
        );
        write_line(&mut self.full, at, category, &text)?;
        if category == Category::Warning {
            self.warning_lines += 1;
            write_line(&mut self.warnings, at, category, &text)
        } else {
            self.error_lines += 1;
            write_line(&mut self.errors, at, category, &text)
        }
    }

    /// The finished files: the full log always, the subsets only when they have lines.
    pub fn finish(self, base: &str) -> io::Result<Vec<LogFile>> {
        let mut files = vec![LogFile { name: format!("{base}.log"), bytes: contents(self.full)? }];
        if self.error_lines > 0 {
            files.push(LogFile { name: format!("{base}.err"), bytes: contents(self.errors)? });
        }
        if self.warning_lines > 0 {
            files.push(LogFile { name: format!("{base}.wrn"), bytes: contents(self.warnings)? });
        }
        Ok(files)
    }
}

fn write_line(out: &mut impl Write, at: OffsetDateTime, category: Category, text: &str) -> io::Result<()> {
    // One record per line: embedded line breaks would split a record.
    let text = text.replace(['\r', '\n'], " ");
    write!(out, "[{}] {}: {}\r\n", event_time(at), category.as_str(), text)
}

fn contents(writer: BufWriter<std::fs::File>) -> io::Result<Vec<u8>> {
    let mut file = writer.into_inner().map_err(|e| e.into_error())?;
    file.rewind()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn full_log_and_subsets() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = JobLog::create(dir.path()).unwrap();
        let at = datetime!(2025-05-20 09:20:51.129 UTC);
        log.line(at, Category::Progress, "Start Time: 05/20/2025 09:20:51.129.").unwrap();
        let problem = Problem {
            object_type: "File".into(),
            url: "Shared Documents/a.docx".into(),
            id: "cb471d5f-593f-4a63-b59e-8eae3e35b08a".into(),
            list_item_ids: None,
            error_code: -2147024816,
            error_type: "Microsoft.SharePoint.SPException".into(),
            message: "A file with the name 'x' already exists.\nsecond line".into(),
            hint: None,
        };
        log.problem(at, Category::Error, &problem).unwrap();
        let files = log.finish("Import-j-1").unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Import-j-1.log", "Import-j-1.err"]);
        let full = String::from_utf8(files[0].bytes.clone()).unwrap();
        assert_eq!(
            full,
            "[05/20/2025 09:20:51.129] Progress: Start Time: 05/20/2025 09:20:51.129.\r\n\
             [05/20/2025 09:20:51.129] Error: [File] [Shared Documents/a.docx] [cb471d5f-593f-4a63-b59e-8eae3e35b08a] [-2147024816] [Microsoft.SharePoint.SPException] A file with the name 'x' already exists. second line\r\n"
        );
        assert_eq!(files[1].bytes, full.lines().nth(1).map(|l| format!("{l}\r\n")).unwrap().into_bytes());
    }
}
