//! Simple-type checks with .NET's lexical rules and failure texts (`XmlConvert`, `XsdDateTime`,
//! the facet checker): what `The 'X' attribute is invalid - … - <reason>` says after the
//! second dash.

use std::borrow::Cow;

use super::model::{Builtin, SimpleType};

/// Why a value is not of its type, in .NET's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeFailure {
    /// The datatype as .NET names it: `namespace:name`.
    pub type_name: Cow<'static, str>,
    pub reason: String,
}

const XS: &str = "http://www.w3.org/2001/XMLSchema";

/// Checks `value` (as the reader delivered it) against `ty`.
pub fn check(ty: SimpleType, value: &str) -> Result<(), TypeFailure> {
    match ty {
        SimpleType::String => Ok(()),
        // String restrictions keep whitespace: the value must match exactly.
        SimpleType::Enumeration(enumeration) => {
            if enumeration.values.contains(&value) {
                Ok(())
            } else {
                Err(TypeFailure {
                    type_name: Cow::Borrowed(enumeration.qualified_name),
                    reason: "The Enumeration constraint failed.".into(),
                })
            }
        }
        SimpleType::Builtin(builtin) => {
            let collapsed = collapse(value);
            if lexically_valid(builtin, &collapsed) {
                Ok(())
            } else {
                Err(TypeFailure {
                    type_name: Cow::Owned(format!("{XS}:{}", xsd_name(builtin))),
                    reason: format!("The string '{collapsed}' is not a valid {} value.", clr_name(builtin)),
                })
            }
        }
    }
}

fn xsd_name(builtin: Builtin) -> &'static str {
    match builtin {
        Builtin::Boolean => "boolean",
        Builtin::Int => "int",
        Builtin::Short => "short",
        Builtin::Byte => "byte",
        Builtin::UnsignedByte => "unsignedByte",
        Builtin::Float => "float",
        Builtin::DateTime => "dateTime",
    }
}

/// The CLR type .NET's parse failure names (`xs:byte` is a signed byte).
fn clr_name(builtin: Builtin) -> &'static str {
    match builtin {
        Builtin::Boolean => "Boolean",
        Builtin::Int => "Int32",
        Builtin::Short => "Int16",
        Builtin::Byte => "SByte",
        Builtin::UnsignedByte => "Byte",
        Builtin::Float => "Single",
        Builtin::DateTime => "DateTime",
    }
}

