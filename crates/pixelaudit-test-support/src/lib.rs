//! Test harnesses shared by the pixelaudit workspace's tests: real servers started per test and
//! stopped on drop, so that tests talk to the same software a user's setup does.
//!
//! - [`dovecot`]: a throwaway Dovecot IMAP server (TLS, a user, a Maildir).
//! - [`grid`]: a throwaway Selenium Grid 4 on Debian's chromedriver and Chromium.
//! - [`smtp`]: a real SMTP server (aiosmtpd) storing what it receives in a Maildir.
//! - [`http`]: a small HTTP/1.1 server answering from a closure, recording requests.
//! - [`chromium`]: headless Chromium rendering a local HTML file (DOM or screenshot).
//! - [`process`]: stopping a server that leads a process group of its own.
//! - [`modules`]: a crate's module graph read from its sources, for one-direction tests.
//!
//! Linux only. Nothing here depends on the `pixelaudit` app crate, so that every crate of the
//! workspace can use it as a dev-dependency.

pub mod chromium;
pub mod dovecot;
pub mod grid;
pub mod http;
pub mod modules;
pub mod process;
pub mod smtp;

/// A loopback port that was free a moment ago (for servers that cannot report a port they
/// chose themselves).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

/// The workspace's root folder (where `scripts/` is).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
