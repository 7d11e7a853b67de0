//! A real SMTP server for the tests (Debian's python3-aiosmtpd), storing what it receives in
//! a Maildir.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A real SMTP server on a free loopback port, killed on drop.
pub struct Smtpd {
    child: Child,
    /// Its port.
    pub port: u16,
    /// Its Maildir's parent folder (messages land in `mail/new/`).
    pub maildir: tempfile::TempDir,
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Smtpd {
    /// The messages received so far (raw), oldest first.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(dir) = std::fs::read_dir(self.maildir.path().join("mail/new")) else {
            return Vec::new();
        };
        let mut files: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }
}

/// aiosmtpd without TLS.
pub fn start_smtpd() -> Smtpd {
    start_smtpd_with(&[])
}

/// aiosmtpd with extra options (TLS certificates).
pub fn start_smtpd_with(options: &[String]) -> Smtpd {
    let maildir = tempfile::tempdir().unwrap();
    let port = crate::free_port();
    let child = Command::new("/usr/bin/python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(options)
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir.path().join("mail"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3-aiosmtpd is installed (scripts/dev.sh installs it)");
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "aiosmtpd did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Smtpd {
        child,
        port,
        maildir,
    }
}

/// How many messages `smtpd` received.
pub fn delivered(smtpd: &Smtpd) -> usize {
    std::fs::read_dir(smtpd.maildir.path().join("mail/new")).map_or(0, |d| d.count())
}
