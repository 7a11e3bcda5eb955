//! Receipt families and the shared vocabulary they lay out with: a [`Ctx`] holding one receipt's
//! random choices (language, case, accents, amount style) and rows for its fields and
//! distractors, which each family arranges in its own way.

// Geometry is floats: coordinates are page fractions, not money.
#![allow(clippy::float_arithmetic)]

mod apps;
mod distractors;
mod tickets;
mod web;

use chrono::Days;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::Rng;

use crate::lexicon::{self, strip_accents, title_case};
use crate::sheet::{gap, key, n, t, text_of, Draft, Kind, Seg, Sheet};
use crate::values::{self, AmountStyle, DateFmt, Facts, TimeFmt};
use crate::Field;

/// Every family, by name.
pub(crate) const FAMILIES: &[&str] = &[
    "agent_ticket",
    "agent_commission",
    "bank_app_columns",
    "bank_app_stacked",
    "wallet",
    "bank_app_english",
    "web_banking",
    "store_pos",
    "email_confirmation",
    "rotated_photo",
    "atm_slip",
    "bank_teller",
];

/// The family named `name`, as the static string of [`FAMILIES`].
pub(crate) fn family(name: &str) -> Option<&'static str> {
    FAMILIES.iter().copied().find(|f| *f == name)
}

/// A laid-out page before noise.
pub(crate) struct Page {
    pub drafts: Vec<Draft>,
    /// Height / width.
    pub aspect: f64,
    pub mono: bool,
    /// Whether the printed payment time shows seconds.
    pub time_secs: bool,
}

/// Lays out a receipt of `family` for `facts`.
pub(crate) fn build(family: &'static str, facts: &mut Facts, rng: &mut StdRng) -> Page {
    let family = if family == "rotated_photo" {
        // A photo at an angle of any other kind of receipt.
        let others: Vec<&str> = FAMILIES
            .iter()
            .copied()
            .filter(|f| *f != "rotated_photo")
            .collect();
        *others.choose(rng).unwrap_or(&"agent_ticket")
    } else {
        family
    };
    if family == "wallet" {
        // Yape, Plin and the like move soles only.
        facts.usd = false;
    }
    let mut ctx = Ctx::new(facts, rng);
    let (sheet, min_aspect) = match family {
        "agent_ticket" => tickets::agent_ticket(&mut ctx),
        "agent_commission" => tickets::agent_commission(&mut ctx),
        "atm_slip" => tickets::atm_slip(&mut ctx),
        "bank_teller" => tickets::bank_teller(&mut ctx),
        "store_pos" => tickets::store_pos(&mut ctx),
        "bank_app_columns" => apps::bank_app_columns(&mut ctx),
        "bank_app_stacked" => apps::bank_app_stacked(&mut ctx),
        "wallet" => apps::wallet(&mut ctx),
        "bank_app_english" => apps::bank_app_english(&mut ctx),
        "web_banking" => web::web_banking(&mut ctx),
        _ => web::email_confirmation(&mut ctx),
    };
    let mono = sheet.mono;
    let (drafts, aspect) = sheet.finish(min_aspect);
    Page {
        drafts,
        aspect,
        mono,
        time_secs: ctx.time_secs,
    }
}

/// Letter case of labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    Upper,
    Sentence,
    Title,
    Lower,
}

/// How a receipt shows the currency of an amount.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CurForm {
    /// A sign before the figure: "S/ 150.00", "US$150.00" (`space` between them or not).
    Before(&'static str, bool),
    /// A word or code after the figure: "150.00 Soles", "25.00 USD".
    After(&'static str),
    /// The figure alone; the currency is elsewhere or nowhere.
    Bare,
}

/// A label and its value.
pub(crate) struct Row {
    pub label: String,
    pub value: Vec<Seg>,
}

/// How the payment time is printed relative to the date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeAt {
    /// After the date in the same value, with this joiner.
    Joined(&'static str),
    /// In a row of its own ("Hora: 14:32").
    OwnRow,
    /// Not printed.
    Absent,
}

/// One receipt's random choices, and rows built with them.
pub(crate) struct Ctx<'a> {
    pub rng: &'a mut StdRng,
    pub f: &'a Facts,
    pub en: bool,
    pub case: Case,
    pub accents: bool,
    /// Appended to labels: ":" or "".
    pub colon: &'static str,
    pub amt: AmountStyle,
    pub time_secs: bool,
}

