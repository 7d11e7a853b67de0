//! Intake of test marketing emails from an IMAP mailbox: only messages new since the last audit.
//!
//! The URL names the mailbox (`imaps://[user@]host[:port][/FOLDER][?subject=TEXT]`), the password
//! comes from [`PASSWORD_ENV`], the connection is TLS (implicit or STARTTLS), the folder is opened
//! read-only, and the highest UID seen is kept in a small JSON file per mailbox that the caller
//! commits once its report is saved.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use async_imap::error::Error as ProtoError;
use async_imap::imap_proto::{Response, Status};
use futures_util::TryStreamExt;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_native_tls::TlsStream;

/// Environment variable that holds the IMAP user name (overrides the URL's `user@`).
pub const USERNAME_ENV: &str = "PIXELAUDIT_IMAP_USERNAME";
/// Environment variable that holds the IMAP password (the only place a password is read from).
pub const PASSWORD_ENV: &str = "PIXELAUDIT_IMAP_PASSWORD";

/// How many UIDs go into one `UID FETCH` command.
const FETCH_BATCH: usize = 100;
/// What the LOGIN command carries through async-imap (whose trace log prints every command);
/// the connection swaps it for the real password on its way to the socket.
const PASSWORD_PLACEHOLDER: &str = "PIXELAUDIT-REDACTED-PASSWORD";

/// Errors of the IMAP intake; every message says what to do about it and never holds a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImapError {
    /// The mailbox URL cannot be used.
    #[error("invalid IMAP URL: {0} (expected imaps://[user@]host[:port][/FOLDER][?subject=TEXT])")]
    BadUrl(String),
    /// The user name or password is missing or cannot be sent.
    #[error("{0}")]
    Credentials(String),
    /// No TCP connection could be made.
    #[error("cannot connect to IMAP server {addr}: {cause}")]
    Connect {
        /// `host:port` (and the address tried, when overridden).
        addr: String,
        /// The last connection error.
        cause: io::Error,
    },
    /// The server's certificate was not accepted.
    #[error(
        "the TLS certificate of IMAP server {host} is not trusted ({detail}); pass --ca-cert FILE \
         with the CA that issued it, or --insecure to skip verification (local testing only)"
    )]
    CertificateUntrusted {
        /// Host name the certificate was checked against.
        host: String,
        /// What the TLS library reported.
        detail: String,
    },
    /// The TLS handshake failed for another reason than trust.
    #[error("TLS handshake with IMAP server {host} failed: {detail}")]
    Tls {
        /// Host name of the server.
        host: String,
        /// What the TLS library reported.
        detail: String,
    },
    /// The TLS client could not be configured (e.g. an unreadable CA certificate).
    #[error("cannot set up TLS for IMAP: {0}")]
    TlsSetup(String),
    /// The server did not accept `STARTTLS` on an `imap://` URL.
    #[error(
        "IMAP server {host} refused STARTTLS: {detail}. Use imaps:// instead, or add ?tls=none \
         for a local test server only"
    )]
    StartTlsRefused {
        /// Host name of the server.
        host: String,
        /// The server's answer.
        detail: String,
    },
    /// The server rejected the user name or password.
    #[error(
        "IMAP login as {user:?} on {host} failed: {detail}. Check {USERNAME_ENV} and {PASSWORD_ENV}"
    )]
    Login {
        /// The user name that was tried.
        user: String,
        /// Host name of the server.
        host: String,
        /// The server's answer.
        detail: String,
    },
    /// The folder could not be opened.
    #[error("IMAP folder {folder:?} not found on {host}: {detail}. Check the folder in the URL")]
    FolderNotFound {
        /// The folder from the URL.
        folder: String,
        /// Host name of the server.
        host: String,
        /// The server's answer.
        detail: String,
    },
    /// The whole exchange took longer than allowed.
    #[error("IMAP server did not answer in time: timed out after {}s while {phase}", after.as_secs_f64())]
    Timeout {
        /// What was going on.
        phase: &'static str,
        /// The time limit.
        after: Duration,
    },
    /// The server answered something unexpected or the connection broke.
    #[error("IMAP error while {phase}: {detail}")]
    Protocol {
        /// What was going on.
        phase: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The state file that remembers the last fetched message cannot be read.
    #[error(
        "cannot read IMAP state file {}: {detail}; fix or delete it (deleting it makes every \
         message new again)",
        path.display()
    )]
    StateFile {
        /// The state file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `imaps://`: TLS from the first byte.
    Implicit,
    /// `imap://`: plaintext greeting, then `STARTTLS`, which must succeed.
    StartTls,
    /// `imap://…?tls=none`: no TLS at all (local testing only).
    None,
}

