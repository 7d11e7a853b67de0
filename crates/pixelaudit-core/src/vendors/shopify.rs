//! Shopify's own analytics: monorail event batches and the Web Pixels Manager loader.

use serde_json::{json, Value};

use super::params::{at, flatten_json, host, ids_from, json_body, parse_url, str_at};
use super::{Decoder, EventClass, Hit, Vendor, SHOPIFY};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for Shopify monorail events (storefront, Hydrogen / headless) and the WPM bundle.
pub(crate) struct Shopify;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "shopify",
    display: "Shopify's own analytics (monorail, web pixels manager)",
    id_format: "the store's numeric shop id, e.g. 56789012345 (on monorail events only)",
    decoder: &Shopify,
    events: &[
        "trekkie_storefront_page_view",
        "page_viewed",
        "product_viewed",
        "collection_viewed",
        "search_submitted",
        "product_added_to_cart",
        "cart_viewed",
        "checkout_started",
        "checkout_completed",
    ],
    // Shopify's own analytics batches many internal events per page.
    repeats: Repeats::All,
    automatic: &[],
    params: ParamFacts {
        checked: false,
        currency: false,
        transaction_id: false,
        conversion_event_id: None,
    },
    // Web pixel events (`{name, data, context}`) and monorail events (`{schema_id, payload}`).
    sources: &[
        ("value", "web pixel: data.checkout.totalPrice.amount; monorail: payload.total_value"),
        ("currency", "web pixel: data.checkout.currencyCode; monorail: payload.currency"),
        ("transaction_id", "web pixel: data.checkout.order.id"),
        ("content_ids", "web pixel: data.productVariant.product.id, else data.cartLine.merchandise.product.id, else each data.checkout.lineItems[].variant.product.id; monorail: the product_id of each payload.products entry"),
        ("items", "monorail: payload.products (JSON strings parsed)"),
        ("event_id", "web pixel: id; monorail: payload.event_id"),
        ("page_url", "web pixel: context.document.location.href; monorail: payload.url, else payload.event_source_url"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: true,
    },
    loaded_by: None,
    aliases: &[],
    // The web pixels manager on Shopify's extensions CDN; bundles served from the store's own
    // domain are recognised by the decoder from their path. Not cdn.shopify.com: it serves
    // every theme's and app's files.
    script_hosts: &["extensions.shopifycdn.com/cdn/shopifycloud/web-pixels-manager/"],
};

/// Monorail endpoints, under the store's `/.well-known/shopify/monorail` or on monorail-edge.
const MONORAIL_PATHS: [&str; 3] = [
    "/unstable/produce_batch",
    "/unstable/produce",
    "/v1/produce",
];
const WELL_KNOWN: &str = "/.well-known/shopify/monorail";

impl Decoder for Shopify {
    fn vendor(&self) -> Vendor {
        SHOPIFY
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let path = url.path();
        if is_wpm_bundle(path) {
            return vec![Hit::loader(SHOPIFY, None)];
        }
        let endpoint = match path.strip_prefix(WELL_KNOWN) {
            Some(rest) => rest,
            None if host(&url) == "monorail-edge.shopifysvc.com" => path,
            None => return Vec::new(),
        };
        if !MONORAIL_PATHS.contains(&endpoint.trim_end_matches('/')) {
            return Vec::new();
        }
        let Some(body) = json_body(request) else {
            return Vec::new();
        };
        // `{events:[…], metadata}` for batches, a bare event for `/v1/produce`, or an array.
        let events: Vec<&Value> = match &body {
            Value::Array(events) => events.iter().collect(),
            Value::Object(obj) => match obj.get("events").and_then(Value::as_array) {
                Some(events) => events.iter().collect(),
                None => vec![&body],
            },
            _ => Vec::new(),
        };
        events.into_iter().filter_map(event_hit).collect()
    }
}

/// The Web Pixels Manager bundle (`/cdn/wpm/<hash>.js`, `/wpm@<ver>/…js`, `…/web-pixels-manager/…`),
/// not the per-pixel sandboxes it opens under the same prefix.
fn is_wpm_bundle(path: &str) -> bool {
    let wpm = path.contains("/wpm@")
        || path.contains("/cdn/wpm/")
        || path.contains("/web-pixels-manager");
    wpm && path.ends_with(".js") && !path.contains("/sandbox") && !path.contains("/web-pixel-")
}

