//! Attribute values of package XML as typed values: GUIDs, xs:dateTime, xs:int, xs:boolean,
//! base64 hashes, and the URL forms generators write.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use time::format_description::well_known::Iso8601;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use uuid::Uuid;

/// Length of an MD5 (128 bits), as `MD5Hash` and Content-MD5 carry it.
pub const MD5_LEN: usize = 16;
/// Length of a QuickXorHash (160 bits), as `Checksum` carries it.
pub const QUICK_XOR_LEN: usize = 20;

/// The claims prefix of a cloud account's login.
pub const MEMBERSHIP_CLAIM: &str = "i:0#.f|membership|";

/// The account a login names: the part after its claims prefix (`i:0#.f|membership|`,
/// `i:0#.w|`, …), trimmed. Case is kept; compare accounts case-insensitively.
pub fn login_account(login: &str) -> &str {
    login.rsplit('|').next().unwrap_or(login).trim()
}

/// Whether a login is a UPN in membership claims form, the form the documentation asks for
/// (behaviour 109).
pub fn is_upn_claim(login: &str) -> bool {
    let login = login.trim();
    login.get(..MEMBERSHIP_CLAIM.len()).is_some_and(|prefix| prefix.eq_ignore_ascii_case(MEMBERSHIP_CLAIM))
        && names_an_upn(&login[MEMBERSHIP_CLAIM.len()..])
}

/// Whether a login names a user principal name, bare or in membership claims form: what a
/// tenant's directory can resolve. Windows logins (`CONTOSO\ada`, `i:0#.w|…`) cannot.
pub fn names_an_upn(login: &str) -> bool {
    let login = login.trim();
    let account = match login.get(..MEMBERSHIP_CLAIM.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(MEMBERSHIP_CLAIM) => &login[MEMBERSHIP_CLAIM.len()..],
        _ => login,
    };
    !account.contains(['|', '\\', ' '])
        && account.split_once('@').is_some_and(|(name, domain)| !name.is_empty() && domain.contains('.'))
}

/// A GUID in any of .NET's accepted spellings (braces, any case).
pub fn guid(text: &str) -> Option<Uuid> {
    Uuid::parse_str(text.trim().trim_start_matches('{').trim_end_matches('}')).ok()
}

/// An xs:dateTime. Values without an offset are UTC, as generators write them; values with
/// one are converted to UTC (open question Q20).
pub fn datetime(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(at.to_offset(UtcOffset::UTC));
    }
    PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).ok().map(PrimitiveDateTime::assume_utc)
}

