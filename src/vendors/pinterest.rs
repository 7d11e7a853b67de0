//! Pinterest decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Pinterest.
pub(crate) struct Pinterest;

impl Decoder for Pinterest {
    fn vendor(&self) -> Vendor {
        Vendor::Pinterest
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
