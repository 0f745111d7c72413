use std::cell::Cell;
use std::io::{self, BufReader, Cursor as IoCursor, Read};
use std::rc::Rc;
use std::time::Instant;

use super::input::Cursor;
use super::parser::XML_NAMESPACE;
use super::*;

fn parse(xml: &str) -> Result<Element, XmlError> {
    read_document(xml.as_bytes(), &Limits::default())
}

fn refusal(xml: &str) -> XmlError {
    match parse(xml) {
        Ok(root) => panic!("accepted {xml:?} as {root:?}"),
        Err(e) => e,
    }
}

fn stream(xml: &str, limits: Limits) -> Vec<Result<Element, XmlError>> {
    ChildStream::new(xml.as_bytes(), limits).expect("root start should parse").collect()
}

/// Counts the bytes the parser pulled from the input.
struct Counting<R> {
    inner: R,
    pulled: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.pulled.set(self.pulled.get() + n as u64);
        Ok(n)
    }
}

/// A manifest of `count` SPObjects, produced on demand so that tests can stream large
/// documents without ever holding them. Each object is a template with its number patched
/// in, so producing input costs little next to parsing it.
struct ManifestGen {
    template: Vec<u8>,
    /// Where the template holds the object number, as eight decimal digits.
    slots: Vec<usize>,
    count: usize,
    emitted: usize,
    chunk: Vec<u8>,
    read: usize,
    finished: bool,
}

impl ManifestGen {
    const HEADER: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n\
        <SPObjects xmlns=\"urn:deployment-manifest-schema\">\r\n";
    const FOOTER: &str = "</SPObjects>\r\n";

    fn new(count: usize) -> Self {
        let template = Self::object(99_999_999).into_bytes();
        let slots = (0..template.len() - 8).filter(|&i| &template[i..i + 8] == b"99999999").collect();
        Self { template, slots, count, emitted: 0, chunk: Self::HEADER.as_bytes().to_vec(), read: 0, finished: false }
    }

    /// The text of object `n`, which the generator reproduces.
    fn object(n: usize) -> String {
        format!(
            "  <SPObject Id=\"{n:08}-0000-4000-8000-000000000000\" ObjectType=\"SPFile\" \
             ParentId=\"b7c8e6a2-0000-4000-8000-000000000001\" \
             ParentWebId=\"b7c8e6a2-0000-4000-8000-000000000002\" ParentWebUrl=\"/sites/a\" \
             Url=\"/sites/a/Shared Documents/f{n:08}.docx\">\r\n    \
             <File Url=\"Shared Documents/f{n:08}.docx\" Id=\"{n:08}-0000-4000-8000-0000000000ff\" \
             ParentWebId=\"b7c8e6a2-0000-4000-8000-000000000002\" Name=\"f{n:08}.docx\" \
             TimeCreated=\"2024-01-02T03:04:05\" TimeLastModified=\"2024-01-02T03:04:05\" \
             Version=\"1.0\" FileValue=\"{n:08}.dat\" Author=\"1\" ModifiedBy=\"1\" \
             FileSize=\"1234\" Level=\"Published\" IsCheckedOut=\"false\" \
             Title=\"R&amp;D &#x2014; report\">\r\n      <Properties>\r\n        \
             <Property Name=\"vti_title\" Type=\"String\" Access=\"ReadWrite\" \
             Value=\"Quarterly&#10;report\" />\r\n      </Properties>\r\n    \
             </File>\r\n  </SPObject>\r\n"
        )
    }

    fn refill(&mut self) {
        self.read = 0;
        self.chunk.clear();
        if self.emitted < self.count {
            self.chunk.extend_from_slice(&self.template);
            for &slot in &self.slots {
                let mut n = self.emitted;
                for digit in self.chunk[slot..slot + 8].iter_mut().rev() {
                    *digit = b'0' + (n % 10) as u8;
                    n /= 10;
                }
            }
            self.emitted += 1;
        } else if !self.finished {
            self.chunk.extend_from_slice(Self::FOOTER.as_bytes());
            self.finished = true;
        }
    }
}

impl Read for ManifestGen {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.read == self.chunk.len() {
            self.refill();
        }
        let n = out.len().min(self.chunk.len() - self.read);
        out[..n].copy_from_slice(&self.chunk[self.read..self.read + n]);
        self.read += n;
        Ok(n)
    }
}

/// The process's peak resident memory, where Linux reports it.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[test]
fn default_limits_are_the_documented_ones() {
    let limits = Limits::default();
    assert_eq!(limits.max_depth, 64);
    assert_eq!(limits.max_attributes, 512);
    assert_eq!(limits.max_name_len, 1024);
    assert_eq!(limits.max_attribute_len, 1024 * 1024);
    assert_eq!(limits.max_child_bytes, 16 * 1024 * 1024);
    assert_eq!(limits.max_elements, 100_000);
}

#[test]
fn reads_a_tree_with_attributes_text_and_positions() {
    let root = parse("<a x=\"1\">\n  <b y='2'>hi</b>\n  <c/>\n</a>").unwrap();
    assert_eq!((root.name.as_str(), root.namespace.as_deref()), ("a", None));
    assert_eq!((root.line, root.column), (1, 2));
    assert_eq!(root.attr("x"), Some("1"));
    assert_eq!(root.text, "\n  \n  \n");
    assert_eq!(root.children.len(), 2);
    let b = &root.children[0];
    assert_eq!((b.name.as_str(), b.text.as_str()), ("b", "hi"));
    assert_eq!((b.line, b.column), (2, 4));
    let y = &b.attributes[0];
    assert_eq!((y.name.as_str(), y.value.as_str()), ("y", "2"));
    assert_eq!((y.line, y.column), (2, 6));
    assert!(root.children[1].children.is_empty());
}

