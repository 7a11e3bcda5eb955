//! Each function's environment from the SAM-transformed template (`infra/template-check` writes it
//! to `.local/template.json`): its `Environment.Variables` with Globals already merged by the
//! transform, intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::Join`, `Fn::Select`,
//! `Fn::Split`, `Fn::FindInMap`) resolved to plausible fake values: a stack named `cuadre` in
//! `us-east-1`, account 123456789012, names and ARNs shaped like CloudFormation's. Parameters take
//! their `Default` unless overridden. Then what Lambda itself sets for a function so configured.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";
pub const STACK: &str = "cuadre";
/// The id of an `AWS::ApiGatewayV2::Api` (10 lowercase letters and digits, like API Gateway's).
const API_ID: &str = "a1b2c3d4e5";
/// The random tail CloudFormation gives a generated physical name.
const SUFFIX: &str = "1ABCDEF2GH3IJ";

/// One `AWS::Lambda::Function` of the template, as the cold-start meter starts it.
#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary` (rust-cargolambda), else the logical id.
    pub binary: String,
    /// `Architectures[0]`: `arm64` or `x86_64` (Lambda's default).
    pub architecture: String,
    /// The whole process environment: the template's variables, then Lambda's own.
    pub env: BTreeMap<String, String>,
}

pub struct Stack<'a> {
    template: &'a Value,
    parameters: HashMap<String, String>,
}

type Resolved = Result<Option<Value>, String>;

impl<'a> Stack<'a> {
    /// `overrides`: parameter values instead of the template's `Default`s.
    pub fn new(template: &'a Value, overrides: &[(String, String)]) -> Result<Self, String> {
        let mut parameters = HashMap::new();
        if let Some(params) = template.get("Parameters").and_then(Value::as_object) {
            for (name, p) in params {
                if let Some(default) = p.get("Default") {
                    parameters.insert(name.clone(), scalar(default)?);
                }
            }
        }
        for (name, value) in overrides {
            if template.pointer(&format!("/Parameters/{name}")).is_none() {
                return Err(format!(
                    "--parameter {name}: the template has no such parameter"
                ));
            }
            parameters.insert(name.clone(), value.clone());
        }
        Ok(Self {
            template,
            parameters,
        })
    }

