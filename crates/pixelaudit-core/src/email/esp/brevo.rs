//! Brevo (formerly Sendinblue): open pixels `sendibt2/3.com/tr/op/…`, `sp1-brevo.net/mk/op/…` and
//! anything on `sendibtd.com`, click redirects `/tr/cl/<token>` and `/mk/cl/…` on its hosts.

use std::sync::LazyLock;

use regex::Regex;

use super::{on_domain, re, Click, Provider, UrlParts};

static BREVO_HOST: LazyLock<Regex> =
    LazyLock::new(|| re(r"(^|\.)sendib[a-z0-9]{1,4}\.com$|(^|[.-])brevo\.net$"));
static BREVO_OPEN_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/(tr|mk)/op/"));
static BREVO_CLICK_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/(tr|mk)/cl/"));

/// Brevo (formerly Sendinblue).
pub(super) struct Brevo;

/// The registry's entry for Brevo.
pub(super) const PROVIDER: &dyn Provider = &Brevo;

impl Provider for Brevo {
    fn name(&self) -> &'static str {
        "Brevo"
    }

    /// sendibt2/3.com/tr/op/…, sp1-brevo.net/mk/op/… \[MTB\]\[EP\]; sendibtd.com \[MTB\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        (BREVO_HOST.is_match(url.host) && BREVO_OPEN_PATH.is_match(url.path))
            || on_domain(url.host, "sendibtd.com")
    }

    /// <x>.r.bh.d.sendibt3.com/tr/cl/<token> \[C\]; sp1-brevo.net/mk/cl/… \[?\] (by analogy with
    /// its /mk/op/ open pixel).
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (BREVO_HOST.is_match(url.host) && BREVO_CLICK_PATH.is_match(url.path)).then(Click::opaque)
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://abc.r.bh.d.sendibt3.com/tr/op/Xy1Z2a3",
        "https://x.sp1-brevo.net/mk/op/AbC123",
    ],
    clicks: &["https://eiihajh.r.bh.d.sendibt3.com/tr/cl/nDJ0fcTokLneR2gfMfeC9z4X3ADYWrbH9h"],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(BREVO, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(BREVO, SAMPLES.clicks);
    }
}
