//! `$filter` and `$orderby` over entities, as far as migration tools use them to find what
//! they imported: comparisons of one property with a literal (`eq ne lt le gt ge`), `and`,
//! `or`, `not`, parentheses, `substringof('text',Prop)` and `startswith(Prop,'text')`.
//!
//! SharePoint documents the same set for list items; anything else (arithmetic, other
//! functions, property paths such as `Author/Title`) is refused rather than ignored, so a
//! test never passes on a filter the emulator silently dropped.

use std::cmp::Ordering;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use super::path::Literal;

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare { property: String, op: Op, value: Literal },
    Text { function: TextFunction, property: String, text: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFunction {
    SubstringOf,
    StartsWith,
}

/// Why an expression was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterError {
    /// Not OData: unbalanced parentheses, a missing operand, an unterminated string.
    Syntax,
    /// Valid OData the emulator does not evaluate, e.g. `endswith` or `Author/Title`.
    Unsupported(String),
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, FilterError> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, pos: 0 };
        let expr = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(FilterError::Syntax);
        }
        Ok(expr)
    }

    /// Every property the expression reads.
    pub fn properties(&self) -> Vec<&str> {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut names = a.properties();
                names.extend(b.properties());
                names
            }
            Expr::Not(e) => e.properties(),
            Expr::Compare { property, .. } | Expr::Text { property, .. } => vec![property.as_str()],
        }
    }

    /// Whether an entity matches; `get` reads a property (`None` is null). Text compares
    /// ignoring case when `ignore_case` (list items, whose SQL collation does).
    pub fn matches(&self, get: &dyn Fn(&str) -> Option<Value>, ignore_case: bool) -> bool {
        match self {
            Expr::And(a, b) => a.matches(get, ignore_case) && b.matches(get, ignore_case),
            Expr::Or(a, b) => a.matches(get, ignore_case) || b.matches(get, ignore_case),
            Expr::Not(e) => !e.matches(get, ignore_case),
            Expr::Compare { property, op, value } => {
                let actual = get(property).unwrap_or(Value::Null);
                compare(&actual, *op, value, ignore_case)
            }
            Expr::Text { function, property, text } => {
                let Some(actual) = get(property).and_then(|v| text_of(&v)) else { return false };
                let (actual, text) =
                    if ignore_case { (actual.to_lowercase(), text.to_lowercase()) } else { (actual, text.clone()) };
                match function {
                    TextFunction::SubstringOf => actual.contains(&text),
                    TextFunction::StartsWith => actual.starts_with(&text),
                }
            }
        }
    }
}

fn compare(actual: &Value, op: Op, literal: &Literal, ignore_case: bool) -> bool {
    if matches!(literal, Literal::Null) || actual.is_null() {
        let both = matches!(literal, Literal::Null) && actual.is_null();
        return match op {
            Op::Eq => both,
            Op::Ne => !both,
            _ => false,
        };
    }
    let Some(ordering) = order_against(actual, literal, ignore_case) else {
        // Values of different kinds are unequal and unordered.
        return op == Op::Ne;
    };
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
    }
}

/// How a property value orders against a literal. Field values are stored as text, so a
/// number or date literal compares with the text read as a number or date.
fn order_against(actual: &Value, literal: &Literal, ignore_case: bool) -> Option<Ordering> {
    match literal {
        Literal::Null => None,
        Literal::Int(i) => number(actual)?.partial_cmp(&(*i as f64)),
        Literal::Bool(b) => Some(boolean(actual)?.cmp(b)),
        Literal::Bare(text) => match text.parse::<f64>() {
            Ok(n) => number(actual)?.partial_cmp(&n),
            Err(_) => order_text(&text_of(actual)?, text, ignore_case),
        },
        Literal::Guid(text) => Some(text_of(actual)?.to_ascii_lowercase().cmp(&text.to_ascii_lowercase())),
        Literal::DateTime(text) => Some(instant(&text_of(actual)?)?.cmp(&instant(text)?)),
        Literal::String(text) => match actual {
            Value::Number(_) => number(actual)?.partial_cmp(&text.parse::<f64>().ok()?),
            Value::Bool(b) => Some(b.cmp(&parse_bool(text)?)),
            _ => order_text(&text_of(actual)?, text, ignore_case),
        },
    }
}

fn order_text(actual: &str, text: &str, ignore_case: bool) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (instant(actual), instant(text)) {
        return Some(a.cmp(&b));
    }
    Some(if ignore_case { actual.to_lowercase().cmp(&text.to_lowercase()) } else { actual.cmp(text) })
}

