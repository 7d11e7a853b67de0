//! chromedriver as a child process (with a version check against Chromium), or a remote
//! WebDriver endpoint such as a Selenium Grid.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use super::nss::NssHome;
use super::BrowserError;

/// Where the driver and browser come from.
#[derive(Debug, Clone, Default)]
pub struct DriverOptions {
    /// A remote WebDriver URL (Selenium Grid, an already running chromedriver). When set,
    /// no chromedriver is started.
    pub webdriver_url: Option<String>,
    /// The chromedriver binary; found on PATH when not given.
    pub chromedriver: Option<PathBuf>,
    /// The Chromium binary; found on PATH when not given.
    pub chrome: Option<PathBuf>,
    /// Start chromedriver in a process group of its own, and end the whole group (chromedriver
    /// and every Chromium process it started) when the driver stops or is dropped. For a
    /// long-running process that handles SIGINT itself (the scheduler): the group no longer
    /// gets the terminal's Ctrl-C, and no browser outlives an abandoned run.
    pub process_group: bool,
    /// Certificates (DER) that a local Chromium trusts as roots for TLS servers (`--ca-cert`),
    /// whether or not a server sends them in its chain: chromedriver, and so every Chromium it
    /// starts, gets a temporary `HOME` whose NSS database trusts them (needs `certutil`). A
    /// remote WebDriver starts its browsers with its own environment and ignores this.
    pub trusted_roots: Vec<Vec<u8>>,
}

/// A WebDriver endpoint, owning the chromedriver child when it started one.
#[derive(Debug)]
pub struct Driver {
    url: String,
    chrome: Option<PathBuf>,
    child: Option<Child>,
    /// chromedriver's own process group, when it has one.
    group: Option<u32>,
    /// The temporary `HOME` with the NSS database of `trusted_roots`, removed with the driver.
    home: Option<NssHome>,
}

impl Driver {
    /// Starts chromedriver (after checking it matches Chromium) or adopts a remote WebDriver.
    pub async fn start(options: &DriverOptions) -> Result<Driver, BrowserError> {
        if let Some(url) = &options.webdriver_url {
            return Ok(Driver {
                url: url.trim_end_matches('/').to_string(),
                chrome: options.chrome.clone(),
                child: None,
                group: None,
                home: None,
            });
        }
        let chromedriver = find_binary(
            options.chromedriver.as_deref(),
            &["chromedriver"],
            "chromedriver",
            "--chromedriver",
        )?;
        let chrome = find_binary(
            options.chrome.as_deref(),
            &[
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ],
            "Chromium",
            "--chrome",
        )?;
        let driver_version = version_of(&chromedriver).await?;
        let browser_version = version_of(&chrome).await?;
        if major(&driver_version) != major(&browser_version) || major(&driver_version).is_none() {
            return Err(BrowserError::VersionMismatch {
                driver: driver_version,
                browser: browser_version,
            });
        }
        let home = if options.trusted_roots.is_empty() {
            None
        } else {
            Some(NssHome::create(&options.trusted_roots).await?)
        };
        let port = free_port().map_err(|e| BrowserError::DriverStart(e.to_string()))?;
        let mut command = Command::new(&chromedriver);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        // chromedriver hands its environment to every Chromium it starts: no credentials.
        for (name, _) in std::env::vars_os() {
            if looks_secret(&name.to_string_lossy()) {
                command.env_remove(&name);
            }
        }
        if let Some(home) = &home {
            command.env("HOME", home.path());
        }
        #[cfg(unix)]
        if options.process_group {
            command.process_group(0);
        }
        let child = command
            .spawn()
            .map_err(|e| BrowserError::DriverStart(format!("{}: {e}", chromedriver.display())))?;
        let group = child.id().filter(|_| cfg!(unix) && options.process_group);
        let mut driver = Driver {
            url: format!("http://127.0.0.1:{port}"),
            chrome: Some(chrome),
            child: Some(child),
            group,
            home,
        };
        driver.wait_ready(port).await?;
        Ok(driver)
    }