impl<'a> Ctx<'a> {
    fn new(f: &'a Facts, rng: &'a mut StdRng) -> Ctx<'a> {
        let amt = AmountStyle::random(rng);
        Ctx {
            rng,
            f,
            en: false,
            case: Case::Sentence,
            accents: true,
            colon: ":",
            amt,
            time_secs: false,
        }
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        *xs.choose(self.rng).unwrap_or(&xs[0])
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.rng.random_range(lo..hi)
    }

    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        xs.shuffle(self.rng);
    }

    /// Random digits that are neither the CIP nor the operation number.
    pub fn digits(&mut self, len: usize) -> String {
        self.f.other_digits(self.rng, len, true)
    }

    /// `s` in this receipt's case and accents.
    pub fn style(&self, s: &str) -> String {
        let s = if self.accents {
            s.to_string()
        } else {
            strip_accents(s)
        };
        match self.case {
            Case::Upper => s.to_uppercase(),
            Case::Sentence => s,
            Case::Title => title_case(&s),
            Case::Lower => s
                .split(' ')
                .map(|w| {
                    let acronym = w.chars().count() > 1 && w.chars().all(|c| c.is_uppercase());
                    if acronym {
                        w.to_string()
                    } else {
                        w.to_lowercase()
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// One of `synonyms`, styled.
    pub fn label(&mut self, synonyms: &[&str]) -> String {
        let s = self.pick(synonyms);
        self.style(s)
    }

    /// A row with a styled label.
    pub fn row(&mut self, synonyms: &[&str], value: Vec<Seg>) -> Row {
        Row {
            label: self.label(synonyms),
            value,
        }
    }

    // --- rendering rows -------------------------------------------------------------------

    /// `LABEL: value` on one line at the left margin; the label padded to `pad` characters with
    /// `fill` when given (thermal tickets align their colons).
    pub fn inline(&mut self, sh: &mut Sheet, row: Row, h: f64, pad: Option<(usize, char)>) {
        let mut label = row.label;
        if let Some((width, fill)) = pad {
            while label.chars().count() < width {
                label.push(fill);
            }
        }
        let mut segs = vec![t(format!("{label}{}", self.colon)), gap()];
        segs.extend(row.value);
        sh.at(segs, sh.margin, h);
        sh.line(h);
    }

    /// Label at the left, value right-aligned in its own block.
    pub fn pair(&mut self, sh: &mut Sheet, row: Row, hl: f64, hv: f64) {
        let label = vec![t(format!("{}{}", row.label, self.colon))];
        sh.pair(label, row.value, hl, hv);
    }

    /// Label on one line and value on the next (or the value first, label under it), at `x`.
    pub fn stacked(
        &mut self,
        sh: &mut Sheet,
        row: Row,
        x: f64,
        hl: f64,
        hv: f64,
        value_first: bool,
    ) {
        let label = vec![t(row.label)];
        let (first, h1, second, h2) = if value_first {
            (row.value, hv, label, hl)
        } else {
            (label, hl, row.value, hv)
        };
        sh.at(first, x, h1);
        sh.down(h1 * 1.15);
        sh.at(second, x, h2);
        sh.line(h2);
    }

    // --- key values ------------------------------------------------------------------------

    pub fn cip_value(&self) -> Vec<Seg> {
        vec![key(Field::Cip, Kind::Num, self.f.cip.clone())]
    }

    pub fn op_value(&self) -> Vec<Seg> {
        vec![key(Field::Operation, Kind::Num, self.f.op.clone())]
    }

    /// A currency sign for this receipt's currency.
    pub fn sign(&mut self) -> &'static str {
        if self.f.usd {
            self.pick(&["US$", "US$", "USD", "$"])
        } else {
            self.pick(&["S/", "S/", "S/", "S/.", "PEN"])
        }
    }

    /// A currency word for this receipt's currency, in its language.
    pub fn currency_word(&mut self) -> &'static str {
        match (self.en, self.f.usd) {
            (false, false) => self.pick(&["Soles", "Soles", "PEN", "Nuevos Soles"]),
            (false, true) => self.pick(&["Dólares", "Dólares", "USD", "Dólares americanos"]),
            (true, false) => self.pick(&["Soles", "Peruvian Soles", "PEN"]),
            (true, true) => self.pick(&["US Dollars", "Dollars", "USD"]),
        }
    }

    /// A random way to show the currency beside the amount (mostly a sign before it).
    pub fn cur_form(&mut self) -> CurForm {
        match self.rng.random_range(0..100) {
            0..78 => {
                let sign = self.sign();
                let space = sign.len() > 3 || self.chance(0.75);
                CurForm::Before(sign, space)
            }
            78..92 => CurForm::After(self.currency_word()),
            _ => CurForm::Bare,
        }
    }

    /// `cents` with its currency in `form`. When `key`, the segments print the receipt's amount
    /// and currency; otherwise they are a distractor (balance, commission, total).
    pub fn money(&mut self, cents: i64, form: CurForm, key_field: bool) -> Vec<Seg> {
        let figure = self.amt.format(cents);
        let (amount, currency) = if key_field {
            (Some(Field::Amount), Some(Field::Currency))
        } else {
            (None, None)
        };
        let fig = crate::sheet::seg(figure, Kind::Num, amount);
        match form {
            CurForm::Before(sign, space) => {
                let mut v = vec![crate::sheet::seg(sign, Kind::Sign, currency)];
                if space {
                    v.push(gap());
                }
                v.push(fig);
                v
            }
            CurForm::After(word) => {
                let word = self.style(word);
                vec![fig, t(" "), crate::sheet::seg(word, Kind::Text, currency)]
            }
            CurForm::Bare => vec![fig],
        }
    }

    /// A "Moneda: Soles" / "Currency: US Dollars" row, which gives the currency of a bare amount.
    pub fn currency_row(&mut self) -> Row {
        let word = self.currency_word();
        let word = self.style(word);
        let label: &[&str] = if self.en {
            &["Currency"]
        } else {
            &["Moneda", "Moneda", "Tipo de moneda", "Divisa"]
        };
        self.row(label, vec![key(Field::Currency, Kind::Text, word)])
    }

    /// The payment date (and time, per `time_at`) as segments printing the key fields.
    pub fn paid_value(&mut self, date: DateFmt, time: Option<TimeFmt>, joiner: &str) -> Vec<Seg> {
        let upper = self.case == Case::Upper;
        let d = values::date_text(self.rng, self.f.paid.date(), date, upper);
        let mut v = vec![key(Field::PaidDate, Kind::Num, d)];
        if let Some(tf) = time {
            v.push(t(joiner));
            v.push(self.time_seg(tf));
        }
        v
    }

    /// The payment time alone.
    pub fn time_seg(&mut self, tf: TimeFmt) -> Seg {
        let upper = self.case == Case::Upper;
        let text = values::time_text(self.rng, self.f.paid, tf, upper);
        self.time_secs |= tf.has_seconds();
        key(Field::PaidTime, Kind::Num, text)
    }

    /// Rows of the payment date: one row, or a date row and an "Hora" row, per `time_at`.
    pub fn paid_rows(&mut self, date: DateFmt, time: TimeFmt, time_at: TimeAt) -> Vec<Row> {
        let labels = if self.en {
            lexicon::DATE_EN
        } else {
            lexicon::DATE_ES
        };
        match time_at {
            TimeAt::Joined(joiner) => {
                let v = self.paid_value(date, Some(time), joiner);
                vec![self.row(labels, v)]
            }
            TimeAt::Absent => {
                let v = self.paid_value(date, None, "");
                vec![self.row(labels, v)]
            }
            TimeAt::OwnRow => {
                let v = self.paid_value(date, None, "");
                let date_labels: &[&str] = if self.en {
                    &["Date", "Payment date"]
                } else {
                    &["Fecha", "Fecha de pago", "Fecha de operación", "Fecha pago"]
                };
                let date_row = self.row(date_labels, v);
                let tseg = self.time_seg(time);
                let hour: &[&str] = if self.en {
                    &["Time"]
                } else {
                    &["Hora", "Hora de pago"]
                };
                let time_row = self.row(hour, vec![tseg]);
                vec![date_row, time_row]
            }
        }
    }

    /// A random placement of the time: mostly joined with a space, sometimes its own row or absent.
    pub fn time_at(&mut self) -> TimeAt {
        match self.rng.random_range(0..100) {
            0..62 => TimeAt::Joined(" "),
            62..72 => TimeAt::Joined(" - "),
            72..88 => TimeAt::OwnRow,
            _ => TimeAt::Absent,
        }
    }

    /// Another date `days` from the payment (negative: before), as a distractor.
    pub fn other_date(&mut self, days: i64, date: DateFmt, time: Option<TimeFmt>) -> Vec<Seg> {
        let upper = self.case == Case::Upper;
        let when = if days >= 0 {
            self.f.paid.checked_add_days(Days::new(days.unsigned_abs()))
        } else {
            self.f.paid.checked_sub_days(Days::new(days.unsigned_abs()))
        }
        .unwrap_or(self.f.paid);
        let mut text = values::date_text(self.rng, when.date(), date, upper);
        if let Some(tf) = time {
            let shifted = when
                .checked_sub_signed(chrono::TimeDelta::minutes(self.rng.random_range(7..600)))
                .unwrap_or(when);
            text = format!("{text} {}", values::time_text(self.rng, shifted, tf, upper));
        }
        vec![n(text)]
    }

    /// The CIP row (printed on 96 % of receipts) and the operation-number row (at `op_chance`;
    /// `None` when the receipt prints it elsewhere, and then nothing is drawn), appended to `rows`
    /// with labels in the receipt's language.
    pub fn push_code_rows(&mut self, rows: &mut Vec<Row>, op_chance: Option<f64>) {
        if self.chance(0.96) {
            let labels = if self.en {
                lexicon::CIP_EN
            } else {
                lexicon::CIP_ES
            };
            let v = self.cip_value();
            rows.push(self.row(labels, v));
        }
        if op_chance.is_some_and(|p| self.chance(p)) {
            let labels = if self.en {
                lexicon::OP_EN
            } else {
                lexicon::OP_ES
            };
            let v = self.op_value();
            rows.push(self.row(labels, v));
        }
    }

    /// Each of `extras` inserted at a random place with chance 0.45, then, half the time, every
    /// row shuffled.
    pub fn scatter_extras(&mut self, rows: &mut Vec<Row>, extras: &[fn(&mut Self) -> Row]) {
        for extra in extras {
            if self.chance(0.45) {
                let row = extra(self);
                rows.insert(self.rng.random_range(0..=rows.len()), row);
            }
        }
        if self.chance(0.5) {
            self.shuffle(rows);
        }
    }

    /// The key rows of a typical receipt, in random order: CIP (rarely missing), operation number
    /// (sometimes missing), amount, payment date and time.
    pub fn key_rows(
        &mut self,
        amount_labels: &[&str],
        form: CurForm,
        date: DateFmt,
        time: TimeFmt,
    ) -> Vec<Row> {
        let mut rows = Vec::new();
        self.push_code_rows(&mut rows, Some(0.9));
        let v = self.money(self.f.cents, form, true);
        rows.push(self.row(amount_labels, v));
        if self.chance(0.98) {
            let time_at = self.time_at();
            rows.extend(self.paid_rows(date, time, time_at));
        }
        rows
    }

    /// A random Spanish numeric or short date format.
    pub fn es_date(&mut self) -> DateFmt {
        self.pick(&[
            DateFmt::DmySlash,
            DateFmt::DmySlash,
            DateFmt::DmySlash,
            DateFmt::DmySlashShort,
            DateFmt::DmyDash,
            DateFmt::DmyDot,
            DateFmt::YmdSlash,
            DateFmt::Iso,
            DateFmt::EsShort,
            DateFmt::EsLong,
        ])
    }

    /// A random Spanish time format.
    pub fn es_time(&mut self) -> TimeFmt {
        self.pick(&[
            TimeFmt::H24,
            TimeFmt::H24,
            TimeFmt::H24Secs,
            TimeFmt::H24Secs,
            TimeFmt::Es12,
            TimeFmt::En12,
        ])
    }

    /// `text` as one plain segment list (titles, footers).
    pub fn words(&self, text: &str) -> Vec<Seg> {
        vec![t(self.style(text))]
    }
}

/// The text of a row's value (for families that join several into one line).
pub(crate) fn value_text(row: &Row) -> String {
    text_of(&row.value)
}
