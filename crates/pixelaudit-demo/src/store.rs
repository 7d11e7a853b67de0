//! `https://demo-store.test`: the Shopify-like store "Northwind Threads", its assets, the web
//! pixel sandboxes and Shopify's monorail endpoint.
//!
//! Each page is `assets/store/layout.html` filled with the page's extra `<head>` tags, its pixel
//! snippets (head), its content and page events (`assets/store/pages/`), and app embeds and theme
//! snippets (end of body). Every page carries the consent banner (`assets/store/consent.js`):
//! marketing tags wait for "Accept all" (or the cookie `nw_consent=granted`), GA4 sends only a
//! cookieless page_view before that, and Shopify's monorail always sends. The planted defects (see
//! the module docs of `demo`) are visible here as data where they can be: the home page's extra
//! Meta app embed, TikTok hard-code and Klaviyo sign-up embed, and the collection page's legacy
//! Reddit snippet; the others are in the page files and the Pinterest sandbox.

use super::reply::Reply;
use super::router::Incoming;

/// The store's host name.
pub(crate) const STORE_HOST: &str = "demo-store.test";

/// The store pages, as `(name, path)`.
pub const DEMO_PAGES: &[(&str, &str)] = &[
    ("home", "/"),
    ("collection", "/collections/all"),
    ("product", "/products/linen-shirt"),
    ("cart", "/cart"),
    ("thank-you", "/checkouts/c/thank-you"),
    ("lookbook", "/pages/lookbook"),
];

/// The name of the cookie that holds the visitor's answer to the consent banner: `granted` or
/// `denied` (path `/`). Without it the banner shows and only consent-free tags run.
pub const CONSENT_COOKIE: &str = "nw_consent";

const LAYOUT: &str = include_str!("assets/store/layout.html");
const THEME_CSS: &str = include_str!("assets/store/theme.css");
const THEME_JS: &str = include_str!("assets/store/theme.js");
const CONSENT_JS: &str = include_str!("assets/store/consent.js");
const PRODUCT_IMAGE: &str = include_str!("assets/store/linen-shirt.svg");
const WPM_BOOTSTRAP: &str = include_str!("assets/store/wpm/bootstrap.js");
const PINTEREST_SANDBOX: &str = include_str!("assets/store/wpm/pinterest-sandbox.html");
const TIKTOK_WORKER: &str = include_str!("assets/store/wpm/tiktok-worker.js");

pub(super) const META_PIXEL: &str = include_str!("assets/store/snippets/meta-pixel.html");
const META_APP_EMBED: &str = include_str!("assets/store/snippets/meta-app-embed.html");
const GTAG: &str = include_str!("assets/store/snippets/gtag.html");
const SNAP: &str = include_str!("assets/store/snippets/snap.html");
const BING: &str = include_str!("assets/store/snippets/bing.html");
const X: &str = include_str!("assets/store/snippets/x.html");
const REDDIT: &str = include_str!("assets/store/snippets/reddit.html");
const REDDIT_LEGACY: &str = include_str!("assets/store/snippets/reddit-legacy.html");
const KLAVIYO: &str = include_str!("assets/store/snippets/klaviyo.html");
const SGTM: &str = include_str!("assets/store/snippets/sgtm.html");
const KLAVIYO_SIGNUP_EMBED: &str = include_str!("assets/store/snippets/klaviyo-signup-embed.html");
const TIKTOK_THEME_HARDCODE: &str =
    include_str!("assets/store/snippets/tiktok-theme-hardcode.html");

/// The product page's machine-readable price, next to its JSON-LD `Product`.
pub(super) const PRODUCT_HEAD: &str = "<meta property=\"og:type\" content=\"product\">\n\
<meta property=\"product:price:amount\" content=\"59.90\">\n\
<meta property=\"product:price:currency\" content=\"EUR\">";

/// The head snippets of a correctly tagged page.
pub(super) const STANDARD_PIXELS: &[&str] =
    &[META_PIXEL, GTAG, SNAP, BING, X, REDDIT, KLAVIYO, SGTM];

