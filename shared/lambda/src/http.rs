//! What every HTTP function shares: which of its routes a request is for, the route's path and
//! query parameters, the merchant behind the API key, percent-decoding.
//!
//! In Lambda (and on the local platform) API Gateway has already routed the request: the route
//! key it matched (`GET /v1/payment-codes/{order_id}`) is in the request context and the path
//! parameters, decoded, are in [`RequestExt::path_parameters`]. A request built by hand (a test, a
//! direct invocation) carries neither; [`Routes::find`] then matches its method and path against
//! the same route keys the way API Gateway does (literal segments before `{param}`, any stage
//! prefix allowed), so no handler reads `req.uri().path()` itself.

use cuadre_core::access::ApiKeyRecord;
use cuadre_core::store::{ApiKeyStore, TenantStore};
use cuadre_core::tenants::authenticate_merchant;
use cuadre_core::Tenant;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::Method;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde::Serialize;

use crate::problem::Problem;

/// A function's routes, as the template declares them: `"METHOD /path/{param}"` route keys.
#[derive(Debug, Clone, Copy)]
pub struct Routes(pub &'static [&'static str]);

/// The route a request is for, and its path parameters (decoded).
#[derive(Debug, Clone)]
pub struct Route {
    /// One of the function's route keys.
    pub key: &'static str,
    params: QueryMap,
}

impl Route {
    /// A path parameter; `None` when the route has no such parameter or its value could not be
    /// decoded (a handler answers that as "not found").
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.first(name)
    }
}

impl Routes {
    /// The route the request is for: API Gateway's when it routed the request, else the most
    /// specific route key its method and path match. A path that matches only with another
    /// method is a 405; one that matches nothing is a 404.
    pub fn find(&self, req: &Request) -> Result<Route, Problem> {
        let routed = gateway_route_key(req).and_then(|k| self.0.iter().find(|r| **r == k));
        if let Some(key) = routed {
            return Ok(Route {
                key,
                params: req.path_parameters(),
            });
        }
        self.matching(req.method(), req.uri().path())
    }

    fn matching(&self, method: &Method, path: &str) -> Result<Route, Problem> {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let mut best: Option<(Match, &'static str)> = None;
        let mut other_method = false;
        for key in self.0 {
            let (route_method, template) = key.split_once(' ').unwrap_or(("ANY", key));
            let Some(found) = match_tail(template, &parts) else {
                continue;
            };
            if route_method != "ANY" && route_method != method.as_str() {
                other_method = true;
                continue;
            }
            if best.as_ref().is_none_or(|(b, _)| found.rank < b.rank) {
                best = Some((found, key));
            }
        }
        match best {
            Some((found, key)) => Ok(Route {
                key,
                params: found
                    .params
                    .into_iter()
                    .collect::<std::collections::HashMap<_, _>>()
                    .into(),
            }),
            None if other_method => Err(Problem::method_not_allowed(method)),
            None => Err(Problem::not_found(format!("no route for {path}"))),
        }
    }
}

/// How well a template matched (lower is more specific) and the parameters it read.
struct Match {
    rank: Vec<u8>,
    params: Vec<(String, String)>,
}

/// Matches `template` against the last segments of the path (whatever precedes them is a stage
/// prefix): its rank (literal segments before parameters) and the parameters it decodes. A
/// parameter that is not percent-encoded UTF-8 is left out.
fn match_tail(template: &str, parts: &[&str]) -> Option<Match> {
    let segments: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let start = parts.len().checked_sub(segments.len())?;
    // The leading `/` of the path gives an empty first part; a route never starts there.
    if start == 0 {
        return None;
    }
    let mut rank = Vec::with_capacity(segments.len());
    let mut params = Vec::new();
    for (segment, part) in segments.iter().zip(&parts[start..]) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                if part.is_empty() {
                    return None;
                }
                if let Some(value) = percent_decode(part, false) {
                    params.push((name.to_string(), value));
                }
                rank.push(1);
            }
            None if segment == part => rank.push(0),
            None => return None,
        }
    }
    Some(Match { rank, params })
}

