//! Ad-block simulation: real filter lists (EasyList, EasyPrivacy, …) matched with Brave's
//! `adblock` engine, to tell which hits a blocker would remove and by which rule.

mod engine;
mod lists;

pub use engine::Blocker;
pub use lists::{FilterList, ListCache, ListSource, DEBIAN_LISTS};
