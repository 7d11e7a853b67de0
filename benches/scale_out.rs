//! Scale-out: pages per minute against the number of parallel browser sessions (1, 2, 4) on the
//! demo store's generated catalog (pages found by discovery, as `--discover` finds them), the
//! memory each session costs, and optionally the same audit through a Selenium Grid. Every
//! figure is a ratio against the 1-session run measured in the same run.
//!
//!     cargo bench --bench scale_out
//!     PIXELAUDIT_BENCH_GRID=http://127.0.0.1:4444 cargo bench --bench scale_out   # + Grid
//!
//! Where the time goes: per page, the wall time is the page's own floor (its last tracking
//! request + the quiet window) plus our overhead; sessions overlap those floors, so throughput
//! grows until the CPU saturates (each Chromium renders, runs the tags' JavaScript and its
//! workers).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pixelaudit::audit::AuditOptions;
use pixelaudit::net::Network;
use pixelaudit::{audit, discover};
use pixelaudit_browser::{BrowserOptions, DriverOptions, IdleOptions};
use pixelaudit_core::config::{ConsentAction, CookieSpec, DiscoverOptions, Site};
use pixelaudit_core::model::Scenario;
use pixelaudit_demo::{DemoOptions, DemoServer};

/// Pages audited per configuration.
const PAGES: usize = 48;

#[tokio::main]
async fn main() {
    let quiet = Duration::from_millis(1000);
    let server = DemoServer::start(DemoOptions::default())
        .await
        .expect("demo server");
    let cert = std::env::temp_dir().join(format!("scale-out-{}.pem", std::process::id()));
    std::fs::write(&cert, server.certificate_pem()).expect("write cert");
    let network = Network::new(
        vec![format!("*.test=127.0.0.1:{}", server.port())
            .parse()
            .unwrap()],
        &[&cert],
        false,
    )
    .expect("network");
    let client = network.http_client().unwrap().build().unwrap();
    let mut site = Site::parse(
        std::path::Path::new("sites/demo-store.toml"),
        include_str!("../sites/demo-store.toml"),
    )
    .expect("demo config");
    let found = discover::discover(
        &client,
        &site.base_url,
        &DiscoverOptions {
            per_type: PAGES,
            ..site.discover.clone()
        },
    )
    .await;
    let mut picked = discover::sample(&found, PAGES / 4, false);
    picked.truncate(PAGES);
    println!(
        "scale_out: {} pages discovered, {} audited per run (types: {:?}), quiet window {} ms",
        found.pages.len(),
        picked.len(),
        picked
            .iter()
            .fold(BTreeMap::<&str, usize>::new(), |mut m, p| {
                *m.entry(p.page_type.as_str()).or_default() += 1;
                m
            }),
        quiet.as_millis()
    );
    site.pages = picked
        .iter()
        .map(|p| {
            let mut plan = site.found_page(p.url.path().to_string(), p.url.clone());
            plan.scenarios = vec![Scenario::Accept];
            plan
        })
        .collect();
    site.journeys.clear();
    // A visitor whose consent cookie is set: every tag fires on load, no banner click.
    site.consent.as_mut().expect("consent").accept = Some(ConsentAction {
        click: None,
        cookies: vec![CookieSpec {
            name: "nw_consent".into(),
            value: "granted".into(),
            url: None,
            domain: None,
            path: None,
        }],
        local_storage: Default::default(),
    });
    let options = |sessions: usize, webdriver: Option<String>| AuditOptions {
        driver: DriverOptions {
            webdriver_url: webdriver,
            ..Default::default()
        },
        browser: BrowserOptions {
            args: server.chromium_args(),
            ..Default::default()
        },
        idle: IdleOptions {
            quiet,
            ..Default::default()
        },
        sessions,
        ..Default::default()
    };

    println!(
        "{:<22} {:>6} {:>9} {:>10} {:>9} {:>12} {:>14} {:>14}",
        "run",
        "pages",
        "wall s",
        "pages/min",
        "speed-up",
        "page wall ms",
        "peak PSS MB",
        "MB per session"
    );
    let mut baseline = None;
    let mut runs: Vec<(String, usize, Option<String>)> = [1, 2, 4]
        .iter()
        .map(|&n| (format!("direct, {n} session(s)"), n, None))
        .collect();
    if let Ok(grid) = std::env::var("PIXELAUDIT_BENCH_GRID") {
        runs.push(("grid, 1 session".into(), 1, Some(grid.clone())));
        runs.push(("grid, 2 sessions".into(), 2, Some(grid)));
    }
    for (label, sessions, webdriver) in runs {
        let grid = webdriver.is_some();
        let memory = Memory::watch();
        let started = Instant::now();
        let report = audit::run(&site, &options(sessions, webdriver))
            .await
            .expect("browser available");
        let wall = started.elapsed().as_secs_f64();
        let peak = memory.stop();
        let per_min = report.pages.len() as f64 / wall * 60.0;
        let base = *baseline.get_or_insert(per_min);
        let page_wall =
            report.pages.iter().map(|p| p.wall_ms).sum::<f64>() / report.pages.len() as f64;
        let errors = report.summary.errors;
        // Through a Grid the browsers are the Grid's children, not ours: memory is not measured.
        let (rss, per_session) = if grid {
            ("-".to_string(), "-".to_string())
        } else {
            (
                format!("{:.0}", peak as f64 / 1e6),
                format!("{:.0}", peak as f64 / 1e6 / sessions as f64),
            )
        };
        println!(
            "{label:<22} {:>6} {wall:>9.1} {per_min:>10.1} {:>9.2} {page_wall:>12.0} {rss:>14} {per_session:>14}   ({errors} error findings)",
            report.pages.len(),
            per_min / base,
        );
    }
    server.shutdown().await;
    let _ = std::fs::remove_file(cert);
}

/// Samples the memory (PSS) of this process's descendants (chromedriver, Chromium and its
/// renderers) every 100 ms and keeps the peak.
struct Memory {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl Memory {
    fn watch() -> Memory {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let (s, p) = (Arc::clone(&stop), Arc::clone(&peak));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                p.fetch_max(descendants_rss(std::process::id()), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Memory { stop, peak, thread }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.thread.join();
        self.peak.load(Ordering::SeqCst)
    }
}

/// The summed proportional set size (PSS: shared pages split between the processes sharing
/// them, so Chromium's many processes are not counted several times) in bytes of every process
/// below `root`, from /proc.
fn descendants_rss(root: u32) -> u64 {
    let mut parent = BTreeMap::new();
    let mut rss = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name (which may contain spaces) start after ") ".
        let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let Some(ppid) = fields.get(1) else {
            continue;
        };
        parent.insert(pid, ppid.parse::<u32>().unwrap_or(0));
        let pss_kb = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with("Pss:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
            .unwrap_or(0);
        rss.insert(pid, pss_kb * 1024);
    }
    rss.iter()
        .filter(|(pid, _)| {
            let mut at = **pid;
            for _ in 0..64 {
                match parent.get(&at) {
                    Some(&p) if p == root => return true,
                    Some(&p) if p > 1 => at = p,
                    _ => return false,
                }
            }
            false
        })
        .map(|(_, bytes)| bytes)
        .sum()
}
