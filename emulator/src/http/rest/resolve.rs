//! Walking a parsed `/_api/…` path through the site model, one segment at a time, and
//! expanding navigation properties with the same steps.

use serde_json::Value;
use uuid::Uuid;

use super::collection;
use super::entities::{self, Key, Target};
use super::security::{self, On};
use crate::http::error::SpError;
use crate::http::odata::path::{Literal, Segment};
use crate::http::odata::query::QueryOptions;
use crate::http::odata::{Entity, Expanded, PropValue, Reply};
use crate::site::Db;
use crate::site::items::{Attachment, ItemVersion, ItemView, UserKey};
use crate::site::model::{File, FileVersion, Folder, List, SYSTEM_ACCOUNT_ID, SiteCollection, User, Web};

/// What a path prefix has reached.
pub enum Resource {
    Site(SiteCollection),
    Web(Web),
    Lists(Web),
    List(List),
    Items(List),
    Item(Box<(List, ItemView)>),
    /// An item's versions, the current one included.
    ItemVersions(Box<(List, ItemView)>),
    /// One version of an item; `None` is the current one.
    ItemVersion(Box<(List, ItemView, Option<ItemVersion>)>),
    Attachments(Box<(List, ItemView)>),
    Attachment(Box<(List, ItemView, Attachment)>),
    Folder(Folder),
    Files(Folder),
    Folders(Folder),
    File(File),
    Versions(File),
    Version(File, FileVersion),
    SiteUsers(Uuid),
    User(User),
    /// A user as the value of a person field.
    UserInfo(User),
    /// A file body (`$value`).
    Content {
        sha256: String,
        size: i64,
    },
    /// One property's value, e.g. `…/web/Title`.
    Value {
        name: String,
        value: Value,
    },
    /// A navigation property that leads nowhere (the root web's `ParentWeb`).
    Null,
    /// Role assignments, role definitions, groups (`security.rs`).
    Security(security::Node),
}

