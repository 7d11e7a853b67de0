//! Bing decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Bing.
pub(crate) struct Bing;

impl Decoder for Bing {
    fn vendor(&self) -> Vendor {
        Vendor::Bing
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
