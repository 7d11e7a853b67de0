//! Amazon SES: open pixels on the tracking-only `<region>.awstrack.me` (`/I0/…`) and branded
//! `/CI0/…`, click redirects `/L0/<percent-encoded destination>/1/<msg id>/<sig>` (also `/CL0/`)
//! on awstrack.me or (decodable) any host, destination decoded.

use percent_encoding::percent_decode_str;
use url::Url;

use super::{on_domain, parse_http, Click, Provider, UrlParts};

/// Amazon SES.
pub(super) struct AmazonSes;

/// The registry's entry for AmazonSes.
pub(super) const PROVIDER: &dyn Provider = &AmazonSes;

impl Provider for AmazonSes {
    fn name(&self) -> &'static str {
        "Amazon SES"
    }

    /// <region>.awstrack.me/I0/… \[R\]; the host is tracking-only \[EP `.awstrack.me/$image`\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        on_domain(url.host, "awstrack.me")
    }

    /// Custom redirect domain: /CI0/<…> \[MTB\]\[?\].
    fn branded_open_pixel(&self, url: &UrlParts) -> bool {
        url.path.starts_with("/CI0/") && url.segs.len() >= 3
    }

    /// <id>.r.<region>.awstrack.me/L0/<percent-encoded destination>/1/<msg id>/<sig> \[C\]; the doc
    /// marks /L0/ \[?\], captured links in public code confirm the encoding.
    fn click(&self, url: &UrlParts) -> Option<Click> {
        let segs = &url.segs;
        (on_domain(url.host, "awstrack.me")
            && (segs.first() == Some(&"L0") || segs.first() == Some(&"CL0")))
        .then(|| Click::leading_to(segs.get(1).and_then(|s| ses_destination(s))))
    }

    /// Custom redirect domain: /L0/ or /CL0/ followed by an encoded http(s) URL \[?\].
    fn branded_click(&self, url: &UrlParts) -> Option<Click> {
        let segs = &url.segs;
        if segs.len() >= 2 && (segs[0] == "L0" || segs[0] == "CL0") {
            if let Some(dest) = ses_destination(segs[1]) {
                return Some(Click::leading_to(Some(dest)));
            }
        }
        None
    }

    /// `X-SES-Outgoing`, or a `Feedback-ID` / `Received:` naming `amazonses.com` \[R\].
    fn own_header(&self, name: &str, value: &str) -> bool {
        name == "x-ses-outgoing"
            || (matches!(name, "feedback-id" | "received")
                && value.to_ascii_lowercase().contains("amazonses.com"))
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

/// Amazon SES `/L0/<segment>`: the destination with `/` etc. percent-encoded.
fn ses_destination(seg: &str) -> Option<Url> {
    let decoded = percent_decode_str(seg).decode_utf8().ok()?;
    let lower = decoded.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        .then(|| parse_http(&decoded))
        .flatten()
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://k97t77cm.r.eu-west-1.awstrack.me/I0/0102018f1b2c3d4e-5f6a7b8c-9d0e-1f2a-3b4c-5d6e7f8a9b0c-000000/AbCdEf=383",
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
        open_pixels_are(AMAZON_SES, SAMPLES.open_pixels);
    }

    #[test]
    fn ses_destination_is_decoded() {
        assert_eq!(
            dest("https://kwnsfk27.r.eu-west-1.awstrack.me/L0/https:%2F%2Fauthors.elsevier.com%2Ftracking%2Farticle%2Fdetails.do%3Faid=104706%26jid=COSE%26surname=Vasan/1/01020199d0963a8e-62776654-144f-4a67-9a8f-f79716dd53dc-000000/p_cF684PcLrl53ujZqNZkf8cXTo=447")
                .as_deref(),
            Some("https://authors.elsevier.com/tracking/article/details.do?aid=104706&jid=COSE&surname=Vasan")
        );
        let w = click_wrapper(&u(
            "https://k97t77cm.r.ap-south-1.awstrack.me/L0/not-a-url/1/a/b",
        ))
        .unwrap();
        assert_eq!((w.esp, w.destination), (AMAZON_SES, None));
        // Custom redirect domain with the distinctive /CL0/<encoded URL> shape.
        assert_eq!(
            dest("https://tracking.news.example.com/CL0/https:%2F%2Fshop.example.com%2Fnew%3Futm_source=tldr/1/0100019460e77921-0f5f/hkdi7JQ=408")
                .as_deref(),
            Some("https://shop.example.com/new?utm_source=tldr")
        );
        // Spoofed look-alike host is not SES's, and its segment is not an encoded URL.
        assert_eq!(
            click_wrapper(&u(
                "https://r.ap-south-1.awstrack.me.evil.test/L0/abc/1/a/b"
            )),
            None
        );
    }
}
