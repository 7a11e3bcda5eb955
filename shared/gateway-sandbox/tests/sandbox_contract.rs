//! The sandbox's wire contract, checked with raw HTTP (no client), and its control endpoints.

mod common;

use common::*;
use cuadre_gateway::credentials::{date_request, hash_string};
use cuadre_gateway_sandbox::SandboxBuilder;
use cuadre_testing::http::{field_names, get_json, post_json};
use cuadre_testing::sandbox::sandbox_for;
use serde_json::{json, Value};

async fn post(url: String, body: Value) -> (u16, Value) {
    post_json(&url, &body).await
}

fn auth_body(date: &str, secret: &str) -> Value {
    json!({
        "accessKey": ACCESS_KEY,
        "idService": ID_SERVICE,
        "dateRequest": date,
        "hashString": hash_string(ID_SERVICE, ACCESS_KEY, secret, date),
    })
}

#[tokio::test]
async fn authorization_checks_hash_and_freshness() {
    let sb = sandbox_for(merchant()).await;
    let now = chrono::Utc::now();
    let (status, body) = post(
        format!("{}/v1/authorizations", sb.url()),
        auth_body(&date_request(now), SECRET_KEY),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["code"], "100");
    let token = body["data"]["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "JWT-looking");
    assert_eq!(body["data"]["codeService"], "SRV");
    assert!(body["data"]["tokenStart"]
        .as_str()
        .unwrap()
        .ends_with("-05:00"));
    assert!(body["data"]["tokenExpires"]
        .as_str()
        .unwrap()
        .ends_with("-05:00"));

    let (status, _) = post(
        format!("{}/v1/authorizations", sb.url()),
        auth_body(&date_request(now), "wrong"),
    )
    .await;
    assert_eq!(status, 401);

    let stale = date_request(now - chrono::Duration::hours(1));
    let (status, body) = post(
        format!("{}/v1/authorizations", sb.url()),
        auth_body(&stale, SECRET_KEY),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "111");
    assert_eq!(body["data"][0]["field"], "dateRequest");
    assert_eq!(body["data"][0]["code"], "113");

    let (status, body) = post(format!("{}/v1/authorizations", sb.url()), json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(
        field_names(&body["data"]),
        ["idService", "accessKey", "dateRequest", "hashString"]
    );
    assert_eq!(body["data"][0]["message"], "Requerido.");
}

#[tokio::test]
async fn cip_calls_need_the_bearer_token_and_origin() {
    let sb = sandbox_for(merchant()).await;
    let (_, auth) = post(
        format!("{}/v1/authorizations", sb.url()),
        auth_body(&date_request(chrono::Utc::now()), SECRET_KEY),
    )
    .await;
    let token = auth["data"]["token"].as_str().unwrap().to_string();
    let body = json!({
        "currency": "PEN", "amount": 1, "transactionCode": "101",
        "userEmail": "a@b.pe", "userPhone": "987654321", "userCodeCountry": "+51"
    });
    let http = reqwest::Client::new();
    let url = format!("{}/v1/cips", sb.url());

    let send = |headers: Vec<(&'static str, String)>| {
        let mut req = http.post(&url).json(&body);
        for (name, value) in headers {
            req = req.header(name, value);
        }
        async move { req.send().await.unwrap() }
    };
    let origin = || ("Origin", "web".to_string());
    let bearer = |spaces: &str| ("Authorization", format!("Bearer{spaces}{token}"));

    let refused = [
        ("no token", vec![origin()], 401),
        (
            "exactly one space after Bearer",
            vec![origin(), bearer("  ")],
            401,
        ),
        ("no origin", vec![bearer(" ")], 400),
    ];
    for (what, headers, status) in refused {
        assert_eq!(send(headers).await.status(), status, "{what}");
    }
    let ok = send(vec![
        bearer(" "),
        origin(),
        ("Accept-Language", "es-PE".to_string()),
    ])
    .await;
    assert_eq!(ok.status(), 201);
    let text = ok.text().await.unwrap();
    assert!(text.contains(r#""code":100"#), "{text}");
    assert!(text.contains(r#""amount":1.00"#), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(
        v["data"]["cip"].is_u64(),
        "cip is a number in the creation answer"
    );
    assert!(v["data"]["cipUrl"].as_str().unwrap().contains("/cip/"));
}

#[tokio::test]
async fn control_endpoints_over_http() {
    let sb = sandbox(SandboxBuilder::default()).await;
    let http = reqwest::Client::new();
    let base = sb.url();
    assert_eq!(
        http.get(format!("{base}/sandbox/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // register the merchant at run time
    let (status, _) = post(
        format!("{base}/sandbox/merchants"),
        json!({
            "idService": ID_SERVICE, "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY,
            "maxAmount": "500.00"
        }),
    )
    .await;
    assert_eq!(status, 201);
    let client = client(&sb);
    let issued = issue(&client, "H-1", "12.30").await;
    assert!(matches!(
        client
            .create_cip(&credentials(), &order("H-2", "500.01"))
            .await,
        Err(cuadre_gateway::GatewayError::AmountAboveMaximum { .. })
    ));

    // faults over HTTP
    let (status, faults) = post(
        format!("{base}/sandbox/faults"),
        json!({"failNextCreates": 1}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(faults["failNextCreates"], 1);
    assert!(client
        .create_cip(&credentials(), &order("H-3", "1"))
        .await
        .is_err());
    let faults: Value = get_json(&format!("{base}/sandbox/faults")).await;
    assert_eq!(faults["failNextCreates"], 0, "consumed");

    // the CIP as the sandbox sees it
    let view: Value = get_json(&format!("{base}/sandbox/cips/{}", issued.cip)).await;
    assert_eq!(view["status"], "Pendiente");
    assert_eq!(view["idStatus"], 22);
    assert_eq!(view["transactionCode"], "H-1");

    // pay with every field chosen, amount as a string
    let (status, paid) = post(
        format!("{base}/sandbox/cips/{}/pay", issued.cip),
        json!({"operationNumber": "000777", "amount": "12.30", "currency": "PEN",
               "paymentDate": "2026-02-01 09:15:00-05:00"}),
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["operationNumber"], "000777");
    assert_eq!(paid["paymentDate"], "2026-02-01T09:15:00-05:00");
    assert!(
        paid["notification"].is_null(),
        "no notification URL registered"
    );
    let (status, again) = post(format!("{base}/sandbox/cips/{}/pay", issued.cip), json!({})).await;
    assert_eq!(status, 409, "{again}");
    let (status, _) = post(format!("{base}/sandbox/cips/999/pay",), json!({})).await;
    assert_eq!(status, 404);

    // revoke tokens: the client renews transparently
    let (_, revoked) = post(format!("{base}/sandbox/tokens/revoke"), json!({})).await;
    assert_eq!(revoked["revoked"], 1);
    issue(&client, "H-4", "1").await;

    let (_, settings) = post(
        format!("{base}/sandbox/settings"),
        json!({"tokenLifetimeSecs": 60}),
    )
    .await;
    assert_eq!(settings["tokenLifetimeSecs"], 60);

    let stats: Value = get_json(&format!("{base}/sandbox/stats")).await;
    assert_eq!(stats["authorizations"], 2);
    assert_eq!(stats["cipsIssued"], 2);
    assert_eq!(stats["unauthorizedCalls"], 1);
    let list: Value = get_json(&format!("{base}/sandbox/cips")).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn run_sandbox_binds_the_given_address() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let config = cuadre_gateway_sandbox::SandboxConfig::builder()
        .merchant(merchant())
        .config();
    let task = tokio::spawn(cuadre_gateway_sandbox::run_sandbox(addr, config));
    let url = format!("http://{addr}/sandbox/health");
    let mut up = false;
    for _ in 0..50 {
        if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    task.abort();
    assert!(up, "sandbox answered on {addr}");
}
