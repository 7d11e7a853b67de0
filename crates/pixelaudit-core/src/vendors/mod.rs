//! Vendor decoders and the vendor registry: turn captured requests into vendor hits (vendor,
//! account, event, parameters).
//!
//! Each vendor lives in its own file: its [`Decoder`] and its [`VendorProfile`](crate::model::VendorProfile) (`PROFILE`, every
//! fact the checks need). The registry below lists each vendor once; adding a vendor is one new
//! file and one line there. [`decode_requests`] runs every decoder over a page's requests and
//! folds mirror requests (one logical event sent to several endpoints) into a single hit.

pub(crate) mod params;

use crate::model::{CapturedRequest, DecodedHit, Decoder, EventClass, Hit, Vendor};

/// Declares the vendor modules, a handle constant per vendor and [`all`], in one list.
macro_rules! registry {
    ($($handle:ident => $module:ident,)*) => {
        $(mod $module;)*

        /// Registry positions, counted by the compiler.
        #[allow(non_camel_case_types)]
        #[repr(u8)]
        enum Position {
            $($module,)*
        }

        $(
            #[doc = concat!("The `", stringify!($module), "` vendor.")]
            pub const $handle: Vendor =
                Vendor::registered(Position::$module as u8, &$module::PROFILE);
        )*

        /// Every vendor, in display order.
        const ALL: &[Vendor] = &[$($handle,)*];
    };
}

// The registry, in display order (findings and tables sort by it): meta, ga4, google_ads,
// gtm, tiktok, pinterest, snap, bing, x, reddit, klaviyo, shopify.
registry! {
    META => meta,
    GA4 => ga4,
    GOOGLE_ADS => google_ads,
    GTM => gtm,
    TIKTOK => tiktok,
    PINTEREST => pinterest,
    SNAP => snap,
    BING => bing,
    X => x,
    REDDIT => reddit,
    KLAVIYO => klaviyo,
    SHOPIFY => shopify,
}

/// Every vendor, in display order.
pub fn all() -> &'static [Vendor] {
    ALL
}

/// Parses a vendor name as written in configs (`meta`, `ga4`, ...).
pub fn parse(name: &str) -> Option<Vendor> {
    ALL.iter().copied().find(|v| v.as_str() == name)
}

/// The vendor whose own script hosts serve `url`
/// ([`VendorProfile::script_hosts`](crate::model::VendorProfile::script_hosts)), if any.
pub fn script_owner(url: &str) -> Option<Vendor> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str()?;
    ALL.iter()
        .copied()
        .find(|v| v.profile().serves_script(host, url.path()))
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
    // A hit's body is a few KB; a huge one (an upload, a hostile page) is decoded from its
    // first MiB instead of being copied and parsed whole by every decoder.
    let prefix;
    let request = match &request.body {
        Some(body) if body.len() > MAX_DECODED_BODY => {
            let mut cut = MAX_DECODED_BODY;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            prefix = CapturedRequest {
                body: Some(body[..cut].to_string()),
                ..request.clone()
            };
            &prefix
        }
        _ => request,
    };
    ALL.iter()
        .flat_map(|vendor| vendor.profile().decoder.decode(request))
        .collect()
}

/// How much of a request body the decoders read.
pub const MAX_DECODED_BODY: usize = 1024 * 1024;

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

/// Where `hit` folds into: an earlier hit of the same vendor, account and fold key, when one of
/// the two is a mirror. Two main-endpoint hits with the same key stay separate (that is a
/// duplicate).
fn fold_target(existing: &[DecodedHit], hit: &Hit) -> Option<usize> {
    let key = hit.fold_key.as_ref()?;
    existing.iter().position(|d| {
        d.hit.vendor == hit.vendor
            && d.hit.fold_key.as_ref() == Some(key)
            && (hit.mirror || d.hit.mirror)
            && same_account(&d.hit, hit)
    })
}