#[test]
fn element_helpers_match_local_names_exactly() {
    let root = parse("<r xmlns:p='urn:p' id='1' p:id='2'><item n='1'/><p:item n='2'/><Item/><other/></r>").unwrap();
    assert_eq!(root.attr("id"), Some("1"));
    assert_eq!(root.attr("ID"), None);
    assert_eq!(root.child("item").and_then(|c| c.attr("n")), Some("1"));
    assert_eq!(root.child("missing"), None);
    let items: Vec<_> = root.children_named("item").filter_map(|c| c.attr("n")).collect();
    assert_eq!(items, ["1", "2"]);
}

#[test]
fn a_utf8_bom_is_skipped_and_not_counted_in_positions() {
    let root = parse("\u{feff}<?xml version=\"1.0\"?><a/>").unwrap();
    assert_eq!(root.name, "a");
    let e = refusal("\u{feff}x");
    assert_eq!(e.message, "Data at the root level is invalid. Line 1, position 1.");
}

#[test]
fn declarations_may_use_either_quote_and_any_case_of_utf_8() {
    for decl in [
        "<?xml version='1.0' encoding='utf-8'?>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
        "<?xml version = '1.0'\n encoding = 'Utf-8' ?>",
        "<?xml version='1.0'?>",
    ] {
        let root = parse(&format!("{decl}\n<a/>")).unwrap_or_else(|e| panic!("{decl}: {e}"));
        assert_eq!(root.name, "a");
    }
}

#[test]
fn namespaces_resolve_and_declarations_are_not_attributes() {
    let root = parse(
        "<SPObjects xmlns=\"urn:deployment-manifest-schema\" xmlns:x='urn:x'>\
           <SPObject Id='1' x:Flag='y' xml:lang='en'>\
             <x:Ext/><plain xmlns=''/><inner xmlns='urn:other'/>\
           </SPObject>\
         </SPObjects>",
    )
    .unwrap();
    assert_eq!(root.namespace.as_deref(), Some("urn:deployment-manifest-schema"));
    assert!(root.attributes.is_empty());
    let object = &root.children[0];
    assert_eq!(object.namespace, root.namespace);
    let attributes: Vec<_> = object.attributes.iter().map(|a| (a.name.as_str(), a.namespace.as_deref())).collect();
    assert_eq!(attributes, [("Id", None), ("Flag", Some("urn:x")), ("lang", Some(XML_NAMESPACE))]);
    assert_eq!(object.attr("Flag"), None, "attr() only sees attributes in no namespace");
    let namespaces: Vec<_> = object.children.iter().map(|c| (c.name.as_str(), c.namespace.as_deref())).collect();
    assert_eq!(namespaces, [("Ext", Some("urn:x")), ("plain", None), ("inner", Some("urn:other"))]);
}

#[test]
fn namespace_scopes_end_with_their_element() {
    let e = refusal("<r><a xmlns:p='urn:p'><p:b/></a><p:c/></r>");
    assert_eq!(e.message, "'p' is an undeclared prefix. Line 1, position 34.");
}

#[test]
fn references_expand_and_attribute_whitespace_is_normalised() {
    let root = parse(
        "<a v='&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;' w=\"x\ty\r\nz&#10;w&#9;v\">\
         t&amp;t&#x41;</a>",
    )
    .unwrap();
    assert_eq!(root.attr("v"), Some("<>&'\"AB\u{1F600}"));
    assert_eq!(root.attr("w"), Some("x y z\nw\tv"));
    assert_eq!(root.text, "t&tA");
}

#[test]
fn text_and_cdata_keep_content_with_line_breaks_normalised() {
    let root = parse("<a>one\r\ntwo\rthree&#13;<![CDATA[<b>&amp;\r\n]]>four</a>").unwrap();
    assert_eq!(root.text, "one\ntwo\nthree\r<b>&amp;\nfour");
    assert!(root.children.is_empty());
}

#[test]
fn comments_and_processing_instructions_are_skipped_anywhere() {
    let root = parse("<!-- lead --><?pi data?>\n<a><!-- c --><?x y?><b/></a>\n<!-- tail -->\n<?pi?>\n").unwrap();
    assert_eq!(root.children.len(), 1);
    assert_eq!(root.text, "");
}

