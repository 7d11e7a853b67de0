//! pixelaudit: audits the tracking pixels of ecommerce stores in real headless Chromium.

pub mod demo;
pub mod request;
pub mod vendors;
