//! A small, hardened XML front end for import-package files (Manifest.xml, SystemData.xml, …).
//!
//! The real service reads packages with .NET's `XmlReader` (`DtdProcessing.Prohibit`), so this
//! module accepts what that reader accepts and reports malformed input with the text of the
//! matching `System.Xml.XmlException`, including its " Line L, position P." suffix. Lines and
//! positions are 1-based, a CR LF pair is one line break, and positions count UTF-16 code units
//! (a character outside the BMP counts two), all as .NET counts them.
//!
//! quick-xml only tokenises. Everything else .NET enforces — names, attribute syntax,
//! references, namespaces, the root-level rules — is checked here, so that messages and
//! positions can follow .NET's. Input is untrusted: DTDs are refused outright, the only
//! references expanded are the five predefined entities and numeric character references, and
//! [`Limits`] bound nesting, attributes and the source bytes of any subtree held in memory. The
//! parser never recurses, so nesting depth cannot become native stack depth.
//!
//! Two ways in: [`read_document`] builds the whole tree (for the small package files), and
//! [`ChildStream`] hands out the root's children one at a time (for Manifest.xml).

use std::collections::HashSet;
use std::fmt;
use std::io::{self, BufRead, Read};
use std::ops::Range;

use quick_xml::Reader;
use quick_xml::encoding::EncodingError;
use quick_xml::errors::{Error as QuickError, IllFormedError, SyntaxError};
use quick_xml::events::Event;

/// An element with its attributes, text and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name, prefix stripped.
    pub name: String,
    /// Resolved namespace URI; `None` when the element is in no namespace.
    pub namespace: Option<String>,
    /// Attributes in document order. Namespace declarations (`xmlns`, `xmlns:p`) are not
    /// attributes here: they only serve to resolve names.
    pub attributes: Vec<Attribute>,
    pub children: Vec<Element>,
    /// All character data directly inside this element (text, references, CDATA), concatenated
    /// untrimmed, so indentation between children is included. References are expanded and line
    /// breaks normalised to `\n`, as .NET reports text.
    pub text: String,
    /// Where the element's name starts (one past its `<`), which is what .NET's
    /// `IXmlLineInfo` reports for an element.
    pub line: u64,
    pub column: u64,
}

/// One attribute of an [`Element`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribute {
    /// Local name, prefix stripped.
    pub name: String,
    /// Resolved namespace URI; unprefixed attributes are in no namespace.
    pub namespace: Option<String>,
    /// The value with references expanded and whitespace normalised as XML requires
    /// (a literal tab, CR or LF becomes a space; `&#10;` and friends stay as written).
    pub value: String,
    /// Where the attribute's name starts.
    pub line: u64,
    pub column: u64,
}

impl Element {
    /// The value of the attribute in no namespace with exactly this local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|a| a.namespace.is_none() && a.name == name).map(|a| a.value.as_str())
    }

    /// The first child with this local name, in any namespace.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The children with this local name, in any namespace, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Bounds that keep hostile input from exhausting memory or time.
///
/// Memory held at once is bounded by `max_child_bytes` of source plus the tree built from it
/// (typically a few times the source size, at worst ~100× for a subtree of nothing but tiny
/// empty elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting, the root being depth 1. Also bounds the recursion of the
    /// derived `Drop`, `Clone` and `PartialEq` of the [`Element`] trees handed out.
    pub max_depth: usize,
    /// Most attributes on one element, namespace declarations included.
    pub max_attributes: usize,
    /// Longest element or attribute name, in bytes, prefix included.
    pub max_name_len: usize,
    /// Longest attribute value, in bytes of source between the quotes. Enforced while the tag
    /// is still being read, so an oversized value is never buffered whole.
    pub max_attribute_len: usize,
    /// Most source bytes of one subtree held in memory: one child for [`ChildStream`] (and any
    /// single node outside the children), the whole document for [`read_document`].
    pub max_child_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_attributes: 512,
            max_name_len: 1024,
            max_attribute_len: 1 << 20,
            max_child_bytes: 16 << 20,
        }
    }
}

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum XmlErrorKind {
    /// Not well-formed XML (or not namespace-well-formed).
    Syntax,
    /// A document type declaration, refused as .NET refuses it under `DtdProcessing.Prohibit`.
    Dtd,
    /// Bytes that are not UTF-8, or a declared encoding other than UTF-8.
    Encoding,
    /// A [`Limits`] bound was exceeded.
    Limit,
    /// The underlying reader failed.
    Io,
}

/// A refused document: `message` mimics .NET's `XmlException.Message`, and `line`/`column`
/// locate the offending place even where .NET's message carries no position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct XmlError {
    pub kind: XmlErrorKind,
    pub message: String,
    pub line: u64,
    pub column: u64,
}

impl XmlError {
    /// An error whose message ends with .NET's position suffix.
    fn located(kind: XmlErrorKind, text: impl fmt::Display, at: Cursor) -> Self {
        Self {
            kind,
            message: format!("{text} Line {}, position {}.", at.line, at.column),
            line: at.line,
            column: at.column,
        }
    }

    /// An error whose message has no position, as .NET throws some of them.
    fn unlocated(kind: XmlErrorKind, text: impl Into<String>, at: Cursor) -> Self {
        Self { kind, message: text.into(), line: at.line, column: at.column }
    }
}

/// Reads a whole document into a tree. Meant for the small package files: the document counts
/// as one subtree, so it may span at most [`Limits::max_child_bytes`] of source.
pub fn read_document<R: BufRead>(reader: R, limits: &Limits) -> Result<Element, XmlError> {
    let mut parser = Parser::new(reader, *limits, Scope::Document)?;
    parser.set_budget(limits.max_child_bytes);
    let root = loop {
        match parser.next()? {
            Node::Start { element, self_closing: true } => break element,
            Node::Start { element, .. } => break read_subtree(&mut parser, element)?,
            Node::Text | Node::End => {}
            Node::Eof => return Err(parser.end_of_input_error()),
        }
    };
    // Whatever follows the root must still be well-formed; the parser refuses anything else.
    while !matches!(parser.next()?, Node::Eof) {}
    Ok(root)
}

/// Streams a large document: the root element's start first (see [`ChildStream::root`]), then
/// each direct child of the root as a complete [`Element`], holding one child at a time.
///
/// The rest of the document is still checked to its end: a malformed part surfaces as an `Err`
/// item where it occurs, after the children before it, and the iterator ends after it. Text
/// directly inside the root is ignored, as it means nothing in a package.
pub struct ChildStream<R: BufRead> {
    parser: Parser<R>,
    root: Element,
    finished: bool,
}

impl<R: BufRead> ChildStream<R> {
    /// Reads up to and including the root's start tag.
    pub fn new(reader: R, limits: Limits) -> Result<Self, XmlError> {
        let mut parser = Parser::new(reader, limits, Scope::RootLevel)?;
        let root = loop {
            parser.set_budget(limits.max_child_bytes);
            match parser.next()? {
                Node::Start { element, .. } => break element,
                Node::Text | Node::End => {}
                Node::Eof => return Err(parser.end_of_input_error()),
            }
        };
        Ok(Self { parser, root, finished: false })
    }

    /// The root element: name, namespace and attributes, never children or text.
    pub fn root(&self) -> &Element {
        &self.root
    }

