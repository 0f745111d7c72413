//! Declarations of site collections, webs and lists (from a seed file, the admin API or the
//! built-in default) and their validation into a [`SitePlan`] with every id and URL settled.
//!
//! Ids left out of a declaration are derived from the object's URL (UUID v5), so the same
//! declaration gives the same GUIDs on every machine and every restart.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use uuid::Uuid;

/// One site collection as declared.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    /// Server-relative URL, e.g. `/sites/hr`.
    pub url: String,
    pub id: Option<Uuid>,
    /// Title of the root web; defaults to the last URL segment.
    pub title: Option<String>,
    pub root_web_id: Option<Uuid>,
    /// Web template with configuration, e.g. `STS#3` (the default).
    pub template: Option<String>,
    /// LCID of the root web; 1033 by default.
    pub language: Option<i32>,
    /// Create "Documents" in every web and "Maintenance Logs" in the root web, as SharePoint
    /// does. On by default.
    pub default_lists: Option<bool>,
    /// NoScript (custom script off), as SharePoint Online sites are by default: pages receive
    /// only script-safe web parts (behaviour 159). Off by default, so a package's web parts
    /// all arrive unless a test asks for the stricter site.
    pub no_script: Option<bool>,
    #[serde(default, alias = "webs")]
    pub web: Vec<WebSpec>,
    #[serde(default, alias = "lists")]
    pub list: Vec<ListSpec>,
    /// Users the site already has: the logins a package's users resolve to under
    /// `--user-resolution site-users`.
    #[serde(default, alias = "users")]
    pub user: Vec<UserSpec>,
}

/// A site user as declared.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// The login, e.g. `i:0#.f|membership|ada@contoso.com`.
    pub login: String,
    /// Display name; the login's account part by default.
    pub title: Option<String>,
    pub email: Option<String>,
    pub site_admin: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebSpec {
    /// Server-relative URL under the site collection's URL.
    pub url: String,
    pub id: Option<Uuid>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub template: Option<String>,
    pub language: Option<i32>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    /// Server-relative URL of the web holding the list; the root web by default.
    pub web: Option<String>,
    pub title: String,
    /// Web-relative URL of the root folder; defaults to the title for libraries and
    /// `Lists/<title>` for lists.
    pub url: Option<String>,
    pub id: Option<Uuid>,
    pub root_folder_id: Option<Uuid>,
    /// A template name (see [`ListTemplate::ALL`]) or its number; `DocumentLibrary` by default.
    pub template: Option<TemplateRef>,
    pub description: Option<String>,
    pub hidden: Option<bool>,
    pub enable_versioning: Option<bool>,
    pub enable_minor_versions: Option<bool>,
}

/// A list template given by name or by its SharePoint number.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum TemplateRef {
    Number(i32),
    Name(String),
}

/// The list templates the emulator can create, with SharePoint's numbers and base types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListTemplate {
    pub name: &'static str,
    pub number: i32,
    /// 0 generic list, 1 document library, 4 survey.
    pub base_type: i32,
}

impl ListTemplate {
    pub const DOCUMENT_LIBRARY: ListTemplate = ListTemplate { name: "DocumentLibrary", number: 101, base_type: 1 };
    pub const MAINTENANCE_LOGS: ListTemplate = ListTemplate { name: "MaintenanceLogs", number: 175, base_type: 1 };
    pub const ALL: &'static [ListTemplate] = &[
        ListTemplate { name: "GenericList", number: 100, base_type: 0 },
        Self::DOCUMENT_LIBRARY,
        ListTemplate { name: "Survey", number: 102, base_type: 4 },
        ListTemplate { name: "Links", number: 103, base_type: 0 },
        ListTemplate { name: "Announcements", number: 104, base_type: 0 },
        ListTemplate { name: "Contacts", number: 105, base_type: 0 },
        ListTemplate { name: "Events", number: 106, base_type: 0 },
        ListTemplate { name: "Tasks", number: 107, base_type: 0 },
        ListTemplate { name: "PictureLibrary", number: 109, base_type: 1 },
        ListTemplate { name: "WebPageLibrary", number: 119, base_type: 1 },
        ListTemplate { name: "TasksWithTimelineAndHierarchy", number: 171, base_type: 0 },
        Self::MAINTENANCE_LOGS,
    ];

    fn find(template: &TemplateRef) -> Option<ListTemplate> {
        Self::ALL.iter().copied().find(|t| match template {
            TemplateRef::Number(n) => t.number == *n,
            TemplateRef::Name(name) => t.name.eq_ignore_ascii_case(name),
        })
    }

    pub fn is_library(&self) -> bool {
        self.base_type == 1
    }
}

