//! Tesseract's TSV output (`tesseract IMAGE stdout -l spa tsv`) → OCR lines.

use std::collections::BTreeMap;

use super::{BoundingBox, ExtractError, OcrLine, Point};

const HEADER: [&str; 12] = [
    "level",
    "page_num",
    "block_num",
    "par_num",
    "line_num",
    "word_num",
    "left",
    "top",
    "width",
    "height",
    "conf",
    "text",
];

const PAGE_LEVEL: u32 = 1;
const WORD_LEVEL: u32 = 5;

/// A pixel box.
#[derive(Debug, Clone, Copy)]
struct PixelBox {
    left: i64,
    top: i64,
    right: i64,
    bottom: i64,
}

impl PixelBox {
    fn union(self, other: PixelBox) -> PixelBox {
        PixelBox {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }
}

struct Word {
    number: u32,
    text: String,
    confidence: f64,
    pixels: PixelBox,
}

struct LineWords {
    page: u32,
    words: Vec<Word>,
}

/// Words of one Tesseract line further apart than this many word heights are separate blocks, as
/// Textract gives them: the columns of a table's row, a value printed far right of its label.
const BLOCK_GAP_HEIGHTS: i64 = 2;

/// Groups Tesseract's words into lines (by page, block, paragraph and line number) and turns their
/// pixel boxes into fractions of the page given by the page-level row.
pub fn lines_from_tesseract_tsv(tsv: &str) -> Result<Vec<OcrLine>, ExtractError> {
    let mut rows = tsv.lines().enumerate();
    let header_ok = rows.next().is_some_and(|(_, h)| {
        let names: Vec<&str> = h.trim_end_matches('\r').split('\t').collect();
        names == HEADER
    });
    if !header_ok {
        return Err(ExtractError::NotTesseractTsv(format!(
            "the first line is not the header `{}`",
            HEADER.join("\\t")
        )));
    }
    let mut pages: BTreeMap<u32, (i64, i64)> = BTreeMap::new();
    let mut lines: BTreeMap<(u32, u32, u32, u32), LineWords> = BTreeMap::new();
    for (index, row) in rows {
        let line_number = index + 1;
        let row = row.trim_end_matches('\r');
        if row.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 11 {
            return Err(ExtractError::BadTesseractRow {
                line: line_number,
                reason: format!("{} columns, expected 12", cols.len()),
            });
        }
        let bad = |what: &str| ExtractError::BadTesseractRow {
            line: line_number,
            reason: format!("{what} is not a number"),
        };
        let int = |i: usize, what: &str| cols[i].trim().parse::<i64>().map_err(|_| bad(what));
        let small = |i: usize, what: &str| cols[i].trim().parse::<u32>().map_err(|_| bad(what));
        let level = small(0, "level")?;
        let key = (
            small(1, "page_num")?,
            small(2, "block_num")?,
            small(3, "par_num")?,
            small(4, "line_num")?,
        );
        let (left, top, width, height) = (
            int(6, "left")?,
            int(7, "top")?,
            int(8, "width")?,
            int(9, "height")?,
        );
        let conf: f64 = cols[10].trim().parse().map_err(|_| bad("conf"))?;
        let text = cols.get(11).copied().unwrap_or("").trim();
        match level {
            PAGE_LEVEL => {
                if width <= 0 || height <= 0 {
                    return Err(ExtractError::BadTesseractRow {
                        line: line_number,
                        reason: "the page has no size".to_string(),
                    });
                }
                pages.insert(key.0, (width, height));
            }
            WORD_LEVEL if !text.is_empty() && conf >= 0.0 => {
                let word_box = PixelBox {
                    left,
                    top,
                    right: left + width,
                    bottom: top + height,
                };
                let entry = lines.entry(key).or_insert_with(|| LineWords {
                    page: key.0,
                    words: Vec::new(),
                });
                entry.words.push(Word {
                    number: small(5, "word_num")?,
                    text: text.to_string(),
                    confidence: conf,
                    pixels: word_box,
                });
            }
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(lines.len());
    for mut line in lines.into_values() {
        let Some(&(page_width, page_height)) = pages.get(&line.page) else {
            return Err(ExtractError::NotTesseractTsv(format!(
                "words of page {} but no page-level row (level 1) to give its size",
                line.page
            )));
        };
        line.words.sort_by_key(|w| w.number);
        let slope = line_slope(&line.words, page_width, page_height);
        for block in blocks(&line.words) {
            let pixels = block
                .iter()
                .map(|w| w.pixels)
                .reduce(PixelBox::union)
                .expect("a block has a word");
            let text = block
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let confidences: Vec<f64> = block.iter().map(|w| w.confidence).collect();
            let bbox = to_fractions(pixels, page_width, page_height);
            out.push(OcrLine {
                text,
                confidence: mean(&confidences),
                bbox,
                polygon: slope.and_then(|slope| slanted_polygon(slope, bbox)),
            });
        }
    }
    Ok(out)
}

/// A line's words split where the gap between two is wider than [`BLOCK_GAP_HEIGHTS`] of them.
fn blocks(words: &[Word]) -> Vec<&[Word]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..words.len() {
        let (a, b) = (&words[i - 1].pixels, &words[i].pixels);
        let height = (a.bottom - a.top).max(b.bottom - b.top);
        if b.left - a.right > BLOCK_GAP_HEIGHTS * height {
            out.push(&words[start..i]);
            start = i;
        }
    }
    if start < words.len() {
        out.push(&words[start..]);
    }
    out
}

#[allow(clippy::float_arithmetic)] // word confidences are floats; this only averages them
fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Tesseract gives only upright boxes; on a photo taken at an angle the words of a line climb or
/// fall, and that slope (in page fractions) gives each block of the line the polygon Textract would
/// have given, so the page's rotation can be undone the same way. It is measured on the baseline:
/// the bottoms of words with no letter that hangs below it (`p`, `g`, a comma), so a `receipt`
/// beside a `Download` does not tilt a level line. `None` without two such words.
#[allow(clippy::float_arithmetic)] // page geometry
fn line_slope(words: &[Word], page_width: i64, page_height: i64) -> Option<f64> {
    let on_baseline: Vec<&Word> = words
        .iter()
        .filter(|w| {
            !w.text.contains([
                'g', 'j', 'p', 'q', 'y', ',', ';', 'ç', 'Q', 'J', '/', '(', ')', '[', ']', '|', '@',
            ])
        })
        .collect();
    let first = on_baseline.iter().min_by_key(|w| w.pixels.left)?;
    let last = on_baseline.iter().max_by_key(|w| w.pixels.right)?;
    let x = |b: &PixelBox| (b.left + b.right) as f64 / 2.0 / page_width as f64;
    let y = |b: &PixelBox| b.bottom as f64 / page_height as f64;
    let dx = x(&last.pixels) - x(&first.pixels);
    if dx <= 0.0 {
        return None;
    }
    Some((y(&last.pixels) - y(&first.pixels)) / dx)
}

/// The box slanted by `slope`: upright where the slope is within measuring error (a level line is
/// evidence of a level page too), `None` where too steep for the box to hold a line of text.
#[allow(clippy::float_arithmetic)] // page geometry
fn slanted_polygon(slope: f64, bbox: BoundingBox) -> Option<[Point; 4]> {
    let mut rise = slope.abs() * bbox.width;
    if rise > 0.7 * bbox.height {
        return None;
    }
    if rise < 0.002 {
        rise = 0.0;
    }
    let (left, right, top, bottom) = (
        bbox.left,
        bbox.left + bbox.width,
        bbox.top,
        bbox.top + bbox.height,
    );
    let p = |x, y| Point { x, y };
    Some(if slope > 0.0 {
        [
            p(left, top),
            p(right, top + rise),
            p(right, bottom),
            p(left, bottom - rise),
        ]
    } else {
        [
            p(left, top + rise),
            p(right, top),
            p(right, bottom - rise),
            p(left, bottom),
        ]
    })
}

#[allow(clippy::float_arithmetic)] // pixels to fractions of the page
fn to_fractions(b: PixelBox, page_width: i64, page_height: i64) -> BoundingBox {
    let (w, h) = (page_width as f64, page_height as f64);
    BoundingBox {
        left: b.left as f64 / w,
        top: b.top as f64 / h,
        width: (b.right - b.left) as f64 / w,
        height: (b.bottom - b.top) as f64 / h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t1000\t2000\t-1\t
2\t1\t1\t0\t0\t0\t100\t200\t300\t40\t-1\t
3\t1\t1\t1\t0\t0\t100\t200\t300\t40\t-1\t
4\t1\t1\t1\t1\t0\t100\t200\t300\t40\t-1\t
5\t1\t1\t1\t1\t2\t240\t200\t160\t40\t91.5\t1234567
5\t1\t1\t1\t1\t1\t100\t202\t100\t36\t96.5\tCIP:
5\t1\t1\t1\t1\t3\t400\t200\t10\t40\t95\t 
2\t1\t2\t0\t0\t0\t600\t200\t200\t40\t-1\t
5\t1\t2\t1\t1\t1\t600\t205\t200\t35\t88\tS/150.00
";

    #[test]
    fn groups_words_into_lines_with_page_fractions() {
        let lines = lines_from_tesseract_tsv(TSV).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "CIP: 1234567");
        assert_eq!(lines[0].confidence, 94.0);
        assert_eq!(lines[0].bbox.left, 0.1);
        assert_eq!(lines[0].bbox.top, 0.1);
        assert_eq!(lines[0].bbox.width, 0.3);
        assert_eq!(lines[0].bbox.height, 0.02);
        assert_eq!(lines[1].text, "S/150.00");
        assert_eq!(lines[1].polygon, None);
    }

    const HEAD: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t1000\t2000\t-1\t
";

    #[test]
    fn words_far_apart_in_a_line_are_blocks_of_their_own() {
        // A table's header row read as one line: three columns, words 40 px high, 200 px apart.
        let tsv = format!(
            "{HEAD}5\t1\t1\t1\t1\t1\t100\t200\t150\t40\t95\tFECHA
5\t1\t1\t1\t1\t2\t450\t200\t120\t40\t95\tHORA
5\t1\t1\t1\t1\t3\t620\t200\t60\t40\t95\tDE
5\t1\t1\t1\t1\t4\t700\t200\t90\t40\t95\tPAGO
"
        );
        let lines = lines_from_tesseract_tsv(&tsv).unwrap();
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["FECHA", "HORA DE PAGO"]);
        assert_eq!(lines[1].bbox.left, 0.45);
        assert_eq!(lines[1].bbox.width, 0.34);
    }

    /// `Download receipt now`, each word's top given (`receipt` is 52 px high for its `p`).
    fn download_receipt_now(tops: [i64; 3]) -> String {
        let [a, b, c] = tops;
        format!(
            "{HEAD}5\t1\t1\t1\t1\t1\t100\t{a}\t200\t40\t95\tDownload
5\t1\t1\t1\t1\t2\t320\t{b}\t170\t52\t95\treceipt
5\t1\t1\t1\t1\t3\t510\t{c}\t170\t40\t95\tnow
"
        )
    }

    #[test]
    fn the_slope_is_read_on_the_baseline() {
        // `receipt` hangs below the line, so its box is taller and its centre lower; the line is
        // level all the same, and says so (an upright polygon).
        let level = download_receipt_now([200, 200, 200]);
        let line = &lines_from_tesseract_tsv(&level).unwrap()[0];
        let [p0, p1, ..] = line.polygon.expect("two words on the baseline");
        assert_eq!(p0.y, p1.y, "level");
        // The same words climbing 30 px over the line: a slanted polygon.
        let climbing = download_receipt_now([230, 215, 200]);
        let line = &lines_from_tesseract_tsv(&climbing).unwrap()[0];
        let [p0, p1, ..] = line.polygon.expect("slanted");
        assert!(p1.y < p0.y, "the right end is higher: {p0:?} {p1:?}");
    }

    #[test]
    fn refuses_what_is_not_tesseract_tsv() {
        let err = lines_from_tesseract_tsv("hello").unwrap_err();
        assert!(matches!(err, ExtractError::NotTesseractTsv(_)), "{err}");
        let no_page = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
5\t1\t1\t1\t1\t1\t100\t202\t100\t36\t96.5\tCIP:
";
        let err = lines_from_tesseract_tsv(no_page).unwrap_err();
        assert!(err.to_string().contains("page-level row"), "{err}");
        let bad = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
5\t1\tx\t1\t1\t1\t100\t202\t100\t36\t96.5\tCIP:
";
        let err = lines_from_tesseract_tsv(bad).unwrap_err();
        assert!(
            matches!(err, ExtractError::BadTesseractRow { line: 2, .. }),
            "{err}"
        );
    }
}
