//! The shared vocabulary every other module speaks: captured requests, vendor hits, vendor
//! profiles, findings, scenarios, console entries, filter-list matches and single-page-app
//! routes. It depends on nothing else in the crate.

mod blocking;
mod console;
mod finding;
mod hit;
mod request;
mod route;
mod scenario;
mod vendor;

pub use blocking::{BlockMatch, ListInfo};
pub use console::ConsoleEntry;
pub use finding::{Code, Finding, Severity};
pub use hit::{DecodedHit, EventClass, Hit, HitKind};
pub use request::{CapturedRequest, Redirect, TargetKind};
pub use route::{route_at, same_route, split_routes, Route, RouteChange};
pub use scenario::{Device, Scenario};
pub use vendor::{ConsentFacts, Decoder, ParamFacts, Repeats, Vendor, VendorProfile};
