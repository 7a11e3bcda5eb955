//! How merchants know a notification came from cuadre.
//!
//! Every notification is a `POST` of the event as JSON (`{"event_id", "type", "tenant_id",
//! "occurred_at", "data"}`) with these headers:
//!
//! | header             | value                                                        |
//! |--------------------|--------------------------------------------------------------|
//! | `Cuadre-Signature` | `t=<unix seconds>,v1=<lowercase hex HMAC-SHA256>`            |
//! | `Cuadre-Event-Id`  | the event's stable id (`evt_` + 32 hex): the same on a retry |
//! | `Cuadre-Event-Type`| the event's type (`order.paid`, …: `cuadre_core::events::EventType`) |
//! | `User-Agent`       | `cuadre-notify/1`                                            |
//! | `Content-Type`     | `application/json`                                           |
//!
//! `v1` is HMAC-SHA256 keyed with the merchant's notification secret (the 64-character string
//! shown once at onboarding, used as it is: its ASCII bytes, not hex-decoded) over the bytes
//! `"{t}." + raw request body`. A receiver must:
//!
//! 1. read the **raw** body bytes (before any JSON parsing or re-serialising);
//! 2. split the header on `,` into `key=value` pairs, take `t` and every `v1`;
//! 3. compute the HMAC over `t + "." + body` and compare it with each `v1` in constant time;
//! 4. refuse the request unless `|now − t| ≤ 300` seconds ([`TOLERANCE_SECS`]): a captured request
//!    replayed later is refused even though its signature is valid;
//! 5. answer any `2xx` quickly once it has stored the event, and de-duplicate by `event_id`:
//!    cuadre delivers at least once, and a retry carries the same id (and a fresh `t`).
//!
//! Anything but a `2xx` within 10 seconds (redirects are not followed) is a failed delivery,
//! retried with growing delays for 72 hours (`cuadre_core::events::outbox::RetryPolicy`); after
//! the last the event is `failed` and stays re-sendable. Code for receivers in Python and Node is in
//! `functions/notify-merchant/RECEIVERS.md`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle_eq::constant_time_eq;

pub const SIGNATURE_HEADER: &str = "Cuadre-Signature";
pub const EVENT_ID_HEADER: &str = "Cuadre-Event-Id";
pub const EVENT_TYPE_HEADER: &str = "Cuadre-Event-Type";
pub const USER_AGENT: &str = "cuadre-notify/1";
/// How far a receiver lets `t` stray from its clock, in seconds.
pub const TOLERANCE_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Cuadre-Signature` value for `body` sent at `timestamp` (unix seconds): one `v1` per
/// secret, the current one first (two during a rotation's overlap, so a receiver holding either
/// secret accepts the delivery).
pub fn signature_header<S: AsRef<str>>(secrets: &[S], timestamp: i64, body: &[u8]) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        let digest = mac(secret.as_ref(), timestamp, body)
            .finalize()
            .into_bytes();
        header.push_str(",v1=");
        header.push_str(&hex::encode(digest));
    }
    header
}

/// Why a signature was refused (what a receiver would answer 400/401 for).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the signature header has no t or no v1")]
    Malformed,
    #[error("the signature was made {0} s away from now, beyond the tolerance")]
    Stale(i64),
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// The receiver's check, in Rust (the reference the Python and Node versions follow).
pub fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_string()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(VerifyError::Malformed)?;
    if signatures.is_empty() {
        return Err(VerifyError::Malformed);
    }
    let skew = now.saturating_sub(timestamp);
    if skew.abs() > tolerance_secs {
        return Err(VerifyError::Stale(skew));
    }
    let expected = hex::encode(mac(secret, timestamp, body).finalize().into_bytes());
    if signatures
        .iter()
        .any(|s| constant_time_eq(s.as_bytes(), expected.as_bytes()))
    {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

mod subtle_eq {
    /// Compares without an early exit, so timing tells nothing about where the bytes differ.
    pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "5f2b0c1d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c";

    #[test]
    fn known_vector() {
        // Computed independently: printf '1764082800.{"a":1}' | openssl dgst -sha256 -hmac "$SECRET"
        let header = signature_header(&[SECRET], 1_764_082_800, br#"{"a":1}"#);
        assert_eq!(
            header,
            "t=1764082800,v1=6f757f8b83081fc02a9df697091d140524d2bef8ec9429d7a155117e65492069"
        );
        assert_eq!(
            verify(SECRET, &header, br#"{"a":1}"#, 1_764_082_800, 300),
            Ok(())
        );
    }

    #[test]
    fn refuses_stale_tampered_and_malformed() {
        let body = br#"{"event_id":"evt_1"}"#;
        let header = signature_header(&[SECRET], 1_000_000, body);
        assert_eq!(verify(SECRET, &header, body, 1_000_300, 300), Ok(()));
        assert_eq!(verify(SECRET, &header, body, 999_700, 300), Ok(()));
        assert_eq!(
            verify(SECRET, &header, body, 1_000_301, 300),
            Err(VerifyError::Stale(301))
        );
        assert_eq!(
            verify(SECRET, &header, br#"{"event_id":"evt_2"}"#, 1_000_000, 300),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify("another-secret", &header, body, 1_000_000, 300),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, "v1=abc", body, 1_000_000, 300),
            Err(VerifyError::Malformed)
        );
        // A rotated secret may add a second v1; any match is enough.
        let extra = format!("{header},v1={}", "0".repeat(64));
        assert_eq!(verify(SECRET, &extra, body, 1_000_000, 300), Ok(()));
    }

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        let body = br#"{"event_id":"evt_9"}"#;
        let header = signature_header(&["new-secret", SECRET], 1_000_000, body);
        assert_eq!(header.matches(",v1=").count(), 2);
        assert!(header.starts_with(&signature_header(&["new-secret"], 1_000_000, body)));
        assert_eq!(verify("new-secret", &header, body, 1_000_000, 300), Ok(()));
        assert_eq!(verify(SECRET, &header, body, 1_000_000, 300), Ok(()));
        assert_eq!(
            verify("a-third-secret", &header, body, 1_000_000, 300),
            Err(VerifyError::Mismatch)
        );
    }
}
