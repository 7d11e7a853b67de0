//! The validated site: everything the audit runs, with names resolved to vendors, scenarios,
//! devices and URLs. Built from the raw config by [`Site::parse_all`], which reports every
//! semantic error at its file:line:col.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use serde_spanned::Spanned;
use url::Url;

use super::consent::{ConsentConfig, ConsentMode, ConsentPlan};
use super::expect::{Count, Expectation, Matcher, ParamRule};
use super::journey::{Action, StepConfig};
use super::schedule::SchedulePlan;
use super::site::{BrowserConfig, SiteConfig};
use super::source::{Env, Source};
use super::suggest::{did_you_mean, vendor_suggestion};
use super::ConfigError;
use super::{AdblockPlan, NetworkPlan};
use crate::config::EmailPlan;
use crate::config::NotifyPlan;
use crate::model::Vendor;
use crate::model::{Device, Scenario};
use crate::vendors;

/// The normalised parameter names rules can address (plus `raw.<vendor key>`).
pub const PARAM_KEYS: &[&str] = &[
    "value",
    "currency",
    "content_ids",
    "content_type",
    "items",
    "num_items",
    "transaction_id",
    "event_id",
    "page_url",
    "consent",
    "raw",
];

/// A validated expectation.
#[derive(Debug, Clone)]
pub struct ExpectSpec {
    /// Vendor.
    pub vendor: Vendor,
    /// Event name.
    pub event: String,
    /// Accepted account ids (empty: any).
    pub accounts: Vec<String>,
    /// How many times.
    pub count: Count,
    /// Time budget.
    pub within: Option<Duration>,
    /// Scenarios it applies in.
    pub scenarios: Vec<Scenario>,
    /// Parameter rules: (key, rule).
    pub params: Vec<(String, ParamRule)>,
}

/// A validated "must not fire".
#[derive(Debug, Clone)]
pub struct ForbidSpec {
    /// Vendor.
    pub vendor: Vendor,
    /// Event (any when `None`).
    pub event: Option<String>,
}

/// What a page run or a journey step is checked against.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    /// Expected hits.
    pub expect: Vec<ExpectSpec>,
    /// Forbidden hits.
    pub forbid: Vec<ForbidSpec>,
}

impl Checks {
    /// The expectations that apply under `scenario`.
    pub fn expected_in(&self, scenario: Scenario) -> Vec<&ExpectSpec> {
        self.expect
            .iter()
            .filter(|s| s.scenarios.contains(&scenario))
            .collect()
    }
}

/// A page to audit.
#[derive(Debug, Clone)]
pub struct PagePlan {
    /// Name in reports.
    pub name: String,
    /// URL.
    pub url: Url,
    /// Consent scenarios.
    pub scenarios: Vec<Scenario>,
    /// Device.
    pub device: Device,
    /// Expectations.
    pub checks: Checks,
}

impl PagePlan {
    /// A page with generic checks only, named by host and path (at most 60 characters).
    pub fn adhoc(url: Url) -> PagePlan {
        let name = match url.host_str() {
            Some(host) => format!("{host}{}", url.path()),
            None => url.to_string(),
        };
        let name = match name.char_indices().nth(59) {
            Some((cut, _)) => format!("{}…", &name[..cut]),
            None => name,
        };
        PagePlan {
            name,
            url,
            scenarios: vec![Scenario::None],
            device: Device::Desktop,
            checks: Checks::default(),
        }
    }
}

/// A journey step.
#[derive(Debug, Clone)]
pub struct StepPlan {
    /// Name in reports.
    pub name: String,
    /// What to do.
    pub action: Action,
    /// Expectations.
    pub checks: Checks,
    /// How long to wait for the step's element or hits.
    pub timeout: Option<Duration>,
}

/// A journey.
#[derive(Debug, Clone)]
pub struct JourneyPlan {
    /// Name.
    pub name: String,
    /// Consent scenarios.
    pub scenarios: Vec<Scenario>,
    /// Device.
    pub device: Device,
    /// Steps.
    pub steps: Vec<StepPlan>,
}

/// A validated site.
#[derive(Debug, Clone)]
pub struct Site {
    /// Name.
    pub name: String,
    /// Base URL.
    pub base_url: Url,
    /// The store's ids per vendor.
    pub pixels: BTreeMap<Vendor, Vec<String>>,
    /// Pages.
    pub pages: Vec<PagePlan>,
    /// Journeys.
    pub journeys: Vec<JourneyPlan>,
    /// Consent setup, when the store has a banner.
    pub consent: Option<ConsentPlan>,
    /// Browser options.
    pub browser: BrowserConfig,
    /// Ad-block analysis, when asked for.
    pub adblock: Option<AdblockPlan>,
    /// Report delivery by email.
    pub notify: Option<NotifyPlan>,
    /// When `pixelaudit schedule` runs the site.
    pub schedule: Option<SchedulePlan>,
    /// How `--discover` finds pages (`[discover]`, or the defaults).
    pub discover: crate::config::DiscoverOptions,
    /// Host overrides and extra trust (`[network]`).
    pub network: NetworkPlan,
    /// Email audits (`[email]`).
    pub email: Option<EmailPlan>,
    /// Expectations per page type (`[[templates]]`), for pages found later (email landing pages).
    pub templates: Vec<TemplatePlan>,
    /// The consent scenarios a page runs under unless it says otherwise.
    pub default_scenarios: Vec<Scenario>,
}

/// One `[[templates]]` entry: a path pattern and the checks of the pages it matches.
#[derive(Debug, Clone)]
pub struct TemplatePlan {
    /// The anchored path pattern.
    pub pattern: regex::Regex,
    /// Its expectations.
    pub checks: Checks,
    /// The consent scenarios of the pages it matches, when it sets them.
    pub scenarios: Option<Vec<Scenario>>,
}

pub(super) type Span = Option<Range<usize>>;

/// Validates a raw config's parts against its file, for error positions; each section's file
/// adds the method that validates that section.
///
/// Errors are collected, not returned at the first: a check that fails records its error
/// with [`Validator::keep`] and validation goes on with the next part, so one run reports
/// every error of the file. A part whose checks failed is left out of the plan, which is
/// never used since the file as a whole is then rejected.
pub(super) struct Validator<'a> {
    source: &'a Source<'a>,
    base: Url,
    pixels: BTreeMap<Vendor, Vec<String>>,
    consent: Option<&'a ConsentConfig>,
    errors: RefCell<Vec<ConfigError>>,
    /// `[expect_defaults] within_ms`.
    default_within: Option<Duration>,
    /// `[expect_defaults] consent`, validated.
    default_consent: Option<Vec<Scenario>>,
}

