//! PagoEfectivo for cuadre: the CIP API client (token cache, create/search/extend/delete), and the
//! payment notification and its `PE-Signature` (see `docs/pagoefectivo.md`). The loopback
//! simulator that speaks the same contract is the `cuadre-gateway-sandbox` crate, kept out of the
//! functions' builds.

// Without the `client` feature (the webhook's build) the crate-private wire types only the client
// reads and writes are unused; they stay compiled so both builds check the same wire.
#![cfg_attr(not(feature = "client"), allow(dead_code))]

#[cfg(feature = "client")]
pub mod client;
pub mod credentials;
pub mod error;
pub mod json;
pub mod notification;
pub mod wire;

#[cfg(feature = "client")]
pub use client::{CipGateway, GatewayClient, GatewayConfig, INTEGRATION_URL, PRODUCTION_URL};
pub use credentials::Credentials;
pub use error::{FieldError, FieldList, GatewayError};
pub use notification::{
    sign_notification, verify_notification, Notification, NotificationData, SIGNATURE_HEADER,
};
pub use wire::{CipLookup, CipStatus, CreateCip, IssuedCip};
