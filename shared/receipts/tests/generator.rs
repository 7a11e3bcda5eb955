//! The generator's promises: determinism, coverage of every family and noise level, and every
//! variation class real receipts show, over seeds 0..2000.

mod common;

use common::{any_line, corpus, has, has_number, lines_with};
use cuadre_receipts::{generate, generate_with, to_textract_json, Field, Receipt, LAYOUTS};

#[test]
fn the_same_seed_gives_the_same_receipt_and_json() {
    for seed in [0, 1, 42, 1999, u64::MAX] {
        let (a, b) = (generate(seed), generate(seed));
        assert_eq!(a, b);
        assert_eq!(to_textract_json(&a), to_textract_json(&b));
        assert_eq!(generate_with(a.layout, a.noise, seed), Some(a));
    }
    let jsons: std::collections::HashSet<String> =
        (0..50).map(|s| to_textract_json(&generate(s))).collect();
    assert_eq!(jsons.len(), 50, "different seeds give different receipts");
}

#[test]
fn unknown_families_are_refused_and_noise_is_capped() {
    assert_eq!(generate_with("fax_machine", 0, 1), None);
    let r = generate_with("wallet", 9, 1).unwrap();
    assert_eq!(r.noise, 2);
    assert_eq!(r.layout, "wallet");
}

#[test]
fn every_family_and_noise_level_occurs() {
    let rs = corpus();
    assert!(LAYOUTS.len() >= 10);
    for family in LAYOUTS {
        let n = rs.iter().filter(|r| r.layout == *family).count();
        assert!(n >= 60, "{family}: {n} receipts");
        assert!(generate_with(family, 1, 7).is_some());
    }
    for level in 0..=2u8 {
        let n = rs.iter().filter(|r| r.noise == level).count();
        assert!(n >= 300, "noise {level}: {n}");
    }
}

#[test]
fn rotation_follows_the_family_and_noise() {
    for r in corpus() {
        let a = r.angle_deg.abs();
        if r.layout == "rotated_photo" {
            assert!((3.0..=7.0).contains(&a), "{} {}", r.seed, r.angle_deg);
        } else if r.noise == 0 {
            assert_eq!(r.angle_deg, 0.0);
        } else {
            assert!(a <= 2.0, "{} {}", r.seed, r.angle_deg);
        }
    }
}

#[test]
fn amounts_use_every_separator_style_and_magnitude() {
    let rs = corpus();
    let amount_line = |pat: &'static str| {
        move |r: &Receipt| lines_with(r, Field::Amount).any(|l| has_number(&l.clean, pat))
    };
    for pat in [
        "#,###.##", "#.###,##", "# ###.##", "#'###.##", "####.##", "##.##",
    ] {
        assert!(rs.iter().any(amount_line(pat)), "no amount like {pat}");
    }
    // Round amounts without cents: the figure has no decimals, the truth has ".00".
    assert!(rs.iter().any(|r| {
        r.truth
            .amount
            .as_deref()
            .is_some_and(|a| a.ends_with(".00"))
            && lines_with(r, Field::Amount).any(|l| {
                let t = l
                    .clean
                    .trim_end_matches(|c: char| c.is_alphabetic() || c == ' ');
                !has(t, ".##") && !has(t, ",##") && t.ends_with(|c: char| c.is_ascii_digit())
            })
    }));
    let amounts: Vec<f64> = rs
        .iter()
        .filter_map(|r| r.truth.amount.as_deref()?.parse().ok())
        .collect();
    let big = amounts.iter().filter(|a| **a >= 1000.0).count();
    assert!(
        big * 4 >= amounts.len(),
        "plenty of amounts >= 1000: {big}/{}",
        amounts.len()
    );
    assert!(amounts.iter().all(|a| (1.0..=15_000.0).contains(a)));
}

