//! Email audits: test marketing emails (.eml, Maildir, IMAP) → their open pixels rendered in
//! Chromium, their links' click-tracking redirects followed over HTTP, and the landing pages
//! they send readers to, checked like any page.

pub mod imap;
mod redirect;
mod render;
mod source;

pub use source::{read_path, EmailSource, RawEmail};

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::stream::{self, StreamExt};
use url::Url;

use pixelaudit_core::config::EmailPlan;
use pixelaudit_core::email::{
    checks, esp, extract, message, Chain, EmailLink, EmailReport, Esp, OpenPixel,
};

use crate::net::Network;
use pixelaudit_browser::{IdleOptions, Session};

/// What the audit got from the sources: messages, or a source that failed as a whole.
#[derive(Debug, Clone)]
pub enum Intake {
    /// A message to audit.
    Email(RawEmail),
    /// A source that could not be read (an unreachable IMAP server, a missing folder).
    Failed {
        /// The source.
        source: String,
        /// Why.
        error: String,
    },
}

/// An IMAP source's progress, saved once the run's report is saved (so a crash never loses
/// mail: the next run audits it again).
pub struct Checkpoint(imap::Checkpoint);

impl Checkpoint {
    /// Remembers the source's messages as audited.
    pub fn commit(self) -> std::io::Result<()> {
        self.0.commit()
    }
}

/// Reads every source: files and folders directly, IMAP mailboxes for their new messages
/// (state under `state_dir`). A source that fails becomes an [`Intake::Failed`]; the others
/// are still read.
pub async fn gather(
    sources: &[EmailSource],
    network: &Network,
    state_dir: &std::path::Path,
    timeout: std::time::Duration,
) -> (Vec<Intake>, Vec<Checkpoint>) {
    let mut intake = Vec::new();
    let mut checkpoints = Vec::new();
    for source in sources {
        match source {
            EmailSource::Path(path) => match read_path(path) {
                Ok(emails) => intake.extend(emails.into_iter().map(Intake::Email)),
                Err(error) => intake.push(Intake::Failed {
                    source: path.display().to_string(),
                    error,
                }),
            },
            EmailSource::Imap(url) => match fetch_imap(url, network, state_dir, timeout).await {
                Ok((emails, checkpoint)) => {
                    intake.extend(emails.into_iter().map(Intake::Email));
                    checkpoints.push(Checkpoint(checkpoint));
                }
                Err(error) => intake.push(Intake::Failed {
                    source: imap::ImapSource::parse(url)
                        .map_or_else(|_| url.clone(), |s| s.to_string()),
                    error: error.to_string(),
                }),
            },
        }
    }
    (intake, checkpoints)
}

/// One IMAP mailbox's new messages, with the run's network view (`--resolve`, `--ca-cert`).
async fn fetch_imap(
    url: &str,
    network: &Network,
    state_dir: &std::path::Path,
    timeout: std::time::Duration,
) -> Result<(Vec<RawEmail>, imap::Checkpoint), imap::ImapError> {
    let source = imap::ImapSource::parse(url)?;
    let credentials = imap::ImapCredentials::from_env(&source)?;
    let trust = imap::Trust {
        ca_pems: network.ca_certs.iter().map(|c| c.pem.clone()).collect(),
        insecure: network.insecure,
    };
    // As in Chromium, a rule replaces the host's address and port.
    let connect_to = network.lookup(&source.host);
    let fetch = imap::fetch_new(
        &source,
        &credentials,
        &trust,
        connect_to,
        state_dir,
        timeout,
    )
    .await?;
    if let Some(note) = &fetch.note {
        tracing::info!(source = %source, "{note}");
    }
    tracing::info!(source = %source, new = fetch.messages.len(), "IMAP mailbox read");
    let emails = fetch
        .messages
        .into_iter()
        .map(|m| RawEmail {
            label: m.label,
            bytes: m.raw,
        })
        .collect();
    Ok((emails, fetch.checkpoint))
}

/// Everything an email audit needs besides the browser.
#[derive(Debug, Clone)]
pub struct EmailInput {
    /// The messages (and failed sources).
    pub intake: Vec<Intake>,
    /// What to check.
    pub plan: EmailPlan,
    /// Host overrides and trust for the redirect follower.
    pub network: Network,
}

