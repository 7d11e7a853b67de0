//! Config errors rendered rustc-style: message, `--> file:line:col`, the line, a caret.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A config file that could not be read or is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when the error has a position.
    pub line: Option<usize>,
    /// 1-based column (in characters), when the error has a position.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    source_line: Option<String>,
    caret_len: usize,
    /// The byte offset in the file, when the error has a position (`u32` keeps the error
    /// small; a config is far smaller than 4 GiB).
    start: Option<u32>,
}

impl ConfigError {
    /// An error reading the file.
    pub(crate) fn io(path: &Path, error: &std::io::Error) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("cannot read the file: {error}"),
            source_line: None,
            caret_len: 0,
            start: None,
        }
    }

    /// An error at a byte span of `text`.
    pub(crate) fn at(
        path: &Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let mut error = Self {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
            source_line: None,
            caret_len: 0,
            start: None,
        };
        if let Some(span) = span {
            let start = span.start.min(text.len());
            error.start = u32::try_from(start).ok();
            let before = &text[..start];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line_text = &text[line_start..line_end];
            error.line = Some(before.matches('\n').count() + 1);
            error.column = Some(text[line_start..start].chars().count() + 1);
            let end = span.end.clamp(start, line_end);
            error.caret_len = text[start..end].chars().count().max(1);
            error.source_line = Some(line_text.trim_end_matches('\r').to_string());
        }
        error
    }
}

impl ConfigError {
    /// The byte offset in the file, when the error has a position.
    pub(crate) fn start(&self) -> Option<usize> {
        self.start.map(|start| start as usize)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid site config: {}", self.message)?;
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                writeln!(f, " --> {}:{line}:{column}", self.path.display())?;
                if let Some(source) = &self.source_line {
                    let gutter = " ".repeat(line.to_string().len());
                    writeln!(f, "{gutter} |")?;
                    writeln!(f, "{line} | {source}")?;
                    write!(
                        f,
                        "{gutter} | {}{}",
                        " ".repeat(column - 1),
                        "^".repeat(self.caret_len)
                    )?;
                }
                Ok(())
            }
            _ => write!(f, " --> {}", self.path.display()),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_becomes_line_column_and_caret() {
        let text = "a = 1\nbad_key = 2\n";
        let start = text.find("bad_key").unwrap();
        let error = ConfigError::at(
            Path::new("x.toml"),
            text,
            Some(start..start + 7),
            "unknown field",
        );
        assert_eq!((error.line, error.column), (Some(2), Some(1)));
        let shown = error.to_string();
        assert!(shown.contains(" --> x.toml:2:1"), "{shown}");
        assert!(shown.contains("2 | bad_key = 2"), "{shown}");
        assert!(shown.ends_with("  | ^^^^^^^"), "{shown:?}");
    }
}