/// Expected texts were produced by .NET's reader (Microsoft reference source, run on Mono)
/// with `DtdProcessing.Prohibit`.
#[test]
fn errors_read_as_dotnet_xml_exceptions() {
    let cases: &[(&str, &str)] = &[
        ("garbage", "Data at the root level is invalid. Line 1, position 1."),
        ("", "Root element is missing."),
        ("  \n ", "Root element is missing."),
        ("<?xml version=\"1.0\"?>\n", "Root element is missing."),
        ("<a/><b/>", "There are multiple root elements. Line 1, position 6."),
        ("<a>\n</a>\n  <b/>", "There are multiple root elements. Line 3, position 4."),
        ("<a/>text", "Data at the root level is invalid. Line 1, position 5."),
        ("<a/>\n \n x", "Data at the root level is invalid. Line 3, position 2."),
        ("<a/>&amp;", "Data at the root level is invalid. Line 1, position 5."),
        ("<a/>\n<![CDATA[x]]>", "Data at the root level is invalid. Line 2, position 1."),
        (
            "<SPObjects>\n <SPObject>\n  <File>\n </SPObject>",
            "The 'File' start tag on line 3 position 4 does not match the end tag of \
             'SPObject'. Line 4, position 4.",
        ),
        (
            "<p:a xmlns:p=\"u\"></q:a>",
            "The 'p:a' start tag on line 1 position 2 does not match the end tag of 'q:a'. \
             Line 1, position 20.",
        ),
        ("</a>", "Unexpected end tag. Line 1, position 3."),
        ("<a></a x>", "'x' is an unexpected token. The expected token is '>'. Line 1, position 8."),
        (
            "<a>\n  <b x=\"1\" y=<c/>",
            "'<' is an unexpected token. The expected token is '\"' or '''. Line 2, position 14.",
        ),
        ("<a x=1/>", "'1' is an unexpected token. The expected token is '\"' or '''. Line 1, position 6."),
        ("<a x/>", "'/' is an unexpected token. The expected token is '='. Line 1, position 5."),
        ("<a x=\"1\"y=\"2\"/>", "'y' is an unexpected token. Expecting white space. Line 1, position 9."),
        ("<a x=\"1\"/ >", "' ' is an unexpected token. The expected token is '>'. Line 1, position 10."),
        ("<a x=\"1\" x=\"2\"/>", "'x' is a duplicate attribute name. Line 1, position 10."),
        ("<a xmlns=\"u\" xmlns=\"v\"/>", "'xmlns' is a duplicate attribute name. Line 1, position 14."),
        (
            "<a xmlns:p=\"u\" xmlns:q=\"u\" p:x=\"1\" q:x=\"2\"/>",
            "'q:x' is a duplicate attribute name. Line 1, position 36.",
        ),
        ("<a x=\"a<b\"/>", "'<', hexadecimal value 0x3C, is an invalid attribute character. Line 1, position 8."),
        ("<1a/>", "Name cannot begin with the '1' character, hexadecimal value 0x31. Line 1, position 2."),
        ("< a/>", "Name cannot begin with the ' ' character, hexadecimal value 0x20. Line 1, position 2."),
        ("<a ='1'/>", "Name cannot begin with the '=' character, hexadecimal value 0x3D. Line 1, position 4."),
        ("<a></ a>", "Name cannot begin with the ' ' character, hexadecimal value 0x20. Line 1, position 6."),
        ("<a-b!c/>", "The '!' character, hexadecimal value 0x21, cannot be included in a name. Line 1, position 5."),
        ("<a:b:c/>", "The ':' character, hexadecimal value 0x3A, cannot be included in a name. Line 1, position 5."),
        ("<a:b xmlns:c=\"x\"/>", "'a' is an undeclared prefix. Line 1, position 2."),
        ("<a b=\"1\" p:x=\"1\"/>", "'p' is an undeclared prefix. Line 1, position 10."),
        ("<a xmlns:p=\"\"/>", "Invalid namespace declaration. Line 1, position 12."),
        (
            "<a xmlns:xml=\"foo\"/>",
            "Prefix \"xml\" is reserved for use by XML and can be mapped only to namespace \
             name \"http://www.w3.org/XML/1998/namespace\". Line 1, position 4.",
        ),
        ("<a>x&foo;</a>", "Reference to undeclared entity 'foo'. Line 1, position 6."),
        ("<a b=\"x&foo;\"/>", "Reference to undeclared entity 'foo'. Line 1, position 9."),
        ("<a>a & b</a>", "An error occurred while parsing EntityName. Line 1, position 7."),
        ("<a>&1;</a>", "An error occurred while parsing EntityName. Line 1, position 5."),
        ("<a>&amp</a>", "'<' is an unexpected token. The expected token is ';'. Line 1, position 8."),
        ("<a b=\"x&y\"/>", "'\"' is an unexpected token. The expected token is ';'. Line 1, position 10."),
        ("<a>&#;</a>", "Invalid syntax for a decimal numeric entity reference. Line 1, position 6."),
        ("<a>&#12a;</a>", "Invalid syntax for a decimal numeric entity reference. Line 1, position 8."),
        ("<a>&#xZZ;</a>", "Invalid syntax for a hexadecimal numeric entity reference. Line 1, position 7."),
        ("<a>&#xFFFFFFFF;</a>", "Invalid value of a character entity reference. Line 1, position 14."),
        ("<abc>&#99999999999;</abc>", "Invalid value of a character entity reference. Line 1, position 17."),
        ("<a>&#0;</a>", "'.', hexadecimal value 0x00, is an invalid character. Line 1, position 6."),
        ("<a>&#xD800;</a>", "'\u{FFFD}', hexadecimal value 0xD800, is an invalid character. Line 1, position 7."),
        ("<abc>&#x110000;</abc>", "'\u{FFFD}', hexadecimal value 0xDC00, is an invalid character. Line 1, position 9."),
        ("<a>\u{1}</a>", "'\u{1}', hexadecimal value 0x01, is an invalid character. Line 1, position 4."),
        ("<a>\u{ffff}</a>", "'\u{ffff}', hexadecimal value 0xFFFF, is an invalid character. Line 1, position 4."),
        ("<a x=\"\u{1}\"/>", "'\u{1}', hexadecimal value 0x01, is an invalid character. Line 1, position 7."),
        ("<a><!--\u{1}--></a>", "'\u{1}', hexadecimal value 0x01, is an invalid character. Line 1, position 8."),
        ("<a>x]]>y</a>", "']]>' is not allowed in character data. Line 1, position 5."),
        (
            "<a><!-- a -- b --></a>",
            "An XML comment cannot contain '--', and '-' cannot be the last character. Line 1, position 11.",
        ),
        (
            "<a><!-- x---></a>",
            "An XML comment cannot contain '--', and '-' cannot be the last character. Line 1, position 10.",
        ),
        ("<a><?XML x?></a>", "'XML' is an invalid name for processing instructions. Line 1, position 6."),
        ("<a><!x></a>", "'x' is an unexpected token. The expected token is '<!--' or '<[CDATA['. Line 1, position 6."),
        ("<abc><!-x--></abc>", "'x--' is an unexpected token. The expected token is '-'. Line 1, position 9."),
        (
            "<abc><![CDAT[x]]></abc>",
            "'CDAT' is an unexpected token. The expected token is 'CDATA['. Line 1, position 9.",
        ),
        (
            "  <?xml version=\"1.0\"?><a/>",
            "Unexpected XML declaration. The XML declaration must be the first node in the \
             document, and no white space characters are allowed to appear before it. Line 1, position 5.",
        ),
        ("<?xml version=\"2.0\"?><a/>", "Version number '2.0' is invalid. Line 1, position 16."),
        ("<?xml encoding=\"utf-8\"?><a/>", "Syntax for an XML declaration is invalid. Line 1, position 7."),
        ("<?xml version=\"1.0\" foo=\"bar\"?><a/>", "Syntax for an XML declaration is invalid. Line 1, position 21."),
        (
            "<?xml version=\"1.0\" standalone=\"maybe\"?><a/>",
            "Syntax for an XML declaration is invalid. Line 1, position 32.",
        ),
        ("<?xml version=\"1.0'?><a/>", "Syntax for an XML declaration is invalid. Line 1, position 16."),
        (
            "<?xml version=\"1.0\"encoding=\"utf-8\"?><a/>",
            "'encoding' is an unexpected token. The expected token is '?>'. Line 1, position 20.",
        ),
        // .NET quotes a whole run of name characters as the unexpected token.
        ("<abc x y='1'/>", "'y' is an unexpected token. The expected token is '='. Line 1, position 8."),
        ("<abc x=y-1.2/>", "'y-1.2' is an unexpected token. The expected token is '\"' or '''. Line 1, position 8."),
        ("<abc></abc xyz>", "'xyz' is an unexpected token. The expected token is '>'. Line 1, position 12."),
        ("<abc/def/>", "'/' is an unexpected token. The expected token is '>'. Line 1, position 5."),
        ("<abc x\0='1'/>", "'\0' is an unexpected token. The expected token is '='. Line 1, position 7."),
        ("<a x='1'=''/>", "Name cannot begin with the '=' character, hexadecimal value 0x3D. Line 1, position 9."),
        (
            "<a><!CDATA[x]]></a>",
            "'CDATA' is an unexpected token. The expected token is '<!--' or '<[CDATA['. Line 1, position 6.",
        ),
        // Entity names take no prefix.
        ("<abc>&a:b;</abc>", "An error occurred while parsing EntityName. Line 1, position 7."),
        ("<abc>&a.b;</abc>", "Reference to undeclared entity 'a.b'. Line 1, position 7."),
        ("<abc>&ab c;</abc>", "' ' is an unexpected token. The expected token is ';'. Line 1, position 9."),
        // Values are read as they come, before duplicates and prefixes are checked; end tag
        // names are matched before what follows them.
        ("<abc x='a<b' y/>", "'<', hexadecimal value 0x3C, is an invalid attribute character. Line 1, position 10."),
        ("<abc x='1' x='<'/>", "'<', hexadecimal value 0x3C, is an invalid attribute character. Line 1, position 15."),
        ("<p:abc x='<'/>", "'<', hexadecimal value 0x3C, is an invalid attribute character. Line 1, position 11."),
        (
            "<abc></abd [>",
            "The 'abc' start tag on line 1 position 2 does not match the end tag of 'abd'. Line 1, position 8.",
        ),
        // A stray quote does not hide what .NET meets before it.
        (
            "<r>\n<a x='1 y='2'/>\n<b/>\n</r>",
            "Name cannot begin with the '2' character, hexadecimal value 0x32. Line 2, position 12.",
        ),
        (
            "<r>\n<a x='1/>\n<b c='2'/>\n</r>\n",
            "'<', hexadecimal value 0x3C, is an invalid attribute character. Line 3, position 1.",
        ),
        (
            "<r>\n<a x=\"1'/>\n<b/></r>",
            "'<', hexadecimal value 0x3C, is an invalid attribute character. Line 3, position 1.",
        ),
        (
            "<r>\n<!-- a - - b -- c\n</r>",
            "An XML comment cannot contain '--', and '-' cannot be the last character. Line 2, position 14.",
        ),
        (
            "<?xml version='1.0'>\n<abc/>",
            "'>' is an unexpected token. The expected token is '?>'. Line 1, position 20.",
        ),
        (
            "<?xml version='1.0' encoding='utf-8'?\n<abc/>?>",
            "'?' is an unexpected token. The expected token is ''>''. Line 1, position 37.",
        ),
        ("<?xml?><a/>", "Syntax for an XML declaration is invalid. Line 1, position 6."),
        ("<?xml=1?><a/>", "Name cannot begin with the '=' character, hexadecimal value 0x3D. Line 1, position 6."),
        ("<?xml version='1.>0'?><a/>", "Syntax for an XML declaration is invalid. Line 1, position 16."),
        ("<?xml versi/n='1.0'?><a/>", "Syntax for an XML declaration is invalid. Line 1, position 7."),
        (
            "<?xml version='1.0' e:coding='utf-8'?><a/>",
            "The ':' character, hexadecimal value 0x3A, cannot be included in a name. Line 1, position 22.",
        ),
        (
            "<?xml version='1.0' encoding'utf-8'?><a/>",
            "''' is an unexpected token. The expected token is '='. Line 1, position 29.",
        ),
        ("\u{feff}\0<a/>", "'.', hexadecimal value 0x00, is an invalid character. Line 1, position 1."),
        ("<a/>\n \u{1}", "'\u{1}', hexadecimal value 0x01, is an invalid character. Line 2, position 2."),
        // Positions count UTF-16 code units and treat CR LF and a lone CR as one break.
        (
            "<a>\u{1F600}\u{1F600}</b>",
            "The 'a' start tag on line 1 position 2 does not match the end tag of 'b'. Line 1, position 10.",
        ),
        ("<a>éé</b>", "The 'a' start tag on line 1 position 2 does not match the end tag of 'b'. Line 1, position 8."),
        (
            "<a>\r\n<b>\r\n</c>",
            "The 'b' start tag on line 2 position 2 does not match the end tag of 'c'. Line 3, position 3.",
        ),
        (
            "<a>\r<b>\r</c>",
            "The 'b' start tag on line 2 position 2 does not match the end tag of 'c'. Line 3, position 3.",
        ),
    ];
    for (xml, expected) in cases {
        assert_eq!(refusal(xml).message, *expected, "for {xml:?}");
    }
}

