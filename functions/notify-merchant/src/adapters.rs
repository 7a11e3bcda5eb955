//! The real adapters: reqwest for merchant endpoints, Amazon SES v2 for e-mail, SQS for
//! visibility changes.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use cuadre_core::events::outbox::RESPONSE_EXCERPT_BYTES;

use crate::ports::{
    EventPoster, MailError, Mailer, OutgoingEmail, PostAnswer, PostError, Visibility,
};

/// How long a merchant endpoint has to answer.
pub const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// Posts with reqwest: rustls, no redirects followed (a 3xx is a failed delivery), a hard timeout.
#[derive(Debug, Clone)]
pub struct HttpPoster {
    client: reqwest::Client,
}

impl HttpPoster {
    pub fn new() -> Result<Self, reqwest::Error> {
        Self::with_timeout(POST_TIMEOUT)
    }

    pub fn with_timeout(timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(HttpPoster { client })
    }
}

#[async_trait]
impl EventPoster for HttpPoster {
    async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Result<PostAnswer, PostError> {
        let mut request = self.client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| {
            // reqwest's message names the URL; keep only the kind of failure.
            let kind = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else if e.is_request() {
                "request failed"
            } else {
                "failed"
            };
            PostError(format!("POST {kind}"))
        })?;
        let status = response.status().as_u16();
        // Only the start of the answer is kept; a body that breaks off midway is kept as read.
        let mut body = Vec::new();
        let mut response = response;
        while body.len() < RESPONSE_EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        body.truncate(RESPONSE_EXCERPT_BYTES);
        Ok(PostAnswer { status, body })
    }
}

/// Sends through Amazon SES v2 (`SendEmail`, simple content, UTF-8).
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
}

impl SesMailer {
    pub fn new(client: aws_sdk_sesv2::Client) -> Self {
        SesMailer { client }
    }
}

fn utf8(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError(e.to_string()))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, MailError> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(Body::builder().text(utf8(&email.text)?).build())
            .build();
        let out = self
            .client
            .send_email()
            .from_email_address(&email.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            // The error code only: SES messages can quote the recipient's address, which no log
            // may hold.
            .map_err(|e| {
                MailError(match e.code() {
                    Some(code) => format!("SES refused it ({code})"),
                    None => "SES could not be reached".to_string(),
                })
            })?;
        Ok(out.message_id.unwrap_or_default())
    }
}

/// Changes a message's visibility on the queue the function consumes.
#[derive(Debug, Clone)]
pub struct SqsVisibility {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsVisibility {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsVisibility {
            client,
            queue_url: queue_url.into(),
        }
    }
}

#[async_trait]
impl Visibility for SqsVisibility {
    async fn hide_for(&self, receipt_handle: &str, seconds: u32) -> Result<(), String> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(i32::try_from(seconds).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(&e).to_string())?;
        Ok(())
    }
}
