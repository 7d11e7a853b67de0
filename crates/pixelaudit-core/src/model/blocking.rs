//! What a filter list blocked: the list and rule that matched, and each loaded list's statistics.

use serde::Serialize;

/// A list rule that blocks a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockMatch {
    /// The list's name.
    pub list: String,
    /// The rule as written in the list.
    pub rule: String,
}

/// Statistics of one loaded list.
#[derive(Debug, Clone, Serialize)]
pub struct ListInfo {
    /// Name.
    pub name: String,
    /// Path or URL.
    pub source: String,
    /// How it was obtained (`downloaded`, `cached 2 h ago`, a stale copy and why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Non-empty, non-comment lines.
    pub rules: usize,
    /// Time to read and compile it, in ms.
    pub load_ms: f64,
}
