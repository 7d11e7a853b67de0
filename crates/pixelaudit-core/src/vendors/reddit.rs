//! Reddit Pixel: `pixel.js` loader and hits on `alb.reddit.com` (any `*.reddit.com`): `rp.gif`
//! GETs and `/rp` POSTs with a JSON body; the current library hashes the conversion and
//! transaction ids (SHA-256, hex).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::params::{
    flatten_json, host, host_is, ids_from, is_sha256_hex, json_body, non_empty, number_or_string,
    parse_url, query_and_form, raw_strings,
};
use super::{Decoder, EventClass, Hit, Vendor, REDDIT};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for the Reddit Pixel.
pub(crate) struct Reddit;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "reddit",
    display: "Reddit Pixel",
    id_format: "a pixel id, a2_ or t2_ then letters and digits, e.g. a2_abc123z",
    decoder: &Reddit,
    events: &[
        "PageVisit",
        "ViewContent",
        "Search",
        "AddToCart",
        "AddToWishlist",
        "Purchase",
        "Lead",
        "SignUp",
        "Custom",
    ],
    repeats: Repeats::Events(&[]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: false,
        conversion_event_id: None,
    },
    // Read from the query merged with a JSON or form body (`metadata.x` read as `m.x`).
    sources: &[
        ("value", "m.valueDecimal, else m.value (older, unit set at init)"),
        ("currency", "m.currency"),
        ("num_items", "m.itemCount"),
        ("content_ids", "the id of each m.products entry (JSON)"),
        ("items", "m.products (JSON)"),
        ("event_id", "m.conversionId, sent SHA-256-hashed by the current library (then listed in `hashed` and compared hashed with a plain expected value)"),
        ("transaction_id", "m.transactionId, sent SHA-256-hashed by the current library (then listed in `hashed` and compared hashed with a plain expected value)"),
        ("consent", "opt_out, dpm, dpcc, dprc (as consent.opt_out, …)"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
    // `ads/pixel.js` and its older paths; the rest of www.redditstatic.com is Reddit's site.
    script_hosts: &["www.redditstatic.com/ads/"],
};

impl Decoder for Reddit {
    fn vendor(&self) -> Vendor {
        REDDIT
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let host = host(&url);
        let path = url.path();
        if host == "www.redditstatic.com" {
            if path.starts_with("/ads/") && path.ends_with("/pixel.js") {
                return vec![Hit::loader(REDDIT, None)];
            }
            return Vec::new();
        }
        if !host_is(host, "reddit.com") || !matches!(path, "/rp.gif" | "/rp") {
            return Vec::new();
        }
        // The pixel sends every key, empty when unset: treat empty as absent.
        let map = wire_map(&url, request);
        let base = non_empty(&map, "event");
        let custom =
            non_empty(&map, "m.customEventName").filter(|_| base.as_deref() == Some("Custom"));
        let event = custom.or(base);
        let mut hit = Hit::event(REDDIT, non_empty(&map, "id"), event.clone())
            .with_class(class_of(event.as_deref().unwrap_or("")));
        // `m.valueDecimal` is in currency units; `m.value` is the older field (unit depends on init).
        let value = non_empty(&map, "m.valueDecimal").or_else(|| non_empty(&map, "m.value"));
        hit.set("value", value.map(|v| number_or_string(&v)));
        hit.set("currency", non_empty(&map, "m.currency").map(Value::String));
        hit.set(
            "num_items",
            non_empty(&map, "m.itemCount").map(|v| number_or_string(&v)),
        );
        if let Some(products) = non_empty(&map, "m.products") {
            let products =
                serde_json::from_str::<Value>(&products).unwrap_or(Value::String(products));
            hit.set("content_ids", ids_from(&products, "id"));
            hit.set("items", Some(products));
        }
        // The current library sends both ids as the hex SHA-256 of the value the site passed;
        // `hashed` names the params that came hashed so a rule can compare a plain value.
        let mut hashed = Vec::new();
        for (key, wire) in [
            ("event_id", "m.conversionId"),
            ("transaction_id", "m.transactionId"),
        ] {
            let value = non_empty(&map, wire);
            if value.as_deref().is_some_and(is_sha256_hex) {
                hashed.push(json!(key));
            }
            hit.set(key, value.map(Value::String));
        }
        if !hashed.is_empty() {
            hit.set("hashed", Some(Value::Array(hashed)));
        }
        let consent: serde_json::Map<String, Value> = ["opt_out", "dpm", "dpcc", "dprc"]
            .iter()
            .filter_map(|k| non_empty(&map, k).map(|v| (k.to_string(), json!(v))))
            .collect();
        if !consent.is_empty() {
            hit.set("consent", Some(Value::Object(consent)));
        }
        hit.raw = raw_strings(&map);
        vec![hit]
    }
}

/// The hit's keys: the query string (`rp.gif`, and `id`/`event` on a `/rp` post) merged with a
/// JSON or form-encoded body (body wins). JSON bodies are read under the `rp.gif` key names,
/// flat (`"m.conversionId"`) or nested (`{"m": {…}}` or `{"metadata": {…}}`).
fn wire_map(url: &url::Url, request: &CapturedRequest) -> BTreeMap<String, String> {
    let mut map = query_and_form(url, request);
    if let Some(body @ Value::Object(_)) = json_body(request) {
        for (key, value) in flatten_json(&body) {
            let key = match key.strip_prefix("metadata.") {
                Some(rest) => format!("m.{rest}"),
                None => key,
            };
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s,
                other => other.to_string(),
            };
            map.insert(key, text);
        }
    }
    map
}

