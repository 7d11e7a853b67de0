//! The crawl behind [`discover`](super::discover): the base page, robots.txt, the sitemaps, then
//! links breadth first. Each level is fetched concurrently but handled in URL order, so the
//! result does not depend on which response came first.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures_util::stream::{self, StreamExt};
use url::{Position, Url};

use super::classify::{classify, type_rank};
use super::fetch::{self, FetchError, Fetched, ACCEPT_ANY, ACCEPT_HTML};
use super::links::{extract_links, is_asset, normalise, Site};
use super::robots::{Robots, ROBOTS_AGENT};
use super::sample::{evenly_spaced, sort_key};
use super::sitemap::{self, Kind};
use pixelaudit_core::config::{DiscoverOptions, PathGlob};

use super::{Discovery, FoundPage, Source};

/// Most bytes read of a page (links further down are lost).
const PAGE_BYTES: usize = 5 << 20;
/// Most bytes of a sitemap, uncompressed (the sitemap protocol's own limit).
const SITEMAP_BYTES: usize = 50 << 20;
/// Most bytes of robots.txt read (Google reads 500 KiB).
const ROBOTS_BYTES: usize = 500 << 10;
/// Most sitemap files read.
const MAX_SITEMAPS: usize = 100;
/// Most levels of sitemap files (index → index → urlset).
const MAX_SITEMAP_LEVELS: usize = 3;
/// Unless `all`: pages of one type read for links; further pages of that type found by links
/// are kept without being read, as their template's links are already known.
const FOLLOW_PER_TYPE: usize = 30;
/// Most pages held before trimming to `max_pages` (at least this, or `max_pages`).
const MIN_CANDIDATES: usize = 100_000;
/// Examples named in a note that counts problems.
const EXAMPLES: usize = 3;

/// Runs discovery; see [`discover`](super::discover).
pub(crate) async fn run(
    client: &reqwest::Client,
    base: &Url,
    options: &DiscoverOptions,
) -> Discovery {
    let Some(site) = Site::new(base) else {
        return Discovery {
            notes: vec![format!("{base} is not an http(s) URL with a host")],
            ..Discovery::default()
        };
    };
    Crawl::new(client, options, site).run(base).await
}

/// Counts of one kind of problem, with the first few examples, reported as one note.
struct Tally {
    what: &'static str,
    count: usize,
    examples: Vec<String>,
}

impl Tally {
    fn new(what: &'static str) -> Tally {
        Tally {
            what,
            count: 0,
            examples: Vec::new(),
        }
    }

    fn add(&mut self, example: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(example());
        }
    }

    fn into_note(self, notes: &mut Vec<String>) {
        if self.count == 0 {
            return;
        }
        let more = if self.count > self.examples.len() {
            ", …"
        } else {
            ""
        };
        notes.push(format!(
            "{} ({}): {}{more}",
            self.what,
            self.count,
            self.examples.join("; ")
        ));
    }
}

struct Crawl<'a> {
    client: &'a reqwest::Client,
    options: &'a DiscoverOptions,
    concurrency: usize,
    max_pages: usize,
    site: Site,
    robots: Robots,
    include: Vec<PathGlob>,
    exclude: Vec<PathGlob>,
    user_types: Vec<(String, PathGlob)>,
    pages: HashMap<String, FoundPage>,
    candidate_cap: usize,
    cap_noted: bool,
    notes: Vec<String>,
    sitemaps: Vec<String>,
    /// Page fetches made (the base page included), at most `max_pages`.
    fetches: usize,
    /// Links or sitemap URLs dropped because robots.txt disallows them.
    disallowed: Tally,
    disallowed_seen: HashSet<String>,
}

