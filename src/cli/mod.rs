//! The command line: argument definitions and the commands behind them.
//!
//! This file holds the [`Cli`] and its [`Command`]s, the option groups several commands share
//! ([`RunArgs`], [`SiteRunArgs`], [`DiscoverArgs`], [`FailOn`], [`DecodeFormat`]), the dispatch
//! ([`run`]) and the audit-and-report steps `audit`, `demo` and `email` have in common. Each
//! command's own arguments and run function are in its file: [`audit`](AuditArgs),
//! [`demo`](DemoArgs), [`decode`](DecodeArgs), [`validate`](ValidateArgs),
//! [`history`](HistoryArgs), [`schedule`](ScheduleArgs), [`email`](EmailArgs),
//! [`vendors`](VendorsArgs).

mod audit;
mod decode;
mod demo;
mod email;
mod history;
mod schedule;
mod validate;
mod vendors;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use audit::AuditArgs;
pub use decode::DecodeArgs;
pub use demo::DemoArgs;
pub use email::EmailArgs;
pub use history::HistoryArgs;
pub use schedule::{ScheduleArgs, StatusFormat};
pub use validate::ValidateArgs;
pub use vendors::{VendorsArgs, VendorsFormat};

use crate::audit::{AuditOptions, Progress};
use crate::exit::Exit;
use crate::run;
use crate::run::{Delivery, DiscoverOverrides, RunSettings};
use pixelaudit_core::config;
use pixelaudit_core::config::{ResolveRule, Site};
use pixelaudit_core::report::{Format, Report};

/// Audits the tracking pixels of ecommerce stores in real headless Chromium.
#[derive(Debug, Parser)]
#[command(name = "pixelaudit", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

const EXIT_CODES: &str = "Exit codes: 0 no error findings, 2 error findings, 3 invalid config, \
4 browser/driver unavailable, 5 report saved but not emailed, 6 usage error (nothing ran), \
1 anything else (including a report that could not be saved).";

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a site config's pages, or ad-hoc URLs with the generic checks.
    Audit(AuditArgs),
    /// Start the bundled demo store and audit it with sites/demo-store.toml.
    Demo(DemoArgs),
    /// Show what the decoders make of one request.
    Decode(DecodeArgs),
    /// Check site configs without a browser (errors point at file:line:col).
    Validate(ValidateArgs),
    /// List a site's past runs (from reports/history.sqlite).
    History(HistoryArgs),
    /// Run every site's audits on its [schedule], unattended, until SIGTERM / SIGINT.
    Schedule(ScheduleArgs),
    /// Audit test marketing emails: open pixels, click-tracking redirects, landing pages.
    Email(EmailArgs),
    /// List the vendors pixelaudit decodes, or show one in full: its config name, events and
    /// aliases, parameters, repeats, consent and id format.
    Vendors(VendorsArgs),
}

impl Cli {
    /// The log filter when RUST_LOG is not set, and whether log lines carry a timestamp: the
    /// scheduler logs every run by default, with the time; the other commands only warnings.
    pub fn log_defaults(&self) -> (String, bool) {
        let level = match self.verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        };
        match &self.command {
            Command::Schedule(args) if !args.dry_run && !args.status => {
                let filter = match self.verbose {
                    0 => "pixelaudit=warn,pixelaudit::schedule=info".to_string(),
                    _ => format!("pixelaudit={level}"),
                };
                (filter, true)
            }
            _ => (format!("pixelaudit={level}"), false),
        }
    }
}

/// `--discover` and its limits (`audit` and `demo`).
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Find the store's pages (robots.txt, sitemaps, links), classify them by type and audit a
    /// sample of each type with the site's templates, next to the config's own pages.
    #[arg(long)]
    pub discover: bool,
    /// With --discover: audit every page found, not a sample.
    #[arg(long, requires = "discover")]
    pub all: bool,
    /// With --discover: pages audited per page type [default: 3, or `[discover] per_type`].
    #[arg(long, value_name = "N", requires = "discover")]
    pub per_type: Option<usize>,
    /// With --discover: most pages found [default: 5000, or `[discover] max_pages`].
    #[arg(long, value_name = "N", requires = "discover")]
    pub max_pages: Option<usize>,
}

impl DiscoverArgs {
    /// The flags as overrides of the site's discovery options (`None`: no discovery).
    fn overrides(&self) -> Option<DiscoverOverrides> {
        self.discover.then_some(DiscoverOverrides {
            all: self.all,
            per_type: self.per_type,
            max_pages: self.max_pages,
        })
    }
}

