//! Walking a parsed `/_api/…` path through the site model, one segment at a time, and
//! expanding navigation properties with the same steps.

use serde_json::Value;
use uuid::Uuid;

use super::entities::{self, Key, Target};
use crate::http::error::SpError;
use crate::http::odata::path::{Literal, Segment};
use crate::http::odata::{Entity, Expanded, PropValue};
use crate::site::Db;
use crate::site::model::{Folder, List, SiteCollection, Web};

/// What a path prefix has reached.
pub enum Resource {
    Site(SiteCollection),
    Web(Web),
    Lists(Web),
    List(List),
    Folder(Folder),
    /// One property's value, e.g. `…/web/Title`.
    Value {
        name: &'static str,
        value: Value,
    },
    /// A navigation property that leads nowhere (the root web's `ParentWeb`).
    Null,
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
        Resource::Web(web) => {
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
            property_or_missing(entities::web(t, &web, None), seg)
        }
        Resource::Lists(web) => {
            if seg.is("GetByTitle") {
                let title = single_text(seg)?;
                return match db.list_by_title(web.id, &title)? {
                    Some(list) => Ok(Resource::List(list)),
                    None => Err(SpError::list_not_found_by_title(&title, &t.absolute(&web.url))),
                };
            }
            if seg.is("GetById") {
                let [arg] = seg.args.as_deref().unwrap_or_default() else {
                    return Err(SpError::invalid_expression(name));
                };
                return list_by_id(db, &web, &arg.value, name);
            }
            Err(SpError::resource_not_found(name))
        }
        Resource::List(list) => {
            if seg.is("RootFolder") && plain {
                return folder_by_id(db, list.root_folder_id);
            }
            if seg.is("ParentWeb") && plain {
                return web_by_id(db, list.web_id);
            }
            let web_url = web_url_of(db, list.web_id)?;
            property_or_missing(entities::list(&list, &web_url), seg)
        }
        Resource::Folder(folder) => property_or_missing(entities::folder(&folder, None), seg),
        Resource::Value { .. } | Resource::Null => Err(SpError::resource_not_found(name)),
    }
}

/// The entity for a resource; `path` overrides the canonical one (for expansions).
pub fn entity(db: &Db, t: &Target, resource: &Resource, path: Option<String>) -> Result<Option<Entity<Key>>, SpError> {
    Ok(Some(match resource {
        Resource::Site(site) => entities::site(t, site, path),
        Resource::Web(web) => entities::web(t, web, path),
        Resource::List(list) => entities::list(list, &web_url_of(db, list.web_id)?),
        Resource::Folder(folder) => entities::folder(folder, path),
        Resource::Lists(_) | Resource::Value { .. } | Resource::Null => return Ok(None),
    }))
}

/// Expands `nav` of `parent` by stepping into it as if it had been in the URL.
pub fn expand(db: &Db, t: &Target, parent: &Entity<Key>, nav: &'static str) -> Result<Expanded<Key>, SpError> {
    let from = match parent.key {
        Key::Site(id) => match db.site(id)? {
            Some(site) => Resource::Site(site),
            None => return Ok(Expanded::Null),
        },
        Key::Web(id) => web_by_id(db, id)?,
        Key::List { web_id, id } => match db.list(web_id, id)? {
            Some(list) => Resource::List(list),
            None => return Ok(Expanded::Null),
        },
        Key::Folder(id) => folder_by_id(db, id)?,
    };
    let segment = Segment { name: nav.to_string(), args: None };
    let reached = step(db, t, from, &segment)?;
    if let Resource::Lists(web) = reached {
        let lists = db.lists_of_web(web.id)?;
        return Ok(Expanded::Many(lists.iter().map(|l| entities::list(l, &web.url)).collect()));
    }
    if let Resource::Value { .. } = reached {
        return Err(SpError::not_implemented(&format!("{}/{nav}", parent.path)));
    }
    Ok(match entity(db, t, &reached, Some(format!("{}/{nav}", parent.path)))? {
        Some(entity) => Expanded::One(entity),
        None => Expanded::Null,
    })
}

/// `…/Title`-style property access, or the right error for a name the type lacks.
fn property_or_missing(entity: Entity<Key>, seg: &Segment) -> Result<Resource, SpError> {
    if seg.args.is_none()
        && let Some(prop) = entity.property(&seg.name)
        && let PropValue::Plain(value) = &prop.value
    {
        return Ok(Resource::Value { name: prop.name, value: value.clone() });
    }
    if let Some(nav) = entity.navs.iter().find(|n| seg.is(n)) {
        return Err(SpError::not_implemented(&format!("{}/{nav}", entity.path)));
    }
    Err(SpError::resource_not_found(&seg.name))
}

fn web_by_id(db: &Db, id: Uuid) -> Result<Resource, SpError> {
    Ok(db.web(id)?.map_or(Resource::Null, Resource::Web))
}

fn folder_by_id(db: &Db, id: Uuid) -> Result<Resource, SpError> {
    Ok(db.folder(id)?.map_or(Resource::Null, Resource::Folder))
}

fn web_url_of(db: &Db, web_id: Uuid) -> Result<String, SpError> {
    Ok(db.web(web_id)?.map(|w| w.url).unwrap_or_default())
}

fn list_by_id(db: &Db, web: &Web, arg: &Literal, segment: &str) -> Result<Resource, SpError> {
    let id = arg
        .as_text()
        .and_then(|text| Uuid::parse_str(&text).ok())
        .ok_or_else(|| SpError::invalid_expression(segment))?;
    match db.list(web.id, id)? {
        Some(list) => Ok(Resource::List(list)),
        None => Err(SpError::list_not_found()),
    }
}

fn single_text(seg: &Segment) -> Result<String, SpError> {
    match seg.args.as_deref() {
        Some([arg]) => arg.value.as_text().ok_or_else(|| SpError::invalid_expression(&seg.name)),
        _ => Err(SpError::invalid_expression(&seg.name)),
    }
}
