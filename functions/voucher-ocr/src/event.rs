//! S3 notifications as they arrive in SQS bodies, read leniently (records may lack
//! `userIdentity`, `requestParameters`… and the typed structs would refuse them), and our object
//! keys `vouchers/{tenant_id}/{order_id}/{voucher_id}`.

use chrono::{DateTime, Utc};
use cuadre_core::{IdError, OrderId, TenantId};
use percent_encoding::percent_decode_str;
use serde::Deserialize;

/// What one SQS body holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Notification {
    /// `s3:TestEvent`, sent once when the notification is configured: nothing to do.
    Test,
    Objects(Vec<ObjectCreated>),
}

/// One S3 event record, with the key still URL-encoded as S3 sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectCreated {
    pub event_name: String,
    pub event_time: Option<DateTime<Utc>>,
    pub bucket: String,
    pub raw_key: String,
    pub size: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    #[error("the body is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("the body is not an S3 notification: {0}")]
    NotS3(String),
}

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "Records")]
    records: Option<Vec<Record>>,
    #[serde(rename = "Event")]
    event: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    event_name: Option<String>,
    event_time: Option<String>,
    s3: Option<Entity>,
}

#[derive(Deserialize)]
struct Entity {
    bucket: Named,
    object: Object,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Object {
    key: String,
    size: Option<u64>,
}

pub fn parse_notification(body: &str) -> Result<Notification, NotificationError> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(NotificationError::NotJson)?;
    let parsed: Body =
        serde_json::from_value(value).map_err(|e| NotificationError::NotS3(e.to_string()))?;
    match (parsed.records, parsed.event.as_deref()) {
        (Some(records), _) => records
            .into_iter()
            .map(|r| {
                let s3 = r
                    .s3
                    .ok_or_else(|| NotificationError::NotS3("a record has no s3 entity".into()))?;
                Ok(ObjectCreated {
                    event_name: r.event_name.unwrap_or_default(),
                    event_time: r
                        .event_time
                        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                        .map(|t| t.with_timezone(&Utc)),
                    bucket: s3.bucket.name,
                    raw_key: s3.object.key,
                    size: s3.object.size,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Notification::Objects),
        (None, Some("s3:TestEvent")) => Ok(Notification::Test),
        (None, _) => Err(NotificationError::NotS3("no Records".into())),
    }
}

/// The key as stored: S3 event keys are form-encoded (`+` for a space, then `%XX`).
pub fn decode_key(raw: &str) -> Result<String, KeyError> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| KeyError::Encoding)
}

/// Who a voucher object belongs to, read from its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherKey {
    pub tenant_id: TenantId,
    pub order_id: OrderId,
    pub voucher_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is not valid URL-encoded UTF-8")]
    Encoding,
    #[error("the key is not vouchers/{{tenant_id}}/{{order_id}}/{{voucher_id}}")]
    Shape,
    #[error("the key's {0}")]
    Id(#[from] IdError),
    #[error("the key's voucher id is not valid")]
    VoucherId,
}

/// `vouchers/{tenant_id}/{order_id}/{voucher_id}`; the tenant is the first part and the voucher
/// the last, so an order id holding a `/` still reads whole.
pub fn parse_voucher_key(key: &str) -> Result<VoucherKey, KeyError> {
    let rest = key.strip_prefix("vouchers/").ok_or(KeyError::Shape)?;
    let (tenant, rest) = rest.split_once('/').ok_or(KeyError::Shape)?;
    let (order, voucher_id) = rest.rsplit_once('/').ok_or(KeyError::Shape)?;
    let voucher_ok = !voucher_id.is_empty()
        && voucher_id.len() <= 128
        && voucher_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !voucher_ok {
        return Err(KeyError::VoucherId);
    }
    Ok(VoucherKey {
        tenant_id: TenantId::parse(tenant)?,
        order_id: OrderId::parse(order)?,
        voucher_id: voucher_id.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_decode_by_form_rules_and_parse_into_ids() {
        let raw = "vouchers%2Facme%2FPedido+%C3%91and%C3%BA+7%2Fv-1";
        let key = decode_key(raw).unwrap();
        assert_eq!(key, "vouchers/acme/Pedido Ñandú 7/v-1");
        let parsed = parse_voucher_key(&key).unwrap();
        assert_eq!(parsed.tenant_id.as_str(), "acme");
        assert_eq!(parsed.order_id.as_str(), "Pedido Ñandú 7");
        assert_eq!(parsed.voucher_id, "v-1");
        // A plus sign the buyer typed arrives as %2B.
        assert_eq!(decode_key("a%2Bb+c").unwrap(), "a+b c");
        assert_eq!(
            parse_voucher_key("vouchers/acme/A/B/v1")
                .unwrap()
                .order_id
                .as_str(),
            "A/B"
        );
        assert_eq!(parse_voucher_key("webhooks/acme/x/y"), Err(KeyError::Shape));
        assert_eq!(parse_voucher_key("vouchers/acme/v1"), Err(KeyError::Shape));
        assert!(parse_voucher_key("vouchers/Acme/o/v1").is_err());
        assert_eq!(
            parse_voucher_key("vouchers/acme/o/"),
            Err(KeyError::VoucherId)
        );
        assert_eq!(decode_key("%FF"), Err(KeyError::Encoding));
    }

    #[test]
    fn notifications_are_read_leniently() {
        let body = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
            "eventTime":"2026-11-25T19:32:00.123Z",
            "s3":{"bucket":{"name":"cuadre-vouchers"},"object":{"key":"vouchers/acme/o+1/v1","size":12}}}]}"#;
        let Notification::Objects(objects) = parse_notification(body).unwrap() else {
            panic!("objects expected")
        };
        assert_eq!(objects[0].bucket, "cuadre-vouchers");
        assert_eq!(objects[0].raw_key, "vouchers/acme/o+1/v1");
        assert_eq!(objects[0].size, Some(12));
        assert!(objects[0].event_time.is_some());

        let test = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-25T19:00:00Z","Bucket":"b"}"#;
        assert_eq!(parse_notification(test).unwrap(), Notification::Test);
        assert!(matches!(
            parse_notification("not json"),
            Err(NotificationError::NotJson(_))
        ));
        assert!(matches!(
            parse_notification(r#"{"hello":1}"#),
            Err(NotificationError::NotS3(_))
        ));
    }
}