/// An xs:boolean: `true`, `false`, `1` or `0`.
pub fn boolean(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Base64 bytes of an exact length (an MD5 is 16, an IV 16, a QuickXorHash 20).
pub fn base64_of_len(text: &str, len: usize) -> Option<Vec<u8>> {
    BASE64.decode(text.trim()).ok().filter(|bytes| bytes.len() == len)
}

/// Whether a `FileValue` names a blob inside the source container and nothing else
/// (behaviour 131): a relative name whose `/`-separated parts are neither empty, `.` nor `..`,
/// without backslashes (URL stacks read them as `/`) or control characters. Anything else
/// could, once in a URL, address a blob outside the container.
pub fn is_contained_blob_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 1024
        && !name.chars().any(|c| c == '\\' || c.is_control())
        && name.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The server-relative URL a manifest `Url` denotes inside the web at `web_url`. Generators
/// write web-relative (`Shared Documents/a.txt`), server-relative with or without the leading
/// slash (`sites/dev/Shared Documents/a.txt`), or relative to the root (`/Shared Documents/a.txt`
/// with `ParentWebUrl="/"`); all mean the same place (open question Q28).
pub fn server_relative(web_url: &str, url: &str) -> String {
    let web = web_url.trim_matches('/');
    let mut rest = url.trim().trim_matches('/');
    if !web.is_empty() {
        let prefix_len = web.len() + 1;
        if rest.len() > web.len() && rest.as_bytes()[web.len()] == b'/' && rest[..web.len()].eq_ignore_ascii_case(web) {
            rest = &rest[prefix_len..];
        } else if rest.eq_ignore_ascii_case(web) {
            rest = "";
        }
    }
    match (web.is_empty(), rest.is_empty()) {
        (true, true) => "/".into(),
        (true, false) => format!("/{rest}"),
        (false, true) => format!("/{web}"),
        (false, false) => format!("/{web}/{rest}"),
    }
}

/// The last segment of a URL.
pub fn leaf(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

/// Everything before the last segment.
pub fn parent(url: &str) -> &str {
    let url = url.trim_end_matches('/');
    match url.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &url[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn b109_logins_that_name_an_upn() {
        assert!(names_an_upn("i:0#.f|membership|ada@contoso.com"));
        assert!(names_an_upn("I:0#.F|Membership|Ada@Contoso.com"), "the claims prefix is case-insensitive");
        assert!(names_an_upn("ada@contoso.com"));
        assert!(!names_an_upn("i:0#.w|contoso\\ada"));
        assert!(!names_an_upn("CONTOSO\\ada"));
        assert!(!names_an_upn("ada"));
        assert!(is_upn_claim("i:0#.f|membership|ada@contoso.com"));
        assert!(!is_upn_claim("ada@contoso.com"), "a bare UPN is not the documented form");
        assert_eq!(login_account(" i:0#.w|contoso\\ada "), "contoso\\ada");
    }

    #[test]
    fn values() {
        assert_eq!(
            guid("{0B2C6D9E-1111-2222-3333-444455556666}").unwrap().to_string(),
            "0b2c6d9e-1111-2222-3333-444455556666"
        );
        assert!(guid("nope").is_none());
        assert_eq!(datetime("2021-01-06T18:43:38"), Some(datetime!(2021-01-06 18:43:38 UTC)));
        assert_eq!(datetime("2024-01-02T00:00:00Z"), Some(datetime!(2024-01-02 0:00 UTC)));
        assert_eq!(datetime("2024-01-02T02:00:00+02:00"), Some(datetime!(2024-01-02 0:00 UTC)));
        assert_eq!(datetime("2018-10-29T04:06:09.1385321Z").map(|d| d.second()), Some(9));
        assert!(datetime("2024-01-02 00:00:00").is_none());
        assert_eq!(boolean("1"), Some(true));
        assert_eq!(boolean("TRUE"), None);
        assert!(base64_of_len("qVBFIb8MJLzT5INrE4XcDQ==", 16).is_some());
        assert!(base64_of_len("CXPP/MWYxY87NjjnLZrFg==", 16).is_none());
    }

    #[test]
    fn url_forms_resolve_to_one_place() {
        for url in [
            "Shared Documents/a.txt",
            "sites/dev/Shared Documents/a.txt",
            "/sites/dev/Shared Documents/a.txt",
            "/Shared Documents/a.txt",
        ] {
            assert_eq!(server_relative("/sites/dev", url), "/sites/dev/Shared Documents/a.txt", "{url}");
        }
        assert_eq!(server_relative("/", "/Shared Documents/a.txt"), "/Shared Documents/a.txt");
        assert_eq!(server_relative("/sites/dev", "sites/dev"), "/sites/dev");
        assert_eq!(server_relative("/sites/dev", "sites/development/x"), "/sites/dev/sites/development/x");
        assert_eq!(leaf("/a/b/c.txt"), "c.txt");
        assert_eq!(parent("/a/b/c.txt"), "/a/b");
        assert_eq!(parent("/a"), "/");
    }
}

#[cfg(test)]
mod blob_name_tests {
    use super::is_contained_blob_name;

    #[test]
    fn b131_file_values_stay_inside_the_container() {
        for good in ["00000000.dat", "Projects/2021/report.docx", "a b/c'd.txt", "{guid}.dat", "..dat", "a/...b"] {
            assert!(is_contained_blob_name(good), "{good}");
        }
        for bad in ["", "/abs.dat", "../other/x.dat", "a/../../x", "a//b", "./a", "a\\b", "a\u{0}b", "dir/"] {
            assert!(!is_contained_blob_name(bad), "{bad:?}");
        }
    }
}
