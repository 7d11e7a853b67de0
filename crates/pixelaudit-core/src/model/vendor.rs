//! Vendors as data: a [`VendorProfile`] holds every fact the crate knows about one vendor, and
//! a [`Vendor`] is a small copyable handle to a registered profile.
//!
//! Each vendor declares its profile next to its decoder (`vendors/<name>.rs`); the registry
//! in [`crate::vendors`] lists them once, in display order, and hands out the handles
//! (`vendors::META`, `vendors::all()`, `vendors::parse("meta")`).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Serialize, Serializer};

use super::{CapturedRequest, Hit};

/// A vendor decoder. Implementations return no hits for requests that are not theirs.
pub trait Decoder: Sync {
    /// The vendor this decoder handles.
    fn vendor(&self) -> Vendor;
    /// Decodes one request into zero or more hits (a batched body can hold several events).
    fn decode(&self, request: &CapturedRequest) -> Vec<Hit>;
}

/// Everything pixelaudit knows about one vendor, in one place.
pub struct VendorProfile {
    /// The stable snake_case id used in reports and configs (`google_ads`).
    pub name: &'static str,
    /// What the vendor's tracking is called (`Google Ads conversions and remarketing`).
    pub display: &'static str,
    /// What its account / pixel id looks like, with an example: the `account` of its hits and
    /// the ids a site config lists under `[pixels]` (shown by `pixelaudit vendors`).
    pub id_format: &'static str,
    /// Turns captured requests into this vendor's hits.
    pub decoder: &'static dyn Decoder,
    /// The documented standard event names, for "did you mean" suggestions in site configs
    /// (custom names are allowed too). Empty for loader-only vendors.
    pub events: &'static [&'static str],
    /// Events that legitimately repeat within one page load (never a `duplicate`).
    pub repeats: Repeats,
    /// Events the vendor's library sends by itself, whatever the site's tags do (Meta's
    /// `Microdata` scrape of the page's structured data, `SubscribedButtonClick` on any button
    /// click): decoded as [`HitKind::Automatic`](super::HitKind::Automatic) hits, which are
    /// listed and count for consent, but are never duplicates, expectations or parameter
    /// subjects. Not events a site config can name.
    pub automatic: &'static [&'static str],
    /// What its events carry, for `missing_param` / `wrong_type` / `missing_eid`.
    pub params: ParamFacts,
    /// Where each normalised param of its hits comes from, for people writing a site config
    /// (`pixelaudit vendors NAME`): the normalised key (`event_id`; see [`Hit`]'s docs) and the
    /// wire key(s) its decoder reads it from, said as the decoder reads them (`eid`; `cdid`,
    /// else `e_client_dedup_id` or `client_dedup_id`), with hashing where the decoder marks the
    /// param `hashed`. Every key the decoder sets, and every key the generic checks list for
    /// the vendor (a key it never sets says `not decoded: …` and why). Empty for a loader.
    pub sources: &'static [(&'static str, &'static str)],
    /// How it behaves under consent.
    pub consent: ConsentFacts,
    /// The loader whose blocking also removes this vendor's hits, besides its own loader (the
    /// Google tag / GTM container for GA4 and Google Ads), for the ad-block cascade.
    pub loaded_by: Option<Vendor>,
    /// Standard events the vendor's library sends under another name: each pair names one
    /// event, so an expectation for either name matches a hit with either (TikTok sends
    /// `CompletePayment` as `Purchase`), and both names are known events in site configs.
    pub aliases: &'static [(&'static str, &'static str)],
    /// Where the vendor's own scripts are served from, each `host` or `host/path-prefix`
    /// (`connect.facebook.net`, `s.pinimg.com/ct/`): a script from there that fails is this
    /// vendor's `broken_script` whatever its path (an old loader path, a lazily loaded
    /// sub-bundle). Only hosts and paths that serve this vendor's scripts and nobody else's:
    /// never a shared CDN.
    pub script_hosts: &'static [&'static str],
}

impl VendorProfile {
    /// True when `a` and `b` name the same event of this vendor: equal, or an alias pair.
    pub fn same_event(&self, a: &str, b: &str) -> bool {
        a == b
            || self
                .aliases
                .iter()
                .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
    }

    /// The standard event names and their aliases, for config validation ("did you mean").
    pub fn known_events(&self) -> impl Iterator<Item = &'static str> + '_ {
        let aliased = self
            .aliases
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .filter(|name| !self.events.contains(name));
        self.events.iter().copied().chain(aliased)
    }

    /// Where the normalised param `key` is read from ([`Self::sources`]), when the profile says.
    pub fn source(&self, key: &str) -> Option<&'static str> {
        self.sources
            .iter()
            .find(|&&(k, _)| k == key)
            .map(|&(_, from)| from)
    }

    /// True when a script at `host` and `path` comes from one of [`Self::script_hosts`]. The
    /// host must be the same (not a subdomain); a path prefix must start the path.
    pub fn serves_script(&self, host: &str, path: &str) -> bool {
        self.script_hosts.iter().any(|entry| {
            let (entry_host, prefix) = entry.split_at(entry.find('/').unwrap_or(entry.len()));
            host.eq_ignore_ascii_case(entry_host) && path.starts_with(prefix)
        })
    }
}

/// Which of a vendor's events repeat by design within one page load.
#[derive(Debug, Clone, Copy)]
pub enum Repeats {
    /// These events (none when empty).
    Events(&'static [&'static str]),
    /// Every event (the vendor batches many internal events per page).
    All,
}

