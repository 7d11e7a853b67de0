//! The site config types (`deny_unknown_fields` everywhere) and their validation.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_spanned::Spanned;
use url::Url;

use super::consent::ConsentConfig;
use super::expect::{ExpectDefaults, Expectation, Matcher};
use super::journey::JourneyConfig;
use super::schedule::ScheduleConfig;
use super::source::Source;
use super::suggest::closest;
use super::{AdblockConfig, ConfigError, DiscoverConfig, EmailConfig, NetworkConfig, NotifyConfig};
use crate::model::Vendor;
use crate::vendors;

/// One site to audit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's name in reports (defaults to the file name without `.toml`).
    #[serde(default)]
    pub name: Option<String>,
    /// The store's base URL; page paths are resolved against it.
    pub base_url: Spanned<String>,
    /// Defaults for every expectation that does not set `within_ms` / `consent` itself.
    #[serde(default)]
    pub expect_defaults: Option<ExpectDefaults>,
    /// Pages to audit.
    #[serde(default)]
    pub pages: Vec<PageConfig>,
    /// The store's own pixel ids per vendor.
    #[serde(default)]
    pub pixels: Pixels,
    /// Browser options.
    #[serde(default)]
    pub browser: BrowserConfig,
    /// How the store asks for consent.
    #[serde(default)]
    pub consent: Option<ConsentConfig>,
    /// Scripted journeys.
    #[serde(default)]
    pub journeys: Vec<JourneyConfig>,
    /// Expectations for every page whose path matches a pattern (a page type / template).
    #[serde(default)]
    pub templates: Vec<TemplateConfig>,
    /// Ad-block analysis.
    #[serde(default)]
    pub adblock: Option<AdblockConfig>,
    /// Emailing the report.
    #[serde(default)]
    pub notify: Option<NotifyConfig>,
    /// Host overrides and extra trust for the browser and every HTTP/IMAP client.
    #[serde(default)]
    pub network: Option<NetworkConfig>,
    /// Auditing the store's test marketing emails.
    #[serde(default)]
    pub email: Option<EmailConfig>,
    /// When `pixelaudit schedule` runs the site.
    #[serde(default)]
    pub schedule: Option<ScheduleConfig>,
    /// How `--discover` finds the store's pages.
    #[serde(default)]
    pub discover: Option<DiscoverConfig>,
}

/// Expectations shared by every page whose URL path matches `match` (`*` matches within one
/// path segment, `**` across segments): product pages, collection pages, …
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    /// The path pattern, e.g. `/products/*`.
    #[serde(rename = "match")]
    pub pattern: Spanned<String>,
    /// Hits every matching page must produce.
    #[serde(default)]
    pub expect: Vec<Expectation>,
    /// Hits no matching page may produce.
    #[serde(default)]
    pub forbid: Vec<Matcher>,
    /// Consent scenarios to audit matching pages under, when a page does not say (instead of
    /// the site's `consent.scenarios`): a checkout template without the banner, say.
    #[serde(default)]
    pub consent: Option<Vec<Spanned<String>>>,
}

/// A page to audit: a path under `base_url` or a full URL.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageConfig {
    /// A short name for reports (`home`, `product`).
    #[serde(default)]
    pub name: Option<String>,
    /// A path resolved against `base_url`.
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    /// A full URL (instead of `path`).
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    /// Consent scenarios to audit the page under (default: the first matching template's
    /// `consent`, else the site's `consent.scenarios`, else `none`).
    #[serde(default)]
    pub consent: Option<Vec<Spanned<String>>>,
    /// `desktop` (default) or `mobile`.
    #[serde(default)]
    pub device: Option<Spanned<String>>,
    /// Hits the page must produce.
    #[serde(default)]
    pub expect: Vec<Expectation>,
    /// Hits the page must not produce.
    #[serde(default)]
    pub forbid: Vec<Matcher>,
}

/// A `file:`, `javascript:`, `data:`, `blob:` or `filesystem:` URL would make the browser read
/// local files or run the URL's own script: it is refused before anything runs. (Browser pages
/// such as `chrome://crash` stay allowed: tests use them to crash a tab.)
pub fn web_page(url: &Url) -> Result<(), String> {
    match url.scheme() {
        scheme @ ("file" | "javascript" | "data" | "blob" | "filesystem") => Err(format!(
            "`{scheme}:` URLs cannot be audited; a page is an http:// or https:// URL"
        )),
        _ => Ok(()),
    }
}

