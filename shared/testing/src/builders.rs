//! The records tests write by hand, with the defaults they share and a setter for each field a
//! test varies. Times default to now, to the second (as the store keeps them), so a record built
//! here reads back equal.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use cuadre_core::records::PaymentSource;
use cuadre_core::store::{OrderStore, PaymentStore, TenantStore, VoucherStore};
use cuadre_core::{
    Buyer, Cip, Currency, Money, OperationNumber, Order, OrderId, OrderStatus, Payment, Tenant,
    TenantId, Voucher, VoucherFields,
};
use serde_json::json;

use crate::tenant::{ACCESS_KEY, RUC};

/// Now, to the whole second.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// An amount in soles, written as a JSON number's text (`"22.05"`).
pub fn soles(amount: &str) -> Money {
    Money::from_json_number(amount, Currency::Pen)
        .unwrap_or_else(|e| panic!("{amount:?} is not an amount: {e}"))
}

pub fn cip(text: &str) -> Cip {
    Cip::parse(text).unwrap_or_else(|e| panic!("{text:?} is not a CIP: {e}"))
}

pub fn order_id(text: &str) -> OrderId {
    OrderId::parse(text).unwrap_or_else(|e| panic!("{text:?} is not an order id: {e}"))
}

/// An order: PENDING, S/ 150.00, no code yet, issued now, expiring 48 hours after its issue.
#[derive(Debug, Clone)]
pub struct OrderBuilder {
    order: Order,
    expires_at: Option<DateTime<Utc>>,
}

impl OrderBuilder {
    pub fn new(tenant: &TenantId, id: &str) -> OrderBuilder {
        let issued_at = now();
        OrderBuilder {
            order: Order {
                tenant_id: tenant.clone(),
                order_id: order_id(id),
                cip: None,
                amount: soles("150.00"),
                status: OrderStatus::Pending,
                issued_at,
                expires_at: issued_at + TimeDelta::hours(48),
                cip_url: None,
                channel: None,
                concept: None,
                buyer: None,
                pay_token: None,
                issuing_since: None,
                unknown_issue_attempts: 0,
                earlier_cips: Vec::new(),
                version: 1,
            },
            expires_at: None,
        }
    }

    pub fn cip(self, code: &str) -> OrderBuilder {
        self.maybe_cip(Some(code))
    }

    pub fn maybe_cip(mut self, code: Option<&str>) -> OrderBuilder {
        self.order.cip = code.map(cip);
        self
    }

    /// In soles (see [`soles`]).
    pub fn amount(self, amount: &str) -> OrderBuilder {
        self.money(soles(amount))
    }

    pub fn money(mut self, amount: Money) -> OrderBuilder {
        self.order.amount = amount;
        self
    }

    pub fn status(mut self, status: OrderStatus) -> OrderBuilder {
        self.order.status = status;
        self
    }

    pub fn issued_at(mut self, at: DateTime<Utc>) -> OrderBuilder {
        self.order.issued_at = at;
        self
    }

    pub fn expires_at(mut self, at: DateTime<Utc>) -> OrderBuilder {
        self.expires_at = Some(at);
        self
    }

    pub fn channel(mut self, channel: &str) -> OrderBuilder {
        self.order.channel = Some(channel.into());
        self
    }

    pub fn concept(mut self, concept: &str) -> OrderBuilder {
        self.order.concept = Some(concept.into());
        self
    }

    pub fn cip_url(mut self, url: &str) -> OrderBuilder {
        self.order.cip_url = Some(url.into());
        self
    }

    pub fn pay_token(mut self, token: &str) -> OrderBuilder {
        self.order.pay_token = Some(token.into());
        self
    }

    pub fn buyer(mut self, buyer: Buyer) -> OrderBuilder {
        self.order.buyer = Some(buyer);
        self
    }

    pub fn build(self) -> Order {
        let mut order = self.order;
        order.expires_at = self
            .expires_at
            .unwrap_or(order.issued_at + TimeDelta::hours(48));
        order
    }

    /// Builds it and stores it (a new order: the store refuses an existing id).
    pub async fn create(self, store: &dyn OrderStore) -> Order {
        let order = self.build();
        store
            .create_order(&order)
            .await
            .unwrap_or_else(|e| panic!("create order {}: {e}", order.order_id));
        order
    }
}

/// Ana Quispe, the buyer of the tests' orders and codes, at `email`.
pub fn buyer(email: &str) -> Buyer {
    Buyer {
        email: email.into(),
        name: Some("Ana".into()),
        last_name: Some("Quispe".into()),
        phone: "987654321".into(),
        phone_country_code: "+51".into(),
        document_type: None,
        document_number: None,
    }
}

/// A payment notified by the gateway: S/ 150.00, paid and received now, no order yet.
#[derive(Debug, Clone)]
pub struct PaymentBuilder {
    payment: Payment,
}

impl PaymentBuilder {
    pub fn new(tenant: &TenantId, code: &str, operation_number: &str) -> PaymentBuilder {
        let at = now();
        PaymentBuilder {
            payment: Payment {
                tenant_id: tenant.clone(),
                cip: cip(code),
                operation_number: OperationNumber::parse(operation_number)
                    .unwrap_or_else(|e| panic!("{operation_number:?}: {e}")),
                amount: soles("150.00"),
                paid_at: at,
                received_at: at,
                order_id: None,
                source: PaymentSource::Notification,
                raw_ref: None,
                settled_as: None,
                reversed_at: None,
            },
        }
    }

