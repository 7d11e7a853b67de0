//! The scheduler's loop: read the site configs, start each site's runs at their times (never
//! two of one site at once, at most `--max-sessions` browsers), pick up config changes every
//! second and on SIGHUP, and on SIGTERM / SIGINT stop cleanly.
//!
//! A config that becomes invalid is reported (logged with file:line:col, emailed to the site's
//! last known `[notify]` recipients) and its last valid version keeps running until the file
//! is fixed; a config that was never valid is not scheduled until it is.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::Semaphore;
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::configs::discover;
use super::plan::next_after;
use super::run::{self as scheduled, RunContext, RunRequest, WIND_DOWN};
use super::state::{DaemonInfo, DaemonLock, Outcome, RunRecord, SiteState, State, Trigger};
use crate::audit::Stop;
use crate::notify;
use crate::run::RunSettings;
use pixelaudit_core::config::{ConfigError, Site};
use pixelaudit_core::report::StopReason;

/// How often config files are read again.
const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// What `pixelaudit schedule` was asked to do.
#[derive(Debug, Clone)]
pub struct ScheduleOptions {
    /// Site config files and folders.
    pub paths: Vec<PathBuf>,
    /// How runs run (browser, reports dir, email).
    pub settings: RunSettings,
    /// Browser sessions at once, over all sites.
    pub max_sessions: usize,
    /// How long running runs may go on after SIGTERM / SIGINT before they are stopped.
    pub grace: Duration,
}

/// Runs the scheduler until SIGTERM or SIGINT. Fails only when it cannot start: no config
/// path exists, the reports dir cannot be written, another scheduler holds it.
pub async fn run(options: ScheduleOptions) -> Result<(), String> {
    let reports_dir = options.settings.reports_dir.clone();
    let _lock = DaemonLock::acquire(&reports_dir)?;
    let previous = State::load(&reports_dir).unwrap_or_else(|error| {
        tracing::warn!(
            "{} is unreadable ({error}); starting with an empty state",
            State::path(&reports_dir).display()
        );
        State::default()
    });
    let mut signals = Signals::new().map_err(|e| format!("cannot handle signals: {e}"))?;
    let mut settings = options.settings.clone();
    settings.process_group = true;
    let context = Arc::new(RunContext {
        settings,
        sessions: Arc::new(Semaphore::new(options.max_sessions.max(1))),
        closing: CancellationToken::new(),
    });
    let mut daemon = Daemon {
        paths: options.paths.clone(),
        reports_dir,
        context,
        entries: BTreeMap::new(),
        previous,
        problems: Vec::new(),
        runs: JoinSet::new(),
        tasks: HashMap::new(),
        mails: JoinSet::new(),
        info: DaemonInfo {
            pid: std::process::id(),
            started_at: Utc::now(),
            updated_at: Utc::now(),
            stopping: false,
            stopped_at: None,
        },
    };
    daemon.reload(false, true);
    if daemon.entries.is_empty() && !daemon.problems.is_empty() {
        return Err(daemon.problems.join("; "));
    }
    let scheduled = daemon.entries.values().filter(|e| e.site.is_some()).count();
    tracing::info!(
        pid = daemon.info.pid,
        sites = scheduled,
        max_sessions = options.max_sessions,
        "scheduler started"
    );
    if scheduled == 0 {
        tracing::warn!("no valid site config with a [schedule] section yet; waiting for one");
    }
    daemon.save();
    let mut next_reload = Instant::now() + RELOAD_EVERY;
    loop {
        daemon.start_due(Utc::now());
        daemon.save();
        let wake = daemon.next_wake().min(next_reload);
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            Some(done) = daemon.runs.join_next_with_id(), if !daemon.runs.is_empty() => {
                daemon.finished(done);
            }
            Some(_) = daemon.mails.join_next(), if !daemon.mails.is_empty() => {}
            _ = signals.hangup.recv() => {
                tracing::info!("SIGHUP: reading every site config again");
                daemon.reload(true, false);
            }
            _ = signals.terminate.recv() => {
                tracing::info!("SIGTERM received");
                break;
            }
            _ = signals.interrupt.recv() => {
                tracing::info!("SIGINT received");
                break;
            }
        }
        if Instant::now() >= next_reload {
            daemon.reload(false, false);
            next_reload = Instant::now() + RELOAD_EVERY;
        }
    }
    daemon.shutdown(options.grace, &mut signals).await;
    Ok(())
}

