//! Test marketing emails, offline: MIME parsing, the open pixels and links found in the HTML,
//! the email platforms' URL shapes, and the email checks. Intake (files, IMAP), rendering and
//! redirect following need a network or a browser and live in the app.

pub mod checks;
pub mod esp;
pub mod extract;
pub mod message;
mod model;

pub use esp::Esp;
pub use model::{Chain, EmailLink, EmailReport, Hop, OpenPixel};
