//! Sending over SMTP, with retries and backoff.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials as SmtpCredentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use pixelaudit_core::config::{NotifyPlan, TlsMode};

use super::{SMTP_PASSWORD_ENV, SMTP_USERNAME_ENV};

/// SMTP credentials, from the environment.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

impl Credentials {
    /// Reads `PIXELAUDIT_SMTP_USERNAME` and `PIXELAUDIT_SMTP_PASSWORD` (none when unset).
    pub fn from_env() -> Option<Credentials> {
        let username = std::env::var(SMTP_USERNAME_ENV)
            .ok()
            .filter(|v| !v.is_empty())?;
        let password = std::env::var(SMTP_PASSWORD_ENV).unwrap_or_default();
        Some(Credentials { username, password })
    }
}

/// Why a report could not be delivered.
#[derive(Debug, thiserror::Error)]
#[error(
    "the report could not be emailed to {to} via {host}:{port} after {attempts} attempt(s): {last}"
)]
pub struct DeliveryError {
    /// Recipients.
    pub to: String,
    /// Server.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub last: String,
}

fn transport(
    plan: &NotifyPlan,
    credentials: Option<Credentials>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = match plan.tls {
        TlsMode::None => Tls::None,
        TlsMode::Starttls | TlsMode::Implicit => {
            let mut builder = TlsParameters::builder(plan.host.clone());
            if let Some(path) = &plan.ca_cert {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| format!("{} is not a PEM certificate: {e}", path.display()))?;
                builder = builder.add_root_certificate(cert);
            }
            let params = builder.build().map_err(|e| e.to_string())?;
            if plan.tls == TlsMode::Starttls {
                Tls::Required(params)
            } else {
                Tls::Wrapper(params)
            }
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(plan.host.clone())
        .port(plan.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(20)));
    if let Some(c) = credentials {
        if plan.tls == TlsMode::None {
            // Said on every send: a password in clear text is worth noticing in the logs.
            tracing::warn!(
                "SMTP credentials are sent to {}:{} in clear text (tls = \"none\"); use tls = \"starttls\" or \"implicit\"",
                plan.host,
                plan.port
            );
        }
        builder = builder.credentials(SmtpCredentials::new(c.username, c.password));
    }
    Ok(builder.build())
}

/// Sends `message`, retrying with exponential backoff.
pub async fn send(
    plan: &NotifyPlan,
    message: Message,
    credentials: Option<Credentials>,
) -> Result<(), DeliveryError> {
    let fail = |attempts: u32, last: String| DeliveryError {
        to: plan.to.join(", "),
        host: plan.host.clone(),
        port: plan.port,
        attempts,
        last,
    };
    let transport = transport(plan, credentials).map_err(|e| fail(0, e))?;
    let mut wait = plan.backoff;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match transport.send(message.clone()).await {
            Ok(_) => return Ok(()),
            Err(error) if attempt <= plan.retries => {
                tracing::warn!(
                    attempt,
                    "sending the report failed, retrying in {} ms: {error}",
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(error) => return Err(fail(attempt, error.to_string())),
        }
    }
}