const MONORAIL_PATH: &str = "/.well-known/shopify/monorail/unstable/produce_batch";
/// The store's own server-side tagging endpoint (GA4 wire format, first-party).
const SGTM_PATH: &str = "/metrics/g/collect";
const PINTEREST_SANDBOX_PREFIX: &str = "/wpm@demo/web-pixel-101@1/sandbox/modern";
const TIKTOK_WORKER_PATH: &str = "/wpm@demo/web-pixel-102@1/sandbox/worker.js";

/// One store page.
struct Page {
    name: &'static str,
    path: &'static str,
    title: &'static str,
    /// More paths answered with the same page (the routes of a single-page app).
    routes: &'static [&'static str],
    /// Extra tags in `<head>` (before the scripts).
    head: &'static str,
    /// Pixel snippets in `<head>`.
    pixels: &'static [&'static str],
    /// Content and page events, inside `<main>`.
    main: &'static str,
    /// App embeds and theme snippets at the end of `<body>`.
    apps: &'static [&'static str],
}

const PAGES: &[Page] = &[
    Page {
        name: "home",
        path: "/",
        title: "Home",
        routes: &[],
        head: "",
        pixels: STANDARD_PIXELS,
        main: include_str!("assets/store/pages/home.html"),
        // Defect 1: the Facebook & Instagram app embed installs the theme's Meta pixel again.
        // Defect 5: a theme hard-code starts the TikTok web pixel without waiting for consent.
        // Defect 6: the Klaviyo sign-up embed starts Klaviyo on any banner answer, "Reject all" too.
        apps: &[META_APP_EMBED, TIKTOK_THEME_HARDCODE, KLAVIYO_SIGNUP_EMBED],
    },
    Page {
        name: "collection",
        path: "/collections/all",
        title: "Shop all",
        routes: &[],
        head: "",
        // Defect 3: the old collection template still loads Reddit from a path that is a 404.
        pixels: &[
            META_PIXEL,
            GTAG,
            SNAP,
            BING,
            X,
            REDDIT_LEGACY,
            KLAVIYO,
            SGTM,
        ],
        main: include_str!("assets/store/pages/collection.html"),
        apps: &[],
    },
    Page {
        name: "product",
        path: "/products/linen-shirt",
        title: "Linen Shirt",
        routes: &[],
        head: PRODUCT_HEAD,
        pixels: STANDARD_PIXELS,
        main: include_str!("assets/store/pages/product.html"),
        apps: &[],
    },
    Page {
        name: "cart",
        path: "/cart",
        title: "Your cart",
        routes: &[],
        head: "",
        pixels: STANDARD_PIXELS,
        main: include_str!("assets/store/pages/cart.html"),
        apps: &[],
    },
    Page {
        name: "thank-you",
        path: "/checkouts/c/thank-you",
        title: "Thank you for your order",
        routes: &[],
        head: "",
        pixels: STANDARD_PIXELS,
        main: include_str!("assets/store/pages/thank-you.html"),
        apps: &[],
    },
    Page {
        name: "lookbook",
        path: "/pages/lookbook",
        title: "Lookbook",
        routes: &["/pages/lookbook/summer", "/pages/lookbook/winter"],
        head: "",
        pixels: STANDARD_PIXELS,
        main: include_str!("assets/store/pages/lookbook.html"),
        apps: &[],
    },
];

