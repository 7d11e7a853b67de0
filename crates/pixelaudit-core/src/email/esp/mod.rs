//! Email service providers (ESPs): open-pixel and click-redirect URL shapes, offline
//! destination decoding, webmail image-proxy unwrapping, identity params and unsubscribe links.
//!
//! Shapes follow `shared/docs/pixel-formats.md` §B; provenance tags in comments are the doc's:
//! \[D\] vendor docs, \[C\] captured URLs, \[R\] secondary, \[EP\] EasyPrivacy, \[MTB\] the MailTrackerBlocker
//! list, \[?\] unconfirmed (matched anyway, but do not build a hard check on it alone).
//!
//! Everything here is pure: no network, no DNS. Matching is host suffix + path shape. Branded
//! (CNAME'd) tracking hosts are only recognised where the path shape is distinctive (SendGrid
//! `/ls/click?upn=`, `/ss/c/u001.…`, `/wf/open?upn=`, HubSpot `/e2t/`, `/e3t/`, Customer.io
//! `/e/c/<decodable payload>`, Mandrill `/track/click/<id>/<host>?p=<decodable>`, SES
//! `/L0/<encoded URL>`, …); resolving an unknown host's CNAME is the caller's job.
//!
//! [`open_pixel_esp`] judges an image purely by its URL. Whether an image is *shaped* like a
//! pixel (1×1, hidden) is `extract::ImageRef::looks_like_tracking_pixel`; a 1×1 spacer on a
//! store's own CDN is shape-only and gets `None` here.
//!
//! Layout: each provider's facts (name, URL shapes, destination decoding, unsubscribe pages,
//! identity params, tests) live in its own file, one [`Provider`] each; this file holds the
//! [`Esp`] ids, the registry [`PROVIDERS`] whose order is the precedence, the public functions
//! that walk it, the webmail image proxies and the shared decoding helpers. Adding a provider:
//! its file, its `mod` line, its line in [`PROVIDERS`] (where its shapes rank), and an [`Esp`]
//! variant with its place in [`Esp::ALL`] (the serde id reports and the JSON carry).

mod activecampaign;
mod amazon_ses;
mod brevo;
mod campaign_monitor;
mod convertkit;
mod customer_io;
mod hubspot;
mod intercom;
mod klaviyo;
mod mailchimp;
mod mailgun;
mod mailjet;
mod mandrill;
mod marketo;
mod omnisend;
mod postmark;
mod salesforce_mc;
mod sendgrid;
mod sparkpost;
mod substack;

use std::fmt;
use std::sync::LazyLock;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use percent_encoding::percent_decode_str;
use regex::Regex;
use serde::{Deserialize, Serialize};
use url::Url;

/// An email service provider whose tracking URLs we recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Esp {
    /// Klaviyo.
    Klaviyo,
    /// Mailchimp (marketing).
    Mailchimp,
    /// Mailchimp Transactional (Mandrill).
    Mandrill,
    /// Twilio SendGrid (also what Braze, beehiiv and Klaviyo's older links are built on).
    #[serde(rename = "sendgrid")]
    SendGrid,
    /// HubSpot (marketing and sales).
    #[serde(rename = "hubspot")]
    HubSpot,
    /// Customer.io.
    CustomerIo,
    /// Omnisend.
    Omnisend,
    /// Postmark.
    Postmark,
    /// Mailgun.
    Mailgun,
    /// SparkPost (also Braze on SparkPost).
    #[serde(rename = "sparkpost")]
    SparkPost,
    /// Amazon SES.
    AmazonSes,
    /// Campaign Monitor.
    CampaignMonitor,
    /// Brevo (formerly Sendinblue).
    Brevo,
    /// Mailjet.
    Mailjet,
    /// ActiveCampaign.
    #[serde(rename = "activecampaign")]
    ActiveCampaign,
    /// Intercom.
    Intercom,
    /// Marketo (Adobe).
    Marketo,
    /// Salesforce Marketing Cloud (ExactTarget).
    SalesforceMc,
    /// Substack.
    Substack,
    /// ConvertKit (Kit).
    #[serde(rename = "convertkit")]
    ConvertKit,
}