struct Signals {
    hangup: Signal,
    terminate: Signal,
    interrupt: Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            hangup: signal(SignalKind::hangup())?,
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }
}

/// One watched config file.
#[derive(Default)]
struct Entry {
    /// The text last read, to notice changes.
    text: Option<String>,
    /// The last valid version, when it has a `[schedule]`.
    site: Option<Arc<Site>>,
    /// The current error, while the file is invalid.
    error: Option<String>,
    /// The next run time, and why it runs.
    next_run: Option<(DateTime<Utc>, Trigger)>,
    /// The run in progress.
    running: Option<Running>,
    /// The last finished run.
    last_run: Option<RunRecord>,
    runs: u64,
    skipped: u64,
    /// The file is gone; the entry goes once its run is over.
    removed: bool,
}

struct Running {
    stop: Stop,
    since: DateTime<Utc>,
}

struct Daemon {
    paths: Vec<PathBuf>,
    reports_dir: PathBuf,
    context: Arc<RunContext>,
    entries: BTreeMap<PathBuf, Entry>,
    /// The state file as the previous scheduler left it (for catch-up and run counts).
    previous: State,
    /// Config paths that could not be read, as last reported.
    problems: Vec<String>,
    runs: JoinSet<Option<RunRecord>>,
    /// Which config each run task is for.
    tasks: HashMap<Id, PathBuf>,
    /// Config error notices being emailed.
    mails: JoinSet<()>,
    info: DaemonInfo,
}

fn key(path: &Path) -> String {
    path.display().to_string()
}

