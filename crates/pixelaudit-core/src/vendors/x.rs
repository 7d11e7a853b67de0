//! X (Twitter) pixel: `uwt.js` / `oct.js` loaders and `adsct` (image GET) / `adsctp` (form
//! POST) hits, sent to two hosts per event.

use serde_json::Value;

use std::collections::BTreeMap;

use super::params::{
    consent_from, host, ids_from, non_empty, number_or_string, parse_url, query_and_form,
    raw_strings, str_at,
};
use super::{Decoder, EventClass, Hit, Vendor};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for the X (Twitter) pixel.
pub(crate) struct X;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "x",
    display: "X (Twitter) pixel",
    id_format: "a pixel id of a few letters and digits, e.g. o81g6; an event (conversion) tag sends tw-o81g6-<tag id>, and its hits are that tag id: expect them with event = \"<tag id>\"",
    decoder: &X,
    events: &["pageview", "purchase", "conversion"],
    repeats: Repeats::Events(&[]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: false,
        conversion_event_id: None,
    },
    // `event={…}` is the bci 4 JSON (an old hit: the object in `events=[[name,{…}]]`).
    sources: &[
        ("value", "value inside event={…}, else tw_sale_amount (not 0)"),
        ("currency", "currency inside event={…}"),
        ("num_items", "num_items inside event={…}, else tw_order_quantity (not 0)"),
        ("content_ids", "the content_id of each contents entry inside event={…}"),
        ("items", "contents inside event={…}"),
        ("event_id", "conversion tags (txn_id tw-<pixel>-<tag>): conversion_id inside event={…}, else a top-level conversion_id, else the top-level event_id (a fresh UUID per hit); base-pixel hits: the top-level event_id"),
        ("transaction_id", "base-pixel hits only: conversion_id inside event={…}, else a top-level conversion_id (a conversion tag's conversion_id is its event_id)"),
        ("page_url", "tw_document_href"),
        ("consent", "restricted_data_use (as consent.restricted_data_use)"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
    // `uwt.js` and the legacy `oct.js` (platform.twitter.com also serves X's embeds: the
    // decoder recognises the two loaders there by path).
    script_hosts: &["static.ads-twitter.com"],
};

impl Decoder for X {
    fn vendor(&self) -> Vendor {
        super::X
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let host = host(&url);
        let path = url.path();
        if matches!(host, "static.ads-twitter.com" | "platform.twitter.com")
            && matches!(path, "/uwt.js" | "/oct.js")
        {
            return vec![Hit::loader(super::X, None)];
        }
        // Every hit goes to t.co and again to analytics.twitter.com (or analytics.x.com): the
        // latter is the mirror.
        let mirror = match host {
            "t.co" => false,
            "analytics.twitter.com" | "analytics.x.com" => true,
            _ => return Vec::new(),
        };
        // `adsct` is the image GET; `adsctp` carries the same fields as a form-encoded POST body.
        if !matches!(
            path.trim_end_matches('/'),
            "/1/i/adsct" | "/i/adsct" | "/1/i/adsctp" | "/i/adsctp"
        ) {
            return Vec::new();
        }
        let map = query_and_form(&url, request);
        let tag = map.get("txn_id").and_then(|t| conversion_tag(t));
        let legacy = legacy_event(&map);
        let (name, data, class) = match (tag, legacy) {
            (_, Some((name, data))) => {
                let class = class_of(&name);
                (name, data, class)
            }
            (Some((_, tag_id)), None) => {
                let data = event_json(&map);
                let class = conversion_tag_class(data.as_ref(), &map);
                (tag_id.to_string(), data, class)
            }
            (None, None) => {
                let (name, data) = bci4_event(&map);
                let class = class_of(&name);
                (name, data, class)
            }
        };
        let data = data.unwrap_or(Value::Null);
        // A conversion tag's `txn_id` is `tw-<pixel id>-<tag id>`: the account is the pixel.
        let account = match tag {
            Some((pixel, _)) => Some(pixel.to_string()),
            None => non_empty(&map, "txn_id"),
        };
        let mut hit = Hit::event(super::X, account, Some(name)).with_class(class);
        let sale_amount = non_empty(&map, "tw_sale_amount").filter(|v| v != "0");
        hit.set(
            "value",
            data.get("value")
                .cloned()
                .or_else(|| sale_amount.map(|v| number_or_string(&v))),
        );
        hit.set("currency", data.get("currency").cloned());
        let quantity = non_empty(&map, "tw_order_quantity").filter(|v| v != "0");
        hit.set(
            "num_items",
            data.get("num_items")
                .cloned()
                .or_else(|| quantity.map(|v| number_or_string(&v))),
        );
        if let Some(contents) = data.get("contents").filter(|c| c.is_array()) {
            hit.set("content_ids", ids_from(contents, "content_id"));
            hit.set("items", Some(contents.clone()));
        }
        let conversion_id = || {
            str_at(&data, "conversion_id").or_else(|| non_empty(&map, "conversion_id"))
        };
        // The wire `event_id` is a fresh UUID per hit, the same on both hosts.
        let event_id = non_empty(&map, "event_id");
        if tag.is_some() {
            // A conversion tag's `conversion_id` is the id X deduplicates pixel and
            // Conversions API events on: the event id, not an order number.
            hit.set(
                "event_id",
                conversion_id().or_else(|| event_id.clone()).map(Value::String),
            );
        } else {
            // Base-pixel hits carrying event data (an older form) keep reading it as the order.
            hit.set(
                "transaction_id",
                data.get("conversion_id")
                    .cloned()
                    .or_else(|| non_empty(&map, "conversion_id").map(Value::String)),
            );
            hit.set("event_id", event_id.clone().map(Value::String));
        }
        hit.set(
            "page_url",
            non_empty(&map, "tw_document_href").map(Value::String),
        );
        hit.set("consent", consent_from(&map, &["restricted_data_use"]));
        // Both hosts get the same `event_id`, so it identifies the logical event.
        hit.fold_key = event_id;
        hit.mirror = mirror;
        hit.raw = raw_strings(&map);
        vec![hit]
    }
}

/// `tw-<pixel id>-<tag id>`, the `txn_id` of a conversion (event) tag, as its two base-36 ids.
fn conversion_tag(txn_id: &str) -> Option<(&str, &str)> {
    let (pixel, tag) = txn_id.strip_prefix("tw-")?.split_once('-')?;
    let base36 = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric());
    (base36(pixel) && base36(tag)).then_some((pixel, tag))
}