/// A validated site collection, ready to be applied to the site model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SitePlan {
    pub id: Uuid,
    pub url: String,
    /// The root web first, then the declared webs, parents before children.
    pub webs: Vec<WebPlan>,
    pub lists: Vec<ListPlan>,
    pub users: Vec<UserPlan>,
    pub no_script: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPlan {
    pub login: String,
    pub title: String,
    pub email: String,
    pub site_admin: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebPlan {
    pub id: Uuid,
    pub url: String,
    /// `None` for the root web.
    pub parent_url: Option<String>,
    pub title: String,
    pub description: String,
    pub web_template: String,
    pub configuration: i32,
    pub language: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListPlan {
    pub id: Uuid,
    pub web_url: String,
    pub title: String,
    pub description: String,
    /// Server-relative URL of the root folder.
    pub url: String,
    pub root_folder_id: Uuid,
    pub template: ListTemplate,
    pub hidden: bool,
    pub enable_versioning: bool,
    pub enable_minor_versions: bool,
}

/// Where in a declaration a problem sits, e.g. `web[1].url`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpecPath(pub Vec<PathSegment>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    Key(&'static str),
    Index(usize),
}

impl SpecPath {
    fn at(segments: &[PathSegment]) -> Self {
        SpecPath(segments.to_vec())
    }

    pub fn prefixed(mut self, prefix: &[PathSegment]) -> Self {
        self.0.splice(0..0, prefix.iter().cloned());
        self
    }
}

impl fmt::Display for SpecPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) if i == 0 => write!(f, "{key}")?,
                PathSegment::Key(key) => write!(f, ".{key}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    pub path: SpecPath,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.0.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Namespace of the UUID v5 ids derived from URLs. Changing it changes every default GUID.
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6f1b_7a8e_3c2d_4e5f_9a0b_1c2d_3e4f_5a6b);

/// The id an object gets when its declaration has none.
pub fn derived_id(kind: &str, url: &str) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, format!("{kind}:{}", url.to_lowercase()).as_bytes())
}

const DEFAULT_WEB_TEMPLATE: &str = "STS#3";
const DEFAULT_LANGUAGE: i32 = 1033;
/// URL segments the emulator routes itself; a site or web cannot live under them.
const RESERVED_SEGMENTS: &[&str] = &["_api", "_vti_bin", "_layouts", "_emulator", "_catalogs"];

impl SiteSpec {
    /// A site collection with only a URL and title: what `/sites/dev` is by default.
    pub fn named(url: &str, title: &str) -> Self {
        SiteSpec { url: url.into(), title: Some(title.into()), ..Default::default() }
    }

