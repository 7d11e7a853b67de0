//! Google Analytics 4: `/g/collect` hits on Google's hosts and first-party (server-side GTM) hosts.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::params::{
    form_map, google_consent, host, host_is, ids_from, non_empty, number_or_string, parse_url,
    query_map, raw_strings,
};
use super::{Decoder, EventClass, Hit, Vendor, GA4};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for GA4 `/g/collect` hits (one hit per event line of a batched body).
pub(crate) struct Ga4;

/// Google's recommended gtag events, shared by GA4 and Google Ads.
pub(crate) const GOOGLE_EVENTS: &[&str] = &[
    "page_view",
    "view_item",
    "view_item_list",
    "select_item",
    "search",
    "view_search_results",
    "add_to_cart",
    "remove_from_cart",
    "view_cart",
    "begin_checkout",
    "add_shipping_info",
    "add_payment_info",
    "purchase",
    "refund",
    "generate_lead",
    "sign_up",
    "login",
    "add_to_wishlist",
    "view_promotion",
    "select_promotion",
    "conversion",
    "gtag.config",
];

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "ga4",
    display: "Google Analytics 4",
    id_format: "a measurement id, G- then letters and digits, e.g. G-ABC123XYZ",
    decoder: &Ga4,
    events: GOOGLE_EVENTS,
    repeats: Repeats::Events(&[
        "user_engagement",
        "scroll",
        "click",
        "form_start",
        "video_progress",
    ]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: true,
        conversion_event_id: None,
    },
    // Read from the query merged with each line of a batched body.
    sources: &[
        ("value", "epn.value (a number), else ep.value (kept as a string)"),
        ("currency", "cu, else ep.currency"),
        ("transaction_id", "ep.transaction_id"),
        ("event_id", "ep.event_id"),
        ("content_ids", "the id (`id…`) of each pr1, pr2, … item"),
        ("items", "pr1, pr2, … (`~`-separated item fields: id, nm, pr, qt, …)"),
        ("num_items", "not decoded: GA4 hits carry no item count"),
        ("page_url", "dl"),
        ("consent", "gcs, gcd, dma, dma_cps, npa; gcs/gcd also as consent.ad_storage, analytics_storage, ad_user_data, ad_personalization"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: Some("analytics_storage"),
        exempt_by_default: false,
    },
    loaded_by: Some(super::GTM),
    aliases: &[],
    // GA4 has no script of its own: gtag.js and GTM containers are the `gtm` vendor's.
    script_hosts: &[],
};

impl Decoder for Ga4 {
    fn vendor(&self) -> Vendor {
        GA4
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        // `stats.g.doubleclick.net/g/collect` is the Google signals / ads sync, not an event.
        if host_is(host(&url), "doubleclick.net")
            || !url.path().trim_end_matches('/').ends_with("/g/collect")
        {
            return Vec::new();
        }
        let shared = query_map(&url);
        // Batched bodies hold one event per line, each line a query string starting `en=`.
        let mut lines: Vec<BTreeMap<String, String>> = request
            .body
            .as_deref()
            .unwrap_or("")
            .split_ascii_whitespace()
            .map(form_map)
            .filter(|line| line.contains_key("en"))
            .collect();
        if lines.is_empty() {
            lines.push(BTreeMap::new());
        }
        lines
            .into_iter()
            .filter_map(|line| {
                let mut map = shared.clone();
                map.extend(line);
                event_hit(map)
            })
            .collect()
    }
}

