//! What the page's console and the browser's log reported while it loaded.

use serde::Serialize;

/// A console error, uncaught exception or browser log error seen while the page loaded.
#[derive(Debug, Clone, Serialize)]
pub struct ConsoleEntry {
    /// `console`, `exception`, `security` (CSP), `network`, ...
    pub source: String,
    /// `error` or `warning`.
    pub level: String,
    /// The message.
    pub text: String,
    /// The resource the message is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
