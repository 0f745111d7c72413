//! The well-formedness checker between quick-xml's tokens and the tree builders.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::encoding::EncodingError;
use quick_xml::errors::{Error as QuickError, IllFormedError, SyntaxError};
use quick_xml::events::Event;

use super::dotnet;
use super::input::{Cursor, Locator, Preamble, Source, Trip};
use super::syntax::{
    Expected, Fault, Malformed, RawAttr, attribute_name_before, char_at, check_chars, check_comment, declared_prefix,
    decode_text, fault, first_repeat, is_whitespace, is_xml_char, parse_reference, parse_start_tag,
    push_normalized_newlines, scan_ncname, scan_qname, skip_whitespace, split_qname, unexpected, word_at,
};
use super::{Attribute, Element, Limits, XmlError, XmlErrorKind};

pub(crate) const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Scratch buffers grown past this by an outsized node are released rather than kept.
const SCRATCH_KEEP: usize = 1 << 20;

/// What one `max_child_bytes` budget covers, which decides how an overrun is described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Budgeting {
    WholeDocument,
    PerChild,
}

/// What the parser hands to the tree builders. Text is read through [`Parser::text`].
pub(super) enum Node {
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
    bindings_before: usize,
}

struct Binding {
    /// Empty for the default namespace.
    prefix: String,
    /// Empty when the default namespace is undeclared (`xmlns=""`).
    uri: String,
}

/// The well-formedness checker between quick-xml and the tree builders.
pub(super) struct Parser<R> {
    reader: Reader<Source<R>>,
    /// The bytes of the current token, exactly as consumed from the input.
    pub(super) buf: Vec<u8>,
    /// Character data of the last [`Node::Text`].
    pub(super) text: String,
    raw_attrs: Vec<RawAttr>,
    pub(super) limits: Limits,
    budgeting: Budgeting,
    /// Where the current token starts.
    at: Cursor,
    open: Vec<OpenElement>,
    bindings: Vec<Binding>,
    seen_root: bool,
    /// Some token was read already, so an XML declaration is no longer allowed.
    started: bool,
}

