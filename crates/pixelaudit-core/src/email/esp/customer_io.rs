//! Customer.io: open pixels `/e/o/<token>` on `e.customeriomail.com`, `track.customer.io` or
//! (with a long base64url token) any host, click redirects
//! `/e/c/<base64url JSON with href>/<sig>` whose destination is decoded (on a branded host only
//! when it decodes).

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::{b64_json, on_domain, parse_http, re, Click, Provider, UrlParts};

static B64_TOKEN: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9_=-]{60,}$"));

/// Customer.io.
pub(super) struct CustomerIo;

/// The registry's entry for CustomerIo.
pub(super) const PROVIDER: &dyn Provider = &CustomerIo;

impl Provider for CustomerIo {
    fn name(&self) -> &'static str {
        "Customer.io"
    }

    /// e.customeriomail.com/e/o/…, track.customer.io/e/o/… \[R\]\[MTB\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        is_customerio_host(url.host) && url.path.starts_with("/e/o/")
    }

    /// Branded: /e/o/<token> with a long base64url token or a decodable payload \[MTB\].
    fn branded_open_pixel(&self, url: &UrlParts) -> bool {
        let segs = &url.segs;
        segs.len() >= 3 && segs[0] == "e" && segs[1] == "o" && looks_like_customerio_token(segs[2])
    }

    /// e.customeriomail.com/e/c/<base64url JSON>/<sig> \[C\].
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (is_customerio_host(url.host) && url.path.starts_with("/e/c/"))
            .then(|| Click::leading_to(url.segs.get(2).and_then(|p| customerio_destination(p))))
    }

    /// Branded: /e/c/<payload>/<sig> where the payload decodes to JSON with `href`.
    fn branded_click(&self, url: &UrlParts) -> Option<Click> {
        let segs = &url.segs;
        if segs.len() >= 3 && segs[0] == "e" && segs[1] == "c" {
            if let Some(dest) = customerio_destination(segs[2]) {
                return Some(Click::leading_to(Some(dest)));
            }
        }
        None
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

fn is_customerio_host(host: &str) -> bool {
    on_domain(host, "customeriomail.com") || host == "track.customer.io"
}

fn looks_like_customerio_token(seg: &str) -> bool {
    B64_TOKEN.is_match(seg) || b64_json(seg).is_some_and(|v| v.get("email_id").is_some())
}

/// Customer.io `/e/c/<base64url JSON>`: `{"email_id":…,"href":"<destination>","link_id":…}`.
fn customerio_destination(payload: &str) -> Option<Url> {
    let json = b64_json(payload)?;
    parse_http(json.get("href")?.as_str()?)
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://e.customeriomail.com/e/o/eyJlbWFpbF9pZCI6IlJQSVNBUUFCYUhzIn0="],
    clicks: &[],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(CUSTOMER_IO, SAMPLES.open_pixels);
    }

    #[test]
    fn customerio_destination_is_decoded() {
        // Real captured shape (public code): base64url JSON without padding.
        let real = "https://e.customeriomail.com/e/c/eyJlbWFpbF9pZCI6IlJQSVNBUUFCYUhzenBhYVBoSjhKWG1kZHphN0QiLCJocmVmIjoiaHR0cHM6Ly93d3cuc2hvcGlmeS5jYS9wYXJ0bmVycy90ZXJtcyIsInBvc2l0aW9uIjoyfQ/b8c7b67f71aac811cd000a949bd403e3f709fa493170aba0a6c90574d5b75970";
        assert_eq!(
            dest(real).as_deref(),
            Some("https://www.shopify.ca/partners/terms")
        );
        // `&` escaped as \u0026 inside the JSON, as Customer.io writes it.
        let payload = r#"{"email_id":"dgTiqwoAAKM1ojUBlIowic9M6qdvQIHg1E5r","href":"https://shop.example.com/products/mug?utm_source=customerio\u0026utm_medium=email","internal":"e2ab0a00a235a335","link_id":10}"#;
        let link = format!(
            "https://e.customeriomail.com/e/c/{}/66d296e7a577c0de",
            b64url(payload)
        );
        assert_eq!(
            dest(&link).as_deref(),
            Some("https://shop.example.com/products/mug?utm_source=customerio&utm_medium=email")
        );
    }

    #[test]
    fn customerio_on_branded_host_needs_a_decodable_payload() {
        let payload = r#"{"email_id":"abc","href":"https://shop.example.com/sale","link_id":3}"#;
        let link = format!(
            "https://links.shop.example.com/e/c/{}/0a1b2c3d",
            b64url(payload)
        );
        let w = click_wrapper(&u(&link)).expect("branded Customer.io");
        assert_eq!(w.esp, CUSTOMER_IO);
        assert_eq!(
            w.destination.unwrap().as_str(),
            "https://shop.example.com/sale"
        );
        // Same path shape with an opaque payload on an unknown host: not claimed.
        assert_eq!(
            click_wrapper(&u("https://links.shop.example.com/e/c/notjson/abc")),
            None
        );
        // On Customer.io's own host an undecodable payload is still a wrapper, destination None.
        let w = click_wrapper(&u("https://e.customeriomail.com/e/c/!!!/abc")).unwrap();
        assert_eq!((w.esp, w.destination), (CUSTOMER_IO, None));
    }

    #[test]
    fn customerio_email_destinations() {
        assert!(pixels(fixtures::CUSTOMERIO).contains(&Some(CUSTOMER_IO)));
        let dests: Vec<String> = wrappers(fixtures::CUSTOMERIO)
            .into_iter()
            .map(|w| w.destination.expect("decodable").to_string())
            .collect();
        assert_eq!(dests, ["https://www.shopify.ca/partners/terms"]);
    }
}
