//! Manifest objects applied to the site model: users, folders, files with every version, list
//! items with their fields. Ids from the package are kept (behaviour 114); each object is
//! written in one transaction, and a failing object is reported and skipped (behaviour 55).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use super::ImportContext;
use super::archives::Archives;
use super::details;
use super::fetch;
use crate::config::UserResolution;
use crate::package::files::{PackageUser, UserGroupMap};
use crate::package::intake::Intake;
use crate::package::values::{
    MEMBERSHIP_CLAIM, boolean, datetime, guid, login_account, names_an_upn, parent, server_relative,
};
use crate::package::xml::Element;
use crate::problems::{self, ObjectType, Subject};
use crate::report::events::Problem;
use crate::report::reporter::Reporter;
use crate::site::Error as SiteError;
use crate::site::details::{AlternateStream, ContentType, FileDetails, ItemDetails, SharedWith};
use crate::site::items::{Attachment, ItemVersion};
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
    /// `ExportSettings/@IgnoreWebParts` (behaviour 97).
    ignore_web_parts: bool,
    archives: Archives,
}

/// Field values by internal name, and the package's type of those that had one.
type FieldValues = Vec<(String, Option<String>)>;
type FieldTypes = Vec<(String, String)>;

/// What handling one object amounted to: versions written, or the problem.
type Handled = Result<u64, Problem>;

