//! Shared access signatures: parsing, signing and verifying, per the documented
//! string-to-sign of each signed version.
//!
//! The emulator signs SAS tokens when it provisions containers and queues, and verifies the
//! client's tokens itself when it holds the account key — Azurite rejects snapshot reads made
//! with container SAS tokens of signed version 2018-11-09 or later (Azurite issue 1857), while
//! real Azure accepts them. One token type serves both directions so the two can never drift.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use time::macros::format_description;

/// What a token is scoped to; decides the canonicalized resource of the string-to-sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SasScope<'a> {
    Container { container: &'a str },
    Blob { container: &'a str, blob: &'a str },
    Queue { queue: &'a str },
    Account,
}

/// The parameters of a SAS token, named after their query keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SasToken {
    /// `sv`
    pub version: String,
    /// `sp`, letters as given (order is not normalised).
    pub permissions: String,
    /// `st`
    pub start: Option<String>,
    /// `se`
    pub expiry: Option<String>,
    /// `sr`: `c` container, `b` blob (service SAS for blobs only).
    pub resource: Option<String>,
    /// `ss` (account SAS)
    pub services: Option<String>,
    /// `srt` (account SAS)
    pub resource_types: Option<String>,
    /// `spr`
    pub protocol: Option<String>,
    /// `sip`
    pub ip: Option<String>,
    /// `si`
    pub identifier: Option<String>,
    /// `ses`
    pub encryption_scope: Option<String>,
    /// `rscc`, `rscd`, `rsce`, `rscl`, `rsct`: response header overrides.
    pub response_headers: [Option<String>; 5],
    /// `sig`, base64.
    pub signature: String,
}

