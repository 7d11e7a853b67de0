//! The file a config was read from: its path and text, so that every error found while
//! validating it points at file:line:col.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::ConfigError;

/// A config's file and text.
pub(crate) struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl<'a> Source<'a> {
    /// The config at `path` with this text.
    pub(crate) fn new(path: &'a Path, text: &'a str) -> Self {
        Source { path, text }
    }

    /// The file.
    pub(crate) fn path(&self) -> &'a Path {
        self.path
    }

    /// A path from the config: relative ones are relative to the config's folder, not to the
    /// current directory.
    pub(crate) fn file(&self, path: impl AsRef<Path>) -> PathBuf {
        let path = path.as_ref();
        if path.is_absolute() {
            return path.to_path_buf();
        }
        self.path.parent().unwrap_or(Path::new("")).join(path)
    }

    /// The text the TOML deserializer reads.
    pub(crate) fn toml(&self) -> &str {
        self.text
    }

    /// An error at `span` of [`Source::toml`].
    pub(crate) fn error(
        &self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::at(self.path, self.text, span, message)
    }
}
