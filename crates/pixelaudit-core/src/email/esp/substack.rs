//! Substack: open pixels `substack.com/o/…` (including its Mailgun host
//! `email.mg<N>.substack.com`), click redirects `substack.com/redirect/<uuid>?j=<jwt>` and
//! `/redirect/2/<…>`.

use super::{on_domain, Click, Provider, UrlParts};

/// Substack.
pub(super) struct Substack;

/// The registry's entry for Substack.
pub(super) const PROVIDER: &dyn Provider = &Substack;

impl Provider for Substack {
    fn name(&self) -> &'static str {
        "Substack"
    }

    /// substack.com/o/… (incl. its Mailgun host email.mg<N>.substack.com) \[MTB\]. Registered
    /// before Mailgun, whose `email.<domain>/o/` shape this also is.
    fn open_pixel(&self, url: &UrlParts) -> bool {
        on_domain(url.host, "substack.com") && url.path.starts_with("/o/")
    }

    /// substack.com/redirect/<uuid>?j=<jwt> or /redirect/2/<…> \[C\]. Opaque.
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (on_domain(url.host, "substack.com") && url.path.starts_with("/redirect/"))
            .then(Click::opaque)
    }

    /// Substack mails through Mailgun \[C\].
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
    open_pixels: &["https://email.mg1.substack.com/o/eJxUkc1u2zAQhN9"],
    clicks: &[
        "https://substack.com/redirect/f28899b5-8283-4255-b169-f4a9f1d4e24f?j=eyJ1IjoiMWllZnkifQ.sG3O",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(SUBSTACK, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(SUBSTACK, SAMPLES.clicks);
    }
}
