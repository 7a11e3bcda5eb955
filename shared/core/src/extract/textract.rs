//! Amazon Textract `DetectDocumentText` responses → OCR lines.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{BoundingBox, ExtractError, OcrLine, Point};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DetectDocumentTextResponse {
    blocks: Option<Vec<Block>>,
    // Present in responses of other Textract APIs: used to say what the file is instead.
    expense_documents: Option<IgnoredAny>,
    identity_documents: Option<IgnoredAny>,
    job_status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Block {
    block_type: String,
    id: Option<String>,
    text: Option<String>,
    confidence: Option<f64>,
    geometry: Option<Geometry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Geometry {
    bounding_box: TextractBox,
    polygon: Option<Vec<TextractPoint>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TextractBox {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "PascalCase")]
struct TextractPoint {
    x: f64,
    y: f64,
}

/// Reads the `LINE` blocks (text, confidence, box and polygon) of a `DetectDocumentText` response;
/// `WORD` blocks may be there or not. A page with no text gives no lines.
pub fn lines_from_textract_json(json: &str) -> Result<Vec<OcrLine>, ExtractError> {
    let response: DetectDocumentTextResponse = serde_json::from_str(json).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ExtractError::TextractJson(e)
        } else {
            ExtractError::NotDetectDocumentText(format!("unexpected shape: {e}"))
        }
    })?;
    let Some(blocks) = response.blocks else {
        let what = if response.expense_documents.is_some() {
            "it is an AnalyzeExpense response (ExpenseDocuments)".to_string()
        } else if response.identity_documents.is_some() {
            "it is an AnalyzeID response (IdentityDocuments)".to_string()
        } else if let Some(status) = response.job_status {
            format!("it is an asynchronous job's status ({status}) with no Blocks")
        } else {
            "it has no Blocks array".to_string()
        };
        return Err(ExtractError::NotDetectDocumentText(what));
    };
    if !blocks.iter().any(|b| b.block_type == "PAGE") {
        return Err(ExtractError::NotDetectDocumentText(
            "its Blocks have no PAGE block".to_string(),
        ));
    }
    blocks
        .into_iter()
        .filter(|b| b.block_type == "LINE")
        .filter(|b| b.text.as_deref().is_some_and(|t| !t.trim().is_empty()))
        .map(line_from_block)
        .collect()
}

fn line_from_block(block: Block) -> Result<OcrLine, ExtractError> {
    let id = block.id.unwrap_or_default();
    let Some(geometry) = block.geometry else {
        return Err(ExtractError::NotDetectDocumentText(format!(
            "LINE block {id:?} has no Geometry"
        )));
    };
    let b = geometry.bounding_box;
    let polygon = geometry
        .polygon
        .filter(|p| p.len() >= 4)
        .map(|p| [p[0], p[1], p[2], p[3]].map(|q| Point { x: q.x, y: q.y }));
    Ok(OcrLine {
        text: block.text.unwrap_or_default(),
        confidence: block.confidence.unwrap_or_default(),
        bbox: BoundingBox {
            left: b.left,
            top: b.top,
            width: b.width,
            height: b.height,
        },
        polygon,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"DocumentMetadata":{"Pages":1},"Blocks":[
        {"BlockType":"PAGE","Geometry":{"BoundingBox":{"Width":1,"Height":1,"Left":0,"Top":0}},"Id":"p"},
        {"BlockType":"LINE","Confidence":97.5,"Text":"CIP: 1234567","Id":"l1",
         "Geometry":{"BoundingBox":{"Width":0.2,"Height":0.03,"Left":0.1,"Top":0.2},
                     "Polygon":[{"X":0.1,"Y":0.2},{"X":0.3,"Y":0.2},{"X":0.3,"Y":0.23},{"X":0.1,"Y":0.23}]}},
        {"BlockType":"LINE","Confidence":90,"Text":"S/ 10.00","Id":"l2",
         "Geometry":{"BoundingBox":{"Width":0.2,"Height":0.03,"Left":0.1,"Top":0.3}}}
    ]}"#;

    #[test]
    fn reads_lines_with_and_without_polygon_and_without_words() {
        let lines = lines_from_textract_json(MINIMAL).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "CIP: 1234567");
        assert_eq!(lines[0].confidence, 97.5);
        assert!(lines[0].polygon.is_some());
        assert_eq!(lines[1].polygon, None);
        assert_eq!(lines[1].bbox.top, 0.3);
    }

    #[test]
    fn says_what_the_file_is_when_not_detect_document_text() {
        let err = lines_from_textract_json("not json").unwrap_err();
        assert!(matches!(err, ExtractError::TextractJson(_)), "{err}");
        assert!(err
            .to_string()
            .contains("not a Textract DetectDocumentText response"));

        let err = lines_from_textract_json(r#"{"ExpenseDocuments":[]}"#).unwrap_err();
        assert!(err.to_string().contains("AnalyzeExpense"), "{err}");

        let err = lines_from_textract_json(r#"{"Records":[]}"#).unwrap_err();
        assert!(err.to_string().contains("no Blocks"), "{err}");

        let err = lines_from_textract_json(r#"[1,2]"#).unwrap_err();
        assert!(
            matches!(err, ExtractError::NotDetectDocumentText(_)),
            "{err}"
        );

        let err = lines_from_textract_json(r#"{"Blocks":[{"BlockType":"LINE","Text":"x"}]}"#)
            .unwrap_err();
        assert!(err.to_string().contains("no PAGE"), "{err}");

        let no_geometry =
            r#"{"Blocks":[{"BlockType":"PAGE"},{"BlockType":"LINE","Text":"x","Id":"a"}]}"#;
        let err = lines_from_textract_json(no_geometry).unwrap_err();
        assert!(err.to_string().contains("no Geometry"), "{err}");
    }

    #[test]
    fn a_blank_page_has_no_lines() {
        let blank = r#"{"Blocks":[{"BlockType":"PAGE","Geometry":{"BoundingBox":{"Width":1,"Height":1,"Left":0,"Top":0}}}]}"#;
        assert!(lines_from_textract_json(blank).unwrap().is_empty());
    }
}
