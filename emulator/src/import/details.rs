//! The parts of a `File` or `ListItem` element kept as data: properties, web parts (filtered
//! for NoScript sites), event receivers, links; and unpacking a file whose content is a zip of
//! streams.

use std::io::{self, Read};

use serde_json::{Map, Value};

use crate::package::xml::Element;
use crate::site::ContentStore;
use crate::site::content::StoredContent;
use crate::site::details::{Annotation, AnnotationKind, WebPart};

/// The property that marks content as a zip of the primary and alternate streams (behaviour 128).
pub const ALTERNATE_STREAMS_PROPERTY: &str = "vti_hasAlternateContentStreams";

/// Web parts a NoScript site does not take (package.md §5.10, behaviour 159).
const UNSAFE_WEB_PARTS: [&str; 20] = [
    "XsltListViewWebPart",
    "ContentEditorWebPart",
    "ContentByQueryWebPart",
    "SiteFeedWebPart",
    "ScriptEditorWebPart",
    "ContactFieldControl",
    "SearchBoxScriptWebPart",
    "PageViewerWebPart",
    "ProfileBrowser",
    "UserTasksWebPart",
    "SocialCommentWebPart",
    "SilverlightWebPart",
    "RSSAggregatorWebPart",
    "SummaryLinkWebPart",
    "TableOfContentsWebPart",
    "UserDocsWebPart",
    "SPTimelineWebPart",
    "XmlWebPart",
    "SiteDocuments",
    "CategoryResultsWebPart",
];

/// An element as JSON: its attributes, and its child elements by name when it has any.
pub fn element_json(element: &Element) -> Value {
    let mut object: Map<String, Value> =
        element.attributes.iter().map(|a| (a.name.clone(), Value::String(a.value.clone()))).collect();
    if !element.children.is_empty() {
        let children = element.children.iter().map(|child| {
            let mut wrapped = Map::new();
            wrapped.insert(child.name.clone(), element_json(child));
            Value::Object(wrapped)
        });
        object.insert("Children".into(), Value::Array(children.collect()));
    } else if !element.text.trim().is_empty() {
        object.insert("Text".into(), Value::String(element.text.clone()));
    }
    Value::Object(object)
}

/// `Properties/Property` as name → value.
pub fn properties(element: &Element) -> Map<String, Value> {
    let Some(properties) = element.child("Properties") else { return Map::new() };
    properties
        .children_named("Property")
        .filter_map(|p| Some((p.attr("Name")?.to_string(), Value::String(p.attr("Value").unwrap_or("").to_string()))))
        .collect()
}

/// A field value in the form the site keeps for its `Type`, or `None` when the text is not a
/// value of that type. Person fields are resolved by the importer, which knows the users.
pub fn typed_value(field_type: &str, text: &str) -> Option<String> {
    let trimmed = text.trim();
    match field_type {
        "Number" | "Currency" => trimmed.parse::<f64>().ok().filter(|n| n.is_finite()).map(|_| trimmed.to_string()),
        "Integer" | "Counter" => trimmed.parse::<i64>().ok().map(|n| n.to_string()),
        "Boolean" => match trimmed.to_ascii_lowercase().as_str() {
            "1" | "true" => Some("1".into()),
            "0" | "false" => Some("0".into()),
            _ => None,
        },
        "DateTime" => crate::package::values::datetime(trimmed).map(crate::site::to_text),
        _ => Some(text.to_string()),
    }
}