/// Applies one segment to a resource.
pub fn step(db: &Db, t: &Target, from: Resource, seg: &Segment) -> Result<Resource, SpError> {
    let name = seg.name.as_str();
    let plain = seg.args.is_none();
    match from {
        Resource::Site(site) => {
            if seg.is("RootWeb") && plain {
                return web_by_id(db, site.root_web_id);
            }
            property_or_missing(entities::site(t, &site, None), seg)
        }
        Resource::Web(web) => web_step(db, t, web, seg),
        Resource::Lists(web) => {
            if seg.is("GetByTitle") {
                let title = single_text(seg)?;
                return match db.list_by_title(web.id, &title)? {
                    Some(list) => Ok(Resource::List(list)),
                    None => Err(SpError::list_not_found_by_title(&title, &t.absolute(&web.url))),
                };
            }
            if seg.is("GetById") {
                return list_by_id(db, &web, single_literal(seg)?, name);
            }
            Err(SpError::resource_not_found(name))
        }
        Resource::List(list) => {
            if let Some(found) = security::securable_step(db, On::List { web_id: list.web_id, id: list.id }, seg)? {
                return Ok(found);
            }
            if seg.is("RootFolder") && plain {
                return folder_by_id(db, list.root_folder_id);
            }
            if seg.is("ParentWeb") && plain {
                return web_by_id(db, list.web_id);
            }
            if seg.is("Items") && plain {
                return Ok(Resource::Items(list));
            }
            if seg.is("Items") || seg.is("GetItemById") {
                return item_by_id(db, list, integer(single_literal(seg)?, name)?);
            }
            let web_url = web_url_of(db, list.web_id)?;
            property_or_missing(entities::list(&list, &web_url), seg)
        }
        Resource::Items(list) => {
            if seg.is("GetById") {
                return item_by_id(db, list, integer(single_literal(seg)?, name)?);
            }
            Err(SpError::resource_not_found(name))
        }
        Resource::Item(boxed) => {
            let (list, view) = *boxed;
            if let Some(found) = security::securable_step(db, On::Item { list_id: list.id, id: view.item.id }, seg)? {
                return Ok(found);
            }
            let item = &view.item;
            if seg.is("Versions") {
                return match seg.args.as_deref() {
                    None => Ok(Resource::ItemVersions(Box::new((list, view)))),
                    Some([arg]) => item_version_of(db, list, view, integer(&arg.value, name)?),
                    Some(_) => Err(SpError::invalid_expression(name)),
                };
            }
            if seg.is("AttachmentFiles") {
                return match seg.args.as_deref() {
                    None => Ok(Resource::Attachments(Box::new((list, view)))),
                    Some(_) => attachment_of(db, list, view, &single_text(seg)?),
                };
            }
            if (seg.is("Author") || seg.is("Editor")) && plain {
                let id = if seg.is("Author") { item.author_id } else { item.editor_id };
                return Ok(match user_of(db, t.site.id, id)? {
                    Resource::User(user) => Resource::UserInfo(user),
                    other => other,
                });
            }
            if seg.is("File") && plain {
                return match item.file_id {
                    Some(id) => file_by_id(db, id),
                    None => Ok(Resource::Null),
                };
            }
            if seg.is("Folder") && plain {
                return match item.folder_id {
                    Some(id) => folder_by_id(db, id),
                    None => Ok(Resource::Null),
                };
            }
            if seg.is("ParentList") && plain {
                return Ok(Resource::List(list));
            }
            property_or_missing(entities::list_item(&list, &view, &[], None), seg)
        }
        Resource::ItemVersions(boxed) => {
            let (list, view) = *boxed;
            if seg.is("GetById") {
                return item_version_of(db, list, view, integer(single_literal(seg)?, name)?);
            }
            Err(SpError::resource_not_found(name))
        }
        Resource::ItemVersion(boxed) => {
            let (list, view, version) = *boxed;
            if seg.is("CreatedBy") && plain {
                let editor = version.as_ref().map_or(view.item.editor_id, |v| v.editor_id);
                return user_of(db, t.site.id, editor);
            }
            let editor = editor_of(db, t, &view, version.as_ref())?;
            property_or_missing(entities::item_version(&list, &view, version.as_ref(), editor.as_ref()), seg)
        }
        Resource::Attachments(boxed) => {
            let (list, view) = *boxed;
            if seg.is("GetByFileName") {
                return attachment_of(db, list, view, &single_text(seg)?);
            }
            Err(SpError::resource_not_found(name))
        }
        Resource::Attachment(boxed) => {
            let (list, view, attachment) = *boxed;
            if seg.is("$value") && plain {
                return Ok(Resource::Content { sha256: attachment.content_sha256, size: attachment.size });
            }
            property_or_missing(entities::attachment(&list, view.item.id, &attachment), seg)
        }
        Resource::SiteUsers(site_id) => {
            let found = if seg.is("GetById") {
                db.user(site_id, integer(single_literal(seg)?, name)?)?.filter(|u| !u.is_deleted)
            } else if seg.is("GetByLoginName") {
                db.site_user_by(site_id, UserKey::Login, &single_text(seg)?)?
            } else if seg.is("GetByEmail") {
                db.site_user_by(site_id, UserKey::Email, &single_text(seg)?)?
            } else {
                return Err(SpError::resource_not_found(name));
            };
            found.map(Resource::User).ok_or_else(SpError::user_not_found)
        }
        Resource::Folder(folder) => {
            if seg.is("Files") && plain {
                return Ok(Resource::Files(folder));
            }
            if seg.is("Folders") && plain {
                return Ok(Resource::Folders(folder));
            }
            if seg.is("ParentFolder") && plain {
                return match folder.parent_id {
                    Some(id) => folder_by_id(db, id),
                    None => Ok(Resource::Null),
                };
            }
            if seg.is("ListItemAllFields") && plain {
                return item_of(db, folder.list_id, folder.item_id);
            }
            property_or_missing(entities::folder(&folder, None), seg)
        }
        Resource::Files(folder) => {
            if seg.is("GetByUrl") {
                let url = format!("{}/{}", folder.url, single_text(seg)?);
                return file_by_url(db, &url);
            }
            Err(SpError::resource_not_found(name))
        }
        Resource::Folders(folder) => {
            if seg.is("GetByUrl") {
                let url = format!("{}/{}", folder.url, single_text(seg)?);
                return folder_by_url(db, &url);
            }
            Err(SpError::resource_not_found(name))
        }
        Resource::File(file) => {
            if seg.is("$value") && plain {
                return Ok(Resource::Content { sha256: file.current.content_sha256.clone(), size: file.current.size });
            }
            if seg.is("ListItemAllFields") && plain {
                return match file.list_id {
                    Some(list) => item_of(db, Some(list), file.item_id),
                    None => Ok(Resource::Null),
                };
            }
            if seg.is("Versions") {
                return match seg.args.as_deref() {
                    None => Ok(Resource::Versions(file)),
                    Some([arg]) => version_of(db, file, integer(&arg.value, name)?),
                    Some(_) => Err(SpError::invalid_expression(name)),
                };
            }
            if (seg.is("Author") || seg.is("ModifiedBy")) && plain {
                let id = if seg.is("Author") { file.author_id } else { file.modified_by_id };
                return user_of(db, t.site.id, id);
            }
            property_or_missing(entities::file(&file, None), seg)
        }
        Resource::Versions(file) => {
            if seg.is("GetById") {
                return version_of(db, file, integer(single_literal(seg)?, name)?);
            }
            Err(SpError::resource_not_found(name))
        }
        Resource::Version(file, version) => {
            if seg.is("$value") && plain {
                return Ok(Resource::Content { sha256: version.content_sha256, size: version.size });
            }
            property_or_missing(entities::file_version(&file, &version, &entities::file_path(&file.url)), seg)
        }
        Resource::User(user) => property_or_missing(entities::user(t.site.id, &user, String::new()), seg),
        Resource::UserInfo(user) => property_or_missing(entities::user_info(&user), seg),
        Resource::Security(node) => security::step(db, t, node, seg),
        Resource::Content { .. } | Resource::Value { .. } | Resource::Null => Err(SpError::resource_not_found(name)),
    }
}

