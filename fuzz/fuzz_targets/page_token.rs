//! The opaque page tokens of every listing (`?page=`, base64url JSON of DynamoDB's
//! `LastEvaluatedKey`), accepted only for the partition they came from. The decoder is private to
//! cuadre-aws, so its source file is compiled here as it is.
//! Input: a mode byte, a partition line, then the token (mode odd) or the token's JSON (mode even).
#![no_main]

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cuadre_core::store::StoreError;
use libfuzzer_sys::fuzz_target;

// page.rs names `super::Item` and `super::error::corrupt`: given here as cuadre-aws has them.
#[allow(unused_imports)]
use cuadre_aws::dynamo::Item;

mod error {
    use std::fmt::Display;

    use cuadre_core::store::StoreError;

    pub fn corrupt(e: impl Display) -> StoreError {
        StoreError::Corrupt(e.to_string())
    }
}

#[allow(dead_code)]
#[path = "../../shared/aws/src/dynamo/page.rs"]
mod page;

const PARTITION_ATTR: &str = "GSI2PK";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (partition, token) = text.split_once('\n').unwrap_or((text, ""));
    let token = if mode % 2 == 1 {
        token.to_string()
    } else {
        URL_SAFE_NO_PAD.encode(token)
    };
    match page::decode(Some(&token), PARTITION_ATTR, partition) {
        Ok(Some(key)) => {
            assert!(
                matches!(key.get(PARTITION_ATTR), Some(AttributeValue::S(p)) if p == partition),
                "only the token's own partition"
            );
            let again = page::encode(Some(key.clone()))
                .expect("a decoded key encodes")
                .expect("a key gives a token");
            let back = page::decode(Some(&again), PARTITION_ATTR, partition)
                .expect("its own token decodes")
                .expect("a token gives a key");
            assert_eq!(back, key, "round trip");
        }
        Ok(None) => panic!("a token never decodes to no key"),
        Err(StoreError::BadPageToken) => {}
        Err(other) => panic!("a bad token is BadPageToken, not {other:?}"),
    }
    assert!(matches!(
        page::decode(None, PARTITION_ATTR, partition),
        Ok(None)
    ));
});
