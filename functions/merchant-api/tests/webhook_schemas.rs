//! The events cuadre posts to a merchant, held to what `openapi.yaml` promises: every
//! [`EventType`] has a webhook there, and an event of each type, built by the constructors the
//! producers use from realistic domain values, validates against its webhook's request body schema
//! (JSON Schema 2020-12, OpenAPI 3.1's dialect, with the document's `$ref`s into `components`
//! resolved in memory; nothing is fetched). Each webhook's example is exactly such an event, and a
//! broken payload is refused. No AWS: pure values only.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::refund::{Refund, RefundStatus};
use cuadre_core::{
    Cip, Currency, ExceptionKey, ExceptionKind, ExceptionRecord, Money, OperationNumber, Order,
    OrderId, OrderStatus, Payment, TenantId,
};
use cuadre_testing::builders::{soles, OrderBuilder, PaymentBuilder};
use jsonschema::Validator;
use serde_json::{json, Value};

/// `openapi.yaml` at the repository root, as JSON.
fn document() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Every `$ref` under `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// A validator for `schema`, a schema of the document: its `$ref`s (all `#/components/...`) are
/// resolved against the document's `components`, carried in the validated root.
fn validator(doc: &Value, schema: &Value) -> Validator {
    let mut found = Vec::new();
    refs(schema, &mut found);
    refs(&doc["components"]["schemas"], &mut found);
    for r in found {
        assert!(
            r.starts_with("#/components/schemas/"),
            "{r}: a schema's $ref must point into #/components/schemas"
        );
    }
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
        "components": doc["components"],
    });
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("the schema {schema} does not compile: {e}"))
}

/// The `application/json` request body of the webhook for `event_type`.
fn webhook_body(doc: &Value, event_type: EventType) -> &Value {
    let body =
        &doc["webhooks"][event_type.as_str()]["post"]["requestBody"]["content"]["application/json"];
    assert!(
        body.is_object(),
        "openapi.yaml has no webhook {} with a JSON request body",
        event_type.as_str()
    );
    body
}

fn webhook_validator(doc: &Value, event_type: EventType) -> Validator {
    validator(doc, &webhook_body(doc, event_type)["schema"])
}

