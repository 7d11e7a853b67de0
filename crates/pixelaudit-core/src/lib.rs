//! pixelaudit-core: what pixelaudit knows, without a browser or a network.
//!
//! Data flows one way through the modules, each depending only on those before it:
//! [`model`] (the shared vocabulary: captured requests, hits, findings, scenarios) →
//! [`vendors`] (requests decoded into hits) → [`config`] (site configs, validated, with
//! file:line:col errors) → [`checks`] (hits checked into findings) → [`email`] (test emails
//! parsed and checked) → [`report`] (the report model, its formats, the diff with the previous
//! run).

pub mod checks;
pub mod config;
pub mod email;
pub mod model;
pub mod report;
pub mod vendors;
