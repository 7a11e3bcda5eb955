//! CloudWatch metrics in the embedded metric format (EMF): one JSON line on stdout per
//! [`Document`], which CloudWatch Logs turns into metrics as it ingests the function's log group
//! (no API call, no agent, nothing added to the request's latency).
//!
//! ```json
//! {"_aws": {"Timestamp": 1764688492000, "CloudWatchMetrics": [{"Namespace": "cuadre",
//!   "Dimensions": [["function"], ["function", "currency"]],
//!   "Metrics": [{"Name": "PaymentsRecorded", "Unit": "Count"}]}, …]},
//!  "function": "cuadre-prod-GatewayWebhookFunction-…", "currency": "PEN",
//!  "PaymentsRecorded": 1, "PaymentAmount": 150, "tenant_id": "acme", "source": "notification"}
//! ```
//!
//! Not the `metrics` facade with `metrics_cloudwatch_embedded`: its recorder is one per process
//! with dimensions fixed at start-up (the local platform hosts every function in one process),
//! shares its properties between concurrent requests, records `f64`s (our amounts are `Decimal`)
//! and wants to own the runtime loop `crate::serve` runs.
//!
//! Namespace [`NAMESPACE`]; every metric has the dimension `function`: the Lambda function's name
//! (`AWS_LAMBDA_FUNCTION_NAME`, what the template's alarms `!Ref`), else the crate's name. A
//! document may add [`Dimension`]s; its metrics are then published per function too, except
//! [`Metric::PaymentAmount`] (only per currency). A tenant is never a dimension (thousands of
//! custom metrics): `tenant_id` is a property. Tests: [`capture`].

use std::cell::RefCell;
use std::future::Future;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cuadre_core::events::MerchantEvent;
use cuadre_core::{ExceptionRecord, Payment, TenantId};
use rust_decimal::Decimal;
use serde_json::{json, Map, Number, Value};

/// The CloudWatch namespace of every cuadre metric.
pub const NAMESPACE: &str = "cuadre";

/// The one dimension every metric has.
pub const FUNCTION: &str = "function";

/// EMF's units (a subset of CloudWatch's `StandardUnit`), written as their `Debug` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
    /// A plain number: money amounts (their currency is the `currency` dimension).
    None,
}

/// `Metric`: the names and units, listed once.
macro_rules! metrics {
    ($($(#[$doc:meta])* $name:ident: $unit:ident,)*) => {
        /// Every metric cuadre publishes, with its unit. The names are what the template's alarms
        /// and dashboard use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Metric {
            $($(#[$doc])* $name,)*
        }

        impl Metric {
            pub fn name(self) -> &'static str {
                match self {
                    $(Metric::$name => stringify!($name),)*
                }
            }

            pub fn unit(self) -> Unit {
                match self {
                    $(Metric::$name => Unit::$unit,)*
                }
            }
        }
    };
}

metrics! {
    /// A payment recorded for the first time (webhook, status lookup, settlement line).
    PaymentsRecorded: Count,
    /// That payment's amount (per `currency` only).
    PaymentAmount: None,
    /// Every HTTP answer (1), and which class it was in (0 or 1 each), so `Sum` counts and
    /// `Average` is a rate.
    HttpRequests: Count,
    Http401: Count,
    Http4xx: Count,
    Http5xx: Count,
    /// issue-code: PagoEfectivo failed or refused us (a 502 answer).
    GatewayFailures: Count,
    /// An exception stored for the first time (per `kind`).
    ExceptionsOpened: Count,
    /// reconcile-worker: one job's own work, and the orders, markers and files it worked on.
    ReconcileJobDuration: Milliseconds,
    ReconcileItemsRead: Count,
    /// reconcile-worker: 1 when a job finished its tenant's run (0 when it handed the rest on):
    /// the heartbeat.
    ReconcileRunsCompleted: Count,
    /// From the run's `as_of` (the schedule tick) to the end of its last job.
    ReconcileRunDuration: Milliseconds,
    /// voucher-ocr: one call to the OCR engine.
    OcrLatency: Milliseconds,
    /// reconcile-dispatch: jobs queued by one tick.
    JobsDispatched: Count,
    /// notify-merchant: events the merchant's endpoint took (2xx), or did not (per `event_type`).
    EventsDelivered: Count,
    EventsFailed: Count,
}

impl Metric {
    /// Whether the metric is also published with `function` alone when its document has more
    /// dimensions. Amounts of different currencies do not add up.
    fn rolls_up(self) -> bool {
        self != Metric::PaymentAmount
    }
}

/// The dimensions a document may add to `function`. A closed list on purpose: a tenant id (or
/// any other unbounded value) must never become a dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// `PEN`, `USD`.
    Currency,
    /// An exception kind (`AMOUNT_MISMATCH`, …).
    Kind,
    /// A merchant event type (`order.paid`, …).
    EventType,
}

impl Dimension {
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Currency => "currency",
            Dimension::Kind => "kind",
            Dimension::EventType => "event_type",
        }
    }
}

