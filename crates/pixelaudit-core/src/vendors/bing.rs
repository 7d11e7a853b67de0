//! Microsoft Advertising UET (Bing): `bat.js` loader and `bat.bing.com/action` hits (revenue in
//! `gv`/`gc`, product ids in `prodid`, the order id in `transaction_id`).

use serde_json::{json, Value};

use super::params::{
    host, list_value, non_empty, number_or_string, parse_url, query_map, raw_strings,
};
use super::{Decoder, EventClass, Hit, Vendor, BING};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for Microsoft Advertising UET.
pub(crate) struct Bing;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "bing",
    display: "Microsoft Advertising UET (Bing)",
    id_format: "a UET tag id (digits), e.g. 187654321",
    decoder: &Bing,
    events: &[
        "pageLoad",
        "purchase",
        "add_to_cart",
        "begin_checkout",
        "view_item",
    ],
    repeats: Repeats::Events(&[]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        // bat.js sends `transaction_id` when the site passes one (decoded below), but UET
        // makes it optional: a purchase without one is not reported missing.
        transaction_id: false,
        conversion_event_id: None,
    },
    // Read from the `/action/` query string.
    sources: &[
        ("value", "gv, else ev on revenue events (with gc, or a purchase)"),
        ("currency", "gc"),
        ("content_ids", "prodid, else ecomm_prodid (a JSON or separated list)"),
        ("transaction_id", "transaction_id"),
        ("event_id", "not decoded: UET hits carry no event id"),
        ("items", "not decoded: UET hits carry no item list"),
        ("num_items", "not decoded: UET hits carry no item count"),
        ("content_type", "ecomm_pagetype, else pagetype"),
        ("page_url", "p"),
        ("consent", "asc (as consent.asc; G / D also as consent.ad_storage granted / denied)"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
    // `bat.js`.
    script_hosts: &["bat.bing.com"],
};

impl Decoder for Bing {
    fn vendor(&self) -> Vendor {
        BING
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        if host(&url) != "bat.bing.com" {
            return Vec::new();
        }
        if url.path() == "/bat.js" {
            return vec![Hit::loader(BING, None)];
        }
        if !url.path().starts_with("/action/") {
            return Vec::new();
        }
        let map = query_map(&url);
        let evt = non_empty(&map, "evt");
        // Custom events name their action in `ea`; `pageLoad` (and the noscript hit) stand alone.
        let event = match evt.as_deref() {
            Some("custom") => non_empty(&map, "ea").or(evt),
            _ => evt,
        };
        let page_type = non_empty(&map, "ecomm_pagetype").or_else(|| non_empty(&map, "pagetype"));
        let class = match (map.get("evt").map(String::as_str), event.as_deref()) {
            (Some("pageLoad"), _) => EventClass::PageView,
            (_, Some(name)) => action_class(name),
            _ => EventClass::Other,
        };
        let class = match (class, page_type.as_deref()) {
            (EventClass::Other, Some(page_type)) => page_type_class(page_type),
            (class, _) => class,
        };
        let mut hit = Hit::event(BING, non_empty(&map, "ti"), event).with_class(class);
        let currency = non_empty(&map, "gc");
        // `gv` is the revenue value; `ev` (event value) stands in for it on revenue events.
        let revenue = currency.is_some() || class == EventClass::Purchase;
        let value = non_empty(&map, "gv").or_else(|| non_empty(&map, "ev").filter(|_| revenue));
        hit.set("value", value.map(|v| number_or_string(&v)));
        hit.set("currency", currency.map(Value::String));
        hit.set(
            "content_ids",
            non_empty(&map, "prodid")
                .or_else(|| non_empty(&map, "ecomm_prodid"))
                .map(|ids| list_value(&ids)),
        );
        hit.set(
            "transaction_id",
            non_empty(&map, "transaction_id").map(Value::String),
        );
        hit.set("content_type", page_type.map(Value::String));
        hit.set("page_url", non_empty(&map, "p").map(Value::String));
        if let Some(asc) = map.get("asc") {
            let mut consent = serde_json::Map::new();
            consent.insert("asc".into(), json!(asc));
            let state = match asc.as_str() {
                "G" => Some("granted"),
                "D" => Some("denied"),
                _ => None,
            };
            if let Some(state) = state {
                consent.insert("ad_storage".into(), json!(state));
            }
            hit.set("consent", Some(Value::Object(consent)));
        }
        hit.raw = raw_strings(&map);
        vec![hit]
    }
}

/// The class of a custom action name (`purchase`, `add_to_cart`, `Purchase`...).
fn action_class(name: &str) -> EventClass {
    match name.to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
        "page_view" => EventClass::PageView,
        "view_item" | "product" => EventClass::ViewContent,
        "view_item_list" | "category" => EventClass::ViewCategory,
        "search" | "view_search_results" => EventClass::Search,
        "add_to_cart" => EventClass::AddToCart,
        "begin_checkout" => EventClass::BeginCheckout,
        "add_payment_info" => EventClass::AddPaymentInfo,
        "purchase" => EventClass::Purchase,
        "generate_lead" | "sign_up" | "subscribe" | "submit_lead_form" => EventClass::Lead,
        _ => EventClass::Other,
    }
}

