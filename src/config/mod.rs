//! Site configuration (`sites/<name>.toml`): loading, validation, and errors that point at
//! file:line:col.

mod error;
mod site;

pub use error::ConfigError;
pub use site::{BrowserConfig, PageConfig, Pixels, SiteConfig};

use std::path::Path;

/// Reads and validates a site config file.
pub fn load(path: &Path) -> Result<SiteConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::io(path, &e))?;
    SiteConfig::parse(path, &text)
}
