//! Discovery against a generated Shopify-like store served over real HTTP on 127.0.0.1.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::time::Duration;

use pixelaudit_test_support::http::{Request, Response, TestServer};
use tokio::net::TcpListener;
use url::Url;

use super::*;

fn html(body: String) -> Response {
    Response::ok(
        "text/html; charset=utf-8",
        format!("<!doctype html><html><body>{body}</body></html>"),
    )
}

fn xml(body: String) -> Response {
    Response::ok("application/xml", body)
}

fn links(hrefs: &[String]) -> String {
    hrefs
        .iter()
        .map(|h| format!("<a href=\"{h}\">x</a>\n"))
        .collect()
}

fn urlset(locs: &[String]) -> String {
    let urls: String = locs
        .iter()
        .map(|l| format!("<url><loc>{l}</loc><image:image><image:loc>https://cdn.shopify.com/s/files/1/x.jpg</image:loc></image:image></url>\n"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
{urls}</urlset>"#
    )
}

fn shirts() -> Vec<String> {
    (1..=200).map(|i| format!("shirt-{i:03}")).collect()
}

fn hats() -> Vec<String> {
    (1..=37).map(|i| format!("hat-{i:02}")).collect()
}

const GIFT_CARDS: [&str; 3] = ["gift-card-10", "gift-card-25", "gift-card-50"];

/// The store's routes, keyed by request target, or by `host` + target for host-specific ones.
/// Pages: 1 home, 4 collections, 240 products (+1 listed under `www.`), 4 blog pages, 3 listed
/// pages (+1 disallowed), pages reachable only by links, cart, search, account, a policy.
fn store_routes(port: u16) -> HashMap<String, Response> {
    let origin = format!("http://shop.test:{port}");
    let mut routes = HashMap::new();
    let mut add = |target: &str, route: Response| {
        routes.insert(target.to_string(), route);
    };
    add(
        "/robots.txt",
        Response::ok(
            "text/plain",
            format!(
                "# Shopify-like\nUser-agent: *\nDisallow: /admin\nDisallow: /collections/*sort_by*\nDisallow: /pages/private\n\nUser-agent: Googlebot\nDisallow: /\n\nSitemap: {origin}/sitemap.xml\n"
            ),
        ),
    );
    add(
        "/sitemap.xml",
        xml(format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{origin}/sitemap_products_1.xml?from=1&amp;to=9999</loc></sitemap>
<sitemap><loc>{origin}/sitemap_collections_1.xml</loc></sitemap>
<sitemap><loc>{origin}/sitemap_pages_1.xml</loc></sitemap>
<sitemap><loc>{origin}/sitemap_blogs_1.xml.gz</loc></sitemap>
<sitemap><loc>http://other.test:{port}/sitemap_evil.xml</loc></sitemap>
</sitemapindex>"#
        )),
    );
    let mut products: Vec<String> = shirts()
        .into_iter()
        .chain(hats())
        .chain(GIFT_CARDS.map(String::from))
        .map(|p| format!("{origin}/products/{p}"))
        .collect();
    products.push(format!("http://www.shop.test:{port}/products/www-listed"));
    products.push(format!("{origin}/admin/products/secret"));
    products.push(format!("http://other.test:{port}/products/elsewhere"));
    add(
        "/sitemap_products_1.xml?from=1&to=9999",
        xml(urlset(&products)),
    );
    let collections = ["all", "shirts", "hats", "gifts"];
    add(
        "/sitemap_collections_1.xml",
        xml(urlset(
            &collections.map(|c| format!("{origin}/collections/{c}")),
        )),
    );
    add(
        "/sitemap_pages_1.xml",
        xml(urlset(
            &["about", "contact", "faq", "private"].map(|p| format!("{origin}/pages/{p}")),
        )),
    );
    let blog = urlset(
        &[
            "/blogs/news",
            "/blogs/news/post-1",
            "/blogs/news/post-2",
            "/blogs/news/post-3",
        ]
        .map(|p| format!("{origin}{p}")),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(blog.as_bytes()).unwrap();
    add(
        "/sitemap_blogs_1.xml.gz",
        Response::ok("application/x-gzip", gz.finish().unwrap()),
    );

    let home = [
        "/collections/all".to_string(),
        "/collections/shirts".to_string(),
        "/collections/hats".to_string(),
        "/collections/gifts".to_string(),
        "/pages/about".to_string(),
        "/blogs/news".to_string(),
        "/cart".to_string(),
        "/search".to_string(),
        "/account/login".to_string(),
        "/policies/refund-policy".to_string(),
        "/pages/links-only".to_string(),
        "/pages/chain-1".to_string(),
        "/pages/feed".to_string(),
        "/admin".to_string(),
        "/admin/settings".to_string(),
        "/pages/private#x".to_string(),
        format!("http://other.test:{port}/products/offsite"),
        format!("http://www.shop.test:{port}/pages/www-link"),
        "/products/shirt-001?variant=123&utm_source=mail#reviews".to_string(),
        "/fr/products/shirt-002".to_string(),
        "/en-us/collections/shirts".to_string(),
        "/cdn/shop/files/logo.png".to_string(),
        "/assets/theme.css".to_string(),
        "mailto:hi@shop.test".to_string(),
        "#top".to_string(),
    ];
    add("/", html(links(&home)));
    let product_links = |names: &[String]| -> Vec<String> {
        names.iter().map(|p| format!("/products/{p}")).collect()
    };
    let all = product_links(&shirts()[..12]);
    add("/collections/all", html(links(&all)));
    let mut shirt_links = product_links(&shirts()[12..24]);
    shirt_links.push("/collections/shirts/products/shirt-001".to_string());
    shirt_links.push("/collections/shirts?sort_by=price".to_string());
    shirt_links.push("/collections/shirts?page=2".to_string());
    add("/collections/shirts", html(links(&shirt_links)));
    add("/en-us/collections/shirts", html(links(&shirt_links)));
    add(
        "/collections/hats",
        html(links(&product_links(&hats()[..10]))),
    );
    add(
        "/collections/gifts",
        html(links(&product_links(&GIFT_CARDS.map(String::from)))),
    );
    let product_page = html(links(&[
        "/".to_string(),
        "/cart".to_string(),
        "/collections/all".to_string(),
    ]));
    for p in shirts()
        .into_iter()
        .chain(hats())
        .chain(GIFT_CARDS.map(String::from))
    {
        add(&format!("/products/{p}"), product_page.clone());
    }
    for p in ["www-listed", "offsite", "elsewhere"] {
        add(&format!("/products/{p}"), product_page.clone());
    }
    add(
        "/collections/shirts/products/shirt-001",
        product_page.clone(),
    );
    add("/fr/products/shirt-002", product_page.clone());
    for page in [
        "/pages/about",
        "/pages/contact",
        "/pages/faq",
        "/pages/private",
        "/pages/links-only",
        "/pages/www-link",
        "/blogs/news",
        "/blogs/news/post-1",
        "/blogs/news/post-2",
        "/blogs/news/post-3",
        "/cart",
        "/search",
        "/account/login",
        "/policies/refund-policy",
        "/admin",
        "/admin/settings",
        "/admin/products/secret",
    ] {
        add(page, html(format!("<h1>{page}</h1>")));
    }
    for i in 1..=4 {
        add(
            &format!("/pages/chain-{i}"),
            html(links(&[format!("/pages/chain-{}", i + 1)])),
        );
    }
    add("/pages/feed", Response::ok("application/json", "{}"));
    add(
        "/sitemap_evil.xml",
        xml(urlset(&[format!("{origin}/pages/evil")])),
    );
    routes
}

/// A running test store; it answers a route keyed by `host` + target before one keyed by the
/// target alone, 404 otherwise.
struct Store {
    server: TestServer,
}

impl Store {
    /// Serves the routes `routes(port)` builds (they name the store's own port).
    fn start(routes: impl FnOnce(u16) -> HashMap<String, Response>) -> Store {
        let server = TestServer::start_with(|addr| {
            let routes = routes(addr.port());
            move |request: &Request| {
                routes
                    .get(&format!("{}{}", request.host(), request.target))
                    .or_else(|| routes.get(&request.target))
                    .cloned()
                    .unwrap_or_else(|| {
                        Response::new(404)
                            .header("Content-Type", "text/html")
                            .body("<h1>Not found</h1>")
                    })
            }
        });
        Store { server }
    }

    fn port(&self) -> u16 {
        self.server.port()
    }

    fn base(&self) -> Url {
        Url::parse(&format!("http://shop.test:{}/", self.port())).unwrap()
    }

    fn client(&self) -> reqwest::Client {
        let addr = self.server.addr();
        reqwest::Client::builder()
            .no_proxy()
            .resolve("shop.test", addr)
            .resolve("www.shop.test", addr)
            .resolve("other.test", addr)
            .build()
            .unwrap()
    }

    /// The requests seen so far, as `(host, target)`.
    fn requests(&self) -> Vec<(String, String)> {
        self.server
            .requests()
            .into_iter()
            .map(|r| (r.host().to_string(), r.target))
            .collect()
    }

    /// Requests for pages (not robots.txt or sitemaps).
    fn page_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .map(|(_, target)| target)
            .filter(|t| t != "/robots.txt" && !t.starts_with("/sitemap"))
            .collect()
    }
}

