//! ConvertKit (Kit): open pixels `convertkit-mail.com/o/…`, `open.convertkit-mail2.com/<token>`
//! and `preview.convertkit-mail2.com/open`, click redirects
//! `click.convertkit-mail2.com/<a>/<b>/<base64>` and `<x>.convertkit-mail2.com/c/<a>/<b>/<base64>`
//! whose destination is decoded, identity param `ck_subscriber_id`.

use std::sync::LazyLock;

use regex::Regex;

use super::{base64_url_destination, re, Click, Provider, UrlParts};

static CONVERTKIT_HOST: LazyLock<Regex> = LazyLock::new(|| re(r"(^|\.)convertkit-mail\d*\.com$"));

/// ConvertKit (Kit).
pub(super) struct ConvertKit;

/// The registry's entry for ConvertKit.
pub(super) const PROVIDER: &dyn Provider = &ConvertKit;

impl Provider for ConvertKit {
    fn name(&self) -> &'static str {
        "ConvertKit"
    }

    /// convertkit-mail.com/o/…, open.convertkit-mail2.com/<token> \[MTB\],
    /// preview.convertkit-mail2.com/open \[C\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        CONVERTKIT_HOST.is_match(url.host)
            && (url.host.starts_with("open.") || url.path.starts_with("/o/") || url.path == "/open")
    }

    /// click.convertkit-mail2.com/<a>/<b>/<base64 destination>, also
    /// <x>.convertkit-mail2.com/c/<a>/<b>/<base64> \[C\]. Not in the doc.
    fn click(&self, url: &UrlParts) -> Option<Click> {
        let segs = &url.segs;
        if !(CONVERTKIT_HOST.is_match(url.host) && segs.len() >= 3) {
            return None;
        }
        let rest = if segs[0] == "c" {
            &segs[1..]
        } else {
            &segs[..]
        };
        (url.host.starts_with("click.") || segs[0] == "c").then(|| {
            let dest = if rest.len() >= 3 {
                base64_url_destination(&rest[2..].join("/"))
            } else {
                None
            };
            Click::leading_to(dest)
        })
    }

    /// Not from the doc \[?\].
    fn identity_params(&self) -> &'static [&'static str] {
        &["ck_subscriber_id"]
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://open.convertkit-mail2.com/38umxn6293skho4z69vfrh5655onn"],
    clicks: &[],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(CONVERTKIT, SAMPLES.open_pixels);
    }

    #[test]
    fn base64_path_destinations_are_decoded() {
        // ConvertKit: last segment is standard base64 with padding.
        assert_eq!(
            dest("https://click.convertkit-mail2.com/38uqe0w9gkhkh2nwww0frh47g6nnnh7hxd2oe/8ghqhohopgxgedhl/aHR0cHM6Ly93d3cuc2VhcmNoYXBpLmlvL2RvY3MvZ29vZ2xlLWxpZ2h0LWFwaQ==")
                .as_deref(),
            Some("https://www.searchapi.io/docs/google-light-api")
        );
        assert_eq!(
            dest("https://el2.convertkit-mail2.com/c/68u5q5qvvpuoul2d36to/g3hnhwuz4m42z0/aHR0cHM6Ly93d3cucm9hbWJyYWluLmNvbQ==")
                .as_deref(),
            Some("https://www.roambrain.com/")
        );
    }

    #[test]
    fn convertkit_unsubscribe_is_not_a_wrapper() {
        let link = u("https://f90a918a.click.convertkit-mail2.com/unsubscribe");
        assert_eq!(click_wrapper(&link), None);
        assert!(is_unsubscribe_link(&link));
    }
}
