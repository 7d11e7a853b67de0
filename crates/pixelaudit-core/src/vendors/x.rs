//! X (Twitter) pixel: `uwt.js` / `oct.js` loaders and `adsct` hits, sent to two hosts per event.

use serde_json::Value;

use super::params::{
    consent_from, host, ids_from, non_empty, number_or_string, parse_url, query_map, raw_strings,
};
use super::{Decoder, EventClass, Hit, Vendor};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for the X (Twitter) pixel.
pub(crate) struct X;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "x",
    display: "X (Twitter) pixel",
    decoder: &X,
    events: &["pageview", "purchase", "conversion"],
    repeats: Repeats::Events(&[]),
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: false,
        conversion_event_id: None,
    },
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
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
        // Every hit goes to t.co and again to analytics.twitter.com: the latter is the mirror.
        let mirror = match host {
            "t.co" => false,
            "analytics.twitter.com" => true,
            _ => return Vec::new(),
        };
        if !matches!(path.trim_end_matches('/'), "/1/i/adsct" | "/i/adsct") {
            return Vec::new();
        }
        let map = query_map(&url);
        let (name, data) = event_of(&map);
        let data = data.unwrap_or(Value::Null);
        let mut hit = Hit::event(super::X, non_empty(&map, "txn_id"), Some(name.clone()))
            .with_class(class_of(&name));
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
        hit.set(
            "transaction_id",
            data.get("conversion_id")
                .cloned()
                .or_else(|| non_empty(&map, "conversion_id").map(Value::String)),
        );
        let event_id = non_empty(&map, "event_id");
        hit.set("event_id", event_id.clone().map(Value::String));
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

/// The event name and its parameters: `events=[["pageview",{…}]]` (bci 3) or the `event` JSON
/// object (bci 4, `{}` for a page view). A bci 4 event with a value (or an old hit with only a
/// non-zero `tw_sale_amount`) is a purchase; any other non-empty bci 4 event a `conversion`.
fn event_of(map: &std::collections::BTreeMap<String, String>) -> (String, Option<Value>) {
    let legacy = map
        .get("events")
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|events| {
            let first = events.get(0)?;
            let name = first.get(0)?.as_str()?.to_string();
            Some((name, first.get(1).cloned().filter(Value::is_object)))
        });
    if let Some((name, data)) = legacy {
        return (name, data);
    }
    let data = map
        .get("event")
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .filter(Value::is_object);
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
