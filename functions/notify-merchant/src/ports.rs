//! What the handler needs from the outside world, as small traits; the real adapters are in
//! [`crate::adapters`].

use async_trait::async_trait;

/// An HTTP `POST` to a merchant's endpoint.
#[async_trait]
pub trait EventPoster: Send + Sync {
    /// Posts `body` with `headers`; the answer (its status and the start of its body), or why no
    /// answer came.
    async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Result<PostAnswer, PostError>;
}

/// What an endpoint answered: its status and at most the first 512 bytes of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PostError(pub String);

/// One plain-text e-mail.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
}

// By hand: a buyer's address never reaches a log.
impl std::fmt::Debug for OutgoingEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingEmail")
            .field("from", &self.from)
            .field("to", &"<redacted>")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends the e-mail; the provider's message id once it accepted it.
    async fn send(&self, email: &OutgoingEmail) -> Result<String, MailError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the e-mail was not accepted: {0}")]
pub struct MailError(pub String);

/// Hides a received message for a while (its visibility timeout), so its retry waits.
#[async_trait]
pub trait Visibility: Send + Sync {
    async fn hide_for(&self, receipt_handle: &str, seconds: u32) -> Result<(), String>;
}
