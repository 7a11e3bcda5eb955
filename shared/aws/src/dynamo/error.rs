//! The SDK's errors as the store's: a refused condition is an outcome the caller decides on;
//! any other failure is [`StoreError::Unavailable`].

use std::fmt::{Debug, Display};

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use cuadre_core::store::StoreError;

pub(super) fn unavailable<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: Debug,
{
    StoreError::Unavailable(DisplayErrorContext(&err).to_string())
}

/// A conditional request's outcome: `Some` when it was carried out, `None` when its condition
/// refused it.
pub(super) fn conditional<T, E, R>(
    result: Result<T, SdkError<E, R>>,
) -> Result<Option<T>, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(e) if matches!(e.code(), Some("ConditionalCheckFailedException")) => Ok(None),
        Err(e) => Err(unavailable(e)),
    }
}

/// The conflict of a conditional write refused because `what` was written since it was read.
pub(super) fn changed(what: &str) -> StoreError {
    StoreError::Conflict(format!("{what} changed since it was read"))
}

/// An item, token or request that cannot be converted.
pub(super) fn corrupt(e: impl Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
