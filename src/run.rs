//! One run of one site, the way every command does it: audit options from the site and the
//! command line → audit → compare with the previous run → save under `reports/` → history →
//! email. `pixelaudit audit`, `pixelaudit demo` and the scheduler all go through here; workers
//! never print, so what happened comes back in a [`SiteRun`] for the caller to show or log.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::adblock::{Blocker, FilterList, ListCache};
use crate::audit::{AdblockOptions, AuditOptions, Stop};
use crate::email::{EmailInput, EmailSource};
use crate::net::Network;
use crate::{archive, audit, discover, email, net, notify};
use pixelaudit_browser::{BrowserError, BrowserOptions, DriverOptions, IdleOptions};
use pixelaudit_core::config::{AdblockPlan, NotifyPlan, ResolveRule, Site};
use pixelaudit_core::report;
use pixelaudit_core::report::{DiscoverySummary, Report, StopReason};

/// The command-line side of a run: browser, driver, timing, where reports go, email.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// Extra Chromium flags (after the site's own).
    pub browser_args: Vec<String>,
    /// A remote WebDriver URL instead of a chromedriver child.
    pub webdriver: Option<String>,
    /// The chromedriver binary.
    pub chromedriver: Option<PathBuf>,
    /// The Chromium binary.
    pub chrome: Option<PathBuf>,
    /// Where runs are saved.
    pub reports_dir: PathBuf,
    /// Network-idle quiet window in ms (over the site's `browser.quiet_ms`).
    pub quiet_ms: Option<u64>,
    /// Hard cap per page in ms (over the site's `browser.max_wait_ms`).
    pub max_wait_ms: Option<u64>,
    /// Email the report when the site has a `[notify]` section.
    pub email: bool,
    /// Ad-block analysis even for sites without an `[adblock]` section.
    pub adblock: bool,
    /// chromedriver in a process group of its own, ended as a whole (the scheduler).
    pub process_group: bool,
    /// `--resolve` rules (before the site's `[network] resolve`).
    pub resolve: Vec<ResolveRule>,
    /// `--ca-cert` files (after the site's `[network] ca_cert`).
    pub ca_certs: Vec<PathBuf>,
    /// `--insecure`.
    pub insecure: bool,
    /// Browser sessions in parallel (default: [`audit::default_sessions`]).
    pub sessions: Option<usize>,
    /// Discover the store's pages (with the site's `discover` options) and audit them too.
    pub discover: bool,
}

/// What the command line changes in a site's config before it runs: a preview deploy's base
/// URL, a subset of its pages, discovery and its limits. (The run's own settings are
/// [`RunSettings`], applied to the site's by [`prepare`].)
#[derive(Debug, Clone, Default)]
pub struct SiteOverrides {
    /// `--base-url`: pages and journeys move to this deploy.
    pub base_url: Option<Url>,
    /// `--url` next to a site config: only these of its pages (none: all).
    pub only_urls: Vec<Url>,
    /// `--discover` and its limits.
    pub discover: Option<DiscoverOverrides>,
}

/// `--discover`'s limits, over the site's `[discover]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscoverOverrides {
    /// `--all`: audit every page found.
    pub all: bool,
    /// `--per-type N`.
    pub per_type: Option<usize>,
    /// `--max-pages N`.
    pub max_pages: Option<usize>,
}

impl SiteOverrides {
    /// Applies them to `site`; true when discovery is on.
    pub fn apply(&self, site: &mut Site) -> bool {
        if let Some(base) = &self.base_url {
            site.rebase(base);
        }
        if !self.only_urls.is_empty() {
            site.only_urls(&self.only_urls);
        }
        if let Some(d) = &self.discover {
            site.discover.all = d.all;
            site.discover.per_type = d.per_type.unwrap_or(site.discover.per_type);
            site.discover.max_pages = d.max_pages.unwrap_or(site.discover.max_pages);
        }
        self.discover.is_some()
    }
}

/// Options ready for [`run_site`], with notes worth showing (a stale filter list).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The audit options.
    pub options: AuditOptions,
    /// Things the user should know, one line each.
    pub notes: Vec<String>,
}

