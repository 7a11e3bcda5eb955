//! One SQS batch of S3 `ObjectCreated` notifications → vouchers read, stored and checked.
//!
//! Per object: decode the key, read the file (≤ 10 MiB), check its kind by magic bytes, hash it
//! (SHA-256, perceptual hash), look for editing software in its metadata, OCR it, extract the
//! fields, store the voucher (idempotent by voucher id), then apply the voucher rules at once,
//! raising exceptions idempotently. A file that is no voucher is stored as rejected and raises
//! `UNREADABLE_VOUCHER`; only failures worth retrying leave the message on the queue.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, SubsecRound, Utc};
use cuadre_core::extract::{extract, Extraction};
use cuadre_core::ocr::{OcrError, StoredDocument};
use cuadre_core::reconcile::VoucherFact;
use cuadre_core::records::sha256_hex;
use cuadre_core::rules::voucher as rule;
use cuadre_core::rules::{Breach, Expected};
use cuadre_core::store::{Created, StatusLookup, StoreError};
use cuadre_core::{Cip, ExceptionKey, ExceptionRecord, OperationNumber, OrderId, Voucher};
use cuadre_lambda::metrics::Metrics;
use cuadre_lambda::sqs::{run_batch, RecordOutcome};
use tracing::Instrument;

use crate::app::App;
use crate::event::{decode_key, parse_notification, Notification, ObjectCreated, VoucherKey};
use crate::inspect::{self, FileKind, Inspection};
use crate::ports::Fetched;

/// Warnings that carry a decision, so re-applying a stored voucher reaches the same one.
pub const REJECTED: &str = "rejected: ";
pub const EDITED: &str = "editing software in the file's metadata: ";
/// A voucher keeps at most this many warnings, each of at most this many characters.
pub const MAX_WARNINGS: usize = 24;
pub const MAX_WARNING_CHARS: usize = 300;
/// CloudWatch metrics (EMF): OCR latency, exceptions.
const METRICS: Metrics = Metrics::new("voucher-ocr");

/// Handles a batch; only the records worth retrying are reported as failures.
pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    run_batch(event, app.settings.concurrency, |message| {
        handle_message(app, message)
    })
    .await
}

async fn handle_message(app: &App, message: SqsMessage) -> RecordOutcome {
    let body = message.body.unwrap_or_default();
    let objects = match parse_notification(&body) {
        Ok(Notification::Test) => return RecordOutcome::Done,
        Ok(Notification::Objects(objects)) => objects,
        // Left to fail alone: after the redrive count it waits in the DLQ (alarmed) for a person.
        Err(e) => return RecordOutcome::Retry(e.to_string()),
    };
    for object in objects {
        if let Err(Retry(reason)) = read_object(app, &object).await {
            return RecordOutcome::Retry(reason);
        }
    }
    RecordOutcome::Done
}

/// A failure worth another try (storage, S3, a throttled OCR engine).
#[derive(Debug)]
struct Retry(String);

impl From<StoreError> for Retry {
    fn from(e: StoreError) -> Self {
        Retry(format!("store: {e}"))
    }
}

async fn read_object(app: &App, object: &ObjectCreated) -> Result<(), Retry> {
    if !object.event_name.starts_with("ObjectCreated") {
        return Ok(());
    }
    let Ok(key) = decode_key(&object.raw_key) else {
        tracing::error!("voucher object key is not valid URL-encoded UTF-8; skipped");
        return Ok(());
    };
    let ids = match crate::event::parse_voucher_key(&key) {
        Ok(ids) => ids,
        Err(e) => {
            // Not one of our keys: nothing to attach it to, and a retry would read the same key.
            tracing::error!(error = %e, "object under vouchers/ that is not ours; skipped");
            return Ok(());
        }
    };
    let span = tracing::info_span!(
        "voucher",
        tenant_id = %ids.tenant_id,
        order_id = %ids.order_id,
        voucher_id = %ids.voucher_id
    );
    // Instrumented, not entered: the records of a batch are read concurrently, and an entered
    // span held across awaits would label other records' logs with this voucher.
    read_voucher(app, object, &key, ids).instrument(span).await
}

