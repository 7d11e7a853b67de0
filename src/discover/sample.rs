//! Sampling: a few pages per type, spread evenly over each type's pages in URL order.

use super::{Discovery, FoundPage, Source};

/// The pages to audit: `per_type` of each type (at least 1, so every type is represented),
/// evenly spaced in URL order and always including the first (the base page for its type).
/// Types keep their order in `discovery.pages`. With `all`, every page (already capped at
/// `max_pages` by [`discover`](super::discover)). Same input, same output.
pub fn sample(discovery: &Discovery, per_type: usize, all: bool) -> Vec<FoundPage> {
    if all {
        return discovery.pages.clone();
    }
    let mut groups: Vec<(&str, Vec<&FoundPage>)> = Vec::new();
    for page in &discovery.pages {
        match groups.iter_mut().find(|(t, _)| *t == page.page_type) {
            Some((_, pages)) => pages.push(page),
            None => groups.push((&page.page_type, vec![page])),
        }
    }
    let mut out = Vec::new();
    for (_, mut pages) in groups {
        pages.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        out.extend(
            evenly_spaced(pages.len(), per_type.max(1))
                .into_iter()
                .map(|i| pages[i].clone()),
        );
    }
    out
}

/// Within a type: the base page first, then by URL.
pub(crate) fn sort_key(page: &FoundPage) -> (bool, &str) {
    (page.source != Source::Base, page.url.as_str())
}

/// `k` indices spread evenly over `0..n`, starting at 0 (all of them when `k >= n`).
pub(crate) fn evenly_spaced(n: usize, k: usize) -> Vec<usize> {
    if k >= n {
        return (0..n).collect();
    }
    (0..k).map(|i| i * n / k).collect()
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;

    fn page(path: &str, page_type: &str, source: Source) -> FoundPage {
        FoundPage {
            url: Url::parse(&format!("https://s.example{path}")).unwrap(),
            page_type: page_type.to_string(),
            source,
            depth: 0,
        }
    }

    #[test]
    fn evenly_spaced_includes_first_and_is_distinct() {
        assert_eq!(evenly_spaced(10, 3), [0, 3, 6]);
        assert_eq!(evenly_spaced(3, 5), [0, 1, 2]);
        assert_eq!(evenly_spaced(0, 3), Vec::<usize>::new());
        for n in 1..50 {
            for k in 1..n {
                let v = evenly_spaced(n, k);
                assert_eq!(v.len(), k);
                assert_eq!(v[0], 0);
                assert!(v.windows(2).all(|w| w[0] < w[1]) && v[k - 1] < n);
            }
        }
    }

    #[test]
    fn every_type_is_represented_deterministically() {
        let mut pages = vec![
            page("/en", "home", Source::Link),
            page("/shop", "home", Source::Base),
        ];
        // Deliberately not in URL order.
        for i in (0..10).rev() {
            pages.push(page(&format!("/products/p{i}"), "product", Source::Sitemap));
        }
        pages.push(page("/cart", "cart", Source::Link));
        let discovery = Discovery {
            pages,
            ..Discovery::default()
        };
        let picked = sample(&discovery, 3, false);
        let paths: Vec<&str> = picked.iter().map(|p| p.url.path()).collect();
        assert_eq!(
            paths,
            [
                "/shop",
                "/en",
                "/products/p0",
                "/products/p3",
                "/products/p6",
                "/cart"
            ]
        );
        assert_eq!(sample(&discovery, 3, false), picked);
        // per_type 0 still keeps one of each type.
        let one = sample(&discovery, 0, false);
        let types: Vec<&str> = one.iter().map(|p| p.page_type.as_str()).collect();
        assert_eq!(types, ["home", "product", "cart"]);
        assert_eq!(sample(&discovery, 1, true), discovery.pages);
    }
}