/// A mailbox to read, parsed from `imaps://[user@]host[:port][/FOLDER][?subject=TEXT]` or
/// `imap://…` (STARTTLS, `?tls=none` for plaintext).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapSource {
    /// Transport security.
    pub security: Security,
    /// Server host name (or IP address), used for TLS verification even when connecting elsewhere.
    pub host: String,
    /// Server port (993 for imaps, 143 for imap unless given).
    pub port: u16,
    /// User name from the URL, if any.
    pub user: Option<String>,
    /// Folder to read (`INBOX` unless given), percent-decoded.
    pub folder: String,
    /// Only messages whose Subject contains this text (server-side `SEARCH SUBJECT`).
    pub subject: Option<String>,
}

const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b';')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

impl ImapSource {
    /// Parses a mailbox URL; a password in the URL is rejected (use [`PASSWORD_ENV`]).
    pub fn parse(url: &str) -> Result<ImapSource, ImapError> {
        let bad = |msg: &str| ImapError::BadUrl(msg.to_string());
        // The url crate's messages never echo the input, so they cannot leak a password.
        let parsed = url::Url::parse(url.trim()).map_err(|e| ImapError::BadUrl(e.to_string()))?;
        if parsed.password().is_some() {
            return Err(ImapError::BadUrl(format!(
                "the URL contains a password; remove it and set {PASSWORD_ENV} instead"
            )));
        }
        let (mut security, default_port) = match parsed.scheme() {
            "imaps" => (Security::Implicit, 993),
            "imap" => (Security::StartTls, 143),
            other => return Err(ImapError::BadUrl(format!("unsupported scheme {other:?}"))),
        };
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) if d.contains('%') => {
                return Err(bad(
                    "write a non-ASCII host name in its xn-- (punycode) form",
                ))
            }
            Some(url::Host::Domain("")) | None => return Err(bad("the host is missing")),
            Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
        };
        let port = match parsed.port() {
            Some(0) => return Err(bad("port 0 is not a valid port")),
            Some(p) => p,
            None => default_port,
        };
        let user = match parsed.username() {
            "" => None,
            raw => Some(decode(raw, "user name")?),
        };
        let path = parsed.path().trim_start_matches('/').trim_end_matches('/');
        let folder = match decode(path, "folder")? {
            f if f.is_empty() => "INBOX".to_string(),
            f => f,
        };
        if folder.chars().any(|c| c.is_control()) {
            return Err(bad("the folder name contains control characters"));
        }
        if parsed.fragment().is_some() {
            return Err(bad("a #fragment has no meaning in a mailbox URL"));
        }
        let mut subject = None;
        let mut tls_seen = false;
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "subject" if subject.is_some() => return Err(bad("subject= is given twice")),
                "subject" if value.is_empty() => return Err(bad("subject= is empty")),
                "subject" if value.chars().any(|c| c.is_control()) => {
                    return Err(bad("subject= contains control characters"))
                }
                "subject" => subject = Some(value.into_owned()),
                "tls" if tls_seen => return Err(bad("tls= is given twice")),
                "tls" => {
                    tls_seen = true;
                    security = match (security, value.as_ref()) {
                        (Security::StartTls, "starttls") => Security::StartTls,
                        (Security::StartTls, "none") => Security::None,
                        (Security::StartTls, _) => {
                            return Err(bad("tls= must be starttls or none"));
                        }
                        _ => {
                            return Err(bad(
                                "tls= applies to imap:// only (imaps:// is always TLS)",
                            ))
                        }
                    };
                }
                other => {
                    return Err(ImapError::BadUrl(format!(
                        "unknown parameter {other:?} (known: subject, tls)"
                    )))
                }
            }
        }
        Ok(ImapSource {
            security,
            host,
            port,
            user,
            folder,
            subject,
        })
    }

    fn scheme(&self) -> &'static str {
        match self.security {
            Security::Implicit => "imaps",
            _ => "imap",
        }
    }

    /// The host as written in a URL (IPv6 in brackets).
    fn url_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// `host[:port]`, the port only when it is not the scheme's default.
    fn host_port(&self) -> String {
        let default = match self.security {
            Security::Implicit => 993,
            _ => 143,
        };
        if self.port == default {
            self.url_host()
        } else {
            format!("{}:{}", self.url_host(), self.port)
        }
    }

    /// A URL naming one message, e.g. `imaps://imap.example.com/INBOX;UID=12`.
    pub fn label(&self, uid: u32) -> String {
        format!(
            "{}://{}/{};UID={uid}",
            self.scheme(),
            self.host_port(),
            utf8_percent_encode(&self.folder, PATH_SEGMENT)
        )
    }
}