async fn read_voucher(
    app: &App,
    object: &ObjectCreated,
    key: &str,
    ids: VoucherKey,
) -> Result<(), Retry> {
    // A redelivered event: the voucher was read before; only make sure its rules were applied.
    if let Some(existing) = app
        .store
        .get_voucher(&ids.tenant_id, &ids.order_id, &ids.voucher_id)
        .await?
    {
        tracing::info!("voucher already read; re-applying its rules");
        return apply(app, &existing).await;
    }

    let uploaded_at = object
        .event_time
        .unwrap_or_else(|| app.now())
        .trunc_subsecs(0);
    let upload = Upload {
        ids: &ids,
        key,
        uploaded_at,
    };
    let bytes = match app
        .files
        .fetch(&object.bucket, key, app.settings.max_bytes)
        .await
        .map_err(|e| Retry(e.to_string()))?
    {
        Fetched::Bytes(bytes) => bytes,
        Fetched::Missing => {
            tracing::warn!("voucher file is gone; skipped");
            return Ok(());
        }
        Fetched::TooLarge { size, sha256 } => {
            let voucher = upload.rejected(
                sha256,
                None,
                format!(
                    "the file has {size} bytes, more than the {} allowed",
                    app.settings.max_bytes
                ),
            );
            return store_and_apply(app, voucher).await;
        }
    };
    let Some(kind) = inspect::sniff(&bytes) else {
        let voucher = upload.rejected(
            sha256_hex(&bytes),
            None,
            "the file is not a JPEG, PNG or PDF".into(),
        );
        return store_and_apply(app, voucher).await;
    };
    let bytes = Arc::new(bytes);
    let (sha256, inspection) = inspect_within(app.settings.inspect_budget, &bytes, kind).await;
    let perceptual_hash = inspection.perceptual_hash;
    let mut signals: Vec<String> = inspection
        .edited
        .into_iter()
        .map(|(place, value)| format!("{EDITED}{value} ({place})"))
        .collect();
    signals.extend(inspection.unhashed);
    if let Some(reason) = inspection.refused {
        let mut voucher = upload.rejected(sha256, perceptual_hash, reason);
        voucher.warnings.extend(signals);
        return store_and_apply(app, voucher).await;
    }

    let document = StoredDocument {
        bucket: &object.bucket,
        key,
        bytes: &bytes,
    };
    let started = std::time::Instant::now();
    let detected = app.detector.detect_text(document).await;
    let outcome = match &detected {
        Ok(_) => "ok",
        Err(e) if e.is_retryable() => "retry",
        Err(_) => "rejected",
    };
    METRICS.ocr(&ids.tenant_id, started.elapsed(), outcome);
    let lines = match detected {
        Ok(lines) => lines,
        Err(e) if e.is_retryable() => return Err(Retry(e.to_string())),
        Err(e) => {
            let reason = match &e {
                OcrError::UnsupportedDocument(why) => {
                    format!("the OCR engine cannot read this {}: {why}", kind_name(kind))
                }
                other => other.to_string(),
            };
            let mut voucher = upload.rejected(sha256, perceptual_hash, reason);
            voucher.warnings.extend(signals);
            return store_and_apply(app, voucher).await;
        }
    };
    let mut read = extract(&lines);
    read.warnings.extend(signals);
    let voucher = upload.voucher(sha256, perceptual_hash, read);
    store_and_apply(app, voucher).await
}

/// The file's SHA-256, and [`inspect::inspect`] on the blocking pool (decoding and hashing an
/// image are CPU-bound and would stall the batch's other records) within `budget`. An image that takes
/// longer, or whose decoder panics, is refused: it ends as an unreadable voucher, not as a
/// message retried into the dead-letter queue.
async fn inspect_within(
    budget: std::time::Duration,
    bytes: &Arc<Vec<u8>>,
    kind: FileKind,
) -> (String, Inspection) {
    let sha256 = sha256_hex(bytes);
    let shared = Arc::clone(bytes);
    let work = tokio::task::spawn_blocking(move || inspect::inspect(&shared, kind));
    let inspection = match tokio::time::timeout(budget, work).await {
        Ok(Ok(inspection)) => inspection,
        Ok(Err(panicked)) => {
            tracing::error!(error = %panicked, "voucher inspection panicked");
            Inspection {
                refused: Some("the file could not be inspected (its decoder failed)".into()),
                ..Inspection::default()
            }
        }
        Err(_) => {
            tracing::warn!(
                budget_ms = budget.as_millis() as u64,
                "voucher inspection over budget"
            );
            Inspection {
                refused: Some(format!(
                    "the file could not be inspected within {} s",
                    budget.as_secs()
                )),
                ..Inspection::default()
            }
        }
    };
    (sha256, inspection)
}

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Jpeg => "JPEG",
        FileKind::Png => "PNG",
        FileKind::Pdf => "PDF",
    }
}