/// XML Schema's `whiteSpace="collapse"` as .NET applies it: trimmed, inner runs made one space,
/// and — a .NET quirk — a value of nothing but whitespace becomes a single space.
pub fn collapse(value: &str) -> Cow<'_, str> {
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    if !value.is_empty() && value.chars().all(is_ws) {
        return Cow::Borrowed(" ");
    }
    let trimmed = value.trim_matches(is_ws);
    if !trimmed.contains(['\t', '\r', '\n']) && !trimmed.contains("  ") {
        return Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut in_space = false;
    for c in trimmed.chars() {
        if is_ws(c) {
            in_space = true;
        } else {
            if in_space {
                out.push(' ');
                in_space = false;
            }
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn lexically_valid(builtin: Builtin, value: &str) -> bool {
    match builtin {
        Builtin::Boolean => matches!(value, "true" | "false" | "1" | "0"),
        Builtin::Int => integer(value, true).is_some_and(|n| i32::try_from(n).is_ok()),
        Builtin::Short => integer(value, true).is_some_and(|n| i16::try_from(n).is_ok()),
        Builtin::Byte => integer(value, true).is_some_and(|n| i8::try_from(n).is_ok()),
        Builtin::UnsignedByte => integer(value, false).is_some_and(|n| u8::try_from(n).is_ok()),
        Builtin::Float => float(value),
        Builtin::DateTime => date_time(value),
    }
}

/// `[+-]?[0-9]+` (no sign when `signed` is false), as `Int32.TryParse` with a leading sign.
fn integer(value: &str, signed: bool) -> Option<i128> {
    let digits = match value.as_bytes().first() {
        Some(b'+' | b'-') if signed => &value[1..],
        _ => value,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Leading zeros are allowed; anything longer than an i128 is out of every range anyway.
    value.parse::<i128>().ok()
}

/// `INF`, `-INF`, the invariant culture's `NaN`/`Infinity`, or a decimal number with an
/// optional exponent that fits a `Single` (.NET Framework refuses overflow).
fn float(value: &str) -> bool {
    if matches!(value, "INF" | "-INF" | "NaN" | "Infinity" | "-Infinity") {
        return true;
    }
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return false;
    }
    if let Some(exponent) = exponent {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if exponent.is_empty() || !digits(exponent) {
            return false;
        }
    }
    unsigned.parse::<f32>().is_ok_and(f32::is_finite)
}

/// `YYYY-MM-DDThh:mm:ss[.f+][Z|z|±hh:mm]` with a real calendar date (`XsdDateTime`).
fn date_time(value: &str) -> bool {
    let b = value.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (number(0..4), number(5..7), number(8..10), number(11..13), number(14..16), number(17..19))
    else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if year == 0 || day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    let mut rest = &value[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    match rest.as_bytes() {
        [] | [b'Z'] | [b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::schema::model::{BOOLEAN, BYTE, DATE_TIME, Enumeration, FLOAT, INT, SHORT, UNSIGNED_BYTE};

    fn reason(ty: SimpleType, value: &str) -> Option<String> {
        check(ty, value).err().map(|f| format!("{} - {}", f.type_name, f.reason))
    }

    #[test]
    fn booleans_are_lower_case_words_or_digits() {
        for good in ["true", "false", "1", "0", " true "] {
            assert_eq!(reason(BOOLEAN, good), None, "{good}");
        }
        assert_eq!(
            reason(BOOLEAN, "True").unwrap(),
            "http://www.w3.org/2001/XMLSchema:boolean - The string 'True' is not a valid Boolean value."
        );
        assert_eq!(
            reason(BOOLEAN, "  ").unwrap(),
            "http://www.w3.org/2001/XMLSchema:boolean - The string ' ' is not a valid Boolean value.",
            "whitespace collapses to one space"
        );
    }

    #[test]
    fn integers_have_ranges_and_clr_names() {
        for good in ["0", "+5", "-12", "007", "2147483647"] {
            assert_eq!(reason(INT, good), None, "{good}");
        }
        for bad in ["1.0", "2147483648", "", "1e3", "1 000"] {
            assert!(reason(INT, bad).unwrap().ends_with("is not a valid Int32 value."), "{bad}");
        }
        assert!(reason(SHORT, "40000").unwrap().contains("not a valid Int16 value"));
        assert!(reason(BYTE, "128").unwrap().contains("not a valid SByte value"));
        assert_eq!(reason(BYTE, "15"), None);
        assert!(reason(UNSIGNED_BYTE, "-1").unwrap().contains("not a valid Byte value"));
        assert!(reason(INT, " 12a ").unwrap().contains("The string '12a' is not"), "the collapsed value is shown");
    }

    #[test]
    fn floats_follow_the_invariant_culture() {
        for good in ["100", "1.5", ".5", "5.", "1e5", "-2.5E-3", "INF", "-INF", "NaN"] {
            assert_eq!(reason(FLOAT, good), None, "{good}");
        }
        for bad in ["1,5", "abc", "1e39", "."] {
            assert!(reason(FLOAT, bad).unwrap().contains("not a valid Single value"), "{bad}");
        }
    }

    #[test]
    fn date_times_need_the_t_and_a_real_date() {
        for good in [
            "2021-01-06T18:50:15",
            "2018-10-29T04:06:09.1385321Z",
            "2021-05-14T22:36:14.08z",
            "2024-02-29T00:00:00+05:30",
        ] {
            assert_eq!(reason(DATE_TIME, good), None, "{good}");
        }
        assert_eq!(
            reason(DATE_TIME, "2021-01-06 18:50:15").unwrap(),
            "http://www.w3.org/2001/XMLSchema:dateTime - The string '2021-01-06 18:50:15' is not a valid DateTime value."
        );
        for bad in [
            "2023-02-29T00:00:00",
            "2021-01-06T24:00:00",
            "2021-01-06T10:00:00.",
            "2021-01-06T10:00:00+0100",
            "21-01-06T10:00:00",
        ] {
            assert!(reason(DATE_TIME, bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn enumerations_match_exactly() {
        static KIND: Enumeration = Enumeration { qualified_name: "urn:x:Kind", values: &["File", "Folder"] };
        assert_eq!(reason(SimpleType::Enumeration(&KIND), "File"), None);
        assert_eq!(
            reason(SimpleType::Enumeration(&KIND), "file").unwrap(),
            "urn:x:Kind - The Enumeration constraint failed."
        );
        assert!(reason(SimpleType::Enumeration(&KIND), " File").is_some(), "no whitespace collapse for strings");
    }
}
