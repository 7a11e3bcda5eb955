//! PagoEfectivo's payment notification as gateway-webhook reads it: the `PE-Signature` check, the
//! body, its amount, and the stand-in operation number of a body without one.
//! Input: one length byte, that many bytes of secret, a signature line, then the body.
#![no_main]

use chrono::SubsecRound;
use cuadre_core::rules::settlement::stand_in;
use cuadre_core::OperationNumber;
use cuadre_fuzz::Input;
use cuadre_gateway::{sign_notification, verify_notification, Notification};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let n = usize::from(input.byte());
    let secret = input.bytes(n);
    let rest = input.rest();
    let (signature, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (&rest[..0], rest),
    };
    let signature = String::from_utf8_lossy(signature);
    let given_ok = verify_notification(secret, body, &signature);
    let signed = sign_notification(secret, body);
    assert!(verify_notification(secret, body, &signed));
    assert!(verify_notification(secret, body, &signed.to_uppercase()));
    if given_ok {
        assert_eq!(
            signature.trim().to_ascii_lowercase(),
            signed,
            "only the signature verifies"
        );
    }

    let Ok(notification) = Notification::parse(body) else {
        return;
    };
    let _ = notification.money();
    if notification.operation_number.is_none() {
        OperationNumber::parse(&stand_in(body)).expect("a stand-in is an operation number");
    }
    let written = notification.to_body();
    let again = Notification::parse(&written)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&written)));
    // Times are written in Lima to the second (the gateway's form); the webhook compares them so.
    let mut expected = notification;
    expected.data.payment_date = expected.data.payment_date.map(|t| t.trunc_subsecs(0));
    assert_eq!(again, expected, "{}", String::from_utf8_lossy(&written));
    assert_eq!(again.to_body(), written, "writing is stable");
});