#[test]
fn currencies_appear_in_every_form() {
    let rs = corpus();
    for sign in [
        "S/ ",
        "S/.",
        "PEN",
        "Soles",
        "US$",
        "USD",
        "$ ",
        "Dólares",
        "DOLARES",
        "PAGOEFECTIVO SOLES",
        "PAGOEFECTIVO DOLARES",
        "Moneda",
        "Currency",
        "US Dollars",
    ] {
        assert!(any_line(&rs, |l| l.clean.contains(sign)), "no {sign:?}");
    }
    // OCR misreads of S/.
    assert!(any_line(&rs, |l| l.text.contains("$/")));
    assert!(any_line(&rs, |l| l.text.contains("5/")));
    // The sign as a block of its own (beside or above the figure).
    let sign_alone = |r: &Receipt| {
        r.lines.iter().any(|l| {
            l.fields == vec![Field::Currency]
                && ["S/", "S/.", "US$", "USD", "$", "PEN"].contains(&l.clean.as_str())
        })
    };
    assert!(corpus().iter().filter(|r| sign_alone(r)).count() >= 50);
    // A bare "$" amount with "Dólares" written elsewhere.
    assert!(rs.iter().any(|r| {
        lines_with(r, Field::Amount).any(|l| l.clean.contains("$ ") && !l.clean.contains("US$"))
            && r.lines.iter().any(|l| l.clean.contains("Dólares"))
    }));
    let usd = rs
        .iter()
        .filter(|r| r.truth.currency.as_deref() == Some("USD"))
        .count();
    let pen = rs
        .iter()
        .filter(|r| r.truth.currency.as_deref() == Some("PEN"))
        .count();
    assert!(
        usd * 100 / (usd + pen) >= 15 && usd * 100 / (usd + pen) <= 32,
        "{usd} USD / {pen} PEN"
    );
    assert!(
        rs.iter().any(|r| r.truth.currency.is_none()),
        "sometimes no currency is shown"
    );
}

#[test]
fn dates_and_times_appear_in_every_format() {
    let rs = corpus();
    let paid = |pat: &'static str| {
        move |r: &Receipt| lines_with(r, Field::PaidDate).any(|l| has(&l.clean, pat))
    };
    for pat in [
        "##/##/####",
        "##/##/## ",
        "##-##-####",
        "##.##.####",
        "####/##/##",
        "####-##-##",
    ] {
        assert!(rs.iter().any(paid(pat)), "no payment date like {pat}");
    }
    let words = |needle: &'static str| {
        move |r: &Receipt| lines_with(r, Field::PaidDate).any(|l| l.clean.contains(needle))
    };
    for needle in [
        " nov. ",
        " de noviembre de ",
        " a las ",
        "setiembre",
        "Mar ",
        "March ",
        ", 20",
    ] {
        assert!(
            rs.iter().any(words(needle)),
            "no payment date with {needle:?}"
        );
    }
    let time = |pat: &'static str| {
        move |r: &Receipt| lines_with(r, Field::PaidTime).any(|l| has(&l.clean, pat))
    };
    for pat in [
        "##:##:##",
        "##:## p. m.",
        "#:## PM",
        "##:## PM",
        "#:## a. m.",
    ] {
        assert!(rs.iter().any(time(pat)), "no payment time like {pat}");
    }
    // The time with a label of its own, and receipts without a time.
    assert!(any_line(&rs, |l| l.clean.starts_with("Hora")
        || l.clean.starts_with("HORA")));
    assert!(rs
        .iter()
        .any(|r| r.truth.paid_at.as_deref().is_some_and(|p| p.len() == 10)));
    let years: std::collections::HashSet<&str> = rs
        .iter()
        .filter_map(|r| r.truth.paid_at.as_deref())
        .map(|p| &p[..4])
        .collect();
    assert_eq!(years, ["2025", "2026", "2027"].into_iter().collect());
}

