//! Links and URLs: which URLs belong to the site, how they are normalised, which are assets, and
//! the `<a href>` links of a page.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

/// Query parameters dropped from page URLs, so that one page is not found many times over:
/// tracking (`utm_*`, click ids, Shopify's search/recommendation `_pos`, `_sid`, `_ss`, `_psq`,
/// `_fid`), variant selection, sorting, filtering and pagination. A trailing `*` matches any
/// ending. Other parameters (such as `q` on `/search`) are kept, in their order.
pub const IGNORED_QUERY_PARAMS: &[&str] = &[
    "utm_*", "_pos", "_sid", "_ss", "_psq", "_fid", "fbclid", "gclid", "gbraid", "wbraid", "dclid",
    "msclkid", "ttclid", "srsltid", "_gl", "_ga", "mc_cid", "mc_eid", "variant", "sort_by",
    "filter.*", "page",
];

/// File extensions that are never pages.
const ASSET_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff", "heic", "css",
    "js", "mjs", "map", "json", "xml", "txt", "csv", "pdf", "zip", "gz", "rar", "7z", "mp4",
    "webm", "mov", "m4v", "mp3", "wav", "ogg", "m4a", "woff", "woff2", "ttf", "otf", "eot", "atom",
    "rss", "oembed", "wasm", "apk", "dmg", "exe",
];

/// Path prefixes (or contained folders, for `/cdn/`) that are assets or actions, not pages.
const NON_PAGE_PREFIXES: &[&str] = &[
    "/cdn-cgi/",
    "/s/files/",
    "/cart/add",
    "/cart/change",
    "/cart/clear",
    "/cart/update",
    "/account/logout",
    "/services/",
    "/.well-known/",
];

/// The site being discovered: the origin every page URL is rewritten to, and the hosts that
/// count as the same site (the base host and its `www.`/bare variant).
#[derive(Debug, Clone)]
pub(crate) struct Site {
    origin: Url,
    hosts: Vec<String>,
}

impl Site {
    /// The site of `url`, if it is an http(s) URL with a host.
    pub(crate) fn new(url: &Url) -> Option<Site> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        let mut origin = url.clone();
        origin.set_path("/");
        origin.set_query(None);
        origin.set_fragment(None);
        let _ = origin.set_username("");
        let _ = origin.set_password(None);
        let mut hosts = vec![host.clone()];
        if matches!(url.host(), Some(url::Host::Domain(_))) {
            match host.strip_prefix("www.") {
                Some(bare) if bare.contains('.') => hosts.push(bare.to_string()),
                Some(_) => {}
                None => hosts.push(format!("www.{host}")),
            }
        }
        Some(Site { origin, hosts })
    }

    /// The origin (`scheme://host[:port]/`) pages are fetched from.
    pub(crate) fn origin(&self) -> &Url {
        &self.origin
    }

    /// Whether `url` is on this site (host or its `www.` variant; http or https; same port).
    pub(crate) fn contains(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if !self.hosts.contains(&host) {
            return false;
        }
        // Default ports match each other across http/https; explicit ones must be equal.
        url.port_or_known_default() == self.origin.port_or_known_default()
            || (url.port().is_none() && self.origin.port().is_none())
    }

    /// `url` moved onto the site's origin, if it is on the site; otherwise `None`.
    pub(crate) fn canonical(&self, url: &Url) -> Option<Url> {
        if !self.contains(url) {
            return None;
        }
        let mut out = self.origin.clone();
        out.set_path(url.path());
        out.set_query(url.query());
        out.set_fragment(url.fragment());
        Some(out)
    }
}

/// `url` without its fragment and without [`IGNORED_QUERY_PARAMS`].
pub(crate) fn normalise(mut url: Url) -> Url {
    url.set_fragment(None);
    if let Some(query) = url.query() {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let key = pair.split_once('=').map_or(*pair, |(k, _)| k);
                let key = percent_decode_lossy(key).to_ascii_lowercase();
                !ignored_param(&key)
            })
            .collect();
        let kept = kept.join("&");
        url.set_query((!kept.is_empty()).then_some(kept.as_str()));
    }
    url
}

fn ignored_param(key: &str) -> bool {
    IGNORED_QUERY_PARAMS
        .iter()
        .any(|p| match p.strip_suffix('*') {
            Some(prefix) => key.starts_with(prefix),
            None => key == *p,
        })
}

