//! The migration tool's side of the conversation: what an ISV's tool does with storage and the
//! REST API. Tests, benchmarks and the scenario runner use it to act as the client, through
//! the same official SDK and the same SAS rules a real tool would.

pub mod events;
pub mod package;
