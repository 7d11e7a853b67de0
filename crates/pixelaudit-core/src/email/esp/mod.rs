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
//! identity params, tests) live in its own file, one [`Provider`] each (its `PROVIDER`); this
//! file holds the registry, the [`Esp`] handles it hands out (`esp::KLAVIYO`, …), the public
//! functions that walk it, the webmail image proxies and the shared decoding helpers. Adding a
//! provider is its file and its line in the registry, which declares its module (whose name is
//! its serde id, the one reports and the JSON carry), its handle, its [`Esp`] order (the line's
//! place) and its first-pass rank (where its shapes are judged).

mod attribution;

pub use attribution::attribute;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::{alphabet, Engine as _};
use percent_encoding::percent_decode_str;
use regex::Regex;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

/// Declares the provider modules, a handle constant per provider, [`Esp::ALL`] and the ids, in
/// one list.
macro_rules! registry {
    ($($handle:ident => $module:ident @ $rank:literal,)*) => {
        $(mod $module;)*

        /// Registry positions, counted by the compiler.
        #[allow(non_camel_case_types)]
        #[repr(u8)]
        enum Position {
            $($module,)*
        }

        $(
            #[doc = concat!("The `", stringify!($module), "` email service provider.")]
            pub const $handle: Esp = Esp {
                position: Position::$module as u8,
                id: stringify!($module),
                first_pass_rank: $rank,
                provider: $module::PROVIDER,
            };
        )*

        impl Esp {
            /// Every provider, in registry order (the [`Esp`] order).
            pub const ALL: &'static [Esp] = &[$($handle,)*];
        }

        /// Every id, in registry order.
        const IDS: &[&str] = &[$(stringify!($module),)*];
    };
}

// The registry, in `Esp` order (`attribute` breaks ties by it, the greater
// winning): klaviyo, mailchimp, mandrill, sendgrid, hubspot, customer_io, omnisend, postmark,
// mailgun, sparkpost, amazon_ses, campaign_monitor, brevo, mailjet, activecampaign, intercom,
// marketo, salesforce_mc, substack, convertkit.
//
// `@ rank` is the precedence, lowest first: within a pass the first provider whose rule matches
// wins. Order matters in the first pass, where shapes overlap and the more specific comes
// first: Klaviyo's hosts before anything (its links are SendGrid-built), Intercom before
// SparkPost (Intercom mail uses SparkPost's `/q/…~~/` shape) and before ActiveCampaign's
// any-host `/lt.php?l=open`, SendGrid's own hosts before Marketo's any-host `/trk`, Substack
// before Mailgun's generic `email.<domain>` (Substack mails through Mailgun), Mailgun last. The
// second pass's shapes are told apart by their first path segment (`/wf/`, `/ss/`, `/e2t/`,
// `/e/`, `/track/`, `/o/`, `/q/`, `/CI0/`, `/ls/`, `/L0/`, `/Prod/`, `/f/`, `/c/`, …), so no two
// providers' branded rules claim one URL (tested) and their order is immaterial. In rank
// order: klaviyo, mailchimp, mandrill, sendgrid, hubspot, customer_io, omnisend, postmark,
// amazon_ses, campaign_monitor, brevo, mailjet, intercom, activecampaign, marketo,
// salesforce_mc, substack, convertkit, sparkpost, mailgun. Ranks are spaced so that a new
// provider slots in without renumbering.
registry! {
    KLAVIYO => klaviyo @ 10,
    MAILCHIMP => mailchimp @ 20,
    MANDRILL => mandrill @ 30,
    SENDGRID => sendgrid @ 40,
    HUBSPOT => hubspot @ 50,
    CUSTOMER_IO => customer_io @ 60,
    OMNISEND => omnisend @ 70,
    POSTMARK => postmark @ 80,
    MAILGUN => mailgun @ 200,
    SPARKPOST => sparkpost @ 190,
    AMAZON_SES => amazon_ses @ 90,
    CAMPAIGN_MONITOR => campaign_monitor @ 100,
    BREVO => brevo @ 110,
    MAILJET => mailjet @ 120,
    ACTIVECAMPAIGN => activecampaign @ 140,
    INTERCOM => intercom @ 130,
    MARKETO => marketo @ 150,
    SALESFORCE_MC => salesforce_mc @ 160,
    SUBSTACK => substack @ 170,
    CONVERTKIT => convertkit @ 180,
}

/// An email service provider whose tracking URLs we recognise: a handle into the registry.
///
/// Equality, order and hashing follow the registry position. It serializes and deserializes
/// as its id (the provider's module name: `sendgrid`, `customer_io`) and displays as its name.
/// Handles are made only by the registry.
#[derive(Clone, Copy)]
pub struct Esp {
    position: u8,
    id: &'static str,
    first_pass_rank: u16,
    provider: &'static dyn Provider,
}

