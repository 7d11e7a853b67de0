//! Vendor decoders: turn captured requests into vendor hits (vendor, account, event, parameters).
//!
//! Each vendor lives in its own file and implements [`Decoder`]. [`decode_requests`] runs every
//! decoder over a page's requests and folds mirror requests (one logical event sent to several
//! endpoints) into a single hit.

mod bing;
mod events;
mod ga4;
mod google_ads;
mod gtm;
mod klaviyo;
mod meta;
pub(crate) mod params;
mod pinterest;
mod reddit;
mod shopify;
mod snap;
mod tiktok;
mod x;

pub use events::known_events;

use crate::model::{CapturedRequest, DecodedHit, EventClass, Hit, Vendor};

/// A vendor decoder. Implementations return no hits for requests that are not theirs.
pub trait Decoder: Sync {
    /// The vendor this decoder handles.
    fn vendor(&self) -> Vendor;
    /// Decodes one request into zero or more hits (a batched body can hold several events).
    fn decode(&self, request: &CapturedRequest) -> Vec<Hit>;
}

/// Every decoder, in display order.
pub fn decoders() -> &'static [&'static dyn Decoder] {
    &[
        &meta::Meta,
        &ga4::Ga4,
        &google_ads::GoogleAds,
        &gtm::Gtm,
        &tiktok::Tiktok,
        &pinterest::Pinterest,
        &snap::Snap,
        &bing::Bing,
        &x::X,
        &reddit::Reddit,
        &klaviyo::Klaviyo,
        &shopify::Shopify,
    ]
}

/// Decodes one request with every decoder.
pub fn decode(request: &CapturedRequest) -> Vec<Hit> {
    let not_a_hit = request.url.starts_with("data:")
        || request.url.starts_with("blob:")
        // CORS preflights carry no data; the real request follows.
        || request.method.eq_ignore_ascii_case("OPTIONS");
    if not_a_hit {
        return Vec::new();
    }
    decoders()
        .iter()
        .flat_map(|decoder| decoder.decode(request))
        .collect()
}

/// Decodes a page's requests, in order, and folds mirror requests into the hit they repeat.
pub fn decode_requests(requests: &[CapturedRequest]) -> Vec<DecodedHit> {
    let mut out: Vec<DecodedHit> = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        for hit in decode(request) {
            if let Some(target) = fold_target(&out, &hit) {
                let folded = &mut out[target];
                if folded.hit.mirror && !hit.mirror {
                    // The mirror arrived first: make the main request the origin.
                    folded.mirrors.push(folded.request);
                    folded.request = index;
                    folded.hit = hit;
                } else {
                    folded.mirrors.push(index);
                }
                continue;
            }
            out.push(DecodedHit {
                hit,
                request: index,
                mirrors: Vec::new(),
            });
        }
    }
    out
}

/// Where `hit` folds into: an earlier hit of the same vendor and fold key, when one of the two
/// is a mirror. Two main-endpoint hits with the same key stay separate (that is a duplicate).
fn fold_target(existing: &[DecodedHit], hit: &Hit) -> Option<usize> {
    let key = hit.fold_key.as_ref()?;
    existing.iter().position(|d| {
        d.hit.vendor == hit.vendor
            && d.hit.fold_key.as_ref() == Some(key)
            && (hit.mirror || d.hit.mirror)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str) -> CapturedRequest {
        CapturedRequest::new("GET", url, None)
    }

    #[test]
    fn meta_privacy_sandbox_mirror_folds_into_one_event() {
        let q = "id=1234567890123456&ev=PageView&dl=https%3A%2F%2Fshop.test%2F&ts=1";
        let requests = vec![
            get(&format!("https://www.facebook.com/tr/?{q}")),
            get(&format!(
                "https://www.facebook.com/privacy_sandbox/pixel/register/trigger/?{q}"
            )),
        ];
        let hits = decode_requests(&requests);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].request, 0);
        assert_eq!(hits[0].mirrors, vec![1]);
    }

    #[test]
    fn two_main_hits_with_same_key_stay_separate() {
        let q = "id=1234567890123456&ev=PageView&ts=1";
        let url = format!("https://www.facebook.com/tr/?{q}");
        let hits = decode_requests(&[get(&url), get(&url)]);
        assert_eq!(hits.len(), 2);
    }

    #[test]
    fn preflights_are_never_hits() {
        let preflight =
            CapturedRequest::new("OPTIONS", "https://analytics.tiktok.com/api/v2/pixel", None);
        assert!(decode(&preflight).is_empty());
    }

    #[test]
    fn data_and_blob_urls_are_never_hits() {
        assert!(decode(&get("data:image/gif;base64,R0lGOD")).is_empty());
        assert!(decode(&get("blob:https://shop.test/1234")).is_empty());
    }

    #[test]
    fn vendor_names_round_trip() {
        for vendor in Vendor::ALL {
            assert_eq!(Vendor::parse(vendor.as_str()), Some(vendor));
        }
        assert_eq!(Vendor::parse("facebook"), None);
    }
    #[test]
    fn hostile_requests_never_panic() {
        let urls = [
            "https://www.google-analytics.com/g/collect?v=2&tid=G-1&en=purchase&pr1=%E2%82%AC~~k~v&epn.value=1e400",
            "https://www.googleadservices.com/pagead/conversion/1/?data=%3B%3B%3D%3D&label=&tids=AW-~AW-",
            "https://www.google.com/ccm/collect?tids=~~~&tid=AW-%00",
            "https://td.doubleclick.net/td/rul/%FF%FE?gcd=%E2%82%AC&gcs=G1",
            "https://www.googletagmanager.com/gtm.js?id=",
            "https://analytics.tiktok.com/api/v2/pixel/batch",
            "https://ct.pinterest.com/v3/?ed=%5B%5D&ad=null&pd=%7B%7D",
            "https://tr.snapchat.com/p?e_iids=%5B%5B%5B",
            "https://bat.bing.com/action/0?evt=custom&ea=%E2%82%AC&gv=-0",
            "https://t.co/1/i/adsct?events=%5B%5B1%2C2%5D%5D&event=%5B%5D",
            "https://alb.reddit.com/rp.gif?event=Custom&m.products=%7B%22id%22%3A1%7D",
            "https://a.klaviyo.com/api/track?data=%3D%3D%3D%3D",
            "https://a.klaviyo.com/client/events/",
            "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch",
            "https://static.klaviyo.com/onsite/js//klaviyo.js",
        ];
        let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
        let huge = "9".repeat(100_000);
        let bodies = [
            String::new(),
            "null".to_string(),
            "[]".to_string(),
            "{}".to_string(),
            deep,
            format!(r#"{{"events":[{{"schema_id":{huge}}}],"batch":{{}}}}"#),
            r#"{"batch":[{"event":{},"context":[],"properties":{"contents":{"content_id":1}}}]}"#
                .to_string(),
            r#"{"data":{"attributes":{"metric":[],"properties":"x","value":{}}}}"#.to_string(),
            format!("en=page_view&ep.value={huge}\nen=\n\0"),
            "\u{0}%%%&&==;;~~".to_string(),
        ];
        for url in urls {
            for body in &bodies {
                for method in ["GET", "POST"] {
                    let _ = decode(&CapturedRequest::new(method, url, Some(body)));
                }
            }
        }
    }
}
