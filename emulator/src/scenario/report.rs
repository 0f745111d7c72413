//! What the runner tells: one line per scenario (or a progress line on a terminal), every
//! failed expectation with its expected and actual values, and JUnit / JSON reports.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::expect::Failure;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "lowercase", tag = "status", content = "detail")]
pub enum Verdict {
    Passed,
    /// Expectations not met.
    Failed(Vec<Failure>),
    /// The scenario could not be run to its end (a staging error, a job that never ended…).
    Error(String),
    /// Not run, and why.
    Skipped(String),
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioResult {
    pub path: PathBuf,
    pub description: String,
    pub behaviours: Vec<u16>,
    #[serde(flatten)]
    pub verdict: Verdict,
    pub seconds: f64,
}

impl ScenarioResult {
    pub fn name(&self) -> String {
        self.path.display().to_string()
    }
}

/// Prints as scenarios finish: on a terminal one progress line rewritten in place, failures
/// above it; elsewhere one line per scenario.
pub struct Progress {
    total: usize,
    done: usize,
    terminal: bool,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        Progress { total, done: 0, terminal: std::io::stderr().is_terminal() }
    }

    pub fn finished(&mut self, result: &ScenarioResult) {
        self.done += 1;
        let mut err = std::io::stderr().lock();
        let label = match &result.verdict {
            Verdict::Passed => "PASS",
            Verdict::Failed(_) => "FAIL",
            Verdict::Error(_) => "ERROR",
            Verdict::Skipped(_) => "SKIP",
        };
        let passed = matches!(result.verdict, Verdict::Passed);
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K");
            if !passed {
                let _ = writeln!(err, "{label} {}", result.name());
                let _ = write!(err, "{}", details(&result.verdict));
            }
            let _ = write!(err, "[{}/{}] {} {}", self.done, self.total, label, result.name());
            if self.done == self.total {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "{label} {} ({:.1} s)", result.name(), result.seconds);
            let _ = write!(err, "{}", details(&result.verdict));
        }
    }
}

/// The indented lines under a scenario that did not pass.
pub fn details(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Passed => String::new(),
        Verdict::Failed(failures) => failures
            .iter()
            .map(|f| {
                format!(
                    "  {}: expected {}\n  {}  actual   {}\n",
                    f.expectation,
                    f.expected,
                    " ".repeat(f.expectation.len()),
                    f.actual
                )
            })
            .collect(),
        Verdict::Error(message) | Verdict::Skipped(message) => format!("  {message}\n"),
    }
}

/// Counts by verdict: passed, failed (errors included), skipped.
pub fn tally(results: &[ScenarioResult]) -> (usize, usize, usize) {
    let count = |f: fn(&Verdict) -> bool| results.iter().filter(|r| f(&r.verdict)).count();
    (
        count(|v| matches!(v, Verdict::Passed)),
        count(|v| matches!(v, Verdict::Failed(_) | Verdict::Error(_))),
        count(|v| matches!(v, Verdict::Skipped(_))),
    )
}

pub fn write_json(path: &Path, results: &[ScenarioResult], seconds: f64) -> std::io::Result<()> {
    let (passed, failed, skipped) = tally(results);
    let report = serde_json::json!({
        "passed": passed, "failed": failed, "skipped": skipped, "seconds": seconds, "scenarios": results,
    });
    std::fs::write(path, serde_json::to_string_pretty(&report).expect("results serialize"))
}

pub fn write_junit(path: &Path, results: &[ScenarioResult], elapsed: Duration) -> std::io::Result<()> {
    let (_, failed, skipped) = tally(results);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites><testsuite name=\"spmig scenarios\" tests=\"{}\" failures=\"{failed}\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
        results.len(),
        elapsed.as_secs_f64()
    ));
    for result in results {
        let classname = result.path.parent().map(|p| p.display().to_string()).unwrap_or_default();
        let name = result.path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        xml.push_str(&format!(
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            escape(&classname),
            escape(&name),
            result.seconds
        ));
        match &result.verdict {
            Verdict::Passed => {}
            Verdict::Failed(failures) => {
                let first = failures.first().map(|f| f.expectation.as_str()).unwrap_or_default();
                xml.push_str(&format!(
                    "<failure message=\"{} expectation(s) not met, first {}\">{}</failure>",
                    failures.len(),
                    escape(first),
                    escape(&details(&result.verdict))
                ));
            }
            Verdict::Error(message) => {
                xml.push_str(&format!("<error message=\"{}\"/>", escape(message)));
            }
            Verdict::Skipped(message) => {
                xml.push_str(&format!("<skipped message=\"{}\"/>", escape(message)));
            }
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("</testsuite></testsuites>\n");
    std::fs::write(path, xml)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 has no place for other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
