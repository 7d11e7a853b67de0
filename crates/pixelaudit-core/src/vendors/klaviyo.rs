//! Klaviyo onsite tracking: `klaviyo.js` loaders, client API events and legacy `/api/track` hits.

use std::collections::BTreeMap;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{json, Value};

use super::params::{
    at, flatten_json, host, ids_from, json_body, multipart_fields, non_empty, parse_url,
    query_and_form, query_map, str_at,
};
use super::{Decoder, EventClass, Hit, Vendor, KLAVIYO};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for Klaviyo's onsite tracking.
pub(crate) struct Klaviyo;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "klaviyo",
    display: "Klaviyo onsite tracking",
    id_format: "a 6-character public API key (company id), e.g. AbC123",
    decoder: &Klaviyo,
    events: &[
        "Active on Site",
        "Viewed Product",
        "Added to Cart",
        "Started Checkout",
        "Placed Order",
        "Ordered Product",
        "Viewed Category",
    ],
    repeats: Repeats::Events(&[]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: false,
        transaction_id: false,
        conversion_event_id: None,
    },
    // Client API: the JSON:API body's `data.attributes`; legacy `/api/track`: the decoded `data`.
    sources: &[
        ("value", "client API: data.attributes.value, else properties.$value; legacy track: properties.$value"),
        ("currency", "client API: data.attributes.value_currency, else properties.$currency; legacy track: properties.$currency"),
        ("event_id", "client API: data.attributes.unique_id, else properties.$event_id; legacy track: properties.$event_id"),
        ("content_ids", "properties.ProductID, else properties.AddedItemProductID, else the ProductID of each properties.Items entry"),
        ("items", "properties.Items"),
        ("transaction_id", "properties.OrderId"),
        ("num_items", "not decoded: Klaviyo events carry no item count"),
        ("page_url", "properties.URL, else properties.$page"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
    // Onsite `klaviyo.js` and its bundles, the tracking JS, and the legacy `analytics.js`.
    script_hosts: &[
        "static.klaviyo.com",
        "static-tracking.klaviyo.com",
        "a.klaviyo.com/media/js/",
    ],
};

/// Base64 as legacy `data=` params come: padded or not, trailing bits tolerated.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

impl Decoder for Klaviyo {
    fn vendor(&self) -> Vendor {
        KLAVIYO
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let host = host(&url);
        let path = url.path();
        if host == "static.klaviyo.com" {
            return loader_key(path, &query_map(&url))
                .map(|key| vec![Hit::loader(KLAVIYO, key)])
                .unwrap_or_default();
        }
        if host != "a.klaviyo.com" {
            return Vec::new();
        }
        if path == "/media/js/analytics/analytics.js" {
            return vec![Hit::loader(KLAVIYO, None)];
        }
        // `/api/identify`, `/client/profiles/` and `/client/subscriptions/` are not events.
        match path.trim_end_matches('/') {
            "/client/events" => client_event(request, &query_map(&url))
                .into_iter()
                .collect(),
            "/api/track" => vec![legacy_track(&track_fields(&url, request))],
            _ => Vec::new(),
        }
    }
}

/// The loader's public key: `Some(Some(key))` for `onsite/js/<KEY>/klaviyo.js` or
/// `onsite/js/klaviyo.js?company_id=<KEY>`, `None` when the path is not the loader.
fn loader_key(path: &str, query: &BTreeMap<String, String>) -> Option<Option<String>> {
    let rest = path
        .strip_prefix("/onsite/js/")?
        .strip_suffix("klaviyo.js")?;
    let from_path = rest
        .strip_suffix('/')
        .filter(|k| !k.is_empty() && !k.contains('/'));
    if !rest.is_empty() && from_path.is_none() {
        return None;
    }
    Some(
        from_path
            .map(str::to_string)
            .or_else(|| non_empty(query, "company_id")),
    )
}

/// A client API event: a JSON:API body with the metric, properties and profile.
fn client_event(request: &CapturedRequest, query: &BTreeMap<String, String>) -> Option<Hit> {
    let body = json_body(request)?;
    let attrs = at(&body, "data.attributes").filter(|a| a.is_object())?;
    let name = str_at(attrs, "metric.data.attributes.name");
    let mut hit = Hit::event(
        KLAVIYO,
        non_empty(query, "company_id"),
        name.clone(),
    )
    .with_class(class_of(name.as_deref().unwrap_or("")));
    let null = Value::Null;
    let props = attrs.get("properties").unwrap_or(&null);
    hit.set(
        "value",
        attrs.get("value").or_else(|| props.get("$value")).cloned(),
    );
    hit.set(
        "currency",
        attrs
            .get("value_currency")
            .or_else(|| props.get("$currency"))
            .cloned(),
    );
    hit.set(
        "event_id",
        str_at(attrs, "unique_id")
            .or_else(|| str_at(props, "$event_id"))
            .map(Value::String),
    );
    set_from_properties(&mut hit, props);
    hit.raw = flatten_json(&body);
    hit.raw
        .extend(query.iter().map(|(k, v)| (k.clone(), json!(v))));
    Some(hit)
}

/// The fields of a legacy track call, however klaviyo.js sent it: the query (`GET ?data=`), a
/// `multipart/form-data` body (a `FormData` with a `data` field), a form-encoded body, or the
/// payload itself as a JSON body (kept under `data`, which also takes plain JSON).
fn track_fields(url: &url::Url, request: &CapturedRequest) -> BTreeMap<String, String> {
    if let Some(fields) = multipart_fields(request) {
        let mut map = query_map(url);
        map.extend(fields);
        return map;
    }
    let mut map = query_and_form(url, request);
    if let Some(body) = json_body(request).filter(Value::is_object) {
        map.insert("data".to_string(), body.to_string());
    }
    map
}

/// A legacy track call: base64 JSON in `data` with `token`, `event` and `properties`.
fn legacy_track(map: &BTreeMap<String, String>) -> Hit {
    let data = map
        .get("data")
        .and_then(|raw| decode_data(raw))
        .unwrap_or(Value::Null);
    let name = str_at(&data, "event");
    let account = str_at(&data, "token").or_else(|| non_empty(map, "company_id"));
    let mut hit = Hit::event(KLAVIYO, account, name.clone())
        .with_class(class_of(name.as_deref().unwrap_or("")));
    let null = Value::Null;
    let props = data.get("properties").unwrap_or(&null);
    hit.set("value", props.get("$value").cloned());
    hit.set("currency", props.get("$currency").cloned());
    hit.set("event_id", str_at(props, "$event_id").map(Value::String));
    set_from_properties(&mut hit, props);
    hit.raw = flatten_json(&data);
    for (key, value) in map {
        // The undecodable `data` blob is kept as sent so a check can report it.
        if key != "data" || data.is_null() {
            hit.raw.insert(key.clone(), json!(value));
        }
    }
    hit
}

/// The product ids, items, page URL and order id from Klaviyo's recommended event properties.
fn set_from_properties(hit: &mut Hit, props: &Value) {
    let single = |key: &str| match props.get(key)? {
        Value::Array(ids) => Some(Value::Array(ids.clone())),
        _ => str_at(props, key).map(|id| json!([id])),
    };
    let items = props.get("Items").filter(|i| i.is_array());
    let content_ids = single("ProductID")
        .or_else(|| single("AddedItemProductID"))
        .or_else(|| items.and_then(|i| ids_from(i, "ProductID")));
    hit.set("content_ids", content_ids);
    hit.set("items", items.cloned());
    hit.set(
        "transaction_id",
        str_at(props, "OrderId").map(Value::String),
    );
    hit.set(
        "page_url",
        str_at(props, "URL")
            .or_else(|| str_at(props, "$page"))
            .map(Value::String),
    );
}

/// Decodes a legacy `data=` value: base64 (standard or URL-safe, padded or not) of a JSON
/// object; a plain JSON object is accepted too. A `+` turned into a space by form decoding is
/// restored first.
fn decode_data(raw: &str) -> Option<Value> {
    let raw = raw.trim();
    let json = if raw.starts_with('{') {
        raw.to_string()
    } else {
        let cleaned = raw.replace(' ', "+");
        let engine = if cleaned.contains(['-', '_']) {
            URL_SAFE
        } else {
            STANDARD
        };
        String::from_utf8(engine.decode(cleaned).ok()?).ok()?
    };
    serde_json::from_str::<Value>(&json)
        .ok()
        .filter(Value::is_object)
}

fn class_of(metric: &str) -> EventClass {
    match metric {
        "Active on Site" => EventClass::PageView,
        "Viewed Product" => EventClass::ViewContent,
        "Viewed Category" | "Viewed Collection" => EventClass::ViewCategory,
        "Submitted Search" => EventClass::Search,
        "Added to Cart" => EventClass::AddToCart,
        "Started Checkout" | "Checkout Started" => EventClass::BeginCheckout,
        "Placed Order" => EventClass::Purchase,
        _ => EventClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;
    use base64::engine::general_purpose;

    fn request(method: &str, url: &str, body: Option<&str>) -> Vec<Hit> {
        Klaviyo.decode(&CapturedRequest::new(method, url, body))
    }

    #[test]
    fn client_api_viewed_product_is_decoded() {
        let body = r#"{"data":{"type":"event","attributes":{"properties":{"ProductName":"Blue Mug","ProductID":7301234567890,"SKU":"MUG-B","Price":19.95,"URL":"https://shop.test/products/blue-mug","$use_ip":true},"metric":{"data":{"type":"metric","attributes":{"name":"Viewed Product"}}},"profile":{"data":{"type":"profile","attributes":{"anonymous_id":"01J2ABCDEF","_kx":"kx-token"}}},"unique_id":"vp-1","value":19.95}}}"#;
        let hits = request(
            "POST",
            "https://a.klaviyo.com/client/events/?company_id=AbC123",
            Some(body),
        );
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("AbC123"));
        assert_eq!(hit.event.as_deref(), Some("Viewed Product"));
        assert_eq!(hit.class, EventClass::ViewContent);
        assert_eq!(hit.params["content_ids"], json!(["7301234567890"]));
        assert_eq!(hit.params["value"], json!(19.95));
        assert_eq!(hit.params["event_id"], json!("vp-1"));
        assert_eq!(
            hit.params["page_url"],
            json!("https://shop.test/products/blue-mug")
        );
        assert_eq!(
            hit.raw["data.attributes.profile.data.attributes._kx"],
            json!("kx-token")
        );
        assert_eq!(hit.raw["company_id"], json!("AbC123"));
    }

    #[test]
    fn client_api_placed_order_and_active_on_site() {
        let body = r#"{"data":{"type":"event","attributes":{"metric":{"data":{"type":"metric","attributes":{"name":"Placed Order"}}},"profile":{"data":{"type":"profile","attributes":{"email":"a@b.test"}}},"properties":{"OrderId":"1001","$event_id":"1001","Items":[{"ProductID":"SKU-1","Quantity":2},{"ProductID":"SKU-2"}],"$page":"https://shop.test/thank-you"},"value":59.9,"value_currency":"EUR"}}}"#;
        let hit = &request(
            "POST",
            "https://a.klaviyo.com/client/events?company_id=AbC123",
            Some(body),
        )[0];
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(59.9));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["transaction_id"], json!("1001"));
        assert_eq!(hit.params["event_id"], json!("1001"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.params["items"][0]["Quantity"], json!(2));
        assert_eq!(hit.params["page_url"], json!("https://shop.test/thank-you"));
        let active = r#"{"data":{"type":"event","attributes":{"metric":{"data":{"type":"metric","attributes":{"name":"Active on Site"}}},"properties":{"page":"https://shop.test/"}}}}"#;
        assert_eq!(
            request(
                "POST",
                "https://a.klaviyo.com/client/events/?company_id=AbC123",
                Some(active)
            )[0]
            .class,
            EventClass::PageView
        );
    }

    #[test]
    fn legacy_track_decodes_base64_in_every_flavour() {
        let payload = r#"{"token":"AbC123","event":"Added to Cart","customer_properties":{"$exchange_id":"kx~1"},"properties":{"$value":29.95,"AddedItemProductID":"SKU-3","AddedItemQuantity":1,"$event_id":"atc-1>?"}}"#;
        let standard = general_purpose::STANDARD.encode(payload);
        let url_safe = general_purpose::URL_SAFE_NO_PAD.encode(payload);
        assert!(standard.contains('+') && standard.ends_with('=') && url_safe.contains('-'));
        let encoded_standard =
            url::form_urlencoded::byte_serialize(standard.as_bytes()).collect::<String>();
        for url in [
            format!("https://a.klaviyo.com/api/track?data={encoded_standard}"),
            // A `+` left unencoded in the query turns into a space; it must still decode.
            format!("https://a.klaviyo.com/api/track?data={standard}"),
            format!("https://a.klaviyo.com/api/track?data={url_safe}"),
        ] {
            let hits = request("GET", &url, None);
            assert_eq!(hits.len(), 1, "{url}");
            let hit = &hits[0];
            assert_eq!(hit.account.as_deref(), Some("AbC123"), "{url}");
            assert_eq!(hit.event.as_deref(), Some("Added to Cart"));
            assert_eq!(hit.class, EventClass::AddToCart);
            assert_eq!(hit.params["value"], json!(29.95));
            assert_eq!(hit.params["content_ids"], json!(["SKU-3"]));
            assert_eq!(hit.params["event_id"], json!("atc-1>?"));
            assert_eq!(hit.raw["customer_properties.$exchange_id"], json!("kx~1"));
            assert!(!hit.raw.contains_key("data"));
        }
    }

    /// A Viewed Product payload as the legacy klaviyo.js `track` builds it.
    const VIEWED: &str = r#"{"token":"AbC123","event":"Viewed Product","customer_properties":{"$exchange_id":"kx~1","$referrer":{"ts":1795868197,"value":"","first_page":"https://shop.test/"}},"properties":{"ProductName":"Linen Shirt","ProductID":7301234567890,"SKU":"LS-001","Categories":["Shirts"],"ImageURL":"https://cdn.shop.test/ls.jpg","URL":"https://shop.test/products/linen-shirt","Brand":"Demo","Price":59.9,"$value":59.9,"$currency":"EUR","$event_id":"vp-7301234567890-1795868197","$use_ip":true,"$is_session_activity":true,"$page":"https://shop.test/products/linen-shirt"}}"#;

    fn assert_viewed_product(hit: &Hit, what: &str) {
        assert_eq!(hit.kind, HitKind::Event, "{what}");
        assert_eq!(hit.account.as_deref(), Some("AbC123"), "{what}");
        assert_eq!(hit.event.as_deref(), Some("Viewed Product"), "{what}");
        assert_eq!(hit.class, EventClass::ViewContent, "{what}");
        assert_eq!(hit.params["content_ids"], json!(["7301234567890"]), "{what}");
        assert_eq!(hit.params["value"], json!(59.9), "{what}");
        assert_eq!(hit.params["currency"], json!("EUR"), "{what}");
        assert_eq!(
            hit.params["event_id"],
            json!("vp-7301234567890-1795868197"),
            "{what}"
        );
        assert_eq!(
            hit.params["page_url"],
            json!("https://shop.test/products/linen-shirt"),
            "{what}"
        );
        assert_eq!(hit.raw["properties.SKU"], json!("LS-001"), "{what}");
        assert_eq!(hit.raw["customer_properties.$exchange_id"], json!("kx~1"), "{what}");
        assert!(!hit.raw.contains_key("data"), "{what}");
    }

    #[test]
    fn legacy_track_get_and_multipart_post_decode_alike() {
        let encoded = general_purpose::STANDARD.encode(VIEWED);
        let query = url::form_urlencoded::byte_serialize(encoded.as_bytes()).collect::<String>();
        let get = request(
            "GET",
            &format!("https://a.klaviyo.com/api/track?data={query}"),
            None,
        );
        assert_eq!(get.len(), 1);
        assert_viewed_product(&get[0], "GET ?data=");
        let boundary = "----WebKitFormBoundaryq3Xw7GZpL0eYb2Ha";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{encoded}\r\n--{boundary}--\r\n"
        );
        let mut post = CapturedRequest::new("POST", "https://a.klaviyo.com/api/track", Some(&body));
        post.content_type = Some(format!("multipart/form-data; boundary={boundary}"));
        let hits = Klaviyo.decode(&post);
        assert_eq!(hits.len(), 1);
        assert_viewed_product(&hits[0], "multipart POST");
        // The body alone (no Content-Type captured) is enough to find the boundary.
        post.content_type = None;
        assert_viewed_product(&Klaviyo.decode(&post)[0], "multipart POST, boundary from the body");
        // The payload as a form field in plain JSON, and as a JSON body.
        let form = format!(
            "data={}",
            url::form_urlencoded::byte_serialize(VIEWED.as_bytes()).collect::<String>()
        );
        for body in [form.as_str(), VIEWED] {
            let hits = request("POST", "https://a.klaviyo.com/api/track", Some(body));
            assert_viewed_product(&hits[0], body);
        }
    }

    #[test]
    fn legacy_track_multipart_with_bad_data_is_kept_undecoded() {
        let body = "------b\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n%%%not-base64!!\r\n------b--\r\n";
        let hits = request("POST", "https://a.klaviyo.com/api/track", Some(body));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].event, None);
        assert_eq!(hits[0].raw["data"], json!("%%%not-base64!!"));
    }

    #[test]
    fn legacy_track_with_bad_data_is_kept_undecoded() {
        let hits = request(
            "GET",
            "https://a.klaviyo.com/api/track?data=%%%not-base64!!",
            None,
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].event, None);
        assert_eq!(hits[0].raw["data"], json!("%%%not-base64!!"));
        let not_json = general_purpose::STANDARD.encode("[1,2,3]");
        assert_eq!(
            request(
                "GET",
                &format!("https://a.klaviyo.com/api/track?data={not_json}"),
                None
            )[0]
            .event,
            None
        );
        let hits = request(
            "POST",
            "https://a.klaviyo.com/api/track",
            Some(&format!("data={}", "A".repeat(100_000))),
        );
        assert_eq!(hits[0].event, None);
    }

    #[test]
    fn loaders_carry_the_public_key() {
        let path_key = request(
            "GET",
            "https://static.klaviyo.com/onsite/js/AbC123/klaviyo.js",
            None,
        );
        assert_eq!(path_key[0].kind, HitKind::Loader);
        assert_eq!(path_key[0].account.as_deref(), Some("AbC123"));
        let query_key = request(
            "GET",
            "https://static.klaviyo.com/onsite/js/klaviyo.js?company_id=XyZ789",
            None,
        );
        assert_eq!(query_key[0].account.as_deref(), Some("XyZ789"));
        let legacy = request(
            "GET",
            "https://a.klaviyo.com/media/js/analytics/analytics.js",
            None,
        );
        assert_eq!(legacy[0].kind, HitKind::Loader);
        assert_eq!(legacy[0].account, None);
        assert!(request(
            "GET",
            "https://static.klaviyo.com/onsite/js/vendors~signup_forms.js",
            None
        )
        .is_empty());
        assert!(request(
            "GET",
            "https://static.klaviyo.com/onsite/js/a/b/klaviyo.js",
            None
        )
        .is_empty());
    }

    #[test]
    fn non_events_and_look_alikes_are_ignored() {
        let identify = general_purpose::STANDARD
            .encode(r#"{"token":"AbC123","properties":{"$email":"a@b.test"}}"#);
        assert!(request(
            "GET",
            &format!("https://a.klaviyo.com/api/identify?data={identify}"),
            None
        )
        .is_empty());
        assert!(request(
            "POST",
            "https://a.klaviyo.com/client/profiles/?company_id=AbC123",
            Some("{}")
        )
        .is_empty());
        assert!(request(
            "POST",
            "https://a.klaviyo.com/client/subscriptions/?company_id=AbC123",
            Some("{}")
        )
        .is_empty());
        assert!(request(
            "POST",
            "https://a.klaviyo.com.evil.test/client/events/?company_id=AbC123",
            Some("{}")
        )
        .is_empty());
        assert!(request(
            "POST",
            "https://a.klaviyo.com/client/events/?company_id=AbC123",
            Some("garbage")
        )
        .is_empty());
        assert!(request(
            "POST",
            "https://a.klaviyo.com/client/events/?company_id=AbC123",
            Some(r#"{"data":[]}"#)
        )
        .is_empty());
    }
}