fn percent_decode_lossy(s: &str) -> String {
    url::form_urlencoded::parse(format!("{s}=").as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default()
}

/// Whether `path` is an asset or an action rather than a page.
pub(crate) fn is_asset(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("/cdn/") || lower.contains("/cdn/") {
        return true;
    }
    if NON_PAGE_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    let last = lower.rsplit('/').next().unwrap_or("");
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| ASSET_EXTENSIONS.contains(&ext))
}

/// The absolute http(s) targets of a page's `<a href>` and `<area href>` links (resolved
/// against `<base href>` when present), in document order. `download` links, `javascript:`,
/// `mailto:` and the like are left out.
pub(crate) fn extract_links(html: &str, page_url: &Url) -> Vec<Url> {
    static LINKS: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("a[href], area[href]").expect("constant selector"));
    static BASE: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("base[href]").expect("constant selector"));
    let document = Html::parse_document(html);
    let base = document
        .select(&BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    document
        .select(&LINKS)
        .filter(|a| a.value().attr("download").is_none())
        .filter_map(|a| a.value().attr("href"))
        .map(str::trim)
        .filter(|href| !href.is_empty() && !href.starts_with('#'))
        .filter_map(|href| base.join(href).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn same_site_and_canonical() {
        let site = Site::new(&url("https://Shop.Example/en-us?x=1#top")).unwrap();
        assert_eq!(site.origin().as_str(), "https://shop.example/");
        assert_eq!(
            site.canonical(&url("http://WWW.shop.example:80/products/a?b=1#c"))
                .unwrap()
                .as_str(),
            "https://shop.example/products/a?b=1#c"
        );
        assert!(site.contains(&url("https://shop.example:443/x")));
        assert!(!site.contains(&url("https://shop.example:8443/x")));
        assert!(!site.contains(&url("https://other.example/x")));
        assert!(!site.contains(&url("https://cdn.shop.example/x")));
        assert!(!site.contains(&url("ftp://shop.example/x")));

        let www = Site::new(&url("http://www.shop.test:8080/")).unwrap();
        assert!(www.contains(&url("http://shop.test:8080/a")));
        assert!(!www.contains(&url("http://shop.test/a")));
        let ip = Site::new(&url("http://127.0.0.1:9/")).unwrap();
        assert!(ip.contains(&url("http://127.0.0.1:9/a")));
        assert!(!ip.contains(&url("http://localhost:9/a")));
    }

    #[test]
    fn normalise_drops_tracking_sort_filter_and_fragment() {
        let n = |s: &str| normalise(url(s)).to_string();
        assert_eq!(
            n("https://s.example/products/a?variant=1&utm_source=x&UTM_Medium=y&color=red&_pos=1&_sid=2&_ss=r#reviews"),
            "https://s.example/products/a?color=red"
        );
        assert_eq!(
            n("https://s.example/collections/c?filter.v.price.gte=1&filter%2Ep.m=2&sort_by=price&page=2"),
            "https://s.example/collections/c"
        );
        assert_eq!(
            n("https://s.example/search?q=shirt&page=3"),
            "https://s.example/search?q=shirt"
        );
        assert_eq!(n("https://s.example/a#"), "https://s.example/a");
        assert_eq!(n("https://s.example/a?"), "https://s.example/a");
        assert_eq!(n("https://S.EXAMPLE:443/a"), "https://s.example/a");
    }

    #[test]
    fn assets_are_not_pages() {
        for path in [
            "/cdn/shop/files/logo.png",
            "/a/b/cdn/x",
            "/assets/app.CSS",
            "/products/a.js",
            "/products/a.json",
            "/collections/all.atom",
            "/cart/add",
            "/account/logout",
            "/s/files/1/x",
        ] {
            assert!(is_asset(path), "{path}");
        }
        for path in [
            "/",
            "/products/a",
            "/products/v1.2-shirt",
            "/cart",
            "/account/login",
            "/pages/cdn",
        ] {
            assert!(!is_asset(path), "{path}");
        }
    }

    #[test]
    fn links_resolve_against_base_href() {
        let html = r##"<html><head><base href="https://s.example/shop/"></head><body>
            <a href="products/a">A</a> <a href="/b#x">B</a> <a href="#top">top</a>
            <a href="mailto:x@y.z">mail</a> <a href="javascript:void(0)">js</a>
            <a href=" https://other.example/c ">C</a> <a href="/f.pdf" download>pdf</a>
            <map><area href="/d"></map> <a>no href</a> <a href="">empty</a>
        </body></html>"##;
        let links: Vec<String> = extract_links(html, &url("https://s.example/"))
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            links,
            [
                "https://s.example/shop/products/a",
                "https://s.example/b#x",
                "https://other.example/c",
                "https://s.example/d",
            ]
        );
    }
}