impl<'a> Crawl<'a> {
    fn new(client: &'a reqwest::Client, options: &'a DiscoverOptions, site: Site) -> Crawl<'a> {
        let mut notes = Vec::new();
        let mut compile = |pattern: &str| match PathGlob::new(pattern) {
            Ok(glob) => Some(glob),
            Err(e) => {
                notes.push(format!("{e}; ignored"));
                None
            }
        };
        let include = options.include.iter().filter_map(|p| compile(p)).collect();
        let exclude = options.exclude.iter().filter_map(|p| compile(p)).collect();
        let user_types = options
            .types
            .iter()
            .filter_map(|(name, p)| compile(p).map(|glob| (name.clone(), glob)))
            .collect();
        let max_pages = options.max_pages.max(1);
        Crawl {
            client,
            options,
            concurrency: options.concurrency.max(1),
            max_pages,
            site,
            robots: Robots::default(),
            include,
            exclude,
            user_types,
            pages: HashMap::new(),
            candidate_cap: max_pages.max(MIN_CANDIDATES),
            cap_noted: false,
            notes,
            sitemaps: Vec::new(),
            fetches: 0,
            disallowed: Tally::new("URLs disallowed by robots.txt, skipped"),
            disallowed_seen: HashSet::new(),
        }
    }

    async fn run(mut self, base: &Url) -> Discovery {
        let (base_url, base_links) = self.read_base(base).await;
        self.read_robots().await;
        self.read_sitemaps().await;
        self.follow_links(&base_url, base_links).await;
        self.finish()
    }

    /// Fetches the base page and records it. Returns its URL (moved to the origin it
    /// redirected to, if that is the same site) and its links.
    async fn read_base(&mut self, base: &Url) -> (Url, Vec<Url>) {
        let mut url = normalise(base.clone());
        let mut links = Vec::new();
        self.fetches += 1;
        let fetched = self.fetch_one(&url, ACCEPT_HTML, PAGE_BYTES).await;
        match fetched {
            Ok(f) => {
                if f.url.origin() != self.site.origin().origin() {
                    match Site::new(&f.url).filter(|_| self.site.contains(&f.url)) {
                        Some(site) => {
                            self.notes.push(format!(
                                "{url} redirected to {}; using {}",
                                f.url,
                                site.origin()
                            ));
                            self.site = site;
                            url = self.site.canonical(&url).unwrap_or(url);
                        }
                        None => self.notes.push(format!(
                            "{url} redirected to another site ({}); its links were not followed",
                            f.url
                        )),
                    }
                }
                if !f.ok() {
                    self.notes
                        .push(format!("base page {url}: HTTP {}", f.status));
                } else if !f.is_html() {
                    self.notes.push(format!(
                        "base page {url} is not HTML ({})",
                        f.content_type.as_deref().unwrap_or("no Content-Type")
                    ));
                } else if self.site.contains(&f.url) {
                    links = extract_links(&String::from_utf8_lossy(&f.body), &f.url);
                }
            }
            Err(e) => self.notes.push(format!("base page {url}: {e}")),
        }
        if self.wanted(url.path()) {
            let page_type = self.classify(url.path());
            self.record(url.clone(), page_type, Source::Base, 0);
        }
        (url, links)
    }

    /// Reads robots.txt. A 404 is normal; other failures are noted and leave no rules.
    async fn read_robots(&mut self) {
        let Ok(url) = self.site.origin().join("/robots.txt") else {
            return;
        };
        match self.fetch_one(&url, ACCEPT_ANY, ROBOTS_BYTES).await {
            Ok(f) if f.ok() => {
                self.robots = Robots::parse(&String::from_utf8_lossy(&f.body), ROBOTS_AGENT);
            }
            Ok(f) if f.status == 404 || f.status == 410 => {}
            Ok(f) => self.notes.push(format!(
                "robots.txt: HTTP {}; crawled without its rules",
                f.status
            )),
            Err(e) => self
                .notes
                .push(format!("robots.txt: {e}; crawled without its rules")),
        }
    }

    /// Reads the sitemaps named in robots.txt (or `/sitemap.xml`), following indexes.
    async fn read_sitemaps(&mut self) {
        let origin = self.site.origin().clone();
        let named = self.robots.sitemaps().to_vec();
        let by_default = named.is_empty();
        let named = if by_default {
            vec!["/sitemap.xml".to_string()]
        } else {
            named
        };
        let mut queued: HashSet<String> = HashSet::new();
        let mut level = Vec::new();
        for name in named {
            match origin
                .join(&name)
                .ok()
                .and_then(|u| self.site.canonical(&u))
            {
                Some(url) => {
                    if queued.insert(url.to_string()) {
                        level.push(url);
                    }
                }
                None => self
                    .notes
                    .push(format!("sitemap {name} is not on this site; skipped")),
            }
        }
        let mut off_site = Tally::new("sitemap URLs on other sites, skipped");
        let mut read = 0;
        for nesting in 0..MAX_SITEMAP_LEVELS {
            if level.is_empty() {
                break;
            }
            let room = MAX_SITEMAPS - read;
            if level.len() > room {
                self.notes.push(format!(
                    "{} sitemaps were not read: at most {MAX_SITEMAPS} are",
                    level.len() - room
                ));
                level.truncate(room);
            }
            read += level.len();
            let results = self.fetch_all(&level, ACCEPT_ANY, SITEMAP_BYTES).await;
            let mut next = Vec::new();
            for (url, result) in level.iter().zip(results) {
                let f = match result {
                    Ok(f) if f.ok() => f,
                    Ok(f) if by_default && nesting == 0 && f.status == 404 => {
                        self.notes.push(
                            "no sitemap: robots.txt names none and /sitemap.xml is missing (HTTP 404)"
                                .to_string(),
                        );
                        continue;
                    }
                    Ok(f) => {
                        self.notes.push(format!("sitemap {url}: HTTP {}", f.status));
                        continue;
                    }
                    Err(e) => {
                        self.notes.push(format!("sitemap {url}: {e}"));
                        continue;
                    }
                };
                let parsed = sitemap::parse(&f.body, SITEMAP_BYTES);
                self.sitemaps.push(url.to_string());
                if f.truncated {
                    self.notes.push(format!(
                        "sitemap {url}: larger than {SITEMAP_BYTES} bytes; read in part"
                    ));
                }
                if let Some(error) = &parsed.error {
                    self.notes.push(format!(
                        "sitemap {url}: {error}; kept the {} entries read before",
                        parsed.locs.len()
                    ));
                }
                for loc in &parsed.locs {
                    let Some(target) = f.url.join(loc).ok() else {
                        continue;
                    };
                    let Some(target) = self.site.canonical(&target) else {
                        off_site.add(|| loc.clone());
                        continue;
                    };
                    match parsed.kind {
                        Kind::Index => {
                            if queued.insert(target.to_string()) {
                                next.push(target);
                            }
                        }
                        Kind::Pages => self.add_sitemap_page(normalise(target)),
                    }
                }
            }
            level = next;
        }
        if !level.is_empty() {
            self.notes.push(format!(
                "{} sitemaps nested more than {MAX_SITEMAP_LEVELS} levels deep were not read",
                level.len()
            ));
        }
        off_site.into_note(&mut self.notes);
    }

    fn add_sitemap_page(&mut self, url: Url) {
        if is_asset(url.path()) || !self.wanted(url.path()) {
            return;
        }
        if !self.robots_allow(&url) {
            return;
        }
        let page_type = self.classify(url.path());
        self.record(url, page_type, Source::Sitemap, 0);
    }

    /// Follows same-site links breadth first from the base page's `links`.
    async fn follow_links(&mut self, base: &Url, mut links: Vec<Url>) {
        let mut seen: HashSet<String> = HashSet::from([base.to_string()]);
        let mut read_by_type: HashMap<String, usize> = HashMap::new();
        *read_by_type.entry(self.classify(base.path())).or_default() += 1;
        let mut off_site: HashSet<String> = HashSet::new();
        let mut failed = Tally::new("linked pages that could not be read");
        let mut not_html = Tally::new("linked URLs that are not HTML, skipped");
        let mut budget_noted = false;
        for depth in 1..=self.options.max_depth {
            let mut level = Vec::new();
            for link in links.drain(..) {
                let Some(url) = self.site.canonical(&link) else {
                    off_site.insert(link.host_str().unwrap_or_default().to_string());
                    continue;
                };
                let url = normalise(url);
                if !seen.insert(url.to_string()) || is_asset(url.path()) || !self.wanted(url.path())
                {
                    continue;
                }
                if !self.robots_allow(&url) {
                    continue;
                }
                level.push(url);
            }
            if level.is_empty() {
                break;
            }
            level.sort();
            let mut to_read = Vec::new();
            for url in level {
                let page_type = self.classify(url.path());
                let read = read_by_type.entry(page_type.clone()).or_default();
                let budget_left = self.fetches < self.max_pages;
                if budget_left && (self.options.all || *read < FOLLOW_PER_TYPE) {
                    self.fetches += 1;
                    *read += 1;
                    to_read.push((url, page_type));
                } else {
                    if !budget_left && !budget_noted {
                        budget_noted = true;
                        self.notes.push(format!(
                            "max_pages ({}) pages read at link depth {depth}; later links were kept unread",
                            self.max_pages
                        ));
                    }
                    self.record(url, page_type, Source::Link, depth);
                }
            }
            tracing::debug!(depth, reading = to_read.len(), "discover: following links");
            let urls: Vec<Url> = to_read.iter().map(|(url, _)| url.clone()).collect();
            let results = self.fetch_all(&urls, ACCEPT_HTML, PAGE_BYTES).await;
            for ((url, page_type), result) in to_read.into_iter().zip(results) {
                match result {
                    Err(e) => failed.add(|| format!("{url}: {e}")),
                    Ok(f) if !f.ok() => failed.add(|| format!("{url}: HTTP {}", f.status)),
                    Ok(f) if !self.site.contains(&f.url) => {
                        off_site.insert(f.url.host_str().unwrap_or_default().to_string());
                    }
                    Ok(f) if !f.is_html() => not_html.add(|| {
                        let ct = f.content_type.as_deref().unwrap_or("no Content-Type");
                        format!("{url} ({ct})")
                    }),
                    Ok(f) => {
                        if depth < self.options.max_depth {
                            links.extend(extract_links(&String::from_utf8_lossy(&f.body), &f.url));
                        }
                        self.record(url, page_type, Source::Link, depth);
                    }
                }
            }
        }
        failed.into_note(&mut self.notes);
        not_html.into_note(&mut self.notes);
        tracing::debug!(?off_site, "discover: hosts of links to other sites");
    }

    /// Whether robots.txt allows `url`; counts it for a note when not.
    fn robots_allow(&mut self, url: &Url) -> bool {
        let path = path_and_query(url);
        if self.robots.allows(path) {
            return true;
        }
        if self.disallowed_seen.insert(path.to_string()) {
            self.disallowed.add(|| path.to_string());
        }
        false
    }

    /// Whether the include/exclude globs keep `path`.
    fn wanted(&self, path: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|g| g.matches(path)))
            && !self.exclude.iter().any(|g| g.matches(path))
    }

    fn classify(&self, path: &str) -> String {
        classify(path, &self.user_types)
    }

    /// Keeps a page, unless it is already known (a sitemap page reached by a link gets the
    /// link's depth) or too many are held.
    fn record(&mut self, url: Url, page_type: String, source: Source, depth: usize) {
        let key = url.to_string();
        if let Some(known) = self.pages.get_mut(&key) {
            if source == Source::Link && known.source == Source::Sitemap && known.depth == 0 {
                known.depth = depth;
            }
            return;
        }
        if self.pages.len() >= self.candidate_cap {
            if !self.cap_noted {
                self.cap_noted = true;
                self.notes.push(format!(
                    "stopped collecting at {} pages; later ones were dropped",
                    self.candidate_cap
                ));
            }
            return;
        }
        self.pages.insert(
            key,
            FoundPage {
                url,
                page_type,
                source,
                depth,
            },
        );
    }

    /// Trims to `max_pages` (a fair share per type), sorts, and counts.
    fn finish(mut self) -> Discovery {
        let rank = |t: &str| type_rank(t, &self.user_types);
        let mut groups: BTreeMap<(usize, String), Vec<FoundPage>> = BTreeMap::new();
        for page in std::mem::take(&mut self.pages).into_values() {
            groups
                .entry((rank(&page.page_type), page.page_type.clone()))
                .or_default()
                .push(page);
        }
        for pages in groups.values_mut() {
            pages.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        }
        let total: usize = groups.values().map(Vec::len).sum();
        if total > self.max_pages {
            let quotas = fair_shares(&groups, self.max_pages);
            let mut cut = Vec::new();
            for (key, pages) in groups.iter_mut() {
                let quota = quotas[key];
                if quota < pages.len() {
                    cut.push(format!("{} {}→{quota}", key.1, pages.len()));
                    let picked = evenly_spaced(pages.len(), quota);
                    let all = std::mem::take(pages);
                    *pages = all
                        .into_iter()
                        .enumerate()
                        .filter(|(i, _)| picked.binary_search(i).is_ok())
                        .map(|(_, p)| p)
                        .collect();
                }
            }
            self.notes.push(format!(
                "found {total} pages, kept max_pages ({}): {}",
                self.max_pages,
                cut.join(", ")
            ));
        }
        self.disallowed.into_note(&mut self.notes);
        let mut by_type = BTreeMap::new();
        let mut pages = Vec::new();
        for ((_, page_type), group) in groups {
            if !group.is_empty() {
                by_type.insert(page_type, group.len());
            }
            pages.extend(group);
        }
        tracing::info!(pages = pages.len(), ?by_type, "discover: done");
        Discovery {
            pages,
            sitemaps: self.sitemaps,
            notes: self.notes,
            by_type,
        }
    }

    async fn fetch_one(
        &self,
        url: &Url,
        accept: &str,
        max_bytes: usize,
    ) -> Result<Fetched, FetchError> {
        fetch::get(self.client, url, accept, self.options.timeout, max_bytes).await
    }

    /// Fetches `urls` with up to `concurrency` in flight; results in the order of `urls`.
    async fn fetch_all(
        &self,
        urls: &[Url],
        accept: &str,
        max_bytes: usize,
    ) -> Vec<Result<Fetched, FetchError>> {
        stream::iter(urls)
            .map(|url| self.fetch_one(url, accept, max_bytes))
            .buffered(self.concurrency)
            .collect()
            .await
    }
}

