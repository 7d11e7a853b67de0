//! Audit speed on the bundled demo store: pages per minute, and each page's wall time against
//! its physical floor (the time its last tracking request was sent + the quiet window), both
//! measured in this run. Run with `cargo bench --bench audit_speed` (or `scripts/dev.sh bench`).

use std::time::{Duration, Instant};

use pixelaudit::audit;
use pixelaudit::audit::AuditOptions;
use pixelaudit_browser::{BrowserOptions, IdleOptions};
use pixelaudit_core::config::{ConsentAction, CookieSpec, PagePlan, Site};
use pixelaudit_core::model::Scenario;
use pixelaudit_demo::{DemoOptions, DemoServer};

const ROUNDS: usize = 4;

#[tokio::main]
async fn main() {
    let quiet = Duration::from_millis(1000);
    let server = DemoServer::start(DemoOptions::default())
        .await
        .expect("demo server");
    let mut site = Site::parse(
        std::path::Path::new("sites/demo-store.toml"),
        include_str!("../sites/demo-store.toml"),
    )
    .expect("demo config");
    // The same pages, ROUNDS times over, as a visitor whose consent cookie is already set (so
    // every tag fires on load and no banner click adds to the time); no journeys.
    let per_round = site.pages.len();
    let mut pages = Vec::new();
    for round in 0..ROUNDS {
        for page in &site.pages {
            let mut plan = PagePlan::adhoc(page.url.clone());
            plan.name = format!("{}#{round}", page.name);
            plan.scenarios = vec![Scenario::Accept];
            pages.push(plan);
        }
    }
    site.pages = pages;
    site.journeys.clear();
    let consent = site
        .consent
        .as_mut()
        .expect("the demo store has a consent banner");
    consent.accept = Some(ConsentAction {
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
    let args = server.chromium_args();
    let options = AuditOptions {
        browser: BrowserOptions {
            args,
            ..Default::default()
        },
        idle: IdleOptions {
            quiet,
            ..Default::default()
        },
        ..Default::default()
    };
    let started = Instant::now();
    let report = audit::run(&site, &options)
        .await
        .expect("browser available");
    let total = started.elapsed();
    server.shutdown().await;

    println!(
        "audit_speed: {} pages, one browser session, quiet window {} ms",
        report.pages.len(),
        quiet.as_millis()
    );
    println!(
        "{:<16} {:>9} {:>12} {:>10} {:>12} {:>7}",
        "page", "wall ms", "last hit ms", "floor ms", "overhead ms", "ratio"
    );
    let mut ratios = Vec::new();
    let mut overheads = Vec::new();
    for page in &report.pages {
        let last = page.last_hit_ms.unwrap_or(0.0);
        let floor = last + quiet.as_secs_f64() * 1000.0;
        let overhead = page.wall_ms - floor;
        ratios.push(page.wall_ms / floor);
        overheads.push(overhead);
        println!(
            "{:<16} {:>9.0} {:>12.0} {:>10.0} {:>12.0} {:>7.2}",
            page.name,
            page.wall_ms,
            last,
            floor,
            overhead,
            page.wall_ms / floor
        );
    }
    // The first round includes the browser's cold start of the store; report the steady state too.
    let steady = &overheads[per_round.min(overheads.len())..];
    let max_overhead = steady.iter().cloned().fold(f64::MIN, f64::max);
    let mean_ratio = ratios.iter().sum::<f64>() / ratios.len() as f64;
    println!(
        "pages/min (including browser start): {:.1}; total {:.1} s",
        report.pages.len() as f64 / total.as_secs_f64() * 60.0,
        total.as_secs_f64()
    );
    println!(
        "mean wall / floor ratio: {mean_ratio:.3}; max overhead over floor after the first round: {max_overhead:.0} ms (target <= 300 ms)"
    );
}
