//! The OpenAPI description of cuadre's HTTP API (`openapi.yaml` at the repository root), compiled
//! in and served by the platform before route matching: `GET /openapi.yaml` as written, and
//! `GET /openapi.json`, the same document as JSON (what most tools, `schemathesis` among them,
//! read).
//!
//! The tests hold the document to the template: the set of (method, path) it describes is the set
//! of `HttpApi` routes `template.yaml` declares, so a route added to one and not the other fails
//! `cargo test`.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Response};

use cuadre_lambda::problem::Problem;

/// `openapi.yaml`, as written.
pub const YAML: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.yaml"));

pub const YAML_PATH: &str = "/openapi.yaml";
pub const JSON_PATH: &str = "/openapi.json";

/// The document as JSON (converted once).
pub fn json() -> Result<&'static str, &'static str> {
    static JSON: OnceLock<Result<String, String>> = OnceLock::new();
    JSON.get_or_init(|| {
        serde_yaml::from_str::<serde_json::Value>(YAML)
            .map_err(|e| e.to_string())
            .and_then(|doc| serde_json::to_string_pretty(&doc).map_err(|e| e.to_string()))
    })
    .as_ref()
    .map(String::as_str)
    .map_err(String::as_str)
}

/// The response for a request of the document, or `None` when the request is for something else.
pub fn serve(method: &Method, path: &str) -> Option<Response<Body>> {
    if method != Method::GET {
        return None;
    }
    let (body, content_type) = match path {
        YAML_PATH => (YAML, "application/yaml"),
        JSON_PATH => match json() {
            Ok(json) => (json, "application/json"),
            Err(e) => {
                tracing::error!(error = e, "openapi.yaml does not convert to JSON");
                return Some(Problem::internal().into_response());
            }
        },
        _ => return None,
    };
    let mut response = Response::new(Body::Text(body.to_string()));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Some(response)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;
    use crate::template::Template;

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    fn doc() -> Value {
        serde_json::from_str(json().expect("openapi.yaml converts to JSON")).unwrap()
    }

    /// (METHOD, path) of every operation the document describes.
    fn operations(doc: &Value) -> BTreeSet<(String, String)> {
        let paths = doc["paths"].as_object().expect("the document has paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                METHODS
                    .iter()
                    .filter(|m| item.get(**m).is_some())
                    .map(move |m| (m.to_ascii_uppercase(), path.clone()))
            })
            .collect()
    }

    #[test]
    fn the_document_describes_exactly_the_templates_http_routes() {
        let template = Template::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml"),
        )
        .expect("template.yaml loads");
        let mut routes = BTreeSet::new();
        for function in &template.functions {
            for route in &function.http {
                let (Some(method), Some(path)) = (&route.method, &route.path) else {
                    panic!(
                        "{} {}: an ANY or $default route cannot be described operation by \
                         operation; describe it in openapi.yaml and teach this test",
                        function.logical_id,
                        route.route_key()
                    );
                };
                routes.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
        assert!(
            !routes.is_empty(),
            "template.yaml declares no HttpApi route"
        );
        let described = operations(&doc());
        let undescribed: Vec<_> = routes.difference(&described).collect();
        let unrouted: Vec<_> = described.difference(&routes).collect();
        assert!(
            undescribed.is_empty() && unrouted.is_empty(),
            "openapi.yaml and template.yaml disagree:\n  routes openapi.yaml does not describe: \
             {undescribed:?}\n  operations template.yaml has no route for: {unrouted:?}"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1_and_every_operation_is_complete() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut ids = BTreeSet::new();
        for (method, path) in operations(&doc) {
            let op = &doc["paths"][&path][method.to_ascii_lowercase()];
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
            let responses = op["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} has no responses"));
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} has no success response"
            );
            assert!(
                op.get("security").is_some(),
                "{method} {path} says nothing of security (use `security: []` for none)"
            );
            // Every {param} of the path is declared, on the path item or the operation.
            let declared: BTreeSet<String> =
                [&doc["paths"][&path]["parameters"], &op["parameters"]]
                    .into_iter()
                    .filter_map(Value::as_array)
                    .flatten()
                    .map(|p| resolve(&doc, p))
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect();
            let in_path: BTreeSet<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(str::to_string)
                .collect();
            assert_eq!(declared, in_path, "{method} {path}: path parameters");
        }
    }

    fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(pointer) => doc
                .pointer(pointer.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("$ref {pointer} points nowhere")),
            None => value,
        }
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(doc: &Value, value: &Value, broken: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        let found = r
                            .strip_prefix('#')
                            .is_some_and(|p| doc.pointer(p).is_some());
                        if !found {
                            broken.push(r.clone());
                        }
                    }
                    map.values().for_each(|v| walk(doc, v, broken));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(doc, v, broken)),
                _ => {}
            }
        }
        let doc = doc();
        let mut broken = Vec::new();
        walk(&doc, &doc, &mut broken);
        assert!(
            broken.is_empty(),
            "references that resolve to nothing: {broken:?}"
        );
    }

    #[test]
    fn both_forms_are_served_and_nothing_else() {
        let yaml = serve(&Method::GET, "/openapi.yaml").unwrap();
        assert_eq!(yaml.status(), StatusCode::OK);
        assert_eq!(yaml.headers()[header::CONTENT_TYPE], "application/yaml");
        assert_eq!(yaml.body().as_ref(), YAML.as_bytes());
        let json = serve(&Method::GET, "/openapi.json").unwrap();
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        let parsed: Value = serde_json::from_slice(json.body().as_ref()).unwrap();
        let from_yaml: Value = serde_yaml::from_str(YAML).unwrap();
        assert_eq!(parsed, from_yaml);
        assert!(serve(&Method::POST, "/openapi.json").is_none());
        assert!(serve(&Method::GET, "/openapi").is_none());
        assert!(serve(&Method::GET, "/v1/openapi.json").is_none());
    }
}