#[test]
fn syntax_errors_carry_kind_and_position() {
    let e = refusal("<a>\n  <b x=\"1\" y=<c/>");
    assert_eq!((e.kind, e.line, e.column), (XmlErrorKind::Syntax, 2, 14));
    assert_eq!(e.to_string(), e.message);
}

#[test]
fn truncated_input_lists_open_elements_innermost_first() {
    let cases: &[(&str, &str)] = &[
        (
            "<SPObjects>\n  <SPObject>\n    <File/>\n",
            "Unexpected end of file has occurred. The following elements are not closed: \
             SPObject, SPObjects. Line 4, position 1.",
        ),
        (
            "<a><b><c>",
            "Unexpected end of file has occurred. The following elements are not closed: \
             c, b, a. Line 1, position 10.",
        ),
        (
            "<a>\n<b c=\"d\"",
            "Unexpected end of file has occurred. The following elements are not closed: \
             a. Line 2, position 9.",
        ),
        (
            "<a><",
            "Unexpected end of file has occurred. The following elements are not closed: \
             a. Line 1, position 5.",
        ),
        (
            "<a><!",
            "Unexpected end of file has occurred. The following elements are not closed: \
             a. Line 1, position 6.",
        ),
        (
            "<a></a",
            "Unexpected end of file has occurred. The following elements are not closed: \
             a. Line 1, position 7.",
        ),
        // .NET leaves the list empty when the root's own start tag is cut short.
        (
            "<abcdef ghi='x'",
            "Unexpected end of file has occurred. The following elements are not closed:  \
             Line 1, position 16.",
        ),
        ("<a>\n<d e='xxxx", "There is an unclosed literal string. Line 2, position 11."),
        ("<a></", "Unexpected end of file while parsing Name has occurred. Line 1, position 6."),
        ("<abc>\n<!-- x\nyyyy", "Unexpected end of file while parsing Comment has occurred. Line 3, position 5."),
        ("<abc><![CDATA[xxxx", "Unexpected end of file while parsing CDATA has occurred. Line 1, position 19."),
        ("<abc><?pi xxxx", "Unexpected end of file while parsing PI has occurred. Line 1, position 15."),
        ("<?xml version='1.0' encoding='utf-8'", "Unexpected end of file has occurred. Line 1, position 37."),
        ("<abc>x &amp", "An error occurred while parsing EntityName. Line 1, position 9."),
    ];
    for (xml, expected) in cases {
        let e = refusal(xml);
        assert_eq!(e.message, *expected, "for {xml:?}");
        assert_eq!(e.kind, XmlErrorKind::Syntax);
    }
}