fn web_step(db: &Db, t: &Target, web: Web, seg: &Segment) -> Result<Resource, SpError> {
    let name = seg.name.as_str();
    let plain = seg.args.is_none();
    if let Some(found) = security::web_step(db, t, &web, seg)? {
        return Ok(found);
    }
    if seg.is("Lists") {
        return match seg.args.as_deref() {
            None => Ok(Resource::Lists(web)),
            Some([arg]) => list_by_id(db, &web, &arg.value, name),
            Some(_) => Err(SpError::invalid_expression(name)),
        };
    }
    if seg.is("ParentWeb") && plain {
        return match web.parent_web_id {
            Some(id) => web_by_id(db, id),
            None => Ok(Resource::Null),
        };
    }
    if seg.is("GetFolderByServerRelativeUrl") || seg.is("GetFolderByServerRelativePath") {
        return folder_by_url(db, &server_url(&web, &path_argument(seg)?));
    }
    if seg.is("GetFileByServerRelativeUrl") || seg.is("GetFileByServerRelativePath") {
        return file_by_url(db, &server_url(&web, &path_argument(seg)?));
    }
    if seg.is("GetFolderById") {
        return match guid_of(single_literal(seg)?).map(|id| db.folder(id)).transpose()?.flatten() {
            Some(folder) => Ok(Resource::Folder(folder)),
            None => Err(SpError::folder_not_found()),
        };
    }
    if seg.is("GetFileById") {
        let id = guid_of(single_literal(seg)?).ok_or_else(|| SpError::invalid_expression(name))?;
        return match db.file(id)? {
            Some(file) => Ok(Resource::File(file)),
            None => Err(SpError::file_not_found(&id.to_string())),
        };
    }
    if seg.is("SiteUsers") && plain {
        return Ok(Resource::SiteUsers(t.site.id));
    }
    if seg.is("CurrentUser") && plain {
        // The emulator knows no caller identity; every call acts as System Account.
        return user_of(db, t.site.id, Some(SYSTEM_ACCOUNT_ID));
    }
    if seg.is("GetUserById") {
        let id = integer(single_literal(seg)?, name)?;
        return match db.user(t.site.id, id)? {
            Some(user) => Ok(Resource::User(user)),
            None => Err(SpError::user_not_found()),
        };
    }
    property_or_missing(entities::web(t, &web, None), seg)
}

