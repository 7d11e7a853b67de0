//! The demo store's whole catalog, for whole-store audits (`--discover`): a Shopify-like
//! `robots.txt`, a sitemap index with Shopify's product / collection / page / blog sitemaps,
//! about 300 generated product pages in six collections, a journal with posts, and a few pages.
//!
//! Generated products use the linen shirt's page with their own title, handle, SKU and price,
//! so every template carries the same tags as the hand-written pages. One template is planted
//! wrong (defect 8): the gift card product pages (`/products/gift-card-*`) come from another
//! theme and carry no Meta pixel, so Meta `PageView` and `ViewContent` are missing there.

use std::fmt::Write;
use std::sync::OnceLock;

use super::reply::Reply;
use super::store::{layout, META_PIXEL, PRODUCT_HEAD, STANDARD_PIXELS};

const PRODUCT_PAGE: &str = include_str!("assets/store/pages/product.html");
const GIFT_CARD_PAGE: &str = include_str!("assets/store/pages/gift-card.html");
const ORIGIN: &str = "https://demo-store.test";

/// One generated product.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub(crate) handle: String,
    title: String,
    sku: String,
    price_cents: u32,
    id: u32,
    collection: &'static str,
}

impl Product {
    fn price(&self) -> String {
        format!("{}.{:02}", self.price_cents / 100, self.price_cents % 100)
    }
    fn gift_card(&self) -> bool {
        self.collection == "gift-cards"
    }
}

/// (collection handle, title, product name, SKU prefix, products, price in cents).
const COLLECTIONS: &[(&str, &str, &str, &str, u32, u32)] = &[
    ("shirts", "Shirts", "Linen Shirt", "SH", 80, 5990),
    ("knitwear", "Knitwear", "Merino Sweater", "KN", 70, 8900),
    ("trousers", "Trousers", "Canvas Trousers", "TR", 60, 7900),
    ("bags", "Bags", "Canvas Tote", "BG", 40, 2400),
    ("accessories", "Accessories", "Wool Beanie", "AC", 40, 3400),
    ("gift-cards", "Gift cards", "Gift Card", "GC", 4, 2500),
];

const JOURNAL: &[(&str, &str)] = &[
    ("how-we-wash-linen", "How we wash linen"),
    ("a-day-at-the-mill", "A day at the mill"),
    ("merino-myths", "Five merino myths"),
    ("packing-light", "Packing light for a week"),
    ("repair-not-replace", "Repair, not replace"),
    ("summer-lookbook-notes", "Notes from the summer lookbook"),
    ("canvas-care", "Caring for canvas"),
    ("our-dyes", "Where our dyes come from"),
    ("porto-workshop", "Inside the Porto workshop"),
    ("winter-layers", "Layering for winter"),
    ("sizing-guide", "A sizing guide that works"),
    ("gift-ideas", "Gift ideas under €50"),
];

const PAGES: &[(&str, &str)] = &[
    ("about", "About us"),
    ("shipping", "Shipping and returns"),
    ("contact", "Contact"),
];

/// Every generated product, in collection order (the linen shirt is the first shirt).
pub(crate) fn products() -> &'static [Product] {
    static PRODUCTS: OnceLock<Vec<Product>> = OnceLock::new();
    PRODUCTS.get_or_init(|| {
        let mut products = Vec::new();
        let mut id = 7001;
        for &(collection, _, name, prefix, count, cents) in COLLECTIONS {
            for n in 1..=count {
                let (handle, title, price_cents) = match (collection, n) {
                    ("shirts", 1) => ("linen-shirt".to_string(), name.to_string(), cents),
                    ("gift-cards", n) => {
                        let amount = [25, 50, 100, 200][(n as usize - 1) % 4];
                        (
                            format!("gift-card-{amount}"),
                            format!("Gift Card €{amount}"),
                            amount * 100,
                        )
                    }
                    (_, n) => {
                        let slug = name.to_lowercase().replace(' ', "-");
                        (
                            format!("{slug}-{n:03}"),
                            format!("{name} No. {n}"),
                            cents + (n % 5) * 500,
                        )
                    }
                };
                products.push(Product {
                    handle,
                    title,
                    sku: format!("{prefix}-{n:03}"),
                    price_cents,
                    id,
                    collection,
                });
                id += 1;
            }
        }
        products
    })
}

