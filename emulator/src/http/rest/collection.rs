//! Collections as SharePoint answers them: `$filter`, then `$orderby`, then a window. List
//! items are paged by the server (at most 100 unless `$top` says otherwise) with a
//! `$skiptoken=Paged=TRUE&p_ID=<last id>` link to the next page; `$skip` does not apply to
//! them, as SharePoint documents. Other collections take `$skip` and `$top` and have no next
//! page: SharePoint materialises them whole.

use std::cmp::Ordering;

use serde_json::Value;

use super::entities::Key;
use crate::http::error::SpError;
use crate::http::odata::filter::{Expr, FilterError, order_values};
use crate::http::odata::query::QueryOptions;
use crate::http::odata::{Entity, PropValue, Reply};

/// SharePoint's page size for list items without `$top`.
pub const ITEM_PAGE: usize = 100;

/// The members of a collection before the query options apply.
pub struct Members {
    pub set: String,
    pub items: Vec<Entity<Key>>,
    paging: Paging,
}

enum Paging {
    /// `$skip`/`$top`, no next page.
    Offset,
    /// Server-driven pages; `path` is the collection's canonical path under `_api`.
    ListItems { path: String },
}

impl Members {
    pub fn plain(set: &str, items: impl IntoIterator<Item = Entity<Key>>) -> Members {
        Members { set: set.into(), items: items.into_iter().collect(), paging: Paging::Offset }
    }

    /// A list's items, in id order; `item_type` is the list's `ListItemEntityTypeFullName`.
    pub fn list_items(item_type: String, items: Vec<Entity<Key>>, path: String) -> Members {
        let set = format!("{}s", item_type.replacen("SP.Data.", "SP.ListData.", 1));
        Members { set, items, paging: Paging::ListItems { path } }
    }
}

/// One sort key of `$orderby`.
struct SortKey {
    name: String,
    descending: bool,
}

/// Applies the query options to a collection.
pub fn answer(members: Members, options: &QueryOptions, api_base: &str) -> Result<Reply<Key>, SpError> {
    let Members { set, mut items, paging } = members;
    let list_items = matches!(paging, Paging::ListItems { .. });
    if let Some(text) = &options.filter {
        let expr = Expr::parse(text).map_err(|e| filter_error(text, e))?;
        for name in expr.properties() {
            check_property(&items, name, list_items)?;
        }
        // Field values compare as SharePoint's SQL collation does, ignoring case; other
        // collections are filtered in memory by .NET, which does not.
        items.retain(|e| expr.matches(&|name| value_of(e, name), list_items));
    }
    let mut keys = sort_keys(options.orderby.as_deref())?;
    for key in &keys {
        check_property(&items, &key.name, list_items)?;
    }
    if list_items && !keys.iter().any(|k| k.name.eq_ignore_ascii_case("ID")) {
        // Items with equal sort values keep id order, which the next page's position relies on.
        keys.push(SortKey { name: "ID".into(), descending: false });
    }
    if !keys.is_empty() {
        items.sort_by(|a, b| compare(a, b, &keys));
    }
    let top = count(options.top.as_deref(), "$top")?;
    match paging {
        Paging::Offset => {
            let skip = count(options.skip.as_deref(), "$skip")?.unwrap_or(0);
            let items = items.into_iter().skip(skip).take(top.unwrap_or(usize::MAX)).collect();
            Ok(Reply::Page { set, items, next: None })
        }
        Paging::ListItems { path } => {
            if let Some(token) = &options.skiptoken {
                let position = position_of(token, &keys)?;
                items.retain(|e| compare_with(e, &position, &keys) == Ordering::Greater);
            }
            let size = top.unwrap_or(ITEM_PAGE);
            let more = items.len() > size;
            items.truncate(size);
            let next = match items.last() {
                Some(last) if more => Some(next_link(api_base, &path, last, &keys, options)),
                _ => None,
            };
            Ok(Reply::Page { set, items, next })
        }
    }
}

/// A property's value for filtering and sorting; complex values count as null.
fn value_of(entity: &Entity<Key>, name: &str) -> Option<Value> {
    match &entity.property(name)?.value {
        PropValue::Plain(value) => Some(value.clone()),
        _ => None,
    }
}

