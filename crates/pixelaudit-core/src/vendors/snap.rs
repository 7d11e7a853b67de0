//! Snap Pixel: `scevent.min.js` loader and event posts to `tr.snapchat.com/p`: a JSON batch
//! (`{"ctx": {…}, "req": [{"t": {…event…}}, …]}`, the current library) or one form-encoded event.

use std::collections::BTreeMap;

use serde_json::Value;

use super::params::{
    flatten_json, host, json_body, list_value, number_or_string, parse_url, query_and_form,
};
use super::{Decoder, EventClass, Hit, Vendor, SNAP};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for the Snap Pixel.
pub(crate) struct Snap;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "snap",
    display: "Snap Pixel",
    id_format: "a pixel id in UUID form, e.g. b2ade379-a55e-4ca7-893b-b9fac04c843f",
    decoder: &Snap,
    events: &[
        "PAGE_VIEW",
        "VIEW_CONTENT",
        "ADD_CART",
        "START_CHECKOUT",
        "ADD_BILLING",
        "PURCHASE",
        "SIGN_UP",
        "SEARCH",
        "SAVE",
        "SUBSCRIBE",
        "LIST_VIEW",
    ],
    repeats: Repeats::Events(&[]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: true,
        conversion_event_id: None,
    },
    // The same keys in a JSON batch's `t` entries and in form posts; a batch's `ctx`
    // fills what an event leaves out for currency, transaction_id and page_url.
    sources: &[
        ("value", "e_pr"),
        ("currency", "e_cur"),
        ("content_ids", "e_iids (a JSON list, or a JSON-encoded or separated string)"),
        ("num_items", "e_ni"),
        ("transaction_id", "e_tid"),
        ("event_id", "cdid, else e_client_dedup_id or client_dedup_id (older captures), in JSON batches and form posts alike"),
        ("items", "not decoded: Snap events carry no item list"),
        ("page_url", "pl"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
    // `scevent.min.js`.
    script_hosts: &["sc-static.net"],
};

impl Decoder for Snap {
    fn vendor(&self) -> Vendor {
        SNAP
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let host = host(&url);
        if host == "sc-static.net" {
            if url.path() == "/scevent.min.js" {
                return vec![Hit::loader(SNAP, None)];
            }
            return Vec::new();
        }
        // `/cm/i` and `/cm/p` are cookie matching, not events.
        if !matches!(host, "tr.snapchat.com" | "tr6.snapchat.com")
            || url.path().trim_end_matches('/') != "/p"
        {
            return Vec::new();
        }
        if let Some(batch) = json_batch(request) {
            return batch;
        }
        let map = query_and_form(&url, request);
        let fields: BTreeMap<String, Value> = map
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        event_hit(&fields, &BTreeMap::new()).into_iter().collect()
    }
}

/// The events of a JSON batch (`{"ctx": {…}, "req": [{"t": {…}}, {"i": …}, {"log": …}]}`), one
/// hit per `t` entry; `None` when the body is not such a batch (then it is form-encoded).
fn json_batch(request: &CapturedRequest) -> Option<Vec<Hit>> {
    if !request.body.as_deref()?.trim_start().starts_with('{') {
        return None;
    }
    let body = json_body(request)?;
    let entries = body.get("req")?.as_array()?;
    let context: BTreeMap<String, Value> = match body.get("ctx") {
        Some(ctx @ Value::Object(_)) => flatten_json(ctx),
        _ => BTreeMap::new(),
    };
    Some(
        entries
            .iter()
            .filter_map(|entry| match entry.get("t") {
                Some(Value::Object(event)) => {
                    let fields = event.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                    event_hit(&fields, &context)
                }
                _ => None,
            })
            .collect(),
    )
}

/// One event from its fields (form values as strings, JSON values as sent), with the batch's
/// shared context for what the event leaves out. `None` when it names no event: a request
/// Snap's library never sends as an event is not counted as one.
fn event_hit(fields: &BTreeMap<String, Value>, context: &BTreeMap<String, Value>) -> Option<Hit> {
    let text = |key: &str| {
        fields
            .get(key)
            .or_else(|| context.get(key))
            .and_then(scalar_text)
    };
    let event = text("ev")?;
    let mut hit = Hit::event(SNAP, text("pid"), Some(event.clone())).with_class(class_of(&event));
    let get = |key: &str| fields.get(key).filter(|v| scalar_text(v).is_some() || is_list(v));
    hit.set("value", get("e_pr").map(number));
    hit.set("currency", text("e_cur").map(Value::String));
    hit.set("content_ids", get("e_iids").map(ids));
    hit.set("num_items", get("e_ni").map(number));
    hit.set("transaction_id", text("e_tid").map(Value::String));
    // `client_dedup_id` goes out as `cdid`; older captures spell it out.
    hit.set(
        "event_id",
        ["cdid", "e_client_dedup_id", "client_dedup_id"]
            .iter()
            .find_map(|key| fields.get(*key).and_then(scalar_text))
            .map(Value::String),
    );
    hit.set("page_url", text("pl").map(Value::String));
    let mut raw: BTreeMap<String, Value> = context
        .iter()
        .map(|(k, v)| (format!("ctx.{k}"), v.clone()))
        .collect();
    raw.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    hit.raw = raw;
    Some(hit)
}

/// A non-empty string, or a number written out.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_list(value: &Value) -> bool {
    value.as_array().is_some_and(|a| !a.is_empty())
}

