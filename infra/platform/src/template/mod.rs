//! What the platform reads from `template.yaml`: every `AWS::Serverless::Function` with its
//! binary name (`Metadata.BuildProperties.Binary`), timeout, environment, and its `HttpApi`,
//! `SQS` and `Schedule` events.
//!
//! CloudFormation short tags (`!Ref`, `!GetAtt`, `!Sub`, ...) are turned into their long JSON
//! forms (`{"Ref": ..}`, `{"Fn::GetAtt": [..]}`), as `infra/local_aws.py` does, so the same file
//! SAM deploys is the one the platform runs.
//!
//! The names the emulator gives the template's resources are in `names`.

mod names;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

pub use names::{kebab, local_name};

/// The emulator's account and region (`infra/local_aws.py` uses the same).
pub const ACCOUNT_ID: &str = "123456789012";
pub const REGION: &str = "us-east-1";
/// SAM's default function timeout when neither the function nor `Globals` sets one.
const SAM_DEFAULT_TIMEOUT_SECS: u64 = 3;
/// Lambda's default SQS batch size.
const DEFAULT_BATCH_SIZE: u32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("template is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("template has no Resources mapping")]
    NoResources,
    #[error("{function}: event {event}: {reason}")]
    Event {
        function: String,
        event: String,
        reason: String,
    },
    #[error("functions {first} and {second} both declare the binary {binary:?}")]
    DuplicateBinary {
        binary: String,
        first: String,
        second: String,
    },
}

/// The parts of the template the platform acts on.
#[derive(Debug, Clone)]
pub struct Template {
    pub functions: Vec<FunctionSpec>,
    /// Parameter defaults (`!Ref Param` resolves to them locally).
    pub parameters: BTreeMap<String, String>,
    /// `Globals.Function.Environment.Variables`, unresolved (long form).
    pub globals_env: BTreeMap<String, Value>,
    /// Every resource, long form.
    pub resources: Map<String, Value>,
}

/// One `AWS::Serverless::Function`.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub logical_id: String,
    /// The registry key: `Metadata.BuildProperties.Binary` (= crate = folder name).
    pub binary: String,
    pub timeout: Duration,
    /// The function's own `Environment.Variables`, unresolved (long form).
    pub environment: BTreeMap<String, Value>,
    pub http: Vec<HttpRoute>,
    pub queues: Vec<QueueSource>,
    pub schedules: Vec<ScheduleSource>,
}

/// One `HttpApi` event: `Method` + `Path` (`None` for `ANY` / the `$default` route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    pub event: String,
    pub method: Option<String>,
    /// `None` is the `$default` route (an `HttpApi` event without `Path`).
    pub path: Option<String>,
}

impl HttpRoute {
    /// The route key API Gateway puts in the event (`POST /v1/payment-codes`, `$default`).
    pub fn route_key(&self) -> String {
        match &self.path {
            None => "$default".to_string(),
            Some(path) => format!("{} {path}", self.method.as_deref().unwrap_or("ANY")),
        }
    }
}

