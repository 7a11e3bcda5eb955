//! The end of the reconcile phase: the day's report (rendered by [`crate::report`]) goes to
//! `reports/{tenant}/{lima date}/`.

use cuadre_core::reconcile::{Outcome, SettlementLine};
use cuadre_core::{Order, Payment};

use super::Run;
use crate::handler::JobError;
use crate::report::{render, ReportInput};

impl Run<'_> {
    pub(super) async fn write_report(
        &mut self,
        issued: &[&Order],
        payments: &[Payment],
        lines: &[SettlementLine],
        outcome: &Outcome<'_>,
    ) -> Result<(), JobError> {
        let t = &self.tenant.tenant_id;
        let date = cuadre_core::time::lima_date(self.as_of());
        let prefix = format!("reports/{t}/{}/", date.format("%Y-%m-%d"));
        let input = ReportInput {
            tenant_id: t,
            run_id: &self.job.run_id,
            as_of: self.as_of(),
            business_date: date,
            orders: issued,
            payments,
            lines,
            outcome,
        };
        let files = render(&input).map_err(JobError::Report)?;
        for (name, body, content_type) in files {
            self.app
                .objects
                .put(&format!("{prefix}{name}"), body, content_type)
                .await?;
        }
        self.report.report_prefix = Some(prefix);
        Ok(())
    }
}
