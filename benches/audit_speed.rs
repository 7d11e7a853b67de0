//! Audit speed on the bundled demo store: pages per minute, and each page's wall time against
//! its physical floor (the time its last tracking request was sent + the quiet window), both
//! measured in this run. Run with `cargo bench --bench audit_speed` (or `scripts/dev.sh bench`).

use std::time::{Duration, Instant};

use pixelaudit::audit::{self, AuditOptions, AuditTarget};
use pixelaudit::browser::{BrowserOptions, IdleOptions};
use pixelaudit::config::SiteConfig;
use pixelaudit::demo::{DemoOptions, DemoServer};

const ROUNDS: usize = 4;

#[tokio::main]
async fn main() {
    let quiet = Duration::from_millis(1000);
    let server = DemoServer::start(DemoOptions::default())
        .await
        .expect("demo server");
    let config = SiteConfig::parse(
        std::path::Path::new("sites/demo-store.toml"),
        include_str!("../sites/demo-store.toml"),
    )
    .expect("demo config");
    let mut pages = Vec::new();
    for round in 0..ROUNDS {
        for (name, url) in config.page_urls() {
            pages.push((format!("{name}#{round}"), url));
        }
    }
    let target = AuditTarget {
        site: "bench".into(),
        pages,
    };
    let options = AuditOptions {
        browser: BrowserOptions {
            args: server.chromium_args(),
            ..Default::default()
        },
        idle: IdleOptions {
            quiet,
            ..Default::default()
        },
        ..Default::default()
    };
    let started = Instant::now();
    let report = audit::run(&target, &options)
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
        let ratio = page.wall_ms / floor;
        ratios.push(ratio);
        overheads.push(overhead);
        println!(
            "{:<16} {:>9.0} {:>12.0} {:>10.0} {:>12.0} {:>7.2}",
            page.name, page.wall_ms, last, floor, overhead, ratio
        );
    }
    // The first page includes the browser's cold start of the store; report the steady state too.
    let steady = &overheads[config.page_urls().len().min(overheads.len())..];
    let max_overhead = steady.iter().cloned().fold(f64::MIN, f64::max);
    let mean_ratio = ratios.iter().sum::<f64>() / ratios.len() as f64;
    println!(
        "pages/min (including browser start): {:.1}; total {:.1} s",
        report.pages.len() as f64 / total.as_secs_f64() * 60.0,
        total.as_secs_f64()
    );
    println!("mean wall / floor ratio: {mean_ratio:.3}; max overhead over floor after the first round: {max_overhead:.0} ms (target <= 300 ms)");
}
