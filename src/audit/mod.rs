//! Runs an audit of one site: every page under each of its consent scenarios, then every
//! journey, in one browser session that is reused (and replaced if the browser crashes).

mod action;
mod adblock;
mod consent;
mod page_values;
mod report;
mod run;
mod shape;
mod step;
mod step_failed;
mod stop;

pub use stop::Stop;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::adblock::Blocker;
use crate::email::EmailInput;
use crate::net::Network;
use pixelaudit_browser::{
    BlockDecision, BrowserError, BrowserOptions, Driver, DriverOptions, IdleOptions, Session,
};
use pixelaudit_core::config::Site;
use pixelaudit_core::model::Severity;
use pixelaudit_core::report::{PageReport, Partial, Report, StopReason, REPORT_VERSION};

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
    /// Stops the audit early (time budget, shutdown); never fires unless someone fires it.
    pub stop: Stop,
    /// Browser sessions audited in parallel (at least 1).
    pub sessions: usize,
    /// A session is closed and replaced after this many page or journey runs (memory growth).
    pub recycle_after: usize,
    /// Told after each page or journey run: (done, total, label).
    pub progress: Option<Progress>,
}

/// Called with (runs done, runs planned, what just finished).
pub type ProgressFn = dyn Fn(usize, usize, &str) + Send + Sync;

