//! What a file holds, as far as its name tells: hosts pick the structure-aware parser by it.

/// The kind of a file by its extension.
///
/// # Example
///
/// ```
/// use bigedit_core::FileKind;
///
/// assert_eq!(FileKind::from_name("docs/Guide.MD"), FileKind::Markdown);
/// assert_eq!(FileKind::from_name("orders.tsv"), FileKind::Csv);
/// assert_eq!(FileKind::from_name("server.log"), FileKind::Text);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.md`, `.markdown`, `.mdown`, `.mkd`.
    Markdown,
    /// `.csv`, `.tsv` (the dialect is detected from the content).
    Csv,
    /// Anything else.
    Text,
}

impl FileKind {
    /// The kind of the file named `name` (a path or a bare name), by its extension, ignoring
    /// case.
    pub fn from_name(name: &str) -> FileKind {
        let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let ext = match file.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
            _ => return FileKind::Text,
        };
        match ext.as_str() {
            "md" | "markdown" | "mdown" | "mkd" => FileKind::Markdown,
            "csv" | "tsv" => FileKind::Csv,
            _ => FileKind::Text,
        }
    }

    /// `"markdown"`, `"csv"` or `"text"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Markdown => "markdown",
            FileKind::Csv => "csv",
            FileKind::Text => "text",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FileKind;

    #[test]
    fn kind_follows_the_extension_only() {
        for (name, kind) in [
            ("a.md", FileKind::Markdown),
            ("dir.csv/notes", FileKind::Text),
            (".md", FileKind::Text), // a hidden file named "md", like Path::extension
            ("x.tar.csv", FileKind::Csv),
            ("README", FileKind::Text),
            ("C:\\data\\T.Tsv", FileKind::Csv),
        ] {
            assert_eq!(FileKind::from_name(name), kind, "{name}");
        }
    }
}
