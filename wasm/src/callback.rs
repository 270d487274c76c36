//! A reader-callback source and a writer-callback sink, for Node and other hosts.
//!
//! The source calls `readAt(offset, length)` (synchronous, returning a `Uint8Array` of at
//! most `length` bytes, shorter only at the end); the sink calls `write(bytes, at)` and, when
//! present, `flush()` and `close()`. Offsets are JavaScript numbers.

use bigedit_core::ReadAt;
use js_sys::{Function, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::HostError;
use crate::opfs::ByteSink;

/// A source that calls back into JavaScript for every read.
#[derive(Debug, Clone)]
pub struct CallbackSource {
    this: JsValue,
    read_at: Function,
    len: u64,
}

impl CallbackSource {
    /// A source of `len` bytes read through `this.readAt(offset, length)`.
    ///
    /// # Errors
    ///
    /// A `TypeError` if `this.readAt` is not a function.
    pub fn new(this: JsValue, len: u64) -> Result<CallbackSource, JsValue> {
        let read_at = method(&this, "readAt")?
            .ok_or_else(|| crate::error::type_error("source.readAt must be a function"))?;
        Ok(CallbackSource { this, read_at, len })
    }
}

/// `this[name]` if it is a function, `None` if it is missing.
fn method(this: &JsValue, name: &str) -> Result<Option<Function>, JsValue> {
    let value = js_sys::Reflect::get(this, &JsValue::from_str(name))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<Function>()
        .map(Some)
        .map_err(|_| crate::error::type_error(&format!("{name} must be a function")))
}

impl ReadAt for CallbackSource {
    type Error = HostError;

    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, HostError> {
        let want = (buf.len() as u64).min(self.len.saturating_sub(pos));
        if want == 0 {
            return Ok(0);
        }
        let got = self
            .read_at
            .call2(&self.this, &JsValue::from_f64(pos as f64), &JsValue::from_f64(want as f64))
            .map_err(|e| HostError::from_js(&e))?;
        let bytes = got
            .dyn_into::<Uint8Array>()
            .map_err(|_| HostError("readAt must return a Uint8Array".to_string()))?;
        let n = (bytes.length() as usize).min(want as usize);
        bytes.subarray(0, n as u32).copy_to(&mut buf[..n]);
        Ok(n)
    }
}

/// A sink that calls `write(bytes, at)` on a JavaScript object.
#[derive(Debug, Clone)]
pub struct CallbackSink {
    this: JsValue,
    write: Function,
    flush: Option<Function>,
    close: Option<Function>,
}

impl CallbackSink {
    /// A sink over `this.write`, `this.flush` and `this.close` (the last two optional).
    ///
    /// # Errors
    ///
    /// A `TypeError` if `write` is not a function.
    pub fn new(this: JsValue) -> Result<CallbackSink, JsValue> {
        let write = method(&this, "write")?
            .ok_or_else(|| crate::error::type_error("sink.write must be a function"))?;
        let flush = method(&this, "flush")?;
        let close = method(&this, "close")?;
        Ok(CallbackSink { this, write, flush, close })
    }

    fn call(&self, f: &Option<Function>) -> Result<(), HostError> {
        match f {
            Some(f) => f.call0(&self.this).map(drop).map_err(|e| HostError::from_js(&e)),
            None => Ok(()),
        }
    }
}

impl ByteSink for CallbackSink {
    fn write_at(&mut self, bytes: &[u8], at: u64) -> Result<(), HostError> {
        // A view into wasm memory: valid for the duration of the synchronous call only.
        let view = copy_out(bytes);
        self.write
            .call2(&self.this, &view, &JsValue::from_f64(at as f64))
            .map(drop)
            .map_err(|e| HostError::from_js(&e))
    }

    fn flush(&mut self) -> Result<(), HostError> {
        self.call(&self.flush.clone())
    }

    fn close(&mut self) -> Result<(), HostError> {
        self.call(&self.close.clone())
    }
}

/// A copy of `bytes` as a JavaScript `Uint8Array` (the callee may keep it).
fn copy_out(bytes: &[u8]) -> Uint8Array {
    Uint8Array::from(bytes)
}