#[test]
fn dtds_are_refused_with_dotnets_message() {
    let billion_laughs = "<?xml version=\"1.0\"?>\n\
        <!DOCTYPE lolz [\n\
         <!ENTITY lol \"lol\">\n\
         <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n\
         <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n\
         <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n\
         <!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n\
        ]>\n\
        <lolz>&lol9;</lolz>";
    let prohibited = "For security reasons DTD is prohibited in this XML document. To enable \
        DTD processing set the DtdProcessing property on XmlReaderSettings to Parse and pass \
        the settings into XmlReader.Create method.";
    for (xml, line, column) in [
        ("<!DOCTYPE a><a/>", 1, 3),
        ("<!doctype a><a/>", 1, 3),
        ("<a/><!DOCTYPE a>", 1, 7),
        ("<!DOCTYPE a SYSTEM \"http://example.invalid/a.dtd\"><a/>", 1, 3),
        ("<!DOCTYPE a [ <!ENTITY x \"&#60;\"> ", 1, 3),
        (billion_laughs, 2, 3),
    ] {
        let e = refusal(xml);
        assert_eq!(e.kind, XmlErrorKind::Dtd, "for {xml:?}");
        assert_eq!(e.message, prohibited, "for {xml:?}");
        assert_eq!((e.line, e.column), (line, column), "for {xml:?}");
    }
    let inside = refusal("<a><!DOCTYPE a></a>");
    assert_eq!(inside.kind, XmlErrorKind::Dtd);
    assert_eq!(inside.message, "Unexpected DTD declaration. Line 1, position 6.");
}

