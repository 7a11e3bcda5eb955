//! Signatures computed here with the `hmac` crate alone, independently of the code under test.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of the bytes with the key, lowercase hex: PagoEfectivo's `PE-Signature`.
pub fn hmac_sha256_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}
