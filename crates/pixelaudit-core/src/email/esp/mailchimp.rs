//! Mailchimp (marketing): open pixels `*.list-manage.com/track/open.php`,
//! `us<N>.mailchimp.com/mctx/opens` and `/track/open.php?u=<25 hex>&id=` on custom domains, click
//! redirects `*.list-manage.com/track/click`, `list-manage.com/unsubscribe` and `/profile` pages,
//! identity params `mc_cid` and `mc_eid`.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::{on_domain, re, Click, Provider, UrlParts};

static MAILCHIMP_US_HOST: LazyLock<Regex> = LazyLock::new(|| re(r"^us\d+\.mailchimp\.com$"));

/// Mailchimp (marketing).
pub(super) struct Mailchimp;

/// The registry's entry for Mailchimp.
pub(super) const PROVIDER: &dyn Provider = &Mailchimp;

impl Provider for Mailchimp {
    fn name(&self) -> &'static str {
        "Mailchimp"
    }

    /// *.list-manage.com/track/open.php \[C\]; older us<N>.mailchimp.com/mctx/opens \[R\].
    fn open_pixel(&self, url: &UrlParts) -> bool {
        (on_domain(url.host, "list-manage.com") && url.path.starts_with("/track/open"))
            || (MAILCHIMP_US_HOST.is_match(url.host) && url.path.starts_with("/mctx/opens"))
    }

    /// On a custom tracking domain, told from Mandrill's by the shape of `u`.
    fn branded_open_pixel(&self, url: &UrlParts) -> bool {
        custom_domain_open_user(url).is_some_and(|u| is_user_id(&u))
    }

    /// <acct>.us<N>.list-manage.com/track/click?u=&id=&e= \[C\].
    fn click(&self, url: &UrlParts) -> Option<Click> {
        (on_domain(url.host, "list-manage.com") && url.path.starts_with("/track/click"))
            .then(Click::opaque)
    }

    /// `list-manage.com/unsubscribe` and `/profile`.
    fn unsubscribe_link(&self, url: &Url) -> bool {
        let path = url.path();
        on_domain(url.host_str().unwrap_or(""), "list-manage.com")
            && (path.starts_with("/unsubscribe") || path.starts_with("/profile"))
    }

    /// From the doc.
    fn identity_params(&self) -> &'static [&'static str] {
        &["mc_cid", "mc_eid"]
    }

    /// `X-MC-User`, `X-Mailer: Mailchimp Mailer …`, a `List-Unsubscribe` on `list-manage.com` \[C\].
    fn own_header(&self, name: &str, value: &str) -> bool {
        let value = value.to_ascii_lowercase();
        name == "x-mc-user"
            || (name == "x-mailer" && value.starts_with("mailchimp mailer"))
            || (name == "list-unsubscribe" && value.contains("list-manage.com"))
    }

    #[cfg(test)]
    fn samples(&self) -> &'static super::Samples {
        &SAMPLES
    }
}

/// Mailchimp or Mandrill open pixel on a custom tracking domain, `/track/open.php?u=…&id=…`
/// \[MTB\]: its `u`.
pub(super) fn custom_domain_open_user(url: &UrlParts) -> Option<String> {
    if url.path != "/track/open.php" {
        return None;
    }
    let (user, id) = (url.query("u"), url.query("id"));
    id.and(user)
}

/// Mailchimp's `u` is a 25-hex user id \[C\], Mandrill's is decimal \[?\].
pub(super) fn is_user_id(u: &str) -> bool {
    u.len() >= 20 && u.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
static SAMPLES: super::Samples = super::Samples {
    open_pixels: &[
        "https://shopname.us21.list-manage.com/track/open.php?u=4d3f0b8a1c2e5f6a7b8c9d0e1&id=9a8b7c6d5e&e=1a2b3c4d5e",
        "https://us5.mailchimp.com/mctx/opens?xid=abc&uid=123",
    ],
    clicks: &[
        "https://shopname.us21.list-manage.com/track/click?u=4d3f0b8a1c2e5f6a7b8c9d0e1&id=9a8b7c6d5e&e=1a2b3c4d5e",
    ],
};

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::SAMPLES;

    #[test]
    fn open_pixels() {
        open_pixels_are(MAILCHIMP, SAMPLES.open_pixels);
    }

    #[test]
    fn opaque_clicks() {
        opaque_clicks_are(MAILCHIMP, SAMPLES.clicks);
    }

    #[test]
    fn content_images_are_not_pixels() {
        // Mailchimp content images.
        for src in [
            "https://mcusercontent.com/4d3f0b8a1c2e5f6a7b8c9d0e1/images/hero.png",
            "https://gallery.mailchimp.com/4d3f0b8a1c2e5f6a7b8c9d0e1/images/logo.png",
        ] {
            assert_eq!(open_pixel_esp(&u(src)), None, "{src}");
        }
    }

    #[test]
    fn custom_domain_open_with_a_hex_user_id() {
        // Mailchimp vs Mandrill open on a custom domain, by the shape of `u`.
        assert_eq!(
            open_pixel_esp(&u(
                "https://t.shop.example.com/track/open.php?u=4d3f0b8a1c2e5f6a7b8c9d0e1&id=9a8b"
            )),
            Some(MAILCHIMP)
        );
    }

    #[test]
    fn unsubscribe_links() {
        for link in [
            "https://shopname.us21.list-manage.com/unsubscribe?u=4d3f0b8a1c2e5f6a7b8c9d0e1&id=9a8b7c6d5e&e=1a2b3c4d5e&c=0f1e2d3c4b",
            "https://shopname.us21.list-manage.com/profile?u=4d3f0b8a1c2e5f6a7b8c9d0e1&id=9a8b7c6d5e",
        ] {
            assert!(is_unsubscribe_link(&u(link)), "{link}");
        }
        let link = "https://shopname.us21.list-manage.com/track/click?u=4d3f&id=9a8b&e=1a2b";
        assert!(!is_unsubscribe_link(&u(link)), "{link}");
    }

    #[test]
    fn mailchimp_email() {
        assert!(pixels(fixtures::MAILCHIMP).contains(&Some(MAILCHIMP)));
        let w = wrappers(fixtures::MAILCHIMP);
        assert_eq!(w.len(), 2);
        assert!(w.iter().all(|w| w.esp == MAILCHIMP));
    }
}