fn find<'d>(discovery: &'d Discovery, path: &str) -> Option<&'d FoundPage> {
    discovery.pages.iter().find(|p| p.url.path() == path)
}

fn has_note(discovery: &Discovery, needle: &str) -> bool {
    discovery.notes.iter().any(|n| n.contains(needle))
}

/// Starts a store with `routes(port)` and runs discovery on it.
async fn discover_store(
    routes: impl FnOnce(u16) -> HashMap<String, Response>,
    options: &DiscoverOptions,
) -> (Store, Discovery) {
    let store = Store::start(routes);
    let discovery = discover(&store.client(), &store.base(), options).await;
    (store, discovery)
}

#[tokio::test]
async fn finds_and_classifies_the_store() {
    let (store, d) = discover_store(store_routes, &DiscoverOptions::default()).await;
    let expected: BTreeMap<String, usize> = [
        ("account", 1),
        ("blog", 4),
        ("cart", 1),
        ("collection", 5),
        ("home", 1),
        ("other", 1),
        ("page", 8),
        ("product", 243),
        ("search", 1),
    ]
    .into_iter()
    .map(|(t, n)| (t.to_string(), n))
    .collect();
    assert_eq!(d.by_type, expected, "notes: {:#?}", d.notes);
    assert_eq!(d.pages.len(), 265);
    let port = store.port();
    assert_eq!(
        d.sitemaps,
        [
            format!("http://shop.test:{port}/sitemap.xml"),
            format!("http://shop.test:{port}/sitemap_products_1.xml?from=1&to=9999"),
            format!("http://shop.test:{port}/sitemap_collections_1.xml"),
            format!("http://shop.test:{port}/sitemap_pages_1.xml"),
            format!("http://shop.test:{port}/sitemap_blogs_1.xml.gz"),
        ]
    );

    // Order: type order, base first, then URL.
    let types: Vec<&str> = d.pages.iter().map(|p| p.page_type.as_str()).collect();
    let mut sorted = types.clone();
    sorted.sort_by_key(|t| PAGE_TYPES.iter().position(|p| p == t));
    assert_eq!(types, sorted);
    assert_eq!(d.pages[0].url, store.base());
    assert_eq!(d.pages[0].source, Source::Base);

    // Sources and depths.
    let links_only = find(&d, "/pages/links-only").expect("page reachable only by links");
    assert_eq!((links_only.source, links_only.depth), (Source::Link, 1));
    let about = find(&d, "/pages/about").unwrap();
    assert_eq!((about.source, about.depth), (Source::Sitemap, 1));
    assert_eq!(find(&d, "/pages/contact").unwrap().depth, 0);
    assert_eq!(find(&d, "/pages/chain-3").unwrap().depth, 3);
    assert!(find(&d, "/pages/chain-4").is_none());
    // Gzip sitemap read.
    assert_eq!(
        find(&d, "/blogs/news/post-2").unwrap().source,
        Source::Sitemap
    );
    // Locale prefixes.
    assert_eq!(
        find(&d, "/fr/products/shirt-002").unwrap().page_type,
        "product"
    );
    assert_eq!(
        find(&d, "/en-us/collections/shirts").unwrap().page_type,
        "collection"
    );
    assert_eq!(
        find(&d, "/collections/shirts/products/shirt-001")
            .unwrap()
            .page_type,
        "product"
    );

    // Normalised URLs: tracking and variant parameters and fragments dropped; www. folded in.
    let urls: Vec<String> = d.pages.iter().map(|p| p.url.to_string()).collect();
    assert!(urls
        .iter()
        .all(|u| u.starts_with(&format!("http://shop.test:{port}/"))));
    assert!(urls
        .iter()
        .all(|u| !u.contains('#') && !u.contains("utm_") && !u.contains("variant")));
    assert!(urls
        .iter()
        .all(|u| !u.contains("sort_by") && !u.contains("page=")));
    assert!(find(&d, "/products/www-listed").is_some());
    assert!(find(&d, "/pages/www-link").is_some());

    // Skipped: robots.txt, other sites, assets, non-HTML.
    for skipped in [
        "/admin",
        "/admin/settings",
        "/admin/products/secret",
        "/pages/private",
        "/products/offsite",
        "/products/elsewhere",
        "/pages/evil",
        "/pages/feed",
        "/cdn/shop/files/logo.png",
        "/assets/theme.css",
    ] {
        assert!(find(&d, skipped).is_none(), "{skipped} should be skipped");
    }
    let requests = store.requests();
    assert!(
        requests.iter().all(|(host, _)| host == "shop.test"),
        "{requests:?}"
    );
    for (_, target) in &requests {
        assert!(!target.starts_with("/admin"), "fetched {target}");
        assert!(!target.starts_with("/pages/private"), "fetched {target}");
        assert!(!target.starts_with("/cdn/") && !target.starts_with("/assets/"));
    }
    assert!(requests.iter().any(|(_, t)| t == "/pages/feed"));
    assert!(has_note(&d, "URLs disallowed by robots.txt, skipped (4)"));
    assert!(has_note(&d, "sitemap URLs on other sites, skipped (2)"));
    assert!(has_note(&d, "not HTML, skipped (1)"));
    assert_eq!(d.notes.len(), 3, "{:#?}", d.notes);
    // Each page is read at most once.
    let mut page_requests = store.page_requests();
    let total = page_requests.len();
    page_requests.sort();
    page_requests.dedup();
    assert_eq!(page_requests.len(), total);
}