/// The order of two property values for `$orderby`: nulls first, then numbers as numbers,
/// dates as dates, text ignoring case (then exactly, so the order is total).
pub fn order_values(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return x.partial_cmp(&y).unwrap_or(Ordering::Equal);
    }
    if let (Some(x), Some(y)) = (boolean(a), boolean(b)) {
        return x.cmp(&y);
    }
    let (x, y) = (text_of(a).unwrap_or_default(), text_of(b).unwrap_or_default());
    if let (Some(p), Some(q)) = (instant(&x), instant(&y)) {
        return p.cmp(&q);
    }
    x.to_lowercase().cmp(&y.to_lowercase()).then_with(|| x.cmp(&y))
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => parse_bool(s),
        _ => None,
    }
}

/// Yes/No field values as packages write them.
fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A date as SharePoint writes or accepts one: RFC 3339, or without a zone (UTC), or a bare date.
fn instant(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if text.len() < 10 || !text.as_bytes()[..4].iter().all(u8::is_ascii_digit) || text.as_bytes()[4] != b'-' {
        return None;
    }
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let without_zone =
        format_description!(version = 2, "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    if let Ok(at) = PrimitiveDateTime::parse(text, &without_zone) {
        return Some(at.assume_utc());
    }
    Date::parse(text, &format_description!("[year]-[month]-[day]")).ok().map(|d| d.midnight().assume_utc())
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    /// An identifier, keyword, number or other unquoted word.
    Word(String),
    Literal(Literal),
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            _ if c.is_whitespace() => i += 1,
            '(' | ')' | ',' => {
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Comma,
                });
                i += 1;
            }
            '\'' => {
                let (text, next) = quoted(&chars, i)?;
                tokens.push(Token::Literal(Literal::String(text)));
                i = next;
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')' | ',' | '\'') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if i < chars.len() && chars[i] == '\'' {
                    let (text, next) = quoted(&chars, i)?;
                    i = next;
                    tokens.push(Token::Literal(match word.to_ascii_lowercase().as_str() {
                        "guid" => Literal::Guid(text),
                        "datetime" | "datetimeoffset" => Literal::DateTime(text),
                        _ => return Err(FilterError::Unsupported(format!("{word}'{text}'"))),
                    }));
                } else {
                    tokens.push(Token::Word(word));
                }
            }
        }
    }
    Ok(tokens)
}

/// A `'…'` string starting at `start`; `''` is one apostrophe. Returns the text and the
/// index after the closing quote.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), FilterError> {
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err(FilterError::Syntax),
            Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                text.push('\'');
                i += 2;
            }
            Some('\'') => return Ok((text, i + 1)),
            Some(c) => {
                text.push(*c);
                i += 1;
            }
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn keyword(&mut self, keyword: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword)) {
            self.pos += 1;
            return true;
        }
        false
    }

    fn expect(&mut self, token: Token) -> Result<(), FilterError> {
        if self.next() == Some(token) { Ok(()) } else { Err(FilterError::Syntax) }
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.keyword("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        if let (Some(Token::Word(name)), Some(Token::Open)) = (self.peek(), self.tokens.get(self.pos + 1)) {
            let name = name.clone();
            self.pos += 2;
            return self.function(&name);
        }
        self.comparison()
    }

    fn function(&mut self, name: &str) -> Result<Expr, FilterError> {
        let function = match name.to_ascii_lowercase().as_str() {
            "substringof" => TextFunction::SubstringOf,
            "startswith" => TextFunction::StartsWith,
            _ => return Err(FilterError::Unsupported(format!("{name}()"))),
        };
        let first = self.operand()?;
        self.expect(Token::Comma)?;
        let second = self.operand()?;
        self.expect(Token::Close)?;
        // substringof takes the text first, startswith the property first.
        let (text, property) = match function {
            TextFunction::SubstringOf => (first, second),
            TextFunction::StartsWith => (second, first),
        };
        match (text, property) {
            (Operand::Literal(Literal::String(text)), Operand::Property(property)) => {
                let expr = Expr::Text { function, property, text };
                // SharePoint accepts `substringof(…) eq true`.
                if self.keyword("eq") {
                    return match self.operand()? {
                        Operand::Literal(Literal::Bool(true)) => Ok(expr),
                        Operand::Literal(Literal::Bool(false)) => Ok(Expr::Not(Box::new(expr))),
                        _ => Err(FilterError::Syntax),
                    };
                }
                Ok(expr)
            }
            _ => Err(FilterError::Unsupported(format!("{name}() without a property and a string"))),
        }
    }

    fn comparison(&mut self) -> Result<Expr, FilterError> {
        let left = self.operand()?;
        let op = match self.next() {
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "eq" => Op::Eq,
                "ne" => Op::Ne,
                "lt" => Op::Lt,
                "le" => Op::Le,
                "gt" => Op::Gt,
                "ge" => Op::Ge,
                "add" | "sub" | "mul" | "div" | "mod" => return Err(FilterError::Unsupported(w)),
                _ => return Err(FilterError::Syntax),
            },
            _ => return Err(FilterError::Syntax),
        };
        let right = self.operand()?;
        match (left, right) {
            (Operand::Property(property), Operand::Literal(value)) => Ok(Expr::Compare { property, op, value }),
            (Operand::Literal(value), Operand::Property(property)) => {
                let op = match op {
                    Op::Lt => Op::Gt,
                    Op::Le => Op::Ge,
                    Op::Gt => Op::Lt,
                    Op::Ge => Op::Le,
                    same => same,
                };
                Ok(Expr::Compare { property, op, value })
            }
            _ => Err(FilterError::Unsupported("a comparison of two properties or two literals".into())),
        }
    }

    fn operand(&mut self) -> Result<Operand, FilterError> {
        match self.next() {
            Some(Token::Literal(literal)) => Ok(Operand::Literal(literal)),
            Some(Token::Word(word)) => {
                let lower = word.to_ascii_lowercase();
                if let Ok(i) = word.parse::<i64>() {
                    return Ok(Operand::Literal(Literal::Int(i)));
                }
                // Decimals, with OData's optional type suffix (`1.5m`, `2d`).
                let number = lower.trim_end_matches(['m', 'd', 'f', 'l']);
                if word.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
                    && number.parse::<f64>().is_ok()
                {
                    return Ok(Operand::Literal(Literal::Bare(number.into())));
                }
                match lower.as_str() {
                    "null" => Ok(Operand::Literal(Literal::Null)),
                    "true" => Ok(Operand::Literal(Literal::Bool(true))),
                    "false" => Ok(Operand::Literal(Literal::Bool(false))),
                    _ if word.contains('/') => Err(FilterError::Unsupported(word)),
                    _ if word.chars().all(|c| c.is_alphanumeric() || c == '_') => Ok(Operand::Property(word)),
                    _ => Err(FilterError::Syntax),
                }
            }
            _ => Err(FilterError::Syntax),
        }
    }
}