/// A price or count: JSON numbers as sent, strings coerced when wholly numeric.
fn number(value: &Value) -> Value {
    match value {
        Value::String(s) => number_or_string(s),
        other => other.clone(),
    }
}

/// Item ids: a JSON array (numbers written out) or a JSON-encoded / separated string.
fn ids(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter_map(scalar_text)
                .map(Value::String)
                .collect(),
        ),
        Value::String(s) => list_value(s),
        other => Value::Array(vec![Value::String(other.to_string())]),
    }
}

fn class_of(event: &str) -> EventClass {
    match event {
        "PAGE_VIEW" => EventClass::PageView,
        "VIEW_CONTENT" => EventClass::ViewContent,
        "LIST_VIEW" => EventClass::ViewCategory,
        "SEARCH" => EventClass::Search,
        "ADD_CART" => EventClass::AddToCart,
        "START_CHECKOUT" => EventClass::BeginCheckout,
        "ADD_BILLING" => EventClass::AddPaymentInfo,
        "PURCHASE" => EventClass::Purchase,
        "SIGN_UP" | "SUBSCRIBE" => EventClass::Lead,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;
    use serde_json::json;

    const PID: &str = "b2ade379-a55e-4ca7-893b-b9fac04c843f";

    fn post(url: &str, body: &str) -> Vec<Hit> {
        let mut request = CapturedRequest::new("POST", url, Some(body));
        request.content_type = Some("application/x-www-form-urlencoded".into());
        Snap.decode(&request)
    }

    #[test]
    fn page_view_is_decoded() {
        let body = format!("pid={PID}&ev=PAGE_VIEW&pl=https%3A%2F%2Fshop.test%2F&ts=1583875341291&rf=&v=1.4&if=false&bt=__LIVE__&e_desc=Example+Page&u_hem=f660ab91&u_c1=842d7ddb-e7ea-478c-85a7-cd256905dd2c&m_sl=7889&m_pi=287");
        let hits = post("https://tr.snapchat.com/p", &body);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].account.as_deref(), Some(PID));
        assert_eq!(hits[0].event.as_deref(), Some("PAGE_VIEW"));
        assert_eq!(hits[0].class, EventClass::PageView);
        assert_eq!(hits[0].params["page_url"], json!("https://shop.test/"));
        assert_eq!(hits[0].raw["e_desc"], json!("Example Page"));
        assert!(!hits[0].params.contains_key("value"));
    }

    #[test]
    fn purchase_is_decoded_with_ids_and_dedup_id() {
        let body = format!("pid={PID}&ev=PURCHASE&pl=https%3A%2F%2Fshop.test%2Fthank-you&e_pr=59.90&e_cur=EUR&e_iids=%5B%22SKU-1%22%2C%22SKU-2%22%5D&e_ni=2&e_tid=1001&e_client_dedup_id=order-1001&ts=1");
        let hits = post("https://tr6.snapchat.com/p", &body);
        let hit = &hits[0];
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(59.9));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.params["num_items"], json!(2.0));
        assert_eq!(hit.params["transaction_id"], json!("1001"));
        assert_eq!(hit.params["event_id"], json!("order-1001"));
    }

    #[test]
    fn separated_ids_and_plain_dedup_key() {
        let body = format!(
            "pid={PID}&ev=ADD_CART&e_iids=SKU-1%3BSKU-2,SKU-3&client_dedup_id=atc-1&e_pr=%2419"
        );
        let hits = post("https://tr.snapchat.com/p", &body);
        assert_eq!(hits[0].class, EventClass::AddToCart);
        assert_eq!(
            hits[0].params["content_ids"],
            json!(["SKU-1", "SKU-2", "SKU-3"])
        );
        assert_eq!(hits[0].params["event_id"], json!("atc-1"));
        assert_eq!(hits[0].params["value"], json!("$19"));
        for (ev, class) in [
            ("VIEW_CONTENT", EventClass::ViewContent),
            ("START_CHECKOUT", EventClass::BeginCheckout),
            ("ADD_BILLING", EventClass::AddPaymentInfo),
            ("SIGN_UP", EventClass::Lead),
            ("SAVE", EventClass::Other),
        ] {
            assert_eq!(
                post("https://tr.snapchat.com/p", &format!("pid={PID}&ev={ev}"))[0].class,
                class
            );
        }
    }

    #[test]
    fn loader_cookie_match_and_look_alikes() {
        let loader = Snap.decode(&CapturedRequest::new(
            "GET",
            "https://sc-static.net/scevent.min.js",
            None,
        ));
        assert_eq!(loader[0].kind, HitKind::Loader);
        assert!(post("https://tr.snapchat.com/cm/i?pid=b2ade379", "").is_empty());
        assert!(post(
            "https://tr.snapchat.com/cm/p?rand=1583799227113&pnid=110&pcid=",
            ""
        )
        .is_empty());
        assert!(post(
            "https://tr.snapchat.com.evil.test/p",
            &format!("pid={PID}&ev=PURCHASE")
        )
        .is_empty());
        assert!(post("https://snapchat.com/p", &format!("pid={PID}&ev=PURCHASE")).is_empty());
        assert!(
            post("https://tr.snapchat.com/p", "\u{0}&&==%ZZ").is_empty(),
            "a post with no event name is not a (nameless) event"
        );
        assert!(post("https://tr.snapchat.com/p", &format!("pid={PID}&ts=1")).is_empty());
    }

    fn post_json(body: &str) -> Vec<Hit> {
        let mut request = CapturedRequest::new("POST", "https://tr.snapchat.com/p", Some(body));
        request.content_type = Some("application/json".into());
        Snap.decode(&request)
    }

    const CTX: &str = r#""ctx":{"v":"3.35.2-2511251631","u_c1":"842d7ddb-e7ea-478c-85a7-cd256905dd2c","bt":"1d53c387","pl":"https://shop.test/thank-you?order=1001","rf":"https://shop.test/checkout","if":false,"m_sh":1440,"m_sw":2560}"#;

    #[test]
    fn a_json_batch_gives_one_hit_per_event() {
        let body = format!(
            r#"{{{CTX},"req":[{{"t":{{"pid":"{PID}","ev":"PAGE_VIEW","ts":1764862391000,"trackId":"1c4a6c0e-0d8b-4a7e-9d0e-4f5d2b7c1a11"}}}},{{"i":{{"pids":["{PID}"],"u":"5b0f4a8e-3d0e-4d9c-9f3e-7b1c2a6d8e90"}}}},{{"t":{{"pid":"{PID}","ev":"PURCHASE","e_pr":74.5,"e_cur":"EUR","e_tid":"1001","e_iids":["SKU-1","SKU-2"],"e_ni":2,"cdid":"purchase-1001","ts":1764862391004}}}},{{"t":{{"pid":"{PID}","ev":"ADD_CART","e_pr":"19.90","e_cur":"EUR","e_iids":[4711],"cdid":"atc-7","pl":"https://shop.test/products/mug"}}}},{{"log":{{"c":"MD","m":"microdata"}}}}]}}"#
        );
        let hits = post_json(&body);
        assert_eq!(hits.len(), 3, "{hits:?}");
        let events: Vec<_> = hits.iter().map(|h| h.event.as_deref().unwrap()).collect();
        assert_eq!(events, ["PAGE_VIEW", "PURCHASE", "ADD_CART"]);
        assert!(hits.iter().all(|h| h.account.as_deref() == Some(PID)));
        assert_eq!(hits[0].class, EventClass::PageView);
        assert_eq!(
            hits[0].params["page_url"],
            json!("https://shop.test/thank-you?order=1001"),
            "the batch context gives what the event leaves out"
        );
        assert!(!hits[0].params.contains_key("event_id"));
        assert_eq!(hits[0].raw["ctx.v"], json!("3.35.2-2511251631"));

        let purchase = &hits[1];
        assert_eq!(purchase.class, EventClass::Purchase);
        assert_eq!(purchase.params["value"], json!(74.5));
        assert_eq!(purchase.params["currency"], json!("EUR"));
        assert_eq!(purchase.params["transaction_id"], json!("1001"));
        assert_eq!(purchase.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(purchase.params["num_items"], json!(2));
        assert_eq!(purchase.params["event_id"], json!("purchase-1001"));
        assert_eq!(purchase.raw["e_pr"], json!(74.5));

        let cart = &hits[2];
        assert_eq!(cart.class, EventClass::AddToCart);
        assert_eq!(cart.params["value"], json!(19.9), "a numeric string is a number");
        assert_eq!(cart.params["content_ids"], json!(["4711"]));
        assert_eq!(cart.params["event_id"], json!("atc-7"));
        assert_eq!(
            cart.params["page_url"],
            json!("https://shop.test/products/mug"),
            "the event's own page wins over the context's"
        );
        assert!(!cart.params.contains_key("transaction_id"));
    }

    #[test]
    fn pings_and_logs_are_not_events() {
        let body = format!(
            r#"{{{CTX},"req":[{{"i":{{"pids":["{PID}"],"u":"5b0f4a8e"}}}},{{"log":{{"c":"ERR","m":"TPF"}}}}]}}"#
        );
        assert!(post_json(&body).is_empty());
        assert!(post_json(r#"{"ctx":{},"req":[]}"#).is_empty());
        assert!(
            post_json(&format!(r#"{{"req":[{{"t":{{"pid":"{PID}","e_pr":1}}}}]}}"#)).is_empty(),
            "an entry without an event name is not an event"
        );
        assert!(post_json(r#"{"req":"#).is_empty(), "broken JSON");
    }

    #[test]
    fn form_posts_carry_the_dedup_id_as_cdid() {
        let body = format!("pid={PID}&ev=PURCHASE&e_pr=59.9&e_cur=EUR&e_tid=1001&e_iids=SKU-1%2CSKU-2&cdid=purchase-1001&v=1.5");
        let hit = &post("https://tr.snapchat.com/p", &body)[0];
        assert_eq!(hit.params["event_id"], json!("purchase-1001"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        let noscript = Snap.decode(&CapturedRequest::new(
            "GET",
            &format!("https://tr.snapchat.com/p?pid={PID}&ev=PAGE_VIEW&noscript=1"),
            None,
        ));
        assert_eq!(noscript[0].class, EventClass::PageView);
    }
}
