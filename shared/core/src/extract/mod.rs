//! Voucher text extraction (vouchers.md): OCR lines with geometry in, fields out.
