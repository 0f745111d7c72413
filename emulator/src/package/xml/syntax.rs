//! Lexical checks on the tokens quick-xml returns: names, tags, references and character
//! data, each fault located by its byte offset in the token.

use std::collections::HashSet;
use std::ops::Range;

use super::input::Cursor;

/// One `name="value"` in a tag: byte ranges of the token, and the value decoded.
#[derive(Debug, Clone)]
pub(super) struct RawAttr {
    pub(super) name: Range<usize>,
    pub(super) value: Range<usize>,
    pub(super) decoded: String,
    pub(super) at: Cursor,
}

/// Something malformed at a byte offset of the current token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fault {
    pub(super) what: Malformed,
    pub(super) at: usize,
}

/// The kinds of fault, one per .NET message (see `dotnet::malformed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Malformed {
    NameStart(char),
    NameChar(char),
    /// `found` is what .NET quotes: a run of name characters, or else one character.
    Unexpected {
        found: String,
        expected: Expected,
    },
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

/// What .NET says it expected instead of an unexpected token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expected {
    Whitespace,
    Eq,
    Quote,
    Gt,
    Semicolon,
    DeclarationEnd,
    /// A `>` after a `?` in the XML declaration.
    QuotedGt,
    /// What may follow `<!`.
    Bang,
    /// The second `-` of `<!--`.
    CommentDash,
    /// The rest of `<![CDATA[`.
    CDataOpening,
}

pub(super) fn fault(what: Malformed, at: usize) -> Fault {
    Fault { what, at }
}

/// An unexpected token at `s[at..]`, where `s[..end]` is all there is to read and `after`
/// follows it in the document.
pub(super) fn unexpected(s: &str, at: usize, end: usize, after: char, expected: Expected) -> Fault {
    let found = if at < end { word_at(s, at, end).to_owned() } else { after.to_string() };
    fault(Malformed::Unexpected { found, expected }, at)
}

/// The token .NET quotes at `s[at..end]` (`at < end`): a run of name characters, or else
/// the one character there.
pub(super) fn word_at(s: &str, at: usize, end: usize) -> &str {
    let word_end = s[at..end].char_indices().find(|&(_, c)| !is_name_char(c)).map_or(end, |(k, _)| at + k);
    &s[at..word_end.max(at + char_at(s, at).len_utf8())]
}

/// For a namespace declaration, the prefix it binds (`None` for the default namespace).
pub(super) fn declared_prefix(name: &str) -> Option<Option<&str>> {
    match name.strip_prefix("xmlns") {
        Some("") => Some(None),
        Some(rest) => rest.strip_prefix(':').map(Some),
        None => None,
    }
}

pub(super) fn split_qname(qname: &str) -> (Option<&str>, &str) {
    match qname.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, qname),
    }
}

/// The index of the first key equal to an earlier one.
pub(super) fn first_repeat<K, I>(keys: I) -> Option<usize>
where
    K: Eq + std::hash::Hash,
    I: ExactSizeIterator<Item = K> + Clone,
{
    // Real elements have a few dozen attributes at most, where comparing all pairs beats
    // hashing; only hostile ones get the set.
    if keys.len() <= 32 {
        keys.clone().enumerate().position(|(i, key)| keys.clone().take(i).any(|earlier| earlier == key))
    } else {
        let mut seen = HashSet::with_capacity(keys.len());
        keys.into_iter().position(|key| !seen.insert(key))
    }
}

/// The name of the attribute whose value opens with the quote at `quote` in `tag`.
pub(super) fn attribute_name_before(tag: &[u8], quote: usize) -> Option<&str> {
    let before = tag.get(..quote)?;
    let eq = before.iter().rposition(|&b| !is_whitespace(b))?;
    if before[eq] != b'=' {
        return None;
    }
    let name_end = before[..eq].iter().rposition(|&b| !is_whitespace(b))? + 1;
    let name_start = before[..name_end].iter().rposition(|&b| is_whitespace(b) || b == b'<').map_or(0, |p| p + 1);
    std::str::from_utf8(&before[name_start..name_end]).ok().filter(|n| !n.is_empty())
}