/// One event's hit from its merged (request + event line) parameters.
///
/// The GA4 shape is what makes a `/g/collect` request on any host (the Google tag gateway, a
/// server-side container on the store's domain) GA4's: `v=2`, an event (`en`), and a `G-`
/// measurement id when there is a `tid` at all. A hit without a `tid` is still GA4's, for an
/// unknown stream (`account: None`); a non-`G-` `tid` is another tool's look-alike.
fn event_hit(map: BTreeMap<String, String>) -> Option<Hit> {
    if map.get("v").map(String::as_str) != Some("2") {
        return None;
    }
    let event = non_empty(&map, "en")?;
    let tid = match non_empty(&map, "tid") {
        Some(tid) if tid.starts_with("G-") => Some(tid),
        Some(_) => return None,
        None => None,
    };
    let mut hit = Hit::event(GA4, tid, Some(event.clone())).with_class(class_of(&event));
    // `epn.` params were pushed as numbers; a value in `ep.value` was pushed as a string.
    let value = match map.get("epn.value") {
        Some(v) => Some(number_or_string(v)),
        None => map.get("ep.value").map(|v| json!(v)),
    };
    hit.set("value", value);
    hit.set(
        "currency",
        non_empty(&map, "cu")
            .or_else(|| non_empty(&map, "ep.currency"))
            .map(Value::String),
    );
    hit.set(
        "transaction_id",
        map.get("ep.transaction_id").map(|v| json!(v)),
    );
    hit.set(
        "event_id",
        non_empty(&map, "ep.event_id").map(Value::String),
    );
    hit.set("page_url", non_empty(&map, "dl").map(Value::String));
    let items = items(&map);
    if !items.is_empty() {
        let items = Value::Array(items);
        hit.set("content_ids", ids_from(&items, "id"));
        hit.set("items", Some(items));
    }
    hit.set("consent", google_consent(&map));
    hit.raw = raw_strings(&map);
    Some(hit)
}

/// The `pr1`…`prN` item parameters, in index order, decoded into objects.
fn items(map: &BTreeMap<String, String>) -> Vec<Value> {
    let mut indexed: Vec<(u32, &String)> = map
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("pr")?.parse::<u32>().ok()?, v)))
        .collect();
    indexed.sort_by_key(|(index, _)| *index);
    indexed.into_iter().map(|(_, raw)| item(raw)).collect()
}

/// One `~`-separated item: two-letter key + value pairs, custom parameters as `k<n>name~v<n>value`.
fn item(raw: &str) -> Value {
    let mut item = Map::new();
    let mut custom_names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut custom_values: BTreeMap<&str, &str> = BTreeMap::new();
    for token in raw.split('~') {
        if let Some((index, rest)) = custom_part(token, 'k') {
            custom_names.insert(index, rest);
            continue;
        }
        if let Some((index, rest)) = custom_part(token, 'v') {
            custom_values.insert(index, rest);
            continue;
        }
        let Some(code) = token.get(..2) else {
            continue;
        };
        let value = &token[2..];
        let (key, value) = match code {
            "pr" | "qt" | "ds" | "lp" => (item_key(code), number_or_string(value)),
            _ => (item_key(code), json!(value)),
        };
        item.insert(key.unwrap_or(code).to_string(), value);
    }
    for (index, name) in custom_names {
        if let Some(value) = custom_values.get(index) {
            item.entry(name.to_string()).or_insert_with(|| json!(value));
        }
    }
    Value::Object(item)
}

/// Splits a custom item parameter token (`k0color`, `v0red`) into its index and the rest.
fn custom_part(token: &str, prefix: char) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(prefix)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| rest.split_at(digits))
}

/// The item field a two-letter item code stands for.
fn item_key(code: &str) -> Option<&'static str> {
    Some(match code {
        "id" => "id",
        "nm" => "name",
        "br" => "brand",
        "ca" => "category",
        "c2" => "category2",
        "c3" => "category3",
        "c4" => "category4",
        "c5" => "category5",
        "va" => "variant",
        "pr" => "price",
        "qt" => "quantity",
        "cp" => "coupon",
        "ds" => "discount",
        "ln" => "list_name",
        "li" => "list_id",
        "lp" => "index",
        "af" => "affiliation",
        "lo" => "location_id",
        "pi" => "promotion_id",
        "pn" => "promotion_name",
        "cn" => "creative_name",
        "cs" => "creative_slot",
        _ => return None,
    })
}

