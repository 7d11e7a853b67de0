//! The command line: argument definitions and the commands behind them.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use url::Url;

use std::sync::Arc;

use crate::adblock::{Blocker, FilterList, ListCache};
use crate::audit::{self, AdblockOptions, AuditOptions};
use crate::browser::{BrowserOptions, DriverOptions, IdleOptions};
use crate::config::{self, AdblockPlan, Site};
use crate::demo::{DemoOptions, DemoServer};
use crate::exit::Exit;
use crate::notify::{self, NotifyPlan};
use crate::report::{self, Format, Report};
use crate::request::CapturedRequest;
use crate::vendors;

/// The bundled demo store's site config (the same file as `sites/demo-store.toml`).
const DEMO_SITE: &str = include_str!("../sites/demo-store.toml");

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
    /// Shared run options.
    #[command(flatten)]
    pub run: RunArgs,
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
    /// What makes the exit code 2: error findings (default), or warnings too.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Do not email the report even if the site config has a [notify] section.
    #[arg(long)]
    pub no_email: bool,
    /// Measure what ad blockers remove (EasyList + EasyPrivacy, and a blocked run), also for
    /// sites without an [adblock] section.
    #[arg(long)]
    pub adblock: bool,
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
    let mut site = match &args.site {
        Some(path) => match config::load(path) {
            Ok(site) => site,
            Err(error) => {
                eprintln!("error: {error}");
                return Exit::InvalidConfig;
            }
        },
        None => Site::adhoc("adhoc", &args.urls),
    };
    if let Some(base) = &args.base_url {
        site.rebase(base);
    }
    if args.site.is_some() && !args.urls.is_empty() {
        site.only_urls(&args.urls);
    }
    if site.pages.is_empty() && site.journeys.is_empty() {
        eprintln!("error: nothing to audit: give a site config (sites/NAME.toml) or --url URL");
        return Exit::Failure;
    }
    let options = match audit_options(&site, &args.run, Vec::new()).await {
        Ok(options) => options,
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Failure;
        }
    };
    audit_and_report(&site, &options, &args.run).await
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
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        return Exit::Clean;
    }
    let site = Site::parse(Path::new("sites/demo-store.toml"), DEMO_SITE)
        .expect("the bundled demo config is valid (tested)");
    let exit = match audit_options(&site, &args.run, server.chromium_args()).await {
        Ok(options) => audit_and_report(&site, &options, &args.run).await,
        Err(error) => {
            eprintln!("error: {error}");
            Exit::Failure
        }
    };
    server.shutdown().await;
    exit
}

async fn audit_options(
    site: &Site,
    run: &RunArgs,
    extra_args: Vec<String>,
) -> Result<AuditOptions, String> {
    let browser_config = &site.browser;
    let mut args = browser_config.args.clone();
    args.extend(extra_args);
    args.extend(run.browser_args.iter().cloned());
    let defaults = IdleOptions::default();
    Ok(AuditOptions {
        driver: DriverOptions {
            webdriver_url: run.webdriver.clone(),
            chromedriver: run.chromedriver.clone(),
            chrome: run.chrome.clone(),
            process_group: false,
        },
        browser: BrowserOptions {
            args,
            page_load_timeout: browser_config.page_load_timeout(),
        },
        idle: IdleOptions {
            quiet: run
                .quiet_ms
                .map(Duration::from_millis)
                .or(browser_config.quiet())
                .unwrap_or(defaults.quiet),
            max_wait: run
                .max_wait_ms
                .map(Duration::from_millis)
                .or(browser_config.max_wait())
                .unwrap_or(defaults.max_wait),
            ..defaults
        },
        expect_timeout: browser_config.expect_timeout(),
        adblock: adblock_options(site, run).await?,
        stop: Default::default(),
    })
}

async fn adblock_options(site: &Site, run: &RunArgs) -> Result<Option<AdblockOptions>, String> {
    let plan = match (&site.adblock, run.adblock) {
        (Some(plan), _) => plan.clone(),
        (None, true) => AdblockPlan::default(),
        (None, false) => return Ok(None),
    };
    let cache = ListCache {
        dir: run.reports_dir.join(".cache").join("filter-lists"),
        max_age: plan.max_age,
    };
    let mut lists = Vec::new();
    for spec in &plan.lists {
        let list = FilterList::fetch(spec, &cache).await?;
        if let Some(note) = &list.note {
            eprintln!("filter list {} ({}): {note}", list.name, list.source);
        }
        lists.push(list);
    }
    let blocker = Blocker::new(lists);
    for list in blocker.lists() {
        tracing::info!(list = %list.name, rules = list.rules, load_ms = list.load_ms, "filter list loaded");
    }
    Ok(Some(AdblockOptions {
        blocker: Arc::new(blocker),
        blocked_run: plan.blocked_run,
        severity: plan.severity,
    }))
}

async fn deliver(plan: &NotifyPlan, report: &Report) -> Result<(), String> {
    let message = notify::build_message(plan, report)?;
    notify::send(plan, message, notify::Credentials::from_env())
        .await
        .map_err(|e| e.to_string())
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

async fn audit_and_report(site: &Site, options: &AuditOptions, run: &RunArgs) -> Exit {
    let mut report = match audit::run(site, options).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: browser unavailable: {error}");
            return Exit::BrowserUnavailable;
        }
    };
    let previous = run
        .reports_dir
        .join(report::safe_dir_name(&report.site))
        .join("latest")
        .join("report.json");
    if let Some(previous) = report::load_previous(&previous) {
        report.regressions = Some(report::compare_runs(&previous, &report));
    }
    match report::History::open(&run.reports_dir) {
        Ok(history) => report.history = history.vendor_health(&report.site, 20).ok(),
        Err(error) => tracing::warn!("run history unavailable: {error}"),
    }
    match report::save_run(&run.reports_dir, &report) {
        Ok(folder) => eprintln!(
            "reports saved to {} (and {})",
            folder.display(),
            folder.with_file_name("latest").display()
        ),
        Err(error) => eprintln!(
            "warning: could not save the report under {}: {error}",
            run.reports_dir.display()
        ),
    }
    if let Err(error) = emit(&report, run) {
        eprintln!("error: {error}");
        return Exit::Failure;
    }
    if let Err(error) = report::History::open(&run.reports_dir).and_then(|mut h| h.record(&report))
    {
        eprintln!("warning: the run could not be added to the history: {error}");
    }
    if let (Some(plan), false) = (&site.notify, run.no_email) {
        if plan.wants(&report) {
            if let Err(error) = deliver(plan, &report).await {
                eprintln!("error: {error} (the reports are saved on disk)");
                return Exit::DeliveryFailed;
            }
            eprintln!("report emailed to {}", plan.to.join(", "));
        }
    }
    match run.fail_on {
        FailOn::Error => Exit::for_report(&report),
        FailOn::Warning if report.summary.warnings > 0 => Exit::Findings,
        FailOn::Warning => Exit::for_report(&report),
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