enum Operand {
    Property(String),
    Literal(Literal),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matches(filter: &str, entity: &Value) -> bool {
        let expr = Expr::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e:?}"));
        let get = |name: &str| {
            entity.as_object().unwrap().iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
        };
        expr.matches(&get, true)
    }

    #[test]
    fn equality_of_each_literal_kind() {
        let item = json!({
            "Id": 3, "Title": "O'Brien", "GUID": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
            "Done": "1", "Flag": true, "Count": "10", "Modified": "2024-03-01T10:00:00Z", "Empty": null
        });
        for yes in [
            "Id eq 3",
            "Title eq 'O''Brien'",
            "title eq 'o''brien'",
            "GUID eq guid'6f9619ff-8b86-d011-b42d-00c04fc964ff'",
            "Done eq true",
            "Done eq 1",
            "Flag eq true",
            "Count eq 10",
            "Count gt 9",
            "Count eq 10.0",
            "Count le '10'",
            "Modified eq datetime'2024-03-01T10:00:00'",
            "Modified gt '2024-02-29T23:00:00Z'",
            "Modified lt datetime'2024-03-02'",
            "Empty eq null",
            "Missing eq null",
            "Title ne null",
            "3 eq Id",
            "2 lt Id",
            "Id eq 3 and Title eq 'O''Brien'",
            "Id eq 4 or (Id eq 3 and not (Title eq 'x'))",
            "substringof('bri', Title)",
            "startswith(Title,'O''B')",
            "substringof('Bri',Title) eq true",
            "Count eq 10 and startswith(Title, 'O')",
        ] {
            assert!(matches(yes, &item), "{yes}");
        }
        for no in ["Id eq 4", "Id ne 3", "Title eq 'x'", "Flag eq false", "Empty ne null", "Empty gt 3", "Id eq '3x'"] {
            assert!(!matches(no, &item), "{no}");
        }
        let exact = Expr::parse("Title eq 'o''brien'").unwrap();
        assert!(!exact.matches(&|name| item.get(name).cloned(), false));
    }

    #[test]
    fn unsupported_and_malformed_expressions_are_refused() {
        for unsupported in
            ["endswith(Title,'x')", "Id add 1 eq 3", "Author/Title eq 'x'", "length(Title) eq 3", "Id eq Title"]
        {
            assert!(matches!(Expr::parse(unsupported), Err(FilterError::Unsupported(_))), "{unsupported}");
        }
        for bad in ["", "Id eq", "Id 3", "(Id eq 3", "Title eq 'x", "Id eq 3 and", "Id eq 3)", "Id like 3"] {
            assert_eq!(Expr::parse(bad), Err(FilterError::Syntax), "{bad}");
        }
    }

    #[test]
    fn properties_and_ordering() {
        let expr = Expr::parse("Id eq 1 or (Title eq 'a' and startswith(Name,'b'))").unwrap();
        assert_eq!(expr.properties(), ["Id", "Title", "Name"]);
        let mut values = vec![json!("b"), json!(null), json!("10"), json!("9"), json!("A")];
        values.sort_by(order_values);
        assert_eq!(values, [json!(null), json!("9"), json!("10"), json!("A"), json!("b")]);
    }
}
