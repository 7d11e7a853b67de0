//! The validated `[discover]` settings: how far and how hard store discovery looks.

use std::time::Duration;

/// What to discover and how hard to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverOptions {
    /// Most pages kept in a [`Discovery`] (and most page fetches while following links). When
    /// more are found, each type keeps a fair share, spread evenly in URL order. Default 5000.
    pub max_pages: usize,
    /// How many links away from the base page to follow (1: only pages the base page links
    /// to). Default 3.
    pub max_depth: usize,
    /// Path globs a page must match to be kept (empty: all). `*` stays within a segment, `**`
    /// crosses segments; see [`PathGlob`]. The base page is still read for links.
    pub include: Vec<String>,
    /// Path globs of pages to leave out (and not follow); wins over `include`.
    pub exclude: Vec<String>,
    /// User page types as `(name, path glob)`, checked in order before the built-in ones.
    pub types: Vec<(String, String)>,
    /// Pages per type that [`sample`] picks. Default 3.
    pub per_type: usize,
    /// Audit everything found rather than a sample. Discovery then also fetches every page it
    /// follows links from, instead of stopping at 30 pages per type.
    pub all: bool,
    /// Requests in flight at once. Default 4.
    pub concurrency: usize,
    /// Time limit of each request, body included. Default 15 s.
    pub timeout: Duration,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            max_pages: 5000,
            max_depth: 3,
            include: Vec::new(),
            exclude: Vec::new(),
            types: Vec::new(),
            per_type: 3,
            all: false,
            concurrency: 4,
            timeout: Duration::from_secs(15),
        }
    }
}