/// One EMF document: metrics sharing one set of dimensions, and properties. Built, then
/// [`emit`](Document::emit)ted.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a metrics document does nothing until it is emitted"]
pub struct Document {
    function: String,
    dimensions: Vec<(Dimension, String)>,
    values: Vec<(Metric, Number)>,
    properties: Map<String, Value>,
}

impl Document {
    pub fn new(function: impl Into<String>) -> Document {
        Document {
            function: function.into(),
            dimensions: Vec::new(),
            values: Vec::new(),
            properties: Map::new(),
        }
    }

    /// Adds (or replaces) a dimension. An empty value is written `unknown` (CloudWatch drops
    /// metrics with an empty dimension value).
    pub fn dimension(mut self, dimension: Dimension, value: impl Into<String>) -> Document {
        let value = Some(value.into()).filter(|v| !v.is_empty());
        let value = value.unwrap_or_else(|| "unknown".into());
        self.dimensions.retain(|(d, _)| *d != dimension);
        self.dimensions.push((dimension, value));
        self
    }

    /// A count (the metric's unit must be `Count`).
    pub fn count(self, metric: Metric, n: u64) -> Document {
        debug_assert_eq!(metric.unit(), Unit::Count, "{}", metric.name());
        self.value(metric, Number::from(n))
    }

    /// A duration, in milliseconds to the microsecond (the metric's unit must be `Milliseconds`).
    pub fn duration(self, metric: Metric, took: Duration) -> Document {
        debug_assert_eq!(metric.unit(), Unit::Milliseconds, "{}", metric.name());
        let micros = i64::try_from(took.as_micros()).unwrap_or(i64::MAX);
        self.decimal(metric, Decimal::new(micros, 3))
    }

    /// An exact amount: its decimal text becomes the JSON number (no float arithmetic).
    pub fn amount(self, metric: Metric, amount: Decimal) -> Document {
        debug_assert_eq!(metric.unit(), Unit::None, "{}", metric.name());
        self.decimal(metric, amount)
    }

    fn decimal(self, metric: Metric, value: Decimal) -> Document {
        match decimal_number(value) {
            Some(n) => self.value(metric, n),
            None => self,
        }
    }

    fn value(mut self, metric: Metric, n: Number) -> Document {
        self.values.retain(|(m, _)| *m != metric);
        self.values.push((metric, n));
        self
    }

    /// A property: searchable in Logs Insights, never a dimension (`tenant_id`, `event_id`, …).
    /// A name taken by the document's own members (`_aws`, `function`, a dimension or a metric
    /// name) is ignored.
    pub fn property(mut self, name: &str, value: impl Into<Value>) -> Document {
        let reserved = name == "_aws"
            || name == FUNCTION
            || self.dimensions.iter().any(|(d, _)| d.name() == name)
            || self.values.iter().any(|(m, _)| m.name() == name);
        debug_assert!(!reserved, "property {name} would overwrite a metric member");
        if !reserved {
            self.properties.insert(name.to_string(), value.into());
        }
        self
    }

    /// The document as CloudWatch reads it, stamped `timestamp_ms` (milliseconds since the epoch).
    pub fn to_json(&self, timestamp_ms: u64) -> Value {
        let mut full = vec![FUNCTION];
        full.extend(self.dimensions.iter().map(|(d, _)| d.name()));
        let directive = |sets: Vec<Vec<&str>>, rolled: bool| {
            let metrics: Vec<Value> = (self.values.iter())
                .filter(|(m, _)| self.dimensions.is_empty() || m.rolls_up() == rolled)
                .map(|(m, _)| json!({"Name": m.name(), "Unit": format!("{:?}", m.unit())}))
                .collect();
            (!metrics.is_empty())
                .then(|| json!({"Namespace": NAMESPACE, "Dimensions": sets, "Metrics": metrics}))
        };
        let directives: Vec<Value> = if self.dimensions.is_empty() {
            directive(vec![full], true).into_iter().collect()
        } else {
            let rolled = directive(vec![vec![FUNCTION], full.clone()], true);
            rolled
                .into_iter()
                .chain(directive(vec![full], false))
                .collect()
        };
        let mut out = self.properties.clone();
        out.insert(
            "_aws".into(),
            json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": directives}),
        );
        out.insert(FUNCTION.into(), Value::from(self.function.as_str()));
        for (d, value) in &self.dimensions {
            out.insert(d.name().into(), Value::from(value.as_str()));
        }
        for (m, n) in &self.values {
            out.insert(m.name().into(), Value::Number(n.clone()));
        }
        Value::Object(out)
    }

