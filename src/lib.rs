//! pixelaudit, the app: audits the tracking pixels of ecommerce stores in real headless Chromium.
//!
//! What pixelaudit knows (the model, vendor decoders, site configs, checks, email checks and
//! report formats) lives in `pixelaudit-core`; driving the browser and capturing requests in
//! `pixelaudit-browser`. This crate runs them: [`audit`] visits a site's pages and journeys
//! with the browser and checks what they sent, [`adblock`] replays them behind filter lists,
//! [`discover`] finds a store's pages, [`email`] takes in test emails and follows their links,
//! [`archive`] saves runs and their history, [`notify`] emails the report, [`run`] ties one
//! site's run together for every command, [`schedule`] repeats runs at their cron times, and
//! [`cli`] is the command line on top.

pub mod adblock;
pub mod archive;
pub mod atomic_file;
pub mod audit;
pub mod cli;
pub mod discover;
pub mod email;
pub mod exit;
pub mod net;
pub mod notify;
pub mod run;
pub mod schedule;
