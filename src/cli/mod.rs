//! The command line: argument definitions and the commands behind them.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use url::Url;

use crate::audit;
use crate::config::{self, Site};
use crate::demo::{DemoOptions, DemoServer};
use crate::email::EmailPlan;
use crate::exit::Exit;
use crate::net::ResolveRule;
use crate::report::{self, Format, Report};
use crate::request::CapturedRequest;
use crate::run::{self, Delivery, RunSettings};
use crate::schedule;
use crate::vendors;

/// The bundled demo store's site config (the same file as `sites/demo-store.toml`).
const DEMO_SITE: &str = include_str!("../../sites/demo-store.toml");

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
4 browser/driver unavailable, 5 report saved but not emailed, 1 anything else.";

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
}

/// `pixelaudit email`.
#[derive(Debug, Args)]
pub struct EmailArgs {
    /// `.eml` files, folders of them, Maildirs, or imap:// / imaps:// mailbox URLs
    /// [default: the site config's `[email] sources`].
    #[arg(value_name = "PATH|IMAP-URL")]
    pub sources: Vec<String>,
    /// The site config whose `[email]` rules, store hosts and page checks apply.
    #[arg(long, value_name = "FILE")]
    pub site: Option<PathBuf>,
    /// Do not audit the landing pages the links lead to.
    #[arg(long)]
    pub no_landing: bool,
    /// Shared run options.
    #[command(flatten)]
    pub run: RunArgs,
}

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

/// `pixelaudit history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The site's name (as in its reports).
    pub site: String,
    /// Where runs are saved.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports_dir: PathBuf,
    /// How many runs, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
    pub format: DecodeFormat,
}

/// `pixelaudit validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Site configs (sites/*.toml).
    #[arg(required = true)]
    pub sites: Vec<PathBuf>,
}

/// `pixelaudit audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A site config (sites/NAME.toml).
    pub site: Option<PathBuf>,
    /// A URL to audit (repeatable); replaces the config's pages when a config is given.
    #[arg(long = "url", value_name = "URL")]
    pub urls: Vec<Url>,
    /// Audit the config against another deploy (a theme preview, staging): pages and journey
    /// steps keep their paths under this base URL.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<Url>,
    /// Store discovery.
    #[command(flatten)]
    pub discover: DiscoverArgs,
    /// Shared run options.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `pixelaudit demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Only serve the demo store (print its address and Chromium flags) until interrupted.
    #[arg(long)]
    pub serve: bool,
    /// Also serve files from this folder at https://fixtures.test/.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Store discovery (the demo store has ~320 pages behind its sitemaps).
    #[command(flatten)]
    pub discover: DiscoverArgs,
    /// Shared run options.
    #[command(flatten)]
    pub run: RunArgs,
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
    /// Applies the flags to the site's discovery options; true when discovery is on.
    fn apply(&self, site: &mut Site) -> bool {
        if self.discover {
            site.discover.all = self.all;
            site.discover.per_type = self.per_type.unwrap_or(site.discover.per_type);
            site.discover.max_pages = self.max_pages.unwrap_or(site.discover.max_pages);
        }
        self.discover
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

/// `pixelaudit decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The request URL.
    pub url: String,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// The request body: a file, or - for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
    pub format: DecodeFormat,
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
pub async fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Audit(args) => audit_command(args).await,
        Command::Demo(args) => demo_command(args).await,
        Command::Decode(args) => decode_command(args),
        Command::Validate(args) => validate_command(&args),
        Command::History(args) => history_command(&args),
        Command::Schedule(args) => schedule_command(args).await,
        Command::Email(args) => email_command(args).await,
    }
}

