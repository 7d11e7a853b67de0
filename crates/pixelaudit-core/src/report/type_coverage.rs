//! Coverage: per page type, which audited pages lacked a vendor's events, and what those pages
//! have in common ("meta:PageView missing on 3/40 product pages, all under /products/gift-card-").

use std::collections::{BTreeMap, BTreeSet};

/// Coverage of one page type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TypeCoverage {
    /// The page type.
    pub page_type: String,
    /// Pages of this type that were audited.
    pub pages: usize,
    /// Every key seen on at least one page of this type, sorted.
    pub keys: Vec<KeyCoverage>,
}

/// Coverage of one key (a vendor, or `vendor:event`) within a page type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyCoverage {
    /// The key, as given.
    pub key: String,
    /// Pages of the type where the key was absent.
    pub missing: usize,
    /// When at least two pages lack the key and their paths share a longer prefix than all of
    /// the type's pages do: that prefix (e.g. `/products/gift-card-`).
    pub common_prefix: Option<String>,
    /// Up to five paths lacking the key, sorted.
    pub examples: Vec<String>,
}

/// Most example paths per key.
const EXAMPLES: usize = 5;

/// Per type, per key: how many audited pages lacked it. Each entry of `audited` is one audited
/// page as `(page type, URL path, keys seen on it)`, the keys being whatever the caller counts
/// (vendors, `vendor:event`). A key counts for a type when it was seen on at least one page of
/// that type; the type's other pages are "missing" it. Sorted by type, then key.
pub fn coverage(audited: &[(String, String, BTreeSet<String>)]) -> Vec<TypeCoverage> {
    let mut by_type: BTreeMap<&str, Vec<(&str, &BTreeSet<String>)>> = BTreeMap::new();
    for (page_type, path, keys) in audited {
        by_type
            .entry(page_type.as_str())
            .or_default()
            .push((path.as_str(), keys));
    }
    by_type
        .into_iter()
        .map(|(page_type, pages)| {
            let all_prefix = common_prefix(pages.iter().map(|(path, _)| *path));
            let keys: BTreeSet<&String> = pages.iter().flat_map(|(_, keys)| keys.iter()).collect();
            let keys = keys
                .into_iter()
                .map(|key| {
                    let mut missing: Vec<&str> = pages
                        .iter()
                        .filter(|(_, keys)| !keys.contains(key))
                        .map(|(path, _)| *path)
                        .collect();
                    missing.sort_unstable();
                    let prefix = common_prefix(missing.iter().copied());
                    let common_prefix = (missing.len() >= 2
                        && prefix.chars().count() > all_prefix.chars().count())
                    .then_some(prefix);
                    KeyCoverage {
                        key: key.clone(),
                        missing: missing.len(),
                        common_prefix,
                        examples: missing
                            .iter()
                            .take(EXAMPLES)
                            .map(|p| p.to_string())
                            .collect(),
                    }
                })
                .collect();
            TypeCoverage {
                page_type: page_type.to_string(),
                pages: pages.len(),
                keys,
            }
        })
        .collect()
}

/// The longest common prefix of `paths` (empty for none), on character boundaries.
fn common_prefix<'a>(mut paths: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = paths.next() else {
        return String::new();
    };
    let mut len = first.len();
    for path in paths {
        len = first[..len]
            .char_indices()
            .zip(path.chars())
            .find(|((_, a), b)| a != b)
            .map_or(len.min(path.len()), |((i, _), _)| i);
        // `len.min(path.len())` may fall inside a character of `first` when `path` is shorter.
        while !first.is_char_boundary(len) {
            len -= 1;
        }
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(page_type: &str, path: &str, keys: &[&str]) -> (String, String, BTreeSet<String>) {
        (
            page_type.to_string(),
            path.to_string(),
            keys.iter().map(|k| k.to_string()).collect(),
        )
    }

    #[test]
    fn missing_pages_share_a_prefix() {
        let mut audited = Vec::new();
        for i in 0..10 {
            audited.push(page(
                "product",
                &format!("/products/shirt-{i}"),
                &["meta:PageView", "ga4:page_view"],
            ));
        }
        for amount in ["10", "25", "50"] {
            audited.push(page(
                "product",
                &format!("/products/gift-card-{amount}"),
                &["ga4:page_view"],
            ));
        }
        audited.push(page("home", "/", &["meta:PageView"]));
        let report = coverage(&audited);
        assert_eq!(report.len(), 2);
        assert_eq!(report[0].page_type, "home");
        assert_eq!(report[0].pages, 1);
        assert_eq!(report[0].keys.len(), 1);
        assert_eq!(report[0].keys[0].missing, 0);
        let product = &report[1];
        assert_eq!(product.page_type, "product");
        assert_eq!(product.pages, 13);
        let keys: Vec<&str> = product.keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["ga4:page_view", "meta:PageView"]);
        assert_eq!(product.keys[0].missing, 0);
        assert_eq!(product.keys[0].common_prefix, None);
        let meta = &product.keys[1];
        assert_eq!(meta.missing, 3);
        assert_eq!(meta.common_prefix.as_deref(), Some("/products/gift-card-"));
        assert_eq!(
            meta.examples,
            [
                "/products/gift-card-10",
                "/products/gift-card-25",
                "/products/gift-card-50"
            ]
        );
    }

    #[test]
    fn no_prefix_when_nothing_more_specific_is_shared() {
        let audited = vec![
            page("product", "/products/a", &["meta"]),
            page("product", "/products/b", &[]),
            page("product", "/products/c", &[]),
            page("product", "/products/d", &["meta"]),
        ];
        let report = coverage(&audited);
        let meta = &report[0].keys[0];
        assert_eq!(meta.missing, 2);
        // "/products/" is shared by every product page: not a finding.
        assert_eq!(meta.common_prefix, None);
        // One missing page: examples only.
        let audited = vec![
            page("page", "/pages/a", &["meta"]),
            page("page", "/pages/b", &[]),
        ];
        let meta = &coverage(&audited)[0].keys[0];
        assert_eq!((meta.missing, meta.common_prefix.clone()), (1, None));
        assert_eq!(meta.examples, ["/pages/b"]);
    }

    #[test]
    fn common_prefix_respects_characters() {
        assert_eq!(
            common_prefix(["/p/caf\u{e9}1", "/p/caf\u{e9}2"].into_iter()),
            "/p/caf\u{e9}"
        );
        assert_eq!(common_prefix(["/p/\u{e9}", "/p/\u{e8}"].into_iter()), "/p/");
        assert_eq!(common_prefix(["/abc", "/ab"].into_iter()), "/ab");
        assert_eq!(common_prefix(std::iter::empty()), "");
    }
}
