//! Schema validation and the readers of each package file: the first byte picks the file, the
//! rest is its text. Whatever the text, validation ends with a verdict, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spmig::package::files;
use spmig::package::schema::{self, Validator, manifest};
use spmig::package::xml::{ChildStream, Limits, read_document};

const FILES: [&str; 8] = [
    "ExportSettings.xml",
    "SystemData.xml",
    "UserGroup.xml",
    "RootObjectMap.xml",
    "LookupListMap.xml",
    "Requirements.xml",
    "ViewFormsList.xml",
    "ArchivedFiles.xml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else { return };
    match FILES.get(usize::from(pick) % (FILES.len() + 1)) {
        Some(name) => package_file(name, text),
        None => manifest_file(text),
    }
});

fn package_file(name: &str, text: &[u8]) {
    let Ok(root) = read_document(text, &Limits::default()) else { return };
    let schema = schema::for_file(name).expect("every listed file has a schema");
    if Validator::new(schema).document(&root).is_err() {
        return;
    }
    // A valid file is read into the package's model.
    match name {
        "SystemData.xml" => drop(files::system_data(&root)),
        "UserGroup.xml" => drop(files::user_group(&root)),
        "RootObjectMap.xml" => drop(files::root_objects(&root)),
        "ArchivedFiles.xml" => drop(files::archived_files(&root)),
        _ => {}
    }
}

fn manifest_file(text: &[u8]) {
    let Ok(stream) = ChildStream::new(text, Limits::default()) else { return };
    let root = stream.root().clone();
    let mut validator = Validator::new(&manifest::SCHEMA);
    let Ok(mut progress) = validator.start(&root) else { return };
    for child in stream {
        let Ok(child) = child else { return };
        if validator.child(&mut progress, &root, &child).is_err() {
            return;
        }
    }
    let _ = validator.finish(progress, &root);
}
