//! Mandrill (Mailchimp Transactional): open pixels `mandrillapp.com/track/open.php` and
//! `/track/open.php?u=<decimal>&id=` on custom domains, click redirects
//! `/track/click/<uid>/<host>?p=<base64 JSON>` on mandrillapp.com or (decodable) any host.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::mailchimp::{custom_domain_open_user, is_user_id};
use super::{b64_json, on_domain, parse_http, query_value, re, Click, Provider, UrlParts};

static MANDRILL_CLICK_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/track/click/\d+/[^/]+$"));

/// Mailchimp Transactional (Mandrill).
pub(super) struct Mandrill;

/// The registry's entry for Mandrill.
pub(super) const PROVIDER: &dyn Provider = &Mandrill;

impl Provider for Mandrill {
    fn name(&self) -> &'static str {
        "Mandrill"
    }

    /// mandrillapp.com/track/open.php \[R\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        on_domain(url.host, "mandrillapp.com") && url.path.starts_with("/track/open")
    }

    /// On a custom tracking domain, `u` not a Mailchimp user id \[?\].
    fn branded_open_pixel(&self, url: &UrlParts) -> bool {
        custom_domain_open_user(url).is_some_and(|u| !is_user_id(&u))
    }

    /// mandrillapp.com/track/click/<uid>/<dest host>?p=<base64 JSON> \[R\]\[C\].
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (on_domain(url.host, "mandrillapp.com") && url.path.starts_with("/track/click"))
            .then(|| Click::leading_to(mandrill_destination(url.url)))
    }

    /// Branded: /track/click/<digits>/<host>?p=<decodable> \[?\].
    fn branded_click(&self, url: &UrlParts) -> Option<Click> {
        if !MANDRILL_CLICK_PATH.is_match(url.path) {
            return None;
        }
        mandrill_destination(url.url).map(|dest| Click::leading_to(Some(dest)))
    }

    /// `X-Mandrill-User` \[R\].
    fn own_header(&self, name: &str, _value: &str) -> bool {
        name == "x-mandrill-user"
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

/// Mandrill `?p=<base64 JSON>`: `{"s":…,"v":1,"p":"{\"u\":…,\"url\":\"<destination>\",…}"}`.
/// A top-level `url` is accepted too.
fn mandrill_destination(url: &Url) -> Option<Url> {
    let json = b64_json(&query_value(url, "p")?)?;
    if let Some(u) = json.get("url").and_then(|v| v.as_str()) {
        return parse_http(u);
    }
    let inner: serde_json::Value = serde_json::from_str(json.get("p")?.as_str()?).ok()?;
    parse_http(inner.get("url")?.as_str()?)
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://mandrillapp.com/track/open.php?u=30045234&id=f3b2a1"],
    clicks: &["https://mandrillapp.com/track/click/30363097/www.example.com?p=bm90IGpzb24"],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(MANDRILL, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(MANDRILL, SAMPLES.clicks);
    }

    #[test]
    fn custom_domain_open_with_a_decimal_user_id() {
        // Mailchimp vs Mandrill open on a custom domain, by the shape of `u`.
        assert_eq!(
            open_pixel_esp(&u(
                "https://t.shop.example.com/track/open.php?u=30045234&id=9a8b"
            )),
            Some(MANDRILL)
        );
    }

    #[test]
    fn mandrill_destination_is_decoded() {
        let inner = r#"{"u":30045234,"v":1,"url":"https:\/\/shop.example.com\/collections\/new?utm_source=mandrill","id":"ce7e5305332549f7afe94f815a970eb5","url_ids":["dde3"]}"#;
        let outer =
            serde_json::json!({"s": "UOknsRD0GXJ8p8t8sGjEJ0lCfzg", "v": 1, "p": inner}).to_string();
        let link = format!(
            "https://mandrillapp.com/track/click/30045234/shop.example.com?p={}",
            b64url(&outer)
        );
        assert_eq!(
            dest(&link).as_deref(),
            Some("https://shop.example.com/collections/new?utm_source=mandrill")
        );
        // Branded tracking domain, same shape, standard base64 with padding (percent-encoded).
        let enc = b64std(&outer)
            .replace('=', "%3D")
            .replace('+', "%2B")
            .replace('/', "%2F");
        let branded = format!(
            "https://mandrill.shop.example.com/track/click/30045234/shop.example.com?p={enc}"
        );
        let w = click_wrapper(&u(&branded)).unwrap();
        assert_eq!(w.esp, MANDRILL);
        assert_eq!(
            w.destination.unwrap().as_str(),
            "https://shop.example.com/collections/new?utm_source=mandrill"
        );
    }

    #[test]
    fn links_without_a_payload_are_not_wrappers() {
        let link = "https://shop.example.com/track/click/123/abc"; // no p=
        assert_eq!(click_wrapper(&u(link)), None, "{link}");
    }
}