/// The reply for what a path reached.
pub enum Outcome {
    Reply(Reply<Key>),
    Content { sha256: String, size: i64 },
}

/// Turns the final resource into a reply; collections are filtered, ordered and paged by the
/// request's query options.
pub fn outcome(db: &Db, t: &Target, resource: Resource, options: &QueryOptions) -> Result<Outcome, SpError> {
    if let Some(mut members) = members(db, t, &resource)? {
        members.items = security::annotate_all(db, members.items)?;
        return Ok(Outcome::Reply(collection::answer(members, options, &t.api_base())?));
    }
    match resource {
        Resource::Content { sha256, size } => Ok(Outcome::Content { sha256, size }),
        Resource::Value { name, value } => {
            let edm_type = edm_type_of(&name, &value);
            Ok(Outcome::Reply(Reply::Primitive { name, edm_type, value }))
        }
        Resource::Null => Ok(Outcome::Reply(Reply::Null)),
        other => {
            let entity = entity(db, t, &other, None)?.expect("entity resources");
            Ok(Outcome::Reply(Reply::Entity(security::annotate(db, entity)?)))
        }
    }
}

/// The entity for a resource; `path` overrides the canonical one (for expansions).
pub fn entity(db: &Db, t: &Target, resource: &Resource, path: Option<String>) -> Result<Option<Entity<Key>>, SpError> {
    Ok(Some(match resource {
        Resource::Site(site) => entities::site(t, site, path),
        Resource::Web(web) => entities::web(t, web, path),
        Resource::List(list) => entities::list(list, &web_url_of(db, list.web_id)?),
        Resource::Item(boxed) => entities::list_item(&boxed.0, &boxed.1, &[], path),
        Resource::ItemVersion(boxed) => {
            let (list, view, version) = &**boxed;
            let editor = editor_of(db, t, view, version.as_ref())?;
            entities::item_version(list, view, version.as_ref(), editor.as_ref())
        }
        Resource::Attachment(boxed) => entities::attachment(&boxed.0, boxed.1.item.id, &boxed.2),
        Resource::Folder(folder) => entities::folder(folder, path),
        Resource::File(file) => entities::file(file, path),
        Resource::Version(file, version) => entities::file_version(file, version, &entities::file_path(&file.url)),
        Resource::User(user) => {
            let path = path.unwrap_or_else(|| format!("Web/GetUserById({})", user.id));
            entities::user(t.site.id, user, path)
        }
        Resource::UserInfo(user) => entities::user_info(user),
        Resource::Security(node) => return security::entity(db, t, node, path),
        _ => return Ok(None),
    }))
}

/// Expands `nav` of `parent` by stepping into it as if it had been in the URL.
pub fn expand(db: &Db, t: &Target, parent: &Entity<Key>, nav: &str) -> Result<Expanded<Key>, SpError> {
    let Some(from) = resource_of(db, t, parent.key)? else {
        return Ok(Expanded::Null);
    };
    let reached = step(db, t, from, &Segment { name: nav.to_string(), args: None })?;
    let path = format!("{}/{nav}", parent.path);
    if let Some(members) = members(db, t, &reached)? {
        return Ok(Expanded::Many(security::annotate_all(db, members.items)?));
    }
    Ok(match reached {
        Resource::Value { .. } | Resource::Content { .. } => return Err(SpError::not_implemented(&path)),
        other => match entity(db, t, &other, Some(path))? {
            Some(entity) => Expanded::One(security::annotate(db, entity)?),
            None => Expanded::Null,
        },
    })
}

