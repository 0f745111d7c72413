//! Bearer-token authentication for SharePoint paths (`/_api`, and everything under a site).
//!
//! SharePoint validates OAuth tokens against Entra ID; the emulator cannot and need not. By
//! default any non-empty bearer token is accepted with full control; `--tokens FILE` restricts
//! the accepted tokens to a list, each with the site permission it was granted, so a test can
//! prove its tool sends the token it should and copes with too few rights (behaviour 76).

use std::collections::HashMap;
use std::path::Path;

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::SpError;

/// The emulated tenant's id, used as the OAuth realm.
pub const TENANT_ID: &str = "5d1a4f53-3c1e-4f7e-9b55-7f0c2f1e8a11";

/// A token's rights on the site, as Microsoft Graph names the application permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    None,
    /// `Sites.Read.All`: enough for GetMigrationJobProgress (documented) and every read.
    Read,
    /// `Sites.ReadWrite.All`
    ReadWrite,
    /// `Sites.FullControl.All`: creating migration jobs overwrites authors and permissions, so
    /// it takes a site collection administrator (api.md §11, INFERRED).
    FullControl,
}

impl Permission {
    fn parse(name: &str) -> Option<Permission> {
        match name.to_ascii_lowercase().as_str() {
            "none" => Some(Permission::None),
            "sites.read.all" => Some(Permission::Read),
            "sites.readwrite.all" => Some(Permission::ReadWrite),
            "sites.fullcontrol.all" => Some(Permission::FullControl),
            _ => None,
        }
    }
}

/// Who is calling, as far as the emulator can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub permission: Permission,
    /// A user's (delegated) token rather than an app-only one: its JWT payload has `scp`.
    pub delegated: bool,
}

impl Caller {
    /// 403 unless the caller holds `needed`.
    pub fn require(&self, needed: Permission) -> Result<(), SpError> {
        if self.permission >= needed { Ok(()) } else { Err(SpError::access_denied()) }
    }
}

/// Accepts the request when it carries `Authorization: Bearer <token>` with a non-empty token
/// that is in `allowed` (when a list is configured).
pub fn check(headers: &HeaderMap, allowed: Option<&HashMap<String, Permission>>) -> Result<Caller, SpError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(SpError::unauthenticated)?;
    let permission = match allowed {
        None => Permission::FullControl,
        Some(tokens) => *tokens.get(token).ok_or_else(SpError::access_denied)?,
    };
    Ok(Caller { permission, delegated: is_delegated(token) })
}

/// Whether a JWT carries delegated scopes (`scp`); opaque tokens count as app-only.
fn is_delegated(token: &str) -> bool {
    let Some(payload) = token.split('.').nth(1) else { return false };
    let Ok(json) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else { return false };
    serde_json::from_slice::<serde_json::Value>(&json).is_ok_and(|claims| claims.get("scp").is_some())
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

/// Reads a tokens file: one token per line, optionally followed by its permission
/// (`Sites.Read.All`, `Sites.ReadWrite.All`, `Sites.FullControl.All` — the default — or
/// `none`); blank lines and `#` comments are ignored.
pub fn load_tokens(path: &Path) -> Result<HashMap<String, Permission>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read tokens file {}: {e}", path.display()))?;
    let mut tokens = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let token = words.next().unwrap_or_default().to_string();
        let permission = match words.next() {
            None => Permission::FullControl,
            Some(name) => Permission::parse(name).ok_or_else(|| {
                format!(
                    "{}:{}: unknown permission '{name}' (Sites.Read.All, Sites.ReadWrite.All, \
                     Sites.FullControl.All or none)",
                    path.display(),
                    number + 1
                )
            })?,
        };
        tokens.insert(token, permission);
    }
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
        let allowed = HashMap::from([("good".to_string(), Permission::Read)]);
        assert_eq!(check(&headers("Bearer good"), Some(&allowed)).unwrap().permission, Permission::Read);
        assert_eq!(check(&headers("Bearer bad"), Some(&allowed)).unwrap_err().status, StatusCode::FORBIDDEN);
        assert_eq!(check(&headers("Bearer abc"), None).unwrap().permission, Permission::FullControl);
    }

    #[test]
    fn delegated_tokens_carry_scopes() {
        let jwt = |claims: &str| format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims));
        assert!(is_delegated(&jwt(r#"{"scp":"AllSites.FullControl","upn":"ada@contoso.com"}"#)));
        assert!(!is_delegated(&jwt(r#"{"roles":["Sites.FullControl.All"]}"#)));
        assert!(!is_delegated("opaque-test-token"));
    }

    #[test]
    fn tokens_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# ci tokens\n\n tool-a \ntool-b  Sites.Read.All\n").unwrap();
        assert_eq!(
            load_tokens(&path).unwrap(),
            HashMap::from([("tool-a".into(), Permission::FullControl), ("tool-b".into(), Permission::Read)])
        );
        std::fs::write(&path, "tool-c Sites.Write.All\n").unwrap();
        assert!(load_tokens(&path).unwrap_err().contains("tokens:1: unknown permission 'Sites.Write.All'"));
        std::fs::write(&path, "# none\n").unwrap();
        assert!(load_tokens(&path).unwrap_err().contains("lists no tokens"));
        assert!(load_tokens(&dir.path().join("missing")).is_err());
    }
}
