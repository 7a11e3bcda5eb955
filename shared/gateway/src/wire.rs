//! The gateway's JSON, both ways: requests we send, answers we read (leniently where the
//! contract is loose), and the mapping of error answers to [`GatewayError`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cuadre_core::ids::{Cip, OperationNumber, OrderId};
use cuadre_core::money::{exact_json, Currency, Money};
use cuadre_core::order::Buyer;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{FieldError, FieldList, GatewayError};
use crate::json;

/// The envelope of every gateway answer: `{"code":..,"message":..,"data":..}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    #[serde(default, deserialize_with = "json::opt_string_or_number")]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub data: Option<Box<RawValue>>,
}

impl Envelope {
    pub fn parse(body: &[u8]) -> Option<Envelope> {
        serde_json::from_slice(body).ok()
    }

    fn message(&self) -> String {
        self.message.clone().unwrap_or_default()
    }
}

/// Success code of the gateway.
pub(crate) const CODE_OK: &str = "100";

// ---------- authorization ----------

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthorizationRequest<'a> {
    pub access_key: &'a str,
    pub id_service: u32,
    pub date_request: &'a str,
    pub hash_string: &'a str,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthorizationData {
    pub token: String,
    #[serde(default)]
    pub code_service: Option<String>,
    #[serde(
        default,
        deserialize_with = "cuadre_core::time::serde_lima::option::deserialize"
    )]
    pub token_start: Option<DateTime<Utc>>,
    #[serde(
        default,
        deserialize_with = "cuadre_core::time::serde_lima::option::deserialize"
    )]
    pub token_expires: Option<DateTime<Utc>>,
}

// ---------- CIP creation ----------

/// A request for a payment code: every field of the contract. Build it with [`CreateCip::new`]
/// (or [`CreateCip::for_buyer`]) and set the optional fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCip {
    /// `currency` + `amount`; a [`Money`] already holds the gateway's amount limits.
    pub amount: Money,
    /// `transactionCode`: our order id (1–36 chars).
    pub transaction_code: OrderId,
    /// `dateExpiry`; `None` leaves the merchant's agreed default.
    pub date_expiry: Option<DateTime<Utc>>,
    pub payment_concept: Option<String>,
    pub additional_data: Option<String>,
    pub admin_email: Option<String>,
    pub user_email: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub user_last_name: Option<String>,
    pub user_ubigeo: Option<String>,
    pub user_country: Option<String>,
    pub user_document_type: Option<String>,
    pub user_document_number: Option<String>,
    pub user_phone: String,
    /// e.g. `+51`.
    pub user_code_country: String,
}

impl CreateCip {
    pub fn new(
        transaction_code: OrderId,
        amount: Money,
        user_email: impl Into<String>,
        user_phone: impl Into<String>,
        user_code_country: impl Into<String>,
    ) -> Self {
        CreateCip {
            amount,
            transaction_code,
            date_expiry: None,
            payment_concept: None,
            additional_data: None,
            admin_email: None,
            user_email: user_email.into(),
            user_id: None,
            user_name: None,
            user_last_name: None,
            user_ubigeo: None,
            user_country: None,
            user_document_type: None,
            user_document_number: None,
            user_phone: user_phone.into(),
            user_code_country: user_code_country.into(),
        }
    }

    /// Fills the buyer fields from the domain's [`Buyer`].
    pub fn for_buyer(transaction_code: OrderId, amount: Money, buyer: &Buyer) -> Self {
        let mut c = CreateCip::new(
            transaction_code,
            amount,
            &buyer.email,
            &buyer.phone,
            &buyer.phone_country_code,
        );
        c.user_name = buyer.name.clone();
        c.user_last_name = buyer.last_name.clone();
        c.user_document_type = buyer.document_type.clone();
        c.user_document_number = buyer.document_number.clone();
        c
    }