/// A collection resource's members; `None` for any other resource.
fn members(db: &Db, t: &Target, resource: &Resource) -> Result<Option<collection::Members>, SpError> {
    use collection::Members;
    Ok(Some(match resource {
        Resource::Security(node) => return security::members(db, t, node),
        Resource::Lists(web) => {
            Members::plain("SP.ApiData.Lists", db.lists_of_web(web.id)?.iter().map(|l| entities::list(l, &web.url)))
        }
        Resource::Files(folder) => {
            Members::plain("SP.ApiData.Files12", db.files_in(folder.id)?.iter().map(|f| entities::file(f, None)))
        }
        Resource::Folders(folder) => {
            Members::plain("SP.ApiData.Folders1", db.folders_in(folder.id)?.iter().map(|f| entities::folder(f, None)))
        }
        Resource::Versions(file) => Members::plain("SP.ApiData.FileVersions", history(db, file)?),
        Resource::Items(list) => {
            let views = db.list_items(list.id)?;
            let mut columns: Vec<String> =
                views.iter().flat_map(|v| v.item.fields.iter().map(|(n, _)| n.clone())).collect();
            columns.sort();
            columns.dedup();
            let items = views.iter().map(|v| entities::list_item(list, v, &columns, None)).collect();
            Members::list_items(
                entities::list_item_type(list),
                items,
                format!("{}/Items", entities::list_path(list.id)),
            )
        }
        Resource::ItemVersions(boxed) => {
            let (list, view) = &**boxed;
            // Newest first, the current version at the top, as SharePoint lists them.
            let mut versions = vec![entities::item_version(list, view, None, editor_of(db, t, view, None)?.as_ref())];
            for version in db.item_versions(list.id, view.item.id)?.iter().rev() {
                if version.version == view.item.version {
                    continue;
                }
                let editor = editor_of(db, t, view, Some(version))?;
                versions.push(entities::item_version(list, view, Some(version), editor.as_ref()));
            }
            Members::plain("SP.ApiData.ListItemVersions", versions)
        }
        Resource::Attachments(boxed) => {
            let (list, view) = &**boxed;
            let attachments = db.attachments(list.id, view.item.id)?;
            Members::plain(
                "SP.ApiData.Attachments",
                attachments.iter().map(|a| entities::attachment(list, view.item.id, a)),
            )
        }
        Resource::SiteUsers(site_id) => {
            let users = db.site_users(*site_id)?;
            Members::plain(
                "SP.ApiData.Users",
                users.iter().map(|u| entities::user(*site_id, u, format!("Web/GetUserById({})", u.id))),
            )
        }
        _ => return Ok(None),
    }))
}

fn resource_of(db: &Db, t: &Target, key: Key) -> Result<Option<Resource>, SpError> {
    Ok(match key {
        Key::Site(id) => db.site(id)?.map(Resource::Site),
        Key::Web(id) => db.web(id)?.map(Resource::Web),
        Key::List { web_id, id } => db.list(web_id, id)?.map(Resource::List),
        Key::Folder(id) => db.folder(id)?.map(Resource::Folder),
        Key::File(id) => db.file(id)?.map(Resource::File),
        Key::FileVersion { file_id, version } => db.file(file_id)?.and_then(|file| {
            let found = db.file_versions(file_id).ok()?.into_iter().find(|v| v.version == version)?;
            Some(Resource::Version(file, found))
        }),
        Key::ListItem { list_id, id } => match item_of(db, Some(list_id), Some(id))? {
            Resource::Null => None,
            item => Some(item),
        },
        Key::ListItemVersion { list_id, id, version } => match item_of(db, Some(list_id), Some(id))? {
            Resource::Item(boxed) => Some(item_version_of(db, boxed.0, boxed.1, version)?),
            _ => None,
        },
        Key::User { id, .. } => db.user(t.site.id, id)?.map(Resource::User),
        Key::UserInfo { id } => db.user(t.site.id, id)?.map(Resource::UserInfo),
        Key::Attachment { .. } | Key::MigrationJobStatus(_) => None,
        Key::Security(key) => security::resource_of(db, t, key)?,
    })
}

