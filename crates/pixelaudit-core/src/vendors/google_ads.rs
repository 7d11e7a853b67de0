//! Google Ads: conversion and remarketing hits, with their mirror endpoints folded by conversion,
//! on Google's hosts and through the Google tag gateway / a first-party server-side path
//! (`<store>/<path>/g/d/ccm/conversion/<id>/`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::params::{
    google_consent, host, host_is, list_value, non_empty, number_or_string, parse_url,
    query_and_form, raw_strings,
};
use super::{Decoder, EventClass, Hit, Vendor, GOOGLE_ADS};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for Google Ads conversion / remarketing hits and the legacy `conversion.js` loader.
pub(crate) struct GoogleAds;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "google_ads",
    display: "Google Ads conversions and remarketing",
    id_format: "a conversion id, AW- then digits, e.g. AW-123456789",
    decoder: &GoogleAds,
    events: super::ga4::GOOGLE_EVENTS,
    repeats: Repeats::Events(&[]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: true,
        conversion_event_id: None,
    },
    sources: &[
        ("value", "value (the query, else inside data=)"),
        ("currency", "currency_code, else currency (the query, else inside data=)"),
        ("transaction_id", "oid, else transaction_id (the query, else inside data=)"),
        ("event_id", "not decoded: Google Ads hits carry no event id"),
        ("content_ids", "ecomm_prodid (the query, else inside data=), else the remarketing id=a,b inside data=, else the ids of the item= cart data"),
        ("items", "item= cart data, (price*quantity*id…) per item"),
        ("num_items", "not decoded: Google Ads hits carry no item count"),
        ("page_url", "url, else dl"),
        ("consent", "gcs, gcd, dma, dma_cps, npa; gcs/gcd also as consent.ad_storage, analytics_storage, ad_user_data, ad_personalization"),
    ],
    consent: ConsentFacts {
        cookieless_when_denied: Some("ad_storage"),
        exempt_by_default: false,
    },
    loaded_by: Some(super::GTM),
    aliases: &[],
    // The legacy `conversion.js` / `conversion_async.js` (gtag.js loads are the `gtm` vendor's).
    script_hosts: &["www.googleadservices.com/pagead/"],
};

/// Where a request went, once its endpoint is recognised.
struct Endpoint<'a> {
    /// The conversion id from the path (`123`, or `AW-123`); `None` for `ccm/collect`.
    id: Option<&'a str>,
    /// True for the endpoints that repeat a main request's event.
    mirror: bool,
}

impl Decoder for GoogleAds {
    fn vendor(&self) -> Vendor {
        GOOGLE_ADS
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let host = host(&url);
        let path = url.path();
        if host_is(host, "googleadservices.com")
            && matches!(
                path,
                "/pagead/conversion.js" | "/pagead/conversion_async.js"
            )
        {
            return vec![Hit::loader(GOOGLE_ADS, None)];
        }
        let Some(endpoint) = endpoint(host, path) else {
            return Vec::new();
        };
        let map = query_and_form(&url, request);
        let ids: Vec<Option<String>> = match endpoint.id {
            Some(id) => account(id).map(Some).into_iter().collect(),
            None => collect_destinations(&map),
        };
        ids.into_iter()
            .map(|account| event_hit(account, &map, endpoint.mirror))
            .collect()
    }
}

/// The destinations of a `ccm/collect` hit: `tid` or `tids` (`AW-1~AW-2`), Google Ads ones only
/// (GA4 ones are not ours). With no `tid` at all the hit is still an Ads hit, for an account the
/// URL does not name.
fn collect_destinations(map: &BTreeMap<String, String>) -> Vec<Option<String>> {
    let named: Vec<&str> = ["tid", "tids"]
        .iter()
        .filter_map(|k| map.get(*k))
        .flat_map(|v| v.split('~'))
        .filter(|id| !id.is_empty())
        .collect();
    if named.is_empty() {
        return vec![None];
    }
    named
        .into_iter()
        .filter(|id| id.starts_with("AW-"))
        .filter_map(account)
        .map(Some)
        .collect()
}

