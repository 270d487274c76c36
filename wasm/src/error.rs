//! The one conversion from core errors to JavaScript exceptions.
//!
//! A request that names a position the document does not have (a line or byte past the end,
//! a reversed range, line 0) becomes a `RangeError`; every other core error a `TypeError`;
//! both carry the core's one-line message. A failing host read becomes a plain `Error` with
//! the offset and the host's message.

use std::fmt;

use bigedit_core::csv::CsvError;
use bigedit_core::{EditError, Error};
use wasm_bindgen::{JsCast, JsValue};

/// A host (JavaScript) failure: a read or write that threw, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError(pub String);

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl HostError {
    /// The message of a thrown JavaScript value (an `Error`'s `message`, else its string).
    pub fn from_js(value: &JsValue) -> HostError {
        if let Some(e) = value.dyn_ref::<js_sys::Error>() {
            return HostError(String::from(e.message()));
        }
        HostError(value.as_string().unwrap_or_else(|| format!("{value:?}")))
    }
}

/// The JavaScript exception for a core request error.
pub fn edit_error(e: EditError) -> JsValue {
    let message = e.to_string();
    let range = matches!(
        e,
        EditError::LinePastEnd { .. }
            | EditError::LineBeforeStart { .. }
            | EditError::LineZero
            | EditError::ReversedLines { .. }
            | EditError::BytesPastEnd { .. }
            | EditError::ReversedBytes { .. }
            | EditError::BadRange { .. }
            | EditError::Csv(
                CsvError::RowPastEnd { .. } | CsvError::RowZero | CsvError::ReversedRows { .. }
            )
    );
    if range {
        js_sys::RangeError::new(&message).into()
    } else {
        js_sys::TypeError::new(&message).into()
    }
}

/// The JavaScript exception for a core error over a host source.
pub fn core_error(e: Error<HostError>) -> JsValue {
    match e {
        Error::Edit(e) => edit_error(e),
        other => js_sys::Error::new(&other.to_string()).into(),
    }
}

/// A `TypeError` with `message`, for a misuse of the binding itself.
pub fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// Converts a JavaScript number to a byte offset or count: a finite, non-negative integer
/// no larger than 2^53 (where numbers stop being exact).
///
/// # Errors
///
/// A `RangeError` naming `what` and the value.
pub fn to_u64(value: f64, what: &str) -> Result<u64, JsValue> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE {
        Ok(value as u64)
    } else {
        Err(js_sys::RangeError::new(&format!(
            "{what} must be a whole number from 0 to 2^53-1, got {value}"
        ))
        .into())
    }
}

/// A byte offset or count as a JavaScript number (exact below 2^53).
pub fn to_f64(value: u64) -> f64 {
    value as f64
}