/// The store's pixel / tag / account ids, per vendor: `[pixels]`, keyed by vendor name.
///
/// A key that is not a registered vendor is an error at its position, like an unknown field.
#[derive(Debug, Clone, Default)]
pub struct Pixels(BTreeMap<Vendor, Vec<String>>);

impl Pixels {
    /// The ids listed for `vendor` (empty when none).
    pub fn ids(&self, vendor: Vendor) -> &[String] {
        self.0.get(&vendor).map_or(&[], Vec::as_slice)
    }

    /// Every vendor with at least one id, in display order.
    pub fn listed(&self) -> impl Iterator<Item = (Vendor, &[String])> {
        self.0
            .iter()
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(&vendor, ids)| (vendor, ids.as_slice()))
    }
}

/// Vendor names as serde field names, for "unknown field" errors.
fn vendor_names() -> &'static [&'static str] {
    static NAMES: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| vendors::all().iter().map(|v| v.as_str()).collect());
    &NAMES
}

impl<'de> Deserialize<'de> for Pixels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PixelsVisitor;

        impl<'de> Visitor<'de> for PixelsVisitor {
            type Value = Pixels;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("struct Pixels")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pixels, A::Error> {
                let mut ids = BTreeMap::new();
                while let Some(VendorKey(vendor)) = map.next_key()? {
                    let OneOrMore(list) = map.next_value()?;
                    ids.insert(vendor, list);
                }
                Ok(Pixels(ids))
            }
        }

        deserializer.deserialize_struct("Pixels", vendor_names(), PixelsVisitor)
    }
}

/// A `[pixels]` value: one id (`meta = "123"`) or a list of them (`meta = ["123", "456"]`).
struct OneOrMore(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMore {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdsVisitor;

        impl<'de> Visitor<'de> for IdsVisitor {
            type Value = OneOrMore;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an id or a list of ids, e.g. \"1234567890123456\" or [\"123\", \"456\"]",
                )
            }

            fn visit_str<E: de::Error>(self, id: &str) -> Result<OneOrMore, E> {
                Ok(OneOrMore(vec![id.to_string()]))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<OneOrMore, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(OneOrMore)
            }
        }

        deserializer.deserialize_any(IdsVisitor)
    }
}

/// A `[pixels]` key: a registered vendor name.
struct VendorKey(Vendor);

impl<'de> Deserialize<'de> for VendorKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = VendorKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a vendor name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<VendorKey, E> {
                if let Some(vendor) = vendors::parse(name) {
                    return Ok(VendorKey(vendor));
                }
                // Another name of a vendor (`facebook`, `twitter`) is suggested too; a near miss
                // of a config name gets its suggestion from the "unknown field" message.
                match super::suggest::vendor_suggestion(name) {
                    Some(vendor) if closest(name, vendor_names().iter().copied()).is_none() => {
                        Err(E::custom(format!(
                            "unknown vendor `{name}` (did you mean `{vendor}`?); vendors are {}",
                            vendor_names().join(", ")
                        )))
                    }
                    _ => Err(E::unknown_field(name, vendor_names())),
                }
            }
        }

        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Browser options for this site.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserConfig {
    /// Extra Chromium flags, e.g. `--host-resolver-rules=…`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Network-idle quiet window in ms (default 1500).
    #[serde(default)]
    pub quiet_ms: Option<u64>,
    /// Hard cap on waiting for one page to settle, in ms (default 20000).
    #[serde(default)]
    pub max_wait_ms: Option<u64>,
    /// Page load timeout in ms (default 30000).
    #[serde(default)]
    pub page_load_timeout_ms: Option<u64>,
    /// How long to keep waiting for expected hits that have not arrived, in ms (default 10000).
    #[serde(default)]
    pub expect_timeout_ms: Option<u64>,
}