    fn advance(&mut self) -> Option<Result<Element, XmlError>> {
        loop {
            // Each child, and each node between children, gets a budget of its own.
            self.parser.set_budget(self.parser.limits.max_child_bytes);
            match self.parser.next() {
                Err(error) => return Some(Err(error)),
                Ok(Node::Start { element, self_closing: true }) => return Some(Ok(element)),
                Ok(Node::Start { element, .. }) => {
                    return Some(read_subtree(&mut self.parser, element));
                }
                Ok(Node::Text | Node::End) => {}
                Ok(Node::Eof) => return None,
            }
        }
    }
}

impl<R: BufRead> Iterator for ChildStream<R> {
    type Item = Result<Element, XmlError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let item = self.advance();
        self.finished = !matches!(item, Some(Ok(_)));
        item
    }
}

impl<R: BufRead> std::iter::FusedIterator for ChildStream<R> {}

/// Builds the subtree under `top`, whose start tag was just read, iteratively.
fn read_subtree<R: BufRead>(parser: &mut Parser<R>, top: Element) -> Result<Element, XmlError> {
    let mut current = top;
    let mut ancestors: Vec<Element> = Vec::new();
    loop {
        match parser.next()? {
            Node::Start { element, self_closing: true } => current.children.push(element),
            Node::Start { element, .. } => ancestors.push(std::mem::replace(&mut current, element)),
            Node::Text => current.text.push_str(parser.text()),
            Node::End => match ancestors.pop() {
                Some(parent) => {
                    let finished = std::mem::replace(&mut current, parent);
                    current.children.push(finished);
                }
                None => return Ok(current),
            },
            Node::Eof => return Err(parser.end_of_input_error()),
        }
    }
}

/// .NET's `XmlException` texts, in one place so that the mapping can be reviewed at a glance.
/// Those that name a character or a name are built where they are raised, in
/// [`Parser::fault`], [`Parser::read_error`] and [`Parser::end_tag`].
mod dotnet {
    pub const ROOT_MISSING: &str = "Root element is missing.";
    pub const ROOT_LEVEL_DATA: &str = "Data at the root level is invalid.";
    pub const MULTIPLE_ROOTS: &str = "There are multiple root elements.";
    pub const UNEXPECTED_END_TAG: &str = "Unexpected end tag.";
    pub const UNEXPECTED_EOF: &str = "Unexpected end of file has occurred.";
    pub const UNCLOSED: &str = "Unexpected end of file has occurred. The following elements are not closed:";
    pub const UNCLOSED_LITERAL: &str = "There is an unclosed literal string.";
    // .NET throws this one without a position.
    pub const DTD_PROHIBITED: &str = "For security reasons DTD is prohibited in this XML document. \
        To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse \
        and pass the settings into XmlReader.Create method.";
    pub const UNEXPECTED_DTD: &str = "Unexpected DTD declaration.";
    pub const DECL_NOT_FIRST: &str = "Unexpected XML declaration. The XML declaration must be \
        the first node in the document, and no white space characters are allowed to appear \
        before it.";
    pub const DECL_SYNTAX: &str = "Syntax for an XML declaration is invalid.";
    // .NET throws this one without a position.
    pub const NO_UNICODE_BOM: &str = "There is no Unicode byte order mark. Cannot switch to Unicode.";
    pub const BAD_BYTES: &str = "Invalid character in the given encoding.";
    pub const ENTITY_NAME: &str = "An error occurred while parsing EntityName.";
    pub const DECIMAL_REF: &str = "Invalid syntax for a decimal numeric entity reference.";
    pub const HEX_REF: &str = "Invalid syntax for a hexadecimal numeric entity reference.";
    pub const REF_VALUE: &str = "Invalid value of a character entity reference.";
    pub const ATTRIBUTE_LT: &str = "'<', hexadecimal value 0x3C, is an invalid attribute character.";
    pub const CDATA_END: &str = "']]>' is not allowed in character data.";
    pub const COMMENT_DASHES: &str = "An XML comment cannot contain '--', and '-' cannot be the last character.";
    pub const INVALID_NS_DECL: &str = "Invalid namespace declaration.";
    pub const XML_PREFIX: &str = "Prefix \"xml\" is reserved for use by XML and can be mapped \
        only to namespace name \"http://www.w3.org/XML/1998/namespace\".";
    pub const XMLNS_PREFIX: &str = "Prefix \"xmlns\" is reserved for use by XML.";

    pub fn eof_while(what: &str) -> String {
        format!("Unexpected end of file while parsing {what} has occurred.")
    }
}

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Most bytes handed to quick-xml per read, so that no single read buffers unboundedly even
/// when the inner reader exposes a huge buffer (a `&[u8]` exposes all of itself).
const MAX_CHUNK: usize = 64 << 10;

/// Scratch buffers grown past this by an outsized node are released rather than kept.
const SCRATCH_KEEP: usize = 1 << 20;

/// A place in the document, counted as .NET counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    line: u64,
    column: u64,
    /// The last byte was a CR, so an LF now continues the same line break.
    after_cr: bool,
}

impl Cursor {
    const START: Self = Self { line: 1, column: 1, after_cr: false };

    fn advance(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' => {
                    if !self.after_cr {
                        self.line += 1;
                    }
                    self.column = 1;
                    self.after_cr = false;
                    continue;
                }
                b'\r' => {
                    self.line += 1;
                    self.column = 1;
                    self.after_cr = true;
                    continue;
                }
                // UTF-8 continuation bytes add nothing; a four-byte sequence is a surrogate
                // pair in UTF-16, hence two.
                0x80..=0xBF => {}
                0xF0..=0xFF => self.column += 2,
                _ => self.column += 1,
            }
            self.after_cr = false;
        }
    }

    fn advanced(mut self, bytes: &[u8]) -> Self {
        self.advance(bytes);
        self
    }
}

/// Positions inside one token, computed incrementally for increasing offsets.
struct Locator<'t> {
    token: &'t [u8],
    start: Cursor,
    offset: usize,
    cursor: Cursor,
}

impl<'t> Locator<'t> {
    fn new(token: &'t [u8], start: Cursor) -> Self {
        Self { token, start, offset: 0, cursor: start }
    }

    fn at(&mut self, offset: usize) -> Cursor {
        let offset = offset.min(self.token.len());
        if offset < self.offset {
            self.offset = 0;
            self.cursor = self.start;
        }
        self.cursor.advance(&self.token[self.offset..offset]);
        self.offset = offset;
        self.cursor
    }
}

/// What the input reader detected before any XML was read.
enum Preamble {
    Utf8,
    Utf16,
}

/// The input as quick-xml sees it: BOM removed, reads bounded, and the limits that must stop
/// reading *before* a token is buffered whole enforced byte by byte.
struct Source<R> {
    inner: R,
    /// Bytes read while looking for a byte order mark, served before `inner`'s.
    head: [u8; 3],
    head_start: usize,
    head_end: usize,
    meter: Meter,
}

impl<R: BufRead> Source<R> {
    fn new(mut inner: R, max_attribute_len: usize) -> io::Result<(Self, Preamble)> {
        let mut head = [0u8; 3];
        let mut len = 0;
        while len < head.len() {
            let available = match inner.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            let take = available.len().min(head.len() - len);
            head[len..len + take].copy_from_slice(&available[..take]);
            inner.consume(take);
            len += take;
        }
        let (head_start, preamble) = match head[..len] {
            [0xEF, 0xBB, 0xBF] => (3, Preamble::Utf8),
            [0xFE, 0xFF, ..] | [0xFF, 0xFE, ..] => (0, Preamble::Utf16),
            _ => (0, Preamble::Utf8),
        };
        let source = Self { inner, head, head_start, head_end: len, meter: Meter::new(max_attribute_len) };
        Ok((source, preamble))
    }
}

