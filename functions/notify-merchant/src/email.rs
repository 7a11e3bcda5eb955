//! The buyer's payment confirmation: one plain-text e-mail, Spanish first, English after.

use chrono::{DateTime, Utc};
use cuadre_core::Money;

/// Everything the e-mail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub merchant: String,
    pub buyer_name: Option<String>,
    pub order_id: String,
    pub amount: Money,
    pub cip: String,
    pub operation_number: String,
    pub paid_at: Option<DateTime<Utc>>,
}

fn lima_text(at: DateTime<Utc>) -> String {
    at.with_timezone(&cuadre_core::time::lima())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// `(subject, text)`.
pub fn render(c: &Confirmation) -> (String, String) {
    let subject = format!(
        "Recibimos tu pago del pedido {order} / Payment received for order {order}",
        order = c.order_id
    );
    let amount = c.amount.to_string();
    let hola = match c.buyer_name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("Hola {name}:"),
        _ => "Hola:".to_string(),
    };
    let hi = match c.buyer_name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("Hi {name},"),
        _ => "Hi,".to_string(),
    };
    let fecha = c
        .paid_at
        .map(|at| format!("Fecha de pago:         {} (hora de Lima)\n", lima_text(at)))
        .unwrap_or_default();
    let date = c
        .paid_at
        .map(|at| format!("Paid at:               {} (Lima time)\n", lima_text(at)))
        .unwrap_or_default();
    let merchant = c.merchant.trim();
    let text = format!(
        "{hola}\n\
         \n\
         Recibimos tu pago en efectivo del pedido {order} de {merchant}.\n\
         \n\
         Pedido:                {order}\n\
         Monto pagado:          {amount}\n\
         Código de pago (CIP):  {cip}\n\
         Número de operación:   {op}\n\
         {fecha}\
         \n\
         ¿Qué sigue? Ya le avisamos a {merchant} que tu pago llegó; ellos continúan con tu pedido y \
         se comunicarán contigo si hace falta. No necesitas hacer nada más. Guarda el comprobante \
         que te dieron al pagar (en el agente, la agencia o tu banca): es tu constancia de pago.\n\
         \n\
         Este es un correo automático; si tienes preguntas sobre tu pedido, escríbele a {merchant}.\n\
         \n\
         ------------------------------------------------------------\n\
         English\n\
         \n\
         {hi}\n\
         \n\
         We received your cash payment for order {order} from {merchant}.\n\
         \n\
         Order:                 {order}\n\
         Amount paid:           {amount}\n\
         Payment code (CIP):    {cip}\n\
         Operation number:      {op}\n\
         {date}\
         \n\
         What happens next? {merchant} has been told that your payment arrived and will carry on \
         with your order; they will contact you if anything else is needed. There is nothing else \
         you need to do. Keep the receipt you were given when you paid (at the agent, the bank or \
         in your banking app): it is your proof of payment.\n\
         \n\
         This is an automatic message; for questions about your order, please contact {merchant}.\n",
        order = c.order_id,
        cip = c.cip,
        op = c.operation_number,
    );
    (subject, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use cuadre_core::events::OrderPaidData;
    use cuadre_core::Currency;

    /// The producers build `order.paid` with `MerchantEvent::order_paid`; the e-mail must find the
    /// operation number, amount and time there.
    #[test]
    fn reads_the_order_paid_event_the_producers_send() {
        use cuadre_core::{OrderStatus, TenantId};
        use cuadre_testing::{OrderBuilder, PaymentBuilder};
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap();
        let tenant = TenantId::parse("acme").unwrap();
        let order = OrderBuilder::new(&tenant, "ORD-1")
            .cip("11546901")
            .amount("1250")
            .status(OrderStatus::Paid)
            .issued_at(at)
            .build();
        let payment = PaymentBuilder::new(&tenant, "11546901", "1253")
            .amount("1250")
            .paid_at(at)
            .order(&order.order_id)
            .build();
        let event = cuadre_core::events::MerchantEvent::order_paid(&order, &payment);
        let data: OrderPaidData = event.payload().unwrap();
        assert_eq!(data.order_id.as_str(), "ORD-1");
        assert_eq!(data.operation_number.as_str(), "1253");
        assert_eq!(data.money(), Some(payment.amount));
        assert_eq!(event.data["paid_at"], "2026-11-25T10:00:00-05:00");
        assert_eq!(data.paid_at, at);
    }

    fn confirmation() -> Confirmation {
        Confirmation {
            merchant: "Tienda Uno".into(),
            buyer_name: Some("Ana".into()),
            order_id: "ORD-1001".into(),
            amount: Money::from_json_number("1250", Currency::Pen).unwrap(),
            cip: "11546901".into(),
            operation_number: "1253".into(),
            paid_at: Some(Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap()),
        }
    }

    #[test]
    fn spanish_first_then_english_with_every_fact() {
        let (subject, text) = render(&confirmation());
        assert!(subject.contains("ORD-1001"));
        assert!(subject.starts_with("Recibimos tu pago"));
        let es = text.find("Recibimos tu pago en efectivo").unwrap();
        let en = text.find("We received your cash payment").unwrap();
        assert!(es < en);
        for fact in [
            "S/ 1,250.00",
            "11546901",
            "1253",
            "ORD-1001",
            "25/11/2026 10:00",
        ] {
            assert!(text.matches(fact).count() >= 2, "{fact} twice in {text}");
        }
        assert!(text.starts_with("Hola Ana:"));
        assert!(text.contains("Hi Ana,"));
        assert!(text.contains("Ya le avisamos a Tienda Uno"));
        assert!(text.contains("Tienda Uno has been told"));
        assert!(text.contains("Guarda el comprobante"));
        assert!(text.contains("Keep the receipt"));
    }

    #[test]
    fn without_name_or_date() {
        let mut c = confirmation();
        c.buyer_name = None;
        c.paid_at = None;
        c.amount = Money::from_json_number("22.05", Currency::Usd).unwrap();
        let (_, text) = render(&c);
        assert!(text.starts_with("Hola:"));
        assert!(text.contains("Hi,"));
        assert!(text.contains("US$ 22.05"));
        assert!(!text.contains("Fecha de pago"));
    }

    #[test]
    fn reads_the_webhook_payload_and_refuses_a_bad_amount() {
        use cuadre_core::events::{EventType, MerchantEvent};
        let event = |amount: serde_json::Value| {
            MerchantEvent::new(
                EventType::OrderPaid,
                cuadre_core::TenantId::parse("acme").unwrap(),
                "11546901/1253",
                Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap(),
                serde_json::json!({
                    "order_id": "ORD-1", "cip": "11546901", "operation_number": "1253",
                    "amount": amount, "currency": "PEN", "paid_at": "2026-11-25T10:00:00-05:00",
                    "source": "notification", "status": "PAID",
                    "order_amount": "1250.00", "order_currency": "PEN"
                }),
            )
        };
        let data: OrderPaidData = event(serde_json::json!("1250.00")).payload().unwrap();
        assert_eq!(data.money().unwrap().to_string(), "S/ 1,250.00");
        assert_eq!(
            data.paid_at,
            Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap()
        );
        assert!(event(serde_json::json!("abc"))
            .payload::<OrderPaidData>()
            .is_err());
    }
}