#[test]
fn only_utf_8_is_accepted() {
    let e = refusal("<?xml version=\"1.0\" encoding=\"foo\"?><a/>");
    assert_eq!(e.kind, XmlErrorKind::Encoding);
    assert_eq!(e.message, "System does not support 'foo' encoding. Line 1, position 31.");
    let e = refusal("<?xml version='1.0' encoding='iso-8859-1'?><a/>");
    assert_eq!(e.message, "System does not support 'iso-8859-1' encoding. Line 1, position 31.");
    let e = refusal("<?xml version=\"1.0\" encoding=\"utf-16\"?><a/>");
    assert_eq!(e.kind, XmlErrorKind::Encoding);
    assert_eq!(e.message, "There is no Unicode byte order mark. Cannot switch to Unicode.");

    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("<a/>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let e = read_document(&utf16[..], &Limits::default()).unwrap_err();
    assert_eq!(e.kind, XmlErrorKind::Encoding);
    assert_eq!(e.message, "System does not support 'utf-16' encoding. Line 1, position 1.");

    for (bytes, expected) in [
        (&b"<a>\xff\xfe</a>"[..], "Invalid character in the given encoding. Line 1, position 4."),
        (&b"<a>\n  \xc3(</a>"[..], "Invalid character in the given encoding. Line 2, position 3."),
        (&b"<a x='\xe9'/>"[..], "Invalid character in the given encoding. Line 1, position 7."),
    ] {
        let e = read_document(bytes, &Limits::default()).unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (XmlErrorKind::Encoding, expected));
    }
}

#[test]
fn reader_failures_become_io_errors() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "decryption failed"));
            }
            let n = self.0.min(out.len());
            out[..n].fill(b' ');
            self.0 -= n;
            Ok(n)
        }
    }
    let input = "<a>".as_bytes().chain(Failing(10));
    let e = read_document(BufReader::new(input), &Limits::default()).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (XmlErrorKind::Io, "decryption failed"));
    let e = read_document(BufReader::new(Failing(0)), &Limits::default()).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (XmlErrorKind::Io, "decryption failed"));
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let xml = "<a>".repeat(100_000);
    let e = refusal(&xml);
    assert_eq!(e.kind, XmlErrorKind::Limit);
    assert_eq!(e.message, "The element 'a' exceeds the max_depth limit of 64 nested elements. Line 1, position 194.");
    let mut children = ChildStream::new(xml.as_bytes(), Limits::default()).unwrap();
    assert_eq!(children.next().unwrap().unwrap_err().kind, XmlErrorKind::Limit);
    assert!(children.next().is_none());

    let limits = Limits { max_depth: 3, ..Limits::default() };
    assert!(read_document("<a><b><c/></b></a>".as_bytes(), &limits).is_ok());
    assert!(read_document("<a><b><c><d/></c></b></a>".as_bytes(), &limits).is_err());
}

#[test]
fn a_huge_attribute_is_refused_at_the_limit_without_buffering_it() {
    let pulled = Rc::new(Cell::new(0));
    let value_len = 20 << 20;
    let input = Counting {
        inner: "<SPObjects>\n<SPObject Url=\""
            .as_bytes()
            .chain(io::repeat(b'x').take(value_len))
            .chain("\"/></SPObjects>".as_bytes()),
        pulled: Rc::clone(&pulled),
    };
    let e = read_document(BufReader::new(input), &Limits::default()).unwrap_err();
    assert_eq!(e.kind, XmlErrorKind::Limit);
    assert_eq!(
        e.message,
        "The value of attribute 'Url' exceeds the max_attribute_len limit of 1048576 bytes. \
         Line 2, position 16."
    );
    assert!(pulled.get() < 2 << 20, "pulled {} bytes", pulled.get());
}

#[test]
fn attribute_count_and_name_length_are_bounded() {
    let limits = Limits { max_attributes: 3, max_name_len: 8, max_attribute_len: 5, ..Limits::default() };
    let read = |xml: &str| read_document(xml.as_bytes(), &limits);
    assert!(read("<a b='1' c='2' xmlns='u'/>").is_ok());
    let e = read("<a b='1' c='2' d='3' e='4'/>").unwrap_err();
    assert_eq!(e.kind, XmlErrorKind::Limit);
    assert_eq!(e.message, "The element 'a' exceeds the max_attributes limit of 3 attributes. Line 1, position 22.");
    assert!(read("<abcdefgh a2345678='1'/>").is_ok());
    let e = read("<abcdefghi/>").unwrap_err();
    assert_eq!(e.message, "A name exceeds the max_name_len limit of 8 bytes. Line 1, position 2.");
    let e = read("<a b='1' c23456789='2'/>").unwrap_err();
    assert_eq!(e.message, "A name exceeds the max_name_len limit of 8 bytes. Line 1, position 10.");
    // Source bytes count, not decoded ones.
    assert!(read("<a b='12345' c='&amp;'/>").is_ok());
    assert!(read("<a b='&#65;&#65;'/>").is_err());
    let e = read("<a b='1' c='123456'/>").unwrap_err();
    assert_eq!(
        e.message,
        "The value of attribute 'c' exceeds the max_attribute_len limit of 5 bytes. Line 1, position 13."
    );
}

#[test]
fn hostile_attribute_counts_stay_cheap() {
    let attributes: String = (0..5000).map(|i| format!(" a{i}='{i}'")).collect();
    let e = refusal(&format!("<a{attributes}/>"));
    assert_eq!(e.kind, XmlErrorKind::Limit);
    let limits = Limits { max_attributes: 10_000, ..Limits::default() };
    let duplicated = format!("<a{attributes} a7='x'/>");
    let e = read_document(duplicated.as_bytes(), &limits).unwrap_err();
    assert!(e.message.starts_with("'a7' is a duplicate attribute name."), "{}", e.message);
}

#[test]
fn the_document_is_bounded_by_max_child_bytes() {
    let limits = Limits { max_child_bytes: 64, ..Limits::default() };
    let fits = format!("<a>{}</a>", "x".repeat(57));
    assert!(read_document(fits.as_bytes(), &limits).is_ok());
    let pulled = Rc::new(Cell::new(0));
    let input = Counting { inner: "<a>".as_bytes().chain(io::repeat(b'x').take(1 << 30)), pulled: Rc::clone(&pulled) };
    let e = read_document(BufReader::new(input), &limits).unwrap_err();
    assert_eq!(e.kind, XmlErrorKind::Limit);
    assert_eq!(e.message, "The document exceeds the max_child_bytes limit of 64 bytes. Line 1, position 65.");
    assert!(pulled.get() < 1 << 20, "pulled {} bytes", pulled.get());
}