    /// Validates the declaration, collecting every problem rather than stopping at the first.
    pub fn plan(&self) -> Result<SitePlan, Vec<SpecError>> {
        let mut errors = Vec::new();
        let mut fail = |path: &[PathSegment], message: String| {
            errors.push(SpecError { path: SpecPath::at(path), message });
        };
        use PathSegment::{Index, Key};

        let site_url = match server_relative_url(&self.url) {
            Ok(url) => url,
            Err(e) => {
                fail(&[Key("url")], e);
                return Err(errors);
            }
        };
        let (web_template, configuration) = parse_web_template(self.template.as_deref()).unwrap_or_else(|e| {
            fail(&[Key("template")], e);
            (String::new(), 0)
        });
        let root = WebPlan {
            id: self.root_web_id.unwrap_or_else(|| derived_id("web", &site_url)),
            url: site_url.clone(),
            parent_url: None,
            title: self.title.clone().unwrap_or_else(|| last_segment(&site_url).to_string()),
            description: String::new(),
            web_template,
            configuration,
            language: self.language.unwrap_or(DEFAULT_LANGUAGE),
        };
        let mut webs = vec![root];
        let mut ids = HashSet::from([webs[0].id]);

        // Parents must come first, so order declared webs by depth.
        let mut declared: Vec<(usize, &WebSpec)> = self.web.iter().enumerate().collect();
        declared.sort_by_key(|(_, w)| w.url.matches('/').count());
        for (i, spec) in declared {
            let at = |field| [Key("web"), Index(i), Key(field)];
            let url = match server_relative_url(&spec.url) {
                Ok(url) => url,
                Err(e) => {
                    fail(&at("url"), e);
                    continue;
                }
            };
            if !is_under(&url, &site_url) {
                fail(&at("url"), format!("'{url}' is not under the site collection '{site_url}'"));
                continue;
            }
            if webs.iter().any(|w| w.url.eq_ignore_ascii_case(&url)) {
                fail(&at("url"), format!("the web '{url}' is declared twice"));
                continue;
            }
            let parent_url = parent_of(&url).to_string();
            if !webs.iter().any(|w| w.url.eq_ignore_ascii_case(&parent_url)) {
                fail(&at("url"), format!("its parent web '{parent_url}' is not declared"));
                continue;
            }
            let id = spec.id.unwrap_or_else(|| derived_id("web", &url));
            if !ids.insert(id) {
                fail(&at("id"), format!("the id {id} is used twice"));
            }
            let (web_template, configuration) = parse_web_template(spec.template.as_deref()).unwrap_or_else(|e| {
                fail(&at("template"), e);
                (String::new(), 0)
            });
            webs.push(WebPlan {
                id,
                title: spec.title.clone().unwrap_or_else(|| last_segment(&url).to_string()),
                description: spec.description.clone().unwrap_or_default(),
                url,
                parent_url: Some(parent_url),
                web_template,
                configuration,
                language: spec.language.unwrap_or(DEFAULT_LANGUAGE),
            });
        }

        let mut lists: Vec<ListPlan> = Vec::new();
        for (i, spec) in self.list.iter().enumerate() {
            let at = |field| [Key("list"), Index(i), Key(field)];
            let web_url = match &spec.web {
                None => site_url.clone(),
                Some(given) => match server_relative_url(given) {
                    Ok(url) => match webs.iter().find(|w| w.url.eq_ignore_ascii_case(&url)) {
                        Some(web) => web.url.clone(),
                        None => {
                            fail(&at("web"), format!("the web '{url}' is not declared in this site"));
                            continue;
                        }
                    },
                    Err(e) => {
                        fail(&at("web"), e);
                        continue;
                    }
                },
            };
            let template = match &spec.template {
                None => ListTemplate::DOCUMENT_LIBRARY,
                Some(t) => match ListTemplate::find(t) {
                    Some(t) => t,
                    None => {
                        let names: Vec<_> = ListTemplate::ALL.iter().map(|t| t.name).collect();
                        fail(&at("template"), format!("unknown list template {t:?}; known: {}", names.join(", ")));
                        continue;
                    }
                },
            };
            if spec.title.trim().is_empty() {
                fail(&at("title"), "a list needs a title".into());
                continue;
            }
            let relative = spec.url.clone().unwrap_or_else(|| {
                if template.is_library() { spec.title.clone() } else { format!("Lists/{}", spec.title) }
            });
            let url = match web_relative_url(&web_url, &relative) {
                Ok(url) => url,
                Err(e) => {
                    fail(&at("url"), e);
                    continue;
                }
            };
            if let Some(other) = lists.iter().find(|l| {
                l.web_url == web_url && l.title.eq_ignore_ascii_case(&spec.title) || l.url.eq_ignore_ascii_case(&url)
            }) {
                fail(&at("title"), format!("the list '{}' at '{}' is declared twice", other.title, other.url));
                continue;
            }
            let id = spec.id.unwrap_or_else(|| derived_id("list", &url));
            let root_folder_id = spec.root_folder_id.unwrap_or_else(|| derived_id("folder", &url));
            for (field, id) in [("id", id), ("root_folder_id", root_folder_id)] {
                if !ids.insert(id) {
                    fail(&at(field), format!("the id {id} is used twice"));
                }
            }
            lists.push(ListPlan {
                id,
                web_url,
                title: spec.title.clone(),
                description: spec.description.clone().unwrap_or_default(),
                url,
                root_folder_id,
                template,
                hidden: spec.hidden.unwrap_or(template == ListTemplate::MAINTENANCE_LOGS),
                enable_versioning: spec.enable_versioning.unwrap_or(true),
                enable_minor_versions: spec.enable_minor_versions.unwrap_or(false),
            });
        }

        if self.default_lists.unwrap_or(true) {
            add_default_lists(&webs, &mut lists);
        }

        let mut users = Vec::new();
        let mut logins = HashSet::new();
        for (i, spec) in self.user.iter().enumerate() {
            let login = spec.login.trim();
            if login.is_empty() {
                fail(&[Key("user"), Index(i), Key("login")], "a user needs a login".into());
            } else if !logins.insert(login.to_lowercase()) {
                fail(&[Key("user"), Index(i), Key("login")], format!("the login '{login}' is declared twice"));
            }
            let account = crate::package::values::login_account(login);
            users.push(UserPlan {
                login: login.to_string(),
                title: spec.title.clone().unwrap_or_else(|| account.split('@').next().unwrap_or(account).to_string()),
                email: spec.email.clone().unwrap_or_default(),
                site_admin: spec.site_admin.unwrap_or(false),
            });
        }

        let id = self.id.unwrap_or_else(|| derived_id("site", &site_url));
        if !ids.insert(id) {
            fail(&[Key("id")], format!("the id {id} is used twice"));
        }
        if errors.is_empty() {
            Ok(SitePlan { id, url: site_url, webs, lists, users, no_script: self.no_script.unwrap_or(false) })
        } else {
            Err(errors)
        }
    }
}

