//! Shopify decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Shopify.
pub(crate) struct Shopify;

impl Decoder for Shopify {
    fn vendor(&self) -> Vendor {
        Vendor::Shopify
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