    /// The JSON body of `POST /v1/cips`, amount written exactly from the decimal.
    pub fn to_json(&self) -> Vec<u8> {
        let wire = CreateCipWire {
            currency: self.amount.currency(),
            amount: json::decimal_number(self.amount.amount()),
            transaction_code: self.transaction_code.as_str(),
            date_expiry: self.date_expiry.map(cuadre_core::time::format_lima),
            payment_concept: self.payment_concept.as_deref(),
            additional_data: self.additional_data.as_deref(),
            admin_email: self.admin_email.as_deref(),
            user_email: &self.user_email,
            user_id: self.user_id.as_deref(),
            user_name: self.user_name.as_deref(),
            user_last_name: self.user_last_name.as_deref(),
            user_ubigeo: self.user_ubigeo.as_deref(),
            user_country: self.user_country.as_deref(),
            user_document_type: self.user_document_type.as_deref(),
            user_document_number: self.user_document_number.as_deref(),
            user_phone: &self.user_phone,
            user_code_country: &self.user_code_country,
        };
        serde_json::to_vec(&wire).expect("plain strings and a raw number serialise")
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateCipWire<'a> {
    currency: Currency,
    amount: Box<RawValue>,
    transaction_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_expiry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_concept: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_data: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    admin_email: Option<&'a str>,
    user_email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_ubigeo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_country: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_document_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_document_number: Option<&'a str>,
    user_phone: &'a str,
    user_code_country: &'a str,
}

/// The code the gateway issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCip {
    pub cip: Cip,
    /// PagoEfectivo's hosted page for the code.
    pub cip_url: String,
    /// What the gateway echoed; compare with what was asked if it matters.
    pub currency: Option<Currency>,
    pub amount: Option<Decimal>,
    pub transaction_code: Option<String>,
    pub date_expiry: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssuedCipWire {
    #[serde(deserialize_with = "json::cip")]
    pub cip: Cip,
    #[serde(default)]
    pub cip_url: Option<String>,
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default, deserialize_with = "exact_json::option::deserialize")]
    pub amount: Option<Decimal>,
    #[serde(default, deserialize_with = "json::opt_string_or_number")]
    pub transaction_code: Option<String>,
    #[serde(
        default,
        deserialize_with = "cuadre_core::time::serde_lima::option::deserialize"
    )]
    pub date_expiry: Option<DateTime<Utc>>,
}

impl From<IssuedCipWire> for IssuedCip {
    fn from(w: IssuedCipWire) -> Self {
        IssuedCip {
            cip: w.cip,
            cip_url: w.cip_url.unwrap_or_default(),
            currency: w.currency,
            amount: w.amount,
            transaction_code: w.transaction_code,
            date_expiry: w.date_expiry,
        }
    }
}

// ---------- status lookup ----------

/// Where a CIP stands. PagoEfectivo's words: **Cancelado** means *paid*.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum CipStatus {
    Pending,
    Paid,
    Expired,
    Deleted,
    /// A status we do not know, as the gateway wrote it.
    Other(String),
}

impl CipStatus {
    /// Reads the text (`Pendiente`, `Cancelado`, `Expirado`, `Eliminado`, any case, with or
    /// without accents) or the older numeric codes (22, 23, 21, 25).
    pub fn parse(text: &str) -> CipStatus {
        let t = text.trim();
        match t {
            "22" => return CipStatus::Pending,
            "23" => return CipStatus::Paid,
            "21" => return CipStatus::Expired,
            "25" => return CipStatus::Deleted,
            _ => {}
        }
        match t.to_lowercase().as_str() {
            "pendiente" | "pendiente de pago" | "pending" | "generado" => CipStatus::Pending,
            "cancelado" | "pagado" | "paid" => CipStatus::Paid,
            "expirado" | "vencido" | "expired" => CipStatus::Expired,
            "eliminado" | "anulado" | "deleted" => CipStatus::Deleted,
            _ => CipStatus::Other(t.to_string()),
        }
    }

    /// The gateway's word for it.
    pub fn as_gateway_text(&self) -> &str {
        match self {
            CipStatus::Pending => "Pendiente",
            CipStatus::Paid => "Cancelado",
            CipStatus::Expired => "Expirado",
            CipStatus::Deleted => "Eliminado",
            CipStatus::Other(t) => t,
        }
    }

    /// The older numeric code, when there is one.
    pub fn numeric_code(&self) -> Option<u8> {
        match self {
            CipStatus::Pending => Some(22),
            CipStatus::Paid => Some(23),
            CipStatus::Expired => Some(21),
            CipStatus::Deleted => Some(25),
            CipStatus::Other(_) => None,
        }
    }
}