impl fmt::Display for ImapSource {
    /// The URL again (never with a password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme())?;
        if let Some(user) = &self.user {
            write!(
                f,
                "{}@",
                utf8_percent_encode(user, PATH_SEGMENT)
                    .to_string()
                    .replace('@', "%40")
            )?;
        }
        write!(
            f,
            "{}/{}",
            self.host_port(),
            utf8_percent_encode(&self.folder, PATH_SEGMENT)
        )?;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if self.security == Security::None {
            query.append_pair("tls", "none");
        }
        if let Some(subject) = &self.subject {
            query.append_pair("subject", subject);
        }
        match query.finish() {
            q if q.is_empty() => Ok(()),
            q => write!(f, "?{q}"),
        }
    }
}

fn decode(raw: &str, what: &str) -> Result<String, ImapError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            ImapError::BadUrl(format!(
                "the {what} is not valid UTF-8 once percent-decoded"
            ))
        })
}

/// User name and password for the IMAP login. `Debug` never shows the password.
#[derive(Clone)]
pub struct ImapCredentials {
    username: String,
    password: String,
}

impl ImapCredentials {
    /// Credentials given directly (e.g. by tests).
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> ImapCredentials {
        ImapCredentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// User name from [`USERNAME_ENV`], else the URL's `user@`; password from [`PASSWORD_ENV`].
    pub fn from_env(source: &ImapSource) -> Result<ImapCredentials, ImapError> {
        Self::from_lookup(source, |name| std::env::var(name).ok())
    }

    fn from_lookup(
        source: &ImapSource,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<ImapCredentials, ImapError> {
        let username = var(USERNAME_ENV)
            .filter(|u| !u.is_empty())
            .or_else(|| source.user.clone())
            .ok_or_else(|| {
                ImapError::Credentials(format!(
                    "no IMAP user name: set {USERNAME_ENV} or put user@ in the URL"
                ))
            })?;
        let password = var(PASSWORD_ENV).filter(|p| !p.is_empty()).ok_or_else(|| {
            ImapError::Credentials(format!("no IMAP password: set {PASSWORD_ENV}"))
        })?;
        Ok(ImapCredentials { username, password })
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }
}

impl fmt::Debug for ImapCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Which server certificates to accept.
#[derive(Clone, Default)]
pub struct Trust {
    /// Extra CA certificates (PEM; one file may hold several) added to the system roots.
    pub ca_pems: Vec<Vec<u8>>,
    /// Accept any certificate and host name (local testing only).
    pub insecure: bool,
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field(
                "ca_pems",
                &format_args!("[{} PEM file(s)]", self.ca_pems.len()),
            )
            .field("insecure", &self.insecure)
            .finish()
    }
}

impl Trust {
    fn connector(&self) -> Result<tokio_native_tls::TlsConnector, ImapError> {
        let mut builder = native_tls::TlsConnector::builder();
        for (i, pem) in self.ca_pems.iter().enumerate() {
            let certs = native_tls::Certificate::stack_from_pem(pem).map_err(|e| {
                ImapError::TlsSetup(format!(
                    "CA certificate file #{} is not valid PEM: {e}",
                    i + 1
                ))
            })?;
            if certs.is_empty() {
                return Err(ImapError::TlsSetup(format!(
                    "CA certificate file #{} holds no certificate",
                    i + 1
                )));
            }
            for cert in certs {
                builder.add_root_certificate(cert);
            }
        }
        if self.insecure {
            builder.danger_accept_invalid_certs(true);
            builder.danger_accept_invalid_hostnames(true);
        }
        builder
            .build()
            .map(Into::into)
            .map_err(|e| ImapError::TlsSetup(e.to_string()))
    }
}

/// One message fetched from the mailbox.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    /// The message's IMAP UID in its folder.
    pub uid: u32,
    /// The full message as stored on the server (RFC 5322 bytes).
    pub raw: Vec<u8>,
    /// A URL naming the message, e.g. `imaps://host/INBOX;UID=12`.
    pub label: String,
}

impl fmt::Debug for FetchedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchedMessage")
            .field("uid", &self.uid)
            .field("raw", &format_args!("[{} bytes]", self.raw.len()))
            .field("label", &self.label)
            .finish()
    }
}

/// The result of [`fetch_new`].
#[derive(Debug)]
pub struct Fetch {
    /// The new messages, by ascending UID.
    pub messages: Vec<FetchedMessage>,
    /// Commit it once the audit's report is saved, so these messages are not fetched again.
    pub checkpoint: Checkpoint,
    /// Why more than usual counts as new (first run, or the mailbox's UIDVALIDITY changed).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    host: String,
    user: String,
    folder: String,
    uidvalidity: u32,
    last_uid: u32,
}

