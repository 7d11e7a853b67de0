//! Klaviyo decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Klaviyo.
pub(crate) struct Klaviyo;

impl Decoder for Klaviyo {
    fn vendor(&self) -> Vendor {
        Vendor::Klaviyo
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