/// Audits every email: pixels rendered in `session`, links followed with the network's HTTP
/// client. Returns the reports and the distinct store landing pages, in first-seen order.
pub async fn audit(
    session: Option<&Session>,
    input: &EmailInput,
    idle: IdleOptions,
) -> (Vec<EmailReport>, Vec<Url>) {
    let client = input
        .network
        .http_client()
        .and_then(|b| redirect::client(b, input.plan.timeout));
    let mut reports = Vec::new();
    let mut chains: HashMap<String, Chain> = HashMap::new();
    for item in &input.intake {
        let report = match item {
            Intake::Failed { source, error } => checks::unreadable(source, error),
            Intake::Email(raw) => match (&client, message::parse(&raw.bytes)) {
                (_, Err(error)) => checks::unreadable(&raw.label, &error),
                (Err(error), _) => checks::unreadable(&raw.label, error),
                (Ok(client), Ok(parsed)) => {
                    tracing::info!(email = %raw.label, "auditing email");
                    audit_one(session, client, raw, parsed, input, idle, &mut chains).await
                }
            },
        };
        reports.push(report);
    }
    let (landing, left_out) = at_most(landing_pages(&reports), MAX_LANDING_PAGES);
    if left_out > 0 {
        tracing::warn!(
            "the emails link to {} distinct store pages; the first {MAX_LANDING_PAGES} are audited as landing pages, {left_out} are left out",
            MAX_LANDING_PAGES + left_out
        );
    }
    (reports, landing)
}

/// The most distinct landing pages one email audit opens in the browser: each is a page
/// audit, and an email (or a hostile one) can hold a thousand links.
pub const MAX_LANDING_PAGES: usize = 50;

/// The first `max` items, and how many were left out.
fn at_most<T>(mut items: Vec<T>, max: usize) -> (Vec<T>, usize) {
    let left_out = items.len().saturating_sub(max);
    items.truncate(max);
    (items, left_out)
}

