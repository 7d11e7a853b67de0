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

const META_PIXEL: &str = include_str!("assets/store/snippets/meta-pixel.html");
const META_APP_EMBED: &str = include_str!("assets/store/snippets/meta-app-embed.html");
const GTAG: &str = include_str!("assets/store/snippets/gtag.html");
const SNAP: &str = include_str!("assets/store/snippets/snap.html");
const BING: &str = include_str!("assets/store/snippets/bing.html");
const X: &str = include_str!("assets/store/snippets/x.html");
const REDDIT: &str = include_str!("assets/store/snippets/reddit.html");
const REDDIT_LEGACY: &str = include_str!("assets/store/snippets/reddit-legacy.html");
const KLAVIYO: &str = include_str!("assets/store/snippets/klaviyo.html");
const KLAVIYO_SIGNUP_EMBED: &str = include_str!("assets/store/snippets/klaviyo-signup-embed.html");
const TIKTOK_THEME_HARDCODE: &str =
    include_str!("assets/store/snippets/tiktok-theme-hardcode.html");

/// The product page's machine-readable price, next to its JSON-LD `Product`.
const PRODUCT_HEAD: &str = "<meta property=\"og:type\" content=\"product\">\n\
<meta property=\"product:price:amount\" content=\"59.90\">\n\
<meta property=\"product:price:currency\" content=\"EUR\">";

/// The head snippets of a correctly tagged page.
const STANDARD_PIXELS: &[&str] = &[META_PIXEL, GTAG, SNAP, BING, X, REDDIT, KLAVIYO];

const MONORAIL_PATH: &str = "/.well-known/shopify/monorail/unstable/produce_batch";
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
        pixels: &[META_PIXEL, GTAG, SNAP, BING, X, REDDIT_LEGACY, KLAVIYO],
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
    if request.method != "GET" && request.method != "HEAD" {
        return Reply::status(405).header("Allow", "GET, HEAD");
    }
    if let Some(page) = PAGES
        .iter()
        .find(|p| p.path == path || p.routes.contains(&path))
    {
        return Reply::html(render(page));
    }
    match path {
        "/cdn/shop/t/1/assets/theme.css" => {
            Reply::new(200, Some("text/css; charset=utf-8"), THEME_CSS)
        }
        "/cdn/shop/t/1/assets/theme.js" => Reply::javascript(THEME_JS),
        "/cdn/shop/t/1/assets/consent.js" => Reply::javascript(CONSENT_JS),
        "/cdn/shop/files/linen-shirt.svg" => Reply::new(200, Some("image/svg+xml"), PRODUCT_IMAGE),
        "/cdn/wpm/bootstrap.js" => Reply::javascript(WPM_BOOTSTRAP),
        TIKTOK_WORKER_PATH => Reply::javascript(TIKTOK_WORKER),
        _ if path.starts_with(PINTEREST_SANDBOX_PREFIX) => Reply::html(PINTEREST_SANDBOX),
        _ => Reply::new(404, Some("text/html; charset=utf-8"), not_found_page()),
    }
}

fn render(page: &Page) -> String {
    LAYOUT
        .replace("{{TITLE}}", page.title)
        .replace("{{NAME}}", page.name)
        .replace("{{HEAD}}", page.head)
        .replace("{{PIXELS}}", &page.pixels.concat())
        .replace("{{APPS}}", &page.apps.concat())
        .replace("{{MAIN}}", page.main)
}

fn not_found_page() -> String {
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page not found – Northwind \
     Threads</title></head><body><h1>Page not found</h1><p><a href=\"/\">Back to the shop</a></p></body></html>\n"
        .to_string()
}

#[cfg(test)]
mod unit_tests {
    use super::*;

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
        }
    }

    #[test]
    fn planted_defects_are_where_the_docs_say() {
        let html = |name: &str| render(PAGES.iter().find(|p| p.name == name).unwrap());
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
    }
}
