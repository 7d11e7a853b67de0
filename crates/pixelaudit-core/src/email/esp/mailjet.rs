//! Mailjet: open pixels `/oo/…` on `<x>.mjt.lu`, `s0hu.mj.am` and branded `links.<domain>`, click
//! redirects `<x>.mjt.lu/lnk/<token>/<n>/<hash>/<base64url destination>` whose destination is
//! decoded.

use super::{base64_url_destination, on_domain, Click, Provider, UrlParts};

/// Mailjet.
pub(super) struct Mailjet;

/// The registry's entry for Mailjet.
pub(super) const PROVIDER: &dyn Provider = &Mailjet;

impl Provider for Mailjet {
    fn name(&self) -> &'static str {
        "Mailjet"
    }

    /// <x>.mjt.lu/oo/…, s0hu.mj.am/oo/… and branded links.<domain>/oo/… \[MTB\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        let host = url.host;
        url.path.starts_with("/oo/")
            && (on_domain(host, "mjt.lu") || on_domain(host, "mj.am") || host.starts_with("links."))
    }

    /// <x>.mjt.lu/lnk/<token>/<n>/<hash>/<base64url destination> \[C\]. Not in the doc.
    fn click(&self, url: &UrlParts) -> Option<Click> {
        let segs = &url.segs;
        ((on_domain(url.host, "mjt.lu") || on_domain(url.host, "mj.am"))
            && url.path.starts_with("/lnk/"))
        .then(|| {
            let dest = if segs.len() >= 5 {
                base64_url_destination(&segs[4..].join("/"))
            } else {
                None
            };
            Click::leading_to(dest)
        })
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://x5v7n.mjt.lu/oo/BAAABinRNzMAAAAAAAAAAULVgYI.gif"],
    clicks: &[],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(MAILJET, SAMPLES.open_pixels);
    }

    #[test]
    fn base64_path_destination_is_decoded() {
        // Mailjet: last segment is base64url of the destination.
        assert_eq!(
            dest("http://x4tlp.mjt.lu/lnk/EAAAAYNqkEoAAAAAAAAAAA66-WQAAAAAKm0AAAAAABCwGgBgPtou-7WAuKvcSMqMLKsoO-VbzQAMB94/1/NSvifgbS3M8GrhOfPYW3Dw/aHR0cHM6Ly93d3cuc2ltcGxleC5jb20v")
                .as_deref(),
            Some("https://www.simplex.com/")
        );
    }

    #[test]
    fn unsubscribe_links() {
        let link = "https://x5v7n.mjt.lu/unsub2?hl=en&m=AbC";
        assert!(is_unsubscribe_link(&u(link)), "{link}");
    }
}
