//! The import package: a safe streaming XML front end, and typed readings of the package files
//! and manifest objects. Pure functions over readers and values: no storage, no site model.

pub mod archive;
pub mod files;
pub mod inspect;
pub mod intake;
pub mod offline;
pub mod schema;
pub mod values;
pub mod xml;