/// The class of a Google (gtag) recommended event name; Google Ads uses the same names.
pub(super) fn class_of(event: &str) -> EventClass {
    match event {
        "page_view" => EventClass::PageView,
        "view_item" => EventClass::ViewContent,
        "view_item_list" => EventClass::ViewCategory,
        "search" | "view_search_results" => EventClass::Search,
        "add_to_cart" => EventClass::AddToCart,
        "begin_checkout" => EventClass::BeginCheckout,
        "add_payment_info" => EventClass::AddPaymentInfo,
        "purchase" => EventClass::Purchase,
        "generate_lead" | "sign_up" => EventClass::Lead,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARED: &str = "v=2&tid=G-ABC123XYZ&gtm=45je5580v9&_p=1717171717171&gcs=G111&gcd=13r3r3r3r5l1&npa=0&dma=0&cid=1473268947.1717000000&ul=en-us&sr=1280x1024&_s=3&sid=1717000000&sct=1&seg=1&dl=https%3A%2F%2Fshop.test%2Fcheckouts%2Fthank-you&dr=&dt=Thank%20you";

    fn decode(method: &str, url: &str, body: Option<&str>) -> Vec<Hit> {
        Ga4.decode(&CapturedRequest::new(method, url, body))
    }

    #[test]
    fn single_page_view_in_query_is_decoded() {
        let hits = decode(
            "POST",
            "https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123XYZ&gtm=45je5580v9&_p=1&gcs=G100&cid=1.2&dl=https%3A%2F%2Fshop.test%2F&dt=Shop&en=page_view&_fv=1&_ss=1",
            Some(""),
        );
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("G-ABC123XYZ"));
        assert_eq!(hit.event.as_deref(), Some("page_view"));
        assert_eq!(hit.class, EventClass::PageView);
        assert_eq!(hit.params["page_url"], json!("https://shop.test/"));
        assert_eq!(hit.params["consent"]["ad_storage"], json!("denied"));
        assert_eq!(hit.params["consent"]["analytics_storage"], json!("denied"));
        assert_eq!(hit.raw["_fv"], json!("1"));
        assert!(!hit.params.contains_key("value"));
    }

    #[test]
    fn batched_body_gives_one_hit_per_line_with_shared_params() {
        let body = "en=purchase&_et=12&ep.transaction_id=1001&epn.value=59.9&cu=EUR&epn.tax=9.98&pr1=idSKU-1~nmBlue%20Mug~pr19.95~qt2~brAcme~caKitchen~vaBlue~k0color~v0blue&pr2=idSKU-2~nmSaucer~pr20~qt1\r\nen=user_engagement&_et=900";
        let url = format!("https://www.google-analytics.com/g/collect?{SHARED}");
        let hits = decode("POST", &url, Some(body));
        assert_eq!(hits.len(), 2);
        let purchase = &hits[0];
        assert_eq!(purchase.event.as_deref(), Some("purchase"));
        assert_eq!(purchase.class, EventClass::Purchase);
        assert_eq!(purchase.params["value"], json!(59.9));
        assert_eq!(purchase.params["currency"], json!("EUR"));
        assert_eq!(purchase.params["transaction_id"], json!("1001"));
        assert_eq!(purchase.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(
            purchase.params["items"][0],
            json!({"id": "SKU-1", "name": "Blue Mug", "price": 19.95, "quantity": 2.0,
                   "brand": "Acme", "category": "Kitchen", "variant": "Blue", "color": "blue"})
        );
        assert_eq!(purchase.params["items"][1]["quantity"], json!(1.0));
        assert_eq!(
            purchase.params["page_url"],
            json!("https://shop.test/checkouts/thank-you")
        );
        let consent = &purchase.params["consent"];
        assert_eq!(consent["gcs"], json!("G111"));
        assert_eq!(consent["ad_storage"], json!("granted"));
        assert_eq!(consent["ad_user_data"], json!("granted"));
        assert_eq!(consent["npa"], json!("0"));
        assert_eq!(purchase.raw["epn.tax"], json!("9.98"));
        assert_eq!(
            purchase.raw["tid"],
            json!("G-ABC123XYZ"),
            "query params merged under each line"
        );
        assert_eq!(hits[1].event.as_deref(), Some("user_engagement"));
        assert_eq!(hits[1].class, EventClass::Other);
        assert!(
            !hits[1].params.contains_key("transaction_id"),
            "line params do not leak"
        );
    }

    #[test]
    fn string_value_is_kept_as_sent() {
        let url = format!("https://www.google-analytics.com/g/collect?{SHARED}&en=add_to_cart&ep.value=19.95&cu=USD");
        let hits = decode("POST", &url, None);
        assert_eq!(hits[0].class, EventClass::AddToCart);
        assert_eq!(
            hits[0].params["value"],
            json!("19.95"),
            "ep.value means a string push"
        );
    }

    #[test]
    fn first_party_sgtm_host_is_decoded() {
        let hits = decode(
            "POST",
            "https://sgtm.shop.test/g/collect?v=2&tid=G-ABC123XYZ&en=view_item&dl=https%3A%2F%2Fshop.test%2Fproducts%2Fmug&pr1=idSKU-1~nmMug",
            None,
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].class, EventClass::ViewContent);
        assert_eq!(hits[0].params["content_ids"], json!(["SKU-1"]));
        assert!(
            decode(
                "POST",
                "https://shop.test/metrics/g/collect?v=2&tid=G-X1&en=page_view",
                None
            )
            .len()
                == 1
        );
    }

    #[test]
    fn tag_gateway_and_first_party_paths_are_decoded() {
        // The Google tag gateway (or a server-side container) on the store's own host, under a
        // measurement path: the same request gtag.js sends to Google, batched body included.
        let url = format!("https://shop.example/metrics/g/collect?{SHARED}");
        let body = "en=purchase&_et=12&ep.transaction_id=1001&epn.value=59.9&cu=EUR&pr1=idSKU-1~nmBlue%20Mug~pr19.95~qt2\r\nen=user_engagement&_et=900";
        let hits = decode("POST", &url, Some(body));
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].account.as_deref(), Some("G-ABC123XYZ"));
        assert_eq!(hits[0].class, EventClass::Purchase);
        assert_eq!(hits[0].params["transaction_id"], json!("1001"));
        assert_eq!(hits[0].params["content_ids"], json!(["SKU-1"]));
        assert_eq!(hits[0].params["consent"]["ad_storage"], json!("granted"));
        for url in [
            "https://www.shop.example/gtg/g/collect?v=2&tid=G-ABC123XYZ&gtm=45je5580v9&_p=1&cid=1.2&en=page_view&dl=https%3A%2F%2Fwww.shop.example%2F",
            "https://sgtm.shop.example/data/g/collect/?v=2&tid=G-ABC123XYZ&en=page_view",
        ] {
            let hits = decode("POST", url, Some(""));
            assert_eq!(hits.len(), 1, "{url}");
            assert_eq!(hits[0].account.as_deref(), Some("G-ABC123XYZ"), "{url}");
            assert_eq!(hits[0].class, EventClass::PageView, "{url}");
        }
    }

    #[test]
    fn a_hit_without_a_measurement_id_is_kept_without_an_account() {
        let hits = decode(
            "POST",
            "https://shop.example/metrics/g/collect?v=2&en=page_view&dl=https%3A%2F%2Fshop.example%2F",
            Some(""),
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].vendor, GA4);
        assert_eq!(hits[0].account, None);
        assert_eq!(hits[0].event.as_deref(), Some("page_view"));
        assert_eq!(hits[0].params["page_url"], json!("https://shop.example/"));
        // Batched lines without a tid anywhere: one account-less hit per event.
        let hits = decode(
            "POST",
            "https://shop.example/metrics/g/collect?v=2&cid=1.2",
            Some("en=view_item&pr1=idSKU-1\nen=add_to_cart&pr1=idSKU-1"),
        );
        let events: Vec<_> = hits.iter().map(|h| (h.account.clone(), h.class)).collect();
        assert_eq!(
            events,
            vec![(None, EventClass::ViewContent), (None, EventClass::AddToCart)]
        );
    }

    #[test]
    fn other_collect_requests_on_first_party_hosts_are_not_ga4() {
        for url in [
            // Not the GA4 query shape: no protocol version, another version, no event.
            "https://shop.example/metrics/g/collect?tid=G-ABC123XYZ&en=page_view",
            "https://shop.example/metrics/g/collect?v=1&tid=G-ABC123XYZ&en=page_view",
            "https://shop.example/metrics/g/collect?v=2&tid=G-ABC123XYZ",
            "https://shop.example/metrics/g/collect?v=2",
            // Another tool's ids, and `/collect` paths that are not `/g/collect`.
            "https://shop.example/metrics/g/collect?v=2&tid=UA-1-1&en=page_view",
            "https://shop.example/metrics/g/collect?v=2&tid=ABC&en=page_view",
            "https://shop.example/collect?v=2&tid=G-ABC123XYZ&en=page_view",
            "https://api.example.com/v1/collect?v=2&en=page_view",
            "https://shop.example/g/collect/extra?v=2&tid=G-ABC123XYZ&en=page_view",
        ] {
            assert!(decode("POST", url, Some("")).is_empty(), "{url}");
        }
    }

    #[test]
    fn lead_search_and_list_classes() {
        for (en, class) in [
            ("generate_lead", EventClass::Lead),
            ("sign_up", EventClass::Lead),
            ("view_search_results", EventClass::Search),
            ("view_item_list", EventClass::ViewCategory),
            ("begin_checkout", EventClass::BeginCheckout),
            ("add_payment_info", EventClass::AddPaymentInfo),
        ] {
            let url = format!("https://analytics.google.com/g/collect?v=2&tid=G-ABC123XYZ&en={en}");
            assert_eq!(decode("POST", &url, None)[0].class, class, "{en}");
        }
    }

    #[test]
    fn signals_sync_and_look_alikes_are_not_events() {
        assert!(decode(
            "POST",
            "https://stats.g.doubleclick.net/g/collect?v=2&tid=G-ABC123XYZ&cid=1.2&gtm=45je",
            None
        )
        .is_empty());
        assert!(decode(
            "POST",
            "https://stats.g.doubleclick.net/g/collect?v=2&tid=G-ABC123XYZ&en=page_view",
            None
        )
        .is_empty());
        // Universal Analytics, a GA4 path without an event, a non-GA4 tid, a look-alike path.
        assert!(decode(
            "GET",
            "https://www.google-analytics.com/collect?v=1&tid=UA-1-1&t=pageview",
            None
        )
        .is_empty());
        assert!(decode(
            "POST",
            "https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123XYZ",
            Some("")
        )
        .is_empty());
        assert!(decode(
            "POST",
            "https://e.clarity.ms/g/collect?v=2&tid=ABC&en=page_view",
            None
        )
        .is_empty());
        assert!(decode(
            "POST",
            "https://shop.test/g/collector?v=2&tid=G-ABC123XYZ&en=page_view",
            None
        )
        .is_empty());
        assert!(decode(
            "POST",
            "https://shop.test/g/collect?v=1&tid=G-ABC123XYZ&en=page_view",
            None
        )
        .is_empty());
    }

    #[test]
    fn garbage_bodies_and_items_do_not_panic() {
        let url = format!("https://www.google-analytics.com/g/collect?{SHARED}");
        assert!(decode("POST", &url, Some("\u{0}\u{ffff}%%%==&&")).is_empty());
        let hits = decode(
            "POST",
            &url,
            Some("en=purchase&pr1=~~€~i~idX~k~v9&pr99999999999=idY&epn.value=1e999"),
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].params["items"], json!([{"id": "X"}]));
        assert_eq!(hits[0].params["value"], json!("1e999"));
    }
}
