//! What readers receive: the Textract JSON, the PNG, and truth that matches what the receipt
//! shows (checked from the text with the tests' own parsers, not the generator's).

mod common;

use std::collections::{HashMap, HashSet};

use common::{corpus, figure_cents, has_number, lines_with, undo_slips};
use cuadre_receipts::{generate, generate_with, render_png, to_textract_json, Field, Receipt};
use serde_json::Value;

fn f(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

#[test]
fn textract_json_is_a_detect_document_text_response() {
    let mut page_not_first = 0;
    let mut reordered = 0;
    let rs: Vec<Receipt> = (0..300).map(generate).collect();
    for r in &rs {
        let doc: Value = serde_json::from_str(&to_textract_json(r)).unwrap();
        assert_eq!(doc["DocumentMetadata"]["Pages"], 1);
        assert_eq!(doc["DetectDocumentTextModelVersion"], "1.0");
        let blocks = doc["Blocks"].as_array().unwrap();
        let by_id: HashMap<&str, &Value> = blocks
            .iter()
            .map(|b| (b["Id"].as_str().unwrap(), b))
            .collect();
        assert_eq!(by_id.len(), blocks.len(), "ids are unique");
        let kind = |t: &'static str| blocks.iter().filter(move |b| b["BlockType"] == t);
        let pages: Vec<&Value> = kind("PAGE").collect();
        assert_eq!(pages.len(), 1);
        let page = pages[0];
        assert_eq!(page["Geometry"]["BoundingBox"]["Width"], 1.0);
        assert_eq!(page["Geometry"]["BoundingBox"]["Left"], 0.0);
        let lines: Vec<&Value> = kind("LINE").collect();
        assert_eq!(lines.len(), r.lines.len());
        let page_children: HashSet<&str> = page["Relationships"][0]["Ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let line_ids: HashSet<&str> = lines.iter().map(|l| l["Id"].as_str().unwrap()).collect();
        assert_eq!(page_children, line_ids);
        // LINE texts are the lines' texts (runs of spaces collapsed), made of their WORD children.
        let mut want: Vec<String> = r
            .lines
            .iter()
            .map(|l| l.text.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let mut got: Vec<String> = Vec::new();
        for line in &lines {
            assert_eq!(line["Relationships"][0]["Type"], "CHILD");
            let words: Vec<&str> = line["Relationships"][0]["Ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| {
                    let w = by_id[id.as_str().unwrap()];
                    assert_eq!(w["BlockType"], "WORD");
                    w["Text"].as_str().unwrap()
                })
                .collect();
            assert_eq!(words.join(" "), line["Text"].as_str().unwrap());
            got.push(line["Text"].as_str().unwrap().to_string());
        }
        want.sort();
        got.sort();
        assert_eq!(got, want);
        assert_eq!(
            kind("WORD").count(),
            want.iter().map(|l| l.split(' ').count()).sum::<usize>()
        );
        for b in blocks {
            let c = f(b.get("Confidence").unwrap_or(&Value::from(100.0)));
            assert!((0.0..=100.0).contains(&c));
            let g = &b["Geometry"];
            let poly: Vec<(f64, f64)> = g["Polygon"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (f(&p["X"]), f(&p["Y"])))
                .collect();
            assert_eq!(poly.len(), 4);
            for (x, y) in &poly {
                assert!(
                    (0.0..=1.0).contains(x) && (0.0..=1.0).contains(y),
                    "seed {} off the page",
                    r.seed
                );
            }
            let bb = &g["BoundingBox"];
            let (l, t, w, h) = (
                f(&bb["Left"]),
                f(&bb["Top"]),
                f(&bb["Width"]),
                f(&bb["Height"]),
            );
            let min_x = poly.iter().map(|p| p.0).fold(f64::MAX, f64::min);
            let max_x = poly.iter().map(|p| p.0).fold(f64::MIN, f64::max);
            let min_y = poly.iter().map(|p| p.1).fold(f64::MAX, f64::min);
            let max_y = poly.iter().map(|p| p.1).fold(f64::MIN, f64::max);
            for (a, b) in [(l, min_x), (t, min_y), (l + w, max_x), (t + h, max_y)] {
                assert!((a - b).abs() < 1e-9, "the box encloses the polygon exactly");
            }
            if b["BlockType"] != "PAGE" {
                // Top-left to top-right runs at the page's angle, in pixel space; clockwise order.
                let (tl, tr, br, bl) = (poly[0], poly[1], poly[2], poly[3]);
                let angle = ((tr.1 - tl.1) * r.aspect).atan2(tr.0 - tl.0).to_degrees();
                assert!(
                    (angle - r.angle_deg).abs() < 1e-6,
                    "{angle} vs {}",
                    r.angle_deg
                );
                assert!(bl.1 > tl.1 && br.1 > tr.1);
            }
        }
        if blocks[0]["BlockType"] != "PAGE" {
            page_not_first += 1;
        }
        let order: Vec<&str> = lines.iter().map(|l| l["Text"].as_str().unwrap()).collect();
        let reading: Vec<String> = r
            .lines
            .iter()
            .map(|l| l.text.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if order != reading.iter().map(String::as_str).collect::<Vec<_>>() {
            reordered += 1;
        }
    }
    assert!(
        page_not_first > 250 && reordered > 280,
        "{page_not_first} {reordered}"
    );
}

/// `s` with Spanish accents dropped, as the noise may do.
fn unaccent(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'Ó' => 'O',
            'Í' => 'I',
            'í' => 'i',
            c => c,
        })
        .collect()
}

/// The digits OCR would give back once look-alike letters are read as digits.
fn recovered_digits(s: &str) -> String {
    undo_slips(&unaccent(&s.replace("S/", "5/").replace("$/", "5/")))
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

#[test]
fn noise_never_turns_a_digit_into_another_digit() {
    for r in corpus() {
        for l in r.lines.iter().filter(|l| !l.damaged) {
            assert_eq!(
                recovered_digits(&l.text),
                recovered_digits(&l.clean),
                "{} / {}",
                l.text,
                l.clean
            );
        }
    }
}

#[test]
fn truth_is_what_the_receipt_shows() {
    for r in corpus() {
        let seed = r.seed;
        let legible = |field: Field| {
            lines_with(&r, field)
                .filter(|l| !l.damaged)
                .collect::<Vec<_>>()
        };
        for (field, value) in [
            (Field::Cip, &r.truth.cip),
            (Field::Operation, &r.truth.operation_number),
        ] {
            match value {
                Some(v) => {
                    let ls = legible(field);
                    assert!(!ls.is_empty(), "seed {seed}: {field:?}");
                    for l in ls {
                        assert!(has_number(&l.clean, v), "seed {seed}: {v} in {}", l.clean);
                        assert!(
                            undo_slips(&l.text).contains(v.as_str()),
                            "seed {seed}: {v} in {}",
                            l.text
                        );
                    }
                }
                None => {
                    assert!(
                        legible(field).is_empty(),
                        "seed {seed}: {field:?} shown but None"
                    );
                    let digits = match field {
                        Field::Cip => generate_with(r.layout, 0, seed).unwrap().truth.cip,
                        _ => {
                            generate_with(r.layout, 0, seed)
                                .unwrap()
                                .truth
                                .operation_number
                        }
                    };
                    // A damaged value is nowhere readable.
                    if let Some(d) = digits.filter(|_| r.lines.iter().any(|l| l.damaged)) {
                        assert!(
                            r.lines.iter().all(|l| !undo_slips(&l.text).contains(&d)),
                            "seed {seed}"
                        );
                    }
                }
            }
        }
        match &r.truth.amount {
            Some(a) => {
                let (whole, cents) = a.split_once('.').unwrap();
                assert_eq!(cents.len(), 2);
                assert!(whole.chars().all(|c| c.is_ascii_digit()) && !whole.is_empty());
                let want = whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
                let ls = legible(Field::Amount);
                assert!(!ls.is_empty());
                for l in ls {
                    assert_eq!(
                        figure_cents(&l.clean),
                        Some(want),
                        "seed {seed}: {a} in {}",
                        l.clean
                    );
                }
                if r.layout == "agent_commission" {
                    let total = r
                        .lines
                        .iter()
                        .filter(|l| l.clean.starts_with("TOTAL"))
                        .filter_map(|l| figure_cents(&l.clean))
                        .max();
                    assert!(
                        total.is_none_or(|t| t > want),
                        "seed {seed}: the total includes the commission"
                    );
                }
            }
            None => assert!(legible(Field::Amount).is_empty(), "seed {seed}"),
        }
        // Damage garbles figures, never currency signs: a damaged amount line still shows its sign.
        let currency_lines: Vec<String> = lines_with(&r, Field::Currency)
            .map(|l| l.clean.to_uppercase())
            .collect();
        match r.truth.currency.as_deref() {
            Some("USD") => assert!(
                currency_lines
                    .iter()
                    .all(|t| t.contains('$') || t.contains("USD") || t.contains("LAR")),
                "seed {seed}"
            ),
            Some("PEN") => assert!(
                currency_lines
                    .iter()
                    .all(|t| t.contains("S/") || t.contains("PEN") || t.contains("SOL")),
                "seed {seed}"
            ),
            Some(other) => panic!("seed {seed}: currency {other}"),
            None => assert!(currency_lines.is_empty(), "seed {seed}: {currency_lines:?}"),
        }
        if r.truth.currency.is_some() {
            assert!(!currency_lines.is_empty(), "seed {seed}");
        }
        match &r.truth.paid_at {
            None => assert!(lines_with(&r, Field::PaidDate)
                .collect::<Vec<_>>()
                .is_empty()),
            Some(p) => {
                let date = chrono::NaiveDate::parse_from_str(&p[..10], "%Y-%m-%d").unwrap();
                let dates: Vec<&str> = lines_with(&r, Field::PaidDate)
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|l| l.clean.as_str())
                    .collect();
                assert!(!dates.is_empty());
                let year = p[..4].to_string();
                let day = date.format("%-d").to_string();
                assert!(
                    dates
                        .iter()
                        .any(|d| d.contains(&year) || d.contains(&format!("/{}", &year[2..]))),
                    "seed {seed}: {year} in {dates:?}"
                );
                assert!(
                    dates
                        .iter()
                        .any(|d| has_number(d, &day) || has_number(d, &format!("{:0>2}", day))),
                    "seed {seed}"
                );
                if p.len() == 10 {
                    assert!(
                        lines_with(&r, Field::PaidTime)
                            .collect::<Vec<_>>()
                            .is_empty(),
                        "seed {seed}: a time is printed"
                    );
                } else {
                    let t = chrono::DateTime::parse_from_rfc3339(p).unwrap();
                    assert_eq!(t.offset().local_minus_utc(), -5 * 3600);
                    let times: Vec<&str> = lines_with(&r, Field::PaidTime)
                        .collect::<Vec<_>>()
                        .iter()
                        .map(|l| l.clean.as_str())
                        .collect();
                    assert!(!times.is_empty());
                    let mm = t.format(":%M").to_string();
                    assert!(
                        times.iter().any(|x| x.contains(&mm)),
                        "seed {seed}: {mm} in {times:?}"
                    );
                    let secs = t.format(":%M:%S").to_string();
                    if &p[17..19] != "00" {
                        assert!(
                            times.iter().any(|x| x.contains(&secs)),
                            "seed {seed}: {secs} in {times:?}"
                        );
                    }
                }
            }
        }
        for l in &r.lines {
            assert!(
                l.left >= 0.0 && l.top >= 0.0 && l.left + l.width <= 1.0 && l.top + l.height <= 1.0,
                "seed {seed}"
            );
        }
    }
}

#[test]
fn damage_makes_the_field_none() {
    let mut damaged = 0;
    for r in corpus()
        .into_iter()
        .filter(|r| r.lines.iter().any(|l| l.damaged))
    {
        damaged += 1;
        let clean = generate_with(r.layout, 0, r.seed).unwrap();
        let hit: Vec<Field> = r
            .lines
            .iter()
            .filter(|l| l.damaged)
            .flat_map(|l| l.fields.clone())
            .collect();
        let nones = [
            (Field::Cip, r.truth.cip.is_none()),
            (Field::Operation, r.truth.operation_number.is_none()),
            (Field::Amount, r.truth.amount.is_none()),
        ];
        assert!(
            nones.iter().any(|(f, none)| hit.contains(f) && *none),
            "seed {}",
            r.seed
        );
        // Only the damaged field changes from the clean receipt's truth.
        let changed = [
            r.truth.cip != clean.truth.cip,
            r.truth.operation_number != clean.truth.operation_number,
            r.truth.amount != clean.truth.amount,
        ];
        assert_eq!(changed.iter().filter(|c| **c).count(), 1, "seed {}", r.seed);
        assert_eq!(r.truth.paid_at, clean.truth.paid_at);
    }
    assert!(damaged >= 30, "{damaged}");
}

#[test]
fn render_draws_the_receipt_as_a_png() {
    let seeds: Vec<u64> = [
        (0..)
            .find(|s| generate(*s).layout == "rotated_photo")
            .unwrap(),
        (0..).find(|s| generate(*s).monospace).unwrap(),
    ]
    .to_vec();
    for seed in seeds {
        let r = generate(seed);
        let png = render_png(&r).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(png, render_png(&r).unwrap(), "deterministic");
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let (w, h) = img.dimensions();
        assert!((1000..=2200).contains(&w));
        assert!((f64::from(h) - f64::from(w) * r.aspect).abs() <= 1.0);
        assert!(
            img.pixels().filter(|p| p.0[0] < 100).count() > 1000,
            "text was drawn"
        );
        // The text stays on the page: the corners are white even when rotated.
        for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)] {
            assert_eq!(img.get_pixel(x, y).0[0], 255);
        }
        // Text large enough for Tesseract: the smallest line at least ~44 px high.
        let min_line = r
            .lines
            .iter()
            .map(|l| l.height * f64::from(h))
            .fold(f64::MAX, f64::min);
        assert!(min_line >= 45.0, "seed {seed}: {min_line}");
    }
    // Every receipt's smallest line can be drawn at least 46 px high within the 2200 px cap.
    for r in corpus() {
        let min_h = r
            .lines
            .iter()
            .map(|l| l.height * r.aspect)
            .fold(f64::MAX, f64::min);
        assert!(min_h * 2200.0 >= 45.9, "seed {}: {min_h}", r.seed);
    }
}
