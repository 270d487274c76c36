//! CSV records (placeholder until issue 4 lands).

/// What is wrong with a CSV request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// A column name the header does not have.
    #[error("no column {0:?}")]
    UnknownColumn(String),
}
