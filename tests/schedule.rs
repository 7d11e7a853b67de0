//! End-to-end: `pixelaudit schedule` as a user runs it, with real Chromium against the fixture
//! server and schedules every couple of seconds. Each test starts the daemon on its own sites
//! and reports folders, follows its log and state file, and checks its process tree (so tests
//! running in parallel do not see each other's browsers).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};
use common::{bin, fixtures};
use mail_parser::MessageParser;
use pixelaudit_test_support::smtp::start_smtpd;
use serde_json::Value;

/// A site config on the fixture server: `pages` are paths, `extra` is appended as is.
fn site(dir: &Path, name: &str, pages: &[&str], extra: &str) -> PathBuf {
    let mut text = String::from(
        "base_url = \"https://fixtures.test/\"\n[browser]\nquiet_ms = 300\nmax_wait_ms = 8000\n",
    );
    for page in pages {
        text.push_str(&format!("[[pages]]\npath = \"{page}\"\n"));
    }
    text.push_str(extra);
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A running `pixelaudit schedule`, its stderr in a file.
struct Daemon {
    child: Child,
    log: PathBuf,
    reports: PathBuf,
    watcher: Watcher,
}

impl Daemon {
    fn start(sites: &Path, reports: &Path, extra: &[&str]) -> Daemon {
        let log = reports.with_extension("log");
        std::fs::create_dir_all(reports).unwrap();
        let mut command = bin();
        command
            .arg("schedule")
            .arg(sites)
            .arg("--reports-dir")
            .arg(reports)
            .args(extra)
            .args(
                fixtures()
                    .chromium_args()
                    .into_iter()
                    .map(|a| format!("--browser-arg={a}")),
            )
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap());
        let child = command.spawn().expect("pixelaudit schedule starts");
        let watcher = Watcher::start(child.id());
        Daemon {
            child,
            log,
            reports: reports.to_path_buf(),
            watcher,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The state file (`schedule.json`), or Null before the first write.
    fn state(&self) -> Value {
        std::fs::read_to_string(self.reports.join("schedule.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null)
    }

    /// Waits until `ready` holds for the state file.
    fn wait_state(&mut self, what: &str, secs: u64, ready: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let state = self.state();
            if ready(&state) {
                return state;
            }
            self.check_alive(what);
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; state:\n{state:#}\nlog:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the log holds `count` lines containing every one of `needles`.
    fn wait_log(&mut self, needles: &[&str], count: usize, secs: u64) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let lines = matching(&self.log(), needles);
            if lines.len() >= count {
                return lines;
            }
            self.check_alive(&format!("{needles:?}"));
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {count} log line(s) with {needles:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn check_alive(&mut self, what: &str) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "the scheduler exited ({status}) while waiting for {what}; log:\n{}",
                self.log()
            );
        }
    }

    /// Sends a signal to the daemon alone (not its process group).
    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) with a pid this test started.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, signal);
        }
    }

    /// SIGTERM, then waits for the exit (within `secs`).
    fn terminate(&mut self, secs: u64) -> ExitStatus {
        self.signal(libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.watcher.stop();
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the scheduler did not exit within {secs} s of SIGTERM; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    /// A failed test must not leave a scheduler or its browsers behind.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.watcher.stop();
        // SAFETY: getpgrp(2) has no preconditions.
        let own_group = unsafe { libc::getpgrp() } as u32;
        for group in self.watcher.groups() {
            if group == own_group {
                continue;
            }
            // SAFETY: kill(2) of a chromedriver process group this test's daemon started.
            unsafe {
                libc::killpg(group as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

/// Lines of `log` that contain every needle.
fn matching(log: &str, needles: &[&str]) -> Vec<String> {
    log.lines()
        .filter(|line| needles.iter().all(|n| line.contains(n)))
        .map(str::to_string)
        .collect()
}

/// A `key=value` field of a log line.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let start = line
        .find(&format!(" {key}="))
        .unwrap_or_else(|| panic!("no {key}= in {line}"))
        + key.len()
        + 2;
    line[start..].split(' ').next().unwrap()
}

/// The timestamp a log line starts with.
fn logged_at(line: &str) -> DateTime<Utc> {
    let stamp = line.split_whitespace().next().unwrap();
    DateTime::parse_from_rfc3339(stamp)
        .unwrap_or_else(|e| panic!("{e}: {line}"))
        .with_timezone(&Utc)
}

fn at(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("{value}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// One process, from `/proc/<pid>/stat`.
#[derive(Debug, Clone)]
struct Proc {
    pid: u32,
    ppid: u32,
    pgid: u32,
    name: String,
}

fn processes() -> Vec<Proc> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let rest: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        if rest.len() < 3 || rest[0] == "Z" {
            continue; // zombies are dead already
        }
        out.push(Proc {
            pid,
            ppid: rest[1].parse().unwrap_or(0),
            pgid: rest[2].parse().unwrap_or(0),
            name: stat[open + 1..close].to_string(),
        });
    }
    out
}

/// Every process below `root`.
fn descendants(all: &[Proc], root: u32) -> Vec<Proc> {
    let mut found = Vec::new();
    let mut parents = vec![root];
    while let Some(parent) = parents.pop() {
        for p in all.iter().filter(|p| p.ppid == parent) {
            parents.push(p.pid);
            found.push(p.clone());
        }
    }
    found
}

/// Samples the daemon's process tree every 50 ms: which chromedriver process groups it
/// started, which browser processes they had, and how many chromedrivers ran at once.
struct Watcher {
    seen: Arc<Mutex<Seen>>,
    running: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Seen {
    groups: BTreeSet<u32>,
    browsers: BTreeSet<u32>,
    max_drivers: usize,
}

impl Watcher {
    fn start(root: u32) -> Watcher {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let running = Arc::new(AtomicBool::new(true));
        let thread = {
            let (seen, running) = (Arc::clone(&seen), Arc::clone(&running));
            std::thread::spawn(move || {
                while running.load(Ordering::Relaxed) {
                    let tree = descendants(&processes(), root);
                    // chromedriver servers lead their own process group (`chromedriver
                    // --version`, run first, stays in the daemon's group: not one of them).
                    let drivers: Vec<&Proc> = tree
                        .iter()
                        .filter(|p| p.name == "chromedriver" && p.pgid == p.pid)
                        .collect();
                    let mut seen = seen.lock().unwrap();
                    seen.max_drivers = seen.max_drivers.max(drivers.len());
                    seen.groups.extend(drivers.iter().map(|p| p.pgid));
                    seen.browsers.extend(
                        tree.iter()
                            .filter(|p| p.name.starts_with("chrom") && p.name != "chromedriver")
                            .map(|p| p.pid),
                    );
                    drop(seen);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Watcher {
            seen,
            running,
            thread: Some(thread),
        }
    }

    fn stop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn groups(&self) -> BTreeSet<u32> {
        self.seen.lock().unwrap().groups.clone()
    }

    fn browsers(&self) -> BTreeSet<u32> {
        self.seen.lock().unwrap().browsers.clone()
    }

    fn max_drivers(&self) -> usize {
        self.seen.lock().unwrap().max_drivers
    }

    /// Waits until a browser process was seen under the daemon.
    fn wait_browser(&self, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.browsers().is_empty() {
            assert!(Instant::now() < deadline, "no Chromium started");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// After the daemon exited: no chromedriver group it started has a process left, and no
/// browser process it had is alive (whoever its parent is now).
fn assert_no_browser_left(daemon: &Daemon) {
    let groups = daemon.watcher.groups();
    let browsers = daemon.watcher.browsers();
    assert!(!groups.is_empty(), "the test saw no chromedriver at all");
    assert!(!browsers.is_empty(), "the test saw no Chromium at all");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<Proc> = processes()
            .into_iter()
            .filter(|p| groups.contains(&p.pgid) || browsers.contains(&p.pid))
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "processes left behind by the scheduler: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Per site: the (started, finished) of every "run started" / "run finished" pair in the log,
/// asserting they alternate (a site never has two runs at once).
fn runs_by_site(log: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut open: BTreeMap<String, String> = BTreeMap::new();
    let mut runs: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for line in log.lines() {
        if line.contains("run started") {
            let site = field(line, "site").to_string();
            if let Some(previous) = open.insert(site.clone(), line.to_string()) {
                panic!("{site} started again before its run finished:\n{previous}\n{line}");
            }
        } else if line.contains("run finished") {
            let site = field(line, "site").to_string();
            let started = open
                .remove(&site)
                .unwrap_or_else(|| panic!("{site} finished a run it never started: {line}"));
            runs.entry(site)
                .or_default()
                .push((started, line.to_string()));
        }
    }
    runs
}

/// Every report.json saved for `site` under `reports`, as (started_at, finished_at, partial).
fn saved_reports(reports: &Path, site: &str) -> Vec<(DateTime<Utc>, DateTime<Utc>, Value)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(reports.join(site)) else {
        return out;
    };
    for entry in dir.flatten() {
        let path = entry.path().join("report.json");
        if entry.file_name() == "latest" || !path.exists() {
            continue;
        }
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        out.push((
            at(&report["started_at"]),
            at(&report["finished_at"]),
            report["partial"].clone(),
        ));
    }
    out.sort_by_key(|r| r.0);
    out
}

#[test]
fn two_sites_run_on_time_without_overlap_through_a_failing_site_and_a_broken_config() {
    let smtpd = start_smtpd();
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites");
    std::fs::create_dir(&sites).unwrap();
    let every_2s = "[schedule]\ncron = [\"*/2 * * * * *\"]\nbudget_secs = 30\n";
    let notify = format!(
        "[notify]\nto = [\"Marketing <marketing@shop.test>\"]\nfrom = \"pixelaudit <audit@pixelaudit.test>\"\n\
         when = \"failure\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\n",
        smtpd.port
    );
    let alpha = site(
        &sites,
        "alpha",
        &["/clean.html"],
        &format!("{notify}{every_2s}"),
    );
    site(&sites, "beta", &["/duplicate.html"], every_2s);
    // A site whose every run fails before any browser starts (its filter list is missing).
    site(
        &sites,
        "failing",
        &["/clean.html"],
        &format!("[adblock]\nlists = [\"/nonexistent/easylist.txt\"]\n{every_2s}"),
    );
    let reports = dir.path().join("reports");
    let mut daemon = Daemon::start(&sites, &reports, &[]);

    let runs_of = |state: &Value, site: &str| state["sites"][site]["runs"].as_u64().unwrap_or(0);
    let key = |name: &str| sites.join(format!("{name}.toml")).display().to_string();
    let (a, b, f) = (key("alpha"), key("beta"), key("failing"));
    let state = daemon.wait_state("two runs of each site", 40, |s| {
        runs_of(s, &a) >= 2 && runs_of(s, &b) >= 2 && runs_of(s, &f) >= 2
    });
    assert_eq!(state["sites"][&a]["last_run"]["outcome"], "clean");
    assert_eq!(state["sites"][&b]["last_run"]["outcome"], "findings");
    let failed = &state["sites"][&f]["last_run"];
    assert_eq!(failed["outcome"], "failed", "{failed}");
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/easylist.txt"),
        "{failed}"
    );

    // Break alpha's config: the error is logged at file:line:col and emailed to alpha's
    // recipients, and alpha keeps running its last valid version.
    let good = std::fs::read_to_string(&alpha).unwrap();
    let broken = good.replace("*/2 * * * * *", "*/2 * * * *");
    let line = broken
        .lines()
        .position(|l| l.starts_with("cron = "))
        .unwrap()
        + 1;
    std::fs::write(&alpha, &broken).unwrap();
    let broke_at = Utc::now();
    let errors = daemon.wait_log(&["ERROR", &format!("alpha.toml:{line}:9: ")], 1, 10);
    assert!(
        errors[0].contains("its last valid version keeps running"),
        "{}",
        errors[0]
    );
    let state = daemon.wait_state("alpha's config error and a run after it", 20, |s| {
        let alpha = &s["sites"][&a];
        alpha["config_error"].is_string()
            && alpha["last_run"]["started_at"]
                .as_str()
                .is_some_and(|t| at(&Value::from(t)) > broke_at)
    });
    let shown = state["sites"][&a]["config_error"].as_str().unwrap();
    assert!(shown.contains("did you mean `0 */2 * * * *`?"), "{shown}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while smtpd.messages().is_empty() {
        assert!(
            Instant::now() < deadline,
            "no config error email; log:\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let raw = smtpd.messages().remove(0);
    let message = MessageParser::default().parse(&raw).unwrap();
    let subject = message.subject().unwrap();
    assert!(
        subject.starts_with("pixelaudit alpha: invalid site config")
            && subject.contains("alpha.toml"),
        "{subject}"
    );
    assert!(message
        .body_text(0)
        .unwrap()
        .contains(&format!("alpha.toml:{line}:9")));

    // Fix it: the error clears and alpha goes on.
    std::fs::write(&alpha, &good).unwrap();
    let fixed_at = Utc::now();
    daemon.wait_log(&["config fixed", "site=alpha"], 1, 10);
    daemon.wait_state("a run of alpha after the fix", 20, |s| {
        let alpha = &s["sites"][&a];
        alpha["config_error"].is_null()
            && alpha["last_run"]["started_at"]
                .as_str()
                .is_some_and(|t| at(&Value::from(t)) > fixed_at)
    });

    let status = daemon.terminate(60);
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    let log = daemon.log();
    assert!(log.contains("scheduler stopped"), "{log}");
    assert!(daemon.state()["daemon"]["stopped_at"].is_string());
    assert_no_browser_left(&daemon);
    assert!(
        daemon.watcher.max_drivers() <= 2,
        "--max-sessions 2 (the default)"
    );
    assert!(
        smtpd.messages().len() == 1,
        "only the config error was emailed (when = failure)"
    );

    // On time, never overlapping, and every finished run's report is on disk.
    let runs = runs_by_site(&log);
    for name in ["alpha", "beta"] {
        let site_runs = &runs[name];
        assert!(site_runs.len() >= 4, "{name}: {site_runs:?}");
        for (started, finished) in site_runs {
            let late = logged_at(started) - at(&Value::from(field(started, "scheduled_for")));
            assert!(
                late < chrono::TimeDelta::milliseconds(1500),
                "{name} started {late} after its time: {started}"
            );
            let folder = field(finished, "report");
            assert!(
                Path::new(folder).join("report.json").is_file(),
                "{folder} has no report: {finished}"
            );
        }
        let saved = saved_reports(&reports, name);
        assert_eq!(saved.len(), site_runs.len(), "{name}: one report per run");
        for pair in saved.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "{name}: runs overlap: {pair:?}");
        }
    }
    assert!(
        runs["failing"].len() >= 2,
        "the failing site kept its schedule"
    );
}

#[test]
fn sigterm_stops_the_running_audit_saves_it_as_partial_and_starts_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites");
    std::fs::create_dir(&sites).unwrap();
    // Two long runs due at the same time, one browser session allowed: one runs, one waits.
    let pages = [
        "/clean.html",
        "/late.html",
        "/duplicate.html",
        "/missing_eid.html",
        "/shop.html",
        "/wrong_type.html",
    ];
    let schedule = "[schedule]\ncron = [\"*/2 * * * * *\"]\n";
    site(&sites, "long1", &pages, schedule);
    site(&sites, "long2", &pages, schedule);
    let reports = dir.path().join("reports");
    let mut daemon = Daemon::start(
        &sites,
        &reports,
        &["--max-sessions", "1", "--grace-secs", "1"],
    );
    daemon.wait_log(&["run started"], 1, 20);
    daemon.watcher.wait_browser(20);
    let started = Instant::now();
    let status = daemon.terminate(45);
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "stopped promptly"
    );
    assert_no_browser_left(&daemon);
    assert_eq!(daemon.watcher.max_drivers(), 1, "--max-sessions 1");

    let log = daemon.log();
    let runs = runs_by_site(&log);
    assert_eq!(runs.values().map(Vec::len).sum::<usize>(), 1, "{log}");
    let (site, pair) = runs.iter().next().unwrap();
    assert!(pair[0].1.contains("outcome=interrupted"), "{}", pair[0].1);
    assert_eq!(
        matching(&log, &["run not started: the scheduler is stopping"]).len(),
        1,
        "the queued run never started: {log}"
    );
    let saved = saved_reports(&reports, site);
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].2["reason"], "shutdown", "{:?}", saved[0]);
    assert!(
        !reports.join(site).join("latest").exists(),
        "a partial run does not become latest/"
    );
    let state = daemon.state();
    let entry = &state["sites"][sites.join(format!("{site}.toml")).display().to_string()];
    assert_eq!(entry["last_run"]["outcome"], "interrupted");
    assert!(entry["running_since"].is_null());
}

#[test]
fn a_run_over_its_budget_is_stopped_saved_as_partial_and_its_next_times_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites");
    std::fs::create_dir(&sites).unwrap();
    let config = site(
        &sites,
        "slow",
        &[
            "/clean.html",
            "/late.html",
            "/duplicate.html",
            "/shop.html",
            "/missing_eid.html",
        ],
        "[schedule]\ncron = [\"*/2 * * * * *\"]\nbudget_secs = 3\n",
    );
    let reports = dir.path().join("reports");
    let mut daemon = Daemon::start(&sites, &reports, &[]);
    let key = config.display().to_string();
    let state = daemon.wait_state("a run stopped at its budget, and a skipped time", 40, |s| {
        s["sites"][&key]["last_run"]["outcome"] == "timed_out"
            && s["sites"][&key]["skipped"].as_u64().unwrap_or(0) >= 1
    });
    let message = state["sites"][&key]["last_run"]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("time budget") && message.contains("(budget 3 s)"),
        "{message}"
    );

    // One scheduler per reports folder.
    let second = bin()
        .args([
            "schedule",
            sites.to_str().unwrap(),
            "--reports-dir",
            reports.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&second.stderr)
            .contains("another `pixelaudit schedule` is running"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );

    // --status shows the site, its outcome and why.
    let status = bin()
        .args([
            "schedule",
            "--status",
            "--reports-dir",
            reports.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(0));
    assert!(shown.starts_with("scheduler: running (pid "), "{shown}");
    assert!(shown.contains("slow "), "{shown}");
    assert!(shown.contains("(budget 3 s)"), "{shown}");

    assert_eq!(daemon.terminate(60).code(), Some(0));
    assert_no_browser_left(&daemon);
    let saved = saved_reports(&reports, "slow");
    assert!(!saved.is_empty());
    let timed_out: Vec<_> = saved
        .iter()
        .filter(|r| r.2["reason"] == "time_budget")
        .collect();
    assert!(!timed_out.is_empty(), "{saved:?}");
    for run in timed_out {
        let took = run.1 - run.0;
        assert!(
            took < chrono::TimeDelta::seconds(8),
            "stopped near its 3 s budget: {took}"
        );
    }
    for pair in saved.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "runs overlap: {pair:?}");
    }
    let status = bin()
        .args([
            "schedule",
            "--status",
            "--reports-dir",
            reports.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&status.stdout);
    assert!(
        shown.starts_with("scheduler: not running (last: pid "),
        "{shown}"
    );
    assert!(shown.contains("stopped "), "{shown}");
}

#[test]
fn a_run_missed_while_down_is_caught_up_once_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites");
    std::fs::create_dir(&sites).unwrap();
    // Once a minute, at a second a few seconds from now.
    let second = (Utc::now() + chrono::TimeDelta::seconds(6)).second();
    let schedule = format!("[schedule]\ncron = [\"{second} * * * * *\"]\n");
    let eager = site(
        &sites,
        "eager",
        &["/clean.html"],
        &format!("{schedule}catch_up = true\n"),
    );
    let lazy = site(&sites, "lazy", &["/clean.html"], &schedule);
    let reports = dir.path().join("reports");

    // The first scheduler plans the next run, then stops before it comes.
    let mut first = Daemon::start(&sites, &reports, &[]);
    let (e, l) = (eager.display().to_string(), lazy.display().to_string());
    let state = first.wait_state("next runs planned", 10, |s| {
        s["sites"][&e]["next_run"].is_string() && s["sites"][&l]["next_run"].is_string()
    });
    let due = at(&state["sites"][&e]["next_run"]);
    assert_eq!(first.terminate(10).code(), Some(0));
    assert!(
        matching(&first.log(), &["run started"]).is_empty(),
        "{}",
        first.log()
    );
    // The run time passes while no scheduler runs.
    while Utc::now() < due + chrono::TimeDelta::milliseconds(500) {
        std::thread::sleep(Duration::from_millis(100));
    }

    let mut second = Daemon::start(&sites, &reports, &[]);
    let started = second.wait_log(&["run started", "trigger=catch_up"], 1, 15);
    assert!(started[0].contains("site=eager"), "{}", started[0]);
    second.wait_log(&["run finished", "site=eager"], 1, 30);
    assert_eq!(
        matching(
            &second.log(),
            &["site=lazy", "not caught up (catch_up = false)"]
        )
        .len(),
        1,
        "{}",
        second.log()
    );
    // Nothing else runs until the next minute: one catch-up, not one per missed time.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        matching(&second.log(), &["run started"]).len(),
        1,
        "{}",
        second.log()
    );
    let state = second.state();
    assert_eq!(state["sites"][&e]["last_run"]["trigger"], "catch_up");
    assert!(state["sites"][&l]["last_run"].is_null());
    assert!(
        at(&state["sites"][&e]["next_run"]) > Utc::now(),
        "back on its schedule"
    );

    // A new file is picked up without a restart; one that takes an existing site's name is
    // refused (their reports would mix); SIGHUP reads everything again.
    let copy = format!(
        "name = \"eager\"\n{}",
        std::fs::read_to_string(&eager).unwrap()
    );
    std::fs::write(sites.join("copy.toml"), copy).unwrap();
    second.wait_log(&["ERROR", "site name `eager` is already used by"], 1, 10);
    site(&sites, "fresh", &["/clean.html"], &schedule);
    second.wait_log(&["scheduled", "site=fresh"], 1, 10);
    second.signal(libc::SIGHUP);
    second.wait_log(&["SIGHUP: reading every site config again"], 1, 10);
    second.wait_log(&["config reloaded", "site=fresh"], 1, 10);
    assert_eq!(second.terminate(30).code(), Some(0));
}

#[test]
fn dry_run_lists_the_next_times_and_bad_configs_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("paris.toml"),
        "base_url = \"https://shop.test/\"\n[schedule]\ncron = [\"0 0 6 * * *\", \"0 30 18 * * Mon-Fri\"]\ntimezone = \"Europe/Paris\"\ncatch_up = true\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("manual.toml"),
        "base_url = \"https://shop.test/\"\n",
    )
    .unwrap();
    let output = bin()
        .args(["schedule", "--dry-run", "--count", "4"])
        .arg(dir.path())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        shown.contains("manual.toml: no [schedule] section: not scheduled"),
        "{shown}"
    );
    assert!(
        shown.contains("paris (") && shown.contains("\"0 0 6 * * *\", \"0 30 18 * * Mon-Fri\" in Europe/Paris, budget 30 min, catch_up on"),
        "{shown}"
    );
    let times: Vec<&str> = shown.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(times.len(), 4, "{shown}");
    let mut previous = None;
    for line in times {
        // `  Sat 2026-11-28 18:30:00 CET  (2026-11-28 17:30:00 UTC)`
        let local = &line[6..line.find(" (").unwrap().min(line.len())];
        assert!(
            local.contains(" 06:00:00 CE") || local.contains(" 18:30:00 CE"),
            "{line}"
        );
        let utc = &line[line.find('(').unwrap() + 1..line.find(" UTC)").unwrap()];
        let utc = chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M:%S").unwrap();
        assert!(previous.is_none_or(|p| p < utc), "in order: {shown}");
        previous = Some(utc);
    }

    std::fs::write(
        dir.path().join("broken.toml"),
        "base_url = \"https://shop.test/\"\n[schedule]\ncron = [\"0 6 * * *\"]\n",
    )
    .unwrap();
    let output = bin()
        .args(["schedule", "--dry-run"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("broken.toml:3:9"), "{stderr}");
    assert!(stderr.contains("did you mean `0 0 6 * * *`?"), "{stderr}");

    let output = bin()
        .args(["schedule", "--status", "--reports-dir"])
        .arg(dir.path().join("reports"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no scheduler has run"));
}