impl Esp {
    /// Every variant, in declaration order.
    pub const ALL: [Esp; 20] = [
        Esp::Klaviyo,
        Esp::Mailchimp,
        Esp::Mandrill,
        Esp::SendGrid,
        Esp::HubSpot,
        Esp::CustomerIo,
        Esp::Omnisend,
        Esp::Postmark,
        Esp::Mailgun,
        Esp::SparkPost,
        Esp::AmazonSes,
        Esp::CampaignMonitor,
        Esp::Brevo,
        Esp::Mailjet,
        Esp::ActiveCampaign,
        Esp::Intercom,
        Esp::Marketo,
        Esp::SalesforceMc,
        Esp::Substack,
        Esp::ConvertKit,
    ];

    /// Human-readable name ("Klaviyo", "SendGrid", "Customer.io", …), from its provider file.
    pub fn name(&self) -> &'static str {
        provider(*self).name()
    }
}

impl fmt::Display for Esp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A recognised ESP click-tracking redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickWrapper {
    /// Whose redirect it is.
    pub esp: Esp,
    /// The landing URL, when the wrapper carries it in a decodable form (Customer.io, Postmark,
    /// Amazon SES, Mandrill, Mailjet, ConvertKit, ActiveCampaign, SparkPost `?target=`).
    /// `None` means the token is opaque: follow the redirect (GET, no cookies) to learn it.
    pub destination: Option<Url>,
}

// ---- Providers and their precedence ------------------------------------------------------

/// One provider's facts. Every URL rule defaults to "not mine".
///
/// Rules come in two passes. [`Provider::open_pixel`] and [`Provider::click`] are the first
/// pass: the provider's own hosts, and the shapes that must be judged before any branded one
/// (Marketo's `/trk?t=1&mid=`, ActiveCampaign's `/lt.php?l=open`, Mailgun's `email.<domain>`).
/// The `branded_*` rules are the second pass: distinctive path shapes on any (CNAME'd) host,
/// tried only when no provider's first-pass rule matched.
trait Provider: Sync {
    /// Which provider this is.
    fn esp(&self) -> Esp;
    /// Human-readable name.
    fn name(&self) -> &'static str;
    /// First pass: is this image URL this provider's open pixel?
    fn open_pixel(&self, _url: &UrlParts) -> bool {
        false
    }
    /// Second pass: is this image URL this provider's open pixel on a branded host?
    fn branded_open_pixel(&self, _url: &UrlParts) -> bool {
        false
    }
    /// First pass: is this link this provider's click redirect, and where does it lead?
    fn click(&self, _url: &UrlParts) -> Option<Click> {
        None
    }
    /// Second pass: is this link this provider's click redirect on a branded host?
    fn branded_click(&self, _url: &UrlParts) -> Option<Click> {
        None
    }
    /// Is this link (any scheme) one of this provider's unsubscribe or preference pages?
    fn unsubscribe_link(&self, _url: &Url) -> bool {
        false
    }
    /// Query/landing parameters through which this provider hands the recipient's identity to
    /// the site.
    fn identity_params(&self) -> &'static [&'static str] {
        &[]
    }
    /// URLs of this provider's that its rules must recognise (the registry test walks them).
    #[cfg(test)]
    fn samples(&self) -> &'static Samples;
}