/// What `POST /v1/cips/search` said about one CIP. Only `cip` and `status` are sure to be there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CipLookup {
    pub cip: Cip,
    pub status: CipStatus,
    pub operation_number: Option<OperationNumber>,
    pub currency: Option<Currency>,
    pub amount: Option<Decimal>,
    pub payment_date: Option<DateTime<Utc>>,
    pub date_expiry: Option<DateTime<Utc>>,
    pub transaction_code: Option<String>,
}

/// `{"data":[{"cip":N},...]}`.
pub(crate) fn search_body(cips: &[Cip]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Item {
        cip: Box<RawValue>,
    }
    #[derive(Serialize)]
    struct Body {
        data: Vec<Item>,
    }
    let body = Body {
        data: cips
            .iter()
            .map(|c| Item {
                cip: json::cip_number(c),
            })
            .collect(),
    };
    serde_json::to_vec(&body).expect("numbers serialise")
}

type JsonObject = BTreeMap<String, Box<RawValue>>;

/// The value of the first of `names` present (case-insensitive), ignoring `null`.
fn pick<'a>(obj: &'a JsonObject, names: &[&str]) -> Option<&'a RawValue> {
    names.iter().find_map(|name| {
        obj.iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(name) && v.get().trim() != "null")
            .map(|(_, v)| v.as_ref())
    })
}

fn pick_text(obj: &JsonObject, names: &[&str]) -> Option<String> {
    pick(obj, names)
        .and_then(json::scalar_text)
        .filter(|t| !t.trim().is_empty())
}

/// Reads a search answer's `data` whatever its shape: a list of entries, one entry, or an
/// object holding a list. Entries without a readable CIP or status are skipped.
pub(crate) fn parse_lookups(data: &RawValue) -> Result<Vec<CipLookup>, String> {
    let entries: Vec<JsonObject> = if let Ok(list) = serde_json::from_str(data.get()) {
        list
    } else if let Ok(obj) = serde_json::from_str::<JsonObject>(data.get()) {
        if pick(&obj, &["cip"]).is_some() {
            vec![obj]
        } else {
            let nested = pick(&obj, &["cips", "data", "items", "results"])
                .ok_or_else(|| "search data holds no CIP".to_string())?;
            serde_json::from_str(nested.get()).map_err(|e| e.to_string())?
        }
    } else {
        return Err("search data is neither a list nor an object".to_string());
    };
    Ok(entries.iter().filter_map(lookup_from_entry).collect())
}

fn lookup_from_entry(obj: &JsonObject) -> Option<CipLookup> {
    let cip = Cip::parse(&pick_text(obj, &["cip", "numberCip", "cipNumber"])?).ok()?;
    let status = CipStatus::parse(&pick_text(
        obj,
        &[
            "status",
            "cipStatus",
            "statusName",
            "state",
            "idStatus",
            "statusCode",
            "estado",
        ],
    )?);
    let amount = pick(obj, &["amount", "total"]).and_then(|r| exact_json::decimal_from_raw(r).ok());
    let currency = pick_text(obj, &["currency"]).and_then(|t| t.parse().ok());
    let date =
        |names: &[&str]| pick_text(obj, names).and_then(|t| cuadre_core::time::parse(&t).ok());
    Some(CipLookup {
        cip,
        status,
        operation_number: pick_text(obj, &["operationNumber", "numberOperation", "nroOperation"])
            .and_then(|t| OperationNumber::parse(&t).ok()),
        currency,
        amount,
        payment_date: date(&["paymentDate", "datePayment", "dateOperation", "datePaid"]),
        date_expiry: date(&["dateExpiry", "expirationDate"]),
        transaction_code: pick_text(obj, &["transactionCode"]),
    })
}

// ---------- errors ----------

fn field_errors(data: Option<&RawValue>) -> Vec<FieldError> {
    #[derive(Deserialize)]
    struct Entry {
        #[serde(default, deserialize_with = "json::opt_string_or_number")]
        code: Option<String>,
        #[serde(default)]
        field: Option<String>,
        #[serde(default)]
        message: Option<String>,
    }
    let Some(data) = data else {
        return Vec::new();
    };
    let entries: Vec<Entry> = serde_json::from_str(data.get())
        .or_else(|_| serde_json::from_str::<Entry>(data.get()).map(|e| vec![e]))
        .unwrap_or_default();
    entries
        .into_iter()
        .map(|e| FieldError {
            code: e.code.unwrap_or_default(),
            field: e.field.unwrap_or_default(),
            message: e.message.unwrap_or_default(),
        })
        .collect()
}