async fn schedule_command(args: ScheduleArgs) -> Exit {
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

fn history_command(args: &HistoryArgs) -> Exit {
    let runs =
        report::History::open(&args.reports_dir).and_then(|h| h.runs(&args.site, args.limit));
    let runs = match runs {
        Ok(runs) => runs,
        Err(error) => {
            eprintln!(
                "error: cannot read {}: {error}",
                args.reports_dir.join("history.sqlite").display()
            );
            return Exit::Failure;
        }
    };
    match args.format {
        DecodeFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&runs).expect("runs serialize")
        ),
        DecodeFormat::Text if runs.is_empty() => {
            println!("no runs of {} in {}", args.site, args.reports_dir.display())
        }
        DecodeFormat::Text => {
            println!(
                "{:<32} {:>6} {:>7} {:>7} {:>9} {:>12}",
                "started", "pages", "events", "errors", "warnings", "regressions"
            );
            for run in &runs {
                println!(
                    "{:<32} {:>6} {:>7} {:>7} {:>9} {:>12}",
                    run.started_at,
                    run.pages,
                    run.events,
                    run.errors,
                    run.warnings,
                    run.regressions
                );
            }
        }
    }
    Exit::Clean
}

fn validate_command(args: &ValidateArgs) -> Exit {
    let mut exit = Exit::Clean;
    for path in &args.sites {
        match config::load(path) {
            Ok(site) => println!(
                "ok: {} ({} page(s), {} journey(s), {} expectation(s))",
                path.display(),
                site.pages.len(),
                site.journeys.len(),
                site.expectation_count()
            ),
            Err(error) => {
                eprintln!("error: {error}\n");
                exit = Exit::InvalidConfig;
            }
        }
    }
    exit
}

async fn audit_command(args: AuditArgs) -> Exit {
    if let Err(error) = check_output(&args.run) {
        eprintln!("error: {error}");
        return Exit::Failure;
    }
    let mut site = match load_site(args.site.as_deref(), || Site::adhoc("adhoc", &args.urls)) {
        Ok(site) => site,
        Err(exit) => return exit,
    };
    if let Some(base) = &args.base_url {
        site.rebase(base);
    }
    if args.site.is_some() && !args.urls.is_empty() {
        site.only_urls(&args.urls);
    }
    let discover = args.discover.apply(&mut site);
    if discover && site.base_url.host_str().is_none() {
        eprintln!("error: --discover needs a site config (its base_url) or a --url to start from");
        return Exit::Failure;
    }
    if site.pages.is_empty() && site.journeys.is_empty() && !discover {
        eprintln!("error: nothing to audit: give a site config (sites/NAME.toml) or --url URL");
        return Exit::Failure;
    }
    let mut run = args.run;
    run.site_run.discover = discover;
    audit_and_report(&site, &run, Vec::new()).await
}

async fn demo_command(args: DemoArgs) -> Exit {
    if let Err(error) = check_output(&args.run) {
        eprintln!("error: {error}");
        return Exit::Failure;
    }
    let server = match DemoServer::start(DemoOptions {
        fixtures_dir: args.fixtures.clone(),
    })
    .await
    {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot start the demo store: {error}");
            return Exit::Failure;
        }
    };
    if args.serve {
        println!(
            "demo store: {} (port {})",
            server.store_url(),
            server.port()
        );
        println!("chromium flags:");
        for arg in server.chromium_args() {
            println!("  {arg}");
        }
        let cert = demo_certificate_file(&server);
        println!("pixelaudit flags (one network view for Chromium and every client):");
        println!("  --resolve=*.test=127.0.0.1:{}", server.port());
        if let Ok(cert) = &cert {
            println!("  --ca-cert={}", cert.display());
        }
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        if let Ok(cert) = cert {
            let _ = std::fs::remove_file(cert);
        }
        return Exit::Clean;
    }
    let mut site = Site::parse(Path::new("sites/demo-store.toml"), DEMO_SITE)
        .expect("the bundled demo config is valid (tested)");
    let mut run = args.run;
    let mut cert = None;
    if args.discover.apply(&mut site) {
        // Discovery reads robots.txt and sitemaps over HTTP: the same host mapping and the
        // server's certificate as Chromium gets.
        run.site_run.discover = true;
        run.site_run.resolve.push(
            format!("*.test=127.0.0.1:{}", server.port())
                .parse()
                .expect("a valid rule"),
        );
        match demo_certificate_file(&server) {
            Ok(path) => {
                run.site_run.ca_certs.push(path.clone());
                cert = Some(path);
            }
            Err(error) => eprintln!("warning: {error}"),
        }
    }
    let exit = audit_and_report(&site, &run, server.chromium_args()).await;
    server.shutdown().await;
    if let Some(cert) = cert {
        let _ = std::fs::remove_file(cert);
    }
    exit
}

