//! Postmark: open pixels on the tracking-only `pstmrk.it` (`ea.pstmrk.it/open/v3_…`,
//! `/open?m=v3_1.…`), click redirects
//! `click.pstmrk.it/<2s|3s|3ts|…>/<encoded destination>/<token…>` whose destination is decoded.

use std::sync::LazyLock;

use percent_encoding::percent_decode_str;
use regex::Regex;
use url::Url;

use super::{on_domain, parse_http, re, Click, Provider, UrlParts};

static POSTMARK_VERSION: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9][a-z]{1,3}$"));

/// Postmark.
pub(super) struct Postmark;

/// The registry's entry for Postmark.
pub(super) const PROVIDER: &dyn Provider = &Postmark;

impl Provider for Postmark {
    fn name(&self) -> &'static str {
        "Postmark"
    }

    /// ea.pstmrk.it/open/v3_… or /open?m=v3_1.… \[C\]; pstmrk.it is tracking-only \[MTB\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        on_domain(url.host, "pstmrk.it")
    }

    /// click.pstmrk.it/<2s|2sm|3s|3ts|…>/<URL-encoded destination sans scheme>/<token…> \[C\].
    fn click(&self, url: &UrlParts) -> Option<Click> {
        let segs = &url.segs;
        (on_domain(url.host, "pstmrk.it") && segs.len() >= 2 && POSTMARK_VERSION.is_match(segs[0]))
            .then(|| Click::leading_to(postmark_destination(segs[1])))
    }

    /// `X-PM-Message-Id` \[R\].
    fn own_header(&self, name: &str, _value: &str) -> bool {
        name == "x-pm-message-id"
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

/// Postmark's second path segment: the percent-encoded destination without its scheme
/// (`www.example.com%2Fpath%3Fq%3D1`). If a scheme is present it is kept.
fn postmark_destination(seg: &str) -> Option<Url> {
    let decoded = percent_decode_str(seg).decode_utf8().ok()?;
    let lower = decoded.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return parse_http(&decoded);
    }
    // A bare host must come first: refuse anything that does not start like one.
    let host_part = decoded.split(['/', '?', '#']).next().unwrap_or("");
    if !host_part.contains('.') || host_part.contains(|c: char| c.is_whitespace() || c == '@') {
        return None;
    }
    parse_http(&format!("https://{decoded}"))
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://ea.pstmrk.it/open/v3_AbCdEfGh?m=1",
        "https://ea.pstmrk.it/open?m=v3_1.AbCd.EfGh",
    ],
    clicks: &[],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(POSTMARK, SAMPLES.open_pixels);
    }

    #[test]
    fn postmark_destination_is_decoded() {
        assert_eq!(
            dest(
                "https://click.pstmrk.it/2s/www.lipsum.com%2Ffeed%2Fhtml/wmxJTyAN/Gc9Q/H5vxf8qJfE"
            )
            .as_deref(),
            Some("https://www.lipsum.com/feed/html")
        );
        assert_eq!(
            dest("https://click.pstmrk.it/3ts/dashboard.render.com%2Femail-confirm%2F%3Ftoken%3DZfB5G3Vz/5VpE/dOizAQ/AQ/01cbb01c/1/58BL_26AFk")
                .as_deref(),
            Some("https://dashboard.render.com/email-confirm/?token=ZfB5G3Vz")
        );
        assert_eq!(
            dest("https://click.pstmrk.it/3s/https:%2F%2Fshop.example.com%2Fcart/AbCd/EfGh")
                .as_deref(),
            Some("https://shop.example.com/cart")
        );
        // Opaque second segment: still Postmark, no destination.
        let w = click_wrapper(&u("https://click.pstmrk.it/3s/notahost/AbCd")).unwrap();
        assert_eq!((w.esp, w.destination), (POSTMARK, None));
    }

    #[test]
    fn postmark_email_destinations() {
        assert!(pixels(fixtures::POSTMARK).contains(&Some(POSTMARK)));
        let dests: Vec<String> = wrappers(fixtures::POSTMARK)
            .into_iter()
            .map(|w| w.destination.expect("decodable").to_string())
            .collect();
        assert_eq!(
            dests,
            ["https://shop.example.com/account/orders/1042?ref=receipt"]
        );
    }
}
