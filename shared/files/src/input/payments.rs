//! `payments.jsonl`: the gateway's notifications as received, a fast path for the usual line and
//! serde for anything else.

use std::borrow::Cow;
use std::path::Path;

use bumpalo::Bump;
use cuadre_core::money::parse_json_number;
use cuadre_core::reconcile::PaymentFact;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::chunks::{file_line, read_chunk, Chunk};
use super::json_lines::{fast_id, id_text, json_error, json_lines, raw_amount};
use crate::error::FilesError;
use crate::{fastjson, text};

#[derive(Deserialize)]
struct PaymentLine<'a> {
    #[serde(borrow, default)]
    received_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    notification: Notification<'a>,
}

#[derive(Deserialize)]
struct Notification<'a> {
    #[serde(rename = "eventType", borrow, default)]
    event_type: Option<Cow<'a, str>>,
    #[serde(rename = "operationNumber", borrow)]
    operation_number: &'a RawValue,
    #[serde(borrow)]
    data: PaymentData<'a>,
}

#[derive(Deserialize)]
struct PaymentData<'a> {
    #[serde(borrow)]
    cip: &'a RawValue,
    #[serde(borrow)]
    currency: Cow<'a, str>,
    #[serde(borrow)]
    amount: &'a RawValue,
    #[serde(rename = "paymentDate", borrow, default)]
    payment_date: Option<Cow<'a, str>>,
}

#[derive(Default)]
pub(crate) struct Payments<'b> {
    pub facts: Vec<PaymentFact<'b>>,
    /// Notifications of another event type than `cip.paid`, left out.
    pub skipped: u64,
}

/// A payment line's fields as text, from the fast path or from serde.
struct PaymentText<'a> {
    received_at: Option<&'a str>,
    event_type: Option<&'a str>,
    operation_number: &'a str,
    cip: &'a str,
    currency: &'a str,
    /// The amount as `exact_json` reads it: a number's text or a string's content.
    amount: &'a str,
    payment_date: Option<&'a str>,
}

fn fast_payment(line: &[u8]) -> Option<PaymentText<'_>> {
    use fastjson::{once, Value};
    let (mut received_at, mut event_type, mut op, mut cip) = (None, None, None, None);
    let (mut currency, mut amount, mut payment_date) = (None, None, None);
    let mut notification = None;
    let mut data = None;
    let mut scan = fastjson::Scan::new(line)?;
    scan.object(|key, s| match key {
        "received_at" => once(&mut received_at, s.value()?.opt_str().ok()?),
        "notification" => {
            once(&mut notification, ())?;
            s.object(|key, s| match key {
                "eventType" => once(&mut event_type, s.value()?.opt_str().ok()?),
                "operationNumber" => once(&mut op, fast_id(s.value()?)?),
                "data" => {
                    once(&mut data, ())?;
                    s.object(|key, s| match key {
                        "cip" => once(&mut cip, fast_id(s.value()?)?),
                        "currency" => once(&mut currency, s.value()?.opt_str().ok()??),
                        "amount" => match s.value()? {
                            Value::Str(t) | Value::Num(t) => once(&mut amount, t),
                            _ => None,
                        },
                        "paymentDate" => once(&mut payment_date, s.value()?.opt_str().ok()?),
                        _ => s.value().map(drop),
                    })
                }
                _ => s.value().map(drop),
            })
        }
        _ => s.value().map(drop),
    })?;
    scan.end()?;
    Some(PaymentText {
        received_at: received_at?,
        event_type: event_type.flatten(),
        operation_number: op?,
        cip: cip?,
        currency: currency?,
        amount: amount?,
        payment_date: payment_date.flatten(),
    })
}

