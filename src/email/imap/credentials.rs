//! The IMAP user name and password: from the environment (or the URL's `user@`), never shown.

use std::fmt;

use super::{ImapError, ImapSource};

/// Environment variable that holds the IMAP user name (overrides the URL's `user@`).
pub const USERNAME_ENV: &str = "PIXELAUDIT_IMAP_USERNAME";
/// Environment variable that holds the IMAP password (the only place a password is read from).
pub const PASSWORD_ENV: &str = "PIXELAUDIT_IMAP_PASSWORD";

/// User name and password for the IMAP login. `Debug` never shows the password.
#[derive(Clone)]
pub struct ImapCredentials {
    pub(super) username: String,
    pub(super) password: String,
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
