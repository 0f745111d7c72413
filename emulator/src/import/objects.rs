//! Manifest objects applied to the site model: users, folders, files with every version, list
//! items with their fields. Ids from the package are kept (behaviour 114); each object is
//! written in one transaction, and a failing object is reported and skipped (behaviour 55).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use super::ImportContext;
use super::archives::Archives;
use super::fetch;
use crate::config::UserResolution;
use crate::package::files::{PackageUser, UserGroupMap};
use crate::package::intake::Intake;
use crate::package::values::{MEMBERSHIP_CLAIM, datetime, guid, login_account, names_an_upn, parent, server_relative};
use crate::package::xml::Element;
use crate::problems::{self, ObjectType, Subject};
use crate::report::events::Problem;
use crate::report::reporter::Reporter;
use crate::site::Error as SiteError;
use crate::site::model::{FileVersion, Folder, ListItem, SYSTEM_ACCOUNT_ID, Web, parse_version_label};
use crate::site::objects::{FileWrite, FolderWrite, UserWrite};

pub struct Importer<'c, 'a> {
    ctx: &'c ImportContext<'a>,
    /// Objects SystemData.xml declares immutable (behaviour 101).
    system_objects: HashSet<Uuid>,
    /// Package user id (`Author="1"`) → site user id.
    users: HashMap<String, i64>,
    /// Whether ids UserGroup.xml lacks are warned about: not when it has no users at all,
    /// which was warned about once (behaviour 110).
    warn_undefined_users: bool,
    /// Ids the manifests used that UserGroup.xml does not define, each warned about once.
    undefined_users: HashSet<String>,
    /// Warnings found while an object was read, reported after it.
    pending_warnings: Vec<Problem>,
    /// Files that failed: their list items are skipped without a second error.
    failed_files: HashSet<Uuid>,
    /// Objects the intake found will fail, with their problem.
    doomed: HashMap<Uuid, Problem>,
    archives: Archives,
}

/// What handling one object amounted to: versions written, or the problem.
type Handled = Result<u64, Problem>;

impl<'c, 'a> Importer<'c, 'a> {
    pub fn new(ctx: &'c ImportContext<'a>, package: &Intake) -> Self {
        Importer {
            ctx,
            doomed: package.doomed.clone(),
            archives: Archives::new(package.archived.clone()),
            system_objects: package.system_data.system_objects.iter().copied().collect(),
            users: HashMap::new(),
            warn_undefined_users: false,
            undefined_users: HashSet::new(),
            pending_warnings: Vec::new(),
            failed_files: HashSet::new(),
        }
    }

    /// Resolves UserGroup.xml's users to site users (behaviours 104–107).
    pub fn users(&mut self, map: &UserGroupMap, report: &mut Reporter<'_>) {
        self.warn_undefined_users = !map.users.is_empty();
        for user in &map.users {
            let started = report.now();
            match self.resolve(user) {
                Ok((id, warning)) => {
                    self.users.insert(user.id.clone(), id);
                    if let Some(problem) = warning {
                        report.warning(problem);
                    }
                }
                Err(problem) => report.error(problem),
            }
            let took = report.elapsed(started);
            report.object_done("SPUser", None, 1, took);
        }
    }

    /// Package user id → site user id, for security objects (behaviour 156).
    pub fn user_ids(&self) -> &HashMap<String, i64> {
        &self.users
    }