/// A name no member has is an error: an unknown column for items, an unknown property
/// otherwise. Members may lack a field other items have, so one member having it is enough.
fn check_property(items: &[Entity<Key>], name: &str, list_items: bool) -> Result<(), SpError> {
    if name.contains('/') {
        return Err(SpError::query_not_supported(name));
    }
    match items.first() {
        Some(_) if items.iter().any(|e| e.property(name).is_some()) => Ok(()),
        Some(_) if list_items => Err(SpError::column_missing(name)),
        Some(first) => Err(SpError::no_such_property(name, &first.type_name)),
        None => Ok(()),
    }
}

fn filter_error(text: &str, error: FilterError) -> SpError {
    match error {
        FilterError::Syntax => SpError::invalid_expression(text),
        FilterError::Unsupported(what) => {
            tracing::warn!(filter = text, unsupported = what, "a $filter the emulator does not evaluate");
            SpError::query_not_supported(text)
        }
    }
}

fn sort_keys(orderby: Option<&str>) -> Result<Vec<SortKey>, SpError> {
    let Some(text) = orderby else { return Ok(Vec::new()) };
    let mut keys = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let name = words.next().unwrap_or_default().to_string();
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(SpError::invalid_expression(text)),
        };
        if words.next().is_some() || !name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '/') {
            return Err(SpError::invalid_expression(text));
        }
        keys.push(SortKey { name, descending });
    }
    Ok(keys)
}