/// Every provider, in precedence order: within a pass the first provider whose rule matches
/// wins. Order matters in the first pass, where shapes overlap and the more specific comes
/// first: Klaviyo's hosts before anything (its links are SendGrid-built), Intercom before
/// SparkPost (Intercom mail uses SparkPost's `/q/…~~/` shape), SendGrid's own hosts before
/// Marketo's any-host `/trk`, Substack before Mailgun's generic `email.<domain>` (Substack
/// mails through Mailgun), Mailgun last. The second pass's shapes are told apart
/// by their first path segment (`/wf/`, `/ss/`, `/e2t/`, `/e/`, `/track/`, `/o/`, `/q/`,
/// `/CI0/`, `/ls/`, `/L0/`, `/Prod/`, `/f/`, `/c/`, …), so no two providers' branded rules
/// claim one URL (tested) and their order is immaterial.
static PROVIDERS: &[&dyn Provider] = &[
    &klaviyo::Klaviyo,
    &mailchimp::Mailchimp,
    &mandrill::Mandrill,
    &sendgrid::SendGrid,
    &hubspot::HubSpot,
    &customer_io::CustomerIo,
    &omnisend::Omnisend,
    &postmark::Postmark,
    &amazon_ses::AmazonSes,
    &campaign_monitor::CampaignMonitor,
    &brevo::Brevo,
    &mailjet::Mailjet,
    &intercom::Intercom,
    &activecampaign::ActiveCampaign,
    &marketo::Marketo,
    &salesforce_mc::SalesforceMc,
    &substack::Substack,
    &convertkit::ConvertKit,
    &sparkpost::SparkPost,
    &mailgun::Mailgun,
];

/// The provider of `esp` (every variant has one: tested).
fn provider(esp: Esp) -> &'static dyn Provider {
    *PROVIDERS
        .iter()
        .find(|p| p.esp() == esp)
        .expect("every Esp has a provider in PROVIDERS")
}

/// A provider's verdict on a link that is its click redirect.
struct Click {
    /// The landing URL, when the link carries it decodably (see [`ClickWrapper::destination`]).
    destination: Option<Url>,
}

impl Click {
    /// A redirect whose token is opaque.
    fn opaque() -> Click {
        Click { destination: None }
    }

    /// A redirect with its destination decoded (`None` when it would not decode).
    fn leading_to(destination: Option<Url>) -> Click {
        Click { destination }
    }
}

/// An http(s) URL taken apart once for the rules: host, path and path segments.
struct UrlParts<'a> {
    url: &'a Url,
    host: &'a str,
    path: &'a str,
    segs: Vec<&'a str>,
}

impl<'a> UrlParts<'a> {
    /// `None` for anything but http(s) with a host.
    fn new(url: &'a Url) -> Option<Self> {
        Some(UrlParts {
            url,
            host: http_host(url)?,
            path: url.path(),
            segs: segments(url),
        })
    }

    /// The first value of query parameter `key`, decoded.
    fn query(&self, key: &str) -> Option<String> {
        query_value(self.url, key)
    }
}

/// Test-only sample URLs of one provider.
#[cfg(test)]
struct Samples {
    /// Image URLs that are its open pixels.
    open_pixels: &'static [&'static str],
    /// Links that are its click redirects with an opaque token.
    clicks: &'static [&'static str],
}

// ---- The public functions ----------------------------------------------------------------

/// Query/landing parameters through which ESPs hand the recipient's identity to the site:
/// every provider's [`Provider::identity_params`], in registry order.
///
/// From the doc: Klaviyo `_kx`, Mailchimp `mc_cid`/`mc_eid`, HubSpot `_hsenc`/`_hsmi`, Omnisend
/// `omnisendContactID`. Not from the doc \[?\]: Klaviyo's older `_ke`, Marketo `mkt_tok`,
/// ConvertKit `ck_subscriber_id`.
pub fn identity_params() -> &'static [&'static str] {
    static PARAMS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        PROVIDERS
            .iter()
            .flat_map(|p| p.identity_params().iter().copied())
            .collect()
    });
    &PARAMS
}