/// The class a retail `ecomm_pagetype` / `pagetype` implies.
fn page_type_class(page_type: &str) -> EventClass {
    match page_type {
        "purchase" => EventClass::Purchase,
        "cart" => EventClass::AddToCart,
        "product" => EventClass::ViewContent,
        "category" => EventClass::ViewCategory,
        "searchresults" => EventClass::Search,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;

    fn decode(url: &str) -> Vec<Hit> {
        Bing.decode(&CapturedRequest::new("GET", url, None))
    }

    #[test]
    fn page_load_is_a_page_view_with_consent() {
        let hits = decode("https://bat.bing.com/action/0?ti=123456&Ver=2&mid=eeb8884c-7abb-0791-3ae6-6348dd889664&bo=1&sid=8cd7a9b0&vid=1e4f&pi=1200101525&lg=en-US&sw=2560&sh=1440&sc=24&tl=Shop&p=https%3A%2F%2Fshop.test%2F&r=&lt=590&asc=D&evt=pageLoad&sv=1&msclkid=N&rn=187899");
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("123456"));
        assert_eq!(hit.event.as_deref(), Some("pageLoad"));
        assert_eq!(hit.class, EventClass::PageView);
        assert_eq!(hit.params["page_url"], json!("https://shop.test/"));
        assert_eq!(
            hit.params["consent"],
            json!({"asc": "D", "ad_storage": "denied"})
        );
        assert_eq!(hit.raw["msclkid"], json!("N"));
    }

    #[test]
    fn purchase_custom_event_carries_revenue() {
        let hits = decode("https://bat.bing.com/action/0?ti=123456&Ver=2&mid=eeb8884c&ec=Ecommerce&ea=purchase&el=Order&ev=1&gv=59.90&gc=EUR&prodid=SKU-1%2CSKU-2&pagetype=purchase&en=Y&p=https%3A%2F%2Fshop.test%2Fthank-you&asc=G&evt=custom&msclkid=N&rn=693067");
        let hit = &hits[0];
        assert_eq!(hit.event.as_deref(), Some("purchase"));
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(59.9));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.params["content_type"], json!("purchase"));
        assert_eq!(hit.params["consent"]["ad_storage"], json!("granted"));
        assert_eq!(hit.raw["ev"], json!("1"));
    }

    #[test]
    fn purchase_carries_its_transaction_id() {
        let hits = decode("https://bat.bing.com/action/0?ti=187654321&tm=gtm002&Ver=2&mid=2f6c1a9e-5b7d-4c3e-9a0f-8d1e2b3c4a5f&bo=2&sid=0b1c2d30d1a111f0a1b2c3d4e5f60718&vid=0c1d2e30d1a111f0b2c3d4e5f6071829&vids=0&msclkid=N&ea=purchase&gv=74.5&gc=EUR&transaction_id=1001&prodid=SKU-1%2CSKU-2&pagetype=purchase&en=Y&p=https%3A%2F%2Fshop.test%2Fthank-you&r=https%3A%2F%2Fshop.test%2Fcheckout&lt=1432&evt=custom&sv=1&asc=G&cdb=AQAQ&rn=482913");
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("187654321"));
        assert_eq!(hit.event.as_deref(), Some("purchase"));
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["transaction_id"], json!("1001"));
        assert_eq!(hit.params["value"], json!(74.5));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.raw["transaction_id"], json!("1001"));
        let without = decode("https://bat.bing.com/action/0?ti=1&ea=purchase&gv=1&gc=EUR&transaction_id=&evt=custom");
        assert!(
            !without[0].params.contains_key("transaction_id"),
            "an empty key is absent"
        );
    }

    #[test]
    fn event_value_stands_in_only_for_revenue() {
        let revenue = decode("https://bat.bing.com/action/0?ti=1&ea=Purchase&ev=123.34&evt=custom");
        assert_eq!(
            revenue[0].class,
            EventClass::Purchase,
            "action names are case-insensitive"
        );
        assert_eq!(revenue[0].params["value"], json!(123.34));
        let engagement = decode(
            "https://bat.bing.com/action/0?ti=1&ea=video_play&ec=engagement&ev=3&evt=custom",
        );
        assert_eq!(engagement[0].class, EventClass::Other);
        assert!(!engagement[0].params.contains_key("value"));
        let formatted =
            decode("https://bat.bing.com/action/0?ti=1&ea=purchase&gv=%2410.00&evt=custom");
        assert_eq!(formatted[0].params["value"], json!("$10.00"));
    }

    #[test]
    fn page_type_decides_unnamed_actions() {
        let cart = decode("https://bat.bing.com/action/0?ti=1&ea=&ecomm_pagetype=cart&ecomm_prodid=SKU-1&evt=custom");
        assert_eq!(cart[0].event.as_deref(), Some("custom"));
        assert_eq!(cart[0].class, EventClass::AddToCart);
        assert_eq!(cart[0].params["content_ids"], json!(["SKU-1"]));
        let product = decode("https://bat.bing.com/action/0?ti=1&ea=remarketing&pagetype=product&prodid=SKU-2&evt=custom");
        assert_eq!(product[0].class, EventClass::ViewContent);
        let named =
            decode("https://bat.bing.com/action/0?ti=1&ea=add_to_cart&pagetype=product&evt=custom");
        assert_eq!(
            named[0].class,
            EventClass::AddToCart,
            "a known action name beats the page type"
        );
        let page = decode("https://bat.bing.com/action/0?ti=1&pagetype=purchase&evt=pageLoad");
        assert_eq!(page[0].class, EventClass::PageView);
    }

    #[test]
    fn loader_and_look_alikes() {
        assert_eq!(
            decode("https://bat.bing.com/bat.js")[0].kind,
            HitKind::Loader
        );
        assert!(decode("https://bat.bing.com/p/action/123456.js").is_empty());
        assert!(decode("https://bat.bing.com.evil.test/action/0?ti=1&evt=pageLoad").is_empty());
        assert!(decode("https://www.bing.com/action/0?ti=1&evt=pageLoad").is_empty());
    }
}
