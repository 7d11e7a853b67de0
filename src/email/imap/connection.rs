//! Getting to a greeted IMAP connection: TCP connect, TLS (implicit or STARTTLS) with the
//! [`Trust`] it allows, the greeting, and the server's errors made safe to show.

use std::net::SocketAddr;
use std::{fmt, io};

use async_imap::error::Error as ProtoError;
use async_imap::imap_proto::{Response, Status};
use tokio::net::TcpStream;
use tokio_native_tls::TlsStream;

use super::wire::Wire;
use super::{ImapError, ImapSource, Security, Step};

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
    pub(super) fn connector(&self) -> Result<tokio_native_tls::TlsConnector, ImapError> {
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

/// The phase of waiting for a greeting without TLS, which an implicit-TLS port never sends.
const PLAIN_GREETING: &str =
    "waiting for the server greeting (an implicit-TLS port stays silent here: use imaps://)";

/// Connects to `source` (or `connect_to`) and returns the greeted client, on TLS unless the
/// URL says `tls=none`; `connector` is there for every TLS mode.
pub(super) async fn open(
    source: &ImapSource,
    connector: Option<&tokio_native_tls::TlsConnector>,
    connect_to: Option<SocketAddr>,
    step: &Step,
) -> Result<async_imap::Client<Wire>, ImapError> {
    let tcp = step.run("connecting", connect(source, connect_to)).await?;
    let client = match (source.security, connector) {
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
    Ok(client)
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

pub(super) fn protocol(phase: &'static str, e: ProtoError) -> ImapError {
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
pub(super) fn server_text(raw: &str) -> String {
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
