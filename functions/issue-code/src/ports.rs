//! What the handler needs from the outside world. The ports themselves are shared: storage from
//! `cuadre-core` (`cuadre_core::store`), PagoEfectivo from `cuadre-gateway` ([`CipGateway`]); this
//! crate only composes the storage ports it uses into one [`Store`]. The adapters are in
//! [`crate::adapters`].

pub use cuadre_core::store::{
    ApiKeyStore, ExceptionStore, IdempotencyStore, ObjectLinks, OrderStore, PayLinkStore,
    PaymentStore, SecretStore, TenantStore, VoucherStore,
};
pub use cuadre_gateway::CipGateway;

cuadre_core::port_union!(
    /// Everything the handler reads and writes in the table.
    pub trait Store: TenantStore
        + ApiKeyStore
        + OrderStore
        + PaymentStore
        + VoucherStore
        + ExceptionStore
        + IdempotencyStore
        + PayLinkStore
);
