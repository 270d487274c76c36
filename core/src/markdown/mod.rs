//! Markdown sections (placeholder until issue 4 lands).

/// What is wrong with a Markdown request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MarkdownError {
    /// A heading path that names no section.
    #[error("no section {0:?}")]
    UnknownPath(String),
}
