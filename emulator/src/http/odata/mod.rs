//! OData v3 as SharePoint speaks it: the three JSON formats chosen by `Accept`, entity and
//! collection envelopes, `$select`/`$expand`, and error bodies (behaviours 165, 166).
//!
//! Handlers describe *what* to answer as a [`Reply`] of [`Entity`] values; this module alone
//! decides how each format spells it, so the formats cannot drift apart per endpoint.

pub mod filter;
pub mod path;
pub mod query;

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use super::error::SpError;
use query::{PathTree, QueryOptions};

/// The response format a request asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/json;odata=verbose`: `{"d":…}` with `__metadata` and `__deferred`.
    Verbose,
    /// JSON light with `odata.metadata`; also what plain `application/json` or no `Accept` gets.
    Minimal,
    /// JSON light without any `odata.*` annotations.
    NoMetadata,
}

impl Format {
    /// Picks the format from an `Accept` header. SharePoint Online answers JSON light
    /// (minimal metadata) to `application/json` without an `odata=` parameter; with no
    /// header at all it would answer Atom XML, which the emulator does not produce (the README
    /// lists this difference).
    pub fn from_accept(accept: Option<&str>) -> Format {
        let accept = accept.unwrap_or_default().to_ascii_lowercase().replace(' ', "");
        if accept.contains("odata=verbose") {
            Format::Verbose
        } else if accept.contains("odata=nometadata") || accept.contains("odata.metadata=none") {
            Format::NoMetadata
        } else {
            Format::Minimal
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Verbose => "application/json;odata=verbose;charset=utf-8",
            Format::Minimal => "application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
            Format::NoMetadata => "application/json;odata=nometadata;streaming=true;charset=utf-8",
        }
    }
}

/// A property value. Complex values and string collections are annotated differently per
/// format, so they are kept apart from plain JSON values.
#[derive(Clone, Debug, PartialEq)]
pub enum PropValue {
    Plain(Value),
    Complex {
        type_name: &'static str,
        fields: Vec<(&'static str, Value)>,
    },
    Strings(Vec<String>),
    /// A lookup field such as a list item's `Author`: no value of its own, but `$expand`
    /// resolves it to the entity it points at, like a navigation property.
    Lookup,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Prop {
    pub name: Cow<'static, str>,
    pub value: PropValue,
    /// Part of the default property set; others appear only when selected by name.
    pub default: bool,
}

impl Prop {
    pub fn new(name: impl Into<Cow<'static, str>>, value: impl Into<Value>) -> Prop {
        Prop { name: name.into(), value: PropValue::Plain(value.into()), default: true }
    }

    pub fn complex(name: &'static str, type_name: &'static str, fields: Vec<(&'static str, Value)>) -> Prop {
        Prop { name: name.into(), value: PropValue::Complex { type_name, fields }, default: true }
    }

    pub fn strings(name: &'static str, values: Vec<String>) -> Prop {
        Prop { name: name.into(), value: PropValue::Strings(values), default: true }
    }

    /// A lookup field, shown only when selected or expanded.
    pub fn lookup(name: &'static str) -> Prop {
        Prop { name: name.into(), value: PropValue::Lookup, default: false }
    }

    /// Marks the property as outside the default set.
    pub fn on_select(mut self) -> Prop {
        self.default = false;
        self
    }
}

/// An entity to render. `K` identifies it for the handler that expands its navigation
/// properties.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity<K> {
    pub key: K,
    pub type_name: Cow<'static, str>,
    /// Entity set named in JSON light `odata.metadata`, e.g. `SP.ApiData.Webs`.
    pub set: Cow<'static, str>,
    /// Canonical path under `/_api/`, e.g. `Web/Lists(guid'…')`.
    pub path: String,
    pub etag: Option<String>,
    /// Navigation properties, in SharePoint's order.
    pub navs: &'static [&'static str],
    pub props: Vec<Prop>,
}

impl<K> Entity<K> {
    fn nav(&self, name: &str) -> Option<&'static str> {
        self.navs.iter().copied().find(|n| n.eq_ignore_ascii_case(name))
    }

    fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The canonical spelling of a property name, if the entity has it.
    pub fn property(&self, name: &str) -> Option<&Prop> {
        self.prop(name)
    }
}