#[tokio::test]
async fn max_depth_limits_link_following() {
    let options = DiscoverOptions {
        max_depth: 1,
        ..DiscoverOptions::default()
    };
    let (store, d) = discover_store(store_routes, &options).await;
    assert!(d.pages.iter().all(|p| p.depth <= 1));
    assert!(find(&d, "/pages/chain-1").is_some());
    assert!(find(&d, "/pages/chain-2").is_none());
    // Found only on collection pages (depth 2).
    assert!(find(&d, "/collections/shirts/products/shirt-001").is_none());
    // Sitemaps do not depend on depth.
    assert_eq!(d.by_type["product"], 242);
    let requests = store.page_requests();
    assert!(!requests.iter().any(|t| t == "/pages/chain-2"));
    assert!(!requests.iter().any(|t| t == "/products/shirt-013"));

    let options = DiscoverOptions {
        max_depth: 0,
        ..DiscoverOptions::default()
    };
    let (store, d) = discover_store(store_routes, &options).await;
    assert_eq!(store.page_requests(), ["/"]);
    assert!(d.pages.iter().all(|p| p.source != Source::Link));
}

#[tokio::test]
async fn max_pages_keeps_every_type() {
    let options = DiscoverOptions {
        max_pages: 20,
        ..DiscoverOptions::default()
    };
    let (store, d) = discover_store(store_routes, &options).await;
    assert_eq!(d.pages.len(), 20);
    assert_eq!(d.by_type.len(), 9, "{:?}", d.by_type);
    assert_eq!(d.by_type.values().sum::<usize>(), 20);
    assert_eq!(d.pages[0].source, Source::Base);
    assert!(
        store.page_requests().len() <= 20,
        "{:?}",
        store.page_requests()
    );
    assert!(has_note(&d, "kept max_pages (20)"), "{:#?}", d.notes);
    assert!(has_note(&d, "max_pages (20) pages read"), "{:#?}", d.notes);
    // Trimming spreads the kept products over the whole range.
    let products: Vec<&str> = d
        .pages
        .iter()
        .filter(|p| p.page_type == "product")
        .map(|p| p.url.path())
        .collect();
    assert!(products.len() >= 2);
    assert_eq!(products[0], "/collections/shirts/products/shirt-001");
    assert!(products.iter().any(|p| p.starts_with("/products/shirt-1")));
}

