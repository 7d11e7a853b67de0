//! Omnisend: open pixels `soundestlink.com/…/track/…` (not its `/image/newsletter/…` images), click
//! redirects `soundestlink.com/link/<24hex>/<24hex>/<24hex>?signature=`, `/contactsPreferences/…`
//! pages, identity param `omnisendContactID`.

use url::Url;

use super::{on_domain, Click, Provider, UrlParts};

/// Omnisend.
pub(super) struct Omnisend;

/// The registry's entry for Omnisend.
pub(super) const PROVIDER: &dyn Provider = &Omnisend;

impl Provider for Omnisend {
    fn name(&self) -> &'static str {
        "Omnisend"
    }

    /// soundestlink.com …/track/<…>?signature= and /transactional/track/ \[R\]\[MTB\].
    /// Deliberately not the whole host: `/image/newsletter/…` there are real images.
    fn open_pixel(&self, url: &UrlParts) -> bool {
        on_domain(url.host, "soundestlink.com") && url.path.contains("/track/")
    }

    /// <xyz>.soundestlink.com/link/<24hex>/<24hex>/<24hex>?signature= \[C\].
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (on_domain(url.host, "soundestlink.com") && url.path.starts_with("/link/"))
            .then(Click::opaque)
    }

    /// `/contactsPreferences/…` on any host.
    fn unsubscribe_link(&self, url: &Url) -> bool {
        url.path().starts_with("/contactsPreferences/")
    }

    /// From the doc.
    fn identity_params(&self) -> &'static [&'static str] {
        &["omnisendContactID"]
    }

    /// Omnisend mail was seen going out through Mailgun (`X-Mailgun-*` headers) \[C\].
    fn sends_through(&self) -> &'static [super::Esp] {
        &[super::MAILGUN]
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://omni.soundestlink.com/track/64f89775d99f3a05fba13863/64f811526e1f7d491b774f04?signature=b606",
    ],
    clicks: &[
        "https://nsx.soundestlink.com/link/64f89775d99f3a05fba13863/64f811526e1f7d491b774f04/628e6062f49055001dad96be?signature=b6065002",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(OMNISEND, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(OMNISEND, SAMPLES.clicks);
    }

    #[test]
    fn newsletter_images_are_not_pixels() {
        // Omnisend-hosted newsletter image.
        let src = "https://omni.soundestlink.com/image/newsletter/64f811526e1f7d491b774f04";
        assert_eq!(open_pixel_esp(&u(src)), None, "{src}");
    }

    #[test]
    fn unsubscribe_links() {
        let link =
            "https://omni.soundestlink.com/contactsPreferences/v2/unsubscribe/64f8/64f8?signature=ab";
        assert!(is_unsubscribe_link(&u(link)), "{link}");
    }

    #[test]
    fn omnisend_email() {
        let found = pixels(fixtures::OMNISEND);
        assert_eq!(
            found.iter().filter(|e| **e == Some(OMNISEND)).count(),
            1,
            "{found:?}"
        );
        let w = wrappers(fixtures::OMNISEND);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].esp, OMNISEND);
        let ex = extract(fixtures::OMNISEND);
        assert!(ex
            .links
            .iter()
            .any(|l| l.url.as_ref().is_some_and(is_unsubscribe_link)));
    }
}
