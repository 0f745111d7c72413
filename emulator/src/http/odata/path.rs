//! The resource path after `/_api/`: segments such as `web`, `lists(guid'…')`,
//! `getbytitle('O''Brien')` or `GetMigrationJobProgress(jobId='…', nextToken=0)`.
//!
//! Parsed once into segments with literal arguments, so every handler sees typed values and
//! quoting rules (doubled `''`, slashes inside quotes) live in one place.

/// One path segment: a name and, when parentheses follow it, its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub name: String,
    /// `None` without parentheses; `Some(vec![])` for `name()`.
    pub args: Option<Vec<Arg>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// `Some` for `name=value` arguments.
    pub name: Option<String>,
    pub value: Literal,
}

/// An OData v3 URL literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `'text'`, with `''` unescaped.
    String(String),
    /// `guid'…'` (contents not yet checked).
    Guid(String),
    /// `datetime'…'`
    DateTime(String),
    Int(i64),
    Bool(bool),
    Null,
    /// Anything else unquoted, e.g. a bare GUID or a decimal; callers decide what it means.
    Bare(String),
}

impl Literal {
    /// The literal as text, whatever its quoting, for parameters typed as strings or GUIDs.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Literal::String(s) | Literal::Guid(s) | Literal::DateTime(s) | Literal::Bare(s) => Some(s.clone()),
            Literal::Int(i) => Some(i.to_string()),
            Literal::Bool(b) => Some(b.to_string()),
            Literal::Null => None,
        }
    }
}

impl Segment {
    /// Whether the segment's name is `name`, ignoring case as SharePoint does.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// Why a path did not parse; the caller reports the whole expression.
#[derive(Debug, PartialEq, Eq)]
pub struct PathSyntaxError;

/// Splits a decoded path into segments. Empty segments (from `//` or a trailing `/`) are
/// dropped, as SharePoint tolerates them.
pub fn parse(path: &str) -> Result<Vec<Segment>, PathSyntaxError> {
    let mut parser = Parser { chars: path.chars().collect(), pos: 0 };
    let mut segments = Vec::new();
    loop {
        parser.skip_while(|c| c == '/');
        if parser.at_end() {
            return Ok(segments);
        }
        segments.push(parser.segment()?);
        match parser.peek() {
            None | Some('/') => {}
            Some(_) => return Err(PathSyntaxError),
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn skip_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let start = self.pos;
        self.skip_while(f);
        self.chars[start..self.pos].iter().collect()
    }

    fn segment(&mut self) -> Result<Segment, PathSyntaxError> {
        let name = self.take_while(|c| !matches!(c, '/' | '(' | ')' | '\''));
        if name.is_empty() {
            return Err(PathSyntaxError);
        }
        if self.peek() != Some('(') {
            return Ok(Segment { name, args: None });
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_while(char::is_whitespace);
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok(Segment { name, args: Some(args) });
        }
        loop {
            self.skip_while(char::is_whitespace);
            args.push(self.arg()?);
            self.skip_while(char::is_whitespace);
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(Segment { name, args: Some(args) });
                }
                _ => return Err(PathSyntaxError),
            }
        }
    }

    fn arg(&mut self) -> Result<Arg, PathSyntaxError> {
        // A name is a run of identifier characters followed by `=`; otherwise positional.
        let start = self.pos;
        let ident = self.take_while(|c| c.is_alphanumeric() || c == '_');
        self.skip_while(char::is_whitespace);
        let name = if !ident.is_empty() && self.peek() == Some('=') {
            self.pos += 1;
            self.skip_while(char::is_whitespace);
            Some(ident)
        } else {
            self.pos = start;
            None
        };
        Ok(Arg { name, value: self.literal()? })
    }

    fn literal(&mut self) -> Result<Literal, PathSyntaxError> {
        if self.peek() == Some('\'') {
            return Ok(Literal::String(self.quoted()?));
        }
        let token = self.take_while(|c| !matches!(c, ',' | ')' | '\'') && !c.is_whitespace());
        if self.peek() == Some('\'') {
            let prefix = token.to_ascii_lowercase();
            let text = self.quoted()?;
            return match prefix.as_str() {
                "guid" => Ok(Literal::Guid(text)),
                "datetime" => Ok(Literal::DateTime(text)),
                _ => Err(PathSyntaxError),
            };
        }
        if token.is_empty() {
            return Err(PathSyntaxError);
        }
        Ok(match token.to_ascii_lowercase().as_str() {
            "null" => Literal::Null,
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            _ => token.parse().map(Literal::Int).unwrap_or(Literal::Bare(token)),
        })
    }

    /// A `'…'` string; `''` stands for one apostrophe.
    fn quoted(&mut self) -> Result<String, PathSyntaxError> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(PathSyntaxError),
                Some('\'') if self.chars.get(self.pos + 1) == Some(&'\'') => {
                    text.push('\'');
                    self.pos += 2;
                }
                Some('\'') => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(name: &str, args: Option<Vec<Arg>>) -> Segment {
        Segment { name: name.into(), args }
    }

    fn pos(value: Literal) -> Arg {
        Arg { name: None, value }
    }

    #[test]
    fn plain_and_keyed_segments() {
        assert_eq!(
            parse("web/lists(guid'0B2C6D9E-1111-2222-3333-444455556666')/RootFolder").unwrap(),
            vec![
                seg("web", None),
                seg("lists", Some(vec![pos(Literal::Guid("0B2C6D9E-1111-2222-3333-444455556666".into()))])),
                seg("RootFolder", None),
            ]
        );
        assert_eq!(parse("/web//lists/").unwrap().len(), 2);
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn quoted_strings_keep_slashes_and_doubled_quotes() {
        assert_eq!(
            parse("web/GetFolderByServerRelativeUrl('/sites/dev/O''Brien (old)')").unwrap()[1],
            seg("GetFolderByServerRelativeUrl", Some(vec![pos(Literal::String("/sites/dev/O'Brien (old)".into()))]))
        );
    }

    #[test]
    fn named_arguments_numbers_and_spaces() {
        let parsed = parse("site/GetMigrationJobProgress(jobId='a-b', nextToken=0)").unwrap();
        assert_eq!(
            parsed[1].args,
            Some(vec![
                Arg { name: Some("jobId".into()), value: Literal::String("a-b".into()) },
                Arg { name: Some("nextToken".into()), value: Literal::Int(0) },
            ])
        );
        let parsed = parse("site/M(guid'x' , null,true,  bare-token, datetime'2020-01-01T00:00:00')").unwrap();
        assert_eq!(
            parsed[1].args,
            Some(vec![
                pos(Literal::Guid("x".into())),
                pos(Literal::Null),
                pos(Literal::Bool(true)),
                pos(Literal::Bare("bare-token".into())),
                pos(Literal::DateTime("2020-01-01T00:00:00".into())),
            ])
        );
        assert_eq!(parse("site/M()").unwrap()[1].args, Some(vec![]));
    }

    #[test]
    fn malformed_paths_are_rejected() {
        for bad in
            ["web/lists(", "web/lists('x'", "web/lists(x'y')", "web/lists('a' 'b')", "web/(x)", "web/a)b", "web/f(,)"]
        {
            assert_eq!(parse(bad), Err(PathSyntaxError), "{bad}");
        }
    }
}
