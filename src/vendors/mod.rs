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

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

pub use events::known_events;

use crate::request::CapturedRequest;

/// A tracking vendor pixelaudit knows how to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// Meta (Facebook) Pixel.
    Meta,
    /// Google Analytics 4.
    Ga4,
    /// Google Ads conversions and remarketing.
    GoogleAds,
    /// Google Tag Manager / gtag.js loaders.
    Gtm,
    /// TikTok Pixel.
    Tiktok,
    /// Pinterest Tag.
    Pinterest,
    /// Snap Pixel.
    Snap,
    /// Microsoft Advertising UET (Bing).
    Bing,
    /// X (Twitter) pixel.
    X,
    /// Reddit Pixel.
    Reddit,
    /// Klaviyo onsite tracking.
    Klaviyo,
    /// Shopify's own analytics (monorail, web pixels manager).
    Shopify,
}

impl Vendor {
    /// Every vendor, in display order.
    pub const ALL: [Vendor; 12] = [
        Vendor::Meta,
        Vendor::Ga4,
        Vendor::GoogleAds,
        Vendor::Gtm,
        Vendor::Tiktok,
        Vendor::Pinterest,
        Vendor::Snap,
        Vendor::Bing,
        Vendor::X,
        Vendor::Reddit,
        Vendor::Klaviyo,
        Vendor::Shopify,
    ];

    /// The stable snake_case name used in reports and configs.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Meta => "meta",
            Vendor::Ga4 => "ga4",
            Vendor::GoogleAds => "google_ads",
            Vendor::Gtm => "gtm",
            Vendor::Tiktok => "tiktok",
            Vendor::Pinterest => "pinterest",
            Vendor::Snap => "snap",
            Vendor::Bing => "bing",
            Vendor::X => "x",
            Vendor::Reddit => "reddit",
            Vendor::Klaviyo => "klaviyo",
            Vendor::Shopify => "shopify",
        }
    }

    /// Parses a vendor name as written in configs (`meta`, `ga4`, ...).
    pub fn parse(name: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.as_str() == name)
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a hit is a tracking event or the load of a vendor's script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A tracking event sent to the vendor.
    Event,
    /// The vendor's loader or configuration script.
    Loader,
}

/// The vendor-neutral meaning of an event, used by the generic checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EventClass {
    /// A page view.
    PageView,
    /// A product (content) view.
    ViewContent,
    /// A collection / category view.
    ViewCategory,
    /// A search.
    Search,
    /// Add to cart.
    AddToCart,
    /// Checkout started.
    BeginCheckout,
    /// Payment info added.
    AddPaymentInfo,
    /// A completed purchase / order.
    Purchase,
    /// A lead / sign-up / subscription.
    Lead,
    /// Anything else (custom events, engagement, loaders).
    #[default]
    Other,
}

impl EventClass {
    /// Conversions are the events vendors deduplicate against their server-side APIs.
    pub fn is_conversion(self) -> bool {
        matches!(
            self,
            EventClass::AddToCart
                | EventClass::BeginCheckout
                | EventClass::AddPaymentInfo
                | EventClass::Purchase
                | EventClass::Lead
        )
    }
}

/// One decoded vendor hit.
///
/// `params` holds the vendor-neutral parameters the checks read, under these keys:
/// `value` (number, or the string as sent when it is not numeric), `currency`, `content_ids`
/// (array), `content_type`, `items` (array of objects), `num_items`, `transaction_id`,
/// `event_id`, `page_url`, `consent` (object of the vendor's consent signals).
/// `raw` holds every parameter as the vendor sent it (flattened, vendor key names).
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The vendor.
    pub vendor: Vendor,
    /// Event or loader.
    pub kind: HitKind,
    /// The pixel / tag / account id, when the request carries one.
    pub account: Option<String>,
    /// The event name as the vendor spells it (`PageView`, `purchase`, `Added to Cart`).
    pub event: Option<String>,
    /// The vendor-neutral meaning of the event.
    pub class: EventClass,
    /// Normalised parameters (see the type's docs for the keys).
    pub params: BTreeMap<String, Value>,
    /// Every decoded parameter under the vendor's own names.
    pub raw: BTreeMap<String, Value>,
    /// True for a request to a mirror endpoint that repeats another request's event
    /// (Meta privacy-sandbox trigger, X's second host, Google Ads' extra endpoints).
    #[serde(skip)]
    pub mirror: bool,
    /// Hits of one vendor with the same key on one page are one logical event.
    #[serde(skip)]
    pub fold_key: Option<String>,
}

impl Hit {
    /// A new event hit with no parameters yet.
    pub fn event(vendor: Vendor, account: Option<String>, event: Option<String>) -> Self {
        Self {
            vendor,
            kind: HitKind::Event,
            account,
            event,
            class: EventClass::Other,
            params: BTreeMap::new(),
            raw: BTreeMap::new(),
            mirror: false,
            fold_key: None,
        }
    }

    /// A new loader hit (a vendor script or config load).
    pub fn loader(vendor: Vendor, account: Option<String>) -> Self {
        Self {
            kind: HitKind::Loader,
            ..Self::event(vendor, account, None)
        }
    }

    /// Sets the event class (builder style).
    pub fn with_class(mut self, class: EventClass) -> Self {
        self.class = class;
        self
    }

    /// Sets a normalised parameter when the value is present.
    pub fn set(&mut self, key: &str, value: Option<Value>) {
        if let Some(value) = value {
            self.params.insert(key.to_string(), value);
        }
    }

    /// A normalised parameter.
    pub fn param(&self, key: &str) -> Option<&Value> {
        self.params.get(key)
    }
}

/// A decoded hit together with the request it came from, after mirror folding.
#[derive(Debug, Clone)]
pub struct DecodedHit {
    /// The hit.
    pub hit: Hit,
    /// Index of the originating request in the page's request list.
    pub request: usize,
    /// Indexes of mirror requests folded into this hit.
    pub mirrors: Vec<usize>,
}

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