/// The path and query of `url`, as robots.txt rules see it.
fn path_and_query(url: &Url) -> &str {
    &url[Position::BeforePath..Position::AfterQuery]
}

/// How many pages each group keeps so that `cap` are kept in all: small groups keep everything,
/// the rest share what is left equally. With fewer places than groups, the first groups (in
/// key order: type order) keep one each.
fn fair_shares<K: Ord + Clone, V>(groups: &BTreeMap<K, Vec<V>>, cap: usize) -> BTreeMap<K, usize> {
    if cap < groups.len() {
        return groups
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), usize::from(i < cap)))
            .collect();
    }
    let mut by_size: Vec<(&K, usize)> = groups.iter().map(|(k, v)| (k, v.len())).collect();
    by_size.sort_by_key(|(_, len)| *len);
    let mut left = cap;
    let mut shares = BTreeMap::new();
    let count = by_size.len();
    for (i, (key, len)) in by_size.into_iter().enumerate() {
        let share = len.min(left / (count - i));
        left -= share;
        shares.insert(key.clone(), share);
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fair_shares_fill_the_cap() {
        let groups: BTreeMap<&str, Vec<u8>> = BTreeMap::from([
            ("home", vec![0; 1]),
            ("product", vec![0; 400]),
            ("collection", vec![0; 5]),
            ("page", vec![0; 40]),
        ]);
        let shares = fair_shares(&groups, 30);
        assert_eq!(shares["home"], 1);
        assert_eq!(shares["collection"], 5);
        assert_eq!(shares["page"], 12);
        assert_eq!(shares["product"], 12);
        assert_eq!(shares.values().sum::<usize>(), 30);
        let shares = fair_shares(&groups, 1000);
        assert_eq!(shares.values().sum::<usize>(), 446);
        // Fewer places than groups: one each for the first groups in key order.
        let shares = fair_shares(&groups, 2);
        assert_eq!(shares["collection"], 1);
        assert_eq!(shares["home"], 1);
        assert_eq!(shares["page"] + shares["product"], 0);
    }

    #[test]
    fn tally_notes_count_and_examples() {
        let mut notes = Vec::new();
        Tally::new("things failed").into_note(&mut notes);
        assert!(notes.is_empty());
        let mut t = Tally::new("things failed");
        for i in 0..5 {
            t.add(|| format!("e{i}"));
        }
        t.into_note(&mut notes);
        assert_eq!(notes, ["things failed (5): e0; e1; e2, …"]);
    }
}
