//! PagoEfectivo for cuadre: the CIP API client (token cache, create/search/extend/delete), the
//! payment notification and its `PE-Signature`, and a loopback sandbox that speaks the same
//! contract (see `shared/spec/pagoefectivo.md`).

pub mod client;
pub mod credentials;
pub mod error;
mod json;
pub mod notification;
pub mod sandbox;
pub mod wire;

pub use client::{CipGateway, GatewayClient, GatewayConfig, INTEGRATION_URL, PRODUCTION_URL};
pub use credentials::Credentials;
pub use error::{FieldError, FieldList, GatewayError};
pub use notification::{
    sign_notification, verify_notification, Notification, NotificationData, SIGNATURE_HEADER,
};
pub use sandbox::{
    run_sandbox, serve, SandboxBuilder, SandboxConfig, SandboxMerchant, SandboxState,
};
pub use wire::{CipLookup, CipStatus, CreateCip, IssuedCip};