    pub fn amount(self, amount: &str) -> PaymentBuilder {
        self.money(soles(amount))
    }

    pub fn money(mut self, amount: Money) -> PaymentBuilder {
        self.payment.amount = amount;
        self
    }

    /// Paid, and received, at `at`.
    pub fn paid_at(mut self, at: DateTime<Utc>) -> PaymentBuilder {
        self.payment.paid_at = at;
        self.payment.received_at = at;
        self
    }

    pub fn order(mut self, id: &OrderId) -> PaymentBuilder {
        self.payment.order_id = Some(id.clone());
        self
    }

    pub fn source(mut self, source: PaymentSource) -> PaymentBuilder {
        self.payment.source = source;
        self
    }

    pub fn build(self) -> Payment {
        self.payment
    }

    /// Builds it and records it (an existing payment of the same CIP and operation stays).
    pub async fn record(self, store: &dyn PaymentStore) -> Payment {
        let payment = self.build();
        store
            .record_payment(&payment)
            .await
            .unwrap_or_else(|e| panic!("record payment {}: {e}", payment.cip));
        payment
    }
}

/// A voucher of `order` under `vouchers/{tenant}/{order}/{id}`, uploaded now, read with confidence
/// 900 and no fields, no warnings; its SHA-256 a stand-in (the id, zero-padded) unless given.
#[derive(Debug, Clone)]
pub struct VoucherBuilder {
    voucher: Voucher,
}

impl VoucherBuilder {
    pub fn new(tenant: &TenantId, order: &str, voucher_id: &str) -> VoucherBuilder {
        VoucherBuilder {
            voucher: Voucher {
                tenant_id: tenant.clone(),
                voucher_id: voucher_id.into(),
                order_id: order_id(order),
                object_key: format!("vouchers/{tenant}/{order}/{voucher_id}"),
                sha256: format!("{voucher_id:0>64}"),
                perceptual_hash: None,
                uploaded_at: now(),
                fields: VoucherFields::default(),
                confidence_permille: 900,
                field_confidence: Default::default(),
                unread: Default::default(),
                warnings: vec![],
            },
        }
    }

    /// The file's SHA-256 (lowercase hex).
    pub fn sha256(mut self, hex: &str) -> VoucherBuilder {
        self.voucher.sha256 = hex.into();
        self
    }

    pub fn perceptual_hash(mut self, hash: &str) -> VoucherBuilder {
        self.voucher.perceptual_hash = Some(hash.into());
        self
    }

    pub fn uploaded_at(mut self, at: DateTime<Utc>) -> VoucherBuilder {
        self.voucher.uploaded_at = at;
        self
    }

    pub fn fields(mut self, fields: VoucherFields) -> VoucherBuilder {
        self.voucher.fields = fields;
        self
    }

    /// The reader's confidence in one key field (per mille).
    pub fn field_confidence(
        mut self,
        field: cuadre_core::VoucherField,
        permille: u16,
    ) -> VoucherBuilder {
        self.voucher.field_confidence.set(field, Some(permille));
        self
    }

    /// A key field the reader gave no value, with its reason.
    pub fn unread(mut self, field: cuadre_core::VoucherField, reason: &str) -> VoucherBuilder {
        self.voucher.unread.insert(field, reason.to_string());
        self
    }

    pub fn build(self) -> Voucher {
        self.voucher
    }

    /// Builds it and stores it.
    pub async fn put(self, store: &dyn VoucherStore) -> Voucher {
        let voucher = self.build();
        store
            .put_voucher(&voucher)
            .await
            .unwrap_or_else(|e| panic!("put voucher {}: {e}", voucher.voucher_id));
        voucher
    }
}

/// A tenant record written straight to the table (no API key, no secrets in SSM; for those, a
/// [`crate::TenantSetup`]): "Tienda Uno", service 1234, 48-hour codes, buyer e-mails on, every
/// other setting at its default.
#[derive(Debug, Clone)]
pub struct TenantRecordBuilder {
    tenant: Tenant,
}

impl TenantRecordBuilder {
    pub fn new(tenant: &TenantId) -> TenantRecordBuilder {
        // From its stored form: the settings a record may lack read as their defaults, so this
        // names only what a tenant cannot be without.
        let tenant = serde_json::from_value(json!({
            "tenant_id": tenant,
            "name": "Tienda Uno",
            "ruc": RUC,
            "id_service": 1234,
            "access_key": ACCESS_KEY,
            "secret_ref": format!("/cuadre/test/tenants/{tenant}/pagoefectivo-secret"),
            "default_expiry_hours": 48,
            "buyer_emails": true,
            "created_at": cuadre_core::time::format_lima(now()),
            "version": 1
        }))
        .expect("a tenant record");
        TenantRecordBuilder { tenant }
    }

    pub fn name(mut self, name: &str) -> TenantRecordBuilder {
        self.tenant.name = name.into();
        self
    }

    pub fn created_at(mut self, at: DateTime<Utc>) -> TenantRecordBuilder {
        self.tenant.created_at = at;
        self
    }

    pub fn build(self) -> Tenant {
        self.tenant
    }

    /// Builds it and stores it.
    pub async fn create(self, store: &dyn TenantStore) -> Tenant {
        let tenant = self.build();
        store
            .create_tenant(&tenant)
            .await
            .unwrap_or_else(|e| panic!("create tenant {}: {e}", tenant.tenant_id));
        tenant
    }
}
