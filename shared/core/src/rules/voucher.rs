//! The voucher family: what a buyer's receipt claims, weighed against its order, its payments and
//! the tenant's other vouchers. A voucher is a claim, never proof: it never pays an order.
//!
//! - `UNREADABLE_VOUCHER`: OCR found neither a CIP nor an operation number, or no amount, with
//!   the reader's reason for each key field it gave no value (not found, or under the confidence
//!   threshold: docs/vouchers.md).
//! - `VOUCHER_MISMATCH`: a readable voucher's CIP, currency or amount differs from its order (the
//!   amount only when the currency agrees or was not read), or its operation number from every
//!   payment of the order (only once it has one). A field OCR did not read, or read with too little
//!   confidence (the reader then gives no value), is never a mismatch;
//!   codes compare with [`super::same_code`].
//! - `DUPLICATE_VOUCHER`: the same image (SHA-256), or the same operation number, already
//!   submitted for another order; raised on the later upload.
//! - `VOUCHER_WITHOUT_PAYMENT`: a voucher strictly older than the grace and its order still unpaid.
//! - `SUSPECTED_TAMPERING`: a forgery signal on the file (editing software), or nearly the same
//!   picture as another voucher with another file and other text.

use std::cmp::Ordering;

use chrono::{DateTime, TimeDelta, Utc};

use super::{same_code, Breach, Expected};
use crate::exception::ExceptionKind;
use crate::reconcile::{VoucherFact, VoucherRead};
use crate::time::format_lima;

/// `UNREADABLE_VOUCHER` when OCR read too little to compare the voucher with anything.
pub fn unreadable<'v>(v: &VoucherFact<'v>) -> Option<Breach<'v>> {
    let missing = if v.read.cip.is_none() && v.read.operation_number.is_none() {
        "neither a CIP nor an operation number"
    } else if v.read.amount.is_none() {
        "no amount"
    } else {
        return None;
    };
    let why: Vec<String> = v
        .unread
        .into_iter()
        .flatten()
        .map(|(field, reason)| format!("{}: {reason}", field.name()))
        .collect();
    let reason = if why.is_empty() {
        format!("OCR found {missing}")
    } else {
        format!("OCR found {missing} ({})", why.join("; "))
    };
    Some(rejected(v, &reason))
}

/// `UNREADABLE_VOUCHER` for a file that could not be read at all, with the reason.
pub fn rejected<'v>(v: &VoucherFact<'v>, reason: &str) -> Breach<'v> {
    Breach {
        kind: ExceptionKind::UnreadableVoucher,
        operation_number: v.read.operation_number,
        detail: format!("voucher {}: {reason}", v.voucher_id),
    }
}

/// `VOUCHER_MISMATCH`: what a readable voucher read differently from its order and its payments
/// (`payment_ops`, the operation numbers of the order's payments; none while it has none).
pub fn mismatch<'v, 'o>(
    order: &Expected<'_>,
    v: &VoucherFact<'v>,
    payment_ops: impl Iterator<Item = &'o str> + Clone,
) -> Option<Breach<'v>> {
    if !v.read.is_readable() {
        return None;
    }
    let read = &v.read;
    let mut why = Vec::new();
    if let (Some(cip), Some(want)) = (read.cip, order.cip) {
        let earlier = order.earlier_cips.iter().map(|c| c.as_str());
        if !std::iter::once(want)
            .chain(earlier)
            .any(|c| same_code(cip, c))
        {
            why.push(format!("CIP {cip} read, the order's is {want}"));
        }
    }
    let currency = order.amount.currency();
    if let Some(c) = read.currency.filter(|c| *c != currency) {
        why.push(format!("currency {c} read, the order's is {currency}"));
    }
    // Amounts are compared only in the order's currency (another one is reported above).
    if read.currency.is_none_or(|c| c == currency) {
        if let Some(amount) = read.amount.filter(|a| *a != order.amount.amount()) {
            why.push(format!(
                "amount {amount} read, the order's is {}",
                order.amount.amount_string()
            ));
        }
    }
    if let Some(op) = read.operation_number {
        let mut ops = payment_ops.clone().peekable();
        if ops.peek().is_some() && !ops.any(|p| same_code(op, p)) {
            let mut known: Vec<&str> = payment_ops.collect();
            known.sort_unstable();
            known.dedup();
            why.push(format!(
                "operation {op} read, the order's payment shows {}",
                known.join(", ")
            ));
        }
    }
    (!why.is_empty()).then(|| Breach {
        kind: ExceptionKind::VoucherMismatch,
        operation_number: read.operation_number,
        detail: format!("voucher {}: {}", v.voucher_id, why.join("; ")),
    })
}