#[tokio::test]
async fn include_and_exclude_globs() {
    let options = DiscoverOptions {
        include: vec!["/products/**".to_string(), "/collections/**".to_string()],
        exclude: vec!["/products/hat-*".to_string()],
        ..DiscoverOptions::default()
    };
    let (store, d) = discover_store(store_routes, &options).await;
    let expected: BTreeMap<String, usize> =
        [("collection".to_string(), 4), ("product".to_string(), 205)].into();
    assert_eq!(d.by_type, expected);
    assert!(d
        .pages
        .iter()
        .all(|p| !p.url.path().starts_with("/products/hat-")));
    assert!(find(&d, "/").is_none());
    assert!(find(&d, "/collections/shirts/products/shirt-001").is_some());
    // Excluded pages are not read either; the base page is, for its links.
    let requests = store.page_requests();
    assert!(requests.iter().any(|t| t == "/"));
    assert!(!requests
        .iter()
        .any(|t| t.starts_with("/pages/") || t.starts_with("/products/hat-")));
}

#[tokio::test]
async fn results_do_not_depend_on_concurrency_and_samples_are_stable() {
    let serial = DiscoverOptions {
        concurrency: 1,
        ..DiscoverOptions::default()
    };
    let parallel = DiscoverOptions {
        concurrency: 8,
        ..DiscoverOptions::default()
    };
    let (_, a) = discover_store(store_routes, &serial).await;
    let (store, b) = discover_store(store_routes, &parallel).await;
    // Same store on another port: compare paths, sources, depths and types.
    let strip = |d: &Discovery| -> Vec<(String, String, Source, usize)> {
        d.pages
            .iter()
            .map(|p| {
                (
                    p.url.path().to_string(),
                    p.page_type.clone(),
                    p.source,
                    p.depth,
                )
            })
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(a.by_type, b.by_type);

    let picked = sample(&b, 3, false);
    assert_eq!(sample(&b, 3, false), picked);
    let mut per_type: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &picked {
        *per_type.entry(p.page_type.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = b
        .by_type
        .iter()
        .map(|(t, n)| (t.as_str(), (*n).min(3)))
        .collect();
    assert_eq!(per_type, expected);
    assert_eq!(picked[0].url, store.base());
    let products: Vec<&str> = picked
        .iter()
        .filter(|p| p.page_type == "product")
        .map(|p| p.url.path())
        .collect();
    assert_eq!(
        products,
        [
            "/collections/shirts/products/shirt-001",
            "/products/shirt-040",
            "/products/shirt-121"
        ]
    );
    assert_eq!(sample(&b, 3, true).len(), b.pages.len());
}

#[tokio::test]
async fn user_types_come_first() {
    let options = DiscoverOptions {
        types: vec![
            ("gift-card".to_string(), "/products/gift-card-*".to_string()),
            ("policy".to_string(), "/policies/*".to_string()),
        ],
        ..DiscoverOptions::default()
    };
    let (_, d) = discover_store(store_routes, &options).await;
    assert_eq!(d.by_type["gift-card"], 3);
    assert_eq!(d.by_type["policy"], 1);
    assert_eq!(d.by_type["product"], 240);
    assert!(!d.by_type.contains_key("other"));
    // User types sort after the built-in ones, in the order given.
    let last: Vec<&str> = d.pages[d.pages.len() - 4..]
        .iter()
        .map(|p| p.page_type.as_str())
        .collect();
    assert_eq!(last, ["gift-card", "gift-card", "gift-card", "policy"]);
}

#[tokio::test]
async fn malformed_sitemap_is_noted_and_kept_in_part() {
    let routes = |port: u16| {
        let mut routes = store_routes(port);
        let origin = format!("http://shop.test:{port}");
        routes.insert(
            "/sitemap_pages_1.xml".to_string(),
            xml(format!(
                "<urlset><url><loc>{origin}/pages/about</loc></url><url><loc>{origin}/pages/contact</loc></uurl><url><loc>{origin}/pages/faq</loc></url></urlset>"
            )),
        );
        routes
    };
    let (store, d) = discover_store(routes, &DiscoverOptions::default()).await;
    let port = store.port();
    let note = format!("sitemap http://shop.test:{port}/sitemap_pages_1.xml: malformed XML");
    assert!(has_note(&d, &note), "{:#?}", d.notes);
    assert!(
        has_note(&d, "kept the 2 entries read before"),
        "{:#?}",
        d.notes
    );
    assert_eq!(find(&d, "/pages/contact").unwrap().source, Source::Sitemap);
    assert!(find(&d, "/pages/faq").is_none());
    // The other sitemaps are unaffected.
    assert_eq!(d.by_type["product"], 243);
}

#[tokio::test]
async fn without_robots_txt_the_default_sitemap_is_read_and_nothing_is_disallowed() {
    let routes = |port: u16| {
        let mut routes = store_routes(port);
        routes.remove("/robots.txt");
        routes
    };
    let (store, d) = discover_store(routes, &DiscoverOptions::default()).await;
    assert!(
        d.notes.iter().all(|n| !n.contains("robots.txt:")),
        "{:#?}",
        d.notes
    );
    assert_eq!(d.by_type["product"], 243);
    assert!(find(&d, "/admin").is_some());
    assert!(store.page_requests().iter().any(|t| t == "/admin"));

    let routes = |port: u16| {
        let mut routes = store_routes(port);
        routes.remove("/robots.txt");
        routes.remove("/sitemap.xml");
        routes
    };
    let (_, d) = discover_store(routes, &DiscoverOptions::default()).await;
    assert!(has_note(&d, "no sitemap"), "{:#?}", d.notes);
    assert!(d.sitemaps.is_empty());
    // Links still find products: two from the home page, the rest from collection pages
    // (`/collections/all` repeats shirt-001).
    assert!(d.pages.iter().all(|p| p.source != Source::Sitemap));
    assert_eq!(d.by_type["product"], 2 + 11 + 13 + 10 + 3);
}

#[tokio::test]
async fn base_redirect_to_the_bare_host_moves_the_origin() {
    let routes = |port: u16| {
        let mut routes = store_routes(port);
        routes.insert(
            "www.shop.test/".to_string(),
            Response::redirect(301, &format!("http://shop.test:{port}/")),
        );
        routes
    };
    let store = Store::start(routes);
    let port = store.port();
    let base = Url::parse(&format!("http://www.shop.test:{port}/")).unwrap();
    let d = discover(&store.client(), &base, &DiscoverOptions::default()).await;
    assert!(has_note(&d, "redirected to"), "{:#?}", d.notes);
    assert_eq!(d.pages[0].url.as_str(), format!("http://shop.test:{port}/"));
    assert_eq!(d.by_type["product"], 243);
    let www: Vec<(String, String)> = store
        .requests()
        .into_iter()
        .filter(|(host, _)| host != "shop.test")
        .collect();
    assert_eq!(www, [("www.shop.test".to_string(), "/".to_string())]);
}

#[tokio::test]
async fn failures_become_notes() {
    let routes = |port: u16| {
        let mut routes = store_routes(port);
        routes.insert("/pages/links-only".to_string(), Response::hang());
        routes.remove("/pages/chain-2");
        routes
    };
    let options = DiscoverOptions {
        timeout: Duration::from_secs(2),
        ..DiscoverOptions::default()
    };
    let (store, d) = discover_store(routes, &options).await;
    let port = store.port();
    assert!(
        has_note(&d, "linked pages that could not be read ("),
        "{:#?}",
        d.notes
    );
    assert!(has_note(
        &d,
        &format!("http://shop.test:{port}/pages/chain-2: HTTP 404")
    ));
    assert!(has_note(
        &d,
        &format!("http://shop.test:{port}/pages/links-only: timed out")
    ));
    assert!(find(&d, "/pages/links-only").is_none());

    // Nothing listening: every request fails, and discovery still returns.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let base = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let d = discover(&client, &base, &DiscoverOptions::default()).await;
    assert!(has_note(&d, "base page"), "{:#?}", d.notes);
    assert!(has_note(&d, "robots.txt:"), "{:#?}", d.notes);
    assert_eq!(d.pages.len(), 1);
    assert_eq!(d.pages[0].source, Source::Base);

    let d = discover(&client, &Url::parse("mailto:x@y.z").unwrap(), &options).await;
    assert!(d.pages.is_empty());
    assert_eq!(d.notes.len(), 1);
}

#[tokio::test]
async fn links_are_read_from_30_pages_per_type_unless_all() {
    let product_reads = |store: &Store| {
        store
            .page_requests()
            .iter()
            .filter(|t| t.contains("/products/"))
            .count()
    };
    let (store, sampled) = discover_store(store_routes, &DiscoverOptions::default()).await;
    assert_eq!(product_reads(&store), 30);
    let all = DiscoverOptions {
        all: true,
        ..DiscoverOptions::default()
    };
    let (store, everything) = discover_store(store_routes, &all).await;
    // Every linked product: 2 from the home page, 37 more from collection pages.
    assert_eq!(product_reads(&store), 39);
    // Unread pages are kept all the same.
    assert_eq!(sampled.by_type, everything.by_type);
}
