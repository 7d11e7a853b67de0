//! Intercom: open pixels `via.intercom.io/o…` and `intercom-mail*.com/(via/)?(o|q)…`, including
//! its SparkPost-shaped `/q/…~~/…~/` pixels.

use std::sync::LazyLock;

use regex::Regex;

use super::{re, Provider, UrlParts};

static INTERCOM_HOST: LazyLock<Regex> =
    LazyLock::new(|| re(r"^via\.intercom\.io$|(^|\.)intercom-mail[a-z0-9-]*\.com$"));
static INTERCOM_OPEN_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/(via/)?(o|q)(/|$)"));

/// Intercom.
pub(super) struct Intercom;

/// The registry's entry for Intercom.
pub(super) const PROVIDER: &dyn Provider = &Intercom;

impl Provider for Intercom {
    fn name(&self) -> &'static str {
        "Intercom"
    }

    /// via.intercom.io/o…, intercom-mail*.com/(via/)?(o|q) \[MTB\]. Registered before SparkPost,
    /// whose generic `/q/…~~/` shape Intercom's mail also uses.
    fn open_pixel(&self, url: &UrlParts) -> bool {
        INTERCOM_HOST.is_match(url.host) && INTERCOM_OPEN_PATH.is_match(url.path)
    }

    /// Intercom mail goes out through SparkPost (its pixels have SparkPost's shape) \[C\].
    fn sends_through(&self) -> &'static [super::Esp] {
        &[super::SPARKPOST]
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://via.intercom.io/o?h=b4d58bb28e0e1e7dd83df569",
        "https://shop-help.intercom-mail.com/q/DK1U419KTUFoP36VttY2OA~~/AAAAAQA~/RgRgw4Ut",
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
        open_pixels_are(INTERCOM, SAMPLES.open_pixels);
    }

    #[test]
    fn sparkpost_shaped_pixel_is_intercoms() {
        // Intercom's SparkPost-shaped pixel is Intercom's.
        assert_eq!(
            open_pixel_esp(&u("https://x.intercom-mail-200.com/q/DK1U~~/AAAAAQA~/Rg")),
            Some(INTERCOM)
        );
    }
}
