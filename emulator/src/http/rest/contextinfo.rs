//! `POST {web}/_api/contextinfo`: the form digest and version information clients fetch
//! before writing (`SP.ContextWebInformation`).

use time::OffsetDateTime;
use time::macros::format_description;

use super::entities::{Key, Target};
use crate::http::odata::{Prop, Reply};

/// The SharePoint Online build the emulator reports itself as.
pub const LIBRARY_VERSION: &str = "16.0.26712.12007";
/// Seconds a form digest is valid, as in SharePoint Online.
const DIGEST_TIMEOUT_SECONDS: i32 = 1800;

pub fn reply(target: &Target) -> Reply<Key> {
    Reply::Complex {
        function: "GetContextWebInformation",
        type_name: "SP.ContextWebInformation",
        props: vec![
            Prop::new("FormDigestTimeoutSeconds", DIGEST_TIMEOUT_SECONDS),
            Prop::new("FormDigestValue", form_digest(OffsetDateTime::now_utc())),
            Prop::new("LibraryVersion", LIBRARY_VERSION),
            Prop::new("SiteFullUrl", target.absolute(&target.site.url)),
            Prop::strings("SupportedSchemaVersions", vec!["14.0.0.0".into(), "15.0.0.0".into()]),
            Prop::new("WebFullUrl", target.absolute(&target.web.url)),
        ],
    }
}

/// `0x` + 128 upper-case hex digits + `,dd Mon yyyy HH:mm:ss -0000`. OAuth callers never need
/// it back (behaviour 170), so the emulator does not check digests it receives.
fn form_digest(now: OffsetDateTime) -> String {
    let random: String = (0..4).map(|_| uuid::Uuid::new_v4().simple().to_string().to_uppercase()).collect();
    let stamp = now
        .format(format_description!("[day] [month repr:short] [year] [hour]:[minute]:[second] -0000"))
        .expect("UTC dates format");
    format!("0x{random},{stamp}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_shape() {
        let digest = form_digest(time::macros::datetime!(2026-11-05 01:02:03 UTC));
        let (hex, stamp) = digest.split_once(',').unwrap();
        assert_eq!(hex.len(), 130);
        assert!(hex[2..].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        assert_eq!(stamp, "05 Nov 2026 01:02:03 -0000");
    }
}