impl Site {
    /// An ad-hoc site: these URLs, generic checks only.
    pub fn adhoc(name: &str, urls: &[Url]) -> Site {
        Site {
            name: name.to_string(),
            base_url: urls
                .first()
                .cloned()
                .unwrap_or_else(|| Url::parse("about:blank").expect("valid")),
            pixels: BTreeMap::new(),
            pages: urls
                .iter()
                .map(|url| PagePlan::adhoc(url.clone()))
                .collect(),
            journeys: Vec::new(),
            consent: None,
            browser: BrowserConfig::default(),
            adblock: None,
            notify: None,
            network: NetworkPlan::default(),
            email: None,
            templates: Vec::new(),
            default_scenarios: vec![Scenario::None],
            schedule: None,
            discover: crate::config::DiscoverOptions::default(),
        }
    }

    /// A page found outside the config (an email's landing page): the site's templates and
    /// consent scenarios apply (a matching template's, else the site's defaults).
    pub fn found_page(&self, name: String, url: Url) -> PagePlan {
        PagePlan {
            name,
            checks: checks_for(&self.templates, &url),
            scenarios: scenarios_for(&self.templates, &url)
                .unwrap_or(&self.default_scenarios)
                .to_vec(),
            url,
            device: Device::Desktop,
        }
    }

    /// Replaces the pages with these URLs (checked with the site's templates, under its default
    /// consent scenarios) and drops the journeys.
    pub fn only_urls(&mut self, urls: &[Url]) {
        self.pages = urls
            .iter()
            .map(|url| self.found_page(PagePlan::adhoc(url.clone()).name, url.clone()))
            .collect();
        self.journeys.clear();
    }

    /// Points the site at another deploy (a preview or staging URL): every page and journey
    /// `goto` on the old base is moved to the same path under `base` (templates already applied).
    pub fn rebase(&mut self, base: &Url) {
        let old = self.base_url.clone();
        let move_url = |url: &Url| -> Url {
            if url.origin() != old.origin() {
                return url.clone();
            }
            let relative = url
                .path()
                .strip_prefix(old.path())
                .unwrap_or(url.path())
                .trim_start_matches('/');
            let mut moved = base.join(relative).unwrap_or_else(|_| url.clone());
            moved.set_query(url.query());
            moved
        };
        for page in &mut self.pages {
            page.url = move_url(&page.url);
        }
        for journey in &mut self.journeys {
            for step in &mut journey.steps {
                if let Action::Goto(url) = &mut step.action {
                    *url = move_url(url);
                }
            }
        }
        self.base_url = base.clone();
    }

    /// How many expectations the site declares (pages and journey steps).
    pub fn expectation_count(&self) -> usize {
        self.pages
            .iter()
            .map(|p| p.checks.expect.len())
            .sum::<usize>()
            + self
                .journeys
                .iter()
                .flat_map(|j| &j.steps)
                .map(|s| s.checks.expect.len())
                .sum::<usize>()
    }

    /// Parses, then validates every name, URL and rule; the first error in the file when
    /// there are some (see [`Site::parse_all`] for all of them).
    pub fn parse(path: &Path, text: &str) -> Result<Site, ConfigError> {
        Site::parse_all(path, text).map_err(|mut errors| errors.remove(0))
    }

    /// Parses, then validates every name, URL and rule, reporting every error in file order
    /// (never an empty list). TOML syntax errors, unknown keys and values of the wrong type
    /// stop reading at the first one: that one is returned, with the errors of `${VAR}`
    /// references, which are expanded from the environment first (see `source.rs`).
    pub fn parse_all(path: &Path, text: &str) -> Result<Site, Vec<ConfigError>> {
        Site::parse_with_env(path, text, &|name| std::env::var(name).ok())
    }

    /// [`Site::parse_all`] with variables read from `env`.
    pub(crate) fn parse_with_env(
        path: &Path,
        text: &str,
        env: Env,
    ) -> Result<Site, Vec<ConfigError>> {
        let (source, expansion) = Source::expand(path, text, env);
        let config = match SiteConfig::read(&source) {
            Ok(config) => config,
            // A string whose `${VAR}` failed has that error already.
            Err(error) if source.in_failed_string(&error) => return Err(expansion),
            Err(error) => return Err(sorted(expansion, vec![error])),
        };
        match Site::validate(&source, &config) {
            Ok(site) if expansion.is_empty() => Ok(site),
            Ok(_) => Err(sorted(expansion, Vec::new())),
            Err(errors) => Err(sorted(expansion, errors)),
        }
    }