/// A short, single-line excerpt of a body for error details (gateway text, never our request).
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    if one_line.is_empty() {
        "empty body".to_string()
    } else {
        one_line
    }
}

/// Which call an answer came from: a refused authorization means refused credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    Authorization,
    Cip,
}

/// The envelope of a success (2xx without an error code), or the typed error the answer means.
pub(crate) fn classify(call: Call, status: u16, body: &[u8]) -> Result<Envelope, GatewayError> {
    let envelope = Envelope::parse(body);
    let code = envelope.as_ref().and_then(|e| e.code.clone());
    let message = envelope.as_ref().map(Envelope::message).unwrap_or_default();
    let success = (200..300).contains(&status);
    match code.as_deref() {
        Some("111") => {
            let fields = field_errors(envelope.as_ref().and_then(|e| e.data.as_deref()));
            return Err(GatewayError::InvalidFields {
                message,
                fields: FieldList(fields),
            });
        }
        Some("511") => return Err(GatewayError::AmountAboveMaximum { message }),
        Some("508") => {
            return Err(GatewayError::CredentialsRejected {
                status,
                code,
                message,
            })
        }
        Some("166") => {
            return Err(GatewayError::Unavailable {
                status,
                code,
                message,
            })
        }
        _ => {}
    }
    if success {
        return match envelope {
            Some(e) if e.code.as_deref().is_none_or(|c| c == CODE_OK) => Ok(e),
            Some(e) => Err(GatewayError::Refused {
                status,
                message: e.message(),
                code: e.code,
            }),
            None => Err(GatewayError::UnexpectedResponse {
                status,
                detail: format!("not a gateway answer: {}", excerpt(body)),
            }),
        };
    }
    if status >= 500 {
        return Err(GatewayError::Unavailable {
            status,
            code,
            message,
        });
    }
    if status == 401 || status == 403 || call == Call::Authorization {
        return Err(GatewayError::CredentialsRejected {
            status,
            code,
            message,
        });
    }
    if envelope.is_none() {
        return Err(GatewayError::UnexpectedResponse {
            status,
            detail: excerpt(body),
        });
    }
    Err(GatewayError::Refused {
        status,
        code,
        message,
    })
}