/// Answers the catalog's paths; `None` for anything else.
pub(crate) fn handle(path: &str, query: Option<&str>) -> Option<Reply> {
    let xml = |body: String| Reply::new(200, Some("application/xml; charset=utf-8"), body);
    match path {
        "/robots.txt" => return Some(Reply::new(200, Some("text/plain; charset=utf-8"), robots())),
        "/sitemap.xml" => return Some(xml(sitemap_index())),
        "/sitemap_products_1.xml" => return Some(xml(products_sitemap(query))),
        "/sitemap_collections_1.xml" => return Some(xml(urlset(collection_paths()))),
        "/sitemap_pages_1.xml" => return Some(xml(urlset(page_paths()))),
        "/sitemap_blogs_1.xml" => return Some(xml(urlset(blog_paths()))),
        "/blogs/journal" => return Some(Reply::html(journal_index())),
        _ => {}
    }
    if let Some(handle) = path.strip_prefix("/products/") {
        // The hand-written linen shirt page answers before this; the rest are generated.
        let product = products().iter().find(|p| p.handle == handle)?;
        return Some(Reply::html(product_page(product)));
    }
    if let Some(handle) = path.strip_prefix("/collections/") {
        let collection = COLLECTIONS.iter().find(|c| c.0 == handle)?;
        return Some(Reply::html(collection_page(collection.0, collection.1)));
    }
    if let Some(slug) = path.strip_prefix("/blogs/journal/") {
        let post = JOURNAL.iter().find(|(s, _)| *s == slug)?;
        return Some(Reply::html(simple_page(
            "article",
            post.1,
            &post_body(post.1),
        )));
    }
    if let Some(slug) = path.strip_prefix("/pages/") {
        let page = PAGES.iter().find(|(s, _)| *s == slug)?;
        return Some(Reply::html(simple_page(
            "page",
            page.1,
            &format!("<h1>{}</h1><p>Northwind Threads, Porto.</p>", page.1),
        )));
    }
    None
}

/// Shopify's robots.txt, shortened: carts, checkouts, accounts, search and admin are off limits.
fn robots() -> String {
    format!(
        "# we use Shopify as our ecommerce platform\n\nUser-agent: *\nDisallow: /admin\nDisallow: /cart\nDisallow: /checkouts/\nDisallow: /checkout\nDisallow: /account\nDisallow: /search\nDisallow: /collections/*sort_by*\nDisallow: /*/collections/*sort_by*\n\nSitemap: {ORIGIN}/sitemap.xml\n"
    )
}

fn sitemap_index() -> String {
    let last = products().last().map_or(0, |p| p.id);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for file in [
        format!("sitemap_products_1.xml?from=7001&amp;to={last}"),
        "sitemap_pages_1.xml".to_string(),
        "sitemap_collections_1.xml".to_string(),
        "sitemap_blogs_1.xml".to_string(),
    ] {
        let _ = writeln!(out, "  <sitemap><loc>{ORIGIN}/{file}</loc></sitemap>");
    }
    out.push_str("</sitemapindex>\n");
    out
}

fn products_sitemap(query: Option<&str>) -> String {
    let param = |name: &str| -> Option<u32> {
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse().ok())
    };
    let (from, to) = (param("from").unwrap_or(0), param("to").unwrap_or(u32::MAX));
    urlset(
        products()
            .iter()
            .filter(|p| (from..=to).contains(&p.id))
            .map(|p| format!("/products/{}", p.handle))
            .collect(),
    )
}

fn collection_paths() -> Vec<String> {
    let mut paths = vec!["/collections/all".to_string()];
    paths.extend(COLLECTIONS.iter().map(|c| format!("/collections/{}", c.0)));
    paths
}

fn page_paths() -> Vec<String> {
    let mut paths = vec!["/pages/lookbook".to_string()];
    paths.extend(PAGES.iter().map(|(s, _)| format!("/pages/{s}")));
    paths
}

fn blog_paths() -> Vec<String> {
    let mut paths = vec!["/blogs/journal".to_string()];
    paths.extend(JOURNAL.iter().map(|(s, _)| format!("/blogs/journal/{s}")));
    paths
}

fn urlset(paths: Vec<String>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for path in paths {
        let _ = writeln!(
            out,
            "  <url><loc>{ORIGIN}{path}</loc><lastmod>2026-11-20T08:00:00+00:00</lastmod></url>"
        );
    }
    out.push_str("</urlset>\n");
    out
}

fn product_page(product: &Product) -> String {
    let price = product.price();
    if product.gift_card() {
        let main = GIFT_CARD_PAGE
            .replace("{{TITLE}}", &product.title)
            .replace("{{HANDLE}}", &product.handle)
            .replace("{{SKU}}", &product.sku)
            .replace("{{PRICE}}", &price)
            .replace("{{ID}}", &product.id.to_string());
        let pixels: Vec<&str> = STANDARD_PIXELS
            .iter()
            .copied()
            .filter(|snippet| *snippet != META_PIXEL)
            .collect();
        let head = PRODUCT_HEAD.replace("59.90", &price);
        return layout(&product.title, "product", &head, &pixels, &[], &main);
    }
    let variant = product.id * 10 + 34_000;
    let main = PRODUCT_PAGE
        .replace("Linen Shirt", &product.title)
        .replace("linen-shirt", &product.handle)
        .replace("LS-001", &product.sku)
        .replace("LS-002", &format!("{}-L", product.sku))
        .replace("59.90", &price)
        .replace("5990", &product.price_cents.to_string())
        .replace("41001", &variant.to_string())
        .replace("41002", &(variant + 1).to_string())
        .replace("7001", &product.id.to_string());
    let head = PRODUCT_HEAD.replace("59.90", &price);
    layout(
        &product.title,
        "product",
        &head,
        STANDARD_PIXELS,
        &[],
        &main,
    )
}