    fn resource(&self, id: &str) -> Option<&'a Value> {
        self.template.get("Resources")?.get(id)
    }

    fn resource_type(&self, id: &str) -> &'a str {
        self.resource(id)
            .and_then(|r| r.get("Type"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Every `AWS::Lambda::Function`, in template order, with the environment it would get.
    pub fn functions(&self) -> Result<Vec<Function>, String> {
        let resources = self
            .template
            .get("Resources")
            .and_then(Value::as_object)
            .ok_or("the template has no Resources")?;
        let mut out = Vec::new();
        for (id, r) in resources {
            if r.get("Type").and_then(Value::as_str) != Some("AWS::Lambda::Function") {
                continue;
            }
            out.push(self.function(id, r)?);
        }
        Ok(out)
    }

    fn function(&self, id: &str, r: &Value) -> Result<Function, String> {
        let props = r.get("Properties").cloned().unwrap_or(Value::Null);
        let binary = r
            .pointer("/Metadata/BuildProperties/Binary")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string();
        let architecture = props
            .pointer("/Architectures/0")
            .and_then(Value::as_str)
            .unwrap_or("x86_64")
            .to_string();
        let mut env = BTreeMap::new();
        if let Some(vars) = props
            .pointer("/Environment/Variables")
            .and_then(Value::as_object)
        {
            for (name, value) in vars {
                let resolved = self
                    .resolve(value)
                    .map_err(|e| format!("{id} environment {name}: {e}"))?;
                if let Some(v) = resolved {
                    let v = scalar(&v).map_err(|e| format!("{id} environment {name}: {e}"))?;
                    env.insert(name.clone(), v);
                }
            }
        }
        let mine = |key: &str| -> Result<Option<String>, String> {
            match props.get(key) {
                None => Ok(None),
                Some(v) => match self.resolve(v).map_err(|e| format!("{id} {key}: {e}"))? {
                    None => Ok(None),
                    Some(v) => Ok(Some(scalar(&v)?)),
                },
            }
        };
        let name = self.physical_name(id)?;
        let memory = mine("MemorySize")?.unwrap_or_else(|| "128".into());
        let handler = mine("Handler")?.unwrap_or_default();
        let log_format = props
            .pointer("/LoggingConfig/LogFormat")
            .map(|v| self.resolve(v))
            .transpose()?
            .flatten();
        let app_level = props
            .pointer("/LoggingConfig/ApplicationLogLevel")
            .map(|v| self.resolve(v))
            .transpose()?
            .flatten();
        let log_group = props
            .pointer("/LoggingConfig/LogGroup")
            .map(|v| self.resolve(v))
            .transpose()?
            .flatten()
            .map(|v| scalar(&v))
            .transpose()?
            .unwrap_or_else(|| format!("/aws/lambda/{name}"));

        // What Lambda sets for every function (provided.* runtimes: no AWS_EXECUTION_ENV).
        // A user variable may not use these reserved names, so Lambda's win.
        let lambda: [(&str, String); 17] = [
            ("AWS_REGION", REGION.into()),
            ("AWS_DEFAULT_REGION", REGION.into()),
            ("AWS_ACCESS_KEY_ID", "ASIAFAKEACCESSKEYID0".into()),
            (
                "AWS_SECRET_ACCESS_KEY",
                "fakeSecretAccessKeyForColdStartChecks000".into(),
            ),
            (
                "AWS_SESSION_TOKEN",
                "FakeSessionTokenForColdStartChecks".into(),
            ),
            ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", log_group),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef".into(),
            ),
            ("_HANDLER", handler),
            ("LAMBDA_TASK_ROOT", "/var/task".into()),
            ("LAMBDA_RUNTIME_DIR", "/var/runtime".into()),
            ("LANG", "en_US.UTF-8".into()),
            ("TZ", ":UTC".into()),
            ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin".into()),
        ];
        env.extend(lambda.into_iter().map(|(k, v)| (k.to_string(), v)));
        env.insert(
            "LD_LIBRARY_PATH".into(),
            "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
                .into(),
        );
        // advanced logging controls: Lambda tells the runtime the format and the level
        if let Some(format) = log_format {
            let format = scalar(&format)?;
            if format == "JSON" {
                let level = app_level.map(|v| scalar(&v)).transpose()?;
                env.insert(
                    "AWS_LAMBDA_LOG_LEVEL".into(),
                    level.unwrap_or("INFO".into()),
                );
            }
            env.insert("AWS_LAMBDA_LOG_FORMAT".into(), format);
        }
        Ok(Function {
            logical_id: id.to_string(),
            binary,
            architecture,
            env,
        })
    }

    /// The resource's name: its name property when the template sets one, else generated.
    fn physical_name(&self, id: &str) -> Result<String, String> {
        let ty = self.resource_type(id);
        let prop = match ty {
            "AWS::S3::Bucket" => "BucketName",
            "AWS::DynamoDB::Table" => "TableName",
            "AWS::SQS::Queue" => "QueueName",
            "AWS::SNS::Topic" => "TopicName",
            "AWS::Lambda::Function" => "FunctionName",
            "AWS::IAM::Role" => "RoleName",
            "AWS::Logs::LogGroup" => "LogGroupName",
            _ => "",
        };
        if let Some(v) = self
            .resource(id)
            .and_then(|r| r.get("Properties"))
            .and_then(|p| p.get(prop))
        {
            if let Some(v) = self.resolve(v)? {
                return scalar(&v);
            }
        }
        let name = format!("{STACK}-{id}-{SUFFIX}");
        Ok(if ty == "AWS::S3::Bucket" {
            name.to_lowercase()
        } else {
            name
        })
    }

    fn arn(&self, id: &str) -> Result<String, String> {
        let name = self.physical_name(id)?;
        let ty = self.resource_type(id);
        Ok(match ty {
            "AWS::DynamoDB::Table" => format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"),
            "AWS::S3::Bucket" => format!("arn:aws:s3:::{name}"),
            "AWS::SQS::Queue" => format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"),
            "AWS::SNS::Topic" => format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}"),
            "AWS::Lambda::Function" => format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"),
            "AWS::IAM::Role" => format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
            "AWS::Logs::LogGroup" => format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*"),
            _ => {
                let service = ty.split("::").nth(1).unwrap_or("fake").to_lowercase();
                format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{id}")
            }
        })
    }

    fn reference(&self, name: &str) -> Resolved {
        let pseudo = match name {
            "AWS::NoValue" => return Ok(None),
            "AWS::Region" => Some(REGION.to_string()),
            "AWS::AccountId" => Some(ACCOUNT.to_string()),
            "AWS::StackName" => Some(STACK.to_string()),
            "AWS::StackId" => Some(format!(
                "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/00000000-0000-4000-8000-000000000000"
            )),
            "AWS::Partition" => Some("aws".to_string()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_string()),
            "AWS::NotificationARNs" => return Ok(Some(Value::Array(vec![]))),
            _ => None,
        };
        if let Some(v) = pseudo {
            return Ok(Some(Value::String(v)));
        }
        if let Some(p) = self.template.pointer(&format!("/Parameters/{name}")) {
            let value = self.parameters.get(name).ok_or_else(|| {
                format!("parameter {name} has no Default: pass --parameter {name}=VALUE")
            })?;
            let list = p
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.contains("List"));
            return Ok(Some(if list {
                Value::Array(
                    value
                        .split(',')
                        .map(|s| Value::String(s.trim().into()))
                        .collect(),
                )
            } else {
                Value::String(value.clone())
            }));
        }
        if self.resource(name).is_none() {
            return Err(format!("Ref to {name}, which is no parameter or resource"));
        }
        let ty = self.resource_type(name);
        let value = match ty {
            "AWS::SQS::Queue" => format!(
                "https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{}",
                self.physical_name(name)?
            ),
            "AWS::SNS::Topic" => self.arn(name)?,
            "AWS::ApiGatewayV2::Api" => API_ID.to_string(),
            "AWS::ApiGatewayV2::Stage" => self
                .resource(name)
                .and_then(|r| r.pointer("/Properties/StageName"))
                .map(|v| self.resolve(v))
                .transpose()?
                .flatten()
                .map(|v| scalar(&v))
                .transpose()?
                .unwrap_or_else(|| "$default".into()),
            _ => self.physical_name(name)?,
        };
        Ok(Some(Value::String(value)))
    }

    fn get_att(&self, id: &str, attr: &str) -> Resolved {
        if self.resource(id).is_none() {
            return Err(format!("Fn::GetAtt on {id}, which is no resource"));
        }
        let name = self.physical_name(id)?;
        let value = match (self.resource_type(id), attr) {
            (_, "Arn") => self.arn(id)?,
            ("AWS::SQS::Queue", "QueueName") => name,
            ("AWS::SQS::Queue", "QueueUrl") => {
                format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}")
            }
            ("AWS::SNS::Topic", "TopicArn") => self.arn(id)?,
            ("AWS::SNS::Topic", "TopicName") => name,
            ("AWS::DynamoDB::Table", "StreamArn") => {
                format!("{}/stream/2026-01-01T00:00:00.000", self.arn(id)?)
            }
            ("AWS::S3::Bucket", "DomainName") => format!("{name}.s3.amazonaws.com"),
            ("AWS::S3::Bucket", "RegionalDomainName") => {
                format!("{name}.s3.{REGION}.amazonaws.com")
            }
            ("AWS::ApiGatewayV2::Api", "ApiEndpoint") => {
                format!("https://{API_ID}.execute-api.{REGION}.amazonaws.com")
            }
            ("AWS::ApiGatewayV2::Api", "ApiId") => API_ID.to_string(),
            ("AWS::ApiGatewayV2::DomainName", "RegionalDomainName") => {
                format!("d-{API_ID}.execute-api.{REGION}.amazonaws.com")
            }
            (_, attr) => format!("{name}-{attr}"),
        };
        Ok(Some(Value::String(value)))
    }

    fn condition(&self, name: &str) -> Result<bool, String> {
        let c = self
            .template
            .pointer(&format!("/Conditions/{name}"))
            .ok_or_else(|| format!("no condition {name}"))?;
        self.truth(c)
    }

    fn truth(&self, c: &Value) -> Result<bool, String> {
        let (f, args) = single(c).ok_or_else(|| format!("not a condition: {c}"))?;
        let list = |n: usize| -> Result<&Vec<Value>, String> {
            args.as_array()
                .filter(|a| n == 0 || a.len() == n)
                .ok_or_else(|| format!("{f}: bad arguments {args}"))
        };
        match f {
            "Condition" => self.condition(args.as_str().ok_or("Condition: not a name")?),
            "Fn::Equals" => {
                let a = list(2)?;
                Ok(self.resolve(&a[0])? == self.resolve(&a[1])?)
            }
            "Fn::Not" => Ok(!self.truth(&list(1)?[0])?),
            "Fn::And" => list(0)?
                .iter()
                .try_fold(true, |acc, c| Ok(acc && self.truth(c)?)),
            "Fn::Or" => list(0)?
                .iter()
                .try_fold(false, |acc, c| Ok(acc || self.truth(c)?)),
            _ => Err(format!("unsupported condition function {f}")),
        }
    }

    fn string(&self, v: &Value) -> Result<String, String> {
        match self.resolve(v)? {
            Some(v) => scalar(&v),
            None => Err("AWS::NoValue where a string is needed".into()),
        }
    }

    /// The value CloudFormation would put there; `None` = `AWS::NoValue` (the key is dropped).
    pub fn resolve(&self, v: &Value) -> Resolved {
        match v {
            Value::Object(map) => {
                if let Some((f, args)) = single(v) {
                    if f == "Ref" || f == "Condition" || f.starts_with("Fn::") {
                        return self.intrinsic(f, args);
                    }
                }
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    if let Some(v) = self.resolve(v)? {
                        out.insert(k.clone(), v);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            Value::Array(items) => {
                let mut out = Vec::new();
                for v in items {
                    if let Some(v) = self.resolve(v)? {
                        out.push(v);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    fn intrinsic(&self, f: &str, args: &Value) -> Resolved {
        let bad = || format!("{f}: bad arguments {args}");
        match f {
            "Ref" => self.reference(args.as_str().ok_or_else(bad)?),
            "Fn::GetAtt" => {
                let (id, attr) = match args {
                    Value::String(s) => s.split_once('.').ok_or_else(bad)?,
                    Value::Array(a) if a.len() == 2 => (
                        a[0].as_str().ok_or_else(bad)?,
                        a[1].as_str().ok_or_else(bad)?,
                    ),
                    _ => return Err(bad()),
                };
                self.get_att(id, attr)
            }
            "Fn::If" => {
                let a = args.as_array().filter(|a| a.len() == 3).ok_or_else(bad)?;
                let branch = if self.condition(a[0].as_str().ok_or_else(bad)?)? {
                    &a[1]
                } else {
                    &a[2]
                };
                self.resolve(branch)
            }
            "Fn::Sub" => {
                let (text, vars) = match args {
                    Value::String(s) => (s.as_str(), None),
                    Value::Array(a) if a.len() == 2 => {
                        (a[0].as_str().ok_or_else(bad)?, a[1].as_object())
                    }
                    _ => return Err(bad()),
                };
                self.sub(text, vars).map(|s| Some(Value::String(s)))
            }
            "Fn::Join" => {
                let a = args.as_array().filter(|a| a.len() == 2).ok_or_else(bad)?;
                let sep = a[0].as_str().ok_or_else(bad)?;
                let items = self.resolve(&a[1])?.ok_or_else(bad)?;
                let parts = items
                    .as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(scalar)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some(Value::String(parts.join(sep))))
            }
            "Fn::Select" => {
                let a = args.as_array().filter(|a| a.len() == 2).ok_or_else(bad)?;
                let i: usize = self.string(&a[0])?.parse().map_err(|_| bad())?;
                let items = self.resolve(&a[1])?.ok_or_else(bad)?;
                let item = items.as_array().and_then(|l| l.get(i)).ok_or_else(bad)?;
                Ok(Some(item.clone()))
            }
            "Fn::Split" => {
                let a = args.as_array().filter(|a| a.len() == 2).ok_or_else(bad)?;
                let sep = a[0].as_str().ok_or_else(bad)?;
                let s = self.string(&a[1])?;
                Ok(Some(Value::Array(
                    s.split(sep).map(|p| Value::String(p.into())).collect(),
                )))
            }
            "Fn::FindInMap" => {
                let a = args.as_array().filter(|a| a.len() == 3).ok_or_else(bad)?;
                let keys = a
                    .iter()
                    .map(|k| self.string(k))
                    .collect::<Result<Vec<_>, _>>()?;
                let v = self
                    .template
                    .get("Mappings")
                    .and_then(|m| m.get(&keys[0]))
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]))
                    .ok_or_else(|| format!("Fn::FindInMap: no {}", keys.join("/")))?;
                Ok(Some(v.clone()))
            }
            "Condition" => Ok(Some(Value::Bool(
                self.condition(args.as_str().ok_or_else(bad)?)?,
            ))),
            _ => Err(format!("unsupported intrinsic {f}")),
        }
    }

    fn sub(
        &self,
        text: &str,
        vars: Option<&serde_json::Map<String, Value>>,
    ) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("Fn::Sub: unclosed ${{ in {text:?}"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.and_then(|m| m.get(name)) {
                out.push_str(&self.string(v)?);
            } else if let Some((id, attr)) =
                name.split_once('.').filter(|_| !name.starts_with("AWS::"))
            {
                let v = self.get_att(id, attr)?.ok_or("GetAtt gave no value")?;
                out.push_str(&scalar(&v)?);
            } else {
                let v = self
                    .reference(name)?
                    .ok_or_else(|| format!("Fn::Sub: ${{{name}}} is AWS::NoValue"))?;
                out.push_str(&scalar(&v)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `{"Fn::X": args}`: an object of exactly one key.
fn single(v: &Value) -> Option<(&str, &Value)> {
    let map = v.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.iter().next().map(|(k, v)| (k.as_str(), v))
}

/// An environment variable's value: CloudFormation turns numbers and booleans into strings.
fn scalar(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("not a string: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Value {
        json!({
            "Parameters": {
                "Stage": {"Type": "String", "Default": "prod"},
                "Domain": {"Type": "String", "Default": ""},
                "Level": {"Type": "String", "Default": "INFO"}
            },
            "Conditions": {
                "HasDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Domain"}, ""]}]}
            },
            "Resources": {
                "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
                "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {}},
                "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
                    "BucketName": {"Fn::Sub": "${AWS::StackName}-files-${AWS::AccountId}"}}},
                "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {}},
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Metadata": {"BuildProperties": {"Binary": "the-bin"}},
                    "Properties": {
                        "Handler": "bootstrap",
                        "MemorySize": 512,
                        "Architectures": ["arm64"],
                        "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": {"Ref": "Level"}},
                        "Environment": {"Variables": {
                            "TABLE": {"Ref": "Table"},
                            "QUEUE": {"Ref": "Jobs"},
                            "QUEUE_ARN": {"Fn::GetAtt": ["Jobs", "Arn"]},
                            "BUCKET": {"Ref": "Bucket"},
                            "PREFIX": {"Fn::Sub": "/app/${Stage}/${!literal}"},
                            "API": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"},
                            "PAGES": 5,
                            "DOMAIN": {"Fn::If": ["HasDomain", {"Fn::Sub": "https://${Domain}"}, {"Ref": "AWS::NoValue"}]},
                            "SECOND": {"Fn::Select": [1, {"Fn::Split": ["@", "a@b.c"]}]}
                        }}
                    }
                }
            }
        })
    }

    #[test]
    fn a_function_gets_its_variables_resolved_and_lambdas_own() {
        let t = template();
        let fns = Stack::new(&t, &[]).unwrap().functions().unwrap();
        assert_eq!(fns.len(), 1);
        let f = &fns[0];
        assert_eq!(
            (f.binary.as_str(), f.architecture.as_str()),
            ("the-bin", "arm64")
        );
        let env = &f.env;
        assert_eq!(env["TABLE"], "cuadre-Table-1ABCDEF2GH3IJ");
        assert_eq!(
            env["QUEUE"],
            "https://sqs.us-east-1.amazonaws.com/123456789012/cuadre-Jobs-1ABCDEF2GH3IJ"
        );
        assert_eq!(
            env["QUEUE_ARN"],
            "arn:aws:sqs:us-east-1:123456789012:cuadre-Jobs-1ABCDEF2GH3IJ"
        );
        assert_eq!(env["BUCKET"], "cuadre-files-123456789012");
        assert_eq!(env["PREFIX"], "/app/prod/${literal}");
        assert_eq!(
            env["API"],
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
        );
        assert_eq!(env["PAGES"], "5");
        assert_eq!(env["SECOND"], "b.c");
        assert!(!env.contains_key("DOMAIN"), "AWS::NoValue drops the key");
        assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "512");
        assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "cuadre-Fn-1ABCDEF2GH3IJ");
        assert_eq!(env["AWS_LAMBDA_LOG_FORMAT"], "JSON");
        assert_eq!(env["AWS_LAMBDA_LOG_LEVEL"], "INFO");
        assert_eq!(env["_HANDLER"], "bootstrap");
        assert_eq!(env["AWS_REGION"], "us-east-1");
    }

    #[test]
    fn parameters_can_be_overridden_and_conditions_follow() {
        let t = template();
        let over = [("Domain".to_string(), "pagos.example.pe".to_string())];
        let f = &Stack::new(&t, &over).unwrap().functions().unwrap()[0];
        assert_eq!(f.env["DOMAIN"], "https://pagos.example.pe");
        assert!(Stack::new(&t, &[("Nope".into(), "x".into())]).is_err());
    }

    #[test]
    fn an_unknown_reference_is_an_error_naming_the_variable() {
        let mut t = template();
        t["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["BAD"] =
            json!({"Ref": "Missing"});
        let err = Stack::new(&t, &[]).unwrap().functions().unwrap_err();
        assert!(
            err.contains("Fn environment BAD") && err.contains("Missing"),
            "{err}"
        );
    }
}
