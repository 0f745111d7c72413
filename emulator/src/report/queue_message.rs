//! The text of a queue message: the event JSON, or for encrypted jobs the envelope
//! `{"Label":"Encrypted","JobId":…,"IV":…,"Content":…}` with a fresh IV per message
//! (behaviours 67, 68). The queue client base64-encodes whatever text it is given.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;
use uuid::Uuid;

use crate::ids::Ids;
use crate::storage::crypto::{self, IV_LEN, JobKey};

pub fn text(job_id: Uuid, event_json: &str, key: Option<&JobKey>, ids: &Ids) -> String {
    match key {
        None => event_json.to_string(),
        Some(key) => envelope(job_id, event_json, key, &ids.bytes()),
    }
}

fn envelope(job_id: Uuid, event_json: &str, key: &JobKey, iv: &[u8; IV_LEN]) -> String {
    let content = crypto::encrypt(key, iv, event_json.as_bytes());
    json!({
        "Label": "Encrypted",
        "JobId": job_id.to_string(),
        "IV": BASE64.encode(iv),
        "Content": BASE64.encode(content),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b67_envelope_matches_the_worked_example() {
        // events.md §8: key 0x00..0x1F, IV 0x00..0x0F.
        let key = JobKey::from_bytes(&(0u8..32).collect::<Vec<_>>()).unwrap();
        let iv: [u8; 16] = (0u8..16).collect::<Vec<_>>().try_into().unwrap();
        let event =
            r#"{"Event":"JobQueued","JobId":"845daca4-5529-4b0e-85ab-a603efee5b12","Time":"09/29/2020 19:56:02.883"}"#;
        let job = "845daca4-5529-4b0e-85ab-a603efee5b12".parse().unwrap();
        let sealed = envelope(job, event, &key, &iv);
        assert_eq!(
            BASE64.encode(&sealed),
            "eyJMYWJlbCI6IkVuY3J5cHRlZCIsIkpvYklkIjoiODQ1ZGFjYTQtNTUyOS00YjBlLTg1YWItYTYwM2VmZWU1YjEyIiwiSVYiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R3PT0iLCJDb250ZW50IjoiWFk4UWhwQzJaU2w3QVpnRmZDSjBIY3B2VTFYMUNhemtoQ1craTdOSFQ3RlMzMlBueGtDZm5DTGVOcXBaN2U3SHEwNVJ3NCtTSWFMK1hjL2xPbVRJRzJURXZ4VVh0OWFjMHdFRTJKL2ZaSk5hK0gxVkpxSjdjMjhHeWJJWG1RZVh0SFJEdEpIMzBrenY1Y1JSUUs1M3NBPT0ifQ=="
        );
        assert_eq!(text(job, event, None, &Ids::random()), event);
    }

    #[test]
    fn b68_each_message_gets_a_fresh_iv() {
        let key = JobKey::from_bytes(&[9u8; 32]).unwrap();
        let ids = Ids::random();
        let a = text(Uuid::nil(), "{}", Some(&key), &ids);
        let b = text(Uuid::nil(), "{}", Some(&key), &ids);
        assert_ne!(a, b);
    }
}