/// One event: a monorail `{schema_id, payload, metadata}` or a web-pixel `{name, data, context}`.
fn event_hit(event: &Value) -> Option<Hit> {
    if let Some(schema_id) = str_at(event, "schema_id") {
        return Some(monorail_hit(event, &schema_id));
    }
    let name = str_at(event, "name")?;
    let mut hit = Hit::event(SHOPIFY, None, Some(name.clone())).with_class(class_of(&name));
    let checkout = at(event, "data.checkout").unwrap_or(&Value::Null);
    hit.set("value", at(checkout, "totalPrice.amount").cloned());
    hit.set("currency", checkout.get("currencyCode").cloned());
    hit.set(
        "transaction_id",
        str_at(checkout, "order.id").map(Value::String),
    );
    let content_ids = str_at(event, "data.productVariant.product.id")
        .or_else(|| str_at(event, "data.cartLine.merchandise.product.id"))
        .map(|id| json!([id]))
        .or_else(|| {
            let ids: Vec<Value> = checkout
                .get("lineItems")?
                .as_array()?
                .iter()
                .filter_map(|line| str_at(line, "variant.product.id").map(Value::String))
                .collect();
            (!ids.is_empty()).then_some(Value::Array(ids))
        });
    hit.set("content_ids", content_ids);
    hit.set("event_id", str_at(event, "id").map(Value::String));
    hit.set(
        "page_url",
        str_at(event, "context.document.location.href").map(Value::String),
    );
    hit.raw = flatten_json(event);
    Some(hit)
}

/// A monorail event: the name is `payload.event_name`, else the schema without its version.
fn monorail_hit(event: &Value, schema_id: &str) -> Hit {
    let schema = schema_id.split('/').next().unwrap_or(schema_id);
    let payload = event.get("payload").unwrap_or(&Value::Null);
    let name = str_at(payload, "event_name").unwrap_or_else(|| schema.to_string());
    let account = str_at(payload, "shopId").or_else(|| str_at(payload, "shop_id"));
    let page_url = str_at(payload, "url").or_else(|| str_at(payload, "event_source_url"));
    let mut hit = Hit::event(SHOPIFY, account.clone(), Some(name.clone()))
        .with_class(class_of(&name));
    hit.set("value", payload.get("total_value").cloned());
    hit.set("currency", payload.get("currency").cloned());
    hit.set("event_id", str_at(payload, "event_id").map(Value::String));
    hit.set("page_url", page_url.clone().map(Value::String));
    // Custom storefront events list their products as JSON strings.
    if let Some(products) = payload.get("products").and_then(Value::as_array) {
        let items: Vec<Value> = products
            .iter()
            .map(|p| match p {
                Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| p.clone()),
                other => other.clone(),
            })
            .collect();
        let items = Value::Array(items);
        hit.set("content_ids", ids_from(&items, "product_id"));
        hit.set("items", Some(items));
    }
    // Hydrogen / headless sends a trekkie page view and a `page_rendered` for the same page:
    // the second repeats the first, so it folds into it as a mirror.
    if hit.class == EventClass::PageView {
        hit.mirror = name == "page_rendered";
        hit.fold_key = Some(format!(
            "{}|page_view|{}",
            account.unwrap_or_default(),
            page_url.unwrap_or_default()
        ));
    }
    hit.raw = flatten_json(event);
    hit
}

