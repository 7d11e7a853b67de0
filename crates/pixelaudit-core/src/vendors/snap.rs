//! Snap Pixel: `scevent.min.js` loader and form-encoded event posts to `tr.snapchat.com/p`.

use serde_json::Value;

use super::params::{
    host, list_value, non_empty, number_or_string, parse_url, query_and_form, raw_strings,
};
use super::{Decoder, EventClass, Hit, Vendor, SNAP};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for the Snap Pixel.
pub(crate) struct Snap;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "snap",
    display: "Snap Pixel",
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
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: true,
        conversion_event_id: None,
    },
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
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
        let map = query_and_form(&url, request);
        let event = non_empty(&map, "ev");
        let mut hit = Hit::event(SNAP, non_empty(&map, "pid"), event.clone())
            .with_class(class_of(event.as_deref().unwrap_or("")));
        hit.set(
            "value",
            non_empty(&map, "e_pr").map(|v| number_or_string(&v)),
        );
        hit.set("currency", non_empty(&map, "e_cur").map(Value::String));
        hit.set(
            "content_ids",
            non_empty(&map, "e_iids").map(|v| list_value(&v)),
        );
        hit.set(
            "num_items",
            non_empty(&map, "e_ni").map(|v| number_or_string(&v)),
        );
        hit.set(
            "transaction_id",
            non_empty(&map, "e_tid").map(Value::String),
        );
        hit.set(
            "event_id",
            non_empty(&map, "e_client_dedup_id")
                .or_else(|| non_empty(&map, "client_dedup_id"))
                .map(Value::String),
        );
        hit.set("page_url", non_empty(&map, "pl").map(Value::String));
        hit.raw = raw_strings(&map);
        vec![hit]
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
        assert!(post("https://tr.snapchat.com/p", "\u{0}&&==%ZZ")[0]
            .event
            .is_none());
    }
}
