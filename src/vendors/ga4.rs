//! Ga4 decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Ga4.
pub(crate) struct Ga4;

impl Decoder for Ga4 {
    fn vendor(&self) -> Vendor {
        Vendor::Ga4
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
