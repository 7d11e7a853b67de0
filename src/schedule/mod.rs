//! `pixelaudit schedule`: a long-running scheduler that runs every site's audit at the times
//! its `[schedule]` section names, unattended.
//!
//! - [`plan`]: next run times from cron expressions in a time zone (and `--dry-run`).
//! - [`state`]: the state file under the reports dir (`--status`, catch-up) and the lock.
//! - [`configs`]: which config files are watched.
//! - [`run`]: one scheduled run: session slot, time budget, the shared run path, outcome.
//! - [`daemon`]: the loop, reloads, signals, shutdown.

pub mod configs;
pub mod daemon;
pub mod plan;
pub mod run;
pub mod state;

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

pub use daemon::{run as run_daemon, ScheduleOptions};
pub use state::{Outcome, State};

use pixelaudit_core::config::Site;

/// What `--dry-run` found.
#[derive(Debug, Default)]
pub struct DryRun {
    /// Per site: its schedule and next run times.
    pub text: String,
    /// Config paths that do not exist or cannot be listed.
    pub missing: Vec<String>,
    /// Invalid configs (rendered errors).
    pub invalid: Vec<String>,
}

/// `--dry-run`: the next `count` run times of every scheduled site under `paths` after `now`.
pub fn dry_run(paths: &[PathBuf], count: usize, now: DateTime<Utc>) -> DryRun {
    let (files, missing) = configs::discover(paths);
    let mut result = DryRun {
        missing,
        ..DryRun::default()
    };
    for path in files {
        let site = match pixelaudit_core::config::load(&path) {
            Ok(site) => site,
            Err(error) => {
                result.invalid.push(error.to_string());
                continue;
            }
        };
        let out = &mut result.text;
        let Some(plan) = describe(&site, out, &path) else {
            continue;
        };
        for time in plan::upcoming(plan, now, count) {
            let local = time.with_timezone(&plan.timezone);
            let _ = write!(out, "  {}", local.format("%a %Y-%m-%d %H:%M:%S %Z"));
            if plan.timezone != chrono_tz::Tz::UTC {
                let _ = write!(out, "  ({})", time.format("%Y-%m-%d %H:%M:%S UTC"));
            }
            out.push('\n');
        }
    }
    result
}

fn describe<'a>(
    site: &'a Site,
    out: &mut String,
    path: &std::path::Path,
) -> Option<&'a pixelaudit_core::config::SchedulePlan> {
    let Some(plan) = &site.schedule else {
        let _ = writeln!(
            out,
            "{}: no [schedule] section: not scheduled",
            path.display()
        );
        return None;
    };
    let _ = writeln!(
        out,
        "{} ({}): {} in {}, budget {}, catch_up {}",
        site.name,
        path.display(),
        plan.sources()
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", "),
        plan.timezone.name(),
        run::budget_words(plan.budget),
        if plan.catch_up { "on" } else { "off" }
    );
    Some(plan)
}