fn class_of(event: &str) -> EventClass {
    match event {
        "PageVisit" => EventClass::PageView,
        "ViewContent" => EventClass::ViewContent,
        "Search" => EventClass::Search,
        "AddToCart" => EventClass::AddToCart,
        "Purchase" => EventClass::Purchase,
        "Lead" | "SignUp" => EventClass::Lead,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;

    fn decode(url: &str) -> Vec<Hit> {
        Reddit.decode(&CapturedRequest::new("GET", url, None))
    }

    #[test]
    fn page_visit_is_decoded() {
        let hits = decode("https://alb.reddit.com/rp.gif?ts=1708362676211&id=a2_abc123z&event=PageVisit&m.itemCount=&m.value=&m.valueDecimal=&m.currency=&m.transactionId=&m.customEventName=&m.products=&m.conversionId=&uuid=c6959068-f901-4338-a393-7dda9cbd1fc3&aaid=&em=&external_id=&idfa=&integration=reddit&opt_out=0&sh=2560&sw=1440&v=rdt_c9439d84&dpm=&dpcc=&dprc=");
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("a2_abc123z"));
        assert_eq!(hit.event.as_deref(), Some("PageVisit"));
        assert_eq!(hit.class, EventClass::PageView);
        assert_eq!(hit.params["consent"], json!({"opt_out": "0"}));
        assert!(!hit.params.contains_key("value"), "empty keys are absent");
        assert!(!hit.params.contains_key("event_id"));
        assert_eq!(
            hit.raw["uuid"],
            json!("c6959068-f901-4338-a393-7dda9cbd1fc3")
        );
    }

    #[test]
    fn purchase_is_decoded_with_products_and_ids() {
        let products = "%5B%7B%22id%22%3A%22SKU-1%22%2C%22name%22%3A%22Blue%20Mug%22%2C%22category%22%3A%22Kitchen%22%7D%2C%7B%22id%22%3A%22SKU-2%22%7D%5D";
        let url = format!("https://alb.reddit.com/rp.gif?ts=1708362676211&id=a2_abc123z&event=Purchase&m.itemCount=2&m.value=&m.valueDecimal=59.9&m.currency=EUR&m.transactionId=1001&m.customEventName=&m.products={products}&m.conversionId=order-1001&uuid=u-1&integration=reddit&opt_out=1&dpm=LDU&dpcc=US&dprc=CA");
        let hit = &decode(&url)[0];
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(59.9));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["num_items"], json!(2.0));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.params["items"][0]["name"], json!("Blue Mug"));
        assert_eq!(hit.params["event_id"], json!("order-1001"));
        assert_eq!(hit.params["transaction_id"], json!("1001"));
        assert_eq!(
            hit.params["consent"],
            json!({"opt_out": "1", "dpm": "LDU", "dpcc": "US", "dprc": "CA"})
        );
    }

    #[test]
    fn custom_events_take_their_custom_name() {
        let hit = &decode("https://alb.reddit.com/rp.gif?id=a2_x&event=Custom&m.customEventName=QuizDone&m.value=5")[0];
        assert_eq!(hit.event.as_deref(), Some("QuizDone"));
        assert_eq!(hit.class, EventClass::Other);
        assert_eq!(
            hit.params["value"],
            json!(5.0),
            "m.value when no valueDecimal"
        );
        let unnamed =
            &decode("https://alb.reddit.com/rp.gif?id=a2_x&event=Custom&m.customEventName=")[0];
        assert_eq!(unnamed.event.as_deref(), Some("Custom"));
        for (event, class) in [
            ("ViewContent", EventClass::ViewContent),
            ("AddToCart", EventClass::AddToCart),
            ("Lead", EventClass::Lead),
            ("SignUp", EventClass::Lead),
        ] {
            assert_eq!(
                decode(&format!(
                    "https://alb.reddit.com/rp.gif?id=a2_x&event={event}"
                ))[0]
                    .class,
                class
            );
        }
    }

    #[test]
    fn bad_products_stay_as_sent() {
        let hit = &decode("https://alb.reddit.com/rp.gif?id=a2_x&event=AddToCart&m.products=%5Bnot%20json&m.valueDecimal=%2410")[0];
        assert_eq!(hit.params["items"], json!("[not json"));
        assert!(!hit.params.contains_key("content_ids"));
        assert_eq!(hit.params["value"], json!("$10"));
    }

    /// `sha256("1001")` and `sha256("order-1001")`, hex, as the current library sends them.
    const TID_1001: &str = "fe675fe7aaee830b6fed09b64e034f84dcbdaeb429d9cccd4ebb90e15af8dd71";
    const CID_ORDER_1001: &str = "50ac93f41009bb5828fbeb9b39ca5129a5888ba493196a343d69c38b2df5a412";

    #[test]
    fn hashed_ids_are_decoded_and_marked_hashed() {
        let url = format!("https://alb.reddit.com/rp.gif?ts=1764862391000&id=a2_abc123z&event=Purchase&m.itemCount=2&m.value=&m.valueDecimal=74.5&m.currency=EUR&m.transactionId={TID_1001}&m.customEventName=&m.products=&m.conversionId={CID_ORDER_1001}&uuid=0c7941b1-3509-45a8-9eb8-8a6ff0c50f65&aaid=&external_id=&idfa=&integration=reddit&partner=&partner_version=&opt_out=0&sh=1440&sw=2560&v=rdt_bdf78704&dpm=&dpcc=&dprc=&em=&pn=");
        let hit = &decode(&url)[0];
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["event_id"], json!(CID_ORDER_1001));
        assert_eq!(hit.params["transaction_id"], json!(TID_1001));
        assert_eq!(hit.params["hashed"], json!(["event_id", "transaction_id"]));
        assert_eq!(hit.params["value"], json!(74.5));
        let plain = &decode("https://alb.reddit.com/rp.gif?id=a2_x&event=Purchase&m.conversionId=order-1001&m.transactionId=1001")[0];
        assert!(
            !plain.params.contains_key("hashed"),
            "plain ids (older library) are not marked"
        );
    }

    #[test]
    fn json_posts_to_rp_are_decoded() {
        let post = |body: &str| {
            let mut request = CapturedRequest::new(
                "POST",
                "https://alb.reddit.com/rp?id=a2_abc123z&event=Custom",
                Some(body),
            );
            request.content_type = Some("application/json".into());
            Reddit.decode(&request)
        };
        let nested = format!(r#"{{"ts":1764862391000,"id":"a2_abc123z","event":"Custom","m":{{"customEventName":"QuizDone","itemCount":1,"valueDecimal":5.5,"currency":"EUR","conversionId":"{CID_ORDER_1001}","transactionId":"","products":[{{"id":"SKU-1","name":"Blue Mug"}}]}},"uuid":"0c7941b1-3509-45a8-9eb8-8a6ff0c50f65","integration":"reddit","opt_out":0,"v":"rdt_bdf78704"}}"#);
        let hits = post(&nested);
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("a2_abc123z"));
        assert_eq!(hit.event.as_deref(), Some("QuizDone"));
        assert_eq!(hit.params["value"], json!(5.5));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["num_items"], json!(1.0));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1"]));
        assert_eq!(hit.params["event_id"], json!(CID_ORDER_1001));
        assert_eq!(hit.params["hashed"], json!(["event_id"]));
        assert!(!hit.params.contains_key("transaction_id"));
        assert_eq!(hit.params["consent"], json!({"opt_out": "0"}));

        let flat = format!(r#"{{"event":"Purchase","m.valueDecimal":"74.5","m.currency":"EUR","m.transactionId":"{TID_1001}"}}"#);
        let hit = &post(&flat)[0];
        assert_eq!(hit.event.as_deref(), Some("Purchase"), "the body wins");
        assert_eq!(hit.account.as_deref(), Some("a2_abc123z"), "id from the query");
        assert_eq!(hit.params["transaction_id"], json!(TID_1001));
        assert_eq!(hit.params["hashed"], json!(["transaction_id"]));
        let metadata = post(r#"{"event":"AddToCart","metadata":{"itemCount":2,"value":"19.9"}}"#);
        assert_eq!(metadata[0].params["num_items"], json!(2.0));
        assert_eq!(metadata[0].class, EventClass::AddToCart);
        assert!(decode("https://alb.reddit.com/rpx?id=a2_x&event=PageVisit").is_empty());
    }

    #[test]
    fn loader_and_look_alikes() {
        assert_eq!(
            decode("https://www.redditstatic.com/ads/pixel.js")[0].kind,
            HitKind::Loader
        );
        assert_eq!(
            decode("https://www.redditstatic.com/ads/v2/pixel.js")[0].kind,
            HitKind::Loader
        );
        assert!(decode("https://www.reddit.com/static/pixel.png").is_empty());
        assert!(
            decode("https://alb.reddit.com.evil.test/rp.gif?id=a2_x&event=PageVisit").is_empty()
        );
        assert!(decode("https://notreddit.com/rp.gif?id=a2_x&event=PageVisit").is_empty());
    }
}