/// Builds the audit options for `site`: its browser settings, overridden by the command line,
/// plus `extra_args` (the demo server's flags), and its filter lists when ad-block analysis is on.
pub async fn prepare(
    site: &Site,
    settings: &RunSettings,
    extra_args: Vec<String>,
) -> Result<Prepared, String> {
    let browser_config = &site.browser;
    let network = network_of(site, settings)?;
    let mut args = network.chromium_args();
    args.extend(browser_config.args.iter().cloned());
    args.extend(extra_args);
    args.extend(settings.browser_args.iter().cloned());
    let args = net::merge_chromium_args(args);
    let defaults = IdleOptions::default();
    let mut notes = Vec::new();
    let adblock = adblock_options(site, settings, &network, &mut notes).await?;
    if settings.webdriver.is_some() && !network.ca_certs.is_empty() {
        notes.push(
            "--ca-cert through a remote WebDriver: its browsers trust these certificates only \
             when the server sends them (public-key pins); a CA the server leaves out must be \
             trusted on the Grid node itself (see the README)"
                .to_string(),
        );
    }
    let sessions = match (settings.sessions, &settings.webdriver) {
        (Some(n), _) => n,
        // On a Selenium Grid, no more sessions than it has free slots (a queued session
        // request would wait for a slot this same audit holds).
        (None, Some(url)) => match grid_free_slots(url, &network).await {
            Some(free) => free.clamp(1, audit::default_sessions()),
            None => audit::default_sessions(),
        },
        (None, None) => audit::default_sessions(),
    };
    let options = AuditOptions {
        driver: DriverOptions {
            webdriver_url: settings.webdriver.clone(),
            chromedriver: settings.chromedriver.clone(),
            chrome: settings.chrome.clone(),
            process_group: settings.process_group,
            trusted_roots: network.trusted_roots(),
        },
        browser: BrowserOptions {
            args,
            page_load_timeout: browser_config.page_load_timeout(),
        },
        idle: IdleOptions {
            quiet: settings
                .quiet_ms
                .map(Duration::from_millis)
                .or(browser_config.quiet())
                .unwrap_or(defaults.quiet),
            max_wait: settings
                .max_wait_ms
                .map(Duration::from_millis)
                .or(browser_config.max_wait())
                .unwrap_or(defaults.max_wait),
            ..defaults
        },
        expect_timeout: browser_config.expect_timeout(),
        adblock,
        stop: Stop::default(),
        emails: None,
        network,
        sessions,
        recycle_after: 200,
        progress: None,
    };
    Ok(Prepared { options, notes })
}

/// A Selenium Grid's free slots, from its `/status` (`None` for a plain chromedriver, or when
/// the Grid does not answer: the audit then reports the real error when it opens a session).
async fn grid_free_slots(webdriver: &str, network: &Network) -> Option<usize> {
    let url = format!("{}/status", webdriver.trim_end_matches('/'));
    let client = network
        .http_client()
        .ok()?
        .timeout(Duration::from_secs(10))
        .build()
        .ok()?;
    let body = client.get(&url).send().await.ok()?.bytes().await.ok()?;
    let status: serde_json::Value = serde_json::from_slice(&body).ok()?;
    let nodes = status["value"]["nodes"].as_array()?;
    let free = nodes
        .iter()
        .filter(|n| n["availability"].as_str().is_none_or(|a| a == "UP"))
        .flat_map(|n| n["slots"].as_array().cloned().unwrap_or_default())
        .filter(|slot| slot["session"].is_null())
        .count();
    tracing::info!(free, "Selenium Grid slots free");
    Some(free)
}

/// The run's network view: `--resolve` rules before the config's, trust from both.
fn network_of(site: &Site, settings: &RunSettings) -> Result<Network, String> {
    let mut resolve = settings.resolve.clone();
    resolve.extend(site.network.resolve.iter().cloned());
    let mut ca_certs = site.network.ca_certs.clone();
    ca_certs.extend(settings.ca_certs.iter().cloned());
    Network::new(
        resolve,
        &ca_certs,
        settings.insecure || site.network.insecure,
    )
}

async fn adblock_options(
    site: &Site,
    settings: &RunSettings,
    network: &Network,
    notes: &mut Vec<String>,
) -> Result<Option<AdblockOptions>, String> {
    let plan = match (&site.adblock, settings.adblock) {
        (Some(plan), _) => plan.clone(),
        (None, true) => AdblockPlan::default(),
        (None, false) => return Ok(None),
    };
    let cache = ListCache {
        dir: settings.reports_dir.join(".cache").join("filter-lists"),
        max_age: plan.max_age,
        network: network.clone(),
    };
    let mut lists = Vec::new();
    for spec in &plan.lists {
        let list = FilterList::fetch(spec, &cache).await?;
        if let Some(note) = &list.note {
            notes.push(format!(
                "filter list {} ({}): {note}",
                list.name, list.source
            ));
        }
        lists.push(list);
    }
    let blocker = Blocker::new(lists);
    for list in blocker.lists() {
        tracing::info!(list = %list.name, rules = list.rules, load_ms = list.load_ms, "filter list loaded");
    }
    Ok(Some(AdblockOptions {
        blocker: Arc::new(blocker),
        blocked_run: plan.blocked_run,
        severity: plan.severity,
    }))
}