/// SharePoint gives every team web a "Documents" library, and the site collection's root a
/// hidden "Maintenance Logs" library, where migration logs are copied.
fn add_default_lists(webs: &[WebPlan], lists: &mut Vec<ListPlan>) {
    let mut wanted = Vec::new();
    for (i, web) in webs.iter().enumerate() {
        wanted.push((web, "Documents", "Shared Documents", ListTemplate::DOCUMENT_LIBRARY));
        if i == 0 {
            wanted.push((web, "Maintenance Logs", "_catalogs/Maintenance Logs", ListTemplate::MAINTENANCE_LOGS));
        }
    }
    let mut taken: HashMap<String, ()> = lists.iter().map(|l| (l.url.to_lowercase(), ())).collect();
    for (web, title, relative, template) in wanted {
        let url = web_relative_url(&web.url, relative).expect("default list URLs are valid");
        let clash = taken.contains_key(&url.to_lowercase())
            || lists.iter().any(|l| l.web_url == web.url && l.title.eq_ignore_ascii_case(title));
        if clash {
            continue;
        }
        taken.insert(url.to_lowercase(), ());
        lists.push(ListPlan {
            id: derived_id("list", &url),
            root_folder_id: derived_id("folder", &url),
            web_url: web.url.clone(),
            title: title.into(),
            description: String::new(),
            url,
            template,
            hidden: template == ListTemplate::MAINTENANCE_LOGS,
            enable_versioning: true,
            enable_minor_versions: false,
        });
    }
}

