//! pixelaudit: audits the tracking pixels of ecommerce stores in real headless Chromium.
//!
//! Data flows one way: a site config ([`config`]) names pages; the [`browser`] visits them and
//! captures every request from every target; [`vendors`] decode requests into hits; [`checks`]
//! turn hits into findings; [`report`] renders and saves the result. [`audit`] ties these
//! together, [`run`] handles one site's run end to end (audit, save, history, email) for every
//! command, and [`cli`] is the command line on top.

pub mod adblock;
pub mod archive;
pub mod atomic_file;
pub mod audit;
pub mod browser;
pub mod cli;
pub mod discover;
pub mod email;
pub mod exit;
pub mod net;
pub mod notify;
pub mod run;
pub mod schedule;
