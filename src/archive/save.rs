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
    let folder = claim_folder(&site_dir, &stamp)?;
    write_all(&folder, report)?;
    if report.partial.is_some() {
        return Ok(folder);
    }
    let latest = site_dir.join("latest");
    // Each run stages its own copy, so two runs saving at once never mix their files.
    let name = folder.file_name().unwrap_or_default().to_string_lossy();
    let staging = site_dir.join(format!(".latest.{name}.tmp"));
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

/// Creates this run's own folder: `<stamp>`, or `<stamp>-2`, `-3`, … when another run that
/// started in the same millisecond has it (creating a folder is atomic, so two runs never
/// share one).
fn claim_folder(site_dir: &Path, stamp: &str) -> io::Result<PathBuf> {
    std::fs::create_dir_all(site_dir)?;
    for n in 1.. {
        let folder = match n {
            1 => site_dir.join(stamp),
            n => site_dir.join(format!("{stamp}-{n}")),
        };
        match std::fs::create_dir(&folder) {
            Ok(()) => return Ok(folder),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("some suffix is free")
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
    use super::{safe_name, save_run};
    use pixelaudit_core::report::{Report, Summary};

    #[test]
    fn two_runs_started_in_the_same_millisecond_get_their_own_folders() {
        let dir = tempfile::tempdir().unwrap();
        let at = chrono::Utc::now();
        let report = |site: &str| Report {
            version: 1,
            tool: "pixelaudit test".into(),
            site: site.into(),
            started_at: at,
            finished_at: at,
            summary: Summary::default(),
            pages: vec![],
            adblock: None,
            discovery: None,
            emails: vec![],
            regressions: None,
            partial: None,
            history: None,
        };
        let first = save_run(dir.path(), &report("shop")).unwrap();
        let second = save_run(dir.path(), &report("shop")).unwrap();
        assert_ne!(first, second);
        assert!(second
            .file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with("Z-2"));
        for folder in [&first, &second, &first.with_file_name("latest")] {
            assert!(folder.join("report.json").is_file(), "{}", folder.display());
        }
        // No staging folder is left behind.
        let left: Vec<String> = std::fs::read_dir(first.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn site_names_cannot_escape_the_reports_dir() {
        assert_eq!(safe_name("../etc"), "_etc");
        assert_eq!(safe_name("demo-store"), "demo-store");
        assert_eq!(safe_name(".."), "site");
    }
}