impl BrowserConfig {
    /// The quiet window.
    pub fn quiet(&self) -> Option<Duration> {
        self.quiet_ms.map(Duration::from_millis)
    }
    /// The hard cap per page.
    pub fn max_wait(&self) -> Option<Duration> {
        self.max_wait_ms.map(Duration::from_millis)
    }
    /// The page load timeout.
    pub fn page_load_timeout(&self) -> Option<Duration> {
        self.page_load_timeout_ms.map(Duration::from_millis)
    }
    /// How long to wait for expected hits.
    pub fn expect_timeout(&self) -> Duration {
        Duration::from_millis(self.expect_timeout_ms.unwrap_or(10_000))
    }
}

impl SiteConfig {
    /// Parses a config's text and checks its URLs (the first error); `path` is used for names
    /// and error positions. [`Site::parse`](crate::config::Site::parse) validates everything.
    pub fn parse(path: &Path, text: &str) -> Result<SiteConfig, ConfigError> {
        let (source, errors) = Source::expand(path, text, &|name| std::env::var(name).ok());
        if let Some(error) = errors.into_iter().next() {
            return Err(error);
        }
        let config = SiteConfig::read(&source)?;
        match config.check_urls(&source).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(config),
        }
    }

    /// Deserializes the text: TOML syntax, unknown keys and wrong types stop at the first
    /// error (serde cannot go on past one).
    pub(crate) fn read(source: &Source) -> Result<SiteConfig, ConfigError> {
        let mut config: SiteConfig = toml::from_str(source.toml()).map_err(|e| {
            let message = super::suggest::improve_unknown_field(e.message().trim());
            source.error(e.span(), message)
        })?;
        if config.name.is_none() {
            config.name = source
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
        }
        Ok(config)
    }

    /// Every error of `base_url` and the pages' `path` / `url`.
    pub(crate) fn check_urls(&self, source: &Source) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        if let Err(message) = self.valid_base_url() {
            errors.push(source.error(Some(self.base_url.span()), message));
        }
        let base = self.base_or_placeholder();
        for page in &self.pages {
            if let Err((span, message)) = page.resolve(&base) {
                errors.push(source.error(span, message));
            }
        }
        errors
    }

    fn valid_base_url(&self) -> Result<Url, String> {
        let base = Url::parse(self.base_url.get_ref())
            .map_err(|e| format!("base_url is not a valid URL: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err("base_url must be an http:// or https:// URL".into());
        }
        Ok(base)
    }

    /// The base URL, or a stand-in when it is invalid (already an error) so that the rest of
    /// the file is still checked.
    pub(crate) fn base_or_placeholder(&self) -> Url {
        self.valid_base_url()
            .unwrap_or_else(|_| Url::parse("https://base-url.invalid/").expect("valid"))
    }

    /// The site's name.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("site")
    }

    /// The base URL (validated by `parse`).
    pub fn base_url(&self) -> Url {
        Url::parse(self.base_url.get_ref()).expect("validated in parse")
    }

    /// The pages to audit as (name, URL), in config order; the base URL alone when none are
    /// listed.
    pub fn page_urls(&self) -> Vec<(String, Url)> {
        let base = self.base_url();
        if self.pages.is_empty() {
            return vec![("home".to_string(), base)];
        }
        self.pages
            .iter()
            .map(|page| {
                let url = page.resolve(&base).expect("validated in parse");
                let name = page.name.clone().unwrap_or_else(|| url.path().to_string());
                (name, url)
            })
            .collect()
    }
}

impl PageConfig {
    pub(crate) fn resolve(
        &self,
        base: &Url,
    ) -> Result<Url, (Option<std::ops::Range<usize>>, String)> {
        let url = self.resolve_any(base)?;
        let span = self.url.as_ref().or(self.path.as_ref()).map(|s| s.span());
        web_page(&url).map_err(|message| (span, message))?;
        Ok(url)
    }