/// Where links the service hands out (pay pages, notification URLs) point: the configured public
/// base (`PUBLIC_BASE_URL`: a custom domain), else the domain and stage this request came in on.
/// API Gateway's own `execute-api` domain keeps a named stage in the path; a custom domain's API
/// mapping does not. Without a request context (a local host), the `Host` header.
pub fn public_base(configured: Option<&str>, req: &Request) -> String {
    if let Some(base) = configured.map(str::trim).filter(|b| !b.is_empty()) {
        return base.trim_end_matches('/').to_string();
    }
    let context = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => Some(context),
        _ => None,
    };
    if let Some(domain) = context.and_then(|c| c.domain_name.as_deref()) {
        let stage = context
            .and_then(|c| c.stage.as_deref())
            .filter(|s| *s != "$default" && domain.contains(".execute-api."));
        return match stage {
            Some(stage) => format!("https://{domain}/{stage}"),
            None => format!("https://{domain}"),
        };
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let host = header("host").unwrap_or("localhost");
    let proto = header("x-forwarded-proto").unwrap_or("https");
    format!("{proto}://{host}")
}

fn gateway_route_key(req: &Request) -> Option<&str> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.route_key.as_deref(),
        _ => None,
    }
}

/// A request as API Gateway hands it over once it has routed it: the route key in the request
/// context, the path parameters decoded. For tests and tools that build requests by hand.
pub fn routed(req: Request, route_key: &str, params: &[(&str, &str)]) -> Request {
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route_key.to_string());
    context.http.method = req.method().clone();
    let params: std::collections::HashMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    req.with_request_context(RequestContext::ApiGatewayV2(context))
        .with_path_parameters(params)
}

/// The route keys `template.yaml` declares for one function (by its logical id), in order: what
/// each function's test compares its [`Routes`] with. Reads the template's one-line
/// `Properties: {ApiId: …, Path: …, Method: …}` form of an `HttpApi` event.
pub fn template_routes(template: &str, logical_id: &str) -> Vec<String> {
    let header = format!("  {logical_id}:");
    let mut routes = Vec::new();
    let body = template
        .lines()
        .skip_while(|l| l.trim_end() != header)
        .skip(1);
    for line in body {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if indent <= 2 && !text.is_empty() && !text.starts_with('#') {
            break;
        }
        let Some(props) = text.strip_prefix("Properties: {") else {
            continue;
        };
        let value = |name: &str| {
            let rest = &props[props.find(&format!("{name}: "))? + name.len() + 2..];
            Some(match rest.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next()?.to_string(),
                None => rest.split([',', '}']).next()?.trim().to_string(),
            })
        };
        if let Some(path) = value("Path") {
            let method = value("Method").unwrap_or_else(|| "ANY".into());
            routes.push(format!("{} {path}", method.to_ascii_uppercase()));
        }
    }
    routes
}

/// The query parameters, decoded as lambda_http decodes API Gateway's `rawQueryString` (`+` is
/// a space); read from the URI when the request was built by hand.
pub fn query(req: &Request) -> QueryMap {
    match req.query_string_parameters_ref() {
        Some(params) => params.clone(),
        None => req.uri().query().unwrap_or("").parse().unwrap_or_default(),
    }
}

/// [`query`], refusing (400) a value that is not percent-encoded UTF-8 rather than reading it
/// with replacement characters.
pub fn strict_query(req: &Request) -> Result<QueryMap, Problem> {
    let raw = req.uri().query().unwrap_or("");
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(value, true).is_none() {
            let name = percent_decode(name, true).unwrap_or_default();
            return Err(Problem::bad_request(format!(
                "query parameter {name} is not percent-encoded UTF-8"
            )));
        }
    }
    Ok(query(req))
}

