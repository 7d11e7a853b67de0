//! Snap decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Snap.
pub(crate) struct Snap;

impl Decoder for Snap {
    fn vendor(&self) -> Vendor {
        Vendor::Snap
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