/// The numeric conversion id of a `…/ccm/conversion/<id>/` path on any host: the tag gateway
/// and server-side set-ups forward it under a path prefix (`/g/d/`, `/as/d/`, `/gs/`, …).
fn gateway_conversion_id(path: &str) -> Option<&str> {
    let (_, rest) = path.rsplit_once("/ccm/conversion/")?;
    let id = rest.strip_suffix('/').unwrap_or(rest);
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Recognises the conversion / remarketing endpoints and their mirrors.
fn endpoint<'a>(host: &str, path: &'a str) -> Option<Endpoint<'a>> {
    let segment = |prefix: &str| -> Option<&'a str> {
        path.strip_prefix(prefix)?
            .split('/')
            .next()
            .filter(|s| !s.is_empty())
    };
    let (id, mirror) = if host_is(host, "googleadservices.com") {
        (
            segment("/pagead/conversion/").or_else(|| segment("/ccm/conversion/"))?,
            path.starts_with("/ccm/"),
        )
    } else if host == "googleads.g.doubleclick.net" || host == "pagead2.googlesyndication.com" {
        (segment("/pagead/viewthroughconversion/")?, false)
    } else if host == "td.doubleclick.net" {
        (segment("/td/rul/")?, true)
    } else if is_google_host(host) {
        if path.trim_end_matches('/') == "/ccm/collect" {
            return Some(Endpoint {
                id: None,
                mirror: true,
            });
        }
        let id = segment("/pagead/1p-conversion/")
            .or_else(|| segment("/pagead/1p-user-list/"))
            .or_else(|| segment("/rmkt/collect/"))
            .or_else(|| segment("/ccm/conversion/"))?;
        (id, true)
    } else {
        // The consent-mode conversion mirror, forwarded through the store's own host.
        (gateway_conversion_id(path)?, true)
    };
    Some(Endpoint {
        id: Some(id),
        mirror,
    })
}

/// `google.com` or a country domain (`google.de`, `google.co.uk`, `google.com.au`), `www.` or not.
fn is_google_host(host: &str) -> bool {
    let host = host.strip_prefix("www.").unwrap_or(host);
    let Some(tld) = host.strip_prefix("google.") else {
        return false;
    };
    let labels: Vec<&str> = tld.split('.').collect();
    let plain = |label: &str| !label.is_empty() && label.bytes().all(|b| b.is_ascii_lowercase());
    match labels.as_slice() {
        [tld] => plain(tld),
        [second, tld] => matches!(*second, "co" | "com") && plain(tld) && tld.len() == 2,
        _ => false,
    }
}

/// The account as `AW-<id>` (the path carries the id with or without the prefix).
fn account(id: &str) -> Option<String> {
    let bare = id.strip_prefix("AW-").unwrap_or(id);
    (!bare.is_empty() && bare.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| format!("AW-{bare}"))
}

/// The `data=` parameter: `event=purchase;key=value;…`, lists as `a,b`, with `,` `;` `=` inside
/// a value escaped by a backslash. Values stay escaped here; [`unescape`] them to read one.
fn data_entries(raw: &str) -> Vec<(String, &str)> {
    split_unescaped(raw, ';')
        .into_iter()
        .filter_map(|pair| {
            let at = split_unescaped(pair, '=').first()?.len();
            let value = pair.get(at + 1..)?;
            Some((unescape(&pair[..at]), value))
        })
        .collect()
}

fn data_map(raw: &str) -> BTreeMap<String, String> {
    data_entries(raw)
        .into_iter()
        .map(|(k, v)| (k, unescape(v)))
        .collect()
}

/// Splits at each `sep` not escaped by a backslash; the pieces keep their escapes.
fn split_unescaped(s: &str, sep: char) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            pieces.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    pieces.push(&s[start..]);
    pieces
}

