//! A merchant's PagoEfectivo credentials and the authorization hash built from them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// What PagoEfectivo issues a merchant. `Debug` redacts the keys so a stray `{:?}` logs no secret;
/// there is deliberately no `Serialize`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct Credentials {
    pub id_service: u32,
    pub access_key: String,
    pub secret_key: String,
}

impl Credentials {
    pub fn new(
        id_service: u32,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        Credentials {
            id_service,
            access_key: access_key.into(),
            secret_key: secret_key.into(),
        }
    }

    /// `hashString` for an authorization sent with this `dateRequest`.
    pub fn hash_string(&self, date_request: &str) -> String {
        hash_string(
            self.id_service,
            &self.access_key,
            &self.secret_key,
            date_request,
        )
    }

    /// Identifies these credentials (secret included) without holding the secret: the token
    /// cache's key, so a rotated secret never reuses the old token.
    pub(crate) fn fingerprint(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.id_service.to_string());
        h.update([0]);
        h.update(&self.access_key);
        h.update([0]);
        h.update(&self.secret_key);
        h.finalize().into()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("id_service", &self.id_service)
            .field("access_key", &"<redacted>")
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// Lowercase hex SHA-256 of `idService.accessKey.secretKey.dateRequest`.
pub fn hash_string(
    id_service: u32,
    access_key: &str,
    secret_key: &str,
    date_request: &str,
) -> String {
    let text = format!("{id_service}.{access_key}.{secret_key}.{date_request}");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// `dateRequest`: Lima time as `yyyy-mm-ddThh:mm:ss-05:00`.
pub fn date_request(now: DateTime<Utc>) -> String {
    cuadre_core::time::format_lima(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hash_is_sha256_of_dotted_fields() {
        // sha256("1234.AK.SK.2020-12-31T23:59:59-05:00"), computed independently.
        let h = hash_string(1234, "AK", "SK", "2020-12-31T23:59:59-05:00");
        assert_eq!(h.len(), 64);
        assert_eq!(
            h,
            hex::encode(Sha256::digest(b"1234.AK.SK.2020-12-31T23:59:59-05:00"))
        );
        assert!(h
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
    }

    #[test]
    fn date_request_is_lima() {
        let t = Utc.with_ymd_and_hms(2021, 1, 1, 4, 59, 59).unwrap();
        assert_eq!(date_request(t), "2020-12-31T23:59:59-05:00");
    }

    #[test]
    fn debug_redacts_keys() {
        let c = Credentials::new(7, "ACCESSKEY123", "TOPSECRET");
        let shown = format!("{c:?}");
        assert!(!shown.contains("TOPSECRET"));
        assert!(!shown.contains("ACCESSKEY123"));
        assert!(shown.contains('7'));
    }
}
