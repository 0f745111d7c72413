//! .NET's `XmlException` texts, in one place so that the mapping can be reviewed at a glance.
//! The few that quote a name (tag mismatches, undeclared prefixes, versions, encodings) are
//! built where they are raised. The parser's `read_error` maps quick-xml's errors onto these.

use super::syntax::{Expected, Malformed};

pub(super) const ROOT_MISSING: &str = "Root element is missing.";
pub(super) const ROOT_LEVEL_DATA: &str = "Data at the root level is invalid.";
pub(super) const MULTIPLE_ROOTS: &str = "There are multiple root elements.";
pub(super) const UNEXPECTED_END_TAG: &str = "Unexpected end tag.";
pub(super) const UNEXPECTED_EOF: &str = "Unexpected end of file has occurred.";
pub(super) const UNCLOSED: &str = "Unexpected end of file has occurred. The following elements are not closed:";
pub(super) const UNCLOSED_LITERAL: &str = "There is an unclosed literal string.";
// .NET throws this one without a position.
pub(super) const DTD_PROHIBITED: &str = "For security reasons DTD is prohibited in this XML document. \
    To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse \
    and pass the settings into XmlReader.Create method.";
pub(super) const UNEXPECTED_DTD: &str = "Unexpected DTD declaration.";
pub(super) const DECL_NOT_FIRST: &str = "Unexpected XML declaration. The XML declaration must be \
    the first node in the document, and no white space characters are allowed to appear \
    before it.";
pub(super) const DECL_SYNTAX: &str = "Syntax for an XML declaration is invalid.";
// .NET throws this one without a position.
pub(super) const NO_UNICODE_BOM: &str = "There is no Unicode byte order mark. Cannot switch to Unicode.";
pub(super) const BAD_BYTES: &str = "Invalid character in the given encoding.";
pub(super) const ENTITY_NAME: &str = "An error occurred while parsing EntityName.";
pub(super) const DECIMAL_REF: &str = "Invalid syntax for a decimal numeric entity reference.";
pub(super) const HEX_REF: &str = "Invalid syntax for a hexadecimal numeric entity reference.";
pub(super) const REF_VALUE: &str = "Invalid value of a character entity reference.";
pub(super) const ATTRIBUTE_LT: &str = "'<', hexadecimal value 0x3C, is an invalid attribute character.";
pub(super) const CDATA_END: &str = "']]>' is not allowed in character data.";
pub(super) const COMMENT_DASHES: &str = "An XML comment cannot contain '--', and '-' cannot be the last character.";
pub(super) const INVALID_NS_DECL: &str = "Invalid namespace declaration.";
pub(super) const XML_PREFIX: &str = "Prefix \"xml\" is reserved for use by XML and can be mapped \
    only to namespace name \"http://www.w3.org/XML/1998/namespace\".";
pub(super) const XMLNS_PREFIX: &str = "Prefix \"xmlns\" is reserved for use by XML.";

pub(super) fn eof_while(what: &str) -> String {
    format!("Unexpected end of file while parsing {what} has occurred.")
}

/// The message for a fault found in a token.
pub(super) fn malformed(what: Malformed) -> String {
    // .NET shows NUL as a dot where it quotes a character.
    let shown = |c: char| if c == '\0' { '.' } else { c };
    match what {
        Malformed::NameStart(c) => {
            format!("Name cannot begin with the '{}' character, hexadecimal value 0x{:02X}.", shown(c), u32::from(c))
        }
        Malformed::NameChar(c) => format!(
            "The '{}' character, hexadecimal value 0x{:02X}, cannot be included in a name.",
            shown(c),
            u32::from(c)
        ),
        Malformed::InvalidChar(code) => {
            let c = char::from_u32(code).map_or(char::REPLACEMENT_CHARACTER, shown);
            format!("'{c}', hexadecimal value 0x{code:02X}, is an invalid character.")
        }
        Malformed::Unexpected { found, expected } => unexpected_token(&found, expected),
        Malformed::UndeclaredEntity(name) => format!("Reference to undeclared entity '{name}'."),
        Malformed::UnclosedLiteral => UNCLOSED_LITERAL.to_owned(),
        Malformed::AttributeLt => ATTRIBUTE_LT.to_owned(),
        Malformed::CDataEnd => CDATA_END.to_owned(),
        Malformed::CommentDashes => COMMENT_DASHES.to_owned(),
        Malformed::EntityName => ENTITY_NAME.to_owned(),
        Malformed::DecimalRef => DECIMAL_REF.to_owned(),
        Malformed::HexRef => HEX_REF.to_owned(),
        Malformed::RefValue => REF_VALUE.to_owned(),
        // Not .NET's: `Parser::fault` words it, naming the element.
        Malformed::TooManyAttributes => String::new(),
    }
}

pub(super) fn unexpected_token(found: &str, expected: Expected) -> String {
    let expected = match expected {
        Expected::Whitespace => {
            return format!("'{found}' is an unexpected token. Expecting white space.");
        }
        Expected::Eq => "'='",
        Expected::Quote => "'\"' or '''",
        Expected::Gt => "'>'",
        Expected::Semicolon => "';'",
        Expected::DeclarationEnd => "'?>'",
        // .NET quotes this one twice.
        Expected::QuotedGt => "''>''",
        // Sic: .NET leaves the `!` out of the CDATA opening.
        Expected::Bang => "'<!--' or '<[CDATA['",
        Expected::CommentDash => "'-'",
        Expected::CDataOpening => "'CDATA['",
    };
    format!("'{found}' is an unexpected token. The expected token is {expected}.")
}
