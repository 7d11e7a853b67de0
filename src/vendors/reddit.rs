//! Reddit decoder (to be written).

use super::{Decoder, Hit, Vendor};
use crate::request::CapturedRequest;

/// Decoder for Reddit.
pub(crate) struct Reddit;

impl Decoder for Reddit {
    fn vendor(&self) -> Vendor {
        Vendor::Reddit
    }

    fn decode(&self, _request: &CapturedRequest) -> Vec<Hit> {
        Vec::new()
    }
}
