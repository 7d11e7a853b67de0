//! Vendor hits: which vendor, event or loader, account, vendor-neutral class and parameters.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::Vendor;

/// Whether a hit is a tracking event, an event the vendor's library sent by itself, or the
/// load of a vendor's script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A tracking event sent to the vendor.
    Event,
    /// An event the vendor's library sends on its own, not because a tag asked for it
    /// (`VendorProfile::automatic`: Meta's `Microdata`, `SubscribedButtonClick`). Data sent
    /// all the same, so consent checks and delivery count it; duplicates, expectations and
    /// parameter checks do not.
    Automatic,
    /// The vendor's loader or configuration script.
    Loader,
}

/// The vendor-neutral meaning of an event, used by the generic checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EventClass {
    /// A page view.
    PageView,
    /// A product (content) view.
    ViewContent,
    /// A collection / category view.
    ViewCategory,
    /// A search.
    Search,
    /// Add to cart.
    AddToCart,
    /// Checkout started.
    BeginCheckout,
    /// Payment info added.
    AddPaymentInfo,
    /// A completed purchase / order.
    Purchase,
    /// A lead / sign-up / subscription.
    Lead,
    /// Anything else (custom events, engagement, loaders).
    #[default]
    Other,
}

impl EventClass {
    /// Conversions are the events vendors deduplicate against their server-side APIs.
    pub fn is_conversion(self) -> bool {
        matches!(
            self,
            EventClass::AddToCart
                | EventClass::BeginCheckout
                | EventClass::AddPaymentInfo
                | EventClass::Purchase
                | EventClass::Lead
        )
    }
}

/// One decoded vendor hit.
///
/// `params` holds the vendor-neutral parameters the checks read, under these keys:
/// `value` (number, or the string as sent when it is not numeric), `currency`, `content_ids`
/// (array), `content_type`, `items` (array of objects), `num_items`, `transaction_id`,
/// `event_id`, `page_url`, `consent` (object of the vendor's consent signals), `hashed` (the
/// names of the params above that the vendor sent as a hex SHA-256 of the site's value).
/// `raw` holds every parameter as the vendor sent it (flattened, vendor key names).
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The vendor.
    pub vendor: Vendor,
    /// Event or loader.
    pub kind: HitKind,
    /// The pixel / tag / account id, when the request carries one.
    pub account: Option<String>,
    /// The event name as the vendor spells it (`PageView`, `purchase`, `Added to Cart`).
    pub event: Option<String>,
    /// The vendor-neutral meaning of the event.
    pub class: EventClass,
    /// Normalised parameters (see the type's docs for the keys).
    pub params: BTreeMap<String, Value>,
    /// Every decoded parameter under the vendor's own names.
    pub raw: BTreeMap<String, Value>,
    /// True for a request to a mirror endpoint that repeats another request's event
    /// (Meta privacy-sandbox trigger, X's second host, Google Ads' extra endpoints).
    #[serde(skip)]
    pub mirror: bool,
    /// Hits of one vendor with the same key on one page are one logical event.
    #[serde(skip)]
    pub fold_key: Option<String>,
}

impl Hit {
    /// A new event hit with no parameters yet.
    pub fn event(vendor: Vendor, account: Option<String>, event: Option<String>) -> Self {
        Self {
            vendor,
            kind: HitKind::Event,
            account,
            event,
            class: EventClass::Other,
            params: BTreeMap::new(),
            raw: BTreeMap::new(),
            mirror: false,
            fold_key: None,
        }
    }

    /// A new loader hit (a vendor script or config load).
    pub fn loader(vendor: Vendor, account: Option<String>) -> Self {
        Self {
            kind: HitKind::Loader,
            ..Self::event(vendor, account, None)
        }
    }

    /// Sets the event class (builder style).
    pub fn with_class(mut self, class: EventClass) -> Self {
        self.class = class;
        self
    }

    /// Sets a normalised parameter when the value is present.
    pub fn set(&mut self, key: &str, value: Option<Value>) {
        if let Some(value) = value {
            self.params.insert(key.to_string(), value);
        }
    }

    /// A normalised parameter.
    pub fn param(&self, key: &str) -> Option<&Value> {
        self.params.get(key)
    }
}

/// A decoded hit together with the request it came from, after mirror folding.
#[derive(Debug, Clone)]
pub struct DecodedHit {
    /// The hit.
    pub hit: Hit,
    /// Index of the originating request in the page's request list.
    pub request: usize,
    /// Indexes of mirror requests folded into this hit.
    pub mirrors: Vec<usize>,
}
