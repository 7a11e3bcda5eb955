//! The harness of the voucher tests: the real vouchers bucket, queue and store on the emulator,
//! with the OCR engine playing back recorded Textract responses.
#![allow(dead_code)] // each test binary uses its part

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsBatchResponse;
use chrono::{DateTime, Utc};
use cuadre_core::extract::{lines_from_textract_json, OcrLine};
use cuadre_core::ocr::{OcrError, StoredDocument, TextDetector};
use cuadre_core::store::StatusLookup;
use cuadre_core::{ExceptionKind, OrderId, TenantId, Voucher};
use cuadre_testing::sqs::{sqs_event, sqs_record, take, Others};
use cuadre_testing::{unique_tenant, OrderBuilder, TestAws};
use image::{ImageFormat, Rgb, RgbImage};
use serde_json::Value;
use voucher_ocr::{App, S3Files, Settings};

/// agent_ticket-000 reads CIP 85131377, operation 062498495, S/ 1056.05.
pub const TICKET: &str = "agent_ticket-000.textract.json";
pub const TICKET_CIP: &str = "85131377";
pub const TICKET_AMOUNT: &str = "1056.05";

pub fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/vouchers")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Plays back a recorded Textract response as the OCR engine's answer, and counts the calls.
pub struct Recorded {
    pub json: String,
    pub calls: AtomicUsize,
}

#[async_trait]
impl TextDetector for Recorded {
    async fn detect_text(&self, _: StoredDocument<'_>) -> Result<Vec<OcrLine>, OcrError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(lines_from_textract_json(&self.json).unwrap())
    }
}

pub struct Throttled;

#[async_trait]
impl TextDetector for Throttled {
    async fn detect_text(&self, _: StoredDocument<'_>) -> Result<Vec<OcrLine>, OcrError> {
        Err(OcrError::Throttled(
            "recorded ProvisionedThroughputExceededException".into(),
        ))
    }
}

pub struct Harness {
    pub tenant: TenantId,
    pub app: App,
    pub detector: Arc<Recorded>,
    pub aws: TestAws,
}

impl Harness {
    pub async fn new(prefix: &str) -> Harness {
        Harness::with_recording(prefix, TICKET).await
    }

    pub async fn with_recording(prefix: &str, recording: &str) -> Harness {
        let aws = TestAws::connect().await;
        let detector = Arc::new(Recorded {
            json: fixture(recording),
            calls: AtomicUsize::new(0),
        });
        let app = App {
            store: aws.store.clone(),
            files: Arc::new(S3Files(aws.s3.clone())),
            detector: detector.clone(),
            settings: Settings::default(),
            clock: Arc::new(Utc::now),
        };
        Harness {
            tenant: unique_tenant(prefix),
            app,
            detector,
            aws,
        }
    }

    pub async fn order(&self, id: &str, cip: &str, amount: &str) -> OrderId {
        let order = OrderBuilder::new(&self.tenant, id)
            .cip(cip)
            .amount(amount)
            .create(self.aws.store.as_ref())
            .await;
        order.order_id
    }

    /// Puts the file where the upload link would, and returns its voucher id.
    pub async fn upload(&self, order: &OrderId, bytes: Vec<u8>) -> String {
        self.upload_as(order, bytes, None).await
    }

    /// [`Harness::upload`] with the content type the uploader declared.
    pub async fn upload_as(
        &self,
        order: &OrderId,
        bytes: Vec<u8>,
        content_type: Option<&str>,
    ) -> String {
        let voucher_id = uuid::Uuid::new_v4().simple().to_string();
        let key = format!("vouchers/{}/{order}/{voucher_id}", self.tenant);
        self.aws
            .put_object(self.aws.var("VOUCHERS_BUCKET"), &key, bytes, content_type)
            .await;
        voucher_id
    }

    /// This tenant's notifications from the real queue (deleted), as SQS records; others' are
    /// handed back at once.
    pub async fn notifications(&self, count: usize) -> Vec<Value> {
        let ours = take(
            &self.aws.sqs,
            self.aws.var("VOUCHER_UPLOADS_QUEUE_URL"),
            count,
            Duration::from_secs(30),
            Others::HandBack,
            |body| {
                body.contains(&format!("vouchers%2F{}%2F", self.tenant))
                    || body.contains(&format!("vouchers/{}/", self.tenant))
            },
        )
        .await;
        assert!(
            ours.len() >= count,
            "only {} of {count} notifications arrived",
            ours.len()
        );
        let arn = "arn:aws:sqs:us-east-1:123456789012:cuadre-voucher-uploads";
        ours.iter().map(|m| sqs_record(m, arn)).collect()
    }

    pub async fn run(&self, records: Vec<Value>) -> SqsBatchResponse {
        voucher_ocr::handle(&self.app, sqs_event(records)).await
    }

    pub async fn exceptions(&self, order: &OrderId) -> Vec<ExceptionKind> {
        let mut kinds: Vec<_> = self
            .app
            .store
            .exceptions_for_order(&self.tenant, order)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        kinds.sort();
        kinds
    }

    /// This tenant's status lookups due at `at` (a first page of ten).
    pub async fn due_lookups(&self, at: DateTime<Utc>) -> (Vec<StatusLookup>, Option<String>) {
        self.app
            .store
            .due_status_lookups(&self.tenant, at, None, 10)
            .await
            .unwrap()
    }

    pub async fn voucher(&self, order: &OrderId, id: &str) -> Voucher {
        self.app
            .store
            .get_voucher(&self.tenant, order, id)
            .await
            .unwrap()
            .expect("voucher stored")
    }
}

pub fn failures(response: &SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

/// A picture standing in for a voucher photo (the OCR engine is played back).
pub fn picture(seed: u8) -> Vec<u8> {
    let img = RgbImage::from_fn(320, 480, |x, y| {
        if (y / 30) % 2 == 0 && x > 20 && x < 40 + (y * u32::from(seed) % 260) {
            Rgb([30, 30, 30])
        } else {
            Rgb([250, 250, 245])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A PNG whose tEXt chunk says Photoshop saved it.
pub fn photoshopped() -> Vec<u8> {
    let (w, h) = (64u32, 64u32);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .add_text_chunk("Software".into(), "Adobe Photoshop 25.0 (Windows)".into())
        .unwrap();
    let mut writer = encoder.write_header().unwrap();
    let data: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
    writer.write_image_data(&data).unwrap();
    writer.finish().unwrap();
    out
}