/// Is this an unsubscribe / subscription-preference link? Those legitimately carry no UTMs.
///
/// True for: any `manage.kmail-lists.com` URL (Klaviyo's unsubscribe, preference and web-view
/// pages), Mailchimp `list-manage.com/unsubscribe` and `/profile`, SendGrid `/asm/…` (and
/// `/wf/unsubscribe`), Omnisend `/contactsPreferences/…`, HubSpot `/hs/manage-preferences/…` and
/// `/hs/preferences-center/…`, and any URL (any scheme, so `mailto:` too) whose path or query
/// contains `unsub` (`unsubscribe`, Mailjet `unsub2`, …), `optout`, `opt-out` or `opt_out`,
/// case-insensitively. Wrapped links are not unwrapped here: pass the decoded destination.
pub fn is_unsubscribe_link(url: &Url) -> bool {
    if PROVIDERS.iter().any(|p| p.unsubscribe_link(url)) {
        return true;
    }
    let mut hay = url.path().to_ascii_lowercase();
    if let Some(q) = url.query() {
        hay.push('?');
        hay.push_str(&q.to_ascii_lowercase());
    }
    ["unsub", "optout", "opt-out", "opt_out"]
        .iter()
        .any(|needle| hay.contains(needle))
}

/// Undo webmail image proxies: Gmail `ciN.googleusercontent.com/meips/…#<original URL>` (and the
/// older `/proxy/…#<original>`) \[C\], Yahoo `ecp.yusercontent.com/mail?url=<encoded original>` \[C\].
/// Nested proxies are unwrapped too. Anything else is returned unchanged.
pub fn unwrap_image_proxy(url: &Url) -> Url {
    let mut current = url.clone();
    for _ in 0..4 {
        match unwrap_one_proxy(&current) {
            Some(inner) => current = inner,
            None => break,
        }
    }
    current
}

fn unwrap_one_proxy(url: &Url) -> Option<Url> {
    let host = http_host(url)?;
    let path = url.path();
    if GMAIL_PROXY_HOST.is_match(host)
        && (path.starts_with("/meips/") || path.starts_with("/proxy/"))
    {
        let frag = url.fragment()?;
        return parse_http(frag)
            .or_else(|| parse_http(&percent_decode_str(frag).decode_utf8_lossy()));
    }
    if host == "ecp.yusercontent.com" && path == "/mail" {
        return parse_http(&query_value(url, "url")?);
    }
    None
}

/// Which ESP's open pixel is this image URL, if any? Judged by URL only (host + path shape);
/// webmail image proxies are unwrapped first. Ordinary images on ESP-owned hosts (Omnisend
/// `/image/newsletter/…`, Mailchimp `mcusercontent.com`, Campaign Monitor `/ei/…`, Klaviyo's
/// CloudFront product images) are not pixels.
pub fn open_pixel_esp(url: &Url) -> Option<Esp> {
    let url = unwrap_image_proxy(url);
    let parts = UrlParts::new(&url)?;
    PROVIDERS
        .iter()
        .find(|p| p.open_pixel(&parts))
        .or_else(|| PROVIDERS.iter().find(|p| p.branded_open_pixel(&parts)))
        .map(|p| p.esp())
}

/// Is this link an ESP click-tracking redirect, and where does it lead (if decodable offline)?
///
/// Decoded destinations: Customer.io (`href` of the base64url JSON), Postmark (path segment after
/// the version; the scheme is not carried, `https` is assumed as Brave's unwrap rule does \[?\]),
/// Amazon SES (`/L0/<percent-encoded URL>/…`), Mandrill (`p` = base64 JSON whose `p` string holds
/// JSON with `url`) \[C\], Mailjet and ConvertKit (last path segment = base64 URL) \[C\],
/// ActiveCampaign (`redirectUrl` = base64 of a possibly percent-encoded URL) \[C\], SparkPost
/// (`?target=` when present) \[C\]. A destination is only returned when it parses as an http(s)
/// URL; otherwise it is `None` and the caller follows the redirect.
pub fn click_wrapper(url: &Url) -> Option<ClickWrapper> {
    let parts = UrlParts::new(url)?;
    let first = PROVIDERS
        .iter()
        .find_map(|p| p.click(&parts).map(|c| (p.esp(), c)));
    let (esp, click) = first.or_else(|| {
        PROVIDERS
            .iter()
            .find_map(|p| p.branded_click(&parts).map(|c| (p.esp(), c)))
    })?;
    Some(ClickWrapper {
        esp,
        destination: click.destination,
    })
}

