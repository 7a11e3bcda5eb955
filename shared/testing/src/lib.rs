//! Test support shared by every crate's emulator tests.
//!
//! - [`aws`]: [`local_aws`] makes sure the AWS emulator is running with the resources
//!   `template.yaml` declares (through `infra/local-aws up`, the same script developers use) and
//!   reads the environment it wrote.
//! - [`app`]: [`TestAws`], the emulator's clients, and [`TestApp`], a fresh tenant on them with its
//!   usual set-up. Tests isolate themselves by tenant, which is also how production keeps
//!   merchants apart. A test's own harness wraps one and reads like it with [`deref_to!`].
//! - [`tenant`]: [`TenantSetup`], what to onboard, and fresh ids ([`unique_tenant`]).
//! - [`builders`]: orders, payments, vouchers and tenant records with the defaults tests share.
//! - [`sqs`]: queues of a test's own, taking a test's messages off a shared queue, `SqsEvent`s.
//! - [`events`], [`http`], [`signing`]: recorded merchant events, handler requests and answers,
//!   signatures computed independently.
//! - `sandbox` (feature `sandbox`): the PagoEfectivo sandbox and the gateway client.

pub mod app;
pub mod aws;
pub mod builders;
pub mod events;
pub mod http;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod signing;
pub mod sqs;
pub mod tenant;

pub use app::{TestApp, TestAws};
pub use aws::{local_aws, read_env_file, repo_root, LocalAws};
pub use builders::{OrderBuilder, PaymentBuilder, TenantRecordBuilder, VoucherBuilder};
pub use signing::hmac_sha256_hex;
pub use tenant::{
    unique_name, unique_suffix, unique_tenant, TenantSetup, TestMerchant, ACCESS_KEY, SECRET_KEY,
};