    /// Writes the document as one line on stdout (or to [`capture`]'s list). A document without
    /// a metric writes nothing.
    pub fn emit(self) {
        if self.values.is_empty() {
            return;
        }
        let doc = self.to_json(now_ms());
        let captured = CAPTURED.try_with(|c| c.borrow_mut().push(doc.clone()));
        if captured.is_err() {
            // One locked write per line (never interleaved with tracing's); tests capture it.
            println!("{doc}");
        }
    }
}

/// A decimal's exact text read as a JSON number (`150.00` → 150), with no float arithmetic.
pub fn decimal_number(value: Decimal) -> Option<Number> {
    Number::from_str(&value.normalize().to_string()).ok()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

tokio::task_local! {
    static CAPTURED: RefCell<Vec<Value>>;
}

/// For tests: runs `work` and returns its output with the documents it emitted, in order (not
/// printed; tasks it spawns are not captured): `let (res, docs) = capture(handle(&app, req)).await;`
pub async fn capture<F: Future>(work: F) -> (F::Output, Vec<Value>) {
    CAPTURED
        .scope(RefCell::new(Vec::new()), async move {
            let out = work.await;
            (out, CAPTURED.with(|c| c.take()))
        })
        .await
}

/// The captured documents that carry `metric`.
pub fn with_metric(docs: &[Value], metric: Metric) -> Vec<Value> {
    docs.iter()
        .filter(|d| d.get(metric.name()).is_some())
        .cloned()
        .collect()
}

/// The `function` dimension's value: the Lambda function's name where Lambda sets it, else the
/// name the crate gives.
pub fn function_name(lambda_function: Option<&str>, crate_name: &'static str) -> String {
    lambda_function
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .unwrap_or(crate_name)
        .to_string()
}

/// One function's metrics: a `const` per crate, `Metrics::new("gateway-webhook")`, and a call
/// per fact. Each call emits one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metrics {
    crate_name: &'static str,
}

impl Metrics {
    pub const fn new(crate_name: &'static str) -> Metrics {
        Metrics { crate_name }
    }

    /// `AWS_LAMBDA_FUNCTION_NAME` (read once per process), else the crate's name.
    pub fn function(&self) -> String {
        static LAMBDA_NAME: OnceLock<Option<String>> = OnceLock::new();
        let lambda = LAMBDA_NAME.get_or_init(|| std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok());
        function_name(lambda.as_deref(), self.crate_name)
    }

    /// An empty document with this function's `function` dimension.
    pub fn document(&self) -> Document {
        Document::new(self.function())
    }

    /// A payment recorded for the first time: `PaymentsRecorded` and `PaymentAmount` per currency.
    pub fn payment_recorded(&self, payment: &Payment) {
        self.document()
            .dimension(Dimension::Currency, payment.amount.currency().code())
            .count(Metric::PaymentsRecorded, 1)
            .amount(Metric::PaymentAmount, payment.amount.amount())
            .property("tenant_id", payment.tenant_id.as_str())
            .property("source", json!(payment.source))
            .emit();
    }

    /// One HTTP answer: `HttpRequests` 1 and `Http401`, `Http4xx`, `Http5xx` 0 or 1; the route
    /// key and the status are properties.
    pub fn http_response(&self, route: &str, status: u16) {
        let is = |yes: bool| u64::from(yes);
        self.document()
            .count(Metric::HttpRequests, 1)
            .count(Metric::Http401, is(status == 401))
            .count(Metric::Http4xx, is((400..500).contains(&status)))
            .count(Metric::Http5xx, is(status >= 500))
            .property("route", route)
            .property("status", status)
            .emit();
    }

    /// The payment gateway failed us (`problem` is the problem type slug or URI answered).
    pub fn gateway_failure(&self, status: u16, problem: &str) {
        self.document()
            .count(Metric::GatewayFailures, 1)
            .property("status", status)
            .property("problem", problem)
            .emit();
    }

