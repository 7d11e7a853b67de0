//! Campaign Monitor: open pixels `cmail<N>.com/t/….gif` and `createsend<N>.com/t/….gif`, click
//! redirects `<acct>.cmail<N>.com/t/<x>-<y>-<…>/` (not `/t/ViewEmail/…`, the hosted web version,
//! nor `/ei/…` hosted images).

use std::sync::LazyLock;

use regex::Regex;

use super::{re, Click, Provider, UrlParts};

static CAMPAIGN_MONITOR_HOST: LazyLock<Regex> =
    LazyLock::new(|| re(r"(^|\.)(cmail\d+|createsend\d+)\.com$"));

/// Campaign Monitor.
pub(super) struct CampaignMonitor;

/// The registry's entry for CampaignMonitor.
pub(super) const PROVIDER: &dyn Provider = &CampaignMonitor;

impl Provider for CampaignMonitor {
    fn name(&self) -> &'static str {
        "Campaign Monitor"
    }

    /// cmail<N>.com/t/….gif, createsend<N>.com/t/….gif \[MTB\]. Images under /ei/ on createsend
    /// hosts are hosted content, hence the /t/ requirement.
    fn open_pixel(&self, url: &UrlParts) -> bool {
        CAMPAIGN_MONITOR_HOST.is_match(url.host)
            && url.path.starts_with("/t/")
            && url.path.ends_with(".gif")
    }

    /// <acct>.cmail20.com/t/<x>-<y>-<…>/ \[C\]. `/t/ViewEmail/…` is the hosted web version (not a
    /// redirect) and `….gif` is the open pixel.
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (CAMPAIGN_MONITOR_HOST.is_match(url.host)
            && url.path.starts_with("/t/")
            && !url.path.ends_with(".gif")
            && !url.path.starts_with("/t/ViewEmail/"))
        .then(Click::opaque)
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://acme.cmail20.com/t/r-o-jhdukltd-l/o.gif"],
    clicks: &["https://acme.cmail20.com/t/r-l-jhdukltd-l-r/"],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(CAMPAIGN_MONITOR, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(CAMPAIGN_MONITOR, SAMPLES.clicks);
    }

    #[test]
    fn hosted_images_are_not_pixels() {
        // Campaign Monitor hosted (animated) image.
        let src = "https://i1.createsend1.com/ei/r/9D/4A1/8C2/172402/csfinal/spinner.gif";
        assert_eq!(open_pixel_esp(&u(src)), None, "{src}");
    }

    #[test]
    fn web_version_and_other_hosts_are_not_wrappers() {
        for link in [
            "https://shop.example.com/t/shirts", // not a cmail host
            "https://acme.cmail20.com/t/ViewEmail/r/ABC/DEF", // CM web version
        ] {
            assert_eq!(click_wrapper(&u(link)), None, "{link}");
        }
    }
}