/// The bci 3 event: `events=[["pageview",{…}]]`, its name and parameters.
fn legacy_event(map: &BTreeMap<String, String>) -> Option<(String, Option<Value>)> {
    let events = serde_json::from_str::<Value>(map.get("events")?).ok()?;
    let first = events.get(0)?;
    let name = first.get(0)?.as_str()?.to_string();
    Some((name, first.get(1).cloned().filter(Value::is_object)))
}

/// The bci 4 `event` JSON object (`{}` when the tag sends no parameters).
fn event_json(map: &BTreeMap<String, String>) -> Option<Value> {
    map.get("event")
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .filter(Value::is_object)
}

/// What a conversion tag's hit is, from what it carries (the tag's configured type is not on
/// the wire): purchase-like only with a value and order data (`contents` or a quantity);
/// anything else (a sign-up, a tag with `{}`) is `Other`.
fn conversion_tag_class(data: Option<&Value>, map: &BTreeMap<String, String>) -> EventClass {
    let carries = |key: &str| {
        data.and_then(|d| d.get(key)).is_some_and(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            Value::Array(items) => !items.is_empty(),
            _ => true,
        })
    };
    let wire = |key: &str| map.get(key).is_some_and(|v| !v.is_empty() && v != "0");
    let value = carries("value") || wire("tw_sale_amount");
    let order = carries("contents") || carries("num_items") || wire("tw_order_quantity");
    if value && order {
        EventClass::Purchase
    } else {
        EventClass::Other
    }
}

