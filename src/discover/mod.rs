//! Page discovery (issue 8): find a store's pages from its base URL (robots.txt, sitemaps, links),
//! classify them by template type, and sample a few per type so a store with thousands of
//! products is audited in minutes. A pixel missing from one template is missing from all of its
//! pages, so a handful per type covers the store; `--all` audits everything found.
//!
//! [`discover`] does the network part, [`classify`] names a path's type, [`sample`] picks the
//! pages to audit; the report summarises, per type, which pages lacked a vendor's events.

mod classify;
mod crawl;
mod fetch;
mod links;
mod robots;
mod sample;
mod sitemap;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use pixelaudit_core::config::DiscoverOptions;
use serde::{Deserialize, Serialize};
use url::Url;

pub use classify::{classify, PAGE_TYPES};
pub use links::IGNORED_QUERY_PARAMS;
pub use robots::ROBOTS_AGENT;
pub use sample::sample;

/// How a page was first found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The base URL itself.
    Base,
    /// A `<loc>` in one of the site's sitemaps.
    Sitemap,
    /// An `<a href>` on a crawled page.
    Link,
}

/// One discovered page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPage {
    /// Normalised URL, on the base's origin (tracking/sort/filter parameters and the fragment
    /// removed; see [`IGNORED_QUERY_PARAMS`]).
    pub url: Url,
    /// Template type from [`classify`].
    pub page_type: String,
    /// How it was first found.
    pub source: Source,
    /// Links from the base page to it (0 for the base page, and for sitemap pages that no
    /// followed link reached).
    pub depth: usize,
}

/// The outcome of [`discover`]: never an error; what went wrong is in `notes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// Pages found, at most `max_pages`, in type order ([`PAGE_TYPES`], user types before
    /// `other`), the base page first within its type, then by URL.
    pub pages: Vec<FoundPage>,
    /// Sitemaps that were read (fully or in part), in the order they were read.
    pub sitemaps: Vec<String>,
    /// robots.txt and sitemap problems, failed fetches, limits hit.
    pub notes: Vec<String>,
    /// Number of `pages` of each type.
    pub by_type: BTreeMap<String, usize>,
}

/// Finds the pages of the site at `base`: its robots.txt (`Sitemap:` lines, and the
/// `Allow`/`Disallow` rules for [`ROBOTS_AGENT`] or `*`), its sitemaps (`/sitemap.xml` when
/// robots.txt names none; indexes, gzip and text sitemaps), and the same-site links of the base
/// page and the pages it leads to, breadth first up to `max_depth`. The `www.`/bare variant of
/// the base host counts as the same site. The result is the same for the same site whatever
/// the concurrency.
///
/// `client` is used for every request, so its resolver, certificates and user agent apply.
pub async fn discover(
    client: &reqwest::Client,
    base: &Url,
    options: &DiscoverOptions,
) -> Discovery {
    crawl::run(client, base, options).await
}
