//! Bearer-token authentication for SharePoint paths (`/_api`, and everything under a site).
//!
//! SharePoint validates OAuth tokens against Entra ID; the emulator cannot and need not. By
//! default any non-empty bearer token is accepted; `--tokens FILE` restricts the accepted
//! tokens to a list, so a test can prove its tool sends the token it should.

use std::collections::HashSet;
use std::path::Path;

use axum::http::{HeaderMap, HeaderValue, header};

use super::error::SpError;

/// The emulated tenant's id, used as the OAuth realm.
pub const TENANT_ID: &str = "5d1a4f53-3c1e-4f7e-9b55-7f0c2f1e8a11";

/// Accepts the request when it carries `Authorization: Bearer <token>` with a non-empty token
/// that is in `allowed` (when a list is configured).
pub fn check(headers: &HeaderMap, allowed: Option<&HashSet<String>>) -> Result<(), SpError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(SpError::unauthenticated)?;
    match allowed {
        Some(tokens) if !tokens.contains(token) => Err(SpError::access_denied()),
        _ => Ok(()),
    }
}

/// The `WWW-Authenticate` challenge SharePoint Online sends with a 401.
pub fn challenge() -> HeaderValue {
    HeaderValue::from_str(&format!(
        "Bearer realm=\"{TENANT_ID}\",client_id=\"00000003-0000-0ff1-ce00-000000000000\",\
         trusted_issuers=\"00000001-0000-0000-c000-000000000000@*,D3776938-3DBA-481F-A652-4BEDFCAB7CD8@*,\
         https://sts.windows.net/*/,00000003-0000-0ff1-ce00-000000000000@90140122-8516-11e1-8eff-49304924019b\",\
         authorization_uri=\"https://login.windows.net/common/oauth2/authorize\""
    ))
    .expect("the challenge is ASCII")
}

/// Reads a tokens file: one token per line; blank lines and `#` comments are ignored.
pub fn load_tokens(path: &Path) -> Result<HashSet<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read tokens file {}: {e}", path.display()))?;
    let tokens: HashSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect();
    if tokens.is_empty() {
        return Err(format!("tokens file {} lists no tokens", path.display()));
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn bearer_rules() {
        assert!(check(&headers("Bearer abc"), None).is_ok());
        assert!(check(&headers("bearer abc"), None).is_ok());
        for bad in ["Bearer ", "Basic abc", "abc"] {
            assert_eq!(check(&headers(bad), None).unwrap_err().status, StatusCode::UNAUTHORIZED, "{bad}");
        }
        assert_eq!(check(&HeaderMap::new(), None).unwrap_err().status, StatusCode::UNAUTHORIZED);
        let allowed = HashSet::from(["good".to_string()]);
        assert!(check(&headers("Bearer good"), Some(&allowed)).is_ok());
        assert_eq!(check(&headers("Bearer bad"), Some(&allowed)).unwrap_err().status, StatusCode::FORBIDDEN);
    }

    #[test]
    fn tokens_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# ci tokens\n\n tool-a \ntool-b\n").unwrap();
        assert_eq!(load_tokens(&path).unwrap(), HashSet::from(["tool-a".into(), "tool-b".into()]));
        std::fs::write(&path, "# none\n").unwrap();
        assert!(load_tokens(&path).unwrap_err().contains("lists no tokens"));
        assert!(load_tokens(&dir.path().join("missing")).is_err());
    }
}