#[test]
fn long_spanish_dates_name_the_right_weekday() {
    use chrono::{Datelike, NaiveDate};
    let days = [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ];
    let months = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ];
    let mut checked = 0;
    for r in corpus() {
        for l in lines_with(&r, Field::PaidDate) {
            let Some((wd, rest)) = l.clean.split_once(", ") else {
                continue;
            };
            let Some(wd_index) = days.iter().position(|d| wd.ends_with(d)) else {
                continue;
            };
            let parts: Vec<&str> = rest.split(' ').collect();
            let day: u32 = parts[0].parse().unwrap();
            let month = if parts[2] == "setiembre" {
                9
            } else {
                months.iter().position(|m| *m == parts[2]).unwrap() + 1
            };
            let year: i32 = parts[4].parse().unwrap();
            let date = NaiveDate::from_ymd_opt(year, month as u32, day).unwrap();
            assert_eq!(
                date.weekday().num_days_from_monday() as usize,
                wd_index,
                "{}",
                l.clean
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} long dates");
}

#[test]
fn labels_vary_in_language_accents_abbreviation_and_case() {
    let rs = corpus();
    for label in [
        "Código CIP",
        "Cod. CIP",
        "CÓDIGO DE PAGO",
        "Código de usuario",
        "Nro. CIP",
        "COD. PAGO",
        "Nro. de operación",
        "N° de operación",
        "Nº de operación",
        "Número de operación",
        "Código de operación",
        "NRO OPERACION",
        "Nro. de transacción",
        "Trans.",
        "Transacc.",
        "Importe pagado",
        "Monto pagado",
        "Total pagado",
        "Fecha y hora",
        "Fecha de operación",
        "Pagado el",
        "Payment code",
        "CIP code",
        "Transaction number",
        "Operation number",
        "Transaction ID",
        "Amount paid",
        "Date and time",
        "Payment date",
        "Numero de operacion",
        "Número de Operación",
    ] {
        assert!(
            any_line(&rs, |l| l.clean.contains(label) || l.text.contains(label)),
            "no label {label:?}"
        );
    }
    assert!(any_line(&rs, |l| has(&l.clean, "Op: #")
        || has(&l.clean, "OP: #")
        || has(&l.clean, "OP:#")));
}

#[test]
fn distractor_numbers_surround_the_real_ones() {
    let rs = corpus();
    let digits_line = |prefix: &'static str, pat: &'static str| {
        move |l: &cuadre_receipts::TextLine| l.clean.contains(prefix) && has_number(&l.clean, pat)
    };
    assert!(any_line(&rs, digits_line("RUC", "20#########")));
    assert!(any_line(&rs, digits_line("RUC", "10#########")));
    assert!(any_line(&rs, |l| l.fields.is_empty()
        && has_number(&l.clean, "9########")));
    for word in [
        "Saldo disponible",
        "ITF",
        "COMISION",
        "TOTAL",
        "Fecha de vencimiento",
        "Válido hasta",
        "Fecha de emisión",
        "Pedido #",
        "Referencia",
        "TERMINAL",
        "DNI",
        "VUELTO",
        "**** ",
        "Balance available",
        "Reference",
    ] {
        assert!(
            any_line(&rs, |l| l
                .clean
                .to_uppercase()
                .contains(&word.to_uppercase())),
            "no {word:?}"
        );
    }
    assert!(
        any_line(&rs, |l| has_number(&l.clean, "###-########-#-##")),
        "BCP-style account"
    );
    // The due date is printed before the payment date.
    assert!(rs.iter().any(|r| {
        let due = r
            .lines
            .iter()
            .position(|l| l.clean.contains("vencimiento") || l.clean.contains("Válido hasta"));
        let paid = r
            .lines
            .iter()
            .position(|l| l.fields.contains(&Field::PaidDate));
        matches!((due, paid), (Some(d), Some(p)) if d < p)
    }));
}

#[test]
fn values_split_across_blocks_occur() {
    let rs = corpus();
    // Label on one line, value alone on the next (or above it).
    assert!(rs.iter().any(
        |r| lines_with(r, Field::Cip).any(|l| Some(l.clean.as_str()) == r.truth.cip.as_deref())
    ));
    // Label left, value right in another block on the same row.
    assert!(rs.iter().any(|r| {
        r.lines.iter().any(|v| {
            v.fields == vec![Field::Operation]
                && v.left > 0.3
                && r.lines
                    .iter()
                    .any(|l| l.left < 0.2 && (l.top - v.top).abs() < 0.02 && l.fields.is_empty())
        })
    }));
    // Several fields in one line (date, time and operation on a teller's first line).
    assert!(any_line(&rs, |l| l.fields.contains(&Field::PaidDate)
        && l.fields.contains(&Field::Operation)));
}

#[test]
fn noise_levels_slip_and_damage_as_documented() {
    let rs = corpus();
    for r in &rs {
        for l in &r.lines {
            let c = l.confidence;
            if l.damaged {
                assert!((15.0..=45.0).contains(&c), "{c}");
                continue;
            }
            match r.noise {
                0 => assert!(
                    (95.0..=99.9).contains(&c) && l.text == l.clean,
                    "{}",
                    l.text
                ),
                1 => assert!((85.0..=98.0).contains(&c)),
                _ => assert!((70.0..=95.0).contains(&c)),
            }
        }
    }
    let slipped = |from: char, to: char| {
        any_line(&rs, |l| {
            l.clean
                .chars()
                .zip(l.text.chars())
                .any(|(a, b)| a == from && b == to)
                && l.clean.len() == l.text.len()
        })
    };
    assert!(
        slipped('0', 'O')
            && slipped('1', 'l')
            && slipped('1', 'I')
            && slipped('5', 'S')
            && slipped('8', 'B')
    );
    assert!(any_line(&rs, |l| l.clean.contains("ó")
        && !l.text.contains("ó")
        && l.text.contains("o")));
    assert!(any_line(&rs, |l| l.clean.contains(": S/") && l.text.contains(":S/")));
    assert!(any_line(&rs, |l| l.text.contains('|') && !l.clean.contains('|')));
    assert!(any_line(&rs, |l| l.text.contains("::")));
    let heavy: Vec<&Receipt> = rs.iter().filter(|r| r.noise == 2).collect();
    let damaged = heavy
        .iter()
        .filter(|r| r.lines.iter().any(|l| l.damaged))
        .count();
    assert!(
        damaged * 100 >= heavy.len() * 7 && damaged * 100 <= heavy.len() * 20,
        "{damaged}/{}",
        heavy.len()
    );
    assert!(rs
        .iter()
        .filter(|r| r.noise < 2)
        .all(|r| r.lines.iter().all(|l| !l.damaged)));
}

#[test]
fn payment_codes_look_like_pagoefectivo_ones() {
    let rs = corpus();
    let cips: Vec<&str> = rs.iter().filter_map(|r| r.truth.cip.as_deref()).collect();
    for len in 7..=9 {
        assert!(cips.iter().any(|c| c.len() == len));
    }
    assert!(cips.iter().filter(|c| c.len() == 8).count() * 2 > cips.len());
    let ops: Vec<&str> = rs
        .iter()
        .filter_map(|r| r.truth.operation_number.as_deref())
        .collect();
    assert!(ops
        .iter()
        .all(|o| (6..=12).contains(&o.len()) && o.chars().all(|c| c.is_ascii_digit())));
    assert!(ops.iter().any(|o| o.starts_with('0')));
    for r in &rs {
        if let (Some(c), Some(o)) = (&r.truth.cip, &r.truth.operation_number) {
            assert_ne!(c, o);
        }
    }
    // Mostly present; absent sometimes, so a reader must be able to say null.
    assert!(rs.iter().filter(|r| r.truth.cip.is_none()).count() < 200);
    assert!(rs.iter().any(|r| r.truth.operation_number.is_none()));
}