async fn audit_one(
    session: Option<&Session>,
    client: &reqwest::Client,
    raw: &RawEmail,
    parsed: message::ParsedEmail,
    input: &EmailInput,
    idle: IdleOptions,
    chains: &mut HashMap<String, Chain>,
) -> EmailReport {
    let mut report = EmailReport {
        source: raw.label.clone(),
        subject: parsed.subject.clone(),
        from: parsed.from.clone(),
        to: parsed.to.clone(),
        date: parsed.date.clone(),
        message_id: parsed.message_id.clone(),
        esp: None,
        open_pixels: Vec::new(),
        links: Vec::new(),
        findings: Vec::new(),
        error: None,
    };
    let Some(html) = parsed.html.as_deref() else {
        report.findings = checks::check(&report, &input.plan);
        return report;
    };
    let found = extract::extract(html);
    let mut links = links_of(&found);
    // Follow each distinct link once (several emails often share links), a few at a time.
    let to_follow: BTreeSet<String> = links
        .iter()
        .filter(|l| !l.unsubscribe && !chains.contains_key(&l.href))
        .map(|l| l.href.clone())
        .collect();
    let followed: Vec<(String, Chain)> = stream::iter(to_follow)
        .map(|href| async move {
            let chain = match Url::parse(&href) {
                Ok(url) => redirect::follow(client, &url, input.plan.max_redirects).await,
                Err(e) => Chain {
                    hops: Vec::new(),
                    error: Some(format!("not a valid URL: {e}")),
                },
            };
            (href, chain)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    chains.extend(followed);
    for link in &mut links {
        if let Some(chain) = chains.get(&link.href) {
            apply_chain(link, chain);
        }
    }
    let store = if input.plan.store_hosts.is_empty() {
        checks::infer_store_hosts(&links)
    } else {
        input.plan.store_hosts.clone()
    };
    for link in &mut links {
        link.to_store = link
            .destination
            .as_deref()
            .or(link.decoded_destination.as_deref())
            .and_then(|d| Url::parse(d).ok())
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .is_some_and(|h| store.contains(&h));
    }
    report.open_pixels = open_pixels(&found, &links);
    if !report.open_pixels.is_empty() {
        let rendered = match session {
            Some(session) => render::render(session, html, idle).await,
            None => Err("no browser session: the open pixels could not be rendered".to_string()),
        };
        match rendered {
            Ok(capture) => {
                for pixel in &mut report.open_pixels {
                    let Ok(url) = Url::parse(&pixel.url) else {
                        continue;
                    };
                    if let Some(request) = render::request_for(&capture.requests, &url) {
                        pixel.requested = true;
                        pixel.status = request.status;
                        pixel.mime_type = request.mime_type.clone();
                        pixel.outcome = request.outcome();
                    }
                }
            }
            Err(error) => report.error = Some(error),
        }
    }
    report.esp = attributed_esp(&report.open_pixels, &links, &parsed.headers);
    report.links = links;
    report.findings = checks::check_with_store(&report, &input.plan, &store);
    report
}

/// The links of the email, classified (not yet followed).
fn links_of(found: &extract::Extracted) -> Vec<EmailLink> {
    found
        .links
        .iter()
        .filter_map(|link| {
            let url = link.url.as_ref()?;
            let wrapper = esp::click_wrapper(url);
            Some(EmailLink {
                href: link.href.clone(),
                text: link.text.clone(),
                esp: wrapper.as_ref().map(|w| w.esp),
                tracked: wrapper.is_some(),
                unsubscribe: esp::is_unsubscribe_link(url),
                decoded_destination: wrapper.and_then(|w| w.destination).map(|d| d.to_string()),
                hops: Vec::new(),
                destination: None,
                error: None,
                to_store: false,
                utm: BTreeMap::new(),
                identity: Vec::new(),
            })
        })
        .collect()
}

/// Records a followed chain on a link: hops, destination, its UTMs, and whether the link
/// went through a redirect on another host (click tracking, even on an unknown host).
fn apply_chain(link: &mut EmailLink, chain: &Chain) {
    link.hops = chain.hops.clone();
    link.error = chain.error.clone();
    link.destination = chain.final_url().map(str::to_string);
    if let (Some(first), Some(last)) = (chain.hops.first(), chain.hops.last()) {
        let host = |u: &str| {
            Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
        };
        if chain.hops.len() > 1 && host(&first.url) != host(&last.url) {
            link.tracked = true;
        }
    }
    let destination = link
        .destination
        .as_deref()
        .filter(|_| chain.hops.len() > 1 || link.decoded_destination.is_none())
        .or(link.decoded_destination.as_deref());
    if let Some(url) = destination.and_then(|d| Url::parse(d).ok()) {
        link.utm = url
            .query_pairs()
            .filter(|(k, _)| k.starts_with("utm_"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        link.identity = url
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .filter(|k| esp::identity_params().contains(&k.as_str()))
            .collect();
    }
}

/// Open pixels: known ESP pixel URLs, then 1×1/hidden images on a click-tracking host or a
/// host other than the links' destinations.
fn open_pixels(found: &extract::Extracted, links: &[EmailLink]) -> Vec<OpenPixel> {
    let tracking_hosts: BTreeSet<String> = links
        .iter()
        .filter(|l| l.tracked)
        .filter_map(|l| Url::parse(&l.href).ok()?.host_str().map(str::to_string))
        .collect();
    let mut pixels = Vec::new();
    for image in &found.images {
        let Some(url) = image.url.as_ref() else {
            continue;
        };
        let url = esp::unwrap_image_proxy(url);
        let known = esp::open_pixel_esp(&url);
        let by_shape = known.is_none()
            && image.looks_like_tracking_pixel()
            && (url.query().is_some()
                || url.host_str().is_some_and(|h| tracking_hosts.contains(h)));
        if known.is_none() && !by_shape {
            continue;
        }
        pixels.push(OpenPixel {
            url: url.to_string(),
            esp: known,
            detected_by: if known.is_some() { "esp_url" } else { "shape" },
            requested: false,
            status: None,
            mime_type: None,
            outcome: "not requested".to_string(),
        });
    }
    pixels
}

/// The platform the email is attributed to: its pixels' and wrapped links' URLs on the
/// platforms' own hosts, then the platforms' own headers over a relay's, then branded shapes
/// (`esp::attribute`).
fn attributed_esp(
    pixels: &[OpenPixel],
    links: &[EmailLink],
    headers: &[(String, String)],
) -> Option<Esp> {
    let pixels: Vec<Url> = pixels
        .iter()
        .filter(|p| p.esp.is_some())
        .filter_map(|p| Url::parse(&p.url).ok())
        .collect();
    let links: Vec<Url> = links
        .iter()
        .filter(|l| l.esp.is_some())
        .filter_map(|l| Url::parse(&l.href).ok())
        .collect();
    esp::attribute(&pixels, &links, headers)
}

/// Distinct store landing pages (by host and path), in first-seen order.
fn landing_pages(reports: &[EmailReport]) -> Vec<Url> {
    let mut seen = BTreeSet::new();
    let mut pages = Vec::new();
    for link in reports.iter().flat_map(|r| &r.links) {
        if !link.to_store || link.error.is_some() {
            continue;
        }
        let Some(url) = link.destination.as_deref().and_then(|d| Url::parse(d).ok()) else {
            continue;
        };
        let key = format!("{}{}", url.host_str().unwrap_or_default(), url.path());
        if seen.insert(key) {
            pages.push(url);
        }
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::{at_most, MAX_LANDING_PAGES};

    #[test]
    fn landing_pages_are_capped_in_first_seen_order() {
        let pages: Vec<usize> = (0..1000).collect();
        let (kept, left_out) = at_most(pages, MAX_LANDING_PAGES);
        assert_eq!(kept, (0..MAX_LANDING_PAGES).collect::<Vec<_>>());
        assert_eq!(left_out, 1000 - MAX_LANDING_PAGES);
        assert_eq!(at_most(vec![1, 2], MAX_LANDING_PAGES), (vec![1, 2], 0));
    }
}