/// `%XX` escapes decoded to UTF-8; with `plus_is_space` a `+` is a space too (query strings,
/// S3 event keys). `None` when a `%` does not start an escape or the bytes are not UTF-8.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let hex_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_hexdigit);
    let well_formed = bytes
        .iter()
        .enumerate()
        .all(|(i, b)| *b != b'%' || (hex_at(i + 1) && hex_at(i + 2)));
    if !well_formed {
        return None;
    }
    let spaced;
    let text = if plus_is_space {
        spaced = s.replace('+', " ");
        spaced.as_str()
    } else {
        s
    };
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// The merchant behind the request's `Authorization: Bearer …` API key, and the key.
pub async fn merchant(
    req: &Request,
    keys: &dyn ApiKeyStore,
    tenants: &dyn TenantStore,
) -> Result<(ApiKeyRecord, Tenant), Problem> {
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    Ok(authenticate_merchant(keys, tenants, authorization).await?)
}

/// A value as JSON for a response body; failing to serialise it is our fault (500).
pub fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, Problem> {
    serde_json::to_value(value).map_err(|_| Problem::internal())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: Routes = Routes(&[
        "POST /v1/payment-codes",
        "GET /v1/payment-codes/{order_id}",
        "GET /v1/payment-codes/special",
        "POST /v1/exceptions/{exception_id}/acknowledge",
        "POST /v1/exceptions/{exception_id}/resolve",
    ]);

    fn request(method: &str, uri: &str) -> Request {
        lambda_http::http::Request::builder()
            .method(method)
            .uri(uri)
            .body(lambda_http::Body::Empty)
            .unwrap()
    }

    fn arrived_on(domain: &str, stage: &str) -> Request {
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.domain_name = Some(domain.to_string());
        context.stage = Some(stage.to_string());
        request("GET", "/v1/payment-codes/o-1")
            .with_request_context(RequestContext::ApiGatewayV2(context))
    }

    #[test]
    fn links_keep_the_stage_on_the_execute_api_domain_only() {
        let api = "abc123.execute-api.us-east-1.amazonaws.com";
        assert_eq!(
            public_base(None, &arrived_on(api, "prod")),
            format!("https://{api}/prod")
        );
        assert_eq!(
            public_base(None, &arrived_on(api, "$default")),
            format!("https://{api}")
        );
        // A custom domain's mapping hides the stage.
        assert_eq!(
            public_base(None, &arrived_on("pagos.tienda.pe", "prod")),
            "https://pagos.tienda.pe"
        );
        // The configured base wins; blank counts as unset.
        assert_eq!(
            public_base(Some("https://pay.cuadre.pe/"), &arrived_on(api, "prod")),
            "https://pay.cuadre.pe"
        );
        assert_eq!(
            public_base(Some(" "), &arrived_on(api, "prod")),
            format!("https://{api}/prod")
        );
    }

    #[test]
    fn without_a_gateway_context_links_follow_the_host_header() {
        let mut req = request("GET", "/pay/t");
        req.headers_mut()
            .insert("host", "127.0.0.1:8080".parse().unwrap());
        req.headers_mut()
            .insert("x-forwarded-proto", "http".parse().unwrap());
        assert_eq!(public_base(None, &req), "http://127.0.0.1:8080");
    }

    #[test]
    fn api_gateways_route_and_parameters_are_taken_as_given() {
        // No URI at all: only what API Gateway says.
        let req = routed(
            Request::default(),
            "POST /v1/exceptions/{exception_id}/resolve",
            &[("exception_id", "ex/1 %")],
        );
        let route = ROUTES.find(&req).unwrap();
        assert_eq!(route.key, "POST /v1/exceptions/{exception_id}/resolve");
        assert_eq!(route.param("exception_id"), Some("ex/1 %"));
        assert_eq!(route.param("order_id"), None);
    }

    #[test]
    fn a_hand_built_request_is_matched_like_api_gateway_would() {
        let route = ROUTES
            .find(&request(
                "GET",
                "https://api.test/prod/v1/payment-codes/A%2F1/",
            ))
            .unwrap();
        assert_eq!(route.key, "GET /v1/payment-codes/{order_id}");
        assert_eq!(route.param("order_id"), Some("A/1"));
        let special = ROUTES
            .find(&request("GET", "https://api.test/v1/payment-codes/special"))
            .unwrap();
        assert_eq!(
            special.key, "GET /v1/payment-codes/special",
            "literals first"
        );
        let create = ROUTES
            .find(&request("POST", "https://api.test/v1/payment-codes/"))
            .unwrap();
        assert_eq!(create.key, "POST /v1/payment-codes");
        let ack = ROUTES
            .find(&request("POST", "/v1/exceptions/e1/acknowledge"))
            .unwrap();
        assert_eq!(ack.key, "POST /v1/exceptions/{exception_id}/acknowledge");
        assert_eq!(ack.param("exception_id"), Some("e1"));
        // A parameter that does not decode is left out: the handler's "not found".
        let bad = ROUTES
            .find(&request("GET", "/v1/payment-codes/%zz"))
            .unwrap();
        assert_eq!(bad.param("order_id"), None);
    }

    #[test]
    fn another_method_is_405_and_another_path_404() {
        let p = ROUTES
            .find(&request("DELETE", "/v1/payment-codes"))
            .unwrap_err();
        assert_eq!(p.status, 405);
        let p = ROUTES.find(&request("GET", "/v1/nowhere")).unwrap_err();
        assert_eq!(p.status, 404);
        assert_eq!(p.detail, "no route for /v1/nowhere");
        let p = ROUTES
            .find(&request("GET", "/v1/payment-codes//x"))
            .unwrap_err();
        assert_eq!(p.status, 404);
        // A route key API Gateway sent that is not ours falls back to the path.
        let req = routed(request("GET", "/v1/payment-codes/B-2"), "$default", &[]);
        assert_eq!(ROUTES.find(&req).unwrap().param("order_id"), Some("B-2"));
    }

    #[test]
    fn reads_a_functions_routes_from_the_template() {
        let template = r#"
Resources:
  OneFunction:
    Properties:
      Events:
        Create:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /v1/things, Method: post}
        # a comment
        Read:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: "/v1/things/{thing_id}", Method: GET}

  OtherFunction:
    Properties:
      Events:
        Other:
          Properties: {ApiId: !Ref Api, Path: /v1/other, Method: GET}
