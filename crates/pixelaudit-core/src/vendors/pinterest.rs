//! Pinterest Tag: `core.js` loader and `ct.pinterest.com/v3` hits with JSON `ed` / `ad` / `pd` params.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::params::{flatten_json, host, ids_from, non_empty, parse_url, query_and_form, str_at};
use super::{Decoder, EventClass, Hit, Vendor, PINTEREST};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for the Pinterest Tag.
pub(crate) struct Pinterest;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "pinterest",
    display: "Pinterest Tag",
    id_format: "a 13-digit tag id, e.g. 2612345678901",
    decoder: &Pinterest,
    events: &[
        "init",
        "pagevisit",
        "viewcategory",
        "search",
        "addtocart",
        "checkout",
        "watchvideo",
        "signup",
        "lead",
        "custom",
    ],
    repeats: Repeats::Events(&[]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: true,
        conversion_event_id: None,
    },
    // Read from the `/v3` query string or form body; `ed` and `ad` are JSON.
    sources: &[
        ("value", "value inside ed={…}"),
        ("currency", "currency inside ed={…}"),
        ("num_items", "order_quantity inside ed={…}"),
        ("transaction_id", "order_id inside ed={…}"),
        ("content_ids", "the product_id of each line_items entry inside ed={…}"),
        ("items", "line_items inside ed={…}"),
        ("event_id", "event_id inside ed={…}, else a top-level event_id"),
        ("page_url", "loc inside ad={…}"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
    // `ct/core.js` and `ct/lib/main.<hash>.js`; the rest of s.pinimg.com is Pinterest's site,
    // not the tag.
    script_hosts: &["s.pinimg.com/ct/"],
};

/// The query parameters that carry a JSON object.
const JSON_PARAMS: [&str; 3] = ["ed", "ad", "pd"];

impl Decoder for Pinterest {
    fn vendor(&self) -> Vendor {
        PINTEREST
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let host = host(&url);
        let path = url.path();
        if host == "s.pinimg.com" {
            if path == "/ct/core.js" {
                return vec![Hit::loader(PINTEREST, None)];
            }
            return Vec::new();
        }
        // `ct.pinterest.com/user/` is an identity sync, not an event.
        if host != "ct.pinterest.com" || path.trim_end_matches('/') != "/v3" {
            return Vec::new();
        }
        let map = query_and_form(&url, request);
        // No `event` is the base code's page load, which the tag calls `init`.
        let event = non_empty(&map, "event").unwrap_or_else(|| "init".to_string());
        let mut hit = Hit::event(
            PINTEREST,
            non_empty(&map, "tid"),
            Some(event.clone()),
        )
        .with_class(class_of(&event));
        let json: BTreeMap<&str, Value> = JSON_PARAMS
            .iter()
            .filter_map(|k| Some((*k, serde_json::from_str::<Value>(map.get(*k)?).ok()?)))
            .filter(|(_, v)| v.is_object())
            .collect();
        let null = Value::Null;
        let ed = json.get("ed").unwrap_or(&null);
        hit.set("value", ed.get("value").cloned());
        hit.set("currency", ed.get("currency").cloned());
        hit.set("num_items", ed.get("order_quantity").cloned());
        hit.set("transaction_id", ed.get("order_id").cloned());
        // A single line item is sometimes sent as an object rather than an array.
        let items = match ed.get("line_items") {
            Some(Value::Array(items)) => Some(Value::Array(items.clone())),
            Some(item @ Value::Object(_)) => Some(json!([item])),
            _ => None,
        };
        if let Some(items) = items {
            hit.set("content_ids", ids_from(&items, "product_id"));
            hit.set("items", Some(items));
        }
        hit.set(
            "event_id",
            str_at(ed, "event_id")
                .or_else(|| non_empty(&map, "event_id"))
                .map(Value::String),
        );
        hit.set(
            "page_url",
            json.get("ad").and_then(|ad| ad.get("loc")).cloned(),
        );
        for (key, value) in &map {
            match json.get(key.as_str()) {
                Some(parsed) => hit.raw.extend(
                    flatten_json(parsed)
                        .into_iter()
                        .map(|(k, v)| (format!("{key}.{k}"), v)),
                ),
                None => {
                    hit.raw.insert(key.clone(), json!(value));
                }
            }
        }
        vec![hit]
    }
}

fn class_of(event: &str) -> EventClass {
    match event.to_ascii_lowercase().replace('_', "").as_str() {
        "pagevisit" => EventClass::PageView,
        "viewcategory" => EventClass::ViewCategory,
        "search" => EventClass::Search,
        "addtocart" => EventClass::AddToCart,
        "checkout" => EventClass::Purchase,
        "lead" | "signup" => EventClass::Lead,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;

    const AD: &str = "ad=%7B%22loc%22%3A%22https%3A%2F%2Fshop.test%2Fcheckouts%2Fthank-you%22%2C%22ref%22%3A%22%22%2C%22if%22%3Afalse%2C%22sh%22%3A1440%2C%22sw%22%3A2560%7D";

    fn decode(method: &str, url: &str, body: Option<&str>) -> Vec<Hit> {
        Pinterest.decode(&CapturedRequest::new(method, url, body))
    }

    #[test]
    fn checkout_is_a_purchase_with_order_data() {
        let ed = "%7B%22value%22%3A116%2C%22order_quantity%22%3A2%2C%22currency%22%3A%22USD%22%2C%22order_id%22%3A%221001%22%2C%22event_id%22%3A%22evt-1001%22%2C%22line_items%22%3A%5B%7B%22product_name%22%3A%22Pillows%20(Set%20of%202)%22%2C%22product_id%22%3A%2211%22%2C%22product_price%22%3A48%2C%22product_quantity%22%3A1%7D%2C%7B%22product_id%22%3A15%2C%22product_price%22%3A68%7D%5D%7D";
        let url = format!("https://ct.pinterest.com/v3/?event=checkout&ed={ed}&tid=2612345678901&pd=%7B%22em%22%3A%22f660ab91%22%2C%22np%22%3A%22gtm%22%7D&{AD}&cb=1583868246432");
        let hits = decode("GET", &url, None);
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("2612345678901"));
        assert_eq!(hit.event.as_deref(), Some("checkout"));
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(116));
        assert_eq!(hit.params["currency"], json!("USD"));
        assert_eq!(hit.params["num_items"], json!(2));
        assert_eq!(hit.params["transaction_id"], json!("1001"));
        assert_eq!(hit.params["event_id"], json!("evt-1001"));
        assert_eq!(hit.params["content_ids"], json!(["11", "15"]));
        assert_eq!(
            hit.params["items"][0]["product_name"],
            json!("Pillows (Set of 2)")
        );
        assert_eq!(
            hit.params["page_url"],
            json!("https://shop.test/checkouts/thank-you")
        );
        assert_eq!(hit.raw["pd.np"], json!("gtm"));
        assert_eq!(hit.raw["ed.order_id"], json!("1001"));
        assert_eq!(hit.raw["cb"], json!("1583868246432"));
        assert!(
            !hit.raw.contains_key("ed"),
            "parsed JSON params are flattened"
        );
    }

    #[test]
    fn page_visit_init_and_missing_event() {
        let page = decode(
            "GET",
            &format!("https://ct.pinterest.com/v3/?tid=2612345678901&event=pagevisit&{AD}&cb=1"),
            None,
        );
        assert_eq!(page[0].class, EventClass::PageView);
        let init = decode(
            "GET",
            &format!("https://ct.pinterest.com/v3/?tid=2612345678901&event=init&{AD}&cb=1"),
            None,
        );
        assert_eq!(init[0].event.as_deref(), Some("init"));
        assert_eq!(init[0].class, EventClass::Other);
        let base = decode(
            "GET",
            &format!("https://ct.pinterest.com/v3/?tid=2612345678901&{AD}&cb=1"),
            None,
        );
        assert_eq!(
            base[0].event.as_deref(),
            Some("init"),
            "no event is the base page load"
        );
        assert_eq!(
            base[0].params["page_url"],
            json!("https://shop.test/checkouts/thank-you")
        );
    }

    #[test]
    fn post_form_body_and_single_line_item_object() {
        let body = "tid=2612345678901&event=addtocart&ed=%7B%22value%22%3A%2248.00%22%2C%22currency%22%3A%22EUR%22%2C%22line_items%22%3A%7B%22product_id%22%3A%22SKU-1%22%7D%7D&event_id=atc-7";
        let hits = decode("POST", "https://ct.pinterest.com/v3/", Some(body));
        assert_eq!(hits[0].class, EventClass::AddToCart);
        assert_eq!(
            hits[0].params["value"],
            json!("48.00"),
            "string value kept as sent"
        );
        assert_eq!(hits[0].params["content_ids"], json!(["SKU-1"]));
        assert_eq!(
            hits[0].params["event_id"],
            json!("atc-7"),
            "top-level event_id"
        );
    }

    #[test]
    fn other_classes() {
        for (event, class) in [
            ("viewcategory", EventClass::ViewCategory),
            ("search", EventClass::Search),
            ("signup", EventClass::Lead),
            ("lead", EventClass::Lead),
            ("add_to_cart", EventClass::AddToCart),
            ("watchvideo", EventClass::Other),
        ] {
            let url = format!("https://ct.pinterest.com/v3/?tid=1&event={event}");
            assert_eq!(decode("GET", &url, None)[0].class, class, "{event}");
        }
    }

    #[test]
    fn broken_json_params_stay_raw() {
        let hits = decode(
            "GET",
            "https://ct.pinterest.com/v3/?event=checkout&ed=%7B%22value%22%3A116&tid=1&pd=%5B1%5D",
            None,
        );
        assert_eq!(hits[0].raw["ed"], json!("{\"value\":116"));
        assert_eq!(hits[0].raw["pd"], json!("[1]"));
        assert!(!hits[0].params.contains_key("value"));
    }

    #[test]
    fn loader_identity_sync_and_look_alikes() {
        assert_eq!(
            decode("GET", "https://s.pinimg.com/ct/core.js", None)[0].kind,
            HitKind::Loader
        );
        assert!(decode("GET", "https://s.pinimg.com/ct/lib/main.123abc.js", None).is_empty());
        assert!(decode(
            "GET",
            "https://ct.pinterest.com/user/?tid=1235871753249&cb=1233538014046",
            None
        )
        .is_empty());
        assert!(decode(
            "GET",
            "https://ct.pinterest.com.evil.test/v3/?tid=1&event=checkout",
            None
        )
        .is_empty());
        assert!(decode(
            "GET",
            "https://www.pinterest.com/v3/?tid=1&event=checkout",
            None
        )
        .is_empty());
    }
}
