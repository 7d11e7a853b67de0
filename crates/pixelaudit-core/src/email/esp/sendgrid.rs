//! Twilio SendGrid: open pixels on `*.ct.sendgrid.net` (`/wf/open`, `/ss/o/`, `/trk`, `/mpss/o`)
//! and branded `/wf/open?upn=`, `/ss/o/….gif`; click redirects `/ls/click`, `/ss/c/`, `/wf/click`
//! on sendgrid.net and branded `/ls/click?upn=`, `/ss/c/u001.…`; `/asm/…` unsubscribe pages.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::{on_domain, re, Click, Provider, UrlParts};

static SENDGRID_SS_CLICK_PATH: LazyLock<Regex> =
    LazyLock::new(|| re(r"^/ss/c/[A-Za-z0-9_-]{20,}/[A-Za-z0-9]{3}/[A-Za-z0-9_-]{20,}/h\d+/"));

/// Twilio SendGrid (also what Braze, beehiiv and Klaviyo's older links are built on).
pub(super) struct SendGrid;

/// The registry's entry for SendGrid.
pub(super) const PROVIDER: &dyn Provider = &SendGrid;

impl Provider for SendGrid {
    fn name(&self) -> &'static str {
        "SendGrid"
    }

    /// SendGrid's own hosts: anything on *.ct.sendgrid.net \[EP\]; /wf/open, /ss/o, /trk, /mpss/o
    /// \[MTB\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        let (host, path) = (url.host, url.path);
        (on_domain(host, "sendgrid.net") || on_domain(host, "sendgrid.com"))
            && (on_domain(host, "ct.sendgrid.net")
                || ["/wf/open", "/ss/o/", "/trk", "/mpss/o"]
                    .iter()
                    .any(|p| path.starts_with(p)))
    }

    /// /wf/open?upn=… and /ss/o/….gif \[EP\]\[R\].
    fn branded_open_pixel(&self, url: &UrlParts) -> bool {
        (url.path == "/wf/open" && url.query("upn").is_some())
            || (url.path.starts_with("/ss/o/") && url.path.ends_with(".gif"))
    }

    /// Default: u<digits>.ct.sendgrid.net/ls/click?upn=… \[C\], /ss/c/…, /wf/click.
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (on_domain(url.host, "sendgrid.net")
            && ["/ls/click", "/ss/c/", "/wf/click"]
                .iter()
                .any(|p| url.path.starts_with(p)))
        .then(Click::opaque)
    }

    /// Branded: /ls/click?upn=… \[C\], /ss/c/u001.… \[C\], old /wf/click?upn= \[?\]; also the older
    /// /ss/c/<token>/<3 chars>/<token>/h<N>/<token> form \[C\] (no `u001.`).
    fn branded_click(&self, url: &UrlParts) -> Option<Click> {
        let (path, segs) = (url.path, &url.segs);
        let upn = (path == "/ls/click" || path == "/wf/click") && url.query("upn").is_some();
        let ss =
            (segs.len() >= 3 && segs[0] == "ss" && segs[1] == "c" && segs[2].starts_with("u001."))
                || SENDGRID_SS_CLICK_PATH.is_match(path);
        (upn || ss).then(Click::opaque)
    }

    /// `/asm/…` (Advanced Suppression Manager) on any host; `/wf/unsubscribe` is caught by the
    /// generic `unsub` rule.
    fn unsubscribe_link(&self, url: &Url) -> bool {
        url.path().starts_with("/asm/")
    }

    /// `X-SG-EID` / `X-SG-ID`, or a `Received:` through `sendgrid.net` \[C\]. A relay's marks too:
    /// the platforms that send through SendGrid say so (`sends_through`).
    fn own_header(&self, name: &str, value: &str) -> bool {
        name == "x-sg-eid"
            || name == "x-sg-id"
            || (name == "received" && value.to_ascii_lowercase().contains("sendgrid.net"))
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://u1234567.ct.sendgrid.net/wf/open?upn=u001.AbCdEf",
        "https://url9316.shop.example.com/wf/open?upn=u001.Xyz-123",
        "https://link.mail.beehiiv.com/ss/o/_3iXq-h705EJuVmikmg72w/3xs/rujwHrtXT-CRK4toWIuXOQ/ho.gif",
    ],
    clicks: &[
        "https://u1234567.ct.sendgrid.net/ls/click?upn=u001.AbC-2FdEf",
        "https://url9316.shop.example.com/ls/click?upn=u001.AbC-2FdEf",
        "https://links.shop.example.com/ss/c/u001.Xb2-kjS8/4b1/AbCd/h3/Xyz",
        "https://wl.shop.example.com/ss/c/YHCG2buDf8JvWpMQNG2As5amV2GC27XBzPSsU7APvx-6DTQobH7T/3pu/aELHK-PVSCCppkIBMas8ag/h2/Qx5abc",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(SENDGRID, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(SENDGRID, SAMPLES.clicks);
    }

    #[test]
    fn lookalike_paths_are_not_wrappers() {
        for link in [
            "https://shop.example.com/ls/click",           // no upn
            "https://shop.example.com/ss/c/not-a-token/x", // no u001.
        ] {
            assert_eq!(click_wrapper(&u(link)), None, "{link}");
        }
    }

    #[test]
    fn unsubscribe_links() {
        for link in [
            "https://u1234567.ct.sendgrid.net/wf/unsubscribe?upn=u001.AbC",
            "https://url9316.shop.example.com/asm/unsubscribe/?user_id=123&data=abc",
        ] {
            assert!(is_unsubscribe_link(&u(link)), "{link}");
        }
    }

    #[test]
    fn sendgrid_email_with_branded_links() {
        assert!(pixels(fixtures::SENDGRID).contains(&Some(SENDGRID)));
        let w = wrappers(fixtures::SENDGRID);
        assert_eq!(w.len(), 2);
        assert!(w.iter().all(|w| w.esp == SENDGRID));
    }
}
