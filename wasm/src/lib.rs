//! WebAssembly bindings for bigedit.
//!
//! Empty until the browser engine lands: it will hold only `#[wasm_bindgen]` exports that
//! delegate to [`bigedit_core`], plus the Blob source (`blob.rs`) and the OPFS sink (`opfs.rs`).

pub use bigedit_core as core;
