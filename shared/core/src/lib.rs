//! cuadre's domain. Pure: no AWS, Lambda or tokio in here; adapters implement the ports in [`store`].

pub mod access;
pub mod events;
pub mod exception;
pub mod extract;
pub mod ids;
pub mod jobs;
pub mod money;
pub mod ocr;
pub mod order;
pub mod peru;
pub mod reconcile;
pub mod records;
pub mod refund;
pub mod rules;
pub mod settings;
pub mod store;
pub mod tenants;
pub mod time;

pub use exception::{ExceptionKey, ExceptionKind, ExceptionRecord, ExceptionStatus};
pub use ids::{Cip, IdError, OperationNumber, OrderId, TenantId};
pub use money::{AmountError, Currency, Money};
pub use order::{Buyer, IllegalTransition, Order, OrderStatus};
pub use peru::{Dni, DocumentError, Ruc};
pub use records::{
    FieldConfidence, IdempotencyRecord, IdempotencyStatus, Payment, PaymentSource, Tenant,
    UnreadFields, Voucher, VoucherField, VoucherFields,
};