impl<R: BufRead> Read for Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Source<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.meter.trip.is_some() {
            // The real error waits in the meter; quick-xml only needs to stop.
            return Err(io::Error::other("XML limit exceeded"));
        }
        if self.head_start < self.head_end {
            return Ok(&self.head[self.head_start..self.head_end]);
        }
        // One byte past the budget is enough to notice it is exceeded.
        let cap = MAX_CHUNK.min(self.meter.budget.saturating_add(1));
        let available = self.inner.fill_buf()?;
        Ok(&available[..available.len().min(cap)])
    }

    fn consume(&mut self, amount: usize) {
        if self.head_start < self.head_end {
            let end = (self.head_start + amount).min(self.head_end);
            self.meter.observe(&self.head[self.head_start..end]);
            self.head_start = end;
            return;
        }
        // The bytes being consumed are still in `inner`'s buffer: `fill_buf` on a non-empty
        // buffer returns it without reading.
        match self.inner.fill_buf() {
            Ok(available) => self.meter.observe(&available[..amount.min(available.len())]),
            Err(_) => self.meter.observe_unseen(amount),
        }
        self.inner.consume(amount);
    }
}

/// Byte accounting for the current token and the current subtree.
struct Meter {
    /// Bytes of the current token consumed so far.
    consumed: usize,
    /// Bytes the current subtree may still consume.
    budget: usize,
    max_attribute_len: usize,
    scan: TagScan,
    trip: Option<Trip>,
}

/// Just enough lexing to find attribute values while a start tag streams by.
#[derive(Clone, Copy)]
enum TagScan {
    TokenStart,
    AfterLt,
    InTag,
    InValue {
        quote: u8,
        start: usize,
    },
    /// Text, end tags, comments and the like: nothing to watch.
    Elsewhere,
}

/// A limit crossed while reading, reported once quick-xml has stopped.
#[derive(Debug, Clone, Copy)]
enum Trip {
    /// The subtree budget ran out at this offset into the current token.
    Subtree { at: usize },
    /// The attribute value starting at this offset into the current token is too long.
    AttributeValue { start: usize },
}

impl Meter {
    fn new(max_attribute_len: usize) -> Self {
        Self { consumed: 0, budget: usize::MAX, max_attribute_len, scan: TagScan::TokenStart, trip: None }
    }

    /// A new token begins with the next byte.
    fn mark(&mut self) {
        self.consumed = 0;
        self.scan = TagScan::TokenStart;
    }

    fn charge(&mut self, amount: usize) {
        if amount > self.budget && self.trip.is_none() {
            self.trip = Some(Trip::Subtree { at: self.consumed + self.budget });
        }
        self.budget = self.budget.saturating_sub(amount);
    }

    fn observe_unseen(&mut self, amount: usize) {
        self.charge(amount);
        self.consumed += amount;
        self.scan = TagScan::Elsewhere;
    }

    fn observe(&mut self, bytes: &[u8]) {
        self.charge(bytes.len());
        let base = self.consumed;
        self.consumed += bytes.len();
        let mut i = 0;
        while i < bytes.len() {
            match self.scan {
                TagScan::TokenStart => {
                    self.scan = if bytes[i] == b'<' { TagScan::AfterLt } else { TagScan::Elsewhere };
                    i += 1;
                }
                TagScan::AfterLt => {
                    self.scan = match bytes[i] {
                        b'!' | b'?' | b'/' => TagScan::Elsewhere,
                        _ => TagScan::InTag,
                    };
                }
                TagScan::InTag => match bytes[i..].iter().position(|&b| matches!(b, b'"' | b'\'')) {
                    Some(p) => {
                        let start = base + i + p + 1;
                        self.scan = TagScan::InValue { quote: bytes[i + p], start };
                        i += p + 1;
                    }
                    None => i = bytes.len(),
                },
                TagScan::InValue { quote, start } => {
                    let (end, closed) = match bytes[i..].iter().position(|&b| b == quote) {
                        Some(p) => (i + p, true),
                        None => (bytes.len(), false),
                    };
                    if base + end - start > self.max_attribute_len && self.trip.is_none() {
                        self.trip = Some(Trip::AttributeValue { start });
                    }
                    if closed {
                        self.scan = TagScan::InTag;
                    }
                    i = end + usize::from(closed);
                }
                TagScan::Elsewhere => i = bytes.len(),
            }
        }
    }
}

/// How to describe a `max_child_bytes` overrun.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Document,
    RootLevel,
}

/// What the parser hands to the tree builders. Text is read through [`Parser::text`].
enum Node {
    Start { element: Element, self_closing: bool },
    End,
    Text,
    Eof,
}

/// The kind of token quick-xml returned; its bytes are in the parser's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Start,
    Empty,
    End,
    Text,
    CData,
    Comment,
    Decl,
    Pi,
    DocType,
    Ref,
    Eof,
}

impl Token {
    fn of(event: &Event<'_>) -> Self {
        match event {
            Event::Start(_) => Self::Start,
            Event::Empty(_) => Self::Empty,
            Event::End(_) => Self::End,
            Event::Text(_) => Self::Text,
            Event::CData(_) => Self::CData,
            Event::Comment(_) => Self::Comment,
            Event::Decl(_) => Self::Decl,
            Event::PI(_) => Self::Pi,
            Event::DocType(_) => Self::DocType,
            Event::GeneralRef(_) => Self::Ref,
            Event::Eof => Self::Eof,
        }
    }
}

/// The outcome of one token.
enum Step {
    Start(Element, bool),
    End,
    Text,
    Skip,
    Eof,
}

/// An element whose end tag is still to come.
struct OpenElement {
    qname: String,
    at: Cursor,
    /// How many namespace bindings were in scope before this element.
    scope: usize,
}

struct Binding {
    /// Empty for the default namespace.
    prefix: String,
    /// Empty when the default namespace is undeclared (`xmlns=""`).
    uri: String,
}

/// One `name="value"` in a tag, as byte ranges of the token.
#[derive(Debug, Clone)]
struct RawAttr {
    name: Range<usize>,
    value: Range<usize>,
    at: Cursor,
}

/// Something malformed at a byte offset of the current token.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fault {
    what: Malformed,
    at: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Malformed {
    NameStart(char),
    NameChar(char),
    ExpectedWhitespace(char),
    ExpectedEq(char),
    ExpectedQuote(char),
    ExpectedGt(char),
    ExpectedSemicolon(char),
    UnclosedLiteral,
    TooManyAttributes,
    InvalidChar(u32),
    AttributeLt,
    CDataEnd,
    CommentDashes,
    EntityName,
    UndeclaredEntity(String),
    DecimalRef,
    HexRef,
    RefValue,
}

fn fault(what: Malformed, at: usize) -> Fault {
    Fault { what, at }
}

