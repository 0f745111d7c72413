//! Streaming reading (Manifest.xml): any bytes give children then at most one `XmlError`, and
//! the stream ends after it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spmig::package::xml::{ChildStream, Limits};

fuzz_target!(|data: &[u8]| {
    // Small limits so that the limit paths are reached by small inputs too.
    let limits = Limits {
        max_depth: 8,
        max_attributes: 16,
        max_name_len: 64,
        max_attribute_len: 256,
        max_child_bytes: 4096,
        max_elements: 64,
    };
    let Ok(stream) = ChildStream::new(data, limits) else { return };
    let mut errors = 0;
    for child in stream {
        if child.is_err() {
            errors += 1;
        }
    }
    assert!(errors <= 1, "a stream goes on after an error");
});
