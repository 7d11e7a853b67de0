//! `pixelaudit schedule`: every site's audits on its `[schedule]`, unattended, until SIGTERM /
//! SIGINT; or their next run times (`--dry-run`) or last outcomes (`--status`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::SiteRunArgs;
use crate::exit::Exit;
use crate::schedule;

/// `pixelaudit schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Site config files, or folders of them (every *.toml inside) [default: sites/].
    pub paths: Vec<PathBuf>,
    /// Print the next run times of every scheduled site and exit, running nothing.
    #[arg(long, conflicts_with = "status")]
    pub dry_run: bool,
    /// How many run times --dry-run prints per site.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub count: usize,
    /// Show each site's last run, its outcome and the next run time (from
    /// <reports-dir>/schedule.json), and exit.
    #[arg(long)]
    pub status: bool,
    /// --status output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
    /// Browser sessions at once, over all sites (each run uses one, or --sessions).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub max_sessions: usize,
    /// On SIGTERM / SIGINT, how long running audits may go on before they are stopped and
    /// saved as partial reports.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub grace_secs: u64,
    /// Browser, driver, timing, reports and email options.
    #[command(flatten)]
    pub site_run: SiteRunArgs,
}

/// `schedule --status` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// A table per site, then problems in full.
    Text,
    /// The state file as it is.
    Json,
}

pub(super) async fn run(args: ScheduleArgs) -> Exit {
    let reports_dir = &args.site_run.reports_dir;
    if args.status {
        let path = schedule::State::path(reports_dir);
        if !path.exists() {
            eprintln!(
                "error: no scheduler has run with reports in {} (no {})",
                reports_dir.display(),
                path.display()
            );
            return Exit::Failure;
        }
        let state = match schedule::State::load(reports_dir) {
            Ok(state) => state,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.display());
                return Exit::Failure;
            }
        };
        match args.format {
            StatusFormat::Json => println!(
                "{}",
                serde_json::to_string_pretty(&state).expect("state serializes")
            ),
            StatusFormat::Text => print!(
                "{}",
                state.render(schedule::state::DaemonLock::held(reports_dir))
            ),
        }
        return Exit::Clean;
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("sites")]
    } else {
        args.paths.clone()
    };
    if args.dry_run {
        let found = schedule::dry_run(&paths, args.count, chrono::Utc::now());
        print!("{}", found.text);
        for problem in &found.missing {
            eprintln!("error: {problem}");
        }
        for error in &found.invalid {
            eprintln!("error: {error}\n");
        }
        return match (found.invalid.is_empty(), found.missing.is_empty()) {
            (false, _) => Exit::InvalidConfig,
            (true, false) => Exit::Failure,
            (true, true) => Exit::Clean,
        };
    }
    let mut settings = args.site_run.settings();
    // A run takes as many session slots as it opens sessions: one unless --sessions says more.
    settings.sessions = Some(settings.sessions.unwrap_or(1).min(args.max_sessions.max(1)));
    let options = schedule::ScheduleOptions {
        paths,
        settings,
        max_sessions: args.max_sessions,
        grace: std::time::Duration::from_secs(args.grace_secs),
    };
    match schedule::run_daemon(options).await {
        Ok(()) => Exit::Clean,
        Err(error) => {
            eprintln!("error: {error}");
            Exit::Failure
        }
    }
}
