//! The one conversion of the library's errors into Python exceptions.
//!
//! The classes live in `bigedit/errors.py` (a Python hierarchy can inherit from two bases:
//! `OutOfRange` is also an `IndexError`, `NotFound` a `KeyError`, `LockTimeout` a
//! `TimeoutError`, `OutsideRoot` a `PermissionError`). The variant chooses the class; the
//! message is the CLI's one line (`Display` of [`bigedit::Error`]); the fields of the variant
//! become attributes of the exception (`line`, `lines`, `expected`, ...).

use std::io;

use bigedit::Error;
use bigedit_core::csv::CsvError;
use bigedit_core::markdown::MarkdownError;
use bigedit_core::EditError;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The Python exception for `err`.
pub fn to_py(err: Error) -> PyErr {
    Python::attach(|py| build(py, &err).unwrap_or_else(|e| e))
}

/// Shorthand: `result.map_err(to_py)`.
pub trait IntoPy<T> {
    /// Converts the error of a library result.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for bigedit::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// An exception of class `name` (of `bigedit.errors`) with `message` and the attributes
/// `attrs` (may be empty).
pub fn raise(py: Python<'_>, name: &str, message: &str, attrs: &Bound<'_, PyDict>) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let class = py.import("bigedit.errors")?.getattr(name)?;
        let exc = class.call1((message,))?;
        for (k, v) in attrs.iter() {
            exc.setattr(k.extract::<String>()?.as_str(), v)?;
        }
        Ok(PyErr::from_value(exc))
    })();
    made.unwrap_or_else(|e| e)
}

/// An exception of class `name` with only a message.
pub fn plain(py: Python<'_>, name: &str, message: &str) -> PyErr {
    raise(py, name, message, &PyDict::new(py))
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let message = err.to_string();
    let attrs = PyDict::new(py);
    let class = match err {
        Error::Edit { path, source } => {
            attrs.set_item("path", path)?;
            edit_class(source, &attrs)?
        }
        Error::Io { path, source, .. } => return io_error(py, path, source, &message),
        _ => "InvalidInput",
    };
    Ok(raise(py, class, &message, &attrs))
}

/// The class of a core error, with its fields noted in `attrs`.
fn edit_class(e: &EditError, attrs: &Bound<'_, PyDict>) -> PyResult<&'static str> {
    Ok(match e {
        EditError::Stale { start, end, expected, actual } => {
            attrs.set_item("start", start)?;
            attrs.set_item("end", end)?;
            attrs.set_item("expected", expected.to_string())?;
            attrs.set_item("actual", actual.to_string())?;
            "StaleVersion"
        }
        EditError::LinePastEnd { line, lines } => {
            attrs.set_item("line", line)?;
            attrs.set_item("lines", lines)?;
            "OutOfRange"
        }
        EditError::BytesPastEnd { start, end, len } => {
            attrs.set_item("start", start)?;
            attrs.set_item("end", end)?;
            attrs.set_item("size", len)?;
            "OutOfRange"
        }
        EditError::LineBeforeStart { from_end, lines } => {
            attrs.set_item("from_end", from_end)?;
            attrs.set_item("lines", lines)?;
            "OutOfRange"
        }
        EditError::LineZero
        | EditError::Csv(
            CsvError::RowZero | CsvError::RowPastEnd { .. } | CsvError::RowBeforeStart { .. },
        ) => "OutOfRange",
        EditError::Markdown(
            MarkdownError::UnknownPath { .. }
            | MarkdownError::IndexOutOfRange { .. }
            | MarkdownError::OccurrenceOutOfRange { .. },
        ) => "NotFound",
        EditError::Csv(CsvError::UnknownColumn { name, .. }) => {
            attrs.set_item("column", name)?;
            "NotFound"
        }
        EditError::Csv(CsvError::UnknownColumnNumber { .. }) => "NotFound",
        _ => "InvalidInput",
    })
}

/// An I/O error: `LockTimeout` for a lock that stayed taken, `OutsideRoot` for a path the
/// workspace root refuses, else the `OSError` subclass of its errno (`FileNotFoundError`,
/// `PermissionError`, ...) with `filename` set.
fn io_error(py: Python<'_>, path: &str, source: &io::Error, message: &str) -> PyResult<PyErr> {
    let attrs = PyDict::new(py);
    attrs.set_item("filename", path)?;
    // Both come from the library without an OS error number: the lock's own timeout, and
    // the root check (`target::outside`).
    if source.raw_os_error().is_none() {
        match source.kind() {
            io::ErrorKind::WouldBlock => return Ok(raise(py, "LockTimeout", message, &attrs)),
            io::ErrorKind::PermissionDenied => {
                return Ok(raise(py, "OutsideRoot", message, &attrs))
            }
            _ => {}
        }
    }
    let errno = source.raw_os_error().unwrap_or_else(|| errno_of(source.kind()));
    let exc = py.get_type::<PyOSError>().call1((errno, message))?;
    exc.setattr("filename", path)?;
    Ok(PyErr::from_value(exc))
}

/// The errno of an error the library made without one, from its kind (0 if none fits).
fn errno_of(kind: io::ErrorKind) -> i32 {
    match kind {
        io::ErrorKind::NotFound => 2,
        io::ErrorKind::PermissionDenied => 13,
        io::ErrorKind::AlreadyExists => 17,
        io::ErrorKind::NotADirectory => 20,
        io::ErrorKind::IsADirectory => 21,
        io::ErrorKind::TimedOut => 110,
        _ => 0,
    }
}
