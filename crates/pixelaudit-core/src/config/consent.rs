//! The `[consent]` section, raw and validated: how the store asks for consent (opt-in or
//! opt-out, banner clicks or presets) and which vendors need none.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_spanned::Spanned;

use super::journey::CookieSpec;
use super::plan::Validator;
use super::ConfigError;
use crate::model::Vendor;
use crate::vendors;

/// The `[consent]` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentConfig {
    /// `opt_in` (GDPR: nothing before consent, the default) or `opt_out` (tracking allowed
    /// until the visitor rejects).
    #[serde(default)]
    pub mode: ConsentMode,
    /// How to accept: click the banner and/or preset cookies and localStorage.
    #[serde(default)]
    pub accept: Option<ConsentAction>,
    /// How to reject.
    #[serde(default)]
    pub reject: Option<ConsentAction>,
    /// Vendors that need no consent (default: `shopify`, the store's own analytics).
    #[serde(default)]
    pub exempt: Option<Vec<Spanned<String>>>,
    /// Scenarios pages and journeys run under when they do not say (default: `none`).
    #[serde(default)]
    pub scenarios: Option<Vec<Spanned<String>>>,
    /// The banner must be on every page (default false): a page where a scenario's banner
    /// `click` never appears is then a warning, not an info.
    #[serde(default)]
    pub required: Option<Spanned<bool>>,
}

/// Opt-in or opt-out consent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMode {
    /// Nothing may fire before consent.
    #[default]
    OptIn,
    /// Tracking is allowed until the visitor rejects it.
    OptOut,
}

/// How a consent choice is made.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentAction {
    /// Click this selector after the page loads (the banner button).
    #[serde(default)]
    pub click: Option<String>,
    /// Cookies to set before the page loads.
    #[serde(default)]
    pub cookies: Vec<CookieSpec>,
    /// localStorage entries to set before the page's scripts run.
    #[serde(default)]
    pub local_storage: BTreeMap<String, String>,
}

/// The consent setup.
#[derive(Debug, Clone)]
pub struct ConsentPlan {
    /// Opt-in or opt-out.
    pub mode: ConsentMode,
    /// How to accept.
    pub accept: Option<ConsentAction>,
    /// How to reject.
    pub reject: Option<ConsentAction>,
    /// Vendors that need no consent.
    pub exempt: Vec<Vendor>,
    /// The banner must be on every page: its absence is a warning (else an info).
    pub required: bool,
}

impl Validator<'_> {
    pub(super) fn consent_plan(&self, c: &ConsentConfig) -> Result<ConsentPlan, ConfigError> {
        let exempt = match &c.exempt {
            Some(list) => list
                .iter()
                .filter_map(|v| self.keep(self.vendor(v)))
                .collect(),
            None => vendors::all()
                .iter()
                .copied()
                .filter(|v| v.profile().consent.exempt_by_default)
                .collect(),
        };
        let clicks = [&c.accept, &c.reject]
            .into_iter()
            .any(|a| a.as_ref().is_some_and(|a| a.click.is_some()));
        let required = match &c.required {
            Some(required) if *required.get_ref() && !clicks => {
                return Err(self.err(
                    Some(required.span()),
                    "`required = true` says the banner must be on every page, but no scenario \
                     clicks a banner: add `click = \"<selector>\"` to `[consent.accept]` or \
                     `[consent.reject]`",
                ))
            }
            Some(required) => *required.get_ref(),
            None => false,
        };
        Ok(ConsentPlan {
            mode: c.mode,
            accept: c.accept.clone(),
            reject: c.reject.clone(),
            exempt,
            required,
        })
    }
}
