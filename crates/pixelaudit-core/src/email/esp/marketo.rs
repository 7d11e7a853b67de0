//! Marketo (Adobe): open pixels `…/trk?t=1&mid=…` on any (usually branded) host, identity param
//! `mkt_tok`.

use super::{Provider, UrlParts};

/// Marketo (Adobe).
pub(super) struct Marketo;

/// The registry's entry for Marketo.
pub(super) const PROVIDER: &dyn Provider = &Marketo;

impl Provider for Marketo {
    fn name(&self) -> &'static str {
        "Marketo"
    }

    /// …/trk?t=1&mid=… on any (usually branded) host \[MTB\]. First pass, after SendGrid's own
    /// hosts (whose `/trk` is SendGrid's).
    fn open_pixel(&self, url: &UrlParts) -> bool {
        url.path == "/trk" && url.query("t").as_deref() == Some("1") && url.query("mid").is_some()
    }

    /// Not from the doc \[?\].
    fn identity_params(&self) -> &'static [&'static str] {
        &["mkt_tok"]
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &["https://go.shop.example.com/trk?t=1&mid=NjAyLUxBVC0wMDA6MTU"],
    clicks: &[],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(MARKETO, SAMPLES.open_pixels);
    }
}