const RESPONSE_HEADER_KEYS: [&str; 5] = ["rscc", "rscd", "rsce", "rscl", "rsct"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SasError {
    #[error("the URI has no shared access signature (no 'sig' parameter)")]
    MissingSignature,
    #[error("the shared access signature has no signed version ('sv')")]
    MissingVersion,
    #[error("the shared access signature has signed version '{0}', older than the supported 2015-04-05")]
    UnsupportedVersion(String),
}

/// Oldest signed version whose string-to-sign layout we implement.
const OLDEST_VERSION: &str = "2015-04-05";

impl SasToken {
    /// Reads the SAS parameters out of a URL query, ignoring unrelated parameters such as
    /// `restype=container&comp=list`, which real clients append and the service tolerates.
    pub fn parse(query: &str) -> Result<Self, SasError> {
        let mut token = SasToken::default();
        let mut has_signature = false;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "sv" => token.version = value,
                "sp" => token.permissions = value,
                "st" => token.start = Some(value),
                "se" => token.expiry = Some(value),
                "sr" => token.resource = Some(value),
                "ss" => token.services = Some(value),
                "srt" => token.resource_types = Some(value),
                "spr" => token.protocol = Some(value),
                "sip" => token.ip = Some(value),
                "si" => token.identifier = Some(value),
                "ses" => token.encryption_scope = Some(value),
                "sig" => {
                    has_signature = true;
                    token.signature = value;
                }
                other => {
                    if let Some(i) = RESPONSE_HEADER_KEYS.iter().position(|k| *k == other) {
                        token.response_headers[i] = Some(value);
                    }
                }
            }
        }
        if !has_signature {
            return Err(SasError::MissingSignature);
        }
        if token.version.is_empty() {
            return Err(SasError::MissingVersion);
        }
        if token.version.as_str() < OLDEST_VERSION {
            return Err(SasError::UnsupportedVersion(token.version));
        }
        Ok(token)
    }

    /// Whether `sp` grants the permission letter `letter`.
    /// Whether the token's start (`st`) is still to come at `now`.
    pub fn not_yet_valid(&self, now: OffsetDateTime) -> bool {
        self.start.as_deref().and_then(parse_sas_time).is_some_and(|st| st > now)
    }

    /// Whether the token is past its expiry (`se`) at `now`. A token without a readable
    /// expiry has no validity window (stored access policies are not emulated), so it counts
    /// as expired.
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        self.expiry.as_deref().and_then(parse_sas_time).is_none_or(|se| se < now)
    }

    pub fn grants(&self, letter: char) -> bool {
        self.permissions.contains(letter)
    }

    /// The documented string-to-sign for this token's version and scope. Dates compare as
    /// strings because signed versions are ISO dates.
    pub fn string_to_sign(&self, account: &str, scope: SasScope<'_>) -> String {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let v = self.version.as_str();
        let mut fields: Vec<String> = Vec::with_capacity(17);
        match scope {
            SasScope::Account => {
                fields.extend([
                    account.to_string(),
                    self.permissions.clone(),
                    opt(&self.services),
                    opt(&self.resource_types),
                    opt(&self.start),
                    opt(&self.expiry),
                    opt(&self.ip),
                    opt(&self.protocol),
                    self.version.clone(),
                ]);
                if v >= "2020-12-06" {
                    fields.push(opt(&self.encryption_scope));
                }
                // The account layout ends with a newline after its last field.
                fields.push(String::new());
            }
            SasScope::Queue { queue } => fields.extend([
                self.permissions.clone(),
                opt(&self.start),
                opt(&self.expiry),
                format!("/queue/{account}/{queue}"),
                opt(&self.identifier),
                opt(&self.ip),
                opt(&self.protocol),
                self.version.clone(),
            ]),
            SasScope::Container { .. } | SasScope::Blob { .. } => {
                let resource = match scope {
                    SasScope::Blob { container, blob } => {
                        format!("/blob/{account}/{container}/{blob}")
                    }
                    SasScope::Container { container } => format!("/blob/{account}/{container}"),
                    _ => unreachable!("outer match arm"),
                };
                fields.extend([
                    self.permissions.clone(),
                    opt(&self.start),
                    opt(&self.expiry),
                    resource,
                    opt(&self.identifier),
                    opt(&self.ip),
                    opt(&self.protocol),
                    self.version.clone(),
                ]);
                if v >= "2018-11-09" {
                    fields.push(opt(&self.resource));
                    // signedSnapshotTime: the emulator never scopes tokens to one snapshot.
                    fields.push(String::new());
                }
                if v >= "2020-12-06" {
                    fields.push(opt(&self.encryption_scope));
                }
                fields.extend(self.response_headers.iter().map(opt));
            }
        }
        fields.join("\n")
    }

    /// Signs the token with the account key (HMAC-SHA256 over the string-to-sign).
    pub fn sign(mut self, account: &str, key: &[u8], scope: SasScope<'_>) -> Self {
        self.signature = BASE64.encode(self.mac(account, key, scope).finalize().into_bytes());
        self
    }

    /// Whether the signature is the account key's signature of this token, compared in
    /// constant time.
    pub fn verify(&self, account: &str, key: &[u8], scope: SasScope<'_>) -> bool {
        let Ok(signature) = BASE64.decode(&self.signature) else {
            return false;
        };
        self.mac(account, key, scope).verify_slice(&signature).is_ok()
    }

    fn mac(&self, account: &str, key: &[u8], scope: SasScope<'_>) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
        mac.update(self.string_to_sign(account, scope).as_bytes());
        mac
    }

    /// The token as a URL query (without the leading `?`).
    pub fn to_query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("sv", &self.version);
        let optional = [("ss", &self.services), ("srt", &self.resource_types), ("sr", &self.resource)];
        for (key, value) in optional {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        query.append_pair("sp", &self.permissions);
        let optional = [
            ("st", &self.start),
            ("se", &self.expiry),
            ("sip", &self.ip),
            ("spr", &self.protocol),
            ("si", &self.identifier),
            ("ses", &self.encryption_scope),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        for (key, value) in RESPONSE_HEADER_KEYS.iter().zip(&self.response_headers) {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        query.append_pair("sig", &self.signature);
        query.finish()
    }
}

/// Formats a time the way SAS `st`/`se` values are written: `2026-11-25T01:56:54Z`.
pub fn sas_time(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
        .expect("a UTC date always formats")
}

/// Reads an `st`/`se` value: a UTC date-time, or a date alone (midnight UTC), as Azure accepts.
pub fn parse_sas_time(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        let date = time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
        Some(date.midnight().assume_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::account::{AZURITE_ACCOUNT, AZURITE_KEY};

    fn key() -> Vec<u8> {
        BASE64.decode(AZURITE_KEY).unwrap()
    }

    fn container_token(version: &str) -> SasToken {
        SasToken {
            version: version.into(),
            permissions: "rl".into(),
            expiry: Some("2030-01-01T00:00:00Z".into()),
            resource: Some("c".into()),
            ..Default::default()
        }
    }

    #[test]
    fn container_layout_depends_on_version() {
        let scope = SasScope::Container { container: "src" };
        let old = container_token("2018-03-28").string_to_sign(AZURITE_ACCOUNT, scope);
        assert_eq!(old, "rl\n\n2030-01-01T00:00:00Z\n/blob/devstoreaccount1/src\n\n\n\n2018-03-28\n\n\n\n\n");
        let mid = container_token("2019-12-12").string_to_sign(AZURITE_ACCOUNT, scope);
        assert_eq!(mid.split('\n').count(), 15);
        let new = container_token("2025-11-05").string_to_sign(AZURITE_ACCOUNT, scope);
        assert_eq!(new.split('\n').count(), 16);
        assert!(new.contains("2025-11-05\nc\n\n\n"));
    }

    #[test]
    fn account_layout_ends_with_newline() {
        let token = SasToken {
            version: "2018-03-28".into(),
            permissions: "rwdlac".into(),
            services: Some("bq".into()),
            resource_types: Some("sco".into()),
            expiry: Some("2030-01-01T00:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(
            token.string_to_sign(AZURITE_ACCOUNT, SasScope::Account),
            "devstoreaccount1\nrwdlac\nbq\nsco\n\n2030-01-01T00:00:00Z\n\n\n2018-03-28\n"
        );
    }

    #[test]
    fn sign_then_parse_then_verify() {
        let scope = SasScope::Queue { queue: "q1" };
        let token = SasToken {
            version: "2018-03-28".into(),
            permissions: "raup".into(),
            expiry: Some("2030-01-01T00:00:00Z".into()),
            ..Default::default()
        }
        .sign(AZURITE_ACCOUNT, &key(), scope);
        let query = format!("{}&restype=container&comp=list", token.to_query());
        let parsed = SasToken::parse(&query).unwrap();
        assert_eq!(parsed, token);
        assert!(parsed.verify(AZURITE_ACCOUNT, &key(), scope));
        assert!(!parsed.verify(AZURITE_ACCOUNT, &key(), SasScope::Queue { queue: "q2" }));
        let mut tampered = parsed.clone();
        tampered.permissions = "raupd".into();
        assert!(!tampered.verify(AZURITE_ACCOUNT, &key(), scope));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(SasToken::parse("sv=2018-03-28&sp=r"), Err(SasError::MissingSignature));
        assert_eq!(SasToken::parse("sp=r&sig=abc"), Err(SasError::MissingVersion));
        assert_eq!(SasToken::parse("sv=2012-02-12&sig=abc"), Err(SasError::UnsupportedVersion("2012-02-12".into())));
    }

    #[test]
    fn sas_times_parse_with_or_without_time() {
        assert_eq!(parse_sas_time("2030-01-02T03:04:05Z"), Some(time::macros::datetime!(2030-01-02 03:04:05 UTC)));
        assert_eq!(parse_sas_time("2030-01-02"), Some(time::macros::datetime!(2030-01-02 00:00 UTC)));
        assert_eq!(parse_sas_time("soon"), None);
    }

    #[test]
    fn times_are_second_precision_utc() {
        let at = time::macros::datetime!(2026-11-25 01:56:54.987 +02:00);
        assert_eq!(sas_time(at), "2026-11-24T23:56:54Z");
    }
}
