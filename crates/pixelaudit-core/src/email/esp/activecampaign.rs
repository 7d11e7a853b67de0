//! ActiveCampaign: open pixels `…/lt.php?…l=open` on any host and
//! `*.lt.acemln[a-d].com/Prod/link-tracker?nl=…`, click redirects
//! `/Prod/link-tracker?redirectUrl=<base64>&sig=…` on any host, destination decoded.

use std::sync::LazyLock;

use regex::Regex;

use super::{base64_url_destination, re, Click, Provider, UrlParts};

static ACTIVECAMPAIGN_HOST: LazyLock<Regex> =
    LazyLock::new(|| re(r"\.lt\.(acemln[a-d]|emlnk)\.com$"));

/// ActiveCampaign.
pub(super) struct ActiveCampaign;

/// The registry's entry for ActiveCampaign.
pub(super) const PROVIDER: &dyn Provider = &ActiveCampaign;

impl Provider for ActiveCampaign {
    fn name(&self) -> &'static str {
        "ActiveCampaign"
    }

    /// …/lt.php?…l=open \[MTB\]; *.lt.acemln[a-d].com/Prod/link-tracker?nl=… \[MTB\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        (url.path.ends_with("/lt.php") && url.query("l").as_deref() == Some("open"))
            || (ACTIVECAMPAIGN_HOST.is_match(url.host)
                && url.path == "/Prod/link-tracker"
                && url.query("redirectUrl").is_none())
    }

    /// *.lt.acemln[a-d].com/Prod/link-tracker?redirectUrl=<base64>&sig=… \[C\], also on
    /// lt.emlnk.com; the shape is distinctive enough for any host.
    fn branded_click(&self, url: &UrlParts) -> Option<Click> {
        if url.path != "/Prod/link-tracker" {
            return None;
        }
        let raw = url.query("redirectUrl")?;
        Some(Click::leading_to(base64_url_destination(&raw)))
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://shop.activehosted.com/lt.php?nl=1&c=12&m=34&s=abc&l=open"],
    clicks: &[],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(ACTIVECAMPAIGN, SAMPLES.open_pixels);
    }

    #[test]
    fn base64_query_destination_is_decoded() {
        // ActiveCampaign: redirectUrl = base64 of a percent-encoded URL.
        assert_eq!(
            dest("https://motorcityfunding.lt.acemlnc.com/Prod/link-tracker?redirectUrl=aHR0cCUzQSUyRiUyRnd3dy5wbWZ1cy5jb20lMkZzYnJ1Z21hbg==&sig=EQ7o9rG3&iat=1634823447")
                .as_deref(),
            Some("http://www.pmfus.com/sbrugman")
        );
    }
}
