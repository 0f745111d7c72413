//! The query options of a request: `$select` and `$expand` as trees of property names, e.g.
//! `Id,RootFolder/UniqueId` → `{Id, RootFolder: {UniqueId}}`, and the collection options
//! (`$filter`, `$orderby`, `$top`, `$skip`, `$skiptoken`) as sent.

/// A set of (possibly nested) property paths. Names keep the client's spelling; lookups ignore
/// case, as SharePoint's do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathTree {
    /// `*` was given at this level.
    pub all: bool,
    pub children: Vec<(String, PathTree)>,
}

impl PathTree {
    /// Parses a comma-separated list of `/`-separated paths. Blank items are ignored.
    pub fn parse(text: &str) -> PathTree {
        let mut tree = PathTree::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let mut node = &mut tree;
            for name in item.split('/').map(str::trim) {
                if name == "*" {
                    node.all = true;
                    break;
                }
                let index = match node.children.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)) {
                    Some(i) => i,
                    None => {
                        node.children.push((name.to_string(), PathTree::default()));
                        node.children.len() - 1
                    }
                };
                node = &mut node.children[index].1;
            }
        }
        tree
    }

    pub fn is_empty(&self) -> bool {
        !self.all && self.children.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&PathTree> {
        self.children.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, t)| t)
    }
}

/// The query options the REST layer honours.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// `None` when `$select` is absent.
    pub select: Option<PathTree>,
    /// `$select` as sent, echoed into JSON light `odata.metadata`.
    pub select_text: Option<String>,
    pub expand: PathTree,
    /// `$expand` as sent, carried into next-page links.
    pub expand_text: Option<String>,
    pub filter: Option<String>,
    pub orderby: Option<String>,
    pub top: Option<String>,
    pub skip: Option<String>,
    pub skiptoken: Option<String>,
}

impl QueryOptions {
    /// Reads the options from a raw query string; options SharePoint does not have are ignored,
    /// as it ignores them.
    pub fn from_query(query: Option<&str>) -> QueryOptions {
        let mut options = QueryOptions::default();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match key.to_ascii_lowercase().as_str() {
                "$select" => {
                    options.select = Some(PathTree::parse(&value));
                    options.select_text = Some(value.into_owned());
                }
                "$expand" => {
                    options.expand = PathTree::parse(&value);
                    options.expand_text = Some(value.into_owned());
                }
                "$filter" => options.filter = Some(value.into_owned()),
                "$orderby" => options.orderby = Some(value.into_owned()),
                "$top" => options.top = Some(value.into_owned()),
                "$skip" => options.skip = Some(value.into_owned()),
                "$skiptoken" => options.skiptoken = Some(value.into_owned()),
                _ => {}
            }
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_merge() {
        let tree = PathTree::parse("Id, RootFolder/UniqueId,rootfolder/Name,,Title");
        let names: Vec<_> = tree.children.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Id", "RootFolder", "Title"]);
        let folder = tree.get("ROOTFOLDER").unwrap();
        assert_eq!(folder.children.len(), 2);
        assert!(folder.get("name").unwrap().is_empty());
        assert!(PathTree::parse("*").all);
        assert!(PathTree::parse("").is_empty());
    }

    #[test]
    fn query_options() {
        let q = QueryOptions::from_query(Some("$select=Id,RootFolder/UniqueId&$expand=RootFolder&$top=5"));
        assert_eq!(q.select_text.as_deref(), Some("Id,RootFolder/UniqueId"));
        assert!(q.expand.get("rootfolder").is_some());
        assert_eq!(q.top.as_deref(), Some("5"));
        let q = QueryOptions::from_query(Some("$filter=Title%20eq%20'a%26b'&$skiptoken=Paged%3dTRUE%26p_ID%3d2"));
        assert_eq!(q.filter.as_deref(), Some("Title eq 'a&b'"));
        assert_eq!(q.skiptoken.as_deref(), Some("Paged=TRUE&p_ID=2"));
        let q = QueryOptions::from_query(Some("%24select=Title"));
        assert!(q.select.unwrap().get("title").is_some());
        assert_eq!(QueryOptions::from_query(None), QueryOptions::default());
    }
}
