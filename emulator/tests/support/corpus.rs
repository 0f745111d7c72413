//! The package corpus (`testdata/packages/`) as tests use it: the base package copied to a
//! scratch folder and edited there.

use std::path::{Path, PathBuf};

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/packages")
}

/// A copy of the base package.
pub fn base_copy() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    copy_tree(&corpus().join("base"), out.path());
    out
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Rewrites one file of a package folder; `edit` must change it.
pub fn edit(dir: &Path, name: &str, edit: impl FnOnce(&str) -> String) {
    let path = dir.join(name);
    let before = std::fs::read_to_string(&path).unwrap();
    let after = edit(&before);
    assert_ne!(before, after, "the edit of {name} changed nothing");
    std::fs::write(path, after).unwrap();
}
