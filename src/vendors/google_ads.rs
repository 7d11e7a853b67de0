//! GoogleAds decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for GoogleAds.
pub(crate) struct GoogleAds;

impl Decoder for GoogleAds {
    fn vendor(&self) -> Vendor {
        Vendor::GoogleAds
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