/// What a navigation property leads to when expanded.
pub enum Expanded<K> {
    One(Entity<K>),
    Many(Vec<Entity<K>>),
    Null,
}

/// A successful answer, before formatting.
pub enum Reply<K> {
    /// A navigation property that leads nowhere, e.g. the root web's `ParentWeb`.
    Null,
    Entity(Entity<K>),
    Collection {
        set: &'static str,
        items: Vec<Entity<K>>,
    },
    /// A collection answered under the request's query options: what `$filter`, `$orderby`,
    /// `$skip`/`$top` or server paging left, and the absolute URL of the next page if any.
    Page {
        set: String,
        items: Vec<Entity<K>>,
        next: Option<String>,
    },
    /// A complex result of a function such as `contextinfo`.
    Complex {
        function: &'static str,
        type_name: &'static str,
        props: Vec<Prop>,
    },
    /// A primitive result of a function, or one property read as `…/Title`.
    Primitive {
        name: String,
        edm_type: &'static str,
        value: Value,
    },
}

/// Resolves a navigation property of an entity for `$expand`.
pub type Expander<'a, K> = dyn Fn(&Entity<K>, &str) -> Result<Expanded<K>, SpError> + 'a;

/// Formats replies for one request.
pub struct Renderer<'a, K> {
    pub format: Format,
    /// Absolute `{web url}/_api`.
    pub api_base: &'a str,
    pub options: &'a QueryOptions,
    pub expand: &'a Expander<'a, K>,
}