/// The well-formedness checker between quick-xml and the tree builders.
struct Parser<R> {
    reader: Reader<Source<R>>,
    /// The bytes of the current token, exactly as consumed from the input.
    buf: Vec<u8>,
    /// Character data of the last [`Node::Text`].
    text: String,
    raw_attrs: Vec<RawAttr>,
    limits: Limits,
    scope: Scope,
    /// Where the current token starts.
    at: Cursor,
    open: Vec<OpenElement>,
    bindings: Vec<Binding>,
    seen_root: bool,
    /// Some token was read already, so an XML declaration is no longer allowed.
    started: bool,
}

impl<R: BufRead> Parser<R> {
    fn new(reader: R, limits: Limits, scope: Scope) -> Result<Self, XmlError> {
        let (source, preamble) = Source::new(reader, limits.max_attribute_len)
            .map_err(|e| XmlError::unlocated(XmlErrorKind::Io, e.to_string(), Cursor::START))?;
        if let Preamble::Utf16 = preamble {
            return Err(XmlError::located(
                XmlErrorKind::Encoding,
                "System does not support 'utf-16' encoding.",
                Cursor::START,
            ));
        }
        let mut reader = Reader::from_reader(source);
        let config = reader.config_mut();
        // Lone `&`, end-tag matching and comment content are checked here, with .NET's messages.
        config.allow_dangling_amp = true;
        config.allow_unmatched_ends = true;
        config.check_end_names = false;
        config.check_comments = false;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Ok(Self {
            reader,
            buf: Vec::new(),
            text: String::new(),
            raw_attrs: Vec::new(),
            limits,
            scope,
            at: Cursor::START,
            open: Vec::new(),
            bindings: Vec::new(),
            seen_root: false,
            started: false,
        })
    }

    fn set_budget(&mut self, bytes: usize) {
        self.reader.get_mut().meter.budget = bytes;
    }

    fn text(&self) -> &str {
        &self.text
    }

