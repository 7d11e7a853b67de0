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
//! # Planted defects (everything else on the store is meant to be correct)
//!
//! 1. Home (`/`): the Meta base code is installed twice (theme snippet + "app" embed, same pixel id
//!    1234567890123456), so `PageView` is sent twice.
//! 2. Thank-you (`/checkouts/c/thank-you`): the GA4 `purchase` is sent without a currency (no `cu`).
//! 3. Collection (`/collections/all`): the theme still loads the Reddit pixel from an old path that
//!    answers 404 (`https://www.redditstatic.com/ads/v1/pixel.js`), so Reddit sends nothing there.
//! 4. Cart (`/cart`): Meta `InitiateCheckout` is sent without an event id (no `eid`).

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
pub use store::DEMO_PAGES;

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
