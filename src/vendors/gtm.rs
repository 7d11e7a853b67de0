//! Gtm decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Gtm.
pub(crate) struct Gtm;

impl Decoder for Gtm {
    fn vendor(&self) -> Vendor {
        Vendor::Gtm
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