/// What a voucher repeats of an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    Image,
    OperationNumber,
}

/// Whether `v` repeats `other`, a voucher of another order: the same file first, else the same
/// operation number.
pub fn reuse(v: &VoucherFact<'_>, other: &VoucherFact<'_>) -> Option<Reuse> {
    if v.order_id == other.order_id {
        return None;
    }
    if v.sha256 == other.sha256 {
        return Some(Reuse::Image);
    }
    match (v.read.operation_number, other.read.operation_number) {
        (Some(a), Some(b)) if a == b => Some(Reuse::OperationNumber),
        _ => None,
    }
}

/// `DUPLICATE_VOUCHER` on `later`, which repeats `earlier` (of another order).
pub fn duplicate<'v>(later: &VoucherFact<'v>, earlier: &VoucherFact<'_>, by: Reuse) -> Breach<'v> {
    let what = match by {
        Reuse::Image => "the same image".to_string(),
        Reuse::OperationNumber => format!(
            "operation number {}",
            later.read.operation_number.unwrap_or_default()
        ),
    };
    Breach {
        kind: ExceptionKind::DuplicateVoucher,
        operation_number: later.read.operation_number,
        detail: format!(
            "voucher {} repeats {what} already submitted as voucher {} for order {}",
            later.voucher_id, earlier.voucher_id, earlier.order_id
        ),
    }
}

/// Upload order; the other fields only break ties, so the answer never depends on input order.
pub fn upload_order(a: &VoucherFact<'_>, b: &VoucherFact<'_>) -> Ordering {
    a.uploaded_at
        .cmp(&b.uploaded_at)
        .then_with(|| a.voucher_id.cmp(b.voucher_id))
        .then_with(|| a.order_id.cmp(b.order_id))
        .then_with(|| a.sha256.cmp(b.sha256))
        .then_with(|| a.read.operation_number.cmp(&b.read.operation_number))
        .then_with(|| a.read.cip.cmp(&b.read.cip))
        .then_with(|| a.read.amount.cmp(&b.read.amount))
        .then_with(|| a.read.currency.cmp(&b.read.currency))
        .then_with(|| a.perceptual_hash.cmp(&b.perceptual_hash))
        .then_with(|| a.tampering.cmp(&b.tampering))
}

/// The later and the earlier upload of two, in [`upload_order`].
pub fn later_and_earlier<'x, 'v>(
    a: &'x VoucherFact<'v>,
    b: &'x VoucherFact<'v>,
) -> (&'x VoucherFact<'v>, &'x VoucherFact<'v>) {
    if upload_order(a, b) == Ordering::Less {
        (b, a)
    } else {
        (a, b)
    }
}

/// `VOUCHER_WITHOUT_PAYMENT`: uploaded strictly more than `grace` before `as_of`, order unpaid.
pub fn without_payment<'v>(
    v: &VoucherFact<'v>,
    order_paid: bool,
    as_of: DateTime<Utc>,
    grace: TimeDelta,
) -> Option<Breach<'v>> {
    (!order_paid && as_of - v.uploaded_at > grace).then(|| Breach {
        kind: ExceptionKind::VoucherWithoutPayment,
        operation_number: None,
        detail: format!(
            "voucher {} uploaded at {} and still no payment",
            v.voucher_id,
            format_lima(v.uploaded_at)
        ),
    })
}