    /// The site user a package user becomes, and the warning that says how if it is not the
    /// account the login names.
    fn resolve(&self, user: &PackageUser) -> Result<(i64, Option<Problem>), Problem> {
        let site_id = self.ctx.site.id;
        let write = |is_deleted| UserWrite {
            login_name: user.login.clone(),
            title: if user.name.is_empty() { user.login.clone() } else { user.name.clone() },
            email: user.email.clone(),
            is_site_admin: user.is_site_admin,
            is_deleted,
            system_id: user.system_id.clone(),
        };
        // Behaviour 107: a deleted account is taken as given, without a lookup.
        if user.is_deleted {
            return Ok((self.db(|db| db.ensure_user(site_id, &write(true)))?, None));
        }
        if let Some(id) = self.site_user(&user.login)? {
            return Ok((id, None));
        }
        if self.ctx.options.user_resolution == UserResolution::AnyUpn && names_an_upn(&user.login) {
            return Ok((self.db(|db| db.ensure_user(site_id, &write(false)))?, None));
        }
        match &user.system_id {
            Some(_) => {
                let id = self.db(|db| db.ensure_user(site_id, &write(true)))?;
                Ok((id, Some(problems::user_attributes_fallback(&user.login))))
            }
            None => Ok((SYSTEM_ACCOUNT_ID, Some(problems::user_not_ensured(&user.login)))),
        }
    }

    /// The live site user a login names, given bare or in membership claims form.
    fn site_user(&self, login: &str) -> Result<Option<i64>, Problem> {
        let site_id = self.ctx.site.id;
        let account = login_account(login);
        let claims = format!("{MEMBERSHIP_CLAIM}{account}");
        self.db(|db| {
            for candidate in [login, account, claims.as_str()] {
                if let Some(id) = db.site_user_by_login(site_id, candidate)? {
                    return Ok(Some(id));
                }
            }
            Ok(None)
        })
    }

    /// Applies one `SPObject`.
    pub fn object(&mut self, spobject: &Element, report: &mut Reporter<'_>) {
        let started = report.now();
        let kind = spobject.attr("ObjectType").unwrap_or_default().to_string();
        let body = spobject.children.first();
        let id = body.and_then(|b| b.attr("Id")).or(spobject.attr("Id")).and_then(guid);
        let outcome = match (kind.as_str(), body) {
            // Known to fail before the import began (behaviour 124).
            _ if id.is_some_and(|id| self.doomed.contains_key(&id)) => {
                Err(self.doomed.remove(&id.expect("checked")).expect("checked"))
            }
            ("SPFolder", Some(folder)) => self.folder(spobject, folder, report),
            ("SPFile", Some(file)) => self.file(spobject, file, report),
            ("SPListItem", Some(item)) => self.item(spobject, item, report),
            ("SPDocumentLibrary" | "SPList", Some(list)) => self.list(list),
            // Content types, security objects and the rest come with the full import rules.
            _ => Ok(1),
        };
        for warning in std::mem::take(&mut self.pending_warnings) {
            report.warning(warning);
        }
        let versions = match outcome {
            Ok(versions) => versions,
            Err(problem) => {
                report.error(problem);
                1
            }
        };
        let took = report.elapsed(started);
        report.object_done(&kind, id, versions, took);
    }

    fn folder(&mut self, spobject: &Element, folder: &Element, report: &mut Reporter<'_>) -> Handled {
        let raw_url = folder.attr("Url").or(spobject.attr("Url")).unwrap_or_default();
        let subject = Subject::new(ObjectType::Folder, raw_url, None);
        let id = required_guid(&subject, folder, "Id")?;
        let subject = Subject { id: Some(id), ..subject };
        if self.system_objects.contains(&id) {
            return Ok(1);
        }
        let web = self.web_of(&subject, spobject, folder)?;
        let url = server_relative(&web.url, raw_url);
        report.note(&format!("Importing Folder {raw_url}."));
        // A library's root folder already exists with the list; it is never created.
        if let Some(existing) = self.db(|db| db.folder_by_url(&url))?
            && existing.parent_id.is_none()
            && existing.list_id.is_some()
        {
            return Ok(1);
        }
        let parent_folder = self.parent_folder(&subject, folder.attr("ParentFolderId"), &url)?;
        let now = report.now();
        let write = FolderWrite {
            id,
            web_id: web.id,
            list_id: self.list_of(&subject, folder.attr("ContainingDocumentLibrary"), &parent_folder)?,
            parent_id: Some(parent_folder.id),
            item_id: int_attr(folder, "ListItemIntId"),
            name: crate::package::values::leaf(&url).to_string(),
            url,
            time_created: time_attr(folder, "TimeCreated").unwrap_or(now),
            time_last_modified: time_attr(folder, "TimeLastModified").unwrap_or(now),
        };
        match self.ctx.store.blocking(|db| db.put_folder(&write)) {
            Ok(()) => Ok(1),
            Err(SiteError::Conflict(_)) => Err(subject.folder_exists()),
            Err(e) => Err(subject.internal(&e.to_string())),
        }
    }

