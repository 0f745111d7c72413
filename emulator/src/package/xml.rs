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
//!
//! Where this differs from .NET on purpose: only UTF-8 input is read (a UTF-16 byte order mark
//! or a declared encoding other than UTF-8 is refused, where .NET would decode it), and .NET's
//! quirks for documents of a few bytes, whose errors depend on its encoding detection, are not
//! reproduced.
//!
//! Inside: `input` is the byte source quick-xml reads through (BOM, limits enforced while
//! reading, .NET's line and position counting), `syntax` checks the text of single tokens,
//! `parser` enforces well-formedness and namespaces across tokens and maps every error onto
//! .NET's, whose texts live in `dotnet`.

mod dotnet;
mod input;
mod parser;
mod syntax;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::BufRead;

use input::Cursor;
pub(crate) use parser::XML_NAMESPACE;
use parser::{Budgeting, Node, Parser};

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
    /// How many child elements precede the first character data that is not whitespace, if
    /// there is any: a schema validator reports such text where it stands among the children.
    pub text_after: Option<usize>,
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
    /// (a literal tab, CR or LF becomes a space; `&#10;` and friends are expanded to the
    /// character they name, which is not normalised).
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

/// The root element's start tag, and whether it closed itself. (Before the root the parser
/// yields no text or end tag: whitespace is skipped and anything more is an error.)
fn root_start<R: BufRead>(parser: &mut Parser<R>) -> Result<(Element, bool), XmlError> {
    loop {
        match parser.next()? {
            Node::Start { element, self_closing } => return Ok((element, self_closing)),
            Node::Eof => return Err(parser.end_of_input_error()),
            Node::Text | Node::End => {}
        }
    }
}

/// Bounds that keep hostile input from exhausting memory or time.
///
/// Memory held at once is bounded by `max_child_bytes` of source plus the tree built from it:
/// typically a few times the source size, at worst some twenty times for a subtree of nothing
/// but tiny attributes (`max_elements` caps the tree of tiny empty elements).
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
    /// Most source bytes of one subtree held in memory: one child for [`ChildStream`] (with
    /// the nodes read since the previous child), the whole document for [`read_document`].
    pub max_child_bytes: usize,
    /// Most elements in one subtree: a subtree of nothing but tiny empty elements would
    /// otherwise build a tree a hundred times its source size.
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_attributes: 512,
            max_name_len: 1024,
            max_attribute_len: 1 << 20,
            max_child_bytes: 16 << 20,
            max_elements: 100_000,
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
        Self::at(kind, text, at.line, at.column)
    }

    fn at(kind: XmlErrorKind, text: impl fmt::Display, line: u64, column: u64) -> Self {
        Self { kind, message: format!("{text} Line {line}, position {column}."), line, column }
    }

    /// An error whose message has no position, as .NET throws some of them.
    fn unlocated(kind: XmlErrorKind, text: impl Into<String>, at: Cursor) -> Self {
        Self { kind, message: text.into(), line: at.line, column: at.column }
    }
}

/// Reads a whole document into a tree. Meant for the small package files: the document counts
/// as one subtree, so it may span at most [`Limits::max_child_bytes`] of source.
pub fn read_document<R: BufRead>(reader: R, limits: &Limits) -> Result<Element, XmlError> {
    let mut parser = Parser::new(reader, *limits, Budgeting::WholeDocument)?;
    parser.set_budget(limits.max_child_bytes);
    let root = match root_start(&mut parser)? {
        (element, true) => element,
        (element, false) => read_subtree(&mut parser, element)?,
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
pub struct ChildStream<R> {
    parser: Parser<R>,
    root: Element,
    finished: bool,
}

impl<R: BufRead> ChildStream<R> {
    /// Reads up to and including the root's start tag.
    pub fn new(reader: R, limits: Limits) -> Result<Self, XmlError> {
        let mut parser = Parser::new(reader, limits, Budgeting::PerChild)?;
        parser.set_budget(limits.max_child_bytes);
        let (root, _) = root_start(&mut parser)?;
        Ok(Self { parser, root, finished: false })
    }

    /// The root element: name, namespace and attributes, never children or text.
    pub fn root(&self) -> &Element {
        &self.root
    }

    fn advance(&mut self) -> Option<Result<Element, XmlError>> {
        loop {
            // Each child gets a budget of its own, as does each run of nodes between children
            // (a comment straight before a child shares the child's).
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
    let mut elements = 1usize;
    loop {
        let node = parser.next()?;
        if let Node::Start { element, .. } = &node {
            elements += 1;
            if elements > parser.limits.max_elements {
                let text = format!(
                    "The element '{}' exceeds the max_elements limit of {} elements in one subtree.",
                    element.name, parser.limits.max_elements
                );
                return Err(XmlError::at(XmlErrorKind::Limit, text, element.line, element.column));
            }
        }
        match node {
            Node::Start { element, self_closing: true } => current.children.push(element),
            Node::Start { element, .. } => ancestors.push(std::mem::replace(&mut current, element)),
            Node::Text => {
                let text = parser.text();
                if current.text_after.is_none() && !text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
                    current.text_after = Some(current.children.len());
                }
                current.text.push_str(text);
            }
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
