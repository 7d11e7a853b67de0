//! The scheduler's state file, `<reports-dir>/schedule.json`: per site config, its schedule,
//! next run, the run in progress, the last run and its outcome, and the current config error.
//! The daemon rewrites it atomically (temporary file + rename) on every change; `--status`
//! reads it, and the next start-up reads it to catch up a run missed while the daemon was down.
//! `<reports-dir>/schedule.lock` (an advisory lock held while the daemon runs) keeps two
//! daemons off one reports folder and tells `--status` whether one is running.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The state file's schema version.
pub const STATE_VERSION: u32 = 1;

/// The state file's name under the reports dir.
pub const STATE_FILE: &str = "schedule.json";

/// The lock file's name under the reports dir.
pub const LOCK_FILE: &str = "schedule.lock";

/// Everything the daemon knows, as saved.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// The daemon that writes (or last wrote) the file.
    pub daemon: Option<DaemonInfo>,
    /// Per site config path (as given or found).
    pub sites: BTreeMap<String, SiteState>,
}

/// The daemon process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DaemonInfo {
    /// Its process id.
    pub pid: u32,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it wrote the file last.
    pub updated_at: DateTime<Utc>,
    /// Set once it stopped accepting new runs (SIGTERM / SIGINT).
    pub stopping: bool,
    /// When it exited cleanly.
    pub stopped_at: Option<DateTime<Utc>>,
}

/// One site config.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SiteState {
    /// The site's name (its reports folder).
    pub site: String,
    /// The cron expressions in force.
    pub cron: Vec<String>,
    /// Their time zone.
    pub timezone: String,
    /// When it runs next (absent when not scheduled).
    pub next_run: Option<DateTime<Utc>>,
    /// When the run in progress started (or was queued for a browser session).
    pub running_since: Option<DateTime<Utc>>,
    /// The config's current error (file:line:col and message) while it is broken; the last
    /// valid version keeps running meanwhile.
    pub config_error: Option<String>,
    /// The last finished run.
    pub last_run: Option<RunRecord>,
    /// Runs finished since this config was first scheduled.
    pub runs: u64,
    /// Run times skipped because the previous run was still going.
    pub skipped: u64,
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Its cron time came.
    Schedule,
    /// Made up at start-up for a run missed while the daemon was down (`catch_up = true`).
    CatchUp,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No error findings.
    Clean,
    /// Error findings (the report says which).
    Findings,
    /// Stopped at its time budget; what it gathered is saved, marked partial.
    TimedOut,
    /// Stopped by a shutdown; what it gathered is saved, marked partial.
    Interrupted,
    /// The report is saved but could not be emailed.
    DeliveryFailed,
    /// No report: the browser could not start, the filter lists could not be loaded, …
    Failed,
}

impl Trigger {
    /// The trigger's name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch_up",
        }
    }
}

impl Outcome {
    /// The outcome's name in logs and `--status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Clean => "clean",
            Outcome::Findings => "findings",
            Outcome::TimedOut => "timed_out",
            Outcome::Interrupted => "interrupted",
            Outcome::DeliveryFailed => "delivery_failed",
            Outcome::Failed => "failed",
        }
    }
}

/// One finished run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// The cron time it was for.
    pub scheduled_for: DateTime<Utc>,
    /// Why it ran.
    pub trigger: Trigger,
    /// When the audit started (after waiting for a browser session).
    pub started_at: DateTime<Utc>,
    /// When everything (save, email) was done.
    pub finished_at: DateTime<Utc>,
    /// How it ended.
    pub outcome: Outcome,
    /// The outcome in words.
    pub message: String,
    /// Error findings (when there is a report).
    pub errors: Option<usize>,
    /// Warnings (when there is a report).
    pub warnings: Option<usize>,
    /// The run's report folder (when saved).
    pub report: Option<PathBuf>,
}

impl State {
    /// The state file under `reports_dir`.
    pub fn path(reports_dir: &Path) -> PathBuf {
        reports_dir.join(STATE_FILE)
    }

    /// Reads the state file; a missing file is an empty state.
    pub fn load(reports_dir: &Path) -> io::Result<State> {
        match std::fs::read_to_string(State::path(reports_dir)) {
            Ok(text) => serde_json::from_str(&text).map_err(io::Error::other),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(State {
                version: STATE_VERSION,
                ..State::default()
            }),
            Err(error) => Err(error),
        }
    }

    /// Writes the state file atomically (a reader sees the old or the new file, never half)
    /// and durably.
    pub fn save(&self, reports_dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(reports_dir)?;
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        crate::atomic_file::write(State::path(reports_dir), text + "\n")
    }