/// What became of a run's report after the audit.
#[derive(Debug)]
pub struct SiteRun {
    /// The report (with `regressions` against the previous run, and `partial` when stopped).
    pub report: Report,
    /// The run's folder under the reports dir, or why it could not be saved.
    pub saved: Result<PathBuf, String>,
    /// Warnings about the run history (unavailable, not recorded).
    pub warnings: Vec<String>,
    /// Whether and how the report was emailed.
    pub delivery: Delivery,
}

/// The email side of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// No `[notify]` section, or email turned off.
    Off,
    /// `[notify] when` did not ask for this run.
    NotWanted,
    /// A run cut short by shutdown is saved, not emailed (the next run will be).
    Skipped,
    /// Sent to these recipients.
    Sent(Vec<String>),
    /// Sending failed after retries; the reports are on disk.
    Failed(String),
}

/// Audits `site` and handles its report: compared with the previous run, saved under the
/// reports dir, added to the history, emailed per `[notify]`. Fails only when no browser could
/// be started at all. A partial run (stopped by its budget or a shutdown) is saved in its own
/// folder but does not replace `latest/` nor enter the history, so the next run is compared
/// with the last complete one.
pub async fn run_site(
    site: &Site,
    options: &AuditOptions,
    settings: &RunSettings,
) -> Result<SiteRun, BrowserError> {
    // Emails are read just before the audit; an IMAP mailbox remembers them as audited only
    // once the report is saved (and the run complete), so a crash or a stop never skips mail.
    let mut options = options.clone();
    let mut checkpoints = Vec::new();
    let mut source_errors = Vec::new();
    if let Some(plan) = site.email.as_ref().filter(|p| !p.sources.is_empty()) {
        if options.emails.is_none() {
            let sources: Vec<EmailSource> =
                plan.sources.iter().map(|s| EmailSource::parse(s)).collect();
            let state = settings.reports_dir.join(".state").join("imap");
            let (intake, saved) =
                email::gather(&sources, &options.network, &state, plan.timeout).await;
            for item in &intake {
                if let email::Intake::Failed { source, error } = item {
                    source_errors.push(format!("email source {source}: {error}"));
                }
            }
            options.emails = Some(EmailInput {
                intake,
                plan: plan.clone(),
                network: options.network.clone(),
            });
            checkpoints = saved;
        }
    }
    let discovered;
    let mut found = None;
    let site = if settings.discover {
        let (with_pages, summary, types) = discover_pages(site, &options).await;
        discovered = with_pages;
        found = Some((summary, types));
        &discovered
    } else {
        site
    };
    let mut report = audit::run(site, &options).await?;
    if let Some((summary, types)) = found {
        report.discovery = Some(report::coverage::summarize(&mut report, summary, &types));
    }
    let mut done = handle_report(site, report, settings).await;
    done.warnings.splice(0..0, source_errors);
    if done.saved.is_ok() && done.report.partial.is_none() {
        for checkpoint in checkpoints {
            if let Err(error) = checkpoint.commit() {
                done.warnings.push(format!(
                    "cannot remember which IMAP messages were audited: {error}"
                ));
            }
        }
    }
    Ok(done)
}

/// Finds the store's pages and adds a sample of each type (or all) to the site's own pages,
/// with the site's templates; returns the site, what was found, and each added URL's type.
async fn discover_pages(
    site: &Site,
    options: &AuditOptions,
) -> (Site, DiscoverySummary, BTreeMap<String, String>) {
    let mut summary = DiscoverySummary::default();
    let mut types = BTreeMap::new();
    let mut site = site.clone();
    let client = options
        .network
        .http_client()
        .and_then(|b| b.build().map_err(|e| e.to_string()));
    let client = match client {
        Ok(client) => client,
        Err(error) => {
            summary.notes.push(format!("discovery impossible: {error}"));
            return (site, summary, types);
        }
    };
    let found = discover::discover(&client, &site.base_url, &site.discover).await;
    tracing::info!(pages = found.pages.len(), "pages discovered");
    summary.found = found.by_type.clone();
    summary.sitemaps = found.sitemaps.clone();
    summary.notes = found.notes.clone();
    let own: BTreeSet<String> = site.pages.iter().map(|p| p.url.to_string()).collect();
    for page in discover::sample(&found, site.discover.per_type, site.discover.all) {
        types.insert(page.url.to_string(), page.page_type.clone());
        if own.contains(page.url.as_str()) {
            continue;
        }
        let name = format!("{} {}", page.page_type, page.url.path());
        let plan = site.found_page(name, page.url.clone());
        site.pages.push(plan);
    }
    (site, summary, types)
}