impl<K> Renderer<'_, K> {
    pub fn render(&self, reply: Reply<K>) -> Result<Value, SpError> {
        let format = self.format;
        Ok(match reply {
            Reply::Null => match format {
                Format::Verbose => json!({ "d": null }),
                _ => json!({ "odata.null": true }),
            },
            Reply::Entity(entity) => {
                let body = self.entity(&entity, self.options.select.as_ref(), &self.options.expand, true)?;
                match format {
                    Format::Verbose => json!({ "d": body }),
                    _ => Value::Object(body),
                }
            }
            Reply::Collection { set, items } => self.collection(set, &items, None)?,
            Reply::Page { set, items, next } => self.collection(&set, &items, next)?,
            Reply::Complex { function, type_name, props } => {
                let mut body = Map::new();
                match format {
                    Format::Verbose => {
                        body.insert("__metadata".into(), json!({ "type": type_name }));
                    }
                    Format::Minimal => {
                        body.insert("odata.metadata".into(), format!("{}/$metadata#{type_name}", self.api_base).into());
                    }
                    Format::NoMetadata => {}
                }
                for prop in &props {
                    body.insert(prop.name.to_string(), self.value(&prop.value));
                }
                match format {
                    Format::Verbose => json!({ "d": { function: body } }),
                    _ => Value::Object(body),
                }
            }
            Reply::Primitive { name, edm_type, value } => match format {
                Format::Verbose => json!({ "d": { name: value } }),
                Format::Minimal => {
                    json!({ "odata.metadata": format!("{}/$metadata#{edm_type}", self.api_base), "value": value })
                }
                Format::NoMetadata => json!({ "value": value }),
            },
        })
    }

    /// A collection; `next` goes after the members, where SharePoint writes it.
    fn collection(&self, set: &str, items: &[Entity<K>], next: Option<String>) -> Result<Value, SpError> {
        let items = items
            .iter()
            .map(|e| self.entity(e, self.options.select.as_ref(), &self.options.expand, false).map(Value::Object))
            .collect::<Result<Vec<_>, _>>()?;
        let mut body = Map::new();
        match self.format {
            Format::Verbose => {
                body.insert("results".into(), Value::Array(items));
                if let Some(next) = next {
                    body.insert("__next".into(), next.into());
                }
                return Ok(json!({ "d": body }));
            }
            Format::Minimal => {
                body.insert("odata.metadata".into(), self.metadata_url(set, false).into());
            }
            Format::NoMetadata => {}
        }
        body.insert("value".into(), Value::Array(items));
        if let Some(next) = next {
            body.insert("odata.nextLink".into(), next.into());
        }
        Ok(Value::Object(body))
    }

    /// An expanded navigation property or lookup.
    fn expanded(
        &self,
        entity: &Entity<K>,
        name: &str,
        select: Option<&PathTree>,
        expand: &PathTree,
    ) -> Result<Value, SpError> {
        let sub_select = select.and_then(|s| s.get(name)).filter(|t| !t.is_empty());
        Ok(match (self.expand)(entity, name)? {
            Expanded::One(child) => Value::Object(self.entity(&child, sub_select, expand, false)?),
            Expanded::Null => Value::Null,
            Expanded::Many(children) => {
                let items = children
                    .iter()
                    .map(|c| self.entity(c, sub_select, expand, false).map(Value::Object))
                    .collect::<Result<Vec<_>, _>>()?;
                match self.format {
                    Format::Verbose => json!({ "results": items }),
                    _ => Value::Array(items),
                }
            }
        })
    }

    fn entity(
        &self,
        entity: &Entity<K>,
        select: Option<&PathTree>,
        expand: &PathTree,
        top: bool,
    ) -> Result<Map<String, Value>, SpError> {
        for (name, _) in select.map(|s| s.children.as_slice()).unwrap_or_default() {
            if entity.prop(name).is_none() && entity.nav(name).is_none() {
                return Err(SpError::no_such_property(name, &entity.type_name));
            }
        }
        for (name, _) in &expand.children {
            let lookup = entity.prop(name).is_some_and(|p| p.value == PropValue::Lookup);
            if entity.nav(name).is_none() && !lookup {
                return Err(SpError::no_such_property(name, &entity.type_name));
            }
        }

        let absolute = format!("{}/{}", self.api_base, entity.path);
        let mut body = Map::new();
        match self.format {
            Format::Verbose => {
                let mut metadata = Map::new();
                metadata.insert("id".into(), absolute.clone().into());
                metadata.insert("uri".into(), absolute.clone().into());
                if let Some(etag) = &entity.etag {
                    metadata.insert("etag".into(), etag.clone().into());
                }
                metadata.insert("type".into(), entity.type_name.clone().into());
                body.insert("__metadata".into(), Value::Object(metadata));
            }
            Format::Minimal => {
                if top {
                    body.insert("odata.metadata".into(), self.metadata_url(&entity.set, true).into());
                }
                body.insert("odata.type".into(), entity.type_name.clone().into());
                body.insert("odata.id".into(), absolute.clone().into());
                if let Some(etag) = &entity.etag {
                    body.insert("odata.etag".into(), etag.clone().into());
                }
                body.insert("odata.editLink".into(), entity.path.clone().into());
            }
            Format::NoMetadata => {}
        }

        for &nav in entity.navs {
            let selected = select.is_none_or(|s| s.get(nav).is_some());
            if let Some(sub_expand) = expand.get(nav) {
                body.insert(nav.into(), self.expanded(entity, nav, select, sub_expand)?);
            } else if selected && self.format == Format::Verbose {
                body.insert(nav.into(), json!({ "__deferred": { "uri": format!("{absolute}/{nav}") } }));
            }
        }

        for prop in &entity.props {
            let wanted = match select {
                None => prop.default,
                Some(s) => s.get(&prop.name).is_some() || (s.all && prop.default),
            };
            if prop.value == PropValue::Lookup {
                if let Some(sub_expand) = expand.get(&prop.name) {
                    body.insert(prop.name.to_string(), self.expanded(entity, &prop.name, select, sub_expand)?);
                } else if wanted && self.format == Format::Verbose {
                    let uri = format!("{absolute}/{}", prop.name);
                    body.insert(prop.name.to_string(), json!({ "__deferred": { "uri": uri } }));
                }
            } else if wanted {
                body.insert(prop.name.to_string(), self.value(&prop.value));
            }
        }
        Ok(body)
    }

    fn value(&self, value: &PropValue) -> Value {
        match (value, self.format) {
            (PropValue::Plain(v), _) => v.clone(),
            (PropValue::Complex { type_name, fields }, format) => {
                let mut body = Map::new();
                if format == Format::Verbose {
                    body.insert("__metadata".into(), json!({ "type": type_name }));
                }
                for (name, v) in fields {
                    body.insert((*name).into(), v.clone());
                }
                Value::Object(body)
            }
            (PropValue::Strings(items), Format::Verbose) => {
                json!({ "__metadata": { "type": "Collection(Edm.String)" }, "results": items })
            }
            (PropValue::Strings(items), _) => json!(items),
            (PropValue::Lookup, _) => Value::Null,
        }
    }

    fn metadata_url(&self, set: &str, element: bool) -> String {
        let mut url = format!("{}/$metadata#{set}", self.api_base);
        if element {
            url.push_str("/@Element");
        }
        if let Some(select) = &self.options.select_text {
            url.push_str("&$select=");
            url.push_str(select);
        }
        url
    }
}