"#;
        assert_eq!(
            template_routes(template, "OneFunction"),
            ["POST /v1/things", "GET /v1/things/{thing_id}"]
        );
        assert_eq!(
            template_routes(template, "OtherFunction"),
            ["GET /v1/other"]
        );
        assert!(template_routes(template, "Missing").is_empty());
    }

    #[test]
    fn decodes_path_and_query_escapes() {
        assert_eq!(percent_decode("A%2F1", false).as_deref(), Some("A/1"));
        assert_eq!(percent_decode("a+b%20c", true).as_deref(), Some("a b c"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%2B", true).as_deref(), Some("+"));
        assert_eq!(percent_decode("%C3%B1", false).as_deref(), Some("ñ"));
        assert!(percent_decode("%zz", false).is_none());
        assert!(percent_decode("50%", false).is_none());
        assert!(percent_decode("%ff", false).is_none(), "not UTF-8");
    }

    #[test]
    fn query_parameters_come_from_the_request_or_its_uri() {
        let q = query(&request(
            "GET",
            "/v1/exceptions?status=OPEN&x=1&x=2&n=a+b%21",
        ));
        assert_eq!(q.first("status"), Some("OPEN"));
        assert_eq!(q.all("x"), Some(vec!["1", "2"]));
        assert_eq!(q.first("n"), Some("a b!"));
        let given = Request::default().with_query_string_parameters(
            std::collections::HashMap::from([("lang".to_string(), "en".to_string())]),
        );
        assert_eq!(query(&given).first("lang"), Some("en"));
        let p = strict_query(&request("GET", "/v1/exceptions?kind=%ff")).unwrap_err();
        assert_eq!(p.status, 400);
        assert!(p.detail.contains("kind"), "{}", p.detail);
        assert!(strict_query(&request("GET", "/v1/exceptions?%ff=1")).is_ok());
    }
}
