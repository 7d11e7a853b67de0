//! Where filter lists come from: a named list shipped by Debian's uBlock Origin package, a file,
//! or a URL (downloaded, and cached on disk with an age limit; a stale copy is used, and said
//! to be stale, when the download fails).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use url::Url;

/// Lists Debian's `webext-ublock-origin-chromium` ships, by name.
pub const DEBIAN_LISTS: &[(&str, &str)] = &[
    (
        "easylist",
        "/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist/easylist.txt",
    ),
    (
        "easyprivacy",
        "/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist/easyprivacy.txt",
    ),
];

/// Where a list is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    /// A file.
    Path(PathBuf),
    /// A download.
    Url(Url),
}

impl ListSource {
    /// A list name (`easylist`, `easyprivacy`), an `http(s)://` URL, or a path.
    pub fn parse(spec: &str) -> ListSource {
        if let Some((_, path)) = DEBIAN_LISTS.iter().find(|(name, _)| *name == spec) {
            return ListSource::Path(PathBuf::from(path));
        }
        match Url::parse(spec) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => ListSource::Url(url),
            _ => ListSource::Path(PathBuf::from(spec)),
        }
    }
}

/// Where downloaded lists are kept, and for how long they count as fresh.
#[derive(Debug, Clone)]
pub struct ListCache {
    /// The folder.
    pub dir: PathBuf,
    /// Older copies are downloaded again (and used anyway if that fails).
    pub max_age: Duration,
    /// Host overrides and trust for downloads (`--resolve`, `--ca-cert`).
    pub network: crate::net::Network,
}

/// A loaded filter list.
#[derive(Debug, Clone)]
pub struct FilterList {
    /// Its name in reports (`easyprivacy`, or the file name without extension).
    pub name: String,
    /// Where it came from (path or URL).
    pub source: String,
    /// How it was obtained when that matters: `downloaded`, `cached 2 h ago`, or a stale copy
    /// used because the download failed.
    pub note: Option<String>,
    /// The list's text.
    pub text: String,
    /// How long reading (or downloading) it took, in ms.
    pub read_ms: f64,
}

impl FilterList {
    /// Reads a named list or a file; the error says which file and what to install.
    pub fn load(spec: &str) -> Result<FilterList, String> {
        let started = Instant::now();
        let path = match ListSource::parse(spec) {
            ListSource::Path(path) => path,
            ListSource::Url(url) => {
                return Err(format!(
                    "{url} is a URL: download it with FilterList::fetch"
                ))
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            let hint = if DEBIAN_LISTS.iter().any(|(n, _)| *n == spec) {
                " (install Debian's webext-ublock-origin-chromium, which ships EasyList and EasyPrivacy)"
            } else {
                ""
            };
            format!("cannot read filter list {}: {e}{hint}", path.display())
        })?;
        Ok(FilterList {
            name: list_name(spec, &path),
            source: path.display().to_string(),
            note: None,
            text,
            read_ms: elapsed_ms(started),
        })
    }

    /// Reads a named list or file, or downloads a URL through `cache`.
    pub async fn fetch(spec: &str, cache: &ListCache) -> Result<FilterList, String> {
        let url = match ListSource::parse(spec) {
            ListSource::Path(_) => return FilterList::load(spec),
            ListSource::Url(url) => url,
        };
        let started = Instant::now();
        let cached = cache.dir.join(cache_file_name(&url));
        let age = std::fs::metadata(&cached)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok());
        let name = list_name(spec, Path::new(url.path()));
        let from_cache = |note: String| -> Result<FilterList, String> {
            let text = std::fs::read_to_string(&cached)
                .map_err(|e| format!("cannot read the cached copy of {url}: {e}"))?;
            Ok(FilterList {
                name: name.clone(),
                source: url.to_string(),
                note: Some(note),
                text,
                read_ms: elapsed_ms(started),
            })
        };
        if let Some(age) = age.filter(|a| *a <= cache.max_age) {
            return from_cache(format!("cached {} ago", human(age)));
        }
        match download(&url, &cache.network).await {
            Ok(text) => {
                if let Err(e) = std::fs::create_dir_all(&cache.dir)
                    .and_then(|()| std::fs::write(&cached, &text))
                {
                    tracing::warn!(%url, "could not cache the filter list: {e}");
                }
                Ok(FilterList {
                    name,
                    source: url.to_string(),
                    note: Some("downloaded".into()),
                    text,
                    read_ms: elapsed_ms(started),
                })
            }
            Err(error) => match age {
                Some(age) => {
                    tracing::warn!(%url, "using a stale copy of the filter list: {error}");
                    from_cache(format!(
                        "stale copy from {} ago: the download failed ({error})",
                        human(age)
                    ))
                }
                None => Err(format!(
                    "cannot download filter list {url}: {error} (and no cached copy exists)"
                )),
            },
        }
    }
}

async fn download(url: &Url, network: &crate::net::Network) -> Result<String, String> {
    let client = network
        .http_client()?
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    let text = response.text().await.map_err(|e| e.to_string())?;
    if !text
        .lines()
        .any(|l| !l.trim().is_empty() && !l.starts_with('!') && !l.starts_with('['))
    {
        return Err("the response holds no filter rules".into());
    }
    Ok(text)
}

/// A stable, safe file name for a URL's cached copy.
fn cache_file_name(url: &Url) -> String {
    // FNV-1a: stable across runs and versions (unlike std's hasher).
    let hash = url.as_str().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let stem: String = list_name(url.as_str(), Path::new(url.path()))
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("{stem}-{hash:016x}.txt")
}

fn list_name(spec: &str, path: &Path) -> String {
    if DEBIAN_LISTS.iter().any(|(n, _)| *n == spec) {
        return spec.to_string();
    }
    path.file_stem()
        .map_or_else(|| spec.to_string(), |s| s.to_string_lossy().into_owned())
}

fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn human(age: Duration) -> String {
    let secs = age.as_secs();
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_config_keeps_exactly_the_named_lists_as_names() {
        let names: Vec<&str> = super::DEBIAN_LISTS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, pixelaudit_core::config::ADBLOCK_LIST_NAMES);
    }

    use super::*;

    #[test]
    fn specs_are_names_urls_or_paths() {
        assert!(
            matches!(ListSource::parse("easyprivacy"), ListSource::Path(p) if p.ends_with("easyprivacy.txt"))
        );
        assert!(matches!(
            ListSource::parse("https://lists.example/fanboy.txt"),
            ListSource::Url(_)
        ));
        assert_eq!(
            ListSource::parse("lists/mine.txt"),
            ListSource::Path(PathBuf::from("lists/mine.txt"))
        );
    }

    #[test]
    fn cache_names_are_stable_and_safe() {
        let a = cache_file_name(&Url::parse("https://lists.example/x/fanboy.txt?v=1").unwrap());
        assert_eq!(
            a,
            cache_file_name(&Url::parse("https://lists.example/x/fanboy.txt?v=1").unwrap())
        );
        assert!(a.starts_with("fanboy-") && a.ends_with(".txt") && !a.contains('/'));
        assert_ne!(
            a,
            cache_file_name(&Url::parse("https://lists.example/x/fanboy.txt?v=2").unwrap())
        );
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(human(Duration::from_secs(30)), "30 s");
        assert_eq!(human(Duration::from_secs(3 * 3600)), "3 h");
        assert_eq!(human(Duration::from_secs(3 * 86_400)), "3 days");
    }
}