/// What to remember once the fetched messages are safely audited.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "commit the checkpoint after the report is saved, or the same messages come again"]
pub struct Checkpoint {
    path: PathBuf,
    state: State,
}

impl Checkpoint {
    /// The state file this checkpoint writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mailbox's UIDVALIDITY.
    pub fn uidvalidity(&self) -> u32 {
        self.state.uidvalidity
    }

    /// The highest UID that counts as seen once committed.
    pub fn last_uid(&self) -> u32 {
        self.state.last_uid
    }

    /// Writes the state file atomically and durably (temporary file, fsync, rename, fsync).
    pub fn commit(self) -> io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let mut json = serde_json::to_vec_pretty(&self.state).map_err(io::Error::other)?;
        json.push(b'\n');
        crate::atomic_file::write(&self.path, json)
    }
}

/// The state file for one (host, user, folder) under `state_dir`.
fn state_path(state_dir: &Path, host: &str, user: &str, folder: &str) -> PathBuf {
    fn clean(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => c,
                _ => '_',
            })
            .take(40)
            .collect::<String>()
            .trim_start_matches('.')
            .to_string()
    }
    // FNV-1a: stable across Rust releases, unlike std's hasher; tells apart names that clean alike.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [host, user, folder].join("\0").bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    state_dir.join(format!(
        "imap-{}-{}-{}-{:08x}.json",
        clean(host),
        clean(user),
        clean(folder),
        hash as u32
    ))
}

fn load_state(path: &Path) -> Result<Option<State>, ImapError> {
    let fail = |detail: String| ImapError::StateFile {
        path: path.to_path_buf(),
        detail,
    };
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| fail(format!("not a valid state file ({e})"))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Fetches the messages of `source` that are new since the last committed [`Checkpoint`].
///
/// The folder is opened read-only (`EXAMINE`) and bodies are read with `BODY.PEEK[]`, so no
/// message is marked as read. `connect_to` replaces the DNS lookup of the URL's host; TLS still
/// verifies the certificate against the URL's host. `timeout` bounds the whole exchange.
pub async fn fetch_new(
    source: &ImapSource,
    creds: &ImapCredentials,
    trust: &Trust,
    connect_to: Option<SocketAddr>,
    state_dir: &Path,
    timeout: Duration,
) -> Result<Fetch, ImapError> {
    if creds.password.contains(['\r', '\n', '\0']) {
        return Err(ImapError::Credentials(format!(
            "the password in {PASSWORD_ENV} contains a line break or NUL, which IMAP LOGIN cannot send"
        )));
    }
    let path = state_path(state_dir, &source.host, &creds.username, &source.folder);
    let previous = load_state(&path)?;
    let connector = match source.security {
        Security::None => None,
        _ => Some(trust.connector()?),
    };
    let deadline = Instant::now() + timeout;
    let step = Step { deadline, timeout };

    let tcp = step.run("connecting", connect(source, connect_to)).await?;
    let mut client = match (source.security, &connector) {
        (Security::None, _) => {
            let mut client = async_imap::Client::new(Wire::plain(tcp));
            step.run(PLAIN_GREETING, greeting(&mut client)).await?;
            client
        }
        (Security::Implicit, Some(tls)) => {
            let stream = step
                .run("in the TLS handshake", handshake(tls, source, tcp))
                .await?;
            let mut client = async_imap::Client::new(Wire::tls(stream));
            step.run("waiting for the greeting", greeting(&mut client))
                .await?;
            client
        }
        (Security::StartTls, Some(tls)) => {
            let mut client = async_imap::Client::new(Wire::plain(tcp));
            step.run(PLAIN_GREETING, greeting(&mut client)).await?;
            step.run("starting TLS", async {
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| match e {
                        ProtoError::No(t) | ProtoError::Bad(t) => ImapError::StartTlsRefused {
                            host: source.host.clone(),
                            detail: server_text(&t),
                        },
                        e => protocol("starting TLS", e),
                    })
            })
            .await?;
            let tcp = client
                .into_inner()
                .into_plain()
                .ok_or(ImapError::Protocol {
                    phase: "starting TLS",
                    detail: "the connection was already encrypted".into(),
                })?;
            let stream = step
                .run("in the TLS handshake", handshake(tls, source, tcp))
                .await?;
            async_imap::Client::new(Wire::tls(stream))
        }
        (Security::Implicit | Security::StartTls, None) => {
            unreachable!("a TLS connector is built for every TLS mode")
        }
    };

    arm_password(&mut client, &creds.password);
    let login = step.run("logging in", async {
        client
            .login(&creds.username, PASSWORD_PLACEHOLDER)
            .await
            .map_err(|(e, _)| match e {
                ProtoError::No(t) | ProtoError::Bad(t) => ImapError::Login {
                    user: creds.username.clone(),
                    host: source.host.clone(),
                    detail: server_text(&t),
                },
                e => protocol("logging in", e),
            })
    });
    let mut session = login.await?;

    let result = step
        .run(
            "reading the folder",
            read_new(&mut session, source, &creds.username, previous, path),
        )
        .await;
    // Log out politely either way; a failure to do so loses nothing.
    let _ = tokio::time::timeout_at(deadline, session.logout()).await;
    result
}