    /// Validates a parsed config.
    fn validate(source: &Source, config: &SiteConfig) -> Result<Site, Vec<ConfigError>> {
        let pixels: BTreeMap<Vendor, Vec<String>> = config
            .pixels
            .listed()
            .map(|(vendor, ids)| (vendor, ids.to_vec()))
            .collect();
        let base = config.base_or_placeholder();
        let mut v = Validator {
            source,
            base: base.clone(),
            pixels: pixels.clone(),
            consent: config.consent.as_ref(),
            errors: RefCell::new(config.check_urls(source)),
            default_within: None,
            default_consent: None,
        };
        if let Some(defaults) = &config.expect_defaults {
            v.default_within = defaults.within_ms.map(Duration::from_millis);
            v.default_consent = defaults.consent.as_ref().map(|list| v.scenarios(list));
        }
        let consent = config
            .consent
            .as_ref()
            .and_then(|c| v.keep(v.consent_plan(c)));
        let default_scenarios = match config.consent.as_ref().and_then(|c| c.scenarios.as_ref()) {
            Some(list) => v.scenarios(list),
            None => vec![Scenario::None],
        };
        let mut templates = Vec::new();
        for template in &config.templates {
            let pattern = glob(template.pattern.get_ref()).map_err(|e| {
                v.err(
                    Some(template.pattern.span()),
                    format!("invalid match pattern: {e}"),
                )
            });
            let checks = v.checks(&template.expect, &template.forbid);
            let scenarios = template.consent.as_ref().map(|list| v.scenarios(list));
            if let Some(pattern) = v.keep(pattern) {
                templates.push(TemplatePlan {
                    pattern,
                    checks,
                    scenarios,
                });
            }
        }
        let template_checks = |url: &Url| checks_for(&templates, url);
        let mut pages = Vec::new();
        for page in &config.pages {
            let own_scenarios = page.consent.as_ref().map(|list| v.scenarios(list));
            let own = v.checks(&page.expect, &page.forbid);
            let device = v.keep(v.device(page.device.as_ref()));
            // An unresolvable page is an error of `check_urls` already.
            let (Ok(url), Some(device)) = (page.resolve(&base), device) else {
                continue;
            };
            // A page's own list, else its first template's that has one, else the site's.
            let scenarios = own_scenarios.unwrap_or_else(|| {
                scenarios_for(&templates, &url)
                    .unwrap_or(&default_scenarios)
                    .to_vec()
            });
            v.never_checked(&page.expect, &scenarios, "the page runs");
            let mut checks = template_checks(&url);
            checks.expect.extend(own.expect);
            checks.forbid.extend(own.forbid);
            pages.push(PagePlan {
                name: page.name.clone().unwrap_or_else(|| url.path().to_string()),
                url,
                scenarios,
                device,
                checks,
            });
        }
        if config.pages.is_empty() && config.journeys.is_empty() {
            pages.push(PagePlan {
                name: "home".to_string(),
                url: base.clone(),
                scenarios: default_scenarios.clone(),
                device: Device::Desktop,
                checks: Checks::default(),
            });
        }
        let mut journeys = Vec::new();
        for journey in &config.journeys {
            let mut steps = Vec::new();
            for step in &journey.steps {
                if let Some(mut plan) = v.step(step) {
                    if let Action::Goto(url) = &plan.action {
                        let mut checks = template_checks(url);
                        checks.expect.append(&mut plan.checks.expect);
                        checks.forbid.append(&mut plan.checks.forbid);
                        plan.checks = checks;
                    }
                    steps.push(plan);
                }
            }
            // A step that acts on a page needs a `goto` before it (a cookie can be preset).
            let needs_page = |s: &StepConfig| s.goto.is_none() && s.set_cookie.is_none();
            if let Some(position) = journey.steps.iter().position(|s| needs_page(s.get_ref())) {
                if !journey.steps[..position]
                    .iter()
                    .any(|s| s.get_ref().goto.is_some())
                {
                    v.record(v.err(
                        Some(journey.steps[position].span()),
                        format!(
                            "journey `{}`: this step needs a page; put a `goto` step before it",
                            journey.name
                        ),
                    ));
                }
            }
            let scenarios = match &journey.consent {
                Some(list) => v.scenarios(list),
                None => default_scenarios.clone(),
            };
            for step in &journey.steps {
                v.never_checked(&step.get_ref().expect, &scenarios, "the journey runs");
            }
            if let Some(device) = v.keep(v.device(journey.device.as_ref())) {
                journeys.push(JourneyPlan {
                    name: journey.name.clone(),
                    scenarios,
                    device,
                    steps,
                });
            }
        }
        let site = Site {
            name: config.name().to_string(),
            base_url: base.clone(),
            pixels,
            pages,
            journeys,
            consent,
            browser: config.browser.clone(),
            adblock: config.adblock.as_ref().and_then(|a| v.keep(v.adblock(a))),
            notify: config.notify.as_ref().and_then(|n| v.keep(v.notify(n))),
            network: config
                .network
                .as_ref()
                .and_then(|n| v.keep(v.network(n)))
                .unwrap_or_default(),
            email: config
                .email
                .as_ref()
                .and_then(|e| v.keep(v.email(e, &base))),
            templates,
            default_scenarios,
            discover: config
                .discover
                .as_ref()
                .and_then(|d| v.keep(v.discover(d)))
                .unwrap_or_default(),
            schedule: config.schedule.as_ref().and_then(|s| v.keep(v.schedule(s))),
        };
        let mut errors = v.errors.into_inner();
        // A string whose `${VAR}` failed has that error already.
        errors.retain(|e| !source.in_failed_string(e));
        if errors.is_empty() {
            return Ok(site);
        }
        Err(sorted(errors, Vec::new()))
    }
}

/// Both lists in file order (errors without a position last), each error once.
fn sorted(mut errors: Vec<ConfigError>, more: Vec<ConfigError>) -> Vec<ConfigError> {
    errors.extend(more);
    errors.sort_by_key(|e| (e.line.is_none(), e.line, e.column));
    errors.dedup();
    errors
}

/// The checks of every template whose pattern matches `url`'s path.
fn checks_for(templates: &[TemplatePlan], url: &Url) -> Checks {
    let mut checks = Checks::default();
    for template in templates {
        if template.pattern.is_match(url.path()) {
            checks.expect.extend(template.checks.expect.iter().cloned());
            checks.forbid.extend(template.checks.forbid.iter().cloned());
        }
    }
    checks
}

/// The consent scenarios of the first template matching `url`'s path that sets them.
fn scenarios_for<'t>(templates: &'t [TemplatePlan], url: &Url) -> Option<&'t [Scenario]> {
    templates
        .iter()
        .filter(|t| t.pattern.is_match(url.path()))
        .find_map(|t| t.scenarios.as_deref())
}

/// A path pattern: `*` within one segment, `**` across segments, anchored at both ends.
fn glob(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!("^{}$", crate::config::translate_glob(pattern)))
}

