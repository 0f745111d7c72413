//! The `--sites` seed file: TOML declaring extra site collections, webs and lists.
//!
//! ```toml
//! [[site]]
//! url = "/sites/hr"
//! title = "HR"
//! id = "0b2c…"            # optional; derived from the URL when absent
//!
//! [[site.web]]
//! url = "/sites/hr/team"
//!
//! [[site.list]]
//! web = "/sites/hr/team"  # optional; the root web by default
//! title = "Contracts"
//! template = "DocumentLibrary"
//! ```
//!
//! Every error names the file and line of the offending value.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::spec::{PathSegment, SitePlan, SiteSpec, SpecError, SpecPath};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    #[serde(default)]
    site: Vec<SiteSpec>,
}

/// Everything wrong with a seed file, each problem located by line.
#[derive(Debug)]
pub struct SeedFileError {
    pub file: String,
    pub problems: Vec<(Option<usize>, String)>,
}

impl fmt::Display for SeedFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (line, message)) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match line {
                Some(line) => write!(f, "{}:{line}: {message}", self.file)?,
                None => write!(f, "{}: {message}", self.file)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for SeedFileError {}

/// Reads and validates a seed file.
pub fn load(path: &Path) -> Result<Vec<SitePlan>, SeedFileError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SeedFileError {
        file: name.clone(),
        problems: vec![(None, format!("cannot read the seed file: {e}"))],
    })?;
    parse(&name, &text)
}

/// Validates seed text; `name` is used in messages.
pub fn parse(name: &str, text: &str) -> Result<Vec<SitePlan>, SeedFileError> {
    let fail = |problems| SeedFileError { file: name.to_string(), problems };
    let seed: SeedFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_of(text, span.start));
        fail(vec![(line, e.message().trim().to_string())])
    })?;

    let mut errors: Vec<SpecError> = Vec::new();
    let mut plans = Vec::new();
    let mut owner_of_url: HashMap<String, usize> = HashMap::new();
    for (i, spec) in seed.site.iter().enumerate() {
        let prefix = [PathSegment::Key("site"), PathSegment::Index(i)];
        match spec.plan() {
            Ok(plan) => {
                for web in &plan.webs {
                    if let Some(other) = owner_of_url.insert(web.url.to_lowercase(), i) {
                        errors.push(SpecError {
                            path: SpecPath(vec![PathSegment::Key("url")]).prefixed(&prefix),
                            message: format!("'{}' is already declared by site[{other}]", web.url),
                        });
                    }
                }
                plans.push(plan);
            }
            Err(site_errors) => errors.extend(
                site_errors.into_iter().map(|e| SpecError { path: e.path.prefixed(&prefix), message: e.message }),
            ),
        }
    }
    if errors.is_empty() {
        return Ok(plans);
    }
    let document = DeTable::parse(text).ok();
    let problems = errors
        .into_iter()
        .map(|e| {
            let line =
                document.as_ref().and_then(|doc| span_of(doc.get_ref(), &e.path.0)).map(|start| line_of(text, start));
            (line, e.to_string())
        })
        .collect();
    Err(fail(problems))
}

/// Byte offset of the value a path names, or of its nearest ancestor that exists (a
/// missing `id` is reported at its table).
fn span_of(table: &DeTable<'_>, path: &[PathSegment]) -> Option<usize> {
    let (PathSegment::Key(key), rest) = path.split_first()? else {
        return None;
    };
    let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key)?;
    let mut current = value;
    let mut rest = rest;
    loop {
        let found = match (current.get_ref(), rest.first()) {
            (_, None) => None,
            (DeValue::Array(items), Some(PathSegment::Index(i))) => items.get(*i),
            (DeValue::Table(t), Some(PathSegment::Key(k))) => {
                t.iter().find(|(name, _)| name.get_ref().as_ref() == *k).map(|(_, v)| v)
            }
            _ => None,
        };
        match found {
            Some(next) => {
                current = next;
                rest = &rest[1..];
            }
            None => return Some(current.span().start),
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_file_gives_plans() {
        let text = r#"
[[site]]
url = "/sites/hr"
title = "HR"

[[site.web]]
url = "/sites/hr/team"

[[site.list]]
web = "/sites/hr/team"
title = "Contracts"
template = "GenericList"

[[site]]
url = "/sites/finance"
"#;
        let plans = parse("sites.toml", text).unwrap();
        assert_eq!(plans.len(), 2);
        assert_eq!(plans[0].webs[1].url, "/sites/hr/team");
        assert!(plans[0].lists.iter().any(|l| l.url == "/sites/hr/team/Lists/Contracts"));
        assert_eq!(plans[1].webs[0].title, "finance");
    }

    #[test]
    fn site_users_are_declared_once_each() {
        let text = "[[site]]\nurl = \"/sites/a\"\n\n[[site.user]]\nlogin = \"i:0#.f|membership|ada@contoso.com\"\n\n\
                    [[site.user]]\nlogin = \"I:0#.F|membership|ADA@contoso.com\"\n";
        let err = parse("s.toml", text).unwrap_err();
        let rendered = err.to_string();
        assert!(rendered.contains("s.toml:8: site[0].user[1].login: the login"), "{rendered}");

        let plans = parse(
            "s.toml",
            "[[site]]\nurl = \"/sites/a\"\n[[site.user]]\nlogin = \"i:0#.f|membership|ada@contoso.com\"\n",
        )
        .unwrap();
        assert_eq!(plans[0].users[0].title, "ada", "the title defaults to the account name");
    }

    #[test]
    fn syntax_and_type_errors_name_the_line() {
        let err = parse("s.toml", "[[site]]\nurl = \"/sites/a\"\nid = \"not-a-guid\"\n").unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].0, Some(3), "{err}");
        assert!(err.to_string().starts_with("s.toml:3: "), "{err}");

        let err = parse("s.toml", "[[site]]\nurl = \"/sites/a\"\ncolour = \"red\"\n").unwrap_err();
        assert_eq!(err.problems[0].0, Some(3), "{err}");
        assert!(err.to_string().contains("colour"), "{err}");

        let err = parse("s.toml", "[[site]\n").unwrap_err();
        assert_eq!(err.problems[0].0, Some(1), "{err}");
    }

    #[test]
    fn semantic_errors_name_the_line_of_the_value() {
        let text = "[[site]]\nurl = \"/sites/a\"\n\n[[site]]\nurl = \"/sites/b\"\n\n[[site.list]]\ntitle = \"X\"\ntemplate = \"Nope\"\n\n[[site]]\nurl = \"/sites/a\"\n";
        let err = parse("s.toml", text).unwrap_err();
        let rendered = err.to_string();
        assert!(rendered.contains("s.toml:9: site[1].list[0].template: unknown list template"), "{rendered}");
        assert!(rendered.contains("s.toml:12: site[2].url: '/sites/a' is already declared by site[0]"), "{rendered}");
    }
}