/// SharePoint's `Versions` lists the earlier versions, not the current one.
fn history(db: &Db, file: &File) -> Result<Vec<Entity<Key>>, SpError> {
    let path = entities::file_path(&file.url);
    Ok(db
        .file_versions(file.id)?
        .iter()
        .filter(|v| v.version != file.current.version)
        .map(|v| entities::file_version(file, v, &path))
        .collect())
}

/// `…/Title`-style property access, or the right error for a name the type lacks.
pub(super) fn property_or_missing(entity: Entity<Key>, seg: &Segment) -> Result<Resource, SpError> {
    if seg.args.is_none()
        && let Some(prop) = entity.property(&seg.name)
        && let PropValue::Plain(value) = &prop.value
    {
        return Ok(Resource::Value { name: prop.name.to_string(), value: value.clone() });
    }
    if let Some(nav) = entity.navs.iter().find(|n| seg.is(n)) {
        return Err(SpError::not_implemented(&format!("{}/{nav}", entity.path)));
    }
    Err(SpError::resource_not_found(&seg.name))
}

fn edm_type_of(name: &str, value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "Edm.Boolean",
        Value::Number(_) => "Edm.Int32",
        Value::String(s) if name.ends_with("Id") && Uuid::parse_str(s).is_ok() => "Edm.Guid",
        _ => "Edm.String",
    }
}

fn web_by_id(db: &Db, id: Uuid) -> Result<Resource, SpError> {
    Ok(db.web(id)?.map_or(Resource::Null, Resource::Web))
}

fn folder_by_id(db: &Db, id: Uuid) -> Result<Resource, SpError> {
    Ok(db.folder(id)?.map_or(Resource::Null, Resource::Folder))
}

fn file_by_id(db: &Db, id: Uuid) -> Result<Resource, SpError> {
    Ok(db.file(id)?.map_or(Resource::Null, Resource::File))
}

fn folder_by_url(db: &Db, url: &str) -> Result<Resource, SpError> {
    db.folder_by_url(url)?.map(Resource::Folder).ok_or_else(SpError::folder_not_found)
}

fn file_by_url(db: &Db, url: &str) -> Result<Resource, SpError> {
    db.file_by_url(url)?.map(Resource::File).ok_or_else(|| SpError::file_not_found(url))
}

fn item_of(db: &Db, list: Option<Uuid>, item: Option<i64>) -> Result<Resource, SpError> {
    let (Some(list_id), Some(id)) = (list, item) else { return Ok(Resource::Null) };
    match (db.list_anywhere(list_id)?, db.item_view(list_id, id)?) {
        (Some(list), Some(view)) => Ok(Resource::Item(Box::new((list, view)))),
        _ => Ok(Resource::Null),
    }
}

fn item_by_id(db: &Db, list: List, id: i64) -> Result<Resource, SpError> {
    match db.item_view(list.id, id)? {
        Some(view) => Ok(Resource::Item(Box::new((list, view)))),
        None => Err(SpError::item_not_found()),
    }
}

/// Version `number` of an item: the current one or one from its history.
fn item_version_of(db: &Db, list: List, view: ItemView, number: i64) -> Result<Resource, SpError> {
    if number == view.item.version {
        return Ok(Resource::ItemVersion(Box::new((list, view, None))));
    }
    match db.item_versions(list.id, view.item.id)?.into_iter().find(|v| v.version == number) {
        Some(version) => Ok(Resource::ItemVersion(Box::new((list, view, Some(version))))),
        None => Err(SpError::item_not_found()),
    }
}

