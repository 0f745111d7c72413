//! A container or queue URL as a client passes it (`azureContainerSourceUri`, …): where the
//! resource is, and the SAS it carries.
//!
//! Both URL styles are understood: host-style (`https://acct.blob.core.windows.net/name?sas`)
//! and Azurite's path-style (`http://127.0.0.1:10000/devstoreaccount1/name?sas`). URLs are
//! used as given (behaviour 31): nothing is rebuilt from the account name. Query parameters
//! that are not part of a SAS, such as `restype=container&comp=list`, are ignored
//! (behaviour 30).

use url::Url;

use super::StorageAccount;
use super::sas::{SasError, SasToken};

/// A parsed resource URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The service root: `scheme://host[:port]` plus Azurite's `/account` segment.
    pub service: Url,
    pub account: String,
    /// Container or queue name.
    pub name: String,
    /// The SAS, or `None` for a URL without one (Entra ID access).
    pub sas: Option<SasToken>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocationError {
    #[error("'{0}' is not an absolute URL")]
    NotAUrl(String),
    #[error("'{0}' does not name a container or queue")]
    NoName(String),
    #[error("the shared access signature is malformed: {0}")]
    Sas(#[from] SasError),
}

impl Location {
    pub fn parse(uri: &str) -> Result<Location, LocationError> {
        let url = Url::parse(uri.trim()).map_err(|_| LocationError::NotAUrl(uri.to_string()))?;
        if url.cannot_be_a_base() || url.host_str().is_none() {
            return Err(LocationError::NotAUrl(uri.to_string()));
        }
        let segments: Vec<&str> =
            url.path_segments().map(|s| s.filter(|p| !p.is_empty()).collect()).unwrap_or_default();
        let host = url.host_str().unwrap_or_default().to_string();
        let (account, name, root_path) = match segments.as_slice() {
            [name] => (host.split('.').next().unwrap_or_default().to_string(), name.to_string(), String::new()),
            [account, name] => (account.to_string(), name.to_string(), format!("/{account}")),
            _ => return Err(LocationError::NoName(uri.to_string())),
        };
        let mut service = url.clone();
        service.set_query(None);
        service.set_fragment(None);
        service.set_path(&root_path);
        let sas = match url.query() {
            Some(query) if query.split('&').any(|p| p.starts_with("sig=")) => Some(SasToken::parse(query)?),
            _ => None,
        };
        let name = percent_encoding::percent_decode_str(&name).decode_utf8_lossy().into_owned();
        Ok(Location { service, account, name, sas })
    }

    /// Whether this resource lives in `account` as configured (same endpoint, same name), so
    /// that the emulator holds its key.
    pub fn is_in(&self, account: &StorageAccount, endpoint: &Url) -> bool {
        self.account == account.name
            && self.service.scheme() == endpoint.scheme()
            && self.service.host_str() == endpoint.host_str()
            && self.service.port_or_known_default() == endpoint.port_or_known_default()
    }

    /// The resource URL with `query` as its query string.
    pub fn url_with(&self, query: &str) -> Url {
        let mut url = StorageAccount::resource_url(&self.service, &self.name);
        url.set_query((!query.is_empty()).then_some(query));
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::account::default_connection_string;

    #[test]
    fn b30_path_style_azurite_url_with_extra_parameters() {
        let loc = Location::parse(
            "http://127.0.0.1:10000/devstoreaccount1/src?sv=2018-03-28&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=abc%2B%3D&restype=container&comp=list",
        )
        .unwrap();
        assert_eq!(loc.account, "devstoreaccount1");
        assert_eq!(loc.name, "src");
        assert_eq!(loc.service.as_str(), "http://127.0.0.1:10000/devstoreaccount1");
        let sas = loc.sas.as_ref().unwrap();
        assert_eq!((sas.permissions.as_str(), sas.signature.as_str()), ("rl", "abc+="));
        let account = StorageAccount::parse(&default_connection_string()).unwrap();
        assert!(loc.is_in(&account, &account.blob_endpoint));
        assert!(!loc.is_in(&account, &account.queue_endpoint));
        assert_eq!(loc.url_with("a=b").as_str(), "http://127.0.0.1:10000/devstoreaccount1/src?a=b");
    }

    #[test]
    fn b31_host_style_urls_are_used_as_given() {
        let loc = Location::parse("https://tenant.blob.core.windows.net:443/0-1623-20230512-abc?sv=2018-03-28&sig=x")
            .unwrap();
        assert_eq!((loc.account.as_str(), loc.name.as_str()), ("tenant", "0-1623-20230512-abc"));
        assert_eq!(loc.service.as_str(), "https://tenant.blob.core.windows.net/");
        let no_sas = Location::parse("https://tenant.queue.core.windows.net/q").unwrap();
        assert!(no_sas.sas.is_none());
    }

    #[test]
    fn bad_urls() {
        assert!(matches!(Location::parse("not a url"), Err(LocationError::NotAUrl(_))));
        assert!(matches!(Location::parse("http://h/"), Err(LocationError::NoName(_))));
        assert!(matches!(Location::parse("http://h/a/b/c"), Err(LocationError::NoName(_))));
        assert!(matches!(Location::parse("http://h/a/b?sig=x"), Err(LocationError::Sas(SasError::MissingVersion))));
    }
}