    fn resolve_any(&self, base: &Url) -> Result<Url, (Option<std::ops::Range<usize>>, String)> {
        match (&self.path, &self.url) {
            (Some(path), None) => base.join(path.get_ref()).map_err(|e| {
                (
                    Some(path.span()),
                    format!("page path cannot be resolved: {e}"),
                )
            }),
            (None, Some(url)) => Url::parse(url.get_ref()).map_err(|e| {
                (
                    Some(url.span()),
                    format!("page url is not a valid URL: {e}"),
                )
            }),
            (Some(path), Some(_)) => Err((
                Some(path.span()),
                "a page has either `path` or `url`, not both".into(),
            )),
            (None, None) => Err((None, "a page needs a `path` or a `url`".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SiteConfig, ConfigError> {
        SiteConfig::parse(Path::new("sites/shop.toml"), text)
    }

    #[test]
    fn pages_resolve_against_base_url_and_name_defaults_to_file_stem() {
        let config = parse(
            "base_url = \"https://shop.test/\"\n[[pages]]\nname = \"home\"\npath = \"/\"\n[[pages]]\nurl = \"https://other.test/x\"\n[pixels]\nmeta = [\"1\"]\n",
        )
        .unwrap();
        assert_eq!(config.name(), "shop");
        let pages = config.page_urls();
        assert_eq!(
            pages[0],
            (
                "home".to_string(),
                Url::parse("https://shop.test/").unwrap()
            )
        );
        assert_eq!(pages[1].1.as_str(), "https://other.test/x");
        assert_eq!(config.pixels.ids(vendors::META), vec!["1"]);
    }

    #[test]
    fn unknown_key_points_at_its_line_and_column() {
        let error = parse("base_url = \"https://shop.test/\"\n[browser]\nquiet = 3\n").unwrap_err();
        assert_eq!((error.line, error.column), (Some(3), Some(1)));
        assert!(
            error.message.contains("unknown field `quiet`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn unknown_vendor_in_pixels_is_an_error() {
        let error =
            parse("base_url = \"https://shop.test/\"\n[pixels]\nfacebook = [\"1\"]\n").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert!(
            error
                .message
                .starts_with("unknown vendor `facebook` (did you mean `meta`?); vendors are meta,"),
            "{}",
            error.message
        );
        let error = parse("base_url = \"https://shop.test/\"\n[pixels]\ntwitter = \"o81g6\"\n")
            .unwrap_err();
        assert!(
            error.message.contains("(did you mean `x`?)"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_pixel_id_can_be_one_string_or_a_list() {
        let config = parse(
            "base_url = \"https://shop.test/\"\n[pixels]\nmeta = \"1\"\nga4 = [\"G-1\", \"G-2\"]\n",
        )
        .unwrap();
        assert_eq!(config.pixels.ids(vendors::META), ["1".to_string()]);
        assert_eq!(config.pixels.ids(vendors::GA4).len(), 2);
        let error = parse("base_url = \"https://shop.test/\"\n[pixels]\nmeta = 1\n").unwrap_err();
        assert!(
            error.message.contains("an id or a list of ids"),
            "{}",
            error.message
        );
    }

    #[test]
    fn near_miss_vendor_in_pixels_suggests_the_name() {
        let error =
            parse("base_url = \"https://shop.test/\"\n[pixels]\nmeta = []\nmetaa = [\"1\"]\n")
                .unwrap_err();
        assert_eq!((error.line, error.column), (Some(4), Some(1)));
        assert!(
            error.message.starts_with(
                "unknown field `metaa` (did you mean `meta`?); expected one of `meta`, `ga4`,"
            ),
            "{}",
            error.message
        );
    }

    #[test]
    fn vendors_without_ids_are_not_listed() {
        let config =
            parse("base_url = \"https://shop.test/\"\n[pixels]\nmeta = []\nga4 = [\"G-1\"]\n")
                .unwrap();
        let listed: Vec<_> = config.pixels.listed().collect();
        assert_eq!(listed, vec![(vendors::GA4, &["G-1".to_string()][..])]);
        assert!(config.pixels.ids(vendors::META).is_empty());
    }

    #[test]
    fn bad_base_url_points_at_the_value() {
        let error = parse("name = \"x\"\nbase_url = \"not a url\"\n").unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(12)));
        assert!(error.message.contains("base_url"), "{}", error.message);
    }

    #[test]
    fn wrong_type_and_missing_base_url_are_reported() {
        let error = parse("base_url = \"https://shop.test/\"\n[browser]\nquiet_ms = \"fast\"\n")
            .unwrap_err();
        assert_eq!(error.line, Some(3));
        let error = parse("name = \"x\"\n").unwrap_err();
        assert!(error.message.contains("base_url"), "{}", error.message);
    }
}