impl Repeats {
    /// Whether `event` repeats by design.
    pub fn includes(self, event: &str) -> bool {
        match self {
            Repeats::Events(events) => events.contains(&event),
            Repeats::All => true,
        }
    }
}

/// What a vendor's events carry on the wire.
#[derive(Debug, Clone, Copy)]
pub struct ParamFacts {
    /// Whether its events get the parameter checks at all (`missing_param`, `wrong_type`).
    pub checked: bool,
    /// Whether its events carry a currency.
    pub currency: bool,
    /// Whether its purchases carry an order / transaction id.
    pub transaction_id: bool,
    /// The vendor's own name for the event id that deduplicates a browser conversion against
    /// its server-side copy, when conversions need one (`missing_eid` otherwise).
    pub conversion_event_id: Option<&'static str>,
}

/// How a vendor behaves under consent.
#[derive(Debug, Clone, Copy)]
pub struct ConsentFacts {
    /// The consent-mode purpose (in the hit's `consent` param) that, when `denied`, makes a
    /// hit a cookieless ping sent by design (Google consent mode).
    pub cookieless_when_denied: Option<&'static str>,
    /// Whether it needs no consent unless the site config says otherwise (`[consent] exempt`).
    pub exempt_by_default: bool,
}

/// A registered vendor: a handle to its [`VendorProfile`].
///
/// Equality, order and hashing follow the registry position, so findings and tables sort in
/// display order. It serializes and displays as the profile's `name`. Handles are made only by
/// the registry (`crate::vendors`).
#[derive(Clone, Copy)]
pub struct Vendor {
    position: u8,
    profile: &'static VendorProfile,
}

impl Vendor {
    /// The handle for the profile at `position` in the registry (used by the registry only).
    pub(crate) const fn registered(position: u8, profile: &'static VendorProfile) -> Self {
        Self { position, profile }
    }

    /// The vendor's facts.
    pub fn profile(self) -> &'static VendorProfile {
        self.profile
    }

    /// The stable snake_case name used in reports and configs.
    pub fn as_str(self) -> &'static str {
        self.profile.name
    }

    /// The position in the registry (the display order).
    pub fn position(self) -> usize {
        usize::from(self.position)
    }
}

impl PartialEq for Vendor {
    fn eq(&self, other: &Self) -> bool {
        self.position == other.position
    }
}

impl Eq for Vendor {}

impl PartialOrd for Vendor {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Vendor {
    fn cmp(&self, other: &Self) -> Ordering {
        self.position.cmp(&other.position)
    }
}

impl Hash for Vendor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.position.hash(state);
    }
}

impl fmt::Debug for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Vendor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoDecoder;

    impl Decoder for NoDecoder {
        fn vendor(&self) -> Vendor {
            unreachable!("the test profile is never registered")
        }

        fn decode(&self, _: &CapturedRequest) -> Vec<Hit> {
            Vec::new()
        }
    }

    static PROFILE: VendorProfile = VendorProfile {
        name: "test",
        display: "Test",
        id_format: "a test id, e.g. T-1",
        decoder: &NoDecoder,
        events: &["Pageview", "Purchase"],
        repeats: Repeats::Events(&[]),
        automatic: &[],
        params: ParamFacts {
            checked: true,
            currency: true,
            transaction_id: false,
            conversion_event_id: None,
        },
        sources: &[("value", "v"), ("currency", "cur")],
        consent: ConsentFacts {
            cookieless_when_denied: None,
            exempt_by_default: false,
        },
        loaded_by: None,
        aliases: &[("CompletePayment", "Purchase")],
        script_hosts: &["cdn.test.example", "static.test.example/pixel/"],
    };

    #[test]
    fn aliases_name_one_event_both_ways() {
        assert!(PROFILE.same_event("Purchase", "Purchase"));
        assert!(PROFILE.same_event("CompletePayment", "Purchase"));
        assert!(PROFILE.same_event("Purchase", "CompletePayment"));
        assert!(!PROFILE.same_event("Pageview", "Purchase"));
        assert!(!PROFILE.same_event("CompletePayment", "Pageview"));
    }

    #[test]
    fn script_hosts_are_whole_hosts_or_host_and_path_prefix() {
        assert!(PROFILE.serves_script("cdn.test.example", "/any/bundle.js"));
        assert!(PROFILE.serves_script("CDN.test.example", "/"));
        assert!(PROFILE.serves_script("static.test.example", "/pixel/lazy_1a2b.js"));
        assert!(!PROFILE.serves_script("static.test.example", "/theme/app.js"));
        assert!(!PROFILE.serves_script("static.test.example", "/pixelated.js"));
        assert!(!PROFILE.serves_script("sub.cdn.test.example", "/bundle.js"));
        assert!(!PROFILE.serves_script("cdn.test.example.evil.test", "/bundle.js"));
    }

    #[test]
    fn a_source_is_found_by_its_normalised_key() {
        assert_eq!(PROFILE.source("currency"), Some("cur"));
        assert_eq!(PROFILE.source("event_id"), None);
    }

    #[test]
    fn an_alias_is_a_known_event() {
        let known: Vec<&str> = PROFILE.known_events().collect();
        assert_eq!(known, vec!["Pageview", "Purchase", "CompletePayment"]);
    }
}