/// `payments.jsonl`: gateway notifications as received.
pub(crate) fn payments<'b>(
    path: &Path,
    file: &str,
    chunk: Chunk,
    bump: &'b Bump,
    buf: &mut Vec<u8>,
    out: &mut Payments<'b>,
) -> Result<(), FilesError> {
    let (first, skip) = read_chunk(path, chunk, buf)?;
    let bytes = &buf[skip..];
    let result = json_lines(bytes, |line, bytes| {
        let bad = |f: &str, e: &dyn ToString| FilesError::input(file, line, f, e.to_string());
        let mut take = |t: &PaymentText<'_>| -> Result<(), FilesError> {
            if t.event_type.is_some_and(|e| e != "cip.paid") {
                out.skipped += 1;
                return Ok(());
            }
            let op = text::operation_number(t.operation_number)
                .map_err(|e| bad("notification.operationNumber", &e))?;
            let cip = text::cip(t.cip).map_err(|e| bad("notification.data.cip", &e))?;
            let currency =
                text::currency(t.currency).map_err(|e| bad("notification.data.currency", &e))?;
            let amount = parse_json_number(t.amount)
                .and_then(|a| cuadre_core::Money::new(a, currency))
                .map_err(|e| bad("notification.data.amount", &e))?;
            let received_at = t
                .received_at
                .map(|t| text::parse_time(t).map_err(|e| bad("received_at", &e)))
                .transpose()?;
            let payment_date = t
                .payment_date
                .map(|t| text::parse_time(t).map_err(|e| bad("notification.data.paymentDate", &e)))
                .transpose()?;
            let paid_at = payment_date.or(received_at).ok_or_else(|| {
                bad(
                    "notification.data.paymentDate",
                    &"neither paymentDate nor received_at is given",
                )
            })?;
            out.facts.push(PaymentFact {
                cip: bump.alloc_str(cip),
                operation_number: bump.alloc_str(op),
                amount,
                paid_at,
            });
            Ok(())
        };
        if let Some(t) = fast_payment(bytes) {
            return take(&t);
        }
        let p: PaymentLine<'_> = serde_json::from_slice(bytes)
            .map_err(|_| json_error::<PaymentLine<'_>>(file, line, bytes))?;
        let n = &p.notification;
        let op =
            id_text(n.operation_number).map_err(|e| bad("notification.operationNumber", &e))?;
        let cip = id_text(n.data.cip).map_err(|e| bad("notification.data.cip", &e))?;
        take(&PaymentText {
            received_at: p.received_at.as_deref(),
            event_type: n.event_type.as_deref(),
            operation_number: &op,
            cip: &cip,
            currency: &n.data.currency,
            amount: raw_amount(n.data.amount),
            payment_date: n.data.payment_date.as_deref(),
        })
    });
    file_line(path, first, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_takes_the_canonical_payment_line() {
        let p = br#"{"received_at":"2026-11-20T10:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":"11546901","currency":"PEN","amount":22.05,"paymentDate":"2026-11-20T09:59:40-05:00"}}}"#;
        let t = fast_payment(p).expect("fast path");
        assert_eq!(
            (t.cip, t.operation_number, t.amount),
            ("11546901", "1253", "22.05")
        );
        assert_eq!(t.payment_date, Some("2026-11-20T09:59:40-05:00"));
        // What the fast path leaves to serde.
        assert!(fast_payment(&p[..p.len() - 1]).is_none());
        let escaped = String::from_utf8(p.to_vec())
            .unwrap()
            .replace("1253", "12\\u0033");
        assert!(fast_payment(escaped.as_bytes()).is_none());
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// The serde path's reading of a line, in the fast path's terms (owned, for comparing).
        fn serde_payment(line: &[u8]) -> Option<Vec<Option<String>>> {
            let p: PaymentLine<'_> = serde_json::from_slice(line).ok()?;
            let n = &p.notification;
            Some(vec![
                p.received_at.as_deref().map(str::to_string),
                n.event_type.as_deref().map(str::to_string),
                id_text(n.operation_number).ok().map(|c| c.into_owned()),
                id_text(n.data.cip).ok().map(|c| c.into_owned()),
                Some(n.data.currency.to_string()),
                Some(raw_amount(n.data.amount).to_string()),
                n.data.payment_date.as_deref().map(str::to_string),
            ])
        }

        fn fast(line: &[u8]) -> Option<Vec<Option<String>>> {
            let t = fast_payment(line)?;
            Some(vec![
                t.received_at.map(str::to_string),
                t.event_type.map(str::to_string),
                Some(t.operation_number.to_string()),
                Some(t.cip.to_string()),
                Some(t.currency.to_string()),
                Some(t.amount.to_string()),
                t.payment_date.map(str::to_string),
            ])
        }

        /// A field: mostly one of the usual values, sometimes something the fast path must refuse.
        fn field(
            key: &'static str,
            usual: &'static [&'static str],
        ) -> impl Strategy<Value = Vec<String>> {
            let odd = prop_oneof![
                Just("null"),
                Just("true"),
                Just("01"),
                Just("\"a\\\"b\""),
                Just("\"\\u0031\""),
                Just("[1,\"x\"]"),
                Just("{\"k\":[]}"),
                Just("-0.5e2"),
            ];
            (
                proptest::sample::select(usual),
                odd,
                0..20u8,
                proptest::sample::select(&[" ", "", "\t"][..]),
            )
                .prop_map(move |(good, bad, roll, ws)| {
                    let v = if roll < 16 { good } else { bad };
                    let one = format!("\"{key}\"{ws}:{ws}{v}");
                    match roll {
                        0 => vec![],                 // missing
                        1 => vec![one.clone(), one], // repeated
                        _ => vec![one],
                    }
                })
        }

        fn object(parts: Vec<Vec<String>>) -> impl Strategy<Value = String> {
            let mut flat: Vec<String> = parts.into_iter().flatten().collect();
            flat.push("\"extra\":{\"x\":[1,2,{\"y\":null}]}".to_string());
            Just(flat)
                .prop_shuffle()
                .prop_map(|p| format!("{{{}}}", p.join(",")))
        }

        fn line() -> impl Strategy<Value = String> {
            let data = (
                field("cip", &["\"11546901\"", "11546901", "\"0012\""]),
                field("currency", &["\"PEN\"", "\"USD\""]),
                field("amount", &["22.05", "\"22.05\"", "150", "1.5e2"]),
                field("paymentDate", &["\"2026-11-20T09:59:40-05:00\"", "null"]),
            )
                .prop_flat_map(|(a, b, c, d)| object(vec![a, b, c, d]));
            (
                data,
                field("eventType", &["\"cip.paid\"", "\"cip.expired\"", "null"]),
                field("operationNumber", &["\"1253\"", "1253"]),
                field("received_at", &["\"2026-11-20T10:00:03-05:00\"", "null"]),
            )
                .prop_flat_map(|(data, e, o, r)| {
                    let mut n = vec![e, o];
                    n.push(vec![format!("\"data\":{data}")]);
                    object(n).prop_flat_map(move |n| {
                        object(vec![r.clone(), vec![format!("\"notification\": {n}")]])
                    })
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]
            /// Whenever the fast path answers, serde reads the same line the same way.
            #[test]
            fn the_fast_payment_path_agrees_with_serde(text in line()) {
                if let Some(f) = fast(text.as_bytes()) {
                    prop_assert_eq!(Some(f), serde_payment(text.as_bytes()), "{}", text);
                }
            }
        }

        #[test]
        fn the_generator_lines_take_the_fast_path() {
            let p = br#"{"received_at":"2026-11-20T10:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":11546901,"currency":"PEN","amount":22.05}}}"#;
            assert_eq!(fast(p), serde_payment(p));
            assert!(fast(p).is_some());
        }
    }
}
