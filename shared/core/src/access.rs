//! Merchant API keys and buyer pay-link tokens. Only hashes are stored: a leaked table gives no
//! working key. Randomness comes from the caller, so this stays pure and testable.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{OrderId, TenantId};
use crate::records::sha256_hex;

const KEY_PREFIX: &str = "cdr";

/// An API key as stored: its public id and the hash of the whole key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub tenant_id: TenantId,
    /// Short public id, shown in listings and used to revoke.
    pub key_id: String,
    pub key_hash: String,
    #[serde(with = "crate::time::serde_lima")]
    pub created_at: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyRecord {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A freshly made key: the plaintext is shown once and never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub plaintext: String,
    pub record: ApiKeyRecord,
}

/// Builds a key `cdr_<key id>_<secret>` from 5 + 24 random bytes.
pub fn new_api_key(
    tenant_id: TenantId,
    id_bytes: [u8; 5],
    secret_bytes: [u8; 24],
    now: DateTime<Utc>,
) -> NewApiKey {
    let key_id = hex::encode(id_bytes);
    let plaintext = format!("{KEY_PREFIX}_{key_id}_{}", hex::encode(secret_bytes));
    let record = ApiKeyRecord {
        tenant_id,
        key_id,
        key_hash: hash_api_key(&plaintext),
        created_at: now,
        revoked_at: None,
    };
    NewApiKey { plaintext, record }
}

pub fn hash_api_key(plaintext: &str) -> String {
    sha256_hex(plaintext.as_bytes())
}

/// Whether a presented key has our shape at all (cheap refusal before any lookup).
pub fn looks_like_api_key(presented: &str) -> bool {
    let mut parts = presented.split('_');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(KEY_PREFIX), Some(id), Some(secret), None)
            if id.len() == 10 && secret.len() == 48
                && id.bytes().chain(secret.bytes()).all(|b| b.is_ascii_hexdigit())
    )
}

/// The order a buyer's pay link opens. The link carries a random token; we store its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayLink {
    pub token_hash: String,
    pub tenant_id: TenantId,
    pub order_id: OrderId,
    /// Voucher uploads granted through this link so far.
    #[serde(default)]
    pub uploads_granted: u32,
}

/// A pay-link token (URL-safe) from 24 random bytes.
pub fn new_pay_token(random: [u8; 24]) -> String {
    hex::encode(random)
}

pub fn hash_pay_token(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// How long after its code's expiry a pay link still opens by default: a buyer who paid at the
/// last minute still sends the voucher, and a link is not a key that works forever.
pub const DEFAULT_PAY_LINK_GRACE: chrono::Duration = chrono::Duration::days(7);

/// Whether a pay link for a code expiring at `code_expires_at` still opens at `now`.
pub fn pay_link_open(
    code_expires_at: DateTime<Utc>,
    grace: chrono::Duration,
    now: DateTime<Utc>,
) -> bool {
    now <= code_expires_at + grace
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keys_are_shown_once_and_stored_hashed() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        let k = new_api_key(TenantId::parse("acme").unwrap(), [1; 5], [7; 24], now);
        assert!(k.plaintext.starts_with("cdr_0101010101_"));
        assert!(looks_like_api_key(&k.plaintext));
        assert_eq!(k.record.key_hash, hash_api_key(&k.plaintext));
        assert!(!k.record.key_hash.contains(&k.plaintext[15..]));
        assert!(!looks_like_api_key("cdr_0101010101_short"));
        assert!(!looks_like_api_key("Bearer x"));
        let other = new_api_key(TenantId::parse("acme").unwrap(), [1; 5], [8; 24], now);
        assert_ne!(other.record.key_hash, k.record.key_hash);
    }

    #[test]
    fn a_pay_link_opens_until_its_grace_after_the_code_expires() {
        let expires = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let grace = DEFAULT_PAY_LINK_GRACE;
        assert!(pay_link_open(
            expires,
            grace,
            expires - chrono::Duration::hours(1)
        ));
        assert!(pay_link_open(expires, grace, expires + grace));
        assert!(!pay_link_open(
            expires,
            grace,
            expires + grace + chrono::Duration::seconds(1)
        ));
    }
}
