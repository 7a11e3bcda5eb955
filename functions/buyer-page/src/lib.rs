//! `buyer-page`: what a buyer opens from the merchant's pay link.
//!
//! `GET /pay/{token}` shows the code, amount, expiry countdown and how to pay (Spanish first,
//! `?lang=en` or `Accept-Language` for English). `POST /pay/{token}/uploads` hands out a presigned
//! S3 upload for the payment voucher, valid a few minutes, for one file whose type, exact size and
//! SHA-256 are signed into the link, so S3 itself refuses anything else. The token is the only
//! credential: unguessable, and only its hash is stored.
//!
//! The shape every HTTP function shares: [`app`] (state), [`ports`], [`adapters`], `start`
//! (`App::from_env`), [`routes`] (one file per route), and the leaf modules the routes use
//! (`lookup`, `html`), which import nothing from the routes.

pub mod adapters;
pub mod app;
mod html;
mod lookup;
pub mod ports;
pub mod routes;
mod start;

pub use app::{App, Settings};
pub use ports::Store;
pub use routes::{handle, ROUTES};