impl Daemon {
    /// Reads the configs again: new, changed (every one when `force`) and removed files.
    /// `starting`: the first read, which catches up runs missed while the scheduler was down.
    fn reload(&mut self, force: bool, starting: bool) {
        let (files, problems) = discover(&self.paths);
        if problems != self.problems {
            for problem in &problems {
                tracing::error!("{problem}");
            }
            self.problems = problems;
        }
        for (path, entry) in self.entries.iter_mut() {
            if !entry.removed && !files.contains(path) {
                tracing::info!(config = %path.display(), "config removed: no longer scheduled");
                entry.removed = true;
                entry.site = None;
                entry.next_run = None;
                entry.error = None;
                entry.text = None;
            }
        }
        self.entries
            .retain(|_, e| !(e.removed && e.running.is_none()));
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // gone since it was listed, or unreadable for now: next time
            };
            let entry = self.entries.entry(path.clone()).or_default();
            entry.removed = false;
            if !force && entry.text.as_deref() == Some(text.as_str()) {
                continue;
            }
            entry.text = Some(text.clone());
            match Site::parse(&path, &text) {
                Ok(site) => match self.name_taken(&path, &site.name) {
                    Some(other) => {
                        let message = format!(
                            "site name `{}` is already used by {}; their reports would mix, so give one of them another `name`",
                            site.name,
                            other.display()
                        );
                        let full =
                            format!("invalid site config: {message}\n --> {}", path.display());
                        self.reject(&path, full, format!("{}: {message}", path.display()));
                    }
                    None => self.accept(&path, site, starting),
                },
                Err(error) => self.reject(&path, error.to_string(), one_line(&error)),
            }
        }
    }

    /// Another scheduled config with the same site name.
    fn name_taken(&self, path: &Path, name: &str) -> Option<PathBuf> {
        self.entries
            .iter()
            .find(|(other, e)| {
                other.as_path() != path && e.site.as_ref().is_some_and(|s| s.name == name)
            })
            .map(|(other, _)| other.clone())
    }

    fn accept(&mut self, path: &Path, site: Site, starting: bool) {
        let now = Utc::now();
        let previous = self.previous.sites.get(&key(path)).cloned();
        let entry = self.entries.get_mut(path).expect("entry exists");
        if entry.error.take().is_some() {
            tracing::info!(config = %path.display(), site = %site.name, "config fixed");
        }
        let Some(plan) = site.schedule.clone() else {
            if entry.site.take().is_some() || starting {
                tracing::info!(config = %path.display(), "no [schedule] section: not scheduled");
            }
            entry.next_run = None;
            return;
        };
        let retime = entry
            .site
            .as_ref()
            .and_then(|s| s.schedule.as_ref())
            .is_none_or(|old| !old.same_times(&plan));
        let name = site.name.clone();
        entry.site = Some(Arc::new(site));
        if !retime {
            tracing::info!(config = %path.display(), site = %name, "config reloaded");
            return;
        }
        let next = next_after(&plan, now);
        entry.next_run = next.map(|t| (t, Trigger::Schedule));
        if starting {
            if let Some(previous) = previous {
                entry.last_run = previous.last_run;
                entry.runs = previous.runs;
                entry.skipped = previous.skipped;
                if let Some(since) = previous.running_since {
                    entry.last_run = Some(RunRecord {
                        scheduled_for: since,
                        trigger: Trigger::Schedule,
                        started_at: since,
                        finished_at: self.previous.daemon.as_ref().map_or(since, |d| d.updated_at),
                        outcome: Outcome::Interrupted,
                        message: "the scheduler ended during this run without stopping cleanly (killed or crashed); its report may be missing".into(),
                        errors: None,
                        warnings: None,
                        report: None,
                    });
                }
                if let Some(missed) = previous.next_run.filter(|t| *t <= now) {
                    if plan.catch_up {
                        tracing::info!(site = %name, missed = %missed.to_rfc3339(), "a run came due while the scheduler was down: catching up once now");
                        entry.next_run = Some((now, Trigger::CatchUp));
                    } else {
                        tracing::info!(site = %name, missed = %missed.to_rfc3339(), "a run came due while the scheduler was down; not caught up (catch_up = false)");
                    }
                }
            }
        }
        tracing::info!(
            config = %path.display(),
            site = %name,
            cron = %plan.sources().join(" | "),
            timezone = %plan.timezone.name(),
            next_run = %entry.next_run.map_or("never".to_string(), |(t, _)| t.to_rfc3339()),
            "scheduled"
        );
    }

    /// An invalid config: `text` in full (rustc-style, for the state file and email), `line`
    /// in one log line.
    fn reject(&mut self, path: &Path, text: String, line: String) {
        let entry = self.entries.get_mut(path).expect("entry exists");
        if entry.error.as_deref() == Some(text.as_str()) {
            return;
        }
        entry.error = Some(text.clone());
        match &entry.site {
            Some(site) => {
                tracing::error!(
                    site = %site.name,
                    "invalid site config: {line}; its last valid version keeps running until the file is fixed"
                );
                if let (Some(plan), true) = (&site.notify, self.context.settings.email) {
                    let subject = format!(
                        "pixelaudit {}: invalid site config {}",
                        site.name,
                        path.display()
                    );
                    let body = format!(
                        "{text}\n\nThe scheduler keeps running the last valid version of this config until the file is fixed.\n"
                    );
                    let plan = plan.clone();
                    self.mails.spawn(async move {
                        let sent = match notify::build_notice(&plan, &subject, &body) {
                            Ok(message) => {
                                notify::send(&plan, message, notify::Credentials::from_env())
                                    .await
                                    .map_err(|e| e.to_string())
                            }
                            Err(error) => Err(error),
                        };
                        match sent {
                            Ok(()) => {
                                tracing::info!(to = %plan.to.join(", "), "config error emailed")
                            }
                            Err(error) => {
                                tracing::warn!("the config error could not be emailed: {error}")
                            }
                        }
                    });
                }
            }
            None => tracing::error!(
                "invalid site config: {line}; not scheduled until the file is fixed"
            ),
        }
    }

    /// Starts every run that is due; a site still running skips its time.
    fn start_due(&mut self, now: DateTime<Utc>) {
        for (path, entry) in self.entries.iter_mut() {
            let (Some(site), Some((due, trigger))) = (&entry.site, entry.next_run) else {
                continue;
            };
            if due > now {
                continue;
            }
            let plan = site.schedule.as_ref().expect("scheduled sites have a plan");
            entry.next_run = next_after(plan, now.max(due)).map(|t| (t, Trigger::Schedule));
            if entry.running.is_some() {
                entry.skipped += 1;
                tracing::warn!(
                    site = %site.name,
                    scheduled_for = %due.to_rfc3339(),
                    "run time skipped: the previous run of this site is still going"
                );
                continue;
            }
            let stop = Stop::new();
            let request = RunRequest {
                config: path.clone(),
                site: Arc::clone(site),
                scheduled_for: due,
                trigger,
            };
            let task = scheduled::run(request, Arc::clone(&self.context), stop.clone());
            let id = self.runs.spawn(task).id();
            self.tasks.insert(id, path.clone());
            entry.running = Some(Running { stop, since: now });
        }
    }

    /// A run task ended.
    fn finished(&mut self, done: Result<(Id, Option<RunRecord>), JoinError>) {
        let (id, record) = match done {
            Ok((id, record)) => (id, record),
            Err(error) => {
                let record = |entry: &Entry| RunRecord {
                    scheduled_for: entry.running.as_ref().map_or_else(Utc::now, |r| r.since),
                    trigger: Trigger::Schedule,
                    started_at: entry.running.as_ref().map_or_else(Utc::now, |r| r.since),
                    finished_at: Utc::now(),
                    outcome: Outcome::Failed,
                    message: if error.is_cancelled() {
                        format!(
                            "abandoned: the audit did not stop within {} s of being told to",
                            WIND_DOWN.as_secs()
                        )
                    } else {
                        format!("the run failed unexpectedly: {error}")
                    },
                    errors: None,
                    warnings: None,
                    report: None,
                };
                let id = error.id();
                let built = self
                    .tasks
                    .get(&id)
                    .and_then(|path| self.entries.get(path))
                    .map(record);
                if let Some(built) = &built {
                    tracing::error!(outcome = "failed", "{}", built.message);
                }
                (id, built)
            }
        };
        let Some(path) = self.tasks.remove(&id) else {
            return;
        };
        let Some(entry) = self.entries.get_mut(&path) else {
            return;
        };
        entry.running = None;
        if let Some(record) = record {
            entry.last_run = Some(record);
            entry.runs += 1;
        }
        if entry.removed {
            self.entries.remove(&path);
        }
    }

    /// When the loop must wake next: the earliest run time (a second from now at the latest).
    fn next_wake(&self) -> Instant {
        let now = Utc::now();
        let soonest = self
            .entries
            .values()
            .filter_map(|e| e.next_run.map(|(t, _)| t))
            .min();
        let wait = soonest
            .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(RELOAD_EVERY)
            .min(RELOAD_EVERY);
        Instant::now() + wait
    }

    /// Writes the state file.
    fn save(&mut self) {
        self.info.updated_at = Utc::now();
        let mut state = State {
            version: super::state::STATE_VERSION,
            daemon: Some(self.info.clone()),
            sites: BTreeMap::new(),
        };
        for (path, entry) in &self.entries {
            if entry.removed {
                continue;
            }
            let (site, cron, timezone) = match &entry.site {
                Some(site) => {
                    let plan = site.schedule.as_ref().expect("scheduled");
                    (
                        site.name.clone(),
                        plan.sources(),
                        plan.timezone.name().to_string(),
                    )
                }
                None if entry.error.is_some() => (
                    path.file_stem()
                        .map_or(String::new(), |s| s.to_string_lossy().into_owned()),
                    Vec::new(),
                    String::new(),
                ),
                None => continue, // no [schedule]: not the scheduler's business
            };
            state.sites.insert(
                key(path),
                SiteState {
                    site,
                    cron,
                    timezone,
                    next_run: entry.next_run.map(|(t, _)| t),
                    running_since: entry.running.as_ref().map(|r| r.since),
                    config_error: entry.error.clone(),
                    last_run: entry.last_run.clone(),
                    runs: entry.runs,
                    skipped: entry.skipped,
                },
            );
        }
        if let Err(error) = state.save(&self.reports_dir) {
            tracing::warn!(
                "cannot write {}: {error}",
                State::path(&self.reports_dir).display()
            );
        }
    }

    /// SIGTERM / SIGINT: no new runs; running ones get `grace` to finish, then are stopped
    /// (their partial reports saved); a second signal stops them at once.
    async fn shutdown(&mut self, grace: Duration, signals: &mut Signals) {
        self.info.stopping = true;
        self.context.closing.cancel();
        let running = self
            .entries
            .values()
            .filter(|e| e.running.is_some())
            .count();
        tracing::info!(
            running,
            grace_secs = grace.as_secs(),
            "stopping: no new runs; running ones may finish within the grace period"
        );
        // The next run times stay in the state file: a run that comes due before the next
        // start is what `catch_up` makes up.
        self.save();
        let grace_end = Instant::now() + grace;
        let mut stopped = false;
        let mut abandon_at: Option<Instant> = None;
        while !self.runs.is_empty() {
            let abandon = abandon_at.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                Some(done) = self.runs.join_next_with_id() => {
                    self.finished(done);
                    self.save();
                }
                _ = tokio::time::sleep_until(grace_end), if !stopped => {
                    stopped = true;
                    abandon_at = Some(self.stop_runs("the grace period is over"));
                }
                _ = signals.terminate.recv(), if !stopped => {
                    stopped = true;
                    abandon_at = Some(self.stop_runs("second signal"));
                }
                _ = signals.interrupt.recv(), if !stopped => {
                    stopped = true;
                    abandon_at = Some(self.stop_runs("second signal"));
                }
                _ = tokio::time::sleep_until(abandon), if abandon_at.is_some() => {
                    tracing::error!("runs did not stop in time: abandoning them (their browsers are killed)");
                    self.runs.abort_all();
                    abandon_at = None;
                }
            }
        }
        self.mails.abort_all();
        self.info.stopped_at = Some(Utc::now());
        self.save();
        tracing::info!("scheduler stopped");
    }

    /// Tells every running run to stop; returns when to give up on them.
    fn stop_runs(&self, why: &str) -> Instant {
        let running: Vec<&Entry> = self
            .entries
            .values()
            .filter(|e| e.running.is_some())
            .collect();
        if !running.is_empty() {
            tracing::info!(
                runs = running.len(),
                "{why}: stopping the running runs; what they gathered is saved as partial reports"
            );
        }
        for entry in running {
            if let Some(run) = &entry.running {
                run.stop.stop(StopReason::Shutdown);
            }
        }
        Instant::now() + WIND_DOWN + Duration::from_secs(5)
    }
}

/// A config error on one line: `path:line:col: message`.
fn one_line(error: &ConfigError) -> String {
    match (error.line, error.column) {
        (Some(line), Some(column)) => format!(
            "{}:{line}:{column}: {}",
            error.path.display(),
            error.message
        ),
        _ => format!("{}: {}", error.path.display(), error.message),
    }
}