    /// An exception stored for the first time: `ExceptionsOpened` per kind.
    pub fn exception_opened(&self, record: &ExceptionRecord) {
        self.document()
            .dimension(Dimension::Kind, record.kind.as_str())
            .count(Metric::ExceptionsOpened, 1)
            .property("tenant_id", record.tenant_id.as_str())
            .property("exception_id", record.exception_id.as_str())
            .emit();
    }

    /// One reconcile job: its duration and the items it worked on; `run_took` is `Some` (from the
    /// run's `as_of`) when this job finished the tenant's run.
    pub fn reconcile_job(
        &self,
        tenant_id: &TenantId,
        run_id: &str,
        took: Duration,
        items_read: u64,
        run_took: Option<Duration>,
    ) {
        let completed = u64::from(run_took.is_some());
        let mut doc = (self.document())
            .duration(Metric::ReconcileJobDuration, took)
            .count(Metric::ReconcileItemsRead, items_read)
            .count(Metric::ReconcileRunsCompleted, completed);
        if let Some(run_took) = run_took {
            doc = doc.duration(Metric::ReconcileRunDuration, run_took);
        }
        doc.property("tenant_id", tenant_id.as_str())
            .property("run_id", run_id)
            .emit();
    }

    /// One call to the OCR engine; `outcome` is `ok`, `rejected` or `retry`.
    pub fn ocr(&self, tenant_id: &TenantId, took: Duration, outcome: &str) {
        self.document()
            .duration(Metric::OcrLatency, took)
            .property("tenant_id", tenant_id.as_str())
            .property("outcome", outcome)
            .emit();
    }

    /// The jobs one schedule tick (or an operator's one-tenant run) queued.
    pub fn jobs_dispatched(&self, run_id: &str, jobs: u64) {
        self.document()
            .count(Metric::JobsDispatched, jobs)
            .property("run_id", run_id)
            .emit();
    }

    /// The merchant's endpoint took the event (a 2xx).
    pub fn event_delivered(&self, event: &MerchantEvent) {
        self.event(Metric::EventsDelivered, event, None);
    }

    /// The merchant's endpoint did not take the event: its status when it answered, `None` when
    /// it could not be reached (or there was nothing to sign with).
    pub fn event_failed(&self, event: &MerchantEvent, status: Option<u16>) {
        self.event(Metric::EventsFailed, event, status);
    }