    async fn wait_ready(&mut self, port: u16) -> Result<(), BrowserError> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let http = super::local_http()?;
        let authority = format!("127.0.0.1:{port}");
        loop {
            if let Ok(body) = super::http_get(&http, &authority, "/status").await {
                if body.contains("\"ready\":true") {
                    return Ok(());
                }
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(BrowserError::DriverStart(format!(
                        "chromedriver exited with {status}"
                    )));
                }
            }
            if Instant::now() > deadline {
                return Err(BrowserError::DriverStart(
                    "chromedriver did not answer /status within 15 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The WebDriver URL to connect sessions to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The Chromium binary to ask for (only for a local driver or an explicit `--chrome`).
    pub fn chrome(&self) -> Option<&Path> {
        self.chrome.as_deref()
    }

    /// True when the driver is remote (Grid or an external chromedriver).
    pub fn is_remote(&self) -> bool {
        self.child.is_none()
    }

    /// Stops the chromedriver child, if any (with its process group, when it has one).
    pub async fn stop(mut self) {
        self.kill_group();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        self.home.take();
    }

    /// Ends chromedriver's process group: chromedriver and every browser process it started.
    fn kill_group(&mut self) {
        #[cfg(unix)]
        if let Some(group) = self.group.take() {
            // SAFETY: killpg has no memory-safety preconditions; the group is chromedriver's
            // own (its pid), created at spawn, and holds only processes it started.
            unsafe {
                libc::killpg(group as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

impl Drop for Driver {
    /// A driver dropped without `stop` (an abandoned run) still takes its browsers with it
    /// when it has a process group; the chromedriver child itself is killed on drop.
    fn drop(&mut self) {
        self.kill_group();
    }
}

/// Whether an environment variable's name says it holds a credential (`PIXELAUDIT_SMTP_PASSWORD`,
/// `PIXELAUDIT_IMAP_PASSWORD`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, …).
fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    ["PASSWORD", "SECRET", "TOKEN", "CREDENTIAL"]
        .iter()
        .any(|word| name.contains(word))
        || name.starts_with("PIXELAUDIT_SMTP_")
        || name.starts_with("PIXELAUDIT_IMAP_")
}

fn find_binary(
    given: Option<&Path>,
    names: &[&str],
    what: &'static str,
    flag: &'static str,
) -> Result<PathBuf, BrowserError> {
    if let Some(path) = given {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(BrowserError::NotFound {
                what,
                path: path.display().to_string(),
                flag,
            })
        };
    }
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path_var) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(BrowserError::NotFound {
        what,
        path: format!("PATH ({})", names.join(", ")),
        flag,
    })
}

async fn version_of(binary: &Path) -> Result<String, BrowserError> {
    let output = Command::new(binary)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| BrowserError::DriverStart(format!("{} --version: {e}", binary.display())))?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().next().unwrap_or_default().trim().to_string())
}

/// The major version in `--version` output (`Chromium 156.0.8078.108 built on …` → 156).
fn major(version: &str) -> Option<u32> {
    version
        .split_whitespace()
        .find(|word| word.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .and_then(|word| word.split('.').next())
        .and_then(|m| m.parse().ok())
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_kept_from_chromedriver_and_the_rest_of_the_environment_is_not() {
        for secret in [
            "PIXELAUDIT_SMTP_PASSWORD",
            "PIXELAUDIT_SMTP_USERNAME",
            "PIXELAUDIT_IMAP_PASSWORD",
            "GITHUB_TOKEN",
            "aws_secret_access_key",
        ] {
            assert!(looks_secret(secret), "{secret}");
        }
        for plain in [
            "PATH",
            "HOME",
            "LANG",
            "TZ",
            "PIXELAUDIT_WEBDRIVER",
            "DISPLAY",
        ] {
            assert!(!looks_secret(plain), "{plain}");
        }
    }

    #[test]
    fn major_versions_are_read_from_both_banners() {
        assert_eq!(
            major("Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)"),
            Some(156)
        );
        assert_eq!(
            major("ChromeDriver 156.0.8078.108 (730482a9-refs/branch-heads/8078@{#2244})"),
            Some(156)
        );
        assert_eq!(major("Google Chrome 120.0.6099.71"), Some(120));
        assert_eq!(major("garbage"), None);
    }
}
