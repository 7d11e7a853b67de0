//! Runs an audit of one site: every page under each of its consent scenarios, then every
//! journey, in one browser session that is reused (and replaced if the browser crashes).

mod adblock;
mod consent;
mod journey;
mod page;
mod page_values;
mod report;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::adblock::Blocker;
use crate::browser::{
    BlockDecision, BrowserError, BrowserOptions, Driver, DriverOptions, IdleOptions, Session,
};
use crate::checks::Severity;
use crate::config::Site;
use crate::email::EmailInput;
use crate::net::Network;
use crate::report::{PageReport, Report, REPORT_VERSION};

/// How to audit.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Which driver and browser.
    pub driver: DriverOptions,
    /// Session options (Chromium flags, timeouts).
    pub browser: BrowserOptions,
    /// When a page counts as settled.
    pub idle: IdleOptions,
    /// How long to keep waiting for expected hits that have not arrived.
    pub expect_timeout: Duration,
    /// Ad-block analysis, when the site asks for it.
    pub adblock: Option<AdblockOptions>,
    /// Test emails to audit (with `[email]` or `pixelaudit email`).
    pub emails: Option<EmailInput>,
    /// Host overrides and trust (already in the browser flags; kept for HTTP clients).
    pub network: Network,
}

/// How to measure what ad blockers remove.
#[derive(Debug, Clone)]
pub struct AdblockOptions {
    /// The compiled filter lists.
    pub blocker: Arc<Blocker>,
    /// Audit everything again with the blocker on, and compare.
    pub blocked_run: bool,
    /// Severity of `adblock_blocked` findings.
    pub severity: Severity,
}

impl AuditOptions {
    /// The filter lists, when ad-block analysis is on.
    pub(crate) fn blocker(&self) -> Option<&Blocker> {
        self.adblock.as_ref().map(|a| a.blocker.as_ref())
    }
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            driver: DriverOptions::default(),
            browser: BrowserOptions::default(),
            idle: IdleOptions::default(),
            expect_timeout: Duration::from_secs(10),
            adblock: None,
            emails: None,
            network: Network::default(),
        }
    }
}

/// The browser session of a run, replaced when the browser crashes.
pub(crate) struct Browser<'a> {
    driver: &'a Driver,
    options: &'a BrowserOptions,
    session: Option<Session>,
    /// The simulated blocker, re-applied to a replacement session.
    blocking: Option<Arc<BlockDecision>>,
}

impl Browser<'_> {
    /// The live session, opening a new one if the last one was lost.
    pub(crate) async fn session(&mut self) -> Result<&Session, BrowserError> {
        if self.session.is_none() {
            let session = Session::open(self.driver, self.options).await?;
            if self.blocking.is_some() {
                session.set_blocking(self.blocking.clone()).await?;
            }
            self.session = Some(session);
        }
        Ok(self.session.as_ref().expect("just opened"))
    }

    /// Turns the simulated ad blocker on or off for this and later sessions.
    pub(crate) async fn set_blocking(
        &mut self,
        decision: Option<Arc<BlockDecision>>,
    ) -> Result<(), BrowserError> {
        self.blocking = decision.clone();
        if let Some(session) = &self.session {
            session.set_blocking(decision).await?;
        }
        Ok(())
    }

    /// Drops a session whose browser is gone.
    pub(crate) async fn lost(&mut self) {
        tracing::warn!("browser session lost; a new one will be opened");
        if let Some(dead) = self.session.take() {
            dead.close().await;
        }
    }
}

/// Audits every page and journey of `site`. Fails only when no browser can be started at all;
/// a page that fails, a step that fails, or a browser that crashes mid-run become findings.
pub async fn run(site: &Site, options: &AuditOptions) -> Result<Report, BrowserError> {
    let started_at = Utc::now();
    let driver = Driver::start(&options.driver).await?;
    let first = match Session::open(&driver, &options.browser).await {
        Ok(session) => session,
        Err(error) => {
            driver.stop().await;
            return Err(error);
        }
    };
    let mut browser = Browser {
        driver: &driver,
        options: &options.browser,
        session: Some(first),
        blocking: None,
    };
    // Emails first: their landing pages join the pages (and the blocked run, if any).
    let mut emails = Vec::new();
    let mut with_landing;
    let mut site = site;
    if let Some(input) = &options.emails {
        let session = match browser.session().await {
            Ok(session) => Some(session),
            Err(error) => {
                tracing::error!("no browser session to render emails in: {error}");
                None
            }
        };
        let (reports, landing) = crate::email::audit(session, input, options.idle).await;
        emails = reports;
        if input.plan.audit_landing_pages && !landing.is_empty() {
            with_landing = site.clone();
            for url in landing {
                let name = format!("email landing {}", url.path());
                with_landing.pages.push(site.found_page(name, url));
            }
            site = &with_landing;
        }
    }
    let mut pages = audit_all(&mut browser, site, options).await;
    let mut adblock_summary = None;
    if let Some(adblock) = &options.adblock {
        let mut blocked = Vec::new();
        if adblock.blocked_run {
            tracing::info!("auditing again with the simulated ad blocker on");
            let blocker = Arc::clone(&adblock.blocker);
            let decision: Arc<BlockDecision> =
                Arc::new(move |url: &str, kind: &str, page: &str| {
                    blocker.check(url, page, kind).is_some()
                });
            if browser.set_blocking(Some(decision)).await.is_ok() {
                blocked = audit_all(&mut browser, site, options).await;
            }
            let _ = browser.set_blocking(None).await;
        }
        let blocked = adblock.blocked_run.then_some(blocked.as_slice());
        adblock_summary = Some(adblock::compare(&mut pages, blocked, adblock));
    }
    if let Some(session) = browser.session.take() {
        session.close().await;
    }
    driver.stop().await;
    let mut report = Report {
        version: REPORT_VERSION,
        tool: format!("pixelaudit {}", env!("CARGO_PKG_VERSION")),
        site: site.name.clone(),
        started_at,
        finished_at: Utc::now(),
        summary: Default::default(),
        pages,
        adblock: adblock_summary,
        emails,
        regressions: None,
        history: None,
    };
    report.summarize();
    Ok(report)
}

/// Every page under each of its scenarios, then every journey.
async fn audit_all(
    browser: &mut Browser<'_>,
    site: &Site,
    options: &AuditOptions,
) -> Vec<PageReport> {
    let mut pages = Vec::new();
    for plan in &site.pages {
        for &scenario in &plan.scenarios {
            tracing::info!(page = %plan.name, scenario = scenario.as_str(), "auditing page");
            pages.push(page::run(browser, site, plan, scenario, options).await);
        }
    }
    for journey in &site.journeys {
        for &scenario in &journey.scenarios {
            tracing::info!(journey = %journey.name, scenario = scenario.as_str(), "running journey");
            pages.extend(journey::run(browser, site, journey, scenario, options).await);
        }
    }
    pages
}
