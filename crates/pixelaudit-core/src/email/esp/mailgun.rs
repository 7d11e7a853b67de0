//! Mailgun: open pixels `email.<domain>/o/<token>` and, with a changed web prefix, `/o/eJ…` on any
//! host; click redirects `email.<domain>/c/<token>` and `/c/eJ…` on any host.

use super::{Click, Provider, UrlParts};

/// Mailgun.
pub(super) struct Mailgun;

/// The registry's entry for Mailgun.
pub(super) const PROVIDER: &dyn Provider = &Mailgun;

impl Provider for Mailgun {
    fn name(&self) -> &'static str {
        "Mailgun"
    }

    /// email.<domain>/o/<token> \[R\]\[EP `://email.*/o/$image`\]. Registered last: any host
    /// named `email.…` fits.
    fn open_pixel(&self, url: &UrlParts) -> bool {
        let segs = &url.segs;
        url.host.starts_with("email.") && segs.len() >= 2 && segs[0] == "o" && !segs[1].is_empty()
    }

    /// With a changed web_prefix: /o/eJ… (zlib+base64 token) \[MTB\].
    fn branded_open_pixel(&self, url: &UrlParts) -> bool {
        url.path.starts_with("/o/eJ")
    }

    /// email.<domain>/c/<token> \[?\] (doc §C open question 7).
    fn click(&self, url: &UrlParts) -> Option<Click> {
        let segs = &url.segs;
        (url.host.starts_with("email.") && segs.len() >= 2 && segs[0] == "c" && !segs[1].is_empty())
            .then(Click::opaque)
    }

    /// With a changed web_prefix: /c/eJ… (zlib+base64 token) \[?\] (mirror of MTB's /o/eJ).
    fn branded_click(&self, url: &UrlParts) -> Option<Click> {
        url.path.starts_with("/c/eJ").then(Click::opaque)
    }

    /// `X-Mailgun-*` headers, or a `Received:` through `mailgun.net` / `mailgun.org` \[C\].
    fn own_header(&self, name: &str, value: &str) -> bool {
        let value = value.to_ascii_lowercase();
        name.starts_with("x-mailgun-")
            || (name == "received" && (value.contains("mailgun.net") || value.contains("mailgun.org")))
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://email.mg.shop.example.com/o/eJwNyzEOwjAMAMCvxHOFBGK"],
    clicks: &[
        "https://email.mg.shop.example.com/c/eJwNyzEOwjAMAMCvxHOF",
        "https://click.shop.example.com/c/eJxUkc1u2zAQhN9",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(MAILGUN, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(MAILGUN, SAMPLES.clicks);
    }

    #[test]
    fn other_images_on_email_hosts_are_not_pixels() {
        // An email subdomain serving an image outside /o/.
        let src = "https://email.shop.example.com/images/logo.png";
        assert_eq!(open_pixel_esp(&u(src)), None, "{src}");
    }
}
