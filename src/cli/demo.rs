//! `pixelaudit demo`: start the bundled demo store and audit it with sites/demo-store.toml, or
//! only serve it (`--serve`).

use std::path::{Path, PathBuf};

use clap::Args;

use super::{audit_and_report, check_output, DiscoverArgs, RunArgs};
use crate::exit::Exit;
use crate::run::SiteOverrides;
use pixelaudit_core::config::Site;
use pixelaudit_demo::{DemoOptions, DemoServer};

/// The bundled demo store's site config (the same file as `sites/demo-store.toml`).
const DEMO_SITE: &str = include_str!("../../sites/demo-store.toml");

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

pub(super) async fn run(args: DemoArgs) -> Exit {
    if let Err(error) = check_output(&args.run) {
        eprintln!("error: {error}");
        return Exit::Usage;
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
        println!("pixelaudit flags (one network view for Chromium and every client; either these or the chromium flags above as --browser-arg):");
        for rule in server.resolve_rules() {
            println!("  --resolve={rule}");
        }
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
    let overrides = SiteOverrides {
        discover: args.discover.overrides(),
        ..SiteOverrides::default()
    };
    if overrides.apply(&mut site) {
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
