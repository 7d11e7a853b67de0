//! Extra roots for a Chromium that chromedriver starts: a private NSS database.
//!
//! Chromium on Linux reads the user's certificates from `$HOME/.pki/nssdb` (not from its
//! `--user-data-dir`) and trusts a root there for any chain that leads to it, whether or not the
//! server sends that root. `--ignore-certificate-errors-spki-list` only matches certificates
//! in the chain the server sends, so a staging CA that the server leaves out needs this.
//! chromedriver gets `HOME` pointing at a temporary folder holding such a database and passes
//! its environment on to every Chromium it starts; the folder is removed with the driver.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;

use super::BrowserError;

/// A temporary `HOME` whose `.pki/nssdb` trusts the given certificates as roots for TLS servers.
#[derive(Debug)]
pub(crate) struct NssHome {
    dir: tempfile::TempDir,
}

impl NssHome {
    /// Creates the database with `certutil` (Debian `libnss3-tools`) and adds each DER
    /// certificate as a trusted CA for servers (`-t C,,`).
    pub(crate) async fn create(roots: &[Vec<u8>]) -> Result<NssHome, BrowserError> {
        let certutil = certutil(&std::env::var_os("PATH").unwrap_or_default())?;
        let dir = tempfile::Builder::new()
            .prefix("pixelaudit-nss-")
            .tempdir()
            .map_err(|e| trust_error(format!("cannot create a temporary folder: {e}")))?;
        let db_dir = dir.path().join(".pki").join("nssdb");
        std::fs::create_dir_all(&db_dir)
            .map_err(|e| trust_error(format!("cannot create {}: {e}", db_dir.display())))?;
        let db = format!("sql:{}", db_dir.display());
        run(&certutil, &["-N", "-d", &db, "--empty-password"]).await?;
        for (index, der) in roots.iter().enumerate() {
            let file = dir.path().join(format!("ca-{index}.der"));
            std::fs::write(&file, der)
                .map_err(|e| trust_error(format!("cannot write {}: {e}", file.display())))?;
            let name = format!("pixelaudit --ca-cert {}", index + 1);
            let file_arg = file.display().to_string();
            run(
                &certutil,
                &["-A", "-d", &db, "-n", &name, "-t", "C,,", "-i", &file_arg],
            )
            .await?;
            let _ = std::fs::remove_file(&file);
        }
        Ok(NssHome { dir })
    }

    /// The folder to give Chromium as `HOME`.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn trust_error(message: String) -> BrowserError {
    BrowserError::Trust(message)
}

/// `certutil` on `path_var` (a PATH value), or an error that says which package has it.
fn certutil(path_var: &std::ffi::OsStr) -> Result<PathBuf, BrowserError> {
    std::env::split_paths(path_var)
        .map(|dir| dir.join("certutil"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            trust_error(
                "`certutil` not found on PATH: install it (`apt-get install -y libnss3-tools`); \
                 Chromium takes extra roots from an NSS database that certutil creates"
                    .into(),
            )
        })
}

/// Runs certutil with only `PATH` in its environment (it needs nothing else, and gets no
/// secrets), failing with its own message.
async fn run(certutil: &Path, args: &[&str]) -> Result<(), BrowserError> {
    let mut command = Command::new(certutil);
    command
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let output = command
        .output()
        .await
        .map_err(|e| trust_error(format!("{}: {e}", certutil.display())))?;
    if output.status.success() {
        return Ok(());
    }
    Err(trust_error(format!(
        "certutil {} failed ({}): {}",
        args.first().copied().unwrap_or_default(),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_database_lists_each_root_as_a_trusted_ca_and_is_removed_on_drop() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let root = params.self_signed(&key).unwrap();
        let home = NssHome::create(&[root.der().to_vec()]).await.unwrap();
        let path = home.path().to_path_buf();
        let db = format!("sql:{}", path.join(".pki/nssdb").display());
        let listing = std::process::Command::new("certutil")
            .args(["-L", "-d", &db])
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&listing.stdout);
        assert!(
            listing
                .lines()
                .any(|l| l.starts_with("pixelaudit --ca-cert 1") && l.trim_end().ends_with("C,,")),
            "{listing}"
        );
        drop(home);
        assert!(!path.exists(), "{} is left behind", path.display());
    }

    #[test]
    fn a_missing_certutil_names_the_package_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let error = certutil(empty.path().as_os_str()).unwrap_err().to_string();
        assert!(
            error.contains("--ca-cert")
                && error.contains("`certutil` not found")
                && error.contains("libnss3-tools"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_certificate_is_a_trust_error() {
        let error = NssHome::create(&[b"not DER".to_vec()]).await.unwrap_err();
        assert!(
            matches!(&error, BrowserError::Trust(m) if m.contains("certutil -A")),
            "{error}"
        );
    }
}