/// Drops the backslash of each escaped character.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next().unwrap_or(c) } else { c });
    }
    out
}

/// The item ids of a hit, in the forms gtag.js sends them: the legacy `ecomm_prodid` custom
/// parameter; remarketing `items`, grouped by business vertical into the `data=` list `id=a,b`;
/// or a conversion's cart data, `item=(price*quantity*id*start*end)(…)`.
fn content_ids(
    map: &BTreeMap<String, String>,
    data: &BTreeMap<String, String>,
    raw_data: &[(String, &str)],
) -> Option<Value> {
    if let Some(ids) = non_empty(map, "ecomm_prodid").or_else(|| non_empty(data, "ecomm_prodid")) {
        return Some(list_value(&ids));
    }
    let remarketing: Vec<Value> = raw_data
        .iter()
        .filter(|(k, _)| k == "id")
        .flat_map(|(_, v)| split_unescaped(v, ','))
        .map(unescape)
        .filter(|id| !id.trim().is_empty())
        .map(Value::String)
        .collect();
    if !remarketing.is_empty() {
        return Some(Value::Array(remarketing));
    }
    let cart: Vec<Value> = cart_items(map)
        .iter()
        .filter_map(|item| item.get("id").cloned())
        .collect();
    (!cart.is_empty()).then_some(Value::Array(cart))
}

/// A conversion's cart data (`item=(19.95*2*SKU-1**)(20*1*SKU-2**)`) as item objects.
fn cart_items(map: &BTreeMap<String, String>) -> Vec<Value> {
    let Some(raw) = map.get("item") else {
        return Vec::new();
    };
    raw.split(')')
        .filter_map(|group| group.trim().strip_prefix('('))
        .filter_map(|fields| {
            let fields: Vec<&str> = fields.split('*').collect();
            let id = fields.get(2).filter(|id| !id.is_empty())?;
            let mut item = serde_json::Map::new();
            item.insert("id".to_string(), json!(id));
            for (key, index) in [("price", 0), ("quantity", 1)] {
                if let Some(v) = fields.get(index).filter(|v| !v.is_empty()) {
                    item.insert(key.to_string(), number_or_string(v));
                }
            }
            Some(Value::Object(item))
        })
        .collect()
}

fn event_hit(account: Option<String>, map: &BTreeMap<String, String>, mirror: bool) -> Hit {
    let raw_data = map.get("data").map(|d| data_entries(d)).unwrap_or_default();
    let data = map.get("data").map(|d| data_map(d)).unwrap_or_default();
    let lookup = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| non_empty(map, k).or_else(|| non_empty(&data, k)))
    };
    let label = non_empty(map, "label");
    let value = lookup(&["value"]);
    let transaction_id = lookup(&["oid", "transaction_id"]);
    // No event on the wire: a labelled hit is a conversion, an unlabelled one a remarketing page hit.
    let event = non_empty(&data, "event")
        .or_else(|| non_empty(map, "en"))
        .unwrap_or_else(|| {
            if label.is_some() {
                "conversion"
            } else {
                "page_view"
            }
            .to_string()
        });
    let purchase_like = value.is_some()
        || transaction_id.is_some()
        || map.get("bttype").is_some_and(|t| t == "purchase");
    let mut hit = Hit::event(GOOGLE_ADS, account, Some(event.clone()))
        .with_class(class_of(&event, purchase_like));
    hit.set("value", value.map(|v| number_or_string(&v)));
    hit.set(
        "currency",
        lookup(&["currency_code", "currency"]).map(Value::String),
    );
    hit.set("transaction_id", transaction_id.clone().map(Value::String));
    hit.set("content_ids", content_ids(map, &data, &raw_data));
    let cart = cart_items(map);
    if !cart.is_empty() {
        hit.set("items", Some(Value::Array(cart)));
    }
    hit.set(
        "page_url",
        non_empty(map, "url")
            .or_else(|| non_empty(map, "dl"))
            .map(Value::String),
    );
    hit.set("consent", google_consent(map));
    // The endpoints of one conversion disagree on the event (`td/rul` drops `data=`), so a
    // labelled hit folds as "conversion": label + order id already name the conversion. The
    // account is not in the key: folding matches it, and lets an account-less `ccm/collect`
    // fold into the account's hit.
    let fold_event = if label.is_some() {
        "conversion"
    } else if event == "gtag.config" {
        "page_view"
    } else {
        event.as_str()
    };
    hit.fold_key = Some(format!(
        "{}|{fold_event}|{}",
        label.unwrap_or_default(),
        transaction_id.unwrap_or_default()
    ));
    hit.mirror = mirror;
    hit.raw = raw_strings(map);
    hit.raw
        .extend(data.iter().map(|(k, v)| (format!("data.{k}"), json!(v))));
    hit
}

