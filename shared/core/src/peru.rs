//! Peruvian tax and identity numbers.

use crate::ids::string_id;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("RUC must be 11 digits")]
    RucLength,
    #[error("RUC must start with 10, 15, 17 or 20")]
    RucPrefix,
    #[error("RUC check digit is wrong")]
    RucCheckDigit,
    #[error("DNI must be 8 digits")]
    DniFormat,
}

string_id!(
    /// SUNAT's taxpayer number: 11 digits, a known prefix and a mod-11 check digit.
    Ruc,
    DocumentError
);

const RUC_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// The check digit SUNAT computes from the first ten digits.
pub fn ruc_check_digit(first_ten: &[u8; 10]) -> u8 {
    let sum: u32 = first_ten
        .iter()
        .zip(RUC_WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    (((11 - sum % 11) % 11) % 10) as u8
}

impl Ruc {
    pub fn parse(value: &str) -> Result<Self, DocumentError> {
        let v = value.trim();
        if v.len() != 11 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DocumentError::RucLength);
        }
        if !["10", "15", "17", "20"].contains(&&v[..2]) {
            return Err(DocumentError::RucPrefix);
        }
        let digits: Vec<u8> = v.bytes().map(|b| b - b'0').collect();
        let mut first_ten = [0u8; 10];
        first_ten.copy_from_slice(&digits[..10]);
        if ruc_check_digit(&first_ten) != digits[10] {
            return Err(DocumentError::RucCheckDigit);
        }
        Ok(Ruc(v.to_string()))
    }
}

string_id!(
    /// The national identity document number: 8 digits.
    Dni,
    DocumentError
);

impl Dni {
    pub fn parse(value: &str) -> Result<Self, DocumentError> {
        let v = value.trim();
        if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DocumentError::DniFormat);
        }
        Ok(Dni(v.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_ruc_is_valid_and_a_one_digit_change_is_not() {
        assert!(Ruc::parse("20100047218").is_ok());
        assert_eq!(Ruc::parse("20100047219"), Err(DocumentError::RucCheckDigit));
        assert_eq!(Ruc::parse("20100047228"), Err(DocumentError::RucCheckDigit));
        assert_eq!(Ruc::parse("30100047218"), Err(DocumentError::RucPrefix));
        assert_eq!(Ruc::parse("2010004721"), Err(DocumentError::RucLength));
    }

    #[test]
    fn dni_is_eight_digits() {
        assert!(Dni::parse("45678912").is_ok());
        assert!(Dni::parse("4567891").is_err());
        assert!(Dni::parse("4567891a").is_err());
    }

    proptest! {
        #[test]
        fn computed_check_digit_is_accepted_and_any_other_refused(
            prefix in prop::sample::select(vec![10u8, 15, 17, 20]),
            body in prop::collection::vec(0u8..10, 8),
            wrong in 1u8..10,
        ) {
            let mut first_ten = [0u8; 10];
            first_ten[0] = prefix / 10;
            first_ten[1] = prefix % 10;
            first_ten[2..].copy_from_slice(&body);
            let check = ruc_check_digit(&first_ten);
            let text: String = first_ten.iter().chain(std::iter::once(&check)).map(|d| char::from(b'0' + d)).collect();
            prop_assert!(Ruc::parse(&text).is_ok());
            let bad = (check + wrong) % 10;
            let bad_text: String = first_ten.iter().chain(std::iter::once(&bad)).map(|d| char::from(b'0' + d)).collect();
            prop_assert_eq!(Ruc::parse(&bad_text), Err(DocumentError::RucCheckDigit));
        }
    }
}
