//! Where filter lists come from: a named list shipped by Debian's uBlock Origin package, or a
//! file path.

use std::path::{Path, PathBuf};
use std::time::Instant;

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
}

impl ListSource {
    /// A list name (`easylist`, `easyprivacy`) or a path.
    pub fn parse(spec: &str) -> ListSource {
        match DEBIAN_LISTS.iter().find(|(name, _)| *name == spec) {
            Some((_, path)) => ListSource::Path(PathBuf::from(path)),
            None => ListSource::Path(PathBuf::from(spec)),
        }
    }
}

/// A loaded filter list.
#[derive(Debug, Clone)]
pub struct FilterList {
    /// Its name in reports (`easyprivacy`, or the file name).
    pub name: String,
    /// The list's text.
    pub text: String,
    /// How long reading it took, in ms.
    pub read_ms: f64,
}

impl FilterList {
    /// Reads a list; the error says which file and what to install.
    pub fn load(spec: &str) -> Result<FilterList, String> {
        let started = Instant::now();
        let ListSource::Path(path) = ListSource::parse(spec);
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
            text,
            read_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }
}

fn list_name(spec: &str, path: &Path) -> String {
    if DEBIAN_LISTS.iter().any(|(n, _)| *n == spec) {
        return spec.to_string();
    }
    path.file_stem()
        .map_or_else(|| spec.to_string(), |s| s.to_string_lossy().into_owned())
}