fn class_of(event: &str, purchase_like: bool) -> EventClass {
    match event {
        "gtag.config" => EventClass::PageView,
        "conversion" if purchase_like => EventClass::Purchase,
        other => super::ga4::class_of(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;
    use crate::vendors::decode_requests;

    const CONVERSION_QUERY: &str = "random=1748574296354&cv=11&fst=1748574296354&bg=ffffff&guid=ON&async=1&gtm=45be55s2v9117590405za200&gcs=G111&gcd=13r3r3r3r5l1&dma=0&u_w=1280&u_h=1024&url=https%3A%2F%2Fshop.test%2Fcheckouts%2Fthank-you&label=_FJrCMev-7EDEND_w7so&hn=www.googleadservices.com&frm=0&tiba=Thank%20you&value=59.90&currency_code=EUR&oid=1001&npa=0&pscdl=noapi&auid=647848301.1748574296&ec_mode=a&fledge=1&capi=1&em=tv.1";

    fn get(url: &str) -> CapturedRequest {
        CapturedRequest::new("GET", url, None)
    }

    fn decode(url: &str) -> Vec<Hit> {
        GoogleAds.decode(&get(url))
    }

    #[test]
    fn purchase_conversion_is_decoded() {
        let url = format!(
            "https://www.googleadservices.com/pagead/conversion/10862264272/?{CONVERSION_QUERY}&data=event%3Dconversion&fmt=3"
        );
        let hits = decode(&url);
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("AW-10862264272"));
        assert_eq!(hit.event.as_deref(), Some("conversion"));
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(59.9));
        assert_eq!(hit.params["currency"], json!("EUR"));
        assert_eq!(hit.params["transaction_id"], json!("1001"));
        assert_eq!(
            hit.params["page_url"],
            json!("https://shop.test/checkouts/thank-you")
        );
        assert_eq!(hit.params["consent"]["ad_storage"], json!("granted"));
        assert_eq!(hit.params["consent"]["npa"], json!("0"));
        assert_eq!(hit.raw["label"], json!("_FJrCMev-7EDEND_w7so"));
        assert_eq!(hit.raw["data.event"], json!("conversion"));
        assert!(!hit.mirror);
        assert_eq!(
            hit.fold_key.as_deref(),
            Some("_FJrCMev-7EDEND_w7so|conversion|1001"),
            "the account is matched by folding, not by the key"
        );
    }

    #[test]
    fn conversion_mirrors_fold_into_the_main_hit() {
        let requests = vec![
            get(&format!("https://www.google.com/pagead/1p-conversion/10862264272/?{CONVERSION_QUERY}&data=event%3Dconversion&fmt=3")),
            get(&format!("https://www.googleadservices.com/pagead/conversion/10862264272/?{CONVERSION_QUERY}&data=event%3Dconversion&fmt=3")),
            // The td/rul iframe carries the label and values but no `data=`.
            get(&format!("https://td.doubleclick.net/td/rul/10862264272?{CONVERSION_QUERY}&bttype=purchase")),
            get(&format!("https://www.google.co.uk/pagead/1p-conversion/AW-10862264272/?{CONVERSION_QUERY}&data=event%3Dconversion")),
        ];
        for mirror in [&requests[0], &requests[2], &requests[3]] {
            assert!(GoogleAds.decode(mirror)[0].mirror, "{}", mirror.url);
        }
        let hits: Vec<_> = decode_requests(&requests)
            .into_iter()
            .filter(|d| d.hit.vendor == GOOGLE_ADS)
            .collect();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            hits[0].request, 1,
            "the googleadservices request is the origin"
        );
        assert_eq!(hits[0].mirrors, vec![0, 2, 3]);
        assert_eq!(hits[0].hit.class, EventClass::Purchase);
    }

    #[test]
    fn labelled_purchase_event_folds_with_the_data_less_iframe() {
        let q = "label=AbC-D_efG&value=25.5&currency_code=USD&oid=T-9&url=https%3A%2F%2Fshop.test%2Fthanks";
        let requests = vec![
            get(&format!("https://www.googleadservices.com/pagead/conversion/1111111/?{q}&data=event%3Dpurchase")),
            get(&format!("https://td.doubleclick.net/td/rul/1111111?{q}")),
        ];
        let hits = decode_requests(&requests);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].hit.event.as_deref(), Some("purchase"));
        assert_eq!(hits[0].mirrors, vec![1]);
        // A second order on the same page is a separate conversion.
        let other = get(&format!(
            "https://td.doubleclick.net/td/rul/1111111?{}",
            q.replace("T-9", "T-10")
        ));
        assert_eq!(decode_requests(&[requests[0].clone(), other]).len(), 2);
    }

    #[test]
    fn remarketing_page_view_and_its_mirrors() {
        let q = "random=1556397983526&cv=11&fst=1556397983526&num=1&bg=ffffff&guid=ON&gtm=45be55s2&sendb=1&gcd=13l3l3l3l1l1&dma=0&data=event%3Dgtag.config&frm=0&url=https%3A%2F%2Fshop.test%2F&tiba=Shop&async=1&rfmt=3&fmt=4";
        let main = decode(&format!(
            "https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1111111/?{q}"
        ));
        assert_eq!(main[0].account.as_deref(), Some("AW-1111111"));
        assert_eq!(main[0].event.as_deref(), Some("gtag.config"));
        assert_eq!(main[0].class, EventClass::PageView);
        assert_eq!(main[0].params["consent"]["ad_user_data"], json!("not_set"));
        assert!(!main[0].mirror);
        let requests = vec![
            get(&format!("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1111111/?{q}")),
            get(&format!("https://www.google.com/pagead/1p-user-list/1111111/?{q}&is_vtc=1")),
            get(&format!("https://www.google.com/rmkt/collect/1111111/?{q}")),
            get(&format!("https://td.doubleclick.net/td/rul/1111111?{q}")),
            get("https://www.google.com/ccm/collect?tid=AW-1111111&en=page_view&dl=https%3A%2F%2Fshop.test%2F&gcd=13l3l3l3l1l1&npa=0"),
        ];
        let hits = decode_requests(&requests);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].request, 0);
        assert_eq!(hits[0].mirrors, vec![1, 2, 3, 4]);
    }

    #[test]
    fn remarketing_purchase_event_from_data() {
        let hits = decode("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/AW-1111111/?random=846177263&cv=9&num=1&label=AbC-D_efG-h12_34-567&data=event%3Dpurchase%3Ballow_custom_scripts%3Dtrue%3Bvalue%3D25.5%3Bcurrency%3DUSD%3Btransaction_id%3DT-9%3Becomm_prodid%3DSKU-1%2CSKU-2&frm=0&url=https://shop.test/thanks");
        let hit = &hits[0];
        assert_eq!(hit.account.as_deref(), Some("AW-1111111"));
        assert_eq!(hit.event.as_deref(), Some("purchase"));
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["value"], json!(25.5));
        assert_eq!(hit.params["currency"], json!("USD"));
        assert_eq!(hit.params["transaction_id"], json!("T-9"));
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.raw["data.allow_custom_scripts"], json!("true"));
    }

    #[test]
    fn remarketing_items_fill_content_ids() {
        // gtag('event', 'view_item', {send_to: 'AW-…', value, items: [{id, google_business_vertical}]}):
        // the items' ids go into `data=` as one list per business vertical.
        let hits = decode("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1111111/?random=1556397983526&cv=11&fst=1556397983526&num=1&bg=ffffff&guid=ON&async=1&gtm=45be55s2&gcd=13r3r3r3r5l1&dma=0&data=event%3Dview_item%3Bvalue%3D19.95%3Bgoogle_business_vertical%3Dretail%3Bid%3DSKU-1%2CSKU-2&frm=0&url=https%3A%2F%2Fshop.test%2Fproducts%2Fmug&tiba=Mug&rfmt=3&fmt=4");
        let hit = &hits[0];
        assert_eq!(hit.event.as_deref(), Some("view_item"));
        assert_eq!(hit.class, EventClass::ViewContent);
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(hit.params["value"], json!(19.95));
        assert_eq!(hit.raw["data.google_business_vertical"], json!("retail"));
        // Separators inside an id are escaped with a backslash.
        let hits = decode("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1111111/?random=1&data=event%3Dadd_to_cart%3Bgoogle_business_vertical%3Dretail%3Bid%3DSKU%5C%2C1%2CSKU%5C%3B2%2CSKU%5C%3D3");
        assert_eq!(
            hits[0].params["content_ids"],
            json!(["SKU,1", "SKU;2", "SKU=3"])
        );
        assert_eq!(hits[0].class, EventClass::AddToCart);
    }

    #[test]
    fn conversion_cart_data_fills_content_ids_and_items() {
        let url = format!(
            "https://www.googleadservices.com/pagead/conversion/10862264272/?{CONVERSION_QUERY}&data=event%3Dconversion&mid=123456789&fcntr=DE&flng=de&dscnt=0&bttype=purchase&item=(19.95*2*SKU-1**)(20*1*SKU-2**)&fmt=3"
        );
        let hit = &decode(&url)[0];
        assert_eq!(hit.class, EventClass::Purchase);
        assert_eq!(hit.params["content_ids"], json!(["SKU-1", "SKU-2"]));
        assert_eq!(
            hit.params["items"],
            json!([{"id": "SKU-1", "price": 19.95, "quantity": 2.0},
                   {"id": "SKU-2", "price": 20.0, "quantity": 1.0}])
        );
        // The legacy custom parameter still wins when both are sent.
        let both = decode(&url.replace(
            "data=event%3Dconversion",
            "data=event%3Dconversion%3Becomm_prodid%3DSKU-9",
        ));
        assert_eq!(both[0].params["content_ids"], json!(["SKU-9"]));
        // Cart data without ids names no items.
        let odd = decode(&url.replace(
            "item=(19.95*2*SKU-1**)(20*1*SKU-2**)",
            "item=(1*1***)garbage(",
        ));
        assert!(!odd[0].params.contains_key("content_ids"));
        assert!(!odd[0].params.contains_key("items"));
    }

    #[test]
    fn ccm_collect_fans_out_to_aw_destinations_only() {
        let hits = decode("https://www.google.com/ccm/collect?en=add_to_cart&tids=AW-111111111~G-ABC~AW-222222222&dl=https%3A%2F%2Fshop.test%2F");
        let accounts: Vec<_> = hits.iter().map(|h| h.account.clone().unwrap()).collect();
        assert_eq!(accounts, vec!["AW-111111111", "AW-222222222"]);
        assert!(hits
            .iter()
            .all(|h| h.mirror && h.class == EventClass::AddToCart));
        assert_eq!(hits[0].params["page_url"], json!("https://shop.test/"));
        assert!(decode("https://www.google.com/ccm/collect?en=page_view&tid=G-ABC").is_empty());
        assert!(decode("https://www.google.com/ccm/collect?en=page_view&tids=G-ABC~G-DEF").is_empty());
    }

    #[test]
    fn ccm_collect_without_a_tid_is_kept_without_an_account() {
        // As the current Google tag sends it: no `tid`, the destination is not in the URL.
        let url = "https://www.google.com/ccm/collect?rcb=6&frm=0&ae=g&auid=1384665868.1780983474&dt=Shop&en=page_view&dl=https%3A%2F%2Fshop.test%2F&scrsrc=www.googletagmanager.com&rnd=871891771.1781257503&navt=n&npa=0&gtm=45He66a1v857968348za200&gcs=G111&gcd=13r3r3r3r5l1&dma=0&tag_exp=1&tft=1781257503&tfd=1360";
        let hits = decode(url);
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.vendor, GOOGLE_ADS);
        assert_eq!(hit.account, None);
        assert_eq!(hit.event.as_deref(), Some("page_view"));
        assert_eq!(hit.class, EventClass::PageView);
        assert!(hit.mirror);
        assert_eq!(hit.params["page_url"], json!("https://shop.test/"));
        assert_eq!(hit.params["consent"]["ad_storage"], json!("granted"));
        // It folds into the account's remarketing hit, before or after it.
        let remarketing = get("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1111111/?random=1&cv=11&data=event%3Dgtag.config&url=https%3A%2F%2Fshop.test%2F");
        for requests in [
            vec![remarketing.clone(), get(url)],
            vec![get(url), remarketing.clone()],
        ] {
            let hits = decode_requests(&requests);
            assert_eq!(hits.len(), 1, "{hits:?}");
            assert_eq!(hits[0].hit.account.as_deref(), Some("AW-1111111"));
            assert!(!hits[0].hit.mirror);
        }
    }

    #[test]
    fn mirrors_of_two_accounts_do_not_fold_into_each_other() {
        let q = "random=1&cv=11&data=event%3Dgtag.config&url=https%3A%2F%2Fshop.test%2F";
        let requests = vec![
            get(&format!("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1111111/?{q}")),
            get(&format!("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/2222222/?{q}")),
            get(&format!("https://www.google.com/rmkt/collect/2222222/?{q}")),
            get(&format!("https://www.google.com/rmkt/collect/1111111/?{q}")),
        ];
        let hits = decode_requests(&requests);
        let folded: Vec<_> = hits
            .iter()
            .map(|h| (h.hit.account.clone().unwrap(), h.mirrors.clone()))
            .collect();
        assert_eq!(
            folded,
            vec![
                ("AW-1111111".to_string(), vec![3]),
                ("AW-2222222".to_string(), vec![2])
            ]
        );
    }

    #[test]
    fn ccm_conversion_on_google_and_through_the_tag_gateway() {
        let q = "random=1748574296354&cv=11&fst=1748574296354&en=conversion&gtm=45be55s2v9117590405za200&gcs=G111&gcd=13v3v3v3v5l1&dma=0&url=https%3A%2F%2Fshop.example%2Fcheckouts%2Fthank-you&label=_FJrCMev-7EDEND_w7so&value=59.90&currency_code=EUR&oid=1001&npa=0&pscdl=noapi&auid=647848301.1748574296";
        for url in [
            format!("https://www.google.com/ccm/conversion/10862264272/?{q}"),
            format!("https://www.googleadservices.com/ccm/conversion/10862264272/?{q}"),
            format!("https://shop.example/metrics/g/d/ccm/conversion/10862264272/?{q}"),
            format!("https://shop.example/pntd/as/d/ccm/conversion/10862264272/?{q}"),
            format!("https://sgtm.shop.example/gs/ccm/conversion/10862264272?{q}"),
        ] {
            let hits = decode(&url);
            assert_eq!(hits.len(), 1, "{url}");
            let hit = &hits[0];
            assert_eq!(hit.account.as_deref(), Some("AW-10862264272"), "{url}");
            assert_eq!(hit.event.as_deref(), Some("conversion"), "{url}");
            assert_eq!(hit.class, EventClass::Purchase, "{url}");
            assert_eq!(hit.params["value"], json!(59.9), "{url}");
            assert_eq!(hit.params["transaction_id"], json!("1001"), "{url}");
            assert!(hit.mirror, "{url}");
        }
        // The gateway copy folds into the conversion sent to Google, either way round.
        let main = get(&format!(
            "https://www.googleadservices.com/pagead/conversion/10862264272/?{q}&data=event%3Dconversion"
        ));
        let gateway = get(&format!(
            "https://shop.example/metrics/g/d/ccm/conversion/10862264272/?{q}"
        ));
        for requests in [
            vec![main.clone(), gateway.clone()],
            vec![gateway.clone(), main.clone()],
        ] {
            let hits = decode_requests(&requests);
            assert_eq!(hits.len(), 1, "{hits:?}");
            assert!(!hits[0].hit.mirror);
        }
    }

    #[test]
    fn first_party_paths_need_the_conversion_shape() {
        for url in [
            "https://shop.example/metrics/g/d/ccm/conversion/AW-123/?label=x",
            "https://shop.example/metrics/g/d/ccm/conversion/12a3/?label=x",
            "https://shop.example/metrics/g/d/ccm/conversion//?label=x",
            "https://shop.example/metrics/g/d/ccm/conversion/123/extra?label=x",
            "https://shop.example/ccm/collect?en=page_view",
            "https://shop.example/pagead/conversion/123/?label=x",
            "https://shop.example/api/conversion/123/?label=x",
        ] {
            assert!(decode(url).is_empty(), "{url}");
        }
    }

    #[test]
    fn label_only_conversion_is_not_a_purchase() {
        let hits = decode("https://www.googleadservices.com/pagead/conversion/985947123/?label=c9UACPWByQUQ87eR1gM&guid=ON&script=0");
        assert_eq!(hits[0].event.as_deref(), Some("conversion"));
        assert_eq!(hits[0].class, EventClass::Other);
        let with_currency = decode("https://www.googleadservices.com/pagead/conversion/936821661/?value=1.00&currency_code=BGN&label=_i-OCOG2n2MQnYfbvgM&guid=ON&script=0");
        assert_eq!(with_currency[0].class, EventClass::Purchase);
        assert_eq!(with_currency[0].params["currency"], json!("BGN"));
    }

    #[test]
    fn legacy_loader_is_recognised() {
        let hits = decode("https://www.googleadservices.com/pagead/conversion_async.js");
        assert_eq!(hits[0].kind, HitKind::Loader);
        assert_eq!(hits[0].vendor, GOOGLE_ADS);
    }

    #[test]
    fn look_alike_hosts_and_paths_are_ignored() {
        for url in [
            "https://google.example.com/pagead/1p-conversion/123/?label=x",
            "https://www.google.evil.test/pagead/1p-conversion/123/?label=x",
            "https://notgoogleadservices.com/pagead/conversion/123/?label=x",
            "https://www.google.com/search?q=pagead",
            "https://www.googleadservices.com/pagead/conversion//?label=x",
            "https://td.doubleclick.net/td/ga/rul?tid=G-1",
            "https://1234567.fls.doubleclick.net/activityi;src=1234567;type=group1",
            "https://googleads.g.doubleclick.net/pagead/viewthroughconversion/12%3Cscript%3E/",
        ] {
            assert!(decode(url).is_empty(), "{url}");
        }
    }

    #[test]
    fn country_google_hosts() {
        for host in [
            "www.google.com",
            "google.de",
            "www.google.co.uk",
            "www.google.com.au",
        ] {
            assert!(is_google_host(host), "{host}");
        }
        for host in [
            "google.evil.com",
            "google.com.evil.test",
            "mygoogle.com",
            "google.",
        ] {
            assert!(!is_google_host(host), "{host}");
        }
    }
}