/// The error body for a format: `error` in verbose, `odata.error` in JSON light.
pub fn error_body(format: Format, error: &SpError) -> Value {
    let inner = json!({
        "code": error.code(),
        "message": { "lang": "en-US", "value": error.message },
    });
    match format {
        Format::Verbose => json!({ "error": inner }),
        _ => json!({ "odata.error": inner }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(path: &str) -> Entity<u8> {
        Entity {
            key: 2,
            type_name: "SP.Folder".into(),
            set: "SP.ApiData.Folders1".into(),
            path: path.into(),
            etag: None,
            navs: &["Files", "Folders"],
            props: vec![Prop::new("Name", "Docs"), Prop::new("UniqueId", "f-id")],
        }
    }

    fn list() -> Entity<u8> {
        Entity {
            key: 1,
            type_name: "SP.List".into(),
            set: "SP.ApiData.Lists".into(),
            path: "Web/Lists(guid'l-id')".into(),
            etag: Some("\"1\"".into()),
            navs: &["RootFolder", "Items"],
            props: vec![
                Prop::new("Id", "l-id"),
                Prop::complex("ParentWebPath", "SP.ResourcePath", vec![("DecodedUrl", "/sites/dev".into())]),
                Prop::new("Secret", true).on_select(),
            ],
        }
    }

    fn render(format: Format, query: &str, reply: Reply<u8>) -> Result<Value, SpError> {
        let options = QueryOptions::from_query(Some(query));
        let expand = |e: &Entity<u8>, nav: &str| match (e.key, nav) {
            (1, "RootFolder") => Ok(Expanded::One(folder("Web/Lists(guid'l-id')/RootFolder"))),
            (1, "Items") => Ok(Expanded::Many(vec![])),
            _ => Err(SpError::not_implemented(nav)),
        };
        Renderer { format, api_base: "http://h/sites/dev/_api", options: &options, expand: &expand }.render(reply)
    }

    #[test]
    fn verbose_entity_has_metadata_deferreds_then_properties() {
        let body = render(Format::Verbose, "", Reply::Entity(list())).unwrap();
        let text = body.to_string();
        assert_eq!(
            text,
            r#"{"d":{"__metadata":{"id":"http://h/sites/dev/_api/Web/Lists(guid'l-id')","uri":"http://h/sites/dev/_api/Web/Lists(guid'l-id')","etag":"\"1\"","type":"SP.List"},"RootFolder":{"__deferred":{"uri":"http://h/sites/dev/_api/Web/Lists(guid'l-id')/RootFolder"}},"Items":{"__deferred":{"uri":"http://h/sites/dev/_api/Web/Lists(guid'l-id')/Items"}},"Id":"l-id","ParentWebPath":{"__metadata":{"type":"SP.ResourcePath"},"DecodedUrl":"/sites/dev"}}}"#
        );
    }

    #[test]
    fn minimal_and_nometadata_entities() {
        let body = render(Format::Minimal, "", Reply::Entity(list())).unwrap();
        assert_eq!(body["odata.metadata"], "http://h/sites/dev/_api/$metadata#SP.ApiData.Lists/@Element");
        assert_eq!(body["odata.editLink"], "Web/Lists(guid'l-id')");
        assert_eq!(body["odata.etag"], "\"1\"");
        assert_eq!(body["ParentWebPath"], json!({ "DecodedUrl": "/sites/dev" }));
        assert!(body.get("RootFolder").is_none());

        let body = render(Format::NoMetadata, "", Reply::Entity(list())).unwrap();
        assert_eq!(body, json!({ "Id": "l-id", "ParentWebPath": { "DecodedUrl": "/sites/dev" } }));
    }

    #[test]
    fn select_and_expand() {
        let body = render(Format::Verbose, "$select=Id,RootFolder/UniqueId&$expand=RootFolder", Reply::Entity(list()))
            .unwrap();
        let d = &body["d"];
        assert_eq!(d.as_object().unwrap().keys().collect::<Vec<_>>(), ["__metadata", "RootFolder", "Id"]);
        assert_eq!(d["RootFolder"].as_object().unwrap().keys().collect::<Vec<_>>(), ["__metadata", "UniqueId"]);
        assert_eq!(d["RootFolder"]["__metadata"]["type"], "SP.Folder");

        let body = render(Format::Minimal, "$select=secret", Reply::Entity(list())).unwrap();
        assert_eq!(body["Secret"], true);
        assert_eq!(
            body["odata.metadata"],
            "http://h/sites/dev/_api/$metadata#SP.ApiData.Lists/@Element&$select=secret"
        );
        assert!(body.get("Id").is_none());

        let body = render(Format::NoMetadata, "$expand=Items,RootFolder", Reply::Entity(list())).unwrap();
        assert_eq!(body["Items"], json!([]));
        assert_eq!(body["RootFolder"], json!({ "Name": "Docs", "UniqueId": "f-id" }));

        let err = render(Format::Verbose, "$select=Nope", Reply::Entity(list())).unwrap_err();
        assert_eq!(err.code(), "-1, Microsoft.SharePoint.Client.InvalidClientQueryException");
        assert!(err.message.starts_with("The property 'Nope' does not exist on type 'SP.List'."));
        assert!(render(Format::Verbose, "$expand=Id", Reply::Entity(list())).is_err());
    }

    #[test]
    fn collections_complex_and_primitives() {
        let reply = || Reply::Collection { set: "SP.ApiData.Lists", items: vec![list()] };
        let body = render(Format::Verbose, "", reply()).unwrap();
        assert_eq!(body["d"]["results"][0]["Id"], "l-id");
        let body = render(Format::Minimal, "", reply()).unwrap();
        assert_eq!(body["odata.metadata"], "http://h/sites/dev/_api/$metadata#SP.ApiData.Lists");
        assert!(body["value"][0].get("odata.metadata").is_none());
        assert_eq!(render(Format::NoMetadata, "", reply()).unwrap()["value"][0]["Id"], "l-id");

        let complex = || Reply::Complex {
            function: "GetContextWebInformation",
            type_name: "SP.ContextWebInformation",
            props: vec![
                Prop::new("FormDigestTimeoutSeconds", 1800),
                Prop::strings("SupportedSchemaVersions", vec!["15.0.0.0".into()]),
            ],
        };
        let body = render(Format::Verbose, "", complex()).unwrap();
        assert_eq!(body["d"]["GetContextWebInformation"]["SupportedSchemaVersions"]["results"], json!(["15.0.0.0"]));
        let body = render(Format::Minimal, "", complex()).unwrap();
        assert_eq!(body["odata.metadata"], "http://h/sites/dev/_api/$metadata#SP.ContextWebInformation");
        assert_eq!(body["SupportedSchemaVersions"], json!(["15.0.0.0"]));

        let primitive = || Reply::Primitive { name: "Title".into(), edm_type: "Edm.String", value: "Dev".into() };
        assert_eq!(render(Format::Verbose, "", primitive()).unwrap(), json!({ "d": { "Title": "Dev" } }));
        assert_eq!(render(Format::NoMetadata, "", primitive()).unwrap(), json!({ "value": "Dev" }));
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(Format::from_accept(Some("application/json; odata=verbose")), Format::Verbose);
        assert_eq!(Format::from_accept(Some("application/json;odata=nometadata")), Format::NoMetadata);
        assert_eq!(Format::from_accept(Some("application/json;odata=minimalmetadata")), Format::Minimal);
        assert_eq!(Format::from_accept(Some("application/json")), Format::Minimal);
        assert_eq!(Format::from_accept(None), Format::Minimal);
    }

    #[test]
    fn error_bodies() {
        let e = SpError::list_not_found();
        assert_eq!(error_body(Format::Verbose, &e)["error"]["code"], "-2130575322, Microsoft.SharePoint.SPException");
        assert_eq!(error_body(Format::NoMetadata, &e)["odata.error"]["message"]["lang"], "en-US");
    }
}