/// Answers a request to the store host.
pub(crate) fn handle(request: &Incoming) -> Reply {
    let path = request.path.as_str();
    if path == MONORAIL_PATH {
        return if request.method == "POST" {
            Reply::json(200, r#"{"result":[{"status":200,"message":"ok"}]}"#)
        } else {
            Reply::status(405).header("Allow", "POST")
        };
    }
    if path == SGTM_PATH {
        return if request.method == "POST" {
            Reply::status(204)
        } else {
            Reply::status(405).header("Allow", "POST")
        };
    }
    if request.method != "GET" && request.method != "HEAD" {
        return Reply::status(405).header("Allow", "GET, HEAD");
    }
    if let Some(page) = PAGES
        .iter()
        .find(|p| p.path == path || p.routes.contains(&path))
    {
        return Reply::html(render(page));
    }
    if let Some(reply) = super::catalog::handle(path, request.query.as_deref()) {
        return reply;
    }
    match path {
        "/cdn/shop/t/1/assets/theme.css" => {
            Reply::new(200, Some("text/css; charset=utf-8"), THEME_CSS)
        }
        "/cdn/shop/t/1/assets/theme.js" => Reply::javascript(THEME_JS),
        "/cdn/shop/t/1/assets/consent.js" => Reply::javascript(CONSENT_JS),
        _ if path.starts_with("/cdn/shop/files/") && path.ends_with(".svg") => {
            Reply::new(200, Some("image/svg+xml"), PRODUCT_IMAGE)
        }
        "/cdn/wpm/bootstrap.js" => Reply::javascript(WPM_BOOTSTRAP),
        TIKTOK_WORKER_PATH => Reply::javascript(TIKTOK_WORKER),
        _ if path.starts_with(PINTEREST_SANDBOX_PREFIX) => Reply::html(PINTEREST_SANDBOX),
        _ => Reply::new(404, Some("text/html; charset=utf-8"), not_found_page()),
    }
}

fn render(page: &Page) -> String {
    layout(
        page.title,
        page.name,
        page.head,
        page.pixels,
        page.apps,
        page.main,
    )
}

/// The store layout around a page's parts.
pub(super) fn layout(
    title: &str,
    name: &str,
    head: &str,
    pixels: &[&str],
    apps: &[&str],
    main: &str,
) -> String {
    LAYOUT
        .replace("{{TITLE}}", title)
        .replace("{{NAME}}", name)
        .replace("{{HEAD}}", head)
        .replace("{{PIXELS}}", &pixels.concat())
        .replace("{{APPS}}", &apps.concat())
        .replace("{{MAIN}}", main)
}

fn not_found_page() -> String {
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page not found – Northwind \
     Threads</title></head><body><h1>Page not found</h1><p><a href=\"/\">Back to the shop</a></p></body></html>\n"
        .to_string()
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    fn page(name: &str) -> &'static Page {
        PAGES.iter().find(|p| p.name == name).unwrap()
    }

    fn html(name: &str) -> String {
        render(page(name))
    }

    fn get(path: &str) -> Reply {
        handle(&Incoming {
            host: STORE_HOST.to_string(),
            method: "GET".to_string(),
            path: path.to_string(),
            query: None,
            origin: None,
            request_headers: None,
        })
    }

    /// The byte ranges of the bodies of `NorthwindConsent.whenGranted(function () { … })` calls:
    /// braces are matched outside JS strings and comments.
    fn granted_regions(text: &str) -> Vec<std::ops::Range<usize>> {
        const OPEN: &str = "NorthwindConsent.whenGranted(function () {";
        let bytes = text.as_bytes();
        let mut regions = Vec::new();
        for (start, _) in text.match_indices(OPEN) {
            let body = start + OPEN.len();
            let (mut i, mut depth) = (body, 1);
            while depth > 0 {
                match bytes[i] {
                    quote @ (b'\'' | b'"' | b'`') => {
                        i += 1;
                        while bytes[i] != quote {
                            i += if bytes[i] == b'\\' { 2 } else { 1 };
                        }
                    }
                    b'/' if bytes[i + 1] == b'/' => {
                        while bytes[i] != b'\n' {
                            i += 1;
                        }
                    }
                    b'/' if bytes[i + 1] == b'*' => {
                        i += text[i..].find("*/").unwrap() + 1;
                    }
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            regions.push(body..i - 1);
        }
        regions
    }

    #[test]
    fn granted_regions_skip_strings_and_comments() {
        let text = "a; NorthwindConsent.whenGranted(function () {\n  x('}'); // it's }\n  /* } */ y({a: 1});\n}); z();";
        let regions = granted_regions(text);
        assert_eq!(regions.len(), 1);
        let inner = &text[regions[0].clone()];
        assert!(
            inner.contains("y({a: 1});") && !inner.contains("z()"),
            "{inner}"
        );
    }

    #[test]
    fn pages_and_demo_pages_agree() {
        let names: Vec<(&str, &str)> = PAGES.iter().map(|p| (p.name, p.path)).collect();
        assert_eq!(names, DEMO_PAGES.to_vec());
    }

    #[test]
    fn every_page_is_fully_rendered() {
        for page in PAGES {
            let html = render(page);
            assert!(!html.contains("{{"), "{} left a placeholder", page.name);
            assert!(
                html.contains("/cdn/wpm/bootstrap.js"),
                "{} lacks the web pixels manager",
                page.name
            );
            assert!(html.contains("fbevents.js") && html.contains("gtag/js?id=G-DEMO12345"));
            assert!(html.contains(r#"<span class="cart-count" id="cart-count">"#));
        }
    }

    #[test]
    fn every_page_asks_for_consent_before_any_tag() {
        for page in PAGES {
            let html = render(page);
            let consent = html.find(r#"<script src="/cdn/shop/t/1/assets/consent.js">"#);
            let consent =
                consent.unwrap_or_else(|| panic!("{} lacks the banner script", page.name));
            let first_other_script = html[..html.find("<body").unwrap()]
                .match_indices("<script")
                .map(|(i, _)| i)
                .find(|&i| i != consent)
                .unwrap();
            assert!(consent < first_other_script, "{}", page.name);
            // The banner starts hidden and is shown (and wired) right after its markup.
            let banner = html
                .find(r#"<div id="consent-banner" class="consent-banner" role="region" aria-label="Cookie consent" hidden>"#)
                .unwrap_or_else(|| panic!("{} lacks the banner", page.name));
            let accept = html.find(r#"<button id="consent-accept" class="button" type="button">Accept all</button>"#).unwrap();
            let reject = html.find(r#"<button id="consent-reject" class="button secondary" type="button">Reject all</button>"#).unwrap();
            let mount = html
                .find("NorthwindConsent.mountBanner(document.getElementById('consent-banner'));")
                .unwrap();
            assert!(
                banner < accept && accept < reject && reject < mount,
                "{}",
                page.name
            );
            assert!(mount < html.find("<header").unwrap(), "{}", page.name);
        }
        assert!(CONSENT_JS.contains(CONSENT_COOKIE));
        for needle in [
            "'granted'",
            "'denied'",
            "path=/",
            "'consent', 'update'",
            "northwind:consent",
        ] {
            assert!(CONSENT_JS.contains(needle), "consent.js lacks {needle}");
        }
        assert!(THEME_CSS.contains(".consent-banner[hidden] { display: none; }"));
    }

    #[test]
    fn google_consent_mode_defaults_to_denied_and_ads_waits() {
        let denied = "gtag('consent', 'default', {\n      ad_storage: 'denied', analytics_storage: 'denied',\n      ad_user_data: 'denied', ad_personalization: 'denied'\n    });";
        let denied_at = GTAG.find(denied).expect("a denied default");
        let granted_at = GTAG.find("ad_storage: 'granted'").unwrap();
        let ga4_config = GTAG.find("gtag('config', 'G-DEMO12345');").unwrap();
        let ads_config = GTAG.find("gtag('config', 'AW-987654321');").unwrap();
        assert!(denied_at < ga4_config && granted_at < ga4_config);
        let gated = granted_regions(GTAG);
        assert!(
            !gated.iter().any(|r| r.contains(&ga4_config)),
            "GA4 always sends its page_view"
        );
        assert!(
            gated.iter().any(|r| r.contains(&ads_config)),
            "Google Ads waits for consent"
        );
        assert!(GTAG.contains("if (NorthwindConsent.state() === 'granted') {"));
    }

    /// Marketing tags appear only inside `whenGranted`, apart from planted defects 5 and 6.
    #[test]
    fn marketing_tags_wait_for_consent() {
        let markers = [
            "fbevents.js",
            "fbq(",
            "gtag('event'",
            "AW-987654321",
            "snaptr(",
            "scevent.min.js",
            "bat.bing.com",
            "uetq",
            "uwt.js",
            "twq(",
            "pixel.js",
            "rdt(",
            "klaviyo.js",
            "klaviyo.push(",
        ];
        for page in PAGES {
            let html = render(page);
            let gated = granted_regions(&html);
            let mut ungated = Vec::new();
            for marker in markers {
                for (at, _) in html.match_indices(marker) {
                    if !gated.iter().any(|r| r.contains(&at)) {
                        ungated.push(marker);
                    }
                }
            }
            let expected: &[&str] = if page.name == "home" {
                &["klaviyo.js"] // defect 6: the Klaviyo sign-up embed
            } else {
                &[]
            };
            assert_eq!(ungated, expected, "{}", page.name);
            // The web pixels manager (TikTok, Pinterest) waits for consent too, defect 5 aside.
            assert_eq!(
                html.contains("webPixelsManager.startPixel("),
                page.name == "home",
                "{}",
                page.name
            );
        }
        assert!(WPM_BOOTSTRAP.contains("window.NorthwindConsent.whenGranted(startAll);"));
    }

    #[test]
    fn planted_defects_are_where_the_docs_say() {
        assert_eq!(html("home").matches("fbq('track', 'PageView')").count(), 2);
        assert_eq!(
            html("product").matches("fbq('track', 'PageView')").count(),
            1
        );
        assert!(html("collection").contains("redditstatic.com/ads/v1/pixel.js"));
        assert!(!html("product").contains("/ads/v1/pixel.js"));
        let thank_you = html("thank-you");
        let purchase = &thank_you[thank_you.find("gtag('event', 'purchase'").unwrap()..];
        let purchase = &purchase[..purchase.find("});").unwrap()];
        assert!(
            !purchase.contains("currency"),
            "GA4 purchase must lack currency"
        );
        let cart = html("cart");
        let checkout = &cart[cart.find("fbq('track', 'InitiateCheckout'").unwrap()..];
        let checkout = &checkout[..checkout.find("});").unwrap()];
        assert!(
            !checkout.contains("eventID"),
            "InitiateCheckout must lack an event id"
        );

        // 5: the home page starts the TikTok worker pixel itself, after the manager is set up.
        let home = html("home");
        let hardcode = home
            .find("webPixelsManager.startPixel('web-pixel-102');")
            .unwrap();
        assert!(home.find("/cdn/wpm/bootstrap.js").unwrap() < hardcode);
        assert!(WPM_BOOTSTRAP.contains("'web-pixel-102': function () { return startWorker("));
        // 6: the home page's sign-up embed loads Klaviyo on any banner answer.
        let embed = &home[home
            .find("document.addEventListener('northwind:consent'")
            .unwrap()..];
        let embed = &embed[..embed.find("</script>").unwrap()];
        assert!(embed.contains("klaviyo.js?company_id=AbC123"));
        assert!(
            !embed.contains("decision"),
            "the embed must ignore the answer"
        );
        for name in ["collection", "product", "cart", "thank-you", "lookbook"] {
            assert!(!html(name).contains("northwind:consent"), "{name}");
        }
        // 7: the Pinterest app pixel ignores add-to-cart; TikTok's handles it.
        assert!(!PINTEREST_SANDBOX.contains("event.name === 'product_added_to_cart'"));
        assert!(PINTEREST_SANDBOX.contains("event.name === 'checkout_completed'"));
        assert!(TIKTOK_WORKER.contains("case 'product_added_to_cart':"));
        assert!(html("product").contains("webPixelsManager.publish('product_added_to_cart'"));
    }

    #[test]
    fn reddit_purchase_is_slow() {
        let thank_you = html("thank-you");
        let purchase = thank_you.find("rdt('track', 'Purchase'").unwrap();
        let function = thank_you.find("function redditPurchase() {").unwrap();
        assert!(function < purchase);
        assert!(thank_you.contains("setTimeout(redditPurchase, 2500);"));
        assert!(thank_you.contains("window.addEventListener('load', afterLoad);"));
        assert!(granted_regions(&thank_you)
            .iter()
            .any(|r| r.contains(&purchase)));
    }

    #[test]
    fn product_page_states_its_price_and_has_add_to_cart() {
        let product = html("product");
        let head = &product[..product.find("</head>").unwrap()];
        assert!(head.contains(r#"<meta property="product:price:amount" content="59.90">"#));
        assert!(head.contains(r#"<meta property="product:price:currency" content="EUR">"#));
        assert!(product.contains(r#"<span class="price" data-price="59.90">€59.90</span>"#));

        let ld = &product[product
            .find(r#"<script type="application/ld+json">"#)
            .unwrap()..];
        let ld = &ld[ld.find('>').unwrap() + 1..ld.find("</script>").unwrap()];
        let ld: serde_json::Value = serde_json::from_str(ld).expect("JSON-LD parses");
        assert_eq!(ld["@type"], "Product");
        assert_eq!(ld["sku"], "LS-001");
        assert_eq!(ld["offers"]["price"], "59.90");
        assert_eq!(ld["offers"]["priceCurrency"], "EUR");

        for needle in [
            r#"<select id="variant" name="variant">"#,
            r#"<option value="LS-001" data-title="Sand / M" data-price="59.90" selected>Sand / M</option>"#,
            r#"<option value="LS-002" data-title="Sand / L" data-price="59.90">Sand / L</option>"#,
            r#"<input id="quantity" name="quantity" type="number" value="1" min="1" step="1">"#,
            r#"<button id="add-to-cart" class="button" type="button">Add to cart</button>"#,
            "localStorage.setItem(CART_KEY",
            "var CART_KEY = 'nw_cart';",
            "document.getElementById('cart-count').textContent",
            "var value = Math.round(price * quantity * 100) / 100;",
        ] {
            assert!(product.contains(needle), "product page lacks {needle}");
        }
        // The add-to-cart tags (and only these vendors) run inside the consent gate.
        let click = product
            .find("getElementById('add-to-cart').addEventListener")
            .unwrap();
        let tags = &product[click..];
        for call in [
            "fbq('track', 'AddToCart'",
            "gtag('event', 'add_to_cart'",
            "snaptr('track', 'ADD_CART'",
            "rdt('track', 'AddToCart'",
            "klaviyo.push(['track', 'Added to Cart'",
            "window.uetq.push('event', 'add_to_cart'",
        ] {
            assert_eq!(tags.matches(call).count(), 1, "{call}");
        }
        assert!(tags.contains("}, { eventID: eventId });"));
        assert!(!tags.contains("twq(") && !tags.contains("AW-") && !tags.contains("pintrk"));
    }

    #[test]
    fn lookbook_routes_serve_the_same_page() {
        let index = get("/pages/lookbook");
        assert_eq!(index.status, 200);
        for route in ["/pages/lookbook/summer", "/pages/lookbook/winter"] {
            let reply = get(route);
            assert_eq!((reply.status, &reply.body), (200, &index.body), "{route}");
            assert!(html("lookbook").contains(&format!(r#"<a data-route href="{route}">"#)));
            assert!(html("lookbook").contains(&format!(r#"data-view="{route}""#)));
        }
        assert_eq!(get("/pages/lookbook/spring").status, 404);
        assert_eq!(get("/pages/lookbook/").status, 404);
        let lookbook = html("lookbook");
        assert!(lookbook.contains("history.pushState({ route: href }, '', href);"));
        assert!(lookbook.contains("window.addEventListener('popstate', render);"));
        // The route changes are reported by the SPA-aware libraries, not by the page.
        let main = page("lookbook").main;
        assert!(!main.contains("gtag(") && !main.contains("fbq("));
    }

    #[test]
    fn store_assets_are_served() {
        for (path, content_type) in [
            (
                "/cdn/shop/t/1/assets/consent.js",
                "application/javascript; charset=utf-8",
            ),
            (
                "/cdn/shop/t/1/assets/theme.js",
                "application/javascript; charset=utf-8",
            ),
            ("/cdn/shop/t/1/assets/theme.css", "text/css; charset=utf-8"),
            (
                "/cdn/wpm/bootstrap.js",
                "application/javascript; charset=utf-8",
            ),
        ] {
            let reply = get(path);
            assert_eq!(reply.status, 200, "{path}");
            assert!(
                reply
                    .headers
                    .contains(&("Content-Type".to_string(), content_type.to_string())),
                "{path}"
            );
        }
    }
}