    fn file(&mut self, spobject: &Element, file: &Element, report: &mut Reporter<'_>) -> Handled {
        let raw_url = file.attr("Url").or(spobject.attr("Url")).unwrap_or_default();
        let subject = Subject::new(ObjectType::File, raw_url, None);
        let id = required_guid(&subject, file, "Id")?;
        let subject = Subject { id: Some(id), ..subject };
        let outcome = self.write_file(&subject, id, spobject, file, raw_url, report);
        if outcome.is_err() {
            self.failed_files.insert(id);
        }
        outcome
    }

    fn write_file(
        &mut self,
        subject: &Subject,
        id: Uuid,
        spobject: &Element,
        file: &Element,
        raw_url: &str,
        report: &mut Reporter<'_>,
    ) -> Handled {
        if self.system_objects.contains(&id) {
            return Ok(1);
        }
        let web = self.web_of(subject, spobject, file)?;
        let url = server_relative(&web.url, raw_url);
        report.note(&format!("Importing File {raw_url}."));
        let folder = self.parent_folder(subject, file.attr("ParentId").or(spobject.attr("ParentId")), &url)?;

        // Behaviour 120 and real clients: the entries of `Versions` are all the versions, the
        // last one current; without them the File element itself is the only version.
        let entries: Vec<&Element> = match file.child("Versions") {
            Some(versions) if versions.children_named("File").next().is_some() => {
                versions.children_named("File").collect()
            }
            _ => vec![file],
        };
        let now = report.now();
        let mut download = Duration::ZERO;
        let mut versions: Vec<FileVersion> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let file_value = entry
                .attr("FileValue")
                .filter(|v| !v.is_empty())
                .ok_or_else(|| subject.invalid_value("FileValue", ""))?;
            if !crate::package::values::is_contained_blob_name(file_value) {
                return Err(subject.file_value_outside_container(file_value));
            }
            let fetching = report.now();
            let declared = fetch::Declared {
                md5: entry.attr("MD5Hash"),
                iv: entry.attr("InitializationVector"),
                checksum: entry.attr("Checksum"),
            };
            let stored = fetch::content_version(self.ctx, &mut self.archives, subject, file_value, declared)?;
            download += report.elapsed(fetching);
            let number = entry.attr("Version").and_then(parse_version_label).unwrap_or((index as i64 + 1) * 512);
            versions.retain(|v| v.version != number);
            versions.push(FileVersion {
                version: number,
                content_sha256: stored.sha256,
                size: stored.size as i64,
                created: time_attr(entry, "TimeLastModified").or(time_attr(file, "TimeLastModified")).unwrap_or(now),
                created_by_id: self.user_of(entry.attr("ModifiedBy").or(file.attr("ModifiedBy"))),
                checkin_comment: entry.attr("CheckinComment").unwrap_or_default().to_string(),
            });
        }
        versions.sort_by_key(|v| v.version);