    fn event(&self, metric: Metric, event: &MerchantEvent, status: Option<u16>) {
        let mut doc = self
            .document()
            .dimension(Dimension::EventType, event.event_type.as_str())
            .count(metric, 1)
            .property("tenant_id", event.tenant_id.as_str())
            .property("event_id", event.event_id.as_str());
        if let Some(status) = status {
            doc = doc.property("status", status);
        }
        doc.emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use cuadre_core::{ExceptionKey, ExceptionKind, OrderId};

    /// CloudWatch's units, as EMF accepts them.
    const UNITS: &str = "Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes \
        Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second \
        Kilobytes/Second Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second \
        Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second Count/Second None";

    /// The rules of CloudWatch's EMF specification that a document must follow to become metrics.
    fn assert_emf(doc: &Value) {
        let root = doc.as_object().expect("a JSON object");
        assert!(root["_aws"]["Timestamp"].is_u64(), "integer milliseconds");
        let directives = root["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert!(!directives.is_empty());
        for directive in directives {
            assert!((1..=255).contains(&directive["Namespace"].as_str().unwrap().len()));
            for set in directive["Dimensions"].as_array().unwrap() {
                let set = set.as_array().unwrap();
                assert!(!set.is_empty() && set.len() <= 30);
                for name in set.iter().map(|n| n.as_str().unwrap()) {
                    let value = root.get(name).and_then(Value::as_str);
                    assert!(value.is_some_and(|v| !v.is_empty()), "dimension {name}");
                    assert_ne!(name, "tenant_id", "a tenant is never a dimension");
                }
            }
            let metrics = directive["Metrics"].as_array().unwrap();
            assert!(!metrics.is_empty() && metrics.len() <= 100);
            for m in metrics {
                let name = m["Name"].as_str().unwrap();
                assert!((1..=255).contains(&name.len()));
                assert!(UNITS.split_whitespace().any(|u| m["Unit"] == u));
                assert!(root[name].is_number(), "metric {name}");
            }
        }
    }

    /// The dimension sets `metric` is published with.
    fn sets_of(doc: &Value, metric: &str) -> Value {
        for d in doc["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
            if d["Metrics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["Name"] == metric)
            {
                return d["Dimensions"].clone();
            }
        }
        panic!("{metric} is in no directive of {doc}")
    }

    /// `doc` has every member of `expected`, with its value.
    fn has(doc: &Value, expected: Value) {
        for (name, value) in expected.as_object().unwrap() {
            assert_eq!(&doc[name], value, "{name} in {doc}");
        }
    }

    fn tenant() -> TenantId {
        TenantId::parse("acme").unwrap()
    }

    fn payment(amount: &str, currency: &str) -> Payment {
        let at = "2026-11-25T10:00:00-05:00";
        serde_json::from_value(json!({"tenant_id": "acme", "cip": "1234567",
            "operation_number": "770011", "amount": {"amount": amount, "currency": currency},
            "paid_at": at, "received_at": at, "order_id": "A-1", "source": "notification"}))
        .unwrap()
    }

    const M: Metrics = Metrics::new("gateway-webhook");

    #[test]
    fn a_document_is_the_shape_cloudwatch_requires() {
        let doc = Document::new("fn-1")
            .count(Metric::JobsDispatched, 3)
            .property("run_id", "run-1")
            .to_json(1_764_688_492_000);
        assert_emf(&doc);
        let expected = json!({
            "_aws": {"Timestamp": 1_764_688_492_000_u64, "CloudWatchMetrics": [{"Namespace": "cuadre",
                "Dimensions": [["function"]], "Metrics": [{"Name": "JobsDispatched", "Unit": "Count"}]}]},
            "function": "fn-1", "JobsDispatched": 3, "run_id": "run-1",
        });
        assert_eq!(doc, expected);
        assert!(!doc.to_string().contains('\n'), "one line per document");
    }

    #[tokio::test]
    async fn a_payment_counts_per_function_and_currency_and_its_amount_per_currency_only() {
        let pen = payment("150.00", "PEN");
        let ((), docs) = capture(async { M.payment_recorded(&pen) }).await;
        let [doc] = docs.as_slice() else {
            panic!("{docs:?}")
        };
        assert_emf(doc);
        let expected = json!({"function": "gateway-webhook", "currency": "PEN",
            "PaymentsRecorded": 1, "tenant_id": "acme", "source": "notification"});
        has(doc, expected);
        assert_eq!(doc["PaymentAmount"].to_string(), "150");
        let both = json!([["function"], ["function", "currency"]]);
        assert_eq!(sets_of(doc, "PaymentsRecorded"), both);
        assert_eq!(
            sets_of(doc, "PaymentAmount"),
            json!([["function", "currency"]])
        );
        assert!(doc["_aws"]["Timestamp"].as_u64().unwrap() > 1_700_000_000_000);
    }

    #[test]
    fn amounts_and_durations_keep_their_decimal_value() {
        let exact = [
            ("22.05", "22.05"),
            ("0.10", "0.1"),
            ("1250.00", "1250"),
            ("7", "7"),
        ];
        for (text, json_text) in exact.into_iter().chain([("9999999999999999.99", "1e+16")]) {
            let n = decimal_number(Decimal::from_str(text).unwrap()).unwrap();
            assert_eq!(n.to_string(), json_text, "{text}");
        }
        let doc = Document::new("f")
            .duration(Metric::OcrLatency, Duration::from_micros(1_234_567))
            .to_json(0);
        assert_emf(&doc);
        assert_eq!(doc["OcrLatency"].to_string(), "1234.567");
        let unit = &doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"];
        assert_eq!(unit, "Milliseconds");
    }

    #[tokio::test]
    async fn http_answers_are_counted_by_class() {
        let route = "POST /v1/webhooks/pagoefectivo/{tenant_id}";
        let ((), docs) = capture(async {
            for status in [200, 401, 422, 503] {
                M.http_response(route, status);
            }
        })
        .await;
        let classes: Vec<[u64; 4]> = (docs.iter())
            .map(|d| {
                assert_emf(d);
                assert_eq!(d["route"], route);
                ["HttpRequests", "Http401", "Http4xx", "Http5xx"].map(|m| d[m].as_u64().unwrap())
            })
            .collect();
        let expected = [[1, 0, 0, 0], [1, 1, 1, 0], [1, 0, 1, 0], [1, 0, 0, 1]];
        assert_eq!(classes, expected);
        assert_eq!(docs[1]["status"], 401);
    }

    #[tokio::test]
    async fn every_helper_writes_valid_documents_without_a_tenant_dimension() {
        let key = ExceptionKey {
            kind: ExceptionKind::AmountMismatch,
            order_id: Some(OrderId::parse("A-1").unwrap()),
            cip: None,
            operation_number: None,
        };
        let record = ExceptionRecord::open(tenant(), key, "paid less".into(), Utc::now());
        let event = MerchantEvent::exception_opened(&record);
        let ((), docs) = capture(async {
            M.payment_recorded(&payment("10.00", "USD"));
            M.http_response("GET /v1/tenant", 200);
            M.gateway_failure(502, "https://cuadre.dev/problems/gateway-unavailable");
            M.exception_opened(&record);
            M.reconcile_job(&tenant(), "run-1", Duration::from_millis(1500), 42, None);
            let run = Some(Duration::from_secs(60));
            M.reconcile_job(&tenant(), "run-1", Duration::from_millis(200), 3, run);
            M.ocr(&tenant(), Duration::from_millis(800), "ok");
            M.jobs_dispatched("run-1", 12);
            M.event_delivered(&event);
            M.event_failed(&event, Some(500));
        })
        .await;
        assert_eq!(docs.len(), 10);
        docs.iter().for_each(assert_emf);
        let opened = &with_metric(&docs, Metric::ExceptionsOpened)[0];
        has(
            opened,
            json!({"kind": "AMOUNT_MISMATCH", "exception_id": record.exception_id}),
        );
        let by_kind = json!([["function"], ["function", "kind"]]);
        assert_eq!(sets_of(opened, "ExceptionsOpened"), by_kind);
        let jobs = with_metric(&docs, Metric::ReconcileJobDuration);
        has(
            &jobs[0],
            json!({"ReconcileRunsCompleted": 0, "ReconcileItemsRead": 42}),
        );
        assert!(jobs[0].get("ReconcileRunDuration").is_none());
        assert_eq!(jobs[1]["ReconcileRunsCompleted"], 1);
        assert_eq!(jobs[1]["ReconcileRunDuration"].to_string(), "60000");
        let failed = &with_metric(&docs, Metric::EventsFailed)[0];
        let expected =
            json!({"event_type": "exception.opened", "status": 500, "event_id": event.event_id});
        has(failed, expected);
        has(
            &with_metric(&docs, Metric::GatewayFailures)[0],
            json!({"status": 502}),
        );
    }

    #[tokio::test]
    async fn nothing_is_written_without_a_metric_and_captures_do_not_leak() {
        let ((), docs) = capture(async { M.document().property("tenant_id", "acme").emit() }).await;
        assert!(docs.is_empty());
        let ((), outer) = capture(async {
            M.jobs_dispatched("a", 1);
            let ((), inner) = capture(async { M.jobs_dispatched("b", 2) }).await;
            assert_eq!(inner.len(), 1);
            assert_eq!(inner[0]["run_id"], "b");
        })
        .await;
        assert_eq!(outer.len(), 1);
        assert_eq!(outer[0]["run_id"], "a");
    }

    #[test]
    fn dimensions_are_never_empty_and_replace_each_other() {
        let doc = Document::new("f")
            .dimension(Dimension::Currency, "")
            .dimension(Dimension::Kind, "A")
            .dimension(Dimension::Kind, "B")
            .count(Metric::ExceptionsOpened, 1)
            .count(Metric::ExceptionsOpened, 2)
            .to_json(0);
        assert_emf(&doc);
        has(
            &doc,
            json!({"currency": "unknown", "kind": "B", "ExceptionsOpened": 2}),
        );
        let sets = json!([["function"], ["function", "currency", "kind"]]);
        assert_eq!(sets_of(&doc, "ExceptionsOpened"), sets);
    }

    #[test]
    #[should_panic(expected = "would overwrite")]
    fn a_property_cannot_overwrite_a_metric() {
        let doc = Document::new("f").count(Metric::JobsDispatched, 1);
        let _ = doc.property("JobsDispatched", 5);
    }

    #[test]
    fn the_function_is_lambdas_name_where_lambda_gives_one() {
        let lambda = "cuadre-prod-GatewayWebhookFunction-AbC";
        let crate_name = "gateway-webhook";
        assert_eq!(function_name(Some(lambda), crate_name), lambda);
        assert_eq!(function_name(None, crate_name), crate_name);
        assert_eq!(function_name(Some(" "), crate_name), crate_name);
    }
}