#[test]
fn children_stream_one_at_a_time_after_the_root() {
    let xml = "\u{feff}<?xml version='1.0' encoding='utf-8'?>\r\n<!-- generated -->\r\n\
        <SPObjects xmlns=\"urn:deployment-manifest-schema\" Version='2'>\r\n\
          <SPObject Id='1'><File Url='a.txt'/></SPObject>\r\n\
          stray text is ignored\r\n\
          <!-- between -->\r\n\
          <SPObject Id='2'/>\r\n\
        </SPObjects>\r\n<!-- after -->\r\n";
    let mut children = ChildStream::new(xml.as_bytes(), Limits::default()).unwrap();
    let root = children.root();
    assert_eq!(root.name, "SPObjects");
    assert_eq!(root.namespace.as_deref(), Some("urn:deployment-manifest-schema"));
    assert_eq!(root.attr("Version"), Some("2"));
    assert!(root.children.is_empty() && root.text.is_empty());

    let first = children.next().unwrap().unwrap();
    assert_eq!((first.attr("Id"), first.line, first.column), (Some("1"), 4, 2));
    assert_eq!(first.child("File").and_then(|f| f.attr("Url")), Some("a.txt"));
    assert_eq!(first.namespace.as_deref(), Some("urn:deployment-manifest-schema"));
    let second = children.next().unwrap().unwrap();
    assert_eq!(second.attr("Id"), Some("2"));
    assert!(children.next().is_none());
    assert!(children.next().is_none());
}

#[test]
fn an_empty_root_streams_no_children() {
    let mut children = ChildStream::new("<SPObjects Count='0'/>\n".as_bytes(), Limits::default()).unwrap();
    assert_eq!(children.root().attr("Count"), Some("0"));
    assert!(children.next().is_none());
}

#[test]
fn a_malformed_tail_is_reported_after_the_valid_children() {
    let items = stream("<r>\n<c n='1'/>\n<c n='2'>x</c>\n<c n='3'>\n</r>", Limits::default());
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap().attr("n"), Some("1"));
    assert_eq!(items[1].as_ref().unwrap().text, "x");
    assert_eq!(
        items[2].as_ref().unwrap_err().message,
        "The 'c' start tag on line 4 position 2 does not match the end tag of 'r'. Line 5, position 3."
    );

    let items = stream("<r><c/><c/></r><r/>", Limits::default());
    assert_eq!(items.len(), 3);
    assert_eq!(items[2].as_ref().unwrap_err().message, "There are multiple root elements. Line 1, position 17.");

    let items = stream("<SPObjects>\n  <SPObject/>\n  <SPObject>\n", Limits::default());
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[1].as_ref().unwrap_err().message,
        "Unexpected end of file has occurred. The following elements are not closed: \
         SPObject, SPObjects. Line 4, position 1."
    );
}

#[test]
fn the_stream_refuses_what_read_document_refuses() {
    for xml in ["", "<!DOCTYPE r><r/>", "x<r/>", "<r"] {
        let via_stream = ChildStream::new(xml.as_bytes(), Limits::default()).err();
        assert_eq!(via_stream, parse(xml).err(), "for {xml:?}");
    }
}

#[test]
fn each_child_is_bounded_by_max_child_bytes() {
    let limits = Limits { max_child_bytes: 40, ..Limits::default() };
    let fits = format!("<c>{}</c>", "y".repeat(33));
    let big = format!("<c>{}</c>", "y".repeat(100));
    let items = stream(&format!("<r a='1'>{fits}\n{fits}\n{big}\n{fits}</r>"), limits);
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    let e = items[2].as_ref().unwrap_err();
    assert_eq!(e.kind, XmlErrorKind::Limit);
    assert_eq!(
        e.message,
        "The element 'c' that starts on line 3, position 2 exceeds the max_child_bytes limit \
         of 40 bytes. Line 3, position 41."
    );

    let items = stream(&format!("<r>{}<c/></r>", " ".repeat(100)), limits);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(
        e.message,
        "The node that starts on line 1, position 4 exceeds the max_child_bytes limit of 40 \
         bytes. Line 1, position 44."
    );
}

#[test]
fn streaming_holds_one_child_at_a_time() {
    const COUNT: usize = 10_000;
    let pulled = Rc::new(Cell::new(0));
    let input = Counting { inner: ManifestGen::new(COUNT), pulled: Rc::clone(&pulled) };
    let mut children = ChildStream::new(BufReader::new(input), Limits::default()).unwrap();
    let object_len = ManifestGen::object(0).len();
    let mut count = 0;
    for child in children.by_ref() {
        let child = child.unwrap();
        count += 1;
        if count == 1 {
            let file = child.child("File").unwrap();
            assert_eq!(file.attr("Title"), Some("R&D \u{2014} report"));
            assert_eq!(
                file.child("Properties").and_then(|p| p.child("Property")).and_then(|p| p.attr("Value")),
                Some("Quarterly\nreport")
            );
        }
        // Reading stays just ahead of the child handed out.
        let generated = ManifestGen::HEADER.len() + count * object_len;
        assert!(pulled.get() < (generated + 16 * 1024) as u64, "child {count}: pulled {} of {generated}", pulled.get());
    }
    assert_eq!(count, COUNT);
    assert!(children.parser.buf.capacity() < 64 * 1024);
    assert!(children.parser.text.capacity() < 64 * 1024);
}