/// Whether the properties mark the content as a zip of streams.
pub fn has_alternate_streams(properties: &Map<String, Value>) -> bool {
    properties.get(ALTERNATE_STREAMS_PROPERTY).and_then(Value::as_str).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The `EventReceivers` and `Links` of an element, kept but never acted on (behaviours 126, 127).
pub fn annotations(element: &Element) -> Vec<Annotation> {
    let mut found = Vec::new();
    for (wrapper, name, kind) in
        [("EventReceivers", "EventReceiver", AnnotationKind::EventReceiver), ("Links", "Link", AnnotationKind::Link)]
    {
        for child in element.children_named(wrapper).flat_map(|w| w.children_named(name)) {
            found.push(Annotation { kind, attributes: element_json(child) });
        }
    }
    found
}

/// The web parts of a page a site takes, and the type names of those it refused: on a NoScript
/// site the unsafe ones stay out (behaviour 159).
pub fn web_parts(file: &Element, no_script: bool) -> (Vec<WebPart>, Vec<String>) {
    let (mut kept, mut refused) = (Vec::new(), Vec::new());
    for part in file.children_named("WebParts").flat_map(|w| w.children_named("WebPart")) {
        let type_name = type_name(part);
        if no_script && UNSAFE_WEB_PARTS.iter().any(|unsafe_part| unsafe_part.eq_ignore_ascii_case(&type_name)) {
            refused.push(type_name);
            continue;
        }
        kept.push(WebPart {
            id: part.attr("Name").unwrap_or_default().to_string(),
            zone_id: part.attr("WebPartZoneID").unwrap_or_default().to_string(),
            type_name,
            definition: element_json(part),
        });
    }
    (kept, refused)
}

/// A web part's class without its namespace (`Class`), else its `Type`.
fn type_name(part: &Element) -> String {
    let class = part.attr("Class").filter(|c| !c.trim().is_empty()).or(part.attr("Type")).unwrap_or_default();
    class.trim().rsplit('.').next().unwrap_or_default().to_string()
}

/// The primary stream of a version and its alternate streams, by name.
pub struct Streams {
    pub primary: StoredContent,
    pub alternates: Vec<(String, StoredContent)>,
}

/// How much larger than the zip its streams may be, together: beyond it the zip is taken for
/// a bomb. Media with transcripts barely compress, so honest zips stay far below.
const MAX_EXPANSION: u64 = 100;

/// Unpacks a zip of streams (behaviour 128; the layout is not documented — INFERRED): the
/// entry named like the file is the primary stream, else the first entry; every other entry is
/// an alternate stream under its own name. `Err` says what is wrong with the zip.
pub fn unpack_streams(content: &ContentStore, zip: &StoredContent, file_name: &str) -> Result<Streams, String> {
    let file = content.get(&zip.sha256).map_err(|e| e.to_string())?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| format!("the content is not a zip of streams ({e})"))?;
    if archive.is_empty() {
        return Err("the zip of streams is empty".into());
    }
    let mut names = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|e| format!("a zip entry is unreadable ({e})"))?;
        names.push(entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("#{index}")));
    }
    let primary_index = names.iter().position(|n| n.eq_ignore_ascii_case(file_name)).unwrap_or(0);
    let mut budget = zip.size.saturating_mul(MAX_EXPANSION).max(1 << 20);
    let mut primary = None;
    let mut alternates = Vec::new();
    for (index, name) in names.into_iter().enumerate() {
        let mut entry = archive.by_index(index).map_err(|e| format!("a zip entry is unreadable ({e})"))?;
        if entry.is_dir() {
            continue;
        }
        let mut limited = (&mut entry).take(budget + 1);
        let stored = content.put(&mut limited).map_err(|e| unpack_error(&name, &e))?;
        if stored.size > budget {
            return Err(format!("the streams expand to more than {MAX_EXPANSION} times the zip"));
        }
        budget -= stored.size;
        if index == primary_index {
            primary = Some(stored);
        } else {
            alternates.push((name, stored));
        }
    }
    let primary = primary.ok_or_else(|| "the zip of streams has no primary stream".to_string())?;
    Ok(Streams { primary, alternates })
}

fn unpack_error(name: &str, error: &io::Error) -> String {
    format!("the zip entry '{name}' cannot be read ({error})")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn stored_zip(store: &ContentStore, entries: &[(&str, &[u8])]) -> StoredContent {
        let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for (name, body) in entries {
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            zip.start_file(*name, options).unwrap();
            zip.write_all(body).unwrap();
        }
        store.put(&mut io::Cursor::new(zip.finish().unwrap().into_inner())).unwrap()
    }

    #[test]
    fn b128_the_entry_named_like_the_file_is_primary_wherever_it_stands() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::open(dir.path()).unwrap();
        let zip = stored_zip(&store, &[("transcript.vtt", b"words"), ("Meeting.MP4", b"video")]);
        let streams = unpack_streams(&store, &zip, "meeting.mp4").unwrap();
        assert_eq!(streams.primary.size, 5);
        let names: Vec<&str> = streams.alternates.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["transcript.vtt"]);
    }

    #[test]
    fn a_zip_that_expands_a_hundredfold_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::open(dir.path()).unwrap();
        let zip = stored_zip(&store, &[("bomb.bin", &vec![0u8; 8 << 20])]);
        let refused = unpack_streams(&store, &zip, "bomb.bin").err().unwrap();
        assert!(refused.contains("more than 100 times"), "{refused}");
    }
}