/// Options shared by `audit` and `demo`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Output format(s): table, json, html, junit, markdown (comma-separated or repeated).
    /// With several, --output names a folder that receives one file per format.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "table")]
    pub format: Vec<Format>,
    /// Write the report to this file (one format) or folder (several) instead of stdout.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// What makes the exit code 2: error findings (default), or warnings too.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Browser, driver, timing, reports and email options.
    #[command(flatten)]
    pub site_run: SiteRunArgs,
}

/// Options of running a site, shared by `audit`, `demo` and `schedule`.
#[derive(Debug, Args)]
pub struct SiteRunArgs {
    /// Extra Chromium flag (repeatable), e.g. --browser-arg=--host-resolver-rules=MAP\ *\ 127.0.0.1:8080
    #[arg(long = "browser-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub browser_args: Vec<String>,
    /// Use a remote WebDriver (Selenium Grid, running chromedriver) instead of starting chromedriver.
    #[arg(long, value_name = "URL", env = "PIXELAUDIT_WEBDRIVER")]
    pub webdriver: Option<String>,
    /// The chromedriver binary (default: found on PATH).
    #[arg(long, value_name = "PATH")]
    pub chromedriver: Option<PathBuf>,
    /// The Chromium binary (default: chromium, chromium-browser or google-chrome on PATH).
    #[arg(long, value_name = "PATH")]
    pub chrome: Option<PathBuf>,
    /// Where runs are saved (reports/<site>/<timestamp>/report.json).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports_dir: PathBuf,
    /// Network-idle quiet window in ms [default: 1500, or the site's browser.quiet_ms].
    #[arg(long, value_name = "MS")]
    pub quiet_ms: Option<u64>,
    /// Hard cap on waiting for one page, in ms [default: 20000, or the site's browser.max_wait_ms].
    #[arg(long, value_name = "MS")]
    pub max_wait_ms: Option<u64>,
    /// Do not email the report even if the site config has a [notify] section.
    #[arg(long)]
    pub no_email: bool,
    /// Measure what ad blockers remove (EasyList + EasyPrivacy, and a blocked run), also for
    /// sites without an [adblock] section.
    #[arg(long)]
    pub adblock: bool,
    /// Reach hosts matching PATTERN (a host or *.domain) at ADDR:PORT, in Chromium and in every
    /// HTTP and IMAP client (repeatable; before the config's `[network] resolve`).
    #[arg(long = "resolve", value_name = "PATTERN=ADDR:PORT")]
    pub resolve: Vec<ResolveRule>,
    /// Also trust the certificates in this PEM file (a staging or test CA), in Chromium and in
    /// every HTTP and IMAP client (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Accept any TLS certificate (local testing only).
    #[arg(long)]
    pub insecure: bool,
    /// Set by `audit --discover`.
    #[arg(skip)]
    pub discover: bool,
    /// Browser sessions auditing pages in parallel [default: one per core, at most 4; 1 per
    /// run under `schedule`].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub sessions: Option<u16>,
}

impl SiteRunArgs {
    /// The settings of a run.
    pub fn settings(&self) -> RunSettings {
        RunSettings {
            browser_args: self.browser_args.clone(),
            webdriver: self.webdriver.clone(),
            chromedriver: self.chromedriver.clone(),
            chrome: self.chrome.clone(),
            reports_dir: self.reports_dir.clone(),
            quiet_ms: self.quiet_ms,
            max_wait_ms: self.max_wait_ms,
            email: !self.no_email,
            adblock: self.adblock,
            process_group: false,
            resolve: self.resolve.clone(),
            ca_certs: self.ca_certs.clone(),
            insecure: self.insecure,
            sessions: self.sessions.map(usize::from),
            discover: self.discover,
        }
    }
}

/// The finding severity that fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Error findings fail the run.
    Error,
    /// Warnings fail it too.
    Warning,
    /// Only regressions since the previous run (new findings, lost events) fail it.
    Regression,
}

/// `decode` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecodeFormat {
    /// Human-readable.
    Text,
    /// A JSON array of hits.
    Json,
}

/// Runs a parsed command line and returns the exit code.
/// The exit code of a command line that could not be parsed.
pub fn usage_error() -> std::process::ExitCode {
    Exit::Usage.into()
}

