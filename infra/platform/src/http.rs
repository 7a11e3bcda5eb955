//! The HTTP side: API Gateway (HTTP API, payload 2.0) as the functions see it.
//!
//! A request is matched against the template's `HttpApi` routes (most specific first, like API
//! Gateway: literal segments before `{param}` before `{greedy+}`, `$default` last), turned into
//! the very JSON event API Gateway would send, and that event is read by `lambda_http` itself
//! (`lambda_http::request::from_str`), so the handler gets exactly the `Request` it gets in
//! Lambda: absolute URI from `Host`, cookies folded into `Cookie`, base64 bodies decoded, path
//! and query parameters and the request context in the extensions.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body as AxumBody;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cuadre_lambda::problem::Problem;
use lambda_http::{Body, Response};
use serde_json::{json, Map, Value};

use crate::registry::{HttpHandler, Registry};
use crate::template::{HttpRoute, Template, ACCOUNT_ID};

/// API Gateway + Lambda's synchronous request limit.
pub const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

/// One route of the template, bound to the binary that serves it.
#[derive(Debug, Clone)]
pub struct Route {
    pub binary: String,
    pub logical_id: String,
    pub route: HttpRoute,
    pub timeout: Duration,
    /// `None` is `$default`.
    segments: Option<Vec<Segment>>,
}

/// Every HTTP route the template declares.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn from_template(template: &Template) -> RouteTable {
        let mut table = RouteTable::default();
        for function in &template.functions {
            for route in &function.http {
                table.add(
                    &function.binary,
                    &function.logical_id,
                    route.clone(),
                    function.timeout,
                );
            }
        }
        table
    }

    pub fn add(&mut self, binary: &str, logical_id: &str, route: HttpRoute, timeout: Duration) {
        let segments = route.path.as_deref().map(|path| {
            path.trim_start_matches('/')
                .split('/')
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => match name.strip_suffix('+') {
                            Some(greedy) => Segment::Greedy(greedy.to_string()),
                            None => Segment::Param(name.to_string()),
                        },
                        None => Segment::Literal(s.to_string()),
                    },
                )
                .collect()
        });
        self.routes.push(Route {
            binary: binary.to_string(),
            logical_id: logical_id.to_string(),
            route,
            timeout,
            segments,
        });
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The most specific route for the request, with its path parameters (decoded).
    pub fn find(&self, method: &Method, path: &str) -> Option<(&Route, BTreeMap<String, String>)> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(Vec<u8>, &Route, BTreeMap<String, String>)> = None;
        for route in &self.routes {
            if let Some(m) = &route.route.method {
                if m != method.as_str() {
                    continue;
                }
            }
            let (rank, params) = match &route.segments {
                // $default: after every real route
                None => (vec![9], BTreeMap::new()),
                Some(segments) => match match_segments(segments, &parts) {
                    Some(found) => found,
                    None => continue,
                },
            };
            let mut key = rank;
            key.push(u8::from(route.route.method.is_none()));
            if best.as_ref().is_none_or(|(k, _, _)| key < *k) {
                best = Some((key, route, params));
            }
        }
        best.map(|(_, route, params)| (route, params))
    }
}

fn match_segments(
    segments: &[Segment],
    parts: &[&str],
) -> Option<(Vec<u8>, BTreeMap<String, String>)> {
    let mut rank = Vec::with_capacity(segments.len());
    let mut params = BTreeMap::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                let rest = parts
                    .get(i..)
                    .filter(|r| !r.is_empty() && !r[0].is_empty())?;
                params.insert(name.clone(), percent_decode(&rest.join("/")));
                rank.push(2);
                return Some((rank, params));
            }
            Segment::Literal(text) => {
                if parts.get(i) != Some(&text.as_str()) {
                    return None;
                }
                rank.push(0);
            }
            Segment::Param(name) => {
                let part = parts.get(i).filter(|p| !p.is_empty())?;
                params.insert(name.clone(), percent_decode(part));
                rank.push(1);
            }
        }
    }
    (parts.len() == segments.len()).then_some((rank, params))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Bodies API Gateway passes as text; everything else arrives base64-encoded.
fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.starts_with("text/")
        || mime.ends_with("/json")
        || mime.ends_with("+json")
        || mime.ends_with("/xml")
        || mime.ends_with("+xml")
        || mime == "application/javascript"
}

/// The HTTP API payload-2.0 event for one request.
#[allow(clippy::too_many_arguments)]
pub fn api_gateway_event(
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    route_key: &str,
    path_parameters: &BTreeMap<String, String>,
    source_ip: &str,
    local_port: u16,
) -> Value {
    let mut header_map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name.as_str() == "cookie" {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        header_map
            .entry(name.as_str().to_string())
            .or_default()
            .push(value);
    }
    let forwarded = match header_map.remove("x-forwarded-for") {
        Some(previous) => format!("{}, {source_ip}", previous.join(", ")),
        None => source_ip.to_string(),
    };
    header_map.insert("x-forwarded-for".into(), vec![forwarded]);
    header_map.insert("x-forwarded-proto".into(), vec!["http".into()]);
    header_map.insert("x-forwarded-port".into(), vec![local_port.to_string()]);
    let host = header_map
        .entry("host".into())
        .or_insert_with(|| vec![format!("127.0.0.1:{local_port}")])[0]
        .clone();
    let headers_json: Map<String, Value> = header_map
        .into_iter()
        .map(|(k, v)| (k, Value::String(v.join(","))))
        .collect();

    let mut query_params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query_params
            .entry(percent_decode(&k.replace('+', " ")))
            .or_default()
            .push(percent_decode(&v.replace('+', " ")));
    }

    let now = chrono::Utc::now();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query.unwrap_or(""),
        "headers": headers_json,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or(&host),
            "http": {
                "method": method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query_params.is_empty() {
        event["queryStringParameters"] = query_params
            .into_iter()
            .map(|(k, v)| (k, Value::String(v.join(","))))
            .collect::<Map<_, _>>()
            .into();
    }
    if !path_parameters.is_empty() {
        event["pathParameters"] = json!(path_parameters);
    }
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) if is_text(content_type) => event["body"] = json!(text),
            _ => {
                event["body"] = json!(STANDARD.encode(body));
                event["isBase64Encoded"] = json!(true);
            }
        }
    }
    event
}

/// What the server shares between requests.
#[derive(Clone)]
pub(crate) struct HttpState {
    pub routes: Arc<RouteTable>,
    pub handlers: Arc<BTreeMap<String, HttpHandler>>,
    pub local_port: u16,
}

impl HttpState {
    pub fn new(routes: RouteTable, registry: &Registry, local_port: u16) -> HttpState {
        HttpState {
            routes: Arc::new(routes),
            handlers: Arc::new(registry.http.clone()),
            local_port,
        }
    }
}

pub(crate) fn router(state: HttpState) -> axum::Router {
    axum::Router::new().fallback(dispatch).with_state(state)
}

async fn dispatch(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    // The API's own description comes before the template's routes.
    if let Some(document) = crate::openapi::serve(&parts.method, &path) {
        return to_axum(document);
    }
    let Some((route, params)) = state.routes.find(&parts.method, &path) else {
        tracing::info!(method = %parts.method, path, status = 404, "no route");
        return to_axum(
            Problem::not_found(format!("no route for {} {path}", parts.method)).into_response(),
        );
    };
    let route_key = route.route.route_key();
    let Some(handler) = state.handlers.get(&route.binary).cloned() else {
        tracing::info!(
            route_key,
            binary = route.binary,
            status = 501,
            "function not hosted"
        );
        return to_axum(not_hosted(route).into_response());
    };
    let bytes = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return to_axum(Problem::payload_too_large(MAX_REQUEST_BYTES).into_response()),
    };
    let event = api_gateway_event(
        &parts.method,
        &path,
        parts.uri.query(),
        &parts.headers,
        &bytes,
        &route_key,
        &params,
        &peer.ip().to_string(),
        state.local_port,
    );
    let response = match lambda_http::request::from_str(&event.to_string()) {
        Ok(req) => invoke(&handler, req, route).await,
        Err(e) => {
            tracing::error!(error = %e, "lambda_http refused the event");
            Problem::internal().into_response()
        }
    };
    tracing::info!(
        route_key,
        binary = route.binary,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    to_axum(response)
}