/// Reads `data` as `T`, or says the answer was not what the contract promises.
pub(crate) fn data_as<T: for<'de> Deserialize<'de>>(
    status: u16,
    envelope: &Envelope,
) -> Result<T, GatewayError> {
    let data = envelope
        .data
        .as_ref()
        .ok_or_else(|| GatewayError::UnexpectedResponse {
            status,
            detail: "answer has no data".to_string(),
        })?;
    serde_json::from_str(data.get()).map_err(|e| GatewayError::UnexpectedResponse {
        status,
        detail: format!("data not as expected: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_has_every_field_and_an_exact_amount() {
        let mut c = CreateCip::new(
            OrderId::parse("ORD-1").unwrap(),
            Money::from_json_number("22.05", Currency::Pen).unwrap(),
            "ana@example.pe",
            "987654321",
            "+51",
        );
        c.date_expiry = Some(cuadre_core::time::parse("2020-12-31T23:59:59-05:00").unwrap());
        c.payment_concept = Some("Pedido 1".into());
        c.user_document_type = Some("DNI".into());
        let body = String::from_utf8(c.to_json()).unwrap();
        assert!(body.contains(r#""amount":22.05,"#), "{body}");
        assert!(body.contains(r#""currency":"PEN""#));
        assert!(body.contains(r#""transactionCode":"ORD-1""#));
        assert!(body.contains(r#""dateExpiry":"2020-12-31T23:59:59-05:00""#));
        assert!(body.contains(r#""userCodeCountry":"+51""#));
        assert!(body.contains(r#""userDocumentType":"DNI""#));
        assert!(
            !body.contains("userUbigeo"),
            "absent optional fields are left out"
        );
    }

    #[test]
    fn code_as_number_or_string() {
        let as_string = br#"{"code":"111","message":"Solicitud con datos inv\u00e1lidos.","data":[{"code":"112","message":"Requerido.","field":"amount"}]}"#;
        let as_number = br#"{"code":111,"message":"x","data":[{"code":113,"message":"Valor","field":"userEmail"}]}"#;
        for (body, field, fcode) in [
            (&as_string[..], "amount", "112"),
            (&as_number[..], "userEmail", "113"),
        ] {
            match classify(Call::Cip, 400, body) {
                Err(GatewayError::InvalidFields { fields, .. }) => {
                    assert_eq!(fields.0[0].field, field);
                    assert_eq!(fields.0[0].code, fcode);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(classify(Call::Cip, 201, br#"{"code":100,"message":"ok","data":{}}"#).is_ok());
        assert!(classify(
            Call::Cip,
            201,
            br#"{"code":"100","message":"ok","data":{}}"#
        )
        .is_ok());
        assert!(matches!(
            classify(Call::Cip, 400, br#"{"code":511,"message":"Monto"}"#),
            Err(GatewayError::AmountAboveMaximum { .. })
        ));
        assert!(matches!(
            classify(Call::Cip, 500, br#"{"code":"166","message":"Error"}"#),
            Err(GatewayError::Unavailable { status: 500, .. })
        ));
        assert!(matches!(
            classify(Call::Cip, 502, b"<html>bad gateway</html>"),
            Err(GatewayError::Unavailable {
                status: 502,
                code: None,
                ..
            })
        ));
        assert!(matches!(
            classify(Call::Cip, 400, br#"{"code":508,"message":"Servicio"}"#),
            Err(GatewayError::CredentialsRejected { .. })
        ));
        assert!(matches!(
            classify(Call::Authorization, 400, br#"{"code":"999"}"#),
            Err(GatewayError::CredentialsRejected { .. })
        ));
        assert!(matches!(
            classify(Call::Cip, 201, b"not json"),
            Err(GatewayError::UnexpectedResponse { .. })
        ));
    }

    #[test]
    fn issued_cip_reads_numbers_strings_and_both_date_forms() {
        let a: IssuedCipWire = serde_json::from_str(
            r#"{"cip":2523136,"currency":"PEN","amount":1,"transactionCode":"101","dateExpiry":"2020-12-31T23:59:59-05:00","cipUrl":"https://x/G.html"}"#,
        )
        .unwrap();
        let b: IssuedCipWire = serde_json::from_str(
            r#"{"cip":"2523136","currency":"PEN","amount":1.00,"transactionCode":101,"dateExpiry":"2020-12-31 23:59:59-05:00","cipUrl":"https://x/G.html"}"#,
        )
        .unwrap();
        let (a, b) = (IssuedCip::from(a), IssuedCip::from(b));
        assert_eq!(a.cip.as_str(), "2523136");
        assert_eq!(a.cip, b.cip);
        assert_eq!(a.date_expiry, b.date_expiry);
        assert_eq!(a.amount, b.amount);
        assert_eq!(b.transaction_code.as_deref(), Some("101"));
    }

    #[test]
    fn lookups_in_text_and_numeric_dialects() {
        let raw = |s: &str| RawValue::from_string(s.to_string()).unwrap();
        let text = parse_lookups(&raw(
            r#"[{"cip":"11546901","status":"Cancelado","operationNumber":"1253","amount":22.05,"currency":"PEN","paymentDate":"2026-01-05 10:00:00-05:00"}]"#,
        ))
        .unwrap();
        assert_eq!(text[0].status, CipStatus::Paid);
        assert_eq!(text[0].operation_number.as_ref().unwrap().as_str(), "1253");
        assert_eq!(text[0].amount.unwrap().to_string(), "22.05");
        assert!(text[0].payment_date.is_some());

        let numeric = parse_lookups(&raw(r#"{"cip":11546901,"idStatus":22}"#)).unwrap();
        assert_eq!(numeric[0].status, CipStatus::Pending);
        let nested = parse_lookups(&raw(
            r#"{"cips":[{"cip":1,"status":21},{"cip":2,"status":"25"}]}"#,
        ))
        .unwrap();
        assert_eq!(nested[0].status, CipStatus::Expired);
        assert_eq!(nested[1].status, CipStatus::Deleted);
        assert_eq!(CipStatus::parse("PENDIENTE"), CipStatus::Pending);
        assert_eq!(CipStatus::parse("Raro"), CipStatus::Other("Raro".into()));
    }

    #[test]
    fn search_body_sends_cips_as_numbers() {
        let body = search_body(&[Cip::parse("2523136").unwrap()]);
        assert_eq!(body, br#"{"data":[{"cip":2523136}]}"#);
    }
}