#[test]
fn the_generator_reproduces_its_objects() {
    let mut text = String::new();
    ManifestGen::new(3).read_to_string(&mut text).unwrap();
    let objects: String = (0..3).map(ManifestGen::object).collect();
    assert_eq!(text, format!("{}{objects}{}", ManifestGen::HEADER, ManifestGen::FOOTER));
}

/// `cargo test --release -- --ignored --nocapture` shows throughput and peak memory.
#[test]
#[ignore = "streams ~200 MB; meant for release builds"]
fn streams_a_200_mb_manifest_quickly_in_constant_memory() {
    let object_len = ManifestGen::object(0).len();
    let count = 200_000_000 / object_len;
    let started = Instant::now();
    let input = BufReader::new(ManifestGen::new(count));
    let mut seen = 0;
    for child in ChildStream::new(input, Limits::default()).unwrap() {
        seen += child.unwrap().children.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = (count * object_len) as f64 / 1e6;
    let peak = peak_rss_bytes();
    println!(
        "{count} SPObjects, {megabytes:.0} MB in {seconds:.2} s: {:.0} MB/s, peak RSS {:?} MiB",
        megabytes / seconds,
        peak.map(|b| b >> 20)
    );
    assert_eq!(seen, count);
    assert!(peak.is_none_or(|b| b < 256 << 20));
    if !cfg!(debug_assertions) {
        assert!(megabytes / seconds > 50.0);
    }
}

#[test]
fn reads_of_one_byte_at_a_time_give_the_same_result() {
    let xml = "\u{feff}<?xml version='1.0'?><r xmlns='u'><a b='&#65;\r\n'>t&amp;<![CDATA[c]]></a><!-- c --></r>";
    let tiny = BufReader::with_capacity(1, IoCursor::new(xml.as_bytes()));
    assert_eq!(read_document(tiny, &Limits::default()).unwrap(), parse(xml).unwrap());
    let tiny = BufReader::with_capacity(1, IoCursor::new("<a>\n<b x='1'".as_bytes()));
    assert_eq!(
        read_document(tiny, &Limits::default()).unwrap_err().message,
        "Unexpected end of file has occurred. The following elements are not closed: a. Line 2, position 9."
    );
}

#[test]
fn minimal_markup_is_handled() {
    let root = parse("<a><!----><?p?><![CDATA[]]></a>").unwrap();
    assert_eq!(root.text, "");
    for xml in ["<a><!--></a>", "<a><!---></a>", "<>", "<a></>", "<a><??></a>", "<a/></"] {
        assert_eq!(refusal(xml).kind, XmlErrorKind::Syntax, "for {xml:?}");
    }
}

/// Mutated documents never panic, and streaming refuses exactly what reading whole does.
#[test]
fn mutated_documents_are_refused_consistently() {
    let original = "\u{feff}<?xml version='1.0' encoding='utf-8'?>\r\n\
        <SPObjects xmlns=\"urn:deployment-manifest-schema\" xmlns:p='urn:p'>\r\n\
          <SPObject Id=\"a&amp;b\" p:Url='x&#x41;y'><!-- c --><File Name='f'>t&lt;<![CDATA[d]]>\
          </File></SPObject>\r\n<?pi x?>\r\n\
          <SPObject Id='2'/>\r\n\
        </SPObjects>\r\n";
    let alphabet = b"<>&;#x\"'/=!?[]-: \r\naZ\xc3\xa9\x00\xff";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut random = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let mut refused = 0;
    for _ in 0..3000 {
        let mut bytes = original.as_bytes().to_vec();
        for _ in 0..1 + random(3) {
            let at = random(bytes.len());
            match random(3) {
                0 => bytes[at] = alphabet[random(alphabet.len())],
                1 => bytes.insert(at, alphabet[random(alphabet.len())]),
                _ => bytes.truncate(at.max(1)),
            }
        }
        let whole = read_document(&bytes[..], &Limits::default());
        let streamed: Result<Vec<Element>, XmlError> =
            ChildStream::new(&bytes[..], Limits::default()).and_then(|children| children.collect());
        match (&whole, &streamed) {
            (Ok(root), Ok(children)) => assert_eq!(&root.children, children),
            (Err(a), Err(b)) => assert_eq!(a, b, "for {:?}", String::from_utf8_lossy(&bytes)),
            _ => panic!("disagree on {:?}", String::from_utf8_lossy(&bytes)),
        }
        refused += usize::from(whole.is_err());
    }
    assert!(refused > 1000, "only {refused} mutations refused");
}

#[test]
fn cursor_counts_like_dotnet() {
    let at = Cursor::START.advanced("a\r\nb\rc\nd😀é".as_bytes());
    assert_eq!((at.line, at.column), (4, 5));
    // A CR at the end of one chunk and an LF at the start of the next are one break.
    let at = Cursor::START.advanced(b"a\r").advanced(b"\nb");
    assert_eq!((at.line, at.column), (2, 2));
}

#[test]
fn results_can_cross_threads() {
    fn send<T: Send>() {}
    fn shared<T: Send + Sync>() {}
    send::<ChildStream<BufReader<std::fs::File>>>();
    shared::<Element>();
    shared::<XmlError>();
    shared::<Limits>();
}

#[test]
fn a_subtree_of_too_many_elements_is_refused() {
    let many = "<e/>".repeat(50);
    let xml = format!("<SPObjects><SPObject>{many}</SPObject><SPObject/></SPObjects>");
    let limits = Limits { max_elements: 20, ..Limits::default() };
    let items = stream(&xml, limits);
    let error = items[0].as_ref().unwrap_err();
    assert_eq!(error.kind, XmlErrorKind::Limit);
    assert!(error.message.contains("max_elements limit of 20"), "{}", error.message);
    assert!(stream(&xml, Limits::default()).iter().all(Result::is_ok));
}