/// A base-pixel bci 4 hit's name and parameters (`{}` for a page view). One with a value (or an
/// old hit with only a non-zero `tw_sale_amount`) is a purchase; any other non-empty event a
/// `conversion`.
fn bci4_event(map: &BTreeMap<String, String>) -> (String, Option<Value>) {
    let data = event_json(map);
    let has = |key: &str| {
        data.as_ref()
            .is_some_and(|d| d.get(key).is_some_and(|v| !v.is_null()))
    };
    let sale = map
        .get("tw_sale_amount")
        .is_some_and(|v| !v.is_empty() && v != "0");
    let name = if has("value") || sale {
        "purchase"
    } else if data
        .as_ref()
        .and_then(Value::as_object)
        .is_some_and(|d| !d.is_empty())
    {
        "conversion"
    } else {
        "pageview"
    };
    (name.to_string(), data)
}

fn class_of(event: &str) -> EventClass {
    match event.to_ascii_lowercase().as_str() {
        "pageview" | "page_view" => EventClass::PageView,
        "purchase" => EventClass::Purchase,
        "addtocart" | "add_to_cart" => EventClass::AddToCart,
        "checkoutinitiated" | "begin_checkout" => EventClass::BeginCheckout,
        "lead" | "signup" | "sign_up" => EventClass::Lead,
        "search" => EventClass::Search,
        "contentview" | "view_content" => EventClass::ViewContent,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;
    use crate::vendors::decode_requests;
    use serde_json::json;

    const PAGE_VIEW: &str = "bci=4&dv=America%2FAdak%26en-US%2Cen%26Google%20Inc.%26Linux%20x86_64%26255%261280%261024%264%2624%261280%261024%260%26na&eci=3&event=%7B%7D&event_id=15d78aa9-4baa-42d7-8f78-8cb190e5cafd&integration=advertiser&p_id=Twitter&p_user_id=0&pl_id=9359afd3-58bb-4ad5-b201-3e9956cd3e60&tw_document_href=https%3A%2F%2Fshop.test%2F&tw_iframe_status=0&txn_id=o81g6&type=javascript&version=2.3.33";

    fn get(url: &str) -> CapturedRequest {
        CapturedRequest::new("GET", url, None)
    }

    fn decode(url: &str) -> Vec<Hit> {
        X.decode(&get(url))
    }

    #[test]
    fn bci4_page_view_is_decoded() {
        let hits = decode(&format!("https://t.co/1/i/adsct?{PAGE_VIEW}"));
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("o81g6"));
        assert_eq!(hit.event.as_deref(), Some("pageview"));
        assert_eq!(hit.class, EventClass::PageView);
        assert_eq!(
            hit.params["event_id"],
            json!("15d78aa9-4baa-42d7-8f78-8cb190e5cafd")
        );
        assert_eq!(hit.params["page_url"], json!("https://shop.test/"));
        assert_eq!(
            hit.fold_key.as_deref(),
            Some("15d78aa9-4baa-42d7-8f78-8cb190e5cafd")
        );
        assert!(!hit.mirror);
        assert_eq!(
            hit.raw["pl_id"],
            json!("9359afd3-58bb-4ad5-b201-3e9956cd3e60")
        );
    }

    #[test]
    fn both_hosts_fold_into_one_hit() {
        let requests = vec![
            get(&format!(
                "https://analytics.twitter.com/1/i/adsct?{PAGE_VIEW}"
            )),
            get(&format!("https://t.co/1/i/adsct?{PAGE_VIEW}")),
        ];
        assert!(X.decode(&requests[0])[0].mirror);
        let hits = decode_requests(&requests);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].request, 1, "t.co is the main request");
        assert_eq!(hits[0].mirrors, vec![0]);
        // Two separate t.co page views (two events) stay two.
        let other = PAGE_VIEW.replace("15d78aa9", "99999999");
        let twice = [
            get(&format!("https://t.co/1/i/adsct?{PAGE_VIEW}")),
            get(&format!("https://t.co/1/i/adsct?{other}")),
        ];
        assert_eq!(decode_requests(&twice).len(), 2);
    }

    #[test]
    fn bci4_purchase_reads_the_event_json() {
        let event = "%7B%22value%22%3A59.9%2C%22currency%22%3A%22EUR%22%2C%22conversion_id%22%3A%221001%22%2C%22contents%22%3A%5B%7B%22content_id%22%3A%22SKU-1%22%2C%22num_items%22%3A2%7D%5D%7D";
        let url = format!("https://t.co/1/i/adsct?bci=4&eci=3&event={event}&event_id=e-1001&integration=gtm&p_id=Twitter&pl_id=p-1&tw_document_href=https%3A%2F%2Fshop.test%2Fthank-you&restricted_data_use=restrict_optimization&txn_id=o81g6&type=javascript&version=2.3.33");
        let hit = &decode(&url)[0];
        assert_eq!(hit.event.as_deref(), Some("purchase"));
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(59.9));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["transaction_id"], json!("1001"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1"]));
        assert_eq!(hit.params["event_id"], json!("e-1001"));
        assert_eq!(
            hit.params["consent"]["restricted_data_use"],
            json!("restrict_optimization")
        );
    }

    #[test]
    fn bci3_events_and_sale_amount() {
        let page = decode("https://analytics.twitter.com/i/adsct?p_id=Twitter&p_user_id=0&txn_id=abc123&events=%5B%5B%22pageview%22%2Cnull%5D%5D&tw_sale_amount=0&tw_order_quantity=0&tw_iframe_status=0&tpx_cb=twttr.conversion.loadPixels&tw_document_href=https%3A%2F%2Fwww.example.com%2F");
        assert_eq!(page[0].event.as_deref(), Some("pageview"));
        assert_eq!(page[0].class, EventClass::PageView);
        assert!(page[0].mirror);
        assert!(
            !page[0].params.contains_key("value"),
            "a zero sale amount is no value"
        );
        let purchase = decode("https://t.co/i/adsct?p_id=Twitter&p_user_id=0&txn_id=abc123&tw_sale_amount=29.95&tw_order_quantity=3&events=%5B%5B%22purchase%22%2C%7B%22value%22%3A%2229.95%22%2C%22currency%22%3A%22USD%22%2C%22num_items%22%3A%223%22%7D%5D%5D&tw_iframe_status=0");
        assert_eq!(purchase[0].class, EventClass::Purchase);
        assert_eq!(
            purchase[0].params["value"],
            json!("29.95"),
            "as sent in the event JSON"
        );
        assert_eq!(purchase[0].params["currency"], json!("USD"));
        assert_eq!(purchase[0].params["num_items"], json!("3"));
        let oct = decode("https://t.co/i/adsct?txn_id=nu1ab&p_id=Twitter&tw_sale_amount=12.5&tw_order_quantity=1");
        assert_eq!(oct[0].event.as_deref(), Some("purchase"));
        assert_eq!(oct[0].params["value"], json!(12.5));
        assert_eq!(oct[0].params["num_items"], json!(1.0));
        assert!(oct[0].fold_key.is_none(), "no event_id, nothing to fold on");
    }

    #[test]
    fn non_purchase_conversion_event() {
        let hits = decode("https://t.co/1/i/adsct?bci=4&event=%7B%22email_address%22%3A%22x%22%7D&event_id=e-2&txn_id=o81g6");
        assert_eq!(hits[0].event.as_deref(), Some("conversion"));
        assert_eq!(hits[0].class, EventClass::Other);
    }

    /// A conversion tag's hit as uwt.js 2.3.x sends it: the page-load fields of [`PAGE_VIEW`]
    /// with `txn_id=tw-<pixel>-<tag>` and the event parameters in `event`.
    fn tag_query(event: &str) -> String {
        format!("bci=4&dv=UTC%26en-US%26Google%20Inc.%26Linux%20x86_64%26255%261280%261024%264%2624%261280%261024%260%26na&eci=4&event={event}&event_id=826fb45b-0d48-4acb-944d-2aff711bb3c9&integration=advertiser&p_id=Twitter&p_user_id=0&pl_id=33bfc76d-6214-489e-9125-f3661a7db0b6&tw_document_href=https%3A%2F%2Fshop.test%2Fthank-you&tw_iframe_status=0&txn_id=tw-o81g6-ocx5k&type=javascript&version=2.3.33")
    }

    const TAG_PURCHASE: &str = "%7B%22value%22%3A89.8%2C%22currency%22%3A%22EUR%22%2C%22contents%22%3A%5B%7B%22content_id%22%3A%22LS-001%22%2C%22num_items%22%3A1%7D%2C%7B%22content_id%22%3A%22MS-002%22%2C%22num_items%22%3A1%7D%5D%2C%22conversion_id%22%3A%22purchase-1001%22%7D";

    #[test]
    fn conversion_tag_names_pixel_and_tag() {
        let hits = decode(&format!("https://t.co/1/i/adsct?{}", tag_query(TAG_PURCHASE)));
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("o81g6"), "the pixel, not the txn_id");
        assert_eq!(hit.event.as_deref(), Some("ocx5k"), "the conversion tag");
        assert_eq!(hit.class, EventClass::Purchase, "a value and order data");
        assert_eq!(hit.params["value"], json!(89.8));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["content_ids"], json!(["LS-001", "MS-002"]));
        assert_eq!(
            hit.params["event_id"],
            json!("purchase-1001"),
            "conversion_id is the dedup event id"
        );
        assert!(!hit.params.contains_key("transaction_id"));
        assert_eq!(
            hit.fold_key.as_deref(),
            Some("826fb45b-0d48-4acb-944d-2aff711bb3c9"),
            "both hosts still fold on the wire event_id"
        );
        assert_eq!(hit.raw["txn_id"], json!("tw-o81g6-ocx5k"));
        assert!(!hit.mirror);
    }

    #[test]
    fn conversion_tags_are_classified_by_what_they_carry() {
        let cases = [
            // Captured shapes: a tag with no parameters, and one with an empty contents list.
            ("%7B%7D", EventClass::Other),
            ("%7B%22contents%22%3A%5B%5D%7D", EventClass::Other),
            // A value without order data (a lead worth 5) and order data without a value.
            (
                "%7B%22value%22%3A5%2C%22currency%22%3A%22USD%22%7D",
                EventClass::Other,
            ),
            (
                "%7B%22contents%22%3A%5B%7B%22content_id%22%3A%22SKU-1%22%7D%5D%7D",
                EventClass::Other,
            ),
            (
                "%7B%22value%22%3A%2229.95%22%2C%22currency%22%3A%22USD%22%2C%22num_items%22%3A3%7D",
                EventClass::Purchase,
            ),
            (TAG_PURCHASE, EventClass::Purchase),
        ];
        for (event, class) in cases {
            let hit = &decode(&format!("https://t.co/1/i/adsct?{}", tag_query(event)))[0];
            assert_eq!(hit.class, class, "{event}");
            assert_eq!(hit.event.as_deref(), Some("ocx5k"), "{event}");
            assert_eq!(hit.account.as_deref(), Some("o81g6"), "{event}");
        }
        // Without a conversion_id the wire event_id stays the event id.
        let hit = &decode(&format!("https://t.co/1/i/adsct?{}", tag_query("%7B%7D")))[0];
        assert_eq!(
            hit.params["event_id"],
            json!("826fb45b-0d48-4acb-944d-2aff711bb3c9")
        );
        // Malformed tag ids are kept whole as the account, as before.
        for txn in ["tw-", "tw-o81g6", "tw--ocx5k", "tw-o81g6-"] {
            let query = tag_query("%7B%7D").replace("tw-o81g6-ocx5k", txn);
            let hit = &decode(&format!("https://t.co/1/i/adsct?{query}"))[0];
            assert_eq!(hit.account.as_deref(), Some(txn));
            assert_eq!(hit.event.as_deref(), Some("pageview"), "{txn}");
        }
    }

    #[test]
    fn adsctp_posts_are_hits_on_every_host() {
        let body = tag_query(TAG_PURCHASE);
        for url in [
            "https://t.co/1/i/adsctp",
            "https://t.co/i/adsctp",
            "https://analytics.twitter.com/1/i/adsctp",
            "https://analytics.twitter.com/i/adsctp",
            "https://analytics.x.com/1/i/adsctp",
            "https://analytics.x.com/i/adsctp",
        ] {
            let hits = X.decode(&CapturedRequest::new("POST", url, Some(&body)));
            assert_eq!(hits.len(), 1, "{url}");
            let hit = &hits[0];
            assert_eq!(hit.account.as_deref(), Some("o81g6"), "{url}");
            assert_eq!(hit.event.as_deref(), Some("ocx5k"), "{url}");
            assert_eq!(hit.class, EventClass::Purchase, "{url}");
            assert_eq!(hit.params["event_id"], json!("purchase-1001"), "{url}");
            assert_eq!(hit.mirror, !url.starts_with("https://t.co/"), "{url}");
        }
        // A base-pixel page view POSTed with an old bci 3 body.
        let old = X.decode(&CapturedRequest::new(
            "POST",
            "https://analytics.twitter.com/i/adsctp",
            Some("events=%5B%5B%22pageview%22%2C%7B%7D%5D%5D&txn_id=o7kth&tw_sale_amount=0&p_id=Twitter"),
        ));
        assert_eq!(old[0].account.as_deref(), Some("o7kth"));
        assert_eq!(old[0].class, EventClass::PageView);
        // The t.co and analytics.x.com copies of one POST are one hit, t.co its origin.
        let requests = [
            CapturedRequest::new("POST", "https://analytics.x.com/1/i/adsctp", Some(&body)),
            CapturedRequest::new("POST", "https://t.co/1/i/adsctp", Some(&body)),
        ];
        let hits = decode_requests(&requests);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].request, 1);
        assert_eq!(hits[0].mirrors, vec![0]);
        // A GET image on analytics.x.com folds with its t.co copy too.
        let query = tag_query("%7B%7D");
        let gets = [
            get(&format!("https://t.co/1/i/adsct?{query}")),
            get(&format!("https://analytics.x.com/1/i/adsct?{query}")),
        ];
        assert_eq!(decode_requests(&gets).len(), 1);
        for url in [
            "https://analytics.x.com.evil.test/1/i/adsctp",
            "https://x.com/1/i/adsctp",
            "https://analytics.x.com/1/i/adsctpx",
            "https://analytics.x.com/2/i/adsctp",
        ] {
            assert!(
                X.decode(&CapturedRequest::new("POST", url, Some(&body))).is_empty(),
                "{url}"
            );
        }
    }

    #[test]
    fn loaders_and_look_alikes() {
        assert_eq!(
            decode("https://static.ads-twitter.com/uwt.js")[0].kind,
            HitKind::Loader
        );
        assert_eq!(
            decode("https://static.ads-twitter.com/oct.js")[0].kind,
            HitKind::Loader
        );
        assert!(decode(&format!("https://t.co.evil.test/1/i/adsct?{PAGE_VIEW}")).is_empty());
        assert!(decode(&format!("https://twitter.com/1/i/adsct?{PAGE_VIEW}")).is_empty());
        assert!(decode("https://t.co/AbCdEf123").is_empty());
        assert!(decode("https://t.co/1/i/adsct?event=%7Bbroken&events=%5B%5B").len() == 1);
    }
}