impl<R: BufRead> Parser<R> {
    pub(super) fn new(reader: R, limits: Limits, budgeting: Budgeting) -> Result<Self, XmlError> {
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
            budgeting,
            at: Cursor::START,
            open: Vec::new(),
            bindings: Vec::new(),
            seen_root: false,
            started: false,
        })
    }

    pub(super) fn set_budget(&mut self, bytes: usize) {
        self.reader.get_mut().meter.budget = bytes;
    }

    pub(super) fn text(&self) -> &str {
        &self.text
    }

    pub(super) fn next(&mut self) -> Result<Node, XmlError> {
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
            Token::Decl => self.declaration(text, text.len() - 2, true).map(|()| Step::Skip),
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
        let parsed = parse_start_tag(token, 1, content_end, after, max_attributes, &mut attrs);
        let result = match parsed {
            Ok(name_end) => {
                for raw in attrs.iter_mut() {
                    raw.at = locator.at(raw.name.start);
                }
                let qname = &token[1..name_end];
                self.element(token, qname, name_at, &mut attrs, self_closing)
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
        let bindings_before = self.bindings.len();
        let element = self.resolve_element(token, qname, name_at, attrs);
        if element.is_err() || self_closing {
            self.bindings.truncate(bindings_before);
        }
        let element = element?;
        if !self_closing {
            self.open.push(OpenElement { qname: qname.to_owned(), at: name_at, bindings_before });
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
    ) -> Result<Element, XmlError> {
        let name_of = |raw: &RawAttr| &token[raw.name.clone()];
        for raw in attrs.iter_mut() {
            self.check_name_len(name_of(raw), raw.at)?;
            if let Some(prefix) = declared_prefix(name_of(raw)) {
                self.declare(token, raw, prefix)?;
            }
        }
        if let Some(i) = first_repeat(attrs.iter().map(name_of)) {
            return Err(duplicate_attribute(name_of(&attrs[i]), attrs[i].at));
        }

        let (prefix, local) = split_qname(qname);
        let namespace = self.namespace_of(prefix, true, name_at)?;
        let mut attributes = Vec::with_capacity(attrs.len());
        let mut any_prefixed = false;
        for raw in attrs.iter_mut() {
            if declared_prefix(name_of(raw)).is_some() {
                continue;
            }
            let (prefix, name) = split_qname(name_of(raw));
            any_prefixed |= prefix.is_some();
            attributes.push(Attribute {
                name: name.to_owned(),
                namespace: self.namespace_of(prefix, false, raw.at)?,
                value: std::mem::take(&mut raw.decoded),
                line: raw.at.line,
                column: raw.at.column,
            });
        }
        // Distinct qualified names can still name the same attribute through two prefixes.
        let expanded = attributes.iter().map(|a| (a.name.as_str(), a.namespace.as_deref()));
        if any_prefixed && let Some(i) = first_repeat(expanded) {
            let raw = attrs.iter().filter(|a| declared_prefix(name_of(a)).is_none()).nth(i).unwrap_or(&attrs[0]);
            return Err(duplicate_attribute(name_of(raw), raw.at));
        }
        Ok(Element {
            name: local.to_owned(),
            namespace,
            attributes,
            children: Vec::new(),
            text: String::new(),
            text_after: None,
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
    fn declare(&mut self, token: &str, raw: &mut RawAttr, prefix: Option<&str>) -> Result<(), XmlError> {
        let uri = std::mem::take(&mut raw.decoded);
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
        self.check_end_tag(token, token.len() - 1)?;
        if let Some(open) = self.open.pop() {
            self.bindings.truncate(open.bindings_before);
        }
        Ok(())
    }

    /// Checks the end tag in `token[..end]` against the innermost open element, name first and
    /// then what follows it, in .NET's order.
    fn check_end_tag(&self, token: &str, end: usize) -> Result<(), XmlError> {
        let name_end = scan_qname(token, 2, end, '>').map_err(|f| self.fault(token, f))?;
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
        let rest = skip_whitespace(token, name_end, end);
        if rest < end {
            return Err(self.fault(token, unexpected(token, rest, end, '>', Expected::Gt)));
        }
        Ok(())
    }

    fn character_data(&mut self, token: &str) -> Result<Step, XmlError> {
        if self.open.is_empty() {
            let Some(i) = token.bytes().position(|b| !is_whitespace(b)) else {
                return Ok(Step::Skip);
            };
            let c = char_at(token, i);
            if !is_xml_char(c) {
                return Err(self.fault(token, fault(Malformed::InvalidChar(u32::from(c)), i)));
            }
            return Err(self.root_level_data(token, i));
        }
        // A `&` still in text never started a complete reference; what follows the text decides
        // how .NET words the error, and that is the next unread byte.
        let next = if token.contains('&') { self.peek_ascii() } else { None };
        self.text.clear();
        decode_text(token, next, &mut self.text).map_err(|f| self.fault(token, f))?;
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
        check_comment(token, 4..token.len() - 3, true).map_err(|f| self.fault(token, f))
    }

    fn processing_instruction(&self, token: &str) -> Result<(), XmlError> {
        let end = token.len() - 2;
        let target_end = scan_qname(token, 2, end, '?').map_err(|f| self.fault(token, f))?;
        let target = &token[2..target_end];
        // quick-xml takes `<?xml` for a declaration only when a space follows; .NET always does.
        if target == "xml" {
            return self.declaration(token, end, true);
        }
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

    /// The XML declaration in `token[..end]`, parsed as .NET parses it: pseudo-attributes
    /// `version`, `encoding` and `standalone`, in that order, the first required. Unless
    /// `closed`, the input ended at `end`, and only errors before it are reported.
    fn declaration(&self, token: &str, end: usize, closed: bool) -> Result<(), XmlError> {
        let bytes = token.as_bytes();
        if self.started {
            return Err(XmlError::located(XmlErrorKind::Syntax, dotnet::DECL_NOT_FIRST, self.locate(bytes, 2)));
        }
        let fail = |f: Fault| self.fault(token, f);
        let syntax = |at: usize| XmlError::located(XmlErrorKind::Syntax, dotnet::DECL_SYNTAX, self.locate(bytes, at));
        // Unless `closed`, reaching `end` only means that the input ran out there.
        let ran_out = |i: usize| !closed && i >= end;
        let mut i = "<?xml".len();
        let mut next_rank = 0;
        loop {
            let spaced = i;
            i = skip_whitespace(token, i, end);
            if i == end {
                break;
            }
            if bytes[i] == b'?' {
                // Whether a `>` follows is unknown if the input ends here.
                if !closed && i + 1 == token.len() {
                    return Ok(());
                }
                return Err(fail(unexpected(token, i, end, '?', Expected::QuotedGt)));
            }
            if i == spaced {
                // Straight after `xml` .NET expects a name; after a value, the end.
                return Err(fail(if spaced == "<?xml".len() {
                    fault(Malformed::NameStart(char_at(token, i)), i)
                } else {
                    unexpected(token, i, end, '?', Expected::DeclarationEnd)
                }));
            }
            let name_end = scan_ncname(token, i, end);
            if ran_out(name_end) {
                return Ok(());
            }
            if name_end == i {
                return Err(fail(fault(Malformed::NameStart(char_at(token, i)), i)));
            }
            if bytes.get(name_end) == Some(&b':') {
                return Err(fail(fault(Malformed::NameChar(':'), name_end)));
            }
            let name = &token[i..name_end];
            let rank = match name {
                "version" => 0,
                "encoding" => 1,
                "standalone" => 2,
                _ => return Err(syntax(i)),
            };
            if rank < next_rank || (next_rank == 0 && rank != 0) {
                return Err(syntax(i));
            }
            next_rank = rank + 1;
            i = skip_whitespace(token, name_end, end);
            if ran_out(i) {
                return Ok(());
            }
            if i == end || bytes[i] != b'=' {
                return Err(fail(unexpected(token, i, end, '?', Expected::Eq)));
            }
            i = skip_whitespace(token, i + 1, end);
            if ran_out(i) {
                return Ok(());
            }
            if i == end || !matches!(bytes[i], b'"' | b'\'') {
                return Err(fail(unexpected(token, i, end, '?', Expected::Quote)));
            }
            let value_start = i + 1;
            let Some(length) = bytes[value_start..end].iter().position(|&b| b == bytes[i]) else {
                return if closed { Err(syntax(value_start)) } else { Ok(()) };
            };
            let value = &token[value_start..value_start + length];
            let value_at = self.locate(bytes, value_start);
            // .NET reads declaration values up to the first character special in attributes.
            if value.bytes().any(|b| b < 0x20 || matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'')) {
                return Err(syntax(value_start));
            }
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
                "standalone" if value != "yes" && value != "no" => return Err(syntax(i)),
                _ => {}
            }
            i = value_start + length + 1;
        }
        if next_rank == 0 && closed {
            return Err(syntax(end));
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
    pub(super) fn end_of_input_error(&self) -> XmlError {
        self.end_of_input_error_at(self.at)
    }

    fn end_of_input_error_at(&self, at: Cursor) -> XmlError {
        if !self.seen_root && self.open.is_empty() {
            return XmlError::unlocated(XmlErrorKind::Syntax, dotnet::ROOT_MISSING, at);
        }
        self.unclosed_error(at)
    }

    /// Input ended inside elements. A start tag cut short counts as inside the root even
    /// before the root opened, when .NET leaves the list empty.
    fn unclosed_error(&self, at: Cursor) -> XmlError {
        // .NET lists the innermost element first.
        let names: Vec<&str> = self.open.iter().rev().map(|o| o.qname.as_str()).collect();
        // An empty list still gets its space, leaving two before the position, as in .NET.
        let end = if names.is_empty() { "" } else { "." };
        let list = names.join(", ");
        XmlError::located(XmlErrorKind::Syntax, format!("{} {list}{end}", dotnet::UNCLOSED), at)
    }

    /// The unexpected token .NET would quote at the next unread byte (as far as it is
    /// buffered), if there is any input left.
    fn peek_word(&mut self) -> Option<String> {
        let available = self.reader.get_mut().fill_buf().ok()?;
        let text = match std::str::from_utf8(available) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&available[..e.valid_up_to()]).ok()?,
        };
        (!text.is_empty()).then(|| word_at(text, 0, text.len()).to_owned())
    }

    /// The next unread byte, if it is ASCII.
    fn peek_ascii(&mut self) -> Option<char> {
        let available = self.reader.get_mut().fill_buf().ok()?;
        available.first().filter(|b| b.is_ascii()).map(|&b| char::from(b))
    }

    /// A fault in `token`, located and worded as .NET words it.
    fn fault(&self, token: &str, fault: Fault) -> XmlError {
        let at = self.locate(token.as_bytes(), fault.at);
        match fault.what {
            // Not a .NET error: .NET has no such limit.
            Malformed::TooManyAttributes => {
                let limit = self.limits.max_attributes;
                let name = token[1..].split(|c: char| c.is_whitespace() || c == '/' || c == '>').next();
                let text = match name.filter(|name| !name.is_empty()) {
                    Some(name) => {
                        format!("The element '{name}' exceeds the max_attributes limit of {limit} attributes.")
                    }
                    None => format!("An element exceeds the max_attributes limit of {limit} attributes."),
                };
                XmlError::located(XmlErrorKind::Limit, text, at)
            }
            what => XmlError::located(XmlErrorKind::Syntax, dotnet::malformed(what), at),
        }
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
        let ran_out = matches!(
            error,
            QuickError::Encoding(_)
                | QuickError::Syntax(
                    SyntaxError::UnclosedTag
                        | SyntaxError::UnclosedSingleQuotedAttributeValue
                        | SyntaxError::UnclosedDoubleQuotedAttributeValue
                        | SyntaxError::UnclosedComment
                        | SyntaxError::UnclosedCData
                        | SyntaxError::UnclosedPI
                        | SyntaxError::UnclosedXmlDecl
                )
        );
        if ran_out && let Some(earlier) = self.diagnose_partial(&buf) {
            self.buf = buf;
            return earlier;
        }
        let error = match error {
            QuickError::Io(e) => XmlError::unlocated(XmlErrorKind::Io, e.to_string(), end),
            QuickError::Syntax(SyntaxError::InvalidBangMarkup) => match self.peek_word() {
                Some(word) => located(&dotnet::unexpected_token(&word, Expected::Bang), end),
                None => self.unclosed_error(end),
            },
            QuickError::Syntax(SyntaxError::UnclosedPI) => located(&dotnet::eof_while("PI"), end),
            QuickError::Syntax(SyntaxError::UnclosedXmlDecl) => located(dotnet::UNEXPECTED_EOF, end),
            // quick-xml reports a misspelt opening like an unclosed one.
            QuickError::Syntax(SyntaxError::UnclosedComment) if !buf.starts_with(b"<!--") => {
                self.misspelt_markup(&buf, Expected::CommentDash)
            }
            QuickError::Syntax(SyntaxError::UnclosedCData) if !buf.starts_with(b"<![CDATA[") => {
                self.misspelt_markup(&buf, Expected::CDataOpening)
            }
            QuickError::Syntax(SyntaxError::UnclosedComment) => located(&dotnet::eof_while("Comment"), end),
            QuickError::Syntax(SyntaxError::UnclosedCData) => located(&dotnet::eof_while("CDATA"), end),
            QuickError::Syntax(SyntaxError::UnclosedDoctype)
            | QuickError::IllFormed(IllFormedError::MissingDoctypeName) => self.dtd_error(&buf),
            QuickError::Syntax(SyntaxError::UnclosedTag) if buf == b"</" => located(&dotnet::eof_while("Name"), end),
            // quick-xml consumed the `<` of a bare `<` at the end without buffering it.
            QuickError::Syntax(SyntaxError::UnclosedTag) if buf.is_empty() => self.unclosed_error(end.advanced(b"<")),
            QuickError::Syntax(SyntaxError::UnclosedTag) => self.unclosed_error(end),
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

    /// quick-xml read on to the end of the input inside a token that .NET, reading character
    /// by character, refuses earlier: after a stray quote, say, quick-xml looks for its partner
    /// through the rest of the document. Finds that earlier error in the partial token.
    fn diagnose_partial(&self, buf: &[u8]) -> Option<XmlError> {
        let end = std::str::from_utf8(buf).map_or_else(|e| e.valid_up_to(), str::len);
        // Bytes that are not UTF-8 stop the analysis. A stand-in for them (a noncharacter: no
        // name character, and no content either) keeps a name or reference that runs into them
        // from reading as cut short by the end of the input.
        let undecodable = end < buf.len();
        let mut probe = String::from_utf8_lossy(&buf[..end]).into_owned();
        if undecodable {
            probe.push('\u{FFFF}');
        }
        let valid = probe.as_str();
        let fault = if valid.starts_with("</") {
            match scan_qname(valid, 2, end, '>') {
                Ok(name_end) if name_end < end => {
                    if let Err(e) = self.check_end_tag(valid, end) {
                        return Some(e);
                    }
                    None
                }
                Ok(_) => None,
                Err(f) => Some(f),
            }
        } else if valid.starts_with("<!--") {
            check_comment(valid, 4..end, false).err()
        } else if valid.starts_with("<![CDATA[") {
            check_chars(valid, 9..end).err()
        } else if valid.starts_with("<?xml") && valid.as_bytes().get(5).is_none_or(|&b| is_whitespace(b)) {
            if let Err(e) = self.declaration(valid, end, false) {
                return Some(e);
            }
            None
        } else if valid.starts_with("<?") {
            check_chars(valid, 2..end).err()
        } else if valid.starts_with('<') && !valid.starts_with("<!") {
            let max_attributes = self.limits.max_attributes;
            parse_start_tag(valid, 1, end, '>', max_attributes, &mut Vec::new()).err()
        } else if valid.starts_with('<') || valid.starts_with('&') {
            None
        } else if self.open.is_empty() {
            let data = valid[..end].bytes().position(|b| !is_whitespace(b));
            return data.map(|i| self.root_level_data(valid, i)).or_else(|| {
                undecodable.then(|| XmlError::located(XmlErrorKind::Encoding, dotnet::BAD_BYTES, self.locate(buf, end)))
            });
        } else {
            let next = undecodable.then_some('\u{FFFF}');
            decode_text(&valid[..end], next, &mut String::new()).err()
        };
        // Faults at the end only say that the input ran out, which the caller reports.
        match fault {
            Some(f) if f.at < end && f.what != Malformed::UnclosedLiteral => Some(self.fault(valid, f)),
            _ if undecodable => {
                Some(XmlError::located(XmlErrorKind::Encoding, dotnet::BAD_BYTES, self.locate(buf, end)))
            }
            _ => None,
        }
    }

    /// `<!-x` or `<![CDAX`: .NET quotes the word found where the expected text should be.
    fn misspelt_markup(&self, buf: &[u8], expected: Expected) -> XmlError {
        let rest = &buf[buf.len().min(3)..];
        let word_len = rest
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
            .unwrap_or(rest.len());
        // Something that is no name character at all is quoted on its own.
        let word = String::from_utf8_lossy(&rest[..word_len.max(1).min(rest.len())]);
        XmlError::located(XmlErrorKind::Syntax, dotnet::unexpected_token(&word, expected), self.locate(buf, 3))
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
                let what = match (self.budgeting, self.open.get(1)) {
                    (Budgeting::WholeDocument, _) => "The document".to_owned(),
                    (Budgeting::PerChild, Some(child)) => format!(
                        "The element '{}' that starts on line {}, position {}",
                        child.qname, child.at.line, child.at.column
                    ),
                    (Budgeting::PerChild, None) => {
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

fn duplicate_attribute(qname: &str, at: Cursor) -> XmlError {
    XmlError::located(XmlErrorKind::Syntax, format!("'{qname}' is a duplicate attribute name."), at)
}
