//! Tiktok decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Tiktok.
pub(crate) struct Tiktok;

impl Decoder for Tiktok {
    fn vendor(&self) -> Vendor {
        Vendor::Tiktok
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