pub(super) fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

pub(super) fn skip_whitespace(s: &str, mut i: usize, end: usize) -> usize {
    let bytes = s.as_bytes();
    while i < end && is_whitespace(bytes[i]) {
        i += 1;
    }
    i
}

/// The character at byte offset `i`, which must be a character boundary.
pub(super) fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER)
}

pub(super) fn is_xml_char(c: char) -> bool {
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

/// Where the name without prefix (an `NCName`) starting at `start` ends; `start` if none does.
pub(super) fn scan_ncname(s: &str, start: usize, end: usize) -> usize {
    let mut chars = s[start..end].char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => chars.find(|&(_, c)| !is_name_char(c)).map_or(end, |(k, _)| start + k),
        _ => start,
    }
}

/// Scans a qualified name (`local` or `prefix:local`) starting at `start`, returning where it
/// ends. `after` is the character that follows `s[..end]` in the document.
pub(super) fn scan_qname(s: &str, start: usize, end: usize, after: char) -> Result<usize, Fault> {
    // Names are nearly always plain ASCII; settle those without decoding characters.
    let bytes = &s.as_bytes()[start..end];
    let ascii = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .unwrap_or(bytes.len());
    if ascii > 0 && (bytes[0].is_ascii_alphabetic() || bytes[0] == b'_') {
        match bytes.get(ascii) {
            None => return Ok(end),
            Some(&b) if b.is_ascii() && b != b':' => return Ok(start + ascii),
            _ => {}
        }
    }
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

/// Parses a start tag's name and attributes from `s[start..end]` into `attrs`, decoding values
/// as it meets them, so that the first fault found is the first in document order, as .NET
/// reports it. Returns where the name ends. `after` is the character that follows `s[..end]`
/// in the document.
pub(super) fn parse_start_tag(
    s: &str,
    start: usize,
    end: usize,
    after: char,
    max_attributes: usize,
    attrs: &mut Vec<RawAttr>,
) -> Result<usize, Fault> {
    let bytes = s.as_bytes();
    let name_end = scan_qname(s, start, end, after)?;
    match bytes.get(name_end) {
        // A `/` not followed by `>` right after the name is itself the unexpected token.
        Some(b'/') if name_end < end => {
            return Err(unexpected(s, name_end, end, after, Expected::Gt));
        }
        Some(&b) if name_end < end && !is_whitespace(b) => {
            let c = char_at(s, name_end);
            return Err(fault(Malformed::NameChar(c), name_end));
        }
        _ => {}
    }
    let mut i = name_end;
    loop {
        let spaced = i;
        i = skip_whitespace(s, i, end);
        if i == end {
            return Ok(name_end);
        }
        if bytes[i] == b'/' {
            return Err(unexpected(s, i + 1, end, after, Expected::Gt));
        }
        if i == spaced {
            let c = char_at(s, i);
            return Err(if is_name_start(c) {
                unexpected(s, i, end, after, Expected::Whitespace)
            } else {
                fault(Malformed::NameStart(c), i)
            });
        }
        if attrs.len() == max_attributes {
            return Err(fault(Malformed::TooManyAttributes, i));
        }
        let name = i..scan_qname(s, i, end, after)?;
        i = skip_whitespace(s, name.end, end);
        if i == end || bytes[i] != b'=' {
            return Err(unexpected(s, i, end, after, Expected::Eq));
        }
        i = skip_whitespace(s, i + 1, end);
        if i == end || !matches!(bytes[i], b'"' | b'\'') {
            return Err(unexpected(s, i, end, after, Expected::Quote));
        }
        let quote = bytes[i];
        let value_start = i + 1;
        let Some(length) = bytes[value_start..end].iter().position(|&b| b == quote) else {
            // .NET meets whatever is wrong inside the value before the missing quote.
            decode_attribute(s, value_start..end, &mut String::new())?;
            return Err(fault(Malformed::UnclosedLiteral, value_start));
        };
        let value = value_start..value_start + length;
        let mut decoded = String::with_capacity(length);
        decode_attribute(s, value.clone(), &mut decoded)?;
        i = value.end + 1;
        attrs.push(RawAttr { name, value, decoded, at: Cursor::START });
    }
}

/// Parses the reference whose `&` is at `amp` in `s`. `next` is the character following `s`
/// in the document, for references that `s` cuts short. Returns the character and where the
/// reference ends.
pub(super) fn parse_reference(s: &str, amp: usize, next: Option<char>) -> Result<(char, usize), Fault> {
    let bytes = s.as_bytes();
    let start = amp + 1;
    if bytes.get(start) == Some(&b'#') {
        let hex = bytes.get(start + 1) == Some(&b'x');
        let (radix, digits) = if hex { (16, start + 2) } else { (10, start + 1) };
        // .NET accumulates in an `int` and calls only its overflow an invalid value.
        let mut value: i32 = 0;
        let mut i = digits;
        while let Some(d) = bytes.get(i).and_then(|&b| char::from(b).to_digit(radix)) {
            value = value
                .checked_mul(radix as i32)
                .and_then(|v| v.checked_add(d as i32))
                .ok_or(fault(Malformed::RefValue, i))?;
            i += 1;
        }
        if i == digits || bytes.get(i) != Some(&b';') {
            let syntax = if hex { Malformed::HexRef } else { Malformed::DecimalRef };
            return Err(fault(syntax, i));
        }
        let value = value.unsigned_abs();
        return match char::from_u32(value).filter(|&c| is_xml_char(c)) {
            Some(c) => Ok((c, i + 1)),
            // Beyond U+10FFFF .NET complains about the (truncated) high surrogate it computes.
            None if value > 0x10FFFF => {
                let high = (((value - 0x10000) >> 10) + 0xD800) & 0xFFFF;
                Err(fault(Malformed::InvalidChar(high), digits))
            }
            None => Err(fault(Malformed::InvalidChar(value), digits)),
        };
    }
    // Entity names have no prefix; .NET stops at a colon with the same complaint as at nothing.
    let name_end = scan_ncname(s, start, s.len());
    if name_end == start || bytes.get(name_end) == Some(&b':') {
        return Err(fault(Malformed::EntityName, start));
    }
    let name = &s[start..name_end];
    match s[name_end..].chars().next().or(next) {
        Some(';') => match predefined_entity(name) {
            Some(c) => Ok((c, name_end + 1)),
            None => Err(fault(Malformed::UndeclaredEntity(name.to_owned()), start)),
        },
        Some(c) => Err(unexpected(s, name_end, s.len(), c, Expected::Semicolon)),
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
pub(super) fn decode_text(s: &str, next: Option<char>, out: &mut String) -> Result<(), Fault> {
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

/// Checks the content of a comment, `closed` unless the input ended inside it.
pub(super) fn check_comment(s: &str, content: Range<usize>, closed: bool) -> Result<(), Fault> {
    let bytes = s.as_bytes();
    // `--` may only close a comment, so a `-` right before the closing `-->` is refused too.
    // In an unclosed comment, a `--` at the very end may yet turn out to close it.
    let dashes = (content.start..content.end).find(|&i| {
        bytes[i] == b'-'
            && if closed {
                i + 1 == content.end || bytes[i + 1] == b'-'
            } else {
                i + 2 < content.end && bytes[i + 1] == b'-'
            }
    });
    check_chars(s, content.start..dashes.unwrap_or(content.end))?;
    match dashes {
        Some(at) => Err(fault(Malformed::CommentDashes, at)),
        None => Ok(()),
    }
}

/// Refuses characters XML forbids in `s[range]`.
pub(super) fn check_chars(s: &str, range: Range<usize>) -> Result<(), Fault> {
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

pub(super) fn push_normalized_newlines(s: &str, out: &mut String) {
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
