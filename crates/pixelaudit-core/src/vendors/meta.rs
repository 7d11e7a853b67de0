//! Meta Pixel: `fbevents.js` / `signals/config` loaders and `facebook.com/tr` hits.

use serde_json::{json, Value};

use super::params::{
    host, host_is, ids_from, json_or_string, non_empty, number_or_string, parse_url,
    query_and_form, raw_strings,
};
use super::{Decoder, EventClass, Hit, Vendor, META};
use crate::model::HitKind;
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for the Meta Pixel.
pub(crate) struct Meta;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "meta",
    display: "Meta (Facebook) Pixel",
    id_format: "a 15–16 digit pixel id, e.g. 1234567890123456",
    decoder: &Meta,
    events: &[
        "PageView",
        "ViewContent",
        "Search",
        "AddToCart",
        "AddToWishlist",
        "InitiateCheckout",
        "AddPaymentInfo",
        "Purchase",
        "Lead",
        "CompleteRegistration",
        "Contact",
        "CustomizeProduct",
        "Donate",
        "FindLocation",
        "Schedule",
        "StartTrial",
        "SubmitApplication",
        "Subscribe",
    ],
    repeats: Repeats::Events(&[]),
    automatic: &["Microdata", "SubscribedButtonClick"],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: false,
        conversion_event_id: Some("eid"),
    },
    // Read from the `/tr` query string or form body.
    sources: &[
        ("value", "cd[value]"),
        ("currency", "cd[currency]"),
        ("content_ids", "cd[content_ids] (a JSON list), else the id of each cd[contents] entry"),
        ("content_type", "cd[content_type]"),
        ("items", "cd[contents] (URL-encoded JSON)"),
        ("num_items", "cd[num_items]"),
        ("transaction_id", "cd[order_id]"),
        ("event_id", "eid"),
        ("page_url", "dl"),
        ("consent", "dpo, dpoco, dpost (as consent.dpo, …)"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
    // fbevents.js, the per-pixel `signals/config/<id>` and the plugins under `signals/plugins/`.
    script_hosts: &["connect.facebook.net"],
};

const MIRROR_PATH: &str = "/privacy_sandbox/pixel/register/trigger";

impl Decoder for Meta {
    fn vendor(&self) -> Vendor {
        META
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let host = host(&url);
        let path = url.path();
        if host == "connect.facebook.net" {
            if path.ends_with("/fbevents.js") {
                return vec![Hit::loader(META, None)];
            }
            if let Some(rest) = path.strip_prefix("/signals/config/") {
                let id = rest.trim_end_matches('/').to_string();
                return vec![Hit::loader(
                    META,
                    Some(id).filter(|s| !s.is_empty()),
                )];
            }
            return Vec::new();
        }
        if !host_is(host, "facebook.com") {
            return Vec::new();
        }
        let mirror = path.trim_end_matches('/') == MIRROR_PATH;
        if !(mirror || path == "/tr" || path == "/tr/") {
            return Vec::new();
        }
        let map = query_and_form(&url, request);
        let event = non_empty(&map, "ev");
        let mut hit = Hit::event(META, non_empty(&map, "id"), event.clone())
            .with_class(class_of(event.as_deref().unwrap_or("")));
        // fbevents.js sends these by itself: `Microdata` carries the page's JSON-LD / OpenGraph
        // / schema.org data (`cd[...]`, kept in `raw`), `SubscribedButtonClick` a button's text.
        if event
            .as_deref()
            .is_some_and(|e| PROFILE.automatic.contains(&e))
        {
            hit.kind = HitKind::Automatic;
        }
        hit.set("value", map.get("cd[value]").map(|v| number_or_string(v)));
        hit.set("currency", map.get("cd[currency]").map(|v| json!(v)));
        // `cd[contents]` is URL-encoded JSON, `[{"id":…,"quantity":…,"item_price":…}]`; a hit
        // that sends only it (no `cd[content_ids]`) still names its products through it.
        let contents = map.get("cd[contents]").map(|v| json_or_string(v));
        hit.set(
            "content_ids",
            map.get("cd[content_ids]")
                .map(|v| json_or_string(v))
                .or_else(|| contents.as_ref().and_then(|c| ids_from(c, "id"))),
        );
        hit.set(
            "content_type",
            map.get("cd[content_type]").map(|v| json!(v)),
        );
        hit.set("items", contents);
        hit.set(
            "num_items",
            map.get("cd[num_items]").map(|v| number_or_string(v)),
        );
        hit.set(
            "transaction_id",
            non_empty(&map, "cd[order_id]").map(Value::String),
        );
        hit.set("event_id", non_empty(&map, "eid").map(Value::String));
        hit.set("page_url", non_empty(&map, "dl").map(Value::String));
        let consent: serde_json::Map<String, Value> = ["dpo", "dpoco", "dpost"]
            .iter()
            .filter_map(|k| map.get(*k).map(|v| (k.to_string(), json!(v))))
            .collect();
        if !consent.is_empty() {
            hit.set("consent", Some(Value::Object(consent)));
        }
        // The mirror repeats the /tr query string exactly; fold on it.
        hit.fold_key = Some(
            map.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        );
        hit.mirror = mirror;
        hit.raw = raw_strings(&map);
        vec![hit]
    }
}

fn class_of(event: &str) -> EventClass {
    match event {
        "PageView" => EventClass::PageView,
        "ViewContent" => EventClass::ViewContent,
        "Search" => EventClass::Search,
        "AddToCart" => EventClass::AddToCart,
        "InitiateCheckout" => EventClass::BeginCheckout,
        "AddPaymentInfo" => EventClass::AddPaymentInfo,
        "Purchase" => EventClass::Purchase,
        "Lead" | "CompleteRegistration" | "Subscribe" => EventClass::Lead,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(method: &str, url: &str, body: Option<&str>) -> Vec<Hit> {
        Meta.decode(&CapturedRequest::new(method, url, body))
    }

    #[test]
    fn purchase_image_hit_is_decoded_with_custom_data() {
        let hits = decode(
            "GET",
            "https://www.facebook.com/tr/?id=1234567890123456&ev=Purchase&dl=https%3A%2F%2Fshop.test%2Fthank-you&rl=&if=false&ts=1795868197514&cd[value]=59.90&cd[currency]=EUR&cd[content_ids]=%5B%22SKU-1%22%2C%22SKU-2%22%5D&cd[content_type]=product&cd[num_items]=2&eid=order-1001&v=2.9.156&r=stable&ec=2&o=4126&it=1795868197000&coo=false&rqm=GET",
            None,
        );
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("1234567890123456"));
        assert_eq!(hit.event.as_deref(), Some("Purchase"));
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(59.9));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.params["num_items"], json!(2.0));
        assert_eq!(hit.params["event_id"], json!("order-1001"));
        assert_eq!(hit.params["page_url"], json!("https://shop.test/thank-you"));
        assert_eq!(hit.raw["rqm"], json!("GET"));
        assert!(!hit.mirror);
    }

    #[test]
    fn beacon_post_body_is_merged_with_query() {
        let hits = decode(
            "POST",
            "https://www.facebook.com/tr/",
            Some(
                "id=1234567890123456&ev=AddToCart&cd%5Bvalue%5D=%2410&cd%5Bcurrency%5D=USD&rqm=SB",
            ),
        );
        assert_eq!(hits[0].event.as_deref(), Some("AddToCart"));
        assert_eq!(hits[0].class, EventClass::AddToCart);
        assert_eq!(
            hits[0].params["value"],
            json!("$10"),
            "non-numeric value kept as sent"
        );
        assert!(!hits[0].params.contains_key("event_id"));
    }

    #[test]
    fn contents_fill_content_ids_when_content_ids_is_absent() {
        // As fbevents 2.9.x sends a `contents`-only event: the array URL-encoded in the query.
        let hits = decode(
            "GET",
            "https://www.facebook.com/tr/?id=1234567890123456&ev=AddToCart&dl=https%3A%2F%2Fshop.test%2Fproducts%2Flinen-shirt&rl=&if=false&ts=1795868197514&cd[contents]=%5B%7B%22id%22%3A%22SKU-1%22%2C%22quantity%22%3A2%2C%22item_price%22%3A29.95%7D%2C%7B%22id%22%3A4642%2C%22quantity%22%3A1%2C%22item_price%22%3A5%7D%5D&cd[content_type]=product&cd[value]=64.9&cd[currency]=EUR&sw=1280&sh=1024&v=2.9.207&r=stable&ec=3&o=4126&it=1795868197000&coo=false&rqm=GET",
            None,
        );
        let hit = &hits[0];
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "4642"]));
        assert_eq!(hit.params["items"][0]["quantity"], json!(2));
        assert_eq!(hit.params["items"][1]["item_price"], json!(5));
        // The same in a sendBeacon form body.
        let beacon = decode(
            "POST",
            "https://www.facebook.com/tr/",
            Some("id=1234567890123456&ev=Purchase&cd%5Bcontents%5D=%5B%7B%22id%22%3A%22SKU-9%22%2C%22quantity%22%3A1%7D%5D&cd%5Bvalue%5D=10&cd%5Bcurrency%5D=EUR&rqm=SB"),
        );
        assert_eq!(beacon[0].params["content_ids"], json!(["SKU-9"]));
        // `cd[content_ids]` wins when both are sent.
        let both = decode(
            "GET",
            "https://www.facebook.com/tr/?id=1&ev=ViewContent&cd[content_ids]=%5B%22P-1%22%5D&cd[contents]=%5B%7B%22id%22%3A%22V-1%22%2C%22quantity%22%3A1%7D%5D",
            None,
        );
        assert_eq!(both[0].params["content_ids"], json!(["P-1"]));
        // Contents that are not a JSON array of objects with ids give no content ids.
        for contents in ["%5B%7B%27id%27%3A%20%27S-1%27%7D%5D", "%5B%7B%22quantity%22%3A1%7D%5D"] {
            let hits = decode(
                "GET",
                &format!("https://www.facebook.com/tr/?id=1&ev=AddToCart&cd[contents]={contents}"),
                None,
            );
            assert!(!hits[0].params.contains_key("content_ids"), "{contents}");
            assert!(hits[0].params.contains_key("items"), "kept as sent");
        }
    }

    #[test]
    fn loaders_and_mirror_are_recognised() {
        let l = decode(
            "GET",
            "https://connect.facebook.net/en_US/fbevents.js",
            None,
        );
        assert_eq!(l[0].kind, crate::model::HitKind::Loader);
        let c = decode(
            "GET",
            "https://connect.facebook.net/signals/config/1234567890123456?v=2.9.156&r=stable",
            None,
        );
        assert_eq!(c[0].account.as_deref(), Some("1234567890123456"));
        let m = decode(
            "GET",
            "https://www.facebook.com/privacy_sandbox/pixel/register/trigger/?id=1&ev=PageView",
            None,
        );
        assert!(m[0].mirror);
    }

    #[test]
    fn automatic_events_are_automatic_hits_with_their_data() {
        let microdata = decode(
            "GET",
            "https://www.facebook.com/tr/?id=1234567890123456&ev=Microdata&dl=https%3A%2F%2Fshop.test%2Fproducts%2Fmug&cd[DataLayer]=%5B%5D&cd[Meta]=%7B%22title%22%3A%22Mug%22%7D&cd[OpenGraph]=%7B%22og%3Atype%22%3A%22product%22%7D&cd[Schema.org]=%5B%5D&cd[JSON-LD]=%5B%7B%22%40type%22%3A%22Product%22%2C%22sku%22%3A%22MUG-1%22%7D%5D&v=2.9.207",
            None,
        );
        assert_eq!(microdata.len(), 1);
        let hit = &microdata[0];
        assert_eq!(hit.kind, HitKind::Automatic);
        assert_eq!(hit.event.as_deref(), Some("Microdata"));
        assert_eq!(hit.account.as_deref(), Some("1234567890123456"));
        assert_eq!(hit.class, EventClass::Other);
        assert_eq!(hit.params["page_url"], json!("https://shop.test/products/mug"));
        assert_eq!(
            hit.raw["cd[JSON-LD]"],
            json!(r#"[{"@type":"Product","sku":"MUG-1"}]"#)
        );
        let click = decode(
            "GET",
            "https://www.facebook.com/tr/?id=1&ev=SubscribedButtonClick&cd[buttonText]=Add%20to%20cart",
            None,
        );
        assert_eq!(click[0].kind, HitKind::Automatic);
        assert_eq!(click[0].raw["cd[buttonText]"], json!("Add to cart"));
        let page_view = decode("GET", "https://www.facebook.com/tr/?id=1&ev=PageView", None);
        assert_eq!(page_view[0].kind, HitKind::Event);
    }

    #[test]
    fn unrelated_urls_are_ignored() {
        assert!(decode("GET", "https://www.facebook.com/login", None).is_empty());
        assert!(decode("GET", "https://notfacebook.com/tr/?id=1&ev=PageView", None).is_empty());
    }

    #[test]
    fn ldu_consent_is_kept() {
        let hits = decode(
            "GET",
            "https://www.facebook.com/tr?id=1&ev=PageView&dpo=LDU&dpoco=0&dpost=0",
            None,
        );
        assert_eq!(hits[0].params["consent"]["dpo"], json!("LDU"));
    }
}
