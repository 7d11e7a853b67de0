//! The raw and validated `[discover]` settings: how far and how hard store discovery looks.

use std::time::Duration;

use serde::Deserialize;
use serde_spanned::Spanned;

use super::plan::Validator;
use super::ConfigError;

/// The `[discover]` section: limits and page types for `pixelaudit audit --discover`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoverConfig {
    /// Most pages found (default 5000).
    #[serde(default)]
    pub max_pages: Option<usize>,
    /// Links followed this deep from the base URL (default 3).
    #[serde(default)]
    pub max_depth: Option<usize>,
    /// Path globs a page must match (default: all).
    #[serde(default)]
    pub include: Vec<Spanned<String>>,
    /// Path globs left out.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Pages audited per type (default 3).
    #[serde(default)]
    pub per_type: Option<usize>,
    /// Own page types, checked before the built-in Shopify ones.
    #[serde(default)]
    pub types: Vec<PageTypeConfig>,
    /// Requests in flight while discovering (default 4).
    #[serde(default)]
    pub concurrency: Option<usize>,
}

/// One own page type: a name and the path glob of its pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageTypeConfig {
    /// The type's name in reports.
    pub name: String,
    /// Its pages' path glob (`*` within a segment, `**` across).
    #[serde(rename = "match")]
    pub pattern: Spanned<String>,
}

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

impl Validator<'_> {
    pub(super) fn discover(
        &self,
        d: &DiscoverConfig,
    ) -> Result<crate::config::DiscoverOptions, ConfigError> {
        let glob = |pattern: &Spanned<String>| -> Result<String, ConfigError> {
            crate::config::PathGlob::new(pattern.get_ref())
                .map(|_| pattern.get_ref().clone())
                .map_err(|e| self.err(Some(pattern.span()), format!("invalid path glob: {e}")))
        };
        let mut options = crate::config::DiscoverOptions::default();
        options.max_pages = d.max_pages.unwrap_or(options.max_pages);
        options.max_depth = d.max_depth.unwrap_or(options.max_depth);
        options.per_type = d.per_type.unwrap_or(options.per_type);
        options.concurrency = d.concurrency.unwrap_or(options.concurrency).max(1);
        options.include = d
            .include
            .iter()
            .filter_map(|g| self.keep(glob(g)))
            .collect();
        options.exclude = d
            .exclude
            .iter()
            .filter_map(|g| self.keep(glob(g)))
            .collect();
        options.types = d
            .types
            .iter()
            .filter_map(|t| Some((t.name.clone(), self.keep(glob(&t.pattern))?)))
            .collect();
        Ok(options)
    }
}