/// What `validator` says of `instance`, one line per error.
fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn lima(text: &str) -> DateTime<Utc> {
    cuadre_core::time::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn tenant() -> TenantId {
    TenantId::parse("tienda-uno").unwrap()
}

/// A1001: S/ 150.00, code 2523136, issued 2026-11-25 14:32 for 48 hours.
fn order_a1001(status: OrderStatus) -> Order {
    OrderBuilder::new(&tenant(), "A-1001")
        .cip("2523136")
        .status(status)
        .channel("api")
        .issued_at(lima("2026-11-25T14:32:00-05:00"))
        .build()
}

/// A-1001's payment: S/ 150.00 at an agent, notified by PagoEfectivo.
fn payment_1253(order: &Order) -> Payment {
    PaymentBuilder::new(&tenant(), "2523136", "1253")
        .paid_at(lima("2026-11-25T18:02:11-05:00"))
        .order(&order.order_id)
        .build()
}

/// A-1001's refund of S/ 50.00: requested, paid out, then completed.
fn refund_completed() -> Refund {
    let requested = Refund::request(
        tenant(),
        OrderId::parse("A-1001").unwrap(),
        "rf_0a1b2c3d4e5f60718293".into(),
        soles("50.00"),
        "Returned one item".into(),
        "api-key:0a1b2c3d4e".into(),
        lima("2026-11-26T10:00:00-05:00"),
    );
    let paid_out = requested
        .moved_to(
            RefundStatus::PaidOut,
            Some("Bank transfer 000123".into()),
            lima("2026-11-27T09:30:00-05:00"),
        )
        .unwrap();
    let completed = paid_out
        .moved_to(
            RefundStatus::Completed,
            Some("The buyer confirmed transfer 000123".into()),
            lima("2026-11-28T16:20:00-05:00"),
        )
        .unwrap();
    // As the store keeps it after its two status writes.
    Refund {
        version: 3,
        ..completed
    }
}

/// A-1004 was paid S/ 100.00 of S/ 150.00: opened, acknowledged, resolved.
fn exception_steps() -> [ExceptionRecord; 3] {
    let opened = ExceptionRecord::open(
        tenant(),
        ExceptionKey {
            kind: ExceptionKind::AmountMismatch,
            order_id: Some(OrderId::parse("A-1004").unwrap()),
            cip: Some(Cip::parse("2523139").unwrap()),
            operation_number: Some(OperationNumber::parse("1290").unwrap()),
        },
        "payment 1290 is S/ 100.00, the order expects S/ 150.00".into(),
        lima("2026-11-25T19:10:00-05:00"),
    );
    let acknowledged = opened
        .acknowledge(
            "maria@acme.pe".into(),
            Some("Checking with the bank".into()),
            lima("2026-11-26T09:00:00-05:00"),
        )
        .unwrap();
    let resolved = acknowledged
        .resolve(
            "maria@acme.pe".into(),
            "The buyer paid the difference in cash at the store".into(),
            lima("2026-11-26T12:30:00-05:00"),
        )
        .unwrap();
    [opened, acknowledged, resolved]
}

/// An event of `event_type`, as its producer builds it.
fn event_of(event_type: EventType) -> MerchantEvent {
    let event = match event_type {
        EventType::OrderPaid => {
            let paid = order_a1001(OrderStatus::Paid);
            MerchantEvent::order_paid(&paid, &payment_1253(&paid))
        }
        EventType::OrderExpired => {
            let order = OrderBuilder::new(&tenant(), "A-1002")
                .cip("2523137")
                .amount("80.00")
                .issued_at(lima("2026-11-25T14:32:00-05:00"))
                .expires_at(lima("2026-11-27T14:32:00-05:00"))
                .build();
            MerchantEvent::order_expired(&order)
        }
        EventType::OrderSettled => {
            let paid = order_a1001(OrderStatus::Paid);
            let payment = payment_1253(&paid);
            MerchantEvent::order_changed(
                EventType::OrderSettled,
                &paid,
                &order_a1001(OrderStatus::Settled),
                Some(&payment.operation_number),
                lima("2026-11-26T09:15:00-05:00"),
            )
        }
        EventType::OrderReversed => {
            let order = |status| {
                OrderBuilder::new(&tenant(), "A-1003")
                    .cip("2523138")
                    .money(Money::from_json_number("45.90", Currency::Usd).unwrap())
                    .status(status)
                    .build()
            };
            MerchantEvent::order_changed(
                EventType::OrderReversed,
                &order(OrderStatus::Paid),
                &order(OrderStatus::Pending),
                Some(&OperationNumber::parse("884512").unwrap()),
                lima("2026-11-26T11:40:00-05:00"),
            )
        }
        EventType::OrderRefunded | EventType::RefundUpdated => {
            let refund = refund_completed();
            let (settled, refunded) = (
                order_a1001(OrderStatus::Settled),
                order_a1001(OrderStatus::Refunded),
            );
            let owed = MerchantEvent::owed_by_refund(&refund, Some((&settled, &refunded)));
            assert_eq!(owed.len(), 2, "a completing refund owes two events");
            assert_eq!(owed[0], MerchantEvent::refund_updated(&refund));
            let index = usize::from(event_type == EventType::OrderRefunded);
            owed[index].clone()
        }
        EventType::ExceptionOpened => {
            let [opened, ..] = exception_steps();
            let event = MerchantEvent::exception_opened(&opened);
            assert_eq!(
                MerchantEvent::owed_by_exception(None, &opened),
                Some(event.clone())
            );
            event
        }
        EventType::ExceptionAcknowledged => {
            let [opened, acknowledged, _] = exception_steps();
            let event = MerchantEvent::exception_acknowledged(&acknowledged);
            assert_eq!(
                MerchantEvent::owed_by_exception(Some(&opened), &acknowledged),
                Some(event.clone())
            );
            event
        }
        EventType::ExceptionResolved => {
            let [_, acknowledged, resolved] = exception_steps();
            let event = MerchantEvent::exception_resolved(&resolved);
            assert_eq!(
                MerchantEvent::owed_by_exception(Some(&acknowledged), &resolved),
                Some(event.clone())
            );
            event
        }
    };
    assert_eq!(event.event_type, event_type);
    event
}

#[test]
fn the_webhooks_are_exactly_the_event_types() {
    let doc = document();
    let described: BTreeSet<&str> = doc["webhooks"]
        .as_object()
        .expect("openapi.yaml has webhooks")
        .keys()
        .map(String::as_str)
        .collect();
    let types: BTreeSet<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        described, types,
        "webhooks of openapi.yaml vs EventType::ALL"
    );
    for event_type in EventType::ALL {
        let post = &doc["webhooks"][event_type.as_str()]["post"];
        let header = post["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == "Cuadre-Event-Type")
            .unwrap_or_else(|| panic!("{}: no Cuadre-Event-Type header", event_type.as_str()));
        assert_eq!(header["schema"]["const"], event_type.as_str());
    }
}

#[test]
fn every_event_type_validates_against_its_webhook_and_is_its_example() {
    let doc = document();
    let any_event = validator(&doc, &json!({"$ref": "#/components/schemas/MerchantEvent"}));
    let webhooks: Vec<(EventType, Validator)> = EventType::ALL
        .into_iter()
        .map(|t| (t, webhook_validator(&doc, t)))
        .collect();
    for event_type in EventType::ALL {
        let name = event_type.as_str();
        let posted = serde_json::to_value(event_of(event_type)).unwrap();
        for (other, schema) in &webhooks {
            let found = errors(schema, &posted);
            if *other == event_type {
                assert!(
                    found.is_empty(),
                    "{name} does not match its webhook: {found:#?}\n{posted:#}"
                );
            } else {
                assert!(
                    !found.is_empty(),
                    "{name} also matches the webhook of {}",
                    other.as_str()
                );
            }
        }
        let found = errors(&any_event, &posted);
        assert!(
            found.is_empty(),
            "{name} is not a MerchantEvent: {found:#?}"
        );
        assert_eq!(
            webhook_body(&doc, event_type)["example"],
            posted,
            "{name}: the webhook's example is not what the producer posts"
        );
    }
}

#[test]
fn broken_payloads_are_refused() {
    let doc = document();
    type Break = fn(&mut Value);
    let cases: [(EventType, &str, Break); 12] = [
        (EventType::OrderPaid, "no data.amount", |e| {
            e["data"].as_object_mut().unwrap().remove("amount");
        }),
        (EventType::OrderPaid, "a float amount", |e| {
            e["data"]["amount"] = json!(150.0)
        }),
        (EventType::OrderPaid, "an amount with one decimal", |e| {
            e["data"]["amount"] = json!("150.5")
        }),
        (EventType::OrderPaid, "a field serde never writes", |e| {
            e["data"]["buyer_email"] = json!("ana@example.pe")
        }),
        (EventType::OrderPaid, "a short event id", |e| {
            e["event_id"] = json!("evt_1234")
        }),
        (EventType::OrderPaid, "another type", |e| {
            e["type"] = json!("order.expired")
        }),
        (EventType::OrderExpired, "a UTC time", |e| {
            e["occurred_at"] = json!("2026-11-27T19:32:00Z")
        }),
        (EventType::OrderSettled, "an unknown status", |e| {
            e["data"]["status"] = json!("CLEARED")
        }),
        (EventType::RefundUpdated, "a missing unset time", |e| {
            e["data"].as_object_mut().unwrap().remove("failed_at");
        }),
        (EventType::RefundUpdated, "an amount object", |e| {
            e["data"]["amount"] = json!({"amount": "50.00", "currency": "PEN"})
        }),
        (EventType::ExceptionOpened, "no note member", |e| {
            e["data"].as_object_mut().unwrap().remove("note");
        }),
        (EventType::ExceptionResolved, "no resolution note", |e| {
            e["data"]["note"] = Value::Null
        }),
    ];
    for (event_type, what, break_it) in cases {
        let schema = webhook_validator(&doc, event_type);
        let mut posted = serde_json::to_value(event_of(event_type)).unwrap();
        assert!(errors(&schema, &posted).is_empty());
        break_it(&mut posted);
        assert!(
            !errors(&schema, &posted).is_empty(),
            "{} with {what} validates: {posted:#}",
            event_type.as_str()
        );
    }
}

#[test]
fn the_events_api_example_is_an_event() {
    let doc = document();
    let event = validator(&doc, &json!({"$ref": "#/components/schemas/Event"}));
    let example = &doc["components"]["examples"]["Event"]["value"];
    let found = errors(&event, example);
    assert!(found.is_empty(), "components/examples/Event: {found:#?}");
    let posted = serde_json::to_value(event_of(EventType::OrderPaid)).unwrap();
    assert_eq!(example["event"], posted);
}