async fn read_new(
    session: &mut async_imap::Session<Wire>,
    source: &ImapSource,
    user: &str,
    previous: Option<State>,
    path: PathBuf,
) -> Result<Fetch, ImapError> {
    let mailbox = session
        .examine(encode_mailbox_name(&source.folder))
        .await
        .map_err(|e| match e {
            ProtoError::No(t) => ImapError::FolderNotFound {
                folder: source.folder.clone(),
                host: source.host.clone(),
                detail: server_text(&t),
            },
            e => protocol("opening the folder", e),
        })?;
    let uidvalidity = mailbox.uid_validity.ok_or_else(|| ImapError::Protocol {
        phase: "opening the folder",
        detail: "the server did not report the folder's UIDVALIDITY".into(),
    })?;
    let (last_uid, note) = match previous {
        Some(state) if state.uidvalidity == uidvalidity => (state.last_uid, None),
        Some(state) => (
            0,
            Some(format!(
                "the UIDVALIDITY of {} changed from {} to {uidvalidity} (the folder was recreated \
                 or rebuilt), so every message counts as new",
                source.folder, state.uidvalidity
            )),
        ),
        None => (
            0,
            Some(format!(
                "first audit of {} for {user}: every message counts as new",
                source.folder
            )),
        ),
    };

    let mut wanted: Vec<u32> = Vec::new();
    if let Some(first) = last_uid.checked_add(1) {
        if mailbox.exists > 0 {
            let mut query = format!("UID {first}:*");
            if let Some(subject) = &source.subject {
                if !subject.is_ascii() {
                    query = format!("CHARSET UTF-8 {query}");
                }
                query.push_str(" SUBJECT ");
                query.push_str(&quote(subject));
            }
            let found = session
                .uid_search(&query)
                .await
                .map_err(|e| protocol("searching for new messages", e))?;
            // `n:*` always matches the highest UID, even when it is below n.
            wanted = found.into_iter().filter(|&uid| uid > last_uid).collect();
            wanted.sort_unstable();
        }
    }

    let mut bodies: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    for batch in wanted.chunks(FETCH_BATCH) {
        let mut stream = session
            .uid_fetch(uid_set(batch), "BODY.PEEK[]")
            .await
            .map_err(|e| protocol("fetching messages", e))?;
        while let Some(fetch) = stream
            .try_next()
            .await
            .map_err(|e| protocol("fetching messages", e))?
        {
            // Unsolicited FETCH responses (flag changes) have no body; skip them.
            if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
                if batch.binary_search(&uid).is_ok() {
                    bodies.insert(uid, body.to_vec());
                }
            }
        }
    }

    let new_last = wanted.last().copied().unwrap_or(last_uid).max(last_uid);
    let messages = bodies
        .into_iter()
        .map(|(uid, raw)| FetchedMessage {
            uid,
            raw,
            label: source.label(uid),
        })
        .collect();
    Ok(Fetch {
        messages,
        checkpoint: Checkpoint {
            path,
            state: State {
                host: source.host.clone(),
                user: user.to_string(),
                folder: source.folder.clone(),
                uidvalidity,
                last_uid: new_last,
            },
        },
        note,
    })
}

/// The phase of waiting for a greeting without TLS, which an implicit-TLS port never sends.
const PLAIN_GREETING: &str =
    "waiting for the server greeting (an implicit-TLS port stays silent here: use imaps://)";

/// Runs steps against one overall deadline.
struct Step {
    deadline: Instant,
    timeout: Duration,
}

impl Step {
    async fn run<T>(
        &self,
        phase: &'static str,
        fut: impl Future<Output = Result<T, ImapError>>,
    ) -> Result<T, ImapError> {
        tokio::time::timeout_at(self.deadline, fut)
            .await
            .map_err(|_| ImapError::Timeout {
                phase,
                after: self.timeout,
            })?
    }
}

