//! `buyer-page`: what a buyer opens from the merchant's pay link.
//!
//! `GET /pay/{token}` shows the code, amount, expiry countdown and how to pay (Spanish first,
//! `?lang=en` or `Accept-Language` for English). `POST /pay/{token}/uploads` hands out a presigned
//! S3 upload for the payment voucher, valid a few minutes, for one file whose type, exact size and
//! SHA-256 are signed into the link, so S3 itself refuses anything else. The token is the only
//! credential: unguessable, and only its hash is stored.

pub mod handler;
mod start;

pub use handler::{handle, App, Settings};
