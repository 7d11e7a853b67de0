//! Klaviyo: open pixels on `trk.klaviyomail.com` and any image on `klclick*.com`, click redirects
//! `ctrk.klclick*.com/l/<ULID>_<n>` and `trk.klclick*.com/ls/click?upn=`, `manage.kmail-lists.com`
//! unsubscribe pages, identity params `_kx` and `_ke`.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::{on_domain, re, Click, Provider, UrlParts};

static KLCLICK_HOST: LazyLock<Regex> = LazyLock::new(|| re(r"(^|\.)klclick\d*\.com$"));

/// Klaviyo.
pub(super) struct Klaviyo;

/// The registry's entry for Klaviyo.
pub(super) const PROVIDER: &dyn Provider = &Klaviyo;

impl Provider for Klaviyo {
    fn name(&self) -> &'static str {
        "Klaviyo"
    }

    /// trk.klaviyomail.com/… \[R\]\[MTB\]; any image on klclick*.com \[EP `.klclick.com/$image`\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        on_domain(url.host, "klaviyomail.com") || KLCLICK_HOST.is_match(url.host)
    }

    /// ctrk.klclick{,1,2,3}.com/l/<ULID>_<n>, trk.klclick{,3}.com/ls/click?upn= \[C\]. The hosts
    /// are tracking-only, so any non-root path counts.
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (KLCLICK_HOST.is_match(url.host) && url.path != "/").then(Click::opaque)
    }

    /// Any `manage.kmail-lists.com` URL: unsubscribe, preference and web-view pages.
    fn unsubscribe_link(&self, url: &Url) -> bool {
        on_domain(url.host_str().unwrap_or(""), "manage.kmail-lists.com")
    }

    /// `_kx` is from the doc; the older `_ke` is not \[?\].
    fn identity_params(&self) -> &'static [&'static str] {
        &["_kx", "_ke"]
    }

    /// `X-Kmail-*` / `X-Klaviyo-*` headers, a `List-Unsubscribe` on `kmail-lists.com` \[C\].
    fn own_header(&self, name: &str, value: &str) -> bool {
        name.starts_with("x-kmail-")
            || name.starts_with("x-klaviyo-")
            || (name == "list-unsubscribe" && value.to_ascii_lowercase().contains("kmail-lists.com"))
    }

    /// Klaviyo's mail goes out through SendGrid (its links are SendGrid-built) \[C\].
    fn sends_through(&self) -> &'static [super::Esp] {
        &[super::SENDGRID]
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://trk.klaviyomail.com/open/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D/p.gif"],
    clicks: &[
        "https://ctrk.klclick.com/l/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D_0",
        "https://ctrk.klclick1.com/l/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D_12",
        "https://trk.klclick3.com/ls/click?upn=u001.AbCdEf-2BGh",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(KLAVIYO, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(KLAVIYO, SAMPLES.clicks);
    }

    #[test]
    fn product_images_are_not_pixels() {
        // Klaviyo-hosted product image (CloudFront).
        let src =
            "https://d3k81ch9hvuctc.cloudfront.net/company/AbC123/images/8f2e4c1a-product.jpeg";
        assert_eq!(open_pixel_esp(&u(src)), None, "{src}");
    }

    #[test]
    fn sendgrid_built_links_are_klaviyos() {
        // Klaviyo's SendGrid-built links are Klaviyo's, not SendGrid's.
        assert_eq!(
            esp_of_click("https://trk.klclick.com/ls/click?upn=abc"),
            Some(KLAVIYO)
        );
        assert_eq!(
            open_pixel_esp(&u("https://trk.klclick.com/wf/open?upn=abc")),
            Some(KLAVIYO)
        );
    }

    #[test]
    fn unsubscribe_links() {
        for link in [
            "https://manage.kmail-lists.com/subscriptions/unsubscribe?a=AbC123&c=01J8ZK&k=9f8e",
            "https://manage.kmail-lists.com/subscriptions/manage?a=AbC123&c=01J8ZK",
        ] {
            assert!(is_unsubscribe_link(&u(link)), "{link}");
        }
        let link = "https://www.klaviyo.com/";
        assert!(!is_unsubscribe_link(&u(link)), "{link}");
    }

    #[test]
    fn klaviyo_email() {
        let found = pixels(fixtures::KLAVIYO);
        assert_eq!(
            found.iter().filter(|e| **e == Some(KLAVIYO)).count(),
            1,
            "{found:?}"
        );
        assert_eq!(
            found.iter().filter(|e| e.is_none()).count(),
            found.len() - 1
        );
        let w = wrappers(fixtures::KLAVIYO);
        assert!(
            w.len() >= 3
                && w.iter()
                    .all(|w| w.esp == KLAVIYO && w.destination.is_none())
        );
        let ex = extract(fixtures::KLAVIYO);
        let unsub: Vec<_> = ex
            .links
            .iter()
            .filter(|l| l.url.as_ref().is_some_and(is_unsubscribe_link))
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(unsub, ["Unsubscribe", "Manage preferences"]);
    }
}
