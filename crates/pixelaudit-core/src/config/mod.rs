//! Site configuration (`sites/<name>.toml`): the raw file format, its validation into a
//! [`Site`], and errors that point at file:line:col with "did you mean" suggestions.
//!
//! `site.rs` is the file's top level and `plan.rs` the validated site with its pages,
//! journeys and templates; each other section keeps its raw type, its validated type and its
//! validation in one file: `adblock.rs`, `consent.rs`, `discover.rs`, `email.rs`,
//! `network.rs`, `notify.rs`, `schedule.rs` (`expect.rs` and `journey.rs` hold the rules and
//! steps of pages, `expect.rs` also `[expect_defaults]`). `source.rs` is the file itself: its
//! folder (relative paths), `${VAR}` expansion, and the way from a span back to file:line:col.

mod adblock;
mod consent;
mod discover;
mod email;
mod error;
mod expect;
mod glob;
mod journey;
mod network;
mod notify;
mod plan;
mod schedule;
mod site;
mod source;
mod suggest;

pub use adblock::{AdblockConfig, AdblockPlan, ADBLOCK_LIST_NAMES};
pub use consent::{ConsentAction, ConsentMode, ConsentPlan};
pub use discover::{DiscoverConfig, DiscoverOptions, PageTypeConfig};
pub use email::{EmailConfig, EmailPlan};
pub use error::ConfigError;
pub use expect::{Count, ExpectDefaults, PageSource, ParamRule, RULE_KEYWORDS};
pub use glob::{translate as translate_glob, GlobError, PathGlob};
pub use journey::{Action, CookieSpec, FieldValue, KeyValue, Scroll};
pub use network::{lookup, HostPattern, NetworkConfig, NetworkPlan, ResolveRule};
pub use notify::{NotifyConfig, NotifyPlan, TlsMode, When, DEFAULT_SUBJECT};
pub use plan::{
    Checks, ExpectSpec, ForbidSpec, JourneyPlan, PagePlan, Site, StepPlan, TemplatePlan, PARAM_KEYS,
};
pub use schedule::{
    parse_cron, parse_timezone, CronSpec, ScheduleConfig, SchedulePlan, DEFAULT_BUDGET,
};
pub use site::{web_page, BrowserConfig, SiteConfig};
pub use suggest::{closest, did_you_mean, vendor_suggestion};

use std::path::Path;

/// Reads and validates a site config file; the first error in the file when it is invalid.
pub fn load(path: &Path) -> Result<Site, ConfigError> {
    load_all(path).map_err(|mut errors| errors.remove(0))
}

/// Reads and validates a site config file, with every error in the file when it is invalid
/// (see [`Site::parse_all`]).
pub fn load_all(path: &Path) -> Result<Site, Vec<ConfigError>> {
    let size = std::fs::metadata(path)
        .map_err(|e| vec![ConfigError::io(path, &e)])?
        .len();
    if size > MAX_CONFIG_BYTES {
        // A site config is a few KB; anything this big is a wrong file, and parsing it would
        // take gigabytes of memory.
        let error = std::io::Error::other(format!(
            "it is {size} bytes; a site config is at most {MAX_CONFIG_BYTES} bytes (1 MiB)"
        ));
        return Err(vec![ConfigError::io(path, &error)]);
    }
    let text = std::fs::read_to_string(path).map_err(|e| vec![ConfigError::io(path, &e)])?;
    Site::parse_all(path, &text)
}

/// The largest site config file read.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