fn attachment_of(db: &Db, list: List, view: ItemView, name: &str) -> Result<Resource, SpError> {
    match db.attachments(list.id, view.item.id)?.into_iter().find(|a| a.file_name.eq_ignore_ascii_case(name)) {
        Some(attachment) => Ok(Resource::Attachment(Box::new((list, view, attachment)))),
        None => Err(SpError::file_not_found(&format!("{}/Attachments/{}/{name}", list.url, view.item.id))),
    }
}

/// Who saved a version of an item (the current one for `None`).
fn editor_of(db: &Db, t: &Target, view: &ItemView, version: Option<&ItemVersion>) -> Result<Option<User>, SpError> {
    let id = version.map_or(view.item.editor_id, |v| v.editor_id);
    Ok(match id {
        Some(id) => db.user(t.site.id, id)?,
        None => None,
    })
}

fn version_of(db: &Db, file: File, version: i64) -> Result<Resource, SpError> {
    match db.file_versions(file.id)?.into_iter().find(|v| v.version == version) {
        Some(found) => Ok(Resource::Version(file, found)),
        None => Err(SpError::item_not_found()),
    }
}

fn user_of(db: &Db, site_id: Uuid, id: Option<i64>) -> Result<Resource, SpError> {
    let Some(id) = id else { return Ok(Resource::Null) };
    Ok(db.user(site_id, id)?.map_or(Resource::Null, Resource::User))
}

fn web_url_of(db: &Db, web_id: Uuid) -> Result<String, SpError> {
    Ok(db.web(web_id)?.map(|w| w.url).unwrap_or_default())
}

fn list_by_id(db: &Db, web: &Web, arg: &Literal, segment: &str) -> Result<Resource, SpError> {
    let id = guid_of(arg).ok_or_else(|| SpError::invalid_expression(segment))?;
    match db.list(web.id, id)? {
        Some(list) => Ok(Resource::List(list)),
        None => Err(SpError::list_not_found()),
    }
}

fn guid_of(arg: &Literal) -> Option<Uuid> {
    arg.as_text().and_then(|text| crate::package::values::guid(&text))
}

pub(super) fn integer(arg: &Literal, segment: &str) -> Result<i64, SpError> {
    match arg {
        Literal::Int(i) => Ok(*i),
        other => other.as_text().and_then(|t| t.parse().ok()).ok_or_else(|| SpError::invalid_expression(segment)),
    }
}

pub(super) fn single_literal(seg: &Segment) -> Result<&Literal, SpError> {
    match seg.args.as_deref() {
        Some([arg]) => Ok(&arg.value),
        _ => Err(SpError::invalid_expression(&seg.name)),
    }
}

pub(super) fn single_text(seg: &Segment) -> Result<String, SpError> {
    single_literal(seg)?.as_text().ok_or_else(|| SpError::invalid_expression(&seg.name))
}

/// The URL argument of `GetFileByServerRelativeUrl('…')` or
/// `GetFileByServerRelativePath(decodedurl='…')`.
fn path_argument(seg: &Segment) -> Result<String, SpError> {
    match seg.args.as_deref() {
        Some([arg]) if arg.name.as_deref().is_none_or(|n| n.eq_ignore_ascii_case("decodedurl")) => {
            arg.value.as_text().ok_or_else(|| SpError::invalid_expression(&seg.name))
        }
        _ => Err(SpError::invalid_expression(&seg.name)),
    }
}

/// A URL argument as a server-relative URL: absolute URLs lose their origin, web-relative
/// ones are put under the web.
fn server_url(web: &Web, text: &str) -> String {
    let text = text.trim();
    let path = match text.find("://") {
        Some(i) => text[i + 3..].find('/').map_or("/", |j| &text[i + 3 + j..]),
        None => text,
    };
    let url =
        if path.starts_with('/') { path.to_string() } else { format!("{}/{path}", web.url.trim_end_matches('/')) };
    if url.len() > 1 { url.trim_end_matches('/').to_string() } else { url }
}