// ---- Shared helpers ----------------------------------------------------------------------

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

static GMAIL_PROXY_HOST: LazyLock<Regex> = LazyLock::new(|| re(r"^ci\d+\.googleusercontent\.com$"));

/// The host of an http(s) URL (lower-case, as `url` normalises it).
fn http_host(url: &Url) -> Option<&str> {
    match url.scheme() {
        "http" | "https" => url.host_str(),
        _ => None,
    }
}

/// `host` is `domain` or a subdomain of it.
fn on_domain(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

fn segments(url: &Url) -> Vec<&str> {
    url.path_segments().map(|s| s.collect()).unwrap_or_default()
}

fn query_value(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn parse_http(s: &str) -> Option<Url> {
    let u = Url::parse(s.trim()).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
        .then_some(u)
}

/// Base64 decoding that accepts both alphabets and any padding.
fn b64_decode(s: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    let normalized: String = s
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            ' ' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    LENIENT.decode(normalized).ok()
}

/// A JSON value in base64 (either alphabet), possibly percent-encoded (Customer.io, Mandrill).
fn b64_json(s: &str) -> Option<serde_json::Value> {
    let decoded = percent_decode_str(s).decode_utf8().ok()?;
    serde_json::from_slice(&b64_decode(&decoded)?).ok()
}

/// A base64 (either alphabet, possibly percent-encoded) http(s) URL, itself possibly
/// percent-encoded once more (ActiveCampaign does that). Mailjet, ConvertKit, ActiveCampaign.
fn base64_url_destination(s: &str) -> Option<Url> {
    let decoded = percent_decode_str(s).decode_utf8().ok()?;
    let bytes = b64_decode(&decoded)?;
    let text = String::from_utf8(bytes).ok()?;
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("http%3a") {
        return parse_http(&percent_decode_str(&text).decode_utf8().ok()?);
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return parse_http(&text);
    }
    None
}

/// Helpers for this module's tests and the provider files'.
#[cfg(test)]
mod testutil {
    use base64::Engine as _;
    use url::Url;

    pub(super) use super::super::extract::{extract, fixtures};
    use super::{click_wrapper, open_pixel_esp, ClickWrapper, Esp};

    pub(super) fn u(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("bad test URL {s}: {e}"))
    }

    pub(super) fn b64url(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    pub(super) fn b64std(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    pub(super) fn dest(link: &str) -> Option<String> {
        click_wrapper(&u(link))
            .unwrap_or_else(|| panic!("not recognised as a click wrapper: {link}"))
            .destination
            .map(|d| d.to_string())
    }

    pub(super) fn esp_of_click(link: &str) -> Option<Esp> {
        click_wrapper(&u(link)).map(|w| w.esp)
    }

    /// Every `src` is `want`'s open pixel.
    pub(super) fn open_pixels_are(want: Esp, srcs: &[&str]) {
        for src in srcs {
            assert_eq!(open_pixel_esp(&u(src)), Some(want), "{src}");
        }
    }

    /// Every `link` is `want`'s click redirect, with an opaque token.
    pub(super) fn opaque_clicks_are(want: Esp, links: &[&str]) {
        for link in links {
            let w = click_wrapper(&u(link)).unwrap_or_else(|| panic!("not a wrapper: {link}"));
            assert_eq!(w.esp, want, "{link}");
            assert_eq!(w.destination, None, "{link}");
        }
    }

    pub(super) fn pixels(html: &str) -> Vec<Option<Esp>> {
        extract(html)
            .images
            .iter()
            .filter_map(|i| i.url.as_ref())
            .map(open_pixel_esp)
            .collect()
    }

    pub(super) fn wrappers(html: &str) -> Vec<ClickWrapper> {
        extract(html)
            .links
            .iter()
            .filter_map(|l| l.url.as_ref())
            .filter_map(click_wrapper)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    // ---- Esp and the registry -------------------------------------------------------------

    #[test]
    fn names_and_serde_ids() {
        assert_eq!(Esp::CustomerIo.name(), "Customer.io");
        assert_eq!(Esp::SendGrid.to_string(), "SendGrid");
        assert_eq!(Esp::AmazonSes.name(), "Amazon SES");
        let ids: Vec<String> = Esp::ALL
            .iter()
            .map(|e| {
                serde_json::to_value(e)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            ids,
            [
                "klaviyo",
                "mailchimp",
                "mandrill",
                "sendgrid",
                "hubspot",
                "customer_io",
                "omnisend",
                "postmark",
                "mailgun",
                "sparkpost",
                "amazon_ses",
                "campaign_monitor",
                "brevo",
                "mailjet",
                "activecampaign",
                "intercom",
                "marketo",
                "salesforce_mc",
                "substack",
                "convertkit"
            ]
        );
        for e in Esp::ALL {
            let id = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<Esp>(&id).unwrap(), e);
        }
    }

    #[test]
    fn every_esp_has_exactly_one_provider() {
        for esp in Esp::ALL {
            let n = PROVIDERS.iter().filter(|p| p.esp() == esp).count();
            assert_eq!(n, 1, "{esp:?} has {n} providers");
        }
        assert_eq!(PROVIDERS.len(), Esp::ALL.len());
    }

    /// Which rules of which providers claim `src`: `(pass, registry index)`, pass 0 the first,
    /// 1 the branded one. Images and links are asked separately.
    fn claims(src: &str, image: bool) -> Vec<(usize, usize)> {
        let url = u(src);
        let url = if image { unwrap_image_proxy(&url) } else { url };
        let parts = UrlParts::new(&url).expect("samples are http(s)");
        let mut out = Vec::new();
        for (i, p) in PROVIDERS.iter().enumerate() {
            let (first, branded) = if image {
                (p.open_pixel(&parts), p.branded_open_pixel(&parts))
            } else {
                (p.click(&parts).is_some(), p.branded_click(&parts).is_some())
            };
            if first {
                out.push((0, i));
            }
            if branded {
                out.push((1, i));
            }
        }
        out
    }

    /// Walks the registry: every provider has samples and recognises each of its own (and
    /// the public functions agree), and no other provider's rule claims them, except the
    /// overlaps listed here, which the registry's precedence settles for the sample's owner.
    #[test]
    fn registry_providers_recognise_their_own_samples_and_no_others() {
        // (the provider whose rule also matches, the sample's provider).
        let known_overlaps: &[(Esp, Esp)] = &[
            // Klaviyo's klclick links are SendGrid-built (`/ls/click?upn=`): the first pass
            // (Klaviyo's hosts) runs before SendGrid's branded shapes.
            (Esp::SendGrid, Esp::Klaviyo),
            // Intercom's pixels have SparkPost's `/q/…~~/…~/` shape: Intercom is a first-pass rule.
            (Esp::SparkPost, Esp::Intercom),
            // Substack mails through Mailgun (`email.mg1.substack.com/o/eJ…`): Substack is
            // registered before Mailgun.
            (Esp::Mailgun, Esp::Substack),
        ];
        let mut seen = Vec::new();
        for (owner_index, owner) in PROVIDERS.iter().enumerate() {
            let samples = owner.samples();
            assert!(
                !samples.open_pixels.is_empty() || !samples.clicks.is_empty(),
                "{:?} has no samples",
                owner.esp()
            );
            let all = samples
                .open_pixels
                .iter()
                .map(|s| (*s, true))
                .chain(samples.clicks.iter().map(|s| (*s, false)));
            for (src, image) in all {
                let found = claims(src, image);
                let winner = found.iter().min().map(|&(_, i)| PROVIDERS[i].esp());
                assert_eq!(winner, Some(owner.esp()), "{src}: {found:?}");
                let public = if image {
                    open_pixel_esp(&u(src))
                } else {
                    click_wrapper(&u(src)).map(|w| w.esp)
                };
                assert_eq!(public, Some(owner.esp()), "{src}");
                for &(_, i) in &found {
                    if i == owner_index {
                        continue;
                    }
                    let pair = (PROVIDERS[i].esp(), owner.esp());
                    assert!(
                        known_overlaps.contains(&pair),
                        "{:?}'s rule also claims {:?}'s sample {src}",
                        pair.0,
                        pair.1
                    );
                    seen.push(pair);
                }
            }
        }
        for pair in known_overlaps {
            assert!(seen.contains(pair), "overlap {pair:?} no longer occurs");
        }
    }

    /// The branded pass does not depend on registry order: at most one provider's branded rule
    /// claims any sample, or any of the branded shapes on a neutral host.
    #[test]
    fn branded_rules_do_not_overlap() {
        let mut images: Vec<String> = Vec::new();
        let mut links: Vec<String> = Vec::new();
        for p in PROVIDERS {
            images.extend(p.samples().open_pixels.iter().map(|s| s.to_string()));
            links.extend(p.samples().clicks.iter().map(|s| s.to_string()));
        }
        for path in [
            "/wf/open?upn=a",
            "/ss/o/a.gif",
            "/e2t/o/a",
            "/e3t/Cto/a",
            "/e/o/eyJlbWFpbF9pZCI6ImEifQ",
            "/track/open.php?u=4d3f0b8a1c2e5f6a7b8c9d0e1&id=1",
            "/track/open.php?u=30045234&id=1",
            "/o/eJabc",
            "/q/a~~/b~/c",
            "/CI0/a/b",
        ] {
            images.push(format!("https://t.shop.example.com{path}"));
        }
        for path in [
            "/ls/click?upn=a",
            "/wf/click?upn=a",
            "/ss/c/u001.a/b",
            "/e2t/c/a",
            "/e3t/Ctc/a",
            "/e/c/eyJocmVmIjoiaHR0cHM6Ly94LmNvbS8ifQ/a",
            "/track/click/1/x.com?p=eyJ1cmwiOiJodHRwczovL3guY29tLyJ9",
            "/L0/https:%2F%2Fx.com%2F/1/a",
            "/CL0/https:%2F%2Fx.com%2F/1/a",
            "/Prod/link-tracker?redirectUrl=aHR0cHM6Ly94LmNvbS8=",
            "/f/a/a~~/b~/c",
            "/c/eJabc",
        ] {
            links.push(format!("https://t.shop.example.com{path}"));
        }
        let all = images
            .iter()
            .map(|s| (s, true))
            .chain(links.iter().map(|s| (s, false)));
        for (src, image) in all {
            let branded: Vec<_> = claims(src, image)
                .into_iter()
                .filter(|&(pass, _)| pass == 1)
                .map(|(_, i)| PROVIDERS[i].esp())
                .collect();
            assert!(branded.len() <= 1, "{src}: {branded:?}");
        }
    }

    // ---- Open pixels ----------------------------------------------------------------------

    #[test]
    fn ordinary_images_are_not_pixels() {
        for src in [
            // A 1x1 spacer on the store's own CDN: shape-only, not an ESP pixel.
            "https://cdn.shopify.com/s/files/1/0000/0001/files/spacer.gif?v=1",
            // Not http(s).
            "cid:logo@shop",
        ] {
            assert_eq!(open_pixel_esp(&u(src)), None, "{src}");
        }
    }

    #[test]
    fn open_pixel_behind_gmail_proxy() {
        let proxied = "https://ci3.googleusercontent.com/meips/ADKq_NbybXxlY3aS7Tk5pFP6N0ScovqQ=s0-d-e1-ft#https://trk.klaviyomail.com/open/01J8ZK3R5Q/p.gif";
        assert_eq!(open_pixel_esp(&u(proxied)), Some(Esp::Klaviyo));
        let logo = "https://ci3.googleusercontent.com/meips/ADKq_NZUxwnc=s0-d-e1-ft#https://cdn.shop.example.com/logo.png";
        assert_eq!(open_pixel_esp(&u(logo)), None);
    }

    // ---- Image proxies --------------------------------------------------------------------

    #[test]
    fn gmail_and_yahoo_proxies_unwrap() {
        let g = u("https://ci4.googleusercontent.com/meips/ADKq_NaNYSs0xVcf3AXCpX2h=s0-d-e1-ft#https://u1234567.ct.sendgrid.net/wf/open?upn=u001.AbC");
        assert_eq!(
            unwrap_image_proxy(&g).as_str(),
            "https://u1234567.ct.sendgrid.net/wf/open?upn=u001.AbC"
        );
        let old = u("https://ci6.googleusercontent.com/proxy/lQEOmcuMXtfXd8A6=s0-d-e1-ft#http://cdn.shop.example.com/a.png");
        assert_eq!(
            unwrap_image_proxy(&old).as_str(),
            "http://cdn.shop.example.com/a.png"
        );
        let y = u("https://ecp.yusercontent.com/mail?url=https%3A%2F%2Fcdn.shop.example.com%2Flogo.png%3Fv%3D2&t=1714496892&ymreqid=612e92b1&sig=kzAh8tw");
        assert_eq!(
            unwrap_image_proxy(&y).as_str(),
            "https://cdn.shop.example.com/logo.png?v=2"
        );
        // Nested: Yahoo around Gmail.
        let nested = u("https://ecp.yusercontent.com/mail?url=https%3A%2F%2Fci6.googleusercontent.com%2Fproxy%2Fabc%23https%3A%2F%2Fcdn.shop.example.com%2Fb.png&t=1");
        assert_eq!(
            unwrap_image_proxy(&nested).as_str(),
            "https://cdn.shop.example.com/b.png"
        );
    }

    #[test]
    fn non_proxies_are_unchanged() {
        for s in [
            "https://cdn.shop.example.com/logo.png#frag",
            "https://ci3.googleusercontent.com/meips/ADKq_NZ=s0-d-e1-ft",
            "https://lh3.googleusercontent.com/meips/x#https://a.example/b.png",
        ] {
            assert_eq!(unwrap_image_proxy(&u(s)), u(s), "{s}");
        }
    }

    // ---- Click wrappers -------------------------------------------------------------------

    #[test]
    fn plain_links_are_not_wrappers() {
        for link in [
            "https://shop.example.com/products/mug?utm_source=klaviyo&_kx=abc",
            "https://www.instagram.com/shop",
            "https://shop.example.com/",
            "mailto:help@shop.example.com",
        ] {
            assert_eq!(click_wrapper(&u(link)), None, "{link}");
        }
    }

    // ---- Identity and unsubscribe ---------------------------------------------------------

    #[test]
    fn identity_params_cover_the_doc() {
        for p in [
            "_kx",
            "mc_cid",
            "mc_eid",
            "_hsenc",
            "_hsmi",
            "omnisendContactID",
        ] {
            assert!(identity_params().contains(&p), "{p}");
        }
        assert!(!identity_params().contains(&"utm_source"));
    }

    #[test]
    fn unsubscribe_links() {
        for link in [
            "https://shop.example.com/pages/email-OptOut",
            "mailto:unsubscribe-abc@bounce.shop.example.com?subject=Unsubscribe",
        ] {
            assert!(is_unsubscribe_link(&u(link)), "{link}");
        }
        for link in [
            "https://shop.example.com/products/mug",
            "mailto:help@shop.example.com",
        ] {
            assert!(!is_unsubscribe_link(&u(link)), "{link}");
        }
    }
}