async fn connect(
    source: &ImapSource,
    connect_to: Option<SocketAddr>,
) -> Result<TcpStream, ImapError> {
    let target = format!("{}:{}", source.url_host(), source.port);
    let (addrs, shown) = match connect_to {
        Some(addr) => (vec![addr], format!("{target} (via {addr})")),
        None => {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((source.host.as_str(), source.port))
                    .await
                    .map_err(|e| ImapError::Connect {
                        addr: target.clone(),
                        cause: io::Error::new(e.kind(), format!("cannot resolve host: {e}")),
                    })?
                    .collect();
            (addrs, target)
        }
    };
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Err(e) => last = e,
        }
    }
    Err(ImapError::Connect {
        addr: shown,
        cause: last,
    })
}

async fn handshake(
    tls: &tokio_native_tls::TlsConnector,
    source: &ImapSource,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, ImapError> {
    tls.connect(&source.host, tcp).await.map_err(|e| {
        let detail = clean(&e.to_string());
        let lower = detail.to_ascii_lowercase();
        if lower.contains("certificate verify failed")
            || lower.contains("hostname mismatch")
            || (lower.contains("certificate")
                && (lower.contains("trust") || lower.contains("invalid")))
        {
            ImapError::CertificateUntrusted {
                host: source.host.clone(),
                detail,
            }
        } else if lower.contains("wrong version number") {
            ImapError::Tls {
                host: source.host.clone(),
                detail: format!(
                    "{detail} (the port does not seem to speak TLS; for a STARTTLS port such as \
                     143 use imap://)"
                ),
            }
        } else {
            ImapError::Tls {
                host: source.host.clone(),
                detail,
            }
        }
    })
}

async fn greeting(client: &mut async_imap::Client<Wire>) -> Result<(), ImapError> {
    let phase = "waiting for the greeting";
    let response = client
        .read_response()
        .await
        .map_err(|e| protocol(phase, ProtoError::Io(e)))?
        .ok_or_else(|| protocol(phase, ProtoError::ConnectionLost))?;
    match response.parsed() {
        Response::Data {
            status: Status::Ok, ..
        } => Ok(()),
        Response::Data {
            status, outcome, ..
        } => Err(ImapError::Protocol {
            phase,
            detail: format!(
                "the server greeted with {status:?}: {}",
                clean(outcome.information.as_deref().unwrap_or(""))
            ),
        }),
        _ => Err(ImapError::Protocol {
            phase,
            detail: "the server did not send an IMAP greeting (is this an IMAP port?)".into(),
        }),
    }
}

fn protocol(phase: &'static str, e: ProtoError) -> ImapError {
    let detail = match e {
        ProtoError::ConnectionLost => "the server closed the connection".to_string(),
        ProtoError::Io(e) => format!("connection error: {e}"),
        ProtoError::No(t) => format!("the server said NO: {}", server_text(&t)),
        ProtoError::Bad(t) => format!("the server said BAD: {}", server_text(&t)),
        e => clean(&e.to_string()),
    };
    ImapError::Protocol { phase, detail }
}

/// Server text made safe to show: no control characters, bounded length.
fn clean(text: &str) -> String {
    let mut out: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    if text.trim().chars().count() > 300 {
        out.push('…');
    }
    out
}

/// The server's human-readable text from async-imap's NO/BAD error, which wraps it in a Debug
/// rendering such as `code: None, info: Some("…")`.
fn server_text(raw: &str) -> String {
    let Some(start) = raw.find("Some(\"").map(|i| i + 6) else {
        return clean(raw);
    };
    let mut text = String::new();
    let mut chars = raw[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n' | 'r' | 't') => text.push(' '),
                Some(c) => text.push(c),
                None => break,
            },
            c => text.push(c),
        }
    }
    // Dovecot appends timings such as " (0.001 + 0.000 secs)."; drop them and the final period.
    let mut text = clean(&text);
    if text.ends_with(" secs).") || text.ends_with(" secs)") {
        if let Some(at) = text.rfind(" (") {
            text.truncate(at);
        }
    }
    text.trim_end_matches('.').to_string()
}

