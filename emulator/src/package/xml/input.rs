//! The input side: the byte source quick-xml reads through, and positions counted as .NET
//! counts them.

use std::io::{self, BufRead, Read};

/// Most bytes handed to quick-xml per read, so that no single read buffers unboundedly even
/// when the inner reader exposes a huge buffer (a `&[u8]` exposes all of itself).
const MAX_CHUNK: usize = 64 << 10;

/// A place in the document, counted as .NET counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cursor {
    pub(super) line: u64,
    pub(super) column: u64,
    /// The last byte was a CR, so an LF now continues the same line break.
    after_cr: bool,
}

impl Cursor {
    pub(super) const START: Self = Self { line: 1, column: 1, after_cr: false };

    // Every byte of the input passes through here, so it counts in bulk (in loops the compiler
    // vectorises) rather than stepping byte by byte.
    pub(super) fn advance(&mut self, bytes: &[u8]) {
        let is_break = |b: u8| matches!(b, b'\n' | b'\r');
        let breaks = count_bytes(bytes, is_break);
        if breaks == 0 {
            if !bytes.is_empty() {
                self.column += utf16_units(bytes);
                self.after_cr = false;
            }
            return;
        }
        let last = bytes.iter().rposition(|&b| is_break(b)).unwrap_or_default();
        // CR, LF and CR LF each end one line.
        let pairs = bytes.windows(2).filter(|w| w == b"\r\n").count() + usize::from(self.after_cr && bytes[0] == b'\n');
        self.line += (breaks - pairs) as u64;
        let tail = &bytes[last + 1..];
        self.column = 1 + utf16_units(tail);
        self.after_cr = tail.is_empty() && bytes[last] == b'\r';
    }

    pub(super) fn advanced(mut self, bytes: &[u8]) -> Self {
        self.advance(bytes);
        self
    }
}

/// How many UTF-16 code units the UTF-8 `bytes` encode: continuation bytes add nothing, and a
/// four-byte sequence becomes a surrogate pair.
fn utf16_units(bytes: &[u8]) -> u64 {
    if bytes.is_ascii() {
        return bytes.len() as u64;
    }
    let starts = count_bytes(bytes, |b| !(0x80..0xC0).contains(&b));
    let astral = count_bytes(bytes, |b| b >= 0xF0);
    (starts + astral) as u64
}

/// How many bytes satisfy `test`. Counting a chunk at a time in a byte-wide counter lets the
/// compiler compare a whole vector register of bytes per step.
fn count_bytes(bytes: &[u8], test: impl Fn(u8) -> bool) -> usize {
    bytes.chunks(u8::MAX as usize).map(|chunk| usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(test(b))))).sum()
}

/// Positions inside one token, computed incrementally for increasing offsets.
pub(super) struct Locator<'t> {
    token: &'t [u8],
    start: Cursor,
    offset: usize,
    cursor: Cursor,
}

impl<'t> Locator<'t> {
    pub(super) fn new(token: &'t [u8], start: Cursor) -> Self {
        Self { token, start, offset: 0, cursor: start }
    }

    pub(super) fn at(&mut self, offset: usize) -> Cursor {
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
pub(super) enum Preamble {
    Utf8,
    Utf16,
}

/// The input as quick-xml sees it: BOM removed, reads bounded, and the limits that must stop
/// reading *before* a token is buffered whole enforced byte by byte.
pub(super) struct Source<R> {
    inner: R,
    /// Bytes read while looking for a byte order mark, served before `inner`'s.
    head: [u8; 3],
    head_start: usize,
    head_end: usize,
    pub(super) meter: Meter,
}

impl<R: BufRead> Source<R> {
    pub(super) fn new(mut inner: R, max_attribute_len: usize) -> io::Result<(Self, Preamble)> {
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
pub(super) struct Meter {
    /// Bytes of the current token consumed so far.
    consumed: usize,
    /// Bytes the current subtree may still consume.
    pub(super) budget: usize,
    max_attribute_len: usize,
    scan: TagScan,
    pub(super) trip: Option<Trip>,
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
pub(super) enum Trip {
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
    pub(super) fn mark(&mut self) {
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
