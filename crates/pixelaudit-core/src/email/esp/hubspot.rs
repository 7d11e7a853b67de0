//! HubSpot (marketing and sales): tracking-only hosts (`hubspotlinks.com`, `hs-sales-engage.com`,
//! `t.hubspotemail.net`, `t.sidekickopen<NN>.com`, …) for open pixels and click redirects, branded
//! `/e2t/`, `/e3t/` paths (`o|to|Cto|Bto` opens, `c|Ctc|Btc` clicks), `/hs/manage-preferences/`
//! and `/hs/preferences-center/` pages, identity params `_hsenc` and `_hsmi`.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::{on_domain, re, Click, Provider, UrlParts};

static HUBSPOT_T_HOST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^t\.(hubspotemail|hubspotfree|signaux|senal|signale|sidekickopen|sigopn|hsmsdd)\d*\.[a-z.]+$|^t\.strk\d{2}\.email$|^track\.getsidekick\.com$",
    )
});
static HUBSPOT_OPEN_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/e[23]t/(o|to|Cto|Bto)/"));
static HUBSPOT_CLICK_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/e[23]t/(c|Ctc|Btc)/"));

/// HubSpot (marketing and sales).
pub(super) struct HubSpot;

/// The registry's entry for HubSpot.
pub(super) const PROVIDER: &dyn Provider = &HubSpot;

impl Provider for HubSpot {
    fn name(&self) -> &'static str {
        "HubSpot"
    }

    /// Tracking-only hosts \[EP\]\[MTB\]: hubspotlinks.com (`/Cto/`, `/Bto/`), hs-sales-engage,
    /// t.hubspotemail.net, t.hubspotfree.net, t.sidekickopen…, t.signaux…, …
    fn open_pixel(&self, url: &UrlParts) -> bool {
        is_hubspot_tracking_host(url.host)
    }

    /// /e2t/o/, /e2t/to/ \[R\]\[MTB\]; /e3t/Cto/, /e3t/Bto/ \[MTB\].
    fn branded_open_pixel(&self, url: &UrlParts) -> bool {
        HUBSPOT_OPEN_PATH.is_match(url.path)
    }

    /// <id>.<na1|eu1>.hubspotlinks.com/Ctc/… \[C\]; sales t.sidekickopen<NN>.com/s1t/c/…,
    /// *.hs-sales-engage.com \[C\]\[R\]; other tracking-only t.* hosts \[MTB\].
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (is_hubspot_tracking_host(url.host) && url.path != "/").then(Click::opaque)
    }

    /// Branded: /e2t/c/… \[R\], /e3t/Ctc/<code>+113/… \[C\], /e3t/Btc/ \[?\].
    fn branded_click(&self, url: &UrlParts) -> Option<Click> {
        HUBSPOT_CLICK_PATH.is_match(url.path).then(Click::opaque)
    }

    /// `/hs/manage-preferences/…` and `/hs/preferences-center/…` on any host.
    fn unsubscribe_link(&self, url: &Url) -> bool {
        let path = url.path();
        path.starts_with("/hs/manage-preferences/") || path.starts_with("/hs/preferences-center/")
    }

    /// From the doc.
    fn identity_params(&self) -> &'static [&'static str] {
        &["_hsenc", "_hsmi"]
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

fn is_hubspot_tracking_host(host: &str) -> bool {
    on_domain(host, "hubspotlinks.com")
        || on_domain(host, "hs-sales-engage.com")
        || HUBSPOT_T_HOST.is_match(host)
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://t.hubspotemail.net/e2t/to/VWx9Y1-3a/abc",
        "https://d2v8tf04.na1.hubspotlinks.com/Cto/LX+113/cJhC404/VW1",
        "https://info.shop.example.com/e2t/o/5/abcdef",
    ],
    clicks: &[
        "https://d2v8tf04.na1.hubspotlinks.com/Ctc/LX+113/cJhC404/VWbMJv2vnLfjW3Rh6L96gqS5",
        "https://info.shop.example.com/e3t/Ctc/OT+113/d4K34c04/VW1j0-8VyGVb",
        "https://t.hubspotemail.net/e2t/c/*W3ZxZ1234/abc",
        "https://t.sidekickopen06.com/s1t/c/5/f18dQhb0S7lC8dDMPbW2n0x6l2B9nMJW7t5XZs",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(HUBSPOT, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(HUBSPOT, SAMPLES.clicks);
    }

    #[test]
    fn file_manager_images_are_not_pixels() {
        // HubSpot file manager image.
        let src = "https://f.hubspotusercontent00.net/hubfs/123456/logo.png";
        assert_eq!(open_pixel_esp(&u(src)), None, "{src}");
    }

    #[test]
    fn unsubscribe_links() {
        let link =
            "https://info.shop.example.com/hs/manage-preferences/unsubscribe?languagePreference=en";
        assert!(is_unsubscribe_link(&u(link)), "{link}");
    }

    #[test]
    fn hubspot_email() {
        assert!(pixels(fixtures::HUBSPOT).contains(&Some(HUBSPOT)));
        let w = wrappers(fixtures::HUBSPOT);
        assert_eq!(
            w.iter().map(|w| w.esp).collect::<Vec<_>>(),
            [HUBSPOT, HUBSPOT]
        );
    }
}
