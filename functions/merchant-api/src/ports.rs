//! What the handler needs from the outside world. The ports themselves are shared, from
//! `cuadre-core`: storage (`cuadre_core::store`) and the merchant-event queue
//! ([`MerchantEventSink`]); this crate only composes the ones it uses into [`Store`] and
//! [`ReportFiles`]; rotated notification secrets go to a [`SecretStore`]. The adapters are in
//! [`crate::adapters`].

pub use cuadre_core::events::outbox::EventStore;
pub use cuadre_core::events::MerchantEventSink;
pub use cuadre_core::store::{
    ApiKeyStore, ExceptionListing, ExceptionStore, IdempotencyStore, ObjectLinks, ObjectListing,
    OrderStore, PaymentStore, RefundStore, SecretStore, TenantStore,
};

cuadre_core::port_union!(
    /// Everything the handler reads and writes in the table.
    pub trait Store: TenantStore
        + ApiKeyStore
        + OrderStore
        + PaymentStore
        + ExceptionStore
        + ExceptionListing
        + RefundStore
        + IdempotencyStore
        + EventStore
);

cuadre_core::port_union!(
    /// The reports bucket: listing a day's files and short-lived links to them (never public objects).
    pub trait ReportFiles: ObjectLinks + ObjectListing
);