fn collection_page(handle: &str, title: &str) -> String {
    let mut cards = String::new();
    for product in products().iter().filter(|p| p.collection == handle) {
        let _ = writeln!(
            cards,
            "  <a class=\"card\" href=\"/products/{}\"><div class=\"swatch\" style=\"background:#d8c8a8\"></div><h3>{}</h3><span class=\"price\">€{}</span></a>",
            product.handle,
            product.title,
            product.price()
        );
    }
    let others: String = COLLECTIONS
        .iter()
        .map(|c| format!("<a href=\"/collections/{}\">{}</a> ", c.0, c.1))
        .collect();
    let main = format!(
        "<nav class=\"breadcrumbs\"><a href=\"/\">Home</a> / {title}</nav>\n<h1>{title}</h1>\n<p class=\"muted\">{others}</p>\n<div class=\"grid\">\n{cards}</div>\n\
         <script>window.ShopifyAnalytics = window.ShopifyAnalytics || {{}}; window.ShopifyAnalytics.meta = {{ currency: 'EUR', page: {{ pageType: 'collection', resourceType: 'collection', resourceId: 3002 }} }};</script>\n"
    );
    layout(title, "collection", "", STANDARD_PIXELS, &[], &main)
}

fn journal_index() -> String {
    let posts: String = JOURNAL
        .iter()
        .map(|(slug, title)| format!("<li><a href=\"/blogs/journal/{slug}\">{title}</a></li>\n"))
        .collect();
    simple_page(
        "blog",
        "Journal",
        &format!("<h1>Journal</h1>\n<ul>\n{posts}</ul>\n"),
    )
}

fn post_body(title: &str) -> String {
    format!(
        "<article><h1>{title}</h1><p>Notes from the workshop. Read more in the <a href=\"/blogs/journal\">journal</a> or <a href=\"/collections/shirts\">shop shirts</a>.</p></article>"
    )
}

fn simple_page(name: &str, title: &str, main: &str) -> String {
    let main = format!(
        "{main}\n<script>window.ShopifyAnalytics = window.ShopifyAnalytics || {{}}; window.ShopifyAnalytics.meta = {{ currency: 'EUR', page: {{ pageType: '{name}', resourceType: null, resourceId: null }} }};</script>\n"
    );
    layout(title, name, "", STANDARD_PIXELS, &[], &main)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(reply: Reply) -> String {
        String::from_utf8(reply.body.to_vec()).unwrap()
    }

    #[test]
    fn the_catalog_has_hundreds_of_products_with_unique_handles_and_skus() {
        let products = products();
        assert_eq!(products.len(), 294);
        let handles: std::collections::BTreeSet<_> = products.iter().map(|p| &p.handle).collect();
        let skus: std::collections::BTreeSet<_> = products.iter().map(|p| &p.sku).collect();
        assert_eq!(handles.len(), products.len());
        assert_eq!(skus.len(), products.len());
        assert_eq!(products[0].handle, "linen-shirt");
    }

    #[test]
    fn sitemaps_list_every_page_once() {
        let index = body(handle("/sitemap.xml", None).unwrap());
        assert!(
            index.contains("sitemap_products_1.xml?from=7001&amp;to=7294"),
            "{index}"
        );
        let products = body(handle("/sitemap_products_1.xml", Some("from=7001&to=7294")).unwrap());
        assert_eq!(products.matches("<loc>").count(), 294);
        let robots = body(handle("/robots.txt", None).unwrap());
        assert!(robots.contains("Sitemap: https://demo-store.test/sitemap.xml"));
    }

    #[test]
    fn generated_products_carry_their_own_data_and_gift_cards_lack_meta() {
        let page = body(handle("/products/merino-sweater-007", None).unwrap());
        assert!(page.contains("Merino Sweater No. 7") && page.contains("KN-007"));
        assert!(page.contains("fbevents.js"), "the Meta pixel loads");
        assert!(page.contains("\"sku\": \"KN-007\"") && !page.contains("\"sku\": \"LS-001\""));
        assert!(
            page.contains("\"price\": \"99.00\""),
            "its own price in the JSON-LD"
        );
        let gift = body(handle("/products/gift-card-50", None).unwrap());
        assert!(gift.contains("Gift Card €50"));
        assert!(!gift.contains("fbevents.js"), "defect 8: no Meta pixel");
        assert!(gift.contains("gtag('event', 'view_item'"));
        assert!(handle("/products/no-such-thing", None).is_none());
    }
}
