//! What the story prints at the end: the orders, the open exceptions, where the reports are.

use std::fmt::Write as _;

use super::{DemoOrder, OpenException, Story};

/// The closing tables and the report locations, once every step has run.
pub(super) fn print(story: &Story) {
    outln!();
    outln!("Orders");
    outln!("{}", orders_table(&story.orders));
    outln!();
    outln!("Open exceptions (what finance must act on)");
    outln!("{}", exceptions_table(&story.open_exceptions));
    outln!();
    if let Some(as_of) = story.as_of {
        let day = cuadre_core::time::lima_date(as_of);
        outln!(
            "Reports of {day} (reconciled as of {})",
            cuadre_core::time::format_lima(as_of)
        );
        for (name, location) in &story.report_files {
            outln!("  {name:<18} {location}");
        }
        outln!(
            "  through the API: GET {}/v1/reports/{day} (download links valid {} s)",
            story.local.platform.url,
            story.report_link_secs.unwrap_or_default()
        );
        outln!();
    }
}

/// A text table: a header, a rule, the rows; columns as wide as their widest cell.
fn text_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "  {}", text.join("  ").trim_end());
    };
    line(&mut out, &header.map(String::from));
    line(&mut out, &widths.map(|w| "-".repeat(w)));
    for row in rows {
        line(&mut out, row);
    }
    out.trim_end().to_string()
}

fn orders_table(orders: &[DemoOrder]) -> String {
    let rows: Vec<[String; 7]> = orders
        .iter()
        .map(|o| {
            let mut exceptions = o.exceptions.clone();
            exceptions.sort();
            [
                o.order_id.clone(),
                format!("S/ {}", o.plan.amount),
                o.cip.clone().unwrap_or_else(|| "-".into()),
                o.plan.story.to_string(),
                o.status.clone().unwrap_or_else(|| "?".into()),
                if exceptions.is_empty() {
                    "-".into()
                } else {
                    exceptions.join(", ")
                },
                if o.as_expected() {
                    "yes".into()
                } else {
                    let mut want = o.plan.exceptions.to_vec();
                    want.sort_unstable();
                    format!(
                        "NO: expected {} [{}]",
                        o.plan.status,
                        if want.is_empty() {
                            "-".to_string()
                        } else {
                            want.join(", ")
                        }
                    )
                },
            ]
        })
        .collect();
    text_table(
        [
            "ORDER",
            "AMOUNT",
            "CIP",
            "WHAT HAPPENED",
            "STATUS",
            "EXCEPTIONS",
            "AS EXPECTED",
        ],
        &rows,
    )
}

fn exceptions_table(open: &[OpenException]) -> String {
    if open.is_empty() {
        return "  (none)".into();
    }
    let rows: Vec<[String; 3]> = open
        .iter()
        .map(|e| {
            let detail = if e.detail.chars().count() > 100 {
                format!("{}…", e.detail.chars().take(99).collect::<String>())
            } else {
                e.detail.clone()
            };
            [e.kind.clone(), e.order_id.clone(), detail]
        })
        .collect();
    text_table(["KIND", "ORDER", "DETAIL"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::plan::tests::order;

    #[test]
    fn the_table_says_what_was_not_as_expected() {
        let t = orders_table(&[order("PAID", &["AMOUNT_MISMATCH"]), order("PENDING", &[])]);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].trim_start().starts_with("ORDER"));
        assert!(lines[2].ends_with("yes"), "{t}");
        assert!(
            lines[3].ends_with("NO: expected PAID [AMOUNT_MISMATCH]"),
            "{t}"
        );
    }
}
