//! `pixelaudit email`: audit test marketing emails (open pixels, click-tracking redirects,
//! landing pages) from `.eml` files, Maildirs or IMAP.

use std::path::PathBuf;

use clap::Args;

use super::{audit_and_report, check_output, load_site, RunArgs};
use crate::exit::Exit;
use pixelaudit_core::config::{EmailPlan, Site};

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

pub(super) async fn run(args: EmailArgs) -> Exit {
    if let Err(error) = check_output(&args.run) {
        eprintln!("error: {error}");
        return Exit::Usage;
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
