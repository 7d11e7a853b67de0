//! X decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for X.
pub(crate) struct X;

impl Decoder for X {
    fn vendor(&self) -> Vendor {
        Vendor::X
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
