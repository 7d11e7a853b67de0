//! Every run is saved under `reports/<site>/<timestamp>/`.

use std::io;
use std::path::{Path, PathBuf};

use super::{to_json, Report};

/// Writes `report.json` under `<dir>/<site>/<timestamp>/` and returns that folder.
pub fn save_run(dir: &Path, report: &Report) -> io::Result<PathBuf> {
    let stamp = report.started_at.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let folder = dir.join(safe_name(&report.site)).join(stamp);
    std::fs::create_dir_all(&folder)?;
    for page in &report.pages {
        if let (Some(name), Some(png)) = (&page.screenshot, &page.screenshot_png) {
            std::fs::write(folder.join(name), png)?;
        }
    }
    let path = folder.join("report.json");
    let tmp = folder.join("report.json.tmp");
    std::fs::write(&tmp, to_json(report))?;
    std::fs::rename(&tmp, &path)?;
    Ok(folder)
}

/// The file name of a page's screenshot: its label, made safe.
pub fn screenshot_name(page: &super::PageReport) -> String {
    format!("{}.png", safe_name(&page.label().replace(' ', "_")))
}

/// A name safe as one path component.
pub(crate) fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match cleaned.trim_matches('.') {
        "" => "site".to_string(),
        s => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn site_names_cannot_escape_the_reports_dir() {
        assert_eq!(safe_name("../etc"), "_etc");
        assert_eq!(safe_name("demo-store"), "demo-store");
        assert_eq!(safe_name(".."), "site");
    }
}
