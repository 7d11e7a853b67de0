//! Every run is saved under `reports/<site>/<timestamp>/` in every format (plus screenshots),
//! and copied to `reports/<site>/latest/`.

use std::io;
use std::path::{Path, PathBuf};

use pixelaudit_core::report::{Format, PageReport, Report};

/// Writes every format (and screenshots) under `<dir>/<site>/<timestamp>/`, refreshes
/// `<dir>/<site>/latest/` (unless the run is partial: `latest/` stays the last complete run,
/// which the next run is compared with), and returns the run's folder.
pub fn save_run(dir: &Path, report: &Report) -> io::Result<PathBuf> {
    let stamp = report.started_at.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let site_dir = dir.join(safe_name(&report.site));
    let folder = site_dir.join(stamp);
    write_all(&folder, report)?;
    if report.partial.is_some() {
        return Ok(folder);
    }
    let latest = site_dir.join("latest");
    let staging = site_dir.join(".latest.tmp");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    write_all(&staging, report)?;
    if latest.exists() {
        std::fs::remove_dir_all(&latest)?;
    }
    std::fs::rename(&staging, &latest)?;
    Ok(folder)
}

fn write_all(folder: &Path, report: &Report) -> io::Result<()> {
    std::fs::create_dir_all(folder)?;
    for page in &report.pages {
        if let (Some(name), Some(png)) = (&page.screenshot, &page.screenshot_png) {
            std::fs::write(folder.join(name), png)?;
        }
    }
    for format in Format::ALL {
        crate::atomic_file::write(folder.join(format.file_name()), format.render(report))?;
    }
    Ok(())
}

/// The file name of a page's screenshot: its label, made safe.
pub fn screenshot_name(page: &PageReport) -> String {
    format!("{}.png", safe_name(&page.label().replace(' ', "_")))
}

/// The folder name a site's runs are saved under.
pub fn safe_dir_name(site: &str) -> String {
    safe_name(site)
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