        let creating = report.now();
        let write = FileWrite {
            id,
            web_id: web.id,
            list_id: self.list_of(subject, file.attr("ListId"), &folder)?,
            folder_id: folder.id,
            name: crate::package::values::leaf(&url).to_string(),
            url,
            author_id: self.user_of(file.attr("Author")),
            modified_by_id: self.user_of(file.attr("ModifiedBy")),
            item_id: int_attr(file, "ListItemIntId"),
            time_created: time_attr(file, "TimeCreated").unwrap_or(now),
            time_last_modified: time_attr(file, "TimeLastModified").unwrap_or(now),
        };
        match self.ctx.store.blocking(|db| db.replace_file(&write, &versions)) {
            Ok(()) => {}
            Err(SiteError::Conflict(_)) => return Err(subject.file_exists()),
            Err(e) => return Err(subject.internal(&e.to_string())),
        }
        let sizes: Vec<u64> = versions.iter().map(|v| v.size as u64).collect();
        let creation = report.elapsed(creating);
        report.file_created(&sizes, download, creation);
        Ok(versions.len() as u64)
    }

    fn item(&mut self, spobject: &Element, item: &Element, report: &mut Reporter<'_>) -> Handled {
        let raw_url = item.attr("FileUrl").or(spobject.attr("Url")).unwrap_or_default();
        let mut subject = Subject::new(ObjectType::ListItem, raw_url, None);
        let unique_id = required_guid(&subject, item, "Id")?;
        subject.id = Some(unique_id);
        let int_id = item
            .attr("IntId")
            .map(|text| text.trim().parse::<i64>().map_err(|_| subject.invalid_value("IntId", text)))
            .transpose()?
            .ok_or_else(|| subject.invalid_value("IntId", ""))?;
        subject.list_item_ids = Some((int_id, int_id));
        if self.system_objects.contains(&unique_id) {
            return Ok(1);
        }
        let list_text = item.attr("ParentListId").or(spobject.attr("ParentId")).unwrap_or_default();
        let Some(list_id) = self.existing_list(list_text)? else {
            return Err(subject.list_not_found(list_text, &self.ctx.web.url));
        };
        report.note(&format!("Importing ListItem {raw_url}."));

        let doc_id = item.attr("DocId").and_then(guid);
        let is_folder = item.attr("DocType") == Some("Folder");
        let (file_id, folder_id) = match doc_id {
            Some(doc) if is_folder => (None, Some(doc)),
            // Its file already failed and was reported once.
            Some(doc) if self.failed_files.contains(&doc) => return Ok(1),
            Some(doc) => match self.db(|db| db.file(doc))? {
                Some(_) => (Some(doc), None),
                None => return Err(subject.file_not_found(&doc.to_string())),
            },
            None => (None, None),
        };
        let fields = item
            .child("Fields")
            .map(|f| {
                f.children_named("Field")
                    .filter_map(|field| {
                        Some((field.attr("Name")?.to_string(), field.attr("Value").map(str::to_string)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let default_content_type = match (file_id, folder_id) {
            (Some(_), _) => "0x0101",
            (_, Some(_)) => "0x0120",
            _ => "0x01",
        };
        let now = report.now();
        let write = ListItem {
            list_id,
            id: int_id,
            unique_id,
            content_type_id: item.attr("ContentTypeId").unwrap_or(default_content_type).to_string(),
            file_id,
            folder_id,
            parent_folder_id: item.attr("ParentFolderId").and_then(guid),
            author_id: self.user_of(item.attr("Author")),
            editor_id: self.user_of(item.attr("ModifiedBy")),
            created: time_attr(item, "TimeCreated").unwrap_or(now),
            modified: time_attr(item, "TimeLastModified").unwrap_or(now),
            moderation_status: moderation_status(item.attr("ModerationStatus")),
            version: item.attr("Version").and_then(parse_version_label).unwrap_or(512),
            fields,
        };
        match self.ctx.store.blocking(|db| db.put_list_item(&write)) {
            Ok(()) => Ok(1),
            Err(SiteError::Conflict(_)) => Err(subject.item_id_taken(int_id, list_id)),
            Err(e) => Err(subject.internal(&e.to_string())),
        }
    }

    /// Lists are not created by the Migration API: the one named must exist (behaviour 113).
    fn list(&mut self, list: &Element) -> Handled {
        let text = list.attr("Id").unwrap_or_default();
        let subject = Subject::new(ObjectType::List, list.attr("RootFolderUrl").unwrap_or_default(), guid(text));
        match self.existing_list(text)? {
            Some(_) => Ok(1),
            None => Err(subject.list_not_found(text, &self.ctx.web.url)),
        }
    }

    /// The id of the list `text` names, if it is a GUID of a list that exists.
    fn existing_list(&self, text: &str) -> Result<Option<Uuid>, Problem> {
        let Some(id) = guid(text) else { return Ok(None) };
        Ok(self.db(|db| db.list_exists(id))?.then_some(id))
    }

    /// The web an object belongs to: its `ParentWebId` when that is a web of the job's site
    /// collection, else the job's web.
    fn web_of(&self, subject: &Subject, spobject: &Element, element: &Element) -> Result<Web, Problem> {
        let Some(id) = element.attr("ParentWebId").or(spobject.attr("ParentWebId")).and_then(guid) else {
            return Ok(self.ctx.web.clone());
        };
        if id == self.ctx.web.id {
            return Ok(self.ctx.web.clone());
        }
        match self.db(|db| db.web(id))? {
            Some(web) if web.site_id == self.ctx.site.id => Ok(web),
            _ => Err(subject.web_not_found(id)),
        }
    }

    /// The folder an object goes into: by id when given and known, else by URL.
    fn parent_folder(&self, subject: &Subject, parent_id: Option<&str>, url: &str) -> Result<Folder, Problem> {
        if let Some(folder) = parent_id.and_then(guid).map(|id| self.db(|db| db.folder(id))).transpose()?.flatten() {
            return Ok(folder);
        }
        self.db(|db| db.folder_by_url(parent(url)))?.ok_or_else(|| subject.parent_folder_not_found())
    }

    /// The list an object goes into: the one its folder belongs to. A list id the package
    /// names must exist (behaviour 113).
    fn list_of(&self, subject: &Subject, named: Option<&str>, folder: &Folder) -> Result<Option<Uuid>, Problem> {
        let Some(text) = named.filter(|t| !t.trim().is_empty()) else { return Ok(folder.list_id) };
        match self.existing_list(text)? {
            Some(id) => Ok(Some(id)),
            None => Err(subject.list_not_found(text, &self.ctx.web.url)),
        }
    }

    /// The site user a package user id stands for; ids UserGroup.xml does not define become
    /// System Account, with a warning the first time (behaviour 111).
    fn user_of(&mut self, package_id: Option<&str>) -> Option<i64> {
        let Some(id) = package_id.map(str::trim).filter(|id| !id.is_empty()) else {
            return Some(SYSTEM_ACCOUNT_ID);
        };
        if let Some(user) = self.users.get(id) {
            return Some(*user);
        }
        if self.warn_undefined_users && self.undefined_users.insert(id.to_string()) {
            self.pending_warnings.push(problems::user_id_undefined(id));
        }
        Some(SYSTEM_ACCOUNT_ID)
    }

    fn db<T>(&self, f: impl FnOnce(&mut crate::site::Db) -> Result<T, SiteError>) -> Result<T, Problem> {
        self.ctx.store.blocking(f).map_err(|e| problems::site_model_failed(&e))
    }
}

fn required_guid(subject: &Subject, element: &Element, attribute: &str) -> Result<Uuid, Problem> {
    let text = element.attr(attribute).unwrap_or_default();
    guid(text).ok_or_else(|| subject.invalid_value(attribute, text))
}

fn int_attr(element: &Element, attribute: &str) -> Option<i64> {
    element.attr(attribute).and_then(|v| v.trim().parse().ok())
}

fn time_attr(element: &Element, attribute: &str) -> Option<OffsetDateTime> {
    element.attr(attribute).and_then(datetime)
}

/// SPModerationStatusType values.
fn moderation_status(text: Option<&str>) -> i32 {
    match text {
        Some("Denied") => 1,
        Some("Pending") => 2,
        Some("Draft") => 3,
        Some("Scheduled") => 4,
        _ => 0,
    }
}