/// Checks and normalises a server-relative URL: leading `/`, no trailing `/`, no characters
/// SharePoint forbids in URLs, no segment the emulator routes itself.
pub fn server_relative_url(url: &str) -> Result<String, String> {
    let trimmed = url.trim();
    if !trimmed.starts_with('/') {
        return Err(format!("'{url}' must be a server-relative URL starting with '/'"));
    }
    let body = trimmed.trim_end_matches('/');
    if body.is_empty() {
        return Ok("/".into());
    }
    for segment in body[1..].split('/') {
        check_segment(url, segment)?;
        if RESERVED_SEGMENTS.iter().any(|r| r.eq_ignore_ascii_case(segment)) {
            return Err(format!("'{url}' uses the reserved segment '{segment}'"));
        }
    }
    Ok(body.to_string())
}

fn web_relative_url(web_url: &str, relative: &str) -> Result<String, String> {
    let relative = relative.trim().trim_matches('/');
    if relative.is_empty() {
        return Err("a list URL cannot be empty".into());
    }
    for segment in relative.split('/') {
        check_segment(relative, segment)?;
    }
    Ok(format!("{}/{relative}", web_url.trim_end_matches('/')))
}

fn check_segment(url: &str, segment: &str) -> Result<(), String> {
    const FORBIDDEN: &[char] = &['\\', '?', '#', '%', '"', '*', ':', '<', '>', '|'];
    if segment.is_empty() {
        return Err(format!("'{url}' has an empty segment"));
    }
    if segment == "." || segment == ".." {
        return Err(format!("'{url}' has a relative segment '{segment}'"));
    }
    if let Some(c) = segment.chars().find(|c| FORBIDDEN.contains(c) || c.is_control()) {
        return Err(format!("'{url}' contains the character {c:?}, which SharePoint does not allow in URLs"));
    }
    Ok(())
}

fn parse_web_template(template: Option<&str>) -> Result<(String, i32), String> {
    let template = template.unwrap_or(DEFAULT_WEB_TEMPLATE);
    let parsed = template.split_once('#').and_then(|(name, config)| {
        let valid_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        valid_name.then_some(())?;
        Some((name.to_ascii_uppercase(), config.parse().ok()?))
    });
    parsed.ok_or_else(|| format!("'{template}' is not a web template such as STS#3 or SITEPAGEPUBLISHING#0"))
}

fn is_under(url: &str, parent: &str) -> bool {
    let prefix = if parent == "/" { "/".to_string() } else { format!("{parent}/") };
    url.len() > prefix.len() && url[..prefix.len()].eq_ignore_ascii_case(&prefix)
}

fn parent_of(url: &str) -> &str {
    match url.rfind('/') {
        Some(0) => "/",
        Some(i) => &url[..i],
        None => "/",
    }
}