impl Validator<'_> {
    pub(super) fn err(&self, span: Span, message: impl Into<String>) -> ConfigError {
        self.source.error(span, message)
    }

    /// A path from the config, relative ones resolved against the config's folder.
    pub(super) fn file(&self, path: impl AsRef<Path>) -> std::path::PathBuf {
        self.source.file(path)
    }

    /// Records an error; the file will be rejected.
    pub(super) fn record(&self, error: ConfigError) {
        self.errors.borrow_mut().push(error);
    }

    /// The value of a check that passed, or `None` with its error recorded.
    pub(super) fn keep<T>(&self, result: Result<T, ConfigError>) -> Option<T> {
        result.map_err(|error| self.record(error)).ok()
    }

    pub(super) fn vendor(&self, name: &Spanned<String>) -> Result<Vendor, ConfigError> {
        vendors::parse(name.get_ref()).ok_or_else(|| {
            self.err(
                Some(name.span()),
                format!(
                    "unknown vendor `{}`{}; vendors are {}",
                    name.get_ref(),
                    vendor_suggestion(name.get_ref())
                        .map(|v| format!(" (did you mean `{v}`?)"))
                        .unwrap_or_default(),
                    vendors::all()
                        .iter()
                        .map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }

    /// Event names are free (custom events exist), but a near miss of a standard name is a typo.
    fn event(&self, vendor: Vendor, name: &Spanned<String>) -> Result<String, ConfigError> {
        let event = name.get_ref();
        let profile = vendor.profile();
        if !profile.known_events().any(|known| known == event)
            && !profile.automatic.contains(&event.as_str())
        {
            let hint = did_you_mean(event, profile.known_events());
            if !hint.is_empty() {
                return Err(self.err(
                    Some(name.span()),
                    format!("`{event}` is not a {vendor} event{hint}"),
                ));
            }
        }
        Ok(event.clone())
    }

    /// An event the vendor's library sends by itself (`VendorProfile::automatic`) cannot be
    /// expected: it fires whatever the site's tags do, so it would prove nothing about them.
    fn expectable(&self, vendor: Vendor, name: &Spanned<String>) -> Result<(), ConfigError> {
        let event = name.get_ref();
        if vendor.profile().automatic.contains(&event.as_str()) {
            return Err(self.err(
                Some(name.span()),
                format!(
                    "`{event}` is an automatic {vendor} event (its library sends it by itself) and cannot be expected: expect the event your tags send; `forbid` can still name it"
                ),
            ));
        }
        Ok(())
    }

    /// The scenarios of a list, each name checked (errors recorded).
    fn scenarios(&self, list: &[Spanned<String>]) -> Vec<Scenario> {
        let mut out = Vec::new();
        for name in list {
            if let Some(scenario) = self.keep(self.scenario(name)) {
                if !out.contains(&scenario) {
                    out.push(scenario);
                }
            }
        }
        out
    }

    fn scenario(&self, name: &Spanned<String>) -> Result<Scenario, ConfigError> {
        let scenario = Scenario::parse(name.get_ref()).ok_or_else(|| {
            self.err(
                Some(name.span()),
                format!(
                    "unknown consent scenario `{}`{}; scenarios are none, accept, reject",
                    name.get_ref(),
                    did_you_mean(name.get_ref(), Scenario::NAMES)
                ),
            )
        })?;
        let configured = match scenario {
            Scenario::None => true,
            Scenario::Accept => self.consent.is_some_and(|c| c.accept.is_some()),
            Scenario::Reject => self.consent.is_some_and(|c| c.reject.is_some()),
        };
        if !configured {
            return Err(self.err(
                Some(name.span()),
                format!(
                    "the `{}` scenario needs `[consent.{}]` (a banner selector to click, or cookies to preset)",
                    scenario.as_str(),
                    scenario.as_str()
                ),
            ));
        }
        Ok(scenario)
    }

    fn device(&self, name: Option<&Spanned<String>>) -> Result<Device, ConfigError> {
        match name.map(|n| (n, n.get_ref().as_str())) {
            None | Some((_, "desktop")) => Ok(Device::Desktop),
            Some((_, "mobile")) => Ok(Device::Mobile),
            Some((n, other)) => Err(self.err(
                Some(n.span()),
                format!(
                    "unknown device `{other}`{}; devices are desktop, mobile",
                    did_you_mean(other, ["desktop", "mobile"])
                ),
            )),
        }
    }

    /// The checks that passed (the others' errors recorded).
    fn checks(&self, expect: &[Expectation], forbid: &[Matcher]) -> Checks {
        let mut checks = Checks::default();
        for e in expect {
            if let Some(spec) = self.expectation(e) {
                checks.expect.push(spec);
            }
        }
        for m in forbid {
            let Some(vendor) = self.keep(self.vendor(&m.vendor)) else {
                continue;
            };
            let event = match &m.event {
                Some(e) => match self.keep(self.event(vendor, e)) {
                    Some(event) => Some(event),
                    None => continue,
                },
                None => None,
            };
            checks.forbid.push(ForbidSpec { vendor, event });
        }
        checks
    }

    /// An expectation, or `None` with every error of its vendor, event, parameters and
    /// scenarios recorded.
    fn expectation(&self, e: &Expectation) -> Option<ExpectSpec> {
        let vendor = self.keep(self.vendor(&e.vendor));
        let event = vendor
            .and_then(|vendor| self.keep(self.event(vendor, &e.event)))
            .filter(|_| {
                vendor.is_some_and(|vendor| self.keep(self.expectable(vendor, &e.event)).is_some())
            });
        let mut params = Vec::new();
        let mut params_ok = true;
        for (key, rule) in &e.params {
            let root = key.get_ref().split('.').next().unwrap_or_default();
            if !PARAM_KEYS.contains(&root) || (root == "raw" && !key.get_ref().starts_with("raw."))
            {
                params_ok = false;
                self.record(self.err(
                    Some(key.span()),
                    format!(
                        "unknown parameter `{}`{}; parameters are {} (or `raw.<vendor key>`)",
                        key.get_ref(),
                        did_you_mean(root, PARAM_KEYS.iter().copied()),
                        PARAM_KEYS[..PARAM_KEYS.len() - 1].join(", ")
                    ),
                ));
                continue;
            }
            match &rule.get_ref().0 {
                Ok(parsed) => params.push((key.get_ref().clone(), parsed.clone())),
                Err(message) => {
                    params_ok = false;
                    self.record(self.err(Some(rule.span()), message.clone()));
                }
            }
        }
        let scenarios = match (&e.consent, &self.default_consent) {
            (Some(list), _) => self.scenarios(list),
            (None, Some(defaults)) => defaults.clone(),
            (None, None) => self.tracking_allowed(),
        };
        let (Some(vendor), Some(event), true) = (vendor, event, params_ok) else {
            return None;
        };
        Some(ExpectSpec {
            vendor,
            event,
            accounts: match &e.account {
                Some(id) => vec![id.clone()],
                None => self.pixels.get(&vendor).cloned().unwrap_or_default(),
            },
            count: e.count.unwrap_or(Count::ONCE),
            within: e
                .within_ms
                .map(Duration::from_millis)
                .or(self.default_within),
            scenarios,
            params,
        })
    }

    /// The scenarios an expectation applies in, as written (names not checked again).
    fn expectation_scenarios(&self, e: &Expectation) -> Vec<Scenario> {
        match (&e.consent, &self.default_consent) {
            (Some(list), _) => list
                .iter()
                .filter_map(|name| Scenario::parse(name.get_ref()))
                .collect(),
            (None, Some(defaults)) => defaults.clone(),
            (None, None) => self.tracking_allowed(),
        }
    }

    /// Records an error for each expectation that applies in none of the scenarios its page or
    /// journey runs under (`runs`): it would never be checked, and the audit would pass in
    /// silence whatever the store sends.
    fn never_checked(&self, expect: &[Expectation], scenarios: &[Scenario], runs: &str) {
        let names = |list: &[Scenario]| {
            list.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for e in expect {
            let applies = self.expectation_scenarios(e);
            if applies.is_empty() || applies.iter().any(|s| scenarios.contains(s)) {
                continue;
            }
            let why = match (&e.consent, &self.default_consent) {
                (Some(_), _) => "its `consent` list",
                (None, Some(_)) => "`[expect_defaults] consent`",
                (None, None) => "by default, where tracking is allowed",
            };
            self.record(self.err(
                Some(e.vendor.span()),
                format!(
                    "this {} {} expectation applies under {} ({why}), but {runs} only under {}, so it would never be checked; give it `consent = [\"{}\"]`, or change the scenarios",
                    e.vendor.get_ref(),
                    e.event.get_ref(),
                    names(&applies),
                    names(scenarios),
                    scenarios.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\", \""),
                ),
            ));
        }
    }

    /// Scenarios in which tracking is allowed, where expectations apply by default.
    fn tracking_allowed(&self) -> Vec<Scenario> {
        match self.consent.map(|c| c.mode) {
            None => vec![Scenario::None, Scenario::Accept, Scenario::Reject],
            Some(ConsentMode::OptIn) => vec![Scenario::Accept],
            Some(ConsentMode::OptOut) => vec![Scenario::None, Scenario::Accept],
        }
    }

    /// A step, or `None` with the errors of its action and checks recorded.
    fn step(&self, step: &Spanned<StepConfig>) -> Option<StepPlan> {
        let span = Some(step.span());
        let s = step.get_ref();
        let present = [
            s.goto.is_some(),
            s.click.is_some(),
            s.fill.is_some(),
            s.select.is_some(),
            s.wait_for.is_some(),
            s.set_cookie.is_some(),
            s.set_local_storage.is_some(),
            s.run_js.is_some(),
            s.scroll.is_some(),
        ]
        .into_iter()
        .filter(|p| *p)
        .count();
        let checks = self.checks(&s.expect, &s.forbid);
        if present != 1 {
            self.record(self.err(
                span,
                format!(
                    "a step has exactly one action (goto, click, fill, select, wait_for, set_cookie, set_local_storage, run_js, scroll); this one has {present}"
                ),
            ));
            return None;
        }
        let action = self.keep(self.action(s, span))?;
        Some(StepPlan {
            name: s.name.clone().unwrap_or_else(|| action.label()),
            action,
            checks,
            timeout: s.timeout_ms.map(Duration::from_millis),
        })
    }

    /// The one action of a step.
    fn action(&self, s: &StepConfig, span: Span) -> Result<Action, ConfigError> {
        if let Some(target) = &s.goto {
            let url = self.base.join(target.get_ref()).map_err(|e| {
                self.err(
                    Some(target.span()),
                    format!("goto target cannot be resolved: {e}"),
                )
            })?;
            super::site::web_page(&url).map_err(|m| self.err(Some(target.span()), m))?;
            return Ok(Action::Goto(url));
        }
        if let Some(selector) = &s.click {
            return Ok(Action::Click(selector.clone()));
        }
        if let Some(field) = &s.fill {
            return Ok(Action::Fill(field.clone()));
        }
        if let Some(field) = &s.select {
            return Ok(Action::Select(field.clone()));
        }
        if let Some(wait) = &s.wait_for {
            return match (&wait.selector, &wait.vendor) {
                (Some(selector), None) if wait.event.is_none() => Ok(Action::WaitForSelector(selector.clone())),
                (None, Some(vendor)) => Ok(Action::WaitForHit { vendor: self.vendor(vendor)?, event: wait.event.clone() }),
                _ => Err(self.err(span, "wait_for takes either { selector = \"…\" } or { vendor = \"…\", event = \"…\" }")),
            };
        }
        if let Some(cookie) = &s.set_cookie {
            return Ok(Action::SetCookie(cookie.clone()));
        }
        if let Some(kv) = &s.set_local_storage {
            return Ok(Action::SetLocalStorage(kv.clone()));
        }
        if let Some(js) = &s.run_js {
            return Ok(Action::RunJs(js.clone()));
        }
        match &s.scroll {
            Some(scroll) if scroll.selector.is_some() != scroll.y.is_some() => {
                Ok(Action::Scroll(scroll.clone()))
            }
            _ => Err(self.err(
                span,
                "scroll takes either { selector = \"…\" } or { y = 800 }",
            )),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const BASE: &str = "base_url = \"https://shop.test/\"\n";

    /// A site config with `rest` after its base URL, as if read from `sites/shop.toml`.
    pub(in crate::config) fn site(rest: &str) -> Result<Site, ConfigError> {
        Site::parse(Path::new("sites/shop.toml"), &format!("{BASE}{rest}"))
    }

    #[test]
    fn an_expectation_that_applies_in_none_of_its_pages_scenarios_is_an_error() {
        let consent =
            "[consent]\nmode = \"opt_in\"\naccept = { click = \"#a\" }\nreject = { click = \"#r\" }\n";
        // Opt-in: an expectation applies after accepting, but the checkout runs only as a
        // visitor who made no choice.
        let e = site(&format!(
            "{consent}[[pages]]\npath = \"/checkout\"\nconsent = [\"none\"]\n[[pages.expect]]\nvendor = \"ga4\"\nevent = \"page_view\"\n"
        ))
        .unwrap_err();
        assert_eq!((e.line, e.column), (Some(10), Some(10)), "{e:?}");
        assert!(
            e.message.starts_with("this ga4 page_view expectation applies under accept (by default, where tracking is allowed), but the page runs only under none, so it would never be checked; give it `consent = [\"none\"]`"),
            "{}",
            e.message
        );
        // Saying where it applies fixes it; a template's expectation is not checked this way
        // (it may be meant for other pages).
        assert!(site(&format!(
            "{consent}[[pages]]\npath = \"/checkout\"\nconsent = [\"none\"]\n[[pages.expect]]\nvendor = \"ga4\"\nevent = \"page_view\"\nconsent = [\"none\"]\n"
        ))
        .is_ok());
        assert!(site(&format!(
            "{consent}[[templates]]\nmatch = \"/*\"\n[[templates.expect]]\nvendor = \"ga4\"\nevent = \"page_view\"\n[[pages]]\npath = \"/checkout\"\nconsent = [\"none\"]\n"
        ))
        .is_ok());
        // A journey step's expectation against the journey's scenarios.
        let e = site(&format!(
            "{consent}[[journeys]]\nname = \"j\"\nconsent = [\"reject\"]\n[[journeys.steps]]\ngoto = \"/\"\n[[journeys.steps.expect]]\nvendor = \"meta\"\nevent = \"PageView\"\n"
        ))
        .unwrap_err();
        assert!(
            e.message.contains("but the journey runs only under reject"),
            "{}",
            e.message
        );
    }

    #[test]
    fn expectations_resolve_vendor_event_accounts_and_rules() {
        let s = site(
            "[pixels]\nmeta = [\"111\"]\n[[pages]]\npath = \"/p\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"ViewContent\"\nwithin_ms = 2000\nparams = { value = { from_page = \"jsonld:offers.price\" }, currency = \"iso_currency\" }\n",
        )
        .unwrap();
        let e = &s.pages[0].checks.expect[0];
        assert_eq!((e.vendor, e.event.as_str()), (vendors::META, "ViewContent"));
        assert_eq!(e.accounts, vec!["111"]);
        assert_eq!(e.count, Count::ONCE);
        assert_eq!(e.params.len(), 2);
        assert_eq!(
            e.scenarios.len(),
            3,
            "no consent section: applies everywhere"
        );
    }

    #[test]
    fn an_automatic_event_cannot_be_expected_but_can_be_forbidden() {
        let e = site(
            "[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"SubscribedButtonClick\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(6), "the event's line");
        assert!(
            e.message
                .contains("`SubscribedButtonClick` is an automatic meta event"),
            "{}",
            e.message
        );
        let s = site(
            "[[pages]]\npath = \"/\"\n[[pages.forbid]]\nvendor = \"meta\"\nevent = \"Microdata\"\n",
        )
        .unwrap();
        assert_eq!(
            s.pages[0].checks.forbid[0].event.as_deref(),
            Some("Microdata")
        );
    }

    #[test]
    fn misspellings_get_suggestions_at_their_position() {
        let e = site(
            "[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"tiktk\"\nevent = \"Pageview\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(5));
        assert!(
            e.message.contains("did you mean `tiktok`?"),
            "{}",
            e.message
        );
        let e = site(
            "[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"Purchse\"\n",
        )
        .unwrap_err();
        assert!(
            e.message.contains("did you mean `Purchase`?"),
            "{}",
            e.message
        );
        let e = site("[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"PageView\"\nparams = { curency = \"present\" }\n").unwrap_err();
        assert!(
            e.message.contains("did you mean `currency`?"),
            "{}",
            e.message
        );
        assert_eq!(e.line, Some(7));
        let e = site("[browser]\nquiet = 1\n").unwrap_err();
        assert!(
            e.message.contains("did you mean `quiet_ms`?"),
            "{}",
            e.message
        );
    }

    fn with_env(text: &str, vars: &[(&str, &str)]) -> Result<Site, Vec<ConfigError>> {
        let env = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        Site::parse_with_env(Path::new("sites/shop.toml"), text, &env)
    }

    const VARS: &[(&str, &str)] = &[
        ("SHOP_HOST", "staging.shop.test"),
        ("SHOP_PORT", "8443"),
        ("SMTP_PORT", "2525"),
        ("SITE_NAME", "shop \"eu\"\nsmtp_password = 1"),
        ("META_ID", "1234567890123456"),
        ("PIXELAUDIT_SMTP_PASSWORD", "hunter2"),
    ];

    #[test]
    fn variables_are_expanded_in_string_values_and_escaped_with_a_double_dollar() {
        let s = with_env("name = \"${SITE_NAME}\"\nbase_url = \"https://${SHOP_HOST}:${SHOP_PORT}/\"\n[pixels]\nmeta = [\"${META_ID}\"]\n[network]\nresolve = [\"${SHOP_HOST}=127.0.0.1:${SHOP_PORT}\"]\n[notify]\nto = [\"a@shop.test\"]\nfrom = \"b@shop.test\"\nsmtp_host = \"${SHOP_HOST}\"\nsmtp_port = \"${SMTP_PORT}\"\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\ngoto = \"/\"\n[[journeys.steps]]\nrun_js = \"console.log(`$${SHOP_HOST} costs $5`)\"\n", VARS).unwrap();
        assert_eq!(
            s.name, "shop \"eu\"\nsmtp_password = 1",
            "a value stays one string"
        );
        assert_eq!(s.base_url.as_str(), "https://staging.shop.test:8443/");
        assert_eq!(s.pixels[&vendors::META], ["1234567890123456"]);
        assert_eq!(
            s.network.resolve[0].chromium(),
            "MAP staging.shop.test 127.0.0.1:8443"
        );
        let notify = s.notify.unwrap();
        assert_eq!(
            (notify.host.as_str(), notify.port),
            ("staging.shop.test", 2525)
        );
        match &s.journeys[0].steps[1].action {
            Action::RunJs(js) => assert_eq!(js, "console.log(`${SHOP_HOST} costs $5`)"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn positions_stay_those_of_the_file_around_expanded_values() {
        // After an expanded value on the same line, and inside one (the value as written).
        let errors = with_env("base_url = \"https://${SHOP_HOST}/\"\n[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"PageView\"\nparams = { event_id = { equals = \"${SHOP_HOST}\" }, curency = \"present\" }\n[network]\nresolve = [\"${SHOP_HOST}\"]\n", VARS).unwrap_err();
        let at: Vec<_> = errors
            .iter()
            .map(|e| (e.line.unwrap(), e.column.unwrap()))
            .collect();
        assert_eq!(at, [(7, 52), (9, 12)], "{errors:#?}");
        assert!(errors[0].message.contains("`curency`"));
        assert!(errors[1].message.contains("PATTERN=ADDR:PORT"));
        assert!(errors[1]
            .to_string()
            .contains("9 | resolve = [\"${SHOP_HOST}\"]"));
        assert!(
            errors[1]
                .to_string()
                .ends_with("|            ^^^^^^^^^^^^^^"),
            "the caret covers the value as written: {}",
            errors[1]
        );
        let e = with_env(
            "base_url = \"https://${SHOP_HOST}/\"\n[browser]\nquiet = 1\n",
            VARS,
        )
        .unwrap_err();
        assert_eq!((e[0].line, e[0].column), (Some(3), Some(1)), "{e:#?}");
    }

    #[test]
    fn an_unset_variable_is_an_error_at_its_reference() {
        let errors = with_env("base_url = \"https://shop.test/\"\n[network]\nresolve = [\"shop.test=${SHOP_ADDR}:${SHOP_PORT}\", \"${NOPE\"]\n[notify]\nto = [\"a@shop.test\"]\nfrom = \"${PIXELAUDIT_SMTP_PASSWORD}\"\nsmtp_host = \"h\"\nsmtp_port = \"${SMTP_PORTT}\"\nretries = \"${1X}\"\n[[pages]]\npath = \"/\"\ndevice = \"tablet\"\n", VARS).unwrap_err();
        let at: Vec<_> = errors
            .iter()
            .map(|e| (e.line.unwrap(), e.column.unwrap(), e.message.as_str()))
            .collect();
        assert_eq!(at.len(), 5, "{errors:#?}");
        assert_eq!((at[0].0, at[0].1), (3, 23));
        assert!(
            at[0]
                .2
                .contains("environment variable `SHOP_ADDR` is not set"),
            "{}",
            at[0].2
        );
        assert_eq!((at[1].0, at[1].1), (3, 52));
        assert!(at[1].2.contains("without a closing `}`"), "{}", at[1].2);
        assert_eq!((at[2].0, at[2].1), (6, 9));
        assert!(
            at[2]
                .2
                .contains("`PIXELAUDIT_SMTP_PASSWORD` looks like a secret"),
            "{}",
            at[2].2
        );
        assert_eq!((at[3].0, at[3].1), (8, 14));
        assert!(at[3].2.contains("`SMTP_PORTT` is not set"), "{}", at[3].2);
        assert_eq!((at[4].0, at[4].1), (9, 12));
        assert!(at[4].2.contains("not a variable name"), "{}", at[4].2);
        assert!(
            !errors
                .iter()
                .any(|e| e.message.contains("PATTERN=ADDR:PORT")),
            "no second error for a value whose variable failed"
        );
        // TOML errors are still reported after a failed variable; `device` is not reached.
        let first = Site::parse(
            Path::new("sites/shop.toml"),
            "base_url = \"https://${PIXELAUDIT_TEST_UNSET_VARIABLE}/\"\n",
        )
        .unwrap_err();
        assert_eq!((first.line, first.column), (Some(1), Some(21)));
        let e = with_env("base_url = \"https://shop.test/\"\n[notify]\nto = [\"a@shop.test\"]\nfrom = \"b@shop.test\"\nsmtp_host = \"h\"\nsmtp_password = \"${SHOP_PORT}\"\n", VARS).unwrap_err();
        assert!(
            e[0].message.contains("unknown field `smtp_password`"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn expect_defaults_apply_to_every_expectation_that_does_not_set_them() {
        // The pages and the journey run under every scenario, so each expectation is checked.
        let s = site("[consent]\naccept = { click = \"#ok\" }\nreject = { click = \"#no\" }\nscenarios = [\"none\", \"accept\", \"reject\"]\n[expect_defaults]\nwithin_ms = 4000\nconsent = [\"accept\", \"reject\"]\n[[templates]]\nmatch = \"/**\"\n[[templates.expect]]\nvendor = \"meta\"\nevent = \"PageView\"\n[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"ga4\"\nevent = \"page_view\"\nwithin_ms = 500\nconsent = [\"accept\"]\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\ngoto = \"/cart\"\n[[journeys.steps.expect]]\nvendor = \"tiktok\"\nevent = \"Pageview\"\n").unwrap();
        let both = vec![Scenario::Accept, Scenario::Reject];
        let page = &s.pages[0].checks.expect;
        assert_eq!(
            (page[0].within, &page[0].scenarios),
            (Some(Duration::from_millis(4000)), &both),
            "a template's expectation takes the defaults"
        );
        assert_eq!(
            (page[1].within, &page[1].scenarios),
            (Some(Duration::from_millis(500)), &vec![Scenario::Accept]),
            "its own keys win"
        );
        let step = &s.journeys[0].steps[0].checks.expect;
        assert_eq!(step.len(), 2);
        for e in step {
            assert_eq!(
                (e.within, &e.scenarios),
                (Some(Duration::from_millis(4000)), &both)
            );
        }
        let none = site(
            "[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"PageView\"\n",
        )
        .unwrap();
        assert_eq!(none.pages[0].checks.expect[0].within, None);
        let e = site("[expect_defaults]\nconsent = [\"accept\"]\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(12)));
        assert!(
            e.message.contains("needs `[consent.accept]`"),
            "{}",
            e.message
        );
        let e = site("[expect_defaults]\nwithin = 100\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(1)));
        assert!(
            e.message.contains("did you mean `within_ms`?"),
            "{}",
            e.message
        );
    }

    #[test]
    fn relative_paths_resolve_against_the_config_folder() {
        let text = "base_url = \"https://shop.test/\"\n[network]\nca_cert = [\"certs/ca.pem\", \"/etc/ssl/ca.pem\"]\n[email]\nsources = [\"emails/\", \"../shared/welcome.eml\", \"imaps://seed@imap.test/INBOX\"]\n[notify]\nto = [\"a@shop.test\"]\nfrom = \"b@shop.test\"\nsmtp_host = \"h\"\nsmtp_ca_cert = \"smtp-ca.pem\"\n";
        let s = Site::parse(Path::new("/srv/audit/sites/shop.toml"), text).unwrap();
        assert_eq!(
            s.network.ca_certs,
            [
                Path::new("/srv/audit/sites/certs/ca.pem"),
                Path::new("/etc/ssl/ca.pem")
            ]
        );
        assert_eq!(
            s.email.unwrap().sources,
            [
                "/srv/audit/sites/emails/",
                "/srv/audit/sites/../shared/welcome.eml",
                "imaps://seed@imap.test/INBOX"
            ]
        );
        assert_eq!(
            s.notify.unwrap().ca_cert.unwrap(),
            Path::new("/srv/audit/sites/smtp-ca.pem")
        );
        let bare = Site::parse(Path::new("shop.toml"), text).unwrap();
        assert_eq!(
            bare.network.ca_certs[0],
            Path::new("certs/ca.pem"),
            "a config in the current folder"
        );
    }

    #[test]
    fn every_error_of_a_file_is_reported_in_file_order() {
        let text = format!(
            "{BASE}[[pages]]\npath = \"/\"\ndevice = \"tablet\"\n[[pages.expect]]\nvendor = \"tiktk\"\nevent = \"Pageview\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"PageView\"\nparams = {{ curency = \"present\" }}\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\nclick = \"#a\"\n[notify]\nto = [\"nope\"]\nfrom = \"a@shop.test\"\nsmtp_host = \"h\"\nwhen = \"failures\"\n"
        );
        let errors = Site::parse_all(Path::new("sites/shop.toml"), &text).unwrap_err();
        let positions: Vec<_> = errors
            .iter()
            .map(|e| (e.line.unwrap(), e.column.unwrap()))
            .collect();
        assert_eq!(
            positions,
            [(4, 10), (6, 10), (11, 12), (14, 1), (17, 7), (20, 8)],
            "{errors:#?}"
        );
        assert!(errors[0].message.contains("unknown device `tablet`"));
        assert!(errors[3].message.contains("put a `goto` step before it"));
        assert!(errors[5].message.contains("did you mean `failure`?"));
        let first = Site::parse(Path::new("sites/shop.toml"), &text).unwrap_err();
        assert_eq!(first, errors[0], "parse returns the first in the file");
        let e = site("base_url_typo = 1\n[browser]\nquiet = 1\n").unwrap_err();
        assert_eq!(e.line, Some(2), "reading stops at the first unknown key");
    }

    #[test]
    fn a_misspelt_rule_is_one_error_among_the_others() {
        let text = format!(
            "{BASE}[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"Purchase\"\nparams = {{ event_id = \"presnt\", value = {{ equal = 1 }} }}\n[[pages]]\npath = \"/x\"\ndevice = \"tablet\"\n"
        );
        let errors = Site::parse_all(Path::new("sites/shop.toml"), &text).unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line.unwrap(), e.message.clone()))
            .collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].1.contains("did you mean `present`?"), "{found:#?}");
        assert!(
            found[1]
                .1
                .contains("unknown field `equal` (did you mean `equals`?)"),
            "{found:#?}"
        );
        assert!(found[2].1.contains("unknown device `tablet`"), "{found:#?}");
        assert_eq!(found[0].0, found[1].0, "both rules are on the params line");
    }

    #[test]
    fn templates_apply_to_matching_pages_and_goto_steps() {
        let s = site("[[templates]]\nmatch = \"/products/*\"\n[[templates.expect]]\nvendor = \"meta\"\nevent = \"ViewContent\"\n[[pages]]\npath = \"/products/shirt\"\n[[pages]]\npath = \"/products/shirt/reviews\"\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\ngoto = \"/products/hat\"\n").unwrap();
        assert_eq!(s.pages[0].checks.expect.len(), 1);
        assert_eq!(
            s.pages[1].checks.expect.len(),
            0,
            "* stays within one segment"
        );
        assert_eq!(s.journeys[0].steps[0].checks.expect.len(), 1);
        assert!(glob("/blog/**").unwrap().is_match("/blog/2026/11/post"));
    }

    #[test]
    fn rebase_moves_pages_and_gotos_to_a_preview_deploy() {
        let mut s = site("[[pages]]\npath = \"/products/x?v=1\"\n[[pages]]\nurl = \"https://cdn.other.test/a\"\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\ngoto = \"/cart\"\n").unwrap();
        s.rebase(&Url::parse("https://preview-123.shop.test/").unwrap());
        assert_eq!(
            s.pages[0].url.as_str(),
            "https://preview-123.shop.test/products/x?v=1"
        );
        assert_eq!(
            s.pages[1].url.as_str(),
            "https://cdn.other.test/a",
            "other hosts stay"
        );
        match &s.journeys[0].steps[0].action {
            Action::Goto(url) => assert_eq!(url.as_str(), "https://preview-123.shop.test/cart"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn custom_events_are_allowed() {
        let s = site("[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"WishlistShared\"\n").unwrap();
        assert_eq!(s.pages[0].checks.expect[0].event, "WishlistShared");
    }

    #[test]
    fn consent_scenarios_need_a_consent_section() {
        let e = site("[[pages]]\npath = \"/\"\nconsent = [\"accept\"]\n").unwrap_err();
        assert!(
            e.message.contains("needs `[consent.accept]`"),
            "{}",
            e.message
        );
        let s = site("[consent]\naccept = { click = \"#ok\" }\n[[pages]]\npath = \"/\"\nconsent = [\"none\", \"accept\"]\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"PageView\"\n").unwrap();
        assert_eq!(s.pages[0].scenarios, vec![Scenario::None, Scenario::Accept]);
        assert_eq!(
            s.pages[0].checks.expect[0].scenarios,
            vec![Scenario::Accept],
            "opt-in: expected only after accept"
        );
        assert_eq!(s.consent.unwrap().exempt, vec![vendors::SHOPIFY]);
    }

    #[test]
    fn consent_required_is_read_and_needs_a_banner_click() {
        let s = site("[consent]\naccept = { click = \"#ok\" }\nrequired = true\n").unwrap();
        assert!(s.consent.unwrap().required);
        let s = site("[consent]\naccept = { click = \"#ok\" }\n").unwrap();
        assert!(!s.consent.unwrap().required, "not required by default");
        let e = site("[consent]\naccept = { cookies = [{ name = \"c\", value = \"1\" }] }\nrequired = true\n")
            .unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(12)), "{e}");
        assert!(
            e.message.contains("no scenario clicks a banner"),
            "{}",
            e.message
        );
        let e = site("[consent]\naccept = { click = \"#ok\" }\nrequired = \"yes\"\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
    }

    #[test]
    fn template_consent_applies_to_pages_without_their_own() {
        let s = site("[consent]\naccept = { click = \"#ok\" }\nreject = { click = \"#no\" }\nscenarios = [\"none\", \"accept\", \"reject\"]\n[[templates]]\nmatch = \"/checkouts/**\"\nconsent = [\"accept\"]\n[[templates]]\nmatch = \"/**\"\nconsent = [\"reject\"]\n[[templates]]\nmatch = \"/blog/*\"\n[[pages]]\npath = \"/checkouts/c/1\"\n[[pages]]\npath = \"/checkouts/c/2\"\nconsent = [\"none\"]\n[[pages]]\npath = \"/cart\"\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\ngoto = \"/checkouts/c/3\"\n").unwrap();
        let scenarios: Vec<_> = s.pages.iter().map(|p| p.scenarios.clone()).collect();
        assert_eq!(
            scenarios,
            [
                vec![Scenario::Accept],
                vec![Scenario::None],
                vec![Scenario::Reject]
            ],
            "page > first matching template that sets consent > site"
        );
        assert_eq!(
            s.journeys[0].scenarios,
            vec![Scenario::None, Scenario::Accept, Scenario::Reject],
            "a journey keeps the site's scenarios"
        );
        let found = s.found_page(
            "x".into(),
            Url::parse("https://shop.test/checkouts/c/9").unwrap(),
        );
        assert_eq!(found.scenarios, [Scenario::Accept], "found pages too");
        let plain = site("[consent]\naccept = { click = \"#ok\" }\n[[templates]]\nmatch = \"/blog/*\"\n[[pages]]\npath = \"/blog/a\"\n").unwrap();
        assert_eq!(
            plain.pages[0].scenarios,
            [Scenario::None],
            "no list anywhere: none"
        );
        let errors = Site::parse_all(
            Path::new("sites/shop.toml"),
            &format!("{BASE}[consent]\naccept = {{ click = \"#ok\" }}\n[[templates]]\nmatch = \"/products/*\"\nconsent = [\"acept\", \"reject\"]\n"),
        )
        .unwrap_err();
        let at: Vec<_> = errors
            .iter()
            .map(|e| (e.line.unwrap(), e.column.unwrap()))
            .collect();
        assert_eq!(at, [(6, 12), (6, 21)], "{errors:#?}");
        assert!(
            errors[0].message.contains("did you mean `accept`?"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[1].message.contains("needs `[consent.reject]`"),
            "{}",
            errors[1].message
        );
    }

    #[test]
    fn journeys_validate_steps() {
        let s = site("[[journeys]]\nname = \"buy\"\n[[journeys.steps]]\ngoto = \"/products/x\"\n[[journeys.steps]]\nclick = \"#add\"\n[[journeys.steps.expect]]\nvendor = \"ga4\"\nevent = \"add_to_cart\"\n").unwrap();
        assert_eq!(s.journeys[0].steps.len(), 2);
        assert_eq!(s.journeys[0].steps[1].name, "click #add");
        assert!(s.pages.is_empty(), "journeys alone: no implicit home page");
        let e =
            site("[[journeys]]\nname = \"x\"\n[[journeys.steps]]\ngoto = \"/\"\nclick = \"#a\"\n")
                .unwrap_err();
        assert!(e.message.contains("exactly one action"), "{}", e.message);
        assert_eq!(e.line, Some(4), "points at the step's header");
        let e =
            site("[[journeys]]\nname = \"x\"\n[[journeys.steps]]\nclick = \"#a\"\n").unwrap_err();
        assert!(
            e.message.contains("put a `goto` step before it"),
            "{}",
            e.message
        );
        let preset = "[[journeys]]\nname = \"x\"\n[[journeys.steps]]\nset_cookie = { name = \"a\", value = \"b\" }\n[[journeys.steps]]\ngoto = \"/\"\n";
        assert!(
            site(preset).is_ok(),
            "a cookie may be set before the first goto"
        );
        let e = site("[[journeys]]\nname = \"x\"\n[[journeys.steps]]\ngoto = \"/\"\n[[journeys.steps]]\nclik = \"#a\"\n").unwrap_err();
        assert!(e.message.contains("did you mean `click`?"), "{}", e.message);
    }
}
