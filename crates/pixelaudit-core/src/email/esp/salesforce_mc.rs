//! Salesforce Marketing Cloud (ExactTarget): open pixels `/open.aspx` on `exct.net` and branded
//! `click.<domain>`, click redirects `cl.s<N>.exct.net/?qs=<hex>` and `click.<domain>/?qs=`.

use super::{on_domain, Click, Provider, UrlParts};

/// Salesforce Marketing Cloud (ExactTarget).
pub(super) struct SalesforceMc;

/// The registry's entry for SalesforceMc.
pub(super) const PROVIDER: &dyn Provider = &SalesforceMc;

impl Provider for SalesforceMc {
    fn name(&self) -> &'static str {
        "Salesforce Marketing Cloud"
    }

    /// exct.net/open.aspx, click.<domain>/open.aspx? \[MTB\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        is_sfmc_host(url.host) && url.path.eq_ignore_ascii_case("/open.aspx")
    }

    /// cl.s<N>.exct.net/?qs=<hex>, branded click.<domain>/?qs= \[C\]. Not in the doc.
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (is_sfmc_host(url.host) && url.path == "/" && url.query("qs").is_some()).then(Click::opaque)
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

fn is_sfmc_host(host: &str) -> bool {
    on_domain(host, "exct.net") || host.starts_with("click.")
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://click.s7.exct.net/open.aspx?ffcb10-fec0157075600c7c-fe"],
    clicks: &[
        "http://cl.s7.exct.net/?qs=69824b638bd8e36e7f8594ea85ce01ef",
        "https://click.e.shop.example.com/?qs=39ade19d2f13ba6a",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(SALESFORCE_MC, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(SALESFORCE_MC, SAMPLES.clicks);
    }
}
