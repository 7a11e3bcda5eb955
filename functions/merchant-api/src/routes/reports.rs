//! `GET /v1/reports/{date}`: the report files the reconcile worker wrote for a Lima business day,
//! under `reports/{tenant}/{date}/` in the reports bucket, with short-lived download links.

use chrono::NaiveDate;
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::json;

use crate::app::App;
use crate::caller::Caller;

/// How long a report download link works.
pub const REPORT_LINK_SECS: u64 = 300;
/// A day has a handful of files; more than this is not a report folder.
const MAX_FILES: usize = 100;

/// `YYYY-MM-DD`, exactly.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

pub(crate) fn report_prefix(tenant: &cuadre_core::TenantId, date: NaiveDate) -> String {
    format!("reports/{tenant}/{}/", date.format("%Y-%m-%d"))
}

pub(crate) async fn day(app: &App, caller: &Caller, date: &str) -> Result<Response<Body>, Problem> {
    let Some(day) = parse_date(date) else {
        return Err(Problem::validation(vec![FieldError::new(
            "date",
            format!("{date:?} is not a date like 2026-11-25 (the Lima business day)"),
        )]));
    };
    let prefix = report_prefix(&caller.tenant.tenant_id, day);
    let objects = app
        .reports
        .list_objects(&prefix, MAX_FILES)
        .await
        .map_err(Problem::from)?;
    let files: Vec<_> = objects
        .into_iter()
        .filter_map(|o| {
            let name = o.key.strip_prefix(&prefix)?.to_string();
            (!name.is_empty() && !name.ends_with('/')).then_some((name, o))
        })
        .collect();
    if files.is_empty() {
        return Err(Problem::not_found(format!("no report for {day}")));
    }
    let now = app.now();
    let expires_at =
        cuadre_core::time::format_lima(now + chrono::Duration::seconds(REPORT_LINK_SECS as i64));
    let mut views = Vec::with_capacity(files.len());
    for (name, object) in files {
        let url = app
            .reports
            .presign_download(&object.key, REPORT_LINK_SECS)
            .await
            .map_err(Problem::from)?;
        views.push(json!({
            "name": name,
            "size": object.size,
            "last_modified": object.last_modified.map(cuadre_core::time::format_lima),
            "download_url": url,
            "download_url_expires_in": REPORT_LINK_SECS,
            "download_url_expires_at": expires_at,
        }));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({ "date": day.format("%Y-%m-%d").to_string(), "files": views }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exact_calendar_days() {
        assert_eq!(
            parse_date("2026-11-25"),
            NaiveDate::from_ymd_opt(2026, 11, 25)
        );
        for bad in [
            "2026-2-05",
            "2026-02-30",
            "20261125",
            "2026-11-25T00",
            "../x/2026",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        let t = cuadre_core::TenantId::parse("acme").unwrap();
        assert_eq!(
            report_prefix(&t, NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
            "reports/acme/2026-01-05/"
        );
    }
}