/// The demo server's certificate in a PEM file (for `--ca-cert`), in the temp folder.
fn demo_certificate_file(server: &DemoServer) -> Result<PathBuf, String> {
    let path = std::env::temp_dir().join(format!("pixelaudit-demo-{}.pem", std::process::id()));
    std::fs::write(&path, server.certificate_pem())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

async fn email_command(args: EmailArgs) -> Exit {
    if let Err(error) = check_output(&args.run) {
        eprintln!("error: {error}");
        return Exit::Failure;
    }
    let mut site = match load_site(args.site.as_deref(), || Site::adhoc("emails", &[])) {
        Ok(site) => site,
        Err(exit) => return exit,
    };
    let mut plan = site
        .email
        .clone()
        .unwrap_or_else(|| EmailPlan::defaults(args.site.as_ref().and(site.base_url.host_str())));
    if args.no_landing {
        plan.audit_landing_pages = false;
    }
    if !args.sources.is_empty() {
        plan.sources = args.sources.clone();
    }
    if plan.sources.is_empty() {
        eprintln!("error: no emails to audit: give .eml files, folders or an imaps:// URL, or a --site whose [email] section lists sources");
        return Exit::Failure;
    }
    site.email = Some(plan);
    site.only_urls(&[]);
    audit_and_report(&site, &args.run, Vec::new()).await
}

/// A progress bar on stderr when it is a terminal; otherwise progress goes to the log (`-v`).
fn progress_bar(options: &mut audit::AuditOptions) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        options.progress = Some(audit::Progress(std::sync::Arc::new(
            |done, total, label| {
                tracing::info!("progress {done}/{total}: {label}");
            },
        )));
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let handle = bar.clone();
    options.progress = Some(audit::Progress(std::sync::Arc::new(
        move |done, total, label| {
            handle.set_length(total as u64);
            handle.set_position(done as u64);
            handle.set_message(label.to_string());
        },
    )));
    Some(bar)
}

/// The site config at `path` (its errors printed, exit code 3), or the ad-hoc site without one.
fn load_site(path: Option<&Path>, adhoc: impl FnOnce() -> Site) -> Result<Site, Exit> {
    match path {
        Some(path) => config::load(path).map_err(|error| {
            eprintln!("error: {error}");
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
        Err(error) => eprintln!("warning: {error}"),
    }
    for warning in &done.warnings {
        eprintln!("warning: {warning}");
    }
    let report = &done.report;
    if let Err(error) = emit(report, run) {
        eprintln!("error: {error}");
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

fn decode_command(args: DecodeArgs) -> Exit {
    let body = match &args.body {
        None => None,
        Some(path) if path.as_os_str() == "-" => {
            let mut text = String::new();
            if let Err(error) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("error: cannot read the body from stdin: {error}");
                return Exit::Failure;
            }
            Some(text)
        }
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.display());
                return Exit::Failure;
            }
        },
    };
    let request = CapturedRequest::new(&args.method, &args.url, body.as_deref());
    let hits = vendors::decode(&request);
    match args.format {
        DecodeFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&hits).expect("hits serialize")
            );
        }
        DecodeFormat::Text if hits.is_empty() => println!("no vendor recognises this request"),
        DecodeFormat::Text => {
            for hit in &hits {
                println!(
                    "{} {:?} event={} account={} class={:?}",
                    hit.vendor,
                    hit.kind,
                    hit.event.as_deref().unwrap_or("-"),
                    hit.account.as_deref().unwrap_or("-"),
                    hit.class
                );
                for (key, value) in &hit.params {
                    println!("  {key} = {value}");
                }
                if !hit.raw.is_empty() {
                    println!("  raw:");
                    for (key, value) in &hit.raw {
                        println!("    {key} = {value}");
                    }
                }
            }
        }
    }
    Exit::Clean
}
