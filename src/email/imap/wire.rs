//! The byte stream under async-imap (plain TCP or TLS) that swaps the password in on its way
//! to the socket, so async-imap's command log only ever sees a placeholder.

use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::{fmt, io};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_native_tls::TlsStream;

use super::quote;

/// What the LOGIN command carries through async-imap (whose trace log prints every command);
/// the connection swaps it for the real password on its way to the socket.
pub(super) const PASSWORD_PLACEHOLDER: &str = "PIXELAUDIT-REDACTED-PASSWORD";

/// The connection under async-imap: plain TCP or TLS, and the one place that ever holds the
/// password on its way out, so async-imap's command log only sees [`PASSWORD_PLACEHOLDER`].
pub(super) struct Wire {
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
    pub(super) fn plain(tcp: TcpStream) -> Wire {
        Wire {
            inner: WireInner::Plain(tcp),
            secret: None,
            pending: Vec::new(),
        }
    }

    pub(super) fn tls(stream: TlsStream<TcpStream>) -> Wire {
        Wire {
            inner: WireInner::Tls(Box::new(stream)),
            secret: None,
            pending: Vec::new(),
        }
    }

    /// The TCP stream of a plain connection (for STARTTLS).
    pub(super) fn into_plain(self) -> Option<TcpStream> {
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
pub(super) fn arm_password(client: &mut async_imap::Client<Wire>, password: &str) {
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