/// Everything after the audit: compare with the previous run, save, history, email.
pub async fn handle_report(site: &Site, mut report: Report, settings: &RunSettings) -> SiteRun {
    let reports_dir = &settings.reports_dir;
    let mut warnings = Vec::new();
    let previous = reports_dir
        .join(archive::safe_dir_name(&report.site))
        .join("latest")
        .join("report.json");
    if let Some(previous) = report::load_previous(&previous) {
        let mut regressions = report::compare_runs(&previous, &report);
        if report.partial.is_some() {
            // Pages the stopped run never reached are not fixed.
            let audited: BTreeSet<String> = report.pages.iter().map(|p| p.label()).collect();
            regressions
                .fixed_findings
                .retain(|f| audited.contains(&f.page));
        }
        report.regressions = Some(regressions);
    }
    match archive::History::open(reports_dir) {
        Ok(history) => report.history = history.vendor_health(&report.site, 20).ok(),
        Err(error) => warnings.push(format!("run history unavailable: {error}")),
    }
    let saved = archive::save_run(reports_dir, &report).map_err(|error| {
        format!(
            "could not save the report under {}: {error}",
            reports_dir.display()
        )
    });
    if report.partial.is_none() {
        if let Err(error) = archive::History::open(reports_dir).and_then(|mut h| h.record(&report))
        {
            warnings.push(format!(
                "the run could not be added to the history: {error}"
            ));
        }
    }
    let delivery = match (&site.notify, settings.email) {
        (Some(plan), true) => deliver_if_wanted(plan, &report).await,
        _ => Delivery::Off,
    };
    SiteRun {
        report,
        saved,
        warnings,
        delivery,
    }
}

async fn deliver_if_wanted(plan: &NotifyPlan, report: &Report) -> Delivery {
    if report.partial.as_ref().map(|p| p.reason) == Some(StopReason::Shutdown) {
        return Delivery::Skipped;
    }
    if !notify::wants(plan, report) {
        return Delivery::NotWanted;
    }
    let sent = match notify::build_message(plan, report) {
        Ok(message) => notify::send(plan, message, notify::Credentials::from_env())
            .await
            .map_err(|e| e.to_string()),
        Err(error) => Err(error),
    };
    match sent {
        Ok(()) => Delivery::Sent(plan.to.clone()),
        Err(error) => Delivery::Failed(error),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn site() -> Site {
        Site::parse(
            Path::new("sites/shop.toml"),
            "base_url = \"https://shop.test/\"\n[discover]\nper_type = 5\nmax_pages = 50\n\
             [[pages]]\npath = \"/\"\n[[pages]]\npath = \"/cart\"\n\
             [[journeys]]\nname = \"buy\"\nsteps = [{ goto = \"/products/a\" }]\n",
        )
        .unwrap()
    }

    #[test]
    fn no_overrides_leave_the_site_as_configured() {
        let mut s = site();
        assert!(!SiteOverrides::default().apply(&mut s));
        assert_eq!(s.pages.len(), 2);
        assert_eq!(s.journeys.len(), 1);
        assert_eq!((s.discover.per_type, s.discover.max_pages), (5, 50));
    }

    #[test]
    fn overrides_move_the_site_pick_pages_and_set_discovery_over_the_config() {
        let mut s = site();
        let overrides = SiteOverrides {
            base_url: Some(Url::parse("https://preview.shop.test/").unwrap()),
            only_urls: vec![Url::parse("https://preview.shop.test/cart").unwrap()],
            discover: Some(DiscoverOverrides {
                all: true,
                per_type: None,
                max_pages: Some(7),
            }),
        };
        assert!(overrides.apply(&mut s));
        assert_eq!(s.base_url.as_str(), "https://preview.shop.test/");
        let urls: Vec<&str> = s.pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["https://preview.shop.test/cart"]);
        assert!(s.journeys.is_empty(), "--url audits only the pages named");
        assert!(s.discover.all);
        assert_eq!((s.discover.per_type, s.discover.max_pages), (5, 7));
    }
}