/// The same account, or a mirror that names none (Google's `ccm/collect` often carries no
/// `tid`): it repeats whichever account's event has its key.
fn same_account(a: &Hit, b: &Hit) -> bool {
    a.account == b.account || (a.mirror && a.account.is_none()) || (b.mirror && b.account.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str) -> CapturedRequest {
        CapturedRequest::new("GET", url, None)
    }

    #[test]
    fn a_huge_body_is_decoded_from_its_first_mib() {
        let padding = "x".repeat(3 * MAX_DECODED_BODY);
        let body =
            format!("id=1234567890123456&ev=Purchase&cd[value]=1&cd[currency]=EUR&pad={padding}é");
        let mut request = CapturedRequest::new("POST", "https://www.facebook.com/tr/", Some(&body));
        request.content_type = Some("application/x-www-form-urlencoded".into());
        let started = std::time::Instant::now();
        let hits = decode(&request);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].event.as_deref(), Some("Purchase"));
        let pad = hits[0].raw["pad"].as_str().map_or(0, str::len);
        assert!(pad < MAX_DECODED_BODY, "only the first MiB is read: {pad}");
        assert!(started.elapsed().as_secs() < 2);
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
        for &vendor in all() {
            assert_eq!(parse(vendor.as_str()), Some(vendor));
        }
        assert_eq!(parse("facebook"), None);
    }

    #[test]
    fn every_vendor_says_what_its_ids_look_like() {
        // Shown to users by `pixelaudit vendors`: never empty, never a team-notes tag.
        for &vendor in all() {
            let format = vendor.profile().id_format;
            assert!(!format.trim().is_empty(), "{vendor} has no id_format");
            assert!(
                !format.contains("[unconfirmed]") && !format.contains("[?]"),
                "{vendor}'s id_format is for users: {format}"
            );
        }
    }

    #[test]
    fn the_registry_is_well_formed_and_in_display_order() {
        let names: Vec<&str> = all().iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names,
            [
                "meta",
                "ga4",
                "google_ads",
                "gtm",
                "tiktok",
                "pinterest",
                "snap",
                "bing",
                "x",
                "reddit",
                "klaviyo",
                "shopify",
            ],
            "the documented display order"
        );
        let mut sorted = all().to_vec();
        sorted.sort();
        assert_eq!(sorted, all(), "order follows the registry");
        let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "names are unique: {names:?}");
        // Loader-only vendors have no events of their own; every other vendor lists some.
        let loader_only = ["gtm"];
        for (position, &vendor) in all().iter().enumerate() {
            let profile = vendor.profile();
            let name = profile.name;
            assert_eq!(vendor.position(), position);
            assert!(
                !name.is_empty()
                    && name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name} is not snake_case"
            );
            assert!(!profile.display.is_empty(), "{name} has a display name");
            assert_eq!(profile.decoder.vendor(), vendor, "{name}'s decoder");
            assert_eq!(
                profile.events.is_empty(),
                loader_only.contains(&name),
                "{name}'s known events"
            );
            if let Some(loader) = profile.loaded_by {
                assert_ne!(loader, vendor, "{name} is loaded by another vendor");
            }
        }
    }

    #[test]
    fn script_hosts_belong_to_one_vendor_each() {
        for &vendor in all() {
            for entry in vendor.profile().script_hosts {
                let (host, path) = entry.split_at(entry.find('/').unwrap_or(entry.len()));
                let path = if path.is_empty() { "/" } else { path };
                assert!(
                    !host.is_empty() && host == host.to_ascii_lowercase() && !entry.contains(':'),
                    "{entry} is a lowercase host, optionally with a path prefix"
                );
                let owners: Vec<&str> = all()
                    .iter()
                    .filter(|v| v.profile().serves_script(host, path))
                    .map(|v| v.as_str())
                    .collect();
                assert_eq!(owners, vec![vendor.as_str()], "{entry} has one owner");
            }
        }
        let owner = |url: &str| script_owner(url).map(|v| v.as_str());
        for (url, vendor) in [
            (
                "https://connect.facebook.net/signals/plugins/identity.js?v=2.9.156",
                "meta",
            ),
            (
                "https://analytics.tiktok.com/i18n/pixel/static/identify_1a2b3c.js",
                "tiktok",
            ),
            (
                "https://www.googletagmanager.com/gtag/destination?id=G-1",
                "gtm",
            ),
            ("https://s.pinimg.com/ct/lib/main.123abc.js", "pinterest"),
            ("https://www.redditstatic.com/ads/v1/pixel.js", "reddit"),
            (
                "https://static.klaviyo.com/onsite/js/vendors~signup_forms.js",
                "klaviyo",
            ),
        ] {
            assert_eq!(owner(url), Some(vendor), "{url}");
        }
        for url in [
            "https://s.pinimg.com/images/widget.js",
            "https://www.redditstatic.com/shreddit/app.js",
            "https://cdn.shopify.com/s/files/1/0000/0001/t/1/assets/theme.js",
            "https://connect.facebook.net.evil.test/en_US/fbevents.js",
            "https://sub.bat.bing.com/bat.js",
            "data:text/javascript,1",
            "not a url",
        ] {
            assert_eq!(owner(url), None, "{url}");
        }
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

/// What `pixelaudit vendors NAME` says a param is read from is what the decoder reads: each
/// case puts a value under the wire key a profile's `sources` names and finds it in the param.
#[cfg(test)]
mod sources {
    use super::*;
    use serde_json::{json, Value};

    /// Asserts that `vendor`'s source for `key` names `wire`, and that `request`'s first hit of
    /// that vendor has `expected` in `key`; returns the hit for further checks.
    fn lands(
        vendor: Vendor,
        key: &str,
        wire: &str,
        request: &CapturedRequest,
        expected: Value,
    ) -> Hit {
        let from = vendor
            .profile()
            .source(key)
            .unwrap_or_else(|| panic!("{vendor} says nothing of `{key}`"));
        assert!(
            from.split(|c: char| !(c.is_ascii_alphanumeric() || "_.[]$".contains(c)))
                .any(|word| word == wire),
            "{vendor} `{key}` is read from `{from}`, which does not name `{wire}`"
        );
        let hit = decode(request)
            .into_iter()
            .find(|h| h.vendor == vendor)
            .unwrap_or_else(|| panic!("no {vendor} hit"));
        assert_eq!(
            hit.params.get(key),
            Some(&expected),
            "{vendor} {key}: {hit:?}"
        );
        hit
    }

    fn post(url: &str, content_type: &str, body: &str) -> CapturedRequest {
        let mut request = CapturedRequest::new("POST", url, Some(body));
        request.content_type = Some(content_type.into());
        request
    }

    const SNAP_PID: &str = "b2ade379-a55e-4ca7-893b-b9fac04c843f";

    #[test]
    fn snap_dedup_ids_are_the_event_id() {
        let batch = format!(
            r#"{{"ctx":{{"pl":"https://shop.test/"}},"req":[{{"t":{{"pid":"{SNAP_PID}","ev":"PURCHASE","e_pr":74.5,"cdid":"purchase-1001"}}}}]}}"#
        );
        let request = post("https://tr.snapchat.com/p", "application/json", &batch);
        lands(SNAP, "event_id", "cdid", &request, json!("purchase-1001"));
        lands(SNAP, "value", "e_pr", &request, json!(74.5));
        lands(
            SNAP,
            "page_url",
            "pl",
            &request,
            json!("https://shop.test/"),
        );
        for wire in ["client_dedup_id", "e_client_dedup_id", "cdid"] {
            let form = format!("pid={SNAP_PID}&ev=ADD_CART&{wire}=atc-7");
            let request = post(
                "https://tr.snapchat.com/p",
                "application/x-www-form-urlencoded",
                &form,
            );
            lands(SNAP, "event_id", wire, &request, json!("atc-7"));
        }
    }

    #[test]
    fn an_x_conversion_tag_s_conversion_id_is_the_event_id_not_its_wire_event_id() {
        let event = r#"{"value":89.8,"currency":"EUR","contents":[{"content_id":"LS-001"}],"conversion_id":"purchase-1001"}"#;
        let url = format!(
            "https://t.co/1/i/adsct?bci=4&txn_id=tw-o81g6-ocx5k&event={}&event_id=826fb45b-0d48-4acb-944d-2aff711bb3c9&tw_document_href=https%3A%2F%2Fshop.test%2Fthank-you",
            urlencode(event)
        );
        let request = CapturedRequest::new("GET", &url, None);
        let hit = lands(
            X,
            "event_id",
            "conversion_id",
            &request,
            json!("purchase-1001"),
        );
        assert!(!hit.params.contains_key("transaction_id"), "{hit:?}");
        lands(X, "value", "value", &request, json!(89.8));
        lands(
            X,
            "page_url",
            "tw_document_href",
            &request,
            json!("https://shop.test/thank-you"),
        );
        // A base-pixel hit's event id is the wire `event_id`.
        let base = CapturedRequest::new(
            "GET",
            "https://t.co/1/i/adsct?bci=4&txn_id=o81g6&event=%7B%7D&event_id=826fb45b",
            None,
        );
        lands(X, "event_id", "event_id", &base, json!("826fb45b"));
    }

    #[test]
    fn reddit_s_conversion_id_is_the_event_id_sent_hashed() {
        // sha256("order-1001"), hex, as the current library sends it.
        let hashed = "50ac93f41009bb5828fbeb9b39ca5129a5888ba493196a343d69c38b2df5a412";
        let request = CapturedRequest::new(
            "GET",
            &format!("https://alb.reddit.com/rp.gif?id=a2_abc123z&event=Purchase&m.valueDecimal=74.5&m.conversionId={hashed}"),
            None,
        );
        let hit = lands(
            REDDIT,
            "event_id",
            "m.conversionId",
            &request,
            json!(hashed),
        );
        assert_eq!(hit.params["hashed"], json!(["event_id"]));
        assert!(REDDIT
            .profile()
            .source("event_id")
            .unwrap()
            .contains("SHA-256"));
        lands(REDDIT, "value", "m.valueDecimal", &request, json!(74.5));
    }

    #[test]
    fn meta_s_eid_is_the_event_id_and_cd_value_the_value() {
        let request = CapturedRequest::new(
            "GET",
            "https://www.facebook.com/tr/?id=1234567890123456&ev=Purchase&eid=purchase-1001&cd[value]=59.90&cd[currency]=EUR&dl=https%3A%2F%2Fshop.test%2F",
            None,
        );
        lands(META, "event_id", "eid", &request, json!("purchase-1001"));
        lands(META, "value", "cd[value]", &request, json!(59.9));
        lands(META, "currency", "cd[currency]", &request, json!("EUR"));
        lands(
            META,
            "page_url",
            "dl",
            &request,
            json!("https://shop.test/"),
        );
    }

    fn urlencode(text: &str) -> String {
        url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }
}
