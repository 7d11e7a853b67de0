//! The bundled demo store: one local port that plays a Shopify-like store and every tracking vendor.
//!
//! [`DemoServer`] listens on `127.0.0.1:<random port>` and speaks both plain HTTP and TLS on that
//! one port (it peeks at the first byte: `0x16` is a TLS ClientHello). Chromium is pointed at it
//! with [`DemoServer::chromium_args`]: every host name resolves to the port, and the self-signed
//! certificate is accepted by its public-key hash. Requests are dispatched on the `Host` header:
//!
//! - `demo-store.test`: the store "Northwind Threads" (pages in [`DEMO_PAGES`]), with Shopify's
//!   monorail endpoint and two app pixels that run outside the main page (Pinterest in a sandboxed
//!   iframe, TikTok in a web worker);
//! - `fixtures.test`: files from [`DemoOptions::fixtures_dir`];
//! - the vendors' real host names: small, readable stand-in loader scripts that send hits in each
//!   vendor's real wire format, and the hit endpoints, answered as the real ones answer.
//!
//! Every request is recorded ([`DemoServer::received`]). A query parameter
//! `pixelaudit_status=NNN` makes any request answer with status `NNN`.
//!
//! # Consent (EU opt-in)
//!
//! Every store page shows a banner (`#consent-banner`, buttons `#consent-accept` "Accept all" and
//! `#consent-reject` "Reject all") while the cookie [`CONSENT_COOKIE`] (`nw_consent`) is absent;
//! the buttons set it to `granted` / `denied` (path `/`) and hide the banner.
//!
//! - No answer yet, or `denied`: Google consent mode defaults to denied, and GA4 sends only its
//!   page_view as a cookieless ping (`gcs=G100`, `gcd=13p3p3p3p5l1`). Shopify's monorail (the
//!   store's own analytics) always sends. Nothing else loads or sends (Meta, Google Ads, TikTok,
//!   Pinterest, Snap, Bing, X, Reddit, Klaviyo), planted defects 5 and 6 aside.
//! - `granted` at page load: every tag loads and fires (`gcs=G111`).
//! - "Accept all": `gtag('consent', 'update', …granted)`, then every other tag loads and fires the
//!   page's events, so the page ends with the hits of a page loaded with the cookie, except that
//!   GA4's page_view is the earlier cookieless one (an update sends no second page_view). Events
//!   of clicks made before the answer wait for it too.
//! - "Reject all": nothing more (planted defect 6 aside).
//!
//! # Interactions
//!
//! - Product (`/products/linen-shirt`): `#variant` (`LS-001` "Sand / M", `LS-002` "Sand / L",
//!   both 59.90), `#quantity` and `#add-to-cart`. A click stores the cart in localStorage
//!   (`nw_cart`), updates `#cart-count` and, with consent, sends AddToCart with value
//!   59.90 × quantity, EUR and the variant's SKU as content id: Meta `AddToCart` (`eid`), GA4
//!   `add_to_cart` (items), TikTok `AddToCart` (worker, `event_id`), Snap `ADD_CART`, Reddit
//!   `AddToCart`, Klaviyo "Added to Cart", Bing `ea=add_to_cart` (`gv`, `gc`); not X, Google Ads
//!   or Pinterest (defect 7). The page states its price for "values from the page": JSON-LD
//!   `Product` (`offers.price` "59.90", `priceCurrency` "EUR", `sku` "LS-001"), `<meta
//!   property="product:price:amount|currency">` and `<span class="price" data-price="59.90">`.
//! - Lookbook (`/pages/lookbook`, also served as `/pages/lookbook/summer` and `…/winter`): a
//!   single-page app; its `a[data-route]` links switch the view with `history.pushState`, and the
//!   SPA-aware tags send a page view per route change: GA4 `page_view` (cookieless before
//!   consent) and Meta `PageView` (with consent), each with the new `dl`.
//!
//! # Planted defects (everything else on the store is meant to be correct)
//!
//! 1. Home (`/`): the Meta base code is installed twice (theme snippet + "app" embed, same pixel id
//!    1234567890123456), so `PageView` is sent twice.
//! 2. Thank-you (`/checkouts/c/thank-you`): the GA4 `purchase` is sent without a currency (no `cu`).
//! 3. Collection (`/collections/all`): the theme still loads the Reddit pixel from an old path that
//!    answers 404 (`https://www.redditstatic.com/ads/v1/pixel.js`), so Reddit sends nothing there.
//! 4. Cart (`/cart`): Meta `InitiateCheckout` is sent without an event id (no `eid`).
//! 5. Home, consent: a theme hard-code starts the TikTok web pixel (worker) at page load whatever
//!    the consent, so TikTok `Pageview` is sent before any answer (and after "Reject all" or with
//!    `nw_consent=denied`). With consent granted it is sent once, as on the other pages.
//! 6. Home, consent: the Klaviyo sign-up embed starts Klaviyo whenever the banner is answered, so
//!    "Reject all" is followed by Klaviyo's "Active on Site".
//! 7. Product, journey: the Pinterest app pixel does not subscribe to Shopify's
//!    `product_added_to_cart`, so "Add to cart" sends no Pinterest `addtocart`.
//!
//! 8. Catalog (`catalog.rs`): the gift card product pages (`/products/gift-card-*`) carry no Meta
//!    pixel, so Meta `PageView` and `ViewContent` are missing on them.
//!
//! Slow tag (not a defect by itself, but over a 2000 ms budget): on the thank-you page the Reddit
//! `Purchase` fires 2500 ms after the page's load event (or 2500 ms after "Accept all", if later).

mod catalog;
mod esp_hosts;
mod fixtures;
mod reply;
mod router;
mod server;
mod store;
mod tls;
mod vendor_hosts;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::Serialize;

pub use server::DemoServer;
pub use store::{CONSENT_COOKIE, DEMO_PAGES};

/// Options for [`DemoServer::start`].
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Directory served under `https://fixtures.test/`. `<file>.headers` next to a file adds
    /// `Name: value` response headers (one per line). `None` makes every fixture URL a 404.
    pub fixtures_dir: Option<PathBuf>,
}

/// One request as the demo server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedRequest {
    /// Whether it arrived over TLS.
    pub tls: bool,
    /// The `Host` header without its port, lower-cased.
    pub host: String,
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// Path and query exactly as sent, e.g. `/tr/?id=1&ev=PageView`.
    pub path_and_query: String,
    /// The `Content-Type` request header, if any.
    pub content_type: Option<String>,
    /// The request body (lossy UTF-8; empty when there is none).
    pub body: String,
}
