//! SparkPost (also Braze on SparkPost): open pixels `/q/…` on its own hosts (`sparkpostmail*.com`,
//! `spmailtechn*.com`, `spgo.io`) and branded `/q/<…>~~/<…>~/…`, click redirects `/f/a/…` on its
//! hosts and branded `/f/a/<hmac>~~/<info>~/…`, destination from `?target=` when present.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::{parse_http, query_value, re, Click, Provider, UrlParts};

static SPARKPOST_HOST: LazyLock<Regex> =
    LazyLock::new(|| re(r"(^|\.)(sparkpostmail\d*|spmailtechn[a-z]*)\.com$|(^|\.)spgo\.io$"));
static SPARKPOST_OPEN_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/q/[^/]+~~/[^/]*~/"));
static SPARKPOST_CLICK_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/f/a/[^/]+~~/[^/]*~/"));

/// SparkPost (also Braze on SparkPost).
pub(super) struct SparkPost;

/// The registry's entry for SparkPost.
pub(super) const PROVIDER: &dyn Provider = &SparkPost;

impl Provider for SparkPost {
    fn name(&self) -> &'static str {
        "SparkPost"
    }

    /// SparkPost's own hosts: /q/… \[EP\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        SPARKPOST_HOST.is_match(url.host) && url.path.starts_with("/q/")
    }

    /// Branded (and Braze on SparkPost): /q/<…>~~/<…>~/… \[R\]\[MTB\].
    fn branded_open_pixel(&self, url: &UrlParts) -> bool {
        SPARKPOST_OPEN_PATH.is_match(url.path)
    }

    /// Own hosts: /f/a/… \[?\].
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (SPARKPOST_HOST.is_match(url.host) && url.path.starts_with("/f/a/"))
            .then(|| Click::leading_to(sparkpost_destination(url.url)))
    }

    /// Branded (also Braze): /f/a/<hmac>~~/<info>~/<info>[?target=<encoded>] \[C\]\[?\].
    fn branded_click(&self, url: &UrlParts) -> Option<Click> {
        SPARKPOST_CLICK_PATH
            .is_match(url.path)
            .then(|| Click::leading_to(sparkpost_destination(url.url)))
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

/// SparkPost click links sometimes carry the destination in `?target=` \[C\].
fn sparkpost_destination(url: &Url) -> Option<Url> {
    parse_http(&query_value(url, "target")?)
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://go.sparkpostmail.com/q/qJUZ-BO4njF9sLssFhB66Q~~/AAAAAQA~/RgRiyU40Pl",
        "http://atlassian.et.e.sparkpost.com/q/qJUZ-BO4njF9sLssFhB66Q~~/AAAAAQA~/RgRiyU40PlcL",
    ],
    clicks: &[
        "https://click.mail.shop.example.com/f/a/1nLyONgylXZCMADaan5jUA~~/AAAAAQA~/RgRX8RCYP",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(SPARKPOST, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(SPARKPOST, SAMPLES.clicks);
    }

    #[test]
    fn target_destination_is_decoded() {
        // SparkPost with ?target=.
        assert_eq!(
            dest("https://click.mail.shop.example.com/f/a/geL7nurLgn538XCb4RpMLA~~/AAAAAQA~/RgRiE0rUP0Un?target=https%3A%2F%2Fshop.example.com%2F%3Futm_source%3Demail")
                .as_deref(),
            Some("https://shop.example.com/?utm_source=email")
        );
    }
}
