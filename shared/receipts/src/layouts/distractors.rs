//! Distractor rows: numbers and dates real receipts print beside the key fields (RUC, phone,
//! terminal, agent code, reference, shop order, accounts, cards, balance, ITF, DNI, the code's
//! issue and due dates, names).

use rand::Rng;

use super::{Case, Ctx, CurForm, Row};
use crate::lexicon;
use crate::sheet::{n, t};
use crate::values::{DateFmt, TimeFmt};

impl Ctx<'_> {
    /// RUC: 11 digits starting with 10 or 20.
    pub fn ruc_row(&mut self) -> Row {
        let prefix = self.pick(&["20", "20", "10"]);
        let d = format!("{prefix}{}", self.digits(9));
        Row {
            label: "RUC".to_string(),
            value: vec![n(d)],
        }
    }

    /// A 9-digit mobile number starting with 9.
    pub fn phone_row(&mut self) -> Row {
        let d = format!("9{}", self.digits(8));
        let d = if self.chance(0.3) {
            format!("{} {} {}", &d[..3], &d[3..6], &d[6..])
        } else {
            d
        };
        let labels: &[&str] = if self.en {
            &["Phone", "Mobile"]
        } else {
            &["Celular", "Cel.", "Teléfono", "Tel."]
        };
        self.row(labels, vec![n(d)])
    }

    pub fn terminal_row(&mut self) -> Row {
        let len = self.pick(&[6usize, 8, 8]);
        let d = self.digits(len);
        let d = if self.chance(0.3) { format!("T{d}") } else { d };
        self.row(
            &["Terminal", "Term.", "ID Terminal", "Nro. terminal"],
            vec![n(d)],
        )
    }

    pub fn agent_code_row(&mut self) -> Row {
        let len = self.pick(&[5usize, 6, 7]);
        let d = self.digits(len);
        self.row(
            &["Cod. agente", "Agente", "Código de agente", "Cod. comercio"],
            vec![n(d)],
        )
    }

    pub fn reference_row(&mut self) -> Row {
        let len = self.pick(&[6usize, 7, 8, 10]);
        let d = self.digits(len);
        let d = if self.chance(0.3) {
            format!("000{d}")
        } else {
            d
        };
        let labels: &[&str] = if self.en {
            &["Reference", "Ref.", "Reference number"]
        } else {
            &["Referencia", "Ref.", "Nro. referencia"]
        };
        self.row(labels, vec![n(d)])
    }

    pub fn order_row(&mut self) -> Row {
        let len = self.pick(&[4usize, 5, 6, 8]);
        let d = self.digits(len);
        let labels: &[&str] = if self.en {
            &["Order", "Order number", "Order #"]
        } else {
            &[
                "Pedido",
                "Nro. pedido",
                "Orden",
                "Nro. de orden",
                "Pedido #",
            ]
        };
        self.row(labels, vec![n(d)])
    }

    /// A bank account number in one bank's pattern, or masked.
    pub fn account_row(&mut self) -> Row {
        let acct = match self.rng.random_range(0..4) {
            0 => format!(
                "{}-{}-{}-{}",
                self.digits(3),
                self.digits(8),
                self.digits(1),
                self.digits(2)
            ),
            1 => format!("{}-{}", self.digits(3), self.digits(10)),
            2 => format!("0011-{}-{}", self.digits(4), self.digits(10)),
            _ => format!("*** *** {}", self.digits(4)),
        };
        let labels: &[&str] = if self.en {
            &["From account", "Account", "Charged to"]
        } else {
            &[
                "Cuenta de cargo",
                "Cuenta",
                "Cta. Ahorros",
                "Cargo en cuenta",
                "Desde",
            ]
        };
        self.row(labels, vec![n(acct)])
    }

    pub fn card_row(&mut self) -> Row {
        let d = format!(
            "{} {}",
            self.pick(&["****", "**** ****", "XXXX"]),
            self.digits(4)
        );
        let labels: &[&str] = if self.en {
            &["Card"]
        } else {
            &["Tarjeta", "Tarjeta de débito"]
        };
        self.row(labels, vec![n(d)])
    }

    /// An account balance after the payment, in the amount's currency form.
    pub fn balance_row(&mut self, form: CurForm) -> Row {
        let cents = self.rng.random_range(1000..2_500_000);
        let v = self.money(cents, form, false);
        let labels: &[&str] = if self.en {
            &["Balance available", "Available balance"]
        } else {
            &["Saldo disponible", "Saldo", "Saldo contable"]
        };
        self.row(labels, v)
    }

    /// The ITF tax (0.005 %, in multiples of 0.05).
    pub fn itf_row(&mut self, form: CurForm) -> Row {
        let itf = (self.f.cents / 20_000 / 5) * 5;
        let v = self.money(itf, form, false);
        Row {
            label: "ITF".to_string(),
            value: v,
        }
    }

    pub fn dni_row(&mut self) -> Row {
        let d = self.digits(8);
        self.row(&["DNI", "Doc. identidad", "DNI cliente"], vec![n(d)])
    }

    /// The code's due date, after the payment.
    pub fn due_row(&mut self, date: DateFmt, time: Option<TimeFmt>) -> Row {
        let days = self.rng.random_range(0..4);
        let v = self.other_date(days, date, time);
        let labels: &[&str] = if self.en {
            &["Due date", "Valid until", "Expires"]
        } else {
            lexicon::DUE_ES
        };
        self.row(labels, v)
    }

    /// The code's issue date, before the payment.
    pub fn issue_row(&mut self, date: DateFmt, time: Option<TimeFmt>) -> Row {
        let days = -self.rng.random_range(0..3);
        let v = self.other_date(days, date, time);
        let labels: &[&str] = if self.en {
            &["Issued on", "Issue date"]
        } else {
            lexicon::ISSUE_ES
        };
        self.row(labels, v)
    }

    pub fn payer_row(&mut self) -> Row {
        let name = self.pick(lexicon::PAYERS);
        let name = self.style(name);
        let labels: &[&str] = if self.en {
            &["Payer", "Name", "Customer"]
        } else {
            &["Cliente", "Titular", "Nombre", "Pagador"]
        };
        self.row(labels, vec![t(name)])
    }

    pub fn merchant_row(&mut self) -> Row {
        let name = self.pick(lexicon::MERCHANTS);
        let name = self.style(name);
        let labels: &[&str] = if self.en {
            &["Merchant", "Paid to", "Company"]
        } else {
            &["Comercio", "Empresa", "Beneficiario", "Establecimiento"]
        };
        self.row(labels, vec![t(name)])
    }

    /// "Servicio: PagoEfectivo" and its variants.
    pub fn service_row(&mut self) -> Row {
        let name = self.pick(&[
            "PagoEfectivo",
            "PAGOEFECTIVO",
            "PagoEfectivo - Pagos",
            "PAGO EFECTIVO",
        ]);
        let name = if self.case == Case::Upper {
            name.to_uppercase()
        } else {
            name.to_string()
        };
        let labels: &[&str] = if self.en {
            &["Service", "Biller"]
        } else {
            &["Servicio", "Empresa", "Institución", "Concepto"]
        };
        self.row(labels, vec![t(name)])
    }

    /// A short sequence/ticket/authorisation number.
    pub fn sequence_row(&mut self) -> Row {
        let len = self.pick(&[4usize, 5, 6]);
        let d = self.digits(len);
        let labels: &[&str] = if self.en {
            &["Auth. code", "Sequence"]
        } else {
            &[
                "Secuencia",
                "Ticket",
                "Nro. ticket",
                "Cod. autorización",
                "Lote",
            ]
        };
        self.row(labels, vec![n(d)])
    }
}