    /// The status as a table for people: one line per site, then config errors in full.
    pub fn render(&self, running: bool) -> String {
        let mut out = String::new();
        match &self.daemon {
            Some(d) if running => {
                let _ = writeln!(
                    out,
                    "scheduler: running (pid {}, since {}){}",
                    d.pid,
                    time(d.started_at),
                    if d.stopping { ", stopping" } else { "" }
                );
            }
            Some(d) => {
                let _ = writeln!(
                    out,
                    "scheduler: not running (last: pid {}, {})",
                    d.pid,
                    match d.stopped_at {
                        Some(at) => format!("stopped {}", time(at)),
                        None => format!("last seen {}, did not stop cleanly", time(d.updated_at)),
                    }
                );
            }
            None => out.push_str("scheduler: never ran here\n"),
        }
        if self.sites.is_empty() {
            out.push_str("no scheduled sites\n");
            return out;
        }
        let mut rows = vec![[
            "site".to_string(),
            "config".to_string(),
            "last run".to_string(),
            "outcome".to_string(),
            "errors".to_string(),
            "next run".to_string(),
            "runs".to_string(),
        ]];
        for (config, site) in &self.sites {
            let last = site.last_run.as_ref();
            let outcome = match (&site.running_since, last) {
                (Some(since), _) => format!("running since {}", time(*since)),
                (None, Some(run)) => run.outcome.as_str().to_string(),
                (None, None) => "-".to_string(),
            };
            let mut next = site.next_run.map_or("-".to_string(), time);
            if site.config_error.is_some() {
                next.push_str(" (config error)");
            }
            rows.push([
                site.site.clone(),
                config.clone(),
                last.map_or("-".to_string(), |r| time(r.started_at)),
                outcome,
                last.and_then(|r| r.errors)
                    .map_or("-".to_string(), |e| e.to_string()),
                next,
                site.runs.to_string(),
            ]);
        }
        let widths: Vec<usize> = (0..7)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        }
        for (config, site) in &self.sites {
            if let Some(run) = site
                .last_run
                .as_ref()
                .filter(|r| r.outcome != Outcome::Clean)
            {
                let _ = writeln!(out, "\n{}: {}", site.site, run.message);
                if let Some(folder) = &run.report {
                    let _ = writeln!(out, "  report: {}", folder.display());
                }
            }
            if let Some(error) = &site.config_error {
                let _ = writeln!(out, "\n{config}: {error}");
            }
        }
        out
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The advisory lock that marks a running daemon.
#[derive(Debug)]
pub struct DaemonLock {
    _file: File,
}

impl DaemonLock {
    /// Takes the lock, or says which daemon holds it.
    pub fn acquire(reports_dir: &Path) -> Result<DaemonLock, String> {
        std::fs::create_dir_all(reports_dir)
            .map_err(|e| format!("cannot create {}: {e}", reports_dir.display()))?;
        let path = reports_dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match flock(&file, Lock::Exclusive) {
            Ok(true) => Ok(DaemonLock { _file: file }),
            Ok(false) => Err(format!(
                "another `pixelaudit schedule` is running on {} (it holds {}); stop it first",
                reports_dir.display(),
                path.display()
            )),
            Err(e) => Err(format!("cannot lock {}: {e}", path.display())),
        }
    }

    /// True when a daemon holds the lock of `reports_dir`.
    pub fn held(reports_dir: &Path) -> bool {
        let Ok(file) = File::open(reports_dir.join(LOCK_FILE)) else {
            return false;
        };
        matches!(flock(&file, Lock::Shared), Ok(false))
    }
}

enum Lock {
    Shared,
    Exclusive,
}

/// An advisory lock (`flock(2)` on Unix) without blocking: true when taken, false when someone
/// else holds it. The lock goes with the file (and with the process, however it ends).
fn flock(file: &File, lock: Lock) -> io::Result<bool> {
    let taken = match lock {
        Lock::Shared => file.try_lock_shared(),
        Lock::Exclusive => file.try_lock(),
    };
    match taken {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(error)) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let empty = State::load(dir.path()).unwrap();
        assert!(empty.sites.is_empty());
        let mut state = State::default();
        state.sites.insert(
            "sites/shop.toml".into(),
            SiteState {
                site: "shop".into(),
                cron: vec!["0 0 6 * * *".into()],
                timezone: "UTC".into(),
                next_run: Some(Utc::now()),
                ..SiteState::default()
            },
        );
        state.save(dir.path()).unwrap();
        let back = State::load(dir.path()).unwrap();
        assert_eq!(back.sites["sites/shop.toml"].site, "shop");
        assert!(
            !dir.path().join(".schedule.json.tmp").exists(),
            "renamed into place"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [STATE_FILE], "no temporary file is left");
        let shown = back.render(false);
        assert!(shown.contains("scheduler: never ran here"), "{shown}");
        assert!(shown.contains("shop  sites/shop.toml"), "{shown}");
    }

    #[test]
    fn one_daemon_per_reports_dir() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!DaemonLock::held(dir.path()));
        let lock = DaemonLock::acquire(dir.path()).unwrap();
        assert!(DaemonLock::held(dir.path()));
        let second = DaemonLock::acquire(dir.path()).unwrap_err();
        assert!(second.contains("another `pixelaudit schedule`"), "{second}");
        drop(lock);
        assert!(!DaemonLock::held(dir.path()));
    }
}