impl Esp {
    /// Human-readable name ("Klaviyo", "SendGrid", "Customer.io", …), from its provider file.
    pub fn name(&self) -> &'static str {
        self.provider.name()
    }

    /// The stable snake_case id reports and the JSON carry (`sendgrid`, `customer_io`).
    pub fn id(self) -> &'static str {
        self.id
    }

    /// The position in the registry (the [`Esp`] order).
    pub fn position(self) -> usize {
        usize::from(self.position)
    }

    /// The provider with this id.
    pub fn from_id(id: &str) -> Option<Esp> {
        Esp::ALL.iter().copied().find(|e| e.id == id)
    }
}

impl PartialEq for Esp {
    fn eq(&self, other: &Self) -> bool {
        self.position == other.position
    }
}

impl Eq for Esp {}

impl PartialOrd for Esp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Esp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.position.cmp(&other.position)
    }
}

impl Hash for Esp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.position.hash(state);
    }
}

impl fmt::Debug for Esp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

impl fmt::Display for Esp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Esp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id)
    }
}

impl<'de> Deserialize<'de> for Esp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        Esp::from_id(&id).ok_or_else(|| de::Error::unknown_variant(&id, IDS))
    }
}

/// Every provider in precedence order (by first-pass rank), the order the passes walk.
fn by_precedence() -> &'static [Esp] {
    static ORDER: LazyLock<Vec<Esp>> = LazyLock::new(|| {
        let mut order = Esp::ALL.to_vec();
        order.sort_by_key(|e| e.first_pass_rank);
        order
    });
    &ORDER
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
    /// Is this header (name in lower case, value as written) this provider's own mark on an
    /// email it sent (or relayed)?
    fn own_header(&self, _name: &str, _value: &str) -> bool {
        false
    }
    /// The providers whose infrastructure this one sends through: when an email shows signs of
    /// both, theirs are the relay's and this provider is the sender.
    fn sends_through(&self) -> &'static [Esp] {
        &[]
    }
    /// URLs of this provider's that its rules must recognise (the registry test walks them).
    #[cfg(test)]
    fn samples(&self) -> &'static Samples;
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
/// every provider's [`Provider::identity_params`], in precedence order.
///
/// From the doc: Klaviyo `_kx`, Mailchimp `mc_cid`/`mc_eid`, HubSpot `_hsenc`/`_hsmi`, Omnisend
/// `omnisendContactID`. Not from the doc \[?\]: Klaviyo's older `_ke`, Marketo `mkt_tok`,
/// ConvertKit `ck_subscriber_id`.
pub fn identity_params() -> &'static [&'static str] {
    static PARAMS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        by_precedence()
            .iter()
            .flat_map(|p| p.provider.identity_params().iter().copied())
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
    if by_precedence()
        .iter()
        .any(|p| p.provider.unsubscribe_link(url))
    {
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
    let order = by_precedence();
    order
        .iter()
        .find(|e| e.provider.open_pixel(&parts))
        .or_else(|| order.iter().find(|e| e.provider.branded_open_pixel(&parts)))
        .copied()
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
    let order = by_precedence();
    let first = order
        .iter()
        .find_map(|&e| e.provider.click(&parts).map(|c| (e, c)));
    let (esp, click) = first.or_else(|| {
        order
            .iter()
            .find_map(|&e| e.provider.branded_click(&parts).map(|c| (e, c)))
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
    use std::collections::BTreeSet;

    use super::testutil::*;
    use super::*;

    // ---- Esp and the registry -------------------------------------------------------------

    /// Every platform's serde id, in the registry's (documented) order.
    const DOCUMENTED_ORDER: [&str; 20] = [
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
        "convertkit",
    ];

    #[test]
    fn names_and_serde_ids() {
        assert_eq!(CUSTOMER_IO.name(), "Customer.io");
        assert_eq!(SENDGRID.to_string(), "SendGrid");
        assert_eq!(AMAZON_SES.name(), "Amazon SES");
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
        assert_eq!(ids, DOCUMENTED_ORDER);
        for &e in Esp::ALL {
            let id = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<Esp>(&id).unwrap(), e);
        }
        assert!(serde_json::from_str::<Esp>("\"send_grid\"").is_err());
    }

    /// The registry: one provider per handle, unique ids and ranks, both orders as documented
    /// at the registry, and every provider's samples recognised as its own.
    #[test]
    fn every_esp_has_exactly_one_provider() {
        for &esp in Esp::ALL {
            let n = by_precedence().iter().filter(|p| **p == esp).count();
            assert_eq!(n, 1, "{esp:?} has {n} providers");
        }
        assert_eq!(by_precedence().len(), Esp::ALL.len());

        let ids: BTreeSet<&str> = Esp::ALL.iter().map(|e| e.id()).collect();
        assert_eq!(ids.len(), Esp::ALL.len(), "ids are not unique");
        assert_eq!(IDS.len(), Esp::ALL.len());
        let names: BTreeSet<&str> = Esp::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(names.len(), Esp::ALL.len(), "names are not unique");
        let ranks: BTreeSet<u16> = Esp::ALL.iter().map(|e| e.first_pass_rank).collect();
        assert_eq!(
            ranks.len(),
            Esp::ALL.len(),
            "first-pass ranks are not unique"
        );

        for (i, esp) in Esp::ALL.iter().enumerate() {
            assert_eq!(esp.position(), i);
            assert_eq!(IDS[i], esp.id());
            assert_eq!(Esp::from_id(esp.id()), Some(*esp));
        }
        let ordered: Vec<Esp> = Esp::ALL
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(ordered, Esp::ALL);

        // The orders documented at the registry.
        let registry: Vec<&str> = Esp::ALL.iter().map(|e| e.id()).collect();
        assert_eq!(registry, DOCUMENTED_ORDER);
        let precedence: Vec<&str> = by_precedence().iter().map(|e| e.id()).collect();
        assert_eq!(
            precedence,
            [
                "klaviyo",
                "mailchimp",
                "mandrill",
                "sendgrid",
                "hubspot",
                "customer_io",
                "omnisend",
                "postmark",
                "amazon_ses",
                "campaign_monitor",
                "brevo",
                "mailjet",
                "intercom",
                "activecampaign",
                "marketo",
                "salesforce_mc",
                "substack",
                "convertkit",
                "sparkpost",
                "mailgun",
            ]
        );

        // Each provider's samples are recognised as its own.
        for &esp in Esp::ALL {
            let samples = esp.provider.samples();
            for src in samples.open_pixels {
                assert_eq!(open_pixel_esp(&u(src)), Some(esp), "{src}");
            }
            for link in samples.clicks {
                assert_eq!(click_wrapper(&u(link)).map(|w| w.esp), Some(esp), "{link}");
            }
        }
    }

    /// Which rules of which providers claim `src`: `(pass, precedence index)`, pass 0 the first,
    /// 1 the branded one. Images and links are asked separately.
    fn claims(src: &str, image: bool) -> Vec<(usize, usize)> {
        let url = u(src);
        let url = if image { unwrap_image_proxy(&url) } else { url };
        let parts = UrlParts::new(&url).expect("samples are http(s)");
        let mut out = Vec::new();
        for (i, p) in by_precedence().iter().enumerate() {
            let (first, branded) = if image {
                (
                    p.provider.open_pixel(&parts),
                    p.provider.branded_open_pixel(&parts),
                )
            } else {
                (
                    p.provider.click(&parts).is_some(),
                    p.provider.branded_click(&parts).is_some(),
                )
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
            (SENDGRID, KLAVIYO),
            // Intercom's pixels have SparkPost's `/q/…~~/…~/` shape: Intercom is a first-pass rule.
            (SPARKPOST, INTERCOM),
            // Substack mails through Mailgun (`email.mg1.substack.com/o/eJ…`): Substack is
            // registered before Mailgun.
            (MAILGUN, SUBSTACK),
        ];
        let mut seen = Vec::new();
        for (owner_index, owner) in by_precedence().iter().enumerate() {
            let samples = owner.provider.samples();
            assert!(
                !samples.open_pixels.is_empty() || !samples.clicks.is_empty(),
                "{:?} has no samples",
                *owner
            );
            let all = samples
                .open_pixels
                .iter()
                .map(|s| (*s, true))
                .chain(samples.clicks.iter().map(|s| (*s, false)));
            for (src, image) in all {
                let found = claims(src, image);
                let winner = found.iter().min().map(|&(_, i)| by_precedence()[i]);
                assert_eq!(winner, Some(*owner), "{src}: {found:?}");
                let public = if image {
                    open_pixel_esp(&u(src))
                } else {
                    click_wrapper(&u(src)).map(|w| w.esp)
                };
                assert_eq!(public, Some(*owner), "{src}");
                for &(_, i) in &found {
                    if i == owner_index {
                        continue;
                    }
                    let pair = (by_precedence()[i], *owner);
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

    /// First-pass overlaps that only the precedence settles.
    #[test]
    fn first_pass_precedence_settles_overlaps() {
        // Intercom's open path on its host, also ending in ActiveCampaign's any-host
        // `/lt.php?l=open`: Intercom ranks first.
        let src = "https://via.intercom.io/o/lt.php?l=open";
        assert_eq!(claims(src, true), [(0, 12), (0, 13)]);
        assert_eq!(open_pixel_esp(&u(src)), Some(INTERCOM));
    }

    /// The branded pass does not depend on registry order: at most one provider's branded rule
    /// claims any sample, or any of the branded shapes on a neutral host.
    #[test]
    fn branded_rules_do_not_overlap() {
        let mut images: Vec<String> = Vec::new();
        let mut links: Vec<String> = Vec::new();
        for p in by_precedence() {
            images.extend(
                p.provider
                    .samples()
                    .open_pixels
                    .iter()
                    .map(|s| s.to_string()),
            );
            links.extend(p.provider.samples().clicks.iter().map(|s| s.to_string()));
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
                .map(|(_, i)| by_precedence()[i])
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
        assert_eq!(open_pixel_esp(&u(proxied)), Some(KLAVIYO));
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