pub async fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Audit(args) => audit::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Decode(args) => decode::run(args),
        Command::Validate(args) => validate::run(&args),
        Command::History(args) => history::run(&args),
        Command::Schedule(args) => schedule::run(args).await,
        Command::Email(args) => email::run(args).await,
        Command::Vendors(args) => vendors::run(&args),
    }
}

/// A progress bar on stderr when it is a terminal; otherwise progress goes to the log (`-v`).
fn progress_bar(options: &mut AuditOptions) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        options.progress = Some(Progress(std::sync::Arc::new(|done, total, label| {
            tracing::info!("progress {done}/{total}: {label}");
        })));
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let handle = bar.clone();
    options.progress = Some(Progress(std::sync::Arc::new(move |done, total, label| {
        handle.set_length(total as u64);
        handle.set_position(done as u64);
        handle.set_message(label.to_string());
    })));
    Some(bar)
}

/// The site config at `path` (its errors printed, exit code 3), or the ad-hoc site without one.
fn load_site(path: Option<&Path>, adhoc: impl FnOnce() -> Site) -> Result<Site, Exit> {
    match path {
        Some(path) => config::load_all(path).map_err(|errors| {
            for error in &errors {
                eprintln!("error: {error}");
            }
            Exit::InvalidConfig
        }),
        None => Ok(adhoc()),
    }
}

/// Several formats need a folder to go to: say so before anything runs.
fn check_output(run: &RunArgs) -> Result<(), String> {
    if run.format.len() > 1 && run.output.is_none() {
        return Err(format!(
            "{} formats were asked for: give --output DIR for their files",
            run.format.len()
        ));
    }
    Ok(())
}

/// One run of `site` (through [`run::run_site`]), its report on stdout or `--output`, and the
/// exit code.
async fn audit_and_report(site: &Site, run: &RunArgs, extra_args: Vec<String>) -> Exit {
    let settings = run.site_run.settings();
    let prepared = match run::prepare(site, &settings, extra_args).await {
        Ok(prepared) => prepared,
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Failure;
        }
    };
    for note in &prepared.notes {
        eprintln!("{note}");
    }
    let mut options = prepared.options;
    let bar = progress_bar(&mut options);
    let done = run::run_site(site, &options, &settings).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let done = match done {
        Ok(done) => done,
        Err(error) => {
            eprintln!("error: browser unavailable: {error}");
            return Exit::BrowserUnavailable;
        }
    };
    match &done.saved {
        Ok(folder) => eprintln!(
            "reports saved to {} (and {})",
            folder.display(),
            folder.with_file_name("latest").display()
        ),
        Err(error) => eprintln!("error: {error}"),
    }
    for warning in &done.warnings {
        eprintln!("warning: {warning}");
    }
    let report = &done.report;
    if let Err(error) = emit(report, run) {
        eprintln!("error: {error}");
        return Exit::Failure;
    }
    if done.saved.is_err() {
        // The report is on stdout (or --output) but not under the reports folder: no history,
        // no `latest/`, nothing to email. That is a failure, whatever the findings.
        return Exit::Failure;
    }
    match &done.delivery {
        Delivery::Sent(to) => eprintln!("report emailed to {}", to.join(", ")),
        Delivery::Failed(error) => {
            eprintln!("error: {error} (the reports are saved on disk)");
            return Exit::DeliveryFailed;
        }
        Delivery::Off | Delivery::NotWanted | Delivery::Skipped => {}
    }
    match run.fail_on {
        FailOn::Error => Exit::for_report(report),
        FailOn::Warning if report.summary.warnings > 0 => Exit::Findings,
        FailOn::Warning => Exit::for_report(report),
        FailOn::Regression if report.regressions.as_ref().is_some_and(|r| r.any()) => {
            Exit::Findings
        }
        FailOn::Regression => Exit::Clean,
    }
}

fn emit(report: &Report, run: &RunArgs) -> std::io::Result<()> {
    match (run.format.as_slice(), &run.output) {
        ([format], None) => {
            print!("{}", format.render(report));
            Ok(())
        }
        ([format], Some(path)) => {
            std::fs::write(path, format.render(report))?;
            eprintln!("{format:?} report written to {}", path.display());
            Ok(())
        }
        (formats, Some(dir)) => {
            std::fs::create_dir_all(dir)?;
            for format in formats {
                std::fs::write(dir.join(format.file_name()), format.render(report))?;
            }
            eprintln!(
                "{} report formats written to {}",
                formats.len(),
                dir.display()
            );
            Ok(())
        }
        (_, None) => Err(std::io::Error::other("several formats need --output DIR")),
    }
}