/// `SUSPECTED_TAMPERING` for a forgery signal on the file itself (`signal` says what was found).
pub fn edited<'v>(v: &VoucherFact<'v>, signal: &str) -> Breach<'v> {
    Breach {
        kind: ExceptionKind::SuspectedTampering,
        operation_number: v.read.operation_number,
        detail: format!("voucher {}: {signal}", v.voucher_id),
    }
}

/// Whether `v` is a near duplicate of `other`: pictures the caller found alike (by its perceptual
/// hash), yet another file that reads differently.
pub fn near_duplicate(v: &VoucherFact<'_>, other: &VoucherFact<'_>, alike: bool) -> bool {
    alike
        && v.voucher_id != other.voucher_id
        && v.sha256 != other.sha256
        && reads_differ(&v.read, &other.read)
}

/// `SUSPECTED_TAMPERING` on `later`, nearly the same picture as `earlier` with other text.
pub fn near_duplicate_breach<'v>(later: &VoucherFact<'v>, earlier: &VoucherFact<'_>) -> Breach<'v> {
    Breach {
        kind: ExceptionKind::SuspectedTampering,
        operation_number: later.read.operation_number,
        detail: format!(
            "voucher {} is nearly the same picture as voucher {} of order {}, with other text",
            later.voucher_id, earlier.voucher_id, earlier.order_id
        ),
    }
}