/// One `SQS` event source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSource {
    pub event: String,
    /// The queue's logical id (from `!GetAtt X.Arn` / `!Ref X`), when the template names one.
    pub queue_logical_id: Option<String>,
    /// A literal ARN, when the template gives one.
    pub queue_arn: Option<String>,
    pub batch_size: u32,
    pub batching_window: Duration,
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`; without it Lambda ignores the response.
    pub report_failures: bool,
    pub enabled: bool,
}

/// One `Schedule` / `ScheduleV2` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSource {
    pub event: String,
    /// Resolved expression, e.g. `rate(15 minutes)` or `cron(0 5 * * ? *)`.
    pub expression: String,
    /// `Input`: the JSON that replaces the scheduled event when set.
    pub input: Option<String>,
    pub enabled: bool,
}

impl ScheduleSource {
    /// The interval of a `rate(...)` expression; `None` for `cron(...)` (not emulated).
    pub fn interval(&self) -> Option<Duration> {
        parse_rate(&self.expression)
    }
}

impl Template {
    pub fn load(path: &Path) -> Result<Template, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Template::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let yaml: serde_yaml::Value = serde_yaml::from_str(text)?;
        let doc = long_form(yaml);
        let resources = doc
            .get("Resources")
            .and_then(Value::as_object)
            .cloned()
            .ok_or(TemplateError::NoResources)?;
        let parameters = doc
            .get("Parameters")
            .and_then(Value::as_object)
            .map(|params| {
                params
                    .iter()
                    .filter_map(|(name, spec)| Some((name.clone(), scalar(spec.get("Default")?)?)))
                    .collect()
            })
            .unwrap_or_default();
        let globals = doc
            .pointer("/Globals/Function")
            .cloned()
            .unwrap_or_default();
        let globals_env = env_map(globals.pointer("/Environment/Variables"));
        let global_timeout = globals.get("Timeout").and_then(as_u64);

        let mut template = Template {
            functions: Vec::new(),
            parameters,
            globals_env,
            resources: resources.clone(),
        };
        for (logical_id, resource) in &resources {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            let spec = template.function_spec(logical_id, resource, global_timeout)?;
            if let Some(other) = template.functions.iter().find(|f| f.binary == spec.binary) {
                return Err(TemplateError::DuplicateBinary {
                    binary: spec.binary,
                    first: other.logical_id.clone(),
                    second: logical_id.clone(),
                });
            }
            template.functions.push(spec);
        }
        Ok(template)
    }

    pub fn function(&self, binary: &str) -> Option<&FunctionSpec> {
        self.functions.iter().find(|f| f.binary == binary)
    }

    fn function_spec_event_error(
        function: &str,
        event: &str,
        reason: impl Into<String>,
    ) -> TemplateError {
        TemplateError::Event {
            function: function.to_string(),
            event: event.to_string(),
            reason: reason.into(),
        }
    }

    fn function_spec(
        &self,
        logical_id: &str,
        resource: &Value,
        global_timeout: Option<u64>,
    ) -> Result<FunctionSpec, TemplateError> {
        let props = resource.get("Properties").cloned().unwrap_or_default();
        let binary = resource
            .pointer("/Metadata/BuildProperties/Binary")
            .and_then(|v| self.resolve(v))
            .unwrap_or_else(|| {
                // Not the project's convention, but SAM allows it: derive it from the logical id.
                let base = logical_id.strip_suffix("Function").unwrap_or(logical_id);
                kebab(base)
            });
        let timeout = props
            .get("Timeout")
            .and_then(as_u64)
            .or(global_timeout)
            .unwrap_or(SAM_DEFAULT_TIMEOUT_SECS);
        let mut spec = FunctionSpec {
            logical_id: logical_id.to_string(),
            binary,
            timeout: Duration::from_secs(timeout),
            environment: env_map(props.pointer("/Environment/Variables")),
            http: Vec::new(),
            queues: Vec::new(),
            schedules: Vec::new(),
        };
        let events = props
            .get("Events")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, event) in &events {
            let kind = event
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let p = event.get("Properties").cloned().unwrap_or_default();
            match kind {
                "HttpApi" => {
                    let method = p
                        .get("Method")
                        .and_then(|v| self.resolve(v))
                        .map(|m| m.to_ascii_uppercase())
                        .filter(|m| m != "ANY" && m != "*");
                    let path = p.get("Path").and_then(|v| self.resolve(v));
                    if let Some(path) = &path {
                        if !path.starts_with('/') {
                            return Err(Self::function_spec_event_error(
                                logical_id,
                                name,
                                format!("Path {path:?} must start with /"),
                            ));
                        }
                    }
                    spec.http.push(HttpRoute {
                        event: name.clone(),
                        method,
                        path,
                    });
                }
                "SQS" => {
                    let queue = p.get("Queue").cloned().unwrap_or_default();
                    let (queue_logical_id, queue_arn) = match (&queue, scalar(&queue)) {
                        (_, Some(arn)) => (None, Some(arn)),
                        (Value::Object(o), None) => {
                            let id = o
                                .get("Fn::GetAtt")
                                .and_then(|v| v.get(0))
                                .or_else(|| o.get("Ref"))
                                .and_then(Value::as_str)
                                .map(str::to_string);
                            (id, None)
                        }
                        _ => (None, None),
                    };
                    if queue_logical_id.is_none() && queue_arn.is_none() {
                        return Err(Self::function_spec_event_error(
                            logical_id,
                            name,
                            "Queue must be !GetAtt <Queue>.Arn or an ARN",
                        ));
                    }
                    let report_failures = p
                        .get("FunctionResponseTypes")
                        .and_then(Value::as_array)
                        .is_some_and(|types| {
                            types
                                .iter()
                                .any(|t| t.as_str() == Some("ReportBatchItemFailures"))
                        });
                    spec.queues.push(QueueSource {
                        event: name.clone(),
                        queue_logical_id,
                        queue_arn,
                        batch_size: p
                            .get("BatchSize")
                            .and_then(as_u64)
                            .map_or(DEFAULT_BATCH_SIZE, |n| n.clamp(1, 10_000) as u32),
                        batching_window: Duration::from_secs(
                            p.get("MaximumBatchingWindowInSeconds")
                                .and_then(as_u64)
                                .unwrap_or(0),
                        ),
                        report_failures,
                        enabled: p.get("Enabled").and_then(as_bool).unwrap_or(true),
                    });
                }
                "Schedule" | "ScheduleV2" => {
                    let key = if kind == "Schedule" {
                        "Schedule"
                    } else {
                        "ScheduleExpression"
                    };
                    let expression = p.get(key).and_then(|v| self.resolve(v)).ok_or_else(|| {
                        Self::function_spec_event_error(logical_id, name, format!("no {key}"))
                    })?;
                    let enabled = match p.get("State").and_then(|v| self.resolve(v)) {
                        Some(state) => state.eq_ignore_ascii_case("ENABLED"),
                        None => p.get("Enabled").and_then(as_bool).unwrap_or(true),
                    };
                    spec.schedules.push(ScheduleSource {
                        event: name.clone(),
                        expression,
                        input: p.get("Input").and_then(|v| self.resolve(v)),
                        enabled,
                    });
                }
                _ => {} // S3, Api, ... are not hosted (S3 reaches functions through SQS here).
            }
        }
        Ok(spec)
    }

    /// A scalar value with `!Ref Parameter` and simple `!Sub`s resolved; `None` when it names a
    /// resource attribute (see [`crate::FunctionEnv`] for those).
    pub fn resolve(&self, value: &Value) -> Option<String> {
        if let Some(s) = scalar(value) {
            return Some(s);
        }
        let object = value.as_object()?;
        if object.len() != 1 {
            return None;
        }
        if let Some(name) = object.get("Ref").and_then(Value::as_str) {
            return self.ref_scalar(name);
        }
        if let Some(sub) = object.get("Fn::Sub") {
            let text = sub
                .as_str()
                .or_else(|| sub.get(0).and_then(Value::as_str))?;
            return self.sub(text);
        }
        None
    }

    fn ref_scalar(&self, name: &str) -> Option<String> {
        match name {
            "AWS::Region" => Some(REGION.to_string()),
            "AWS::AccountId" => Some(ACCOUNT_ID.to_string()),
            "AWS::StackName" => Some("cuadre".to_string()),
            "AWS::Partition" => Some("aws".to_string()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_string()),
            _ => self.parameters.get(name).cloned(),
        }
    }

    fn sub(&self, text: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}')? + start;
            out.push_str(&self.ref_scalar(&rest[start + 2..end])?);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// The type of a resource (`AWS::SQS::Queue`, ...).
    pub fn resource_type(&self, logical_id: &str) -> Option<&str> {
        self.resources.get(logical_id)?.get("Type")?.as_str()
    }
}

/// serde_yaml keeps unknown tags as `Tagged`; CloudFormation's short forms become long forms.
fn long_form(value: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(long_form).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => serde_yaml::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    (key, long_form(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            let inner = long_form(tagged.value);
            let (key, inner) = match name.as_str() {
                "Ref" | "Condition" => (name, inner),
                "GetAtt" => match inner {
                    Value::String(s) => {
                        let (resource, attribute) = s.split_once('.').unwrap_or((&s, ""));
                        let parts = vec![
                            Value::String(resource.to_string()),
                            Value::String(attribute.to_string()),
                        ];
                        (format!("Fn::{name}"), Value::Array(parts))
                    }
                    other => (format!("Fn::{name}"), other),
                },
                _ => (format!("Fn::{name}"), inner),
            };
            let mut object = Map::new();
            object.insert(key, inner);
            Value::Object(object)
        }
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_u64(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

fn as_bool(value: &Value) -> Option<bool> {
    value
        .as_bool()
        .or_else(|| match value.as_str()?.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })
}

fn env_map(value: Option<&Value>) -> BTreeMap<String, Value> {
    value
        .and_then(Value::as_object)
        .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// `rate(5 minutes)`, `rate(1 hour)`, `rate(2 days)`; `None` for anything else.
pub fn parse_rate(expression: &str) -> Option<Duration> {
    let inner = expression.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (count, unit) = inner.trim().split_once(char::is_whitespace)?;
    let count: u64 = count.parse().ok().filter(|n| *n > 0)?;
    let seconds = match unit.trim() {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(count * seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  ReconcileSchedule:
    Type: String
    Default: rate(15 minutes)
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        TABLE_NAME: !Ref CuadreTable
Resources:
  CuadreTable:
    Type: AWS::DynamoDB::Table
  IssueCodeFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties: {Binary: issue-code}
    Properties:
      CodeUri: .
      Environment:
        Variables:
          ISSUE_LEASE_SECS: 30
          QUEUE: !Ref PaymentEventsQueue
      Events:
        Create:
          Type: HttpApi
          Properties: {ApiId: !Ref CuadreApi, Path: /v1/payment-codes, Method: POST}
        Read:
          Type: HttpApi
          Properties: {ApiId: !Ref CuadreApi, Path: "/v1/payment-codes/{order_id}", Method: any}
  VoucherOcrFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties:
        Binary: voucher-ocr
    Properties:
      Timeout: 60
      Events:
        Uploads:
          Type: SQS
          Properties:
            Queue: !GetAtt VoucherUploadsQueue.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
  ReconcileDispatchFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: !Ref ReconcileSchedule
            Input: '{"window": "last"}'
"#;

    #[test]
    fn reads_functions_and_their_events() {
        let t = Template::parse(TEMPLATE).unwrap();
        assert_eq!(t.functions.len(), 3);
        let issue = t.function("issue-code").unwrap();
        assert_eq!(issue.logical_id, "IssueCodeFunction");
        assert_eq!(issue.timeout, Duration::from_secs(10));
        assert_eq!(
            issue.http,
            vec![
                HttpRoute {
                    event: "Create".into(),
                    method: Some("POST".into()),
                    path: Some("/v1/payment-codes".into())
                },
                HttpRoute {
                    event: "Read".into(),
                    method: None,
                    path: Some("/v1/payment-codes/{order_id}".into())
                },
            ]
        );
        assert_eq!(
            issue.http[1].route_key(),
            "ANY /v1/payment-codes/{order_id}"
        );
        assert_eq!(issue.environment["ISSUE_LEASE_SECS"], serde_json::json!(30));
        assert_eq!(
            issue.environment["QUEUE"],
            serde_json::json!({"Ref": "PaymentEventsQueue"})
        );
        assert_eq!(
            t.globals_env["TABLE_NAME"],
            serde_json::json!({"Ref": "CuadreTable"})
        );

        let ocr = t.function("voucher-ocr").unwrap();
        assert_eq!(ocr.timeout, Duration::from_secs(60));
        assert_eq!(
            ocr.queues,
            vec![QueueSource {
                event: "Uploads".into(),
                queue_logical_id: Some("VoucherUploadsQueue".into()),
                queue_arn: None,
                batch_size: 5,
                batching_window: Duration::ZERO,
                report_failures: true,
                enabled: true,
            }]
        );

        // No Binary: derived from the logical id.
        let dispatch = t.function("reconcile-dispatch").unwrap();
        assert_eq!(dispatch.schedules[0].expression, "rate(15 minutes)");
        assert_eq!(
            dispatch.schedules[0].interval(),
            Some(Duration::from_secs(900))
        );
        assert_eq!(
            dispatch.schedules[0].input.as_deref(),
            Some(r#"{"window": "last"}"#)
        );
    }

    #[test]
    fn the_project_template_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let t = Template::load(&path).unwrap();
        assert!(t.resources.contains_key("CuadreTable"));
        assert_eq!(t.parameters["ReconcileSchedule"], "rate(15 minutes)");
        for f in &t.functions {
            assert!(!f.binary.is_empty(), "{}", f.logical_id);
        }
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("rate(1 minute)"), Some(Duration::from_secs(60)));
        assert_eq!(parse_rate("rate(2 hours)"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_rate("rate(0 minutes)"), None);
        assert_eq!(parse_rate("cron(0 5 * * ? *)"), None);
    }
}