fn class_of(name: &str) -> EventClass {
    match name {
        "trekkie_storefront_page_view" | "page_rendered" | "page_view" | "page_viewed" => {
            EventClass::PageView
        }
        "product_page_rendered" | "product_viewed" | "product_view" => EventClass::ViewContent,
        "collection_page_rendered" | "collection_viewed" => EventClass::ViewCategory,
        "search_submitted" => EventClass::Search,
        "product_added_to_cart" => EventClass::AddToCart,
        "checkout_started" => EventClass::BeginCheckout,
        "payment_info_submitted" => EventClass::AddPaymentInfo,
        "checkout_completed" => EventClass::Purchase,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;
    use crate::vendors::decode_requests;

    const STOREFRONT_BATCH: &str = r#"{"events":[{"schema_id":"trekkie_storefront_page_view/1.4","payload":{"shopId":56789012345,"currency":"EUR","uniqToken":"y-1","visitToken":"s-1","microSessionId":"ms-1","microSessionCount":1,"url":"https://shop.test/products/blue-mug","path":"/products/blue-mug","search":"","referrer":"","title":"Blue Mug","appClientId":"580111","isMerchantRequest":false,"hydrogenSubchannelId":"0","isPersistentCookie":true,"contentLanguage":"en","pageType":"product","resourceType":"product","resourceId":7301234567890},"metadata":{"event_created_at_ms":1717171717171}},{"schema_id":"custom_storefront_customer_tracking/1.2","payload":{"event_name":"product_page_rendered","shop_id":56789012345,"currency":"EUR","event_source_url":"https://shop.test/products/blue-mug","event_id":"e-42","total_value":19.95,"products":["{\"product_gid\":\"gid://shopify/Product/7301234567890\",\"name\":\"Blue Mug\",\"price\":\"19.95\",\"product_id\":7301234567890,\"variant_id\":4200000000001,\"quantity\":1}"]},"metadata":{"event_created_at_ms":1717171717172}}],"metadata":{"event_sent_at_ms":1717171717200}}"#;

    fn post(url: &str, body: &str) -> Vec<Hit> {
        let mut request = CapturedRequest::new("POST", url, Some(body));
        request.content_type = Some("text/plain".into());
        Shopify.decode(&request)
    }

    #[test]
    fn storefront_batch_gives_one_hit_per_event() {
        let hits = post(
            "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch",
            STOREFRONT_BATCH,
        );
        assert_eq!(hits.len(), 2);
        let page = &hits[0];
        assert_eq!(page.account.as_deref(), Some("56789012345"));
        assert_eq!(page.event.as_deref(), Some("trekkie_storefront_page_view"));
        assert_eq!(page.class, EventClass::PageView);
        assert_eq!(
            page.params["page_url"],
            json!("https://shop.test/products/blue-mug")
        );
        assert_eq!(page.params["currency"], json!("EUR"));
        assert_eq!(page.raw["payload.pageType"], json!("product"));
        assert_eq!(
            page.raw["schema_id"],
            json!("trekkie_storefront_page_view/1.4")
        );
        let product = &hits[1];
        assert_eq!(product.account.as_deref(), Some("56789012345"));
        assert_eq!(product.event.as_deref(), Some("product_page_rendered"));
        assert_eq!(product.class, EventClass::ViewContent);
        assert_eq!(product.params["content_ids"], json!(["7301234567890"]));
        assert_eq!(product.params["items"][0]["name"], json!("Blue Mug"));
        assert_eq!(product.params["value"], json!(19.95));
        assert_eq!(product.params["event_id"], json!("e-42"));
        assert_eq!(
            product.params["page_url"],
            json!("https://shop.test/products/blue-mug")
        );
    }

    #[test]
    fn headless_page_rendered_folds_into_the_trekkie_page_view() {
        let body = r#"{"events":[{"schema_id":"trekkie_storefront_page_view/1.4","payload":{"shopId":1,"url":"https://shop.test/","appClientId":"12875497473"}},{"schema_id":"custom_storefront_customer_tracking/1.2","payload":{"event_name":"page_rendered","shop_id":1,"event_source_url":"https://shop.test/"}}],"metadata":{"event_sent_at_ms":1}}"#;
        let hits = post(
            "https://monorail-edge.shopifysvc.com/unstable/produce_batch",
            body,
        );
        assert_eq!(hits.len(), 2);
        assert!(!hits[0].mirror && hits[1].mirror);
        assert_eq!(hits[1].class, EventClass::PageView);
        let request = CapturedRequest::new(
            "POST",
            "https://monorail-edge.shopifysvc.com/unstable/produce_batch",
            Some(body),
        );
        let decoded = decode_requests(&[request]);
        assert_eq!(decoded.len(), 1, "{decoded:?}");
        assert_eq!(
            decoded[0].hit.event.as_deref(),
            Some("trekkie_storefront_page_view")
        );
    }

    #[test]
    fn single_event_produce_and_add_to_cart() {
        let body = r#"{"schema_id":"custom_storefront_customer_tracking/1.2","payload":{"event_name":"product_added_to_cart","shop_id":1,"currency":"USD","total_value":"29.90","cart_token":"c1","products":[{"product_id":"11","quantity":2}]},"metadata":{"event_created_at_ms":1}}"#;
        let hits = post("https://monorail-edge.shopifysvc.com/v1/produce", body);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].class, EventClass::AddToCart);
        assert_eq!(hits[0].params["value"], json!("29.90"));
        assert_eq!(hits[0].params["content_ids"], json!(["11"]));
        assert!(!hits[0].mirror && hits[0].fold_key.is_none());
    }

    #[test]
    fn web_pixel_standard_events_are_decoded() {
        let body = r#"{"events":[{"id":"sh-evt-1","name":"checkout_completed","timestamp":"2026-07-20T11:22:12.961Z","clientId":"c-1","seq":4,"type":"standard","context":{"document":{"location":{"href":"https://shop.test/checkouts/cn/abc/thank-you"}}},"data":{"checkout":{"currencyCode":"EUR","totalPrice":{"amount":59.9,"currencyCode":"EUR"},"order":{"id":"5550001"},"lineItems":[{"quantity":2,"variant":{"product":{"id":"7301234567890"}}},{"variant":{"product":{"id":"7301234567891"}}}]}}},{"id":"sh-evt-0","name":"page_viewed","context":{"document":{"location":{"href":"https://shop.test/"}}},"data":{}}]}"#;
        let hits = post(
            "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch",
            body,
        );
        assert_eq!(hits.len(), 2);
        let done = &hits[0];
        assert_eq!(done.event.as_deref(), Some("checkout_completed"));
        assert_eq!(done.class, EventClass::Purchase);
        assert_eq!(done.params["value"], json!(59.9));
        assert_eq!(done.params["currency"], json!("EUR"));
        assert_eq!(done.params["transaction_id"], json!("5550001"));
        assert_eq!(
            done.params["content_ids"],
            json!(["7301234567890", "7301234567891"])
        );
        assert_eq!(done.params["event_id"], json!("sh-evt-1"));
        assert_eq!(
            done.params["page_url"],
            json!("https://shop.test/checkouts/cn/abc/thank-you")
        );
        assert_eq!(hits[1].class, EventClass::PageView);
        for (name, class) in [
            ("product_viewed", EventClass::ViewContent),
            ("product_added_to_cart", EventClass::AddToCart),
            ("checkout_started", EventClass::BeginCheckout),
            ("collection_viewed", EventClass::ViewCategory),
            ("web_pixels_manager_load", EventClass::Other),
        ] {
            assert_eq!(class_of(name), class, "{name}");
        }
    }

    #[test]
    fn telemetry_schemas_are_other_events() {
        let body = r#"{"events":[{"schema_id":"web_pixels_manager_load/3.1","payload":{"version":"0.0.290","pageUrl":"https://shop.test/"}},{"no":"schema"},7],"metadata":{}}"#;
        let hits = post(
            "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch",
            body,
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].event.as_deref(), Some("web_pixels_manager_load"));
        assert_eq!(hits[0].class, EventClass::Other);
    }

    #[test]
    fn wpm_bundle_is_a_loader_but_sandboxes_are_not() {
        for url in [
            "https://shop.test/cdn/wpm/sda62cc92w68dfea28pcf9825a4m392e00d0m.js",
            "https://shop.test/wpm@0.0.290@9b91aff1w4418c6afpfb9312f0m353e3d83/browser.js",
            "https://cdn.shopify.com/shopifycloud/web-pixels-manager/0.0.186/browser.js",
        ] {
            let hits = post(url, "");
            assert_eq!(hits.len(), 1, "{url}");
            assert_eq!(hits[0].kind, HitKind::Loader);
            assert_eq!(hits[0].vendor, SHOPIFY);
        }
        for url in [
            "https://shop.test/wpm@0.0.290@9b91aff1w4418c6afpfb9312f0m353e3d83/web-pixel-shopify-custom-pixel@0533/sandbox/modern/",
            "https://shop.test/wpm@0.0.290@9b91aff1w4418c6afpfb9312f0m353e3d83/web-pixel-123@1/sandbox/worker.modern.js",
            "https://shop.test/web-pixels-manager@0.0.219/sandbox/",
        ] {
            assert!(post(url, "").is_empty(), "{url}");
        }
    }

    #[test]
    fn look_alikes_and_garbage_are_ignored() {
        assert!(post("https://shop.test/unstable/produce_batch", STOREFRONT_BATCH).is_empty());
        assert!(post(
            "https://monorail-edge.shopifysvc.com.evil.test/unstable/produce_batch",
            STOREFRONT_BATCH
        )
        .is_empty());
        assert!(post(
            "https://shop.test/.well-known/shopify/monorail/unstable/other",
            STOREFRONT_BATCH
        )
        .is_empty());
        assert!(post(
            "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch",
            "{oops"
        )
        .is_empty());
        assert!(post(
            "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch",
            "\"str\""
        )
        .is_empty());
        assert!(post(
            "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch",
            r#"{"events":[{"schema_id":"x/1","payload":"notobj"}]}"#
        )[0]
        .account
        .is_none());
    }
}