/// Runs the handler as Lambda would: its own task, the function's timeout; a panic or a timeout
/// is a failed invocation, which API Gateway answers with 500.
async fn invoke(handler: &HttpHandler, req: lambda_http::Request, route: &Route) -> Response<Body> {
    let task = tokio::spawn(tokio::time::timeout(route.timeout, handler(req)));
    let failure = match task.await {
        Ok(Ok(response)) => return response,
        Ok(Err(_)) => format!("timed out after {} s", route.timeout.as_secs()),
        Err(e) if e.is_panic() => "panicked".to_string(),
        Err(e) => e.to_string(),
    };
    tracing::error!(binary = route.binary, failure, "invocation failed");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal Server Error",
        format!("function {} {failure}", route.binary),
    )
    .into_response()
}

fn not_hosted(route: &Route) -> Problem {
    Problem::new(
        StatusCode::NOT_IMPLEMENTED,
        "function-not-hosted",
        "Function not hosted by the local platform",
        format!(
            "{} belongs to {} (binary {}), which the local platform does not host yet: \
             register it in infra/platform/src/functions.rs",
            route.route.route_key(),
            route.logical_id,
            route.binary
        ),
    )
}

/// The Lambda response as API Gateway sends it on.
pub fn to_axum(response: Response<Body>) -> axum::response::Response {
    let (parts, body) = response.into_parts();
    let mut out = axum::response::Response::new(AxumBody::from(body.as_ref().to_vec()));
    *out.status_mut() = parts.status;
    *out.headers_mut() = parts.headers;
    if !out.headers().contains_key("content-type") && !body.is_empty() {
        out.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        let mut t = RouteTable::default();
        let route = |method: Option<&str>, path: Option<&str>| HttpRoute {
            event: "E".into(),
            method: method.map(str::to_string),
            path: path.map(str::to_string),
        };
        let s = Duration::from_secs(1);
        t.add(
            "codes",
            "C",
            route(Some("POST"), Some("/v1/payment-codes")),
            s,
        );
        t.add(
            "code",
            "C",
            route(None, Some("/v1/payment-codes/{order_id}")),
            s,
        );
        t.add(
            "special",
            "S",
            route(Some("GET"), Some("/v1/payment-codes/special")),
            s,
        );
        t.add("page", "P", route(Some("GET"), Some("/pay/{token}")), s);
        t.add("files", "F", route(Some("GET"), Some("/files/{path+}")), s);
        t.add("default", "D", route(None, None), s);
        t
    }

    #[test]
    fn the_most_specific_route_wins() {
        let t = table();
        let find = |m: Method, p: &str| t.find(&m, p).map(|(r, params)| (r.binary.clone(), params));
        assert_eq!(find(Method::POST, "/v1/payment-codes").unwrap().0, "codes");
        let (binary, params) = find(Method::DELETE, "/v1/payment-codes/ord%2F1").unwrap();
        assert_eq!(binary, "code");
        assert_eq!(params["order_id"], "ord/1");
        assert_eq!(
            find(Method::GET, "/v1/payment-codes/special").unwrap().0,
            "special"
        );
        assert_eq!(
            find(Method::PUT, "/v1/payment-codes/special").unwrap().0,
            "code"
        );
        let (binary, params) = find(Method::GET, "/files/a/b.txt").unwrap();
        assert_eq!(
            (binary.as_str(), params["path"].as_str()),
            ("files", "a/b.txt")
        );
        assert_eq!(find(Method::GET, "/pay/abc/extra").unwrap().0, "default");
        assert_eq!(find(Method::GET, "/pay/").unwrap().0, "default");
        let mut only = RouteTable::default();
        only.add(
            "page",
            "P",
            HttpRoute {
                event: "E".into(),
                method: Some("GET".into()),
                path: Some("/pay/{token}".into()),
            },
            Duration::from_secs(1),
        );
        assert!(only.find(&Method::POST, "/pay/abc").is_none());
        assert!(only.find(&Method::GET, "/nowhere").is_none());
    }

    #[test]
    fn the_event_reads_back_as_lambda_would_give_it() {
        use lambda_http::RequestExt;
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("cookie", HeaderValue::from_static("a=1; b=2"));
        let params = BTreeMap::from([("token".to_string(), "t0k".to_string())]);
        let event = api_gateway_event(
            &Method::POST,
            "/pay/t0k/uploads",
            Some("lang=en&x=1&x=2"),
            &headers,
            br#"{"size": 3}"#,
            "POST /pay/{token}/uploads",
            &params,
            "127.0.0.1",
            8080,
        );
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(
            req.uri().to_string(),
            "http://127.0.0.1:8080/pay/t0k/uploads?lang=en&x=1&x=2"
        );
        assert_eq!(req.headers()["cookie"], "a=1; b=2");
        assert_eq!(req.headers()["host"], "127.0.0.1:8080");
        assert_eq!(req.body().as_ref(), br#"{"size": 3}"#);
        assert!(matches!(req.body(), Body::Text(_)));
        assert_eq!(req.path_parameters().first("token"), Some("t0k"));
        assert_eq!(req.query_string_parameters().all("x"), Some(vec!["1", "2"]));
        // The function learns its route from the route key, as behind API Gateway.
        let route = buyer_page::ROUTES.find(&req).unwrap();
        assert_eq!(route.key, "POST /pay/{token}/uploads");
        assert_eq!(route.param("token"), Some("t0k"));

        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("image/jpeg"));
        let event = api_gateway_event(
            &Method::POST,
            "/raw",
            None,
            &headers,
            &[0xff, 0xd8, 0x00],
            "$default",
            &BTreeMap::new(),
            "127.0.0.1",
            9,
        );
        assert_eq!(event["isBase64Encoded"], json!(true));
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(req.body().as_ref(), &[0xff, 0xd8, 0x00]);
        assert_eq!(req.uri().to_string(), "http://127.0.0.1:9/raw");
    }

    /// Each HTTP function routes exactly what `template.yaml` gives it, in the template's order.
    #[test]
    fn every_functions_routes_are_the_templates() {
        let template = include_str!("../../../template.yaml");
        for (function, routes) in [
            ("IssueCodeFunction", issue_code::ROUTES),
            ("BuyerPageFunction", buyer_page::ROUTES),
            ("MerchantApiFunction", merchant_api::ROUTES),
            ("GatewayWebhookFunction", gateway_webhook::ROUTES),
        ] {
            assert_eq!(
                cuadre_lambda::http::template_routes(template, function),
                routes.0,
                "{function}"
            );
        }
    }

    #[test]
    fn handlers_get_the_template_routes_parameters_decoded() {
        let mut table = RouteTable::default();
        let s = Duration::from_secs(1);
        for key in issue_code::ROUTES.0 {
            let (method, path) = key.split_once(' ').unwrap();
            let route = HttpRoute {
                event: "E".into(),
                method: Some(method.into()),
                path: Some(path.into()),
            };
            table.add("issue-code", "IssueCodeFunction", route, s);
        }
        let (route, params) = table
            .find(&Method::DELETE, "/v1/payment-codes/ord%2F1")
            .unwrap();
        let event = api_gateway_event(
            &Method::DELETE,
            "/v1/payment-codes/ord%2F1",
            None,
            &HeaderMap::new(),
            b"",
            &route.route.route_key(),
            &params,
            "127.0.0.1",
            8080,
        );
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        let found = issue_code::ROUTES.find(&req).unwrap();
        assert_eq!(found.key, "DELETE /v1/payment-codes/{order_id}");
        assert_eq!(found.param("order_id"), Some("ord/1"));
    }
}
