//! Whole-document reading (the small package files): any bytes give a tree or an `XmlError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spmig::package::xml::{Limits, read_document};

fuzz_target!(|data: &[u8]| {
    let _ = read_document(data, &Limits::default());
});
