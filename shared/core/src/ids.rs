//! Identifiers with the gateway's limits, parsed once so a bad value cannot travel.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} must contain only digits")]
    NotDigits { field: &'static str },
    #[error("{field} contains a character that is not allowed: {found:?}")]
    BadCharacter { field: &'static str, found: char },
}

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { field });
    }
    if value.chars().count() > max {
        return Err(IdError::TooLong { field, max });
    }
    Ok(())
}

/// `#` separates the parts of our storage keys, so identifiers may not carry it (nor control characters).
fn check_key_safe(field: &'static str, value: &str) -> Result<(), IdError> {
    match value.chars().find(|c| *c == '#' || c.is_control()) {
        Some(found) => Err(IdError::BadCharacter { field, found }),
        None => Ok(()),
    }
}

/// A newtype over its text, checked by its own `parse`: `as_str`, `Display`, `FromStr`, and serde
/// through `String`. Its parse error is [`IdError`] unless named (`string_id!(Name, Error)`).
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $crate::ids::string_id!($(#[$doc])* $name, $crate::ids::IdError);
    };
    ($(#[$doc:meta])* $name:ident, $err:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $err;
            fn try_from(v: String) -> Result<Self, $err> {
                $name::parse(&v)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, $err> {
                $name::parse(s)
            }
        }
    };
}
pub(crate) use string_id;

string_id!(
    /// A PagoEfectivo payment code: 1–14 digits, kept as text (the gateway sends it as a number or a string).
    Cip
);
string_id!(
    /// The payment place's operation number: 1–14 characters.
    OperationNumber
);
string_id!(
    /// The merchant's order reference, sent to the gateway as `transactionCode` (1–36 characters).
    OrderId
);
string_id!(
    /// A merchant (tenant) of cuadre: 1–64 of `a-z`, `0-9`, `-`, `_`.
    TenantId
);

impl Cip {
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let v = value.trim();
        check_len("cip", v, 14)?;
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::NotDigits { field: "cip" });
        }
        Ok(Cip(v.to_string()))
    }
}

impl OperationNumber {
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let v = value.trim();
        check_len("operation_number", v, 14)?;
        check_key_safe("operation_number", v)?;
        Ok(OperationNumber(v.to_string()))
    }
}

impl OrderId {
    pub fn parse(value: &str) -> Result<Self, IdError> {
        check_len("order_id", value, 36)?;
        check_key_safe("order_id", value)?;
        if value.trim() != value {
            return Err(IdError::BadCharacter {
                field: "order_id",
                found: ' ',
            });
        }
        Ok(OrderId(value.to_string()))
    }
}

impl TenantId {
    pub fn parse(value: &str) -> Result<Self, IdError> {
        check_len("tenant_id", value, 64)?;
        match value
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
        {
            Some(found) => Err(IdError::BadCharacter {
                field: "tenant_id",
                found,
            }),
            None => Ok(TenantId(value.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cip_is_one_to_fourteen_digits() {
        assert_eq!(Cip::parse("11546901").unwrap().as_str(), "11546901");
        assert!(Cip::parse("").is_err());
        assert_eq!(
            Cip::parse("123456789012345"),
            Err(IdError::TooLong {
                field: "cip",
                max: 14
            })
        );
        assert_eq!(Cip::parse("12a4"), Err(IdError::NotDigits { field: "cip" }));
    }

    #[test]
    fn order_id_follows_transaction_code_limit() {
        assert!(OrderId::parse(&"a".repeat(36)).is_ok());
        assert_eq!(
            OrderId::parse(&"a".repeat(37)),
            Err(IdError::TooLong {
                field: "order_id",
                max: 36
            })
        );
        assert!(OrderId::parse("A#1").is_err());
    }

    #[test]
    fn ids_deserialise_through_their_parser() {
        assert!(serde_json::from_str::<Cip>("\"12x\"").is_err());
        assert_eq!(
            serde_json::from_str::<OperationNumber>("\"000123\"")
                .unwrap()
                .as_str(),
            "000123"
        );
        assert!(serde_json::from_str::<TenantId>("\"Acme\"").is_err());
    }
}