impl<'c, 'a> Importer<'c, 'a> {
    pub fn new(ctx: &'c ImportContext<'a>, package: &Intake) -> Self {
        Importer {
            ctx,
            doomed: package.doomed.clone(),
            ignore_web_parts: package.ignore_web_parts,
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
        let deleted = spobject.attr("IsDeleted").and_then(boolean).unwrap_or(false);
        let outcome = match (kind.as_str(), body) {
            // Known to fail before the import began (behaviour 124).
            _ if id.is_some_and(|id| self.doomed.contains_key(&id)) => {
                Err(self.doomed.remove(&id.expect("checked")).expect("checked"))
            }
            ("SPFolder" | "SPFile" | "SPListItem", _) if deleted => self.delete(spobject, id),
            ("SPFolder", Some(folder)) => self.folder(spobject, folder, report),
            ("SPFile", Some(file)) => self.file(spobject, file, report),
            ("SPListItem", Some(item)) => self.item(spobject, item, report),
            ("SPDocumentLibrary" | "SPList", Some(list)) => self.list(list),
            ("SPContentType", Some(content_type)) => self.content_type(content_type, None),
            // Security objects and the rest come with the full import rules.
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
            properties: details::properties(folder),
        };
        match self.ctx.store.blocking(|db| db.put_folder(&write)) {
            Ok(()) => Ok(1),
            Err(SiteError::Conflict(_)) => Err(subject.folder_exists()),
            Err(SiteError::IdOfAnotherSite(_)) => Err(subject.id_of_another_site()),
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
        let properties = details::properties(file);
        let zipped_streams = details::has_alternate_streams(&properties);
        let name = crate::package::values::leaf(&url).to_string();
        let mut download = Duration::ZERO;
        let mut versions: Vec<FileVersion> = Vec::with_capacity(entries.len());
        let mut alternate_streams: Vec<AlternateStream> = Vec::new();
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
            let mut stored = fetch::content_version(self.ctx, &mut self.archives, subject, file_value, declared)?;
            download += report.elapsed(fetching);
            let number = entry.attr("Version").and_then(parse_version_label).unwrap_or((index as i64 + 1) * 512);
            versions.retain(|v| v.version != number);
            alternate_streams.retain(|s| s.version != number);
            // Behaviour 128: the blob is a zip of the primary stream and the alternate ones.
            if zipped_streams {
                let streams = details::unpack_streams(self.ctx.store.content(), &stored, &name)
                    .map_err(|reason| subject.streams_unreadable(file_value, &reason))?;
                stored = streams.primary;
                alternate_streams.extend(streams.alternates.into_iter().map(|(name, content)| AlternateStream {
                    version: number,
                    name,
                    content_sha256: content.sha256,
                    size: content.size as i64,
                }));
            }
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
            name,
            url,
            author_id: self.user_of(file.attr("Author")),
            modified_by_id: self.user_of(file.attr("ModifiedBy")),
            item_id: int_attr(file, "ListItemIntId"),
            time_created: time_attr(file, "TimeCreated").unwrap_or(now),
            time_last_modified: time_attr(file, "TimeLastModified").unwrap_or(now),
        };
        let (web_parts, refused) = match self.ignore_web_parts {
            // Behaviour 97: a package that says so has its web parts neither checked nor imported.
            true => (Vec::new(), Vec::new()),
            false => details::web_parts(file, self.ctx.site.no_script),
        };
        self.pending_warnings.extend(refused.iter().map(|type_name| subject.web_part_not_imported(type_name)));
        let extras = FileDetails { properties, web_parts, annotations: details::annotations(file), alternate_streams };
        match self.ctx.store.blocking(|db| db.replace_file(&write, &versions, &extras)) {
            Ok(()) => {}
            Err(SiteError::Conflict(_)) => return Err(subject.file_exists()),
            Err(SiteError::IdOfAnotherSite(_)) => return Err(subject.id_of_another_site()),
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
        let (mut fields, field_types) = self.field_values(&subject, item)?;
        if let Some(comment) = item.attr("ModerationComment") {
            fields.push(("_ModerationComments".to_string(), Some(comment.to_string())));
        }
        let default_content_type = match (file_id, folder_id) {
            (Some(_), _) => "0x0101",
            (_, Some(_)) => "0x0120",
            _ => "0x01",
        };
        let now = report.now();
        let version = item.attr("Version").and_then(parse_version_label).unwrap_or(512);
        let extras = ItemDetails {
            versions: self.item_versions(&subject, item, version, now)?,
            attachments: self.attachments(&subject, item)?,
            annotations: details::annotations(item),
            shared_with: self.shared_with(item),
            field_types,
            delivered: Some(now),
        };
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
            version,
            fields,
        };
        match self.ctx.store.blocking(|db| db.put_list_item(&write, &extras)) {
            Ok(throttled) => {
                let site = self.ctx.site.id;
                for user in throttled {
                    let login = self.db(|db| db.user(site, user))?.map(|u| u.login_name).unwrap_or_default();
                    self.pending_warnings.push(subject.shared_with_me_throttled(&login));
                }
                Ok(1)
            }
            Err(SiteError::Conflict(_)) => Err(subject.item_id_taken(int_id, list_id)),
            Err(SiteError::IdOfAnotherSite(_)) => Err(subject.id_of_another_site()),
            Err(e) => Err(subject.internal(&e.to_string())),
        }
    }

    /// The earlier versions `Versions/ListItem` gives; the element itself is the current one.
    fn item_versions(
        &mut self,
        subject: &Subject,
        item: &Element,
        current: i64,
        now: OffsetDateTime,
    ) -> Result<Vec<ItemVersion>, Problem> {
        let mut versions: Vec<ItemVersion> = Vec::new();
        for entry in item.children_named("Versions").flat_map(|v| v.children_named("ListItem")) {
            let Some(number) = entry.attr("Version").and_then(parse_version_label) else { continue };
            if number >= current {
                continue;
            }
            versions.retain(|v| v.version != number);
            versions.push(ItemVersion {
                version: number,
                created: time_attr(entry, "TimeLastModified").unwrap_or(now),
                editor_id: self.user_of(entry.attr("ModifiedBy")),
                fields: self.field_values(subject, entry)?.0,
            });
        }
        versions.sort_by_key(|v| v.version);
        Ok(versions)
    }

    /// `Fields/Field` values by internal name, each in its type's form (behaviour 122), and the
    /// types the package gave. Person fields hold UserGroup.xml ids, which become site users.
    fn field_values(&mut self, subject: &Subject, element: &Element) -> Result<(FieldValues, FieldTypes), Problem> {
        let (mut values, mut types) = (Vec::new(), Vec::new());
        for field in element.children_named("Fields").flat_map(|f| f.children_named("Field")) {
            let Some(name) = field.attr("Name") else { continue };
            let field_type = field.attr("Type").map(str::trim).filter(|t| !t.is_empty());
            let value = match (field_type, field.attr("Value")) {
                (_, None) => None,
                (_, Some(text)) if text.trim().is_empty() => Some(String::new()),
                (Some("User" | "UserMulti"), Some(text)) => {
                    let ids = text.split([';', ',']).map(|id| id.trim_matches('#').trim()).filter(|id| !id.is_empty());
                    let users: Vec<String> =
                        ids.map(|id| self.user_of(Some(id)).unwrap_or(SYSTEM_ACCOUNT_ID).to_string()).collect();
                    Some(users.join(";#"))
                }
                (Some(field_type), Some(text)) => Some(
                    details::typed_value(field_type, text)
                        .ok_or_else(|| subject.invalid_value(&format!("Field {name}"), text))?,
                ),
                (None, Some(text)) => Some(text.to_string()),
            };
            values.push((name.to_string(), value));
            if let Some(field_type) = field_type {
                types.push((name.to_string(), field_type.to_string()));
            }
        }
        Ok((values, types))
    }

    /// `SharedWithEvents`: one sharing per event and member, the members resolved as authors
    /// are; a member who is not a real user (System Account) receives nothing.
    fn shared_with(&mut self, item: &Element) -> Vec<SharedWith> {
        let mut found = Vec::new();
        for event in item.children_named("SharedWithEvents").flat_map(|e| e.children_named("SharedWithEvent")) {
            let Some(shared_time) = time_attr(event, "SharedTime") else { continue };
            let initiator_id = self.user_of(event.attr("SharingInitiatorId"));
            let shared_by_id = self.user_of(event.attr("SharedById"));
            let members = event.children_named("SharedWithMembers").flat_map(|m| m.children_named("SharedWithMember"));
            for member in members {
                match self.user_of(member.attr("SharedWithId")) {
                    Some(member_id) if member_id != SYSTEM_ACCOUNT_ID => {
                        found.push(SharedWith { shared_time, initiator_id, shared_by_id, member_id })
                    }
                    _ => {}
                }
            }
        }
        found
    }

    /// Downloads an item's attachments as file content is downloaded.
    fn attachments(&mut self, subject: &Subject, item: &Element) -> Result<Vec<Attachment>, Problem> {
        let mut found: Vec<Attachment> = Vec::new();
        for attachment in item.children_named("Attachments").flat_map(|a| a.children_named("Attachment")) {
            let name = attachment.attr("Name").unwrap_or_default();
            let file_value = attachment.attr("FileValue").filter(|v| !v.is_empty());
            let (true, Some(file_value)) = (!name.trim().is_empty(), file_value) else {
                return Err(subject.invalid_value("Attachment", name));
            };
            if !crate::package::values::is_contained_blob_name(file_value) {
                return Err(subject.file_value_outside_container(file_value));
            }
            let stored =
                fetch::content_version(self.ctx, &mut self.archives, subject, file_value, fetch::Declared::default())?;
            found.retain(|a| !a.file_name.eq_ignore_ascii_case(name));
            found.push(Attachment {
                file_name: name.to_string(),
                content_sha256: stored.sha256,
                size: stored.size as i64,
            });
        }
        Ok(found)
    }

    /// Lists are not created by the Migration API: the one named must exist (behaviour 113).
    /// Its content types are kept with their ids (behaviour 115).
    fn list(&mut self, list: &Element) -> Handled {
        let text = list.attr("Id").unwrap_or_default();
        let subject = Subject::new(ObjectType::List, list.attr("RootFolderUrl").unwrap_or_default(), guid(text));
        let Some(id) = self.existing_list(text)? else {
            return Err(subject.list_not_found(text, &self.ctx.web.url));
        };
        for content_type in list.children_named("ContentTypes").flat_map(|c| c.children_named("ContentType")) {
            self.content_type(content_type, Some(id))?;
        }
        Ok(1)
    }

    /// A site or list content type, with the package's id (behaviour 115). A list content type
    /// names its list by `ListId` when it stands alone.
    fn content_type(&mut self, element: &Element, list: Option<Uuid>) -> Handled {
        let id = element.attr("ID").unwrap_or_default().trim().to_string();
        // Events have no object type for content types; they belong to the web (or its list).
        let subject = Subject::new(ObjectType::Web, element.attr("Name").unwrap_or_default(), None);
        if !is_content_type_id(&id) {
            return Err(subject.invalid_value("ID", &id));
        }
        let list = match (list, element.attr("ListId").filter(|l| !l.trim().is_empty())) {
            (Some(list), _) => Some(list),
            (None, Some(text)) => {
                Some(self.existing_list(text)?.ok_or_else(|| subject.list_not_found(text, &self.ctx.web.url))?)
            }
            (None, None) => None,
        };
        let content_type = ContentType {
            id,
            name: element.attr("Name").unwrap_or_default().to_string(),
            group: element.attr("Group").unwrap_or_default().to_string(),
        };
        let site = self.ctx.site.id;
        self.db(|db| db.put_content_type(site, list, &content_type))?;
        Ok(1)
    }

    /// Behaviour 101's counterpart: `IsDeleted="true"` removes the object with that id, and
    /// what a folder holds; an id the site does not have is already gone.
    fn delete(&mut self, spobject: &Element, id: Option<Uuid>) -> Handled {
        let Some(id) = id else {
            let subject = Subject::new(ObjectType::File, spobject.attr("Url").unwrap_or_default(), None);
            return Err(subject.invalid_value("Id", spobject.attr("Id").unwrap_or_default()));
        };
        if !self.system_objects.contains(&id) {
            self.db(|db| db.delete_object(id))?;
        }
        Ok(1)
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

/// `0x` and hexadecimal digits, as content type ids are written.
fn is_content_type_id(text: &str) -> bool {
    text.len() > 2 && text[..2].eq_ignore_ascii_case("0x") && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
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