/// The uploaded file a voucher is made of: whose, where, and when it arrived.
struct Upload<'a> {
    ids: &'a VoucherKey,
    key: &'a str,
    uploaded_at: DateTime<Utc>,
}

impl Upload<'_> {
    /// The voucher of this file, as the extractor read it.
    fn voucher(
        &self,
        sha256: String,
        perceptual_hash: Option<String>,
        read: Extraction,
    ) -> Voucher {
        Voucher {
            tenant_id: self.ids.tenant_id.clone(),
            voucher_id: self.ids.voucher_id.clone(),
            order_id: self.ids.order_id.clone(),
            object_key: self.key.to_string(),
            sha256,
            perceptual_hash,
            uploaded_at: self.uploaded_at,
            fields: read.fields,
            confidence_permille: read.confidence_permille,
            field_confidence: read.field_confidence,
            unread: read.unread,
            warnings: read.warnings,
        }
    }

    /// The voucher with its warnings within [`MAX_WARNINGS`] of at most [`MAX_WARNING_CHARS`]
    /// each, so no file can make its item outgrow the store.
    fn bounded(mut voucher: Voucher) -> Voucher {
        let total = voucher.warnings.len();
        voucher.warnings.truncate(MAX_WARNINGS);
        for w in &mut voucher.warnings {
            if w.chars().count() > MAX_WARNING_CHARS {
                *w = w.chars().take(MAX_WARNING_CHARS).collect::<String>() + "…";
            }
        }
        if total > MAX_WARNINGS {
            voucher
                .warnings
                .push(format!("{} more warnings left out", total - MAX_WARNINGS));
        }
        voucher
    }

    /// The voucher of a file that could not be read, saying why.
    fn rejected(&self, sha256: String, perceptual_hash: Option<String>, reason: String) -> Voucher {
        let read = Extraction {
            warnings: vec![format!("{REJECTED}{reason}")],
            ..Extraction::default()
        };
        self.voucher(sha256, perceptual_hash, read)
    }
}

async fn store_and_apply(app: &App, voucher: Voucher) -> Result<(), Retry> {
    let mut voucher = Upload::bounded(voucher);
    let put = match app.store.put_voucher(&voucher).await {
        // Bounded warnings make this unreachable; should it happen, the reading is kept without
        // them rather than retried into the dead-letter queue.
        Err(StoreError::TooLarge(cause)) => {
            tracing::error!(
                cause,
                "voucher item over budget; stored without its warnings"
            );
            voucher.warnings = vec!["the voucher's warnings were too large to keep".into()];
            app.store.put_voucher(&voucher).await?
        }
        other => other?,
    };
    let stored = match put {
        Created::New(v) => {
            tracing::info!(
                confidence_permille = v.confidence_permille,
                "voucher stored"
            );
            v
        }
        // Another delivery got there first: its reading is the one that counts.
        Created::AlreadyExisted(v) => v,
    };
    apply(app, &stored).await
}

