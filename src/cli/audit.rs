//! `pixelaudit audit`: a site config's pages, or ad-hoc URLs with the generic checks.

use std::path::PathBuf;

use clap::Args;
use url::Url;

use super::{audit_and_report, check_output, load_site, DiscoverArgs, RunArgs};
use crate::exit::Exit;
use crate::run::SiteOverrides;
use pixelaudit_core::config::Site;

/// `pixelaudit audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A site config (sites/NAME.toml).
    pub site: Option<PathBuf>,
    /// A URL to audit (repeatable); replaces the config's pages when a config is given.
    #[arg(long = "url", value_name = "URL", value_parser = web_url)]
    pub urls: Vec<Url>,
    /// Audit the config against another deploy (a theme preview, staging): pages and journey
    /// steps keep their paths under this base URL.
    #[arg(long, value_name = "URL", value_parser = web_url)]
    pub base_url: Option<Url>,
    /// Store discovery.
    #[command(flatten)]
    pub discover: DiscoverArgs,
    /// Shared run options.
    #[command(flatten)]
    pub run: RunArgs,
}

pub(super) async fn run(args: AuditArgs) -> Exit {
    if let Err(error) = check_output(&args.run) {
        eprintln!("error: {error}");
        return Exit::Usage;
    }
    let mut site = match load_site(args.site.as_deref(), || Site::adhoc("adhoc", &args.urls)) {
        Ok(site) => site,
        Err(exit) => return exit,
    };
    let overrides = SiteOverrides {
        base_url: args.base_url.clone(),
        only_urls: match args.site {
            Some(_) => args.urls.clone(),
            // The URLs are the ad-hoc site's pages already.
            None => Vec::new(),
        },
        discover: args.discover.overrides(),
    };
    let discover = overrides.apply(&mut site);
    if discover && site.base_url.host_str().is_none() {
        eprintln!("error: --discover needs a site config (its base_url) or a --url to start from");
        return Exit::Usage;
    }
    if site.pages.is_empty() && site.journeys.is_empty() && !discover {
        eprintln!("error: nothing to audit: give a site config (sites/NAME.toml) or --url URL");
        return Exit::Usage;
    }
    let mut run = args.run;
    run.site_run.discover = discover;
    audit_and_report(&site, &run, Vec::new()).await
}

/// A `--url` / `--base-url` value: an http(s) URL (`file:`, `javascript:` and `data:` are
/// refused before anything runs).
fn web_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    pixelaudit_core::config::web_page(&url)?;
    Ok(url)
}
