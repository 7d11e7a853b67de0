//! The shared vocabulary every other module speaks: captured requests, vendor hits, findings,
//! scenarios, console entries and filter-list matches. It depends on nothing else in the crate.

mod blocking;
mod console;
mod finding;
mod hit;
mod request;
mod scenario;

pub use blocking::{BlockMatch, ListInfo};
pub use console::ConsoleEntry;
pub use finding::{Code, Finding, Severity};
pub use hit::{DecodedHit, EventClass, Hit, HitKind, Vendor};
pub use request::{CapturedRequest, Redirect, TargetKind};
pub use scenario::{Device, Scenario};