/// An IMAP quoted string.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A compact UID set such as `3:5,9` (input sorted ascending).
fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// A mailbox name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): printable ASCII as itself (`&`
/// as `&-`), every other run as `&`, its UTF-16BE in base64 (`,` for `/`, no padding), `-`.
fn encode_mailbox_name(name: &str) -> String {
    use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};
    use base64::Engine as _;
    const MUTF7: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::IMAP_MUTF7, NO_PAD);
    fn flush(out: &mut String, utf16: &mut Vec<u8>) {
        if !utf16.is_empty() {
            out.push('&');
            MUTF7.encode_string(utf16.as_slice(), out);
            out.push('-');
            utf16.clear();
        }
    }
    let mut out = String::new();
    let mut utf16 = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut utf16);
            match c {
                '&' => out.push_str("&-"),
                c => out.push(c),
            }
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                utf16.extend_from_slice(&unit.to_be_bytes());
            }
        }
    }
    flush(&mut out, &mut utf16);
    out
}

/// The connection under async-imap: plain TCP or TLS, and the one place that ever holds the
/// password on its way out, so async-imap's command log only sees [`PASSWORD_PLACEHOLDER`].
struct Wire {
    inner: WireInner,
    /// The quoted placeholder and the quoted password that replaces it, once.
    secret: Option<(Vec<u8>, Vec<u8>)>,
    /// Bytes accepted from the caller but not yet written.
    pending: Vec<u8>,
}

enum WireInner {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Wire {
    fn plain(tcp: TcpStream) -> Wire {
        Wire {
            inner: WireInner::Plain(tcp),
            secret: None,
            pending: Vec::new(),
        }
    }

    fn tls(stream: TlsStream<TcpStream>) -> Wire {
        Wire {
            inner: WireInner::Tls(Box::new(stream)),
            secret: None,
            pending: Vec::new(),
        }
    }

    /// The TCP stream of a plain connection (for STARTTLS).
    fn into_plain(self) -> Option<TcpStream> {
        match self.inner {
            WireInner::Plain(tcp) => Some(tcp),
            WireInner::Tls(_) => None,
        }
    }

    fn drain_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(self.inner_write(cx))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }

    fn inner_write(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        match &mut self.inner {
            WireInner::Plain(s) => Pin::new(s).poll_write(cx, &self.pending),
            WireInner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, &self.pending),
        }
    }
}

/// Makes the next write that carries the quoted placeholder carry the quoted password instead.
fn arm_password(client: &mut async_imap::Client<Wire>, password: &str) {
    client.get_mut().secret = Some((
        quote(PASSWORD_PLACEHOLDER).into_bytes(),
        quote(password).into_bytes(),
    ));
}

