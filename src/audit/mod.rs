//! Runs an audit of one site: every page under each of its consent scenarios, then every
//! journey, in one browser session that is reused (and replaced if the browser crashes).

mod consent;
mod journey;
mod page;
mod page_values;
mod report;

use std::time::Duration;

use chrono::Utc;

use crate::browser::{BrowserError, BrowserOptions, Driver, DriverOptions, IdleOptions, Session};
use crate::config::Site;
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
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            driver: DriverOptions::default(),
            browser: BrowserOptions::default(),
            idle: IdleOptions::default(),
            expect_timeout: Duration::from_secs(10),
        }
    }
}

/// The browser session of a run, replaced when the browser crashes.
pub(crate) struct Browser<'a> {
    driver: &'a Driver,
    options: &'a BrowserOptions,
    session: Option<Session>,
}

impl Browser<'_> {
    /// The live session, opening a new one if the last one was lost.
    pub(crate) async fn session(&mut self) -> Result<&Session, BrowserError> {
        if self.session.is_none() {
            self.session = Some(Session::open(self.driver, self.options).await?);
        }
        Ok(self.session.as_ref().expect("just opened"))
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
    };
    let mut pages: Vec<PageReport> = Vec::new();
    for plan in &site.pages {
        for &scenario in &plan.scenarios {
            tracing::info!(page = %plan.name, scenario = scenario.as_str(), "auditing page");
            pages.push(page::run(&mut browser, site, plan, scenario, options).await);
        }
    }
    for journey in &site.journeys {
        for &scenario in &journey.scenarios {
            tracing::info!(journey = %journey.name, scenario = scenario.as_str(), "running journey");
            pages.extend(journey::run(&mut browser, site, journey, scenario, options).await);
        }
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
    };
    report.summarize();
    Ok(report)
}