fn last_segment(url: &str) -> &str {
    url.rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or("Root")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_site_gets_documents_and_maintenance_logs() {
        let plan = SiteSpec::named("/sites/dev", "Dev").plan().unwrap();
        assert_eq!(plan.url, "/sites/dev");
        assert_eq!(plan.webs.len(), 1);
        assert_eq!(plan.webs[0].title, "Dev");
        assert_eq!((plan.webs[0].web_template.as_str(), plan.webs[0].configuration), ("STS", 3));
        let urls: Vec<_> = plan.lists.iter().map(|l| (l.title.as_str(), l.url.as_str(), l.hidden)).collect();
        assert_eq!(
            urls,
            [
                ("Documents", "/sites/dev/Shared Documents", false),
                ("Maintenance Logs", "/sites/dev/_catalogs/Maintenance Logs", true),
            ]
        );
        // Stable across runs: ids derive from URLs.
        assert_eq!(plan, SiteSpec::named("/sites/dev/", "Dev").plan().unwrap());
    }

    #[test]
    fn webs_and_lists_are_placed_and_defaulted() {
        let spec = SiteSpec {
            url: "/sites/hr".into(),
            web: vec![
                WebSpec { url: "/sites/hr/team/sub".into(), ..Default::default() },
                WebSpec { url: "/sites/hr/team".into(), title: Some("Team".into()), ..Default::default() },
            ],
            list: vec![
                ListSpec {
                    title: "Tasks".into(),
                    template: Some(TemplateRef::Name("genericlist".into())),
                    ..Default::default()
                },
                ListSpec {
                    web: Some("/sites/hr/team".into()),
                    title: "Documents".into(),
                    url: Some("Docs".into()),
                    template: Some(TemplateRef::Number(101)),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let plan = spec.plan().unwrap();
        let webs: Vec<_> = plan.webs.iter().map(|w| (w.url.as_str(), w.parent_url.as_deref())).collect();
        assert_eq!(
            webs,
            [
                ("/sites/hr", None),
                ("/sites/hr/team", Some("/sites/hr")),
                ("/sites/hr/team/sub", Some("/sites/hr/team"))
            ]
        );
        let lists: Vec<_> = plan.lists.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            lists,
            [
                "/sites/hr/Lists/Tasks",
                "/sites/hr/team/Docs",
                "/sites/hr/Shared Documents",
                "/sites/hr/_catalogs/Maintenance Logs",
                "/sites/hr/team/sub/Shared Documents",
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let same = Uuid::from_u128(7);
        let spec = SiteSpec {
            url: "/sites/hr".into(),
            template: Some("STS".into()),
            web: vec![
                WebSpec { url: "/sites/other/x".into(), ..Default::default() },
                WebSpec { url: "/sites/hr/a/b".into(), ..Default::default() },
                WebSpec { url: "/sites/hr/c".into(), id: Some(same), ..Default::default() },
            ],
            list: vec![
                ListSpec { title: "L".into(), web: Some("/sites/hr/zzz".into()), ..Default::default() },
                ListSpec { title: "M".into(), template: Some(TemplateRef::Number(999)), ..Default::default() },
                ListSpec { title: "N".into(), id: Some(same), ..Default::default() },
                ListSpec { title: "n".into(), url: Some("Other".into()), ..Default::default() },
                ListSpec { title: "Bad".into(), url: Some("a:b".into()), ..Default::default() },
            ],
            ..Default::default()
        };
        let errors: Vec<String> = spec.plan().unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 8, "{errors:#?}");
        assert!(errors[0].starts_with("template: 'STS' is not a web template"));
        assert!(
            errors.contains(&"web[0].url: '/sites/other/x' is not under the site collection '/sites/hr'".to_string())
        );
        assert!(errors.contains(&"web[1].url: its parent web '/sites/hr/a' is not declared".to_string()));
        assert!(errors.contains(&"list[0].web: the web '/sites/hr/zzz' is not declared in this site".to_string()));
        assert!(errors.iter().any(|e| e.starts_with("list[1].template: unknown list template Number(999)")));
        assert!(errors.contains(&format!("list[2].id: the id {same} is used twice")));
        assert!(errors.iter().any(|e| e.starts_with("list[3].title: the list 'N'")));
        assert!(errors.iter().any(|e| e.starts_with("list[4].url: 'a:b' contains the character ':'")));
    }

    #[test]
    fn urls_are_checked() {
        assert_eq!(server_relative_url("/sites/x/").unwrap(), "/sites/x");
        assert_eq!(server_relative_url("/").unwrap(), "/");
        assert!(server_relative_url("sites/x").is_err());
        assert!(server_relative_url("/sites//x").is_err());
        assert!(server_relative_url("/sites/../x").is_err());
        assert!(server_relative_url("/sites/x/_API").unwrap_err().contains("reserved"));
    }
}
