//! HTTP as the tests speak it: a function's handler called as API Gateway calls it and its answer
//! read back, the merchant's request bodies, and plain JSON calls to a server on loopback.

use lambda_http::http::{Request, Response, StatusCode};
use lambda_http::Body;
use serde_json::{json, Value};

/// A request to `url` with `Authorization: Bearer {api_key}`, these headers, and the JSON body.
pub fn api_request(
    method: &str,
    url: &str,
    api_key: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Request<Body> {
    let mut req = Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {api_key}"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let body = body.map_or(Body::Empty, |b| Body::from(b.to_string()));
    req.body(body).expect("a valid request")
}

/// The status and the JSON body (`null` when empty) of a handler's answer; an error must be an
/// RFC 9457 problem (`application/problem+json`).
pub fn json_reply(response: &Response<Body>) -> (StatusCode, Value) {
    let status = response.status();
    let body: Value = match response.body() {
        Body::Text(t) => serde_json::from_str(t).expect("a JSON body"),
        Body::Binary(b) => serde_json::from_slice(b).expect("a JSON body"),
        _ => Value::Null,
    };
    if status.is_client_error() || status.is_server_error() {
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
    }
    (status, body)
}

/// The `field` of each entry of a problem's list (`errors`, or the gateway's `data`), in order.
pub fn field_names(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| e["field"].as_str().expect("a field name").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A `POST /v1/payment-codes` body: `amount` soles for Ana Quispe (with her DNI), through the API,
/// for 48 hours.
pub fn code_request(order_id: &str, amount: Value) -> Value {
    json!({
        "order_id": order_id,
        "amount": amount,
        "currency": "PEN",
        "channel": "api",
        "concept": "Pedido de prueba",
        "buyer": {
            "email": "ana.quispe@example.pe",
            "name": "Ana",
            "last_name": "Quispe",
            "phone": "987654321",
            "phone_country_code": "+51",
            "document_type": "DNI",
            "document_number": "45678912"
        },
        "expires_in_hours": 48
    })
}

/// GETs `url`; its JSON answer (the test fails if it is not JSON).
pub async fn get_json(url: &str) -> Value {
    reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}

/// POSTs `body` as JSON to `url`; the status and the JSON answer (`null` when there is none).
pub async fn post_json(url: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