impl fmt::Debug for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.inner {
            WireInner::Plain(_) => "Wire(plain)",
            WireInner::Tls(_) => "Wire(tls)",
        })
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            WireInner::Plain(s) => Pin::new(s).poll_read(cx, buf),
            WireInner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain_pending(cx))?;
        if let Some((placeholder, password)) = &this.secret {
            if let Some(at) = find(buf, placeholder) {
                // Take the whole buffer at once, so the placeholder is never split across writes.
                let mut out = Vec::with_capacity(buf.len() + password.len());
                out.extend_from_slice(&buf[..at]);
                out.extend_from_slice(password);
                out.extend_from_slice(&buf[at + placeholder.len()..]);
                this.pending = out;
                this.secret = None;
                return Poll::Ready(Ok(buf.len()));
            }
        }
        match &mut this.inner {
            WireInner::Plain(s) => Pin::new(s).poll_write(cx, buf),
            WireInner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain_pending(cx))?;
        match &mut this.inner {
            WireInner::Plain(s) => Pin::new(s).poll_flush(cx),
            WireInner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain_pending(cx))?;
        match &mut this.inner {
            WireInner::Plain(s) => Pin::new(s).poll_shutdown(cx),
            WireInner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imaps_defaults() {
        let s = ImapSource::parse("imaps://mail.example.com").unwrap();
        assert_eq!(s.security, Security::Implicit);
        assert_eq!(s.host, "mail.example.com");
        assert_eq!(s.port, 993);
        assert_eq!(s.user, None);
        assert_eq!(s.folder, "INBOX");
        assert_eq!(s.subject, None);
        assert_eq!(s.to_string(), "imaps://mail.example.com/INBOX");
        assert_eq!(s.label(12), "imaps://mail.example.com/INBOX;UID=12");
    }

    #[test]
    fn imap_defaults_to_starttls_on_143() {
        let s = ImapSource::parse("imap://Mail.Example.com/").unwrap();
        assert_eq!(s.security, Security::StartTls);
        assert_eq!(s.port, 143);
        assert_eq!(s.host, "mail.example.com");
        assert_eq!(s.folder, "INBOX");
        let s = ImapSource::parse("imap://h?tls=starttls").unwrap();
        assert_eq!(s.security, Security::StartTls);
    }

    #[test]
    fn ports_user_folder_subject() {
        let s = ImapSource::parse(
            "imaps://qa%40shop.test@127.0.0.1:1993/Test%20Emails/Promo%C3%A9?subject=Black%20Friday+%26+more",
        )
        .unwrap();
        assert_eq!(s.port, 1993);
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.user.as_deref(), Some("qa@shop.test"));
        assert_eq!(s.folder, "Test Emails/Promoé");
        assert_eq!(s.subject.as_deref(), Some("Black Friday & more"));
        assert_eq!(
            s.label(3),
            "imaps://127.0.0.1:1993/Test%20Emails/Promo%C3%A9;UID=3"
        );
        // Display round-trips.
        assert_eq!(ImapSource::parse(&s.to_string()).unwrap(), s);
    }

    #[test]
    fn ipv6_host() {
        let s = ImapSource::parse("imap://[::1]:1143/INBOX?tls=none").unwrap();
        assert_eq!(s.host, "::1");
        assert_eq!(s.port, 1143);
        assert_eq!(s.security, Security::None);
        assert_eq!(s.label(1), "imap://[::1]:1143/INBOX;UID=1");
        assert_eq!(ImapSource::parse(&s.to_string()).unwrap(), s);
    }

    #[test]
    fn password_in_url_is_rejected_without_echoing_it() {
        let err = ImapSource::parse("imaps://user:hunter2@mail.example.com/INBOX").unwrap_err();
        let text = err.to_string();
        assert!(text.contains(PASSWORD_ENV), "{text}");
        assert!(!text.contains("hunter2") && !format!("{err:?}").contains("hunter2"));
    }

    #[test]
    fn bad_urls() {
        for url in [
            "https://mail.example.com",
            "imaps://",
            "imaps:///INBOX",
            "imaps://h:0",
            "imaps://h?tls=none",
            "imap://h?tls=maybe",
            "imaps://h?subject=",
            "imaps://h?subject=a&subject=b",
            "imaps://h?sbject=typo",
            "imaps://h/IN%0ABOX",
            "imaps://h?subject=a%0Db",
            "imaps://h/INBOX#frag",
            "imaps://h/%FF",
            "not a url",
        ] {
            assert!(
                matches!(ImapSource::parse(url), Err(ImapError::BadUrl(_))),
                "{url} should be rejected"
            );
        }
    }

    #[test]
    fn credentials_come_from_env_then_url() {
        let source = ImapSource::parse("imaps://urluser@h").unwrap();
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let c = ImapCredentials::from_lookup(&source, env(&[(PASSWORD_ENV, "pw")])).unwrap();
        assert_eq!(c.username(), "urluser");
        let c = ImapCredentials::from_lookup(
            &source,
            env(&[(PASSWORD_ENV, "pw"), (USERNAME_ENV, "envuser")]),
        )
        .unwrap();
        assert_eq!(c.username(), "envuser");
        let err = ImapCredentials::from_lookup(&source, env(&[])).unwrap_err();
        assert!(err.to_string().contains(PASSWORD_ENV));
        let anonymous = ImapSource::parse("imaps://h").unwrap();
        let err =
            ImapCredentials::from_lookup(&anonymous, env(&[(PASSWORD_ENV, "pw")])).unwrap_err();
        assert!(err.to_string().contains(USERNAME_ENV));
    }

    #[test]
    fn debug_redacts_password() {
        let c = ImapCredentials::new("seed", "s3cret-Value");
        let debug = format!("{c:?}");
        assert!(
            debug.contains("seed") && !debug.contains("s3cret-Value"),
            "{debug}"
        );
    }

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[42]), "42");
    }

    #[test]
    fn mailbox_names_use_modified_utf7() {
        assert_eq!(encode_mailbox_name("INBOX"), "INBOX");
        assert_eq!(encode_mailbox_name("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(encode_mailbox_name("A&B"), "A&-B");
        assert_eq!(encode_mailbox_name("日本語"), "&ZeVnLIqe-");
        assert_eq!(
            encode_mailbox_name("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
    }

    #[test]
    fn state_file_names_are_sanitised_and_distinct() {
        let dir = Path::new("/state");
        let a = state_path(dir, "mail.example.com", "qa@shop", "INBOX/../x");
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("imap-mail.example.com-qa_shop-INBOX_.._x-"),
            "{name}"
        );
        assert!(name.ends_with(".json"));
        assert_eq!(a.parent(), Some(dir));
        assert_ne!(
            a,
            state_path(dir, "mail.example.com", "qa_shop", "INBOX/../x")
        );
    }

    #[test]
    fn quoting_escapes_backslash_and_quote() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
