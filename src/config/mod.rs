//! Site configuration (`sites/<name>.toml`): the raw file format, its validation into a
//! [`Site`], and errors that point at file:line:col with "did you mean" suggestions.

mod consent;
mod error;
mod expect;
mod journey;
mod plan;
mod schedule;
mod site;
mod suggest;

pub use consent::{ConsentAction, ConsentMode, Scenario};
pub use error::ConfigError;
pub use expect::{Count, PageSource, ParamRule, RULE_KEYWORDS};
pub use journey::{Action, CookieSpec, FieldValue, KeyValue, Scroll};
pub use plan::{
    AdblockPlan, Checks, ConsentPlan, Device, ExpectSpec, ForbidSpec, JourneyPlan, NetworkPlan,
    PagePlan, Site, StepPlan, TemplatePlan, PARAM_KEYS,
};
pub use schedule::{
    parse_cron, parse_timezone, CronSpec, ScheduleConfig, SchedulePlan, DEFAULT_BUDGET,
};
pub use site::{BrowserConfig, SiteConfig};

use std::path::Path;

/// Reads and validates a site config file.
pub fn load(path: &Path) -> Result<Site, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::io(path, &e))?;
    Site::parse(path, &text)
}
