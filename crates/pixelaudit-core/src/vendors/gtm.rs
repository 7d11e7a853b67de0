//! Google Tag Manager and gtag.js: container and Google tag script loads (loaders only).

use super::params::{host, host_is, non_empty, parse_url, query_map};
use super::{Decoder, Hit, Vendor, GTM};
use crate::model::{CapturedRequest, ConsentFacts, ParamFacts, Repeats, VendorProfile};

/// Decoder for `gtm.js` / `gtag/js` loads, on Google's host or first-party (tag gateway, sGTM).
pub(crate) struct Gtm;

/// Everything pixelaudit knows about this vendor (listed once in the registry, `vendors/mod.rs`).
pub(crate) static PROFILE: VendorProfile = VendorProfile {
    name: "gtm",
    display: "Google Tag Manager / gtag.js loaders",
    id_format: "a container id, e.g. GTM-K9VTQN3, or the G-/AW-/GT- tag id a gtag.js load carries",
    decoder: &Gtm,
    events: &[],
    repeats: Repeats::Events(&[]),
    automatic: &[],
    params: ParamFacts {
        checked: true,
        currency: true,
        transaction_id: false,
        conversion_event_id: None,
    },
    // A loader: its hits carry no params.
    sources: &[],
    consent: ConsentFacts {
        cookieless_when_denied: None,
        exempt_by_default: false,
    },
    loaded_by: None,
    aliases: &[],
    // `gtm.js`, `gtag/js` and what they load from Google's host (first-party gateway and sGTM
    // loads are recognised by the decoder from their path).
    script_hosts: &["www.googletagmanager.com"],
};

/// Tag id prefixes a first-party `gtag/js` load must carry to be recognised as Google's.
const GTAG_PREFIXES: [&str; 4] = ["G-", "AW-", "GT-", "DC-"];

impl Decoder for Gtm {
    fn vendor(&self) -> Vendor {
        GTM
    }

    fn decode(&self, request: &CapturedRequest) -> Vec<Hit> {
        let Some(url) = parse_url(request) else {
            return Vec::new();
        };
        let google = host_is(host(&url), "googletagmanager.com");
        let path = url.path().trim_end_matches('/');
        let Some(id) = non_empty(&query_map(&url), "id") else {
            return Vec::new();
        };
        let recognised = if path.ends_with("/gtm.js") || (google && path == "/ns.html") {
            google || id.starts_with("GTM-")
        } else if path.ends_with("/gtag/js") {
            google || GTAG_PREFIXES.iter().any(|p| id.starts_with(p))
        } else {
            false
        };
        if !recognised {
            return Vec::new();
        }
        vec![Hit::loader(GTM, Some(id))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HitKind;

    fn decode(url: &str) -> Vec<Hit> {
        Gtm.decode(&CapturedRequest::new("GET", url, None))
    }

    fn account(url: &str) -> Option<String> {
        let hits = decode(url);
        assert!(hits.len() <= 1);
        hits.into_iter().next().and_then(|h| {
            assert_eq!(h.kind, HitKind::Loader);
            assert_eq!(h.vendor, GTM);
            h.account
        })
    }

    #[test]
    fn google_hosted_loaders_carry_their_id() {
        assert_eq!(
            account("https://www.googletagmanager.com/gtm.js?id=GTM-K9VTQN3&l=dataLayer")
                .as_deref(),
            Some("GTM-K9VTQN3")
        );
        assert_eq!(
            account("https://www.googletagmanager.com/gtag/js?id=G-ABC123XYZ&cx=c&gtm=45He")
                .as_deref(),
            Some("G-ABC123XYZ")
        );
        assert_eq!(
            account("https://www.googletagmanager.com/gtag/js?id=AW-10862264272").as_deref(),
            Some("AW-10862264272")
        );
        assert_eq!(
            account("https://www.googletagmanager.com/gtag/js?id=GT-PJSWXYZ&l=dataLayer&cx=c")
                .as_deref(),
            Some("GT-PJSWXYZ")
        );
        assert_eq!(
            account("https://www.googletagmanager.com/ns.html?id=GTM-K9VTQN3").as_deref(),
            Some("GTM-K9VTQN3")
        );
    }

    #[test]
    fn first_party_loaders_need_a_google_tag_id() {
        assert_eq!(
            account("https://gtm.shop.test/gtm.js?id=GTM-ABCD12&gtm_auth=x&gtm_preview=env-2")
                .as_deref(),
            Some("GTM-ABCD12")
        );
        assert_eq!(
            account("https://g-abc123xyz.fps.goog/gtag/js?id=G-ABC123XYZ").as_deref(),
            Some("G-ABC123XYZ")
        );
        assert_eq!(
            account("https://shop.test/metrics/gtm.js?id=GTM-ABCD12").as_deref(),
            Some("GTM-ABCD12")
        );
        assert_eq!(account("https://shop.test/assets/gtm.js?id=main"), None);
        assert_eq!(account("https://shop.test/gtag/js?id=jquery"), None);
    }

    #[test]
    fn non_loaders_and_look_alikes_are_ignored() {
        assert!(
            decode("https://www.googletagmanager.com/gtm.js").is_empty(),
            "no id"
        );
        assert!(
            decode("https://www.googletagmanager.com/gtag/destination?id=AW-1&cx=c").is_empty()
        );
        assert!(decode("https://googletagmanager.com.evil.test/gtm.js?id=main").is_empty());
        assert!(decode("https://shop.test/ns.html?id=GTM-ABCD12").is_empty());
        assert!(decode("not a url").is_empty());
    }
}