/// A progress callback.
#[derive(Clone)]
pub struct Progress(pub Arc<ProgressFn>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// The default number of parallel sessions: one per core, at most 4 (each Chromium takes a
/// few hundred MB; see the audit_speed benchmark for the measured gain).
pub fn default_sessions() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
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
            stop: Stop::default(),
            sessions: 1,
            recycle_after: 200,
            progress: None,
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
    /// Runs since the session was opened.
    runs: usize,
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

    /// The session, if one is open (none after a loss, until `session` opens the next).
    pub(crate) fn live(&self) -> Option<&Session> {
        self.session.as_ref()
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

    /// Counts a run; after `limit` runs the session is closed, and the next run opens a fresh
    /// one (a long audit does not keep one Chromium growing for hours).
    async fn finished_run(&mut self, limit: usize) {
        self.runs += 1;
        if self.runs >= limit.max(1) {
            if let Some(session) = self.session.take() {
                tracing::debug!(runs = self.runs, "recycling the browser session");
                let _ = tokio::time::timeout(CLOSE_TIMEOUT, session.close()).await;
            }
            self.runs = 0;
        }
    }

    /// Closes the session, if any.
    async fn close(&mut self) {
        if let Some(session) = self.session.take() {
            // A browser stuck in a page that was abandoned may not answer: the driver's stop
            // ends it either way.
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, session.close()).await;
        }
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
    let mut first = Some(first);
    let mut browsers: Vec<Browser> = (0..options.sessions.max(1))
        .map(|_| Browser {
            driver: &driver,
            options: &options.browser,
            session: first.take(),
            blocking: None,
            runs: 0,
        })
        .collect();
    // Emails first: their landing pages join the pages (and the blocked run, if any).
    let mut emails = Vec::new();
    let mut with_landing;
    let mut site = site;
    if let Some(input) = &options.emails {
        let session = match browsers[0].session().await {
            Ok(session) => Some(session),
            Err(error) => {
                tracing::error!("no browser session to render emails in: {error}");
                None
            }
        };
        let (reports, landing) = tokio::select! {
            _ = options.stop.stopped() => (Vec::new(), Vec::new()),
            audited = crate::email::audit(session, input, options.idle) => audited,
        };
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
    let mut pass = audit_all(&mut browsers, site, options).await;
    let mut adblock_summary = None;
    if let Some(adblock) = &options.adblock {
        // The blocked pass runs only after a complete normal pass; cut short, it would count
        // every page it missed as lost, so a stopped run keeps the rule matches only.
        let mut blocked = None;
        if adblock.blocked_run && pass.complete {
            tracing::info!("auditing again with the simulated ad blocker on");
            let blocker = Arc::clone(&adblock.blocker);
            let decision: Arc<BlockDecision> =
                Arc::new(move |url: &str, kind: &str, page: &str| {
                    blocker.check(url, page, kind).is_some()
                });
            blocked = Some(Vec::new());
            let mut ready = true;
            for browser in &mut browsers {
                ready &= browser
                    .set_blocking(Some(Arc::clone(&decision)))
                    .await
                    .is_ok();
            }
            if ready {
                let blocked_pass = audit_all(&mut browsers, site, options).await;
                blocked = Some(blocked_pass.pages).filter(|_| blocked_pass.complete);
            }
            for browser in &mut browsers {
                let _ = browser.set_blocking(None).await;
            }
        }
        adblock_summary = Some(adblock::compare(
            &mut pass.pages,
            blocked.as_deref(),
            adblock,
        ));
    }
    futures_util::future::join_all(browsers.iter_mut().map(Browser::close)).await;
    drop(browsers);
    driver.stop().await;
    let partial = options.stop.reason().map(|reason| Partial {
        reason,
        message: pass.coverage(
            reason,
            options.adblock.as_ref().is_some_and(|a| a.blocked_run),
        ),
    });
    let mut report = Report {
        version: REPORT_VERSION,
        tool: format!("pixelaudit {}", env!("CARGO_PKG_VERSION")),
        site: site.name.clone(),
        started_at,
        finished_at: Utc::now(),
        summary: Default::default(),
        pages: pass.pages,
        adblock: adblock_summary,
        discovery: None,
        emails,
        regressions: None,
        partial,
        history: None,
    };
    report.summarize();
    Ok(report)
}

/// How long closing a session may take before the driver is stopped regardless.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// One pass over a site's pages and journeys.
struct Pass {
    pages: Vec<PageReport>,
    /// Page runs (page × scenario) done, and planned.
    page_runs: (usize, usize),
    /// Journey runs (journey × scenario) done, and planned.
    journey_runs: (usize, usize),
    /// False when the stop signal cut the pass short.
    complete: bool,
}

impl Pass {
    /// What a stopped run covered, in words.
    fn coverage(&self, reason: StopReason, blocked_run: bool) -> String {
        let why = match reason {
            StopReason::TimeBudget => "the run reached its time budget",
            StopReason::Shutdown => "the scheduler shut down during the run",
        };
        let mut message = format!(
            "{why}: {} of {} page run(s) and {} of {} journey run(s) were audited",
            self.page_runs.0, self.page_runs.1, self.journey_runs.0, self.journey_runs.1
        );
        if blocked_run {
            message.push_str("; the ad-block blocked run did not complete");
        }
        message
    }
}

/// Every page under each of its scenarios, then every journey, until the stop signal fires
/// (the page or journey in progress then is abandoned).
async fn audit_all(browsers: &mut [Browser<'_>], site: &Site, options: &AuditOptions) -> Pass {
    let stop = &options.stop;
    let mut tasks = Vec::new();
    for plan in &site.pages {
        for &scenario in &plan.scenarios {
            tasks.push(Task::Page(plan, scenario));
        }
    }
    for journey in &site.journeys {
        for &scenario in &journey.scenarios {
            tasks.push(Task::Journey(journey, scenario));
        }
    }
    let total = tasks.len();
    // Each session takes the next run from the list; results land in list order, so a
    // report is the same whatever the number of sessions.
    let shared = Shared {
        next: std::sync::atomic::AtomicUsize::new(0),
        done: std::sync::atomic::AtomicUsize::new(0),
        results: std::sync::Mutex::new(vec![None; total]),
    };
    futures_util::future::join_all(
        browsers
            .iter_mut()
            .map(|browser| work(browser, &tasks, &shared, site, options)),
    )
    .await;
    let results = shared.results;
    let mut pass = Pass {
        pages: Vec::new(),
        page_runs: (
            0,
            tasks.iter().filter(|t| matches!(t, Task::Page(..))).count(),
        ),
        journey_runs: (
            0,
            tasks
                .iter()
                .filter(|t| matches!(t, Task::Journey(..)))
                .count(),
        ),
        complete: false,
    };
    // A stopped pass keeps the runs finished before the first unfinished one (in order).
    let results = results.into_inner().expect("results lock");
    for (task, result) in tasks.iter().zip(results) {
        let Some(pages) = result else { break };
        match task {
            Task::Page(..) => pass.page_runs.0 += 1,
            Task::Journey(..) => pass.journey_runs.0 += 1,
        }
        pass.pages.extend(pages);
    }
    pass.complete = !stop.is_stopped();
    pass
}

/// What the sessions of a pass share: the next run to take, runs done, results by run.
struct Shared {
    next: std::sync::atomic::AtomicUsize,
    done: std::sync::atomic::AtomicUsize,
    results: std::sync::Mutex<Vec<Option<Vec<PageReport>>>>,
}

/// One session's loop: take the next run, audit it, store its pages, until none are left or
/// the audit is stopped.
async fn work(
    browser: &mut Browser<'_>,
    tasks: &[Task<'_>],
    shared: &Shared,
    site: &Site,
    options: &AuditOptions,
) {
    use std::sync::atomic::Ordering;
    loop {
        let index = shared.next.fetch_add(1, Ordering::SeqCst);
        let Some(task) = tasks.get(index) else { return };
        let label = task.label();
        tracing::info!(run = %label, "auditing");
        let pages = tokio::select! {
            biased;
            _ = options.stop.stopped() => return,
            pages = task.run(browser, site, options) => pages,
        };
        shared.results.lock().expect("results lock")[index] = Some(pages);
        let finished = shared.done.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(progress) = &options.progress {
            (progress.0)(finished, tasks.len(), &label);
        }
        browser.finished_run(options.recycle_after).await;
    }
}

/// One unit of work for a session: a page under a scenario, or a journey under a scenario.
enum Task<'a> {
    Page(
        &'a pixelaudit_core::config::PagePlan,
        pixelaudit_core::model::Scenario,
    ),
    Journey(
        &'a pixelaudit_core::config::JourneyPlan,
        pixelaudit_core::model::Scenario,
    ),
}

impl Task<'_> {
    fn label(&self) -> String {
        match self {
            Task::Page(plan, scenario) => format!("{} [{}]", plan.name, scenario.as_str()),
            Task::Journey(journey, scenario) => {
                format!("{} [{}]", journey.name, scenario.as_str())
            }
        }
    }

    async fn run(
        &self,
        browser: &mut Browser<'_>,
        site: &Site,
        options: &AuditOptions,
    ) -> Vec<PageReport> {
        let (run, scenario) = match self {
            Task::Page(plan, scenario) => (shape::Run::page(plan), *scenario),
            Task::Journey(journey, scenario) => (shape::Run::journey(journey), *scenario),
        };
        run::run(browser, site, &run, scenario, options).await
    }
}