/// Two readings that disagree on something both read.
pub fn reads_differ(a: &VoucherRead<'_>, b: &VoucherRead<'_>) -> bool {
    let codes =
        |x: Option<&str>, y: Option<&str>| matches!((x, y), (Some(x), Some(y)) if !same_code(x, y));
    codes(a.cip, b.cip)
        || codes(a.operation_number, b.operation_number)
        || matches!((a.amount, b.amount), (Some(x), Some(y)) if x != y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap()
    }

    fn read<'a>(
        cip: Option<&'a str>,
        op: Option<&'a str>,
        amount: Option<&str>,
    ) -> VoucherRead<'a> {
        VoucherRead {
            cip,
            operation_number: op,
            amount: amount.map(|a| a.parse().unwrap()),
            currency: None,
        }
    }

    fn voucher<'a>(
        id: &'a str,
        order: &'a str,
        sha: &'a str,
        r: VoucherRead<'a>,
    ) -> VoucherFact<'a> {
        VoucherFact {
            voucher_id: id,
            order_id: order,
            uploaded_at: at(10),
            sha256: sha,
            read: r,
            perceptual_hash: None,
            tampering: None,
            unread: None,
        }
    }

    fn order() -> Expected<'static> {
        Expected {
            order_id: "A-1",
            cip: Some("11546901"),
            earlier_cips: &[],
            amount: Money::parse("150.00", Currency::Pen).unwrap(),
            expires_at: at(12),
        }
    }

    #[test]
    fn only_what_was_read_is_compared() {
        let same = voucher(
            "v",
            "A-1",
            "aa",
            read(Some("0011546901"), None, Some("150")),
        );
        assert!(
            mismatch(&order(), &same, [].into_iter()).is_none(),
            "padded CIP, 150 = 150.00"
        );
        let amount = voucher(
            "v",
            "A-1",
            "aa",
            read(Some("11546901"), Some("7"), Some("1056.05")),
        );
        let b = mismatch(&order(), &amount, [].into_iter()).unwrap();
        assert!(b.detail.contains("amount 1056.05 read"), "{}", b.detail);
        let op = mismatch(&order(), &amount, ["8", "6"].into_iter()).unwrap();
        assert!(
            op.detail
                .ends_with("operation 7 read, the order's payment shows 6, 8"),
            "{}",
            op.detail
        );
        let mut usd = amount;
        usd.read.currency = Some(Currency::Usd);
        let b = mismatch(&order(), &usd, ["7"].into_iter()).unwrap();
        assert!(
            b.detail.contains("currency USD") && !b.detail.contains("amount"),
            "{}",
            b.detail
        );
        let unreadable_one = voucher("v", "A-1", "aa", read(Some("1"), None, None));
        assert!(mismatch(&order(), &unreadable_one, [].into_iter()).is_none());
        assert!(unreadable(&unreadable_one)
            .unwrap()
            .detail
            .ends_with("OCR found no amount"));
        assert!(unreadable(&voucher("v", "A-1", "aa", read(None, None, Some("1")))).is_some());
        assert!(unreadable(&same).is_none());
    }

    #[test]
    fn an_unreadable_voucher_says_why_each_key_field_is_missing() {
        let unread: crate::UnreadFields = [
            (
                crate::VoucherField::Cip,
                "read 8??31 with confidence 0.22, under 0.60".to_string(),
            ),
            (
                crate::VoucherField::OperationNumber,
                "not found".to_string(),
            ),
        ]
        .into_iter()
        .collect();
        let mut v = voucher("v", "A-1", "aa", read(None, None, Some("150")));
        v.unread = Some(&unread);
        let detail = unreadable(&v).unwrap().detail;
        assert_eq!(
            detail,
            "voucher v: OCR found neither a CIP nor an operation number \
             (cip: read 8??31 with confidence 0.22, under 0.60; operation_number: not found)"
        );
    }

    #[test]
    fn reuse_is_of_another_order_by_file_then_operation() {
        let a = voucher("v1", "A-1", "aa", read(None, Some("7"), Some("1")));
        let b = voucher("v2", "B-2", "aa", read(None, Some("8"), Some("1")));
        let c = voucher("v3", "C-3", "cc", read(None, Some("7"), Some("1")));
        let mine = voucher("v4", "A-1", "aa", read(None, Some("7"), Some("1")));
        assert_eq!(reuse(&b, &a), Some(Reuse::Image));
        assert_eq!(reuse(&c, &a), Some(Reuse::OperationNumber));
        assert_eq!(reuse(&mine, &a), None);
        assert_eq!(reuse(&b, &c), None);
        let d = duplicate(&c, &a, Reuse::OperationNumber);
        assert!(
            d.detail.contains("operation number 7")
                && d.detail.contains("v1")
                && d.detail.contains("A-1")
        );
        let mut late = c;
        late.uploaded_at = at(11);
        assert_eq!(later_and_earlier(&a, &late).0.voucher_id, "v3");
        assert_eq!(later_and_earlier(&late, &a).0.voucher_id, "v3");
    }

    #[test]
    fn near_duplicates_are_alike_pictures_that_read_differently() {
        let a = voucher("v1", "A-1", "aa", read(Some("1"), None, Some("150")));
        let b = voucher("v2", "B-2", "bb", read(Some("2"), None, Some("150")));
        let unread = voucher("v3", "B-2", "cc", read(None, None, Some("150.00")));
        assert!(near_duplicate(&b, &a, true));
        assert!(!near_duplicate(&b, &a, false));
        assert!(
            !near_duplicate(&unread, &a, true),
            "a field not read is no difference"
        );
        assert!(!near_duplicate(&a, &a, true));
    }

    #[test]
    fn a_voucher_waits_the_grace_strictly() {
        let v = voucher("v1", "A-1", "aa", read(None, None, None));
        let grace = crate::rules::DEFAULT_VOUCHER_GRACE;
        assert!(without_payment(&v, false, at(12), grace).is_none());
        assert!(without_payment(&v, false, at(12) + TimeDelta::seconds(1), grace).is_some());
        assert!(without_payment(&v, true, at(20), grace).is_none());
    }
}