fn compare(a: &Entity<Key>, b: &Entity<Key>, keys: &[SortKey]) -> Ordering {
    for key in keys {
        let (x, y) = (value_of(a, &key.name).unwrap_or(Value::Null), value_of(b, &key.name).unwrap_or(Value::Null));
        let ordering = order_values(&x, &y);
        let ordering = if key.descending { ordering.reverse() } else { ordering };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// How an item stands against a page position (the sort values of the last item shown).
fn compare_with(entity: &Entity<Key>, position: &[Value], keys: &[SortKey]) -> Ordering {
    for (key, at) in keys.iter().zip(position) {
        let ordering = order_values(&value_of(entity, &key.name).unwrap_or(Value::Null), at);
        let ordering = if key.descending { ordering.reverse() } else { ordering };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

fn count(value: Option<&str>, option: &str) -> Result<Option<usize>, SpError> {
    value.map(|v| v.trim().parse().map_err(|_| SpError::invalid_count(option, v))).transpose()
}

/// The sort values a `$skiptoken` carries, one per key: `Paged=TRUE&p_Title=…&p_ID=7`, the
/// values percent-encoded inside the token.
fn position_of(token: &str, keys: &[SortKey]) -> Result<Vec<Value>, SpError> {
    let invalid = || SpError::invalid_expression(&format!("$skiptoken={token}"));
    let pairs: Vec<(String, String)> = token
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned()))
        .collect();
    if !pairs.iter().any(|(k, v)| k.eq_ignore_ascii_case("Paged") && v.eq_ignore_ascii_case("TRUE")) {
        return Err(invalid());
    }
    keys.iter()
        .map(|key| {
            let wanted = format!("p_{}", key.name);
            match pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(&wanted)) {
                Some((_, v)) if v.is_empty() => Ok(Value::Null),
                Some((_, v)) => Ok(Value::String(v.clone())),
                None => Err(invalid()),
            }
        })
        .collect()
}

/// The next page's URL: the collection's canonical URL with a `$skiptoken` after `last`, and
/// the request's other options.
fn next_link(api_base: &str, path: &str, last: &Entity<Key>, keys: &[SortKey], options: &QueryOptions) -> String {
    let mut token = String::from("Paged=TRUE");
    for key in keys {
        let text = match value_of(last, &key.name) {
            Some(Value::String(s)) => s,
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        token.push_str(&format!("&p_{}={}", key.name, encode(&text)));
    }
    let mut url = format!("{api_base}/{path}?%24skiptoken={}", encode(&token));
    for (name, value) in [
        ("top", &options.top),
        ("select", &options.select_text),
        ("filter", &options.filter),
        ("orderby", &options.orderby),
        ("expand", &options.expand_text),
    ] {
        if let Some(value) = value {
            url.push_str(&format!("&%24{name}={}", encode(value)));
        }
    }
    url
}

/// Percent-encodes all but unreserved characters, in lower-case hex as SharePoint's links have it.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::odata::Prop;
    use uuid::Uuid;

    fn item(id: i64, title: &str) -> Entity<Key> {
        Entity {
            key: Key::ListItem { list_id: Uuid::nil(), id },
            type_name: "SP.Data.TasksListItem".into(),
            set: "SP.ListData.TasksListItems".into(),
            path: format!("Web/Lists(guid'x')/Items({id})"),
            etag: None,
            navs: &[],
            props: vec![Prop::new("Id", id), Prop::new("Title", title), Prop::new("ID", id)],
        }
    }

    fn ids(reply: &Reply<Key>) -> (Vec<i64>, Option<String>) {
        let Reply::Page { items, next, .. } = reply else { panic!("a page") };
        let ids = items.iter().map(|e| value_of(e, "Id").unwrap().as_i64().unwrap()).collect();
        (ids, next.clone())
    }

    fn items(count: i64) -> Members {
        let titles = ["b", "a", "c"];
        let all = (1..=count).map(|i| item(i, titles[i as usize % 3])).collect();
        Members::list_items("SP.Data.TasksListItem".into(), all, "Web/Lists(guid'x')/Items".into())
    }

    fn query(text: &str) -> QueryOptions {
        QueryOptions::from_query(Some(text))
    }

    #[test]
    fn list_items_page_by_100_then_by_skiptoken() {
        let first = answer(items(205), &query(""), "http://h/_api").unwrap();
        let (page, next) = ids(&first);
        assert_eq!((page.len(), page[99]), (100, 100));
        let next = next.unwrap();
        assert_eq!(next, "http://h/_api/Web/Lists(guid'x')/Items?%24skiptoken=Paged%3dTRUE%26p_ID%3d100");
        let (page, next) = ids(&answer(items(205), &query(next.split_once('?').unwrap().1), "").unwrap());
        assert_eq!((page.len(), page[0]), (100, 101));
        assert!(next.is_some());
        let (page, next) = ids(&answer(items(205), &query("$skiptoken=Paged%3dTRUE%26p_ID%3d200"), "").unwrap());
        assert_eq!((page, next), (vec![201, 202, 203, 204, 205], None));
    }

    #[test]
    fn top_filter_and_orderby_carry_into_the_next_link() {
        let q = "$top=2&$filter=Title ne 'c'&$orderby=Title desc&$select=Id";
        let (page, next) = ids(&answer(items(9), &query(q), "http://h/_api").unwrap());
        // Titles by id: 1 a, 2 c, 3 b, 4 a, 5 c, 6 b, 7 a, 8 c, 9 b.
        assert_eq!(page, [3, 6]);
        let next = next.unwrap();
        assert!(next.contains("%24skiptoken=Paged%3dTRUE%26p_Title%3db%26p_ID%3d6&%24top=2"), "{next}");
        let (page, next) = ids(&answer(items(9), &query(next.split_once('?').unwrap().1), "").unwrap());
        assert_eq!(page, [9, 1]);
        let (page, next) = ids(&answer(items(9), &query(next.unwrap().split_once('?').unwrap().1), "").unwrap());
        assert_eq!((page, next), (vec![4, 7], None));
    }

    #[test]
    fn other_collections_take_skip_and_top_without_a_next_page() {
        let all = Members::plain("SP.ApiData.Lists", (1..=5).map(|i| item(i, "t")));
        let (page, next) = ids(&answer(all, &query("$skip=1&$top=2"), "").unwrap());
        assert_eq!((page, next), (vec![2, 3], None));
        // $skip does not apply to list items.
        let (page, _) = ids(&answer(items(3), &query("$skip=1"), "").unwrap());
        assert_eq!(page, [1, 2, 3]);
    }

    #[test]
    fn errors() {
        let error = |members: Members, q: &str| match answer(members, &query(q), "") {
            Err(e) => (e.status.as_u16(), e.message),
            Ok(_) => panic!("{q} answered"),
        };
        let (status, message) = error(items(2), "$filter=Color eq 'red'");
        assert_eq!(
            (status, message.as_str()),
            (400, "Column 'Color' does not exist. It may have been deleted by another user.")
        );
        let lists = || Members::plain("SP.ApiData.Lists", vec![item(1, "t")]);
        assert!(error(lists(), "$filter=Color eq 'red'").1.starts_with("The property 'Color' does not exist"));
        assert_eq!(error(lists(), "$filter=Id eq").1, "The expression \"Id eq\" is not valid.");
        assert_eq!(
            error(lists(), "$filter=endswith(Title,'x')").1,
            "The expression \"endswith(Title,'x')\" is not supported."
        );
        assert!(error(lists(), "$top=-1").1.starts_with("Invalid value '-1' for $top query option found."));
        assert_eq!(error(items(2), "$skiptoken=p_ID%3d1").0, 400);
        assert_eq!(error(items(2), "$orderby=Title sideways").0, 400);
    }
}