    fn next(&mut self) -> Result<Node, XmlError> {
        loop {
            self.release_outsized_scratch();
            self.buf.clear();
            self.reader.get_mut().meter.mark();
            let token = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => Token::of(&event),
                Err(error) => return Err(self.read_error(error)),
            };
            if let Some(trip) = self.reader.get_mut().meter.trip.take() {
                return Err(self.limit_error(trip));
            }
            let buf = std::mem::take(&mut self.buf);
            let step = self.step(token, &buf);
            self.at.advance(&buf);
            self.started = true;
            self.buf = buf;
            return Ok(match step? {
                Step::Skip => continue,
                Step::Start(element, self_closing) => Node::Start { element, self_closing },
                Step::End => Node::End,
                Step::Text => Node::Text,
                Step::Eof => Node::Eof,
            });
        }
    }

    fn release_outsized_scratch(&mut self) {
        if self.buf.capacity() > SCRATCH_KEEP {
            self.buf = Vec::new();
        }
        if self.text.capacity() > SCRATCH_KEEP {
            self.text = String::new();
        }
    }

    fn step(&mut self, token: Token, buf: &[u8]) -> Result<Step, XmlError> {
        // quick-xml validated the whole token as UTF-8 before returning it.
        let Ok(text) = std::str::from_utf8(buf) else {
            return Err(XmlError::located(XmlErrorKind::Encoding, dotnet::BAD_BYTES, self.at));
        };
        match token {
            Token::Start => Ok(Step::Start(self.start_tag(text, false)?, false)),
            Token::Empty => Ok(Step::Start(self.start_tag(text, true)?, true)),
            Token::End => self.end_tag(text).map(|()| Step::End),
            Token::Text => self.character_data(text),
            Token::Ref => self.reference(text),
            Token::CData => self.cdata(text),
            Token::Comment => self.comment(text).map(|()| Step::Skip),
            Token::Pi => self.processing_instruction(text).map(|()| Step::Skip),
            Token::Decl => self.declaration(text).map(|()| Step::Skip),
            Token::DocType => Err(self.dtd_error(buf)),
            Token::Eof => {
                if self.open.is_empty() && self.seen_root {
                    Ok(Step::Eof)
                } else {
                    Err(self.end_of_input_error())
                }
            }
        }
    }

    fn locate(&self, token: &[u8], offset: usize) -> Cursor {
        self.at.advanced(&token[..offset.min(token.len())])
    }

    fn start_tag(&mut self, token: &str, self_closing: bool) -> Result<Element, XmlError> {
        let (content_end, after) = if self_closing { (token.len() - 2, '/') } else { (token.len() - 1, '>') };
        let mut locator = Locator::new(token.as_bytes(), self.at);
        let name_at = locator.at(1);
        if self.open.is_empty() && self.seen_root {
            return Err(XmlError::located(XmlErrorKind::Syntax, dotnet::MULTIPLE_ROOTS, name_at));
        }
        let mut attrs = std::mem::take(&mut self.raw_attrs);
        attrs.clear();
        let max_attributes = self.limits.max_attributes;
        let result = match parse_tag(token, 1, content_end, after, max_attributes, &mut attrs) {
            Ok(name_end) => {
                let qname = &token[1..name_end];
                self.element(token, qname, name_at, &mut attrs, &mut locator, self_closing)
            }
            Err(Fault { what: Malformed::TooManyAttributes, at }) => {
                let name = &token[1..scan_qname(token, 1, content_end, after).unwrap_or(1)];
                Err(XmlError::located(
                    XmlErrorKind::Limit,
                    format!(
                        "The element '{name}' exceeds the max_attributes limit of \
                         {max_attributes} attributes."
                    ),
                    locator.at(at),
                ))
            }
            Err(fault) => Err(self.fault(token, fault)),
        };
        self.raw_attrs = attrs;
        result
    }

    fn element(
        &mut self,
        token: &str,
        qname: &str,
        name_at: Cursor,
        attrs: &mut [RawAttr],
        locator: &mut Locator<'_>,
        self_closing: bool,
    ) -> Result<Element, XmlError> {
        self.check_name_len(qname, name_at)?;
        if self.open.len() >= self.limits.max_depth {
            return Err(XmlError::located(
                XmlErrorKind::Limit,
                format!(
                    "The element '{qname}' exceeds the max_depth limit of {} nested elements.",
                    self.limits.max_depth
                ),
                name_at,
            ));
        }
        let scope = self.bindings.len();
        let element = self.resolve_element(token, qname, name_at, attrs, locator);
        if element.is_err() || self_closing {
            self.bindings.truncate(scope);
        }
        let element = element?;
        if !self_closing {
            self.open.push(OpenElement { qname: qname.to_owned(), at: name_at, scope });
        }
        self.seen_root = true;
        Ok(element)
    }

    /// Declares the element's namespaces, then resolves its name and attributes.
    fn resolve_element(
        &mut self,
        token: &str,
        qname: &str,
        name_at: Cursor,
        attrs: &mut [RawAttr],
        locator: &mut Locator<'_>,
    ) -> Result<Element, XmlError> {
        for raw in attrs.iter_mut() {
            raw.at = locator.at(raw.name.start);
        }
        for raw in attrs.iter() {
            let name = &token[raw.name.clone()];
            self.check_name_len(name, raw.at)?;
            if let Some(prefix) = declared_prefix(name) {
                self.declare(token, raw, prefix)?;
            }
        }
        if let Some(i) = first_repeat(attrs.iter().map(|a| &token[a.name.clone()])) {
            return Err(duplicate_attribute(&token[attrs[i].name.clone()], attrs[i].at));
        }

        let (prefix, local) = split_qname(qname);
        let namespace = self.namespace_of(prefix, true, name_at)?;
        let mut attributes = Vec::with_capacity(attrs.len());
        let mut any_prefixed = false;
        for raw in attrs.iter().filter(|a| declared_prefix(&token[a.name.clone()]).is_none()) {
            let (prefix, name) = split_qname(&token[raw.name.clone()]);
            any_prefixed |= prefix.is_some();
            let mut value = String::with_capacity(raw.value.len());
            decode_attribute(token, raw.value.clone(), &mut value).map_err(|f| self.fault(token, f))?;
            attributes.push(Attribute {
                name: name.to_owned(),
                namespace: self.namespace_of(prefix, false, raw.at)?,
                value,
                line: raw.at.line,
                column: raw.at.column,
            });
        }
        // Distinct qualified names can still name the same attribute through two prefixes.
        if any_prefixed
            && let Some(i) = first_repeat(attributes.iter().map(|a| (a.name.as_str(), a.namespace.as_deref())))
        {
            let raw =
                attrs.iter().filter(|a| declared_prefix(&token[a.name.clone()]).is_none()).nth(i).unwrap_or(&attrs[0]);
            return Err(duplicate_attribute(&token[raw.name.clone()], raw.at));
        }
        Ok(Element {
            name: local.to_owned(),
            namespace,
            attributes,
            children: Vec::new(),
            text: String::new(),
            line: name_at.line,
            column: name_at.column,
        })
    }

    fn check_name_len(&self, name: &str, at: Cursor) -> Result<(), XmlError> {
        if name.len() <= self.limits.max_name_len {
            return Ok(());
        }
        Err(XmlError::located(
            XmlErrorKind::Limit,
            format!("A name exceeds the max_name_len limit of {} bytes.", self.limits.max_name_len),
            at,
        ))
    }

    /// Binds `prefix` (`None` for the default namespace) to the attribute's value.
    fn declare(&mut self, token: &str, raw: &RawAttr, prefix: Option<&str>) -> Result<(), XmlError> {
        let mut uri = String::new();
        decode_attribute(token, raw.value.clone(), &mut uri).map_err(|f| self.fault(token, f))?;
        let refused = match prefix {
            Some("xml") if uri != XML_NAMESPACE => Some((dotnet::XML_PREFIX, raw.at)),
            Some("xmlns") => Some((dotnet::XMLNS_PREFIX, raw.at)),
            Some(_) if uri.is_empty() => {
                Some((dotnet::INVALID_NS_DECL, self.locate(token.as_bytes(), raw.value.start - 1)))
            }
            _ => None,
        };
        if let Some((message, at)) = refused {
            return Err(XmlError::located(XmlErrorKind::Syntax, message, at));
        }
        self.bindings.push(Binding { prefix: prefix.unwrap_or_default().to_owned(), uri });
        Ok(())
    }

    /// The namespace of a name with this prefix; only elements take the default namespace.
    fn namespace_of(&self, prefix: Option<&str>, is_element: bool, at: Cursor) -> Result<Option<String>, XmlError> {
        let uri = match prefix {
            None if !is_element => return Ok(None),
            None => self.lookup(""),
            Some(prefix) => match self.lookup(prefix) {
                Some(uri) => Some(uri),
                None => {
                    return Err(XmlError::located(
                        XmlErrorKind::Syntax,
                        format!("'{prefix}' is an undeclared prefix."),
                        at,
                    ));
                }
            },
        };
        Ok(uri.filter(|u| !u.is_empty()).map(str::to_owned))
    }

    fn lookup(&self, prefix: &str) -> Option<&str> {
        match prefix {
            "xml" => Some(XML_NAMESPACE),
            "xmlns" => Some(XMLNS_NAMESPACE),
            _ => self.bindings.iter().rev().find(|b| b.prefix == prefix).map(|b| b.uri.as_str()),
        }
    }

    fn end_tag(&mut self, token: &str) -> Result<(), XmlError> {
        let end = token.len() - 1;
        let name_end = scan_qname(token, 2, end, '>').map_err(|f| self.fault(token, f))?;
        let rest = skip_whitespace(token, name_end, end);
        if rest < end {
            let found = char_at(token, rest);
            return Err(self.fault(token, fault(Malformed::ExpectedGt(found), rest)));
        }
        let name = &token[2..name_end];
        let at = self.locate(token.as_bytes(), 2);
        let Some(open) = self.open.last() else {
            return Err(XmlError::located(XmlErrorKind::Syntax, dotnet::UNEXPECTED_END_TAG, at));
        };
        if open.qname != name {
            let message = format!(
                "The '{}' start tag on line {} position {} does not match the end tag of '{name}'.",
                open.qname, open.at.line, open.at.column
            );
            return Err(XmlError::located(XmlErrorKind::Syntax, message, at));
        }
        let scope = open.scope;
        self.open.pop();
        self.bindings.truncate(scope);
        Ok(())
    }

    fn character_data(&mut self, token: &str) -> Result<Step, XmlError> {
        if self.open.is_empty() {
            return match token.bytes().position(|b| !is_whitespace(b)) {
                None => Ok(Step::Skip),
                Some(i) => Err(self.root_level_data(token, i)),
            };
        }
        // A `&` still in text never started a complete reference; what follows the text decides
        // how .NET words the error, and that is the next unread byte.
        let next = if token.contains('&') { self.peek_ascii() } else { None };
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        let decoded = decode_text(token, next, &mut text);
        self.text = text;
        decoded.map_err(|f| self.fault(token, f))?;
        Ok(Step::Text)
    }

    fn reference(&mut self, token: &str) -> Result<Step, XmlError> {
        if self.open.is_empty() {
            return Err(self.root_level_data(token, 0));
        }
        let (c, _) = parse_reference(token, 0, None).map_err(|f| self.fault(token, f))?;
        self.text.clear();
        self.text.push(c);
        Ok(Step::Text)
    }

    fn cdata(&mut self, token: &str) -> Result<Step, XmlError> {
        if self.open.is_empty() {
            return Err(self.root_level_data(token, 0));
        }
        let content = 9..token.len() - 3;
        check_chars(token, content.clone()).map_err(|f| self.fault(token, f))?;
        self.text.clear();
        push_normalized_newlines(&token[content], &mut self.text);
        Ok(Step::Text)
    }

    fn comment(&self, token: &str) -> Result<(), XmlError> {
        let content = 4..token.len() - 3;
        let bytes = token.as_bytes();
        let dashes =
            (content.start..content.end).find(|&i| bytes[i] == b'-' && (i + 1 == content.end || bytes[i + 1] == b'-'));
        check_chars(token, content.start..dashes.unwrap_or(content.end)).map_err(|f| self.fault(token, f))?;
        match dashes {
            Some(at) => Err(self.fault(token, fault(Malformed::CommentDashes, at))),
            None => Ok(()),
        }
    }

    fn processing_instruction(&self, token: &str) -> Result<(), XmlError> {
        let end = token.len() - 2;
        let target_end = scan_qname(token, 2, end, '?').map_err(|f| self.fault(token, f))?;
        let target = &token[2..target_end];
        if target.eq_ignore_ascii_case("xml") {
            return Err(XmlError::located(
                XmlErrorKind::Syntax,
                format!("'{target}' is an invalid name for processing instructions."),
                self.locate(token.as_bytes(), 2),
            ));
        }
        if target_end < end && !is_whitespace(token.as_bytes()[target_end]) {
            let found = char_at(token, target_end);
            return Err(self.fault(token, fault(Malformed::NameChar(found), target_end)));
        }
        check_chars(token, target_end..end).map_err(|f| self.fault(token, f))
    }

    fn declaration(&self, token: &str) -> Result<(), XmlError> {
        let bytes = token.as_bytes();
        if self.started {
            return Err(XmlError::located(XmlErrorKind::Syntax, dotnet::DECL_NOT_FIRST, self.locate(bytes, 2)));
        }
        let syntax = |at: usize| XmlError::located(XmlErrorKind::Syntax, dotnet::DECL_SYNTAX, self.locate(bytes, at));
        let end = token.len() - 2;
        let mut attrs = Vec::new();
        if let Err(f) = parse_tag(token, 2, end, '?', 3, &mut attrs) {
            return Err(match f.what {
                Malformed::ExpectedWhitespace(_) => {
                    let word_end = (f.at..end).find(|&i| !bytes[i].is_ascii_alphanumeric()).unwrap_or(end);
                    XmlError::located(
                        XmlErrorKind::Syntax,
                        format!("'{}' is an unexpected token. The expected token is '?>'.", &token[f.at..word_end]),
                        self.locate(bytes, f.at),
                    )
                }
                _ => syntax(f.at),
            });
        }
        if attrs.is_empty() {
            return Err(syntax(end));
        }
        // Pseudo-attributes must come in this order, version first and the others optional.
        let mut next_allowed = 0;
        for raw in &attrs {
            let name = &token[raw.name.clone()];
            let value = &token[raw.value.clone()];
            let rank = match name {
                "version" => 0,
                "encoding" => 1,
                "standalone" => 2,
                _ => usize::MAX,
            };
            if rank < next_allowed || rank == usize::MAX || (next_allowed == 0 && rank != 0) {
                return Err(syntax(raw.name.start));
            }
            next_allowed = rank + 1;
            let value_at = self.locate(bytes, raw.value.start);
            match name {
                "version" if value != "1.0" => {
                    return Err(XmlError::located(
                        XmlErrorKind::Syntax,
                        format!("Version number '{value}' is invalid."),
                        value_at,
                    ));
                }
                "encoding" if value.eq_ignore_ascii_case("utf-16") => {
                    return Err(XmlError::unlocated(XmlErrorKind::Encoding, dotnet::NO_UNICODE_BOM, value_at));
                }
                "encoding" if !value.eq_ignore_ascii_case("utf-8") => {
                    return Err(XmlError::located(
                        XmlErrorKind::Encoding,
                        format!("System does not support '{value}' encoding."),
                        value_at,
                    ));
                }
                "standalone" if value != "yes" && value != "no" => {
                    return Err(syntax(raw.value.start - 1));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn dtd_error(&self, token: &[u8]) -> XmlError {
        let at = self.locate(token, 2);
        if self.open.is_empty() {
            XmlError::unlocated(XmlErrorKind::Dtd, dotnet::DTD_PROHIBITED, at)
        } else {
            XmlError::located(XmlErrorKind::Dtd, dotnet::UNEXPECTED_DTD, at)
        }
    }

    fn root_level_data(&self, token: &str, offset: usize) -> XmlError {
        XmlError::located(XmlErrorKind::Syntax, dotnet::ROOT_LEVEL_DATA, self.locate(token.as_bytes(), offset))
    }

    /// The error for input that ended here: no root yet, or elements left open.
    fn end_of_input_error(&self) -> XmlError {
        self.end_of_input_error_at(self.at)
    }

    fn end_of_input_error_at(&self, at: Cursor) -> XmlError {
        if !self.seen_root && self.open.is_empty() {
            return XmlError::unlocated(XmlErrorKind::Syntax, dotnet::ROOT_MISSING, at);
        }
        // .NET lists the innermost element first.
        let names: Vec<&str> = self.open.iter().rev().map(|o| o.qname.as_str()).collect();
        let list = if names.is_empty() { String::new() } else { format!(" {}.", names.join(", ")) };
        XmlError::located(XmlErrorKind::Syntax, format!("{}{list}", dotnet::UNCLOSED), at)
    }

    /// The next unread byte, if it is ASCII.
    fn peek_ascii(&mut self) -> Option<char> {
        let available = self.reader.get_mut().fill_buf().ok()?;
        available.first().filter(|b| b.is_ascii()).map(|&b| char::from(b))
    }

    /// Positioned syntax errors, worded as .NET words them.
    fn fault(&self, token: &str, fault: Fault) -> XmlError {
        let shown = |c: char| if c == '\0' { '.' } else { c };
        let kind = match fault.what {
            Malformed::TooManyAttributes => XmlErrorKind::Limit,
            _ => XmlErrorKind::Syntax,
        };
        let text = match fault.what {
            Malformed::NameStart(c) => format!(
                "Name cannot begin with the '{}' character, hexadecimal value 0x{:02X}.",
                shown(c),
                u32::from(c)
            ),
            Malformed::NameChar(c) => format!(
                "The '{}' character, hexadecimal value 0x{:02X}, cannot be included in a name.",
                shown(c),
                u32::from(c)
            ),
            Malformed::ExpectedWhitespace(c) => {
                format!("'{}' is an unexpected token. Expecting white space.", shown(c))
            }
            Malformed::ExpectedEq(c) => unexpected_token(shown(c), "'='"),
            Malformed::ExpectedQuote(c) => unexpected_token(shown(c), "'\"' or '''"),
            Malformed::ExpectedGt(c) => unexpected_token(shown(c), "'>'"),
            Malformed::ExpectedSemicolon(c) => unexpected_token(shown(c), "';'"),
            Malformed::InvalidChar(code) => {
                let c = char::from_u32(code).map_or(char::REPLACEMENT_CHARACTER, shown);
                format!("'{c}', hexadecimal value 0x{code:02X}, is an invalid character.")
            }
            Malformed::UndeclaredEntity(name) => {
                format!("Reference to undeclared entity '{name}'.")
            }
            Malformed::UnclosedLiteral => dotnet::UNCLOSED_LITERAL.to_owned(),
            Malformed::AttributeLt => dotnet::ATTRIBUTE_LT.to_owned(),
            Malformed::CDataEnd => dotnet::CDATA_END.to_owned(),
            Malformed::CommentDashes => dotnet::COMMENT_DASHES.to_owned(),
            Malformed::EntityName => dotnet::ENTITY_NAME.to_owned(),
            Malformed::DecimalRef => dotnet::DECIMAL_REF.to_owned(),
            Malformed::HexRef => dotnet::HEX_REF.to_owned(),
            Malformed::RefValue => dotnet::REF_VALUE.to_owned(),
            // Raised only by `parse_tag`, whose callers word it themselves.
            Malformed::TooManyAttributes => {
                format!("An element exceeds the max_attributes limit of {} attributes.", self.limits.max_attributes)
            }
        };
        XmlError::located(kind, text, self.locate(token.as_bytes(), fault.at))
    }

    /// Maps what quick-xml refuses onto .NET's errors. `self.buf` holds the bytes of the
    /// unfinished token, so positions inside it can be found.
    fn read_error(&mut self, error: QuickError) -> XmlError {
        if let Some(trip) = self.reader.get_mut().meter.trip.take() {
            return self.limit_error(trip);
        }
        let buf = std::mem::take(&mut self.buf);
        let end = self.at.advanced(&buf);
        let located = |text: &str, at: Cursor| XmlError::located(XmlErrorKind::Syntax, text, at);
        let error = match error {
            QuickError::Io(e) => XmlError::unlocated(XmlErrorKind::Io, e.to_string(), end),
            QuickError::Syntax(SyntaxError::InvalidBangMarkup) => match self.peek_ascii() {
                Some(c) => located(&unexpected_token(c, "'<!--' or '<[CDATA['"), end),
                None => self.end_of_input_error_at(end),
            },
            QuickError::Syntax(SyntaxError::UnclosedPI) => located(&dotnet::eof_while("PI"), end),
            QuickError::Syntax(SyntaxError::UnclosedXmlDecl) => located(dotnet::UNEXPECTED_EOF, end),
            QuickError::Syntax(SyntaxError::UnclosedComment) => {
                located(&dotnet::eof_while("Comment"), self.locate(&buf, 4))
            }
            QuickError::Syntax(SyntaxError::UnclosedCData) => {
                located(&dotnet::eof_while("CDATA"), self.locate(&buf, 9))
            }
            QuickError::Syntax(SyntaxError::UnclosedDoctype)
            | QuickError::IllFormed(IllFormedError::MissingDoctypeName) => self.dtd_error(&buf),
            QuickError::Syntax(SyntaxError::UnclosedTag) if buf == b"</" => located(&dotnet::eof_while("Name"), end),
            // quick-xml consumed the `<` of a bare `<` at the end without buffering it.
            QuickError::Syntax(SyntaxError::UnclosedTag) if buf.is_empty() => {
                self.end_of_input_error_at(end.advanced(b"<"))
            }
            QuickError::Syntax(SyntaxError::UnclosedTag) => self.end_of_input_error_at(end),
            QuickError::Syntax(
                SyntaxError::UnclosedSingleQuotedAttributeValue | SyntaxError::UnclosedDoubleQuotedAttributeValue,
            ) => located(dotnet::UNCLOSED_LITERAL, end),
            QuickError::Encoding(EncodingError::Utf8(e)) => {
                XmlError::located(XmlErrorKind::Encoding, dotnet::BAD_BYTES, self.locate(&buf, e.valid_up_to()))
            }
            QuickError::Encoding(_) => XmlError::located(XmlErrorKind::Encoding, dotnet::BAD_BYTES, end),
            // The configuration above keeps quick-xml from raising anything else.
            other => located(&format!("{other}."), end),
        };
        self.buf = buf;
        error
    }

    fn limit_error(&self, trip: Trip) -> XmlError {
        let buf = &self.buf;
        match trip {
            Trip::AttributeValue { start } => {
                let limit = self.limits.max_attribute_len;
                let text = match attribute_name_before(buf, start.saturating_sub(1)) {
                    Some(name) => format!(
                        "The value of attribute '{name}' exceeds the max_attribute_len limit \
                         of {limit} bytes."
                    ),
                    None => format!("An attribute value exceeds the max_attribute_len limit of {limit} bytes."),
                };
                XmlError::located(XmlErrorKind::Limit, text, self.locate(buf, start))
            }
            Trip::Subtree { at } => {
                let limit = self.limits.max_child_bytes;
                let what = match (self.scope, self.open.get(1)) {
                    (Scope::Document, _) => "The document".to_owned(),
                    (Scope::RootLevel, Some(child)) => format!(
                        "The element '{}' that starts on line {}, position {}",
                        child.qname, child.at.line, child.at.column
                    ),
                    (Scope::RootLevel, None) => {
                        format!("The node that starts on line {}, position {}", self.at.line, self.at.column)
                    }
                };
                XmlError::located(
                    XmlErrorKind::Limit,
                    format!("{what} exceeds the max_child_bytes limit of {limit} bytes."),
                    self.locate(buf, at),
                )
            }
        }
    }
}

fn unexpected_token(found: char, expected: &str) -> String {
    format!("'{found}' is an unexpected token. The expected token is {expected}.")
}

fn duplicate_attribute(qname: &str, at: Cursor) -> XmlError {
    XmlError::located(XmlErrorKind::Syntax, format!("'{qname}' is a duplicate attribute name."), at)
}

/// For a namespace declaration, the prefix it binds (`None` for the default namespace).
fn declared_prefix(name: &str) -> Option<Option<&str>> {
    match name.strip_prefix("xmlns") {
        Some("") => Some(None),
        Some(rest) => rest.strip_prefix(':').map(Some),
        None => None,
    }
}

fn split_qname(qname: &str) -> (Option<&str>, &str) {
    match qname.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, qname),
    }
}

/// The index of the first key equal to an earlier one.
fn first_repeat<K: Eq + std::hash::Hash>(keys: impl ExactSizeIterator<Item = K>) -> Option<usize> {
    // Elements rarely have many attributes; hashing pays off only for the hostile ones.
    if keys.len() <= 16 {
        let keys: Vec<K> = keys.collect();
        (1..keys.len()).find(|&i| keys[..i].contains(&keys[i]))
    } else {
        let mut seen = HashSet::with_capacity(keys.len());
        keys.into_iter().position(|key| !seen.insert(key))
    }
}

/// The name of the attribute whose value opens with the quote at `quote` in `tag`.
fn attribute_name_before(tag: &[u8], quote: usize) -> Option<&str> {
    let before = tag.get(..quote)?;
    let eq = before.iter().rposition(|&b| !is_whitespace(b))?;
    if before[eq] != b'=' {
        return None;
    }
    let name_end = before[..eq].iter().rposition(|&b| !is_whitespace(b))? + 1;
    let name_start = before[..name_end].iter().rposition(|&b| is_whitespace(b) || b == b'<').map_or(0, |p| p + 1);
    std::str::from_utf8(&before[name_start..name_end]).ok().filter(|n| !n.is_empty())
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_whitespace(s: &str, mut i: usize, end: usize) -> usize {
    let bytes = s.as_bytes();
    while i < end && is_whitespace(bytes[i]) {
        i += 1;
    }
    i
}

/// The character at byte offset `i`, which must be a character boundary.
fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER)
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// XML 1.0 (fifth edition) `NameStartChar`, minus the colon, which namespaces give a meaning.
fn is_name_start(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic() || c == '_';
    }
    matches!(c,
        '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}'
        | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}'
        | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 (fifth edition) `NameChar`, minus the colon.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || c.is_ascii_digit()
        || matches!(c, '-' | '.' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Scans a qualified name (`local` or `prefix:local`) starting at `start`, returning where it
/// ends. `after` is the character that follows `s[..end]` in the document.
fn scan_qname(s: &str, start: usize, end: usize, after: char) -> Result<usize, Fault> {
    let mut chars = s[start..end].char_indices().map(|(i, c)| (start + i, c));
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        Some((at, c)) => return Err(fault(Malformed::NameStart(c), at)),
        None => return Err(fault(Malformed::NameStart(after), start)),
    }
    let mut seen_colon = false;
    let mut local_starts = false;
    for (at, c) in chars {
        if local_starts {
            if !is_name_start(c) {
                return Err(fault(Malformed::NameStart(c), at));
            }
            local_starts = false;
        } else if c == ':' {
            if seen_colon {
                return Err(fault(Malformed::NameChar(c), at));
            }
            seen_colon = true;
            local_starts = true;
        } else if !is_name_char(c) {
            return Ok(at);
        }
    }
    if local_starts {
        return Err(fault(Malformed::NameStart(after), end));
    }
    Ok(end)
}

/// Parses a tag's name and attributes from `s[start..end]` into `attrs`, returning where the
/// name ends. Attribute values are only located here, not decoded. `after` is the character
/// that follows `s[..end]` in the document.
fn parse_tag(
    s: &str,
    start: usize,
    end: usize,
    after: char,
    max_attributes: usize,
    attrs: &mut Vec<RawAttr>,
) -> Result<usize, Fault> {
    let bytes = s.as_bytes();
    let found = |i: usize| if i < end { char_at(s, i) } else { after };
    let name_end = scan_qname(s, start, end, after)?;
    if name_end < end && !is_whitespace(bytes[name_end]) && bytes[name_end] != b'/' {
        return Err(fault(Malformed::NameChar(found(name_end)), name_end));
    }
    let mut i = name_end;
    loop {
        let spaced = i;
        i = skip_whitespace(s, i, end);
        if i == end {
            return Ok(name_end);
        }
        if bytes[i] == b'/' {
            return Err(fault(Malformed::ExpectedGt(found(i + 1)), i + 1));
        }
        if i == spaced {
            return Err(fault(Malformed::ExpectedWhitespace(found(i)), i));
        }
        if attrs.len() == max_attributes {
            return Err(fault(Malformed::TooManyAttributes, i));
        }
        let name = i..scan_qname(s, i, end, after)?;
        i = skip_whitespace(s, name.end, end);
        if i == end || bytes[i] != b'=' {
            return Err(fault(Malformed::ExpectedEq(found(i)), i));
        }
        i = skip_whitespace(s, i + 1, end);
        if i == end || !matches!(bytes[i], b'"' | b'\'') {
            return Err(fault(Malformed::ExpectedQuote(found(i)), i));
        }
        let quote = bytes[i];
        let value_start = i + 1;
        let Some(length) = bytes[value_start..end].iter().position(|&b| b == quote) else {
            return Err(fault(Malformed::UnclosedLiteral, i));
        };
        let value = value_start..value_start + length;
        i = value.end + 1;
        attrs.push(RawAttr { name, value, at: Cursor::START });
    }
}

/// Parses the reference whose `&` is at `amp` in `s`. `next` is the character following `s`
/// in the document, for references that `s` cuts short. Returns the character and where the
/// reference ends.
fn parse_reference(s: &str, amp: usize, next: Option<char>) -> Result<(char, usize), Fault> {
    let bytes = s.as_bytes();
    let start = amp + 1;
    if bytes.get(start) == Some(&b'#') {
        let hex = bytes.get(start + 1) == Some(&b'x');
        let (radix, digits) = if hex { (16, start + 2) } else { (10, start + 1) };
        let mut value: u32 = 0;
        let mut i = digits;
        while let Some(d) = bytes.get(i).and_then(|&b| char::from(b).to_digit(radix)) {
            // Saturating keeps the value out of range, which is all overflow needs to mean.
            value = value.saturating_mul(radix).saturating_add(d);
            i += 1;
        }
        if i == digits || bytes.get(i) != Some(&b';') {
            let syntax = if hex { Malformed::HexRef } else { Malformed::DecimalRef };
            return Err(fault(syntax, i));
        }
        if value > 0x10FFFF {
            return Err(fault(Malformed::RefValue, i - 1));
        }
        return match char::from_u32(value).filter(|&c| is_xml_char(c)) {
            Some(c) => Ok((c, i + 1)),
            None => Err(fault(Malformed::InvalidChar(value), digits)),
        };
    }
    let name_end = s[start..]
        .char_indices()
        .find(|&(k, c)| !(if k == 0 { is_name_start(c) } else { is_name_char(c) || c == ':' }))
        .map_or(s.len(), |(k, _)| start + k);
    if name_end == start {
        return Err(fault(Malformed::EntityName, start));
    }
    let name = &s[start..name_end];
    match s[name_end..].chars().next().or(next) {
        Some(';') => match predefined_entity(name) {
            Some(c) => Ok((c, name_end + 1)),
            None => Err(fault(Malformed::UndeclaredEntity(name.to_owned()), start)),
        },
        Some(c) => Err(fault(Malformed::ExpectedSemicolon(c), name_end)),
        None => Err(fault(Malformed::EntityName, start)),
    }
}

fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// Whether a byte may need more than copying: references, line breaks and the first bytes of
/// characters XML forbids.
fn is_special(b: u8) -> bool {
    b < 0x20 || matches!(b, b'&' | b'<' | b']' | 0xEF)
}

/// Appends an attribute value (`s[value]`) decoded and normalised as XML requires.
fn decode_attribute(s: &str, value: Range<usize>, out: &mut String) -> Result<(), Fault> {
    let raw = &s[value.clone()];
    if !raw.bytes().any(is_special) {
        out.push_str(raw);
        return Ok(());
    }
    let bytes = s.as_bytes();
    let mut i = value.start;
    while i < value.end {
        let c = char_at(s, i);
        match c {
            '&' => {
                let (decoded, next) = parse_reference(s, i, None)?;
                out.push(decoded);
                i = next;
                continue;
            }
            '<' => return Err(fault(Malformed::AttributeLt, i)),
            '\t' | '\n' => out.push(' '),
            '\r' => {
                out.push(' ');
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            c if !is_xml_char(c) => return Err(fault(Malformed::InvalidChar(u32::from(c)), i)),
            c => out.push(c),
        }
        i += c.len_utf8();
    }
    Ok(())
}

/// Appends character data (a whole text token) decoded, with line breaks normalised.
fn decode_text(s: &str, next: Option<char>, out: &mut String) -> Result<(), Fault> {
    if !s.bytes().any(|b| is_special(b) && !matches!(b, b'\n' | b'\t')) {
        out.push_str(s);
        return Ok(());
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = char_at(s, i);
        match c {
            '&' => {
                let (decoded, end) = parse_reference(s, i, next)?;
                out.push(decoded);
                i = end;
                continue;
            }
            ']' if s[i..].starts_with("]]>") => return Err(fault(Malformed::CDataEnd, i)),
            '\r' => {
                out.push('\n');
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            c if !is_xml_char(c) => return Err(fault(Malformed::InvalidChar(u32::from(c)), i)),
            c => out.push(c),
        }
        i += c.len_utf8();
    }
    Ok(())
}

/// Refuses characters XML forbids in `s[range]`.
fn check_chars(s: &str, range: Range<usize>) -> Result<(), Fault> {
    let base = range.start;
    let raw = &s[range];
    if !raw.bytes().any(|b| (b < 0x20 && !is_whitespace(b)) || b == 0xEF) {
        return Ok(());
    }
    match raw.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        Some((i, c)) => Err(fault(Malformed::InvalidChar(u32::from(c)), base + i)),
        None => Ok(()),
    }
}

fn push_normalized_newlines(s: &str, out: &mut String) {
    if !s.contains('\r') {
        out.push_str(s);
        return;
    }
    let mut rest = s;
    while let Some(cr) = rest.find('\r') {
        out.push_str(&rest[..cr]);
        out.push('\n');
        rest = &rest[cr + 1..];
        if let Some(after_lf) = rest.strip_prefix('\n') {
            rest = after_lf;
        }
    }
    out.push_str(rest);
}
