//! S3 notifications in SQS bodies, form-encoded object keys, and voucher keys
//! `vouchers/{tenant_id}/{order_id}/{voucher_id}`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voucher_ocr::event::{decode_key, parse_notification, parse_voucher_key, Notification};

fn check_key(raw: &str) {
    let Ok(key) = decode_key(raw) else {
        return;
    };
    if !raw.contains(['%', '+']) {
        assert_eq!(key, raw, "nothing to decode");
    }
    check_voucher_key(&key);
}

fn check_voucher_key(key: &str) {
    if let Ok(parsed) = parse_voucher_key(key) {
        let rebuilt = format!(
            "vouchers/{}/{}/{}",
            parsed.tenant_id.as_str(),
            parsed.order_id.as_str(),
            parsed.voucher_id
        );
        assert_eq!(rebuilt, key, "the parts make the key again");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_key(text);
    check_voucher_key(text);
    if let Ok(Notification::Objects(objects)) = parse_notification(text) {
        for object in objects {
            check_key(&object.raw_key);
        }
    }
});