/// The voucher rules (`cuadre_core::rules::voucher`, stated in `docs/reconciliation.md`) that a
/// single voucher can decide now. Every write is idempotent, so applying a voucher twice changes
/// nothing.
async fn apply(app: &App, voucher: &Voucher) -> Result<(), Retry> {
    let store = &app.store;
    let t = &voucher.tenant_id;
    let order = store.get_order(t, &voucher.order_id).await?;
    if order.is_none() {
        tracing::warn!("voucher for an order that does not exist");
    }
    let order_cip = order.as_ref().and_then(|o| o.cip.clone());
    let payments = match &order {
        Some(order) => store.payments_for_order(order).await?,
        None => Vec::new(),
    };
    let me = VoucherFact::from_voucher(voucher);
    let operation = me
        .read
        .operation_number
        .and_then(|op| OperationNumber::parse(op).ok());
    let mut raise = Raiser {
        app,
        voucher,
        order_cip: order_cip.clone(),
        operation: operation.clone(),
    };

    // UNREADABLE_VOUCHER: a file that is no voucher, or too little read.
    let unreadable = match voucher
        .warnings
        .iter()
        .find_map(|w| w.strip_prefix(REJECTED))
    {
        Some(reason) => Some(rule::rejected(&me, reason)),
        None => rule::unreadable(&me),
    };
    if let Some(b) = unreadable {
        raise.on(b, &voucher.order_id).await?;
    }

    // DUPLICATE_VOUCHER: the same file, or the same operation number, for another order.
    let mut others = store.vouchers_by_sha256(t, &voucher.sha256).await?;
    if let Some(op) = &operation {
        store.index_voucher_operation(voucher, op).await?;
        others.extend(store.vouchers_by_operation_number(t, op).await?);
        // One found both ways is one voucher (one conditional write, not two).
        let mut seen = std::collections::HashSet::new();
        others.retain(|o| seen.insert(o.voucher_id.clone()));
    }
    for other in &others {
        let them = VoucherFact::from_voucher(other);
        if let Some(by) = rule::reuse(&me, &them) {
            let (later, earlier) = rule::later_and_earlier(&me, &them);
            let b = rule::duplicate(later, earlier, by);
            raise.on(b, owner(later, voucher, other)).await?;
        }
    }

    // VOUCHER_MISMATCH: only what was read is compared.
    if let Some(order) = &order {
        let expected = Expected::of_order(order);
        let ops = payments.iter().map(|p| p.operation_number.as_str());
        if let Some(b) = rule::mismatch(&expected, &me, ops) {
            raise.on(b, &voucher.order_id).await?;
        }
    }

    // SUSPECTED_TAMPERING: editing software, or the same picture with other text.
    let edited: Vec<&str> = voucher
        .warnings
        .iter()
        .filter_map(|w| w.strip_prefix(EDITED))
        .collect();
    if !edited.is_empty() {
        let signal = format!("saved by editing software: {}", edited.join(", "));
        raise
            .on(rule::edited(&me, &signal), &voucher.order_id)
            .await?;
    }
    if let Some(hash) = &voucher.perceptual_hash {
        let since = voucher.uploaded_at - app.settings.near_duplicate_window;
        let recent = store
            .recent_vouchers(t, since, app.settings.near_duplicate_limit)
            .await?;
        for other in &recent {
            let them = VoucherFact::from_voucher(other);
            let alike = other
                .perceptual_hash
                .as_deref()
                .and_then(|h| inspect::hash_distance(hash, h))
                .is_some_and(|d| d <= app.settings.near_duplicate_bits);
            if rule::near_duplicate(&me, &them, alike) {
                let (later, earlier) = rule::later_and_earlier(&me, &them);
                let b = rule::near_duplicate_breach(later, earlier);
                raise.on(b, owner(later, voucher, other)).await?;
            }
        }
    }

    // No payment yet: have the reconcile worker ask the gateway once the grace has passed.
    if let (Some(cip), true) = (order_cip, payments.is_empty()) {
        let lookup = StatusLookup {
            tenant_id: t.clone(),
            order_id: voucher.order_id.clone(),
            cip,
            due_at: voucher.uploaded_at + app.settings.voucher_grace,
            voucher_id: voucher.voucher_id.clone(),
            requested_at: app.now().trunc_subsecs(0),
        };
        if let Created::New(l) = store.schedule_status_lookup(&lookup).await? {
            tracing::info!(due_at = %l.due_at, "status lookup scheduled");
        }
    }
    Ok(())
}

/// The order of whichever of the two vouchers `fact` reads.
fn owner<'x>(fact: &VoucherFact<'_>, current: &'x Voucher, other: &'x Voucher) -> &'x OrderId {
    if fact.voucher_id == current.voucher_id && fact.order_id == current.order_id.as_str() {
        &current.order_id
    } else {
        &other.order_id
    }
}

struct Raiser<'a> {
    app: &'a App,
    voucher: &'a Voucher,
    order_cip: Option<Cip>,
    operation: Option<OperationNumber>,
}

impl Raiser<'_> {
    async fn on(&mut self, breach: Breach<'_>, order_id: &OrderId) -> Result<(), Retry> {
        let ours = *order_id == self.voucher.order_id;
        let key = ExceptionKey {
            kind: breach.kind,
            order_id: Some(order_id.clone()),
            cip: if ours { self.order_cip.clone() } else { None },
            operation_number: self.operation.clone(),
        };
        let record = ExceptionRecord::open(
            self.voucher.tenant_id.clone(),
            key,
            breach.detail,
            self.app.now().trunc_subsecs(0),
        );
        if let Created::New(r) = self.app.store.raise_exception(&record).await? {
            METRICS.exception_opened(&r);
            tracing::info!(kind = %r.kind, exception_id = r.exception_id, "exception raised");
        }
        Ok(())
    }
}
