//! Intake of test marketing emails from an IMAP mailbox: only messages new since the last audit.
//!
//! The URL names the mailbox (`imaps://[user@]host[:port][/FOLDER][?subject=TEXT]`), the password
//! comes from [`PASSWORD_ENV`], the connection is TLS (implicit or STARTTLS), the folder is opened
//! read-only, and the highest UID seen is kept in a small JSON file per mailbox that the caller
//! commits once its report is saved.

mod checkpoint;
mod connection;
mod credentials;
mod url;
mod wire;

pub use self::checkpoint::Checkpoint;
pub use self::connection::Trust;
pub use self::credentials::{ImapCredentials, PASSWORD_ENV, USERNAME_ENV};
pub use self::url::{ImapSource, Security};

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use std::{fmt, io};

use async_imap::error::Error as ProtoError;
use futures_util::TryStreamExt;
use tokio::time::Instant;

use self::checkpoint::State;
use self::connection::{protocol, server_text};
use self::wire::{arm_password, Wire, PASSWORD_PLACEHOLDER};

/// How many UIDs go into one `UID FETCH` command.
const FETCH_BATCH: usize = 100;

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
    let path = checkpoint::state_path(state_dir, &source.host, &creds.username, &source.folder);
    let previous = checkpoint::load_state(&path)?;
    let connector = match source.security {
        Security::None => None,
        _ => Some(trust.connector()?),
    };
    let deadline = Instant::now() + timeout;
    let step = Step { deadline, timeout };

    let mut client = connection::open(source, connector.as_ref(), connect_to, &step).await?;

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
    let (last_uid, note) = checkpoint::resume(previous, uidvalidity, &source.folder, user);

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
        checkpoint: Checkpoint::new(path, source, user, uidvalidity, new_last),
        note,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn quoting_escapes_backslash_and_quote() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
