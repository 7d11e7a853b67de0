//! TikTok Pixel: `events.js` / `sdk.js` loaders and JSON event posts to `analytics.tiktok.com/api`.

use serde_json::Value;

use super::params::{
    at, flatten_json, host, host_is, ids_from, json_body, non_empty, parse_url, query_map, str_at,
};
use super::{Decoder, EventClass, Hit, Vendor, TIKTOK};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for the TikTok Pixel.
pub(crate) struct Tiktok;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "tiktok",
    display: "TikTok Pixel",
    id_format: "a pixel code of 20 capital letters and digits, e.g. CABC123DEF456GHI789J",
    decoder: &Tiktok,
    events: &[
        "Pageview",
        "ViewContent",
        "AddToCart",
        "AddToWishlist",
        "InitiateCheckout",
        "AddPaymentInfo",
        "PlaceAnOrder",
        "CompletePayment",
        "Purchase",
        "Search",
        "CompleteRegistration",
        "Subscribe",
        "Contact",
        "SubmitForm",
        "Download",
        "ClickButton",
        "Lead",
    ],
    repeats: Repeats::Events(&["ClickButton"]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: false,
        conversion_event_id: Some("event_id"),
    },
    // Read from each event of the JSON body (or batch).
    sources: &[
        ("value", "properties.value"),
        ("currency", "properties.currency"),
        ("content_type", "properties.content_type"),
        ("content_ids", "properties.content_ids, else the content_id of each properties.contents entry, else properties.content_id"),
        ("items", "properties.contents"),
        ("num_items", "properties.quantity"),
        ("transaction_id", "properties.order_id"),
        ("event_id", "event_id (the event's own, top level)"),
        ("page_url", "context.page.url"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    // The current library sends `ttq.track('CompletePayment')` as `Purchase`.
    aliases: &[("CompletePayment", "Purchase")],
    // `events.js` and the main bundle's lazily loaded `i18n/pixel/static/…` sub-bundles.
    script_hosts: &["analytics.tiktok.com"],
};

const LOADER_PATHS: [&str; 2] = ["/i18n/pixel/events.js", "/i18n/pixel/sdk.js"];
const EVENT_PATHS: [&str; 5] = [
    "/api/v2/pixel",
    "/api/v2/pixel/act",
    "/api/v2/pixel/batch",
    "/api/v1/track",
    "/api/v2/track",
];

impl Decoder for Tiktok {
    fn vendor(&self) -> Vendor {
        TIKTOK
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        if !is_analytics_host(host(&url)) {
            return Vec::new();
        }
        let path = url.path().trim_end_matches('/');
        if LOADER_PATHS.contains(&path) {
            let code = non_empty(&query_map(&url), "sdkid");
            return vec![Hit::loader(TIKTOK, code)];
        }
        if !EVENT_PATHS.contains(&path) {
            return Vec::new();
        }
        let Some(body) = json_body(request) else {
            return Vec::new();
        };
        // A batch is `{"batch":[...]}` (events may lean on the wrapper's context) or a bare array.
        let (events, wrapper_context) = match &body {
            Value::Array(events) => (events.iter().collect::<Vec<_>>(), None),
            Value::Object(obj) => match obj.get("batch").and_then(Value::as_array) {
                Some(events) => (events.iter().collect(), obj.get("context")),
                None => (vec![&body], None),
            },
            _ => return Vec::new(),
        };
        events
            .into_iter()
            .filter(|event| event.is_object())
            .map(|event| match (wrapper_context, event.get("context")) {
                (Some(context), None) => {
                    let mut event = event.clone();
                    if let Some(fields) = event.as_object_mut() {
                        fields.insert("context".to_string(), context.clone());
                    }
                    event_hit(&event)
                }
                _ => event_hit(event),
            })
            .collect()
    }
}

/// `analytics.tiktok.com` and its regional variants (`analytics-sg.tiktok.com`, `analytics-ipv6.tiktokw.us`).
fn is_analytics_host(host: &str) -> bool {
    (host_is(host, "tiktok.com") || host_is(host, "tiktokw.us")) && host.starts_with("analytics")
}

fn event_hit(event: &Value) -> Hit {
    // `/pixel/act` auto-collected actions carry `action` rather than `event`.
    let name = str_at(event, "event").or_else(|| str_at(event, "action"));
    let mut hit = Hit::event(
        TIKTOK,
        str_at(event, "context.pixel.code"),
        name.clone(),
    )
    .with_class(class_of(name.as_deref().unwrap_or("")));
    let props = event.get("properties").unwrap_or(&Value::Null);
    hit.set("value", props.get("value").cloned());
    hit.set("currency", props.get("currency").cloned());
    hit.set("content_type", props.get("content_type").cloned());
    let contents = props.get("contents").filter(|c| c.is_array());
    hit.set("items", contents.cloned());
    // `content_ids` as sent; else derived from `contents`; else the (misspelt) singular
    // `content_id`, which stays in `raw` as `properties.content_id` for the checks to flag.
    let content_ids = props
        .get("content_ids")
        .cloned()
        .or_else(|| contents.and_then(|c| ids_from(c, "content_id")))
        .or_else(|| match props.get("content_id")? {
            Value::Array(ids) => Some(Value::Array(ids.clone())),
            Value::Null => None,
            id => Some(Value::Array(vec![id.clone()])),
        });
    hit.set("content_ids", content_ids);
    hit.set("num_items", props.get("quantity").cloned());
    hit.set("transaction_id", props.get("order_id").cloned());
    hit.set("event_id", str_at(event, "event_id").map(Value::String));
    hit.set("page_url", at(event, "context.page.url").cloned());
    hit.raw = flatten_json(event);
    hit
}

fn class_of(event: &str) -> EventClass {
    match event {
        "Pageview" => EventClass::PageView,
        "ViewContent" => EventClass::ViewContent,
        "Search" => EventClass::Search,
        "AddToCart" => EventClass::AddToCart,
        "InitiateCheckout" => EventClass::BeginCheckout,
        "AddPaymentInfo" => EventClass::AddPaymentInfo,
        "PlaceAnOrder" | "CompletePayment" | "Purchase" => EventClass::Purchase,
        "CompleteRegistration" | "SubmitForm" | "Subscribe" | "Lead" => EventClass::Lead,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;
    use serde_json::json;

    const PURCHASE: &str = r#"{"event":"CompletePayment","event_id":"order-1001","message_id":"messageId-1717-abc","is_onsite":false,"timestamp":"2026-07-20T11:22:12.961Z","context":{"ad":{"sdk_env":"external","jsb_status":2},"user":{"anonymous_id":"v1a2b3c4d5e6"},"pixel":{"code":"CABC123DEF456GHI789J","runtime":"1","codes":"CABC123DEF456GHI789J"},"page":{"url":"https://shop.test/checkouts/thank-you","referrer":"https://shop.test/checkout"},"library":{"name":"pixel.js","version":"2.2.1"},"session_id":"sess-1","pageview_id":"pv-1","variation_id":"test"},"properties":{"value":59.9,"currency":"EUR","content_type":"product","contents":[{"content_id":"SKU-1","content_name":"Blue Mug","quantity":2,"price":19.95},{"content_id":"SKU-2","quantity":1,"price":20}]},"_inspection":{}}"#;

    fn post(url: &str, body: &str) -> Vec<Hit> {
        let mut request = CapturedRequest::new("POST", url, Some(body));
        request.content_type = Some("text/plain;charset=UTF-8".into());
        Tiktok.decode(&request)
    }

    #[test]
    fn purchase_body_is_decoded() {
        let hits = post("https://analytics.tiktok.com/api/v2/pixel", PURCHASE);
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("CABC123DEF456GHI789J"));
        assert_eq!(hit.event.as_deref(), Some("CompletePayment"));
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(59.9));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.params["content_type"], json!("product"));
        assert_eq!(hit.params["items"][0]["content_name"], json!("Blue Mug"));
        assert_eq!(hit.params["event_id"], json!("order-1001"));
        assert_eq!(
            hit.params["page_url"],
            json!("https://shop.test/checkouts/thank-you")
        );
        assert_eq!(hit.raw["context.session_id"], json!("sess-1"));
        assert_eq!(hit.raw["message_id"], json!("messageId-1717-abc"));
    }

    #[test]
    fn current_library_sends_complete_payment_as_purchase() {
        // `ttq.track('CompletePayment', …, {event_id})` from the current events.js + main bundle.
        let body = PURCHASE.replace(r#""event":"CompletePayment""#, r#""event":"Purchase""#);
        let hits = post("https://analytics.tiktok.com/api/v2/pixel", &body);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].event.as_deref(), Some("Purchase"));
        assert_eq!(hits[0].class, EventClass::Purchase);
        assert_eq!(hits[0].params["event_id"], json!("order-1001"));
        assert_eq!(hits[0].params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert!(PROFILE.same_event("CompletePayment", "Purchase"));
        assert!(!PROFILE.same_event("PlaceAnOrder", "Purchase"));
    }

    #[test]
    fn page_view_and_string_value() {
        let hits = post(
            "https://analytics.tiktok.com/api/v2/pixel",
            r#"{"event":"Pageview","message_id":"m1","context":{"pixel":{"code":"CABC123DEF456GHI789J"},"page":{"url":"https://shop.test/"}},"properties":{}}"#,
        );
        assert_eq!(hits[0].event.as_deref(), Some("Pageview"));
        assert_eq!(hits[0].class, EventClass::PageView);
        assert!(!hits[0].params.contains_key("value"));
        let cart = post(
            "https://analytics.tiktok.com/api/v1/track",
            r#"{"event":"AddToCart","context":{"pixel":{"code":"BT24M8TQUU2IQ2BVG9NG"}},"properties":{"value":"19.95","currency":"USD","content_ids":["SKU-1"]}}"#,
        );
        assert_eq!(cart[0].class, EventClass::AddToCart);
        assert_eq!(
            cart[0].params["value"],
            json!("19.95"),
            "string value kept as sent"
        );
        assert_eq!(cart[0].params["content_ids"], json!(["SKU-1"]));
    }

    #[test]
    fn singular_content_id_is_accepted_but_kept_in_raw() {
        let hits = post(
            "https://analytics.tiktok.com/api/v2/pixel",
            r#"{"event":"ViewContent","context":{"pixel":{"code":"C1"}},"properties":{"content_id":"SKU-9","content_type":"product","value":5,"currency":"USD"}}"#,
        );
        assert_eq!(hits[0].class, EventClass::ViewContent);
        assert_eq!(hits[0].params["content_ids"], json!(["SKU-9"]));
        assert_eq!(hits[0].raw["properties.content_id"], json!("SKU-9"));
        assert!(!hits[0].raw.contains_key("properties.content_ids"));
    }

    #[test]
    fn batches_give_one_hit_per_event() {
        let body = r#"{"batch":[{"event":"Pageview","message_id":"m1","context":{"pixel":{"code":"C1"},"page":{"url":"https://shop.test/home"}}},{"event":"SubmitForm","event_id":"lead-1"},null,"junk"],"context":{"pixel":{"code":"C1"}}}"#;
        let hits = post("https://analytics.tiktok.com/api/v2/pixel/batch", body);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].params["page_url"], json!("https://shop.test/home"));
        assert_eq!(hits[1].event.as_deref(), Some("SubmitForm"));
        assert_eq!(hits[1].class, EventClass::Lead);
        assert_eq!(
            hits[1].account.as_deref(),
            Some("C1"),
            "wrapper context fills in"
        );
        assert_eq!(hits[1].params["event_id"], json!("lead-1"));
        let array = post(
            "https://analytics-sg.tiktok.com/api/v2/pixel/batch",
            r#"[{"event":"Purchase","context":{"pixel":{"code":"C2"}}},{"event":"PlaceAnOrder","context":{"pixel":{"code":"C2"}}}]"#,
        );
        assert_eq!(array.len(), 2);
        assert!(array.iter().all(|h| h.class == EventClass::Purchase));
    }

    #[test]
    fn auto_collected_actions_use_the_action_name() {
        let hits = post(
            "https://analytics.tiktok.com/api/v2/pixel/act",
            r#"{"action":"Click","auto_collected_properties":{"trigger_element":"BUTTON"},"context":{"pixel":{"code":"C1"}}}"#,
        );
        assert_eq!(hits[0].event.as_deref(), Some("Click"));
        assert_eq!(hits[0].class, EventClass::Other);
        assert_eq!(
            hits[0].raw["auto_collected_properties.trigger_element"],
            json!("BUTTON")
        );
    }

    #[test]
    fn loaders_carry_the_pixel_code() {
        for url in [
            "https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=CABC123DEF456GHI789J&lib=ttq",
            "https://analytics.tiktok.com/i18n/pixel/sdk.js?sdkid=CABC123DEF456GHI789J",
        ] {
            let hits = Tiktok.decode(&CapturedRequest::new("GET", url, None));
            assert_eq!(hits[0].kind, HitKind::Loader);
            assert_eq!(hits[0].account.as_deref(), Some("CABC123DEF456GHI789J"));
        }
    }

    #[test]
    fn garbage_and_look_alikes_are_ignored() {
        assert!(post("https://analytics.tiktok.com/api/v2/pixel", "not json {").is_empty());
        assert!(post("https://analytics.tiktok.com/api/v2/pixel", "42").is_empty());
        assert!(post("https://analytics.tiktok.com/api/v2/pixel", "").is_empty());
        assert!(post("https://analytics.tiktok.com/api/v2/other", PURCHASE).is_empty());
        assert!(post(
            "https://analytics.tiktok.com.evil.test/api/v2/pixel",
            PURCHASE
        )
        .is_empty());
        assert!(post("https://www.tiktok.com/api/v2/pixel", PURCHASE).is_empty());
        assert!(post(
            "https://notanalytics.tiktok.com.example/api/v2/pixel",
            PURCHASE
        )
        .is_empty());
        let odd = post(
            "https://analytics.tiktok.com/api/v2/pixel",
            r#"{"event":7,"context":{"pixel":"x"},"properties":[1,2]}"#,
        );
        assert_eq!(odd[0].event.as_deref(), Some("7"));
        assert_eq!(odd[0].account, None);
    }
}
