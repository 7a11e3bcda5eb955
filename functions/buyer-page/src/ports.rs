//! What the handler needs from the outside world. The ports themselves are shared, from
//! `cuadre-core` (`cuadre_core::store`); this crate only composes the storage ports it uses into
//! one [`Store`]. The adapters are in [`crate::adapters`].

pub use cuadre_core::store::{ObjectLinks, OrderStore, PayLinkStore, TenantStore};

/// What the page needs from storage.
pub trait Store: TenantStore + OrderStore + PayLinkStore {}

impl<T: TenantStore + OrderStore + PayLinkStore> Store for T {}
